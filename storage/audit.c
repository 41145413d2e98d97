/* The audit log and the ring tables it shares with the CDR: entries keyed
 * by a big-endian sequence number, appended at the end, the oldest
 * dropped past the ring's size, read newest-first in pages. */
#include <errno.h>
#include <string.h>

#include "storage/internal.h"

#define AUDIT_REC_V1 1

int
store__ring_append(struct store *st, MDB_txn *txn, enum store__db db,
                   const struct store__enc *rec, uint32_t max,
                   uint64_t *seq_out)
{
	MDB_cursor *cur;
	MDB_val k, v;
	uint8_t key[8];
	uint64_t seq = 1;
	MDB_stat ms;
	int rc;

	if (rec->overflow)
		return -EINVAL;
	rc = mdb_cursor_open(txn, st->dbi[db], &cur);
	if (rc != MDB_SUCCESS)
		return store__err(rc);
	rc = mdb_cursor_get(cur, &k, &v, MDB_LAST);
	if (rc == MDB_SUCCESS && k.mv_size == 8)
		seq = store__from_be64(k.mv_data) + 1;
	store__be64(key, seq);
	k = (MDB_val){sizeof(key), key};
	v = (MDB_val){rec->len, (void *)rec->buf};
	rc = mdb_cursor_put(cur, &k, &v, MDB_APPEND);
	/* Drop the oldest entries until the ring holds `max`. */
	while (rc == MDB_SUCCESS) {
		rc = mdb_stat(txn, st->dbi[db], &ms);
		if (rc != MDB_SUCCESS || ms.ms_entries <= max)
			break;
		rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST);
		if (rc == MDB_SUCCESS)
			rc = mdb_cursor_del(cur, 0);
	}
	mdb_cursor_close(cur);
	if (rc != MDB_SUCCESS)
		return store__err(rc);
	if (seq_out)
		*seq_out = seq;
	return 0;
}

int
store__audit_txn(struct store *st, MDB_txn *txn,
                 const struct store_actor *actor, const char *action,
                 const char *subject, const char *old_value,
                 const char *new_value)
{
	struct store_audit a;
	struct store__enc e;

	actor = store__actor_or_system(actor);
	store__copy_cut(a.actor, actor->name, sizeof(a.actor));
	store__copy_cut(a.source, actor->source, sizeof(a.source));
	store__copy_cut(a.action, action, sizeof(a.action));
	store__copy_cut(a.subject, subject, sizeof(a.subject));
	store__copy_cut(a.old_value, old_value, sizeof(a.old_value));
	store__copy_cut(a.new_value, new_value, sizeof(a.new_value));
	store__enc_init(&e, AUDIT_REC_V1);
	store__put_i64(&e, store__now());
	store__put_str(&e, a.actor);
	store__put_str(&e, a.source);
	store__put_str(&e, a.action);
	store__put_str(&e, a.subject);
	store__put_str(&e, a.old_value);
	store__put_str(&e, a.new_value);
	return store__ring_append(st, txn, STORE_DB_AUDIT, &e, st->audit_max,
	                          NULL);
}

int
store__audit_decode(const MDB_val *k, const MDB_val *v, struct store_audit *out)
{
	struct store__dec d;
	struct store_audit a;

	if (k->mv_size != 8 || store__dec_init(&d, v) != AUDIT_REC_V1)
		return -EBADMSG;
	a.seq = store__from_be64(k->mv_data);
	a.time = store__get_i64(&d);
	store__get_str(&d, a.actor, sizeof(a.actor));
	store__get_str(&d, a.source, sizeof(a.source));
	store__get_str(&d, a.action, sizeof(a.action));
	store__get_str(&d, a.subject, sizeof(a.subject));
	store__get_str(&d, a.old_value, sizeof(a.old_value));
	store__get_str(&d, a.new_value, sizeof(a.new_value));
	if (store__dec_end(&d) < 0)
		return -EBADMSG;
	*out = a;
	return 0;
}

int
store_audit_append(struct store *st, const struct store_actor *actor,
                   const char *action, const char *subject,
                   const char *old_value, const char *new_value)
{
	MDB_txn *txn;
	int rc = store__write_begin(st, &txn);

	if (rc < 0)
		return rc;
	rc = store__audit_txn(st, txn, actor, action, subject, old_value,
	                      new_value);
	if (rc < 0) {
		mdb_txn_abort(txn);
		return rc;
	}
	return store__commit(st, txn);
}

/* Decodes one ring entry into slot i of `out` (audit or CDR). */
typedef int (*ring_decode_fn)(const MDB_val *k, const MDB_val *v, void *out,
                              size_t i);

/* Walks a ring from `start` (a key, or the end/beginning when 0) in one
 * direction, filling up to max entries. newest_first: before-exclusive;
 * else after-exclusive. */
static int
ring_page(struct store *st, enum store__db db, uint64_t from, bool newest_first,
          size_t max, ring_decode_fn dec, void *out)
{
	MDB_txn *txn;
	MDB_cursor *cur;
	MDB_val k, v;
	uint8_t key[8];
	size_t n = 0;
	MDB_cursor_op step = newest_first ? MDB_PREV : MDB_NEXT;
	int rc = store__read_begin(st, &txn);

	if (rc < 0)
		return rc;
	rc = store__err(mdb_cursor_open(txn, st->dbi[db], &cur));
	if (rc < 0)
		goto out;
	store__be64(key, newest_first ? from : from + 1);
	k = (MDB_val){sizeof(key), key};
	if (newest_first && from == 0)
		rc = mdb_cursor_get(cur, &k, &v, MDB_LAST);
	else if (newest_first) {
		/* The first key >= from, then one back: the newest < from. */
		rc = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE);
		rc = rc == MDB_SUCCESS ? mdb_cursor_get(cur, &k, &v, MDB_PREV)
		                       : mdb_cursor_get(cur, &k, &v, MDB_LAST);
	} else
		rc = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE);
	/* A record that does not decode is skipped here and reported by
	 * store_check(). */
	while (rc == MDB_SUCCESS && n < max) {
		if (dec(&k, &v, out, n) == 0)
			n++;
		rc = mdb_cursor_get(cur, &k, &v, step);
	}
	mdb_cursor_close(cur);
	rc = 0;
out:
	mdb_txn_abort(txn);
	return rc < 0 ? rc : (int)n;
}

static int
audit_slot(const MDB_val *k, const MDB_val *v, void *out, size_t i)
{
	return store__audit_decode(k, v, (struct store_audit *)out + i);
}

int
store_audit_list(struct store *st, struct store_audit *out, size_t max,
                 uint64_t before)
{
	return ring_page(st, STORE_DB_AUDIT, before, true, max, audit_slot,
	                 out);
}

int
store_audit_since(struct store *st, struct store_audit *out, size_t max,
                  uint64_t after)
{
	return ring_page(st, STORE_DB_AUDIT, after, false, max, audit_slot,
	                 out);
}

int
store_audit_last_seq(struct store *st, uint64_t *out)
{
	struct store_audit a;
	int rc = store_audit_list(st, &a, 1, 0);

	if (rc < 0)
		return rc;
	*out = rc == 1 ? a.seq : 0;
	return 0;
}

/* ---- CDR ------------------------------------------------------------ */

#define CDR_REC_V1 1

static const char *const disposition_names[] = {
    [STORE_DISP_ANSWERED] = "answered", [STORE_DISP_NO_ANSWER] = "no-answer",
    [STORE_DISP_BUSY] = "busy",         [STORE_DISP_FAILED] = "failed",
    [STORE_DISP_REJECTED] = "rejected", [STORE_DISP_REDIRECTED] = "redirected",
    [STORE_DISP_LOCAL] = "local",
};

const char *
store_disposition_name(enum store_disposition d)
{
	if ((size_t)d >= sizeof(disposition_names) / sizeof(*disposition_names))
		return "unknown";
	return disposition_names[d];
}

int
store_cdr_append(struct store *st, const struct store_cdr *c, uint64_t *seq_out)
{
	struct store__enc e;
	MDB_txn *txn;
	int rc;

	store__enc_init(&e, CDR_REC_V1);
	store__put_i64(&e, c->start_ms);
	store__put_i64(&e, c->answer_ms);
	store__put_i64(&e, c->end_ms);
	store__put_str(&e, c->partition);
	store__put_str(&e, c->caller);
	store__put_str(&e, c->callee);
	store__put_u8(&e, c->direction);
	store__put_u8(&e, c->disposition);
	store__put_u16(&e, c->code);
	store__put_str(&e, c->reason);
	store__put_str(&e, c->pattern);
	store__put_str(&e, c->auth_code);
	store__put_u32(&e, c->duration_s);
	store__put_str(&e, c->call_id);
	if (e.overflow)
		return -EINVAL;
	/* A call record acknowledges nothing: batched with the others. */
	if (store__deferred(st) && !seq_out)
		return store__pending_push(st, STORE__PQ_CDR, e.buf, e.len,
		                           NULL, 0);
	store__pending_settle(st); /* keeps the ring in call order */
	rc = store__write_begin(st, &txn);
	if (rc < 0)
		return rc;
	rc =
	    store__ring_append(st, txn, STORE_DB_CDR, &e, st->cdr_max, seq_out);
	if (rc < 0) {
		mdb_txn_abort(txn);
		return rc;
	}
	return store__commit(st, txn);
}

int
store__cdr_decode(const MDB_val *k, const MDB_val *v, struct store_cdr *out)
{
	struct store__dec d;
	struct store_cdr c;

	if (k->mv_size != 8 || store__dec_init(&d, v) != CDR_REC_V1)
		return -EBADMSG;
	c.seq = store__from_be64(k->mv_data);
	c.start_ms = store__get_i64(&d);
	c.answer_ms = store__get_i64(&d);
	c.end_ms = store__get_i64(&d);
	store__get_str(&d, c.partition, sizeof(c.partition));
	store__get_str(&d, c.caller, sizeof(c.caller));
	store__get_str(&d, c.callee, sizeof(c.callee));
	c.direction = store__get_u8(&d);
	c.disposition = store__get_u8(&d);
	c.code = store__get_u16(&d);
	store__get_str(&d, c.reason, sizeof(c.reason));
	store__get_str(&d, c.pattern, sizeof(c.pattern));
	store__get_str(&d, c.auth_code, sizeof(c.auth_code));
	c.duration_s = store__get_u32(&d);
	store__get_str(&d, c.call_id, sizeof(c.call_id));
	if (store__dec_end(&d) < 0)
		return -EBADMSG;
	*out = c;
	return 0;
}

static int
cdr_slot(const MDB_val *k, const MDB_val *v, void *out, size_t i)
{
	return store__cdr_decode(k, v, (struct store_cdr *)out + i);
}

int
store_cdr_list(struct store *st, struct store_cdr *out, size_t max,
               uint64_t before)
{
	store__pending_settle(st); /* read our own writes */
	return ring_page(st, STORE_DB_CDR, before, true, max, cdr_slot, out);
}
