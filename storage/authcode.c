/* Authorization codes: key = HMAC-SHA256(authkey, code), value = a
 * versioned record {name, class granted, created, created_by}. The key
 * lives in the file authcode.key beside data.mdb (see store.h for why a
 * keyed fast hash and not PBKDF2). Codes are few; name lookups scan. */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <mbedtls/md.h>
#include <mbedtls/platform_util.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "log.h"
#include "storage/internal.h"
#include "util.h"

#define AUTHCODE_REC_V1 1
#define AUTHKEY_FILE "authcode.key"

/* Reads exactly 32 bytes from path. */
static int
authkey_read(const char *path, uint8_t key[32])
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -errno;
	n = read(fd, key, 32);
	close(fd);
	return n == 32 ? 0 : -EBADMSG;
}

/* Creates the key file atomically: a process that loses the race to
 * link() reads the winner's key. */
static int
authkey_create(const char *path, const char *tmp)
{
	uint8_t key[32];
	int fd, rc = store_random(key, sizeof(key));

	if (rc < 0)
		return rc;
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0) {
		rc = -errno;
	} else {
		rc = write(fd, key, sizeof(key)) == (ssize_t)sizeof(key) &&
		             fsync(fd) == 0
		         ? 0
		         : -EIO;
		close(fd);
		if (rc == 0 && link(tmp, path) < 0 && errno != EEXIST)
			rc = -errno;
		unlink(tmp);
	}
	mbedtls_platform_zeroize(key, sizeof(key));
	return rc;
}

/* Loads (creating when writable) the key; a read-only store without one
 * simply finds no codes. */
int
store__authkey_load(struct store *st)
{
	char path[300], tmp[320];
	int rc;

	if (st->have_authkey)
		return 0;
	snprintf(path, sizeof(path), "%s/" AUTHKEY_FILE, st->dir);
	rc = authkey_read(path, st->authkey);
	if (rc == -ENOENT && !st->read_only) {
		snprintf(tmp, sizeof(tmp), "%s.%ld", path, (long)getpid());
		rc = authkey_create(path, tmp);
		if (rc == 0)
			rc = authkey_read(path, st->authkey);
	}
	if (rc < 0 && rc != -ENOENT)
		log_error("storage: %s: %s", path, store_strerror(rc));
	st->have_authkey = rc == 0;
	return rc;
}

bool
store_authcode_is_valid(const char *code)
{
	size_t n = code ? strnlen(code, STORE_AUTHCODE_MAX + 1) : 0;

	return n >= STORE_AUTHCODE_MIN && n <= STORE_AUTHCODE_MAX &&
	       strspn(code, "0123456789") == n;
}

int
store__authcode_key(struct store *st, const char *code, uint8_t out[32])
{
	int rc;

	if (!store_authcode_is_valid(code))
		return -EINVAL;
	rc = store__authkey_load(st);
	if (rc < 0)
		return rc;
	rc = mbedtls_md_hmac(mbedtls_md_info_from_type(MBEDTLS_MD_SHA256),
	                     st->authkey, sizeof(st->authkey),
	                     (const unsigned char *)code, strlen(code), out);
	return rc == 0 ? 0 : -EIO;
}

static bool
name_char_ok(int c)
{
	return isalnum(c) || c == '_' || c == '.' || c == '-';
}

int
store__authcode_decode(const MDB_val *v, struct store_authcode *out)
{
	struct store__dec d;
	struct store_authcode a = {0};

	if (store__dec_init(&d, v) != AUTHCODE_REC_V1)
		return -EBADMSG;
	store__get_str(&d, a.name, sizeof(a.name));
	a.cor_class = store__get_u8(&d);
	a.created = store__get_i64(&d);
	store__get_str(&d, a.created_by, sizeof(a.created_by));
	if (store__dec_end(&d) < 0 || a.cor_class > STORE_CLASS_COUNT)
		return -EBADMSG;
	*out = a;
	return 0;
}

/* Finds the record named `name`; *key gets its key. */
static int
authcode_by_name(struct store *st, MDB_txn *txn, const char *name,
                 uint8_t key[32])
{
	struct store_authcode a;
	MDB_cursor *cur;
	MDB_val k, v;
	int rc = mdb_cursor_open(txn, st->dbi[STORE_DB_AUTHCODES], &cur);

	if (rc != MDB_SUCCESS)
		return store__err(rc);
	for (rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST); rc == MDB_SUCCESS;
	     rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
		if (k.mv_size == 32 && store__authcode_decode(&v, &a) == 0 &&
		    strcmp(a.name, name) == 0) {
			memcpy(key, k.mv_data, 32);
			break;
		}
	}
	mdb_cursor_close(cur);
	return store__err(rc);
}

static int
authcode_put(struct store *st, MDB_txn *txn, const uint8_t key[32],
             const struct store_authcode *a)
{
	struct store__enc e;
	MDB_val k = {32, (void *)key}, v;

	store__enc_init(&e, AUTHCODE_REC_V1);
	store__put_str(&e, a->name);
	store__put_u8(&e, a->cor_class);
	store__put_i64(&e, a->created);
	store__put_str(&e, a->created_by);
	v = (MDB_val){e.len, e.buf};
	return store__err(
	    mdb_put(txn, st->dbi[STORE_DB_AUTHCODES], &k, &v, MDB_NOOVERWRITE));
}

int
store_authcode_add(struct store *st, const char *name, uint8_t cor_class,
                   const char *code, const struct store_actor *actor)
{
	struct store_authcode a = {0};
	uint8_t key[32], other[32];
	char cls[8];
	MDB_txn *txn;
	int rc;

	actor = store__actor_or_system(actor);
	if (!store__name_ok(name, sizeof(a.name), name_char_ok) ||
	    cor_class > STORE_CLASS_COUNT)
		return -EINVAL;
	rc = store__authcode_key(st, code, key);
	if (rc < 0)
		return rc;
	ll_strlcpy(a.name, name, sizeof(a.name));
	a.cor_class = cor_class;
	a.created = store__now();
	ll_strlcpy(a.created_by, actor->name, sizeof(a.created_by));
	rc = store__write_begin(st, &txn);
	if (rc < 0)
		goto out;
	rc = authcode_by_name(st, txn, name, other);
	rc = rc == 0 ? -EEXIST : rc == -ENOENT ? 0 : rc;
	if (rc == 0)
		rc = authcode_put(st, txn, key, &a);
	if (cor_class == STORE_CLASS_NONE)
		ll_strlcpy(cls, "all", sizeof(cls));
	else
		snprintf(cls, sizeof(cls), "%u", (unsigned)cor_class);
	if (rc == 0)
		rc = store__audit_txn(st, txn, actor, "authcode.add", name, "",
		                      cls);
	if (rc < 0)
		mdb_txn_abort(txn);
	else
		rc = store__commit(st, txn);
out:
	mbedtls_platform_zeroize(key, sizeof(key));
	return rc;
}

int
store_authcode_del(struct store *st, const char *name,
                   const struct store_actor *actor)
{
	uint8_t key[32];
	MDB_val k = {sizeof(key), key};
	MDB_txn *txn;
	int rc;

	if (!store__name_ok(name, STORE_AUTHCODE_NAME_MAX, name_char_ok))
		return -EINVAL;
	rc = store__write_begin(st, &txn);
	if (rc < 0)
		return rc;
	rc = authcode_by_name(st, txn, name, key);
	if (rc == 0)
		rc = store__err(
		    mdb_del(txn, st->dbi[STORE_DB_AUTHCODES], &k, NULL));
	if (rc == 0)
		rc = store__audit_txn(st, txn, actor, "authcode.del", name, "",
		                      "");
	if (rc < 0) {
		mdb_txn_abort(txn);
		return rc;
	}
	return store__commit(st, txn);
}

static int
authcode_cmp(const void *a, const void *b)
{
	return strcmp(((const struct store_authcode *)a)->name,
	              ((const struct store_authcode *)b)->name);
}

/* store__authcode_decode() for store__list(): the key is a keyed hash. */
static int
authcode_list_decode(const MDB_val *k, const MDB_val *v, void *out)
{
	(void)k;
	return store__authcode_decode(v, out);
}

int
store_authcode_list(struct store *st, struct store_authcode *out, size_t max)
{
	int n = store__list(st, STORE_DB_AUTHCODES, authcode_list_decode, out,
	    sizeof(*out), max);

	if (n > 0)
		qsort(out, (size_t)n, sizeof(*out), authcode_cmp);
	return n;
}

/* Looks the code up inside txn. */
static int
authcode_get(struct store *st, MDB_txn *txn, struct store_authcode *out,
             const char *code)
{
	uint8_t key[32];
	MDB_val k = {sizeof(key), key}, v;
	int rc = store__authcode_key(st, code, key);

	if (rc == 0)
		rc = store__err(
		    mdb_get(txn, st->dbi[STORE_DB_AUTHCODES], &k, &v));
	mbedtls_platform_zeroize(key, sizeof(key));
	return rc < 0 ? rc : store__authcode_decode(&v, out);
}

int
store_authcode_find(struct store *st, struct store_authcode *out,
                    const char *code)
{
	MDB_txn *txn;
	int rc = store__read_begin(st, &txn);

	if (rc < 0)
		return rc;
	rc = authcode_get(st, txn, out, code);
	mdb_txn_abort(txn);
	return rc;
}

int
store_snapshot_authcode(struct store_snapshot *sn, struct store_authcode *out,
                        const char *code)
{
	if (!sn->active)
		return -EINVAL;
	return authcode_get(sn->st, sn->txn, out, code);
}
