/* Unit tests for lib/core/sched_wfq.c, weighted fair queueing (MPSCTP_SS_WFQ): saturated
 * streams get bytes in proportion to their weights (stream values, default 1, 0 refused),
 * whatever their message sizes. */
#include "sched_util.h"

/* Keeps streams 0..n-1 saturated with messages of size[s]; returns bytes per stream
 * after pops messages. */
static void run(sendq *q, uint16_t n, const uint32_t *size, int pops, uint64_t *bytes)
{
    for (uint16_t s = 0; s < n; s++) {
        bytes[s] = 0;
        for (int k = 0; k < 3; k++)
            su_push(q, s, size[s], 0);
    }
    for (int i = 0; i < pops; i++) {
        uint32_t len = 0;
        int s = su_pop(q, ~0ull, NULL, &len);
        assert_true(s >= 0);
        bytes[s] += len;
        su_push(q, (uint16_t)s, size[s], 0);
    }
}

static void test_wfq_weights(void **state)
{
    (void)state;
    sendq q;
    su_init(&q, 3, MPSCTP_SS_WFQ);
    uint16_t v = 0;
    assert_int_equal(sendq_get_value(&q, 0, &v), 0);
    assert_int_equal(v, 1); /* the default weight */
    assert_int_equal(sendq_set_value(&q, 0, 0), MPSCTP_ERR_INVAL);
    assert_int_equal(sendq_get_value(&q, 0, &v), 0);
    assert_int_equal(v, 1);
    assert_int_equal(sendq_set_value(&q, 1, 3), 0);
    assert_int_equal(sendq_set_value(&q, 2, 6), 0);
    const uint32_t size[3] = {500, 500, 500};
    uint64_t b[3];
    run(&q, 3, size, 10000, b);
    /* 1 : 3 : 6 within one message each */
    assert_true(llabs((long long)(b[1] - 3 * b[0])) <= 3 * 500 + 500);
    assert_true(llabs((long long)(b[2] - 6 * b[0])) <= 6 * 500 + 500);
    sendq_free(&q);
}

static void test_wfq_sizes_and_weights(void **state)
{
    (void)state;
    sendq q;
    su_init(&q, 2, MPSCTP_SS_WFQ);
    assert_int_equal(sendq_set_value(&q, 0, 1), 0);
    assert_int_equal(sendq_set_value(&q, 1, 3), 0);
    const uint32_t size[2] = {1400, 60};
    uint64_t b[2];
    run(&q, 2, size, 20000, b);
    double share = (double)b[1] / (double)(b[0] + b[1]);
    assert_true(share > 0.74 && share < 0.76);
    /* weights 65535 and 1: no overflow, the heavy stream dominates */
    sendq_free(&q);
    su_init(&q, 2, MPSCTP_SS_WFQ);
    assert_int_equal(sendq_set_value(&q, 0, 65535), 0);
    const uint32_t eq[2] = {1000, 1000};
    run(&q, 2, eq, 70000, b);
    assert_true(b[1] >= 1000 && b[1] <= 3000);
    sendq_free(&q);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_wfq_weights),
        cmocka_unit_test(test_wfq_sizes_and_weights),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
