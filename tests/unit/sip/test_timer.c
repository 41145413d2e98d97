/* The stack's timers (sip/timer.c: duration lists and a heap) against a
 * naive model, a plain array searched for the earliest (due, arm order)
 * timer: random arms, stops and clock moves, with callbacks that arm
 * and stop timers again as the transaction timers do (Timer A doubling,
 * a retransmission stopping its partner). The same seeded sequence runs
 * on both; they must fire the same timers in the same order at the same
 * fake times. Durations mix the common ones (T1 doubling, T4, 64*T1)
 * with rare ones, more than the lists can bind, so the heap and the
 * ties between lists and heap are exercised; the clock is sometimes set
 * back (tests may), which sends timers of a bound duration to the heap
 * as well. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "util.h"

#include "sip/internal.h"

#define TM_N 48			/* timers */
#define TM_LOG 200000		/* fires recorded */

struct tm_fire {
	unsigned id;
	uint64_t at;
};

/* One side: the stack's timers or the model. */
struct tm_side {
	struct sip_stack *s;		/* the real one, or NULL */
	struct sip__timer t[TM_N];
	/* The model. */
	bool armed[TM_N];
	uint64_t due[TM_N];
	uint64_t seq[TM_N];
	uint64_t next_seq;
	uint64_t now;
	/* Both. */
	uint64_t rng;
	uint64_t after[TM_N];		/* last duration armed */
	struct tm_fire *log;
	size_t n_log;
	bool quiet;			/* callbacks only log */
};

static struct tm_side *tm_cur;	/* the side whose callbacks run */

static uint32_t
tm_rand(struct tm_side *x)
{
	x->rng ^= x->rng << 13;
	x->rng ^= x->rng >> 7;
	x->rng ^= x->rng << 17;
	return (uint32_t)(x->rng >> 16);
}

static uint64_t
tm_now(const struct tm_side *x)
{
	return x->s ? sip__now(x->s) : x->now;
}

static void
tm_arm(struct tm_side *x, unsigned id, uint64_t after)
{
	x->after[id] = after;
	if (x->s) {
		assert_int_equal(sip__timer_arm(x->s, &x->t[id], after), 0);
		return;
	}
	x->armed[id] = true;
	x->due[id] = x->now + after;
	x->seq[id] = x->next_seq++;
}

static void
tm_stop(struct tm_side *x, unsigned id)
{
	if (x->s)
		sip__timer_stop(x->s, &x->t[id]);
	else
		x->armed[id] = false;
}

static const uint64_t tm_common[] = {0, 500, 1000, 2000, 4000, 5000, 32000};

static uint64_t
tm_duration(struct tm_side *x)
{
	uint32_t r = tm_rand(x);

	if (r % 10 < 7)
		return tm_common[(r >> 8) % ARRAY_SIZE(tm_common)];
	return 1 + (r >> 8) % 40000;	/* rare: lists fill, then heap */
}

/* What a timer does when it fires, drawn from the side's own generator:
 * both sides draw alike as long as they fire alike. */
static void
tm_fired(struct tm_side *x, unsigned id)
{
	uint32_t r;

	assert_true(x->n_log < TM_LOG);
	x->log[x->n_log].id = id;
	x->log[x->n_log++].at = tm_now(x);
	if (x->quiet)
		return;
	r = tm_rand(x);
	if (r % 4 == 0) {
		uint64_t a = x->after[id] ? x->after[id] * 2 : 500;

		tm_arm(x, id, a > 64000 ? 500 : a);	/* Timer A's doubling */
	}
	if (r % 5 == 0)
		tm_stop(x, (id + 1 + (r >> 8) % (TM_N - 1)) % TM_N);
	if (r % 7 == 0)
		tm_arm(x, (r >> 12) % TM_N, tm_duration(x));
}

static void
tm_on_timer(struct sip__timer *t)
{
	tm_fired(tm_cur, (unsigned)(t - tm_cur->t));
}

/* The model's run: the earliest due (then armed first) up to now. */
static void
tm_model_run(struct tm_side *x)
{
	for (;;) {
		int best = -1;

		for (unsigned i = 0; i < TM_N; i++) {
			if (!x->armed[i] || x->due[i] > x->now)
				continue;
			if (best < 0 || x->due[i] < x->due[best] ||
			    (x->due[i] == x->due[best] &&
			    x->seq[i] < x->seq[best]))
				best = (int)i;
		}
		if (best < 0)
			return;
		x->armed[best] = false;
		tm_fired(x, (unsigned)best);
	}
}

static void
tm_clock(struct tm_side *x, uint64_t ms)
{
	if (x->s) {
		sip__clock_set(x->s, ms);
		return;
	}
	x->now = ms;
	tm_model_run(x);
}

static void
tm_play(struct tm_side *x, uint64_t seed, unsigned steps)
{
	uint64_t now = 0;

	tm_cur = x;
	x->rng = seed;
	tm_clock(x, 0);
	for (unsigned i = 0; i < steps; i++) {
		uint32_t r = tm_rand(x);
		unsigned id = (r >> 8) % TM_N;

		if (r % 16 < 8) {
			tm_arm(x, id, tm_duration(x));
		} else if (r % 16 < 11) {
			tm_stop(x, id);
		} else {
			if (r % 16 == 11 && now > 3000 && (r >> 20) % 8 == 0)
				now -= (r >> 8) % 3000;	/* set back */
			else
				now += (r >> 8) % 2500;
			tm_clock(x, now);
		}
	}
	tm_clock(x, now + 200000);	/* everything left fires */
}

static void
tm_compare(uint64_t seed, unsigned steps)
{
	struct tm_side *real = calloc(1, sizeof(*real));
	struct tm_side *model = calloc(1, sizeof(*model));

	assert_non_null(real);
	assert_non_null(model);
	real->log = calloc(TM_LOG, sizeof(*real->log));
	model->log = calloc(TM_LOG, sizeof(*model->log));
	real->s = calloc(1, sizeof(*real->s));
	assert_true(real->log && model->log && real->s);
	real->s->fake_clock = true;	/* no loop: timer.c only */
	for (unsigned i = 0; i < TM_N; i++)
		sip__timer_init(&real->t[i], tm_on_timer);
	tm_play(real, seed, steps);
	tm_play(model, seed, steps);
	assert_true(real->n_log > steps / 8);
	for (size_t i = 0; i < real->n_log && i < model->n_log; i++) {
		if (real->log[i].id != model->log[i].id ||
		    real->log[i].at != model->log[i].at)
			fail_msg("seed %llu fire %zu: timer %u at %llu, the "
			    "model says %u at %llu", (unsigned long long)seed,
			    i, real->log[i].id,
			    (unsigned long long)real->log[i].at,
			    model->log[i].id,
			    (unsigned long long)model->log[i].at);
	}
	assert_int_equal(real->n_log, model->n_log);
	for (unsigned i = 0; i < TM_N; i++)
		sip__timer_stop(real->s, &real->t[i]);
	assert_int_equal(real->s->heap.n, 0);
	for (unsigned i = 0; i < real->s->heap.n_lists; i++)
		assert_null(real->s->heap.lists[i].head);
	free(real->s->heap.v);
	free(real->s);
	free(real->log);
	free(model->log);
	free(real);
	free(model);
}

static void
test_timer_matches_model(void **state)
{
	(void)state;
	for (uint64_t seed = 1; seed <= 40; seed++)
		tm_compare(seed * 0x9e3779b97f4a7c15ull, 3000);
}

/* Equal due times fire in arm order, across lists and the heap: 100 ms
 * armed at 0 (a list), 60 ms at 40 (another list), and with the lists
 * full, a rare duration at 70 ms (the heap), all due at 100. */
static void
test_timer_ties_fire_in_arm_order(void **state)
{
	struct tm_side *x = calloc(1, sizeof(*x));
	unsigned order[] = {0, 1, 2};

	(void)state;
	assert_non_null(x);
	x->log = calloc(TM_LOG, sizeof(*x->log));
	x->s = calloc(1, sizeof(*x->s));
	assert_true(x->log && x->s);
	x->s->fake_clock = true;
	tm_cur = x;
	for (unsigned i = 0; i < TM_N; i++)
		sip__timer_init(&x->t[i], tm_on_timer);
	x->quiet = true;
	for (unsigned i = 0; i < SIP__TIMER_LISTS - 2; i++) {
		tm_arm(x, 10, 100000 + i);	/* binds the other lists */
		tm_stop(x, 10);
	}
	tm_arm(x, 0, 100);
	sip__clock_set(x->s, 40);
	tm_arm(x, 1, 60);
	sip__clock_set(x->s, 70);
	tm_arm(x, 2, 30);
	assert_int_equal(x->s->heap.n, 1);	/* 30 ms: no list left */
	sip__clock_set(x->s, 99);
	assert_int_equal(x->n_log, 0);
	sip__clock_set(x->s, 100);
	assert_int_equal(x->n_log, 3);
	for (unsigned i = 0; i < 3; i++) {
		assert_int_equal(x->log[i].id, order[i]);
		assert_int_equal(x->log[i].at, 100);
	}
	free(x->s->heap.v);
	free(x->s);
	free(x->log);
	free(x);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_timer_matches_model),
	    cmocka_unit_test(test_timer_ties_fire_in_arm_order),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
