/* Receiver-side TSN map (RFC 9260 s6.2, s6.7): which TSNs above the cumulative TSN ack
 * point have arrived, gap ack blocks and duplicate TSNs for the next SACK. */
#ifndef MPSCTP_TSNMAP_H
#define MPSCTP_TSNMAP_H

#include <stddef.h>
#include <stdint.h>

#define TSNMAP_MAX_DUPS 32 /* duplicate TSNs remembered for one SACK */

typedef struct tsnmap {
    uint32_t cum;      /* cumulative TSN ack point: every TSN <= cum has arrived */
    uint32_t highest;  /* highest TSN that arrived (== cum when no gaps) */
    uint64_t *bits;    /* ring bitmap for TSNs cum+1 .. cum+nbits, bit (tsn & (nbits-1)) */
    uint32_t nbits;    /* capacity, a power of two */
    uint32_t max_bits; /* growth limit: TSNs beyond cum+max_bits are refused */
    uint32_t dups[TSNMAP_MAX_DUPS];
    uint16_t ndups;
} tsnmap;

/* Sets up an empty map whose first expected TSN is initial_tsn (cum = initial_tsn - 1),
 * able to track up to max_bits TSNs above cum (rounded up to a power of two, at least
 * 64). Returns 0 or MPSCTP_ERR_NOMEM. */
int tsnmap_init(tsnmap *m, uint32_t initial_tsn, uint32_t max_bits);

/* Releases the map's memory. */
void tsnmap_free(tsnmap *m);

/* Classifies tsn without recording it: 1 new, 0 duplicate (<= cum or already seen),
 * -1 beyond the trackable window. */
int tsnmap_check(const tsnmap *m, uint32_t tsn);

/* Records tsn. Returns 1 when new (advancing cum where possible), 0 when duplicate (the
 * TSN is remembered for the next SACK's duplicate list), -1 when beyond the window (not
 * recorded), MPSCTP_ERR_NOMEM when the bitmap could not grow. */
int tsnmap_mark(tsnmap *m, uint32_t tsn);

/* Returns 1 when some TSN above cum has arrived (there are gaps), else 0. */
static inline int tsnmap_has_gaps(const tsnmap *m)
{
    return m->highest != m->cum;
}

/* Writes up to max gap ack blocks (start,end offsets from cum, RFC 9260 s3.3.4) into
 * out and returns how many were written (the lowest blocks first). */
size_t tsnmap_gaps(const tsnmap *m, uint16_t (*out)[2], size_t max);

/* Copies up to max remembered duplicate TSNs into out, forgets them, returns the count. */
size_t tsnmap_take_dups(tsnmap *m, uint32_t *out, size_t max);

/* Moves cum forward to new_cum (as FORWARD TSN would), forgetting TSNs at or below it.
 * A new_cum at or below cum is ignored. */
void tsnmap_forward(tsnmap *m, uint32_t new_cum);

#endif
