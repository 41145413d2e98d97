/* The LMDB environment: open with schema creation or migration, the
 * transaction helpers every table uses, and the LMDB-to-errno mapping. */
#include <errno.h>
#include <mbedtls/platform_util.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "log.h"
#include "storage/internal.h"
#include "util.h"

#define STORE_MAP_DEFAULT ((size_t)16 << 20)
#define STORE_RING_DEFAULT 10000u

static const struct {
	const char *name;
	unsigned flags;
} store__tables[STORE_DB_COUNT] = {
    [STORE_DB_META] = {"meta", 0},
    [STORE_DB_LINES] = {"lines", 0},
    [STORE_DB_SETTINGS] = {"settings", 0},
    [STORE_DB_LISTS] = {"lists", 0},
    [STORE_DB_BINDINGS] = {"bindings", 0},
    [STORE_DB_BIND_LINE] = {"bind_line", MDB_DUPSORT},
    [STORE_DB_BIND_AOR] = {"bind_aor", MDB_DUPSORT},
    [STORE_DB_CDR] = {"cdr", 0},
    [STORE_DB_AUDIT] = {"audit", 0},
    [STORE_DB_ADMINS] = {"admins", 0},
    [STORE_DB_SESSIONS] = {"sessions", 0},
    [STORE_DB_TOKENS] = {"tokens", 0},
    [STORE_DB_THROTTLE] = {"throttle", 0},
    [STORE_DB_AUTHCODES] = {"authcodes", 0},
    /* Added after schema 3 without a migration: a writable open creates
     * them, and they start empty. */
    [STORE_DB_BANS] = {"bans", 0},
    [STORE_DB_DEVPINS] = {"devpins", 0},
};

/* Schema migrations, each from version `from` to from + 1, run in order
 * inside the open's write transaction: all of them or none. */
static const struct {
	uint32_t from;
	int (*run)(struct store *st, MDB_txn *txn);
	const char *what;
} store__migrations[] = {
    {1, store__migrate_lines, "line records gain a label"},
    {2, store__migrate_lines,
     "line records gain class, after-hours override and budget"},
};

int
store__err(int rc)
{
	switch (rc) {
	case MDB_SUCCESS:
		return 0;
	case MDB_NOTFOUND:
		return -ENOENT;
	case MDB_KEYEXIST:
		return -EEXIST;
	case MDB_MAP_FULL:
	case MDB_TXN_FULL:
	case MDB_DBS_FULL:
	case MDB_PAGE_FULL:
		return -ENOSPC;
	case MDB_READERS_FULL:
	case MDB_MAP_RESIZED:
		return -EAGAIN;
	case MDB_BAD_RSLOT:
	case MDB_BAD_TXN:
	case MDB_BAD_VALSIZE:
	case MDB_BAD_DBI:
	case MDB_INCOMPATIBLE:
		return -EINVAL;
	case MDB_CORRUPTED:
	case MDB_PAGE_NOTFOUND:
	case MDB_PANIC:
	case MDB_VERSION_MISMATCH:
	case MDB_INVALID:
	case MDB_TLS_FULL:
	case MDB_CURSOR_FULL:
		return -EIO;
	default:
		return rc > 0 ? -rc : -EIO;
	}
}

const char *
store_strerror(int err)
{
	switch (err) {
	case 0:
		return "ok";
	case -ENOENT:
		return "not found";
	case -EEXIST:
		return "already exists";
	case -EINVAL:
		return "invalid value";
	case -EPERM:
		return "not allowed";
	case -EBADMSG:
		return "record does not decode";
	case -ENOSPC:
		return "storage full";
	case -EIO:
		return "storage I/O error";
	case -EAGAIN:
		return "storage busy, try again";
	case -ENOMEM:
		return "out of memory";
	case -EROFS:
		return "storage opened read-only";
	case -EPROTO:
		return "storage schema newer than this program";
	case -EACCES:
		return "permission denied";
	default:
		return strerror(err < 0 ? -err : err);
	}
}

static int
store__txn_begin(struct store *st, unsigned flags, MDB_txn **out)
{
	int rc = mdb_txn_begin(st->env, NULL, flags, out);

	if (rc == MDB_MAP_RESIZED) {
		/* Another process (linelockctl or the daemon) grew the map:
		 * adopt its size and try once more. */
		mdb_env_set_mapsize(st->env, 0);
		rc = mdb_txn_begin(st->env, NULL, flags, out);
	}
	return store__err(rc);
}

int
store__write_begin(struct store *st, MDB_txn **out)
{
	if (st->read_only)
		return -EROFS;
	return store__txn_begin(st, 0, out);
}

int
store__read_begin(struct store *st, MDB_txn **out)
{
	return store__txn_begin(st, MDB_RDONLY, out);
}

int
store__commit(struct store *st, MDB_txn *txn)
{
	int mrc = mdb_txn_commit(txn);
	int rc = store__err(mrc);

	if (mrc == ENOSPC)	/* the file system, not the map */
		log_error("storage: %s: disk full, change refused; reads "
		          "keep working",
		          st->dir);
	else if (rc == -ENOSPC)
		log_error("storage: %s: map full, change refused (raise "
		          "[storage] map_size); reads keep working",
		          st->dir);
	else if (rc < 0)
		log_error("storage: %s: commit failed: %s", st->dir,
		          store_strerror(rc));
	return rc;
}

static int
meta_get_u64(struct store *st, MDB_txn *txn, const char *key, uint64_t *out)
{
	MDB_val k = {strlen(key), (void *)key}, v;
	int rc = store__err(mdb_get(txn, st->dbi[STORE_DB_META], &k, &v));

	if (rc < 0)
		return rc;
	if (v.mv_size != 8)
		return -EBADMSG;
	*out = store__from_be64(v.mv_data);
	return 0;
}

static int
meta_put_u64(struct store *st, MDB_txn *txn, const char *key, uint64_t val)
{
	MDB_val k = {strlen(key), (void *)key};
	uint8_t b[8];
	MDB_val v = {sizeof(b), b};

	store__be64(b, val);
	return store__err(mdb_put(txn, st->dbi[STORE_DB_META], &k, &v, 0));
}

int
store__gen_get(struct store *st, MDB_txn *txn, uint64_t *out)
{
	int rc = meta_get_u64(st, txn, "gen", out);

	if (rc == -ENOENT) {
		*out = 0;
		return 0;
	}
	return rc;
}

int
store__gen_bump(struct store *st, MDB_txn *txn)
{
	uint64_t gen;
	int rc = store__gen_get(st, txn, &gen);

	return rc < 0 ? rc : meta_put_u64(st, txn, "gen", gen + 1);
}

static int
store__dbis_open(struct store *st, MDB_txn *txn)
{
	for (int i = 0; i < STORE_DB_COUNT; i++) {
		unsigned fl = store__tables[i].flags;
		int rc;

		if (!st->read_only)
			fl |= MDB_CREATE;
		rc = mdb_dbi_open(txn, store__tables[i].name, fl, &st->dbi[i]);
		if (i >= STORE_DB_BANS && rc == MDB_NOTFOUND)
			continue;	/* read-only, older environment */
		if (i == STORE_DB_BANS && rc == MDB_SUCCESS)
			st->have_bans = true;
		if (i == STORE_DB_DEVPINS && rc == MDB_SUCCESS)
			st->have_devpins = true;
		if (rc != MDB_SUCCESS)
			return store__err(rc);
	}
	return 0;
}

/* Creates a new schema or migrates an old one, inside txn. */
static int
store__schema_prepare(struct store *st, MDB_txn *txn)
{
	uint64_t ver;
	int rc = meta_get_u64(st, txn, "schema", &ver);

	if (rc == -ENOENT) {
		rc = meta_put_u64(st, txn, "schema", STORE_SCHEMA_VERSION);
		if (rc == 0)
			rc = store__list_seed(st, txn);
		return rc < 0 ? rc : store__gen_bump(st, txn);
	}
	if (rc < 0)
		return rc;
	if (ver > STORE_SCHEMA_VERSION) {
		log_error("storage: %s: schema %llu is newer than this "
		          "program's %d",
		          st->dir, (unsigned long long)ver,
		          STORE_SCHEMA_VERSION);
		return -EPROTO;
	}
	for (size_t i = 0; i < ARRAY_SIZE(store__migrations); i++) {
		if (store__migrations[i].from != ver)
			continue;
		rc = store__migrations[i].run(st, txn);
		if (rc < 0)
			return rc;
		ver++;
		log_info("storage: %s: migrated schema to %llu (%s)", st->dir,
		         (unsigned long long)ver, store__migrations[i].what);
	}
	if (ver != STORE_SCHEMA_VERSION)
		return -EPROTO; /* a gap in the migration table */
	rc = meta_put_u64(st, txn, "schema", ver);
	return rc < 0 ? rc : store__gen_bump(st, txn);
}

static int
store__prepare(struct store *st)
{
	MDB_txn *txn;
	uint64_t ver;
	int rc;

	rc = st->read_only ? store__read_begin(st, &txn)
	                   : store__write_begin(st, &txn);
	if (rc < 0)
		return rc;
	rc = store__dbis_open(st, txn);
	if (rc == 0 && st->read_only) {
		rc = meta_get_u64(st, txn, "schema", &ver);
		if (rc == 0 && ver != STORE_SCHEMA_VERSION)
			rc = -EPROTO;
	} else if (rc == 0) {
		rc = store__schema_prepare(st, txn);
	}
	if (rc < 0) {
		mdb_txn_abort(txn);
		return rc;
	}
	/* A read-only txn must commit too, to keep its dbi handles. */
	return st->read_only ? store__err(mdb_txn_commit(txn))
	                     : store__commit(st, txn);
}

static int
store__env_open(struct store *st, const struct store_config *cfg)
{
	char data[300];
	struct stat sb;
	size_t map = (size_t)cfg->map_size;
	unsigned fl = MDB_NOTLS | (cfg->read_only ? MDB_RDONLY : 0);
	int rc, dead;

	snprintf(data, sizeof(data), "%s/data.mdb", cfg->dir);
	if (map == 0 && stat(data, &sb) != 0)
		map = STORE_MAP_DEFAULT;
	rc = mdb_env_create(&st->env);
	if (rc == MDB_SUCCESS)
		rc = mdb_env_set_maxdbs(st->env, STORE_DB_COUNT + 3);
	if (rc == MDB_SUCCESS && map)
		rc = mdb_env_set_mapsize(st->env, map);
	/* MDB_NOTLS: a decision's snapshot and a quick lookup may both hold
	 * a read txn on the one thread. Durable commits: no MDB_NOSYNC. */
	if (rc == MDB_SUCCESS)
		rc = mdb_env_open(st->env, cfg->dir, fl, 0600);
	if (rc != MDB_SUCCESS)
		return store__err(rc);
	/* Reader slots of killed processes would pin old pages forever. */
	mdb_reader_check(st->env, &dead);
	if (dead > 0)
		log_info("storage: %s: cleared %d stale reader(s)", cfg->dir,
		         dead);
	return 0;
}

int
store_open(struct store **out, const struct store_config *cfg)
{
	struct store *st;
	int rc;

	if (!cfg->dir[0] || strnlen(cfg->dir, sizeof(cfg->dir)) >= 250)
		return -EINVAL;
	if (!cfg->read_only && mkdir(cfg->dir, 0700) < 0 && errno != EEXIST)
		return -errno;
	st = calloc(1, sizeof(*st));
	if (!st)
		return -ENOMEM;
	ll_strlcpy(st->dir, cfg->dir, sizeof(st->dir));
	st->read_only = cfg->read_only;
	st->cdr_max = cfg->cdr_max ? cfg->cdr_max : STORE_RING_DEFAULT;
	st->audit_max = cfg->audit_max ? cfg->audit_max : STORE_RING_DEFAULT;
	st->on_pending = cfg->on_pending;
	st->pending_arg = cfg->pending_arg;
	rc = store__env_open(st, cfg);
	if (rc == 0)
		rc = store__prepare(st);
	if (rc == 0)
		store__authkey_load(st); /* logged; only codes stop working */
	if (rc < 0) {
		log_error("storage: %s: cannot open: %s", cfg->dir,
		          store_strerror(rc));
		store_close(st);
		return rc;
	}
	*out = st;
	return 0;
}

void
store_close(struct store *st)
{
	if (!st)
		return;
	if (st->env && st->pq_count > 0)
		(void)store_flush(st); /* logged there; nothing else to do */
	free(st->pq_buf);
	if (st->env)
		mdb_env_close(st->env);
	mbedtls_platform_zeroize(st->authkey, sizeof(st->authkey));
	free(st);
}

int
store_schema_version(struct store *st, uint32_t *out)
{
	MDB_txn *txn;
	uint64_t v;
	int rc = store__read_begin(st, &txn);

	if (rc < 0)
		return rc;
	rc = meta_get_u64(st, txn, "schema", &v);
	mdb_txn_abort(txn);
	if (rc == 0)
		*out = (uint32_t)v;
	return rc;
}

int
store_usage(struct store *st, uint64_t *used, uint64_t *map_size)
{
	MDB_envinfo info;
	MDB_stat stat;
	int rc = mdb_env_info(st->env, &info);

	if (rc == MDB_SUCCESS)
		rc = mdb_env_stat(st->env, &stat);
	if (rc != MDB_SUCCESS)
		return store__err(rc);
	*used = (uint64_t)(info.me_last_pgno + 1) * stat.ms_psize;
	*map_size = info.me_mapsize;
	return 0;
}
