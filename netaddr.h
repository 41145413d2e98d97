/* Network addresses as the config and every room spell them: transport
 * endpoints ("udp:127.0.0.1:5060", "tls:[::1]:5061") and CIDR ranges.
 * Depends on no room. */
#ifndef LL_NETADDR_H
#define LL_NETADDR_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>

enum net_transport {
	NET_UDP = 0,
	NET_TCP,
	NET_TLS,
};

struct net_endpoint {
	enum net_transport transport;
	struct sockaddr_storage addr;	/* AF_INET or AF_INET6, port set */
};

struct net_cidr {
	int family;			/* AF_INET or AF_INET6 */
	uint8_t prefix;			/* 0..32 or 0..128 */
	uint8_t bytes[16];		/* network address, host bits zero */
};

/* Longest text of an address with port: "[v6]:65535" plus NUL. */
#define NET_ADDRSTRLEN 56

/* "udp", "tcp", "tls" (case-insensitive) -> NET_*; -EINVAL otherwise. */
int	net_transport_parse(const char *s, enum net_transport *out);
const char *net_transport_name(enum net_transport t);	/* "udp" ... */
const char *net_transport_sip_name(enum net_transport t); /* "UDP" ... */

/* Parses "ADDR:PORT", "[V6]:PORT" or, when default_port is non-zero, a
 * bare "ADDR" / "[V6]". IPv6 is refused unless CONFIG_IPV6. -EINVAL. */
int	net_addr_parse(const char *s, uint16_t default_port,
	    struct sockaddr_storage *out);

/* Parses "transport:ADDR:PORT"; a missing transport means UDP and a
 * missing port default_port. -EINVAL. */
int	net_endpoint_parse(const char *s, uint16_t default_port,
	    struct net_endpoint *out);

/* Parses "ADDR/PREFIX" or a bare address (a host route). -EINVAL. */
int	net_cidr_parse(const char *s, struct net_cidr *out);

/* True when sa (AF_INET, AF_INET6 or v4-mapped v6) lies in c. */
bool	net_cidr_contains(const struct net_cidr *c, const struct sockaddr *sa);

/* Same address and port (v4-mapped v6 equals its v4). */
bool	net_addr_equal(const struct sockaddr *a, const struct sockaddr *b);

/* Same address, any port. */
bool	net_addr_same_host(const struct sockaddr *a, const struct sockaddr *b);

/* Writes "1.2.3.4:5060" or "[::1]:5060" into buf (NET_ADDRSTRLEN). */
const char *net_addr_str(const struct sockaddr *sa, char *buf, size_t len);

/* Writes the host part only, IPv6 without brackets. */
const char *net_host_str(const struct sockaddr *sa, char *buf, size_t len);

uint16_t	net_addr_port(const struct sockaddr *sa);
socklen_t	net_addr_len(const struct sockaddr *sa);

#endif
