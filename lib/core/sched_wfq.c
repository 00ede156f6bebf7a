/* Weighted fair queueing (RFC 8260 s3.6; SCTP_SS_WFQ): the stream value is a weight (1 to
 * 65535, default 1); the active stream with the smallest bytes served / weight goes next
 * (ties in round robin order), so saturated streams share in proportion to their weights.
 * A stream that becomes active starts from the queue's virtual time (see sched_fc.c). */
#include "sched.h"

/* Keys count bytes / weight in units of 2^-16 bytes: 2^48 bytes of one stream before
 * they wrap. */
#define WFQ_SHIFT 16

static int wfq_check(uint16_t value)
{
    return value ? 0 : MPSCTP_ERR_INVAL;
}

static void wfq_activate(sendq *q, uint16_t sid)
{
    sched_key_catch_up(q, sid);
}

static int wfq_pick(sendq *q, sendq_ok_fn ok, void *ctx)
{
    return sched_pick_min(q, ok, ctx, 1);
}

static void wfq_sent(sendq *q, uint16_t sid, uint32_t bytes)
{
    sstream *s = &q->streams[sid];
    uint16_t w = s->ss_value ? s->ss_value : 1;
    if (s->ss_key > q->vtime)
        q->vtime = s->ss_key;
    s->ss_key += ((uint64_t)bytes << WFQ_SHIFT) / w;
    sched_to_tail(q, sid);
}

const sched_ops sched_wfq = {
    .name = "wfq",
    .id = MPSCTP_SS_WFQ,
    .dflt = 1,
    .check_value = wfq_check,
    .activate = wfq_activate,
    .pick = wfq_pick,
    .sent = wfq_sent,
};
