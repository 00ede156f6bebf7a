/* Receiver-side TSN map (RFC 9260 s6.2, s6.7): which TSNs above the cumulative TSN ack
 * point have arrived, which of those are non-renegable (delivered to the application:
 * never taken back, NR-SACK), gap ack blocks and duplicate TSNs for the next SACK. */
#ifndef MPSCTP_TSNMAP_H
#define MPSCTP_TSNMAP_H

#include <stddef.h>
#include <stdint.h>

#define TSNMAP_MAX_DUPS 32 /* duplicate TSNs remembered for one SACK */

typedef struct tsnmap {
    uint32_t cum;      /* cumulative TSN ack point: every TSN <= cum has arrived */
    uint32_t highest;  /* highest TSN that arrived (== cum when no gaps) */
    uint64_t *bits;    /* ring bitmap for TSNs cum+1 .. cum+nbits, bit (tsn & (nbits-1)) */
    uint64_t *nr;      /* the same for TSNs that are also non-renegable (subset of bits) */
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

/* Which TSNs a list of gap ack blocks reports. */
typedef enum tsnmap_kind {
    TSNMAP_ALL,       /* every TSN above cum that arrived (SACK) */
    TSNMAP_RENEGABLE, /* arrived and not (yet) non-renegable (NR-SACK gap blocks) */
    TSNMAP_NR         /* non-renegable (NR-SACK NR gap blocks) */
} tsnmap_kind;

/* Writes up to max gap ack blocks (start,end offsets from cum, RFC 9260 s3.3.4) of the
 * TSNs of the given kind into out and returns how many were written (the lowest blocks
 * first; offsets past 65535 are not reported). */
size_t tsnmap_gaps_kind(const tsnmap *m, uint16_t (*out)[2], size_t max, tsnmap_kind kind);

/* Same as tsnmap_gaps_kind with TSNMAP_ALL. */
size_t tsnmap_gaps(const tsnmap *m, uint16_t (*out)[2], size_t max);

/* Marks tsn (arrived, above cum) non-renegable; TSNs at or below cum, or not arrived, are
 * left alone. */
void tsnmap_set_nr(tsnmap *m, uint32_t tsn);

/* RFC 9260 s6.2 renege: forgets that tsn (above cum, arrived, renegable) arrived, so that
 * the next SACK no longer reports it. Returns 0, or -1 when tsn is not such a TSN. */
int tsnmap_unmark(tsnmap *m, uint32_t tsn);

/* Finds the highest renegable TSN above `above` (serially, above >= cum). Returns 1 and
 * sets *out, or 0 when there is none. Word-at-a-time: at most nbits/64 steps. */
int tsnmap_highest_renegable(const tsnmap *m, uint32_t above, uint32_t *out);

/* Returns the bytes the map's bitmaps take. */
static inline size_t tsnmap_mem(const tsnmap *m)
{
    return 2 * (size_t)m->nbits / 8;
}

/* Copies up to max remembered duplicate TSNs into out, forgets them, returns the count. */
size_t tsnmap_take_dups(tsnmap *m, uint32_t *out, size_t max);

/* Moves cum forward to new_cum (as FORWARD TSN would), forgetting TSNs at or below it.
 * A new_cum at or below cum is ignored. */
void tsnmap_forward(tsnmap *m, uint32_t new_cum);

#endif
