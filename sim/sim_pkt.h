/*
 * sim_pkt: packets in flight inside the simulator, taken from a free list so the
 * steady state allocates nothing per packet.
 */
#ifndef MPSCTP_SIM_PKT_H
#define MPSCTP_SIM_PKT_H

#include <stddef.h>
#include <stdint.h>

#include <mpsctp/mpsctp.h>

typedef struct sim_pkt {
    struct sim_pkt *next; /* free list link */
    void *flow;           /* owning flow (sim internal), NULL for none */
    uint32_t path;        /* path index within the flow */
    uint32_t hop;         /* index of the link being crossed, in travel order */
    uint32_t epoch;       /* epoch of that link direction when the packet entered */
    uint8_t dir;          /* 0 client to server, 1 server to client */
    mpsctp_addr from, to; /* sender and receiver transport addresses */
    uint32_t len;         /* SCTP packet bytes in data */
    uint32_t cap;         /* capacity of data */
    uint8_t data[];
} sim_pkt;

typedef struct sim_pkt_pool {
    sim_pkt *free;     /* packets of capacity `cap` ready for reuse */
    uint32_t cap;      /* standard capacity */
    uint64_t allocated; /* packets obtained from malloc (statistics) */
    uint64_t in_use;    /* packets handed out and not returned */
} sim_pkt_pool;

/* Initialises an empty pool whose packets hold up to cap bytes. */
void sim_pkt_pool_init(sim_pkt_pool *pool, uint32_t cap);

/* Frees every pooled packet (packets still in use must be returned first or are
 * leaked by the caller). */
void sim_pkt_pool_free(sim_pkt_pool *pool);

/* Returns a packet able to hold need bytes (len 0, other fields zero), or NULL when
 * memory runs out. Packets larger than the standard capacity are allocated apart. */
sim_pkt *sim_pkt_get(sim_pkt_pool *pool, size_t need);

/* Returns a packet to the pool. NULL is ignored. */
void sim_pkt_put(sim_pkt_pool *pool, sim_pkt *p);

#endif
