/* Device bindings of the registration relay: token -> binding record,
 * with two duplicate-sorted indexes (line -> tokens, AOR -> tokens) kept in
 * the same transaction, so all devices of a shared line are one lookup. */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>

#include "storage/internal.h"
#include "util.h"

#define BIND_REC_V1 1
#define LINE_KEY_MAX (STORE_PARTITION_MAX + STORE_EXT_MAX)
#define EXPIRE_BATCH 64

static bool
token_char_ok(int c)
{
	return isalnum(c) || c == '_' || c == '-';
}

static bool
text_char_ok(int c)
{
	return c >= 0x20 && c != 0x7f;
}

static void
put_sockaddr(struct store__enc *e, const struct sockaddr_storage *ss)
{
	uint8_t addr[16] = {0};
	uint16_t port = 0;
	uint8_t fam = 0;

	if (ss->ss_family == AF_INET) {
		const struct sockaddr_in *in = (const void *)ss;

		fam = 4;
		memcpy(addr, &in->sin_addr, 4);
		port = ntohs(in->sin_port);
	} else if (ss->ss_family == AF_INET6) {
		const struct sockaddr_in6 *in6 = (const void *)ss;

		fam = 6;
		memcpy(addr, &in6->sin6_addr, 16);
		port = ntohs(in6->sin6_port);
	}
	store__put_u8(e, fam);
	store__put_bytes(e, addr, sizeof(addr));
	store__put_u16(e, port);
}

static void
get_sockaddr(struct store__dec *d, struct sockaddr_storage *ss)
{
	uint8_t addr[16];
	uint8_t fam = store__get_u8(d);
	uint16_t port;

	store__get_bytes(d, addr, sizeof(addr));
	port = store__get_u16(d);
	memset(ss, 0, sizeof(*ss));
	if (fam == 4) {
		struct sockaddr_in *in = (void *)ss;

		in->sin_family = AF_INET;
		memcpy(&in->sin_addr, addr, 4);
		in->sin_port = htons(port);
	} else if (fam == 6) {
		struct sockaddr_in6 *in6 = (void *)ss;

		in6->sin6_family = AF_INET6;
		memcpy(&in6->sin6_addr, addr, 16);
		in6->sin6_port = htons(port);
	} else if (fam != 0)
		d->bad = true;
}

static void
binding_encode(struct store__enc *e, const struct store_binding *b)
{
	store__enc_init(e, BIND_REC_V1);
	store__put_str(e, b->aor);
	store__put_str(e, b->partition);
	store__put_str(e, b->ext);
	store__put_str(e, b->instance);
	store__put_str(e, b->mac);
	store__put_str(e, b->user_agent);
	store__put_u8(e, (uint8_t)b->source.transport);
	put_sockaddr(e, &b->source.addr);
	store__put_u64(e, b->flow_id);
	store__put_str(e, b->contact);
	store__put_i64(e, b->expires_at);
	store__put_i64(e, b->registered_at);
}

int
store__binding_decode(const MDB_val *k, const MDB_val *v,
                      struct store_binding *out)
{
	struct store__dec d;
	struct store_binding b;

	memset(&b, 0, sizeof(b));
	if (k->mv_size == 0 || k->mv_size >= sizeof(b.token) ||
	    store__dec_init(&d, v) != BIND_REC_V1)
		return -EBADMSG;
	memcpy(b.token, k->mv_data, k->mv_size);
	store__get_str(&d, b.aor, sizeof(b.aor));
	store__get_str(&d, b.partition, sizeof(b.partition));
	store__get_str(&d, b.ext, sizeof(b.ext));
	store__get_str(&d, b.instance, sizeof(b.instance));
	store__get_str(&d, b.mac, sizeof(b.mac));
	store__get_str(&d, b.user_agent, sizeof(b.user_agent));
	b.source.transport = store__get_u8(&d);
	get_sockaddr(&d, &b.source.addr);
	b.flow_id = store__get_u64(&d);
	store__get_str(&d, b.contact, sizeof(b.contact));
	b.expires_at = store__get_i64(&d);
	b.registered_at = store__get_i64(&d);
	if (store__dec_end(&d) < 0 || b.source.transport > NET_TLS)
		return -EBADMSG;
	*out = b;
	return 0;
}

static int
binding_read(struct store *st, MDB_txn *txn, struct store_binding *out,
             const char *token)
{
	MDB_val k = {strlen(token), (void *)token}, v;
	int rc;

	if (!store__name_ok(token, STORE_NAME_MAX, token_char_ok))
		return -EINVAL;
	rc = store__err(mdb_get(txn, st->dbi[STORE_DB_BINDINGS], &k, &v));
	return rc < 0 ? rc : store__binding_decode(&k, &v, out);
}

static bool
binding_valid(const struct store_binding *b)
{
	return store__name_ok(b->token, sizeof(b->token), token_char_ok) &&
	       store__name_ok(b->aor, sizeof(b->aor), text_char_ok) &&
	       store_partition_is_valid(
	           b->partition[0] ? b->partition : STORE_PARTITION_DEFAULT) &&
	       store_ext_is_valid(b->ext) &&
	       strnlen(b->instance, sizeof(b->instance)) <
	           sizeof(b->instance) &&
	       strnlen(b->mac, sizeof(b->mac)) < sizeof(b->mac) &&
	       strnlen(b->user_agent, sizeof(b->user_agent)) <
	           sizeof(b->user_agent) &&
	       strnlen(b->contact, sizeof(b->contact)) < sizeof(b->contact) &&
	       (unsigned)b->source.transport <= NET_TLS;
}

/* Adds (add) or removes one index entry: key -> token. */
static int
index_edit(struct store *st, MDB_txn *txn, enum store__db db, const void *key,
           size_t klen, const char *token, bool add)
{
	MDB_val k = {klen, (void *)key};
	MDB_val v = {strlen(token), (void *)token};
	int rc = add ? mdb_put(txn, st->dbi[db], &k, &v, MDB_NODUPDATA)
	             : mdb_del(txn, st->dbi[db], &k, &v);

	if (rc == MDB_KEYEXIST || rc == MDB_NOTFOUND)
		return 0;
	return store__err(rc);
}

static int
indexes_edit(struct store *st, MDB_txn *txn, const struct store_binding *b,
             bool add)
{
	char key[LINE_KEY_MAX];
	size_t len;
	int rc = store__line_key(key, sizeof(key), &len, b->partition, b->ext);

	if (rc == 0)
		rc = index_edit(st, txn, STORE_DB_BIND_LINE, key, len, b->token,
		                add);
	if (rc == 0)
		rc = index_edit(st, txn, STORE_DB_BIND_AOR, b->aor,
		                strlen(b->aor), b->token, add);
	return rc;
}

static void
binding_desc(char *buf, size_t cap, const struct store_binding *b)
{
	char addr[NET_ADDRSTRLEN];

	net_addr_str((const struct sockaddr *)&b->source.addr, addr,
	             sizeof(addr));
	/* A long AOR may be cut: the audit value is bounded. */
	if (snprintf(buf, cap, "%s/%s %s:%s %s",
	             b->partition[0] ? b->partition : STORE_PARTITION_DEFAULT,
	             b->ext, net_transport_name(b->source.transport), addr,
	             b->aor) >= (int)cap)
		buf[cap - 1] = '\0';
}

/* Audit action for replacing `old` (NULL: none) by `b`, or NULL. */
static const char *
binding_change_action(const struct store_binding *old,
                      const struct store_binding *b)
{
	if (!old)
		return "binding.add";
	if (strcmp(old->aor, b->aor) || strcmp(old->partition, b->partition) ||
	    strcmp(old->ext, b->ext) || strcmp(old->contact, b->contact) ||
	    !net_addr_equal((const struct sockaddr *)&old->source.addr,
	                    (const struct sockaddr *)&b->source.addr))
		return "binding.change";
	return NULL;
}

int
store__binding_put_txn(struct store *st, MDB_txn *txn,
                       const struct store_binding *b,
                       const struct store_actor *actor)
{
	struct store_binding old;
	char o[STORE_SETTING_MAX] = "", n[STORE_SETTING_MAX];
	struct store__enc e;
	const char *action;
	MDB_val k = {strlen(b->token), (void *)b->token}, v;
	int rc = binding_read(st, txn, &old, b->token);
	bool had = rc == 0;

	if (rc < 0 && rc != -ENOENT && rc != -EBADMSG)
		return rc;
	action = binding_change_action(had ? &old : NULL, b);
	if (had && action)
		rc = indexes_edit(st, txn, &old, false);
	else
		rc = 0;
	binding_encode(&e, b);
	v = (MDB_val){e.len, e.buf};
	if (rc == 0)
		rc = e.overflow
		         ? -EINVAL
		         : store__err(mdb_put(txn, st->dbi[STORE_DB_BINDINGS],
		                              &k, &v, 0));
	if (rc == 0)
		rc = indexes_edit(st, txn, b, true);
	if (rc == 0 && action) {
		if (had)
			binding_desc(o, sizeof(o), &old);
		binding_desc(n, sizeof(n), b);
		rc = store__audit_txn(st, txn, actor, action, b->token, o, n);
	}
	return rc;
}

int
store_binding_put(struct store *st, const struct store_binding *b,
                  const struct store_actor *actor)
{
	struct store_binding copy = *b;
	MDB_txn *txn;
	int rc;

	if (!copy.partition[0])
		ll_strlcpy(copy.partition, STORE_PARTITION_DEFAULT,
		           sizeof(copy.partition));
	if (!binding_valid(&copy))
		return -EINVAL;
	/* A REGISTER refresh is bookkeeping the phone repeats: batched. */
	if (store__deferred(st))
		return store__pending_push(st, STORE__PQ_BINDING, &copy,
		                           sizeof(copy),
		                           store__actor_or_system(actor),
		                           sizeof(struct store_actor));
	rc = store__write_begin(st, &txn);
	if (rc < 0)
		return rc;
	rc = store__binding_put_txn(st, txn, &copy, actor);
	if (rc < 0) {
		mdb_txn_abort(txn);
		return rc;
	}
	return store__commit(st, txn);
}

int
store_binding_get(struct store *st, struct store_binding *out,
                  const char *token)
{
	MDB_txn *txn;
	int rc;

	store__pending_settle(st); /* read our own writes */
	rc = store__read_begin(st, &txn);
	if (rc < 0)
		return rc;
	rc = binding_read(st, txn, out, token);
	mdb_txn_abort(txn);
	return rc;
}

static int
binding_del_txn(struct store *st, MDB_txn *txn, const char *token,
                const char *action, const struct store_actor *actor)
{
	struct store_binding b;
	char desc[STORE_SETTING_MAX];
	MDB_val k = {strlen(token), (void *)token};
	int rc = binding_read(st, txn, &b, token);

	if (rc < 0)
		return rc;
	rc = indexes_edit(st, txn, &b, false);
	if (rc == 0)
		rc = store__err(
		    mdb_del(txn, st->dbi[STORE_DB_BINDINGS], &k, NULL));
	binding_desc(desc, sizeof(desc), &b);
	if (rc == 0)
		rc = store__audit_txn(st, txn, actor, action, token, desc, "");
	return rc;
}

int
store_binding_del(struct store *st, const char *token,
                  const struct store_actor *actor)
{
	MDB_txn *txn;
	int rc;

	store__pending_settle(st); /* a queued put must not outlive this */
	rc = store__write_begin(st, &txn);
	if (rc < 0)
		return rc;
	rc = binding_del_txn(st, txn, token, "binding.del", actor);
	if (rc < 0) {
		mdb_txn_abort(txn);
		return rc;
	}
	return store__commit(st, txn);
}

/* Every binding whose token an index lists under `key`. */
static int
index_list(struct store *st, enum store__db db, const void *key, size_t klen,
           struct store_binding *out, size_t max)
{
	char token[STORE_NAME_MAX];
	MDB_cursor *cur;
	MDB_txn *txn;
	MDB_val k = {klen, (void *)key}, v;
	size_t n = 0;
	int rc;

	store__pending_settle(st); /* read our own writes */
	rc = store__read_begin(st, &txn);

	if (rc < 0)
		return rc;
	rc = mdb_cursor_open(txn, st->dbi[db], &cur);
	if (rc != MDB_SUCCESS) {
		mdb_txn_abort(txn);
		return store__err(rc);
	}
	for (rc = mdb_cursor_get(cur, &k, &v, MDB_SET_KEY);
	     rc == MDB_SUCCESS && n < max;
	     rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT_DUP)) {
		if (v.mv_size == 0 || v.mv_size >= sizeof(token))
			continue;
		memcpy(token, v.mv_data, v.mv_size);
		token[v.mv_size] = '\0';
		if (binding_read(st, txn, &out[n], token) == 0)
			n++;
	}
	mdb_cursor_close(cur);
	mdb_txn_abort(txn);
	return (int)n;
}

int
store_binding_list_line(struct store *st, struct store_binding *out, size_t max,
                        const char *partition, const char *ext)
{
	char key[LINE_KEY_MAX];
	size_t len;
	int rc = store__line_key(key, sizeof(key), &len, partition, ext);

	return rc < 0 ? rc
	              : index_list(st, STORE_DB_BIND_LINE, key, len, out, max);
}

int
store_binding_list_aor(struct store *st, struct store_binding *out, size_t max,
                       const char *aor)
{
	if (!aor || !*aor || strlen(aor) >= STORE_URI_MAX)
		return -EINVAL;
	return index_list(st, STORE_DB_BIND_AOR, aor, strlen(aor), out, max);
}

int
store_binding_list(struct store *st, struct store_binding *out, size_t max,
                   const char *after_token)
{
	MDB_cursor *cur;
	MDB_txn *txn;
	MDB_val k, v;
	size_t n = 0;
	int rc;

	store__pending_settle(st); /* read our own writes */
	rc = store__read_begin(st, &txn);

	if (rc < 0)
		return rc;
	rc = mdb_cursor_open(txn, st->dbi[STORE_DB_BINDINGS], &cur);
	if (rc != MDB_SUCCESS) {
		mdb_txn_abort(txn);
		return store__err(rc);
	}
	if (after_token && *after_token) {
		k = (MDB_val){strlen(after_token), (void *)after_token};
		rc = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE);
		if (rc == MDB_SUCCESS && k.mv_size == strlen(after_token) &&
		    memcmp(k.mv_data, after_token, k.mv_size) == 0)
			rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT);
	} else
		rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST);
	for (; rc == MDB_SUCCESS && n < max;
	     rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT))
		if (store__binding_decode(&k, &v, &out[n]) == 0)
			n++;
	mdb_cursor_close(cur);
	mdb_txn_abort(txn);
	return (int)n;
}

/* Collects up to EXPIRE_BATCH expired tokens, then deletes them. */
static int
expire_batch(struct store *st, MDB_txn *txn, int64_t now)
{
	char tokens[EXPIRE_BATCH][STORE_NAME_MAX];
	struct store_binding b;
	MDB_cursor *cur;
	MDB_val k, v;
	size_t n = 0;
	int rc = mdb_cursor_open(txn, st->dbi[STORE_DB_BINDINGS], &cur);

	if (rc != MDB_SUCCESS)
		return store__err(rc);
	for (rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST);
	     rc == MDB_SUCCESS && n < EXPIRE_BATCH;
	     rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT))
		if (store__binding_decode(&k, &v, &b) == 0 &&
		    b.expires_at <= now)
			memcpy(tokens[n++], b.token, sizeof(b.token));
	mdb_cursor_close(cur);
	for (size_t i = 0; i < n; i++) {
		rc =
		    binding_del_txn(st, txn, tokens[i], "binding.expire", NULL);
		if (rc < 0)
			return rc;
	}
	return (int)n;
}

int
store_binding_expire(struct store *st, int64_t now)
{
	MDB_txn *txn;
	int total = 0, rc;

	store__pending_settle(st); /* expire what was queued too */
	rc = store__write_begin(st, &txn);
	if (rc < 0)
		return rc;
	do {
		rc = expire_batch(st, txn, now);
		if (rc > 0)
			total += rc;
	} while (rc == EXPIRE_BATCH);
	if (rc < 0 || total == 0) {
		mdb_txn_abort(txn);
		return rc < 0 ? rc : 0;
	}
	rc = store__commit(st, txn);
	return rc < 0 ? rc : total;
}
