/* policy/: the decision engine. Pure: pol_decide() maps the facts of one
 * call and a read snapshot to a verdict, with no I/O, no clock (time is a
 * fact), no logging and no allocation. Everything that allocates (pattern
 * compilation) happens outside the call path, when a list changes.
 *
 * Decision order, outgoing (DESIGN.md external contract; the first rule
 * that applies wins; address bans are the B2BUA's, before this):
 *   1. feature code (lock, unlock + PIN, change PIN, after-hours
 *      override + PIN) -> POL_LOCAL;
 *   2. emergency number -> POL_FORWARD, always (also behind an
 *      authorization-code prefix);
 *   3. line locked (user, admin, budget): allowlisted -> POL_FORWARD,
 *      else 403 "Line locked" or 302 to the redirect URI (the line's
 *      override, else the global setting);
 *   4. after hours (CONFIG_POLICY_AFTER_HOURS): outside the weekly
 *      schedule, a number on the afterhours list is refused (403 "After
 *      hours" or 302 to afterhours_uri) unless the line's *74 override
 *      is running or the number is allowlisted;
 *   5. class of restriction (CONFIG_POLICY_AUTH_CODES): a line with a
 *      class may dial what its class list matches, or allowlisted
 *      numbers; anything else needs an authorization code dialled as
 *      *75 CODE * NUMBER whose class allows it (403 otherwise);
 *   6. forward (the budget is the B2BUA's and storage's: a spent budget
 *      is a BUDGET lock, seen in 3).
 * Incoming: from a source that is not a core peer -> 403; with
 * CONFIG_POLICY_INBOUND_BLOCK an anonymous caller (block_anonymous on)
 * gets anonymous_code (433, RFC 5079) and a caller on the block list
 * blocked_code (603 Decline), or both a 302 to blocked_uri when
 * blocked_action is redirect; callee line locked with block-incoming on
 * (line override, else setting) -> the configured code (480 by
 * default); otherwise forward.
 *
 * Number patterns, one language for every list (PBX style):
 *   0-9 * #   that character;     X  any digit;  Z  1-9;  N  2-9;
 *   [0-5] [13-5]  a set of digits; a leading +  a literal + (E.164);
 *   .  at the end: one or more further characters;
 *   !  at the end: zero or more further characters.
 * Letters are case-insensitive. The outside-line prefix (setting
 * outside_line_prefix, e.g. "9") is stripped before matching when the
 * dialled number starts with it: "9911" is emergency when "911" is.
 * A number without the prefix is matched as it is too.
 *
 * A compiled pattern set is a DFA (subset construction over the patterns'
 * positions, built once per list change): lookup walks one state per
 * dialled character, whatever the number of patterns. When several
 * patterns match, the most specific wins (no wildcard tail beats a tail;
 * then more fixed positions; then narrower character sets; then the
 * earlier pattern), and its index is reported for the CDR.
 */
#ifndef LL_POL_H
#define LL_POL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "netaddr.h"
#include "storage/store.h"

#define POL_NUMBER_MAX	64	/* longest dialled number matched */
#define POL_PIN_MIN	4
#define POL_PIN_MAX	8

/* ---- number patterns ---------------------------------------------- */

/* Where and why a pattern did not compile. */
struct pol_pattern_error {
	size_t index;		/* which pattern of the set */
	size_t pos;		/* byte offset in that pattern */
	const char *msg;	/* static text: "unterminated [" */
};

/* A compiled set of patterns. Owned by whoever called pol_patterns_new();
 * read-only afterwards, so one set may serve any number of decisions. */
struct pol_patterns;

/* Compiles n patterns (borrowed; copied as needed). An empty set (n == 0)
 * is valid and matches nothing. -EINVAL with *err filled (err may be
 * NULL) for a bad pattern, -E2BIG when the DFA would exceed its state cap
 * (65,536 states), -ENOMEM. */
int	pol_patterns_new(struct pol_patterns **out,
	    const char *const *patterns, size_t n,
	    struct pol_pattern_error *err);

void	pol_patterns_free(struct pol_patterns *p);	/* NULL ok */

/* Checks one pattern's syntax: 0, or -EINVAL with *err (index 0). */
int	pol_pattern_check(const char *pattern, struct pol_pattern_error *err);

/* Matches `number` (NUL-terminated). Returns the index of the most
 * specific matching pattern, or -ENOENT. Pure and allocation-free. */
int	pol_patterns_match(const struct pol_patterns *p, const char *number);

/* The text of pattern i as compiled, or NULL. */
const char *pol_patterns_text(const struct pol_patterns *p, size_t i);

/* Number of patterns and of DFA states (for reports and /metrics). */
size_t	pol_patterns_count(const struct pol_patterns *p);
size_t	pol_patterns_states(const struct pol_patterns *p);

/* ---- PIN rules ----------------------------------------------------- */

/* A PIN must be POL_PIN_MIN..POL_PIN_MAX digits, must not equal the
 * extension, and must not be trivial (all one digit, or an ascending or
 * descending run such as 1234 or 4321). 0, or -EINVAL with *why set to a
 * static reason ("PIN must be 4 to 8 digits"). */
int	pol_pin_check(const char *pin, const char *ext, const char **why);

/* ---- opening hours ------------------------------------------------- */

/* True when the weekly schedule in s is open at local `weekday` (0 =
 * Sunday) and `minute` of the day. A day whose hours cross midnight
 * ("22:00-06:00") stays open into the next day's early minutes,
 * Saturday's into Sunday's. */
bool	pol_hours_is_open(const struct store_settings *s, uint8_t weekday,
	    uint16_t minute);

/* ---- the read view ------------------------------------------------- */

/* Reads one line for the decision: 0 and *out filled, or -ENOENT (no
 * record: an unlocked line inheriting everything), or another negative
 * errno (the decision then fails closed). */
typedef int (*pol_line_get_fn)(void *ctx, struct store_line *out,
	    const char *partition, const char *ext);

/* Looks an authorization code up: 0 and *out filled, -ENOENT, or
 * another negative errno (the decision then fails closed). */
typedef int (*pol_authcode_get_fn)(void *ctx, struct store_authcode *out,
	    const char *code);

/* What a decision reads. All pointers are borrowed for the call; the
 * B2BUA builds one per decision from a storage snapshot and its compiled
 * lists (pol_snapshot_from_store()), tests and benchmarks from memory. */
struct pol_snapshot {
	const struct store_settings *settings;
	const struct pol_patterns *emergency;	/* NULL: empty */
	const struct pol_patterns *allow;	/* NULL: empty */
	pol_line_get_fn line_get;
	void *line_ctx;
	const struct pol_patterns *block;	/* NULL: empty */
	const struct pol_patterns *afterhours;	/* NULL: empty */
	/* What class c may dial: classes[c - 1]; NULL: nothing. */
	const struct pol_patterns *classes[STORE_CLASS_COUNT];
	pol_authcode_get_fn authcode_get;	/* NULL: no code is valid */
	void *authcode_ctx;
};

/* Compiled lists that follow the stored ones. Owned by the caller (one
 * per B2BUA); zero-initialise, then pol_lists_refresh() per decision and
 * pol_lists_clear() at the end. */
struct pol_lists {
	uint64_t generation;		/* of the snapshot compiled from */
	bool loaded;
	struct pol_patterns *emergency;
	struct pol_patterns *allow;
	struct pol_patterns *block;
	struct pol_patterns *afterhours;
	struct pol_patterns *classes[STORE_CLASS_COUNT];
};

/* Recompiles the lists when the snapshot's generation differs from the
 * one they were compiled from (i.e. only after a change). A stored
 * pattern that does not compile is left out (the rest of its list still
 * works) and -EINVAL comes back once per change, for the caller to log;
 * the lists are usable then. -ENOMEM or -E2BIG keep the previous lists. */
int	pol_lists_refresh(struct pol_lists *l, struct store_snapshot *sn);
void	pol_lists_clear(struct pol_lists *l);

/* Fills out to read lines and settings through `sn` (begun) and the
 * compiled lists `l` (both borrowed, valid until store_snapshot_end()). */
void	pol_snapshot_from_store(struct pol_snapshot *out,
	    struct store_snapshot *sn, const struct pol_lists *l);

/* ---- facts and verdict --------------------------------------------- */

enum pol_direction {
	POL_OUTGOING = 0,	/* access -> core */
	POL_INCOMING,		/* core -> access */
};

/* The facts of one initial INVITE. Strings are borrowed for the call and
 * may be NULL where noted. */
struct pol_facts {
	enum pol_direction direction;
	/* Caller's line (outgoing from a registered phone or a trusted
	 * access peer's identity). NULL ext: an external caller. */
	const char *caller_partition;	/* NULL: default partition */
	const char *caller_ext;
	const char *caller_number;	/* incoming: From/PAI user; may be
					 * NULL or "" (anonymous) */
	/* Callee's line (incoming, from the binding the call targets). */
	const char *callee_partition;	/* NULL: default partition */
	const char *callee_ext;		/* NULL: none resolved */
	const char *dialled;		/* Request-URI user part */
	const struct sockaddr *source;	/* may be NULL */
	int64_t now;			/* unix seconds */
	uint8_t weekday;		/* local, 0 = Sunday */
	uint16_t minute_of_day;		/* local, 0..1439 */
	bool is_registered_phone;
	bool is_trusted_peer;		/* trusted access peer (by CIDR) */
	bool is_core_peer;		/* source is a configured core peer */
	/* Incoming: the caller hid its identity (From user "anonymous",
	 * Privacy: id or header without P-Asserted-Identity). An empty or
	 * missing caller_number counts as anonymous too. */
	bool caller_anonymous;
};

enum pol_action {
	POL_FORWARD = 0,	/* new leg to the other side */
	POL_REJECT,		/* final response `code` `text` */
	POL_REDIRECT,		/* 302 with Contact `uri` */
	POL_LOCAL,		/* feature code: the B2BUA executes it */
};

enum pol_reason {
	POL_R_DEFAULT = 0,	/* nothing applied: forwarded */
	POL_R_EMERGENCY,	/* emergency number: forwarded */
	POL_R_ALLOWLIST,	/* locked but allowlisted: forwarded */
	POL_R_LINE_LOCKED,	/* locked: 403 or 302 */
	POL_R_INCOMING_LOCKED,	/* callee locked, incoming blocked */
	POL_R_NOT_CORE,		/* incoming from a non-core source */
	POL_R_FEATURE,		/* feature code, handled locally */
	POL_R_FEATURE_BAD,	/* malformed feature code */
	POL_R_PIN_BLOCKED,	/* PIN entry blocked after failures */
	POL_R_PIN_WEAK,		/* *73 with a new PIN breaking the rules */
	POL_R_NO_PIN,		/* lock or unlock code on a line without PIN */
	POL_R_ADMIN_LOCK,	/* *72 on an admin/budget lock */
	POL_R_NO_LINE,		/* feature code from a caller with no line */
	POL_R_STORAGE,		/* the line could not be read: fail closed */
	POL_R_BAD_NUMBER,	/* no or an overlong dialled number */
	POL_R_BLOCKED,		/* incoming: caller on the block list */
	POL_R_ANONYMOUS,	/* incoming: anonymous caller refused */
	POL_R_AFTER_HOURS,	/* outgoing: after-hours pattern */
	POL_R_CLASS,		/* the line's class forbids the number */
	POL_R_AUTHCODE,		/* forwarded on an authorization code */
	POL_R_AUTHCODE_BAD,	/* unknown authorization code */
};

/* Short text of a reason for CDRs and logs ("line locked"). */
const char *pol_reason_name(enum pol_reason r);

enum pol_feature {
	POL_FC_NONE = 0,
	POL_FC_LOCK,		/* *71 */
	POL_FC_UNLOCK,		/* *72 PIN */
	POL_FC_CHANGE_PIN,	/* *73 OLD * NEW (line without PIN: *73 NEW) */
	POL_FC_AFTERHOURS,	/* *74 PIN: open the line after hours */
};

/* The outcome. Owned by the caller (usually on its stack); the PINs in it
 * are secrets: pol_verdict_wipe() when done. */
struct pol_verdict {
	enum pol_action action;
	enum pol_reason reason;
	uint16_t code;			/* REJECT: 403, 480, 484...; REDIRECT:
					 * 302; else 0 */
	char text[48];			/* SIP reason phrase */
	char uri[STORE_URI_MAX];	/* REDIRECT target */
	enum pol_feature feature;	/* LOCAL and feature rejections */
	char pin[POL_PIN_MAX + 1];	/* UNLOCK, AFTERHOURS: entered PIN;
					 * CHANGE_PIN: old ("" if none) */
	char new_pin[POL_PIN_MAX + 1];	/* CHANGE_PIN: new PIN (valid) */
	uint8_t lock;			/* enum store_lock of the line seen */
	int list;			/* enum store_list matched, or -1 */
	char pattern[STORE_PATTERN_MAX];	/* the pattern that matched */
	char number[POL_NUMBER_MAX];	/* the number judged (prefix
					 * stripped when it matched so) */
	/* FORWARD after an authorization-code prefix: the Request-URI user
	 * to send on (prefix and code stripped); "" otherwise. */
	char dial[POL_NUMBER_MAX];
	/* The authorization code's name (never the code) for the CDR;
	 * "" when none was used. Set on POL_R_AUTHCODE and POL_R_CLASS
	 * after a valid code. */
	char auth_name[STORE_AUTHCODE_NAME_MAX];
};

/* Decides one call. Fills *out completely; never allocates, logs or
 * reads the clock. Returns 0, or -EINVAL for facts that cannot be judged
 * (no dialled number, a dialled number longer than POL_NUMBER_MAX - 1):
 * *out is then a 400/484 REJECT the B2BUA can send as is. A line that
 * cannot be read gives a 500 REJECT (fail closed, reason POL_R_STORAGE)
 * and returns 0 unless the number is an emergency one, which is
 * forwarded. */
int	pol_decide(const struct pol_facts *f, const struct pol_snapshot *s,
	    struct pol_verdict *out);

/* Wipes the PINs in v (mbedtls_platform_zeroize). */
void	pol_verdict_wipe(struct pol_verdict *v);

/* ---- guard rules (guard.c, CONFIG_GUARD) ---------------------------
 * When a source address has misbehaved often enough to be banned, and
 * for how long. The B2BUA counts offences per address and acts; these
 * are the pure rules, on times the caller passes in. */

#define POL_GUARD_UA_MAX 32	/* one scanner User-Agent pattern, NUL in */

struct pol_guard_rule {
	uint32_t threshold;	/* offences within window_s: ban; >= 1 */
	uint32_t window_s;	/* seconds; >= 1 */
	uint32_t ban_s;		/* a first ban, seconds; >= 1 */
	uint32_t ban_max_s;	/* cap of the doubling for repeat offenders */
};

/* One address's offences in its current window. Owned by the caller;
 * zeroed means none yet. */
struct pol_guard_count {
	int64_t window_start_ms;
	uint32_t n;
};

/* Adds `weight` offences at now_ms to c. A window opens with the first
 * offence and lasts r->window_s; a later offence opens a new one. True
 * when the count reached r->threshold within the window: the caller bans
 * and c starts over. */
bool	pol_guard_offend(struct pol_guard_count *c,
	    const struct pol_guard_rule *r, uint32_t weight, int64_t now_ms);

/* The length of an address's strikes-th ban (1: its first): ban_s,
 * doubled for each earlier one, at most ban_max_s (fail2ban's
 * bantime.increment, APIBAN's repeat listing). */
uint32_t	pol_guard_ban_seconds(const struct pol_guard_rule *r,
	    uint32_t strikes);

/* True when ua holds one of the n patterns, ignoring case (substring:
 * "friendly-scanner" matches "friendly-scanner 0.2"). An empty or NULL
 * ua matches nothing; empty patterns are skipped. */
bool	pol_guard_ua_is_scanner(const char *ua,
	    const char (*patterns)[POL_GUARD_UA_MAX], size_t n);

/* Partitions (tenants or sites) from [partitions]: a device, call or
 * self-service request belongs to the partition whose SIP domains hold
 * its domain, else whose networks hold its source address, else
 * STORE_PARTITION_DEFAULT. Lines, locks, bindings and call records are
 * kept per (partition, extension). The same rules serve b2bua/ (SIP)
 * and web/ (self-service page, phone XML services). */
#define POL_PART_N 16		/* partitions */
#define POL_PART_DOMAINS 8	/* SIP domains of one partition */
#define POL_PART_CIDRS 8	/* networks of one partition */
#define POL_PART_NAME 32	/* a name, NUL included (STORE_PARTITION_MAX) */
#define POL_DOMAIN_LEN 64	/* a domain, NUL included */

/* One partition. Names, domains and networks are unique across a table
 * (the config loader checks); domains are lowercase. */
struct pol_partition {
	char name[POL_PART_NAME];
	char domains[POL_PART_DOMAINS][POL_DOMAIN_LEN];
	unsigned n_domains;
	struct net_cidr cidrs[POL_PART_CIDRS];
	unsigned n_cidrs;
};

/* The partition of parts[0..n) whose domains hold host (ignoring case),
 * NULL when none does or host is NULL or empty. */
const struct pol_partition *pol_partition_by_domain(
	    const struct pol_partition *parts, unsigned n, const char *host);

/* The first of parts[0..n) whose networks hold addr (NULL: none). */
const struct pol_partition *pol_partition_by_addr(
	    const struct pol_partition *parts, unsigned n,
	    const struct sockaddr *addr);

/* The partition named name (exact), NULL when none is. */
const struct pol_partition *pol_partition_by_name(
	    const struct pol_partition *parts, unsigned n, const char *name);

/* The partition's name as SIP resolves it: by host's domain, else by
 * addr's network (either may be NULL), else STORE_PARTITION_DEFAULT.
 * The result is parts' own or static. */
const char	*pol_partition_of(const struct pol_partition *parts,
	    unsigned n, const char *host, const struct sockaddr *addr);

#endif
