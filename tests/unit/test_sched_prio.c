/* Unit tests for lib/core/sched_prio.c, priority (MPSCTP_SS_PRIO): the lowest value goes
 * first, equal priorities take turns one message each, a value changed while messages
 * wait applies at the next pick, and under a filter the best priority the filter
 * accepts. */
#include "sched_util.h"

static void test_prio_order_and_ties(void **state)
{
    (void)state;
    sendq q;
    su_init(&q, 4, MPSCTP_SS_PRIO);
    uint16_t v = 99;
    assert_int_equal(sendq_get_value(&q, 2, &v), 0);
    assert_int_equal(v, 0); /* the default: the highest priority */
    assert_int_equal(sendq_set_value(&q, 0, 5), 0);
    assert_int_equal(sendq_set_value(&q, 1, 1), 0);
    assert_int_equal(sendq_set_value(&q, 2, 1), 0);
    assert_int_equal(sendq_set_value(&q, 3, 0), 0);
    for (uint32_t k = 0; k < 3; k++)
        for (uint16_t s = 0; s < 4; s++)
            su_push(&q, s, 50, k);
    const int order[12] = {3, 3, 3, 1, 2, 1, 2, 1, 2, 0, 0, 0};
    for (int i = 0; i < 12; i++)
        assert_int_equal(su_pop(&q, ~0ull, NULL, NULL), order[i]);
    assert_int_equal(su_pop(&q, ~0ull, NULL, NULL), -1);
    sendq_free(&q);
}

static void test_prio_change_while_queued_and_filter(void **state)
{
    (void)state;
    sendq q;
    su_init(&q, 3, MPSCTP_SS_PRIO);
    assert_int_equal(sendq_set_value(&q, 0, 10), 0);
    assert_int_equal(sendq_set_value(&q, 1, 20), 0);
    assert_int_equal(sendq_set_value(&q, 2, 30), 0);
    for (uint32_t k = 0; k < 4; k++)
        for (uint16_t s = 0; s < 3; s++)
            su_push(&q, s, 50, k);
    assert_int_equal(su_pop(&q, ~0ull, NULL, NULL), 0);
    assert_int_equal(sendq_set_value(&q, 2, 1), 0);
    assert_int_equal(su_pop(&q, ~0ull, NULL, NULL), 2);
    /* stream 2 filtered out: the best of the others */
    assert_int_equal(su_pop(&q, 0x3, NULL, NULL), 0);
    assert_int_equal(su_pop(&q, 0x2, NULL, NULL), 1);
    assert_int_equal(su_pop(&q, ~0ull, NULL, NULL), 2);
    /* 65535 is the lowest priority and allowed */
    assert_int_equal(sendq_set_value(&q, 2, 65535), 0);
    assert_int_equal(su_pop(&q, ~0ull, NULL, NULL), 0);
    sendq_free(&q);
}

/* A saturated high priority stream takes everything; the low one waits. */
static void test_prio_starves_lower_while_saturated(void **state)
{
    (void)state;
    sendq q;
    su_init(&q, 2, MPSCTP_SS_PRIO);
    assert_int_equal(sendq_set_value(&q, 1, 1), 0);
    su_push(&q, 1, 100, 0);
    for (int i = 0; i < 1000; i++) {
        su_push(&q, 0, 100, (uint32_t)i);
        assert_int_equal(su_pop(&q, ~0ull, NULL, NULL), 0);
    }
    assert_int_equal(su_pop(&q, ~0ull, NULL, NULL), 1);
    sendq_free(&q);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_prio_order_and_ties),
        cmocka_unit_test(test_prio_change_while_queued_and_filter),
        cmocka_unit_test(test_prio_starves_lower_while_saturated),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
