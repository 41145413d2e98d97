/* Guard rules (CONFIG_GUARD): when repeated offences from one source
 * address earn it a ban, how long the ban lasts, and which User-Agents
 * are scanners. Pure: times come in as arguments, state lives in the
 * caller's counters. */
#include <stddef.h>
#include <stdint.h>

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

/* ASCII case folding, as strncasecmp() does in the C locale. */
static inline unsigned char
guard_lower(unsigned char c)
{
	return c >= 'A' && c <= 'Z' ? (unsigned char)(c + 32) : c;
}

/* True when pat (NUL-ended) starts at hay, ignoring case; its first byte
 * has matched already. */
static bool
guard_match_at(const unsigned char *hay, const unsigned char *pat)
{
	for (size_t k = 1; pat[k]; k++)
		if (guard_lower(hay[k]) != guard_lower(pat[k]))
			return false;	/* a NUL in hay ends here too */
	return true;
}

/* Every initial INVITE and REGISTER is checked against every pattern:
 * strncasecmp() at each position of the User-Agent for each pattern
 * cost 8 k instructions a call (callgrind). One pass instead: a table of
 * the patterns' folded first bytes rules out nearly every position
 * before any pattern is compared. */
bool
pol_guard_ua_is_scanner(const char *ua,
    const char (*patterns)[POL_GUARD_UA_MAX], size_t n)
{
	uint32_t first[256 / 32] = {0};
	const unsigned char *h;

	if (!ua || !*ua)
		return false;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = guard_lower((unsigned char)patterns[i][0]);

		first[c / 32] |= 1u << (c % 32);
	}
	first[0] &= ~1u;	/* empty patterns are skipped */
	for (h = (const unsigned char *)ua; *h; h++) {
		unsigned char c = guard_lower(*h);

		if (!(first[c / 32] & (1u << (c % 32))))
			continue;
		for (size_t i = 0; i < n; i++) {
			const unsigned char *p =
			    (const unsigned char *)patterns[i];

			if (guard_lower(p[0]) == c && guard_match_at(h, p))
				return true;
		}
	}
	return false;
}
