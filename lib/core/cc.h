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

/* RFC 9260 s7.2.1: initial cwnd = min(4*MTU, max(2*MTU, 4380 bytes)). */
static inline uint32_t cc_initial_cwnd(uint32_t mtu)
{
    uint32_t a = 2 * mtu > 4380 ? 2 * mtu : 4380;
    return 4 * mtu < a ? 4 * mtu : a;
}

#endif
