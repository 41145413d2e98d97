/* Device-to-IP binding (CONFIG_GUARD): a device known by its
 * +sip.instance (RFC 5626 4.1) or its MAC may be pinned to a network
 * (by an administrator, or to the address of its first registration the
 * registrar accepted, with [guard] device_learn). A registration the
 * registrar accepted (so not a spoofer's guess) from outside that network
 * locks the device: that REGISTER and every later one, and the device's
 * calls, get 403 "Device Moved" until an administrator unlocks it. The lock is storage's (audited
 * device.lock, on the live feed with the other audit entries); this room
 * keeps the locked ids in memory for the call path and reloads them when
 * storage's pin generation moves (its one-second sweep, or at once for
 * the web API). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "b2bua/internal.h"
#include "log.h"
#include "util.h"

#define DEVPIN_LOCKED_MAX 256 /* locked devices kept for the call path */

/* The device's id: its +sip.instance without the <> and quotes, else its
 * MAC; "" when it has neither (it cannot be pinned). */
static void
devpin_id(const struct b2b_binding *bd, char id[STORE_DEVID_MAX])
{
	const char *s = bd->instance;
	size_t n;

	id[0] = '\0';
	s += strspn(s, "\"<");
	n = strcspn(s, "\">");
	if (n > 0 && n < STORE_DEVID_MAX) {
		memcpy(id, s, n);
		id[n] = '\0';
		if (store_devid_is_valid(id))
			return;
	}
	if (bd->mac[0])
		ll_strlcpy(id, bd->mac, STORE_DEVID_MAX);
	else
		id[0] = '\0';
}

static bool
devpin_is_locked(const struct b2b *b, const char *id)
{
	for (unsigned i = 0; i < b->n_dev_locked; i++)
		if (strcmp(b->dev_locked[i], id) == 0)
			return true;
	return false;
}

static bool
devpin_stored_locked(struct b2b *b, const char *id)
{
	struct store_devpin p;

	return store_devpin_get(b->store, &p, id) == 0 && p.locked;
}

void
b2b__devpin_poll(struct b2b *b)
{
	struct store_devpin *pins;
	uint64_t gen;
	int n;

	if (!b->cfg.guard.enabled || !b->store ||
	    store_devpin_generation(b->store, &gen) < 0 ||
	    (b->devgen_loaded && gen == b->devgen))
		return;
	pins = calloc(DEVPIN_LOCKED_MAX, sizeof(*pins));
	if (!pins)
		return; /* the next sweep tries again */
	if (!b->dev_locked)
		b->dev_locked = calloc(DEVPIN_LOCKED_MAX,
		                       sizeof(*b->dev_locked));
	n = b->dev_locked ? store_devpin_list(b->store, pins,
	                                      DEVPIN_LOCKED_MAX)
	                  : -ENOMEM;
	if (n >= 0) {
		b->n_dev_locked = 0;
		for (int i = 0; i < n; i++)
			if (pins[i].locked)
				ll_strlcpy(b->dev_locked[b->n_dev_locked++],
				           pins[i].id, STORE_DEVID_MAX);
		/* A full page may have cut locked pins off: the call path
		 * then asks storage for each device instead. */
		b->dev_partial = n == DEVPIN_LOCKED_MAX;
		b->devgen = gen;
		b->devgen_loaded = true;
	}
	free(pins);
}

void
b2b__devpin_free(struct b2b *b)
{
	free(b->dev_locked);
	b->dev_locked = NULL;
	b->n_dev_locked = 0;
	b->dev_partial = false;
}

/* First registration with device_learn on: pinned to its address. */
static void
devpin_learn(struct b2b *b, const char *id, const struct sip_dest *d)
{
	struct store_actor actor = {"guard", ""};
	struct net_cidr c;

	memset(&c, 0, sizeof(c));
	net_host_str((const struct sockaddr *)&d->addr, actor.source,
	             sizeof(actor.source));
	if (net_cidr_parse(actor.source, &c) < 0 ||
	    store_devpin_set(b->store, id, &c, &actor) < 0) {
		log_warn("b2b: device %s: could not pin it to %s", id,
		         actor.source);
		return;
	}
	log_info("b2b: device %s pinned to %s (learned)", id, actor.source);
}

/* The pin record of nb's device: 0, -ENOENT (not pinned or no id),
 * another negative errno. */
static int
devpin_of(struct b2b *b, const struct b2b_binding *nb, char *id,
          struct store_devpin *p)
{
	id[0] = '\0';	/* the caller reads it on every return */
	if (!b->cfg.guard.enabled || !b->store)
		return -ENOENT;
	devpin_id(nb, id);
	if (!id[0])
		return -ENOENT;
	return store_devpin_get(b->store, p, id);
}

bool
b2b__devpin_register(struct b2b *b, struct sip_txn *st,
                     const struct b2b_binding *nb)
{
	struct store_devpin p;
	char id[STORE_DEVID_MAX];

	if (devpin_of(b, nb, id, &p) < 0 || !p.locked)
		return false;
	sip_txn_reply(st, 403, "Device Moved", NULL, 0);
	return true;
}

bool
b2b__devpin_accepted(struct b2b *b, const struct b2b_binding *nb)
{
	const struct sockaddr *sa = (const struct sockaddr *)&nb->dest.addr;
	struct store_actor actor = {"guard", ""};
	struct store_devpin p;
	char id[STORE_DEVID_MAX];
	int rc = devpin_of(b, nb, id, &p);

	if (rc == -ENOENT && id[0] && b->cfg.guard.device_learn)
		devpin_learn(b, id, &nb->dest);
	if (rc < 0)
		return false;
	if (!p.locked && net_cidr_contains(&p.allowed, sa))
		return false;
	net_addr_str(sa, actor.source, sizeof(actor.source));
	if (store_devpin_lock(b->store, id, actor.source, (int64_t)time(NULL),
	                      &actor) > 0)
		log_info("b2b: device %s (%s) registered from %s, outside its "
		         "pin: locked",
		         id, nb->aor, actor.source);
	b2b__devpin_poll(b);
	return true;
}

bool
b2b__devpin_call(struct b2b *b, struct sip_txn *st, const osip_message_t *req,
                 const struct sip_source *src)
{
	struct b2b_binding *bd;
	char id[STORE_DEVID_MAX];

	if ((b->n_dev_locked == 0 && !b->dev_partial) || sip_msg_to_tag(req) ||
	    !sip_msg_is_method(req, "INVITE"))
		return false;
	bd = b2b__binding_by_source(b, src);
	if (!bd)
		return false;
	devpin_id(bd, id);
	if (!id[0] || !(b->dev_partial ? devpin_stored_locked(b, id)
	                               : devpin_is_locked(b, id)))
		return false;
	log_info("b2b: call from %s refused: device %s is locked", bd->aor,
	         id);
	sip_txn_reply(st, 403, "Device Moved", NULL, 0);
	return true;
}
