/* Sender-side chunk queue in TSN order. */
#include <stdlib.h>
#include <string.h>

#include "rtxq.h"

/* Slots of a ring's first allocation; it doubles as chunks accumulate. (Starting
 * smaller and growing step by step leaves a trail of freed blocks between a bulk
 * sender's messages that costs the allocator more on every message than the memory
 * saves: an idle association gives its ring back instead, assoc_trim.) */
#define RTXQ_FIRST_CAP 256u

void rtxq_init(rtxq *q, uint32_t first_tsn)
{
    memset(q, 0, sizeof(*q));
    q->first_tsn = first_tsn;
}

void rtxq_release(rtxq *q)
{
    if (q->count)
        return;
    free(q->ring);
    q->ring = NULL;
    q->cap = q->head = 0;
}

void rtxq_free(rtxq *q)
{
    free(q->ring);
    q->ring = NULL;
    q->cap = q->head = q->count = q->unsent = q->nrtx = 0;
}

/* Doubles the ring (allocates the first one). Returns 0, or -1 when memory runs out (the
 * ring is as it was). Kept out of rtxq_append, which runs for every chunk. */
static __attribute__((noinline)) int grow(rtxq *q)
{
    uint32_t ncap = q->cap ? 2 * q->cap : RTXQ_FIRST_CAP;
    txchunk *nr = malloc((size_t)ncap * sizeof(*nr));
    if (!nr)
        return -1;
    for (uint32_t i = 0; i < q->count; i++)
        nr[i] = *rtxq_at(q, i);
    free(q->ring);
    q->ring = nr;
    q->head = 0;
    q->cap = ncap;
    return 0;
}

txchunk *rtxq_append(rtxq *q)
{
    if (q->count == q->cap && grow(q))
        return NULL;
    txchunk *c = rtxq_at(q, q->count);
    memset(c, 0, sizeof(*c));
    q->count++;
    q->unsent++;
    return c;
}

void rtxq_pop(rtxq *q)
{
    q->head = (q->head + 1) & (q->cap - 1);
    q->count--;
    q->first_tsn++;
}
