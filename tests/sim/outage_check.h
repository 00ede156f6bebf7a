/* Runs of the outage scenarios (scenarios/outage-*.scn) shared by the outage tests: a
 * scenario file in one CMT mode with one seed, the RTO of every path sampled just
 * before each of its links goes down, the association's fate and its longest stall
 * compared with the bound docs/api.md (Path management) derives. */
#ifndef MPSCTP_TEST_SIM_OUTAGE_CHECK_H
#define MPSCTP_TEST_SIM_OUTAGE_CHECK_H

#include "test_sim_util.h"

#ifndef MPSCTP_SCENARIO_DIR
#define MPSCTP_SCENARIO_DIR "scenarios"
#endif

#define OUT_NEVER UINT64_MAX

/* What one run measured. */
typedef struct out_result {
    sim_flow_metrics m;
    uint64_t lost[2];     /* COMM_LOST of the client, the server (OUT_NEVER: none) */
    uint64_t last_down;   /* the last link-down event */
    uint32_t rto_fail_ms; /* largest RTO of a path just before one of its links failed */
    uint32_t pmr, amr, hb_ms, rto_initial_ms, rto_max_ms;
    uint64_t rtt_max_ns;  /* largest round trip of a path without queueing */
    uint64_t stall_bound; /* the bound on the longest stall, ns */
} out_result;

/* Returns 1 when flow path p crosses link li. */
static inline int out_path_uses(const sim_flow_cfg *f, uint32_t p, uint32_t li)
{
    for (uint32_t k = 0; k < f->paths[p].nlinks; k++)
        if (f->paths[p].links[k] == li)
            return 1;
    return 0;
}

/* Runs scenario file name (in MPSCTP_SCENARIO_DIR) with CMT mode cmt and seed; fills *r.
 * The stall bound: a failing path may hold the data sent to it until it is declared
 * inactive, Path.Max.Retrans + 1 expiries of its T3 in a row, at most sum_{k=0..PMR}
 * min(R * 2^k, RTO.Max) (R: its RTO at the failure); a path that came back is found
 * within HB.interval + 1.5 RTO.Initial + one round trip; the data then needs one more
 * round trip to arrive. */
static inline void out_run_nr(const char *name, uint8_t cmt, uint64_t seed, int nr_sack,
                              out_result *r);
static inline void out_run(const char *name, uint8_t cmt, uint64_t seed, out_result *r)
{
    out_run_nr(name, cmt, seed, -1, r);
}

/* As out_run, with NR-SACK offered (nr_sack 1) or not (0); -1: as the scenario says. */
static inline void out_run_nr(const char *name, uint8_t cmt, uint64_t seed, int nr_sack,
                              out_result *r)
{
    memset(r, 0, sizeof(*r));
    char err[512];
    sim_config c;
    assert_int_equal(tsim_load_scenario(MPSCTP_SCENARIO_DIR, name, &c), 0);
    assert_int_equal(c.nflows, 1);
    c.seed = seed;
    sim_flow_cfg *f = &c.flows[0];
    f->cmt = cmt;
    f->set |= SIM_FS_CMT;
    if (nr_sack >= 0) {
        f->nr_sack = (uint8_t)nr_sack;
        f->set |= SIM_FS_NRSACK;
    }
    mpsctp_settings st;
    mpsctp_settings_default(&st);
    sim_flow_cfg_settings(f, &st);
    r->pmr = st.path_max_retrans;
    r->amr = st.assoc_max_retrans;
    r->hb_ms = st.hb_interval_ms;
    r->rto_initial_ms = st.rto_initial_ms;
    r->rto_max_ms = st.rto_max_ms;
    for (uint32_t p = 0; p < f->npaths; p++) {
        uint64_t d = 0;
        for (uint32_t k = 0; k < f->paths[p].nlinks; k++)
            d += c.links[f->paths[p].links[k]].p.delay_ns;
        if (2 * d > r->rtt_max_ns)
            r->rtt_max_ns = 2 * d;
    }
    sim *s = sim_new(&c, err, sizeof(err));
    if (!s)
        fprintf(stderr, "sim_new: %s\n", err);
    assert_non_null(s);
    /* Run up to just before each link-down event and note the RTO of the paths that
     * cross the link (events are in time order in the file). */
    int rc = 1;
    for (size_t i = 0; i < c.nevents && rc == 1; i++) {
        const sim_event_cfg *e = &c.events[i];
        if (e->kind != SIM_EVENT_LINK_DOWN || e->at == 0)
            continue;
        r->last_down = e->at;
        rc = sim_run_until(s, e->at - 1);
        mpsctp_assoc *a = sim_flow_assoc(s, 0, SIM_CLIENT);
        for (uint32_t p = 0; a && p < f->npaths; p++) {
            mpsctp_path_info pi;
            if (out_path_uses(f, p, e->link) && mpsctp_assoc_path_info(a, p, &pi) == 0 &&
                pi.rto_ms > r->rto_fail_ms)
                r->rto_fail_ms = pi.rto_ms;
        }
    }
    assert_true(rc >= 0);
    assert_int_equal(sim_run(s), 0);
    sim_flow_metrics_get(s, 0, &r->m);
    for (int side = 0; side < 2; side++)
        r->lost[side] =
            sim_flow_event_find(s, 0, 0, SIM_FEV_ASSOC, side, UINT32_MAX, MPSCTP_COMM_LOST);
    uint64_t chain = 0, rto = (uint64_t)r->rto_fail_ms * T_MS;
    for (uint32_t k = 0; k <= r->pmr; k++, rto *= 2)
        chain += rto < (uint64_t)r->rto_max_ms * T_MS ? rto : (uint64_t)r->rto_max_ms * T_MS;
    r->stall_bound = chain + (uint64_t)r->hb_ms * T_MS +
                     (uint64_t)r->rto_initial_ms * T_MS * 3 / 2 + 2 * r->rtt_max_ns;
    fprintf(stderr,
            "[%s] cmt=%u seed=%" PRIu64 ": lost client %.3f server %.3f; longest stall %.3f s "
            "from %.3f s, bound %.3f s = sum_{k=0..PMR} min(RTO at a failure %u ms * 2^k, "
            "RTO.Max %u ms) (PMR %u) + "
            "HB.interval %u ms + 1.5 RTO.Initial %u ms + 2 RTT %.3f s\n",
            name, cmt, seed, r->lost[0] == OUT_NEVER ? -1.0 : (double)r->lost[0] / 1e9,
            r->lost[1] == OUT_NEVER ? -1.0 : (double)r->lost[1] / 1e9, r->m.max_stall_s,
            r->m.max_stall_at_s, (double)r->stall_bound / 1e9, r->rto_fail_ms, r->rto_max_ms,
            r->pmr, r->hb_ms, r->rto_initial_ms, (double)r->rtt_max_ns / 1e9);
    tsim_metrics_print(&r->m);
    sim_free(s);
    sim_config_free(&c);
}

/* Runs name in CMT modes 0..max_cmt with nseeds seeds each (MPSCTP_SIM_SEED=N: N only)
 * and checks that the association survives on both sides, every byte arrives intact
 * (and a fixed transfer completes) and the longest stall stays within the bound. */
static inline void out_check_survives(const char *name, uint8_t max_cmt, int nseeds)
{
    uint64_t seeds[8];
    int n = tsim_seed_list(seeds, nseeds > 8 ? 8 : nseeds);
    int failed = 0;
    for (uint8_t cmt = 0; cmt <= max_cmt; cmt++) {
        for (int i = 0; i < n; i++) {
            out_result r;
            out_run(name, cmt, seeds[i], &r);
            int ok = r.lost[0] == OUT_NEVER && r.lost[1] == OUT_NEVER && r.m.intact &&
                     r.m.verified && r.m.max_stall_s * 1e9 <= (double)r.stall_bound;
            if (!ok) {
                fprintf(stderr, "  FAILED: %s cmt=%u seed=%" PRIu64 "\n", name, cmt, seeds[i]);
                failed++;
            }
        }
    }
    assert_int_equal(failed, 0);
}

#endif
