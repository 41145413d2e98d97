/* Stream transports: TCP listeners and connections, framing by
 * Content-Length (RFC 3261 18.3) with a size bound, idle timeouts, a
 * connection limit, CRLF keep-alives (RFC 5626 3.5.1), flows by id.
 * TLS (tls.c) sits between the socket and the framing. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "sip/internal.h"

/* Accepted connections from one IP address (any port), for the
 * per-address cap: one flooding host cannot take every slot. */
struct conn_ip {
	struct sip__hnode hn;		/* in s->conn_ip */
	int family;
	unsigned char addr[16];
	unsigned n;
};

struct sip__conn {
	uv_tcp_t tcp;
	uv_timer_t idle;
	struct sip_stack *s;
	struct sip__hnode flow_hn;	/* in s->flows */
	struct sip__hnode addr_hn;	/* in s->conn_addr */
	uint64_t flow;
	enum net_transport transport;
	struct sockaddr_storage peer, local;
	struct sip__tls *tls;		/* NULL for TCP */
	struct conn_ip *ip;		/* accepted only */
	char *rbuf;			/* framed input, grown on demand */
	size_t rlen, rcap;		/* rcap <= max_message + 1 */
	size_t scanned;			/* rbuf bytes searched for CRLFCRLF */
	size_t msg_len;			/* first message's length, 0 unknown */
	uint64_t hdr_due;		/* header deadline, 0: none pending */
	char *pend;			/* output queued until connected */
	size_t pend_len;
	unsigned handles;		/* open libuv handles */
	bool ready;			/* connected (and TLS handshaken) */
	bool closing;
};

struct conn_write {
	uv_write_t req;
	char data[];
};

static uint64_t
addr_hash(const struct sip_stack *s, enum net_transport t,
    const struct sockaddr_storage *a)
{
	char k[NET_ADDRSTRLEN + 4];

	net_addr_str((const struct sockaddr *)a, k + 2, sizeof(k) - 2);
	k[0] = (char)('0' + t);
	k[1] = '|';
	return sip__hash(k, strlen(k), s->hash_seed);
}

static struct sip__conn *
conn_by_flow(const struct sip_stack *s, uint64_t flow)
{
	uint64_t h = sip__hash(&flow, sizeof(flow), s->hash_seed);
	struct sip__hnode *n = sip__htab_first(&s->flows, h);

	for (; n; n = n->next) {
		struct sip__conn *c = container_of(n, struct sip__conn,
		    flow_hn);

		if (c->flow == flow && !c->closing)
			return c;
	}
	return NULL;
}

static struct sip__conn *
conn_by_addr(const struct sip_stack *s, enum net_transport t,
    const struct sockaddr_storage *a)
{
	uint64_t h = addr_hash(s, t, a);
	struct sip__hnode *n = sip__htab_first(&s->conn_addr, h);

	for (; n; n = n->next) {
		struct sip__conn *c = container_of(n, struct sip__conn,
		    addr_hn);

		if (n->hash == h && c->transport == t && !c->closing &&
		    net_addr_equal((const struct sockaddr *)&c->peer,
			(const struct sockaddr *)a))
			return c;
	}
	return NULL;
}

static size_t
ip_bytes(const struct sockaddr_storage *a, const unsigned char **p)
{
	if (a->ss_family == AF_INET6) {
		*p = ((const struct sockaddr_in6 *)a)->sin6_addr.s6_addr;
		return 16;
	}
	*p = (const unsigned char *)&((const struct sockaddr_in *)a)->sin_addr;
	return 4;
}

/* Counts c against its peer's address; -EMFILE over the cap. */
static int
conn_ip_take(struct sip__conn *c)
{
	struct sip_stack *s = c->s;
	const unsigned char *b;
	size_t n = ip_bytes(&c->peer, &b);
	uint64_t h = sip__hash(b, n, s->hash_seed);
	struct sip__hnode *hn = sip__htab_first(&s->conn_ip, h);
	struct conn_ip *ip = NULL;

	for (; hn && !ip; hn = hn->next) {
		struct conn_ip *x = container_of(hn, struct conn_ip, hn);

		if (hn->hash == h && x->family == c->peer.ss_family &&
		    memcmp(x->addr, b, n) == 0)
			ip = x;
	}
	if (ip && ip->n >= s->cfg.max_connections_per_ip)
		return -EMFILE;
	if (!ip) {
		ip = calloc(1, sizeof(*ip));
		if (!ip)
			return -ENOMEM;
		ip->family = c->peer.ss_family;
		memcpy(ip->addr, b, n);
		ip->hn.hash = h;
		sip__htab_insert(&s->conn_ip, &ip->hn);
	}
	ip->n++;
	c->ip = ip;
	return 0;
}

static void
conn_ip_release(struct sip__conn *c)
{
	if (!c->ip)
		return;
	if (--c->ip->n == 0) {
		sip__htab_remove(&c->s->conn_ip, &c->ip->hn);
		free(c->ip);
	}
	c->ip = NULL;
}

bool
sip_flow_is_alive(const struct sip_stack *s, uint64_t flow)
{
	return flow != 0 && conn_by_flow(s, flow) != NULL;
}

static void
conn_on_closed(uv_handle_t *h)
{
	struct sip__conn *c = h->data;
	struct sip_stack *s = c->s;

	if (--c->handles > 0)
		return;
	/* Freed only now: conn_close() may run from inside TLS input. */
	sip__tls_free(c->tls);
	free(c->rbuf);
	free(c->pend);
	free(c);
	sip__handle_release(s);
}

static void
conn_close(struct sip__conn *c, const char *why)
{
	struct sip_stack *s = c->s;
	char a[NET_ADDRSTRLEN];

	if (c->closing)
		return;
	c->closing = true;
	log_debug("sip: %s %s: connection closed (%s)",
	    net_transport_name(c->transport),
	    net_addr_str((struct sockaddr *)&c->peer, a, sizeof(a)), why);
	sip__htab_remove(&s->flows, &c->flow_hn);
	sip__htab_remove(&s->conn_addr, &c->addr_hn);
	conn_ip_release(c);
	s->stats.connections--;
	sip__client_flow_failed(s, c->flow);
	uv_close((uv_handle_t *)&c->idle, conn_on_closed);
	uv_close((uv_handle_t *)&c->tcp, conn_on_closed);
}

static void
conn_on_idle(uv_timer_t *t)
{
	struct sip__conn *c = t->data;

	conn_close(c, c->hdr_due ? "header not complete in time" : "idle");
}

/* The idle timer, or while a header is incomplete its deadline: a
 * slow-loris peer trickling bytes never reaches the idle timeout. */
static void
conn_touch(struct sip__conn *c)
{
	uint64_t now = uv_now(c->s->loop), ms;

	if (c->rlen && !c->msg_len) {
		if (!c->hdr_due)
			c->hdr_due = now + c->s->cfg.tcp_header_timeout * 1000u;
		ms = c->hdr_due > now ? c->hdr_due - now : 0;
	} else {
		c->hdr_due = 0;
		ms = (uint64_t)c->s->cfg.tcp_idle_timeout * 1000u;
	}
	uv_timer_start(&c->idle, conn_on_idle, ms, 0);
}

static int
conn_new(struct sip__conn **out, struct sip_stack *s, enum net_transport t)
{
	struct sip__conn *c;

	if (s->stats.connections >= s->cfg.max_connections)
		return -ENOSPC;
	c = calloc(1, sizeof(*c));
	if (!c)
		return -ENOMEM;
	c->s = s;
	c->transport = t;
	c->flow = s->next_flow++;
	uv_tcp_init(s->loop, &c->tcp);
	uv_timer_init(s->loop, &c->idle);
	c->tcp.data = c->idle.data = c;
	c->handles = 2;
	sip__handle_opened(s);
	s->stats.connections++;
	c->flow_hn.hash = sip__hash(&c->flow, sizeof(c->flow), s->hash_seed);
	sip__htab_insert(&s->flows, &c->flow_hn);
	*out = c;
	return 0;
}

static void
conn_index_addr(struct sip__conn *c)
{
	c->addr_hn.hash = addr_hash(c->s, c->transport, &c->peer);
	sip__htab_insert(&c->s->conn_addr, &c->addr_hn);
}

static void
conn_on_written(uv_write_t *req, int status)
{
	struct conn_write *w = container_of(req, struct conn_write, req);

	(void)status;
	free(w);
}

int
sip__conn_write_raw(struct sip__conn *c, const char *buf, size_t len)
{
	struct conn_write *w;
	uv_buf_t b;
	int rc;

	if (c->closing)
		return -ENOTCONN;
	w = malloc(sizeof(*w) + len);
	if (!w)
		return -ENOMEM;
	memcpy(w->data, buf, len);
	b = uv_buf_init(w->data, (unsigned)len);
	rc = uv_write(&w->req, (uv_stream_t *)&c->tcp, &b, 1,
	    conn_on_written);
	if (rc < 0) {
		free(w);
		conn_close(c, "write failed");
	}
	return rc;
}

/* Plain bytes out: through TLS when there is one, queued until the
 * connection (and handshake) is ready. */
static int
conn_write(struct sip__conn *c, const char *buf, size_t len)
{
	char *p;

	if (c->ready)
		return c->transport == NET_TLS ? sip__tls_write(c, c->tls, buf, len)
			      : sip__conn_write_raw(c, buf, len);
	if (c->pend_len + len > 4u * c->s->cfg.max_message)
		return -ENOBUFS;
	p = realloc(c->pend, c->pend_len + len);
	if (!p)
		return -ENOMEM;
	memcpy(p + c->pend_len, buf, len);
	c->pend = p;
	c->pend_len += len;
	return 0;
}

void
sip__conn_ready(struct sip__conn *c)
{
	c->ready = true;
	if (c->pend_len) {
		conn_write(c, c->pend, c->pend_len);
		free(c->pend);
		c->pend = NULL;
		c->pend_len = 0;
	}
}

/* Leading CRLFs: "\r\n\r\n" is a keep-alive ping answered with "\r\n"
 * (RFC 5626 3.5.1); a lone CRLF before a message is ignored (RFC 3261
 * 7.5). Returns the bytes consumed. */
static size_t
conn_keepalive(struct sip__conn *c)
{
	size_t i = 0;

	while (i + 1 < c->rlen && c->rbuf[i] == '\r' && c->rbuf[i + 1] == '\n')
		i += 2;
	if (i >= 4)
		conn_write(c, "\r\n", 2);
	if (i == 2 && c->rlen == 2)
		return 0;	/* maybe half a ping: wait */
	return i;
}

static void
conn_consume(struct sip__conn *c, size_t n)
{
	if (n == 0)
		return;
	memmove(c->rbuf, c->rbuf + n, c->rlen - n);
	c->rlen -= n;
	c->scanned = 0;
	c->msg_len = 0;
	c->hdr_due = 0;
}

/* Room for n more bytes: the buffer starts at SIP__RBUF_MIN and doubles
 * up to max_message + 1, so an idle connection pins no 64 KiB. */
static int
conn_reserve(struct sip__conn *c, size_t n)
{
	size_t max = c->s->cfg.max_message + 1, cap = c->rcap;
	char *p;

	if (c->rlen + n <= cap)
		return 0;
	if (!cap)
		cap = SIP__RBUF_MIN;
	while (cap < c->rlen + n && cap < max)
		cap *= 2;
	if (cap > max)
		cap = max;
	p = realloc(c->rbuf, cap);
	if (!p)
		return -ENOMEM;
	c->rbuf = p;
	c->rcap = cap;
	return 0;
}

/* Between messages the buffer goes: 1,024 idle connections cost
 * nothing here. */
static void
conn_release_buf(struct sip__conn *c)
{
	if (c->rlen || !c->rbuf)
		return;
	free(c->rbuf);
	c->rbuf = NULL;
	c->rcap = 0;
}

/* One framed message at the start of rbuf: its length, 0 when more
 * bytes are needed, -1 when the stream is broken. The search for the
 * blank line resumes where the last read left it (no rescan of a long
 * header per segment), and Content-Length is read once per message. */
static long
conn_frame(struct sip__conn *c, struct sip_source *src)
{
	char *e = NULL;
	long cl;
	size_t hdr, i = c->scanned > 3 ? c->scanned : 3;

	if (c->msg_len)
		return c->msg_len <= c->rlen ? (long)c->msg_len : 0;
	for (; i < c->rlen && !e; i++)
		if (memcmp(c->rbuf + i - 3, "\r\n\r\n", 4) == 0)
			e = c->rbuf + i + 1;
	c->scanned = i;
	if (!e)
		return c->rlen > c->s->cfg.max_message ? -1 : 0;
	hdr = (size_t)(e - c->rbuf);
	cl = sip__content_length(c->rbuf, hdr);
	if (cl < 0) {
		/* RFC 3261 18.3: a stream needs a valid Content-Length;
		 * answer 400 if we can, then close. */
		sip__recv(c->s, c->rbuf, hdr, src);
		return -1;
	}
	if (hdr + (size_t)cl > c->s->cfg.max_message)
		return -1;
	c->msg_len = hdr + (size_t)cl;
	return c->msg_len <= c->rlen ? (long)c->msg_len : 0;
}

int
sip__conn_input(struct sip__conn *c, const char *buf, size_t len)
{
	struct sip_source src;

	memset(&src, 0, sizeof(src));
	src.transport = c->transport;
	src.remote = c->peer;
	src.local = c->local;
	src.flow = c->flow;
	while (len > 0 && !c->closing) {
		size_t n = MIN(len, c->s->cfg.max_message + 1 - c->rlen);
		long m;

		if (conn_reserve(c, n) < 0) {
			conn_close(c, "out of memory");
			return -ENOMEM;
		}
		memcpy(c->rbuf + c->rlen, buf, n);
		c->rlen += n;
		buf += n;
		len -= n;
		for (;;) {
			size_t k = conn_keepalive(c);

			conn_consume(c, k);
			m = c->rlen ? conn_frame(c, &src) : 0;
			if (m <= 0 || c->closing)
				break;
			sip__recv(c->s, c->rbuf, (size_t)m, &src);
			conn_consume(c, (size_t)m);
		}
		if (m < 0) {
			conn_close(c, "bad framing or message too large");
			return -EBADMSG;
		}
	}
	if (!c->closing) {
		conn_release_buf(c);
		conn_touch(c);	/* header deadline follows the buffer */
	}
	return 0;
}

static void
conn_on_alloc(uv_handle_t *h, size_t suggested, uv_buf_t *buf)
{
	static char rbuf[16384];

	(void)h;
	(void)suggested;
	*buf = uv_buf_init(rbuf, sizeof(rbuf));
}

static void
conn_on_read(uv_stream_t *st, ssize_t nread, const uv_buf_t *buf)
{
	struct sip__conn *c = st->data;

	if (nread < 0) {
		conn_close(c, nread == UV_EOF ? "closed by peer"
					      : uv_strerror((int)nread));
		return;
	}
	if (nread == 0)
		return;
	conn_touch(c);
	if (c->transport == NET_TLS)
		sip__tls_input(c, c->tls, buf->base, (size_t)nread);
	else
		sip__conn_input(c, buf->base, (size_t)nread);
}

static int
conn_start(struct sip__conn *c, bool server)
{
	int len = sizeof(c->local);
	int rc;

	uv_tcp_getsockname(&c->tcp, (struct sockaddr *)&c->local, &len);
	uv_tcp_nodelay(&c->tcp, 1);
	if (c->transport == NET_TLS) {
		rc = sip__tls_new(&c->tls, c->s, server);
		if (rc < 0)
			return rc;
		sip__tls_start(c, c->tls);
		if (c->closing)
			return -EPROTO;
	} else {
		sip__conn_ready(c);
	}
	conn_touch(c);
	return uv_read_start((uv_stream_t *)&c->tcp, conn_on_alloc,
	    conn_on_read);
}

static void
refused_on_closed(uv_handle_t *h)
{
	free(h);
}

/* Over the connection limit: accept and reset at once, or the kernel
 * keeps it pending and libuv calls us again and again. The handle lives
 * on the heap until its close callback (libuv owns it until then). */
static void
conn_refuse(uv_stream_t *ls)
{
	uv_tcp_t *t = malloc(sizeof(*t));

	if (!t || uv_tcp_init(ls->loop, t) < 0) {
		free(t);
		return;
	}
	if (uv_accept(ls, (uv_stream_t *)t) < 0 ||
	    uv_tcp_close_reset(t, refused_on_closed) < 0)
		uv_close((uv_handle_t *)t, refused_on_closed);
}

/* One line per 10 s: a flood must not flood the log. */
static void
conn_limit_log(struct sip_stack *s, enum net_transport t, bool per_ip)
{
	uint64_t now = uv_now(s->loop);

	if (s->limit_warned_ms && now - s->limit_warned_ms < 10000)
		return;
	s->limit_warned_ms = now;
	log_warn("sip: %s: %sconnection limit (%u) reached, refusing",
	    net_transport_name(t), per_ip ? "per-address " : "",
	    per_ip ? s->cfg.max_connections_per_ip : s->cfg.max_connections);
}

static void
listener_on_conn(uv_stream_t *ls, int status)
{
	struct sip__listener *l = container_of((uv_tcp_t *)ls,
	    struct sip__listener, h.tcp);
	struct sip__conn *c;
	int len = sizeof(struct sockaddr_storage);

	if (status < 0)
		return;
	if (conn_new(&c, l->s, l->ep.transport) < 0) {
		conn_limit_log(l->s, l->ep.transport, false);
		conn_refuse(ls);
		return;
	}
	if (uv_accept(ls, (uv_stream_t *)&c->tcp) < 0 ||
	    uv_tcp_getpeername(&c->tcp, (struct sockaddr *)&c->peer,
		&len) < 0) {
		conn_close(c, "accept failed");
		return;
	}
	if (sip__ban_drops(l->s, (const struct sockaddr *)&c->peer)) {
		conn_close(c, "address banned");
		return;
	}
	if (conn_ip_take(c) < 0) {
		conn_limit_log(l->s, l->ep.transport, true);
		conn_close(c, "per-address limit");
		return;
	}
	conn_index_addr(c);
	if (conn_start(c, true) < 0)
		conn_close(c, "start failed");
}

int
sip__tcp_listen(struct sip__listener *l)
{
	struct sockaddr_storage a;
	int alen = sizeof(a), rc;

	if (l->ep.transport == NET_TLS && !l->s->tls)
		return -EINVAL;
	rc = uv_tcp_init(l->s->loop, &l->h.tcp);
	if (rc < 0)
		return rc;
	l->h.tcp.data = l->s;
	l->open = true;
	sip__handle_opened(l->s);
	rc = uv_tcp_bind(&l->h.tcp, (const struct sockaddr *)&l->ep.addr,
	    l->ep.addr.ss_family == AF_INET6 ? UV_TCP_IPV6ONLY : 0);
	if (rc == 0)
		rc = uv_listen((uv_stream_t *)&l->h.tcp, 128, listener_on_conn);
	if (rc == 0 && uv_tcp_getsockname(&l->h.tcp, (struct sockaddr *)&a,
	    &alen) == 0)
		memcpy(&l->ep.addr, &a, sizeof(a));
	return rc;
}

static void
conn_on_connect(uv_connect_t *req, int status)
{
	struct sip__conn *c = req->data;

	free(req);
	if (status < 0) {
		conn_close(c, uv_strerror(status));
		return;
	}
	if (!c->closing && conn_start(c, false) < 0)
		conn_close(c, "start failed");
}

static int
conn_connect(struct sip__conn **out, struct sip_stack *s,
    const struct sip_dest *d)
{
	struct sip__conn *c;
	uv_connect_t *req;
	int rc;

	if (d->transport == NET_TLS && !s->tls)
		return -EINVAL;
	rc = conn_new(&c, s, d->transport);
	if (rc < 0)
		return rc;
	c->peer = d->addr;
	conn_index_addr(c);
	req = malloc(sizeof(*req));
	rc = req ? uv_tcp_connect(req, &c->tcp,
	    (const struct sockaddr *)&d->addr, conn_on_connect) : -ENOMEM;
	if (rc < 0) {
		free(req);
		conn_close(c, "connect failed");
		return rc;
	}
	req->data = c;
	*out = c;
	return 0;
}

int
sip__stream_send(struct sip_stack *s, const struct sip_dest *d,
    const char *buf, size_t len, bool strict_flow, uint64_t *flow_out)
{
	struct sip__conn *c = d->flow ? conn_by_flow(s, d->flow) : NULL;
	int rc;

	if (!c && d->flow && strict_flow)
		return -ENOTCONN;
	if (!c)
		c = conn_by_addr(s, d->transport, &d->addr);
	if (!c) {
		rc = conn_connect(&c, s, d);
		if (rc < 0)
			return rc;
	}
	if (flow_out)
		*flow_out = c->flow;
	return conn_write(c, buf, len);
}

void
sip__conns_close_all(struct sip_stack *s)
{
	for (uint32_t i = 0; i <= s->flows.mask; i++) {
		while (s->flows.buckets[i]) {
			struct sip__conn *c = container_of(s->flows.buckets[i],
			    struct sip__conn, flow_hn);

			conn_close(c, "shutdown");
		}
	}
}

const struct sockaddr_storage *
sip__conn_peer(const struct sip__conn *c)
{
	return &c->peer;
}

bool
sip__conn_is_closing(const struct sip__conn *c)
{
	return c->closing;
}

void
sip__conn_fail(struct sip__conn *c, const char *why)
{
	conn_close(c, why);
}
