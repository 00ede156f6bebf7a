/* Unit tests for lib/core/rtxq: the sender's chunk ring in TSN order (RFC 9260 s6.1-s6.3):
 * appends across growth and ring wrap, lookup by TSN, removal of the oldest chunk and TSN
 * wrap-around at 2^32. Each chunk's off field carries a marker the test checks. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "mpsctp/mpsctp.h"
#include "rtxq.h"

/* Appends one chunk and stamps it with marker; checks it starts zeroed and unsent. */
static void append_marked(rtxq *q, uint32_t marker)
{
    uint32_t expect_tsn = rtxq_next_tsn(q);
    uint32_t count = q->count, unsent = q->unsent;
    txchunk *c = rtxq_append(q);
    assert_non_null(c);
    assert_int_equal(c->state, TX_UNSENT);
    assert_null(c->msg);
    assert_int_equal(c->off, 0);
    assert_int_equal(c->len, 0);
    assert_int_equal(c->tx_count, 0);
    assert_int_equal(c->miss, 0);
    c->off = marker;
    c->len = (uint16_t)(marker & 0xFFFF);
    assert_int_equal(q->count, count + 1);
    assert_int_equal(q->unsent, unsent + 1);
    assert_ptr_equal(rtxq_get(q, expect_tsn), c);
    assert_int_equal(rtxq_next_tsn(q), expect_tsn + 1);
}

/* Checks that TSNs first_tsn .. first_tsn+count-1 carry markers base_marker + i. */
static void check_all(const rtxq *q, uint32_t base_marker)
{
    for (uint32_t i = 0; i < q->count; i++) {
        txchunk *c = rtxq_get(q, q->first_tsn + i);
        assert_non_null(c);
        assert_ptr_equal(c, rtxq_at(q, i));
        assert_int_equal(c->off, base_marker + i);
        assert_int_equal(c->len, (uint16_t)((base_marker + i) & 0xFFFF));
    }
    assert_null(rtxq_get(q, q->first_tsn + q->count));
    assert_null(rtxq_get(q, q->first_tsn - 1));
    assert_null(rtxq_get(q, q->first_tsn + q->count + 1000));
    assert_null(rtxq_get(q, q->first_tsn + 0x80000000u));
}

static void test_empty(void **state)
{
    (void)state;
    rtxq q;
    rtxq_init(&q, 1234);
    assert_int_equal(q.count, 0);
    assert_int_equal(q.first_tsn, 1234);
    assert_int_equal(rtxq_next_tsn(&q), 1234);
    assert_int_equal(rtxq_first_unsent(&q), 0);
    assert_null(rtxq_get(&q, 1234));
    assert_null(rtxq_get(&q, 1233));
    rtxq_free(&q);
}

static void test_append_across_growth(void **state)
{
    (void)state;
    rtxq q;
    rtxq_init(&q, 1);
    for (uint32_t i = 0; i < 1000; i++) {
        append_marked(&q, 5000 + i);
        if (i == 255 || i == 256 || i == 511 || i == 512 || i == 999) check_all(&q, 5000);
    }
    assert_int_equal(q.count, 1000);
    assert_int_equal(q.unsent, 1000);
    assert_int_equal(rtxq_first_unsent(&q), 0);
    assert_int_equal(rtxq_next_tsn(&q), 1001);
    check_all(&q, 5000);
    rtxq_free(&q);
}

static void test_pop_advances(void **state)
{
    (void)state;
    rtxq q;
    rtxq_init(&q, 100);
    for (uint32_t i = 0; i < 10; i++)
        append_marked(&q, i);
    for (uint32_t i = 0; i < 4; i++) {
        assert_int_equal(q.first_tsn, 100 + i);
        assert_int_equal(rtxq_at(&q, 0)->off, i);
        rtxq_pop(&q);
        assert_int_equal(q.first_tsn, 101 + i);
        assert_int_equal(q.count, 9 - i);
        assert_null(rtxq_get(&q, 100 + i));
    }
    check_all(&q, 4);
    assert_int_equal(rtxq_next_tsn(&q), 110);
    /* Draining to empty, then appending continues the TSN sequence. */
    while (q.count)
        rtxq_pop(&q);
    assert_int_equal(q.first_tsn, 110);
    assert_null(rtxq_get(&q, 109));
    append_marked(&q, 77);
    assert_int_equal(rtxq_at(&q, 0)->off, 77);
    assert_non_null(rtxq_get(&q, 110));
    rtxq_free(&q);
}

static void test_ring_wrap_then_grow(void **state)
{
    (void)state;
    rtxq q;
    rtxq_init(&q, 1);
    uint32_t next_marker = 0, oldest_marker = 0;
    /* Keep the ring partly full while head travels around it several times. */
    for (int round = 0; round < 20; round++) {
        for (int i = 0; i < 150; i++)
            append_marked(&q, next_marker++);
        for (int i = 0; i < 140; i++) {
            assert_int_equal(rtxq_at(&q, 0)->off, oldest_marker);
            rtxq_pop(&q);
            oldest_marker++;
        }
        check_all(&q, oldest_marker);
    }
    assert_int_equal(q.count, 200);
    /* Grow while the live range wraps the end of the ring. */
    for (int i = 0; i < 700; i++)
        append_marked(&q, next_marker++);
    assert_int_equal(q.count, 900);
    check_all(&q, oldest_marker);
    assert_int_equal(q.first_tsn, 1 + oldest_marker);
    rtxq_free(&q);
}

static void test_tsn_wrap(void **state)
{
    (void)state;
    rtxq q;
    rtxq_init(&q, 0xFFFFFF00u);
    for (uint32_t i = 0; i < 512; i++)
        append_marked(&q, i);
    assert_int_equal(rtxq_next_tsn(&q), 0x00000100u);
    assert_int_equal(rtxq_get(&q, 0xFFFFFFFFu)->off, 0xFF);
    assert_int_equal(rtxq_get(&q, 0x00000000u)->off, 0x100);
    assert_int_equal(rtxq_get(&q, 0x00000010u)->off, 0x110);
    assert_null(rtxq_get(&q, 0x00000100u));
    assert_null(rtxq_get(&q, 0xFFFFFEFFu));
    for (uint32_t i = 0; i < 0x101; i++)
        rtxq_pop(&q);
    assert_int_equal(q.first_tsn, 0x00000001u);
    assert_null(rtxq_get(&q, 0xFFFFFFFFu));
    assert_null(rtxq_get(&q, 0x00000000u));
    check_all(&q, 0x101);
    rtxq_free(&q);
}

/* rtxq_mark_rtx / rtxq_first_rtx: the oldest marked chunk is found whatever order the
 * marks come in, across pops and a TSN wrap. */
static void test_rtx_marks(void **state)
{
    (void)state;
    rtxq q;
    rtxq_init(&q, 0xfffffff0u);
    for (int i = 0; i < 40; i++) {
        assert_non_null(rtxq_append(&q));
        rtxq_at(&q, (uint32_t)i)->state = TX_INFLIGHT;
    }
    q.unsent = 0; /* all 40 were sent */
    assert_int_equal(rtxq_first_rtx(&q), q.count);
    rtxq_mark_rtx(&q, 30);
    assert_int_equal(rtxq_first_rtx(&q), 30);
    rtxq_mark_rtx(&q, 12); /* a lower mark moves the start down */
    rtxq_mark_rtx(&q, 20);
    assert_int_equal(q.nrtx, 3);
    assert_int_equal(rtxq_first_rtx(&q), 12);
    /* Retransmitting the oldest leaves the next one to be found. */
    rtxq_at(&q, 12)->state = TX_INFLIGHT;
    q.nrtx--;
    assert_int_equal(rtxq_first_rtx(&q), 20);
    /* Pops below the marks shift indexes; TSNs cross 2^32 here. */
    for (int i = 0; i < 18; i++)
        rtxq_pop(&q);
    assert_int_equal(rtxq_first_rtx(&q), 2);
    assert_int_equal(rtxq_at(&q, 2)->state, TX_RTX);
    rtxq_at(&q, 2)->state = TX_INFLIGHT;
    rtxq_at(&q, 12)->state = TX_INFLIGHT;
    q.nrtx -= 2;
    assert_int_equal(rtxq_first_rtx(&q), q.count);
    rtxq_free(&q);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_empty),        cmocka_unit_test(test_append_across_growth),
        cmocka_unit_test(test_pop_advances), cmocka_unit_test(test_ring_wrap_then_grow),
        cmocka_unit_test(test_tsn_wrap),     cmocka_unit_test(test_rtx_marks),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
