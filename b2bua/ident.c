/* Who is calling. A registered phone is the AOR its registration proved
 * (found by the address or connection it registered from), whatever From
 * it sends; a trusted access peer (by CIDR) is believed in
 * P-Asserted-Identity, then Remote-Party-ID, then From (RFC 3325 9.1:
 * identity asserted only by trusted peers). Anyone else is refused. */
#include <errno.h>
#include <string.h>
#include <strings.h>

#include "b2bua/internal.h"
#include "util.h"

int
b2b__uri_user(char *buf, size_t len, const osip_uri_t *uri)
{
	if (!uri || !uri->username || !uri->username[0])
		return -ENOENT;
	if (ll_strlcpy(buf, uri->username, len) >= len)
		return -ENOSPC;
	return 0;
}

/* The user part of a name-addr header value, or -ENOENT. */
static int
ident__header_user(char *buf, size_t len, const char *value)
{
	osip_from_t *na = NULL;
	int rc;

	if (!value || sip_nameaddr_parse(&na, value) < 0)
		return -ENOENT;
	rc = b2b__uri_user(buf, len, na->url);
	osip_from_free(na);
	return rc;
}

int
b2b__identify(struct b2b *b, const osip_message_t *req,
              const struct sip_source *src, char *id, size_t len,
              struct b2b_binding **binding)
{
	struct b2b_binding *bd = b2b__binding_by_source(b, src);
	osip_from_t *from;

	*binding = bd;
	if (bd)
		return ll_strlcpy(id, bd->user, len) >= len ? -ENOSPC : 0;
	if (!b2b__is_trusted(b, src))
		return -EACCES;
	if (ident__header_user(
	        id, len, sip_msg_header_get(req, "P-Asserted-Identity", 0)) ==
	    0)
		return 0;
	if (ident__header_user(
	        id, len, sip_msg_header_get(req, "Remote-Party-ID", 0)) == 0)
		return 0;
	from = osip_message_get_from(req);
	return from ? b2b__uri_user(id, len, from->url) : -EACCES;
}

/* RFC 3323 4.2: Privacy "id" or "header" hides who calls (without an
 * asserted identity, the number we would judge is not the caller's). */
static bool
ident__privacy_hides(const char *privacy)
{
	char tok[16];
	size_t n;

	while (privacy && *privacy) {
		privacy += strspn(privacy, " \t;");
		n = strcspn(privacy, " \t;");
		if (n && n < sizeof(tok)) {
			memcpy(tok, privacy, n);
			tok[n] = '\0';
			if (!strcasecmp(tok, "id") ||
			    !strcasecmp(tok, "header"))
				return true;
		}
		privacy += n;
	}
	return false;
}

void
b2b__caller_number(const osip_message_t *req, char *num, size_t len,
                   bool *anonymous)
{
	const char *pai = sip_msg_header_get(req, "P-Asserted-Identity", 0);
	osip_from_t *from = osip_message_get_from(req);
	char fuser[B2B_ID_MAX];

	if (!from || b2b__uri_user(fuser, sizeof(fuser), from->url) < 0)
		fuser[0] = '\0';
	/* A core peer is trusted: its asserted identity names the caller
	 * (RFC 3325 9.1), From only without one. */
	if (ident__header_user(num, len, pai) < 0 &&
	    ll_strlcpy(num, fuser, len) >= len)
		num[0] = '\0';
	*anonymous = !strcasecmp(fuser, "anonymous") ||
	             (!pai && ident__privacy_hides(
	                          sip_msg_header_get(req, "Privacy", 0)));
}
