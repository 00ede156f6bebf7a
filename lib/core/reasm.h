/* Receiver-side reassembly, ordering and the read queue (RFC 9260 s6.5, s6.9), with
 * partial delivery of large messages (RFC 6458 s8.1.21 partial delivery point). */
#ifndef MPSCTP_REASM_H
#define MPSCTP_REASM_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "codec.h"
#include "mpsctp/mpsctp.h"

/* Receive-buffer bytes charged per fragment on top of its payload, so that many tiny
 * chunks cannot pin unbounded memory behind a small advertised window. */
#define REASM_CHUNK_OVERHEAD 64u

typedef struct rfrag {
    struct rfrag *next;
    uint32_t tsn, ppid, len, off; /* off: bytes already read */
    uint16_t sid, ssn;
    uint8_t flags;
    uint8_t data[];
} rfrag;

typedef struct rmsg {
    struct rmsg *next;
    rfrag *head, *tail; /* fragments in TSN order; head is partly read when head->off > 0 */
    uint32_t tsn, ppid;
    uint16_t sid, ssn, flags;
    uint8_t complete; /* last fragment is in the list */
} rmsg;

typedef struct rstream {
    uint16_t next_ssn; /* next SSN to deliver in order */
    rmsg *hold;        /* complete messages waiting for an earlier SSN, sorted by SSN */
} rstream;

typedef struct reasm {
    rfrag **ring;   /* fragments not yet part of a deliverable message, slot (tsn - base) */
    uint32_t cap;   /* ring capacity, a power of two */
    uint32_t base;  /* lowest TSN that can be in the ring */
    uint32_t ring_bytes; /* payload bytes in the ring */
    rstream *streams;
    uint16_t nstreams;
    rmsg *rq_head, *rq_tail; /* read queue */
    size_t rq_bytes;         /* unread payload bytes in the read queue */
    uint64_t held;           /* receive-buffer use: payload + overhead of every fragment */
    uint32_t pd_point;
    rmsg *pd;                /* message under partial delivery, or NULL */
    uint32_t pd_next_tsn;
} reasm;

/* Sets up an empty reassembly state for nstreams inbound streams whose first TSN will be
 * initial_tsn. Messages larger than pd_point bytes may be delivered in parts. Returns 0
 * or MPSCTP_ERR_NOMEM. */
int reasm_init(reasm *r, uint16_t nstreams, uint32_t initial_tsn, uint32_t pd_point);

/* Releases every fragment and message. */
void reasm_free(reasm *r);

/* Adds one new DATA chunk (the caller has checked that its TSN is new and its stream id
 * valid); cum is the cumulative TSN after recording it. Complete messages move to the
 * read queue in the order rules allow. Returns 0 or MPSCTP_ERR_NOMEM. */
int reasm_add(reasm *r, const sctp_data *d, uint32_t cum);

/* Reads from the message at the head of the read queue into buf. Returns bytes read and
 * sets *eor when the message ended; MPSCTP_ERR_WOULDBLOCK when nothing is readable. */
ssize_t reasm_read(reasm *r, void *buf, size_t cap, mpsctp_rcvinfo *info, int *eor);

/* Returns the receive-buffer bytes in use (payload plus per-chunk overhead). */
static inline uint64_t reasm_held(const reasm *r)
{
    return r->held;
}

/* Returns the bytes readable now. */
static inline size_t reasm_readable(const reasm *r)
{
    return r->rq_bytes;
}

#endif
