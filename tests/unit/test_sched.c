/* Unit tests for the stream scheduler seam (lib/core/sched.c and the scheduler state of
 * lib/core/sendq.c): ids and errors, stream values (range checks, before the first
 * message, reset by a scheduler change), and changing the scheduler while messages are
 * queued: under random pushes, pops with filters, packet starts and changes between all
 * schedulers, every message comes out exactly once and in order within its stream. */
#include "sched_util.h"

static const uint32_t all_ids[] = {MPSCTP_SS_FCFS, MPSCTP_SS_PRIO, MPSCTP_SS_RR,
                                   MPSCTP_SS_FC,   MPSCTP_SS_WFQ,  MPSCTP_SS_RR_PKT};
#define NIDS (sizeof(all_ids) / sizeof(all_ids[0]))

static void test_ids(void **state)
{
    (void)state;
    for (size_t i = 0; i < NIDS; i++) {
        const sched_ops *o = sched_by_id(all_ids[i]);
        assert_non_null(o);
        assert_int_equal(o->id, all_ids[i]);
        assert_non_null(o->pick);
        assert_non_null(o->sent);
    }
    assert_int_equal(MPSCTP_SS_MAX, 5);
    assert_null(sched_by_id(MPSCTP_SS_MAX + 1));
    assert_null(sched_by_id(0xFFFFFFFFu));
    sendq q;
    sendq_init(&q, 2, 10000);
    assert_int_equal(sendq_set_sched(&q, MPSCTP_SS_WFQ), 0);
    assert_int_equal(sendq_set_sched(&q, 6), MPSCTP_ERR_INVAL);
    assert_int_equal(sendq_get_sched(&q), MPSCTP_SS_WFQ);
    sendq_free(&q);
}

static void test_values(void **state)
{
    (void)state;
    sendq q;
    sendq_init(&q, 4, 10000);
    uint16_t v = 7;
    /* before any message: nothing allocated, the default reads back */
    assert_int_equal(sendq_get_value(&q, 3, &v), 0);
    assert_int_equal(v, 0);
    assert_int_equal(sendq_get_value(&q, 4, &v), MPSCTP_ERR_STREAM);
    assert_int_equal(sendq_set_value(&q, 4, 1), MPSCTP_ERR_STREAM);
    assert_int_equal(sendq_set_value(&q, 0xFFFF, 1), MPSCTP_ERR_STREAM);
    assert_int_equal(sendq_set_value(&q, 3, 42), 0);
    assert_int_equal(sendq_get_value(&q, 3, &v), 0);
    assert_int_equal(v, 42);
    /* a scheduler change resets every value to the new scheduler's default */
    assert_int_equal(sendq_set_sched(&q, MPSCTP_SS_WFQ), 0);
    assert_int_equal(sendq_get_value(&q, 3, &v), 0);
    assert_int_equal(v, 1);
    assert_int_equal(sendq_set_value(&q, 3, 9), 0);
    /* the scheduler it has already: nothing changes */
    assert_int_equal(sendq_set_sched(&q, MPSCTP_SS_WFQ), 0);
    assert_int_equal(sendq_get_value(&q, 3, &v), 0);
    assert_int_equal(v, 9);
    assert_int_equal(sendq_set_sched(&q, MPSCTP_SS_PRIO), 0);
    assert_int_equal(sendq_get_value(&q, 3, &v), 0);
    assert_int_equal(v, 0);
    /* the negotiated stream count bounds the ids */
    assert_null(sendq_set_streams(&q, 2));
    assert_int_equal(sendq_set_value(&q, 2, 1), MPSCTP_ERR_STREAM);
    assert_int_equal(sendq_set_value(&q, 1, 1), 0);
    sendq_free(&q);
}

/* Deterministic PRNG: a 64-bit linear congruential step (Knuth's MMIX constants),
 * returning the high half. */
static uint32_t rnd(uint64_t *s)
{
    *s = *s * 6364136223846793005ull + 1442695040888963407ull;
    return (uint32_t)(*s >> 32);
}

static void test_change_loses_nothing(void **state)
{
    (void)state;
    enum { NS = 8, MSGS = 20000 };
    sendq q;
    sendq_init(&q, NS, 1u << 24);
    uint64_t seed = 777;
    uint32_t next_in[NS] = {0}, next_out[NS] = {0};
    uint32_t pushed = 0, popped = 0;
    while (popped < MSGS) {
        uint32_t r = rnd(&seed);
        switch (r % 8) {
        case 0:
        case 1:
        case 2:
            if (pushed < MSGS) {
                uint16_t sid = (uint16_t)((r >> 8) % NS);
                su_push(&q, sid, 1 + (r >> 16) % 1500, sid * 100000u + next_in[sid]++);
                pushed++;
            }
            break;
        case 3:
        case 4: {
            uint64_t mask = (r >> 8) & 0xFF;
            if ((r >> 20) & 1)
                mask = ~0ull;
            uint32_t ppid;
            int sid = su_pop(&q, mask, &ppid, NULL);
            if (sid >= 0) {
                assert_true(mask == ~0ull || ((mask >> sid) & 1));
                assert_int_equal(ppid, sid * 100000u + next_out[sid]);
                next_out[sid]++;
                popped++;
            } else if (mask == ~0ull) {
                assert_int_equal(popped, pushed);
            }
            break;
        }
        case 5:
            sendq_packet_start(&q);
            break;
        case 6:
            if ((r >> 8) % 16 == 0)
                assert_int_equal(sendq_set_sched(&q, all_ids[(r >> 12) % NIDS]), 0);
            break;
        default: {
            uint16_t sid = (uint16_t)((r >> 8) % NS);
            int e = sendq_set_value(&q, sid, (uint16_t)(r >> 16));
            assert_true(e == 0 || (e == MPSCTP_ERR_INVAL && (uint16_t)(r >> 16) == 0));
            break;
        }
        }
        assert_int_equal(sendq_pending(&q), popped < pushed);
    }
    for (uint16_t s = 0; s < NS; s++)
        assert_int_equal(next_out[s], next_in[s]);
    assert_int_equal(sendq_pending(&q), 0);
    sendq_free(&q);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ids),
        cmocka_unit_test(test_values),
        cmocka_unit_test(test_change_loses_nothing),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
