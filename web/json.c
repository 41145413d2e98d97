/* JSON request bodies: strict parsing (an object, known fields only,
 * exact types) so that nothing is half-applied from a bad request. */
#include <math.h>
#include <string.h>
#include <strings.h>

#include <mbedtls/platform_util.h>

#include "web/internal.h"

static bool
ctype_is_json(const char *ct)
{
	size_t n = strlen("application/json");

	/* RFC 8259 11: application/json, parameters (charset) allowed. */
	return strncasecmp(ct, "application/json", n) == 0 &&
	       (ct[n] == '\0' || ct[n] == ';' || ct[n] == ' ');
}

cJSON *
web__json_body(struct web_conn *c, struct web_req *r,
    const char *const *allowed)
{
	const char *end = NULL;
	cJSON *j, *item;

	if (!ctype_is_json(r->ctype)) {
		web__reply_error(c, 415, "unsupported_media_type",
		    "Content-Type must be application/json");
		return NULL;
	}
	if (r->body.len == 0) {
		web__reply_error(c, 400, "bad_json", "empty body");
		return NULL;
	}
	j = cJSON_ParseWithLengthOpts(r->body.p, r->body.len, &end, false);
	/* Only white space may follow the value (RFC 8259 2). */
	while (j && end < r->body.p + r->body.len &&
	       (*end == ' ' || *end == '\t' || *end == '\r' || *end == '\n'))
		end++;
	if (!j || end != r->body.p + r->body.len) {
		cJSON_Delete(j);
		web__reply_error(c, 400, "bad_json", "body is not valid JSON "
						     "(near byte %zu)",
		    end ? (size_t)(end - r->body.p) : (size_t)0);
		return NULL;
	}
	if (!cJSON_IsObject(j)) {
		cJSON_Delete(j);
		web__reply_error(c, 400, "bad_json", "body must be a JSON "
						     "object");
		return NULL;
	}
	cJSON_ArrayForEach(item, j) {
		bool known = !allowed;

		for (const char *const *a = allowed; a && *a && !known; a++)
			known = strcmp(*a, item->string) == 0;
		if (!known) {
			web__reply_error(c, 400, "unknown_field",
			    "unknown field \"%.64s\"", item->string);
			cJSON_Delete(j);
			return NULL;
		}
	}
	return j;
}

static bool
field_missing(struct web_conn *c, const char *name, bool required)
{
	if (required)
		web__reply_error(c, 400, "missing_field",
		    "field \"%s\" is required", name);
	return !required;
}

bool
web__json_str(struct web_conn *c, const cJSON *o, const char *name,
    bool required, const char **out)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, name);

	if (!v)
		return field_missing(c, name, required);
	if (!cJSON_IsString(v)) {
		web__reply_error(c, 400, "wrong_type",
		    "field \"%s\" must be a string", name);
		return false;
	}
	*out = v->valuestring;
	return true;
}

bool
web__json_bool(struct web_conn *c, const cJSON *o, const char *name,
    bool required, bool *out)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, name);

	if (!v)
		return field_missing(c, name, required);
	if (!cJSON_IsBool(v)) {
		web__reply_error(c, 400, "wrong_type",
		    "field \"%s\" must be true or false", name);
		return false;
	}
	*out = cJSON_IsTrue(v);
	return true;
}

bool
web__json_uint(struct web_conn *c, const cJSON *o, const char *name,
    bool required, uint64_t max, uint64_t *out)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, name);
	double d;

	if (!v)
		return field_missing(c, name, required);
	d = cJSON_IsNumber(v) ? v->valuedouble : -1;
	if (d < 0 || d > (double)max || floor(d) != d) {
		web__reply_error(c, 400, "wrong_type",
		    "field \"%s\" must be a whole number from 0 to %llu",
		    name, (unsigned long long)max);
		return false;
	}
	*out = (uint64_t)d;
	return true;
}

void
web__json_wipe(cJSON *o, const char *name)
{
	cJSON *v = cJSON_GetObjectItemCaseSensitive(o, name);

	if (cJSON_IsString(v) && v->valuestring)
		mbedtls_platform_zeroize(v->valuestring,
		    strlen(v->valuestring));
}
