/* RE-CONFIG parameter codec (RFC 6525 s4): each parameter round-trips, the byte layout
 * matches the RFC figures, and every wrong length is refused. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "codec.h"
#include "mpsctp/mpsctp.h"

/* Decodes the one parameter at buf[0..len). */
static int dec(const uint8_t *buf, size_t len, sctp_reconf_param *out)
{
    const uint8_t *p = buf;
    sctp_tlv t;
    if (codec_param_decode(&p, buf + len, &t))
        return 99;
    return codec_reconf_param_decode(&t, out);
}

static void test_out_reset(void **state)
{
    (void)state;
    uint8_t b[64];
    wbuf w;
    wbuf_init(&w, b, sizeof(b));
    const uint16_t l[3] = {1, 0x1234, 65535};
    codec_reconf_out_reset(&w, 0x01020304, 0x05060708, 0x090a0b0c, l, 3);
    assert_false(w.err);
    /* s4.1: type 13, length 16 + 2N (22), padded to 24. */
    assert_int_equal(w.len, 24);
    const uint8_t want[24] = {0, 13, 0, 22, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12,
                              0, 1, 0x12, 0x34, 0xff, 0xff, 0, 0};
    assert_memory_equal(b, want, 24);
    sctp_reconf_param p;
    assert_int_equal(dec(b, w.len, &p), 0);
    assert_int_equal(p.type, SCTP_P_RECONF_OUT_RESET);
    assert_int_equal(p.seq, 0x01020304);
    assert_int_equal(p.resp_seq, 0x05060708);
    assert_int_equal(p.last_tsn, 0x090a0b0c);
    assert_int_equal(p.nstreams, 3);
    assert_int_equal(codec_reconf_stream(&p, 0), 1);
    assert_int_equal(codec_reconf_stream(&p, 1), 0x1234);
    assert_int_equal(codec_reconf_stream(&p, 2), 65535);
    /* No list: every stream. */
    wbuf_init(&w, b, sizeof(b));
    codec_reconf_out_reset(&w, 1, 2, 3, NULL, 0);
    assert_int_equal(w.len, 16);
    assert_int_equal(dec(b, w.len, &p), 0);
    assert_int_equal(p.nstreams, 0);
}

static void test_in_reset_and_tsn(void **state)
{
    (void)state;
    uint8_t b[64];
    wbuf w;
    wbuf_init(&w, b, sizeof(b));
    const uint16_t l[2] = {7, 9};
    codec_reconf_in_reset(&w, 42, l, 2);
    assert_int_equal(w.len, 12);
    assert_int_equal(get16(b), 14);
    assert_int_equal(get16(b + 2), 12);
    sctp_reconf_param p;
    assert_int_equal(dec(b, w.len, &p), 0);
    assert_int_equal(p.seq, 42);
    assert_int_equal(p.nstreams, 2);
    assert_int_equal(codec_reconf_stream(&p, 1), 9);
    wbuf_init(&w, b, sizeof(b));
    codec_reconf_tsn_reset(&w, 77);
    assert_int_equal(w.len, 8);
    assert_int_equal(get16(b), 15);
    assert_int_equal(dec(b, w.len, &p), 0);
    assert_int_equal(p.type, SCTP_P_RECONF_TSN_RESET);
    assert_int_equal(p.seq, 77);
}

static void test_response_and_add(void **state)
{
    (void)state;
    uint8_t b[64];
    wbuf w;
    wbuf_init(&w, b, sizeof(b));
    codec_reconf_response(&w, 5, SCTP_RECONF_IN_PROGRESS, 0, 0, 0);
    assert_int_equal(w.len, 12);
    sctp_reconf_param p;
    assert_int_equal(dec(b, w.len, &p), 0);
    assert_int_equal(p.type, SCTP_P_RECONF_RESPONSE);
    assert_int_equal(p.seq, 5);
    assert_int_equal(p.result, SCTP_RECONF_IN_PROGRESS);
    assert_false(p.has_tsns);
    wbuf_init(&w, b, sizeof(b));
    codec_reconf_response(&w, 6, SCTP_RECONF_PERFORMED, 1, 1000, 2000);
    assert_int_equal(w.len, 20);
    assert_int_equal(dec(b, w.len, &p), 0);
    assert_true(p.has_tsns);
    assert_int_equal(p.snd_next_tsn, 1000);
    assert_int_equal(p.rcv_next_tsn, 2000);
    for (uint16_t type = SCTP_P_RECONF_ADD_OUT; type <= SCTP_P_RECONF_ADD_IN; type++) {
        wbuf_init(&w, b, sizeof(b));
        codec_reconf_add(&w, type, 9, 300);
        assert_int_equal(w.len, 12);
        const uint8_t want[12] = {0, (uint8_t)type, 0, 12, 0, 0, 0, 9, 1, 44, 0, 0};
        assert_memory_equal(b, want, 12);
        assert_int_equal(dec(b, w.len, &p), 0);
        assert_int_equal(p.type, type);
        assert_int_equal(p.add, 300);
    }
}

/* Builds a parameter of type with a value of n zero bytes and decodes it. */
static int dec_len(uint16_t type, size_t n)
{
    uint8_t b[128];
    memset(b, 0, sizeof(b));
    put16(b, type);
    put16(b + 2, (uint16_t)(4 + n));
    sctp_reconf_param p;
    return dec(b, pad4(4 + n), &p);
}

static void test_bad_lengths(void **state)
{
    (void)state;
    for (size_t n = 0; n < 40; n++) {
        int out_ok = n >= 12 && (n - 12) % 2 == 0;
        int in_ok = n >= 4 && (n - 4) % 2 == 0;
        assert_int_equal(dec_len(SCTP_P_RECONF_OUT_RESET, n) == 0, out_ok);
        assert_int_equal(dec_len(SCTP_P_RECONF_IN_RESET, n) == 0, in_ok);
        assert_int_equal(dec_len(SCTP_P_RECONF_TSN_RESET, n) == 0, n == 4);
        assert_int_equal(dec_len(SCTP_P_RECONF_RESPONSE, n) == 0, n == 8 || n == 16);
        assert_int_equal(dec_len(SCTP_P_RECONF_ADD_OUT, n) == 0, n == 8);
        assert_int_equal(dec_len(SCTP_P_RECONF_ADD_IN, n) == 0, n == 8);
        if (!out_ok)
            assert_int_equal(dec_len(SCTP_P_RECONF_OUT_RESET, n), MPSCTP_ERR_MALFORMED);
    }
    assert_int_equal(dec_len(12, 8), MPSCTP_ERR_NOENT);
    assert_int_equal(dec_len(19, 8), MPSCTP_ERR_NOENT);
    assert_int_equal(dec_len(0x8099, 8), MPSCTP_ERR_NOENT);
}

static void test_overflow(void **state)
{
    (void)state;
    uint8_t b[20];
    wbuf w;
    wbuf_init(&w, b, sizeof(b));
    const uint16_t l[4] = {1, 2, 3, 4};
    codec_reconf_out_reset(&w, 1, 2, 3, l, 4); /* 24 bytes */
    assert_true(w.err);
    assert_string_equal(codec_chunk_name(SCTP_RECONFIG), "RE_CONFIG");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_out_reset),        cmocka_unit_test(test_in_reset_and_tsn),
        cmocka_unit_test(test_response_and_add), cmocka_unit_test(test_bad_lengths),
        cmocka_unit_test(test_overflow),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
