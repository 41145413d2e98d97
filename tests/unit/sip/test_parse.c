/* Parsing and validation: every rule of sip/parse.c, round trips through
 * libosip2, and all 50 RFC 4475 torture messages against manifest.tsv's
 * accept_strict column. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "sip/internal.h"

#define CRLF "\r\n"
#define HDRS                                                                   \
	"Via: SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bKabc" CRLF              \
	"From: <sip:a@example.com>;tag=1" CRLF                                \
	"To: <sip:b@example.com>" CRLF "Call-ID: x1@example.com" CRLF

struct parse_case {
	const char *name;
	const char *text;
	int code;		/* 0 ok, -1 dropped, else the answer */
	const char *reason;	/* expected reason (NULL: not checked) */
};

static const struct parse_case cases[] = {
    {"ok", "OPTIONS sip:b@example.com SIP/2.0" CRLF HDRS
	"CSeq: 1 OPTIONS" CRLF "Max-Forwards: 70" CRLF
	"Content-Length: 0" CRLF CRLF, 0, NULL},
    {"no-max-forwards-2543", "OPTIONS sip:b@example.com SIP/2.0" CRLF HDRS
	"CSeq: 1 OPTIONS" CRLF CRLF, 0, NULL},
    {"missing-callid", "OPTIONS sip:b@example.com SIP/2.0" CRLF
	"Via: SIP/2.0/UDP 192.0.2.1;branch=z9hG4bKx" CRLF
	"From: <sip:a@example.com>;tag=1" CRLF "To: <sip:b@example.com>" CRLF
	"CSeq: 1 OPTIONS" CRLF CRLF, 400, "Missing Call-ID"},
    {"missing-from", "OPTIONS sip:b@example.com SIP/2.0" CRLF
	"Via: SIP/2.0/UDP 192.0.2.1;branch=z9hG4bKx" CRLF
	"To: <sip:b@example.com>" CRLF "Call-ID: 1" CRLF
	"CSeq: 1 OPTIONS" CRLF CRLF, 400, "Missing From"},
    {"missing-to", "OPTIONS sip:b@example.com SIP/2.0" CRLF
	"Via: SIP/2.0/UDP 192.0.2.1;branch=z9hG4bKx" CRLF
	"From: <sip:a@example.com>;tag=1" CRLF "Call-ID: 1" CRLF
	"CSeq: 1 OPTIONS" CRLF CRLF, 400, "Missing To"},
    {"missing-cseq", "OPTIONS sip:b@example.com SIP/2.0" CRLF HDRS CRLF,
	400, "Missing CSeq"},
    {"missing-via", "OPTIONS sip:b@example.com SIP/2.0" CRLF
	"From: <sip:a@example.com>;tag=1" CRLF "To: <sip:b@example.com>" CRLF
	"Call-ID: 1" CRLF "CSeq: 1 OPTIONS" CRLF CRLF, -1, NULL},
    {"cseq-mismatch", "OPTIONS sip:b@example.com SIP/2.0" CRLF HDRS
	"CSeq: 1 INVITE" CRLF CRLF, 400, "CSeq method does not match"},
    {"cseq-overflow", "OPTIONS sip:b@example.com SIP/2.0" CRLF HDRS
	"CSeq: 4294967296 OPTIONS" CRLF CRLF, 400, "Bad CSeq number"},
    {"cseq-max", "OPTIONS sip:b@example.com SIP/2.0" CRLF HDRS
	"CSeq: 4294967295 OPTIONS" CRLF CRLF, 0, NULL},
    {"dup-callid", "OPTIONS sip:b@example.com SIP/2.0" CRLF HDRS
	"i: other" CRLF "CSeq: 1 OPTIONS" CRLF CRLF, 400,
	"Duplicate Call-ID"},
    {"bad-max-forwards", "OPTIONS sip:b@example.com SIP/2.0" CRLF HDRS
	"CSeq: 1 OPTIONS" CRLF "Max-Forwards: 256" CRLF CRLF, 400,
	"Bad Max-Forwards"},
    {"cl-negative", "OPTIONS sip:b@example.com SIP/2.0" CRLF HDRS
	"CSeq: 1 OPTIONS" CRLF "Content-Length: -1" CRLF CRLF, 400,
	"Bad Content-Length"},
    {"cl-short-body", "OPTIONS sip:b@example.com SIP/2.0" CRLF HDRS
	"CSeq: 1 OPTIONS" CRLF "Content-Length: 10" CRLF CRLF "abc", 400,
	"Content-Length larger than message"},
    {"cl-truncates", "OPTIONS sip:b@example.com SIP/2.0" CRLF HDRS
	"CSeq: 1 OPTIONS" CRLF "Content-Length: 3" CRLF
	"Content-Type: text/plain" CRLF CRLF "abcdef", 0, NULL},
    {"cl-conflict", "OPTIONS sip:b@example.com SIP/2.0" CRLF HDRS
	"CSeq: 1 OPTIONS" CRLF "Content-Length: 3" CRLF "l: 2" CRLF
	CRLF "abc", 400, "Conflicting Content-Length"},
    {"cl-same-twice", "OPTIONS sip:b@example.com SIP/2.0" CRLF HDRS
	"CSeq: 1 OPTIONS" CRLF "Content-Length: 0" CRLF "l: 0" CRLF CRLF,
	400, NULL},
    {"version", "OPTIONS sip:b@example.com SIP/3.0" CRLF HDRS
	"CSeq: 1 OPTIONS" CRLF CRLF, 505, NULL},
    {"scheme", "OPTIONS foo:bar SIP/2.0" CRLF HDRS
	"CSeq: 1 OPTIONS" CRLF CRLF, 416, NULL},
    {"tel-scheme", "OPTIONS tel:+15551234 SIP/2.0" CRLF HDRS
	"CSeq: 1 OPTIONS" CRLF CRLF, 0, NULL},
    {"double-sp", "OPTIONS  sip:b@example.com SIP/2.0" CRLF HDRS
	"CSeq: 1 OPTIONS" CRLF CRLF, 400, "Malformed Request-Line"},
    {"trailing-sp", "OPTIONS sip:b@example.com SIP/2.0 " CRLF HDRS
	"CSeq: 1 OPTIONS" CRLF CRLF, 400, "Malformed Request-Line"},
    {"uri-in-angles", "OPTIONS <sip:b@example.com> SIP/2.0" CRLF HDRS
	"CSeq: 1 OPTIONS" CRLF CRLF, 400, "Malformed Request-URI"},
    {"uri-headers", "OPTIONS sip:b@example.com?X=1 SIP/2.0" CRLF HDRS
	"CSeq: 1 OPTIONS" CRLF CRLF, 400, "Headers in Request-URI"},
    {"via-empty-param", "OPTIONS sip:b@example.com SIP/2.0" CRLF
	"Via: SIP/2.0/UDP 192.0.2.1;;branch=z9hG4bKx" CRLF
	"From: <sip:a@example.com>;tag=1" CRLF "To: <sip:b@example.com>" CRLF
	"Call-ID: 1" CRLF "CSeq: 1 OPTIONS" CRLF CRLF, -1, NULL},
    {"unquoted-comma-name", "OPTIONS sip:b@example.com SIP/2.0" CRLF
	"Via: SIP/2.0/UDP 192.0.2.1;branch=z9hG4bKx" CRLF
	"From: Bell, Al <sip:a@example.com>;tag=1" CRLF
	"To: <sip:b@example.com>" CRLF "Call-ID: 1" CRLF
	"CSeq: 1 OPTIONS" CRLF CRLF, 400, "Malformed From or To header"},
    {"space-in-angles", "OPTIONS sip:b@example.com SIP/2.0" CRLF
	"Via: SIP/2.0/UDP 192.0.2.1;branch=z9hG4bKx" CRLF
	"From: <sip:a@example.com>;tag=1" CRLF
	"To: < sip:b@example.com >" CRLF "Call-ID: 1" CRLF
	"CSeq: 1 OPTIONS" CRLF CRLF, 400, "Malformed From or To header"},
    {"date-not-gmt", "OPTIONS sip:b@example.com SIP/2.0" CRLF HDRS
	"CSeq: 1 OPTIONS" CRLF "Date: Fri, 01 Jan 2010 16:00:00 EST" CRLF
	CRLF, 400, "Malformed Date header"},
    {"response-ok", "SIP/2.0 200 OK" CRLF HDRS "CSeq: 1 OPTIONS" CRLF
	CRLF, 0, NULL},
    {"response-bad-code", "SIP/2.0 2000 OK" CRLF HDRS "CSeq: 1 OPTIONS"
	CRLF CRLF, -1, NULL},
    {"response-missing-cseq", "SIP/2.0 200 OK" CRLF HDRS CRLF, -1, NULL},
    {"garbage", "\x01\x02 hello", -1, NULL},
    {"empty-lines", CRLF CRLF, -1, NULL},
};

static void
test_parse_rules(void **state)
{
	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		const struct parse_case *c = &cases[i];
		osip_message_t *m = NULL;
		struct sip__parse_err err = {0, NULL};
		int rc = sip__parse(&m, c->text, strlen(c->text), false, &err);
		int got = rc == 0 ? 0 : (err.code ? err.code : -1);

		if (got != c->code || (c->reason && got > 0 &&
		    strcmp(c->reason, err.reason) != 0))
			fail_msg("%s: got %d (%s), want %d (%s)", c->name, got,
			    err.reason ? err.reason : "-", c->code,
			    c->reason ? c->reason : "-");
		if (got > 0)
			assert_non_null(m);	/* an answer can be built */
		osip_message_free(m);
	}
}

static void
test_parse_truncates_datagram_body(void **state)
{
	static const char t[] = "MESSAGE sip:b@example.com SIP/2.0" CRLF HDRS
	    "CSeq: 1 MESSAGE" CRLF "Content-Type: text/plain" CRLF
	    "Content-Length: 3" CRLF CRLF "abcdef";
	osip_message_t *m = NULL;
	struct sip__parse_err err;
	size_t len;
	const char *body;

	(void)state;
	assert_int_equal(sip__parse(&m, t, sizeof(t) - 1, false, &err), 0);
	body = sip_msg_body_get(m, &len);
	assert_int_equal(len, 3);
	assert_memory_equal(body, "abc", 3);
	osip_message_free(m);
}

static void
test_parse_stream_needs_content_length(void **state)
{
	static const char t[] = "OPTIONS sip:b@example.com SIP/2.0" CRLF HDRS
	    "CSeq: 1 OPTIONS" CRLF CRLF;
	osip_message_t *m = NULL;
	struct sip__parse_err err;

	(void)state;
	assert_int_equal(sip__parse(&m, t, sizeof(t) - 1, true, &err),
	    -EBADMSG);
	assert_int_equal(err.code, 400);
	assert_string_equal(err.reason, "Missing Content-Length");
	osip_message_free(m);
}

static void
test_parse_content_length_scan(void **state)
{
	static const char a[] = "X sip:a SIP/2.0" CRLF "l: 12" CRLF CRLF;
	static const char b[] = "X sip:a SIP/2.0" CRLF "Via: x" CRLF CRLF;
	static const char c[] = "X sip:a SIP/2.0" CRLF "Content-Length: 1"
	    CRLF "content-length: 2" CRLF CRLF;
	static const char d[] = "X sip:a SIP/2.0" CRLF "Content-Length: -5"
	    CRLF CRLF;

	(void)state;
	assert_int_equal(sip__content_length(a, sizeof(a) - 1), 12);
	assert_int_equal(sip__content_length(b, sizeof(b) - 1), -ENOENT);
	assert_int_equal(sip__content_length(c, sizeof(c) - 1), -EBADMSG);
	assert_int_equal(sip__content_length(d, sizeof(d) - 1), -EBADMSG);
}

/* A parsed message printed and parsed again keeps every header. */
static void
test_parse_round_trip(void **state)
{
	static const char t[] = "INVITE sip:b@example.com SIP/2.0" CRLF HDRS
	    "CSeq: 7 INVITE" CRLF "Max-Forwards: 70" CRLF
	    "Contact: <sip:a@192.0.2.1:5060>" CRLF "X-Opaque: keep ; this"
	    CRLF "Content-Type: application/sdp" CRLF "Content-Length: 4"
	    CRLF CRLF "v=0" CRLF;
	osip_message_t *m = NULL, *m2 = NULL;
	struct sip__parse_err err;
	char *text = NULL;
	size_t len = 0, blen;

	(void)state;
	assert_int_equal(sip__parse(&m, t, sizeof(t) - 1, false, &err), 0);
	assert_int_equal(sip__msg_print(m, &text, &len), 0);
	assert_int_equal(sip__parse(&m2, text, len, true, &err), 0);
	assert_string_equal(sip_msg_method(m2), "INVITE");
	assert_int_equal(sip_msg_cseq(m2), 7);
	assert_string_equal(sip_msg_from_tag(m2), "1");
	assert_null(sip_msg_to_tag(m2));
	assert_string_equal(sip_msg_header_get(m2, "x-opaque", 0),
	    "keep ; this");
	assert_memory_equal(sip_msg_body_get(m2, &blen), "v=0" CRLF, 4);
	assert_int_equal(blen, 4);
	osip_free(text);
	osip_message_free(m);
	osip_message_free(m2);
}

/* RFC 4475: each file's outcome must be one accept_strict allows. */
static const char *
torture_dir(void)
{
	static char path[512];
	const char *env = getenv("LL_RFC4475_DIR");
	const char *top = getenv("LL_TOP");

	if (env)
		return env;
	snprintf(path, sizeof(path), "%s/../shared/testdata/rfc4475",
	    top ? top : ".");
	return path;
}

static char *
slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *buf = malloc(70000);
	size_t n;

	assert_non_null(f);
	assert_non_null(buf);
	n = fread(buf, 1, 70000, f);
	fclose(f);
	*len = n;
	return buf;
}

/* Does the outcome (a code, 0 = accepted, -1 = no answer) fit the
 * comma-separated accept list? */
static bool
outcome_fits(const char *accept, int got, bool response)
{
	char list[128], *tok, *save = NULL;

	if (strcmp(accept, "any") == 0)
		return true;
	if (response)
		return got <= 0 && strstr(accept, "none");
	snprintf(list, sizeof(list), "%s", accept);
	for (tok = strtok_r(list, ",", &save); tok;
	     tok = strtok_r(NULL, ",", &save)) {
		if (strcmp(tok, "VALIDREQ") == 0 || strcmp(tok, "LIBERAL") == 0)
			return got == 0 || (got >= 400 && got < 500) || got < 0;
		if (strcmp(tok, "INVREQ") == 0 && (got < 0 ||
		    (got >= 400 && got < 500)))
			return true;
		if (got > 0 && atoi(tok) == got)
			return true;
	}
	return false;
}

static void
test_parse_rfc4475_strict(void **state)
{
	char path[640], line[2048];
	FILE *man;
	unsigned n = 0;

	(void)state;
	snprintf(path, sizeof(path), "%s/manifest.tsv", torture_dir());
	man = fopen(path, "r");
	if (!man)
		fail_msg("cannot open %s (set LL_RFC4475_DIR)", path);
	assert_non_null(fgets(line, sizeof(line), man));	/* header */
	while (fgets(line, sizeof(line), man)) {
		char *col[9] = {0}, *save = NULL, *p = line, *buf;
		osip_message_t *m = NULL;
		struct sip__parse_err err = {0, NULL};
		size_t len;
		int i = 0, rc, got;

		for (char *t; i < 9 && (t = strsep(&p, "\t\n")); i++)
			col[i] = t;
		(void)save;
		assert_true(i >= 7);
		snprintf(path, sizeof(path), "%s/%s", torture_dir(), col[0]);
		buf = slurp(path, &len);
		rc = sip__parse(&m, buf, len, false, &err);
		got = rc == 0 ? 0 : (err.code && m ? err.code : -1);
		if (getenv("LL_VERBOSE"))
			print_message("%-14s %4d %s\n", col[0], got,
			    err.reason ? err.reason : "");
		/* Stricter than the manifest: a valid request parses, or gets
		 * a precise 4xx (416), never a 400 unless allowed. */
		if (strcmp(col[1], "valid") == 0 &&
		    strcmp(col[5], "request") == 0 && (got < 0 ||
		    (got == 400 && !(col[8] && strstr(col[8], "400-ok")) &&
		    /* libosip2 cannot hold the quoted NUL of its To. */
		    strcmp(col[0], "intmeth.dat") != 0)))
			fail_msg("%s: valid request refused: %s", col[0],
			    err.reason);
		if (!outcome_fits(col[6], got, strcmp(col[5], "response") == 0))
			fail_msg("%s: outcome %d (%s) not in %s", col[0], got,
			    err.reason ? err.reason : "-", col[6]);
		osip_message_free(m);
		free(buf);
		n++;
	}
	fclose(man);
	assert_int_equal(n, 50);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_parse_rules),
	    cmocka_unit_test(test_parse_truncates_datagram_body),
	    cmocka_unit_test(test_parse_stream_needs_content_length),
	    cmocka_unit_test(test_parse_content_length_scan),
	    cmocka_unit_test(test_parse_round_trip),
	    cmocka_unit_test(test_parse_rfc4475_strict),
	};

	sip__parser_init();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
