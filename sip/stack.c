/* The stack: opens the listeners, dispatches every received message
 * (parse, validate, then transaction layer or the TU), answers what
 * needs no TU (400, 503, local OPTIONS) and closes down in order. */
#include <errno.h>
#include <limits.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "sip/internal.h"

/* RFC 3261 11.2: what linelock itself answers to OPTIONS. Allow is one
 * comma-separated header. No Supported: sip/ implements no option tag
 * itself (the B2BUA relays 100rel end to end), and RFC 3261 20.37 lets
 * a UA leave it out. */
static const struct sip_header options_hdrs[] = {
    {"Allow", "INVITE, ACK, CANCEL, BYE, OPTIONS, REGISTER, INFO, "
	      "UPDATE, PRACK, REFER, NOTIFY, SUBSCRIBE, MESSAGE"},
    {"Accept", "application/sdp"},
};

static void
config_defaults(struct sip_config *c)
{
	if (!c->max_message)
		c->max_message = SIP__DEF_MAX_MESSAGE;
	if (c->max_message > SIP__DEF_MAX_MESSAGE)
		c->max_message = SIP__DEF_MAX_MESSAGE;
	if (!c->udp_buffer)
		c->udp_buffer = SIP__UDP_BUFFER;
	if (c->udp_buffer > INT_MAX / 2)
		c->udp_buffer = INT_MAX / 2;
	if (!c->tcp_idle_timeout)
		c->tcp_idle_timeout = SIP__DEF_TCP_IDLE;
	if (!c->max_connections)
		c->max_connections = SIP__DEF_MAX_CONN;
	if (!c->tcp_header_timeout)
		c->tcp_header_timeout = SIP__DEF_HDR_TIMEOUT;
	if (!c->max_connections_per_ip)
		c->max_connections_per_ip = SIP__DEF_CONN_PER_IP;
	if (!c->rate_limit)
		c->rate_limit = SIP__DEF_RATE;
	if (!c->rate_burst)
		c->rate_burst = 2 * c->rate_limit;
	if (c->n_rate_exempt > SIP_MAX_RATE_EXEMPT)
		c->n_rate_exempt = SIP_MAX_RATE_EXEMPT;
	if (!c->max_transactions)
		c->max_transactions = SIP__DEF_MAX_TXN;
	if (!c->t1_ms)
		c->t1_ms = SIP_T1_MS;
	if (!c->t2_ms)
		c->t2_ms = SIP_T2_MS;
	if (!c->t4_ms)
		c->t4_ms = SIP_T4_MS;
}

/* The sent-by of a listener: the domain when configured, else its own
 * address ("[::1]:5060" style). */
static void
listener_sent_by(struct sip_stack *s, const struct sip__listener *l)
{
	char host[NET_ADDRSTRLEN];
	char *out = s->sent_by[l->index];
	size_t n = sizeof(s->sent_by[0]);

	if (s->cfg.domain[0]) {
		snprintf(out, n, "%s:%u", s->cfg.domain,
		    net_addr_port((const struct sockaddr *)&l->ep.addr));
		return;
	}
	net_addr_str((const struct sockaddr *)&l->ep.addr, host, sizeof(host));
	snprintf(out, n, "%s", host);
}

static int
stack_open_listeners(struct sip_stack *s)
{
	for (unsigned i = 0; i < s->cfg.n_listen; i++) {
		struct sip__listener *l = calloc(1, sizeof(*l));
		int rc;

		if (!l)
			return -ENOMEM;
		l->s = s;
		l->ep = s->cfg.listen[i];
		l->index = i;
		s->lst[s->n_lst++] = l;
		rc = l->ep.transport == NET_UDP ? sip__udp_open(l)
						: sip__tcp_listen(l);
		if (rc < 0) {
			char a[NET_ADDRSTRLEN];

			log_error("sip: listen %s:%s: %s",
			    net_transport_name(l->ep.transport),
			    net_addr_str((struct sockaddr *)&l->ep.addr, a,
				sizeof(a)), uv_strerror(rc));
			return rc;
		}
		listener_sent_by(s, l);
	}
	return 0;
}

void
sip__handle_release(struct sip_stack *s)
{
	if (--s->handles_open > 0)
		return;
	for (unsigned i = 0; i < s->n_lst; i++)
		free(s->lst[i]);
	sip__otab_free(&s->txns);
	sip__otab_free(&s->acks);
	sip__htab_free(&s->flows);
	sip__htab_free(&s->conn_addr);
	sip__htab_free(&s->conn_ip);
	sip__htab_free(&s->rates);
	sip__htab_free(&s->bans);
	free(s->heap.v);
	sip__tls_ctx_free(s);
	if (s->closed_cb)
		s->closed_cb(s->closed_arg);
	free(s);
}

static void
stack_on_handle_closed(uv_handle_t *h)
{
	sip__handle_release(h->data);
}

int
sip_stack_new(struct sip_stack **out, uv_loop_t *loop,
    const struct sip_config *cfg, const struct sip_tu *tu)
{
	struct sip_stack *s;
	int rc;

	if (!cfg || cfg->n_listen == 0 || cfg->n_listen > SIP_MAX_LISTEN ||
	    !tu || !tu->on_request)
		return -EINVAL;
	sip__parser_init();
	/* Zeroed but for the send queue's slots and bytes (66 KiB, last),
	 * written before they are read: calloc() would touch every page,
	 * and RSS on a router would carry the whole queue. */
	s = malloc(sizeof(*s));
	if (!s)
		return -ENOMEM;
	memset(s, 0, offsetof(struct sip_stack, udpq.e));
	s->loop = loop;
	s->cfg = *cfg;
	s->tu = *tu;
	config_defaults(&s->cfg);
	sip__random(&s->hash_seed, sizeof(s->hash_seed));
	s->next_flow = 1;
	if (sip__otab_init(&s->txns, 2048) < 0 ||
	    sip__otab_init(&s->acks, 128) < 0 ||
	    sip__htab_init(&s->flows, 64) < 0 ||
	    sip__htab_init(&s->conn_addr, 64) < 0 ||
	    sip__htab_init(&s->conn_ip, 64) < 0 ||
	    sip__htab_init(&s->rates, 64) < 0 ||
	    sip__htab_init(&s->bans, 64) < 0) {
		rc = -ENOMEM;
		goto fail;
	}
	uv_timer_init(loop, &s->heap_timer);
	s->heap_timer.data = s;
	sip__timer_init(&s->drain_timer, sip__txn_on_drain_timer);
	sip__timer_init(&s->sweep_timer, sip__on_sweep_timer);
	s->handles_open = 1;
	rc = sip__tls_ctx_new(s);
	if (rc == 0)
		rc = stack_open_listeners(s);
	if (rc < 0)
		goto fail_close;
	*out = s;
	return 0;
fail_close:
	sip_stack_close(s, NULL, NULL);
	return rc;
fail:
	sip__otab_free(&s->txns);
	sip__otab_free(&s->acks);
	sip__htab_free(&s->flows);
	sip__htab_free(&s->conn_addr);
	sip__htab_free(&s->conn_ip);
	sip__htab_free(&s->rates);
	sip__htab_free(&s->bans);
	free(s);
	return rc;
}

void
sip_stack_stop_listening(struct sip_stack *s, sip_drained_cb cb, void *arg)
{
	if (s->stopping || s->closing)
		return;
	s->stopping = true;
	s->drained_cb = cb;
	s->drained_arg = arg;
	for (unsigned i = 0; i < s->n_lst; i++)
		if (s->lst[i]->ep.transport != NET_UDP)
			sip__listener_close(s->lst[i]);
	log_info("sip: stopped listening, %u transactions to finish",
	    sip__txn_count(s));
	/* The drained callback never runs from within this call. */
	sip__txn_check_drained(s);
}

void
sip_stack_close(struct sip_stack *s, sip_closed_cb cb, void *arg)
{
	if (s->closing)
		return;
	s->closing = true;
	s->closed_cb = cb;
	s->closed_arg = arg;
	/* Datagrams waiting for the end of a receive batch leave now, while
	 * the client transactions they may report an error to still live. */
	sip__udp_flush(s);
	sip__txn_close_all(s);
	sip__timer_stop(s, &s->drain_timer);
	sip__rate_free(s);
	sip_ban_clear(s);
	/* Header texts handed out by sip_msg_header_get() die with the
	 * stack: nothing may hold them past it, and leak checkers see a
	 * clean exit. */
	sip__hdr_ring_clear();
	sip__conns_close_all(s);
	for (unsigned i = 0; i < s->n_lst; i++)
		sip__listener_close(s->lst[i]);
	uv_timer_stop(&s->heap_timer);
	uv_close((uv_handle_t *)&s->heap_timer, stack_on_handle_closed);
}

/* Listener and connection handles report their close here. */
void
sip__handle_opened(struct sip_stack *s)
{
	s->handles_open++;
}

void
sip__handle_closed(uv_handle_t *h)
{
	stack_on_handle_closed(h);
}

void
sip_stack_stats(const struct sip_stack *s, struct sip_stats *out)
{
	*out = s->stats;
}

void
sip_stack_stats_log(const struct sip_stack *s)
{
	const struct sip_stats *st = &s->stats;

	log_info("sip: counters requests_in=%llu responses_in=%llu "
		 "retransmissions_in=%llu parse_errors=%llu msgs_out=%llu "
		 "send_errors=%llu rejected_overload=%llu rejected_rate=%llu "
		 "dropped_banned=%llu connections=%u "
		 "txn_open=%u/%u/%u/%u acks_pending=%u",
	    (unsigned long long)st->requests_in,
	    (unsigned long long)st->responses_in,
	    (unsigned long long)st->retransmissions_in,
	    (unsigned long long)st->parse_errors,
	    (unsigned long long)st->msgs_out,
	    (unsigned long long)st->send_errors,
	    (unsigned long long)st->rejected_overload,
	    (unsigned long long)st->rejected_rate,
	    (unsigned long long)st->dropped_banned, st->connections,
	    st->txn_open[SIP_TXN_SERVER_INVITE], st->txn_open[SIP_TXN_SERVER],
	    st->txn_open[SIP_TXN_CLIENT_INVITE], st->txn_open[SIP_TXN_CLIENT],
	    st->acks_pending);
}

int
sip_stack_contact_host(const struct sip_stack *s, enum net_transport t,
    int af, char *buf, size_t len)
{
	for (unsigned i = 0; i < s->n_lst; i++) {
		const struct sip__listener *l = s->lst[i];

		if (l->ep.transport != t || l->ep.addr.ss_family != af)
			continue;
		if (strlen(s->sent_by[i]) >= len)
			return -ENOSPC;
		memcpy(buf, s->sent_by[i], strlen(s->sent_by[i]) + 1);
		return 0;
	}
	return -ENOENT;
}

int
sip__reply_stateless(struct sip_stack *s, const osip_message_t *req,
    const struct sip_source *src, int code, const char *reason,
    const struct sip_header *extra, size_t n_extra)
{
	osip_message_t *r = NULL;
	struct sip_dest d;
	char tag[SIP_TAG_LEN], *wire = NULL;
	size_t len;
	int rc;

	sip_tag_new(tag);
	rc = sip__build_response(&r, req, code, reason, tag, extra, n_extra);
	if (rc == 0)
		rc = sip__resp_route(r, src, &d);
	if (rc == 0)
		rc = sip__msg_print(r, &wire, &len);
	if (rc == 0)
		rc = sip__send(s, &d, wire, len, false, NULL);
	osip_free(wire);
	sip__msg_free(r);
	return rc;
}

/* RFC 3261 18.2.1: note where the request really came from in its top
 * Via (received), and the port too when the client asked (RFC 3581). */
static void
via_note_source(osip_message_t *m, const struct sip_source *src)
{
	osip_via_t *v = osip_list_get(&m->vias, 0);
	osip_generic_param_t *rport = NULL, *rcvd = NULL;
	char host[NET_ADDRSTRLEN], port[8];

	sip__host_str((const struct sockaddr *)&src->remote, host,
	    sizeof(host));
	osip_via_param_get_byname(v, "rport", &rport);
	osip_via_param_get_byname(v, "received", &rcvd);
	if (rcvd) {
		osip_free(rcvd->gvalue);
		rcvd->gvalue = osip_strdup(host);
	} else if (strcmp(v->host, host) != 0 || rport) {
		osip_via_set_received(v, osip_strdup(host));
	}
	if (rport) {
		unsigned p = net_addr_port(
		    (const struct sockaddr *)&src->remote);
		size_t i = sizeof(port) - 1;

		/* "%u" without stdio, for every request with rport. */
		port[i] = '\0';
		do {
			port[--i] = (char)('0' + p % 10);
			p /= 10;
		} while (p);
		memmove(port, port + i, sizeof(port) - i);
		osip_free(rport->gvalue);
		rport->gvalue = osip_strdup(port);
	}
	m->message_property = 2;
}

/* OPTIONS for linelock itself: no user part, or Max-Forwards 0 (RFC
 * 3261 11.2, RFC 4475 3.3.11 treats the latter as ours too). */
static bool
options_is_local(const struct sip_stack *s, const osip_message_t *m)
{
	osip_header_t *mf = NULL;

	if (!s->cfg.answer_options || !MSG_IS_OPTIONS(m))
		return false;
	if (m->req_uri && m->req_uri->scheme &&
	    strncasecmp(m->req_uri->scheme, "sip", 3) == 0 &&
	    (!m->req_uri->username || !*m->req_uri->username))
		return true;
	osip_message_get_max_forwards(m, 0, &mf);
	return mf && mf->hvalue && strcmp(mf->hvalue, "0") == 0;
}

static void
recv_error(struct sip_stack *s, osip_message_t *m,
    const struct sip_source *src, const struct sip__parse_err *err)
{
	char a[NET_ADDRSTRLEN];

	s->stats.parse_errors++;
	net_addr_str((const struct sockaddr *)&src->remote, a, sizeof(a));
	/* RFC 3261 17: an ACK is never answered, malformed or not. */
	if (m && err->code && MSG_IS_REQUEST(m) && !MSG_IS_ACK(m)) {
		log_debug("sip: %s %s: malformed request, %d %s",
		    net_transport_name(src->transport), a, err->code,
		    err->reason);
		via_note_source(m, src);
		sip__reply_stateless(s, m, src, err->code, err->reason,
		    NULL, 0);
	} else {
		log_debug("sip: %s %s: malformed message dropped (%s)",
		    net_transport_name(src->transport), a,
		    err->reason ? err->reason : "?");
	}
	sip__msg_free(m);
}

void
sip__recv(struct sip_stack *s, const char *buf, size_t len,
    const struct sip_source *src)
{
	osip_message_t *m = NULL;
	struct sip__parse_err err = {0, NULL};

	if (s->closing)
		return;
	/* DESIGN rule 1: a banned source is dropped, no response, before
	 * a byte of it is parsed. */
	if (sip__ban_drops(s, (const struct sockaddr *)&src->remote))
		return;
	if (sip__parse(&m, buf, len, src->transport != NET_UDP, &err) < 0) {
		recv_error(s, m, src, &err);
		return;
	}
	s->stats.msgs_in++;
	if (MSG_IS_RESPONSE(m)) {
		s->stats.responses_in++;
		sip__client_response(s, m, src);
		return;
	}
	s->stats.requests_in++;
	via_note_source(m, src);
	if (MSG_IS_ACK(m)) {
		sip__server_ack(s, m, src);
		return;
	}
	if (options_is_local(s, m)) {
		sip__reply_stateless(s, m, src, 200, NULL, options_hdrs,
		    ARRAY_SIZE(options_hdrs));
		sip__msg_free(m);
		return;
	}
	sip__server_request(s, m, src);
}
