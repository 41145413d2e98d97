/* policy/partition.c: the partition table's lookups b2bua/ and web/
 * share. By domain ignoring case, by network the first listed, by name
 * exactly; what none claims is "default". */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "policy/pol.h"

static struct pol_partition parts[POL_PART_N];
static unsigned n_parts;

static void
part_add(const char *name, const char *domain, const char *cidr)
{
	struct pol_partition *p = &parts[n_parts++];

	memset(p, 0, sizeof(*p));
	snprintf(p->name, sizeof(p->name), "%s", name);
	if (domain)
		snprintf(p->domains[p->n_domains++], sizeof(p->domains[0]),
		    "%s", domain);
	if (cidr)
		assert_int_equal(net_cidr_parse(cidr,
		    &p->cidrs[p->n_cidrs++]), 0);
}

static int
setup(void **state)
{
	(void)state;
	n_parts = 0;
	part_add("siteA", "sitea.example.com", "10.1.0.0/16");
	part_add("siteB", "siteb.example.com", "10.2.0.0/16");
	part_add("lab", NULL, "10.1.5.0/24");
	return 0;
}

static const char *
of(const char *host, const char *a)
{
	struct sockaddr_storage ss;

	if (!a)
		return pol_partition_of(parts, n_parts, host, NULL);
	assert_int_equal(net_addr_parse(a, 5060, &ss), 0);
	return pol_partition_of(parts, n_parts, host,
	    (const struct sockaddr *)&ss);
}

static void
test_partition_of_table(void **state)
{
	static const struct {
		const char *host, *addr, *want;
	} cases[] = {
	    {"sitea.example.com", NULL, "siteA"},
	    {"SITEB.example.COM", NULL, "siteB"},
	    {"siteb.example.com", "10.1.0.1", "siteB"},
	    {"other.example.com", "10.2.3.4", "siteB"},
	    {NULL, "10.1.5.7", "siteA"},	/* siteA is listed first */
	    {"", "10.3.0.1", "default"},
	    {NULL, NULL, "default"},
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		assert_string_equal(of(cases[i].host, cases[i].addr),
		    cases[i].want);
}

static void
test_partition_by_name(void **state)
{
	(void)state;
	assert_ptr_equal(pol_partition_by_name(parts, n_parts, "siteB"),
	    &parts[1]);
	assert_null(pol_partition_by_name(parts, n_parts, "siteb"));
	assert_null(pol_partition_by_name(parts, n_parts, "default"));
	assert_null(pol_partition_by_name(parts, n_parts, NULL));
	assert_null(pol_partition_by_name(parts, 0, "siteA"));
}

static void
test_partition_by_domain_and_addr_miss(void **state)
{
	(void)state;
	assert_null(pol_partition_by_domain(parts, n_parts, "example.com"));
	assert_null(pol_partition_by_domain(parts, n_parts, ""));
	assert_null(pol_partition_by_domain(parts, n_parts, NULL));
	assert_null(pol_partition_by_addr(parts, n_parts, NULL));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup(test_partition_of_table, setup),
	    cmocka_unit_test_setup(test_partition_by_name, setup),
	    cmocka_unit_test_setup(test_partition_by_domain_and_addr_miss,
		setup),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
