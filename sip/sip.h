/* sip/: SIP's bytes and nothing above them. Transports (UDP, TCP, TLS over
 * mbedTLS; IPv4 and IPv6), parse and serialize on libosip2, the RFC 3261
 * section 17 transaction layer and its timers. It knows nothing of calls,
 * lines or locks: its transaction user (TU, the B2BUA) gets structured
 * libosip2 messages (osip_message_t) and answers through the calls below.
 *
 * Threading: everything runs on the one libuv loop given to
 * sip_stack_new(). Every callback runs on that loop, never before the call
 * that armed it returns.
 *
 * Ownership in one line: messages handed to the TU are borrowed for the
 * callback (clone what you keep); messages handed to sip/ by a function
 * documented "takes ownership" are sip/'s in every case, error included.
 */
#ifndef LL_SIP_H
#define LL_SIP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <osipparser2/osip_message.h>
#include <osipparser2/osip_parser.h>
#include <uv.h>

#include "netaddr.h"

/* RFC 3261 17.1.1.1 timer bases, milliseconds. */
#define SIP_T1_MS 500
#define SIP_T2_MS 4000
#define SIP_T4_MS 5000

#define SIP_MAX_LISTEN 8
#define SIP_MAX_RATE_EXEMPT 80	/* trusted CIDRs and core addresses */
#define SIP_PATH_MAX 256
#define SIP_DOMAIN_MAX 128

/* Lengths (with NUL) of the strings the generators below write. */
#define SIP_TAG_LEN 17		/* 16 hex digits */
#define SIP_BRANCH_LEN 32	/* "z9hG4bK" + 24 hex digits */
#define SIP_CALLID_LEN 192	/* 24 hex digits "@" domain */

struct sip_stack;
struct sip_txn;

/* Settings of one stack. Filled by main.c from the INI file; sip/ copies
 * it in sip_stack_new(), so the caller may reuse it afterwards. */
struct sip_config {
	struct net_endpoint listen[SIP_MAX_LISTEN];
	unsigned n_listen;
	char tls_cert[SIP_PATH_MAX];	/* PEM; needed by a tls listener */
	char tls_key[SIP_PATH_MAX];
	char tls_ca[SIP_PATH_MAX];	/* verifies TLS servers; "": none */
	char domain[SIP_DOMAIN_MAX];	/* Via sent-by, Call-IDs; "": addr */
	uint32_t max_message;		/* bytes, any transport; 0: 65535 */
	/* SO_RCVBUF and SO_SNDBUF asked for each UDP socket, bytes; 0:
	 * 1 MiB. A burst the loop cannot read at once waits there. */
	uint32_t udp_buffer;
	uint32_t tcp_idle_timeout;	/* seconds; 0: 300 */
	uint32_t max_connections;	/* TCP + TLS; 0: 256 */
	/* A TCP/TLS message's header must be complete this many seconds
	 * after its first byte (slow-loris); 0: 10. */
	uint32_t tcp_header_timeout;
	uint32_t max_connections_per_ip;	/* accepted; 0: 32 */
	/* New server transactions a second from one source IP (token
	 * bucket of rate_burst); beyond, 503 with Retry-After. Sources in
	 * rate_exempt (trusted and core peers) are not counted. 0: 200
	 * and 2 * rate_limit. */
	uint32_t rate_limit, rate_burst;
	struct net_cidr rate_exempt[SIP_MAX_RATE_EXEMPT];
	unsigned n_rate_exempt;
	/* Unfinished transactions (no final response yet, or a 2xx not
	 * yet acknowledged); finished ones are kept up to 8 times as many
	 * (txn.c). 0: 4096 */
	uint32_t max_transactions;
	/* Timer bases (ms); 0 takes SIP_T1_MS, SIP_T2_MS, SIP_T4_MS.
	 * Only tests change them. */
	uint32_t t1_ms, t2_ms, t4_ms;
	/* Answer OPTIONS meant for linelock itself (Request-URI without
	 * user part, or Max-Forwards 0) with 200, Allow, Accept,
	 * Supported, without bothering the TU. */
	bool answer_options;
	/* Banned addresses kept at most (sip_ban_add()); 0: 4096. */
	uint32_t max_bans;
};

/* Where a received message came from. Borrowed for the callback that
 * hands it over; copy it to keep it. */
struct sip_source {
	enum net_transport transport;
	struct sockaddr_storage remote;	/* the peer's address and port */
	struct sockaddr_storage local;	/* our listener's address */
	/* Connection (flow, RFC 5626) the message arrived on: non-zero for
	 * TCP and TLS, 0 for UDP. Ids are never reused within a process,
	 * so a stale id just finds nothing (sip_flow_is_alive()). */
	uint64_t flow;
};

/* Where to send. For a flow, transport and addr are still filled (they
 * name the peer in logs), but only that connection is used. */
struct sip_dest {
	enum net_transport transport;
	struct sockaddr_storage addr;
	uint64_t flow;		/* non-zero: this connection or nothing */
};

/* One extra header for the response builders: name and value as text. */
struct sip_header {
	const char *name;
	const char *value;
};

/* The transaction user: the B2BUA's hooks into the stack. All callbacks
 * get `arg`. Messages and sources are borrowed for the callback. A NULL
 * hook is allowed except on_request. */
struct sip_tu {
	void *arg;
	/* A new request (not ACK, not a matched CANCEL) opened server
	 * transaction `st`. The TU must answer it once with a final
	 * response through sip_txn_reply*() (provisional ones before, as it
	 * likes), now or later. For INVITE, sip/ has already sent
	 * 100 Trying (RFC 3261 17.2.1). `st` stays valid for the TU until
	 * its final response is sent, or until on_server_gone. */
	void (*on_request)(void *arg, struct sip_txn *st,
	    const osip_message_t *req, const struct sip_source *src);
	/* An ACK that is not part of an INVITE server transaction: the ACK
	 * to a 2xx (RFC 3261 17.1.1.3, 13.2.2.4; a new transaction of its
	 * own). If it matches a 2xx that sip/ retransmits for the TU
	 * (sip_txn_reply() with 2xx to INVITE), the retransmissions stop
	 * first and `st_arg` is the arg the TU set on that transaction
	 * (sip_txn_set_arg()), else NULL. */
	void (*on_ack)(void *arg, void *st_arg, const osip_message_t *ack,
	    const struct sip_source *src);
	/* A CANCEL matched INVITE server transaction `st` that has not
	 * sent its final response yet. sip/ has already answered the
	 * CANCEL with 200 (RFC 3261 9.2); the TU should propagate it and
	 * then answer `st` with 487 Request Terminated. Unmatched CANCELs
	 * get 481 from sip/ and never reach the TU. */
	void (*on_cancel)(void *arg, struct sip_txn *st,
	    const osip_message_t *cancel, const struct sip_source *src);
	/* A response that matches no client transaction (for instance a
	 * retransmitted 2xx to an INVITE whose transaction is over). */
	void (*on_stray_response)(void *arg, const osip_message_t *resp,
	    const struct sip_source *src);
	/* A 2xx to INVITE was retransmitted for 64*T1 without an ACK
	 * (RFC 3261 13.3.1.4): the TU should end the session with BYE.
	 * `st_arg` as in on_ack. */
	void (*on_ack_timeout)(void *arg, void *st_arg,
	    const osip_message_t *resp);
	/* Server transaction `st` ends before the TU sent its final
	 * response; only when the stack closes (sip/ answers 503 itself).
	 * `st` is invalid after this returns. */
	void (*on_server_gone)(void *arg, struct sip_txn *st, void *st_arg);
};

/* Counters for /metrics. Transactions are counted while open (until
 * their Terminated state, timers included). */
enum sip_txn_kind {
	SIP_TXN_SERVER_INVITE = 0,
	SIP_TXN_SERVER,			/* non-INVITE */
	SIP_TXN_CLIENT_INVITE,
	SIP_TXN_CLIENT,			/* non-INVITE */
	SIP_TXN_KINDS,
};

struct sip_stats {
	uint32_t txn_open[SIP_TXN_KINDS];
	uint32_t connections;		/* TCP + TLS, open now */
	uint32_t acks_pending;		/* 2xx retransmitted for the TU */
	uint64_t msgs_in;		/* requests and responses parsed */
	uint64_t msgs_out;		/* sent, retransmissions included */
	uint64_t requests_in;
	uint64_t responses_in;
	uint64_t retransmissions_in;	/* absorbed by a transaction */
	uint64_t parse_errors;		/* malformed: 400 sent or dropped */
	uint64_t rejected_overload;	/* 503: max_transactions reached */
	uint64_t rejected_rate;		/* 503: a source over rate_limit */
	uint64_t send_errors;
	/* Datagrams, TCP/TLS messages and connections from banned
	 * addresses, dropped unanswered (sip_ban_add()). */
	uint64_t dropped_banned;
};

/* Called once when the stack has closed every handle and freed itself. */
typedef void (*sip_closed_cb)(void *arg);
/* Called once when the last transaction is over after
 * sip_stack_stop_listening(). */
typedef void (*sip_drained_cb)(void *arg);

/* A client transaction's response: every provisional response, then the
 * final one. `src` is NULL for the synthetic final responses sip/ makes
 * itself: 408 on Timer B/F (no answer), 503 on a transport error (the
 * connection failed or the flow is gone). For INVITE, further 2xx (a
 * retransmission or a forked 2xx, RFC 6026 Accepted state) run the
 * callback again with the same `ct` for 64*T1 so the TU can ACK them.
 * Never runs before the sending call returns. */
typedef void (*sip_response_cb)(void *arg, struct sip_txn *ct,
    const osip_message_t *resp, const struct sip_source *src);

/* Stack */

/* Opens every listener of cfg on loop and initialises libosip2's parser
 * (parser_init(), once per process). tu is copied. On 0 *out is the
 * stack; close it with sip_stack_close(). -EINVAL (bad config, no
 * listener), -ENOMEM, -EADDRINUSE and other UV_E* from bind/listen,
 * -ENOENT/-EBADMSG when TLS files cannot be loaded. */
int	sip_stack_new(struct sip_stack **out, uv_loop_t *loop,
	    const struct sip_config *cfg, const struct sip_tu *tu);

/* Graceful shutdown, step 1: closes TCP/TLS listening sockets; UDP keeps
 * receiving so open transactions can finish, but new requests get 503
 * with Retry-After. `cb` runs once no transaction and no pending 2xx is
 * left (at once, from the loop, if none is open). */
void	sip_stack_stop_listening(struct sip_stack *s, sip_drained_cb cb,
	    void *arg);

/* Closes everything: unanswered server transactions get 503 and
 * on_server_gone, client transactions end without callbacks, every
 * connection and socket is closed. `cb` runs once when all handles are
 * closed; the stack is freed just before. No TU callback runs after
 * this returns, except on_server_gone from within this call. */
void	sip_stack_close(struct sip_stack *s, sip_closed_cb cb, void *arg);

void	sip_stack_stats(const struct sip_stack *s, struct sip_stats *out);
/* The same as one info line, "sip: counters ..." (SIGUSR1 in main.c). */
void	sip_stack_stats_log(const struct sip_stack *s);

/* The Via sent-by host:port sip/ writes for a listener of transport t
 * and family af (AF_INET/AF_INET6); for Contact headers of the TU.
 * Writes into buf (NET_ADDRSTRLEN + SIP_DOMAIN_MAX). -ENOENT when no
 * listener fits. */
int	sip_stack_contact_host(const struct sip_stack *s,
	    enum net_transport t, int af, char *buf, size_t len);

/* True while the TCP/TLS connection with this id is open. */
bool	sip_flow_is_alive(const struct sip_stack *s, uint64_t flow);

/* Address bans */

/* Bans addr's host (any port; a v4-mapped IPv6 address is its IPv4 one)
 * for `seconds` from now (0: until sip_ban_del()), or moves the end of
 * its ban. From then on its datagrams and TCP/TLS messages are dropped
 * before parsing and its connections closed at accept, all without an
 * answer, counted in dropped_banned. The lookup is O(1); an expired
 * entry goes at its next lookup. -EINVAL (not IPv4/IPv6), -ENOSPC
 * (max_bans unexpired entries held), -ENOMEM. */
int	sip_ban_add(struct sip_stack *s, const struct sockaddr *addr,
	    uint32_t seconds);

/* Lifts a ban: 0, -ENOENT (not banned), -EINVAL. */
int	sip_ban_del(struct sip_stack *s, const struct sockaddr *addr);

/* Lifts every ban (before the TU loads its list again). */
void	sip_ban_clear(struct sip_stack *s);

/* True while addr's host is banned. */
bool	sip_ban_is_banned(struct sip_stack *s, const struct sockaddr *addr);

/* Bans in force now (expired entries are dropped first: O(table)). */
unsigned	sip_ban_count(struct sip_stack *s);

/* Server transactions */

/* Sends a response built from the transaction's request: status `code`
 * (100..699), `reason` (NULL: the standard phrase), n `extra` headers
 * added as given. A To-tag is added for codes above 100 (the same tag for
 * every response of the transaction, sip_txn_local_tag()). Routed per
 * RFC 3261 18.2.2 and RFC 3581 (rport, received). A final response ends
 * the TU's hold on `st` (see on_request). 0, -EINVAL (bad code, final
 * response already sent), -ENOMEM. */
int	sip_txn_reply(struct sip_txn *st, int code, const char *reason,
	    const struct sip_header *extra, size_t n_extra);

/* Same with a full response the TU built (sip_msg_new_response() is the
 * usual start). Takes ownership of resp. Via, Call-ID, CSeq and From must
 * be the request's; a To-tag is added when missing and the code is above
 * 100. For a 2xx to INVITE, sip/ retransmits it (T1 doubling to T2)
 * until the ACK arrives (on_ack) or 64*T1 pass (on_ack_timeout), as RFC
 * 3261 13.3.1.4 asks of the UAS core. 0, -EINVAL, -ENOMEM. */
int	sip_txn_reply_msg(struct sip_txn *st, osip_message_t *resp);

/* Same with a tail (sip_msg_new_reply_tail()): the TU's Contact,
 * headers and body; sip/ adds the request's Via, Record-Route, From,
 * To, Call-ID and CSeq as sip_msg_new_response() would, printing them
 * straight from the request when the response is not kept (all but a
 * 2xx to INVITE): the same bytes, no copies. Takes ownership of tail.
 * 0, -EINVAL, -ENOMEM. */
int	sip_txn_reply_tail(struct sip_txn *st, osip_message_t *tail);

/* The request of a transaction (server: received; client: as sent).
 * Borrowed. Once the final response is out (server) or delivered
 * (client) the transaction keeps only what absorbing retransmissions
 * needs: then a server transaction returns NULL, a client INVITE that
 * got a 2xx a skeleton (start line, From, To, Call-ID, CSeq: enough for
 * sip_msg_new_ack()), other client transactions NULL. Inside the
 * response callback that delivers the final response it is still the
 * full request. */
const osip_message_t *sip_txn_request(const struct sip_txn *t);

/* Where a server transaction's request came from. */
const struct sip_source *sip_txn_source(const struct sip_txn *st);

/* The To-tag sip/ puts in this server transaction's responses. */
const char *sip_txn_local_tag(const struct sip_txn *st);

/* The TU's pointer for this transaction, NULL at first. Reported back by
 * on_ack, on_ack_timeout and on_server_gone. */
void	sip_txn_set_arg(struct sip_txn *t, void *arg);
void	*sip_txn_get_arg(const struct sip_txn *t);

/* Client transactions */

/* Sends request `req` (takes ownership) as a new client transaction to
 * dst. sip/ adds the top Via (our sent-by, a new branch, rport, RFC 3581)
 * and a Content-Length, picks the listener for dst's transport and
 * family (for TCP/TLS any listener lends its sent-by when none of that
 * transport exists: the connection carries the responses), opens a
 * TCP/TLS connection when needed (none with a flow). TLS servers are
 * verified against tls_ca when set (CN, dNSName or an iPAddress
 * subjectAltName equal to the address called), else not at all.
 * `cb` gets every response (sip_response_cb). On 0 *out is the
 * transaction, valid until the callback for its final response returns
 * (or longer for INVITE 2xx, see sip_response_cb), or until
 * sip_txn_detach(). An ACK is refused (-EINVAL): use sip_send_ack(). A
 * CANCEL is refused too: use sip_txn_cancel(). -EINVAL, -ENOMEM,
 * -ENOSPC (max_transactions reached). Errors after return (connection
 * refused, flow gone) come as a synthetic 503 through cb. */
int	sip_request_send(struct sip_txn **out, struct sip_stack *s,
	    osip_message_t *req, const struct sip_dest *dst,
	    sip_response_cb cb, void *arg);

/* Cancels pending INVITE client transaction ct (RFC 3261 9.1): sip/
 * builds the CANCEL and sends it as its own transaction once a
 * provisional response has arrived (at once if one has), and absorbs its
 * response. The INVITE's final response (487, or a 2xx that crossed the
 * CANCEL) still comes through ct's callback. 0; -EINVAL when ct is not an
 * INVITE or already has a final response (nothing to cancel). */
int	sip_txn_cancel(struct sip_txn *ct);

/* The TU no longer wants callbacks of client transaction ct (its call
 * is gone). The transaction runs on alone (ACKs non-2xx, absorbs
 * retransmissions) and is freed by sip/. ct is invalid afterwards. */
void	sip_txn_detach(struct sip_txn *ct);

/* Stateless sending */

/* Sends the ACK for a 2xx (RFC 3261 13.2.2.4), built with
 * sip_msg_new_ack(), outside any transaction: sip/ adds a Via with a new
 * branch. Takes ownership of ack. The TU sends it again for every 2xx
 * retransmission it sees. 0, -EINVAL, -ENOMEM, -ENOTCONN (flow gone). */
int	sip_send_ack(struct sip_stack *s, osip_message_t *ack,
	    const struct sip_dest *dst);

/* The same for the 2xx resp2xx to invite (both borrowed): the ACK
 * sip_msg_new_ack() would build is printed straight from them (the same
 * bytes, no message built), or built and sent by sip_send_ack() where
 * the printer declines. Same errors, and those of sip_msg_new_ack(). */
int	sip_send_ack_2xx(struct sip_stack *s, const osip_message_t *invite,
	    const osip_message_t *resp2xx, const struct sip_dest *dst);

/* Sends msg as it is (takes ownership): no Via is added, no transaction
 * kept. For a request, dst is used; for a response, dst may be NULL and
 * the top Via routes it (RFC 3261 18.2.2). For stateless forwarding.
 * 0, -EINVAL, -ENOMEM, -ENOTCONN. */
int	sip_send_stateless(struct sip_stack *s, osip_message_t *msg,
	    const struct sip_dest *dst);

/* Message helpers: the only way other rooms make or read SIP text. */

/* A new request: method, Request-URI, From and To (name-addr or
 * addr-spec text with any params, e.g. "<sip:100@pbx>;tag=a1"), Call-ID,
 * CSeq number, Max-Forwards 70. No Via (sip/ adds it when sending).
 * 0, -EINVAL (unparsable URI or header), -ENOMEM. */
int	sip_msg_new_request(osip_message_t **out, const char *method,
	    const char *ruri, const char *from, const char *to,
	    const char *call_id, uint32_t cseq);

/* One end of a dialog for sip_msg_new_request_dlg(): a name-addr as
 * text (text), or, with text NULL, a URI's text and a tag (NULL or "":
 * none), the same as the text "<uri>;tag=tag" without libosip2 parsing
 * the name-addr around the URI. */
struct sip_party {
	const char *text;
	const char *uri;
	const char *tag;
};

/* sip_msg_new_request() with From and To as parties and Max-Forwards
 * max_forwards (a relayed request's one less than it came with, RFC
 * 3261 16.6 step 3), not 70 replaced afterwards. */
int	sip_msg_new_request_dlg(osip_message_t **out, const char *method,
	    const char *ruri, const struct sip_party *from,
	    const struct sip_party *to, const char *call_id, uint32_t cseq,
	    unsigned max_forwards);

/* A response to req: Via list, From, To, Call-ID, CSeq copied, and
 * Record-Route for 101..299 (RFC 3261 12.1.1). reason NULL: standard
 * phrase. No To-tag is added here (the server transaction adds its own;
 * set one with sip_msg_to_tag_set() to choose). 0, -EINVAL, -ENOMEM. */
/* The start of a response to req for sip_txn_reply_tail(): status line
 * only, as sip_msg_new_response() minus the copies. Same errors. */
int	sip_msg_new_reply_tail(osip_message_t **out, const osip_message_t *req,
	    int code, const char *reason);
int	sip_msg_new_response(osip_message_t **out, const osip_message_t *req,
	    int code, const char *reason);

/* The ACK for a 2xx (RFC 3261 13.2.2.4): Request-URI from the 2xx's
 * Contact, Route set from its Record-Route reversed, From, To (with tag),
 * Call-ID of the 2xx, CSeq number of invite with method ACK. The TU adds
 * a body if the offer is in the ACK. 0, -EINVAL, -ENOMEM. */
int	sip_msg_new_ack(osip_message_t **out, const osip_message_t *invite,
	    const osip_message_t *resp2xx);

/* The standard reason phrase of a status code, "Unknown" otherwise. */
const char *sip_reason_phrase(int code);

/* Random identifiers (mbedTLS CTR-DRBG seeded at stack start, or
 * /dev/urandom): a tag (16 hex), a branch ("z9hG4bK" + 24 hex), a
 * Call-ID (24 hex "@" domain, domain may be NULL). buf must hold the
 * matching SIP_*_LEN. */
void	sip_tag_new(char buf[SIP_TAG_LEN]);
void	sip_branch_new(char buf[SIP_BRANCH_LEN]);
void	sip_callid_new(char buf[SIP_CALLID_LEN], const char *domain);

/* Header access by name, any case, compact forms included (both ways:
 * "i" finds Call-ID, "Supported" finds "k: ..."). get returns the value
 * of the idx-th header of that name, or NULL. set replaces every header
 * of that name with one; add appends one; remove drops all. The headers
 * libosip2 keeps structured are reached by the same names: Via, From,
 * To, Contact, Route, Record-Route, Call-ID, CSeq, Content-Type, Accept,
 * Content-Length, Allow, Content-Encoding. For those, get prints the
 * value into a small ring owned by sip/: read or copy it before four
 * more get calls; the others point into the message. Contact, Route,
 * Record-Route and Via values given to add may hold a comma-separated
 * list; any other value is kept as one header. Authorization-style
 * headers (WWW-Authenticate, ...) are reached through libosip2's own
 * accessors only. 0, -EINVAL, -ENOMEM. */
const char *sip_msg_header_get(const osip_message_t *m, const char *name,
	    int idx);
int	sip_msg_header_set(osip_message_t *m, const char *name,
	    const char *value);
int	sip_msg_header_add(osip_message_t *m, const char *name,
	    const char *value);
int	sip_msg_header_remove(osip_message_t *m, const char *name);

/* Appends to dst a copy of each header of src that libosip2 keeps as
 * text (not Via, From, To, Contact, Route, Record-Route, Call-ID, CSeq,
 * Content-*, Accept, Allow, authentication headers) and whose name is in
 * the NULL-terminated list names (at most SIP_HDR_COPY_MAX, compact forms
 * match), written with the list's spelling, in src's order, at most 16
 * per name. 0, -EINVAL (value with CR/LF, list too long), -ENOMEM. */
#define SIP_HDR_COPY_MAX 64
int	sip_msg_header_copy(osip_message_t *dst, const osip_message_t *src,
	    const char *const *names);

/* Runs fn(m, arg) with m's allocation scope current, so that whatever
 * fn clones into m with libosip2's own functions (osip_*_clone,
 * osip_list_add) is m's and goes with it; parts made outside this scope
 * and linked into m cost a walk of m when it is freed (sip/arena.c).
 * Returns what fn returns. */
int	sip_msg_edit(osip_message_t *m,
	    int (*fn)(osip_message_t *m, void *arg), void *arg);

/* Replaces the body (len bytes, any octets) and its Content-Type; a
 * NULL or empty type with len 0 removes both. 0, -EINVAL, -ENOMEM. */
int	sip_msg_body_set(osip_message_t *m, const char *content_type,
	    const char *body, size_t len);

/* The first body part: *len bytes (not NUL-terminated as far as the
 * peer is concerned), or NULL with *len 0 when there is none. */
const char *sip_msg_body_get(const osip_message_t *m, size_t *len);

/* From-tag and To-tag, NULL when absent. set replaces the To-tag. */
const char *sip_msg_from_tag(const osip_message_t *m);
const char *sip_msg_to_tag(const osip_message_t *m);
int	sip_msg_to_tag_set(osip_message_t *m, const char *tag);

/* CSeq number (0 when absent) and the method as text (NULL if absent). */
uint32_t	sip_msg_cseq(const osip_message_t *m);
const char *sip_msg_method(const osip_message_t *m);
bool	sip_msg_is_method(const osip_message_t *m, const char *method);

/* URIs as text: parse into a new osip_uri_t (osip_uri_free() it), or
 * write one into buf. 0, -EINVAL (bad URI), -ENOSPC (buf too short),
 * -ENOMEM. */
int	sip_uri_parse(osip_uri_t **out, const char *text);
int	sip_uri_print(char *buf, size_t len, const osip_uri_t *uri);
/* The same without the URI's headers: a Request-URI or a dialog's remote
 * target carries none (RFC 3261 19.1.1, 12.1.1). */
int	sip_uri_print_target(char *buf, size_t len, const osip_uri_t *uri);

/* Appends a Contact header <uri> to m, uri (borrowed) copied with `user`
 * as its user part when user is not NULL or "": what adding the text
 * "<sip:user@host>" would give when user needs no escaping, without
 * parsing it again for every message. 0, -EINVAL, -ENOMEM. */
int	sip_msg_contact_add(osip_message_t *m, const osip_uri_t *uri,
	    const char *user);

/* Header values as text the same way, for From/To/Contact-like
 * name-addr headers: parse into a new osip_from_t (osip_from_free()),
 * print one into buf. */
int	sip_nameaddr_parse(osip_from_t **out, const char *text);
int	sip_nameaddr_print(char *buf, size_t len, const osip_from_t *na);

#endif
