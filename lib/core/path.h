/* Per-path state (RFC 9260 s8): destination, RTO (RFC 6298 / RFC 9260 s6.3.1), error
 * counter, timers and counters. The congestion state lives in a parallel cc_path. */
#ifndef MPSCTP_PATH_H
#define MPSCTP_PATH_H

#include <stdint.h>

#include "mpsctp/mpsctp.h"

typedef struct mpsctp_path {
    mpsctp_addr remote;
    mpsctp_addr local;       /* source address to use; family 0 when unknown */
    uint8_t active;          /* RFC 9260 s8.2: active / inactive */
    uint8_t confirmed;
    uint8_t pf;              /* RFC 7829 potentially failed */
    uint8_t rtt_measured;    /* at least one RTT sample taken */
    uint8_t rtt_pending;     /* a chunk in flight is timing the RTT */
    uint8_t hb_outstanding;
    uint32_t rtt_tsn;
    uint64_t srtt, rttvar, rto; /* nanoseconds */
    uint64_t min_rtt;           /* smallest RTT sample (ns; valid with rtt_measured) */
    uint32_t error_count;
    uint32_t fr_exit_tsn;    /* RFC 9260 s7.2.4: fast recovery exit point */
    uint8_t rtx_lost_cut;    /* the window was cut for a lost retransmission in this fast
                                recovery (at most once per window) */
    mpsctp_tstamp acked_sent; /* latest send time of a first transmission on this path
                                 that was acknowledged (lost retransmissions) */
    mpsctp_tstamp t3_deadline;  /* T3-rtx, NEVER when stopped */
    mpsctp_tstamp ack_at;       /* last SACK that newly acknowledged data sent on this path */
    mpsctp_tstamp hb_deadline;  /* next heartbeat, NEVER when off */
    mpsctp_tstamp last_send;    /* last DATA sent on this path */
    mpsctp_tstamp hb_sent_at;   /* last HEARTBEAT sent */
    mpsctp_tstamp last_error;   /* last error counted (T3, heartbeat, T2) */
    mpsctp_tstamp fail_sent;    /* when the probe behind the latest error was sent */
    mpsctp_tstamp fail_prev;    /* ... behind the error before it */
    uint8_t failed;             /* errors ever counted, up to 2 (fail_sent, then fail_prev
                                   valid) */
    uint8_t hb_answerable;      /* the latest HEARTBEAT (hb_nonce) is not answered yet */
    uint8_t probe_now;          /* send a HEARTBEAT at once (the association's last resort,
                                   or DATA arrived while the path was inactive) */
    uint8_t heard;              /* DATA arrived from this inactive path since its latest
                                   HEARTBEAT was sent */
    uint64_t hb_nonce;
    /* CMT CUCv2 (docs/cmt.md): lowest TSN in flight on this path among first transmissions
     * (pseudo-cumack) and among retransmissions (rtx-pseudo-cumack); valid flags. */
    uint32_t pcum, rpcum;
    uint8_t pcum_valid, rpcum_valid;
    /* per-path parameters (RFC 6458 SCTP_PEER_ADDR_PARAMS, RFC 7829 s7.2) */
    uint32_t hb_interval_ms;    /* HB.interval; 0: no heartbeats while the path is fine */
    uint32_t pmr;               /* Path.Max.Retrans */
    uint32_t pfmr;              /* PotentiallyFailed.Max.Retrans; >= pmr: PF off */
    /* counters */
    uint64_t bytes_sent, data_chunks_sent, retransmissions, bytes_received;
    uint64_t hb_sent, hb_acked;
    uint64_t t3_expirations;
    uint32_t state_changes;
} mpsctp_path;

/* Sets up a path to remote with RTO.Initial (ns). */
void path_init(mpsctp_path *p, const mpsctp_addr *remote, uint64_t rto_initial);

/* RFC 9260 s6.3.1 C2/C3: takes an RTT sample r (ns) and recomputes SRTT, RTTVAR and RTO,
 * clamped to [rto_min, rto_max]. */
void path_rtt_sample(mpsctp_path *p, uint64_t r, uint64_t rto_min, uint64_t rto_max);

/* RFC 9260 s6.3.3 E2: doubles the RTO up to rto_max. */
void path_backoff(mpsctp_path *p, uint64_t rto_max);

#endif
