/* Lock and unlock by the line's own user with its PIN: the self-service
 * page and the phones' XML services. PINs are checked off the loop and
 * throttled like the feature codes: the line's failed-PIN counters, plus
 * a counter per source address so that one client cannot sweep lines. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <mbedtls/platform_util.h>

#include "log.h"
#include "policy/pol.h"
#include "storage/store.h"
#include "web/internal.h"

#define SELF_IP_MAX 20
#define SELF_IP_WINDOW_S 900
#define SELF_IP_BLOCK_S 900

/* One PIN check in flight; owns copies of everything it needs. */
struct pin_check {
	uv_work_t work;
	struct web_conn *conn;
	web_pin_done_fn done;
	struct web_line_ref line;
	char pin[POL_PIN_MAX + 1];
	struct store_hash hash;
	struct store_actor actor;
	bool lock;
	bool ok;
};

static void
ip_key(char *out, size_t len, const struct web_conn *c)
{
	snprintf(out, len, "self-ip:%s", c->peer_host);
}

static bool
pin_text_ok(const char *pin)
{
	size_t n = strlen(pin);

	if (n == 0 || n > POL_PIN_MAX)
		return false;
	for (const char *p = pin; *p; p++)
		if (*p < '0' || *p > '9')
			return false;
	return true;
}

static void
pin_on_work(uv_work_t *req)
{
	struct pin_check *pc = container_of(req, struct pin_check, work);

	pc->ok = store_hash_verify(&pc->hash, pc->pin);
	mbedtls_platform_zeroize(pc->pin, sizeof(pc->pin));
}

static int
pin_wrong(struct web_conn *c, struct pin_check *pc)
{
	struct store *st = c->srv->cfg.store;
	int64_t now = time(NULL), until = 0;
	char key[80], line[STORE_PARTITION_MAX + STORE_EXT_MAX];

	ip_key(key, sizeof(key), c);
	store_throttle_fail(st, key, now, SELF_IP_MAX, SELF_IP_WINDOW_S,
	    SELF_IP_BLOCK_S, NULL);
	/* Counted on the line named, in its partition: a wrong PIN for
	 * siteB's 201 never blocks siteA's. */
	store_line_pin_fail(st, pc->line.partition, pc->line.ext, now, &until,
	    &pc->actor);
	web__line_ref_str(&pc->line, line, sizeof(line));
	log_info("web: %s: wrong PIN for line %s", c->peer_host, line);
	return until > now ? -EBUSY : -EACCES;
}

static int
pin_apply(struct web_conn *c, struct pin_check *pc, struct store_line *l)
{
	struct store *st = c->srv->cfg.store;
	const char *part = pc->line.partition, *ext = pc->line.ext;
	char line[STORE_PARTITION_MAX + STORE_EXT_MAX];
	int rc;

	store_line_pin_ok(st, part, ext, &pc->actor);
	if (pc->lock)
		rc = store_line_lock(st, part, ext, STORE_LOCK_USER,
		    &pc->actor);
	else
		rc = store_line_unlock(st, part, ext, false, &pc->actor);
	if (rc < 0)
		return rc;
	web__line_ref_str(&pc->line, line, sizeof(line));
	log_info("web: %s: line %s %s by its user (%s)", c->peer_host, line,
	    pc->lock ? "locked" : "unlocked", pc->actor.name);
	web__line_changed(c->srv, part, ext, pc->lock);
	web__events_poll(c->srv);
	return store_line_get(st, l, part, ext);
}

static void
pin_on_done(uv_work_t *req, int status)
{
	struct pin_check *pc = container_of(req, struct pin_check, work);
	struct web_conn *c = pc->conn;
	struct store_line l;
	int rc;

	if (web__conn_work_done(c)) {
		if (status < 0)
			rc = -EIO;
		else if (!pc->ok)
			rc = pin_wrong(c, pc);
		else
			rc = pin_apply(c, pc, &l);
		pc->done(c, rc, rc == 0 ? &l : NULL);
	}
	mbedtls_platform_zeroize(pc, sizeof(*pc));
	free(pc);
}

/* Reads the line and refuses early what needs no PIN check. */
static int
pin_precheck(struct web_conn *c, const struct web_line_ref *line,
    struct store_line *l)
{
	struct store *st = c->srv->cfg.store;
	struct store_throttle t = {0};
	int64_t now = time(NULL);
	char key[80];
	int rc;

	ip_key(key, sizeof(key), c);
	store_throttle_get(st, &t, key);
	if (t.blocked_until > now)
		return -EBUSY;
	rc = store_line_get(st, l, line->partition, line->ext);
	if (rc < 0)
		return rc;
	if (!store_hash_is_set(&l->pin))
		return -ENOKEY;
	if (store_line_pin_is_blocked(l, now))
		return -EBUSY;
	return 0;
}

int
web__pin_action(struct web_conn *c, const char *via,
    const struct web_line_ref *line, const char *pin, bool lock,
    web_pin_done_fn done)
{
	char name[STORE_PARTITION_MAX + STORE_EXT_MAX];
	struct store_line l;
	struct pin_check *pc;
	int rc;

	if (!store_ext_is_valid(line->ext) || !pin_text_ok(pin))
		return -EINVAL;
	rc = pin_precheck(c, line, &l);
	if (rc < 0)
		return rc;
	pc = calloc(1, sizeof(*pc));
	if (!pc)
		return -ENOMEM;
	pc->conn = c;
	pc->done = done;
	pc->lock = lock;
	pc->hash = l.pin;
	pc->line = *line;
	ll_strlcpy(pc->pin, pin, sizeof(pc->pin));
	web__line_ref_str(line, name, sizeof(name));
	/* "self:siteB/201"; the audit subject names the line in full too,
	 * so a name too long for the actor keeps just the extension. */
	rc = snprintf(pc->actor.name, sizeof(pc->actor.name), "%s:%s", via,
	    name);
	if (rc < 0 || (size_t)rc >= sizeof(pc->actor.name))
		snprintf(pc->actor.name, sizeof(pc->actor.name), "%s:%s", via,
		    line->ext);
	ll_strlcpy(pc->actor.source, c->peer_host, sizeof(pc->actor.source));
	mbedtls_platform_zeroize(&l, sizeof(l));
	rc = uv_queue_work(c->srv->loop, &pc->work, pin_on_work, pin_on_done);
	if (rc < 0) {
		mbedtls_platform_zeroize(pc, sizeof(*pc));
		free(pc);
		return -ENOMEM;
	}
	web__conn_work_begin(c);
	return 0;
}

const char *
web__pin_strerror(int err)
{
	switch (err) {
	case -EINVAL: return "Enter your extension (201 or 201@domain) "
			      "and a PIN of digits.";
	case -ENOENT: return "Unknown line.";
	case -ENXIO: return "Unknown site or domain.";
	case -EDOM: return "That domain is another site's than the one "
			   "picked.";
	case -ENOKEY: return "This line has no PIN: ask your administrator.";
	case -EBUSY: return "Too many wrong PINs: try again later.";
	case -EACCES: return "Wrong PIN.";
	case -EPERM: return "Locked by the administrator: only an "
			    "administrator can unlock it.";
	default: return "Internal error.";
	}
}

/* The self-service page's JSON API. */

static void
self_reply(struct web_conn *c, int err, const struct store_line *l)
{
	static const struct {
		int err, status;
		const char *code;
	} map[] = {
	    {-EINVAL, 400, "invalid"}, {-ENOENT, 404, "not_found"},
	    {-ENXIO, 404, "unknown_partition"},
	    {-EDOM, 400, "partition_mismatch"},
	    {-ENOKEY, 409, "no_pin"}, {-EBUSY, 429, "throttled"},
	    {-EACCES, 403, "wrong_pin"}, {-EPERM, 403, "admin_lock"},
	};
	cJSON *j;

	if (err == 0) {
		j = cJSON_CreateObject();
		cJSON_AddStringToObject(j, "ext", l->ext);
		cJSON_AddStringToObject(j, "partition", l->partition);
		cJSON_AddBoolToObject(j, "locked", l->lock != STORE_LOCK_NONE);
		web__reply_json(c, 200, j, NULL);
		return;
	}
	for (size_t i = 0; i < ARRAY_SIZE(map); i++) {
		if (map[i].err == err) {
			web__reply_error(c, map[i].status, map[i].code, "%s",
			    web__pin_strerror(err));
			return;
		}
	}
	web__reply_error(c, 500, "internal", "%s", web__pin_strerror(err));
}

static void
self_action(struct web_conn *c, struct web_req *r, bool lock)
{
	static const char *const fields[] = {"ext", "pin", "partition", NULL};
	const char *ext = NULL, *pin = NULL, *part = NULL;
	cJSON *body = web__json_body(c, r, fields);
	struct web_line_ref line;
	int rc;

	if (!body)
		return;
	/* "ext" is "201" or "201@DOMAIN"; "partition" is the page's
	 * picker, absent on a site without [partitions]. */
	if (web__json_str(c, body, "ext", true, &ext) &&
	    web__json_str(c, body, "pin", true, &pin) &&
	    web__json_str(c, body, "partition", false, &part)) {
		rc = web__line_ref(&line, &c->srv->cfg, ext, part,
		    (const struct sockaddr *)&c->peer, true);
		if (rc == 0)
			rc = web__pin_action(c, "self", &line, pin, lock,
			    self_reply);
		if (rc < 0)
			self_reply(c, rc, NULL);
	}
	web__json_wipe(body, "pin");
	mbedtls_platform_zeroize(r->body.p, r->body.len);
	cJSON_Delete(body);
}

void
web__h_self_lock(struct web_conn *c, struct web_req *r)
{
	self_action(c, r, true);
}

void
web__h_self_unlock(struct web_conn *c, struct web_req *r)
{
	self_action(c, r, false);
}

/* GET /self/partitions: what the page's picker offers, the listed
 * partitions with their domains, then "default"; an empty list on a
 * site without [partitions] (the page then shows no picker). */
void
web__h_self_partitions(struct web_conn *c, struct web_req *r)
{
	const struct web_config *cfg = &c->srv->cfg;
	cJSON *j = cJSON_CreateObject(), *a, *p, *d;

	(void)r;
	a = cJSON_AddArrayToObject(j, "partitions");
	for (unsigned i = 0; a && i < cfg->n_partitions; i++) {
		p = cJSON_CreateObject();
		cJSON_AddItemToArray(a, p);
		cJSON_AddStringToObject(p, "name", cfg->partitions[i].name);
		d = cJSON_AddArrayToObject(p, "domains");
		for (unsigned k = 0; d && k < cfg->partitions[i].n_domains;
		    k++)
			cJSON_AddItemToArray(d, cJSON_CreateString(
			    cfg->partitions[i].domains[k]));
	}
	if (a && cfg->n_partitions > 0) {
		p = cJSON_CreateObject();
		cJSON_AddItemToArray(a, p);
		cJSON_AddStringToObject(p, "name", STORE_PARTITION_DEFAULT);
		cJSON_AddArrayToObject(p, "domains");
	}
	web__reply_json(c, 200, j, NULL);
}
