/* The shape checks parse.c's pre-scan makes on a message's raw text
 * before libosip2 sees it, and the character table they share with the
 * scan itself: what RFC 3261 25.1 (and RFC 4475's torture messages)
 * refuse but libosip2 would take. Each answers yes or no; parse.c turns
 * a no into "400 <what>" or a silent drop. */
#include <ctype.h>
#include <stdint.h>
#include <string.h>
#include <strings.h>

#include "sip/internal.h"

/* Character classes for the checks below and parse.c's scan (RFC 3261
 * 25.1): SIP__NA_* in internal.h. */
const unsigned char sip__na_class[256] = {
	0, 0, 0, 0, 0, 0, 0, 0, 0, 2, 2, 2, 2, 2, 0, 0,	/* 00 */
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,	/* 10 */
	2, 9, 8, 12, 12, 9, 12, 9, 8, 8, 9, 9, 8, 9, 9, 12,	/* 20 */
	9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 12, 0, 0, 12, 0, 8,	/* 30 */
	12, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9,	/* 40 */
	9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 12, 8, 12, 8, 9,	/* 50 */
	9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9,	/* 60 */
	9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 8, 8, 8, 9, 0,	/* 70 */
	/* 0x80-0xff: none */
};

/* From, To, Contact, Route, Record-Route: a display name before '<'
 * is a quoted string or tokens (RFC 3261 25.1 name-addr; no ':', so
 * "tel: <sip:a@b>" is neither form), an addr-spec in <> has no
 * whitespace, nor has one without <> before its parameters ("sip:a@b c"
 * is neither form either), an addr-spec without <> carries no '?'
 * headers (RFC 3261 20.10), no parameter is empty and none holds what
 * no token, host or quoted string may ("tag=4Record-Route: <sip:"). */
bool
sip__nameaddr_ok(const char *v, size_t n, bool list)
{
	bool quoted = false, angle = false, seen_angle = false, mark = false;
	bool in_word = false, params = false;
	unsigned words = 0;	/* before '<' or the first ';' */
	char prev = ',';

	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)v[i], cl;

		if (quoted) {
			/* A quoted string's plain run in one go. */
			while (c != '"' && c != '\\' && ++i < n)
				c = (unsigned char)v[i];
			if (i == n)
				break;
			if (c == '\\' && i + 1 < n)
				i++;
			else if (c == '"')
				quoted = false;
			continue;
		}
		if (angle) {
			/* So is the URI's, most of the header. */
			while ((sip__na_class[c] & SIP__NA_URI) && ++i < n)
				c = (unsigned char)v[i];
			if (i == n)
				break;
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
		cl = sip__na_class[c];
		if (seen_angle && (cl & (SIP__NA_TOK | SIP__NA_MARK))) {
			/* After the <>, a parameter's name or value in one
			 * go (";tag=..."): nothing in it but the last byte
			 * changes the state. */
			while (i + 1 < n && (sip__na_class[(unsigned char)
			    v[i + 1]] & (SIP__NA_TOK | SIP__NA_MARK)))
				i++;
			prev = v[i];
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
			if (!(cl & (SIP__NA_TOK | SIP__NA_SP | SIP__NA_MARK)))
				return false;
			mark = mark || (!seen_angle && (cl & SIP__NA_MARK));
			if (cl & SIP__NA_SP) {
				in_word = false;
			} else if (!in_word && !seen_angle && !params) {
				in_word = true;
				words++;
			}
		}
		if (!(cl & SIP__NA_SP))
			prev = (char)c;
	}
	if (!seen_angle && !params && words > 1)
		return false;
	return !quoted && !angle && prev != ';';
}

/* Eight bytes of a name against a lower-case literal's: x | 0x20 is a
 * lower-case letter only for that letter's two cases, and the mask puts
 * 0x20 only where the literal has a letter (bit 0x40: not at '-'). */
static inline bool
name_eq8(const char *name, const char *lower)
{
	uint64_t x, l;

	memcpy(&x, name, 8);
	memcpy(&l, lower, 8);
	return (x | ((l & 0x4040404040404040ull) >> 1)) == l;
}

static inline bool
name_eq4(const char *name, const char *lower)
{
	uint32_t x, l;

	memcpy(&x, name, 4);
	memcpy(&l, lower, 4);
	return (x | ((l & 0x40404040u) >> 1)) == l;
}

/* Compares a header name with a lower-case literal of letters and '-',
 * as strncasecmp() would, in two overlapping words: byte by byte or the
 * library call was most of hdr_class(). */
static inline __attribute__((always_inline)) bool
name_eq(const char *s, size_t len, const char *lower, size_t n)
{
	if (len != n)
		return false;
	if (n >= 8)
		return name_eq8(s, lower) && name_eq8(s + n - 8, lower + n - 8);
	if (n >= 4)
		return name_eq4(s, lower) && name_eq4(s + n - 4, lower + n - 4);
	for (size_t i = 0; i < n; i++)
		if ((((unsigned char)s[i]) | 0x20) != (unsigned char)lower[i])
			return false;	/* "to", "via": letters only */
	return true;
}

/* The class from one switch on the first letter and one comparison:
 * the 40 name tests per field it replaced were 5% of a relayed call. */
int
sip__hdr_class(const char *name, size_t len)
{
	if (len == 0)
		return SIP__HC_OTHER;
	switch (name[0] | 0x20) {	/* no non-letter lands on a case */
	case 'c':
		if (len == 1)
			return SIP__HC_CTYPE;
		if (name_eq(name, len, "call-id", 7))
			return SIP__H_CALLID;
		if (name_eq(name, len, "cseq", 4))
			return SIP__H_CSEQ;
		if (name_eq(name, len, "contact", 7))
			return SIP__HC_CONTACT;
		if (name_eq(name, len, "content-length", 14))
			return SIP__H_CLEN;
		return name_eq(name, len, "content-type", 12) ? SIP__HC_CTYPE :
		    SIP__HC_OTHER;
	case 'd':
		return name_eq(name, len, "date", 4) ? SIP__HC_DATE :
		    SIP__HC_OTHER;
	case 'f':
		return len == 1 || name_eq(name, len, "from", 4) ?
		    SIP__H_FROM : SIP__HC_OTHER;
	case 'i': return len == 1 ? SIP__H_CALLID : SIP__HC_OTHER;
	case 'l': return len == 1 ? SIP__H_CLEN : SIP__HC_OTHER;
	case 'm':
		if (len == 1)
			return SIP__HC_CONTACT;
		return name_eq(name, len, "max-forwards", 12) ? SIP__H_MAXFWD :
		    SIP__HC_OTHER;
	case 'r':
		return name_eq(name, len, "route", 5) ||
		    name_eq(name, len, "record-route", 12) ? SIP__HC_ROUTE :
		    SIP__HC_OTHER;
	case 't':
		return len == 1 || name_eq(name, len, "to", 2) ? SIP__H_TO :
		    SIP__HC_OTHER;
	case 'u':
		return name_eq(name, len, "user-agent", 10) ? SIP__HC_UA :
		    SIP__HC_OTHER;
	case 'v':
		return len == 1 || name_eq(name, len, "via", 3) ? SIP__HC_VIA :
		    SIP__HC_OTHER;
	default: return SIP__HC_OTHER;
	}
}

/* [p, end) is empty or white space only. */
static bool
all_blank(const char *p, const char *end)
{
	while (end > p && (sip__na_class[(unsigned char)end[-1]] & SIP__NA_SP))
		end--;
	return end == p;
}

/* A Via list: no empty element, no empty parameter (RFC 4475 3.1.2.1):
 * something not blank before the first separator (';' or ','), between
 * each two and after the last. memchr() finds them: a byte at a time
 * was 2% of a relayed call, a Via holding two or three. */
bool
sip__via_ok(const char *v, size_t n)
{
	const char *end = v + n, *from = v;
	const char *semi = memchr(v, ';', n), *comma = memchr(v, ',', n);

	while (semi || comma) {
		const char *sep = semi && (!comma || semi < comma) ? semi :
		    comma;

		if (all_blank(from, sep))
			return false;
		from = sep + 1;
		if (sep == semi)
			semi = memchr(from, ';', (size_t)(end - from));
		else
			comma = memchr(from, ',', (size_t)(end - from));
	}
	return !all_blank(from, end);
}

/* RFC 3261 25.1: SIP-date is rfc1123-date, always in GMT. */
bool
sip__date_ok(const char *v, size_t n)
{
	return n > 4 && memcmp(v + n - 4, " GMT", 4) == 0;
}

/* libosip2 5.3 leaks the first Content-Type of a MIME body part that
 * carries two (osip_body_set_contenttype() overwrites it): one message
 * would cost the daemon ~40 bytes for good. Such a body never reaches
 * libosip2. Conservative: any body line beginning "Content-Type" (any
 * case, after blanks) counts, and each "--" line starts a new part. A
 * bare CR ends a line as LF does: libosip2 reads a part's headers so (a
 * million test_frame mutations found a leak behind one). */
bool
sip__mime_ok(const char *p, size_t len)
{
	const char *end = p + len;
	unsigned n = 0;

	while (p < end) {
		const char *e = p;

		while (e < end && *e != '\n' && *e != '\r')
			e++;
		if (e - p >= 2 && p[0] == '-' && p[1] == '-')
			n = 0;
		while (p < e && (*p == ' ' || *p == '\t'))
			p++;
		if (e - p >= 12 && strncasecmp(p, "content-type", 12) == 0 &&
		    ++n > 1)
			return false;
		p = e < end ? e + 1 : end;
	}
	return true;
}

/* A message the pre-scan refuses (a control character, a line without
 * a colon) may be one libosip2 frames otherwise: its LWS rewrite joins
 * lines at a bare CR, and a Content-Type we skipped as malformed may be
 * one to it. If its headers say "multipart" anywhere, sip__mime_ok() cannot
 * vouch for the body (tests/unit/sip/test_frame.c found one leaking). */
bool
sip__maybe_multipart(const char *p, size_t n)
{
	for (const char *e = p + n; (size_t)(e - p) >= 9; p++)
		if ((*p | 0x20) == 'm' && strncasecmp(p, "multipart", 9) == 0)
			return true;
	return false;
}

/* The bytes RFC 3261 25.1 keeps out of header text, eight at a time:
 * bit 7 of each byte of the result is set where that byte of x is below
 * 0x20 or is 0x7f (a UTF-8 byte, 0x80 and up, is text). Exact for each
 * byte, no borrow running between them: the low seven bits plus 0x60
 * reach bit 7 from 0x20 up, plus 1 only at 0x7f. */
static inline uint64_t
ctl_bytes(uint64_t x)
{
	uint64_t t = x & 0x7f7f7f7f7f7f7f7full;

	return (~(t + 0x6060606060606060ull) | (t + 0x0101010101010101ull)) &
	    ~x & 0x8080808080808080ull;
}

static inline bool
is_ctl(unsigned char c)
{
	return c < 0x20 || c == 0x7f;
}

/* The first byte at or after p that ctl_bytes() flags, or end. As it
 * flags each byte exactly, on a little-endian machine the lowest bit set
 * is that byte's; elsewhere the word is searched byte by byte. */
static inline __attribute__((always_inline)) const char *
next_ctl(const char *p, const char *end)
{
	uint64_t x, m;

	for (; end - p >= 8; p += 8) {
		memcpy(&x, p, 8);
		if ((m = ctl_bytes(x)) == 0)
			continue;
		if (__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__)
			return p + __builtin_ctzll(m) / 8;
		break;
	}
	while (p < end && !is_ctl((unsigned char)*p))
		p++;
	return p;
}

/* RFC 3261 25.1: a header field is text, folding aside: no NUL, no bare
 * CR, no other control character. libosip2 reads C strings: a NUL cut
 * a +sip.instance short inside its quotes, and the REGISTER relayed to
 * the core carried an unterminated string. */
bool
sip__text_ok(const char *v, size_t n)
{
	const char *end = v + n, *p = v;

	/* Eight bytes at a time to the next control character: a byte at
	 * a time cost 5% of a relayed call. */
	while ((p = next_ctl(p, end)) < end) {
		unsigned char c = (unsigned char)*p++;

		if (c == '\r' && p < end && *p == '\n')
			continue;
		if (c != '\n' && c != '\t')
			return false;
	}
	return true;
}

/* One walk of the field's bytes finds both its end and whether it is
 * text (sip__text_ok() of [s, end of field)): the pre-scan looked at each
 * header byte twice, once for the line end, once for control bytes. */
const char *
sip__field_end(const char *s, const char *end, unsigned *flags)
{
	const char *p = s;

	*flags = 0;
	while ((p = next_ctl(p, end)) < end) {
		unsigned char c = (unsigned char)*p++;

		if (c == '\r' && p < end && *p == '\n')
			c = (unsigned char)*p++;
		if (c == '\n') {
			/* RFC 3261 7.3.1: a line starting with white space
			 * continues the field. */
			if (p >= end || (*p != ' ' && *p != '\t'))
				return p;
			*flags |= SIP__FIELD_FOLDED;
		} else if (c != '\t') {
			*flags |= SIP__FIELD_CTL;
		}
	}
	return end;
}

/* RFC 3261 7.2 Status-Line: SIP/2.0 SP 3DIGIT SP Reason-Phrase. */
bool
sip__status_line_ok(const char *l, size_t n)
{
	if (n < 12 || memcmp(l, "SIP/2.0 ", 8) != 0 || l[11] != ' ')
		return false;
	if (!isdigit((unsigned char)l[8]) || !isdigit((unsigned char)l[9]) ||
	    !isdigit((unsigned char)l[10]))
		return false;
	return l[8] >= '1' && l[8] <= '6';
}

