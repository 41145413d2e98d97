/* Parsing and comparing the addresses of netaddr.h. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "netaddr.h"
#include "util.h"

static const char *const transport_names[] = {"udp", "tcp", "tls"};
static const char *const transport_sip_names[] = {"UDP", "TCP", "TLS"};

int
net_transport_parse(const char *s, enum net_transport *out)
{
	for (size_t i = 0; i < ARRAY_SIZE(transport_names); i++) {
		if (strcasecmp(s, transport_names[i]) == 0) {
			*out = (enum net_transport)i;
			return 0;
		}
	}
	return -EINVAL;
}

const char *
net_transport_name(enum net_transport t)
{
	return (unsigned)t < ARRAY_SIZE(transport_names) ? transport_names[t]
							 : "?";
}

const char *
net_transport_sip_name(enum net_transport t)
{
	return (unsigned)t < ARRAY_SIZE(transport_sip_names)
	    ? transport_sip_names[t]
	    : "?";
}

static int
parse_port(const char *s, uint16_t *out)
{
	char *end;
	long v;

	if (*s < '0' || *s > '9')
		return -EINVAL;
	v = strtol(s, &end, 10);
	if (*end != '\0' || v < 1 || v > 65535)
		return -EINVAL;
	*out = (uint16_t)v;
	return 0;
}

static int
parse_host(const char *host, uint16_t port, struct sockaddr_storage *out)
{
	struct sockaddr_in *v4 = (struct sockaddr_in *)out;
	struct sockaddr_in6 *v6 = (struct sockaddr_in6 *)out;

	memset(out, 0, sizeof(*out));
	if (inet_pton(AF_INET, host, &v4->sin_addr) == 1) {
		v4->sin_family = AF_INET;
		v4->sin_port = htons(port);
		return 0;
	}
	if (IS_ENABLED(CONFIG_IPV6) &&
	    inet_pton(AF_INET6, host, &v6->sin6_addr) == 1) {
		v6->sin6_family = AF_INET6;
		v6->sin6_port = htons(port);
		return 0;
	}
	return -EINVAL;
}

int
net_addr_parse(const char *s, uint16_t default_port,
    struct sockaddr_storage *out)
{
	char host[64];
	const char *port_s = NULL;
	uint16_t port = default_port;
	size_t hlen;

	if (s[0] == '[') {
		const char *close = strchr(s, ']');

		if (!close)
			return -EINVAL;
		hlen = (size_t)(close - s - 1);
		if (close[1] == ':')
			port_s = close + 2;
		else if (close[1] != '\0')
			return -EINVAL;
		s++;
	} else {
		const char *colon = strchr(s, ':');

		if (colon && strchr(colon + 1, ':'))
			return -EINVAL;	/* bare IPv6 needs brackets */
		hlen = colon ? (size_t)(colon - s) : strlen(s);
		if (colon)
			port_s = colon + 1;
	}
	if (hlen == 0 || hlen >= sizeof(host))
		return -EINVAL;
	memcpy(host, s, hlen);
	host[hlen] = '\0';
	if (port_s && parse_port(port_s, &port) < 0)
		return -EINVAL;
	if (port == 0)
		return -EINVAL;
	return parse_host(host, port, out);
}

int
net_endpoint_parse(const char *s, uint16_t default_port,
    struct net_endpoint *out)
{
	const char *colon = strchr(s, ':');
	char tname[8];
	enum net_transport t = NET_UDP;

	if (colon && (size_t)(colon - s) < sizeof(tname) && s[0] != '[') {
		memcpy(tname, s, (size_t)(colon - s));
		tname[colon - s] = '\0';
		if (net_transport_parse(tname, &t) == 0)
			s = colon + 1;
	}
	out->transport = t;
	return net_addr_parse(s, default_port, &out->addr);
}

int
net_cidr_parse(const char *s, struct net_cidr *out)
{
	char host[64];
	const char *slash = strchr(s, '/');
	size_t hlen = slash ? (size_t)(slash - s) : strlen(s);
	long prefix;
	unsigned max;

	if (hlen == 0 || hlen >= sizeof(host))
		return -EINVAL;
	memcpy(host, s, hlen);
	host[hlen] = '\0';
	memset(out, 0, sizeof(*out));
	if (inet_pton(AF_INET, host, out->bytes) == 1) {
		out->family = AF_INET;
		max = 32;
	} else if (IS_ENABLED(CONFIG_IPV6) &&
	    inet_pton(AF_INET6, host, out->bytes) == 1) {
		out->family = AF_INET6;
		max = 128;
	} else {
		return -EINVAL;
	}
	prefix = max;
	if (slash) {
		char *end;

		if (slash[1] < '0' || slash[1] > '9')
			return -EINVAL;
		prefix = strtol(slash + 1, &end, 10);
		if (*end != '\0' || prefix < 0 || prefix > (long)max)
			return -EINVAL;
	}
	out->prefix = (uint8_t)prefix;
	/* Host bits are cleared so that "10.1.2.3/8" means 10.0.0.0/8. */
	for (unsigned bit = (unsigned)prefix; bit < max; bit++)
		out->bytes[bit / 8] &= (uint8_t)~(0x80u >> (bit % 8));
	return 0;
}

/* Returns the raw address bytes of sa, seeing through v4-mapped v6. */
static const uint8_t *
addr_bytes(const struct sockaddr *sa, int *family)
{
	if (sa->sa_family == AF_INET) {
		*family = AF_INET;
		return (const uint8_t *)&((const struct sockaddr_in *)sa)->sin_addr;
	}
	if (sa->sa_family == AF_INET6) {
		const struct sockaddr_in6 *v6 = (const struct sockaddr_in6 *)sa;

		if (IN6_IS_ADDR_V4MAPPED(&v6->sin6_addr)) {
			*family = AF_INET;
			return v6->sin6_addr.s6_addr + 12;
		}
		*family = AF_INET6;
		return v6->sin6_addr.s6_addr;
	}
	*family = AF_UNSPEC;
	return NULL;
}

bool
net_cidr_contains(const struct net_cidr *c, const struct sockaddr *sa)
{
	int family;
	const uint8_t *b = addr_bytes(sa, &family);
	unsigned full, rest;

	if (!b || family != c->family)
		return false;
	full = c->prefix / 8;
	rest = c->prefix % 8;
	if (memcmp(b, c->bytes, full) != 0)
		return false;
	if (rest == 0)
		return true;
	return ((b[full] ^ c->bytes[full]) & (uint8_t)(0xffu << (8 - rest))) ==
	    0;
}

bool
net_addr_same_host(const struct sockaddr *a, const struct sockaddr *b)
{
	int fa, fb;
	const uint8_t *ba = addr_bytes(a, &fa);
	const uint8_t *bb = addr_bytes(b, &fb);

	if (!ba || !bb || fa != fb)
		return false;
	return memcmp(ba, bb, fa == AF_INET ? 4 : 16) == 0;
}

bool
net_addr_equal(const struct sockaddr *a, const struct sockaddr *b)
{
	return net_addr_same_host(a, b) && net_addr_port(a) == net_addr_port(b);
}

uint16_t
net_addr_port(const struct sockaddr *sa)
{
	if (sa->sa_family == AF_INET)
		return ntohs(((const struct sockaddr_in *)sa)->sin_port);
	if (sa->sa_family == AF_INET6)
		return ntohs(((const struct sockaddr_in6 *)sa)->sin6_port);
	return 0;
}

socklen_t
net_addr_len(const struct sockaddr *sa)
{
	return sa->sa_family == AF_INET6 ? sizeof(struct sockaddr_in6)
					 : sizeof(struct sockaddr_in);
}

const char *
net_host_str(const struct sockaddr *sa, char *buf, size_t len)
{
	int family;
	const uint8_t *b = addr_bytes(sa, &family);

	if (!b || !inet_ntop(family, b, buf, (socklen_t)len))
		ll_strlcpy(buf, "?", len);
	return buf;
}

const char *
net_addr_str(const struct sockaddr *sa, char *buf, size_t len)
{
	char host[INET6_ADDRSTRLEN];
	int family;

	addr_bytes(sa, &family);
	net_host_str(sa, host, sizeof(host));
	snprintf(buf, len, family == AF_INET6 ? "[%s]:%u" : "%s:%u", host,
	    (unsigned)net_addr_port(sa));
	return buf;
}
