/* linelockd: reads the config, opens the rooms in dependency order and
 * runs the one libuv loop. The only file (with conf.c) that sees every
 * room; it wires them together. */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <uv.h>

#include <cjson/cJSON.h>

#include "conf.h"
#include "b2bua/b2b.h"
#include "log.h"
#include "sip/sip.h"
#include "storage/store.h"
#include "util.h"
#include "web/web.h"

struct daemon {
	uv_loop_t *loop;
	const char *conf_path;
	struct conf conf;
	uv_signal_t sig_term;
	uv_signal_t sig_int;
	uv_signal_t sig_hup;
	uv_timer_t grace_timer;	/* bounds the graceful shutdown */
	bool stopping;
	struct sip_stack *sip;	/* NULL once closed */
	struct b2b *b2b;	/* NULL once freed (before sip closes) */
	struct store *store;	/* LMDB env; closed after every room */
	uv_timer_t flush_timer;	/* commits queued CDRs and bindings */
	struct web *web;	/* NULL when off or closed */
	uv_signal_t sig_usr1;	/* stats dump to the log */
};

/* Trusted networks and core peers are not rate limited: a PBX sends
 * for every phone at once. */
static void
daemon_rate_exempt(const struct conf *c, struct sip_config *sc)
{
	for (unsigned i = 0; i < c->n_trusted &&
	    sc->n_rate_exempt < SIP_MAX_RATE_EXEMPT; i++)
		sc->rate_exempt[sc->n_rate_exempt++] = c->trusted[i];
	for (unsigned i = 0; i < c->n_core &&
	    sc->n_rate_exempt < SIP_MAX_RATE_EXEMPT; i++) {
		const struct sockaddr_storage *a = &c->core[i].addr;
		struct net_cidr *x = &sc->rate_exempt[sc->n_rate_exempt++];

		memset(x, 0, sizeof(*x));
		x->family = a->ss_family;
		if (a->ss_family == AF_INET6) {
			x->prefix = 128;
			memcpy(x->bytes,
			    ((const struct sockaddr_in6 *)a)->sin6_addr.s6_addr,
			    16);
		} else {
			x->prefix = 32;
			memcpy(x->bytes,
			    &((const struct sockaddr_in *)a)->sin_addr, 4);
		}
	}
}

/* sip/ wiring: the stack's settings from [sip]. */
static void
daemon_sip_config(const struct conf *c, struct sip_config *sc)
{
	memset(sc, 0, sizeof(*sc));
	sc->n_listen = MIN(c->n_listen, (unsigned)SIP_MAX_LISTEN);
	memcpy(sc->listen, c->listen, sc->n_listen * sizeof(sc->listen[0]));
	ll_strlcpy(sc->tls_cert, c->sip_tls_cert, sizeof(sc->tls_cert));
	ll_strlcpy(sc->tls_key, c->sip_tls_key, sizeof(sc->tls_key));
	ll_strlcpy(sc->tls_ca, c->sip_tls_ca, sizeof(sc->tls_ca));
	ll_strlcpy(sc->domain, c->domain, sizeof(sc->domain));
	sc->max_message = c->max_message;
	sc->udp_buffer = c->udp_buffer;
	sc->tcp_idle_timeout = c->tcp_idle_timeout;
	sc->max_connections = c->max_connections;
	sc->tcp_header_timeout = c->tcp_header_timeout;
	sc->max_connections_per_ip = c->max_connections_per_ip;
	sc->max_transactions = c->max_transactions;
	sc->rate_limit = c->rate_limit;
	sc->rate_burst = c->rate_burst;
	sc->max_bans = c->guard_max_bans;
	daemon_rate_exempt(c, sc);
	sc->answer_options = true;
}

/* b2bua/ wiring: the guard's settings from [guard]. */
static void
daemon_b2b_guard(const struct conf *c, struct b2b_guard_settings *g)
{
	_Static_assert(CONF_GUARD_UA_LEN == B2B_GUARD_UA_LEN,
	    "[guard] patterns fit b2bua/'s");
	g->enabled = c->guard_enabled;
	g->scanner_ban = c->guard_scanner_ban;
	g->device_learn = c->guard_device_learn;
	g->threshold = c->guard_threshold;
	g->window = c->guard_window;
	g->ban_time = c->guard_ban_time;
	g->ban_time_max = c->guard_ban_time_max;
	g->max_bans = c->guard_max_bans;
	g->n_scanners = MIN(c->n_guard_scanners, (unsigned)B2B_GUARD_UA_N);
	memcpy(g->scanners, c->guard_scanners,
	    g->n_scanners * sizeof(g->scanners[0]));
	g->n_never = MIN(c->n_guard_never, (unsigned)B2B_GUARD_NEVER_N);
	memcpy(g->never, c->guard_never, g->n_never * sizeof(g->never[0]));
}

/* [partitions] as policy/ keeps them for b2bua/ and web/; the sizes
 * are the same. Returns how many. */
static unsigned
daemon_partitions(const struct conf *c, struct pol_partition *parts)
{
	_Static_assert(CONF_PART_N == POL_PART_N &&
	                   CONF_PART_DOMAINS == POL_PART_DOMAINS &&
	                   CONF_PART_CIDRS == POL_PART_CIDRS &&
	                   CONF_PART_NAME == POL_PART_NAME &&
	                   CONF_DOMAIN_LEN == POL_DOMAIN_LEN,
	               "[partitions] fits policy/'s table");
	for (unsigned i = 0; i < c->n_partitions; i++) {
		const struct conf_partition *cp = &c->partitions[i];
		struct pol_partition *p = &parts[i];

		memcpy(p->name, cp->name, sizeof(p->name));
		memcpy(p->domains, cp->domains, sizeof(p->domains));
		p->n_domains = cp->n_domains;
		memcpy(p->cidrs, cp->cidrs, sizeof(p->cidrs));
		p->n_cidrs = cp->n_cidrs;
	}
	return c->n_partitions;
}

/* b2bua/ wiring: the room's settings from [sip]. */
static void
daemon_b2b_settings(const struct conf *c, struct b2b_settings *bs)
{
	memset(bs, 0, sizeof(*bs));
	bs->n_core = MIN(c->n_core, (unsigned)B2B_MAX_CORE);
	memcpy(bs->core, c->core, bs->n_core * sizeof(bs->core[0]));
	bs->n_trusted = MIN(c->n_trusted, (unsigned)B2B_MAX_TRUSTED);
	memcpy(bs->trusted, c->trusted, bs->n_trusted * sizeof(bs->trusted[0]));
	bs->max_calls = c->max_calls;
	bs->call_timeout = c->call_timeout;
	bs->ring_timeout = c->ring_timeout;
	daemon_b2b_guard(c, &bs->guard);
	bs->n_partitions = daemon_partitions(c, bs->partitions);
}

static void
daemon_on_sip_closed(void *arg)
{
	(void)arg;
	log_info("main: sip stack closed");
}

static void
daemon_sip_close(struct daemon *d)
{
	if (!d->sip)
		return;
	/* The B2BUA goes first: its last BYEs still need the stack. */
	b2b_free(d->b2b);
	d->b2b = NULL;
	sip_stack_close(d->sip, daemon_on_sip_closed, d);
	d->sip = NULL;
}

static void
daemon_on_sip_drained(void *arg)
{
	struct daemon *d = arg;

	log_info("main: sip transactions finished");
	daemon_sip_close(d);
}

static void
daemon_sip_start(struct daemon *d)
{
	struct sip_config sc;
	struct b2b_settings bs;
	struct sip_tu tu;
	int rc;

	daemon_b2b_settings(&d->conf, &bs);
	rc = b2b_new(&d->b2b, d->loop, d->store, &bs);
	if (rc < 0)
		fatal("main: b2bua: cannot start: %s", strerror(-rc));
	b2b_sip_tu(d->b2b, &tu);
	daemon_sip_config(&d->conf, &sc);
	rc = sip_stack_new(&d->sip, d->loop, &sc, &tu);
	if (rc < 0)
		fatal("main: sip: cannot start: %s", uv_strerror(rc));
	b2b_start(d->b2b, d->sip);
	for (unsigned i = 0; i < sc.n_listen; i++) {
		char a[NET_ADDRSTRLEN];

		log_info("main: sip listening on %s:%s",
		    net_transport_name(sc.listen[i].transport),
		    net_addr_str((const struct sockaddr *)&sc.listen[i].addr,
			a, sizeof(a)));
	}
}

/* Call records and binding refreshes are durable within this: one fsync
 * per batch instead of one per call on the loop (bench/RESULTS.md). */
#define DAEMON_FLUSH_MS 50
#define DAEMON_FLUSH_RETRY_MS 1000	/* after a failed flush (disk full) */

static void
daemon_on_store_flush(uv_timer_t *t)
{
	struct daemon *d = container_of(t, struct daemon, flush_timer);

	if (store_flush(d->store) < 0 && store_pending(d->store) > 0)
		uv_timer_start(t, daemon_on_store_flush,
		    DAEMON_FLUSH_RETRY_MS, 0);
}

/* The store queued a first record: flush it soon. Past the loop's end
 * store_close() flushes what is left. */
static void
daemon_on_store_pending(void *arg)
{
	struct daemon *d = arg;
	uv_handle_t *h = (uv_handle_t *)&d->flush_timer;

	if (!uv_is_closing(h) && !uv_is_active(h))
		uv_timer_start(&d->flush_timer, daemon_on_store_flush,
		    DAEMON_FLUSH_MS, 0);
}

/* storage/ wiring: the environment from [storage], opened before any
 * room that reads it and closed after all of them. */
static void
daemon_store_open(struct daemon *d)
{
	struct store_config sc = {.map_size = d->conf.map_size,
	    .on_pending = daemon_on_store_pending, .pending_arg = d};
	uint64_t used, map;
	int rc;

	rc = uv_timer_init(d->loop, &d->flush_timer);
	if (rc < 0)
		fatal("main: storage timer: %s", uv_strerror(rc));
	ll_strlcpy(sc.dir, d->conf.storage_dir, sizeof(sc.dir));
	rc = store_open(&d->store, &sc);
	if (rc < 0)
		fatal("main: storage %s: cannot open: %s", sc.dir,
		    store_strerror(rc));
	if (store_usage(d->store, &used, &map) == 0)
		log_info("main: storage %s: %llu of %llu bytes used", sc.dir,
		    (unsigned long long)used, (unsigned long long)map);
}

/* web/ hook: the B2BUA's and the stack's counters for /metrics. */
static void
daemon_web_stats(struct web_stats *out, void *arg)
{
	static const char *const names[] = {"forward", "reject", "redirect",
	    "local", "emergency", "overload"};
	struct daemon *d = arg;
	struct b2b_stats bs = {0};
	struct sip_stats ss = {0};
	uint64_t v[ARRAY_SIZE(names)];

	if (d->b2b)
		b2b_stats_get(d->b2b, &bs);
	if (d->sip)
		sip_stack_stats(d->sip, &ss);
	v[0] = bs.calls_forwarded;
	v[1] = bs.calls_rejected;
	v[2] = bs.calls_redirected;
	v[3] = bs.calls_local;
	v[4] = bs.calls_emergency;
	v[5] = bs.calls_overload;
	for (size_t i = 0; i < ARRAY_SIZE(names); i++) {
		out->verdicts[i].name = names[i];
		out->verdicts[i].count = v[i];
	}
	out->n_verdicts = ARRAY_SIZE(names);
	out->calls_total = bs.calls_total;
	out->active_dialogs = bs.calls_active;
	out->registrations = bs.registrations;
	for (size_t k = 0; k < SIP_TXN_KINDS; k++)
		out->open_transactions += ss.txn_open[k];
	_Static_assert(B2B_DECIDE_BUCKETS == WEB_LATENCY_BUCKETS,
	    "b2bua/ and web/ share the decision latency buckets");
	memcpy(out->latency_buckets, bs.decide_buckets,
	    sizeof(out->latency_buckets));
	out->latency_count = bs.decide_count;
	out->latency_sum_us = (double)bs.decide_sum_ns / 1e3;
	out->bans_active = d->sip ? sip_ban_count(d->sip) : 0;
	out->dropped_banned = ss.dropped_banned;
	out->guard_bans = bs.guard_bans;
}

/* web/ hook: one JSON object per call in progress. */
static void
daemon_web_call(const struct b2b_call_info *ci, void *arg)
{
	static const char *const dirs[] = {"outgoing", "incoming", "local"};
	cJSON *j = cJSON_CreateObject();

	if (!j)
		return;
	cJSON_AddNumberToObject(j, "id", ci->call_id);
	cJSON_AddStringToObject(j, "from", ci->caller);
	cJSON_AddStringToObject(j, "to", ci->callee);
	cJSON_AddStringToObject(j, "direction", ci->direction <
	    ARRAY_SIZE(dirs) ? dirs[ci->direction] : "?");
	cJSON_AddStringToObject(j, "state", ci->state);
	cJSON_AddNumberToObject(j, "since", (double)(ci->start_ms / 1000));
	cJSON_AddNumberToObject(j, "answered", (double)(ci->answer_ms / 1000));
	cJSON_AddStringToObject(j, "partition", ci->partition);
	cJSON_AddItemToArray(arg, j);
}

static void
daemon_web_calls(void *array, void *arg)
{
	struct daemon *d = arg;

	if (d->b2b)
		b2b_calls_list(d->b2b, daemon_web_call, array);
}

/* web/ hook: a lock set through the API or a phone page; the B2BUA
 * tells the line's phones when notify_on_lock is on. */
static void
daemon_on_web_line(const char *partition, const char *ext, bool locked,
    void *arg)
{
	struct daemon *d = arg;

	(void)partition, (void)ext, (void)locked;
	if (d->b2b)
		b2b_locks_changed(d->b2b);
}

/* web/ hook: a ban made or lifted through the API; the B2BUA loads the
 * bans into sip/ at once (linelockctl's within its one-second sweep). */
static void
daemon_on_web_bans(void *arg)
{
	struct daemon *d = arg;

	if (d->b2b)
		b2b_bans_changed(d->b2b);
}

/* b2bua/ -> web/: calls and registrations onto the console's live feed
 * (lock changes get there through the audit log). */
static void
daemon_on_b2b_event(const struct b2b_event *ev, void *arg)
{
	static const char *const kinds[] = {"start", "answer", "end",
	    "register", "unregister", "line_lock"};
	static const char *const dirs[] = {"outgoing", "incoming", "local"};
	cJSON *j;
	char *text;

	(void)arg;
	if (ev->kind == B2B_EV_LINE_LOCK || ev->kind >= ARRAY_SIZE(kinds))
		return;
	j = cJSON_CreateObject();
	cJSON_AddStringToObject(j, "event", kinds[ev->kind]);
	cJSON_AddStringToObject(j, "direction", ev->direction <
	    ARRAY_SIZE(dirs) ? dirs[ev->direction] : "?");
	cJSON_AddNumberToObject(j, "call", ev->call_id);
	cJSON_AddStringToObject(j, "caller", ev->caller);
	cJSON_AddStringToObject(j, "callee", ev->callee);
	cJSON_AddNumberToObject(j, "status", ev->status);
	cJSON_AddStringToObject(j, "disposition", ev->disposition);
	cJSON_AddNumberToObject(j, "start_ms", (double)ev->start_ms);
	cJSON_AddStringToObject(j, "partition", ev->partition);
	text = cJSON_PrintUnformatted(j);
	cJSON_Delete(j);
	if (text)
		web_event_publish(ev->kind >= B2B_EV_REGISTER ? "registration"
		    : "call", text);
	cJSON_free(text);
}

/* web/ wiring: the console and API from [web], on the data dir. */
static void
daemon_web_start(struct daemon *d)
{
	struct web_config wc = {0};
	struct web_hooks hooks = {.stats = daemon_web_stats,
	    .active_calls = daemon_web_calls,
	    .line_changed = daemon_on_web_line,
	    .bans_changed = daemon_on_web_bans, .arg = d};
	int rc;

	if (!d->conf.web_enabled)
		return;
	wc.listen = d->conf.web_listen;
	wc.tls = d->conf.web_tls;
	wc.tls_cert = d->conf.web_tls_cert;
	wc.tls_key = d->conf.web_tls_key;
	wc.data_dir = d->conf.storage_dir;
	wc.store = d->store;
	wc.n_partitions = daemon_partitions(&d->conf, wc.partitions);
	rc = web_new(&d->web, d->loop, &wc, &hooks);
	if (rc < 0)
		fatal("main: web: cannot start: %s", uv_strerror(rc));
	if (d->b2b)
		b2b_set_event_cb(d->b2b, daemon_on_b2b_event, d);
}

static void
daemon_web_close(struct daemon *d)
{
	web_close(d->web);
	d->web = NULL;
}

static void
usage(FILE *out)
{
	fprintf(out,
	    "usage: linelockd -c FILE [--check-config]\n"
	    "       linelockd --version\n"
	    "  -c, --config FILE   configuration file (INI)\n"
	    "  -t, --check-config  check FILE, print \"configuration OK\"\n"
	    "  -f, --foreground    accepted for procd/systemd; always so\n"
	    "  -V, --version       print the version\n");
}

static void
daemon_on_grace_end(uv_timer_t *t)
{
	struct daemon *d = container_of(t, struct daemon, grace_timer);

	log_info("main: shutdown grace over, closing what is left");
	daemon_sip_close(d);
}

static void
daemon_on_closed(uv_handle_t *h)
{
	(void)h;
}

/* Stops taking new work and gives in-flight work conf.shutdown_grace
 * seconds; the loop then ends by itself once nothing is left. */
static void
daemon_stop(struct daemon *d)
{
	if (d->stopping) {
		uv_stop(d->loop);	/* second signal: now */
		return;
	}
	d->stopping = true;
	log_info("main: shutting down");
	daemon_web_close(d);
	uv_close((uv_handle_t *)&d->sig_hup, daemon_on_closed);
	uv_close((uv_handle_t *)&d->sig_usr1, daemon_on_closed);
	if (d->sip)
		sip_stack_stop_listening(d->sip, daemon_on_sip_drained, d);
	uv_timer_start(&d->grace_timer, daemon_on_grace_end,
	    (uint64_t)d->conf.shutdown_grace * 1000u, 0);
	uv_unref((uv_handle_t *)&d->grace_timer);
	uv_unref((uv_handle_t *)&d->sig_term);
	uv_unref((uv_handle_t *)&d->sig_int);
}

static void
daemon_on_signal(uv_signal_t *s, int signum)
{
	struct daemon *d = s->data;

	if (signum == SIGUSR1) {
		if (d->sip)
			sip_stack_stats_log(d->sip);
		if (d->b2b)
			b2b_stats_log(d->b2b);
		return;
	}
	if (signum == SIGHUP) {
		struct conf fresh;

		/* Only what is safe to change live is reloaded: the log
		 * level and sink. Everything else needs a restart. */
		if (conf_load(&fresh, d->conf_path, stderr) < 0) {
			log_warn("main: reload of %s failed, keeping the "
				 "running configuration", d->conf_path);
			return;
		}
		log_open(fresh.log_syslog, fresh.log_level);
		d->conf.log_level = fresh.log_level;
		d->conf.log_syslog = fresh.log_syslog;
		log_info("main: configuration reloaded (log level)");
		return;
	}
	daemon_stop(d);
}

static int
daemon_signals_init(struct daemon *d)
{
	uv_signal_t *sigs[] = {&d->sig_term, &d->sig_int, &d->sig_hup,
	    &d->sig_usr1};
	int nums[] = {SIGTERM, SIGINT, SIGHUP, SIGUSR1};

	signal(SIGPIPE, SIG_IGN);
	for (size_t i = 0; i < ARRAY_SIZE(sigs); i++) {
		int rc = uv_signal_init(d->loop, sigs[i]);

		if (rc < 0)
			return rc;
		sigs[i]->data = d;
		rc = uv_signal_start(sigs[i], daemon_on_signal, nums[i]);
		if (rc < 0)
			return rc;
	}
	return uv_timer_init(d->loop, &d->grace_timer);
}

static void
daemon_close_all(uv_handle_t *h, void *arg)
{
	(void)arg;
	if (!uv_is_closing(h))
		uv_close(h, NULL);
}

static int
daemon_run(struct daemon *d)
{
	int rc;

	d->loop = uv_default_loop();
	rc = daemon_signals_init(d);
	if (rc < 0)
		fatal("main: signals: %s", uv_strerror(rc));
	daemon_store_open(d);
	daemon_sip_start(d);
	daemon_web_start(d);
	log_info("main: linelockd %s (%s) started", LL_VERSION, LL_GIT_REV);
	uv_run(d->loop, UV_RUN_DEFAULT);
	daemon_sip_close(d);	/* after a second signal's uv_stop() */
	uv_run(d->loop, UV_RUN_DEFAULT);
	daemon_web_close(d);
	uv_walk(d->loop, daemon_close_all, NULL);
	uv_run(d->loop, UV_RUN_DEFAULT);
	rc = uv_loop_close(d->loop);
	if (rc < 0)
		log_warn("main: loop closed with handles open: %s",
		    uv_strerror(rc));
	store_close(d->store);
	d->store = NULL;
	log_info("main: stopped");
	log_close();
	return 0;
}

int
main(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"config", required_argument, NULL, 'c'},
	    {"check-config", no_argument, NULL, 't'},
	    {"foreground", no_argument, NULL, 'f'},
	    {"version", no_argument, NULL, 'V'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	static struct daemon d;
	bool check_only = false;
	int c;

	while ((c = getopt_long(argc, argv, "c:tfVh", opts, NULL)) != -1) {
		switch (c) {
		case 'c': d.conf_path = optarg; break;
		case 't': check_only = true; break;
		case 'f': break;
		case 'V':
			printf("linelockd %s (%s)\n", LL_VERSION, LL_GIT_REV);
			return 0;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (!d.conf_path || optind != argc) {
		usage(stderr);
		return 2;
	}
	if (conf_load(&d.conf, d.conf_path, stderr) < 0) {
		fprintf(stderr, "linelockd: %s: configuration refused\n",
		    d.conf_path);
		return 1;
	}
	if (check_only) {
		printf("configuration OK\n");
		return 0;
	}
	log_open(d.conf.log_syslog, d.conf.log_level);
	return daemon_run(&d);
}
