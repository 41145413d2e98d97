/* Header access by name (sip/hdr.c): plain and structured headers by
 * the same names, compact forms both ways, set/remove replacing
 * libosip2's structured lists, Allow kept as one header. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "sip/internal.h"

static osip_message_t *
parse(const char *text)
{
	osip_message_t *m = NULL;
	struct sip__parse_err err;

	assert_int_equal(sip__parse(&m, text, strlen(text), false, &err), 0);
	return m;
}

static const char req[] =
    "INVITE sip:100@example.com SIP/2.0\r\n"
    "v: SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bKh1\r\n"
    "f: <sip:a@example.com>;tag=1\r\n"
    "t: <sip:100@example.com>\r\n"
    "i: hdr-1@example.com\r\n"
    "CSeq: 7 INVITE\r\n"
    "m: <sip:a@192.0.2.1>, <sip:a@192.0.2.2>\r\n"
    "k: 100rel\r\n"
    "Supported: timer\r\n"
    "Expires: 60\r\n"
    "Max-Forwards: 70\r\n"
    "l: 0\r\n\r\n";

static void
test_hdr_get_structured_and_compact(void **state)
{
	osip_message_t *m = parse(req);

	(void)state;
	assert_string_equal(sip_msg_header_get(m, "Call-ID", 0),
	    "hdr-1@example.com");
	assert_string_equal(sip_msg_header_get(m, "i", 0),
	    "hdr-1@example.com");
	assert_string_equal(sip_msg_header_get(m, "CSeq", 0), "7 INVITE");
	assert_string_equal(sip_msg_header_get(m, "Contact", 1),
	    "<sip:a@192.0.2.2>");
	assert_null(sip_msg_header_get(m, "Contact", 2));
	assert_non_null(strstr(sip_msg_header_get(m, "Via", 0),
	    "branch=z9hG4bKh1"));
	/* Plain headers: either spelling finds both. */
	assert_string_equal(sip_msg_header_get(m, "Supported", 0), "100rel");
	assert_string_equal(sip_msg_header_get(m, "k", 1), "timer");
	assert_string_equal(sip_msg_header_get(m, "expires", 0), "60");
	assert_null(sip_msg_header_get(m, "Subject", 0));
	osip_message_free(m);
}

static void
test_hdr_set_replaces_structured(void **state)
{
	osip_message_t *m = parse(req);
	char *w = NULL;
	size_t n;

	(void)state;
	assert_int_equal(sip_msg_header_set(m, "Contact",
	    "<sip:ll@192.0.2.9>"), 0);
	assert_string_equal(sip_msg_header_get(m, "m", 0),
	    "<sip:ll@192.0.2.9>");
	assert_null(sip_msg_header_get(m, "Contact", 1));
	assert_int_equal(sip_msg_header_remove(m, "Supported"), 0);
	assert_null(sip_msg_header_get(m, "k", 0));
	assert_int_equal(sip_msg_header_add(m, "Allow", "INVITE, ACK, BYE"),
	    0);
	assert_int_equal(sip_msg_header_add(m, "Bad Name", "x"), -EINVAL);
	assert_int_equal(sip_msg_header_add(m, "X-A", "a\r\nB: c"), -EINVAL);
	assert_int_equal(sip__msg_print(m, &w, &n), 0);
	assert_non_null(strstr(w, "Allow: INVITE, ACK, BYE\r\n"));
	assert_null(strstr(w, "192.0.2.1>"));
	osip_free(w);
	osip_message_free(m);
}

static void
test_hdr_remove_single_structured(void **state)
{
	osip_message_t *m = parse(req);

	(void)state;
	assert_int_equal(sip_msg_header_remove(m, "Call-ID"), 0);
	assert_null(m->call_id);
	assert_null(sip_msg_header_get(m, "i", 0));
	assert_int_equal(sip_msg_header_set(m, "Call-ID", "new@x"), 0);
	assert_string_equal(sip_msg_header_get(m, "Call-ID", 0), "new@x");
	osip_message_free(m);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_hdr_get_structured_and_compact),
	    cmocka_unit_test(test_hdr_set_replaces_structured),
	    cmocka_unit_test(test_hdr_remove_single_structured),
	};

	sip__parser_init();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
