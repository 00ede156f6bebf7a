/* I-DATA (RFC 8260 s2.1): the chunk codec, the reassembly by (stream, U, MID) in FSN
 * order with ordered delivery by MID, and the send queue's chunk-by-chunk seam. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "codec.h"
#include "idata.h"
#include "reasm.h"
#include "sched.h"
#include "sendq.h"
#include "wire.h"

/* ---- codec --------------------------------------------------------------------------- */

static void test_codec_roundtrip(void **st)
{
    (void)st;
    uint8_t payload[301];
    for (size_t i = 0; i < sizeof(payload); i++)
        payload[i] = (uint8_t)(i * 13 + 1);
    const uint8_t ppid_wire[4] = {9, 8, 7, 6};
    uint32_t ppid;
    memcpy(&ppid, ppid_wire, 4);
    for (unsigned flags = 0; flags < 16; flags++) {
        for (size_t len = 1; len <= sizeof(payload); len += 100) {
            uint8_t buf[512];
            memset(buf, 0xEE, sizeof(buf));
            wbuf w;
            wbuf_init(&w, buf, sizeof(buf));
            codec_idata_encode(&w, (uint8_t)flags, 0xA0B0C0D0u, 0x4321, 0x11223344u, ppid,
                               0x55667788u, payload, len);
            assert_int_equal(w.err, 0);
            assert_int_equal(w.len, pad4(20 + len));
            assert_int_equal(buf[0], SCTP_IDATA);
            assert_int_equal(buf[1], flags);
            assert_int_equal(get16(buf + 2), 20 + len);
            assert_int_equal(get32(buf + 4), 0xA0B0C0D0u);
            assert_int_equal(get16(buf + 8), 0x4321);
            assert_int_equal(get16(buf + 10), 0); /* reserved */
            assert_int_equal(get32(buf + 12), 0x11223344u);
            if (flags & SCTP_DATA_B)
                assert_memory_equal(buf + 16, ppid_wire, 4);
            else
                assert_int_equal(get32(buf + 16), 0x55667788u);
            assert_memory_equal(buf + 20, payload, len);
            for (size_t k = 20 + len; k < w.len; k++)
                assert_int_equal(buf[k], 0);
            const uint8_t *p = buf;
            sctp_tlv c;
            assert_int_equal(codec_chunk_decode(&p, buf + w.len, &c), 0);
            sctp_data d;
            memset(&d, 0xAA, sizeof(d));
            assert_int_equal(codec_idata_decode(&c, &d), 0);
            assert_int_equal(d.flags, flags);
            assert_int_equal(d.tsn, 0xA0B0C0D0u);
            assert_int_equal(d.sid, 0x4321);
            assert_int_equal(d.ssn, 0);
            assert_int_equal(d.mid, 0x11223344u);
            if (flags & SCTP_DATA_B) {
                assert_int_equal(d.ppid, ppid);
                assert_int_equal(d.fsn, 0);
            } else {
                assert_int_equal(d.ppid, 0);
                assert_int_equal(d.fsn, 0x55667788u);
            }
            assert_int_equal(d.len, len);
            assert_ptr_equal(d.payload, buf + 20);
        }
    }
    assert_string_equal(codec_chunk_name(SCTP_IDATA), "I_DATA");
    assert_string_equal(codec_chunk_name(SCTP_I_FORWARD_TSN), "I_FORWARD_TSN");
}

static void test_codec_short(void **st)
{
    (void)st;
    uint8_t v[16] = {0};
    for (size_t n = 0; n < 16; n++) {
        sctp_tlv c = {.type = SCTP_IDATA, .flags = SCTP_DATA_B, .len = (uint16_t)(4 + n),
                      .value = v, .vlen = n};
        sctp_data d;
        assert_int_equal(codec_idata_decode(&c, &d), MPSCTP_ERR_MALFORMED);
    }
    /* A header alone decodes with no user data (the association reports that). */
    sctp_tlv c = {.type = SCTP_IDATA, .flags = 0, .len = 20, .value = v, .vlen = 16};
    sctp_data d;
    assert_int_equal(codec_idata_decode(&c, &d), 0);
    assert_int_equal(d.len, 0);
}

/* ---- reassembly ----------------------------------------------------------------------- */

typedef struct rx {
    reasm r;
    tsnmap map;
    idata_state x;
    uint32_t tsn;
} rx;

static void rx_init(rx *t, uint32_t pd_point, uint64_t limit)
{
    memset(t, 0, sizeof(*t));
    assert_int_equal(tsnmap_init(&t->map, 999, 65536), 0);
    assert_int_equal(reasm_init(&t->r, 8, pd_point), 0);
    reasm_attach(&t->r, &t->map, limit, 7);
    assert_int_equal(idata_setup(&t->x, 8, 8, 7), 0);
    t->tsn = 1000;
}

static void rx_free(rx *t)
{
    idata_free(&t->x, &t->r);
    reasm_free(&t->r);
    tsnmap_free(&t->map);
}

static int add(rx *t, uint16_t sid, int u, uint32_t mid, uint32_t fsn, int b, int e,
               uint32_t len)
{
    uint8_t buf[4096];
    for (uint32_t i = 0; i < len; i++)
        buf[i] = (uint8_t)(mid * 31 + fsn * 7 + i);
    sctp_data d = {.flags = (uint8_t)((b ? SCTP_DATA_B : 0) | (e ? SCTP_DATA_E : 0) |
                                      (u ? SCTP_DATA_U : 0)),
                   .tsn = t->tsn,
                   .sid = sid,
                   .ppid = 0x1000 + mid,
                   .payload = buf,
                   .len = len,
                   .mid = mid,
                   .fsn = fsn};
    assert_int_equal(tsnmap_mark(&t->map, t->tsn), 1);
    t->tsn++;
    return idata_add(&t->x, &t->r, &d);
}

/* Reads one piece: returns its length, fills sid/ppid/eor. */
static ssize_t rd(rx *t, uint16_t *sid, uint32_t *ppid, int *eor)
{
    uint8_t buf[65536];
    mpsctp_rcvinfo info;
    ssize_t n = reasm_read(&t->r, buf, sizeof(buf), &info, eor);
    if (n >= 0) {
        *sid = info.sid;
        *ppid = info.ppid;
    }
    return n;
}

static void test_reasm_fsn_order_and_mid_order(void **st)
{
    (void)st;
    rx t;
    rx_init(&t, 1u << 20, 1u << 20);
    /* Stream 1: MID 1 complete (fragments out of order) before MID 0. */
    assert_int_equal(add(&t, 1, 0, 1, 2, 0, 1, 10), 0);
    assert_int_equal(add(&t, 1, 0, 1, 0, 1, 0, 10), 0);
    assert_int_equal(add(&t, 1, 0, 1, 1, 0, 0, 10), 0);
    assert_int_equal(reasm_readable(&t.r), 0);
    /* Stream 2 unordered: delivered at once when complete. */
    assert_int_equal(add(&t, 2, 1, 5, 1, 0, 1, 7), 0);
    assert_int_equal(reasm_readable(&t.r), 0);
    assert_int_equal(add(&t, 2, 1, 5, 0, 1, 0, 7), 0);
    assert_int_equal(reasm_readable(&t.r), 14);
    /* An ordered and an unordered message may share a MID (separate sequences). */
    assert_int_equal(add(&t, 1, 0, 0, 0, 1, 1, 5), 0);
    assert_int_equal(reasm_readable(&t.r), 14 + 5 + 30);
    uint16_t sid;
    uint32_t ppid;
    int eor;
    assert_int_equal(rd(&t, &sid, &ppid, &eor), 14);
    assert_true(sid == 2 && ppid == 0x1005 && eor);
    assert_int_equal(rd(&t, &sid, &ppid, &eor), 5);
    assert_true(sid == 1 && ppid == 0x1000 && eor);
    assert_int_equal(rd(&t, &sid, &ppid, &eor), 30);
    assert_true(sid == 1 && ppid == 0x1001 && eor);
    assert_int_equal(idata_in_progress(&t.x), 0);
    assert_int_equal(reasm_held(&t.r), 0);
    /* MID 0 of stream 1 again: a delivered ordered MID. */
    assert_int_equal(add(&t, 1, 0, 0, 0, 1, 1, 5), MPSCTP_ERR_MALFORMED);
    rx_free(&t);
}

static void test_reasm_partial_pieces(void **st)
{
    (void)st;
    rx t;
    rx_init(&t, 250, 1u << 20);
    /* Two large messages on streams 3 and 4, fragments alternating. */
    for (uint32_t f = 0; f < 6; f++) {
        assert_int_equal(add(&t, 3, 0, 0, f, f == 0, f == 5, 100), 0);
        assert_int_equal(add(&t, 4, 0, 0, f, f == 0, f == 5, 100), 0);
    }
    uint16_t sid;
    uint32_t ppid;
    int eor;
    size_t got[8] = {0};
    int ends = 0, switches = 0, last = -1;
    ssize_t n;
    while ((n = rd(&t, &sid, &ppid, &eor)) > 0) {
        got[sid] += (size_t)n;
        if (last >= 0 && last != sid)
            switches++;
        last = sid;
        ends += eor;
    }
    assert_int_equal(got[3], 600);
    assert_int_equal(got[4], 600);
    assert_int_equal(ends, 2);
    assert_true(switches >= 4);
    assert_int_equal(reasm_held(&t.r), 0);
    rx_free(&t);
}

static void test_reasm_bad(void **st)
{
    (void)st;
    rx t;
    rx_init(&t, 1u << 20, 1u << 20);
    assert_int_equal(add(&t, 0, 0, 0, 0, 0, 0, 10), MPSCTP_ERR_MALFORMED); /* FSN 0, no B */
    assert_int_equal(add(&t, 0, 0, 3, 2, 0, 0, 10), 0);
    assert_int_equal(add(&t, 0, 0, 3, 2, 0, 0, 10), MPSCTP_ERR_MALFORMED); /* FSN twice */
    assert_int_equal(add(&t, 0, 0, 3, 1, 0, 1, 10), MPSCTP_ERR_MALFORMED); /* E below 2 */
    assert_int_equal(add(&t, 0, 0, 3, 4, 0, 1, 10), 0);
    assert_int_equal(add(&t, 0, 0, 3, 5, 0, 0, 10), MPSCTP_ERR_MALFORMED); /* past E */
    assert_int_equal(add(&t, 0, 0, 3, 6, 0, 1, 10), MPSCTP_ERR_MALFORMED); /* second E */
    assert_int_equal(add(&t, 0, 0, 3, 0, 1, 0, 10), 0);
    assert_int_equal(add(&t, 0, 0, 3, 0, 1, 0, 10), MPSCTP_ERR_MALFORMED); /* second B */
    assert_int_equal(add(&t, 9, 0, 0, 0, 1, 1, 10), MPSCTP_ERR_MALFORMED); /* no stream 9 */
    assert_int_equal(reasm_held(&t.r), 3 * (10 + REASM_CHUNK_OVERHEAD) + IDATA_MSG_CHARGE);
    rx_free(&t); /* frees the held message (ASan) */
}

/* ---- the send queue's seam ---------------------------------------------------------- */

static void test_sendq_chunk_seam(void **st)
{
    (void)st;
    sendq q;
    sendq_init(&q, 4, 1u << 20);
    uint8_t big[5000] = {0}, small[10] = {0};
    mpsctp_sndinfo s1 = {.sid = 1}, s2 = {.sid = 2};
    assert_int_equal(sendq_push(&q, big, sizeof(big), &s1), 0);
    assert_int_equal(sendq_push(&q, small, sizeof(small), &s2), 0);
    /* Round robin, asked before each chunk: 1, 2, then 1 again. */
    int sid = sendq_pick(&q, NULL, NULL);
    assert_int_equal(sid, 1);
    sendq_served(&q, 1, 1000);
    assert_int_equal(sendq_pick(&q, NULL, NULL), 2);
    smsg *m = sendq_take_head(&q, 2);
    assert_non_null(m);
    sendq_served(&q, 2, 10);
    assert_int_equal(sendq_pick(&q, NULL, NULL), 1);
    assert_true(sendq_pending(&q));
    assert_null(sendq_take_head(&q, 2));
    assert_null(sendq_take_head(&q, 77));
    smsg *b = sendq_take_head(&q, 1);
    assert_non_null(b);
    assert_false(sendq_pending(&q));
    assert_int_equal(sendq_pick(&q, NULL, NULL), -1);
    sendq_msg_free(&q, m);
    sendq_msg_free(&q, b);
    sendq_free(&q);
}

static void test_next_mid(void **st)
{
    (void)st;
    idata_state x;
    memset(&x, 0, sizeof(x));
    assert_int_equal(idata_setup(&x, 3, 1, 1), 0);
    assert_int_equal(idata_next_mid(&x, 0, 0), 0);
    assert_int_equal(idata_next_mid(&x, 0, 0), 1);
    assert_int_equal(idata_next_mid(&x, 0, 1), 0); /* unordered counts apart */
    assert_int_equal(idata_next_mid(&x, 2, 0), 0);
    assert_int_equal(idata_next_mid(&x, 0, 0), 2);
    reasm r;
    memset(&r, 0, sizeof(r));
    idata_free(&x, &r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_codec_roundtrip),
        cmocka_unit_test(test_codec_short),
        cmocka_unit_test(test_reasm_fsn_order_and_mid_order),
        cmocka_unit_test(test_reasm_partial_pieces),
        cmocka_unit_test(test_reasm_bad),
        cmocka_unit_test(test_sendq_chunk_seam),
        cmocka_unit_test(test_next_mid),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
