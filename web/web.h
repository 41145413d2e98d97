/* web/: the HTTP(S) server on the daemon's loop. It serves the embedded
 * console, the REST API under /api/v1/, Server-Sent Events, /metrics,
 * /healthz, the phone self-service page and the Cisco/Yealink XML
 * services. It keeps no state but its connections: accounts, sessions,
 * tokens and everything else live in LMDB through storage/.
 * API reference: docs/api.md. */
#ifndef LL_WEB_H
#define LL_WEB_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>
#include <uv.h>

#include "policy/pol.h"
#include "util.h"

struct store;

/* Upper bounds (microseconds) of the policy decision latency histogram
 * buckets; the last bucket is +Inf. */
#define WEB_LATENCY_BOUNDS_US {1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 5000}
#define WEB_LATENCY_BUCKETS 12
#define WEB_STATS_MAX_VERDICTS 16

/* Numbers other rooms own, read by /metrics and the system page.
 * Filled by web_stats_cb; all zero when no hook is wired. */
struct web_stats {
	struct {
		const char *name;	/* static, e.g. "forward", "reject" */
		uint64_t count;		/* calls so ended, since start */
	} verdicts[WEB_STATS_MAX_VERDICTS];
	unsigned n_verdicts;
	uint64_t calls_total;		/* new calls since start */
	uint64_t active_dialogs;
	uint64_t registrations;
	uint64_t open_transactions;
	/* Decision latency: count per bucket (not cumulative), sum in us. */
	uint64_t latency_buckets[WEB_LATENCY_BUCKETS];
	uint64_t latency_count;
	double latency_sum_us;
	uint64_t bans_active;		/* addresses banned now */
	uint64_t dropped_banned;	/* their packets and connections */
	uint64_t guard_bans;		/* bans the guard made, since start */
};

/* Fills *out (zeroed by the caller). Runs on the loop; must not block. */
typedef void (*web_stats_cb)(struct web_stats *out, void *arg);

/* Appends one JSON object per item to the JSON array `array` (a cJSON *,
 * passed as void * so that web.h does not need cJSON): registrations as
 * {"aor","contact","source","transport","expires"}, active calls as
 * {"id","from","to","direction","state","since"}. Must not block. */
typedef void (*web_list_cb)(void *array, void *arg);

/* A line's lock changed through web/ (API, self-service, phone XML),
 * already stored: main.c tells the B2BUA so that it can notify the
 * line's phones. Changes by other processes are not reported here. */
typedef void (*web_line_cb)(const char *partition, const char *ext,
    bool locked, void *arg);

/* Hooks main.c wires to the other rooms. Any may be NULL (without
 * `registrations`, the unexpired device bindings in LMDB are shown). */
/* A ban or a device pin was changed through the API, already stored:
 * main.c has the B2BUA load them now. */
typedef void (*web_bans_cb)(void *arg);

struct web_hooks {
	web_stats_cb stats;
	web_list_cb registrations;
	web_list_cb active_calls;
	web_line_cb line_changed;
	web_bans_cb bans_changed;
	void *arg;			/* passed to every hook */
};

/* Settings main.c translates from [web] and [storage]. Strings are
 * copied by web_new(). */
struct web_config {
	struct sockaddr_storage listen;
	bool tls;
	const char *tls_cert;	/* PEM; NULL or "": self-signed in data_dir */
	const char *tls_key;
	const char *data_dir;	/* the storage dir: certificate, password */
	struct store *store;	/* borrowed; must outlive the server */
	unsigned max_connections;	/* 0: 64 */
	unsigned header_timeout_ms;	/* 0: 10 s, request head to arrive */
	unsigned idle_timeout_ms;	/* 0: 60 s of keep-alive idleness */
	unsigned session_idle_s;	/* 0: 30 min */
	unsigned session_max_s;		/* 0: 12 h */
	/* [partitions], copied: the self-service page and the phone XML
	 * services find a line's partition as SIP does. None: "default". */
	struct pol_partition partitions[POL_PART_N];
	unsigned n_partitions;
};

struct web;

#if IS_ENABLED(CONFIG_WEB)
/* Starts listening on cfg->listen. On first start with no admin account
 * it creates "admin" with a random password written to
 * DATA_DIR/admin-password (0600) and logs the path; with TLS and no
 * certificate it generates a self-signed EC P-256 one in DATA_DIR.
 * On 0 *out is valid until web_close(). -EINVAL, -ENOMEM, UV_E*. */
int	web_new(struct web **out, uv_loop_t *loop,
	    const struct web_config *cfg, const struct web_hooks *hooks);

/* Stops listening and closes every connection; the server frees itself
 * once its handles are closed (the loop must run on). NULL is fine. */
void	web_close(struct web *w);

/* Sends one Server-Sent Event to every client of /api/v1/events, e.g.
 * web_event_publish("call", "{\"from\":\"100\",\"to\":\"112\"}").
 * `type` is a word ([a-z_.]); `json` one line of JSON (copied). Does
 * nothing when no server runs. Lock changes made through the API and
 * changes seen in the audit log are published by web/ itself. */
void	web_event_publish(const char *type, const char *json);

#else
/* Without CONFIG_WEB the config refuses [web] listen; these keep callers
 * free of #ifdef. */
static inline int
web_new(struct web **out, uv_loop_t *loop, const struct web_config *cfg,
    const struct web_hooks *hooks)
{
	(void)out, (void)loop, (void)cfg, (void)hooks;
	return UV_ENOTSUP;
}
static inline void
web_close(struct web *w)
{
	(void)w;
}
static inline void
web_event_publish(const char *type, const char *json)
{
	(void)type, (void)json;
}
#endif

#endif
