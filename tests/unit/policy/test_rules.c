/* The restrictions after the lock, as tables: inbound blocking and
 * anonymous callers, after hours with the schedule's edges across
 * midnight and weekdays and the *74 override, classes of restriction and
 * *75 authorization codes, and the order between them and the older
 * rules (emergency, lock, allowlist). Lines and codes come from memory.
 * Built without the options, the same calls must pass untouched. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "policy/pol.h"
#include "util.h"

#define NOW 1800000000
#define ALL_RULES                                                              \
	(IS_ENABLED(CONFIG_POLICY_AFTER_HOURS) &&                              \
	 IS_ENABLED(CONFIG_POLICY_INBOUND_BLOCK) &&                            \
	 IS_ENABLED(CONFIG_POLICY_AUTH_CODES))

static struct store_line lines[8];
static size_t nlines;

static int
mem_line_get(void *ctx, struct store_line *out, const char *partition,
             const char *ext)
{
	(void)ctx, (void)partition;
	for (size_t i = 0; i < nlines; i++)
		if (!strcmp(lines[i].ext, ext)) {
			*out = lines[i];
			return 0;
		}
	return -ENOENT;
}

static const struct {
	const char *code;
	struct store_authcode rec;
} codes[] = {
    {"482913", {.name = "alice", .cor_class = 3}},
    {"7777", {.name = "bob", .cor_class = STORE_CLASS_NONE}},
    {"5555", {.name = "carol", .cor_class = 2}},
};

static int
mem_authcode_get(void *ctx, struct store_authcode *out, const char *code)
{
	(void)ctx;
	for (size_t i = 0; i < ARRAY_SIZE(codes); i++)
		if (!strcmp(codes[i].code, code)) {
			*out = codes[i].rec;
			return 0;
		}
	return -ENOENT;
}

static struct store_line *
add_line(const char *ext, uint8_t lock, uint8_t cor_class)
{
	struct store_line *l = &lines[nlines++];

	store_line_defaults(l, NULL, ext);
	l->lock = lock;
	l->cor_class = cor_class;
	l->pin.iterations = 10000; /* a PIN is set */
	return l;
}

struct fixture {
	struct store_settings settings;
	struct pol_patterns *sets[12];
	size_t nsets;
	struct pol_snapshot snap;
};

static struct pol_patterns *
compile(struct fixture *fx, const char *const *p, size_t n)
{
	struct pol_patterns *set;

	assert_int_equal(pol_patterns_new(&set, p, n, NULL), 0);
	fx->sets[fx->nsets++] = set;
	return set;
}

static void
hours(struct store_settings *s, int day, int open, int close)
{
	s->hours[day].open = (uint16_t)open;
	s->hours[day].close = (uint16_t)close;
}

static int
setup(void **state)
{
	static struct fixture fx;
	const char *em[] = {"112", "911"};
	const char *al[] = {"0800XXXXXX", "00800!"};
	const char *bl[] = {"0900.", "+4930555!"};
	const char *ah[] = {"00.", "0900."};
	const char *c1[] = {"XXX"}, *c2[] = {"0Z."}, *c3[] = {"0."};
	struct store_settings *s = &fx.settings;

	memset(&fx, 0, sizeof(fx));
	nlines = 0;
	store_settings_defaults(s);
	ll_strlcpy(s->outside_line_prefix, "9", sizeof(s->outside_line_prefix));
	s->block_anonymous = true;
	/* Mon-Fri 08-18, Saturday night into Sunday, Sunday closed. */
	for (int d = 1; d <= 5; d++)
		hours(s, d, 8 * 60, 18 * 60);
	hours(s, 6, 20 * 60, 2 * 60);
	hours(s, 0, 0, 0);
	fx.snap = (struct pol_snapshot){
	    .settings = s,
	    .emergency = compile(&fx, em, ARRAY_SIZE(em)),
	    .allow = compile(&fx, al, ARRAY_SIZE(al)),
	    .block = compile(&fx, bl, ARRAY_SIZE(bl)),
	    .afterhours = compile(&fx, ah, ARRAY_SIZE(ah)),
	    .classes = {compile(&fx, c1, 1), compile(&fx, c2, 1),
	                compile(&fx, c3, 1)},
	    .line_get = mem_line_get,
	    .authcode_get = mem_authcode_get,
	};
	add_line("301", STORE_LOCK_NONE, STORE_CLASS_NONE);
	add_line("302", STORE_LOCK_NONE, 1);
	add_line("303", STORE_LOCK_NONE, STORE_CLASS_NONE)->afterhours_until =
	    NOW + 100;
	add_line("304", STORE_LOCK_USER, 1);
	add_line("305", STORE_LOCK_NONE, 1)->pin_blocked_until = NOW + 100;
	add_line("306", STORE_LOCK_NONE, STORE_CLASS_NONE)->pin.iterations = 0;
	*state = &fx;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture *fx = *state;

	for (size_t i = 0; i < fx->nsets; i++)
		pol_patterns_free(fx->sets[i]);
	return 0;
}

#if ALL_RULES

/* Sunday noon is closed; Monday 10:00 open. */
enum when { OPEN = 0, CLOSED };

struct out_case {
	const char *name;
	const char *ext; /* caller line; NULL: a trusted peer */
	const char *dialled;
	enum when when;
	enum pol_action action;
	uint16_t code;
	enum pol_reason reason;
	const char *auth_name; /* expected, "" none */
	const char *dial;      /* expected Request-URI user, "" unchanged */
};

static const struct out_case out_cases[] = {
    {"open: international goes", "301", "0049301234", OPEN, POL_FORWARD, 0,
     POL_R_DEFAULT, "", ""},
    {"closed: international refused", "301", "0049301234", CLOSED, POL_REJECT,
     403, POL_R_AFTER_HOURS, "", ""},
    {"closed: behind the outside-line prefix", "301", "90049301234", CLOSED,
     POL_REJECT, 403, POL_R_AFTER_HOURS, "", ""},
    {"closed: national is not listed", "301", "0301234", CLOSED, POL_FORWARD, 0,
     POL_R_DEFAULT, "", ""},
    {"closed: emergency first", "301", "112", CLOSED, POL_FORWARD, 0,
     POL_R_EMERGENCY, "", ""},
    {"closed: allowlist beats after hours", "301", "0080012345", CLOSED,
     POL_FORWARD, 0, POL_R_ALLOWLIST, "", ""},
    {"closed: *74 override running", "303", "0049301234", CLOSED, POL_FORWARD,
     0, POL_R_DEFAULT, "", ""},
    {"closed: a locked line is refused as locked", "304", "0049301234", CLOSED,
     POL_REJECT, 403, POL_R_LINE_LOCKED, "", ""},
    {"class 1 dials internal", "302", "201", OPEN, POL_FORWARD, 0,
     POL_R_DEFAULT, "", ""},
    {"class 1 may not dial national", "302", "0301234", OPEN, POL_REJECT, 403,
     POL_R_CLASS, "", ""},
    {"class 1: allowlist beats class", "302", "0800123456", OPEN, POL_FORWARD,
     0, POL_R_ALLOWLIST, "", ""},
    {"class 1 + code of class 3", "302", "*75482913*0049301234", OPEN,
     POL_FORWARD, 0, POL_R_AUTHCODE, "alice", "0049301234"},
    {"class 1 + code of class 2, international", "302", "*755555*0049301234",
     OPEN, POL_REJECT, 403, POL_R_CLASS, "carol", ""},
    {"class 1 + code of class 2, national", "302", "*755555*0301234", OPEN,
     POL_FORWARD, 0, POL_R_AUTHCODE, "carol", "0301234"},
    {"unknown code", "302", "*759999*0301234", OPEN, POL_REJECT, 403,
     POL_R_AUTHCODE_BAD, "", ""},
    {"code too short", "302", "*75123*0301234", OPEN, POL_REJECT, 484,
     POL_R_FEATURE_BAD, "", ""},
    {"code with letters", "302", "*7512a4*0301234", OPEN, POL_REJECT, 484,
     POL_R_FEATURE_BAD, "", ""},
    {"code without number", "302", "*75482913*", OPEN, POL_REJECT, 484,
     POL_R_FEATURE_BAD, "", ""},
    {"code without separator", "302", "*75482913", OPEN, POL_REJECT, 484,
     POL_R_FEATURE_BAD, "", ""},
    {"emergency behind a code", "302", "*75482913*112", CLOSED, POL_FORWARD, 0,
     POL_R_EMERGENCY, "", "112"},
    {"PIN entry blocked blocks codes", "305", "*757777*0301234", OPEN,
     POL_REJECT, 403, POL_R_PIN_BLOCKED, "", ""},
    {"a code is checked even when allowed", "301", "*757777*0301234", OPEN,
     POL_FORWARD, 0, POL_R_AUTHCODE, "bob", "0301234"},
    {"after hours before class and code", "302", "*75482913*0049301234", CLOSED,
     POL_REJECT, 403, POL_R_AFTER_HOURS, "", ""},
    {"lock before code", "304", "*75482913*0049301234", OPEN, POL_REJECT, 403,
     POL_R_LINE_LOCKED, "", ""},
    {"*74 PIN", "301", "*741234", OPEN, POL_LOCAL, 0, POL_R_FEATURE, "", ""},
    {"*74 on a line without PIN", "306", "*741234", OPEN, POL_REJECT, 403,
     POL_R_NO_PIN, "", ""},
    {"*74 without digits", "301", "*74", OPEN, POL_REJECT, 484,
     POL_R_FEATURE_BAD, "", ""},
    {"*74 PIN blocked", "305", "*741234", OPEN, POL_REJECT, 403,
     POL_R_PIN_BLOCKED, "", ""},
    {"peer without line + code", NULL, "*757777*0301234", OPEN, POL_FORWARD, 0,
     POL_R_AUTHCODE, "bob", "0301234"},
    {"peer without line + bad code", NULL, "*759999*0301234", OPEN, POL_REJECT,
     403, POL_R_AUTHCODE_BAD, "", ""},
    {"peer without line, no code", NULL, "0049301234", CLOSED, POL_FORWARD, 0,
     POL_R_DEFAULT, "", ""},
};

static void
test_rules_outgoing_table(void **state)
{
	struct fixture *fx = *state;

	for (size_t i = 0; i < ARRAY_SIZE(out_cases); i++) {
		const struct out_case *c = &out_cases[i];
		struct pol_facts f = {
		    .direction = POL_OUTGOING,
		    .caller_ext = c->ext,
		    .dialled = c->dialled,
		    .now = NOW,
		    .weekday = c->when == CLOSED ? 0 : 1,
		    .minute_of_day = c->when == CLOSED ? 720 : 600,
		    .is_registered_phone = c->ext != NULL,
		    .is_trusted_peer = c->ext == NULL,
		};
		struct pol_verdict v;

		print_message("case %zu: %s\n", i, c->name);
		assert_int_equal(pol_decide(&f, &fx->snap, &v), 0);
		assert_int_equal(v.action, c->action);
		assert_int_equal(v.code, c->code);
		assert_int_equal(v.reason, c->reason);
		assert_string_equal(v.auth_name, c->auth_name);
		if (c->action == POL_FORWARD)
			assert_string_equal(v.dial, c->dial);
		/* The verdict never carries a code. */
		if (!strncmp(c->dialled, "*75", 3))
			assert_null(strstr(v.number, c->dialled + 3));
		pol_verdict_wipe(&v);
	}
}

struct in_case {
	const char *name;
	const char *caller;
	bool anonymous;
	bool core;
	uint16_t code; /* 0: forwarded */
	enum pol_reason reason;
};

static const struct in_case in_cases[] = {
    {"plain caller", "0301234", false, true, 0, POL_R_DEFAULT},
    {"premium caller blocked", "09001234", false, true, 603, POL_R_BLOCKED},
    {"E.164 caller blocked", "+49305551", false, true, 603, POL_R_BLOCKED},
    {"anonymous flag", "0301234", true, true, 433, POL_R_ANONYMOUS},
    {"empty number", "", false, true, 433, POL_R_ANONYMOUS},
    {"no number", NULL, false, true, 433, POL_R_ANONYMOUS},
    {"not a core peer first", "09001234", false, false, 403, POL_R_NOT_CORE},
    {"overlong number is not matched",
     "0900111111111111111111111111111"
     "11111111111111111111111111111111111",
     false, true, 0, POL_R_DEFAULT},
};

static void
test_rules_incoming_table(void **state)
{
	struct fixture *fx = *state;

	for (size_t i = 0; i < ARRAY_SIZE(in_cases); i++) {
		const struct in_case *c = &in_cases[i];
		struct pol_facts f = {
		    .direction = POL_INCOMING,
		    .caller_number = c->caller,
		    .caller_anonymous = c->anonymous,
		    .callee_ext = "301",
		    .dialled = "301",
		    .now = NOW,
		    .is_core_peer = c->core,
		};
		struct pol_verdict v;

		print_message("case %zu: %s\n", i, c->name);
		assert_int_equal(pol_decide(&f, &fx->snap, &v), 0);
		assert_int_equal(v.action, c->code ? POL_REJECT : POL_FORWARD);
		assert_int_equal(v.code, c->code);
		assert_int_equal(v.reason, c->reason);
	}
}

static void
test_rules_blocked_redirect_and_codes(void **state)
{
	struct fixture *fx = *state;
	struct store_settings *s = &fx->settings;
	struct pol_facts f = {.direction = POL_INCOMING,
	                      .caller_number = "09001234",
	                      .callee_ext = "301",
	                      .dialled = "301",
	                      .is_core_peer = true};
	struct pol_verdict v;

	s->blocked_code = 486;
	pol_decide(&f, &fx->snap, &v);
	assert_int_equal(v.code, 486);
	assert_string_equal(v.text, "Busy Here");
	/* Redirect without any URI still refuses. */
	s->blocked_action = STORE_ACTION_REDIRECT;
	pol_decide(&f, &fx->snap, &v);
	assert_int_equal(v.action, POL_REJECT);
	ll_strlcpy(s->redirect_uri, "sip:op@pbx", sizeof(s->redirect_uri));
	pol_decide(&f, &fx->snap, &v);
	assert_int_equal(v.action, POL_REDIRECT);
	assert_string_equal(v.uri, "sip:op@pbx");
	ll_strlcpy(s->blocked_uri, "sip:vm@pbx", sizeof(s->blocked_uri));
	f.caller_number = NULL;
	pol_decide(&f, &fx->snap, &v);
	assert_int_equal(v.action, POL_REDIRECT);
	assert_int_equal(v.reason, POL_R_ANONYMOUS);
	assert_string_equal(v.uri, "sip:vm@pbx");
	/* Anonymous allowed again: forwarded. */
	s->block_anonymous = false;
	pol_decide(&f, &fx->snap, &v);
	assert_int_equal(v.action, POL_FORWARD);
	/* A blocked caller beats the callee's incoming block. */
	s->blocked_action = STORE_ACTION_REJECT;
	s->block_incoming = true;
	f.caller_number = "09001234";
	f.callee_ext = "304";
	pol_decide(&f, &fx->snap, &v);
	assert_int_equal(v.reason, POL_R_BLOCKED);
}

static void
test_rules_afterhours_redirect(void **state)
{
	struct fixture *fx = *state;
	struct store_settings *s = &fx->settings;
	struct pol_facts f = {.direction = POL_OUTGOING,
	                      .caller_ext = "301",
	                      .dialled = "0049301234",
	                      .now = NOW,
	                      .weekday = 0,
	                      .minute_of_day = 720};
	struct pol_verdict v;

	s->afterhours_action = STORE_ACTION_REDIRECT;
	ll_strlcpy(s->afterhours_uri, "sip:night@pbx",
	           sizeof(s->afterhours_uri));
	pol_decide(&f, &fx->snap, &v);
	assert_int_equal(v.action, POL_REDIRECT);
	assert_int_equal(v.reason, POL_R_AFTER_HOURS);
	assert_string_equal(v.uri, "sip:night@pbx");
	assert_int_equal(v.list, STORE_LIST_AFTERHOURS);
	assert_string_equal(v.pattern, "00.");
	/* The override ends at its second. */
	lines[2].afterhours_until = NOW;
	f.caller_ext = "303";
	pol_decide(&f, &fx->snap, &v);
	assert_int_equal(v.action, POL_REDIRECT);
}

struct hours_case {
	uint8_t day;
	uint16_t minute;
	bool open;
};

static void
test_hours_edges_across_midnight_and_weekdays(void **state)
{
	struct fixture *fx = *state;
	static const struct hours_case cases[] = {
	    {1, 7 * 60 + 59, false},
	    {1, 8 * 60, true},
	    {1, 17 * 60 + 59, true},
	    {1, 18 * 60, false},
	    {5, 18 * 60, false},
	    {6, 19 * 60 + 59, false},
	    {6, 20 * 60, true},
	    {6, 1439, true},
	    {0, 0, true},
	    {0, 119, true},
	    {0, 120, false},
	    {0, 720, false},
	    {0, 1439, false},
	    {1, 0, false},
	};
	struct store_settings def;

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		print_message("day %u minute %u\n", cases[i].day,
		              cases[i].minute);
		assert_int_equal(pol_hours_is_open(&fx->settings, cases[i].day,
		                                   cases[i].minute),
		                 cases[i].open);
	}
	/* Defaults: always open. */
	store_settings_defaults(&def);
	for (uint8_t d = 0; d < 7; d++) {
		assert_true(pol_hours_is_open(&def, d, 0));
		assert_true(pol_hours_is_open(&def, d, 1439));
	}
	/* Closing at midnight does not spill into the next day. */
	hours(&def, 3, 18 * 60, 0);
	hours(&def, 4, 0, 0);
	assert_true(pol_hours_is_open(&def, 3, 1439));
	assert_false(pol_hours_is_open(&def, 4, 0));
	assert_false(pol_hours_is_open(&def, 3, 17 * 60));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
	    T(test_rules_outgoing_table),
	    T(test_rules_incoming_table),
	    T(test_rules_blocked_redirect_and_codes),
	    T(test_rules_afterhours_redirect),
	    T(test_hours_edges_across_midnight_and_weekdays),
#undef T
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

#else

/* Built without the rules: the same lists and lines change nothing. */
static void
test_rules_absent_change_nothing(void **state)
{
	struct fixture *fx = *state;
	struct pol_facts o = {.direction = POL_OUTGOING,
	                      .caller_ext = "302",
	                      .dialled = "0049301234",
	                      .now = NOW};
	struct pol_facts in = {.direction = POL_INCOMING,
	                       .caller_number = "09001234",
	                       .caller_anonymous = true,
	                       .callee_ext = "301",
	                       .dialled = "301",
	                       .is_core_peer = true};
	struct pol_verdict v;

	if (IS_ENABLED(CONFIG_POLICY_AUTH_CODES) ||
	    IS_ENABLED(CONFIG_POLICY_AFTER_HOURS) ||
	    IS_ENABLED(CONFIG_POLICY_INBOUND_BLOCK))
		skip(); /* a partial configuration: nothing to assert */
	assert_int_equal(pol_decide(&o, &fx->snap, &v), 0);
	assert_int_equal(v.action, POL_FORWARD);
	assert_int_equal(pol_decide(&in, &fx->snap, &v), 0);
	assert_int_equal(v.action, POL_FORWARD);
	o.dialled = "*741234";
	assert_int_equal(pol_decide(&o, &fx->snap, &v), 0);
	assert_int_equal(v.action, POL_FORWARD);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_rules_absent_change_nothing,
	                                    setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

#endif
