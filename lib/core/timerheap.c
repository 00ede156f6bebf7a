/* Binary min-heap of deadlines with positions kept in the owners' nodes. */
#include <stdlib.h>

#include "timerheap.h"

int timerheap_reserve(timerheap *h, uint32_t n)
{
    if (n <= h->cap)
        return 0;
    uint32_t cap = h->cap ? h->cap : 16;
    while (cap < n)
        cap *= 2;
    theap_ent *v = realloc(h->v, (size_t)cap * sizeof(*v));
    if (!v)
        return MPSCTP_ERR_NOMEM;
    h->v = v;
    h->cap = cap;
    return 0;
}

void timerheap_free(timerheap *h)
{
    free(h->v);
    h->v = NULL;
    h->n = h->cap = 0;
}

/* Puts entry e at index i and tells its node. */
static inline void place(timerheap *h, uint32_t i, theap_ent e)
{
    h->v[i] = e;
    e.node->pos = i + 1;
}

/* Moves e, meant for index i, up past every parent with a larger key. */
static void sift_up(timerheap *h, uint32_t i, theap_ent e)
{
    while (i > 0) {
        uint32_t parent = (i - 1) / 2;
        if (h->v[parent].key <= e.key)
            break;
        place(h, i, h->v[parent]);
        i = parent;
    }
    place(h, i, e);
}

/* Moves e, meant for index i, down past every child with a smaller key. */
static void sift_down(timerheap *h, uint32_t i, theap_ent e)
{
    for (;;) {
        uint32_t c = 2 * i + 1;
        if (c >= h->n)
            break;
        if (c + 1 < h->n && h->v[c + 1].key < h->v[c].key)
            c++;
        if (e.key <= h->v[c].key)
            break;
        place(h, i, h->v[c]);
        i = c;
    }
    place(h, i, e);
}

/* Takes the entry at index i out: the last entry fills the hole. */
static void remove_at(timerheap *h, uint32_t i)
{
    h->v[i].node->pos = 0;
    theap_ent last = h->v[--h->n];
    if (i == h->n)
        return;
    if (i > 0 && last.key < h->v[(i - 1) / 2].key)
        sift_up(h, i, last);
    else
        sift_down(h, i, last);
}

int timerheap_move(timerheap *h, theap_node *x, mpsctp_tstamp key)
{
    if (!x->pos) {
        if (key == MPSCTP_TSTAMP_NEVER)
            return 0;
        if (h->n == h->cap && timerheap_reserve(h, h->n + 1))
            return MPSCTP_ERR_NOMEM;
        theap_ent e = {key, x};
        sift_up(h, h->n++, e);
        return 0;
    }
    uint32_t i = x->pos - 1;
    mpsctp_tstamp old = h->v[i].key;
    if (key == old)
        return 0;
    if (key == MPSCTP_TSTAMP_NEVER) {
        remove_at(h, i);
        return 0;
    }
    theap_ent e = {key, x};
    if (key < old)
        sift_up(h, i, e);
    else
        sift_down(h, i, e);
    return 0;
}

int timerheap_verify(const timerheap *h)
{
    for (uint32_t i = 0; i < h->n; i++) {
        if (h->v[i].node->pos != i + 1 || h->v[i].key == MPSCTP_TSTAMP_NEVER)
            return -1;
        if (i > 0 && h->v[(i - 1) / 2].key > h->v[i].key)
            return -1;
    }
    return 0;
}
