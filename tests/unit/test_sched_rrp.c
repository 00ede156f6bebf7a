/* Unit tests for lib/core/sched_rrp.c, round robin per packet (MPSCTP_SS_RR_PKT): within a
 * packet every message comes from the stream picked first while it has one the caller
 * accepts; the next packet starts with the next stream. */
#include "sched_util.h"

static void test_rrp_one_stream_per_packet(void **state)
{
    (void)state;
    sendq q;
    su_init(&q, 3, MPSCTP_SS_RR_PKT);
    for (uint32_t k = 0; k < 6; k++)
        for (uint16_t s = 0; s < 3; s++)
            su_push(&q, s, 100, k);
    /* packets of two messages each: 0 0 | 1 1 | 2 2 | 0 0 | 1 1 | 2 2 | 0 0 ... */
    for (int p = 0; p < 9; p++) {
        sendq_packet_start(&q);
        int first = su_pop(&q, ~0ull, NULL, NULL);
        assert_int_equal(first, p % 3);
        assert_int_equal(su_pop(&q, ~0ull, NULL, NULL), first);
    }
    assert_int_equal(su_pop(&q, ~0ull, NULL, NULL), -1);
    sendq_free(&q);
}

static void test_rrp_stream_runs_dry_or_filtered(void **state)
{
    (void)state;
    sendq q;
    su_init(&q, 3, MPSCTP_SS_RR_PKT);
    su_push(&q, 0, 100, 0);
    for (uint32_t k = 0; k < 4; k++) {
        su_push(&q, 1, 100, k);
        su_push(&q, 2, 100, k);
    }
    sendq_packet_start(&q);
    assert_int_equal(su_pop(&q, ~0ull, NULL, NULL), 0);
    /* stream 0 is empty: the packet goes on with the next stream, which keeps it */
    assert_int_equal(su_pop(&q, ~0ull, NULL, NULL), 1);
    assert_int_equal(su_pop(&q, ~0ull, NULL, NULL), 1);
    /* the packet's stream filtered out (another path): another stream fills it */
    assert_int_equal(su_pop(&q, 0x4, NULL, NULL), 2);
    assert_int_equal(su_pop(&q, ~0ull, NULL, NULL), 2);
    sendq_packet_start(&q);
    assert_int_equal(su_pop(&q, ~0ull, NULL, NULL), 1);
    sendq_packet_start(&q);
    assert_int_equal(su_pop(&q, ~0ull, NULL, NULL), 2);
    sendq_free(&q);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rrp_one_stream_per_packet),
        cmocka_unit_test(test_rrp_stream_runs_dry_or_filtered),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
