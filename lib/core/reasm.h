/* Receiver-side reassembly, ordering and the read queue (RFC 9260 s6.5, s6.6, s6.9), with
 * partial delivery of large messages (RFC 6458 s8.1.21 partial delivery point) and the
 * receive-buffer bound of s6.2: what does not fit is dropped, the largest TSNs first.
 *
 * Fragments not yet delivered sit in a hash index by TSN; runs of consecutive fragments
 * that can belong to one message are linked, so that completing or extending a message
 * costs O(1) per fragment whatever the arrival order. Ordered messages wait, complete or
 * not, in a second index by (stream, SSN), so that delivering the next one costs O(1).
 * Delivered data is a list of fragments (the read queue) and is non-renegable, as is a
 * complete message that waits for its turn and was completed while the buffer was at most
 * three quarters full: the TSN map is told so (NR-SACK). The rest (unfinished messages,
 * messages completed in the last quarter) may be dropped again to make room for a chunk
 * that fills a hole. */
#ifndef MPSCTP_REASM_H
#define MPSCTP_REASM_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "codec.h"
#include "mpsctp/mpsctp.h"
#include "tsnmap.h"

/* Receive-buffer bytes charged per fragment on top of its payload: its header, the
 * allocator's overhead and its share of the two indexes (each keeps at least one entry
 * per four slots). Many tiny chunks thus cannot pin more memory than the window says.
 * The sender assumes a peer charges the same. */
#define REASM_CHUNK_OVERHEAD 128u

typedef struct rfrag {
    struct rfrag *next;  /* in a run or the read queue: the next fragment (TSN order) */
    struct rfrag *hnext; /* TSN index chain */
    struct rfrag *end;   /* run ends: the first points to the last and back; else NULL */
    struct rfrag *snext; /* SSN index chain (first fragment of an ordered run with B) */
    uint32_t tsn, ppid, len;
    uint32_t off; /* read queue: bytes already read; first of a run: run bytes */
    uint16_t sid, ssn;
    uint8_t flags; /* SCTP_DATA_B/E/U, RFRAG_BREAK */
    /* I-DATA (idata.c): message id and fragment sequence number. */
    uint32_t mid, fsn;
    uint8_t data[];
} rfrag;

/* In the read queue: the fragment ends a piece of a message that I-DATA delivered while
 * pieces of other messages may follow; a read stops after it. */
#define RFRAG_BREAK 0x80u

typedef struct reasm {
    rfrag **tidx; /* fragments not delivered, by TSN */
    uint32_t tcap, tcount;
    rfrag **sidx; /* first fragments of ordered runs starting with B, by (sid, ssn) */
    uint32_t scap, scount;
    uint32_t salt;      /* keys the two hashes (not guessable by the peer) */
    uint16_t *next_ssn; /* per inbound stream: next SSN to deliver in order */
    uint16_t nstreams;
    rfrag *rq_head, *rq_tail; /* read queue */
    size_t rq_bytes;          /* unread payload bytes in the read queue */
    uint32_t rd_tsn;          /* TSN of the first fragment of the message being read */
    uint64_t held;            /* receive-buffer use: payload + overhead of every fragment */
    uint32_t nfrags;          /* fragments held (indexed or in the read queue) */
    struct blkpool *pool;     /* where fragment blocks come from (NULL: malloc) */
    uint32_t pd_point;
    uint64_t limit;       /* receive buffer: near it, partial delivery starts early */
    rfrag *pd_tail;       /* last fragment of a message under partial delivery */
    uint32_t pd_next_tsn; /* the TSN that continues it */
    tsnmap *map;          /* told about delivered (non-renegable) and reneged TSNs */
    uint64_t probes;      /* index entries visited (lookups cost O(1): tests check it) */
} reasm;

/* Sets up an empty reassembly state for nstreams inbound streams. Messages larger than
 * pd_point bytes may be delivered in parts. Returns 0 or MPSCTP_ERR_NOMEM. */
int reasm_init(reasm *r, uint16_t nstreams, uint32_t pd_point);

/* Ties r to the association's TSN map (NULL: none) and receive buffer limit, and seeds
 * its hashes with salt. */
void reasm_attach(reasm *r, tsnmap *map, uint64_t limit, uint32_t salt);

/* Releases every fragment. */
void reasm_free(reasm *r);

/* Adds one new DATA chunk (the caller has checked that its TSN is new and its stream id
 * valid, and recorded it in the map); cum is the cumulative TSN after recording it.
 * Complete messages move to the read queue in the order rules allow. Returns 0,
 * MPSCTP_ERR_NOMEM, or MPSCTP_ERR_MALFORMED when the chunk cannot be part of any message
 * given its neighbours (RFC 9260 s6.9: a message's fragments have consecutive TSNs, the
 * first with B, the last with E; or a second message with the same stream and SSN): a
 * protocol violation, nothing was added. */
int reasm_add(reasm *r, const sctp_data *d, uint32_t cum);

/* Returns the receive-buffer bytes adding a chunk of len payload bytes costs. */
static inline uint64_t reasm_cost(size_t len)
{
    return (uint64_t)len + REASM_CHUNK_OVERHEAD;
}

/* RFC 9260 s6.2: drops renegable data (not delivered yet) with TSNs above `above`, the
 * largest TSNs first, until `need` more bytes fit in the receive buffer or nothing
 * renegable is left above it; the map forgets the dropped TSNs (a complete message that
 * waits for its turn goes as a whole). Returns the number of TSNs dropped. */
uint32_t reasm_renege(reasm *r, uint32_t above, uint64_t need);

/* Reads from the message at the head of the read queue into buf. Returns bytes read and
 * sets *eor when the message ended; MPSCTP_ERR_WOULDBLOCK when nothing is readable. */
ssize_t reasm_read(reasm *r, void *buf, size_t cap, mpsctp_rcvinfo *info, int *eor);

/* Returns the receive-buffer bytes in use (payload plus per-chunk overhead). */
static inline uint64_t reasm_held(const reasm *r)
{
    return r->held;
}

/* Returns the bytes of memory the state really uses: fragments (payload, header and an
 * allocator's overhead), index tables and the per-stream array. */
uint64_t reasm_mem(const reasm *r);

/* Returns the most memory reasm_mem can report beyond reasm_held's charge when the index
 * tables are at their smallest: the tables' minimum size and the per-stream array. */
uint64_t reasm_mem_fixed(const reasm *r);

/* Returns the bytes the next read returns at most: the readable rest of the message at
 * the head of the read queue. */
size_t reasm_next_len(const reasm *r);

/* Returns the bytes readable now. */
static inline size_t reasm_readable(const reasm *r)
{
    return r->rq_bytes;
}

/* ---- stream reconfiguration (RFC 6525) ---- */

/* Starts inbound streams sids[0..n) (n 0: every stream) at SSN 0 again and delivers
 * what of the new sequence is already there. Ids out of range are skipped. */
void reasm_reset_streams(reasm *r, const uint16_t *sids, uint16_t n);

/* Raises the inbound stream count to n (new streams start at SSN 0). Returns 0 or
 * MPSCTP_ERR_NOMEM (nothing changed). */
int reasm_grow(reasm *r, uint16_t n);
/* RFC 3758 s3.6: a FORWARD TSN moved the cumulative TSN to new_cum (the map already
 * did). Drops every unfinished message with a fragment at or below new_cum (the sender
 * abandoned it); for each (stream, SSN) pair of f on a stream below nstreams and not
 * behind the stream's next SSN, delivers the complete messages waiting up to that SSN
 * (dropping unfinished ones), skips the rest and delivers what follows in order. A
 * message under partial delivery that cannot be finished any more ends where it is (its
 * last fragment read ends the message); then 1 is returned with its stream and SSN in
 * *pd_sid, *pd_ssn. Returns 0 otherwise. Costs O(fragments held + pairs x log). */
int reasm_forward(reasm *r, uint32_t new_cum, const sctp_fwdtsn *f, uint16_t *pd_sid,
                  uint16_t *pd_ssn);

#endif
