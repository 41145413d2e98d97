/* HTTP/1.1 connections: accept, llhttp parsing with limits, keep-alive,
 * timeouts, replies. One request at a time per connection: while a
 * handler owns it (maybe waiting for a password hash) the parser is
 * paused and further bytes wait in `in`. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "log.h"
#include "netaddr.h"
#include "web/internal.h"

/* Unparsed input a client may queue (pipelining) before we stop it. */
#define WEB_IN_MAX (WEB_HEADERS_MAX + WEB_BODY_MAX + 4096)

static const llhttp_settings_t *parser_settings(void);

/* Room state of a write: the bytes live after the request. */
struct web_wreq {
	uv_write_t req;
	size_t len;
	char data[];
};

static void
conn_on_write(uv_write_t *req, int status)
{
	struct web_wreq *w = container_of(req, struct web_wreq, req);

	(void)status;	/* a failed write shows up as a read error/EOF */
	free(w);
}

int
web__conn_send_raw(struct web_conn *c, const void *data, size_t len)
{
	struct web_wreq *w;
	uv_buf_t buf;
	int rc;

	if (uv_is_closing((uv_handle_t *)&c->tcp))
		return -EPIPE;
	w = malloc(sizeof(*w) + len);
	if (!w)
		return -ENOMEM;
	memcpy(w->data, data, len);
	w->len = len;
	buf = uv_buf_init(w->data, (unsigned)len);
	rc = uv_write(&w->req, (uv_stream_t *)&c->tcp, &buf, 1, conn_on_write);
	if (rc < 0) {
		free(w);
		return rc;
	}
	return 0;
}

int
web__conn_write(struct web_conn *c, const void *data, size_t len)
{
	if (c->tls)
		return web__tls_conn_write(c, data, len);
	return web__conn_send_raw(c, data, len);
}

static void
conn_free(struct web_conn *c)
{
	struct web *w = c->srv;

	if (c->tls)
		web__tls_conn_free(c);
	web__buf_free(&c->in);
	web__buf_free(&c->req.body);
	free(c);
	web__srv_unref(w);	/* the connection held the server */
}

static void
conn_on_closed(uv_handle_t *h)
{
	struct web_conn *c = h->data;

	if (--c->handles_open > 0)
		return;
	/* A password check still running holds c: it frees it when done. */
	if (!c->work_pending)
		conn_free(c);
}

/* Takes c off the server's list; true when it was still on it. */
static bool
conn_detach(struct web_conn *c)
{
	struct web *w = c->srv;

	if (c->state == WEB_CONN_CLOSING)
		return false;
	if (c->state == WEB_CONN_STREAM)
		w->n_streams--;
	c->state = WEB_CONN_CLOSING;
	*c->pprev = c->next;
	if (c->next)
		c->next->pprev = c->pprev;
	w->n_conns--;
	return true;
}

static void
conn_close_handles(struct web_conn *c)
{
	if (!uv_is_closing((uv_handle_t *)&c->timer))
		uv_close((uv_handle_t *)&c->timer, conn_on_closed);
	if (!uv_is_closing((uv_handle_t *)&c->tcp))
		uv_close((uv_handle_t *)&c->tcp, conn_on_closed);
}

void
web__conn_close(struct web_conn *c)
{
	if (conn_detach(c))
		conn_close_handles(c);
}

static void
conn_on_shutdown(uv_shutdown_t *req, int status)
{
	struct web_conn *c = req->handle->data;

	(void)status;
	free(req);
	conn_close_handles(c);
}

/* Closes once the queued response has gone out (uv_close alone would
 * cancel writes still queued, e.g. the tail of a large file). */
static void
conn_close_after_writes(struct web_conn *c)
{
	uv_shutdown_t *req;

	if (!conn_detach(c))
		return;
	uv_timer_stop(&c->timer);
	if (c->read_started)
		uv_read_stop((uv_stream_t *)&c->tcp);
	req = malloc(sizeof(*req));
	if (!req || uv_shutdown(req, (uv_stream_t *)&c->tcp,
			conn_on_shutdown) < 0) {
		free(req);
		conn_close_handles(c);
	}
}

void
web__conn_work_begin(struct web_conn *c)
{
	c->work_pending = true;
}

bool
web__conn_work_done(struct web_conn *c)
{
	c->work_pending = false;
	if (c->state == WEB_CONN_CLOSING) {
		if (c->handles_open == 0)
			conn_free(c);
		return false;
	}
	return true;
}

static void
conn_on_timeout(uv_timer_t *t)
{
	struct web_conn *c = container_of(t, struct web_conn, timer);

	if (c->state != WEB_CONN_READING)
		return;
	if (c->in.len > 0 || c->req.url_len > 0) {
		/* RFC 9110 15.5.9: the request did not arrive in time. */
		c->state = WEB_CONN_HANDLING;
		c->keep_alive = false;
		web__reply_error(c, 408, "timeout", "request not received "
					       "in time");
		return;
	}
	web__conn_close(c);
}

static void
conn_arm_timer(struct web_conn *c, unsigned ms)
{
	uv_timer_start(&c->timer, conn_on_timeout, ms, 0);
}

static void
req_reset(struct web_req *r)
{
	struct web_buf body = r->body;

	/* A small body buffer is kept for the next request, emptied; a big
	 * one is not left on an idle keep-alive connection. */
	memset(r, 0, offsetof(struct web_req, body));
	if (body.cap > 4096)
		web__buf_free(&body);
	body.len = 0;
	if (body.p)
		body.p[0] = '\0';
	body.oom = false;
	r->body = body;
	memset(r->params, 0, sizeof(*r) - offsetof(struct web_req, params));
}

static void conn_process(struct web_conn *c);

static void
conn_on_alloc(uv_handle_t *h, size_t hint, uv_buf_t *buf)
{
	struct web_conn *c = h->data;

	(void)hint;
	*buf = uv_buf_init(c->srv->rbuf, sizeof(c->srv->rbuf));
}

void
web__conn_feed(struct web_conn *c, const char *data, size_t len)
{
	if (c->state == WEB_CONN_STREAM || c->state == WEB_CONN_CLOSING)
		return;	/* an event stream reads nothing more */
	if (c->in.len + len > WEB_IN_MAX) {
		web__conn_close(c);
		return;
	}
	web__buf_add(&c->in, data, len);
	if (c->in.oom) {
		web__conn_close(c);
		return;
	}
	conn_process(c);
}

static void
conn_on_read(uv_stream_t *s, ssize_t n, const uv_buf_t *buf)
{
	struct web_conn *c = s->data;

	if (n < 0) {
		web__conn_close(c);
		return;
	}
	if (n == 0)
		return;
	if (c->tls) {
		if (web__tls_conn_input(c, buf->base, (size_t)n) < 0)
			web__conn_close(c);
		return;
	}
	web__conn_feed(c, buf->base, (size_t)n);
}

/* Reads only while a request can be parsed: a handler at work or a full
 * input buffer pushes back on the client through TCP. */
static void
conn_update_reading(struct web_conn *c)
{
	bool want = c->state == WEB_CONN_READING ||
		    c->state == WEB_CONN_STREAM;

	if (want && !c->read_started) {
		if (uv_read_start((uv_stream_t *)&c->tcp, conn_on_alloc,
			conn_on_read) == 0)
			c->read_started = true;
	} else if (!want && c->read_started &&
		   c->state != WEB_CONN_CLOSING) {
		uv_read_stop((uv_stream_t *)&c->tcp);
		c->read_started = false;
	}
}

static void
conn_parse_failed(struct web_conn *c, llhttp_errno_t err)
{
	int status = c->err_status ? c->err_status : 400;

	log_debug("web: %s: bad request: %s (%s)", c->peer_host,
	    llhttp_errno_name(err), llhttp_get_error_reason(&c->parser));
	c->keep_alive = false;
	c->state = WEB_CONN_HANDLING;
	if (status == 413)
		web__reply_error(c, 413, "too_large", "request body over %u "
					       "bytes", WEB_BODY_MAX);
	else if (status == 431)
		web__reply_error(c, 431, "headers_too_large",
		    "request head over %u bytes", WEB_HEADERS_MAX);
	else
		web__reply_error(c, 400, "bad_request", "malformed HTTP "
						      "request");
}

/* Parses what is buffered, one request at a time. */
static void
conn_process(struct web_conn *c)
{
	if (c->in_process)
		return;
	c->in_process = true;
	while (c->state == WEB_CONN_READING && c->in.len > 0) {
		llhttp_errno_t err;
		size_t used;

		err = llhttp_execute(&c->parser, c->in.p, c->in.len);
		if (err == HPE_OK) {
			c->in.len = 0;
			break;
		}
		if (err != HPE_PAUSED) {
			conn_parse_failed(c, err);
			break;
		}
		used = (size_t)(llhttp_get_error_pos(&c->parser) - c->in.p);
		memmove(c->in.p, c->in.p + used, c->in.len - used);
		c->in.len -= used;
		llhttp_resume(&c->parser);
		c->keep_alive = llhttp_should_keep_alive(&c->parser);
		c->state = WEB_CONN_HANDLING;
		uv_timer_stop(&c->timer);
		web__dispatch(c, &c->req);
	}
	if (c->state == WEB_CONN_READING && c->in.len == 0)
		web__buf_free(&c->in);	/* idle connections stay small */
	c->in_process = false;
	if (c->state != WEB_CONN_CLOSING)
		conn_update_reading(c);
}

void
web__conn_request_done(struct web_conn *c)
{
	if (c->state != WEB_CONN_HANDLING)
		return;
	if (!c->keep_alive || c->srv->closing) {
		conn_close_after_writes(c);
		return;
	}
	req_reset(&c->req);
	c->state = WEB_CONN_READING;
	conn_arm_timer(c, c->srv->cfg.idle_timeout_ms);
	if (!c->in_process)
		conn_process(c);
}

void
web__stream_start(struct web_conn *c)
{
	static const char head[] =
	    "HTTP/1.1 200 OK\r\n"
	    "Content-Type: text/event-stream\r\n"
	    "Cache-Control: no-store\r\n"
	    "X-Content-Type-Options: nosniff\r\n"
	    "Connection: keep-alive\r\n\r\n"
	    "retry: 2000\n\n";

	c->srv->http_requests[1]++;
	if (web__conn_write(c, head, sizeof(head) - 1) < 0) {
		web__conn_close(c);
		return;
	}
	c->state = WEB_CONN_STREAM;
	c->sse_events = true;
	c->srv->n_streams++;
	uv_timer_stop(&c->timer);
	conn_update_reading(c);
}

/* llhttp callbacks. */

static struct web_conn *
parser_conn(llhttp_t *p)
{
	return container_of(p, struct web_conn, parser);
}

static int
on_message_begin(llhttp_t *p)
{
	struct web_conn *c = parser_conn(p);

	req_reset(&c->req);
	conn_arm_timer(c, c->srv->cfg.header_timeout_ms);
	return 0;
}

static int
count_head(struct web_conn *c, size_t len)
{
	c->req.header_bytes += len;
	if (c->req.header_bytes > WEB_HEADERS_MAX) {
		c->err_status = 431;
		return -1;
	}
	return 0;
}

static int
on_url(llhttp_t *p, const char *at, size_t len)
{
	struct web_conn *c = parser_conn(p);
	struct web_req *r = &c->req;

	if (count_head(c, len) < 0)
		return -1;
	if (r->url_len + len >= sizeof(r->url)) {
		c->err_status = 431;	/* RFC 9110 15.5.15 would be 414 */
		return -1;
	}
	memcpy(r->url + r->url_len, at, len);
	r->url_len += len;
	r->url[r->url_len] = '\0';
	return 0;
}

static int
on_header_field(llhttp_t *p, const char *at, size_t len)
{
	struct web_conn *c = parser_conn(p);
	static const struct {
		const char *name;
		enum web_hdr hdr;
	} kept[] = {
	    {"cookie", WEB_HDR_COOKIE},
	    {"authorization", WEB_HDR_AUTHORIZATION},
	    {"x-csrf-token", WEB_HDR_CSRF},
	    {"content-type", WEB_HDR_CTYPE},
	    {"host", WEB_HDR_HOST},
	    {"expect", WEB_HDR_EXPECT},
	};

	if (count_head(c, len) < 0)
		return -1;
	/* Field names arrive whole in practice; a split one is simply not
	 * recognised, and none of the kept headers matters for parsing. */
	c->req.in_hdr = WEB_HDR_OTHER;
	c->req.hdr_len = 0;
	for (size_t i = 0; i < ARRAY_SIZE(kept); i++)
		if (strlen(kept[i].name) == len &&
		    strncasecmp(kept[i].name, at, len) == 0)
			c->req.in_hdr = kept[i].hdr;
	return 0;
}

static int
on_header_value(llhttp_t *p, const char *at, size_t len)
{
	struct web_conn *c = parser_conn(p);
	struct web_req *r = &c->req;
	char *dst;
	size_t cap;

	if (count_head(c, len) < 0)
		return -1;
	switch (r->in_hdr) {
	case WEB_HDR_COOKIE: dst = r->cookie; cap = sizeof(r->cookie); break;
	case WEB_HDR_AUTHORIZATION:
		dst = r->authorization;
		cap = sizeof(r->authorization);
		break;
	case WEB_HDR_CSRF: dst = r->csrf; cap = sizeof(r->csrf); break;
	case WEB_HDR_CTYPE: dst = r->ctype; cap = sizeof(r->ctype); break;
	case WEB_HDR_HOST: dst = r->host; cap = sizeof(r->host); break;
	case WEB_HDR_EXPECT: dst = r->expect; cap = sizeof(r->expect); break;
	default: return 0;
	}
	/* A second Cookie header would be glued on: we keep the first. */
	if (r->hdr_len == 0 && dst[0] != '\0') {
		r->in_hdr = WEB_HDR_OTHER;
		return 0;
	}
	if (r->hdr_len + len >= cap) {
		c->err_status = 431;
		return -1;
	}
	memcpy(dst + r->hdr_len, at, len);
	r->hdr_len += len;
	dst[r->hdr_len] = '\0';
	return 0;
}

static int
on_headers_complete(llhttp_t *p)
{
	struct web_conn *c = parser_conn(p);

	if ((p->flags & F_CONTENT_LENGTH) && p->content_length > WEB_BODY_MAX) {
		c->err_status = 413;
		return -1;
	}
	/* RFC 9110 10.1.1: a client waiting for 100 before sending its body
	 * (curl does past 1 KiB) gets it now rather than after its timeout. */
	if (strcasecmp(c->req.expect, "100-continue") == 0 &&
	    p->content_length > 0) {
		static const char cont[] = "HTTP/1.1 100 Continue\r\n\r\n";

		web__conn_write(c, cont, sizeof(cont) - 1);
	}
	return 0;
}

static int
on_body(llhttp_t *p, const char *at, size_t len)
{
	struct web_conn *c = parser_conn(p);

	if (c->req.body.len + len > WEB_BODY_MAX) {
		c->err_status = 413;	/* chunked bodies end up here */
		return -1;
	}
	web__buf_add(&c->req.body, at, len);
	if (c->req.body.oom) {
		c->err_status = 503;
		return -1;
	}
	return 0;
}

static int
on_message_complete(llhttp_t *p)
{
	struct web_conn *c = parser_conn(p);
	char *q = strchr(c->req.url, '?');

	c->req.method = (uint8_t)llhttp_get_method(p);
	if (q) {
		*q = '\0';
		c->req.query = q + 1;
	}
	return HPE_PAUSED;	/* handled by conn_process() */
}

static const llhttp_settings_t *
parser_settings(void)
{
	static llhttp_settings_t s;
	static bool ready;

	if (!ready) {
		llhttp_settings_init(&s);
		s.on_message_begin = on_message_begin;
		s.on_url = on_url;
		s.on_header_field = on_header_field;
		s.on_header_value = on_header_value;
		s.on_headers_complete = on_headers_complete;
		s.on_body = on_body;
		s.on_message_complete = on_message_complete;
		ready = true;
	}
	return &s;
}

/* Serves c, whose socket is open, as a client at peer: parser, TLS,
 * header timer, reading. */
static int
conn_start(struct web *w, struct web_conn *c, const struct sockaddr *peer,
    size_t peer_len)
{
	memcpy(&c->peer, peer, peer_len);
	net_host_str(peer, c->peer_host, sizeof(c->peer_host));
	uv_tcp_nodelay(&c->tcp, 1);
	llhttp_init(&c->parser, HTTP_REQUEST, parser_settings());
	if (w->tls) {
		int rc = web__tls_conn_new(c);

		if (rc < 0)
			return rc;
	}
	conn_arm_timer(c, w->cfg.header_timeout_ms);
	conn_update_reading(c);
	return c->read_started ? 0 : -EIO;
}

/* A new connection on w's list, its handles initialised, no socket. */
static struct web_conn *
conn_new(struct web *w)
{
	struct web_conn *c = calloc(1, sizeof(*c));

	if (!c)
		return NULL;
	c->srv = w;
	c->tcp.data = c;
	c->timer.data = c;
	uv_tcp_init(w->loop, &c->tcp);
	uv_timer_init(w->loop, &c->timer);
	c->handles_open = 2;
	w->handles_open++;
	c->next = w->conns;
	if (c->next)
		c->next->pprev = &c->next;
	c->pprev = &w->conns;
	w->conns = c;
	w->n_conns++;
	w->http_conns_total++;
	return c;
}

static void
srv_on_connection(uv_stream_t *ls, int status)
{
	struct web *w = container_of(ls, struct web, listener);
	struct sockaddr_storage peer;
	struct web_conn *c;
	int len = sizeof(peer);

	if (status < 0 || w->closing || !(c = conn_new(w)))
		return;
	if (uv_accept(ls, (uv_stream_t *)&c->tcp) < 0) {
		web__conn_close(c);
		return;
	}
	if (w->n_conns > w->cfg.max_connections) {
		w->http_conns_refused++;
		log_warn("web: connection cap %u reached, refusing one",
		    w->cfg.max_connections);
		web__conn_close(c);
		return;
	}
	if (uv_tcp_getpeername(&c->tcp, (struct sockaddr *)&peer, &len) < 0 ||
	    conn_start(w, c, (struct sockaddr *)&peer, (size_t)len) < 0)
		web__conn_close(c);
}

int
web__conn_adopt(struct web *w, uv_os_sock_t fd, const struct sockaddr *peer)
{
	struct web_conn *c;
	int rc;

	c = w->closing ? NULL : conn_new(w);
	if (!c) {
		close(fd);
		return w->closing ? -ESHUTDOWN : -ENOMEM;
	}
	rc = uv_tcp_open(&c->tcp, fd);
	if (rc < 0)
		close(fd);	/* not the handle's yet */
	else
		rc = conn_start(w, c, peer, peer->sa_family == AF_INET6 ?
		    sizeof(struct sockaddr_in6) : sizeof(struct sockaddr_in));
	if (rc < 0)
		web__conn_close(c);
	return rc;
}

int
web__listen(struct web *w)
{
	const struct sockaddr *sa = (const struct sockaddr *)&w->cfg.listen;
	int rc;

	rc = uv_tcp_init(w->loop, &w->listener);
	if (rc < 0)
		return rc;
	w->handles_open++;
	rc = uv_tcp_bind(&w->listener, sa, 0);
	if (rc == 0)
		rc = uv_listen((uv_stream_t *)&w->listener, 64,
		    srv_on_connection);
	return rc;
}

void
web__close_conns(struct web *w)
{
	while (w->conns)
		web__conn_close(w->conns);
}
