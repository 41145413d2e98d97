/* Web console accounts: admins (name -> PBKDF2 hash), sessions (SHA-256
 * of the id -> session) and API tokens (name -> SHA-256 of the token).
 * Secrets are never stored in the clear: a leaked database gives no
 * working session id or token. */
#include <ctype.h>
#include <errno.h>
#include <mbedtls/platform_util.h>
#include <stdio.h>
#include <string.h>

#include "storage/internal.h"
#include "util.h"

#define ADMIN_REC_V1 1
#define SESSION_REC_V1 1
#define SESSION_BATCH 64

static bool
name_char_ok(int c)
{
	return isalnum(c) || c == '_' || c == '.' || c == '-';
}

static bool
name_ok(const char *name)
{
	return store__name_ok(name, STORE_NAME_MAX, name_char_ok);
}

int
store__random_b64url(char out[STORE_TOKEN_LEN])
{
	static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
	                          "abcdefghijklmnopqrstuvwxyz0123456789-_";
	uint8_t b[33] = {0};
	size_t o = 0;
	int rc = store_random(b, 32);

	if (rc < 0)
		return rc;
	for (size_t i = 0; i < 33; i += 3) {
		uint32_t v =
		    (uint32_t)b[i] << 16 | (uint32_t)b[i + 1] << 8 | b[i + 2];

		out[o++] = b64[v >> 18 & 63];
		out[o++] = b64[v >> 12 & 63];
		out[o++] = b64[v >> 6 & 63];
		if (o < 43)
			out[o++] = b64[v & 63];
	}
	out[43] = '\0';
	mbedtls_platform_zeroize(b, sizeof(b));
	return 0;
}

/* Reads key from db and hands the value to dec (in a read txn). */

static int
read_one(struct store *st, enum store__db db, const void *key, size_t klen,
         store__decode_fn dec, void *out)
{
	MDB_txn *txn;
	MDB_val k = {klen, (void *)key}, v;
	int rc = store__read_begin(st, &txn);

	if (rc < 0)
		return rc;
	rc = store__err(mdb_get(txn, st->dbi[db], &k, &v));
	if (rc == 0)
		rc = dec(&k, &v, out);
	mdb_txn_abort(txn);
	return rc;
}

/* ---- admins --------------------------------------------------------- */

static int
admin_write(struct store *st, MDB_txn *txn, const struct store_admin *a)
{
	struct store__enc e;
	MDB_val k = {strlen(a->name), (void *)a->name}, v;

	store__enc_init(&e, ADMIN_REC_V1);
	store__put_hash(&e, &a->password);
	store__put_i64(&e, a->created);
	store__put_i64(&e, a->last_login);
	v = (MDB_val){e.len, e.buf};
	return store__err(mdb_put(txn, st->dbi[STORE_DB_ADMINS], &k, &v, 0));
}

int
store__admin_decode(const MDB_val *k, const MDB_val *v, struct store_admin *out)
{
	struct store__dec d;
	struct store_admin a;

	memset(&a, 0, sizeof(a));
	if (k->mv_size == 0 || k->mv_size >= sizeof(a.name) ||
	    store__dec_init(&d, v) != ADMIN_REC_V1)
		return -EBADMSG;
	memcpy(a.name, k->mv_data, k->mv_size);
	store__get_hash(&d, &a.password);
	a.created = store__get_i64(&d);
	a.last_login = store__get_i64(&d);
	if (store__dec_end(&d) < 0)
		return -EBADMSG;
	*out = a;
	return 0;
}

static int
admin_dec(const MDB_val *k, const MDB_val *v, void *out)
{
	return store__admin_decode(k, v, out);
}

static int
admin_read(struct store *st, MDB_txn *txn, struct store_admin *out,
           const char *name)
{
	MDB_val k = {strlen(name), (void *)name}, v;
	int rc = store__err(mdb_get(txn, st->dbi[STORE_DB_ADMINS], &k, &v));

	return rc < 0 ? rc : store__admin_decode(&k, &v, out);
}

struct admin_put {
	const char *name;
	const struct store_hash *pw;
	const struct store_actor *actor;
	int64_t now; /* store_admin_login() */
};

static int
admin_put_txn(struct store *st, MDB_txn *txn, void *arg)
{
	struct admin_put *p = arg;
	struct store_admin a;
	int rc = admin_read(st, txn, &a, p->name);
	bool had = rc == 0;

	if (rc < 0 && rc != -ENOENT)
		return rc;
	if (!had) {
		memset(&a, 0, sizeof(a));
		ll_strlcpy(a.name, p->name, sizeof(a.name));
		a.created = store__now();
	}
	a.password = *p->pw;
	rc = admin_write(st, txn, &a);
	if (rc == 0)
		rc = store__audit_txn(st, txn, p->actor,
		                      had ? "admin.passwd" : "admin.create",
		                      p->name, "", "");
	mbedtls_platform_zeroize(&a, sizeof(a));
	return rc;
}

int
store_admin_put(struct store *st, const char *name,
                const struct store_hash *password,
                const struct store_actor *actor)
{
	struct admin_put p = {name, password, actor, 0};

	if (!name_ok(name) || !store_hash_is_set(password))
		return -EINVAL;
	return store__write_run(st, admin_put_txn, &p);
}

int
store_admin_get(struct store *st, struct store_admin *out, const char *name)
{
	if (!name_ok(name))
		return -EINVAL;
	return read_one(st, STORE_DB_ADMINS, name, strlen(name), admin_dec,
	                out);
}

static int
admin_login_txn(struct store *st, MDB_txn *txn, void *arg)
{
	struct admin_put *p = arg;
	struct store_admin a;
	int rc = admin_read(st, txn, &a, p->name);

	if (rc < 0)
		return rc;
	a.last_login = p->now;
	rc = admin_write(st, txn, &a);
	if (rc == 0)
		rc = store__audit_txn(st, txn, p->actor, "admin.login", p->name,
		                      "", "");
	return rc;
}

int
store_admin_login(struct store *st, const char *name, int64_t now,
                  const struct store_actor *actor)
{
	struct admin_put p = {name, NULL, actor, now};

	if (!name_ok(name))
		return -EINVAL;
	return store__write_run(st, admin_login_txn, &p);
}

int
store_admin_list(struct store *st, struct store_admin *out, size_t max)
{
	return store__list(st, STORE_DB_ADMINS, admin_dec, out,
	    sizeof(*out), max);
}

/* ---- sessions ------------------------------------------------------- */

static int
session_decode(const MDB_val *k, const MDB_val *v, void *out)
{
	struct store_session s;
	struct store__dec d;

	if (k->mv_size != 32 || store__dec_init(&d, v) != SESSION_REC_V1)
		return -EBADMSG;
	store__get_str(&d, s.admin, sizeof(s.admin));
	store__get_str(&d, s.csrf, sizeof(s.csrf));
	store__get_str(&d, s.source, sizeof(s.source));
	s.created = store__get_i64(&d);
	s.last_seen = store__get_i64(&d);
	if (store__dec_end(&d) < 0)
		return -EBADMSG;
	*(struct store_session *)out = s;
	return 0;
}

static int
session_write(struct store *st, MDB_txn *txn, const uint8_t key[32],
              const struct store_session *s)
{
	struct store__enc e;
	MDB_val k = {32, (void *)key}, v;

	store__enc_init(&e, SESSION_REC_V1);
	store__put_str(&e, s->admin);
	store__put_str(&e, s->csrf);
	store__put_str(&e, s->source);
	store__put_i64(&e, s->created);
	store__put_i64(&e, s->last_seen);
	if (e.overflow)
		return -EINVAL;
	v = (MDB_val){e.len, e.buf};
	return store__err(mdb_put(txn, st->dbi[STORE_DB_SESSIONS], &k, &v, 0));
}

static bool
session_id_ok(const char *id)
{
	return id && strnlen(id, STORE_SESSION_ID_LEN) < STORE_SESSION_ID_LEN &&
	       *id;
}

struct session_op {
	uint8_t key[32];
	struct store_session *s;
	int64_t now;
	const struct store_actor *actor;
};

static int
session_create_txn(struct store *st, MDB_txn *txn, void *arg)
{
	struct session_op *op = arg;
	struct store_admin a;
	int rc = admin_read(st, txn, &a, op->s->admin);

	return rc < 0 ? rc : session_write(st, txn, op->key, op->s);
}

int
store_session_create(struct store *st, char *id_out, struct store_session *s)
{
	struct session_op op = {.s = s};
	char id[STORE_TOKEN_LEN];
	int rc;

	if (!name_ok(s->admin) ||
	    strnlen(s->source, sizeof(s->source)) >= sizeof(s->source))
		return -EINVAL;
	rc = store__random_b64url(id);
	if (rc == 0)
		rc = store__random_b64url(s->csrf);
	if (rc < 0)
		return rc;
	if (!s->created)
		s->created = store__now();
	if (!s->last_seen)
		s->last_seen = s->created;
	store__sha256(id, strlen(id), op.key);
	rc = store__write_run(st, session_create_txn, &op);
	if (rc == 0)
		memcpy(id_out, id, sizeof(id));
	mbedtls_platform_zeroize(id, sizeof(id));
	return rc;
}

int
store_session_get(struct store *st, struct store_session *out, const char *id)
{
	uint8_t key[32];

	if (!session_id_ok(id))
		return -ENOENT;
	store__sha256(id, strlen(id), key);
	return read_one(st, STORE_DB_SESSIONS, key, sizeof(key), session_decode,
	                out);
}

static int
session_touch_txn(struct store *st, MDB_txn *txn, void *arg)
{
	struct session_op *op = arg;
	struct store_session s;
	MDB_val k = {32, op->key}, v;
	int rc = store__err(mdb_get(txn, st->dbi[STORE_DB_SESSIONS], &k, &v));

	if (rc == 0)
		rc = session_decode(&k, &v, &s);
	if (rc < 0)
		return rc;
	s.last_seen = op->now;
	return session_write(st, txn, op->key, &s);
}

int
store_session_touch(struct store *st, const char *id, int64_t now)
{
	struct session_op op = {.now = now};

	if (!session_id_ok(id))
		return -ENOENT;
	store__sha256(id, strlen(id), op.key);
	return store__write_run(st, session_touch_txn, &op);
}

static int
session_del_txn(struct store *st, MDB_txn *txn, void *arg)
{
	struct session_op *op = arg;
	struct store_session s;
	MDB_val k = {32, op->key}, v;
	int rc = store__err(mdb_get(txn, st->dbi[STORE_DB_SESSIONS], &k, &v));

	if (rc == 0)
		rc = session_decode(&k, &v, &s);
	if (rc == 0)
		rc = store__err(
		    mdb_del(txn, st->dbi[STORE_DB_SESSIONS], &k, NULL));
	if (rc == 0)
		rc = store__audit_txn(st, txn, op->actor, "admin.logout",
		                      s.admin, "", "");
	return rc;
}

int
store_session_del(struct store *st, const char *id,
                  const struct store_actor *actor)
{
	struct session_op op = {.actor = actor};

	if (!session_id_ok(id))
		return -ENOENT;
	store__sha256(id, strlen(id), op.key);
	return store__write_run(st, session_del_txn, &op);
}

/* Deletes sessions that `doomed` picks, in batches; returns the count. */
typedef bool (*session_pick_fn)(const struct store_session *s, const void *arg);

static int
session_sweep(struct store *st, MDB_txn *txn, session_pick_fn doomed,
              const void *arg)
{
	uint8_t keys[SESSION_BATCH][32];
	struct store_session s;
	MDB_cursor *cur;
	MDB_val k, v;
	int total = 0, rc;
	size_t n;

	do {
		n = 0;
		rc = mdb_cursor_open(txn, st->dbi[STORE_DB_SESSIONS], &cur);
		if (rc != MDB_SUCCESS)
			return store__err(rc);
		for (rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST);
		     rc == MDB_SUCCESS && n < SESSION_BATCH;
		     rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT))
			if (session_decode(&k, &v, &s) < 0 || doomed(&s, arg))
				memcpy(keys[n++], k.mv_data, 32);
		mdb_cursor_close(cur);
		for (size_t i = 0; i < n; i++) {
			k = (MDB_val){32, keys[i]};
			rc = mdb_del(txn, st->dbi[STORE_DB_SESSIONS], &k, NULL);
			if (rc != MDB_SUCCESS)
				return store__err(rc);
		}
		total += (int)n;
	} while (n == SESSION_BATCH);
	return total;
}

struct expiry {
	int64_t now;
	uint32_t idle_s, max_age_s;
	int n; /* out: sessions deleted */
};

static bool
session_expired(const struct store_session *s, const void *arg)
{
	const struct expiry *e = arg;

	return s->last_seen < e->now - (int64_t)e->idle_s ||
	       s->created < e->now - (int64_t)e->max_age_s;
}

static int
session_expire_txn(struct store *st, MDB_txn *txn, void *arg)
{
	struct expiry *e = arg;

	e->n = session_sweep(st, txn, session_expired, e);
	return e->n;
}

int
store_session_expire(struct store *st, int64_t now, uint32_t idle_s,
                     uint32_t max_age_s)
{
	struct expiry e = {now, idle_s, max_age_s, 0};
	int rc = store__write_run(st, session_expire_txn, &e);

	return rc < 0 ? rc : e.n;
}

static bool
session_of_admin(const struct store_session *s, const void *arg)
{
	return strcmp(s->admin, arg) == 0;
}

static int
admin_del_txn(struct store *st, MDB_txn *txn, void *arg)
{
	struct admin_put *p = arg;
	MDB_val k = {strlen(p->name), (void *)p->name};
	int rc = store__err(mdb_del(txn, st->dbi[STORE_DB_ADMINS], &k, NULL));

	if (rc == 0)
		rc = session_sweep(st, txn, session_of_admin, p->name);
	if (rc >= 0)
		rc = store__audit_txn(st, txn, p->actor, "admin.delete",
		                      p->name, "", "");
	return rc;
}

int
store_admin_del(struct store *st, const char *name,
                const struct store_actor *actor)
{
	struct admin_put p = {name, NULL, actor, 0};

	if (!name_ok(name))
		return -EINVAL;
	return store__write_run(st, admin_del_txn, &p);
}
