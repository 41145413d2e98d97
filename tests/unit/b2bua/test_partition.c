/* b2bua/partition.c: which partition a domain or an address is in. A
 * domain wins over a network, the first partition listed over later
 * ones, and what none claims is "default". */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "b2bua/internal.h"

static void
part_add(struct b2b_settings *s, const char *name, const char *domain,
         const char *cidr)
{
	struct pol_partition *p = &s->partitions[s->n_partitions++];

	memset(p, 0, sizeof(*p));
	snprintf(p->name, sizeof(p->name), "%s", name);
	if (domain)
		snprintf(p->domains[p->n_domains++], sizeof(p->domains[0]),
		         "%s", domain);
	if (cidr)
		assert_int_equal(net_cidr_parse(cidr, &p->cidrs[p->n_cidrs++]),
		                 0);
}

static struct sockaddr_storage
addr(const char *text)
{
	struct sockaddr_storage ss;

	assert_int_equal(net_addr_parse(text, 5060, &ss), 0);
	return ss;
}

static const char *
of(const struct b2b_settings *s, const char *host, const char *a)
{
	struct sockaddr_storage ss;

	if (!a)
		return b2b__partition_of(s, host, NULL);
	ss = addr(a);
	return b2b__partition_of(s, host, (const struct sockaddr *)&ss);
}

static void
sites(struct b2b_settings *s)
{
	memset(s, 0, sizeof(*s));
	part_add(s, "siteA", "sitea.example.com", "10.1.0.0/16");
	part_add(s, "siteB", "siteb.example.com", "10.2.0.0/16");
}

static void
test_partition_domain(void **state)
{
	struct b2b_settings s;

	(void)state;
	sites(&s);
	assert_string_equal(of(&s, "sitea.example.com", NULL), "siteA");
	assert_string_equal(of(&s, "SiteB.Example.COM", NULL), "siteB");
	assert_string_equal(of(&s, "example.com", NULL), "default");
	assert_string_equal(of(&s, "", NULL), "default");
}

static void
test_partition_cidr(void **state)
{
	struct b2b_settings s;

	(void)state;
	sites(&s);
	assert_string_equal(of(&s, NULL, "10.1.2.3"), "siteA");
	assert_string_equal(of(&s, "unknown.example", "10.2.0.1"), "siteB");
	if (IS_ENABLED(CONFIG_IPV6))
		assert_string_equal(of(&s, NULL, "[::ffff:10.2.0.1]"), "siteB");
	assert_string_equal(of(&s, NULL, "10.3.0.1"), "default");
}

/* The AOR's domain says more than the network a phone happens to be
 * in (a siteB phone visiting siteA's network stays in siteB). */
static void
test_partition_domain_before_cidr(void **state)
{
	struct b2b_settings s;

	(void)state;
	sites(&s);
	assert_string_equal(of(&s, "siteb.example.com", "10.1.0.9"), "siteB");
	assert_string_equal(of(&s, "sitea.example.com", "10.2.0.9"), "siteA");
}

static void
test_partition_none_default(void **state)
{
	struct b2b_settings s;

	(void)state;
	memset(&s, 0, sizeof(s));
	assert_string_equal(of(&s, "sitea.example.com", "10.1.0.1"),
	                    STORE_PARTITION_DEFAULT);
	assert_string_equal(of(&s, NULL, NULL), STORE_PARTITION_DEFAULT);
}

/* Nested networks: the first partition listed that holds the address. */
static void
test_partition_first_network_wins(void **state)
{
	struct b2b_settings s;

	(void)state;
	memset(&s, 0, sizeof(s));
	part_add(&s, "lab", NULL, "10.1.5.0/24");
	part_add(&s, "campus", NULL, "10.1.0.0/16");
	assert_string_equal(of(&s, NULL, "10.1.5.7"), "lab");
	assert_string_equal(of(&s, NULL, "10.1.6.7"), "campus");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_partition_domain),
	    cmocka_unit_test(test_partition_cidr),
	    cmocka_unit_test(test_partition_domain_before_cidr),
	    cmocka_unit_test(test_partition_none_default),
	    cmocka_unit_test(test_partition_first_network_wins),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
