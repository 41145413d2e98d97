/* A line's restrictions besides its lock: the class of restriction it
 * dials under and the after-hours override its user opened with *74. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "storage/internal.h"
#include "util.h"

static void
class_text(char *buf, size_t cap, uint8_t c)
{
	if (c == STORE_CLASS_NONE)
		ll_strlcpy(buf, "none", cap);
	else
		snprintf(buf, cap, "%u", (unsigned)c);
}

static int
edit_class(struct store *st, MDB_txn *txn, struct store_line *l,
           const void *arg, struct store__line_change *ch)
{
	const uint8_t *c = arg;

	(void)st, (void)txn;
	if (l->cor_class == *c)
		return 1;
	ch->action = "line.class";
	class_text(ch->old_value, sizeof(ch->old_value), l->cor_class);
	class_text(ch->new_value, sizeof(ch->new_value), *c);
	l->cor_class = *c;
	return 0;
}

int
store_line_class_set(struct store *st, const char *partition, const char *ext,
                     uint8_t cor_class, const struct store_actor *actor)
{
	if (cor_class > STORE_CLASS_COUNT)
		return -EINVAL;
	return store__line_modify(st, partition, ext, edit_class, &cor_class,
	                          actor);
}

static int
edit_afterhours(struct store *st, MDB_txn *txn, struct store_line *l,
                const void *arg, struct store__line_change *ch)
{
	const int64_t *until = arg;

	(void)st, (void)txn;
	if (l->afterhours_until == *until)
		return 1;
	ch->action = "line.afterhours";
	snprintf(ch->old_value, sizeof(ch->old_value), "until %lld",
	         (long long)l->afterhours_until);
	snprintf(ch->new_value, sizeof(ch->new_value), "until %lld",
	         (long long)*until);
	l->afterhours_until = *until;
	return 0;
}

int
store_line_afterhours_set(struct store *st, const char *partition,
                          const char *ext, int64_t until,
                          const struct store_actor *actor)
{
	if (until < 0)
		return -EINVAL;
	return store__line_modify(st, partition, ext, edit_afterhours, &until,
	                          actor);
}
