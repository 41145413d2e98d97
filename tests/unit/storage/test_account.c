/* PIN/password hashing, admin accounts, sessions, API tokens and throttle
 * counters on a real LMDB environment. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "storage/store.h"
#include "tmpdir.h"
#include "util.h"

static const struct store_actor web = {"web:alice", "127.0.0.1:40000"};

struct env {
	char dir[64];
	struct store *st;
};

static int
setup(void **state)
{
	static struct env e;
	struct store_config cfg = {0};

	tmpdir_make(e.dir, sizeof(e.dir));
	ll_strlcpy(cfg.dir, e.dir, sizeof(cfg.dir));
	assert_int_equal(store_open(&e.st, &cfg), 0);
	*state = &e;
	return 0;
}

static int
teardown(void **state)
{
	struct env *e = *state;

	store_close(e->st);
	tmpdir_remove(e->dir);
	return 0;
}

static const char *
last_action(struct store *st)
{
	static struct store_audit a;

	assert_int_equal(store_audit_list(st, &a, 1, 0), 1);
	return a.action;
}

static void
test_hash_verify_and_salts(void **state)
{
	struct store_hash a, b;
	struct timespec t0, t1;
	double ms;

	(void)state;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	assert_int_equal(store_hash_make(&a, "4711", STORE_HASH_ITER_DEFAULT),
	                 0);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	ms = (double)(t1.tv_sec - t0.tv_sec) * 1e3 +
	     (double)(t1.tv_nsec - t0.tv_nsec) / 1e6;
	print_message("PBKDF2-SHA256 %d iterations: %.2f ms\n",
	              STORE_HASH_ITER_DEFAULT, ms);
	assert_int_equal(store_hash_make(&b, "4711", STORE_HASH_ITER_DEFAULT),
	                 0);
	assert_true(store_hash_is_set(&a));
	assert_int_equal(a.iterations, STORE_HASH_ITER_DEFAULT);
	assert_memory_not_equal(a.salt, b.salt, sizeof(a.salt));
	assert_memory_not_equal(a.dk, b.dk, sizeof(a.dk));
	assert_true(store_hash_verify(&a, "4711"));
	assert_true(store_hash_verify(&b, "4711"));
	assert_false(store_hash_verify(&a, "4712"));
	assert_false(store_hash_verify(&a, ""));
	assert_false(store_hash_verify(&a, NULL));
	memset(&b, 0, sizeof(b));
	assert_false(store_hash_verify(&b, "4711"));
	assert_int_equal(store_hash_make(&b, "4711", 10), -EINVAL);
	assert_int_equal(store_hash_make(&b, "", 10000), -EINVAL);
}

static void
test_admin_lifecycle(void **state)
{
	struct env *e = *state;
	struct store_admin a, list[4];
	struct store_session s = {0}, got;
	struct store_hash h;
	char id[STORE_SESSION_ID_LEN];

	assert_int_equal(store_hash_make(&h, "secret pass", 1000), 0);
	assert_int_equal(store_admin_put(e->st, "alice", &h, &web), 0);
	assert_string_equal(last_action(e->st), "admin.create");
	assert_int_equal(store_admin_put(e->st, "alice", &h, &web), 0);
	assert_string_equal(last_action(e->st), "admin.passwd");
	assert_int_equal(store_admin_put(e->st, "al ice", &h, &web), -EINVAL);
	assert_int_equal(store_admin_get(e->st, &a, "alice"), 0);
	assert_true(store_hash_verify(&a.password, "secret pass"));
	assert_int_equal(a.last_login, 0);
	assert_int_equal(store_admin_login(e->st, "alice", 1234, &web), 0);
	assert_string_equal(last_action(e->st), "admin.login");
	assert_int_equal(store_admin_get(e->st, &a, "alice"), 0);
	assert_int_equal(a.last_login, 1234);
	assert_int_equal(store_admin_list(e->st, list, 4), 1);
	/* Sessions: found by id only, CSRF token set, expiry by idleness. */
	ll_strlcpy(s.admin, "alice", sizeof(s.admin));
	ll_strlcpy(s.source, "127.0.0.1", sizeof(s.source));
	s.created = s.last_seen = 1000;
	assert_int_equal(store_session_create(e->st, id, &s), 0);
	assert_int_equal(strlen(id), 43);
	assert_int_equal(strlen(s.csrf), 43);
	assert_int_equal(store_session_get(e->st, &got, id), 0);
	assert_string_equal(got.admin, "alice");
	assert_string_equal(got.csrf, s.csrf);
	assert_int_equal(store_session_get(e->st, &got, "nope"), -ENOENT);
	assert_int_equal(store_session_touch(e->st, id, 2000), 0);
	assert_int_equal(store_session_expire(e->st, 2500, 600, 86400), 0);
	assert_int_equal(store_session_expire(e->st, 2601, 600, 86400), 1);
	assert_int_equal(store_session_get(e->st, &got, id), -ENOENT);
	/* Deleting an admin ends its sessions. */
	assert_int_equal(store_session_create(e->st, id, &s), 0);
	assert_int_equal(store_admin_del(e->st, "alice", &web), 0);
	assert_string_equal(last_action(e->st), "admin.delete");
	assert_int_equal(store_session_get(e->st, &got, id), -ENOENT);
	assert_int_equal(store_session_create(e->st, id, &s), -ENOENT);
}

static void
test_session_logout_audited(void **state)
{
	struct env *e = *state;
	struct store_session s = {0};
	struct store_hash h;
	char id[STORE_SESSION_ID_LEN];

	assert_int_equal(store_hash_make(&h, "pw", 1000), 0);
	assert_int_equal(store_admin_put(e->st, "bob", &h, &web), 0);
	ll_strlcpy(s.admin, "bob", sizeof(s.admin));
	assert_int_equal(store_session_create(e->st, id, &s), 0);
	assert_int_equal(store_session_del(e->st, id, &web), 0);
	assert_string_equal(last_action(e->st), "admin.logout");
	assert_int_equal(store_session_del(e->st, id, &web), -ENOENT);
}

static void
test_token_lifecycle(void **state)
{
	struct env *e = *state;
	char tok[STORE_TOKEN_LEN], tok2[STORE_TOKEN_LEN];
	struct store_api_token t, list[4];

	assert_int_equal(store_token_create(e->st, "ci", tok, &web), 0);
	assert_string_equal(last_action(e->st), "token.create");
	assert_int_equal(strlen(tok), 43);
	assert_int_equal(store_token_create(e->st, "ci", tok2, &web), -EEXIST);
	assert_int_equal(store_token_create(e->st, "backup", tok2, &web), 0);
	assert_string_not_equal(tok, tok2);
	assert_int_equal(store_token_check(e->st, &t, tok), 0);
	assert_string_equal(t.name, "ci");
	assert_int_equal(store_token_check(e->st, &t, tok2), 0);
	assert_string_equal(t.name, "backup");
	tok[0] ^= 1;
	assert_int_equal(store_token_check(e->st, &t, tok), -ENOENT);
	assert_int_equal(store_token_touch(e->st, "ci", 777), 0);
	assert_int_equal(store_token_list(e->st, list, 4), 2);
	assert_string_equal(list[1].name, "ci");
	assert_int_equal(list[1].last_used, 777);
	assert_int_equal(store_token_revoke(e->st, "backup", &web), 0);
	assert_string_equal(last_action(e->st), "token.revoke");
	assert_int_equal(store_token_check(e->st, &t, tok2), -ENOENT);
	assert_int_equal(store_token_revoke(e->st, "backup", &web), -ENOENT);
}

static void
test_throttle_blocks_and_expires(void **state)
{
	struct env *e = *state;
	struct store_throttle t;

	assert_int_equal(store_throttle_get(e->st, &t, "ip:192.0.2.1"), 0);
	assert_int_equal(t.failures, 0);
	for (int i = 0; i < 4; i++) {
		assert_int_equal(store_throttle_fail(e->st, "ip:192.0.2.1",
		                                     100 + i, 5, 60, 300, &t),
		                 0);
		assert_int_equal(t.blocked_until, 0);
	}
	assert_int_equal(
	    store_throttle_fail(e->st, "ip:192.0.2.1", 110, 5, 60, 300, &t), 0);
	assert_int_equal(t.blocked_until, 410);
	assert_string_equal(last_action(e->st), "throttle.block");
	assert_int_equal(store_throttle_expire(e->st, 300, 60), 0);
	assert_int_equal(store_throttle_expire(e->st, 410, 60), 1);
	assert_int_equal(store_throttle_get(e->st, &t, "ip:192.0.2.1"), 0);
	assert_int_equal(t.failures, 0);
	assert_int_equal(
	    store_throttle_fail(e->st, "admin:x", 1, 5, 60, 300, NULL), 0);
	assert_int_equal(store_throttle_reset(e->st, "admin:x"), 0);
	assert_int_equal(store_throttle_get(e->st, &t, "admin:x"), 0);
	assert_int_equal(t.failures, 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_hash_verify_and_salts),
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
	    T(test_admin_lifecycle),
	    T(test_session_logout_audited),
	    T(test_token_lifecycle),
	    T(test_throttle_blocks_and_expires),
#undef T
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
