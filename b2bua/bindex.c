/* The device bindings' indexes: every binding is on the room's list and
 * hashed three ways, by token (our Contact user: calls from the core),
 * by line (partition and user: several devices of a line share a chain,
 * calls to a line, a phone's REGISTER; 201 of two sites are two lines)
 * and by source transport and address (calls from a phone). A REGISTER
 * or a call looks up one chain, not the whole list: at 10,000 phones the
 * list walks were most of the time spent. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <netinet/in.h>

#include "b2bua/internal.h"
#include "util.h"

#define BINDEX__MIN_BUCKETS 256u

static uint32_t
bindex__fnv(uint32_t h, const void *p, size_t n)
{
	const uint8_t *s = p;

	while (n--)
		h = (h ^ *s++) * 16777619u;
	return h;
}

static uint32_t
bindex__str(const char *s)
{
	return bindex__fnv(2166136261u, s, strlen(s));
}

/* A line: its partition, a NUL, its user (names hold no NUL). */
static uint32_t
bindex__line(const char *partition, const char *user)
{
	uint32_t h = bindex__fnv(2166136261u, partition, strlen(partition) + 1);

	return bindex__fnv(h, user, strlen(user));
}

/* Hashes what net_addr_equal() compares: port and host. The host's last
 * four bytes are the IPv4 address of an IPv4-mapped IPv6 one too, which
 * net_addr_equal() finds equal to the plain IPv4 address. */
static uint32_t
bindex__src(enum net_transport t, const struct sockaddr_storage *ss)
{
	const uint8_t *tail = NULL;
	uint16_t port = 0;
	uint32_t h = bindex__fnv(2166136261u, &t, sizeof(t));

	if (ss->ss_family == AF_INET) {
		const struct sockaddr_in *in = (const struct sockaddr_in *)ss;

		tail = (const uint8_t *)&in->sin_addr;
		port = in->sin_port;
	} else if (ss->ss_family == AF_INET6) {
		const struct sockaddr_in6 *in6 =
		    (const struct sockaddr_in6 *)ss;

		tail = in6->sin6_addr.s6_addr + 12;
		port = in6->sin6_port;
	}
	h = bindex__fnv(h, &port, sizeof(port));
	return tail ? bindex__fnv(h, tail, 4) : h;
}

static void
bindex__hash(struct b2b *b, struct b2b_binding *bd)
{
	uint32_t m = b->bind_buckets - 1;

	bd->tnext = b->bind_tok[bd->thash & m];
	b->bind_tok[bd->thash & m] = bd;
	bd->unext = b->bind_user[bd->uhash & m];
	b->bind_user[bd->uhash & m] = bd;
	bd->snext = b->bind_src[bd->shash & m];
	b->bind_src[bd->shash & m] = bd;
}

static void
bindex__unhash_one(struct b2b_binding **pp, struct b2b_binding *bd,
                   size_t link)
{
	for (; *pp; pp = (struct b2b_binding **)((char *)*pp + link)) {
		if (*pp == bd) {
			*pp = *(struct b2b_binding **)((char *)bd + link);
			return;
		}
	}
}

/* Doubles the tables once they hold as many bindings as buckets, so
 * chains stay about one long. Without memory the old tables stay. */
static void
bindex__grow(struct b2b *b)
{
	uint32_t n = b->bind_buckets ? b->bind_buckets * 2
	                             : BINDEX__MIN_BUCKETS;
	struct b2b_binding **t = calloc(n, sizeof(*t));
	struct b2b_binding **u = calloc(n, sizeof(*u));
	struct b2b_binding **s = calloc(n, sizeof(*s));

	if (!t || !u || !s) {
		free(t);
		free(u);
		free(s);
		return;
	}
	free(b->bind_tok);
	free(b->bind_user);
	free(b->bind_src);
	b->bind_tok = t;
	b->bind_user = u;
	b->bind_src = s;
	b->bind_buckets = n;
	for (struct b2b_binding *bd = b->bindings; bd; bd = bd->next)
		bindex__hash(b, bd);
}

int
b2b__binding_link(struct b2b *b, struct b2b_binding *bd)
{
	if (b->stats.registrations >= b->bind_buckets)
		bindex__grow(b);
	if (!b->bind_buckets)
		return -ENOMEM;
	bd->thash = bindex__str(bd->token);
	bd->uhash = bindex__line(bd->partition, bd->user);
	bd->shash = bindex__src(bd->dest.transport, &bd->dest.addr);
	bd->prev = NULL;
	bd->next = b->bindings;
	if (b->bindings)
		b->bindings->prev = bd;
	b->bindings = bd;
	bindex__hash(b, bd);
	b->stats.registrations++;
	return 0;
}

void
b2b__binding_unlink(struct b2b *b, struct b2b_binding *bd)
{
	uint32_t m = b->bind_buckets - 1;

	bindex__unhash_one(&b->bind_tok[bd->thash & m], bd,
	                   offsetof(struct b2b_binding, tnext));
	bindex__unhash_one(&b->bind_user[bd->uhash & m], bd,
	                   offsetof(struct b2b_binding, unext));
	bindex__unhash_one(&b->bind_src[bd->shash & m], bd,
	                   offsetof(struct b2b_binding, snext));
	if (bd->prev)
		bd->prev->next = bd->next;
	else
		b->bindings = bd->next;
	if (bd->next)
		bd->next->prev = bd->prev;
	bd->next = bd->prev = NULL;
	b->stats.registrations--;
}

void
b2b__bindex_free(struct b2b *b)
{
	free(b->bind_tok);
	free(b->bind_user);
	free(b->bind_src);
	b->bind_tok = b->bind_user = b->bind_src = NULL;
	b->bind_buckets = 0;
}

struct b2b_binding *
b2b__binding_by_token(struct b2b *b, const char *tok)
{
	uint32_t h = bindex__str(tok);

	if (!b->bind_buckets)
		return NULL;
	for (struct b2b_binding *bd = b->bind_tok[h & (b->bind_buckets - 1)];
	     bd; bd = bd->tnext)
		if (bd->thash == h && strcmp(bd->token, tok) == 0)
			return bd;
	return NULL;
}

/* The next device of line (partition, user) after `after` (NULL: the
 * first). */
struct b2b_binding *
b2b__binding_of_user(struct b2b *b, const char *partition, const char *user,
                     struct b2b_binding *after)
{
	uint32_t h = bindex__line(partition, user);
	struct b2b_binding *bd;

	if (!b->bind_buckets)
		return NULL;
	bd = after ? after->unext : b->bind_user[h & (b->bind_buckets - 1)];
	for (; bd; bd = bd->unext)
		if (bd->uhash == h && strcmp(bd->user, user) == 0 &&
		    strcmp(bd->partition, partition) == 0)
			return bd;
	return NULL;
}

struct b2b_binding *
b2b__binding_by_user(struct b2b *b, const char *partition, const char *user)
{
	return b2b__binding_of_user(b, partition, user, NULL);
}

struct b2b_binding *
b2b__binding_by_source(struct b2b *b, const struct sip_source *src)
{
	uint32_t h = bindex__src(src->transport, &src->remote);

	if (!b->bind_buckets)
		return NULL;
	for (struct b2b_binding *bd = b->bind_src[h & (b->bind_buckets - 1)];
	     bd; bd = bd->snext) {
		if (bd->shash != h || bd->dest.transport != src->transport)
			continue;
		/* A flow's remote address is the one its binding came
		 * from, so the flow's binding is in this chain. */
		if (src->flow ? bd->dest.flow == src->flow
		              : net_addr_equal(
		                    (const struct sockaddr *)&bd->dest.addr,
		                    (const struct sockaddr *)&src->remote))
			return bd;
	}
	return NULL;
}
