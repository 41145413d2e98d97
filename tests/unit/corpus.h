/* For the differential unit tests: every message file of a corpus
 * directory (tests/fuzz/corpus/sip, tests/fuzz/crashers/sip,
 * ../shared/testdata/rfc4475), read whole and handed to fn. Not messages,
 * so skipped: dot files, subdirectories (rfc4475/errata), empty files,
 * files over 1 MiB, and the notes and checksums kept beside the inputs
 * (*.md, *.tsv, *SUMS). Include after <cmocka.h>. */
#ifndef LL_TEST_CORPUS_H
#define LL_TEST_CORPUS_H

#include <dirent.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define TEST_CORPUS_MAX (1L << 20)

static inline bool
test_corpus_skipped(const char *name)
{
	return name[0] == '.' || strstr(name, ".md") ||
	    strstr(name, ".tsv") || strstr(name, "SUMS");
}

/* The file's bytes, malloc'd (*len of them), or NULL when it is not a
 * message file. */
static inline char *
test_corpus_read(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *buf = NULL;
	long n;

	if (!f)
		return NULL;
	if (fseek(f, 0, SEEK_END) == 0 && (n = ftell(f)) > 0 &&
	    n <= TEST_CORPUS_MAX && fseek(f, 0, SEEK_SET) == 0 &&
	    (buf = malloc((size_t)n)) != NULL &&
	    fread(buf, 1, (size_t)n, f) != (size_t)n) {
		free(buf);
		buf = NULL;
	}
	if (buf)
		*len = (size_t)n;
	fclose(f);
	return buf;
}

/* Calls fn on each message file of dir; returns how many. */
static inline size_t
test_corpus_each(const char *dir, void (*fn)(const char *buf, size_t len))
{
	DIR *d = opendir(dir);
	struct dirent *e;
	size_t n = 0;

	if (!d)
		fail_msg("cannot open %s (run from the repository's top)", dir);
	while ((e = readdir(d)) != NULL) {
		char path[1024], *buf;
		size_t len;

		if (test_corpus_skipped(e->d_name))
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		if (!(buf = test_corpus_read(path, &len)))
			continue;
		fn(buf, len);
		free(buf);
		n++;
	}
	closedir(d);
	return n;
}

#endif
