/* Message helpers: build requests, responses and ACKs, read and change
 * headers and bodies, print to wire text. The only place (with parse.c)
 * where SIP text is made, so other rooms never touch SIP's bytes. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/random.h>
#include <unistd.h>

#include "sip/internal.h"

/* A pool of random bytes refilled by getrandom(): tags, branches and
 * Call-IDs must be unguessable (RFC 3261 8.1.1.3, 19.3) and cheap. A
 * relayed call draws about 200 bytes: 4 KiB is one system call per 20
 * calls instead of one per call. */
static unsigned char rnd_pool[4096];
static size_t rnd_left;

/* Above 256 bytes getrandom() may return short when a signal arrives
 * (getrandom(2)); what is missing is asked again. */
static void
rnd_refill(void)
{
	size_t have = 0;

	while (have < sizeof(rnd_pool)) {
		ssize_t got = getrandom(rnd_pool + have,
		    sizeof(rnd_pool) - have, 0);

		if (got < 0 && errno == EINTR)
			continue;
		if (got <= 0)
			fatal("sip: getrandom failed");
		have += (size_t)got;
	}
	rnd_left = sizeof(rnd_pool);
}

void
sip__random(void *buf, size_t len)
{
	unsigned char *out = buf;

	while (len > 0) {
		size_t n;

		if (rnd_left == 0)
			rnd_refill();
		n = MIN(len, rnd_left);
		memcpy(out, rnd_pool + sizeof(rnd_pool) - rnd_left, n);
		/* Bytes handed out are not kept around. */
		memset(rnd_pool + sizeof(rnd_pool) - rnd_left, 0, n);
		rnd_left -= n;
		out += n;
		len -= n;
	}
}

static void
hex_random(char *out, size_t digits)
{
	static const char hex[] = "0123456789abcdef";
	unsigned char b[32];

	sip__random(b, (digits + 1) / 2);
	for (size_t i = 0; i < digits; i++)
		out[i] = hex[(b[i / 2] >> (i % 2 ? 0 : 4)) & 0xf];
	out[digits] = '\0';
}

void
sip_tag_new(char buf[SIP_TAG_LEN])
{
	hex_random(buf, SIP_TAG_LEN - 1);
}

void
sip_branch_new(char buf[SIP_BRANCH_LEN])
{
	memcpy(buf, "z9hG4bK", 7);
	hex_random(buf + 7, SIP_BRANCH_LEN - 8);
}

void
sip_callid_new(char buf[SIP_CALLID_LEN], const char *domain)
{
	hex_random(buf, 24);
	if (domain && *domain)
		snprintf(buf + 24, SIP_CALLID_LEN - 24, "@%s", domain);
}

const char *
sip_reason_phrase(int code)
{
	const char *r = osip_message_get_reason(code);

	return r ? r : "Unknown";
}

/* Kept by transactions up to 32 s: an exact heap copy of the printer's
 * text, never in a message's arena. */
static int
wire_copy(char **out, size_t *len, const char *text, size_t n)
{
	struct sip__arena *prev = sip__arena_enter(NULL);
	char *w = osip_malloc(n + 1);

	sip__arena_leave(prev);
	if (!w)
		return -ENOMEM;
	memcpy(w, text, n + 1);
	*out = w;
	*len = n;
	return 0;
}

int
sip__response_text(char **out, size_t *len, const osip_message_t *req,
    int code, const char *reason, const char *tag,
    const osip_message_t *tail)
{
	const char *text;
	size_t n;
	int rc = sip__print_response(req, code,
	    reason ? reason : sip_reason_phrase(code), tag, tail, &text, &n);

	return rc < 0 ? rc : wire_copy(out, len, text, n);
}

int
sip__msg_print(const osip_message_t *m, char **out, size_t *len)
{
	osip_message_t *mm = (osip_message_t *)m;
	char *text = NULL, *shrunk;
	const char *fast;
	size_t n = 0;
	struct sip__arena *prev;
	int rc = sip__print(m, &fast, &n);

	if (rc == -ENOMEM)
		return rc;
	if (rc == 0)
		return wire_copy(out, len, fast, n);
	/* The pieces libosip2 prints and frees one by one are cut from a
	 * scratch arena, gone once the cached copy below is freed. */
	prev = sip__arena_push();
	/* osip_message_to_str() takes a non-const message (it caches). */
	rc = osip_message_to_str(mm, &text, &n);
	osip_free(mm->message);
	mm->message = NULL;
	mm->message_length = 0;
	mm->message_property = 2;
	sip__arena_pop(prev);
	if (rc != 0 || !text) {
		osip_free(text);
		return -EINVAL;
	}
	/* libosip2 starts from an 8000-byte buffer (SIP_MESSAGE_MAX_LENGTH);
	 * transactions keep this text for up to 32 s, so keep an exact copy.
	 * A copy, not a shrinking realloc: that left each kept text in
	 * front of a freed 8 KB tail and the heap grew by ~2.5 KiB a call
	 * for minutes at a steady load (soak). */
	prev = sip__arena_enter(NULL);	/* kept long: plain malloc */
	shrunk = osip_malloc(n + 1);
	sip__arena_leave(prev);
	if (!shrunk) {
		osip_free(text);
		return -ENOMEM;
	}
	memcpy(shrunk, text, n + 1);
	osip_free(text);
	*out = shrunk;
	*len = n;
	return 0;
}

/* "NUMBER METHOD" for a CSeq, without snprintf (every request). */
static void
cseq_text(char *buf, size_t len, uint32_t cseq, const char *method)
{
	char d[11], *p = d + sizeof(d);
	size_t nd, nm = strlen(method);

	do {
		*--p = (char)('0' + cseq % 10);
		cseq /= 10;
	} while (cseq);
	nd = (size_t)(d + sizeof(d) - p);
	if (nd + 1 + nm >= len)
		nm = len > nd + 2 ? len - nd - 2 : 0;
	memcpy(buf, p, nd);
	buf[nd] = ' ';
	memcpy(buf + nd + 1, method, nm);
	buf[nd + 1 + nm] = '\0';
}

/* A URI and a tag that "<uri>;tag=tag" parsed by libosip2 gives back as
 * they are: osip_from_parse() ends the URI at the first '>' and takes a
 * display name from a quote, its parameter parser splits and trims what
 * is not a token. Anything else goes through the text. */
static bool
party_is_plain(const struct sip_party *p)
{
	if (!p->uri[0] || p->uri[strcspn(p->uri, "<>\" \t\r\n")])
		return false;
	for (const char *t = p->tag ? p->tag : ""; *t; t++)
		if (!((*t >= 'a' && *t <= 'z') || (*t >= 'A' && *t <= 'Z') ||
		    (*t >= '0' && *t <= '9') || strchr("-.!%*_+`'~", *t)))
			return false;
	return true;
}

/* "<uri>;tag=tag" for p, malloc'd; NULL when out of memory. */
static char *
party_text(const struct sip_party *p)
{
	bool tagged = p->tag && *p->tag;
	size_t nu = strlen(p->uri), nt = tagged ? strlen(p->tag) : 0;
	char *t = malloc(nu + nt + 8);

	if (!t)
		return NULL;
	t[0] = '<';
	memcpy(t + 1, p->uri, nu);
	memcpy(t + 1 + nu, ">;tag=", tagged ? 6 : 1);
	if (tagged)
		memcpy(t + 1 + nu + 6, p->tag, nt);
	t[1 + nu + (tagged ? 6 : 1) + nt] = '\0';
	return t;
}

/* Sets m's From (is_to false) or To from p. The name-addr libosip2 would
 * parse around a plain URI and tag is built as structure around the URI
 * it parses: osip_from_parse() of the whole text was the dearer half
 * of every request we make (callgrind). */
static int
party_set(osip_message_t *m, const struct sip_party *p, bool is_to)
{
	osip_from_t *f = NULL;
	char *text;
	int rc;

	if (!p->text && !p->uri)
		return -EINVAL;
	if (p->text || !party_is_plain(p)) {
		text = p->text ? NULL : party_text(p);
		if (!p->text && !text)
			return -ENOMEM;
		rc = is_to ? osip_message_set_to(m, p->text ? p->text : text)
			   : osip_message_set_from(m, p->text ? p->text : text);
		free(text);
		return rc == 0 ? 0 : -EINVAL;
	}
	if (osip_from_init(&f) != 0)
		return -ENOMEM;
	rc = osip_uri_init(&f->url) != 0 ? -ENOMEM :
	    osip_uri_parse(f->url, p->uri) != 0 ? -EINVAL : 0;
	if (rc == 0 && p->tag && *p->tag)
		rc = osip_from_set_tag(f, osip_strdup(p->tag)) == 0 ? 0 :
		    -ENOMEM;
	if (rc < 0) {
		osip_from_free(f);
		return rc;
	}
	if (is_to)
		m->to = f;
	else
		m->from = f;
	m->message_property = 2;
	return 0;
}

/* m's CSeq from cs ("NUMBER METHOD", cseq_text()): osip_cseq_parse()
 * splits it at the first space and trims both halves, which gives our
 * number and a plain method back as they are, so those are set without
 * the parse; cut or odd methods go through it. */
static int
request_cseq(osip_message_t *m, const char *cs, const char *method)
{
	const char *sp = strchr(cs, ' ');
	osip_cseq_t *c = NULL;

	if (!sp || strcmp(sp + 1, method) != 0 ||
	    method[strcspn(method, " \t\r\n")])
		return osip_message_set_cseq(m, cs) == 0 ? 0 : -EINVAL;
	if (osip_cseq_init(&c) != 0)
		return -ENOMEM;
	c->number = osip_malloc((size_t)(sp - cs) + 1);
	c->method = osip_strdup(method);
	if (!c->number || !c->method) {
		osip_cseq_free(c);
		return -ENOMEM;
	}
	memcpy(c->number, cs, (size_t)(sp - cs));
	c->number[sp - cs] = '\0';
	m->cseq = c;
	m->message_property = 2;
	return 0;
}

/* What osip_message_set_max_forwards() adds for our digits (its
 * osip_clrncpy() trims nothing there). */
static int
request_max_forwards(osip_message_t *m, const char *digits)
{
	osip_header_t *h = NULL;

	if (osip_header_init(&h) != 0)
		return -ENOMEM;
	h->hname = osip_strdup("Max-Forwards");
	h->hvalue = osip_strdup(digits);
	if (!h->hname || !h->hvalue || osip_list_add(&m->headers, h, -1) < 0) {
		osip_header_free(h);
		return -ENOMEM;
	}
	m->message_property = 2;
	return 0;
}

static int
request_build(osip_message_t **out, const char *method,
    const char *ruri, const struct sip_party *from,
    const struct sip_party *to, const char *call_id, uint32_t cseq,
    unsigned max_forwards)
{
	osip_message_t *m = NULL;
	osip_uri_t *uri = NULL;
	char cs[48], mf[12], *p = mf + sizeof(mf) - 1;

	if (!method || !*method || !ruri || !from || !to || !call_id)
		return -EINVAL;
	if (osip_message_init(&m) != 0)
		return -ENOMEM;
	if (sip_uri_parse(&uri, ruri) < 0)
		goto fail;
	osip_message_set_uri(m, uri);
	osip_message_set_method(m, osip_strdup(method));
	osip_message_set_version(m, osip_strdup("SIP/2.0"));
	cseq_text(cs, sizeof(cs), cseq, method);
	*p = '\0';
	do {
		*--p = (char)('0' + max_forwards % 10);
		max_forwards /= 10;
	} while (max_forwards);
	if (party_set(m, from, false) < 0 || party_set(m, to, true) < 0 ||
	    osip_message_set_call_id(m, call_id) != 0 ||
	    request_cseq(m, cs, method) < 0 ||
	    request_max_forwards(m, p) < 0)
		goto fail;
	*out = m;
	return 0;
fail:
	osip_message_free(m);
	return -EINVAL;
}

/* Built in an arena of its own: osip_message_free() releases it. */
int
sip_msg_new_request_dlg(osip_message_t **out, const char *method,
    const char *ruri, const struct sip_party *from,
    const struct sip_party *to, const char *call_id, uint32_t cseq,
    unsigned max_forwards)
{
	struct sip__arena *prev = sip__arena_push();
	int rc = request_build(out, method, ruri, from, to, call_id, cseq,
	    max_forwards);

	sip__arena_pop(prev);
	return rc;
}

int
sip_msg_new_request(osip_message_t **out, const char *method,
    const char *ruri, const char *from, const char *to, const char *call_id,
    uint32_t cseq)
{
	const struct sip_party f = {.text = from}, t = {.text = to};

	if (!from || !to)
		return -EINVAL;
	return sip_msg_new_request_dlg(out, method, ruri, &f, &t, call_id,
	    cseq, 70);
}

/* Copies the headers RFC 3261 8.2.6.2 puts in every response. */
static int
response_copy_headers(osip_message_t *r, const osip_message_t *req, int code)
{
	if (osip_list_clone(&req->vias, &r->vias,
		(int (*)(void *, void **))osip_via_clone) != 0)
		return -ENOMEM;
	if ((req->from && osip_from_clone(req->from, &r->from) != 0) ||
	    (req->to && osip_to_clone(req->to, &r->to) != 0) ||
	    (req->call_id &&
		osip_call_id_clone(req->call_id, &r->call_id) != 0) ||
	    (req->cseq && osip_cseq_clone(req->cseq, &r->cseq) != 0))
		return -EINVAL;
	/* RFC 3261 12.1.1: a dialog-creating response copies the
	 * Record-Route of the request. */
	if (code > 100 && code < 300 &&
	    osip_list_clone(&req->record_routes, &r->record_routes,
		(int (*)(void *, void **))osip_record_route_clone) != 0)
		return -ENOMEM;
	return 0;
}

static int
response_start(osip_message_t **out, const osip_message_t *req,
    int code, const char *reason)
{
	osip_message_t *r = NULL;

	/* Only a Via is needed: a 400 for a request missing other
	 * mandatory headers still reaches its sender (RFC 3261 8.2.6). */
	if (code < 100 || code > 699 || !req || !MSG_IS_REQUEST(req) ||
	    osip_list_size(&req->vias) < 1)
		return -EINVAL;
	if (osip_message_init(&r) != 0)
		return -ENOMEM;
	osip_message_set_version(r, osip_strdup("SIP/2.0"));
	osip_message_set_status_code(r, code);
	osip_message_set_reason_phrase(r,
	    osip_strdup(reason ? reason : sip_reason_phrase(code)));
	*out = r;
	return 0;
}

static int
response_build(osip_message_t **out, const osip_message_t *req,
    int code, const char *reason)
{
	osip_message_t *r = NULL;
	int rc = response_start(&r, req, code, reason);

	if (rc < 0)
		return rc;
	if (response_copy_headers(r, req, code) < 0) {
		osip_message_free(r);
		return -EINVAL;
	}
	*out = r;
	return 0;
}

int
sip_msg_new_reply_tail(osip_message_t **out, const osip_message_t *req,
    int code, const char *reason)
{
	struct sip__arena *prev = sip__arena_push();
	int rc = response_start(out, req, code, reason);

	sip__arena_pop(prev);
	return rc;
}

int
sip__response_complete(osip_message_t *tail, const osip_message_t *req)
{
	struct sip__arena *prev = sip__arena_enter(tail);
	int rc = response_copy_headers(tail, req, tail->status_code);

	sip__arena_leave(prev);
	tail->message_property = 2;
	return rc < 0 ? -EINVAL : 0;
}

int
sip_msg_new_response(osip_message_t **out, const osip_message_t *req,
    int code, const char *reason)
{
	struct sip__arena *prev = sip__arena_push();
	int rc = response_build(out, req, code, reason);

	sip__arena_pop(prev);
	return rc;
}

int
sip__build_response(osip_message_t **out, const osip_message_t *req,
    int code, const char *reason, const char *tag,
    const struct sip_header *extra, size_t n_extra)
{
	osip_message_t *r;
	int rc = sip_msg_new_response(&r, req, code, reason);

	if (rc < 0)
		return rc;
	if (code > 100 && tag && r->to && !sip_msg_to_tag(r) &&
	    sip_msg_to_tag_set(r, tag) < 0)
		goto fail;
	for (size_t i = 0; i < n_extra; i++) {
		if (sip__header_add_text(r, extra[i].name, extra[i].value) < 0)
			goto fail;
	}
	*out = r;
	return 0;
fail:
	osip_message_free(r);
	return -EINVAL;
}

/* RFC 3261 13.2.2.4: the Route set is the 2xx's Record-Route reversed. */
static int
ack_add_routes(osip_message_t *ack, const osip_message_t *resp)
{
	int n = osip_list_size(&resp->record_routes);

	for (int i = n - 1; i >= 0; i--) {
		osip_record_route_t *rr = osip_list_get(&resp->record_routes, i);
		osip_route_t *rt = NULL;

		if (osip_from_clone((osip_from_t *)rr, (osip_from_t **)&rt))
			return -ENOMEM;
		osip_list_add(&ack->routes, rt, -1);
	}
	return 0;
}

static int
ack_build(osip_message_t **out, const osip_message_t *invite,
    const osip_message_t *resp2xx)
{
	osip_message_t *a = NULL;
	osip_contact_t *ct = osip_list_get(&resp2xx->contacts, 0);
	const osip_uri_t *target;
	char cs[32];
	size_t n;

	if (!invite || !resp2xx || !invite->cseq || !resp2xx->to ||
	    !resp2xx->from || !resp2xx->call_id || !ct || !ct->url)
		return -EINVAL;
	/* RFC 3261 12.1.2: the remote target is the 2xx's Contact, which
	 * 8.1.1.8 wants a SIP or SIPS URI. Another scheme names nothing we
	 * can send to: the ACK goes where the INVITE went. */
	target = ct->url;
	if ((!target->scheme || (strcasecmp(target->scheme, "sip") != 0 &&
	    strcasecmp(target->scheme, "sips") != 0)) && invite->req_uri)
		target = invite->req_uri;
	if (osip_message_init(&a) != 0)
		return -ENOMEM;
	osip_message_set_method(a, osip_strdup("ACK"));
	osip_message_set_version(a, osip_strdup("SIP/2.0"));
	n = strlen(invite->cseq->number);
	if (n + sizeof(" ACK") <= sizeof(cs)) {
		/* snprintf's cost on every ACK, for a concatenation. */
		memcpy(cs, invite->cseq->number, n);
		memcpy(cs + n, " ACK", sizeof(" ACK"));
	} else {
		snprintf(cs, sizeof(cs), "%s ACK", invite->cseq->number);
	}
	if (osip_uri_clone(target, &a->req_uri) != 0 ||
	    osip_from_clone(resp2xx->from, &a->from) != 0 ||
	    osip_to_clone(resp2xx->to, &a->to) != 0 ||
	    osip_call_id_clone(resp2xx->call_id, &a->call_id) != 0 ||
	    osip_message_set_cseq(a, cs) != 0 ||
	    osip_message_set_max_forwards(a, "70") != 0 ||
	    ack_add_routes(a, resp2xx) < 0) {
		osip_message_free(a);
		return -EINVAL;
	}
	/* RFC 3261 19.1.1: a Request-URI carries no headers. */
	osip_uri_header_freelist(&a->req_uri->url_headers);
	*out = a;
	return 0;
}

int
sip_msg_new_ack(osip_message_t **out, const osip_message_t *invite,
    const osip_message_t *resp2xx)
{
	struct sip__arena *prev = sip__arena_push();
	int rc = ack_build(out, invite, resp2xx);

	sip__arena_pop(prev);
	return rc;
}

static int
body_set(osip_message_t *m, const char *content_type,
    const char *body, size_t len)
{
	osip_body_t *b;

	while ((b = osip_list_get(&m->bodies, 0)) != NULL) {
		osip_list_remove(&m->bodies, 0);
		osip_body_free(b);
	}
	osip_content_type_free(m->content_type);
	m->content_type = NULL;
	osip_content_length_free(m->content_length);
	m->content_length = NULL;
	m->message_property = 2;
	if (len == 0)
		return 0;
	if (!content_type || !*content_type || !body)
		return -EINVAL;
	if (osip_message_set_content_type(m, content_type) != 0)
		return -EINVAL;
	return osip_message_set_body(m, body, len) == 0 ? 0 : -ENOMEM;
}

int
sip_msg_edit(osip_message_t *m, int (*fn)(osip_message_t *m, void *arg),
    void *arg)
{
	struct sip__arena *prev = sip__arena_enter(m);
	int rc = fn(m, arg);

	sip__arena_leave(prev);
	return rc;
}

/* New parts of a message come from its own arena, as in hdr.c. */
int
sip_msg_body_set(osip_message_t *m, const char *content_type,
    const char *body, size_t len)
{
	struct sip__arena *prev = sip__arena_enter(m);
	int rc = body_set(m, content_type, body, len);

	sip__arena_leave(prev);
	return rc;
}

const char *
sip_msg_body_get(const osip_message_t *m, size_t *len)
{
	osip_body_t *b = osip_list_get(&m->bodies, 0);

	*len = b && b->body ? b->length : 0;
	return b ? b->body : NULL;
}

const char *
sip_msg_from_tag(const osip_message_t *m)
{
	osip_generic_param_t *p = NULL;

	if (!m->from || osip_from_get_tag(m->from, &p) != 0 || !p)
		return NULL;
	return p->gvalue;
}

const char *
sip_msg_to_tag(const osip_message_t *m)
{
	osip_generic_param_t *p = NULL;

	if (!m->to || osip_to_get_tag(m->to, &p) != 0 || !p)
		return NULL;
	return p->gvalue;
}

int
sip_msg_to_tag_set(osip_message_t *m, const char *tag)
{
	osip_generic_param_t *p = NULL;
	struct sip__arena *prev;

	if (!m->to || !tag || !*tag)
		return -EINVAL;
	prev = sip__arena_enter(m);
	if (osip_to_get_tag(m->to, &p) == 0 && p) {
		osip_free(p->gvalue);
		p->gvalue = osip_strdup(tag);
	} else {
		osip_to_set_tag(m->to, osip_strdup(tag));
	}
	sip__arena_leave(prev);
	m->message_property = 2;
	return 0;
}

uint32_t
sip_msg_cseq(const osip_message_t *m)
{
	if (!m->cseq || !m->cseq->number)
		return 0;
	return (uint32_t)strtoul(m->cseq->number, NULL, 10);
}

const char *
sip_msg_method(const osip_message_t *m)
{
	if (MSG_IS_REQUEST(m))
		return m->sip_method;
	return m->cseq ? m->cseq->method : NULL;
}

bool
sip_msg_is_method(const osip_message_t *m, const char *method)
{
	const char *x = sip_msg_method(m);

	return x && strcmp(x, method) == 0;
}

static int
contact_add(osip_message_t *m, const osip_uri_t *uri, const char *user)
{
	osip_contact_t *c = NULL;

	if (osip_contact_init(&c) != 0)
		return -ENOMEM;
	if (osip_uri_clone(uri, &c->url) != 0)
		goto fail;
	if (user && *user) {
		osip_free(c->url->username);
		c->url->username = osip_strdup(user);
		if (!c->url->username)
			goto fail;
	}
	osip_list_add(&m->contacts, c, -1);
	return 0;
fail:
	osip_contact_free(c);
	return -ENOMEM;
}

/* New parts of m come from its own arena, as in hdr.c. */
int
sip_msg_contact_add(osip_message_t *m, const osip_uri_t *uri,
    const char *user)
{
	struct sip__arena *prev;
	int rc;

	if (!m || !uri)
		return -EINVAL;
	prev = sip__arena_enter(m);
	rc = contact_add(m, uri, user);
	sip__arena_leave(prev);
	m->message_property = 2;
	return rc;
}

int
sip_uri_parse(osip_uri_t **out, const char *text)
{
	osip_uri_t *u = NULL;

	if (!text || osip_uri_init(&u) != 0)
		return -ENOMEM;
	if (osip_uri_parse(u, text) != 0) {
		osip_uri_free(u);
		return -EINVAL;
	}
	*out = u;
	return 0;
}

int
sip_uri_print(char *buf, size_t len, const osip_uri_t *uri)
{
	struct sip__sbuf b = {.p = buf, .cap = len, .fixed = true};

	if (!uri || len == 0 || sip__print_uri(&b, uri) < 0)
		return -EINVAL;
	return b.oom ? -ENOSPC : 0;
}

int
sip_nameaddr_parse(osip_from_t **out, const char *text)
{
	osip_from_t *f = NULL;

	if (!text || osip_from_init(&f) != 0)
		return -ENOMEM;
	if (osip_from_parse(f, text) != 0) {
		osip_from_free(f);
		return -EINVAL;
	}
	*out = f;
	return 0;
}

int
sip_nameaddr_print(char *buf, size_t len, const osip_from_t *na)
{
	struct sip__sbuf b = {.p = buf, .cap = len, .fixed = true};

	if (!na || len == 0 || sip__print_nameaddr(&b, na) < 0)
		return -EINVAL;
	return b.oom ? -ENOSPC : 0;
}
