/* What the transaction layer does more cheaply since 6c72e7d, against
 * the code it replaced, on every message of the SIP fuzz corpora and
 * crashers and the RFC 4475 torture messages:
 * - keys built without stdio (sip/txn.c) against the snprintf() texts:
 *   the same text, so RFC 3261 17.1.3/17.2.3 matching (and the RFC 2543
 *   fallback) is unchanged, and the hash of that text;
 * - the skeleton an accepted client INVITE keeps (sip/txn_client.c),
 *   now parsed from a few lines of its wire text, against the clone of
 *   the parsed request it used to keep: the same fields;
 * - our Via, set field by field (sip/transport.c), against the text it
 *   was printed as and parsed from by osip_via_parse();
 * - IPv4 addresses written for received= (sip__host_str) against
 *   net_host_str() (inet_ntop). */
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

#include "util.h"

#include "sip/internal.h"

static struct sip_stack stack;	/* only its hash seed is used */
static unsigned compared, skeletons;

/* The server key as sip/txn.c printed it before (6c72e7d). */
static int
ref_server(char *buf, size_t len, const osip_message_t *m,
    const char *method)
{
	osip_via_t *v = osip_list_get(&m->vias, 0);
	osip_generic_param_t *br = NULL;
	const char *ft = sip_msg_from_tag(m);
	int n;

	if (!v || !v->host)
		return -EINVAL;
	osip_via_param_get_byname(v, "branch", &br);
	if (br && br->gvalue && strncmp(br->gvalue, "z9hG4bK", 7) == 0 &&
	    br->gvalue[7])
		n = snprintf(buf, len, "s|%s|%s:%s|%s", br->gvalue, v->host,
		    v->port ? v->port : "", method);
	else
		n = snprintf(buf, len, "2|%s|%s|%s|%s:%s|%s",
		    m->call_id && m->call_id->number ? m->call_id->number : "",
		    ft ? ft : "", m->cseq ? m->cseq->number : "", v->host,
		    v->port ? v->port : "", method);
	if (n < 0 || (size_t)n >= len)
		return -ENOSPC;
	return n;
}

static void
check_same(const struct sip__key *k, int rc, const char *ref, int ref_n)
{
	assert_int_equal(rc == 0, ref_n > 0);
	if (rc != 0)
		return;
	assert_int_equal(k->len, (size_t)ref_n);
	assert_string_equal(k->s, ref);
	assert_true(k->hash == sip__hash(ref, strlen(ref), stack.hash_seed));
	compared++;
}

static void
compare_msg(const osip_message_t *m)
{
	char ref[SIP__KEY_MAX];
	struct sip__key k;
	osip_via_t *v = osip_list_get(&m->vias, 0);
	osip_generic_param_t *br = NULL;
	int n;

	if (MSG_IS_REQUEST(m) && m->sip_method) {
		n = ref_server(ref, sizeof(ref), m, m->sip_method);
		check_same(&k, sip__txn_key_server(&k, &stack, m,
		    m->sip_method), ref, n);
		n = ref_server(ref, sizeof(ref), m, "INVITE");
		check_same(&k, sip__txn_key_server(&k, &stack, m, "INVITE"),
		    ref, n);
	}
	if (v)
		osip_via_param_get_byname(v, "branch", &br);
	if (br && br->gvalue && m->cseq && m->cseq->method) {
		n = snprintf(ref, sizeof(ref), "c|%s|%s", br->gvalue,
		    m->cseq->method);
		check_same(&k, sip__txn_key_client(&k, &stack, br->gvalue,
		    m->cseq->method), ref, n);
	}
}

/* The skeleton as sip/txn_client.c cloned it before (6c72e7d). */
static osip_message_t *
ref_skeleton(const osip_message_t *req)
{
	osip_message_t *k = NULL;

	if (osip_message_init(&k) != 0)
		return NULL;
	osip_message_set_method(k, osip_strdup(req->sip_method));
	osip_message_set_version(k, osip_strdup("SIP/2.0"));
	if (osip_uri_clone(req->req_uri, &k->req_uri) != 0 ||
	    osip_from_clone(req->from, &k->from) != 0 ||
	    osip_to_clone(req->to, &k->to) != 0 ||
	    osip_call_id_clone(req->call_id, &k->call_id) != 0 ||
	    osip_cseq_clone(req->cseq, &k->cseq) != 0) {
		osip_message_free(k);
		return NULL;
	}
	return k;
}

static void
same_text(int rc_a, char *a, int rc_b, char *b)
{
	assert_int_equal(rc_a, 0);
	assert_int_equal(rc_b, 0);
	assert_string_equal(a, b);
	osip_free(a);
	osip_free(b);
}

/* Each part printed by libosip2 from the old and the new skeleton. */
static void
same_parts(const osip_message_t *o, const osip_message_t *n)
{
	char *a = NULL, *b = NULL;
	int ra, rb;

	assert_string_equal(o->sip_method, n->sip_method);
	ra = osip_uri_to_str(o->req_uri, &a);
	rb = osip_uri_to_str(n->req_uri, &b);
	same_text(ra, a, rb, b);
	ra = osip_from_to_str(o->from, &a);
	rb = osip_from_to_str(n->from, &b);
	same_text(ra, a, rb, b);
	ra = osip_to_to_str(o->to, &a);
	rb = osip_to_to_str(n->to, &b);
	same_text(ra, a, rb, b);
	ra = osip_call_id_to_str(o->call_id, &a);
	rb = osip_call_id_to_str(n->call_id, &b);
	same_text(ra, a, rb, b);
	ra = osip_cseq_to_str(o->cseq, &a);
	rb = osip_cseq_to_str(n->cseq, &b);
	same_text(ra, a, rb, b);
}

static void
compare_skeleton(const osip_message_t *m)
{
	osip_message_t *old = ref_skeleton(m), *new = NULL;
	char *w = NULL, *text;
	size_t n;

	assert_non_null(old);
	assert_int_equal(sip__msg_print(m, &w, &n), 0);
	text = sip__txn_skel_text(w, n);
	assert_non_null(text);
	new = sip__txn_skel_parse(text);
	assert_non_null(new);
	same_parts(old, new);
	skeletons++;
	osip_message_free(old);
	osip_message_free(new);
	free(text);
	osip_free(w);
}

static void
compare(const char *buf, size_t len)
{
	osip_message_t *m = NULL;
	struct sip__parse_err err;
	int rc = sip__parse(&m, buf, len, false, &err);

	if (m)
		compare_msg(m);
	if (rc == 0 && MSG_IS_REQUEST(m))
		compare_skeleton(m);
	osip_message_free(m);
}

static void
compare_dir(const char *dir)
{
	test_corpus_each(dir, compare);
}

/* Our Via as sip/transport.c made it before (6c72e7d). */
static osip_via_t *
ref_via(enum net_transport t, const char *sent_by, const char *branch)
{
	char v[SIP_DOMAIN_MAX + NET_ADDRSTRLEN + SIP_BRANCH_LEN + 64];
	osip_via_t *via = NULL;

	snprintf(v, sizeof(v), "SIP/2.0/%s %s;branch=%s;rport",
	    net_transport_sip_name(t), sent_by, branch);
	assert_int_equal(osip_via_init(&via), 0);
	assert_int_equal(osip_via_parse(via, v), 0);
	return via;
}

static void
same_str(const char *a, const char *b)
{
	if (!a || !b)
		assert_ptr_equal(a, b);
	else
		assert_string_equal(a, b);
}

static void
test_txn_diff_via_matches_parsed(void **state)
{
	static const char *const sent_by[] = {"127.0.0.1:5060", "[::1]:5061",
	    "[2001:db8::1]:5070", "example.com:5080", "example.com",
	    "[::1]"};
	static const enum net_transport tr[] = {NET_UDP, NET_TCP, NET_TLS};
	static struct sip__listener l;

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(sent_by); i++) {
		for (size_t j = 0; j < ARRAY_SIZE(tr); j++) {
			osip_via_t *o = ref_via(tr[j], sent_by[i], "z9hG4bKx1");
			osip_via_t *n;
			osip_message_t *m = NULL;
			char *a = NULL, *b = NULL;
			int ra, rb;

			snprintf(stack.sent_by[0], sizeof(stack.sent_by[0]),
			    "%s", sent_by[i]);
			assert_int_equal(osip_message_init(&m), 0);
			assert_int_equal(sip__via_add(&stack, m, &l, tr[j],
			    "z9hG4bKx1"), 0);
			n = osip_list_get(&m->vias, 0);
			same_str(o->version, n->version);
			same_str(o->protocol, n->protocol);
			same_str(o->host, n->host);
			same_str(o->port, n->port);
			same_str(o->comment, n->comment);
			ra = osip_via_to_str(o, &a);
			rb = osip_via_to_str(n, &b);
			same_text(ra, a, rb, b);
			osip_via_free(o);
			osip_message_free(m);
		}
	}
}

static void
test_txn_diff_matches_old_corpus(void **state)
{
	(void)state;
	sip__parser_init();
	stack.hash_seed = 0x9e3779b97f4a7c15ull;
	compare_dir("tests/fuzz/corpus/sip");
	compare_dir("tests/fuzz/crashers/sip");
	compare_dir("../shared/testdata/rfc4475");
	assert_in_range(compared, 100, 1000000);
	assert_in_range(skeletons, 30, 1000000);
}

/* RFC 2543 fallback: no magic cookie, so Call-ID, From tag and CSeq
 * stand in for the branch (the Call-ID up to its "@" only, as libosip2
 * splits it); a port-less sent-by leaves "host:". */
static void
test_txn_diff_key_rfc2543_fallback(void **state)
{
	static const char msg[] =
	    "INVITE sip:1@192.0.2.1 SIP/2.0\r\n"
	    "Via: SIP/2.0/UDP 192.0.2.9;branch=1234\r\n"
	    "From: <sip:a@192.0.2.9>;tag=ft\r\n"
	    "To: <sip:1@192.0.2.1>\r\n"
	    "Call-ID: cid@192.0.2.9\r\n"
	    "CSeq: 7 INVITE\r\n"
	    "Max-Forwards: 70\r\n"
	    "Content-Length: 0\r\n\r\n";
	osip_message_t *m = NULL;
	struct sip__parse_err err;
	struct sip__key k;

	(void)state;
	sip__parser_init();
	assert_int_equal(sip__parse(&m, msg, sizeof(msg) - 1, false, &err),
	    0);
	assert_int_equal(sip__txn_key_server(&k, &stack, m, "INVITE"), 0);
	assert_string_equal(k.s, "2|cid|ft|7|192.0.2.9:|INVITE");
	osip_message_free(m);
}

/* Over-long keys are refused as snprintf() truncation was. */
static void
test_txn_diff_key_too_long(void **state)
{
	char big[SIP__KEY_MAX];
	const char *p[] = {"c", big, "INVITE"};
	struct sip__key k;

	(void)state;
	memset(big, 'x', sizeof(big) - 10);
	big[sizeof(big) - 10] = '\0';
	/* "c|" + 1014 + "|INVITE" = 1023 characters: fits exactly. */
	assert_int_equal(sip__key_join(&k, &stack, "||", p, 3), 0);
	assert_int_equal(k.len, SIP__KEY_MAX - 1);
	big[sizeof(big) - 10] = 'x';
	big[sizeof(big) - 9] = '\0';
	assert_int_equal(sip__key_join(&k, &stack, "||", p, 3), -ENOSPC);
}

/* Every byte value in each position, then pseudo-random addresses;
 * IPv6 passes through to net_host_str(). */
static void
test_txn_diff_host_str_matches_inet_ntop(void **state)
{
	struct sockaddr_storage ss;
	struct sockaddr_in *in = (struct sockaddr_in *)&ss;
	struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)&ss;
	char a[NET_ADDRSTRLEN], b[NET_ADDRSTRLEN];
	uint32_t x = 2463534242u;

	(void)state;
	memset(&ss, 0, sizeof(ss));
	in->sin_family = AF_INET;
	for (uint32_t i = 0; i < 256 * 4 + 20000; i++) {
		uint8_t *p = (uint8_t *)&in->sin_addr;

		if (i < 256 * 4) {
			memset(p, (int)(i * 37 % 256), 4);
			p[i / 256] = (uint8_t)i;
		} else {
			x ^= x << 13;
			x ^= x >> 17;
			x ^= x << 5;
			memcpy(p, &x, 4);
		}
		sip__host_str((struct sockaddr *)&ss, a, sizeof(a));
		net_host_str((struct sockaddr *)&ss, b, sizeof(b));
		assert_string_equal(a, b);
	}
	memset(&ss, 0, sizeof(ss));
	in6->sin6_family = AF_INET6;
	in6->sin6_addr.s6_addr[15] = 1;
	sip__host_str((struct sockaddr *)&ss, a, sizeof(a));
	assert_string_equal(a, "::1");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_txn_diff_matches_old_corpus),
	    cmocka_unit_test(test_txn_diff_key_rfc2543_fallback),
	    cmocka_unit_test(test_txn_diff_key_too_long),
	    cmocka_unit_test(test_txn_diff_via_matches_parsed),
	    cmocka_unit_test(test_txn_diff_host_str_matches_inet_ntop),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
