/* Config loader: every kind of good and bad file. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "conf.h"
#include "util.h"

#define MINIMAL "[sip]\nlisten = udp:127.0.0.1:5060\n" \
		"core = udp:127.0.0.1:5070\n[storage]\ndir = /tmp/x\n"

/* Loads text as a config file; errors land in errbuf. */
static int
load_text(struct conf *c, const char *text, char *errbuf, size_t len)
{
	char path[] = "/tmp/ll-conf-XXXXXX";
	int fd = mkstemp(path);
	FILE *errs = fmemopen(errbuf, len, "w");
	int rc;

	assert_true(fd >= 0);
	assert_non_null(errs);
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
	memset(errbuf, 0, len);
	rc = conf_load(c, path, errs);
	fclose(errs);
	unlink(path);
	/* Make messages path-independent for the assertions. */
	for (char *p; (p = strstr(errbuf, path));)
		memcpy(p, "CONF", 4), memmove(p + 4, p + strlen(path),
		    strlen(p + strlen(path)) + 1);
	return rc;
}

static void
test_conf_minimal_ok(void **state)
{
	struct conf c;
	char err[1024];

	(void)state;
	assert_int_equal(load_text(&c, MINIMAL, err, sizeof(err)), 0);
	assert_string_equal(err, "");
	assert_int_equal(c.n_listen, 1);
	assert_int_equal(c.listen[0].transport, NET_UDP);
	assert_int_equal(c.n_core, 1);
	assert_string_equal(c.storage_dir, "/tmp/x");
	assert_false(c.web_enabled);
	assert_int_equal(c.max_message, 65535);
	assert_int_equal(c.log_level, LOG_LVL_INFO);
}

static void
test_conf_lists_and_inline_comments(void **state)
{
	struct conf c;
	char err[1024];
	const char *text =
	    "[sip]\n"
	    "listen  = udp:127.0.0.1:5060, tcp:127.0.0.1:5060 ; two\n"
	    "core    = udp:127.0.0.1:5070\n"
	    "trusted = 127.0.0.1/32, 10.1.2.3/8\n"
	    "max_message = 8K\n"
	    "[storage]\ndir = d\nmap_size = 16M\n"
	    "[log]\nlevel = debug\nsyslog = off\n"
	    "[web]\nlisten = 127.0.0.1:8081\n";

	(void)state;
	if (!IS_ENABLED(CONFIG_WEB)) {
		/* Without the console its listen address is refused. */
		assert_int_equal(load_text(&c, text, err, sizeof(err)), -22);
		assert_non_null(strstr(err, "CONF:13: [web] listen: "
					    "\"127.0.0.1:8081\" the web console "
					    "is not built in"));
		return;
	}
	assert_int_equal(load_text(&c, text, err, sizeof(err)), 0);
	assert_string_equal(err, "");
	assert_int_equal(c.n_listen, 2);
	assert_int_equal(c.listen[1].transport, NET_TCP);
	assert_int_equal(c.n_trusted, 2);
	assert_int_equal(c.trusted[1].bytes[0], 10);
	assert_int_equal(c.trusted[1].bytes[1], 0);	/* host bits cleared */
	assert_int_equal(c.max_message, 8192);
	assert_int_equal(c.map_size, 16u << 20);
	assert_true(c.web_enabled);
	assert_int_equal(c.log_level, LOG_LVL_DEBUG);
}

struct bad_case {
	const char *text;
	const char *expect;	/* substring of the error output */
};

static const struct bad_case bad_cases[] = {
	{MINIMAL "[sip]\nbogus = 1\n", "CONF:7: [sip] bogus: unknown key"},
	{MINIMAL "[nope]\nx = 1\n", "CONF:7: [nope] x: unknown section"},
	{"[sip]\nlisten = udp:127.0.0.1:5060\ncore = udp:10.0.0/8\n"
	 "[storage]\ndir = d\n",
	    "CONF:3: [sip] core: \"udp:10.0.0/8\" is not transport:address:port"},
	{MINIMAL "[sip]\ntrusted = 10.0.0/8\n",
	    "CONF:7: [sip] trusted: \"10.0.0/8\" is not an address or CIDR"},
	{MINIMAL "[sip]\ntrusted = 10.0.0.0/33\n", "is not an address or CIDR"},
	{MINIMAL "[sip]\nmax_message = 10\n", "must be a size from 1K to 1M"},
	{MINIMAL "[sip]\nmax_message = 12Q\n", "must be a size from 1K to 1M"},
	{MINIMAL "[log]\nlevel = loud\n",
	    "[log] level: \"loud\" must be error, warn, info or debug"},
	{MINIMAL "[web]\nlisten = 127.0.0.1:99999\n",
	    IS_ENABLED(CONFIG_WEB) ? "is not address:port"
				   : "the web console is not built in"},
	{MINIMAL "[web]\ntls = maybe\n", "must be on or off"},
	{"[sip]\nlisten = udp:127.0.0.1:5060\n[storage]\ndir = d\n",
	    "CONF: [sip] core: missing (required)"},
	{MINIMAL "[sip]\nlisten = tcp:127.0.0.1:5061\n",
	    "[sip] listen: set twice"},
	{MINIMAL "this is not ini\n", "CONF:6: syntax error"},
	{"[sip]\nlisten = sctp:127.0.0.1:1\ncore = udp:127.0.0.1:1\n"
	 "[storage]\ndir = d\n", "CONF:2: [sip] listen: \"sctp:127.0.0.1:1\" is not transport"},
	{MINIMAL "[sip]\ndomain = a b\n", "is not a host name"},
};

static void
test_conf_bad_files_name_line_and_key(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(bad_cases) / sizeof(bad_cases[0]); i++) {
		struct conf c;
		char err[2048];
		int rc = load_text(&c, bad_cases[i].text, err, sizeof(err));

		if (rc != -22 || !strstr(err, bad_cases[i].expect))
			fail_msg("case %zu: rc %d, got \"%s\", want \"%s\"", i,
			    rc, err, bad_cases[i].expect);
	}
}

static void
test_conf_reports_every_error(void **state)
{
	struct conf c;
	char err[2048];
	const char *text = "[sip]\nlisten = nowhere\ncore = x\n[storage]\n"
			   "map_size = 1\n[x]\ny = 1\n";
	int lines = 0;

	(void)state;
	assert_int_equal(load_text(&c, text, err, sizeof(err)), -22);
	for (const char *p = err; (p = strchr(p, '\n')); p++)
		lines++;
	/* listen, core, map_size, [x] y, storage dir missing */
	assert_int_equal(lines, 5);
}

static void
test_conf_missing_file(void **state)
{
	struct conf c;
	char err[256] = {0};
	FILE *errs = fmemopen(err, sizeof(err), "w");

	(void)state;
	assert_int_equal(conf_load(&c, "/nonexistent/ll.conf", errs), -2);
	fclose(errs);
	assert_non_null(strstr(err, "/nonexistent/ll.conf: cannot open"));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_conf_minimal_ok),
	    cmocka_unit_test(test_conf_lists_and_inline_comments),
	    cmocka_unit_test(test_conf_bad_files_name_line_and_key),
	    cmocka_unit_test(test_conf_reports_every_error),
	    cmocka_unit_test(test_conf_missing_file),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
