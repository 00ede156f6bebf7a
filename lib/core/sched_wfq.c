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

static void wfq_sent(sendq *q, uint16_t sid, uint32_t bytes)
{
    uint16_t w = q->streams[sid].ss_value;
    sched_key_served(q, sid, ((uint64_t)bytes << WFQ_SHIFT) / (w ? w : 1));
}

const sched_ops sched_wfq = {
    .name = "wfq",
    .id = MPSCTP_SS_WFQ,
    .dflt = 1,
    .check_value = wfq_check,
    .activate = sched_key_activate,
    .pick = sched_key_pick,
    .sent = wfq_sent,
};
