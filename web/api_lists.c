/* /api/v1/settings and the number lists (/api/v1/lists/NAME, and the
 * older /api/v1/emergency and /api/v1/allowlist): read and replace,
 * validated whole before anything is written. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "policy/pol.h"
#include "storage/store.h"
#include "web/internal.h"

enum setting_type { SET_STRING = 0, SET_BOOL, SET_NUMBER };

/* JSON types of the settings whose text form is not a plain string. */
static const struct {
	const char *key;
	enum setting_type type;
} setting_types[] = {
	{"block_incoming", SET_BOOL},
	{"notify_on_lock", SET_BOOL},
	{"incoming_locked_code", SET_NUMBER},
	{"pin_max_failures", SET_NUMBER},
	{"pin_fail_window", SET_NUMBER},
	{"pin_block_seconds", SET_NUMBER},
	{"pin_hash_iterations", SET_NUMBER},
	{"block_anonymous", SET_BOOL},
	{"blocked_code", SET_NUMBER},
	{"anonymous_code", SET_NUMBER},
	{"afterhours_override_minutes", SET_NUMBER},
};

static enum setting_type
setting_type(const char *key)
{
	for (size_t i = 0; i < ARRAY_SIZE(setting_types); i++)
		if (strcmp(setting_types[i].key, key) == 0)
			return setting_types[i].type;
	return SET_STRING;
}

static bool
text_is_true(const char *v)
{
	return strcmp(v, "on") == 0 || strcmp(v, "yes") == 0 ||
	       strcmp(v, "true") == 0 || strcmp(v, "1") == 0;
}

static cJSON *
settings_json(const struct store_settings *s)
{
	cJSON *j = cJSON_CreateObject();
	const struct store_setting_info *info;
	char buf[STORE_SETTING_MAX];

	for (size_t i = 0; (info = store_setting_info(i)); i++) {
		if (store_setting_format(s, info->key, buf, sizeof(buf)) < 0)
			continue;
		switch (setting_type(info->key)) {
		case SET_BOOL:
			cJSON_AddBoolToObject(j, info->key, text_is_true(buf));
			break;
		case SET_NUMBER:
			cJSON_AddNumberToObject(j, info->key, atof(buf));
			break;
		default:
			cJSON_AddStringToObject(j, info->key, buf);
			break;
		}
	}
	return j;
}

void
web__h_settings_get(struct web_conn *c, struct web_req *r)
{
	struct store_settings s;
	int rc = store_settings_get(c->srv->cfg.store, &s);

	(void)r;
	if (rc < 0) {
		web__reply_errno(c, rc, "settings");
		return;
	}
	web__reply_json(c, 200, settings_json(&s), NULL);
}

/* The text form of one JSON value for `key`; false (400 sent) when the
 * JSON type does not fit the setting. */
static bool
setting_text(struct web_conn *c, const cJSON *v, char *buf, size_t len)
{
	enum setting_type t = setting_type(v->string);

	if (t == SET_BOOL && cJSON_IsBool(v)) {
		snprintf(buf, len, "%s", cJSON_IsTrue(v) ? "on" : "off");
		return true;
	}
	if (t == SET_NUMBER && cJSON_IsNumber(v) && v->valuedouble >= 0 &&
	    v->valuedouble <= 4294967295.0 &&
	    floor(v->valuedouble) == v->valuedouble) {
		snprintf(buf, len, "%.0f", v->valuedouble);
		return true;
	}
	/* Booleans and numbers take their JSON type (or "default"), so a
	 * quoted "603" is the client's mistake, not a guess of ours. */
	if (cJSON_IsString(v) && strlen(v->valuestring) < len &&
	    (t == SET_STRING || strcmp(v->valuestring, "default") == 0)) {
		snprintf(buf, len, "%s", v->valuestring);
		return true;
	}
	web__reply_error(c, 400, "wrong_type", "setting \"%s\" must be %s",
	    v->string, t == SET_BOOL ? "true or false" :
	    t == SET_NUMBER ? "a whole number" : "a string");
	return false;
}

#define SETTINGS_PUT_MAX 48

static bool
setting_known(const char *key)
{
	const struct store_setting_info *info;

	for (size_t i = 0; (info = store_setting_info(i)); i++)
		if (strcmp(info->key, key) == 0)
			return true;
	return false;
}

/* Converts every member of the body to its text form; false (400 sent)
 * on an unknown key, a wrong JSON type or too many members. */
static bool
settings_texts(struct web_conn *c, const cJSON *body, const char **keys,
    char (*vals)[STORE_SETTING_MAX], size_t *n)
{
	const cJSON *v;

	*n = 0;
	cJSON_ArrayForEach(v, body) {
		if (*n == SETTINGS_PUT_MAX) {
			web__reply_error(c, 400, "too_many", "too many "
							    "settings");
			return false;
		}
		if (!setting_known(v->string)) {
			web__reply_error(c, 400, "unknown_field",
			    "unknown setting \"%.64s\"", v->string);
			return false;
		}
		if (!setting_text(c, v, vals[*n], STORE_SETTING_MAX))
			return false;
		keys[(*n)++] = v->string;
	}
	return true;
}

/* All keys go to storage in one write transaction, validated together
 * (values that depend on each other may come in any order): one bad
 * value, an unknown key or a full store and nothing is applied. */
void
web__h_settings_put(struct web_conn *c, struct web_req *r)
{
	const char *keys[SETTINGS_PUT_MAX], *vals[SETTINGS_PUT_MAX];
	char (*texts)[STORE_SETTING_MAX];
	struct store_settings s;
	struct store_actor a;
	char err[128] = "";
	size_t n = 0;
	cJSON *body;
	int rc;

	body = web__json_body(c, r, NULL);
	if (!body)
		return;
	texts = calloc(SETTINGS_PUT_MAX, sizeof(*texts));
	if (!texts) {
		cJSON_Delete(body);
		web__reply_error(c, 503, "no_memory", "out of memory");
		return;
	}
	if (!settings_texts(c, body, keys, texts, &n))
		goto out;
	for (size_t i = 0; i < n; i++)
		vals[i] = texts[i];
	web__actor(&a, c, r);
	rc = store_settings_set(c->srv->cfg.store, keys, vals, n, &a, err,
	    sizeof(err));
	if (rc == -ENOENT) {
		web__reply_error(c, 400, "unknown_field", "%s", err);
		goto out;
	}
	if (rc == -EINVAL) {
		web__reply_error(c, 400, "invalid", "%s",
		    err[0] ? err : "invalid value");
		goto out;
	}
	if (rc == 0) {
		web__events_poll(c->srv);
		rc = store_settings_get(c->srv->cfg.store, &s);
	}
	if (rc < 0)
		web__reply_errno(c, rc, "settings");
	else
		web__reply_json(c, 200, settings_json(&s), NULL);
out:
	free(texts);
	cJSON_Delete(body);
}

/* The list a request names: /api/v1/lists/NAME, or the older
 * /api/v1/emergency and /api/v1/allowlist. False: 404 sent. */
static bool
list_of(struct web_conn *c, const struct web_req *r, enum store_list *out)
{
	int l;

	if (strcmp(r->url, "/api/v1/emergency") == 0)
		l = STORE_LIST_EMERGENCY;
	else if (strcmp(r->url, "/api/v1/allowlist") == 0)
		l = STORE_LIST_ALLOW;
	else
		l = store_list_by_name(r->params[0]);
	if (l < 0) {
		web__reply_error(c, 404, "not_found", "no list \"%s\"",
		    r->params[0]);
		return false;
	}
	*out = (enum store_list)l;
	return true;
}

static void
reply_list(struct web_conn *c, enum store_list list)
{
	char (*pats)[STORE_PATTERN_MAX];
	cJSON *j, *arr;
	int n;

	pats = calloc(STORE_LIST_MAX, sizeof(*pats));
	if (!pats) {
		web__reply_error(c, 503, "no_memory", "out of memory");
		return;
	}
	n = store_list_get(c->srv->cfg.store, list, pats, STORE_LIST_MAX);
	if (n < 0) {
		free(pats);
		web__reply_errno(c, n, "list");
		return;
	}
	j = cJSON_CreateObject();
	cJSON_AddStringToObject(j, "list", store_list_name(list));
	arr = cJSON_AddArrayToObject(j, "patterns");
	for (int i = 0; i < n; i++)
		cJSON_AddItemToArray(arr, cJSON_CreateString(pats[i]));
	free(pats);
	web__reply_json(c, 200, j, NULL);
}

void
web__h_list_get(struct web_conn *c, struct web_req *r)
{
	enum store_list list;

	if (list_of(c, r, &list))
		reply_list(c, list);
}

/* GET /api/v1/lists: every list's name and pattern count. */
void
web__h_lists(struct web_conn *c, struct web_req *r)
{
	char (*pats)[STORE_PATTERN_MAX];
	cJSON *j, *items, *o;
	int n = 0;

	(void)r;
	pats = calloc(STORE_LIST_MAX, sizeof(*pats));
	if (!pats) {
		web__reply_error(c, 503, "no_memory", "out of memory");
		return;
	}
	j = cJSON_CreateObject();
	items = cJSON_AddArrayToObject(j, "items");
	for (int l = 0; l < STORE_LIST_COUNT && n >= 0; l++) {
		n = store_list_get(c->srv->cfg.store, (enum store_list)l, pats,
		    STORE_LIST_MAX);
		o = cJSON_CreateObject();
		cJSON_AddStringToObject(o, "name",
		    store_list_name((enum store_list)l));
		cJSON_AddNumberToObject(o, "count", n);
		cJSON_AddItemToArray(items, o);
	}
	free(pats);
	if (n < 0) {
		cJSON_Delete(j);
		web__reply_errno(c, n, "lists");
		return;
	}
	web__reply_json(c, 200, j, NULL);
}

/* Fills pats from the "patterns" array; false (400 sent) on any bad
 * entry, naming it and where in it the syntax breaks. */
static bool
list_parse(struct web_conn *c, const cJSON *arr, const char **pats,
    size_t *n)
{
	const cJSON *v;

	*n = 0;
	if (!cJSON_IsArray(arr)) {
		web__reply_error(c, 400, "wrong_type", "field \"patterns\" "
						      "must be an array");
		return false;
	}
	cJSON_ArrayForEach(v, arr) {
		struct pol_pattern_error pe = {0};

		if (*n >= STORE_LIST_MAX) {
			web__reply_error(c, 400, "too_many", "at most %u "
							    "patterns",
			    STORE_LIST_MAX);
			return false;
		}
		if (!cJSON_IsString(v)) {
			web__reply_error(c, 400, "wrong_type", "pattern %zu "
							      "is not a string",
			    *n);
			return false;
		}
		if (strlen(v->valuestring) >= STORE_PATTERN_MAX ||
		    pol_pattern_check(v->valuestring, &pe) < 0) {
			web__reply_error(c, 400, "bad_pattern",
			    "pattern %zu \"%.32s\": %s at %zu", *n,
			    v->valuestring, pe.msg ? pe.msg : "too long",
			    pe.pos);
			return false;
		}
		pats[(*n)++] = v->valuestring;
	}
	return true;
}

void
web__h_list_put(struct web_conn *c, struct web_req *r)
{
	static const char *const fields[] = {"patterns", NULL};
	enum store_list list;
	const char **pats;
	struct store_actor a;
	size_t n;
	cJSON *body;
	int rc;

	if (!list_of(c, r, &list))
		return;
	body = web__json_body(c, r, fields);
	if (!body)
		return;
	pats = calloc(STORE_LIST_MAX, sizeof(*pats));
	if (!pats) {
		cJSON_Delete(body);
		web__reply_error(c, 503, "no_memory", "out of memory");
		return;
	}
	if (list_parse(c, cJSON_GetObjectItemCaseSensitive(body, "patterns"),
		pats, &n)) {
		web__actor(&a, c, r);
		rc = store_list_replace(c->srv->cfg.store, list, pats, n, &a);
		if (rc < 0) {
			web__reply_errno(c, rc, "list");
		} else {
			web__events_poll(c->srv);
			reply_list(c, list);
		}
	}
	free(pats);
	cJSON_Delete(body);
}
