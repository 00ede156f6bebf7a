/* Unit tests for lib/core/sched_rr.c, round robin per message (MPSCTP_SS_RR, the default):
 * one message per stream per turn in the order the streams became active, a stream that
 * gets data joins the end of the round, and under a filter the streams it selects still
 * take turns among themselves (the streams mapped to one path). */
#include "sched_util.h"

static void test_rr_is_default_and_turns(void **state)
{
    (void)state;
    sendq q;
    sendq_init(&q, 4, 1u << 20);
    assert_int_equal(sendq_get_sched(&q), MPSCTP_SS_RR);
    su_push(&q, 2, 10, 0x21);
    su_push(&q, 0, 10, 0x01);
    su_push(&q, 2, 10, 0x22);
    su_push(&q, 0, 10, 0x02);
    su_push(&q, 2, 10, 0x23);
    su_push(&q, 1, 10, 0x11);
    /* active in the order 2, 0, 1 */
    const uint32_t order[6] = {0x21, 0x01, 0x11, 0x22, 0x02, 0x23};
    for (int i = 0; i < 6; i++) {
        uint32_t ppid;
        assert_true(su_pop(&q, ~0ull, &ppid, NULL) >= 0);
        assert_int_equal(ppid, order[i]);
    }
    assert_int_equal(su_pop(&q, ~0ull, NULL, NULL), -1);
    sendq_free(&q);
}

static void test_rr_late_stream_joins_end(void **state)
{
    (void)state;
    sendq q;
    su_init(&q, 4, MPSCTP_SS_RR);
    for (uint32_t k = 0; k < 3; k++) {
        su_push(&q, 0, 10, k);
        su_push(&q, 1, 10, 100 + k);
    }
    assert_int_equal(su_pop(&q, ~0ull, NULL, NULL), 0);
    su_push(&q, 3, 10, 300); /* behind stream 1, then 0 (which had its turn) */
    const int order[6] = {1, 0, 3, 1, 0, 1};
    for (int i = 0; i < 6; i++)
        assert_int_equal(su_pop(&q, ~0ull, NULL, NULL), order[i]);
    assert_int_equal(su_pop(&q, ~0ull, NULL, NULL), -1);
    sendq_free(&q);
}

/* Streams 0, 2 are "path A", 1, 3 "path B" (stream s on path s mod 2); A is served three
 * times as often as B, in every interleaving: each path's streams alternate exactly. */
static void test_rr_filter_keeps_turns_per_subset(void **state)
{
    (void)state;
    sendq q;
    su_init(&q, 4, MPSCTP_SS_RR);
    for (uint32_t k = 0; k < 400; k++)
        for (uint16_t s = 0; s < 4; s++)
            su_push(&q, s, 100, k);
    const uint64_t A = 0x5, B = 0xA;
    int last_a = -1, last_b = -1, na[4] = {0};
    for (int step = 0; step < 400; step++) {
        int a = su_pop(&q, A, NULL, NULL);
        assert_true(a == 0 || a == 2);
        assert_int_not_equal(a, last_a);
        last_a = a;
        na[a]++;
        if (step % 3 == 2) {
            int b = su_pop(&q, B, NULL, NULL);
            assert_true(b == 1 || b == 3);
            assert_int_not_equal(b, last_b);
            last_b = b;
            na[b]++;
        }
    }
    assert_int_equal(na[0], 200);
    assert_int_equal(na[2], 200);
    assert_int_equal(na[1] + na[3], 133);
    assert_true(abs(na[1] - na[3]) <= 1);
    /* a filter that accepts nothing takes nothing and changes nothing */
    assert_int_equal(su_pop(&q, 0, NULL, NULL), -1);
    assert_int_equal(su_pop(&q, B, NULL, NULL), last_b == 1 ? 3 : 1);
    sendq_free(&q);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rr_is_default_and_turns),
        cmocka_unit_test(test_rr_late_stream_joins_end),
        cmocka_unit_test(test_rr_filter_keeps_turns_per_subset),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
