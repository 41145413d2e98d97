/* Address bans (sip/ban.c): a banned source's requests are dropped
 * before parsing without an answer and counted; bans expire on the
 * stack's clock; v4-mapped IPv6 is its IPv4; the table is bounded. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <sys/socket.h>
#include <cmocka.h>
#include "util.h"
#include "sip/internal.h"

#define T0 1000000u

struct fx {
	uv_loop_t loop;
	struct sip_stack *s;
	int peer;
	struct sockaddr_storage peer_addr;
	struct sip_source src;
	int requests;
	int closed;
};

static void
tu_on_request(void *arg, struct sip_txn *st, const osip_message_t *req,
    const struct sip_source *src)
{
	struct fx *f = arg;

	(void)req, (void)src;
	f->requests++;
	sip_txn_reply(st, 200, NULL, NULL, 0);
}

static void
fx_open(struct fx *f, uint32_t max_bans)
{
	struct sip_config cfg;
	struct sip_tu tu = {.arg = f, .on_request = tu_on_request};
	struct sockaddr_in *a = (struct sockaddr_in *)&f->peer_addr;
	socklen_t alen = sizeof(f->peer_addr);

	memset(f, 0, sizeof(*f));
	memset(&cfg, 0, sizeof(cfg));
	assert_int_equal(uv_loop_init(&f->loop), 0);
	cfg.n_listen = 1;
	assert_int_equal(net_endpoint_parse("udp:127.0.0.1", 5060,
	    &cfg.listen[0]), 0);
	((struct sockaddr_in *)&cfg.listen[0].addr)->sin_port = 0;
	cfg.max_bans = max_bans;
	assert_int_equal(sip_stack_new(&f->s, &f->loop, &cfg, &tu), 0);
	sip__clock_set(f->s, T0);
	f->peer = socket(AF_INET, SOCK_DGRAM, 0);
	assert_true(f->peer >= 0);
	a->sin_family = AF_INET;
	a->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(f->peer, (struct sockaddr *)a, sizeof(*a)), 0);
	assert_int_equal(getsockname(f->peer, (struct sockaddr *)a, &alen), 0);
	f->src.transport = NET_UDP;
	f->src.remote = f->peer_addr;
	f->src.local = f->s->lst[0]->ep.addr;
}

static void
fx_on_closed(void *arg)
{
	((struct fx *)arg)->closed++;
}

static void
fx_close(struct fx *f)
{
	sip_stack_close(f->s, fx_on_closed, f);
	uv_run(&f->loop, UV_RUN_DEFAULT);
	assert_int_equal(f->closed, 1);
	assert_int_equal(uv_loop_close(&f->loop), 0);
	close(f->peer);
}

static int
peer_drain(struct fx *f)
{
	char buf[4096];
	int n = 0;

	while (recv(f->peer, buf, sizeof(buf), MSG_DONTWAIT) > 0)
		n++;
	return n;
}

/* A new MESSAGE from the peer; the TU answers 200. */
static void
peer_request(struct fx *f, unsigned seq)
{
	char m[1024];
	int n;

	n = snprintf(m, sizeof(m),
	    "MESSAGE sip:100@127.0.0.1 SIP/2.0\r\n"
	    "Via: SIP/2.0/UDP 127.0.0.1:%u;branch=z9hG4bKban%u;rport\r\n"
	    "From: <sip:a@127.0.0.1>;tag=ft1\r\n"
	    "To: <sip:100@127.0.0.1>\r\n"
	    "Call-ID: ban-%u\r\n"
	    "CSeq: 1 MESSAGE\r\n"
	    "Max-Forwards: 70\r\n"
	    "Content-Length: 0\r\n\r\n",
	    net_addr_port((struct sockaddr *)&f->peer_addr), seq, seq);
	sip__recv(f->s, m, (size_t)n, &f->src);
}

static void
addr4(struct sockaddr_storage *ss, const char *ip)
{
	struct sockaddr_in *a = (struct sockaddr_in *)ss;

	memset(ss, 0, sizeof(*ss));
	a->sin_family = AF_INET;
	a->sin_port = htons(40000);
	assert_int_equal(inet_pton(AF_INET, ip, &a->sin_addr), 1);
}

static void
addr6(struct sockaddr_storage *ss, const char *ip)
{
	struct sockaddr_in6 *a = (struct sockaddr_in6 *)ss;

	memset(ss, 0, sizeof(*ss));
	a->sin6_family = AF_INET6;
	assert_int_equal(inet_pton(AF_INET6, ip, &a->sin6_addr), 1);
}

/* Banned: nothing reaches the TU, nothing goes back, each is counted;
 * lifted: the next request is answered again. */
static void
test_ban_drops_unanswered(void **state)
{
	struct fx f;

	(void)state;
	fx_open(&f, 0);
	peer_request(&f, 1);
	assert_int_equal(f.requests, 1);
	assert_int_equal(peer_drain(&f), 1);
	assert_int_equal(sip_ban_add(f.s, (struct sockaddr *)&f.peer_addr,
	    60), 0);
	assert_true(sip_ban_is_banned(f.s, (struct sockaddr *)&f.peer_addr));
	peer_request(&f, 2);
	peer_request(&f, 3);
	assert_int_equal(f.requests, 1);
	assert_int_equal(peer_drain(&f), 0);
	assert_int_equal(f.s->stats.dropped_banned, 2);
	assert_int_equal(f.s->stats.parse_errors, 0);
	assert_int_equal(sip_ban_del(f.s, (struct sockaddr *)&f.peer_addr),
	    0);
	assert_int_equal(sip_ban_del(f.s, (struct sockaddr *)&f.peer_addr),
	    -ENOENT);
	peer_request(&f, 4);
	assert_int_equal(f.requests, 2);
	assert_int_equal(peer_drain(&f), 1);
	fx_close(&f);
}

/* A ban ends on the stack's clock; 0 seconds lasts until lifted. */
static void
test_ban_expires(void **state)
{
	struct fx f;
	struct sockaddr_storage x;

	(void)state;
	fx_open(&f, 0);
	addr4(&x, "192.0.2.7");
	assert_int_equal(sip_ban_add(f.s, (struct sockaddr *)&f.peer_addr,
	    10), 0);
	assert_int_equal(sip_ban_add(f.s, (struct sockaddr *)&x, 0), 0);
	assert_int_equal(sip_ban_count(f.s), 2);
	sip__clock_set(f.s, T0 + 9999);
	assert_true(sip_ban_is_banned(f.s, (struct sockaddr *)&f.peer_addr));
	sip__clock_set(f.s, T0 + 10000);
	assert_false(sip_ban_is_banned(f.s, (struct sockaddr *)&f.peer_addr));
	peer_request(&f, 1);
	assert_int_equal(f.requests, 1);
	sip__clock_set(f.s, T0 + 86400000u);
	assert_true(sip_ban_is_banned(f.s, (struct sockaddr *)&x));
	assert_int_equal(sip_ban_count(f.s), 1);
	fx_close(&f);
}

/* Any port of the host; a v4-mapped IPv6 source is its IPv4 address;
 * other IPv6 addresses are their own. */
static void
test_ban_host_and_mapped(void **state)
{
	struct fx f;
	struct sockaddr_storage a, other, m, v6;

	(void)state;
	fx_open(&f, 0);
	addr4(&a, "198.51.100.9");
	assert_int_equal(sip_ban_add(f.s, (struct sockaddr *)&a, 60), 0);
	((struct sockaddr_in *)&a)->sin_port = htons(5060);
	assert_true(sip_ban_is_banned(f.s, (struct sockaddr *)&a));
	addr4(&other, "198.51.100.10");
	assert_false(sip_ban_is_banned(f.s, (struct sockaddr *)&other));
	addr6(&m, "::ffff:198.51.100.9");
	assert_true(sip_ban_is_banned(f.s, (struct sockaddr *)&m));
	addr6(&v6, "2001:db8::9");
	assert_false(sip_ban_is_banned(f.s, (struct sockaddr *)&v6));
	assert_int_equal(sip_ban_add(f.s, (struct sockaddr *)&v6, 60), 0);
	assert_true(sip_ban_is_banned(f.s, (struct sockaddr *)&v6));
	other.ss_family = AF_UNIX;
	assert_int_equal(sip_ban_add(f.s, (struct sockaddr *)&other, 60),
	    -EINVAL);
	fx_close(&f);
}

/* max_bans bounds the table; expired entries make room. */
static void
test_ban_table_bounded(void **state)
{
	struct fx f;
	struct sockaddr_storage a;
	char ip[32];

	(void)state;
	fx_open(&f, 3);
	for (int i = 1; i <= 3; i++) {
		snprintf(ip, sizeof(ip), "203.0.113.%d", i);
		addr4(&a, ip);
		assert_int_equal(sip_ban_add(f.s, (struct sockaddr *)&a,
		    (uint32_t)i), 0);
	}
	addr4(&a, "203.0.113.4");
	assert_int_equal(sip_ban_add(f.s, (struct sockaddr *)&a, 60),
	    -ENOSPC);
	addr4(&a, "203.0.113.3");	/* already there: a new end only */
	assert_int_equal(sip_ban_add(f.s, (struct sockaddr *)&a, 60), 0);
	sip__clock_set(f.s, T0 + 1000);	/* .1 is over */
	addr4(&a, "203.0.113.4");
	assert_int_equal(sip_ban_add(f.s, (struct sockaddr *)&a, 60), 0);
	assert_int_equal(sip_ban_count(f.s), 3);
	sip_ban_clear(f.s);
	assert_int_equal(sip_ban_count(f.s), 0);
	fx_close(&f);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_ban_drops_unanswered),
	    cmocka_unit_test(test_ban_expires),
	    cmocka_unit_test(test_ban_host_and_mapped),
	    cmocka_unit_test(test_ban_table_bounded),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
