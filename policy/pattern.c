/* Number patterns compiled into one DFA per list.
 *
 * Each pattern parses into positions, each a set of symbols (a 13-bit
 * mask over 0-9 * # +), and an optional tail ('.' one or more of any
 * symbol, '!' zero or more). The NFA state (pattern i, position j) moves
 * to (i, j + 1) on a symbol in position j's set; tails loop on any
 * symbol. Subset construction turns the NFA into a DFA: a DFA state is
 * the set of NFA states alive after some prefix. At most one NFA state
 * per pattern is ever alive (a pattern's position equals the prefix
 * length until its tail, which then loops), so sets stay sorted by
 * pattern and successor sets need no sorting. Matching walks one table
 * row per dialled symbol: cost is the number's length, whatever the
 * number of patterns. The accept value of a DFA state is the most
 * specific pattern accepting there. State 0 is the dead state, 1 the
 * start.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "policy/pol.h"
#include "util.h"

#define NSYM 13
#define SYM_STAR 10
#define SYM_HASH 11
#define SYM_PLUS 12
#define MASK_DIGITS 0x3ffu
#define MASK_ANY 0x1fffu
#define POS_MAX (STORE_PATTERN_MAX - 1)
#define STATES_MAX 65536u

enum tail { TAIL_NONE = 0, TAIL_ONE, TAIL_ANY };

struct pat {
	uint16_t mask[POS_MAX];
	uint8_t n;     /* positions before the tail */
	uint8_t tail;  /* enum tail */
	int64_t score; /* higher is more specific */
};

/* The compiled set. Owned by whoever called pol_patterns_new(). */
struct pol_patterns {
	size_t n;
	char (*text)[STORE_PATTERN_MAX];
	size_t nstates;
	uint16_t *next;  /* nstates * NSYM; 0 = dead */
	int32_t *accept; /* per state: pattern index or -1 */
};

static int
sym_of(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c == '*')
		return SYM_STAR;
	if (c == '#')
		return SYM_HASH;
	if (c == '+')
		return SYM_PLUS;
	return -1;
}

static int
perr(struct pol_pattern_error *err, size_t pos, const char *msg)
{
	if (err) {
		err->pos = pos;
		err->msg = msg;
	}
	return -EINVAL;
}

/* Parses "[...]" at s[*i] (the '['); leaves *i on the ']'. */
static int
parse_set(const char *s, size_t *i, uint16_t *mask,
          struct pol_pattern_error *err)
{
	size_t open = *i, k = *i + 1;

	*mask = 0;
	for (; s[k] && s[k] != ']'; k++) {
		int lo = s[k] - '0', hi;

		if (lo < 0 || lo > 9)
			return perr(err, k, "only digits and ranges in [ ]");
		hi = lo;
		if (s[k + 1] == '-') {
			hi = s[k + 2] - '0';
			if (hi < 0 || hi > 9 || hi < lo)
				return perr(err, k + 1, "bad range in [ ]");
			k += 2;
		}
		for (int d = lo; d <= hi; d++)
			*mask |= (uint16_t)(1u << d);
	}
	if (!s[k])
		return perr(err, open, "unterminated [");
	if (!*mask)
		return perr(err, open, "empty [ ]");
	*i = k;
	return 0;
}

/* One position's symbol set for s[*i]; may advance *i (sets). */
static int
parse_pos(const char *s, size_t *i, uint16_t *mask,
          struct pol_pattern_error *err)
{
	int c = s[*i], sym = sym_of(c);

	switch (c) {
	case 'X':
	case 'x':
		*mask = MASK_DIGITS;
		return 0;
	case 'Z':
	case 'z':
		*mask = MASK_DIGITS & ~1u;
		return 0;
	case 'N':
	case 'n':
		*mask = MASK_DIGITS & ~3u;
		return 0;
	case '[':
		return parse_set(s, i, mask, err);
	case '+':
		if (*i != 0)
			return perr(err, *i, "+ only at the start");
		*mask = 1u << SYM_PLUS;
		return 0;
	default:
		if (sym < 0)
			return perr(err, *i, "unexpected character");
		*mask = (uint16_t)(1u << sym);
		return 0;
	}
}

static int
popcount16(unsigned v)
{
	int n = 0;

	for (; v; v &= v - 1)
		n++;
	return n;
}

static int
pat_parse(const char *s, struct pat *p, struct pol_pattern_error *err)
{
	size_t i, width = 0;

	memset(p, 0, sizeof(*p));
	if (!s || !*s)
		return perr(err, 0, "empty pattern");
	if (strlen(s) > POS_MAX)
		return perr(err, POS_MAX, "pattern too long");
	for (i = 0; s[i]; i++) {
		if (s[i] == '.' || s[i] == '!') {
			if (s[i + 1])
				return perr(err, i, ". and ! only at the end");
			p->tail = s[i] == '.' ? TAIL_ONE : TAIL_ANY;
			break;
		}
		if (parse_pos(s, &i, &p->mask[p->n], err) < 0)
			return -EINVAL;
		width += (size_t)popcount16(p->mask[p->n]);
		p->n++;
	}
	/* Most specific first: no tail, then more positions, then the
	 * narrowest sets. */
	p->score = (int64_t)(p->tail == TAIL_NONE) << 40 | (int64_t)p->n << 24 |
	           (int64_t)(NSYM * POS_MAX - width);
	return 0;
}

int
pol_pattern_check(const char *pattern, struct pol_pattern_error *err)
{
	struct pat p;

	if (err)
		err->index = 0;
	return pat_parse(pattern, &p, err);
}

/* NFA state: pattern index << 6 | position (0..POS_MAX + 1). */
#define NFA(i, j) ((uint32_t)(i) << 6 | (uint32_t)(j))
#define NFA_PAT(s) ((s) >> 6)
#define NFA_POS(s) ((s)&63u)

/* Successor of NFA state s on symbol c, or UINT32_MAX (dead). */
static uint32_t
nfa_step(const struct pat *pats, uint32_t s, int c)
{
	const struct pat *p = &pats[NFA_PAT(s)];
	uint32_t j = NFA_POS(s);

	if (j < p->n)
		return p->mask[j] >> c & 1 ? s + 1 : UINT32_MAX;
	if (p->tail == TAIL_ANY)
		return s;
	if (p->tail == TAIL_ONE)
		return j == p->n ? s + 1 : s;
	return UINT32_MAX;
}

static bool
nfa_accepts(const struct pat *pats, uint32_t s)
{
	const struct pat *p = &pats[NFA_PAT(s)];
	uint32_t j = NFA_POS(s);

	return p->tail == TAIL_ONE ? j == (uint32_t)p->n + 1u : j == p->n;
}

/* The subset construction's working state, freed after compiling. */
struct build {
	const struct pat *pats;
	uint32_t *pool; /* every DFA state's NFA set, back to back */
	size_t pool_len, pool_cap;
	size_t *set_off, *set_len; /* per DFA state */
	uint32_t *slots;           /* hash: DFA id + 1, 0 = empty */
	size_t nslots;
	struct pol_patterns *out;
	size_t states_cap;
};

static uint64_t
set_hash(const uint32_t *s, size_t n)
{
	uint64_t h = 1469598103934665603ull;

	for (size_t i = 0; i < n; i++)
		h = (h ^ s[i]) * 1099511628211ull;
	return h;
}

static int
grow(void **p, size_t *cap, size_t need, size_t elem)
{
	size_t ncap = *cap ? *cap : 64;
	void *np;

	if (need <= *cap)
		return 0;
	while (ncap < need)
		ncap *= 2;
	np = realloc(*p, ncap * elem);
	if (!np)
		return -ENOMEM;
	*p = np;
	*cap = ncap;
	return 0;
}

static int
states_grow(struct build *b, size_t need)
{
	struct pol_patterns *o = b->out;
	size_t cap = b->states_cap, c2 = cap, c3 = cap, c4 = cap;
	void *next = o->next, *acc = o->accept;
	int rc;

	rc = grow(&next, &cap, need, NSYM * sizeof(uint16_t));
	o->next = next;
	if (rc == 0)
		rc = grow(&acc, &c2, need, sizeof(int32_t));
	o->accept = acc;
	if (rc == 0)
		rc = grow((void **)&b->set_off, &c3, need, sizeof(size_t));
	if (rc == 0)
		rc = grow((void **)&b->set_len, &c4, need, sizeof(size_t));
	if (rc == 0)
		b->states_cap = cap;
	return rc;
}

static int
slots_rehash(struct build *b)
{
	size_t n = b->nslots ? b->nslots * 2 : 1024;
	uint32_t *s = calloc(n, sizeof(*s));

	if (!s)
		return -ENOMEM;
	for (size_t id = 0; id < b->out->nstates; id++) {
		uint64_t h = set_hash(b->pool + b->set_off[id], b->set_len[id]);
		size_t k = (size_t)h & (n - 1);

		while (s[k])
			k = (k + 1) & (n - 1);
		s[k] = (uint32_t)id + 1;
	}
	free(b->slots);
	b->slots = s;
	b->nslots = n;
	return 0;
}

/* The best accepting pattern of a set, or -1. */
static int32_t
set_accept(const struct build *b, const uint32_t *set, size_t n)
{
	int32_t best = -1;

	for (size_t i = 0; i < n; i++) {
		uint32_t pi = NFA_PAT(set[i]);

		if (nfa_accepts(b->pats, set[i]) &&
		    (best < 0 || b->pats[pi].score > b->pats[best].score))
			best = (int32_t)pi;
	}
	return best;
}

/* Finds the DFA state of `set` (at the pool's end), adding it if new. */
static int
state_intern(struct build *b, size_t off, size_t n, uint16_t *id)
{
	const uint32_t *set = b->pool + off;
	uint64_t h = set_hash(set, n);
	size_t k;
	int rc;

	if (b->out->nstates * 2 >= b->nslots && (rc = slots_rehash(b)) < 0)
		return rc;
	for (k = (size_t)h & (b->nslots - 1); b->slots[k];
	     k = (k + 1) & (b->nslots - 1)) {
		size_t o = b->slots[k] - 1;

		if (b->set_len[o] == n &&
		    memcmp(b->pool + b->set_off[o], set, n * 4) == 0) {
			b->pool_len = off; /* drop the duplicate */
			*id = (uint16_t)o;
			return 0;
		}
	}
	if (b->out->nstates >= STATES_MAX)
		return -E2BIG;
	if ((rc = states_grow(b, b->out->nstates + 1)) < 0)
		return rc;
	*id = (uint16_t)b->out->nstates;
	b->set_off[*id] = off;
	b->set_len[*id] = n;
	memset(&b->out->next[(size_t)*id * NSYM], 0, NSYM * sizeof(uint16_t));
	b->out->accept[*id] = set_accept(b, set, n);
	b->slots[k] = (uint32_t)*id + 1;
	b->out->nstates++;
	return 0;
}

/* Fills state id's row: one successor set per symbol. */
static int
state_expand(struct build *b, size_t id)
{
	for (int c = 0; c < NSYM; c++) {
		size_t off = b->pool_len, n = b->set_len[id];
		uint16_t to = 0;
		int rc = grow((void **)&b->pool, &b->pool_cap, off + n,
		              sizeof(uint32_t));

		if (rc < 0)
			return rc;
		for (size_t i = 0; i < n; i++) {
			uint32_t s =
			    nfa_step(b->pats, b->pool[b->set_off[id] + i], c);

			if (s != UINT32_MAX)
				b->pool[b->pool_len++] = s;
		}
		if (b->pool_len > off &&
		    (rc = state_intern(b, off, b->pool_len - off, &to)) < 0)
			return rc;
		b->out->next[id * NSYM + (size_t)c] = to;
	}
	return 0;
}

static int
dfa_build(struct build *b, size_t npats)
{
	uint16_t id;
	int rc;

	/* State 0: dead (empty set); state 1: every pattern at its start. */
	rc = grow((void **)&b->pool, &b->pool_cap, npats + 1, sizeof(uint32_t));
	if (rc == 0)
		rc = slots_rehash(b);
	if (rc == 0)
		rc = state_intern(b, 0, 0, &id);
	for (size_t i = 0; rc == 0 && i < npats; i++)
		b->pool[b->pool_len++] = NFA(i, 0);
	if (rc == 0)
		rc = state_intern(b, 0, npats, &id);
	/* Breadth-first: each new state is expanded once, in id order. */
	for (size_t s = 1; rc == 0 && s < b->out->nstates; s++)
		rc = state_expand(b, s);
	return rc;
}

static void
build_free(struct build *b)
{
	free(b->pool);
	free(b->set_off);
	free(b->set_len);
	free(b->slots);
}

static int
patterns_parse_all(struct pat *pats, const char *const *src, size_t n,
                   struct pol_patterns *p, struct pol_pattern_error *err)
{
	for (size_t i = 0; i < n; i++) {
		if (pat_parse(src[i], &pats[i], err) < 0) {
			if (err)
				err->index = i;
			return -EINVAL;
		}
		ll_strlcpy(p->text[i], src[i], sizeof(p->text[i]));
	}
	return 0;
}

int
pol_patterns_new(struct pol_patterns **out, const char *const *patterns,
                 size_t n, struct pol_pattern_error *err)
{
	struct build b = {0};
	struct pol_patterns *p = calloc(1, sizeof(*p));
	struct pat *pats = NULL;
	int rc = -ENOMEM;

	if (!p || n >= (1u << 26))
		goto fail;
	p->n = n;
	p->text = calloc(n ? n : 1, sizeof(*p->text));
	pats = calloc(n ? n : 1, sizeof(*pats));
	if (!p->text || !pats)
		goto fail;
	rc = patterns_parse_all(pats, patterns, n, p, err);
	if (rc < 0)
		goto fail;
	b.pats = pats;
	b.out = p;
	rc = dfa_build(&b, n);
	if (rc < 0)
		goto fail;
	build_free(&b);
	free(pats);
	*out = p;
	return 0;
fail:
	build_free(&b);
	free(pats);
	pol_patterns_free(p);
	return rc;
}

void
pol_patterns_free(struct pol_patterns *p)
{
	if (!p)
		return;
	free(p->text);
	free(p->next);
	free(p->accept);
	free(p);
}

int
pol_patterns_match(const struct pol_patterns *p, const char *number)
{
	size_t s = 1;

	/* A set of no patterns has only the dead state. */
	if (!p || p->nstates < 2 || !number || !*number)
		return -ENOENT;
	for (; *number; number++) {
		int c = sym_of((unsigned char)*number);

		if (c < 0)
			return -ENOENT;
		s = p->next[s * NSYM + (size_t)c];
		if (s == 0)
			return -ENOENT;
	}
	return p->accept[s] >= 0 ? p->accept[s] : -ENOENT;
}

const char *
pol_patterns_text(const struct pol_patterns *p, size_t i)
{
	return p && i < p->n ? p->text[i] : NULL;
}

size_t
pol_patterns_count(const struct pol_patterns *p)
{
	return p ? p->n : 0;
}

size_t
pol_patterns_states(const struct pol_patterns *p)
{
	return p ? p->nstates : 0;
}
