/* The one policy hook of every initial INVITE: facts gathered from the
 * request, its source and the binding, one read snapshot, pol_decide(),
 * and the verdict turned into SIP: a new leg, 403, 302, 480 or a local
 * answer (feature codes, feature.c). */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "b2bua/internal.h"
#include "log.h"
#include "util.h"

static int
decide__no_line(void *ctx, struct store_line *out, const char *partition,
                const char *ext)
{
	(void)ctx;
	(void)out;
	(void)partition;
	(void)ext;
	return -ENOENT;
}

int
b2b__settings(struct b2b *b, struct store_settings *out)
{
	if (!b->store) {
		store_settings_defaults(out);
		return 0;
	}
	return store_settings_get(b->store, out);
}

static bool
decide__reachable(struct b2b *b, const struct b2b_binding *bd)
{
	return !bd->dest.flow || sip_flow_is_alive(b->sip, bd->dest.flow);
}

/* The first device of line (partition, user) after `after` (NULL: from
 * the start) that can be reached, else the first one at all (for its
 * 480). */
static struct b2b_binding *
decide__line_device(struct b2b *b, const char *partition, const char *user,
                    struct b2b_binding *after)
{
	struct b2b_binding *bd = after;
	struct b2b_binding *any = NULL;

	while ((bd = b2b__binding_of_user(b, partition, user, bd)) != NULL) {
		if (decide__reachable(b, bd))
			return bd;
		if (!any && !after)
			any = bd;
	}
	return any;
}

/* Rings the line's other reachable devices too (parallel search). */
static void
decide__fork(struct b2b_call *c, const osip_message_t *req,
             struct b2b_binding *first)
{
	struct b2b *b = c->b2b;
	struct b2b_binding *bd = first;

	while ((bd = decide__line_device(b, first->partition, first->user,
	                                 bd)) != NULL) {
		if (c->n_forks == B2B_FORK_MAX) {
			log_warn("b2b: call %08x: line %s has more than %u "
			         "devices, the rest not rung",
			         c->no, first->user, B2B_FORK_MAX + 1);
			break;
		}
		if (b2b__call_fork(c, req, &bd->dest, bd->contact) < 0)
			log_warn("b2b: call %08x: device %s not rung", c->no,
			         bd->token);
	}
	log_debug("b2b: call %08x: line %s rings %u devices", c->no,
	          first->user, c->n_forks + 1u);
}

/* The facts that depend on the direction. Fills c->caller/callee and
 * *bd (incoming: the device called). -EACCES unknown access source,
 * -ENOENT no such device. */
static int
decide__who(struct b2b_call *c, const osip_message_t *req,
            const struct sip_source *src, struct pol_facts *f,
            struct b2b_binding **bd)
{
	struct b2b *b = c->b2b;
	osip_uri_t *ruri = osip_message_get_uri(req);
	char user[B2B_ID_MAX];
	int rc;

	if (b2b__uri_user(user, sizeof(user), ruri) < 0)
		user[0] = '\0';
	if (c->direction == B2B_DIR_OUTGOING) {
		rc = b2b__identify(b, req, src, c->caller, sizeof(c->caller),
		                   bd);
		if (rc < 0)
			return -EACCES;
		b2b__partition_access(b, c->partition, req, src, *bd);
		ll_strlcpy(c->callee, user, sizeof(c->callee));
		f->direction = POL_OUTGOING;
		f->caller_partition = c->partition;
		f->caller_ext = c->caller;
		f->is_registered_phone = *bd != NULL;
		f->is_trusted_peer = !*bd;
		f->dialled = c->callee;
		return 0;
	}
	/* A binding's token names one device; an extension (a core that
	 * routes to the line, not to each Contact) rings all of them. */
	*bd = b2b__binding_by_token(b, user);
	if (!*bd) {
		char part[STORE_PARTITION_MAX];

		b2b__partition_core(b, part, req);
		*bd = decide__line_device(b, part, user, NULL);
		c->fork_line = *bd != NULL;
	}
	if (!*bd)
		return -ENOENT;
	ll_strlcpy(c->callee, (*bd)->user, sizeof(c->callee));
	ll_strlcpy(c->partition, (*bd)->partition, sizeof(c->partition));
	f->callee_partition = c->partition;
	b2b__caller_number(req, c->caller, sizeof(c->caller),
	                   &f->caller_anonymous);
	f->direction = POL_INCOMING;
	f->caller_number = c->caller;
	f->callee_ext = c->callee;
	f->dialled = c->callee;
	f->is_core_peer = true;
	return 0;
}

/* One decision's time into the histogram (b2b.h). */
static void
decide__account(struct b2b *b, uint64_t ns)
{
	static const uint32_t bounds[] = B2B_DECIDE_BOUNDS_US;
	struct b2b_stats *s = &b->stats;
	size_t i = 0;

	_Static_assert(ARRAY_SIZE(bounds) + 1 == B2B_DECIDE_BUCKETS,
	               "one bucket per bound plus +Inf");
	while (i < ARRAY_SIZE(bounds) && ns > (uint64_t)bounds[i] * 1000u)
		i++;
	s->decide_buckets[i]++;
	s->decide_count++;
	s->decide_sum_ns += ns;
}

static int
decide__run(struct b2b *b, const struct pol_facts *f, struct pol_verdict *v)
{
	struct store_settings defaults;
	struct pol_snapshot ps;
	int rc;

	if (!b->store) {
		store_settings_defaults(&defaults);
		memset(&ps, 0, sizeof(ps));
		ps.settings = &defaults;
		ps.line_get = decide__no_line;
		return pol_decide(f, &ps, v);
	}
	rc = store_snapshot_begin(b->snap);
	if (rc < 0)
		return rc;
	if (pol_lists_refresh(&b->lists, b->snap) == -EINVAL)
		log_warn("b2b: a stored number list does not compile; the "
		         "previous one is used");
	pol_snapshot_from_store(&ps, b->snap, &b->lists);
	rc = pol_decide(f, &ps, v);
	store_snapshot_end(b->snap);
	return rc;
}

/* The B leg found sip/'s transaction table full: an overload, so 503
 * with Retry-After (RFC 3261 21.5.4) for the phone to back off, as for
 * max_calls, not a 500. */
static void
decide__busy(struct b2b_call *c)
{
	static const struct sip_header ra[] = {{"Retry-After", "5"}};

	c->b2b->stats.calls_overload++;
	if (c->a_st) {
		sip_txn_reply(c->a_st, 503, NULL, ra, 1);
		c->a_st = NULL;
	}
	c->status = 503;
	ll_strlcpy(c->disposition, "overload", sizeof(c->disposition));
	b2b__call_finish(c);
}

static void
decide__forward(struct b2b_call *c, const osip_message_t *req,
                struct b2b_binding *bd)
{
	struct b2b *b = c->b2b;
	char ruri[B2B_TARGET_MAX], from[B2B_URI_MAX];
	osip_from_t *f = osip_message_get_from(req);
	struct sip_dest dst;
	int rc;

	if (c->direction == B2B_DIR_OUTGOING) {
		b2b__core_dest(b, c->leg[B2B_LEG_A].dest.addr.ss_family, &dst);
		/* Behind an authorization code the core gets the number
		 * alone, never the code. */
		rc = c->dial[0]
		         ? b2b__print_with_user(ruri, sizeof(ruri), NULL,
		                                osip_message_get_uri(req),
		                                c->dial)
		         : b2b__uri_text(ruri, sizeof(ruri),
		                         osip_message_get_uri(req));
		if (rc == 0)
			rc = bd ? (ll_strlcpy(from, bd->aor, sizeof(from)) <
			                   sizeof(from)
			               ? 0
			               : -ENOSPC)
			        : b2b__uri_text(from, sizeof(from), f->url);
	} else {
		if (bd->dest.flow &&
		    !sip_flow_is_alive(b->sip, bd->dest.flow)) {
			b2b__decide_reply(c, 480, "Device Not Connected");
			return;
		}
		dst = bd->dest;
		rc = ll_strlcpy(ruri, bd->contact, sizeof(ruri)) < sizeof(ruri)
		         ? b2b__uri_text(from, sizeof(from), f->url)
		         : -ENOSPC;
	}
	if (rc == 0)
		rc = b2b__call_forward(c, req, &dst, ruri, from);
	if (rc == 0 && c->fork_line)
		decide__fork(c, req, bd);
	if (rc == -EBUSY) {
		decide__busy(c);
		return;
	}
	if (rc < 0) {
		b2b__decide_reply(c, rc == -ELOOP ? 483 : 500, NULL);
		return;
	}
	b->stats.calls_forwarded++;
	{
		struct b2b_event ev = {.kind = B2B_EV_CALL_START};

		ev.direction = c->direction;
		ev.call_id = c->no;
		ll_strlcpy(ev.caller, c->caller, sizeof(ev.caller));
		ll_strlcpy(ev.callee, c->callee, sizeof(ev.callee));
		ll_strlcpy(ev.partition, c->partition, sizeof(ev.partition));
		ev.start_ms = c->start_ms;
		b2b__event(b, &ev);
	}
}

/* A final answer to the A INVITE from linelock itself, then the call's
 * record and its end. */
void
b2b__decide_reply(struct b2b_call *c, int code, const char *reason)
{
	if (c->a_st) {
		sip_txn_reply(c->a_st, code, reason, NULL, 0);
		c->a_st = NULL;
	}
	c->status = (uint16_t)code;
	if (!c->disposition[0])
		ll_strlcpy(c->disposition, "rejected", sizeof(c->disposition));
	b2b__call_finish(c);
}

static void
decide__redirect(struct b2b_call *c, const struct pol_verdict *v)
{
	char contact[STORE_URI_MAX + 4];
	struct sip_header h = {"Contact", contact};

	snprintf(contact, sizeof(contact), "<%s>", v->uri);
	c->status = v->code ? v->code : 302;
	ll_strlcpy(c->disposition, "redirected", sizeof(c->disposition));
	c->b2b->stats.calls_redirected++;
	if (c->a_st) {
		sip_txn_reply(c->a_st, c->status, v->text[0] ? v->text : NULL,
		              &h, 1);
		c->a_st = NULL;
	}
	b2b__call_finish(c);
}

/* Local weekday and minute for schedules. localtime_r() was 500
 * instructions a call (callgrind); calls in the same second share it. */
static void
decide__facts_time(struct pol_facts *f)
{
	static time_t last = (time_t)-1;
	static uint8_t weekday;
	static uint16_t minute;
	time_t now = time(NULL);
	struct tm tm;

	if (now != last) {
		localtime_r(&now, &tm);
		weekday = (uint8_t)tm.tm_wday;
		minute = (uint16_t)(tm.tm_hour * 60 + tm.tm_min);
		last = now;
	}
	f->now = (int64_t)now;
	f->weekday = weekday;
	f->minute_of_day = minute;
}

/* What a forwarded call dials and whether it counts in the caller's
 * budget (emergency calls never do). */
static void
decide__dial(struct b2b_call *c, const struct pol_verdict *v)
{
	if (c->direction != B2B_DIR_OUTGOING)
		return;
	c->charge = v->reason != POL_R_EMERGENCY;
	if (v->dial[0]) {
		ll_strlcpy(c->dial, v->dial, sizeof(c->dial));
		ll_strlcpy(c->callee, v->dial, sizeof(c->callee));
	}
	if (v->auth_name[0])
		log_info("b2b: call %08x from %s to %s on authorization code "
		         "%s",
		         c->no, c->caller, c->callee, v->auth_name);
}

void
b2b__decide(struct b2b_call *c, const osip_message_t *req,
            const struct sip_source *src)
{
	struct b2b *b = c->b2b;
	struct b2b_binding *bd = NULL;
	struct pol_facts f;
	struct pol_verdict v;
	uint64_t t0;
	int rc;

	memset(&f, 0, sizeof(f));
	rc = decide__who(c, req, src, &f, &bd);
	if (rc < 0) {
		b->stats.calls_rejected++;
		log_info("b2b: call %08x from %s: %s", c->no, c->caller,
		         rc == -EACCES ? "unknown access source, 403"
		                       : "no such device, 404");
		b2b__decide_reply(c, rc == -EACCES ? 403 : 404,
		                  rc == -EACCES ? "Unknown Device" : NULL);
		return;
	}
	f.source = (const struct sockaddr *)&src->remote;
	decide__facts_time(&f);
	t0 = uv_hrtime();
	rc = decide__run(b, &f, &v);
	decide__account(b, uv_hrtime() - t0);
	if (rc < 0 && v.action != POL_REJECT) {
		pol_verdict_wipe(&v);
		b2b__decide_reply(c, 500, "Policy Unavailable");
		return;
	}
	ll_strlcpy(c->reason, pol_reason_name(v.reason), sizeof(c->reason));
	ll_strlcpy(c->pattern, v.pattern, sizeof(c->pattern));
	/* A feature code's digits after the code are a PIN (and a bad *75
	 * dial may hold an authorization code): from here on, logs, events
	 * and the call record see only what policy kept of the number. */
	if (v.feature != POL_FC_NONE || v.reason == POL_R_FEATURE_BAD)
		ll_strlcpy(c->callee, v.number, sizeof(c->callee));
	log_debug("b2b: call %08x %s -> %s: %s", c->no, c->caller, c->callee,
	          c->reason);
	ll_strlcpy(c->auth_name, v.auth_name, sizeof(c->auth_name));
	switch (v.action) {
	case POL_FORWARD:
		if (v.reason == POL_R_EMERGENCY)
			b->stats.calls_emergency++;
		decide__dial(c, &v);
		decide__forward(c, req, bd);
		break;
	case POL_REDIRECT:
		decide__redirect(c, &v);
		break;
	case POL_LOCAL:
		b->stats.calls_local++;
		b2b__feature(c, &v);
		break;
	case POL_REJECT:
	default:
		b->stats.calls_rejected++;
		log_info("b2b: call %08x from %s to %s rejected %u (%s)", c->no,
		         c->caller, c->callee, v.code, c->reason);
		if (v.feature != POL_FC_NONE)
			ll_strlcpy(c->disposition, "local",
			           sizeof(c->disposition));
		b2b__decide_reply(c, v.code ? v.code : 403,
		                  v.text[0] ? v.text : NULL);
		break;
	}
	pol_verdict_wipe(&v);
}
