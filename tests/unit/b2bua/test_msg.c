/* b2bua/msg.c's builders against what they replaced: our Contact, made
 * from a URI parsed once per listener, must print as the text
 * "<sip:user@host;transport=x>" parsed by libosip2 each time did, for
 * every transport, IPv4 and IPv6, and for users plain, escaped, odd and
 * too long. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <arpa/inet.h>
#include <cmocka.h>

#include "b2bua/internal.h"
#include "sip/internal.h"

struct fx {
	uv_loop_t loop;
	struct b2b *b;
	struct sip_stack *s;
	int closed;
};

static void
fx_open(struct fx *f)
{
	struct b2b_settings set;
	struct sip_config cfg;
	struct sip_tu tu;

	memset(f, 0, sizeof(*f));
	assert_int_equal(uv_loop_init(&f->loop), 0);
	memset(&set, 0, sizeof(set));
	assert_int_equal(
	    net_endpoint_parse("udp:127.0.0.1:5070", 5060, &set.core[0]), 0);
	set.n_core = 1;
	set.max_calls = 4;
	assert_int_equal(b2b_new(&f->b, &f->loop, NULL, &set), 0);
	memset(&cfg, 0, sizeof(cfg));
	/* Any free ports. */
	assert_int_equal(
	    net_endpoint_parse("udp:127.0.0.1", 5060, &cfg.listen[0]), 0);
	assert_int_equal(
	    net_endpoint_parse("tcp:127.0.0.1", 5060, &cfg.listen[1]), 0);
	((struct sockaddr_in *)&cfg.listen[0].addr)->sin_port = 0;
	((struct sockaddr_in *)&cfg.listen[1].addr)->sin_port = 0;
	cfg.n_listen = 2;
	/* A build without IPv6 (make min) refuses the address itself. */
	if (IS_ENABLED(CONFIG_IPV6)) {
		assert_int_equal(
		    net_endpoint_parse("udp:[::1]", 5060, &cfg.listen[2]), 0);
		((struct sockaddr_in6 *)&cfg.listen[2].addr)->sin6_port = 0;
		cfg.n_listen = 3;
	}
	cfg.max_transactions = 16;
	b2b_sip_tu(f->b, &tu);
	assert_int_equal(sip_stack_new(&f->s, &f->loop, &cfg, &tu), 0);
	b2b_start(f->b, f->s);
}

static void
fx_on_closed(void *arg)
{
	((struct fx *)arg)->closed++;
}

static void
fx_close(struct fx *f)
{
	b2b_free(f->b);
	sip_stack_close(f->s, fx_on_closed, f);
	uv_run(&f->loop, UV_RUN_DEFAULT);
	assert_int_equal(f->closed, 1);
	assert_int_equal(uv_loop_close(&f->loop), 0);
}

/* b2b__contact_set() as it was: the text parsed by libosip2. */
static int
ref_contact_set(osip_message_t *m, struct b2b *b, const struct sip_dest *toward,
                const char *user)
{
	char host[B2B_HOST_MAX];
	char val[B2B_TARGET_MAX];
	int rc;

	rc = sip_stack_contact_host(b->sip, toward->transport,
	                            toward->addr.ss_family, host, sizeof(host));
	if (rc < 0)
		return rc;
	if (!b2b__join(val, sizeof(val), "<sip:", user && *user ? user : "",
	               user && *user ? "@" : "", host,
	               toward->transport == NET_UDP   ? ""
	               : toward->transport == NET_TCP ? ";transport=tcp"
	                                              : ";transport=tls",
	               ">", (char *)NULL))
		return -ENOSPC;
	sip_msg_header_remove(m, "Contact");
	return sip_msg_header_add(m, "Contact", val);
}

static osip_message_t *
request(void)
{
	osip_message_t *m = NULL;

	assert_int_equal(sip_msg_new_request(&m, "INVITE", "sip:300@192.0.2.9",
	                                     "<sip:201@192.0.2.1>;tag=1",
	                                     "<sip:300@192.0.2.9>", "c1", 1),
	                 0);
	return m;
}

/* The wire text of m, malloc'd. */
static char *
wire(const osip_message_t *m)
{
	char *text = NULL;
	size_t len = 0;

	assert_int_equal(sip__msg_print(m, &text, &len), 0);
	return text;
}

/* Our Contact toward (t, af) for user both ways: 1 when both built it
 * and the wire texts are the same, 0 when both failed the same way. */
static unsigned
compare_contact(struct fx *f, enum net_transport t, int af, const char *user)
{
	struct sip_dest d = {.transport = t};
	osip_message_t *m1 = request(), *m2 = request();
	int rc1, rc2;

	d.addr.ss_family = (sa_family_t)af;
	rc1 = b2b__contact_set(m1, f->b, &d, user);
	rc2 = ref_contact_set(m2, f->b, &d, user);
	assert_int_equal(rc1, rc2);
	if (rc1 == 0) {
		char *w1 = wire(m1), *w2 = wire(m2);

		assert_string_equal(w1, w2);
		osip_free(w1);
		osip_free(w2);
	}
	osip_message_free(m1);
	osip_message_free(m2);
	return rc1 == 0;
}

static void
test_msg_contact_as_parsed_text(void **state)
{
	static const char *const users[] = {
	    NULL,
	    "",
	    "201",
	    "+15551234",
	    "a.b-c_d!~*'",
	    "Alice",
	    "a%41",
	    "a%2541",
	    "a;b",
	    "a b",
	    "a@b",
	    "a:b",
	    "a?b=c",
	    "\xc3\xa9",
	    "#31",
	    "a>b",
	    "0123456789012345678901234567890123456789012345678901234567890123"
	    "4567890123456789012345678901234567890123456789012345678901234567"
	    "8901234567890123456789012345678901234567890123456789012345678901"
	    "2345678901234567890123456789012345678901234567890123456789",
	};
	static const enum net_transport ts[] = {NET_UDP, NET_TCP, NET_TLS};
	static const int afs[] = {AF_INET, AF_INET6};
	unsigned same = 0;
	struct fx f;

	(void)state;
	fx_open(&f);
	/* Twice: the second round takes the kept URIs. */
	for (int round = 0; round < 2; round++)
		for (size_t k = 0; k < ARRAY_SIZE(ts) * ARRAY_SIZE(afs); k++)
			for (size_t u = 0; u < ARRAY_SIZE(users); u++)
				same += compare_contact(
				    &f, ts[k % ARRAY_SIZE(ts)],
				    afs[k / ARRAY_SIZE(ts)], users[u]);
	/* UDP and TCP listen on IPv4, UDP on IPv6 when built with it; the
	 * others do not (-ENOENT both ways). "a>b" is refused by libosip2
	 * (-EINVAL) and the long user does not fit (-ENOSPC), both ways. */
	assert_int_equal(same, 2 * (IS_ENABLED(CONFIG_IPV6) ? 3 : 2) *
	                           (ARRAY_SIZE(users) - 2));
	fx_close(&f);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_msg_contact_as_parsed_text),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
