/* Simulator speed: 60 s of a saturated 100 Mbit/s, 10 ms link must take under 10 s
 * of CPU. The limit is asserted only in builds without sanitizers. */
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

#if defined(__SANITIZE_ADDRESS__) || defined(MPSCTP_SIM_SANITIZED)
#define PERF_SANITIZED 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define PERF_SANITIZED 1
#endif
#endif

static void test_perf_100mbit_60s(void **state)
{
    tsim_params p;
    tsim_params_default(&p);
    p.seed = 5;
    p.rate_bps = 100000000;
    p.delay_ns = 10 * T_MS;
    p.queue = 200;
    p.duration_ns = 60 * T_S;
    sim_flow_metrics m;
    clock_t c0 = clock();
    int rc = tsim_run(&p, &m);
    double cpu = (double)(clock() - c0) / CLOCKS_PER_SEC;
    fprintf(stderr, "perf: 60 s of saturated 100 Mbit/s 10 ms: %.2f s CPU, goodput %.2f "
            "Mbit/s, verified %d\n", cpu, m.goodput_bps / 1e6, m.verified);
    assert_int_equal(rc, 0);
    if (!m.verified) {
        tsim_params_print(&p);
        tsim_metrics_print(&m);
    }
    assert_true(m.verified);
    assert_true(m.goodput_bps > 50e6);
#ifndef PERF_SANITIZED
    assert_true(cpu < 10.0);
#endif
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_perf_100mbit_60s),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
