/* web/buf.c: query strings, cookies, escaping, secret comparison. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "web/internal.h"

#if IS_ENABLED(CONFIG_WEB)

static void
test_query_get_finds_and_decodes(void **state)
{
	char out[32];

	(void)state;
	assert_int_equal(web__query_get("a=1&q=J%C3%B6rg+B&x=", "q", out,
			     sizeof(out)), 7);
	assert_string_equal(out, "J\xc3\xb6rg B");
	assert_int_equal(web__query_get("a=1&x=", "x", out, sizeof(out)), 0);
	assert_string_equal(out, "");
	assert_int_equal(web__query_get("aa=1", "a", out, sizeof(out)),
	    -ENOENT);
	assert_int_equal(web__query_get(NULL, "a", out, sizeof(out)),
	    -ENOENT);
	assert_int_equal(web__query_get("a=%zz", "a", out, sizeof(out)),
	    -EBADMSG);
	assert_int_equal(web__query_get("a=%00", "a", out, sizeof(out)),
	    -EBADMSG);
	assert_int_equal(web__query_get("a=0123456789", "a", out, 5),
	    -ENOSPC);
}

static void
test_cookie_get_picks_named_cookie(void **state)
{
	char out[16];

	(void)state;
	assert_int_equal(web__cookie_get("x=1; llsid=abc; y=2", "llsid", out,
			     sizeof(out)), 0);
	assert_string_equal(out, "abc");
	assert_int_equal(web__cookie_get("xllsid=abc", "llsid", out,
			     sizeof(out)), -ENOENT);
	assert_int_equal(web__cookie_get("llsid=abc", "llsid", out, 3),
	    -ENOSPC);
	assert_int_equal(web__cookie_get("", "llsid", out, sizeof(out)),
	    -ENOENT);
}

static void
test_secret_equal_exact_only(void **state)
{
	(void)state;
	assert_true(web__secret_equal("abc", "abc"));
	assert_false(web__secret_equal("abd", "abc"));
	assert_false(web__secret_equal("ab", "abc"));
	assert_false(web__secret_equal("abcd", "abc"));
	assert_false(web__secret_equal("", ""));	/* no token: no match */
	assert_false(web__secret_equal("", "abc"));
}

static void
test_buf_escapes_xml_and_csv(void **state)
{
	struct web_buf b = {0};

	(void)state;
	web__buf_xml(&b, "<a href='x'>&\"</a>");
	assert_string_equal(b.p, "&lt;a href=&apos;x&apos;&gt;&amp;&quot;"
				 "&lt;/a&gt;");
	web__buf_free(&b);
	web__buf_csv(&b, "plain");
	web__buf_add(&b, "|", 1);
	web__buf_csv(&b, "a,\"b\"");
	web__buf_add(&b, "|", 1);
	web__buf_csv(&b, "=cmd()");
	assert_string_equal(b.p, "plain|\"a,\"\"b\"\"\"|'=cmd()");
	web__buf_free(&b);
	web__buf_printf(&b, "%d-%s", 42, "x");
	assert_string_equal(b.p, "42-x");
	assert_int_equal(b.len, 4);
	web__buf_free(&b);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_query_get_finds_and_decodes),
	    cmocka_unit_test(test_cookie_get_picks_named_cookie),
	    cmocka_unit_test(test_secret_equal_exact_only),
	    cmocka_unit_test(test_buf_escapes_xml_and_csv),
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
