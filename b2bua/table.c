/* The room's call tables: every call on a list, hashed by our number
 * (what sip/ hands back as st_arg) and each leg hashed by its Call-ID. */
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "b2bua/internal.h"
#include "util.h"

static uint32_t
table__fnv(const char *s)
{
	uint32_t h = 2166136261u;

	while (*s)
		h = (h ^ (uint8_t)*s++) * 16777619u;
	return h;
}

int
b2b__tables_init(struct b2b *b, uint32_t max_calls)
{
	uint32_t n = 64;

	while (n < max_calls && n < (1u << 20))
		n <<= 1;
	b->by_no = calloc(n, sizeof(*b->by_no));
	b->by_callid = calloc(n, sizeof(*b->by_callid));
	if (!b->by_no || !b->by_callid) {
		free(b->by_no);
		free(b->by_callid);
		return -ENOMEM;
	}
	b->n_buckets = n;
	b->next_no = 1;
	return 0;
}

void
b2b__tables_free(struct b2b *b)
{
	while (b->calls)
		b2b__call_free(b->calls);
	free(b->by_no);
	free(b->by_callid);
	b->by_no = NULL;
	b->by_callid = NULL;
}

/* A leg as calloc() would leave it for every reader: its strings are
 * only ever read as C strings (written with ll_strlcpy()), so their
 * first byte is enough; the rest, padding included, is cleared. */
static void
table__leg_clear(struct b2b_leg *l)
{
	memset(l, 0, offsetof(struct b2b_leg, call_id));
	l->call_id[0] = '\0';
	l->local_tag[0] = '\0';
	l->remote_tag[0] = '\0';
	l->local_uri[0] = '\0';
	l->remote_uri[0] = '\0';
	l->target[0] = '\0';
	l->route[0] = '\0';
	memset(&l->local_cseq, 0,
	       sizeof(*l) - offsetof(struct b2b_leg, local_cseq));
}

/* The same for a call: 3.8 KiB, four fifths of them strings, cleared
 * by calloc() on every call (callgrind: 4 k instructions a call). The
 * order of struct b2b_call decides the spans: see internal.h. */
static void
table__call_clear(struct b2b_call *c)
{
	memset(c, 0, offsetof(struct b2b_call, leg));
	table__leg_clear(&c->leg[B2B_LEG_A]);
	table__leg_clear(&c->leg[B2B_LEG_B]);
	memset(&c->a_st, 0,
	       offsetof(struct b2b_call, caller) -
	           offsetof(struct b2b_call, a_st));
	c->caller[0] = '\0';
	c->callee[0] = '\0';
	c->partition[0] = '\0';
	c->disposition[0] = '\0';
	c->reason[0] = '\0';
	c->pattern[0] = '\0';
	c->dial[0] = '\0';
	c->auth_name[0] = '\0';
	memset(&c->charge, 0, sizeof(*c) - offsetof(struct b2b_call, charge));
}

int
b2b__call_new(struct b2b_call **out, struct b2b *b)
{
	struct b2b_call *c = malloc(sizeof(*c));
	uint32_t slot;

	if (!c)
		return -ENOMEM;
	table__call_clear(c);
	c->b2b = b;
	do {
		c->no = b->next_no++ & 0x7fffffffu;
	} while (c->no == 0 || b2b__call_by_no(b, c->no));
	slot = c->no & (b->n_buckets - 1);
	c->nnext = b->by_no[slot];
	b->by_no[slot] = c;
	c->next = b->calls;
	if (b->calls)
		b->calls->prev = c;
	b->calls = c;
	c->start_ms = b2b__wall_ms();
	c->last_refresh_ms = ll_now_ms();
	b->stats.calls_active++;
	*out = c;
	return 0;
}

static void
table__leg_unhash(struct b2b *b, struct b2b_leg *leg)
{
	struct b2b_leg **pp = &b->by_callid[leg->hash & (b->n_buckets - 1)];

	for (; *pp; pp = &(*pp)->hnext) {
		if (*pp == leg) {
			*pp = leg->hnext;
			return;
		}
	}
}

/* Frees c and forgets it everywhere. Transactions it still points at
 * are detached first so sip/ never calls back into freed memory. */
void
b2b__call_free(struct b2b_call *c)
{
	struct b2b *b = c->b2b;
	struct b2b_call **pp = &b->by_no[c->no & (b->n_buckets - 1)];

	for (; *pp; pp = &(*pp)->nnext) {
		if (*pp == c) {
			*pp = c->nnext;
			break;
		}
	}
	if (c->in_table) {
		table__leg_unhash(b, &c->leg[B2B_LEG_A]);
		table__leg_unhash(b, &c->leg[B2B_LEG_B]);
		b->stats.legs_active -= 2;
	}
	if (c->b_ct)
		sip_txn_detach(c->b_ct);
	for (unsigned i = 0; i < c->n_forks; i++)
		if (c->fork[i].ct)
			sip_txn_detach(c->fork[i].ct);
	if (c->a_st) {
		/* Never left unanswered: RFC 3261 17.2.1 needs a final. */
		sip_txn_set_arg(c->a_st, NULL);
		sip_txn_reply(c->a_st, 500, NULL, NULL, 0);
	}
	if (c->prev)
		c->prev->next = c->next;
	else
		b->calls = c->next;
	if (c->next)
		c->next->prev = c->prev;
	b->stats.calls_active--;
	free(c);
}

/* Hashes both legs by Call-ID once the B leg has its own. */
void
b2b__call_hash(struct b2b_call *c)
{
	struct b2b *b = c->b2b;

	for (int i = 0; i < 2; i++) {
		struct b2b_leg *leg = &c->leg[i];
		uint32_t slot;

		leg->hash = table__fnv(leg->call_id);
		slot = leg->hash & (b->n_buckets - 1);
		leg->hnext = b->by_callid[slot];
		b->by_callid[slot] = leg;
	}
	c->in_table = true;
	b->stats.legs_active += 2;
}

struct b2b_call *
b2b__call_by_no(struct b2b *b, uint32_t no)
{
	struct b2b_call *c = b->by_no[no & (b->n_buckets - 1)];

	while (c && c->no != no)
		c = c->nnext;
	return c;
}

/* The leg with this Call-ID whose local tag is local_tag (the tag the
 * request names as ours: its To-tag). Both legs of a call looped
 * through linelock share no Call-ID, so the tag only settles hairpins. */
struct b2b_leg *
b2b__leg_by_callid(struct b2b *b, const char *call_id, const char *local_tag)
{
	uint32_t h = table__fnv(call_id);
	struct b2b_leg *leg = b->by_callid[h & (b->n_buckets - 1)];
	struct b2b_leg *any = NULL;

	for (; leg; leg = leg->hnext) {
		if (leg->hash != h || strcmp(leg->call_id, call_id) != 0)
			continue;
		if (local_tag && strcmp(leg->local_tag, local_tag) == 0)
			return leg;
		any = leg;
	}
	return local_tag ? NULL : any;
}

struct b2b_call *
b2b__leg_call(struct b2b_leg *leg)
{
	return container_of(leg - leg->id, struct b2b_call, leg);
}
