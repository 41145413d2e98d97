/* Transaction shapes every record type shares: one write run to commit or
 * abort, and a whole-table listing into a caller's array. */
#include <errno.h>
#include <string.h>

#include "storage/internal.h"

int
store__write_run(struct store *st, store__write_fn fn, void *arg)
{
	MDB_txn *txn;
	int rc = store__write_begin(st, &txn);

	if (rc < 0)
		return rc;
	rc = fn(st, txn, arg);
	if (rc < 0) {
		mdb_txn_abort(txn);
		return rc;
	}
	return store__commit(st, txn);
}

int
store__list(struct store *st, enum store__db db, store__decode_fn dec,
            void *out, size_t elem, size_t max)
{
	MDB_cursor *cur;
	MDB_txn *txn;
	MDB_val k, v;
	size_t n = 0;
	int rc = store__read_begin(st, &txn);

	if (rc < 0)
		return rc;
	rc = mdb_cursor_open(txn, st->dbi[db], &cur);
	if (rc != MDB_SUCCESS) {
		mdb_txn_abort(txn);
		return store__err(rc);
	}
	/* A record that does not decode (a newer version, damage) is left
	 * out rather than failing the whole listing; `check` reports it. */
	for (rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST);
	     rc == MDB_SUCCESS && n < max;
	     rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT))
		if (dec(&k, &v, (char *)out + n * elem) == 0)
			n++;
	mdb_cursor_close(cur);
	mdb_txn_abort(txn);
	if (rc != MDB_SUCCESS && rc != MDB_NOTFOUND)
		return store__err(rc);
	return (int)n;
}

int
store__meta_bump(struct store *st, MDB_txn *txn, const char *key)
{
	MDB_val k = {strlen(key), (void *)key}, v;
	uint64_t n = 0;
	uint8_t b[8];
	int rc = mdb_get(txn, st->dbi[STORE_DB_META], &k, &v);

	if (rc == MDB_SUCCESS && v.mv_size == 8)
		n = store__from_be64(v.mv_data);
	else if (rc != MDB_SUCCESS && rc != MDB_NOTFOUND)
		return store__err(rc);
	store__be64(b, n + 1);
	v = (MDB_val){sizeof(b), b};
	return store__err(mdb_put(txn, st->dbi[STORE_DB_META], &k, &v, 0));
}

int
store__meta_get(struct store *st, const char *key, uint64_t *out)
{
	MDB_val k = {strlen(key), (void *)key}, v;
	MDB_txn *txn;
	int rc = store__read_begin(st, &txn);

	if (rc < 0)
		return rc;
	rc = mdb_get(txn, st->dbi[STORE_DB_META], &k, &v);
	*out = rc == MDB_SUCCESS && v.mv_size == 8 ?
	    store__from_be64(v.mv_data) : 0;
	mdb_txn_abort(txn);
	return rc == MDB_SUCCESS || rc == MDB_NOTFOUND ? 0 : store__err(rc);
}
