/* Classes of restriction and authorization codes
 * (CONFIG_POLICY_AUTH_CODES). A line with a class may dial what its
 * class's pattern list matches (and allowlisted numbers); for anything
 * else the caller dials *75 CODE * NUMBER, and the code's class decides.
 * The code is looked up through the snapshot (a keyed hash in storage,
 * microseconds); wrong codes count against the line's failed-PIN
 * counters, which the B2BUA keeps, so guessing blocks like PIN guessing.
 */
#include <errno.h>
#include <mbedtls/platform_util.h>
#include <string.h>

#include "policy/internal.h"

int
pol__authcode_split(const struct store_settings *st, const char *dialled,
                    char *code, const char **number, struct pol_verdict *out)
{
	size_t n = strlen(st->fc_authcode), clen;
	const char *rest, *star;

	if (!n || strncmp(dialled, st->fc_authcode, n) != 0)
		return 0;
	rest = dialled + n;
	star = strchr(rest, '*');
	if (!star || !star[1])
		return -EINVAL;
	clen = (size_t)(star - rest);
	if (clen > STORE_AUTHCODE_MAX)
		return -EINVAL;
	memcpy(code, rest, clen);
	code[clen] = '\0';
	if (!store_authcode_is_valid(code)) {
		mbedtls_platform_zeroize(code, STORE_AUTHCODE_MAX + 1);
		return -EINVAL;
	}
	*number = star + 1;
	ll_strlcpy(out->dial, *number, sizeof(out->dial));
	ll_strlcpy(out->number, *number, sizeof(out->number));
	return 1;
}

/* True when class c (1..8; NONE: everything) may dial number. */
static bool
class_allows(const struct pol_snapshot *s, uint8_t c, const char *number,
             struct pol_verdict *out)
{
	if (c == STORE_CLASS_NONE)
		return true;
	if (c > STORE_CLASS_COUNT)
		return false;
	return pol__list_match(s->classes[c - 1],
	                       (enum store_list)(STORE_LIST_CLASS1 + c - 1),
	                       number, s->settings->outside_line_prefix, out);
}

static int
authcode_decide(const struct pol_facts *f, const struct pol_snapshot *s,
                const struct store_line *l, const char *number,
                const char *code, bool allowed, struct pol_verdict *out)
{
	struct store_authcode a;
	int rc;

	if (l && store_line_pin_is_blocked(l, f->now))
		return pol__reject(out, POL_R_PIN_BLOCKED, 403,
		                   "Code entry blocked");
	rc = s->authcode_get ? s->authcode_get(s->authcode_ctx, &a, code)
	                     : -ENOENT;
	if (rc == -ENOENT || rc == -EINVAL)
		return pol__reject(out, POL_R_AUTHCODE_BAD, 403,
		                   "Invalid authorization code");
	if (rc < 0)
		return pol__reject(out, POL_R_STORAGE, 500, "Storage error");
	ll_strlcpy(out->auth_name, a.name, sizeof(out->auth_name));
	if (allowed || class_allows(s, a.cor_class, number, out))
		return pol__verdict(out, POL_FORWARD, POL_R_AUTHCODE, 0, NULL);
	if (pol__list_match(s->allow, STORE_LIST_ALLOW, number,
	                    s->settings->outside_line_prefix, out))
		return pol__verdict(out, POL_FORWARD, POL_R_ALLOWLIST, 0, NULL);
	return pol__reject(out, POL_R_CLASS, 403, "Not permitted");
}

int
pol__class_decide(const struct pol_facts *f, const struct pol_snapshot *s,
                  const struct store_line *l, const char *number,
                  const char *code, struct pol_verdict *out)
{
	bool allowed = !l || class_allows(s, l->cor_class, number, out);

	/* A code dialled is always checked, even when the class allows
	 * the number: the CDR then names who paid for the call. */
	if (code[0])
		return authcode_decide(f, s, l, number, code, allowed, out);
	if (allowed)
		return pol__verdict(out, POL_FORWARD, POL_R_DEFAULT, 0, NULL);
	if (pol__list_match(s->allow, STORE_LIST_ALLOW, number,
	                    s->settings->outside_line_prefix, out))
		return pol__verdict(out, POL_FORWARD, POL_R_ALLOWLIST, 0, NULL);
	return pol__reject(out, POL_R_CLASS, 403, "Not permitted");
}
