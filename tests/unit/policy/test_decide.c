/* pol_decide() as a table: emergency beats lock, allowlist beats lock,
 * reject vs redirect, per-line overrides, incoming block, partitions,
 * feature-code parsing, PIN rules. Lines come from an in-memory view. */
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

static struct store_line lines[8];
static size_t nlines;
static bool storage_broken;

static int
mem_line_get(void *ctx, struct store_line *out, const char *partition,
             const char *ext)
{
	(void)ctx;
	if (storage_broken)
		return -EIO;
	if (!partition || !*partition)
		partition = STORE_PARTITION_DEFAULT;
	for (size_t i = 0; i < nlines; i++)
		if (!strcmp(lines[i].partition, partition) &&
		    !strcmp(lines[i].ext, ext)) {
			*out = lines[i];
			return 0;
		}
	return -ENOENT;
}

static struct store_line *
add_line(const char *partition, const char *ext, uint8_t lock)
{
	struct store_line *l = &lines[nlines++];

	store_line_defaults(l, partition, ext);
	l->lock = lock;
	l->pin.iterations = 10000; /* a PIN is set */
	return l;
}

struct fixture {
	struct store_settings settings;
	struct pol_patterns *emergency, *allow;
	struct pol_snapshot snap;
};

static int
setup(void **state)
{
	static struct fixture fx;
	const char *em[] = {"112", "911", "999", "000", "110"};
	const char *al[] = {"0800XXXXXX", "+4930!", "5551234"};

	memset(&fx, 0, sizeof(fx));
	nlines = 0;
	storage_broken = false;
	store_settings_defaults(&fx.settings);
	ll_strlcpy(fx.settings.outside_line_prefix, "9",
	           sizeof(fx.settings.outside_line_prefix));
	assert_int_equal(
	    pol_patterns_new(&fx.emergency, em, ARRAY_SIZE(em), NULL), 0);
	assert_int_equal(pol_patterns_new(&fx.allow, al, ARRAY_SIZE(al), NULL),
	                 0);
	fx.snap = (struct pol_snapshot){.settings = &fx.settings,
	                                .emergency = fx.emergency,
	                                .allow = fx.allow,
	                                .line_get = mem_line_get};
	add_line(NULL, "201", STORE_LOCK_USER);
	add_line(NULL, "202", STORE_LOCK_NONE);
	add_line(NULL, "203", STORE_LOCK_ADMIN);
	add_line("sales", "201", STORE_LOCK_NONE);
	add_line(NULL, "204", STORE_LOCK_USER)->locked_action =
	    STORE_ACTION_REDIRECT;
	ll_strlcpy(lines[4].redirect_uri, "sip:ivr@pbx", STORE_URI_MAX);
	add_line(NULL, "205", STORE_LOCK_BUDGET)->block_incoming = STORE_ON;
	lines[nlines++] = (struct store_line){.partition = "default",
	                                      .ext = "206"}; /* no PIN */
	*state = &fx;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture *fx = *state;

	pol_patterns_free(fx->emergency);
	pol_patterns_free(fx->allow);
	return 0;
}

struct decide_case {
	const char *name;
	enum pol_direction dir;
	const char *caller_part, *caller_ext;
	const char *callee_part, *callee_ext;
	const char *dialled;
	bool core;
	enum pol_action action;
	enum pol_reason reason;
	uint16_t code;
	const char *pattern; /* matched, or NULL */
};

static const struct decide_case cases[] = {
    {"unlocked forwards", POL_OUTGOING, NULL, "202", NULL, NULL, "5550000",
     false, POL_FORWARD, POL_R_DEFAULT, 0, NULL},
    {"locked rejects", POL_OUTGOING, NULL, "201", NULL, NULL, "5550000", false,
     POL_REJECT, POL_R_LINE_LOCKED, 403, NULL},
    {"emergency beats lock", POL_OUTGOING, NULL, "201", NULL, NULL, "112",
     false, POL_FORWARD, POL_R_EMERGENCY, 0, "112"},
    {"emergency after prefix", POL_OUTGOING, NULL, "203", NULL, NULL, "9911",
     false, POL_FORWARD, POL_R_EMERGENCY, 0, "911"},
    {"emergency with no line", POL_OUTGOING, NULL, NULL, NULL, NULL, "999",
     false, POL_FORWARD, POL_R_EMERGENCY, 0, "999"},
    {"allowlist beats lock", POL_OUTGOING, NULL, "201", NULL, NULL,
     "0800123456", false, POL_FORWARD, POL_R_ALLOWLIST, 0, "0800XXXXXX"},
    {"allowlist after prefix", POL_OUTGOING, NULL, "203", NULL, NULL,
     "95551234", false, POL_FORWARD, POL_R_ALLOWLIST, 0, "5551234"},
    {"allowlist E.164", POL_OUTGOING, NULL, "201", NULL, NULL, "+49301234",
     false, POL_FORWARD, POL_R_ALLOWLIST, 0, "+4930!"},
    {"allowlist needs full match", POL_OUTGOING, NULL, "201", NULL, NULL,
     "0800123", false, POL_REJECT, POL_R_LINE_LOCKED, 403, NULL},
    {"admin lock rejects", POL_OUTGOING, NULL, "203", NULL, NULL, "5550000",
     false, POL_REJECT, POL_R_LINE_LOCKED, 403, NULL},
    {"budget lock rejects", POL_OUTGOING, NULL, "205", NULL, NULL, "5550000",
     false, POL_REJECT, POL_R_LINE_LOCKED, 403, NULL},
    {"per-line redirect", POL_OUTGOING, NULL, "204", NULL, NULL, "5550000",
     false, POL_REDIRECT, POL_R_LINE_LOCKED, 302, NULL},
    {"partitions apart", POL_OUTGOING, "sales", "201", NULL, NULL, "5550000",
     false, POL_FORWARD, POL_R_DEFAULT, 0, NULL},
    {"unknown line unlocked", POL_OUTGOING, NULL, "999", NULL, NULL, "5550000",
     false, POL_FORWARD, POL_R_DEFAULT, 0, NULL},
    {"incoming locked default passes", POL_INCOMING, NULL, NULL, NULL, "201",
     "201", true, POL_FORWARD, POL_R_DEFAULT, 0, NULL},
    {"incoming per-line block", POL_INCOMING, NULL, NULL, NULL, "205", "205",
     true, POL_REJECT, POL_R_INCOMING_LOCKED, 480, NULL},
    {"incoming not from core", POL_INCOMING, NULL, NULL, NULL, "202", "202",
     false, POL_REJECT, POL_R_NOT_CORE, 403, NULL},
    {"incoming unlocked", POL_INCOMING, NULL, NULL, NULL, "202", "202", true,
     POL_FORWARD, POL_R_DEFAULT, 0, NULL},
    {"lock code", POL_OUTGOING, NULL, "202", NULL, NULL, "*71", false,
     POL_LOCAL, POL_R_FEATURE, 0, NULL},
    {"lock code with junk", POL_OUTGOING, NULL, "202", NULL, NULL, "*7155",
     false, POL_REJECT, POL_R_FEATURE_BAD, 484, NULL},
    {"lock without PIN", POL_OUTGOING, NULL, "206", NULL, NULL, "*71", false,
     POL_REJECT, POL_R_NO_PIN, 403, NULL},
    {"lock code no line", POL_OUTGOING, NULL, NULL, NULL, NULL, "*71", false,
     POL_REJECT, POL_R_NO_LINE, 403, NULL},
    {"unlock code", POL_OUTGOING, NULL, "201", NULL, NULL, "*724711", false,
     POL_LOCAL, POL_R_FEATURE, 0, NULL},
    {"unlock without digits", POL_OUTGOING, NULL, "201", NULL, NULL, "*72",
     false, POL_REJECT, POL_R_FEATURE_BAD, 484, NULL},
    {"unlock PIN too long", POL_OUTGOING, NULL, "201", NULL, NULL,
     "*72123456789", false, POL_REJECT, POL_R_FEATURE_BAD, 484, NULL},
    {"unlock admin lock", POL_OUTGOING, NULL, "203", NULL, NULL, "*724711",
     false, POL_REJECT, POL_R_ADMIN_LOCK, 403, NULL},
    {"change PIN", POL_OUTGOING, NULL, "201", NULL, NULL, "*734711*5830", false,
     POL_LOCAL, POL_R_FEATURE, 0, NULL},
    {"change PIN weak", POL_OUTGOING, NULL, "201", NULL, NULL, "*734711*1234",
     false, POL_REJECT, POL_R_PIN_WEAK, 403, NULL},
    {"change PIN no old", POL_OUTGOING, NULL, "201", NULL, NULL, "*735830",
     false, POL_REJECT, POL_R_FEATURE_BAD, 484, NULL},
    {"first PIN", POL_OUTGOING, NULL, "206", NULL, NULL, "*73*5830", false,
     POL_LOCAL, POL_R_FEATURE, 0, NULL},
    {"first PIN bare", POL_OUTGOING, NULL, "206", NULL, NULL, "*735830", false,
     POL_LOCAL, POL_R_FEATURE, 0, NULL},
    {"first PIN too short", POL_OUTGOING, NULL, "206", NULL, NULL, "*73*206",
     false, POL_REJECT, POL_R_PIN_WEAK, 403, NULL},
    {"empty number", POL_OUTGOING, NULL, "201", NULL, NULL, "", false,
     POL_REJECT, POL_R_BAD_NUMBER, 484, NULL},
};

static void
test_decide_table(void **state)
{
	struct fixture *fx = *state;

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		const struct decide_case *c = &cases[i];
		struct pol_facts f = {
		    .direction = c->dir,
		    .caller_partition = c->caller_part,
		    .caller_ext = c->caller_ext,
		    .callee_partition = c->callee_part,
		    .callee_ext = c->callee_ext,
		    .dialled = c->dialled,
		    .now = 1700000000,
		    .is_core_peer = c->core,
		};
		struct pol_verdict v;

		pol_decide(&f, &fx->snap, &v);
		if (v.action != c->action || v.reason != c->reason ||
		    v.code != c->code)
			fail_msg("%s: action %d reason %s code %u", c->name,
			         v.action, pol_reason_name(v.reason), v.code);
		if (c->pattern)
			assert_string_equal(v.pattern, c->pattern);
		pol_verdict_wipe(&v);
	}
}

static void
test_decide_feature_parts(void **state)
{
	struct fixture *fx = *state;
	struct pol_facts f = {.direction = POL_OUTGOING,
	                      .caller_ext = "201",
	                      .dialled = "*734711*5830",
	                      .now = 1};
	struct pol_verdict v;

	assert_int_equal(pol_decide(&f, &fx->snap, &v), 0);
	assert_int_equal(v.feature, POL_FC_CHANGE_PIN);
	assert_string_equal(v.pin, "4711");
	assert_string_equal(v.new_pin, "5830");
	pol_verdict_wipe(&v);
	assert_string_equal(v.pin, "");
	f.dialled = "*7208154711";
	assert_int_equal(pol_decide(&f, &fx->snap, &v), 0);
	assert_int_equal(v.feature, POL_FC_UNLOCK);
	assert_string_equal(v.pin, "08154711");
	assert_int_equal(v.lock, STORE_LOCK_USER);
	pol_verdict_wipe(&v);
}

static void
test_decide_global_redirect_and_codes(void **state)
{
	struct fixture *fx = *state;
	struct pol_facts f = {.direction = POL_OUTGOING,
	                      .caller_ext = "201",
	                      .dialled = "5550000"};
	struct pol_verdict v;

	/* Redirect without a URI cannot be sent: reject. */
	fx->settings.locked_action = STORE_ACTION_REDIRECT;
	pol_decide(&f, &fx->snap, &v);
	assert_int_equal(v.action, POL_REJECT);
	ll_strlcpy(fx->settings.redirect_uri, "sip:locked@pbx", STORE_URI_MAX);
	pol_decide(&f, &fx->snap, &v);
	assert_int_equal(v.action, POL_REDIRECT);
	assert_string_equal(v.uri, "sip:locked@pbx");
	/* A per-line reject beats the global redirect. */
	lines[0].locked_action = STORE_ACTION_REJECT;
	pol_decide(&f, &fx->snap, &v);
	assert_int_equal(v.action, POL_REJECT);
	/* Global incoming block with a configured code. */
	fx->settings.block_incoming = true;
	fx->settings.incoming_locked_code = 486;
	f = (struct pol_facts){.direction = POL_INCOMING,
	                       .callee_ext = "201",
	                       .dialled = "201",
	                       .is_core_peer = true};
	pol_decide(&f, &fx->snap, &v);
	assert_int_equal(v.action, POL_REJECT);
	assert_int_equal(v.code, 486);
	/* Per-line off beats the global on. */
	lines[0].block_incoming = STORE_OFF;
	pol_decide(&f, &fx->snap, &v);
	assert_int_equal(v.action, POL_FORWARD);
}

static void
test_decide_storage_error_fails_closed(void **state)
{
	struct fixture *fx = *state;
	struct pol_facts f = {.direction = POL_OUTGOING,
	                      .caller_ext = "202",
	                      .dialled = "5550000"};
	struct pol_verdict v;

	storage_broken = true;
	pol_decide(&f, &fx->snap, &v);
	assert_int_equal(v.action, POL_REJECT);
	assert_int_equal(v.reason, POL_R_STORAGE);
	f.dialled = "112";
	pol_decide(&f, &fx->snap, &v);
	assert_int_equal(v.action, POL_FORWARD);
	assert_int_equal(v.reason, POL_R_EMERGENCY);
}

static void
test_decide_pin_blocked(void **state)
{
	struct fixture *fx = *state;
	struct pol_facts f = {.direction = POL_OUTGOING,
	                      .caller_ext = "201",
	                      .dialled = "*724711",
	                      .now = 1000};
	struct pol_verdict v;

	lines[0].pin_blocked_until = 1500;
	pol_decide(&f, &fx->snap, &v);
	assert_int_equal(v.reason, POL_R_PIN_BLOCKED);
	f.now = 1500;
	pol_decide(&f, &fx->snap, &v);
	assert_int_equal(v.action, POL_LOCAL);
	pol_verdict_wipe(&v);
}

struct pin_case {
	const char *pin, *ext;
	int rc;
};

static const struct pin_case pin_cases[] = {
    {"4711", "201", 0},        {"58301", "201", 0},
    {"123", "201", -EINVAL},   {"123456789", "201", -EINVAL},
    {"12a4", "201", -EINVAL},  {"", "201", -EINVAL},
    {"2010", "2010", -EINVAL}, {"1111", "201", -EINVAL},
    {"1234", "201", -EINVAL},  {"4321", "201", -EINVAL},
    {"7890", "201", -EINVAL},  {"98765432", "201", -EINVAL},
    {"1235", "201", 0},        {"00000000", NULL, -EINVAL},
};

static void
test_pin_rules_table(void **state)
{
	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(pin_cases); i++) {
		const char *why = NULL;
		int rc =
		    pol_pin_check(pin_cases[i].pin, pin_cases[i].ext, &why);

		if (rc != pin_cases[i].rc)
			fail_msg("PIN \"%s\": %d", pin_cases[i].pin, rc);
		if (rc < 0)
			assert_non_null(why);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_decide_table, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_decide_feature_parts, setup,
	                                    teardown),
	    cmocka_unit_test_setup_teardown(
	        test_decide_global_redirect_and_codes, setup, teardown),
	    cmocka_unit_test_setup_teardown(
	        test_decide_storage_error_fails_closed, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_decide_pin_blocked, setup,
	                                    teardown),
	    cmocka_unit_test(test_pin_rules_table),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
