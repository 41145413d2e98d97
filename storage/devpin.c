/* Device-to-IP pins (the guard's second half): a device, known by its
 * +sip.instance or MAC, may register and call only from the network it
 * is pinned to; from anywhere else it is locked until an administrator
 * unlocks it. Table "devpins": key the device id text, value the record
 * below. Every change bumps the meta key "devgen" in its transaction and
 * is audited (device.pin, device.lock, device.unlock, device.unpin). */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "storage/internal.h"
#include "util.h"

#define DEVPIN_REC_V1 1

static const char devgen_key[] = "devgen";

bool
store_devid_is_valid(const char *id)
{
	size_t n = id ? strnlen(id, STORE_DEVID_MAX) : 0;

	if (n == 0 || n >= STORE_DEVID_MAX)
		return false;
	for (size_t i = 0; i < n; i++)
		if (id[i] <= ' ' || id[i] >= 0x7f ||
		    strchr("/%<>\"\\`{}|^", id[i]))
			return false;
	return true;
}

void
store_cidr_str(const struct net_cidr *c, char *buf, size_t len)
{
	char a[64];

	if (!inet_ntop(c->family, c->bytes, a, sizeof(a)))
		ll_strlcpy(a, "?", sizeof(a));
	snprintf(buf, len, "%s/%u", a, c->prefix);
}

static int
devpin_decode(const MDB_val *k, const MDB_val *v, void *out)
{
	struct store_devpin p;
	struct store__dec d;

	if (k->mv_size == 0 || k->mv_size >= STORE_DEVID_MAX ||
	    store__dec_init(&d, v) != DEVPIN_REC_V1)
		return -EBADMSG;
	memset(&p, 0, sizeof(p));
	memcpy(p.id, k->mv_data, k->mv_size);
	p.allowed.family = store__get_u8(&d) == 6 ? AF_INET6 : AF_INET;
	p.allowed.prefix = store__get_u8(&d);
	store__get_bytes(&d, p.allowed.bytes, sizeof(p.allowed.bytes));
	p.locked = store__get_u8(&d) != 0;
	p.locked_at = store__get_i64(&d);
	store__get_str(&d, p.seen, sizeof(p.seen));
	store__get_str(&d, p.by, sizeof(p.by));
	if (store__dec_end(&d) < 0 || !store_devid_is_valid(p.id))
		return -EBADMSG;
	*(struct store_devpin *)out = p;
	return 0;
}

int
store__devpin_decode(const MDB_val *k, const MDB_val *v,
    struct store_devpin *out)
{
	return devpin_decode(k, v, out);
}

static int
devpin_write(struct store *st, MDB_txn *txn, const struct store_devpin *p)
{
	MDB_val k = {strlen(p->id), (void *)p->id}, v;
	struct store__enc e;

	store__enc_init(&e, DEVPIN_REC_V1);
	store__put_u8(&e, p->allowed.family == AF_INET6 ? 6 : 4);
	store__put_u8(&e, p->allowed.prefix);
	store__put_bytes(&e, p->allowed.bytes, sizeof(p->allowed.bytes));
	store__put_u8(&e, p->locked);
	store__put_i64(&e, p->locked_at);
	store__put_str(&e, p->seen);
	store__put_str(&e, p->by);
	if (e.overflow)
		return -EINVAL;
	v.mv_size = e.len;
	v.mv_data = e.buf;
	return store__err(mdb_put(txn, st->dbi[STORE_DB_DEVPINS], &k, &v, 0));
}

enum devpin_kind { DEVPIN_SET = 0, DEVPIN_LOCK, DEVPIN_UNLOCK, DEVPIN_DEL };

/* One change to a device's pin inside its write transaction. */
struct devpin_op {
	enum devpin_kind kind;
	const char *id;
	const struct net_cidr *allowed;	/* SET */
	const char *seen;		/* LOCK: where it came from */
	int64_t now;
	const struct store_actor *actor;
	bool changed;
};

static const char *const devpin_actions[] = {
    [DEVPIN_SET] = "device.pin", [DEVPIN_LOCK] = "device.lock",
    [DEVPIN_UNLOCK] = "device.unlock", [DEVPIN_DEL] = "device.unpin",
};

/* Applies op to p (read, or empty for a first SET); 1: nothing to do. */
static int
devpin_apply(struct devpin_op *op, struct store_devpin *p, char *newv,
    size_t len)
{
	switch (op->kind) {
	case DEVPIN_SET:
		memset(p, 0, sizeof(*p));
		ll_strlcpy(p->id, op->id, sizeof(p->id));
		p->allowed = *op->allowed;
		ll_strlcpy(p->by, store__actor_or_system(op->actor)->name,
		    sizeof(p->by));
		store_cidr_str(&p->allowed, newv, len);
		return 0;
	case DEVPIN_LOCK:
		if (p->locked)
			return 1;
		p->locked = true;
		p->locked_at = op->now;
		ll_strlcpy(p->seen, op->seen, sizeof(p->seen));
		ll_strlcpy(newv, op->seen, len);
		return 0;
	case DEVPIN_UNLOCK:
		if (!p->locked)
			return 1;
		p->locked = false;
		p->locked_at = 0;
		p->seen[0] = '\0';
		return 0;
	default:
		return 0;
	}
}

static int
devpin_txn(struct store *st, MDB_txn *txn, void *arg)
{
	struct devpin_op *op = arg;
	MDB_val k = {strlen(op->id), (void *)op->id}, v;
	struct store_devpin p;
	char oldv[STORE_SETTING_MAX] = "", newv[STORE_SETTING_MAX] = "";
	int rc = store__err(mdb_get(txn, st->dbi[STORE_DB_DEVPINS], &k, &v));

	if (rc == 0)
		rc = devpin_decode(&k, &v, &p);
	if (rc < 0 && !(rc == -ENOENT && op->kind == DEVPIN_SET))
		return rc;
	if (rc == 0)
		store_cidr_str(&p.allowed, oldv, sizeof(oldv));
	if (devpin_apply(op, &p, newv, sizeof(newv)) == 1)
		return 0;
	rc = op->kind == DEVPIN_DEL
	    ? store__err(mdb_del(txn, st->dbi[STORE_DB_DEVPINS], &k, NULL))
	    : devpin_write(st, txn, &p);
	if (rc == 0)
		rc = store__meta_bump(st, txn, devgen_key);
	if (rc < 0)
		return rc;
	op->changed = true;
	return store__audit_txn(st, txn, op->actor, devpin_actions[op->kind],
	    op->id, oldv, newv);
}

static int
devpin_run(struct store *st, struct devpin_op *op)
{
	if (!st->have_devpins)
		return st->read_only ? -EROFS : -ENOENT;
	if (!store_devid_is_valid(op->id))
		return -EINVAL;
	return store__write_run(st, devpin_txn, op);
}

int
store_devpin_set(struct store *st, const char *id,
    const struct net_cidr *allowed, const struct store_actor *actor)
{
	struct devpin_op op = {.kind = DEVPIN_SET, .id = id,
	    .allowed = allowed, .actor = actor};

	if (!allowed || (allowed->family != AF_INET &&
	    allowed->family != AF_INET6))
		return -EINVAL;
	return devpin_run(st, &op);
}

int
store_devpin_lock(struct store *st, const char *id, const char *seen,
    int64_t now, const struct store_actor *actor)
{
	struct devpin_op op = {.kind = DEVPIN_LOCK, .id = id,
	    .seen = seen ? seen : "", .now = now, .actor = actor};
	int rc = devpin_run(st, &op);

	return rc < 0 ? rc : op.changed;
}

int
store_devpin_unlock(struct store *st, const char *id,
    const struct store_actor *actor)
{
	struct devpin_op op = {.kind = DEVPIN_UNLOCK, .id = id,
	    .actor = actor};

	return devpin_run(st, &op);
}

int
store_devpin_del(struct store *st, const char *id,
    const struct store_actor *actor)
{
	struct devpin_op op = {.kind = DEVPIN_DEL, .id = id, .actor = actor};

	return devpin_run(st, &op);
}

int
store_devpin_get(struct store *st, struct store_devpin *out, const char *id)
{
	MDB_val k, v;
	MDB_txn *txn;
	int rc;

	if (!store_devid_is_valid(id))
		return -EINVAL;
	if (!st->have_devpins)
		return -ENOENT;
	rc = store__read_begin(st, &txn);
	if (rc < 0)
		return rc;
	k.mv_size = strlen(id);
	k.mv_data = (void *)id;
	rc = store__err(mdb_get(txn, st->dbi[STORE_DB_DEVPINS], &k, &v));
	if (rc == 0)
		rc = devpin_decode(&k, &v, out);
	mdb_txn_abort(txn);
	return rc;
}

int
store_devpin_list(struct store *st, struct store_devpin *out, size_t max)
{
	if (!st->have_devpins)
		return 0;
	return store__list(st, STORE_DB_DEVPINS, devpin_decode, out,
	    sizeof(*out), max);
}

int
store_devpin_generation(struct store *st, uint64_t *out)
{
	return store__meta_get(st, devgen_key, out);
}
