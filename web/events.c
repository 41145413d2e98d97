/* The live feed: Server-Sent Events (WHATWG HTML 9.2) to every client of
 * /api/v1/events. Events come from main.c (calls), from the audit log
 * (every change, whoever made it: this process, linelockctl, the B2BUA)
 * polled each second and right after our own changes. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "log.h"
#include "storage/store.h"
#include "web/internal.h"

/* A client that does not read is dropped past this much queued. */
#define EVENTS_QUEUE_MAX (256 * 1024)
#define EVENTS_KEEPALIVE_TICKS 15
#define EVENTS_POLL_BATCH 32

static bool
event_type_ok(const char *type)
{
	if (!*type || strlen(type) > 32)
		return false;
	for (const char *p = type; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || *p == '_' || *p == '.'))
			return false;
	return true;
}

static void
events_send(struct web *w, const char *text, size_t len)
{
	struct web_conn *c, *next;

	for (c = w->conns; c; c = next) {
		next = c->next;	/* a failed write unlinks c */
		if (c->state != WEB_CONN_STREAM || !c->sse_events)
			continue;
		if (uv_stream_get_write_queue_size((uv_stream_t *)&c->tcp) >
			EVENTS_QUEUE_MAX ||
		    web__conn_write(c, text, len) < 0) {
			log_debug("web: %s: event stream dropped (slow)",
			    c->peer_host);
			web__conn_close(c);
			continue;
		}
		w->events_sent++;
	}
}

static void
events_publish(struct web *w, const char *type, const char *json,
    uint64_t id)
{
	struct web_buf b = {0};

	if (w->n_streams == 0)
		return;
	if (id)
		web__buf_printf(&b, "id: %llu\n", (unsigned long long)id);
	/* One data line: the JSON must not hold a raw line break. */
	web__buf_printf(&b, "event: %s\ndata: ", type);
	for (const char *p = json; *p; p++)
		if (*p != '\n' && *p != '\r')
			web__buf_add(&b, p, 1);
	web__buf_str(&b, "\n\n");
	if (!b.oom)
		events_send(w, b.p, b.len);
	web__buf_free(&b);
}

void
web_event_publish(const char *type, const char *json)
{
	struct web *w = web__current;

	if (!w || !type || !json || !event_type_ok(type))
		return;
	events_publish(w, type, json, 0);
}

static void
publish_json(struct web *w, const char *type, cJSON *j, uint64_t id)
{
	char *text = cJSON_PrintUnformatted(j);

	if (text)
		events_publish(w, type, text, id);
	cJSON_free(text);
	cJSON_Delete(j);
}

/* A line's lock changed: the new state as a "line" event. The subject
 * of line audit entries is "PARTITION/EXT". */
static void
publish_line(struct web *w, const struct store_audit *e)
{
	char part[STORE_PARTITION_MAX], *slash;
	struct store_line l;

	if (strncmp(e->action, "line.", 5) != 0)
		return;
	ll_strlcpy(part, e->subject, sizeof(part));
	slash = strchr(part, '/');
	if (!slash)
		return;
	*slash = '\0';
	if (store_line_get(w->cfg.store, &l, part,
		e->subject + (slash - part) + 1) < 0)
		store_line_defaults(&l, part, e->subject + (slash - part) + 1);
	publish_json(w, "line", web__line_json(&l), 0);
}

void
web__events_poll(struct web *w)
{
	struct store_audit batch[EVENTS_POLL_BATCH];
	int n;

	do {
		n = store_audit_since(w->cfg.store, batch, ARRAY_SIZE(batch),
		    w->last_audit_seq);
		if (n <= 0)
			return;
		for (int i = 0; i < n; i++) {
			w->last_audit_seq = batch[i].seq;
			if (w->n_streams == 0)
				continue;
			publish_json(w, "audit", web__audit_json(&batch[i]),
			    batch[i].seq);
			publish_line(w, &batch[i]);
		}
	} while (n == (int)ARRAY_SIZE(batch));
}

void
web__line_changed(struct web *w, const char *partition, const char *ext,
    bool locked)
{
	if (w->hooks.line_changed)
		w->hooks.line_changed(partition, ext, locked, w->hooks.arg);
}

void
web__events_init(struct web *w)
{
	/* Only what happens from now on is news. */
	if (store_audit_last_seq(w->cfg.store, &w->last_audit_seq) < 0)
		w->last_audit_seq = 0;
}

void
web__events_tick(struct web *w)
{
	static const char ping[] = ": keep-alive\n\n";

	web__events_poll(w);
	if (w->n_streams && w->tick_count % EVENTS_KEEPALIVE_TICKS == 0)
		events_send(w, ping, sizeof(ping) - 1);
}

void
web__h_events(struct web_conn *c, struct web_req *r)
{
	(void)r;
	/* Bring the cursor up to date so the new client sees only news. */
	web__events_poll(c->srv);
	web__stream_start(c);
}
