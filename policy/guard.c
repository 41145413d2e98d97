/* Guard rules (CONFIG_GUARD): when repeated offences from one source
 * address earn it a ban, how long the ban lasts, and which User-Agents
 * are scanners. Pure: times come in as arguments, state lives in the
 * caller's counters. */
#include <stddef.h>
#include <string.h>
#include <strings.h>

#include "policy/pol.h"

bool
pol_guard_offend(struct pol_guard_count *c, const struct pol_guard_rule *r,
    uint32_t weight, int64_t now_ms)
{
	int64_t window_ms = (int64_t)(r->window_s ? r->window_s : 1) * 1000;
	uint32_t threshold = r->threshold ? r->threshold : 1;

	if (c->n == 0 || now_ms < c->window_start_ms ||
	    now_ms - c->window_start_ms >= window_ms) {
		c->window_start_ms = now_ms;
		c->n = 0;
	}
	c->n = weight > UINT32_MAX - c->n ? UINT32_MAX : c->n + weight;
	if (c->n < threshold)
		return false;
	c->n = 0;
	return true;
}

uint32_t
pol_guard_ban_seconds(const struct pol_guard_rule *r, uint32_t strikes)
{
	uint64_t s = r->ban_s ? r->ban_s : 1;
	uint32_t cap = r->ban_max_s > s ? r->ban_max_s : (uint32_t)s;

	for (uint32_t i = 1; i < strikes && s < cap; i++)
		s *= 2;
	return s < cap ? (uint32_t)s : cap;
}

/* strcasestr() is a GNU extension: a bounded one of our own. */
static bool
guard_has_icase(const char *hay, const char *needle)
{
	size_t n = strlen(needle);

	for (; *hay; hay++)
		if (strncasecmp(hay, needle, n) == 0)
			return true;
	return false;
}

bool
pol_guard_ua_is_scanner(const char *ua,
    const char (*patterns)[POL_GUARD_UA_MAX], size_t n)
{
	if (!ua || !*ua)
		return false;
	for (size_t i = 0; i < n; i++)
		if (patterns[i][0] && guard_has_icase(ua, patterns[i]))
			return true;
	return false;
}
