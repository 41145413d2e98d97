/* After hours (CONFIG_POLICY_AFTER_HOURS): outside the weekly opening
 * hours, numbers on the afterhours list are refused, unless the line's
 * user opened it with the override feature code and PIN, or the number
 * is allowlisted. Local time comes in the facts: policy has no clock. */
#include "policy/internal.h"

bool
pol_hours_is_open(const struct store_settings *s, uint8_t weekday,
                  uint16_t minute)
{
	const struct store_hours *h = &s->hours[weekday % 7];
	const struct store_hours *prev = &s->hours[(weekday + 6) % 7];

	if (h->open < h->close && minute >= h->open && minute < h->close)
		return true;
	/* Today's hours run past midnight into tomorrow. */
	if (h->open > h->close && minute >= h->open)
		return true;
	/* Yesterday's did, into today's early minutes. */
	return prev->open > prev->close && minute < prev->close;
}

int
pol__hours_decide(const struct pol_facts *f, const struct pol_snapshot *s,
                  const struct store_line *l, const char *number,
                  struct pol_verdict *out)
{
	const struct store_settings *st = s->settings;
	const char *prefix = st->outside_line_prefix;

	if (pol_hours_is_open(st, f->weekday, f->minute_of_day) ||
	    l->afterhours_until > f->now ||
	    !pol__list_match(s->afterhours, STORE_LIST_AFTERHOURS, number,
	                     prefix, out))
		return POL__PASS;
	if (pol__list_match(s->allow, STORE_LIST_ALLOW, number, prefix, out))
		return pol__verdict(out, POL_FORWARD, POL_R_ALLOWLIST, 0, NULL);
	return pol__divert(out, st->afterhours_action, st->afterhours_uri,
	                   st->redirect_uri, POL_R_AFTER_HOURS, 403,
	                   "After hours");
}
