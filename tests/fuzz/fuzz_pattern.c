/* Fuzz target: the number-pattern compiler (pol_patterns_new(), the DFA
 * built whenever a list changes) and its matcher, against a plain
 * reference matcher written from pol.h's description of the language.
 *
 * Input: lines. A line starting with '?' is a dialled number to match;
 * every other line is a pattern of the set (at most 64 of them). Oracles:
 *   - a set compiles iff every pattern passes pol_pattern_check(), and a
 *     refusal names the first bad pattern;
 *   - pol_patterns_match() finds a pattern iff the reference matcher
 *     finds one (an empty number matches nothing, not even "!"), and the one it reports is the most specific of them
 *     (no tail, then more positions, then narrower sets, then earlier);
 *   - nothing crashes, leaks or reads out of bounds. */
#include <assert.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "policy/pol.h"
#include "tests/fuzz/fuzz.h"

#define FZ_MAX_PATS 64
#define FZ_MAX_NUMS 16
#define FZ_LINE_MAX 80

/* A pattern as the reference understands it. */
struct fz_pat {
	unsigned short set[STORE_PATTERN_MAX];	/* bit per symbol */
	int n;
	int tail;		/* 0 none, 1 '.', 2 '!' */
	int width;		/* sum of set sizes */
};

/* 0-9 -> 0-9, '*' 10, '#' 11, '+' 12, else -1. */
static int
fz_sym(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	return c == '*' ? 10 : c == '#' ? 11 : c == '+' ? 12 : -1;
}

static int
fz_popcount(unsigned v)
{
	int n = 0;

	for (; v; v &= v - 1)
		n++;
	return n;
}

/* Parses a pattern pol_pattern_check() accepted; false if the reference
 * reads the language differently (a finding too). */
static bool
fz_parse(const char *s, struct fz_pat *p)
{
	memset(p, 0, sizeof(*p));
	for (int i = 0; s[i]; i++) {
		unsigned short m = 0;
		int c = s[i];

		if ((c == '.' || c == '!') && !s[i + 1]) {
			p->tail = c == '.' ? 1 : 2;
			break;
		}
		if (c == 'X' || c == 'x')
			m = 0x3ff;
		else if (c == 'Z' || c == 'z')
			m = 0x3fe;
		else if (c == 'N' || c == 'n')
			m = 0x3fc;
		else if (c == '+' && i == 0)
			m = 1u << 12;
		else if (c == '[') {
			for (i++; s[i] && s[i] != ']'; i++) {
				int lo = s[i] - '0', hi = lo;

				if (lo < 0 || lo > 9)
					return false;
				if (s[i + 1] == '-') {
					hi = s[i + 2] - '0';
					i += 2;
				}
				for (int d = lo; d <= hi; d++)
					m |= (unsigned short)(1u << d);
			}
			if (!s[i])
				return false;
		} else if (fz_sym(c) >= 0 && c != '+')
			m = (unsigned short)(1u << fz_sym(c));
		else
			return false;
		if (!m || p->n >= STORE_PATTERN_MAX)
			return false;
		p->width += fz_popcount(m);
		p->set[p->n++] = m;
	}
	return true;
}

static bool
fz_match(const struct fz_pat *p, const char *num)
{
	int len = (int)strlen(num);

	if (len < p->n || (p->tail == 0 && len != p->n) ||
	    (p->tail == 1 && len == p->n))
		return false;
	for (int i = 0; i < len; i++) {
		int c = fz_sym((unsigned char)num[i]);

		if (c < 0)
			return false;
		if (i < p->n && !(p->set[i] >> c & 1))
			return false;
	}
	return true;
}

/* True when pattern a is more specific than b (pol.h's order). */
static bool
fz_beats(const struct fz_pat *a, int ia, const struct fz_pat *b, int ib)
{
	if ((a->tail == 0) != (b->tail == 0))
		return a->tail == 0;
	if (a->n != b->n)
		return a->n > b->n;
	if (a->width != b->width)
		return a->width < b->width;
	return ia < ib;
}

static void
fz_check_numbers(const struct pol_patterns *set, const struct fz_pat *ref,
    size_t n, char (*nums)[FZ_LINE_MAX + 1], size_t n_nums)
{
	for (size_t k = 0; k < n_nums; k++) {
		int got = pol_patterns_match(set, nums[k]), best = -1;

		/* No number never matches, not even "!": pol_decide() refuses
		 * an empty dialled number before any list is consulted. */
		if (!nums[k][0]) {
			assert(got == -ENOENT);
			continue;
		}
		for (size_t i = 0; i < n; i++)
			if (fz_match(&ref[i], nums[k]) && (best < 0 ||
			    fz_beats(&ref[i], (int)i, &ref[best], best)))
				best = (int)i;
		assert(got == (best < 0 ? -ENOENT : best));
	}
}

static void
fz_run(char (*pats)[FZ_LINE_MAX + 1], size_t n,
    char (*nums)[FZ_LINE_MAX + 1], size_t n_nums)
{
	const char *ptrs[FZ_MAX_PATS] = {NULL};	/* gcc -O1: "maybe unset" */
	struct fz_pat ref[FZ_MAX_PATS];
	struct pol_pattern_error err = {0, 0, NULL};
	struct pol_patterns *set = NULL;
	size_t first_bad = n;
	int rc;

	for (size_t i = 0; i < n; i++) {
		ptrs[i] = pats[i];
		if (pol_pattern_check(pats[i], NULL) < 0) {
			if (first_bad == n)
				first_bad = i;
		} else {
			assert(fz_parse(pats[i], &ref[i]));
		}
	}
	rc = pol_patterns_new(&set, ptrs, n, &err);
	if (rc == -EINVAL) {
		assert(first_bad < n && err.index == first_bad && err.msg);
		return;
	}
	if (rc == -E2BIG || rc == -ENOMEM)
		return;
	assert(rc == 0 && first_bad == n);
	assert(pol_patterns_count(set) == n);
	for (size_t i = 0; i < n; i++)
		assert(strcmp(pol_patterns_text(set, i), pats[i]) == 0);
	fz_check_numbers(set, ref, n, nums, n_nums);
	pol_patterns_free(set);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char pats[FZ_MAX_PATS][FZ_LINE_MAX + 1];
	static char nums[FZ_MAX_NUMS][FZ_LINE_MAX + 1];
	size_t n = 0, n_nums = 0, i = 0;

	while (i < size) {
		const uint8_t *nl = memchr(data + i, '\n', size - i);
		size_t len = (nl ? (size_t)(nl - data) : size) - i;
		const char *line = (const char *)data + i;

		i += len + 1;
		if (len > FZ_LINE_MAX || memchr(line, '\0', len))
			return 0;
		if (len > 0 && line[0] == '?') {
			if (n_nums == FZ_MAX_NUMS)
				return 0;
			memcpy(nums[n_nums], line + 1, len - 1);
			nums[n_nums++][len - 1] = '\0';
		} else {
			if (n == FZ_MAX_PATS)
				return 0;
			memcpy(pats[n], line, len);
			pats[n++][len] = '\0';
		}
	}
	fz_run(pats, n, nums, n_nums);
	return 0;
}

void
fuzz_teardown(void)
{
}
