/* sim_link: queue, serializer, delay, loss, reordering and duplication of a link. */
#include "sim_link.h"

#include <math.h>
#include <stdlib.h>

void sim_link_params_default(sim_link_params *p)
{
    *p = (sim_link_params){
        .rate_bps = 10000000ull,
        .delay_ns = 10000000ull,
        .queue_pkts = 100,
        .queue_bytes = 0,
        .red = 0,
        .loss = 0.0,
        .reorder = 0.0,
        .reorder_delay_ns = 0,
        .dup = 0.0,
        .up = 1,
        .jitter_ns = 0,
    };
}

const char *sim_link_params_check(const sim_link_params *p)
{
    if (p->rate_bps == 0)
        return "rate must be positive";
    if (!(p->loss >= 0.0 && p->loss <= 1.0))
        return "loss must be a probability in [0,1]";
    if (!(p->reorder >= 0.0 && p->reorder <= 1.0))
        return "reorder must be a probability in [0,1]";
    if (!(p->dup >= 0.0 && p->dup <= 1.0))
        return "dup must be a probability in [0,1]";
    if (p->jitter_ns > SIM_LINK_JITTER_MAX_NS)
        return "jitter must be at most 10s";
    if (p->red) {
        if (!(p->red_minth >= 0.0 && p->red_maxth > p->red_minth))
            return "red needs 0 <= minth < maxth";
        if (!(p->red_maxp > 0.0 && p->red_maxp <= 1.0))
            return "red maxp must be in (0,1]";
        if (!(p->red_wq > 0.0 && p->red_wq <= 1.0))
            return "red wq must be in (0,1]";
    }
    return NULL;
}

void sim_link_dir_init(sim_link_dir *d)
{
    *d = (sim_link_dir){.red_count = -1};
}

void sim_link_dir_free(sim_link_dir *d)
{
    free(d->dep);
    free(d->size);
    d->dep = NULL;
    d->size = NULL;
    d->ring_cap = d->ring_len = d->ring_head = 0;
}

uint64_t sim_link_tx_time(uint64_t wire_bytes, uint64_t rate_bps)
{
    /* Rounded to the nearest ns; exact for the usual rates. */
    return (wire_bytes * 8ull * 1000000000ull + rate_bps / 2) / rate_bps;
}

/* Forgets the packets that have left the serializer by now. */
static void link_purge(sim_link_dir *d, uint64_t now)
{
    while (d->ring_len > 0 && d->dep[d->ring_head] <= now) {
        d->qbytes -= d->size[d->ring_head];
        d->ring_head = (d->ring_head + 1) % d->ring_cap;
        d->ring_len--;
    }
}

static int link_ring_push(sim_link_dir *d, uint64_t dep, uint32_t size)
{
    if (d->ring_len == d->ring_cap) {
        uint32_t ncap = d->ring_cap ? d->ring_cap * 2 : 64;
        uint64_t *nd = malloc(ncap * sizeof(*nd));
        uint32_t *ns = malloc(ncap * sizeof(*ns));
        if (!nd || !ns) {
            free(nd);
            free(ns);
            return -1;
        }
        for (uint32_t i = 0; i < d->ring_len; i++) {
            uint32_t j = (d->ring_head + i) % d->ring_cap;
            nd[i] = d->dep[j];
            ns[i] = d->size[j];
        }
        free(d->dep);
        free(d->size);
        d->dep = nd;
        d->size = ns;
        d->ring_head = 0;
        d->ring_cap = ncap;
    }
    uint32_t tail = (d->ring_head + d->ring_len) % d->ring_cap;
    d->dep[tail] = dep;
    d->size[tail] = size;
    d->ring_len++;
    d->qbytes += size;
    return 0;
}

uint32_t sim_link_dir_qlen(sim_link_dir *d, uint64_t now)
{
    link_purge(d, now);
    return d->ring_len;
}

/* Classic RED (Floyd and Jacobson 1993): returns SIM_LINK_PASS, SIM_LINK_RED or
 * SIM_LINK_QUEUE for a packet arriving at a queue of q packets. */
static sim_link_verdict link_red(sim_link_dir *d, const sim_link_params *p, sim_rng *rng,
                                 uint64_t now, uint32_t q)
{
    if (q > 0) {
        d->red_avg = (1.0 - p->red_wq) * d->red_avg + p->red_wq * (double)q;
    } else {
        /* Idle since the last departure: decay as if m small packets had been sent. */
        uint64_t idle = now > d->link_free ? now - d->link_free : 0;
        uint64_t s = sim_link_tx_time(500, p->rate_bps);
        double m = s ? (double)idle / (double)s : 0.0;
        d->red_avg *= pow(1.0 - p->red_wq, m);
    }
    double avg = d->red_avg;
    if (avg < p->red_minth) {
        d->red_count = -1;
        return SIM_LINK_PASS;
    }
    if (avg >= p->red_maxth) {
        d->red_count = 0;
        return SIM_LINK_QUEUE;
    }
    d->red_count++;
    double pb = p->red_maxp * (avg - p->red_minth) / (p->red_maxth - p->red_minth);
    double denom = 1.0 - (double)d->red_count * pb;
    double pa = denom <= 0.0 ? 1.0 : pb / denom;
    if (sim_rng_chance(rng, pa)) {
        d->red_count = 0;
        return SIM_LINK_RED;
    }
    return SIM_LINK_PASS;
}

sim_link_verdict sim_link_dir_admit(sim_link_dir *d, const sim_link_params *p,
                                    sim_rng *rng, uint64_t now, uint32_t wire_bytes,
                                    sim_link_out *out)
{
    d->st.packets_in++;
    if (!p->up) {
        d->st.dropped_down++;
        return SIM_LINK_DOWN;
    }
    link_purge(d, now);
    uint32_t q = d->ring_len;
    if (p->red) {
        sim_link_verdict v = link_red(d, p, rng, now, q);
        if (v != SIM_LINK_PASS) {
            d->st.dropped_queue++;
            if (v == SIM_LINK_RED)
                d->st.dropped_red++;
            return v;
        }
    }
    if ((p->queue_pkts && q >= p->queue_pkts) ||
        (p->queue_bytes && d->qbytes + wire_bytes > p->queue_bytes)) {
        d->st.dropped_queue++;
        return SIM_LINK_QUEUE;
    }
    uint64_t tx = sim_link_tx_time(wire_bytes, p->rate_bps);
    uint64_t start = d->link_free > now ? d->link_free : now;
    uint64_t dep = start + tx;
    if (link_ring_push(d, dep, wire_bytes) < 0) {
        d->st.dropped_queue++;
        return SIM_LINK_QUEUE;
    }
    d->link_free = dep;
    d->st.busy_ns += tx;
    if (d->ring_len > d->st.max_queue_pkts)
        d->st.max_queue_pkts = d->ring_len;
    /* The packet uses the queue and the wire even when it is lost on the way. */
    int lost = sim_rng_chance(rng, p->loss);
    int reorder = sim_rng_chance(rng, p->reorder);
    int dup = sim_rng_chance(rng, p->dup);
    /* Drawn only when jitter is on (so runs without it keep their draws), and also for
     * a packet that is lost (so a change of loss does not shift the later draws). */
    uint64_t jit = p->jitter_ns ? sim_rng_below(rng, p->jitter_ns + 1) : 0;
    if (lost) {
        d->st.lost++;
        return SIM_LINK_LOST;
    }
    out->departure = dep;
    out->arrival = dep + p->delay_ns;
    if (p->jitter_ns) {
        out->arrival += jit;
        if (out->arrival < d->jit_last)
            out->arrival = d->jit_last;
        d->jit_last = out->arrival;
    } else if (out->arrival < d->jit_last) {
        /* Jitter was on a moment ago: stay behind the packets it delayed. */
        out->arrival = d->jit_last;
    }
    if (reorder) {
        uint64_t span = p->reorder_delay_ns ? p->reorder_delay_ns
                        : (p->delay_ns ? p->delay_ns : 1000000ull);
        out->arrival += 1 + sim_rng_below(rng, span);
        d->st.reordered++;
    }
    out->duplicate = dup;
    if (dup)
        d->st.duplicated++;
    return SIM_LINK_PASS;
}

void sim_link_dir_down(sim_link_dir *d, uint64_t now)
{
    d->ring_len = 0;
    d->ring_head = 0;
    d->qbytes = 0;
    if (d->link_free > now)
        d->link_free = now;
    d->epoch++;
    d->jit_last = 0; /* the packets still on the wire are lost */
}
