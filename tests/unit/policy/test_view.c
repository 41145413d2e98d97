/* The read view over real storage: compiled lists follow stored changes
 * (recompiled once per change), a stored pattern that does not compile
 * costs only itself, and a decision sees a CLI-style lock on its next
 * snapshot. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "../storage/tmpdir.h"
#include "policy/pol.h"
#include "util.h"

static const struct store_actor cli = {"cli:test", "local"};

static void
decide(struct store_snapshot *sn, struct pol_lists *l, const char *ext,
       const char *dialled, struct pol_verdict *v)
{
	struct pol_facts f = {
	    .direction = POL_OUTGOING, .caller_ext = ext, .dialled = dialled};
	struct pol_snapshot ps;

	assert_int_equal(store_snapshot_begin(sn), 0);
	pol_lists_refresh(l, sn);
	pol_snapshot_from_store(&ps, sn, l);
	assert_int_equal(pol_decide(&f, &ps, v), 0);
	store_snapshot_end(sn);
}

static void
test_view_follows_storage(void **state)
{
	struct store_config cfg = {0};
	struct pol_lists l = {0};
	struct store_snapshot *sn;
	struct pol_verdict v;
	struct store *st;
	char dir[64];

	(void)state;
	tmpdir_make(dir, sizeof(dir));
	ll_strlcpy(cfg.dir, dir, sizeof(cfg.dir));
	assert_int_equal(store_open(&st, &cfg), 0);
	assert_int_equal(store_snapshot_new(&sn, st), 0);
	decide(sn, &l, "201", "5550000", &v);
	assert_int_equal(v.action, POL_FORWARD);
	assert_int_equal(
	    store_line_lock(st, NULL, "201", STORE_LOCK_USER, &cli), 0);
	decide(sn, &l, "201", "5550000", &v);
	assert_int_equal(v.action, POL_REJECT);
	assert_int_equal(v.code, 403);
	/* "1.2" passes storage's character check but does not compile. */
	assert_int_equal(store_list_add(st, STORE_LIST_EMERGENCY, "1.2", &cli),
	                 0);
	assert_int_equal(store_list_add(st, STORE_LIST_ALLOW, "555X!", &cli),
	                 0);
	assert_int_equal(store_snapshot_begin(sn), 0);
	assert_int_equal(pol_lists_refresh(&l, sn), -EINVAL);
	assert_int_equal(pol_lists_refresh(&l, sn), 0); /* once per change */
	store_snapshot_end(sn);
	decide(sn, &l, "201", "112", &v);
	assert_int_equal(v.reason, POL_R_EMERGENCY);
	decide(sn, &l, "201", "5550000", &v);
	assert_int_equal(v.reason, POL_R_ALLOWLIST);
	assert_string_equal(v.pattern, "555X!");
	assert_int_equal(
	    store_setting_set(st, "locked_action", "redirect", &cli, NULL, 0),
	    0);
	assert_int_equal(
	    store_setting_set(st, "redirect_uri", "sip:op@pbx", &cli, NULL, 0),
	    0);
	decide(sn, &l, "201", "6660000", &v);
	assert_int_equal(v.action, POL_REDIRECT);
	assert_string_equal(v.uri, "sip:op@pbx");
	pol_lists_clear(&l);
	store_snapshot_free(sn);
	store_close(st);
	tmpdir_remove(dir);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_view_follows_storage),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
