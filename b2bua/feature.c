/* Feature codes dialled from a phone: *71 locks its line, *72PIN unlocks
 * it, *73[OLD*]NEW sets its PIN, *74PIN opens it after hours for
 * afterhours_override_minutes. PIN hashing (PBKDF2, tens of ms) runs in
 * uv_queue_work on copies and touches no room state; storage writes
 * happen back on the loop. The outcome is the reason phrase of the final
 * response: 480 for done ("480 Line locked"), 403 for refused. The
 * line's devices hear of each lock change through notify.c. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <mbedtls/platform_util.h>

#include "b2bua/internal.h"
#include "log.h"
#include "util.h"

/* Copies for the worker thread: nothing here points into the room. */
struct feature_work {
	uv_work_t work;
	struct b2b *b2b;
	uint32_t call_no;
	enum pol_feature fc;
	char partition[STORE_PARTITION_MAX];
	char ext[STORE_EXT_MAX];
	struct store_hash hash;     /* the line's PIN, for checking */
	struct store_hash new_hash; /* CHANGE_PIN: the new one */
	uint32_t iterations;
	uint32_t override_min; /* AFTERHOURS: how long it opens the line */
	char pin[POL_PIN_MAX + 1];
	char new_pin[POL_PIN_MAX + 1];
	struct store_actor actor;
	struct sockaddr_storage src; /* the phone's address (guard) */
	bool pin_ok;
	int make_rc;
};

static void
feature__actor(struct store_actor *a, const struct b2b_call *c)
{
	memset(a, 0, sizeof(*a));
	snprintf(a->name, sizeof(a->name), "phone:%.56s", c->caller);
	net_addr_str((const struct sockaddr *)&c->leg[B2B_LEG_A].dest.addr,
	             a->source, sizeof(a->source));
}

static void
feature__done(struct b2b_call *c, int code, const char *text)
{
	ll_strlcpy(c->disposition, "local", sizeof(c->disposition));
	ll_strlcpy(c->reason, text, sizeof(c->reason));
	log_info("b2b: call %08x: feature code from %s: %d %s", c->no,
	         c->caller, code, text);
	b2b__decide_reply(c, code, text);
}

static void
feature__lock_event(struct b2b *b, const char *partition, const char *ext,
                    bool locked)
{
	struct b2b_event ev = {.kind = B2B_EV_LINE_LOCK};

	ll_strlcpy(ev.caller, ext, sizeof(ev.caller));
	ll_strlcpy(ev.partition, partition, sizeof(ev.partition));
	ev.locked = locked;
	ev.start_ms = b2b__wall_ms();
	b2b__event(b, &ev);
	/* The phones hear of it from the audit log, like any other lock. */
	b2b__locks_poll(b);
}

static void
feature__on_work(uv_work_t *w)
{
	struct feature_work *fw = container_of(w, struct feature_work, work);

	if (store_hash_is_set(&fw->hash))
		fw->pin_ok = store_hash_verify(&fw->hash, fw->pin);
	else
		fw->pin_ok = fw->fc == POL_FC_CHANGE_PIN;
	if (fw->pin_ok && fw->fc == POL_FC_CHANGE_PIN)
		fw->make_rc =
		    store_hash_make(&fw->new_hash, fw->new_pin, fw->iterations);
	mbedtls_platform_zeroize(fw->pin, sizeof(fw->pin));
	mbedtls_platform_zeroize(fw->new_pin, sizeof(fw->new_pin));
}

static void
feature__apply(struct b2b *b, struct feature_work *fw, struct b2b_call *c)
{
	const char *p = fw->partition;
	int rc;

	if (!fw->pin_ok) {
		store_line_pin_fail(b->store, p, fw->ext, (int64_t)time(NULL),
		                    NULL, &fw->actor);
		b2b__guard_offence(b, (const struct sockaddr *)&fw->src,
		                   B2B_OFF_PIN);
		if (c)
			feature__done(c, 403, "Wrong PIN");
		return;
	}
	store_line_pin_ok(b->store, p, fw->ext, &fw->actor);
	if (fw->fc == POL_FC_CHANGE_PIN) {
		rc = fw->make_rc
		         ? fw->make_rc
		         : store_line_pin_set(b->store, p, fw->ext,
		                              &fw->new_hash, &fw->actor);
		if (c)
			feature__done(c, rc ? 500 : 480,
			              rc ? "PIN Not Changed" : "PIN changed");
		return;
	}
	if (fw->fc == POL_FC_AFTERHOURS) {
		rc = store_line_afterhours_set(
		    b->store, p, fw->ext,
		    (int64_t)time(NULL) + (int64_t)fw->override_min * 60,
		    &fw->actor);
		if (c)
			feature__done(c, rc ? 500 : 480,
			              rc ? "Not Opened" : "Open after hours");
		return;
	}
	rc = store_line_unlock(b->store, p, fw->ext, false, &fw->actor);
	if (rc == 0)
		feature__lock_event(b, p, fw->ext, false);
	if (c)
		feature__done(c, rc == 0 ? 480 : 403,
		              rc == 0        ? "Line unlocked"
		              : rc == -EPERM ? "Locked By Admin"
		                             : "Not Unlocked");
}

static void
feature__on_after(uv_work_t *w, int status)
{
	struct feature_work *fw = container_of(w, struct feature_work, work);
	struct b2b *b = fw->b2b;
	struct b2b_call *c;

	b->works--;
	if (b->closed) {
		if (b->works == 0)
			free(b);
		goto out;
	}
	c = b2b__call_by_no(b, fw->call_no);
	if (status < 0) {
		if (c)
			feature__done(c, 500, "Feature Failed");
		goto out;
	}
	/* Applied even when the phone hung up meanwhile: it was dialled. */
	feature__apply(b, fw, c);
	/* The reply may have ended and freed c: look it up before use. */
	if (c && b2b__call_by_no(b, fw->call_no) && !c->a_st)
		b2b__call_finish(c);
out:
	mbedtls_platform_zeroize(fw, sizeof(*fw));
	free(fw);
}

static void
feature__lock(struct b2b_call *c)
{
	struct b2b *b = c->b2b;
	struct store_actor a;
	int rc;

	feature__actor(&a, c);
	rc = store_line_lock(b->store, c->partition, c->caller, STORE_LOCK_USER,
	                     &a);
	if (rc == 0)
		feature__lock_event(b, c->partition, c->caller, true);
	feature__done(c, rc == 0 ? 480 : 500,
	              rc == 0 ? "Line locked" : "Not Locked");
}

void
b2b__feature(struct b2b_call *c, struct pol_verdict *v)
{
	struct b2b *b = c->b2b;
	struct store_settings s;
	struct store_line line;
	struct feature_work *fw;

	if (!b->store)
		return feature__done(c, 500, "No Storage");
	if (v->feature == POL_FC_LOCK)
		return feature__lock(c);
	if (store_line_get(b->store, &line, c->partition, c->caller) < 0)
		store_line_defaults(&line, c->partition, c->caller);
	if (store_line_pin_is_blocked(&line, (int64_t)time(NULL)))
		return feature__done(c, 403, "PIN Entry Blocked");
	fw = calloc(1, sizeof(*fw));
	if (!fw || b2b__settings(b, &s) < 0) {
		free(fw);
		return feature__done(c, 500, "Feature Failed");
	}
	fw->b2b = b;
	fw->call_no = c->no;
	fw->fc = v->feature;
	fw->hash = line.pin;
	fw->iterations = s.pin_hash_iterations;
	fw->override_min = s.afterhours_override_minutes;
	ll_strlcpy(fw->ext, c->caller, sizeof(fw->ext));
	ll_strlcpy(fw->partition, c->partition, sizeof(fw->partition));
	memcpy(fw->pin, v->pin, sizeof(fw->pin));
	memcpy(fw->new_pin, v->new_pin, sizeof(fw->new_pin));
	feature__actor(&fw->actor, c);
	fw->src = c->leg[B2B_LEG_A].dest.addr;
	mbedtls_platform_zeroize(&line, sizeof(line));
	if (uv_queue_work(b->loop, &fw->work, feature__on_work,
	                  feature__on_after) < 0) {
		mbedtls_platform_zeroize(fw, sizeof(*fw));
		free(fw);
		return feature__done(c, 500, "Feature Failed");
	}
	b->works++;
	c->state = B2B_CALL_DECIDING;
}
