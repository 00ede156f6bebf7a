/* The interop pattern's block fill and check (16 bytes at a time) give exactly the bytes
 * of interop_pattern, at every offset and length, and the check finds the first wrong
 * byte wherever it is. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "interop/interop_pattern.h"

static void test_fill_matches_bytewise(void **state)
{
    (void)state;
    static uint8_t buf[200];
    const uint64_t offs[] = {0, 1, 15, 16, 4095, 1ull << 32, (1ull << 32) + 7};
    for (size_t k = 0; k < sizeof(offs) / sizeof(offs[0]); k++)
        for (size_t len = 0; len <= 190; len += 7)
            for (uint32_t s = 0; s < 3; s++) {
                uint32_t m = 12345u * (uint32_t)k + s;
                memset(buf, 0xa5, sizeof(buf));
                interop_fill(buf + 1, len, s, m, offs[k]);
                assert_int_equal(buf[0], 0xa5);
                assert_int_equal(buf[len + 1], 0xa5);
                for (size_t i = 0; i < len; i++)
                    assert_int_equal(buf[1 + i], interop_pattern(s, m, offs[k] + i));
                assert_int_equal(interop_check(buf + 1, len, s, m, offs[k]), len);
            }
}

static void test_check_finds_first_difference(void **state)
{
    (void)state;
    static uint8_t buf[300];
    for (size_t at = 0; at < 300; at += 3) {
        interop_fill(buf, sizeof(buf), 2, 77, 1000);
        buf[at] ^= 0x10;
        if (at + 40 < sizeof(buf))
            buf[at + 40] ^= 0x01; /* a later difference does not hide the first */
        assert_int_equal(interop_check(buf, sizeof(buf), 2, 77, 1000), at);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fill_matches_bytewise),
        cmocka_unit_test(test_check_finds_first_difference),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
