/* The read view a decision uses: compiled lists that follow the stored
 * ones, and a pol_snapshot wired to a storage snapshot. Compiling
 * allocates, so it happens here, once per list change, never inside
 * pol_decide(). */
#include <errno.h>
#include <stdlib.h>

#include "policy/pol.h"

static int
view_line_get(void *ctx, struct store_line *out, const char *partition,
              const char *ext)
{
	return store_snapshot_line(ctx, out, partition, ext);
}

void
pol_snapshot_from_store(struct pol_snapshot *out, struct store_snapshot *sn,
                        const struct pol_lists *l)
{
	out->settings = store_snapshot_settings(sn);
	out->emergency = l->emergency;
	out->allow = l->allow;
	out->line_get = view_line_get;
	out->line_ctx = sn;
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
	struct pol_patterns *em = NULL, *al = NULL;
	char(*buf)[STORE_PATTERN_MAX];
	size_t skipped = 0;
	int rc;

	if (l->loaded && gen == l->generation)
		return 0;
	buf = calloc(STORE_LIST_MAX, sizeof(*buf));
	if (!buf)
		return -ENOMEM;
	rc = list_compile(sn, STORE_LIST_EMERGENCY, buf, &em, &skipped);
	if (rc == 0)
		rc = list_compile(sn, STORE_LIST_ALLOW, buf, &al, &skipped);
	free(buf);
	if (rc < 0) {
		/* Keep what was compiled before; a DFA over its cap is not
		 * retried until the lists change. */
		pol_patterns_free(em);
		if (rc == -E2BIG && l->loaded)
			l->generation = gen;
		return rc;
	}
	pol_lists_clear(l);
	l->emergency = em;
	l->allow = al;
	l->generation = gen;
	l->loaded = true;
	return skipped ? -EINVAL : 0;
}

void
pol_lists_clear(struct pol_lists *l)
{
	pol_patterns_free(l->emergency);
	pol_patterns_free(l->allow);
	l->emergency = l->allow = NULL;
	l->loaded = false;
}
