/* A binary min-heap of deadlines: the endpoint keeps one entry per association that has a
 * timer running, keyed by the association's earliest deadline, so that the next deadline
 * costs O(1) and a changed one O(log n), whatever the number of associations.
 *
 * The heap is intrusive: each owner embeds a theap_node that remembers where its entry
 * sits, so an entry can be moved or taken out without a search. Entries keep their key
 * beside the node pointer, so sifting compares keys without touching the owners. */
#ifndef MPSCTP_TIMERHEAP_H
#define MPSCTP_TIMERHEAP_H

#include <stdint.h>

#include "mpsctp/mpsctp.h"

/* Embedded in an owner. */
typedef struct theap_node {
    uint32_t pos; /* index of the node's entry + 1; 0 while it is not in the heap */
} theap_node;

typedef struct theap_ent {
    mpsctp_tstamp key;
    theap_node *node;
} theap_ent;

typedef struct timerheap {
    theap_ent *v;
    uint32_t n, cap;
} timerheap;

/* Makes room for at least n entries, so that timerheap_set never needs memory for that
 * many owners. Returns 0 or MPSCTP_ERR_NOMEM (the heap is unchanged). */
int timerheap_reserve(timerheap *h, uint32_t n);

/* Releases the entry array; nodes still in the heap are forgotten. */
void timerheap_free(timerheap *h);

/* timerheap_set when the key changes. */
int timerheap_move(timerheap *h, theap_node *x, mpsctp_tstamp key);

/* Files node x under key, moving it when it is in the heap already; MPSCTP_TSTAMP_NEVER
 * takes it out. Costs a comparison when the key is unchanged. Returns 0, or
 * MPSCTP_ERR_NOMEM when x is new and the array is full and cannot grow (x is then not in
 * the heap: reserve room first to rule that out). */
static inline int timerheap_set(timerheap *h, theap_node *x, mpsctp_tstamp key)
{
    if (key == (x->pos ? h->v[x->pos - 1].key : MPSCTP_TSTAMP_NEVER))
        return 0;
    return timerheap_move(h, x, key);
}

/* Returns the smallest key, MPSCTP_TSTAMP_NEVER when the heap is empty. */
static inline mpsctp_tstamp timerheap_min(const timerheap *h)
{
    return h->n ? h->v[0].key : MPSCTP_TSTAMP_NEVER;
}

/* Returns the node with the smallest key, or NULL when the heap is empty. */
static inline theap_node *timerheap_top(const timerheap *h)
{
    return h->n ? h->v[0].node : NULL;
}

/* Returns x's key, MPSCTP_TSTAMP_NEVER when it is not in the heap. */
static inline mpsctp_tstamp timerheap_key(const timerheap *h, const theap_node *x)
{
    return x->pos ? h->v[x->pos - 1].key : MPSCTP_TSTAMP_NEVER;
}

/* Checks the heap order and every node's position. Returns 0, or -1 (for tests). */
int timerheap_verify(const timerheap *h);

#endif
