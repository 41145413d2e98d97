/* Header access by name (sip.h's sip_msg_header_*): plain headers in
 * libosip2's list, compact forms (RFC 3261 7.3.3, and the later ones
 * registered with IANA) matched both ways, and the headers libosip2 keeps
 * structured reached by the same names, so a TU never sees the split. */
#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "sip/internal.h"

enum hdr_id {
	HDR_PLAIN = 0,
	HDR_VIA, HDR_FROM, HDR_TO, HDR_CONTACT, HDR_ROUTE, HDR_RR,
	HDR_CALLID, HDR_CSEQ, HDR_CTYPE, HDR_ACCEPT, HDR_CLEN, HDR_ALLOW,
	HDR_CENC,
};

struct hdr_name {
	const char *name;
	const char *compact;
	enum hdr_id id;
};

static const struct hdr_name hdr_names[] = {
    {"Via", "v", HDR_VIA},
    {"From", "f", HDR_FROM},
    {"To", "t", HDR_TO},
    {"Contact", "m", HDR_CONTACT},
    {"Route", NULL, HDR_ROUTE},
    {"Record-Route", NULL, HDR_RR},
    {"Call-ID", "i", HDR_CALLID},
    {"CSeq", NULL, HDR_CSEQ},
    {"Content-Type", "c", HDR_CTYPE},
    {"Accept", NULL, HDR_ACCEPT},
    {"Content-Length", "l", HDR_CLEN},
    {"Allow", NULL, HDR_ALLOW},
    {"Content-Encoding", "e", HDR_CENC},
    /* Plain in libosip2; compact forms from the IANA registry. */
    {"Subject", "s", HDR_PLAIN},
    {"Supported", "k", HDR_PLAIN},
    {"Event", "o", HDR_PLAIN},
    {"Refer-To", "r", HDR_PLAIN},
    {"Referred-By", "b", HDR_PLAIN},
    {"Allow-Events", "u", HDR_PLAIN},
    {"Session-Expires", "x", HDR_PLAIN},
    {"Accept-Contact", "a", HDR_PLAIN},
    {"Reject-Contact", "j", HDR_PLAIN},
    {"Request-Disposition", "d", HDR_PLAIN},
    {"Identity", "y", HDR_PLAIN},
};

/* A first byte compared with a letter's lower case, or before a
 * strcasecmp() that decides: c | 0x20 is a letter exactly when c is one
 * (of either case), so the first-letter tests below stay exact, without
 * a call to tolower() through the locale table per table entry. */
static inline __attribute__((always_inline)) int
hdr_fold(unsigned char c)
{
	return c | 0x20;
}

/* The entries of hdr_names a name can be, by its first byte & 31 (the
 * same for both cases of a letter): bit i for entry i when its name or
 * its compact form starts with that letter. Built on first use. */
static uint32_t hdr_by_first[32];
static bool hdr_by_first_built;

_Static_assert(ARRAY_SIZE(hdr_names) <= 32, "hdr_by_first holds 32 bits");

static void
hdr_by_first_build(void)
{
	for (size_t i = 0; i < ARRAY_SIZE(hdr_names); i++) {
		hdr_by_first[hdr_names[i].name[0] & 31] |= 1u << i;
		if (hdr_names[i].compact)
			hdr_by_first[hdr_names[i].compact[0] & 31] |= 1u << i;
	}
	hdr_by_first_built = true;
}

/* Runs for every header a B2BUA leg copies, mostly names not in the
 * table: the first letter rules out nearly every entry before strcasecmp
 * (callgrind: 48 strcasecmp per lookup were 18% of a relayed call), and
 * only the one or two entries sharing it are looked at, in table order
 * (the scan of all 24 was 3.5 k instructions a call). The compact forms
 * are one lower-case letter. */
static const struct hdr_name *
hdr_lookup(const char *name)
{
	int c = hdr_fold((unsigned char)name[0]);
	bool one = name[0] != '\0' && name[1] == '\0';
	uint32_t cand;

	if (!hdr_by_first_built)
		hdr_by_first_build();
	cand = hdr_by_first[(unsigned char)name[0] & 31];
	while (cand) {
		const struct hdr_name *h = &hdr_names[__builtin_ctz(cand)];

		cand &= cand - 1;
		if (one && h->compact && c == h->compact[0])
			return h;
		if (c == hdr_fold((unsigned char)h->name[0]) &&
		    strcasecmp(name, h->name) == 0)
			return h;
	}
	return NULL;
}

static osip_list_t *
hdr_list(const osip_message_t *cm, enum hdr_id id)
{
	osip_message_t *m = (osip_message_t *)cm;

	switch (id) {
	case HDR_VIA: return &m->vias;
	case HDR_CONTACT: return &m->contacts;
	case HDR_ROUTE: return &m->routes;
	case HDR_RR: return &m->record_routes;
	case HDR_ACCEPT: return &m->accepts;
	case HDR_ALLOW: return &m->allows;
	case HDR_CENC: return &m->content_encodings;
	default: return NULL;
	}
}

static void *
hdr_single(const osip_message_t *m, enum hdr_id id)
{
	switch (id) {
	case HDR_FROM: return m->from;
	case HDR_TO: return m->to;
	case HDR_CALLID: return m->call_id;
	case HDR_CSEQ: return m->cseq;
	case HDR_CTYPE: return m->content_type;
	case HDR_CLEN: return m->content_length;
	default: return NULL;
	}
}

static int
hdr_to_str(enum hdr_id id, void *e, char **out)
{
	switch (id) {
	case HDR_VIA: return osip_via_to_str(e, out);
	case HDR_CALLID: return osip_call_id_to_str(e, out);
	case HDR_CSEQ: return osip_cseq_to_str(e, out);
	case HDR_CTYPE:
	case HDR_ACCEPT: return osip_content_type_to_str(e, out);
	case HDR_CLEN:
	case HDR_ALLOW:
	case HDR_CENC: return osip_content_length_to_str(e, out);
	default: return osip_from_to_str(e, out);
	}
}

static void
hdr_free(enum hdr_id id, void *e)
{
	switch (id) {
	case HDR_VIA: osip_via_free(e); break;
	case HDR_CALLID: osip_call_id_free(e); break;
	case HDR_CSEQ: osip_cseq_free(e); break;
	case HDR_CTYPE:
	case HDR_ACCEPT: osip_content_type_free(e); break;
	case HDR_CLEN:
	case HDR_ALLOW:
	case HDR_CENC: osip_content_length_free(e); break;
	default: osip_from_free(e); break;
	}
}

static void
hdr_single_clear(osip_message_t *m, enum hdr_id id)
{
	hdr_free(id, hdr_single(m, id));
	switch (id) {
	case HDR_FROM: m->from = NULL; break;
	case HDR_TO: m->to = NULL; break;
	case HDR_CALLID: m->call_id = NULL; break;
	case HDR_CSEQ: m->cseq = NULL; break;
	case HDR_CTYPE: m->content_type = NULL; break;
	case HDR_CLEN: m->content_length = NULL; break;
	default: break;
	}
}

/* Structured values are printed into a small ring the loop owns: the
 * caller reads or copies one before the next SIP__HDR_RING calls. */
#define SIP__HDR_RING 4
static char *hdr_ring[SIP__HDR_RING];
static unsigned hdr_ring_i;

static const char *
hdr_ring_keep(char *s)
{
	osip_free(hdr_ring[hdr_ring_i]);
	hdr_ring[hdr_ring_i] = s;
	hdr_ring_i = (hdr_ring_i + 1) % SIP__HDR_RING;
	return s;
}

void
sip__hdr_ring_clear(void)
{
	for (unsigned i = 0; i < SIP__HDR_RING; i++) {
		osip_free(hdr_ring[i]);
		hdr_ring[i] = NULL;
	}
}

static bool
hdr_plain_match(const osip_header_t *h, const char *name,
    const struct hdr_name *hn)
{
	int c;

	if (!h->hname)
		return false;
	/* The first letter first: most headers of a message fail on it. */
	c = hdr_fold((unsigned char)h->hname[0]);
	if (!hn)
		return c == hdr_fold((unsigned char)name[0]) &&
		    strcasecmp(h->hname, name) == 0;
	if (hn->compact && h->hname[0] && !h->hname[1])
		return c == hn->compact[0];
	return c == hdr_fold((unsigned char)hn->name[0]) &&
	    strcasecmp(h->hname, hn->name) == 0;
}

const char *
sip_msg_header_get(const osip_message_t *m, const char *name, int idx)
{
	const struct hdr_name *hn = name ? hdr_lookup(name) : NULL;
	char *s = NULL;
	void *e;

	if (!m || !name || idx < 0)
		return NULL;
	if (hn && hn->id != HDR_PLAIN) {
		osip_list_t *l = hdr_list(m, hn->id);

		struct sip__arena *prev;
		int rc;

		e = l ? osip_list_get(l, idx) : idx == 0 ?
		    hdr_single(m, hn->id) : NULL;
		if (!e)
			return NULL;
		/* Kept past the call: plain malloc, not a loose block that
		 * would make every message alive meanwhile walk when freed. */
		prev = sip__arena_enter(NULL);
		rc = hdr_to_str(hn->id, e, &s);
		sip__arena_leave(prev);
		if (rc != 0 || !s)
			return NULL;
		return hdr_ring_keep(s);
	}
	for (int i = 0, seen = 0; i < osip_list_size(&m->headers); i++) {
		osip_header_t *h = osip_list_get(&m->headers, i);

		if (hdr_plain_match(h, name, hn) && seen++ == idx)
			return h->hvalue ? h->hvalue : "";
	}
	return NULL;
}

/* The full name of the one-letter name, else name itself. */
static const char *
hdr_full_compact(const char *name)
{
	for (size_t i = 0; i < ARRAY_SIZE(hdr_names); i++) {
		const char *c = hdr_names[i].compact;

		if (c && hdr_fold((unsigned char)name[0]) == c[0])
			return hdr_names[i].name;
	}
	return name;
}

/* The full name of a one-letter compact form, else name itself; inline:
 * sip_msg_header_copy() asks it for every listed name of every header
 * (11 k calls for 200 calls, callgrind), nearly all of them long. */
static inline __attribute__((always_inline)) const char *
hdr_full(const char *name)
{
	if (name[0] == '\0' || name[1] != '\0')
		return name;
	return hdr_full_compact(name);
}

/* Index in names of the entry naming header hname, or -1. */
static int
hdr_name_index(const char *hname, const char *const *names, size_t n)
{
	const char *full = hdr_full(hname);
	int c = hdr_fold((unsigned char)full[0]);

	for (size_t i = 0; i < n; i++) {
		const char *e = hdr_full(names[i]);

		if (c == hdr_fold((unsigned char)e[0]) &&
		    strcasecmp(full, e) == 0)
			return (int)i;
	}
	return -1;
}

/* One walk over src's text headers, each name looked up once: getting
 * each listed name in turn cost 89 lookups and list walks per relayed
 * call (callgrind: 9% of it with the strcasecmps). */
int
sip_msg_header_copy(osip_message_t *dst, const osip_message_t *src,
    const char *const *names)
{
	uint8_t seen[SIP_HDR_COPY_MAX] = {0};
	struct sip__arena *prev;
	size_t n = 0;
	int rc = 0;

	while (names[n])
		if (++n > SIP_HDR_COPY_MAX)
			return -EINVAL;
	prev = sip__arena_enter(dst);
	for (int i = 0; rc == 0 && i < osip_list_size(&src->headers); i++) {
		const osip_header_t *h = osip_list_get(&src->headers, i);
		const char *v = h && h->hvalue ? h->hvalue : "";
		char lname[128];
		int k;

		if (!h || !h->hname ||
		    (k = hdr_name_index(h->hname, names, n)) < 0 ||
		    seen[k]++ >= 16)
			continue;
		if (strpbrk(v, "\r\n") ||
		    ll_strlcpy(lname, names[k], sizeof(lname)) >= sizeof(lname))
			rc = -EINVAL;
		else if (osip_message_set_header(dst, lname, v) != 0)
			rc = -ENOMEM;
	}
	sip__arena_leave(prev);
	dst->message_property = 2;
	return rc;
}

int
sip_msg_header_remove(osip_message_t *m, const char *name)
{
	const struct hdr_name *hn;

	if (!m || !name)
		return -EINVAL;
	hn = hdr_lookup(name);
	if (hn && hn->id != HDR_PLAIN) {
		osip_list_t *l = hdr_list(m, hn->id);

		while (l && osip_list_size(l) > 0) {
			void *e = osip_list_get(l, 0);

			osip_list_remove(l, 0);
			hdr_free(hn->id, e);
		}
		if (!l)
			hdr_single_clear(m, hn->id);
	}
	for (int i = 0; i < osip_list_size(&m->headers);) {
		osip_header_t *h = osip_list_get(&m->headers, i);

		if (!hdr_plain_match(h, name, hn)) {
			i++;
			continue;
		}
		osip_list_remove(&m->headers, i);
		osip_header_free(h);
	}
	m->message_property = 2;
	return 0;
}

int
sip_msg_header_set(osip_message_t *m, const char *name, const char *value)
{
	int rc = sip_msg_header_remove(m, name);

	return rc < 0 ? rc : sip_msg_header_add(m, name, value);
}

int
sip_msg_header_add(osip_message_t *m, const char *name, const char *value)
{
	if (!m || !name || !*name || !value || strpbrk(name, ": \r\n") ||
	    strpbrk(value, "\r\n"))
		return -EINVAL;
	return sip__header_add_text(m, name, value);
}

/* libosip2 lowercases the header name in place: callers pass string
 * literals ({"Retry-After", "5"} in every 503), so it works on a copy.
 * Structured headers go through libosip2's parsers (so its fields stay
 * the truth; lists such as Contact are split at commas); Allow is kept
 * as one comma-separated header; plain ones are stored as given. */
int
sip__header_add_text(osip_message_t *m, const char *name, const char *value)
{
	const struct hdr_name *hn = hdr_lookup(name);
	char lname[128];
	struct sip__arena *prev;
	int rc;

	if (ll_strlcpy(lname, name, sizeof(lname)) >= sizeof(lname))
		return -EINVAL;
	prev = sip__arena_enter(m);	/* the new header joins m's arena */
	if (!hn || hn->id == HDR_PLAIN)
		rc = osip_message_set_header(m, lname, value);
	else if (hn->id == HDR_ALLOW)
		rc = osip_message_set_allow(m, value);
	else
		rc = osip_message_set_multiple_header(m, lname, (char *)value);
	sip__arena_leave(prev);
	m->message_property = 2;
	return rc == 0 ? 0 : -EINVAL;
}
