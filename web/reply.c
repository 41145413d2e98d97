/* Responses: status line, the security headers every answer carries,
 * JSON bodies and the JSON error shape of the API. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "web/internal.h"

static const char *
status_text(int status)
{
	const char *s = llhttp_status_name((llhttp_status_t)status);

	return s ? s : "Unknown";
}

void
web__reply(struct web_conn *c, int status, const char *ctype,
    const char *extra, const void *body, size_t len)
{
	struct web_buf b = {0};
	struct web *w = c->srv;

	if (c->state != WEB_CONN_HANDLING)
		return;
	w->http_requests[status >= 100 && status < 600 ? status / 100 - 1 :
							    5]++;
	web__buf_printf(&b, "HTTP/1.1 %d ", status);
	/* llhttp names statuses "NOT_FOUND": written as "Not Found". */
	for (const char *p = status_text(status), *q = p; *q; q++) {
		char ch = *q == '_' ? ' ' :
			  (q == p || q[-1] == '_') ? *q : (char)(*q | 0x20);

		web__buf_add(&b, &ch, 1);
	}
	web__buf_str(&b, "\r\n");
	web__buf_printf(&b,
	    "Content-Type: %s\r\nContent-Length: %zu\r\n"
	    "Content-Security-Policy: default-src 'self'; "
	    "frame-ancestors 'none'; base-uri 'none'; form-action 'self'\r\n"
	    "X-Content-Type-Options: nosniff\r\n"
	    "X-Frame-Options: DENY\r\n"
	    "Referrer-Policy: no-referrer\r\n"
	    "Connection: %s\r\n",
	    ctype, len, c->keep_alive && !w->closing ? "keep-alive" : "close");
	if (extra)
		web__buf_str(&b, extra);
	web__buf_str(&b, "\r\n");
	if (c->req.method != HTTP_HEAD)
		web__buf_add(&b, body, len);
	if (b.oom || web__conn_write(c, b.p, b.len) < 0)
		c->keep_alive = false;
	web__buf_free(&b);
	web__conn_request_done(c);
}

void
web__reply_json(struct web_conn *c, int status, cJSON *j, const char *extra)
{
	char *text = j ? cJSON_PrintUnformatted(j) : NULL;

	cJSON_Delete(j);
	if (!text) {
		static const char oom[] = "{\"error\":{\"code\":\"no_memory\","
					  "\"message\":\"out of memory\"}}";

		web__reply(c, 500, "application/json", NULL, oom,
		    sizeof(oom) - 1);
		return;
	}
	web__reply(c, status, "application/json",
	    extra ? extra : "Cache-Control: no-store\r\n", text, strlen(text));
	free(text);
}

void
web__reply_error(struct web_conn *c, int status, const char *code,
    const char *fmt, ...)
{
	char msg[256];
	cJSON *j = cJSON_CreateObject();
	cJSON *e = cJSON_AddObjectToObject(j, "error");
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	cJSON_AddStringToObject(e, "code", code);
	cJSON_AddStringToObject(e, "message", msg);
	web__reply_json(c, status, j, status == 401 ?
	    "Cache-Control: no-store\r\nWWW-Authenticate: Bearer "
	    "realm=\"linelock\"\r\n" : NULL);
}

void
web__reply_errno(struct web_conn *c, int err, const char *what)
{
	switch (err) {
	case -ENOENT:
		web__reply_error(c, 404, "not_found", "%s not found", what);
		break;
	case -EINVAL:
	case -EBADMSG:
		web__reply_error(c, 400, "invalid", "%s: invalid value", what);
		break;
	case -EEXIST:
		web__reply_error(c, 409, "exists", "%s already exists", what);
		break;
	case -ENOSPC:
		/* RFC 4918 11.5: the store cannot hold the change. */
		web__reply_error(c, 507, "storage_full", "storage is full");
		break;
	case -EACCES:
	case -EPERM:
		web__reply_error(c, 403, "forbidden", "%s: not allowed", what);
		break;
	case -ENOTSUP:
		web__reply_error(c, 501, "not_enabled", "%s: not enabled in "
						       "this build", what);
		break;
	case -EBUSY:
	case -EAGAIN:
		web__reply_error(c, 429, "throttled", "%s: too many attempts, "
						     "try later", what);
		break;
	default:
		log_error("web: %s: storage error %d", what, err);
		web__reply_error(c, 500, "internal", "%s: internal error",
		    what);
		break;
	}
}
