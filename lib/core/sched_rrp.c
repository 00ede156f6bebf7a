/* Round robin per packet (RFC 8260 s3.3; usrsctp's SCTP_SS_ROUND_ROBIN_PACKET): the stream
 * picked first for a packet is picked for everything else that packet carries while it
 * has messages the caller accepts; the next packet starts with the next stream. */
#include "sched.h"

static int rrp_pick(sendq *q, sendq_ok_fn ok, void *ctx)
{
    if (q->cur != SENDQ_NONE && q->streams[q->cur].active && ok(ctx, q->streams[q->cur].head))
        return q->cur;
    for (uint16_t sid = q->act_head; sid != SENDQ_NONE; sid = q->streams[sid].act_next)
        if (ok(ctx, q->streams[sid].head))
            return sid;
    return -1;
}

static void rrp_sent(sendq *q, uint16_t sid, uint32_t bytes)
{
    (void)bytes;
    if (q->cur == sid)
        return;
    q->cur = sid; /* the packet's stream */
    sched_to_tail(q, sid);
}

static void rrp_packet_start(sendq *q)
{
    q->cur = SENDQ_NONE;
}

const sched_ops sched_rrp = {
    .name = "rr-packet",
    .id = MPSCTP_SS_RR_PKT,
    .pick = rrp_pick,
    .sent = rrp_sent,
    .packet_start = rrp_packet_start,
};
