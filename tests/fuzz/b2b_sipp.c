/* SIPp's keywords for fuzz_b2b (see fuzz_b2b.c and b2b_sipp.h): a
 * message of the input answers what linelock last sent to its peer,
 * the way a SIPp scenario does. */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "tests/fuzz/b2b_sipp.h"
#include "util.h"

const void *
fb_find(const void *h, size_t n, const char *needle, size_t nlen)
{
	const char *p = h;

	for (size_t i = 0; i + nlen <= n; i++)
		if (p[i] == needle[0] && memcmp(p + i, needle, nlen) == 0)
			return p + i;
	return NULL;
}

void
fb_put(struct fb_buf *o, const char *s, size_t n)
{
	if (n > FB_MAX_MSG - o->n)
		n = FB_MAX_MSG - o->n;
	memcpy(o->p + o->n, s, n);
	o->n += n;
}

/* The header section's lines of msg, one by one: *line and its length
 * (no CRLF); false after the blank line or the end. */
static bool
fb_next_line(const char **cur, const char **line, size_t *len)
{
	const char *p = *cur, *e;

	if (!p || !*p)
		return false;
	e = strstr(p, "\r\n");
	*line = p;
	*len = e ? (size_t)(e - p) : strlen(p);
	*cur = e ? e + 2 : p + *len;
	return *len > 0;
}

/* The value of a "Name: value" line when its name is `name`, or NULL. */
static const char *
fb_line_value(const char *line, size_t len, const char *name, size_t nlen,
    size_t *vlen)
{
	size_t i = nlen;

	if (len <= nlen || strncasecmp(line, name, nlen) != 0)
		return NULL;
	while (i < len && (line[i] == ' ' || line[i] == '\t'))
		i++;
	if (i >= len || line[i] != ':')
		return NULL;
	for (i++; i < len && (line[i] == ' ' || line[i] == '\t'); i++)
		;
	*vlen = len - i;
	return line + i;
}

/* [last_Name:]: every line of that header in msg, CRLF between them. */
static void
fb_kw_last(struct fb_buf *o, const char *msg, const char *name, size_t nlen)
{
	const char *cur = msg, *line, *v;
	size_t len, vlen;
	bool first = true;

	/* The start line is not a header. */
	if (!fb_next_line(&cur, &line, &len))
		return;
	while (fb_next_line(&cur, &line, &len)) {
		if (!(v = fb_line_value(line, len, name, nlen, &vlen)))
			continue;
		if (!first)
			fb_put(o, "\r\n", 2);
		fb_put(o, line, len);
		first = false;
	}
}

/* The first value of header `name` in msg, or NULL. */
static const char *
fb_header(const char *msg, const char *name, size_t *vlen)
{
	const char *cur = msg, *line, *v;
	size_t len;

	if (!fb_next_line(&cur, &line, &len))
		return NULL;
	while (fb_next_line(&cur, &line, &len))
		if ((v = fb_line_value(line, len, name, strlen(name), vlen)))
			return v;
	return NULL;
}

/* [peer_tag_param]: ";tag=..." of msg's To header. */
static void
fb_kw_tag(struct fb_buf *o, const char *msg)
{
	size_t vlen, i;
	const char *v = fb_header(msg, "To", &vlen);

	for (i = 0; v && i + 5 <= vlen; i++) {
		if (strncasecmp(v + i, ";tag=", 5) != 0)
			continue;
		size_t e = i + 5;

		while (e < vlen && v[e] != ';' && v[e] != '>' && v[e] != ' ')
			e++;
		fb_put(o, v + i, e - i);
		return;
	}
}

/* [next_url]: msg's Contact URI, as SIPp takes it for in-dialog
 * requests (without the angle brackets). */
static void
fb_kw_next_url(struct fb_buf *o, const char *msg)
{
	size_t vlen, s, e;
	const char *v = fb_header(msg, "Contact", &vlen);

	if (!v) {
		fb_put(o, "sip:unknown@127.0.0.1", 21);
		return;
	}
	for (s = 0; s < vlen && v[s] != '<'; s++)
		;
	if (s == vlen) {
		for (e = 0; e < vlen && v[e] != ';' && v[e] != ' '; e++)
			;
		fb_put(o, v, e);
		return;
	}
	for (e = ++s; e < vlen && v[e] != '>'; e++)
		;
	fb_put(o, v + s, e - s);
}

/* [routes]: the route set from msg's Record-Route, in reverse (RFC 3261
 * 12.1.2, the UAC's view), as one Route header; nothing without one. */
static void
fb_kw_routes(struct fb_buf *o, const char *msg)
{
	const char *cur = msg, *line, *v, *vals[16];
	size_t len, vlen, lens[16], n = 0;

	if (!fb_next_line(&cur, &line, &len))
		return;
	while (n < ARRAY_SIZE(vals) && fb_next_line(&cur, &line, &len)) {
		if (!(v = fb_line_value(line, len, "Record-Route", 12, &vlen)))
			continue;
		vals[n] = v;
		lens[n++] = vlen;
	}
	if (n == 0)
		return;
	fb_put(o, "Route: ", 7);
	while (n-- > 0) {
		fb_put(o, vals[n], lens[n]);
		if (n)
			fb_put(o, ", ", 2);
	}
}

/* One keyword at s (which starts with '['); returns its length, or 0
 * when it is none of ours (the '[' is then copied as it is). */
static size_t
fb_keyword(struct fb_buf *o, const char *s, size_t n, const char *msg,
    size_t *len_at)
{
	const char *end = memchr(s, ']', n < 80 ? n : 80);
	size_t kl;

	if (!end)
		return 0;
	kl = (size_t)(end - s) + 1;
	if (kl > 8 && strncmp(s, "[last_", 6) == 0 && end[-1] == ':') {
		if (msg)
			fb_kw_last(o, msg, s + 6, kl - 8);
	} else if (kl == 16 && strncmp(s, "[peer_tag_param]", kl) == 0) {
		if (msg)
			fb_kw_tag(o, msg);
	} else if (kl == 10 && strncmp(s, "[next_url]", kl) == 0) {
		fb_kw_next_url(o, msg ? msg : "");
	} else if (kl == 8 && strncmp(s, "[routes]", kl) == 0) {
		if (msg)
			fb_kw_routes(o, msg);
	} else if (kl == 5 && strncmp(s, "[len]", kl) == 0) {
		if (*len_at == SIZE_MAX)
			*len_at = o->n;
	} else {
		return 0;
	}
	return kl;
}

void
fb_expand(struct fb_buf *o, const char *s, size_t n, const char *msg)
{
	size_t len_at = SIZE_MAX, i = 0, body;
	char num[12];
	const char *hdr_end;
	int k;

	while (i < n) {
		const char *b = memchr(s + i, '[', n - i);
		size_t plain = b ? (size_t)(b - (s + i)) : n - i, kl;

		fb_put(o, s + i, plain);
		i += plain;
		if (i == n)
			break;
		size_t at = o->n;
		bool bol = at == 0 || o->p[at - 1] == '\n';

		kl = fb_keyword(o, s + i, n - i, msg, &len_at);
		if (kl == 0) {
			fb_put(o, s + i, 1);
			kl = 1;
		}
		i += kl;
		/* As SIPp does, a line that was only a keyword and came out
		 * empty goes: it would end the header section early. */
		if (bol && o->n == at && len_at != at && n - i >= 2 &&
		    s[i] == '\r' && s[i + 1] == '\n')
			i += 2;
	}
	if (len_at == SIZE_MAX)
		return;
	hdr_end = fb_find(o->p, o->n, "\r\n\r\n", 4);
	body = hdr_end ? o->n - (size_t)(hdr_end + 4 - o->p) : 0;
	k = snprintf(num, sizeof(num), "%zu", body);
	if (o->n + (size_t)k > FB_MAX_MSG)
		return;
	memmove(o->p + len_at + k, o->p + len_at, o->n - len_at);
	memcpy(o->p + len_at, num, (size_t)k);
	o->n += (size_t)k;
}
