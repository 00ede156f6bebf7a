/* Helpers shared by the simulator tests: build one-link configurations, run them and
 * report a failing run with its seed and parameters. */
#ifndef MPSCTP_TEST_SIM_UTIL_H
#define MPSCTP_TEST_SIM_UTIL_H

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "scenario.h"
#include "sim.h"
#include "sim_report.h"

#define T_MS 1000000ull
#define T_S 1000000000ull
#define T_MIB (1024ull * 1024ull)

/* The seeds a case runs with: 1..n, or only MPSCTP_SIM_SEED. */
static inline int tsim_seed_list(uint64_t *seeds, int n)
{
    const char *e = getenv("MPSCTP_SIM_SEED");
    if (e && *e) {
        seeds[0] = strtoull(e, NULL, 10);
        return 1;
    }
    for (int i = 0; i < n; i++)
        seeds[i] = (uint64_t)i + 1;
    return n;
}

/* Parameters of a single-link, single-flow run. */
typedef struct tsim_params {
    uint64_t seed;
    uint64_t rate_bps, delay_ns;
    uint32_t queue;
    double loss, reorder, dup;
    uint64_t bytes;       /* 0: saturated */
    uint64_t duration_ns; /* 0: default */
    uint32_t msg;
    int unordered;
    uint16_t streams;
    uint32_t sndbuf, rcvbuf;
} tsim_params;

/* Fills *p: 10 Mbit/s, 20 ms, queue 100, no impairment, 1452-byte messages. */
static inline void tsim_params_default(tsim_params *p)
{
    memset(p, 0, sizeof(*p));
    p->seed = 1;
    p->rate_bps = 10000000;
    p->delay_ns = 20 * T_MS;
    p->queue = 100;
    p->msg = 1452;
    p->streams = 1;
}

/* Prints the parameters of a run (for failure reports). */
static inline void tsim_params_print(const tsim_params *p)
{
    fprintf(stderr,
            "  run: seed=%" PRIu64 " rate=%" PRIu64 "bit delay=%" PRIu64 "ns queue=%u "
            "loss=%.4f reorder=%.4f dup=%.4f bytes=%" PRIu64 " msg=%u %s streams=%u "
            "sndbuf=%u rcvbuf=%u\n",
            p->seed, p->rate_bps, p->delay_ns, p->queue, p->loss, p->reorder, p->dup,
            p->bytes, p->msg, p->unordered ? "unordered" : "ordered", p->streams, p->sndbuf,
            p->rcvbuf);
}

/* Fills *f with the defaults, the name and npaths paths, path p over link p alone. */
static inline void tsim_flow_per_link(sim_flow_cfg *f, const char *name, uint32_t npaths)
{
    sim_flow_cfg_default(f);
    snprintf(f->name, sizeof(f->name), "%s", name);
    f->npaths = npaths;
    for (uint32_t p = 0; p < npaths; p++) {
        f->paths[p].nlinks = 1;
        f->paths[p].links[0] = p;
    }
}

/* Builds a configuration with one link L and one flow f over it. */
static inline void tsim_config(const tsim_params *p, sim_config *c)
{
    sim_config_init(c);
    c->seed = p->seed;
    c->duration_ns = p->duration_ns;
    sim_link_cfg l;
    memset(&l, 0, sizeof(l));
    snprintf(l.name, sizeof(l.name), "L");
    sim_link_params_default(&l.p);
    l.p.rate_bps = p->rate_bps;
    l.p.delay_ns = p->delay_ns;
    l.p.queue_pkts = p->queue;
    l.p.loss = p->loss;
    l.p.reorder = p->reorder;
    l.p.dup = p->dup;
    sim_config_add_link(c, &l);
    sim_flow_cfg f;
    tsim_flow_per_link(&f, "f", 1);
    f.bytes = p->bytes;
    f.msg_size = p->msg;
    f.unordered = p->unordered;
    f.streams = p->streams;
    f.sndbuf = p->sndbuf;
    f.rcvbuf = p->rcvbuf;
    sim_config_add_flow(c, &f);
}

/* Runs a configuration to its end; fills m[0..nflows) (at most max). Returns the sim
 * (caller frees) or NULL when it could not be built or failed inside. */
static inline sim *tsim_run_config(const sim_config *c, sim_flow_metrics *m, size_t max)
{
    char err[256];
    sim *s = sim_new(c, err, sizeof(err));
    if (!s) {
        fprintf(stderr, "sim_new: %s\n", err);
        return NULL;
    }
    if (sim_run(s) < 0) {
        fprintf(stderr, "sim_run: %s\n", sim_error(s));
        sim_free(s);
        return NULL;
    }
    for (size_t i = 0; i < sim_flow_count(s) && i < max; i++)
        sim_flow_metrics_get(s, i, &m[i]);
    return s;
}

/* Runs the single-flow run p; fills *m. Returns 0, or -1 (printed) on failure to run. */
static inline int tsim_run(const tsim_params *p, sim_flow_metrics *m)
{
    sim_config c;
    tsim_config(p, &c);
    sim *s = tsim_run_config(&c, m, 1);
    sim_config_free(&c);
    if (!s) {
        tsim_params_print(p);
        return -1;
    }
    sim_free(s);
    return 0;
}

/* Loads scenario file name from directory dir into *c. Returns 0, or -1 with the parser's
 * message printed. */
static inline int tsim_load_scenario(const char *dir, const char *name, sim_config *c)
{
    char path[512], err[512];
    snprintf(path, sizeof(path), "%s/%s", dir, name);
    int rc = sim_scenario_load(path, c, err, sizeof(err));
    if (rc)
        fprintf(stderr, "%s\n", err);
    return rc;
}

/* Prints a flow's metrics line. */
static inline void tsim_metrics_print(const sim_flow_metrics *m)
{
    fprintf(stderr,
            "  flow %s: bytes %" PRIu64 " verified %d complete %d duration %.3f s goodput "
            "%.3f Mbit/s rtx %" PRIu64 " (fast %" PRIu64 ", t3 %" PRIu64 ") stall %.3f s "
            "state %s/%s%s%s\n",
            m->name, m->bytes_delivered, m->verified, m->complete, m->duration_s,
            m->goodput_bps / 1e6, m->retransmissions, m->fast_retransmissions,
            m->t3_expirations, m->max_stall_s, mpsctp_state_name(m->client_state),
            mpsctp_state_name(m->server_state), m->error[0] ? " error: " : "", m->error);
}

#endif
