/* One call record per call through storage/, the end-of-call event for
 * the live feed, and the call's charge to its line's budget. */
#include <string.h>
#include <time.h>

#include "b2bua/internal.h"
#include "log.h"
#include "util.h"

static enum store_disposition
cdr__disposition(const struct b2b_call *c)
{
	if (c->answered)
		return STORE_DISP_ANSWERED;
	if (!strcmp(c->disposition, "rejected"))
		return STORE_DISP_REJECTED;
	if (!strcmp(c->disposition, "redirected"))
		return STORE_DISP_REDIRECTED;
	if (!strcmp(c->disposition, "local"))
		return STORE_DISP_LOCAL;
	if (!strcmp(c->disposition, "busy"))
		return STORE_DISP_BUSY;
	if (!strcmp(c->disposition, "no answer"))
		return STORE_DISP_NO_ANSWER;
	return STORE_DISP_FAILED;
}

/* An answered outgoing call counts in its line's budget (calls and
 * seconds); unanswered ones and emergency calls cost nothing. A spent
 * budget locks the line in storage, and the phones hear of it from the
 * audit log (notify.c). */
static void
cdr__charge(const struct b2b_call *c, uint32_t seconds)
{
	bool locked = false;
	int rc;

	if (!c->charge || !c->answered || !c->caller[0])
		return;
	rc = store_budget_charge(c->b2b->store, c->partition, c->caller,
	                         seconds, (int64_t)time(NULL), &locked);
	if (rc < 0)
		log_warn("b2b: call %08x: budget of %s not charged: %s", c->no,
		         c->caller, store_strerror(rc));
	else if (locked)
		log_info("b2b: line %s: call budget spent, line locked",
		         c->caller);
}

void
b2b__cdr(struct b2b_call *c)
{
	struct b2b *b = c->b2b;
	struct b2b_event ev = {.kind = B2B_EV_CALL_END};
	struct store_cdr r;

	if (c->is_subscription)
		return;
	ev.direction = c->direction;
	ev.call_id = c->no;
	ll_strlcpy(ev.caller, c->caller, sizeof(ev.caller));
	ll_strlcpy(ev.callee, c->callee, sizeof(ev.callee));
	ll_strlcpy(ev.partition, c->partition, sizeof(ev.partition));
	ev.status = c->status;
	ll_strlcpy(ev.disposition,
	           c->disposition[0] ? c->disposition : "failed",
	           sizeof(ev.disposition));
	ev.start_ms = c->start_ms;
	ev.answer_ms = c->answer_ms;
	ev.end_ms = c->end_ms;
	b2b__event(b, &ev);
	if (!b->store)
		return;
	memset(&r, 0, sizeof(r));
	r.start_ms = (int64_t)c->start_ms;
	r.answer_ms = (int64_t)c->answer_ms;
	r.end_ms = (int64_t)c->end_ms;
	ll_strlcpy(r.partition,
	           c->partition[0] ? c->partition : STORE_PARTITION_DEFAULT,
	           sizeof(r.partition));
	ll_strlcpy(r.caller, c->caller, sizeof(r.caller));
	ll_strlcpy(r.callee, c->callee, sizeof(r.callee));
	r.direction = c->direction == B2B_DIR_INCOMING ? STORE_DIR_INCOMING
	                                               : STORE_DIR_OUTGOING;
	r.disposition = (uint8_t)cdr__disposition(c);
	r.code = c->status;
	ll_strlcpy(r.reason, c->reason, sizeof(r.reason));
	ll_strlcpy(r.pattern, c->pattern, sizeof(r.pattern));
	if (c->answer_ms && c->end_ms > c->answer_ms)
		r.duration_s = (uint32_t)((c->end_ms - c->answer_ms) / 1000u);
	ll_strlcpy(r.call_id, c->leg[B2B_LEG_A].call_id, sizeof(r.call_id));
	ll_strlcpy(r.auth_code, c->auth_name, sizeof(r.auth_code));
	if (store_cdr_append(b->store, &r, NULL) < 0)
		log_warn("b2b: call %08x: call record not stored", c->no);
	cdr__charge(c, r.duration_s);
}
