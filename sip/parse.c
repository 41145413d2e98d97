/* Parsing on libosip2 plus the strict checks it lacks. libosip2 is
 * liberal (RFC 4475 3.1.2 lists what it lets through); this file turns
 * each malformed shape (check.c judges the raw text's) into "400 <what>"
 * or a silent drop, and decides the message's extent: Content-Length
 * frames a stream, truncates a datagram (RFC 3261 18.3). */
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "sip/internal.h"

/* libosip2's traces are dropped: disabling the levels alone still lets
 * Debian's build print "| ERROR | ... Could not parse start line" on
 * stdout for every malformed message, so a flood of garbage became a
 * flood of log lines. We log what matters ourselves. */
static void
parser_trace_drop(const char *fi, int li, osip_trace_level_t level,
    const char *chfr, va_list ap)
{
}

void
sip__parser_init(void)
{
	static bool done;

	if (done)
		return;
	done = true;
	parser_init();
	osip_trace_initialize_func(OSIP_FATAL, parser_trace_drop);
	for (int l = 0; l < END_TRACE_LEVEL; l++)
		osip_trace_disable_level((osip_trace_level_t)l);
}

/* One header field, folded lines joined (RFC 3261 7.3.1). */
struct hdr {
	const char *name;
	size_t name_len;
	const char *val;	/* raw, may contain CRLF + WSP folds */
	size_t val_len;
	unsigned flags;		/* SIP__FIELD_FOLDED, SIP__FIELD_CTL */
};

struct scan {
	const char *clen_val;	/* first Content-Length value */
	size_t clen_len;
	bool multipart;		/* Content-Type multipart/...: sip__mime_ok */
	unsigned count[SIP__H_SINGLES];
	struct sip__parse_err err;
	struct sip__frame *fr;	/* the fields, for frame.c */
	bool direct;		/* fr can stand for the message */
};

/* Used where speed does not matter (parse_reduced). */
static bool
name_is(const struct hdr *h, const char *name)
{
	return name && strlen(name) == h->name_len &&
	    strncasecmp(h->name, name, h->name_len) == 0;
}

static void
set_err(struct scan *sc, int code, const char *reason)
{
	if (sc->err.code == 0 && sc->err.reason == NULL) {
		sc->err.code = code;
		sc->err.reason = reason;
	}
}

static bool
is_token_char(unsigned char c)
{
	return sip__na_class[c] & SIP__NA_TOK;
}

/* Next header field in [*p, end): false at the end. Folded lines belong
 * to the field; a line without a colon is malformed. */
static bool
hdr_next(const char **p, const char *end, struct hdr *h, bool *bad)
{
	const char *s = *p, *colon, *e;

	if (s >= end || *s == '\n' || (*s == '\r' && s + 1 < end &&
	    s[1] == '\n'))
		return false;	/* the blank line ends the section */
	e = sip__field_end(s, end, &h->flags);
	*p = e;
	colon = memchr(s, ':', (size_t)(e - s));
	if (!colon) {
		*bad = true;
		return true;
	}
	h->name = s;
	h->name_len = (size_t)(colon - s);
	while (h->name_len > 0 && (s[h->name_len - 1] == ' ' ||
	    s[h->name_len - 1] == '\t'))
		h->name_len--;
	h->val = colon + 1;
	h->val_len = (size_t)(e - h->val);
	while (h->val_len > 0 &&
	    (sip__na_class[(unsigned char)h->val[h->val_len - 1]] & SIP__NA_SP))
		h->val_len--;
	while (h->val_len > 0 &&
	    (sip__na_class[(unsigned char)*h->val] & SIP__NA_SP)) {
		h->val++;
		h->val_len--;
	}
	return true;
}

/* Checks one field; returns its class. */
static int
scan_header(struct scan *sc, const struct hdr *h)
{
	int c = sip__hdr_class(h->name, h->name_len);

	if (c < SIP__H_SINGLES)
		sc->count[c]++;
	switch (c) {
	case SIP__H_CLEN:
		if (!sc->clen_val) {
			sc->clen_val = h->val;
			sc->clen_len = h->val_len;
		}
		break;
	case SIP__H_FROM:
	case SIP__H_TO:
		if (!sip__nameaddr_ok(h->val, h->val_len, false))
			set_err(sc, 400, "Malformed From or To header");
		break;
	case SIP__HC_CONTACT:
	case SIP__HC_ROUTE:
		if (!(h->val_len == 1 && h->val[0] == '*') &&
		    !sip__nameaddr_ok(h->val, h->val_len, true))
			set_err(sc, 400, "Malformed Contact or Route header");
		break;
	case SIP__HC_VIA:
		if (!sip__via_ok(h->val, h->val_len))
			set_err(sc, 400, "Malformed Via header");
		break;
	case SIP__HC_DATE:
		if (!sip__date_ok(h->val, h->val_len))
			set_err(sc, 400, "Malformed Date header");
		break;
	case SIP__HC_CTYPE:
		sc->multipart |= h->val_len >= 9 &&
		    strncasecmp(h->val, "multipart", 9) == 0;
		break;
	default:
		break;
	}
	return c;
}

/* Content-Length value: digits only, at most 10 of them. */
static long
clen_value(const char *v, size_t n)
{
	long x = 0;

	if (n == 0 || n > 10)
		return -EBADMSG;
	for (size_t i = 0; i < n; i++) {
		if (v[i] < '0' || v[i] > '9')
			return -EBADMSG;
		x = x * 10 + (v[i] - '0');
	}
	return x > INT_MAX ? -EBADMSG : x;
}

/* Keeps the field (ending at `end`) for frame.c, or gives the direct
 * build up for a shape only osip_message_parse() takes as it does: a
 * folded line (its LWS rewrite; the first field's blank start folds
 * it into the start line), a bare LF, an empty name. */
static void
frame_add(struct scan *sc, const struct hdr *h, const char *end, int cls)
{
	/* The setter osip_message_set_multiple_header() would end at
	 * after lowering the name and looking it up: libosip2's table
	 * (osip_parser_cfg.c) has these names, full and compact, none
	 * comma-separated but Via and Contact, and none whose failure it
	 * ignores. Others (Route: failures ignored) go the long way. */
	static int (*const set[])(osip_message_t *, const char *) = {
	    [SIP__H_CALLID] = osip_message_set_call_id,
	    [SIP__H_FROM] = osip_message_set_from,
	    [SIP__H_TO] = osip_message_set_to,
	    [SIP__H_CSEQ] = osip_message_set_cseq,
	    [SIP__H_CLEN] = osip_message_set_content_length,
	    [SIP__HC_CONTACT] = osip_message_set_contact,
	    [SIP__HC_VIA] = osip_message_set_via,
	    [SIP__HC_CTYPE] = osip_message_set_content_type,
	};
	struct sip__frame *fr = sc->fr;
	bool list = cls == SIP__HC_CONTACT || cls == SIP__HC_VIA;
	/* Nor has it these, nor are they comma-separated lists to it. */
	bool plain = cls == SIP__H_MAXFWD || cls == SIP__HC_DATE ||
	    cls == SIP__HC_UA;

	if ((h->flags & SIP__FIELD_FOLDED) || h->name_len == 0 ||
	    *h->name == ' ' || *h->name == '\t' || end[-1] != '\n' ||
	    end[-2] != '\r' || fr->n == SIP__FRAME_MAX) {
		sc->direct = false;
		return;
	}
	fr->f[fr->n++] = (struct sip__field){h->name, h->name_len, h->val,
	    h->val_len, (size_t)cls < ARRAY_SIZE(set) && !(list &&
	    memchr(h->val, ',', h->val_len)) ? set[cls] : NULL, plain};
}

/* Walks the header section from p to its blank line (or end) once:
 * counts the single-valued headers, checks their shapes, finds the
 * Content-Length. Returns where the body starts (after the blank line;
 * end without one: a datagram without one is all headers). */
static const char *
scan_headers(struct scan *sc, const char *p, const char *end)
{
	struct hdr h;
	bool bad = false;
	int c;

	while (hdr_next(&p, end, &h, &bad)) {
		if (bad) {
			set_err(sc, 400, "Malformed header line");
			bad = false;
			continue;
		}
		/* The whole field with its line end: libosip2 keeps the
		 * trailing white space we trim ("\f" before the LF). */
		if (h.flags & SIP__FIELD_CTL) {
			set_err(sc, 400, "Control character in header");
			continue;
		}
		c = scan_header(sc, &h);
		if (sc->direct)
			frame_add(sc, &h, p, c);
	}
	if (p < end)
		p += *p == '\n' ? 1 : 2;
	return p;
}

long
sip__content_length(const char *hdr, size_t len)
{
	struct scan sc;
	const char *p = memchr(hdr, '\n', len);
	struct hdr h;
	bool bad = false;
	long v = -ENOENT;

	memset(&sc, 0, sizeof(sc));
	p = p ? p + 1 : hdr + len;
	while (hdr_next(&p, hdr + len, &h, &bad)) {
		long x;

		if (bad || sip__hdr_class(h.name, h.name_len) != SIP__H_CLEN)
			continue;
		x = clen_value(h.val, h.val_len);
		if (x < 0 || (v >= 0 && v != x))
			return -EBADMSG;
		v = x;
	}
	return v;
}

/* The scheme (RFC 3261 8.2.2.1: 416 for one we do not serve) and, for
 * SIP URIs, no headers part after the host (RFC 3261 19.1.1). A '?'
 * in the user part is legal (RFC 4475 3.1.1.2). */
static void
check_request_uri(struct scan *sc, const char *uri, size_t n)
{
	const char *colon = memchr(uri, ':', n), *at = uri, *p;
	size_t sl = colon ? (size_t)(colon - uri) : 0;

	if (!colon || !((sl == 3 && strncasecmp(uri, "sip", 3) == 0) ||
	    (sl == 4 && strncasecmp(uri, "sips", 4) == 0) ||
	    (sl == 3 && strncasecmp(uri, "tel", 3) == 0))) {
		set_err(sc, 416, "Unsupported URI Scheme");
		return;
	}
	for (p = uri; p < uri + n; p++)
		if (*p == '@')
			at = p;
	if (sl != 3 || strncasecmp(uri, "tel", 3) != 0)
		if (memchr(at, '?', n - (size_t)(at - uri)))
			set_err(sc, 400, "Headers in Request-URI");
}

/* RFC 3261 7.1 Request-Line: Method SP Request-URI SP SIP-Version CRLF,
 * single SPs, nothing after the version (RFC 4475 3.1.2.7-3.1.2.11). */
static void
check_request_line(struct scan *sc, const char *l, size_t n)
{
	const char *sp1 = memchr(l, ' ', n), *sp2, *uri;
	size_t i;

	for (i = 0; i < n && is_token_char((unsigned char)l[i]); i++)
		;
	if (!sp1 || sp1 != l + i || i == 0) {
		set_err(sc, 400, "Malformed Request-Line");
		return;
	}
	uri = sp1 + 1;
	sp2 = memchr(uri, ' ', n - (size_t)(uri - l));
	if (!sp2 || sp2 == uri) {
		set_err(sc, 400, "Malformed Request-Line");
		return;
	}
	if (*uri == '<' || memchr(uri, '\t', (size_t)(sp2 - uri))) {
		set_err(sc, 400, "Malformed Request-URI");
		return;
	}
	check_request_uri(sc, uri, (size_t)(sp2 - uri));
	n -= (size_t)(sp2 + 1 - l);
	if (n < 5 || strncasecmp(sp2 + 1, "SIP/", 4) != 0 ||
	    memchr(sp2 + 1, ' ', n)) {
		set_err(sc, 400, "Malformed Request-Line");
		return;
	}
	if (n != 7 || memcmp(sp2 + 5, "2.0", 3) != 0)
		set_err(sc, 505, "Version Not Supported");
}

/* Digits only, at most max. */
static bool
number_ok(const char *v, unsigned long long max)
{
	unsigned long long x = 0;

	if (!v || !*v)
		return false;
	for (; *v; v++) {
		if (*v < '0' || *v > '9')
			return false;
		x = x * 10 + (unsigned)(*v - '0');
		if (x > max)
			return false;
	}
	return true;
}

static bool
via_fields_ok(const osip_via_t *v)
{
	/* RFC 3261 20.42: "SIP/2.0/transport"; libosip2 takes "SIP//TCP"
	 * and prints it back, refusing it itself. */
	if (!v || !v->host || !*v->host || !v->protocol || !*v->protocol ||
	    !v->version || strcmp(v->version, "2.0") != 0)
		return false;
	return !v->port || number_ok(v->port, 65535);
}

static bool
top_via_ok(const osip_message_t *m)
{
	return via_fields_ok(osip_list_get(&m->vias, 0));
}

static void
check_request(struct scan *sc, const osip_message_t *m)
{
	static const char *const missing[] = {
	    "Missing Call-ID", "Missing From", "Missing To", "Missing CSeq"};
	static const char *const dup[] = {
	    "Duplicate Call-ID", "Duplicate From", "Duplicate To",
	    "Duplicate CSeq", "Duplicate Max-Forwards"};
	const void *have[] = {m->call_id, m->from, m->to, m->cseq};
	osip_header_t *mf = NULL;

	for (size_t i = 0; i < ARRAY_SIZE(have); i++)
		if (!have[i] || sc->count[i] == 0)
			set_err(sc, 400, missing[i]);
	for (size_t i = 0; i < ARRAY_SIZE(dup); i++)
		if (sc->count[i] > 1)
			set_err(sc, 400, dup[i]);
	/* Every Via goes back in our responses (RFC 3261 8.2.6.2): one
	 * libosip2 half-read ("host:" with no port) prints as a Via no
	 * parser takes. */
	for (int i = 1; i < osip_list_size(&m->vias); i++)
		if (!via_fields_ok(osip_list_get(&m->vias, i)))
			set_err(sc, 400, "Malformed Via");
	if (m->cseq && !number_ok(m->cseq->number, 4294967295ull))
		set_err(sc, 400, "Bad CSeq number");
	if (m->cseq && (!m->cseq->method || !m->sip_method ||
	    strcmp(m->cseq->method, m->sip_method) != 0))
		set_err(sc, 400, "CSeq method does not match");
	osip_message_get_max_forwards(m, 0, &mf);
	if (mf && !number_ok(mf->hvalue, 255))
		set_err(sc, 400, "Bad Max-Forwards");
}

/* Decides where the message ends: returns its length, or sets the
 * error. Stream framing has already cut the bytes exactly. */
static size_t
body_extent(struct scan *sc, size_t hdr_end, size_t len, bool stream)
{
	long cl;

	if (sc->count[SIP__H_CLEN] == 0) {
		if (stream)
			set_err(sc, 400, "Missing Content-Length");
		return len;	/* RFC 3261 18.3: the datagram's end */
	}
	cl = clen_value(sc->clen_val, sc->clen_len);
	if (cl < 0) {
		set_err(sc, 400, "Bad Content-Length");
		return len;
	}
	if ((size_t)cl > len - hdr_end) {
		set_err(sc, 400, "Content-Length larger than message");
		return len;
	}
	return hdr_end + (size_t)cl;	/* extra octets are discarded */
}

/* Completes the pre-scan's frame: false when the message needs
 * osip_message_parse() (it is refused anyway, or its framing is one
 * frame.c does not reproduce: no CRLF blank line, a multipart body). */
static bool
frame_done(struct scan *sc, const char *buf, size_t line, size_t hdr_end,
    size_t msg_len)
{
	struct sip__frame *fr = sc->fr;

	if (!sc->direct || sc->err.code || sc->err.reason || sc->multipart ||
	    hdr_end < 3 || memcmp(buf + hdr_end - 3, "\n\r\n", 3) != 0)
		return false;
	fr->line = buf;
	fr->line_len = line;
	fr->is_resp = memcmp(buf, "SIP/", 4) == 0;
	fr->body = buf + hdr_end;
	fr->body_len = msg_len - hdr_end;
	return true;
}

/* libosip2 keeps an absoluteURI (tel:, any scheme it does not know) as
 * one string, with the white space RFC 3261 25.1 allows before its
 * parameters ("tel:+1 ;tag=a"): printed back inside <>, where none may
 * go, no parser would take it. */
static void
uri_trim(osip_uri_t *u)
{
	size_t n;

	if (!u || !u->string)
		return;
	n = strlen(u->string);
	while (n > 0 && isspace((unsigned char)u->string[n - 1]))
		u->string[--n] = '\0';
}

static void
uris_trim(osip_message_t *m)
{
	osip_list_t *lists[] = {&m->contacts, &m->routes, &m->record_routes};
	osip_from_t *na;

	if (m->from)
		uri_trim(m->from->url);
	if (m->to)
		uri_trim(m->to->url);
	for (size_t l = 0; l < ARRAY_SIZE(lists); l++)
		for (int i = 0; (na = osip_list_get(lists[l], i)); i++)
			uri_trim(na->url);
}

/* libosip2's tree of the message: built from the pre-scan's framing
 * `fr` (frame.c; *framed then true), or with fr NULL (or a shape frame.c
 * leaves alone) by osip_message_parse() from the bytes. */
static int
parse_osip(osip_message_t **out, const char *buf, size_t len,
    const struct sip__frame *fr, bool *framed)
{
	osip_message_t *m = NULL;
	struct sip__arena *prev = sip__arena_push();
	int rc = osip_message_init(&m) != 0 ? -ENOMEM : 1;

	*framed = false;
	if (rc == 1 && fr) {
		rc = sip__frame_build(m, fr);
		*framed = rc == 0;
		if (rc == 1) {
			osip_message_free(m);
			m = NULL;
			rc = osip_message_init(&m) != 0 ? -ENOMEM : 1;
		}
	}
	if (rc == 1)
		rc = osip_message_parse(m, buf, len) != 0 ? -EBADMSG : 0;
	sip__arena_pop(prev);
	if (rc < 0) {
		osip_message_free(m);
		return rc;
	}
	/* libosip2 keeps a copy of the raw text for osip_message_to_str();
	 * we always print from the parsed fields (property 2), so the copy
	 * would only double what a pending transaction holds. */
	osip_free(m->message);
	m->message = NULL;
	m->message_length = 0;
	m->message_property = 2;
	uris_trim(m);
	*out = m;
	return 0;
}

/* RFC 2045 5.1: a media type's parameter is attribute=value. libosip2
 * takes one without a value, but cannot print it again: its
 * osip_message_to_str() then writes "Content-Type: " and nothing, and
 * the next header runs into it (seen relaying an INVITE). */
static bool
content_type_ok(const osip_message_t *m)
{
	const osip_content_type_t *ct = m->content_type;
	osip_generic_param_t *p;

	if (!ct)
		return true;
	if (!ct->type || !ct->subtype)
		return false;
	for (int i = 0; (p = osip_list_get(&ct->gen_params, i)); i++)
		if (!p->gname || !p->gvalue)
			return false;
	return true;
}

/* libosip2 refused the message. To still say why (RFC 3261 8.2.6: a
 * 400 needs only the Via and what can be copied), parse a copy that
 * keeps the start line, every Via and the first From, To, Call-ID and
 * CSeq. NULL when even that fails: the message is dropped. */
static osip_message_t *
parse_reduced(const char *buf, size_t hdr_end, const char *eol, bool all)
{
	static const char *const keep[] = {"Via", "v", "Call-ID", "i",
	    "CSeq", "", "From", "f", "To", "t"};
	size_t nkeep = all ? ARRAY_SIZE(keep) : 6, ml;
	char *copy = malloc(hdr_end + 32), *w = copy;
	const char *p = eol + 1;
	unsigned seen[ARRAY_SIZE(keep) / 2] = {0};
	osip_message_t *m = NULL;
	struct hdr h;
	bool bad = false, framed;

	if (!copy)
		return NULL;
	for (ml = 0; ml < 32 && is_token_char((unsigned char)buf[ml]); ml++)
		;
	/* The Request-URI may be what libosip2 refused; a response does
	 * not need it. */
	memcpy(w, buf, ml);
	w += ml;
	memcpy(w, " sip:invalid SIP/2.0\r\n", 22);
	w += 22;
	while (hdr_next(&p, buf + hdr_end, &h, &bad)) {
		for (size_t i = 0; !bad && i < nkeep; i++) {
			if (!name_is(&h, keep[i]) || (i > 1 && seen[i / 2]++))
				continue;
			memcpy(w, h.name, (size_t)(p - h.name));
			w += p - h.name;
		}
		bad = false;
	}
	memcpy(w, "\r\n", 2);
	w += 2;
	if (parse_osip(&m, copy, (size_t)(w - copy), NULL, &framed) == 0 &&
	    !top_via_ok(m)) {
		osip_message_free(m);
		m = NULL;
	}
	free(copy);
	return m;
}

int
sip__parse(osip_message_t **out, const char *buf, size_t len, bool stream,
    struct sip__parse_err *err)
{
	bool framed;

	return sip__parse_by(out, buf, len, stream, err, true, &framed);
}

int
sip__parse_by(osip_message_t **out, const char *buf, size_t len,
    bool stream, struct sip__parse_err *err, bool frame, bool *framed)
{
	struct scan sc;
	const char *eol = memchr(buf, '\n', len);
	size_t line, hdr_end, msg_len;
	bool is_resp = len >= 4 && memcmp(buf, "SIP/", 4) == 0;
	osip_message_t *m = NULL;
	bool bad_mime;
	struct sip__frame fr;

	memset(&sc, 0, sizeof(sc));
	*out = NULL;
	*framed = false;
	if (!eol || eol == buf || eol[-1] != '\r') {
		*err = (struct sip__parse_err){0, "no start line"};
		return -EBADMSG;
	}
	line = (size_t)(eol - 1 - buf);
	if (is_resp && !sip__status_line_ok(buf, line)) {
		*err = (struct sip__parse_err){0, "bad status line"};
		return -EBADMSG;
	}
	if (!is_resp)
		check_request_line(&sc, buf, line);
	fr.n = 0;
	sc.fr = &fr;
	/* A tab aside, libosip2 reads the start line as we do when it has
	 * no control character (its LWS rewrite wants a CR or LF). */
	sc.direct = frame && sip__text_ok(buf, line);
	hdr_end = (size_t)(scan_headers(&sc, eol + 1, buf + len) - buf);
	msg_len = body_extent(&sc, hdr_end, len, stream);
	if (sc.count[SIP__H_CLEN] > 1 &&
	    sip__content_length(buf, hdr_end) == -EBADMSG)
		set_err(&sc, 400, "Conflicting Content-Length");
	/* A refused message's body may start earlier to libosip2 (a bare
	 * CR ends its header section), so a Content-Type we read as a
	 * header may sit in its first MIME part: sip__mime_ok() on our body
	 * cannot vouch for it (libosip2 leaked such a part's first
	 * Content-Type; test_frame found it in a million mutations). */
	bad_mime = (sc.err.code || sc.err.reason) ?
	    sc.multipart || sip__maybe_multipart(buf, hdr_end) :
	    sc.multipart && !sip__mime_ok(buf + hdr_end, msg_len - hdr_end);
	if (bad_mime)
		set_err(&sc, 400, "Malformed multipart body");
	if (!frame_done(&sc, buf, line, hdr_end, msg_len))
		sc.fr = NULL;
	if (bad_mime || parse_osip(&m, buf, msg_len, sc.fr, framed) < 0) {
		m = is_resp ? NULL : parse_reduced(buf, hdr_end, eol, true);
		if (!m && !is_resp) {
			m = parse_reduced(buf, hdr_end, eol, false);
			set_err(&sc, 400, "Malformed From or To header");
		}
		if (m && sc.err.code == 0)
			check_request(&sc, m);
		set_err(&sc, m ? 400 : 0, "Malformed message");
		if (!m)
			sc.err.code = 0;
		*out = m;
		*err = sc.err;
		return -EBADMSG;
	}
	if (!top_via_ok(m) || (is_resp && (!m->cseq || !m->call_id ||
	    !m->from || !m->to || !number_ok(m->cseq->number, 4294967295u)))) {
		osip_message_free(m);
		*err = (struct sip__parse_err){0, "no usable Via"};
		return -EBADMSG;
	}
	if (!is_resp)
		check_request(&sc, m);
	if (!content_type_ok(m))
		set_err(&sc, 400, "Malformed Content-Type");
	*out = m;
	if (sc.err.reason || sc.err.code) {
		if (is_resp)
			sc.err.code = 0;	/* responses are never answered */
		*err = sc.err;
		return -EBADMSG;
	}
	return 0;
}
