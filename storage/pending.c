/* Deferred records: call records and device-binding writes queued in
 * memory and committed together, so the event loop pays one fsync per
 * flush instead of one per call or REGISTER. Acknowledged user changes
 * (locks, PINs, settings ...) never come here: they commit at once.
 *
 * Entries are packed in one buffer: a header (kind, payload length) and
 * the payload, each entry starting 8-byte aligned. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "storage/internal.h"

struct pq_head {
	uint16_t kind;
	uint16_t len;		/* payload bytes after the header */
	uint32_t pad;
};

#define PQ_ALIGN(n) (((n) + 7u) & ~(size_t)7u)

bool
store__deferred(const struct store *st)
{
	return st->on_pending != NULL && !st->read_only;
}

size_t
store_pending(const struct store *st)
{
	return st ? st->pq_count : 0;
}

/* Writes one queued entry in txn. */
static int
pending__apply_one(struct store *st, MDB_txn *txn, const struct pq_head *h,
                   const uint8_t *p)
{
	struct store_binding b;
	struct store_actor a;
	struct store__enc e;

	switch (h->kind) {
	case STORE__PQ_CDR:
		if (h->len > sizeof(e.buf))
			return -EBADMSG;
		memcpy(e.buf, p, h->len);
		e.len = h->len;
		e.overflow = false;
		return store__ring_append(st, txn, STORE_DB_CDR, &e,
		                          st->cdr_max, NULL);
	case STORE__PQ_BINDING:
		if (h->len != sizeof(b) + sizeof(a))
			return -EBADMSG;
		memcpy(&b, p, sizeof(b));
		memcpy(&a, p + sizeof(b), sizeof(a));
		return store__binding_put_txn(st, txn, &b, &a);
	default:
		return -EBADMSG;
	}
}

static int
pending__apply(struct store *st, MDB_txn *txn)
{
	size_t off = 0;

	while (off < st->pq_len) {
		struct pq_head h;
		int rc;

		memcpy(&h, st->pq_buf + off, sizeof(h));
		rc = pending__apply_one(st, txn, &h,
		                        st->pq_buf + off + sizeof(h));
		if (rc < 0)
			return rc;
		off += PQ_ALIGN(sizeof(h) + h.len);
	}
	return 0;
}

int
store_flush(struct store *st)
{
	MDB_txn *txn;
	int rc;

	if (!st || st->pq_count == 0)
		return 0;
	rc = store__write_begin(st, &txn);
	if (rc == 0) {
		rc = pending__apply(st, txn);
		if (rc < 0)
			mdb_txn_abort(txn);
		else
			rc = store__commit(st, txn);
	}
	if (rc < 0) {
		/* Kept for the next flush: a full map or disk may clear. */
		log_error("storage: %s: %zu queued record(s) not stored yet: "
		          "%s",
		          st->dir, st->pq_count, store_strerror(rc));
		return rc;
	}
	st->pq_len = 0;
	st->pq_count = 0;
	return 0;
}

void
store__pending_settle(struct store *st)
{
	if (st->pq_count > 0)
		(void)store_flush(st); /* logged there */
}

int
store__pending_push(struct store *st, enum store__pending_kind kind,
                    const void *a, size_t alen, const void *b, size_t blen)
{
	struct pq_head h = {(uint16_t)kind, (uint16_t)(alen + blen), 0};
	size_t need = PQ_ALIGN(sizeof(h) + alen + blen);
	bool was_empty;
	int rc;

	if (alen + blen > UINT16_MAX || need > STORE__PENDING_BYTES)
		return -EINVAL;
	if (!st->pq_buf) {
		st->pq_buf = malloc(STORE__PENDING_BYTES);
		if (!st->pq_buf)
			return -ENOMEM;
	}
	if (st->pq_len + need > STORE__PENDING_BYTES) {
		rc = store_flush(st);
		if (rc < 0)
			return rc;
	}
	was_empty = st->pq_count == 0;
	memcpy(st->pq_buf + st->pq_len, &h, sizeof(h));
	memcpy(st->pq_buf + st->pq_len + sizeof(h), a, alen);
	if (blen)
		memcpy(st->pq_buf + st->pq_len + sizeof(h) + alen, b, blen);
	st->pq_len += need;
	st->pq_count++;
	if (was_empty)
		st->on_pending(st->pending_arg);
	return 0;
}
