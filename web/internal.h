/* Declarations shared inside web/ only. */
#ifndef LL_WEB_INTERNAL_H
#define LL_WEB_INTERNAL_H

#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>
#include <uv.h>

#include <cjson/cJSON.h>
#include <llhttp.h>

#include "util.h"
#include "web/web.h"

#define WEB_URL_MAX 2048
#define WEB_HEADERS_MAX 8192	/* request line + header bytes: else 431 */
#define WEB_BODY_MAX 65536	/* request body: else 413 */
#define WEB_COOKIE_MAX 1024
#define WEB_AUTH_MAX 256
#define WEB_TOKEN_HDR_MAX 128
#define WEB_CTYPE_MAX 128
#define WEB_MAX_PARAMS 2
#define WEB_PARAM_MAX 64
#define WEB_SESSION_ID_LEN 43	/* 32 random bytes, base64url */
#define WEB_CSRF_LEN 43

/* A growable byte buffer. On allocation failure `oom` is set and further
 * appends are ignored, so a reply path checks once at the end. */
struct web_buf {
	char *p;	/* owned, NUL-terminated when len > 0 */
	size_t len;
	size_t cap;
	bool oom;
};

void	web__buf_free(struct web_buf *b);
void	web__buf_add(struct web_buf *b, const void *data, size_t len);
void	web__buf_str(struct web_buf *b, const char *s);
void	web__buf_printf(struct web_buf *b, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3)));
/* Appends s escaped for XML text and attributes. */
void	web__buf_xml(struct web_buf *b, const char *s);
/* Appends s as one CSV field (RFC 4180: quoted when needed). */
void	web__buf_csv(struct web_buf *b, const char *s);

/* An embedded static file (scripts/embed.sh). */
struct web_asset {
	const char *path;	/* "/index.html" */
	const char *type;	/* Content-Type */
	const unsigned char *data;
	size_t len;
};
extern const struct web_asset web__assets[];
extern const unsigned web__n_assets;
const struct web_asset *web__asset_find(const char *path);

/* Which header the parser is inside (only those we keep). */
enum web_hdr {
	WEB_HDR_OTHER = 0,
	WEB_HDR_COOKIE,
	WEB_HDR_AUTHORIZATION,
	WEB_HDR_CSRF,
	WEB_HDR_CTYPE,
	WEB_HDR_HOST,
	WEB_HDR_EXPECT,
};

/* How a request proved who it is. */
enum web_auth_kind {
	WEB_AUTH_NONE = 0,
	WEB_AUTH_SESSION,	/* cookie: state changes need the CSRF token */
	WEB_AUTH_TOKEN,		/* Authorization: Bearer */
};

/* One parsed request. Lives inside its connection; reset per request. */
struct web_req {
	uint8_t method;			/* llhttp_method_t */
	char url[WEB_URL_MAX];
	size_t url_len;
	char *query;			/* inside url, after '?', or NULL */
	char cookie[WEB_COOKIE_MAX];
	char authorization[WEB_AUTH_MAX];
	char csrf[WEB_TOKEN_HDR_MAX];
	char ctype[WEB_CTYPE_MAX];
	char host[WEB_CTYPE_MAX];	/* for absolute URLs in phone XML */
	char expect[16];		/* "100-continue" */
	enum web_hdr in_hdr;
	size_t hdr_len;			/* length of the value being read */
	size_t header_bytes;		/* budget against WEB_HEADERS_MAX */
	struct web_buf body;
	char params[WEB_MAX_PARAMS][WEB_PARAM_MAX];	/* {} in the route */
	unsigned n_params;
	/* Filled by the auth check. */
	enum web_auth_kind auth;
	char user[64];			/* admin name, or "token:NAME" */
	char session_id[WEB_SESSION_ID_LEN + 1];
	char csrf_expected[WEB_CSRF_LEN + 1];
};

enum web_conn_state {
	WEB_CONN_READING = 0,	/* parsing the next request */
	WEB_CONN_HANDLING,	/* a handler owns the request (maybe async) */
	WEB_CONN_STREAM,	/* Server-Sent Events: we only write */
	WEB_CONN_CLOSING,
};

struct web_tls_conn;

/* One client connection. Owner: its server's list; freed from the close
 * callback of `tcp` once `work_pending` is false too. */
struct web_conn {
	uv_tcp_t tcp;
	uv_timer_t timer;		/* header / idle timeout */
	struct web *srv;
	struct web_conn *next;		/* server's list */
	struct web_conn **pprev;
	llhttp_t parser;
	enum web_conn_state state;
	struct web_buf in;		/* unparsed plaintext */
	struct web_req req;
	struct web_tls_conn *tls;	/* NULL on plain HTTP */
	struct sockaddr_storage peer;
	char peer_host[48];		/* for logs, audit and throttling */
	int err_status;			/* set by a parser callback: 413 ... */
	unsigned handles_open;		/* tcp + timer not yet closed */
	bool in_process;		/* inside conn_process(): no reentry */
	bool keep_alive;
	bool work_pending;		/* a uv_queue_work holds a pointer */
	bool read_started;
	bool sse_events;		/* receives web_event_publish() */
};

/* The server. Owner: main.c through web_new()/web_close(). */
struct web {
	uv_loop_t *loop;
	uv_tcp_t listener;
	uv_timer_t tick;		/* 1 s: audit poll, SSE keep-alive */
	struct web_config cfg;		/* its strings: the arrays below */
	char data_dir[256];
	char tls_cert[256];
	char tls_key[256];
	struct web_hooks hooks;
	struct web_conn *conns;
	unsigned n_conns;
	unsigned n_streams;
	struct web_tls_srv *tls;	/* NULL on plain HTTP */
	uint64_t started_ms;
	uint64_t last_audit_seq;	/* events: audit entries published */
	unsigned tick_count;
	bool closing;
	unsigned handles_open;
	char rbuf[16384];		/* read buffer: consumed in read_cb */
	/* Counters for /metrics. */
	uint64_t http_requests[6];	/* by status class: 1xx..5xx, other */
	uint64_t http_conns_total;
	uint64_t http_conns_refused;
	uint64_t events_sent;
};

/* One route. `pattern` segments "{}" match one path segment into params. */
enum web_route_flags {
	WEB_R_PUBLIC = 1 << 0,	/* no login needed */
	WEB_R_PREFIX = 1 << 1,	/* pattern is a prefix (static files) */
};

typedef void (*web_handler_fn)(struct web_conn *c, struct web_req *r);

struct web_route {
	uint8_t method;		/* llhttp method; 0xff: any */
	const char *pattern;
	web_handler_fn fn;
	unsigned flags;
};

/* Matches path (no query) against pattern; fills r->params. */
bool	web__route_match(const char *pattern, const char *path,
	    struct web_req *r);
/* Finds the route for r; *method_ok false when the path exists under
 * another method (405). NULL when nothing matches. */
const struct web_route *web__route_find(struct web_req *r, bool *path_found);
void	web__dispatch(struct web_conn *c, struct web_req *r);

/* Replies. Each ends the request: exactly one per request. Headers from
 * `extra` (CRLF-terminated lines, may be NULL) are added. */
void	web__reply(struct web_conn *c, int status, const char *ctype,
	    const char *extra, const void *body, size_t len);
/* Takes ownership of j. */
void	web__reply_json(struct web_conn *c, int status, cJSON *j,
	    const char *extra);
void	web__reply_error(struct web_conn *c, int status, const char *code,
	    const char *fmt, ...) __attribute__((format(printf, 4, 5)));
/* Maps a negative errno from storage to a status and an error reply. */
void	web__reply_errno(struct web_conn *c, int err, const char *what);
/* After the reply (reply.c): the next request, or the close. */
void	web__conn_request_done(struct web_conn *c);
/* Switches c to an event stream: headers sent, kept open, no timeout. */
void	web__stream_start(struct web_conn *c);
/* Writes raw bytes (copied). -EPIPE when the connection is going. */
int	web__conn_write(struct web_conn *c, const void *data, size_t len);
void	web__conn_close(struct web_conn *c);
/* Ends a uv_queue_work begun for c; false when c died meanwhile (then
 * it is freed here and the caller must not touch it). */
bool	web__conn_work_done(struct web_conn *c);
void	web__conn_work_begin(struct web_conn *c);

/* Query string: copies the URL-decoded value of key into out.
 * Returns its length, or -ENOENT, -ENOSPC. */
int	web__query_get(const char *query, const char *key, char *out,
	    size_t len);
/* Decodes %XX and '+' in place. -EBADMSG on a bad escape or a NUL. */
int	web__url_decode(char *s);
/* Cookie header: copies the value of name. -ENOENT, -ENOSPC. */
int	web__cookie_get(const char *header, const char *name, char *out,
	    size_t len);
/* Constant-time equality of two NUL-terminated strings. */
bool	web__secret_equal(const char *a, const char *b);

/* Auth: fills r->auth/user or replies 401/403 itself (returns false). */
bool	web__auth_check(struct web_conn *c, struct web_req *r);

/* JSON request bodies. Parses r->body as an object and refuses unknown
 * fields: `allowed` is a NULL-terminated list (NULL: the caller checks).
 * Replies 400/415 itself and returns NULL on failure. The caller owns
 * the result. */
cJSON	*web__json_body(struct web_conn *c, struct web_req *r,
	    const char *const *allowed);
/* Type-checked field getters: false (and a 400 sent) on a wrong type.
 * A missing field leaves *out untouched and returns true unless
 * required. */
bool	web__json_str(struct web_conn *c, const cJSON *o, const char *name,
	    bool required, const char **out);
bool	web__json_bool(struct web_conn *c, const cJSON *o, const char *name,
	    bool required, bool *out);
bool	web__json_uint(struct web_conn *c, const cJSON *o, const char *name,
	    bool required, uint64_t max, uint64_t *out);

/* ?limit=N paging: dflt when absent; false (400 sent) outside 1..max. */
bool	web__page_limit(struct web_conn *c, struct web_req *r, unsigned dflt,
	    unsigned max, unsigned *out);
/* ?name=N as a number; 0 when absent; false (400 sent) when bad. */
bool	web__query_u64(struct web_conn *c, struct web_req *r,
	    const char *name, uint64_t *out);

/* Wipes a secret string field of o in place (a PIN, a password). */
void	web__json_wipe(cJSON *o, const char *name);

struct store_actor;
struct store_line;
struct store_audit;
cJSON	*web__audit_json(const struct store_audit *e);
/* The audit actor of a request: "web:USER" (or "web") from the peer. */
void	web__actor(struct store_actor *a, struct web_conn *c,
	    struct web_req *r);
/* A line as the API shows it (never the PIN hash). */
cJSON	*web__line_json(const struct store_line *l);
struct store_budget;
cJSON	*web__budget_json(const struct store_budget *b);
/* The {} extension of a /lines/ path and ?partition=: false with a 400
 * sent when either is not a valid name. */
bool	web__req_ext(struct web_conn *c, struct web_req *r);
bool	web__req_partition(struct web_conn *c, struct web_req *r,
	    char *out, size_t len);
/* Replies 200 with the line as it is now (404 when it has no record and
 * no device). */
void	web__reply_line(struct web_conn *c, const char *partition,
	    const char *ext);
/* Reports a lock change made through web/ to hooks.line_changed. */
void	web__line_changed(struct web *w, const char *partition,
	    const char *ext, bool locked);
/* Publishes new audit entries (and line changes) to the live feed now. */
void	web__events_poll(struct web *w);

/* The line a self-service or phone request names (partition.c). */
struct web_line_ref {
	char partition[STORE_PARTITION_MAX];
	char ext[STORE_EXT_MAX];
};

/* Finds the line `who` names ("201" or "201@DOMAIN") as SIP would: the
 * partition holding DOMAIN, else `partition` when given (NULL or "": not
 * given; "default" is always known), else the partition whose networks
 * hold `peer` (NULL: none), else "default". With `strict` (the
 * self-service page, where a user types the domain) an unknown DOMAIN
 * or partition name is -ENXIO; without (a phone's provisioned URL) an
 * unknown DOMAIN falls through as it does for the phone's REGISTER. A
 * site without [partitions] ignores DOMAIN. -EINVAL: bad extension or
 * domain text; -EDOM: DOMAIN is another partition's than `partition`.
 * *out is set on 0 only. */
int	web__line_ref(struct web_line_ref *out, const struct web_config *cfg,
	    const char *who, const char *partition,
	    const struct sockaddr *peer, bool strict);
/* "201" in "default", "siteB/201" elsewhere: for logs and actors. */
void	web__line_ref_str(const struct web_line_ref *ref, char *buf,
	    size_t len);

/* PIN-checked lock/unlock by the line's user (self-service, phones);
 * `via` names the channel in the audit actor ("self", "phone").
 * On 0 the PIN is being verified off the loop and `done` runs exactly
 * once, later, with 0 and the new line, or: -EACCES wrong PIN, -EBUSY
 * blocked, -EPERM admin or budget lock, -ENOENT unknown line, -ENOKEY no
 * PIN set. Fails at once (done never runs) with -EINVAL (bad extension
 * or PIN text), -ENOENT, -ENOKEY, -EBUSY, -ENOMEM. */
typedef void (*web_pin_done_fn)(struct web_conn *c, int err,
	    const struct store_line *l);
int	web__pin_action(struct web_conn *c, const char *via,
	    const struct web_line_ref *line, const char *pin, bool lock,
	    web_pin_done_fn done);
/* Text for a web__pin_action() error. */
const char *web__pin_strerror(int err);

/* Handlers (one file per group). */
void	web__h_static(struct web_conn *c, struct web_req *r);
void	web__h_healthz(struct web_conn *c, struct web_req *r);
void	web__h_bans_list(struct web_conn *c, struct web_req *r);
void	web__h_ban_add(struct web_conn *c, struct web_req *r);
void	web__h_ban_del(struct web_conn *c, struct web_req *r);
void	web__h_devpins_list(struct web_conn *c, struct web_req *r);
void	web__h_devpin_put(struct web_conn *c, struct web_req *r);
void	web__h_devpin_unlock(struct web_conn *c, struct web_req *r);
void	web__h_devpin_del(struct web_conn *c, struct web_req *r);
void	web__h_metrics(struct web_conn *c, struct web_req *r);
void	web__h_version(struct web_conn *c, struct web_req *r);
void	web__h_system(struct web_conn *c, struct web_req *r);
void	web__h_login(struct web_conn *c, struct web_req *r);
void	web__h_logout(struct web_conn *c, struct web_req *r);
void	web__h_whoami(struct web_conn *c, struct web_req *r);
void	web__h_tokens_list(struct web_conn *c, struct web_req *r);
void	web__h_token_create(struct web_conn *c, struct web_req *r);
void	web__h_token_revoke(struct web_conn *c, struct web_req *r);
void	web__h_lines_list(struct web_conn *c, struct web_req *r);
void	web__h_line_get(struct web_conn *c, struct web_req *r);
void	web__h_line_put(struct web_conn *c, struct web_req *r);
void	web__h_line_lock(struct web_conn *c, struct web_req *r);
void	web__h_line_unlock(struct web_conn *c, struct web_req *r);
void	web__h_line_pin(struct web_conn *c, struct web_req *r);
void	web__h_settings_get(struct web_conn *c, struct web_req *r);
void	web__h_settings_put(struct web_conn *c, struct web_req *r);
void	web__h_list_get(struct web_conn *c, struct web_req *r);
void	web__h_list_put(struct web_conn *c, struct web_req *r);
void	web__h_lists(struct web_conn *c, struct web_req *r);
void	web__h_line_class(struct web_conn *c, struct web_req *r);
void	web__h_line_budget(struct web_conn *c, struct web_req *r);
void	web__h_line_budget_reset(struct web_conn *c, struct web_req *r);
void	web__h_line_afterhours_clear(struct web_conn *c,
	    struct web_req *r);
void	web__h_authcodes_list(struct web_conn *c, struct web_req *r);
void	web__h_authcode_add(struct web_conn *c, struct web_req *r);
void	web__h_authcode_del(struct web_conn *c, struct web_req *r);
void	web__h_devices(struct web_conn *c, struct web_req *r);
void	web__h_registrations(struct web_conn *c, struct web_req *r);
void	web__h_calls_active(struct web_conn *c, struct web_req *r);
void	web__h_audit(struct web_conn *c, struct web_req *r);
void	web__h_cdr(struct web_conn *c, struct web_req *r);
void	web__h_events(struct web_conn *c, struct web_req *r);
void	web__h_self_lock(struct web_conn *c, struct web_req *r);
void	web__h_self_unlock(struct web_conn *c, struct web_req *r);
void	web__h_self_partitions(struct web_conn *c, struct web_req *r);
void	web__h_phone(struct web_conn *c, struct web_req *r);

/* Events: the 1 s tick (audit poll and keep-alive). */
void	web__events_tick(struct web *w);
void	web__events_init(struct web *w);

/* First start: an admin account with a random password in the data dir. */
int	web__admin_bootstrap(struct web *w);

/* TLS (tls.c, CONFIG_TLS; without it the server never has TLS). */
struct web_tls_srv;
#if IS_ENABLED(CONFIG_TLS)
int	web__tls_srv_new(struct web_tls_srv **out, struct web *w);
void	web__tls_srv_free(struct web_tls_srv *t);
int	web__tls_conn_new(struct web_conn *c);
void	web__tls_conn_free(struct web_conn *c);
/* Raw bytes in: decrypts and feeds web__conn_feed(). -EPROTO. */
int	web__tls_conn_input(struct web_conn *c, const char *data, size_t len);
int	web__tls_conn_write(struct web_conn *c, const void *data, size_t len);
#else
static inline int
web__tls_srv_new(struct web_tls_srv **out, struct web *w)
{
	(void)out, (void)w;
	return -ENOTSUP;
}
static inline void
web__tls_srv_free(struct web_tls_srv *t)
{
	(void)t;
}
static inline int
web__tls_conn_new(struct web_conn *c)
{
	(void)c;
	return -ENOTSUP;
}
static inline void
web__tls_conn_free(struct web_conn *c)
{
	(void)c;
}
static inline int
web__tls_conn_input(struct web_conn *c, const char *data, size_t len)
{
	(void)c, (void)data, (void)len;
	return -ENOTSUP;
}
static inline int
web__tls_conn_write(struct web_conn *c, const void *data, size_t len)
{
	(void)c, (void)data, (void)len;
	return -ENOTSUP;
}
#endif
/* Raw (ciphertext or plain) write to the socket, copied. */
int	web__conn_send_raw(struct web_conn *c, const void *data, size_t len);
/* Server (server.c, http.c). Connections and handles hold the server;
 * the last unref frees it. */
void	web__srv_unref(struct web *w);
int	web__listen(struct web *w);
void	web__close_conns(struct web *w);
/* Serves the connected stream socket fd (takes ownership, closed on
 * every error) as a client at `peer` (AF_INET or AF_INET6), exactly as
 * if accepted: the accept path's code without accept(). For callers
 * without a listener: tests/fuzz/fuzz_http.c over a socketpair. -ENOMEM,
 * UV_E*. */
int	web__conn_adopt(struct web *w, uv_os_sock_t fd,
	    const struct sockaddr *peer);
/* Plaintext in. */
void	web__conn_feed(struct web_conn *c, const char *data, size_t len);

/* The one server of the process (web_event_publish has no argument). */
extern struct web *web__current;

#endif
