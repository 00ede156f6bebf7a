/* CMT in the simulator against the published figures of experiments E1 and E2
 * (docs/results/README.md) and our own targets, on the experiment scenarios themselves
 * (scenarios/e1-disjoint.scn, e2-shared.scn):
 *  - E1: on 2 x 10 Mbit/s disjoint paths plain CMT gets >= 1.9x the single-path
 *    association beside it, and every CMT mode >= 85% of the sum of the paths (our
 *    target: every mode, without cross traffic, at least 85% of the sum; RPv2's coupled
 *    decrease gives up a whole path's window per loss on two equal paths, docs/results);
 *  - E2: one bottleneck shared by both paths of a CMT association and a single-path
 *    reference, judged on the mean of 5 seeds: plain CMT : reference in [1.6, 2.5]
 *    (single 60 s runs spread from about 1.75 to 2.45 around 2.1 over 16 start phases);
 *    RPv1, RPv2, MPTCP-like in [0.8, 1.25] with Jain's index >= 0.95 (single runs spread
 *    by about +-0.15); every run uses the bottleneck >= 90%;
 *  - every flow verified (every byte, no duplicate) and both paths carrying new data;
 *  - a mid-transfer mode change (at T flow m set cmt=...) loses and duplicates nothing
 *    and changes where new data goes.
 * Fewer seeds than scripts/experiments.sh. Every run prints its seed and figures;
 * MPSCTP_SIM_SEED=N runs each case once with seed N. The figures are the published ones
 * and our targets, not whatever the core gives today. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "scenario.h"
#include "sim.h"
#include "test_sim_util.h"

#ifndef MPSCTP_SCENARIO_DIR
#define MPSCTP_SCENARIO_DIR "scenarios"
#endif


static const char *const mode_name[] = {"off", "cmt", "rpv1", "rpv2", "mptcp"};

/* Loads a scenario file of the repository. */
static void load(const char *file, sim_config *c)
{
    char path[512], err[512];
    snprintf(path, sizeof(path), "%s/%s", MPSCTP_SCENARIO_DIR, file);
    if (sim_scenario_load(path, c, err, sizeof(err)) < 0) {
        fprintf(stderr, "%s\n", err);
        fail();
    }
}

/* Finds a flow or link by name in a configuration. */
static size_t flow_index(const sim_config *c, const char *name)
{
    for (size_t i = 0; i < c->nflows; i++)
        if (!strcmp(c->flows[i].name, name))
            return i;
    fail_msg("no flow %s", name);
    return 0;
}

static size_t link_index(const sim_config *c, const char *name)
{
    for (size_t i = 0; i < c->nlinks; i++)
        if (!strcmp(c->links[i].name, name))
            return i;
    fail_msg("no link %s", name);
    return 0;
}

/* Sets the seed, a mode for flow `m` and, as the experiment script does, a start delay
 * of 0..99 ms per seed and flow (tail-drop runs have nothing else random in them). */
static void prepare(sim_config *c, uint64_t seed, uint32_t mode)
{
    c->seed = seed;
    for (size_t i = 0; i < c->nflows; i++) {
        c->flows[i].start_ns += (sim_rng_mix64(seed * 1000003u + i) % 100) * T_MS;
        if (!strcmp(c->flows[i].name, "m")) {
            c->flows[i].cmt = (uint8_t)mode;
            c->flows[i].set |= SIM_FS_CMT;
        }
    }
}

/* Runs scenario `file` with a seed and flow m in a mode; fills *m and *ref (the flow
 * named ref) and returns the finished simulation (sim_free it), with *link the index
 * of the link named link (NULL: none). */
static sim *run_exp(const char *file, uint64_t seed, uint32_t mode, const char *ref,
                    sim_flow_metrics *m, sim_flow_metrics *rm, const char *link,
                    size_t *li)
{
    sim_config c;
    load(file, &c);
    prepare(&c, seed, mode);
    size_t fm = flow_index(&c, "m"), fr = flow_index(&c, ref);
    if (link)
        *li = link_index(&c, link);
    char err[256];
    sim *s = sim_new(&c, err, sizeof(err));
    sim_config_free(&c);
    assert_non_null(s);
    assert_int_equal(sim_run(s), 0);
    sim_flow_metrics_get(s, fm, m);
    sim_flow_metrics_get(s, fr, rm);
    return s;
}

/* Checks a flow's integrity after a run. */
static void check_verified(const sim_flow_metrics *m, const char *what, uint64_t seed)
{
    if (!m->verified || !m->intact) {
        fprintf(stderr, "%s seed %llu: flow %s not verified: %s\n", what,
                (unsigned long long)seed, m->name, m->error);
        fail();
    }
}

/* One run's figures, checked by an experiment's judge. */
typedef struct exp_run {
    uint32_t mode;
    uint64_t seed;
    sim_flow_metrics m, ref;  /* the CMT flow m and the flow beside it */
    sim_link_metrics link;    /* the bottleneck, when the experiment names one */
    double jain;
    size_t jain_flows;
} exp_run;

/* Prints a run's figures and returns 1 when they meet the experiment's targets. */
typedef int (*exp_judge)(const exp_run *r);

/* Prints the figures of one mode's runs and returns 1 when their means meet the
 * experiment's targets. */
typedef int (*exp_mode_judge)(const exp_run *runs, int n);

#define EXP_SEEDS_MAX 8

/* Runs scenario file in every CMT mode with nseeds seeds; every run is verified, flow m
 * runs in the mode asked for, judge decides on each run's figures and mode_judge (when
 * given) on the runs of a mode together. Fails after all runs when any judge said no. */
static void run_seeds(const char *file, const char *ref, const char *link, int nseeds,
                      exp_judge judge, exp_mode_judge mode_judge)
{
    uint64_t seeds[EXP_SEEDS_MAX];
    int ns = tsim_seed_list(seeds, nseeds < EXP_SEEDS_MAX ? nseeds : EXP_SEEDS_MAX);
    int bad = 0;
    for (uint32_t mode = MPSCTP_CMT_BASE; mode <= MPSCTP_CMT_MAX; mode++) {
        exp_run runs[EXP_SEEDS_MAX];
        for (int k = 0; k < ns; k++) {
            exp_run r;
            memset(&r, 0, sizeof(r));
            r.mode = mode;
            r.seed = seeds[k];
            size_t li = 0;
            sim *s = run_exp(file, seeds[k], mode, ref, &r.m, &r.ref, link, &li);
            r.jain = -1;
            if (link) {
                sim_link_metrics_get(s, li, &r.link);
                r.jain = sim_link_jain(s, li, &r.jain_flows);
            }
            sim_free(s);
            int ok = judge(&r);
            check_verified(&r.m, file, r.seed);
            check_verified(&r.ref, file, r.seed);
            assert_int_equal(r.m.cmt, mode);
            /* Both paths carry data in every CMT mode. */
            if (r.m.paths[0].new_data_bytes == 0 || r.m.paths[1].new_data_bytes == 0) {
                fprintf(stderr, "  FAIL: a path carried no new data\n");
                ok = 0;
            }
            bad += !ok;
            runs[k] = r;
        }
        if (mode_judge)
            bad += !mode_judge(runs, ns);
    }
    assert_int_equal(bad, 0);
}

/* run_seeds with two seeds and no judge over a mode's runs. */
static void run_all(const char *file, const char *ref, const char *link, exp_judge judge)
{
    run_seeds(file, ref, link, 2, judge, NULL);
}

static int e1_judge(const exp_run *r)
{
    double g = r->m.goodput_bps / 1e6, g1 = r->ref.goodput_bps / 1e6;
    fprintf(stderr, "E1 mode %s seed %llu: cmt %.2f Mbit/s (paths %.2f + %.2f), single "
            "path %.2f, ratio %.2f, %.1f%% of the sum\n", mode_name[r->mode],
            (unsigned long long)r->seed, g, r->m.paths[0].goodput_bps / 1e6,
            r->m.paths[1].goodput_bps / 1e6, g1, g1 > 0 ? g / g1 : 0, g / 20.0 * 100);
    int need_ratio = r->mode == MPSCTP_CMT_BASE;
    if ((!need_ratio || g >= 1.9 * g1) && g >= 0.85 * 20.0)
        return 1;
    fprintf(stderr, "  FAIL: want >= 17 Mbit/s%s\n",
            need_ratio ? " and >= 1.9x the single path" : "");
    return 0;
}

static void test_e1_disjoint(void **state)
{
    (void)state;
    run_all("e1-disjoint.scn", "s", NULL, e1_judge);
}

/* E2, one run: the bottleneck is full and both flows cross it. */
static int e2_judge(const exp_run *r)
{
    double ratio = r->ref.goodput_bps > 0 ? r->m.goodput_bps / r->ref.goodput_bps : 0;
    double use = r->link.utilisation[0];
    fprintf(stderr, "E2 mode %s seed %llu: cmt %.2f Mbit/s (paths %.2f + %.2f), reference "
            "%.2f, ratio %.2f, Jain %.3f over %zu flows, bottleneck use %.1f%%\n",
            mode_name[r->mode], (unsigned long long)r->seed, r->m.goodput_bps / 1e6,
            r->m.paths[0].goodput_bps / 1e6, r->m.paths[1].goodput_bps / 1e6,
            r->ref.goodput_bps / 1e6, ratio, r->jain, r->jain_flows, use * 100);
    if (use >= 0.90 && r->jain_flows == 2)
        return 1;
    fprintf(stderr, "  FAIL: want use >= 90%% with 2 flows\n");
    return 0;
}

/* E2, a mode's runs: the share is judged on the mean over the seeds, as the reference
 * experiments are (single runs of one minute with RED spread by about +-0.15 around it):
 * plain CMT takes about two thirds (ratio 1.6..2.5), the coupled modes about half (ratio
 * 0.8..1.25, Jain >= 0.95). */
static int e2_mode_judge(const exp_run *runs, int n)
{
    double sum = 0, sum2 = 0, jain = 0;
    for (int k = 0; k < n; k++) {
        const exp_run *r = &runs[k];
        double ratio = r->ref.goodput_bps > 0 ? r->m.goodput_bps / r->ref.goodput_bps : 0;
        sum += ratio;
        sum2 += ratio * ratio;
        jain += r->jain;
    }
    double mean = sum / n, var = n > 1 ? (sum2 - sum * sum / n) / (n - 1) : 0;
    double ci = n > 1 ? 1.96 * sqrt(var > 0 ? var : 0) / sqrt((double)n) : 0;
    jain /= n;
    uint32_t mode = runs[0].mode;
    fprintf(stderr, "E2 mode %s: mean ratio %.2f +- %.2f (95%% CI), mean Jain %.3f over %d "
            "seeds\n", mode_name[mode], mean, ci, jain, n);
    int ok = mode == MPSCTP_CMT_BASE ? mean >= 1.6 && mean <= 2.5
                                     : mean >= 0.8 && mean <= 1.25 && jain >= 0.95;
    if (!ok)
        fprintf(stderr, "  FAIL: want mean %s\n",
                mode == MPSCTP_CMT_BASE ? "ratio 1.6..2.5" : "ratio 0.8..1.25, Jain >= 0.95");
    return ok;
}

static void test_e2_shared(void **state)
{
    (void)state;
    run_seeds("e2-shared.scn", "r", "B", 5, e2_judge, e2_mode_judge);
}

/* Plain CMT over two 50 Mbit/s paths, one with 10 ms more delay each way
 * (scenarios/delay10.scn, the testbed's delay10 case): it moves at least 0.99x what two
 * one-path associations move over copies of the two paths beside it, and it retransmits
 * no more than its paths dropped (the queues are the only loss). SACKs come back over
 * either path, so the long path's RTT samples mix 0.2 and 20 ms returns: a rule that
 * took an ack over the short path as proof of loss on the long one retransmitted 537
 * chunks for 151 drops and got 0.97x. */
static void test_delay10_plain_cmt(void **state)
{
    (void)state;
    uint64_t seeds[3];
    int ns = tsim_seed_list(seeds, 3), bad = 0;
    for (int k = 0; k < ns; k++) {
        sim_flow_metrics m, ra, rb;
        sim_link_metrics a, b;
        size_t la;
        sim *s = run_exp("delay10.scn", seeds[k], MPSCTP_CMT_BASE, "ra", &m, &ra, "A", &la);
        /* rb and B follow ra and A in the scenario file. */
        sim_flow_metrics_get(s, 2, &rb);
        sim_link_metrics_get(s, la, &a);
        sim_link_metrics_get(s, la + 1, &b);
        sim_free(s);
        assert_string_equal(rb.name, "rb");
        assert_string_equal(b.name, "B");
        check_verified(&m, "delay10", seeds[k]);
        uint64_t drops = a.dir[0].dropped_queue + b.dir[0].dropped_queue;
        double ref = (ra.goodput_bps + rb.goodput_bps) / 1e6, g = m.goodput_bps / 1e6;
        fprintf(stderr, "delay10 seed %llu: cmt %.2f Mbit/s (paths %.2f + %.2f), one-path "
                "flows %.2f + %.2f, ratio %.3f; retransmissions %llu, data packets dropped "
                "%llu\n", (unsigned long long)seeds[k], g, m.paths[0].goodput_bps / 1e6,
                m.paths[1].goodput_bps / 1e6, ra.goodput_bps / 1e6, rb.goodput_bps / 1e6,
                g / ref, (unsigned long long)m.retransmissions, (unsigned long long)drops);
        if (g < 0.99 * ref || m.retransmissions > drops + drops / 10 + 10) {
            fprintf(stderr, "  FAIL: want >= 0.99x the one-path flows and retransmissions "
                    "<= 1.1x the drops + 10\n");
            bad++;
        }
    }
    assert_int_equal(bad, 0);
}

/* Mid-transfer changes (docs/cmt.md, Modes): plain CMT for 8 s, then off; on two
 * disjoint paths. Before the change both paths carry new data; from an RTT after it on,
 * new data goes to the primary only; the mode reads back as set; nothing is lost or
 * duplicated. */
static void test_mode_change(void **state)
{
    (void)state;
    static const char *text = "duration 16s\n"
                              "link A rate=10mbit delay=10ms queue=100\n"
                              "link B rate=10mbit delay=10ms queue=100\n"
                              "flow m paths=A,B cmt=cmt msg=1452 unordered sample=500ms\n"
                              "at 8s flow m set cmt=off\n";
    uint64_t seeds[2];
    int ns = tsim_seed_list(seeds, 2);
    for (int k = 0; k < ns; k++) {
        sim_config c;
        char err[256];
        assert_int_equal(sim_scenario_parse(text, "change", &c, err, sizeof(err)), 0);
        c.seed = seeds[k];
        sim *s = sim_new(&c, err, sizeof(err));
        sim_config_free(&c);
        assert_non_null(s);
        assert_int_equal(sim_run_until(s, 8 * T_S - 1), 1);
        assert_int_equal(mpsctp_assoc_get_cmt(sim_flow_assoc(s, 0, SIM_CLIENT)),
                         MPSCTP_CMT_BASE);
        assert_int_equal(sim_run(s), 0);
        assert_int_equal(mpsctp_assoc_get_cmt(sim_flow_assoc(s, 0, SIM_CLIENT)),
                         MPSCTP_CMT_OFF);
        assert_int_equal(mpsctp_assoc_get_cmt(sim_flow_assoc(s, 0, SIM_SERVER)),
                         MPSCTP_CMT_OFF);
        sim_flow_metrics m;
        sim_flow_metrics_get(s, 0, &m);
        /* With CMT on, new data spreads over the paths and no move is logged; once off,
         * the moves of the single data path are logged again. */
        const sim_flow_event *ev;
        size_t n = sim_flow_events(s, 0, &ev);
        size_t moves_before = 0, moves_p1_after = 0;
        for (size_t i = 0; i < n; i++)
            if (ev[i].kind == SIM_FEV_DATA_PATH) {
                moves_before += ev[i].t < 8 * T_S;
                moves_p1_after += ev[i].t >= 8 * T_S && ev[i].path == 1;
            }
        int p1_before = m.paths[1].new_data_bytes > 0;
        double last_p1 = m.paths[1].last_new_data_s;
        const sim_path_sample *smp;
        size_t nsmp = sim_flow_samples(s, 0, &smp);
        uint64_t at8 = 0, at16 = 0;
        for (size_t i = 0; i < nsmp; i++) {
            if (smp[i].t <= 8 * T_S)
                at8 = smp[i].bytes_sent[0];
            at16 = smp[i].bytes_sent[0];
        }
        sim_free(s);
        fprintf(stderr, "change seed %llu: %.2f Mbit/s, new data on path 1: %s, last at %.3f "
                "s, path 0 sent %llu B after 8 s, data-path moves logged before 8 s %zu, "
                "to path 1 after %zu\n", (unsigned long long)seeds[k], m.goodput_bps / 1e6,
                p1_before ? "yes" : "no", last_p1, (unsigned long long)(at16 - at8),
                moves_before, moves_p1_after);
        check_verified(&m, "change", seeds[k]);
        assert_true(p1_before);
        /* An RTT (20 ms plus queueing) after the change new data stays on path 0. */
        assert_true(last_p1 > 7.0 && last_p1 < 8.5);
        assert_int_equal(moves_p1_after, 0);
        assert_true(moves_before <= 1); /* at most the first data, before CMT is seen */
        assert_true(at16 - at8 > 5000000); /* about 8 s at 10 Mbit/s: > 5 MB */
    }
}

/* The warm-up: goodput of a saturated flow counts from it on, so the slow start and
 * the handshake no longer weigh on it; link use likewise. */
static void test_warmup(void **state)
{
    (void)state;
    static const char *text = "duration 6s\n"
                              "link L rate=10mbit delay=50ms queue=100\n"
                              "flow f paths=L msg=1452\n";
    double g[2], use[2], dur[2];
    for (int w = 0; w < 2; w++) {
        sim_config c;
        char err[256];
        assert_int_equal(sim_scenario_parse(text, "warmup", &c, err, sizeof(err)), 0);
        c.warmup_ns = w ? 3 * T_S : 0;
        sim *s = sim_new(&c, err, sizeof(err));
        sim_config_free(&c);
        assert_non_null(s);
        assert_int_equal(sim_run(s), 0);
        sim_flow_metrics m;
        sim_link_metrics l;
        sim_flow_metrics_get(s, 0, &m);
        sim_link_metrics_get(s, 0, &l);
        sim_free(s);
        g[w] = m.goodput_bps;
        use[w] = l.utilisation[0];
        dur[w] = m.duration_s;
        fprintf(stderr, "warmup %d s: %.3f Mbit/s over %.1f s, use %.3f\n", w ? 3 : 0,
                g[w] / 1e6, dur[w], use[w]);
    }
    assert_float_equal(dur[0], 6.0, 1e-9);
    assert_float_equal(dur[1], 3.0, 1e-9);
    /* Slow start over a 100 ms RTT takes about a second: the whole-run figure is
     * lower; from 3 s on the link is saturated. */
    assert_true(g[1] > 9.0e6 && g[1] <= 10.0e6);
    assert_true(g[0] < g[1] - 0.3e6);
    assert_true(use[1] > 0.99 && use[0] < use[1]);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_warmup),
        cmocka_unit_test(test_mode_change),
        cmocka_unit_test(test_e1_disjoint),
        cmocka_unit_test(test_e2_shared),
        cmocka_unit_test(test_delay10_plain_cmt),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
