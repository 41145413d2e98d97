/* Ban records (storage/ban.c): put counts strikes and audits, the
 * generation moves with every change, expiry forgets run-out records,
 * a restart keeps them, bad input is refused. Real LMDB in a temporary
 * directory. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <netinet/in.h>

#include <cmocka.h>

#include "storage/store.h"
#include "tests/unit/storage/env.h"
#include "util.h"

static const struct store_actor guard = {"guard", "local"};
static const struct store_actor cli = {"cli:test", "local"};

static struct sockaddr *
ip(struct sockaddr_storage *ss, const char *text)
{
	memset(ss, 0, sizeof(*ss));
	if (strchr(text, ':')) {
		struct sockaddr_in6 *a = (struct sockaddr_in6 *)ss;

		a->sin6_family = AF_INET6;
		assert_int_equal(inet_pton(AF_INET6, text, &a->sin6_addr), 1);
	} else {
		struct sockaddr_in *a = (struct sockaddr_in *)ss;

		a->sin_family = AF_INET;
		a->sin_port = htons(5060);
		assert_int_equal(inet_pton(AF_INET, text, &a->sin_addr), 1);
	}
	return (struct sockaddr *)ss;
}

static void
test_ban_put_strikes_and_audit(void **state)
{
	struct env *e = *state;
	struct sockaddr_storage a;
	struct store_ban b;
	struct store_audit au[2];
	uint64_t g0, g1;

	assert_int_equal(store_ban_generation(e->st, &g0), 0);
	assert_int_equal(store_ban_put(e->st, ip(&a, "192.0.2.1"), 1000, 60,
	    "scanner User-Agent", &guard, &b), 0);
	assert_int_equal(b.strikes, 1);
	assert_int_equal(b.since, 1000);
	assert_int_equal(b.until, 1060);
	assert_string_equal(b.actor, "guard");
	assert_true(store_ban_is_active(&b, 1059));
	assert_false(store_ban_is_active(&b, 1060));
	assert_int_equal(store_ban_generation(e->st, &g1), 0);
	assert_true(g1 > g0);
	/* The same host from another port is the same record. */
	assert_int_equal(store_ban_put(e->st, ip(&a, "192.0.2.1"), 2000, 120,
	    "brute force", &guard, &b), 0);
	assert_int_equal(b.strikes, 2);
	assert_int_equal(store_ban_get(e->st, &b, ip(&a, "::ffff:192.0.2.1")),
	    0);
	assert_string_equal(b.reason, "brute force");
	assert_int_equal(store_audit_list(e->st, au, 2, 0), 2);
	assert_string_equal(au[0].action, "ban.add");
	assert_string_equal(au[0].subject, "192.0.2.1");
	assert_string_equal(au[0].new_value, "120s: brute force");
}

static void
test_ban_del_and_list(void **state)
{
	struct env *e = *state;
	struct sockaddr_storage a;
	struct store_ban l[4];
	struct store_audit au[1];
	char host[NET_ADDRSTRLEN];

	assert_int_equal(store_ban_put(e->st, ip(&a, "2001:db8::7"), 10, 0,
	    "admin", &cli, NULL), 0);
	assert_int_equal(store_ban_put(e->st, ip(&a, "198.51.100.2"), 10, 5,
	    "x", &cli, NULL), 0);
	assert_int_equal(store_ban_list(e->st, l, 4), 2);
	assert_int_equal(l[0].addr.ss_family, AF_INET);	/* v4 sorts first */
	assert_int_equal(l[1].addr.ss_family, AF_INET6);
	net_host_str((struct sockaddr *)&l[1].addr, host, sizeof(host));
	assert_string_equal(host, "2001:db8::7");
	assert_int_equal(l[1].until, 0);
	assert_true(store_ban_is_active(&l[1], INT64_MAX));
	assert_int_equal(store_ban_del(e->st, ip(&a, "2001:db8::7"), &cli),
	    0);
	assert_int_equal(store_ban_del(e->st, ip(&a, "2001:db8::7"), &cli),
	    -ENOENT);
	assert_int_equal(store_audit_list(e->st, au, 1, 0), 1);
	assert_string_equal(au[0].action, "ban.del");
	assert_string_equal(au[0].actor, "cli:test");
	assert_int_equal(store_ban_list(e->st, l, 4), 1);
}

static void
test_ban_expire_forgets(void **state)
{
	struct env *e = *state;
	struct sockaddr_storage a;
	struct store_ban l[4];

	assert_int_equal(store_ban_put(e->st, ip(&a, "203.0.113.1"), 100, 10,
	    "a", &guard, NULL), 0);
	assert_int_equal(store_ban_put(e->st, ip(&a, "203.0.113.2"), 100, 1000,
	    "b", &guard, NULL), 0);
	assert_int_equal(store_ban_put(e->st, ip(&a, "203.0.113.3"), 100, 0,
	    "c", &guard, NULL), 0);
	assert_int_equal(store_ban_expire(e->st, 150, 100), 0);
	assert_int_equal(store_ban_expire(e->st, 210, 100), 1);
	assert_int_equal(store_ban_list(e->st, l, 4), 2);
	assert_int_equal(store_ban_get(e->st, &l[0], ip(&a, "203.0.113.1")),
	    -ENOENT);
}

static void
test_ban_survives_reopen(void **state)
{
	struct env *e = *state;
	struct sockaddr_storage a;
	struct store_ban b;

	assert_int_equal(store_ban_put(e->st, ip(&a, "192.0.2.9"), 1, 3600,
	    "kept", &guard, NULL), 0);
	store_close(e->st);
	assert_int_equal(env_open(e), 0);
	assert_int_equal(store_ban_get(e->st, &b, ip(&a, "192.0.2.9")), 0);
	assert_string_equal(b.reason, "kept");
	assert_int_equal(b.until, 3601);
}

static void
test_ban_refuses_bad_input(void **state)
{
	struct env *e = *state;
	struct sockaddr_storage a;
	char longr[STORE_BAN_REASON_MAX + 1];

	memset(longr, 'r', sizeof(longr) - 1);
	longr[sizeof(longr) - 1] = '\0';
	assert_int_equal(store_ban_put(e->st, ip(&a, "192.0.2.1"), 1, 1,
	    longr, &guard, NULL), -EINVAL);
	a.ss_family = AF_UNIX;
	assert_int_equal(store_ban_put(e->st, (struct sockaddr *)&a, 1, 1,
	    "x", &guard, NULL), -EINVAL);
	assert_int_equal(store_ban_del(e->st, (struct sockaddr *)&a, &guard),
	    -EINVAL);
	assert_int_equal(store_check(e->st, NULL), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    ENV_TEST(test_ban_put_strikes_and_audit),
	    ENV_TEST(test_ban_del_and_list),
	    ENV_TEST(test_ban_expire_forgets),
	    ENV_TEST(test_ban_survives_reopen),
	    ENV_TEST(test_ban_refuses_bad_input),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
