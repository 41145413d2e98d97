/* Storage of the restrictions besides locks: classes, after-hours
 * overrides, call budgets (charge, lock, rollover), authorization codes
 * (keyed hash, never the code in the audit), the new lists and settings,
 * and the schema 2 -> 3 migration of line records. Real LMDB in a
 * temporary directory; local time pinned to UTC. */
#include <errno.h>
#include <lmdb.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include <cmocka.h>

#include "storage/store.h"
#include "tests/unit/storage/env.h"
#include "util.h"

static const struct store_actor cli = {"cli:test", "local"};

static int
setup(void **state)
{
	setenv("TZ", "UTC", 1);
	tzset();
	return env_setup(state);
}

static struct store_audit
last_audit(struct store *st)
{
	struct store_audit a;

	assert_int_equal(store_audit_list(st, &a, 1, 0), 1);
	return a;
}

static void
test_line_class_and_afterhours_roundtrip(void **state)
{
	struct env *e = *state;
	struct store_line l;
	struct store_audit a;

	assert_int_equal(store_line_class_set(e->st, NULL, "201", 3, &cli), 0);
	a = last_audit(e->st);
	assert_string_equal(a.action, "line.class");
	assert_string_equal(a.old_value, "none");
	assert_string_equal(a.new_value, "3");
	assert_int_equal(store_line_class_set(e->st, NULL, "201", 9, &cli),
	                 -EINVAL);
	assert_int_equal(
	    store_line_afterhours_set(e->st, NULL, "201", 1800000000, &cli), 0);
	assert_string_equal(last_audit(e->st).action, "line.afterhours");
	assert_int_equal(store_line_get(e->st, &l, NULL, "201"), 0);
	assert_int_equal(l.cor_class, 3);
	assert_int_equal(l.afterhours_until, 1800000000);
	assert_int_equal(
	    store_line_class_set(e->st, NULL, "201", STORE_CLASS_NONE, &cli),
	    0);
	assert_int_equal(store_line_get(e->st, &l, NULL, "201"), 0);
	assert_int_equal(l.cor_class, STORE_CLASS_NONE);
	assert_int_equal(store_check(e->st, NULL), 0);
}

/* 2026-03-31 23:00 UTC and the next hour (a new day and a new month). */
#define T_MAR31 1774998000
#define T_APR01 (T_MAR31 + 3600)

static void
test_budget_period_ids(void **state)
{
	(void)state;
	assert_int_equal(store_budget_period_id(STORE_PERIOD_DAY, T_MAR31),
	                 20260331);
	assert_int_equal(store_budget_period_id(STORE_PERIOD_MONTH, T_MAR31),
	                 202603);
	assert_int_equal(store_budget_period_id(STORE_PERIOD_DAY, T_APR01),
	                 20260401);
	assert_int_equal(store_budget_period_id(STORE_PERIOD_MONTH, T_APR01),
	                 202604);
}

static void
test_budget_calls_lock_then_roll_over(void **state)
{
	struct env *e = *state;
	struct store_line l;
	struct store_audit a;
	bool locked;

	if (!IS_ENABLED(CONFIG_POLICY_BUDGET))
		skip();
	/* No budget: nothing written, not even a record. */
	assert_int_equal(
	    store_budget_charge(e->st, NULL, "201", 60, T_MAR31, &locked), 0);
	assert_int_equal(store_line_get(e->st, &l, NULL, "201"), -ENOENT);
	assert_int_equal(store_line_budget_set(e->st, NULL, "201", 2,
	                                       STORE_PERIOD_DAY, 0, &cli),
	                 0);
	assert_string_equal(last_audit(e->st).action, "line.budget");
	assert_int_equal(
	    store_budget_charge(e->st, NULL, "201", 60, T_MAR31, &locked), 0);
	assert_false(locked);
	assert_int_equal(
	    store_budget_charge(e->st, NULL, "201", 60, T_MAR31, &locked), 0);
	assert_true(locked);
	a = last_audit(e->st);
	assert_string_equal(a.action, "line.lock");
	assert_string_equal(a.actor, "system");
	assert_string_equal(a.new_value, "budget");
	assert_int_equal(store_line_get(e->st, &l, NULL, "201"), 0);
	assert_int_equal(l.lock, STORE_LOCK_BUDGET);
	assert_int_equal(l.budget.used_calls, 2);
	/* The user cannot lift it; the same day keeps it. */
	assert_int_equal(store_line_unlock(e->st, NULL, "201", false, &cli),
	                 -EPERM);
	assert_int_equal(store_budget_rollover(e->st, T_MAR31 + 60), 0);
	/* Next day: the sweep lifts it, audited as the system. */
	assert_int_equal(store_budget_rollover(e->st, T_APR01), 1);
	a = last_audit(e->st);
	assert_string_equal(a.action, "line.unlock");
	assert_string_equal(a.actor, "system");
	assert_int_equal(store_line_get(e->st, &l, NULL, "201"), 0);
	assert_int_equal(l.lock, STORE_LOCK_NONE);
	assert_int_equal(l.budget.used_calls, 0);
	assert_int_equal(
	    store_budget_charge(e->st, NULL, "201", 0, T_APR01, &locked), 0);
	assert_false(locked);
}

static void
test_budget_minutes_month_and_reset(void **state)
{
	struct env *e = *state;
	struct store_line l;
	bool locked;

	if (!IS_ENABLED(CONFIG_POLICY_BUDGET))
		skip();
	assert_int_equal(store_line_budget_set(e->st, NULL, "202", 0,
	                                       STORE_PERIOD_MONTH, 10, &cli),
	                 0);
	assert_int_equal(store_budget_charge(e->st, NULL, "202", 599,
	                                     T_MAR31 - 86400 * 20, &locked),
	                 0);
	assert_false(locked); /* 9 min 59 s */
	assert_int_equal(
	    store_budget_charge(e->st, NULL, "202", 1, T_MAR31, &locked), 0);
	assert_true(locked);
	/* An admin lock is stronger: a charge never downgrades it. */
	assert_int_equal(
	    store_line_lock(e->st, NULL, "202", STORE_LOCK_ADMIN, &cli), 0);
	assert_int_equal(store_budget_rollover(e->st, T_APR01), 0);
	assert_int_equal(store_line_get(e->st, &l, NULL, "202"), 0);
	assert_int_equal(l.lock, STORE_LOCK_ADMIN);
	assert_int_equal(store_line_unlock(e->st, NULL, "202", true, &cli), 0);
	assert_int_equal(store_line_budget_set(e->st, NULL, "203", 1,
	                                       STORE_PERIOD_MONTH, 0, &cli),
	                 0);
	assert_int_equal(
	    store_budget_charge(e->st, NULL, "203", 5, T_MAR31, &locked), 0);
	assert_true(locked);
	assert_int_equal(store_line_budget_reset(e->st, NULL, "203", &cli), 0);
	assert_string_equal(last_audit(e->st).action, "line.budget_reset");
	assert_int_equal(store_line_get(e->st, &l, NULL, "203"), 0);
	assert_int_equal(l.lock, STORE_LOCK_NONE);
	assert_int_equal(l.budget.used_calls, 0);
	assert_int_equal(
	    store_line_budget_set(e->st, NULL, "203", 1, 7, 0, &cli), -EINVAL);
}

static void
test_authcode_roundtrip_never_stores_code(void **state)
{
	struct env *e = *state;
	struct store_authcode a[4];
	struct store_audit au;
	char path[128];
	struct stat sb;

	assert_int_equal(store_authcode_add(e->st, "alice", 3, "482913", &cli),
	                 0);
	au = last_audit(e->st);
	assert_string_equal(au.action, "authcode.add");
	assert_string_equal(au.subject, "alice");
	assert_null(strstr(au.new_value, "482913"));
	assert_int_equal(store_authcode_add(e->st, "alice", 1, "111999", &cli),
	                 -EEXIST);
	assert_int_equal(store_authcode_add(e->st, "bob", 1, "482913", &cli),
	                 -EEXIST);
	assert_int_equal(store_authcode_add(e->st, "bob", 1, "12a4", &cli),
	                 -EINVAL);
	assert_int_equal(store_authcode_add(e->st, "bob", 1, "123", &cli),
	                 -EINVAL);
	assert_int_equal(store_authcode_add(e->st, "bob", 9, "5555", &cli),
	                 -EINVAL);
	assert_int_equal(
	    store_authcode_add(e->st, "bob", STORE_CLASS_NONE, "7777", &cli),
	    0);
	assert_int_equal(store_authcode_find(e->st, a, "482913"), 0);
	assert_string_equal(a[0].name, "alice");
	assert_int_equal(a[0].cor_class, 3);
	assert_string_equal(a[0].created_by, "cli:test");
	assert_int_equal(store_authcode_find(e->st, a, "482914"), -ENOENT);
	assert_int_equal(store_authcode_list(e->st, a, 4), 2);
	assert_string_equal(a[0].name, "alice");
	assert_string_equal(a[1].name, "bob");
	/* The key is a file of its own, private, and survives a reopen. */
	snprintf(path, sizeof(path), "%s/authcode.key", e->dir);
	assert_int_equal(stat(path, &sb), 0);
	assert_int_equal(sb.st_mode & 0777, 0600);
	assert_int_equal(sb.st_size, 32);
	store_close(e->st);
	assert_int_equal(env_open(e), 0);
	assert_int_equal(store_authcode_find(e->st, a, "7777"), 0);
	assert_string_equal(a[0].name, "bob");
	assert_int_equal(store_authcode_del(e->st, "bob", &cli), 0);
	assert_string_equal(last_audit(e->st).action, "authcode.del");
	assert_int_equal(store_authcode_del(e->st, "bob", &cli), -ENOENT);
	assert_int_equal(store_authcode_find(e->st, a, "7777"), -ENOENT);
	assert_int_equal(store_check(e->st, NULL), 0);
}

static void
test_lists_and_settings_new(void **state)
{
	struct env *e = *state;
	char buf[64], err[128];
	char pats[2][STORE_PATTERN_MAX];

	assert_int_equal(store_list_by_name("block"), STORE_LIST_BLOCK);
	assert_int_equal(store_list_by_name("afterhours"),
	                 STORE_LIST_AFTERHOURS);
	assert_int_equal(store_list_by_name("class1"), STORE_LIST_CLASS1);
	assert_int_equal(store_list_by_name("class8"), STORE_LIST_CLASS1 + 7);
	assert_int_equal(store_list_by_name("class9"), -ENOENT);
	assert_int_equal(
	    store_list_add(e->st, STORE_LIST_CLASS1 + 1, "0Z.", &cli), 0);
	assert_int_equal(store_list_get(e->st, STORE_LIST_CLASS1 + 1, pats, 2),
	                 1);
	assert_int_equal(store_list_get(e->st, STORE_LIST_CLASS1, pats, 2), 0);
	assert_int_equal(
	    store_setting_get(e->st, "hours_mon", buf, sizeof(buf)), 0);
	assert_string_equal(buf, "00:00-24:00");
	assert_int_equal(store_setting_set(e->st, "hours_fri", "22:00-06:30",
	                                   &cli, err, sizeof(err)),
	                 0);
	assert_int_equal(
	    store_setting_get(e->st, "hours_fri", buf, sizeof(buf)), 0);
	assert_string_equal(buf, "22:00-06:30");
	assert_int_equal(store_setting_set(e->st, "hours_sun", "CLOSED", &cli,
	                                   err, sizeof(err)),
	                 0);
	assert_int_equal(
	    store_setting_get(e->st, "hours_sun", buf, sizeof(buf)), 0);
	assert_string_equal(buf, "closed");
	const char *bad[] = {"24:00-10:00",
	                     "08:00-08:00",
	                     "8:00-17:00",
	                     "08:60-17:00",
	                     "08:00-24:01",
	                     "08:00_17:00",
	                     ""};
	for (size_t i = 0; i + 1 < ARRAY_SIZE(bad); i++)
		assert_int_equal(store_setting_set(e->st, "hours_tue", bad[i],
		                                   &cli, err, sizeof(err)),
		                 -EINVAL);
	assert_int_equal(store_setting_set(e->st, "blocked_action", "redirect",
	                                   &cli, err, sizeof(err)),
	                 0);
	assert_int_equal(
	    store_setting_get(e->st, "locked_action", buf, sizeof(buf)), 0);
	assert_string_equal(buf, "reject"); /* a field of its own */
	/* Feature codes must not swallow each other. */
	assert_int_equal(store_setting_set(e->st, "feature_authcode", "*7",
	                                   &cli, err, sizeof(err)),
	                 -EINVAL);
	assert_int_equal(store_setting_set(e->st, "feature_afterhours", "*71",
	                                   &cli, err, sizeof(err)),
	                 -EINVAL);
	assert_int_equal(
	    store_setting_get(e->st, "blocked_code", buf, sizeof(buf)), 0);
	assert_string_equal(buf, "603");
}

/* A schema 2 environment with one line record of layout 2. */
static void
write_v2_env(const char *dir)
{
	MDB_env *env;
	MDB_txn *txn;
	MDB_dbi meta, lines;
	uint8_t rec[160], ver[8] = {0, 0, 0, 0, 0, 0, 0, 2};
	size_t n = 0;
	char key[] = "default\0"
	             "201";
	MDB_val k, v;

	rec[n++] = 2;               /* record v2 */
	rec[n++] = 5, rec[n++] = 0; /* label */
	memcpy(rec + n, "lobby", 5), n += 5;
	rec[n++] = STORE_LOCK_USER;
	rec[n++] = 3, rec[n++] = 0; /* locked_by */
	memcpy(rec + n, "bob", 3), n += 3;
	rec[n++] = 0, rec[n++] = 0;               /* lock_source "" */
	memset(rec + n, 0, 8), n += 8;            /* locked_at */
	memset(rec + n, 0, 4 + 16 + 32), n += 52; /* no PIN */
	memset(rec + n, 0, 4 + 8 + 8), n += 20;   /* counters */
	rec[n++] = STORE_ACTION_REDIRECT;
	rec[n++] = 0, rec[n++] = 0;    /* redirect_uri "" */
	rec[n++] = STORE_ON;           /* block_incoming */
	memset(rec + n, 0, 8), n += 8; /* updated */
	assert_int_equal(mdb_env_create(&env), 0);
	assert_int_equal(mdb_env_set_maxdbs(env, 16), 0);
	assert_int_equal(mdb_env_open(env, dir, 0, 0600), 0);
	assert_int_equal(mdb_txn_begin(env, NULL, 0, &txn), 0);
	assert_int_equal(mdb_dbi_open(txn, "meta", MDB_CREATE, &meta), 0);
	assert_int_equal(mdb_dbi_open(txn, "lines", MDB_CREATE, &lines), 0);
	k = (MDB_val){6, "schema"};
	v = (MDB_val){8, ver};
	assert_int_equal(mdb_put(txn, meta, &k, &v, 0), 0);
	k = (MDB_val){sizeof(key) - 1, key};
	v = (MDB_val){n, rec};
	assert_int_equal(mdb_put(txn, lines, &k, &v, 0), 0);
	assert_int_equal(mdb_txn_commit(txn), 0);
	mdb_env_close(env);
}

static void
test_schema_migrates_from_v2(void **state)
{
	struct env *e = *state;
	struct store_line l;
	uint32_t ver;

	store_close(e->st);
	tmpdir_remove(e->dir);
	tmpdir_make(e->dir, sizeof(e->dir));
	write_v2_env(e->dir);
	assert_int_equal(env_open(e), 0);
	assert_int_equal(store_schema_version(e->st, &ver), 0);
	assert_int_equal(ver, 3);
	assert_int_equal(store_line_get(e->st, &l, NULL, "201"), 0);
	assert_string_equal(l.label, "lobby");
	assert_int_equal(l.lock, STORE_LOCK_USER);
	assert_string_equal(l.locked_by, "bob");
	assert_int_equal(l.locked_action, STORE_ACTION_REDIRECT);
	assert_int_equal(l.block_incoming, STORE_ON);
	assert_int_equal(l.cor_class, STORE_CLASS_NONE);
	assert_int_equal(l.afterhours_until, 0);
	assert_int_equal(l.budget.calls, 0);
	assert_int_equal(store_check(e->st, NULL), 0);
	assert_int_equal(store_line_class_set(e->st, NULL, "201", 2, &cli), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
#define T(f) cmocka_unit_test_setup_teardown(f, setup, env_teardown)
	    T(test_line_class_and_afterhours_roundtrip),
	    T(test_budget_period_ids),
	    T(test_budget_calls_lock_then_roll_over),
	    T(test_budget_minutes_month_and_reset),
	    T(test_authcode_roundtrip_never_stores_code),
	    T(test_lists_and_settings_new),
	    T(test_schema_migrates_from_v2),
#undef T
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
