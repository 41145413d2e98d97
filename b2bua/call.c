/* A call from its initial INVITE to its end: the A leg taken from the
 * request, the B leg opened as a new dialog, the B side's answers relayed
 * to A, CANCEL and ACK handled per leg, dead calls swept. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "b2bua/internal.h"
#include "log.h"
#include "util.h"

static void
call__reply(struct b2b_call *c, int code, const char *reason)
{
	if (!c->a_st)
		return;
	sip_txn_reply(c->a_st, code, reason, NULL, 0);
	c->a_st = NULL;
	c->a_final_sent = true;
	if (!c->status)
		c->status = (uint16_t)code;
}

/* Fills the A leg from the initial INVITE: we are its UAS (RFC 3261
 * 12.1.1: route set from Record-Route as listed, remote target from
 * Contact). -EBADMSG when a field is missing or too long. */
static int
call__leg_a(struct b2b_call *c, struct sip_txn *st, const osip_message_t *req,
            const struct sip_source *src)
{
	struct b2b_leg *a = &c->leg[B2B_LEG_A];
	osip_call_id_t *cid = osip_message_get_call_id(req);
	osip_from_t *from = osip_message_get_from(req);
	osip_to_t *to = osip_message_get_to(req);
	const char *ftag = sip_msg_from_tag(req);

	a->id = B2B_LEG_A;
	a->side = b2b__is_core(c->b2b, src) ? B2B_SIDE_CORE : B2B_SIDE_ACCESS;
	if (!from || !to || !ftag ||
	    b2b__callid_text(a->call_id, sizeof(a->call_id), cid) < 0 ||
	    ll_strlcpy(a->remote_tag, ftag, sizeof(a->remote_tag)) >=
	        sizeof(a->remote_tag))
		return -EBADMSG;
	ll_strlcpy(a->local_tag, sip_txn_local_tag(st), sizeof(a->local_tag));
	if (b2b__uri_text(a->remote_uri, sizeof(a->remote_uri), from->url) ||
	    b2b__uri_text(a->local_uri, sizeof(a->local_uri), to->url) ||
	    b2b__target_from_contact(a->target, sizeof(a->target), req) ||
	    b2b__route_from_rr(a->route, sizeof(a->route), req, false))
		return -EBADMSG;
	a->remote_cseq = a->invite_cseq = sip_msg_cseq(req);
	b2b__source_dest(&a->dest, src);
	return 0;
}

void
b2b__invite(struct b2b *b, struct sip_txn *st, const osip_message_t *req,
            const struct sip_source *src)
{
	static const struct sip_header busy[] = {{"Retry-After", "5"}};
	struct b2b_call *c;
	int rc;

	b->stats.calls_total++;
	if (b->stats.calls_active >= b->cfg.max_calls) {
		b->stats.calls_overload++;
		sip_txn_reply(st, 503, "Too Many Calls", busy, 1);
		return;
	}
	if (b2b__call_new(&c, b) < 0) {
		sip_txn_reply(st, 500, NULL, NULL, 0);
		return;
	}
	c->a_st = st;
	sip_txn_set_arg(st, b2b__call_arg(c));
	rc = call__leg_a(c, st, req, src);
	if (rc < 0) {
		call__reply(c, 400, "Bad Dialog Fields");
		b2b__call_free(c);
		return;
	}
	c->direction = c->leg[B2B_LEG_A].side == B2B_SIDE_CORE
	                   ? B2B_DIR_INCOMING
	                   : B2B_DIR_OUTGOING;
	b2b__decide(c, req, src);
}

static void call__on_b_response(void *arg, struct sip_txn *ct,
                                const osip_message_t *resp,
                                const struct sip_source *src);

/* The B INVITE toward dst with Request-URI ruri, from the B leg's
 * dialog fields: Request-URI and To as the caller sent them, SDP
 * untouched, only the safe headers, our Contact. -ELOOP when
 * Max-Forwards is spent. */
static int
call__b_invite(osip_message_t **out, struct b2b_call *c,
               const osip_message_t *req, const struct sip_dest *dst,
               const char *ruri)
{
	struct b2b_leg *l = &c->leg[B2B_LEG_B];
	const struct sip_party from = {.uri = l->local_uri,
	                               .tag = l->local_tag};
	char to[B2B_URI_MAX + 64];
	const struct sip_party tp = {.text = to}; /* printed below */
	const char *mfv = sip_msg_header_get(req, "Max-Forwards", 0);
	int rc, hops = mfv ? atoi(mfv) : 70;
	osip_message_t *m = NULL;

	if (hops <= 0)
		return -ELOOP;
	if ((c->dial[0]
	         ? b2b__print_with_user(to, sizeof(to),
	                                osip_message_get_to(req), NULL, c->dial)
	         : sip_nameaddr_print(to, sizeof(to),
	                              osip_message_get_to(req))) < 0)
		return -EBADMSG;
	rc = sip_msg_new_request_dlg(&m, "INVITE", ruri, &from, &tp, l->call_id,
	                             l->invite_cseq, (unsigned)(hops - 1));
	if (rc < 0)
		return rc;
	rc = b2b__copy_headers(m, req, b2b__req_headers);
	if (rc == 0)
		rc = b2b__copy_body(m, req);
	if (rc == 0)
		rc = b2b__contact_set(m, c->b2b, dst, c->caller);
	if (rc < 0) {
		osip_message_free(m);
		return rc;
	}
	*out = m;
	return 0;
}

/* Opens the B leg toward dst: a new dialog with our own Call-ID, tag,
 * CSeq, Via (sip/) and Contact. `from` is the From URI the far side
 * sees (the proven identity). -EBUSY when sip/ has no room for the
 * transaction (an overload), -ENOSPC when a field is too long. */
int
b2b__call_forward(struct b2b_call *c, const osip_message_t *req,
                  const struct sip_dest *dst, const char *ruri,
                  const char *from)
{
	struct b2b *b = c->b2b;
	struct b2b_leg *a = &c->leg[B2B_LEG_A], *l = &c->leg[B2B_LEG_B];
	char callid[SIP_CALLID_LEN];
	osip_message_t *m = NULL;
	int rc;

	l->id = B2B_LEG_B;
	l->side = a->side == B2B_SIDE_CORE ? B2B_SIDE_ACCESS : B2B_SIDE_CORE;
	sip_callid_new(callid, NULL);
	if (ll_strlcpy(l->call_id, callid, sizeof(l->call_id)) >=
	        sizeof(l->call_id) ||
	    ll_strlcpy(l->local_uri, from, sizeof(l->local_uri)) >=
	        sizeof(l->local_uri) ||
	    ll_strlcpy(l->target, ruri, sizeof(l->target)) >= sizeof(l->target))
		return -ENOSPC;
	sip_tag_new(l->local_tag);
	memcpy(l->remote_uri, a->local_uri, sizeof(l->remote_uri));
	if (c->dial[0] &&
	    b2b__print_with_user(l->remote_uri, sizeof(l->remote_uri), NULL,
	                         osip_message_get_to(req)->url, c->dial) < 0)
		return -ENOSPC;
	l->local_cseq = l->invite_cseq = 1;
	l->dest = *dst;
	rc = call__b_invite(&m, c, req, dst, ruri);
	if (rc < 0)
		return rc;
	c->b_late_offer = osip_list_size(&m->bodies) == 0;
	b2b__call_hash(c);
	rc = sip_request_send(&c->b_ct, b->sip, m, dst, call__on_b_response, b);
	if (rc == -ENOSPC)
		return -EBUSY; /* sip/'s transaction table is full */
	if (rc < 0)
		return rc;
	sip_txn_set_arg(c->b_ct, b2b__call_arg(c));
	c->state = B2B_CALL_TRYING;
	return 0;
}

/* One more device for the B leg opened by b2b__call_forward(): the same
 * INVITE (Call-ID, From tag, CSeq) to ruri at dst. -ENOSPC when the call
 * forks to B2B_FORK_MAX more already. */
int
b2b__call_fork(struct b2b_call *c, const osip_message_t *req,
               const struct sip_dest *dst, const char *ruri)
{
	struct b2b_fork *f;
	osip_message_t *m = NULL;
	int rc;

	if (c->n_forks >= B2B_FORK_MAX)
		return -ENOSPC;
	f = &c->fork[c->n_forks];
	rc = call__b_invite(&m, c, req, dst, ruri);
	if (rc < 0)
		return rc;
	rc = sip_request_send(&f->ct, c->b2b->sip, m, dst, call__on_b_response,
	                      c->b2b);
	if (rc < 0)
		return rc;
	sip_txn_set_arg(f->ct, b2b__call_arg(c));
	f->dest = *dst;
	c->n_forks++;
	return 0;
}

/* The B dialog as a provisional or 2xx with a To-tag sets it up (RFC
 * 3261 12.1.2: route set reversed, remote target from Contact). */
static void
call__leg_b_update(struct b2b_leg *l, const osip_message_t *resp)
{
	const char *tag = sip_msg_to_tag(resp);

	if (!tag)
		return;
	ll_strlcpy(l->remote_tag, tag, sizeof(l->remote_tag));
	b2b__target_from_contact(l->target, sizeof(l->target), resp);
	if (b2b__route_from_rr(l->route, sizeof(l->route), resp, true) < 0)
		l->route[0] = '\0';
}

/* ACKs a 2xx on B (RFC 3261 13.2.2.4): built from the INVITE and the
 * 2xx when we have them, else from the B dialog (late offer: the ACK
 * carries the answer found in A's ACK, body_from). */
static void
call__ack_b(struct b2b *b, struct b2b_call *c, struct sip_txn *ct,
            const osip_message_t *resp, const osip_message_t *body_from,
            const struct sip_source *src)
{
	osip_message_t *ack = NULL;
	struct sip_dest dst;
	int rc;

	if (ct && resp && !body_from && (c || src)) {
		/* The usual ACK: printed by sip/ from the INVITE and the
		 * 2xx, no message built. */
		if (c)
			dst = c->leg[B2B_LEG_B].dest;
		else
			b2b__source_dest(&dst, src);
		rc = sip_send_ack_2xx(b->sip, sip_txn_request(ct), resp, &dst);
		if (rc < 0)
			log_warn("b2b: call %08x: ACK not sent", c ? c->no : 0);
		return;
	}
	if (ct && resp)
		rc = sip_msg_new_ack(&ack, sip_txn_request(ct), resp);
	else if (c)
		rc = b2b__leg_request(&ack, b, &c->leg[B2B_LEG_B], "ACK",
		                      c->leg[B2B_LEG_B].invite_cseq);
	else
		return;
	if (rc < 0)
		return;
	if (!c && !src) {
		osip_message_free(ack);
		return;
	}
	if (body_from)
		b2b__copy_body(ack, body_from);
	if (c)
		dst = c->leg[B2B_LEG_B].dest;
	else if (src)
		b2b__source_dest(&dst, src);
	else
		return;
	if (sip_send_ack(b->sip, ack, &dst) < 0)
		log_warn("b2b: call %08x: ACK not sent", c ? c->no : 0);
}

static void
call__on_bye_done(void *arg, struct sip_txn *ct, const osip_message_t *resp,
                  const struct sip_source *src)
{
	(void)arg;
	(void)ct;
	(void)resp;
	(void)src;
}

/* Sends BYE on one leg, answers not awaited (the call is going). The
 * safe headers of `cause` (the BYE that ended the other leg: Reason,
 * RFC 3326) are copied when given. */
static void
call__bye(struct b2b *b, struct b2b_call *c, struct b2b_leg *l,
          const osip_message_t *cause)
{
	osip_message_t *m = NULL;
	struct sip_txn *t;

	if (!l->remote_tag[0] || !b->sip)
		return;
	if (b2b__leg_request(&m, b, l, "BYE", ++l->local_cseq) < 0)
		return;
	if (cause && b2b__copy_headers(m, cause, b2b__req_headers) < 0) {
		osip_message_free(m);
		return;
	}
	if (sip_request_send(&t, b->sip, m, &l->dest, call__on_bye_done, NULL) <
	    0)
		log_warn("b2b: call %08x: BYE not sent", c->no);
}

static void
call__answered(struct b2b *b, struct b2b_call *c, struct sip_txn *ct,
               const osip_message_t *resp)
{
	const char *se = sip_msg_header_get(resp, "Session-Expires", 0);
	osip_message_t *r = NULL;

	if (!c->b_late_offer)
		call__ack_b(b, c, ct, resp, NULL, NULL);
	if (!c->a_st || c->cancelled) {
		/* A is gone or cancelled: the 2xx crossed the CANCEL. */
		if (c->b_late_offer)
			call__ack_b(b, c, ct, resp, NULL, NULL);
		c->state = B2B_CALL_CONFIRMED;
		call__bye(b, c, &c->leg[B2B_LEG_B], NULL);
		b2b__call_finish(c);
		return;
	}
	if (b2b__response_build(&r, b, c->a_st, resp) < 0) {
		call__reply(c, 500, NULL);
		c->state = B2B_CALL_CONFIRMED;
		call__bye(b, c, &c->leg[B2B_LEG_B], NULL);
		b2b__call_finish(c);
		return;
	}
	sip_txn_set_arg(c->a_st, b2b__call_arg(c));
	sip_txn_reply_tail(c->a_st, r);
	c->a_st = NULL;
	c->a_final_sent = true;
	c->status = (uint16_t)osip_message_get_status_code(resp);
	c->state = B2B_CALL_CONFIRMED;
	c->answered = true;
	c->answer_ms = b2b__wall_ms();
	c->last_refresh_ms = ll_now_ms();
	c->session_expires = se ? (uint32_t)strtoul(se, NULL, 10) : 0;
	ll_strlcpy(c->disposition, "answered", sizeof(c->disposition));
	b->stats.calls_answered++;
	{
		struct b2b_event ev = {.kind = B2B_EV_CALL_ANSWER};

		ev.direction = c->direction;
		ev.call_id = c->no;
		ll_strlcpy(ev.caller, c->caller, sizeof(ev.caller));
		ll_strlcpy(ev.callee, c->callee, sizeof(ev.callee));
		ll_strlcpy(ev.partition, c->partition, sizeof(ev.partition));
		ev.status = c->status;
		ev.start_ms = c->start_ms;
		ev.answer_ms = c->answer_ms;
		b2b__event(b, &ev);
	}
}

static const char *
call__disposition(int code)
{
	switch (code) {
	case 486:
	case 600:
		return "busy";
	case 408:
	case 480:
	case 487:
		return "no answer";
	default:
		return "failed";
	}
}

/* RFC 3261 16.7 step 6, as far as a B2BUA needs it: a 6xx ends the
 * search; else the lowest class wins, the first of it on a tie. */
static int
call__rank(int code)
{
	return code >= 600 ? 0 : code / 100;
}

static void
call__failed(struct b2b *b, struct b2b_call *c, const osip_message_t *resp)
{
	int code = osip_message_get_status_code(resp);
	osip_message_t *r = NULL;

	if (c->fork_best && call__rank(c->fork_best) <= call__rank(code)) {
		/* An earlier branch's answer was better: its code only. */
		code = c->fork_best;
		call__reply(c, code, NULL);
	} else if (c->a_st) {
		if (b2b__response_build(&r, b, c->a_st, resp) == 0) {
			sip_txn_reply_tail(c->a_st, r);
			c->a_st = NULL;
			c->a_final_sent = true;
		} else {
			call__reply(c, 500, NULL);
		}
	}
	if (!c->status)
		c->status = (uint16_t)code;
	if (!c->disposition[0])
		ll_strlcpy(c->disposition,
		           c->cancelled ? "no answer" : call__disposition(code),
		           sizeof(c->disposition));
	b2b__call_finish(c);
}

/* The slot of B INVITE ct in c (the first or a fork), NULL when ct has
 * had its final answer already. */
static struct sip_txn **
call__branch(struct b2b_call *c, struct sip_txn *ct)
{
	if (c->b_ct == ct)
		return &c->b_ct;
	for (unsigned i = 0; i < c->n_forks; i++)
		if (c->fork[i].ct == ct)
			return &c->fork[i].ct;
	return NULL;
}

/* CANCELs every B INVITE still without a final answer (the A side
 * cancelled, or a fork won: RFC 3261 16.7 step 10 for our branches).
 * Returns how many are pending. */
static unsigned
call__cancel_pending(struct b2b_call *c)
{
	unsigned n = 0;

	if (c->b_ct && sip_txn_cancel(c->b_ct) == 0)
		n++;
	for (unsigned i = 0; i < c->n_forks; i++)
		if (c->fork[i].ct && sip_txn_cancel(c->fork[i].ct) == 0)
			n++;
	return n;
}

static bool
call__pending(const struct b2b_call *c)
{
	for (unsigned i = 0; i < c->n_forks; i++)
		if (c->fork[i].ct)
			return true;
	return c->b_ct != NULL;
}

/* A 2xx from a device that lost the race (its CANCEL crossed it): ACKed
 * and ended at once with a BYE in its own dialog (RFC 3261 15). */
static void
call__fork_loser(struct b2b *b, struct b2b_call *c, struct sip_txn *ct,
                 const osip_message_t *resp, const struct sip_source *src)
{
	struct b2b_leg lost = c->leg[B2B_LEG_B];

	call__ack_b(b, NULL, ct, resp, NULL, src);
	call__leg_b_update(&lost, resp);
	b2b__source_dest(&lost.dest, src);
	log_info("b2b: call %08x: a second device answered, BYE to it", c->no);
	call__bye(b, c, &lost, NULL);
}

/* A final answer on one B INVITE (code >= 200). */
static void
call__b_final(struct b2b *b, struct b2b_call *c, struct sip_txn *ct,
              const osip_message_t *resp, int code)
{
	struct sip_txn **slot = call__branch(c, ct);

	if (slot && slot != &c->b_ct && code < 300) {
		struct b2b_fork *f = container_of(slot, struct b2b_fork, ct);

		c->leg[B2B_LEG_B].dest = f->dest; /* the device that won */
	}
	if (slot)
		*slot = NULL; /* over once this callback returns */
	if (code < 300) {
		c->b_final = true;
		call__cancel_pending(c);
		call__leg_b_update(&c->leg[B2B_LEG_B], resp);
		call__answered(b, c, ct, resp);
		return;
	}
	if (c->b_final)
		return; /* a cancelled device's 487 */
	if (call__pending(c)) {
		/* Other devices still ring: keep the best answer. */
		if (!c->fork_best ||
		    call__rank(code) < call__rank(c->fork_best))
			c->fork_best = (uint16_t)code;
		return;
	}
	c->b_final = true;
	call__failed(b, c, resp);
}

/* Every answer to a B INVITE. arg is the room, not the call: a 2xx
 * retransmission may come after the call is gone (RFC 6026 Accepted), and
 * is still ACKed. The call is found by the response's Call-ID. */
static void
call__on_b_response(void *arg, struct sip_txn *ct, const osip_message_t *resp,
                    const struct sip_source *src)
{
	struct b2b *b = arg;
	int code = osip_message_get_status_code(resp);
	struct b2b_leg *l = NULL;
	/* RFC 3261 17.1.3 matched the response by its branch: the Call-ID
	 * and From tag are the peer's to get wrong. The transaction names
	 * its call (every B INVITE and fork is given its call's number),
	 * which must see the final: else the call would keep a transaction
	 * sip/ frees after this returns. Its number, not a Call-ID hash
	 * walk, finds it (a cache miss per response at scale). */
	struct b2b_call *c = b2b__arg_call(b, sip_txn_get_arg(ct));

	if (c)
		l = &c->leg[B2B_LEG_B];
	if (c && c->b_final && code >= 200 && code < 300) {
		const char *tag = sip_msg_to_tag(resp);

		if (tag && strcmp(tag, l->remote_tag) != 0)
			call__fork_loser(b, c, ct, resp, src);
		else /* retransmission */
			call__ack_b(b, c, ct, resp, NULL, NULL);
		return;
	}
	if (!c) {
		if (code >= 200 && code < 300)
			call__ack_b(b, NULL, ct, resp, NULL, src);
		return;
	}
	if (code >= 200) {
		call__b_final(b, c, ct, resp, code);
		return;
	}
	/* A device that lost the race may still ring: the dialog is the
	 * winner's now. */
	if (code == 100 || c->b_final)
		return;
	call__leg_b_update(&c->leg[B2B_LEG_B], resp);
	if (sip_msg_to_tag(resp))
		c->state = B2B_CALL_EARLY;
	if (c->a_st && !c->cancelled) {
		osip_message_t *r = NULL;

		if (b2b__response_build(&r, b, c->a_st, resp) == 0)
			sip_txn_reply_tail(c->a_st, r);
	}
}

/* The ACK for our 2xx on A. With a late offer (RFC 3264: INVITE without
 * SDP) the answer is in this ACK and goes to B in B's ACK. */
void
b2b__call_ack(struct b2b *b, struct b2b_call *c, const osip_message_t *ack)
{
	if (c->b_late_offer && !c->b_acked && c->state == B2B_CALL_CONFIRMED) {
		c->b_acked = true;
		call__ack_b(b, c, NULL, NULL, ack, NULL);
	}
}

void
b2b__call_cancel(struct b2b *b, struct b2b_call *c)
{
	(void)b;
	c->cancelled = true;
	ll_strlcpy(c->disposition, "no answer", sizeof(c->disposition));
	call__reply(c, 487, NULL);
	c->status = 487;
	/* RFC 3261 9.1: the B INVITEs' 487s (or a crossing 2xx, then BYE)
	 * end the call in call__b_final. */
	if (!c->b_final && call__cancel_pending(c) > 0)
		return;
	if (c->state != B2B_CALL_DECIDING)
		b2b__call_finish(c);
}

/* Ends c now from inside linelock (timeout, no ACK, shutdown): BYE on
 * confirmed legs, CANCEL on a pending B INVITE, a final answer on A. */
void
b2b__call_end(struct b2b_call *c, const char *why)
{
	struct b2b *b = c->b2b;

	if (c->is_subscription) {
		/* No BYE for a subscription: it just lapses (RFC 6665). */
		b2b__call_free(c);
		return;
	}
	log_info("b2b: call %08x: ending (%s)", c->no, why);
	if (!c->disposition[0])
		ll_strlcpy(c->disposition, why, sizeof(c->disposition));
	if (c->state == B2B_CALL_CONFIRMED) {
		call__bye(b, c, &c->leg[B2B_LEG_A], NULL);
		call__bye(b, c, &c->leg[B2B_LEG_B], NULL);
	} else if (!c->b_final) {
		call__cancel_pending(c);
	}
	call__reply(c, 408, why);
	b2b__call_finish(c);
}

/* A BYE ended leg `from` of confirmed call c (dialog.c answered it):
 * our BYE on the other leg, then the record and the end. */
void
b2b__call_hangup(struct b2b_call *c, const struct b2b_leg *from,
                 const osip_message_t *bye)
{
	struct b2b_leg *other =
	    &c->leg[from->id == B2B_LEG_A ? B2B_LEG_B : B2B_LEG_A];

	call__bye(c->b2b, c, other, bye);
	b2b__call_finish(c);
}

/* The call is over: record, tell, free. A re-INVITE still waiting
 * gets 487 (RFC 3261 15.1.2): nothing else would answer it. */
void
b2b__call_finish(struct b2b_call *c)
{
	if (c->reinvite_st) {
		sip_txn_set_arg(c->reinvite_st, NULL);
		sip_txn_reply(c->reinvite_st, 487, NULL, NULL, 0);
		c->reinvite_st = NULL;
	}
	c->end_ms = b2b__wall_ms();
	b2b__cdr(c);
	b2b__call_free(c);
}

void
b2b__calls_sweep(struct b2b *b, uint64_t now)
{
	struct b2b_call *c = b->calls, *next;

	for (; c; c = next) {
		uint64_t age = now - c->last_refresh_ms;

		next = c->next;
		if (c->state == B2B_CALL_TRYING || c->state == B2B_CALL_EARLY) {
			if (age > (uint64_t)b->cfg.ring_timeout * 1000u)
				b2b__call_end(c, "ring timeout");
		} else if (c->state == B2B_CALL_CONFIRMED) {
			/* A relayed re-INVITE rings no longer than a call
			 * may (RFC 3261 16.6 Timer C, 9.1): its answer,
			 * 487 or 408, goes back as usual. */
			if (c->reinvite_ct &&
			    now - c->reinvite_ms >
			        (uint64_t)b->cfg.ring_timeout * 1000u)
				sip_txn_cancel(c->reinvite_ct);
			/* RFC 4028 10: no refresh within the interval
			 * means the session is dead. */
			if (c->session_expires &&
			    age > (uint64_t)c->session_expires * 1000u)
				b2b__call_end(c, "session expired");
			else if (b2b__wall_ms() - c->answer_ms >
			         (uint64_t)b->cfg.call_timeout * 1000u)
				b2b__call_end(c, "call timeout");
		}
	}
}
