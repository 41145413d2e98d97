/* Declarations shared inside sip/ only: the stack, its hash tables, its
 * timer heap, transports and transactions. Nothing here is API. */
#ifndef LL_SIP_INTERNAL_H
#define LL_SIP_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>
#include <netinet/in.h>

#include "log.h"
#include "sip/sip.h"
#include "util.h"

#define SIP__DEF_MAX_MESSAGE 65535u
#define SIP__DEF_TCP_IDLE 300u
#define SIP__DEF_MAX_CONN 256u
#define SIP__DEF_HDR_TIMEOUT 10u
#define SIP__DEF_CONN_PER_IP 32u
#define SIP__DEF_RATE 200u	/* new transactions a second per source */
#define SIP__SWEEP_MS 10000u	/* housekeeping period (rate.c) */
#define SIP__RBUF_MIN 2048u	/* a stream's first input buffer */
#define SIP__DEF_MAX_TXN 4096u
#define SIP__DONE_FACTOR 2u	/* finished transactions kept, x max */
#define SIP__DONE_WARN_MS 10000u	/* early-end log at most this often */
#define SIP__UDP_BUFFER (1u << 20) /* default udp_buffer */
#define SIP__RETRY_AFTER "5"

/* Intrusive chained hash table. The owner embeds a node and compares
 * keys itself while walking a bucket: no allocation per entry. */
struct sip__hnode {
	struct sip__hnode *next;
	uint64_t hash;
};

struct sip__htab {
	struct sip__hnode **buckets;
	uint32_t mask;		/* buckets - 1, a power of two minus one */
	uint32_t n;
};

int	sip__htab_init(struct sip__htab *t, uint32_t buckets);
void	sip__htab_free(struct sip__htab *t);
void	sip__htab_insert(struct sip__htab *t, struct sip__hnode *n);
void	sip__htab_remove(struct sip__htab *t, struct sip__hnode *n);
struct sip__hnode *sip__htab_first(const struct sip__htab *t, uint64_t h);
uint64_t	sip__hash(const void *p, size_t len, uint64_t seed);

/* Open-addressed table of entries by 64-bit hash (htab.c), for the
 * big ones (transactions, accepted INVITEs: 750,000 linger at 8,000
 * calls/s): the slots hold the hash next to the pointer, so a miss and
 * most wrong entries cost a cache line of slots, not a chain of cold
 * entries. The owner keeps nothing in the entry; it recomputes the
 * hash to remove. At most half full: O(1) expected probes. */
struct sip__otab_slot {
	uint64_t hash;
	void *p;		/* the entry, NULL: empty */
};

struct sip__otab {
	struct sip__otab_slot *v;
	uint32_t mask;		/* slots - 1, a power of two minus one */
	uint32_t n;
};

int	sip__otab_init(struct sip__otab *t, uint32_t slots);
void	sip__otab_free(struct sip__otab *t);
/* Adds p (not NULL, borrowed) under hash. 0, or -ENOMEM when the
 * table is full and cannot grow. */
int	sip__otab_insert(struct sip__otab *t, uint64_t hash, void *p);
/* Takes p out, if it is there under hash (its low 32 bits suffice:
 * they place it). */
void	sip__otab_remove(struct sip__otab *t, uint64_t hash, const void *p);
/* The entry under hash for which eq(entry, key) holds, or NULL; eq
 * runs only for entries whose whole hash matches. */
void	*sip__otab_find(const struct sip__otab *t, uint64_t hash,
	    bool (*eq)(const void *p, const void *key), const void *key);

/* A timer of the stack (timer.c): one uv_timer_t serves them all, so a
 * transaction needs no libuv handle and can be freed at once. Armed, it
 * sits in its duration's FIFO list or in the heap; `idx` says where,
 * SIP__TIMER_IDLE when not armed. */
#define SIP__TIMER_IDLE UINT32_MAX
struct sip__timer;
typedef void (*sip__timer_fn)(struct sip__timer *t);
struct sip__timer {
	uint64_t due;
	struct sip__timer *prev, *next;	/* in its duration list */
	sip__timer_fn fn;
	uint32_t seq;		/* arm order: ties on due fire oldest first */
	uint32_t idx;		/* heap slot, or list number | 1 << 31 */
};

/* Timers armed with one duration, oldest (due first) at the head. */
#define SIP__TIMER_LISTS 16
struct sip__tlist {
	uint64_t after;		/* the duration, bound on first use */
	uint64_t due;		/* the head's: compared without it */
	uint32_t seq;		/* the head's */
	struct sip__timer *head, *tail;
};

struct sip__heap_ent {
	uint64_t due;		/* t->due, read without touching t */
	struct sip__timer *t;
};

/* All of the stack's timers: the duration lists, and a min-heap on
 * (due, seq) for durations without a list. */
struct sip__heap {
	struct sip__heap_ent *v;	/* malloc'd */
	uint32_t n, cap;
	uint32_t seq;			/* the next arm's */
	unsigned n_lists;		/* lists bound so far */
	struct sip__tlist lists[SIP__TIMER_LISTS];
};

void	sip__timer_init(struct sip__timer *t, sip__timer_fn fn);
int	sip__timer_arm(struct sip_stack *s, struct sip__timer *t,
	    uint64_t after_ms);
void	sip__timer_stop(struct sip_stack *s, struct sip__timer *t);
bool	sip__timer_is_armed(const struct sip__timer *t);
uint64_t	sip__now(const struct sip_stack *s);
/* Runs the timers due at sip__now(), then re-arms the uv timer. */
void	sip__timers_run(struct sip_stack *s);
/* Tests only: from now on the clock reads `ms` (set again to advance)
 * and due timers run. */
void	sip__clock_set(struct sip_stack *s, uint64_t ms);

struct sip__listener;
struct sip__conn;

/* UDP datagrams produced while one recvmmsg(2) batch is handled wait
 * here and leave in one sendmmsg(2) per socket at its end (transport.c):
 * one kernel entry for up to SIP__UDPQ_MAX datagrams instead of one
 * each. The bytes are copied (callers free theirs at once). */
#define SIP__UDPQ_MAX 32u
#define SIP__UDPQ_BYTES 65536u	/* > any datagram (max_message) */
struct sip__udpq_ent {
	struct sip__listener *l;	/* the socket it leaves from */
	/* A client transaction's first send: a send error ends it as
	 * client_start() would have (sip__client_send_failed). Valid until
	 * the flush: a client transaction still trying is freed only from
	 * a timer or the stack's close, both outside a batch (the close
	 * flushes first). NULL for the rest. */
	struct sip_txn *t;
	uint32_t off, len;		/* in buf */
	union {
		struct sockaddr sa;
		struct sockaddr_in in;
		struct sockaddr_in6 in6;
	} addr;
};
struct sip__udpq {
	bool batch;		/* in a receive batch: sends wait */
	bool flushing;
	unsigned n;		/* entries waiting, in send order */
	uint32_t used;		/* bytes of buf */
	struct sip__udpq_ent e[SIP__UDPQ_MAX];
	char buf[SIP__UDPQ_BYTES];
};
/* Sends what waits, in order, and ends the batch. */
void	sip__udp_flush(struct sip_stack *s);

/* The stack: owned by whoever called sip_stack_new(), freed by
 * sip_stack_close() once the last handle has closed. */
struct sip_stack {
	uv_loop_t *loop;
	struct sip_config cfg;
	struct sip_tu tu;
	struct sip_stats stats;

	struct sip__listener *lst[SIP_MAX_LISTEN];
	unsigned n_lst;

	struct sip__otab txns;		/* struct sip_txn by key */
	struct sip__otab acks;		/* accepted INVITE server txns */
	struct sip__htab flows;		/* struct sip__conn by flow id */
	struct sip__htab conn_addr;	/* struct sip__conn by peer addr */
	struct sip__htab conn_ip;	/* accepted connections per IP */
	struct sip__htab rates;		/* struct sip__rate by source IP */
	struct sip__htab bans;		/* struct sip__ban by address */
	struct sip__timer sweep_timer;	/* rate buckets, heap trim */
	uint32_t txn_peak;		/* most transactions since a trim */
	uint64_t next_flow;
	uint64_t hash_seed;
	struct sip_txn *all;		/* every transaction, for close */
	/* Finished transactions (txn.c, sip__txn_settle): they only absorb
	 * retransmissions until Timer D/J/K/L/M, oldest first. */
	struct sip_txn *done_head, *done_tail;
	uint32_t n_done;		/* finished, not yet freed */
	uint32_t done_q_len;		/* of them on the done queue */
	uint64_t done_ended;		/* ended early, since the last log */
	uint64_t done_warned_ms;	/* last early-end log line */

	struct sip__heap heap;
	uv_timer_t heap_timer;
	/* Tests only (tests/fuzz/fuzz_b2b.c): when set, sip__send() hands
	 * every message here instead of to a socket; NULL in the daemon.
	 * 0 or a negative errno, as sip__send(). */
	int (*send_hook)(void *arg, const struct sip_dest *d,
	    const char *buf, size_t len, uint64_t *flow_out);
	void *send_hook_arg;
	struct sip__timer drain_timer;	/* after stop_listening */
	bool fake_clock;
	uint64_t fake_now;

	void *tls;			/* struct sip__tls_ctx, CONFIG_TLS */
	bool stopping;			/* after stop_listening */
	bool closing;
	sip_drained_cb drained_cb;
	void *drained_arg;
	sip_closed_cb closed_cb;
	void *closed_arg;
	unsigned handles_open;		/* closes still to come */
	uint64_t limit_warned_ms;	/* last connection-limit log line */
	char sent_by[SIP_MAX_LISTEN][SIP_DOMAIN_MAX + NET_ADDRSTRLEN];
	struct sip__udpq udpq;		/* last: not zeroed (stack.c) */
};

/* Listeners and connections (udp.c, tcp.c, tls.c). */
struct sip__listener {
	struct sip_stack *s;
	struct net_endpoint ep;		/* bound address (port resolved) */
	unsigned index;
	union {
		uv_udp_t udp;
		uv_tcp_t tcp;
	} h;
	bool open;
};

int	sip__udp_open(struct sip__listener *l);
int	sip__tcp_listen(struct sip__listener *l);
void	sip__listener_close(struct sip__listener *l);

/* Sends len bytes to d. For stream transports a connection is looked up
 * (flow, then address) or opened. strict_flow: a dead d->flow fails with
 * -ENOTCONN instead of falling back to d->addr. *flow_out (may be NULL)
 * gets the connection used (0 for UDP). */
int	sip__send(struct sip_stack *s, const struct sip_dest *d,
	    const char *buf, size_t len, bool strict_flow, uint64_t *flow_out);
/* sip__send() of client transaction t's request (t->wire) the first
 * time; a send error found after return, at the end of a receive batch,
 * ends t through sip__client_send_failed() as one found at once. */
int	sip__send_txn(struct sip_txn *t, const struct sip_dest *d,
	    bool strict_flow, uint64_t *flow_out);
/* The listener whose sent-by goes in our Via for a destination of
 * transport t and family: same transport and family; for TCP/TLS any
 * listener will do (the connection carries the responses). NULL if
 * none (UDP needs a socket of that family). */
struct sip__listener *sip__listener_for(struct sip_stack *s,
	    enum net_transport t, int family);
void	sip__conns_close_all(struct sip_stack *s);
int	sip__stream_send(struct sip_stack *s, const struct sip_dest *d,
	    const char *buf, size_t len, bool strict_flow, uint64_t *flow_out);
/* Every libuv handle of the stack counts itself open, and reports its
 * close (handle->data is the stack); the stack is freed after the last. */
void	sip__handle_opened(struct sip_stack *s);
void	sip__handle_closed(uv_handle_t *h);
void	sip__handle_release(struct sip_stack *s);
/* net_host_str() (inet_ntop's text) with IPv4 written directly. */
const char *sip__host_str(const struct sockaddr *sa, char *buf, size_t len);
/* A request's top Via as a source (received or host, rport or port). */
int	sip__via_dest(const osip_message_t *m, struct sip_source *out);

/* TLS (tls.c; stubs refuse when CONFIG_TLS is off). */
int	sip__tls_ctx_new(struct sip_stack *s);
void	sip__tls_ctx_free(struct sip_stack *s);
struct sip__tls;
int	sip__tls_new(struct sip__tls **out, struct sip_stack *s,
	    bool server);
void	sip__tls_free(struct sip__tls *t);
/* Feeds ciphertext; plaintext is handed to conn via sip__conn_input(),
 * ciphertext to send via sip__conn_write_raw(). */
int	sip__tls_input(struct sip__conn *c, struct sip__tls *t,
	    const char *buf, size_t len);
int	sip__tls_write(struct sip__conn *c, struct sip__tls *t,
	    const char *buf, size_t len);
void	sip__tls_start(struct sip__conn *c, struct sip__tls *t);
int	sip__conn_input(struct sip__conn *c, const char *buf, size_t len);
void	sip__conn_ready(struct sip__conn *c);
void	sip__conn_fail(struct sip__conn *c, const char *why);
bool	sip__conn_is_closing(const struct sip__conn *c);
const struct sockaddr_storage *sip__conn_peer(const struct sip__conn *c);
int	sip__conn_write_raw(struct sip__conn *c, const char *buf, size_t len);

/* Incoming messages (stack.c): one complete message's bytes. */
void	sip__recv(struct sip_stack *s, const char *buf, size_t len,
	    const struct sip_source *src);

/* Parsing and validation (parse.c). */
/* parser_init() once, libosip2's own traces off (we log ourselves). */
void	sip__parser_init(void);
struct sip__parse_err {
	int code;		/* 400, 505, 416; 0: drop silently */
	const char *reason;	/* static text for the status line */
};
/* Parses one message. stream: the bytes are exactly one framed message
 * (TCP/TLS); datagram: Content-Length may truncate (RFC 3261 18.3). On
 * success *out is the message. On -EBADMSG err says what to answer and
 * *out may hold a message good enough to build that answer from (or
 * NULL: drop). */
int	sip__parse(osip_message_t **out, const char *buf, size_t len,
	    bool stream, struct sip__parse_err *err);
/* sip__parse() with the tree's builder chosen: frame true does what it
 * does (frame.c builds the tree where the pre-scan's framing allows),
 * false leaves it to osip_message_parse(), the reference
 * tests/unit/sip/test_frame.c compares frame.c with. *framed: whether
 * frame.c built the tree. */
int	sip__parse_by(osip_message_t **out, const char *buf, size_t len,
	    bool stream, struct sip__parse_err *err, bool frame, bool *framed);
/* Content-Length of a header section (bytes up to the blank line), for
 * stream framing: >= 0, -ENOENT none, -EBADMSG negative/conflicting. */
long	sip__content_length(const char *hdr, size_t len);

/* The pre-scan's shape checks on raw text (check.c), each true when the
 * bytes are well formed; parse.c answers 400 (or drops) on false.
 * Character classes of sip__na_class[] (RFC 3261 25.1), one load
 * instead of isalnum(), isspace() and two switches per byte. */
#define SIP__NA_TOK 1	/* token: alphanumeric and -.!%*_+`'~ */
#define SIP__NA_SP 2	/* white space as isspace() has it */
#define SIP__NA_MARK 4	/* else in an addr-spec outside <>: :@=/[]&$# */
#define SIP__NA_URI 8	/* in <>, nothing to check: '!'..'~' but < > ; */
extern const unsigned char sip__na_class[256];
/* The shape of a From or To (list false), Contact, Route or Record-Route
 * (list true) value, as RFC 3261 25.1 has it: what parse.c answers 400
 * for. Here for tests/unit/sip/test_frame.c. */
bool	sip__nameaddr_ok(const char *v, size_t n, bool list);
/* A header field's class for the pre-scan, from its name, full or
 * compact (RFC 3261 7.3.3): first the headers a request has at most once
 * (RFC 3261 20; RFC 4475 3.3.8), counted, then those with a check or a
 * setter of their own, then all others. */
enum sip__hclass {
	SIP__H_CALLID = 0, SIP__H_FROM, SIP__H_TO, SIP__H_CSEQ, SIP__H_MAXFWD,
	SIP__H_CLEN, SIP__H_SINGLES,
	SIP__HC_OTHER = SIP__H_SINGLES, SIP__HC_CONTACT, SIP__HC_ROUTE,
	SIP__HC_VIA, SIP__HC_DATE, SIP__HC_CTYPE, SIP__HC_UA,
};
int	sip__hdr_class(const char *name, size_t len);
/* A Via list: no empty element, no empty parameter. */
bool	sip__via_ok(const char *v, size_t n);
/* A Date value: an rfc1123-date in GMT. */
bool	sip__date_ok(const char *v, size_t n);
/* A multipart body: no MIME part with two Content-Types. */
bool	sip__mime_ok(const char *p, size_t len);
/* Headers that may say "multipart" anywhere. */
bool	sip__maybe_multipart(const char *p, size_t n);
/* Header text: no control character but CRLF, LF and tab. */
bool	sip__text_ok(const char *v, size_t n);
/* The end of the header field starting at s (after the LF of its last
 * line, folds included; end without one), *flags saying whether it has
 * folds and whether it is not text (what sip__text_ok() refuses). */
#define SIP__FIELD_FOLDED 1u
#define SIP__FIELD_CTL 2u
const char *sip__field_end(const char *s, const char *end, unsigned *flags);
/* A Status-Line: SIP/2.0 SP 3DIGIT (100-699) SP. */
bool	sip__status_line_ok(const char *l, size_t n);

/* A message as parse.c's pre-scan framed it, for frame.c to build
 * libosip2's tree from without osip_message_parse() framing it again.
 * Everything points into the received bytes (borrowed). Set only for a
 * message the pre-scan found clean: CRLF line ends, no folds, no
 * control character, a blank line, at most SIP__FRAME_MAX fields. */
#define SIP__FRAME_MAX 48
struct sip__field {
	const char *name;	/* trimmed, not empty */
	size_t name_len;
	const char *val;	/* trimmed; at the CR when the raw value is */
	size_t val_len;		/* empty (libosip2 then passes NULL) */
	/* NULL, or the setter osip_message_set_multiple_header() would
	 * call for this name and value. */
	int (*set)(osip_message_t *m, const char *v);
	/* A name libosip2 neither parses nor splits at commas (not in
	 * osip_parser_cfg.c's tables): it ends as one osip_header_t. */
	bool plain;
};
struct sip__frame {
	const char *line;	/* start line, without its CRLF */
	size_t line_len;
	bool is_resp;
	unsigned n;		/* fields */
	struct sip__field f[SIP__FRAME_MAX];
	const char *body;	/* after the blank line, to the message end */
	size_t body_len;
};
/* Fills `m` (fresh from osip_message_init(), inside the message's
 * arena) from `fr` through libosip2's own setters and parsers, as
 * osip_message_parse() would from the same bytes. 0, -EBADMSG where
 * osip_message_parse() fails, -ENOMEM, or 1: a shape frame.c leaves to
 * osip_message_parse() (a multipart body); `m` is then half-filled. */
int	sip__frame_build(osip_message_t *m, const struct sip__frame *fr);

/* libosip2's blocks in per-message arenas (arena.c). push: until the
 * matching pop, osip_malloc() cuts blocks from a new arena, which lives
 * on until its last block is freed (so push, osip_message_init(), build,
 * pop makes a message whose osip_message_free() releases the arena).
 * enter: the arena of an existing block (say a message being modified)
 * takes the new blocks until leave; a heap block's "arena" is malloc.
 * Both return what was current, to hand back to pop/leave; strictly
 * nested. Out of memory or CONFIG_SIP_ARENA=n: plain malloc. */
struct sip__arena;
struct sip__arena *sip__arena_push(void);
void	sip__arena_pop(struct sip__arena *prev);
struct sip__arena *sip__arena_enter(const void *block);
void	sip__arena_leave(struct sip__arena *prev);
/* Counts since start, for tests and benchmarks. */
struct sip__arena_stats {
	uint64_t arenas;	/* pushed */
	uint64_t chunks;	/* malloc'd, first ones included */
	uint64_t released;	/* arenas given back */
	uint64_t dropped;	/* of those, by sip__msg_free() at once */
};
void	sip__arena_stats_get(struct sip__arena_stats *out);
/* osip_message_free(m), in one step when m owns its arena (a message
 * parsed or built by sip/ and changed only through sip/'s helpers, which
 * enter its arena); block by block otherwise. m may be NULL. */
void	sip__msg_free(osip_message_t *m);

/* Printing (print.c) into a growing buffer, or with `fixed` into the
 * caller's p[cap] (then oom means it did not fit). */
struct sip__sbuf {
	char *p;
	size_t len, cap;
	bool fixed;
	bool oom;
};
/* m's wire text, same as osip_message_to_str() writes, in a buffer sip/
 * owns until the next call. -ENOTSUP: a shape left to libosip2 (MIME);
 * -EINVAL: a field missing; -ENOMEM. */
int	sip__print(const osip_message_t *m, const char **out, size_t *len);
int	sip__print_uri(struct sip__sbuf *b, const osip_uri_t *u);
int	sip__print_nameaddr(struct sip__sbuf *b, const osip_from_t *na);
/* The text sip__build_response() with no extra header and then
 * sip__print() give, printed straight from the request (no response
 * built), in the same buffer; with `tail` (sip_msg_new_reply_tail(),
 * may be NULL) its Contact, headers and body follow, as when the
 * request's parts are copied into it (sip__response_complete()).
 * -ENOTSUP: a case left to the builder; -EINVAL; -ENOMEM. `reason`
 * must not be NULL. */
int	sip__print_response(const osip_message_t *req, int code,
	    const char *reason, const char *tag, const osip_message_t *tail,
	    const char **out, size_t *len);

/* Frees the texts sip_msg_header_get() keeps for its callers (hdr.c). */
void	sip__hdr_ring_clear(void);

/* Adds one header as text (hdr.c); the name may be a literal. */
int	sip__header_add_text(osip_message_t *m, const char *name,
	    const char *value);

/* Serializing (msg.c): a new malloc'd text and its length. */
int	sip__msg_print(const osip_message_t *m, char **out, size_t *len);
/* The ACK sip_msg_new_ack(invite, resp) builds with our Via on top
 * (sip__via_add(): transport name proto, sent_by, branch), as
 * sip__print() writes it, in the same buffer. -ENOTSUP: a case left to
 * the builder; -EINVAL; -ENOMEM. */
int	sip__print_ack(const osip_message_t *invite,
	    const osip_message_t *resp, const char *proto, const char *sent_by,
	    const char *branch, const char **out, size_t *len);
/* sip__print_response() in a new malloc'd text, reason NULL meaning
 * sip_reason_phrase(code); its errors. */
int	sip__response_text(char **out, size_t *len, const osip_message_t *req,
	    int code, const char *reason, const char *tag,
	    const osip_message_t *tail);
/* Copies into a tail what sip_msg_new_response() copies from req. */
int	sip__response_complete(osip_message_t *tail,
	    const osip_message_t *req);
/* Our Via on top of m: transport t (the destination's; l may be of
 * another transport when none of t listens), l's sent-by, branch. */
int	sip__via_add(struct sip_stack *s, osip_message_t *m,
	    const struct sip__listener *l, enum net_transport t,
	    const char *branch);
int	sip__resp_route(const osip_message_t *resp,
	    const struct sip_source *src, struct sip_dest *out);

/* Transactions (txn.c, txn_server.c, txn_client.c). */
/* Where a transaction sends, as it keeps it for up to 32 s: struct
 * sip_dest with room for an IPv4 or IPv6 address (all netaddr.h knows)
 * rather than a 128-byte sockaddr_storage. */
struct sip__dest {
	uint64_t flow;		/* as sip_dest's */
	union {
		struct sockaddr sa;
		struct sockaddr_in in;
		struct sockaddr_in6 in6;
	} addr;
	enum net_transport transport;
};
void	sip__dest_pack(struct sip__dest *out, const struct sip_dest *d);
void	sip__dest_unpack(struct sip_dest *out, const struct sip__dest *d);

enum sip__txn_state {
	SIP__TRYING = 0,	/* non-INVITE server/client; CALLING */
	SIP__PROCEEDING,
	SIP__COMPLETED,
	SIP__CONFIRMED,
	SIP__ACCEPTED,		/* RFC 6026 */
	SIP__TERMINATED,
};

struct sip_txn {
	struct sip_stack *s;		/* in s->txns by its key's hash */
	struct sip_txn *all_prev, *all_next, *dead_next;
	struct sip_txn *done_prev, *done_next;	/* in s->done_head */
	bool done;			/* counted in s->n_done */
	bool done_queued;		/* on the done queue */
	enum sip_txn_kind kind;
	enum sip__txn_state state;
	uint32_t hash_lo;	/* its key's hash, low half: home in s->txns */
	osip_message_t *req;		/* owned */
	osip_message_t *resp;		/* server: the 2xx kept for the TU */
	char *wire;	/* last response (server) / request (client) */
	size_t wire_len;
	char *ack_key;			/* key in s->acks, or NULL */
	char *skel;	/* accepted client INVITE: sip__txn_skel_text() */
	/* Server: where the request came from, malloc'd, owned; freed with
	 * the request once the final response is out (server_slim). */
	struct sip_source *src;
	struct sip__dest dest;		/* where we send */
	struct sip__timer t_retx;	/* A, E, G, 2xx retransmission */
	struct sip__timer t_end;	/* B, D, F, H, I, J, K, L, M */
	uint32_t retx_ms;
	int last_code;
	sip_response_cb cb;
	void *cb_arg;
	void *tu_arg;
	struct sip_txn *cancel_of;	/* our CANCEL: the INVITE it cancels */
	bool tu_holds;			/* server: TU owes a final reply */
	bool reliable;			/* a TCP/TLS peer: no retransmits */
	bool cancel_wanted;		/* client INVITE: CANCEL on 1xx */
	bool cancel_sent;
	bool acked;
	bool failed;			/* client: transport error, 503 */
	uint16_t key_len;		/* strlen(key) < SIP__KEY_MAX */
	char tag[SIP_TAG_LEN];
	char key[];			/* NUL-terminated match key */
};

/* A transaction match key and its hash, built without stdio. */
#define SIP__KEY_MAX 1024
struct sip__key {
	size_t len;		/* < SIP__KEY_MAX */
	uint64_t hash;		/* sip__hash(s, len, the stack's seed) */
	char s[SIP__KEY_MAX];	/* NUL-terminated */
};
/* part[0] sep[0] part[1] sep[1] ... part[n-1], NULL parts as "": the
 * text snprintf() with "%s" for each part would give, and its hash.
 * 0, or -ENOSPC when it is SIP__KEY_MAX long or more. */
int	sip__key_join(struct sip__key *k, const struct sip_stack *s,
	    const char *sep, const char *const *part, size_t n);
/* RFC 3261 17.2.3 (and the RFC 2543 fallback) for m as a request of
 * `method`. 0, -EINVAL (no Via host) or -ENOSPC. */
int	sip__txn_key_server(struct sip__key *k, const struct sip_stack *s,
	    const osip_message_t *m, const char *method);
/* RFC 3261 17.1.3: our branch and the CSeq method. */
int	sip__txn_key_client(struct sip__key *k, const struct sip_stack *s,
	    const char *branch, const char *method);
struct sip_txn *sip__txn_find(struct sip_stack *s, const struct sip__key *k);
/* Whether a new transaction for req fits under max_transactions, which
 * counts the unfinished ones only (sip__txn_settle). Work that ends
 * calls (requests inside a dialog, RFC 3261 12: a To tag; and CANCEL)
 * may use a reserve of an eighth above it: at the limit new calls are
 * refused, but a BYE still gets through and frees its call. */
bool	sip__txn_has_room(const struct sip_stack *s, const osip_message_t *req);
int	sip__txn_new(struct sip_txn **out, struct sip_stack *s,
	    enum sip_txn_kind kind, const struct sip__key *k);
void	sip__txn_end_soon(struct sip_txn *t, uint64_t after_ms);
/* After each state change: a finished transaction leaves the count
 * of max_transactions and joins the done queue, bounded at
 * SIP__DONE_FACTOR times max_transactions (the oldest ends early). */
void	sip__txn_settle(struct sip_txn *t);
int	sip__txn_set_wire(struct sip_txn *t, const osip_message_t *msg);
void	sip__client_timeout(struct sip_txn *t);
/* What an accepted client INVITE keeps of its request for
 * sip_txn_request() (txn_client.c): the start line's method and URI and
 * the From, To, Call-ID and CSeq values out of its wire text w, as one
 * malloc'd block (NULL: missing, no memory); and the skeleton message
 * parsed from that block by libosip2 (NULL on failure). */
char	*sip__txn_skel_text(const char *w, size_t len);
osip_message_t *sip__txn_skel_parse(const char *text);
void	sip__server_timeout(struct sip_txn *t);
unsigned	sip__txn_count(const struct sip_stack *s);
void	sip__txn_close_all(struct sip_stack *s);
void	sip__txn_send_wire(struct sip_txn *t);
void	sip__txn_terminate(struct sip_txn *t);

void	sip__server_request(struct sip_stack *s, osip_message_t *req,
	    const struct sip_source *src);
void	sip__server_ack(struct sip_stack *s, osip_message_t *ack,
	    const struct sip_source *src);
void	sip__client_response(struct sip_stack *s, osip_message_t *resp,
	    const struct sip_source *src);
void	sip__client_flow_failed(struct sip_stack *s, uint64_t flow);
/* Transport error on client transaction t's request (RFC 3261 8.1.3.1,
 * 18.4): from the next timer run the TU gets a 503. */
void	sip__client_send_failed(struct sip_txn *t);
/* After stop_listening: from the next timer run, tells the drained
 * callback once no transaction is busy (see txn.c's txn_busy). */
void	sip__txn_check_drained(struct sip_stack *s);
void	sip__txn_on_drain_timer(struct sip__timer *tm);

/* Rate limit (rate.c): whether src may open one more server
 * transaction now (token bucket per source IP, exempt peers pass). */
bool	sip__rate_admit(struct sip_stack *s, const struct sip_source *src);
/* Housekeeping every 10 s while there is work: idle buckets freed,
 * malloc_trim() after a burst of transactions receded. */
void	sip__on_sweep_timer(struct sip__timer *tm);
void	sip__rate_free(struct sip_stack *s);

/* Bans (ban.c): true when addr is banned; the caller drops what came
 * from it without an answer (counted here). */
bool	sip__ban_drops(struct sip_stack *s, const struct sockaddr *addr);

/* Stateless answer to a request we will not keep a transaction for
 * (400, 503, 481, local OPTIONS). */
int	sip__reply_stateless(struct sip_stack *s, const osip_message_t *req,
	    const struct sip_source *src, int code, const char *reason,
	    const struct sip_header *extra, size_t n_extra);
int	sip__build_response(osip_message_t **out, const osip_message_t *req,
	    int code, const char *reason, const char *tag,
	    const struct sip_header *extra, size_t n_extra);

void	sip__random(void *buf, size_t len);

#endif
