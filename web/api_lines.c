/* /api/v1/lines: list and search, one line, lock, unlock, PIN reset. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <mbedtls/platform_util.h>

#include "log.h"
#include "policy/pol.h"
#include "storage/store.h"
#include "web/internal.h"

#define LINES_PAGE_DEFAULT 50
#define LINES_PAGE_MAX 200

static const char *const lock_names[] = {"none", "user", "admin", "budget"};
static const char *const action_names[] = {"inherit", "reject", "redirect"};
static const char *const tristate_names[] = {"inherit", "off", "on"};

static const char *
name_of(const char *const *names, size_t n, unsigned v)
{
	return v < n ? names[v] : "unknown";
}

cJSON *
web__line_json(const struct store_line *l)
{
	cJSON *j = cJSON_CreateObject();

	cJSON_AddStringToObject(j, "partition", l->partition);
	cJSON_AddStringToObject(j, "ext", l->ext);
	cJSON_AddStringToObject(j, "label", l->label);
	cJSON_AddBoolToObject(j, "locked", l->lock != STORE_LOCK_NONE);
	cJSON_AddStringToObject(j, "lock", name_of(lock_names,
	    ARRAY_SIZE(lock_names), l->lock));
	cJSON_AddStringToObject(j, "locked_by", l->locked_by);
	cJSON_AddStringToObject(j, "lock_source", l->lock_source);
	cJSON_AddNumberToObject(j, "locked_at", (double)l->locked_at);
	cJSON_AddBoolToObject(j, "has_pin", store_hash_is_set(&l->pin));
	cJSON_AddNumberToObject(j, "pin_blocked_until",
	    (double)l->pin_blocked_until);
	cJSON_AddStringToObject(j, "locked_action", name_of(action_names,
	    ARRAY_SIZE(action_names), l->locked_action));
	cJSON_AddStringToObject(j, "redirect_uri", l->redirect_uri);
	cJSON_AddStringToObject(j, "block_incoming", name_of(tristate_names,
	    ARRAY_SIZE(tristate_names), l->block_incoming));
	cJSON_AddNumberToObject(j, "updated", (double)l->updated);
	cJSON_AddNumberToObject(j, "class", l->cor_class);
	cJSON_AddNumberToObject(j, "afterhours_until",
	    (double)l->afterhours_until);
	cJSON_AddItemToObject(j, "budget", web__budget_json(&l->budget));
	return j;
}

/* ?partition=NAME, default partition otherwise. False: 400 sent. */
bool
web__req_partition(struct web_conn *c, struct web_req *r, char *out, size_t len)
{
	int n = web__query_get(r->query, "partition", out, len);

	if (n == -ENOENT || n == 0) {
		ll_strlcpy(out, STORE_PARTITION_DEFAULT, len);
		return true;
	}
	if (n < 0 || !store_partition_is_valid(out)) {
		web__reply_error(c, 400, "invalid", "bad partition");
		return false;
	}
	return true;
}

bool
web__req_ext(struct web_conn *c, struct web_req *r)
{
	if (!store_ext_is_valid(r->params[0])) {
		web__reply_error(c, 400, "invalid", "\"%s\" is not an "
						   "extension", r->params[0]);
		return false;
	}
	return true;
}

/* Reads a line; one without a record but with a device is unlocked. */
static int
line_read(struct store *st, struct store_line *l, const char *partition,
    const char *ext)
{
	struct store_binding b;
	int rc = store_line_get(st, l, partition, ext);

	if (rc != -ENOENT)
		return rc;
	if (store_binding_list_line(st, &b, 1, partition, ext) <= 0)
		return -ENOENT;
	store_line_defaults(l, partition, ext);
	return 0;
}

bool
web__page_limit(struct web_conn *c, struct web_req *r, unsigned dflt,
    unsigned max, unsigned *out)
{
	char buf[16];
	char *end;
	unsigned long v;
	int n = web__query_get(r->query, "limit", buf, sizeof(buf));

	*out = dflt;
	if (n == -ENOENT)
		return true;
	v = n > 0 ? strtoul(buf, &end, 10) : 0;
	if (n <= 0 || *end || v == 0 || v > max) {
		web__reply_error(c, 400, "invalid", "limit must be 1 to %u",
		    max);
		return false;
	}
	*out = (unsigned)v;
	return true;
}

void
web__h_lines_list(struct web_conn *c, struct web_req *r)
{
	struct store *st = c->srv->cfg.store;
	char q[STORE_LABEL_MAX], after[STORE_EXT_MAX];
	char part[STORE_PARTITION_MAX];
	struct store_line *lines;
	unsigned limit;
	uint64_t total = 0;
	cJSON *j, *items;
	int n;

	if (!web__page_limit(c, r, LINES_PAGE_DEFAULT, LINES_PAGE_MAX,
		&limit) ||
	    !web__req_partition(c, r, part, sizeof(part)))
		return;
	if (web__query_get(r->query, "q", q, sizeof(q)) < 0)
		q[0] = '\0';
	if (web__query_get(r->query, "after", after, sizeof(after)) < 0)
		after[0] = '\0';
	lines = calloc(limit + 1, sizeof(*lines));
	if (!lines) {
		web__reply_error(c, 503, "no_memory", "out of memory");
		return;
	}
	/* One more than asked tells whether a next page exists. */
	n = store_line_list(st, lines, limit + 1, after[0] ? part : NULL,
	    after[0] ? after : NULL, q);
	if (n < 0) {
		free(lines);
		web__reply_errno(c, n, "lines");
		return;
	}
	store_line_count(st, &total);
	j = cJSON_CreateObject();
	items = cJSON_AddArrayToObject(j, "items");
	for (int i = 0; i < n && i < (int)limit; i++)
		cJSON_AddItemToArray(items, web__line_json(&lines[i]));
	/* The cursor of the next page: after=EXT&partition=PARTITION. */
	if (n > (int)limit) {
		cJSON_AddStringToObject(j, "next", lines[limit - 1].ext);
		cJSON_AddStringToObject(j, "next_partition",
		    lines[limit - 1].partition);
	} else {
		cJSON_AddNullToObject(j, "next");
	}
	cJSON_AddNumberToObject(j, "total", (double)total);
	free(lines);
	web__reply_json(c, 200, j, NULL);
}

void
web__reply_line(struct web_conn *c, const char *partition, const char *ext)
{
	struct store_line l;
	int rc = line_read(c->srv->cfg.store, &l, partition, ext);

	if (rc < 0) {
		web__reply_errno(c, rc, "line");
		return;
	}
	web__reply_json(c, 200, web__line_json(&l), NULL);
}

void
web__h_line_get(struct web_conn *c, struct web_req *r)
{
	char part[STORE_PARTITION_MAX];

	if (!web__req_ext(c, r) ||
	    !web__req_partition(c, r, part, sizeof(part)))
		return;
	web__reply_line(c, part, r->params[0]);
}

/* Optional body {"mode": "admin"|"user"}; admin when absent. */
static bool
lock_mode(struct web_conn *c, struct web_req *r, enum store_lock *out)
{
	static const char *const fields[] = {"mode", NULL};
	const char *mode = "admin";
	cJSON *body;
	bool ok;

	*out = STORE_LOCK_ADMIN;
	if (r->body.len == 0)
		return true;
	body = web__json_body(c, r, fields);
	if (!body)
		return false;
	ok = web__json_str(c, body, "mode", false, &mode);
	if (ok && strcmp(mode, "user") == 0)
		*out = STORE_LOCK_USER;
	else if (ok && strcmp(mode, "admin") != 0) {
		web__reply_error(c, 400, "invalid", "mode must be \"admin\" "
						   "or \"user\"");
		ok = false;
	}
	cJSON_Delete(body);
	return ok;
}

void
web__h_line_lock(struct web_conn *c, struct web_req *r)
{
	char part[STORE_PARTITION_MAX];
	struct store_actor a;
	enum store_lock how;
	int rc;

	if (!web__req_ext(c, r) ||
	    !web__req_partition(c, r, part, sizeof(part)) ||
	    !lock_mode(c, r, &how))
		return;
	web__actor(&a, c, r);
	rc = store_line_lock(c->srv->cfg.store, part, r->params[0], how, &a);
	if (rc < 0) {
		web__reply_errno(c, rc, "line");
		return;
	}
	log_info("web: %s: line %s/%s locked (%s) by %s", c->peer_host, part,
	    r->params[0], lock_names[how], a.name);
	web__line_changed(c->srv, part, r->params[0], true);
	web__events_poll(c->srv);
	web__reply_line(c, part, r->params[0]);
}

void
web__h_line_unlock(struct web_conn *c, struct web_req *r)
{
	char part[STORE_PARTITION_MAX];
	struct store_line l;
	struct store_actor a;
	int rc;

	if (!web__req_ext(c, r) ||
	    !web__req_partition(c, r, part, sizeof(part)))
		return;
	rc = line_read(c->srv->cfg.store, &l, part, r->params[0]);
	if (rc < 0) {
		web__reply_errno(c, rc, "line");
		return;
	}
	web__actor(&a, c, r);
	rc = store_line_unlock(c->srv->cfg.store, part, r->params[0], true,
	    &a);
	if (rc < 0 && rc != -ENOENT) {
		web__reply_errno(c, rc, "line");
		return;
	}
	log_info("web: %s: line %s/%s unlocked by %s", c->peer_host, part,
	    r->params[0], a.name);
	web__line_changed(c->srv, part, r->params[0], false);
	web__events_poll(c->srv);
	web__reply_line(c, part, r->params[0]);
}

static bool
enum_field(struct web_conn *c, const cJSON *body, const char *name,
    const char *const *names, size_t n, uint8_t *out)
{
	const char *v = NULL;

	if (!web__json_str(c, body, name, false, &v))
		return false;
	if (!v)
		return true;
	for (size_t i = 0; i < n; i++) {
		if (strcmp(v, names[i]) == 0) {
			*out = (uint8_t)i;
			return true;
		}
	}
	web__reply_error(c, 400, "invalid", "field \"%s\": \"%.32s\" is not "
					   "allowed", name, v);
	return false;
}

/* PUT /api/v1/lines/EXT {"label", "locked_action", "redirect_uri",
 * "block_incoming"}: all optional; every value is checked before the
 * first write. */
static int
line_put_apply(struct web_conn *c, struct web_req *r, const char *part,
    const cJSON *body)
{
	struct store *st = c->srv->cfg.store;
	const char *label = NULL, *uri = NULL;
	struct store_line l;
	struct store_actor a;
	int rc;

	if (line_read(st, &l, part, r->params[0]) < 0)
		store_line_defaults(&l, part, r->params[0]);
	if (!web__json_str(c, body, "label", false, &label) ||
	    !web__json_str(c, body, "redirect_uri", false, &uri) ||
	    !enum_field(c, body, "locked_action", action_names,
		ARRAY_SIZE(action_names), &l.locked_action) ||
	    !enum_field(c, body, "block_incoming", tristate_names,
		ARRAY_SIZE(tristate_names), &l.block_incoming))
		return -EALREADY;	/* replied */
	if (label && strlen(label) >= STORE_LABEL_MAX) {
		web__reply_error(c, 400, "invalid", "label over %d bytes",
		    STORE_LABEL_MAX - 1);
		return -EALREADY;
	}
	web__actor(&a, c, r);
	rc = 0;
	if (uri || cJSON_GetObjectItem(body, "locked_action") ||
	    cJSON_GetObjectItem(body, "block_incoming"))
		rc = store_line_override_set(st, part, r->params[0],
		    (enum store_locked_action)l.locked_action,
		    uri ? uri : l.redirect_uri,
		    (enum store_tristate)l.block_incoming, &a);
	if (rc == 0 && label)
		rc = store_line_label_set(st, part, r->params[0], label, &a);
	return rc;
}

void
web__h_line_put(struct web_conn *c, struct web_req *r)
{
	static const char *const fields[] = {"label", "locked_action",
	    "redirect_uri", "block_incoming", NULL};
	char part[STORE_PARTITION_MAX];
	cJSON *body;
	int rc;

	if (!web__req_ext(c, r) ||
	    !web__req_partition(c, r, part, sizeof(part)))
		return;
	body = web__json_body(c, r, fields);
	if (!body)
		return;
	rc = line_put_apply(c, r, part, body);
	cJSON_Delete(body);
	if (rc == -EALREADY)
		return;
	if (rc < 0) {
		web__reply_errno(c, rc, "line");
		return;
	}
	web__events_poll(c->srv);
	web__reply_line(c, part, r->params[0]);
}

/* A PIN reset in flight: the hash is made off the loop. */
struct pin_work {
	uv_work_t work;
	struct web_conn *conn;
	char partition[STORE_PARTITION_MAX];
	char ext[STORE_EXT_MAX];
	char pin[POL_PIN_MAX + 1];
	struct store_actor actor;
	uint32_t iterations;
	struct store_hash hash;
	int rc;
};

static void
pin_on_work(uv_work_t *req)
{
	struct pin_work *pw = container_of(req, struct pin_work, work);

	pw->rc = store_hash_make(&pw->hash, pw->pin, pw->iterations);
	mbedtls_platform_zeroize(pw->pin, sizeof(pw->pin));
}

static void
pin_on_done(uv_work_t *req, int status)
{
	struct pin_work *pw = container_of(req, struct pin_work, work);
	struct web_conn *c = pw->conn;
	int rc = status < 0 ? -EIO : pw->rc;

	if (web__conn_work_done(c)) {
		if (rc == 0)
			rc = store_line_pin_set(c->srv->cfg.store,
			    pw->partition, pw->ext, &pw->hash, &pw->actor);
		if (rc < 0) {
			web__reply_errno(c, rc, "PIN");
		} else {
			web__events_poll(c->srv);
			web__reply_line(c, pw->partition, pw->ext);
		}
	}
	mbedtls_platform_zeroize(pw, sizeof(*pw));
	free(pw);
}

/* Body {"pin": "4711"} sets a new PIN, {"pin": null} or {} clears it. */
static int
pin_prepare(struct pin_work *pw, struct web_conn *c, struct web_req *r,
    cJSON *body)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(body, "pin");
	struct store_settings s;
	const char *why = NULL;

	if (v && !cJSON_IsNull(v) && !cJSON_IsString(v)) {
		web__reply_error(c, 400, "wrong_type", "field \"pin\" must be "
						      "a string or null");
		return -EINVAL;
	}
	if (!cJSON_IsString(v))
		return 0;
	if (pol_pin_check(v->valuestring, r->params[0], &why) < 0) {
		web__reply_error(c, 400, "weak_pin", "%s", why);
		return -EINVAL;
	}
	if (store_settings_get(c->srv->cfg.store, &s) < 0)
		store_settings_defaults(&s);
	pw->iterations = s.pin_hash_iterations;
	ll_strlcpy(pw->pin, v->valuestring, sizeof(pw->pin));
	return 1;
}

static void
pin_clear(struct web_conn *c, struct pin_work *pw)
{
	int rc = store_line_pin_set(c->srv->cfg.store, pw->partition, pw->ext,
	    NULL, &pw->actor);

	if (rc < 0) {
		web__reply_errno(c, rc, "PIN");
		return;
	}
	web__events_poll(c->srv);
	web__reply_line(c, pw->partition, pw->ext);
}

void
web__h_line_pin(struct web_conn *c, struct web_req *r)
{
	static const char *const fields[] = {"pin", NULL};
	struct pin_work *pw;
	cJSON *body;
	int rc;

	if (!web__req_ext(c, r))
		return;
	body = web__json_body(c, r, fields);
	if (!body)
		return;
	pw = calloc(1, sizeof(*pw));
	if (!pw) {
		web__reply_error(c, 503, "no_memory", "out of memory");
		goto done;
	}
	if (!web__req_partition(c, r, pw->partition, sizeof(pw->partition)))
		goto done;
	ll_strlcpy(pw->ext, r->params[0], sizeof(pw->ext));
	web__actor(&pw->actor, c, r);
	pw->conn = c;
	rc = pin_prepare(pw, c, r, body);
	if (rc == 0)
		pin_clear(c, pw);
	if (rc <= 0)
		goto done;
	if (uv_queue_work(c->srv->loop, &pw->work, pin_on_work,
		pin_on_done) < 0) {
		web__reply_error(c, 503, "busy", "cannot hash now");
		goto done;
	}
	web__conn_work_begin(c);
	pw = NULL;
done:
	web__json_wipe(body, "pin");
	mbedtls_platform_zeroize(r->body.p, r->body.len);
	cJSON_Delete(body);
	if (pw) {
		mbedtls_platform_zeroize(pw, sizeof(*pw));
		free(pw);
	}
}
