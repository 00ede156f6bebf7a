/* Unit tests for lib/core/sha256: FIPS 180-4 example vectors, incremental hashing, and
 * the RFC 4231 HMAC-SHA256 test cases. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "sha256.h"

/* Parses 2*n hex digits at hex into out[0..n-1]. */
static void unhex(const char *hex, uint8_t *out, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        unsigned v = 0;
        for (int j = 0; j < 2; j++) {
            char ch = hex[2 * i + (size_t)j];
            v <<= 4;
            if (ch >= '0' && ch <= '9')
                v |= (unsigned)(ch - '0');
            else if (ch >= 'a' && ch <= 'f')
                v |= (unsigned)(ch - 'a' + 10);
            else
                fail_msg("bad hex digit %c", ch);
        }
        out[i] = (uint8_t)v;
    }
}

static void check_digest(const void *msg, size_t len, const char *hex)
{
    uint8_t want[SHA256_DIGEST_LEN], got[SHA256_DIGEST_LEN];
    sha256_ctx c;

    unhex(hex, want, sizeof(want));
    sha256_init(&c);
    sha256_update(&c, msg, len);
    sha256_final(&c, got);
    assert_memory_equal(got, want, sizeof(want));
}

static const char msg448[] = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
static const char msg896[] = "abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmn"
                             "hijklmnoijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu";

/* FIPS 180-4 / NIST example values for SHA-256. */
static void test_fips_vectors(void **state)
{
    (void)state;
    check_digest("abc", 3, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    check_digest("", 0, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    check_digest(NULL, 0, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    assert_int_equal(strlen(msg448), 56);
    check_digest(msg448, strlen(msg448),
                 "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
    assert_int_equal(strlen(msg896), 112);
    check_digest(msg896, strlen(msg896),
                 "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1");
}

/* One million 'a', fed in uneven pieces (exercises the buffered path), and in one go. */
static void test_million_a(void **state)
{
    (void)state;
    static const char *want =
        "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0";
    uint8_t exp[SHA256_DIGEST_LEN], got[SHA256_DIGEST_LEN];
    uint8_t piece[997];
    sha256_ctx c;
    size_t left = 1000000;

    unhex(want, exp, sizeof(exp));
    memset(piece, 'a', sizeof(piece));
    sha256_init(&c);
    while (left > 0) {
        size_t n = left < sizeof(piece) ? left : sizeof(piece);
        sha256_update(&c, piece, n);
        left -= n;
    }
    sha256_final(&c, got);
    assert_memory_equal(got, exp, sizeof(exp));

    uint8_t *big = malloc(1000000);
    assert_non_null(big);
    memset(big, 'a', 1000000);
    check_digest(big, 1000000, want);
    free(big);
}

/* Any split of a message gives the digest of the whole; lengths around the padding
 * boundary (55, 56, 63, 64, 119, 120 bytes) included. */
static void test_incremental(void **state)
{
    (void)state;
    uint8_t msg[300], whole[SHA256_DIGEST_LEN], parts[SHA256_DIGEST_LEN];
    sha256_ctx c;

    for (size_t i = 0; i < sizeof(msg); i++)
        msg[i] = (uint8_t)(i * 131u + 7u);
    for (size_t len = 0; len <= 200; len++) {
        sha256_init(&c);
        sha256_update(&c, msg, len);
        sha256_final(&c, whole);
        for (size_t cut = 0; cut <= len; cut += (len < 130 ? 1 : 13)) {
            sha256_init(&c);
            sha256_update(&c, msg, cut);
            sha256_update(&c, NULL, 0);
            for (size_t i = cut; i < len; i++)
                sha256_update(&c, msg + i, 1);
            sha256_final(&c, parts);
            assert_memory_equal(parts, whole, sizeof(whole));
        }
    }
}

struct hmac_case {
    const uint8_t *key;
    size_t keylen;
    const uint8_t *data;
    size_t datalen;
    const char *mac; /* hex; shorter than 64 digits means a truncated output */
};

/* RFC 4231 s4.2-4.8, test cases 1-7 (case 5 is specified truncated to 128 bits). */
static void test_hmac_rfc4231(void **state)
{
    (void)state;
    uint8_t k0b[20], kaa20[20], k0102[25], k0c[20], kaa131[131];
    uint8_t ddd[50], cdc[50];

    memset(k0b, 0x0b, sizeof(k0b));
    memset(kaa20, 0xaa, sizeof(kaa20));
    for (size_t i = 0; i < sizeof(k0102); i++)
        k0102[i] = (uint8_t)(i + 1);
    memset(k0c, 0x0c, sizeof(k0c));
    memset(kaa131, 0xaa, sizeof(kaa131));
    memset(ddd, 0xdd, sizeof(ddd));
    memset(cdc, 0xcd, sizeof(cdc));

    static const char d1[] = "Hi There";
    static const char d2[] = "what do ya want for nothing?";
    static const char d5[] = "Test With Truncation";
    static const char d6[] = "Test Using Larger Than Block-Size Key - Hash Key First";
    static const char d7[] = "This is a test using a larger than block-size key and a larger "
                             "than block-size data. The key needs to be hashed before being "
                             "used by the HMAC algorithm.";
    const struct hmac_case cases[] = {
        {k0b, sizeof(k0b), (const uint8_t *)d1, strlen(d1),
         "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7"},
        {(const uint8_t *)"Jefe", 4, (const uint8_t *)d2, strlen(d2),
         "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"},
        {kaa20, sizeof(kaa20), ddd, sizeof(ddd),
         "773ea91e36800e46854db8ebd09181a72959098b3ef8c122d9635514ced565fe"},
        {k0102, sizeof(k0102), cdc, sizeof(cdc),
         "82558a389a443c0ea4cc819899f2083a85f0faa3e578f8077a2e3ff46729665b"},
        {k0c, sizeof(k0c), (const uint8_t *)d5, strlen(d5), "a3b6167473100ee06e0c796c2955552b"},
        {kaa131, sizeof(kaa131), (const uint8_t *)d6, strlen(d6),
         "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54"},
        {kaa131, sizeof(kaa131), (const uint8_t *)d7, strlen(d7),
         "9b09ffa71b942fcb27635fbcd5b0e944bfdc63644f0713938a7f51535c3a35e2"},
    };

    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        uint8_t want[SHA256_DIGEST_LEN], got[SHA256_DIGEST_LEN];
        size_t n = strlen(cases[i].mac) / 2;

        unhex(cases[i].mac, want, n);
        hmac_sha256(cases[i].key, cases[i].keylen, cases[i].data, cases[i].datalen, got);
        assert_memory_equal(got, want, n);
    }
}

/* A key of exactly one block is used as is; one byte more is hashed first, so the two
 * give different MACs; an empty key equals a key of zero bytes padded to the block. */
static void test_hmac_key_lengths(void **state)
{
    (void)state;
    uint8_t key[65], zeros[64], a[SHA256_DIGEST_LEN], b[SHA256_DIGEST_LEN];
    static const uint8_t msg[] = "cookie";

    memset(key, 0x5a, sizeof(key));
    memset(zeros, 0, sizeof(zeros));
    hmac_sha256(key, 64, msg, sizeof(msg) - 1, a);
    hmac_sha256(key, 65, msg, sizeof(msg) - 1, b);
    assert_memory_not_equal(a, b, sizeof(a));

    hmac_sha256(NULL, 0, msg, sizeof(msg) - 1, a);
    hmac_sha256(zeros, sizeof(zeros), msg, sizeof(msg) - 1, b);
    assert_memory_equal(a, b, sizeof(a));
    /* Known value for the empty key and empty message (Python hmac module). */
    uint8_t want[SHA256_DIGEST_LEN];
    unhex("b613679a0814d9ec772f95d778c35fc5ff1697c493715653c6c712144292c5ad", want,
          sizeof(want));
    hmac_sha256(NULL, 0, NULL, 0, a);
    assert_memory_equal(a, want, sizeof(want));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fips_vectors),     cmocka_unit_test(test_million_a),
        cmocka_unit_test(test_incremental),      cmocka_unit_test(test_hmac_rfc4231),
        cmocka_unit_test(test_hmac_key_lengths),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
