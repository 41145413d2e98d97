/* A fresh directory per test for a real LMDB environment, removed after.
 * LMDB keeps two flat files (data.mdb, lock.mdb): no recursion needed. */
#ifndef LL_TEST_TMPDIR_H
#define LL_TEST_TMPDIR_H

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static inline void
tmpdir_make(char *buf, size_t len)
{
	snprintf(buf, len, "/tmp/ll-store-XXXXXX");
	if (!mkdtemp(buf))
		abort();
}

static inline void
tmpdir_remove(const char *dir)
{
	char path[512];
	struct dirent *e;
	DIR *d = opendir(dir);

	while (d && (e = readdir(d))) {
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		unlink(path);
	}
	if (d)
		closedir(d);
	rmdir(dir);
}

#endif
