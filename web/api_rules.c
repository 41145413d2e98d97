/* The rules besides locks: a line's class of restriction, call budget
 * and after-hours override, and the authorization codes. Storage audits
 * every change; an authorization code is taken from the body only, and
 * never echoed, logged or kept past the request. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <mbedtls/platform_util.h>

#include "log.h"
#include "storage/store.h"
#include "web/internal.h"

#define AUTHCODES_MAX		256	/* listed at once */
#define BUDGET_CALLS_MAX	1000000u
#define BUDGET_MINUTES_MAX	44640u	/* 31 days, as storage allows */

static const char *const period_names[] = {"month", "day"};

cJSON *
web__budget_json(const struct store_budget *b)
{
	cJSON *j = cJSON_CreateObject();

	cJSON_AddNumberToObject(j, "calls", b->calls);
	cJSON_AddStringToObject(j, "period",
	    b->period < ARRAY_SIZE(period_names) ? period_names[b->period] :
	    "unknown");
	cJSON_AddNumberToObject(j, "minutes", b->minutes);
	cJSON_AddNumberToObject(j, "used_calls", b->used_calls);
	cJSON_AddNumberToObject(j, "used_seconds", b->used_seconds);
	cJSON_AddBoolToObject(j, "spent",
	    (b->calls || b->minutes) &&
	    store_budget_is_spent(b, (int64_t)time(NULL)));
	return j;
}

/* Replies to a finished per-line change: the line as it is now. */
static void
line_done(struct web_conn *c, int rc, const char *part, const char *ext)
{
	if (rc < 0) {
		web__reply_errno(c, rc, "line");
		return;
	}
	web__events_poll(c->srv);
	web__reply_line(c, part, ext);
}

/* PUT /api/v1/lines/EXT/class {"class": 0..8}; 0 or null: none. */
void
web__h_line_class(struct web_conn *c, struct web_req *r)
{
	static const char *const fields[] = {"class", NULL};
	char part[STORE_PARTITION_MAX];
	const cJSON *v;
	struct store_actor a;
	uint64_t cls = STORE_CLASS_NONE;
	cJSON *body;
	int rc;

	if (!web__req_ext(c, r) ||
	    !web__req_partition(c, r, part, sizeof(part)))
		return;
	body = web__json_body(c, r, fields);
	if (!body)
		return;
	v = cJSON_GetObjectItemCaseSensitive(body, "class");
	if (!v) {
		web__reply_error(c, 400, "missing_field", "field \"class\" "
							 "is required");
		goto out;
	}
	if (!cJSON_IsNull(v) && !web__json_uint(c, body, "class", true,
	    STORE_CLASS_COUNT, &cls))
		goto out;
	web__actor(&a, c, r);
	rc = store_line_class_set(c->srv->cfg.store, part, r->params[0],
	    (uint8_t)cls, &a);
	line_done(c, rc, part, r->params[0]);
out:
	cJSON_Delete(body);
}

/* PUT /api/v1/lines/EXT/budget {"calls", "period", "minutes"}: every
 * field optional, absent ones keep their value; all limits 0 removes the
 * budget. */
void
web__h_line_budget(struct web_conn *c, struct web_req *r)
{
	static const char *const fields[] = {"calls", "period", "minutes",
	    NULL};
	char part[STORE_PARTITION_MAX];
	struct store_line l;
	struct store_actor a;
	const char *period = NULL;
	uint64_t calls, minutes;
	uint8_t per;
	cJSON *body;
	int rc;

	if (!web__req_ext(c, r) ||
	    !web__req_partition(c, r, part, sizeof(part)))
		return;
	body = web__json_body(c, r, fields);
	if (!body)
		return;
	if (store_line_get(c->srv->cfg.store, &l, part, r->params[0]) < 0)
		store_line_defaults(&l, part, r->params[0]);
	calls = l.budget.calls;
	minutes = l.budget.minutes;
	per = l.budget.period;
	if (!web__json_uint(c, body, "calls", false, BUDGET_CALLS_MAX,
	    &calls) ||
	    !web__json_uint(c, body, "minutes", false, BUDGET_MINUTES_MAX,
	    &minutes) ||
	    !web__json_str(c, body, "period", false, &period))
		goto out;
	if (period && strcmp(period, "day") == 0) {
		per = STORE_PERIOD_DAY;
	} else if (period && strcmp(period, "month") == 0) {
		per = STORE_PERIOD_MONTH;
	} else if (period) {
		web__reply_error(c, 400, "invalid", "period must be \"day\" "
						   "or \"month\"");
		goto out;
	}
	web__actor(&a, c, r);
	rc = store_line_budget_set(c->srv->cfg.store, part, r->params[0],
	    (uint32_t)calls, (enum store_budget_period)per, (uint32_t)minutes,
	    &a);
	line_done(c, rc, part, r->params[0]);
out:
	cJSON_Delete(body);
}

/* POST /api/v1/lines/EXT/budget/reset: clears the used counters and
 * lifts a budget lock, which the line's phones are told of. */
void
web__h_line_budget_reset(struct web_conn *c, struct web_req *r)
{
	char part[STORE_PARTITION_MAX];
	struct store_line l;
	struct store_actor a;
	bool was_spent;
	int rc;

	if (!web__req_ext(c, r) ||
	    !web__req_partition(c, r, part, sizeof(part)))
		return;
	rc = store_line_get(c->srv->cfg.store, &l, part, r->params[0]);
	if (rc < 0) {
		web__reply_errno(c, rc, "line");
		return;
	}
	was_spent = l.lock == STORE_LOCK_BUDGET;
	web__actor(&a, c, r);
	rc = store_line_budget_reset(c->srv->cfg.store, part, r->params[0],
	    &a);
	if (rc == 0 && was_spent)
		web__line_changed(c->srv, part, r->params[0], false);
	line_done(c, rc, part, r->params[0]);
}

/* DELETE /api/v1/lines/EXT/afterhours: ends a *74 override now. */
void
web__h_line_afterhours_clear(struct web_conn *c, struct web_req *r)
{
	char part[STORE_PARTITION_MAX];
	struct store_line l;
	struct store_actor a;
	int rc;

	if (!web__req_ext(c, r) ||
	    !web__req_partition(c, r, part, sizeof(part)))
		return;
	rc = store_line_get(c->srv->cfg.store, &l, part, r->params[0]);
	if (rc == 0 && l.afterhours_until != 0) {
		web__actor(&a, c, r);
		rc = store_line_afterhours_set(c->srv->cfg.store, part,
		    r->params[0], 0, &a);
	}
	line_done(c, rc, part, r->params[0]);
}

static cJSON *
authcode_json(const struct store_authcode *ac)
{
	cJSON *j = cJSON_CreateObject();

	cJSON_AddStringToObject(j, "name", ac->name);
	cJSON_AddNumberToObject(j, "class", ac->cor_class);
	cJSON_AddNumberToObject(j, "created", (double)ac->created);
	cJSON_AddStringToObject(j, "created_by", ac->created_by);
	return j;
}

/* GET /api/v1/authcodes: names, classes and who made them; the codes
 * themselves cannot be read back (storage keeps a keyed hash). */
void
web__h_authcodes_list(struct web_conn *c, struct web_req *r)
{
	struct store_authcode *codes;
	cJSON *j, *items;
	int n;

	(void)r;
	codes = calloc(AUTHCODES_MAX, sizeof(*codes));
	if (!codes) {
		web__reply_error(c, 503, "no_memory", "out of memory");
		return;
	}
	n = store_authcode_list(c->srv->cfg.store, codes, AUTHCODES_MAX);
	if (n < 0) {
		free(codes);
		web__reply_errno(c, n, "authorization codes");
		return;
	}
	j = cJSON_CreateObject();
	items = cJSON_AddArrayToObject(j, "items");
	for (int i = 0; i < n; i++)
		cJSON_AddItemToArray(items, authcode_json(&codes[i]));
	free(codes);
	web__reply_json(c, 200, j, NULL);
}

/* Checks the fields of an add; false with a 400 sent. */
static bool
authcode_fields(struct web_conn *c, const cJSON *body, const char **name,
    const char **code, uint64_t *cls)
{
	if (!web__json_str(c, body, "name", true, name) ||
	    !web__json_str(c, body, "code", true, code) ||
	    !web__json_uint(c, body, "class", false, STORE_CLASS_COUNT, cls))
		return false;
	if (!**name || strlen(*name) >= STORE_AUTHCODE_NAME_MAX ||
	    strspn(*name, "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
	    "abcdefghijklmnopqrstuvwxyz_.-") != strlen(*name)) {
		web__reply_error(c, 400, "invalid", "name: 1 to %d of "
		    "[0-9A-Za-z_.-]", STORE_AUTHCODE_NAME_MAX - 1);
		return false;
	}
	if (!store_authcode_is_valid(*code)) {
		web__reply_error(c, 400, "invalid", "code: %d to %d digits",
		    STORE_AUTHCODE_MIN, STORE_AUTHCODE_MAX);
		return false;
	}
	return true;
}

/* POST /api/v1/authcodes {"name", "code", "class"}: class 0 (or absent)
 * grants every class. The reply names the code, never repeats it. */
void
web__h_authcode_add(struct web_conn *c, struct web_req *r)
{
	static const char *const fields[] = {"name", "code", "class", NULL};
	struct store_authcode ac = {0};
	const char *name = NULL, *code = NULL;
	struct store_actor a;
	uint64_t cls = STORE_CLASS_NONE;
	cJSON *body;
	int rc;

	body = web__json_body(c, r, fields);
	if (!body)
		goto wipe;
	if (!authcode_fields(c, body, &name, &code, &cls))
		goto out;
	web__actor(&a, c, r);
	rc = store_authcode_add(c->srv->cfg.store, name, (uint8_t)cls, code,
	    &a);
	if (rc == -EEXIST) {
		web__reply_error(c, 409, "exists", "that name or code is "
						  "taken");
		goto out;
	}
	if (rc < 0) {
		web__reply_errno(c, rc, "authorization code");
		goto out;
	}
	log_info("web: %s: authorization code \"%s\" added by %s",
	    c->peer_host, name, a.name);
	ll_strlcpy(ac.name, name, sizeof(ac.name));
	ac.cor_class = (uint8_t)cls;
	ac.created = (int64_t)time(NULL);
	ll_strlcpy(ac.created_by, a.name, sizeof(ac.created_by));
	web__events_poll(c->srv);
	web__reply_json(c, 201, authcode_json(&ac), NULL);
out:
	web__json_wipe(body, "code");
	cJSON_Delete(body);
wipe:
	mbedtls_platform_zeroize(r->body.p, r->body.len);
}

/* DELETE /api/v1/authcodes/NAME */
void
web__h_authcode_del(struct web_conn *c, struct web_req *r)
{
	struct store_actor a;
	int rc;

	web__actor(&a, c, r);
	rc = store_authcode_del(c->srv->cfg.store, r->params[0], &a);
	if (rc == -EINVAL) {
		web__reply_error(c, 400, "invalid", "\"%s\" is not a code "
						   "name", r->params[0]);
		return;
	}
	if (rc < 0) {
		web__reply_errno(c, rc, "authorization code");
		return;
	}
	log_info("web: %s: authorization code \"%s\" deleted by %s",
	    c->peer_host, r->params[0], a.name);
	web__events_poll(c->srv);
	web__reply(c, 204, "text/plain", "Cache-Control: no-store\r\n", "",
	    0);
}
