/* Unit tests of what stream reconfiguration (RFC 6525) adds to the send queue and the
 * reassembly: SSNs restarting at 0 for some streams or all, and stream counts growing
 * with queued messages and waiting ordered messages kept. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "mpsctp/mpsctp.h"
#include "reasm.h"
#include "sendq.h"

static int push(sendq *q, uint16_t sid, uint32_t ppid)
{
    uint8_t b[8] = {1, 2, 3, 4, 5, 6, 7, 8};
    mpsctp_sndinfo si = {.sid = sid, .ppid = ppid};
    return sendq_push(q, b, sizeof(b), &si);
}

/* Pops every message, giving each its stream's next SSN as the sender does. Returns the
 * SSN the message with ppid want got (-1: none). */
static int pop_ssn(sendq *q, uint32_t want)
{
    int r = -1;
    smsg *m;
    while ((m = sendq_pop(q)) != NULL) {
        uint16_t ssn = q->streams[m->sid].next_ssn++;
        if (m->ppid == want)
            r = ssn;
        sendq_release(q, m->sid, m->len);
        sendq_msg_free(q, m);
    }
    return r;
}

static void test_sendq_reset_ssn(void **state)
{
    (void)state;
    sendq q;
    sendq_init(&q, 4, 1 << 20);
    sendq_reset_ssn(&q, NULL, 0); /* nothing allocated yet: harmless */
    for (uint32_t i = 0; i < 12; i++)
        assert_int_equal(push(&q, (uint16_t)(i % 4), i), 0);
    pop_ssn(&q, 0);
    const uint16_t l[2] = {1, 3};
    sendq_reset_ssn(&q, l, 2);
    assert_int_equal(push(&q, 1, 100), 0);
    assert_int_equal(pop_ssn(&q, 100), 0);
    assert_int_equal(push(&q, 2, 101), 0);
    assert_int_equal(pop_ssn(&q, 101), 3);
    sendq_reset_ssn(&q, NULL, 0); /* every stream */
    assert_int_equal(push(&q, 2, 102), 0);
    assert_int_equal(pop_ssn(&q, 102), 0);
    sendq_free(&q);
}

static void test_sendq_grow(void **state)
{
    (void)state;
    sendq q;
    sendq_init(&q, 2, 1 << 20);
    /* Before the first message: the count follows at once. */
    assert_int_equal(sendq_grow(&q, 5), 0);
    assert_null(sendq_set_streams(&q, 5));
    assert_int_equal(q.nstreams, 5);
    assert_int_equal(push(&q, 4, 1), 0);
    assert_int_equal(push(&q, 0, 2), 0);
    /* With messages queued: they stay, in order, and the new streams are usable once
     * the count is raised. */
    assert_int_equal(sendq_grow(&q, 300), 0);
    assert_int_equal(q.nstreams, 5);
    assert_int_equal(push(&q, 299, 3), MPSCTP_ERR_STREAM);
    assert_null(sendq_set_streams(&q, 300));
    assert_int_equal(push(&q, 299, 3), 0);
    uint32_t per[300], n = 0, total = 0;
    assert_int_equal(sendq_info(&q, NULL, &total, per, 300, &n), 0);
    assert_int_equal(n, 300);
    assert_int_equal(total, 24);
    assert_int_equal(per[4], 8);
    assert_int_equal(per[299], 8);
    assert_int_equal(per[100], 0);
    int seen = 0;
    smsg *m;
    while ((m = sendq_pop(&q)) != NULL) {
        seen++;
        sendq_release(&q, m->sid, m->len);
        sendq_msg_free(&q, m);
    }
    assert_int_equal(seen, 3);
    assert_int_equal(sendq_grow(&q, 10), 0); /* smaller: nothing changes */
    assert_int_equal(q.nstreams, 300);
    sendq_free(&q);
}

static void add(reasm *r, tsnmap *m, uint32_t tsn, uint16_t sid, uint16_t ssn)
{
    static const uint8_t pl[4] = {9, 9, 9, 9};
    sctp_data d = {.flags = SCTP_DATA_B | SCTP_DATA_E, .tsn = tsn, .sid = sid, .ssn = ssn,
                   .payload = pl, .len = sizeof(pl)};
    assert_int_equal(tsnmap_mark(m, tsn), 1);
    assert_int_equal(reasm_add(r, &d, m->cum), 0);
}

static int read_sid(reasm *r, uint16_t *sid, uint16_t *ssn)
{
    uint8_t b[16];
    mpsctp_rcvinfo ri;
    int eor = 0;
    if (reasm_read(r, b, sizeof(b), &ri, &eor) < 0)
        return 0;
    *sid = ri.sid;
    *ssn = ri.ssn;
    return 1;
}

static void test_reasm_reset_and_grow(void **state)
{
    (void)state;
    reasm r;
    tsnmap m;
    assert_int_equal(tsnmap_init(&m, 100, 65536), 0);
    assert_int_equal(reasm_init(&r, 2, 1 << 16), 0);
    reasm_attach(&r, &m, 1 << 20, 7);
    add(&r, &m, 100, 1, 0);
    add(&r, &m, 101, 1, 1);
    add(&r, &m, 102, 1, 5); /* far ahead: waits */
    uint16_t sid, ssn;
    assert_true(read_sid(&r, &sid, &ssn) && sid == 1 && ssn == 0);
    assert_true(read_sid(&r, &sid, &ssn) && sid == 1 && ssn == 1);
    assert_false(read_sid(&r, &sid, &ssn));
    const uint16_t l[1] = {0};
    reasm_reset_streams(&r, l, 1); /* stream 0 only: stream 1 still waits for SSN 2 */
    assert_false(read_sid(&r, &sid, &ssn));
    /* Grow: stream 3 takes messages from SSN 0. */
    assert_int_equal(reasm_grow(&r, 4), 0);
    assert_int_equal(r.nstreams, 4);
    add(&r, &m, 103, 3, 0);
    assert_true(read_sid(&r, &sid, &ssn) && sid == 3 && ssn == 0);
    assert_int_equal(reasm_grow(&r, 2), 0); /* smaller: nothing changes */
    assert_int_equal(r.nstreams, 4);
    reasm_reset_streams(&r, l, 1);
    reasm_free(&r);
    tsnmap_free(&m);
}

/* A message of the new sequence that arrived before the reset is delivered by it. */
static void test_reasm_reset_delivers_waiting(void **state)
{
    (void)state;
    reasm r;
    tsnmap m;
    assert_int_equal(tsnmap_init(&m, 1, 65536), 0);
    assert_int_equal(reasm_init(&r, 3, 1 << 16), 0);
    reasm_attach(&r, &m, 1 << 20, 7);
    add(&r, &m, 1, 2, 0);
    add(&r, &m, 2, 2, 1);
    uint16_t sid, ssn;
    assert_true(read_sid(&r, &sid, &ssn) && ssn == 0);
    assert_true(read_sid(&r, &sid, &ssn) && ssn == 1);
    add(&r, &m, 3, 2, 0); /* the peer reset stream 2: SSN 0 again, waits for now */
    assert_false(read_sid(&r, &sid, &ssn));
    reasm_reset_streams(&r, NULL, 0);
    assert_true(read_sid(&r, &sid, &ssn) && sid == 2 && ssn == 0);
    reasm_free(&r);
    tsnmap_free(&m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sendq_reset_ssn),
        cmocka_unit_test(test_sendq_grow),
        cmocka_unit_test(test_reasm_reset_and_grow),
        cmocka_unit_test(test_reasm_reset_delivers_waiting),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
