/* Unit tests for lib/core/path: RTO computation (RFC 9260 s6.3.1 C1-C7, RFC 6298 s2):
 * first and later RTT samples with exact values, clamping to RTO.Min and RTO.Max, the
 * 1 ms clock granularity floor and the exponential backoff of s6.3.3 E2. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "mpsctp/mpsctp.h"
#include "path.h"

#define MS 1000000ull
#define RTO_MIN (1000 * MS)
#define RTO_MAX (60000 * MS)

static void new_path(mpsctp_path *p, uint64_t rto_initial)
{
    mpsctp_addr a;
    mpsctp_addr_v4(&a, 0x0A000001u, 9899);
    path_init(p, &a, rto_initial);
    assert_true(mpsctp_addr_equal(&p->remote, &a));
}

static void test_init(void **state)
{
    (void)state;
    mpsctp_path p;
    new_path(&p, 3000 * MS);
    assert_int_equal(p.rto, 3000 * MS); /* C1: RTO.Initial */
    assert_int_equal(p.rtt_measured, 0);
    assert_int_equal(p.srtt, 0);
    assert_int_equal(p.rttvar, 0);
    assert_int_equal(p.active, 1);
    assert_int_equal(p.error_count, 0);
    assert_true(p.t3_deadline == MPSCTP_TSTAMP_NEVER);
    assert_true(p.hb_deadline == MPSCTP_TSTAMP_NEVER);
}

static void test_first_and_later_samples(void **state)
{
    (void)state;
    mpsctp_path p;
    new_path(&p, 1000 * MS);
    /* C2: SRTT = R, RTTVAR = R/2, RTO = SRTT + 4*RTTVAR. */
    path_rtt_sample(&p, 100 * MS, 1 * MS, RTO_MAX);
    assert_int_equal(p.rtt_measured, 1);
    assert_int_equal(p.srtt, 100 * MS);
    assert_int_equal(p.rttvar, 50 * MS);
    assert_int_equal(p.rto, 300 * MS);
    /* C3 with Alpha 1/8, Beta 1/4; RTTVAR uses the SRTT before this update.
     * R=200: RTTVAR = 3/4*50 + 1/4*100 = 62.5; SRTT = 7/8*100 + 1/8*200 = 112.5;
     * RTO = 112.5 + 250 = 362.5 ms. */
    path_rtt_sample(&p, 200 * MS, 1 * MS, RTO_MAX);
    assert_int_equal(p.rttvar, 62500000ull);
    assert_int_equal(p.srtt, 112500000ull);
    assert_int_equal(p.rto, 362500000ull);
    /* R=50: RTTVAR = 3/4*62.5 + 1/4*62.5 = 62.5; SRTT = 7/8*112.5 + 1/8*50 = 104.6875;
     * RTO = 104.6875 + 250 = 354.6875 ms. */
    path_rtt_sample(&p, 50 * MS, 1 * MS, RTO_MAX);
    assert_int_equal(p.rttvar, 62500000ull);
    assert_int_equal(p.srtt, 104687500ull);
    assert_int_equal(p.rto, 354687500ull);
    /* A stable RTT converges: RTTVAR shrinks, SRTT approaches R. */
    for (int i = 0; i < 200; i++)
        path_rtt_sample(&p, 80 * MS, 1 * MS, RTO_MAX);
    assert_true(p.srtt >= 80 * MS && p.srtt < 80 * MS + 1000);
    assert_true(p.rttvar < 1000);
    assert_int_equal(p.rto, p.srtt + 1 * MS); /* 4*RTTVAR below G: G is added */
}

static void test_clamp_min_max(void **state)
{
    (void)state;
    mpsctp_path p;
    new_path(&p, 1000 * MS);
    /* C6: below RTO.Min rounds up; SRTT itself is not clamped. */
    path_rtt_sample(&p, 10 * MS, RTO_MIN, RTO_MAX);
    assert_int_equal(p.srtt, 10 * MS);
    assert_int_equal(p.rttvar, 5 * MS);
    assert_int_equal(p.rto, RTO_MIN);
    /* C7: above RTO.Max is capped. R=30 s gives 30 + 4*15 = 90 s before capping. */
    new_path(&p, 1000 * MS);
    path_rtt_sample(&p, 30000 * MS, RTO_MIN, RTO_MAX);
    assert_int_equal(p.srtt, 30000 * MS);
    assert_int_equal(p.rto, RTO_MAX);
    /* Right at the bounds. */
    new_path(&p, 1000 * MS);
    path_rtt_sample(&p, 200 * MS, 600 * MS, 1000 * MS); /* 200 + 400 = 600 */
    assert_int_equal(p.rto, 600 * MS);
    new_path(&p, 1000 * MS);
    path_rtt_sample(&p, 200 * MS, 100 * MS, 599 * MS);
    assert_int_equal(p.rto, 599 * MS);
}

static void test_granularity_floor(void **state)
{
    (void)state;
    mpsctp_path p;
    /* R = 100 us: 4*RTTVAR = 200 us is below G = 1 ms, so RTO = SRTT + G. */
    new_path(&p, 1000 * MS);
    path_rtt_sample(&p, 100000, 1, RTO_MAX);
    assert_int_equal(p.srtt, 100000);
    assert_int_equal(p.rttvar, 50000);
    assert_int_equal(p.rto, 1100000);
    /* R = 0 (same tick): RTO = G. */
    new_path(&p, 1000 * MS);
    path_rtt_sample(&p, 0, 1, RTO_MAX);
    assert_int_equal(p.rto, 1 * MS);
    /* 4*RTTVAR exactly G and just above. */
    new_path(&p, 1000 * MS);
    path_rtt_sample(&p, 500000, 1, RTO_MAX); /* RTTVAR 250 us, 4*RTTVAR = 1 ms */
    assert_int_equal(p.rto, 1500000);
    new_path(&p, 1000 * MS);
    path_rtt_sample(&p, 600000, 1, RTO_MAX); /* 4*RTTVAR = 1.2 ms */
    assert_int_equal(p.rto, 1800000);
}

static void test_backoff(void **state)
{
    (void)state;
    mpsctp_path p;
    new_path(&p, 1000 * MS);
    /* E2: RTO doubles on each expiry up to RTO.Max. */
    const uint64_t expect[8] = {2000, 4000, 8000, 16000, 32000, 60000, 60000, 60000};
    for (int i = 0; i < 8; i++) {
        path_backoff(&p, RTO_MAX);
        assert_int_equal(p.rto, expect[i] * MS);
    }
    /* From 40 s one doubling is capped, not 80 s. */
    new_path(&p, 40000 * MS);
    path_backoff(&p, RTO_MAX);
    assert_int_equal(p.rto, RTO_MAX);
    /* A new sample recomputes RTO from SRTT/RTTVAR, undoing the backoff. */
    path_rtt_sample(&p, 100 * MS, RTO_MIN, RTO_MAX);
    assert_int_equal(p.rto, RTO_MIN);
    path_backoff(&p, RTO_MAX);
    assert_int_equal(p.rto, 2 * RTO_MIN);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_init),          cmocka_unit_test(test_first_and_later_samples),
        cmocka_unit_test(test_clamp_min_max), cmocka_unit_test(test_granularity_floor),
        cmocka_unit_test(test_backoff),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
