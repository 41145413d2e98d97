/* sip/check.c's pre-scan checks against the ones they replaced: each
 * reference below is the check as it was at 7e04d9b, and the new one
 * must give the same verdict on every input: every line of the fuzz
 * corpora, crashers and RFC 4475 messages, byte mutations of them
 * (LL_CHECK_MUTANTS, default 20000) and every short string over an
 * alphabet of the bytes the checks care about. */
#include <dirent.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <cmocka.h>

#include "sip/internal.h"

#define MAX_IN 70000
#define N_MUTANTS 20000

static char *inputs[1024];
static size_t input_len[1024];
static unsigned n_inputs;
static unsigned long checked;

/* sip__text_ok() at 7e04d9b. */
static bool
ref_text_ok(const char *v, size_t n)
{
	size_t i = 0;

	for (; i + 8 <= n; i += 8) {
		uint64_t x, y;

		memcpy(&x, v + i, 8);
		y = x ^ 0x7f7f7f7f7f7f7f7full;
		if (((x - 0x2020202020202020ull) & ~x &
		    0x8080808080808080ull) ||
		    ((y - 0x0101010101010101ull) & ~y &
		    0x8080808080808080ull))
			break;
	}
	for (; i < n; i++) {
		unsigned char c = (unsigned char)v[i];

		if (c == '\r' && i + 1 < n && v[i + 1] == '\n')
			continue;
		if (c != '\n' && c != '\t' && (c < 0x20 || c == 0x7f))
			return false;
	}
	return true;
}

/* parse.c's hdr_next() walk at 7e04d9b: the field's end and folds. */
static const char *
ref_field_end(const char *s, const char *end, bool *folded)
{
	const char *e = s;

	*folded = false;
	for (;;) {
		const char *nl = memchr(e, '\n', (size_t)(end - e));

		if (!nl)
			return end;
		e = nl + 1;
		if (e >= end || (*e != ' ' && *e != '\t'))
			return e;
		*folded = true;
	}
}

/* sip__via_ok() at 7e04d9b. */
static bool
ref_via_ok(const char *v, size_t n)
{
	bool sep = true;

	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)v[i];

		if (c == ';' || c == ',') {
			if (sep)
				return false;
			sep = true;
		} else if (!(sip__na_class[c] & SIP__NA_SP)) {
			sep = false;
		}
	}
	return !sep;
}

/* parse.c's hdr_class() at 7e04d9b (then without User-Agent). */
static bool
ref_name_eq(const char *name, size_t len, const char *lower, size_t n)
{
	return len == n && strncasecmp(name, lower, n) == 0;
}

static int
ref_hdr_class(const char *name, size_t len)
{
	if (len == 0)
		return SIP__HC_OTHER;
	switch (name[0] | 0x20) {
	case 'c':
		if (len == 1)
			return SIP__HC_CTYPE;
		if (ref_name_eq(name, len, "call-id", 7))
			return SIP__H_CALLID;
		if (ref_name_eq(name, len, "cseq", 4))
			return SIP__H_CSEQ;
		if (ref_name_eq(name, len, "contact", 7))
			return SIP__HC_CONTACT;
		if (ref_name_eq(name, len, "content-length", 14))
			return SIP__H_CLEN;
		return ref_name_eq(name, len, "content-type", 12) ?
		    SIP__HC_CTYPE : SIP__HC_OTHER;
	case 'd':
		return ref_name_eq(name, len, "date", 4) ? SIP__HC_DATE :
		    SIP__HC_OTHER;
	case 'f':
		return len == 1 || ref_name_eq(name, len, "from", 4) ?
		    SIP__H_FROM : SIP__HC_OTHER;
	case 'i': return len == 1 ? SIP__H_CALLID : SIP__HC_OTHER;
	case 'l': return len == 1 ? SIP__H_CLEN : SIP__HC_OTHER;
	case 'm':
		if (len == 1)
			return SIP__HC_CONTACT;
		return ref_name_eq(name, len, "max-forwards", 12) ?
		    SIP__H_MAXFWD : SIP__HC_OTHER;
	case 'r':
		return ref_name_eq(name, len, "route", 5) ||
		    ref_name_eq(name, len, "record-route", 12) ?
		    SIP__HC_ROUTE : SIP__HC_OTHER;
	case 't':
		return len == 1 || ref_name_eq(name, len, "to", 2) ?
		    SIP__H_TO : SIP__HC_OTHER;
	case 'v':
		return len == 1 || ref_name_eq(name, len, "via", 3) ?
		    SIP__HC_VIA : SIP__HC_OTHER;
	default: return SIP__HC_OTHER;
	}
}

/* The class of the name [s, s + n) both ways; User-Agent is new. */
static void
class_same(const char *s, size_t n)
{
	int c = sip__hdr_class(s, n), r = ref_hdr_class(s, n);

	if (ref_name_eq(s, n, "user-agent", 10) ? c != SIP__HC_UA ||
	    r != SIP__HC_OTHER : c != r)
		fail_msg("hdr_class(\"%.*s\"): %d, was %d", (int)n, s, c, r);
}

/* The field from s to end both ways; then its value (after a colon)
 * through the value checks. */
static void
field_same(const char *s, const char *end)
{
	unsigned flags;
	bool folded;
	const char *e = sip__field_end(s, end, &flags);
	const char *r = ref_field_end(s, end, &folded), *colon;
	size_t n;
	bool ctl = !ref_text_ok(s, (size_t)(r - s));

	if (e != r || !!(flags & SIP__FIELD_FOLDED) != folded ||
	    !!(flags & SIP__FIELD_CTL) != ctl)
		fail_msg("field_end(\"%.*s\"): %td %u, was %td %d %d",
		    (int)(end - s), s, e - s, flags, r - s, folded, ctl);
	n = (size_t)(end - s) < 300 ? (size_t)(end - s) : 300;
	if (sip__text_ok(s, n) != ref_text_ok(s, n))
		fail_msg("text_ok(\"%.*s\") changed", (int)n, s);
	colon = memchr(s, ':', (size_t)(r - s));
	class_same(s, colon ? (size_t)(colon - s) : (size_t)(r - s));
	colon = colon ? colon + 1 : s;
	if (sip__via_ok(colon, (size_t)(r - colon)) !=
	    ref_via_ok(colon, (size_t)(r - colon)))
		fail_msg("via_ok(\"%.*s\"): %d", (int)(r - colon), colon,
		    ref_via_ok(colon, (size_t)(r - colon)));
	checked++;
}

/* Every line start of buf (and every tenth byte: a field may start
 * anywhere once a mutation moved a line end). */
static void
buf_same(const char *buf, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if (i == 0 || buf[i - 1] == '\n' || i % 10 == 0)
			field_same(buf + i, buf + len);
}

static void
add_file(const char *path)
{
	FILE *f = fopen(path, "rb");
	char *buf = malloc(MAX_IN);

	assert_non_null(f);
	assert_non_null(buf);
	input_len[n_inputs] = fread(buf, 1, MAX_IN, f);
	inputs[n_inputs++] = buf;
	fclose(f);
}

static unsigned
add_dir(const char *dir)
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
	while ((e = readdir(d)) && n_inputs < ARRAY_SIZE(inputs)) {
		if (e->d_name[0] == '.' || strstr(e->d_name, ".md") ||
		    strstr(e->d_name, ".tsv") || strstr(e->d_name, "SUMS"))
			continue;
		snprintf(file, sizeof(file), "%s/%s", path, e->d_name);
		add_file(file);
		n++;
	}
	closedir(d);
	return n;
}

static void
test_check_corpora(void **state)
{
	unsigned n;

	(void)state;
	n = add_dir("tests/fuzz/corpus/sip");
	n += add_dir("tests/fuzz/crashers/sip");
	n += add_dir("tests/fuzz/corpus/b2b");
	n += add_dir("tests/fuzz/crashers/b2b");
	n += add_dir("../shared/testdata/rfc4475");
	assert_true(n > 300);
	for (unsigned i = 0; i < n_inputs; i++)
		buf_same(inputs[i], input_len[i]);
}

/* A fixed pseudo-random walk of byte mutations (LL_CHECK_MUTANTS and
 * LL_CHECK_SEED change its length and start): a byte the checks care
 * about put in place of another or inserted before it. */
static void
test_check_mutants(void **state)
{
	static const char repl[] = " \t,;:<>\"\r\n\x01\x7f\x80\f";
	const char *n_env = getenv("LL_CHECK_MUTANTS");
	const char *seed = getenv("LL_CHECK_SEED");
	unsigned long n = n_env ? strtoul(n_env, NULL, 0) : N_MUTANTS;
	uint64_t x = 0x9e3779b97f4a7c15ull ^ (seed ? strtoull(seed, 0, 0) : 0);
	char *buf = malloc(MAX_IN + 1);

	(void)state;
	assert_non_null(buf);
	assert_true(n_inputs > 0);
	for (unsigned long k = 0; k < n; k++) {
		size_t len, pos, from;
		unsigned i;

		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		i = (unsigned)(x % n_inputs);
		len = input_len[i];
		if (len == 0)
			continue;
		pos = (size_t)((x >> 20) % len);
		memcpy(buf, inputs[i], len);
		if ((x >> 51) & 1) {
			memmove(buf + pos + 1, buf + pos, len - pos);
			len++;
		}
		buf[pos] = repl[(x >> 40) % (sizeof(repl) - 1)];
		/* The lines around the mutation. */
		from = pos > 200 ? pos - 200 : 0;
		while (from > 0 && buf[from - 1] != '\n')
			from--;
		for (size_t j = from; j < len && j <= pos + 200; j++)
			if (j == from || buf[j - 1] == '\n' || j == pos)
				field_same(buf + j, buf + len);
	}
	free(buf);
}

/* Every header name libosip2 or the pre-scan knows, each byte of it
 * replaced by every byte value, and cut at every length. */
static void
test_check_names(void **state)
{
	static const char *const names[] = {"call-id", "cseq", "contact",
	    "content-length", "content-type", "date", "from", "max-forwards",
	    "route", "record-route", "to", "via", "user-agent", "c", "f", "i",
	    "l", "m", "t", "v", "u", "Content-Encoding", "Call-Info",
	    "Record-Routes", "Vias", "T0", "Max_Forwards"};
	char v[32];

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(names); i++) {
		size_t n = strlen(names[i]);

		for (size_t k = 0; k < n; k++)
			for (int b = 0; b < 256; b++) {
				memcpy(v, names[i], n);
				v[k] = (char)b;
				class_same(v, n);
				class_same(v, k + 1);
			}
	}
}

/* Every string of up to 6 bytes over an alphabet of what the checks
 * tell apart. */
static void
test_check_alphabet(void **state)
{
	static const char abc[] = "\r\n\t ;,:a\x01\x7f\x80";
	const size_t na = sizeof(abc) - 1;
	char v[16];

	(void)state;
	for (size_t len = 0; len <= 6; len++) {
		size_t total = 1;

		for (size_t k = 0; k < len; k++)
			total *= na;
		for (size_t x = 0; x < total; x++) {
			size_t y = x;

			for (size_t k = 0; k < len; k++, y /= na)
				v[k] = abc[y % na];
			field_same(v, v + len);
		}
	}
	/* Longer runs: the word-at-a-time paths and their tails, with one
	 * byte of the alphabet or two anywhere in them. */
	for (size_t len = 8; len <= 40; len++)
		for (size_t pos = 0; pos < len; pos++)
			for (size_t b = 0; b < na; b++) {
				char big[48];

				memset(big, 'a', len);
				big[pos] = abc[b];
				field_same(big, big + len);
				for (size_t q = pos + 1; len <= 24 && q < len;
				    q++)
					for (size_t b2 = 0; b2 < na; b2++) {
						big[q] = abc[b2];
						field_same(big, big + len);
						big[q] = 'a';
					}
			}
	print_message("%lu fields checked\n", checked);
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
	    cmocka_unit_test(test_check_corpora),
	    cmocka_unit_test(test_check_mutants),
	    cmocka_unit_test(test_check_names),
	    cmocka_unit_test(test_check_alphabet),
	};

	return cmocka_run_group_tests(tests, NULL, free_inputs);
}
