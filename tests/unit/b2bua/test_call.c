/* A call through the room on a real sip/ stack over loopback UDP: the
 * phone (a socket on 127.0.0.2, a trusted access peer) and the PBX (a
 * socket on 127.0.0.1, the core) are this test's own sockets, written
 * and read as text. Issue 7 (robust_overload): a BYE is answered at once
 * and ends the call, whatever the other side answers, and a B leg that
 * finds sip/'s transaction table full is refused with 503 and
 * Retry-After. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <cmocka.h>
#include <sys/socket.h>

#include "b2bua/internal.h"
#include "sip/internal.h"

struct fx {
	uv_loop_t loop;
	struct b2b *b;
	struct sip_stack *s;
	int phone, pbx;
	uint16_t phone_port, pbx_port, sip_port;
	int closed;
};

static int
udp_on(const char *ip, uint16_t *port)
{
	struct sockaddr_in a = {.sin_family = AF_INET};
	socklen_t len = sizeof(a);
	int fd = socket(AF_INET, SOCK_DGRAM, 0);

	assert_true(fd >= 0);
	assert_int_equal(inet_pton(AF_INET, ip, &a.sin_addr), 1);
	assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof(a)), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&a, &len), 0);
	*port = ntohs(a.sin_port);
	return fd;
}

static void
fx_open(struct fx *f, uint32_t max_txn)
{
	struct b2b_settings set;
	struct sip_config cfg;
	struct sip_tu tu;
	char ep[64];

	memset(f, 0, sizeof(*f));
	assert_int_equal(uv_loop_init(&f->loop), 0);
	f->phone = udp_on("127.0.0.2", &f->phone_port);
	f->pbx = udp_on("127.0.0.1", &f->pbx_port);

	memset(&set, 0, sizeof(set));
	snprintf(ep, sizeof(ep), "udp:127.0.0.1:%u", f->pbx_port);
	assert_int_equal(net_endpoint_parse(ep, 5060, &set.core[0]), 0);
	set.n_core = 1;
	assert_int_equal(net_cidr_parse("127.0.0.2/32", &set.trusted[0]), 0);
	set.n_trusted = 1;
	set.max_calls = 16;
	assert_int_equal(b2b_new(&f->b, &f->loop, NULL, &set), 0);

	memset(&cfg, 0, sizeof(cfg));
	assert_int_equal(
	    net_endpoint_parse("udp:127.0.0.1", 5060, &cfg.listen[0]), 0);
	((struct sockaddr_in *)&cfg.listen[0].addr)->sin_port = 0;
	cfg.n_listen = 1;
	cfg.max_transactions = max_txn;
	b2b_sip_tu(f->b, &tu);
	assert_int_equal(sip_stack_new(&f->s, &f->loop, &cfg, &tu), 0);
	f->sip_port =
	    ntohs(((struct sockaddr_in *)&f->s->lst[0]->ep.addr)->sin_port);
	b2b_start(f->b, f->s);
}

static void
fx_on_closed(void *arg)
{
	((struct fx *)arg)->closed++;
}

static void
fx_close(struct fx *f)
{
	b2b_free(f->b);
	sip_stack_close(f->s, fx_on_closed, f);
	uv_run(&f->loop, UV_RUN_DEFAULT);
	assert_int_equal(f->closed, 1);
	assert_int_equal(uv_loop_close(&f->loop), 0);
	close(f->phone);
	close(f->pbx);
}

static void
send_to_sip(struct fx *f, int fd, const char *text)
{
	struct sockaddr_in a = {.sin_family = AF_INET};

	a.sin_port = htons(f->sip_port);
	inet_pton(AF_INET, "127.0.0.1", &a.sin_addr);
	assert_int_equal(
	    sendto(fd, text, strlen(text), 0, (struct sockaddr *)&a, sizeof(a)),
	    (ssize_t)strlen(text));
}

/* Runs the loop until a datagram starting with `start` reaches fd
 * (others are skipped), for at most 2 s. True when one came. */
static bool
wait_for(struct fx *f, int fd, const char *start, char *buf, size_t len)
{
	struct timespec pause = {0, 2 * 1000 * 1000};

	for (int i = 0; i < 1000; i++) {
		ssize_t n;

		uv_run(&f->loop, UV_RUN_NOWAIT);
		while ((n = recv(fd, buf, len - 1, MSG_DONTWAIT)) > 0) {
			buf[n] = '\0';
			if (strncmp(buf, start, strlen(start)) == 0)
				return true;
		}
		nanosleep(&pause, NULL);
	}
	return false;
}

/* The line of header `name` in msg (name and value, no CRLF). */
static void
header_line(char *out, size_t len, const char *msg, const char *name)
{
	const char *p = msg;
	size_t nl = strlen(name);

	for (; (p = strstr(p, "\r\n")) != NULL; p += 2) {
		if (strncasecmp(p + 2, name, nl) == 0 && p[2 + nl] == ':') {
			snprintf(out, len, "%.*s", (int)strcspn(p + 2, "\r"),
			         p + 2);
			return;
		}
	}
	fail_msg("no %s in %s", name, msg);
}

static void
phone_request_cid(struct fx *f, const char *method, const char *branch,
                  const char *to, unsigned cseq, const char *call_id)
{
	char m[1024];

	snprintf(m, sizeof(m),
	         "%s sip:300@127.0.0.1:%u SIP/2.0\r\n"
	         "Via: SIP/2.0/UDP 127.0.0.2:%u;branch=%s;rport\r\n"
	         "From: <sip:201@127.0.0.1>;tag=ph1\r\n"
	         "%s\r\n"
	         "Call-ID: %s\r\n"
	         "CSeq: %u %s\r\n"
	         "Contact: <sip:201@127.0.0.2:%u>\r\n"
	         "Max-Forwards: 70\r\n"
	         "Content-Length: 0\r\n\r\n",
	         method, f->sip_port, f->phone_port, branch, to, call_id, cseq,
	         method, f->phone_port);
	send_to_sip(f, f->phone, m);
}

static void
phone_request(struct fx *f, const char *method, const char *branch,
              const char *to, unsigned cseq)
{
	phone_request_cid(f, method, branch, to, cseq, "call-1@127.0.0.2");
}

/* The PBX answers request `req` with `status` ("200 OK"); its To
 * gets the PBX's tag unless it has one. */
static void
pbx_reply(struct fx *f, const char *req, const char *status)
{
	char via[256], from[256], to[256], cid[256], cseq[64], m[1536];

	header_line(via, sizeof(via), req, "Via");
	header_line(from, sizeof(from), req, "From");
	header_line(to, sizeof(to), req, "To");
	header_line(cid, sizeof(cid), req, "Call-ID");
	header_line(cseq, sizeof(cseq), req, "CSeq");
	snprintf(m, sizeof(m),
	         "SIP/2.0 %s\r\n%s\r\n%s\r\n%s%s\r\n%s\r\n%s\r\n"
	         "Contact: <sip:pbx@127.0.0.1:%u>\r\n"
	         "Content-Length: 0\r\n\r\n",
	         status, via, from, to, strstr(to, "tag=") ? "" : ";tag=pbx1",
	         cid, cseq, f->pbx_port);
	send_to_sip(f, f->pbx, m);
}

/* A call from the phone answered by the PBX and ACKed; `to` gets the
 * phone's To header (with linelock's tag). */
static void
call_up(struct fx *f, char *to, size_t len)
{
	char buf[4096];

	phone_request(f, "INVITE", "z9hG4bK-inv1", "To: <sip:300@127.0.0.1>",
	              1);
	assert_true(wait_for(f, f->pbx, "INVITE ", buf, sizeof(buf)));
	pbx_reply(f, buf, "200 OK");
	assert_true(wait_for(f, f->phone, "SIP/2.0 200", buf, sizeof(buf)));
	header_line(to, len, buf, "To");
	phone_request(f, "ACK", "z9hG4bK-ack1", to, 1);
}

static void
test_call_bye_answered_at_once(void **state)
{
	struct fx f;
	struct b2b_stats st;
	char buf[4096], to[256];

	(void)state;
	fx_open(&f, 0);
	call_up(&f, to, sizeof(to));
	b2b_stats_get(f.b, &st);
	assert_int_equal(st.calls_active, 1);

	/* The PBX never answers the BYE linelock sends it: the phone's
	 * BYE still gets its 200 now and the call is over (RFC 3261
	 * 15.1.2). Relayed, it waited for the PBX's Timer F. */
	phone_request(&f, "BYE", "z9hG4bK-bye1", to, 2);
	assert_true(wait_for(&f, f.phone, "SIP/2.0 200", buf, sizeof(buf)));
	assert_non_null(strstr(buf, "CSeq: 2 BYE"));
	assert_true(wait_for(&f, f.pbx, "BYE ", buf, sizeof(buf)));
	b2b_stats_get(f.b, &st);
	assert_int_equal(st.calls_active, 0);
	assert_int_equal(st.legs_active, 0);
	fx_close(&f);
}

static void
test_call_reinvite_ringing_cancelled(void **state)
{
	struct fx f;
	struct b2b_stats st;
	char buf[4096], to[256], *cseq;

	(void)state;
	/* A re-INVITE the PBX answers 180 and then forgets: past
	 * ring_timeout (RFC 3261 16.6 Timer C) linelock CANCELs it and
	 * the phone gets the 487; the call goes on. Before, only Timer B
	 * ended it, which no longer runs once ringing. */
	fx_open(&f, 0);
	call_up(&f, to, sizeof(to));
	phone_request(&f, "INVITE", "z9hG4bK-reinv", to, 2);
	assert_true(wait_for(&f, f.pbx, "INVITE ", buf, sizeof(buf)));
	pbx_reply(&f, buf, "180 Ringing");
	assert_true(wait_for(&f, f.phone, "SIP/2.0 180", buf, sizeof(buf)));
	b2b__calls_sweep(f.b, ll_now_ms() + 179000);
	uv_run(&f.loop, UV_RUN_NOWAIT);
	assert_int_equal(recv(f.pbx, buf, sizeof(buf), MSG_DONTWAIT), -1);
	b2b__calls_sweep(f.b, ll_now_ms() + 181000);
	assert_true(wait_for(&f, f.pbx, "CANCEL ", buf, sizeof(buf)));
	pbx_reply(&f, buf, "200 OK");
	/* The 487 to the INVITE: the CANCEL's Via, From, To and Call-ID,
	 * its CSeq number with the method INVITE (RFC 3261 9.1). */
	cseq = strstr(buf, " CANCEL\r\n");
	assert_non_null(cseq);
	memcpy(cseq, " INVITE", 7);
	pbx_reply(&f, buf, "487 Request Terminated");
	assert_true(wait_for(&f, f.phone, "SIP/2.0 487", buf, sizeof(buf)));
	assert_non_null(strstr(buf, "CSeq: 2 INVITE"));
	b2b_stats_get(f.b, &st);
	assert_int_equal(st.calls_active, 1);
	fx_close(&f);
}

static void
test_call_b_leg_table_full_503(void **state)
{
	struct fx f;
	struct b2b_stats st;
	char buf[4096];

	(void)state;
	/* One transaction: the phone's INVITE takes it, the B leg's INVITE
	 * finds no room. An overload: 503 with Retry-After (RFC 3261
	 * 21.5.4) so the phone backs off, not 500. */
	fx_open(&f, 1);
	phone_request(&f, "INVITE", "z9hG4bK-inv2", "To: <sip:300@127.0.0.1>",
	              1);
	assert_true(wait_for(&f, f.phone, "SIP/2.0 5", buf, sizeof(buf)));
	assert_true(strncmp(buf, "SIP/2.0 503", 11) == 0);
	assert_non_null(strstr(buf, "Retry-After:"));
	b2b_stats_get(f.b, &st);
	assert_int_equal(st.calls_active, 0);
	assert_int_equal(st.calls_overload, 1);
	fx_close(&f);
}

static void
test_call_b_response_goes_to_its_transaction(void **state)
{
	struct fx f;
	struct b2b_stats st;
	char a[4096], b[4096], buf[4096];
	char via[256], from[256], to[256], cid[256], cseq[64], m[1536];

	(void)state;
	/* Two calls ring; the PBX answers the second's INVITE with the
	 * first's Call-ID and From tag. RFC 3261 17.1.3 matched the 200 by
	 * its branch: it is the second call's (the one whose transaction
	 * it ends), relayed on the second call's A leg. Found by Call-ID,
	 * it went to the first call, and the second kept a transaction
	 * sip/ frees. */
	fx_open(&f, 0);
	phone_request_cid(&f, "INVITE", "z9hG4bK-c1", "To: <sip:300@127.0.0.1>",
	                  1, "call-1@127.0.0.2");
	assert_true(wait_for(&f, f.pbx, "INVITE ", a, sizeof(a)));
	phone_request_cid(&f, "INVITE", "z9hG4bK-c2", "To: <sip:300@127.0.0.1>",
	                  1, "call-2@127.0.0.2");
	assert_true(wait_for(&f, f.pbx, "INVITE ", b, sizeof(b)));
	header_line(via, sizeof(via), b, "Via");
	header_line(from, sizeof(from), a, "From");
	header_line(to, sizeof(to), b, "To");
	header_line(cid, sizeof(cid), a, "Call-ID");
	header_line(cseq, sizeof(cseq), b, "CSeq");
	snprintf(m, sizeof(m),
	         "SIP/2.0 200 OK\r\n%s\r\n%s\r\n%s;tag=pbx2\r\n%s\r\n"
	         "%s\r\nContact: <sip:pbx@127.0.0.1:%u>\r\n"
	         "Content-Length: 0\r\n\r\n",
	         via, from, to, cid, cseq, f.pbx_port);
	send_to_sip(&f, f.pbx, m);
	assert_true(wait_for(&f, f.phone, "SIP/2.0 200", buf, sizeof(buf)));
	assert_non_null(strstr(buf, "Call-ID: call-2@127.0.0.2\r\n"));
	b2b_stats_get(f.b, &st);
	assert_int_equal(st.calls_active, 2);
	assert_int_equal(st.calls_answered, 1);
	fx_close(&f);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_call_bye_answered_at_once),
	    cmocka_unit_test(test_call_reinvite_ringing_cancelled),
	    cmocka_unit_test(test_call_b_leg_table_full_503),
	    cmocka_unit_test(test_call_b_response_goes_to_its_transaction),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
