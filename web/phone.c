/* Phone XML services: the phone's own browser shows the line's state and
 * locks or unlocks it with the PIN. Cisco IP Phone Services XML
 * (CiscoIPPhoneText, CiscoIPPhoneInput) and the Yealink XML browser
 * (YealinkIPPhoneTextScreen, YealinkIPPhoneInputScreen):
 *   GET /phone/{cisco|yealink}/EXT              state, Lock/Unlock keys
 *   GET /phone/{cisco|yealink}/EXT/lock         PIN entry screen
 *   GET /phone/{cisco|yealink}/EXT/lock/do?pin= the action, result text
 * (and the same with unlock). EXT may be EXT@DOMAIN: with [partitions],
 * the line is in the domain's partition, else in the one whose networks
 * hold the phone's address, as its REGISTER is (partition.c). Phone
 * browsers submit input screens as GET with a query string; the PIN
 * gates the change. */
#include <errno.h>
#include <string.h>

#include <mbedtls/platform_util.h>

#include "storage/store.h"
#include "web/internal.h"

enum vendor { V_CISCO = 0, V_YEALINK };

/* Absolute URLs: Cisco phones do not resolve relative ones. The Host
 * header only ever goes back to the client that sent it; anything odd
 * in it falls back to the address the client reached. */
static void
base_url(struct web_buf *b, struct web_conn *c, struct web_req *r,
    enum vendor v, const char *ext)
{
	bool ok = r->host[0] != '\0';

	for (const char *p = r->host; *p && ok; p++)
		ok = (*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'z') ||
		     (*p >= 'A' && *p <= 'Z') || strchr(".-:[]", *p);
	web__buf_printf(b, "%s://", c->tls ? "https" : "http");
	if (ok) {
		web__buf_xml(b, r->host);
	} else {
		char addr[NET_ADDRSTRLEN];
		struct sockaddr_storage ss;
		int len = sizeof(ss);

		if (uv_tcp_getsockname(&c->tcp, (struct sockaddr *)&ss, &len))
			ll_strlcpy(addr, "localhost", sizeof(addr));
		else
			net_addr_str((struct sockaddr *)&ss, addr,
			    sizeof(addr));
		web__buf_str(b, addr);
	}
	web__buf_printf(b, "/phone/%s/", v == V_CISCO ? "cisco" : "yealink");
	web__buf_xml(b, ext);
}

static void
reply_xml(struct web_conn *c, struct web_buf *b)
{
	if (b->oom) {
		web__buf_free(b);
		web__reply_error(c, 503, "no_memory", "out of memory");
		return;
	}
	web__reply(c, 200, "text/xml; charset=utf-8",
	    "Cache-Control: no-store\r\n", b->p, b->len);
	web__buf_free(b);
}

static void
softkey(struct web_buf *b, struct web_conn *c, struct web_req *r,
    enum vendor v, const char *ext, const char *name, const char *path,
    int pos)
{
	if (v == V_CISCO) {
		web__buf_printf(b, "<SoftKeyItem><Name>%s</Name><URL>", name);
		if (path)
			base_url(b, c, r, v, ext), web__buf_str(b, path);
		else
			web__buf_str(b, "SoftKey:Exit");
		web__buf_printf(b, "</URL><Position>%d</Position>"
				   "</SoftKeyItem>", pos);
		return;
	}
	web__buf_printf(b, "<SoftKey index=\"%d\"><Label>%s</Label><URI>",
	    pos, name);
	if (path)
		base_url(b, c, r, v, ext), web__buf_str(b, path);
	else
		web__buf_str(b, "SoftKey:Exit");
	web__buf_str(b, "</URI></SoftKey>");
}

/* A text screen; with `ext` set, Lock/Unlock/Exit keys under it. */
static void
text_screen(struct web_conn *c, struct web_req *r, enum vendor v,
    const char *ext, const char *text, bool keys)
{
	struct web_buf b = {0};

	web__buf_str(&b, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
	web__buf_str(&b, v == V_CISCO ? "<CiscoIPPhoneText>" :
	    "<YealinkIPPhoneTextScreen destroyOnExit=\"yes\" Beep=\"no\">");
	web__buf_str(&b, "<Title>Line lock</Title>");
	if (v == V_CISCO)
		web__buf_str(&b, "<Prompt>linelock</Prompt>");
	web__buf_str(&b, "<Text>");
	web__buf_xml(&b, text);
	web__buf_str(&b, "</Text>");
	if (keys) {
		softkey(&b, c, r, v, ext, "Lock", "/lock", 1);
		softkey(&b, c, r, v, ext, "Unlock", "/unlock", 2);
	}
	softkey(&b, c, r, v, ext, "Exit", NULL, 3);
	web__buf_str(&b, v == V_CISCO ? "</CiscoIPPhoneText>\n" :
	    "</YealinkIPPhoneTextScreen>\n");
	reply_xml(c, &b);
}

static void
input_screen(struct web_conn *c, struct web_req *r, enum vendor v,
    const char *ext, bool lock)
{
	const char *what = lock ? "lock" : "unlock";
	struct web_buf b = {0};

	web__buf_str(&b, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
	if (v == V_CISCO) {
		web__buf_printf(&b, "<CiscoIPPhoneInput><Title>%s line ",
		    lock ? "Lock" : "Unlock");
		web__buf_xml(&b, ext);
		web__buf_str(&b, "</Title><Prompt>Enter your PIN</Prompt>"
				 "<URL>");
		base_url(&b, c, r, v, ext);
		/* InputFlags N: numeric, P: password (masked). */
		web__buf_printf(&b, "/%s/do</URL><InputItem><DisplayName>PIN"
				    "</DisplayName><QueryStringParam>pin"
				    "</QueryStringParam><DefaultValue>"
				    "</DefaultValue><InputFlags>NP</InputFlags>"
				    "</InputItem></CiscoIPPhoneInput>\n", what);
	} else {
		web__buf_printf(&b, "<YealinkIPPhoneInputScreen type=\"string\""
				    " destroyOnExit=\"yes\"><Title>%s line ",
		    lock ? "Lock" : "Unlock");
		web__buf_xml(&b, ext);
		web__buf_str(&b, "</Title><URL>");
		base_url(&b, c, r, v, ext);
		web__buf_printf(&b, "/%s/do</URL><InputField type=\"number\" "
				    "password=\"yes\"><Prompt>PIN:</Prompt>"
				    "<Parameter>pin</Parameter><Default>"
				    "</Default></InputField>"
				    "</YealinkIPPhoneInputScreen>\n", what);
	}
	reply_xml(c, &b);
}

static void
state_text(char *buf, size_t len, const struct store_line *l)
{
	static const char *const by[] = {
	    "",
	    "by its user",
	    "by the administrator",
	    "(budget spent)",
	};

	if (l->lock == STORE_LOCK_NONE)
		snprintf(buf, len, "Line %s is unlocked.", l->ext);
	else
		snprintf(buf, len, "Line %s is locked %s.", l->ext,
		    l->lock < ARRAY_SIZE(by) ? by[l->lock] : "");
}

static void
phone_done(struct web_conn *c, int err, const struct store_line *l,
    enum vendor v)
{
	char text[128];

	if (err == 0)
		state_text(text, sizeof(text), l);
	else
		ll_strlcpy(text, web__pin_strerror(err), sizeof(text));
	/* The request is still c->req: the parser waits for this reply. */
	text_screen(c, &c->req, v, c->req.params[0], text, err == 0);
}

static void
cisco_done(struct web_conn *c, int err, const struct store_line *l)
{
	phone_done(c, err, l, V_CISCO);
}

static void
yealink_done(struct web_conn *c, int err, const struct store_line *l)
{
	phone_done(c, err, l, V_YEALINK);
}

/* The phone's line: its URL's "EXT" or "EXT@DOMAIN", in the partition
 * its REGISTER would be in (the domain's, else its address's network). */
static int
phone_line(struct web_conn *c, const char *who, struct web_line_ref *out)
{
	return web__line_ref(out, &c->srv->cfg, who, NULL,
	    (const struct sockaddr *)&c->peer, false);
}

static void
phone_status(struct web_conn *c, struct web_req *r, enum vendor v)
{
	struct web_line_ref line;
	struct store_line l;
	char text[128];

	if (phone_line(c, r->params[0], &line) < 0) {
		text_screen(c, r, v, "", "Unknown line.", false);
		return;
	}
	if (store_line_get(c->srv->cfg.store, &l, line.partition,
		line.ext) < 0)
		store_line_defaults(&l, line.partition, line.ext);
	state_text(text, sizeof(text), &l);
	text_screen(c, r, v, r->params[0], text, true);
}

static void
phone_do(struct web_conn *c, struct web_req *r, enum vendor v, bool lock)
{
	struct web_line_ref line;
	char pin[16];
	int rc;

	if (web__query_get(r->query, "pin", pin, sizeof(pin)) < 0)
		pin[0] = '\0';
	rc = phone_line(c, r->params[0], &line);
	if (rc == 0)
		rc = web__pin_action(c, "phone", &line, pin, lock,
		    v == V_CISCO ? cisco_done : yealink_done);
	mbedtls_platform_zeroize(pin, sizeof(pin));
	if (r->query)
		mbedtls_platform_zeroize(r->query, strlen(r->query));
	if (rc < 0)
		phone_done(c, rc, NULL, v);
}

void
web__h_phone(struct web_conn *c, struct web_req *r)
{
	static const char *const vendors[] = {"cisco", "yealink"};
	char pat[64];

	for (size_t i = 0; i < ARRAY_SIZE(vendors); i++) {
		enum vendor v = (enum vendor)i;

		snprintf(pat, sizeof(pat), "/phone/%s/{}", vendors[i]);
		if (web__route_match(pat, r->url, r)) {
			phone_status(c, r, v);
			return;
		}
		for (int lock = 0; lock < 2; lock++) {
			snprintf(pat, sizeof(pat), "/phone/%s/{}/%s",
			    vendors[i], lock ? "lock" : "unlock");
			if (web__route_match(pat, r->url, r)) {
				input_screen(c, r, v, r->params[0], lock);
				return;
			}
			strcat(pat, "/do");
			if (web__route_match(pat, r->url, r)) {
				phone_do(c, r, v, lock);
				return;
			}
		}
	}
	web__reply_error(c, 404, "not_found", "no such phone service");
}
