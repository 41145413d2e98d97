/* Lines as a collection: paged listing with a search filter, the count,
 * deletion. One line's reads and edits are in line.c. */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "storage/internal.h"

#define LINE_KEY_MAX (STORE_PARTITION_MAX + STORE_EXT_MAX)

/* Case-insensitive substring test (ASCII). */
static bool
contains_nocase(const char *hay, const char *needle)
{
	size_t n = strlen(needle);

	for (; *hay; hay++) {
		size_t i = 0;

		while (i < n && hay[i] &&
		       tolower((unsigned char)hay[i]) ==
		           tolower((unsigned char)needle[i]))
			i++;
		if (i == n)
			return true;
	}
	return n == 0;
}

static bool
line_matches(const struct store_line *l, const char *match)
{
	return !match || !*match || contains_nocase(l->ext, match) ||
	       contains_nocase(l->label, match);
}

/* Positions cur on the first line after (ap, ae), or the first line. */
static int
line_seek(MDB_cursor *cur, MDB_val *k, MDB_val *v, const char *ap,
          const char *ae, char *key, size_t cap)
{
	size_t len;
	int rc;

	if (!ap && !ae)
		return mdb_cursor_get(cur, k, v, MDB_FIRST);
	if (store__line_key(key, cap, &len, ap, ae ? ae : "0") < 0)
		return EINVAL;
	if (!ae)
		len = strlen(key) + 1; /* the partition's first line */
	*k = (MDB_val){len, key};
	rc = mdb_cursor_get(cur, k, v, MDB_SET_RANGE);
	if (rc == MDB_SUCCESS && ae && k->mv_size == len &&
	    memcmp(k->mv_data, key, len) == 0)
		rc = mdb_cursor_get(cur, k, v, MDB_NEXT);
	return rc;
}

int
store_line_list(struct store *st, struct store_line *out, size_t max,
                const char *after_partition, const char *after_ext,
                const char *match)
{
	char key[LINE_KEY_MAX];
	MDB_cursor *cur;
	MDB_txn *txn;
	MDB_val k, v;
	size_t n = 0;
	int rc = store__read_begin(st, &txn);

	if (rc < 0)
		return rc;
	rc = mdb_cursor_open(txn, st->dbi[STORE_DB_LINES], &cur);
	if (rc != MDB_SUCCESS) {
		mdb_txn_abort(txn);
		return store__err(rc);
	}
	for (rc = line_seek(cur, &k, &v, after_partition, after_ext, key,
	                    sizeof(key));
	     rc == MDB_SUCCESS && n < max;
	     rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
		/* Undecodable records are skipped; store_check() reports
		 * them. */
		if (store__line_decode(&k, &v, &out[n]) == 0 &&
		    line_matches(&out[n], match))
			n++;
	}
	mdb_cursor_close(cur);
	mdb_txn_abort(txn);
	if (rc == EINVAL)
		return -EINVAL;
	return (int)n;
}

int
store_line_count(struct store *st, uint64_t *out)
{
	MDB_txn *txn;
	MDB_stat ms;
	int rc = store__read_begin(st, &txn);

	if (rc < 0)
		return rc;
	rc = store__err(mdb_stat(txn, st->dbi[STORE_DB_LINES], &ms));
	mdb_txn_abort(txn);
	if (rc == 0)
		*out = ms.ms_entries;
	return rc;
}

int
store_line_delete(struct store *st, const char *partition, const char *ext,
                  const struct store_actor *actor)
{
	char key[LINE_KEY_MAX], subject[LINE_KEY_MAX + 1];
	struct store_line l;
	MDB_txn *txn;
	MDB_val k;
	size_t len;
	int rc = store__line_key(key, sizeof(key), &len, partition, ext);

	if (rc < 0)
		return rc;
	rc = store__write_begin(st, &txn);
	if (rc < 0)
		return rc;
	rc = store__line_read(st, txn, &l, partition, ext);
	k = (MDB_val){len, key};
	if (rc == 0 || rc == -EBADMSG)
		rc =
		    store__err(mdb_del(txn, st->dbi[STORE_DB_LINES], &k, NULL));
	snprintf(subject, sizeof(subject), "%s/%s", key, ext);
	if (rc == 0)
		rc = store__audit_txn(st, txn, actor, "line.delete", subject,
		                      "", "");
	if (rc < 0) {
		mdb_txn_abort(txn);
		return rc;
	}
	return store__commit(st, txn);
}
