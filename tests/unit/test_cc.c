/* Unit tests for lib/core/cc_standard through the cc_ops table: RFC 9260 s7.2.1 initial
 * window and slow start, s7.2.2 congestion avoidance with partial_bytes_acked, s7.2.3
 * fast retransmit and T3-rtx timeout, and the idle rule. Exact numbers throughout.
 * The test owns the inputs the association owns: mtu and the fast_recovery flag. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "cc.h"

static const cc_ops *ops = &cc_standard;

/* Sets up path i of all[n] with the given MTU through the ops table. */
static void cc_setup(cc_path *all, size_t n, size_t i, uint32_t mtu, uint32_t peer_rwnd)
{
    all[i].mtu = mtu;
    ops->init(all, n, i, peer_rwnd);
}

static void ack(cc_path *p, uint32_t acked, int cum_advanced, int full)
{
    ops->on_ack(p, 1, 0, acked, cum_advanced, full);
}

static void test_ops_table(void **state)
{
    (void)state;
    assert_non_null(ops->name);
    assert_string_equal(ops->name, "standard");
    assert_non_null(ops->init);
    assert_non_null(ops->on_ack);
    assert_non_null(ops->on_fast_rtx);
    assert_non_null(ops->on_timeout);
    assert_non_null(ops->on_idle);
}

static void test_initial_cwnd(void **state)
{
    (void)state;
    /* min(4*MTU, max(2*MTU, 4380)). */
    assert_int_equal(cc_initial_cwnd(1480), 4380);
    assert_int_equal(cc_initial_cwnd(1452), 4380);
    assert_int_equal(cc_initial_cwnd(9000), 18000);
    assert_int_equal(cc_initial_cwnd(1000), 4000);
    assert_int_equal(cc_initial_cwnd(2190), 4380);
    assert_int_equal(cc_initial_cwnd(2191), 4382);
    assert_int_equal(cc_initial_cwnd(508), 2032);

    const uint32_t mtus[3] = {1480, 1452, 9000};
    const uint32_t expect[3] = {4380, 4380, 18000};
    for (int k = 0; k < 3; k++) {
        cc_path p[2];
        memset(p, 0, sizeof(p));
        p[0].mtu = 1234;
        p[0].cwnd = 0xAAAA;
        cc_setup(p, 2, 1, mtus[k], 100000);
        assert_int_equal(p[1].cwnd, expect[k]);
        assert_int_equal(p[1].ssthresh, 100000); /* the peer's initial window */
        assert_int_equal(p[1].pba, 0);
        assert_int_equal(p[0].cwnd, 0xAAAA); /* other paths untouched */
    }
    /* No advertised window: ssthresh arbitrarily high. */
    cc_path q;
    memset(&q, 0, sizeof(q));
    cc_setup(&q, 1, 0, 1480, 0);
    assert_true(q.ssthresh >= (1u << 30));
}

static void test_slow_start(void **state)
{
    (void)state;
    cc_path p;
    memset(&p, 0, sizeof(p));
    cc_setup(&p, 1, 0, 1480, 1000000);
    assert_int_equal(p.cwnd, 4380);
    /* Increase by min(acked, MTU) when cum advanced, window full, not in fast recovery. */
    ack(&p, 1000, 1, 1);
    assert_int_equal(p.cwnd, 5380);
    ack(&p, 3000, 1, 1);
    assert_int_equal(p.cwnd, 6860);
    ack(&p, 1480, 1, 1);
    assert_int_equal(p.cwnd, 8340);
    /* No increase without any of the three conditions. */
    ack(&p, 1480, 0, 1);
    assert_int_equal(p.cwnd, 8340);
    ack(&p, 1480, 1, 0);
    assert_int_equal(p.cwnd, 8340);
    p.fast_recovery = 1;
    ack(&p, 1480, 1, 1);
    assert_int_equal(p.cwnd, 8340);
    p.fast_recovery = 0;
    ack(&p, 1, 1, 1);
    assert_int_equal(p.cwnd, 8341);
    assert_int_equal(p.pba, 0);
    /* Acting on path 1 of 2 leaves path 0 alone. */
    cc_path two[2];
    memset(two, 0, sizeof(two));
    cc_setup(two, 2, 0, 1480, 1000000);
    cc_setup(two, 2, 1, 9000, 1000000);
    ops->on_ack(two, 2, 1, 50000, 1, 1);
    assert_int_equal(two[1].cwnd, 18000 + 9000);
    assert_int_equal(two[0].cwnd, 4380);
}

static void test_slow_start_until_ssthresh(void **state)
{
    (void)state;
    /* cwnd <= ssthresh is slow start; once above, acks go to partial_bytes_acked. */
    cc_path p;
    memset(&p, 0, sizeof(p));
    cc_setup(&p, 1, 0, 1480, 7000);
    ack(&p, 1480, 1, 1); /* 5860 */
    ack(&p, 1480, 1, 1); /* 7340 > 7000 */
    assert_int_equal(p.cwnd, 7340);
    assert_int_equal(p.pba, 0);
    ack(&p, 1480, 1, 1);
    assert_int_equal(p.cwnd, 7340);
    assert_int_equal(p.pba, 1480);
}

static void test_congestion_avoidance(void **state)
{
    (void)state;
    cc_path p;
    memset(&p, 0, sizeof(p));
    cc_setup(&p, 1, 0, 1480, 4000); /* ssthresh 4000 < cwnd 4380: avoidance at once */
    assert_int_equal(p.cwnd, 4380);
    ack(&p, 1000, 1, 1);
    assert_int_equal(p.pba, 1000);
    assert_int_equal(p.cwnd, 4380);
    ack(&p, 2000, 1, 1);
    assert_int_equal(p.pba, 3000);
    assert_int_equal(p.cwnd, 4380);
    /* pba reaches cwnd with the window full: cwnd += MTU, pba -= cwnd. */
    ack(&p, 1380, 1, 1);
    assert_int_equal(p.cwnd, 5860);
    assert_int_equal(p.pba, 0);
    ack(&p, 6000, 1, 1);
    assert_int_equal(p.cwnd, 7340);
    assert_int_equal(p.pba, 140);
    /* Not full: pba grows (up to cwnd) but cwnd does not. */
    ack(&p, 7200, 1, 0);
    assert_int_equal(p.pba, 7340);
    assert_int_equal(p.cwnd, 7340);
    ack(&p, 1, 1, 1);
    assert_int_equal(p.cwnd, 8820);
    assert_int_equal(p.pba, 1);
    /* RFC 9260 s7.2.2: pba counts on every SACK, also when the cum ack did not move
     * (bytes acked by gap blocks). */
    ack(&p, 8000, 0, 1);
    assert_int_equal(p.pba, 8001);
    assert_int_equal(p.cwnd, 8820);
    ack(&p, 819, 0, 1);
    assert_int_equal(p.cwnd, 10300);
    assert_int_equal(p.pba, 0);
}

static void test_ca_pba_capped_when_window_not_full(void **state)
{
    (void)state;
    /* RFC 9260 s7.2.2: "When partial_bytes_acked is greater than cwnd and before the
     * arrival of the SACK chunk the sender had less than cwnd bytes of data outstanding
     * ..., reset partial_bytes_acked to cwnd." This keeps growth at one MTU per RTT. */
    cc_path p;
    memset(&p, 0, sizeof(p));
    cc_setup(&p, 1, 0, 1480, 4000);
    ack(&p, 10000, 1, 0);
    assert_int_equal(p.cwnd, 4380);
    assert_int_equal(p.pba, 4380);
    ack(&p, 1480, 1, 1);
    assert_int_equal(p.cwnd, 5860);
    assert_int_equal(p.pba, 1480);
    ack(&p, 100, 1, 1);
    assert_int_equal(p.cwnd, 5860);
    assert_int_equal(p.pba, 1580);
}

/* Grows path p (MTU 1480, large ssthresh) by slow start to exactly cwnd 20660. */
static void grow_to_20660(cc_path *p)
{
    memset(p, 0, sizeof(*p));
    cc_setup(p, 1, 0, 1480, 1000000);
    for (int i = 0; i < 11; i++)
        ack(p, 1480, 1, 1);
    assert_int_equal(p->cwnd, 4380 + 11 * 1480);
}

static void test_fast_retransmit(void **state)
{
    (void)state;
    cc_path p;
    grow_to_20660(&p);
    p.pba = 0;
    ops->on_fast_rtx(&p, 1, 0);
    /* ssthresh = max(cwnd/2, 4*MTU) = max(10330, 5920); cwnd = ssthresh. */
    assert_int_equal(p.ssthresh, 10330);
    assert_int_equal(p.cwnd, 10330);
    assert_int_equal(p.pba, 0);
    /* Again: max(5165, 5920) = 5920. */
    ops->on_fast_rtx(&p, 1, 0);
    assert_int_equal(p.ssthresh, 5920);
    assert_int_equal(p.cwnd, 5920);
    /* After fast retransmit cwnd == ssthresh: slow start rules apply. */
    ack(&p, 1000, 1, 1);
    assert_int_equal(p.cwnd, 6920);
    /* pba is reset by fast retransmit. */
    ack(&p, 3000, 1, 1);
    assert_int_equal(p.pba, 3000);
    ops->on_fast_rtx(&p, 1, 0);
    assert_int_equal(p.pba, 0);
    /* MTU 9000: floor 36000 applies. */
    cc_path j;
    memset(&j, 0, sizeof(j));
    cc_setup(&j, 1, 0, 9000, 1000000);
    ops->on_fast_rtx(&j, 1, 0);
    assert_int_equal(j.ssthresh, 36000);
    assert_int_equal(j.cwnd, 36000);
}

static void test_timeout(void **state)
{
    (void)state;
    cc_path p;
    grow_to_20660(&p);
    ops->on_timeout(&p, 1, 0);
    assert_int_equal(p.ssthresh, 10330);
    assert_int_equal(p.cwnd, 1480);
    assert_int_equal(p.pba, 0);
    /* Slow start again from one MTU. */
    ack(&p, 1480, 1, 1);
    assert_int_equal(p.cwnd, 2960);
    /* A second timeout: ssthresh = max(1480, 5920). */
    ops->on_timeout(&p, 1, 0);
    assert_int_equal(p.ssthresh, 5920);
    assert_int_equal(p.cwnd, 1480);
    /* pba is reset by a timeout. */
    cc_path q;
    memset(&q, 0, sizeof(q));
    cc_setup(&q, 1, 0, 1480, 4000);
    ack(&q, 2000, 1, 1);
    assert_int_equal(q.pba, 2000);
    ops->on_timeout(&q, 1, 0);
    assert_int_equal(q.pba, 0);
    assert_int_equal(q.cwnd, 1480);
}

static void test_idle(void **state)
{
    (void)state;
    cc_path p;
    grow_to_20660(&p);
    /* RFC 9260 s7.2.1: cwnd = max(cwnd/2, 4*MTU) per idle RTO. */
    ops->on_idle(&p, 1, 0);
    assert_int_equal(p.cwnd, 10330);
    ops->on_idle(&p, 1, 0);
    assert_int_equal(p.cwnd, 5920);
    ops->on_idle(&p, 1, 0);
    assert_int_equal(p.cwnd, 5920);
    /* ssthresh is not touched by idling. */
    assert_int_equal(p.ssthresh, 1000000);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ops_table),
        cmocka_unit_test(test_initial_cwnd),
        cmocka_unit_test(test_slow_start),
        cmocka_unit_test(test_slow_start_until_ssthresh),
        cmocka_unit_test(test_congestion_avoidance),
        cmocka_unit_test(test_ca_pba_capped_when_window_not_full),
        cmocka_unit_test(test_fast_retransmit),
        cmocka_unit_test(test_timeout),
        cmocka_unit_test(test_idle),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
