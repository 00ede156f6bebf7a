/* Unit tests for lib/core/sendq: per-stream queues, the byte counts SCTP_SQINFO reports
 * (draft-dreibholz-tsvwg-sctpsocket-sqinfo), the send buffer limit and its errors, the
 * round-robin stream scheduler and draining at close. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "mpsctp/mpsctp.h"
#include "sendq.h"

#define MAXS 16

static int push(sendq *q, uint16_t sid, size_t len, uint32_t ppid)
{
    static uint8_t buf[1 << 16];
    for (size_t i = 0; i < len && i < sizeof(buf); i++)
        buf[i] = (uint8_t)(ppid + i);
    mpsctp_sndinfo si = {.sid = sid, .flags = 0, .ppid = ppid, .context = ppid ^ 0xFFFFu};
    return sendq_push(q, buf, len, &si);
}

/* Asserts the snapshot: total and every per-stream count; total == their sum. */
static void expect_counts(const sendq *q, uint32_t limit, const uint32_t *per, uint16_t n)
{
    uint32_t l = 0, t = 0, ns = 0, ps[MAXS];
    memset(ps, 0xFF, sizeof(ps));
    assert_int_equal(sendq_info(q, &l, &t, ps, MAXS, &ns), 0);
    assert_int_equal(l, limit);
    assert_int_equal(ns, n);
    uint64_t sum = 0;
    for (uint16_t i = 0; i < n; i++) {
        assert_int_equal(ps[i], per[i]);
        sum += ps[i];
    }
    assert_int_equal(t, sum);
}

static void test_push_pop_release_counts(void **state)
{
    (void)state;
    sendq q;
    sendq_init(&q, 3, 1000);
    assert_int_equal(sendq_pending(&q), 0);
    const uint32_t z[3] = {0, 0, 0};
    expect_counts(&q, 1000, z, 3);

    assert_int_equal(push(&q, 0, 100, 1), 0);
    assert_int_equal(push(&q, 2, 50, 2), 0);
    assert_int_equal(push(&q, 0, 7, 3), 0);
    assert_int_equal(sendq_pending(&q), 1);
    const uint32_t c1[3] = {107, 0, 50};
    expect_counts(&q, 1000, c1, 3);

    /* Popping hands messages out but keeps their bytes counted. */
    smsg *a = sendq_pop(&q);
    smsg *b = sendq_pop(&q);
    smsg *c = sendq_pop(&q);
    assert_non_null(a);
    assert_non_null(b);
    assert_non_null(c);
    assert_null(sendq_pop(&q));
    assert_int_equal(sendq_pending(&q), 0);
    expect_counts(&q, 1000, c1, 3);

    /* Copies of the data and the send info. */
    smsg *m[3] = {a, b, c};
    int seen = 0;
    for (int i = 0; i < 3; i++) {
        if (m[i]->ppid == 1) {
            assert_int_equal(m[i]->sid, 0);
            assert_int_equal(m[i]->len, 100);
            seen |= 1;
        } else if (m[i]->ppid == 2) {
            assert_int_equal(m[i]->sid, 2);
            assert_int_equal(m[i]->len, 50);
            seen |= 2;
        } else {
            assert_int_equal(m[i]->ppid, 3);
            assert_int_equal(m[i]->sid, 0);
            assert_int_equal(m[i]->len, 7);
            seen |= 4;
        }
        assert_int_equal(m[i]->context, m[i]->ppid ^ 0xFFFFu);
        for (uint32_t k = 0; k < m[i]->len; k++)
            assert_int_equal(m[i]->data[k], (uint8_t)(m[i]->ppid + k));
    }
    assert_int_equal(seen, 7);

    /* Releases uncount exactly, per stream. */
    sendq_release(&q, 0, 100);
    const uint32_t c2[3] = {7, 0, 50};
    expect_counts(&q, 1000, c2, 3);
    sendq_release(&q, 2, 20);
    const uint32_t c3[3] = {7, 0, 30};
    expect_counts(&q, 1000, c3, 3);
    sendq_release(&q, 2, 30);
    sendq_release(&q, 0, 7);
    expect_counts(&q, 1000, z, 3);
    free(a);
    free(b);
    free(c);
    sendq_free(&q);
}

static void test_limit_and_errors(void **state)
{
    (void)state;
    sendq q;
    sendq_init(&q, 2, 1000);
    const uint32_t z[2] = {0, 0};
    /* len 0 and len above the limit: MSGSIZE, even with an empty queue. */
    assert_int_equal(push(&q, 0, 0, 1), MPSCTP_ERR_MSGSIZE);
    assert_int_equal(push(&q, 0, 1001, 1), MPSCTP_ERR_MSGSIZE);
    assert_int_equal(push(&q, 1, 60000, 1), MPSCTP_ERR_MSGSIZE);
    /* Invalid stream ids. */
    assert_int_equal(push(&q, 2, 10, 1), MPSCTP_ERR_STREAM);
    assert_int_equal(push(&q, 0xFFFF, 10, 1), MPSCTP_ERR_STREAM);
    expect_counts(&q, 1000, z, 2);
    assert_int_equal(sendq_pending(&q), 0);

    /* Exactly up to the limit. */
    assert_int_equal(push(&q, 0, 600, 1), 0);
    assert_int_equal(push(&q, 1, 400, 2), 0);
    const uint32_t full[2] = {600, 400};
    expect_counts(&q, 1000, full, 2);
    assert_int_equal(push(&q, 0, 1, 3), MPSCTP_ERR_WOULDBLOCK);
    assert_int_equal(push(&q, 1, 1000, 3), MPSCTP_ERR_WOULDBLOCK);
    expect_counts(&q, 1000, full, 2);

    /* Popping does not make room; releasing does. */
    smsg *m = sendq_pop(&q);
    assert_non_null(m);
    assert_int_equal(push(&q, 0, 1, 3), MPSCTP_ERR_WOULDBLOCK);
    sendq_release(&q, m->sid, m->len);
    free(m);
    assert_int_equal(push(&q, 0, 600, 4), 0);
    assert_int_equal(push(&q, 0, 1, 5), MPSCTP_ERR_WOULDBLOCK);
    /* A full-size message fits in an empty queue. */
    while ((m = sendq_pop(&q))) {
        sendq_release(&q, m->sid, m->len);
        free(m);
    }
    expect_counts(&q, 1000, z, 2);
    assert_int_equal(push(&q, 1, 1000, 6), 0);
    sendq_free(&q);

    /* nstreams 0 is treated as 1. */
    sendq_init(&q, 0, 100);
    assert_int_equal(push(&q, 0, 10, 1), 0);
    assert_int_equal(push(&q, 1, 10, 1), MPSCTP_ERR_STREAM);
    sendq_free(&q);
}

/* A limit lowered below what is queued applies to new messages (WOULDBLOCK until the
 * queue has drained to it, MSGSIZE above it); the snapshot reports the queued bytes as
 * the limit until then, so total <= limit always holds. */
static void test_limit_lowered_below_queued(void **state)
{
    (void)state;
    sendq q;
    sendq_init(&q, 2, 10000);
    assert_int_equal(push(&q, 0, 6000, 1), 0);
    assert_int_equal(push(&q, 1, 3000, 2), 0);
    q.limit = 4000;
    const uint32_t all[2] = {6000, 3000};
    expect_counts(&q, 9000, all, 2);
    assert_int_equal(push(&q, 1, 4001, 3), MPSCTP_ERR_MSGSIZE);
    assert_int_equal(push(&q, 1, 1, 3), MPSCTP_ERR_WOULDBLOCK);
    smsg *m = sendq_pop(&q);
    assert_int_equal(m->len, 6000);
    sendq_release(&q, m->sid, 5000); /* part of it acknowledged */
    const uint32_t part[2] = {1000, 3000};
    expect_counts(&q, 4000, part, 2);
    assert_int_equal(push(&q, 1, 1, 3), MPSCTP_ERR_WOULDBLOCK);
    sendq_release(&q, m->sid, 1000);
    free(m);
    const uint32_t rest[2] = {0, 3000};
    expect_counts(&q, 4000, rest, 2);
    assert_int_equal(push(&q, 0, 1000, 4), 0);
    assert_int_equal(push(&q, 0, 1, 5), MPSCTP_ERR_WOULDBLOCK);
    while ((m = sendq_pop(&q))) {
        sendq_release(&q, m->sid, m->len);
        free(m);
    }
    sendq_free(&q);
}

static void test_round_robin(void **state)
{
    (void)state;
    sendq q;
    sendq_init(&q, 4, 100000);
    /* Stream 0: 3 messages, stream 1: 1, stream 2: 2, stream 3: none. */
    assert_int_equal(push(&q, 0, 10, 0x01), 0);
    assert_int_equal(push(&q, 0, 10, 0x02), 0);
    assert_int_equal(push(&q, 0, 10, 0x03), 0);
    assert_int_equal(push(&q, 1, 10, 0x11), 0);
    assert_int_equal(push(&q, 2, 10, 0x21), 0);
    assert_int_equal(push(&q, 2, 10, 0x22), 0);
    const uint32_t order[6] = {0x01, 0x11, 0x21, 0x02, 0x22, 0x03};
    for (int i = 0; i < 6; i++) {
        smsg *m = sendq_pop(&q);
        assert_non_null(m);
        assert_int_equal(m->ppid, order[i]);
        sendq_release(&q, m->sid, m->len);
        free(m);
    }
    assert_null(sendq_pop(&q));

    /* A stream that gets data while others are served joins the end of the round. */
    assert_int_equal(push(&q, 1, 10, 0x12), 0);
    assert_int_equal(push(&q, 1, 10, 0x13), 0);
    assert_int_equal(push(&q, 3, 10, 0x31), 0);
    smsg *m = sendq_pop(&q);
    assert_int_equal(m->ppid, 0x12);
    free(m);
    assert_int_equal(push(&q, 0, 10, 0x04), 0);
    const uint32_t order2[3] = {0x31, 0x13, 0x04};
    for (int i = 0; i < 3; i++) {
        m = sendq_pop(&q);
        assert_non_null(m);
        assert_int_equal(m->ppid, order2[i]);
        free(m);
    }
    assert_null(sendq_pop(&q));
    assert_int_equal(sendq_pending(&q), 0);
    sendq_free(&q);
}

static void test_round_robin_fairness_many(void **state)
{
    (void)state;
    /* 8 streams, 50 messages each: every window of 8 pops has each stream once. */
    sendq q;
    sendq_init(&q, 8, 1u << 20);
    for (uint32_t k = 0; k < 50; k++)
        for (uint16_t s = 0; s < 8; s++)
            assert_int_equal(push(&q, s, 1 + s, (uint32_t)s * 1000 + k), 0);
    for (uint32_t k = 0; k < 50; k++) {
        int seen = 0;
        for (int j = 0; j < 8; j++) {
            smsg *m = sendq_pop(&q);
            assert_non_null(m);
            assert_int_equal(m->ppid % 1000, k); /* FIFO within a stream */
            seen |= 1 << m->sid;
            free(m);
        }
        assert_int_equal(seen, 0xFF);
    }
    assert_null(sendq_pop(&q));
    sendq_free(&q);
}

static void test_info_nobufs(void **state)
{
    (void)state;
    sendq q;
    sendq_init(&q, 5, 5000);
    assert_int_equal(push(&q, 4, 30, 1), 0);
    uint32_t ps[8];
    for (int i = 0; i < 8; i++)
        ps[i] = 0xDEADBEEFu;
    uint32_t l = 0, t = 0, ns = 0;
    assert_int_equal(sendq_info(&q, &l, &t, ps, 4, &ns), MPSCTP_ERR_NOBUFS);
    for (int i = 0; i < 8; i++)
        assert_int_equal(ps[i], 0xDEADBEEFu);
    assert_int_equal(sendq_info(&q, &l, &t, ps, 0, &ns), MPSCTP_ERR_NOBUFS);
    for (int i = 0; i < 8; i++)
        assert_int_equal(ps[i], 0xDEADBEEFu);
    /* Exactly nstreams entries is enough and writes no more than that. */
    assert_int_equal(sendq_info(&q, &l, &t, ps, 5, &ns), 0);
    assert_int_equal(ns, 5);
    assert_int_equal(l, 5000);
    assert_int_equal(t, 30);
    for (int i = 0; i < 4; i++)
        assert_int_equal(ps[i], 0);
    assert_int_equal(ps[4], 30);
    assert_int_equal(ps[5], 0xDEADBEEFu);
    /* Without a per-stream array the scalar fields still come back. */
    l = t = ns = 0;
    assert_int_equal(sendq_info(&q, &l, &t, NULL, 0, &ns), 0);
    assert_int_equal(l, 5000);
    assert_int_equal(t, 30);
    assert_int_equal(ns, 5);
    sendq_free(&q);
}

static void test_drain(void **state)
{
    (void)state;
    sendq q;
    sendq_init(&q, 3, 10000);
    assert_int_equal(push(&q, 2, 5, 0x21), 0);
    assert_int_equal(push(&q, 0, 7, 0x01), 0);
    assert_int_equal(push(&q, 2, 9, 0x22), 0);
    assert_int_equal(push(&q, 1, 11, 0x11), 0);
    /* One message handed out by the scheduler: not drained, stays counted. */
    smsg *sent = sendq_pop(&q);
    assert_non_null(sent);
    uint32_t sent_ppid = sent->ppid;

    uint32_t left = 5 + 7 + 9 + 11 - sent->len;
    int drained = 0;
    uint32_t last_on_2 = 0;
    smsg *m;
    while ((m = sendq_drain(&q))) {
        assert_int_not_equal(m->ppid, sent_ppid);
        if (m->sid == 2) {
            /* FIFO within a stream. */
            assert_true(m->ppid > last_on_2);
            last_on_2 = m->ppid;
        }
        left -= m->len;
        drained++;
        uint32_t l, t;
        assert_int_equal(sendq_info(&q, &l, &t, NULL, 0, NULL), 0);
        assert_int_equal(t, left + sent->len);
        free(m);
    }
    assert_int_equal(drained, 3);
    assert_int_equal(left, 0);
    assert_int_equal(sendq_pending(&q), 0);
    assert_null(sendq_pop(&q));
    uint32_t per[3] = {0, 0, 0};
    per[sent->sid] = sent->len;
    expect_counts(&q, 10000, per, 3);
    sendq_release(&q, sent->sid, sent->len);
    const uint32_t z[3] = {0, 0, 0};
    expect_counts(&q, 10000, z, 3);
    free(sent);
    sendq_free(&q);
}

/* Deterministic PRNG (xorshift32). */
static uint32_t rnd(uint32_t *s)
{
    uint32_t x = *s;
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    return *s = x;
}

static void test_random_ops_invariant(void **state)
{
    (void)state;
    sendq q;
    const uint16_t ns = 6;
    const uint32_t limit = 20000;
    sendq_init(&q, ns, limit);
    uint32_t model[6] = {0};
    uint64_t total = 0;
    smsg *out[4096];
    size_t nout = 0;
    uint32_t seed = 12345;
    for (int step = 0; step < 20000; step++) {
        uint32_t r = rnd(&seed);
        switch (r % 3) {
        case 0: {
            uint16_t sid = (uint16_t)((r >> 8) % ns);
            size_t len = 1 + (r >> 16) % 3000;
            int e = push(&q, sid, len, r);
            if (total + len > limit) {
                assert_int_equal(e, MPSCTP_ERR_WOULDBLOCK);
            } else {
                assert_int_equal(e, 0);
                model[sid] += (uint32_t)len;
                total += len;
            }
            break;
        }
        case 1: {
            smsg *m = sendq_pop(&q);
            if (m) {
                assert_true(nout < 4096);
                out[nout++] = m;
            }
            break;
        }
        default:
            if (nout) {
                size_t i = (r >> 8) % nout;
                smsg *m = out[i];
                out[i] = out[--nout];
                sendq_release(&q, m->sid, m->len);
                model[m->sid] -= m->len;
                total -= m->len;
                free(m);
            }
            break;
        }
        expect_counts(&q, limit, model, ns);
    }
    for (size_t i = 0; i < nout; i++)
        free(out[i]);
    sendq_free(&q);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_push_pop_release_counts),
        cmocka_unit_test(test_limit_and_errors),
        cmocka_unit_test(test_limit_lowered_below_queued),
        cmocka_unit_test(test_round_robin),
        cmocka_unit_test(test_round_robin_fairness_many),
        cmocka_unit_test(test_info_nobufs),
        cmocka_unit_test(test_drain),
        cmocka_unit_test(test_random_ops_invariant),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
