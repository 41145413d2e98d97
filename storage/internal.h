/* storage/ internals: the environment, its tables, the record codec and
 * the transaction helpers every table file shares. Only storage/ sees
 * this header (and lmdb.h). */
#ifndef LL_STORE_INTERNAL_H
#define LL_STORE_INTERNAL_H

#include <lmdb.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "storage/store.h"

/* The tables (LMDB named databases). Keys and values are described where
 * each table's file reads and writes them. */
enum store__db {
	STORE_DB_META = 0,	/* "schema" u32, "gen" u64 */
	STORE_DB_LINES,		/* "partition\0ext" -> line record */
	STORE_DB_SETTINGS,	/* key -> value text */
	STORE_DB_LISTS,		/* list u8 + order u32 BE -> pattern */
	STORE_DB_BINDINGS,	/* token -> binding record */
	STORE_DB_BIND_LINE,	/* dupsort "partition\0ext" -> token */
	STORE_DB_BIND_AOR,	/* dupsort aor -> token */
	STORE_DB_CDR,		/* seq u64 BE -> cdr record */
	STORE_DB_AUDIT,		/* seq u64 BE -> audit record */
	STORE_DB_ADMINS,	/* name -> admin record */
	STORE_DB_SESSIONS,	/* SHA-256(id) -> session record */
	STORE_DB_TOKENS,	/* name -> token record (with SHA-256) */
	STORE_DB_THROTTLE,	/* key -> throttle record */
	STORE_DB_AUTHCODES,	/* HMAC-SHA256(code) -> authcode record */
	STORE_DB_BANS,		/* family u8 + address -> ban record */
	STORE_DB_DEVPINS,	/* device id -> device pin record */
	STORE_DB_COUNT
};

/* The environment. Owned by whoever called store_open(). */
struct store {
	MDB_env *env;
	MDB_dbi dbi[STORE_DB_COUNT];
	uint32_t cdr_max;
	uint32_t audit_max;
	bool read_only;
	bool have_bans;		/* "bans" table present (read-only opens of
				 * an environment no daemon has written
				 * since bans came may lack it) */
	bool have_devpins;	/* "devpins" table present (the same) */
	bool have_authkey;	/* authkey loaded from authcode.key */
	uint8_t authkey[32];	/* secret: wiped by store_close() */
	char dir[256];
	/* Deferred records (pending.c): entries packed in pq_buf. */
	void (*on_pending)(void *arg);
	void *pending_arg;
	uint8_t *pq_buf;	/* STORE__PENDING_BYTES, allocated on use */
	size_t pq_len;		/* bytes used */
	size_t pq_count;	/* entries */
};

/* A reusable read transaction with the settings it decoded last. Owned
 * by whoever called store_snapshot_new(). */
struct store_snapshot {
	struct store *st;
	MDB_txn *txn;		/* NULL before the first begin */
	bool active;
	bool have_settings;
	uint64_t generation;	/* of `settings` */
	uint64_t seen_generation;	/* as of the current begin */
	struct store_settings settings;
};

/* ---- deferred records (pending.c) ------------------------------- */

/* Queue bound: about 400 encoded CDRs or 60 bindings; a full queue is
 * flushed at once, so it bounds memory, not throughput. */
#define STORE__PENDING_BYTES	(64u * 1024u)

enum store__pending_kind {
	STORE__PQ_CDR = 1,	/* an encoded CDR record */
	STORE__PQ_BINDING,	/* store_binding + store_actor */
};

/* True when st queues CDRs and binding writes. */
bool	store__deferred(const struct store *st);

/* Queues one entry made of two parts (b may be NULL). A full queue is
 * flushed first; its error is returned when that fails. */
int	store__pending_push(struct store *st, enum store__pending_kind kind,
	    const void *a, size_t alen, const void *b, size_t blen);

/* Flushes before a read or a synchronous write that must see the queue;
 * a failure is logged, the caller goes on with what is stored. */
void	store__pending_settle(struct store *st);

/* Writes one binding in txn (binding.c), as store_binding_put() does. */
int	store__binding_put_txn(struct store *st, MDB_txn *txn,
	    const struct store_binding *b, const struct store_actor *actor);

/* ---- codec: a small versioned encoding with bounded strings -------- */

#define STORE_REC_MAX 1024

struct store__enc {
	uint8_t buf[STORE_REC_MAX];
	size_t len;
	bool overflow;
};

struct store__dec {
	const uint8_t *p;
	size_t len;
	size_t off;
	bool bad;
};

void	store__enc_init(struct store__enc *e, uint8_t version);
void	store__put_u8(struct store__enc *e, uint8_t v);
void	store__put_u16(struct store__enc *e, uint16_t v);
void	store__put_u32(struct store__enc *e, uint32_t v);
void	store__put_u64(struct store__enc *e, uint64_t v);
void	store__put_i64(struct store__enc *e, int64_t v);
void	store__put_bytes(struct store__enc *e, const void *p, size_t n);
void	store__put_str(struct store__enc *e, const char *s);

/* Starts decoding v; returns the record's version byte (0 when empty). */
uint8_t	store__dec_init(struct store__dec *d, const MDB_val *v);
uint8_t	store__get_u8(struct store__dec *d);
uint16_t	store__get_u16(struct store__dec *d);
uint32_t	store__get_u32(struct store__dec *d);
uint64_t	store__get_u64(struct store__dec *d);
int64_t	store__get_i64(struct store__dec *d);
void	store__get_bytes(struct store__dec *d, void *p, size_t n);
/* Copies a string into dst (cap bytes with NUL); too long or holding a
 * NUL marks the decoder bad. */
void	store__get_str(struct store__dec *d, char *dst, size_t cap);
/* 0 when everything was read exactly, else -EBADMSG. */
int	store__dec_end(struct store__dec *d);

void	store__put_hash(struct store__enc *e, const struct store_hash *h);
void	store__get_hash(struct store__dec *d, struct store_hash *h);

/* Big-endian u64 keys keep the rings in order. */
void	store__be64(uint8_t out[8], uint64_t v);
uint64_t	store__from_be64(const uint8_t in[8]);

/* ---- environment and transactions --------------------------------- */

/* Maps an LMDB (or errno) result to our negative errno. */
int	store__err(int rc);

/* Begins a write transaction, adopting a map grown by another process.
 * Read-only stores get -EROFS. */
int	store__write_begin(struct store *st, MDB_txn **out);

/* Commits, logging a full map or a disk error once per call. */
int	store__commit(struct store *st, MDB_txn *txn);

/* Begins a read-only transaction. */
int	store__read_begin(struct store *st, MDB_txn **out);

/* Runs fn(st, txn, arg) in one write transaction: committed when fn
 * returns >= 0, aborted (and fn's error returned) otherwise. */
typedef int (*store__write_fn)(struct store *st, MDB_txn *txn, void *arg);
int	store__write_run(struct store *st, store__write_fn fn, void *arg);

/* Decodes the records of db in key order into out[] (elem bytes each)
 * until max are kept; dec returns 0 to keep one. Returns the count. */
typedef int (*store__decode_fn)(const MDB_val *k, const MDB_val *v,
	    void *out);
int	store__list(struct store *st, enum store__db db, store__decode_fn dec,
	    void *out, size_t elem, size_t max);

/* A counter in the meta table that other processes poll to see a
 * change (ban and device-pin generations): +1 inside txn, or read. A
 * missing counter reads 0. */
int	store__meta_bump(struct store *st, MDB_txn *txn, const char *key);
int	store__meta_get(struct store *st, const char *key, uint64_t *out);

/* Bumps the change generation (lists and settings) in txn. */
int	store__gen_bump(struct store *st, MDB_txn *txn);
int	store__gen_get(struct store *st, MDB_txn *txn, uint64_t *out);

/* Appends an audit entry inside txn, trimming the ring to audit_max. */
int	store__audit_txn(struct store *st, MDB_txn *txn,
	    const struct store_actor *actor, const char *action,
	    const char *subject, const char *old_value,
	    const char *new_value);

/* Appends `rec` under the next sequence number of a ring table and drops
 * the oldest entries past `max`. *seq_out gets the number. */
int	store__ring_append(struct store *st, MDB_txn *txn, enum store__db db,
	    const struct store__enc *rec, uint32_t max, uint64_t *seq_out);

/* Reads a settings struct inside txn (defaults for unset keys). */
int	store__settings_read(struct store *st, MDB_txn *txn,
	    struct store_settings *out);

/* Parses one stored key into s without the rules across keys. */
int	store__setting_apply(struct store_settings *s, const char *key,
	    const char *value);

/* An empty string or a sip:/sips:/tel: URI safe in a Contact header. */
bool	store__uri_ok(const char *uri);

/* Reads a list inside txn. */
int	store__list_read(struct store *st, MDB_txn *txn, enum store_list list,
	    char (*out)[STORE_PATTERN_MAX], size_t max);

/* Adds the default emergency list in a new environment. */
int	store__list_seed(struct store *st, MDB_txn *txn);

/* Line key "partition\0ext" into buf; -EINVAL for bad names. */
int	store__line_key(char *buf, size_t cap, size_t *len,
	    const char *partition, const char *ext);
int	store__line_decode(const MDB_val *k, const MDB_val *v,
	    struct store_line *out);
int	store__line_read(struct store *st, MDB_txn *txn,
	    struct store_line *out, const char *partition, const char *ext);

/* Schema migrations 1 -> 2 (label) and 2 -> 3 (class, after-hours,
 * budget): line records are rewritten in the current layout. */
int	store__migrate_lines(struct store *st, MDB_txn *txn);

/* One change to a line: `fn` edits l (read, or defaults when the line has
 * no record) and names the audit entry in ch (action NULL: not audited).
 * It returns 0 to write, 1 when nothing changed, or a negative errno.
 * store__line_modify() runs it in one write transaction. */
struct store__line_change {
	const char *action;
	char old_value[STORE_SETTING_MAX];
	char new_value[STORE_SETTING_MAX];
};

typedef int (*store__line_edit_fn)(struct store *st, MDB_txn *txn,
	    struct store_line *l, const void *arg,
	    struct store__line_change *ch);

int	store__line_modify(struct store *st, const char *partition,
	    const char *ext, store__line_edit_fn fn, const void *arg,
	    const struct store_actor *actor);

/* Name of a lock state ("unlocked", "user", "admin", "budget"). */
const char *store__lock_name(uint8_t lock);

/* Loads authcode.key into st (creating it when writable); store_open()
 * calls it so the call path never touches the file. */
int	store__authkey_load(struct store *st);

/* The authorization code key (HMAC-SHA256 of the code), for lookups. */
int	store__authcode_key(struct store *st, const char *code,
	    uint8_t out[32]);
int	store__authcode_decode(const MDB_val *v, struct store_authcode *out);

/* Record decoders for store_check(). */
int	store__binding_decode(const MDB_val *k, const MDB_val *v,
	    struct store_binding *out);
int	store__cdr_decode(const MDB_val *k, const MDB_val *v,
	    struct store_cdr *out);
int	store__audit_decode(const MDB_val *k, const MDB_val *v,
	    struct store_audit *out);
int	store__ban_decode(const MDB_val *k, const MDB_val *v,
	    struct store_ban *out);
int	store__devpin_decode(const MDB_val *k, const MDB_val *v,
	    struct store_devpin *out);
int	store__admin_decode(const MDB_val *k, const MDB_val *v,
	    struct store_admin *out);

/* 32 random bytes as unpadded base64url: 43 characters + NUL. */
int	store__random_b64url(char out[STORE_TOKEN_LEN]);

/* SHA-256 of n bytes. */
void	store__sha256(const void *p, size_t n, uint8_t out[32]);

/* Constant-time equality of n bytes. */
bool	store__ct_equal(const void *a, const void *b, size_t n);

/* Copies src into dst (cap), cutting at a UTF-8 character boundary. */
void	store__copy_cut(char *dst, const char *src, size_t cap);

/* True when s is non-NULL, shorter than cap, and made only of characters
 * that `ok` accepts. */
bool	store__name_ok(const char *s, size_t cap, bool (*ok)(int c));

/* Current time, unix seconds. */
int64_t	store__now(void);

/* "actor" or "system" when NULL. */
const struct store_actor *store__actor_or_system(
	    const struct store_actor *actor);

#endif
