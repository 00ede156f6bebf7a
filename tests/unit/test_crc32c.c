/* Unit tests for lib/core/crc32c: known vectors, portable vs SSE4.2 kernel agreement,
 * and the SCTP checksum field (RFC 9260 s6.8, Appendix A). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "crc32c.h"

/* Deterministic PRNG (splitmix64) so every run checks the same inputs. */
static uint64_t rng_next(uint64_t *s)
{
    uint64_t z = (*s += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

static void rng_fill(uint64_t *s, uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        p[i] = (uint8_t)rng_next(s);
}

/* Bit-at-a-time reference straight from the definition (reflected 0x82F63B78). */
static uint32_t ref_update(uint32_t crc, const uint8_t *p, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        crc ^= p[i];
        for (int b = 0; b < 8; b++)
            crc = (crc >> 1) ^ ((crc & 1u) ? 0x82F63B78u : 0u);
    }
    return crc;
}

/* The kernels under test: the portable one always, the SSE4.2 one when the CPU has it. */
static size_t kernels(crc32c_fn fns[2])
{
    size_t n = 0;

    fns[n++] = crc32c_update_sw;
    if (crc32c_hw_available()) fns[n++] = crc32c_update_hw;
    return n;
}

static void test_known_vectors(void **state)
{
    (void)state;
    crc32c_fn fns[2];
    size_t nfn = kernels(fns);
    uint8_t zeros[32], ones[32], inc[32], dec[32];

    memset(zeros, 0x00, sizeof(zeros));
    memset(ones, 0xFF, sizeof(ones));
    for (int i = 0; i < 32; i++) {
        inc[i] = (uint8_t)i;
        dec[i] = (uint8_t)(31 - i);
    }
    for (size_t k = 0; k < nfn; k++) {
        /* RFC 3720 Appendix B.4 (iSCSI CRC32c examples). */
        assert_int_equal(crc32c(fns[k], zeros, 32), 0x8A9136AAu);
        assert_int_equal(crc32c(fns[k], ones, 32), 0x62A8AB43u);
        assert_int_equal(crc32c(fns[k], inc, 32), 0x46DD794Eu);
        assert_int_equal(crc32c(fns[k], dec, 32), 0x113FDB5Cu);
        /* The customary CRC catalogue check value. */
        assert_int_equal(crc32c(fns[k], (const uint8_t *)"123456789", 9), 0xE3069283u);
        /* Empty input: preset and final inversion cancel out. */
        assert_int_equal(crc32c(fns[k], NULL, 0), 0u);
    }
    if (!crc32c_hw_available())
        printf("note: CPU lacks SSE4.2, hardware kernel not exercised\n");
}

static void test_select(void **state)
{
    (void)state;
    crc32c_fn fn = crc32c_select();

    if (crc32c_hw_available())
        assert_ptr_equal(fn, crc32c_update_hw);
    else
        assert_ptr_equal(fn, crc32c_update_sw);
    assert_int_equal(crc32c(fn, (const uint8_t *)"123456789", 9), 0xE3069283u);
}

/* Every kernel equals the bitwise reference for random lengths 0..4096 at every
 * alignment 0..15, both in one call and fed in two pieces split at a random point. */
static void test_kernels_agree(void **state)
{
    (void)state;
    crc32c_fn fns[2];
    size_t nfn = kernels(fns);
    uint64_t seed = 0x5C7B0001u;
    size_t cap = 4096 + 16;
    uint8_t *buf = malloc(cap);

    assert_non_null(buf);
    rng_fill(&seed, buf, cap);
    for (size_t align = 0; align < 16; align++) {
        for (int iter = 0; iter < 200; iter++) {
            size_t len = (size_t)(rng_next(&seed) % 4097u);
            /* Cover the short lengths and the edges of the unrolled loops every time. */
            if (iter < 80) len = (size_t)iter;
            const uint8_t *p = buf + align;
            uint32_t init = (iter & 1) ? 0xFFFFFFFFu : (uint32_t)rng_next(&seed);
            uint32_t want = ref_update(init, p, len);
            size_t cut = len ? (size_t)(rng_next(&seed) % (len + 1)) : 0;

            for (size_t k = 0; k < nfn; k++) {
                assert_int_equal(fns[k](init, p, len), want);
                assert_int_equal(fns[k](fns[k](init, p, cut), p + cut, len - cut), want);
            }
        }
    }
    free(buf);
}

/* Agreement on a long buffer too (many passes through the wide loops). */
static void test_kernels_agree_long(void **state)
{
    (void)state;
    crc32c_fn fns[2];
    size_t nfn = kernels(fns);
    uint64_t seed = 42;
    size_t len = 1u << 20;
    uint8_t *buf = malloc(len + 7);

    assert_non_null(buf);
    rng_fill(&seed, buf, len + 7);
    uint32_t want = ref_update(0xFFFFFFFFu, buf + 3, len);
    for (size_t k = 0; k < nfn; k++)
        assert_int_equal(fns[k](0xFFFFFFFFu, buf + 3, len), want);
    free(buf);
}

/* An INIT packet (RFC 9260 s3.3.2): ports 5000 -> 5001, tag 0, Initiate Tag 0x12345678,
 * a_rwnd 106496, OS 10, MIS 2048, initial TSN 0x01020304, parameters IPv4 address
 * 10.0.0.1, Supported Address Types (IPv4) and Forward-TSN-Supported. Its checksum,
 * 0xDE3DF7FD, was computed independently with a bitwise CRC32c in Python; the field
 * holds it least significant byte first. */
/* clang-format off */
static const uint8_t init_pkt[52] = {
    0x13, 0x88, 0x13, 0x89, 0x00, 0x00, 0x00, 0x00, 0xFD, 0xF7, 0x3D, 0xDE, /* common */
    0x01, 0x00, 0x00, 0x28,                                                 /* INIT */
    0x12, 0x34, 0x56, 0x78, 0x00, 0x01, 0xA0, 0x00, 0x00, 0x0A, 0x08, 0x00,
    0x01, 0x02, 0x03, 0x04,
    0x00, 0x05, 0x00, 0x08, 0x0A, 0x00, 0x00, 0x01, /* IPv4 address */
    0x00, 0x0C, 0x00, 0x06, 0x00, 0x05, 0x00, 0x00, /* supported address types */
    0xC0, 0x00, 0x00, 0x04,                         /* Forward-TSN supported */
};
/* clang-format on */

/* The SCTP part of the INIT packet in Scapy's SCTP regression tests (ports 0, tag 0, one
 * IPv4 address parameter 127.0.0.1), whose checksum field Scapy fills and dissects as the
 * bytes 40 2C 0B 5F: an outside check of the wire byte order. */
static const uint8_t scapy_init_pkt[40] = {
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x40, 0x2C, 0x0B, 0x5F, 0x01, 0x00,
    0x00, 0x1C, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x05, 0x00, 0x08, 0x7F, 0x00, 0x00, 0x01,
};

static void test_known_packets(void **state)
{
    (void)state;
    crc32c_fn fns[2];
    size_t nfn = kernels(fns);
    uint8_t pkt[sizeof(init_pkt)];

    for (size_t k = 0; k < nfn; k++) {
        assert_int_equal(sctp_checksum(fns[k], init_pkt, sizeof(init_pkt)), 0xDE3DF7FDu);
        assert_true(sctp_checksum_ok(fns[k], init_pkt, sizeof(init_pkt)));
        assert_true(sctp_checksum_ok(fns[k], scapy_init_pkt, sizeof(scapy_init_pkt)));

        /* Writing the field from scratch reproduces the captured bytes exactly. */
        memcpy(pkt, init_pkt, sizeof(pkt));
        memset(pkt + 8, 0xA5, 4);
        assert_false(sctp_checksum_ok(fns[k], pkt, sizeof(pkt)));
        sctp_checksum_set(fns[k], pkt, sizeof(pkt));
        assert_memory_equal(pkt, init_pkt, sizeof(pkt));

        uint8_t s[sizeof(scapy_init_pkt)];
        memcpy(s, scapy_init_pkt, sizeof(s));
        memset(s + 8, 0, 4);
        sctp_checksum_set(fns[k], s, sizeof(s));
        assert_memory_equal(s, scapy_init_pkt, sizeof(s));
    }
}

/* sctp_checksum ignores the field's contents and leaves the packet untouched. */
static void test_checksum_ignores_field(void **state)
{
    (void)state;
    crc32c_fn fn = crc32c_select();
    uint8_t pkt[sizeof(init_pkt)], zeroed[sizeof(init_pkt)];

    memcpy(pkt, init_pkt, sizeof(pkt));
    memcpy(zeroed, init_pkt, sizeof(zeroed));
    memset(zeroed + 8, 0, 4);
    assert_int_equal(sctp_checksum(fn, pkt, sizeof(pkt)), crc32c(fn, zeroed, sizeof(zeroed)));
    assert_memory_equal(pkt, init_pkt, sizeof(pkt));
    memset(pkt + 8, 0xFF, 4);
    assert_int_equal(sctp_checksum(fn, pkt, sizeof(pkt)), 0xDE3DF7FDu);
}

/* Random packets: set then ok round trip; every single-bit flip anywhere (header, field,
 * chunks) is caught. */
static void test_roundtrip_and_bitflips(void **state)
{
    (void)state;
    crc32c_fn fns[2];
    size_t nfn = kernels(fns);
    uint64_t seed = 7;
    uint8_t pkt[1500];

    for (int iter = 0; iter < 64; iter++) {
        size_t len = 12 + (size_t)(rng_next(&seed) % (sizeof(pkt) - 12 + 1));
        rng_fill(&seed, pkt, len);
        for (size_t k = 0; k < nfn; k++) {
            sctp_checksum_set(fns[k], pkt, len);
            assert_true(sctp_checksum_ok(fns[k], pkt, len));
            for (size_t k2 = 0; k2 < nfn; k2++)
                assert_true(sctp_checksum_ok(fns[k2], pkt, len));
        }
        size_t nbits = len * 8;
        for (size_t bit = 0; bit < nbits; bit++) {
            pkt[bit / 8] ^= (uint8_t)(1u << (bit % 8));
            for (size_t k = 0; k < nfn; k++)
                assert_false(sctp_checksum_ok(fns[k], pkt, len));
            pkt[bit / 8] ^= (uint8_t)(1u << (bit % 8));
        }
        assert_true(sctp_checksum_ok(fns[0], pkt, len));
    }
}

/* Shorter than a common header: never valid, set leaves the bytes alone, and the
 * checksum reads only within len. */
static void test_short_packets(void **state)
{
    (void)state;
    crc32c_fn fn = crc32c_select();
    uint8_t buf[12], copy[12];

    for (size_t len = 0; len < 12; len++) {
        uint8_t *p = malloc(len ? len : 1); /* exact size so ASan sees any over-read */
        assert_non_null(p);
        memcpy(p, init_pkt, len);
        memcpy(buf, p, len);
        memset(buf + (len > 8 ? 8 : len), 0, len > 8 ? len - 8 : 0);
        assert_false(sctp_checksum_ok(fn, p, len));
        assert_int_equal(sctp_checksum(fn, p, len), crc32c(fn, buf, len));
        memcpy(copy, p, len);
        sctp_checksum_set(fn, p, len);
        if (len > 0) assert_memory_equal(p, copy, len);
        free(p);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_known_vectors),
        cmocka_unit_test(test_select),
        cmocka_unit_test(test_kernels_agree),
        cmocka_unit_test(test_kernels_agree_long),
        cmocka_unit_test(test_known_packets),
        cmocka_unit_test(test_checksum_ignores_field),
        cmocka_unit_test(test_roundtrip_and_bitflips),
        cmocka_unit_test(test_short_packets),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
