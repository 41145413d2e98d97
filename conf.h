/* The deployment's INI file (libinih), strictly validated.
 * Only main.c and this loader see every room; they translate this struct
 * into each room's own settings. */
#ifndef LL_CONF_H
#define LL_CONF_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "log.h"
#include "netaddr.h"

#define CONF_MAX_ENDPOINTS 8
#define CONF_MAX_CIDRS 64
#define CONF_PATH_MAX 256
#define CONF_GUARD_UA_N 24	/* scanner User-Agent patterns */
#define CONF_GUARD_UA_LEN 32	/* one pattern, NUL included */
#define CONF_GUARD_NEVER_N 32	/* never_ban ranges */
#define CONF_PART_N 16		/* [partitions] entries */
#define CONF_PART_DOMAINS 8	/* SIP domains of one partition */
#define CONF_PART_CIDRS 8	/* networks of one partition */
#define CONF_PART_NAME 32	/* a name, NUL included (as storage's) */
#define CONF_DOMAIN_LEN 64	/* a domain, NUL included */

/* One tenant or site of [partitions]: the SIP domains and networks whose
 * devices and calls belong to it. Names and domains are unique across
 * the file, and so are networks (the same CIDR twice). */
struct conf_partition {
	char name[CONF_PART_NAME];
	char domains[CONF_PART_DOMAINS][CONF_DOMAIN_LEN];	/* lowercase */
	unsigned n_domains;
	struct net_cidr cidrs[CONF_PART_CIDRS];
	unsigned n_cidrs;
};

struct conf {
	/* [sip] */
	struct net_endpoint listen[CONF_MAX_ENDPOINTS];
	unsigned n_listen;
	struct net_endpoint core[CONF_MAX_ENDPOINTS];
	unsigned n_core;
	struct net_cidr trusted[CONF_MAX_CIDRS];
	unsigned n_trusted;
	char sip_tls_cert[CONF_PATH_MAX];	/* PEM, needed by tls: listen */
	char sip_tls_key[CONF_PATH_MAX];
	char sip_tls_ca[CONF_PATH_MAX];		/* verifies core peers; empty: none */
	char domain[128];	/* name in our Via/Contact; empty: listen addr */
	uint32_t max_message;		/* bytes, any transport */
	uint32_t udp_buffer;		/* bytes, SO_RCVBUF/SO_SNDBUF */
	uint32_t tcp_idle_timeout;	/* seconds */
	uint32_t tcp_header_timeout;	/* seconds for a header to arrive */
	uint32_t max_connections_per_ip;	/* accepted TCP + TLS */
	uint32_t rate_limit;	/* new transactions/s per source address */
	uint32_t rate_burst;	/* 0: twice rate_limit */
	uint32_t max_connections;	/* TCP + TLS */
	uint32_t max_transactions;
	uint32_t max_calls;
	uint32_t call_timeout;		/* seconds an answered call may last */
	uint32_t ring_timeout;		/* seconds a call may ring unanswered */
	uint32_t shutdown_grace;	/* seconds for in-flight work on SIGTERM */

	/* [storage] */
	char storage_dir[CONF_PATH_MAX];
	uint64_t map_size;		/* bytes */

	/* [web] */
	bool web_enabled;		/* listen set and not "off" */
	struct sockaddr_storage web_listen;
	bool web_tls;
	char web_tls_cert[CONF_PATH_MAX];	/* empty: self-signed in dir */
	char web_tls_key[CONF_PATH_MAX];

	/* [guard] (CONFIG_GUARD) */
	bool guard_enabled;
	bool guard_scanner_ban;		/* scanner User-Agent: ban at once */
	bool guard_device_learn;	/* pin devices to their first address */
	uint32_t guard_threshold;	/* offences within window: ban */
	uint32_t guard_window;		/* seconds */
	uint32_t guard_ban_time;	/* seconds, first ban */
	uint32_t guard_ban_time_max;	/* seconds, doubling cap */
	uint32_t guard_max_bans;	/* banned (and tracked) addresses */
	char guard_scanners[CONF_GUARD_UA_N][CONF_GUARD_UA_LEN];
	unsigned n_guard_scanners;
	struct net_cidr guard_never[CONF_GUARD_NEVER_N];
	unsigned n_guard_never;

	/* [partitions], in file order */
	struct conf_partition partitions[CONF_PART_N];
	unsigned n_partitions;

	/* [log] */
	enum log_level log_level;
	bool log_syslog;
};

/* Fills c with the defaults every key has. */
void	conf_defaults(struct conf *c);

/* Reads path into c (defaults first). Every problem is written to errs as
 * "FILE:LINE: [section] key: what is wrong", all of them, not just the
 * first. Returns 0, or -EINVAL when anything was wrong, -ENOENT/-EACCES
 * when the file cannot be opened (also reported on errs). */
int	conf_load(struct conf *c, const char *path, FILE *errs);

#endif
