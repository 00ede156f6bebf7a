/* Fair capacity (RFC 8260 s3.5; SCTP_SS_FC): the active stream that has been served the
 * fewest bytes goes next (ties in round robin order). A stream that becomes active starts
 * from the bytes of the stream served last (the queue's virtual time), not from what it
 * had when it went idle: it gets its share from then on, not the share it missed. */
#include "sched.h"

static void fc_activate(sendq *q, uint16_t sid)
{
    sched_key_catch_up(q, sid);
}

static int fc_pick(sendq *q, sendq_ok_fn ok, void *ctx)
{
    return sched_pick_min(q, ok, ctx, 1);
}

static void fc_sent(sendq *q, uint16_t sid, uint32_t bytes)
{
    sstream *s = &q->streams[sid];
    if (s->ss_key > q->vtime)
        q->vtime = s->ss_key;
    s->ss_key += bytes;
    sched_to_tail(q, sid);
}

const sched_ops sched_fc = {
    .name = "fc",
    .id = MPSCTP_SS_FC,
    .activate = fc_activate,
    .pick = fc_pick,
    .sent = fc_sent,
};
