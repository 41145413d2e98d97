/* The route table: which handler serves which method and path, and
 * whether a login is needed first. */
#include <errno.h>
#include <string.h>

#include "log.h"
#include "web/internal.h"

#define ANY 0xff

static const struct web_route routes[] = {
	{HTTP_GET, "/healthz", web__h_healthz, WEB_R_PUBLIC},
	{HTTP_GET, "/metrics", web__h_metrics, 0},
	{HTTP_GET, "/api/v1/version", web__h_version, 0},
	{HTTP_GET, "/api/v1/system", web__h_system, 0},
	{HTTP_POST, "/api/v1/login", web__h_login, WEB_R_PUBLIC},
	{HTTP_POST, "/api/v1/logout", web__h_logout, 0},
	{HTTP_GET, "/api/v1/session", web__h_whoami, 0},
	{HTTP_GET, "/api/v1/tokens", web__h_tokens_list, 0},
	{HTTP_POST, "/api/v1/tokens", web__h_token_create, 0},
	{HTTP_DELETE, "/api/v1/tokens/{}", web__h_token_revoke, 0},
	{HTTP_GET, "/api/v1/lines", web__h_lines_list, 0},
	{HTTP_GET, "/api/v1/lines/{}", web__h_line_get, 0},
	{HTTP_PUT, "/api/v1/lines/{}", web__h_line_put, 0},
	{HTTP_POST, "/api/v1/lines/{}/lock", web__h_line_lock, 0},
	{HTTP_POST, "/api/v1/lines/{}/unlock", web__h_line_unlock, 0},
	{HTTP_POST, "/api/v1/lines/{}/pin", web__h_line_pin, 0},
	{HTTP_PUT, "/api/v1/lines/{}/class", web__h_line_class, 0},
	{HTTP_PUT, "/api/v1/lines/{}/budget", web__h_line_budget, 0},
	{HTTP_POST, "/api/v1/lines/{}/budget/reset", web__h_line_budget_reset,
	    0},
	{HTTP_DELETE, "/api/v1/lines/{}/afterhours",
	    web__h_line_afterhours_clear, 0},
	{HTTP_GET, "/api/v1/settings", web__h_settings_get, 0},
	{HTTP_PUT, "/api/v1/settings", web__h_settings_put, 0},
	{HTTP_GET, "/api/v1/emergency", web__h_list_get, 0},
	{HTTP_PUT, "/api/v1/emergency", web__h_list_put, 0},
	{HTTP_GET, "/api/v1/allowlist", web__h_list_get, 0},
	{HTTP_PUT, "/api/v1/allowlist", web__h_list_put, 0},
	{HTTP_GET, "/api/v1/lists", web__h_lists, 0},
	{HTTP_GET, "/api/v1/lists/{}", web__h_list_get, 0},
	{HTTP_PUT, "/api/v1/lists/{}", web__h_list_put, 0},
	{HTTP_GET, "/api/v1/authcodes", web__h_authcodes_list, 0},
	{HTTP_POST, "/api/v1/authcodes", web__h_authcode_add, 0},
	{HTTP_DELETE, "/api/v1/authcodes/{}", web__h_authcode_del, 0},
#if IS_ENABLED(CONFIG_GUARD)
	{HTTP_GET, "/api/v1/bans", web__h_bans_list, 0},
	{HTTP_POST, "/api/v1/bans", web__h_ban_add, 0},
	{HTTP_DELETE, "/api/v1/bans/{}", web__h_ban_del, 0},
	{HTTP_GET, "/api/v1/devices/pins", web__h_devpins_list, 0},
	{HTTP_PUT, "/api/v1/devices/pins/{}", web__h_devpin_put, 0},
	{HTTP_POST, "/api/v1/devices/pins/{}/unlock", web__h_devpin_unlock, 0},
	{HTTP_DELETE, "/api/v1/devices/pins/{}", web__h_devpin_del, 0},
#endif
	{HTTP_GET, "/api/v1/devices", web__h_devices, 0},
	{HTTP_GET, "/api/v1/registrations", web__h_registrations, 0},
	{HTTP_GET, "/api/v1/calls/active", web__h_calls_active, 0},
	{HTTP_GET, "/api/v1/calls", web__h_cdr, 0},
	{HTTP_GET, "/api/v1/audit", web__h_audit, 0},
	{HTTP_GET, "/api/v1/events", web__h_events, 0},
	{HTTP_POST, "/self/lock", web__h_self_lock, WEB_R_PUBLIC},
	{HTTP_POST, "/self/unlock", web__h_self_unlock, WEB_R_PUBLIC},
	{HTTP_GET, "/self/partitions", web__h_self_partitions, WEB_R_PUBLIC},
	{HTTP_GET, "/phone/", web__h_phone, WEB_R_PUBLIC | WEB_R_PREFIX},
	{HTTP_GET, "/", web__h_static, WEB_R_PUBLIC | WEB_R_PREFIX},
	{HTTP_HEAD, "/", web__h_static, WEB_R_PUBLIC | WEB_R_PREFIX},
};

/* A parameter is one non-empty path segment of printable characters;
 * handlers validate it further (an extension gets 400, not 404). Escapes
 * and markup characters never match, so no parameter needs decoding. */
static bool
param_char_ok(char ch)
{
	return ch > ' ' && ch < 0x7f && !strchr("/%<>\"\\`{}|^", ch);
}

bool
web__route_match(const char *pattern, const char *path, struct web_req *r)
{
	unsigned n = 0;

	while (*pattern && *path) {
		if (pattern[0] == '{' && pattern[1] == '}') {
			size_t len = 0;

			while (path[len] && path[len] != '/') {
				if (!param_char_ok(path[len]))
					return false;
				len++;
			}
			if (len == 0 || len >= WEB_PARAM_MAX ||
			    n >= WEB_MAX_PARAMS)
				return false;
			memcpy(r->params[n], path, len);
			r->params[n][len] = '\0';
			n++;
			path += len;
			pattern += 2;
			continue;
		}
		if (*pattern != *path)
			return false;
		pattern++;
		path++;
	}
	if (*pattern || *path)
		return false;
	r->n_params = n;
	return true;
}

static bool
route_path_ok(const struct web_route *rt, const char *path,
    struct web_req *r)
{
	if (rt->flags & WEB_R_PREFIX)
		return strncmp(path, rt->pattern, strlen(rt->pattern)) == 0;
	return web__route_match(rt->pattern, path, r);
}

const struct web_route *
web__route_find(struct web_req *r, bool *path_found)
{
	*path_found = false;
	for (size_t i = 0; i < ARRAY_SIZE(routes); i++) {
		const struct web_route *rt = &routes[i];

		if (!route_path_ok(rt, r->url, r))
			continue;
		/* The catch-all static route must not turn a wrong method
		 * on an API path into a 404 page. */
		if ((rt->flags & WEB_R_PREFIX) && *path_found)
			continue;
		if (rt->method == ANY || rt->method == r->method)
			return rt;
		/* A catch-all prefix is no evidence the path exists. */
		if (!(rt->flags & WEB_R_PREFIX))
			*path_found = true;
	}
	return NULL;
}

static bool
is_state_change(uint8_t method)
{
	return method != HTTP_GET && method != HTTP_HEAD &&
	       method != HTTP_OPTIONS;
}

void
web__dispatch(struct web_conn *c, struct web_req *r)
{
	const struct web_route *rt;
	bool path_found;

	if (r->url[0] != '/') {
		web__reply_error(c, 400, "bad_request", "request target must "
						      "be a path");
		return;
	}
	rt = web__route_find(r, &path_found);
	if (!rt) {
		if (path_found)
			web__reply_error(c, 405, "method_not_allowed",
			    "%s not allowed here",
			    llhttp_method_name((llhttp_method_t)r->method));
		else
			web__reply_error(c, 404, "not_found", "no such "
							     "resource");
		return;
	}
	if (!(rt->flags & WEB_R_PUBLIC)) {
		if (!web__auth_check(c, r))
			return;
		/* A cookie rides along on any cross-site form post: state
		 * changes under a session need the token the page got. */
		if (r->auth == WEB_AUTH_SESSION && is_state_change(r->method) &&
		    !web__secret_equal(r->csrf, r->csrf_expected)) {
			web__reply_error(c, 403, "csrf", "missing or wrong "
							"X-CSRF-Token");
			return;
		}
	}
	rt->fn(c, r);
}
