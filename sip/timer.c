/* Transaction timers: a binary min-heap driven by one uv_timer_t. A
 * transaction embeds its timers and can be freed without waiting for a
 * libuv close callback. The clock is the loop's, or a fake one in tests
 * so the RFC 3261 17 schedules can be checked to the millisecond. */
#include <errno.h>
#include <stdlib.h>

#include "sip/internal.h"

void
sip__timer_init(struct sip__timer *t, sip__timer_fn fn)
{
	t->due = 0;
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

static void
heap_swap(struct sip__heap *h, uint32_t a, uint32_t b)
{
	struct sip__timer *t = h->v[a];

	h->v[a] = h->v[b];
	h->v[b] = t;
	h->v[a]->idx = a;
	h->v[b]->idx = b;
}

static void
heap_up(struct sip__heap *h, uint32_t i)
{
	while (i > 0) {
		uint32_t p = (i - 1) / 2;

		if (h->v[p]->due <= h->v[i]->due)
			break;
		heap_swap(h, p, i);
		i = p;
	}
}

static void
heap_down(struct sip__heap *h, uint32_t i)
{
	for (;;) {
		uint32_t l = 2 * i + 1, r = l + 1, m = i;

		if (l < h->n && h->v[l]->due < h->v[m]->due)
			m = l;
		if (r < h->n && h->v[r]->due < h->v[m]->due)
			m = r;
		if (m == i)
			return;
		heap_swap(h, i, m);
		i = m;
	}
}

static void
heap_on_uv_timer(uv_timer_t *ut)
{
	struct sip_stack *s = container_of(ut, struct sip_stack, heap_timer);

	sip__timers_run(s);
}

/* Points the uv timer at the earliest due time (not in fake mode). */
static void
heap_rearm(struct sip_stack *s)
{
	uint64_t now, due;

	if (s->fake_clock || s->closing)
		return;
	if (s->heap.n == 0) {
		uv_timer_stop(&s->heap_timer);
		return;
	}
	now = uv_now(s->loop);
	due = s->heap.v[0]->due;
	uv_timer_start(&s->heap_timer, heap_on_uv_timer,
	    due > now ? due - now : 0, 0);
}

int
sip__timer_arm(struct sip_stack *s, struct sip__timer *t, uint64_t after_ms)
{
	struct sip__heap *h = &s->heap;

	if (sip__timer_is_armed(t))
		sip__timer_stop(s, t);
	if (h->n == h->cap) {
		uint32_t cap = h->cap ? h->cap * 2 : 64;
		struct sip__timer **v = realloc(h->v, cap * sizeof(*v));

		if (!v)
			return -ENOMEM;
		h->v = v;
		h->cap = cap;
	}
	t->due = sip__now(s) + after_ms;
	t->idx = h->n;
	h->v[h->n++] = t;
	heap_up(h, t->idx);
	if (h->v[0] == t)
		heap_rearm(s);
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
	if (i == --h->n)
		return;
	h->v[i] = h->v[h->n];
	h->v[i]->idx = i;
	heap_up(h, i);
	heap_down(h, h->v[i]->idx);
}

void
sip__timers_run(struct sip_stack *s)
{
	uint64_t now = sip__now(s);

	while (s->heap.n > 0 && s->heap.v[0]->due <= now) {
		struct sip__timer *t = s->heap.v[0];

		sip__timer_stop(s, t);
		t->fn(t);
	}
	heap_rearm(s);
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
