/* b2bua/ inside, without sockets: the incoming caller's number and
 * whether it hid itself (RFC 3323 Privacy, RFC 3325 PAI), and URIs and
 * name-addrs printed with another user (authorization-code prefixes). */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "b2bua/internal.h"

static osip_message_t *
invite(const char *from, const char *pai, const char *privacy)
{
	osip_message_t *m = NULL;

	assert_int_equal(sip_msg_new_request(&m, "INVITE", "sip:201@192.0.2.9",
	                                     from, "<sip:201@192.0.2.9>", "x@y",
	                                     1),
	                 0);
	if (pai)
		assert_int_equal(
		    sip_msg_header_add(m, "P-Asserted-Identity", pai), 0);
	if (privacy)
		assert_int_equal(sip_msg_header_add(m, "Privacy", privacy), 0);
	return m;
}

static void
test_caller_number_anonymous_table(void **state)
{
	static const struct {
		const char *from, *pai, *privacy;
		const char *number;
		bool anonymous;
	} cases[] = {
	    {"<sip:5551234@pbx.test>;tag=a", NULL, NULL, "5551234", false},
	    {"\"Anonymous\" <sip:anonymous@anonymous.invalid>;tag=a", NULL,
	     NULL, "anonymous", true},
	    {"<sip:Anonymous@pbx.test>;tag=a", NULL, NULL, "Anonymous", true},
	    /* RFC 3323: id or header hides the caller without PAI. */
	    {"<sip:5551234@pbx.test>;tag=a", NULL, "id", "5551234", true},
	    {"<sip:5551234@pbx.test>;tag=a", NULL, "header; ID", "5551234",
	     true},
	    {"<sip:5551234@pbx.test>;tag=a", NULL, "none", "5551234", false},
	    {"<sip:5551234@pbx.test>;tag=a", NULL, "user;session", "5551234",
	     false},
	    {"<sip:5551234@pbx.test>;tag=a", NULL, "identity", "5551234",
	     false},
	    /* The core's asserted identity names the caller (RFC 3325). */
	    {"<sip:anonymous@anonymous.invalid>;tag=a", "<sip:777@pbx.test>",
	     "id", "777", true},
	    {"<sip:5551234@pbx.test>;tag=a", "<sip:777@pbx.test>", "id", "777",
	     false},
	    {"<sip:pbx.test>;tag=a", NULL, NULL, "", false},
	};
	char num[B2B_ID_MAX];
	bool anon;

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		osip_message_t *m =
		    invite(cases[i].from, cases[i].pai, cases[i].privacy);

		b2b__caller_number(m, num, sizeof(num), &anon);
		if (strcmp(num, cases[i].number) != 0 ||
		    anon != cases[i].anonymous)
			fail_msg("case %zu: got \"%s\" %d", i, num, anon);
		osip_message_free(m);
	}
}

static void
test_print_with_user_uri_and_nameaddr(void **state)
{
	osip_message_t *m = invite("<sip:201@pbx.test>;tag=a", NULL, NULL);
	osip_uri_t *ruri;
	osip_from_t *to;
	char buf[B2B_URI_MAX];

	(void)state;
	assert_int_equal(sip_uri_parse(&ruri, "sip:*75482913*0123456@"
	                                      "192.0.2.9:5060;user=phone"),
	                 0);
	assert_int_equal(
	    b2b__print_with_user(buf, sizeof(buf), NULL, ruri, "0123456"), 0);
	assert_string_equal(buf, "sip:0123456@192.0.2.9:5060;user=phone");
	assert_null(strstr(buf, "482913"));
	osip_uri_free(ruri);

	assert_int_equal(
	    sip_nameaddr_parse(&to, "\"Out\" <sip:*75482913*0123456@pbx.test>"),
	    0);
	assert_int_equal(
	    b2b__print_with_user(buf, sizeof(buf), to, NULL, "0123456"), 0);
	assert_non_null(strstr(buf, "<sip:0123456@pbx.test>"));
	assert_null(strstr(buf, "482913"));
	/* Too small a buffer is refused, never cut. */
	assert_int_equal(b2b__print_with_user(buf, 8, to, NULL, "0123456"),
	                 -ENOSPC);
	osip_from_free(to);
	osip_message_free(m);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_caller_number_anonymous_table),
	    cmocka_unit_test(test_print_with_user_uri_and_nameaddr),
	};

	parser_init();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
