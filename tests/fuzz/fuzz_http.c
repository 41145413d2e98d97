/* Fuzz target: web/'s HTTP request path, bytes to router to handler.
 *
 * Each input is the byte stream one client sends on one connection
 * (pipelined requests allowed). The connection is the daemon's own: a
 * socketpair end adopted by web__conn_adopt(), which runs the accept
 * path's code (llhttp with our limits, keep-alive, the router, auth, the
 * handlers, replies) against a real server and a real LMDB store in a
 * temporary directory. We write the input, half-close, read every reply
 * and run the loop until the connection is gone.
 *
 * "@T@" in an input becomes a valid API token (Bearer), so that the
 * fuzzer reaches the authenticated handlers, not only the 401.
 * Oracle besides "no crash, no leak, no UB": the connection ends (no
 * hang, 5 s), the replies parse as HTTP/1.1 responses (llhttp, up to a
 * HEAD reply, whose body the parser cannot know is absent) and none is a
 * 500 (bad input gets a 4xx). */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <unistd.h>

#include "storage/store.h"
#include "tests/fuzz/fuzz.h"
#include "util.h"
#include "web/internal.h"
#include "web/web.h"

#define FUZZ_HTTP_DEADLINE_MS 5000
#define FUZZ_HTTP_MARK "@T@"

static struct {
	bool ready;
	char dir[64];
	uv_loop_t loop;
	struct store *st;
	struct web *w;
	unsigned base_handles;	/* listener and tick: no connection */
	char token[STORE_TOKEN_LEN];
	llhttp_settings_t rsp_settings;
	llhttp_t rsp;		/* the replies, for the oracle */
	bool rsp_failed;	/* unparsable from here on (HEAD) */
	int status_500;
	char out[4096];		/* start of the replies, for FUZZ_HTTP_SHOW */
	size_t out_len;
} fz;

static int
fuzz_http_on_status(llhttp_t *p)
{
	if (p->status_code == 500)
		fz.status_500++;
	return 0;
}

static void
fuzz_http_setup(void)
{
	struct store_config sc = {0};
	struct web_config wc = {0};
	struct sockaddr_in *sin = (struct sockaddr_in *)&wc.listen;
	struct store_actor actor = {"fuzz", "local"};

	ll_strlcpy(fz.dir, "/tmp/ll-fuzz-http-XXXXXX", sizeof(fz.dir));
	if (!mkdtemp(fz.dir) || uv_loop_init(&fz.loop) < 0)
		abort();
	ll_strlcpy(sc.dir, fz.dir, sizeof(sc.dir));
	sc.map_size = 8u << 20;
	if (store_open(&fz.st, &sc) < 0)
		abort();
	if (store_token_create(fz.st, "fuzz", fz.token, &actor) < 0)
		abort();
	sin->sin_family = AF_INET;	/* port 0: never connected to */
	sin->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	wc.data_dir = fz.dir;
	wc.store = fz.st;
	wc.header_timeout_ms = 2000;
	if (web_new(&fz.w, &fz.loop, &wc, NULL) < 0)
		abort();
	fz.base_handles = fz.w->handles_open;
	llhttp_settings_init(&fz.rsp_settings);
	fz.rsp_settings.on_headers_complete = fuzz_http_on_status;
	fz.ready = true;
}

/* The input with every mark replaced by the token; the caller frees. */
static char *
fuzz_http_expand(const uint8_t *data, size_t size, size_t *len)
{
	size_t mark = strlen(FUZZ_HTTP_MARK), tok = strlen(fz.token);
	char *buf = malloc(size / mark * tok + size + 1);
	size_t n = 0;

	if (!buf)
		abort();
	for (size_t i = 0; i < size;) {
		if (size - i >= mark && memcmp(data + i, FUZZ_HTTP_MARK,
					    mark) == 0) {
			memcpy(buf + n, fz.token, tok);
			n += tok;
			i += mark;
		} else {
			buf[n++] = (char)data[i++];
		}
	}
	*len = n;
	return buf;
}

/* Reads what the server wrote, keeping the start for the oracle. */
static void
fuzz_http_drain(int fd)
{
	char buf[16384];
	ssize_t n;

	while ((n = read(fd, buf, sizeof(buf))) > 0) {
		size_t keep = sizeof(fz.out) - 1 - fz.out_len;

		if (!fz.rsp_failed &&
		    llhttp_execute(&fz.rsp, buf, (size_t)n) != HPE_OK)
			fz.rsp_failed = true;

		if ((size_t)n < keep)
			keep = (size_t)n;
		memcpy(fz.out + fz.out_len, buf, keep);
		fz.out_len += keep;
	}
}

static void
fuzz_http_check(void)
{
	fz.out[fz.out_len] = '\0';
	if (getenv("FUZZ_HTTP_SHOW"))	/* see what a replayed input got */
		fprintf(stderr, "%s\n----\n", fz.out);
	if (fz.out_len >= 5 && strncmp(fz.out, "HTTP/", 5) != 0) {
		fprintf(stderr, "fuzz_http: reply is not HTTP: %.40s\n",
		    fz.out);
		abort();
	}
	if (fz.status_500) {
		fprintf(stderr, "fuzz_http: 500 on client input:\n%s\n",
		    fz.out);
		abort();
	}
}

/* Feeds buf to the server and runs the loop until the connection is
 * gone; aborts on a hang (libFuzzer keeps the input). */
static void
fuzz_http_run(int fd, const char *buf, size_t len)
{
	uint64_t deadline = ll_now_ms() + FUZZ_HTTP_DEADLINE_MS;
	size_t sent = 0;
	bool shut = false;

	while (fz.w->handles_open > fz.base_handles) {
		struct pollfd p = {.fd = fd, .events = POLLIN};

		if (sent < len) {
			ssize_t n = write(fd, buf + sent, len - sent);

			if (n > 0)
				sent += (size_t)n;
			else if (n < 0 && errno != EAGAIN)
				sent = len;	/* server gone: stop writing */
		}
		if (sent == len && !shut) {
			shutdown(fd, SHUT_WR);	/* EOF after the input */
			shut = true;
		}
		uv_run(&fz.loop, UV_RUN_NOWAIT);
		fuzz_http_drain(fd);
		if (ll_now_ms() > deadline) {
			fprintf(stderr, "fuzz_http: connection still open "
					"after %d ms\n", FUZZ_HTTP_DEADLINE_MS);
			abort();
		}
		poll(&p, 1, 1);	/* a hash on the thread pool: wait a bit */
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sockaddr_in peer = {.sin_family = AF_INET,
	    .sin_port = htons(40000)};
	size_t len;
	char *buf;
	int sv[2];

	if (!fz.ready)
		fuzz_http_setup();
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
		abort();
	fcntl(sv[1], F_SETFL, O_NONBLOCK);
	peer.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (web__conn_adopt(fz.w, sv[0], (struct sockaddr *)&peer) < 0)
		abort();
	buf = fuzz_http_expand(data, size, &len);
	fz.out_len = 0;
	fz.status_500 = 0;
	fz.rsp_failed = false;
	llhttp_init(&fz.rsp, HTTP_RESPONSE, &fz.rsp_settings);
	fuzz_http_run(sv[1], buf, len);
	fuzz_http_drain(sv[1]);
	fuzz_http_check();
	free(buf);
	close(sv[1]);
	return 0;
}

void
fuzz_teardown(void)
{
	char cmd[128];

	if (!fz.ready)
		return;
	web_close(fz.w);
	uv_run(&fz.loop, UV_RUN_DEFAULT);
	uv_loop_close(&fz.loop);
	store_close(fz.st);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", fz.dir);
	if (system(cmd) != 0)
		fprintf(stderr, "fuzz_http: could not remove %s\n", fz.dir);
	fz.ready = false;
}
