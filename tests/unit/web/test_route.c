/* web/route.c: path patterns, parameters, method mismatch. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "web/internal.h"

#if IS_ENABLED(CONFIG_WEB)

static void
test_route_match_table(void **state)
{
	static const struct {
		const char *pattern, *path;
		bool match;
		const char *p0, *p1;
	} cases[] = {
	    {"/healthz", "/healthz", true, NULL, NULL},
	    {"/healthz", "/healthz/", false, NULL, NULL},
	    {"/api/v1/lines/{}", "/api/v1/lines/201", true, "201", NULL},
	    {"/api/v1/lines/{}", "/api/v1/lines/", false, NULL, NULL},
	    {"/api/v1/lines/{}", "/api/v1/lines/20/1", false, NULL, NULL},
	    {"/api/v1/lines/{}/lock", "/api/v1/lines/2_01/lock", true, "2_01",
		NULL},
	    {"/api/v1/lines/{}/lock", "/api/v1/lines/201/unlock", false, NULL,
		NULL},
	    {"/a/{}/b/{}", "/a/x/b/y", true, "x", "y"},
	    {"/a/{}", "/a/%2e%2e", false, NULL, NULL},
	    {"/a/{}", "/a/<script>", false, NULL, NULL},
	};
	struct web_req r;

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		memset(&r, 0, sizeof(r));
		assert_int_equal(web__route_match(cases[i].pattern,
				     cases[i].path, &r), cases[i].match);
		if (cases[i].p0)
			assert_string_equal(r.params[0], cases[i].p0);
		if (cases[i].p1)
			assert_string_equal(r.params[1], cases[i].p1);
	}
}

static void
test_route_param_length_bounded(void **state)
{
	char path[200] = "/api/v1/lines/";
	struct web_req r;

	(void)state;
	memset(path + strlen(path), '1', 100);
	memset(&r, 0, sizeof(r));
	assert_false(web__route_match("/api/v1/lines/{}", path, &r));
}

static void
test_route_find_method(void **state)
{
	struct web_req r;
	bool found;

	(void)state;
	memset(&r, 0, sizeof(r));
	strcpy(r.url, "/api/v1/lines/201/lock");
	r.method = HTTP_POST;
	assert_ptr_equal(web__route_find(&r, &found)->fn, web__h_line_lock);
	r.method = HTTP_GET;
	assert_null(web__route_find(&r, &found));
	assert_true(found);	/* 405, not the static 404 */
	strcpy(r.url, "/index.html");
	assert_ptr_equal(web__route_find(&r, &found)->fn, web__h_static);
	strcpy(r.url, "/healthz");
	assert_ptr_equal(web__route_find(&r, &found)->fn, web__h_healthz);
	assert_true(web__route_find(&r, &found)->flags & WEB_R_PUBLIC);
	strcpy(r.url, "/metrics");
	assert_false(web__route_find(&r, &found)->flags & WEB_R_PUBLIC);
}

/* The rules' routes: a parameter followed by literal segments, and the
 * lists by name beside the older fixed list paths. */
static void
test_route_find_rules(void **state)
{
	static const struct {
		uint8_t method;
		const char *url;
		web_handler_fn fn;
		const char *p0;
	} cases[] = {
	    {HTTP_PUT, "/api/v1/lines/201/class", web__h_line_class, "201"},
	    {HTTP_PUT, "/api/v1/lines/201/budget", web__h_line_budget, "201"},
	    {HTTP_POST, "/api/v1/lines/201/budget/reset",
		web__h_line_budget_reset, "201"},
	    {HTTP_DELETE, "/api/v1/lines/201/afterhours",
		web__h_line_afterhours_clear, "201"},
	    {HTTP_GET, "/api/v1/lists", web__h_lists, NULL},
	    {HTTP_GET, "/api/v1/lists/class3", web__h_list_get, "class3"},
	    {HTTP_PUT, "/api/v1/lists/block", web__h_list_put, "block"},
	    {HTTP_GET, "/api/v1/emergency", web__h_list_get, NULL},
	    {HTTP_GET, "/api/v1/authcodes", web__h_authcodes_list, NULL},
	    {HTTP_POST, "/api/v1/authcodes", web__h_authcode_add, NULL},
	    {HTTP_DELETE, "/api/v1/authcodes/sales", web__h_authcode_del,
		"sales"},
	};
	const struct web_route *rt;
	struct web_req r;
	bool found;

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		memset(&r, 0, sizeof(r));
		ll_strlcpy(r.url, cases[i].url, sizeof(r.url));
		r.method = cases[i].method;
		rt = web__route_find(&r, &found);
		assert_non_null(rt);
		assert_ptr_equal(rt->fn, cases[i].fn);
		assert_false(rt->flags & WEB_R_PUBLIC);
		if (cases[i].p0)
			assert_string_equal(r.params[0], cases[i].p0);
	}
	/* A wrong method on them is 405, never the static catch-all. */
	memset(&r, 0, sizeof(r));
	strcpy(r.url, "/api/v1/lines/201/budget/reset");
	r.method = HTTP_GET;
	assert_null(web__route_find(&r, &found));
	assert_true(found);
	strcpy(r.url, "/api/v1/authcodes/sales");
	r.method = HTTP_GET;
	assert_null(web__route_find(&r, &found));
	assert_true(found);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_route_match_table),
	    cmocka_unit_test(test_route_find_rules),
	    cmocka_unit_test(test_route_param_length_bounded),
	    cmocka_unit_test(test_route_find_method),
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
