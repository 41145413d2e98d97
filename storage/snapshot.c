/* Read snapshots for the call path: one LMDB read transaction per
 * decision, reset and renewed instead of re-created (no allocation, no
 * reader-slot churn). Settings are decoded again only when the change
 * generation moved, so a decision costs a couple of B-tree lookups. */
#include <errno.h>
#include <stdlib.h>

#include "storage/internal.h"

int
store_snapshot_new(struct store_snapshot **out, struct store *st)
{
	struct store_snapshot *sn = calloc(1, sizeof(*sn));

	if (!sn)
		return -ENOMEM;
	sn->st = st;
	store_settings_defaults(&sn->settings);
	*out = sn;
	return 0;
}

void
store_snapshot_free(struct store_snapshot *sn)
{
	if (!sn)
		return;
	if (sn->txn)
		mdb_txn_abort(sn->txn);
	free(sn);
}

int
store_snapshot_begin(struct store_snapshot *sn)
{
	int rc;

	if (sn->active)
		store_snapshot_end(sn);
	if (sn->txn) {
		rc = store__err(mdb_txn_renew(sn->txn));
		if (rc < 0) {
			/* A renew that fails (e.g. the map was grown by
			 * another process) gets a fresh transaction. */
			mdb_txn_abort(sn->txn);
			sn->txn = NULL;
		}
	}
	if (!sn->txn) {
		rc = store__read_begin(sn->st, &sn->txn);
		if (rc < 0) {
			sn->txn = NULL;
			return rc;
		}
	}
	sn->active = true;
	rc = store__gen_get(sn->st, sn->txn, &sn->seen_generation);
	if (rc == 0 &&
	    (!sn->have_settings || sn->seen_generation != sn->generation)) {
		rc = store__settings_read(sn->st, sn->txn, &sn->settings);
		sn->have_settings = rc == 0;
		sn->generation = sn->seen_generation;
	}
	if (rc < 0)
		store_snapshot_end(sn);
	return rc;
}

void
store_snapshot_end(struct store_snapshot *sn)
{
	if (sn->active)
		mdb_txn_reset(sn->txn);
	sn->active = false;
}

int
store_snapshot_line(struct store_snapshot *sn, struct store_line *out,
                    const char *partition, const char *ext)
{
	if (!sn->active)
		return -EINVAL;
	return store__line_read(sn->st, sn->txn, out, partition, ext);
}

const struct store_settings *
store_snapshot_settings(struct store_snapshot *sn)
{
	return &sn->settings;
}

uint64_t
store_snapshot_generation(struct store_snapshot *sn)
{
	return sn->seen_generation;
}

int
store_snapshot_list(struct store_snapshot *sn, enum store_list list,
                    char (*out)[STORE_PATTERN_MAX], size_t max)
{
	if (!sn->active)
		return -EINVAL;
	return store__list_read(sn->st, sn->txn, list, out, max);
}
