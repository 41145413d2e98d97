/* A relayed response as b2b__response_build() now makes it (a tail:
 * status, the other leg's safe headers, body and Contact) and as
 * sip_txn_reply_tail() sends it, against the full response it replaced
 * (sip_msg_new_response() with the request's parts copied, the same
 * additions, the transaction's To-tag as sip_txn_reply_msg() sets it),
 * printed byte for byte. Each request of the SIP fuzz corpus, its
 * crashers and the RFC 4475 messages is answered with each response of
 * the same files and of a table of shapes (bodies, authentication,
 * several Contacts), with several codes and tags: the text printed
 * straight from the request where sip/ does that, and the tail
 * completed with the request's parts where it does not. */
#include <dirent.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "b2bua/internal.h"
#include "sip/internal.h"

#include "corpus_sip.h"

static const char *const shapes[] = {
    "SIP/2.0 183 Session Progress\r\n"
    "Via: SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bK4\r\n"
    "From: <sip:a@example.com>;tag=3\r\n"
    "To: <sip:b@example.com>;tag=4\r\n"
    "Call-ID: r@x\r\n"
    "CSeq: 1 INVITE\r\n"
    "Contact: \"B\" <sip:b@192.0.2.5:5062>, <sip:c@192.0.2.6>;q=0.5\r\n"
    "Allow: INVITE, ACK, BYE\r\n"
    "Supported: timer, 100rel\r\n"
    "Require: 100rel\r\n"
    "RSeq: 1\r\n"
    "Server: pbx/1.0\r\n"
    "Session-Expires: 1800;refresher=uac\r\n"
    "X-Private: not copied\r\n"
    "Content-Type: application/sdp\r\n"
    "Content-Length: 13\r\n\r\n"
    "v=0\r\no=x 1 1\r\n",
    "SIP/2.0 401 Unauthorized\r\n"
    "Via: SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bK5\r\n"
    "From: <sip:a@example.com>;tag=3\r\n"
    "To: <sip:b@example.com>;tag=4\r\n"
    "Call-ID: r@x\r\n"
    "CSeq: 1 INVITE\r\n"
    "WWW-Authenticate: Digest realm=\"r\", nonce=\"n\", qop=\"auth\"\r\n"
    "Proxy-Authenticate: Digest realm=\"p\", nonce=\"m\"\r\n"
    "Warning: 399 pbx \"no\"\r\n"
    "Retry-After: 30\r\n"
    "Content-Length: 0\r\n\r\n",
    "SIP/2.0 200 OK\r\n"
    "Via: SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bK6\r\n"
    "From: <sip:a@example.com>;tag=3\r\n"
    "To: <sip:b@example.com>;tag=4\r\n"
    "Call-ID: r@x\r\n"
    "CSeq: 1 INVITE\r\n"
    "Contact: <sip:b@192.0.2.5>\r\n"
    "Accept: application/sdp\r\n"
    "Content-Disposition: session\r\n"
    "Content-Type: application/sdp;charset=utf-8\r\n"
    "Content-Length: 4\r\n\r\n"
    "v=0\n",
};

static unsigned printed, completed;

/* What b2b__response_build() adds to either start. */
static int
add_parts(osip_message_t *m, const osip_message_t *src, int code)
{
	osip_contact_t *ct;
	char v[B2B_TARGET_MAX];
	int rc = b2b__copy_headers(m, src, b2b__resp_headers);

	if (rc == 0)
		rc = b2b__copy_body(m, src);
	if (rc == 0 && code >= 300 && code < 400) {
		for (int i = 0;
		     rc == 0 && osip_message_get_contact(src, i, &ct) >= 0 &&
		     ct;
		     i++)
			if (sip_nameaddr_print(v, sizeof(v), ct) == 0)
				rc = sip_msg_header_add(m, "Contact", v);
	} else if (rc == 0 && code > 100 && code < 300) {
		rc = sip_msg_header_add(m, "Contact",
		                        "<sip:7f3c21aa@192.0.2.9:5062>");
	}
	return rc;
}

/* sip_txn_reply_msg()'s To-tag, then the wire text. */
static char *
finish(osip_message_t *m, int code, const char *tag, size_t *len)
{
	char *w = NULL;

	if (code > 100 && m->to && !sip_msg_to_tag(m))
		sip_msg_to_tag_set(m, tag);
	assert_int_equal(sip__msg_print(m, &w, len), 0);
	return w;
}

static void
same(const char *what, const char *a, size_t na, const char *b, size_t nb)
{
	if (na != nb || memcmp(a, b, na) != 0)
		fail_msg("%s differs:\ntail:\n%s\nfull:\n%s", what, a, b);
}

static void
compare_one(const osip_message_t *req, const osip_message_t *src, int code,
            const char *tag)
{
	const char *reason = osip_message_get_reason_phrase(src);
	osip_message_t *full = NULL, *tail = NULL;
	char *want, *got = NULL;
	size_t nw, ng;
	int rc;

	if (sip_msg_new_response(&full, req, code, reason) != 0)
		return;
	if (add_parts(full, src, code) != 0) {
		osip_message_free(full);
		return;
	}
	want = finish(full, code, tag, &nw);
	assert_int_equal(sip_msg_new_reply_tail(&tail, req, code, reason), 0);
	assert_int_equal(add_parts(tail, src, code), 0);
	/* sip_txn_reply_tail(): straight from the request... */
	rc = sip__response_text(&got, &ng, req, code, tail->reason_phrase, tag,
	                        tail);
	if (rc == 0) {
		same("printed", got, ng, want, nw);
		printed++;
		osip_free(got);
	} else if (rc != -ENOTSUP && rc != -EINVAL) {
		fail_msg("sip__response_text: %d", rc);
	}
	/* ...or completed with the request's parts. */
	assert_int_equal(sip__response_complete(tail, req), 0);
	got = finish(tail, code, tag, &ng);
	same("completed", got, ng, want, nw);
	completed++;
	osip_free(got);
	osip_free(want);
	osip_message_free(tail);
	osip_message_free(full);
}

static void
test_msg_tail_matches_full_response(void **state)
{
	static const int codes[] = {180, 183, 200, 302, 486, 603};
	static const char *const tags[] = {"1a2b3c4d", ""};

	(void)state;
	sip__parser_init();
	for (size_t i = 0; i < ARRAY_SIZE(shapes); i++)
		test_msgs_keep(shapes[i], strlen(shapes[i]));
	test_msgs_load();
	for (size_t r = 0; r < test_n_reqs; r++)
		for (size_t s = 0; s < test_n_resps; s++)
			for (size_t c = 0; c < ARRAY_SIZE(codes); c++)
				for (size_t t = 0; t < ARRAY_SIZE(tags); t++)
					compare_one(test_reqs[r], test_resps[s],
					            codes[c], tags[t]);
	print_message("%zu requests x %zu responses: %u printed, "
	              "%u completed\n",
	              test_n_reqs, test_n_resps, printed, completed);
	assert_in_range(printed, 1000, 100000000);
	test_msgs_free();
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_msg_tail_matches_full_response),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
