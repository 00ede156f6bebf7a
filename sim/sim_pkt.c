/* sim_pkt: free-list packet pool. */
#include "sim_pkt.h"

#include <stdlib.h>
#include <string.h>

void sim_pkt_pool_init(sim_pkt_pool *pool, uint32_t cap)
{
    pool->free = NULL;
    pool->cap = cap;
    pool->allocated = 0;
    pool->in_use = 0;
}

void sim_pkt_pool_free(sim_pkt_pool *pool)
{
    sim_pkt *p = pool->free;
    while (p) {
        sim_pkt *n = p->next;
        free(p);
        p = n;
    }
    pool->free = NULL;
}

sim_pkt *sim_pkt_get(sim_pkt_pool *pool, size_t need)
{
    sim_pkt *p;
    if (need <= pool->cap && pool->free) {
        p = pool->free;
        pool->free = p->next;
    } else {
        uint32_t cap = need <= pool->cap ? pool->cap : (uint32_t)need;
        p = malloc(sizeof(*p) + cap);
        if (!p)
            return NULL;
        p->cap = cap;
        pool->allocated++;
    }
    uint32_t cap = p->cap;
    memset(p, 0, sizeof(*p));
    p->cap = cap;
    pool->in_use++;
    return p;
}

void sim_pkt_put(sim_pkt_pool *pool, sim_pkt *p)
{
    if (!p)
        return;
    pool->in_use--;
    if (p->cap != pool->cap) {
        free(p);
        return;
    }
    p->next = pool->free;
    pool->free = p;
}
