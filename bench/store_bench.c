/* Storage cost on the call path: one LMDB read transaction (snapshot
 * begin), one line lookup, end, as b2bua/ does per decision. The store
 * lives in a temporary directory, holds LINES locked lines, and lookups
 * alternate between a locked line and a line without a record.
 *   store_bench [ROUNDS [LINES]]   (default 200000, 200) */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bench/bench.h"
#include "storage/store.h"
#include "util.h"

static const struct store_actor store_bench_actor = {
    .name = "bench",
    .source = "local",
};

/* Locks lines 30000.. (lines of them). */
static int
store_bench_seed(struct store *st, unsigned lines)
{
	char ext[STORE_EXT_MAX];
	unsigned i;
	int rc;

	for (i = 0; i < lines; i++) {
		snprintf(ext, sizeof(ext), "%u", 30000 + i);
		rc = store_line_lock(st, NULL, ext, STORE_LOCK_ADMIN,
		                     &store_bench_actor);
		if (rc < 0)
			return rc;
	}
	return 0;
}

/* Times `rounds` begin/lookup/end; ns[] gets each round's duration. */
static int
store_bench_run(struct store_snapshot *sn, unsigned lines, uint64_t *ns,
                size_t rounds)
{
	struct store_line line;
	char ext[STORE_EXT_MAX];
	uint64_t t0;
	size_t i;
	int rc;

	for (i = 0; i < rounds; i++) {
		/* Even rounds hit a locked line, odd ones miss (20000..). */
		snprintf(ext, sizeof(ext), "%u",
		         (i & 1 ? 20000 : 30000) + (unsigned)(i / 2 % lines));
		t0 = bench_now_ns();
		rc = store_snapshot_begin(sn);
		if (rc == 0) {
			rc = store_snapshot_line(sn, &line, NULL, ext);
			store_snapshot_end(sn);
		}
		ns[i] = bench_now_ns() - t0;
		if (rc != 0 && !(rc == -ENOENT && (i & 1)))
			return rc < 0 ? rc : -EPROTO;
	}
	return 0;
}

static void
store_bench_rmdir(const char *dir)
{
	char path[300];

	snprintf(path, sizeof(path), "%s/data.mdb", dir);
	unlink(path);
	snprintf(path, sizeof(path), "%s/lock.mdb", dir);
	unlink(path);
	rmdir(dir);
}

int
main(int argc, char **argv)
{
	size_t rounds = argc > 1 ? strtoul(argv[1], NULL, 10) : 200000;
	unsigned lines = argc > 2 ? (unsigned)strtoul(argv[2], NULL, 10) : 200;
	struct store_config cfg = {0};
	struct store *st = NULL;
	struct store_snapshot *sn = NULL;
	uint64_t *ns = NULL, total = 0;
	char dir[] = "/tmp/ll-store-bench.XXXXXX";
	int rc = -ENOMEM;
	size_t i;

	if (rounds == 0 || lines == 0 || mkdtemp(dir) == NULL)
		return 2;
	ll_strlcpy(cfg.dir, dir, sizeof(cfg.dir));
	ns = calloc(rounds, sizeof(*ns));
	if (ns == NULL || (rc = store_open(&st, &cfg)) < 0 ||
	    (rc = store_bench_seed(st, lines)) < 0 ||
	    (rc = store_snapshot_new(&sn, st)) < 0 ||
	    (rc = store_bench_run(sn, lines, ns, rounds)) < 0)
		goto fail;
	for (i = 0; i < rounds; i++)
		total += ns[i];
	printf("store_snapshot_lookup lines=%u rounds=%zu mean_ns=%llu "
	       "p50_ns=%llu p99_ns=%llu\n",
	       lines, rounds, (unsigned long long)(total / rounds),
	       (unsigned long long)bench_percentile(ns, rounds, 50),
	       (unsigned long long)bench_percentile(ns, rounds, 99));
	rc = 0;
fail:
	if (rc < 0)
		fprintf(stderr, "store_bench: %s\n", strerror(-rc));
	store_snapshot_free(sn);
	store_close(st);
	store_bench_rmdir(dir);
	free(ns);
	return rc < 0 ? 1 : 0;
}
