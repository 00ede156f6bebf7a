/* Unit tests for lib/core/sched_fcfs.c, first come first served (MPSCTP_SS_FCFS): messages
 * leave in the order they were queued across streams; under a filter, the oldest message
 * the filter accepts. */
#include "sched_util.h"

static void test_fcfs_order(void **state)
{
    (void)state;
    sendq q;
    su_init(&q, 5, MPSCTP_SS_FCFS);
    const uint16_t sids[10] = {3, 3, 0, 4, 3, 1, 0, 0, 2, 3};
    for (uint32_t i = 0; i < 10; i++)
        su_push(&q, sids[i], 10 + i, i);
    for (uint32_t i = 0; i < 10; i++) {
        uint32_t ppid;
        assert_int_equal(su_pop(&q, ~0ull, &ppid, NULL), sids[i]);
        assert_int_equal(ppid, i);
    }
    assert_int_equal(su_pop(&q, ~0ull, NULL, NULL), -1);
    sendq_free(&q);
}

static void test_fcfs_filter_and_late_messages(void **state)
{
    (void)state;
    sendq q;
    su_init(&q, 3, MPSCTP_SS_FCFS);
    su_push(&q, 2, 10, 0);
    su_push(&q, 0, 10, 1);
    su_push(&q, 2, 10, 2);
    su_push(&q, 1, 10, 3);
    uint32_t ppid;
    /* streams 0 and 1 only: the oldest of theirs */
    assert_int_equal(su_pop(&q, 0x3, &ppid, NULL), 0);
    assert_int_equal(ppid, 1);
    su_push(&q, 0, 10, 4);
    assert_int_equal(su_pop(&q, 0x3, &ppid, NULL), 1);
    assert_int_equal(ppid, 3);
    /* the rest in arrival order */
    const uint32_t rest[3] = {0, 2, 4};
    for (int i = 0; i < 3; i++) {
        assert_true(su_pop(&q, ~0ull, &ppid, NULL) >= 0);
        assert_int_equal(ppid, rest[i]);
    }
    sendq_free(&q);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fcfs_order),
        cmocka_unit_test(test_fcfs_filter_and_late_messages),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
