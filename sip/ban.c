/* Address bans: a source on this table gets nothing from linelock. Its
 * datagrams and TCP/TLS messages are dropped before they are parsed and
 * its connections closed at accept, without an answer (DESIGN external
 * contract rule 1), so a scanner learns nothing and costs one hash
 * lookup. sip/ only keeps the table; the B2BUA decides who is on it. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "sip/internal.h"

#define BAN_MAX_DEFAULT 4096u

struct sip__ban {
	struct sip__hnode hn;		/* in s->bans */
	int family;			/* AF_INET or AF_INET6 */
	uint8_t addr[16];
	uint64_t until_ms;		/* sip__now() clock; 0: no expiry */
};

/* The address bytes of sa; a v4-mapped IPv6 address is its IPv4 one, so
 * a dual-stack socket cannot slip past a ban of the IPv4 address. */
static int
ban_key(const struct sockaddr *sa, int *family, uint8_t addr[16])
{
	static const uint8_t mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	    0xff, 0xff};

	memset(addr, 0, 16);
	if (sa->sa_family == AF_INET) {
		memcpy(addr, &((const struct sockaddr_in *)sa)->sin_addr, 4);
		*family = AF_INET;
		return 4;
	}
	if (sa->sa_family != AF_INET6)
		return -EINVAL;
	memcpy(addr, ((const struct sockaddr_in6 *)sa)->sin6_addr.s6_addr, 16);
	if (memcmp(addr, mapped, sizeof(mapped)) == 0) {
		memmove(addr, addr + 12, 4);
		memset(addr + 4, 0, 12);
		*family = AF_INET;
		return 4;
	}
	*family = AF_INET6;
	return 16;
}

static struct sip__ban *
ban_find(const struct sip_stack *s, int family, const uint8_t addr[16],
    size_t n, uint64_t *hash)
{
	uint64_t h = sip__hash(addr, n, s->hash_seed);
	struct sip__hnode *hn;

	*hash = h;
	if (!s->bans.buckets)
		return NULL;
	for (hn = sip__htab_first(&s->bans, h); hn; hn = hn->next) {
		struct sip__ban *b = container_of(hn, struct sip__ban, hn);

		if (hn->hash == h && b->family == family &&
		    memcmp(b->addr, addr, n) == 0)
			return b;
	}
	return NULL;
}

static bool
ban_is_over(const struct sip_stack *s, const struct sip__ban *b)
{
	return b->until_ms && b->until_ms <= sip__now(s);
}

static void
ban_remove(struct sip_stack *s, struct sip__ban *b)
{
	sip__htab_remove(&s->bans, &b->hn);
	free(b);
}

/* Drops every expired entry: O(table), run only when the table is full
 * or counted, never per packet. */
static void
ban_purge(struct sip_stack *s)
{
	for (uint32_t i = 0; s->bans.buckets && i <= s->bans.mask; i++) {
		struct sip__hnode *hn = s->bans.buckets[i], *next;

		for (; hn; hn = next) {
			struct sip__ban *b = container_of(hn, struct sip__ban,
			    hn);

			next = hn->next;
			if (ban_is_over(s, b))
				ban_remove(s, b);
		}
	}
}

int
sip_ban_add(struct sip_stack *s, const struct sockaddr *addr,
    uint32_t seconds)
{
	uint8_t a[16];
	int family, n = ban_key(addr, &family, a);
	uint32_t max = s->cfg.max_bans ? s->cfg.max_bans : BAN_MAX_DEFAULT;
	struct sip__ban *b;
	uint64_t h;

	if (n < 0)
		return n;
	b = ban_find(s, family, a, (size_t)n, &h);
	if (!b) {
		if (s->bans.n >= max)
			ban_purge(s);
		if (s->bans.n >= max)
			return -ENOSPC;
		b = calloc(1, sizeof(*b));
		if (!b)
			return -ENOMEM;
		b->family = family;
		memcpy(b->addr, a, sizeof(b->addr));
		b->hn.hash = h;
		sip__htab_insert(&s->bans, &b->hn);
	}
	b->until_ms = seconds ? sip__now(s) + (uint64_t)seconds * 1000u : 0;
	return 0;
}

int
sip_ban_del(struct sip_stack *s, const struct sockaddr *addr)
{
	uint8_t a[16];
	int family, n = ban_key(addr, &family, a);
	struct sip__ban *b;
	uint64_t h;

	if (n < 0)
		return n;
	b = ban_find(s, family, a, (size_t)n, &h);
	if (!b)
		return -ENOENT;
	ban_remove(s, b);
	return 0;
}

void
sip_ban_clear(struct sip_stack *s)
{
	for (uint32_t i = 0; s->bans.buckets && i <= s->bans.mask; i++) {
		struct sip__hnode *hn = s->bans.buckets[i], *next;

		for (; hn; hn = next) {
			next = hn->next;
			free(container_of(hn, struct sip__ban, hn));
		}
		s->bans.buckets[i] = NULL;
	}
	s->bans.n = 0;
}

bool
sip_ban_is_banned(struct sip_stack *s, const struct sockaddr *addr)
{
	uint8_t a[16];
	int family, n;
	struct sip__ban *b;
	uint64_t h;

	if (s->bans.n == 0)
		return false;
	n = ban_key(addr, &family, a);
	if (n < 0)
		return false;
	b = ban_find(s, family, a, (size_t)n, &h);
	if (!b)
		return false;
	if (ban_is_over(s, b)) {
		ban_remove(s, b);	/* expired: this packet goes on */
		return false;
	}
	return true;
}

unsigned
sip_ban_count(struct sip_stack *s)
{
	ban_purge(s);
	return s->bans.n;
}

bool
sip__ban_drops(struct sip_stack *s, const struct sockaddr *addr)
{
	if (!sip_ban_is_banned(s, addr))
		return false;
	s->stats.dropped_banned++;
	return true;
}
