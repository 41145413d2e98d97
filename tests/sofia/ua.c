/* An independent SIP user agent for interop tests, on Sofia-SIP's nua:
 * registers AOR through an outbound proxy (linelock), calls a number,
 * holds the call for a moment, hangs up, unregisters and exits 0 when all
 * of it got 2xx answers; 1 on any failure, 2 on bad usage, 3 on timeout.
 *
 *   ll_sofia_ua -b BIND_URL -p PROXY_URL -a AOR -d DIAL_URI [-t SECONDS]
 *               [-T CERT_DIR]
 *
 * With -T the UA can speak TLS (RFC 3261 26.2): CERT_DIR holds Sofia's
 * agent.pem (key and certificate) and cafile.pem.
 *
 * It does not fork or write files: its verdict is its exit code and its
 * stderr trace ("ua: ..." per step). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sofia-sip/nua.h>
#include <sofia-sip/sip_status.h>
#include <sofia-sip/su_tag_io.h>
#include <sofia-sip/tport_tag.h>

struct ua {
	su_home_t home[1];
	su_root_t *root;
	nua_t *nua;
	nua_handle_t *reg;
	nua_handle_t *call;
	const char *aor;
	const char *dial;
	su_timer_t *hangup;
	int rc;   /* exit code once shut down */
	int step; /* how far the script got, for the trace */
};

static const char sdp_offer[] = "v=0\r\n"
                                "o=sofia 1 1 IN IP4 127.0.0.1\r\n"
                                "s=-\r\n"
                                "c=IN IP4 127.0.0.1\r\n"
                                "t=0 0\r\n"
                                "m=audio 40000 RTP/AVP 0\r\n"
                                "a=rtpmap:0 PCMU/8000\r\n";

/* Unregisters (Expires: 0 through linelock), then shuts down. */
static void
ua_finish(struct ua *ua, int rc)
{
	if (ua->rc < 0)
		ua->rc = rc;
	fprintf(stderr, "ua: finishing with %d at step %d\n", ua->rc, ua->step);
	if (ua->step >= 1 && ua->step < 5) {
		ua->step = 5;
		nua_unregister(ua->reg, TAG_END());
		return;
	}
	nua_shutdown(ua->nua);
}

static void
ua_on_hangup_timer(su_root_magic_t *magic, su_timer_t *t, su_timer_arg_t *arg)
{
	struct ua *ua = (struct ua *)arg;

	(void)magic;
	(void)t;
	fprintf(stderr, "ua: hanging up\n");
	ua->step = 3;
	nua_bye(ua->call, TAG_END());
}

static void
ua_call(struct ua *ua)
{
	ua->call =
	    nua_handle(ua->nua, NULL, SIPTAG_TO_STR(ua->dial), TAG_END());
	ua->step = 2;
	fprintf(stderr, "ua: calling %s\n", ua->dial);
	nua_invite(ua->call, NUTAG_MEDIA_ENABLE(0),
	           SIPTAG_CONTENT_TYPE_STR("application/sdp"),
	           SIPTAG_PAYLOAD_STR(sdp_offer), TAG_END());
}

static void
ua_on_event(nua_event_t event, int status, char const *phrase, nua_t *nua,
            nua_magic_t *magic, nua_handle_t *nh, nua_hmagic_t *hmagic,
            sip_t const *sip, tagi_t tags[])
{
	struct ua *ua = (struct ua *)magic;

	(void)nua;
	(void)nh;
	(void)hmagic;
	(void)sip;
	(void)tags;
	fprintf(stderr, "ua: %s %d %s\n", nua_event_name(event), status,
	        phrase ? phrase : "");
	switch (event) {
	case nua_r_register:
		if (status < 200)
			return;
		if (status >= 300)
			return ua_finish(ua, 1);
		ua->step = 1;
		ua_call(ua);
		return;
	case nua_r_invite:
		if (status < 200)
			return;
		if (status >= 300)
			return ua_finish(ua, 1);
		/* nua ACKs the 2xx itself (NUTAG_AUTOACK is on). */
		su_timer_set(ua->hangup, ua_on_hangup_timer,
		             (su_timer_arg_t *)ua);
		return;
	case nua_r_bye:
		if (status < 200)
			return;
		ua->step = 4;
		return ua_finish(ua, status < 300 ? 0 : 1);
	case nua_i_bye:
		/* The far end hung up first: also a complete call. */
		return ua_finish(ua, 0);
	case nua_r_unregister:
		if (status < 200)
			return;
		if (status >= 300)
			ua->rc = 1;
		nua_shutdown(ua->nua);
		return;
	case nua_r_shutdown:
		if (status >= 200)
			su_root_break(ua->root);
		return;
	default:
		return;
	}
}

static void
usage(void)
{
	fprintf(stderr, "usage: ll_sofia_ua -b BIND_URL -p PROXY_URL "
	                "-a AOR -d DIAL_URI [-t SECONDS] [-T CERT_DIR]\n");
}

int
main(int argc, char **argv)
{
	struct ua ua = {.rc = -1};
	const char *bind = NULL, *proxy = NULL, *certs = NULL;
	unsigned timeout = 20;
	int c;

	while ((c = getopt(argc, argv, "b:p:a:d:t:T:")) != -1) {
		switch (c) {
		case 'b':
			bind = optarg;
			break;
		case 'p':
			proxy = optarg;
			break;
		case 'a':
			ua.aor = optarg;
			break;
		case 'd':
			ua.dial = optarg;
			break;
		case 't':
			timeout = (unsigned)atoi(optarg);
			break;
		case 'T':
			certs = optarg;
			break;
		default:
			usage();
			return 2;
		}
	}
	if (!bind || !proxy || !ua.aor || !ua.dial) {
		usage();
		return 2;
	}
	alarm(timeout); /* SIGALRM ends a stuck run: exit 142 */
	su_init();
	su_home_init(ua.home);
	ua.root = su_root_create(&ua);
	ua.nua = nua_create(ua.root, ua_on_event, &ua, NUTAG_URL(bind),
	                    NUTAG_PROXY(proxy),
	                    NUTAG_OUTBOUND("no-options-keepalive no-validate"),
	                    SIPTAG_FROM_STR(ua.aor),
	                    TAG_IF(certs, TPTAG_CERTIFICATE(certs)), TAG_END());
	if (!ua.nua) {
		fprintf(stderr, "ua: nua_create failed on %s\n", bind);
		return 1;
	}
	ua.hangup = su_timer_create(su_root_task(ua.root), 500);
	ua.reg = nua_handle(ua.nua, NULL, SIPTAG_TO_STR(ua.aor), TAG_END());
	nua_register(ua.reg,
	             NUTAG_M_FEATURES("+sip.instance=\"<urn:uuid:"
	                              "5e1f0000-0000-1000-8000-"
	                              "00000000c0de>\""),
	             SIPTAG_EXPIRES_STR("300"), TAG_END());
	su_root_run(ua.root);
	su_timer_destroy(ua.hangup);
	nua_handle_destroy(ua.reg);
	if (ua.call)
		nua_handle_destroy(ua.call);
	nua_destroy(ua.nua);
	su_root_destroy(ua.root);
	su_home_deinit(ua.home);
	su_deinit();
	return ua.rc < 0 ? 1 : ua.rc;
}
