/* RFC 9260 s7.2: standard SCTP congestion control, applied per path. */
#include "cc.h"

static void std_init(cc_path *all, size_t n, size_t i, uint32_t peer_rwnd)
{
    cc_path *p = &all[i];
    p->cwnd = cc_initial_cwnd(p->mtu);
    /* RFC 9260 s7.2.1: initial ssthresh MAY be arbitrarily high; use the peer's window. */
    p->ssthresh = peer_rwnd ? peer_rwnd : 0xffffffffu;
    p->pba = 0;
    p->lost = 0;
}

static void std_on_ack(cc_path *all, size_t n, size_t i, uint32_t acked, int cum_advanced,
                       int full)
{
    cc_path *p = &all[i];
    if (p->cwnd <= p->ssthresh) {
        /* RFC 9260 s7.2.1: slow start, only when the cum ack advanced, the window was
         * in full use and not in fast recovery. */
        if (cum_advanced && full && !p->fast_recovery)
            p->cwnd += acked < p->mtu ? acked : p->mtu;
        return;
    }
    /* RFC 9260 s7.2.2: congestion avoidance. One MTU per cwnd of acknowledged bytes
     * while the window is in full use; otherwise partial_bytes_acked is capped at cwnd. */
    p->pba += acked;
    if (p->pba >= p->cwnd && full) {
        p->pba -= p->cwnd;
        p->cwnd += p->mtu;
    } else if (p->pba > p->cwnd) {
        p->pba = p->cwnd;
    }
}

/* RFC 9260 s7.2.3: ssthresh = max(cwnd/2, 4*MTU) after a loss; the path is marked lost. */
static void std_loss_ssthresh(cc_path *p)
{
    p->lost = 1;
    uint32_t half = p->cwnd / 2;
    p->ssthresh = half > 4 * p->mtu ? half : 4 * p->mtu;
    p->pba = 0;
}

static void std_on_fast_rtx(cc_path *all, size_t n, size_t i)
{
    cc_path *p = &all[i];
    std_loss_ssthresh(p);
    p->cwnd = p->ssthresh; /* RFC 9260 s7.2.3: cwnd = ssthresh */
}

static void std_on_timeout(cc_path *all, size_t n, size_t i)
{
    cc_path *p = &all[i];
    std_loss_ssthresh(p);
    p->cwnd = p->mtu; /* RFC 9260 s7.2.3: cwnd = 1*MTU */
}

static void std_on_idle(cc_path *all, size_t n, size_t i)
{
    cc_path *p = &all[i];
    /* RFC 9260 s7.2.1: after an idle RTO, cwnd = max(cwnd/2, 4*MTU). */
    uint32_t half = p->cwnd / 2;
    uint32_t floor = 4 * p->mtu;
    if (p->cwnd > floor)
        p->cwnd = half > floor ? half : floor;
}

const cc_ops cc_standard = {
    .name = "standard",
    .init = std_init,
    .on_ack = std_on_ack,
    .on_fast_rtx = std_on_fast_rtx,
    .on_timeout = std_on_timeout,
    .on_idle = std_on_idle,
};
