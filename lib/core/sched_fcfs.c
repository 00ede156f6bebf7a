/* First come, first served (RFC 8260 s3.1; SCTP_SS_FCFS): messages leave in the order the
 * application queued them, whatever their stream. */
#include "sched.h"

static int fcfs_pick(sendq *q, sendq_ok_fn ok, void *ctx)
{
    int best = -1;
    uint32_t best_seq = 0;
    for (uint16_t sid = q->act_head; sid != SENDQ_NONE; sid = q->streams[sid].act_next) {
        const smsg *h = q->streams[sid].head;
        /* seq wraps: compare by distance, never more than 2^31 messages apart */
        if ((best < 0 || (int32_t)(h->seq - best_seq) < 0) && ok(ctx, h)) {
            best = sid;
            best_seq = h->seq;
        }
    }
    return best;
}

static void fcfs_sent(sendq *q, uint16_t sid, uint32_t bytes)
{
    (void)q;
    (void)sid;
    (void)bytes;
}

const sched_ops sched_fcfs = {
    .name = "fcfs",
    .id = MPSCTP_SS_FCFS,
    .pick = fcfs_pick,
    .sent = fcfs_sent,
};
