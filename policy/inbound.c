/* Inbound blocking by calling number (CONFIG_POLICY_INBOUND_BLOCK): an
 * anonymous caller when block_anonymous is on, and a caller the block
 * list matches, are refused or redirected before anything about the
 * callee's line is read. */
#include <string.h>

#include "policy/internal.h"

/* Reason phrases of the codes operators pick most; others get a plain
 * phrase (RFC 3261 21: the phrase is for humans, the code is what
 * counts). */
static const char *
blocked_text(uint16_t code)
{
	switch (code) {
	case 403:
		return "Forbidden";
	case 433:
		return "Anonymity Disallowed"; /* RFC 5079 5 */
	case 480:
		return "Temporarily Unavailable";
	case 486:
		return "Busy Here";
	case 603:
		return "Decline";
	default:
		return "Call Blocked";
	}
}

int
pol__inbound_decide(const struct pol_facts *f, const struct pol_snapshot *s,
                    struct pol_verdict *out)
{
	const struct store_settings *st = s->settings;
	const char *num = f->caller_number;
	bool anon = f->caller_anonymous || !num || !*num;

	if (anon && st->block_anonymous)
		return pol__divert(out, st->blocked_action, st->blocked_uri,
		                   st->redirect_uri, POL_R_ANONYMOUS,
		                   st->anonymous_code,
		                   blocked_text(st->anonymous_code));
	if (anon || strnlen(num, POL_NUMBER_MAX) >= POL_NUMBER_MAX ||
	    !pol__list_match(s->block, STORE_LIST_BLOCK, num, "", out))
		return POL__PASS;
	return pol__divert(out, st->blocked_action, st->blocked_uri,
	                   st->redirect_uri, POL_R_BLOCKED, st->blocked_code,
	                   blocked_text(st->blocked_code));
}
