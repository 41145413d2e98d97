/* Endpoint and CIDR parsing, matching and printing. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <arpa/inet.h>
#include <netinet/in.h>

#include <cmocka.h>

#include "netaddr.h"
#include "util.h"

struct endpoint_case {
	const char *text;
	int rc;
	enum net_transport transport;
	const char *printed;
};

static const struct endpoint_case endpoint_cases[] = {
	{"udp:127.0.0.1:5060", 0, NET_UDP, "127.0.0.1:5060"},
	{"TCP:10.0.0.1:5080", 0, NET_TCP, "10.0.0.1:5080"},
	{"tls:[::1]:5061", 0, NET_TLS, "[::1]:5061"},
	{"127.0.0.1", 0, NET_UDP, "127.0.0.1:5060"},
	{"[2001:db8::1]", 0, NET_UDP, "[2001:db8::1]:5060"},
	{"udp:127.0.0.1:0", -22, 0, NULL},
	{"udp:127.0.0.1:65536", -22, 0, NULL},
	{"udp:127.0.0.1:50x", -22, 0, NULL},
	{"udp:::1:5060", -22, 0, NULL},
	{"udp:[::1:5060", -22, 0, NULL},
	{"udp:host.example:5060", -22, 0, NULL},
	{"udp:", -22, 0, NULL},
	{"", -22, 0, NULL},
	{"udp:10.0.0/8", -22, 0, NULL},
};

static void
test_endpoint_parse_table(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(endpoint_cases) / sizeof(*endpoint_cases);
	     i++) {
		const struct endpoint_case *c = &endpoint_cases[i];
		struct net_endpoint ep;
		char buf[NET_ADDRSTRLEN];
		int rc = net_endpoint_parse(c->text, 5060, &ep);
		int want = c->rc;

		/* Without CONFIG_IPV6 every IPv6 address is refused. */
		if (!IS_ENABLED(CONFIG_IPV6) && strchr(c->text, '['))
			want = -22;
		if (rc != want)
			fail_msg("\"%s\": rc %d, want %d", c->text, rc, want);
		if (rc < 0)
			continue;
		assert_int_equal(ep.transport, c->transport);
		net_addr_str((struct sockaddr *)&ep.addr, buf, sizeof(buf));
		assert_string_equal(buf, c->printed);
	}
}

static struct sockaddr_storage
addr_of(const char *s)
{
	struct sockaddr_storage ss;

	assert_int_equal(net_addr_parse(s, 5060, &ss), 0);
	return ss;
}

static void
test_cidr_contains(void **state)
{
	struct net_cidr c;
	struct sockaddr_storage a;
	struct sockaddr_in6 mapped = {.sin6_family = AF_INET6};

	(void)state;
	assert_int_equal(net_cidr_parse("10.1.2.3/8", &c), 0);
	a = addr_of("10.200.0.1");
	assert_true(net_cidr_contains(&c, (struct sockaddr *)&a));
	a = addr_of("11.0.0.1");
	assert_false(net_cidr_contains(&c, (struct sockaddr *)&a));
	/* A v4-mapped v6 source is judged as its v4 address. */
	inet_pton(AF_INET6, "::ffff:10.9.9.9", &mapped.sin6_addr);
	assert_true(net_cidr_contains(&c, (struct sockaddr *)&mapped));

	assert_int_equal(net_cidr_parse("192.168.1.128/25", &c), 0);
	a = addr_of("192.168.1.200");
	assert_true(net_cidr_contains(&c, (struct sockaddr *)&a));
	a = addr_of("192.168.1.127");
	assert_false(net_cidr_contains(&c, (struct sockaddr *)&a));

	if (IS_ENABLED(CONFIG_IPV6)) {
		assert_int_equal(net_cidr_parse("2001:db8::/32", &c), 0);
		a = addr_of("[2001:db8:ffff::1]");
		assert_true(net_cidr_contains(&c, (struct sockaddr *)&a));
		a = addr_of("127.0.0.1");
		assert_false(net_cidr_contains(&c, (struct sockaddr *)&a));
	} else {
		assert_int_equal(net_cidr_parse("2001:db8::/32", &c), -22);
		a = addr_of("127.0.0.1");
	}

	assert_int_equal(net_cidr_parse("0.0.0.0/0", &c), 0);
	assert_true(net_cidr_contains(&c, (struct sockaddr *)&a));
	assert_int_equal(net_cidr_parse("1.2.3.4", &c), 0);
	assert_int_equal(c.prefix, 32);
	assert_int_equal(net_cidr_parse("1.2.3.4/", &c), -22);
	assert_int_equal(net_cidr_parse("1.2.3.4/-1", &c), -22);
	assert_int_equal(net_cidr_parse("::1/129", &c), -22);
	assert_int_equal(net_cidr_parse("/8", &c), -22);
}

static void
test_addr_equal_sees_through_v4_mapped(void **state)
{
	struct sockaddr_storage a = addr_of("127.0.0.1:5060");
	struct sockaddr_in6 m = {.sin6_family = AF_INET6,
	    .sin6_port = htons(5060)};

	(void)state;
	inet_pton(AF_INET6, "::ffff:127.0.0.1", &m.sin6_addr);
	assert_true(net_addr_equal((struct sockaddr *)&a, (struct sockaddr *)&m));
	m.sin6_port = htons(5061);
	assert_false(net_addr_equal((struct sockaddr *)&a, (struct sockaddr *)&m));
	assert_true(
	    net_addr_same_host((struct sockaddr *)&a, (struct sockaddr *)&m));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_endpoint_parse_table),
	    cmocka_unit_test(test_cidr_contains),
	    cmocka_unit_test(test_addr_equal_sees_through_v4_mapped),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
