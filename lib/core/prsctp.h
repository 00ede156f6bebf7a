/* Partial reliability (RFC 3758 PR-SCTP, RFC 7496 policies): the sender's abandonment of
 * messages and its Advanced.Peer.Ack.Point and FORWARD TSN, and the receiver's handling of
 * FORWARD TSN. The association holds one prsctp; nothing here runs per packet unless
 * PR-SCTP was negotiated and a message with a policy was sent. */
#ifndef MPSCTP_PRSCTP_H
#define MPSCTP_PRSCTP_H

#include <stdint.h>

#include "codec.h"
#include "mpsctp/mpsctp.h"
#include "rtxq.h"

/* Policies as counted: TTL, RTX, PRIO. */
#define PRSCTP_NPOLICIES 3

typedef struct prsctp {
    uint8_t on;      /* negotiated: both ends sent Forward-TSN-Supported */
    uint8_t used;    /* a message with a policy was queued since the sender was last idle */
    uint8_t fwd_due; /* a FORWARD TSN goes out with the next packet */
    uint32_t adv_ack;        /* RFC 3758 s3.5: Advanced.Peer.Ack.Point */
    mpsctp_tstamp next_ttl;  /* no TTL deadline before this one (NEVER: none) */
    /* abandoned messages by policy (TTL, RTX, PRIO) and [0] unsent / [1] sent */
    uint64_t abandoned[PRSCTP_NPOLICIES][2];
    uint64_t (*per_stream)[PRSCTP_NPOLICIES][2]; /* the same per outbound stream, allocated
                                                     at the first abandonment */
    uint16_t per_stream_n;
    uint64_t fwd_sent, fwd_received; /* FORWARD TSN chunks */
    uint64_t pd_aborted;             /* partial deliveries a FORWARD TSN ended */
    uint8_t tlp_void;                /* the tail loss probe "out" was held back: the
                                        chunk's RTX policy allowed no retransmission */
    uint8_t fwd_path;                /* where the latest FORWARD TSN went, and when */
    mpsctp_tstamp fwd_at;
} prsctp;

/* Sets the state up after the handshake (or a restart): the ack point at the first TSN
 * less one, nothing due; the counters are kept. */
void prsctp_setup(mpsctp_assoc *a);
/* Frees what the state holds. */
void prsctp_free(mpsctp_assoc *a);
/* RFC 3758 s3.3: returns 1 when cfg offers PR-SCTP and the peer's INIT or INIT ACK in
 * announces it (the Forward-TSN-Supported parameter, or FORWARD TSN listed in Supported
 * Extensions), else 0. */
int prsctp_negotiated(const mpsctp_settings *cfg, const sctp_init *in);
/* Writes the Forward-TSN-Supported parameter (RFC 3758 s3.1) when cfg offers PR-SCTP. */
void prsctp_put_param(const mpsctp_settings *cfg, wbuf *w);

/* mpsctp_assoc_send_pr's work after the checks of state: queues the message with its
 * policy, making room by priority when the policy is PRIO. Returns 0 or an error. */
int prsctp_send(mpsctp_assoc *a, const void *data, size_t len, const mpsctp_sndinfo *info,
                const mpsctp_prinfo *pr, mpsctp_tstamp now);

/* RFC 3758 s3.5 A1-A3, C1-C3: abandons the messages whose policy says so (TTL run out,
 * a chunk marked for retransmission beyond the RTX limit), moves the Advanced.Peer.Ack.
 * Point over abandoned and NR-acked TSNs and makes a FORWARD TSN due when it is ahead of
 * the cumulative ack. The SACK, T3-rtx and output code call it; it does nothing unless
 * PR-SCTP is on and in use. */
void prsctp_sweep(mpsctp_assoc *a, mpsctp_tstamp now);
/* Before a packet is built: abandons what the RTX policy forbids to retransmit among the
 * chunks marked for retransmission (nothing unless PR-SCTP is on and in use). */
void prsctp_before_output(mpsctp_assoc *a, mpsctp_tstamp now);
/* Runs the sweep when the next TTL deadline has come (the association's timer). */
void prsctp_timeout(mpsctp_assoc *a, mpsctp_tstamp now);
/* Returns 0 when chunk c (in flight) may not be sent again: PR-SCTP on and its
 * message's RTX policy used up (RFC 7496 s4), else 1. */
int prsctp_rtx_allowed(const mpsctp_assoc *a, const txchunk *c);
/* Returns the next TTL deadline (NEVER: none). */
mpsctp_tstamp prsctp_deadline(const mpsctp_assoc *a);
/* Returns 1 when no abandoned TSN waits for the peer's ack (the ack point is at the
 * cumulative ack). */
int prsctp_settled(const mpsctp_assoc *a);

/* A SACK's cumulative ack passed abandoned TSNs (our FORWARD TSN arrived): the peer and
 * the FORWARD TSN's path answer (error counters, RFC 9260 s8.1, s8.2). */
void prsctp_fwd_acked(mpsctp_assoc *a, mpsctp_tstamp now);

/* Abandoned chunks at the head of the unsent tail are never sent: they leave it. */
static inline void prsctp_skip_unsent(rtxq *q)
{
    while (q->unsent && rtxq_at(q, rtxq_first_unsent(q))->state == TX_ABANDONED)
        q->unsent--;
}

/* Writes the FORWARD TSN that is due into w when it fits (RFC 3758 s3.5 C4: with the
 * stream and SSN of each ordered message skipped; fewer TSNs when not every stream fits)
 * and makes sure a T3-rtx timer runs (C5), on path pi when none does. */
void prsctp_put_fwdtsn(mpsctp_assoc *a, wbuf *w, uint32_t pi, mpsctp_tstamp now);

/* RFC 3758 s3.6: handles a FORWARD TSN chunk received on path pi (PR-SCTP negotiated).
 * Returns 0, or 1 when the association was aborted (malformed chunk, a cumulative TSN
 * beyond anything the peer can have sent). */
int prsctp_recv_fwdtsn(mpsctp_assoc *a, const sctp_tlv *c, int pi, mpsctp_tstamp now);

#endif
