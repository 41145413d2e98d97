/* The server's life: web_new() opens TLS, the admin account and the
 * listener; web_close() undoes it; a 1 s tick drives the live feed. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "netaddr.h"
#include "web/internal.h"

struct web *web__current;

void
web__srv_unref(struct web *w)
{
	if (--w->handles_open > 0)
		return;
	web__tls_srv_free(w->tls);
	free(w);
}

static void
srv_on_closed(uv_handle_t *h)
{
	web__srv_unref(h->data);
}

static void
srv_on_tick(uv_timer_t *t)
{
	struct web *w = container_of(t, struct web, tick);

	w->tick_count++;
	web__events_tick(w);
}

static void
srv_copy_config(struct web *w, const struct web_config *cfg)
{
	w->cfg = *cfg;
	ll_strlcpy(w->data_dir, cfg->data_dir ? cfg->data_dir : ".",
	    sizeof(w->data_dir));
	ll_strlcpy(w->tls_cert, cfg->tls_cert ? cfg->tls_cert : "",
	    sizeof(w->tls_cert));
	ll_strlcpy(w->tls_key, cfg->tls_key ? cfg->tls_key : "",
	    sizeof(w->tls_key));
	w->cfg.data_dir = w->data_dir;
	w->cfg.tls_cert = w->tls_cert;
	w->cfg.tls_key = w->tls_key;
	if (!w->cfg.max_connections)
		w->cfg.max_connections = 64;
	if (!w->cfg.header_timeout_ms)
		w->cfg.header_timeout_ms = 10000;
	if (!w->cfg.idle_timeout_ms)
		w->cfg.idle_timeout_ms = 60000;
	if (!w->cfg.session_idle_s)
		w->cfg.session_idle_s = 30 * 60;
	if (!w->cfg.session_max_s)
		w->cfg.session_max_s = 12 * 3600;
}

static int
srv_start(struct web *w)
{
	char addr[NET_ADDRSTRLEN];
	int rc;

	if (w->cfg.tls && IS_ENABLED(CONFIG_TLS)) {
		rc = web__tls_srv_new(&w->tls, w);
		if (rc < 0)
			return rc;
	}
	rc = web__admin_bootstrap(w);
	if (rc < 0)
		return rc;
	web__events_init(w);
	rc = uv_timer_init(w->loop, &w->tick);
	if (rc < 0)
		return rc;
	w->handles_open++;
	uv_timer_start(&w->tick, srv_on_tick, 1000, 1000);
	uv_unref((uv_handle_t *)&w->tick);
	rc = web__listen(w);
	if (rc < 0) {
		log_error("web: cannot listen on %s: %s",
		    net_addr_str((struct sockaddr *)&w->cfg.listen, addr,
			sizeof(addr)), uv_strerror(rc));
		return rc;
	}
	{
		struct sockaddr_storage ss;
		int len = sizeof(ss);

		/* The bound address: port 0 in the config picks one. */
		if (uv_tcp_getsockname(&w->listener, (struct sockaddr *)&ss,
			&len) < 0)
			ss = w->cfg.listen;
		log_info("web: console on %s://%s/",
		    w->tls ? "https" : "http",
		    net_addr_str((struct sockaddr *)&ss, addr, sizeof(addr)));
	}
	return 0;
}

int
web_new(struct web **out, uv_loop_t *loop, const struct web_config *cfg,
    const struct web_hooks *hooks)
{
	struct web *w;
	int rc;

	if (!cfg->store)
		return -EINVAL;
	w = calloc(1, sizeof(*w));
	if (!w)
		return -ENOMEM;
	w->loop = loop;
	srv_copy_config(w, cfg);
	if (hooks)
		w->hooks = *hooks;
	w->started_ms = ll_now_ms();
	w->listener.data = w;
	w->tick.data = w;
	rc = srv_start(w);
	if (rc < 0) {
		/* Handles opened so far close; the last frees w. */
		w->closing = true;
		if (w->handles_open == 0) {
			web__tls_srv_free(w->tls);
			free(w);
		} else {
			web_close(w);
		}
		return rc;
	}
	web__current = w;
	*out = w;
	return 0;
}

void
web_close(struct web *w)
{
	if (!w)
		return;
	if (web__current == w)
		web__current = NULL;
	w->closing = true;
	web__close_conns(w);
	if (w->tick.type == UV_TIMER &&
	    !uv_is_closing((uv_handle_t *)&w->tick))
		uv_close((uv_handle_t *)&w->tick, srv_on_closed);
	if (w->listener.type == UV_TCP &&
	    !uv_is_closing((uv_handle_t *)&w->listener))
		uv_close((uv_handle_t *)&w->listener, srv_on_closed);
}
