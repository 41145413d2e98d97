/* sip/frame.c against osip_message_parse(): every input is parsed both
 * ways (sip__parse_by()) and must come out the same: accepted or not,
 * the same answer and reason, and the same tree, compared as libosip2
 * prints it (osip_message_to_str) and as sip/ sends it (sip__msg_print)
 * byte for byte. Inputs: the fuzz corpora and crashers (sip, b2b, the
 * SIPp templates filled in), the RFC 4475 messages, shapes aimed at the
 * framing, and byte mutations of them all. */
#include <ctype.h>
#include <dirent.h>
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
#define MAX_IN 70000
#define N_MUTANTS 20000		/* byte mutations over all the inputs */

struct outcome {
	int rc, code;
	const char *reason;
	bool has_msg, leak;
	int str_rc, print_rc;
	char *str, *print;
	size_t str_len, print_len;
};

/* Inputs kept for the mutation pass. */
static char *inputs[1024];
static size_t input_len[1024];
static unsigned n_inputs;
static unsigned long compared, framed;

static void
judge(struct outcome *o, const char *buf, size_t len, bool stream,
    bool off)
{
	osip_message_t *m = NULL;
	struct sip__parse_err err = {0, NULL};
	struct sip__arena_stats st0, st1;
	bool by_frame;

	sip__arena_stats_get(&st0);
	memset(o, 0, sizeof(*o));
	o->rc = sip__parse_by(&m, buf, len, stream, &err, !off, &by_frame);
	assert_false(off && by_frame);
	framed += by_frame;
	o->code = err.code;
	o->reason = err.reason;
	o->has_msg = m != NULL;
	if (m) {
		o->print_rc = sip__msg_print(m, &o->print, &o->print_len);
		o->str_rc = osip_message_to_str(m, &o->str, &o->str_len);
		osip_message_free(m);
	}
	/* A block libosip2 leaks keeps its arena: every arena must be
	 * back once the message is freed (valgrind sees the same later). */
	sip__arena_stats_get(&st1);
	o->leak = st1.arenas - st1.released != st0.arenas - st0.released;
}

static bool
text_eq(const char *a, size_t al, const char *b, size_t bl)
{
	return al == bl && (al == 0 || (a && b && memcmp(a, b, al) == 0));
}

static void
compare(const char *name, const char *buf, size_t len, bool stream)
{
	struct outcome o, n;	/* osip_message_parse(), frame.c */
	bool same;

	judge(&o, buf, len, stream, true);
	judge(&n, buf, len, stream, false);
	same = o.rc == n.rc && o.code == n.code && o.has_msg == n.has_msg &&
	    ((!o.reason && !n.reason) || (o.reason && n.reason &&
	    strcmp(o.reason, n.reason) == 0)) && o.str_rc == n.str_rc &&
	    o.print_rc == n.print_rc &&
	    text_eq(o.str, o.str_len, n.str, n.str_len) &&
	    text_eq(o.print, o.print_len, n.print, n.print_len) &&
	    !o.leak && !n.leak;
	if (!same && getenv("LL_FRAME_DUMP")) {
		FILE *f = fopen(getenv("LL_FRAME_DUMP"), "wb");

		if (f) {
			fwrite(buf, 1, len, f);
			fclose(f);
		}
	}
	if (!same)
		fail_msg("%s (%s): osip_message_parse rc %d %d %s%s, "
		    "frame.c rc %d %d %s\n--- osip:\n%.*s\n--- frame.c:\n%.*s",
		    name, stream ? "stream" : "datagram", o.rc, o.code,
		    o.reason ? o.reason : "-", o.leak || n.leak ? " (leak)" :
		    "", n.rc, n.code,
		    n.reason ? n.reason : "-", (int)o.print_len,
		    o.print ? o.print : "", (int)n.print_len,
		    n.print ? n.print : "");
	osip_free(o.str);
	osip_free(n.str);
	osip_free(o.print);
	osip_free(n.print);
	compared++;
}

static void
check_input(const char *name, const char *buf, size_t len)
{
	compare(name, buf, len, false);
	compare(name, buf, len, true);
	if (n_inputs < ARRAY_SIZE(inputs)) {
		inputs[n_inputs] = malloc(len + 1);
		assert_non_null(inputs[n_inputs]);
		memcpy(inputs[n_inputs], buf, len);
		input_len[n_inputs++] = len;
	}
}

static char *
slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *buf = malloc(MAX_IN + 1);

	assert_non_null(f);
	assert_non_null(buf);
	*len = fread(buf, 1, MAX_IN, f);
	fclose(f);
	return buf;
}

/* Calls fn on every regular file of $LL_TOP/dir; returns their count. */
static unsigned
each_file(const char *dir, void (*fn)(const char *name, char *buf,
    size_t len))
{
	char path[1024], file[1400];
	const char *top = getenv("LL_TOP");
	struct dirent *e;
	unsigned n = 0;
	DIR *d;

	snprintf(path, sizeof(path), "%s/%s", top ? top : ".", dir);
	d = opendir(path);
	if (!d)
		fail_msg("cannot open %s (set LL_TOP)", path);
	while ((e = readdir(d))) {
		char *buf;
		size_t len;

		if (e->d_name[0] == '.' || strstr(e->d_name, ".md") ||
		    strstr(e->d_name, ".tsv") || strstr(e->d_name, "SUMS"))
			continue;
		snprintf(file, sizeof(file), "%s/%s", path, e->d_name);
		buf = slurp(file, &len);
		fn(e->d_name, buf, len);
		free(buf);
		n++;
	}
	closedir(d);
	return n;
}

static void
raw_file(const char *name, char *buf, size_t len)
{
	check_input(name, buf, len);
}

/* A SIPp template line filled in as SIPp would, roughly: the [last_*]
 * lines become plausible headers, [len] the body's length. */
static const char *const fills[][2] = {
    {"[last_Via:]", "Via: SIP/2.0/UDP 127.0.0.1:5062;branch=z9hG4bK-1"},
    {"[last_From:]", "From: \"A\" <sip:201@127.0.0.1>;tag=1"},
    {"[last_To:]", "To: <sip:5551000@127.0.0.1>"},
    {"[last_Call-ID:]", "Call-ID: c1@127.0.0.1"},
    {"[last_CSeq:]", "CSeq: 1 INVITE"},
    {"[last_Record-Route:]", "Record-Route: <sip:127.0.0.1;lr>"},
    {"[last_Contact:]", "Contact: <sip:201@127.0.0.1:5062>"},
    {"[next_url]", "sip:5551000@127.0.0.1:5062"},
    {"[routes]", ""}, {"[dev]", "201"}, {"[fuser]", "201"},
    {"[privacy]", "none"},
};

static size_t
fill_template(char *out, const char *in, size_t len)
{
	size_t o = 0, i = 0, lenpos = 0, body;
	bool have_len = false;
	const char *blank;

	while (i < len && o < MAX_IN - 128) {
		size_t k;

		for (k = 0; k < ARRAY_SIZE(fills); k++) {
			size_t fl = strlen(fills[k][0]);

			if (len - i >= fl &&
			    memcmp(in + i, fills[k][0], fl) == 0)
				break;
		}
		if (k < ARRAY_SIZE(fills)) {
			o += (size_t)sprintf(out + o, "%s", fills[k][1]);
			i += strlen(fills[k][0]);
		} else if (len - i >= 5 && memcmp(in + i, "[len]", 5) == 0) {
			have_len = true;
			lenpos = o;
			memcpy(out + o, "     ", 5);	/* room for digits */
			o += 5;
			i += 5;
		} else {
			out[o++] = in[i++];
		}
	}
	out[o] = '\0';
	blank = strstr(out, CRLF CRLF);
	if (have_len && blank) {
		char num[8];
		int n;

		body = o - (size_t)(blank + 4 - out);
		n = snprintf(num, sizeof(num), "%zu", body);
		memset(out + lenpos, ' ', 5);
		memcpy(out + lenpos, num, (size_t)n);
	}
	return o;
}

/* fuzz_b2b's inputs: messages split by "~~~", each led by one control
 * byte; each is checked as it stands and filled in. */
static void
b2b_file(const char *name, char *buf, size_t len)
{
	char *filled = malloc(MAX_IN + 1);
	size_t i = 0;

	assert_non_null(filled);
	while (i < len) {
		size_t end = i;

		while (end + 3 <= len && memcmp(buf + end, "~~~", 3) != 0)
			end++;
		if (end + 3 > len)
			end = len;

		if (end > i + 1) {
			check_input(name, buf + i + 1, end - i - 1);
			check_input(name, filled, fill_template(filled,
			    buf + i + 1, end - i - 1));
		}
		i = end + 3;
	}
	free(filled);
}

#define F_REQ "OPTIONS sip:b@example.com SIP/2.0" CRLF
#define F_VIA "Via: SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bKabc" CRLF
#define F_DIALOG "From: <sip:a@example.com>;tag=1" CRLF \
	"To: <sip:b@example.com>" CRLF "Call-ID: x1@example.com" CRLF
#define F_OPT F_REQ F_VIA F_DIALOG "CSeq: 1 OPTIONS" CRLF

/* Shapes aimed at the framing frame.c reproduces or leaves alone. */
static const char *const shapes[] = {
    F_OPT "Max-Forwards: 70" CRLF "Content-Length: 0" CRLF CRLF,
    F_OPT "Subject:" CRLF "Content-Length: 0" CRLF CRLF,
    F_OPT "Subject: " CRLF "Content-Length: 0" CRLF CRLF,
    F_OPT "Subject:\t x \t" CRLF CRLF,
    F_OPT "X-Empty:" CRLF "X-Commas: a, b,,c" CRLF CRLF,
    F_OPT "Supported: timer, 100rel" CRLF "Allow: INVITE,ACK , BYE" CRLF CRLF,
    F_OPT "Contact: <sip:a@h>, \"B, C\" <sip:b@h>;q=0.5" CRLF CRLF,
    F_REQ F_VIA "v: SIP/2.0/TCP h;branch=z9hG4bK2, SIP/2.0/UDP g" CRLF F_DIALOG
	"CSeq: 1 OPTIONS" CRLF CRLF,
    F_OPT "Content-Type: text/plain" CRLF CRLF "body without length",
    F_OPT "Content-Type: text/plain" CRLF CRLF,
    F_OPT CRLF "body without type",
    F_OPT "Content-Length: 0" CRLF "Content-Type: text/plain" CRLF CRLF "x",
    F_OPT "Content-Length: 4" CRLF "c: application/sdp" CRLF CRLF "v=0\r",
    F_OPT "l: 3" CRLF "Content-Type: text/plain" CRLF CRLF "abcdef",
    F_OPT "Content-Length: 2" CRLF "Content-Length: 2" CRLF
	"Content-Type: text/plain" CRLF CRLF "ab",
    F_OPT "Content-Type: text/plain" CRLF "Content-Type: text/html" CRLF
	CRLF "x",
    F_OPT "Content-Type: multipart/mixed;boundary=zz" CRLF
	"Content-Length: 38" CRLF CRLF "--zz" CRLF "Content-Type: a/b" CRLF
	CRLF "x" CRLF "--zz--" CRLF,
    /* libosip2 leaks a part's first Content-Type when it has two; it
     * ends its lines at a bare CR too. */
    F_OPT "Content-Type: multipart/mixed;boundary=zz" CRLF CRLF "--zz" CRLF
	"Content-Type: a/b\rContent-Type: c/d" CRLF CRLF "x" CRLF "--zz--"
	CRLF,
    /* The mutant that leaked so: a bare CR hides the Content-Type. */
    F_OPT "Content-Type: multipart/mixed;boundary=zz\r " CRLF CRLF "--zz" CRLF
	"Content-Type: a/b" CRLF "Content-Type: c/d" CRLF CRLF "x" CRLF
	"--zz--" CRLF,
    /* A million mutations found one leaking so: a bare CR ends the
     * header section to libosip2, and the Content-Types after it are
     * its first MIME part's. */
    F_OPT "Content-Type: multipart/mixed;boundary=b1" CRLF
	"Content-Length: 75\r\r" CRLF "--b1" CRLF "Content-Type: text/plain"
	CRLF "content-type : text/html" CRLF CRLF "Hello" CRLF "--b1--" CRLF,
    /* And one with a bare CR in the body, before a part's second
     * Content-Type. */
    F_OPT "Content-Type: multipart/mixed;boundary=b1" CRLF CRLF "--b1" CRLF
	"Content-Type: text/plain" CRLF CRLF "Hi" CRLF "--b1\r\r"
	"Content-Type: a/b" CRLF "Content-Type: c/d" CRLF CRLF "x" CRLF
	"--b1--" CRLF,
    F_OPT "Content-Type: text/plain;charset" CRLF CRLF "x",
    F_OPT "X-Fold: a" CRLF " b" CRLF CRLF,
    F_REQ F_VIA F_DIALOG "CSeq: 1 OPTIONS\n\n",
    F_OPT "Name With Space : v" CRLF CRLF,
    F_OPT "x:" CRLF CRLF,
    F_OPT "CSeq: 2 OPTIONS" CRLF CRLF,
    F_OPT "Max-Forwards: 70" CRLF "Max-Forwards: 69" CRLF CRLF,
    /* What frame.c copies itself: no value, a blank one, commas. */
    F_OPT "MAX-forwards:" CRLF "User-Agent: \t" CRLF CRLF,
    F_OPT "user-AGENT: a, b,, \"c, d\" <sip:x>" CRLF "Max-Forwards: 70, 1" CRLF
	"DATE: Sat, 13 Nov 2010 23:29:00 GMT" CRLF "date:x" CRLF CRLF,
    F_REQ F_VIA F_DIALOG CRLF,
    F_REQ CRLF,
    "OPTIONS sip:b@example.com sip/2.0" CRLF F_VIA F_DIALOG "CSeq: 1 OPTIONS"
	CRLF CRLF,
    "OPTIONS sip:b@[::1 SIP/2.0" CRLF F_VIA F_DIALOG "CSeq: 1 OPTIONS" CRLF
	CRLF,
    "OPTIONS sips:b@example.com;transport=tcp?x SIP/2.0" CRLF F_VIA F_DIALOG
	"CSeq: 1 OPTIONS" CRLF CRLF,
    "OPTIONS tel:+1-555;phone-context=x SIP/2.0" CRLF F_VIA F_DIALOG
	"CSeq: 1 OPTIONS" CRLF CRLF,
    "INVITE sip:b@example.com SIP/2.0" CRLF F_VIA F_DIALOG "CSeq: 1 INVITE" CRLF
	"Route: <sip:p1;lr>, <sip:p2;lr>" CRLF "Record-Route: <sip:p3;lr>"
	CRLF "Proxy-Authorization: Digest username=\"a\", realm=\"b\", "
	"nonce=\"c\", uri=\"sip:b\", response=\"d\"" CRLF
	"WWW-Authenticate: Digest realm=\"r\", nonce=\"n\"" CRLF
	"Accept: application/sdp" CRLF "Call-Info: <http://x/y>;purpose=icon"
	CRLF "Expires: 60" CRLF "User-Agent: a, b" CRLF CRLF,
    "SIP/2.0 200 OK" CRLF F_VIA F_DIALOG "CSeq: 1 OPTIONS" CRLF CRLF,
    "SIP/2.0 180 " CRLF F_VIA F_DIALOG "CSeq: 1 INVITE" CRLF CRLF,
    "SIP/2.0 486 Busy, Here" CRLF F_VIA F_DIALOG "CSeq: 1 INVITE" CRLF
	"Content-Length: 0" CRLF CRLF,
    "SIP/2.0 200 OK" CRLF F_VIA F_DIALOG "CSeq: 1 INVITE" CRLF
	"Content-Type: application/sdp" CRLF "Content-Length: 5" CRLF CRLF
	"v=0" CRLF,
    "SIP/2.0 200 OK\x01" CRLF F_VIA F_DIALOG "CSeq: 1 OPTIONS" CRLF CRLF,
};

static void
test_frame_corpora(void **state)
{
	unsigned n;

	(void)state;
	n = each_file("tests/fuzz/corpus/sip", raw_file);
	n += each_file("tests/fuzz/crashers/sip", raw_file);
	n += each_file("tests/fuzz/corpus/b2b", b2b_file);
	n += each_file("tests/fuzz/crashers/b2b", b2b_file);
	n += each_file("../shared/testdata/rfc4475", raw_file);
	assert_true(n > 300);
	/* Most of them took the new path: the comparison is not idle. */
	assert_true(framed > 300);
}

static void
test_frame_shapes(void **state)
{
	char buf[4096], *big = malloc(MAX_IN);
	size_t n;

	(void)state;
	assert_non_null(big);
	for (size_t i = 0; i < ARRAY_SIZE(shapes); i++)
		check_input("shape", shapes[i], strlen(shapes[i]));
	/* Past frame.c's stack buffers and its field count. */
	n = (size_t)snprintf(buf, sizeof(buf), "%s", F_OPT);
	n += (size_t)snprintf(buf + n, sizeof(buf) - n,
	    "X-%0100d: v" CRLF "X-Long: %01500d" CRLF, 7, 9);
	n += (size_t)snprintf(buf + n, sizeof(buf) - n, CRLF);
	check_input("long", buf, n);
	n = (size_t)snprintf(big, MAX_IN, "%s", F_OPT);
	for (int i = 0; i < SIP__FRAME_MAX + 2; i++) {
		n += (size_t)snprintf(big + n, MAX_IN - n, "X-%d: %d" CRLF, i,
		    i);
		check_input("many", big, n + (size_t)snprintf(big + n,
		    MAX_IN - n, CRLF));
	}
	free(big);
}

/* sip__nameaddr_ok() as it was before its table and inner runs (6c72e7d),
 * the reference its verdicts must match. */
static bool
ref_token_char(unsigned char c)
{
	if (isalnum(c))
		return true;
	switch (c) {
	case '-': case '.': case '!': case '%': case '*': case '_': case '+':
	case '`': case '\'': case '~':
		return true;
	default:
		return false;
	}
}
static bool
ref_uri_mark(unsigned char c)
{
	switch (c) {
	case ':': case '@': case '=': case '/': case '[': case ']': case '&':
	case '$': case '#':
		return true;
	default:
		return false;
	}
}
static bool
ref_nameaddr_ok(const char *v, size_t n, bool list)
{
	bool quoted = false, angle = false, seen_angle = false, mark = false;
	bool in_word = false, params = false;
	unsigned words = 0;	/* before '<' or the first ';' */
	char prev = ',';

	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)v[i];

		if (quoted) {
			if (c == '\\' && i + 1 < n)
				i++;
			else if (c == '"')
				quoted = false;
			continue;
		}
		if (angle) {
			/* No empty URI parameter either (";>", ";;"):
			 * libosip2 prints one back outside the <>. */
			if ((c == '>' || c == ';') && v[i - 1] == ';')
				return false;
			/* RFC 3261 25.1: a URI is ASCII; anything else
			 * comes %-escaped. */
			if (c == '>')
				angle = false;
			else if (c <= ' ' || c >= 0x7f || c == '<')
				return false;
			continue;
		}
		if (!seen_angle && !params && (c == ';' || c == ',') &&
		    words > 1)
			return false;	/* an addr-spec with a space */
		switch (c) {
		case '"':
			quoted = true;
			words++;
			in_word = false;
			break;
		case '<':
			if (mark || seen_angle)
				return false;	/* a second one: no name-addr */
			angle = seen_angle = true;
			break;
		case ',':
			if (!list)
				return false;
			seen_angle = mark = in_word = params = false;
			words = 0;
			/* FALLTHROUGH */
		case ';':
			if (prev == ';' || (c == ';' && prev == ','))
				return false;
			params = params || c == ';';
			break;
		case '?':
			if (!seen_angle)
				return false;
			break;
		default:
			/* Parameters after '>' too: their values are tokens,
			 * hosts or quoted strings (RFC 3261 25.1 gen-value). */
			if (!ref_token_char(c) && !isspace(c) &&
			    !ref_uri_mark(c))
				return false;
			mark = mark || (!seen_angle && ref_uri_mark(c));
			if (isspace(c)) {
				in_word = false;
			} else if (!in_word && !seen_angle && !params) {
				in_word = true;
				words++;
			}
		}
		if (!isspace(c))
			prev = (char)c;
	}
	if (!seen_angle && !params && words > 1)
		return false;
	return !quoted && !angle && prev != ';';
}

static void
nameaddr_same(const char *v, size_t n)
{
	for (int list = 0; list < 2; list++)
		if (sip__nameaddr_ok(v, n, list) != ref_nameaddr_ok(v, n, list))
			fail_msg("nameaddr_ok(\"%.*s\", %d): %d, was %d",
			    (int)n, v, list, sip__nameaddr_ok(v, n, list),
			    ref_nameaddr_ok(v, n, list));
}

/* Every header value of every input, then each with one byte replaced
 * by every byte value, then every string of up to 5 characters over an
 * alphabet of the characters the check cares about. */
static void
test_frame_nameaddr(void **state)
{
	static const char abc[] = "<>;,\"\\ ?:@a\t\x80";
	const size_t na = sizeof(abc) - 1;
	char v[1024];
	unsigned long n = 0;

	(void)state;
	for (unsigned i = 0; i < n_inputs; i++) {
		const char *p = inputs[i], *end = p + input_len[i];

		while (p < end) {
			const char *nl = memchr(p, '\n', (size_t)(end - p));
			const char *e = nl ? nl : end, *colon;
			size_t len;

			colon = memchr(p, ':', (size_t)(e - p));
			len = colon ? (size_t)(e - colon - 1) : sizeof(v);
			if (len < sizeof(v)) {
				memcpy(v, colon + 1, len);
				nameaddr_same(v, len);
				for (size_t k = 0; k < len; k += 3)
					for (int b = 0; b < 256; b += 7) {
						char o = v[k];

						v[k] = (char)b;
						nameaddr_same(v, len);
						v[k] = o;
						n++;
					}
			}
			p = e + 1;
		}
	}
	for (size_t len = 0; len <= 5; len++) {
		size_t total = 1;

		for (size_t k = 0; k < len; k++)
			total *= na;
		for (size_t x = 0; x < total; x++, n++) {
			size_t y = x;

			for (size_t k = 0; k < len; k++, y /= na)
				v[k] = abc[y % na];
			nameaddr_same(v, len);
		}
	}
	print_message("%lu values checked\n", n);
}

/* Byte mutations of every input so far: a fixed pseudo-random walk
 * (LL_FRAME_MUTANTS and LL_FRAME_SEED change its length and start),
 * each a byte that matters to the framing, put in place of another or
 * inserted before it. */
static void
test_frame_mutants(void **state)
{
	static const char repl[] = " \t,;:<>\"\r\n0\x7f";
	const char *n_env = getenv("LL_FRAME_MUTANTS");
	const char *seed = getenv("LL_FRAME_SEED");
	unsigned n = n_env ? (unsigned)atoi(n_env) : N_MUTANTS;
	uint64_t x = 0x9e3779b97f4a7c15ull ^ (seed ? strtoull(seed, 0, 0) : 0);
	char *buf = malloc(MAX_IN);

	(void)state;
	assert_non_null(buf);
	assert_true(n_inputs > 0);
	for (unsigned k = 0; k < n; k++) {
		unsigned i;
		size_t len, pos;

		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		i = (unsigned)(x % n_inputs);
		len = input_len[i];
		if (len == 0 || len >= MAX_IN)
			continue;
		pos = (size_t)((x >> 20) % len);
		memcpy(buf, inputs[i], pos);
		memcpy(buf + pos + 1, inputs[i] + pos, len - pos);
		if ((x >> 51) & 1)
			len++;	/* inserted */
		else
			memmove(buf + pos + 1, buf + pos + 2, len - pos - 1);
		buf[pos] = repl[(x >> 40) % (sizeof(repl) - 1)];
		compare("mutant", buf, len, (x >> 50) & 1);
	}
	free(buf);
	print_message("%lu inputs compared both ways\n", compared);
}

static int
free_inputs(void **state)
{
	(void)state;
	for (unsigned i = 0; i < n_inputs; i++)
		free(inputs[i]);
	n_inputs = 0;
	return 0;
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_frame_corpora),
	    cmocka_unit_test(test_frame_shapes),
	    cmocka_unit_test(test_frame_mutants),
	    cmocka_unit_test(test_frame_nameaddr),
	};

	sip__parser_init();
	return cmocka_run_group_tests(tests, NULL, free_inputs);
}
