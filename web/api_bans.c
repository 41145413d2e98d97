/* The guard's API (CONFIG_GUARD): /api/v1/bans, address bans (list, ban
 * by hand, lift), and /api/v1/devices/pins, device-to-IP pins (list, pin,
 * unlock, unpin). Both are storage's records; a change made here reaches
 * the B2BUA and sip/ through hooks.bans_changed at once. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "log.h"
#include "storage/store.h"
#include "web/internal.h"

#define BAN_DEFAULT_S 3600u
#define BAN_MAX_S 31536000u	/* a year; 0 means until lifted */

/* A bare IPv4 or IPv6 address (no port, no brackets) into out. */
static int
ban_addr_parse(const char *text, struct sockaddr_storage *out)
{
	struct sockaddr_in *a4 = (struct sockaddr_in *)out;
	struct sockaddr_in6 *a6 = (struct sockaddr_in6 *)out;

	memset(out, 0, sizeof(*out));
	if (inet_pton(AF_INET, text, &a4->sin_addr) == 1) {
		a4->sin_family = AF_INET;
		return 0;
	}
	if (IS_ENABLED(CONFIG_IPV6) &&
	    inet_pton(AF_INET6, text, &a6->sin6_addr) == 1) {
		a6->sin6_family = AF_INET6;
		return 0;
	}
	return -EINVAL;
}

static cJSON *
ban_json(const struct store_ban *b, int64_t now)
{
	cJSON *j = cJSON_CreateObject();
	char host[NET_ADDRSTRLEN];

	net_host_str((const struct sockaddr *)&b->addr, host, sizeof(host));
	cJSON_AddStringToObject(j, "ip", host);
	cJSON_AddNumberToObject(j, "since", (double)b->since);
	if (b->until)
		cJSON_AddNumberToObject(j, "until", (double)b->until);
	else
		cJSON_AddNullToObject(j, "until");
	cJSON_AddBoolToObject(j, "active", store_ban_is_active(b, now));
	cJSON_AddNumberToObject(j, "strikes", b->strikes);
	cJSON_AddStringToObject(j, "reason", b->reason);
	cJSON_AddStringToObject(j, "actor", b->actor);
	return j;
}

struct ban_listing {
	cJSON *items;
	int64_t now;
	bool all;
};

static int
ban_list_one(const struct store_ban *b, void *arg)
{
	struct ban_listing *l = arg;

	if (l->all || store_ban_is_active(b, l->now))
		cJSON_AddItemToArray(l->items, ban_json(b, l->now));
	return 0;
}

/* GET /api/v1/bans[?all=1]: bans in force (all: also those run out
 * whose strikes are still remembered), in address order. */
void
web__h_bans_list(struct web_conn *c, struct web_req *r)
{
	struct ban_listing l = {NULL, (int64_t)time(NULL), false};
	uint64_t all;
	cJSON *j;
	int rc;

	if (!web__query_u64(c, r, "all", &all))
		return;
	l.all = all != 0;
	j = cJSON_CreateObject();
	l.items = cJSON_AddArrayToObject(j, "bans");
	rc = store_ban_each(c->srv->cfg.store, ban_list_one, &l);
	if (rc < 0) {
		cJSON_Delete(j);
		web__reply_errno(c, rc, "bans");
		return;
	}
	web__reply_json(c, 200, j, NULL);
}

static void
bans_changed(struct web *w)
{
	if (w->hooks.bans_changed)
		w->hooks.bans_changed(w->hooks.arg);
	web__events_poll(w);
}

/* POST /api/v1/bans {"ip", "duration" (seconds, 0: until lifted;
 * default 3600), "reason"}: 201 with the ban. */
void
web__h_ban_add(struct web_conn *c, struct web_req *r)
{
	static const char *const fields[] = {"ip", "duration", "reason",
	    NULL};
	const char *ip = NULL, *reason = "banned by an administrator";
	uint64_t secs = BAN_DEFAULT_S;
	struct sockaddr_storage sa;
	struct store_actor a;
	struct store_ban b;
	cJSON *body = web__json_body(c, r, fields);
	int rc;

	if (!body)
		return;
	if (!web__json_str(c, body, "ip", true, &ip) ||
	    !web__json_uint(c, body, "duration", false, BAN_MAX_S, &secs) ||
	    !web__json_str(c, body, "reason", false, &reason))
		goto out;
	if (ban_addr_parse(ip, &sa) < 0) {
		web__reply_error(c, 400, "invalid", "\"ip\" must be an IP "
						   "address");
		goto out;
	}
	if (strlen(reason) >= STORE_BAN_REASON_MAX) {
		web__reply_error(c, 400, "invalid", "\"reason\" is longer "
						   "than %d characters",
		    STORE_BAN_REASON_MAX - 1);
		goto out;
	}
	web__actor(&a, c, r);
	rc = store_ban_put(c->srv->cfg.store, (struct sockaddr *)&sa,
	    (int64_t)time(NULL), (uint32_t)secs, reason, &a, &b);
	if (rc < 0) {
		web__reply_errno(c, rc, "ban");
		goto out;
	}
	log_info("web: %s: %s banned for %llu s by %s", c->peer_host, ip,
	    (unsigned long long)secs, a.name);
	bans_changed(c->srv);
	web__reply_json(c, 201, ban_json(&b, (int64_t)time(NULL)), NULL);
out:
	cJSON_Delete(body);
}

/* DELETE /api/v1/bans/IP: 204, 404 when the address has no record. */
void
web__h_ban_del(struct web_conn *c, struct web_req *r)
{
	struct sockaddr_storage sa;
	struct store_actor a;
	int rc;

	if (ban_addr_parse(r->params[0], &sa) < 0) {
		web__reply_error(c, 400, "invalid", "\"%s\" is not an IP "
						   "address", r->params[0]);
		return;
	}
	web__actor(&a, c, r);
	rc = store_ban_del(c->srv->cfg.store, (struct sockaddr *)&sa, &a);
	if (rc < 0) {
		web__reply_errno(c, rc, "ban");
		return;
	}
	log_info("web: %s: ban of %s lifted by %s", c->peer_host,
	    r->params[0], a.name);
	bans_changed(c->srv);
	web__reply(c, 204, "text/plain", "Cache-Control: no-store\r\n", "",
	    0);
}

/* ---- device pins: /api/v1/devices/pins ------------------------------ */

static cJSON *
devpin_json(const struct store_devpin *p)
{
	cJSON *j = cJSON_CreateObject();
	char net[64];

	store_cidr_str(&p->allowed, net, sizeof(net));
	cJSON_AddStringToObject(j, "id", p->id);
	cJSON_AddStringToObject(j, "allowed", net);
	cJSON_AddBoolToObject(j, "locked", p->locked);
	if (p->locked) {
		cJSON_AddNumberToObject(j, "locked_at", (double)p->locked_at);
		cJSON_AddStringToObject(j, "seen", p->seen);
	}
	cJSON_AddStringToObject(j, "by", p->by);
	return j;
}

#define DEVPIN_PAGE_MAX 1000

/* GET /api/v1/devices/pins: every pinned device, in id order. */
void
web__h_devpins_list(struct web_conn *c, struct web_req *r)
{
	struct store_devpin *p = calloc(DEVPIN_PAGE_MAX, sizeof(*p));
	cJSON *j, *items;
	int n;

	(void)r;
	if (!p) {
		web__reply_error(c, 503, "no_memory", "out of memory");
		return;
	}
	n = store_devpin_list(c->srv->cfg.store, p, DEVPIN_PAGE_MAX);
	if (n < 0) {
		free(p);
		web__reply_errno(c, n, "device pins");
		return;
	}
	j = cJSON_CreateObject();
	items = cJSON_AddArrayToObject(j, "items");
	for (int i = 0; i < n; i++)
		cJSON_AddItemToArray(items, devpin_json(&p[i]));
	free(p);
	web__reply_json(c, 200, j, NULL);
}

static void
devpin_reply(struct web_conn *c, const char *id, int code)
{
	struct store_devpin p;
	int rc = store_devpin_get(c->srv->cfg.store, &p, id);

	if (rc < 0) {
		web__reply_errno(c, rc, "device pin");
		return;
	}
	bans_changed(c->srv);
	web__reply_json(c, code, devpin_json(&p), NULL);
}

/* PUT /api/v1/devices/pins/ID {"allowed": "ADDR[/PREFIX]"}: pins the
 * device (unlocked). 200 with the pin. */
void
web__h_devpin_put(struct web_conn *c, struct web_req *r)
{
	static const char *const fields[] = {"allowed", NULL};
	const char *net = NULL;
	struct net_cidr cidr;
	struct store_actor a;
	cJSON *body = web__json_body(c, r, fields);
	int rc;

	if (!body)
		return;
	if (!web__json_str(c, body, "allowed", true, &net))
		goto out;
	if (net_cidr_parse(net, &cidr) < 0) {
		web__reply_error(c, 400, "invalid", "\"allowed\" must be an "
						   "address or CIDR");
		goto out;
	}
	web__actor(&a, c, r);
	rc = store_devpin_set(c->srv->cfg.store, r->params[0], &cidr, &a);
	if (rc < 0) {
		web__reply_errno(c, rc, "device pin");
		goto out;
	}
	log_info("web: %s: device %s pinned to %s by %s", c->peer_host,
	    r->params[0], net, a.name);
	devpin_reply(c, r->params[0], 200);
out:
	cJSON_Delete(body);
}

/* POST /api/v1/devices/pins/ID/unlock: 200 with the pin. */
void
web__h_devpin_unlock(struct web_conn *c, struct web_req *r)
{
	struct store_actor a;
	int rc;

	web__actor(&a, c, r);
	rc = store_devpin_unlock(c->srv->cfg.store, r->params[0], &a);
	if (rc < 0) {
		web__reply_errno(c, rc, "device pin");
		return;
	}
	log_info("web: %s: device %s unlocked by %s", c->peer_host,
	    r->params[0], a.name);
	devpin_reply(c, r->params[0], 200);
}

/* DELETE /api/v1/devices/pins/ID: 204. */
void
web__h_devpin_del(struct web_conn *c, struct web_req *r)
{
	struct store_actor a;
	int rc;

	web__actor(&a, c, r);
	rc = store_devpin_del(c->srv->cfg.store, r->params[0], &a);
	if (rc < 0) {
		web__reply_errno(c, rc, "device pin");
		return;
	}
	bans_changed(c->srv);
	web__reply(c, 204, "text/plain", "Cache-Control: no-store\r\n", "",
	    0);
}
