/* The read view a decision uses: compiled lists that follow the stored
 * ones, and a pol_snapshot wired to a storage snapshot. Compiling
 * allocates, so it happens here, once per list change, never inside
 * pol_decide(). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "policy/internal.h"

static int
view_line_get(void *ctx, struct store_line *out, const char *partition,
              const char *ext)
{
	return store_snapshot_line(ctx, out, partition, ext);
}

static int
view_authcode_get(void *ctx, struct store_authcode *out, const char *code)
{
	return store_snapshot_authcode(ctx, out, code);
}

void
pol_snapshot_from_store(struct pol_snapshot *out, struct store_snapshot *sn,
                        const struct pol_lists *l)
{
	memset(out, 0, sizeof(*out));
	out->settings = store_snapshot_settings(sn);
	out->emergency = l->emergency;
	out->allow = l->allow;
	out->block = l->block;
	out->afterhours = l->afterhours;
	for (size_t c = 0; c < STORE_CLASS_COUNT; c++)
		out->classes[c] = l->classes[c];
	out->line_get = view_line_get;
	out->line_ctx = sn;
	out->authcode_get = view_authcode_get;
	out->authcode_ctx = sn;
}

/* Where list i's compiled set lives in l. */
static struct pol_patterns **
lists_slot(struct pol_lists *l, size_t i)
{
	switch (i) {
	case STORE_LIST_EMERGENCY:
		return &l->emergency;
	case STORE_LIST_ALLOW:
		return &l->allow;
	case STORE_LIST_BLOCK:
		return &l->block;
	case STORE_LIST_AFTERHOURS:
		return &l->afterhours;
	default:
		return &l->classes[i - STORE_LIST_CLASS1];
	}
}

/* Lists whose rule is built in; the others stay NULL (empty). */
static bool
list_is_used(size_t i)
{
	switch (i) {
	case STORE_LIST_EMERGENCY:
	case STORE_LIST_ALLOW:
		return true;
	case STORE_LIST_BLOCK:
		return IS_ENABLED(CONFIG_POLICY_INBOUND_BLOCK);
	case STORE_LIST_AFTERHOURS:
		return IS_ENABLED(CONFIG_POLICY_AFTER_HOURS);
	default:
		return IS_ENABLED(CONFIG_POLICY_AUTH_CODES);
	}
}

/* Compiles one stored list into *out, leaving out any pattern that does
 * not compile (storage checks only characters): one bad entry must not
 * cost the rest of the emergency list. *skipped counts them. */
static int
list_compile(struct store_snapshot *sn, enum store_list list,
             char (*buf)[STORE_PATTERN_MAX], struct pol_patterns **out,
             size_t *skipped)
{
	const char **ptrs = calloc(STORE_LIST_MAX, sizeof(*ptrs));
	int n = store_snapshot_list(sn, list, buf, STORE_LIST_MAX), rc;
	size_t good = 0;

	if (!ptrs)
		return -ENOMEM;
	for (int i = 0; i < n; i++) {
		if (pol_pattern_check(buf[i], NULL) == 0)
			ptrs[good++] = buf[i];
		else
			(*skipped)++;
	}
	rc = n < 0 ? n : pol_patterns_new(out, ptrs, good, NULL);
	free(ptrs);
	return rc;
}

int
pol_lists_refresh(struct pol_lists *l, struct store_snapshot *sn)
{
	uint64_t gen = store_snapshot_generation(sn);
	struct pol_lists next = {0};
	char(*buf)[STORE_PATTERN_MAX];
	size_t skipped = 0;
	int rc = 0;

	if (l->loaded && gen == l->generation)
		return 0;
	buf = calloc(STORE_LIST_MAX, sizeof(*buf));
	if (!buf)
		return -ENOMEM;
	for (size_t i = 0; i < STORE_LIST_COUNT && rc == 0; i++)
		if (list_is_used(i))
			rc = list_compile(sn, (enum store_list)i, buf,
			                  lists_slot(&next, i), &skipped);
	free(buf);
	if (rc < 0) {
		/* Keep what was compiled before; a DFA over its cap is not
		 * retried until the lists change. */
		pol_lists_clear(&next);
		if (rc == -E2BIG && l->loaded)
			l->generation = gen;
		return rc;
	}
	pol_lists_clear(l);
	*l = next;
	l->generation = gen;
	l->loaded = true;
	return skipped ? -EINVAL : 0;
}

void
pol_lists_clear(struct pol_lists *l)
{
	for (size_t i = 0; i < STORE_LIST_COUNT; i++) {
		struct pol_patterns **p = lists_slot(l, i);

		pol_patterns_free(*p);
		*p = NULL;
	}
	l->loaded = false;
}
