/* Partitions: which tenant or site a device or a call belongs to, from
 * [partitions]. A SIP domain names it first (an AOR's or an identity's
 * host), a source network second; the rest is in "default". Two sites
 * may then both have an extension 201: lines, locks, bindings and call
 * records are kept per (partition, extension). */
#include <string.h>

#include "b2bua/internal.h"
#include "util.h"

_Static_assert(B2B_PART_NAME == STORE_PARTITION_MAX &&
                   sizeof(((struct b2b_event *)0)->partition) ==
                       STORE_PARTITION_MAX &&
                   sizeof(((struct b2b_call_info *)0)->partition) ==
                       STORE_PARTITION_MAX,
               "partition names fit storage's");

const char *
b2b__partition_of(const struct b2b_settings *s, const char *host,
                  const struct sockaddr *addr)
{
	return pol_partition_of(s->partitions, s->n_partitions, host, addr);
}

static const char *
partition__uri_host(const osip_uri_t *uri)
{
	return uri && uri->host ? uri->host : NULL;
}

/* The host of the identity a trusted peer asserts, in the order
 * b2b__identify() reads them: P-Asserted-Identity, Remote-Party-ID,
 * From. NULL when none parses. */
static const char *
partition__identity_host(const osip_message_t *req, char *buf, size_t len)
{
	static const char *const names[] = {"P-Asserted-Identity",
	                                    "Remote-Party-ID"};
	osip_from_t *na = NULL;
	const char *h;

	for (size_t i = 0; i < ARRAY_SIZE(names); i++) {
		const char *v = sip_msg_header_get(req, names[i], 0);

		if (!v || sip_nameaddr_parse(&na, v) < 0)
			continue;
		h = partition__uri_host(na->url);
		if (h && ll_strlcpy(buf, h, len) >= len)
			h = NULL;
		osip_from_free(na);
		if (h)
			return buf;
	}
	na = osip_message_get_from(req);
	return na ? partition__uri_host(na->url) : NULL;
}

void
b2b__partition_access(struct b2b *b, char out[STORE_PARTITION_MAX],
                      const osip_message_t *req, const struct sip_source *src,
                      const struct b2b_binding *bd)
{
	char host[B2B_HOST_MAX];

	if (bd) {
		ll_strlcpy(out, bd->partition, STORE_PARTITION_MAX);
		return;
	}
	ll_strlcpy(
	    out,
	    b2b__partition_of(&b->cfg,
	                      partition__identity_host(req, host, sizeof(host)),
	                      (const struct sockaddr *)&src->remote),
	    STORE_PARTITION_MAX);
}

void
b2b__partition_core(struct b2b *b, char out[STORE_PARTITION_MAX],
                    const osip_message_t *req)
{
	/* The core's own address says nothing of the site a line number
	 * is in: only a Request-URI domain does. */
	ll_strlcpy(
	    out,
	    b2b__partition_of(
	        &b->cfg, partition__uri_host(osip_message_get_uri(req)), NULL),
	    STORE_PARTITION_MAX);
}
