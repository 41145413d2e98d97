/* The number-pattern language and its DFA: every element, tails,
 * overlapping patterns (the most specific wins), bad patterns with their
 * position, and the state count staying small. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "policy/pol.h"
#include "util.h"

struct match_case {
	const char *pattern;
	const char *number;
	bool match;
};

static const struct match_case match_cases[] = {
    {"112", "112", true},
    {"112", "1120", false},
    {"112", "11", false},
    {"112", "", false},
    {"X", "7", true},
    {"X", "*", false},
    {"x", "0", true},
    {"Z", "0", false},
    {"Z", "1", true},
    {"N", "1", false},
    {"N", "2", true},
    {"n", "9", true},
    {"NXXNXXXXXX", "2125551234", true},
    {"NXXNXXXXXX", "2121551234", false},
    {"[0-5]", "5", true},
    {"[0-5]", "6", false},
    {"[13-5]", "1", true},
    {"[13-5]", "2", false},
    {"[13-5]", "4", true},
    {"[13-5]", "6", false},
    {"[9]11", "911", true},
    {"0.", "0", false},
    {"0.", "01", true},
    {"0.", "0123456789", true},
    {"0!", "0", true},
    {"0!", "0*#", true},
    {"0!", "1", false},
    {"!", "123", true},
    {".", "1", true},
    {"+44X.", "+4420", true},
    {"+44X.", "+442", false},
    {"+44X.", "4420", false},
    {"*71", "*71", true},
    {"#31#", "#31#", true},
    {"00X.", "001", false},
    {"00X.", "0012", true},
    {"112", "11a", false},
    {"112", "+112", false},
};

static void
test_pattern_match_table(void **state)
{
	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(match_cases); i++) {
		const struct match_case *c = &match_cases[i];
		const char *pats[] = {c->pattern};
		struct pol_patterns *p;
		int rc = pol_patterns_new(&p, pats, 1, NULL);

		assert_int_equal(rc, 0);
		rc = pol_patterns_match(p, c->number);
		if ((rc == 0) != c->match)
			fail_msg("pattern %s number \"%s\": got %d", c->pattern,
			         c->number, rc);
		pol_patterns_free(p);
	}
}

struct bad_case {
	const char *pattern;
	size_t pos;
};

static const struct bad_case bad_cases[] = {
    {"", 0},
    {"12a", 2},
    {"1+2", 1},
    {"[", 0},
    {"1[2", 1},
    {"[]", 0},
    {"[a]", 1},
    {"[5-1]", 2},
    {"[1-]", 2},
    {"1.2", 1},
    {"!1", 0},
    {"12 3", 2},
    {"0123456789012345678901234567890123", 31},
};

static void
test_pattern_invalid_has_position(void **state)
{
	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(bad_cases); i++) {
		struct pol_pattern_error err = {0};
		const char *pats[] = {"112", bad_cases[i].pattern};
		struct pol_patterns *p = NULL;

		assert_int_equal(pol_pattern_check(bad_cases[i].pattern, &err),
		                 -EINVAL);
		if (err.pos != bad_cases[i].pos)
			fail_msg("\"%s\": pos %zu, want %zu (%s)",
			         bad_cases[i].pattern, err.pos,
			         bad_cases[i].pos, err.msg);
		assert_non_null(err.msg);
		memset(&err, 0, sizeof(err));
		assert_int_equal(pol_patterns_new(&p, pats, 2, &err), -EINVAL);
		assert_null(p);
		assert_int_equal(err.index, 1);
	}
}

static void
test_pattern_most_specific_wins(void **state)
{
	const char *pats[] = {"X.", "1XX", "11X", "112", "1!", "[12]12"};
	struct pol_patterns *p;

	(void)state;
	assert_int_equal(pol_patterns_new(&p, pats, ARRAY_SIZE(pats), NULL), 0);
	assert_int_equal(pol_patterns_match(p, "112"), 3);   /* exact */
	assert_int_equal(pol_patterns_match(p, "113"), 2);   /* 11X */
	assert_int_equal(pol_patterns_match(p, "123"), 1);   /* 1XX */
	assert_int_equal(pol_patterns_match(p, "212"), 5);   /* [12]12 */
	assert_int_equal(pol_patterns_match(p, "1"), 4);     /* 1! */
	assert_int_equal(pol_patterns_match(p, "12345"), 4); /* 1! narrower */
	assert_int_equal(pol_patterns_match(p, "52345"), 0); /* X. */
	assert_int_equal(pol_patterns_match(p, "5"), -ENOENT);
	assert_string_equal(pol_patterns_text(p, 3), "112");
	assert_int_equal(pol_patterns_count(p), ARRAY_SIZE(pats));
	pol_patterns_free(p);
}

static void
test_pattern_empty_set_matches_nothing(void **state)
{
	struct pol_patterns *p;

	(void)state;
	assert_int_equal(pol_patterns_new(&p, NULL, 0, NULL), 0);
	assert_int_equal(pol_patterns_match(p, "112"), -ENOENT);
	assert_int_equal(pol_patterns_match(NULL, "112"), -ENOENT);
	pol_patterns_free(p);
}

/* 1,000 distinct numbers plus wildcards: every one found, and the DFA
 * stays about the size of their trie rather than exploding. */
static void
test_pattern_many_patterns(void **state)
{
	enum { N = 1000 };
	char(*text)[STORE_PATTERN_MAX] = calloc(N + 2, sizeof(*text));
	const char **pats = calloc(N + 2, sizeof(*pats));
	struct pol_patterns *p;

	(void)state;
	for (int i = 0; i < N; i++) {
		snprintf(text[i], sizeof(text[i]), "0049%07d", i * 7919);
		pats[i] = text[i];
	}
	pats[N] = "0049XXXXXXX";
	pats[N + 1] = "00!";
	assert_int_equal(pol_patterns_new(&p, pats, N + 2, NULL), 0);
	for (int i = 0; i < N; i++)
		assert_int_equal(pol_patterns_match(p, text[i]), i);
	assert_int_equal(pol_patterns_match(p, "00491111112"), N);
	assert_int_equal(pol_patterns_match(p, "0033"), N + 1);
	assert_true(pol_patterns_states(p) < 12 * N);
	pol_patterns_free(p);
	free(text);
	free(pats);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_pattern_match_table),
	    cmocka_unit_test(test_pattern_invalid_has_position),
	    cmocka_unit_test(test_pattern_most_specific_wins),
	    cmocka_unit_test(test_pattern_empty_set_matches_nothing),
	    cmocka_unit_test(test_pattern_many_patterns),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
