/* Fair capacity (RFC 8260 s3.5; SCTP_SS_FC): the active stream that has been served the
 * fewest bytes goes next (ties in round robin order). A stream that becomes active starts
 * from the bytes of the stream served last (the queue's virtual time), not from what it
 * had when it went idle: it gets its share from then on, not the share it missed. */
#include "sched.h"

static void fc_sent(sendq *q, uint16_t sid, uint32_t bytes)
{
    sched_key_served(q, sid, bytes);
}

const sched_ops sched_fc = {
    .name = "fc",
    .id = MPSCTP_SS_FC,
    .activate = sched_key_activate,
    .pick = sched_key_pick,
    .sent = fc_sent,
};
