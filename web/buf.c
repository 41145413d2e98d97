/* Byte buffers and the small text helpers of requests: query strings,
 * cookies, percent-decoding, escaping for XML and CSV. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "web/internal.h"

void
web__buf_free(struct web_buf *b)
{
	free(b->p);
	memset(b, 0, sizeof(*b));
}

static bool
buf_reserve(struct web_buf *b, size_t more)
{
	size_t need, cap;
	char *p;

	if (b->oom)
		return false;
	need = b->len + more + 1;
	if (need <= b->cap)
		return true;
	cap = b->cap ? b->cap : 256;
	while (cap < need)
		cap *= 2;
	p = realloc(b->p, cap);
	if (!p) {
		b->oom = true;
		return false;
	}
	b->p = p;
	b->cap = cap;
	return true;
}

void
web__buf_add(struct web_buf *b, const void *data, size_t len)
{
	if (!buf_reserve(b, len))
		return;
	memcpy(b->p + b->len, data, len);
	b->len += len;
	b->p[b->len] = '\0';
}

void
web__buf_str(struct web_buf *b, const char *s)
{
	web__buf_add(b, s, strlen(s));
}

void
web__buf_printf(struct web_buf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0 || !buf_reserve(b, (size_t)n))
		return;
	va_start(ap, fmt);
	vsnprintf(b->p + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
}

void
web__buf_xml(struct web_buf *b, const char *s)
{
	for (; *s; s++) {
		switch (*s) {
		case '<': web__buf_str(b, "&lt;"); break;
		case '>': web__buf_str(b, "&gt;"); break;
		case '&': web__buf_str(b, "&amp;"); break;
		case '"': web__buf_str(b, "&quot;"); break;
		case '\'': web__buf_str(b, "&apos;"); break;
		default: web__buf_add(b, s, 1); break;
		}
	}
}

void
web__buf_csv(struct web_buf *b, const char *s)
{
	/* RFC 4180 2.6/2.7: quote fields holding separators, quotes or line
	 * breaks; double the quotes inside. A leading = + - @ is prefixed
	 * with ' so that spreadsheets do not run it as a formula. */
	bool quote = strpbrk(s, ",\"\r\n") != NULL;
	bool formula = *s == '=' || *s == '+' || *s == '-' || *s == '@';

	if (quote)
		web__buf_add(b, "\"", 1);
	if (formula)
		web__buf_add(b, "'", 1);
	for (; *s; s++) {
		if (*s == '"')
			web__buf_add(b, "\"", 1);
		web__buf_add(b, s, 1);
	}
	if (quote)
		web__buf_add(b, "\"", 1);
}

static int
hex_val(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int
web__url_decode(char *s)
{
	char *w = s;

	for (const char *p = s; *p; p++) {
		if (*p == '+') {
			*w++ = ' ';
		} else if (*p == '%') {
			int hi = hex_val(p[1]);
			int lo = hi < 0 ? -1 : hex_val(p[2]);

			if (lo < 0 || (hi == 0 && lo == 0))
				return -EBADMSG;
			*w++ = (char)(hi << 4 | lo);
			p += 2;
		} else {
			*w++ = *p;
		}
	}
	*w = '\0';
	return 0;
}

int
web__query_get(const char *query, const char *key, char *out, size_t len)
{
	size_t klen = strlen(key);

	for (const char *p = query; p && *p;) {
		const char *end = strchr(p, '&');
		size_t n = end ? (size_t)(end - p) : strlen(p);

		if (n > klen && strncmp(p, key, klen) == 0 && p[klen] == '=') {
			size_t vlen = n - klen - 1;

			if (vlen >= len)
				return -ENOSPC;
			memcpy(out, p + klen + 1, vlen);
			out[vlen] = '\0';
			if (web__url_decode(out) < 0)
				return -EBADMSG;
			return (int)strlen(out);
		}
		p = end ? end + 1 : NULL;
	}
	return -ENOENT;
}

int
web__cookie_get(const char *header, const char *name, char *out, size_t len)
{
	size_t nlen = strlen(name);
	const char *p = header;

	/* RFC 6265 5.4: "name=value" pairs separated by "; ". */
	while (p && *p) {
		const char *end;
		size_t vlen;

		while (*p == ' ' || *p == ';')
			p++;
		end = strchr(p, ';');
		if (strncmp(p, name, nlen) == 0 && p[nlen] == '=') {
			p += nlen + 1;
			vlen = end ? (size_t)(end - p) : strlen(p);
			while (vlen && p[vlen - 1] == ' ')
				vlen--;
			if (vlen >= len)
				return -ENOSPC;
			memcpy(out, p, vlen);
			out[vlen] = '\0';
			return 0;
		}
		p = end;
	}
	return -ENOENT;
}

bool
web__secret_equal(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	unsigned char diff = la != lb;

	/* Time depends on the length of b (ours) only. */
	for (size_t i = 0; i < lb; i++)
		diff |= (unsigned char)(a[i < la ? i : 0] ^ b[i]);
	return diff == 0 && la > 0;
}
