/* Building one leg's messages from the other's: only sip_ helpers and
 * libosip2 accessors, never SIP text parsed here. What crosses from one
 * leg to the other is a safe list of headers; Via, Route, Record-Route,
 * Contact, Call-ID, tags and CSeq never do (each leg has its own). */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "b2bua/internal.h"
#include "util.h"

/* Request headers passed on (initial and in-dialog requests). */
const char *const b2b__req_headers[] = {
    "Allow",
    "Supported",
    "Require",
    "Accept",
    "User-Agent",
    "Session-Expires",
    "Min-SE",
    "Proxy-Authorization",
    "Authorization",
    "Privacy",
    "Subject",
    "Priority",
    "Alert-Info",
    "Event",
    "Subscription-State",
    "Refer-To",
    "Referred-By",
    "Replaces",
    "Allow-Events",
    "Expires",
    "Info-Package",
    "Recv-Info",
    "Reason",
    "Content-Disposition",
    NULL,
};

/* Response headers passed back. */
const char *const b2b__resp_headers[] = {
    "Allow",
    "Supported",
    "Require",
    "RSeq",
    "Accept",
    "Server",
    "Session-Expires",
    "Min-SE",
    "WWW-Authenticate",
    "Proxy-Authenticate",
    "Retry-After",
    "Warning",
    "Reason",
    "Unsupported",
    "Allow-Events",
    "Expires",
    "Min-Expires",
    "Date",
    "Event",
    "Content-Disposition",
    NULL,
};

bool
b2b__join(char *buf, size_t len, ...)
{
	va_list ap;
	size_t at = 0;
	bool fit = true;
	const char *s;

	va_start(ap, len);
	while ((s = va_arg(ap, const char *)) != NULL) {
		size_t n = strlen(s);

		if (at + n >= len) {
			n = len - 1 - at;
			fit = false;
		}
		memcpy(buf + at, s, n);
		at += n;
		if (!fit)
			break;
	}
	va_end(ap);
	buf[at] = '\0';
	return fit;
}

int
b2b__callid_text(char *buf, size_t len, const osip_call_id_t *cid)
{
	if (!cid || !cid->number)
		return -EBADMSG;
	return b2b__join(buf, len, cid->number, cid->host ? "@" : "",
	                 cid->host ? cid->host : "", (char *)NULL)
	           ? 0
	           : -EBADMSG;
}

static int
msg__clone_www(const void *src, void **dst)
{
	return osip_www_authenticate_clone(src,
	                                   (osip_www_authenticate_t **)dst);
}

static int
msg__clone_auth(const void *src, void **dst)
{
	return osip_authorization_clone(src, (osip_authorization_t **)dst);
}

static int
msg__clone_allow(const void *src, void **dst)
{
	return osip_allow_clone(src, (osip_allow_t **)dst);
}

static int
msg__clone_accept(const void *src, void **dst)
{
	return osip_accept_clone(src, (osip_accept_t **)dst);
}

/* Headers libosip2 keeps in lists of their own, not as plain headers:
 * copied as structures (cloned), never through text. */
static const struct {
	const char *name;
	size_t off;
	int (*clone)(const void *src, void **dst);
} msg__structured[] = {
    {"Allow", offsetof(osip_message_t, allows), msg__clone_allow},
    {"Accept", offsetof(osip_message_t, accepts), msg__clone_accept},
    {"WWW-Authenticate", offsetof(osip_message_t, www_authenticates),
     msg__clone_www},
    {"Proxy-Authenticate", offsetof(osip_message_t, proxy_authenticates),
     msg__clone_www},
    {"Authorization", offsetof(osip_message_t, authorizations),
     msg__clone_auth},
    {"Proxy-Authorization", offsetof(osip_message_t, proxy_authorizations),
     msg__clone_auth},
};

/* What a copy run inside the destination's scope (sip_msg_edit()) needs:
 * the clones become dst's, freed with it in one step. */
struct msg__copy {
	const osip_message_t *src;
	size_t i;			/* msg__structured entry */
};

static int
msg__copy_list(osip_message_t *dst, void *arg)
{
	const osip_message_t *src = ((const struct msg__copy *)arg)->src;
	size_t i = ((const struct msg__copy *)arg)->i;
	const osip_list_t *from =
	    (const osip_list_t *)(const void *)((const char *)src +
	                                        msg__structured[i].off);
	osip_list_t *to =
	    (osip_list_t *)(void *)((char *)dst + msg__structured[i].off);

	for (int k = 0; k < osip_list_size(from); k++) {
		void *dup = NULL;

		if (msg__structured[i].clone(osip_list_get(from, k), &dup) != 0)
			return -ENOMEM;
		osip_list_add(to, dup, -1);
	}
	dst->message_property = 2;
	return 0;
}

int
b2b__copy_headers(osip_message_t *dst, const osip_message_t *src,
                  const char *const *names)
{
	for (size_t k = 0; k < ARRAY_SIZE(msg__structured); k++) {
		const char *sn = msg__structured[k].name;
		const osip_list_t *l =
		    (const osip_list_t *)(const void *)((const char *)src +
		                                        msg__structured[k].off);

		/* Most of these lists are empty in most messages. */
		if (osip_list_size(l) <= 0)
			continue;
		for (const char *const *n = names; *n; n++) {
			if ((sn[0] | 0x20) != ((*n)[0] | 0x20) ||
			    strcasecmp(sn, *n) != 0)
				continue;
			struct msg__copy c = {.src = src, .i = k};

			if (sip_msg_edit(dst, msg__copy_list, &c) < 0)
				return -ENOMEM;
			break;
		}
	}
	/* The rest are text headers: one pass over src's. */
	return sip_msg_header_copy(dst, src, names);
}

/* RFC 2046 5.1: libosip2 splits a multipart body into its parts, each
 * with its own headers, and prints them back between boundaries. The
 * first part alone (sip_msg_body_get()) is not the body: copy them all. */
static int
msg__copy_parts(osip_message_t *dst, void *arg)
{
	const osip_message_t *src = ((const struct msg__copy *)arg)->src;
	osip_body_t *b;

	while ((b = osip_list_get(&dst->bodies, 0))) {
		osip_list_remove(&dst->bodies, 0);
		osip_body_free(b);
	}
	for (int i = 0; (b = osip_list_get(&src->bodies, i)); i++) {
		osip_body_t *c = NULL;

		if (osip_body_clone(b, &c) != 0)
			return -ENOMEM;
		osip_list_add(&dst->bodies, c, -1);
	}
	return 0;
}

int
b2b__copy_body(osip_message_t *dst, const osip_message_t *src)
{
	size_t len;
	const char *body = sip_msg_body_get(src, &len);
	osip_content_type_t *ct;
	char type[128];
	int rc;

	if (!body || len == 0)
		return 0;
	ct = osip_message_get_content_type(src);
	if (ct && ct->type && ct->subtype) {
		b2b__join(type, sizeof(type), ct->type, "/", ct->subtype,
		          (char *)NULL);
		for (int i = 0; i < osip_list_size(&ct->gen_params); i++) {
			osip_generic_param_t *p =
			    osip_list_get(&ct->gen_params, i);
			size_t n = strlen(type);

			if (p && p->gname)
				b2b__join(type + n, sizeof(type) - n, ";",
				          p->gname, p->gvalue ? "=" : "",
				          p->gvalue ? p->gvalue : "",
				          (char *)NULL);
		}
	} else {
		ll_strlcpy(type, "application/octet-stream", sizeof(type));
	}
	rc = sip_msg_body_set(dst, type, body, len);
	if (rc == 0 && ct && ct->type && !strcasecmp(ct->type, "multipart")) {
		struct msg__copy c = {.src = src};

		rc = sip_msg_edit(dst, msg__copy_parts, &c);
	}
	return rc;
}

int
b2b__uri_text(char *buf, size_t len, const osip_uri_t *uri)
{
	if (!uri)
		return -EINVAL;
	return sip_uri_print(buf, len, uri);
}

/* A name-addr (From/To) or, with na NULL, the URI uri printed with
 * another user part: the number an authorization-code prefix hid. */
int
b2b__print_with_user(char *buf, size_t len, const osip_from_t *na,
                     const osip_uri_t *uri, const char *user)
{
	osip_from_t *nc = NULL;
	osip_uri_t *uc = NULL, **slot;
	int rc;

	if (na ? osip_from_clone(na, &nc) != 0 || !nc->url
	       : !uri || osip_uri_clone(uri, &uc) != 0) {
		osip_from_free(nc);
		return -ENOMEM;
	}
	slot = na ? &nc->url : &uc;
	osip_free((*slot)->username);
	(*slot)->username = osip_strdup(user);
	if (!(*slot)->username)
		rc = -ENOMEM;
	else
		rc = na ? sip_nameaddr_print(buf, len, nc)
		        : sip_uri_print(buf, len, uc);
	osip_from_free(nc);
	osip_uri_free(uc);
	return rc;
}

void
b2b__source_dest(struct sip_dest *out, const struct sip_source *src)
{
	memset(out, 0, sizeof(*out));
	out->transport = src->transport;
	out->addr = src->remote;
	out->flow = src->flow;
}

static const char *
msg__transport_param(enum net_transport t)
{
	return t == NET_UDP   ? ""
	       : t == NET_TCP ? ";transport=tcp"
	                      : ";transport=tls";
}

/* A user part that libosip2 takes from "<sip:user@host>" as it is, and
 * that its printer writes back unescaped: phone numbers and names. */
static bool
msg__user_is_plain(const char *user)
{
	for (const char *p = user; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		      (*p >= '0' && *p <= '9') || strchr("-_.!~*'+", *p)))
			return false;
	return true;
}

/* Our Contact URI without user toward a listener whose sent-by is host:
 * parsed by libosip2 once and kept; NULL (the caller parses the text)
 * when it cannot be kept. */
static const osip_uri_t *
msg__contact_uri(struct b2b *b, const struct sip_dest *toward, const char *host)
{
	int af = toward->addr.ss_family;
	struct b2b__contact *k;
	char text[B2B_TARGET_MAX];
	osip_uri_t *u = NULL;

	if (b->closing || (unsigned)toward->transport > NET_TLS ||
	    (af != AF_INET && af != AF_INET6))
		return NULL;
	k = &b->contact[toward->transport][af == AF_INET6];
	if (k->uri && strcmp(k->host, host) == 0)
		return k->uri;
	if (!b2b__join(text, sizeof(text), "sip:", host,
	               msg__transport_param(toward->transport), (char *)NULL) ||
	    ll_strlcpy(k->host, host, sizeof(k->host)) >= sizeof(k->host) ||
	    sip_uri_parse(&u, text) < 0)
		return NULL;
	osip_uri_free(k->uri);
	k->uri = u;
	return u;
}

void
b2b__contacts_free(struct b2b *b)
{
	for (size_t t = 0; t < ARRAY_SIZE(b->contact); t++)
		for (size_t f = 0; f < ARRAY_SIZE(b->contact[t]); f++) {
			osip_uri_free(b->contact[t][f].uri);
			b->contact[t][f].uri = NULL;
		}
}

/* Our Contact toward a peer: a URI on the listener that reaches it, so
 * the peer's in-dialog requests come back to linelock (RFC 3261 8.1.1.8:
 * the Contact is where to send future requests of the dialog). Four a
 * call: the text "<sip:user@host>" parsed by libosip2 each time cost
 * 2.7 k instructions; the URI parsed once per listener and copied costs
 * half. The text path stays for users that need escaping. */
int
b2b__contact_set(osip_message_t *m, struct b2b *b,
                 const struct sip_dest *toward, const char *user)
{
	char host[B2B_HOST_MAX];
	char val[B2B_TARGET_MAX];
	const char *param = msg__transport_param(toward->transport);
	const char *u = user && *user ? user : "";
	const osip_uri_t *uri;
	int rc;

	rc = sip_stack_contact_host(b->sip, toward->transport,
	                            toward->addr.ss_family, host, sizeof(host));
	if (rc < 0)
		return rc;
	/* "<sip:" [user "@"] host param ">" must fit val either way. */
	if (5 + strlen(u) + (*u ? 1 : 0) + strlen(host) + strlen(param) + 1 >=
	    sizeof(val))
		return -ENOSPC;
	if (osip_list_size(&m->contacts) > 0)
		sip_msg_header_remove(m, "Contact");
	if (msg__user_is_plain(u) && (uri = msg__contact_uri(b, toward, host)))
		return sip_msg_contact_add(m, uri, u);
	b2b__join(val, sizeof(val), "<sip:", u, *u ? "@" : "", host, param, ">",
	          (char *)NULL);
	return sip_msg_header_add(m, "Contact", val);
}

/* The route set from a message's Record-Route: as listed (UAS, RFC 3261
 * 12.1.1) or reversed (UAC, 12.1.2). Written "<u1>,<u2>"; -ENOSPC when
 * it does not fit the leg (the dialog is then refused). */
int
b2b__route_from_rr(char *buf, size_t len, const osip_message_t *m, bool reverse)
{
	int n = osip_list_size(&m->record_routes);
	size_t used = 0;

	buf[0] = '\0';
	for (int i = 0; i < n; i++) {
		osip_record_route_t *rr =
		    osip_list_get(&m->record_routes, reverse ? n - 1 - i : i);
		char one[B2B_ROUTE_MAX];
		int rc;

		if (!rr)
			continue;
		rc = sip_nameaddr_print(one, sizeof(one), rr);
		if (rc < 0)
			return rc;
		if (used + strlen(one) + 2 > len)
			return -ENOSPC;
		used += (size_t)snprintf(buf + used, len - used, "%s%s",
		                         used ? "," : "", one);
	}
	return 0;
}

int
b2b__target_from_contact(char *buf, size_t len, const osip_message_t *m)
{
	osip_contact_t *ct = NULL;

	if (osip_message_get_contact(m, 0, &ct) < 0 || !ct || !ct->url)
		return -ENOENT;
	/* RFC 3261 8.1.1.8, 12.1.1: a dialog's remote target is a SIP or
	 * SIPS URI; we would send its requests to nowhere else. */
	if (!ct->url->scheme || (strcasecmp(ct->url->scheme, "sip") != 0 &&
	    strcasecmp(ct->url->scheme, "sips") != 0))
		return -EPROTO;
	/* It becomes Request-URIs, which carry no headers (19.1.1). */
	return sip_uri_print_target(buf, len, ct->url);
}

/* Adds the leg's route set as Route headers, one per hop. */
static int
msg__routes_add(osip_message_t *m, const char *route)
{
	char hop[B2B_ROUTE_MAX];
	const char *p = route;

	while (*p) {
		const char *end = p;
		bool in_angle = false;
		size_t n;
		int rc;

		while (*end && (in_angle || *end != ',')) {
			if (*end == '<' || *end == '>')
				in_angle = *end == '<';
			end++;
		}
		n = (size_t)(end - p);
		if (n >= sizeof(hop))
			return -ENOSPC;
		memcpy(hop, p, n);
		hop[n] = '\0';
		rc = sip_msg_header_add(m, "Route", hop);
		if (rc < 0)
			return rc;
		p = *end ? end + 1 : end;
	}
	return 0;
}

/* A request inside leg's dialog (RFC 3261 12.2.1.1): Request-URI the
 * remote target, To/From the remote/local URI with their tags, our
 * Call-ID, the route set, our Contact. */
int
b2b__leg_request(osip_message_t **out, struct b2b *b, struct b2b_leg *leg,
                 const char *method, uint32_t cseq)
{
	const struct sip_party from = {.uri = leg->local_uri,
	                               .tag = leg->local_tag};
	const struct sip_party to = {.uri = leg->remote_uri,
	                             .tag = leg->remote_tag};
	osip_message_t *m = NULL;
	int rc;

	rc = sip_msg_new_request_dlg(&m, method, leg->target, &from, &to,
	                             leg->call_id, cseq, 70);
	if (rc < 0)
		return rc;
	rc = msg__routes_add(m, leg->route);
	if (rc == 0 && strcmp(method, "ACK") != 0 &&
	    strcmp(method, "CANCEL") != 0)
		rc = b2b__contact_set(m, b, &leg->dest, NULL);
	if (rc < 0) {
		osip_message_free(m);
		return rc;
	}
	*out = m;
	return 0;
}

/* The answer to server transaction st carrying what resp (from the
 * other leg) says: its status and reason, the safe headers, the body and
 * our Contact when the response makes or keeps a dialog. For 3xx the
 * redirect Contacts pass as they are (they name other targets). A tail
 * for sip_txn_reply_tail(): sip/ adds the request's Via, From, To...
 * (printed from the request, not copied, where it can). */
int
b2b__response_build(osip_message_t **out, struct b2b *b, struct sip_txn *st,
                    const osip_message_t *resp)
{
	const struct sip_source *src = sip_txn_source(st);
	int code = osip_message_get_status_code(resp);
	const char *reason = osip_message_get_reason_phrase(resp);
	osip_message_t *r = NULL;
	struct sip_dest toward;
	int rc;

	rc = sip_msg_new_reply_tail(&r, sip_txn_request(st), code, reason);
	if (rc < 0)
		return rc;
	rc = b2b__copy_headers(r, resp, b2b__resp_headers);
	if (rc == 0)
		rc = b2b__copy_body(r, resp);
	if (rc == 0 && code >= 300 && code < 400) {
		osip_contact_t *ct;

		for (int i = 0;
		     rc == 0 && osip_message_get_contact(resp, i, &ct) >= 0 &&
		     ct;
		     i++) {
			char v[B2B_TARGET_MAX];

			if (sip_nameaddr_print(v, sizeof(v), ct) == 0)
				rc = sip_msg_header_add(r, "Contact", v);
		}
	} else if (rc == 0 && code > 100 && code < 300) {
		b2b__source_dest(&toward, src);
		rc = b2b__contact_set(r, b, &toward, NULL);
	}
	if (rc < 0) {
		osip_message_free(r);
		return rc;
	}
	*out = r;
	return 0;
}
