/* linelockctl: the command line over linelock's data directory. It opens
 * the same LMDB environment as a running linelockd (LMDB is multi-process
 * safe), so every change takes effect for the daemon's next call without
 * a restart or a signal, and is audit-logged as cli:<unix user>.
 * Exit codes: 0 ok, 1 error (with a message), 2 usage. */
#include <cjson/cJSON.h>
#include <errno.h>
#include <getopt.h>
#include <mbedtls/platform_util.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "policy/pol.h"
#include "storage/store.h"
#include "util.h"

#include "linelockctl.h"

#define CTL_DEFAULT_DIR "/var/lib/linelock"
#define CTL_PAGE 64

struct ctl_cmd {
	const char *name;
	int nargs; /* exact count, or -1 for 0..2 */
	bool writes;
	int (*run)(struct ctl *c);
};

int
ctl_usage(FILE *out)
{
	fprintf(
	    out,
	    "usage: linelockctl [-d DIR] COMMAND [ARGS] [OPTIONS]\n"
	    "  lock EXT [--admin]        lock a line (user lock, or admin)\n"
	    "  unlock EXT                unlock a line (any lock)\n"
	    "  status EXT [--json]       show a line\n"
	    "  list [--json]             every line with a record\n"
	    "  pin EXT [--pin PIN|--clear]  set a line's PIN (else stdin)\n"
	    "  set KEY VALUE | get KEY | settings\n"
	    "  emergency list|add|del [PATTERN]\n"
	    "  allow list|add|del [PATTERN]\n"
	    "  block list|add|del [PATTERN]   incoming callers refused\n"
	    "  afterhours list|add|del [PATTERN] | afterhours hours [DAY "
	    "RANGE]\n"
	    "  class list | class N list|add|del [PATTERN] | class set EXT "
	    "N|none\n"
	    "  authcode add NAME CLASS [--code CODE] | authcode list|del "
	    "[NAME]\n"
	    "  budget EXT [--calls N --period day|month --minutes M |\n"
	    "             --clear | --reset]\n"
	    "  audit [--limit N] [--json] | cdr [--limit N] [--json]\n"
	    "  passwd ADMIN              set a console password (stdin)\n"
	    "  token create NAME | token list | token revoke NAME\n"
	    "  ban list [--json] | ban add IP [SECONDS] | ban del IP\n"
	    "  device list [--json] | device pin ID ADDR[/PREFIX] |\n"
	    "         device unlock ID | device unpin ID\n"
	    "  check                     schema version and record check\n"
	    "options: -d DIR (default " CTL_DEFAULT_DIR " or $LINELOCK_DIR),\n"
	    "  -p/--partition P, --admin, --json, --pin PIN, --limit N,\n"
	    "  --code CODE, --calls N, --period day|month, --minutes M\n");
	return 2;
}

int
ctl_fail(int rc, const char *what, const char *subject)
{
	fprintf(stderr, "linelockctl: %s%s%s: %s\n", what, subject ? " " : "",
	        subject ? subject : "", store_strerror(rc));
	return 1;
}

void
ctl_time(char *buf, size_t len, int64_t t)
{
	time_t tt = (time_t)t;
	struct tm tm;

	if (t <= 0 || !localtime_r(&tt, &tm) ||
	    !strftime(buf, len, "%Y-%m-%d %H:%M:%S", &tm))
		ll_strlcpy(buf, "-", len);
}

static const char *
lock_name(uint8_t lock)
{
	static const char *const names[] = {"unlocked", "user", "admin",
	                                    "budget"};

	return lock < ARRAY_SIZE(names) ? names[lock] : "?";
}

static const char *
tri_name(uint8_t v)
{
	return v == STORE_ON ? "on" : v == STORE_OFF ? "off" : "inherit";
}

static const char *
action_name(uint8_t v)
{
	return v == STORE_ACTION_REJECT     ? "reject"
	       : v == STORE_ACTION_REDIRECT ? "redirect"
	                                    : "inherit";
}

/* Prints a cJSON document and frees it. */
int
ctl_json_print(cJSON *doc)
{
	char *s = doc ? cJSON_Print(doc) : NULL;

	cJSON_Delete(doc);
	if (!s)
		return ctl_fail(-ENOMEM, "json", NULL);
	puts(s);
	free(s);
	return 0;
}

static cJSON *
line_json(const struct store_line *l)
{
	cJSON *o = cJSON_CreateObject();

	cJSON_AddStringToObject(o, "partition", l->partition);
	cJSON_AddStringToObject(o, "ext", l->ext);
	cJSON_AddStringToObject(o, "label", l->label);
	cJSON_AddStringToObject(o, "lock", lock_name(l->lock));
	cJSON_AddBoolToObject(o, "locked", l->lock != STORE_LOCK_NONE);
	cJSON_AddStringToObject(o, "locked_by", l->locked_by);
	cJSON_AddStringToObject(o, "lock_source", l->lock_source);
	cJSON_AddNumberToObject(o, "locked_at", (double)l->locked_at);
	cJSON_AddBoolToObject(o, "pin_set", store_hash_is_set(&l->pin));
	cJSON_AddNumberToObject(o, "pin_failures", l->pin_failures);
	cJSON_AddNumberToObject(o, "pin_blocked_until",
	                        (double)l->pin_blocked_until);
	cJSON_AddStringToObject(o, "locked_action",
	                        action_name(l->locked_action));
	cJSON_AddStringToObject(o, "redirect_uri", l->redirect_uri);
	cJSON_AddStringToObject(o, "block_incoming",
	                        tri_name(l->block_incoming));
	ctl_line_rules_json(o, l);
	return o;
}

static void
line_print(const struct store_line *l)
{
	char when[32], until[32];

	ctl_time(when, sizeof(when), l->locked_at);
	ctl_time(until, sizeof(until), l->pin_blocked_until);
	printf("line %s/%s%s%s\n", l->partition, l->ext,
	       l->label[0] ? "  " : "", l->label);
	if (l->lock == STORE_LOCK_NONE)
		printf("  state: unlocked\n");
	else
		printf("  state: locked (%s) by %s from %s at %s\n",
		       lock_name(l->lock), l->locked_by,
		       l->lock_source[0] ? l->lock_source : "-", when);
	printf("  pin: %s, %u recent failure(s)%s%s\n",
	       store_hash_is_set(&l->pin) ? "set" : "not set", l->pin_failures,
	       l->pin_blocked_until > (int64_t)time(NULL) ? ", blocked until "
	                                                  : "",
	       l->pin_blocked_until > (int64_t)time(NULL) ? until : "");
	printf("  locked calls: %s%s%s, block incoming: %s\n",
	       action_name(l->locked_action), l->redirect_uri[0] ? " to " : "",
	       l->redirect_uri, tri_name(l->block_incoming));
	ctl_line_rules_print(l);
}

/* ---- lines ---------------------------------------------------------- */

static int
cmd_lock(struct ctl *c)
{
	int rc = store_line_lock(c->st, c->partition, c->args[0],
	                         c->admin ? STORE_LOCK_ADMIN : STORE_LOCK_USER,
	                         &c->actor);

	if (rc < 0)
		return ctl_fail(rc, "lock", c->args[0]);
	printf("line %s locked (%s)\n", c->args[0],
	       c->admin ? "admin" : "user");
	return 0;
}

static int
cmd_unlock(struct ctl *c)
{
	int rc =
	    store_line_unlock(c->st, c->partition, c->args[0], true, &c->actor);

	if (rc < 0)
		return ctl_fail(rc, "unlock", c->args[0]);
	printf("line %s unlocked\n", c->args[0]);
	return 0;
}

static int
cmd_status(struct ctl *c)
{
	struct store_line l;
	int rc = store_line_get(c->st, &l, c->partition, c->args[0]);

	if (rc == -ENOENT) {
		store_line_defaults(&l, c->partition, c->args[0]);
		rc = 0;
	}
	if (rc < 0)
		return ctl_fail(rc, "status", c->args[0]);
	if (c->json)
		return ctl_json_print(line_json(&l));
	line_print(&l);
	return 0;
}

static int
cmd_list(struct ctl *c)
{
	struct store_line page[CTL_PAGE];
	cJSON *arr = c->json ? cJSON_CreateArray() : NULL;
	char ap[STORE_PARTITION_MAX] = "", ae[STORE_EXT_MAX] = "";
	int n;

	do {
		n = store_line_list(c->st, page, CTL_PAGE, ap[0] ? ap : NULL,
		                    ae[0] ? ae : NULL, NULL);
		if (n < 0) {
			cJSON_Delete(arr);
			return ctl_fail(n, "list", NULL);
		}
		for (int i = 0; i < n; i++) {
			if (arr)
				cJSON_AddItemToArray(arr, line_json(&page[i]));
			else
				printf("%-10s %-12s %-8s %s\n",
				       page[i].partition, page[i].ext,
				       lock_name(page[i].lock), page[i].label);
		}
		if (n > 0) {
			ll_strlcpy(ap, page[n - 1].partition, sizeof(ap));
			ll_strlcpy(ae, page[n - 1].ext, sizeof(ae));
		}
	} while (n == CTL_PAGE);
	return arr ? ctl_json_print(arr) : 0;
}

/* Reads one line of secret from stdin, without echo on a terminal. */
int
ctl_read_secret(char *buf, size_t len, const char *prompt)
{
	struct termios old, quiet;
	bool tty = isatty(STDIN_FILENO) && tcgetattr(STDIN_FILENO, &old) == 0;
	char *nl;

	if (tty) {
		fprintf(stderr, "%s", prompt);
		quiet = old;
		quiet.c_lflag &= ~(tcflag_t)ECHO;
		tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet);
	}
	nl = fgets(buf, (int)len, stdin);
	if (tty) {
		tcsetattr(STDIN_FILENO, TCSAFLUSH, &old);
		fputc('\n', stderr);
	}
	if (!nl)
		return -EINVAL;
	buf[strcspn(buf, "\r\n")] = '\0';
	return 0;
}

static int
cmd_pin(struct ctl *c)
{
	char pin[64];
	const char *why;
	struct store_settings s;
	struct store_hash h;
	int rc;

	if (c->clear) {
		rc = store_line_pin_set(c->st, c->partition, c->args[0], NULL,
		                        &c->actor);
		if (rc < 0)
			return ctl_fail(rc, "pin", c->args[0]);
		printf("line %s: PIN cleared\n", c->args[0]);
		return 0;
	}
	if (c->pin)
		ll_strlcpy(pin, c->pin, sizeof(pin));
	else if (ctl_read_secret(pin, sizeof(pin), "PIN: ") < 0)
		return ctl_fail(-EINVAL, "pin", "(no PIN on stdin)");
	rc = pol_pin_check(pin, c->args[0], &why);
	if (rc == 0)
		rc = store_settings_get(c->st, &s);
	if (rc == 0)
		rc = store_hash_make(&h, pin, s.pin_hash_iterations);
	mbedtls_platform_zeroize(pin, sizeof(pin));
	if (rc == -EINVAL && why) {
		fprintf(stderr, "linelockctl: pin %s: %s\n", c->args[0], why);
		return 1;
	}
	if (rc == 0)
		rc = store_line_pin_set(c->st, c->partition, c->args[0], &h,
		                        &c->actor);
	if (rc < 0)
		return ctl_fail(rc, "pin", c->args[0]);
	printf("line %s: PIN set\n", c->args[0]);
	return 0;
}

/* ---- settings and lists --------------------------------------------- */

static int
cmd_set(struct ctl *c)
{
	char err[160] = "";
	int rc = store_setting_set(c->st, c->args[0], c->args[1], &c->actor,
	                           err, sizeof(err));

	if (rc == -EINVAL || rc == -ENOENT) {
		fprintf(stderr, "linelockctl: set: %s\n", err);
		return 1;
	}
	if (rc < 0)
		return ctl_fail(rc, "set", c->args[0]);
	if (store_setting_get(c->st, "redirect_uri", err, sizeof(err)) == 0 &&
	    !err[0] && strcmp(c->args[0], "locked_action") == 0 &&
	    strcmp(c->args[1], "redirect") == 0)
		fprintf(stderr, "linelockctl: note: no redirect_uri yet; "
		                "locked calls get 403 until one is set\n");
	return 0;
}

static int
cmd_get(struct ctl *c)
{
	char buf[STORE_SETTING_MAX];
	int rc = store_setting_get(c->st, c->args[0], buf, sizeof(buf));

	if (rc == -ENOENT) {
		fprintf(stderr, "linelockctl: get: unknown setting \"%s\"\n",
		        c->args[0]);
		return 1;
	}
	if (rc < 0)
		return ctl_fail(rc, "get", c->args[0]);
	puts(buf);
	return 0;
}

static int
cmd_settings(struct ctl *c)
{
	const struct store_setting_info *si;
	struct store_settings s;
	char buf[STORE_SETTING_MAX];
	cJSON *o = c->json ? cJSON_CreateObject() : NULL;
	int rc = store_settings_get(c->st, &s);

	if (rc < 0) {
		cJSON_Delete(o);
		return ctl_fail(rc, "settings", NULL);
	}
	for (size_t i = 0; (si = store_setting_info(i)); i++) {
		if (store_setting_format(&s, si->key, buf, sizeof(buf)) < 0)
			continue;
		if (o)
			cJSON_AddStringToObject(o, si->key, buf);
		else
			printf("%-22s %-16s # %s\n", si->key, buf, si->help);
	}
	return o ? ctl_json_print(o) : 0;
}

int
ctl_list_cmd(struct ctl *c, enum store_list list)
{
	char pats[STORE_LIST_MAX][STORE_PATTERN_MAX];
	struct pol_pattern_error err = {0};
	const char *op = c->args[0];
	int rc, n;

	if (strcmp(op, "list") == 0 && c->nargs == 1) {
		n = store_list_get(c->st, list, pats, STORE_LIST_MAX);
		if (n < 0)
			return ctl_fail(n, store_list_name(list), NULL);
		for (int i = 0; i < n; i++)
			puts(pats[i]);
		return 0;
	}
	if (c->nargs != 2 || (strcmp(op, "add") && strcmp(op, "del")))
		return ctl_usage(stderr);
	if (op[0] == 'a' && pol_pattern_check(c->args[1], &err) < 0) {
		fprintf(stderr, "linelockctl: %s: pattern \"%s\" at %zu: %s\n",
		        store_list_name(list), c->args[1], err.pos, err.msg);
		return 1;
	}
	rc = op[0] == 'a' ? store_list_add(c->st, list, c->args[1], &c->actor)
	                  : store_list_del(c->st, list, c->args[1], &c->actor);
	return rc < 0 ? ctl_fail(rc, store_list_name(list), c->args[1]) : 0;
}

static int
cmd_emergency(struct ctl *c)
{
	return ctl_list_cmd(c, STORE_LIST_EMERGENCY);
}

static int
cmd_allow(struct ctl *c)
{
	return ctl_list_cmd(c, STORE_LIST_ALLOW);
}

/* ---- logs ----------------------------------------------------------- */

static int
cmd_audit(struct ctl *c)
{
	struct store_audit *a = calloc(c->limit, sizeof(*a));
	cJSON *arr = c->json ? cJSON_CreateArray() : NULL;
	char when[32];
	int n = a ? store_audit_list(c->st, a, c->limit, 0) : -ENOMEM;

	for (int i = 0; i < n; i++) {
		ctl_time(when, sizeof(when), a[i].time);
		if (!arr) {
			printf("%llu %s %s (%s) %s %s: %s -> %s\n",
			       (unsigned long long)a[i].seq, when, a[i].actor,
			       a[i].source, a[i].action, a[i].subject,
			       a[i].old_value, a[i].new_value);
			continue;
		}
		cJSON *o = cJSON_CreateObject();

		cJSON_AddNumberToObject(o, "seq", (double)a[i].seq);
		cJSON_AddNumberToObject(o, "time", (double)a[i].time);
		cJSON_AddStringToObject(o, "actor", a[i].actor);
		cJSON_AddStringToObject(o, "source", a[i].source);
		cJSON_AddStringToObject(o, "action", a[i].action);
		cJSON_AddStringToObject(o, "subject", a[i].subject);
		cJSON_AddStringToObject(o, "old", a[i].old_value);
		cJSON_AddStringToObject(o, "new", a[i].new_value);
		cJSON_AddItemToArray(arr, o);
	}
	free(a);
	if (n < 0) {
		cJSON_Delete(arr);
		return ctl_fail(n, "audit", NULL);
	}
	return arr ? ctl_json_print(arr) : 0;
}

static cJSON *
cdr_json(const struct store_cdr *r)
{
	cJSON *o = cJSON_CreateObject();

	cJSON_AddNumberToObject(o, "seq", (double)r->seq);
	cJSON_AddNumberToObject(o, "start_ms", (double)r->start_ms);
	cJSON_AddNumberToObject(o, "answer_ms", (double)r->answer_ms);
	cJSON_AddNumberToObject(o, "end_ms", (double)r->end_ms);
	cJSON_AddStringToObject(o, "partition", r->partition);
	cJSON_AddStringToObject(o, "caller", r->caller);
	cJSON_AddStringToObject(o, "callee", r->callee);
	cJSON_AddStringToObject(
	    o, "direction",
	    r->direction == STORE_DIR_INCOMING ? "incoming" : "outgoing");
	cJSON_AddStringToObject(o, "disposition",
	                        store_disposition_name(r->disposition));
	cJSON_AddNumberToObject(o, "code", r->code);
	cJSON_AddStringToObject(o, "reason", r->reason);
	cJSON_AddStringToObject(o, "pattern", r->pattern);
	cJSON_AddStringToObject(o, "auth_code", r->auth_code);
	cJSON_AddNumberToObject(o, "duration_s", r->duration_s);
	return o;
}

static int
cmd_cdr(struct ctl *c)
{
	struct store_cdr *r = calloc(c->limit, sizeof(*r));
	cJSON *arr = c->json ? cJSON_CreateArray() : NULL;
	char when[32];
	int n = r ? store_cdr_list(c->st, r, c->limit, 0) : -ENOMEM;

	for (int i = 0; i < n; i++) {
		if (arr) {
			cJSON_AddItemToArray(arr, cdr_json(&r[i]));
			continue;
		}
		ctl_time(when, sizeof(when), r[i].start_ms / 1000);
		/* The authorization code's name (never the code) closes
		 * the line when the call used one. */
		printf("%llu %s %s %s -> %s %s %u %s %us%s%s\n",
		       (unsigned long long)r[i].seq, when,
		       r[i].direction == STORE_DIR_INCOMING ? "in" : "out",
		       r[i].caller, r[i].callee,
		       store_disposition_name(r[i].disposition), r[i].code,
		       r[i].reason[0] ? r[i].reason : "-", r[i].duration_s,
		       r[i].auth_code[0] ? " auth=" : "", r[i].auth_code);
	}
	free(r);
	if (n < 0) {
		cJSON_Delete(arr);
		return ctl_fail(n, "cdr", NULL);
	}
	return arr ? ctl_json_print(arr) : 0;
}

/* ---- console accounts ----------------------------------------------- */

static int
cmd_passwd(struct ctl *c)
{
	char pw[256];
	struct store_settings s;
	struct store_hash h;
	int rc;

	if (ctl_read_secret(pw, sizeof(pw), "Password: ") < 0 ||
	    strlen(pw) < 8) {
		mbedtls_platform_zeroize(pw, sizeof(pw));
		fprintf(stderr, "linelockctl: passwd: a password of at least "
		                "8 characters on stdin\n");
		return 1;
	}
	rc = store_settings_get(c->st, &s);
	if (rc == 0)
		rc = store_hash_make(&h, pw, s.pin_hash_iterations);
	mbedtls_platform_zeroize(pw, sizeof(pw));
	if (rc == 0)
		rc = store_admin_put(c->st, c->args[0], &h, &c->actor);
	if (rc < 0)
		return ctl_fail(rc, "passwd", c->args[0]);
	printf("admin %s: password set\n", c->args[0]);
	return 0;
}

static int
cmd_token(struct ctl *c)
{
	struct store_api_token t[CTL_PAGE];
	char tok[STORE_TOKEN_LEN], when[32];
	const char *op = c->args[0];
	int rc, n;

	if (strcmp(op, "list") == 0 && c->nargs == 1) {
		n = store_token_list(c->st, t, CTL_PAGE);
		if (n < 0)
			return ctl_fail(n, "token list", NULL);
		for (int i = 0; i < n; i++) {
			ctl_time(when, sizeof(when), t[i].last_used);
			printf("%-20s last used %s\n", t[i].name, when);
		}
		return 0;
	}
	if (c->nargs != 2)
		return ctl_usage(stderr);
	if (strcmp(op, "create") == 0) {
		rc = store_token_create(c->st, c->args[1], tok, &c->actor);
		if (rc < 0)
			return ctl_fail(rc, "token create", c->args[1]);
		puts(tok); /* shown once, stored only as a hash */
		mbedtls_platform_zeroize(tok, sizeof(tok));
		return 0;
	}
	if (strcmp(op, "revoke") == 0) {
		rc = store_token_revoke(c->st, c->args[1], &c->actor);
		return rc < 0 ? ctl_fail(rc, "token revoke", c->args[1]) : 0;
	}
	return ctl_usage(stderr);
}

static int
cmd_check(struct ctl *c)
{
	uint32_t ver = 0;
	uint64_t used, map;
	int rc = store_schema_version(c->st, &ver);

	if (rc < 0)
		return ctl_fail(rc, "check", "schema");
	rc = store_check(c->st, stdout);
	if (rc < 0)
		return ctl_fail(rc, "check", NULL);
	if (store_usage(c->st, &used, &map) == 0)
		printf(
		    "schema %lu, %llu of %llu bytes used, %d bad record(s)\n",
		    (unsigned long)ver, (unsigned long long)used,
		    (unsigned long long)map, rc);
	return rc == 0 ? 0 : 1;
}

static const struct ctl_cmd cmds[] = {
    {"lock", 1, true, cmd_lock},
    {"unlock", 1, true, cmd_unlock},
    {"status", 1, false, cmd_status},
    {"list", 0, false, cmd_list},
    {"pin", 1, true, cmd_pin},
    {"set", 2, true, cmd_set},
    {"get", 1, false, cmd_get},
    {"settings", 0, false, cmd_settings},
    {"emergency", -1, true, cmd_emergency},
    {"allow", -1, true, cmd_allow},
    {"block", -1, true, ctl_cmd_block},
    {"afterhours", -1, true, ctl_cmd_afterhours},
    {"class", -1, true, ctl_cmd_class},
    {"authcode", -1, true, ctl_cmd_authcode},
    {"budget", 1, true, ctl_cmd_budget},
    {"audit", 0, false, cmd_audit},
    {"cdr", 0, false, cmd_cdr},
    {"passwd", 1, true, cmd_passwd},
    {"token", -1, true, cmd_token},
    {"ban", -1, true, ctl_cmd_ban},
    {"device", -1, true, ctl_cmd_device},
    {"check", 0, false, cmd_check},
};

static void
ctl_actor(struct store_actor *a)
{
	struct passwd *pw = getpwuid(geteuid());
	const char *user = pw ? pw->pw_name : getenv("USER");

	snprintf(a->name, sizeof(a->name), "cli:%s", user ? user : "?");
	ll_strlcpy(a->source, "local", sizeof(a->source));
}

static int
ctl_parse(struct ctl *c, int argc, char **argv)
{
	static const struct option opts[] = {
	    {"dir", required_argument, NULL, 'd'},
	    {"partition", required_argument, NULL, 'p'},
	    {"admin", no_argument, NULL, 'a'},
	    {"json", no_argument, NULL, 'j'},
	    {"pin", required_argument, NULL, 'P'},
	    {"clear", no_argument, NULL, 'C'},
	    {"limit", required_argument, NULL, 'n'},
	    {"code", required_argument, NULL, 'K'},
	    {"calls", required_argument, NULL, 'c'},
	    {"period", required_argument, NULL, 'r'},
	    {"minutes", required_argument, NULL, 'm'},
	    {"reset", no_argument, NULL, 'R'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	char *end;
	int o;

	while ((o = getopt_long(argc, argv, "d:p:n:h", opts, NULL)) != -1) {
		switch (o) {
		case 'd':
			c->dir = optarg;
			break;
		case 'p':
			c->partition = optarg;
			break;
		case 'a':
			c->admin = true;
			break;
		case 'j':
			c->json = true;
			break;
		case 'P':
			c->pin = optarg;
			break;
		case 'C':
			c->clear = true;
			break;
		case 'n':
			c->limit = (unsigned)strtoul(optarg, &end, 10);
			if (*end || c->limit == 0 || c->limit > 100000)
				return -EINVAL;
			break;
		case 'K':
			c->code = optarg;
			break;
		case 'c':
		case 'r':
		case 'm':
		case 'R':
			if (ctl_budget_opt(c, o, optarg) < 0)
				return -EINVAL;
			break;
		default:
			return -EINVAL;
		}
	}
	return optind < argc ? optind : -EINVAL;
}

int
main(int argc, char **argv)
{
	struct ctl c = {.limit = 20};
	struct store_config cfg = {0};
	const struct ctl_cmd *cmd = NULL;
	int first = ctl_parse(&c, argc, argv), rc;

	if (first < 0)
		return ctl_usage(stderr);
	for (size_t i = 0; i < ARRAY_SIZE(cmds); i++)
		if (strcmp(argv[first], cmds[i].name) == 0)
			cmd = &cmds[i];
	c.args = argv + first + 1;
	c.nargs = argc - first - 1;
	if (!cmd || (cmd->nargs >= 0 && c.nargs != cmd->nargs) ||
	    (cmd->nargs < 0 && (c.nargs < 1 || c.nargs > 3)))
		return ctl_usage(stderr);
	if (!c.dir)
		c.dir = getenv("LINELOCK_DIR") ? getenv("LINELOCK_DIR")
		                               : CTL_DEFAULT_DIR;
	if (strlen(c.dir) >= sizeof(cfg.dir) - 8)
		return ctl_fail(-EINVAL, "data directory", c.dir);
	ll_strlcpy(cfg.dir, c.dir, sizeof(cfg.dir));
	cfg.read_only = !cmd->writes;
	ctl_actor(&c.actor);
	log_open(false, LOG_LVL_WARN); /* storage errors reach stderr */
	rc = store_open(&c.st, &cfg);
	if (rc < 0)
		return ctl_fail(rc, "open", c.dir);
	rc = cmd->run(&c);
	store_close(c.st);
	return rc;
}
