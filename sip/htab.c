/* Intrusive chained hash table for transactions, accepted 2xx and
 * connections: lookups stay O(1) with 10,000 open transactions, where
 * libosip2's osip_find_transaction() walks a list. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "sip/internal.h"

int
sip__htab_init(struct sip__htab *t, uint32_t buckets)
{
	uint32_t n = 16;

	while (n < buckets && n < (1u << 24))
		n <<= 1;
	t->buckets = calloc(n, sizeof(*t->buckets));
	if (!t->buckets)
		return -ENOMEM;
	t->mask = n - 1;
	t->n = 0;
	return 0;
}

void
sip__htab_free(struct sip__htab *t)
{
	free(t->buckets);
	t->buckets = NULL;
	t->n = 0;
}

/* Doubles the bucket array when the load passes 1; on allocation
 * failure the table just gets longer chains. */
static void
htab_grow(struct sip__htab *t)
{
	uint32_t n = (t->mask + 1) * 2;
	struct sip__hnode **b = calloc(n, sizeof(*b));

	if (!b)
		return;
	for (uint32_t i = 0; i <= t->mask; i++) {
		struct sip__hnode *e = t->buckets[i], *next;

		for (; e; e = next) {
			next = e->next;
			e->next = b[e->hash & (n - 1)];
			b[e->hash & (n - 1)] = e;
		}
	}
	free(t->buckets);
	t->buckets = b;
	t->mask = n - 1;
}

void
sip__htab_insert(struct sip__htab *t, struct sip__hnode *n)
{
	struct sip__hnode **b;

	if (t->n > t->mask && t->mask < (1u << 22))
		htab_grow(t);
	b = &t->buckets[n->hash & t->mask];
	n->next = *b;
	*b = n;
	t->n++;
}

void
sip__htab_remove(struct sip__htab *t, struct sip__hnode *n)
{
	struct sip__hnode **p = &t->buckets[n->hash & t->mask];

	for (; *p; p = &(*p)->next) {
		if (*p == n) {
			*p = n->next;
			n->next = NULL;
			t->n--;
			return;
		}
	}
}

struct sip__hnode *
sip__htab_first(const struct sip__htab *t, uint64_t h)
{
	return t->buckets[h & t->mask];
}

/* Eight bytes a step (a transaction key is 40-100 bytes, hashed for
 * every message), each mixed by a multiply and a shift, started from a
 * per-stack random seed so a peer cannot aim branches at one bucket;
 * the length and a final avalanche (splitmix64's) close it. */
uint64_t
sip__hash(const void *p, size_t len, uint64_t seed)
{
	const unsigned char *c = p;
	uint64_t h = seed ^ (len * 0x9e3779b97f4a7c15ull), w;

	for (; len >= 8; c += 8, len -= 8) {
		memcpy(&w, c, 8);
		h = (h ^ w) * 0xbf58476d1ce4e5b9ull;
		h ^= h >> 31;
	}
	w = 0;
	memcpy(&w, c, len);
	h = (h ^ w ^ ((uint64_t)len << 59)) * 0x94d049bb133111ebull;
	h ^= h >> 29;
	h *= 0xbf58476d1ce4e5b9ull;
	h ^= h >> 32;
	return h;
}

/* The open-addressed table (struct sip__otab): linear probing over
 * {hash, pointer} slots, at most half full, so a lookup that misses
 * (every new transaction) reads one or two cache lines of slots and no
 * entry, and an entry is only dereferenced when its whole 64-bit hash
 * matches. Removal shifts the probe run back: no tombstones. */
int
sip__otab_init(struct sip__otab *t, uint32_t slots)
{
	uint32_t n = 16;

	while (n < slots && n < (1u << 24))
		n <<= 1;
	t->v = calloc(n, sizeof(*t->v));
	if (!t->v)
		return -ENOMEM;
	t->mask = n - 1;
	t->n = 0;
	return 0;
}

void
sip__otab_free(struct sip__otab *t)
{
	free(t->v);
	t->v = NULL;
	t->n = 0;
}

static void
otab_put(struct sip__otab_slot *v, uint32_t mask, uint64_t hash, void *p)
{
	uint32_t i = (uint32_t)hash & mask;

	while (v[i].p)
		i = (i + 1) & mask;
	v[i].hash = hash;
	v[i].p = p;
}

/* Doubles the slots; -ENOMEM leaves the table as it was. */
static int
otab_grow(struct sip__otab *t)
{
	uint32_t n = (t->mask + 1) * 2;
	struct sip__otab_slot *v;

	if (n == 0 || !(v = calloc(n, sizeof(*v))))
		return -ENOMEM;
	for (uint32_t i = 0; i <= t->mask; i++) {
		if (t->v[i].p)
			otab_put(v, n - 1, t->v[i].hash, t->v[i].p);
	}
	free(t->v);
	t->v = v;
	t->mask = n - 1;
	return 0;
}

int
sip__otab_insert(struct sip__otab *t, uint64_t hash, void *p)
{
	uint64_t size = (uint64_t)t->mask + 1;

	/* Past half full the table doubles; if it cannot, it takes
	 * entries up to seven eighths (longer probes) and then refuses. */
	if (2 * ((uint64_t)t->n + 1) > size && otab_grow(t) < 0 &&
	    8 * ((uint64_t)t->n + 1) > 7 * size)
		return -ENOMEM;
	otab_put(t->v, t->mask, hash, p);
	t->n++;
	return 0;
}

/* Whether slot home h lies cyclically in (i, j]: then the entry at j
 * must stay behind the hole at i. */
static bool
otab_stays(uint32_t h, uint32_t i, uint32_t j)
{
	return i <= j ? (h > i && h <= j) : (h > i || h <= j);
}

void
sip__otab_remove(struct sip__otab *t, uint64_t hash, const void *p)
{
	uint32_t i = (uint32_t)hash & t->mask, j;

	for (; t->v[i].p != p; i = (i + 1) & t->mask) {
		if (!t->v[i].p)
			return;		/* not in the table */
	}
	for (j = (i + 1) & t->mask; t->v[j].p; j = (j + 1) & t->mask) {
		if (otab_stays((uint32_t)t->v[j].hash & t->mask, i, j))
			continue;
		t->v[i] = t->v[j];
		i = j;
	}
	t->v[i].p = NULL;
	t->n--;
}

void *
sip__otab_find(const struct sip__otab *t, uint64_t hash,
    bool (*eq)(const void *p, const void *key), const void *key)
{
	uint32_t i = (uint32_t)hash & t->mask;

	for (; t->v[i].p; i = (i + 1) & t->mask) {
		if (t->v[i].hash == hash && eq(t->v[i].p, key))
			return t->v[i].p;
	}
	return NULL;
}
