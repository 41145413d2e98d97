/* Transaction timers, driven by one uv_timer_t. A transaction embeds
 * its timers and can be freed without waiting for a libuv close
 * callback. The clock is the loop's, or a fake one in tests so the RFC
 * 3261 17 schedules can be checked to the millisecond.
 *
 * Almost every timer is armed with one of a few durations (T1 doubling
 * to T2, T4, 64*T1, the sweep): at 8,000 calls/s some 750,000 of them
 * wait for Timer J/L/M. A timer armed with duration d is due after
 * every timer armed earlier with d, so one FIFO list per duration keeps
 * them in order with O(1) arm, stop and expiry and no walk through cold
 * timers; the lists are bound to the first SIP__TIMER_LISTS durations
 * used. Other durations go to a binary min-heap whose slots hold the due
 * time next to the timer, so comparisons read only the heap array. The
 * earliest timer is the earliest of the list heads and the heap top;
 * ties on the due time fire in the order the timers were armed. */
#include <errno.h>
#include <stdlib.h>

#include "sip/internal.h"

#define TIMER_IN_LIST 0x80000000u	/* idx: list number in the rest */

void
sip__timer_init(struct sip__timer *t, sip__timer_fn fn)
{
	t->due = 0;
	t->prev = t->next = NULL;
	t->seq = 0;
	t->idx = SIP__TIMER_IDLE;
	t->fn = fn;
}

bool
sip__timer_is_armed(const struct sip__timer *t)
{
	return t->idx != SIP__TIMER_IDLE;
}

uint64_t
sip__now(const struct sip_stack *s)
{
	return s->fake_clock ? s->fake_now : uv_now(s->loop);
}

/* Arm order, wrapping: timers that tie on due were armed within a few
 * minutes of each other, far fewer than 2^31 arms apart. */
static bool
seq_before(uint32_t a, uint32_t b)
{
	return (int32_t)(a - b) < 0;
}

static bool
ent_before(const struct sip__heap_ent *a, const struct sip__heap_ent *b)
{
	return a->due < b->due ||
	    (a->due == b->due && seq_before(a->t->seq, b->t->seq));
}

static void
heap_place(struct sip__heap *h, uint32_t i, struct sip__heap_ent e)
{
	h->v[i] = e;
	e.t->idx = i;
}

static void
heap_up(struct sip__heap *h, uint32_t i)
{
	struct sip__heap_ent e = h->v[i];

	while (i > 0) {
		uint32_t p = (i - 1) / 2;

		if (!ent_before(&e, &h->v[p]))
			break;
		heap_place(h, i, h->v[p]);
		i = p;
	}
	heap_place(h, i, e);
}

static void
heap_down(struct sip__heap *h, uint32_t i)
{
	struct sip__heap_ent e = h->v[i];

	for (;;) {
		uint32_t l = 2 * i + 1, m = l;

		if (l >= h->n)
			break;
		if (l + 1 < h->n && ent_before(&h->v[l + 1], &h->v[l]))
			m = l + 1;
		if (!ent_before(&h->v[m], &e))
			break;
		heap_place(h, i, h->v[m]);
		i = m;
	}
	heap_place(h, i, e);
}

static int
heap_push(struct sip__heap *h, struct sip__timer *t)
{
	if (h->n == h->cap) {
		uint32_t cap = h->cap ? h->cap * 2 : 64;
		struct sip__heap_ent *v;

		if (cap > TIMER_IN_LIST ||
		    !(v = realloc(h->v, cap * sizeof(*v))))
			return -ENOMEM;
		h->v = v;
		h->cap = cap;
	}
	h->v[h->n].due = t->due;
	h->v[h->n].t = t;
	heap_up(h, h->n++);
	return 0;
}

static void
heap_remove(struct sip__heap *h, uint32_t i)
{
	struct sip__timer *last;

	if (i == --h->n)
		return;
	last = h->v[h->n].t;
	heap_place(h, i, h->v[h->n]);
	heap_up(h, i);
	heap_down(h, last->idx);
}

/* The list for `after`, bound on first use while there is a free one;
 * NULL: to the heap. */
static struct sip__tlist *
list_for(struct sip__heap *h, uint64_t after)
{
	struct sip__tlist *l;

	for (unsigned i = 0; i < h->n_lists; i++) {
		if (h->lists[i].after == after)
			return &h->lists[i];
	}
	if (h->n_lists == SIP__TIMER_LISTS)
		return NULL;
	l = &h->lists[h->n_lists++];
	l->after = after;
	l->head = l->tail = NULL;
	return l;
}

static void
list_head_is(struct sip__tlist *l, struct sip__timer *t)
{
	l->head = t;
	if (t) {
		l->due = t->due;
		l->seq = t->seq;
	}
}

static void
list_append(struct sip__heap *h, struct sip__tlist *l, struct sip__timer *t)
{
	t->prev = l->tail;
	t->next = NULL;
	if (l->tail)
		l->tail->next = t;
	else
		list_head_is(l, t);
	l->tail = t;
	t->idx = TIMER_IN_LIST | (uint32_t)(l - h->lists);
}

static void
list_unlink(struct sip__tlist *l, struct sip__timer *t)
{
	if (t->prev)
		t->prev->next = t->next;
	else
		list_head_is(l, t->next);
	if (t->next)
		t->next->prev = t->prev;
	else
		l->tail = t->prev;
	t->prev = t->next = NULL;
}

/* The timer due first (ties: armed first), NULL when none is armed.
 * Reads the lists' cached head times and the heap array only. */
static struct sip__timer *
timer_first(const struct sip__heap *h)
{
	struct sip__timer *best = h->n ? h->v[0].t : NULL;
	uint64_t due = h->n ? h->v[0].due : UINT64_MAX;

	for (unsigned i = 0; i < h->n_lists; i++) {
		const struct sip__tlist *l = &h->lists[i];

		if (!l->head || l->due > due)
			continue;
		if (l->due < due || !best || seq_before(l->seq, best->seq)) {
			best = l->head;
			due = l->due;
		}
	}
	return best;
}

static void
timers_on_uv_timer(uv_timer_t *ut)
{
	struct sip_stack *s = container_of(ut, struct sip_stack, heap_timer);

	sip__timers_run(s);
}

/* Points the uv timer at the earliest due time (not in fake mode). */
static void
timers_rearm(struct sip_stack *s)
{
	struct sip__timer *t;
	uint64_t now;

	if (s->fake_clock || s->closing)
		return;
	t = timer_first(&s->heap);
	if (!t) {
		uv_timer_stop(&s->heap_timer);
		return;
	}
	now = uv_now(s->loop);
	uv_timer_start(&s->heap_timer, timers_on_uv_timer,
	    t->due > now ? t->due - now : 0, 0);
}

int
sip__timer_arm(struct sip_stack *s, struct sip__timer *t, uint64_t after_ms)
{
	struct sip__heap *h = &s->heap;
	struct sip__tlist *l;
	bool first;
	int rc;

	if (sip__timer_is_armed(t))
		sip__timer_stop(s, t);
	t->due = sip__now(s) + after_ms;
	t->seq = h->seq++;
	l = list_for(h, after_ms);
	/* The FIFO order holds while the clock moves forward; a test
	 * clock set back sends the timer to the heap. */
	if (l && (!l->tail || l->tail->due <= t->due)) {
		first = !l->tail;
		list_append(h, l, t);
	} else {
		rc = heap_push(h, t);
		if (rc < 0)
			return rc;
		first = h->v[0].t == t;
	}
	if (first)
		timers_rearm(s);
	return 0;
}

void
sip__timer_stop(struct sip_stack *s, struct sip__timer *t)
{
	struct sip__heap *h = &s->heap;
	uint32_t i = t->idx;

	if (i == SIP__TIMER_IDLE)
		return;
	t->idx = SIP__TIMER_IDLE;
	if (i & TIMER_IN_LIST)
		list_unlink(&h->lists[i & ~TIMER_IN_LIST], t);
	else
		heap_remove(h, i);
}

void
sip__timers_run(struct sip_stack *s)
{
	uint64_t now = sip__now(s);
	struct sip__timer *t;

	while ((t = timer_first(&s->heap)) != NULL && t->due <= now) {
		sip__timer_stop(s, t);
		t->fn(t);
	}
	timers_rearm(s);
}

void
sip__clock_set(struct sip_stack *s, uint64_t ms)
{
	if (!s->fake_clock) {
		s->fake_clock = true;
		uv_timer_stop(&s->heap_timer);
	}
	s->fake_now = ms;
	sip__timers_run(s);
}
