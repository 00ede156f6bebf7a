/* Unit tests for the pieces of partial reliability (RFC 3758) below the association: the
 * FORWARD TSN codec, the receiver's reassembly after a FORWARD TSN (reasm_forward: unfinished
 * messages dropped, SSNs skipped, waiting messages delivered, partial delivery ended) and
 * the send queue's removal of single messages (PRIO and TTL abandonment). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "codec.h"
#include "mpsctp/mpsctp.h"
#include "reasm.h"
#include "sendq.h"
#include "tsnmap.h"
#include "wire.h"

#define BE (SCTP_DATA_B | SCTP_DATA_E)

/* ---- codec ------------------------------------------------------------------------------ */

static void test_codec_roundtrip(void **state)
{
    (void)state;
    uint8_t b[64];
    wbuf w;
    wbuf_init(&w, b, sizeof(b));
    uint16_t sid[3] = {1, 7, 65535}, ssn[3] = {0, 300, 65535};
    codec_fwdtsn_encode(&w, 0xFFFFFFF0u, sid, ssn, 3);
    assert_false(w.err);
    assert_int_equal(w.len, 4 + 4 + 12);
    assert_int_equal(b[0], SCTP_FORWARD_TSN);
    assert_int_equal(get16(b + 2), 20);
    const uint8_t *p = b;
    sctp_tlv c;
    assert_int_equal(codec_chunk_decode(&p, b + w.len, &c), 0);
    sctp_fwdtsn f;
    assert_int_equal(codec_fwdtsn_decode(&c, &f), 0);
    assert_int_equal(f.new_cum, 0xFFFFFFF0u);
    assert_int_equal(f.npairs, 3);
    for (unsigned i = 0; i < 3; i++) {
        uint16_t s, q;
        codec_fwdtsn_pair(&f, i, &s, &q);
        assert_int_equal(s, sid[i]);
        assert_int_equal(q, ssn[i]);
    }
    /* No pairs. */
    wbuf_init(&w, b, sizeof(b));
    codec_fwdtsn_encode(&w, 5, NULL, NULL, 0);
    assert_int_equal(w.len, 8);
    p = b;
    assert_int_equal(codec_chunk_decode(&p, b + w.len, &c), 0);
    assert_int_equal(codec_fwdtsn_decode(&c, &f), 0);
    assert_int_equal(f.npairs, 0);
    assert_string_equal(codec_chunk_name(SCTP_FORWARD_TSN), "FORWARD_TSN");
    /* Does not fit: the writer says so. */
    wbuf_init(&w, b, 10);
    codec_fwdtsn_encode(&w, 5, sid, ssn, 3);
    assert_true(w.err);
}

static void test_codec_malformed(void **state)
{
    (void)state;
    uint8_t v[12] = {0};
    sctp_tlv c = {.type = SCTP_FORWARD_TSN, .value = v};
    sctp_fwdtsn f;
    for (size_t n = 0; n <= 12; n++) {
        c.vlen = n;
        c.len = (uint16_t)(4 + n);
        int ok = n >= 4 && (n - 4) % 4 == 0;
        assert_int_equal(codec_fwdtsn_decode(&c, &f), ok ? 0 : MPSCTP_ERR_MALFORMED);
    }
}

/* ---- reassembly after FORWARD TSN --------------------------------------------------------- */

typedef struct rx {
    reasm r;
    tsnmap m;
} rx;

static void rx_init(rx *x, uint16_t nstreams, uint32_t itsn, uint32_t pd_point)
{
    assert_int_equal(reasm_init(&x->r, nstreams, pd_point), 0);
    assert_int_equal(tsnmap_init(&x->m, itsn, 1u << 16), 0);
    reasm_attach(&x->r, &x->m, 1u << 20, 0x5eed);
}

static void rx_free(rx *x)
{
    reasm_free(&x->r);
    tsnmap_free(&x->m);
}

static void rx_add(rx *x, uint32_t tsn, uint16_t sid, uint16_t ssn, uint8_t flags,
                   uint32_t ppid, size_t len)
{
    static uint8_t payload[4096];
    memset(payload, (int)(ppid & 0xff), len);
    assert_int_equal(tsnmap_mark(&x->m, tsn), 1);
    sctp_data d = {.flags = flags, .tsn = tsn, .sid = sid, .ssn = ssn, .ppid = ppid,
                   .payload = payload, .len = len};
    assert_int_equal(reasm_add(&x->r, &d, x->m.cum), 0);
}

/* FORWARD TSN to new_cum with the given pairs; returns reasm_forward's result. */
static int rx_forward(rx *x, uint32_t new_cum, const uint16_t (*pairs)[2], size_t n,
                      uint16_t *sid, uint16_t *ssn)
{
    uint8_t v[4 + 4 * 32];
    put32(v, new_cum);
    for (size_t i = 0; i < n; i++) {
        put16(v + 4 + 4 * i, pairs[i][0]);
        put16(v + 6 + 4 * i, pairs[i][1]);
    }
    sctp_tlv c = {.type = SCTP_FORWARD_TSN, .value = v, .vlen = 4 + 4 * n};
    sctp_fwdtsn f;
    assert_int_equal(codec_fwdtsn_decode(&c, &f), 0);
    tsnmap_forward(&x->m, new_cum);
    uint16_t s0 = 0, q0 = 0;
    return reasm_forward(&x->r, new_cum, &f, sid ? sid : &s0, ssn ? ssn : &q0);
}

/* Reads the next whole message: returns its ppid, or -1 when nothing is readable. */
static int64_t rx_next(rx *x, size_t *len)
{
    uint8_t buf[8192];
    mpsctp_rcvinfo info;
    int eor = 0;
    size_t n = 0;
    for (;;) {
        ssize_t k = reasm_read(&x->r, buf + n, sizeof(buf) - n, &info, &eor);
        if (k < 0)
            return n ? (int64_t)info.ppid : -1;
        n += (size_t)k;
        if (eor)
            break;
    }
    if (len)
        *len = n;
    return info.ppid;
}

static void test_drop_unfinished_and_skip(void **state)
{
    (void)state;
    rx x;
    rx_init(&x, 4, 100, 1u << 24);
    /* stream 0: SSN 0 = TSN 100 (B) + 101 (lost); SSN 1 = TSN 102 complete, waits.
     * unordered: TSN 103 (B) + 104 lost. stream 1: SSN 0 = TSN 106 complete (105 lost
     * was SSN... none: 105 is an unordered message lost entirely). */
    rx_add(&x, 100, 0, 0, SCTP_DATA_B, 1, 100);
    rx_add(&x, 102, 0, 1, BE, 2, 100);
    rx_add(&x, 103, 2, 0, SCTP_DATA_B | SCTP_DATA_U, 3, 100);
    rx_add(&x, 106, 1, 0, BE, 4, 100);
    assert_int_equal(rx_next(&x, NULL), 4); /* stream 1 SSN 0 went at once */
    assert_int_equal(rx_next(&x, NULL), -1);
    const uint16_t pr[1][2] = {{0, 0}};
    assert_int_equal(rx_forward(&x, 105, pr, 1, NULL, NULL), 0);
    assert_int_equal(x.m.cum, 106);
    size_t len;
    assert_int_equal(rx_next(&x, &len), 2);
    assert_int_equal(len, 100);
    assert_int_equal(rx_next(&x, NULL), -1);
    /* Only the delivered-and-read data was held: nothing remains. */
    assert_int_equal(reasm_held(&x.r), 0);
    /* Stream 0 goes on at SSN 2. */
    rx_add(&x, 107, 0, 2, BE, 5, 10);
    assert_int_equal(rx_next(&x, NULL), 5);
    rx_free(&x);
}

static void test_ssn_wrap_and_order(void **state)
{
    (void)state;
    rx x;
    rx_init(&x, 2, 0xFFFFFFF0u, 1u << 24);
    /* Stream 1 expects SSN 0: skip it to 65533 in steps (SSNs compare serially: one more
     * than 32767 ahead is behind), the TSNs up to 0xFFFFFFFE. */
    const uint16_t p0[3][2] = {{1, 30000}, {1, 60000}, {1, 65532}};
    assert_int_equal(rx_forward(&x, 0xFFFFFFF1u, p0, 1, NULL, NULL), 0);
    assert_int_equal(rx_forward(&x, 0xFFFFFFF2u, p0 + 1, 1, NULL, NULL), 0);
    assert_int_equal(rx_forward(&x, 0xFFFFFFFEu, p0 + 2, 1, NULL, NULL), 0);
    /* An SSN behind the stream's next one is ignored. */
    const uint16_t pb[1][2] = {{1, 65433}};
    assert_int_equal(rx_forward(&x, 0xFFFFFFFEu, pb, 1, NULL, NULL), 0);
    /* 65533 lost (TSN 0xFFFFFFFF), 65534 (TSN 0), 65535 lost (1), 0 (2), 1 lost (3), 2 (4). */
    rx_add(&x, 0, 1, 65534, BE, 10, 5);
    rx_add(&x, 2, 1, 0, BE, 11, 5);
    rx_add(&x, 4, 1, 2, BE, 12, 5);
    assert_int_equal(rx_next(&x, NULL), -1);
    const uint16_t p1[1][2] = {{1, 1}};
    assert_int_equal(rx_forward(&x, 3, p1, 1, NULL, NULL), 0);
    assert_int_equal(rx_next(&x, NULL), 10);
    assert_int_equal(rx_next(&x, NULL), 11);
    assert_int_equal(rx_next(&x, NULL), 12);
    assert_int_equal(rx_next(&x, NULL), -1);
    assert_int_equal(x.m.cum, 4);
    /* Pairs for unknown streams and SSNs already passed change nothing. */
    const uint16_t p2[3][2] = {{7, 3}, {1, 0}, {0xFFFF, 9}};
    assert_int_equal(rx_forward(&x, 10, p2, 3, NULL, NULL), 0);
    rx_add(&x, 11, 1, 3, BE, 13, 5);
    assert_int_equal(rx_next(&x, NULL), 13);
    assert_int_equal(reasm_held(&x.r), 0);
    rx_free(&x);
}

static void test_partial_delivery_ended(void **state)
{
    (void)state;
    rx x;
    rx_init(&x, 2, 1, 500);
    rx_add(&x, 1, 1, 0, SCTP_DATA_B, 7, 600); /* partial delivery starts */
    rx_add(&x, 2, 1, 0, 0, 7, 600);
    uint8_t buf[2000];
    mpsctp_rcvinfo info;
    int eor;
    /* Read some of it, not all. */
    assert_int_equal(reasm_read(&x.r, buf, 700, &info, &eor), 700);
    assert_false(eor);
    uint16_t sid = 99, ssn = 99;
    const uint16_t pr[1][2] = {{1, 0}};
    assert_int_equal(rx_forward(&x, 4, pr, 1, &sid, &ssn), 1);
    assert_int_equal(sid, 1);
    assert_int_equal(ssn, 0);
    /* The rest of what arrived is readable and ends the message. */
    assert_int_equal(reasm_read(&x.r, buf, sizeof(buf), &info, &eor), 500);
    assert_true(eor);
    rx_add(&x, 5, 1, 1, BE, 8, 50);
    assert_int_equal(rx_next(&x, NULL), 8);
    assert_int_equal(reasm_held(&x.r), 0);
    /* Read completely before the FORWARD TSN: the anchor goes, nothing left to read. */
    rx_add(&x, 6, 1, 2, SCTP_DATA_B, 9, 600);
    assert_int_equal(reasm_read(&x.r, buf, sizeof(buf), &info, &eor), 600);
    assert_false(eor);
    const uint16_t pr2[1][2] = {{1, 2}};
    assert_int_equal(rx_forward(&x, 8, pr2, 1, NULL, NULL), 1);
    assert_int_equal(reasm_read(&x.r, buf, sizeof(buf), &info, &eor), MPSCTP_ERR_WOULDBLOCK);
    assert_int_equal(reasm_held(&x.r), 0);
    rx_free(&x);
}

/* ---- send queue ----------------------------------------------------------------------------- */

static void count_msg(void *ctx, smsg *m)
{
    (void)m;
    (*(int *)ctx)++;
}

static void test_sendq_remove(void **state)
{
    (void)state;
    sendq q;
    sendq_init(&q, 3, 1u << 20);
    uint8_t data[100] = {0};
    for (uint16_t i = 0; i < 6; i++) {
        mpsctp_sndinfo si = {.sid = (uint16_t)(i % 3), .ppid = i};
        assert_int_equal(sendq_push(&q, data, 10 + i, &si), 0);
    }
    int n = 0;
    sendq_each(&q, count_msg, &n);
    assert_int_equal(n, 6);
    /* Remove the tail of stream 0 (ppid 3) and the head of stream 1 (ppid 1). */
    smsg *t0 = q.streams[0].tail, *h1 = q.streams[1].head;
    assert_int_equal(t0->pr.policy, 0);
    assert_int_equal(sendq_remove(&q, t0), 0);
    assert_int_equal(sendq_remove(&q, t0), -1);
    assert_int_equal(sendq_remove(&q, h1), 0);
    assert_int_equal(q.total, 10 + 12 + 14 + 15);
    sendq_msg_free(&q, t0);
    sendq_msg_free(&q, h1);
    n = 0;
    sendq_each(&q, count_msg, &n);
    assert_int_equal(n, 4);
    /* Scheduling still hands out the rest, each once. */
    uint32_t seen = 0;
    smsg *m;
    while ((m = sendq_pop(&q)) != NULL) {
        seen |= 1u << m->ppid;
        sendq_release(&q, m->sid, m->len);
        sendq_msg_free(&q, m);
    }
    assert_int_equal(seen, (1u << 0) | (1u << 2) | (1u << 4) | (1u << 5));
    assert_int_equal(q.total, 0);
    sendq_free(&q);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_codec_roundtrip),
        cmocka_unit_test(test_codec_malformed),
        cmocka_unit_test(test_drop_unfinished_and_skip),
        cmocka_unit_test(test_ssn_wrap_and_order),
        cmocka_unit_test(test_partial_delivery_ended),
        cmocka_unit_test(test_sendq_remove),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
