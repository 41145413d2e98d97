/* pol_decide() latency with 100,000 lines and 1,000 patterns.
 *
 *   pol_bench [DECISIONS] [LINES] [PATTERNS]
 *
 * Two runs of DECISIONS calls each, one clock_gettime pair per call:
 *  - memory: lines in a sorted array (bsearch): the decision engine alone;
 *  - lmdb: lines in a real LMDB environment (tmp dir), each decision as
 *    the B2BUA makes it: store_snapshot_begin, pol_decide, end.
 * A third of the lines are locked; a fifth of the calls dial allowlisted
 * numbers, one in fifty an emergency number. A third run, rules, is the
 * memory run with the other restrictions on: Sunday closed with an
 * afterhours list, every other line in class 2 ("0Z."), one call in ten
 * behind an authorization code. Prints p50/p90/p99/max in ns and the
 * DFA's state count. Target (DESIGN.md): p99 < 50 us. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bench/bench.h"
#include "policy/pol.h"
#include "storage/store.h"
#include "util.h"

struct bench_lines {
	struct store_line *v;
	size_t n;
};

static int
line_cmp(const void *a, const void *b)
{
	const struct store_line *x = a, *y = b;
	int c = strcmp(x->partition, y->partition);

	return c ? c : strcmp(x->ext, y->ext);
}

static int
mem_line_get(void *ctx, struct store_line *out, const char *partition,
             const char *ext)
{
	const struct bench_lines *bl = ctx;
	struct store_line key;
	const struct store_line *l;

	ll_strlcpy(key.partition,
	           partition ? partition : STORE_PARTITION_DEFAULT,
	           sizeof(key.partition));
	ll_strlcpy(key.ext, ext, sizeof(key.ext));
	l = bsearch(&key, bl->v, bl->n, sizeof(*l), line_cmp);
	if (!l)
		return -ENOENT;
	*out = *l;
	return 0;
}

static void
lines_make(struct bench_lines *bl, size_t n)
{
	bl->v = calloc(n, sizeof(*bl->v));
	bl->n = n;
	for (size_t i = 0; i < n; i++) {
		char ext[16];

		snprintf(ext, sizeof(ext), "%zu", 100000 + i);
		store_line_defaults(&bl->v[i], NULL, ext);
		bl->v[i].lock = i % 3 == 0 ? STORE_LOCK_USER : STORE_LOCK_NONE;
		bl->v[i].pin.iterations = STORE_HASH_ITER_DEFAULT;
	}
	qsort(bl->v, n, sizeof(*bl->v), line_cmp);
}

/* npat allowlist patterns: exact numbers, X runs, ranges and tails. */
static char (*patterns_make(size_t npat))[STORE_PATTERN_MAX]
{
	char(*p)[STORE_PATTERN_MAX] = calloc(npat, sizeof(*p));

	for (size_t i = 0; i < npat; i++) {
		size_t k = i % 10000;

		switch (i % 4) {
		case 0:
			snprintf(p[i], sizeof(p[i]), "0049%07zu",
			         i * 7919 % 9999999);
			break;
		case 1:
			snprintf(p[i], sizeof(p[i]), "0800%03zuXXX", i % 1000);
			break;
		case 2:
			snprintf(p[i], sizeof(p[i]), "+44%04zu[2-7]X.", k);
			break;
		default:
			snprintf(p[i], sizeof(p[i]), "00%04zuN!", k);
			break;
		}
	}
	return p;
}

struct call {
	char ext[16];
	char dialled[32];
};

static struct call *
calls_make(size_t n, size_t nlines, size_t npat)
{
	struct call *c = calloc(n, sizeof(*c));
	unsigned seed = 42;

	for (size_t i = 0; i < n; i++) {
		size_t line = (size_t)rand_r(&seed) % nlines;
		unsigned r = (unsigned)rand_r(&seed) % 100;

		snprintf(c[i].ext, sizeof(c[i].ext), "%zu", 100000 + line);
		if (r < 2)
			ll_strlcpy(c[i].dialled, "9112", sizeof(c[i].dialled));
		else if (r < 22 && npat >= 4) {
			/* Pattern 4k + 1 is 0800NNNXXX: an allowlisted call. */
			size_t idx = (size_t)rand_r(&seed) % (npat / 4) * 4 + 1;

			snprintf(c[i].dialled, sizeof(c[i].dialled),
			         "0800%03zu%03u", idx % 1000,
			         (unsigned)rand_r(&seed) % 1000);
		} else
			snprintf(c[i].dialled, sizeof(c[i].dialled), "0%09u",
			         (unsigned)rand_r(&seed) % 1000000000u);
	}
	return c;
}

static void
report(const char *what, uint64_t *ns, size_t n, const unsigned *verdicts)
{
	uint64_t p50 = bench_percentile(ns, n, 50);
	uint64_t p90 = bench_percentile(ns, n, 90);
	uint64_t p99 = bench_percentile(ns, n, 99);

	printf("%-7s %zu decisions: p50 %llu ns, p90 %llu ns, p99 %llu ns, "
	       "max %llu ns  [forward %u, reject %u, redirect %u, local %u]\n",
	       what, n, (unsigned long long)p50, (unsigned long long)p90,
	       (unsigned long long)p99, (unsigned long long)ns[n - 1],
	       verdicts[POL_FORWARD], verdicts[POL_REJECT],
	       verdicts[POL_REDIRECT], verdicts[POL_LOCAL]);
}

static void
run_memory(const struct pol_snapshot *snap, const struct call *calls, size_t n,
           uint64_t *ns)
{
	unsigned verdicts[4] = {0};

	for (size_t i = 0; i < n; i++) {
		struct pol_facts f = {.direction = POL_OUTGOING,
		                      .caller_ext = calls[i].ext,
		                      .dialled = calls[i].dialled,
		                      .now = 1700000000,
		                      .is_registered_phone = true};
		struct pol_verdict v;
		uint64_t t0 = bench_now_ns();

		pol_decide(&f, snap, &v);
		ns[i] = bench_now_ns() - t0;
		verdicts[v.action]++;
	}
	report("memory", ns, n, verdicts);
}

static int
mem_authcode_get(void *ctx, struct store_authcode *out, const char *code)
{
	(void)ctx;
	if (strcmp(code, "7777"))
		return -ENOENT;
	memset(out, 0, sizeof(*out));
	ll_strlcpy(out->name, "bench", sizeof(out->name));
	return 0;
}

/* The memory run with after hours, classes and authorization codes. */
static void
run_rules(struct pol_snapshot *snap, struct bench_lines *bl,
          const struct call *calls, size_t n, uint64_t *ns)
{
	const char *ah[] = {"00.", "0900."}, *c2[] = {"0Z."};
	struct store_settings st = *snap->settings;
	struct pol_patterns *afterhours, *cls;
	unsigned verdicts[4] = {0};
	char dialled[48];

	if (pol_patterns_new(&afterhours, ah, ARRAY_SIZE(ah), NULL) < 0 ||
	    pol_patterns_new(&cls, c2, ARRAY_SIZE(c2), NULL) < 0)
		return;
	st.hours[0].open = st.hours[0].close = 0;
	snap->settings = &st;
	snap->afterhours = afterhours;
	snap->classes[1] = cls;
	snap->authcode_get = mem_authcode_get;
	for (size_t i = 0; i < bl->n; i += 2)
		bl->v[i].cor_class = 2;
	for (size_t i = 0; i < n; i++) {
		struct pol_facts f = {.direction = POL_OUTGOING,
		                      .caller_ext = calls[i].ext,
		                      .dialled = calls[i].dialled,
		                      .now = 1700000000,
		                      .weekday = (uint8_t)(i % 7),
		                      .minute_of_day = 720,
		                      .is_registered_phone = true};
		struct pol_verdict v;
		uint64_t t0;

		if (i % 10 == 0) {
			snprintf(dialled, sizeof(dialled), "*757777*%s",
			         calls[i].dialled);
			f.dialled = dialled;
		}
		t0 = bench_now_ns();
		pol_decide(&f, snap, &v);
		ns[i] = bench_now_ns() - t0;
		verdicts[v.action]++;
	}
	report("rules", ns, n, verdicts);
	pol_patterns_free(afterhours);
	pol_patterns_free(cls);
}

static int
run_lmdb(const struct bench_lines *bl, const struct call *calls, size_t n,
         uint64_t *ns, const char *const *pats, size_t npat)
{
	struct store_config cfg = {.map_size = (uint64_t)512 << 20};
	struct store_actor who = {"bench", "local"};
	struct pol_lists lists = {0};
	struct store_snapshot *sn;
	struct pol_snapshot snap;
	unsigned verdicts[4] = {0};
	uint64_t used, map;
	struct store *st;
	char dir[] = "/tmp/ll-polbench-XXXXXX";
	int rc;

	if (!mkdtemp(dir))
		return -errno;
	ll_strlcpy(cfg.dir, dir, sizeof(cfg.dir));
	rc = store_open(&st, &cfg);
	if (rc == 0)
		rc = store_line_import(st, bl->v, bl->n, &who);
	if (rc == 0)
		rc = store_list_replace(st, STORE_LIST_ALLOW, pats, npat, &who);
	if (rc == 0)
		rc = store_setting_set(st, "outside_line_prefix", "9", &who,
		                       NULL, 0);
	if (rc == 0)
		rc = store_snapshot_new(&sn, st);
	if (rc < 0)
		goto out;
	for (size_t i = 0; i < n; i++) {
		struct pol_facts f = {.direction = POL_OUTGOING,
		                      .caller_ext = calls[i].ext,
		                      .dialled = calls[i].dialled,
		                      .now = 1700000000,
		                      .is_registered_phone = true};
		struct pol_verdict v;
		uint64_t t0 = bench_now_ns();

		store_snapshot_begin(sn);
		pol_lists_refresh(&lists, sn);
		pol_snapshot_from_store(&snap, sn, &lists);
		pol_decide(&f, &snap, &v);
		store_snapshot_end(sn);
		ns[i] = bench_now_ns() - t0;
		verdicts[v.action]++;
	}
	report("lmdb", ns, n, verdicts);
	if (store_usage(st, &used, &map) == 0)
		printf("lmdb    %zu lines + %zu patterns: %.1f MiB of data\n",
		       bl->n, npat, (double)used / (1 << 20));
	store_snapshot_free(sn);
	pol_lists_clear(&lists);
out:
	store_close(st);
	snprintf(cfg.dir, sizeof(cfg.dir), "%s/data.mdb", dir);
	unlink(cfg.dir);
	snprintf(cfg.dir, sizeof(cfg.dir), "%s/lock.mdb", dir);
	unlink(cfg.dir);
	rmdir(dir);
	return rc;
}

int
main(int argc, char **argv)
{
	size_t n = argc > 1 ? strtoul(argv[1], NULL, 10) : 1000000;
	size_t nlines = argc > 2 ? strtoul(argv[2], NULL, 10) : 100000;
	size_t npat = argc > 3 ? strtoul(argv[3], NULL, 10) : 1000;
	const char *em[] = {"112", "911", "999", "000", "110", "118", "119"};
	struct store_settings settings;
	struct pol_patterns *emergency, *allow;
	struct bench_lines bl;
	struct pol_snapshot snap;
	char(*pats)[STORE_PATTERN_MAX];
	const char **pp;
	struct call *calls;
	uint64_t *ns, t0;
	int rc;

	if (n == 0 || nlines == 0)
		return 2;
	lines_make(&bl, nlines);
	pats = patterns_make(npat);
	pp = calloc(npat ? npat : 1, sizeof(*pp));
	for (size_t i = 0; i < npat; i++)
		pp[i] = pats[i];
	t0 = bench_now_ns();
	if (pol_patterns_new(&allow, pp, npat, NULL) < 0 ||
	    pol_patterns_new(&emergency, em, ARRAY_SIZE(em), NULL) < 0)
		return 1;
	printf("compiled %zu patterns into %zu DFA states in %.2f ms\n", npat,
	       pol_patterns_states(allow), (double)(bench_now_ns() - t0) / 1e6);
	store_settings_defaults(&settings);
	ll_strlcpy(settings.outside_line_prefix, "9",
	           sizeof(settings.outside_line_prefix));
	calls = calls_make(n, nlines, npat);
	ns = calloc(n, sizeof(*ns));
	snap = (struct pol_snapshot){.settings = &settings,
	                             .emergency = emergency,
	                             .allow = allow,
	                             .line_get = mem_line_get,
	                             .line_ctx = &bl};
	run_memory(&snap, calls, n, ns);
	rc = run_lmdb(&bl, calls, n, ns, pp, npat);
	if (rc < 0)
		fprintf(stderr, "pol_bench: lmdb run: %s\n",
		        store_strerror(rc));
	run_rules(&snap, &bl, calls, n, ns);
	pol_patterns_free(allow);
	pol_patterns_free(emergency);
	free(calls);
	free(ns);
	free(pp);
	free(pats);
	free(bl.v);
	return rc < 0 ? 1 : 0;
}
