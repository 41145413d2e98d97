/* Requests inside a dialog (RFC 3261 12.2): found by Call-ID and our tag,
 * rebuilt on the other leg with that leg's own Call-ID, tags, CSeq, route
 * set and target, the safe headers and the body untouched. re-INVITE and
 * UPDATE (hold/resume, session refresh), INFO, REFER, NOTIFY, MESSAGE,
 * PRACK, BYE. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "b2bua/internal.h"
#include "log.h"
#include "util.h"

static int
dialog__callid(char *buf, size_t len, const osip_message_t *m)
{
	return b2b__callid_text(buf, len, osip_message_get_call_id(m));
}

/* The leg a message belongs to: its Call-ID and the tag that is ours in
 * it (the To-tag of a request we receive, the From-tag of a response). */
static struct b2b_leg *
dialog__find(struct b2b *b, const osip_message_t *m, const char *our_tag)
{
	char callid[B2B_CALLID_MAX + 2];

	if (!our_tag || dialog__callid(callid, sizeof(callid), m) < 0)
		return NULL;
	return b2b__leg_by_callid(b, callid, our_tag);
}

/* RFC 3262 7.2: RAck names the provisional's RSeq and the INVITE's CSeq
 * on its own leg; B's INVITE CSeq differs from A's. */
static int
dialog__rack(osip_message_t *m, const osip_message_t *req,
             const struct b2b_leg *to)
{
	const char *rack = sip_msg_header_get(req, "RAck", 0);
	char v[48];
	unsigned long rseq;

	if (!rack)
		return 0;
	rseq = strtoul(rack, NULL, 10);
	snprintf(v, sizeof(v), "%lu %u INVITE", rseq, to->invite_cseq);
	return sip_msg_header_set(m, "RAck", v);
}

static void dialog__on_reinvite_response(void *arg, struct sip_txn *ct,
                                         const osip_message_t *resp,
                                         const struct sip_source *src);

/* A subscription ends with a NOTIFY saying "terminated" or a SUBSCRIBE
 * with Expires 0 (RFC 6665 4.1.2.3, 4.2.2). */
static bool
dialog__sub_over(const osip_message_t *req)
{
	const char *v;

	if (!req)
		return false;
	if (sip_msg_is_method(req, "NOTIFY")) {
		v = sip_msg_header_get(req, "Subscription-State", 0);
		return v && strncasecmp(v, "terminated", 10) == 0;
	}
	if (sip_msg_is_method(req, "SUBSCRIBE")) {
		v = sip_msg_header_get(req, "Expires", 0);
		return v && strtoul(v, NULL, 10) == 0;
	}
	return false;
}

static void
dialog__on_response(void *arg, struct sip_txn *ct, const osip_message_t *resp,
                    const struct sip_source *src)
{
	struct b2b_relay *r = arg;
	struct b2b *b = r->b2b;
	int code = osip_message_get_status_code(resp);
	struct b2b_call *c;

	(void)ct;
	(void)src;
	if (code < 200)
		return;
	b2b__relay_answer(r, resp);
	c = r->call_no ? b2b__call_by_no(b, r->call_no) : NULL;
	if (c && c->is_subscription &&
	    (code >= 300 || dialog__sub_over(sip_txn_request(ct))))
		b2b__call_free(c);
	b2b__relay_free(r);
}

/* Sends req's copy on leg `to`. INVITE's answers come to the room (a 2xx
 * may be retransmitted after the relay is over; *inv_ct is the
 * transaction), others to a relay. */
static int
dialog__send(struct b2b *b, struct b2b_leg *to, const osip_message_t *req,
             struct b2b_relay *r, struct sip_txn **inv_ct)
{
	const char *method = sip_msg_method(req);
	bool invite = sip_msg_is_method(req, "INVITE");
	osip_message_t *m = NULL;
	int rc;

	rc = b2b__leg_request(&m, b, to, method, ++to->local_cseq);
	if (rc < 0)
		return rc;
	rc = b2b__copy_headers(m, req, b2b__req_headers);
	if (rc == 0)
		rc = b2b__copy_body(m, req);
	if (rc == 0 && sip_msg_is_method(req, "PRACK"))
		rc = dialog__rack(m, req, to);
	if (rc < 0) {
		osip_message_free(m);
		return rc;
	}
	if (invite)
		return sip_request_send(inv_ct, b->sip, m, &to->dest,
		                        dialog__on_reinvite_response, b);
	return b2b__relay_send(r, m, &to->dest, dialog__on_response);
}

/* RFC 3261 15.1.2: a BYE ends its dialog whatever the other side says,
 * so it is answered here at once and the other leg gets our own BYE,
 * its answer not awaited (15.1.1: the session ends when the BYE is
 * sent). Relaying the BYE and waiting held the phone's transaction for
 * the far side's Timer F and then Timer J (64 s on UDP) when the PBX
 * had forgotten the call, and the call with it: after a flood hundreds
 * of them outlived the drain (robust_overload). */
static void
dialog__bye(struct b2b_call *c, struct b2b_leg *from, struct sip_txn *st,
            const osip_message_t *req)
{
	/* Our BYE copies req's headers: before the reply, which ends st
	 * and frees req (sip/ keeps no finished request). */
	if (c->state == B2B_CALL_CONFIRMED)
		b2b__call_hangup(c, from, req);
	else
		b2b__call_end(c, "BYE early");
	sip_txn_reply(st, 200, NULL, NULL, 0);
}

static void
dialog__refresh(struct b2b_leg *from, struct b2b_call *c,
                const osip_message_t *req)
{
	if (sip_msg_is_method(req, "INVITE") ||
	    sip_msg_is_method(req, "UPDATE")) {
		/* A target refresh (RFC 3261 12.2.2) and a session
		 * refresh (RFC 4028). */
		b2b__target_from_contact(from->target, sizeof(from->target),
		                         req);
		c->last_refresh_ms = ll_now_ms();
	} else if (c->is_subscription && sip_msg_is_method(req, "SUBSCRIBE")) {
		const char *e = sip_msg_header_get(req, "Expires", 0);

		c->last_refresh_ms = ll_now_ms();
		if (e)
			c->session_expires =
			    (uint32_t)strtoul(e, NULL, 10) + 32;
	}
}

void
b2b__in_dialog(struct b2b *b, struct sip_txn *st, const osip_message_t *req,
               const struct sip_source *src)
{
	struct b2b_leg *from = dialog__find(b, req, sip_msg_to_tag(req));
	struct b2b_relay *r = NULL;
	struct b2b_call *c;
	struct b2b_leg *to;
	uint32_t cseq = sip_msg_cseq(req);

	(void)src;
	if (!from) {
		sip_txn_reply(st, 481, NULL, NULL, 0);
		return;
	}
	c = b2b__leg_call(from);
	to = &c->leg[from->id == B2B_LEG_A ? B2B_LEG_B : B2B_LEG_A];
	if (from->remote_cseq && cseq < from->remote_cseq &&
	    !sip_msg_is_method(req, "PRACK")) {
		/* RFC 3261 12.2.2: lower CSeq than the last is refused. */
		sip_txn_reply(st, 500, "CSeq Out Of Order", NULL, 0);
		return;
	}
	from->remote_cseq = cseq;
	if (sip_msg_is_method(req, "BYE")) {
		dialog__bye(c, from, st, req);
		return;
	}
	if (sip_msg_is_method(req, "INVITE")) {
		if (c->reinvite_st || c->state != B2B_CALL_CONFIRMED) {
			/* RFC 3261 14.2: an INVITE while one is pending. */
			static const struct sip_header ra[] = {
			    {"Retry-After", "1"}};
			sip_txn_reply(st, 491, NULL, ra, 1);
			return;
		}
		c->reinvite_st = st;
		sip_txn_set_arg(st, b2b__call_arg(c));
	} else if (b2b__relay_new(&r, b, st) < 0) {
		sip_txn_reply(st, 500, NULL, NULL, 0);
		return;
	}
	dialog__refresh(from, c, req);
	if (r) {
		r->call_no = c->no;
		r->from = from->id;
	}
	if (dialog__send(b, to, req, r, &c->reinvite_ct) < 0) {
		log_warn("b2b: call %08x: %s not relayed", c->no,
		         sip_msg_method(req));
		if (r) {
			sip_txn_reply(st, 500, NULL, NULL, 0);
			r->st = NULL;
			b2b__relay_free(r);
		} else {
			c->reinvite_st = NULL;
			sip_txn_reply(st, 500, NULL, NULL, 0);
		}
	} else if (!r) {
		/* The transaction names its call (its answer may carry a
		 * wrong tag) and the sweep bounds its ringing. */
		sip_txn_set_arg(c->reinvite_ct, b2b__call_arg(c));
		c->reinvite_ms = ll_now_ms();
	}
}

/* Answers to a relayed re-INVITE, found by Call-ID and our From-tag.
 * Every 2xx is ACKed on its own leg (RFC 3261 13.2.2.4); the first goes
 * back to the leg that asked. */
static void
dialog__on_reinvite_response(void *arg, struct sip_txn *ct,
                             const osip_message_t *resp,
                             const struct sip_source *src)
{
	struct b2b *b = arg;
	int code = osip_message_get_status_code(resp);
	struct b2b_leg *l = dialog__find(b, resp, sip_msg_from_tag(resp));
	struct b2b_call *c = l ? b2b__leg_call(l) : NULL;
	osip_message_t *r = NULL;

	if (code >= 200 && code < 300) {
		osip_message_t *ack = NULL;
		struct sip_dest dst;

		if (l)
			dst = l->dest;
		else if (src)
			b2b__source_dest(&dst, src);
		else
			return;
		if (sip_msg_new_ack(&ack, sip_txn_request(ct), resp) == 0)
			sip_send_ack(b->sip, ack, &dst);
		if (l)
			b2b__target_from_contact(l->target, sizeof(l->target),
			                         resp);
	}
	if (!c)
		c = b2b__arg_call(b, sip_txn_get_arg(ct));
	if (c && code >= 200 && c->reinvite_ct == ct)
		c->reinvite_ct = NULL;
	if (!c || !c->reinvite_st || code == 100)
		return;
	if (b2b__response_build(&r, b, c->reinvite_st, resp) == 0)
		sip_txn_reply_tail(c->reinvite_st, r);
	else if (code >= 200)
		sip_txn_reply(c->reinvite_st, 500, NULL, NULL, 0);
	if (code >= 200)
		c->reinvite_st = NULL;
}
