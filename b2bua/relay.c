/* Relayed transactions: a server transaction waiting for the answer of a
 * client transaction on the other side. Out-of-dialog MESSAGE, NOTIFY
 * (MWI, RFC 3842), PUBLISH and REFER are relayed one transaction each;
 * SUBSCRIBE (BLF dialog, MWI) makes a dialog pair like a call so that its
 * NOTIFYs follow in dialog. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "b2bua/internal.h"
#include "log.h"
#include "util.h"

int
b2b__relay_new(struct b2b_relay **out, struct b2b *b, struct sip_txn *st)
{
	struct b2b_relay *r = calloc(1, sizeof(*r));

	if (!r)
		return -ENOMEM;
	r->b2b = b;
	r->st = st;
	sip_txn_set_arg(st, r);
	r->next = b->relays;
	if (b->relays)
		b->relays->prev = r;
	b->relays = r;
	b->stats.pending++;
	*out = r;
	return 0;
}

int
b2b__relay_send(struct b2b_relay *r, osip_message_t *m,
                const struct sip_dest *dst, sip_response_cb cb)
{
	struct sip_txn *ct;
	int rc = sip_request_send(&ct, r->b2b->sip, m, dst, cb, r);

	if (rc == 0)
		r->ct = ct;
	return rc;
}

void
b2b__relay_free(struct b2b_relay *r)
{
	struct b2b *b = r->b2b;

	if (r->st) {
		sip_txn_set_arg(r->st, NULL);
		sip_txn_reply(r->st, 500, NULL, NULL, 0);
	}
	if (r->prev)
		r->prev->next = r->next;
	else
		b->relays = r->next;
	if (r->next)
		r->next->prev = r->prev;
	b->stats.pending--;
	free(r->pending);
	free(r);
}

void
b2b__relays_free(struct b2b *b)
{
	while (b->relays) {
		struct b2b_relay *r = b->relays;

		/* sip/ would otherwise call back into freed memory, or
		 * end the transaction silently and leak r (LeakSanitizer
		 * in torture: REGISTERs still waiting for the core). */
		if (r->ct)
			sip_txn_detach(r->ct);
		r->ct = NULL;
		b2b__relay_free(r);
	}
}

/* Answers r's server transaction with what resp says. */
void
b2b__relay_answer(struct b2b_relay *r, const osip_message_t *resp)
{
	osip_message_t *m = NULL;

	if (!r->st)
		return;
	if (b2b__response_build(&m, r->b2b, r->st, resp) == 0)
		sip_txn_reply_tail(r->st, m);
	else
		sip_txn_reply(r->st, 500, NULL, NULL, 0);
	sip_txn_set_arg(r->st, NULL);
	r->st = NULL;
}

static void
relay__on_response(void *arg, struct sip_txn *ct, const osip_message_t *resp,
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
	c = r->call_no ? b2b__call_by_no(b, r->call_no) : NULL;
	if (c && code < 300) {
		/* SUBSCRIBE accepted: the B dialog is up (RFC 6665 4.1.2). */
		struct b2b_leg *l = &c->leg[B2B_LEG_B];
		const char *tag = sip_msg_to_tag(resp);
		const char *exp = sip_msg_header_get(resp, "Expires", 0);

		if (tag)
			ll_strlcpy(l->remote_tag, tag, sizeof(l->remote_tag));
		b2b__target_from_contact(l->target, sizeof(l->target), resp);
		if (b2b__route_from_rr(l->route, sizeof(l->route), resp, true) <
		    0)
			l->route[0] = '\0';
		c->state = B2B_CALL_CONFIRMED;
		c->answer_ms = b2b__wall_ms();
		c->last_refresh_ms = ll_now_ms();
		c->session_expires =
		    exp ? (uint32_t)strtoul(exp, NULL, 10) : 3600;
	}
	b2b__relay_answer(r, resp);
	if (c && code >= 300)
		b2b__call_free(c);
	b2b__relay_free(r);
}

/* Where an out-of-dialog request goes. From the core: the device named
 * by the Request-URI (a binding token, else an AOR user part). From the
 * access side: the core, Request-URI kept, From the proven identity. */
static int
relay__route(struct b2b *b, const osip_message_t *req,
             const struct sip_source *src, struct sip_dest *dst, char *ruri,
             size_t rlen, char *from, size_t flen, char *id, size_t idlen)
{
	osip_uri_t *u = osip_message_get_uri(req);
	osip_from_t *f = osip_message_get_from(req);
	struct b2b_binding *bd = NULL;
	char user[B2B_ID_MAX];

	if (!u || !f || b2b__uri_text(from, flen, f->url) < 0)
		return -EBADMSG;
	if (b2b__is_core(b, src)) {
		if (b2b__uri_user(user, sizeof(user), u) < 0)
			return -ENOENT;
		bd = b2b__binding_by_token(b, user);
		if (!bd) {
			char part[STORE_PARTITION_MAX];

			b2b__partition_core(b, part, req);
			bd = b2b__binding_by_user(b, part, user);
		}
		if (!bd)
			return -ENOENT;
		*dst = bd->dest;
		ll_strlcpy(id, bd->user, idlen);
		return ll_strlcpy(ruri, bd->contact, rlen) >= rlen ? -ENOSPC
		                                                   : 0;
	}
	if (b2b__identify(b, req, src, id, idlen, &bd) < 0)
		return -EACCES;
	if (bd && ll_strlcpy(from, bd->aor, flen) >= flen)
		return -ENOSPC;
	b2b__core_dest(b, src->remote.ss_family, dst);
	return b2b__uri_text(ruri, rlen, u);
}

static void
relay__fail(struct sip_txn *st, int rc)
{
	if (rc == -ENOENT)
		sip_txn_reply(st, 404, NULL, NULL, 0);
	else if (rc == -EACCES)
		sip_txn_reply(st, 403, "Unknown Device", NULL, 0);
	else if (rc == -EBADMSG)
		sip_txn_reply(st, 400, NULL, NULL, 0);
	else
		sip_txn_reply(st, 500, NULL, NULL, 0);
}

/* A SUBSCRIBE makes a dialog on both sides: kept as a call (no CDR). */
static int
relay__subscription(struct b2b_call **out, struct b2b *b, struct sip_txn *st,
                    const osip_message_t *req, const struct sip_source *src,
                    const char *callid, const char *from)
{
	struct b2b_call *c;
	struct b2b_leg *a, *l;
	osip_from_t *f = osip_message_get_from(req);
	osip_to_t *to = osip_message_get_to(req);
	int rc;

	rc = b2b__call_new(&c, b);
	if (rc < 0)
		return rc;
	c->is_subscription = true;
	a = &c->leg[B2B_LEG_A];
	l = &c->leg[B2B_LEG_B];
	a->id = B2B_LEG_A;
	l->id = B2B_LEG_B;
	a->side = b2b__is_core(b, src) ? B2B_SIDE_CORE : B2B_SIDE_ACCESS;
	l->side = a->side == B2B_SIDE_CORE ? B2B_SIDE_ACCESS : B2B_SIDE_CORE;
	ll_strlcpy(a->local_tag, sip_txn_local_tag(st), sizeof(a->local_tag));
	if (ll_strlcpy(a->call_id,
	               sip_msg_header_get(req, "Call-ID", 0)
	                   ? sip_msg_header_get(req, "Call-ID", 0)
	                   : "",
	               sizeof(a->call_id)) >= sizeof(a->call_id) ||
	    !sip_msg_from_tag(req) ||
	    ll_strlcpy(a->remote_tag, sip_msg_from_tag(req),
	               sizeof(a->remote_tag)) >= sizeof(a->remote_tag) ||
	    b2b__uri_text(a->remote_uri, sizeof(a->remote_uri), f->url) ||
	    b2b__uri_text(a->local_uri, sizeof(a->local_uri), to->url) ||
	    b2b__target_from_contact(a->target, sizeof(a->target), req) ||
	    b2b__route_from_rr(a->route, sizeof(a->route), req, false)) {
		b2b__call_free(c);
		return -EBADMSG;
	}
	a->remote_cseq = sip_msg_cseq(req);
	b2b__source_dest(&a->dest, src);
	ll_strlcpy(l->call_id, callid, sizeof(l->call_id));
	ll_strlcpy(l->local_uri, from, sizeof(l->local_uri));
	memcpy(l->remote_uri, a->local_uri, sizeof(l->remote_uri));
	l->local_cseq = 1;
	c->state = B2B_CALL_TRYING;
	*out = c;
	return 0;
}

void
b2b__relay_ood(struct b2b *b, struct sip_txn *st, const osip_message_t *req,
               const struct sip_source *src)
{
	char ruri[B2B_TARGET_MAX], from[B2B_URI_MAX], id[B2B_ID_MAX];
	char fromhdr[B2B_URI_MAX + B2B_TAG_MAX + 8], to[B2B_URI_MAX + 64];
	char callid[SIP_CALLID_LEN], tag[SIP_TAG_LEN];
	struct b2b_call *c = NULL;
	struct b2b_relay *r = NULL;
	osip_message_t *m = NULL;
	struct sip_dest dst;
	int rc;

	rc = relay__route(b, req, src, &dst, ruri, sizeof(ruri), from,
	                  sizeof(from), id, sizeof(id));
	if (rc < 0)
		return relay__fail(st, rc);
	sip_callid_new(callid, NULL);
	sip_tag_new(tag);
	snprintf(fromhdr, sizeof(fromhdr), "<%s>;tag=%s", from, tag);
	if (sip_nameaddr_print(to, sizeof(to), osip_message_get_to(req)) < 0)
		return relay__fail(st, -EBADMSG);
	if (sip_msg_is_method(req, "SUBSCRIBE")) {
		rc = relay__subscription(&c, b, st, req, src, callid, from);
		if (rc < 0)
			return relay__fail(st, rc);
		ll_strlcpy(c->leg[B2B_LEG_B].local_tag, tag, SIP_TAG_LEN);
		c->leg[B2B_LEG_B].dest = dst;
		ll_strlcpy(c->leg[B2B_LEG_B].target, ruri, B2B_TARGET_MAX);
		b2b__call_hash(c);
	}
	rc = sip_msg_new_request(&m, sip_msg_method(req), ruri, fromhdr, to,
	                         callid, 1);
	if (rc == 0)
		rc = b2b__copy_headers(m, req, b2b__req_headers);
	if (rc == 0)
		rc = b2b__copy_body(m, req);
	if (rc == 0 && (c || sip_msg_is_method(req, "REFER")))
		rc = b2b__contact_set(m, b, &dst, NULL);
	if (rc == 0)
		rc = b2b__relay_new(&r, b, st);
	if (rc < 0) {
		osip_message_free(m);
		if (c)
			b2b__call_free(c);
		return relay__fail(st, rc);
	}
	r->call_no = c ? c->no : 0;
	rc = b2b__relay_send(r, m, &dst, relay__on_response);
	if (rc < 0) {
		log_warn("b2b: %s for %s not relayed: %d", sip_msg_method(req),
		         id, rc);
		if (c)
			b2b__call_free(c);
		b2b__relay_free(r);
	}
}
