/*
 * sim_link: one direction of a simulated link: a FIFO queue (tail drop or RED) in front
 * of a serializer of fixed rate, followed by a propagation delay, random loss, optional
 * reordering (extra delay for some packets), duplication and an optional per-packet
 * jitter (uniform extra delay that keeps the packets of a direction in order).
 *
 * The queue is modelled lazily: each admitted packet gets its departure time at once,
 * departure = max(now, link_free) + size*8/rate, and the queue holds the packets whose
 * departure is still in the future. Admission is O(1) amortised; no event is needed
 * when a packet leaves the queue.
 */
#ifndef MPSCTP_SIM_LINK_H
#define MPSCTP_SIM_LINK_H

#include <stddef.h>
#include <stdint.h>

#include "sim_rng.h"

/* Bytes added to every SCTP packet on the wire: IPv4 (20) + UDP (8) headers. */
#define SIM_WIRE_OVERHEAD 28u

/* Parameters of a link; both directions share them. */
typedef struct sim_link_params {
    uint64_t rate_bps;       /* serialization rate, bit/s (nonzero) */
    uint64_t delay_ns;       /* one-way propagation delay */
    uint32_t queue_pkts;     /* queue limit in packets (0: no packet limit) */
    uint64_t queue_bytes;    /* queue limit in wire bytes (0: no byte limit) */
    int red;                 /* 1: RED in front of the limit above */
    double red_minth;        /* RED thresholds on the average queue, packets */
    double red_maxth;
    double red_maxp;         /* drop probability at maxth */
    double red_wq;           /* weight of the moving average */
    double loss;             /* random loss probability per packet */
    double reorder;          /* probability that a packet gets extra delay */
    uint64_t reorder_delay_ns; /* extra delay is uniform in (0, reorder_delay_ns] */
    double dup;              /* probability that a packet is delivered twice */
    int up;                  /* 1 up, 0 down (packets dropped) */
    /* Per-packet jitter: every packet that passes arrives an extra delay drawn uniformly
     * in [0, jitter_ns] later, but never before the packet admitted before it on the
     * same direction (FIFO; reordering, when on, comes on top). 0 (the default): off,
     * and nothing is drawn, so runs without jitter are the same as before it existed.
     * Breaks the phase effects of perfectly regular packet trains at drop-tail queues
     * (docs/simulator.md, "Phase effects and link jitter"). */
    uint64_t jitter_ns;
} sim_link_params;

/* Largest jitter a link accepts. */
#define SIM_LINK_JITTER_MAX_NS (10ull * 1000000000ull)

/* Counters of one direction. */
typedef struct sim_link_stats {
    uint64_t packets_in;      /* packets offered to the link */
    uint64_t packets_fwd;     /* packets delivered at the far end (duplicates included) */
    uint64_t bytes_fwd;       /* wire bytes delivered */
    uint64_t dropped_queue;   /* tail drops (and RED forced drops above maxth) */
    uint64_t dropped_red;     /* RED early drops (also counted in dropped_queue) */
    uint64_t dropped_down;    /* dropped because the link was down */
    uint64_t lost;            /* random loss */
    uint64_t reordered;       /* packets given extra delay */
    uint64_t duplicated;      /* extra copies made */
    uint64_t busy_ns;         /* serialization time used */
    uint32_t max_queue_pkts;  /* largest queue seen (packets, including the one sent) */
} sim_link_stats;

/* State of one direction. */
typedef struct sim_link_dir {
    uint64_t link_free;       /* when the serializer finishes its last packet */
    uint64_t *dep;            /* ring: departure time of queued packets (FIFO) */
    uint32_t *size;           /* ring: their wire sizes */
    uint32_t ring_cap, ring_head, ring_len;
    uint64_t qbytes;          /* wire bytes queued */
    double red_avg;           /* RED average queue, packets */
    int red_count;            /* packets since the last RED drop (-1: below minth) */
    uint32_t epoch;           /* bumped when the link goes down; stale packets die */
    sim_link_stats st;
    /* Jitter: arrival time (before any reordering extra) of the last packet admitted
     * while jitter was on; later packets never arrive before it (0: none). */
    uint64_t jit_last;
} sim_link_dir;

typedef enum sim_link_verdict {
    SIM_LINK_PASS = 0,   /* admitted: arrives at *arrival */
    SIM_LINK_DOWN,       /* dropped: link down */
    SIM_LINK_QUEUE,      /* dropped: queue full (tail drop or RED above maxth) */
    SIM_LINK_RED,        /* dropped: RED early drop */
    SIM_LINK_LOST,       /* sent, then lost on the wire */
} sim_link_verdict;

/* Result of sim_link_dir_admit for a packet that passes. */
typedef struct sim_link_out {
    uint64_t departure;  /* last bit leaves the serializer */
    uint64_t arrival;    /* last bit reaches the far end */
    int duplicate;       /* 1: deliver a second copy at the same time */
} sim_link_out;

/* Fills *p with defaults: 10 Mbit/s, 10 ms, 100 packets, tail drop, no loss, up. */
void sim_link_params_default(sim_link_params *p);

/* Checks *p. Returns NULL when valid, else a static message naming the problem. */
const char *sim_link_params_check(const sim_link_params *p);

/* Initialises a direction (idle, empty, zero counters). */
void sim_link_dir_init(sim_link_dir *d);

/* Releases a direction's memory. */
void sim_link_dir_free(sim_link_dir *d);

/* Returns the serialization time of wire_bytes at rate_bps, ns. */
uint64_t sim_link_tx_time(uint64_t wire_bytes, uint64_t rate_bps);

/* Offers a packet of wire_bytes (IP and UDP headers included) at time now. Returns the
 * verdict; on SIM_LINK_PASS fills *out. Random draws come from rng. Returns
 * SIM_LINK_QUEUE also when memory for the queue runs out. */
sim_link_verdict sim_link_dir_admit(sim_link_dir *d, const sim_link_params *p,
                                    sim_rng *rng, uint64_t now, uint32_t wire_bytes,
                                    sim_link_out *out);

/* Returns the number of packets queued (including the one being sent) at time now. */
uint32_t sim_link_dir_qlen(sim_link_dir *d, uint64_t now);

/* Takes the direction down at time now: the queue is flushed and packets still on the
 * wire are lost (their epoch no longer matches). */
void sim_link_dir_down(sim_link_dir *d, uint64_t now);

#endif
