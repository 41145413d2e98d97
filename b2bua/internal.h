/* b2bua/ inside: the room's state, calls, legs, bindings and relays.
 * Nothing here is seen outside b2bua/. */
#ifndef LL_B2B_INTERNAL_H
#define LL_B2B_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>
#include <uv.h>

#include "b2bua/b2b.h"
#include "policy/pol.h"
#include "sip/sip.h"
#include "storage/store.h"
#include "util.h"

/* Bounded string fields: a call stays under 4 KiB (two legs). */
#define B2B_CALLID_MAX 160
#define B2B_TAG_MAX 64
#define B2B_URI_MAX 160
#define B2B_TARGET_MAX 256
#define B2B_ROUTE_MAX 400
#define B2B_ID_MAX 64    /* an identity: extension or number */
#define B2B_TOKEN_LEN 17 /* 16 hex digits and NUL */
#define B2B_HOST_MAX (NET_ADDRSTRLEN + SIP_DOMAIN_MAX)

/* Devices one incoming call to a line rings at once (RFC 3261 16.7
 * style parallel search on our B side): the first INVITE plus this many
 * more. A call stays under 4 KiB with them. */
#define B2B_FORK_MAX 3

/* Seconds a call may ring before linelock cancels it (RFC 3261 16.6
 * Timer C asks for more than 3 minutes of a proxy). */
#define B2B_RING_TIMEOUT_S 180	/* default of [sip] ring_timeout */
#define B2B_CALL_TIMEOUT_S (4 * 3600)
#define B2B_SWEEP_MS 1000

enum b2b__side {
	B2B_SIDE_ACCESS = 0, /* phones and trusted access peers */
	B2B_SIDE_CORE,       /* the upstream call agent */
};

enum b2b__leg_id {
	B2B_LEG_A = 0, /* the caller's dialog: we are its UAS */
	B2B_LEG_B,     /* the dialog we opened: we are its UAC */
};

/* One dialog of a call. Embedded in its call; never alone. A new call
 * clears only the fields before call_id, each string's first byte and
 * the fields from local_cseq on (table.c): strings stay between them. */
struct b2b_leg {
	struct b2b_leg *hnext; /* Call-ID hash chain */
	uint32_t hash;         /* of call_id */
	enum b2b__leg_id id;   /* its index in the call's leg[] */
	enum b2b__side side;
	char call_id[B2B_CALLID_MAX];
	char local_tag[B2B_TAG_MAX];
	char remote_tag[B2B_TAG_MAX]; /* "" until the peer gives one */
	char local_uri[B2B_URI_MAX];  /* our From/To URI in this dialog */
	char remote_uri[B2B_URI_MAX];
	char target[B2B_TARGET_MAX]; /* the peer's Contact URI */
	char route[B2B_ROUTE_MAX];   /* route set, "<u1>,<u2>", may be "" */
	uint32_t local_cseq;         /* last CSeq we sent */
	uint32_t remote_cseq;        /* last CSeq the peer sent */
	uint32_t invite_cseq;        /* of the initial INVITE */
	struct sip_dest dest;        /* where this dialog's peer is */
};

enum b2b__call_state {
	B2B_CALL_DECIDING = 0, /* waiting for a feature code's work */
	B2B_CALL_TRYING,       /* B INVITE sent, nothing back yet */
	B2B_CALL_EARLY,        /* provisional with a To-tag relayed */
	B2B_CALL_CONFIRMED,    /* 2xx relayed */
	B2B_CALL_ENDING,       /* not entered (a BYE ends the call at
	                        * once); named in b2b_calls_list() */
};

/* One more INVITE of a forked B leg: same Call-ID, From tag and CSeq as
 * the first (as a forking proxy's branches, RFC 3261 16.6), another
 * device. Embedded in its call. */
struct b2b_fork {
	struct sip_txn *ct;   /* NULL once it has its final answer */
	struct sip_dest dest; /* the device */
};

/* A call: two legs and the transactions that make them. Owner: the
 * room's call tables (b2b__call_new/b2b__call_free). Heap, fixed size.
 * b2b__call_new() clears the fields before leg[], those from a_st up to
 * caller, each string's first byte and everything from charge on: a
 * new field goes in one of those spans, a new string among the strings
 * (test_table checks a new call reads as zeroed). */
struct b2b_call {
	struct b2b_call *next, *prev; /* the room's list of calls */
	struct b2b_call *nnext;       /* number hash chain */
	struct b2b *b2b;
	uint32_t no; /* ours, never 0, the st_arg */
	enum b2b__call_state state;
	enum b2b_direction direction;
	struct b2b_leg leg[2];
	struct sip_txn *a_st;        /* A INVITE, until its final */
	struct sip_txn *b_ct;        /* B INVITE, NULL once it has its final */
	struct sip_txn *reinvite_st; /* in-dialog INVITE being relayed */
	struct sip_txn *reinvite_ct; /* its copy, until its final answer */
	uint64_t reinvite_ms;        /* monotonic: reinvite_ct sent */
	struct b2b_fork fork[B2B_FORK_MAX]; /* more B INVITEs (forking) */
	uint8_t n_forks;                    /* of fork[] used */
	uint16_t fork_best; /* forking: best failure so far (16.7 step 6) */
	bool b_final;       /* B INVITE has its final answer */
	bool b_late_offer;  /* B INVITE had no SDP: ACK waits */
	bool b_acked;
	bool a_final_sent;
	bool cancelled;
	bool answered;
	bool ends_when_answered; /* A cancelled after B sent 2xx */
	bool in_table;           /* legs hashed */
	bool is_subscription;    /* a SUBSCRIBE dialog pair, no CDR */
	bool fork_line;          /* incoming to a line: all its devices */
	uint16_t status;         /* final status toward A */
	uint64_t start_ms, answer_ms, end_ms; /* wall clock */
	uint64_t last_refresh_ms; /* monotonic: INVITE/UPDATE seen */
	uint32_t session_expires; /* RFC 4028, 0: none agreed */
	char caller[B2B_ID_MAX];
	char callee[B2B_ID_MAX];
	/* The partition of the line judged: the caller's outgoing, the
	 * callee's incoming (partition.c). */
	char partition[STORE_PARTITION_MAX];
	char disposition[32];
	char reason[48];       /* the verdict's, for the CDR */
	char pattern[32];      /* list pattern that matched */
	char dial[B2B_ID_MAX]; /* B's Request-URI/To user, "" as dialled */
	char auth_name[16];    /* authorization code used (its name) */
	bool charge;           /* outgoing from a line: counts in budgets */
};

/* A device binding: one registered device of one AOR. Owner: the
 * room's binding list. Kept in storage/ too so a restart keeps it. */
struct b2b_binding {
	struct b2b_binding *next, *prev; /* in b->bindings */
	struct b2b_binding *tnext, *unext, *snext; /* hash chains */
	uint32_t thash, uhash, shash; /* of token, (partition, user), source */
	char token[B2B_TOKEN_LEN];    /* our Contact user part */
	uint32_t reg_cseq;            /* last CSeq of our REGISTERs */
	char aor[B2B_URI_MAX];        /* "sip:201@example.org" */
	char user[B2B_ID_MAX];        /* the AOR's user part: identity */
	char partition[STORE_PARTITION_MAX]; /* its line's (partition.c) */
	char contact[B2B_TARGET_MAX]; /* the device's own Contact URI */
	char instance[80];            /* +sip.instance, may be "" */
	char mac[13];                 /* 12 hex digits, may be "" */
	struct sip_dest dest;         /* source address (and flow) */
	uint64_t expires_ms;          /* wall clock */
	bool stored;
};

/* A relayed transaction: the server transaction st waits for what the
 * client transaction ct on the other side answers. Heap, fixed size;
 * owner the room's relay list (b->relays), so that b2b_free() can end
 * the ones still waiting; freed when ct has its final response. */
struct b2b_relay {
	struct b2b *b2b;
	struct b2b_relay *prev, *next; /* in b->relays */
	struct sip_txn *st;    /* NULL once answered or gone */
	struct sip_txn *ct;    /* the relayed request; NULL until sent */
	uint32_t call_no;      /* 0: out of dialog */
	enum b2b__leg_id from; /* leg st is on (in dialog) */
	bool is_invite;
	struct b2b_binding *pending; /* REGISTER: kept on its 2xx */
};

struct b2b {
	uv_loop_t *loop;
	struct sip_stack *sip;
	struct store *store;
	struct b2b_settings cfg;
	uv_timer_t sweep;
	b2b_event_cb event_cb;
	void *event_arg;
	struct b2b_call *calls;     /* list head */
	struct b2b_relay *relays;   /* relays waiting for an answer */
	struct b2b_call **by_no;    /* hash of calls by number */
	struct b2b_leg **by_callid; /* hash of legs by Call-ID */
	uint32_t n_buckets;         /* power of two */
	uint32_t next_no;
	struct b2b_binding *bindings;
	struct b2b_binding **bind_tok;  /* bindex.c: by token */
	struct b2b_binding **bind_user; /* by line user (chained) */
	struct b2b_binding **bind_src;  /* by source transport, address */
	uint32_t bind_buckets;          /* power of two, 0 when empty */
	struct store_snapshot *snap; /* NULL without a store */
	struct pol_lists lists;      /* compiled emergency/allow lists */
	uint64_t next_expire_ms;     /* storage binding expiry pass */
	uint64_t audit_seq;          /* last audit entry seen (notify.c) */
	struct b2b__guard *guard;    /* guard.c; NULL when off */
	/* devpin.c: ids of locked devices (STORE_DEVID_MAX each), as of
	 * storage's pin generation devgen. */
	char (*dev_locked)[STORE_DEVID_MAX];
	unsigned n_dev_locked;
	bool dev_partial; /* more pins than dev_locked lists: ask storage */
	uint64_t devgen;
	bool devgen_loaded;
	uint32_t sweeps;             /* sweep count: minute jobs */
	struct b2b_stats stats;
	/* msg.c: our Contact URI per listener (transport, IPv4/IPv6),
	 * parsed once from the sent-by host it was made of; owned here. */
	struct b2b__contact {
		char host[B2B_HOST_MAX];
		osip_uri_t *uri; /* NULL until first needed */
	} contact[NET_TLS + 1][2];
	uint32_t works; /* feature codes off the loop */
	bool closing;
	bool closed; /* free when the last work is back */
};

/* A server transaction's arg names a call as (no << 1 | 1), so a late
 * callback finds the call or nothing; relays are plain (even) pointers. */
static inline void *
b2b__call_arg(const struct b2b_call *c)
{
	return (void *)(((uintptr_t)c->no << 1) | 1u);
}

/* b2b.c */
struct b2b_call *b2b__arg_call(struct b2b *b, void *arg);
bool b2b__is_core(const struct b2b *b, const struct sip_source *src);
bool b2b__is_trusted(const struct b2b *b, const struct sip_source *src);
void b2b__event(struct b2b *b, const struct b2b_event *ev);
uint64_t b2b__wall_ms(void);
void b2b__core_dest(const struct b2b *b, int family, struct sip_dest *out);

/* table.c: calls by number and legs by Call-ID. */
int b2b__tables_init(struct b2b *b, uint32_t max_calls);
void b2b__tables_free(struct b2b *b);
int b2b__call_new(struct b2b_call **out, struct b2b *b);
void b2b__call_free(struct b2b_call *c);
void b2b__call_hash(struct b2b_call *c);
struct b2b_call *b2b__call_by_no(struct b2b *b, uint32_t no);
struct b2b_leg *b2b__leg_by_callid(struct b2b *b, const char *call_id,
                                   const char *local_tag);
struct b2b_call *b2b__leg_call(struct b2b_leg *leg);

/* msg.c: building messages for a leg, copying safe headers. */
/* Concatenates the strings up to NULL into buf[len] as snprintf("%s%s..")
 * would (cut to fit, always terminated), without formatting: these run
 * for every leg's request and response. false when cut. */
__attribute__((sentinel)) bool b2b__join(char *buf, size_t len, ...);
/* A Call-ID as "number[@host]": -EBADMSG when it has no number or does
 * not fit buf[len] (snprintf's cost on every message, callgrind). */
int b2b__callid_text(char *buf, size_t len, const osip_call_id_t *cid);
int b2b__leg_request(osip_message_t **out, struct b2b *b, struct b2b_leg *leg,
                     const char *method, uint32_t cseq);
int b2b__copy_headers(osip_message_t *dst, const osip_message_t *src,
                      const char *const *names);
int b2b__copy_body(osip_message_t *dst, const osip_message_t *src);
int b2b__contact_set(osip_message_t *m, struct b2b *b,
                     const struct sip_dest *toward, const char *user);
int b2b__uri_text(char *buf, size_t len, const osip_uri_t *uri);
int b2b__print_with_user(char *buf, size_t len, const osip_from_t *na,
                         const osip_uri_t *uri, const char *user);
int b2b__route_from_rr(char *buf, size_t len, const osip_message_t *m,
                       bool reverse);
int b2b__target_from_contact(char *buf, size_t len, const osip_message_t *m);
void b2b__source_dest(struct sip_dest *out, const struct sip_source *src);
void b2b__contacts_free(struct b2b *b);
int b2b__response_build(osip_message_t **out, struct b2b *b, struct sip_txn *st,
                        const osip_message_t *resp);
extern const char *const b2b__req_headers[];
extern const char *const b2b__resp_headers[];

/* call.c: initial INVITE, its answers, CANCEL, ACK, the end. */
void b2b__invite(struct b2b *b, struct sip_txn *st, const osip_message_t *req,
                 const struct sip_source *src);
void b2b__call_ack(struct b2b *b, struct b2b_call *c,
                   const osip_message_t *ack);
void b2b__call_cancel(struct b2b *b, struct b2b_call *c);
void b2b__call_end(struct b2b_call *c, const char *why);
void b2b__call_hangup(struct b2b_call *c, const struct b2b_leg *from,
                      const osip_message_t *bye);
void b2b__call_finish(struct b2b_call *c);
void b2b__calls_sweep(struct b2b *b, uint64_t now);
int b2b__call_forward(struct b2b_call *c, const osip_message_t *req,
                      const struct sip_dest *dst, const char *ruri,
                      const char *from);
int b2b__call_fork(struct b2b_call *c, const osip_message_t *req,
                   const struct sip_dest *dst, const char *ruri);

/* dialog.c: requests inside a dialog. */
void b2b__in_dialog(struct b2b *b, struct sip_txn *st,
                    const osip_message_t *req, const struct sip_source *src);

/* relay.c: out-of-dialog requests relayed through (not REGISTER). */
void b2b__relay_ood(struct b2b *b, struct sip_txn *st,
                    const osip_message_t *req, const struct sip_source *src);
int b2b__relay_new(struct b2b_relay **out, struct b2b *b, struct sip_txn *st);
void b2b__relay_free(struct b2b_relay *r);
/* Sends m (taken) to dst as r's client transaction; cb gets r. */
int b2b__relay_send(struct b2b_relay *r, osip_message_t *m,
                    const struct sip_dest *dst, sip_response_cb cb);
/* Ends every relay still waiting (shutdown): their client transactions
 * are detached, their server transactions answered 500. */
void b2b__relays_free(struct b2b *b);
void b2b__relay_answer(struct b2b_relay *r, const osip_message_t *resp);

/* reg.c: REGISTER relay and device bindings. */
void b2b__register(struct b2b *b, struct sip_txn *st, const osip_message_t *req,
                   const struct sip_source *src);
struct b2b_binding *b2b__binding_by_source(struct b2b *b,
                                           const struct sip_source *src);
struct b2b_binding *b2b__binding_by_token(struct b2b *b, const char *tok);
struct b2b_binding *b2b__binding_by_user(struct b2b *b, const char *partition,
                                         const char *user);
struct b2b_binding *b2b__binding_of_user(struct b2b *b, const char *partition,
                                         const char *user,
                                         struct b2b_binding *after);
int b2b__binding_link(struct b2b *b, struct b2b_binding *bd);
void b2b__binding_unlink(struct b2b *b, struct b2b_binding *bd);
void b2b__bindex_free(struct b2b *b);
void b2b__bindings_sweep(struct b2b *b, uint64_t wall_now);
void b2b__bindings_free(struct b2b *b);
int b2b__bindings_load(struct b2b *b);

/* ident.c: who is calling. */
int b2b__identify(struct b2b *b, const osip_message_t *req,
                  const struct sip_source *src, char *id, size_t len,
                  struct b2b_binding **binding);
int b2b__uri_user(char *buf, size_t len, const osip_uri_t *uri);
void b2b__caller_number(const osip_message_t *req, char *num, size_t len,
                        bool *anonymous);

/* partition.c: the partition of a domain or address; "default" (static)
 * when none of s's claims it. host and addr may be NULL. */
const char *b2b__partition_of(const struct b2b_settings *s, const char *host,
                              const struct sockaddr *addr);
/* A request from the access side: its binding's partition, else the
 * asserted identity's domain's, else the source network's. */
void b2b__partition_access(struct b2b *b, char out[STORE_PARTITION_MAX],
                           const osip_message_t *req,
                           const struct sip_source *src,
                           const struct b2b_binding *bd);
/* A request from the core to a line: the Request-URI domain's. */
void b2b__partition_core(struct b2b *b, char out[STORE_PARTITION_MAX],
                         const osip_message_t *req);

/* decide.c: facts to policy, verdict to SIP; feature codes. */
void b2b__decide(struct b2b_call *c, const osip_message_t *req,
                 const struct sip_source *src);
int b2b__settings(struct b2b *b, struct store_settings *out);
void b2b__decide_reply(struct b2b_call *c, int code, const char *reason);

/* feature.c: *71 lock, *72 unlock, *73 PIN, run off the loop. */
void b2b__feature(struct b2b_call *c, struct pol_verdict *v);

/* notify.c: lock notices from the audit log. */
void b2b__notify_line(struct b2b *b, const char *partition, const char *ext,
                      bool locked);
void b2b__locks_poll(struct b2b *b);
int b2b__locks_init(struct b2b *b);

/* guard.c: offences per source address, bans (CONFIG_GUARD). */
enum b2b__offence {
	B2B_OFF_SCANNER = 0,  /* a scanner's User-Agent */
	B2B_OFF_UNKNOWN,      /* a call or request from nobody we know */
	B2B_OFF_REGISTER,     /* a challenge answered, still refused */
	B2B_OFF_PIN,          /* a wrong PIN with a feature code */
};
#if IS_ENABLED(CONFIG_GUARD)
int b2b__guard_init(struct b2b *b);
void b2b__guard_start(struct b2b *b);
void b2b__guard_free(struct b2b *b);
void b2b__guard_poll(struct b2b *b);
void b2b__guard_offence(struct b2b *b, const struct sockaddr *addr,
                        enum b2b__offence what);
bool b2b__guard_request(struct b2b *b, struct sip_txn *st,
                        const osip_message_t *req,
                        const struct sip_source *src);
void b2b__guard_register_failed(struct b2b *b, const osip_message_t *req,
                                int code, const struct sockaddr *addr);
/* devpin.c: device-to-IP binding. register/call: true when they
 * answered st (403 Device Moved). */
void b2b__devpin_poll(struct b2b *b);
void b2b__devpin_free(struct b2b *b);
bool b2b__devpin_register(struct b2b *b, struct sip_txn *st,
                          const struct b2b_binding *nb);
/* A 2xx from the registrar for nb: true when the device registered from
 * outside its pin (now locked): the phone gets 403, nb is not kept. */
bool b2b__devpin_accepted(struct b2b *b, const struct b2b_binding *nb);
bool b2b__devpin_call(struct b2b *b, struct sip_txn *st,
                      const osip_message_t *req,
                      const struct sip_source *src);
#else
static inline void b2b__devpin_poll(struct b2b *b) { (void)b; }
static inline void b2b__devpin_free(struct b2b *b) { (void)b; }
static inline bool
b2b__devpin_register(struct b2b *b, struct sip_txn *st,
                     const struct b2b_binding *nb)
{
	(void)b, (void)st, (void)nb;
	return false;
}
static inline bool
b2b__devpin_accepted(struct b2b *b, const struct b2b_binding *nb)
{
	(void)b, (void)nb;
	return false;
}
static inline bool
b2b__devpin_call(struct b2b *b, struct sip_txn *st, const osip_message_t *req,
                 const struct sip_source *src)
{
	(void)b, (void)st, (void)req, (void)src;
	return false;
}
static inline int b2b__guard_init(struct b2b *b) { (void)b; return 0; }
static inline void b2b__guard_start(struct b2b *b) { (void)b; }
static inline void b2b__guard_free(struct b2b *b) { (void)b; }
static inline void b2b__guard_poll(struct b2b *b) { (void)b; }
static inline void
b2b__guard_offence(struct b2b *b, const struct sockaddr *addr,
                   enum b2b__offence what)
{
	(void)b, (void)addr, (void)what;
}
static inline bool
b2b__guard_request(struct b2b *b, struct sip_txn *st,
                   const osip_message_t *req, const struct sip_source *src)
{
	(void)b, (void)st, (void)req, (void)src;
	return false;
}
static inline void
b2b__guard_register_failed(struct b2b *b, const osip_message_t *req,
                           int code, const struct sockaddr *addr)
{
	(void)b, (void)req, (void)code, (void)addr;
}
#endif

/* cdr.c: call records and events. */
void b2b__cdr(struct b2b_call *c);

#endif
