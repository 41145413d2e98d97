/* Writes the benchmark's lock records into a linelock storage directory:
 * reads "EXT CODE" lines on stdin; CODE 403 locks the line (admin lock,
 * rejected with 403), 302 locks it and sets its locked action to
 * redirect (302 to URI). Faster than one linelockctl process per line.
 *   ll_seed DIR URI < records */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "storage/store.h"
#include "util.h"

static const struct store_actor ll_seed_actor = {
    .name = "bench",
    .source = "local",
};

static int
ll_seed_line(struct store *st, const char *ext, int code, const char *uri)
{
	int rc;

	rc = store_line_lock(st, NULL, ext, STORE_LOCK_ADMIN, &ll_seed_actor);
	if (rc < 0 || code != 302)
		return rc;
	return store_line_override_set(st, NULL, ext, STORE_ACTION_REDIRECT,
	                               uri, STORE_INHERIT, &ll_seed_actor);
}

int
main(int argc, char **argv)
{
	struct store_config cfg = {0};
	struct store *st = NULL;
	char ext[STORE_EXT_MAX];
	unsigned n = 0;
	int code, rc;

	if (argc != 3) {
		fprintf(stderr,
		        "usage: ll_seed DIR URI < \"EXT CODE\" lines\n");
		return 2;
	}
	ll_strlcpy(cfg.dir, argv[1], sizeof(cfg.dir));
	rc = store_open(&st, &cfg);
	while (rc == 0 && scanf("%31s %d", ext, &code) == 2) {
		rc = ll_seed_line(st, ext, code, argv[2]);
		n++;
	}
	store_close(st);
	if (rc < 0) {
		fprintf(stderr, "ll_seed: %s: line %u: %s\n", argv[1], n,
		        strerror(-rc));
		return 1;
	}
	return 0;
}
