/* libosip2's tree built from our own framing. sip/parse.c's pre-scan
 * already splits a message into its start line, header fields and body;
 * osip_message_parse() framed it all again (a copy of the whole text,
 * its LWS rewrite, a CRLF search and two copies per field: a third of a
 * relayed call's parse). Here each piece goes straight to the libosip2
 * function osip_message_parse() itself hands it to: the start line's
 * fields to the osip_message_set_*() setters and osip_uri_parse(), each
 * field to osip_message_set_multiple_header(), the body to
 * osip_message_set_body(). Every header and URI is still parsed by
 * libosip2. tests/unit/sip/test_frame.c proves the trees the same. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "sip/internal.h"

/* Room for a field's name or value as a C string on the stack; longer
 * ones (rare: a long Via or Authorization) go to the heap. */
#define FRAME_NAME_MAX 64
#define FRAME_VALUE_MAX 1024

/* An osip_malloc()ed copy of [s, s + n) for a setter that keeps it. */
static char *
frame_strndup(const char *s, size_t n)
{
	char *d = osip_malloc(n + 1);

	if (d) {
		memcpy(d, s, n);
		d[n] = '\0';
	}
	return d;
}

/* [s, s + n) as a C string: in `tmp` (cap bytes) when it fits, else in
 * a malloc()ed *heap the caller frees. NULL: out of memory. */
static char *
frame_cstr(char *tmp, size_t cap, const char *s, size_t n, char **heap)
{
	char *d = tmp;

	*heap = NULL;
	if (n >= cap) {
		d = *heap = malloc(n + 1);
		if (!d)
			return NULL;
	}
	memcpy(d, s, n);
	d[n] = '\0';
	return d;
}

/* RFC 3261 7.1: Method SP Request-URI SP SIP-Version. parse.c checked
 * the shape (single spaces, "SIP/2.0", no control character), so the
 * pieces are what libosip2's start-line parser cuts: the method up to
 * the first space, the URI to the second, the version after it. */
static int
frame_request_line(osip_message_t *m, const char *l, size_t n)
{
	const char *sp1 = memchr(l, ' ', n), *uri, *sp2;
	char tmp[FRAME_VALUE_MAX], *heap, *s;
	osip_uri_t *u = NULL;
	int rc;

	if (!sp1)
		return -EBADMSG;
	uri = sp1 + 1;
	sp2 = memchr(uri, ' ', n - (size_t)(uri - l));
	if (!sp2)
		return -EBADMSG;
	if (!(s = frame_strndup(l, (size_t)(sp1 - l))))
		return -ENOMEM;
	osip_message_set_method(m, s);
	if (osip_uri_init(&u) != 0)
		return -ENOMEM;
	osip_message_set_uri(m, u);
	s = frame_cstr(tmp, sizeof(tmp), uri, (size_t)(sp2 - uri), &heap);
	if (!s)
		return -ENOMEM;
	rc = osip_uri_parse(u, s);
	free(heap);
	if (rc != 0)
		return -EBADMSG;
	if (!(s = frame_strndup(sp2 + 1, n - (size_t)(sp2 + 1 - l))))
		return -ENOMEM;
	osip_message_set_version(m, s);
	return 0;
}

/* RFC 3261 7.2: "SIP/2.0 SP 3DIGIT SP Reason-Phrase", as parse.c's
 * status_line_ok() found it. */
static int
frame_status_line(osip_message_t *m, const char *l, size_t n)
{
	char *s;

	if (n < 12)
		return -EBADMSG;
	if (!(s = frame_strndup(l, 7)))
		return -ENOMEM;
	osip_message_set_version(m, s);
	osip_message_set_status_code(m, (l[8] - '0') * 100 +
	    (l[9] - '0') * 10 + (l[10] - '0'));
	if (!(s = frame_strndup(l + 12, n - 12)))
		return -ENOMEM;
	osip_message_set_reason_phrase(m, s);
	return 0;
}

/* A field libosip2 keeps as it came (f->plain), as
 * osip_message_set_multiple_header() would keep it: it lowers the name
 * and, finding it in none of its tables, hands both to
 * osip_message_set_header(), which copies each with osip_clrncpy() (our
 * name and value are already trimmed of what that trims: the same bytes)
 * into a new osip_header_t at the end of the list. Here the copies are
 * made once, without the lookups and the four strlen(). */
static int
frame_plain(osip_message_t *m, const struct sip__field *f)
{
	osip_header_t *h;

	if (osip_header_init(&h) != 0)
		return -ENOMEM;
	h->hname = frame_strndup(f->name, f->name_len);
	if (!h->hname)
		goto fail;
	for (char *c = h->hname; *c; c++)
		if (*c >= 'A' && *c <= 'Z')
			*c = (char)(*c - 'A' + 'a');
	/* Nothing at all after the colon: no value (NULL), as there. */
	if ((f->val_len > 0 || f->val[0] != '\r') &&
	    !(h->hvalue = frame_strndup(f->val, f->val_len)))
		goto fail;
	m->message_property = 2;
	if (osip_list_add(&m->headers, h, -1) < 0)
		goto fail;
	return 0;
fail:
	osip_header_free(h);
	return -ENOMEM;
}

/* One field, as libosip2's header loop hands it on: the name (which
 * osip_message_set_multiple_header() lowers in place) and the trimmed
 * value, NULL when nothing at all follows the colon; or the value
 * straight to the setter that call would end at (parse.c's frame_add).
 * Any refusal fails the whole message there too. */
static int
frame_field(osip_message_t *m, const struct sip__field *f)
{
	char nbuf[FRAME_NAME_MAX], vbuf[FRAME_VALUE_MAX];
	char *nheap = NULL, *vheap = NULL, *name = NULL, *val = NULL;
	int rc;

	if (f->plain)
		return frame_plain(m, f);
	if (!f->set) {
		name = frame_cstr(nbuf, sizeof(nbuf), f->name, f->name_len,
		    &nheap);
		if (!name)
			return -ENOMEM;
	}
	if (f->val_len > 0 || f->val[0] != '\r') {
		val = frame_cstr(vbuf, sizeof(vbuf), f->val, f->val_len,
		    &vheap);
		if (!val) {
			free(nheap);
			return -ENOMEM;
		}
	}
	rc = f->set ? f->set(m, val) : osip_message_set_multiple_header(m,
	    name, val);
	free(nheap);
	free(vheap);
	return rc == 0 ? 0 : -EBADMSG;
}

/* The body, as osip_message_parse() takes it: only when Content-Length
 * says there is one (or, without that header, bytes follow the blank
 * line), only under a Content-Type; without a Content-Length header one
 * is set, the body's length or "0". */
static int
frame_body(osip_message_t *m, const struct sip__frame *fr)
{
	osip_content_length_t *cl = m->content_length;
	osip_content_type_t *ct = m->content_type;
	size_t blen = fr->body_len;
	char num[16];

	if (cl && !cl->value) {
		osip_content_length_free(cl);
		m->content_length = cl = NULL;
	}
	if (cl ? atoi(cl->value) <= 0 : blen == 0)
		goto done;
	if (!ct || !ct->type || !ct->subtype)
		goto done;
	if (strcasecmp(ct->type, "multipart") == 0)
		return 1;
	if (blen == 0)
		return -EBADMSG;
	if (cl) {
		if ((size_t)osip_atoi(cl->value) > blen)
			return -EBADMSG;
		blen = (size_t)osip_atoi(cl->value);
	} else {
		snprintf(num, sizeof(num), "%i", (int)blen);
		if (osip_message_set_content_length(m, num) != 0)
			return -EBADMSG;
	}
	if (osip_message_set_body(m, fr->body, blen) != 0)
		return -EBADMSG;
done:
	if (!m->content_length && osip_message_set_content_length(m, "0"))
		return -ENOMEM;
	return 0;
}

int
sip__frame_build(osip_message_t *m, const struct sip__frame *fr)
{
	int rc = fr->is_resp ? frame_status_line(m, fr->line, fr->line_len) :
	    frame_request_line(m, fr->line, fr->line_len);

	for (unsigned i = 0; rc == 0 && i < fr->n; i++)
		rc = frame_field(m, &fr->f[i]);
	return rc == 0 ? frame_body(m, fr) : rc;
}
