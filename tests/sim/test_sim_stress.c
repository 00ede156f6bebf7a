/* 200 seeds of a 20 MiB transfer with random loss (0-20%), reordering and duplication:
 * every byte must arrive intact. A failing run prints its seed and parameters; replay
 * one seed with SIM_STRESS_SEED=N (and SIM_STRESS_RUNS=1). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "test_sim_util.h"

/* Parameters of run i, drawn from its own seed so a run replays alone. */
static void stress_params(uint64_t seed, tsim_params *p)
{
    sim_rng r;
    sim_rng_seed(&r, seed ^ 0x5eed5eedull);
    tsim_params_default(p);
    p->seed = seed;
    p->rate_bps = 100000000;
    p->delay_ns = 2 * T_MS;
    p->queue = 100;
    p->bytes = 20 * T_MIB;
    p->loss = sim_rng_double(&r) * 0.20;
    p->reorder = sim_rng_double(&r) * 0.05;
    p->dup = sim_rng_double(&r) * 0.02;
    p->unordered = sim_rng_below(&r, 4) == 0;
    p->streams = (uint16_t)(1 + sim_rng_below(&r, 4));
    /* Virtual time is cheap: allow the lossiest runs all the time they need. */
    p->duration_ns = 100000 * T_S;
}

static void test_stress_200_seeds(void **state)
{
    uint64_t first = 1, runs = 200;
    const char *e = getenv("SIM_STRESS_SEED");
    if (e)
        first = strtoull(e, NULL, 10);
    e = getenv("SIM_STRESS_RUNS");
    if (e)
        runs = strtoull(e, NULL, 10);
    int failures = 0;
    double vt_max = 0;
    clock_t c0 = clock();
    for (uint64_t seed = first; seed < first + runs; seed++) {
        tsim_params p;
        stress_params(seed, &p);
        sim_flow_metrics m;
        int rc = tsim_run(&p, &m);
        if (rc < 0 || !m.verified || m.bytes_delivered != p.bytes) {
            fprintf(stderr, "stress run failed (replay: SIM_STRESS_SEED=%" PRIu64
                    " SIM_STRESS_RUNS=1):\n", seed);
            tsim_params_print(&p);
            if (rc == 0)
                tsim_metrics_print(&m);
            failures++;
            continue;
        }
        if (m.duration_s > vt_max)
            vt_max = m.duration_s;
    }
    double cpu = (double)(clock() - c0) / CLOCKS_PER_SEC;
    fprintf(stderr, "stress: %" PRIu64 " runs, %d failed, %.1f s CPU, longest transfer "
            "%.1f virtual s\n", runs, failures, cpu, vt_max);
    assert_int_equal(failures, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_stress_200_seeds),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
