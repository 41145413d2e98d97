/* What a finished transaction keeps while it lingers for Timer J/K/L/M
 * (RFC 3261 17, RFC 6026; 32 s on UDP, about three per call): only what
 * absorbing retransmissions needs. A server transaction drops its
 * request and source once the final response is out but still answers
 * a retransmitted request with the same bytes; an accepted client
 * INVITE keeps its skeleton as text and parses it when asked. Nothing
 * goes to a socket: the stack's send hook records what is sent. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "util.h"

#include "sip/internal.h"

struct lx {
	uv_loop_t loop;
	struct sip_stack *s;
	struct sip_source src;
	struct sip_txn *st;		/* the last server transaction */
	char sent[2048];		/* the last message sent */
	size_t sent_len;
	unsigned n_sent;
};

static void
lx_on_request(void *arg, struct sip_txn *st, const osip_message_t *req,
    const struct sip_source *src)
{
	(void)req;
	(void)src;
	((struct lx *)arg)->st = st;
}

static int
lx_send(void *arg, const struct sip_dest *d, const char *buf, size_t len,
    uint64_t *flow_out)
{
	struct lx *x = arg;

	(void)d;
	assert_true(len < sizeof(x->sent));
	memcpy(x->sent, buf, len);
	x->sent_len = len;
	x->n_sent++;
	if (flow_out)
		*flow_out = 0;
	return 0;
}

static void
lx_open(struct lx *x)
{
	struct sip_config cfg;
	struct sip_tu tu = {.arg = x, .on_request = lx_on_request};
	struct net_endpoint peer;

	memset(x, 0, sizeof(*x));
	memset(&cfg, 0, sizeof(cfg));
	cfg.n_listen = 1;
	assert_int_equal(net_endpoint_parse("udp:127.0.0.1", 5060,
	    &cfg.listen[0]), 0);
	((struct sockaddr_in *)&cfg.listen[0].addr)->sin_port = 0;
	assert_int_equal(net_endpoint_parse("udp:192.0.2.9", 5060, &peer),
	    0);
	assert_int_equal(uv_loop_init(&x->loop), 0);
	assert_int_equal(sip_stack_new(&x->s, &x->loop, &cfg, &tu), 0);
	x->s->send_hook = lx_send;
	x->s->send_hook_arg = x;
	x->src.transport = NET_UDP;
	x->src.remote = peer.addr;
	x->src.local = x->s->lst[0]->ep.addr;
}

static void
lx_close(struct lx *x)
{
	sip_stack_close(x->s, NULL, NULL);
	uv_run(&x->loop, UV_RUN_DEFAULT);
	assert_int_equal(uv_loop_close(&x->loop), 0);
}

static void
lx_recv(struct lx *x, const char *text)
{
	sip__recv(x->s, text, strlen(text), &x->src);
}

static const char bye[] =
    "BYE sip:100@192.0.2.1 SIP/2.0\r\n"
    "Via: SIP/2.0/UDP 192.0.2.9:5060;branch=z9hG4bKlinger1;rport\r\n"
    "From: <sip:a@192.0.2.9>;tag=f1\r\n"
    "To: <sip:100@192.0.2.1>;tag=t1\r\n"
    "Call-ID: linger1@192.0.2.9\r\n"
    "CSeq: 2 BYE\r\n"
    "Max-Forwards: 70\r\n"
    "Content-Length: 0\r\n\r\n";

static void
test_txn_linger_server_keeps_wire_only(void **state)
{
	struct lx x;
	struct sip_txn *st;
	const struct sip_source *src;
	char first[2048];
	size_t first_len;

	(void)state;
	lx_open(&x);
	lx_recv(&x, bye);
	st = x.st;
	assert_non_null(st);
	assert_non_null(st->src);
	assert_int_equal(sip_txn_source(st)->transport, NET_UDP);
	assert_int_equal(sip_txn_reply(st, 200, NULL, NULL, 0), 0);
	/* Completed: no request, no source; the response's bytes stay. */
	assert_null(st->req);
	assert_null(st->src);
	src = sip_txn_source(st);
	assert_non_null(src);
	assert_int_equal(src->remote.ss_family, 0);
	assert_non_null(st->wire);
	memcpy(first, x.sent, x.sent_len);
	first_len = x.sent_len;
	/* RFC 3261 17.2.2: a retransmitted BYE gets the same 200 again. */
	x.st = NULL;
	lx_recv(&x, bye);
	assert_null(x.st);
	assert_int_equal(x.n_sent, 2);
	assert_int_equal(x.sent_len, first_len);
	assert_memory_equal(x.sent, first, first_len);
	lx_close(&x);
}

static void
lx_on_response(void *arg, struct sip_txn *ct, const osip_message_t *resp,
    const struct sip_source *src)
{
	(void)ct;
	(void)resp;
	(void)src;
	(*(int *)arg)++;
}

static void
test_txn_linger_client_invite_skeleton_text(void **state)
{
	struct lx x;
	osip_message_t *m = NULL;
	osip_generic_param_t *br = NULL;
	osip_via_t *v;
	struct sip_dest d = {.transport = NET_UDP};
	struct sip_txn *ct = NULL;
	const osip_message_t *k;
	char text[1024];
	int calls = 0;

	(void)state;
	lx_open(&x);
	d.addr = x.src.remote;
	assert_int_equal(sip_msg_new_request(&m, "INVITE",
	    "sip:100@192.0.2.9", "<sip:a@192.0.2.1>;tag=b1",
	    "<sip:100@192.0.2.9>", "linger2@192.0.2.1", 1), 0);
	assert_int_equal(sip_request_send(&ct, x.s, m, &d, lx_on_response,
	    &calls), 0);
	v = osip_list_get(&ct->req->vias, 0);
	osip_via_param_get_byname(v, "branch", &br);
	assert_non_null(br);
	snprintf(text, sizeof(text),
	    "SIP/2.0 200 OK\r\n"
	    "Via: SIP/2.0/UDP %s;branch=%s;rport=5060\r\n"
	    "From: <sip:a@192.0.2.1>;tag=b1\r\n"
	    "To: <sip:100@192.0.2.9>;tag=u1\r\n"
	    "Call-ID: linger2@192.0.2.1\r\n"
	    "CSeq: 1 INVITE\r\n"
	    "Content-Length: 0\r\n\r\n", x.s->sent_by[0], br->gvalue);
	lx_recv(&x, text);
	assert_int_equal(calls, 1);
	/* Accepted (RFC 6026): the skeleton's text, no parsed request. */
	assert_null(ct->req);
	assert_null(ct->wire);
	assert_non_null(ct->skel);
	assert_string_equal(ct->skel, "INVITE");
	k = sip_txn_request(ct);
	assert_non_null(k);
	assert_ptr_equal(k, ct->req);	/* parsed once, then kept */
	assert_ptr_equal(sip_txn_request(ct), k);
	assert_string_equal(k->sip_method, "INVITE");
	assert_string_equal(k->call_id->number, "linger2");
	assert_string_equal(k->cseq->number, "1");
	assert_int_equal(osip_list_size(&k->vias), 0);
	/* A retransmitted 2xx still reaches the TU. */
	lx_recv(&x, text);
	assert_int_equal(calls, 2);
	lx_close(&x);
}

/* The struct itself: two sockaddr_storage (256 bytes) used to sit in
 * every transaction for 32 s. */
static void
test_txn_linger_struct_is_compact(void **state)
{
	(void)state;
	assert_in_range(sizeof(struct sip_txn), 1, 320);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_txn_linger_server_keeps_wire_only),
	    cmocka_unit_test(test_txn_linger_client_invite_skeleton_text),
	    cmocka_unit_test(test_txn_linger_struct_is_compact),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
