/* storage/: the LMDB environment and every typed record linelock keeps.
 *
 * One environment in the [storage] dir holds: lines (lock state, PIN,
 * failed-PIN counters, per-line overrides), global settings, the
 * emergency list and the allowlist, device bindings, call records (a
 * bounded ring), the audit log (a bounded ring), admin accounts, web
 * sessions, API tokens and login-throttle counters.
 *
 * Only storage/ includes lmdb.h. Every LMDB result is mapped to a negative
 * errno: -ENOENT (no such record), -EEXIST, -EINVAL (bad value), -EPERM
 * (not allowed, e.g. a user unlocking an admin lock), -EBADMSG (a record
 * that does not decode), -ENOSPC (map full; reads keep working), -EIO
 * (disk or environment error), -EAGAIN (reader table full), -ENOMEM.
 *
 * Writes commit durably (fsync) before returning: nothing acknowledged is
 * lost on a power cut. The one exception is opt-in (store_config's
 * on_pending, linelockd): call records and device-binding writes, which
 * acknowledge nothing a user asked for, are queued in memory and committed
 * together by store_flush(), durable within the owner's flush interval
 * (50 ms in linelockd) instead of one fsync per call or REGISTER on the
 * event loop. Reads of bindings and CDRs through this store flush first,
 * so this process always reads its own writes.
 *
 * Every state change made through this API writes its audit entry in the
 * same write transaction, so the two never disagree (a queued binding's
 * entry is written by the flush that stores it).
 * Device-binding refreshes that change only the expiry, the flow or the
 * last-seen time, session and token "last used" touches and throttle
 * counters are bookkeeping and are not audited; everything else is.
 *
 * The environment is multi-process safe (LMDB lock file): linelockctl opens
 * the same directory while linelockd runs, and a change made by either is
 * seen by the other's next read transaction. One thread per process uses
 * a `struct store`; the PIN/password hash functions (store_hash_*) touch no
 * store and may run in uv_queue_work on copied inputs.
 *
 * Strings in records are bounded (sizes below, NUL included); longer input
 * is refused with -EINVAL, never truncated silently.
 */
#ifndef LL_STORE_H
#define LL_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "netaddr.h"

#define STORE_PARTITION_MAX	32
#define STORE_EXT_MAX		32
#define STORE_ACTOR_MAX		64
#define STORE_SOURCE_MAX	64	/* "[v6]:port" fits (NET_ADDRSTRLEN) */
#define STORE_URI_MAX		128
#define STORE_LABEL_MAX		64
#define STORE_PATTERN_MAX	32
#define STORE_LIST_MAX		1024	/* patterns per list */
#define STORE_FC_MAX		8	/* feature code, "*71" */
#define STORE_PREFIX_MAX	8	/* outside-line prefix, "9" */
#define STORE_SETTING_MAX	STORE_URI_MAX	/* longest setting value */
#define STORE_NAME_MAX		32	/* admin and token names */
#define STORE_SALT_LEN		16
#define STORE_DK_LEN		32	/* PBKDF2-HMAC-SHA256 output */
#define STORE_TOKEN_LEN		44	/* API token text, NUL included */
#define STORE_CLASS_COUNT	8	/* classes of restriction 1..8 */
#define STORE_CLASS_NONE	0	/* a line's class: unrestricted */
#define STORE_AUTHCODE_MIN	4	/* digits of an authorization code */
#define STORE_AUTHCODE_MAX	12
#define STORE_AUTHCODE_NAME_MAX	16	/* fits the CDR's auth_code field */
#define STORE_SESSION_ID_LEN	44	/* session id / CSRF token text */

/* The partition lines live in when none is given. */
#define STORE_PARTITION_DEFAULT	"default"

/* PBKDF2 iterations for new PINs and passwords; stored with each hash so
 * it can change without invalidating old ones. About 15 ms per check on
 * a small MIPS/ARM router, ~4 ms on a PC. */
#define STORE_HASH_ITER_DEFAULT	10000
#define STORE_HASH_ITER_MIN	1000
#define STORE_HASH_ITER_MAX	10000000

struct store;		/* opaque: the environment and its tables */
struct store_snapshot;	/* opaque: one reusable read transaction */
struct store_authcode;	/* an authorization code's record, below */

/* Filled by main.c from [storage]; linelockctl fills it from -d. */
struct store_config {
	char dir[256];		/* created 0700 if missing */
	uint64_t map_size;	/* bytes; 0: keep the environment's size
				 * (or 16 MiB for a new one) */
	uint32_t cdr_max;	/* CDR ring size; 0: default 10000 */
	uint32_t audit_max;	/* audit ring size; 0: default 10000 */
	bool read_only;		/* MDB_RDONLY: status/list/check only */
	/* Non-NULL: defer call records and binding writes (see the top of
	 * this file). Called with pending_arg when the queue turns non-empty;
	 * the owner then runs store_flush() soon. */
	void (*on_pending)(void *arg);
	void *pending_arg;
};

/* Who changes something, for the audit log. Borrowed by every call. */
struct store_actor {
	char name[STORE_ACTOR_MAX];	/* "cli:root", "web:admin",
					 * "phone:201", "system" */
	char source[STORE_SOURCE_MAX];	/* "192.0.2.10:5060", "local" */
};

/* ---- environment -------------------------------------------------- */

/* Opens (creating if needed) the environment in cfg->dir, clears stale
 * reader slots left by killed processes, creates the schema of a new
 * environment (seeding the default emergency list), or migrates an older
 * one step by step to STORE_SCHEMA_VERSION in one write transaction.
 * On 0, *out is owned by the caller until store_close(). -EINVAL (bad
 * dir), -EPROTO (schema newer than this binary), -ENOSPC, -EIO, -ENOMEM. */
#define STORE_SCHEMA_VERSION	3
int	store_open(struct store **out, const struct store_config *cfg);

/* Closes the environment; every snapshot must have been freed. NULL ok. */
void	store_close(struct store *st);

/* Commits every queued record (deferred mode) in one durable write
 * transaction, in the order they were queued. 0 when the queue was empty
 * or is now stored; on a negative errno the queue is kept for the next
 * try (a full queue then refuses new records with that errno).
 * store_close() flushes too. */
int	store_flush(struct store *st);

/* Records waiting in the queue (0 when not deferred). */
size_t	store_pending(const struct store *st);

/* Schema version recorded in the environment. */
int	store_schema_version(struct store *st, uint32_t *out);

/* Walks every table and decodes every record. Writes one line per problem
 * to `report` (may be NULL) and returns the number of problems, or a
 * negative errno when the walk itself failed. */
int	store_check(struct store *st, FILE *report);

/* Bytes used by the data file and the map size, for /metrics. */
int	store_usage(struct store *st, uint64_t *used, uint64_t *map_size);

/* Human text of a storage error, e.g. "storage full". */
const char *store_strerror(int err);

/* ---- PIN and password hashes --------------------------------------- */

/* Salted PBKDF2-HMAC-SHA256. iterations == 0 means "no secret set". */
struct store_hash {
	uint32_t iterations;
	uint8_t salt[STORE_SALT_LEN];
	uint8_t dk[STORE_DK_LEN];
};

/* Derives a hash of `secret` with a fresh random salt (getrandom()).
 * Touches no store and no global state: safe in uv_queue_work on copied
 * inputs. Takes tens of milliseconds. The caller wipes its copy of the
 * secret. -EINVAL (iterations out of range, empty secret), -EIO (no
 * randomness). */
int	store_hash_make(struct store_hash *out, const char *secret,
	    uint32_t iterations);

/* True when `secret` matches `h` (constant-time compare). Same threading
 * rules and cost as store_hash_make(). False when no secret is set. */
bool	store_hash_verify(const struct store_hash *h, const char *secret);

bool	store_hash_is_set(const struct store_hash *h);

/* Fills buf with n random bytes (getrandom()). 0 or -EIO. */
int	store_random(void *buf, size_t n);

/* Writes 2*n hex digits of random bytes + NUL into out (size >= 2n+1). */
int	store_random_hex(char *out, size_t n);

/* ---- lines ---------------------------------------------------------- */

enum store_lock {
	STORE_LOCK_NONE = 0,	/* unlocked */
	STORE_LOCK_USER,	/* by the user, *71 or self-service */
	STORE_LOCK_ADMIN,	/* by an administrator: user cannot unlock */
	STORE_LOCK_BUDGET,	/* call budget spent: user cannot unlock */
};

enum store_locked_action {
	STORE_ACTION_INHERIT = 0,	/* per-line only: use the setting */
	STORE_ACTION_REJECT,		/* 403 Line locked */
	STORE_ACTION_REDIRECT,		/* 302 to the redirect URI */
};

enum store_tristate {
	STORE_INHERIT = 0,	/* per-line only: use the setting */
	STORE_OFF,
	STORE_ON,
};

enum store_budget_period {
	STORE_PERIOD_MONTH = 0,
	STORE_PERIOD_DAY,
};

/* A line's call budget and what it has used. Periods are local calendar
 * days and months; a period id is YYYYMMDD (day) or YYYYMM (month). */
struct store_budget {
	uint32_t calls;		/* calls per `period`; 0: no call limit */
	uint8_t period;		/* enum store_budget_period of `calls` */
	uint32_t minutes;	/* minutes per month; 0: no minute limit */
	uint32_t used_calls;	/* in period `calls_period` */
	uint32_t used_seconds;	/* in month `seconds_period` */
	uint32_t calls_period;	/* period id of used_calls */
	uint32_t seconds_period;	/* month id of used_seconds */
};

/* A line: (partition, extension). Every device bound to it shares its
 * lock. A line without a record is unlocked, has no PIN and inherits
 * every setting (store_line_defaults()). Copied out of LMDB: the caller
 * owns it. */
struct store_line {
	char partition[STORE_PARTITION_MAX];
	char ext[STORE_EXT_MAX];
	char label[STORE_LABEL_MAX];	/* free text for the console */
	uint8_t lock;			/* enum store_lock */
	char locked_by[STORE_ACTOR_MAX];	/* actor name */
	char lock_source[STORE_SOURCE_MAX];	/* actor source */
	int64_t locked_at;		/* unix seconds; 0 when unlocked */
	struct store_hash pin;		/* iterations 0: no PIN */
	uint32_t pin_failures;		/* in the current window */
	int64_t pin_window_start;	/* unix seconds */
	int64_t pin_blocked_until;	/* unix seconds; 0: not blocked */
	uint8_t locked_action;		/* enum store_locked_action */
	char redirect_uri[STORE_URI_MAX];	/* "": the setting's */
	uint8_t block_incoming;		/* enum store_tristate */
	int64_t updated;		/* unix seconds of the last change */
	/* Schema 3: */
	uint8_t cor_class;		/* class of restriction 1..8, or
					 * STORE_CLASS_NONE (0: unrestricted) */
	int64_t afterhours_until;	/* after-hours override end, unix
					 * seconds; 0: none */
	struct store_budget budget;	/* limits 0: no budget */
};

/* Fills l as a line without a record: unlocked, no PIN, inheriting. */
void	store_line_defaults(struct store_line *l, const char *partition,
	    const char *ext);

/* True when PIN entry for l is blocked at `now` (unix seconds). */
bool	store_line_pin_is_blocked(const struct store_line *l, int64_t now);

/* Reads one line. partition NULL or "" means STORE_PARTITION_DEFAULT.
 * -ENOENT when the line has no record (out is then left untouched),
 * -EINVAL for a bad extension or partition, -EBADMSG. */
int	store_line_get(struct store *st, struct store_line *out,
	    const char *partition, const char *ext);

/* Up to `max` lines in (partition, ext) order, starting after
 * (after_partition, after_ext) (both NULL: from the start). `match`, when
 * not NULL or "", keeps lines whose extension or label contains it
 * (case-insensitive). Returns the count written. */
int	store_line_list(struct store *st, struct store_line *out, size_t max,
	    const char *after_partition, const char *after_ext,
	    const char *match);

/* Number of line records. */
int	store_line_count(struct store *st, uint64_t *out);

/* Locks a line (creating its record if needed). `how` is USER, ADMIN or
 * BUDGET. A stronger lock replaces a weaker one (USER < BUDGET < ADMIN);
 * a weaker one leaves it as is and returns 0. Audited "line.lock". */
int	store_line_lock(struct store *st, const char *partition,
	    const char *ext, enum store_lock how,
	    const struct store_actor *actor);

/* Unlocks a line. With `as_admin` false (the user, by PIN) an ADMIN or
 * BUDGET lock stays and -EPERM comes back. Unlocking an unlocked line is
 * 0. Audited "line.unlock". */
int	store_line_unlock(struct store *st, const char *partition,
	    const char *ext, bool as_admin, const struct store_actor *actor);

/* Sets (h set) or clears (h NULL) the line's PIN hash, made with
 * store_hash_make(). Also clears the failed-PIN counters. Audited
 * "line.pin" (the hash never appears in the log). */
int	store_line_pin_set(struct store *st, const char *partition,
	    const char *ext, const struct store_hash *h,
	    const struct store_actor *actor);

/* Records one wrong PIN at `now`. Counting window and thresholds come from
 * the settings (pin_max_failures failures within pin_fail_window seconds
 * block PIN entry for pin_block_seconds). *blocked_until (may be NULL)
 * gets the block end or 0. Audited "line.pin_fail" and, when it blocks,
 * "line.pin_block". */
int	store_line_pin_fail(struct store *st, const char *partition,
	    const char *ext, int64_t now, int64_t *blocked_until,
	    const struct store_actor *actor);

/* A correct PIN: resets the failed-PIN counters (not audited when they
 * were already clear). */
int	store_line_pin_ok(struct store *st, const char *partition,
	    const char *ext, const struct store_actor *actor);

/* Sets per-line overrides: locked action (INHERIT/REJECT/REDIRECT),
 * redirect URI ("" inherits) and block-incoming (tristate). -EINVAL for
 * a bad value or a URI that is not sip:/sips:/tel:. Audited
 * "line.override". */
int	store_line_override_set(struct store *st, const char *partition,
	    const char *ext, enum store_locked_action action,
	    const char *redirect_uri, enum store_tristate block_incoming,
	    const struct store_actor *actor);

/* Sets the free-text label (printable UTF-8, < STORE_LABEL_MAX bytes).
 * Audited "line.label". */
int	store_line_label_set(struct store *st, const char *partition,
	    const char *ext, const char *label,
	    const struct store_actor *actor);

/* Removes a line's record (lock, PIN, overrides). -ENOENT. Audited
 * "line.delete". */
int	store_line_delete(struct store *st, const char *partition,
	    const char *ext, const struct store_actor *actor);

/* Writes n lines (as given, replacing existing records) in one
 * transaction: provisioning and bulk edits. Nothing is written when any
 * line is invalid (-EINVAL). Audited as one "line.import" entry with the
 * count. */
int	store_line_import(struct store *st, const struct store_line *lines,
	    size_t n, const struct store_actor *actor);

/* Sets a line's class of restriction (1..STORE_CLASS_COUNT, or
 * STORE_CLASS_NONE: unrestricted). -EINVAL. Audited "line.class". */
int	store_line_class_set(struct store *st, const char *partition,
	    const char *ext, uint8_t cor_class,
	    const struct store_actor *actor);

/* Opens the line for the after-hours rule until `until` (unix seconds;
 * 0 ends an override). The B2BUA calls it after the *74 PIN checked out,
 * with until = now + afterhours_override_minutes * 60. Audited
 * "line.afterhours". */
int	store_line_afterhours_set(struct store *st, const char *partition,
	    const char *ext, int64_t until, const struct store_actor *actor);

/* ---- call budgets (CONFIG_POLICY_BUDGET; -ENOTSUP without it) ------- */

/* Sets a line's limits (calls per day or month, minutes per month; 0 is
 * no limit; all 0 removes the budget). The used counters stay. -EINVAL.
 * Audited "line.budget". */
int	store_line_budget_set(struct store *st, const char *partition,
	    const char *ext, uint32_t calls, enum store_budget_period period,
	    uint32_t minutes, const struct store_actor *actor);

/* Clears the used counters (an administrator's fresh start) and lifts a
 * budget lock. Audited "line.budget_reset". */
int	store_line_budget_reset(struct store *st, const char *partition,
	    const char *ext, const struct store_actor *actor);

/* Charges one ended outgoing call of `seconds` (0 for an unanswered one
 * when only answered calls should count: the caller decides) at `now`.
 * Counters roll over at the local day/month boundary. When a limit is
 * reached the line gets the BUDGET lock, audited "line.lock" by actor
 * "system"; counting itself is bookkeeping and not audited. A line
 * without a budget is not written. *locked (may be NULL) tells whether
 * this charge locked the line. 0 (also without CONFIG_POLICY_BUDGET, so
 * the B2BUA calls it unconditionally), -EINVAL, storage errors. */
int	store_budget_charge(struct store *st, const char *partition,
	    const char *ext, uint32_t seconds, int64_t now, bool *locked);

/* Lifts the BUDGET lock of every line whose spent period has rolled over
 * at `now` (audited "line.unlock" by "system"). Returns how many were
 * unlocked. The B2BUA runs it from a timer (once a minute is plenty). */
int	store_budget_rollover(struct store *st, int64_t now);

/* Period id (YYYYMMDD or YYYYMM, local time) of `now`. */
uint32_t	store_budget_period_id(enum store_budget_period period,
	    int64_t now);

/* True when the budget's limits are reached for period ids as of now. */
bool	store_budget_is_spent(const struct store_budget *b, int64_t now);

/* Validates an extension or partition name: 1..31 of [0-9A-Za-z_.+-]. */
bool	store_ext_is_valid(const char *ext);
bool	store_partition_is_valid(const char *partition);

/* ---- settings ------------------------------------------------------ */

/* Opening hours of one weekday, minutes of the local day. open == close:
 * closed all day. close < open: open from `open` until `close` of the
 * next day (a night shift across midnight). close may be 1440 (24:00). */
struct store_hours {
	uint16_t open;
	uint16_t close;
};

/* The global settings, decoded, with defaults for every key not set. */
struct store_settings {
	uint8_t locked_action;		/* REJECT (default) or REDIRECT */
	char redirect_uri[STORE_URI_MAX];	/* "" until set */
	bool block_incoming;		/* off */
	uint16_t incoming_locked_code;	/* 480; 400..699 */
	char fc_lock[STORE_FC_MAX];	/* "*71" */
	char fc_unlock[STORE_FC_MAX];	/* "*72" */
	char fc_pin[STORE_FC_MAX];	/* "*73" */
	uint32_t pin_max_failures;	/* 5 */
	uint32_t pin_fail_window;	/* 900 s */
	uint32_t pin_block_seconds;	/* 900 s */
	bool notify_on_lock;		/* on: SIP MESSAGE to the devices */
	char outside_line_prefix[STORE_PREFIX_MAX];	/* "" */
	uint32_t pin_hash_iterations;	/* STORE_HASH_ITER_DEFAULT */
	/* Inbound blocking (CONFIG_POLICY_INBOUND_BLOCK). */
	bool block_anonymous;		/* off */
	uint8_t blocked_action;		/* REJECT (default) or REDIRECT */
	uint16_t blocked_code;		/* 603; 400..699 */
	uint16_t anonymous_code;	/* 433 (RFC 5079); 400..699 */
	char blocked_uri[STORE_URI_MAX];	/* "": redirect_uri */
	/* After hours (CONFIG_POLICY_AFTER_HOURS). */
	uint8_t afterhours_action;	/* REJECT (default) or REDIRECT */
	char afterhours_uri[STORE_URI_MAX];	/* "": redirect_uri */
	char fc_afterhours[STORE_FC_MAX];	/* "*74" */
	uint32_t afterhours_override_minutes;	/* 60 */
	struct store_hours hours[7];	/* by weekday, 0 = Sunday; default
					 * 00:00-24:00 (always open) */
	/* Classes of restriction (CONFIG_POLICY_AUTH_CODES). */
	char fc_authcode[STORE_FC_MAX];	/* "*75" */
};

/* Fills s with every default. */
void	store_settings_defaults(struct store_settings *s);

/* Reads every setting (defaults for keys not set). */
int	store_settings_get(struct store *st, struct store_settings *out);

/* Sets one setting from its text form after validating it; "" or
 * "default" restores the default. -ENOENT for an unknown key, -EINVAL for
 * a bad value with the reason in err (if not NULL). Audited
 * "setting.set" with old -> new. */
int	store_setting_set(struct store *st, const char *key,
	    const char *value, const struct store_actor *actor, char *err,
	    size_t errlen);

/* Sets n settings (keys[i] = values[i], text forms as for
 * store_setting_set()) in one write transaction. Every value is parsed,
 * then the rules across keys are checked on the result, so keys that
 * depend on each other may come in any order; one bad key or value and
 * nothing is written. Each changed key is audited "setting.set" with
 * old -> new; a key given twice takes its last value. -ENOENT for an
 * unknown key, -EINVAL for a bad value (reason in err), storage errors
 * (-ENOSPC: full). */
int	store_settings_set(struct store *st, const char *const *keys,
	    const char *const *values, size_t n,
	    const struct store_actor *actor, char *err, size_t errlen);

/* Text form of one setting's current value into buf. -ENOENT, -ENOSPC
 * when buf is too small. */
int	store_setting_get(struct store *st, const char *key, char *buf,
	    size_t len);

/* Text form of one setting of an already decoded struct. */
int	store_setting_format(const struct store_settings *s, const char *key,
	    char *buf, size_t len);

/* Validates `value` for `key` and applies it to s (no storage). -ENOENT,
 * -EINVAL with err. Used by store_setting_set() and by callers that want
 * to check a whole request before writing anything. */
int	store_setting_parse(struct store_settings *s, const char *key,
	    const char *value, char *err, size_t errlen);

/* The known setting keys, in display order, with a one-line help text.
 * Returns NULL past the last one. */
struct store_setting_info {
	const char *key;
	const char *help;	/* "reject|redirect: what a locked line's
				 * outgoing calls get" */
};
const struct store_setting_info *store_setting_info(size_t i);

/* ---- number lists -------------------------------------------------- */

enum store_list {
	STORE_LIST_EMERGENCY = 0,	/* always forwarded */
	STORE_LIST_ALLOW,		/* forwarded even when locked or
					 * restricted */
	STORE_LIST_BLOCK,		/* incoming callers refused */
	STORE_LIST_AFTERHOURS,		/* dialled numbers blocked after hours */
	STORE_LIST_CLASS1,		/* what class 1 may dial; class c is
					 * STORE_LIST_CLASS1 + c - 1 */
};
#define STORE_LIST_COUNT (STORE_LIST_CLASS1 + STORE_CLASS_COUNT)

/* Name of a list ("emergency", "allow", "block", "afterhours", "class1"
 * .. "class8"). */
const char *store_list_name(enum store_list list);

/* Copies the list's patterns (insertion order) into out; returns the
 * count (at most max). A new environment's emergency list holds 112, 911,
 * 999, 000, 110, 118, 119; its allowlist is empty. */
int	store_list_get(struct store *st, enum store_list list,
	    char (*out)[STORE_PATTERN_MAX], size_t max);

/* The list called `name`, or -ENOENT. */
int	store_list_by_name(const char *name);

/* Adds a pattern. Storage checks only length and characters
 * ([0-9XZNxzn*#+.!\[\]-]); callers check the syntax first with
 * pol_pattern_check(). -EEXIST, -EINVAL, -ENOSPC (STORE_LIST_MAX).
 * Audited "list.add". */
int	store_list_add(struct store *st, enum store_list list,
	    const char *pattern, const struct store_actor *actor);

/* Removes a pattern. -ENOENT. Audited "list.del". */
int	store_list_del(struct store *st, enum store_list list,
	    const char *pattern, const struct store_actor *actor);

/* Replaces the whole list in one transaction (for PUT). Nothing is
 * changed when any pattern is refused. Audited "list.replace". */
int	store_list_replace(struct store *st, enum store_list list,
	    const char *const *patterns, size_t n,
	    const struct store_actor *actor);

/* ---- read snapshots (the call path) -------------------------------- */

/* A reusable read transaction for one decision: begin, read, end. Never
 * held across loop turns. Readers never block the writer (MVCC). */
int	store_snapshot_new(struct store_snapshot **out, struct store *st);
void	store_snapshot_free(struct store_snapshot *sn);	/* NULL ok */

/* Starts (renews) the read transaction. -EIO, -EAGAIN. */
int	store_snapshot_begin(struct store_snapshot *sn);

/* Ends (resets) it; values read through it stay valid (they are copies).
 */
void	store_snapshot_end(struct store_snapshot *sn);

/* Reads one line in the snapshot. -ENOENT (no record: use
 * store_line_defaults()), -EBADMSG, -EINVAL. */
int	store_snapshot_line(struct store_snapshot *sn, struct store_line *out,
	    const char *partition, const char *ext);

/* The settings as of this snapshot. Decoded once per change, not per
 * call; the pointer stays valid until the next store_snapshot_begin(). */
const struct store_settings *store_snapshot_settings(
	    struct store_snapshot *sn);

/* A counter bumped by every change of a number list or a setting, so a
 * caller can recompile its pattern sets only when they changed. */
uint64_t	store_snapshot_generation(struct store_snapshot *sn);

/* Reads a list in the snapshot (as store_list_get()). */
int	store_snapshot_list(struct store_snapshot *sn, enum store_list list,
	    char (*out)[STORE_PATTERN_MAX], size_t max);

/* Looks an authorization code up in the snapshot (see store_authcode_*
 * below): 0 and *out filled, -ENOENT, -EINVAL (not 4..12 digits). */
int	store_snapshot_authcode(struct store_snapshot *sn,
	    struct store_authcode *out, const char *code);

/* ---- authorization codes ------------------------------------------ */

/* An authorization code lets a call its line's class forbids go through,
 * with the rights of the class the code grants. Only a keyed hash of the
 * code is stored: HMAC-SHA256 under a 32-byte random key kept in the
 * file `authcode.key` of the storage dir (0600), not in the database, so
 * a copy of data.mdb (backup, mdb_dump) does not let anyone test codes
 * offline. Unlike PINs the hash is fast on purpose: a code must be found
 * among all codes on the call path (it is the lookup key), and a 4..12
 * digit space gains little from a slow hash; online guessing is bounded
 * by the line's failed-PIN counters instead. */
struct store_authcode {
	char name[STORE_AUTHCODE_NAME_MAX];	/* [0-9A-Za-z_.-]; for CDRs */
	uint8_t cor_class;	/* class granted, or STORE_CLASS_NONE (all) */
	int64_t created;
	char created_by[STORE_ACTOR_MAX];
};

/* Adds a code (4..12 digits; the caller wipes its copy). -EEXIST when
 * the name or the code is taken, -EINVAL, -EROFS. Audited
 * "authcode.add" (name and class, never the code). */
int	store_authcode_add(struct store *st, const char *name,
	    uint8_t cor_class, const char *code,
	    const struct store_actor *actor);

/* Deletes a code by name. -ENOENT. Audited "authcode.del". */
int	store_authcode_del(struct store *st, const char *name,
	    const struct store_actor *actor);

/* Up to max codes in name order; returns the count. */
int	store_authcode_list(struct store *st, struct store_authcode *out,
	    size_t max);

/* Finds the code's record: 0, -ENOENT, -EINVAL. */
int	store_authcode_find(struct store *st, struct store_authcode *out,
	    const char *code);

/* Validates a code's text: 4..12 digits. */
bool	store_authcode_is_valid(const char *code);

/* ---- device bindings ----------------------------------------------- */

/* A registered device. The token is the B2BUA's name for the binding
 * (the user part of the Contact it gives the registrar). */
struct store_binding {
	char token[STORE_NAME_MAX];		/* key: [0-9A-Za-z_-] */
	char aor[STORE_URI_MAX];		/* "sip:201@pbx.example" */
	char partition[STORE_PARTITION_MAX];
	char ext[STORE_EXT_MAX];
	char instance[96];			/* +sip.instance, may be "" */
	char mac[18];				/* "00:11:22:aa:bb:cc", or "" */
	char user_agent[64];			/* may be "" */
	struct net_endpoint source;		/* where it registered from */
	uint64_t flow_id;			/* its connection (TCP/TLS) */
	char contact[256];			/* the phone's own Contact */
	int64_t expires_at;			/* unix seconds */
	int64_t registered_at;			/* first registration */
};

/* Creates or refreshes a binding by token, and keeps the per-line and
 * per-AOR indexes. A new binding, or one whose AOR, line or contact
 * changed, is audited "binding.add"/"binding.change"; a pure refresh is
 * not. -EINVAL for bad fields. Deferred mode: checked, then queued (the
 * audit entry is written by the flush). */
int	store_binding_put(struct store *st, const struct store_binding *b,
	    const struct store_actor *actor);

/* Reads a binding by token. -ENOENT. */
int	store_binding_get(struct store *st, struct store_binding *out,
	    const char *token);

/* Deletes a binding (unregister). -ENOENT. Audited "binding.del".
 * Durable at once; queued binding writes are committed first. */
int	store_binding_del(struct store *st, const char *token,
	    const struct store_actor *actor);

/* Every binding of a line (all devices of a shared line), up to max;
 * returns the count. */
int	store_binding_list_line(struct store *st, struct store_binding *out,
	    size_t max, const char *partition, const char *ext);

/* Every binding of an AOR, up to max; returns the count. */
int	store_binding_list_aor(struct store *st, struct store_binding *out,
	    size_t max, const char *aor);

/* Up to max bindings in token order after `after_token` (NULL: first). */
int	store_binding_list(struct store *st, struct store_binding *out,
	    size_t max, const char *after_token);

/* Deletes every binding with expires_at <= now; returns how many.
 * Audited "binding.expire" per binding (actor "system"). Queued binding
 * writes are committed first. */
int	store_binding_expire(struct store *st, int64_t now);

/* ---- call records (CDR) -------------------------------------------- */

enum store_direction {
	STORE_DIR_OUTGOING = 0,
	STORE_DIR_INCOMING,
};

enum store_disposition {
	STORE_DISP_ANSWERED = 0,
	STORE_DISP_NO_ANSWER,	/* cancelled or timed out */
	STORE_DISP_BUSY,
	STORE_DISP_FAILED,	/* other failure response from the far end */
	STORE_DISP_REJECTED,	/* refused by policy */
	STORE_DISP_REDIRECTED,	/* 302 by policy */
	STORE_DISP_LOCAL,	/* feature code answered locally */
};

/* Name of a disposition ("answered" ...). */
const char *store_disposition_name(enum store_disposition d);

/* One call. Times in unix milliseconds; 0 when it did not happen. */
struct store_cdr {
	uint64_t seq;			/* set by store_cdr_append() */
	int64_t start_ms, answer_ms, end_ms;
	char partition[STORE_PARTITION_MAX];
	char caller[64];
	char callee[64];
	uint8_t direction;		/* enum store_direction */
	uint8_t disposition;		/* enum store_disposition */
	uint16_t code;			/* final SIP status */
	char reason[48];		/* verdict reason ("line locked") */
	char pattern[STORE_PATTERN_MAX];	/* list pattern that matched */
	char auth_code[16];		/* authorization code if any */
	uint32_t duration_s;		/* answer to end */
	char call_id[64];		/* A leg's Call-ID (truncated) */
};

/* Appends a record; past cdr_max the oldest is dropped. *seq_out (may be
 * NULL) gets its sequence number. Not audited (it is a log itself).
 * Deferred mode with seq_out NULL: queued, stored by the next flush. */
int	store_cdr_append(struct store *st, const struct store_cdr *c,
	    uint64_t *seq_out);

/* Newest-first page: up to max records with seq < before (0: newest).
 * Returns the count. */
int	store_cdr_list(struct store *st, struct store_cdr *out, size_t max,
	    uint64_t before);

/* ---- audit log ----------------------------------------------------- */

struct store_audit {
	uint64_t seq;			/* increasing, never reused */
	int64_t time;			/* unix seconds */
	char actor[STORE_ACTOR_MAX];
	char source[STORE_SOURCE_MAX];
	char action[32];		/* "line.lock", "setting.set" ... */
	char subject[64];		/* "default/201", "locked_action" */
	char old_value[STORE_SETTING_MAX];
	char new_value[STORE_SETTING_MAX];
};

/* Appends an entry for an event that is not a record change (a login, a
 * ban); record changes are audited by the functions above. Values longer
 * than their field are cut at a character boundary. */
int	store_audit_append(struct store *st, const struct store_actor *actor,
	    const char *action, const char *subject, const char *old_value,
	    const char *new_value);

/* Newest-first page: up to max entries with seq < before (0: newest). */
int	store_audit_list(struct store *st, struct store_audit *out,
	    size_t max, uint64_t before);

/* Oldest-first: up to max entries with seq > after (for live feeds that
 * poll for changes made by other processes). */
int	store_audit_since(struct store *st, struct store_audit *out,
	    size_t max, uint64_t after);

/* Sequence number of the newest entry (0: none): a change counter. */
int	store_audit_last_seq(struct store *st, uint64_t *out);

/* ---- admin accounts ------------------------------------------------ */

struct store_admin {
	char name[STORE_NAME_MAX];	/* [0-9A-Za-z_.-], 1..31 */
	struct store_hash password;
	int64_t created;
	int64_t last_login;		/* 0: never */
};

/* Creates or replaces the password of an admin (hash from
 * store_hash_make()). Audited "admin.create" or "admin.passwd". */
int	store_admin_put(struct store *st, const char *name,
	    const struct store_hash *password,
	    const struct store_actor *actor);

int	store_admin_get(struct store *st, struct store_admin *out,
	    const char *name);

/* Deletes an admin and its sessions. Audited "admin.delete". */
int	store_admin_del(struct store *st, const char *name,
	    const struct store_actor *actor);

/* Up to max admins in name order; returns the count. */
int	store_admin_list(struct store *st, struct store_admin *out,
	    size_t max);

/* Records a successful login at `now`. Audited "admin.login". */
int	store_admin_login(struct store *st, const char *name, int64_t now,
	    const struct store_actor *actor);

/* ---- web sessions -------------------------------------------------- */

/* A session is found by its id (cookie value); only a SHA-256 of the id
 * is stored. */
struct store_session {
	char admin[STORE_NAME_MAX];
	char csrf[STORE_SESSION_ID_LEN];	/* CSRF token text */
	char source[STORE_SOURCE_MAX];
	int64_t created;
	int64_t last_seen;
};

/* Creates a session for an existing admin (s->admin): random id and CSRF
 * token, written into id_out and s->csrf. id_out has STORE_SESSION_ID_LEN
 * bytes. created/last_seen 0 mean now. -ENOENT (no such admin), -EINVAL.
 * Not audited (store_admin_login() is). */
int	store_session_create(struct store *st, char *id_out,
	    struct store_session *s);

/* Reads a session by id. -ENOENT. */
int	store_session_get(struct store *st, struct store_session *out,
	    const char *id);

/* Updates last_seen. -ENOENT. */
int	store_session_touch(struct store *st, const char *id, int64_t now);

/* Deletes a session (logout). -ENOENT. Audited "admin.logout". */
int	store_session_del(struct store *st, const char *id,
	    const struct store_actor *actor);

/* Deletes sessions idle since before now - idle_s or created before
 * now - max_age_s; returns how many. */
int	store_session_expire(struct store *st, int64_t now, uint32_t idle_s,
	    uint32_t max_age_s);

/* ---- API tokens ---------------------------------------------------- */

/* Only a SHA-256 of a token is stored: tokens are 32 random bytes, so a
 * slow hash adds nothing. */
struct store_api_token {
	char name[STORE_NAME_MAX];
	int64_t created;
	int64_t last_used;	/* 0: never */
};

/* Creates a token; its text (base64url, STORE_TOKEN_LEN bytes with NUL)
 * goes into token_out once and is never retrievable again. -EEXIST,
 * -EINVAL. Audited "token.create". */
int	store_token_create(struct store *st, const char *name,
	    char *token_out, const struct store_actor *actor);

/* Finds the token whose hash matches `token`; fills out. -ENOENT. */
int	store_token_check(struct store *st, struct store_api_token *out,
	    const char *token);

/* Updates last_used. */
int	store_token_touch(struct store *st, const char *name, int64_t now);

/* Up to max tokens in name order; returns the count. */
int	store_token_list(struct store *st, struct store_api_token *out,
	    size_t max);

/* Revokes a token. -ENOENT. Audited "token.revoke". */
int	store_token_revoke(struct store *st, const char *name,
	    const struct store_actor *actor);

/* ---- throttle counters (logins, self-service PINs) ----------------- */

/* A failure counter under a caller-chosen key ("ip:192.0.2.1",
 * "admin:alice"). */
struct store_throttle {
	uint32_t failures;
	int64_t window_start;
	int64_t blocked_until;	/* 0: not blocked */
};

/* Reads a counter; a missing one reads as all zero (returns 0). */
int	store_throttle_get(struct store *st, struct store_throttle *out,
	    const char *key);

/* Counts one failure at `now`: max_failures within window_s seconds block
 * for block_s seconds. out (may be NULL) gets the new state. A block is
 * audited "throttle.block". */
int	store_throttle_fail(struct store *st, const char *key, int64_t now,
	    uint32_t max_failures, uint32_t window_s, uint32_t block_s,
	    struct store_throttle *out);

/* Clears a counter (a success). */
int	store_throttle_reset(struct store *st, const char *key);

/* Drops counters whose window and block both ended before now. */
int	store_throttle_expire(struct store *st, int64_t now,
	    uint32_t window_s);

/* ---- address bans (the guard's, ban.c) ------------------------------ */

#define STORE_BAN_REASON_MAX	64

/* One banned host. Kept after its ban ran out (strikes count repeat
 * offences) until store_ban_expire() forgets it. */
struct store_ban {
	struct sockaddr_storage addr;	/* AF_INET or AF_INET6, port 0 */
	int64_t since;			/* unix seconds of the last ban */
	int64_t until;			/* unix seconds; 0: until lifted */
	uint32_t strikes;		/* bans of this host so far */
	char reason[STORE_BAN_REASON_MAX];	/* "scanner User-Agent" */
	char actor[STORE_ACTOR_MAX];	/* who banned: "guard", "cli:root" */
};

/* True while b is in force at `now` (unix seconds). */
bool	store_ban_is_active(const struct store_ban *b, int64_t now);

/* Bans addr's host (any port; v4-mapped IPv6 is its IPv4) from `now` for
 * `seconds` (0: until store_ban_del()), counting one more strike on the
 * host's record. Audited "ban.add" (subject the address, new value
 * "SECONDSs: reason"); bumps the ban generation. *out (may be NULL) gets
 * the record written. -EINVAL (not an IP address, reason too long),
 * -EROFS, -ENOSPC. */
int	store_ban_put(struct store *st, const struct sockaddr *addr,
	    int64_t now, uint32_t seconds, const char *reason,
	    const struct store_actor *actor, struct store_ban *out);

/* Lifts the ban and forgets the host's strikes. Audited "ban.del".
 * -ENOENT (no record), -EINVAL, -EROFS. */
int	store_ban_del(struct store *st, const struct sockaddr *addr,
	    const struct store_actor *actor);

/* The host's record, active or not. -ENOENT, -EINVAL. */
int	store_ban_get(struct store *st, struct store_ban *out,
	    const struct sockaddr *addr);

/* Every record (active or run out) in address order, up to max. Count. */
int	store_ban_list(struct store *st, struct store_ban *out, size_t max);

/* Calls cb once per record (active or run out), in address order, inside
 * one read transaction; cb returns 0 to go on, anything else stops the
 * walk and is returned. cb must not call into the store. Record borrowed
 * for the call. 0 or a negative errno. */
typedef int (*store_ban_cb)(const struct store_ban *b, void *arg);
int	store_ban_each(struct store *st, store_ban_cb cb, void *arg);

/* Changes with every put and delete, from any process: poll it to see
 * bans made elsewhere (linelockctl). 0 before the first ban. */
int	store_ban_generation(struct store *st, uint64_t *out);

/* Forgets records whose ban ended more than keep_s seconds before now
 * (their strikes with them). Not audited: no one changed a ban. Returns
 * how many went, or a negative errno. */
int	store_ban_expire(struct store *st, int64_t now, uint32_t keep_s);

/* ---- device-to-IP pins (the guard's, devpin.c) ---------------------- */

#define STORE_DEVID_MAX		96

/* A device pinned to a network. A REGISTER of the device from outside
 * `allowed` locks it: its calls and registrations are refused until an
 * administrator unlocks it (store_devpin_unlock()) or pins it anew. */
struct store_devpin {
	char id[STORE_DEVID_MAX];	/* +sip.instance without <>, or the
					 * MAC as 12 lower-case hex digits */
	struct net_cidr allowed;
	bool locked;
	int64_t locked_at;		/* unix seconds; 0 when not locked */
	char seen[STORE_SOURCE_MAX];	/* where it came from when locked */
	char by[STORE_ACTOR_MAX];	/* who pinned it ("guard": learned) */
};

/* Printable ASCII without blanks, '/', '%', quotes, <>, and the like (the
 * id goes into URL paths), 1..95 characters. */
bool	store_devid_is_valid(const char *id);

/* "192.0.2.0/24", "2001:db8::/32" into buf. */
void	store_cidr_str(const struct net_cidr *c, char *buf, size_t len);

/* Pins a device (creating or replacing its record, unlocked). Audited
 * "device.pin". -EINVAL (bad id or network), -EROFS, -ENOSPC. */
int	store_devpin_set(struct store *st, const char *id,
	    const struct net_cidr *allowed, const struct store_actor *actor);

/* Locks a pinned device seen at `seen`. Audited "device.lock". Returns 1
 * when it locked it, 0 when it was locked already; -ENOENT (not
 * pinned), -EINVAL. */
int	store_devpin_lock(struct store *st, const char *id, const char *seen,
	    int64_t now, const struct store_actor *actor);

/* Unlocks (audited "device.unlock"; 0 also when it was not locked) or
 * removes the pin (audited "device.unpin"). -ENOENT, -EINVAL. */
int	store_devpin_unlock(struct store *st, const char *id,
	    const struct store_actor *actor);
int	store_devpin_del(struct store *st, const char *id,
	    const struct store_actor *actor);

int	store_devpin_get(struct store *st, struct store_devpin *out,
	    const char *id);
/* Every pin in id order, up to max. Count or a negative errno. */
int	store_devpin_list(struct store *st, struct store_devpin *out,
	    size_t max);
/* Changes with every pin change from any process (0 before the first). */
int	store_devpin_generation(struct store *st, uint64_t *out);

#endif
