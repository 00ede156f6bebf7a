/* Congestion control interface (RFC 9260 s7.2). One const ops table per variant; the
 * association keeps one cc_path per path and calls the variant through this seam only. */
#ifndef MPSCTP_CC_H
#define MPSCTP_CC_H

#include <stddef.h>
#include <stdint.h>

/* Per-path congestion state. Bytes are user payload plus chunk headers, as RFC 9260
 * counts them for flight size. */
typedef struct cc_path {
    uint32_t cwnd, ssthresh;
    uint32_t pba;        /* partial_bytes_acked */
    uint32_t flight;     /* bytes outstanding on this path */
    uint32_t mtu;        /* usable bytes per packet on this path */
    uint64_t srtt_us;    /* smoothed RTT, 0 before the first measurement */
    uint8_t fast_recovery;
    uint8_t lost;        /* a fast retransmit or T3 timeout has cut this path's window since
                            init (the MPTCP-like variant couples slow start only then) */
} cc_path;

typedef struct cc_ops {
    const char *name;
    /* Sets path i's initial cwnd and ssthresh (peer_rwnd: the peer's initial window). */
    void (*init)(cc_path *all, size_t n, size_t i, uint32_t peer_rwnd);
    /* Path i got acked bytes newly acknowledged by a SACK; cum_advanced: the SACK moved
     * the cumulative TSN ack point (for path i, its pseudo-cumack); full: the path's
     * window was fully used before the SACK. */
    void (*on_ack)(cc_path *all, size_t n, size_t i, uint32_t acked, int cum_advanced,
                   int full);
    /* Path i entered fast recovery (RFC 9260 s7.2.3/s7.2.4). */
    void (*on_fast_rtx)(cc_path *all, size_t n, size_t i);
    /* Path i's T3-rtx timer expired (RFC 9260 s7.2.3). */
    void (*on_timeout)(cc_path *all, size_t n, size_t i);
    /* Path i was idle (no data sent) for more than an RTO (RFC 9260 s7.2.1). */
    void (*on_idle)(cc_path *all, size_t n, size_t i);
} cc_ops;

/* RFC 9260 s7.2: standard per-path congestion control (SCTP_CMT_ON_OFF 0 and 1). */
extern const cc_ops cc_standard;
/* CMT/RPv1 (SCTP_CMT_ON_OFF 2), increases shared by ssthresh_i/ssthresh_T
 * (lib/core/cc_rpv1.c; formulas, rounding and sources in docs/cc.md). */
extern const cc_ops cc_rpv1;
/* CMT/RPv2 (SCTP_CMT_ON_OFF 3), increases shared by bandwidth b_i/b_T
 * (lib/core/cc_rpv2.c; docs/cc.md). */
extern const cc_ops cc_rpv2;
/* RFC 6356: MPTCP-like linked increases (SCTP_CMT_ON_OFF 4)
 * (lib/core/cc_mptcp.c; docs/cc.md). */
extern const cc_ops cc_mptcp;

/* RFC 9260 s7.2.1: initial cwnd = min(4*MTU, max(2*MTU, 4380 bytes)). */
static inline uint32_t cc_initial_cwnd(uint32_t mtu)
{
    uint32_t a = 2 * mtu > 4380 ? 2 * mtu : 4380;
    return 4 * mtu < a ? 4 * mtu : a;
}

/* ---- helpers shared by the coupled variants (RPv1, RPv2, MPTCP-like) ---------------- */

__extension__ typedef unsigned __int128 cc_u128;

/* srtt values above this (about 71 minutes) count as this much (docs/cc.md). */
#define CC_SRTT_MAX_US 0xffffffffu
/* Fractional bits of the RTT-normalised windows w_j and v_j of cc_bw_compute. */
#define CC_BW_SHIFT 16

/* Returns ceil(x / d) for d > 0. */
static inline cc_u128 cc_div_ceil(cc_u128 x, cc_u128 d)
{
    return x / d + (x % d != 0);
}

/* Returns a + b, saturated at UINT32_MAX. */
static inline uint32_t cc_sat_add(uint32_t a, uint64_t b)
{
    uint64_t s = (uint64_t)a + b;
    return s > 0xffffffffu ? 0xffffffffu : (uint32_t)s;
}

/* Returns cwnd_T, the sum of all n paths' cwnd. */
static inline uint64_t cc_cwnd_sum(const cc_path *all, size_t n)
{
    uint64_t t = 0;
    for (size_t j = 0; j < n; j++)
        t += all[j].cwnd;
    return t;
}

/* RFC 9260 s7.2.1: the idle rule of cc_standard, for the variants that keep it (none of
 * the coupled variants' sources gives another, docs/cc.md). */
static inline void cc_idle_standard(cc_path *all, size_t n, size_t i)
{
    cc_standard.on_idle(all, n, i);
}

/* RFC 9260 s7.2.3 (docs/cc.md): after a loss path p takes the new ssthresh, cwnd = ssthresh
 * (fast retransmit) or MTU (timeout), and pba = 0; it is marked lost. */
static inline void cc_after_loss(cc_path *p, uint32_t ssthresh, int timeout)
{
    p->lost = 1;
    p->ssthresh = ssthresh;
    p->cwnd = timeout ? p->mtu : ssthresh;
    p->pba = 0;
}

/* CMT/RPv1, RPv2 (docs/cc.md): path i starts at the RFC 9260 s7.2.1 initial cwnd divided by the
 * number of paths n (rounded down), at least MTU_i; ssthresh and pba as cc_standard. */
static inline void cc_init_split(cc_path *all, size_t n, size_t i, uint32_t peer_rwnd)
{
    cc_path *p = &all[i];
    cc_standard.init(all, n, i, peer_rwnd);
    uint32_t c = p->cwnd / (uint32_t)(n ? n : 1);
    p->cwnd = c > p->mtu ? c : p->mtu;
}

/* Bandwidth terms of RPv2 and LIA (docs/cc.md, b_j = cwnd_j / srtt_j), in units that keep the
 * arithmetic in 128 bits: with m = min_j srtt_j,
 *   w_j = floor(2^16 cwnd_j m / srtt_j)      so b_j ~ w_j / (2^16 m)
 *   v_j = floor(2^16 cwnd_j m^2 / srtt_j^2)  so cwnd_j / srtt_j^2 ~ v_j / (2^16 m^2). */
typedef struct cc_bw {
    uint64_t m;      /* smallest srtt in us, after the rules of cc_bw_compute */
    uint64_t srtt_i; /* path i's srtt in us, after the same rules */
    cc_u128 w_i;     /* path i's w */
    cc_u128 w_sum;   /* W = sum_j w_j, < n 2^48 */
    cc_u128 v_max;   /* V = max_j v_j, < 2^48 */
} cc_bw;

/* Fills *bw for path i of all[n]. srtt values are clamped to CC_SRTT_MAX_US; when any path
 * has no RTT measurement yet (srtt_us 0) every path counts as having the same RTT (all
 * srtt 1 us), so the bandwidth shares become cwnd shares (docs/cc.md). */
static inline void cc_bw_compute(const cc_path *all, size_t n, size_t i, cc_bw *bw)
{
    int known = 1;
    uint64_t m = CC_SRTT_MAX_US;
    for (size_t j = 0; j < n; j++) {
        uint64_t s = all[j].srtt_us;
        if (s == 0)
            known = 0;
        if (s > CC_SRTT_MAX_US)
            s = CC_SRTT_MAX_US;
        if (s < m)
            m = s;
    }
    if (!known)
        m = 1;
    bw->m = m;
    bw->srtt_i = 1;
    bw->w_i = 0;
    bw->w_sum = 0;
    bw->v_max = 0;
    for (size_t j = 0; j < n; j++) {
        uint64_t s = known ? all[j].srtt_us : 1;
        if (s > CC_SRTT_MAX_US)
            s = CC_SRTT_MAX_US;
        /* cwnd < 2^32, m <= s < 2^32: both products stay below 2^112. */
        cc_u128 c = (cc_u128)all[j].cwnd << CC_BW_SHIFT;
        cc_u128 w = c * m / s;
        cc_u128 v = c * m * m / ((cc_u128)s * s);
        bw->w_sum += w;
        if (v > bw->v_max)
            bw->v_max = v;
        if (j == i) {
            bw->w_i = w;
            bw->srtt_i = s;
        }
    }
}

/* Increase of a coupled variant: bytes that path i's cwnd grows by. ss: slow start, x =
 * min(acked, MTU_i); otherwise congestion avoidance (one step per cwnd_i of acked bytes),
 * x = MTU_i. */
typedef uint32_t (*cc_inc_fn)(const cc_path *all, size_t n, size_t i, uint32_t x, int ss);

/* RFC 9260 s7.2.1/s7.2.2 with the increase of a coupled variant (docs/cc.md): the same
 * slow start conditions and partial_bytes_acked handling as cc_standard, cwnd += inc()
 * (saturated at UINT32_MAX) where cc_standard adds min(acked, MTU) or MTU. */
static inline void cc_on_ack_coupled(cc_path *all, size_t n, size_t i, uint32_t acked,
                                     int cum_advanced, int full, cc_inc_fn inc)
{
    cc_path *p = &all[i];
    if (p->cwnd <= p->ssthresh) {
        /* RFC 9260 s7.2.1: slow start needs the cum ack (or pseudo-cumack) to advance, the
         * window in full use and no fast recovery. */
        if (cum_advanced && full && !p->fast_recovery) {
            uint32_t a = acked < p->mtu ? acked : p->mtu;
            p->cwnd = cc_sat_add(p->cwnd, inc(all, n, i, a, 1));
        }
        return;
    }
    /* RFC 9260 s7.2.2: one step per cwnd of acknowledged bytes while the window is in full
     * use; otherwise partial_bytes_acked is capped at cwnd. */
    uint64_t pba = (uint64_t)p->pba + acked;
    if (pba >= p->cwnd && full) {
        pba -= p->cwnd;
        p->cwnd = cc_sat_add(p->cwnd, inc(all, n, i, p->mtu, 0));
    } else if (pba > p->cwnd) {
        pba = p->cwnd;
    }
    p->pba = pba > 0xffffffffu ? 0xffffffffu : (uint32_t)pba;
}

#endif
