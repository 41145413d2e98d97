/* Who may use the API: session cookies (console) and Bearer tokens
 * (automation); logins with slow password checks off the loop, throttled
 * per source address and per account; the first admin account. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include <mbedtls/platform_util.h>

#include "log.h"
#include "storage/store.h"
#include "web/internal.h"

#define COOKIE_NAME "llsid"
/* Logins: per address and per account, failures within a window block
 * for a while (OWASP ASVS 2.2.1). */
#define LOGIN_IP_MAX 10
#define LOGIN_USER_MAX 5
#define LOGIN_WINDOW_S 900
#define LOGIN_BLOCK_S 900
/* last_seen is rewritten at most this often: each write is an fsync. */
#define SESSION_TOUCH_S 60

static bool
session_load(struct web *w, struct web_req *r, const char *id)
{
	struct store_session s;
	int64_t now = time(NULL);

	if (store_session_get(w->cfg.store, &s, id) < 0)
		return false;
	if (now - s.last_seen > (int64_t)w->cfg.session_idle_s ||
	    now - s.created > (int64_t)w->cfg.session_max_s) {
		store_session_expire(w->cfg.store, now, w->cfg.session_idle_s,
		    w->cfg.session_max_s);
		return false;
	}
	if (now - s.last_seen >= SESSION_TOUCH_S)
		store_session_touch(w->cfg.store, id, now);
	r->auth = WEB_AUTH_SESSION;
	ll_strlcpy(r->user, s.admin, sizeof(r->user));
	ll_strlcpy(r->session_id, id, sizeof(r->session_id));
	ll_strlcpy(r->csrf_expected, s.csrf, sizeof(r->csrf_expected));
	return true;
}

static bool
token_load(struct web *w, struct web_req *r, const char *token)
{
	struct store_api_token t;
	int64_t now = time(NULL);

	if (store_token_check(w->cfg.store, &t, token) < 0)
		return false;
	if (now - t.last_used >= SESSION_TOUCH_S)
		store_token_touch(w->cfg.store, t.name, now);
	r->auth = WEB_AUTH_TOKEN;
	snprintf(r->user, sizeof(r->user), "token:%s", t.name);
	return true;
}

bool
web__auth_check(struct web_conn *c, struct web_req *r)
{
	char id[WEB_SESSION_ID_LEN + 2];

	/* RFC 6750 2.1: "Bearer" (case-insensitive) SP token. */
	if (strncasecmp(r->authorization, "Bearer ", 7) == 0) {
		if (token_load(c->srv, r, r->authorization + 7))
			return true;
		web__reply_error(c, 401, "unauthorized", "invalid API token");
		return false;
	}
	if (r->authorization[0]) {
		web__reply_error(c, 401, "unauthorized", "only Bearer tokens "
							"are accepted");
		return false;
	}
	if (web__cookie_get(r->cookie, COOKIE_NAME, id, sizeof(id)) == 0 &&
	    session_load(c->srv, r, id))
		return true;
	web__reply_error(c, 401, "unauthorized", "login required");
	return false;
}

void
web__actor(struct store_actor *a, struct web_conn *c, struct web_req *r)
{
	memset(a, 0, sizeof(*a));
	if (r && r->user[0])
		snprintf(a->name, sizeof(a->name), "web:%.*s",
		    (int)sizeof(a->name) - 5, r->user);
	else
		ll_strlcpy(a->name, "web", sizeof(a->name));
	ll_strlcpy(a->source, c->peer_host, sizeof(a->source));
}

/* A login in flight: copies of everything the worker needs. */
struct login_work {
	uv_work_t work;
	struct web_conn *conn;
	char user[STORE_NAME_MAX];
	char password[128];
	struct store_hash hash;
	bool known;		/* account exists */
	bool ok;		/* result */
};

static void
login_on_work(uv_work_t *req)
{
	struct login_work *lw = container_of(req, struct login_work, work);

	/* An unknown account costs the same time as a known one. */
	lw->ok = store_hash_verify(&lw->hash, lw->password) && lw->known;
	mbedtls_platform_zeroize(lw->password, sizeof(lw->password));
}

static void
throttle_keys(char *ip_key, char *user_key, size_t len, const char *host,
    const char *user)
{
	snprintf(ip_key, len, "login-ip:%s", host);
	snprintf(user_key, len, "login-user:%s", user);
}

static void
login_failed(struct web_conn *c, const char *user)
{
	struct store *st = c->srv->cfg.store;
	char ip_key[96], user_key[96];
	struct store_actor a;
	int64_t now = time(NULL);

	throttle_keys(ip_key, user_key, sizeof(ip_key), c->peer_host, user);
	store_throttle_fail(st, ip_key, now, LOGIN_IP_MAX, LOGIN_WINDOW_S,
	    LOGIN_BLOCK_S, NULL);
	store_throttle_fail(st, user_key, now, LOGIN_USER_MAX, LOGIN_WINDOW_S,
	    LOGIN_BLOCK_S, NULL);
	web__actor(&a, c, NULL);
	store_audit_append(st, &a, "admin.login_fail", user, "", "");
	log_info("web: %s: failed login for \"%s\"", c->peer_host, user);
	web__reply_error(c, 401, "bad_credentials", "wrong user or password");
}

static void
login_succeeded(struct web_conn *c, const char *user)
{
	struct store *st = c->srv->cfg.store;
	char ip_key[96], user_key[96], id[STORE_SESSION_ID_LEN];
	char extra[256];
	struct store_session s = {0};
	struct store_actor a;
	cJSON *j;
	int rc;

	throttle_keys(ip_key, user_key, sizeof(ip_key), c->peer_host, user);
	store_throttle_reset(st, ip_key);
	store_throttle_reset(st, user_key);
	ll_strlcpy(s.admin, user, sizeof(s.admin));
	ll_strlcpy(s.source, c->peer_host, sizeof(s.source));
	s.created = s.last_seen = time(NULL);
	rc = store_session_create(st, id, &s);
	if (rc < 0) {
		web__reply_errno(c, rc, "session");
		return;
	}
	snprintf(a.name, sizeof(a.name), "web:%s", user);
	ll_strlcpy(a.source, c->peer_host, sizeof(a.source));
	store_admin_login(st, user, s.created, &a);
	/* RFC 6265 4.1.2: HttpOnly keeps it from scripts, SameSite=Strict
	 * from cross-site requests, Secure from plain HTTP. No Max-Age: the
	 * server enforces idle and absolute expiry. */
	snprintf(extra, sizeof(extra),
	    "Set-Cookie: " COOKIE_NAME "=%s; Path=/; HttpOnly; "
	    "SameSite=Strict%s\r\nCache-Control: no-store\r\n",
	    id, c->tls ? "; Secure" : "");
	mbedtls_platform_zeroize(id, sizeof(id));
	j = cJSON_CreateObject();
	cJSON_AddStringToObject(j, "user", user);
	cJSON_AddStringToObject(j, "csrf", s.csrf);
	log_info("web: %s: admin \"%s\" logged in", c->peer_host, user);
	web__reply_json(c, 200, j, extra);
}

static void
login_on_done(uv_work_t *req, int status)
{
	struct login_work *lw = container_of(req, struct login_work, work);
	struct web_conn *c = lw->conn;

	if (web__conn_work_done(c)) {
		if (status == 0 && lw->ok)
			login_succeeded(c, lw->user);
		else
			login_failed(c, lw->user);
	}
	mbedtls_platform_zeroize(lw, sizeof(*lw));
	free(lw);
}

/* 429 with Retry-After when the address or the account is blocked. */
static bool
login_is_blocked(struct web_conn *c, const char *user)
{
	struct store *st = c->srv->cfg.store;
	char ip_key[96], user_key[96], extra[96];
	struct store_throttle a = {0}, b = {0};
	int64_t now = time(NULL), until;

	throttle_keys(ip_key, user_key, sizeof(ip_key), c->peer_host, user);
	store_throttle_get(st, &a, ip_key);
	store_throttle_get(st, &b, user_key);
	until = MAX(a.blocked_until, b.blocked_until);
	if (until <= now)
		return false;
	snprintf(extra, sizeof(extra), "Retry-After: %lld\r\n",
	    (long long)(until - now));
	{
		cJSON *j = cJSON_CreateObject();
		cJSON *e = cJSON_AddObjectToObject(j, "error");

		cJSON_AddStringToObject(e, "code", "throttled");
		cJSON_AddStringToObject(e, "message", "too many failed logins, "
						      "try again later");
		web__reply_json(c, 429, j, extra);
	}
	return true;
}

static int
login_prepare(struct login_work *lw, struct web_conn *c, cJSON *body)
{
	const char *user = NULL, *pass = NULL;
	struct store_admin adm;

	if (!web__json_str(c, body, "user", true, &user) ||
	    !web__json_str(c, body, "password", true, &pass))
		return -EINVAL;
	if (!*user || strlen(user) >= sizeof(lw->user) || !*pass ||
	    strlen(pass) >= sizeof(lw->password)) {
		web__reply_error(c, 400, "invalid", "user and password must "
						   "be 1 to 31 and 1 to 127 "
						   "characters");
		return -EINVAL;
	}
	if (login_is_blocked(c, user))
		return -EBUSY;
	ll_strlcpy(lw->user, user, sizeof(lw->user));
	ll_strlcpy(lw->password, pass, sizeof(lw->password));
	lw->known = store_admin_get(c->srv->cfg.store, &adm, user) == 0;
	if (lw->known) {
		lw->hash = adm.password;
	} else {
		/* A decoy hash with the default cost. */
		lw->hash.iterations = STORE_HASH_ITER_DEFAULT;
	}
	return 0;
}

void
web__h_login(struct web_conn *c, struct web_req *r)
{
	static const char *const fields[] = {"user", "password", NULL};
	struct login_work *lw;
	cJSON *body = web__json_body(c, r, fields);

	if (!body)
		return;
	lw = calloc(1, sizeof(*lw));
	if (!lw) {
		cJSON_Delete(body);
		web__reply_error(c, 503, "no_memory", "out of memory");
		return;
	}
	if (login_prepare(lw, c, body) < 0)
		goto done;
	lw->conn = c;
	if (uv_queue_work(c->srv->loop, &lw->work, login_on_work,
		login_on_done) < 0) {
		web__reply_error(c, 503, "busy", "cannot check now");
		goto done;
	}
	web__conn_work_begin(c);
	lw = NULL;
done:
	web__json_wipe(body, "password");
	mbedtls_platform_zeroize(r->body.p, r->body.len);
	cJSON_Delete(body);
	if (lw) {
		mbedtls_platform_zeroize(lw, sizeof(*lw));
		free(lw);
	}
}

void
web__h_logout(struct web_conn *c, struct web_req *r)
{
	struct store_actor a;

	if (r->auth == WEB_AUTH_SESSION) {
		web__actor(&a, c, r);
		store_session_del(c->srv->cfg.store, r->session_id, &a);
	}
	web__reply(c, 204, "text/plain",
	    "Set-Cookie: " COOKIE_NAME "=; Path=/; HttpOnly; "
	    "SameSite=Strict; Max-Age=0\r\nCache-Control: no-store\r\n",
	    "", 0);
}

void
web__h_whoami(struct web_conn *c, struct web_req *r)
{
	cJSON *j = cJSON_CreateObject();

	cJSON_AddStringToObject(j, "user", r->user);
	cJSON_AddStringToObject(j, "auth", r->auth == WEB_AUTH_TOKEN ?
	    "token" : "session");
	if (r->auth == WEB_AUTH_SESSION)
		cJSON_AddStringToObject(j, "csrf", r->csrf_expected);
	web__reply_json(c, 200, j, NULL);
}

#define TOKENS_MAX 64

void
web__h_tokens_list(struct web_conn *c, struct web_req *r)
{
	struct store_api_token *t = calloc(TOKENS_MAX, sizeof(*t));
	cJSON *j, *items;
	int n;

	(void)r;
	if (!t) {
		web__reply_error(c, 503, "no_memory", "out of memory");
		return;
	}
	n = store_token_list(c->srv->cfg.store, t, TOKENS_MAX);
	if (n < 0) {
		free(t);
		web__reply_errno(c, n, "tokens");
		return;
	}
	j = cJSON_CreateObject();
	items = cJSON_AddArrayToObject(j, "items");
	for (int i = 0; i < n; i++) {
		cJSON *o = cJSON_CreateObject();

		cJSON_AddStringToObject(o, "name", t[i].name);
		cJSON_AddNumberToObject(o, "created", (double)t[i].created);
		cJSON_AddNumberToObject(o, "last_used", (double)t[i].last_used);
		cJSON_AddItemToArray(items, o);
	}
	free(t);
	web__reply_json(c, 200, j, NULL);
}

/* The token text is in this one response only; storage keeps a hash. */
void
web__h_token_create(struct web_conn *c, struct web_req *r)
{
	static const char *const fields[] = {"name", NULL};
	char token[STORE_TOKEN_LEN];
	const char *name = NULL;
	struct store_actor a;
	cJSON *body = web__json_body(c, r, fields), *j;
	int rc;

	if (!body)
		return;
	if (!web__json_str(c, body, "name", true, &name)) {
		cJSON_Delete(body);
		return;
	}
	web__actor(&a, c, r);
	rc = store_token_create(c->srv->cfg.store, name, token, &a);
	if (rc < 0) {
		cJSON_Delete(body);
		web__reply_errno(c, rc, "token");
		return;
	}
	j = cJSON_CreateObject();
	cJSON_AddStringToObject(j, "name", name);
	cJSON_AddStringToObject(j, "token", token);
	mbedtls_platform_zeroize(token, sizeof(token));
	cJSON_Delete(body);
	web__events_poll(c->srv);
	web__reply_json(c, 201, j, NULL);
}

void
web__h_token_revoke(struct web_conn *c, struct web_req *r)
{
	struct store_actor a;
	int rc;

	web__actor(&a, c, r);
	rc = store_token_revoke(c->srv->cfg.store, r->params[0], &a);
	if (rc < 0) {
		web__reply_errno(c, rc, "token");
		return;
	}
	web__events_poll(c->srv);
	web__reply(c, 204, "text/plain", "Cache-Control: no-store\r\n", "",
	    0);
}

static int
bootstrap_write(const char *path, const char *password)
{
	int fd = open(path,
	    O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
	size_t len = strlen(password);
	int rc = 0;

	if (fd < 0)
		return -errno;
	if (fchmod(fd, 0600) < 0 || write(fd, password, len) != (ssize_t)len ||
	    write(fd, "\n", 1) != 1 || fsync(fd) < 0)
		rc = -EIO;
	close(fd);
	return rc;
}

int
web__admin_bootstrap(struct web *w)
{
	struct store_admin any;
	struct store_hash h;
	struct store_actor a = {"system", "local"};
	char password[33], path[300];
	int rc;

	if (store_admin_list(w->cfg.store, &any, 1) != 0)
		return 0;
	/* First start: a random password only root can read. It is hashed
	 * here, once, on the loop before any client can connect. */
	rc = store_random_hex(password, 16);
	if (rc < 0)
		return rc;
	snprintf(path, sizeof(path), "%s/admin-password", w->data_dir);
	rc = bootstrap_write(path, password);
	if (rc == 0)
		rc = store_hash_make(&h, password, STORE_HASH_ITER_DEFAULT);
	mbedtls_platform_zeroize(password, sizeof(password));
	if (rc == 0)
		rc = store_admin_put(w->cfg.store, "admin", &h, &a);
	if (rc < 0) {
		log_error("web: cannot create the first admin account: %s",
		    store_strerror(rc));
		return rc;
	}
	log_info("web: created admin account \"admin\"; its password is in "
		 "%s (readable by root only)", path);
	return 0;
}
