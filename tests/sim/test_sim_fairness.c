/* Jain's fairness index in the simulator: the formula on known vectors, which flows cross
 * which link, and the per-bottleneck index of a scenario run (two flows through one
 * 10 Mbit/s link, 20 s) against the index computed from the flows' own goodput. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <cmocka.h>

#include "scenario.h"
#include "sim.h"

static void test_jain_formula(void **state)
{
    (void)state;
    const double eq[2] = {1, 1}, one[2] = {1, 0}, skew[2] = {3, 1}, four[4] = {2, 2, 2, 2},
                 hog[4] = {5, 0, 0, 0}, zero[3] = {0, 0, 0};
    assert_float_equal(sim_jain_index(eq, 2), 1.0, 1e-12);
    assert_float_equal(sim_jain_index(one, 2), 0.5, 1e-12);
    assert_float_equal(sim_jain_index(skew, 2), 0.8, 1e-12); /* 16 / (2 * 10) */
    assert_float_equal(sim_jain_index(four, 4), 1.0, 1e-12);
    assert_float_equal(sim_jain_index(hog, 4), 0.25, 1e-12);
    assert_float_equal(sim_jain_index(zero, 3), 0.0, 1e-12);
    assert_float_equal(sim_jain_index(eq, 0), 0.0, 1e-12);
}

static const char *scn = "seed 3\n"
                         "duration 20s\n"
                         "link A1 rate=1gbit delay=1ms queue=1000\n"
                         "link A2 rate=1gbit delay=1ms queue=1000\n"
                         "link B rate=10mbit delay=10ms queue=100\n"
                         "link C rate=10mbit delay=10ms queue=100\n"
                         "flow a paths=A1+B\n"
                         "flow b paths=A2+B\n"
                         "flow c paths=C\n";

static void test_bottleneck_index(void **state)
{
    (void)state;
    sim_config c;
    char err[256];
    assert_int_equal(sim_scenario_parse(scn, "test", &c, err, sizeof(err)), 0);
    sim *s = sim_new(&c, err, sizeof(err));
    assert_non_null(s);
    sim_run(s);
    /* Which flows cross which link: links A1, A2, B, C are 0..3. */
    assert_true(sim_flow_uses_link(s, 0, 0) && sim_flow_uses_link(s, 0, 2));
    assert_false(sim_flow_uses_link(s, 0, 1) || sim_flow_uses_link(s, 0, 3));
    assert_true(sim_flow_uses_link(s, 1, 1) && sim_flow_uses_link(s, 1, 2));
    assert_true(sim_flow_uses_link(s, 2, 3));
    assert_false(sim_flow_uses_link(s, 2, 2));
    assert_false(sim_flow_uses_link(s, 9, 0));
    /* Only B is shared; its index is that of a's and b's goodput. */
    size_t n = 99;
    assert_true(sim_link_jain(s, 0, &n) < 0);
    assert_int_equal(n, 1);
    assert_true(sim_link_jain(s, 3, NULL) < 0);
    double j = sim_link_jain(s, 2, &n);
    assert_int_equal(n, 2);
    sim_flow_metrics ma, mb;
    assert_int_equal(sim_flow_metrics_get(s, 0, &ma), 0);
    assert_int_equal(sim_flow_metrics_get(s, 1, &mb), 0);
    const double g[2] = {ma.goodput_bps, mb.goodput_bps};
    fprintf(stderr, "bottleneck B: a %.2f Mbit/s, b %.2f Mbit/s, Jain %.4f\n", g[0] / 1e6,
            g[1] / 1e6, j);
    assert_float_equal(j, sim_jain_index(g, 2), 1e-12);
    /* Two standard flows through one drop-tail queue share it roughly evenly. */
    assert_true(j > 0.9 && j <= 1.0);
    assert_true(g[0] + g[1] > 9.0e6);
    sim_free(s);
    sim_config_free(&c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_jain_formula),
        cmocka_unit_test(test_bottleneck_index),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
