/* Lock notices: every change of a line's lock, whoever made it (a
 * feature code, the web API, linelockctl in another process, a spent
 * budget), is read back from storage's audit log in order and told to
 * the line's registered devices by SIP MESSAGE (RFC 3428) when the
 * notify_on_lock setting is on. One path for all sources, so that no
 * change is told twice: the log's sequence number says what was told. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "b2bua/internal.h"
#include "log.h"
#include "util.h"

#define NOTIFY_BATCH 16

static void
notify__on_done(void *arg, struct sip_txn *ct, const osip_message_t *resp,
                const struct sip_source *src)
{
	(void)arg;
	(void)ct;
	(void)resp;
	(void)src;
}

/* One MESSAGE to one device; a device that refuses or is gone costs a
 * warning, never the others' notices. */
static void
notify__device(struct b2b *b, const struct b2b_binding *bd, const char *body)
{
	char from[B2B_HOST_MAX + 48], tag[SIP_TAG_LEN];
	char callid[SIP_CALLID_LEN], to[B2B_URI_MAX + 4];
	char host[B2B_HOST_MAX];
	osip_message_t *m = NULL;
	struct sip_txn *ct;

	if (sip_stack_contact_host(b->sip, bd->dest.transport,
	                           bd->dest.addr.ss_family, host,
	                           sizeof(host)) < 0)
		return;
	sip_tag_new(tag);
	sip_callid_new(callid, NULL);
	snprintf(from, sizeof(from), "<sip:linelock@%s>;tag=%s", host, tag);
	snprintf(to, sizeof(to), "<%s>", bd->aor);
	if (sip_msg_new_request(&m, "MESSAGE", bd->contact, from, to, callid,
	                        1) < 0)
		return;
	if (sip_msg_body_set(m, "text/plain", body, strlen(body)) < 0 ||
	    sip_request_send(&ct, b->sip, m, &bd->dest, notify__on_done, NULL) <
	        0)
		log_warn("b2b: lock notice to %s not sent", bd->token);
}

void
b2b__notify_line(struct b2b *b, const char *partition, const char *ext,
                 bool locked)
{
	struct store_settings s;
	char body[96];

	if (!b->sip || b2b__settings(b, &s) < 0 || !s.notify_on_lock)
		return;
	snprintf(body, sizeof(body), "Line %s is now %s.", ext,
	         locked ? "locked" : "unlocked");
	for (struct b2b_binding *bd =
	         b2b__binding_of_user(b, partition, ext, NULL);
	     bd; bd = b2b__binding_of_user(b, partition, ext, bd))
		notify__device(b, bd, body);
}

/* A lock or unlock of a line, subject "partition/ext": its extension,
 * its partition into part; else NULL. */
static const char *
notify__lock_ext(const struct store_audit *e, char part[STORE_PARTITION_MAX],
                 bool *locked)
{
	const char *slash = strchr(e->subject, '/');

	if (!slash || slash == e->subject ||
	    (size_t)(slash - e->subject) >= STORE_PARTITION_MAX)
		return NULL;
	memcpy(part, e->subject, (size_t)(slash - e->subject));
	part[slash - e->subject] = '\0';
	if (strcmp(e->action, "line.lock") == 0)
		*locked = true;
	else if (strcmp(e->action, "line.unlock") == 0)
		*locked = false;
	else
		return NULL;
	return slash + 1;
}

void
b2b__locks_poll(struct b2b *b)
{
	struct store_audit batch[NOTIFY_BATCH];
	char part[STORE_PARTITION_MAX];
	bool locked;
	int n;

	if (!b->store || b->closing)
		return;
	do {
		n = store_audit_since(b->store, batch, ARRAY_SIZE(batch),
		                      b->audit_seq);
		for (int i = 0; i < n; i++) {
			const char *ext =
			    notify__lock_ext(&batch[i], part, &locked);

			b->audit_seq = batch[i].seq;
			if (ext)
				b2b__notify_line(b, part, ext, locked);
		}
	} while (n == (int)ARRAY_SIZE(batch));
}

int
b2b__locks_init(struct b2b *b)
{
	/* Only what changes from now on is news to the phones. */
	if (!b->store)
		return 0;
	return store_audit_last_seq(b->store, &b->audit_seq);
}
