/* Device pins (storage/devpin.c): set, lock once, unlock, unpin, each
 * audited and moving the pin generation; ids are validated; records
 * survive a reopen and pass `check`. Real LMDB in a temporary directory. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "storage/store.h"
#include "tests/unit/storage/env.h"
#include "util.h"

static const struct store_actor cli = {"cli:test", "local"};
static const struct store_actor guard = {"guard", "192.0.2.50:5060"};
static const char id[] = "urn:uuid:00000000-0000-1000-8000-0004f220100";

static void
last_audit(struct env *e, const char *action, const char *oldv,
           const char *newv)
{
	struct store_audit a;

	assert_int_equal(store_audit_list(e->st, &a, 1, 0), 1);
	assert_string_equal(a.action, action);
	assert_string_equal(a.subject, id);
	assert_string_equal(a.old_value, oldv);
	assert_string_equal(a.new_value, newv);
}

static void
test_devpin_lifecycle(void **state)
{
	struct env *e = *state;
	struct store_devpin p;
	struct net_cidr c;
	uint64_t g0, g1;

	assert_int_equal(store_devpin_get(e->st, &p, id), -ENOENT);
	assert_int_equal(store_devpin_lock(e->st, id, "x", 1, &guard),
	                 -ENOENT);
	assert_int_equal(store_devpin_generation(e->st, &g0), 0);
	assert_int_equal(net_cidr_parse("192.0.2.0/24", &c), 0);
	assert_int_equal(store_devpin_set(e->st, id, &c, &cli), 0);
	last_audit(e, "device.pin", "", "192.0.2.0/24");
	assert_int_equal(store_devpin_generation(e->st, &g1), 0);
	assert_true(g1 > g0);
	assert_int_equal(store_devpin_lock(e->st, id, "198.51.100.7:5060",
	                                   1000, &guard),
	                 1);
	last_audit(e, "device.lock", "192.0.2.0/24", "198.51.100.7:5060");
	/* Locked already: nothing written, nothing audited. */
	assert_int_equal(store_devpin_lock(e->st, id, "203.0.113.1:5060",
	                                   2000, &guard),
	                 0);
	assert_int_equal(store_devpin_get(e->st, &p, id), 0);
	assert_true(p.locked);
	assert_int_equal(p.locked_at, 1000);
	assert_string_equal(p.seen, "198.51.100.7:5060");
	assert_string_equal(p.by, "cli:test");
	assert_int_equal(store_devpin_unlock(e->st, id, &cli), 0);
	last_audit(e, "device.unlock", "192.0.2.0/24", "");
	assert_int_equal(store_devpin_get(e->st, &p, id), 0);
	assert_false(p.locked);
	assert_int_equal(store_devpin_del(e->st, id, &cli), 0);
	last_audit(e, "device.unpin", "192.0.2.0/24", "");
	assert_int_equal(store_devpin_del(e->st, id, &cli), -ENOENT);
}

static void
test_devpin_ids_validated(void **state)
{
	static const char *const bad[] = {"", "a b", "<urn:x>", "a/b",
	                                  "a%20", "\"q\""};
	struct env *e = *state;
	struct net_cidr c;
	char longid[STORE_DEVID_MAX + 1];

	assert_int_equal(net_cidr_parse("198.51.100.0/24", &c), 0);
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++)
		assert_int_equal(store_devpin_set(e->st, bad[i], &c, &cli),
		                 -EINVAL);
	memset(longid, 'a', sizeof(longid) - 1);
	longid[sizeof(longid) - 1] = '\0';
	assert_false(store_devid_is_valid(longid));
	assert_true(store_devid_is_valid("0004f220100a"));
	c.family = 0;
	assert_int_equal(store_devpin_set(e->st, "0004f220100a", &c, &cli),
	                 -EINVAL);
}

static void
test_devpin_survives_reopen(void **state)
{
	struct env *e = *state;
	struct store_devpin l[4];
	struct net_cidr c;
	char net[64];

	assert_int_equal(net_cidr_parse("198.51.100.0/24", &c), 0);
	assert_int_equal(store_devpin_set(e->st, "0004f220100a", &c, &cli),
	                 0);
	assert_int_equal(store_devpin_set(e->st, id, &c, &cli), 0);
	store_close(e->st);
	assert_int_equal(env_open(e), 0);
	assert_int_equal(store_devpin_list(e->st, l, 4), 2);
	assert_string_equal(l[0].id, "0004f220100a");
	store_cidr_str(&l[1].allowed, net, sizeof(net));
	assert_string_equal(net, "198.51.100.0/24");
	assert_int_equal(store_check(e->st, NULL), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    ENV_TEST(test_devpin_lifecycle),
	    ENV_TEST(test_devpin_ids_validated),
	    ENV_TEST(test_devpin_survives_reopen),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
