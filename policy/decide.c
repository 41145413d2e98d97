/* pol_decide(): the call path's one decision. Pure: it reads the facts
 * and the snapshot it is given and fills the verdict; no allocation, no
 * clock, no logging. The order is DESIGN.md's external contract. */
#include <assert.h>
#include <errno.h>
#include <mbedtls/platform_util.h>
#include <string.h>

#include "policy/internal.h"

static const char *const reason_names[] = {
    [POL_R_DEFAULT] = "forwarded",
    [POL_R_EMERGENCY] = "emergency",
    [POL_R_ALLOWLIST] = "allowlisted",
    [POL_R_LINE_LOCKED] = "line locked",
    [POL_R_INCOMING_LOCKED] = "callee line locked",
    [POL_R_NOT_CORE] = "not from a core peer",
    [POL_R_FEATURE] = "feature code",
    [POL_R_FEATURE_BAD] = "malformed feature code",
    [POL_R_PIN_BLOCKED] = "PIN entry blocked",
    [POL_R_PIN_WEAK] = "PIN breaks the rules",
    [POL_R_NO_PIN] = "no PIN set",
    [POL_R_ADMIN_LOCK] = "locked by administrator",
    [POL_R_NO_LINE] = "caller has no line",
    [POL_R_STORAGE] = "storage error",
    [POL_R_BAD_NUMBER] = "bad dialled number",
    [POL_R_BLOCKED] = "caller blocked",
    [POL_R_ANONYMOUS] = "anonymous caller",
    [POL_R_AFTER_HOURS] = "after hours",
    [POL_R_CLASS] = "class of restriction",
    [POL_R_AUTHCODE] = "authorization code",
    [POL_R_AUTHCODE_BAD] = "invalid authorization code",
};

const char *
pol_reason_name(enum pol_reason r)
{
	if ((size_t)r >= ARRAY_SIZE(reason_names) || !reason_names[r])
		return "unknown";
	return reason_names[r];
}

void
pol_verdict_wipe(struct pol_verdict *v)
{
	mbedtls_platform_zeroize(v->pin, sizeof(v->pin));
	mbedtls_platform_zeroize(v->new_pin, sizeof(v->new_pin));
}

int
pol__verdict(struct pol_verdict *out, enum pol_action action,
             enum pol_reason reason, uint16_t code, const char *text)
{
	out->action = action;
	out->reason = reason;
	out->code = code;
	ll_strlcpy(out->text, text ? text : "", sizeof(out->text));
	return 0;
}

int
pol__reject(struct pol_verdict *out, enum pol_reason reason, uint16_t code,
            const char *text)
{
	return pol__verdict(out, POL_REJECT, reason, code, text);
}

int
pol__divert(struct pol_verdict *out, uint8_t action, const char *uri,
            const char *fallback, enum pol_reason reason, uint16_t code,
            const char *text)
{
	if (!uri[0])
		uri = fallback;
	/* Without a target a redirect cannot be sent: reject instead. */
	if (action == STORE_ACTION_REDIRECT && uri[0]) {
		ll_strlcpy(out->uri, uri, sizeof(out->uri));
		return pol__verdict(out, POL_REDIRECT, reason, 302,
		                    "Moved Temporarily");
	}
	return pol__reject(out, reason, code, text);
}

bool
pol__list_match(const struct pol_patterns *p, enum store_list list,
                const char *number, const char *prefix, struct pol_verdict *out)
{
	size_t pl = strlen(prefix);
	int i;

	if (!p)
		return false;
	i = pol_patterns_match(p, number);

	if (i < 0 && pl && strncmp(number, prefix, pl) == 0 && number[pl]) {
		i = pol_patterns_match(p, number + pl);
		if (i >= 0)
			number += pl;
	}
	if (i < 0)
		return false;
	out->list = (int)list;
	ll_strlcpy(out->pattern, pol_patterns_text(p, (size_t)i),
	           sizeof(out->pattern));
	ll_strlcpy(out->number, number, sizeof(out->number));
	return true;
}

/* Reads a line, turning "no record" into an unlocked default line. */
static int
line_read(const struct pol_snapshot *s, struct store_line *l,
          const char *partition, const char *ext)
{
	int rc = s->line_get(s->line_ctx, l, partition, ext);

	if (rc == -ENOENT) {
		store_line_defaults(l, partition, ext);
		return 0;
	}
	return rc;
}

static bool
digits_only(const char *s, size_t min, size_t max)
{
	size_t n = strlen(s);

	return n >= min && n <= max && strspn(s, "0123456789") == n;
}

/* *73: OLD*NEW, or on a line without a PIN NEW or *NEW. */
static int
feature_change_pin(const char *rest, const struct store_line *l,
                   struct pol_verdict *out)
{
	const char *star = strchr(rest, '*'), *why;
	const char *newp = star ? star + 1 : rest;
	size_t oldlen = star ? (size_t)(star - rest) : 0;
	bool has_pin = store_hash_is_set(&l->pin);

	if ((has_pin && (!star || oldlen == 0)) || oldlen > POL_PIN_MAX ||
	    (star && strspn(rest, "0123456789") != oldlen) ||
	    !digits_only(newp, 1, POL_PIN_MAX))
		return pol__reject(out, POL_R_FEATURE_BAD, 484,
		                   "Dial *73 old PIN * new PIN");
	if (pol_pin_check(newp, l->ext, &why) < 0)
		return pol__reject(out, POL_R_PIN_WEAK, 403, why);
	memcpy(out->pin, rest, oldlen);
	out->pin[oldlen] = '\0';
	ll_strlcpy(out->new_pin, newp, sizeof(out->new_pin));
	return pol__verdict(out, POL_LOCAL, POL_R_FEATURE, 0, "Change PIN");
}

/* *74 PIN: the B2BUA verifies the PIN off the loop, then stores the
 * override's end (store_line_afterhours_set()). A locked line may set
 * it too: the lock still comes first in every decision. */
static int
feature_afterhours(const char *rest, const struct store_line *l,
                   struct pol_verdict *out)
{
	if (!digits_only(rest, 1, POL_PIN_MAX))
		return pol__reject(out, POL_R_FEATURE_BAD, 484,
		                   "Dial the override code and PIN");
	if (!store_hash_is_set(&l->pin))
		return pol__reject(out, POL_R_NO_PIN, 403, "No PIN set");
	ll_strlcpy(out->pin, rest, sizeof(out->pin));
	return pol__verdict(out, POL_LOCAL, POL_R_FEATURE, 0,
	                    "After-hours override");
}

/* Feature codes from the caller's own line. Checks what can be judged
 * without the PIN hash; the B2BUA verifies the PIN off the loop. */
static int
feature(const struct pol_facts *f, const struct pol_snapshot *s,
        enum pol_feature fc, const char *rest, struct pol_verdict *out)
{
	struct store_line l;

	out->feature = fc;
	/* What follows the code is a PIN: the verdict's number, which the
	 * B2BUA logs and records, keeps only the code itself. */
	if ((size_t)(rest - f->dialled) < sizeof(out->number))
		out->number[rest - f->dialled] = '\0';
	if (!f->caller_ext)
		return pol__reject(out, POL_R_NO_LINE, 403, "No line to lock");
	if (line_read(s, &l, f->caller_partition, f->caller_ext) < 0)
		return pol__reject(out, POL_R_STORAGE, 500, "Storage error");
	out->lock = l.lock;
	if (fc == POL_FC_LOCK) {
		if (*rest)
			return pol__reject(out, POL_R_FEATURE_BAD, 484,
			                   "Dial the lock code alone");
		if (!store_hash_is_set(&l.pin))
			return pol__reject(out, POL_R_NO_PIN, 403,
			                   "Set a PIN first");
		return pol__verdict(out, POL_LOCAL, POL_R_FEATURE, 0, "Lock");
	}
	if (store_line_pin_is_blocked(&l, f->now))
		return pol__reject(out, POL_R_PIN_BLOCKED, 403,
		                   "PIN entry blocked");
	if (fc == POL_FC_CHANGE_PIN)
		return feature_change_pin(rest, &l, out);
	if (fc == POL_FC_AFTERHOURS)
		return feature_afterhours(rest, &l, out);
	if (!digits_only(rest, 1, POL_PIN_MAX))
		return pol__reject(out, POL_R_FEATURE_BAD, 484,
		                   "Dial the unlock code and PIN");
	if (!store_hash_is_set(&l.pin))
		return pol__reject(out, POL_R_NO_PIN, 403, "No PIN set");
	if (l.lock == STORE_LOCK_ADMIN || l.lock == STORE_LOCK_BUDGET)
		return pol__reject(out, POL_R_ADMIN_LOCK, 403,
		                   "Locked by administrator");
	ll_strlcpy(out->pin, rest, sizeof(out->pin));
	return pol__verdict(out, POL_LOCAL, POL_R_FEATURE, 0, "Unlock");
}

/* Which feature code `number` starts with, and what follows it. */
static enum pol_feature
feature_of(const struct store_settings *st, const char *number,
           const char **rest)
{
	const struct {
		const char *code;
		enum pol_feature fc;
	} fcs[] = {
	    {st->fc_lock, POL_FC_LOCK},
	    {st->fc_unlock, POL_FC_UNLOCK},
	    {st->fc_pin, POL_FC_CHANGE_PIN},
	    {IS_ENABLED(CONFIG_POLICY_AFTER_HOURS) ? st->fc_afterhours : "",
	     POL_FC_AFTERHOURS},
	};

	for (size_t i = 0; i < ARRAY_SIZE(fcs); i++) {
		size_t n = strlen(fcs[i].code);

		if (n && strncmp(number, fcs[i].code, n) == 0) {
			*rest = number + n;
			return fcs[i].fc;
		}
	}
	return POL_FC_NONE;
}

static int
decide_locked(const struct store_line *l, const struct store_settings *st,
              struct pol_verdict *out)
{
	uint8_t action = l->locked_action != STORE_ACTION_INHERIT
	                     ? l->locked_action
	                     : st->locked_action;

	return pol__divert(out, action, l->redirect_uri, st->redirect_uri,
	                   POL_R_LINE_LOCKED, 403, "Line locked");
}

/* Steps 2 to 6 for `number` (the dialled one, or what follows an
 * authorization code `code`, "" when none). */
static int
decide_number(const struct pol_facts *f, const struct pol_snapshot *s,
              const char *number, const char *code, struct pol_verdict *out)
{
	const char *prefix = s->settings->outside_line_prefix;
	struct store_line l;
	int rc;

	/* Emergency first: no line read, so even a storage fault cannot
	 * hold back an emergency call. */
	if (pol__list_match(s->emergency, STORE_LIST_EMERGENCY, number, prefix,
	                    out))
		return pol__verdict(out, POL_FORWARD, POL_R_EMERGENCY, 0, NULL);
	if (!f->caller_ext)
		return pol__class_decide(f, s, NULL, number, code, out);
	if (line_read(s, &l, f->caller_partition, f->caller_ext) < 0)
		return pol__reject(out, POL_R_STORAGE, 500, "Storage error");
	out->lock = l.lock;
	if (l.lock != STORE_LOCK_NONE) {
		if (pol__list_match(s->allow, STORE_LIST_ALLOW, number, prefix,
		                    out))
			return pol__verdict(out, POL_FORWARD, POL_R_ALLOWLIST,
			                    0, NULL);
		return decide_locked(&l, s->settings, out);
	}
	rc = pol__hours_decide(f, s, &l, number, out);
	if (rc != POL__PASS)
		return rc;
	return pol__class_decide(f, s, &l, number, code, out);
}

static int
decide_outgoing(const struct pol_facts *f, const struct pol_snapshot *s,
                struct pol_verdict *out)
{
	const struct store_settings *st = s->settings;
	const char *rest = "", *number = f->dialled;
	enum pol_feature fc = feature_of(st, f->dialled, &rest);
	char code[STORE_AUTHCODE_MAX + 1] = "";
	int rc;

	if (fc != POL_FC_NONE)
		return feature(f, s, fc, rest, out);
	rc = pol__authcode_split(st, f->dialled, code, &number, out);
	if (rc < 0) {
		/* What was dialled may hold a code: keep only the prefix
		 * in the verdict, which the B2BUA logs and records. */
		ll_strlcpy(out->number, st->fc_authcode, sizeof(out->number));
		return pol__reject(out, POL_R_FEATURE_BAD, 484,
		                   "Dial code * number");
	}
	rc = decide_number(f, s, number, code, out);
	mbedtls_platform_zeroize(code, sizeof(code));
	return rc;
}

static int
decide_incoming(const struct pol_facts *f, const struct pol_snapshot *s,
                struct pol_verdict *out)
{
	const struct store_settings *st = s->settings;
	struct store_line l;
	bool block;
	int rc;

	if (!f->is_core_peer)
		return pol__reject(out, POL_R_NOT_CORE, 403, "Forbidden");
	rc = pol__inbound_decide(f, s, out);
	if (rc != POL__PASS)
		return rc;
	if (!f->callee_ext)
		return pol__verdict(out, POL_FORWARD, POL_R_DEFAULT, 0, NULL);
	if (line_read(s, &l, f->callee_partition, f->callee_ext) < 0)
		return pol__reject(out, POL_R_STORAGE, 500, "Storage error");
	out->lock = l.lock;
	block = l.block_incoming == STORE_INHERIT
	            ? st->block_incoming
	            : l.block_incoming == STORE_ON;
	if (l.lock != STORE_LOCK_NONE && block)
		return pol__reject(out, POL_R_INCOMING_LOCKED,
		                   st->incoming_locked_code, "Line locked");
	return pol__verdict(out, POL_FORWARD, POL_R_DEFAULT, 0, NULL);
}

int
pol_decide(const struct pol_facts *f, const struct pol_snapshot *s,
           struct pol_verdict *out)
{
	size_t n;

	assert(s && s->settings && s->line_get);
	memset(out, 0, sizeof(*out));
	out->list = -1;
	n = f->dialled ? strnlen(f->dialled, POL_NUMBER_MAX) : 0;
	if (n == 0) {
		pol__reject(out, POL_R_BAD_NUMBER, 484, "Address Incomplete");
		return -EINVAL;
	}
	if (n >= POL_NUMBER_MAX) {
		pol__reject(out, POL_R_BAD_NUMBER, 484, "Number too long");
		return -EINVAL;
	}
	memcpy(out->number, f->dialled, n + 1);
	if (f->direction == POL_INCOMING)
		return decide_incoming(f, s, out);
	return decide_outgoing(f, s, out);
}
