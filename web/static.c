/* The embedded console: files from web/static/, served from memory. */
#include <string.h>

#include "web/internal.h"

const struct web_asset *
web__asset_find(const char *path)
{
	for (unsigned i = 0; i < web__n_assets; i++)
		if (strcmp(web__assets[i].path, path) == 0)
			return &web__assets[i];
	return NULL;
}

void
web__h_static(struct web_conn *c, struct web_req *r)
{
	const struct web_asset *a;
	const char *path = r->url;

	/* Pages are plain files; "/" and "/self" are their short names. */
	if (strcmp(path, "/") == 0)
		path = "/index.html";
	else if (strcmp(path, "/self") == 0)
		path = "/self.html";
	a = web__asset_find(path);
	if (!a) {
		web__reply_error(c, 404, "not_found", "no such resource");
		return;
	}
	web__reply(c, 200, a->type, "Cache-Control: no-cache\r\n", a->data,
	    a->len);
}

void
web__h_healthz(struct web_conn *c, struct web_req *r)
{
	(void)r;
	web__reply(c, 200, "text/plain; charset=utf-8",
	    "Cache-Control: no-store\r\n", "ok\n", 3);
}
