/* store_check(): reads every record of every table through its decoder
 * and reports what does not decode, so an operator learns about damage
 * before a call trips over it. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "storage/internal.h"

typedef int (*check_fn)(const MDB_val *k, const MDB_val *v);

static int
check_line(const MDB_val *k, const MDB_val *v)
{
	struct store_line l;

	return store__line_decode(k, v, &l);
}

static int
check_binding(const MDB_val *k, const MDB_val *v)
{
	struct store_binding b;

	return store__binding_decode(k, v, &b);
}

static int
check_cdr(const MDB_val *k, const MDB_val *v)
{
	struct store_cdr c;

	return store__cdr_decode(k, v, &c);
}

static int
check_audit(const MDB_val *k, const MDB_val *v)
{
	struct store_audit a;

	return store__audit_decode(k, v, &a);
}

static int
check_admin(const MDB_val *k, const MDB_val *v)
{
	struct store_admin a;

	return store__admin_decode(k, v, &a);
}

static int
check_authcode(const MDB_val *k, const MDB_val *v)
{
	struct store_authcode a;

	return k->mv_size == 32 ? store__authcode_decode(v, &a) : -EBADMSG;
}

static int
check_ban(const MDB_val *k, const MDB_val *v)
{
	struct store_ban b;

	return store__ban_decode(k, v, &b);
}

static int
check_devpin(const MDB_val *k, const MDB_val *v)
{
	struct store_devpin p;

	return store__devpin_decode(k, v, &p);
}

static int
check_setting(const MDB_val *k, const MDB_val *v)
{
	struct store_settings s;
	char key[64], val[STORE_SETTING_MAX];

	if (k->mv_size >= sizeof(key) || v->mv_size >= sizeof(val))
		return -EBADMSG;
	memcpy(key, k->mv_data, k->mv_size);
	key[k->mv_size] = '\0';
	memcpy(val, v->mv_data, v->mv_size);
	val[v->mv_size] = '\0';
	store_settings_defaults(&s);
	return store__setting_apply(&s, key, val) < 0 ? -EBADMSG : 0;
}

static int
check_pattern(const MDB_val *k, const MDB_val *v)
{
	const uint8_t *kb = k->mv_data;

	if (k->mv_size != 5 || kb[0] >= STORE_LIST_COUNT || v->mv_size == 0 ||
	    v->mv_size >= STORE_PATTERN_MAX ||
	    memchr(v->mv_data, '\0', v->mv_size))
		return -EBADMSG;
	return 0;
}

static const struct {
	enum store__db db;
	const char *name;
	check_fn fn;
} checks[] = {
    {STORE_DB_LINES, "lines", check_line},
    {STORE_DB_SETTINGS, "settings", check_setting},
    {STORE_DB_LISTS, "lists", check_pattern},
    {STORE_DB_BINDINGS, "bindings", check_binding},
    {STORE_DB_CDR, "cdr", check_cdr},
    {STORE_DB_AUDIT, "audit", check_audit},
    {STORE_DB_ADMINS, "admins", check_admin},
    {STORE_DB_AUTHCODES, "authcodes", check_authcode},
    {STORE_DB_BANS, "bans", check_ban},
    {STORE_DB_DEVPINS, "devpins", check_devpin},
};

/* Prints a key as text when it is printable, else as hex. */
static void
print_key(FILE *f, const MDB_val *k)
{
	const uint8_t *p = k->mv_data;
	size_t n = k->mv_size < 40 ? k->mv_size : 40;

	for (size_t i = 0; i < n; i++)
		if (p[i] >= 0x20 && p[i] < 0x7f)
			fputc(p[i], f);
		else
			fprintf(f, "\\x%02x", p[i]);
}

static int
check_table(struct store *st, MDB_txn *txn, size_t i, FILE *report)
{
	MDB_cursor *cur;
	MDB_val k, v;
	int rc, bad = 0;

	if ((checks[i].db == STORE_DB_BANS && !st->have_bans) ||
	    (checks[i].db == STORE_DB_DEVPINS && !st->have_devpins))
		return 0;	/* read-only, an environment from before them */
	rc = mdb_cursor_open(txn, st->dbi[checks[i].db], &cur);
	if (rc != MDB_SUCCESS)
		return store__err(rc);
	for (rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST); rc == MDB_SUCCESS;
	     rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
		if (checks[i].fn(&k, &v) == 0)
			continue;
		bad++;
		if (report) {
			fprintf(report, "%s: record \"", checks[i].name);
			print_key(report, &k);
			fprintf(report, "\" does not decode\n");
		}
	}
	mdb_cursor_close(cur);
	return rc == MDB_NOTFOUND ? bad : store__err(rc);
}

int
store_check(struct store *st, FILE *report)
{
	MDB_txn *txn;
	int rc = store__read_begin(st, &txn), bad = 0;

	if (rc < 0)
		return rc;
	for (size_t i = 0; i < sizeof(checks) / sizeof(*checks); i++) {
		rc = check_table(st, txn, i, report);
		if (rc < 0)
			break;
		bad += rc;
	}
	mdb_txn_abort(txn);
	return rc < 0 ? rc : bad;
}
