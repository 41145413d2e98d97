/* Call budgets: per line, calls per local day or month and minutes per
 * local month. The B2BUA charges each ended call; a spent budget locks
 * the line (BUDGET lock, which the user's PIN cannot lift) until the
 * period rolls over or an administrator resets it. pol_decide() only
 * sees the lock. Without CONFIG_POLICY_BUDGET nothing is counted. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <stdlib.h>
#include <time.h>

#include "storage/internal.h"
#include "util.h"

uint32_t
store_budget_period_id(enum store_budget_period period, int64_t now)
{
	time_t t = (time_t)now;
	struct tm tm;

	if (!localtime_r(&t, &tm))
		return 0;
	if (period == STORE_PERIOD_DAY)
		return (uint32_t)((tm.tm_year + 1900) * 10000 +
		                  (tm.tm_mon + 1) * 100 + tm.tm_mday);
	return (uint32_t)((tm.tm_year + 1900) * 100 + tm.tm_mon + 1);
}

/* Zeroes counters whose period is over. */
static void
budget_roll(struct store_budget *b, int64_t now)
{
	uint32_t cp = store_budget_period_id(b->period, now);
	uint32_t sp = store_budget_period_id(STORE_PERIOD_MONTH, now);

	if (b->calls_period != cp) {
		b->calls_period = cp;
		b->used_calls = 0;
	}
	if (b->seconds_period != sp) {
		b->seconds_period = sp;
		b->used_seconds = 0;
	}
}

bool
store_budget_is_spent(const struct store_budget *b, int64_t now)
{
	struct store_budget r = *b;

	budget_roll(&r, now);
	return (r.calls && r.used_calls >= r.calls) ||
	       (r.minutes && r.used_seconds / 60 >= r.minutes);
}

static void
budget_text(char *buf, size_t cap, const struct store_budget *b)
{
	snprintf(buf, cap, "calls %lu/%s, minutes %lu/month",
	         (unsigned long)b->calls,
	         b->period == STORE_PERIOD_DAY ? "day" : "month",
	         (unsigned long)b->minutes);
}

struct budget_arg {
	uint32_t calls, minutes;
	uint8_t period;
};

static int
edit_budget(struct store *st, MDB_txn *txn, struct store_line *l,
            const void *arg, struct store__line_change *ch)
{
	const struct budget_arg *a = arg;

	(void)st, (void)txn;
	ch->action = "line.budget";
	budget_text(ch->old_value, sizeof(ch->old_value), &l->budget);
	if (l->budget.period != a->period)
		l->budget.calls_period = 0; /* a new kind of period */
	l->budget.calls = a->calls;
	l->budget.minutes = a->minutes;
	l->budget.period = a->period;
	budget_text(ch->new_value, sizeof(ch->new_value), &l->budget);
	return strcmp(ch->old_value, ch->new_value) ? 0 : 1;
}

int
store_line_budget_set(struct store *st, const char *partition, const char *ext,
                      uint32_t calls, enum store_budget_period period,
                      uint32_t minutes, const struct store_actor *actor)
{
	struct budget_arg a = {calls, minutes, (uint8_t)period};

	if (!IS_ENABLED(CONFIG_POLICY_BUDGET))
		return -ENOTSUP;
	if ((period != STORE_PERIOD_DAY && period != STORE_PERIOD_MONTH) ||
	    minutes > 44640 /* 31 days */)
		return -EINVAL;
	return store__line_modify(st, partition, ext, edit_budget, &a, actor);
}

/* Lifts a BUDGET lock inside an edit (other locks stay). */
static void
budget_unlock(struct store_line *l, struct store__line_change *ch)
{
	if (l->lock != STORE_LOCK_BUDGET)
		return;
	l->lock = STORE_LOCK_NONE;
	l->locked_at = 0;
	l->locked_by[0] = l->lock_source[0] = '\0';
	ch->action = "line.unlock";
	ll_strlcpy(ch->old_value, store__lock_name(STORE_LOCK_BUDGET),
	           sizeof(ch->old_value));
	ll_strlcpy(ch->new_value, store__lock_name(STORE_LOCK_NONE),
	           sizeof(ch->new_value));
}

static int
edit_budget_reset(struct store *st, MDB_txn *txn, struct store_line *l,
                  const void *arg, struct store__line_change *ch)
{
	(void)st, (void)txn, (void)arg;
	budget_unlock(l, ch);
	ch->action = "line.budget_reset";
	snprintf(ch->old_value, sizeof(ch->old_value),
	         "%lu calls, %lu s used%s", (unsigned long)l->budget.used_calls,
	         (unsigned long)l->budget.used_seconds,
	         l->lock == STORE_LOCK_NONE && ch->new_value[0] ? ", locked"
	                                                        : "");
	ll_strlcpy(ch->new_value, "0 calls, 0 s used", sizeof(ch->new_value));
	l->budget.used_calls = l->budget.used_seconds = 0;
	return 0;
}

int
store_line_budget_reset(struct store *st, const char *partition,
                        const char *ext, const struct store_actor *actor)
{
	if (!IS_ENABLED(CONFIG_POLICY_BUDGET))
		return -ENOTSUP;
	return store__line_modify(st, partition, ext, edit_budget_reset, NULL,
	                          actor);
}

struct charge_arg {
	uint32_t seconds;
	int64_t now;
	bool locked;
};

static int
edit_charge(struct store *st, MDB_txn *txn, struct store_line *l,
            const void *arg, struct store__line_change *ch)
{
	struct charge_arg *a = (struct charge_arg *)arg;
	struct store_budget *b = &l->budget;

	(void)st, (void)txn;
	if (!b->calls && !b->minutes)
		return 1;
	budget_roll(b, a->now);
	b->used_calls++;
	b->used_seconds = b->used_seconds > UINT32_MAX - a->seconds
	                      ? UINT32_MAX
	                      : b->used_seconds + a->seconds;
	/* A stronger lock (admin) or one already there stays as it is;
	 * the counters still count. */
	if (l->lock != STORE_LOCK_NONE && l->lock != STORE_LOCK_USER)
		return 0;
	if (!store_budget_is_spent(b, a->now))
		return 0;
	ch->action = "line.lock";
	ll_strlcpy(ch->old_value, store__lock_name(l->lock),
	           sizeof(ch->old_value));
	ll_strlcpy(ch->new_value, store__lock_name(STORE_LOCK_BUDGET),
	           sizeof(ch->new_value));
	l->lock = STORE_LOCK_BUDGET;
	l->locked_at = a->now;
	ll_strlcpy(l->locked_by, "system", sizeof(l->locked_by));
	ll_strlcpy(l->lock_source, "budget", sizeof(l->lock_source));
	a->locked = true;
	return 0;
}

int
store_budget_charge(struct store *st, const char *partition, const char *ext,
                    uint32_t seconds, int64_t now, bool *locked)
{
	struct store_line l;
	struct charge_arg a = {seconds, now, false};
	int rc;

	if (locked)
		*locked = false;
	if (!IS_ENABLED(CONFIG_POLICY_BUDGET))
		return 0;
	/* Most lines have no budget: a read avoids a durable write. */
	rc = store_line_get(st, &l, partition, ext);
	if (rc == -ENOENT || (rc == 0 && !l.budget.calls && !l.budget.minutes))
		return 0;
	if (rc < 0)
		return rc;
	rc = store__line_modify(st, partition, ext, edit_charge, &a, NULL);
	if (rc == 0 && locked)
		*locked = a.locked;
	return rc;
}

static int
edit_rollover(struct store *st, MDB_txn *txn, struct store_line *l,
              const void *arg, struct store__line_change *ch)
{
	const int64_t *now = arg;

	(void)st, (void)txn;
	if (l->lock != STORE_LOCK_BUDGET ||
	    store_budget_is_spent(&l->budget, *now))
		return 1;
	budget_roll(&l->budget, *now);
	budget_unlock(l, ch);
	return 0;
}

int
store_budget_rollover(struct store *st, int64_t now)
{
	struct store_line *v;
	char after_p[STORE_PARTITION_MAX] = "", after_e[STORE_EXT_MAX] = "";
	int n, rc = 0, unlocked = 0;
	const size_t page = 64;

	if (!IS_ENABLED(CONFIG_POLICY_BUDGET))
		return 0;
	v = calloc(page, sizeof(*v));
	if (!v)
		return -ENOMEM;
	do {
		n = store_line_list(st, v, page, after_p[0] ? after_p : NULL,
		                    after_e[0] ? after_e : NULL, NULL);
		for (int i = 0; i < n && rc >= 0; i++) {
			if (v[i].lock != STORE_LOCK_BUDGET ||
			    store_budget_is_spent(&v[i].budget, now))
				continue;
			rc = store__line_modify(st, v[i].partition, v[i].ext,
			                        edit_rollover, &now, NULL);
			unlocked += rc == 0;
		}
		if (n > 0) {
			ll_strlcpy(after_p, v[n - 1].partition,
			           sizeof(after_p));
			ll_strlcpy(after_e, v[n - 1].ext, sizeof(after_e));
		}
	} while (n == (int)page && rc >= 0);
	free(v);
	if (n < 0)
		return n;
	return rc < 0 ? rc : unlocked;
}
