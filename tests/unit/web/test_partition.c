/* web/partition.c: the line a self-service or phone request names.
 * Two sites both have a 201: the domain a user types or a phone's URL
 * carries picks the partition, else the picker, else the network of
 * the request's source, else "default". */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "web/internal.h"

#if IS_ENABLED(CONFIG_WEB)

static struct web_config cfg;

static void
part_add(const char *name, const char *domain, const char *cidr)
{
	struct pol_partition *p = &cfg.partitions[cfg.n_partitions++];

	snprintf(p->name, sizeof(p->name), "%s", name);
	snprintf(p->domains[p->n_domains++], sizeof(p->domains[0]), "%s",
	    domain);
	assert_int_equal(net_cidr_parse(cidr, &p->cidrs[p->n_cidrs++]), 0);
}

static int
sites(void **state)
{
	(void)state;
	memset(&cfg, 0, sizeof(cfg));
	part_add("siteA", "sitea.example.com", "10.1.0.0/16");
	part_add("siteB", "siteb.example.com", "10.2.0.0/16");
	return 0;
}

static int
single(void **state)
{
	(void)state;
	memset(&cfg, 0, sizeof(cfg));
	return 0;
}

struct ref_case {
	const char *who, *partition, *peer;
	bool strict;
	int rc;
	const char *want_part, *want_ext;
};

static void
check(const struct ref_case *cases, size_t n)
{
	struct sockaddr_storage ss;
	struct web_line_ref ref;

	for (size_t i = 0; i < n; i++) {
		const struct ref_case *k = &cases[i];

		if (k->peer)
			assert_int_equal(net_addr_parse(k->peer, 40000, &ss),
			    0);
		memset(&ref, 0, sizeof(ref));
		print_message("case %zu: %s\n", i, k->who);
		assert_int_equal(web__line_ref(&ref, &cfg, k->who,
		    k->partition, k->peer ? (struct sockaddr *)&ss : NULL,
		    k->strict), k->rc);
		if (k->rc < 0) {
			/* Untouched on failure. */
			assert_string_equal(ref.partition, "");
			assert_string_equal(ref.ext, "");
			continue;
		}
		assert_string_equal(ref.partition, k->want_part);
		assert_string_equal(ref.ext, k->want_ext);
	}
}

static void
test_line_ref_two_sites(void **state)
{
	static const struct ref_case cases[] = {
	    /* A domain wins over the source network. */
	    {"201@siteb.example.com", NULL, "10.1.0.9", true, 0, "siteB",
		"201"},
	    {"201@SiteA.Example.Com", NULL, NULL, false, 0, "siteA", "201"},
	    /* No domain: the picker, else the source network. */
	    {"201", "siteB", "10.1.0.9", true, 0, "siteB", "201"},
	    {"201", "default", "10.1.0.9", true, 0, "default", "201"},
	    {"201", NULL, "10.2.7.7", true, 0, "siteB", "201"},
	    {"201", "", "10.1.7.7", false, 0, "siteA", "201"},
	    {"201", NULL, "192.0.2.1", true, 0, "default", "201"},
	    {"201", NULL, NULL, true, 0, "default", "201"},
	    /* The domain and the picker agree, or it is refused. */
	    {"201@siteb.example.com", "siteB", NULL, true, 0, "siteB",
		"201"},
	    {"201@siteb.example.com", "siteA", NULL, true, -EDOM, NULL,
		NULL},
	    /* A user's typo is an error; a phone's REGISTER with that
	     * domain would be in its network's partition, so is it. */
	    {"201@sitec.example.com", NULL, "10.2.0.1", true, -ENXIO, NULL,
		NULL},
	    {"201@sitec.example.com", NULL, "10.2.0.1", false, 0, "siteB",
		"201"},
	    {"201", "siteC", NULL, true, -ENXIO, NULL, NULL},
	    {"201", "siteC", NULL, false, -ENXIO, NULL, NULL},
	    /* Bad text. */
	    {"", NULL, NULL, true, -EINVAL, NULL, NULL},
	    {"@siteb.example.com", NULL, NULL, true, -EINVAL, NULL, NULL},
	    {"201@", NULL, NULL, true, -EINVAL, NULL, NULL},
	    {"201@site b", NULL, NULL, false, -EINVAL, NULL, NULL},
	    {"2 1", NULL, NULL, true, -EINVAL, NULL, NULL},
	    {"201@a@b", NULL, NULL, true, -EINVAL, NULL, NULL},
	    {"0123456789012345678901234567890123", NULL, NULL, true, -EINVAL,
		NULL, NULL},
	};

	(void)state;
	check(cases, ARRAY_SIZE(cases));
}

/* A site without [partitions] sees no change: every line "default",
 * whatever domain is typed. */
static void
test_line_ref_single_site(void **state)
{
	static const struct ref_case cases[] = {
	    {"201", NULL, "10.1.0.9", true, 0, "default", "201"},
	    {"201@pbx.example.com", NULL, NULL, true, 0, "default", "201"},
	    {"201", "default", NULL, true, 0, "default", "201"},
	    {"201", "siteA", NULL, true, -ENXIO, NULL, NULL},
	};

	(void)state;
	check(cases, ARRAY_SIZE(cases));
}

static void
test_line_ref_str(void **state)
{
	struct web_line_ref a = {"default", "201"}, b = {"siteB", "201"};
	char buf[STORE_PARTITION_MAX + STORE_EXT_MAX];

	(void)state;
	web__line_ref_str(&a, buf, sizeof(buf));
	assert_string_equal(buf, "201");
	web__line_ref_str(&b, buf, sizeof(buf));
	assert_string_equal(buf, "siteB/201");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup(test_line_ref_two_sites, sites),
	    cmocka_unit_test_setup(test_line_ref_single_site, single),
	    cmocka_unit_test(test_line_ref_str),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

#else
/* Built without CONFIG_WEB: nothing to test. */
static void
test_web_not_built(void **state)
{
	(void)state;
	skip();
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_web_not_built),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
#endif
