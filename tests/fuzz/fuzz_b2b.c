/* Fuzz target: the SIP receive path from bytes to the B2BUA's decision,
 * with no socket in the way. Each input is a short conversation: up to
 * FB_MAX_SEGS messages separated by "~~~", each led by one control byte:
 *   bits 0-2  who sends it (fb_peers[]: a registered phone, a trusted
 *             access peer, the core, a phone on a locked line, a
 *             stranger, the core's host from another port, a phone with
 *             no binding, a trusted peer over IPv6);
 *   bit 3     TCP (a flow id of its own) instead of UDP;
 *   bits 4-6  time that passes first (fb_advance_ms[]): sip/'s fake clock
 *             runs the RFC 3261 timers, the B2BUA's sweep ends calls that
 *             rang or lasted too long;
 *   bit 7     verbatim: no SIPp keyword below is expanded.
 * Messages go into sip__recv() as the transports hand them over. What
 * sip/ sends goes to fb_on_send() (struct sip_stack's send_hook), which
 * keeps the last request and the last response per peer, so the next
 * message of that peer may answer it with SIPp's keywords (b2b_sipp.c):
 * [last_Via:] (any header name), [peer_tag_param], [next_url],
 * [routes], [len]. A response takes them from the last request sent to
 * its peer, a request from the last response: the forwarded INVITE's
 * random Call-ID, tags and branch can be answered, and the phone can
 * ACK and BYE our 200.
 *
 * Oracles besides ASan, UBSan and LeakSanitizer: every message sent
 * parses back with sip__parse() as one framed message (fb_on_send());
 * a locked line reaches the core only for an emergency or allowlisted
 * number (fb_check_lock()); events, the call list and the counters are
 * sane at the end of each input (fb_check_stats()).
 *
 * Every input runs against fresh rooms wired as main.c wires them: the
 * storage environment copied from a template (lines with PINs and
 * locks, lists, classes, an auth code, budgets, a closed week, two
 * stored device bindings), b2b_new(), sip_stack_new() on loopback
 * listeners that never see a datagram, then b2b_free() and
 * sip_stack_close() and the loop run dry: nothing is kept between inputs
 * but the template, so memory cannot grow across inputs and a finding
 * replays alone. */
#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>
#include <sys/stat.h>

#include "b2bua/internal.h"
#include "sip/internal.h"
#include "storage/store.h"
#include "tests/fuzz/b2b_sipp.h"
#include "tests/fuzz/fuzz.h"

#define FB_SEP "~~~"
#define FB_MAX_SEGS 32
#define FB_T0 1000000u		/* fake clock start, ms */

/* Who sends: address, and which room setting makes it what it is. */
struct fb_peer {
	const char *addr;
	const char *ext;	/* stored binding's line, or NULL */
};

static const struct fb_peer fb_peers[8] = {
    {"127.0.0.10:5062", "201"},	/* registered phone, line with a PIN */
    {"127.0.0.2:5060", NULL},	/* trusted access peer (a PBX) */
    {"127.0.0.3:5070", NULL},	/* the core */
    {"127.0.0.11:5062", "202"},	/* registered phone, line user-locked */
    {"192.0.2.66:5060", NULL},	/* nobody we know */
    {"127.0.0.3:5999", NULL},	/* core host, other port: core on TCP */
    {"127.0.0.12:5062", NULL},	/* a phone that has not registered */
    {"[::1]:5060", NULL},	/* trusted access peer over IPv6 */
};
/* Without CONFIG_IPV6 the last peer is the trusted one from another
 * port, and no IPv6 listener or CIDR is set up. */
static const char fb_peer7_v4[] = "127.0.0.2:5071";
#define FB_PEERS 8

/* A storage directory's files that make its state (lock.mdb is not):
 * the template's are copied for every input. */
static const char *const fb_store_files[] = {"data.mdb", "authcode.key"};

static const uint32_t fb_advance_ms[8] = {0, 100, 600, 2100, 4500, 33000,
    200000, 4 * 3600 * 1000 + 1000};

/* What lives for one input. */
struct fb_run {
	struct store *store;
	struct b2b *b2b;
	struct sip_stack *sip;
	uint64_t elapsed;		/* fake ms since the input began */
	uint64_t mono0, wall0;		/* the B2BUA's clocks at start */
	char *last_req[FB_PEERS];	/* sent to each peer, NUL-ended */
	char *last_resp[FB_PEERS];
	unsigned sent, events;
	bool sip_closed;
	bool in_malformed;		/* sip__recv() of what sip/ refuses */
};

/* What lives for the process: the loop, the template environment. */
static struct {
	bool init;
	bool trace;			/* FUZZ_B2B_LOG=debug: messages */
	uv_loop_t loop;
	char dir[64];			/* our temporary directory */
	char tmpl[96];			/* template environment */
	char work[96];			/* the environment of one input */
	struct sockaddr_storage addr[FB_PEERS];
	struct fb_run run;
} fb;

static const char *
fb_peer_addr(unsigned i)
{
	return i == 7 && !IS_ENABLED(CONFIG_IPV6) ? fb_peer7_v4
						  : fb_peers[i].addr;
}

static void
fb_must(int rc, const char *what)
{
	if (rc < 0) {
		fprintf(stderr, "fuzz_b2b: setup: %s: %d\n", what, rc);
		abort();
	}
}

/* ---- the template environment --------------------------------------- */

static void
fb_tmpl_lines(struct store *st, const struct store_actor *a)
{
	struct store_hash h;

	fb_must(store_hash_make(&h, "1234", STORE_HASH_ITER_MIN), "hash");
	fb_must(store_line_pin_set(st, STORE_PARTITION_DEFAULT, "201", &h, a),
	    "pin 201");
	fb_must(store_hash_make(&h, "4321", STORE_HASH_ITER_MIN), "hash");
	fb_must(store_line_pin_set(st, STORE_PARTITION_DEFAULT, "202", &h, a),
	    "pin 202");
	fb_must(store_line_lock(st, STORE_PARTITION_DEFAULT, "202",
	    STORE_LOCK_USER, a), "lock 202");
	fb_must(store_line_override_set(st, STORE_PARTITION_DEFAULT, "202",
	    STORE_ACTION_INHERIT, "", STORE_ON, a), "override 202");
	fb_must(store_line_lock(st, STORE_PARTITION_DEFAULT, "203",
	    STORE_LOCK_ADMIN, a), "lock 203");
	fb_must(store_line_override_set(st, STORE_PARTITION_DEFAULT, "203",
	    STORE_ACTION_REDIRECT, "sip:operator@127.0.0.3", STORE_INHERIT,
	    a), "override 203");
	fb_must(store_list_add(st, STORE_LIST_ALLOW, "5551234", a), "allow");
	fb_must(store_list_add(st, STORE_LIST_ALLOW, "0800XXXXXX", a),
	    "allow");
	fb_must(store_list_add(st, STORE_LIST_BLOCK, "666X.", a), "block");
}

/* Restrictions of the optional policies (-ENOTSUP, -ENOENT when built
 * without them): the trusted peer's line 300 is in class 1 (it may dial
 * 5551XXX only, or use the auth code 4242), lines 201 and 204 have
 * budgets (204 one call a day), the week is closed after hours for the
 * numbers of the afterhours list (*74 with the PIN opens 201). */
static void
fb_tmpl_restrictions(struct store *st, const struct store_actor *a)
{
	static const char *const days[] = {"hours_sun", "hours_mon",
	    "hours_tue", "hours_wed", "hours_thu", "hours_fri", "hours_sat"};
	const char *closed[ARRAY_SIZE(days)];
	char err[128];
	const char *p = STORE_PARTITION_DEFAULT;

	for (size_t i = 0; i < ARRAY_SIZE(days); i++)
		closed[i] = "closed";
	store_settings_set(st, days, closed, ARRAY_SIZE(days), a, err,
	    sizeof(err));
	store_list_add(st, STORE_LIST_AFTERHOURS, "00X.", a);
	store_list_add(st, STORE_LIST_AFTERHOURS, "900XXXX", a);
	store_list_add(st, STORE_LIST_CLASS1, "5551XXX", a);
	store_line_class_set(st, p, "300", 1, a);
	store_authcode_add(st, "ops", STORE_CLASS_NONE, "4242", a);
	store_line_budget_set(st, p, "201", 1000, STORE_PERIOD_DAY, 600, a);
	store_line_budget_set(st, p, "204", 1, STORE_PERIOD_DAY, 0, a);
}

static void
fb_tmpl_settings(struct store *st, const struct store_actor *a)
{
	static const char *const keys[] = {"pin_hash_iterations",
	    "notify_on_lock", "block_anonymous", "redirect_uri"};
	static const char *const values[] = {"1000", "on", "on",
	    "sip:locked@127.0.0.3"};
	char err[128];

	fb_must(store_settings_set(st, keys, values, ARRAY_SIZE(keys), a,
	    err, sizeof(err)), "settings");
}

/* The phones of fb_peers[] with a line: bound as if they had registered
 * (a year to go), so calls from them are identified at once. */
static void
fb_tmpl_bindings(struct store *st, const struct store_actor *a)
{
	for (unsigned i = 0; i < FB_PEERS; i++) {
		struct store_binding sb;

		if (!fb_peers[i].ext)
			continue;
		memset(&sb, 0, sizeof(sb));
		snprintf(sb.token, sizeof(sb.token), "fuzzdev%u", i);
		snprintf(sb.aor, sizeof(sb.aor), "sip:%s@127.0.0.3",
		    fb_peers[i].ext);
		ll_strlcpy(sb.partition, STORE_PARTITION_DEFAULT,
		    sizeof(sb.partition));
		ll_strlcpy(sb.ext, fb_peers[i].ext, sizeof(sb.ext));
		sb.source.transport = NET_UDP;
		sb.source.addr = fb.addr[i];
		snprintf(sb.contact, sizeof(sb.contact), "sip:%s@%s",
		    fb_peers[i].ext, fb_peer_addr(i));
		sb.registered_at = (int64_t)time(NULL);
		sb.expires_at = sb.registered_at + 365 * 86400;
		fb_must(store_binding_put(st, &sb, a), "binding");
	}
}

static void
fb_tmpl_make(void)
{
	struct store_config sc = {.map_size = 4u << 20};
	struct store_actor a = {"fuzz", "local"};
	struct store *st;

	ll_strlcpy(sc.dir, fb.tmpl, sizeof(sc.dir));
	fb_must(store_open(&st, &sc), "template store");
	fb_tmpl_lines(st, &a);
	fb_tmpl_settings(st, &a);
	fb_tmpl_restrictions(st, &a);
	fb_tmpl_bindings(st, &a);
	store_close(st);
}

static void
fb_copy_file(const char *from, const char *to)
{
	char buf[16384];
	int in = open(from, O_RDONLY), out;
	ssize_t n;

	fb_must(in, from);
	out = open(to, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	fb_must(out, to);
	while ((n = read(in, buf, sizeof(buf))) > 0)
		fb_must(write(out, buf, (size_t)n) == n ? 0 : -EIO, to);
	close(in);
	close(out);
}

static void
fb_rm_dir(const char *dir)
{
	char path[160];

	for (size_t i = 0; i < ARRAY_SIZE(fb_store_files); i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, fb_store_files[i]);
		unlink(path);
	}
	snprintf(path, sizeof(path), "%s/lock.mdb", dir);
	unlink(path);
	rmdir(dir);
}

static void
fb_rm_all(void)
{
	if (!fb.dir[0])
		return;
	fb_rm_dir(fb.work);
	fb_rm_dir(fb.tmpl);
	rmdir(fb.dir);
	fb.dir[0] = '\0';
}

static void
fb_init(void)
{
	const char *base = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp";
	const char *lvl = getenv("FUZZ_B2B_LOG");	/* "debug" to triage */
	enum log_level level = LOG_LVL_ERROR;

	if (lvl)
		log_level_parse(lvl, &level);
	fb.trace = level == LOG_LVL_DEBUG;
	sip__parser_init();
	log_open(false, level);
	for (unsigned i = 0; i < FB_PEERS; i++)
		fb_must(net_addr_parse(fb_peer_addr(i), 0, &fb.addr[i]),
		    fb_peer_addr(i));
	snprintf(fb.dir, sizeof(fb.dir), "%s/ll-fuzzb2b-XXXXXX", base);
	if (!mkdtemp(fb.dir))
		fb_must(-errno, "mkdtemp");
	snprintf(fb.tmpl, sizeof(fb.tmpl), "%s/tmpl", fb.dir);
	snprintf(fb.work, sizeof(fb.work), "%s/work", fb.dir);
	fb_must(mkdir(fb.tmpl, 0700) == 0 ? 0 : -errno, fb.tmpl);
	fb_must(mkdir(fb.work, 0700) == 0 ? 0 : -errno, fb.work);
	fb_tmpl_make();
	fb_must(uv_loop_init(&fb.loop), "loop");
	fb.init = true;
	/* libFuzzer exits without fuzz_teardown(): the directory goes
	 * anyway (a crash leaves it, with the input that made it). */
	atexit(fb_rm_all);
}

/* ---- what sip/ sends ------------------------------------------------ */

/* The peer whose host d names (any port), or -1. */
static int
fb_peer_of(const struct sockaddr_storage *a)
{
	for (int i = 0; i < FB_PEERS; i++)
		if (net_addr_same_host((const struct sockaddr *)&fb.addr[i],
		    (const struct sockaddr *)a))
			return i;
	return -1;
}

/* sip/ answers a malformed request with a stateless 4xx built from what
 * could be salvaged (parse.c's parse_reduced(), RFC 3261 8.2.6): without
 * the From or To libosip2 refused, or echoing the out-of-range CSeq or
 * the odd From it complains about (RFC 4475 3.1.2.3 wants that 400).
 * sip__parse() may refuse such an answer; while a message sip/ refused
 * is being received, its answer need only be a 4xx (or 505) with a
 * Via. */
static bool
fb_is_salvaged_answer(const struct fb_run *r, const char *buf, size_t len)
{
	return r->in_malformed && len > 12 &&
	    (memcmp(buf, "SIP/2.0 4", 9) == 0 ||
	    memcmp(buf, "SIP/2.0 505", 11) == 0) &&
	    fb_find(buf, len, "\r\nVia: ", 7) != NULL;
}

/* DESIGN.md, outgoing rule 4: a locked line's call reaches the core
 * only for an emergency or allowlisted number (the template's lists).
 * The caller is the identity the B2BUA forwards (From of the B leg);
 * the lock is read from storage as it is now (a *72 may have opened
 * the line meanwhile). */
static bool
fb_number_may_pass_lock(const char *n)
{
	static const char *const exact[] = {"112", "911", "999", "000",
	    "110", "118", "119", "5551234"};
	size_t len = strlen(n);

	for (size_t i = 0; i < ARRAY_SIZE(exact); i++)
		if (strcmp(n, exact[i]) == 0)
			return true;
	return len == 10 && strncmp(n, "0800", 4) == 0 &&
	    strspn(n + 4, "0123456789") == 6;
}

static void
fb_check_lock(struct fb_run *r, const osip_message_t *m, const char *buf,
    size_t len)
{
	struct store_line line;
	const char *who = m->from && m->from->url ? m->from->url->username
						  : NULL;
	const char *num = m->req_uri ? m->req_uri->username : NULL;

	if (!who || store_line_get(r->store, &line, STORE_PARTITION_DEFAULT,
	    who) < 0 || line.lock == STORE_LOCK_NONE)
		return;
	if (num && fb_number_may_pass_lock(num))
		return;
	fprintf(stderr, "fuzz_b2b: locked line %s reached the core:\n"
	    "%.*s\n", who, (int)len, buf);
	abort();
}

static int
fb_on_send(void *arg, const struct sip_dest *d, const char *buf,
    size_t len, uint64_t *flow_out)
{
	struct fb_run *r = arg;
	struct sip__parse_err err = {0, NULL};
	osip_message_t *m = NULL;
	char **slot;
	int peer, rc;

	/* What we send must be one well-framed message that we would
	 * take ourselves. */
	assert(len > 0 && len <= FB_MAX_MSG);
	rc = sip__parse(&m, buf, len, true, &err);
	if (rc < 0 && !fb_is_salvaged_answer(r, buf, len)) {
		fprintf(stderr, "fuzz_b2b: sent a message that does not "
		    "parse (%d %s):\n%.*s\n", err.code,
		    err.reason ? err.reason : "", (int)len, buf);
		abort();
	}
	if (rc < 0) {
		osip_message_free(m);
		r->sent++;
		return 0;
	}
	assert(!MSG_IS_RESPONSE(m) || (m->status_code >= 100 &&
	    m->status_code <= 699));
	peer = fb_peer_of(&d->addr);
	if (fb.trace)
		fprintf(stderr, ">>> to peer %d:\n%.*s\n", peer, (int)len, buf);
	if (peer == 2 && MSG_IS_INVITE(m) && !sip_msg_to_tag(m))
		fb_check_lock(r, m, buf, len);
	if (peer >= 0 && (!MSG_IS_RESPONSE(m) || m->status_code > 100)) {
		slot = MSG_IS_RESPONSE(m) ? &r->last_resp[peer]
					  : &r->last_req[peer];
		free(*slot);
		*slot = strndup(buf, len);
	}
	osip_message_free(m);
	r->sent++;
	if (flow_out)
		*flow_out = d->flow;
	return 0;
}

/* ---- one input ------------------------------------------------------- */

/* Every event's strings end inside their fields (web/ prints them). */
static void
fb_on_event(const struct b2b_event *ev, void *arg)
{
	struct fb_run *r = arg;

	assert(ev->kind <= B2B_EV_LINE_LOCK);
	assert(memchr(ev->caller, 0, sizeof(ev->caller)));
	assert(memchr(ev->callee, 0, sizeof(ev->callee)));
	assert(memchr(ev->disposition, 0, sizeof(ev->disposition)));
	r->events++;
}

static void
fb_on_call(const struct b2b_call_info *ci, void *arg)
{
	(void)arg;
	assert(ci->state && memchr(ci->caller, 0, sizeof(ci->caller)) &&
	    memchr(ci->callee, 0, sizeof(ci->callee)));
}

/* What /metrics, the console and SIGUSR1 read, at the end of an input:
 * the counters agree with the calls listed. */
static void
fb_check_stats(struct fb_run *r)
{
	struct b2b_stats bs;
	struct sip_stats ss;
	unsigned n = b2b_calls_list(r->b2b, fb_on_call, r);

	b2b_stats_get(r->b2b, &bs);
	sip_stack_stats(r->sip, &ss);
	assert(n <= bs.calls_active);
	assert(bs.calls_active <= r->b2b->cfg.max_calls);
	assert(ss.msgs_out == r->sent);
	b2b_stats_log(r->b2b);
	sip_stack_stats_log(r->sip);
}

static void
fb_on_sip_closed(void *arg)
{
	((struct fb_run *)arg)->sip_closed = true;
}

/* The stack as main.c configures it, on loopback listeners of port 0
 * that nothing sends to: every byte comes through sip__recv(). */
static void
fb_sip_config(struct sip_config *sc)
{
	static const char *const listen[] = {"udp:127.0.0.1",
	    "tcp:127.0.0.1", "udp:[::1]"};

	memset(sc, 0, sizeof(*sc));
	for (size_t i = 0; i < ARRAY_SIZE(listen); i++) {
		struct net_endpoint *e = &sc->listen[sc->n_listen];

		if (!IS_ENABLED(CONFIG_IPV6) && strchr(listen[i], '['))
			continue;
		sc->n_listen++;

		fb_must(net_endpoint_parse(listen[i], 5060, e), listen[i]);
		/* Port 0: the kernel's pick, never a collision. */
		if (e->addr.ss_family == AF_INET6)
			((struct sockaddr_in6 *)&e->addr)->sin6_port = 0;
		else
			((struct sockaddr_in *)&e->addr)->sin_port = 0;
	}
	sc->max_transactions = 64;	/* the overload 503 is in reach */
	sc->rate_limit = 20;
	fb_must(net_cidr_parse("127.0.0.2/32", &sc->rate_exempt[0]), "cidr");
	fb_must(net_cidr_parse("127.0.0.3/32", &sc->rate_exempt[1]), "cidr");
	sc->n_rate_exempt = 2;
	sc->answer_options = true;
}

static void
fb_b2b_settings(struct b2b_settings *bs)
{
	memset(bs, 0, sizeof(*bs));
	fb_must(net_endpoint_parse("udp:127.0.0.3:5070", 0, &bs->core[0]),
	    "core");
	bs->n_core = 1;
	fb_must(net_cidr_parse("127.0.0.2/32", &bs->trusted[0]), "trusted");
	bs->n_trusted = 1;
	if (IS_ENABLED(CONFIG_IPV6))
		fb_must(net_cidr_parse("::1/128",
		    &bs->trusted[bs->n_trusted++]), "trusted");
	bs->max_calls = 8;	/* the calls' 503 is in reach */
}

static void
fb_begin(struct fb_run *r)
{
	struct store_config stc = {.map_size = 4u << 20};
	struct b2b_settings bs;
	struct sip_config sc;
	struct sip_tu tu;
	char from[128], to[128];

	memset(r, 0, sizeof(*r));
	for (size_t i = 0; i < ARRAY_SIZE(fb_store_files); i++) {
		snprintf(from, sizeof(from), "%s/%s", fb.tmpl,
		    fb_store_files[i]);
		snprintf(to, sizeof(to), "%s/%s", fb.work, fb_store_files[i]);
		if (access(from, R_OK) == 0)
			fb_copy_file(from, to);
	}
	ll_strlcpy(stc.dir, fb.work, sizeof(stc.dir));
	fb_must(store_open(&r->store, &stc), "store");
	fb_b2b_settings(&bs);
	fb_must(b2b_new(&r->b2b, &fb.loop, r->store, &bs), "b2b");
	b2b_sip_tu(r->b2b, &tu);
	fb_sip_config(&sc);
	fb_must(sip_stack_new(&r->sip, &fb.loop, &sc, &tu), "sip");
	r->sip->send_hook = fb_on_send;
	r->sip->send_hook_arg = r;
	sip__clock_set(r->sip, FB_T0);
	b2b_set_event_cb(r->b2b, fb_on_event, r);
	b2b_start(r->b2b, r->sip);
	/* The sweep runs on our time instead (fb_advance). */
	uv_timer_stop(&r->b2b->sweep);
	r->mono0 = ll_now_ms();
	r->wall0 = b2b__wall_ms();
}

/* Lets the loop run what is ready, and waits for feature codes' PIN
 * work (thread pool) to come back, so that an input replays the same. */
static void
fb_settle(struct fb_run *r)
{
	uv_run(&fb.loop, UV_RUN_NOWAIT);
	while (r->b2b->works > 0)
		uv_run(&fb.loop, UV_RUN_ONCE);
	if (store_pending(r->store) > 0)
		store_flush(r->store);
}

static void
fb_advance(struct fb_run *r, uint32_t ms)
{
	if (ms == 0)
		return;
	r->elapsed += ms;
	sip__clock_set(r->sip, FB_T0 + r->elapsed);
	b2b__calls_sweep(r->b2b, r->mono0 + r->elapsed);
	b2b__bindings_sweep(r->b2b, r->wall0 + r->elapsed);
	b2b__locks_poll(r->b2b);
	fb_settle(r);
}

/* The source of a message from peer p: its address, our listener of
 * that family and transport, a flow of its own on TCP. */
static void
fb_source(const struct fb_run *r, unsigned p, bool tcp,
    struct sip_source *src)
{
	memset(src, 0, sizeof(*src));
	src->transport = tcp ? NET_TCP : NET_UDP;
	src->remote = fb.addr[p];
	for (unsigned i = 0; i < r->sip->n_lst; i++) {
		const struct sip__listener *l = r->sip->lst[i];

		if (l->ep.transport == src->transport &&
		    l->ep.addr.ss_family == src->remote.ss_family) {
			src->local = l->ep.addr;
			break;
		}
	}
	src->flow = tcp ? 1000u + p : 0;
}

/* Whether sip/ will refuse these bytes (and maybe answer 400). */
static bool
fb_is_malformed(const char *buf, size_t len, bool stream)
{
	struct sip__parse_err err = {0, NULL};
	osip_message_t *m = NULL;
	int rc = sip__parse(&m, buf, len, stream, &err);

	osip_message_free(m);
	return rc < 0;
}

static void
fb_segment(struct fb_run *r, const uint8_t *seg, size_t n, char *out)
{
	uint8_t ctl = seg[0];
	unsigned p = ctl & 7u;
	bool is_resp = n > 8 && memcmp(seg + 1, "SIP/2.0 ", 8) == 0;
	struct fb_buf o = {out, 0};
	struct sip_source src;
	const char *ref;

	/* Timers may send (retransmissions): the reference comes after. */
	fb_advance(r, fb_advance_ms[(ctl >> 4) & 7u]);
	ref = is_resp ? r->last_req[p] : r->last_resp[p];
	if (ctl & 0x80u)
		fb_put(&o, (const char *)seg + 1, n - 1);
	else
		fb_expand(&o, (const char *)seg + 1, n - 1, ref);
	/* The transports never hand over an empty message. */
	if (o.n == 0)
		return;
	fb_source(r, p, ctl & 8u, &src);
	if (fb.trace)
		fprintf(stderr, "<<< from peer %u:\n%.*s\n", p, (int)o.n, o.p);
	r->in_malformed = fb_is_malformed(o.p, o.n, ctl & 8u);
	sip__recv(r->sip, o.p, o.n, &src);
	r->in_malformed = false;
	fb_settle(r);
}

static void
fb_end(struct fb_run *r)
{
	/* main.c's order: the B2BUA (its last BYEs need the stack), then
	 * the stack, then the loop runs dry, then the storage. */
	fb_check_stats(r);
	b2b_free(r->b2b);
	sip_stack_close(r->sip, fb_on_sip_closed, r);
	uv_run(&fb.loop, UV_RUN_DEFAULT);
	assert(r->sip_closed);
	store_close(r->store);
	for (unsigned i = 0; i < FB_PEERS; i++) {
		free(r->last_req[i]);
		free(r->last_resp[i]);
	}
	memset(r, 0, sizeof(*r));
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *p = data, *end = data + size;
	char *out;

	if (size == 0 || size > 4 * FB_MAX_MSG)
		return 0;
	if (!fb.init)
		fb_init();
	out = malloc(FB_MAX_MSG);
	assert(out);
	fb_begin(&fb.run);
	for (int i = 0; i < FB_MAX_SEGS && p < end; i++) {
		const uint8_t *sep = fb_find(p, (size_t)(end - p), FB_SEP, 3);
		const uint8_t *e = sep ? sep : end;

		if (e > p)
			fb_segment(&fb.run, p, (size_t)(e - p), out);
		p = sep ? sep + 3 : end;
	}
	fb_end(&fb.run);
	free(out);
	return 0;
}

void
fuzz_teardown(void)
{
	if (!fb.init)
		return;
	uv_loop_close(&fb.loop);
	fb_rm_all();
	log_close();
	fb.init = false;
}
