/* The stream scheduler of an association (RFC 8260 s3): the public calls over the send
 * queue's scheduler (sendq.h, sched.h). */
#include "assoc.h"

int mpsctp_assoc_set_sched(mpsctp_assoc *a, uint32_t id)
{
    if (!a || sendq_set_sched(&a->sq, id) < 0)
        return MPSCTP_ERR_INVAL;
    a->cfg.stream_sched = (uint8_t)id;
    return 0;
}

int mpsctp_assoc_get_sched(const mpsctp_assoc *a)
{
    if (!a)
        return MPSCTP_ERR_INVAL;
    return (int)sendq_get_sched(&a->sq);
}

int mpsctp_assoc_set_stream_value(mpsctp_assoc *a, uint16_t sid, uint16_t value)
{
    if (!a)
        return MPSCTP_ERR_INVAL;
    return sendq_set_value(&a->sq, sid, value);
}

int mpsctp_assoc_get_stream_value(const mpsctp_assoc *a, uint16_t sid)
{
    if (!a)
        return MPSCTP_ERR_INVAL;
    uint16_t v;
    int e = sendq_get_value(&a->sq, sid, &v);
    return e < 0 ? e : v;
}
