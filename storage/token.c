/* API tokens (name -> SHA-256 of the token text) and the throttle counters
 * that slow down password and PIN guessing. */
#include <ctype.h>
#include <errno.h>
#include <mbedtls/platform_util.h>
#include <stdio.h>
#include <string.h>

#include "storage/internal.h"
#include "util.h"

#define TOKEN_REC_V1 1
#define THROTTLE_REC_V1 1
#define THROTTLE_KEY_MAX 96
#define THROTTLE_BATCH 64

static bool
name_char_ok(int c)
{
	return isalnum(c) || c == '_' || c == '.' || c == '-';
}

struct token_rec {
	struct store_api_token t;
	uint8_t hash[32];
};

static int
token_decode(const MDB_val *k, const MDB_val *v, struct token_rec *out)
{
	struct store__dec d;
	struct token_rec r;

	memset(&r, 0, sizeof(r));
	if (k->mv_size == 0 || k->mv_size >= sizeof(r.t.name) ||
	    store__dec_init(&d, v) != TOKEN_REC_V1)
		return -EBADMSG;
	memcpy(r.t.name, k->mv_data, k->mv_size);
	store__get_bytes(&d, r.hash, sizeof(r.hash));
	r.t.created = store__get_i64(&d);
	r.t.last_used = store__get_i64(&d);
	if (store__dec_end(&d) < 0)
		return -EBADMSG;
	*out = r;
	return 0;
}

static int
token_write(struct store *st, MDB_txn *txn, const struct token_rec *r,
            unsigned flags)
{
	struct store__enc e;
	MDB_val k = {strlen(r->t.name), (void *)r->t.name}, v;

	store__enc_init(&e, TOKEN_REC_V1);
	store__put_bytes(&e, r->hash, sizeof(r->hash));
	store__put_i64(&e, r->t.created);
	store__put_i64(&e, r->t.last_used);
	v = (MDB_val){e.len, e.buf};
	return store__err(
	    mdb_put(txn, st->dbi[STORE_DB_TOKENS], &k, &v, flags));
}

struct token_op {
	struct token_rec r;
	const struct store_actor *actor;
	int64_t now;
};

static int
token_create_txn(struct store *st, MDB_txn *txn, void *arg)
{
	struct token_op *op = arg;
	int rc = token_write(st, txn, &op->r, MDB_NOOVERWRITE);

	if (rc == 0)
		rc = store__audit_txn(st, txn, op->actor, "token.create",
		                      op->r.t.name, "", "");
	return rc;
}

int
store_token_create(struct store *st, const char *name, char *token_out,
                   const struct store_actor *actor)
{
	struct token_op op = {.actor = actor};
	char text[STORE_TOKEN_LEN];
	int rc;

	if (!store__name_ok(name, STORE_NAME_MAX, name_char_ok))
		return -EINVAL;
	rc = store__random_b64url(text);
	if (rc < 0)
		return rc;
	ll_strlcpy(op.r.t.name, name, sizeof(op.r.t.name));
	op.r.t.created = store__now();
	store__sha256(text, strlen(text), op.r.hash);
	rc = store__write_run(st, token_create_txn, &op);
	if (rc == 0)
		memcpy(token_out, text, sizeof(text));
	mbedtls_platform_zeroize(text, sizeof(text));
	return rc;
}

int
store_token_check(struct store *st, struct store_api_token *out,
                  const char *token)
{
	uint8_t hash[32];
	struct token_rec r;
	bool found = false;
	MDB_cursor *cur;
	MDB_txn *txn;
	MDB_val k, v;
	int rc;

	if (!token || strnlen(token, STORE_TOKEN_LEN) >= STORE_TOKEN_LEN)
		return -ENOENT;
	store__sha256(token, strlen(token), hash);
	rc = store__read_begin(st, &txn);
	if (rc < 0)
		return rc;
	rc = mdb_cursor_open(txn, st->dbi[STORE_DB_TOKENS], &cur);
	if (rc != MDB_SUCCESS) {
		mdb_txn_abort(txn);
		return store__err(rc);
	}
	/* Every record is compared, in constant time each, so the time
	 * taken says nothing about which token was close. */
	for (rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST); rc == MDB_SUCCESS;
	     rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT))
		if (token_decode(&k, &v, &r) == 0 &&
		    store__ct_equal(r.hash, hash, sizeof(hash)) && !found) {
			*out = r.t;
			found = true;
		}
	mdb_cursor_close(cur);
	mdb_txn_abort(txn);
	return found ? 0 : -ENOENT;
}

static int
token_touch_txn(struct store *st, MDB_txn *txn, void *arg)
{
	struct token_op *op = arg;
	MDB_val k = {strlen(op->r.t.name), op->r.t.name}, v;
	int rc = store__err(mdb_get(txn, st->dbi[STORE_DB_TOKENS], &k, &v));

	if (rc == 0)
		rc = token_decode(&k, &v, &op->r);
	if (rc < 0)
		return rc;
	op->r.t.last_used = op->now;
	return token_write(st, txn, &op->r, 0);
}

int
store_token_touch(struct store *st, const char *name, int64_t now)
{
	struct token_op op = {.now = now};

	if (!store__name_ok(name, STORE_NAME_MAX, name_char_ok))
		return -EINVAL;
	ll_strlcpy(op.r.t.name, name, sizeof(op.r.t.name));
	return store__write_run(st, token_touch_txn, &op);
}

/* token_decode() for store__list(): only the public part is kept. */
static int
token_list_decode(const MDB_val *k, const MDB_val *v, void *out)
{
	struct token_rec r;
	int rc = token_decode(k, v, &r);

	if (rc == 0)
		*(struct store_api_token *)out = r.t;
	return rc;
}

int
store_token_list(struct store *st, struct store_api_token *out, size_t max)
{
	return store__list(st, STORE_DB_TOKENS, token_list_decode, out,
	    sizeof(*out), max);
}

static int
token_revoke_txn(struct store *st, MDB_txn *txn, void *arg)
{
	struct token_op *op = arg;
	MDB_val k = {strlen(op->r.t.name), op->r.t.name};
	int rc = store__err(mdb_del(txn, st->dbi[STORE_DB_TOKENS], &k, NULL));

	if (rc == 0)
		rc = store__audit_txn(st, txn, op->actor, "token.revoke",
		                      op->r.t.name, "", "");
	return rc;
}

int
store_token_revoke(struct store *st, const char *name,
                   const struct store_actor *actor)
{
	struct token_op op = {.actor = actor};

	if (!store__name_ok(name, STORE_NAME_MAX, name_char_ok))
		return -EINVAL;
	ll_strlcpy(op.r.t.name, name, sizeof(op.r.t.name));
	return store__write_run(st, token_revoke_txn, &op);
}

/* ---- throttle counters --------------------------------------------- */

static bool
throttle_key_ok(const char *key)
{
	return key && *key && strnlen(key, THROTTLE_KEY_MAX) < THROTTLE_KEY_MAX;
}

static int
throttle_read(struct store *st, MDB_txn *txn, const char *key,
              struct store_throttle *out)
{
	MDB_val k = {strlen(key), (void *)key}, v;
	struct store__dec d;
	int rc = mdb_get(txn, st->dbi[STORE_DB_THROTTLE], &k, &v);

	memset(out, 0, sizeof(*out));
	if (rc == MDB_NOTFOUND)
		return 0;
	if (rc != MDB_SUCCESS)
		return store__err(rc);
	if (store__dec_init(&d, &v) != THROTTLE_REC_V1)
		return 0; /* unreadable: counts start over */
	out->failures = store__get_u32(&d);
	out->window_start = store__get_i64(&d);
	out->blocked_until = store__get_i64(&d);
	if (store__dec_end(&d) < 0)
		memset(out, 0, sizeof(*out));
	return 0;
}

int
store_throttle_get(struct store *st, struct store_throttle *out,
                   const char *key)
{
	MDB_txn *txn;
	int rc;

	if (!throttle_key_ok(key))
		return -EINVAL;
	rc = store__read_begin(st, &txn);
	if (rc < 0)
		return rc;
	rc = throttle_read(st, txn, key, out);
	mdb_txn_abort(txn);
	return rc;
}

struct throttle_op {
	const char *key;
	int64_t now;
	uint32_t max, window, block;
	struct store_throttle t;
};

static int
throttle_fail_txn(struct store *st, MDB_txn *txn, void *arg)
{
	struct throttle_op *op = arg;
	struct store_throttle *t = &op->t;
	struct store__enc e;
	MDB_val k = {strlen(op->key), (void *)op->key}, v;
	char what[48];
	int rc = throttle_read(st, txn, op->key, t);

	if (rc < 0)
		return rc;
	if (t->window_start == 0 ||
	    op->now - t->window_start >= (int64_t)op->window) {
		t->failures = 0;
		t->window_start = op->now;
	}
	t->failures++;
	if (t->failures >= op->max && t->blocked_until <= op->now) {
		t->blocked_until = op->now + (int64_t)op->block;
		snprintf(what, sizeof(what), "blocked for %lus",
		         (unsigned long)op->block);
		rc = store__audit_txn(st, txn, NULL, "throttle.block", op->key,
		                      "", what);
		if (rc < 0)
			return rc;
	}
	store__enc_init(&e, THROTTLE_REC_V1);
	store__put_u32(&e, t->failures);
	store__put_i64(&e, t->window_start);
	store__put_i64(&e, t->blocked_until);
	v = (MDB_val){e.len, e.buf};
	return store__err(mdb_put(txn, st->dbi[STORE_DB_THROTTLE], &k, &v, 0));
}

int
store_throttle_fail(struct store *st, const char *key, int64_t now,
                    uint32_t max_failures, uint32_t window_s, uint32_t block_s,
                    struct store_throttle *out)
{
	struct throttle_op op = {key,      now,     max_failures,
	                         window_s, block_s, {0}};
	int rc;

	if (!throttle_key_ok(key) || max_failures == 0)
		return -EINVAL;
	rc = store__write_run(st, throttle_fail_txn, &op);
	if (rc == 0 && out)
		*out = op.t;
	return rc;
}

static int
throttle_reset_txn(struct store *st, MDB_txn *txn, void *arg)
{
	MDB_val k = {strlen(arg), arg};
	int rc = mdb_del(txn, st->dbi[STORE_DB_THROTTLE], &k, NULL);

	return rc == MDB_NOTFOUND ? 0 : store__err(rc);
}

int
store_throttle_reset(struct store *st, const char *key)
{
	if (!throttle_key_ok(key))
		return -EINVAL;
	return store__write_run(st, throttle_reset_txn, (void *)key);
}

static int
throttle_expire_txn(struct store *st, MDB_txn *txn, void *arg)
{
	struct throttle_op *op = arg;
	char keys[THROTTLE_BATCH][THROTTLE_KEY_MAX];
	struct store_throttle t;
	MDB_cursor *cur;
	MDB_val k, v;
	size_t n;
	int rc, total = 0;

	do {
		n = 0;
		rc = mdb_cursor_open(txn, st->dbi[STORE_DB_THROTTLE], &cur);
		if (rc != MDB_SUCCESS)
			return store__err(rc);
		for (rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST);
		     rc == MDB_SUCCESS && n < THROTTLE_BATCH;
		     rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
			if (k.mv_size >= THROTTLE_KEY_MAX)
				continue;
			memcpy(keys[n], k.mv_data, k.mv_size);
			keys[n][k.mv_size] = '\0';
			if (throttle_read(st, txn, keys[n], &t) == 0 &&
			    t.blocked_until <= op->now &&
			    t.window_start + (int64_t)op->window <= op->now)
				n++;
		}
		mdb_cursor_close(cur);
		for (size_t i = 0; i < n; i++) {
			rc = throttle_reset_txn(st, txn, keys[i]);
			if (rc < 0)
				return rc;
		}
		total += (int)n;
	} while (n == THROTTLE_BATCH);
	op->max = (uint32_t)total;
	return 0;
}

int
store_throttle_expire(struct store *st, int64_t now, uint32_t window_s)
{
	struct throttle_op op = {.now = now, .window = window_s};
	int rc = store__write_run(st, throttle_expire_txn, &op);

	return rc < 0 ? rc : (int)op.max;
}
