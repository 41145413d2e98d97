/* The guard (CONFIG_GUARD): offences counted per source address, bans
 * when an address reaches the [guard] threshold (policy/'s rules), kept
 * in storage so a restart keeps them and enforced by sip/ at the door.
 * What counts: a scanner's User-Agent, requests from a source nobody
 * registered or trusted (they get 403), a REGISTER refused although it
 * answered the registrar's challenge (password guessing), and wrong PINs
 * with feature codes (one line's lockout stops guessing there; an
 * address trying across lines is still caught here). Trusted access
 * peers, core hosts and never_ban networks are never counted.
 *
 * Bans made elsewhere (linelockctl, the API) reach sip/ through
 * storage's ban generation, polled on the one-second sweep. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "b2bua/internal.h"
#include "log.h"
#include "util.h"

_Static_assert(B2B_GUARD_UA_LEN == POL_GUARD_UA_MAX,
               "b2b.h and pol.h agree on scanner pattern length");

#define GUARD_DEF_MAX 1024u
#define GUARD_EXPIRE_SWEEPS 3600u /* storage records: hourly pass */
#define GUARD_IDLE_SWEEPS 60u     /* stale counters: every minute */

/* One address with offences in its current window. Owner: the table. */
struct guard_src {
	struct guard_src *next;
	uint32_t hash;
	int family;
	uint8_t addr[16];
	struct pol_guard_count count;
};

/* The room's guard. Owner: struct b2b (b->guard), NULL when off. */
struct b2b__guard {
	struct pol_guard_rule rule;
	struct guard_src **buckets;
	uint32_t mask; /* buckets - 1 */
	uint32_t n;
	uint32_t max;
	uint64_t gen;      /* storage's ban generation loaded into sip/ */
	bool loaded;       /* gen is meaningful */
	uint32_t sweeps;
	uint64_t full_warned_ms;
};

static const char *const offence_names[] = {
    [B2B_OFF_SCANNER] = "scanner User-Agent",
    [B2B_OFF_UNKNOWN] = "requests from an unknown source",
    [B2B_OFF_REGISTER] = "failed REGISTER authentication",
    [B2B_OFF_PIN] = "wrong PINs",
};

/* Address bytes (a v4-mapped IPv6 address as IPv4); -EINVAL. */
static int
guard_key(const struct sockaddr *sa, int *family, uint8_t addr[16])
{
	static const uint8_t mapped[12] = {0, 0, 0, 0, 0, 0,
	                                   0, 0, 0, 0, 0xff, 0xff};
	const uint8_t *a6;

	memset(addr, 0, 16);
	if (sa->sa_family == AF_INET) {
		memcpy(addr, &((const struct sockaddr_in *)sa)->sin_addr, 4);
		*family = AF_INET;
		return 0;
	}
	if (sa->sa_family != AF_INET6)
		return -EINVAL;
	a6 = ((const struct sockaddr_in6 *)sa)->sin6_addr.s6_addr;
	if (memcmp(a6, mapped, sizeof(mapped)) == 0) {
		memcpy(addr, a6 + 12, 4);
		*family = AF_INET;
	} else {
		memcpy(addr, a6, 16);
		*family = AF_INET6;
	}
	return 0;
}

static uint32_t
guard_hash(int family, const uint8_t addr[16])
{
	uint32_t h = 2166136261u ^ (uint32_t)family;

	for (int i = 0; i < 16; i++)
		h = (h ^ addr[i]) * 16777619u;
	return h ^ (h >> 15);
}

/* Never banned: trusted access peers, every core host (any port: a
 * PBX's other sockets too), the never_ban networks. */
static bool
guard_is_exempt(const struct b2b *b, const struct sockaddr *sa)
{
	const struct b2b_guard_settings *g = &b->cfg.guard;

	for (unsigned i = 0; i < b->cfg.n_trusted; i++)
		if (net_cidr_contains(&b->cfg.trusted[i], sa))
			return true;
	for (unsigned i = 0; i < b->cfg.n_core; i++)
		if (net_addr_same_host(
		        (const struct sockaddr *)&b->cfg.core[i].addr, sa))
			return true;
	for (unsigned i = 0; i < g->n_never; i++)
		if (net_cidr_contains(&g->never[i], sa))
			return true;
	return false;
}

int
b2b__guard_init(struct b2b *b)
{
	const struct b2b_guard_settings *g = &b->cfg.guard;
	struct b2b__guard *gd;
	uint32_t n = 16;

	if (!g->enabled)
		return 0;
	gd = calloc(1, sizeof(*gd));
	if (!gd)
		return -ENOMEM;
	gd->max = g->max_bans ? g->max_bans : GUARD_DEF_MAX;
	while (n < gd->max && n < (1u << 20))
		n <<= 1;
	gd->buckets = calloc(n, sizeof(*gd->buckets));
	if (!gd->buckets) {
		free(gd);
		return -ENOMEM;
	}
	gd->mask = n - 1;
	gd->rule.threshold = g->threshold ? g->threshold : 1;
	gd->rule.window_s = g->window ? g->window : 1;
	gd->rule.ban_s = g->ban_time ? g->ban_time : 1;
	gd->rule.ban_max_s = g->ban_time_max;
	b->guard = gd;
	return 0;
}

static void
guard_counters_free(struct b2b__guard *gd, bool stale_only, int64_t now_ms)
{
	int64_t window_ms = (int64_t)gd->rule.window_s * 1000;

	for (uint32_t i = 0; i <= gd->mask; i++) {
		struct guard_src **p = &gd->buckets[i], *e;

		while ((e = *p) != NULL) {
			if (stale_only &&
			    now_ms - e->count.window_start_ms < window_ms) {
				p = &e->next;
				continue;
			}
			*p = e->next;
			free(e);
			gd->n--;
		}
	}
}

void
b2b__guard_free(struct b2b *b)
{
	struct b2b__guard *gd = b->guard;

	if (!gd)
		return;
	guard_counters_free(gd, false, 0);
	free(gd->buckets);
	free(gd);
	b->guard = NULL;
}

/* Loads one stored ban into sip/ (store_ban_each callback). */
struct guard_load {
	struct b2b *b;
	int64_t now;
	unsigned loaded, skipped;
};

static int
guard_load_one(const struct store_ban *sb, void *arg)
{
	struct guard_load *l = arg;
	const struct sockaddr *sa = (const struct sockaddr *)&sb->addr;
	char host[NET_ADDRSTRLEN];
	uint32_t left;

	if (!store_ban_is_active(sb, l->now))
		return 0;
	if (guard_is_exempt(l->b, sa)) {
		net_host_str(sa, host, sizeof(host));
		log_warn("b2b: guard: ban of %s not enforced: a trusted, core "
		         "or never_ban address",
		         host);
		l->skipped++;
		return 0;
	}
	left = sb->until == 0 ? 0
	       : sb->until - l->now > (int64_t)UINT32_MAX
	           ? UINT32_MAX
	           : (uint32_t)(sb->until - l->now);
	if (sip_ban_add(l->b->sip, sa, left) < 0) {
		l->skipped++;
		return 0;
	}
	l->loaded++;
	return 0;
}

/* Puts storage's bans into sip/ when the ban generation moved. */
static void
guard_reload(struct b2b *b)
{
	struct b2b__guard *gd = b->guard;
	struct guard_load l = {b, (int64_t)time(NULL), 0, 0};
	uint64_t gen;

	if (!b->store || !b->sip ||
	    store_ban_generation(b->store, &gen) < 0 ||
	    (gd->loaded && gen == gd->gen))
		return;
	sip_ban_clear(b->sip);
	if (store_ban_each(b->store, guard_load_one, &l) < 0) {
		log_warn("b2b: guard: bans could not be read from storage");
		return; /* the next sweep tries again */
	}
	if (l.skipped)
		log_warn("b2b: guard: %u stored bans not enforced", l.skipped);
	log_debug("b2b: guard: %u bans in force (generation %llu)", l.loaded,
	          (unsigned long long)gen);
	gd->gen = gen;
	gd->loaded = true;
}

void
b2b__guard_start(struct b2b *b)
{
	if (!b->guard)
		return;
	guard_reload(b);
	b2b__devpin_poll(b);
	log_info("b2b: guard on: %u offences in %u s ban for %u s (at most "
	         "%u s), %u bans in force",
	         b->guard->rule.threshold, b->guard->rule.window_s,
	         b->guard->rule.ban_s, b->guard->rule.ban_max_s,
	         b->sip ? sip_ban_count(b->sip) : 0);
}

void
b2b__guard_poll(struct b2b *b)
{
	struct b2b__guard *gd = b->guard;

	if (!gd)
		return;
	guard_reload(b);
	b2b__devpin_poll(b);
	gd->sweeps++;
	if (gd->sweeps % GUARD_IDLE_SWEEPS == 0)
		guard_counters_free(gd, true, (int64_t)ll_now_ms());
	/* Records run out for longer than the longest ban teach nothing
	 * about repeat offences any more. */
	if (gd->sweeps % GUARD_EXPIRE_SWEEPS == 0 && b->store &&
	    store_ban_expire(b->store, (int64_t)time(NULL),
	                     MAX(gd->rule.ban_max_s, gd->rule.ban_s)) < 0)
		log_warn("b2b: guard: expiry of old ban records failed");
}

static struct guard_src *
guard_src_get(struct b2b *b, const struct sockaddr *sa)
{
	struct b2b__guard *gd = b->guard;
	struct guard_src *e;
	uint8_t addr[16];
	int family;
	uint32_t h;

	if (guard_key(sa, &family, addr) < 0)
		return NULL;
	h = guard_hash(family, addr);
	for (e = gd->buckets[h & gd->mask]; e; e = e->next)
		if (e->hash == h && e->family == family &&
		    memcmp(e->addr, addr, 16) == 0)
			return e;
	if (gd->n >= gd->max)
		guard_counters_free(gd, true, (int64_t)ll_now_ms());
	if (gd->n >= gd->max || !(e = calloc(1, sizeof(*e)))) {
		uint64_t now = ll_now_ms();

		/* A flood of addresses: counting stops, bans stay. */
		if (now - gd->full_warned_ms >= 10000) {
			gd->full_warned_ms = now;
			log_warn("b2b: guard: %u addresses tracked, offences "
			         "of new ones not counted",
			         gd->n);
		}
		return NULL;
	}
	e->hash = h;
	e->family = family;
	memcpy(e->addr, addr, 16);
	e->next = gd->buckets[h & gd->mask];
	gd->buckets[h & gd->mask] = e;
	gd->n++;
	return e;
}

/* Bans sa for its next ban's length, in storage (audited) and sip/. */
static void
guard_ban(struct b2b *b, const struct sockaddr *sa, enum b2b__offence why)
{
	struct store_actor actor = {"guard", ""};
	struct store_ban prev;
	uint32_t strikes = 1, secs;
	char host[NET_ADDRSTRLEN];

	net_host_str(sa, host, sizeof(host));
	ll_strlcpy(actor.source, host, sizeof(actor.source));
	if (b->store && store_ban_get(b->store, &prev, sa) == 0 &&
	    prev.strikes < UINT32_MAX)
		strikes = prev.strikes + 1;
	secs = pol_guard_ban_seconds(&b->guard->rule, strikes);
	if (b->store && store_ban_put(b->store, sa, (int64_t)time(NULL), secs,
	                              offence_names[why], &actor, NULL) < 0)
		log_warn("b2b: guard: ban of %s not stored", host);
	if (b->sip && sip_ban_add(b->sip, sa, secs) < 0)
		log_warn("b2b: guard: %s: ban table full, not banned", host);
	b->stats.guard_bans++;
	log_info("b2b: guard: %s banned for %u s (%s), ban %u", host, secs,
	         offence_names[why], strikes);
}

void
b2b__guard_offence(struct b2b *b, const struct sockaddr *sa,
                   enum b2b__offence what)
{
	const struct b2b_guard_settings *g = &b->cfg.guard;
	struct guard_src *e;
	uint32_t weight = 1;

	if (!b->guard || b->closing || guard_is_exempt(b, sa))
		return;
	e = guard_src_get(b, sa);
	if (!e)
		return;
	b->stats.guard_offences++;
	if (what == B2B_OFF_SCANNER && g->scanner_ban)
		weight = b->guard->rule.threshold;
	if (pol_guard_offend(&e->count, &b->guard->rule, weight,
	                     (int64_t)ll_now_ms()))
		guard_ban(b, sa, what);
}

/* A new request from nobody: not a core peer, not trusted, no binding
 * from its address. Such calls and requests get 403 (decide.c,
 * relay.c); REGISTER, OPTIONS and in-dialog requests are not counted. */
static bool
guard_is_unknown(struct b2b *b, const osip_message_t *req,
                 const struct sip_source *src)
{
	static const char *const methods[] = {"INVITE",  "MESSAGE", "SUBSCRIBE",
	                                      "NOTIFY",  "PUBLISH", "REFER"};
	bool counted = false;

	if (sip_msg_to_tag(req))
		return false;
	for (size_t i = 0; i < ARRAY_SIZE(methods) && !counted; i++)
		counted = sip_msg_is_method(req, methods[i]);
	return counted && !b2b__is_core(b, src) && !b2b__is_trusted(b, src) &&
	       !b2b__binding_by_source(b, src);
}

bool
b2b__guard_request(struct b2b *b, struct sip_txn *st,
                   const osip_message_t *req, const struct sip_source *src)
{
	const struct b2b_guard_settings *g = &b->cfg.guard;
	const struct sockaddr *sa = (const struct sockaddr *)&src->remote;

	/* Scanners send requests out of dialog; in-dialog ones cost no
	 * header scan. */
	if (!b->guard || sip_msg_to_tag(req))
		return false;
	if (pol_guard_ua_is_scanner(sip_msg_header_get(req, "User-Agent", 0),
	                            g->scanners, g->n_scanners) &&
	    !guard_is_exempt(b, sa)) {
		b2b__guard_offence(b, sa, B2B_OFF_SCANNER);
		/* A scanner's request goes no further, banned or not: the
		 * transaction still needs its one final answer. */
		sip_txn_reply(st, 403, NULL, NULL, 0);
		return true;
	}
	if (guard_is_unknown(b, req, src))
		b2b__guard_offence(b, sa, B2B_OFF_UNKNOWN);
	return false;
}

void
b2b__guard_register_failed(struct b2b *b, const osip_message_t *req,
                           int code, const struct sockaddr *addr)
{
	osip_authorization_t *a = NULL;
	osip_proxy_authorization_t *pa = NULL;

	if (code != 401 && code != 403 && code != 407)
		return;
	/* RFC 3261 22.2: the first 401 is the challenge; only a refusal of
	 * a request that carried credentials is a failed guess. */
	osip_message_get_authorization(req, 0, &a);
	osip_message_get_proxy_authorization(req, 0, &pa);
	if (a || pa)
		b2b__guard_offence(b, addr, B2B_OFF_REGISTER);
}
