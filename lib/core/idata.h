/* User message interleaving with I-DATA (RFC 8260 s2): the sender's message ids per
 * stream, and the receiver's reassembly by (stream, U, MID) in FSN order with ordered
 * delivery by MID. Fragments live in the association's reassembly state (reasm.h): they
 * are charged to its receive buffer like DATA fragments (payload + REASM_CHUNK_OVERHEAD),
 * each message in progress IDATA_MSG_CHARGE more for its record here, and delivered
 * fragments join its read queue, where a piece of one message may be followed by pieces of other messages
 * (RFC 6458 fragment interleave level 2: each read returns the stream of its piece).
 *
 * Messages of different streams are in progress at once; a message next in line (the
 * next MID of its ordered stream, or unordered) is delivered whole when complete, or in
 * pieces once its contiguous prefix reaches the partial delivery point or the buffer is
 * nearly full. I-DATA fragments are not reneged: a chunk that does not fit the receive
 * buffer is dropped (not acknowledged) and comes again. */
#ifndef MPSCTP_IDATA_H
#define MPSCTP_IDATA_H

#include <stdint.h>

#include "codec.h"
#include "reasm.h"
#include "tsnmap.h"

/* Receive-buffer bytes charged for the record of a message in progress (with its
 * fragment's REASM_CHUNK_OVERHEAD, enough for the record, its allocator overhead and its
 * table slot). */
#define IDATA_MSG_CHARGE 96u

/* One message being reassembled. */
typedef struct idata_msg {
    struct idata_msg *hnext;
    rfrag *head, *tail; /* fragments held, by FSN (linked by next) */
    rfrag *cend;        /* last of the run of consecutive FSNs from next_fsn (NULL: none) */
    uint32_t cbytes;    /* bytes of that run */
    uint32_t mid, ppid;
    uint32_t next_fsn;  /* the FSN delivery continues with (0 until it starts) */
    uint32_t last_fsn;  /* the E fragment's FSN (valid with has_e) */
    uint16_t sid;
    uint8_t u, has_b, has_e, pd; /* pd: pieces were delivered */
} idata_msg;

typedef struct idata_state {
    /* sender: next MID per outbound stream, ordered [2 * sid] and unordered [2 * sid + 1] */
    uint32_t *tx_mid;
    uint16_t tx_n;
    /* receiver */
    idata_msg **tab; /* messages in progress by (sid, U, MID) */
    uint32_t cap, count;
    uint32_t *rx_mid; /* per inbound stream: next ordered MID to deliver */
    uint16_t rx_n;
    uint32_t salt;
} idata_state;

/* Sets up an empty state for os outbound and is inbound streams (message ids start at 0),
 * freeing any previous one. Returns 0 or MPSCTP_ERR_NOMEM. */
int idata_setup(idata_state *x, uint16_t os, uint16_t is, uint32_t salt);

/* Frees every message in progress (their fragments go back to r) and the tables. */
void idata_free(idata_state *x, reasm *r);

/* Returns the MID for a new message on outbound stream sid (unordered: the unordered
 * sequence) and advances it (RFC 8260 s2.1: ordered and unordered messages count
 * apart). */
uint32_t idata_next_mid(idata_state *x, uint16_t sid, int unordered);

/* Adds one new I-DATA chunk (the caller has checked its TSN is new, its stream valid and
 * its length nonzero, and recorded it in the map). Complete messages, and pieces of
 * messages next in line, move to r's read queue. Returns 0, MPSCTP_ERR_NOMEM, or
 * MPSCTP_ERR_MALFORMED (nothing added) when the chunk cannot belong to its message: an FSN
 * of 0 without B, a second B or E, an FSN already held or delivered, an FSN beyond the E
 * fragment's (or an E below one held), an ordered MID already delivered. */
int idata_add(idata_state *x, reasm *r, const sctp_data *d);

/* Returns the bytes of memory the receiver state really uses beyond the fragments:
 * records, table, per-stream message ids (mpsctp_assoc_mem_get). */
uint64_t idata_mem(const idata_state *x);

/* Returns what idata_mem can be at most beyond the records' charge: the table's least
 * size and the per-stream arrays. */
uint64_t idata_mem_fixed(const idata_state *x);

/* Messages in progress (for tests). */
static inline uint32_t idata_in_progress(const idata_state *x)
{
    return x->count;
}

#endif
