/* Unit tests for lib/core/tsnmap: cumulative TSN, gap ack blocks and duplicate reports
 * (RFC 9260 s6.2, s6.7, s3.3.4), bitmap growth and its limit, TSN wrap-around (serial
 * arithmetic, s1.6) and moving the cumulative point forward. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "mpsctp/mpsctp.h"
#include "tsnmap.h"

/* Asserts that the map reports exactly the blocks in expect (n pairs). */
static void expect_gaps(const tsnmap *m, const uint16_t (*expect)[2], size_t n)
{
    uint16_t out[64][2];
    memset(out, 0xAB, sizeof(out));
    size_t got = tsnmap_gaps(m, out, 64);
    assert_int_equal(got, n);
    for (size_t i = 0; i < n; i++) {
        assert_int_equal(out[i][0], expect[i][0]);
        assert_int_equal(out[i][1], expect[i][1]);
    }
    assert_int_equal(tsnmap_has_gaps(m), n != 0);
}

static void test_init_state(void **state)
{
    (void)state;
    tsnmap m;
    assert_int_equal(tsnmap_init(&m, 1000, 4096), 0);
    assert_int_equal(m.cum, 999);
    assert_int_equal(tsnmap_has_gaps(&m), 0);
    assert_int_equal(tsnmap_check(&m, 999), 0);
    assert_int_equal(tsnmap_check(&m, 1000), 1);
    assert_int_equal(tsnmap_check(&m, 1001), 1);
    expect_gaps(&m, NULL, 0);
    uint32_t d[4];
    assert_int_equal(tsnmap_take_dups(&m, d, 4), 0);
    tsnmap_free(&m);
}

static void test_in_order(void **state)
{
    (void)state;
    tsnmap m;
    assert_int_equal(tsnmap_init(&m, 1, 256), 0);
    for (uint32_t t = 1; t <= 5000; t++) {
        assert_int_equal(tsnmap_check(&m, t), 1);
        assert_int_equal(tsnmap_mark(&m, t), 1);
        assert_int_equal(m.cum, t);
        assert_int_equal(tsnmap_has_gaps(&m), 0);
    }
    expect_gaps(&m, NULL, 0);
    uint32_t d[4];
    assert_int_equal(tsnmap_take_dups(&m, d, 4), 0);
    tsnmap_free(&m);
}

static void test_out_of_order_gaps(void **state)
{
    (void)state;
    tsnmap m;
    assert_int_equal(tsnmap_init(&m, 1000, 4096), 0);
    assert_int_equal(tsnmap_mark(&m, 1002), 1);
    assert_int_equal(tsnmap_mark(&m, 1005), 1);
    assert_int_equal(tsnmap_mark(&m, 1004), 1);
    assert_int_equal(tsnmap_mark(&m, 1010), 1);
    assert_int_equal(m.cum, 999);
    const uint16_t g1[3][2] = {{3, 3}, {5, 6}, {11, 11}};
    expect_gaps(&m, g1, 3);

    /* Only the two lowest blocks when max is 2; none when max is 0. */
    uint16_t out[2][2];
    assert_int_equal(tsnmap_gaps(&m, out, 2), 2);
    assert_int_equal(out[0][0], 3);
    assert_int_equal(out[0][1], 3);
    assert_int_equal(out[1][0], 5);
    assert_int_equal(out[1][1], 6);
    assert_int_equal(tsnmap_gaps(&m, out, 0), 0);

    assert_int_equal(tsnmap_mark(&m, 1000), 1);
    assert_int_equal(m.cum, 1000);
    const uint16_t g2[3][2] = {{2, 2}, {4, 5}, {10, 10}};
    expect_gaps(&m, g2, 3);

    /* Filling 1001 pulls cum over 1002. */
    assert_int_equal(tsnmap_mark(&m, 1001), 1);
    assert_int_equal(m.cum, 1002);
    const uint16_t g3[2][2] = {{2, 3}, {8, 8}};
    expect_gaps(&m, g3, 2);

    /* Filling 1003 pulls cum over 1004..1005. */
    assert_int_equal(tsnmap_mark(&m, 1003), 1);
    assert_int_equal(m.cum, 1005);
    const uint16_t g4[1][2] = {{5, 5}};
    expect_gaps(&m, g4, 1);

    for (uint32_t t = 1006; t < 1010; t++)
        assert_int_equal(tsnmap_mark(&m, t), 1);
    assert_int_equal(m.cum, 1010);
    expect_gaps(&m, NULL, 0);
    tsnmap_free(&m);
}

static void test_gap_patterns(void **state)
{
    (void)state;
    tsnmap m;
    /* Every other TSN: blocks of one. */
    assert_int_equal(tsnmap_init(&m, 1, 1024), 0);
    for (uint32_t t = 2; t <= 40; t += 2)
        assert_int_equal(tsnmap_mark(&m, t), 1);
    uint16_t alt[20][2];
    for (uint16_t i = 0; i < 20; i++) {
        alt[i][0] = (uint16_t)(2 * i + 2);
        alt[i][1] = (uint16_t)(2 * i + 2);
    }
    expect_gaps(&m, (const uint16_t(*)[2])alt, 20);
    tsnmap_free(&m);

    /* One long block far above cum, crossing 64-bit word boundaries. */
    assert_int_equal(tsnmap_init(&m, 1, 1024), 0);
    for (uint32_t t = 60; t <= 200; t++)
        assert_int_equal(tsnmap_mark(&m, t), 1);
    const uint16_t longb[1][2] = {{60, 200}};
    expect_gaps(&m, longb, 1);
    tsnmap_free(&m);

    /* Irregular: runs of length 1, 3, 64 with holes of 1, 2, 63. */
    assert_int_equal(tsnmap_init(&m, 500, 1024), 0);
    assert_int_equal(tsnmap_mark(&m, 501), 1);
    for (uint32_t t = 503; t <= 505; t++)
        assert_int_equal(tsnmap_mark(&m, t), 1);
    for (uint32_t t = 508; t <= 571; t++)
        assert_int_equal(tsnmap_mark(&m, t), 1);
    assert_int_equal(tsnmap_mark(&m, 635), 1);
    const uint16_t irr[4][2] = {{2, 2}, {4, 6}, {9, 72}, {136, 136}};
    expect_gaps(&m, irr, 4);
    tsnmap_free(&m);
}

static void test_duplicates(void **state)
{
    (void)state;
    tsnmap m;
    assert_int_equal(tsnmap_init(&m, 10, 1024), 0);
    assert_int_equal(tsnmap_mark(&m, 10), 1);
    assert_int_equal(tsnmap_mark(&m, 12), 1);
    /* check() classifies without recording. */
    assert_int_equal(tsnmap_check(&m, 10), 0);
    assert_int_equal(tsnmap_check(&m, 12), 0);
    assert_int_equal(tsnmap_check(&m, 11), 1);
    assert_int_equal(tsnmap_check(&m, 5), 0);
    uint32_t d[TSNMAP_MAX_DUPS + 8];
    assert_int_equal(tsnmap_take_dups(&m, d, TSNMAP_MAX_DUPS), 0);

    /* At cum, below cum, and above cum (already seen): all duplicates, recorded in order. */
    assert_int_equal(tsnmap_mark(&m, 10), 0);
    assert_int_equal(tsnmap_mark(&m, 3), 0);
    assert_int_equal(tsnmap_mark(&m, 12), 0);
    assert_int_equal(tsnmap_mark(&m, 12), 0);
    assert_int_equal(m.cum, 10);
    const uint16_t g[1][2] = {{2, 2}};
    expect_gaps(&m, g, 1);
    assert_int_equal(tsnmap_take_dups(&m, d, TSNMAP_MAX_DUPS), 4);
    assert_int_equal(d[0], 10);
    assert_int_equal(d[1], 3);
    assert_int_equal(d[2], 12);
    assert_int_equal(d[3], 12);
    /* Taken once. */
    assert_int_equal(tsnmap_take_dups(&m, d, TSNMAP_MAX_DUPS), 0);

    /* More duplicates than one SACK carries: the first TSNMAP_MAX_DUPS are kept. */
    for (uint32_t i = 0; i < TSNMAP_MAX_DUPS + 8; i++)
        assert_int_equal(tsnmap_mark(&m, 10 - (i % 5)), 0);
    assert_int_equal(tsnmap_take_dups(&m, d, TSNMAP_MAX_DUPS + 8), TSNMAP_MAX_DUPS);
    for (uint32_t i = 0; i < TSNMAP_MAX_DUPS; i++)
        assert_int_equal(d[i], 10 - (i % 5));
    assert_int_equal(tsnmap_take_dups(&m, d, TSNMAP_MAX_DUPS), 0);

    /* A new TSN is not a duplicate. */
    assert_int_equal(tsnmap_mark(&m, 11), 1);
    assert_int_equal(m.cum, 12);
    assert_int_equal(tsnmap_take_dups(&m, d, TSNMAP_MAX_DUPS), 0);
    tsnmap_free(&m);
}

static void test_growth(void **state)
{
    (void)state;
    tsnmap m;
    assert_int_equal(tsnmap_init(&m, 1, 1u << 16), 0);
    /* Marks under the initial size, then one far beyond it; earlier marks survive. */
    assert_int_equal(tsnmap_mark(&m, 3), 1);
    assert_int_equal(tsnmap_mark(&m, 64), 1);
    assert_int_equal(tsnmap_mark(&m, 65), 1);
    assert_int_equal(tsnmap_mark(&m, 1000), 1);
    assert_int_equal(tsnmap_mark(&m, 5001), 1);
    const uint16_t g1[4][2] = {{3, 3}, {64, 65}, {1000, 1000}, {5001, 5001}};
    expect_gaps(&m, g1, 4);
    assert_int_equal(tsnmap_check(&m, 64), 0);
    assert_int_equal(tsnmap_check(&m, 5001), 0);
    assert_int_equal(tsnmap_check(&m, 5000), 1);
    /* Growth again, to the limit. */
    assert_int_equal(tsnmap_mark(&m, 65535), 1);
    const uint16_t g2[5][2] = {{3, 3}, {64, 65}, {1000, 1000}, {5001, 5001}, {65535, 65535}};
    expect_gaps(&m, g2, 5);
    /* Fill everything in order: cum runs to the top, each marked TSN counted once. */
    uint32_t newc = 0;
    for (uint32_t t = 1; t <= 65535; t++) {
        int r = tsnmap_mark(&m, t);
        assert_true(r == 0 || r == 1);
        newc += (uint32_t)r;
    }
    assert_int_equal(newc, 65535 - 6);
    assert_int_equal(m.cum, 65535);
    expect_gaps(&m, NULL, 0);
    uint32_t d[TSNMAP_MAX_DUPS];
    assert_int_equal(tsnmap_take_dups(&m, d, TSNMAP_MAX_DUPS), 6);
    const uint32_t want_dups[6] = {3, 64, 65, 1000, 5001, 65535};
    for (int i = 0; i < 6; i++)
        assert_int_equal(d[i], want_dups[i]);
    tsnmap_free(&m);
}

static void test_refuse_beyond_max(void **state)
{
    (void)state;
    tsnmap m;
    /* 64: exactly cum+64 is trackable, cum+65 is not. */
    assert_int_equal(tsnmap_init(&m, 100, 64), 0);
    assert_int_equal(tsnmap_check(&m, 99 + 64), 1);
    assert_int_equal(tsnmap_check(&m, 99 + 65), -1);
    assert_int_equal(tsnmap_mark(&m, 99 + 65), -1);
    assert_int_equal(tsnmap_mark(&m, 99 + 1000000), -1);
    expect_gaps(&m, NULL, 0);
    uint32_t d[4];
    assert_int_equal(tsnmap_take_dups(&m, d, 4), 0); /* refused is not a duplicate */
    assert_int_equal(tsnmap_mark(&m, 99 + 64), 1);
    const uint16_t g[1][2] = {{64, 64}};
    expect_gaps(&m, g, 1);
    /* The window slides with cum. */
    assert_int_equal(tsnmap_mark(&m, 100), 1);
    assert_int_equal(tsnmap_check(&m, 100 + 64), 1);
    assert_int_equal(tsnmap_check(&m, 100 + 65), -1);
    tsnmap_free(&m);

    /* Small and odd limits round up to a power of two, at least 64. */
    assert_int_equal(tsnmap_init(&m, 1, 100), 0);
    assert_int_equal(tsnmap_mark(&m, 128), 1);
    assert_int_equal(tsnmap_mark(&m, 129), -1);
    tsnmap_free(&m);
    assert_int_equal(tsnmap_init(&m, 1, 1), 0);
    assert_int_equal(tsnmap_mark(&m, 64), 1);
    assert_int_equal(tsnmap_mark(&m, 65), -1);
    tsnmap_free(&m);
    /* Beyond the initial bitmap but within the limit grows instead of refusing. */
    assert_int_equal(tsnmap_init(&m, 1, 3000), 0);
    assert_int_equal(tsnmap_mark(&m, 4096), 1);
    assert_int_equal(tsnmap_mark(&m, 4097), -1);
    tsnmap_free(&m);
}

static void test_wraparound(void **state)
{
    (void)state;
    tsnmap m;
    assert_int_equal(tsnmap_init(&m, 0xFFFFFFF0u, 1024), 0);
    assert_int_equal(m.cum, 0xFFFFFFEFu);
    assert_int_equal(tsnmap_mark(&m, 0xFFFFFFF2u), 1);
    assert_int_equal(tsnmap_mark(&m, 0x00000003u), 1);
    assert_int_equal(tsnmap_mark(&m, 0x00000004u), 1);
    /* Offsets from cum across the wrap: 0x3 - 0xFFFFFFEF = 20. */
    const uint16_t g1[2][2] = {{3, 3}, {20, 21}};
    expect_gaps(&m, g1, 2);
    /* A TSN "below" cum in serial arithmetic is a duplicate, not far ahead. */
    assert_int_equal(tsnmap_check(&m, 0xFFFFFF00u), 0);
    assert_int_equal(tsnmap_check(&m, 0x00001000u), -1);

    for (uint32_t t = 0xFFFFFFF0u; t != 0x00000010u; t++) {
        int r = tsnmap_mark(&m, t);
        if (t == 0xFFFFFFF2u || t == 3 || t == 4)
            assert_int_equal(r, 0);
        else
            assert_int_equal(r, 1);
    }
    assert_int_equal(m.cum, 0x0000000Fu);
    expect_gaps(&m, NULL, 0);
    assert_int_equal(tsnmap_mark(&m, 0xFFFFFFF5u), 0);
    assert_int_equal(tsnmap_mark(&m, 0xFFFFFFFFu), 0);
    uint32_t d[TSNMAP_MAX_DUPS];
    assert_int_equal(tsnmap_take_dups(&m, d, TSNMAP_MAX_DUPS), 5);
    assert_int_equal(d[0], 0xFFFFFFF2u);
    assert_int_equal(d[1], 3);
    assert_int_equal(d[2], 4);
    assert_int_equal(d[3], 0xFFFFFFF5u);
    assert_int_equal(d[4], 0xFFFFFFFFu);
    tsnmap_free(&m);

    /* Growth while the window spans the wrap. */
    assert_int_equal(tsnmap_init(&m, 0xFFFFFF00u, 1u << 14), 0);
    assert_int_equal(tsnmap_mark(&m, 0xFFFFFF10u), 1);
    assert_int_equal(tsnmap_mark(&m, 0x00000F00u), 1); /* offset 0x1000+1 - grows */
    const uint16_t g2[2][2] = {{0x11, 0x11}, {0x1001, 0x1001}};
    expect_gaps(&m, g2, 2);
    tsnmap_free(&m);
}

static void test_forward(void **state)
{
    (void)state;
    tsnmap m;
    assert_int_equal(tsnmap_init(&m, 1, 1024), 0);
    assert_int_equal(tsnmap_mark(&m, 3), 1);
    assert_int_equal(tsnmap_mark(&m, 5), 1);
    assert_int_equal(tsnmap_mark(&m, 6), 1);
    assert_int_equal(tsnmap_mark(&m, 9), 1);
    /* To 4: 3 is forgotten, then 5 and 6 (present) are pulled under cum. */
    tsnmap_forward(&m, 4);
    assert_int_equal(m.cum, 6);
    const uint16_t g1[1][2] = {{3, 3}};
    expect_gaps(&m, g1, 1);
    /* Backwards and equal are ignored. */
    tsnmap_forward(&m, 2);
    tsnmap_forward(&m, 6);
    assert_int_equal(m.cum, 6);
    expect_gaps(&m, g1, 1);
    /* To a TSN inside a hole that leaves a later block. */
    assert_int_equal(tsnmap_mark(&m, 20), 1);
    tsnmap_forward(&m, 7);
    assert_int_equal(m.cum, 7);
    const uint16_t g2[2][2] = {{2, 2}, {13, 13}};
    expect_gaps(&m, g2, 2);
    /* Past everything: no gaps, the old TSNs are duplicates, later ones new. */
    tsnmap_forward(&m, 100);
    assert_int_equal(m.cum, 100);
    expect_gaps(&m, NULL, 0);
    assert_int_equal(tsnmap_check(&m, 20), 0);
    assert_int_equal(tsnmap_check(&m, 101), 1);
    assert_int_equal(tsnmap_mark(&m, 102), 1);
    const uint16_t g3[1][2] = {{2, 2}};
    expect_gaps(&m, g3, 1);
    assert_int_equal(tsnmap_mark(&m, 101), 1);
    assert_int_equal(m.cum, 102);
    /* Forward across the wrap. */
    tsnmap_forward(&m, 0xFFFFFFFEu); /* more than 2^31 ahead: serially behind, ignored */
    assert_int_equal(m.cum, 102);
    tsnmap_free(&m);

    assert_int_equal(tsnmap_init(&m, 0xFFFFFFFAu, 1024), 0);
    assert_int_equal(tsnmap_mark(&m, 2), 1);
    tsnmap_forward(&m, 0x00000001u);
    assert_int_equal(m.cum, 2);
    expect_gaps(&m, NULL, 0);
    tsnmap_free(&m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_init_state),        cmocka_unit_test(test_in_order),
        cmocka_unit_test(test_out_of_order_gaps), cmocka_unit_test(test_gap_patterns),
        cmocka_unit_test(test_duplicates),        cmocka_unit_test(test_growth),
        cmocka_unit_test(test_refuse_beyond_max), cmocka_unit_test(test_wraparound),
        cmocka_unit_test(test_forward),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
