/* The open-addressed table (struct sip__otab) against a naive model:
 * random inserts, removals and lookups, with hashes drawn from a few
 * bits so that probe runs collide, wrap around the end of the slots and
 * are cut by removals (the backward shift). After every step each
 * entry the model holds is found, and no removed one is. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "util.h"

#include "sip/internal.h"

#define HT_N 600

struct ht_ent {
	uint64_t hash;
	unsigned id;
	bool in;		/* the model: in the table */
};

static uint64_t ht_rng = 0x9e3779b97f4a7c15ull;

static uint32_t
ht_rand(void)
{
	ht_rng ^= ht_rng << 13;
	ht_rng ^= ht_rng >> 7;
	ht_rng ^= ht_rng << 17;
	return (uint32_t)(ht_rng >> 16);
}

static bool
ht_is(const void *p, const void *key)
{
	return ((const struct ht_ent *)p)->id == *(const unsigned *)key;
}

static void
ht_check(const struct sip__otab *t, struct ht_ent *e, unsigned n)
{
	unsigned in = 0;

	for (unsigned i = 0; i < n; i++) {
		void *p = sip__otab_find(t, e[i].hash, ht_is, &e[i].id);

		assert_ptr_equal(p, e[i].in ? &e[i] : NULL);
		in += e[i].in;
	}
	assert_int_equal(t->n, in);
	assert_true(2 * (uint64_t)t->n <= (uint64_t)t->mask + 1);
}

/* `bits` of hash, counted down from the top slot: 3 puts everything in
 * one probe run that wraps past the last slot; the high bits vary so
 * equal low bits still differ in the full hash, and a few entries share
 * the whole hash (eq decides). */
static void
ht_run(unsigned bits, unsigned steps)
{
	struct sip__otab t;
	struct ht_ent *e = calloc(HT_N, sizeof(*e));

	assert_non_null(e);
	assert_int_equal(sip__otab_init(&t, 4), 0);
	for (unsigned i = 0; i < HT_N; i++) {
		e[i].id = i;
		e[i].hash = (0xffffffffu - (ht_rand() & ((1u << bits) - 1))) |
		    (uint64_t)(i % 97) << 40;
	}
	for (unsigned s = 0; s < steps; s++) {
		struct ht_ent *x = &e[ht_rand() % HT_N];

		if (x->in) {
			sip__otab_remove(&t, x->hash, x);
			x->in = false;
		} else {
			assert_int_equal(sip__otab_insert(&t, x->hash, x), 0);
			x->in = true;
		}
		if (s % 7 == 0 || s + 1 == steps)
			ht_check(&t, e, HT_N);
	}
	sip__otab_free(&t);
	free(e);
}

static void
test_otab_matches_model_colliding(void **state)
{
	(void)state;
	ht_run(3, 6000);
}

static void
test_otab_matches_model_spread(void **state)
{
	(void)state;
	ht_run(20, 6000);
}

/* Removing what is not there changes nothing. */
static void
test_otab_remove_absent(void **state)
{
	struct sip__otab t;
	struct ht_ent a = {.hash = 5, .id = 1}, b = {.hash = 5, .id = 2};

	(void)state;
	assert_int_equal(sip__otab_init(&t, 16), 0);
	assert_int_equal(sip__otab_insert(&t, a.hash, &a), 0);
	sip__otab_remove(&t, b.hash, &b);
	assert_int_equal(t.n, 1);
	assert_ptr_equal(sip__otab_find(&t, a.hash, ht_is, &a.id), &a);
	assert_null(sip__otab_find(&t, b.hash, ht_is, &b.id));
	sip__otab_free(&t);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_otab_matches_model_colliding),
	    cmocka_unit_test(test_otab_matches_model_spread),
	    cmocka_unit_test(test_otab_remove_absent),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
