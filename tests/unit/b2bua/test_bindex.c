/* b2bua/ inside, without sockets: the bindings' indexes stay the list's
 * through add, refresh (a moved source), remove, expiry and growth. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "b2bua/internal.h"

#define N_BIND 1000 /* more than the first 256 buckets: growth */

static struct b2b_binding *
bind_new(struct b2b *b, int i, uint16_t port)
{
	struct b2b_binding *bd = calloc(1, sizeof(*bd));
	char a[48];

	assert_non_null(bd);
	snprintf(bd->token, sizeof(bd->token), "tok%d", i);
	snprintf(bd->user, sizeof(bd->user), "%d", 200 + i / 2);
	snprintf(bd->partition, sizeof(bd->partition), "%s",
	         STORE_PARTITION_DEFAULT);
	snprintf(bd->aor, sizeof(bd->aor), "sip:%s@pbx.test", bd->user);
	snprintf(a, sizeof(a), "10.0.%d.%d", i / 250, i % 250 + 1);
	bd->dest.transport = NET_UDP;
	assert_int_equal(net_addr_parse(a, port, &bd->dest.addr), 0);
	bd->expires_ms = 1000u + (uint64_t)i;
	assert_int_equal(b2b__binding_link(b, bd), 0);
	return bd;
}

static struct sip_source
source_of(const struct b2b_binding *bd)
{
	struct sip_source s;

	memset(&s, 0, sizeof(s));
	s.transport = bd->dest.transport;
	s.remote = bd->dest.addr;
	return s;
}

/* Every listed binding is found by all three keys, and the list and the
 * line chains hold as many as the count says. */
static void
check_consistent(struct b2b *b)
{
	uint32_t n = 0;

	for (struct b2b_binding *bd = b->bindings; bd; bd = bd->next) {
		struct sip_source s = source_of(bd);
		struct b2b_binding *u = NULL;
		bool seen = false;

		assert_ptr_equal(b2b__binding_by_token(b, bd->token), bd);
		assert_ptr_equal(b2b__binding_by_source(b, &s), bd);
		while ((u = b2b__binding_of_user(b, bd->partition, bd->user,
		                                 u)) != NULL) {
			assert_string_equal(u->user, bd->user);
			assert_string_equal(u->partition, bd->partition);
			seen |= u == bd;
		}
		assert_true(seen);
		n++;
	}
	assert_int_equal(n, b->stats.registrations);
}

static void
test_bindex_add_refresh_remove_expire(void **state)
{
	struct b2b b;
	struct b2b_binding *bd[N_BIND];
	struct sip_source s;

	(void)state;
	memset(&b, 0, sizeof(b));
	for (int i = 0; i < N_BIND; i++)
		bd[i] = bind_new(&b, i, 5060);
	assert_true(b.bind_buckets >= N_BIND);
	check_consistent(&b);
	assert_null(b2b__binding_by_token(&b, "nosuch"));
	assert_null(
	    b2b__binding_by_user(&b, STORE_PARTITION_DEFAULT, "999999"));

	/* A refresh from a new port: the old source finds nothing. */
	s = source_of(bd[7]);
	b2b__binding_unlink(&b, bd[7]);
	net_addr_parse("10.0.0.8", 5070, &bd[7]->dest.addr);
	assert_int_equal(b2b__binding_link(&b, bd[7]), 0);
	assert_null(b2b__binding_by_source(&b, &s));
	check_consistent(&b);

	/* Removed: gone from every index, the line's other device stays. */
	b2b__binding_unlink(&b, bd[10]);
	assert_null(b2b__binding_by_token(&b, "tok10"));
	assert_ptr_equal(
	    b2b__binding_by_user(&b, STORE_PARTITION_DEFAULT, "205"), bd[11]);
	assert_null(
	    b2b__binding_of_user(&b, STORE_PARTITION_DEFAULT, "205", bd[11]));
	free(bd[10]);
	check_consistent(&b);

	/* Expiry removes the first 500 (expires_ms 1000..1499). */
	b2b__bindings_sweep(&b, 1499);
	assert_int_equal(b.stats.registrations, N_BIND - 500);
	assert_null(b2b__binding_by_token(&b, "tok499"));
	assert_non_null(b2b__binding_by_token(&b, "tok500"));
	check_consistent(&b);

	b2b__bindings_free(&b);
	assert_null(b.bindings);
	assert_int_equal(b.stats.registrations, 0);
	assert_null(b2b__binding_by_token(&b, "tok500"));
}

/* Same host and port, another transport or flow: another binding. */
static void
test_bindex_source_transport_flow(void **state)
{
	struct b2b b;
	struct b2b_binding *udp, *tcp;
	struct sip_source s;

	(void)state;
	memset(&b, 0, sizeof(b));
	udp = bind_new(&b, 1, 5060);
	tcp = bind_new(&b, 1, 5060);
	snprintf(tcp->token, sizeof(tcp->token), "tcptok");
	b2b__binding_unlink(&b, tcp);
	tcp->dest.transport = NET_TCP;
	tcp->dest.flow = 42;
	assert_int_equal(b2b__binding_link(&b, tcp), 0);
	s = source_of(udp);
	assert_ptr_equal(b2b__binding_by_source(&b, &s), udp);
	s.transport = NET_TCP;
	s.flow = 42;
	assert_ptr_equal(b2b__binding_by_source(&b, &s), tcp);
	s.flow = 43;
	assert_null(b2b__binding_by_source(&b, &s));
	b2b__bindings_free(&b);
}

/* One extension in two partitions: two lines, each with its device. */
static void
test_bindex_user_per_partition(void **state)
{
	struct b2b b;
	struct b2b_binding *a, *z;

	(void)state;
	memset(&b, 0, sizeof(b));
	a = bind_new(&b, 2, 5060);
	z = bind_new(&b, 3, 5060);
	b2b__binding_unlink(&b, a);
	b2b__binding_unlink(&b, z);
	snprintf(a->partition, sizeof(a->partition), "siteA");
	snprintf(z->partition, sizeof(z->partition), "siteB");
	assert_int_equal(b2b__binding_link(&b, a), 0);
	assert_int_equal(b2b__binding_link(&b, z), 0);
	assert_string_equal(a->user, z->user);
	assert_ptr_equal(b2b__binding_by_user(&b, "siteA", "201"), a);
	assert_null(b2b__binding_of_user(&b, "siteA", "201", a));
	assert_ptr_equal(b2b__binding_by_user(&b, "siteB", "201"), z);
	assert_null(b2b__binding_of_user(&b, "siteB", "201", z));
	assert_null(b2b__binding_by_user(&b, STORE_PARTITION_DEFAULT, "201"));
	/* A name is not a prefix trick: "siteA" + "201" is no "site" +
	 * "A201". */
	assert_null(b2b__binding_by_user(&b, "site", "A201"));
	b2b__bindings_free(&b);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_bindex_add_refresh_remove_expire),
	    cmocka_unit_test(test_bindex_source_transport_flow),
	    cmocka_unit_test(test_bindex_user_per_partition),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
