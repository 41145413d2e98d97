/* Per-source admission of new server transactions: a token bucket per
 * source IP address (rate_limit a second, rate_burst at once), so one
 * host cannot take every transaction slot; trusted and core peers are
 * exempt. Also the stack's housekeeping: idle buckets go, and after a
 * burst glibc is asked to give freed heap back (malloc_trim). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif

#include "sip/internal.h"

#define RATE_MAX_SOURCES 4096u	/* beyond: unknown sources pass */
#define MILLI 1000u

struct sip__rate {
	struct sip__hnode hn;		/* in s->rates */
	int family;
	uint8_t addr[16];
	uint64_t last_ms;		/* last refill */
	uint64_t milli;			/* tokens * 1000 */
};

static size_t
src_bytes(const struct sockaddr_storage *a, const uint8_t **p)
{
	if (a->ss_family == AF_INET6) {
		*p = ((const struct sockaddr_in6 *)a)->sin6_addr.s6_addr;
		return 16;
	}
	*p = (const uint8_t *)&((const struct sockaddr_in *)a)->sin_addr;
	return 4;
}

static bool
rate_exempt(const struct sip_stack *s, const struct sockaddr_storage *a)
{
	for (unsigned i = 0; i < s->cfg.n_rate_exempt; i++)
		if (net_cidr_contains(&s->cfg.rate_exempt[i],
		    (const struct sockaddr *)a))
			return true;
	return false;
}

static uint64_t
rate_full(const struct sip_stack *s)
{
	return (uint64_t)s->cfg.rate_burst * MILLI;
}

/* Refills r up to the burst: rate_limit tokens a second is rate_limit
 * milli-tokens a millisecond. */
static void
rate_refill(const struct sip_stack *s, struct sip__rate *r, uint64_t now)
{
	uint64_t add = (now - r->last_ms) * s->cfg.rate_limit;

	r->milli = add >= rate_full(s) - r->milli ? rate_full(s)
						   : r->milli + add;
	r->last_ms = now;
}

static struct sip__rate *
rate_find(struct sip_stack *s, const struct sockaddr_storage *a,
    uint64_t *hash)
{
	const uint8_t *b;
	size_t n = src_bytes(a, &b);
	uint64_t h = sip__hash(b, n, s->hash_seed);
	struct sip__hnode *hn = sip__htab_first(&s->rates, h);

	*hash = h;
	for (; hn; hn = hn->next) {
		struct sip__rate *r = container_of(hn, struct sip__rate, hn);

		if (hn->hash == h && r->family == a->ss_family &&
		    memcmp(r->addr, b, n) == 0)
			return r;
	}
	return NULL;
}

bool
sip__rate_admit(struct sip_stack *s, const struct sip_source *src)
{
	uint64_t now = sip__now(s), h;
	struct sip__rate *r;
	const uint8_t *b = NULL;
	size_t n;

	if (rate_exempt(s, &src->remote))
		return true;
	r = rate_find(s, &src->remote, &h);
	if (!r) {
		if (s->rates.n >= RATE_MAX_SOURCES)
			return true;	/* max_transactions still bounds */
		r = calloc(1, sizeof(*r));
		if (!r)
			return true;
		r->family = src->remote.ss_family;
		/* Two statements: C leaves the order of a call's arguments
		 * open, so b could still be NULL when memcpy() gets it. */
		n = src_bytes(&src->remote, &b);
		memcpy(r->addr, b, n);
		r->hn.hash = h;
		r->milli = rate_full(s);
		r->last_ms = now;
		sip__htab_insert(&s->rates, &r->hn);
		if (!sip__timer_is_armed(&s->sweep_timer))
			sip__timer_arm(s, &s->sweep_timer, SIP__SWEEP_MS);
	}
	rate_refill(s, r, now);
	if (r->milli < MILLI)
		return false;
	r->milli -= MILLI;
	return true;
}

/* Buckets full again belong to sources gone quiet: freed. */
static void
rate_sweep(struct sip_stack *s)
{
	uint64_t now = sip__now(s);

	for (uint32_t i = 0; i <= s->rates.mask; i++) {
		struct sip__hnode *hn = s->rates.buckets[i], *next;

		for (; hn; hn = next) {
			struct sip__rate *r = container_of(hn,
			    struct sip__rate, hn);

			next = hn->next;
			rate_refill(s, r, now);
			if (r->milli >= rate_full(s)) {
				sip__htab_remove(&s->rates, hn);
				free(r);
			}
		}
	}
}

/* After a burst of transactions recedes, the freed heap goes back to
 * the system: glibc keeps it otherwise and RSS stays at the peak. */
static void
heap_trim(struct sip_stack *s)
{
	uint32_t n = s->txns.n;

	if (n * 2 < s->txn_peak) {
#ifdef __GLIBC__
		malloc_trim(0);
#endif
		s->txn_peak = n;
	}
}

void
sip__on_sweep_timer(struct sip__timer *tm)
{
	struct sip_stack *s = container_of(tm, struct sip_stack, sweep_timer);

	rate_sweep(s);
	heap_trim(s);
	if (s->rates.n || s->txns.n || s->txn_peak)
		sip__timer_arm(s, &s->sweep_timer, SIP__SWEEP_MS);
}

void
sip__rate_free(struct sip_stack *s)
{
	sip__timer_stop(s, &s->sweep_timer);
	for (uint32_t i = 0; s->rates.buckets && i <= s->rates.mask; i++) {
		struct sip__hnode *hn = s->rates.buckets[i], *next;

		for (; hn; hn = next) {
			next = hn->next;
			free(container_of(hn, struct sip__rate, hn));
		}
		s->rates.buckets[i] = NULL;
	}
	s->rates.n = 0;
}
