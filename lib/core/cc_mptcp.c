/* RFC 6356: MPTCP-like coupled congestion control (SCTP_CMT_ON_OFF 4), the
 * Linked Increases Algorithm. Increases are the standard ones scaled by alpha MTU_i /
 * cwnd_T and capped at the standard increase, in congestion avoidance always and in slow
 * start once the path has had a loss; a path's first slow start is the standard one (RFC
 * 6356 s3 leaves slow start standard). Initial window, fast retransmit, timeout and idle
 * are cc_standard's. Formulas, rounding and the reasons: docs/cc.md. */
#include "cc.h"

/* RFC 6356 s3, alpha = cwnd_T max_j(cwnd_j / srtt_j^2) / (sum_j cwnd_j / srtt_j)^2;
 *   first slow start:      += x, x = min(acked, MTU_i) (standard)
 *   later slow start:      += min(ceil(alpha x MTU_i / cwnd_T), x)
 *   congestion avoidance:  += min(ceil(alpha MTU_i cwnd_i / cwnd_T), MTU_i), x = MTU_i.
 * cwnd_T cancels: alpha / cwnd_T = 2^16 V / W^2 with V, W of cc_bw_compute, so the increase
 * is ceil(y MTU_i 2^16 V / W^2), y = x or cwnd_i, computed exactly; x when W is 0. */
static uint32_t mptcp_inc(const cc_path *all, size_t n, size_t i, uint32_t x, int ss)
{
    const cc_path *p = &all[i];
    if (ss && !p->lost)
        return x;
    cc_bw bw;
    cc_bw_compute(all, n, i, &bw);
    if (bw.w_sum == 0)
        return x;
    uint64_t y = ss ? x : p->cwnd;
    /* y MTU_i < 2^64 and 2^16 V < 2^64; W < 8 2^48 for n <= 8, so W^2 < 2^102. */
    cc_u128 num = (cc_u128)(y * (uint64_t)p->mtu) * (bw.v_max << CC_BW_SHIFT);
    cc_u128 inc = cc_div_ceil(num, bw.w_sum * bw.w_sum);
    return inc < x ? (uint32_t)inc : x;
}

static void mptcp_on_ack(cc_path *all, size_t n, size_t i, uint32_t acked, int cum_advanced,
                         int full)
{
    cc_on_ack_coupled(all, n, i, acked, cum_advanced, full, mptcp_inc);
}

/* RFC 9260 s7.2.1: initial window as standard SCTP (not divided among the paths). */
static void mptcp_init(cc_path *all, size_t n, size_t i, uint32_t peer_rwnd)
{
    cc_standard.init(all, n, i, peer_rwnd);
}

/* RFC 6356 s3: fast retransmit as standard SCTP. */
static void mptcp_on_fast_rtx(cc_path *all, size_t n, size_t i)
{
    cc_standard.on_fast_rtx(all, n, i);
}

/* RFC 6356 s3: T3 timeout as standard SCTP. */
static void mptcp_on_timeout(cc_path *all, size_t n, size_t i)
{
    cc_standard.on_timeout(all, n, i);
}

const cc_ops cc_mptcp = {
    .name = "mptcp",
    .init = mptcp_init,
    .on_ack = mptcp_on_ack,
    .on_fast_rtx = mptcp_on_fast_rtx,
    .on_timeout = mptcp_on_timeout,
    .on_idle = cc_idle_standard,
};
