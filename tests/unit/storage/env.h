/* One real LMDB environment per test in a fresh directory: the fixture
 * most storage tests share. Include after <cmocka.h> and store.h. */
#ifndef LL_TEST_STORE_ENV_H
#define LL_TEST_STORE_ENV_H

#include "tests/unit/storage/tmpdir.h"
#include "util.h"

struct env {
	char dir[64];
	struct store *st;
};

/* (Re)opens the environment in e->dir with the default settings. */
static inline int
env_open(struct env *e)
{
	struct store_config cfg = {0};

	ll_strlcpy(cfg.dir, e->dir, sizeof(cfg.dir));
	return store_open(&e->st, &cfg);
}

static inline int
env_setup(void **state)
{
	static struct env e;

	tmpdir_make(e.dir, sizeof(e.dir));
	assert_int_equal(env_open(&e), 0);
	*state = &e;
	return 0;
}

static inline int
env_teardown(void **state)
{
	struct env *e = *state;

	store_close(e->st);
	tmpdir_remove(e->dir);
	return 0;
}

/* A test case with the fixture. */
#define ENV_TEST(f) \
	cmocka_unit_test_setup_teardown(f, env_setup, env_teardown)

#endif
