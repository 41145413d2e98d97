/* Read-only views: audit log, call records (JSON and CSV), devices,
 * registrations, live calls, version and system status. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "storage/store.h"
#include "web/internal.h"

#define AUDIT_PAGE_MAX 500
#define CDR_PAGE_MAX 500
#define CDR_CSV_MAX 100000	/* rows in one export */
#define CDR_CSV_CHUNK 100
#define DEVICES_MAX 200

bool
web__query_u64(struct web_conn *c, struct web_req *r, const char *name,
    uint64_t *out)
{
	char buf[24];
	char *end;
	int n = web__query_get(r->query, name, buf, sizeof(buf));

	*out = 0;
	if (n == -ENOENT)
		return true;
	if (n > 0 && buf[0] >= '0' && buf[0] <= '9') {
		*out = strtoull(buf, &end, 10);
		if (*end == '\0')
			return true;
	}
	web__reply_error(c, 400, "invalid", "%s must be a number", name);
	return false;
}

cJSON *
web__audit_json(const struct store_audit *e)
{
	cJSON *j = cJSON_CreateObject();

	cJSON_AddNumberToObject(j, "seq", (double)e->seq);
	cJSON_AddNumberToObject(j, "time", (double)e->time);
	cJSON_AddStringToObject(j, "actor", e->actor);
	cJSON_AddStringToObject(j, "source", e->source);
	cJSON_AddStringToObject(j, "action", e->action);
	cJSON_AddStringToObject(j, "subject", e->subject);
	cJSON_AddStringToObject(j, "old", e->old_value);
	cJSON_AddStringToObject(j, "new", e->new_value);
	return j;
}

void
web__h_audit(struct web_conn *c, struct web_req *r)
{
	struct store_audit *e;
	uint64_t before;
	unsigned limit;
	cJSON *j, *items;
	int n;

	if (!web__page_limit(c, r, 50, AUDIT_PAGE_MAX, &limit) ||
	    !web__query_u64(c, r, "before", &before))
		return;
	e = calloc(limit, sizeof(*e));
	if (!e) {
		web__reply_error(c, 503, "no_memory", "out of memory");
		return;
	}
	n = store_audit_list(c->srv->cfg.store, e, limit, before);
	if (n < 0) {
		free(e);
		web__reply_errno(c, n, "audit log");
		return;
	}
	j = cJSON_CreateObject();
	items = cJSON_AddArrayToObject(j, "items");
	for (int i = 0; i < n; i++)
		cJSON_AddItemToArray(items, web__audit_json(&e[i]));
	/* Newest first: the next (older) page is before the last seq. */
	if (n == (int)limit && e[n - 1].seq > 1)
		cJSON_AddNumberToObject(j, "next_before", (double)e[n - 1].seq);
	else
		cJSON_AddNullToObject(j, "next_before");
	free(e);
	web__reply_json(c, 200, j, NULL);
}

static const char *
dir_name(uint8_t d)
{
	return d == STORE_DIR_INCOMING ? "incoming" : "outgoing";
}

static cJSON *
cdr_json(const struct store_cdr *x)
{
	cJSON *j = cJSON_CreateObject();

	cJSON_AddNumberToObject(j, "seq", (double)x->seq);
	cJSON_AddNumberToObject(j, "start_ms", (double)x->start_ms);
	cJSON_AddNumberToObject(j, "answer_ms", (double)x->answer_ms);
	cJSON_AddNumberToObject(j, "end_ms", (double)x->end_ms);
	cJSON_AddStringToObject(j, "partition", x->partition);
	cJSON_AddStringToObject(j, "caller", x->caller);
	cJSON_AddStringToObject(j, "callee", x->callee);
	cJSON_AddStringToObject(j, "direction", dir_name(x->direction));
	cJSON_AddStringToObject(j, "disposition",
	    store_disposition_name(x->disposition));
	cJSON_AddNumberToObject(j, "code", x->code);
	cJSON_AddStringToObject(j, "reason", x->reason);
	cJSON_AddStringToObject(j, "pattern", x->pattern);
	cJSON_AddNumberToObject(j, "duration_s", x->duration_s);
	cJSON_AddStringToObject(j, "call_id", x->call_id);
	cJSON_AddStringToObject(j, "auth_code", x->auth_code);
	return j;
}

static void
cdr_csv_row(struct web_buf *b, const struct store_cdr *x)
{
	char ts[32];
	time_t t = (time_t)(x->start_ms / 1000);
	struct tm tm;

	strftime(ts, sizeof(ts), "%Y-%m-%dT%H:%M:%SZ", gmtime_r(&t, &tm));
	web__buf_printf(b, "%llu,%s,", (unsigned long long)x->seq, ts);
	web__buf_csv(b, x->partition);
	web__buf_add(b, ",", 1);
	web__buf_csv(b, x->caller);
	web__buf_add(b, ",", 1);
	web__buf_csv(b, x->callee);
	web__buf_printf(b, ",%s,%s,%u,", dir_name(x->direction),
	    store_disposition_name(x->disposition), x->code);
	web__buf_csv(b, x->reason);
	web__buf_add(b, ",", 1);
	web__buf_csv(b, x->pattern);
	web__buf_printf(b, ",%u,", x->duration_s);
	web__buf_csv(b, x->call_id);
	web__buf_add(b, ",", 1);
	web__buf_csv(b, x->auth_code);
	web__buf_add(b, "\r\n", 2);
}

/* CSV (RFC 4180), newest first, in pages so memory stays bounded. */
static void
cdr_csv(struct web_conn *c, uint64_t before, unsigned limit)
{
	struct store_cdr page[CDR_CSV_CHUNK];
	struct web_buf b = {0};
	unsigned done = 0;

	web__buf_str(&b, "seq,start,partition,caller,callee,direction,"
			 "disposition,code,reason,pattern,duration_s,"
			 "call_id,auth_code\r\n");
	while (done < limit) {
		int n = store_cdr_list(c->srv->cfg.store, page,
		    MIN(CDR_CSV_CHUNK, limit - done), before);

		if (n < 0) {
			web__buf_free(&b);
			web__reply_errno(c, n, "call records");
			return;
		}
		for (int i = 0; i < n; i++)
			cdr_csv_row(&b, &page[i]);
		done += (unsigned)n;
		if (n < CDR_CSV_CHUNK || page[n - 1].seq <= 1)
			break;
		before = page[n - 1].seq;
	}
	if (b.oom) {
		web__buf_free(&b);
		web__reply_error(c, 503, "no_memory", "out of memory");
		return;
	}
	web__reply(c, 200, "text/csv; charset=utf-8",
	    "Content-Disposition: attachment; filename=\"calls.csv\"\r\n"
	    "Cache-Control: no-store\r\n", b.p, b.len);
	web__buf_free(&b);
}

void
web__h_cdr(struct web_conn *c, struct web_req *r)
{
	char fmt[8];
	struct store_cdr *x;
	uint64_t before;
	unsigned limit;
	bool csv;
	cJSON *j, *items;
	int n;

	csv = web__query_get(r->query, "format", fmt, sizeof(fmt)) > 0 &&
	      strcmp(fmt, "csv") == 0;
	if (!web__query_u64(c, r, "before", &before) ||
	    !web__page_limit(c, r, csv ? 10000 : 50,
		csv ? CDR_CSV_MAX : CDR_PAGE_MAX, &limit))
		return;
	if (csv) {
		cdr_csv(c, before, limit);
		return;
	}
	x = calloc(limit, sizeof(*x));
	if (!x) {
		web__reply_error(c, 503, "no_memory", "out of memory");
		return;
	}
	n = store_cdr_list(c->srv->cfg.store, x, limit, before);
	if (n < 0) {
		free(x);
		web__reply_errno(c, n, "call records");
		return;
	}
	j = cJSON_CreateObject();
	items = cJSON_AddArrayToObject(j, "items");
	for (int i = 0; i < n; i++)
		cJSON_AddItemToArray(items, cdr_json(&x[i]));
	if (n == (int)limit && x[n - 1].seq > 1)
		cJSON_AddNumberToObject(j, "next_before", (double)x[n - 1].seq);
	else
		cJSON_AddNullToObject(j, "next_before");
	free(x);
	web__reply_json(c, 200, j, NULL);
}

static cJSON *
binding_json(const struct store_binding *b)
{
	char addr[NET_ADDRSTRLEN];
	cJSON *j = cJSON_CreateObject();

	cJSON_AddStringToObject(j, "token", b->token);
	cJSON_AddStringToObject(j, "aor", b->aor);
	cJSON_AddStringToObject(j, "partition", b->partition);
	cJSON_AddStringToObject(j, "ext", b->ext);
	cJSON_AddStringToObject(j, "instance", b->instance);
	cJSON_AddStringToObject(j, "mac", b->mac);
	cJSON_AddStringToObject(j, "user_agent", b->user_agent);
	cJSON_AddStringToObject(j, "transport",
	    net_transport_name(b->source.transport));
	cJSON_AddStringToObject(j, "source",
	    net_addr_str((const struct sockaddr *)&b->source.addr, addr,
		sizeof(addr)));
	cJSON_AddStringToObject(j, "contact", b->contact);
	cJSON_AddNumberToObject(j, "expires_at", (double)b->expires_at);
	cJSON_AddNumberToObject(j, "registered_at", (double)b->registered_at);
	return j;
}

void
web__h_devices(struct web_conn *c, struct web_req *r)
{
	char after[STORE_NAME_MAX];
	struct store_binding *b;
	unsigned limit;
	cJSON *j, *items;
	int n;

	if (!web__page_limit(c, r, 50, DEVICES_MAX, &limit))
		return;
	if (web__query_get(r->query, "after", after, sizeof(after)) < 0)
		after[0] = '\0';
	b = calloc(limit, sizeof(*b));
	if (!b) {
		web__reply_error(c, 503, "no_memory", "out of memory");
		return;
	}
	n = store_binding_list(c->srv->cfg.store, b, limit,
	    after[0] ? after : NULL);
	if (n < 0) {
		free(b);
		web__reply_errno(c, n, "devices");
		return;
	}
	j = cJSON_CreateObject();
	items = cJSON_AddArrayToObject(j, "items");
	for (int i = 0; i < n; i++)
		cJSON_AddItemToArray(items, binding_json(&b[i]));
	if (n == (int)limit)
		cJSON_AddStringToObject(j, "next", b[n - 1].token);
	else
		cJSON_AddNullToObject(j, "next");
	free(b);
	web__reply_json(c, 200, j, NULL);
}

static void
reply_hook_list(struct web_conn *c, web_list_cb cb)
{
	cJSON *j = cJSON_CreateObject();
	cJSON *items = cJSON_AddArrayToObject(j, "items");

	if (cb)
		cb(items, c->srv->hooks.arg);
	web__reply_json(c, 200, j, NULL);
}

/* Without a hook, the registrations are the unexpired device bindings
 * the B2BUA keeps in LMDB, in the hook's shape. */
static void
reply_bindings(struct web_conn *c)
{
	struct store_binding *b = calloc(DEVICES_MAX, sizeof(*b));
	char addr[NET_ADDRSTRLEN];
	int64_t now = time(NULL);
	cJSON *j, *items;
	int n;

	if (!b) {
		web__reply_error(c, 503, "no_memory", "out of memory");
		return;
	}
	n = store_binding_list(c->srv->cfg.store, b, DEVICES_MAX, NULL);
	if (n < 0) {
		free(b);
		web__reply_errno(c, n, "registrations");
		return;
	}
	j = cJSON_CreateObject();
	items = cJSON_AddArrayToObject(j, "items");
	for (int i = 0; i < n; i++) {
		cJSON *o;

		if (b[i].expires_at <= now)
			continue;
		o = cJSON_CreateObject();
		cJSON_AddStringToObject(o, "aor", b[i].aor);
		cJSON_AddStringToObject(o, "contact", b[i].contact);
		cJSON_AddStringToObject(o, "source",
		    net_addr_str((const struct sockaddr *)&b[i].source.addr,
			addr, sizeof(addr)));
		cJSON_AddStringToObject(o, "transport",
		    net_transport_name(b[i].source.transport));
		cJSON_AddNumberToObject(o, "expires",
		    (double)(b[i].expires_at - now));
		cJSON_AddItemToArray(items, o);
	}
	free(b);
	web__reply_json(c, 200, j, NULL);
}

void
web__h_registrations(struct web_conn *c, struct web_req *r)
{
	(void)r;
	if (!c->srv->hooks.registrations) {
		reply_bindings(c);
		return;
	}
	reply_hook_list(c, c->srv->hooks.registrations);
}

void
web__h_calls_active(struct web_conn *c, struct web_req *r)
{
	(void)r;
	reply_hook_list(c, c->srv->hooks.active_calls);
}

void
web__h_version(struct web_conn *c, struct web_req *r)
{
	cJSON *j = cJSON_CreateObject();
	uint32_t schema = 0;

	(void)r;
	store_schema_version(c->srv->cfg.store, &schema);
	cJSON_AddStringToObject(j, "version", LL_VERSION);
	cJSON_AddStringToObject(j, "git", LL_GIT_REV);
	cJSON_AddNumberToObject(j, "schema", schema);
	cJSON_AddBoolToObject(j, "tls", IS_ENABLED(CONFIG_TLS));
	cJSON_AddBoolToObject(j, "ipv6", IS_ENABLED(CONFIG_IPV6));
	web__reply_json(c, 200, j, NULL);
}

void
web__h_system(struct web_conn *c, struct web_req *r)
{
	struct web *w = c->srv;
	struct web_stats s = {0};
	uint64_t used = 0, map = 0, lines = 0;
	cJSON *j = cJSON_CreateObject();

	(void)r;
	if (w->hooks.stats)
		w->hooks.stats(&s, w->hooks.arg);
	store_usage(w->cfg.store, &used, &map);
	store_line_count(w->cfg.store, &lines);
	cJSON_AddStringToObject(j, "version", LL_VERSION);
	cJSON_AddNumberToObject(j, "uptime_s",
	    (double)((ll_now_ms() - w->started_ms) / 1000));
	cJSON_AddNumberToObject(j, "calls_total", (double)s.calls_total);
	cJSON_AddNumberToObject(j, "active_calls", (double)s.active_dialogs);
	cJSON_AddNumberToObject(j, "registrations", (double)s.registrations);
	cJSON_AddNumberToObject(j, "open_transactions",
	    (double)s.open_transactions);
	cJSON_AddNumberToObject(j, "lines", (double)lines);
	cJSON_AddNumberToObject(j, "storage_used_bytes", (double)used);
	cJSON_AddNumberToObject(j, "storage_map_bytes", (double)map);
	cJSON_AddNumberToObject(j, "http_connections", w->n_conns);
	cJSON_AddNumberToObject(j, "event_streams", w->n_streams);
	web__reply_json(c, 200, j, NULL);
}
