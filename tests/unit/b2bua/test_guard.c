/* The guard's offence table (b2bua/guard.c) without sockets or storage:
 * the threshold within the window bans, trusted peers, core hosts and
 * never_ban are never counted, v4-mapped IPv6 counts as its IPv4, a
 * REGISTER refusal counts only after credentials were sent, and the
 * table of tracked addresses is bounded by max_bans. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <arpa/inet.h>

#include <cmocka.h>

#include "b2bua/internal.h"

#if IS_ENABLED(CONFIG_GUARD)

struct fx {
	uv_loop_t loop;
	struct b2b *b;
};

static struct sockaddr *
ip(struct sockaddr_storage *ss, const char *text)
{
	memset(ss, 0, sizeof(*ss));
	if (strchr(text, ':')) {
		struct sockaddr_in6 *a = (struct sockaddr_in6 *)ss;

		a->sin6_family = AF_INET6;
		assert_int_equal(inet_pton(AF_INET6, text, &a->sin6_addr), 1);
	} else {
		struct sockaddr_in *a = (struct sockaddr_in *)ss;

		a->sin_family = AF_INET;
		a->sin_port = htons(40000);
		assert_int_equal(inet_pton(AF_INET, text, &a->sin_addr), 1);
	}
	return (struct sockaddr *)ss;
}

static int
setup(void **state)
{
	static struct fx f;
	struct b2b_settings s;

	memset(&s, 0, sizeof(s));
	assert_int_equal(net_endpoint_parse("udp:127.0.0.1:5070", 5060,
	                                    &s.core[0]),
	                 0);
	s.n_core = 1;
	assert_int_equal(net_cidr_parse("10.0.0.0/8", &s.trusted[0]), 0);
	s.n_trusted = 1;
	s.guard.enabled = true;
	s.guard.threshold = 3;
	s.guard.window = 60;
	s.guard.ban_time = 600;
	s.guard.ban_time_max = 6000;
	s.guard.max_bans = 16;
	assert_int_equal(net_cidr_parse("192.0.2.0/24", &s.guard.never[0]),
	                 0);
	s.guard.n_never = 1;
	assert_int_equal(uv_loop_init(&f.loop), 0);
	assert_int_equal(b2b_new(&f.b, &f.loop, NULL, &s), 0);
	*state = &f;
	return 0;
}

static int
teardown(void **state)
{
	struct fx *f = *state;

	b2b_free(f->b);
	uv_run(&f->loop, UV_RUN_DEFAULT);
	assert_int_equal(uv_loop_close(&f->loop), 0);
	return 0;
}

static void
stats(struct fx *f, uint64_t *offences, uint64_t *bans)
{
	struct b2b_stats st;

	b2b_stats_get(f->b, &st);
	*offences = st.guard_offences;
	*bans = st.guard_bans;
}

static void
test_guard_threshold_bans(void **state)
{
	struct fx *f = *state;
	struct sockaddr_storage a;
	uint64_t off, bans;

	b2b__guard_offence(f->b, ip(&a, "198.51.100.1"), B2B_OFF_UNKNOWN);
	b2b__guard_offence(f->b, ip(&a, "198.51.100.1"), B2B_OFF_PIN);
	stats(f, &off, &bans);
	assert_int_equal(off, 2);
	assert_int_equal(bans, 0);
	/* The same host, as a v4-mapped IPv6 source: the third offence. */
	b2b__guard_offence(f->b, ip(&a, "::ffff:198.51.100.1"),
	                   B2B_OFF_REGISTER);
	stats(f, &off, &bans);
	assert_int_equal(bans, 1);
	/* Another address has its own count. */
	b2b__guard_offence(f->b, ip(&a, "2001:db8::1"), B2B_OFF_UNKNOWN);
	stats(f, &off, &bans);
	assert_int_equal(off, 4);
	assert_int_equal(bans, 1);
}

static void
test_guard_never_counts_exempt(void **state)
{
	static const char *const exempt[] = {
	    "10.1.2.3",    /* trusted */
	    "127.0.0.1",   /* the core host, any port */
	    "192.0.2.77",  /* never_ban */
	    "::ffff:10.9.9.9",
	};
	struct fx *f = *state;
	struct sockaddr_storage a;
	uint64_t off, bans;

	for (size_t i = 0; i < ARRAY_SIZE(exempt); i++)
		for (int k = 0; k < 5; k++)
			b2b__guard_offence(f->b, ip(&a, exempt[i]),
			                   B2B_OFF_SCANNER);
	stats(f, &off, &bans);
	assert_int_equal(off, 0);
	assert_int_equal(bans, 0);
}

static void
test_guard_register_needs_credentials(void **state)
{
	struct fx *f = *state;
	struct sockaddr_storage a;
	osip_message_t *m = NULL;
	uint64_t off, bans;

	assert_int_equal(sip_msg_new_request(&m, "REGISTER", "sip:pbx.test",
	                                     "<sip:205@pbx.test>;tag=a",
	                                     "<sip:205@pbx.test>", "r@x", 1),
	                 0);
	/* The challenge itself (401 to a REGISTER without credentials). */
	b2b__guard_register_failed(f->b, m, 401, ip(&a, "203.0.113.5"));
	stats(f, &off, &bans);
	assert_int_equal(off, 0);
	assert_int_equal(osip_message_set_authorization(
	                     m, "Digest username=\"205\", realm=\"pbx\", "
	                        "nonce=\"n\", uri=\"sip:pbx.test\", "
	                        "response=\"00\""),
	                 0);
	b2b__guard_register_failed(f->b, m, 200, ip(&a, "203.0.113.5"));
	b2b__guard_register_failed(f->b, m, 404, ip(&a, "203.0.113.5"));
	stats(f, &off, &bans);
	assert_int_equal(off, 0);
	b2b__guard_register_failed(f->b, m, 401, ip(&a, "203.0.113.5"));
	b2b__guard_register_failed(f->b, m, 403, ip(&a, "203.0.113.5"));
	b2b__guard_register_failed(f->b, m, 407, ip(&a, "203.0.113.5"));
	stats(f, &off, &bans);
	assert_int_equal(off, 3);
	assert_int_equal(bans, 1);
	osip_message_free(m);
}

static void
test_guard_table_bounded(void **state)
{
	struct fx *f = *state;
	struct sockaddr_storage a;
	uint64_t off, bans;
	char text[32];

	for (int i = 0; i < 20; i++) {
		snprintf(text, sizeof(text), "198.51.100.%d", 10 + i);
		b2b__guard_offence(f->b, ip(&a, text), B2B_OFF_UNKNOWN);
	}
	stats(f, &off, &bans);
	assert_int_equal(off, 16);	/* max_bans addresses tracked */
	/* A tracked address goes on counting. */
	b2b__guard_offence(f->b, ip(&a, "198.51.100.10"), B2B_OFF_UNKNOWN);
	b2b__guard_offence(f->b, ip(&a, "198.51.100.10"), B2B_OFF_UNKNOWN);
	stats(f, &off, &bans);
	assert_int_equal(off, 18);
	assert_int_equal(bans, 1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_guard_threshold_bans, setup,
	                                    teardown),
	    cmocka_unit_test_setup_teardown(test_guard_never_counts_exempt,
	                                    setup, teardown),
	    cmocka_unit_test_setup_teardown(
	        test_guard_register_needs_credentials, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_guard_table_bounded, setup,
	                                    teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

#else

/* Built without CONFIG_GUARD: nothing to test. */
static void
test_guard_not_built(void **state)
{
	(void)state;
	skip();
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_guard_not_built),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

#endif
