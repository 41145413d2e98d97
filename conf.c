/* The INI loader: a table of known keys, each with its own parser. */
#include <ctype.h>
#include <errno.h>
#include <ini.h>
#include <limits.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "conf.h"
#include "util.h"

struct conf_ctx {
	struct conf *conf;
	const char *path;
	FILE *file;
	FILE *errs;
	unsigned line;		/* line inih is on, counted by our reader */
	bool at_line_start;	/* the next read begins a new line */
	char bad_item[128];	/* the list item that failed, for the message */
	char why[80];		/* a message made for one error */
	unsigned n_errors;
	uint64_t seen;		/* bit per key index: duplicates are errors */
};

typedef int (*conf_parse_fn)(struct conf_ctx *ctx, const char *value,
    const char **why);

struct conf_key {
	const char *section;
	const char *name;
	conf_parse_fn parse;
	bool required;
};

static void __attribute__((format(printf, 5, 6)))
conf_error(struct conf_ctx *ctx, unsigned line, const char *section,
    const char *key, const char *fmt, ...)
{
	va_list ap;

	if (line)
		fprintf(ctx->errs, "%s:%u: [%s] %s: ", ctx->path, line, section,
		    key);
	else
		fprintf(ctx->errs, "%s: [%s] %s: ", ctx->path, section, key);
	va_start(ap, fmt);
	vfprintf(ctx->errs, fmt, ap);
	va_end(ap);
	fputc('\n', ctx->errs);
	ctx->n_errors++;
}

/* Splits a comma-separated list in place; calls each on every trimmed,
 * non-empty item. Stops at the first failing item. */
static int
each_item(char *list, int (*each)(struct conf_ctx *, const char *,
			   const char **), struct conf_ctx *ctx,
    const char **why)
{
	char *save = NULL;

	for (char *tok = strtok_r(list, ",", &save); tok;
	     tok = strtok_r(NULL, ",", &save)) {
		char *end;
		int rc;

		while (*tok == ' ' || *tok == '\t')
			tok++;
		end = tok + strlen(tok);
		while (end > tok && (end[-1] == ' ' || end[-1] == '\t'))
			*--end = '\0';
		if (*tok == '\0')
			continue;
		rc = each(ctx, tok, why);
		if (rc < 0) {
			ll_strlcpy(ctx->bad_item, tok, sizeof(ctx->bad_item));
			return rc;
		}
	}
	return 0;
}

static int
add_endpoint(struct net_endpoint *arr, unsigned *n, const char *item,
    const char **why)
{
	if (*n >= CONF_MAX_ENDPOINTS) {
		*why = "too many addresses (at most 8)";
		return -EINVAL;
	}
	if (net_endpoint_parse(item, 5060, &arr[*n]) < 0) {
		*why = "is not transport:address:port (udp, tcp or tls)";
		return -EINVAL;
	}
	if (!IS_ENABLED(CONFIG_TLS) && arr[*n].transport == NET_TLS) {
		*why = "tls is not built in (CONFIG_TLS)";
		return -EINVAL;
	}
	(*n)++;
	return 0;
}

static int
listen_item(struct conf_ctx *ctx, const char *item, const char **why)
{
	return add_endpoint(ctx->conf->listen, &ctx->conf->n_listen, item, why);
}

static int
core_item(struct conf_ctx *ctx, const char *item, const char **why)
{
	return add_endpoint(ctx->conf->core, &ctx->conf->n_core, item, why);
}

static int
trusted_item(struct conf_ctx *ctx, const char *item, const char **why)
{
	struct conf *c = ctx->conf;

	if (c->n_trusted >= CONF_MAX_CIDRS) {
		*why = "too many ranges (at most 64)";
		return -EINVAL;
	}
	if (net_cidr_parse(item, &c->trusted[c->n_trusted]) < 0) {
		*why = "is not an address or CIDR";
		return -EINVAL;
	}
	c->n_trusted++;
	return 0;
}

static int
parse_list(struct conf_ctx *ctx, const char *value, const char **why,
    int (*each)(struct conf_ctx *, const char *, const char **))
{
	char buf[1024];

	if (ll_strlcpy(buf, value, sizeof(buf)) >= sizeof(buf)) {
		*why = "list too long";
		return -EINVAL;
	}
	return each_item(buf, each, ctx, why);
}

static int
p_listen(struct conf_ctx *ctx, const char *v, const char **why)
{
	return parse_list(ctx, v, why, listen_item);
}

static int
p_core(struct conf_ctx *ctx, const char *v, const char **why)
{
	return parse_list(ctx, v, why, core_item);
}

static int
p_trusted(struct conf_ctx *ctx, const char *v, const char **why)
{
	return parse_list(ctx, v, why, trusted_item);
}

static int
parse_path(char *dst, const char *v, const char **why)
{
	if (ll_strlcpy(dst, v, CONF_PATH_MAX) >= CONF_PATH_MAX) {
		*why = "path too long";
		return -EINVAL;
	}
	return 0;
}

/* Unsigned integer with an optional K, M or G (binary) suffix. */
static int
parse_size(const char *v, uint64_t min, uint64_t max, uint64_t *out)
{
	char *end;
	unsigned long long n;
	unsigned shift = 0;

	if (*v < '0' || *v > '9')
		return -EINVAL;
	errno = 0;
	n = strtoull(v, &end, 10);
	if (errno)
		return -EINVAL;
	switch (*end) {
	case 'k': case 'K': shift = 10; end++; break;
	case 'm': case 'M': shift = 20; end++; break;
	case 'g': case 'G': shift = 30; end++; break;
	default: break;
	}
	/* A suffix must not carry the value past 64 bits: 17179869185G
	 * would wrap to 1G and load as a small size. */
	if (*end != '\0' || n > (ULLONG_MAX >> shift))
		return -EINVAL;
	n <<= shift;
	if (n < min || n > max)
		return -EINVAL;
	*out = n;
	return 0;
}

static int
parse_u32(const char *v, uint32_t min, uint32_t max, uint32_t *out,
    const char **why, const char *what)
{
	uint64_t n;

	if (parse_size(v, min, max, &n) < 0) {
		*why = what;
		return -EINVAL;
	}
	*out = (uint32_t)n;
	return 0;
}

static int
parse_bool(const char *v, bool *out)
{
	static const char *const yes[] = {"on", "yes", "true", "1"};
	static const char *const no[] = {"off", "no", "false", "0"};

	for (size_t i = 0; i < ARRAY_SIZE(yes); i++) {
		if (strcasecmp(v, yes[i]) == 0) {
			*out = true;
			return 0;
		}
		if (strcasecmp(v, no[i]) == 0) {
			*out = false;
			return 0;
		}
	}
	return -EINVAL;
}

#define PATH_PARSER(fn, field)                                                 \
	static int fn(struct conf_ctx *ctx, const char *v, const char **why)   \
	{                                                                      \
		return parse_path(ctx->conf->field, v, why);                   \
	}
PATH_PARSER(p_sip_tls_cert, sip_tls_cert)
PATH_PARSER(p_sip_tls_key, sip_tls_key)
PATH_PARSER(p_sip_tls_ca, sip_tls_ca)
PATH_PARSER(p_storage_dir, storage_dir)
PATH_PARSER(p_web_tls_cert, web_tls_cert)
PATH_PARSER(p_web_tls_key, web_tls_key)

#define U32_PARSER(fn, field, min, max, what)                                  \
	static int fn(struct conf_ctx *ctx, const char *v, const char **why)   \
	{                                                                      \
		return parse_u32(v, min, max, &ctx->conf->field, why, what);   \
	}
U32_PARSER(p_max_message, max_message, 1024, 1u << 20,
    "must be a size from 1K to 1M")
U32_PARSER(p_udp_buffer, udp_buffer, 64u << 10, 64u << 20,
    "must be a size from 64K to 64M")
U32_PARSER(p_tcp_idle, tcp_idle_timeout, 1, 86400,
    "must be seconds from 1 to 86400")
U32_PARSER(p_max_conn, max_connections, 1, 100000,
    "must be a number from 1 to 100000")
U32_PARSER(p_tcp_header, tcp_header_timeout, 1, 3600,
    "must be seconds from 1 to 3600")
U32_PARSER(p_max_conn_ip, max_connections_per_ip, 1, 100000,
    "must be a number from 1 to 100000")
U32_PARSER(p_rate_limit, rate_limit, 1, 1000000,
    "must be a number from 1 to 1000000")
U32_PARSER(p_rate_burst, rate_burst, 1, 1000000,
    "must be a number from 1 to 1000000")
U32_PARSER(p_max_txn, max_transactions, 16, 1000000,
    "must be a number from 16 to 1000000")
U32_PARSER(p_max_calls, max_calls, 1, 1000000,
    "must be a number from 1 to 1000000")
U32_PARSER(p_ring_timeout, ring_timeout, 5, 3600,
    "must be seconds from 5 to 3600")
U32_PARSER(p_call_timeout, call_timeout, 1, 604800,
    "must be seconds from 1 to 604800")
U32_PARSER(p_grace, shutdown_grace, 0, 300,
    "must be seconds from 0 to 300")

static int
p_domain(struct conf_ctx *ctx, const char *v, const char **why)
{
	for (const char *p = v; *p; p++) {
		if (!(*p == '.' || *p == '-' || (*p >= '0' && *p <= '9') ||
			(*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z'))) {
			*why = "is not a host name";
			return -EINVAL;
		}
	}
	if (ll_strlcpy(ctx->conf->domain, v, sizeof(ctx->conf->domain)) >=
	    sizeof(ctx->conf->domain)) {
		*why = "is too long";
		return -EINVAL;
	}
	return 0;
}

static int
p_map_size(struct conf_ctx *ctx, const char *v, const char **why)
{
	if (parse_size(v, 1u << 20, (uint64_t)1 << 40, &ctx->conf->map_size) <
	    0) {
		*why = "must be a size from 1M to 1024G";
		return -EINVAL;
	}
	return 0;
}

static int
p_web_listen(struct conf_ctx *ctx, const char *v, const char **why)
{
	struct conf *c = ctx->conf;

	if (strcasecmp(v, "off") == 0 || *v == '\0') {
		c->web_enabled = false;
		return 0;
	}
	if (!IS_ENABLED(CONFIG_WEB)) {
		*why = "the web console is not built in (CONFIG_WEB)";
		return -EINVAL;
	}
	if (net_addr_parse(v, 8080, &c->web_listen) < 0) {
		*why = "is not address:port";
		return -EINVAL;
	}
	c->web_enabled = true;
	return 0;
}

static int
p_web_tls(struct conf_ctx *ctx, const char *v, const char **why)
{
	if (parse_bool(v, &ctx->conf->web_tls) < 0) {
		*why = "must be on or off";
		return -EINVAL;
	}
	if (ctx->conf->web_tls && !IS_ENABLED(CONFIG_TLS)) {
		*why = "HTTPS is not built in (CONFIG_TLS)";
		return -EINVAL;
	}
	return 0;
}

U32_PARSER(p_guard_threshold, guard_threshold, 1, 1000000,
    "must be a number from 1 to 1000000")
U32_PARSER(p_guard_window, guard_window, 1, 86400,
    "must be seconds from 1 to 86400")
U32_PARSER(p_guard_ban_time, guard_ban_time, 1, 31536000,
    "must be seconds from 1 to 31536000")
U32_PARSER(p_guard_ban_time_max, guard_ban_time_max, 1, 31536000,
    "must be seconds from 1 to 31536000")
U32_PARSER(p_guard_max_bans, guard_max_bans, 16, 1000000,
    "must be a number from 16 to 1000000")

static int
p_guard_enabled(struct conf_ctx *ctx, const char *v, const char **why)
{
	if (parse_bool(v, &ctx->conf->guard_enabled) < 0) {
		*why = "must be on or off";
		return -EINVAL;
	}
	if (ctx->conf->guard_enabled && !IS_ENABLED(CONFIG_GUARD)) {
		*why = "the guard is not built in (CONFIG_GUARD)";
		return -EINVAL;
	}
	return 0;
}

static int
p_guard_scanner_ban(struct conf_ctx *ctx, const char *v, const char **why)
{
	if (parse_bool(v, &ctx->conf->guard_scanner_ban) < 0) {
		*why = "must be on or off";
		return -EINVAL;
	}
	return 0;
}

static int
p_guard_device_learn(struct conf_ctx *ctx, const char *v, const char **why)
{
	if (parse_bool(v, &ctx->conf->guard_device_learn) < 0) {
		*why = "must be on or off";
		return -EINVAL;
	}
	return 0;
}

static int
guard_ua_item(struct conf_ctx *ctx, const char *item, const char **why)
{
	struct conf *c = ctx->conf;

	if (c->n_guard_scanners >= CONF_GUARD_UA_N) {
		*why = "too many patterns (at most 24)";
		return -EINVAL;
	}
	if (ll_strlcpy(c->guard_scanners[c->n_guard_scanners], item,
	    CONF_GUARD_UA_LEN) >= CONF_GUARD_UA_LEN) {
		*why = "is longer than 31 characters";
		return -EINVAL;
	}
	c->n_guard_scanners++;
	return 0;
}

static int
p_guard_scanners(struct conf_ctx *ctx, const char *v, const char **why)
{
	ctx->conf->n_guard_scanners = 0;	/* the file's list replaces ours */
	return parse_list(ctx, v, why, guard_ua_item);
}

static int
guard_never_item(struct conf_ctx *ctx, const char *item, const char **why)
{
	struct conf *c = ctx->conf;

	if (c->n_guard_never >= CONF_GUARD_NEVER_N) {
		*why = "too many ranges (at most 32)";
		return -EINVAL;
	}
	if (net_cidr_parse(item, &c->guard_never[c->n_guard_never]) < 0) {
		*why = "is not an address or CIDR";
		return -EINVAL;
	}
	c->n_guard_never++;
	return 0;
}

static int
p_guard_never(struct conf_ctx *ctx, const char *v, const char **why)
{
	return parse_list(ctx, v, why, guard_never_item);
}

static int
p_log_level(struct conf_ctx *ctx, const char *v, const char **why)
{
	if (log_level_parse(v, &ctx->conf->log_level) < 0) {
		*why = "must be error, warn, info or debug";
		return -EINVAL;
	}
	return 0;
}

static int
p_log_syslog(struct conf_ctx *ctx, const char *v, const char **why)
{
	if (parse_bool(v, &ctx->conf->log_syslog) < 0) {
		*why = "must be on or off";
		return -EINVAL;
	}
	return 0;
}

static const struct conf_key conf_keys[] = {
	{"sip", "listen", p_listen, true},
	{"sip", "core", p_core, true},
	{"sip", "trusted", p_trusted, false},
	{"sip", "tls_cert", p_sip_tls_cert, false},
	{"sip", "tls_key", p_sip_tls_key, false},
	{"sip", "tls_ca", p_sip_tls_ca, false},
	{"sip", "domain", p_domain, false},
	{"sip", "max_message", p_max_message, false},
	{"sip", "udp_buffer", p_udp_buffer, false},
	{"sip", "tcp_idle_timeout", p_tcp_idle, false},
	{"sip", "max_connections", p_max_conn, false},
	{"sip", "tcp_header_timeout", p_tcp_header, false},
	{"sip", "max_connections_per_ip", p_max_conn_ip, false},
	{"sip", "rate_limit", p_rate_limit, false},
	{"sip", "rate_burst", p_rate_burst, false},
	{"sip", "max_transactions", p_max_txn, false},
	{"sip", "max_calls", p_max_calls, false},
	{"sip", "call_timeout", p_call_timeout, false},
	{"sip", "ring_timeout", p_ring_timeout, false},
	{"sip", "shutdown_grace", p_grace, false},
	{"storage", "dir", p_storage_dir, true},
	{"storage", "map_size", p_map_size, false},
	{"web", "listen", p_web_listen, false},
	{"web", "tls", p_web_tls, false},
	{"web", "tls_cert", p_web_tls_cert, false},
	{"web", "tls_key", p_web_tls_key, false},
	{"guard", "enabled", p_guard_enabled, false},
	{"guard", "threshold", p_guard_threshold, false},
	{"guard", "window", p_guard_window, false},
	{"guard", "ban_time", p_guard_ban_time, false},
	{"guard", "ban_time_max", p_guard_ban_time_max, false},
	{"guard", "max_bans", p_guard_max_bans, false},
	{"guard", "scanner_ban", p_guard_scanner_ban, false},
	{"guard", "scanner_user_agents", p_guard_scanners, false},
	{"guard", "never_ban", p_guard_never, false},
	{"guard", "device_learn", p_guard_device_learn, false},
	{"log", "level", p_log_level, false},
	{"log", "syslog", p_log_syslog, false},
};

_Static_assert(ARRAY_SIZE(conf_keys) <= 64, "conf_ctx.seen has 64 bits");

static bool
section_is_known(const char *section)
{
	for (size_t i = 0; i < ARRAY_SIZE(conf_keys); i++)
		if (strcmp(conf_keys[i].section, section) == 0)
			return true;
	return false;
}

/* [partitions]: "name = domain, CIDR, ..." per tenant or site. A name
 * follows storage's rule for partition names (1..31 of [0-9A-Za-z_.+-],
 * store_partition_is_valid()), as lines are stored under it. */
static bool
part_name_is_valid(const char *s)
{
	size_t n = strlen(s);

	return n > 0 && n < CONF_PART_NAME &&
	    strspn(s, "0123456789abcdefghijklmnopqrstuvwxyz"
		      "ABCDEFGHIJKLMNOPQRSTUVWXYZ_.+-") == n;
}

/* RFC 3261 25.1 hostname: labels of letters, digits and hyphens. */
static bool
part_domain_is_valid(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n >= CONF_DOMAIN_LEN || s[0] == '.' || s[0] == '-' ||
	    s[n - 1] == '.' || s[n - 1] == '-' || strstr(s, ".."))
		return false;
	return strspn(s, "0123456789abcdefghijklmnopqrstuvwxyz"
			 "ABCDEFGHIJKLMNOPQRSTUVWXYZ.-") == n;
}

/* True, with the message in why, when a partition (this one included)
 * holds the domain or network already. */
static bool
part_why_taken(struct conf_ctx *ctx, const char *domain,
    const struct net_cidr *cidr, const char **why)
{
	const struct conf *c = ctx->conf;
	const char *owner = NULL;

	for (unsigned i = 0; !owner && i <= c->n_partitions &&
	     i < CONF_PART_N; i++) {
		const struct conf_partition *p = &c->partitions[i];

		for (unsigned d = 0; domain && d < p->n_domains; d++)
			if (strcasecmp(p->domains[d], domain) == 0)
				owner = p->name;
		for (unsigned k = 0; cidr && k < p->n_cidrs; k++)
			if (memcmp(&p->cidrs[k], cidr, sizeof(*cidr)) == 0)
				owner = p->name;
	}
	if (!owner)
		return false;
	snprintf(ctx->why, sizeof(ctx->why), "is already in partition %s",
	    owner);
	*why = ctx->why;
	return true;
}

static int
part_cidr_item(struct conf_ctx *ctx, struct conf_partition *p,
    const char *item, const char **why)
{
	struct net_cidr cidr;

	memset(&cidr, 0, sizeof(cidr));
	if (net_cidr_parse(item, &cidr) < 0)
		return 1;	/* not a network: a domain then */
	if (p->n_cidrs >= CONF_PART_CIDRS) {
		*why = "too many networks (at most 8 per partition)";
		return -EINVAL;
	}
	if (part_why_taken(ctx, NULL, &cidr, why))
		return -EINVAL;
	p->cidrs[p->n_cidrs++] = cidr;
	return 0;
}

static int
part_item(struct conf_ctx *ctx, const char *item, const char **why)
{
	struct conf *c = ctx->conf;
	struct conf_partition *p = &c->partitions[c->n_partitions];
	int rc = part_cidr_item(ctx, p, item, why);
	char *d;

	if (rc <= 0)
		return rc;
	if (!part_domain_is_valid(item)) {
		*why = "is not a SIP domain or CIDR";
		return -EINVAL;
	}
	if (p->n_domains >= CONF_PART_DOMAINS) {
		*why = "too many domains (at most 8 per partition)";
		return -EINVAL;
	}
	if (part_why_taken(ctx, item, NULL, why))
		return -EINVAL;
	d = p->domains[p->n_domains++];
	ll_strlcpy(d, item, CONF_DOMAIN_LEN);
	for (; *d; d++)
		*d = (char)tolower((unsigned char)*d);
	return 0;
}

static void
conf_on_partition(struct conf_ctx *ctx, const char *name, const char *value)
{
	struct conf *c = ctx->conf;
	struct conf_partition *p = &c->partitions[c->n_partitions];
	const char *why = "is not valid";
	char buf[1024];

	if (!part_name_is_valid(name)) {
		conf_error(ctx, ctx->line, "partitions", name,
		    "not a partition name (1..31 of 0-9 A-Z a-z _ . + -)");
		return;
	}
	for (unsigned i = 0; i < c->n_partitions; i++) {
		if (strcmp(c->partitions[i].name, name) == 0) {
			conf_error(ctx, ctx->line, "partitions", name,
			    "set twice (a list is one comma-separated value)");
			return;
		}
	}
	if (c->n_partitions >= CONF_PART_N) {
		conf_error(ctx, ctx->line, "partitions", name,
		    "too many partitions (at most %d)", CONF_PART_N);
		return;
	}
	memset(p, 0, sizeof(*p));
	ll_strlcpy(p->name, name, sizeof(p->name));
	ll_strlcpy(buf, value, sizeof(buf));
	ctx->bad_item[0] = '\0';
	if (each_item(buf, part_item, ctx, &why) < 0) {
		conf_error(ctx, ctx->line, "partitions", name, "\"%s\" %s",
		    ctx->bad_item[0] ? ctx->bad_item : value, why);
		return;
	}
	if (!p->n_domains && !p->n_cidrs)
		conf_error(ctx, ctx->line, "partitions", name,
		    "needs at least one SIP domain or CIDR");
	else
		c->n_partitions++;
}

/* inih handler: one key at a time. Returning 1 keeps inih going so that
 * every error is reported, not just the first. */
static int
conf_on_key(void *user, const char *section, const char *name,
    const char *value)
{
	struct conf_ctx *ctx = user;

	if (strcmp(section, "partitions") == 0) {
		conf_on_partition(ctx, name, value);
		return 1;
	}
	for (size_t i = 0; i < ARRAY_SIZE(conf_keys); i++) {
		const struct conf_key *k = &conf_keys[i];
		const char *why = "is not valid";

		if (strcmp(k->section, section) != 0 ||
		    strcmp(k->name, name) != 0)
			continue;
		if (ctx->seen & ((uint64_t)1 << i)) {
			conf_error(ctx, ctx->line, section, name,
			    "set twice (a list is one comma-separated value)");
			return 1;
		}
		ctx->seen |= (uint64_t)1 << i;
		ctx->bad_item[0] = '\0';
		if (k->parse(ctx, value, &why) < 0)
			conf_error(ctx, ctx->line, section, name, "\"%s\" %s",
			    ctx->bad_item[0] ? ctx->bad_item : value, why);
		return 1;
	}
	if (!section_is_known(section))
		conf_error(ctx, ctx->line, section, name, "unknown section");
	else
		conf_error(ctx, ctx->line, section, name, "unknown key");
	return 1;
}

/* fgets-style reader for ini_parse_stream that counts lines, so that
 * each error can name the line of its key. */
static char *
conf_read_line(char *str, int num, void *stream)
{
	struct conf_ctx *ctx = stream;
	char *r = fgets(str, num, ctx->file);
	size_t len;

	if (!r)
		return NULL;
	if (ctx->at_line_start)
		ctx->line++;
	len = strlen(r);
	ctx->at_line_start = len > 0 && r[len - 1] == '\n';
	return r;
}

/* fail2ban's and Kamailio pike's usual figures: 10 offences in a minute
 * earn an hour, doubling for repeat offenders up to a week; the
 * User-Agents of the well-known SIP scanners (APIBAN's list). */
static void
conf_guard_defaults(struct conf *c)
{
	static const char *const scanners[] = {"friendly-scanner",
	    "sipvicious", "sipcli", "VaxSIPUserAgent", "pplsip", "sundayddr",
	    "iWar", "sip-scan", "SIPScan"};

	c->guard_enabled = IS_ENABLED(CONFIG_GUARD);
	c->guard_scanner_ban = true;
	c->guard_threshold = 10;
	c->guard_window = 60;
	c->guard_ban_time = 3600;
	c->guard_ban_time_max = 604800;
	c->guard_max_bans = 1024;
	for (size_t i = 0; i < ARRAY_SIZE(scanners); i++)
		ll_strlcpy(c->guard_scanners[i], scanners[i],
		    sizeof(c->guard_scanners[i]));
	c->n_guard_scanners = ARRAY_SIZE(scanners);
}

void
conf_defaults(struct conf *c)
{
	memset(c, 0, sizeof(*c));
	c->max_message = 65535;
	c->udp_buffer = 1u << 20;
	c->tcp_idle_timeout = 600;
	c->max_connections = 1024;
	c->tcp_header_timeout = 10;
	c->max_connections_per_ip = 32;
	c->rate_limit = 200;
	c->max_transactions = 20000;
	c->max_calls = 5000;
	c->call_timeout = 14400;
	c->ring_timeout = 180;
	c->shutdown_grace = 5;
	c->map_size = (uint64_t)64 << 20;
	c->log_level = LOG_LVL_INFO;
	conf_guard_defaults(c);
}

static void
conf_check_whole(struct conf_ctx *ctx)
{
	struct conf *c = ctx->conf;
	bool has_tls = false;

	for (size_t i = 0; i < ARRAY_SIZE(conf_keys); i++)
		if (conf_keys[i].required && !(ctx->seen & ((uint64_t)1 << i)))
			conf_error(ctx, 0, conf_keys[i].section,
			    conf_keys[i].name, "missing (required)");
	for (unsigned i = 0; i < c->n_listen; i++)
		has_tls |= c->listen[i].transport == NET_TLS;
	if (has_tls && (!c->sip_tls_cert[0] || !c->sip_tls_key[0]))
		conf_error(ctx, 0, "sip", "tls_cert",
		    "a tls: listen address needs tls_cert and tls_key");
	if (!!c->web_tls_cert[0] != !!c->web_tls_key[0])
		conf_error(ctx, 0, "web", "tls_cert",
		    "tls_cert and tls_key go together");
	if (c->guard_ban_time_max < c->guard_ban_time)
		conf_error(ctx, 0, "guard", "ban_time_max",
		    "must not be below ban_time (%u)", c->guard_ban_time);
}

int
conf_load(struct conf *c, const char *path, FILE *errs)
{
	struct conf_ctx ctx = {
	    .conf = c, .path = path, .errs = errs, .at_line_start = true};
	int rc;

	conf_defaults(c);
	ctx.file = fopen(path, "r");
	if (!ctx.file) {
		rc = -errno;
		fprintf(errs, "%s: cannot open: %s\n", path, strerror(-rc));
		return rc;
	}
	rc = ini_parse_stream(conf_read_line, &ctx, conf_on_key, &ctx);
	fclose(ctx.file);
	if (rc > 0) {
		/* inih reports lines it could not read as key = value. */
		fprintf(errs, "%s:%d: syntax error (expected [section] or "
			      "key = value)\n", path, rc);
		ctx.n_errors++;
	} else if (rc < 0) {
		fprintf(errs, "%s: cannot read\n", path);
		ctx.n_errors++;
	}
	conf_check_whole(&ctx);
	return ctx.n_errors ? -EINVAL : 0;
}
