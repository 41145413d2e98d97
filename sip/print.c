/* Wire text of a message, written straight into one buffer.
 *
 * osip_message_to_str() prints each URI, Via and name-addr into its own
 * malloc'd string with sprintf, then copies it into the message: that was
 * a fifth of a relayed call's instructions (callgrind: 60 URIs and 100
 * sprintf calls per call). This printer writes the same text (RFC 3261
 * 7: same header order, names and escaping as libosip2, checked against
 * it by tests/unit/sip/test_print.c) with memcpy. Shapes it does not
 * know (multipart and MIME bodies, odd start lines) make it return
 * -ENOTSUP, and the caller falls back on libosip2. */
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "sip/internal.h"

/* The loop's print buffer: grows to the largest message, then stays. */
static struct sip__sbuf pbuf;

/* Makes room for n more bytes and the NUL; false (and oom) if it cannot. */
static bool
sb_grow(struct sip__sbuf *b, size_t n)
{
	size_t cap = b->cap ? b->cap : 2048;
	char *p;

	if (b->oom || b->fixed) {
		b->oom = true;
		return false;
	}
	while (cap < b->len + n + 1)
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

/* Inlined: it runs for every piece of every header. */
static inline __attribute__((always_inline)) void
sb_put(struct sip__sbuf *b, const char *s, size_t n)
{
	if (b->len + n + 1 > b->cap && !sb_grow(b, n))
		return;
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = '\0';
}

static inline __attribute__((always_inline)) void
sb_str(struct sip__sbuf *b, const char *s)
{
	sb_put(b, s, strlen(s));
}

static void
sb_uint(struct sip__sbuf *b, unsigned v)
{
	char d[12], *p = d + sizeof(d);

	do {
		*--p = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	sb_put(b, p, (size_t)(d + sizeof(d) - p));
}

/* host[:port] as URIs and Vias carry it; an IPv6 literal in brackets
 * (RFC 3261 25.1 IPv6reference). */
static void
sb_hostport(struct sip__sbuf *b, const char *host, const char *port)
{
	if (strchr(host, ':')) {
		sb_put(b, "[", 1);
		sb_str(b, host);
		sb_put(b, "]", 1);
	} else {
		sb_str(b, host);
	}
	if (port) {
		sb_put(b, ":", 1);
		sb_str(b, port);
	}
}

/* libosip2's URI escaping: letters, digits and the set `keep` pass,
 * anything else becomes %XX. */
static void
sb_escaped(struct sip__sbuf *b, const char *s, const char *keep)
{
	static const char hex[] = "0123456789ABCDEF";

	while (*s) {
		const char *run = s;
		char e[3];

		while (*s && ((*s >= 'a' && *s <= 'z') ||
		    (*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9') ||
		    strchr(keep, *s)))
			s++;
		sb_put(b, run, (size_t)(s - run));
		if (!*s)
			break;
		e[0] = '%';
		e[1] = hex[(unsigned char)*s >> 4];
		e[2] = hex[(unsigned char)*s & 0xf];
		sb_put(b, e, 3);
		s++;
	}
}

#define KEEP_USER "-_.!~*'()&=+$,;?/"
#define KEEP_PASSWORD "-_.!~*'()&=+$,"
#define KEEP_URI_PARAM "-_.!~*'()[]/:&+$"
#define KEEP_HEADER_PARAM "-_.!~*'()[]/?:+$"

/* A URI; without its headers (`?h=v`) when `headers` is false. */
static int
print_uri(struct sip__sbuf *b, const osip_uri_t *u, bool headers)
{
	const char *scheme = u->scheme ? u->scheme : "sip";

	if (!u->host && !u->string)
		return -EINVAL;
	if (u->string) {
		if (!u->scheme)
			return -EINVAL;
		sb_str(b, scheme);
		sb_put(b, ":", 1);
		sb_str(b, u->string);
		return 0;
	}
	sb_str(b, scheme);
	sb_put(b, ":", 1);
	if (u->username) {
		sb_escaped(b, u->username, KEEP_USER);
		if (u->password) {
			sb_put(b, ":", 1);
			sb_escaped(b, u->password, KEEP_PASSWORD);
		}
		sb_put(b, "@", 1);
	}
	sb_hostport(b, u->host, u->port);
	for (int i = 0; i < osip_list_size(&u->url_params); i++) {
		const osip_uri_param_t *p = osip_list_get(&u->url_params, i);

		/* eXosip's internal parameters never go on the wire. */
		if (!p->gname || strcasecmp(p->gname, "x-obr") == 0 ||
		    strcasecmp(p->gname, "x-obp") == 0)
			continue;
		sb_put(b, ";", 1);
		sb_escaped(b, p->gname, KEEP_URI_PARAM);
		if (p->gvalue) {
			sb_put(b, "=", 1);
			sb_escaped(b, p->gvalue, KEEP_URI_PARAM);
		}
	}
	for (int i = 0; headers && i < osip_list_size(&u->url_headers); i++) {
		const osip_uri_header_t *h = osip_list_get(&u->url_headers, i);

		if (!h->gname || !h->gvalue)
			return -EINVAL;
		sb_put(b, i == 0 ? "?" : "&", 1);
		sb_escaped(b, h->gname, KEEP_HEADER_PARAM);
		sb_put(b, "=", 1);
		sb_escaped(b, h->gvalue, KEEP_HEADER_PARAM);
	}
	return 0;
}

int
sip__print_uri(struct sip__sbuf *b, const osip_uri_t *u)
{
	return print_uri(b, u, true);
}

/* The printed URI of a copy without headers, without the copy: a B2BUA
 * takes every dialog's remote target this way (two or three a call), and
 * osip_uri_clone() with its frees cost more than the printing. */
int
sip_uri_print_target(char *buf, size_t len, const osip_uri_t *uri)
{
	struct sip__sbuf b = {.p = buf, .cap = len, .fixed = true};

	if (!uri || len == 0 || print_uri(&b, uri, false) < 0)
		return -EINVAL;
	return b.oom ? -ENOSPC : 0;
}

/* ";name=value" for each generic parameter, as libosip2 writes them. */
static void
sb_params(struct sip__sbuf *b, const osip_list_t *l)
{
	for (int i = 0; i < osip_list_size(l); i++) {
		const osip_generic_param_t *p = osip_list_get(l, i);

		sb_put(b, ";", 1);
		sb_str(b, p->gname ? p->gname : "");
		if (p->gvalue) {
			sb_put(b, "=", 1);
			sb_str(b, p->gvalue);
		}
	}
}

/* From, To, Contact, Route, Record-Route: `name <uri>;params`. */
int
sip__print_nameaddr(struct sip__sbuf *b, const osip_from_t *na)
{
	if (!na->url)
		return -EINVAL;
	if (na->displayname) {
		sb_str(b, na->displayname);
		sb_put(b, " ", 1);
	}
	sb_put(b, "<", 1);
	if (sip__print_uri(b, na->url) < 0)
		return -EINVAL;
	sb_put(b, ">", 1);
	sb_params(b, &na->gen_params);
	return 0;
}

static int
print_nameaddr_line(struct sip__sbuf *b, const char *name,
    const osip_from_t *na)
{
	sb_str(b, name);
	if (sip__print_nameaddr(b, na) < 0)
		return -EINVAL;
	sb_put(b, "\r\n", 2);
	return 0;
}

static int
print_via(struct sip__sbuf *b, const void *e)
{
	const osip_via_t *v = e;

	if (!v->host || !v->version || !v->protocol)
		return -EINVAL;
	sb_put(b, "SIP/", 4);
	sb_str(b, v->version);
	sb_put(b, "/", 1);
	sb_str(b, v->protocol);
	sb_put(b, " ", 1);
	sb_hostport(b, v->host, v->port);
	sb_params(b, &v->via_params);
	if (v->comment) {
		sb_put(b, " (", 2);
		sb_str(b, v->comment);
		sb_put(b, ")", 1);
	}
	return 0;
}

static int
print_route(struct sip__sbuf *b, const void *e)
{
	return sip__print_nameaddr(b, e);
}

static int
print_contact(struct sip__sbuf *b, const void *e)
{
	const osip_contact_t *c = e;

	/* libosip2 keeps "Contact: *" as a display name of "*". */
	if (c->displayname && c->displayname[0] == '*') {
		sb_put(b, "*", 1);
		return 0;
	}
	return sip__print_nameaddr(b, c);
}

typedef int (*print_fn)(struct sip__sbuf *b, const void *e);

/* "Name: element\r\n" for each element of a list. */
static int
print_list(struct sip__sbuf *b, const char *name, const osip_list_t *l,
    print_fn fn)
{
	for (int i = 0; i < osip_list_size(l); i++) {
		sb_str(b, name);
		if (fn(b, osip_list_get(l, i)) < 0)
			return -EINVAL;
		sb_put(b, "\r\n", 2);
	}
	return 0;
}

/* The same through libosip2's printer, for the rare headers. */
static int
print_list_osip(struct sip__sbuf *b, const char *name, const osip_list_t *l,
    int (*to_str)(const void *, char **))
{
	for (int i = 0; i < osip_list_size(l); i++) {
		char *s = NULL;

		if (to_str(osip_list_get(l, i), &s) != 0 || !s)
			return -EINVAL;
		sb_str(b, name);
		sb_str(b, s);
		sb_put(b, "\r\n", 2);
		osip_free(s);
	}
	return 0;
}

static int
print_single_osip(struct sip__sbuf *b, const char *name, const void *e,
    int (*to_str)(const void *, char **))
{
	char *s = NULL;

	if (!e)
		return 0;
	if (to_str(e, &s) != 0 || !s)
		return -EINVAL;
	sb_str(b, name);
	sb_str(b, s);
	sb_put(b, "\r\n", 2);
	osip_free(s);
	return 0;
}

static int
print_start_line(struct sip__sbuf *b, const osip_message_t *m)
{
	if (!m->sip_version)
		return -ENOTSUP;
	if (m->sip_method) {
		if (!m->req_uri)
			return -ENOTSUP;
		sb_str(b, m->sip_method);
		sb_put(b, " ", 1);
		if (sip__print_uri(b, m->req_uri) < 0)
			return -EINVAL;
		sb_put(b, " ", 1);
		sb_str(b, m->sip_version);
	} else {
		if (!m->reason_phrase || m->status_code < 100 ||
		    m->status_code > 999)
			return -ENOTSUP;
		sb_str(b, m->sip_version);
		sb_put(b, " ", 1);
		sb_uint(b, (unsigned)m->status_code);
		sb_put(b, " ", 1);
		sb_str(b, m->reason_phrase);
	}
	sb_put(b, "\r\n", 2);
	return 0;
}

#define TO_STR(f) ((int (*)(const void *, char **))(f))

/* Via to Contact, in libosip2's order. */
static int
print_main_headers(struct sip__sbuf *b, const osip_message_t *m)
{
	if (print_list(b, "Via: ", &m->vias, print_via) < 0 ||
	    print_list(b, "Record-Route: ", &m->record_routes,
		print_route) < 0 ||
	    print_list(b, "Route: ", &m->routes,
		print_route) < 0)
		return -EINVAL;
	if (m->from) {
		sb_put(b, "From: ", 6);
		if (sip__print_nameaddr(b, m->from) < 0)
			return -EINVAL;
		sb_put(b, "\r\n", 2);
	}
	if (m->to) {
		sb_put(b, "To: ", 4);
		if (sip__print_nameaddr(b, m->to) < 0)
			return -EINVAL;
		sb_put(b, "\r\n", 2);
	}
	if (m->call_id) {
		if (!m->call_id->number)
			return -EINVAL;
		sb_put(b, "Call-ID: ", 9);
		sb_str(b, m->call_id->number);
		if (m->call_id->host) {
			sb_put(b, "@", 1);
			sb_str(b, m->call_id->host);
		}
		sb_put(b, "\r\n", 2);
	}
	if (m->cseq) {
		if (!m->cseq->number || !m->cseq->method)
			return -EINVAL;
		sb_put(b, "CSeq: ", 6);
		sb_str(b, m->cseq->number);
		sb_put(b, " ", 1);
		sb_str(b, m->cseq->method);
		sb_put(b, "\r\n", 2);
	}
	return print_list(b, "Contact: ", &m->contacts,
	    print_contact);
}

/* The rest of libosip2's structured headers, through its printers. */
static int
print_other_headers(struct sip__sbuf *b, const osip_message_t *m)
{
	static const struct {
		const char *name;
		size_t off;
		int (*to_str)(const void *, char **);
	} lists[] = {
	    {"Authorization: ", offsetof(osip_message_t, authorizations),
		TO_STR(osip_authorization_to_str)},
	    {"WWW-Authenticate: ", offsetof(osip_message_t, www_authenticates),
		TO_STR(osip_www_authenticate_to_str)},
	    {"Proxy-Authenticate: ",
		offsetof(osip_message_t, proxy_authenticates),
		TO_STR(osip_www_authenticate_to_str)},
	    {"Proxy-Authorization: ",
		offsetof(osip_message_t, proxy_authorizations),
		TO_STR(osip_authorization_to_str)},
	    {"Call-Info: ", offsetof(osip_message_t, call_infos),
		TO_STR(osip_call_info_to_str)},
	};
	static const struct {
		const char *name;
		size_t off;
		int (*to_str)(const void *, char **);
	} lists2[] = {
	    {"Allow: ", offsetof(osip_message_t, allows),
		TO_STR(osip_allow_to_str)},
	    {"Content-Encoding: ", offsetof(osip_message_t, content_encodings),
		TO_STR(osip_content_encoding_to_str)},
	    {"Alert-Info: ", offsetof(osip_message_t, alert_infos),
		TO_STR(osip_call_info_to_str)},
	    {"Error-Info: ", offsetof(osip_message_t, error_infos),
		TO_STR(osip_call_info_to_str)},
	    {"Accept: ", offsetof(osip_message_t, accepts),
		TO_STR(osip_accept_to_str)},
	    {"Accept-Encoding: ", offsetof(osip_message_t, accept_encodings),
		TO_STR(osip_accept_encoding_to_str)},
	    {"Accept-Language: ", offsetof(osip_message_t, accept_languages),
		TO_STR(osip_accept_language_to_str)},
	    {"Authentication-Info: ",
		offsetof(osip_message_t, authentication_infos),
		TO_STR(osip_authentication_info_to_str)},
	    {"Proxy-Authentication-Info: ",
		offsetof(osip_message_t, proxy_authentication_infos),
		TO_STR(osip_authentication_info_to_str)},
	};
	const char *base = (const char *)m;

	for (size_t i = 0; i < ARRAY_SIZE(lists); i++)
		if (print_list_osip(b, lists[i].name,
		    (const osip_list_t *)(const void *)(base + lists[i].off),
		    lists[i].to_str) < 0)
			return -EINVAL;
	if (print_single_osip(b, "Content-Type: ", m->content_type,
	    TO_STR(osip_content_type_to_str)) < 0)
		return -EINVAL;
	for (size_t i = 0; i < ARRAY_SIZE(lists2); i++)
		if (print_list_osip(b, lists2[i].name,
		    (const osip_list_t *)(const void *)(base + lists2[i].off),
		    lists2[i].to_str) < 0)
			return -EINVAL;
	return 0;
}

/* Text headers: libosip2 capitalises the first letter of the name. */
static int
print_plain_headers(struct sip__sbuf *b, const osip_message_t *m)
{
	for (int i = 0; i < osip_list_size(&m->headers); i++) {
		const osip_header_t *h = osip_list_get(&m->headers, i);
		char c;

		if (!h->hname || !h->hname[0])
			return -EINVAL;
		c = h->hname[0];
		if (c >= 'a' && c <= 'z')
			c = (char)(c - 32);
		sb_put(b, &c, 1);
		sb_str(b, h->hname + 1);
		sb_put(b, ": ", 2);
		if (h->hvalue)
			sb_str(b, h->hvalue);
		sb_put(b, "\r\n", 2);
	}
	return 0;
}

/* Content-Length and the body; libosip2 right-aligns the length in five
 * columns when there is a body. */
static int
print_body(struct sip__sbuf *b, const osip_message_t *m)
{
	const osip_body_t *body = osip_list_get(&m->bodies, 0);
	char col[5];
	size_t n;

	if (!body) {
		sb_put(b, "Content-Length: 0\r\n\r\n", 21);
		return 0;
	}
	if (osip_list_size(&m->bodies) > 1 ||
	    osip_list_size(body->headers) > 0 || body->content_type ||
	    !body->body || body->length > 99999)
		return -ENOTSUP;
	sb_put(b, "Content-Length: ", 16);
	memset(col, ' ', sizeof(col));
	n = body->length;
	for (int i = 4; i >= 0; i--) {
		col[i] = (char)('0' + n % 10);
		n /= 10;
		if (n == 0)
			break;
	}
	sb_put(b, col, sizeof(col));
	sb_put(b, "\r\n\r\n", 4);
	sb_put(b, body->body, body->length);
	return 0;
}

int
sip__print(const osip_message_t *m, const char **out, size_t *len)
{
	struct sip__sbuf *b = &pbuf;
	int rc;

	b->len = 0;
	b->oom = false;
	/* MIME: libosip2's own printer writes the boundaries. */
	if (m->mime_version)
		return -ENOTSUP;
	rc = print_start_line(b, m);
	if (rc == 0)
		rc = print_main_headers(b, m);
	if (rc == 0)
		rc = print_other_headers(b, m);
	if (rc == 0)
		rc = print_plain_headers(b, m);
	if (rc == 0)
		rc = print_body(b, m);
	if (rc == 0 && b->oom)
		rc = -ENOMEM;
	if (rc < 0)
		return rc;
	*out = b->p;
	*len = b->len;
	return 0;
}

static void
print_cseq(struct sip__sbuf *b, const char *number, const char *method)
{
	sb_put(b, "CSeq: ", 6);
	sb_str(b, number);
	sb_put(b, " ", 1);
	sb_str(b, method);
	sb_put(b, "\r\n", 2);
}

/* From, To, Call-ID and CSeq of a response, as print_main_headers()
 * writes their clones; `tag` (may be NULL) is appended to To's
 * parameters, where osip_to_set_tag() puts it. */
static int
print_resp_parties(struct sip__sbuf *b, const osip_message_t *req,
    const char *tag)
{
	if (req->from) {
		sb_put(b, "From: ", 6);
		if (sip__print_nameaddr(b, req->from) < 0)
			return -EINVAL;
		sb_put(b, "\r\n", 2);
	}
	if (req->to) {
		sb_put(b, "To: ", 4);
		if (sip__print_nameaddr(b, req->to) < 0)
			return -EINVAL;
		if (tag) {
			sb_put(b, ";tag=", 5);
			sb_str(b, tag);
		}
		sb_put(b, "\r\n", 2);
	}
	if (req->call_id) {
		if (!req->call_id->number)
			return -EINVAL;
		sb_put(b, "Call-ID: ", 9);
		sb_str(b, req->call_id->number);
		if (req->call_id->host) {
			sb_put(b, "@", 1);
			sb_str(b, req->call_id->host);
		}
		sb_put(b, "\r\n", 2);
	}
	if (req->cseq) {
		if (!req->cseq->number || !req->cseq->method)
			return -EINVAL;
		print_cseq(b, req->cseq->number, req->cseq->method);
	}
	return 0;
}

/* What follows CSeq in a response whose tail (sip_msg_new_reply_tail())
 * holds the TU's own parts: Contact on, as sip__print() orders them. */
static int
print_tail(struct sip__sbuf *b, const osip_message_t *tail)
{
	if (!tail) {
		sb_put(b, "Content-Length: 0\r\n\r\n", 21);
		return 0;
	}
	if (print_list(b, "Contact: ", &tail->contacts, print_contact) < 0 ||
	    print_other_headers(b, tail) < 0 ||
	    print_plain_headers(b, tail) < 0)
		return -EINVAL;
	return print_body(b, tail);
}

/* A tail holds none of what the request gives, and no MIME. */
static bool
tail_is_bare(const osip_message_t *t)
{
	return !t || (!t->mime_version && !t->sip_method && !t->from &&
	    !t->to && !t->call_id && !t->cseq &&
	    osip_list_size(&t->vias) <= 0 &&
	    osip_list_size(&t->record_routes) <= 0 &&
	    osip_list_size(&t->routes) <= 0);
}

int
sip__print_response(const osip_message_t *req, int code, const char *reason,
    const char *tag, const osip_message_t *tail, const char **out,
    size_t *len)
{
	struct sip__sbuf *b = &pbuf;
	osip_generic_param_t *p = NULL;
	const char *add = NULL;
	int rc;

	if (code < 100 || code > 699 || !req || !MSG_IS_REQUEST(req) ||
	    osip_list_size(&req->vias) < 1 || !reason || !tail_is_bare(tail))
		return -ENOTSUP;
	/* sip_msg_to_tag_set() rewrites a valueless "tag" in place and
	 * fails on an empty tag: left to the builder. */
	if (code > 100 && tag && req->to) {
		if (osip_to_get_tag((osip_to_t *)req->to, &p) == 0 && p) {
			if (!p->gvalue)
				return -ENOTSUP;
		} else if (!*tag) {
			return -ENOTSUP;
		} else {
			add = tag;
		}
	}
	b->len = 0;
	b->oom = false;
	sb_put(b, "SIP/2.0 ", 8);
	sb_uint(b, (unsigned)code);
	sb_put(b, " ", 1);
	sb_str(b, reason);
	sb_put(b, "\r\n", 2);
	if (print_list(b, "Via: ", &req->vias, print_via) < 0 ||
	    (code > 100 && code < 300 &&
		print_list(b, "Record-Route: ", &req->record_routes,
		    print_route) < 0) ||
	    print_resp_parties(b, req, add) < 0)
		return -EINVAL;
	rc = print_tail(b, tail);
	if (rc < 0)
		return rc;
	if (b->oom)
		return -ENOMEM;
	*out = b->p;
	*len = b->len;
	return 0;
}

/* "Via: SIP/2.0/<proto> <sent-by>;branch=<branch>;rport": sent-by split
 * as sip__via_add() splits it into host and port, then printed as
 * print_via() prints those. */
static int
print_our_via(struct sip__sbuf *b, const char *proto, const char *sent_by,
    const char *branch)
{
	char host[128];
	const char *h = sent_by, *he, *colon;

	if (*h == '[') {
		he = strchr(++h, ']');
		if (!he)
			return -ENOTSUP;
		colon = he[1] == ':' ? he + 1 : NULL;
	} else {
		colon = strrchr(h, ':');
		he = colon ? colon : h + strlen(h);
	}
	if ((size_t)(he - h) >= sizeof(host))
		return -ENOTSUP;
	memcpy(host, h, (size_t)(he - h));
	host[he - h] = '\0';
	sb_put(b, "Via: SIP/2.0/", 13);
	sb_str(b, proto);
	sb_put(b, " ", 1);
	sb_hostport(b, host, colon && colon[1] ? colon + 1 : NULL);
	sb_put(b, ";branch=", 8);
	sb_str(b, branch);
	sb_put(b, ";rport\r\n", 8);
	return 0;
}

int
sip__print_ack(const osip_message_t *invite, const osip_message_t *resp,
    const char *proto, const char *sent_by, const char *branch,
    const char **out, size_t *len)
{
	struct sip__sbuf *b = &pbuf;
	const osip_contact_t *ct;
	const osip_uri_t *target;
	const char *cs;

	if (!invite || !resp || !invite->cseq || !invite->cseq->number ||
	    !resp->to || !resp->from || !resp->call_id ||
	    !resp->call_id->number)
		return -ENOTSUP;
	ct = osip_list_get(&resp->contacts, 0);
	if (!ct || !ct->url)
		return -ENOTSUP;
	/* osip_cseq_parse() of "<number> ACK" gives the number back as is
	 * when it is digits. */
	for (cs = invite->cseq->number; *cs >= '0' && *cs <= '9'; cs++)
		;
	if (*cs || cs == invite->cseq->number)
		return -ENOTSUP;
	/* ack_build()'s remote target (RFC 3261 12.1.2). */
	target = ct->url;
	if ((!target->scheme || (strcasecmp(target->scheme, "sip") != 0 &&
	    strcasecmp(target->scheme, "sips") != 0)) && invite->req_uri)
		target = invite->req_uri;
	b->len = 0;
	b->oom = false;
	sb_put(b, "ACK ", 4);
	if (print_uri(b, target, false) < 0)
		return -EINVAL;
	sb_put(b, " SIP/2.0\r\n", 10);
	if (print_our_via(b, proto, sent_by, branch) < 0)
		return -ENOTSUP;
	/* RFC 3261 13.2.2.4: the Route set is the Record-Route reversed. */
	for (int i = osip_list_size(&resp->record_routes) - 1; i >= 0; i--) {
		sb_put(b, "Route: ", 7);
		if (sip__print_nameaddr(b,
		    osip_list_get(&resp->record_routes, i)) < 0)
			return -EINVAL;
		sb_put(b, "\r\n", 2);
	}
	if (print_nameaddr_line(b, "From: ", resp->from) < 0 ||
	    print_nameaddr_line(b, "To: ", resp->to) < 0)
		return -EINVAL;
	sb_put(b, "Call-ID: ", 9);
	sb_str(b, resp->call_id->number);
	if (resp->call_id->host) {
		sb_put(b, "@", 1);
		sb_str(b, resp->call_id->host);
	}
	sb_put(b, "\r\n", 2);
	print_cseq(b, invite->cseq->number, "ACK");
	sb_str(b, "Max-Forwards: 70\r\nContent-Length: 0\r\n\r\n");
	if (b->oom)
		return -ENOMEM;
	*out = b->p;
	*len = b->len;
	return 0;
}
