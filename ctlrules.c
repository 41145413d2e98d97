/* linelockctl's commands for the restrictions besides the lock: the
 * inbound block list, after hours (list and weekly schedule), classes of
 * restriction, authorization codes, call budgets and address bans. Every
 * change goes through storage/, which audit-logs it as cli:<unix user>. */
#include <arpa/inet.h>
#include <errno.h>
#include <mbedtls/platform_util.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "linelockctl.h"
#include "policy/pol.h"
#include "util.h"

static const char *const day_keys[7] = {
    "hours_sun", "hours_mon", "hours_tue", "hours_wed",
    "hours_thu", "hours_fri", "hours_sat",
};

/* Lists stay editable in any build; say when a build ignores them. */
static void
ctl_note_disabled(bool enabled, const char *what)
{
	if (!enabled)
		fprintf(stderr,
		        "linelockctl: note: this build has no %s; the change "
		        "is stored but has no effect\n",
		        what);
}

int
ctl_cmd_block(struct ctl *c)
{
	if (strcmp(c->args[0], "list"))
		ctl_note_disabled(IS_ENABLED(CONFIG_POLICY_INBOUND_BLOCK),
		                  "inbound blocking");
	return ctl_list_cmd(c, STORE_LIST_BLOCK);
}

/* Weekday names the schedule accepts, as bit masks (bit 0 = Sunday). */
static int
day_mask(const char *day)
{
	static const struct {
		const char *name;
		int mask;
	} days[] = {
	    {"sun", 1 << 0}, {"mon", 1 << 1},    {"tue", 1 << 2},
	    {"wed", 1 << 3}, {"thu", 1 << 4},    {"fri", 1 << 5},
	    {"sat", 1 << 6}, {"weekdays", 0x3e}, {"weekend", 0x41},
	    {"all", 0x7f},
	};

	for (size_t i = 0; i < ARRAY_SIZE(days); i++)
		if (strcmp(day, days[i].name) == 0)
			return days[i].mask;
	return -EINVAL;
}

static int
hours_show(struct ctl *c)
{
	char buf[32];

	for (size_t d = 0; d < 7; d++) {
		int rc =
		    store_setting_get(c->st, day_keys[d], buf, sizeof(buf));

		if (rc < 0)
			return ctl_fail(rc, "afterhours hours", day_keys[d]);
		printf("%s %s\n", day_keys[d] + 6, buf);
	}
	return 0;
}

static int
hours_set(struct ctl *c, const char *day, const char *range)
{
	char err[160];
	int mask = day_mask(day), rc;

	if (mask < 0) {
		fprintf(
		    stderr,
		    "linelockctl: afterhours hours: \"%s\" is not sun..sat, "
		    "weekdays, weekend or all\n",
		    day);
		return 2;
	}
	ctl_note_disabled(IS_ENABLED(CONFIG_POLICY_AFTER_HOURS), "after hours");
	for (int d = 0; d < 7; d++) {
		if (!(mask & 1 << d))
			continue;
		rc = store_setting_set(c->st, day_keys[d], range, &c->actor,
		                       err, sizeof(err));
		if (rc == -EINVAL) {
			fprintf(stderr, "linelockctl: %s\n", err);
			return 1;
		}
		if (rc < 0)
			return ctl_fail(rc, "afterhours hours", day_keys[d]);
	}
	return 0;
}

int
ctl_cmd_afterhours(struct ctl *c)
{
	if (strcmp(c->args[0], "hours") == 0) {
		if (c->nargs == 1)
			return hours_show(c);
		if (c->nargs == 3)
			return hours_set(c, c->args[1], c->args[2]);
		return ctl_usage(stderr);
	}
	if (strcmp(c->args[0], "list"))
		ctl_note_disabled(IS_ENABLED(CONFIG_POLICY_AFTER_HOURS),
		                  "after hours");
	return ctl_list_cmd(c, STORE_LIST_AFTERHOURS);
}

/* "1".."8", or "none"/"all" for STORE_CLASS_NONE. */
static int
class_parse(const char *s, bool none_ok)
{
	char *end;
	long n;

	if (none_ok && (strcmp(s, "none") == 0 || strcmp(s, "all") == 0))
		return STORE_CLASS_NONE;
	n = strtol(s, &end, 10);
	if (*s < '1' || *s > '9' || *end || n < 1 || n > STORE_CLASS_COUNT)
		return -EINVAL;
	return (int)n;
}

static int
class_list_all(struct ctl *c)
{
	char(*pats)[STORE_PATTERN_MAX] = calloc(STORE_LIST_MAX, sizeof(*pats));

	if (!pats)
		return ctl_fail(-ENOMEM, "class list", NULL);
	for (int k = 1; k <= STORE_CLASS_COUNT; k++) {
		int n = store_list_get(c->st, STORE_LIST_CLASS1 + k - 1, pats,
		                       STORE_LIST_MAX);

		if (n < 0) {
			free(pats);
			return ctl_fail(n, "class list", NULL);
		}
		printf("class %d:", k);
		for (int i = 0; i < n; i++)
			printf(" %s", pats[i]);
		puts(n ? "" : " (may dial nothing but emergency and allow)");
	}
	free(pats);
	return 0;
}

int
ctl_cmd_class(struct ctl *c)
{
	struct ctl sub = *c;
	int k, rc;

	if (strcmp(c->args[0], "list") == 0 && c->nargs == 1)
		return class_list_all(c);
	ctl_note_disabled(IS_ENABLED(CONFIG_POLICY_AUTH_CODES),
	                  "classes of restriction");
	if (strcmp(c->args[0], "set") == 0) {
		if (c->nargs != 3 || (k = class_parse(c->args[2], true)) < 0)
			return ctl_usage(stderr);
		rc = store_line_class_set(c->st, c->partition, c->args[1],
		                          (uint8_t)k, &c->actor);
		return rc < 0 ? ctl_fail(rc, "class set", c->args[1]) : 0;
	}
	k = class_parse(c->args[0], false);
	if (k < 0 || c->nargs < 2)
		return ctl_usage(stderr);
	sub.args = c->args + 1;
	sub.nargs = c->nargs - 1;
	return ctl_list_cmd(&sub, STORE_LIST_CLASS1 + k - 1);
}

static void
class_text(char *buf, size_t len, uint8_t k)
{
	if (k == STORE_CLASS_NONE)
		snprintf(buf, len, "all");
	else
		snprintf(buf, len, "%u", (unsigned)k);
}

static int
authcode_list(struct ctl *c)
{
	struct store_authcode a[256];
	char when[32], cls[8];
	cJSON *arr = c->json ? cJSON_CreateArray() : NULL;
	int n = store_authcode_list(c->st, a, ARRAY_SIZE(a));

	if (n < 0) {
		cJSON_Delete(arr);
		return ctl_fail(n, "authcode list", NULL);
	}
	for (int i = 0; i < n; i++) {
		class_text(cls, sizeof(cls), a[i].cor_class);
		ctl_time(when, sizeof(when), a[i].created);
		if (!arr) {
			printf("%-16s class %-4s created %s by %s\n", a[i].name,
			       cls, when, a[i].created_by);
			continue;
		}
		cJSON *o = cJSON_CreateObject();

		cJSON_AddStringToObject(o, "name", a[i].name);
		cJSON_AddStringToObject(o, "class", cls);
		cJSON_AddNumberToObject(o, "created", (double)a[i].created);
		cJSON_AddStringToObject(o, "created_by", a[i].created_by);
		cJSON_AddItemToArray(arr, o);
	}
	return arr ? ctl_json_print(arr) : 0;
}

static int
authcode_add(struct ctl *c)
{
	char code[64];
	int k = class_parse(c->args[2], true), rc;

	if (k < 0)
		return ctl_usage(stderr);
	if (c->code)
		ll_strlcpy(code, c->code, sizeof(code));
	else if (ctl_read_secret(code, sizeof(code), "Code: ") < 0)
		return ctl_fail(-EINVAL, "authcode add", "(no code on stdin)");
	if (!store_authcode_is_valid(code)) {
		mbedtls_platform_zeroize(code, sizeof(code));
		fprintf(stderr,
		        "linelockctl: authcode add %s: a code is %d to "
		        "%d digits\n",
		        c->args[1], STORE_AUTHCODE_MIN, STORE_AUTHCODE_MAX);
		return 1;
	}
	ctl_note_disabled(IS_ENABLED(CONFIG_POLICY_AUTH_CODES),
	                  "authorization codes");
	rc = store_authcode_add(c->st, c->args[1], (uint8_t)k, code, &c->actor);
	mbedtls_platform_zeroize(code, sizeof(code));
	if (rc == -EEXIST) {
		fprintf(stderr,
		        "linelockctl: authcode add %s: the name or the "
		        "code is taken\n",
		        c->args[1]);
		return 1;
	}
	return rc < 0 ? ctl_fail(rc, "authcode add", c->args[1]) : 0;
}

int
ctl_cmd_authcode(struct ctl *c)
{
	const char *op = c->args[0];
	int rc;

	if (strcmp(op, "list") == 0 && c->nargs == 1)
		return authcode_list(c);
	if (strcmp(op, "add") == 0 && c->nargs == 3)
		return authcode_add(c);
	if (strcmp(op, "del") == 0 && c->nargs == 2) {
		rc = store_authcode_del(c->st, c->args[1], &c->actor);
		return rc < 0 ? ctl_fail(rc, "authcode del", c->args[1]) : 0;
	}
	return ctl_usage(stderr);
}

int
ctl_budget_opt(struct ctl *c, int o, const char *arg)
{
	char *end;
	unsigned long n;

	if (o == 'R') {
		c->reset = true;
		return 0;
	}
	c->budget_set = true;
	if (o == 'r') {
		if (strcmp(arg, "day") == 0)
			c->period = STORE_PERIOD_DAY;
		else if (strcmp(arg, "month") == 0)
			c->period = STORE_PERIOD_MONTH;
		else
			return -EINVAL;
		return 0;
	}
	n = strtoul(arg, &end, 10);
	if (*arg < '0' || *arg > '9' || *end || n > 1000000)
		return -EINVAL;
	if (o == 'c')
		c->calls = (uint32_t)n;
	else
		c->minutes = (uint32_t)n;
	return 0;
}

static void
budget_text(char *buf, size_t len, const struct store_budget *b)
{
	int n = 0;

	buf[0] = '\0';
	if (b->calls)
		n = snprintf(buf, len, "%lu calls/%s (%lu used)",
		             (unsigned long)b->calls,
		             b->period == STORE_PERIOD_DAY ? "day" : "month",
		             (unsigned long)b->used_calls);
	if (b->minutes && n >= 0 && (size_t)n < len)
		snprintf(buf + n, len - (size_t)n,
		         "%s%lu minutes/month (%lu used)", n ? ", " : "",
		         (unsigned long)b->minutes,
		         (unsigned long)(b->used_seconds / 60));
	if (!buf[0])
		snprintf(buf, len, "none");
}

void
ctl_line_rules_print(const struct store_line *l)
{
	char cls[8], until[32], budget[128];

	class_text(cls, sizeof(cls), l->cor_class);
	ctl_time(until, sizeof(until), l->afterhours_until);
	budget_text(budget, sizeof(budget), &l->budget);
	printf("  class: %s, after-hours override: %s%s\n",
	       l->cor_class == STORE_CLASS_NONE ? "unrestricted" : cls,
	       l->afterhours_until > (int64_t)time(NULL) ? "until " : "none",
	       l->afterhours_until > (int64_t)time(NULL) ? until : "");
	printf("  budget: %s\n", budget);
}

void
ctl_line_rules_json(cJSON *o, const struct store_line *l)
{
	const struct store_budget *b = &l->budget;
	cJSON *j = cJSON_AddObjectToObject(o, "budget");

	if (l->cor_class == STORE_CLASS_NONE)
		cJSON_AddNullToObject(o, "class");
	else
		cJSON_AddNumberToObject(o, "class", l->cor_class);
	cJSON_AddNumberToObject(o, "afterhours_until",
	                        (double)l->afterhours_until);
	cJSON_AddNumberToObject(j, "calls", b->calls);
	cJSON_AddStringToObject(
	    j, "period", b->period == STORE_PERIOD_DAY ? "day" : "month");
	cJSON_AddNumberToObject(j, "minutes", b->minutes);
	cJSON_AddNumberToObject(j, "used_calls", b->used_calls);
	cJSON_AddNumberToObject(j, "used_seconds", b->used_seconds);
}

int
ctl_cmd_budget(struct ctl *c)
{
	const char *ext = c->args[0];
	struct store_line l;
	char text[128];
	int rc = store_line_get(c->st, &l, c->partition, ext);

	if (rc == -ENOENT)
		store_line_defaults(&l, c->partition, ext);
	else if (rc < 0)
		return ctl_fail(rc, "budget", ext);
	if (c->reset)
		rc = store_line_budget_reset(c->st, c->partition, ext,
		                             &c->actor);
	else if (c->clear)
		rc = store_line_budget_set(c->st, c->partition, ext, 0,
		                           STORE_PERIOD_MONTH, 0, &c->actor);
	else if (c->budget_set)
		rc = store_line_budget_set(c->st, c->partition, ext, c->calls,
		                           c->period, c->minutes, &c->actor);
	if (rc < 0)
		return ctl_fail(rc, "budget", ext);
	if (c->reset || c->clear || c->budget_set)
		rc = store_line_get(c->st, &l, c->partition, ext);
	if (rc < 0 && rc != -ENOENT)
		return ctl_fail(rc, "budget", ext);
	budget_text(text, sizeof(text), &l.budget);
	printf("line %s/%s budget: %s%s\n", l.partition, l.ext, text,
	       l.lock == STORE_LOCK_BUDGET ? " (spent: locked)" : "");
	return 0;
}

/* ---- ban list|add|del: the guard's address bans --------------------- */

static int
ban_addr(struct sockaddr_storage *out, const char *text)
{
	struct sockaddr_in *a4 = (struct sockaddr_in *)out;
	struct sockaddr_in6 *a6 = (struct sockaddr_in6 *)out;

	memset(out, 0, sizeof(*out));
	if (inet_pton(AF_INET, text, &a4->sin_addr) == 1) {
		a4->sin_family = AF_INET;
		return 0;
	}
	if (inet_pton(AF_INET6, text, &a6->sin6_addr) == 1) {
		a6->sin6_family = AF_INET6;
		return 0;
	}
	return -EINVAL;
}

struct ban_print {
	struct ctl *c;
	cJSON *items;
	int64_t now;
};

static int
ban_print_one(const struct store_ban *b, void *arg)
{
	struct ban_print *p = arg;
	char host[NET_ADDRSTRLEN], since[32], until[32];
	cJSON *o;

	if (!store_ban_is_active(b, p->now))
		return 0;
	net_host_str((const struct sockaddr *)&b->addr, host, sizeof(host));
	if (!p->items) {
		ctl_time(since, sizeof(since), b->since);
		if (b->until)
			ctl_time(until, sizeof(until), b->until);
		else
			ll_strlcpy(until, "lifted", sizeof(until));
		printf("%-39s until %-19s ban %u by %s: %s\n", host, until,
		       b->strikes, b->actor, b->reason);
		return 0;
	}
	o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "ip", host);
	cJSON_AddNumberToObject(o, "since", (double)b->since);
	cJSON_AddNumberToObject(o, "until", (double)b->until);
	cJSON_AddNumberToObject(o, "strikes", b->strikes);
	cJSON_AddStringToObject(o, "reason", b->reason);
	cJSON_AddStringToObject(o, "actor", b->actor);
	cJSON_AddItemToArray(p->items, o);
	return 0;
}

static int
ban_list(struct ctl *c)
{
	struct ban_print p = {c, NULL, (int64_t)time(NULL)};
	cJSON *doc = NULL;
	int rc;

	if (c->json) {
		doc = cJSON_CreateObject();
		p.items = cJSON_AddArrayToObject(doc, "bans");
	}
	rc = store_ban_each(c->st, ban_print_one, &p);
	if (rc < 0) {
		cJSON_Delete(doc);
		return ctl_fail(rc, "ban list", "");
	}
	return doc ? ctl_json_print(doc) : 0;
}

static int
ban_add(struct ctl *c)
{
	struct sockaddr_storage sa;
	unsigned long secs = 3600;
	char *end;
	int rc;

	if (ban_addr(&sa, c->args[1]) < 0)
		return ctl_fail(-EINVAL, "ban add", c->args[1]);
	if (c->nargs == 3) {
		secs = strtoul(c->args[2], &end, 10);
		if (c->args[2][0] < '0' || c->args[2][0] > '9' || *end ||
		    secs > 31536000)
			return ctl_fail(-EINVAL, "ban add", c->args[2]);
	}
	rc = store_ban_put(c->st, (struct sockaddr *)&sa, (int64_t)time(NULL),
	                   (uint32_t)secs, "banned by an administrator",
	                   &c->actor, NULL);
	return rc < 0 ? ctl_fail(rc, "ban add", c->args[1]) : 0;
}

int
ctl_cmd_ban(struct ctl *c)
{
	const char *op = c->args[0];
	struct sockaddr_storage sa;
	int rc;

	if (strcmp(op, "list") == 0 && c->nargs == 1)
		return ban_list(c);
	if (strcmp(op, "add") == 0 && c->nargs >= 2) {
		ctl_note_disabled(IS_ENABLED(CONFIG_GUARD), "IP bans");
		return ban_add(c);
	}
	if (strcmp(op, "del") == 0 && c->nargs == 2) {
		if (ban_addr(&sa, c->args[1]) < 0)
			return ctl_fail(-EINVAL, "ban del", c->args[1]);
		rc = store_ban_del(c->st, (struct sockaddr *)&sa, &c->actor);
		return rc < 0 ? ctl_fail(rc, "ban del", c->args[1]) : 0;
	}
	return ctl_usage(stderr);
}

/* ---- device list|pin|unlock|unpin: device-to-IP pins ---------------- */

#define CTL_DEVPIN_MAX 4096

static int
device_list(struct ctl *c)
{
	struct store_devpin *p = calloc(CTL_DEVPIN_MAX, sizeof(*p));
	char net[64], when[32];
	cJSON *doc = NULL, *items = NULL;
	int n;

	if (!p)
		return ctl_fail(-ENOMEM, "device list", "");
	n = store_devpin_list(c->st, p, CTL_DEVPIN_MAX);
	if (n < 0) {
		free(p);
		return ctl_fail(n, "device list", "");
	}
	if (c->json) {
		doc = cJSON_CreateObject();
		items = cJSON_AddArrayToObject(doc, "items");
	}
	for (int i = 0; i < n; i++) {
		store_cidr_str(&p[i].allowed, net, sizeof(net));
		if (!items) {
			ctl_time(when, sizeof(when), p[i].locked_at);
			printf("%s %s %s%s%s%s\n", p[i].id, net,
			       p[i].locked ? "LOCKED since " : "ok",
			       p[i].locked ? when : "",
			       p[i].locked ? " from " : "",
			       p[i].locked ? p[i].seen : "");
			continue;
		}
		cJSON *o = cJSON_CreateObject();

		cJSON_AddStringToObject(o, "id", p[i].id);
		cJSON_AddStringToObject(o, "allowed", net);
		cJSON_AddBoolToObject(o, "locked", p[i].locked);
		cJSON_AddNumberToObject(o, "locked_at", (double)p[i].locked_at);
		cJSON_AddStringToObject(o, "seen", p[i].seen);
		cJSON_AddStringToObject(o, "by", p[i].by);
		cJSON_AddItemToArray(items, o);
	}
	free(p);
	return doc ? ctl_json_print(doc) : 0;
}

int
ctl_cmd_device(struct ctl *c)
{
	const char *op = c->args[0];
	struct net_cidr cidr;
	int rc;

	if (strcmp(op, "list") == 0 && c->nargs == 1)
		return device_list(c);
	if (c->nargs < 2)
		return ctl_usage(stderr);
	ctl_note_disabled(IS_ENABLED(CONFIG_GUARD), "device-to-IP binding");
	if (strcmp(op, "pin") == 0 && c->nargs == 3) {
		if (net_cidr_parse(c->args[2], &cidr) < 0)
			return ctl_fail(-EINVAL, "device pin", c->args[2]);
		rc = store_devpin_set(c->st, c->args[1], &cidr, &c->actor);
	} else if (strcmp(op, "unlock") == 0 && c->nargs == 2) {
		rc = store_devpin_unlock(c->st, c->args[1], &c->actor);
	} else if (strcmp(op, "unpin") == 0 && c->nargs == 2) {
		rc = store_devpin_del(c->st, c->args[1], &c->actor);
	} else {
		return ctl_usage(stderr);
	}
	return rc < 0 ? ctl_fail(rc, op, c->args[1]) : 0;
}
