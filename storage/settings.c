/* Global settings: one record per key holding the value's canonical text,
 * so a key added later simply reads as its default in an older
 * environment. Every value is validated on the way in. */
#include <ctype.h>
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "storage/internal.h"
#include "util.h"

enum setting_kind {
	K_ACTION, /* reject|redirect */
	K_URI,    /* sip:, sips: or tel: URI, or "" */
	K_BOOL,   /* on|off */
	K_U16,
	K_U32,
	K_FC,     /* feature code: * or # then 1..6 digits */
	K_PREFIX, /* 0..7 digits */
	K_HOURS,  /* "HH:MM-HH:MM" or "closed" */
};

struct setting_def {
	const char *key;
	enum setting_kind kind;
	size_t off;        /* in struct store_settings */
	size_t size;       /* of a string field */
	uint32_t min, max; /* numbers */
	const char *def;   /* default, as text */
	const char *help;
};

#define S_OFF(f) offsetof(struct store_settings, f)
#define S_STR(f) S_OFF(f), sizeof(((struct store_settings *)0)->f)

static const struct setting_def defs[] = {
    {"locked_action", K_ACTION, S_OFF(locked_action), 0, 0, 0, "reject",
     "reject|redirect: a locked line's outgoing calls get 403 or a "
     "302 to redirect_uri"},
    {"redirect_uri", K_URI, S_STR(redirect_uri), 0, 0, "",
     "sip:/sips:/tel: URI locked calls are redirected to"},
    {"block_incoming", K_BOOL, S_OFF(block_incoming), 0, 0, 0, "off",
     "on|off: refuse incoming calls to locked lines"},
    {"incoming_locked_code", K_U16, S_OFF(incoming_locked_code), 0, 400, 699,
     "480", "SIP status for incoming calls to a locked line"},
    {"feature_lock", K_FC, S_STR(fc_lock), 0, 0, "*71",
     "feature code that locks the caller's line"},
    {"feature_unlock", K_FC, S_STR(fc_unlock), 0, 0, "*72",
     "feature code + PIN that unlocks the caller's line"},
    {"feature_change_pin", K_FC, S_STR(fc_pin), 0, 0, "*73",
     "feature code + old PIN + * + new PIN"},
    {"pin_max_failures", K_U32, S_OFF(pin_max_failures), 0, 1, 100, "5",
     "wrong PINs within pin_fail_window that block PIN entry"},
    {"pin_fail_window", K_U32, S_OFF(pin_fail_window), 0, 1, 86400, "900",
     "seconds over which wrong PINs are counted"},
    {"pin_block_seconds", K_U32, S_OFF(pin_block_seconds), 0, 1, 604800, "900",
     "seconds PIN entry stays blocked"},
    {"notify_on_lock", K_BOOL, S_OFF(notify_on_lock), 0, 0, 0, "on",
     "on|off: tell a line's phones (SIP MESSAGE) when it (un)locks"},
    {"outside_line_prefix", K_PREFIX, S_STR(outside_line_prefix), 0, 0, "",
     "digits dialled for an outside line, stripped before "
     "matching lists (e.g. 9)"},
    {"pin_hash_iterations", K_U32, S_OFF(pin_hash_iterations), 0,
     STORE_HASH_ITER_MIN, STORE_HASH_ITER_MAX, "10000",
     "PBKDF2 iterations for new PINs and passwords"},
    {"block_anonymous", K_BOOL, S_OFF(block_anonymous), 0, 0, 0, "off",
     "on|off: refuse incoming calls from anonymous callers"},
    {"blocked_action", K_ACTION, S_OFF(blocked_action), 0, 0, 0, "reject",
     "reject|redirect: what blocked and anonymous callers get"},
    {"blocked_code", K_U16, S_OFF(blocked_code), 0, 400, 699, "603",
     "SIP status for callers on the block list"},
    {"anonymous_code", K_U16, S_OFF(anonymous_code), 0, 400, 699, "433",
     "SIP status for anonymous callers (RFC 5079: 433)"},
    {"blocked_uri", K_URI, S_STR(blocked_uri), 0, 0, "",
     "redirect target for blocked callers (\"\": redirect_uri)"},
    {"afterhours_action", K_ACTION, S_OFF(afterhours_action), 0, 0, 0, "reject",
     "reject|redirect: what after-hours calls get"},
    {"afterhours_uri", K_URI, S_STR(afterhours_uri), 0, 0, "",
     "redirect target after hours (\"\": redirect_uri)"},
    {"feature_afterhours", K_FC, S_STR(fc_afterhours), 0, 0, "*74",
     "feature code + PIN that opens the line after hours"},
    {"afterhours_override_minutes", K_U32, S_OFF(afterhours_override_minutes),
     0, 1, 10080, "60", "minutes a *74 override lasts"},
    {"hours_sun", K_HOURS, S_OFF(hours[0]), 0, 0, 0, "00:00-24:00",
     "Sunday's opening hours: HH:MM-HH:MM (may cross midnight) or closed"},
    {"hours_mon", K_HOURS, S_OFF(hours[1]), 0, 0, 0, "00:00-24:00",
     "Monday's opening hours"},
    {"hours_tue", K_HOURS, S_OFF(hours[2]), 0, 0, 0, "00:00-24:00",
     "Tuesday's opening hours"},
    {"hours_wed", K_HOURS, S_OFF(hours[3]), 0, 0, 0, "00:00-24:00",
     "Wednesday's opening hours"},
    {"hours_thu", K_HOURS, S_OFF(hours[4]), 0, 0, 0, "00:00-24:00",
     "Thursday's opening hours"},
    {"hours_fri", K_HOURS, S_OFF(hours[5]), 0, 0, 0, "00:00-24:00",
     "Friday's opening hours"},
    {"hours_sat", K_HOURS, S_OFF(hours[6]), 0, 0, 0, "00:00-24:00",
     "Saturday's opening hours"},
    {"feature_authcode", K_FC, S_STR(fc_authcode), 0, 0, "*75",
     "prefix for an authorization code: *75 CODE * NUMBER"},
};

const struct store_setting_info *
store_setting_info(size_t i)
{
	static struct store_setting_info info[ARRAY_SIZE(defs)];

	if (i >= ARRAY_SIZE(defs))
		return NULL;
	info[i].key = defs[i].key;
	info[i].help = defs[i].help;
	return &info[i];
}

static const struct setting_def *
def_find(const char *key)
{
	for (size_t i = 0; key && i < ARRAY_SIZE(defs); i++)
		if (strcmp(defs[i].key, key) == 0)
			return &defs[i];
	return NULL;
}

static bool
uri_char_ok(int c)
{
	/* No blanks, quotes or angle brackets: the URI goes into a Contact
	 * header verbatim (RFC 3261 25.1 forbids them unescaped). */
	return c > 0x20 && c < 0x7f && c != '<' && c != '>' && c != '"';
}

bool
store__uri_ok(const char *uri)
{
	if (!*uri)
		return true;
	if (strncasecmp(uri, "sip:", 4) && strncasecmp(uri, "sips:", 5) &&
	    strncasecmp(uri, "tel:", 4))
		return false;
	return store__name_ok(uri, STORE_URI_MAX, uri_char_ok) &&
	       strchr(uri, ':')[1] != '\0';
}

static int
parse_u32(const char *v, uint32_t min, uint32_t max, uint32_t *out)
{
	char *end;
	unsigned long n;

	if (*v < '0' || *v > '9')
		return -EINVAL;
	errno = 0;
	n = strtoul(v, &end, 10);
	if (errno || *end || n < min || n > max)
		return -EINVAL;
	*out = (uint32_t)n;
	return 0;
}

static int
parse_bool(const char *v, bool *out)
{
	static const char *const on[] = {"on", "yes", "true", "1"};
	static const char *const off[] = {"off", "no", "false", "0"};

	for (size_t i = 0; i < ARRAY_SIZE(on); i++) {
		if (strcasecmp(v, on[i]) == 0)
			return *out = true, 0;
		if (strcasecmp(v, off[i]) == 0)
			return *out = false, 0;
	}
	return -EINVAL;
}

static bool
digits_ok(const char *s, size_t min, size_t max)
{
	size_t n = strlen(s);

	return n >= min && n <= max && strspn(s, "0123456789") == n;
}

/* "HH:MM" into minutes of the day; 24:00 only when `end`. */
static int
parse_hhmm(const char *v, bool end, uint16_t *out)
{
	unsigned h, m;
	int used = 0;

	if (strlen(v) < 5 || sscanf(v, "%2u:%2u%n", &h, &m, &used) != 2 ||
	    used != 5 || !isdigit((unsigned char)v[0]) ||
	    !isdigit((unsigned char)v[3]) || m > 59 ||
	    (h > 23 && !(end && h == 24 && m == 0)))
		return -EINVAL;
	*out = (uint16_t)(h * 60 + m);
	return 0;
}

static int
parse_hours(const char *v, struct store_hours *out)
{
	struct store_hours h;

	if (strcasecmp(v, "closed") == 0) {
		out->open = out->close = 0;
		return 0;
	}
	if (strlen(v) != 11 || v[5] != '-' || parse_hhmm(v, false, &h.open) ||
	    parse_hhmm(v + 6, true, &h.close) || h.open == h.close)
		return -EINVAL;
	*out = h;
	return 0;
}

/* Parses v into the field of `d` in s; *why names the rule broken. */
static int
setting_parse_one(struct store_settings *s, const struct setting_def *d,
                  const char *v, const char **why)
{
	char *base = (char *)s + d->off;
	uint32_t n;

	switch (d->kind) {
	case K_ACTION:
		if (strcasecmp(v, "reject") == 0)
			*(uint8_t *)base = STORE_ACTION_REJECT;
		else if (strcasecmp(v, "redirect") == 0)
			*(uint8_t *)base = STORE_ACTION_REDIRECT;
		else
			return *why = "must be reject or redirect", -EINVAL;
		return 0;
	case K_HOURS:
		if (parse_hours(v, (struct store_hours *)(void *)base) < 0)
			return *why = "must be HH:MM-HH:MM or closed", -EINVAL;
		return 0;
	case K_URI:
		if (!store__uri_ok(v))
			return *why = "must be a sip:, sips: or tel: URI "
			              "without blanks, < > or quotes",
			       -EINVAL;
		break;
	case K_BOOL:
		if (parse_bool(v, (bool *)base) < 0)
			return *why = "must be on or off", -EINVAL;
		return 0;
	case K_U16:
	case K_U32:
		if (parse_u32(v, d->min, d->max, &n) < 0)
			return *why = "out of range", -EINVAL;
		if (d->kind == K_U16)
			*(uint16_t *)(void *)base = (uint16_t)n;
		else
			*(uint32_t *)(void *)base = n;
		return 0;
	case K_FC:
		if ((v[0] != '*' && v[0] != '#') || !digits_ok(v + 1, 1, 6))
			return *why = "must be * or # and 1 to 6 digits",
			       -EINVAL;
		break;
	case K_PREFIX:
		if (!digits_ok(v, 0, STORE_PREFIX_MAX - 1))
			return *why = "must be up to 7 digits", -EINVAL;
		break;
	}
	if (strlen(v) >= d->size)
		return *why = "too long", -EINVAL;
	memcpy(base, v, strlen(v) + 1);
	return 0;
}

/* Rules across settings: no feature code may be a prefix of another (*7
 * would swallow *72 + PIN). A redirect without a redirect_uri is allowed,
 * so the two can be set in either order; policy rejects (403) until the
 * URI is there. */
static int
settings_validate(const struct store_settings *s, const char **why)
{
	const char *fc[] = {s->fc_lock, s->fc_unlock, s->fc_pin,
	                    s->fc_afterhours, s->fc_authcode};

	for (size_t i = 0; i < ARRAY_SIZE(fc); i++)
		for (size_t j = 0; j < ARRAY_SIZE(fc); j++)
			if (i != j && strncmp(fc[i], fc[j], strlen(fc[i])) == 0)
				return *why = "feature codes must differ and "
				              "not be prefixes of each other",
				       -EINVAL;
	return 0;
}

int
store__setting_apply(struct store_settings *s, const char *key,
                     const char *value)
{
	const struct setting_def *d = def_find(key);
	const char *why;

	return d ? setting_parse_one(s, d, value, &why) : -ENOENT;
}

void
store_settings_defaults(struct store_settings *s)
{
	const char *why;

	memset(s, 0, sizeof(*s));
	for (size_t i = 0; i < ARRAY_SIZE(defs); i++)
		setting_parse_one(s, &defs[i], defs[i].def, &why);
}

int
store_setting_parse(struct store_settings *s, const char *key,
                    const char *value, char *err, size_t errlen)
{
	const struct setting_def *d = def_find(key);
	struct store_settings next = *s;
	const char *why = NULL;
	int rc;

	if (!d) {
		if (err)
			snprintf(err, errlen, "unknown setting \"%s\"",
			         key ? key : "");
		return -ENOENT;
	}
	if (!value || !*value || strcmp(value, "default") == 0)
		value = d->def;
	rc = setting_parse_one(&next, d, value, &why);
	if (rc == 0)
		rc = settings_validate(&next, &why);
	if (rc < 0) {
		if (err)
			snprintf(err, errlen, "%s: %s", key, why);
		return rc;
	}
	*s = next;
	return 0;
}

int
store_setting_format(const struct store_settings *s, const char *key, char *buf,
                     size_t len)
{
	const struct setting_def *d = def_find(key);
	const char *base;
	int n;

	if (!d)
		return -ENOENT;
	base = (const char *)s + d->off;
	switch (d->kind) {
	case K_ACTION:
		n = snprintf(buf, len, "%s",
		             *(const uint8_t *)base == STORE_ACTION_REDIRECT
		                 ? "redirect"
		                 : "reject");
		break;
	case K_HOURS: {
		const struct store_hours *h = (const void *)base;

		n = h->open == h->close
		        ? snprintf(buf, len, "closed")
		        : snprintf(buf, len, "%02u:%02u-%02u:%02u",
		                   h->open / 60u, h->open % 60u, h->close / 60u,
		                   h->close % 60u);
		break;
	}
	case K_BOOL:
		n = snprintf(buf, len, "%s",
		             *(const bool *)base ? "on" : "off");
		break;
	case K_U16:
		n = snprintf(buf, len, "%u",
		             (unsigned)*(const uint16_t *)(const void *)base);
		break;
	case K_U32:
		n = snprintf(
		    buf, len, "%lu",
		    (unsigned long)*(const uint32_t *)(const void *)base);
		break;
	default:
		n = snprintf(buf, len, "%s", base);
		break;
	}
	return n < 0 || (size_t)n >= len ? -ENOSPC : 0;
}

int
store__settings_read(struct store *st, MDB_txn *txn, struct store_settings *out)
{
	MDB_cursor *cur;
	MDB_val k, v;
	char key[64], val[STORE_SETTING_MAX];
	int rc;

	store_settings_defaults(out);
	rc = mdb_cursor_open(txn, st->dbi[STORE_DB_SETTINGS], &cur);
	if (rc != MDB_SUCCESS)
		return store__err(rc);
	for (rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST); rc == MDB_SUCCESS;
	     rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
		if (k.mv_size >= sizeof(key) || v.mv_size >= sizeof(val))
			continue; /* reported by store_check() */
		memcpy(key, k.mv_data, k.mv_size);
		key[k.mv_size] = '\0';
		memcpy(val, v.mv_data, v.mv_size);
		val[v.mv_size] = '\0';
		/* Keys are parsed one by one without the rules across
		 * keys (they held when written). A stored value that no
		 * longer parses keeps the default; store_check() reports
		 * it. */
		store__setting_apply(out, key, val);
	}
	mdb_cursor_close(cur);
	return rc == MDB_NOTFOUND ? 0 : store__err(rc);
}

int
store_settings_get(struct store *st, struct store_settings *out)
{
	MDB_txn *txn;
	int rc = store__read_begin(st, &txn);

	if (rc < 0)
		return rc;
	rc = store__settings_read(st, txn, out);
	mdb_txn_abort(txn);
	return rc;
}

int
store_setting_get(struct store *st, const char *key, char *buf, size_t len)
{
	struct store_settings s;
	int rc;

	if (!def_find(key))
		return -ENOENT;
	rc = store_settings_get(st, &s);
	return rc < 0 ? rc : store_setting_format(&s, key, buf, len);
}

/* Writes the canonical text of `key` in s, or deletes it at default. */
static int
setting_write(struct store *st, MDB_txn *txn, const struct setting_def *d,
              const char *text)
{
	MDB_val k = {strlen(d->key), (void *)d->key};
	MDB_val v = {strlen(text), (void *)text};
	int rc;

	if (strcmp(text, d->def) == 0) {
		rc = mdb_del(txn, st->dbi[STORE_DB_SETTINGS], &k, NULL);
		return rc == MDB_NOTFOUND ? 0 : store__err(rc);
	}
	return store__err(mdb_put(txn, st->dbi[STORE_DB_SETTINGS], &k, &v, 0));
}

int
store_setting_set(struct store *st, const char *key, const char *value,
                  const struct store_actor *actor, char *err, size_t errlen)
{
	const struct setting_def *d = def_find(key);
	struct store_settings s;
	char old[STORE_SETTING_MAX], cur[STORE_SETTING_MAX];
	MDB_txn *txn;
	int rc;

	if (!d)
		return store_setting_parse(&s, key, value, err, errlen);
	rc = store__write_begin(st, &txn);
	if (rc < 0)
		return rc;
	rc = store__settings_read(st, txn, &s);
	if (rc == 0)
		rc = store_setting_format(&s, key, old, sizeof(old));
	if (rc == 0)
		rc = store_setting_parse(&s, key, value, err, errlen);
	if (rc == 0)
		rc = store_setting_format(&s, key, cur, sizeof(cur));
	if (rc == 0)
		rc = setting_write(st, txn, d, cur);
	if (rc == 0 && strcmp(old, cur) != 0)
		rc = store__audit_txn(st, txn, actor, "setting.set", key, old,
		                      cur);
	if (rc == 0)
		rc = store__gen_bump(st, txn);
	if (rc < 0) {
		mdb_txn_abort(txn);
		return rc;
	}
	return store__commit(st, txn);
}

/* Applies every key of a multi-key set to s, then the rules across keys
 * on the result, so that, e.g., two feature codes can swap in one go. */
static int
settings_parse_all(struct store_settings *s, const char *const *keys,
                   const char *const *values, size_t n, char *err,
                   size_t errlen)
{
	const struct setting_def *d;
	const char *why = NULL, *v;

	for (size_t i = 0; i < n; i++) {
		d = def_find(keys[i]);
		if (!d) {
			if (err)
				snprintf(err, errlen, "unknown setting \"%s\"",
				         keys[i] ? keys[i] : "");
			return -ENOENT;
		}
		v = values[i];
		if (!v || !*v || strcmp(v, "default") == 0)
			v = d->def;
		if (setting_parse_one(s, d, v, &why) < 0) {
			if (err)
				snprintf(err, errlen, "%s: %s", d->key, why);
			return -EINVAL;
		}
	}
	if (settings_validate(s, &why) < 0) {
		if (err)
			snprintf(err, errlen, "%s", why);
		return -EINVAL;
	}
	return 0;
}

/* Writes and audits one key of a multi-key set when its text changed;
 * `old` follows what was written so a repeated key is audited once. */
static int
settings_store_one(struct store *st, MDB_txn *txn, struct store_settings *old,
                   const struct store_settings *s, const char *key,
                   const struct store_actor *actor)
{
	const struct setting_def *d = def_find(key);
	char was[STORE_SETTING_MAX], now[STORE_SETTING_MAX];
	int rc;

	rc = store_setting_format(old, key, was, sizeof(was));
	if (rc == 0)
		rc = store_setting_format(s, key, now, sizeof(now));
	if (rc < 0 || strcmp(was, now) == 0)
		return rc;
	rc = setting_write(st, txn, d, now);
	if (rc == 0)
		rc = store__audit_txn(st, txn, actor, "setting.set", key, was,
		                      now);
	if (rc == 0)
		rc = store__setting_apply(old, key, now);
	return rc;
}

int
store_settings_set(struct store *st, const char *const *keys,
                   const char *const *values, size_t n,
                   const struct store_actor *actor, char *err, size_t errlen)
{
	struct store_settings s, old;
	MDB_txn *txn;
	int rc;

	rc = store__write_begin(st, &txn);
	if (rc < 0)
		return rc;
	rc = store__settings_read(st, txn, &s);
	old = s;
	if (rc == 0)
		rc = settings_parse_all(&s, keys, values, n, err, errlen);
	for (size_t i = 0; rc == 0 && i < n; i++)
		rc = settings_store_one(st, txn, &old, &s, keys[i], actor);
	if (rc == 0)
		rc = store__gen_bump(st, txn);
	if (rc < 0) {
		mdb_txn_abort(txn);
		return rc;
	}
	return store__commit(st, txn);
}
