/* Registrations: a phone's REGISTER goes on to the core as our own
 * transaction, its Contact replaced by linelock's with a token naming the
 * device binding, Expires and credentials kept (digest signs the
 * Request-URI, which is kept). On 2xx the binding is kept here and in
 * storage/; it goes on unregister or expiry. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "b2bua/internal.h"
#include "log.h"
#include "util.h"

static const char *const reg_headers[] = {
    "Authorization", "Proxy-Authorization",
    "Expires",       "User-Agent",
    "Supported",     "Allow",
    "Allow-Events",  NULL,
};

/* "aa:bb:cc:dd:ee:ff" or 12 hex digits in a row, as phones write their
 * MAC in User-Agent or +sip.instance; "" when none. */
static void
reg__mac(char out[13], const char *s)
{
	size_t run = 0;

	out[0] = '\0';
	for (const char *p = s; p && *p; p++) {
		bool hex = (*p >= '0' && *p <= '9') ||
		           ((*p | 0x20) >= 'a' && (*p | 0x20) <= 'f');

		if (hex) {
			if (run < 12)
				out[run] = (char)(*p | 0x20);
			run++;
		} else if (*p != ':' || run % 2) {
			if (run == 12) {
				out[12] = '\0';
				return;
			}
			run = 0;
		}
	}
	if (run == 12)
		out[12] = '\0';
	else
		out[0] = '\0';
}

static void
reg__to_store(struct store_binding *sb, const struct b2b_binding *bd)
{
	memset(sb, 0, sizeof(*sb));
	ll_strlcpy(sb->token, bd->token, sizeof(sb->token));
	ll_strlcpy(sb->aor, bd->aor, sizeof(sb->aor));
	ll_strlcpy(sb->partition, bd->partition, sizeof(sb->partition));
	ll_strlcpy(sb->ext, bd->user, sizeof(sb->ext));
	ll_strlcpy(sb->instance, bd->instance, sizeof(sb->instance));
	if (bd->mac[0])
		snprintf(sb->mac, sizeof(sb->mac),
		         "%.2s:%.2s:%.2s:%.2s:%.2s:%.2s", bd->mac, bd->mac + 2,
		         bd->mac + 4, bd->mac + 6, bd->mac + 8, bd->mac + 10);
	sb->source.transport = bd->dest.transport;
	sb->source.addr = bd->dest.addr;
	sb->flow_id = bd->dest.flow;
	ll_strlcpy(sb->contact, bd->contact, sizeof(sb->contact));
	sb->expires_at = (int64_t)(bd->expires_ms / 1000u);
	sb->registered_at = (int64_t)time(NULL);
}

static void
reg__actor(struct store_actor *a, const struct b2b_binding *bd)
{
	char src[NET_ADDRSTRLEN];

	memset(a, 0, sizeof(*a));
	snprintf(a->name, sizeof(a->name), "phone:%.56s", bd->user);
	net_addr_str((const struct sockaddr *)&bd->dest.addr, src, sizeof(src));
	ll_strlcpy(a->source, src, sizeof(a->source));
}

static void
reg__event(struct b2b *b, const struct b2b_binding *bd, bool added)
{
	struct b2b_event ev = {.kind =
	                           added ? B2B_EV_REGISTER : B2B_EV_UNREGISTER};

	ll_strlcpy(ev.caller, bd->user, sizeof(ev.caller));
	ll_strlcpy(ev.callee, bd->aor, sizeof(ev.callee));
	ll_strlcpy(ev.partition, bd->partition, sizeof(ev.partition));
	ev.start_ms = b2b__wall_ms();
	b2b__event(b, &ev);
}

static void
reg__remove(struct b2b *b, struct b2b_binding *bd, const char *why)
{
	log_info("b2b: binding %s of %s removed (%s)", bd->token, bd->aor, why);
	if (b->store && bd->stored) {
		struct store_actor a;

		reg__actor(&a, bd);
		store_binding_del(b->store, bd->token, &a);
	}
	b2b__binding_unlink(b, bd);
	reg__event(b, bd, false);
	free(bd);
}

/* Keeps (or refreshes) the binding pending in r after the core's 2xx. */
static void
reg__keep(struct b2b *b, struct b2b_binding *nb, uint32_t granted)
{
	struct b2b_binding *bd = b2b__binding_by_token(b, nb->token);
	struct store_binding sb;

	if (!bd) {
		bd = malloc(sizeof(*bd));
		if (!bd)
			return;
		*bd = *nb;
		if (b2b__binding_link(b, bd) < 0) {
			free(bd);
			return;
		}
		log_info("b2b: binding %s: %s registered", bd->token, bd->aor);
	} else {
		/* Its source may have moved: hashed again. Linking a
		 * binding that was linked needs no memory. */
		b2b__binding_unlink(b, bd);
		*bd = *nb;
		b2b__binding_link(b, bd);
	}
	bd->expires_ms = b2b__wall_ms() + (uint64_t)granted * 1000u;
	if (b->store) {
		struct store_actor a;

		reg__actor(&a, bd);
		reg__to_store(&sb, bd);
		bd->stored = store_binding_put(b->store, &sb, &a) == 0;
		if (!bd->stored)
			log_warn("b2b: binding %s not stored", bd->token);
	}
	reg__event(b, bd, true);
}

/* The expiry the core granted our Contact (RFC 3261 10.2.4: each
 * Contact's expires, else Expires). */
static uint32_t
reg__granted(const osip_message_t *resp, const char *token, uint32_t asked)
{
	osip_contact_t *ct;
	const char *e;

	for (int i = 0; osip_message_get_contact(resp, i, &ct) >= 0 && ct;
	     i++) {
		osip_generic_param_t *p = NULL;

		if (!ct->url || !ct->url->username ||
		    strcmp(ct->url->username, token) != 0)
			continue;
		if (osip_contact_param_get_byname(ct, "expires", &p) >= 0 &&
		    p && p->gvalue)
			return (uint32_t)strtoul(p->gvalue, NULL, 10);
	}
	e = sip_msg_header_get(resp, "Expires", 0);
	return e ? (uint32_t)strtoul(e, NULL, 10) : asked;
}

static void
reg__on_response(void *arg, struct sip_txn *ct, const osip_message_t *resp,
                 const struct sip_source *src)
{
	struct b2b_relay *r = arg;
	struct b2b *b = r->b2b;
	struct b2b_binding *nb = r->pending;
	int code = osip_message_get_status_code(resp);
	osip_message_t *m = NULL;
	uint32_t granted = 0;

	(void)ct;
	(void)src;
	if (code < 200)
		return;
	if (r->st)
		b2b__guard_register_failed(
		    b, sip_txn_request(r->st), code,
		    (const struct sockaddr *)&nb->dest.addr);
	if (code < 300 && nb->expires_ms && b2b__devpin_accepted(b, nb)) {
		/* The core keeps our Contact until it expires; calls to
		 * it find no binding. */
		if (r->st) {
			sip_txn_reply(r->st, 403, "Device Moved", NULL, 0);
			sip_txn_set_arg(r->st, NULL);
			r->st = NULL;
		}
		b2b__relay_free(r);
		return;
	}
	if (code < 300) {
		struct b2b_binding *old = b2b__binding_by_token(b, nb->token);

		granted = nb->expires_ms
		              ? reg__granted(resp, nb->token,
		                             (uint32_t)nb->expires_ms)
		              : 0;
		if (granted)
			reg__keep(b, nb, granted);
		else if (old)
			reg__remove(b, old, "unregistered");
	}
	if (r->st &&
	    sip_msg_new_response(&m, sip_txn_request(r->st), code,
	                         osip_message_get_reason_phrase(resp)) == 0) {
		char v[B2B_TARGET_MAX + 24];

		b2b__copy_headers(m, resp, b2b__resp_headers);
		if (granted) {
			snprintf(v, sizeof(v), "<%s>;expires=%u", nb->contact,
			         granted);
			sip_msg_header_add(m, "Contact", v);
		}
		sip_txn_reply_msg(r->st, m);
		sip_txn_set_arg(r->st, NULL);
		r->st = NULL;
	}
	b2b__relay_free(r);
}

/* The binding this REGISTER is about: the same device (instance, else
 * its Contact) of the same AOR keeps its token. */
static struct b2b_binding *
reg__find(struct b2b *b, const struct b2b_binding *nb)
{
	struct b2b_binding *bd = NULL;

	while ((bd = b2b__binding_of_user(b, nb->partition, nb->user, bd)) !=
	       NULL) {
		if (strcmp(bd->aor, nb->aor) != 0)
			continue;
		if (nb->instance[0] ? strcmp(bd->instance, nb->instance) == 0
		                    : strcmp(bd->contact, nb->contact) == 0)
			return bd;
	}
	return NULL;
}

/* Reads the REGISTER into a pending binding. -EBADMSG, -ENOENT for
 * "Contact: *" (handled by the caller as unregister-all). */
static int
reg__parse(struct b2b_binding *nb, const osip_message_t *req,
           const struct sip_source *src)
{
	osip_to_t *to = osip_message_get_to(req);
	osip_contact_t *ct = NULL;
	osip_generic_param_t *p = NULL;
	const char *e = sip_msg_header_get(req, "Expires", 0);
	uint32_t exp = e ? (uint32_t)strtoul(e, NULL, 10) : 3600;

	memset(nb, 0, sizeof(*nb));
	if (!to || b2b__uri_text(nb->aor, sizeof(nb->aor), to->url) < 0 ||
	    b2b__uri_user(nb->user, sizeof(nb->user), to->url) < 0)
		return -EBADMSG;
	if (osip_message_get_contact(req, 0, &ct) < 0 || !ct)
		return -ENODATA; /* a query: relayed, nothing kept */
	if (!ct->url)
		return -ENOENT; /* "*" */
	if (sip_uri_print(nb->contact, sizeof(nb->contact), ct->url) < 0)
		return -EBADMSG;
	if (osip_contact_param_get_byname(ct, "expires", &p) >= 0 && p &&
	    p->gvalue)
		exp = (uint32_t)strtoul(p->gvalue, NULL, 10);
	p = NULL;
	/* RFC 5626 4.1: an instance id is one quoted URN. Cut short it is
	 * an unterminated string in our Contact (and another device's id):
	 * one that does not fit is left out. */
	if (osip_contact_param_get_byname(ct, "+sip.instance", &p) >= 0 && p &&
	    p->gvalue && strlen(p->gvalue) < sizeof(nb->instance))
		ll_strlcpy(nb->instance, p->gvalue, sizeof(nb->instance));
	reg__mac(nb->mac, sip_msg_header_get(req, "User-Agent", 0));
	if (!nb->mac[0])
		reg__mac(nb->mac, nb->instance);
	b2b__source_dest(&nb->dest, src);
	nb->expires_ms = exp; /* asked seconds until the 2xx */
	return 0;
}

/* The device's line is in the partition of its AOR's domain, else of its
 * source network (partition.c). */
static void
reg__partition(struct b2b *b, struct b2b_binding *nb, const osip_message_t *req,
               const struct sip_source *src)
{
	osip_to_t *to = osip_message_get_to(req);
	const char *host = to && to->url ? to->url->host : NULL;

	ll_strlcpy(nb->partition,
	           b2b__partition_of(&b->cfg, host,
	                             (const struct sockaddr *)&src->remote),
	           sizeof(nb->partition));
}

static int
reg__request(osip_message_t **out, struct b2b *b, struct b2b_binding *nb,
             const osip_message_t *req)
{
	char ruri[B2B_TARGET_MAX], from[B2B_URI_MAX + 48];
	char to[B2B_URI_MAX + 48], callid[B2B_TOKEN_LEN + 8];
	char tag[SIP_TAG_LEN], contact[B2B_HOST_MAX + 160];
	char host[B2B_HOST_MAX];
	struct sip_dest core;
	uint32_t now_cseq = (uint32_t)(time(NULL) - 1700000000);
	osip_message_t *m = NULL;
	int rc;

	b2b__core_dest(b, nb->dest.addr.ss_family, &core);
	nb->reg_cseq = MAX(nb->reg_cseq + 1, now_cseq);
	sip_tag_new(tag);
	snprintf(callid, sizeof(callid), "%s-reg", nb->token);
	snprintf(from, sizeof(from), "<%s>;tag=%s", nb->aor, tag);
	if (b2b__uri_text(ruri, sizeof(ruri), osip_message_get_uri(req)) < 0 ||
	    sip_nameaddr_print(to, sizeof(to), osip_message_get_to(req)) < 0)
		return -EBADMSG;
	rc = sip_stack_contact_host(b->sip, core.transport, core.addr.ss_family,
	                            host, sizeof(host));
	if (rc < 0)
		return rc;
	snprintf(contact, sizeof(contact), "<sip:%s@%s%s>;expires=%u%s%s",
	         nb->token, host,
	         core.transport == NET_UDP   ? ""
	         : core.transport == NET_TCP ? ";transport=tcp"
	                                     : ";transport=tls",
	         (uint32_t)nb->expires_ms,
	         nb->instance[0] ? ";+sip.instance=" : "", nb->instance);
	rc = sip_msg_new_request(&m, "REGISTER", ruri, from, to, callid,
	                         nb->reg_cseq);
	if (rc == 0)
		rc = b2b__copy_headers(m, req, reg_headers);
	if (rc == 0)
		rc = sip_msg_header_add(m, "Contact", contact);
	if (rc < 0) {
		osip_message_free(m);
		return rc;
	}
	*out = m;
	return 0;
}

static void
reg__unregister_all(struct b2b *b, struct sip_txn *st,
                    const struct b2b_binding *nb, const struct sip_source *src)
{
	struct b2b_binding *bd, *next;

	bd = b2b__binding_of_user(b, nb->partition, nb->user, NULL);
	for (; bd; bd = next) {
		next = b2b__binding_of_user(b, nb->partition, nb->user, bd);
		if (strcmp(bd->aor, nb->aor) == 0 &&
		    net_addr_same_host((const struct sockaddr *)&bd->dest.addr,
		                       (const struct sockaddr *)&src->remote))
			reg__remove(b, bd, "Contact: *");
	}
	/* The core keeps our Contacts only; they are gone with the
	 * bindings' expiry there. RFC 3261 10.3 step 6: answer 200. */
	sip_txn_reply(st, 200, NULL, NULL, 0);
}

void
b2b__register(struct b2b *b, struct sip_txn *st, const osip_message_t *req,
              const struct sip_source *src)
{
	struct b2b_binding *nb = malloc(sizeof(*nb)), *old;
	struct b2b_relay *r = NULL;
	osip_message_t *m = NULL;
	struct sip_dest core;
	int rc;

	if (!nb) {
		sip_txn_reply(st, 500, NULL, NULL, 0);
		return;
	}
	rc = reg__parse(nb, req, src);
	reg__partition(b, nb, req, src);
	if (rc == -ENOENT) {
		reg__unregister_all(b, st, nb, src);
		free(nb);
		return;
	}
	if (rc < 0) {
		/* A query (no Contact) is answered here: bindings are ours. */
		sip_txn_reply(st, rc == -ENODATA ? 200 : 400, NULL, NULL, 0);
		free(nb);
		return;
	}
	if (b2b__devpin_register(b, st, nb)) {
		free(nb);
		return;
	}
	old = reg__find(b, nb);
	if (old) {
		ll_strlcpy(nb->token, old->token, sizeof(nb->token));
		nb->reg_cseq = old->reg_cseq;
	} else {
		sip_tag_new(nb->token);
	}
	rc = reg__request(&m, b, nb, req);
	if (old)
		old->reg_cseq = nb->reg_cseq;
	if (rc == 0)
		rc = b2b__relay_new(&r, b, st);
	if (rc < 0) {
		osip_message_free(m);
		sip_txn_reply(st, 500, NULL, NULL, 0);
		free(nb);
		return;
	}
	r->pending = nb;
	b2b__core_dest(b, nb->dest.addr.ss_family, &core);
	rc = b2b__relay_send(r, m, &core, reg__on_response);
	if (rc < 0)
		b2b__relay_free(r);
}

void
b2b__bindings_sweep(struct b2b *b, uint64_t wall_now)
{
	struct b2b_binding *bd = b->bindings, *next;
	bool any = false;

	for (; bd; bd = next) {
		next = bd->next;
		if (bd->expires_ms <= wall_now) {
			bd->stored = false; /* expired in storage below */
			reg__remove(b, bd, "expired");
			any = true;
		}
	}
	if (any && b->store)
		store_binding_expire(b->store, (int64_t)(wall_now / 1000u));
}

void
b2b__bindings_free(struct b2b *b)
{
	while (b->bindings) {
		struct b2b_binding *bd = b->bindings;

		b2b__binding_unlink(b, bd);
		free(bd);
	}
	b2b__bindex_free(b);
}

static int
reg__load_one(struct b2b *b, const struct store_binding *sb, uint64_t now)
{
	struct b2b_binding *bd;

	if ((uint64_t)sb->expires_at * 1000u <= now)
		return 0;
	bd = calloc(1, sizeof(*bd));
	if (!bd)
		return -ENOMEM;
	ll_strlcpy(bd->token, sb->token, sizeof(bd->token));
	ll_strlcpy(bd->aor, sb->aor, sizeof(bd->aor));
	ll_strlcpy(bd->user, sb->ext, sizeof(bd->user));
	ll_strlcpy(bd->partition,
	           sb->partition[0] ? sb->partition : STORE_PARTITION_DEFAULT,
	           sizeof(bd->partition));
	ll_strlcpy(bd->contact, sb->contact, sizeof(bd->contact));
	ll_strlcpy(bd->instance, sb->instance, sizeof(bd->instance));
	bd->dest.transport = sb->source.transport;
	bd->dest.addr = sb->source.addr;
	bd->dest.flow = sb->flow_id;
	bd->expires_ms = (uint64_t)sb->expires_at * 1000u;
	bd->stored = true;
	if (b2b__binding_link(b, bd) < 0) {
		free(bd);
		return -ENOMEM;
	}
	return 0;
}

/* Restores the stored bindings (a restart keeps them). Connection-bound
 * ones keep their flow id, which finds nothing after a restart: calls to
 * them fail until the phone registers again, as RFC 5626 expects. */
int
b2b__bindings_load(struct b2b *b)
{
	struct store_binding page[16];
	char after[STORE_NAME_MAX] = "";
	uint64_t now = b2b__wall_ms();
	int n;

	if (!b->store)
		return 0;
	do {
		n = store_binding_list(b->store, page, ARRAY_SIZE(page),
		                       after[0] ? after : NULL);
		if (n < 0)
			return n;
		for (int i = 0; i < n; i++) {
			int rc = reg__load_one(b, &page[i], now);

			if (rc < 0)
				return rc;
		}
		if (n > 0)
			ll_strlcpy(after, page[n - 1].token, sizeof(after));
	} while (n == (int)ARRAY_SIZE(page));
	return 0;
}
