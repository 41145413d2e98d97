/* Transaction lookup cost with N open server transactions: sip/'s hash
 * table (sip__txn_find, RFC 3261 17.2.3 key) against libosip2's osip_t
 * (__osip_find_transaction, behind osip_find_transaction_and_add_event,
 * walks a list per transaction kind).
 *   txn_bench [N [LOOKUPS]]   defaults 10000 and 1000000
 * Prints ns per lookup for each, both looking up existing transactions
 * (random ones) and a miss (a new request).
 *   txn_bench -m [CALLS]   default 10000
 * Bytes of heap per lingering transaction: CALLS calls' worth of each
 * kind a relayed call leaves for Timer J/K/L/M (server INVITE accepted
 * and acknowledged, server BYE completed, client INVITE accepted,
 * client BYE completed), malloc'd bytes before and after (glibc
 * mallinfo2), nothing sent to a socket.
 *   txn_bench -s [RATE [SECONDS]]   defaults 24000 and 2
 * The tables and timers at scale, on the fake clock: RATE new
 * transactions a second (24,000: 8,000 calls/s, three each) and each
 * millisecond the ones born then: a lookup that misses, the
 * transaction, its retransmission timer (500 ms) and its end timer
 * (32 s); 20 ms later a lookup that hits (the response), the
 * retransmission timer stopped and the end timer armed again for 32 s
 * (Timer J/K/L/M linger). After 33 simulated seconds of warm-up (about
 * RATE * 32 transactions linger) bench__scale_measure() runs SECONDS
 * more: run it under callgrind --toggle-collect=bench__scale_measure
 * (with --cache-sim=yes for D1/LL misses) to count that part only. */
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <osip2/osip.h>

#include "sip/internal.h"

static double
bench__now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

static int
bench__invite(char *buf, size_t len, unsigned i)
{
	return snprintf(buf, len,
	    "INVITE sip:100@192.0.2.1 SIP/2.0\r\n"
	    "Via: SIP/2.0/UDP 192.0.2.%u:5060;branch=z9hG4bK%08x%08x\r\n"
	    "From: <sip:a@192.0.2.9>;tag=f%u\r\n"
	    "To: <sip:100@192.0.2.1>\r\n"
	    "Call-ID: c%u@192.0.2.9\r\n"
	    "CSeq: 1 INVITE\r\n"
	    "Max-Forwards: 70\r\n"
	    "Content-Length: 0\r\n\r\n",
	    2 + i % 250, i * 2654435761u, i, i, i);
}

static osip_message_t *
bench__parse(unsigned i)
{
	char text[512];
	osip_message_t *m = NULL;
	struct sip__parse_err err;
	int n = bench__invite(text, sizeof(text), i);

	if (sip__parse(&m, text, (size_t)n, false, &err) < 0)
		fatal("bench: test INVITE %u does not parse", i);
	return m;
}

/* No request arrives: the bench never receives. */
static void
bench__on_request(void *arg, struct sip_txn *st, const osip_message_t *req,
    const struct sip_source *src)
{
	(void)arg;
	(void)st;
	(void)req;
	(void)src;
	abort();
}

/* sip/: N transactions in a real stack, then lookups by key. */
static void
bench__sip(unsigned n, unsigned lookups)
{
	struct sip_config cfg;
	struct sip_tu tu = {.on_request = bench__on_request};
	struct sip_stack *s = NULL;
	uv_loop_t loop;
	struct sip__key *keys = calloc(n + 1, sizeof(*keys));
	unsigned found = 0;
	double t0, t1;

	memset(&cfg, 0, sizeof(cfg));
	cfg.n_listen = 1;
	cfg.max_transactions = n + 1;
	if (!keys || net_endpoint_parse("udp:127.0.0.1", 5060,
	    &cfg.listen[0]) < 0)
		fatal("bench: setup");
	((struct sockaddr_in *)&cfg.listen[0].addr)->sin_port = 0;
	uv_loop_init(&loop);
	if (sip_stack_new(&s, &loop, &cfg, &tu) < 0)
		fatal("bench: sip_stack_new");
	for (unsigned i = 0; i <= n; i++) {
		osip_message_t *m = bench__parse(i);
		struct sip_txn *t;

		sip__txn_key_server(&keys[i], s, m, "INVITE");
		if (i < n && sip__txn_new(&t, s, SIP_TXN_SERVER_INVITE,
		    &keys[i]) == 0)
			t->req = m;
		else
			osip_message_free(m);
	}
	t0 = bench__now_ns();
	for (unsigned i = 0; i < lookups; i++)
		found += sip__txn_find(s, &keys[(i * 7919u) % n]) != NULL;
	t1 = bench__now_ns();
	printf("sip/ hash table: %u txns, %u lookups (hits %u): "
	       "%.1f ns/lookup\n", n, lookups, found, (t1 - t0) / lookups);
	t0 = bench__now_ns();
	for (unsigned i = 0; i < lookups; i++)
		found += sip__txn_find(s, &keys[n]) != NULL;
	t1 = bench__now_ns();
	printf("sip/ hash table: miss: %.1f ns/lookup\n",
	    (t1 - t0) / lookups);
	sip_stack_close(s, NULL, NULL);
	uv_run(&loop, UV_RUN_DEFAULT);
	uv_loop_close(&loop);
	free(keys);
}

/* libosip2: N IST transactions in an osip_t, then the lookup
 * osip_find_transaction_and_add_event does per incoming message
 * (__osip_find_transaction without consuming the event). */
static void
bench__osip(unsigned n, unsigned lookups)
{
	osip_t *o = NULL;
	osip_event_t **ev = calloc(n + 1, sizeof(*ev));
	unsigned found = 0, k = lookups / 1000 ? lookups / 1000 : 1;
	double t0, t1;

	if (!ev || osip_init(&o) != 0)
		fatal("bench: osip_init");
	for (unsigned i = 0; i <= n; i++) {
		osip_transaction_t *tr = NULL;
		osip_message_t *m = bench__parse(i);

		if (i < n && osip_transaction_init(&tr, IST, o, m) != 0)
			fatal("bench: osip_transaction_init");
		osip_message_free(m);
		ev[i] = osip_new_outgoing_sipmessage(bench__parse(i));
		ev[i]->type = RCV_REQINVITE;
	}
	t0 = bench__now_ns();
	for (unsigned i = 0; i < k; i++)
		found += __osip_find_transaction(o, ev[(i * 7919u) % n],
		    0) != NULL;
	t1 = bench__now_ns();
	printf("libosip2 osip_t: %u txns, %u lookups (hits %u): "
	       "%.1f ns/lookup\n", n, k, found, (t1 - t0) / k);
	t0 = bench__now_ns();
	for (unsigned i = 0; i < k; i++)
		found += __osip_find_transaction(o, ev[n], 0) != NULL;
	t1 = bench__now_ns();
	printf("libosip2 osip_t: miss: %.1f ns/lookup\n", (t1 - t0) / k);
	for (unsigned i = 0; i <= n; i++) {
		osip_message_free(ev[i]->sip);
		osip_free(ev[i]);
	}
	free(ev);
	/* The IST transactions stay: freeing 10,000 of them through
	 * osip_remove_transaction is another list walk each, and the
	 * process ends here. */
}

static struct sip_txn *bench__st;	/* the last server transaction */

static void
bench__on_request_keep(void *arg, struct sip_txn *st,
    const osip_message_t *req, const struct sip_source *src)
{
	(void)arg;
	(void)req;
	(void)src;
	bench__st = st;
}

static int
bench__send_hook(void *arg, const struct sip_dest *d, const char *buf,
    size_t len, uint64_t *flow_out)
{
	(void)arg;
	(void)d;
	(void)buf;
	(void)len;
	if (flow_out)
		*flow_out = 0;
	return 0;
}

static size_t
bench__heap(void)
{
	return mallinfo2().uordblks;
}

#define BENCH__REQ \
    "%s sip:100@192.0.2.1 SIP/2.0\r\n" \
    "Via: SIP/2.0/UDP 192.0.2.9:5060;branch=z9hG4bKs%u%s;rport\r\n" \
    "From: <sip:a@192.0.2.9>;tag=f%u\r\n" \
    "To: <sip:100@192.0.2.1>%s\r\n" \
    "Call-ID: c%u@192.0.2.9\r\n" \
    "CSeq: %s\r\n" \
    "Max-Forwards: 70\r\n" \
    "Content-Length: 0\r\n\r\n"

/* A server transaction for request `method` number i, answered 200,
 * and for INVITE acknowledged. */
static void
bench__server(struct sip_stack *s, const struct sip_source *src,
    const char *method, unsigned i)
{
	char text[1024], tt[64];
	bool inv = strcmp(method, "INVITE") == 0;
	int n;

	snprintf(tt, sizeof(tt), ";tag=t%u", i);
	n = snprintf(text, sizeof(text), BENCH__REQ, method, i, method, i,
	    inv ? "" : tt, i, inv ? "1 INVITE" : "2 BYE");
	bench__st = NULL;
	sip__recv(s, text, (size_t)n, src);
	if (!bench__st || sip_txn_reply(bench__st, 200, NULL, NULL, 0) < 0)
		fatal("bench: no server transaction");
	if (!inv)
		return;
	snprintf(tt, sizeof(tt), ";tag=%s", sip_txn_local_tag(bench__st));
	n = snprintf(text, sizeof(text), BENCH__REQ, "ACK", i, "ACK", i, tt,
	    i, "1 ACK");
	sip__recv(s, text, (size_t)n, src);
}

static void
bench__on_response(void *arg, struct sip_txn *ct,
    const osip_message_t *resp, const struct sip_source *src)
{
	(void)arg;
	(void)ct;
	(void)resp;
	(void)src;
}

/* A client transaction for `method`, answered 200 by the peer. */
static void
bench__client(struct sip_stack *s, const struct sip_source *src,
    const char *method, unsigned i)
{
#define BENCH__RESP \
	    "SIP/2.0 200 OK\r\n" \
	    "Via: SIP/2.0/UDP %s;branch=%s;rport=5060\r\n" \
	    "From: <sip:a@192.0.2.1>;tag=b%u\r\n" \
	    "To: <sip:100@192.0.2.9>;tag=u%u\r\n" \
	    "Call-ID: b%u@192.0.2.1\r\n" \
	    "CSeq: 1 %s\r\n" \
	    "Content-Length: 0\r\n\r\n"
	osip_message_t *m = NULL;
	osip_generic_param_t *br = NULL;
	osip_via_t *v;
	struct sip_txn *ct = NULL;
	struct sip_dest d = {.transport = src->transport};
	char from[64], cid[64], text[1024];
	int n;

	d.addr = src->remote;
	snprintf(from, sizeof(from), "<sip:a@192.0.2.1>;tag=b%u", i);
	snprintf(cid, sizeof(cid), "b%u@192.0.2.1", i);
	if (sip_msg_new_request(&m, method, "sip:100@192.0.2.9", from,
	    "<sip:100@192.0.2.9>", cid, 1) < 0 ||
	    sip_request_send(&ct, s, m, &d,
	    bench__on_response, NULL) < 0)
		fatal("bench: sip_request_send");
	v = osip_list_get(&sip_txn_request(ct)->vias, 0);
	osip_via_param_get_byname(v, "branch", &br);
	n = snprintf(text, sizeof(text), BENCH__RESP, s->sent_by[0],
	    br->gvalue, i, i, i, method);
	sip__recv(s, text, (size_t)n, src);
}

static void
bench__linger(unsigned n)
{
	static const char *const kinds[] = {"server INVITE", "server BYE",
	    "client INVITE", "client BYE"};
	struct sip_config cfg;
	struct sip_tu tu = {.on_request = bench__on_request_keep};
	struct sip_stack *s = NULL;
	struct sip_source src;
	struct net_endpoint peer;
	uv_loop_t loop;
	size_t before, total = 0;

	memset(&cfg, 0, sizeof(cfg));
	memset(&src, 0, sizeof(src));
	cfg.n_listen = 1;
	cfg.max_transactions = 4 * n + 16;
	cfg.rate_limit = 1000000000u;
	if (net_endpoint_parse("udp:127.0.0.1", 5060, &cfg.listen[0]) < 0 ||
	    net_endpoint_parse("udp:192.0.2.9", 5060, &peer) < 0)
		fatal("bench: setup");
	((struct sockaddr_in *)&cfg.listen[0].addr)->sin_port = 0;
	src.transport = NET_UDP;
	src.remote = peer.addr;
	uv_loop_init(&loop);
	if (sip_stack_new(&s, &loop, &cfg, &tu) < 0)
		fatal("bench: sip_stack_new");
	s->send_hook = bench__send_hook;
	src.local = s->lst[0]->ep.addr;
	for (unsigned k = 0; k < ARRAY_SIZE(kinds); k++) {
		before = bench__heap();
		for (unsigned i = 0; i < n; i++) {
			if (k < 2)
				bench__server(s, &src, k ? "BYE" : "INVITE",
				    k * n + i);
			else
				bench__client(s, &src, k == 2 ? "INVITE" :
				    "BYE", k * n + i);
		}
		total += bench__heap() - before;
		printf("lingering %s: %zu bytes each\n", kinds[k],
		    (bench__heap() - before) / n);
	}
	printf("lingering transactions: %u, %zu bytes each on average, "
	       "%zu bytes per call\n", sip__txn_count(s), total / (4 * n),
	    total / n);
	sip_stack_close(s, NULL, NULL);
	uv_run(&loop, UV_RUN_DEFAULT);
	uv_loop_close(&loop);
}

static unsigned bench__scale_rt;	/* retransmission timers fired */

static void
bench__scale_on_retx(struct sip__timer *tm)
{
	(void)tm;
	bench__scale_rt++;
}

static void
bench__scale_on_end(struct sip__timer *tm)
{
	sip__txn_terminate(container_of(tm, struct sip_txn, t_end));
}

static void
bench__scale_key(struct sip__key *k, const struct sip_stack *s, unsigned i)
{
	char br[32];
	const char *p[] = {"s", br, "192.0.2.9", "5060", "INVITE"};

	snprintf(br, sizeof(br), "z9hG4bK%08x%u", i * 2654435761u, i);
	sip__key_join(k, s, "||:|", p, ARRAY_SIZE(p));
}

/* Millisecond `ms` of the scale run with `per_ms` births a millisecond;
 * *hits counts the responses that found their transaction. */
static void
bench__scale_ms(struct sip_stack *s, uint64_t ms, unsigned per_ms,
    unsigned *hits)
{
	static struct sip__key k;
	struct sip_txn *t;

	for (unsigned j = 0; j < per_ms; j++) {
		bench__scale_key(&k, s, (unsigned)ms * per_ms + j);
		if (sip__txn_find(s, &k) ||
		    sip__txn_new(&t, s, SIP_TXN_SERVER, &k) < 0)
			fatal("bench: scale: duplicate or no memory");
		sip__timer_init(&t->t_retx, bench__scale_on_retx);
		sip__timer_init(&t->t_end, bench__scale_on_end);
		sip__timer_arm(s, &t->t_retx, 500);
		sip__timer_arm(s, &t->t_end, 32000);
	}
	for (unsigned j = 0; ms >= 20 && j < per_ms; j++) {
		bench__scale_key(&k, s, (unsigned)(ms - 20) * per_ms + j);
		t = sip__txn_find(s, &k);
		if (!t)
			continue;
		(*hits)++;
		sip__timer_stop(s, &t->t_retx);
		sip__timer_arm(s, &t->t_end, 32000);
	}
	sip__clock_set(s, ms + 1);
}

__attribute__((noinline)) static void
bench__scale_measure(struct sip_stack *s, uint64_t from, uint64_t to,
    unsigned per_ms, unsigned *hits)
{
	for (uint64_t ms = from; ms < to; ms++)
		bench__scale_ms(s, ms, per_ms, hits);
}

static void
bench__scale(unsigned rate, unsigned secs)
{
	struct sip_config cfg;
	struct sip_tu tu = {.on_request = bench__on_request};
	struct sip_stack *s = NULL;
	uv_loop_t loop;
	unsigned per_ms = rate / 1000 ? rate / 1000 : 1, hits = 0, linger;
	uint64_t warm = 33000, end = warm + 1000ull * secs;
	double t0, t1;

	memset(&cfg, 0, sizeof(cfg));
	cfg.n_listen = 1;
	if (net_endpoint_parse("udp:127.0.0.1", 5060, &cfg.listen[0]) < 0)
		fatal("bench: setup");
	((struct sockaddr_in *)&cfg.listen[0].addr)->sin_port = 0;
	uv_loop_init(&loop);
	if (sip_stack_new(&s, &loop, &cfg, &tu) < 0)
		fatal("bench: sip_stack_new");
	sip__clock_set(s, 0);
	for (uint64_t ms = 0; ms < warm; ms++)
		bench__scale_ms(s, ms, per_ms, &hits);
	linger = sip__txn_count(s);
	hits = 0;
	t0 = bench__now_ns();
	bench__scale_measure(s, warm, end, per_ms, &hits);
	t1 = bench__now_ns();
	printf("scale: %u new transactions a ms, %u lingering at the "
	       "start, %u at the end; %llu new, %u responses found: "
	       "%.1f ns per transaction; %u retransmission timers fired\n", per_ms, linger,
	    sip__txn_count(s), (unsigned long long)(end - warm) * per_ms,
	    hits, (t1 - t0) / ((double)(end - warm) * per_ms), bench__scale_rt);
	sip_stack_close(s, NULL, NULL);
	uv_run(&loop, UV_RUN_DEFAULT);
	uv_loop_close(&loop);
}

int
main(int argc, char **argv)
{
	unsigned n;

	if (argc > 1 && strcmp(argv[1], "-s") == 0) {
		unsigned rate = argc > 2 ?
		    (unsigned)strtoul(argv[2], NULL, 10) : 24000;
		unsigned secs = argc > 3 ?
		    (unsigned)strtoul(argv[3], NULL, 10) : 2;

		if (rate == 0 || secs == 0)
			fatal("usage: txn_bench -s [RATE [SECONDS]]");
		sip__parser_init();
		bench__scale(rate, secs);
		return 0;
	}

	if (argc > 1 && strcmp(argv[1], "-m") == 0) {
		n = argc > 2 ? (unsigned)strtoul(argv[2], NULL, 10) : 10000;
		if (n == 0)
			fatal("usage: txn_bench -m [CALLS]");
		sip__parser_init();
		bench__linger(n);
		return 0;
	}
	n = argc > 1 ? (unsigned)strtoul(argv[1], NULL, 10) : 10000;
	unsigned lookups = argc > 2 ? (unsigned)strtoul(argv[2], NULL, 10) :
	    1000000;

	if (n == 0 || lookups == 0)
		fatal("usage: txn_bench [N [LOOKUPS]]");
	sip__parser_init();
	bench__sip(n, lookups);
	bench__osip(n, lookups);
	return 0;
}
