/* /metrics in the Prometheus text exposition format (version 0.0.4):
 * what web/ counts itself, storage sizes, and the other rooms' numbers
 * through the stats hook main.c wires. */
#include <stdio.h>

#include "storage/store.h"
#include "web/internal.h"

static void
metric_head(struct web_buf *b, const char *name, const char *type,
    const char *help)
{
	web__buf_printf(b, "# HELP %s %s\n# TYPE %s %s\n", name, help, name,
	    type);
}

static void
metric_u64(struct web_buf *b, const char *name, const char *type,
    const char *help, uint64_t v)
{
	metric_head(b, name, type, help);
	web__buf_printf(b, "%s %llu\n", name, (unsigned long long)v);
}

static void
metrics_calls(struct web_buf *b, const struct web_stats *s)
{
	metric_head(b, "linelock_calls_total", "counter",
	    "Calls ended, by policy verdict.");
	for (unsigned i = 0; i < s->n_verdicts && i < WEB_STATS_MAX_VERDICTS;
	     i++)
		web__buf_printf(b, "linelock_calls_total{verdict=\"%s\"} "
				   "%llu\n", s->verdicts[i].name,
		    (unsigned long long)s->verdicts[i].count);
	metric_u64(b, "linelock_calls_started_total", "counter",
	    "New calls seen.", s->calls_total);
	metric_u64(b, "linelock_active_dialogs", "gauge",
	    "Calls in progress.", s->active_dialogs);
	metric_u64(b, "linelock_registrations", "gauge",
	    "Registered device bindings.", s->registrations);
	metric_u64(b, "linelock_sip_transactions", "gauge",
	    "Open SIP transactions.", s->open_transactions);
	metric_u64(b, "linelock_bans_active", "gauge",
	    "Source addresses banned now.", s->bans_active);
	metric_u64(b, "linelock_banned_dropped_total", "counter",
	    "Packets and connections from banned addresses, dropped "
	    "unanswered.", s->dropped_banned);
	metric_u64(b, "linelock_guard_bans_total", "counter",
	    "Bans the guard made since start.", s->guard_bans);
}

static void
metrics_latency(struct web_buf *b, const struct web_stats *s)
{
	static const unsigned bounds[] = WEB_LATENCY_BOUNDS_US;
	uint64_t cum = 0;

	_Static_assert(ARRAY_SIZE(bounds) + 1 == WEB_LATENCY_BUCKETS,
	    "one bucket per bound plus +Inf");
	metric_head(b, "linelock_policy_decision_seconds", "histogram",
	    "Time pol_decide() took per call.");
	for (size_t i = 0; i < ARRAY_SIZE(bounds); i++) {
		cum += s->latency_buckets[i];
		web__buf_printf(b, "linelock_policy_decision_seconds_bucket"
				   "{le=\"%g\"} %llu\n", bounds[i] / 1e6,
		    (unsigned long long)cum);
	}
	cum += s->latency_buckets[WEB_LATENCY_BUCKETS - 1];
	web__buf_printf(b, "linelock_policy_decision_seconds_bucket"
			   "{le=\"+Inf\"} %llu\n", (unsigned long long)cum);
	web__buf_printf(b, "linelock_policy_decision_seconds_sum %.9f\n",
	    s->latency_sum_us / 1e6);
	web__buf_printf(b, "linelock_policy_decision_seconds_count %llu\n",
	    (unsigned long long)s->latency_count);
}

static void
metrics_http(struct web_buf *b, const struct web *w)
{
	static const char *const classes[] = {"1xx", "2xx", "3xx", "4xx",
	    "5xx", "other"};

	metric_head(b, "linelock_http_requests_total", "counter",
	    "HTTP requests answered, by status class.");
	for (size_t i = 0; i < ARRAY_SIZE(classes); i++)
		web__buf_printf(b, "linelock_http_requests_total{code=\"%s\"} "
				   "%llu\n", classes[i],
		    (unsigned long long)w->http_requests[i]);
	metric_u64(b, "linelock_http_connections", "gauge",
	    "Open HTTP connections.", w->n_conns);
	metric_u64(b, "linelock_http_connections_refused_total", "counter",
	    "Connections refused at the cap.", w->http_conns_refused);
	metric_u64(b, "linelock_http_event_streams", "gauge",
	    "Open live event streams.", w->n_streams);
	metric_u64(b, "linelock_http_events_sent_total", "counter",
	    "Live events written.", w->events_sent);
}

void
web__h_metrics(struct web_conn *c, struct web_req *r)
{
	struct web *w = c->srv;
	struct web_stats s = {0};
	struct web_buf b = {0};
	uint64_t used = 0, map = 0;

	(void)r;
	if (w->hooks.stats)
		w->hooks.stats(&s, w->hooks.arg);
	metrics_calls(&b, &s);
	metrics_latency(&b, &s);
	store_usage(w->cfg.store, &used, &map);
	metric_u64(&b, "linelock_lmdb_used_bytes", "gauge",
	    "Bytes used in the LMDB data file.", used);
	metric_u64(&b, "linelock_lmdb_map_bytes", "gauge",
	    "LMDB map size.", map);
	metrics_http(&b, w);
	metric_u64(&b, "linelock_uptime_seconds", "gauge",
	    "Seconds since the web server started.",
	    (ll_now_ms() - w->started_ms) / 1000);
	if (b.oom) {
		web__buf_free(&b);
		web__reply_error(c, 503, "no_memory", "out of memory");
		return;
	}
	web__reply(c, 200, "text/plain; version=0.0.4; charset=utf-8",
	    "Cache-Control: no-store\r\n", b.p, b.len);
	web__buf_free(&b);
}
