/* Header access by name (sip/hdr.c): plain and structured headers by
 * the same names, compact forms both ways, set/remove replacing
 * libosip2's structured lists, Allow kept as one header; lookups agree
 * with the strcasecmp() walk they replaced on the fuzz corpora. */
#include <ctype.h>
#include <dirent.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <cmocka.h>

#include "corpus.h"

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

/* The plain-header lookup as it was (strcasecmp() on every header of
 * the message, tolower() per table entry): sip_msg_header_get() must
 * find the same header for every name on every message. Names with a
 * structured home in libosip2 are left out: their path did not change. */
static const struct {
	const char *name, *compact;
	bool plain;
} ref_names[] = {
    {"Via", "v", false}, {"From", "f", false}, {"To", "t", false},
    {"Contact", "m", false}, {"Route", NULL, false},
    {"Record-Route", NULL, false}, {"Call-ID", "i", false},
    {"CSeq", NULL, false}, {"Content-Type", "c", false},
    {"Accept", NULL, false}, {"Content-Length", "l", false},
    {"Allow", NULL, false}, {"Content-Encoding", "e", false},
    {"Subject", "s", true}, {"Supported", "k", true}, {"Event", "o", true},
    {"Refer-To", "r", true}, {"Referred-By", "b", true},
    {"Allow-Events", "u", true}, {"Session-Expires", "x", true},
    {"Accept-Contact", "a", true}, {"Reject-Contact", "j", true},
    {"Request-Disposition", "d", true}, {"Identity", "y", true},
};

static const char *
ref_get(const osip_message_t *m, const char *name, int idx, bool *skip)
{
	const char *full = NULL, *compact = NULL;
	int seen = 0;

	*skip = false;
	for (size_t i = 0; i < ARRAY_SIZE(ref_names) && !full; i++) {
		if (strcasecmp(name, ref_names[i].name) == 0 ||
		    (ref_names[i].compact &&
		     strcasecmp(name, ref_names[i].compact) == 0)) {
			full = ref_names[i].name;
			compact = ref_names[i].compact;
			*skip = !ref_names[i].plain;
		}
	}
	for (int i = 0; i < osip_list_size(&m->headers); i++) {
		const osip_header_t *h = osip_list_get(&m->headers, i);
		bool match;

		if (!h->hname)
			continue;
		match = full ? strcasecmp(h->hname, full) == 0 ||
		                   (compact && strcasecmp(h->hname, compact) == 0)
		             : strcasecmp(h->hname, name) == 0;
		if (match && seen++ == idx)
			return h->hvalue ? h->hvalue : "";
	}
	return NULL;
}

static unsigned ref_checked;

/* The same header's value (the same pointer), or both absent; a header
 * without value reads "" from either, two literals that need not be
 * one object (ASan keeps them apart). */
static void
assert_same_value(const char *got, const char *want)
{
	if (got && want && !*got && !*want)
		return;
	assert_ptr_equal(got, want);
}

static void
ref_compare(const osip_message_t *m)
{
	static const char *const names[] = {
	    "subject", "S", "SUPPORTED", "k", "K", "event", "O", "Refer-TO",
	    "r", "b", "Allow-events", "U", "session-expires", "X", "a", "J",
	    "d", "Y", "identity", "User-Agent", "user-agent",
	    "P-Asserted-Identity", "Remote-Party-ID", "Max-Forwards",
	    "max-forwards", "Expires", "Privacy", "z", "Q", "@", "[", "`", "{",
	    "Require", "Proxy-Require", "Organization", "Session-expireS",
	};

	for (size_t n = 0; n < ARRAY_SIZE(names); n++)
		for (int idx = 0; idx < 2; idx++) {
			bool skip;
			const char *want = ref_get(m, names[n], idx, &skip);

			if (skip)
				continue;
			assert_same_value(sip_msg_header_get(m, names[n], idx),
			                  want);
			ref_checked++;
		}
	/* Each header by its own name, in upper and lower case. */
	for (int i = 0; i < osip_list_size(&m->headers); i++) {
		const osip_header_t *h = osip_list_get(&m->headers, i);
		char up[64], low[64];
		const char *want;
		size_t k;
		bool skip;

		if (!h->hname || strlen(h->hname) >= sizeof(up))
			continue;
		for (k = 0; h->hname[k]; k++) {
			up[k] = (char)toupper((unsigned char)h->hname[k]);
			low[k] = (char)tolower((unsigned char)h->hname[k]);
		}
		up[k] = low[k] = '\0';
		want = ref_get(m, up, 0, &skip);
		if (skip)
			continue;
		assert_same_value(sip_msg_header_get(m, up, 0), want);
		assert_same_value(sip_msg_header_get(m, low, 1),
		                  ref_get(m, low, 1, &skip));
		ref_checked += 2;
	}
}

static void
ref_compare_text(const char *buf, size_t len)
{
	osip_message_t *m = NULL;
	struct sip__parse_err err;

	(void)sip__parse(&m, buf, len, false, &err);
	if (m)
		ref_compare(m);
	osip_message_free(m);
}

static void
ref_compare_dir(const char *dir)
{
	test_corpus_each(dir, ref_compare_text);
}

static void
test_hdr_get_matches_reference(void **state)
{
	osip_message_t *m = parse(req);

	(void)state;
	ref_compare(m);
	osip_message_free(m);
	ref_compare_dir("tests/fuzz/corpus/sip");
	ref_compare_dir("tests/fuzz/crashers/sip");
	assert_in_range(ref_checked, 1000, 100000000);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_hdr_get_structured_and_compact),
	    cmocka_unit_test(test_hdr_set_replaces_structured),
	    cmocka_unit_test(test_hdr_remove_single_structured),
	    cmocka_unit_test(test_hdr_get_matches_reference),
	};

	sip__parser_init();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
