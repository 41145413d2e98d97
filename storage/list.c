/* Number lists (emergency, allowlist): key = list id byte + insertion
 * order (u32 big-endian), value = the pattern text. Lists are short (at
 * most STORE_LIST_MAX), so add and delete scan them. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "storage/internal.h"
#include "util.h"

static const char *const list_names[STORE_LIST_COUNT] = {
    [STORE_LIST_EMERGENCY] = "emergency",
    [STORE_LIST_ALLOW] = "allow",
    [STORE_LIST_BLOCK] = "block",
    [STORE_LIST_AFTERHOURS] = "afterhours",
    [STORE_LIST_CLASS1] = "class1",
    [STORE_LIST_CLASS1 + 1] = "class2",
    [STORE_LIST_CLASS1 + 2] = "class3",
    [STORE_LIST_CLASS1 + 3] = "class4",
    [STORE_LIST_CLASS1 + 4] = "class5",
    [STORE_LIST_CLASS1 + 5] = "class6",
    [STORE_LIST_CLASS1 + 6] = "class7",
    [STORE_LIST_CLASS1 + 7] = "class8",
};

/* Numbers emergency services answer on in Europe, North America,
 * Australia, Germany (110 police) and elsewhere (118, 119). */
static const char *const emergency_defaults[] = {
    "112", "911", "999", "000", "110", "118", "119",
};

const char *
store_list_name(enum store_list list)
{
	return (unsigned)list < STORE_LIST_COUNT ? list_names[list] : "?";
}

_Static_assert(STORE_CLASS_COUNT == 8, "one list name per class");

int
store_list_by_name(const char *name)
{
	for (size_t i = 0; name && i < STORE_LIST_COUNT; i++)
		if (strcmp(list_names[i], name) == 0)
			return (int)i;
	return -ENOENT;
}

static bool
pattern_char_ok(int c)
{
	return strchr("0123456789XZNxzn*#+.![]-", c) != NULL;
}

static bool
pattern_ok(const char *p)
{
	return store__name_ok(p, STORE_PATTERN_MAX, pattern_char_ok);
}

static void
list_key(uint8_t key[5], enum store_list list, uint32_t order)
{
	key[0] = (uint8_t)list;
	key[1] = (uint8_t)(order >> 24);
	key[2] = (uint8_t)(order >> 16);
	key[3] = (uint8_t)(order >> 8);
	key[4] = (uint8_t)order;
}

/* Visits the list's entries in order. visit() returns 1 to stop. */
typedef int (*list_visit_fn)(const MDB_val *k, const MDB_val *v, void *arg);

static int
list_walk(struct store *st, MDB_txn *txn, enum store_list list,
          list_visit_fn visit, void *arg)
{
	MDB_cursor *cur;
	MDB_val k, v;
	uint8_t key[5];
	int rc, stop = 0;

	rc = mdb_cursor_open(txn, st->dbi[STORE_DB_LISTS], &cur);
	if (rc != MDB_SUCCESS)
		return store__err(rc);
	list_key(key, list, 0);
	k = (MDB_val){sizeof(key), key};
	for (rc = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE);
	     rc == MDB_SUCCESS && !stop;
	     rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
		if (k.mv_size != 5 || ((uint8_t *)k.mv_data)[0] != list)
			break;
		stop = visit(&k, &v, arg);
		if (stop < 0) {
			mdb_cursor_close(cur);
			return stop;
		}
	}
	mdb_cursor_close(cur);
	return rc == MDB_SUCCESS || rc == MDB_NOTFOUND ? 0 : store__err(rc);
}

struct list_read {
	char (*out)[STORE_PATTERN_MAX];
	size_t max, n;
};

static int
list_read_one(const MDB_val *k, const MDB_val *v, void *arg)
{
	struct list_read *r = arg;

	(void)k;
	if (r->n == r->max)
		return 1;
	if (v->mv_size == 0 || v->mv_size >= STORE_PATTERN_MAX)
		return 0; /* reported by store_check() */
	memcpy(r->out[r->n], v->mv_data, v->mv_size);
	r->out[r->n][v->mv_size] = '\0';
	r->n++;
	return 0;
}

int
store__list_read(struct store *st, MDB_txn *txn, enum store_list list,
                 char (*out)[STORE_PATTERN_MAX], size_t max)
{
	struct list_read r = {out, max, 0};
	int rc;

	if ((unsigned)list >= STORE_LIST_COUNT)
		return -EINVAL;
	rc = list_walk(st, txn, list, list_read_one, &r);
	return rc < 0 ? rc : (int)r.n;
}

int
store_list_get(struct store *st, enum store_list list,
               char (*out)[STORE_PATTERN_MAX], size_t max)
{
	MDB_txn *txn;
	int rc = store__read_begin(st, &txn);

	if (rc < 0)
		return rc;
	rc = store__list_read(st, txn, list, out, max);
	mdb_txn_abort(txn);
	return rc;
}

/* What list_find() learns: whether `pattern` is there (and its key), the
 * entry count and the highest order used. */
struct list_find {
	const char *pattern;
	bool found;
	uint8_t key[5];
	size_t count;
	uint32_t last;
};

static int
list_find_one(const MDB_val *k, const MDB_val *v, void *arg)
{
	struct list_find *f = arg;
	const uint8_t *kb = k->mv_data;

	f->count++;
	f->last = (uint32_t)kb[1] << 24 | (uint32_t)kb[2] << 16 |
	          (uint32_t)kb[3] << 8 | kb[4];
	if (v->mv_size == strlen(f->pattern) &&
	    memcmp(v->mv_data, f->pattern, v->mv_size) == 0) {
		f->found = true;
		memcpy(f->key, kb, sizeof(f->key));
	}
	return 0;
}

static int
list_put(struct store *st, MDB_txn *txn, enum store_list list, uint32_t order,
         const char *pattern)
{
	uint8_t key[5];
	MDB_val k = {sizeof(key), key};
	MDB_val v = {strlen(pattern), (void *)pattern};

	list_key(key, list, order);
	return store__err(
	    mdb_put(txn, st->dbi[STORE_DB_LISTS], &k, &v, MDB_NOOVERWRITE));
}

int
store__list_seed(struct store *st, MDB_txn *txn)
{
	for (size_t i = 0; i < ARRAY_SIZE(emergency_defaults); i++) {
		int rc = list_put(st, txn, STORE_LIST_EMERGENCY,
		                  (uint32_t)i + 1, emergency_defaults[i]);

		if (rc < 0)
			return rc;
	}
	return 0;
}

/* Adds (add true) or deletes a pattern inside txn, with its audit entry. */
static int
list_change(struct store *st, MDB_txn *txn, enum store_list list,
            const char *pattern, bool add, const struct store_actor *actor)
{
	struct list_find f = {.pattern = pattern};
	MDB_val k = {sizeof(f.key), f.key};
	int rc = list_walk(st, txn, list, list_find_one, &f);

	if (rc < 0)
		return rc;
	if (add && f.found)
		return -EEXIST;
	if (!add && !f.found)
		return -ENOENT;
	if (add && f.count >= STORE_LIST_MAX)
		return -ENOSPC;
	rc = add ? list_put(st, txn, list, f.last + 1, pattern)
	         : store__err(mdb_del(txn, st->dbi[STORE_DB_LISTS], &k, NULL));
	if (rc == 0)
		rc = store__audit_txn(st, txn, actor,
		                      add ? "list.add" : "list.del",
		                      store_list_name(list), add ? "" : pattern,
		                      add ? pattern : "");
	return rc;
}

static int
list_update(struct store *st, enum store_list list, const char *pattern,
            bool add, const struct store_actor *actor)
{
	MDB_txn *txn;
	int rc;

	if ((unsigned)list >= STORE_LIST_COUNT || !pattern_ok(pattern))
		return -EINVAL;
	rc = store__write_begin(st, &txn);
	if (rc < 0)
		return rc;
	rc = list_change(st, txn, list, pattern, add, actor);
	if (rc == 0)
		rc = store__gen_bump(st, txn);
	if (rc < 0) {
		mdb_txn_abort(txn);
		return rc;
	}
	return store__commit(st, txn);
}

int
store_list_add(struct store *st, enum store_list list, const char *pattern,
               const struct store_actor *actor)
{
	return list_update(st, list, pattern, true, actor);
}

int
store_list_del(struct store *st, enum store_list list, const char *pattern,
               const struct store_actor *actor)
{
	return list_update(st, list, pattern, false, actor);
}

/* Deletes every entry of a list: look up its first key again after each
 * delete rather than step a cursor over entries being removed. */
static int
list_clear(struct store *st, MDB_txn *txn, enum store_list list)
{
	MDB_cursor *cur;
	MDB_val k, v;
	uint8_t key[5];
	int rc;

	rc = mdb_cursor_open(txn, st->dbi[STORE_DB_LISTS], &cur);
	if (rc != MDB_SUCCESS)
		return store__err(rc);
	list_key(key, list, 0);
	for (;;) {
		k = (MDB_val){sizeof(key), key};
		rc = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE);
		if (rc != MDB_SUCCESS || k.mv_size != 5 ||
		    ((uint8_t *)k.mv_data)[0] != list)
			break;
		rc = mdb_cursor_del(cur, 0);
		if (rc != MDB_SUCCESS)
			break;
	}
	mdb_cursor_close(cur);
	return rc == MDB_SUCCESS || rc == MDB_NOTFOUND ? 0 : store__err(rc);
}

/* Joins patterns with "," for the audit entry (cut when long). */
static void
list_join(char *buf, size_t cap, const char *const *patterns, size_t n)
{
	size_t len = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < n && len + 1 < cap; i++) {
		size_t add = strlen(patterns[i]) + (i ? 1 : 0);

		if (len + add >= cap)
			break;
		len += (size_t)snprintf(buf + len, cap - len, "%s%s",
		                        i ? "," : "", patterns[i]);
	}
}

int
store_list_replace(struct store *st, enum store_list list,
                   const char *const *patterns, size_t n,
                   const struct store_actor *actor)
{
	char(*old)[STORE_PATTERN_MAX] = NULL;
	char oldtxt[STORE_SETTING_MAX], newtxt[STORE_SETTING_MAX];
	const char *oldp[STORE_LIST_MAX];
	MDB_txn *txn = NULL;
	int rc, nold;

	if ((unsigned)list >= STORE_LIST_COUNT || n > STORE_LIST_MAX)
		return -EINVAL;
	for (size_t i = 0; i < n; i++)
		for (size_t j = 0; j <= i; j++)
			if (!pattern_ok(patterns[i]) ||
			    (j < i && strcmp(patterns[i], patterns[j]) == 0))
				return -EINVAL;
	old = calloc(STORE_LIST_MAX, sizeof(*old));
	if (!old)
		return -ENOMEM;
	rc = store__write_begin(st, &txn);
	if (rc < 0)
		goto fail;
	nold = rc = store__list_read(st, txn, list, old, STORE_LIST_MAX);
	if (rc >= 0)
		rc = list_clear(st, txn, list);
	for (size_t i = 0; rc >= 0 && i < n; i++)
		rc = list_put(st, txn, list, (uint32_t)i + 1, patterns[i]);
	if (rc >= 0) {
		for (int i = 0; i < nold; i++)
			oldp[i] = old[i];
		list_join(oldtxt, sizeof(oldtxt), oldp, (size_t)nold);
		list_join(newtxt, sizeof(newtxt), patterns, n);
		rc = store__audit_txn(st, txn, actor, "list.replace",
		                      store_list_name(list), oldtxt, newtxt);
	}
	if (rc >= 0)
		rc = store__gen_bump(st, txn);
	if (rc < 0)
		goto fail;
	free(old);
	return store__commit(st, txn);
fail:
	if (txn)
		mdb_txn_abort(txn);
	free(old);
	return rc;
}
