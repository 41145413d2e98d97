/* Client transactions (RFC 3261 17.1, RFC 6026): our Via and branch,
 * Timers A/B/D (INVITE), E/F/K (non-INVITE), M (Accepted), ACK for
 * non-2xx, CANCEL after a provisional (RFC 3261 9.1), synthetic 408 and
 * 503, stateless sending. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sip/internal.h"

/* RFC 3261 17.1.1.2: Timer B runs in Calling only. A ringing INVITE
 * waits for its TU to CANCEL it (the B2BUA's ring_timeout, Timer C of
 * RFC 3261 16.6, at most 3600 s); then RFC 3261 9.1 gives the final
 * 64*T1. This guard only ends one that no TU ever cancels. */
#define SIP__PROCEEDING_GUARD_MS ((3600u + 64u) * 1000u)

static bool
is_reliable(enum net_transport t)
{
	return t != NET_UDP;
}

/* Delivers resp to the TU unless it detached. */
static void
client_deliver(struct sip_txn *t, const osip_message_t *resp,
    const struct sip_source *src)
{
	if (t->cb)
		t->cb(t->cb_arg, t, resp, src);
}

static void
client_synthetic(struct sip_txn *t, int code)
{
	osip_message_t *r = NULL;

	if (!t->cb)
		return;
	if (sip__build_response(&r, t->req, code, NULL, NULL, NULL, 0) == 0)
		client_deliver(t, r, NULL);
	sip__msg_free(r);
}

/* Sends the first time and arms Timer A/E and B/F. */
static int
client_start(struct sip_txn *t)
{
	struct sip_stack *s = t->s;
	struct sip_dest d;
	uint64_t flow = 0;
	int rc;

	sip__dest_unpack(&d, &t->dest);
	rc = sip__send_txn(t, &d, d.flow != 0, &flow);
	if (rc < 0) {
		/* Reported through the callback, after we return. */
		t->failed = true;
		sip__timer_arm(s, &t->t_end, 0);
		return 0;
	}
	t->dest.flow = flow;
	t->reliable = is_reliable(t->dest.transport);
	if (!t->reliable) {
		t->retx_ms = s->cfg.t1_ms;
		sip__timer_arm(s, &t->t_retx, t->retx_ms);
	}
	sip__timer_arm(s, &t->t_end, 64u * s->cfg.t1_ms);
	return 0;
}

static int
client_new(struct sip_txn **out, struct sip_stack *s, osip_message_t *req,
    const struct sip_dest *dst, const char *branch)
{
	struct sip__key k;
	struct sip_txn *t;
	int rc;

	rc = sip__txn_key_client(&k, s, branch, req->sip_method);
	if (rc < 0)
		return rc;
	if (sip__txn_find(s, &k))
		return -EEXIST;
	rc = sip__txn_new(&t, s, MSG_IS_INVITE(req) ? SIP_TXN_CLIENT_INVITE
						   : SIP_TXN_CLIENT, &k);
	if (rc < 0)
		return rc;
	t->req = req;
	sip__dest_pack(&t->dest, dst);
	rc = sip__txn_set_wire(t, req);
	if (rc < 0) {
		t->req = NULL;
		sip__txn_terminate(t);
		return rc;
	}
	*out = t;
	return 0;
}

int
sip_request_send(struct sip_txn **out, struct sip_stack *s,
    osip_message_t *req, const struct sip_dest *dst, sip_response_cb cb,
    void *arg)
{
	char branch[SIP_BRANCH_LEN];
	struct sip__listener *l;
	struct sip_txn *t;
	int rc = -EINVAL;

	if (!req || !MSG_IS_REQUEST(req) || MSG_IS_ACK(req) ||
	    MSG_IS_CANCEL(req) || !dst || !cb || s->closing)
		goto fail;
	rc = -ENOSPC;
	if (!sip__txn_has_room(s, req))
		goto fail;
	rc = -EINVAL;
	l = sip__listener_for(s, dst->transport, dst->addr.ss_family);
	if (!l)
		goto fail;
	sip_branch_new(branch);
	rc = sip__via_add(s, req, l, dst->transport, branch);
	if (rc == 0)
		rc = client_new(&t, s, req, dst, branch);
	if (rc < 0)
		goto fail;
	t->cb = cb;
	t->cb_arg = arg;
	*out = t;
	return client_start(t);
fail:
	sip__msg_free(req);
	return rc;
}

/* RFC 3261 17.1.1.3: the ACK to a non-2xx has the INVITE's Request-URI,
 * top Via, From, Call-ID, Route, CSeq number, and the response's To. */
static void
client_ack_non2xx(struct sip_txn *t, const osip_message_t *resp)
{
	osip_message_t *a = NULL;
	char *w = NULL, cs[32];
	size_t n;

	if (osip_message_init(&a) != 0)
		return;
	osip_message_set_method(a, osip_strdup("ACK"));
	osip_message_set_version(a, osip_strdup("SIP/2.0"));
	snprintf(cs, sizeof(cs), "%s ACK", t->req->cseq->number);
	if (osip_uri_clone(t->req->req_uri, &a->req_uri) == 0 &&
	    osip_list_clone(&t->req->vias, &a->vias,
		(int (*)(void *, void **))osip_via_clone) == 0 &&
	    osip_from_clone(t->req->from, &a->from) == 0 &&
	    osip_to_clone(resp->to, &a->to) == 0 &&
	    osip_call_id_clone(t->req->call_id, &a->call_id) == 0 &&
	    osip_list_clone(&t->req->routes, &a->routes,
		(int (*)(void *, void **))osip_route_clone) == 0 &&
	    osip_message_set_cseq(a, cs) == 0 &&
	    osip_message_set_max_forwards(a, "70") == 0) {
		/* Keep only our own Via (the first). */
		while (osip_list_size(&a->vias) > 1) {
			osip_via_t *v = osip_list_get(&a->vias, 1);

			osip_list_remove(&a->vias, 1);
			osip_via_free(v);
		}
		if (sip__msg_print(a, &w, &n) == 0) {
			osip_free(t->wire);
			t->wire = w;
			t->wire_len = n;
			sip__txn_send_wire(t);
		}
	}
	sip__msg_free(a);
}

/* The end of the line at p ("\r\n"), or NULL. */
static const char *
skel_eol(const char *p, const char *end)
{
	while ((p = memchr(p, '\r', (size_t)(end - p))) != NULL) {
		if (p + 1 < end && p[1] == '\n')
			return p;
		p++;
	}
	return NULL;
}

/* From our printed request (print.c writes "Name: value" lines, the
 * canonical names): the method, Request-URI, From, To, Call-ID and CSeq
 * values, each NUL-terminated, one after the other in one block: what
 * an accepted INVITE keeps for sip_txn_request() (RFC 6026, ACK for a
 * retransmitted 2xx). NULL when one is missing or memory is short. */
char *
sip__txn_skel_text(const char *w, size_t len)
{
	static const struct {
		const char *s;
		size_t len;
	} name[] = {{"From: ", 6}, {"To: ", 4}, {"Call-ID: ", 9},
	    {"CSeq: ", 6}};
	const char *end = w + len, *eol = skel_eol(w, end), *p, *sp;
	const char *piece[6] = {NULL};
	size_t plen[6], total = 0;
	char *out, *o;

	if (!eol || !(p = memchr(w, ' ', (size_t)(eol - w))))
		return NULL;
	for (sp = eol; sp > p && *sp != ' '; sp--)
		;
	piece[0] = w, plen[0] = (size_t)(p - w);
	piece[1] = p + 1, plen[1] = (size_t)(sp - p - 1);
	for (p = eol + 2; p < end && (eol = skel_eol(p, end)) != p && eol;
	     p = eol + 2) {
		for (size_t i = 0; i < ARRAY_SIZE(name); i++) {
			size_t nl = name[i].len;

			if (p[0] == name[i].s[0] && !piece[2 + i] &&
			    (size_t)(eol - p) >= nl &&
			    memcmp(p, name[i].s, nl) == 0) {
				piece[2 + i] = p + nl;
				plen[2 + i] = (size_t)(eol - p) - nl;
			}
		}
	}
	for (size_t i = 0; i < ARRAY_SIZE(piece); i++) {
		if (!piece[i] || plen[i] == 0)
			return NULL;
		total += plen[i] + 1;
	}
	if (!(out = o = malloc(total)))
		return NULL;
	for (size_t i = 0; i < ARRAY_SIZE(piece); i++) {
		memcpy(o, piece[i], plen[i]);
		o[plen[i]] = '\0';
		o += plen[i] + 1;
	}
	return out;
}

/* The skeleton message from sip__txn_skel_text(), every part parsed by
 * libosip2 (osip_uri_parse, osip_message_set_*), on the heap. */
osip_message_t *
sip__txn_skel_parse(const char *text)
{
	const char *f[6];
	osip_message_t *k = NULL;
	struct sip__arena *prev;

	for (size_t i = 0; i < ARRAY_SIZE(f); i++) {
		f[i] = text;
		text += strlen(text) + 1;
	}
	prev = sip__arena_enter(NULL);
	if (osip_message_init(&k) == 0) {
		osip_message_set_method(k, osip_strdup(f[0]));
		osip_message_set_version(k, osip_strdup("SIP/2.0"));
		if (!k->sip_method || !k->sip_version ||
		    osip_uri_init(&k->req_uri) != 0 ||
		    osip_uri_parse(k->req_uri, f[1]) != 0 ||
		    osip_message_set_from(k, f[2]) != 0 ||
		    osip_message_set_to(k, f[3]) != 0 ||
		    osip_message_set_call_id(k, f[4]) != 0 ||
		    osip_message_set_cseq(k, f[5]) != 0) {
			osip_message_free(k);
			k = NULL;
		}
	}
	sip__arena_leave(prev);
	return k;
}

/* After the final response has been delivered a client transaction only
 * absorbs retransmissions (RFC 3261 17.1.1.2, 17.1.2.2, RFC 6026): the
 * request with its body and the request's wire bytes go now, not at
 * Timer D/K/M (up to 32 s later). Completed INVITEs keep the ACK's
 * bytes; an accepted INVITE keeps the text of a skeleton for
 * sip_txn_request(), parsed only if asked (a retransmitted 2xx), not
 * the parsed skeleton itself: a few hundred bytes in one block rather
 * than some 1.7 KiB in dozens. */
static void
client_slim(struct sip_txn *t)
{
	if (t->s->closing)
		return;		/* the TU closed the stack in its callback */
	if (t->state == SIP__ACCEPTED && t->wire)
		t->skel = sip__txn_skel_text(t->wire, t->wire_len);
	if (t->state != SIP__COMPLETED || t->kind != SIP_TXN_CLIENT_INVITE) {
		osip_free(t->wire);
		t->wire = NULL;
	}
	sip__msg_free(t->req);
	t->req = NULL;
}

static void client_cancel_send(struct sip_txn *inv);

static void
client_invite_response(struct sip_txn *t, const osip_message_t *r,
    const struct sip_source *src)
{
	struct sip_stack *s = t->s;
	int code = r->status_code;
	bool pending = t->state == SIP__TRYING || t->state == SIP__PROCEEDING;

	if (code < 200) {
		if (!pending)
			return;
		if (t->state == SIP__TRYING)	/* Timer B stops */
			sip__timer_arm(s, &t->t_end, SIP__PROCEEDING_GUARD_MS);
		t->state = SIP__PROCEEDING;
		sip__txn_settle(t);
		sip__timer_stop(s, &t->t_retx);		/* Timer A */
		if (t->cancel_wanted && !t->cancel_sent)
			client_cancel_send(t);
		client_deliver(t, r, src);
	} else if (code < 300) {
		if (pending) {
			/* RFC 6026 Accepted: Timer M = 64*T1. */
			t->state = SIP__ACCEPTED;
			sip__txn_settle(t);
			sip__txn_end_soon(t, 64u * s->cfg.t1_ms);
		} else if (t->state != SIP__ACCEPTED) {
			return;
		}
		client_deliver(t, r, src);
		if (pending)
			client_slim(t);
	} else if (pending) {
		t->state = SIP__COMPLETED;
		sip__txn_settle(t);
		client_ack_non2xx(t, r);
		/* Timer D: 32 s unreliable, zero reliable. */
		sip__txn_end_soon(t, t->reliable ? 0 : 32000);
		client_deliver(t, r, src);
		client_slim(t);
	} else if (t->state == SIP__COMPLETED) {
		s->stats.retransmissions_in++;
		sip__txn_send_wire(t);	/* the ACK again */
	}
}

static void
client_plain_response(struct sip_txn *t, const osip_message_t *r,
    const struct sip_source *src)
{
	struct sip_stack *s = t->s;

	if (t->state != SIP__TRYING && t->state != SIP__PROCEEDING) {
		s->stats.retransmissions_in++;
		return;
	}
	if (r->status_code < 200) {
		t->state = SIP__PROCEEDING;
		sip__txn_settle(t);
		client_deliver(t, r, src);
		return;
	}
	t->state = SIP__COMPLETED;
	sip__txn_settle(t);
	/* Timer K: T4 unreliable, zero reliable. */
	sip__txn_end_soon(t, t->reliable ? 0 : s->cfg.t4_ms);
	client_deliver(t, r, src);
	client_slim(t);
}

void
sip__client_response(struct sip_stack *s, osip_message_t *resp,
    const struct sip_source *src)
{
	osip_via_t *v = osip_list_get(&resp->vias, 0);
	osip_generic_param_t *br = NULL;
	struct sip__key k;
	struct sip_txn *t = NULL;

	if (v)
		osip_via_param_get_byname(v, "branch", &br);
	if (br && br->gvalue && resp->cseq->method &&
	    sip__txn_key_client(&k, s, br->gvalue, resp->cseq->method) == 0)
		t = sip__txn_find(s, &k);
	if (!t) {
		if (s->tu.on_stray_response)
			s->tu.on_stray_response(s->tu.arg, resp, src);
	} else if (t->kind == SIP_TXN_CLIENT_INVITE) {
		client_invite_response(t, resp, src);
	} else {
		client_plain_response(t, resp, src);
	}
	sip__msg_free(resp);
}

void
sip__client_timeout(struct sip_txn *t)
{
	if (t->state == SIP__TRYING || t->state == SIP__PROCEEDING) {
		/* Timer B/F (RFC 3261 17.1.1.2, 17.1.2.2) or a transport
		 * error (RFC 3261 8.1.3.1, 18.4): the TU sees 408/503. */
		t->state = SIP__TERMINATED;
		sip__txn_settle(t);
		client_synthetic(t, t->failed ? 503 : 408);
	}
	sip__txn_terminate(t);
}

void
sip__client_send_failed(struct sip_txn *t)
{
	if (t->failed ||
	    (t->state != SIP__TRYING && t->state != SIP__PROCEEDING))
		return;
	t->failed = true;
	sip__timer_stop(t->s, &t->t_retx);
	sip__timer_arm(t->s, &t->t_end, 0);
}

void
sip__client_flow_failed(struct sip_stack *s, uint64_t flow)
{
	for (struct sip_txn *t = s->all; t; t = t->all_next) {
		bool client = t->kind == SIP_TXN_CLIENT ||
		    t->kind == SIP_TXN_CLIENT_INVITE;

		if (client && t->dest.flow == flow)
			sip__client_send_failed(t);
	}
}

/* RFC 3261 9.1: the CANCEL copies the INVITE's Request-URI, top Via,
 * From, To, Call-ID, Route and CSeq number. */
static void
client_cancel_send(struct sip_txn *inv)
{
	osip_message_t *c = NULL;
	osip_via_t *v = osip_list_get(&inv->req->vias, 0), *vc = NULL;
	osip_generic_param_t *br = NULL;
	struct sip_txn *t;
	struct sip_dest d;
	char cs[32];

	inv->cancel_sent = true;
	/* RFC 3261 9.1: no final answer 64*T1 after the CANCEL, the INVITE
	 * is over (a 408 to the TU). */
	sip__timer_arm(inv->s, &inv->t_end, 64u * inv->s->cfg.t1_ms);
	osip_via_param_get_byname(v, "branch", &br);
	if (!br || osip_message_init(&c) != 0)
		return;
	osip_message_set_method(c, osip_strdup("CANCEL"));
	osip_message_set_version(c, osip_strdup("SIP/2.0"));
	snprintf(cs, sizeof(cs), "%s CANCEL", inv->req->cseq->number);
	if (osip_uri_clone(inv->req->req_uri, &c->req_uri) != 0 ||
	    osip_via_clone(v, &vc) != 0 ||
	    osip_from_clone(inv->req->from, &c->from) != 0 ||
	    osip_to_clone(inv->req->to, &c->to) != 0 ||
	    osip_call_id_clone(inv->req->call_id, &c->call_id) != 0 ||
	    osip_list_clone(&inv->req->routes, &c->routes,
		(int (*)(void *, void **))osip_route_clone) != 0 ||
	    osip_message_set_cseq(c, cs) != 0 ||
	    osip_message_set_max_forwards(c, "70") != 0) {
		osip_via_free(vc);
		osip_message_free(c);
		return;
	}
	osip_list_add(&c->vias, vc, 0);
	sip__dest_unpack(&d, &inv->dest);
	if (client_new(&t, inv->s, c, &d, br->gvalue) < 0) {
		osip_message_free(c);
		return;
	}
	client_start(t);	/* its responses are absorbed (no cb) */
}

int
sip_txn_cancel(struct sip_txn *ct)
{
	if (ct->kind != SIP_TXN_CLIENT_INVITE ||
	    (ct->state != SIP__TRYING && ct->state != SIP__PROCEEDING))
		return -EINVAL;
	if (ct->cancel_wanted)
		return 0;
	ct->cancel_wanted = true;
	if (ct->state == SIP__PROCEEDING)
		client_cancel_send(ct);
	return 0;
}

void
sip_txn_detach(struct sip_txn *ct)
{
	ct->cb = NULL;
	ct->cb_arg = NULL;
}

int
sip_send_ack(struct sip_stack *s, osip_message_t *ack,
    const struct sip_dest *dst)
{
	char branch[SIP_BRANCH_LEN];
	struct sip__listener *l;
	int rc = -EINVAL;

	if (!ack || !MSG_IS_ACK(ack) || !dst)
		goto out;
	l = sip__listener_for(s, dst->transport, dst->addr.ss_family);
	if (!l)
		goto out;
	sip_branch_new(branch);
	rc = sip__via_add(s, ack, l, dst->transport, branch);
	if (rc == 0)
		return sip_send_stateless(s, ack, dst);
out:
	sip__msg_free(ack);
	return rc;
}

int
sip_send_ack_2xx(struct sip_stack *s, const osip_message_t *invite,
    const osip_message_t *resp2xx, const struct sip_dest *dst)
{
	char branch[SIP_BRANCH_LEN];
	struct sip__listener *l;
	osip_message_t *ack = NULL;
	const char *text;
	size_t n;
	int rc;

	if (!dst)
		return -EINVAL;
	l = sip__listener_for(s, dst->transport, dst->addr.ss_family);
	sip_branch_new(branch);
	rc = l ? sip__print_ack(invite, resp2xx,
	    net_transport_sip_name(dst->transport), s->sent_by[l->index],
	    branch, &text, &n) : -ENOTSUP;
	if (rc == 0) {
		/* sip__send() copies what it cannot send at once. */
		rc = sip__send(s, dst, text, n, dst->flow != 0, NULL);
		return rc == UV_ENOTCONN ? -ENOTCONN : rc;
	}
	rc = sip_msg_new_ack(&ack, invite, resp2xx);
	return rc < 0 ? rc : sip_send_ack(s, ack, dst);
}

int
sip_send_stateless(struct sip_stack *s, osip_message_t *msg,
    const struct sip_dest *dst)
{
	struct sip_dest d;
	struct sip_source src;
	char *w = NULL;
	size_t n;
	int rc = -EINVAL;

	if (!msg || (MSG_IS_REQUEST(msg) && !dst))
		goto out;
	if (dst) {
		d = *dst;
	} else {
		/* A response without dst: back where the top Via says. */
		memset(&src, 0, sizeof(src));
		rc = sip__via_dest(msg, &src);
		if (rc < 0)
			goto out;
		rc = sip__resp_route(msg, &src, &d);
		if (rc < 0)
			goto out;
	}
	rc = sip__msg_print(msg, &w, &n);
	if (rc == 0)
		rc = sip__send(s, &d, w, n, d.flow != 0, NULL);
	if (rc == -ENOTCONN || rc == UV_ENOTCONN)
		rc = -ENOTCONN;
out:
	osip_free(w);
	sip__msg_free(msg);
	return rc;
}
