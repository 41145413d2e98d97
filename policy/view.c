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

/* Compiles one stored list into *out. */
static int
list_compile(struct store_snapshot *sn, enum store_list list,
             char (*buf)[STORE_PATTERN_MAX], struct pol_patterns **out)
{
	const char *ptrs[STORE_LIST_MAX];
	int n = store_snapshot_list(sn, list, buf, STORE_LIST_MAX);

	if (n < 0)
		return n;
	for (int i = 0; i < n; i++)
		ptrs[i] = buf[i];
	return pol_patterns_new(out, ptrs, (size_t)n, NULL);
}

int
pol_lists_refresh(struct pol_lists *l, struct store_snapshot *sn)
{
	uint64_t gen = store_snapshot_generation(sn);
	struct pol_patterns *em = NULL, *al = NULL;
	char(*buf)[STORE_PATTERN_MAX];
	int rc;

	if (l->loaded && gen == l->generation)
		return 0;
	buf = calloc(STORE_LIST_MAX, sizeof(*buf));
	if (!buf)
		return -ENOMEM;
	rc = list_compile(sn, STORE_LIST_EMERGENCY, buf, &em);
	if (rc == 0)
		rc = list_compile(sn, STORE_LIST_ALLOW, buf, &al);
	free(buf);
	if (rc < 0) {
		pol_patterns_free(em);
		/* Keep what was compiled before, and do not retry (nor make
		 * the caller log) on every call until the lists change. */
		if (rc == -EINVAL || rc == -E2BIG)
			l->generation = gen;
		return rc;
	}
	pol_lists_clear(l);
	l->emergency = em;
	l->allow = al;
	l->generation = gen;
	l->loaded = true;
	return 0;
}

void
pol_lists_clear(struct pol_lists *l)
{
	pol_patterns_free(l->emergency);
	pol_patterns_free(l->allow);
	l->emergency = l->allow = NULL;
	l->loaded = false;
}
