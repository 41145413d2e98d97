/* policy/ internals: the verdict helpers every rule file shares and the
 * rules Kconfig may leave out. A rule returns POL__PASS when it does not
 * apply (the decision goes on), else 0 with the verdict filled. Without
 * its option a rule is an inline stub that always passes, so decide.c
 * reads the same in every configuration. */
#ifndef LL_POL_INTERNAL_H
#define LL_POL_INTERNAL_H

#include "policy/pol.h"
#include "util.h"

#define POL__PASS 1

int	pol__verdict(struct pol_verdict *out, enum pol_action action,
	    enum pol_reason reason, uint16_t code, const char *text);
int	pol__reject(struct pol_verdict *out, enum pol_reason reason,
	    uint16_t code, const char *text);

/* A 302 to `uri` when `action` is REDIRECT and a URI is there (else
 * `fallback`), otherwise a REJECT with code and text. */
int	pol__divert(struct pol_verdict *out, uint8_t action, const char *uri,
	    const char *fallback, enum pol_reason reason, uint16_t code,
	    const char *text);

/* Matches `number` as dialled, then without the outside-line `prefix`.
 * On a match records list, pattern and the number judged in out. A NULL
 * set matches nothing. */
bool	pol__list_match(const struct pol_patterns *p, enum store_list list,
	    const char *number, const char *prefix, struct pol_verdict *out);

#if IS_ENABLED(CONFIG_POLICY_INBOUND_BLOCK)
/* Incoming from a core peer: anonymous and blocked callers. */
int	pol__inbound_decide(const struct pol_facts *f,
	    const struct pol_snapshot *s, struct pol_verdict *out);
#else
static inline int
pol__inbound_decide(const struct pol_facts *f, const struct pol_snapshot *s,
    struct pol_verdict *out)
{
	(void)f, (void)s, (void)out;
	return POL__PASS;
}
#endif

#if IS_ENABLED(CONFIG_POLICY_AFTER_HOURS)
/* Outgoing from an unlocked line `l`: the after-hours rule for number. */
int	pol__hours_decide(const struct pol_facts *f,
	    const struct pol_snapshot *s, const struct store_line *l,
	    const char *number, struct pol_verdict *out);
#else
static inline int
pol__hours_decide(const struct pol_facts *f, const struct pol_snapshot *s,
    const struct store_line *l, const char *number, struct pol_verdict *out)
{
	(void)f, (void)s, (void)l, (void)number, (void)out;
	return POL__PASS;
}
#endif

#if IS_ENABLED(CONFIG_POLICY_AUTH_CODES)
/* Splits "*75 CODE * NUMBER": 0 without the prefix, 1 with code (a
 * secret: the caller wipes it) and *number set (and out->dial, out->
 * number), -EINVAL when malformed. code has STORE_AUTHCODE_MAX + 1
 * bytes. */
int	pol__authcode_split(const struct store_settings *st,
	    const char *dialled, char *code, const char **number,
	    struct pol_verdict *out);

/* The class rule and authorization code for a call from line l (NULL: a
 * caller without a line). Always decides (forward or refuse). */
int	pol__class_decide(const struct pol_facts *f,
	    const struct pol_snapshot *s, const struct store_line *l,
	    const char *number, const char *code, struct pol_verdict *out);
#else
static inline int
pol__authcode_split(const struct store_settings *st, const char *dialled,
    char *code, const char **number, struct pol_verdict *out)
{
	(void)st, (void)dialled, (void)code, (void)number, (void)out;
	return 0;
}

static inline int
pol__class_decide(const struct pol_facts *f, const struct pol_snapshot *s,
    const struct store_line *l, const char *number, const char *code,
    struct pol_verdict *out)
{
	(void)f, (void)s, (void)l, (void)number, (void)code;
	return pol__verdict(out, POL_FORWARD, POL_R_DEFAULT, 0, NULL);
}
#endif

#endif
