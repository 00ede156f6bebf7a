/* sim_evq: binary min-heap keyed by (at, seq). */
#include "sim_evq.h"

#include <stdlib.h>

void sim_evq_init(sim_evq *q)
{
    q->heap = NULL;
    q->len = 0;
    q->cap = 0;
    q->next_seq = 0;
}

void sim_evq_free(sim_evq *q)
{
    free(q->heap);
    sim_evq_init(q);
}

static int evq_less(const sim_event *a, const sim_event *b)
{
    if (a->at != b->at)
        return a->at < b->at;
    return a->seq < b->seq;
}

int sim_evq_push(sim_evq *q, uint64_t at, sim_evq_fn fn, void *obj, uint64_t arg)
{
    if (q->len == q->cap) {
        size_t ncap = q->cap ? q->cap * 2 : 256;
        sim_event *h = realloc(q->heap, ncap * sizeof(*h));
        if (!h)
            return -1;
        q->heap = h;
        q->cap = ncap;
    }
    sim_event ev = {.at = at, .seq = q->next_seq++, .fn = fn, .obj = obj, .arg = arg};
    size_t i = q->len++;
    while (i > 0) {
        size_t parent = (i - 1) / 2;
        if (!evq_less(&ev, &q->heap[parent]))
            break;
        q->heap[i] = q->heap[parent];
        i = parent;
    }
    q->heap[i] = ev;
    return 0;
}

int sim_evq_pop(sim_evq *q, sim_event *ev)
{
    if (q->len == 0)
        return 0;
    *ev = q->heap[0];
    sim_event last = q->heap[--q->len];
    size_t n = q->len;
    size_t i = 0;
    for (;;) {
        size_t l = 2 * i + 1;
        if (l >= n)
            break;
        size_t c = l;
        if (l + 1 < n && evq_less(&q->heap[l + 1], &q->heap[l]))
            c = l + 1;
        if (!evq_less(&q->heap[c], &last))
            break;
        q->heap[i] = q->heap[c];
        i = c;
    }
    if (n > 0)
        q->heap[i] = last;
    return 1;
}

uint64_t sim_evq_peek_time(const sim_evq *q)
{
    return q->len ? q->heap[0].at : UINT64_MAX;
}

size_t sim_evq_len(const sim_evq *q)
{
    return q->len;
}
