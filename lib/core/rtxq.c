/* Sender-side chunk queue in TSN order. */
#include <stdlib.h>
#include <string.h>

#include "rtxq.h"

int rtxq_init(rtxq *q, uint32_t first_tsn)
{
    memset(q, 0, sizeof(*q));
    q->cap = 256;
    q->first_tsn = first_tsn;
    q->ring = calloc(q->cap, sizeof(*q->ring));
    return q->ring ? 0 : MPSCTP_ERR_NOMEM;
}

void rtxq_free(rtxq *q)
{
    free(q->ring);
    q->ring = NULL;
    q->count = q->unsent = q->nrtx = 0;
}

txchunk *rtxq_append(rtxq *q)
{
    if (q->count == q->cap) {
        txchunk *nr = malloc(2 * (size_t)q->cap * sizeof(*nr));
        if (!nr)
            return NULL;
        for (uint32_t i = 0; i < q->count; i++)
            nr[i] = *rtxq_at(q, i);
        free(q->ring);
        q->ring = nr;
        q->head = 0;
        q->cap *= 2;
    }
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
