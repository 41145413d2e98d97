/* The transaction table (RFC 3261 17.2.3 matching through a hash, never
 * a list walk) and what every transaction shares: creation, the wire
 * copy it retransmits, termination and the close of the stack. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "sip/internal.h"

int
sip__key_join(struct sip__key *k, const struct sip_stack *s,
    const char *sep, const char *const *part, size_t n)
{
	size_t len = 0;

	for (size_t i = 0; i < n; i++) {
		size_t pl = part[i] ? strlen(part[i]) : 0;

		/* The part and its separator, with room for the NUL. */
		if (pl + (i + 1 < n) >= sizeof(k->s) - len)
			return -ENOSPC;
		if (pl)		/* a NULL part: nothing to copy from */
			memcpy(k->s + len, part[i], pl);
		len += pl;
		if (i + 1 < n)
			k->s[len++] = sep[i];
	}
	k->s[len] = '\0';
	k->len = len;
	k->hash = sip__hash(k->s, len, s->hash_seed);
	return 0;
}

/* RFC 3261 17.2.3: branch (with the magic cookie), sent-by and method,
 * ACK matching INVITE. A branch without the cookie is an RFC 2543
 * client: Call-ID, From-tag, CSeq number and sent-by stand in for it. */
int
sip__txn_key_server(struct sip__key *k, const struct sip_stack *s,
    const osip_message_t *m, const char *method)
{
	osip_via_t *v = osip_list_get(&m->vias, 0);
	osip_generic_param_t *br = NULL;

	if (!v || !v->host)
		return -EINVAL;
	osip_via_param_get_byname(v, "branch", &br);
	if (br && br->gvalue && strncmp(br->gvalue, "z9hG4bK", 7) == 0 &&
	    br->gvalue[7]) {
		const char *p[] = {"s", br->gvalue, v->host, v->port, method};

		return sip__key_join(k, s, "||:|", p, ARRAY_SIZE(p));
	} else {
		const char *p[] = {"2",
		    m->call_id ? m->call_id->number : NULL,
		    sip_msg_from_tag(m), m->cseq ? m->cseq->number : NULL,
		    v->host, v->port, method};

		return sip__key_join(k, s, "||||:|", p, ARRAY_SIZE(p));
	}
}

int
sip__txn_key_client(struct sip__key *k, const struct sip_stack *s,
    const char *branch, const char *method)
{
	const char *p[] = {"c", branch, method};

	return sip__key_join(k, s, "||", p, ARRAY_SIZE(p));
}

static bool
txn_key_is(const void *p, const void *key)
{
	const struct sip_txn *t = p;
	const struct sip__key *k = key;

	return t->key_len == k->len && memcmp(t->key, k->s, k->len) == 0;
}

struct sip_txn *
sip__txn_find(struct sip_stack *s, const struct sip__key *k)
{
	return sip__otab_find(&s->txns, k->hash, txn_key_is, k);
}

bool
sip__txn_has_room(const struct sip_stack *s, const osip_message_t *req)
{
	uint32_t max = s->cfg.max_transactions;

	if (MSG_IS_CANCEL(req) || sip_msg_to_tag(req))
		max += max / 8;
	return s->txns.n - s->n_done < max;
}

static void txn_on_retx(struct sip__timer *tm);
static void txn_on_end(struct sip__timer *tm);

int
sip__txn_new(struct sip_txn **out, struct sip_stack *s,
    enum sip_txn_kind kind, const struct sip__key *k)
{
	struct sip_txn *t = calloc(1, sizeof(*t) + k->len + 1);

	if (!t)
		return -ENOMEM;
	t->s = s;
	t->kind = kind;
	memcpy(t->key, k->s, k->len + 1);
	t->key_len = (uint16_t)k->len;
	t->hash_lo = (uint32_t)k->hash;
	sip__timer_init(&t->t_retx, txn_on_retx);
	sip__timer_init(&t->t_end, txn_on_end);
	if (sip__otab_insert(&s->txns, k->hash, t) < 0) {
		free(t);
		return -ENOMEM;
	}
	t->all_next = s->all;
	if (s->all)
		s->all->all_prev = t;
	s->all = t;
	s->stats.txn_open[kind]++;
	if (s->txns.n > s->txn_peak)
		s->txn_peak = s->txns.n;
	if (!sip__timer_is_armed(&s->sweep_timer) && !s->closing)
		sip__timer_arm(s, &s->sweep_timer, SIP__SWEEP_MS);
	*out = t;
	return 0;
}

unsigned
sip__txn_count(const struct sip_stack *s)
{
	return s->txns.n;
}

static bool
txn_is_client(const struct sip_txn *t)
{
	return t->kind == SIP_TXN_CLIENT || t->kind == SIP_TXN_CLIENT_INVITE;
}

/* Busy: still has work that matters to someone. A transaction that has
 * its final response (Completed, Confirmed, Terminated, an acknowledged
 * or client-side Accepted) only waits out Timers D/I/J/K/L/M to absorb
 * retransmissions; shutdown does not wait for that. */
static bool
txn_busy(const struct sip_txn *t)
{
	switch (t->state) {
	case SIP__TRYING:
	case SIP__PROCEEDING:
		return true;
	case SIP__ACCEPTED:
		return !txn_is_client(t) && !t->acked;
	default:
		return false;
	}
}

void
sip__txn_check_drained(struct sip_stack *s)
{
	if (!s->stopping || !s->drained_cb || s->closing)
		return;
	if (!sip__timer_is_armed(&s->drain_timer))
		sip__timer_arm(s, &s->drain_timer, 0);
}

/* Runs from the timer heap, never inside a TU call: the drained
 * callback may close the stack. Every transaction that stops being busy
 * is counted in n_done by sip__txn_settle() (states only move forward),
 * so "none busy" is a comparison, not a walk of every transaction for
 * each one ended while stopping. */
void
sip__txn_on_drain_timer(struct sip__timer *tm)
{
	struct sip_stack *s = container_of(tm, struct sip_stack, drain_timer);
	sip_drained_cb cb = s->drained_cb;

	if (!s->stopping || !cb || s->closing || s->txns.n != s->n_done)
		return;
	s->drained_cb = NULL;
	cb(s->drained_arg);
}

static void
txn_dequeue(struct sip_txn *t)
{
	struct sip_stack *s = t->s;

	if (t->done_prev)
		t->done_prev->done_next = t->done_next;
	else
		s->done_head = t->done_next;
	if (t->done_next)
		t->done_next->done_prev = t->done_prev;
	else
		s->done_tail = t->done_prev;
	t->done_prev = t->done_next = NULL;
	t->done_queued = false;
	s->done_q_len--;
}

/* Beyond the bound the oldest finished transaction ends now (from the
 * next timer run, as Timer J would end it later): it only absorbs
 * retransmissions, and a retransmitted request after that is a new
 * transaction the TU answers again. */
static void
txn_done_trim(struct sip_stack *s)
{
	uint64_t max = (uint64_t)s->cfg.max_transactions * SIP__DONE_FACTOR;
	uint64_t now;

	while (s->done_q_len > max) {
		struct sip_txn *old = s->done_head;

		txn_dequeue(old);
		sip__txn_end_soon(old, 0);
		s->done_ended++;
	}
	now = sip__now(s);
	if (s->done_ended &&
	    now - s->done_warned_ms >= SIP__DONE_WARN_MS) {
		log_warn("sip: %llu finished transactions ended early "
		    "(more than %llu kept)",
		    (unsigned long long)s->done_ended, (unsigned long long)max);
		s->done_ended = 0;
		s->done_warned_ms = now;
	}
}

void
sip__txn_settle(struct sip_txn *t)
{
	struct sip_stack *s = t->s;

	if (t->done || txn_busy(t))
		return;
	t->done = true;
	t->done_queued = true;
	s->n_done++;
	t->done_prev = s->done_tail;
	t->done_next = NULL;
	if (s->done_tail)
		s->done_tail->done_next = t;
	else
		s->done_head = t;
	s->done_tail = t;
	s->done_q_len++;
	txn_done_trim(s);
}

static void
txn_free(struct sip_txn *t)
{
	struct sip_stack *s = t->s;

	if (t->done_queued)
		txn_dequeue(t);
	if (t->done)
		s->n_done--;

	sip__timer_stop(s, &t->t_retx);
	sip__timer_stop(s, &t->t_end);
	sip__otab_remove(&s->txns, t->hash_lo, t);
	if (t->ack_key) {
		sip__otab_remove(&s->acks, sip__hash(t->ack_key,
		    strlen(t->ack_key), s->hash_seed), t);
		if (!t->acked)
			s->stats.acks_pending--;
		free(t->ack_key);
	}
	if (t->all_prev)
		t->all_prev->all_next = t->all_next;
	else
		s->all = t->all_next;
	if (t->all_next)
		t->all_next->all_prev = t->all_prev;
	s->stats.txn_open[t->kind]--;
	sip__msg_free(t->req);
	sip__msg_free(t->resp);
	osip_free(t->wire);
	free(t->skel);
	free(t->src);
	free(t);
}

/* Only called from a timer or the stack's close: nobody up the stack
 * holds t then. */
void
sip__txn_terminate(struct sip_txn *t)
{
	struct sip_stack *s = t->s;

	txn_free(t);
	sip__txn_check_drained(s);
}

/* Ends t from the next timer run, so the caller (maybe a TU callback
 * holding t) returns first. */
void
sip__txn_end_soon(struct sip_txn *t, uint64_t after_ms)
{
	sip__timer_stop(t->s, &t->t_retx);
	sip__timer_arm(t->s, &t->t_end, after_ms);
	sip__txn_check_drained(t->s);
}

void
sip__dest_pack(struct sip__dest *out, const struct sip_dest *d)
{
	out->flow = d->flow;
	out->transport = d->transport;
	memcpy(&out->addr, &d->addr, sizeof(out->addr));
}

void
sip__dest_unpack(struct sip_dest *out, const struct sip__dest *d)
{
	memset(out, 0, sizeof(*out));
	out->flow = d->flow;
	out->transport = d->transport;
	memcpy(&out->addr, &d->addr, sizeof(d->addr));
}

void
sip__txn_send_wire(struct sip_txn *t)
{
	struct sip_dest d;

	if (!t->wire)
		return;
	sip__dest_unpack(&d, &t->dest);
	sip__send(t->s, &d, t->wire, t->wire_len, false, NULL);
}

/* Replaces the wire copy with msg printed. */
int
sip__txn_set_wire(struct sip_txn *t, const osip_message_t *msg)
{
	char *w = NULL;
	size_t n;
	int rc = sip__msg_print(msg, &w, &n);

	if (rc < 0)
		return rc;
	osip_free(t->wire);
	t->wire = w;
	t->wire_len = n;
	return 0;
}

/* Timers A, E, G and the UAS 2xx retransmission (RFC 3261 13.3.1.4):
 * resend, double the interval, capped at T2 except Timer A. */
static void
txn_on_retx(struct sip__timer *tm)
{
	struct sip_txn *t = container_of(tm, struct sip_txn, t_retx);
	uint32_t t2 = t->s->cfg.t2_ms;

	if (t->state == SIP__TERMINATED)
		return;
	sip__txn_send_wire(t);
	if (t->kind == SIP_TXN_CLIENT_INVITE)
		t->retx_ms *= 2;
	else if (t->kind == SIP_TXN_CLIENT && t->state == SIP__PROCEEDING)
		t->retx_ms = t2;	/* RFC 3261 17.1.2.2 */
	else
		t->retx_ms = t->retx_ms * 2 > t2 ? t2 : t->retx_ms * 2;
	sip__timer_arm(t->s, &t->t_retx, t->retx_ms);
}

static void
txn_on_end(struct sip__timer *tm)
{
	struct sip_txn *t = container_of(tm, struct sip_txn, t_end);

	if (txn_is_client(t))
		sip__client_timeout(t);
	else
		sip__server_timeout(t);
}

void
sip__txn_close_all(struct sip_stack *s)
{
	while (s->all) {
		struct sip_txn *t = s->all;

		if (!txn_is_client(t) && t->tu_holds) {
			void *arg = t->tu_arg;

			/* Ends the TU's hold (tu_holds false) by itself. */
			sip_txn_reply(t, 503, NULL, NULL, 0);
			t->tu_holds = false;
			if (s->tu.on_server_gone)
				s->tu.on_server_gone(s->tu.arg, t, arg);
		}
		txn_free(t);
	}
}

const osip_message_t *
sip_txn_request(const struct sip_txn *t)
{
	struct sip_txn *mt = (struct sip_txn *)t;

	/* An accepted client INVITE parses its skeleton on first use and
	 * keeps it: the const is about the TU's view, this is a cache. */
	if (!t->req && t->skel)
		mt->req = sip__txn_skel_parse(t->skel);
	return t->req;
}

const struct sip_source *
sip_txn_source(const struct sip_txn *st)
{
	/* After the final response the source is gone with the request
	 * (server_slim): then an empty one, never a dangling pointer. */
	static const struct sip_source gone;

	return st->src ? st->src : &gone;
}

const char *
sip_txn_local_tag(const struct sip_txn *st)
{
	return st->tag;
}

void
sip_txn_set_arg(struct sip_txn *t, void *arg)
{
	t->tu_arg = arg;
}

void *
sip_txn_get_arg(const struct sip_txn *t)
{
	return t->tu_arg;
}
