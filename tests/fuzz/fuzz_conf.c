/* Fuzz target: the INI config loader, conf_load(), as linelockd and
 * `linelockd --check-config` run it. conf_load() takes a path, so every
 * input is written to one anonymous memory file (memfd) and loaded
 * through /proc/self/fd/N; error messages go to /dev/null. Whatever the
 * bytes, the loader must return 0 or a negative errno and leave a
 * consistent struct conf (counts within their arrays, strings
 * terminated). */
#define _GNU_SOURCE
#include <assert.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "conf.h"
#include "tests/fuzz/fuzz.h"

static int fuzz_fd = -1;
static FILE *fuzz_errs;
static char fuzz_path[64];

static void
fuzz_conf_init(void)
{
	fuzz_fd = memfd_create("linelock.conf", MFD_CLOEXEC);
	if (fuzz_fd < 0)
		abort();
	snprintf(fuzz_path, sizeof(fuzz_path), "/proc/self/fd/%d", fuzz_fd);
	fuzz_errs = fopen("/dev/null", "w");
	if (!fuzz_errs)
		abort();
}

/* Checks the invariants a successful or failed load leaves behind. */
static void
fuzz_conf_check(const struct conf *c)
{
	assert(c->n_listen <= CONF_MAX_ENDPOINTS);
	assert(c->n_core <= CONF_MAX_ENDPOINTS);
	assert(c->n_trusted <= CONF_MAX_CIDRS);
	assert(memchr(c->storage_dir, '\0', sizeof(c->storage_dir)));
	assert(memchr(c->domain, '\0', sizeof(c->domain)));
	assert(memchr(c->sip_tls_cert, '\0', sizeof(c->sip_tls_cert)));
	assert(memchr(c->web_tls_key, '\0', sizeof(c->web_tls_key)));
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct conf c;
	int rc;

	if (fuzz_fd < 0)
		fuzz_conf_init();
	if (ftruncate(fuzz_fd, 0) < 0 ||
	    pwrite(fuzz_fd, data, size, 0) != (ssize_t)size)
		abort();
	rc = conf_load(&c, fuzz_path, fuzz_errs);
	assert(rc == 0 || rc == -EINVAL);
	fuzz_conf_check(&c);
	return 0;
}

void
fuzz_teardown(void)
{
	if (fuzz_errs)
		fclose(fuzz_errs);
	if (fuzz_fd >= 0)
		close(fuzz_fd);
	fuzz_errs = NULL;
	fuzz_fd = -1;
}
