/* Priority (RFC 8260 s3.4; SCTP_SS_PRIO): the stream value is a priority, the lowest value
 * the highest priority (0, every stream's default, is the highest); streams of the same
 * priority take turns, one message each. A lower priority stream sends only while no
 * higher priority stream has a message the caller accepts. */
#include "sched.h"

static int prio_pick(sendq *q, sendq_ok_fn ok, void *ctx)
{
    return sched_pick_min(q, ok, ctx, 0);
}

static void prio_sent(sendq *q, uint16_t sid, uint32_t bytes)
{
    (void)bytes;
    sched_to_tail(q, sid); /* round robin among equal priorities */
}

const sched_ops sched_prio = {
    .name = "prio",
    .id = MPSCTP_SS_PRIO,
    .dflt = 0,
    .pick = prio_pick,
    .sent = prio_sent,
};
