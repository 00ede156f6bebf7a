/* Concurrent Multipath Transfer (SPEC s3, s5): the mode switch and its options. The
 * mechanisms live behind the seam declared in assoc.h under "CMT". */
#include "assoc.h"

const cc_ops *cmt_cc_ops(uint32_t mode)
{
    switch (mode) {
    case MPSCTP_CMT_RPV1: return &cc_rpv1;
    case MPSCTP_CMT_RPV2: return &cc_rpv2;
    case MPSCTP_CMT_MPTCP: return &cc_mptcp;
    default: return &cc_standard; /* OFF and BASE: RFC 9260 s7.2 per path */
    }
}

int mpsctp_assoc_set_cmt(mpsctp_assoc *a, uint32_t mode)
{
    if (!a || mode > MPSCTP_CMT_MAX)
        return MPSCTP_ERR_INVAL;
    /* SPEC s3: effective at the next transmission decision; cwnd and ssthresh stay. */
    a->cfg.cmt = (uint8_t)mode;
    a->ccops = cmt_cc_ops(mode);
    return 0;
}

int mpsctp_assoc_get_cmt(const mpsctp_assoc *a)
{
    return a ? a->cfg.cmt : MPSCTP_ERR_INVAL;
}

int mpsctp_assoc_set_bufsplit(mpsctp_assoc *a, uint32_t flags)
{
    if (!a || (flags & ~(MPSCTP_BUFSPLIT_SENDER | MPSCTP_BUFSPLIT_RECEIVER)))
        return MPSCTP_ERR_INVAL;
    a->cfg.cmt_bufsplit = (uint8_t)flags;
    return 0;
}

int mpsctp_assoc_set_rtx_policy(mpsctp_assoc *a, uint32_t policy)
{
    if (!a || policy > MPSCTP_RTX_SSTHRESH)
        return MPSCTP_ERR_INVAL;
    a->cfg.cmt_rtx_policy = (uint8_t)policy;
    return 0;
}

int mpsctp_assoc_set_sack_path(mpsctp_assoc *a, uint32_t policy)
{
    if (!a || policy > MPSCTP_SACK_PATH_MIN_RTT)
        return MPSCTP_ERR_INVAL;
    a->cfg.sack_path = (uint8_t)policy;
    return 0;
}

int mpsctp_assoc_nr_sack(const mpsctp_assoc *a)
{
    return a ? a->nr_sack : MPSCTP_ERR_INVAL;
}
