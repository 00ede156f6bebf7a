/* Round robin per message (RFC 8260 s3.2; SCTP_SS_RR): the active streams take turns, one
 * message each, in the order they became active. The default scheduler. */
#include "sched.h"

static int rr_pick(sendq *q, sendq_ok_fn ok, void *ctx)
{
    for (uint16_t sid = q->act_head; sid != SENDQ_NONE; sid = q->streams[sid].act_next)
        if (ok(ctx, q->streams[sid].head))
            return sid;
    return -1;
}

static void rr_sent(sendq *q, uint16_t sid, uint32_t bytes)
{
    (void)bytes;
    sched_to_tail(q, sid); /* its next turn comes after every other active stream's */
}

const sched_ops sched_rr = {
    .name = "rr",
    .id = MPSCTP_SS_RR,
    .pick = rr_pick,
    .sent = rr_sent,
};
