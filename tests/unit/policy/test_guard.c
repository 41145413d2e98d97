/* Guard rules (policy/guard.c): threshold within a window, the window
 * starting over, ban doubling with its cap, scanner User-Agents. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <cmocka.h>

#include "policy/pol.h"
#include "util.h"

#if IS_ENABLED(CONFIG_GUARD)

static const struct pol_guard_rule rule = {
    .threshold = 3, .window_s = 60, .ban_s = 3600, .ban_max_s = 86400};

static void
test_guard_threshold_in_window(void **state)
{
	struct pol_guard_count c = {0};

	(void)state;
	assert_false(pol_guard_offend(&c, &rule, 1, 1000));
	assert_false(pol_guard_offend(&c, &rule, 1, 30000));
	assert_true(pol_guard_offend(&c, &rule, 1, 60999));
	assert_int_equal(c.n, 0);	/* starts over after a ban */
	assert_false(pol_guard_offend(&c, &rule, 1, 61000));
}

static void
test_guard_window_starts_over(void **state)
{
	struct pol_guard_count c = {0};

	(void)state;
	assert_false(pol_guard_offend(&c, &rule, 1, 0));
	assert_false(pol_guard_offend(&c, &rule, 1, 59999));
	/* The window of the first offence is over: 1 in a new one. */
	assert_false(pol_guard_offend(&c, &rule, 1, 60000));
	assert_int_equal(c.n, 1);
	assert_int_equal(c.window_start_ms, 60000);
	/* A clock stepping back opens a new window too. */
	assert_false(pol_guard_offend(&c, &rule, 1, 100));
	assert_int_equal(c.n, 1);
	/* A heavy offence (a scanner) bans at once. */
	assert_true(pol_guard_offend(&c, &rule, 3, 200));
	assert_true(pol_guard_offend(&c, &rule, UINT32_MAX, 300));
}

static void
test_guard_ban_doubles_capped(void **state)
{
	static const struct {
		uint32_t strikes, seconds;
	} cases[] = {
	    {0, 3600}, {1, 3600}, {2, 7200}, {3, 14400}, {5, 57600},
	    {6, 86400}, {50, 86400}, {UINT32_MAX, 86400},
	};
	struct pol_guard_rule flat = {1, 1, 600, 0};

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++)
		assert_int_equal(pol_guard_ban_seconds(&rule, cases[i].strikes),
		    cases[i].seconds);
	/* A cap below the first ban: the first ban, always. */
	assert_int_equal(pol_guard_ban_seconds(&flat, 4), 600);
}

static void
test_guard_scanner_user_agents(void **state)
{
	static const char pats[][POL_GUARD_UA_MAX] = {"friendly-scanner",
	    "sipvicious", "", "sipcli"};
	static const struct {
		const char *ua;
		bool scanner;
	} cases[] = {
	    {"friendly-scanner", true},
	    {"Friendly-Scanner 0.2", true},
	    {"SIPVicious/0.3.4", true},
	    {"x sipcli/v1.8", true},
	    {"Yealink SIP-T46S 66.86.0.15", false},
	    {"", false},
	    {NULL, false},
	    {"sipvicio", false},
	};

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++)
		assert_int_equal(pol_guard_ua_is_scanner(cases[i].ua, pats,
		    ARRAY_SIZE(pats)), cases[i].scanner);
	assert_false(pol_guard_ua_is_scanner("sipvicious", pats, 0));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_guard_threshold_in_window),
	    cmocka_unit_test(test_guard_window_starts_over),
	    cmocka_unit_test(test_guard_ban_doubles_capped),
	    cmocka_unit_test(test_guard_scanner_user_agents),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

#else

/* Built without CONFIG_GUARD: nothing to test. */
static void
test_guard_not_built(void **state)
{
	(void)state;
	skip();
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_guard_not_built),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

#endif
