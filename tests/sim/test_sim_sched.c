/* Stream schedulers in the simulator (RFC 8260 s3; docs/api.md "Stream schedulers"), with
 * the SQINFO-driven source, which keeps every stream saturated (stream s written only while
 * sq_queued_on_stream[s] < sq_queue_limit / streams):
 *  - stream-to-path mapping (CMT, pathsel=stream: stream s on path s mod 2) with 4 streams,
 *    round robin: the two streams of each path get 45-55% of what the path carries, on
 *    20 + 2 Mbit/s (0.1% loss on both) and on scenarios/e6-bandwidth.scn with
 *    streams=4 (10 + 1 Mbit/s); with WFQ and weights 1, 1, 3, 3 each path is shared
 *    25/75 (within 3 points; e6 with a 1 MiB send buffer);
 *  - one path, two streams: round robin and round robin per packet give equal shares, fair
 *    capacity equal bytes (45-55%), WFQ with weights 1 and 3 about 25/75 (within 3 points),
 *    priority gives the high priority stream at least 99% while it is saturated (a send
 *    buffer of 1 MiB, so that a stream's share of it exceeds the path's window);
 *    first come first served follows the source (which alternates): 45-55%.
 * Every run is verified byte by byte. Each prints its seed and per-stream figures;
 * MPSCTP_SIM_SEED=N runs every case once with seed N. */
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

/* Runs configuration c (consumed) with seed; fills *m and asserts verification. */
static void run_config(sim_config *c, uint64_t seed, const char *what, sim_flow_metrics *m)
{
    c->seed = seed;
    char err[256];
    sim *s = sim_new(c, err, sizeof(err));
    sim_config_free(c);
    if (!s)
        fail_msg("%s: sim_new: %s", what, err);
    assert_int_equal(sim_run(s), 0);
    sim_flow_metrics_get(s, 0, m);
    sim_free(s);
    fprintf(stderr, "sched seed %llu %s: %.3f Mbit/s, streams", (unsigned long long)seed, what,
            m->goodput_bps / 1e6);
    for (uint32_t i = 0; i < m->nstreams && i < SIM_STREAM_STATS_MAX; i++)
        fprintf(stderr, " %.3f", m->stream_goodput_bps[i] / 1e6);
    fprintf(stderr, "%s%s\n", m->verified ? "" : " NOT VERIFIED: ", m->error);
    if (!m->verified)
        fail_msg("seed %llu %s: not verified: %s", (unsigned long long)seed, what, m->error);
}

static void run_text(const char *text, uint64_t seed, const char *what, sim_flow_metrics *m)
{
    sim_config c;
    char err[256];
    if (sim_scenario_parse(text, what, &c, err, sizeof(err)) < 0) {
        sim_config_free(&c);
        fail_msg("%s", err);
    }
    run_config(&c, seed, what, m);
}

/* Asserts that stream a's share of streams a and b is within [lo, hi]. */
static void expect_share(const sim_flow_metrics *m, uint32_t a, uint32_t b, double lo,
                         double hi, uint64_t seed, const char *what)
{
    double x = m->stream_goodput_bps[a], y = m->stream_goodput_bps[b];
    double share = x + y > 0 ? x / (x + y) : 0;
    fprintf(stderr, "  %s: stream %u has %.1f%% of streams %u+%u (%.3f of %.3f Mbit/s)\n",
            what, a, 100 * share, a, b, x / 1e6, (x + y) / 1e6);
    if (x + y <= 0 || share < lo || share > hi)
        fail_msg("seed %llu %s: stream %u has %.1f%% of streams %u+%u, expected %.0f-%.0f%%",
                 (unsigned long long)seed, what, a, 100 * share, a, b, 100 * lo, 100 * hi);
}

/* ---- stream-to-path mapping ---------------------------------------------------------- */

static const char map_20_2[] =
    "duration 30s\n"
    "warmup 5s\n"
    "link P1 rate=20mbit delay=10ms queue=100 loss=0.001\n"
    "link P2 rate=2mbit delay=10ms queue=100 loss=0.001\n"
    "flow m paths=P1,P2 cmt=cmt msg=1452 streams=4 sndbuf=300k rcvbuf=300k pathsel=stream "
    "sqlimit=1 %s\n";

static void map_20_2_run(uint64_t seed, const char *opts, sim_flow_metrics *m)
{
    char text[1024];
    snprintf(text, sizeof(text), map_20_2, opts);
    run_text(text, seed, opts[0] ? opts : "20+2 mapping rr", m);
}

static void e6_run(uint64_t seed, const char *sched, const char *ssvalue,
                   sim_flow_metrics *m)
{
    sim_config c;
    if (tsim_load_scenario(MPSCTP_SCENARIO_DIR, "e6-bandwidth.scn", &c) < 0)
        fail_msg("cannot load e6-bandwidth.scn");
    assert_int_equal(c.nflows, 1);
    sim_flow_cfg *f = &c.flows[0];
    f->streams = 4;
    if (sched) {
        /* A stream's share of the 300k send buffer (75k) is less than a path's window
         * here: the source could not keep a stream saturated, and a scheduler only
         * orders what is queued. */
        f->sndbuf = 1u << 20;
    }
    char err[256];
    if (sched) {
        char v[64];
        snprintf(v, sizeof(v), "%s", sched);
        assert_int_equal(sim_scenario_flow_opt(&c, f, "sched", v, err, sizeof(err)), 0);
    }
    if (ssvalue) {
        char v[64];
        snprintf(v, sizeof(v), "%s", ssvalue);
        assert_int_equal(sim_scenario_flow_opt(&c, f, "ssvalue", v, err, sizeof(err)), 0);
    }
    run_config(&c, seed, sched ? "e6 streams=4 mapping wfq" : "e6 streams=4 mapping rr", m);
}

static void test_mapping_rr_shares_each_path(void **state)
{
    (void)state;
    uint64_t seeds[2];
    int ns = tsim_seed_list(seeds, 2);
    for (int i = 0; i < ns; i++) {
        sim_flow_metrics m;
        map_20_2_run(seeds[i], "", &m);
        expect_share(&m, 0, 2, 0.45, 0.55, seeds[i], "20+2 P1");
        expect_share(&m, 1, 3, 0.45, 0.55, seeds[i], "20+2 P2");
        e6_run(seeds[i], NULL, NULL, &m);
        expect_share(&m, 0, 2, 0.45, 0.55, seeds[i], "e6 P1");
        expect_share(&m, 1, 3, 0.45, 0.55, seeds[i], "e6 P2");
        /* the mapping still gets about the sum of the paths (11 Mbit/s) */
        assert_true(m.goodput_bps > 0.85 * 11e6);
    }
}

static void test_mapping_wfq_shares_each_path(void **state)
{
    (void)state;
    uint64_t seeds[2];
    int ns = tsim_seed_list(seeds, 2);
    for (int i = 0; i < ns; i++) {
        sim_flow_metrics m;
        map_20_2_run(seeds[i], "sched=wfq ssvalue=0:1,1:1,2:3,3:3", &m);
        expect_share(&m, 2, 0, 0.72, 0.78, seeds[i], "20+2 wfq P1");
        expect_share(&m, 3, 1, 0.72, 0.78, seeds[i], "20+2 wfq P2");
        e6_run(seeds[i], "wfq", "0:1,1:1,2:3,3:3", &m);
        expect_share(&m, 2, 0, 0.72, 0.78, seeds[i], "e6 wfq P1");
        expect_share(&m, 3, 1, 0.72, 0.78, seeds[i], "e6 wfq P2");
    }
}

/* ---- one path ------------------------------------------------------------------------ */

static const char one_path[] =
    "duration 20s\n"
    "warmup 3s\n"
    "link L rate=10mbit delay=10ms queue=100\n"
    "flow f paths=L msg=1452 streams=2 sndbuf=1M rcvbuf=300k sqlimit=1 %s\n";

static void one_path_run(uint64_t seed, const char *opts, sim_flow_metrics *m)
{
    char text[1024];
    snprintf(text, sizeof(text), one_path, opts);
    run_text(text, seed, opts, m);
    /* the scheduler never costs the link */
    assert_true(m->goodput_bps > 0.9 * 10e6);
}

static void test_one_path_schedulers(void **state)
{
    (void)state;
    uint64_t seeds[2];
    int ns = tsim_seed_list(seeds, 2);
    for (int i = 0; i < ns; i++) {
        uint64_t sd = seeds[i];
        sim_flow_metrics m;
        one_path_run(sd, "sched=rr", &m);
        expect_share(&m, 0, 1, 0.45, 0.55, sd, "rr");
        one_path_run(sd, "sched=rrp", &m);
        expect_share(&m, 0, 1, 0.45, 0.55, sd, "rr per packet");
        one_path_run(sd, "sched=fc", &m);
        expect_share(&m, 0, 1, 0.45, 0.55, sd, "fc");
        one_path_run(sd, "sched=fcfs", &m);
        expect_share(&m, 0, 1, 0.45, 0.55, sd, "fcfs");
        one_path_run(sd, "sched=wfq ssvalue=0:1,1:3", &m);
        expect_share(&m, 1, 0, 0.72, 0.78, sd, "wfq 1:3");
        one_path_run(sd, "sched=prio ssvalue=0:7,1:2", &m);
        expect_share(&m, 1, 0, 0.99, 1.0, sd, "prio (stream 1 high)");
        /* a weight of 0 is refused where the association is set up */
        sim_config c;
        char text[1024], err[256];
        snprintf(text, sizeof(text), one_path, "sched=wfq ssvalue=0:0");
        assert_int_equal(sim_scenario_parse(text, "wfq0", &c, err, sizeof(err)), 0);
        c.seed = sd;
        sim *s = sim_new(&c, err, sizeof(err));
        sim_config_free(&c);
        assert_non_null(s);
        assert_int_equal(sim_run(s), 0);
        sim_flow_metrics_get(s, 0, &m);
        sim_free(s);
        assert_false(m.verified);
        assert_non_null(strstr(m.error, "ssvalue 0:0"));
    }
}

static void test_scenario_options(void **state)
{
    (void)state;
    static const char *const bad[] = {
        "sched=x", "sched=", "ssvalue=1", "ssvalue=0:65536", "ssvalue=65535:1",
        "ssvalue=0:1,", "ssvalue=a:1",
        "ssvalue=0:1,1:1,2:1,3:1,4:1,5:1,6:1,7:1,8:1,9:1,10:1,11:1,12:1,13:1,14:1,15:1,16:1",
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        char text[1024], err[256];
        sim_config c;
        snprintf(text, sizeof(text), one_path, bad[i]);
        int r = sim_scenario_parse(text, "bad", &c, err, sizeof(err));
        sim_config_free(&c); /* even on failure */
        if (r >= 0)
            fail_msg("'%s' was accepted", bad[i]);
        fprintf(stderr, "  %s: %s\n", bad[i], err);
    }
    static const char *const names[] = {"fcfs", "prio", "rr", "fc", "wfq", "rrp"};
    for (uint32_t i = 0; i < 6; i++) {
        char text[1024], err[256], opt[32];
        sim_config c;
        snprintf(opt, sizeof(opt), "sched=%s ssvalue=1:4,0:2", names[i]);
        snprintf(text, sizeof(text), one_path, opt);
        assert_int_equal(sim_scenario_parse(text, "ok", &c, err, sizeof(err)), 0);
        assert_int_equal(c.flows[0].sched, i);
        assert_true(c.flows[0].set & SIM_FS_SCHED);
        assert_int_equal(c.flows[0].nssvalue, 2);
        assert_int_equal(c.flows[0].ssvalue[0].sid, 1);
        assert_int_equal(c.flows[0].ssvalue[0].value, 4);
        assert_int_equal(c.flows[0].ssvalue[1].sid, 0);
        assert_int_equal(c.flows[0].ssvalue[1].value, 2);
        sim_config_free(&c);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_scenario_options),
        cmocka_unit_test(test_one_path_schedulers),
        cmocka_unit_test(test_mapping_rr_shares_each_path),
        cmocka_unit_test(test_mapping_wfq_shares_each_path),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
