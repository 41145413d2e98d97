/* The room: settings, the transaction-user hooks sip/ calls, the
 * dispatch of each new request to registration, call, dialog or relay,
 * a one-second sweep for dead calls and expired bindings, counters. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "b2bua/internal.h"
#include "log.h"
#include "util.h"

uint64_t
b2b__wall_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

struct b2b_call *
b2b__arg_call(struct b2b *b, void *arg)
{
	uintptr_t v = (uintptr_t)arg;

	if (!(v & 1u))
		return NULL;
	return b2b__call_by_no(b, (uint32_t)(v >> 1));
}

/* A core peer is one of [sip] core: same host, and the same port on UDP
 * (a connection-oriented peer sends from any port). */
bool
b2b__is_core(const struct b2b *b, const struct sip_source *src)
{
	const struct sockaddr *ra = (const struct sockaddr *)&src->remote;

	for (unsigned i = 0; i < b->cfg.n_core; i++) {
		const struct net_endpoint *e = &b->cfg.core[i];
		const struct sockaddr *ca = (const struct sockaddr *)&e->addr;

		if (!net_addr_same_host(ca, ra))
			continue;
		if (src->transport != NET_UDP || net_addr_equal(ca, ra))
			return true;
	}
	return false;
}

bool
b2b__is_trusted(const struct b2b *b, const struct sip_source *src)
{
	for (unsigned i = 0; i < b->cfg.n_trusted; i++)
		if (net_cidr_contains(&b->cfg.trusted[i],
		                      (const struct sockaddr *)&src->remote))
			return true;
	return false;
}

/* The core peer to use: the first of the source's address family (a
 * dual-stack deployment lists one of each), else the first listed. */
void
b2b__core_dest(const struct b2b *b, int family, struct sip_dest *out)
{
	unsigned pick = 0;

	for (unsigned i = 0; i < b->cfg.n_core; i++) {
		if (b->cfg.core[i].addr.ss_family == family) {
			pick = i;
			break;
		}
	}
	memset(out, 0, sizeof(*out));
	out->transport = b->cfg.core[pick].transport;
	out->addr = b->cfg.core[pick].addr;
}

void
b2b__event(struct b2b *b, const struct b2b_event *ev)
{
	if (b->event_cb)
		b->event_cb(ev, b->event_arg);
}

static void
b2b__on_request(void *arg, struct sip_txn *st, const osip_message_t *req,
                const struct sip_source *src)
{
	struct b2b *b = arg;

	if (b->closing) {
		sip_txn_reply(st, 503, NULL, NULL, 0);
		return;
	}
	if (b2b__guard_request(b, st, req, src) ||
	    b2b__devpin_call(b, st, req, src))
		return;
	if (sip_msg_is_method(req, "REGISTER")) {
		if (b2b__is_core(b, src))
			sip_txn_reply(st, 403, "Not From The Core", NULL, 0);
		else
			b2b__register(b, st, req, src);
		return;
	}
	if (sip_msg_to_tag(req)) {
		b2b__in_dialog(b, st, req, src);
		return;
	}
	if (sip_msg_is_method(req, "INVITE")) {
		b2b__invite(b, st, req, src);
	} else if (sip_msg_is_method(req, "OPTIONS")) {
		/* Phones' keep-alives (and pings of linelock): answered
		 * here, RFC 3261 11.2. */
		static const struct sip_header allow[] = {
		    {"Allow", "INVITE, ACK, CANCEL, BYE, OPTIONS, PRACK, "
		              "UPDATE, INFO, REFER, NOTIFY, SUBSCRIBE, "
		              "MESSAGE, REGISTER"},
		    {"Supported", "100rel, timer, replaces"},
		};
		sip_txn_reply(st, 200, NULL, allow, ARRAY_SIZE(allow));
	} else if (sip_msg_is_method(req, "MESSAGE") ||
	           sip_msg_is_method(req, "SUBSCRIBE") ||
	           sip_msg_is_method(req, "NOTIFY") ||
	           sip_msg_is_method(req, "PUBLISH") ||
	           sip_msg_is_method(req, "REFER")) {
		b2b__relay_ood(b, st, req, src);
	} else if (sip_msg_is_method(req, "BYE") ||
	           sip_msg_is_method(req, "INFO") ||
	           sip_msg_is_method(req, "UPDATE") ||
	           sip_msg_is_method(req, "PRACK")) {
		/* In-dialog methods without a To-tag: no such dialog. */
		sip_txn_reply(st, 481, NULL, NULL, 0);
	} else {
		sip_txn_reply(st, 405, NULL, NULL, 0);
	}
}

static void
b2b__on_ack(void *arg, void *st_arg, const osip_message_t *ack,
            const struct sip_source *src)
{
	struct b2b *b = arg;
	struct b2b_call *c = b2b__arg_call(b, st_arg);

	(void)src;
	if (c)
		b2b__call_ack(b, c, ack);
}

static void
b2b__on_cancel(void *arg, struct sip_txn *st, const osip_message_t *cancel,
               const struct sip_source *src)
{
	struct b2b *b = arg;
	struct b2b_call *c = b2b__arg_call(b, sip_txn_get_arg(st));

	(void)cancel;
	(void)src;
	if (c && c->a_st == st) {
		b2b__call_cancel(b, c);
		return;
	}
	/* A relayed request (MESSAGE...) is not cancelled downstream: its
	 * answer comes soon; RFC 3261 9.2 lets a UAS ignore a CANCEL of a
	 * non-INVITE. An unknown INVITE state gets its 487 here. */
	if (!c && sip_msg_is_method(sip_txn_request(st), "INVITE"))
		sip_txn_reply(st, 487, NULL, NULL, 0);
}

static void
b2b__on_ack_timeout(void *arg, void *st_arg, const osip_message_t *resp)
{
	struct b2b *b = arg;
	struct b2b_call *c = b2b__arg_call(b, st_arg);

	(void)resp;
	if (c) {
		log_warn("b2b: call %08x: no ACK for our 2xx, ending it",
		         c->no);
		b2b__call_end(c, "no ACK");
	}
}

static void
b2b__on_server_gone(void *arg, struct sip_txn *st, void *st_arg)
{
	struct b2b *b = arg;
	struct b2b_call *c;

	/* sip_stack_close() comes after b2b_free(): the calls, their
	 * tables and the relays are gone already, nothing to forget. */
	if (b->closing || !st_arg)
		return;
	if (!((uintptr_t)st_arg & 1u)) {
		((struct b2b_relay *)st_arg)->st = NULL;
		return;
	}
	/* An odd arg names a call, which may have ended: never a relay. */
	c = b2b__arg_call(b, st_arg);
	if (c && c->a_st == st)
		c->a_st = NULL;
	if (c && c->reinvite_st == st)
		c->reinvite_st = NULL;
}

static void
b2b__on_sweep(uv_timer_t *t)
{
	struct b2b *b = container_of(t, struct b2b, sweep);

	b2b__calls_sweep(b, ll_now_ms());
	b2b__bindings_sweep(b, b2b__wall_ms());
	/* Budgets spent in a past day or month open again (a minute late
	 * at most). */
	if (b->store && ++b->sweeps % 60 == 0 &&
	    store_budget_rollover(b->store, (int64_t)time(NULL)) < 0)
		log_warn("b2b: budget rollover failed");
	b2b__locks_poll(b);
	b2b__guard_poll(b);
}

int
b2b_new(struct b2b **out, uv_loop_t *loop, struct store *store,
        const struct b2b_settings *s)
{
	struct b2b *b;
	int rc;

	if (!s || s->n_core == 0)
		return -EINVAL;
	b = calloc(1, sizeof(*b));
	if (!b)
		return -ENOMEM;
	b->loop = loop;
	b->store = store;
	b->cfg = *s;
	if (b->cfg.max_calls == 0)
		b->cfg.max_calls = 1000;
	if (b->cfg.call_timeout == 0)
		b->cfg.call_timeout = B2B_CALL_TIMEOUT_S;
	if (b->cfg.ring_timeout == 0)
		b->cfg.ring_timeout = B2B_RING_TIMEOUT_S;
	rc = b2b__tables_init(b, b->cfg.max_calls);
	if (rc < 0)
		goto fail;
	if (store) {
		rc = store_snapshot_new(&b->snap, store);
		if (rc < 0)
			goto fail_tables;
	}
	rc = b2b__bindings_load(b);
	if (rc == 0)
		rc = b2b__locks_init(b);
	if (rc < 0)
		goto fail_tables;
	rc = b2b__guard_init(b);
	if (rc == 0)
		rc = uv_timer_init(loop, &b->sweep);
	if (rc < 0)
		goto fail_bindings;
	*out = b;
	return 0;
fail_bindings:
	b2b__guard_free(b);
	b2b__bindings_free(b);
fail_tables:
	store_snapshot_free(b->snap);
	b2b__tables_free(b);
fail:
	free(b);
	return rc;
}

void
b2b_sip_tu(struct b2b *b, struct sip_tu *tu)
{
	memset(tu, 0, sizeof(*tu));
	tu->arg = b;
	tu->on_request = b2b__on_request;
	tu->on_ack = b2b__on_ack;
	tu->on_cancel = b2b__on_cancel;
	tu->on_ack_timeout = b2b__on_ack_timeout;
	tu->on_server_gone = b2b__on_server_gone;
}

void
b2b_start(struct b2b *b, struct sip_stack *sip)
{
	b->sip = sip;
	b2b__guard_start(b);
	uv_timer_start(&b->sweep, b2b__on_sweep, B2B_SWEEP_MS, B2B_SWEEP_MS);
	log_info("b2b: started, %u bindings restored, max %u calls",
	         b->stats.registrations, b->cfg.max_calls);
}

static void
b2b__on_closed(uv_handle_t *h)
{
	struct b2b *b = container_of((uv_timer_t *)h, struct b2b, sweep);

	/* A feature code's work still running comes back to b: the last
	 * one frees it (feature.c). */
	b->closed = true;
	if (b->works == 0)
		free(b);
}

void
b2b_free(struct b2b *b)
{
	if (!b)
		return;
	b->closing = true;
	while (b->calls)
		b2b__call_end(b->calls, "shutdown");
	b2b__relays_free(b);
	b2b__tables_free(b);
	b2b__bindings_free(b);
	b2b__guard_free(b);
	b2b__devpin_free(b);
	b2b__contacts_free(b);
	pol_lists_clear(&b->lists);
	store_snapshot_free(b->snap);
	b->snap = NULL;
	uv_close((uv_handle_t *)&b->sweep, b2b__on_closed);
}

void
b2b_set_event_cb(struct b2b *b, b2b_event_cb cb, void *arg)
{
	b->event_cb = cb;
	b->event_arg = arg;
}

void
b2b_stats_get(const struct b2b *b, struct b2b_stats *out)
{
	*out = b->stats;
}

unsigned
b2b_calls_list(const struct b2b *b, b2b_call_cb cb, void *arg)
{
	static const char *const states[] = {"deciding", "trying", "early",
	                                     "confirmed", "ending"};
	struct b2b_call_info ci;
	unsigned n = 0;

	for (const struct b2b_call *c = b->calls; c; c = c->next) {
		if (c->is_subscription)
			continue;
		memset(&ci, 0, sizeof(ci));
		ci.call_id = c->no;
		ci.direction = c->direction;
		ci.state = (size_t)c->state < ARRAY_SIZE(states)
		               ? states[c->state]
		               : "unknown";
		ll_strlcpy(ci.caller, c->caller, sizeof(ci.caller));
		ll_strlcpy(ci.callee, c->callee, sizeof(ci.callee));
		ll_strlcpy(ci.partition, c->partition, sizeof(ci.partition));
		ci.start_ms = c->start_ms;
		ci.answer_ms = c->answer_ms;
		cb(&ci, arg);
		n++;
	}
	return n;
}

/* Decisions that took longer than `us` (a bucket bound). */
static uint64_t
b2b__decide_over(const struct b2b_stats *s, uint32_t us)
{
	static const uint32_t bounds[] = B2B_DECIDE_BOUNDS_US;
	uint64_t n = s->decide_count;

	for (size_t i = 0; i < ARRAY_SIZE(bounds) && bounds[i] <= us; i++)
		n -= s->decide_buckets[i];
	return n;
}

void
b2b_stats_log(const struct b2b *b)
{
	const struct b2b_stats *s = &b->stats;
	struct sip_stats ss;
	uint32_t txn = 0;

	memset(&ss, 0, sizeof(ss));
	if (b->sip)
		sip_stack_stats(b->sip, &ss);
	for (int i = 0; i < SIP_TXN_KINDS; i++)
		txn += ss.txn_open[i];
	log_info("b2b: stats calls_active=%u legs_active=%u registrations=%u "
	         "pending=%u calls_total=%llu forwarded=%llu rejected=%llu "
	         "redirected=%llu local=%llu emergency=%llu overload=%llu "
	         "answered=%llu decisions=%llu decide_avg_us=%.1f "
	         "decide_over_100us=%llu",
	         s->calls_active, s->legs_active, s->registrations, s->pending,
	         (unsigned long long)s->calls_total,
	         (unsigned long long)s->calls_forwarded,
	         (unsigned long long)s->calls_rejected,
	         (unsigned long long)s->calls_redirected,
	         (unsigned long long)s->calls_local,
	         (unsigned long long)s->calls_emergency,
	         (unsigned long long)s->calls_overload,
	         (unsigned long long)s->calls_answered,
	         (unsigned long long)s->decide_count,
	         s->decide_count
	             ? (double)s->decide_sum_ns / 1e3 / (double)s->decide_count
	             : 0.0,
	         (unsigned long long)b2b__decide_over(s, 100));
	log_info("sip: stats transactions=%u connections=%u acks_pending=%u "
	         "msgs_in=%llu msgs_out=%llu retransmissions_in=%llu "
	         "parse_errors=%llu",
	         txn, ss.connections, ss.acks_pending,
	         (unsigned long long)ss.msgs_in,
	         (unsigned long long)ss.msgs_out,
	         (unsigned long long)ss.retransmissions_in,
	         (unsigned long long)ss.parse_errors);
}

void
b2b_locks_changed(struct b2b *b)
{
	b2b__locks_poll(b);
}

void
b2b_bans_changed(struct b2b *b)
{
	b2b__guard_poll(b);
}
