/* Replays a fuzz target's inputs without libFuzzer, so that gcc builds
 * every target too and `make test` keeps every crasher fixed.
 *
 * Built once per target as $(BUILD)/tests/fuzz/test_fuzz_<name> (cmocka),
 * which tests/run.sh runs like any unit test, then under valgrind. Two
 * cases: the checked-in seed corpus (tests/fuzz/corpus/<name>/) and the
 * crashers the fuzzers found (tests/fuzz/crashers/<name>/). A crasher
 * that crashes again takes the binary down with it, which fails the run.
 *
 * With file arguments it runs just those inputs (reproducing a libFuzzer
 * artifact under gdb or valgrind): test_fuzz_sip crash-1234. */
#include <dirent.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <cmocka.h>

#include "tests/fuzz/fuzz.h"

#ifndef LL_FUZZ_DIR
#error "LL_FUZZ_DIR (tests/fuzz, absolute) is set by tests/fuzz/fuzz.mk"
#endif
#ifndef LL_FUZZ_NAME
#error "LL_FUZZ_NAME (the target) is set by tests/fuzz/fuzz.mk"
#endif

/* Largest input replayed: libFuzzer runs are capped below this. */
#define REPLAY_MAX (1u << 20)

/* Reads path into a new buffer of exactly its size, so that ASan and
 * valgrind see a read past the end of the input. -errno. */
static int
replay_read(uint8_t **out, size_t *len, const char *path)
{
	FILE *f = fopen(path, "rb");
	uint8_t *buf;
	struct stat st;

	if (!f)
		return -errno;
	if (fstat(fileno(f), &st) < 0 || st.st_size > REPLAY_MAX) {
		fclose(f);
		return -EFBIG;
	}
	/* malloc(0) may return NULL: always ask for at least a byte. */
	buf = malloc(st.st_size ? (size_t)st.st_size : 1);
	if (!buf) {
		fclose(f);
		return -ENOMEM;
	}
	if (st.st_size && fread(buf, 1, (size_t)st.st_size, f) !=
	    (size_t)st.st_size) {
		free(buf);
		fclose(f);
		return -EIO;
	}
	fclose(f);
	*out = buf;
	*len = (size_t)st.st_size;
	return 0;
}

static int
replay_file(const char *path)
{
	uint8_t *buf = NULL;
	size_t len = 0;
	int rc = replay_read(&buf, &len, path);

	if (rc < 0) {
		fprintf(stderr, "%s: %s\n", path, strerror(-rc));
		return rc;
	}
	LLVMFuzzerTestOneInput(buf, len);
	free(buf);
	return 0;
}

static int
replay_name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Replays every regular file of dir in name order; returns how many, or
 * -errno. A missing directory is an empty one. */
static int
replay_dir(const char *dir)
{
	char path[4096];
	char **names = NULL;
	size_t n = 0, cap = 0;
	struct dirent *de;
	DIR *d = opendir(dir);
	int count = 0;

	if (!d)
		return errno == ENOENT ? 0 : -errno;
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		if (n == cap) {
			char **nn = realloc(names, (cap = cap ? cap * 2 : 64) *
			    sizeof(*names));

			assert_non_null(nn);
			names = nn;
		}
		names[n] = strdup(de->d_name);
		assert_non_null(names[n]);
		n++;
	}
	closedir(d);
	if (n)
		qsort(names, n, sizeof(*names), replay_name_cmp);
	for (size_t i = 0; i < n; i++) {
		struct stat st;

		snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
		if (stat(path, &st) == 0 && S_ISREG(st.st_mode)) {
			assert_int_equal(replay_file(path), 0);
			count++;
		}
		free(names[i]);
	}
	free(names);
	return count;
}

static void
test_fuzz_replay_corpus(void **state)
{
	int n = replay_dir(LL_FUZZ_DIR "/corpus/" LL_FUZZ_NAME);

	(void)state;
	assert_true(n > 0);	/* every target has seeds */
	printf("%s: %d corpus inputs replayed\n", LL_FUZZ_NAME, n);
}

static void
test_fuzz_replay_crashers(void **state)
{
	int n = replay_dir(LL_FUZZ_DIR "/crashers/" LL_FUZZ_NAME);

	(void)state;
	assert_true(n >= 0);
	printf("%s: %d crashers replayed\n", LL_FUZZ_NAME, n);
}

int
main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_fuzz_replay_corpus),
	    cmocka_unit_test(test_fuzz_replay_crashers),
	};

	if (argc > 1) {
		int rc = 0;

		for (int i = 1; i < argc; i++)
			if (replay_file(argv[i]) < 0)
				rc = 1;
		fuzz_teardown();
		return rc;
	}
	int rc = cmocka_run_group_tests_name("fuzz_" LL_FUZZ_NAME, tests,
	    NULL, NULL);

	fuzz_teardown();
	return rc;
}
