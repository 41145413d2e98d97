/* UDP sends batched per receive batch (sip/transport.c): datagrams made
 * while a recvmmsg batch is handled wait and leave in one sendmmsg per
 * socket, in order; one that fails gets its error (counted, and a client
 * transaction's 503) without losing the others; a full queue, the
 * batch's end and the stack's close send what waits. A real UDP
 * listener sends to a plain socket of the test. */
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

#define T0 1000000u	/* fake clock start, ms */

struct fx {
	uv_loop_t loop;
	struct sip_stack *s;
	int peer;			/* the far end's UDP socket */
	struct sockaddr_storage peer_addr;
	struct sockaddr_storage lst_addr;	/* the stack's listener */
	int resp_code, resp_calls, closed;
	bool resp_synthetic;
};

static void
tu_on_request(void *arg, struct sip_txn *st, const osip_message_t *req,
    const struct sip_source *src)
{
	(void)arg;
	(void)req;
	(void)src;
	sip_txn_reply(st, 200, NULL, NULL, 0);
}

static void
on_response(void *arg, struct sip_txn *ct, const osip_message_t *resp,
    const struct sip_source *src)
{
	struct fx *f = arg;

	(void)ct;
	f->resp_code = resp->status_code;
	f->resp_calls++;
	f->resp_synthetic = src == NULL;
}

/* udp_buffer for the next fx_open() (0: the default). */
static uint32_t fx_udp_buffer;

static void
fx_open(struct fx *f)
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
	cfg.answer_options = true;
	cfg.udp_buffer = fx_udp_buffer;
	fx_udp_buffer = 0;
	assert_int_equal(sip_stack_new(&f->s, &f->loop, &cfg, &tu), 0);
	sip__clock_set(f->s, T0);
	f->lst_addr = f->s->lst[0]->ep.addr;

	f->peer = socket(AF_INET, SOCK_DGRAM, 0);
	assert_true(f->peer >= 0);
	a->sin_family = AF_INET;
	a->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(f->peer, (struct sockaddr *)a, sizeof(*a)), 0);
	assert_int_equal(getsockname(f->peer, (struct sockaddr *)a, &alen), 0);
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

/* The CSeq numbers of the datagrams waiting at the peer, in arrival
 * order, into seq[max]; how many there were. */
static int
peer_cseqs(struct fx *f, unsigned *seq, int max)
{
	char buf[SIP__DEF_MAX_MESSAGE + 1];
	int n = 0;
	ssize_t got;

	while ((got = recv(f->peer, buf, sizeof(buf) - 1, MSG_DONTWAIT)) > 0) {
		const char *c;

		buf[got] = '\0';
		c = strstr(buf, "\r\nCSeq: ");
		assert_non_null(c);
		if (n < max)
			seq[n] = (unsigned)strtoul(c + 8, NULL, 10);
		n++;
	}
	return n;
}

/* A stateless OPTIONS of CSeq `cseq` to the peer, or to port 0 of its
 * address (the kernel refuses that: EINVAL) when `bad`. */
static int
send_options(struct fx *f, unsigned cseq, bool bad)
{
	osip_message_t *m = NULL;
	struct sip_dest d = {.transport = NET_UDP};

	d.addr = f->peer_addr;
	if (bad)
		((struct sockaddr_in *)&d.addr)->sin_port = 0;
	assert_int_equal(sip_msg_new_request(&m, "OPTIONS",
	    "sip:pbx@127.0.0.1", "<sip:l@127.0.0.1>;tag=l1",
	    "<sip:pbx@127.0.0.1>", "cid-t", cseq), 0);
	return sip_send_stateless(f->s, m, &d);
}

/* Inside a receive batch, as udp_on_recv() marks the first datagram of
 * a recvmmsg batch. */
static void
batch_begin(struct fx *f)
{
	f->s->udpq.batch = true;
}

static void
test_transport_batch_keeps_order_past_an_error(void **state)
{
	unsigned seq[8];
	uint64_t out0, err0;
	struct fx f;

	(void)state;
	fx_open(&f);
	out0 = f.s->stats.msgs_out;
	err0 = f.s->stats.send_errors;
	batch_begin(&f);
	for (unsigned i = 1; i <= 5; i++)
		assert_int_equal(send_options(&f, i, i == 3), 0);
	/* Nothing left before the batch's end. */
	assert_int_equal(peer_cseqs(&f, seq, 8), 0);
	sip__udp_flush(f.s);
	assert_int_equal(peer_cseqs(&f, seq, 8), 4);
	assert_int_equal(seq[0], 1);
	assert_int_equal(seq[1], 2);
	assert_int_equal(seq[2], 4);
	assert_int_equal(seq[3], 5);
	assert_int_equal(f.s->stats.msgs_out - out0, 4);
	assert_int_equal(f.s->stats.send_errors - err0, 1);
	/* Outside a batch the error comes back at once, as always. */
	assert_true(send_options(&f, 6, true) < 0);
	assert_int_equal(f.s->stats.send_errors - err0, 2);
	fx_close(&f);
}

static void
test_transport_batch_full_queue_flushes(void **state)
{
	unsigned seq[64];
	int n;
	struct fx f;

	(void)state;
	fx_open(&f);
	batch_begin(&f);
	for (unsigned i = 1; i <= SIP__UDPQ_MAX + 8; i++)
		assert_int_equal(send_options(&f, i, false), 0);
	/* The 33rd found the queue full: the first 32 left then. */
	assert_int_equal(peer_cseqs(&f, seq, 64), SIP__UDPQ_MAX);
	sip__udp_flush(f.s);
	n = peer_cseqs(&f, seq + SIP__UDPQ_MAX, 64 - SIP__UDPQ_MAX);
	assert_int_equal(n, 8);
	for (unsigned i = 0; i < SIP__UDPQ_MAX + 8; i++)
		assert_int_equal(seq[i], i + 1);
	fx_close(&f);
}

/* A client transaction whose request fails at the batch's end gets the
 * 503 it would have got had the send failed at once. */
static void
test_transport_batch_client_error_503(void **state)
{
	osip_message_t *req = NULL;
	struct sip_txn *ct = NULL;
	struct sip_dest d = {.transport = NET_UDP};
	struct fx f;

	(void)state;
	fx_open(&f);
	d.addr = f.peer_addr;
	((struct sockaddr_in *)&d.addr)->sin_port = 0;
	assert_int_equal(sip_msg_new_request(&req, "INVITE",
	    "sip:pbx@127.0.0.1", "<sip:l@127.0.0.1>;tag=l1",
	    "<sip:pbx@127.0.0.1>", "cid-c", 1), 0);
	batch_begin(&f);
	assert_int_equal(sip_request_send(&ct, f.s, req, &d, on_response,
	    &f), 0);
	sip__udp_flush(f.s);
	assert_int_equal(f.resp_calls, 0);	/* never from the call */
	sip__clock_set(f.s, T0 + 1);
	assert_int_equal(f.resp_calls, 1);
	assert_int_equal(f.resp_code, 503);
	assert_true(f.resp_synthetic);
	fx_close(&f);
}

static void
test_transport_close_flushes(void **state)
{
	unsigned seq[4];
	struct fx f;

	(void)state;
	fx_open(&f);
	batch_begin(&f);
	assert_int_equal(send_options(&f, 1, false), 0);
	assert_int_equal(send_options(&f, 2, false), 0);
	sip_stack_close(f.s, fx_on_closed, &f);
	assert_int_equal(peer_cseqs(&f, seq, 4), 2);
	assert_int_equal(seq[0], 1);
	assert_int_equal(seq[1], 2);
	uv_run(&f.loop, UV_RUN_DEFAULT);
	assert_int_equal(f.closed, 1);
	assert_int_equal(uv_loop_close(&f.loop), 0);
	close(f.peer);
}

/* Through the loop: requests the peer sent together are read in one
 * recvmmsg batch, and their answers reach the peer in order. */
static void
test_transport_recv_batch_answers_in_order(void **state)
{
	unsigned seq[16];
	char m[512];
	int n, got = 0;
	struct fx f;

	(void)state;
	fx_open(&f);
	for (unsigned i = 1; i <= 8; i++) {
		n = snprintf(m, sizeof(m),
		    "OPTIONS sip:100@127.0.0.1 SIP/2.0\r\n"
		    "Via: SIP/2.0/UDP 127.0.0.1:%u;branch=z9hG4bKb%u;rport\r\n"
		    "From: <sip:a@127.0.0.1>;tag=ft1\r\n"
		    "To: <sip:100@127.0.0.1>\r\n"
		    "Call-ID: batch-%u\r\n"
		    "CSeq: %u OPTIONS\r\n"
		    "Max-Forwards: 70\r\n"
		    "Content-Length: 0\r\n\r\n",
		    net_addr_port((struct sockaddr *)&f.peer_addr), i, i, i);
		assert_true(n > 0 && (size_t)n < sizeof(m));
		assert_int_equal(sendto(f.peer, m, (size_t)n, 0,
		    (struct sockaddr *)&f.lst_addr, sizeof(struct sockaddr_in)),
		    n);
	}
	for (int turn = 0; turn < 100 && got < 8; turn++) {
		uv_run(&f.loop, UV_RUN_NOWAIT);
		got += peer_cseqs(&f, seq + got, 16 - got);
	}
	assert_int_equal(got, 8);
	for (unsigned i = 0; i < 8; i++)
		assert_int_equal(seq[i], i + 1);
	assert_false(f.s->udpq.batch);
	assert_int_equal(f.s->udpq.n, 0);
	fx_close(&f);
}

/* SO_RCVBUF as the kernel reports it: twice what it granted (Linux). */
static int
lst_rcvbuf(struct fx *f)
{
	uv_os_fd_t fd;
	int v = 0;
	socklen_t len = sizeof(v);

	assert_int_equal(uv_fileno((uv_handle_t *)&f->s->lst[0]->h.udp, &fd),
	    0);
	assert_int_equal(getsockopt(fd, SOL_SOCKET, SO_RCVBUF, &v, &len), 0);
	return v / 2;
}

/* udp_buffer sizes the socket (as far as the kernel allows: 128 KiB is
 * under every Linux default rmem_max); 0 asks the 1 MiB default. */
static void
test_transport_udp_buffer_option(void **state)
{
	struct fx f;

	(void)state;
	fx_udp_buffer = 128u << 10;
	fx_open(&f);
	assert_int_equal(f.s->cfg.udp_buffer, 128u << 10);
	assert_int_equal(lst_rcvbuf(&f), 128 << 10);
	fx_close(&f);
	fx_open(&f);
	assert_int_equal(f.s->cfg.udp_buffer, SIP__UDP_BUFFER);
	fx_close(&f);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_transport_batch_keeps_order_past_an_error),
	    cmocka_unit_test(test_transport_batch_full_queue_flushes),
	    cmocka_unit_test(test_transport_batch_client_error_503),
	    cmocka_unit_test(test_transport_close_flushes),
	    cmocka_unit_test(test_transport_recv_batch_answers_in_order),
	    cmocka_unit_test(test_transport_udp_buffer_option),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
