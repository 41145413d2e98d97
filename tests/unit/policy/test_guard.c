/* Guard rules (policy/guard.c): threshold within a window, the window
 * starting over, ban doubling with its cap, scanner User-Agents. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

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

/* The matcher before its one-pass rewrite: strncasecmp() at each
 * position for each pattern. The new one must agree with it everywhere. */
static bool
ref_is_scanner(const char *ua, const char (*pats)[POL_GUARD_UA_MAX], size_t n)
{
	if (!ua || !*ua)
		return false;
	for (size_t i = 0; i < n; i++) {
		size_t len = strlen(pats[i]);

		if (!pats[i][0])
			continue;
		for (const char *h = ua; *h; h++)
			if (strncasecmp(h, pats[i], len) == 0)
				return true;
	}
	return false;
}

static void
test_guard_scanner_matches_reference(void **state)
{
	static const char pats[][POL_GUARD_UA_MAX] = {"friendly-scanner",
	    "sipvicious", "sipcli", "VaxSIPUserAgent", "pplsip", "sundayddr",
	    "iWar", "sip-scan", "SIPScan", "", "aB", "a", "@[`{", "\xc3\xa9t", "[", "{a", "`B"};
	static const char *const uas[] = {
	    "linelock-bench", "friendly-scanner", "FRIENDLY-SCANNER 0.2",
	    "friendly-scanne", "x friendly-scannerx", "sipviciou", "SIPVICIOUS",
	    "sipcl", "vaxsipuseragent/3.1", "PPLSIP", "sundayDDR", "IWAR",
	    "iwa", "sip-sca", "sip-scan", "SipScan", "Yealink SIP-T46S 66",
	    "Grandstream GXP2170 1.0.11.3", "@[`{", "`{@[", "\xc3\x89t",
	    "\xc3\xa9T", "zzzzab", "b", "A", "\x7f\xff\x80", "[@{`",
	};
	static const char alpha[] = "aAbB@[`{";
	char ua[8];

	(void)state;
	/* Pattern sets: all, none, each one alone, each prefix of the list. */
	for (size_t u = 0; u < ARRAY_SIZE(uas); u++) {
		for (size_t n = 0; n <= ARRAY_SIZE(pats); n++)
			assert_int_equal(pol_guard_ua_is_scanner(uas[u], pats,
			    n), ref_is_scanner(uas[u], pats, n));
		for (size_t i = 0; i < ARRAY_SIZE(pats); i++)
			assert_int_equal(pol_guard_ua_is_scanner(uas[u],
			    &pats[i], 1), ref_is_scanner(uas[u], &pats[i], 1));
	}
	/* Every string of up to 4 bytes over letters of both cases and the
	 * bytes around them ('@' '[' '`' '{' fold to nothing). */
	for (unsigned len = 1; len <= 4; len++) {
		unsigned total = 1;

		for (unsigned k = 0; k < len; k++)
			total *= sizeof(alpha) - 1;
		for (unsigned v = 0; v < total; v++) {
			unsigned x = v;

			for (unsigned k = 0; k < len; k++) {
				ua[k] = alpha[x % (sizeof(alpha) - 1)];
				x /= sizeof(alpha) - 1;
			}
			ua[len] = '\0';
			for (size_t i = 9; i < ARRAY_SIZE(pats); i++)
				assert_int_equal(pol_guard_ua_is_scanner(ua,
				    &pats[i], 1), ref_is_scanner(ua, &pats[i],
				    1));
		}
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_guard_threshold_in_window),
	    cmocka_unit_test(test_guard_scanner_matches_reference),
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
