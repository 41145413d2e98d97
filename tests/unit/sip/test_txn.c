/* Transactions against the fake clock (sip__clock_set): RFC 3261 17
 * Timers A/E doubling (E capped at T2), B/F timeouts as a 408 to the TU,
 * K/J/I/D cleanup, G, 100 Trying, retransmitted requests answered with
 * the last response, the UAS 2xx retransmitted until its ACK (13.3.1.4),
 * the max_transactions 503, and the drain at shutdown. A real UDP
 * listener sends to a plain socket of the test; requests and responses
 * come in through sip__recv() as if received. */
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
	struct sip_source src;		/* as if from the peer */
	/* What the TU saw. */
	struct sip_txn *st;
	int requests, acks, ack_timeouts, drained, closed;
	void *ack_arg;
	/* Client callback. */
	int resp_code, resp_calls;
	bool resp_synthetic;
	bool req_in_cb;			/* sip_txn_request() in the callback */
	char last[1024];		/* the peer's last response */
	size_t last_len;
};

static void
tu_on_request(void *arg, struct sip_txn *st, const osip_message_t *req,
    const struct sip_source *src)
{
	struct fx *f = arg;

	(void)req;
	(void)src;
	f->st = st;
	f->requests++;
}

static void
tu_on_ack(void *arg, void *st_arg, const osip_message_t *ack,
    const struct sip_source *src)
{
	struct fx *f = arg;

	(void)ack;
	(void)src;
	f->acks++;
	f->ack_arg = st_arg;
}

static void
tu_on_ack_timeout(void *arg, void *st_arg, const osip_message_t *resp)
{
	struct fx *f = arg;

	(void)resp;
	f->ack_timeouts++;
	f->ack_arg = st_arg;
}

static void
on_response(void *arg, struct sip_txn *ct, const osip_message_t *resp,
    const struct sip_source *src)
{
	struct fx *f = arg;

	f->req_in_cb = sip_txn_request(ct) != NULL;
	f->resp_code = resp->status_code;
	f->resp_calls++;
	f->resp_synthetic = src == NULL;
}

/* Settings a case changes before the stack starts (NULL: none). */
static void (*fx_tweak)(struct sip_config *cfg);

static void
fx_open(struct fx *f, uint32_t max_txn)
{
	struct sip_config cfg;
	struct sip_tu tu = {
	    .arg = f,
	    .on_request = tu_on_request,
	    .on_ack = tu_on_ack,
	    .on_ack_timeout = tu_on_ack_timeout,
	};
	struct sockaddr_in *a = (struct sockaddr_in *)&f->peer_addr;
	socklen_t alen = sizeof(f->peer_addr);

	memset(f, 0, sizeof(*f));
	memset(&cfg, 0, sizeof(cfg));
	assert_int_equal(uv_loop_init(&f->loop), 0);
	cfg.n_listen = 1;
	assert_int_equal(net_endpoint_parse("udp:127.0.0.1", 5060,
	    &cfg.listen[0]), 0);
	((struct sockaddr_in *)&cfg.listen[0].addr)->sin_port = 0;
	cfg.max_transactions = max_txn;
	cfg.answer_options = true;
	if (fx_tweak)
		fx_tweak(&cfg);
	fx_tweak = NULL;
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

/* Datagrams waiting at the peer: how many; the last start line in
 * `line` (may be NULL). Loopback delivery is done once sendto returns. */
static int
peer_drain(struct fx *f, char *line, size_t len)
{
	char buf[SIP__DEF_MAX_MESSAGE + 1];
	int n = 0;
	ssize_t got;

	while ((got = recv(f->peer, buf, sizeof(buf) - 1, MSG_DONTWAIT)) > 0) {
		buf[got] = '\0';
		n++;
		if (line) {
			size_t l = strcspn(buf, "\r");

			snprintf(line, len, "%.*s", (int)l, buf);
		}
	}
	return n;
}

static void
clock_at(struct fx *f, uint64_t ms_after_t0)
{
	sip__clock_set(f->s, T0 + ms_after_t0);
}

/* A request from the peer, as text. */
static void
peer_request(struct fx *f, const char *method, const char *branch,
    const char *to_tag, unsigned cseq, const char *cseq_method)
{
	char m[1024];
	int n;

	n = snprintf(m, sizeof(m),
	    "%s sip:100@127.0.0.1 SIP/2.0\r\n"
	    "Via: SIP/2.0/UDP 127.0.0.1:%u;branch=%s;rport\r\n"
	    "From: <sip:a@127.0.0.1>;tag=ft1\r\n"
	    "To: <sip:100@127.0.0.1>%s%s\r\n"
	    "Call-ID: call-%s\r\n"
	    "CSeq: %u %s\r\n"
	    "Max-Forwards: 70\r\n"
	    "Content-Length: 0\r\n\r\n",
	    method, net_addr_port((struct sockaddr *)&f->peer_addr), branch,
	    to_tag ? ";tag=" : "", to_tag ? to_tag : "", "x", cseq,
	    cseq_method ? cseq_method : method);
	assert_true(n > 0 && (size_t)n < sizeof(m));
	sip__recv(f->s, m, (size_t)n, &f->src);
}

/* The peer answers client transaction ct with `code`. */
static void
peer_respond(struct fx *f, struct sip_txn *ct, int code)
{
	osip_message_t *r = NULL;
	char *w = NULL;
	size_t n;

	assert_int_equal(sip_msg_new_response(&r, sip_txn_request(ct), code,
	    NULL), 0);
	assert_int_equal(sip_msg_to_tag_set(r, "pt1"), 0);
	assert_int_equal(sip__msg_print(r, &w, &n), 0);
	assert_true(n < sizeof(f->last));
	memcpy(f->last, w, n);
	f->last_len = n;
	sip__recv(f->s, w, n, &f->src);
	osip_free(w);
	osip_message_free(r);
}

/* The peer sends its last response again (a retransmission). */
static void
peer_resend(struct fx *f)
{
	sip__recv(f->s, f->last, f->last_len, &f->src);
}

static struct sip_txn *
send_request(struct fx *f, const char *method)
{
	osip_message_t *req = NULL;
	struct sip_txn *ct = NULL;
	struct sip_dest d = {.transport = NET_UDP};

	d.addr = f->peer_addr;
	assert_int_equal(sip_msg_new_request(&req, method,
	    "sip:pbx@127.0.0.1", "<sip:l@127.0.0.1>;tag=l1",
	    "<sip:pbx@127.0.0.1>", "cid-1", 1), 0);
	assert_int_equal(sip_request_send(&ct, f->s, req, &d, on_response,
	    f), 0);
	assert_int_equal(peer_drain(f, NULL, 0), 1);	/* first send */
	return ct;
}

/* Expects exactly `n` sends at each of the offsets (ms after T0), none
 * just before. */
static void
expect_sends_at(struct fx *f, const uint32_t *at, size_t k)
{
	for (size_t i = 0; i < k; i++) {
		clock_at(f, at[i] - 1);
		assert_int_equal(peer_drain(f, NULL, 0), 0);
		clock_at(f, at[i]);
		assert_int_equal(peer_drain(f, NULL, 0), 1);
	}
}

static void
test_txn_timer_e_doubles_to_t2_then_f(void **state)
{
	/* E: 500, 1000, 2000, 4000, 4000... after the first send. */
	static const uint32_t at[] = {500, 1500, 3500, 7500, 11500, 15500};
	struct fx f;

	(void)state;
	fx_open(&f, 0);
	send_request(&f, "OPTIONS");
	expect_sends_at(&f, at, ARRAY_SIZE(at));
	clock_at(&f, 64 * 500 - 1);
	assert_int_equal(f.resp_calls, 0);
	peer_drain(&f, NULL, 0);
	clock_at(&f, 64 * 500);		/* Timer F */
	assert_int_equal(f.resp_calls, 1);
	assert_int_equal(f.resp_code, 408);
	assert_true(f.resp_synthetic);
	assert_int_equal(f.s->stats.txn_open[SIP_TXN_CLIENT], 0);
	fx_close(&f);
}

static void
test_txn_timer_a_doubles_then_b(void **state)
{
	/* A doubles without the T2 cap (RFC 3261 17.1.1.2). */
	static const uint32_t at[] = {500, 1500, 3500, 7500, 15500, 31500};
	struct fx f;

	(void)state;
	fx_open(&f, 0);
	send_request(&f, "INVITE");
	expect_sends_at(&f, at, ARRAY_SIZE(at));
	clock_at(&f, 31999);
	assert_int_equal(f.resp_calls, 0);
	clock_at(&f, 32000);		/* Timer B */
	assert_int_equal(f.resp_code, 408);
	assert_true(f.resp_synthetic);
	assert_int_equal(peer_drain(&f, NULL, 0), 0);
	assert_int_equal(f.s->stats.txn_open[SIP_TXN_CLIENT_INVITE], 0);
	fx_close(&f);
}

static void
test_txn_invite_ringing_outlives_timer_b(void **state)
{
	struct fx f;
	struct sip_txn *ct;

	(void)state;
	/* Timer B ends Calling only (RFC 3261 17.1.1.2): a phone may ring
	 * for the TU's ring_timeout (up to an hour), not 32 s. */
	fx_open(&f, 0);
	ct = send_request(&f, "INVITE");
	peer_respond(&f, ct, 180);
	assert_int_equal(f.resp_code, 180);
	clock_at(&f, 120000);
	assert_int_equal(f.resp_calls, 1);
	assert_int_equal(peer_drain(&f, NULL, 0), 0);	/* no retransmission */
	assert_int_equal(f.s->stats.txn_open[SIP_TXN_CLIENT_INVITE], 1);
	/* Never cancelled: the guard ends it at last. */
	clock_at(&f, (3600u + 64u) * 1000u);
	assert_int_equal(f.resp_code, 408);
	assert_true(f.resp_synthetic);
	fx_close(&f);
}

static void
test_txn_cancel_without_answer_ends_invite(void **state)
{
	char line[128];
	struct fx f;
	struct sip_txn *ct;

	(void)state;
	/* RFC 3261 9.1: no final 64*T1 after the CANCEL, the INVITE is
	 * over: a ring_timeout's CANCEL to a PBX that forgot the call. */
	fx_open(&f, 0);
	ct = send_request(&f, "INVITE");
	peer_respond(&f, ct, 180);
	clock_at(&f, 10000);
	assert_int_equal(sip_txn_cancel(ct), 0);
	assert_int_equal(peer_drain(&f, line, sizeof(line)), 1);
	assert_true(strncmp(line, "CANCEL ", 7) == 0);
	clock_at(&f, 10000 + 31999);
	assert_int_equal(f.resp_code, 180);
	clock_at(&f, 10000 + 32000);
	assert_int_equal(f.resp_code, 408);
	assert_true(f.resp_synthetic);
	assert_int_equal(f.s->stats.txn_open[SIP_TXN_CLIENT_INVITE], 0);
	fx_close(&f);
}

static void
test_txn_timer_e_after_provisional_is_t2(void **state)
{
	struct fx f;
	struct sip_txn *ct;

	(void)state;
	fx_open(&f, 0);
	ct = send_request(&f, "OPTIONS");
	peer_respond(&f, ct, 180);
	assert_int_equal(f.resp_code, 180);
	clock_at(&f, 500);		/* still the first E interval */
	assert_int_equal(peer_drain(&f, NULL, 0), 1);
	/* Proceeding: every T2 from then on (RFC 3261 17.1.2.2). */
	clock_at(&f, 4499);
	assert_int_equal(peer_drain(&f, NULL, 0), 0);
	clock_at(&f, 4500);
	assert_int_equal(peer_drain(&f, NULL, 0), 1);
	fx_close(&f);
}

static void
test_txn_timer_k_after_final(void **state)
{
	struct fx f;
	struct sip_txn *ct;

	(void)state;
	fx_open(&f, 0);
	ct = send_request(&f, "OPTIONS");
	clock_at(&f, 100);
	peer_respond(&f, ct, 200);
	assert_int_equal(f.resp_calls, 1);
	assert_int_equal(f.resp_code, 200);
	assert_false(f.resp_synthetic);
	assert_true(f.req_in_cb);
	assert_null(sip_txn_request(ct));	/* freed once delivered */
	/* Completed: no more retransmissions; Timer K = T4 (5 s). */
	clock_at(&f, 5099);
	assert_int_equal(peer_drain(&f, NULL, 0), 0);
	assert_int_equal(f.s->stats.txn_open[SIP_TXN_CLIENT], 1);
	clock_at(&f, 5100);
	assert_int_equal(f.s->stats.txn_open[SIP_TXN_CLIENT], 0);
	assert_int_equal(f.resp_calls, 1);
	fx_close(&f);
}

static void
test_txn_timer_d_acks_non2xx(void **state)
{
	struct fx f;
	struct sip_txn *ct;
	char line[128];

	(void)state;
	fx_open(&f, 0);
	ct = send_request(&f, "INVITE");
	peer_respond(&f, ct, 486);
	assert_int_equal(f.resp_code, 486);
	assert_int_equal(peer_drain(&f, line, sizeof(line)), 1);
	assert_string_equal(line, "ACK sip:pbx@127.0.0.1 SIP/2.0");
	/* Completed keeps only the ACK's bytes, not the INVITE. */
	assert_true(f.req_in_cb);
	assert_null(sip_txn_request(ct));
	/* A retransmitted 486 gets the ACK again, not the TU. */
	peer_resend(&f);
	assert_int_equal(peer_drain(&f, line, sizeof(line)), 1);
	assert_int_equal(f.resp_calls, 1);
	clock_at(&f, 31999);		/* Timer D: 32 s on UDP */
	assert_int_equal(f.s->stats.txn_open[SIP_TXN_CLIENT_INVITE], 1);
	clock_at(&f, 32000);
	assert_int_equal(f.s->stats.txn_open[SIP_TXN_CLIENT_INVITE], 0);
	fx_close(&f);
}

/* An accepted INVITE (RFC 6026) hands each 2xx retransmission to the
 * TU, which builds its ACK from sip_txn_request(): a skeleton stays,
 * the full request (Vias, body, other headers) and its wire bytes go. */
static void
test_txn_client_accepted_keeps_skeleton(void **state)
{
	struct fx f;
	struct sip_txn *ct;
	const osip_message_t *k;

	(void)state;
	fx_open(&f, 0);
	ct = send_request(&f, "INVITE");
	peer_respond(&f, ct, 200);
	assert_int_equal(f.resp_calls, 1);
	assert_true(f.req_in_cb);
	k = sip_txn_request(ct);
	assert_non_null(k);
	assert_string_equal(k->sip_method, "INVITE");
	assert_non_null(k->cseq);
	assert_non_null(k->call_id);
	assert_non_null(k->from);
	assert_non_null(k->to);
	assert_int_equal(osip_list_size(&k->vias), 0);
	assert_null(ct->wire);
	peer_resend(&f);
	assert_int_equal(f.resp_calls, 2);
	assert_true(f.req_in_cb);
	assert_int_equal(peer_drain(&f, NULL, 0), 0);	/* no INVITE resent */
	clock_at(&f, 32000);		/* Timer M */
	assert_int_equal(f.s->stats.txn_open[SIP_TXN_CLIENT_INVITE], 0);
	fx_close(&f);
}

static void
test_txn_server_invite_100_retrans_g_and_i(void **state)
{
	static const uint32_t g[] = {500, 1500, 3500, 7500, 11500};
	struct fx f;
	char line[128];

	(void)state;
	fx_open(&f, 0);
	peer_request(&f, "INVITE", "z9hG4bKinv1", NULL, 1, NULL);
	assert_int_equal(f.requests, 1);
	assert_int_equal(peer_drain(&f, line, sizeof(line)), 1);
	assert_string_equal(line, "SIP/2.0 100 Trying");
	/* The retransmission: the last response again, not the TU. */
	peer_request(&f, "INVITE", "z9hG4bKinv1", NULL, 1, NULL);
	assert_int_equal(f.requests, 1);
	assert_int_equal(peer_drain(&f, line, sizeof(line)), 1);
	assert_string_equal(line, "SIP/2.0 100 Trying");
	assert_int_equal(f.s->stats.retransmissions_in, 1);

	assert_int_equal(sip_txn_reply(f.st, 486, NULL, NULL, 0), 0);
	assert_int_equal(peer_drain(&f, line, sizeof(line)), 1);
	assert_string_equal(line, "SIP/2.0 486 Busy Here");
	expect_sends_at(&f, g, ARRAY_SIZE(g));	/* Timer G, T2 cap */
	peer_request(&f, "INVITE", "z9hG4bKinv1", NULL, 1, NULL);
	assert_int_equal(peer_drain(&f, line, sizeof(line)), 1);
	assert_string_equal(line, "SIP/2.0 486 Busy Here");
	assert_int_equal(f.requests, 1);

	/* ACK: Confirmed, no more G; Timer I = T4. */
	peer_request(&f, "ACK", "z9hG4bKinv1", "x", 1, NULL);
	assert_int_equal(f.acks, 0);
	clock_at(&f, 11500 + 4999);
	assert_int_equal(peer_drain(&f, NULL, 0), 0);
	assert_int_equal(f.s->stats.txn_open[SIP_TXN_SERVER_INVITE], 1);
	clock_at(&f, 11500 + 5000);
	assert_int_equal(f.s->stats.txn_open[SIP_TXN_SERVER_INVITE], 0);
	fx_close(&f);
}

static void
test_txn_server_timer_j(void **state)
{
	struct fx f;
	char line[128];

	(void)state;
	fx_open(&f, 0);
	peer_request(&f, "BYE", "z9hG4bKbye1", NULL, 2, NULL);
	assert_int_equal(f.requests, 1);
	assert_int_equal(peer_drain(&f, NULL, 0), 0);	/* no 100 */
	assert_int_equal(sip_txn_reply(f.st, 200, NULL, NULL, 0), 0);
	assert_int_equal(peer_drain(&f, line, sizeof(line)), 1);
	assert_string_equal(line, "SIP/2.0 200 OK");
	assert_int_equal(sip_txn_reply(f.st, 200, NULL, NULL, 0), -EINVAL);
	assert_null(sip_txn_request(f.st));	/* the wire bytes suffice */
	clock_at(&f, 20000);
	peer_request(&f, "BYE", "z9hG4bKbye1", NULL, 2, NULL);
	assert_int_equal(peer_drain(&f, line, sizeof(line)), 1);
	assert_string_equal(line, "SIP/2.0 200 OK");
	assert_int_equal(f.requests, 1);
	clock_at(&f, 31999);		/* Timer J = 64*T1 on UDP */
	assert_int_equal(f.s->stats.txn_open[SIP_TXN_SERVER], 1);
	clock_at(&f, 32000);
	assert_int_equal(f.s->stats.txn_open[SIP_TXN_SERVER], 0);
	fx_close(&f);
}

static void
test_txn_2xx_retransmitted_until_ack(void **state)
{
	static const uint32_t at[] = {500, 1500, 3500, 7500, 11500};
	struct fx f;
	int marker;
	char line[128];

	(void)state;
	fx_open(&f, 0);
	peer_request(&f, "INVITE", "z9hG4bKinv2", NULL, 1, NULL);
	peer_drain(&f, NULL, 0);
	sip_txn_set_arg(f.st, &marker);
	assert_int_equal(sip_txn_reply(f.st, 200, NULL, NULL, 0), 0);
	assert_int_equal(peer_drain(&f, line, sizeof(line)), 1);
	assert_string_equal(line, "SIP/2.0 200 OK");
	assert_int_equal(f.s->stats.acks_pending, 1);
	expect_sends_at(&f, at, ARRAY_SIZE(at));
	/* The ACK to the 2xx: a new branch, the dialog's To-tag. */
	peer_request(&f, "ACK", "z9hG4bKack2",
	    sip_txn_local_tag(f.st), 1, NULL);
	assert_int_equal(f.acks, 1);
	assert_ptr_equal(f.ack_arg, &marker);
	assert_int_equal(f.s->stats.acks_pending, 0);
	clock_at(&f, 30000);
	assert_int_equal(peer_drain(&f, NULL, 0), 0);
	assert_int_equal(f.ack_timeouts, 0);
	clock_at(&f, 32000);
	assert_int_equal(f.s->stats.txn_open[SIP_TXN_SERVER_INVITE], 0);
	assert_int_equal(f.ack_timeouts, 0);
	fx_close(&f);
}

static void
test_txn_2xx_without_ack_times_out(void **state)
{
	struct fx f;
	int marker;

	(void)state;
	fx_open(&f, 0);
	peer_request(&f, "INVITE", "z9hG4bKinv3", NULL, 1, NULL);
	sip_txn_set_arg(f.st, &marker);
	assert_int_equal(sip_txn_reply(f.st, 200, NULL, NULL, 0), 0);
	clock_at(&f, 31999);
	assert_int_equal(f.ack_timeouts, 0);
	clock_at(&f, 32000);
	assert_int_equal(f.ack_timeouts, 1);
	assert_ptr_equal(f.ack_arg, &marker);
	assert_int_equal(f.s->stats.acks_pending, 0);
	assert_int_equal(f.s->stats.txn_open[SIP_TXN_SERVER_INVITE], 0);
	fx_close(&f);
}

static void
test_txn_max_transactions_503(void **state)
{
	struct fx f;
	char line[128];

	(void)state;
	fx_open(&f, 1);
	peer_request(&f, "BYE", "z9hG4bKm1", NULL, 1, NULL);
	assert_int_equal(f.requests, 1);
	peer_request(&f, "BYE", "z9hG4bKm2", NULL, 2, NULL);
	assert_int_equal(f.requests, 1);
	assert_int_equal(peer_drain(&f, line, sizeof(line)), 1);
	assert_string_equal(line, "SIP/2.0 503 Service Unavailable");
	assert_int_equal(f.s->stats.rejected_overload, 1);
	fx_close(&f);
}

/* max_transactions counts the unfinished only: a BYE answered waits out
 * Timer J (64*T1) without holding back the next one; the finished ones
 * are bounded at twice the limit and the oldest end early (a
 * retransmission of its request is then new to the TU). */
static void
test_txn_max_transactions_counts_unfinished(void **state)
{
	struct fx f;
	char br[32];

	(void)state;
	fx_open(&f, 1);
	for (int i = 0; i < 10; i++) {
		snprintf(br, sizeof(br), "z9hG4bKdone%d", i);
		peer_request(&f, "BYE", br, NULL, (unsigned)i + 1, NULL);
		assert_int_equal(f.requests, i + 1);
		assert_int_equal(sip_txn_reply(f.st, 200, NULL, NULL, 0), 0);
	}
	assert_int_equal(peer_drain(&f, NULL, 0), 10);	/* no 503 */
	assert_int_equal(f.s->stats.rejected_overload, 0);
	clock_at(&f, 1);	/* the eight oldest end early */
	assert_int_equal(sip__txn_count(f.s), 2);
	assert_int_equal(f.s->n_done, 2);
	/* Still in Timer J: a retransmission gets the 200 again. */
	peer_request(&f, "BYE", "z9hG4bKdone9", NULL, 10, NULL);
	assert_int_equal(f.requests, 10);
	assert_int_equal(peer_drain(&f, NULL, 0), 1);
	/* Ended early: a new transaction for the TU. */
	peer_request(&f, "BYE", "z9hG4bKdone0", NULL, 1, NULL);
	assert_int_equal(f.requests, 11);
	/* Unanswered, it counts: the next new request gets 503. */
	peer_request(&f, "BYE", "z9hG4bKdone10", NULL, 11, NULL);
	assert_int_equal(f.requests, 11);
	assert_int_equal(f.s->stats.rejected_overload, 1);
	fx_close(&f);
}

static void
rate_10_20(struct sip_config *cfg)
{
	cfg->rate_limit = 10;
	cfg->rate_burst = 20;
}

static void
rate_10_20_exempt(struct sip_config *cfg)
{
	rate_10_20(cfg);
	assert_int_equal(net_cidr_parse("127.0.0.0/8", &cfg->rate_exempt[0]),
	    0);
	cfg->n_rate_exempt = 1;
}

/* n new BYEs from the peer (branches from *seq on); returns how many
 * reached the TU. */
static int
rate_burst(struct fx *f, int n, unsigned *seq)
{
	int before = f->requests;
	char br[32];

	for (int i = 0; i < n; i++, (*seq)++) {
		snprintf(br, sizeof(br), "z9hG4bKrate%u", *seq);
		peer_request(f, "BYE", br, NULL, *seq, NULL);
	}
	return f->requests - before;
}

/* A token bucket per source address: the burst passes, the rest get
 * 503, tokens come back at rate_limit a second, a retransmission costs
 * nothing, idle buckets are swept; exempt peers are never counted. */
static void
test_txn_rate_limit_per_source(void **state)
{
	struct fx f;
	char line[128];
	unsigned seq = 1;

	(void)state;
	fx_tweak = rate_10_20;
	fx_open(&f, 0);
	assert_int_equal(rate_burst(&f, 25, &seq), 20);
	assert_int_equal(f.s->stats.rejected_rate, 5);
	assert_int_equal(peer_drain(&f, line, sizeof(line)), 5);
	assert_string_equal(line, "SIP/2.0 503 Service Unavailable");
	peer_request(&f, "BYE", "z9hG4bKrate1", NULL, 1, NULL);
	assert_int_equal(f.s->stats.retransmissions_in, 1);
	assert_int_equal(f.s->stats.rejected_rate, 5);
	clock_at(&f, 500);		/* 5 tokens back */
	assert_int_equal(rate_burst(&f, 6, &seq), 5);
	assert_int_equal(f.s->stats.rejected_rate, 6);
	assert_int_equal(f.s->rates.n, 1);
	clock_at(&f, 10000);		/* full again: swept */
	assert_int_equal(f.s->rates.n, 0);
	fx_close(&f);

	fx_tweak = rate_10_20_exempt;
	fx_open(&f, 0);
	seq = 1;
	assert_int_equal(rate_burst(&f, 25, &seq), 25);
	assert_int_equal(f.s->stats.rejected_rate, 0);
	assert_int_equal(f.s->rates.n, 0);
	fx_close(&f);
}

static void
fx_on_drained(void *arg)
{
	((struct fx *)arg)->drained++;
}

static void
test_txn_drain_skips_completed(void **state)
{
	struct fx f;

	(void)state;
	fx_open(&f, 0);
	peer_request(&f, "BYE", "z9hG4bKd1", NULL, 1, NULL);
	peer_request(&f, "INVITE", "z9hG4bKd2", NULL, 1, NULL);
	assert_int_equal(f.requests, 2);
	sip_stack_stop_listening(f.s, fx_on_drained, &f);
	clock_at(&f, 10);
	assert_int_equal(f.drained, 0);		/* INVITE unanswered */
	/* New requests are refused while stopping. */
	peer_request(&f, "BYE", "z9hG4bKd3", NULL, 2, NULL);
	assert_int_equal(f.requests, 2);
	assert_int_equal(sip_txn_reply(f.st, 486, NULL, NULL, 0), 0);
	clock_at(&f, 20);
	/* The BYE (still unanswered) holds the drain... */
	assert_int_equal(f.drained, 0);
	fx_close(&f);
}

static void
test_txn_drain_ends_before_timer_j(void **state)
{
	struct fx f;

	(void)state;
	fx_open(&f, 0);
	peer_request(&f, "BYE", "z9hG4bKe1", NULL, 1, NULL);
	assert_int_equal(sip_txn_reply(f.st, 200, NULL, NULL, 0), 0);
	sip_stack_stop_listening(f.s, fx_on_drained, &f);
	assert_int_equal(f.drained, 0);		/* never from the call */
	clock_at(&f, 1);
	/* Completed (Timer J pending): not waited for. */
	assert_int_equal(f.drained, 1);
	assert_int_equal(f.s->stats.txn_open[SIP_TXN_SERVER], 1);
	fx_close(&f);
}

static void
test_txn_via_dest_ipv6_received(void **state)
{
	static const char m[] =
	    "SIP/2.0 200 OK\r\n"
	    "Via: SIP/2.0/UDP [2001:db8::1]:5070;branch=z9hG4bKv6;"
	    "received=2001:db8::9;rport=5999\r\n"
	    "From: <sip:a@x>;tag=1\r\nTo: <sip:b@x>;tag=2\r\n"
	    "Call-ID: v6\r\nCSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n";
	osip_message_t *r = NULL;
	struct sip_source src;
	struct sip__parse_err err;
	char a[NET_ADDRSTRLEN];

	(void)state;
	assert_int_equal(sip__parse(&r, m, strlen(m), false, &err), 0);
	memset(&src, 0, sizeof(src));
	if (!IS_ENABLED(CONFIG_IPV6)) {
		/* Without IPv6 such a Via has no address to answer. */
		assert_true(sip__via_dest(r, &src) < 0);
		osip_message_free(r);
		return;
	}
	assert_int_equal(sip__via_dest(r, &src), 0);
	net_addr_str((struct sockaddr *)&src.remote, a, sizeof(a));
	assert_string_equal(a, "[2001:db8::9]:5999");
	osip_message_free(r);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_txn_timer_e_doubles_to_t2_then_f),
	    cmocka_unit_test(test_txn_timer_a_doubles_then_b),
	    cmocka_unit_test(test_txn_invite_ringing_outlives_timer_b),
	    cmocka_unit_test(test_txn_cancel_without_answer_ends_invite),
	    cmocka_unit_test(test_txn_timer_e_after_provisional_is_t2),
	    cmocka_unit_test(test_txn_timer_k_after_final),
	    cmocka_unit_test(test_txn_timer_d_acks_non2xx),
	    cmocka_unit_test(test_txn_client_accepted_keeps_skeleton),
	    cmocka_unit_test(test_txn_server_invite_100_retrans_g_and_i),
	    cmocka_unit_test(test_txn_server_timer_j),
	    cmocka_unit_test(test_txn_2xx_retransmitted_until_ack),
	    cmocka_unit_test(test_txn_2xx_without_ack_times_out),
	    cmocka_unit_test(test_txn_max_transactions_503),
	    cmocka_unit_test(test_txn_max_transactions_counts_unfinished),
	    cmocka_unit_test(test_txn_rate_limit_per_source),
	    cmocka_unit_test(test_txn_drain_skips_completed),
	    cmocka_unit_test(test_txn_drain_ends_before_timer_j),
	    cmocka_unit_test(test_txn_via_dest_ipv6_received),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
