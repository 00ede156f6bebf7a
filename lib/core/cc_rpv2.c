/* CMT/RPv2 (SCTP_CMT_ON_OFF 3), resource pooling by bandwidth shares. Path i's
 * increases are the standard ones scaled by b_i / b_T (b_j = cwnd_j / srtt_j) and rounded
 * up; a loss takes from path i half the association's bandwidth expressed in its own RTT,
 * and at least half its own window (Dreibholz 2012, the INET model). Formulas and
 * rounding: docs/cc.md. */
#include "cc.h"

/* CMT/RPv2 (docs/cc.md): slow start += ceil(min(acked, MTU_i) b_i / b_T), congestion
 * avoidance += ceil(MTU_i b_i / b_T), with b_i / b_T = w_i / W of cc_bw_compute; x when
 * W is 0. */
static uint32_t rpv2_inc(const cc_path *all, size_t n, size_t i, uint32_t x, int ss)
{
    cc_bw bw;
    cc_bw_compute(all, n, i, &bw);
    if (bw.w_sum == 0)
        return x;
    /* x < 2^32, w_i < 2^48. */
    return (uint32_t)cc_div_ceil((cc_u128)x * bw.w_i, bw.w_sum);
}

static void rpv2_on_ack(cc_path *all, size_t n, size_t i, uint32_t acked, int cum_advanced,
                        int full)
{
    cc_on_ack_coupled(all, n, i, acked, cum_advanced, full, rpv2_inc);
}

/* CMT/RPv2 (docs/cc.md): ssthresh_i = max(cwnd_i - max(cwnd_i/2, srtt_i b_T / 2), MTU_i), with
 * srtt_i b_T / 2 = srtt_i W / (2^17 m). The decrease is rounded up (the new window down), so
 * one path gives cwnd/2 rounded down as cc_standard does. Returns the new ssthresh_i. */
static uint32_t rpv2_loss_ssthresh(const cc_path *all, size_t n, size_t i)
{
    const cc_path *p = &all[i];
    cc_bw bw;
    cc_bw_compute(all, n, i, &bw);
    /* srtt_i < 2^32, W < n 2^48: the product stays far below 2^128. */
    cc_u128 dec =
        cc_div_ceil((cc_u128)bw.srtt_i * bw.w_sum, (cc_u128)bw.m << (CC_BW_SHIFT + 1));
    uint32_t half = p->cwnd / 2 + (p->cwnd & 1); /* ceil(cwnd_i / 2) */
    if (dec < half)
        dec = half;
    uint32_t s = dec < p->cwnd ? p->cwnd - (uint32_t)dec : 0;
    return s > p->mtu ? s : p->mtu;
}

static void rpv2_on_fast_rtx(cc_path *all, size_t n, size_t i)
{
    cc_after_loss(&all[i], rpv2_loss_ssthresh(all, n, i), 0);
}

static void rpv2_on_timeout(cc_path *all, size_t n, size_t i)
{
    cc_after_loss(&all[i], rpv2_loss_ssthresh(all, n, i), 1);
}

const cc_ops cc_rpv2 = {
    .name = "rpv2",
    .init = cc_init_split,
    .on_ack = rpv2_on_ack,
    .on_fast_rtx = rpv2_on_fast_rtx,
    .on_timeout = rpv2_on_timeout,
    .on_idle = cc_idle_standard,
};
