/* storage/ deferred records on a real LMDB environment: call records and
 * binding writes queue in memory, one flush commits them in order, another
 * process sees them only after it, this process reads its own writes,
 * the queue stays bounded and store_close() flushes what is left. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "storage/store.h"
#include "tmpdir.h"
#include "util.h"

static const struct store_actor phone = {"phone:201", "192.0.2.1:5060"};

struct env {
	char dir[64];
	struct store *st;
	unsigned hooks;		/* on_pending calls */
};

static void
on_pending(void *arg)
{
	struct env *e = arg;

	e->hooks++;
}

static int
env_open(struct env *e, bool deferred)
{
	struct store_config cfg = {.cdr_max = 5000};

	ll_strlcpy(cfg.dir, e->dir, sizeof(cfg.dir));
	if (deferred) {
		cfg.on_pending = on_pending;
		cfg.pending_arg = e;
	}
	return store_open(&e->st, &cfg);
}

static int
setup(void **state)
{
	static struct env e;

	memset(&e, 0, sizeof(e));
	tmpdir_make(e.dir, sizeof(e.dir));
	assert_int_equal(env_open(&e, true), 0);
	*state = &e;
	return 0;
}

static int
teardown(void **state)
{
	struct env *e = *state;

	store_close(e->st);
	tmpdir_remove(e->dir);
	return 0;
}

/* CDRs another process (linelockctl) sees in dir: a child opens its own
 * read-only environment, as LMDB wants one per process. */
static int
cdrs_elsewhere(const char *dir)
{
	pid_t pid = fork();
	int status;

	assert_true(pid >= 0);
	if (pid == 0) {
		struct store_config cfg = {.read_only = true};
		static struct store_cdr page[200];
		struct store *st;
		int n;

		ll_strlcpy(cfg.dir, dir, sizeof(cfg.dir));
		if (store_open(&st, &cfg) < 0)
			_exit(255);
		n = store_cdr_list(st, page, 200, 0);
		store_close(st);
		_exit(n < 0 ? 255 : n);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	return WEXITSTATUS(status);
}

static void
cdr_make(struct store_cdr *c, int i)
{
	memset(c, 0, sizeof(*c));
	c->start_ms = 1000 + i;
	snprintf(c->caller, sizeof(c->caller), "%d", 200 + i);
	ll_strlcpy(c->callee, "0123456", sizeof(c->callee));
	c->disposition = STORE_DISP_ANSWERED;
	c->code = 200;
}

static void
test_pending_cdrs_stored_in_order_by_flush(void **state)
{
	struct env *e = *state;
	struct store_cdr c, page[8];

	for (int i = 0; i < 5; i++) {
		cdr_make(&c, i);
		assert_int_equal(store_cdr_append(e->st, &c, NULL), 0);
	}
	assert_int_equal(store_pending(e->st), 5);
	assert_int_equal(e->hooks, 1); /* once, when it turned non-empty */
	assert_int_equal(cdrs_elsewhere(e->dir), 0);
	assert_int_equal(store_flush(e->st), 0);
	assert_int_equal(store_pending(e->st), 0);
	assert_int_equal(cdrs_elsewhere(e->dir), 5);
	assert_int_equal(store_cdr_list(e->st, page, 8, 0), 5);
	for (int i = 0; i < 5; i++) {
		char want[8];

		snprintf(want, sizeof(want), "%d", 204 - i); /* newest first */
		assert_string_equal(page[i].caller, want);
		assert_int_equal(page[i].seq, (uint64_t)(5 - i));
	}
	/* Empty again: the next record calls the hook again. */
	cdr_make(&c, 9);
	assert_int_equal(store_cdr_append(e->st, &c, NULL), 0);
	assert_int_equal(e->hooks, 2);
	assert_int_equal(store_flush(e->st), 0);
	assert_int_equal(store_flush(e->st), 0);	/* nothing queued */
}

static void
test_pending_cdr_with_seq_is_synchronous(void **state)
{
	struct env *e = *state;
	struct store_cdr c;
	uint64_t seq = 0;

	cdr_make(&c, 0);
	assert_int_equal(store_cdr_append(e->st, &c, NULL), 0);
	cdr_make(&c, 1);
	assert_int_equal(store_cdr_append(e->st, &c, &seq), 0);
	assert_int_equal(seq, 2);	/* after the queued one */
	assert_int_equal(store_pending(e->st), 0);
	assert_int_equal(cdrs_elsewhere(e->dir), 2);
}

static void
test_pending_queue_bounded(void **state)
{
	struct env *e = *state;
	struct store_cdr c;
	size_t most = 0;

	for (int i = 0; i < 3000; i++) {
		cdr_make(&c, i);
		assert_int_equal(store_cdr_append(e->st, &c, NULL), 0);
		most = MAX(most, store_pending(e->st));
	}
	/* A full queue flushed by itself: bounded, nothing lost. */
	assert_true(most < 3000);
	assert_true(store_pending(e->st) < 3000);
	assert_true(cdrs_elsewhere(e->dir) > 0);
	assert_int_equal(store_flush(e->st), 0);
	{
		static struct store_cdr page[3001];

		assert_int_equal(store_cdr_list(e->st, page, 3001, 0), 3000);
		assert_int_equal(page[0].start_ms, 1000 + 2999);
		assert_int_equal(page[2999].start_ms, 1000);
	}
}

static void
binding_make(struct store_binding *b, const char *token, int64_t exp)
{
	memset(b, 0, sizeof(*b));
	ll_strlcpy(b->token, token, sizeof(b->token));
	ll_strlcpy(b->aor, "sip:201@pbx", sizeof(b->aor));
	ll_strlcpy(b->ext, "201", sizeof(b->ext));
	ll_strlcpy(b->contact, "<sip:201@192.0.2.1>", sizeof(b->contact));
	b->expires_at = exp;
	b->registered_at = 1;
}

static void
test_pending_binding_read_your_writes(void **state)
{
	struct env *e = *state;
	struct store_binding b, out[2];
	struct store_audit a;

	binding_make(&b, "tokA", 4000000000);
	assert_int_equal(store_binding_put(e->st, &b, &phone), 0);
	assert_int_equal(store_pending(e->st), 1);
	/* The audit entry is written by the flush, with the actor kept. */
	assert_int_equal(store_audit_list(e->st, &a, 1, 0), 0);
	assert_int_equal(store_binding_get(e->st, &out[0], "tokA"), 0);
	assert_int_equal(store_pending(e->st), 0);
	assert_string_equal(out[0].contact, "<sip:201@192.0.2.1>");
	assert_int_equal(store_audit_list(e->st, &a, 1, 0), 1);
	assert_string_equal(a.action, "binding.add");
	assert_string_equal(a.actor, "phone:201");
	/* Refresh, then unregister: the delete wins over the queued put. */
	b.expires_at = 4000000060;
	assert_int_equal(store_binding_put(e->st, &b, &phone), 0);
	assert_int_equal(store_binding_del(e->st, "tokA", &phone), 0);
	assert_int_equal(store_flush(e->st), 0);
	assert_int_equal(store_binding_get(e->st, &out[0], "tokA"), -ENOENT);
	assert_int_equal(
	    store_binding_list_line(e->st, out, 2, NULL, "201"), 0);
	/* Bad fields are refused at once, never queued. */
	binding_make(&b, "bad token", 4000000000);
	assert_int_equal(store_binding_put(e->st, &b, NULL), -EINVAL);
	assert_int_equal(store_pending(e->st), 0);
	/* Expiry sees queued bindings too. */
	binding_make(&b, "tokB", 10);
	assert_int_equal(store_binding_put(e->st, &b, NULL), 0);
	assert_int_equal(store_binding_expire(e->st, 20), 1);
	assert_int_equal(store_binding_list(e->st, out, 2, NULL), 0);
}

static void
test_pending_flushed_at_close(void **state)
{
	struct env *e = *state;
	struct store_binding b;
	struct store_cdr c;

	cdr_make(&c, 0);
	assert_int_equal(store_cdr_append(e->st, &c, NULL), 0);
	binding_make(&b, "tokC", 4000000000);
	assert_int_equal(store_binding_put(e->st, &b, NULL), 0);
	assert_int_equal(store_pending(e->st), 2);
	store_close(e->st);
	e->st = NULL;
	assert_int_equal(cdrs_elsewhere(e->dir), 1);
	assert_int_equal(env_open(e, false), 0);
	assert_int_equal(store_binding_get(e->st, &b, "tokC"), 0);
	/* Without on_pending nothing is queued: linelockctl, tests. */
	assert_int_equal(store_cdr_append(e->st, &c, NULL), 0);
	assert_int_equal(store_pending(e->st), 0);
	assert_int_equal(cdrs_elsewhere(e->dir), 2);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
	    T(test_pending_cdrs_stored_in_order_by_flush),
	    T(test_pending_cdr_with_seq_is_synchronous),
	    T(test_pending_queue_bounded),
	    T(test_pending_binding_read_your_writes),
	    T(test_pending_flushed_at_close),
#undef T
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
