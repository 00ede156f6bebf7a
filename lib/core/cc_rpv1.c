/* CMT/RPv1 (SCTP_CMT_ON_OFF 2), resource pooling by ssthresh shares. Path i's
 * increases are the standard ones scaled by ssthresh_i / ssthresh_T and rounded up; a loss
 * takes half of the association's window cwnd_T from path i, down to its share of 4 MTU.
 * Formulas and rounding: docs/cc.md. */
#include "cc.h"

/* Returns ssthresh_T, the sum of all n paths' ssthresh. */
static uint64_t rpv1_ssthresh_sum(const cc_path *all, size_t n)
{
    uint64_t t = 0;
    for (size_t j = 0; j < n; j++)
        t += all[j].ssthresh;
    return t;
}

/* CMT/RPv1 (docs/cc.md): ceil(x * ssthresh_i / ssthresh_T); x itself when ssthresh_T is 0. */
static cc_u128 rpv1_share(const cc_path *all, size_t n, size_t i, uint64_t x)
{
    uint64_t t = rpv1_ssthresh_sum(all, n);
    if (t == 0)
        return x;
    return cc_div_ceil((cc_u128)x * all[i].ssthresh, t);
}

/* CMT/RPv1 (docs/cc.md): slow start += ceil(min(acked, MTU_i) ssthresh_i / ssthresh_T),
 * congestion avoidance += ceil(MTU_i ssthresh_i / ssthresh_T); both <= x. */
static uint32_t rpv1_inc(const cc_path *all, size_t n, size_t i, uint32_t x, int ss)
{
    return (uint32_t)rpv1_share(all, n, i, x);
}

static void rpv1_on_ack(cc_path *all, size_t n, size_t i, uint32_t acked, int cum_advanced,
                        int full)
{
    cc_on_ack_coupled(all, n, i, acked, cum_advanced, full, rpv1_inc);
}

/* CMT/RPv1 (docs/cc.md): ssthresh_i = max(cwnd_i - cwnd_T/2,
 * ceil(4 MTU_i ssthresh_i / ssthresh_T), MTU_i) with the old ssthresh values (the 4-MTU
 * share is FreeBSD's floor); cwnd_i - cwnd_T/2 is rounded down (so one path gives
 * cc_standard's cwnd/2). Returns the new ssthresh_i, at most UINT32_MAX. */
static uint32_t rpv1_loss_ssthresh(const cc_path *all, size_t n, size_t i)
{
    const cc_path *p = &all[i];
    uint64_t half_t = (cc_cwnd_sum(all, n) + 1) / 2; /* ceil(cwnd_T / 2) */
    uint64_t s = p->cwnd > half_t ? p->cwnd - half_t : 0;
    cc_u128 share = rpv1_share(all, n, i, 4 * (uint64_t)p->mtu);
    if (share > s)
        s = (uint64_t)share; /* share <= 4 MTU_i < 2^34 */
    if (p->mtu > s)
        s = p->mtu;
    return s > 0xffffffffu ? 0xffffffffu : (uint32_t)s;
}

static void rpv1_on_fast_rtx(cc_path *all, size_t n, size_t i)
{
    cc_after_loss(&all[i], rpv1_loss_ssthresh(all, n, i), 0);
}

static void rpv1_on_timeout(cc_path *all, size_t n, size_t i)
{
    cc_after_loss(&all[i], rpv1_loss_ssthresh(all, n, i), 1);
}

const cc_ops cc_rpv1 = {
    .name = "rpv1",
    .init = cc_init_split,
    .on_ack = rpv1_on_ack,
    .on_fast_rtx = rpv1_on_fast_rtx,
    .on_timeout = rpv1_on_timeout,
    .on_idle = cc_idle_standard,
};
