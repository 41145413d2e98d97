/* Address bans (the guard's): one record per banned host, kept after
 * the ban runs out so a repeat offender's next ban is longer, until
 * store_ban_expire() forgets it. Table "bans": key family u8 + 16 address
 * bytes (IPv4 in the first 4, a v4-mapped IPv6 address as IPv4), value
 * the record below. Every put and delete bumps the meta key "bangen" in
 * the same transaction: the daemon polls it to see linelockctl's bans. */
#include <errno.h>
#include <netinet/in.h>
#include <string.h>

#include "netaddr.h"
#include "storage/internal.h"
#include "util.h"

#define BAN_REC_V1 1
#define BAN_KEY_LEN 17

static const char bangen_key[] = "bangen";

static int
ban_key(uint8_t key[BAN_KEY_LEN], const struct sockaddr *sa)
{
	static const uint8_t mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	    0xff, 0xff};
	const uint8_t *a6;

	memset(key, 0, BAN_KEY_LEN);
	if (sa->sa_family == AF_INET) {
		key[0] = 4;
		memcpy(key + 1, &((const struct sockaddr_in *)sa)->sin_addr, 4);
		return 0;
	}
	if (sa->sa_family != AF_INET6)
		return -EINVAL;
	a6 = ((const struct sockaddr_in6 *)sa)->sin6_addr.s6_addr;
	if (memcmp(a6, mapped, sizeof(mapped)) == 0) {
		key[0] = 4;
		memcpy(key + 1, a6 + 12, 4);
	} else {
		key[0] = 6;
		memcpy(key + 1, a6, 16);
	}
	return 0;
}

static void
ban_key_addr(const uint8_t key[BAN_KEY_LEN], struct sockaddr_storage *out)
{
	memset(out, 0, sizeof(*out));
	if (key[0] == 4) {
		struct sockaddr_in *s4 = (struct sockaddr_in *)out;

		s4->sin_family = AF_INET;
		memcpy(&s4->sin_addr, key + 1, 4);
	} else {
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)out;

		s6->sin6_family = AF_INET6;
		memcpy(s6->sin6_addr.s6_addr, key + 1, 16);
	}
}

static int
ban_decode(const MDB_val *k, const MDB_val *v, void *out)
{
	struct store_ban b;
	struct store__dec d;
	const uint8_t *kb = k->mv_data;

	if (k->mv_size != BAN_KEY_LEN || (kb[0] != 4 && kb[0] != 6) ||
	    store__dec_init(&d, v) != BAN_REC_V1)
		return -EBADMSG;
	memset(&b, 0, sizeof(b));
	ban_key_addr(kb, &b.addr);
	b.since = store__get_i64(&d);
	b.until = store__get_i64(&d);
	b.strikes = store__get_u32(&d);
	store__get_str(&d, b.reason, sizeof(b.reason));
	store__get_str(&d, b.actor, sizeof(b.actor));
	if (store__dec_end(&d) < 0)
		return -EBADMSG;
	*(struct store_ban *)out = b;
	return 0;
}

int
store__ban_decode(const MDB_val *k, const MDB_val *v, struct store_ban *out)
{
	return ban_decode(k, v, out);
}

bool
store_ban_is_active(const struct store_ban *b, int64_t now)
{
	return b->until == 0 || b->until > now;
}

/* What a put needs inside its transaction. */
struct ban_put {
	const struct sockaddr *addr;
	int64_t now;
	uint32_t seconds;
	const char *reason;
	const struct store_actor *actor;
	struct store_ban out;
};

static int
ban_put_txn(struct store *st, MDB_txn *txn, void *arg)
{
	struct ban_put *p = arg;
	uint8_t key[BAN_KEY_LEN];
	MDB_val k = {sizeof(key), key}, v;
	struct store__enc e;
	struct store_ban *b = &p->out;
	char host[NET_ADDRSTRLEN], val[STORE_SETTING_MAX];
	int rc;

	ban_key(key, p->addr);
	memset(b, 0, sizeof(*b));
	rc = mdb_get(txn, st->dbi[STORE_DB_BANS], &k, &v);
	if (rc == MDB_SUCCESS)
		(void)ban_decode(&k, &v, b);	/* undecodable: a first ban */
	else if (rc != MDB_SUCCESS && rc != MDB_NOTFOUND)
		return store__err(rc);
	ban_key_addr(key, &b->addr);
	b->since = p->now;
	b->until = p->seconds ? p->now + (int64_t)p->seconds : 0;
	if (b->strikes < UINT32_MAX)
		b->strikes++;
	ll_strlcpy(b->reason, p->reason, sizeof(b->reason));
	ll_strlcpy(b->actor, store__actor_or_system(p->actor)->name,
	    sizeof(b->actor));
	store__enc_init(&e, BAN_REC_V1);
	store__put_i64(&e, b->since);
	store__put_i64(&e, b->until);
	store__put_u32(&e, b->strikes);
	store__put_str(&e, b->reason);
	store__put_str(&e, b->actor);
	if (e.overflow)
		return -EINVAL;
	v.mv_size = e.len;
	v.mv_data = e.buf;
	rc = store__err(mdb_put(txn, st->dbi[STORE_DB_BANS], &k, &v, 0));
	if (rc == 0)
		rc = store__meta_bump(st, txn, bangen_key);
	net_host_str((const struct sockaddr *)&b->addr, host, sizeof(host));
	snprintf(val, sizeof(val), "%us: %s", p->seconds, b->reason);
	return rc < 0 ? rc : store__audit_txn(st, txn, p->actor, "ban.add",
	    host, "", val);
}

int
store_ban_put(struct store *st, const struct sockaddr *addr, int64_t now,
    uint32_t seconds, const char *reason, const struct store_actor *actor,
    struct store_ban *out)
{
	struct ban_put p = {.addr = addr, .now = now, .seconds = seconds,
	    .reason = reason ? reason : "", .actor = actor};
	uint8_t key[BAN_KEY_LEN];
	int rc;

	if (!st->have_bans)
		return -EROFS;
	if (!addr || ban_key(key, addr) < 0 ||
	    strlen(p.reason) >= STORE_BAN_REASON_MAX)
		return -EINVAL;
	rc = store__write_run(st, ban_put_txn, &p);
	if (rc == 0 && out)
		*out = p.out;
	return rc;
}

struct ban_del {
	const struct sockaddr *addr;
	const struct store_actor *actor;
};

static int
ban_del_txn(struct store *st, MDB_txn *txn, void *arg)
{
	struct ban_del *p = arg;
	uint8_t key[BAN_KEY_LEN];
	MDB_val k = {sizeof(key), key};
	char host[NET_ADDRSTRLEN];
	int rc;

	ban_key(key, p->addr);
	rc = store__err(mdb_del(txn, st->dbi[STORE_DB_BANS], &k, NULL));
	if (rc == 0)
		rc = store__meta_bump(st, txn, bangen_key);
	if (rc < 0)
		return rc;
	net_host_str(p->addr, host, sizeof(host));
	return store__audit_txn(st, txn, p->actor, "ban.del", host, "", "");
}

int
store_ban_del(struct store *st, const struct sockaddr *addr,
    const struct store_actor *actor)
{
	struct ban_del p = {addr, actor};
	uint8_t key[BAN_KEY_LEN];

	if (!st->have_bans)
		return st->read_only ? -EROFS : -ENOENT;
	if (!addr || ban_key(key, addr) < 0)
		return -EINVAL;
	return store__write_run(st, ban_del_txn, &p);
}

int
store_ban_get(struct store *st, struct store_ban *out,
    const struct sockaddr *addr)
{
	uint8_t key[BAN_KEY_LEN];
	MDB_val k = {sizeof(key), key}, v;
	MDB_txn *txn;
	int rc;

	if (!addr || ban_key(key, addr) < 0)
		return -EINVAL;
	if (!st->have_bans)
		return -ENOENT;
	rc = store__read_begin(st, &txn);
	if (rc < 0)
		return rc;
	rc = store__err(mdb_get(txn, st->dbi[STORE_DB_BANS], &k, &v));
	if (rc == 0)
		rc = ban_decode(&k, &v, out);
	mdb_txn_abort(txn);
	return rc;
}

int
store_ban_list(struct store *st, struct store_ban *out, size_t max)
{
	if (!st->have_bans)
		return 0;
	return store__list(st, STORE_DB_BANS, ban_decode, out, sizeof(*out),
	    max);
}

int
store_ban_each(struct store *st, store_ban_cb cb, void *arg)
{
	MDB_cursor *cur;
	MDB_txn *txn;
	MDB_val k, v;
	struct store_ban b;
	int rc, stop = 0;

	if (!st->have_bans)
		return 0;
	rc = store__read_begin(st, &txn);
	if (rc < 0)
		return rc;
	rc = mdb_cursor_open(txn, st->dbi[STORE_DB_BANS], &cur);
	if (rc != MDB_SUCCESS) {
		mdb_txn_abort(txn);
		return store__err(rc);
	}
	for (rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST);
	     rc == MDB_SUCCESS && stop == 0;
	     rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT))
		if (ban_decode(&k, &v, &b) == 0)
			stop = cb(&b, arg);
	mdb_cursor_close(cur);
	mdb_txn_abort(txn);
	if (stop)
		return stop;
	return rc == MDB_SUCCESS || rc == MDB_NOTFOUND ? 0 : store__err(rc);
}

int
store_ban_generation(struct store *st, uint64_t *out)
{
	return store__meta_get(st, bangen_key, out);
}

/* Forgets records whose ban ran out more than keep_s ago. After
 * mdb_cursor_del() the cursor's MDB_NEXT yields the record that followed
 * the deleted one. */
struct ban_expire {
	int64_t now;
	uint32_t keep_s;
	int n;
};

static int
ban_expire_txn(struct store *st, MDB_txn *txn, void *arg)
{
	struct ban_expire *op = arg;
	MDB_cursor *cur;
	MDB_val k, v;
	struct store_ban b;
	int rc = mdb_cursor_open(txn, st->dbi[STORE_DB_BANS], &cur);

	if (rc != MDB_SUCCESS)
		return store__err(rc);
	for (rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST); rc == MDB_SUCCESS;
	     rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
		/* A record that does not decode is left for `check`. */
		if (ban_decode(&k, &v, &b) < 0 || b.until == 0 ||
		    b.until + (int64_t)op->keep_s > op->now)
			continue;
		rc = mdb_cursor_del(cur, 0);
		if (rc != MDB_SUCCESS)
			break;
		op->n++;
	}
	mdb_cursor_close(cur);
	if (rc != MDB_SUCCESS && rc != MDB_NOTFOUND)
		return store__err(rc);
	return 0;
}

int
store_ban_expire(struct store *st, int64_t now, uint32_t keep_s)
{
	struct ban_expire op = {now, keep_s, 0};
	int rc;

	if (!st->have_bans)
		return 0;
	rc = store__write_run(st, ban_expire_txn, &op);
	return rc < 0 ? rc : op.n;
}
