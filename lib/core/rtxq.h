/* Sender-side chunk queue in TSN order: every DATA chunk from TSN assignment until the
 * cumulative ack passes it (RFC 9260 s6.1-s6.3). Chunks live in a ring indexed by
 * (tsn - first_tsn); chunks not yet sent are always the newest ones. */
#ifndef MPSCTP_RTXQ_H
#define MPSCTP_RTXQ_H

#include <stdint.h>

#include "mpsctp/mpsctp.h"
#include "sendq.h"

enum {
    TX_UNSENT = 0, /* TSN assigned, never transmitted */
    TX_INFLIGHT,   /* transmitted, counted in its path's flight size */
    TX_ACKED,      /* reported in a gap ack block (renegable) */
    TX_RTX,        /* marked for retransmission, not in flight */
    TX_NRACKED,    /* reported in an NR gap ack block: released, never reneged (msg NULL) */
    TX_ABANDONED,  /* PR-SCTP (RFC 3758): its message was abandoned; released (msg NULL),
                      off holds the stream id for the FORWARD TSN */
};

typedef struct txchunk {
    smsg *msg;
    uint32_t off;  /* offset of the payload in msg->data */
    uint16_t len;  /* payload bytes */
    uint16_t ssn;
    uint8_t dflags; /* SCTP_DATA_B/E/U */
    uint8_t state;
    uint8_t path;   /* path of the last transmission */
    uint8_t tx_count;
    uint8_t miss;    /* RFC 9260 s7.2.4 miss indications */
    uint8_t fast_rtx; /* marked by fast retransmit: send once ignoring cwnd */
    uint8_t fr_done;  /* already fast retransmitted once */
    uint8_t timed_out; /* marked by T3-rtx: goes to another path (RFC 9260 s6.4) */
    uint8_t zwp;       /* sent as a zero window probe (RFC 9260 s6.1 A) */
    uint8_t seen;      /* SACK epoch that last reported it (renege detection) */
    mpsctp_tstamp sent_at;
    uint32_t fsn; /* I-DATA: fragment sequence number (the message id is msg->mid) */
} txchunk;

typedef struct rtxq {
    txchunk *ring;
    uint32_t cap, head, count; /* ring[head] has TSN first_tsn */
    uint32_t first_tsn;
    uint32_t unsent;  /* chunks at the tail never sent */
    uint32_t nrtx;    /* chunks in state TX_RTX */
    uint32_t rtx_low; /* no chunk below this TSN is in state TX_RTX (valid when nrtx) */
} rtxq;

/* Sets up an empty queue whose next TSN is first_tsn. Allocates nothing: the ring comes
 * with the first chunk. */
void rtxq_init(rtxq *q, uint32_t first_tsn);

/* Frees the ring (the caller releases the messages first). */
void rtxq_free(rtxq *q);

/* Frees the ring of an empty queue (an idle sender); the next append allocates a small
 * one again. Does nothing while chunks are queued. */
void rtxq_release(rtxq *q);

/* Appends a chunk with the next TSN in state TX_UNSENT and returns it, or NULL (NOMEM).
 * Pointers into the queue are invalidated by the next append. */
txchunk *rtxq_append(rtxq *q);

/* Returns the chunk at index i (0 = oldest). */
static inline txchunk *rtxq_at(const rtxq *q, uint32_t i)
{
    return &q->ring[(q->head + i) & (q->cap - 1)];
}

/* Returns the chunk with TSN tsn, or NULL when it is not in the queue. */
static inline txchunk *rtxq_get(const rtxq *q, uint32_t tsn)
{
    uint32_t i = tsn - q->first_tsn;
    return i < q->count ? rtxq_at(q, i) : NULL;
}

/* Marks chunk i (already out of flight) for retransmission. */
static inline void rtxq_mark_rtx(rtxq *q, uint32_t i)
{
    uint32_t tsn = q->first_tsn + i;
    if (q->nrtx == 0 || (int32_t)(tsn - q->rtx_low) < 0)
        q->rtx_low = tsn;
    rtxq_at(q, i)->state = TX_RTX;
    q->nrtx++;
}

/* Returns the index of the oldest chunk marked for retransmission, or count when none.
 * Scans from the lowest TSN that can be marked, so the cost is not paid per packet. */
static inline uint32_t rtxq_first_rtx(rtxq *q)
{
    if (!q->nrtx)
        return q->count;
    uint32_t sent = q->count - q->unsent;
    uint32_t i = (int32_t)(q->rtx_low - q->first_tsn) > 0 ? q->rtx_low - q->first_tsn : 0;
    for (; i < sent; i++) {
        if (rtxq_at(q, i)->state == TX_RTX) {
            q->rtx_low = q->first_tsn + i;
            return i;
        }
    }
    return q->count;
}

/* Removes the oldest chunk. */
void rtxq_pop(rtxq *q);

/* Returns the TSN the next appended chunk gets. */
static inline uint32_t rtxq_next_tsn(const rtxq *q)
{
    return q->first_tsn + q->count;
}

/* Index of the oldest unsent chunk (== count - unsent). */
static inline uint32_t rtxq_first_unsent(const rtxq *q)
{
    return q->count - q->unsent;
}

#endif
