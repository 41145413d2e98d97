/* sip/print.c writes what libosip2's osip_message_to_str() writes: every
 * message of the SIP fuzz corpus and crashers (RFC 4475 torture messages
 * among them) and a table of shapes (IPv6 hosts, escapes, parameters
 * without values, display names, URI headers, tel URIs, Contact *,
 * bodies) is parsed, then printed by both and compared byte for byte.
 * Also the fixed-buffer printers behind sip_uri_print(), and
 * sip_uri_print_target() against a headerless clone printed, and
 * requests whose From and To are built from a URI and a tag against the
 * same from the text "<uri>;tag=tag". */
#include <dirent.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "corpus.h"

#include "sip/internal.h"

static const char *const shapes[] = {
    "INVITE sip:%41lice;x@[2001:db8::1]:5070;transport=udp;lr SIP/2.0\r\n"
    "Via: SIP/2.0/UDP [2001:db8::9]:5060;branch=z9hG4bK1;rport\r\n"
    "Via: SIP/2.0/TCP 192.0.2.1;branch=z9hG4bK2;received=192.0.2.2\r\n"
    "Record-Route: <sip:p1.example.com;lr>, \"Proxy\" <sip:p2@x;lr;ftag=a>\r\n"
    "Route: <sip:r1.example.com;lr>\r\n"
    "From: \"A b\" <sip:a:pw@example.com;user=phone>;tag=1;x\r\n"
    "To: <tel:+15551234;phone-context=example.com>\r\n"
    "Call-ID: 123\r\n"
    "CSeq: 7 INVITE\r\n"
    "Contact: <sip:a@192.0.2.1;ob?subject=a%20b&h=1>;expires=60;"
    "+sip.instance=\"<urn:x>\"\r\n"
    "Max-Forwards: 70\r\n"
    "Allow: INVITE, ACK\r\n"
    "Accept: application/sdp\r\n"
    "Supported: timer\r\n"
    "zed: lower\r\n"
    "Authorization: Digest username=\"a\", realm=\"r\", nonce=\"n\", "
    "uri=\"sip:x\", response=\"0123\"\r\n"
    "Content-Type: application/sdp;charset=utf-8\r\n"
    "Content-Length: 13\r\n\r\n"
    "v=0\r\no=x 1 1\r\n",
    "REGISTER sip:example.com SIP/2.0\r\n"
    "v: SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bK3\r\n"
    "f: <sip:a@example.com>;tag=2\r\n"
    "t: <sip:a@example.com>\r\n"
    "i: abc@192.0.2.1\r\n"
    "CSeq: 1 REGISTER\r\n"
    "m: *\r\n"
    "Expires: 0\r\n"
    "allow-events: talk\r\n"
    "l: 0\r\n\r\n",
    "SIP/2.0 180 Ringing\r\n"
    "Via: SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bK4\r\n"
    "From: <sip:a@example.com>;tag=3\r\n"
    "To: <sip:b@example.com>;tag=4\r\n"
    "Call-ID: r@x\r\n"
    "CSeq: 1 INVITE\r\n"
    "Contact: \"B\" <sip:b@192.0.2.5:5062>\r\n"
    "WWW-Authenticate: Digest realm=\"r\", nonce=\"n\"\r\n"
    "Content-Length: 0\r\n\r\n",
};

static unsigned compared;	/* messages both printed */

static unsigned targets;	/* URIs printed as targets */

/* sip_uri_print_target() against what it replaced in b2bua/: a clone
 * without its headers, printed (same result, same text). */
static void
compare_target(const osip_uri_t *u)
{
	osip_uri_t *c = NULL;
	char ours[512], theirs[512];
	int rc, orc = -EINVAL;

	if (!u)
		return;
	rc = sip_uri_print_target(ours, sizeof(ours), u);
	if (osip_uri_clone(u, &c) == 0) {
		osip_uri_header_freelist(&c->url_headers);
		orc = sip_uri_print(theirs, sizeof(theirs), c);
		osip_uri_free(c);
	}
	if ((rc == 0) != (orc == 0))
		fail_msg("target print %d, clone print %d", rc, orc);
	if (rc == 0 && strcmp(ours, theirs) != 0)
		fail_msg("target differs:\nours: %s\nclone: %s", ours, theirs);
	targets += rc == 0;
}

static void
compare_targets(const osip_message_t *m)
{
	const osip_list_t *lists[] = {&m->contacts, &m->routes,
	    &m->record_routes};

	compare_target(m->req_uri);
	if (m->from)
		compare_target(m->from->url);
	if (m->to)
		compare_target(m->to->url);
	for (size_t k = 0; k < ARRAY_SIZE(lists); k++)
		for (int i = 0; i < osip_list_size(lists[k]); i++) {
			const osip_from_t *na = osip_list_get(lists[k], i);

			compare_target(na ? na->url : NULL);
		}
}

static unsigned parties;	/* requests built both ways */

/* sip_msg_new_request_dlg() with a URI and a tag against the text
 * "<uri>;tag=tag" given to sip_msg_new_request(): same result, same
 * wire text, for a From and a To. */
static void
compare_party(const char *uri, const char *tag)
{
	const struct sip_party p = {.uri = uri, .tag = tag};
	size_t n = strlen(uri) + (tag ? strlen(tag) : 0) + 8;
	char *text = malloc(n), *w1 = NULL, *w2 = NULL;
	osip_message_t *m1 = NULL, *m2 = NULL;
	size_t l1 = 0, l2 = 0;
	int rc1, rc2;

	assert_non_null(text);
	snprintf(text, n, "<%s>%s%s", uri, tag && *tag ? ";tag=" : "",
	    tag && *tag ? tag : "");
	rc1 = sip_msg_new_request(&m1, "BYE", "sip:b@192.0.2.2", text, text,
	    "c1@x", 2);
	rc2 = sip_msg_new_request_dlg(&m2, "BYE", "sip:b@192.0.2.2", &p, &p,
	    "c1@x", 2, 70);
	if (rc1 != rc2)
		fail_msg("text %d, party %d for %s", rc1, rc2, text);
	if (rc1 == 0) {
		assert_int_equal(sip__msg_print(m1, &w1, &l1), 0);
		assert_int_equal(sip__msg_print(m2, &w2, &l2), 0);
		if (strcmp(w1, w2) != 0)
			fail_msg("differ for %s:\ntext: %s\nparty: %s", text,
			    w1, w2);
		parties++;
	}
	osip_free(w1);
	osip_free(w2);
	osip_message_free(m1);
	osip_message_free(m2);
	free(text);
}

/* Every URI of m, printed, as a party with m's tags and odd ones. */
static void
compare_parties(const osip_message_t *m)
{
	const char *tags[] = {NULL, "", "1a2b3c", "x=y", "a;b", "\"q\"",
	    "a b", NULL, NULL};
	const osip_uri_t *uris[8] = {m->req_uri, m->from ? m->from->url : NULL,
	    m->to ? m->to->url : NULL};
	size_t nu = 3;
	char text[512];

	tags[7] = sip_msg_from_tag(m);
	tags[8] = sip_msg_to_tag(m);
	for (int i = 0; i < osip_list_size(&m->contacts) && nu < 8; i++) {
		const osip_contact_t *c = osip_list_get(&m->contacts, i);

		uris[nu++] = c ? c->url : NULL;
	}
	for (size_t u = 0; u < nu; u++) {
		if (!uris[u] || sip_uri_print(text, sizeof(text), uris[u]) < 0)
			continue;
		for (size_t t = 0; t < ARRAY_SIZE(tags); t++)
			compare_party(text, tags[t]);
	}
}

/* Both printers on one parsed message: same result, same text. */
static void
compare(const char *text, size_t len)
{
	osip_message_t *m = NULL;
	struct sip__parse_err err;
	const char *ours;
	char *theirs = NULL;
	size_t n_ours = 0, n_theirs = 0;
	int rc, orc;

	(void)sip__parse(&m, text, len, false, &err);
	if (!m)
		return;
	compare_targets(m);
	compare_parties(m);
	rc = sip__print(m, &ours, &n_ours);
	orc = osip_message_to_str(m, &theirs, &n_theirs);
	if (rc != -ENOTSUP) {
		if ((rc == 0) != (orc == 0 && theirs != NULL))
			fail_msg("print %d, libosip2 %d for:\n%.*s", rc, orc,
			    (int)len, text);
		if (rc == 0 && (n_ours != n_theirs ||
		    memcmp(ours, theirs, n_ours) != 0)) {
			size_t i = 0, from;

			while (i < n_ours && i < n_theirs &&
			    ours[i] == theirs[i])
				i++;
			from = i > 40 ? i - 40 : 0;
			fail_msg("differ at %zu:\nours: %.*s\nlibosip2: %.*s",
			    i,
			    (int)MIN(80, n_ours - from), ours + from,
			    (int)MIN(80, n_theirs - from), theirs + from);
		}
		compared += rc == 0;
	}
	osip_free(theirs);
	osip_message_free(m);
}

static void
compare_dir(const char *dir)
{
	test_corpus_each(dir, compare);
}

static void
test_print_matches_libosip2_shapes(void **state)
{
	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(shapes); i++) {
		unsigned before = compared;

		compare(shapes[i], strlen(shapes[i]));
		assert_int_equal(compared, before + 1);
	}
}

static void
test_print_matches_libosip2_corpus(void **state)
{
	unsigned before = compared;

	(void)state;
	compare_dir("tests/fuzz/corpus/sip");
	compare_dir("tests/fuzz/crashers/sip");
	assert_in_range(compared - before, 30, 100000);
	assert_in_range(targets, 100, 1000000);
	assert_in_range(parties, 1000, 100000000);
}

static void
test_print_party_odd_uris(void **state)
{
	static const char *const uris[] = {
	    "sip:a@b", "", "sip:a@b>x", "sip:\"a\"@b", "sip:a b@c", " sip:a@b",
	    "sip:a@b;lr", "tel:+15551234;phone-context=x", "sip:%41@x",
	    "sips:[2001:db8::1]:5061;transport=tls", "sip:a@b?h=v&i=w",
	    "sip:a@b;maddr=239.255.255.1;ttl=15", "nonsense", "sip:", "<sip:a@b",
	};
	static const char *const tags[] = {NULL, "", "t1", "t;u", "t u"};
	unsigned before = parties;

	(void)state;
	for (size_t u = 0; u < ARRAY_SIZE(uris); u++)
		for (size_t t = 0; t < ARRAY_SIZE(tags); t++)
			compare_party(uris[u], tags[t]);
	assert_in_range(parties - before, 20, 1000000);
}

/* Max-Forwards given to sip_msg_new_request_dlg() against 70 replaced
 * with sip_msg_header_set(), as the B INVITE was built before. */
static void
test_print_max_forwards(void **state)
{
	static const unsigned mfs[] = {0, 1, 9, 10, 69, 70, 254, 4294967295u};
	const struct sip_party p = {.uri = "sip:a@b", .tag = "t"};

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(mfs); i++) {
		osip_message_t *m1 = NULL, *m2 = NULL;
		char v[12], *w1 = NULL, *w2 = NULL;
		size_t l1, l2;

		snprintf(v, sizeof(v), "%u", mfs[i]);
		assert_int_equal(sip_msg_new_request_dlg(&m1, "INVITE",
		    "sip:b@c", &p, &p, "c2@x", 1, 70), 0);
		assert_int_equal(sip_msg_header_set(m1, "Max-Forwards", v), 0);
		assert_int_equal(sip_msg_new_request_dlg(&m2, "INVITE",
		    "sip:b@c", &p, &p, "c2@x", 1, mfs[i]), 0);
		assert_int_equal(sip__msg_print(m1, &w1, &l1), 0);
		assert_int_equal(sip__msg_print(m2, &w2, &l2), 0);
		assert_string_equal(w1, w2);
		osip_free(w1);
		osip_free(w2);
		osip_message_free(m1);
		osip_message_free(m2);
	}
}

/* The CSeq and Max-Forwards request_build() sets without a parse,
 * against the same set through osip_message_set_cseq() and
 * osip_message_set_max_forwards() from their text, as before: same
 * fields, same wire text, for plain, odd and overlong methods. */
static void
test_print_request_cseq_max_forwards(void **state)
{
	static const char *const methods[] = {"INVITE", "BYE", "ACK", "X",
	    "CANCEL", "A B", " INVITE", "INVITE ", "IN\tVITE",
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZABCDEFGHIJKLMNOPQRSTUVWXYZ"};
	static const uint32_t cseqs[] = {0, 1, 42, 4294967295u};
	static const unsigned mfs[] = {0, 70, 4294967295u};
	const struct sip_party p = {.uri = "sip:a@b", .tag = "t"};
	unsigned n = 0;

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(methods); i++)
	for (size_t c = 0; c < ARRAY_SIZE(cseqs); c++)
	for (size_t f = 0; f < ARRAY_SIZE(mfs); f++) {
		osip_message_t *m1 = NULL, *m2 = NULL;
		osip_header_t *h = NULL;
		char cs[48], mf[12], *w1 = NULL, *w2 = NULL;
		size_t l1, l2;

		if (sip_msg_new_request_dlg(&m2, methods[i], "sip:b@c", &p,
		    &p, "c2@x", cseqs[c], mfs[f]) != 0)
			continue;
		assert_int_equal(sip_msg_new_request_dlg(&m1, methods[i],
		    "sip:b@c", &p, &p, "c2@x", cseqs[c], mfs[f]), 0);
		/* m1 as before: both from their text. */
		snprintf(cs, sizeof(cs), "%u %s", cseqs[c], methods[i]);
		snprintf(mf, sizeof(mf), "%u", mfs[f]);
		osip_cseq_free(m1->cseq);
		m1->cseq = NULL;
		assert_int_equal(osip_message_set_cseq(m1, cs), 0);
		assert_int_equal(osip_message_header_get_byname(m1,
		    "max-forwards", 0, &h), 0);
		osip_list_remove(&m1->headers, 0);
		osip_header_free(h);
		assert_int_equal(osip_message_set_max_forwards(m1, mf), 0);
		assert_string_equal(m1->cseq->number, m2->cseq->number);
		assert_string_equal(m1->cseq->method, m2->cseq->method);
		assert_int_equal(sip__msg_print(m1, &w1, &l1), 0);
		assert_int_equal(sip__msg_print(m2, &w2, &l2), 0);
		assert_string_equal(w1, w2);
		n++;
		osip_free(w1);
		osip_free(w2);
		osip_message_free(m1);
		osip_message_free(m2);
	}
	assert_in_range(n, 60, 1000);
}

static void
test_print_uri_fixed_buffer(void **state)
{
	osip_uri_t *u = NULL;
	char small[8], big[128];

	(void)state;
	assert_int_equal(sip_uri_parse(&u, "sip:a%20b@example.com;lr"), 0);
	assert_int_equal(sip_uri_print(big, sizeof(big), u), 0);
	assert_string_equal(big, "sip:a%20b@example.com;lr");
	assert_int_equal(sip_uri_print(small, sizeof(small), u), -ENOSPC);
	osip_uri_free(u);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_print_matches_libosip2_shapes),
	    cmocka_unit_test(test_print_matches_libosip2_corpus),
	    cmocka_unit_test(test_print_uri_fixed_buffer),
	    cmocka_unit_test(test_print_request_cseq_max_forwards),
	    cmocka_unit_test(test_print_party_odd_uris),
	    cmocka_unit_test(test_print_max_forwards),
	};

	sip__parser_init();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
