/* b2bua/: the back-to-back user agent. Registrations relayed from the
 * access side to the core with device bindings kept; every call made of
 * two dialogs (legs) with their own Call-ID, tags, CSeq, Via and Contact;
 * one policy decision per initial INVITE; feature codes answered locally;
 * a call record per call.
 *
 * It sits on sip/ (messages and transactions), policy/ (the verdict) and
 * storage/ (bindings, lines, CDR). It never parses SIP text itself and
 * never touches LMDB. All of it runs on the daemon's one loop. */
#ifndef LL_B2B_H
#define LL_B2B_H

#include <stdbool.h>
#include <stdint.h>
#include <uv.h>

#include "netaddr.h"
#include "policy/pol.h"

struct sip_stack;
struct sip_tu;
struct store;
struct b2b;

#define B2B_MAX_CORE 8
#define B2B_MAX_TRUSTED 64
#define B2B_GUARD_UA_N 24     /* scanner User-Agent patterns */
#define B2B_GUARD_UA_LEN 32   /* one pattern, NUL included */
#define B2B_GUARD_NEVER_N 32  /* never_ban CIDRs */

/* The guard (CONFIG_GUARD), from [guard]: offences per source address
 * in a window earn a ban (sip_ban_add()), kept in storage. Trusted
 * access peers, core hosts and never_ban are never banned. */
struct b2b_guard_settings {
	bool enabled;
	bool scanner_ban;       /* a scanner User-Agent: banned at once */
	bool device_learn;      /* pin a device to its first address */
	uint32_t threshold;     /* offences within window: ban */
	uint32_t window;        /* seconds */
	uint32_t ban_time;      /* seconds, a first ban */
	uint32_t ban_time_max;  /* cap of the doubling for repeat offenders */
	uint32_t max_bans;      /* addresses banned and tracked, each */
	char scanners[B2B_GUARD_UA_N][B2B_GUARD_UA_LEN];
	unsigned n_scanners;
	struct net_cidr never[B2B_GUARD_NEVER_N];
	unsigned n_never;
};

/* Partitions from [partitions]: policy/'s table and matching
 * (pol_partition_of()), shared with web/'s self-service. */
#define B2B_PART_N POL_PART_N
#define B2B_PART_DOMAINS POL_PART_DOMAINS
#define B2B_PART_CIDRS POL_PART_CIDRS
#define B2B_PART_NAME POL_PART_NAME
#define B2B_DOMAIN_LEN POL_DOMAIN_LEN

/* What main.c gives the room, translated from [sip] of the INI file. */
struct b2b_settings {
	struct net_endpoint core[B2B_MAX_CORE]; /* upstream peers */
	unsigned n_core;
	struct net_cidr trusted[B2B_MAX_TRUSTED]; /* access peers */
	unsigned n_trusted;
	uint32_t max_calls;    /* beyond: 503 + Retry-After */
	uint32_t call_timeout; /* seconds an answered call may last; 0: 4 h */
	uint32_t ring_timeout; /* seconds a call may go unanswered; 0: 180 */
	struct b2b_guard_settings guard;
	struct pol_partition partitions[B2B_PART_N]; /* none: all "default" */
	unsigned n_partitions;
};

enum b2b_event_kind {
	B2B_EV_CALL_START = 0, /* initial INVITE accepted by policy */
	B2B_EV_CALL_ANSWER,    /* 2xx relayed */
	B2B_EV_CALL_END,       /* final: rejected, cancelled or BYE */
	B2B_EV_REGISTER,       /* binding added or refreshed */
	B2B_EV_UNREGISTER,     /* binding removed (expiry or Expires: 0) */
	B2B_EV_LINE_LOCK,      /* a feature code locked or unlocked a line */
};

enum b2b_direction {
	B2B_DIR_OUTGOING = 0, /* access -> core */
	B2B_DIR_INCOMING,     /* core -> access */
	B2B_DIR_LOCAL,        /* answered by linelock (feature code) */
};

/* One event, borrowed for the callback only. Strings are NUL-ended. */
struct b2b_event {
	enum b2b_event_kind kind;
	enum b2b_direction direction;
	uint32_t call_id;     /* ours, stable for the call; 0: none */
	char caller[64];      /* identity (extension or number) */
	char callee[64];      /* dialled number or AOR */
	char partition[32];   /* of the line: the caller's outgoing, the
	                       * callee's incoming, the device's (register);
	                       * "" when none was found (unknown caller) */
	uint16_t status;      /* final SIP status, 0 until known */
	char disposition[32]; /* "answered", "busy", "locked" ... */
	uint64_t start_ms;    /* wall clock, ms since the epoch */
	uint64_t answer_ms;   /* 0: not answered */
	uint64_t end_ms;      /* 0: not ended */
	bool locked;          /* B2B_EV_LINE_LOCK: the new state */
};

typedef void (*b2b_event_cb)(const struct b2b_event *ev, void *arg);

/* Upper bounds (microseconds) of the policy decision latency buckets;
 * a last bucket holds the rest (+Inf). */
#define B2B_DECIDE_BOUNDS_US                                                   \
	{                                                                      \
		1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 5000                 \
	}
#define B2B_DECIDE_BUCKETS 12

/* Counters for /metrics and the SIGUSR1 dump. */
struct b2b_stats {
	uint32_t calls_active;
	uint32_t legs_active;   /* two per forwarded call */
	uint32_t registrations; /* bindings held */
	uint32_t pending;       /* relayed out-of-dialog requests */
	uint64_t calls_total;
	uint64_t calls_forwarded;
	uint64_t calls_rejected;   /* 403 / 480 / 404 and the like */
	uint64_t calls_redirected; /* 302 */
	uint64_t calls_local;      /* feature codes */
	uint64_t calls_emergency;
	uint64_t calls_overload; /* 503 for max_calls */
	uint64_t calls_answered;
	uint64_t guard_offences; /* counted against untrusted addresses */
	uint64_t guard_bans;     /* bans the guard made */
	/* Time of each initial INVITE's decision (snapshot, list refresh
	 * and pol_decide()): count per bucket, not cumulative; bucket i
	 * counts times <= bound i, the last one the others. */
	uint64_t decide_buckets[B2B_DECIDE_BUCKETS];
	uint64_t decide_count;
	uint64_t decide_sum_ns;
};

/* Creates the room on `loop` and loads the stored bindings. `store` is
 * borrowed and must outlive the room (NULL: nothing kept across
 * restarts, no policy records; for tests). The room takes no SIP until
 * b2b_start(). -ENOMEM, or a storage error. */
int b2b_new(struct b2b **out, uv_loop_t *loop, struct store *store,
            const struct b2b_settings *s);

/* Fills tu with the room's transaction-user hooks, for sip_stack_new():
 * the stack is made after the room and hands its requests to it. */
void b2b_sip_tu(struct b2b *b, struct sip_tu *tu);

/* Starts taking SIP from `sip` (borrowed; it must outlive the room's
 * use of it, i.e. be closed after b2b_free()). */
void b2b_start(struct b2b *b, struct sip_stack *sip);

/* Ends every call (BYE on both legs, best effort, answers not awaited)
 * and frees the room once its timer has closed; the loop must run after
 * this. Call it before closing the sip stack. */
void b2b_free(struct b2b *b);

/* Sets (or clears, with NULL) the one event callback; it runs on the
 * loop, after the fact, never from inside b2b_new. */
void b2b_set_event_cb(struct b2b *b, b2b_event_cb cb, void *arg);

void b2b_stats_get(const struct b2b *b, struct b2b_stats *out);

/* One call in progress, borrowed for the callback only. */
struct b2b_call_info {
	uint32_t call_id; /* ours, as in events */
	enum b2b_direction direction;
	const char *state; /* static: "deciding", "trying", "early",
	                    * "confirmed", "ending" */
	char caller[64];
	char callee[64];
	char partition[32]; /* as in events; "" while deciding */
	uint64_t start_ms;  /* wall clock, ms since the epoch */
	uint64_t answer_ms; /* 0: not answered */
};

typedef void (*b2b_call_cb)(const struct b2b_call_info *ci, void *arg);

/* Calls cb once per call in progress (subscription dialogs left out),
 * newest first, before returning; cb must not call into the room.
 * Returns how many calls it reported. */
unsigned b2b_calls_list(const struct b2b *b, b2b_call_cb cb, void *arg);

/* Writes the counters as one log line at info level (SIGUSR1). */
void b2b_stats_log(const struct b2b *b);

/* Lock notices: each change of a line's lock in storage's audit log
 * (from any source: feature codes, the API, linelockctl in another
 * process, budgets) is told once to every registered device of the line
 * by SIP MESSAGE when the notify_on_lock setting is on. The room reads
 * the log on its one-second sweep; this reads it now, for a change just
 * made in this process (the web API), so its notice goes out at once. */
void b2b_locks_changed(struct b2b *b);

/* Bans: the room loads storage's bans into sip/ at b2b_start() and again
 * whenever storage's ban generation moves (linelockctl, the API), which
 * its one-second sweep checks; this checks now, for a change just made
 * in this process (the web API), so the next packet sees it. */
void b2b_bans_changed(struct b2b *b);

#endif
