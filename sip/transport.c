/* Choosing where bytes go: response routing (RFC 3261 18.2.2, RFC 3581),
 * our Via, the listener for a destination, and the UDP transport. */
/* sendmmsg(2) and struct mmsghdr are GNU (Linux 3.0, glibc 2.14, musl). */
#define _GNU_SOURCE
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <sys/socket.h>

#include "sip/internal.h"

struct sip__listener *
sip__listener_for(struct sip_stack *s, enum net_transport t, int family)
{
	struct sip__listener *same_t = NULL, *same_af = NULL;

	for (unsigned i = 0; i < s->n_lst; i++) {
		struct sip__listener *l = s->lst[i];

		if (l->ep.transport == t && l->ep.addr.ss_family == family)
			return l;
		if (l->ep.transport == t && !same_t)
			same_t = l;
		if (l->ep.addr.ss_family == family && !same_af)
			same_af = l;
	}
	/* UDP sends from the listening socket: it needs one of its
	 * family. A TCP/TLS client connection needs no listener at all,
	 * only a sent-by for its Via: responses come back over the
	 * connection (RFC 3261 18.2.2). */
	if (t == NET_UDP)
		return NULL;
	return same_t ? same_t : same_af ? same_af : s->n_lst ? s->lst[0]
							     : NULL;
}

const char *
sip__host_str(const struct sockaddr *sa, char *buf, size_t len)
{
	const uint8_t *b;
	char *o = buf;

	/* inet_ntop() costs ~1.8 k Ir a call, paid for every request's
	 * received= check (RFC 3261 18.2.1); dotted decimal is four
	 * numbers. Other families and short buffers go to net_host_str(). */
	if (sa->sa_family != AF_INET || len < INET_ADDRSTRLEN)
		return net_host_str(sa, buf, len);
	b = (const uint8_t *)&((const struct sockaddr_in *)sa)->sin_addr;
	for (int i = 0; i < 4; i++) {
		if (b[i] >= 100)
			*o++ = (char)('0' + b[i] / 100);
		if (b[i] >= 10)
			*o++ = (char)('0' + b[i] / 10 % 10);
		*o++ = (char)('0' + b[i] % 10);
		*o++ = i < 3 ? '.' : '\0';
	}
	return buf;
}

/* A copy of sent-by's host (brackets of an IPv6 reference dropped, as
 * osip_via_parse() stores it) and of its port (NULL when it has none). */
static int
via_sent_by(osip_via_t *via, const char *sent_by)
{
	const char *h = sent_by, *he, *colon;

	if (*h == '[') {
		he = strchr(++h, ']');
		if (!he)
			return -EINVAL;
		colon = he[1] == ':' ? he + 1 : NULL;
	} else {
		colon = strrchr(h, ':');
		he = colon ? colon : h + strlen(h);
	}
	via->host = osip_malloc((size_t)(he - h) + 1);
	if (via->host) {
		memcpy(via->host, h, (size_t)(he - h));
		via->host[he - h] = '\0';
	}
	if (colon && colon[1])
		via->port = osip_strdup(colon + 1);
	return via->host && (!colon || !colon[1] || via->port) ? 0 : -ENOMEM;
}

/* Our Via, "SIP/2.0/<t> <sent-by>;branch=<branch>;rport", set field by
 * field as osip_via_parse() would have filled them from that text
 * (test_txn_diff compares the two): it is our own text, a Via a call
 * would otherwise be printed and parsed again for. */
int
sip__via_add(struct sip_stack *s, osip_message_t *m,
    const struct sip__listener *l, enum net_transport t, const char *branch)
{
	osip_via_t *via = NULL;
	/* The Via joins m's arena and goes with m, as hdr.c's new headers
	 * do: 42 fewer mallocs and frees per relayed call. */
	struct sip__arena *prev = sip__arena_enter(m);
	int rc = osip_via_init(&via) != 0 ? -ENOMEM : 0;

	if (rc == 0) {
		via->version = osip_strdup("2.0");
		via->protocol = osip_strdup(net_transport_sip_name(t));
		if (!via->version || !via->protocol ||
		    via_sent_by(via, s->sent_by[l->index]) < 0 ||
		    osip_via_param_add(via, osip_strdup("branch"),
			osip_strdup(branch)) != 0 ||
		    osip_via_param_add(via, osip_strdup("rport"), NULL) != 0)
			rc = -ENOMEM;
	}
	if (rc == 0)
		osip_list_add(&m->vias, via, 0);
	else
		osip_via_free(via);
	sip__arena_leave(prev);
	if (rc < 0)
		return rc;
	m->message_property = 2;
	return 0;
}

static int
via_param_port(osip_via_t *v, const char *name, uint16_t *port)
{
	osip_generic_param_t *p = NULL;
	long x;
	char *end;

	if (osip_via_param_get_byname(v, (char *)name, &p) != 0 || !p ||
	    !p->gvalue)
		return -ENOENT;
	x = strtol(p->gvalue, &end, 10);
	if (*end || x < 1 || x > 65535)
		return -EINVAL;
	*port = (uint16_t)x;
	return 0;
}

/* RFC 3261 18.2.2 for a response to a request from src: reliable
 * transports reuse the connection (out->flow), and should it be gone,
 * a new one goes to the received address and the sent-by port;
 * unreliable go to the received address and, with rport (RFC 3581), to
 * the source port, else to the sent-by port. */
int
sip__resp_route(const osip_message_t *resp, const struct sip_source *src,
    struct sip_dest *out)
{
	osip_via_t *v = osip_list_get(&resp->vias, 0);
	uint16_t port = src->transport == NET_TLS ? 5061 : 5060, rport;
	long x;

	if (!v)
		return -EINVAL;
	memset(out, 0, sizeof(*out));
	out->transport = src->transport;
	out->addr = src->remote;
	out->flow = src->flow;
	if (src->transport == NET_UDP &&
	    via_param_port(v, "rport", &rport) == 0)
		return 0;	/* the source port, already in addr */
	x = v->port ? strtol(v->port, NULL, 10) : 0;
	if (x > 0 && x < 65536)
		port = (uint16_t)x;
	if (out->addr.ss_family == AF_INET)
		((struct sockaddr_in *)&out->addr)->sin_port = htons(port);
	else
		((struct sockaddr_in6 *)&out->addr)->sin6_port = htons(port);
	return 0;
}

/* UDP */

/* Datagrams read per recvmmsg(2) call. libuv cuts the receive buffer
 * into 64 KiB slots, one per datagram (UV__UDP_DGRAM_MAXSIZE): one
 * system call then reads up to this many instead of one recvmsg each, a
 * kernel entry saved per datagram under load. The buffer is static and
 * only the pages a datagram lands on become resident (about 4 KiB per
 * slot for calls' messages). */
#define UDP_MMSG_SLOTS 8u
#define UDP_SLOT_SIZE (64u * 1024u)

static void
udp_on_alloc(uv_handle_t *h, size_t suggested, uv_buf_t *buf)
{
	static char rbuf[UDP_MMSG_SLOTS * UDP_SLOT_SIZE];

	(void)h;
	(void)suggested;
	*buf = uv_buf_init(rbuf, sizeof(rbuf));
}

/* RFC 5626 3.5.1: a bare CRLF (or two) on UDP is a keep-alive. */
static bool
only_crlf(const char *b, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (b[i] != '\r' && b[i] != '\n')
			return false;
	return true;
}

static void
udp_on_recv(uv_udp_t *h, ssize_t nread, const uv_buf_t *buf,
    const struct sockaddr *addr, unsigned flags)
{
	struct sip__listener *l = container_of(h, struct sip__listener, h.udp);
	struct sip_source src;

	/* Datagrams of a recvmmsg batch come with UV_UDP_MMSG_CHUNK; what
	 * they make us send waits until the batch ends: nread 0 with
	 * UV_UDP_MMSG_FREE (the buffer is static, nothing to free), or
	 * without addr when the socket is read dry. */
	if (flags & UV_UDP_MMSG_CHUNK)
		l->s->udpq.batch = true;
	else if (nread == 0 && !addr)
		sip__udp_flush(l->s);
	if (nread <= 0 || !addr || (flags & UV_UDP_PARTIAL))
		return;
	if ((size_t)nread > l->s->cfg.max_message ||
	    only_crlf(buf->base, (size_t)nread))
		return;
	memset(&src, 0, sizeof(src));
	src.transport = NET_UDP;
	memcpy(&src.remote, addr, net_addr_len(addr));
	src.local = l->ep.addr;
	sip__recv(l->s, buf->base, (size_t)nread, &src);
}

/* One of a UDP socket's buffers (SO_RCVBUF or, force, SO_RCVBUFFORCE;
 * the SND ones) set to `want` bytes; what the kernel granted, read back
 * (Linux keeps twice the asked size for its bookkeeping, socket(7), and
 * reports that), or -1. */
static int
udp_buf_set(int fd, int opt, int want)
{
	int got = 0;
	socklen_t len = sizeof(got);

	if (setsockopt(fd, SOL_SOCKET, opt, &want, sizeof(want)) < 0)
		return -1;
	if (getsockopt(fd, SOL_SOCKET, opt == SO_RCVBUFFORCE ? SO_RCVBUF :
	    opt == SO_SNDBUFFORCE ? SO_SNDBUF : opt, &got, &len) < 0)
		return -1;
	return got / 2;
}

/* Sets one buffer to `want`. Above net.core.rmem_max (wmem_max) the
 * kernel grants only that, unless we may force it (CAP_NET_ADMIN); a
 * shortfall is worth a warning: in bursts datagrams are lost before we
 * see them. */
static void
udp_buf(struct sip__listener *l, int fd, bool rcv, int want)
{
	const char *what = rcv ? "receive" : "send";
	const char *sysctl = rcv ? "rmem_max" : "wmem_max";
	int got = udp_buf_set(fd, rcv ? SO_RCVBUF : SO_SNDBUF, want);
	char a[NET_ADDRSTRLEN];

	if (got >= 0 && got < want)
		got = MAX(got, udp_buf_set(fd, rcv ? SO_RCVBUFFORCE :
		    SO_SNDBUFFORCE, want));
	net_addr_str((const struct sockaddr *)&l->ep.addr, a, sizeof(a));
	if (got < 0)
		log_warn("sip: udp %s: %s buffer not set", a, what);
	else if (got < want)
		log_warn("sip: udp %s: %s buffer %d KiB, %d KiB asked "
		    "(udp_buffer): raise net.core.%s", a, what, got >> 10,
		    want >> 10, sysctl);
	else
		log_debug("sip: udp %s: %s buffer %d KiB", a, what, got >> 10);
}

/* The kernel's default UDP buffers (about 200 KiB) overflow in bursts of
 * a few thousand calls a second while the loop is busy: datagrams are
 * dropped before we see them and come back only as retransmissions
 * (RFC 3261 17.1.1.2, 500 ms later). udp_buffer sizes them. */
static void
udp__buffers(struct sip__listener *l)
{
	uv_os_fd_t fd;

	if (uv_fileno((const uv_handle_t *)&l->h.udp, &fd) < 0)
		return;
	udp_buf(l, fd, true, (int)l->s->cfg.udp_buffer);
	udp_buf(l, fd, false, (int)l->s->cfg.udp_buffer);
}

int
sip__udp_open(struct sip__listener *l)
{
	struct sockaddr_storage a;
	int alen = sizeof(a), rc;

	/* AF_UNSPEC: the socket is made at bind, of the address's family. */
	rc = uv_udp_init_ex(l->s->loop, &l->h.udp, AF_UNSPEC | UV_UDP_RECVMMSG);
	if (rc < 0)
		return rc;
	l->h.udp.data = l->s;
	l->open = true;
	sip__handle_opened(l->s);
	rc = uv_udp_bind(&l->h.udp, (const struct sockaddr *)&l->ep.addr,
	    l->ep.addr.ss_family == AF_INET6 ? UV_UDP_IPV6ONLY : 0);
	if (rc == 0)
		udp__buffers(l);
	if (rc == 0)
		rc = uv_udp_recv_start(&l->h.udp, udp_on_alloc, udp_on_recv);
	if (rc == 0 && uv_udp_getsockname(&l->h.udp, (struct sockaddr *)&a,
	    &alen) == 0)
		memcpy(&l->ep.addr, &a, sizeof(a));
	return rc;
}

struct udp_send {
	uv_udp_send_t req;
	char data[];
};

static void
udp_on_sent(uv_udp_send_t *req, int status)
{
	struct udp_send *u = container_of(req, struct udp_send, req);

	(void)status;
	free(u);
}

static void
send_failed(struct sip_stack *s, enum net_transport t,
    const struct sockaddr *to, int rc)
{
	char a[NET_ADDRSTRLEN];

	s->stats.send_errors++;
	log_debug("sip: send to %s:%s failed: %s", net_transport_name(t),
	    net_addr_str(to, a, sizeof(a)), uv_strerror(rc));
}

/* The socket would block (or libuv still holds earlier datagrams, which
 * must leave first): libuv sends a copy once it is writable. */
static int
udp_send_later(struct sip__listener *l, const struct sockaddr *to,
    const char *buf, size_t len)
{
	struct udp_send *u = malloc(sizeof(*u) + len);
	uv_buf_t b;
	int rc;

	if (!u)
		return -ENOMEM;
	memcpy(u->data, buf, len);
	b = uv_buf_init(u->data, (unsigned)len);
	rc = uv_udp_send(&u->req, &l->h.udp, &b, 1, to, udp_on_sent);
	if (rc < 0)
		free(u);
	return rc;
}

/* What one queued datagram's send came to: counted, and an error logged
 * and, for a client transaction's request, handed to it, as sip__send()
 * does for one sent at once. */
static void
udpq_done(struct sip_stack *s, const struct sip__udpq_ent *e, int rc)
{
	if (rc >= 0) {
		s->stats.msgs_out++;
		return;
	}
	send_failed(s, NET_UDP, &e->addr.sa, rc);
	if (e->t)
		sip__client_send_failed(e->t);
}

/* Sends n queued datagrams of one socket in order, with sendmmsg(2) as
 * far as it goes. It stops at the first datagram that fails: that one
 * gets its error (as sendmsg(2) would have returned it) and the rest go
 * on in the next call. On EAGAIN (and ENOBUFS, as uv_udp_try_send()
 * takes it) the rest wait in libuv's queue. */
static void
udpq_send_run(struct sip_stack *s, const struct sip__udpq_ent *e,
    unsigned n)
{
	struct sip__listener *l = e[0].l;
	struct mmsghdr mh[SIP__UDPQ_MAX];
	struct iovec iov[SIP__UDPQ_MAX];
	uv_os_fd_t fd = -1;
	unsigned i = 0;
	int r;

	for (unsigned k = 0; k < n; k++) {
		iov[k].iov_base = s->udpq.buf + e[k].off;
		iov[k].iov_len = e[k].len;
		mh[k] = (struct mmsghdr){.msg_hdr = {
		    .msg_name = (void *)&e[k].addr,
		    .msg_namelen = (socklen_t)net_addr_len(&e[k].addr.sa),
		    .msg_iov = &iov[k],
		    .msg_iovlen = 1,
		}};
	}
	uv_fileno((const uv_handle_t *)&l->h.udp, &fd);
	while (i < n && l->h.udp.send_queue_count == 0) {
		do
			r = sendmmsg(fd, mh + i, n - i, 0);
		while (r < 0 && errno == EINTR);
		if (r > 0) {
			for (unsigned k = i; k < i + (unsigned)r; k++)
				udpq_done(s, &e[k], 0);
			i += (unsigned)r;
		} else if (r < 0 && errno != EAGAIN && errno != EWOULDBLOCK &&
		    errno != ENOBUFS) {
			udpq_done(s, &e[i], -errno);
			i++;
		} else {
			break;
		}
	}
	for (; i < n; i++)
		udpq_done(s, &e[i], udp_send_later(l, &e[i].addr.sa,
		    s->udpq.buf + e[i].off, e[i].len));
}

void
sip__udp_flush(struct sip_stack *s)
{
	struct sip__udpq *q = &s->udpq;
	unsigned i = 0, j;

	q->batch = false;
	if (q->flushing)
		return;
	q->flushing = true;
	/* Each run of one socket's datagrams in one call: a stack sends
	 * from one socket per address family, so that is all of them. */
	for (; i < q->n; i = j) {
		for (j = i + 1; j < q->n && q->e[j].l == q->e[i].l; j++)
			;
		udpq_send_run(s, q->e + i, j - i);
	}
	q->n = 0;
	q->used = 0;
	q->flushing = false;
}

/* Holds a copy of the datagram until the batch ends. 1: queued. */
static int
udpq_add(struct sip_stack *s, struct sip__listener *l,
    const struct sip_dest *d, const char *buf, size_t len,
    struct sip_txn *t)
{
	struct sip__udpq *q = &s->udpq;
	struct sip__udpq_ent *e;

	if (q->n == SIP__UDPQ_MAX || len > SIP__UDPQ_BYTES - q->used) {
		sip__udp_flush(s);
		q->batch = true;	/* still inside it */
	}
	e = &q->e[q->n++];
	e->l = l;
	e->t = t;
	e->off = q->used;
	e->len = (uint32_t)len;
	memcpy(&e->addr, &d->addr, sizeof(e->addr));	/* sin or sin6 */
	memcpy(q->buf + q->used, buf, len);
	q->used += (uint32_t)len;
	return 1;
}

/* 0 sent (or left to libuv), 1 queued for the batch's end, or an error
 * of sendmsg(2). */
static int
udp_send(struct sip_stack *s, const struct sip_dest *d, const char *buf,
    size_t len, struct sip_txn *t)
{
	struct sip__listener *l = sip__listener_for(s, NET_UDP,
	    d->addr.ss_family);
	uv_buf_t b = uv_buf_init((char *)buf, (unsigned)len);
	int rc;

	if (!l || !l->open)
		return -ENETUNREACH;
	if (s->udpq.batch && !s->udpq.flushing && len <= SIP__UDPQ_BYTES)
		return udpq_add(s, l, d, buf, len, t);
	if (s->udpq.n)
		sip__udp_flush(s);	/* what waits goes first */
	rc = uv_udp_try_send(&l->h.udp, &b, 1,
	    (const struct sockaddr *)&d->addr);
	if (rc >= 0)
		return 0;
	if (rc != UV_EAGAIN)
		return rc;
	return udp_send_later(l, (const struct sockaddr *)&d->addr, buf, len);
}

static int
send_any(struct sip_stack *s, const struct sip_dest *d, const char *buf,
    size_t len, bool strict_flow, uint64_t *flow_out, struct sip_txn *t)
{
	int rc;

	if (flow_out)
		*flow_out = 0;
	if (s->send_hook)
		rc = s->send_hook(s->send_hook_arg, d, buf, len, flow_out);
	else if (d->transport == NET_UDP)
		rc = udp_send(s, d, buf, len, t);
	else
		rc = sip__stream_send(s, d, buf, len, strict_flow, flow_out);
	if (rc < 0) {
		send_failed(s, d->transport, (const struct sockaddr *)&d->addr,
		    rc);
		return rc;
	}
	if (rc == 0)
		s->stats.msgs_out++;	/* a queued one when it leaves */
	return 0;
}

int
sip__send(struct sip_stack *s, const struct sip_dest *d, const char *buf,
    size_t len, bool strict_flow, uint64_t *flow_out)
{
	return send_any(s, d, buf, len, strict_flow, flow_out, NULL);
}

int
sip__send_txn(struct sip_txn *t, const struct sip_dest *d, bool strict_flow,
    uint64_t *flow_out)
{
	return send_any(t->s, d, t->wire, t->wire_len, strict_flow, flow_out,
	    t);
}

static void
listener_on_closed(uv_handle_t *h)
{
	sip__handle_closed(h);
}

void
sip__listener_close(struct sip__listener *l)
{
	if (!l->open)
		return;
	if (l->ep.transport == NET_UDP)
		sip__udp_flush(l->s);	/* shutdown sends what waits */
	l->open = false;
	uv_close((uv_handle_t *)&l->h, listener_on_closed);
}

int
sip__via_dest(const osip_message_t *m, struct sip_source *out)
{
	osip_via_t *v = osip_list_get(&m->vias, 0);
	osip_generic_param_t *rcvd = NULL;
	const char *host;
	uint16_t port = 5060;

	if (!v || !v->host || !v->protocol)
		return -EINVAL;
	osip_via_param_get_byname(v, "received", &rcvd);
	host = rcvd && rcvd->gvalue ? rcvd->gvalue : v->host;
	if (net_transport_parse(v->protocol, &out->transport) < 0)
		return -EINVAL;
	if (out->transport == NET_TLS)
		port = 5061;
	if (via_param_port(v, "rport", &port) < 0 && v->port)
		port = (uint16_t)strtoul(v->port, NULL, 10);
	/* An IPv6 received= (RFC 5118 4.5) or host comes bare; the
	 * address parser wants it bracketed. */
	if (strchr(host, ':') && host[0] != '[') {
		char b[NET_ADDRSTRLEN + 2];

		if (snprintf(b, sizeof(b), "[%s]", host) >= (int)sizeof(b))
			return -EINVAL;
		return net_addr_parse(b, port ? port : 5060, &out->remote);
	}
	return net_addr_parse(host, port ? port : 5060, &out->remote);
}
