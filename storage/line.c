/* Lines: key "partition\0ext", value a versioned line record. A line
 * without a record is an unlocked line with no PIN that inherits every
 * setting, so phones need no provisioning before they can be locked. */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "storage/internal.h"
#include "util.h"

#define LINE_REC_V1 1 /* schema 1: no label */
#define LINE_REC_V2 2 /* schema 2: no class, after-hours or budget */
#define LINE_REC_V3 3
#define LINE_KEY_MAX (STORE_PARTITION_MAX + STORE_EXT_MAX)

static bool
name_char_ok(int c)
{
	return isalnum(c) || c == '_' || c == '.' || c == '+' || c == '-';
}

bool
store_ext_is_valid(const char *ext)
{
	return store__name_ok(ext, STORE_EXT_MAX, name_char_ok);
}

bool
store_partition_is_valid(const char *partition)
{
	return store__name_ok(partition, STORE_PARTITION_MAX, name_char_ok);
}

static const char *
part_or_default(const char *partition)
{
	return partition && *partition ? partition : STORE_PARTITION_DEFAULT;
}

int
store__line_key(char *buf, size_t cap, size_t *len, const char *partition,
                const char *ext)
{
	size_t pl, el;

	partition = part_or_default(partition);
	if (!store_partition_is_valid(partition) || !store_ext_is_valid(ext))
		return -EINVAL;
	pl = strlen(partition);
	el = strlen(ext);
	if (pl + 1 + el > cap)
		return -EINVAL;
	memcpy(buf, partition, pl);
	buf[pl] = '\0';
	memcpy(buf + pl + 1, ext, el);
	*len = pl + 1 + el;
	return 0;
}

void
store_line_defaults(struct store_line *l, const char *partition,
                    const char *ext)
{
	memset(l, 0, sizeof(*l));
	ll_strlcpy(l->partition, part_or_default(partition),
	           sizeof(l->partition));
	ll_strlcpy(l->ext, ext ? ext : "", sizeof(l->ext));
}

bool
store_line_pin_is_blocked(const struct store_line *l, int64_t now)
{
	return l->pin_blocked_until > now;
}

static void
line_encode(struct store__enc *e, const struct store_line *l)
{
	store__enc_init(e, LINE_REC_V3);
	store__put_str(e, l->label);
	store__put_u8(e, l->lock);
	store__put_str(e, l->locked_by);
	store__put_str(e, l->lock_source);
	store__put_i64(e, l->locked_at);
	store__put_hash(e, &l->pin);
	store__put_u32(e, l->pin_failures);
	store__put_i64(e, l->pin_window_start);
	store__put_i64(e, l->pin_blocked_until);
	store__put_u8(e, l->locked_action);
	store__put_str(e, l->redirect_uri);
	store__put_u8(e, l->block_incoming);
	store__put_i64(e, l->updated);
	store__put_u8(e, l->cor_class);
	store__put_i64(e, l->afterhours_until);
	store__put_u32(e, l->budget.calls);
	store__put_u8(e, l->budget.period);
	store__put_u32(e, l->budget.minutes);
	store__put_u32(e, l->budget.used_calls);
	store__put_u32(e, l->budget.used_seconds);
	store__put_u32(e, l->budget.calls_period);
	store__put_u32(e, l->budget.seconds_period);
}

/* The fields schema 3 added; older records keep their defaults. */
static void
line_decode_v3(struct store__dec *d, struct store_line *l)
{
	l->cor_class = store__get_u8(d);
	l->afterhours_until = store__get_i64(d);
	l->budget.calls = store__get_u32(d);
	l->budget.period = store__get_u8(d);
	l->budget.minutes = store__get_u32(d);
	l->budget.used_calls = store__get_u32(d);
	l->budget.used_seconds = store__get_u32(d);
	l->budget.calls_period = store__get_u32(d);
	l->budget.seconds_period = store__get_u32(d);
}

static bool
line_is_sane(const struct store_line *l)
{
	return l->lock <= STORE_LOCK_BUDGET &&
	       l->locked_action <= STORE_ACTION_REDIRECT &&
	       l->block_incoming <= STORE_ON &&
	       l->cor_class <= STORE_CLASS_COUNT &&
	       l->budget.period <= STORE_PERIOD_DAY;
}

/* Decodes a record of the current version, or of an older one when
 * `old_ok` (migrations). */
static int
line_decode_v(const MDB_val *k, const MDB_val *v, struct store_line *out,
              bool old_ok)
{
	const char *key = k->mv_data;
	const char *nul = memchr(key, '\0', k->mv_size);
	struct store__dec d;
	struct store_line l;
	uint8_t ver = store__dec_init(&d, v);
	size_t pl;

	if (!nul || ver < LINE_REC_V1 || ver > LINE_REC_V3 ||
	    (ver != LINE_REC_V3 && !old_ok))
		return -EBADMSG;
	pl = (size_t)(nul - key);
	if (pl >= sizeof(l.partition) || k->mv_size - pl - 1 >= sizeof(l.ext))
		return -EBADMSG;
	store_line_defaults(&l, NULL, NULL);
	memcpy(l.partition, key, pl + 1);
	memcpy(l.ext, nul + 1, k->mv_size - pl - 1);
	l.ext[k->mv_size - pl - 1] = '\0';
	if (ver >= LINE_REC_V2)
		store__get_str(&d, l.label, sizeof(l.label));
	l.lock = store__get_u8(&d);
	store__get_str(&d, l.locked_by, sizeof(l.locked_by));
	store__get_str(&d, l.lock_source, sizeof(l.lock_source));
	l.locked_at = store__get_i64(&d);
	store__get_hash(&d, &l.pin);
	l.pin_failures = store__get_u32(&d);
	l.pin_window_start = store__get_i64(&d);
	l.pin_blocked_until = store__get_i64(&d);
	l.locked_action = store__get_u8(&d);
	store__get_str(&d, l.redirect_uri, sizeof(l.redirect_uri));
	l.block_incoming = store__get_u8(&d);
	l.updated = store__get_i64(&d);
	if (ver >= LINE_REC_V3)
		line_decode_v3(&d, &l);
	if (store__dec_end(&d) < 0 || !line_is_sane(&l))
		return -EBADMSG;
	*out = l;
	return 0;
}

int
store__line_decode(const MDB_val *k, const MDB_val *v, struct store_line *out)
{
	return line_decode_v(k, v, out, false);
}

int
store__line_read(struct store *st, MDB_txn *txn, struct store_line *out,
                 const char *partition, const char *ext)
{
	char key[LINE_KEY_MAX];
	MDB_val k, v;
	size_t len;
	int rc = store__line_key(key, sizeof(key), &len, partition, ext);

	if (rc < 0)
		return rc;
	k = (MDB_val){len, key};
	rc = store__err(mdb_get(txn, st->dbi[STORE_DB_LINES], &k, &v));
	return rc < 0 ? rc : store__line_decode(&k, &v, out);
}

int
store_line_get(struct store *st, struct store_line *out, const char *partition,
               const char *ext)
{
	MDB_txn *txn;
	int rc = store__read_begin(st, &txn);

	if (rc < 0)
		return rc;
	rc = store__line_read(st, txn, out, partition, ext);
	mdb_txn_abort(txn);
	return rc;
}

static int
line_write(struct store *st, MDB_txn *txn, const struct store_line *l)
{
	struct store__enc e;
	char key[LINE_KEY_MAX];
	MDB_val k, v;
	size_t len;
	int rc = store__line_key(key, sizeof(key), &len, l->partition, l->ext);

	if (rc < 0)
		return rc;
	line_encode(&e, l);
	if (e.overflow)
		return -EINVAL;
	k = (MDB_val){len, key};
	v = (MDB_val){e.len, e.buf};
	return store__err(mdb_put(txn, st->dbi[STORE_DB_LINES], &k, &v, 0));
}

/* Schema 1 -> 2 (label) and 2 -> 3 (class, after-hours, budget): every
 * line record is decoded as its version and written as the current one. */
int
store__migrate_lines(struct store *st, MDB_txn *txn)
{
	MDB_cursor *cur;
	MDB_val k, v;
	struct store_line l;
	struct store__enc e;
	int rc;

	rc = mdb_cursor_open(txn, st->dbi[STORE_DB_LINES], &cur);
	if (rc != MDB_SUCCESS)
		return store__err(rc);
	for (rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST); rc == MDB_SUCCESS;
	     rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
		if (line_decode_v(&k, &v, &l, true) < 0)
			continue; /* left for store_check() to report */
		line_encode(&e, &l);
		v = (MDB_val){e.len, e.buf};
		rc = mdb_cursor_put(cur, &k, &v, MDB_CURRENT);
		if (rc != MDB_SUCCESS)
			break;
	}
	mdb_cursor_close(cur);
	return rc == MDB_NOTFOUND ? 0 : store__err(rc);
}

int
store__line_modify(struct store *st, const char *partition, const char *ext,
                   store__line_edit_fn fn, const void *arg,
                   const struct store_actor *actor)
{
	struct store__line_change ch = {0};
	struct store_line l;
	char subject[STORE_PARTITION_MAX + STORE_EXT_MAX];
	MDB_txn *txn;
	int rc = store__write_begin(st, &txn);

	if (rc < 0)
		return rc;
	rc = store__line_read(st, txn, &l, partition, ext);
	if (rc == -ENOENT) {
		store_line_defaults(&l, partition, ext);
		rc = 0;
	}
	if (rc == 0)
		rc = fn(st, txn, &l, arg, &ch);
	if (rc == 1) {
		mdb_txn_abort(txn);
		return 0;
	}
	if (rc == 0) {
		l.updated = store__now();
		rc = line_write(st, txn, &l);
	}
	if (rc == 0 && ch.action) {
		snprintf(subject, sizeof(subject), "%s/%s", l.partition, l.ext);
		rc = store__audit_txn(st, txn, actor, ch.action, subject,
		                      ch.old_value, ch.new_value);
	}
	if (rc < 0) {
		mdb_txn_abort(txn);
		return rc;
	}
	return store__commit(st, txn);
}

const char *
store__lock_name(uint8_t lock)
{
	static const char *const names[] = {"unlocked", "user", "admin",
	                                    "budget"};

	return lock < ARRAY_SIZE(names) ? names[lock] : "?";
}

/* USER < BUDGET < ADMIN: a stronger lock replaces a weaker one. */
static int
lock_rank(uint8_t lock)
{
	static const int rank[] = {0, 1, 3, 2};

	return lock < ARRAY_SIZE(rank) ? rank[lock] : 0;
}

struct lock_arg {
	uint8_t how;
	const struct store_actor *actor;
};

static int
edit_lock(struct store *st, MDB_txn *txn, struct store_line *l, const void *arg,
          struct store__line_change *ch)
{
	const struct lock_arg *a = arg;

	(void)st, (void)txn;
	if (lock_rank(a->how) <= lock_rank(l->lock))
		return 1;
	ch->action = "line.lock";
	ll_strlcpy(ch->old_value, store__lock_name(l->lock),
	           sizeof(ch->old_value));
	ll_strlcpy(ch->new_value, store__lock_name(a->how),
	           sizeof(ch->new_value));
	l->lock = a->how;
	l->locked_at = store__now();
	ll_strlcpy(l->locked_by, a->actor->name, sizeof(l->locked_by));
	ll_strlcpy(l->lock_source, a->actor->source, sizeof(l->lock_source));
	return 0;
}

int
store_line_lock(struct store *st, const char *partition, const char *ext,
                enum store_lock how, const struct store_actor *actor)
{
	struct lock_arg a = {(uint8_t)how, store__actor_or_system(actor)};

	if (how != STORE_LOCK_USER && how != STORE_LOCK_ADMIN &&
	    how != STORE_LOCK_BUDGET)
		return -EINVAL;
	return store__line_modify(st, partition, ext, edit_lock, &a, a.actor);
}

static int
edit_unlock(struct store *st, MDB_txn *txn, struct store_line *l,
            const void *arg, struct store__line_change *ch)
{
	const bool *as_admin = arg;

	(void)st, (void)txn;
	if (l->lock == STORE_LOCK_NONE)
		return 1;
	if (!*as_admin && l->lock != STORE_LOCK_USER)
		return -EPERM;
	ch->action = "line.unlock";
	ll_strlcpy(ch->old_value, store__lock_name(l->lock),
	           sizeof(ch->old_value));
	ll_strlcpy(ch->new_value, store__lock_name(STORE_LOCK_NONE),
	           sizeof(ch->new_value));
	l->lock = STORE_LOCK_NONE;
	l->locked_at = 0;
	l->locked_by[0] = l->lock_source[0] = '\0';
	return 0;
}

int
store_line_unlock(struct store *st, const char *partition, const char *ext,
                  bool as_admin, const struct store_actor *actor)
{
	return store__line_modify(st, partition, ext, edit_unlock, &as_admin,
	                          store__actor_or_system(actor));
}

static int
edit_pin(struct store *st, MDB_txn *txn, struct store_line *l, const void *arg,
         struct store__line_change *ch)
{
	const struct store_hash *h = arg;
	bool had = store_hash_is_set(&l->pin);

	(void)st, (void)txn;
	ch->action = "line.pin";
	ll_strlcpy(ch->old_value, had ? "set" : "none", sizeof(ch->old_value));
	ll_strlcpy(ch->new_value, h ? (had ? "changed" : "set") : "none",
	           sizeof(ch->new_value));
	if (h)
		l->pin = *h;
	else
		memset(&l->pin, 0, sizeof(l->pin));
	l->pin_failures = 0;
	l->pin_window_start = l->pin_blocked_until = 0;
	return 0;
}

int
store_line_pin_set(struct store *st, const char *partition, const char *ext,
                   const struct store_hash *h, const struct store_actor *actor)
{
	if (h && (h->iterations < STORE_HASH_ITER_MIN ||
	          h->iterations > STORE_HASH_ITER_MAX))
		return -EINVAL;
	return store__line_modify(st, partition, ext, edit_pin, h, actor);
}

struct fail_arg {
	int64_t now;
	int64_t blocked_until;
	const struct store_actor *actor;
};

static int
edit_pin_fail(struct store *st, MDB_txn *txn, struct store_line *l,
              const void *arg, struct store__line_change *ch)
{
	struct fail_arg *a = (struct fail_arg *)arg;
	struct store_settings s;
	int rc = store__settings_read(st, txn, &s);

	if (rc < 0)
		return rc;
	snprintf(ch->old_value, sizeof(ch->old_value), "%lu failures",
	         (unsigned long)l->pin_failures);
	if (l->pin_window_start == 0 ||
	    a->now - l->pin_window_start >= (int64_t)s.pin_fail_window) {
		l->pin_failures = 0;
		l->pin_window_start = a->now;
	}
	l->pin_failures++;
	ch->action = "line.pin_fail";
	snprintf(ch->new_value, sizeof(ch->new_value), "%lu failures",
	         (unsigned long)l->pin_failures);
	if (l->pin_failures >= s.pin_max_failures) {
		/* Blocked: the counting starts over once the block ends. */
		l->pin_blocked_until = a->now + (int64_t)s.pin_block_seconds;
		l->pin_failures = 0;
		l->pin_window_start = 0;
		ch->action = "line.pin_block";
		snprintf(ch->new_value, sizeof(ch->new_value),
		         "blocked for %lus",
		         (unsigned long)s.pin_block_seconds);
	}
	a->blocked_until =
	    l->pin_blocked_until > a->now ? l->pin_blocked_until : 0;
	return 0;
}

int
store_line_pin_fail(struct store *st, const char *partition, const char *ext,
                    int64_t now, int64_t *blocked_until,
                    const struct store_actor *actor)
{
	struct fail_arg a = {now, 0, actor};
	int rc =
	    store__line_modify(st, partition, ext, edit_pin_fail, &a, actor);

	if (rc == 0 && blocked_until)
		*blocked_until = a.blocked_until;
	return rc;
}

static int
edit_pin_ok(struct store *st, MDB_txn *txn, struct store_line *l,
            const void *arg, struct store__line_change *ch)
{
	(void)st, (void)txn, (void)arg;
	if (l->pin_failures == 0 && l->pin_window_start == 0)
		return 1;
	ch->action = "line.pin_ok";
	snprintf(ch->old_value, sizeof(ch->old_value), "%lu failures",
	         (unsigned long)l->pin_failures);
	ll_strlcpy(ch->new_value, "0 failures", sizeof(ch->new_value));
	l->pin_failures = 0;
	l->pin_window_start = 0;
	return 0;
}

int
store_line_pin_ok(struct store *st, const char *partition, const char *ext,
                  const struct store_actor *actor)
{
	return store__line_modify(st, partition, ext, edit_pin_ok, NULL, actor);
}

struct override_arg {
	uint8_t action;
	const char *uri;
	uint8_t block_incoming;
};

static void
override_text(char *buf, size_t cap, uint8_t action, const char *uri,
              uint8_t block)
{
	static const char *const act[] = {"inherit", "reject", "redirect"};
	static const char *const tri[] = {"inherit", "off", "on"};

	/* A long URI may be cut: the audit value is bounded. */
	if (snprintf(buf, cap, "action=%s block_incoming=%s uri=%s",
	             act[action % 3], tri[block % 3], uri) >= (int)cap)
		buf[cap - 1] = '\0';
}

static int
edit_override(struct store *st, MDB_txn *txn, struct store_line *l,
              const void *arg, struct store__line_change *ch)
{
	const struct override_arg *a = arg;

	(void)st, (void)txn;
	ch->action = "line.override";
	override_text(ch->old_value, sizeof(ch->old_value), l->locked_action,
	              l->redirect_uri, l->block_incoming);
	l->locked_action = a->action;
	ll_strlcpy(l->redirect_uri, a->uri, sizeof(l->redirect_uri));
	l->block_incoming = a->block_incoming;
	override_text(ch->new_value, sizeof(ch->new_value), l->locked_action,
	              l->redirect_uri, l->block_incoming);
	return strcmp(ch->old_value, ch->new_value) == 0 ? 1 : 0;
}

int
store_line_override_set(struct store *st, const char *partition,
                        const char *ext, enum store_locked_action action,
                        const char *redirect_uri,
                        enum store_tristate block_incoming,
                        const struct store_actor *actor)
{
	struct override_arg a = {(uint8_t)action,
	                         redirect_uri ? redirect_uri : "",
	                         (uint8_t)block_incoming};

	if ((unsigned)action > STORE_ACTION_REDIRECT ||
	    (unsigned)block_incoming > STORE_ON || !store__uri_ok(a.uri) ||
	    (action == STORE_ACTION_REDIRECT && !a.uri[0]))
		return -EINVAL;
	return store__line_modify(st, partition, ext, edit_override, &a, actor);
}

static bool
label_char_ok(int c)
{
	/* Printable text and UTF-8 bytes; no control characters. */
	return c >= 0x20 && c != 0x7f;
}

static int
edit_label(struct store *st, MDB_txn *txn, struct store_line *l,
           const void *arg, struct store__line_change *ch)
{
	const char *label = arg;

	(void)st, (void)txn;
	if (strcmp(l->label, label) == 0)
		return 1;
	ch->action = "line.label";
	store__copy_cut(ch->old_value, l->label, sizeof(ch->old_value));
	store__copy_cut(ch->new_value, label, sizeof(ch->new_value));
	ll_strlcpy(l->label, label, sizeof(l->label));
	return 0;
}

int
store_line_label_set(struct store *st, const char *partition, const char *ext,
                     const char *label, const struct store_actor *actor)
{
	if (!label ||
	    (*label && !store__name_ok(label, STORE_LABEL_MAX, label_char_ok)))
		return -EINVAL;
	return store__line_modify(st, partition, ext, edit_label, label, actor);
}

static bool
line_valid(const struct store_line *l)
{
	return line_is_sane(l) && store__uri_ok(l->redirect_uri) &&
	       (!l->label[0] ||
	        store__name_ok(l->label, STORE_LABEL_MAX, label_char_ok)) &&
	       strnlen(l->locked_by, sizeof(l->locked_by)) <
	           sizeof(l->locked_by) &&
	       strnlen(l->lock_source, sizeof(l->lock_source)) <
	           sizeof(l->lock_source);
}

int
store_line_import(struct store *st, const struct store_line *lines, size_t n,
                  const struct store_actor *actor)
{
	char count[32];
	MDB_txn *txn;
	int rc = store__write_begin(st, &txn);

	if (rc < 0)
		return rc;
	for (size_t i = 0; rc == 0 && i < n; i++)
		rc = line_valid(&lines[i]) ? line_write(st, txn, &lines[i])
		                           : -EINVAL;
	snprintf(count, sizeof(count), "%zu lines", n);
	if (rc == 0)
		rc = store__audit_txn(st, txn, actor, "line.import", "lines",
		                      "", count);
	if (rc < 0) {
		mdb_txn_abort(txn);
		return rc;
	}
	return store__commit(st, txn);
}
