/* Server transactions (RFC 3261 17.2, RFC 6026): INVITE and non-INVITE,
 * retransmissions absorbed, 100 Trying at once, CANCEL matched and
 * answered, ACK to non-2xx absorbed, 2xx retransmitted for the TU until
 * its ACK (RFC 3261 13.3.1.4). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "sip/internal.h"

static bool
is_reliable(enum net_transport t)
{
	return t != NET_UDP;
}

/* Key of the accepted 2xx an ACK acknowledges: the dialog and CSeq. */
static int
ack_key(struct sip__key *k, const struct sip_stack *s,
    const osip_message_t *m)
{
	const char *tt = sip_msg_to_tag(m);

	if (!m->call_id || !m->call_id->number || !tt || !m->cseq)
		return -EINVAL;
	{
		const char *p[] = {m->call_id->number, tt, m->cseq->number};

		return sip__key_join(k, s, "||", p, ARRAY_SIZE(p));
	}
}

static bool
ack_key_is(const void *p, const void *key)
{
	const struct sip_txn *t = p;
	const struct sip__key *k = key;

	return strcmp(t->ack_key, k->s) == 0;
}

static struct sip_txn *
ack_find(struct sip_stack *s, const struct sip__key *k)
{
	return sip__otab_find(&s->acks, k->hash, ack_key_is, k);
}

static int
server_send(struct sip_txn *t, osip_message_t *resp)
{
	struct sip_dest d;
	int rc = sip__resp_route(resp, t->src, &d);

	if (rc == 0)
		sip__dest_pack(&t->dest, &d);
	if (rc == 0)
		rc = sip__txn_set_wire(t, resp);
	if (rc == 0)
		sip__txn_send_wire(t);
	return rc;
}

/* A 2xx to INVITE: the transaction waits in Accepted (RFC 6026) and
 * the 2xx is resent until the ACK, for 64*T1 (Timer L). */
static void
server_accept(struct sip_txn *t, osip_message_t *resp)
{
	struct sip__key k;
	struct sip_stack *s = t->s;

	t->state = SIP__ACCEPTED;
	sip__txn_settle(t);
	if (ack_key(&k, s, resp) == 0 && !ack_find(s, &k) &&
	    (t->ack_key = strdup(k.s)) != NULL) {
		if (sip__otab_insert(&s->acks, k.hash, t) == 0) {
			s->stats.acks_pending++;
		} else {
			free(t->ack_key);	/* no memory: as no key */
			t->ack_key = NULL;
		}
	}
	t->resp = resp;
	t->retx_ms = s->cfg.t1_ms;
	sip__timer_arm(s, &t->t_retx, t->retx_ms);
	sip__timer_arm(s, &t->t_end, 64u * s->cfg.t1_ms);
}

/* After the final response a server transaction only absorbs
 * retransmissions: its key and the wire bytes do that, so the parsed
 * request (libosip2: dozens of small blocks, a few KiB) and its source
 * go now rather than at Timer J/H/L, up to 32 s later. A CANCEL's
 * request and source are still handed to the TU by server_cancel(),
 * which frees them. */
static void
server_slim(struct sip_txn *t)
{
	if (MSG_IS_CANCEL(t->req))
		return;
	sip__msg_free(t->req);
	t->req = NULL;
	free(t->src);
	t->src = NULL;
}

static void
server_final(struct sip_txn *t, osip_message_t *resp, int code)
{
	struct sip_stack *s = t->s;
	bool rel = t->reliable;

	t->tu_holds = false;
	server_slim(t);
	if (t->kind == SIP_TXN_SERVER_INVITE && code < 300) {
		server_accept(t, resp);
		return;
	}
	t->state = SIP__COMPLETED;
	sip__txn_settle(t);
	if (t->kind == SIP_TXN_SERVER_INVITE) {
		/* Timer G (unreliable only) and Timer H. */
		if (!rel) {
			t->retx_ms = s->cfg.t1_ms;
			sip__timer_arm(s, &t->t_retx, t->retx_ms);
		}
		sip__timer_arm(s, &t->t_end, 64u * s->cfg.t1_ms);
	} else {
		/* Timer J: 64*T1 unreliable, zero reliable. */
		sip__txn_end_soon(t, rel ? 0 : 64u * s->cfg.t1_ms);
	}
	sip__msg_free(resp);
}

/* After resp (NULL: sent as text) went out with result rc: the
 * transaction's next state. Takes resp. */
static int
server_sent(struct sip_txn *st, osip_message_t *resp, int code, int rc)
{
	if (rc < 0 && rc != -ENOMEM && rc != -EINVAL)
		rc = 0;	/* lost on the wire: retransmissions may help */
	if (rc < 0) {
		sip__msg_free(resp);
		return rc;
	}
	st->last_code = code;
	if (code < 200) {
		st->state = SIP__PROCEEDING;
		sip__txn_settle(st);
		sip__msg_free(resp);
		return 0;
	}
	server_final(st, resp, code);
	sip__txn_check_drained(st->s);
	return 0;
}

/* Whether the TU may answer st with resp: the transaction is still
 * its, resp a response with a status code; otherwise resp is freed. */
static bool
server_reply_ok(const struct sip_txn *st, osip_message_t *resp)
{
	int code = resp ? resp->status_code : 0;

	if (resp && st->tu_holds && code >= 100 && code <= 699 &&
	    MSG_IS_RESPONSE(resp))
		return true;
	sip__msg_free(resp);
	return false;
}

int
sip_txn_reply_msg(struct sip_txn *st, osip_message_t *resp)
{
	int code;
	int rc;

	if (!server_reply_ok(st, resp))
		return -EINVAL;
	code = resp->status_code;
	if (code > 100 && resp->to && !sip_msg_to_tag(resp))
		sip_msg_to_tag_set(resp, st->tag);
	rc = server_send(st, resp);
	return server_sent(st, resp, code, rc);
}

/* A response no one keeps once sent (not a 2xx to INVITE, which waits
 * for its ACK), with no extra header: its text printed straight from
 * the request, the same bytes as built then printed (test_print_resp),
 * without a message cloned and freed. */
static int
server_reply_text(struct sip_txn *st, int code, const char *reason,
    const osip_message_t *tail)
{
	struct sip_dest d;
	char *w;
	size_t n;
	int rc = sip__response_text(&w, &n, st->req, code, reason, st->tag,
	    tail);

	if (rc < 0)
		return rc;
	if (sip__resp_route(st->req, st->src, &d) < 0) {
		osip_free(w);
		return -EINVAL;
	}
	sip__dest_pack(&st->dest, &d);
	osip_free(st->wire);
	st->wire = w;
	st->wire_len = n;
	sip__txn_send_wire(st);
	return server_sent(st, NULL, code, 0);
}

int
sip_txn_reply(struct sip_txn *st, int code, const char *reason,
    const struct sip_header *extra, size_t n_extra)
{
	osip_message_t *r = NULL;
	int rc;

	if (!st->tu_holds || code < 100 || code > 699)
		return -EINVAL;
	if (n_extra == 0 && (st->kind != SIP_TXN_SERVER_INVITE ||
	    code < 200 || code >= 300)) {
		rc = server_reply_text(st, code, reason, NULL);
		if (rc != -ENOTSUP && rc != -EINVAL)
			return rc;
	}
	rc = sip__build_response(&r, st->req, code, reason, st->tag, extra,
	    n_extra);
	if (rc < 0)
		return rc;
	return sip_txn_reply_msg(st, r);
}

void
sip__server_timeout(struct sip_txn *t)
{
	struct sip_stack *s = t->s;

	if (t->state == SIP__ACCEPTED && !t->acked) {
		/* RFC 3261 13.3.1.4: no ACK in 64*T1; the TU ends it. */
		log_warn("sip: no ACK for 2xx to INVITE %s",
		    t->resp->call_id ? t->resp->call_id->number : "?");
		if (s->tu.on_ack_timeout)
			s->tu.on_ack_timeout(s->tu.arg, t->tu_arg, t->resp);
	} else if (t->state == SIP__COMPLETED &&
	    t->kind == SIP_TXN_SERVER_INVITE) {
		log_debug("sip: Timer H: no ACK for final response");
	}
	sip__txn_terminate(t);
}

/* RFC 3261 9.2: the CANCEL is its own transaction, answered 200 when
 * it matches an INVITE still pending, 481 otherwise. */
static void
server_cancel(struct sip_stack *s, struct sip_txn *ct)
{
	struct sip__key k;
	struct sip_txn *inv = NULL;

	if (sip__txn_key_server(&k, s, ct->req, "INVITE") == 0)
		inv = sip__txn_find(s, &k);
	if (!inv || inv->kind != SIP_TXN_SERVER_INVITE) {
		sip_txn_reply(ct, 481, NULL, NULL, 0);
	} else {
		sip_txn_reply(ct, 200, NULL, NULL, 0);
		if (inv->tu_holds && s->tu.on_cancel)
			s->tu.on_cancel(s->tu.arg, inv, ct->req, ct->src);
	}
	sip__msg_free(ct->req);	/* kept by server_slim() for us */
	ct->req = NULL;
	free(ct->src);
	ct->src = NULL;
}

/* Refuses statelessly; 503 carries Retry-After (RFC 3261 21.5.4). */
static void
server_refuse(struct sip_stack *s, osip_message_t *req,
    const struct sip_source *src, int code)
{
	static const struct sip_header ra = {"Retry-After", SIP__RETRY_AFTER};

	sip__reply_stateless(s, req, src, code, NULL, &ra, 1);
	sip__msg_free(req);
}

static void
server_retransmission(struct sip_stack *s, struct sip_txn *t,
    osip_message_t *req)
{
	s->stats.retransmissions_in++;
	/* RFC 3261 17.2.1/17.2.2: the last response again; in Accepted
	 * the 2xx is resent by its own timer (RFC 6026). */
	if (t->state != SIP__ACCEPTED && t->state != SIP__CONFIRMED)
		sip__txn_send_wire(t);
	sip__msg_free(req);
}

void
sip__server_request(struct sip_stack *s, osip_message_t *req,
    const struct sip_source *src)
{
	struct sip__key k;
	struct sip_txn *t;
	bool inv = MSG_IS_INVITE(req);

	if (sip__txn_key_server(&k, s, req, req->sip_method) < 0) {
		sip__msg_free(req);
		return;
	}
	t = sip__txn_find(s, &k);
	if (t) {
		server_retransmission(s, t, req);
		return;
	}
	if (s->stopping || !sip__txn_has_room(s, req)) {
		s->stats.rejected_overload++;
		server_refuse(s, req, src, 503);
		return;
	}
	/* A CANCEL ends work, and an in-dialog request (a To tag: BYE,
	 * re-INVITE, ACK-less updates) belongs to a call already admitted:
	 * refusing a BYE for the rate left calls up on both sides after a
	 * flood (robust_overload). max_transactions' reserve bounds them. */
	if (!MSG_IS_CANCEL(req) && !sip_msg_to_tag(req) &&
	    !sip__rate_admit(s, src)) {
		s->stats.rejected_rate++;
		server_refuse(s, req, src, 503);
		return;
	}
	if (sip__txn_new(&t, s, inv ? SIP_TXN_SERVER_INVITE : SIP_TXN_SERVER,
	    &k) < 0) {
		server_refuse(s, req, src, 503);
		return;
	}
	t->src = malloc(sizeof(*t->src));
	if (!t->src) {
		sip__txn_terminate(t);
		server_refuse(s, req, src, 503);
		return;
	}
	*t->src = *src;
	t->reliable = is_reliable(src->transport);
	t->req = req;
	t->tu_holds = true;
	sip_tag_new(t->tag);
	if (MSG_IS_CANCEL(req)) {
		server_cancel(s, t);
		return;
	}
	if (inv)
		sip_txn_reply(t, 100, NULL, NULL, 0);	/* RFC 3261 17.2.1 */
	s->tu.on_request(s->tu.arg, t, req, src);
}

void
sip__server_ack(struct sip_stack *s, osip_message_t *ack,
    const struct sip_source *src)
{
	struct sip__key k;
	struct sip_txn *t = NULL;
	void *st_arg = NULL;

	if (sip__txn_key_server(&k, s, ack, "INVITE") == 0)
		t = sip__txn_find(s, &k);
	if (t && t->state == SIP__COMPLETED) {
		/* RFC 3261 17.2.1: ACK to our non-2xx; Timer I. */
		t->state = SIP__CONFIRMED;
		sip__txn_settle(t);
		/* Confirmed only absorbs ACKs (17.2.1): no more sending. */
		osip_free(t->wire);
		t->wire = NULL;
		sip__txn_end_soon(t, t->reliable ? 0 :
		    s->cfg.t4_ms);
		sip__msg_free(ack);
		return;
	}
	if (t && t->state == SIP__CONFIRMED) {
		s->stats.retransmissions_in++;
		sip__msg_free(ack);
		return;
	}
	if (ack_key(&k, s, ack) == 0 && (t = ack_find(s, &k)) != NULL) {
		st_arg = t->tu_arg;
		if (!t->acked) {
			t->acked = true;
			sip__txn_settle(t);
			s->stats.acks_pending--;
			sip__timer_stop(s, &t->t_retx);
			/* Acknowledged: the 2xx is neither resent nor reported
			 * (Timer L only absorbs retransmissions now). */
			sip__msg_free(t->resp);
			t->resp = NULL;
			osip_free(t->wire);
			t->wire = NULL;
			sip__txn_check_drained(s);
		}
	}
	if (s->tu.on_ack)
		s->tu.on_ack(s->tu.arg, st_arg, ack, src);
	sip__msg_free(ack);
}

int
sip_txn_reply_tail(struct sip_txn *st, osip_message_t *tail)
{
	int code;
	int rc;

	if (!server_reply_ok(st, tail))
		return -EINVAL;
	code = tail->status_code;
	if (st->kind != SIP_TXN_SERVER_INVITE || code < 200 || code >= 300) {
		rc = server_reply_text(st, code, tail->reason_phrase, tail);
		if (rc != -ENOTSUP && rc != -EINVAL) {
			sip__msg_free(tail);
			return rc;
		}
	}
	rc = sip__response_complete(tail, st->req);
	if (rc < 0) {
		sip__msg_free(tail);
		return rc;
	}
	return sip_txn_reply_msg(st, tail);
}
