/* libosip2's allocator (osip_set_allocators): per-message arenas.
 *
 * libosip2 allocates every header, URI, parameter and string of a message
 * separately, and osip_message_free() frees them one by one: malloc and
 * free were a quarter of a relayed call's instructions (callgrind). While
 * a message is parsed or built, its blocks are instead cut from chunks of
 * the message's arena (a pointer bump); freeing one only counts it, and
 * the arena's chunks go back to malloc when its last block is freed and
 * no caller still has it current. Every block, arena or heap, carries a
 * 16-byte header naming its arena (NULL: malloc), so a block allocated
 * in one arena and freed or reallocated anywhere later is recognised,
 * and a message modified after it was parsed stays correct whichever
 * allocator its new parts came from.
 *
 * Freeing a message block by block still cost a ninth of a relayed
 * call (callgrind: osip_message_free() 35 k of 318 k Ir), so
 * sip__msg_free() releases a message's arena in one step when the
 * message provably owns exactly its arena's live blocks; see there.
 *
 * Checkers still see real bugs: under memcheck the arenas are off at run
 * time (every block is its own malloc, every message walked); under ASan
 * a freed arena block and every header are poisoned, a dropped arena's
 * chunks are cleared and poisoned, and each drop is first checked by a
 * walk that only counts. CONFIG_SIP_ARENA=n installs nothing. */
#include <assert.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sip/internal.h"

#if defined(__SANITIZE_ADDRESS__)
#define ARENA_ASAN
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define ARENA_ASAN
#endif
#endif

#ifdef ARENA_ASAN
#include <sanitizer/asan_interface.h>
#define POISON(p, n) ASAN_POISON_MEMORY_REGION((p), (n))
#define UNPOISON(p, n) ASAN_UNPOISON_MEMORY_REGION((p), (n))
#else
#define POISON(p, n) ((void)(p), (void)(n))
#define UNPOISON(p, n) ((void)(p), (void)(n))
#endif

#if defined(__has_include)
#if __has_include(<valgrind/memcheck.h>)
#include <valgrind/memcheck.h>
#define ARENA_VALGRIND
#endif
#endif

#define ARENA_ALIGN 16u
#define ARENA_CHUNK 4032u	/* malloc'd per chunk: a page with slack */
#define ARENA_BIG 512u		/* larger blocks come from malloc */
#define ARENA_MAGIC 0x5a1b0c0du
#define ARENA_LOOSE 0x5a1b0c0eu	/* a loose block (arena_loose before) */

/* Before every block libosip2 gets from us. */
struct arena_hdr {
	struct sip__arena *arena;	/* NULL: the block is its own malloc */
	uint32_t size;			/* as asked */
	uint32_t magic;
};

struct arena_chunk {
	struct arena_chunk *next;
	uint64_t big;			/* 1: one big block's own malloc */
};

/* Lives at the start of its first chunk; owned by its blocks: freed with
 * its chunks once `live` and `pins` are both 0, or at once by
 * sip__msg_free() when its message is all of it (see there). */
struct sip__arena {
	unsigned char *next, *end;	/* free part of the newest chunk */
	struct arena_chunk *chunks;	/* newest first, big ones included */
	uint32_t live;			/* blocks not yet freed */
	uint32_t pins;			/* push/enter not yet undone */
	uint64_t loose;			/* loose_seq when pushed */
	bool tainted;			/* a block freed from outside */
};

#define ARENA_HEAD_SIZE ((sizeof(struct sip__arena) + ARENA_ALIGN - 1) & \
	~(size_t)(ARENA_ALIGN - 1))

static_assert(sizeof(struct arena_hdr) == ARENA_ALIGN, "header size");
static_assert(sizeof(struct arena_chunk) == ARENA_ALIGN, "chunk size");

/* Where osip_malloc() goes; NULL: malloc, no one said so (a "loose"
 * block); &heap_scope: malloc on purpose (enter(NULL) or a heap block).
 * heap_scope's next == end sends every allocation to the slow path. sip/
 * runs on the loop thread only, as does every libosip2 call. */
static struct sip__arena *cur;
static struct sip__arena heap_scope;
static bool arena_on;		/* allocators installed, arenas usable */
static struct sip__arena_stats stats;

/* A loose block may have been linked into any message alive when it was
 * made, so sip__msg_free() must know whether one made since a message's
 * arena was pushed is still alive: the live ones are kept in allocation
 * order, each with its number, in front of its header. Most are
 * scratch (a header printed to text, then freed) and gone at once. The
 * links are stored inverted: LeakSanitizer must not take this list for
 * a reference to a leaked block. Under memcheck nothing is loose. */
struct arena_loose {
	uintptr_t older, newer;		/* inverted pointers */
	uint64_t seq;			/* loose_seq when made */
	uint64_t pad;			/* keeps blocks 16-byte aligned */
};

static_assert(sizeof(struct arena_loose) == 2 * ARENA_ALIGN, "loose size");

static uint64_t loose_seq;		/* loose blocks made so far */
static uintptr_t loose_newest = ~(uintptr_t)0;	/* inverted; NULL */

/* Inlined by hand (-Os would not): they run for every libosip2 block. */
#define ARENA_HOT static inline __attribute__((always_inline))

ARENA_HOT struct arena_hdr *
hdr_of(void *p)
{
	struct arena_hdr *h = (struct arena_hdr *)p - 1;

	UNPOISON(h, sizeof(*h));
	assert(h->magic == ARENA_MAGIC || h->magic == ARENA_LOOSE);
	return h;
}

ARENA_HOT void *
hdr_seal(struct arena_hdr *h, struct sip__arena *a, size_t n)
{
	h->arena = a;
	h->size = (uint32_t)n;
	h->magic = ARENA_MAGIC;
	POISON(h, sizeof(*h));
	return h + 1;
}

static void *
heap_alloc(size_t n)
{
	struct arena_hdr *h;

	if (n > UINT32_MAX - ARENA_ALIGN)
		return NULL;
	h = malloc(sizeof(*h) + n);
	return h ? hdr_seal(h, NULL, n) : NULL;
}

#define LOOSE_PTR(v) ((struct arena_loose *)~(v))
#define LOOSE_VAL(l) (~(uintptr_t)(l))

/* Puts l where its neighbours (or the list's ends) say, after a move. */
static void
loose_relink(struct arena_loose *l)
{
	if (l->older != LOOSE_VAL(NULL))
		LOOSE_PTR(l->older)->newer = LOOSE_VAL(l);
	if (l->newer != LOOSE_VAL(NULL))
		LOOSE_PTR(l->newer)->older = LOOSE_VAL(l);
	else
		loose_newest = LOOSE_VAL(l);
}

static void
loose_unlink(struct arena_loose *l)
{
	if (l->older != LOOSE_VAL(NULL))
		LOOSE_PTR(l->older)->newer = l->newer;
	if (l->newer != LOOSE_VAL(NULL))
		LOOSE_PTR(l->newer)->older = l->older;
	else
		loose_newest = l->older;
}

static void *
loose_alloc(size_t n)
{
	struct arena_loose *l;
	struct arena_hdr *h;

	if (n > UINT32_MAX - 3 * ARENA_ALIGN)
		return NULL;
	l = malloc(sizeof(*l) + sizeof(*h) + n);
	if (!l)
		return NULL;
	l->seq = loose_seq++;
	l->older = loose_newest;
	l->newer = LOOSE_VAL(NULL);
	loose_relink(l);
	h = (struct arena_hdr *)(l + 1);
	h->arena = NULL;
	h->size = (uint32_t)n;
	h->magic = ARENA_LOOSE;
	POISON(h, sizeof(*h));
	return h + 1;
}

/* A heap block, loose or not, resized in place in the loose order. */
static void *
heap_realloc(struct arena_hdr *h, size_t n)
{
	struct arena_loose *l;

	if (n > UINT32_MAX - 3 * ARENA_ALIGN)
		return NULL;
	if (h->magic != ARENA_LOOSE) {
		h = realloc(h, sizeof(*h) + n);
		return h ? hdr_seal(h, NULL, n) : NULL;
	}
	l = realloc((struct arena_loose *)h - 1, sizeof(*l) + sizeof(*h) + n);
	if (!l)
		return NULL;
	loose_relink(l);
	h = (struct arena_hdr *)(l + 1);
	h->size = (uint32_t)n;
	POISON(h, sizeof(*h));
	return h + 1;
}

static void
heap_free(struct arena_hdr *h)
{
	struct arena_loose *l = (struct arena_loose *)h - 1;

	if (h->magic != ARENA_LOOSE) {
		free(h);
		return;
	}
	loose_unlink(l);
	free(l);
}

/* True when a loose block made since a was pushed is still alive. */
static bool
loose_since(const struct sip__arena *a)
{
	return loose_newest != LOOSE_VAL(NULL) &&
	    LOOSE_PTR(loose_newest)->seq >= a->loose;
}

/* Released chunks kept for the next arenas (at most ARENA_SPARE, 64 KiB):
 * each message takes one or two, and malloc/free of 4 KiB blocks cost
 * more than the rest of an arena's life. */
#define ARENA_SPARE 16u
static struct arena_chunk *spare;
static unsigned n_spare;

static struct arena_chunk *
chunk_get(void)
{
	struct arena_chunk *c = spare;

	if (!c)
		return malloc(ARENA_CHUNK);
	UNPOISON(c, ARENA_CHUNK);
	spare = c->next;
	n_spare--;
	return c;
}

static void
arena_release(struct sip__arena *a)
{
	struct arena_chunk *c = a->chunks, *next;

	stats.released++;
	for (; c; c = next) {
		UNPOISON(c, sizeof(*c));
		next = c->next;
		if (c->big || n_spare >= ARENA_SPARE) {
			free(c);	/* ASan's free() needs no unpoison */
			continue;
		}
		c->next = spare;
		spare = c;
		n_spare++;
#ifdef ARENA_ASAN
		/* A spare chunk holds no stale pointer that would hide a
		 * leaked block from LeakSanitizer. */
		UNPOISON(c + 1, ARENA_CHUNK - sizeof(*c));
		memset(c + 1, 0, ARENA_CHUNK - sizeof(*c));
#endif
		/* The link stays readable: LeakSanitizer follows it. */
		POISON(c + 1, ARENA_CHUNK - sizeof(*c));
	}
}

/* A new chunk for a; false when out of memory. */
static bool
arena_grow(struct sip__arena *a)
{
	struct arena_chunk *c = chunk_get();

	if (!c)
		return false;
	stats.chunks++;
	c->big = 0;
	c->next = a->chunks;
	a->chunks = c;
	a->next = (unsigned char *)(c + 1);
	a->end = (unsigned char *)c + ARENA_CHUNK;
	POISON(a->next, (size_t)(a->end - a->next));
	return true;
}

/* Cuts `need` bytes (header included) from a's newest chunk. */
ARENA_HOT void *
arena_cut(struct sip__arena *a, size_t need, size_t n)
{
	struct arena_hdr *h = (struct arena_hdr *)a->next;

	a->next += need;
	a->live++;
	UNPOISON(h, need);
	return hdr_seal(h, a, n);
}

#define ARENA_NEED(n) (sizeof(struct arena_hdr) + \
	(((n) + ARENA_ALIGN - 1) & ~(size_t)(ARENA_ALIGN - 1)))

/* A block too big for a chunk: its own malloc, still one of a's blocks
 * (in a's chunk list) so that a whole-arena release takes it too. Its
 * memory stays until then, as a small block's does. */
static void *
arena_big(struct sip__arena *a, size_t n)
{
	struct arena_chunk *c;

	if (n > UINT32_MAX - 2 * ARENA_ALIGN)
		return NULL;
	c = malloc(sizeof(*c) + sizeof(struct arena_hdr) + n);
	if (!c)
		return NULL;
	stats.chunks++;
	c->big = 1;
	c->next = a->chunks;
	a->chunks = c;
	a->live++;
	return hdr_seal((struct arena_hdr *)(c + 1), a, n);
}

/* arena_alloc()'s rare cases, kept out of line so that the common one
 * needs no stack frame: no arena, a big block, a full chunk. */
static __attribute__((noinline)) void *
arena_alloc_slow(size_t n)
{
	struct sip__arena *a = cur;

	if (a == &heap_scope || (!a && !arena_on))
		return heap_alloc(n);
	if (!a)
		return loose_alloc(n);
	if (n > ARENA_BIG)
		return arena_big(a, n);
	if ((size_t)(a->end - a->next) < ARENA_NEED(n) && !arena_grow(a))
		return NULL;
	return arena_cut(a, ARENA_NEED(n), n);
}

static void *
arena_alloc(size_t n)
{
	struct sip__arena *a = cur;
	size_t need = ARENA_NEED(n);

	if (!a || n > ARENA_BIG || (size_t)(a->end - a->next) < need)
		return arena_alloc_slow(n);
	return arena_cut(a, need, n);
}

/* arena_free()'s rare cases, out of line as arena_alloc_slow(). */
static __attribute__((noinline)) void
arena_free_slow(struct arena_hdr *h, struct sip__arena *a)
{
	if (!a)
		heap_free(h);
	else if (a->pins == 0)
		arena_release(a);
}

#ifdef ARENA_ASAN
/* sip__msg_free()'s check: while set, freeing only counts. */
static struct sip__arena *verifying;
static uint32_t v_own, v_foreign;

/* Counts the message's blocks through libosip2's own walk, without
 * freeing one: all must be a's, and all of a's live blocks. */
static void
arena_verify(struct sip__arena *a, osip_message_t *m)
{
	verifying = a;
	v_own = v_foreign = 0;
	osip_message_free(m);
	verifying = NULL;
	assert(v_foreign == 0 && v_own == a->live);
}

static bool
arena_count(struct arena_hdr *h)
{
	if (!verifying)
		return false;
	if (h->arena == verifying)
		v_own++;
	else
		v_foreign++;
	POISON(h, sizeof(*h));
	return true;
}
#else
#define arena_count(h) ((void)(h), false)
#endif

static void
arena_free(void *p)
{
	struct arena_hdr *h;
	struct sip__arena *a;

	if (!p)
		return;
	h = hdr_of(p);
	if (arena_count(h))
		return;
	a = h->arena;
	if (!a) {
		arena_free_slow(h, NULL);
		return;
	}
	POISON(h, sizeof(*h) + h->size);
	assert(a->live > 0);
	/* Freed from outside: its message was changed or lost a part. */
	a->tainted |= a != cur;
	if (--a->live == 0)
		arena_free_slow(h, a);
}

static void *
arena_realloc(void *p, size_t n)
{
	struct arena_hdr *h;
	void *q;

	if (!p)
		return arena_alloc(n);
	h = hdr_of(p);
	if (!h->arena)
		return heap_realloc(h, n);
	/* An arena block moves: the old one is counted free. */
	q = arena_alloc(n);
	if (!q)
		return NULL;
	memcpy(q, p, MIN(n, (size_t)h->size));
	arena_free(p);
	return q;
}

struct sip__arena *
sip__arena_push(void)
{
	struct sip__arena *prev = cur, *a;
	struct arena_chunk *c;

	if (!arena_on)
		return prev;
	c = chunk_get();
	if (!c) {
		cur = NULL;	/* plain malloc: slower, still correct */
		return prev;
	}
	stats.arenas++;
	stats.chunks++;
	c->next = NULL;
	c->big = 0;
	a = (struct sip__arena *)(c + 1);
	a->chunks = c;
	a->next = (unsigned char *)a + ARENA_HEAD_SIZE;
	a->end = (unsigned char *)c + ARENA_CHUNK;
	a->live = 0;
	a->pins = 1;
	a->loose = loose_seq;
	a->tainted = false;
	POISON(a->next, (size_t)(a->end - a->next));
	cur = a;
	return prev;
}

static void
arena_unpin(struct sip__arena *a)
{
	if (a && a != &heap_scope && --a->pins == 0 && a->live == 0)
		arena_release(a);
}

void
sip__arena_pop(struct sip__arena *prev)
{
	if (!arena_on)
		return;
	arena_unpin(cur);
	cur = prev;
}

struct sip__arena *
sip__arena_enter(const void *block)
{
	struct sip__arena *prev = cur;

	if (!arena_on)
		return prev;
	cur = &heap_scope;
	if (block) {
		cur = hdr_of((void *)block)->arena;
		POISON((const struct arena_hdr *)block - 1,
		    sizeof(struct arena_hdr));
		if (cur)
			cur->pins++;
		else
			cur = &heap_scope;
	}
	return prev;
}

void
sip__arena_leave(struct sip__arena *prev)
{
	sip__arena_pop(prev);
}

/* True when freeing m block by block would free exactly a's live blocks,
 * so that releasing a is the same: m is a's first block (its message,
 * built or parsed in it from the push on), a is no one's current arena,
 * no block of a was freed from outside it (a part of m removed, or a
 * block moved out freed elsewhere), and no loose block made since a was
 * pushed is alive (it may be linked into m, and would leak). Blocks
 * moved out of m and kept, or another arena's blocks linked in, break
 * sip/'s rule that a message is changed only inside its own arena
 * (sip__arena_enter()); ASan builds check each drop (arena_verify()). */
static bool
arena_is_message(const struct sip__arena *a, const osip_message_t *m)
{
	const unsigned char *first = (const unsigned char *)a +
	    ARENA_HEAD_SIZE + sizeof(struct arena_hdr);

	return (const unsigned char *)m == first && a->pins == 0 &&
	    !a->tainted && !loose_since(a);
}

void
sip__msg_free(osip_message_t *m)
{
	struct sip__arena *a;

	if (!m)
		return;
	if (!arena_on) {
		osip_message_free(m);	/* memcheck: every block seen */
		return;
	}
	a = hdr_of(m)->arena;
	POISON((struct arena_hdr *)m - 1, sizeof(struct arena_hdr));
	if (!a || !arena_is_message(a, m)) {
		osip_message_free(m);
		return;
	}
#ifdef ARENA_ASAN
	arena_verify(a, m);
#endif
	stats.dropped++;
	arena_release(a);
}

void
sip__arena_stats_get(struct sip__arena_stats *out)
{
	*out = stats;
}

/* Installed before main() so that no block libosip2 hands out predates
 * the headers. Only binaries that use sip/'s parser link this file; in
 * the others libosip2 keeps plain malloc throughout. */
__attribute__((constructor)) static void
arena_install(void)
{
	if (!IS_ENABLED(CONFIG_SIP_ARENA))
		return;
	osip_set_allocators(arena_alloc, arena_realloc, arena_free);
	arena_on = true;
#ifdef ARENA_VALGRIND
	{
		/* Under memcheck (only it answers -1; callgrind, which
		 * measures the arenas, answers 0) every block is its own
		 * malloc, so each misuse is seen. */
		int probe = 0;
		long mc = (long)VALGRIND_MAKE_MEM_DEFINED(&probe,
		    sizeof(probe));

		if (mc == -1)
			arena_on = false;
	}
#endif
}
