/* Unit tests for lib/core/codec: round trips of every chunk the encoders produce,
 * decoding of hand-built packets, every malformed case the decoders must refuse, padding
 * rules (RFC 9260 s3.2), writer overflow and the unrecognised-type actions (s3.2, s3.2.1). */
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
#include "wire.h"

#define CANARY 0xA5u
#define CANARY_LEN 16

/* Buffer with a canary zone after cap bytes, to catch writes past the writer's end. */
typedef struct guarded {
    uint8_t mem[2048 + CANARY_LEN];
    size_t cap;
} guarded;

static void guarded_init(guarded *g, wbuf *w, size_t cap)
{
    assert_true(cap <= 2048);
    memset(g->mem, CANARY, sizeof(g->mem));
    g->cap = cap;
    wbuf_init(w, g->mem, cap);
}

static void guarded_check(const guarded *g)
{
    for (size_t i = 0; i < CANARY_LEN; i++)
        assert_int_equal(g->mem[g->cap + i], CANARY);
}

/* Decodes exactly one chunk that must fill buf[0..len). */
static void decode_one(const uint8_t *buf, size_t len, sctp_tlv *c)
{
    const uint8_t *p = buf;
    assert_int_equal(codec_chunk_decode(&p, buf + len, c), 0);
    assert_ptr_equal(p, buf + len);
}

/* ---- round trips ------------------------------------------------------------------- */

static void test_data_roundtrip_all_flags(void **state)
{
    (void)state;
    static const size_t lens[] = {0, 1, 2, 3, 4, 5, 17, 1000};
    uint8_t payload[1000];
    for (size_t i = 0; i < sizeof(payload); i++)
        payload[i] = (uint8_t)(i * 7 + 3);
    const uint8_t ppid_wire[4] = {0x01, 0x02, 0x03, 0x04};
    uint32_t ppid;
    memcpy(&ppid, ppid_wire, 4);

    for (unsigned flags = 0; flags < 16; flags++) {
        for (size_t li = 0; li < sizeof(lens) / sizeof(lens[0]); li++) {
            size_t len = lens[li];
            guarded g;
            wbuf w;
            guarded_init(&g, &w, 2048);
            uint32_t tsn = 0xDEADBEEFu + (uint32_t)flags;
            codec_data_encode(&w, (uint8_t)flags, tsn, (uint16_t)(0x1234 + li),
                              (uint16_t)(0xFFF0 + flags), ppid, payload, len);
            assert_int_equal(w.err, 0);
            assert_int_equal(w.len, pad4(16 + len));
            guarded_check(&g);
            /* Wire image: header, TSN, SID, SSN, PPID as given, payload, zero padding. */
            assert_int_equal(g.mem[0], SCTP_DATA);
            assert_int_equal(g.mem[1], flags);
            assert_int_equal(get16(g.mem + 2), 16 + len);
            assert_int_equal(get32(g.mem + 4), tsn);
            assert_int_equal(get16(g.mem + 8), 0x1234 + li);
            assert_int_equal(get16(g.mem + 10), 0xFFF0 + flags);
            assert_memory_equal(g.mem + 12, ppid_wire, 4);
            if (len) assert_memory_equal(g.mem + 16, payload, len);
            for (size_t k = 16 + len; k < w.len; k++)
                assert_int_equal(g.mem[k], 0);

            sctp_tlv c;
            decode_one(g.mem, w.len, &c);
            assert_int_equal(c.type, SCTP_DATA);
            assert_int_equal(c.flags, flags);
            assert_int_equal(c.len, 16 + len);
            assert_int_equal(c.vlen, 12 + len);
            sctp_data d;
            assert_int_equal(codec_data_decode(&c, &d), 0);
            assert_int_equal(d.flags, flags);
            assert_int_equal(d.tsn, tsn);
            assert_int_equal(d.sid, 0x1234 + li);
            assert_int_equal(d.ssn, 0xFFF0 + flags);
            assert_int_equal(d.ppid, ppid);
            assert_int_equal(d.len, len);
            assert_ptr_equal(d.payload, g.mem + 16);
            if (len) assert_memory_equal(d.payload, payload, len);
        }
    }
}

/* Iterates the parameters of an INIT and checks them against the expected list. */
typedef struct exp_param {
    uint16_t type;
    const uint8_t *v;
    size_t n;
} exp_param;

static void check_params(const uint8_t *p, size_t plen, const exp_param *e, size_t ne)
{
    const uint8_t *end = p + plen;
    size_t i = 0;
    while (p < end) {
        sctp_tlv t;
        assert_int_equal(codec_param_decode(&p, end, &t), 0);
        assert_true(i < ne);
        assert_int_equal(t.type, e[i].type);
        assert_int_equal(t.flags, 0);
        assert_int_equal(t.len, 4 + e[i].n);
        assert_int_equal(t.vlen, e[i].n);
        if (e[i].n) assert_memory_equal(t.value, e[i].v, e[i].n);
        i++;
    }
    assert_ptr_equal(p, end);
    assert_int_equal(i, ne);
}

static void test_init_roundtrip_with_params(void **state)
{
    (void)state;
    const uint8_t v4[4] = {192, 0, 2, 1};
    uint8_t v6[16];
    for (int i = 0; i < 16; i++)
        v6[i] = (uint8_t)(0x20 + i);
    const uint8_t exts[3] = {SCTP_NR_SACK, 0xC0, 0xC1}; /* odd length: padded */
    uint8_t cookie[37];
    for (int i = 0; i < 37; i++)
        cookie[i] = (uint8_t)(0xF0 - i);
    const uint8_t addr_types[2] = {0, SCTP_P_IPV4};
    const exp_param init_params[] = {
        {SCTP_P_IPV4, v4, 4},
        {SCTP_P_IPV6, v6, 16},
        {SCTP_P_SUPPORTED_EXTENSIONS, exts, 3},
        {SCTP_P_SUPPORTED_ADDR_TYPES, addr_types, 2},
        {SCTP_P_ECN_CAPABLE, NULL, 0},
        {SCTP_P_FORWARD_TSN_SUPPORTED, NULL, 0},
    };
    const exp_param ack_params[] = {
        {SCTP_P_STATE_COOKIE, cookie, 37},
        {SCTP_P_IPV4, v4, 4},
    };

    for (int k = 0; k < 2; k++) {
        uint8_t type = k ? SCTP_INIT_ACK : SCTP_INIT;
        const exp_param *ep = k ? ack_params : init_params;
        size_t ne = k ? 2 : 6;
        guarded g;
        wbuf w;
        guarded_init(&g, &w, 512);
        size_t off =
            codec_init_begin(&w, type, 0x01020304u, 0x00100000u, 10, 65535, 0xFFFFFFFFu);
        assert_int_equal(off, 0);
        size_t expect_len = 20;
        for (size_t i = 0; i < ne; i++) {
            codec_param_put(&w, ep[i].type, ep[i].v, ep[i].n);
            expect_len += pad4(4 + ep[i].n);
        }
        codec_chunk_end(&w, off);
        assert_int_equal(w.err, 0);
        guarded_check(&g);
        /* Every parameter is padded, so the chunk length has no trailing padding. */
        assert_int_equal(w.len, expect_len);
        assert_int_equal(get16(g.mem + 2), expect_len);

        sctp_tlv c;
        decode_one(g.mem, w.len, &c);
        assert_int_equal(c.type, type);
        assert_int_equal(c.flags, 0);
        sctp_init in;
        assert_int_equal(codec_init_decode(&c, &in), 0);
        assert_int_equal(in.init_tag, 0x01020304u);
        assert_int_equal(in.a_rwnd, 0x00100000u);
        assert_int_equal(in.os, 10);
        assert_int_equal(in.mis, 65535);
        assert_int_equal(in.init_tsn, 0xFFFFFFFFu);
        assert_int_equal(in.plen, expect_len - 20);
        assert_ptr_equal(in.params, g.mem + 20);
        check_params(in.params, in.plen, ep, ne);
    }
}

/* Builds a SACK (nr=0) or NR-SACK (nr=1) with the writer primitives. */
static void put_sack(wbuf *w, int nr, uint32_t cum, uint32_t rwnd, const uint16_t (*gaps)[2],
                     uint16_t ngaps, const uint16_t (*nrgaps)[2], uint16_t nnr,
                     const uint32_t *dups, uint16_t ndups)
{
    size_t off = codec_chunk_begin(w, nr ? SCTP_NR_SACK : SCTP_SACK, 0);
    wbuf_put32(w, cum);
    wbuf_put32(w, rwnd);
    wbuf_put16(w, ngaps);
    if (nr) {
        wbuf_put16(w, nnr);
        wbuf_put16(w, ndups);
        wbuf_put16(w, 0); /* reserved */
    } else {
        wbuf_put16(w, ndups);
    }
    for (uint16_t i = 0; i < ngaps; i++) {
        wbuf_put16(w, gaps[i][0]);
        wbuf_put16(w, gaps[i][1]);
    }
    for (uint16_t i = 0; i < nnr; i++) {
        wbuf_put16(w, nrgaps[i][0]);
        wbuf_put16(w, nrgaps[i][1]);
    }
    for (uint16_t i = 0; i < ndups; i++)
        wbuf_put32(w, dups[i]);
    codec_chunk_end(w, off);
}

static void test_sack_roundtrip(void **state)
{
    (void)state;
    const uint16_t gaps[3][2] = {{2, 3}, {5, 5}, {7, 0xFFFF}};
    const uint32_t dups[2] = {0x11111111u, 0xFFFFFFFFu};
    guarded g;
    wbuf w;
    guarded_init(&g, &w, 256);
    put_sack(&w, 0, 0xFFFFFFF0u, 65536, gaps, 3, NULL, 0, dups, 2);
    assert_int_equal(w.err, 0);
    assert_int_equal(w.len, 16 + 12 + 8);
    guarded_check(&g);
    sctp_tlv c;
    decode_one(g.mem, w.len, &c);
    assert_int_equal(c.type, SCTP_SACK);
    sctp_sack s;
    assert_int_equal(codec_sack_decode(&c, 0, &s), 0);
    assert_int_equal(s.cum_tsn, 0xFFFFFFF0u);
    assert_int_equal(s.a_rwnd, 65536);
    assert_int_equal(s.ngaps, 3);
    assert_int_equal(s.nnr, 0);
    assert_int_equal(s.ndups, 2);
    for (unsigned i = 0; i < 3; i++) {
        uint16_t a, b;
        codec_sack_gap(&s, 0, i, &a, &b);
        assert_int_equal(a, gaps[i][0]);
        assert_int_equal(b, gaps[i][1]);
    }
    assert_int_equal(get32(s.dups), dups[0]);
    assert_int_equal(get32(s.dups + 4), dups[1]);

    /* SACK with nothing but the fixed part. */
    guarded_init(&g, &w, 256);
    put_sack(&w, 0, 7, 0, NULL, 0, NULL, 0, NULL, 0);
    decode_one(g.mem, w.len, &c);
    assert_int_equal(codec_sack_decode(&c, 0, &s), 0);
    assert_int_equal(s.cum_tsn, 7);
    assert_int_equal(s.a_rwnd, 0);
    assert_int_equal(s.ngaps + s.ndups, 0);
}

static void test_nr_sack_roundtrip(void **state)
{
    (void)state;
    const uint16_t gaps[2][2] = {{2, 4}, {9, 10}};
    const uint16_t nrgaps[3][2] = {{2, 2}, {4, 4}, {10, 10}};
    const uint32_t dups[3] = {1, 2, 3};
    guarded g;
    wbuf w;
    guarded_init(&g, &w, 256);
    put_sack(&w, 1, 1000, 4096, gaps, 2, nrgaps, 3, dups, 3);
    assert_int_equal(w.err, 0);
    assert_int_equal(w.len, 20 + 8 + 12 + 12);
    guarded_check(&g);
    sctp_tlv c;
    decode_one(g.mem, w.len, &c);
    assert_int_equal(c.type, SCTP_NR_SACK);
    sctp_sack s;
    assert_int_equal(codec_sack_decode(&c, 1, &s), 0);
    assert_int_equal(s.cum_tsn, 1000);
    assert_int_equal(s.a_rwnd, 4096);
    assert_int_equal(s.ngaps, 2);
    assert_int_equal(s.nnr, 3);
    assert_int_equal(s.ndups, 3);
    uint16_t a, b;
    for (unsigned i = 0; i < 2; i++) {
        codec_sack_gap(&s, 0, i, &a, &b);
        assert_int_equal(a, gaps[i][0]);
        assert_int_equal(b, gaps[i][1]);
    }
    for (unsigned i = 0; i < 3; i++) {
        codec_sack_gap(&s, 1, i, &a, &b);
        assert_int_equal(a, nrgaps[i][0]);
        assert_int_equal(b, nrgaps[i][1]);
    }
    for (unsigned i = 0; i < 3; i++)
        assert_int_equal(get32(s.dups + 4 * i), dups[i]);
}

static void test_u32_chunks_roundtrip(void **state)
{
    (void)state;
    const uint8_t types[3] = {SCTP_SHUTDOWN, SCTP_ECNE, SCTP_CWR};
    const uint32_t vals[3] = {0, 0x80000000u, 0xFFFFFFFFu};
    for (int t = 0; t < 3; t++) {
        for (int v = 0; v < 3; v++) {
            guarded g;
            wbuf w;
            guarded_init(&g, &w, 64);
            codec_u32_chunk(&w, types[t], (uint8_t)(v * 0x55), vals[v]);
            assert_int_equal(w.err, 0);
            assert_int_equal(w.len, 8);
            guarded_check(&g);
            const uint8_t expect[8] = {types[t],
                                       (uint8_t)(v * 0x55),
                                       0,
                                       8,
                                       (uint8_t)(vals[v] >> 24),
                                       (uint8_t)(vals[v] >> 16),
                                       (uint8_t)(vals[v] >> 8),
                                       (uint8_t)vals[v]};
            assert_memory_equal(g.mem, expect, 8);
            sctp_tlv c;
            decode_one(g.mem, 8, &c);
            assert_int_equal(c.type, types[t]);
            assert_int_equal(c.flags, v * 0x55);
            uint32_t out = 0x12345678u;
            assert_int_equal(codec_u32_decode(&c, &out), 0);
            assert_int_equal(out, vals[v]);
        }
    }
}

static void test_empty_chunks_roundtrip(void **state)
{
    (void)state;
    const uint8_t types[3] = {SCTP_COOKIE_ACK, SCTP_SHUTDOWN_ACK, SCTP_SHUTDOWN_COMPLETE};
    const uint8_t flags[3] = {0, 0, SCTP_FLAG_T};
    guarded g;
    wbuf w;
    guarded_init(&g, &w, 64);
    for (int t = 0; t < 3; t++)
        codec_empty_chunk(&w, types[t], flags[t]);
    assert_int_equal(w.err, 0);
    assert_int_equal(w.len, 12);
    guarded_check(&g);
    const uint8_t expect[12] = {SCTP_COOKIE_ACK,        0,           0, 4,
                                SCTP_SHUTDOWN_ACK,      0,           0, 4,
                                SCTP_SHUTDOWN_COMPLETE, SCTP_FLAG_T, 0, 4};
    assert_memory_equal(g.mem, expect, 12);
    const uint8_t *p = g.mem, *end = g.mem + w.len;
    for (int t = 0; t < 3; t++) {
        sctp_tlv c;
        assert_int_equal(codec_chunk_decode(&p, end, &c), 0);
        assert_int_equal(c.type, types[t]);
        assert_int_equal(c.flags, flags[t]);
        assert_int_equal(c.len, 4);
        assert_int_equal(c.vlen, 0);
        uint32_t v;
        assert_int_equal(codec_u32_decode(&c, &v), MPSCTP_ERR_MALFORMED);
    }
    assert_ptr_equal(p, end);
}

/* ERROR chunk with error causes written by codec_param_put and by begin/end nesting. */
static void test_error_causes_roundtrip(void **state)
{
    (void)state;
    guarded g;
    wbuf w;
    guarded_init(&g, &w, 256);
    size_t off = codec_chunk_begin(&w, SCTP_ERROR, 0);
    const uint8_t sid[4] = {0x00, 0x07, 0x00, 0x00};
    codec_param_put(&w, SCTP_CAUSE_INVALID_STREAM, sid, 4);
    /* Unrecognized Chunk Type cause carrying a 5-byte chunk: cause padded to 12. */
    const uint8_t bad_chunk[5] = {0xC5, 0x00, 0x00, 0x05, 0x99};
    size_t coff = codec_param_begin(&w, SCTP_CAUSE_UNRECOGNIZED_CHUNK);
    wbuf_put(&w, bad_chunk, 5);
    codec_param_end(&w, coff);
    codec_param_put(&w, SCTP_CAUSE_NO_USER_DATA, "\x00\x00\x00\x2a", 4);
    codec_param_put(&w, SCTP_CAUSE_USER_ABORT, NULL, 0);
    codec_chunk_end(&w, off);
    assert_int_equal(w.err, 0);
    assert_int_equal(w.len, 4 + 8 + 12 + 8 + 4);
    guarded_check(&g);
    /* The padding byte count of the odd cause is zero-filled and not in its length. */
    assert_int_equal(get16(g.mem + 12 + 2), 9);
    assert_int_equal(g.mem[12 + 9], 0);
    assert_int_equal(g.mem[12 + 10], 0);
    assert_int_equal(g.mem[12 + 11], 0);

    sctp_tlv c;
    decode_one(g.mem, w.len, &c);
    assert_int_equal(c.type, SCTP_ERROR);
    const exp_param causes[] = {
        {SCTP_CAUSE_INVALID_STREAM, sid, 4},
        {SCTP_CAUSE_UNRECOGNIZED_CHUNK, bad_chunk, 5},
        {SCTP_CAUSE_NO_USER_DATA, (const uint8_t *)"\x00\x00\x00\x2a", 4},
        {SCTP_CAUSE_USER_ABORT, NULL, 0},
    };
    check_params(c.value, c.vlen, causes, 4);
}

static void test_common_header(void **state)
{
    (void)state;
    guarded g;
    wbuf w;
    guarded_init(&g, &w, 64);
    codec_common_encode(&w, 5000, 0xFFFF, 0xCAFEBABEu);
    codec_empty_chunk(&w, SCTP_COOKIE_ACK, 0);
    assert_int_equal(w.err, 0);
    assert_int_equal(w.len, 16);
    const uint8_t expect[12] = {0x13, 0x88, 0xFF, 0xFF, 0xCA, 0xFE, 0xBA, 0xBE, 0, 0, 0, 0};
    assert_memory_equal(g.mem, expect, 12);
    const uint8_t *p = g.mem;
    sctp_common h;
    assert_int_equal(codec_common_decode(&p, g.mem + w.len, &h), 0);
    assert_ptr_equal(p, g.mem + 12);
    assert_int_equal(h.sport, 5000);
    assert_int_equal(h.dport, 0xFFFF);
    assert_int_equal(h.vtag, 0xCAFEBABEu);
    assert_int_equal(h.checksum, 0);

    /* The checksum is taken as raw bytes. */
    const uint8_t raw[12] = {0, 1, 0, 2, 0, 0, 0, 3, 0x11, 0x22, 0x33, 0x44};
    uint32_t ck;
    memcpy(&ck, raw + 8, 4);
    p = raw;
    assert_int_equal(codec_common_decode(&p, raw + 12, &h), 0);
    assert_int_equal(h.checksum, ck);
    assert_int_equal(h.sport, 1);
    assert_int_equal(h.dport, 2);
    assert_int_equal(h.vtag, 3);

    /* Shorter than 12 bytes: refused, *p untouched. */
    for (size_t n = 0; n < 12; n++) {
        p = raw;
        assert_int_equal(codec_common_decode(&p, raw + n, &h), MPSCTP_ERR_MALFORMED);
        assert_ptr_equal(p, raw);
    }
}

/* ---- hand-built input ---------------------------------------------------------------- */

static void test_decode_handbuilt_packet(void **state)
{
    (void)state;
    /* Common header, DATA (3 payload bytes + 1 pad), SACK with one gap and one dup,
     * HEARTBEAT with a 5-byte info parameter, then an unknown chunk without padding. */
    const uint8_t pkt[] = {
        0x00,
        0x07,
        0x00,
        0x09,
        0x00,
        0x00,
        0x00,
        0x2a,
        0xaa,
        0xbb,
        0xcc,
        0xdd,
        /* DATA B|E|U */
        0x00,
        0x07,
        0x00,
        0x13,
        0x00,
        0x00,
        0x01,
        0x00,
        0x00,
        0x02,
        0x00,
        0x03,
        0x00,
        0x00,
        0x00,
        0x33,
        'a',
        'b',
        'c',
        0x00,
        /* SACK */
        0x03,
        0x00,
        0x00,
        0x18,
        0x00,
        0x00,
        0x00,
        0xff,
        0x00,
        0x01,
        0x00,
        0x00,
        0x00,
        0x01,
        0x00,
        0x01,
        0x00,
        0x03,
        0x00,
        0x05,
        0x00,
        0x00,
        0x00,
        0xfe,
        /* HEARTBEAT with heartbeat info (len 9 + 3 pad), chunk len 13 + 3 pad */
        0x04,
        0x00,
        0x00,
        0x0d,
        0x00,
        0x01,
        0x00,
        0x09,
        1,
        2,
        3,
        4,
        5,
        0,
        0,
        0,
        /* unknown type 0xbf, 2 value bytes, padding missing at the end */
        0xbf,
        0x5a,
        0x00,
        0x06,
        0xee,
        0xff,
    };
    const uint8_t *p = pkt, *end = pkt + sizeof(pkt);
    sctp_common h;
    assert_int_equal(codec_common_decode(&p, end, &h), 0);
    assert_int_equal(h.sport, 7);
    assert_int_equal(h.dport, 9);
    assert_int_equal(h.vtag, 42);

    sctp_tlv c;
    assert_int_equal(codec_chunk_decode(&p, end, &c), 0);
    assert_int_equal(c.type, SCTP_DATA);
    assert_int_equal(c.flags, SCTP_DATA_B | SCTP_DATA_E | SCTP_DATA_U);
    assert_int_equal(c.len, 19);
    assert_ptr_equal(p, pkt + 12 + 20);
    sctp_data d;
    assert_int_equal(codec_data_decode(&c, &d), 0);
    assert_int_equal(d.tsn, 0x100);
    assert_int_equal(d.sid, 2);
    assert_int_equal(d.ssn, 3);
    assert_int_equal(get32((const uint8_t *)&d.ppid), 0x33);
    assert_int_equal(d.len, 3);
    assert_memory_equal(d.payload, "abc", 3);

    assert_int_equal(codec_chunk_decode(&p, end, &c), 0);
    assert_int_equal(c.type, SCTP_SACK);
    sctp_sack s;
    assert_int_equal(codec_sack_decode(&c, 0, &s), 0);
    assert_int_equal(s.cum_tsn, 0xff);
    assert_int_equal(s.a_rwnd, 0x10000);
    assert_int_equal(s.ngaps, 1);
    assert_int_equal(s.ndups, 1);
    uint16_t a, b;
    codec_sack_gap(&s, 0, 0, &a, &b);
    assert_int_equal(a, 3);
    assert_int_equal(b, 5);
    assert_int_equal(get32(s.dups), 0xfe);

    assert_int_equal(codec_chunk_decode(&p, end, &c), 0);
    assert_int_equal(c.type, SCTP_HEARTBEAT);
    assert_int_equal(c.len, 13);
    assert_int_equal(c.vlen, 9);
    const uint8_t *q = c.value;
    sctp_tlv prm;
    assert_int_equal(codec_param_decode(&q, c.value + c.vlen, &prm), 0);
    assert_int_equal(prm.type, SCTP_P_HEARTBEAT_INFO);
    assert_int_equal(prm.vlen, 5);
    assert_memory_equal(prm.value, "\x01\x02\x03\x04\x05", 5);
    assert_ptr_equal(q, c.value + c.vlen); /* padding beyond the chunk value tolerated */

    assert_int_equal(codec_chunk_decode(&p, end, &c), 0);
    assert_int_equal(c.type, 0xbf);
    assert_int_equal(c.flags, 0x5a);
    assert_int_equal(c.vlen, 2);
    assert_ptr_equal(p, end);
    assert_string_equal(codec_chunk_name((uint8_t)c.type), "UNKNOWN");
    assert_int_equal(codec_unknown_chunk_action((uint8_t)c.type), CODEC_UNK_SKIP);
}

/* ---- malformed input ------------------------------------------------------------------ */

static void test_chunk_length_below_4(void **state)
{
    (void)state;
    for (uint16_t len = 0; len < 4; len++) {
        uint8_t b[16] = {SCTP_DATA, 0, (uint8_t)(len >> 8), (uint8_t)len};
        const uint8_t *p = b;
        sctp_tlv c;
        assert_int_equal(codec_chunk_decode(&p, b + sizeof(b), &c), MPSCTP_ERR_MALFORMED);
        assert_ptr_equal(p, b);
        p = b;
        assert_int_equal(codec_param_decode(&p, b + sizeof(b), &c), MPSCTP_ERR_MALFORMED);
        assert_ptr_equal(p, b);
    }
}

static void test_chunk_length_past_end(void **state)
{
    (void)state;
    uint8_t b[64];
    memset(b, 0, sizeof(b));
    for (size_t avail = 4; avail < 40; avail++) {
        for (size_t len = avail + 1; len < avail + 9; len++) {
            b[0] = SCTP_HEARTBEAT;
            put16(b + 2, (uint16_t)len);
            const uint8_t *p = b;
            sctp_tlv c;
            assert_int_equal(codec_chunk_decode(&p, b + avail, &c), MPSCTP_ERR_MALFORMED);
            assert_ptr_equal(p, b);
            p = b;
            assert_int_equal(codec_param_decode(&p, b + avail, &c), MPSCTP_ERR_MALFORMED);
            assert_ptr_equal(p, b);
        }
        /* Exactly fitting is fine. */
        put16(b + 2, (uint16_t)avail);
        const uint8_t *p = b;
        sctp_tlv c;
        assert_int_equal(codec_chunk_decode(&p, b + avail, &c), 0);
        assert_ptr_equal(p, b + avail);
    }
    /* Maximum length field against a short buffer. */
    put16(b + 2, 0xFFFF);
    const uint8_t *p = b;
    sctp_tlv c;
    assert_int_equal(codec_chunk_decode(&p, b + sizeof(b), &c), MPSCTP_ERR_MALFORMED);
}

static void test_truncated_headers(void **state)
{
    (void)state;
    const uint8_t b[4] = {SCTP_COOKIE_ACK, 0, 0, 4};
    for (size_t n = 0; n < 4; n++) {
        const uint8_t *p = b;
        sctp_tlv c;
        assert_int_equal(codec_chunk_decode(&p, b + n, &c), MPSCTP_ERR_MALFORMED);
        assert_ptr_equal(p, b);
        p = b;
        assert_int_equal(codec_param_decode(&p, b + n, &c), MPSCTP_ERR_MALFORMED);
        assert_ptr_equal(p, b);
    }
}

static void test_data_value_too_short(void **state)
{
    (void)state;
    uint8_t b[32];
    memset(b, 0x11, sizeof(b));
    for (uint16_t len = 4; len <= 16; len++) {
        b[0] = SCTP_DATA;
        b[1] = SCTP_DATA_B | SCTP_DATA_E;
        put16(b + 2, len);
        const uint8_t *p = b;
        sctp_tlv c;
        assert_int_equal(codec_chunk_decode(&p, b + len, &c), 0);
        sctp_data d;
        int r = codec_data_decode(&c, &d);
        if (len < 16) {
            assert_int_equal(r, MPSCTP_ERR_MALFORMED);
        } else {
            assert_int_equal(r, 0);
            assert_int_equal(d.len, 0); /* no user data: decodes, the caller reports it */
        }
    }
}

static void test_init_value_too_short(void **state)
{
    (void)state;
    uint8_t b[32];
    memset(b, 0x22, sizeof(b));
    for (uint16_t len = 4; len <= 20; len++) {
        b[0] = SCTP_INIT;
        b[1] = 0;
        put16(b + 2, len);
        const uint8_t *p = b;
        sctp_tlv c;
        assert_int_equal(codec_chunk_decode(&p, b + len, &c), 0);
        sctp_init in;
        int r = codec_init_decode(&c, &in);
        if (len < 20) {
            assert_int_equal(r, MPSCTP_ERR_MALFORMED);
        } else {
            assert_int_equal(r, 0);
            assert_int_equal(in.plen, 0);
        }
    }
}

/* Builds a SACK chunk from raw counts and a body of n bytes after the fixed part and
 * returns the decode result. */
static int sack_raw(int nr, uint16_t ngaps, uint16_t nnr, uint16_t ndups,
                    const uint16_t *blocks, size_t nblocks, size_t extra_bytes)
{
    uint8_t b[256];
    memset(b, 0, sizeof(b));
    wbuf w;
    wbuf_init(&w, b, sizeof(b));
    size_t off = codec_chunk_begin(&w, nr ? SCTP_NR_SACK : SCTP_SACK, 0);
    wbuf_put32(&w, 100);
    wbuf_put32(&w, 1000);
    wbuf_put16(&w, ngaps);
    if (nr) {
        wbuf_put16(&w, nnr);
        wbuf_put16(&w, ndups);
        wbuf_put16(&w, 0);
    } else {
        wbuf_put16(&w, ndups);
    }
    for (size_t i = 0; i < nblocks; i++)
        wbuf_put16(&w, blocks[i]);
    wbuf_put(&w, NULL, extra_bytes);
    codec_chunk_end(&w, off);
    assert_int_equal(w.err, 0);
    const uint8_t *p = b;
    sctp_tlv c;
    assert_int_equal(codec_chunk_decode(&p, b + w.len, &c), 0);
    sctp_sack s;
    return codec_sack_decode(&c, nr, &s);
}

static void test_sack_malformed(void **state)
{
    (void)state;
    const uint16_t ok2[4] = {1, 1, 3, 4};
    /* Baselines that must pass. */
    assert_int_equal(sack_raw(0, 2, 0, 0, ok2, 4, 0), 0);
    assert_int_equal(sack_raw(0, 0, 0, 1, NULL, 0, 4), 0);
    assert_int_equal(sack_raw(1, 1, 1, 0, ok2, 4, 0), 0);
    /* Gap count that does not fit. */
    assert_int_equal(sack_raw(0, 3, 0, 0, ok2, 4, 0), MPSCTP_ERR_MALFORMED);
    assert_int_equal(sack_raw(0, 0xFFFF, 0, 0, ok2, 4, 0), MPSCTP_ERR_MALFORMED);
    /* Dup count that does not fit (one dup needs 4 bytes, 3 given). */
    assert_int_equal(sack_raw(0, 0, 0, 1, NULL, 0, 3), MPSCTP_ERR_MALFORMED);
    assert_int_equal(sack_raw(0, 2, 0, 1, ok2, 4, 0), MPSCTP_ERR_MALFORMED);
    assert_int_equal(sack_raw(0, 0, 0, 0xFFFF, NULL, 0, 8), MPSCTP_ERR_MALFORMED);
    /* NR-SACK: NR gap count and the sum of all counts. */
    assert_int_equal(sack_raw(1, 1, 2, 0, ok2, 4, 0), MPSCTP_ERR_MALFORMED);
    assert_int_equal(sack_raw(1, 2, 1, 0, ok2, 4, 0), MPSCTP_ERR_MALFORMED);
    assert_int_equal(sack_raw(1, 1, 1, 1, ok2, 4, 0), MPSCTP_ERR_MALFORMED);
    assert_int_equal(sack_raw(1, 0xFFFF, 0xFFFF, 0xFFFF, ok2, 4, 0), MPSCTP_ERR_MALFORMED);
    /* Gap block start 0 or start > end, in any position and in the NR list. */
    const uint16_t z0[4] = {0, 1, 3, 4};
    const uint16_t z1[4] = {1, 1, 0, 4};
    const uint16_t r0[4] = {2, 1, 3, 4};
    const uint16_t r1[4] = {1, 1, 5, 4};
    const uint16_t eq[4] = {7, 7, 0xFFFF, 0xFFFF};
    assert_int_equal(sack_raw(0, 2, 0, 0, z0, 4, 0), MPSCTP_ERR_MALFORMED);
    assert_int_equal(sack_raw(0, 2, 0, 0, z1, 4, 0), MPSCTP_ERR_MALFORMED);
    assert_int_equal(sack_raw(0, 2, 0, 0, r0, 4, 0), MPSCTP_ERR_MALFORMED);
    assert_int_equal(sack_raw(0, 2, 0, 0, r1, 4, 0), MPSCTP_ERR_MALFORMED);
    assert_int_equal(sack_raw(0, 2, 0, 0, eq, 4, 0), 0);
    assert_int_equal(sack_raw(1, 1, 1, 0, z1, 4, 0), MPSCTP_ERR_MALFORMED);
    assert_int_equal(sack_raw(1, 1, 1, 0, r1, 4, 0), MPSCTP_ERR_MALFORMED);
    assert_int_equal(sack_raw(1, 0, 2, 0, z1, 4, 0), MPSCTP_ERR_MALFORMED);

    /* Fixed part shorter than 12 (SACK) or 16 (NR-SACK) bytes. */
    for (uint16_t len = 4; len < 20; len++) {
        uint8_t b[32];
        memset(b, 0, sizeof(b));
        b[0] = SCTP_SACK;
        put16(b + 2, len);
        const uint8_t *p = b;
        sctp_tlv c;
        assert_int_equal(codec_chunk_decode(&p, b + len, &c), 0);
        sctp_sack s;
        assert_int_equal(codec_sack_decode(&c, 0, &s), len < 16 ? MPSCTP_ERR_MALFORMED : 0);
        assert_int_equal(codec_sack_decode(&c, 1, &s), len < 20 ? MPSCTP_ERR_MALFORMED : 0);
    }
}

static void test_u32_value_too_short(void **state)
{
    (void)state;
    for (uint16_t len = 4; len <= 8; len++) {
        uint8_t b[8] = {SCTP_SHUTDOWN, 0, 0, (uint8_t)len, 0x12, 0x34, 0x56, 0x78};
        const uint8_t *p = b;
        sctp_tlv c;
        assert_int_equal(codec_chunk_decode(&p, b + len, &c), 0);
        uint32_t v = 0;
        if (len < 8) {
            assert_int_equal(codec_u32_decode(&c, &v), MPSCTP_ERR_MALFORMED);
        } else {
            assert_int_equal(codec_u32_decode(&c, &v), 0);
            assert_int_equal(v, 0x12345678u);
        }
    }
}

static void test_param_bad_lengths(void **state)
{
    (void)state;
    /* Inside an INIT: IPv4 address param, then a param claiming more than is left. */
    const uint8_t params[] = {
        0x00, 0x05, 0x00, 0x08, 10,   0,    0,    1,
        0x80, 0x08, 0x00, 0x10, 0xc0, 0x00, 0x00, 0x00, /* claims 16, 8 left */
    };
    const uint8_t *p = params, *end = params + sizeof(params);
    sctp_tlv t;
    assert_int_equal(codec_param_decode(&p, end, &t), 0);
    assert_int_equal(t.type, SCTP_P_IPV4);
    assert_ptr_equal(p, params + 8);
    const uint8_t *before = p;
    assert_int_equal(codec_param_decode(&p, end, &t), MPSCTP_ERR_MALFORMED);
    assert_ptr_equal(p, before);

    /* 16-bit parameter types are read whole (a chunk type is only one byte). */
    const uint8_t wide[] = {0xC0, 0x00, 0x00, 0x04};
    p = wide;
    assert_int_equal(codec_param_decode(&p, wide + 4, &t), 0);
    assert_int_equal(t.type, SCTP_P_FORWARD_TSN_SUPPORTED);
    assert_int_equal(t.flags, 0);
    p = wide;
    assert_int_equal(codec_chunk_decode(&p, wide + 4, &t), 0);
    assert_int_equal(t.type, 0xC0);
    assert_int_equal(t.flags, 0);

    /* Parameter length 0..3 in the middle of a list. */
    for (uint8_t l = 0; l < 4; l++) {
        const uint8_t bad[8] = {0x00, 0x05, 0x00, l, 1, 2, 3, 4};
        p = bad;
        assert_int_equal(codec_param_decode(&p, bad + 8, &t), MPSCTP_ERR_MALFORMED);
        assert_ptr_equal(p, bad);
    }
}

/* ---- padding ------------------------------------------------------------------------- */

static void test_padding_rules(void **state)
{
    (void)state;
    /* DATA with 1 payload byte: length 17, padded to 20. */
    uint8_t b[64];
    memset(b, 0, sizeof(b));
    b[0] = SCTP_DATA;
    b[1] = 3;
    put16(b + 2, 17);
    b[16] = 'x';
    /* A COOKIE ACK after the padding. */
    b[20] = SCTP_COOKIE_ACK;
    put16(b + 22, 4);

    sctp_tlv c;
    const uint8_t *p;
    /* Last chunk with no padding, with 1 and 2 of 3 padding bytes. */
    for (size_t avail = 17; avail <= 20; avail++) {
        p = b;
        assert_int_equal(codec_chunk_decode(&p, b + avail, &c), 0);
        assert_int_equal(c.len, 17);
        assert_int_equal(c.vlen, 13);
        assert_ptr_equal(p, b + avail);
    }
    /* With more behind it, the next chunk starts after the padding. */
    p = b;
    const uint8_t *end = b + 24;
    assert_int_equal(codec_chunk_decode(&p, end, &c), 0);
    assert_ptr_equal(p, b + 20);
    assert_int_equal(codec_chunk_decode(&p, end, &c), 0);
    assert_int_equal(c.type, SCTP_COOKIE_ACK);
    assert_ptr_equal(p, end);

    /* Encoders pad every chunk and parameter to 4 with zero bytes. */
    for (size_t n = 0; n < 9; n++) {
        uint8_t o[64];
        memset(o, 0xEE, sizeof(o));
        wbuf w;
        wbuf_init(&w, o, sizeof(o));
        codec_param_put(&w, 0x1234, "abcdefgh", n);
        assert_int_equal(w.len, pad4(4 + n));
        assert_int_equal(get16(o + 2), 4 + n);
        for (size_t k = 4 + n; k < w.len; k++)
            assert_int_equal(o[k], 0);
        assert_int_equal(o[w.len], 0xEE);
    }
}

/* ---- writer overflow --------------------------------------------------------------- */

/* Writes a packet that uses every encoder; returns the writer's final length. */
static void write_everything(wbuf *w)
{
    codec_common_encode(w, 1, 2, 3);
    size_t off = codec_init_begin(w, SCTP_INIT, 1, 2, 3, 4, 5);
    codec_param_put(w, SCTP_P_IPV4, "\x0a\x00\x00\x01", 4);
    codec_param_put(w, SCTP_P_SUPPORTED_EXTENSIONS, "\x10", 1);
    codec_chunk_end(w, off);
    codec_data_encode(w, SCTP_DATA_B | SCTP_DATA_E, 9, 1, 2, 0, (const uint8_t *)"hello", 5);
    codec_u32_chunk(w, SCTP_SHUTDOWN, 0, 77);
    codec_empty_chunk(w, SCTP_COOKIE_ACK, 0);
    const uint16_t gaps[1][2] = {{2, 3}};
    const uint32_t dups[1] = {5};
    put_sack(w, 1, 1, 2, gaps, 1, gaps, 1, dups, 1);
}

/* RFC 9260 s3.2: a chunk's length includes the padding of every parameter but the
 * last one; the last parameter's padding is the chunk's own padding. */
static void test_last_param_padding_not_in_chunk_length(void **state)
{
    (void)state;
    uint8_t b[128];
    wbuf w;
    wbuf_init(&w, b, sizeof(b));
    size_t off = codec_init_begin(&w, SCTP_INIT, 1, 2, 3, 4, 5);
    codec_param_put(&w, SCTP_P_HOST_NAME, "abcde", 5);  /* 9 bytes + 3 padding */
    codec_param_put(&w, SCTP_P_HOST_NAME, "xy", 2);     /* 6 bytes + 2 padding, last */
    codec_chunk_end(&w, off);
    assert_false(w.err);
    /* 20 fixed + 12 (first parameter, padded) + 6 (last, unpadded) = 38 */
    assert_int_equal(get16(b + 2), 38);
    assert_int_equal(w.len, 40);
    assert_int_equal(b[38], 0);
    assert_int_equal(b[39], 0);
    /* It decodes back, with both parameters intact. */
    const uint8_t *p = b;
    sctp_tlv c;
    assert_int_equal(codec_chunk_decode(&p, b + w.len, &c), 0);
    assert_ptr_equal(p, b + 40);
    sctp_init in;
    assert_int_equal(codec_init_decode(&c, &in), 0);
    const uint8_t *q = in.params, *qe = in.params + in.plen;
    sctp_tlv t;
    assert_int_equal(codec_param_decode(&q, qe, &t), 0);
    assert_int_equal(t.vlen, 5);
    assert_int_equal(codec_param_decode(&q, qe, &t), 0);
    assert_int_equal(t.vlen, 2);
    assert_memory_equal(t.value, "xy", 2);
    assert_ptr_equal(q, qe);
}

static void test_wbuf_overflow(void **state)
{
    (void)state;
    guarded g;
    wbuf w;
    guarded_init(&g, &w, 2048);
    write_everything(&w);
    assert_int_equal(w.err, 0);
    size_t need = w.len;
    uint8_t ref[2048];
    memcpy(ref, g.mem, need);

    for (size_t cap = 0; cap <= need + 4; cap++) {
        guarded_init(&g, &w, cap);
        write_everything(&w);
        guarded_check(&g);
        assert_true(w.len <= cap);
        if (cap < need) {
            assert_int_equal(w.err, 1);
            assert_int_equal(wbuf_room(&w), 0);
        } else {
            assert_int_equal(w.err, 0);
            assert_int_equal(w.len, need);
            assert_memory_equal(g.mem, ref, need);
            assert_int_equal(wbuf_room(&w), cap - need);
        }
    }

    /* Once set, err stays set and nothing more is written even if it would fit. */
    guarded_init(&g, &w, 8);
    wbuf_put32(&w, 0x01020304u);
    wbuf_put(&w, NULL, 5);
    assert_int_equal(w.err, 1);
    wbuf_put8(&w, 0x77);
    wbuf_put16(&w, 0x7777);
    assert_int_equal(w.err, 1);
    assert_int_equal(w.len, 4);
    assert_int_equal(g.mem[4], CANARY);
    guarded_check(&g);

    /* A payload far larger than the buffer. */
    static uint8_t big[70000];
    guarded_init(&g, &w, 100);
    codec_data_encode(&w, 0, 1, 2, 3, 4, big, sizeof(big));
    assert_int_equal(w.err, 1);
    guarded_check(&g);

    /* A TLV longer than 65535 bytes cannot be expressed: error, not a wrapped length. */
    static uint8_t huge[70016];
    wbuf_init(&w, huge, sizeof(huge));
    codec_data_encode(&w, 0, 1, 2, 3, 4, big, 65535 - 16 + 1);
    assert_int_equal(w.err, 1);
}

/* ---- unrecognised types, names --------------------------------------------------- */

static void test_unknown_actions(void **state)
{
    (void)state;
    /* RFC 9260 s3.2: upper two bits of the chunk type. */
    assert_int_equal(codec_unknown_chunk_action(0x00), CODEC_UNK_STOP);
    assert_int_equal(codec_unknown_chunk_action(0x3F), CODEC_UNK_STOP);
    assert_int_equal(codec_unknown_chunk_action(0x40), CODEC_UNK_STOP_REPORT);
    assert_int_equal(codec_unknown_chunk_action(0x7F), CODEC_UNK_STOP_REPORT);
    assert_int_equal(codec_unknown_chunk_action(0x80), CODEC_UNK_SKIP);
    assert_int_equal(codec_unknown_chunk_action(0xBF), CODEC_UNK_SKIP);
    assert_int_equal(codec_unknown_chunk_action(0xC0), CODEC_UNK_SKIP_REPORT);
    assert_int_equal(codec_unknown_chunk_action(0xFF), CODEC_UNK_SKIP_REPORT);
    /* RFC 9260 s3.2.1: upper two bits of the parameter type. */
    assert_int_equal(codec_unknown_param_action(0x0000), CODEC_UNK_STOP);
    assert_int_equal(codec_unknown_param_action(0x3FFF), CODEC_UNK_STOP);
    assert_int_equal(codec_unknown_param_action(0x4000), CODEC_UNK_STOP_REPORT);
    assert_int_equal(codec_unknown_param_action(0x7FFF), CODEC_UNK_STOP_REPORT);
    assert_int_equal(codec_unknown_param_action(SCTP_P_ECN_CAPABLE), CODEC_UNK_SKIP);
    assert_int_equal(codec_unknown_param_action(0xBFFF), CODEC_UNK_SKIP);
    assert_int_equal(codec_unknown_param_action(SCTP_P_FORWARD_TSN_SUPPORTED),
                     CODEC_UNK_SKIP_REPORT);
    assert_int_equal(codec_unknown_param_action(0xFFFF), CODEC_UNK_SKIP_REPORT);
    /* Every value maps to one of the four actions, in blocks of 64 / 16384. */
    for (unsigned t = 0; t < 256; t++)
        assert_int_equal(codec_unknown_chunk_action((uint8_t)t), (int)(t / 64));
    for (unsigned t = 0; t < 65536; t += 97)
        assert_int_equal(codec_unknown_param_action((uint16_t)t), (int)(t / 16384));
}

static void test_chunk_names(void **state)
{
    (void)state;
    static const struct {
        uint8_t t;
        const char *name;
    } known[] = {
        {SCTP_DATA, "DATA"},
        {SCTP_INIT, "INIT"},
        {SCTP_INIT_ACK, "INIT_ACK"},
        {SCTP_SACK, "SACK"},
        {SCTP_HEARTBEAT, "HEARTBEAT"},
        {SCTP_HEARTBEAT_ACK, "HEARTBEAT_ACK"},
        {SCTP_ABORT, "ABORT"},
        {SCTP_SHUTDOWN, "SHUTDOWN"},
        {SCTP_SHUTDOWN_ACK, "SHUTDOWN_ACK"},
        {SCTP_ERROR, "ERROR"},
        {SCTP_COOKIE_ECHO, "COOKIE_ECHO"},
        {SCTP_COOKIE_ACK, "COOKIE_ACK"},
        {SCTP_ECNE, "ECNE"},
        {SCTP_CWR, "CWR"},
        {SCTP_SHUTDOWN_COMPLETE, "SHUTDOWN_COMPLETE"},
        {SCTP_NR_SACK, "NR_SACK"},
        {SCTP_RECONFIG, "RE_CONFIG"},
        {SCTP_IDATA, "I_DATA"},
        {SCTP_I_FORWARD_TSN, "I_FORWARD_TSN"},
        {SCTP_FORWARD_TSN, "FORWARD_TSN"},
    };
    for (size_t i = 0; i < sizeof(known) / sizeof(known[0]); i++)
        assert_string_equal(codec_chunk_name(known[i].t), known[i].name);
    for (unsigned t = 0; t < 256; t++) {
        const char *n = codec_chunk_name((uint8_t)t);
        assert_non_null(n);
        int is_known = t <= SCTP_SHUTDOWN_COMPLETE || t == SCTP_NR_SACK || t == SCTP_RECONFIG ||
                       t == SCTP_IDATA || t == SCTP_I_FORWARD_TSN ||
                       t == SCTP_FORWARD_TSN;
        if (!is_known)
            assert_string_equal(n, "UNKNOWN");
        else
            assert_string_not_equal(n, "UNKNOWN");
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_data_roundtrip_all_flags),
        cmocka_unit_test(test_init_roundtrip_with_params),
        cmocka_unit_test(test_sack_roundtrip),
        cmocka_unit_test(test_nr_sack_roundtrip),
        cmocka_unit_test(test_u32_chunks_roundtrip),
        cmocka_unit_test(test_empty_chunks_roundtrip),
        cmocka_unit_test(test_error_causes_roundtrip),
        cmocka_unit_test(test_common_header),
        cmocka_unit_test(test_decode_handbuilt_packet),
        cmocka_unit_test(test_chunk_length_below_4),
        cmocka_unit_test(test_chunk_length_past_end),
        cmocka_unit_test(test_truncated_headers),
        cmocka_unit_test(test_data_value_too_short),
        cmocka_unit_test(test_init_value_too_short),
        cmocka_unit_test(test_sack_malformed),
        cmocka_unit_test(test_u32_value_too_short),
        cmocka_unit_test(test_param_bad_lengths),
        cmocka_unit_test(test_padding_rules),
        cmocka_unit_test(test_last_param_padding_not_in_chunk_length),
        cmocka_unit_test(test_wbuf_overflow),
        cmocka_unit_test(test_unknown_actions),
        cmocka_unit_test(test_chunk_names),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
