/* The web server end to end in one process: a real LMDB store in a
 * temporary directory, the server on the loop, and a blocking client in
 * a second thread (tests only) sending raw HTTP. Covers routing, auth,
 * cookies and CSRF, JSON validation and the parser's limits. */
#include <errno.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <cmocka.h>

#include "storage/store.h"
#include "web/internal.h"

#if IS_ENABLED(CONFIG_WEB)

struct fixture {
	char dir[64];
	struct store *st;
	struct web *w;
	uint16_t port;
	uv_async_t done;
	char cookie[128];	/* "llsid=..." */
	char csrf[64];
};

/* One exchange run by the client thread. */
struct exchange {
	struct fixture *f;
	const char *req;
	size_t req_len;
	char resp[65536];
	size_t resp_len;
};

static void
on_done(uv_async_t *a)
{
	(void)a;
	uv_stop(uv_default_loop());
}

static void *
client_main(void *arg)
{
	struct exchange *x = arg;
	struct sockaddr_in sin = {.sin_family = AF_INET};
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	struct timeval tv = {10, 0};
	ssize_t n;

	sin.sin_port = htons(x->f->port);
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	if (connect(fd, (struct sockaddr *)&sin, sizeof(sin)) == 0) {
		if (write(fd, x->req, x->req_len) < 0)
			x->resp_len = 0;
		/* "Connection: close" in every request: read to EOF. */
		while ((n = read(fd, x->resp + x->resp_len,
			    sizeof(x->resp) - 1 - x->resp_len)) > 0)
			x->resp_len += (size_t)n;
	}
	x->resp[x->resp_len] = '\0';
	close(fd);
	uv_async_send(&x->f->done);
	return NULL;
}

static struct exchange *
exchange(struct fixture *f, const char *req, size_t len)
{
	struct exchange *x = calloc(1, sizeof(*x));
	pthread_t t;

	x->f = f;
	x->req = req;
	x->req_len = len;
	assert_int_equal(pthread_create(&t, NULL, client_main, x), 0);
	uv_run(uv_default_loop(), UV_RUN_DEFAULT);
	pthread_join(t, NULL);
	return x;
}

/* Sends METHOD PATH with optional body and extra header lines, and the
 * session cookie when the fixture holds one. */
static struct exchange *
request(struct fixture *f, const char *method, const char *path,
    const char *headers, const char *body)
{
	static char req[80000];
	char cookie[160] = "";
	size_t blen = body ? strlen(body) : 0;
	int n;

	if (f->cookie[0])
		snprintf(cookie, sizeof(cookie), "Cookie: %s\r\n", f->cookie);
	n = snprintf(req, sizeof(req),
	    "%s %s HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n"
	    "%s%s%sContent-Length: %zu\r\n\r\n%s",
	    method, path, headers ? headers : "",
	    body ? "Content-Type: application/json\r\n" : "", cookie, blen,
	    body ? body : "");
	return exchange(f, req, (size_t)n);
}

static int
status_of(const struct exchange *x)
{
	int s = 0;

	sscanf(x->resp, "HTTP/1.1 %d", &s);
	return s;
}

static const char *
body_of(const struct exchange *x)
{
	const char *p = strstr(x->resp, "\r\n\r\n");

	return p ? p + 4 : "";
}

static int
expect(struct fixture *f, const char *method, const char *path,
    const char *headers, const char *body, int status, const char *needle)
{
	struct exchange *x = request(f, method, path, headers, body);
	int s = status_of(x);

	if (s != status || (needle && !strstr(x->resp, needle)))
		print_error("%s %s: got %d, want %d with \"%s\":\n%s\n",
		    method, path, s, status, needle ? needle : "", x->resp);
	assert_int_equal(s, status);
	if (needle)
		assert_non_null(strstr(x->resp, needle));
	free(x);
	return s;
}

static void
read_password(struct fixture *f, char *out, size_t len)
{
	char path[128];
	FILE *fp;

	snprintf(path, sizeof(path), "%s/admin-password", f->dir);
	fp = fopen(path, "r");
	assert_non_null(fp);
	assert_non_null(fgets(out, (int)len, fp));
	out[strcspn(out, "\n")] = '\0';
	fclose(fp);
}

static void
login(struct fixture *f)
{
	char pw[64], body[128];
	struct exchange *x;
	const char *p;

	read_password(f, pw, sizeof(pw));
	snprintf(body, sizeof(body), "{\"user\":\"admin\",\"password\":\"%s\"}",
	    pw);
	x = request(f, "POST", "/api/v1/login", NULL, body);
	assert_int_equal(status_of(x), 200);
	p = strstr(x->resp, "Set-Cookie: llsid=");
	assert_non_null(p);
	assert_non_null(strstr(p, "HttpOnly"));
	assert_non_null(strstr(p, "SameSite=Strict"));
	sscanf(p, "Set-Cookie: %127[^;]", f->cookie);
	p = strstr(body_of(x), "\"csrf\":\"");
	assert_non_null(p);
	sscanf(p, "\"csrf\":\"%63[^\"]", f->csrf);
	free(x);
}

static int
setup_with(void **state, unsigned max_conns, unsigned header_ms,
    uint64_t map_size)
{
	struct fixture *f = calloc(1, sizeof(*f));
	struct store_config sc = {.map_size = map_size};
	struct web_config wc = {.max_connections = max_conns,
	    .header_timeout_ms = header_ms};
	struct sockaddr_in *sin = (struct sockaddr_in *)&wc.listen;
	struct sockaddr_storage bound;
	int len = sizeof(bound);

	strcpy(f->dir, "/tmp/ll-web-XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	ll_strlcpy(sc.dir, f->dir, sizeof(sc.dir));
	assert_int_equal(store_open(&f->st, &sc), 0);
	sin->sin_family = AF_INET;
	sin->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	wc.data_dir = f->dir;
	wc.store = f->st;
	assert_int_equal(web_new(&f->w, uv_default_loop(), &wc, NULL), 0);
	assert_int_equal(uv_tcp_getsockname(&f->w->listener,
			     (struct sockaddr *)&bound, &len), 0);
	f->port = ntohs(((struct sockaddr_in *)&bound)->sin_port);
	uv_async_init(uv_default_loop(), &f->done, on_done);
	*state = f;
	return 0;
}

static int
setup(void **state)
{
	return setup_with(state, 0, 0, 0);
}

/* A 1 MiB map, to fill. */
static int
setup_tiny_map(void **state)
{
	return setup_with(state, 0, 0, 1 << 20);
}

/* Two connections at most, 300 ms for a request head. */
static int
setup_small(void **state)
{
	return setup_with(state, 2, 300, 0);
}

static int
teardown(void **state)
{
	struct fixture *f = *state;
	char cmd[128];

	web_close(f->w);
	uv_close((uv_handle_t *)&f->done, NULL);
	uv_run(uv_default_loop(), UV_RUN_DEFAULT);
	store_close(f->st);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", f->dir);
	assert_int_equal(system(cmd), 0);
	free(f);
	return 0;
}

static void
test_http_public_routes(void **state)
{
	struct fixture *f = *state;

	expect(f, "GET", "/healthz", NULL, NULL, 200, "ok");
	expect(f, "GET", "/", NULL, NULL, 200, "<!doctype html>");
	expect(f, "GET", "/app.js", NULL, NULL, 200, "text/javascript");
	expect(f, "GET", "/self", NULL, NULL, 200, "self.js");
	expect(f, "GET", "/nope", NULL, NULL, 404, "\"not_found\"");
	expect(f, "GET", "/healthz", NULL, NULL, 200,
	    "Content-Security-Policy: default-src 'self'; "
	    "frame-ancestors 'none'");
	expect(f, "GET", "/healthz", NULL, NULL, 200,
	    "X-Content-Type-Options: nosniff");
	expect(f, "GET", "/healthz", NULL, NULL, 200,
	    "Referrer-Policy: no-referrer");
}

static void
test_http_auth_required(void **state)
{
	struct fixture *f = *state;

	expect(f, "GET", "/api/v1/lines", NULL, NULL, 401, "unauthorized");
	expect(f, "GET", "/metrics", NULL, NULL, 401, NULL);
	expect(f, "POST", "/api/v1/lines/201/lock", NULL, NULL, 401, NULL);
	expect(f, "GET", "/api/v1/lines", "Authorization: Bearer nope\r\n",
	    NULL, 401, "invalid API token");
	strcpy(f->cookie, "llsid=forged");
	expect(f, "GET", "/api/v1/lines", NULL, NULL, 401, NULL);
	f->cookie[0] = '\0';
	expect(f, "POST", "/api/v1/login", NULL,
	    "{\"user\":\"admin\",\"password\":\"wrong\"}", 401,
	    "bad_credentials");
	expect(f, "POST", "/api/v1/login", NULL,
	    "{\"user\":\"nobody\",\"password\":\"wrong\"}", 401, NULL);
}

static void
test_http_csrf_on_state_change(void **state)
{
	struct fixture *f = *state;
	char hdr[128];

	login(f);
	expect(f, "GET", "/api/v1/lines", NULL, NULL, 200, "\"items\"");
	expect(f, "POST", "/api/v1/lines/201/lock", NULL, NULL, 403, "csrf");
	expect(f, "POST", "/api/v1/lines/201/lock",
	    "X-CSRF-Token: wrong\r\n", NULL, 403, "csrf");
	snprintf(hdr, sizeof(hdr), "X-CSRF-Token: %s\r\n", f->csrf);
	expect(f, "POST", "/api/v1/lines/201/lock", hdr, NULL, 200,
	    "\"locked\":true");
	expect(f, "GET", "/api/v1/lines/201", NULL, NULL, 200,
	    "\"lock\":\"admin\"");
	expect(f, "POST", "/api/v1/lines/201/unlock", hdr, NULL, 200,
	    "\"locked\":false");
	expect(f, "POST", "/api/v1/logout", hdr, NULL, 204, "Max-Age=0");
	expect(f, "GET", "/api/v1/lines", NULL, NULL, 401, NULL);
}

static void
test_http_bearer_token_needs_no_csrf(void **state)
{
	struct fixture *f = *state;
	struct store_actor a = {"test", "local"};
	char tok[STORE_TOKEN_LEN], hdr[128];

	assert_int_equal(store_token_create(f->st, "ci", tok, &a), 0);
	snprintf(hdr, sizeof(hdr), "Authorization: Bearer %s\r\n", tok);
	expect(f, "POST", "/api/v1/lines/202/lock", hdr, "{\"mode\":\"user\"}",
	    200, "\"lock\":\"user\"");
	expect(f, "GET", "/api/v1/session", hdr, NULL, 200, "token:ci");
	expect(f, "GET", "/metrics", hdr, NULL, 200,
	    "linelock_http_requests_total{code=\"2xx\"}");
}

static void
test_http_json_validation(void **state)
{
	struct fixture *f = *state;
	struct store_actor a = {"test", "local"};
	char tok[STORE_TOKEN_LEN], hdr[128];
	static const struct {
		const char *method, *path, *body;
		int status;
		const char *code;
	} cases[] = {
	    {"POST", "/api/v1/lines/201/lock", "{\"mode\":", 400, "bad_json"},
	    {"POST", "/api/v1/lines/201/lock", "[1]", 400, "bad_json"},
	    {"POST", "/api/v1/lines/201/lock", "{\"mode\":1}", 400,
		"wrong_type"},
	    {"POST", "/api/v1/lines/201/lock", "{\"mode\":\"x\"}", 400,
		"invalid"},
	    {"POST", "/api/v1/lines/201/lock", "{\"evil\":1}", 400,
		"unknown_field"},
	    {"POST", "/api/v1/lines/2%2F1/lock", NULL, 404, "not_found"},
	    {"GET", "/api/v1/lines/999", NULL, 404, "not_found"},
	    {"PUT", "/api/v1/settings", "{\"locked_action\":\"explode\"}", 400,
		"invalid"},
	    {"PUT", "/api/v1/settings", "{\"no_such\":\"1\"}", 400,
		"unknown_field"},
	    {"PUT", "/api/v1/settings", "{\"block_incoming\":\"maybe\"}", 400,
		NULL},
	    {"PUT", "/api/v1/emergency", "{\"patterns\":[\"11[2\"]}", 400,
		"bad_pattern"},
	    {"PUT", "/api/v1/settings", "{\"block_anonymous\":true,"
		"\"blocked_code\":700}", 400, "invalid"},
	    {"PUT", "/api/v1/settings", "{\"blocked_code\":\"603\"}", 400,
		"wrong_type"},
	    {"PUT", "/api/v1/lists/block", "{\"patterns\":[\"0[9\"]}", 400,
		"bad_pattern"},
	    {"GET", "/api/v1/lists/class9", NULL, 404, "not_found"},
	    {"PUT", "/api/v1/lines/201/class", "{\"class\":\"1\"}", 400,
		"wrong_type"},
	    {"POST", "/api/v1/authcodes", "{\"name\":\"a\",\"code\":\"12\"}",
		400, "invalid"},
	    {"PUT", "/api/v1/emergency", "{\"patterns\":\"112\"}", 400,
		"wrong_type"},
	    {"POST", "/api/v1/lines/201/pin", "{\"pin\":\"1234\"}", 400,
		"weak_pin"},
	    {"GET", "/api/v1/lines?limit=0", NULL, 400, "invalid"},
	    {"DELETE", "/api/v1/lines/201", NULL, 405, "method_not_allowed"},
	};

	assert_int_equal(store_token_create(f->st, "v", tok, &a), 0);
	snprintf(hdr, sizeof(hdr), "Authorization: Bearer %s\r\n", tok);
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++)
		expect(f, cases[i].method, cases[i].path, hdr, cases[i].body,
		    cases[i].status, cases[i].code);
	/* Nothing of a refused request was applied. */
	expect(f, "GET", "/api/v1/settings", hdr, NULL, 200,
	    "\"locked_action\":\"reject\"");
	expect(f, "GET", "/api/v1/settings", hdr, NULL, 200,
	    "\"block_anonymous\":false");
	expect(f, "GET", "/api/v1/emergency", hdr, NULL, 200, "\"112\"");
	/* A good one is. */
	expect(f, "PUT", "/api/v1/settings", hdr,
	    "{\"locked_action\":\"redirect\",\"redirect_uri\":"
	    "\"sip:locked@pbx\",\"block_incoming\":true}", 200,
	    "\"block_incoming\":true");
	expect(f, "PUT", "/api/v1/allowlist", hdr,
	    "{\"patterns\":[\"800XXXXXXX\",\"112\"]}", 200, "800XXXXXXX");
}

static void
test_http_limits(void **state)
{
	struct fixture *f = *state;
	static char big[WEB_BODY_MAX + 200];
	static char req[WEB_HEADERS_MAX + 512];
	struct exchange *x;
	int n;

	memset(big, 'a', sizeof(big) - 1);
	expect(f, "POST", "/api/v1/login", NULL, big, 413, "too_large");
	n = snprintf(req, sizeof(req), "GET / HTTP/1.1\r\nX-Pad: ");
	memset(req + n, 'b', WEB_HEADERS_MAX);
	strcpy(req + n + WEB_HEADERS_MAX, "\r\n\r\n");
	x = exchange(f, req, strlen(req));
	assert_int_equal(status_of(x), 431);
	free(x);
	x = exchange(f, "GARBAGE\r\n\r\n", 11);
	assert_int_equal(status_of(x), 400);
	free(x);
	x = exchange(f, "GET /healthz HTTP/1.1\r\nHost: a\r\n"
			"Transfer-Encoding: chunked\r\n"
			"Content-Length: 3\r\n\r\n",
	    82);
	assert_int_equal(status_of(x), 400);	/* request smuggling */
	free(x);
}

static void
test_http_keep_alive_pipelined(void **state)
{
	struct fixture *f = *state;
	static const char two[] =
	    "GET /healthz HTTP/1.1\r\nHost: a\r\n\r\n"
	    "GET /healthz HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n";
	struct exchange *x = exchange(f, two, sizeof(two) - 1);
	const char *second;

	assert_int_equal(status_of(x), 200);
	second = strstr(x->resp + 1, "HTTP/1.1 200");
	assert_non_null(second);
	assert_non_null(strstr(x->resp, "Connection: keep-alive"));
	free(x);
}

static void
test_http_expect_continue(void **state)
{
	struct fixture *f = *state;
	static const char req[] =
	    "POST /self/lock HTTP/1.1\r\nHost: a\r\nConnection: close\r\n"
	    "Expect: 100-continue\r\nContent-Type: application/json\r\n"
	    "Content-Length: 2\r\n\r\n{}";
	struct exchange *x = exchange(f, req, sizeof(req) - 1);

	/* RFC 9110 10.1.1: 100 first, then the final answer. */
	assert_int_equal(status_of(x), 100);
	assert_non_null(strstr(x->resp, "\r\n\r\nHTTP/1.1 400 Bad Request"));
	free(x);
}

/* Mutated requests (deterministic): whatever the bytes, the server
 * answers with a status line or closes, and keeps serving. A request
 * left incomplete by a mutation ends with the 300 ms head timeout. */
static void
test_http_mutated_requests_survive(void **state)
{
	static const char *const seeds[] = {
	    "GET /api/v1/lines?q=%41&limit=5 HTTP/1.1\r\nHost: a\r\n"
	    "Cookie: llsid=x; a=b\r\nConnection: close\r\n\r\n",
	    "POST /self/lock HTTP/1.1\r\nHost: a\r\nContent-Type: "
	    "application/json\r\nContent-Length: 27\r\nConnection: close"
	    "\r\n\r\n{\"ext\":\"301\",\"pin\":\"1\"}",
	    "PUT /api/v1/settings HTTP/1.1\r\nAuthorization: Bearer abc\r\n"
	    "Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
	    "5\r\n{\"a\":\r\n0\r\n\r\n",
	    "GET /phone/cisco/301/lock/do?pin=12%3 HTTP/1.1\r\nHost: [::1]"
	    "\r\nConnection: close\r\n\r\n",
	};
	static const char junk[] = "\r\n\0:%{}\"/? \x80\xff";
	struct fixture *f = *state;
	uint32_t rng = 2463534242u;
	char buf[512];

	for (int i = 0; i < 100; i++) {
		const char *seed = seeds[i % ARRAY_SIZE(seeds)];
		size_t len = strlen(seed);
		struct exchange *x;

		memcpy(buf, seed, len);
		for (int k = 0; k < 1 + i % 4; k++) {
			rng ^= rng << 13, rng ^= rng >> 17, rng ^= rng << 5;
			buf[rng % len] = junk[(rng >> 8) % (sizeof(junk) - 1)];
		}
		x = exchange(f, buf, len);
		assert_true(x->resp_len == 0 ||
			    strncmp(x->resp, "HTTP/1.1 ", 9) == 0);
		free(x);
	}
	expect(f, "GET", "/healthz", NULL, NULL, 200, "ok");
}

static void
test_http_storage_full_507(void **state)
{
	struct fixture *f = *state;
	struct store_actor a = {"test", "local"};
	char tok[STORE_TOKEN_LEN], hdr[128], ext[16];
	int rc = 0;

	assert_int_equal(store_token_create(f->st, "t", tok, &a), 0);
	snprintf(hdr, sizeof(hdr), "Authorization: Bearer %s\r\n", tok);
	/* Fill the map in bulk until storage refuses, then lock new lines
	 * through the API until it refuses too: 507, nothing written. */
	for (int i = 0; rc == 0 && i < 1000; i++) {
		struct store_line l[100];

		for (int k = 0; k < 100; k++) {
			snprintf(ext, sizeof(ext), "%d", 10000 + i * 100 + k);
			store_line_defaults(&l[k], NULL, ext);
			ll_strlcpy(l[k].label, "a label long enough to fill the "
			    "map quickly, padded out", sizeof(l[k].label));
		}
		rc = store_line_import(f->st, l, 100, &a);
	}
	assert_int_equal(rc, -ENOSPC);
	{
		struct exchange *x = NULL;
		int status = 0;

		for (int i = 0; i < 200 && status != 507; i++) {
			char path[64];

			snprintf(path, sizeof(path), "/api/v1/lines/%d/lock",
			    900000 + i);
			x = request(f, "POST", path, hdr, NULL);
			status = status_of(x);
			assert_true(status == 200 || status == 507);
			if (status == 507)
				assert_non_null(strstr(body_of(x),
				    "\"storage_full\""));
			free(x);
		}
		assert_int_equal(status, 507);
	}
	/* Reads still work. */
	expect(f, "GET", "/api/v1/lines/10000", hdr, NULL, 200, "\"10000\"");
}

static void
test_http_self_service_and_phone(void **state)
{
	struct fixture *f = *state;
	struct store_actor a = {"test", "local"};
	struct store_hash h;

	assert_int_equal(store_hash_make(&h, "4711", 1000), 0);
	assert_int_equal(store_line_pin_set(f->st, NULL, "301", &h, &a), 0);
	expect(f, "POST", "/self/lock", NULL,
	    "{\"ext\":\"301\",\"pin\":\"0000\"}", 403, "wrong_pin");
	expect(f, "POST", "/self/lock", NULL,
	    "{\"ext\":\"301\",\"pin\":\"4711\"}", 200, "\"locked\":true");
	expect(f, "POST", "/self/unlock", NULL,
	    "{\"ext\":\"302\",\"pin\":\"4711\"}", 404, NULL);
	expect(f, "GET", "/phone/cisco/301", NULL, NULL, 200,
	    "<CiscoIPPhoneText>");
	expect(f, "GET", "/phone/cisco/301/unlock", NULL, NULL, 200,
	    "<QueryStringParam>pin</QueryStringParam>");
	expect(f, "GET", "/phone/yealink/301/unlock/do?pin=4711", NULL, NULL,
	    200, "Line 301 is unlocked.");
	expect(f, "GET", "/phone/yealink/301", NULL, NULL, 200,
	    "<YealinkIPPhoneTextScreen");
	expect(f, "GET", "/phone/cisco/301/lock/do?pin=1", NULL, NULL, 200,
	    "Wrong PIN.");
}

static void
test_http_login_throttled(void **state)
{
	struct fixture *f = *state;
	char pw[64], body[128];

	/* Five wrong passwords for one account block it, right or wrong. */
	for (int i = 0; i < 5; i++)
		expect(f, "POST", "/api/v1/login", NULL,
		    "{\"user\":\"admin\",\"password\":\"wrong\"}", 401, NULL);
	read_password(f, pw, sizeof(pw));
	snprintf(body, sizeof(body), "{\"user\":\"admin\",\"password\":\"%s\"}",
	    pw);
	expect(f, "POST", "/api/v1/login", NULL, body, 429, "Retry-After: ");
}

static void
test_http_session_idle_expiry(void **state)
{
	struct fixture *f = *state;
	const char *id;

	login(f);
	expect(f, "GET", "/api/v1/session", NULL, NULL, 200, "\"admin\"");
	/* Idle past 30 minutes: the session is gone. */
	id = strchr(f->cookie, '=') + 1;
	assert_int_equal(store_session_touch(f->st, id,
			     (int64_t)time(NULL) - 31 * 60), 0);
	expect(f, "GET", "/api/v1/session", NULL, NULL, 401, NULL);
}

/* Opens a raw connection and leaves it idle. */
static int
idle_conn(struct fixture *f)
{
	struct sockaddr_in sin = {.sin_family = AF_INET};
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	sin.sin_port = htons(f->port);
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(connect(fd, (struct sockaddr *)&sin, sizeof(sin)), 0);
	return fd;
}

static void
test_http_header_timeout_408(void **state)
{
	struct fixture *f = *state;
	static const char part[] = "GET /healthz HTTP/1.1\r\nHost: a\r\n";
	struct exchange *x;

	/* The head never ends: 408 after 300 ms, then the close. */
	x = exchange(f, part, sizeof(part) - 1);
	assert_int_equal(status_of(x), 408);
	free(x);
}

static void
test_http_connection_cap(void **state)
{
	struct fixture *f = *state;
	struct exchange *x;
	int a = idle_conn(f), b = idle_conn(f);

	/* Two held open (until their 300 ms timeout): a third is refused
	 * while they last. */
	x = exchange(f, "GET /healthz HTTP/1.1\r\nHost: a\r\n\r\n", 35);
	assert_int_equal(x->resp_len, 0);
	free(x);
	close(a);
	close(b);
	expect(f, "GET", "/healthz", NULL, NULL, 200, "ok");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_http_public_routes, setup,
		teardown),
	    cmocka_unit_test_setup_teardown(test_http_auth_required, setup,
		teardown),
	    cmocka_unit_test_setup_teardown(test_http_csrf_on_state_change,
		setup, teardown),
	    cmocka_unit_test_setup_teardown(
		test_http_bearer_token_needs_no_csrf, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_http_json_validation, setup,
		teardown),
	    cmocka_unit_test_setup_teardown(test_http_limits, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_http_keep_alive_pipelined,
		setup, teardown),
	    cmocka_unit_test_setup_teardown(test_http_self_service_and_phone,
		setup, teardown),
	    cmocka_unit_test_setup_teardown(test_http_login_throttled, setup,
		teardown),
	    cmocka_unit_test_setup_teardown(test_http_expect_continue, setup,
		teardown),
	    cmocka_unit_test_setup_teardown(test_http_storage_full_507,
		setup_tiny_map, teardown),
	    cmocka_unit_test_setup_teardown(test_http_mutated_requests_survive,
		setup_small, teardown),
	    cmocka_unit_test_setup_teardown(test_http_session_idle_expiry,
		setup, teardown),
	    cmocka_unit_test_setup_teardown(test_http_header_timeout_408,
		setup_small, teardown),
	    cmocka_unit_test_setup_teardown(test_http_connection_cap,
		setup_small, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

#else
/* Built without CONFIG_WEB: nothing to test. */
static void
test_web_not_built(void **state)
{
	(void)state;
	skip();
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_web_not_built),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
#endif
