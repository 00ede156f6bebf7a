/* The unit grammar of the tools and of scenario files (tools/units.h). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "units.h"

typedef struct size_case {
    const char *text;
    int ok;
    uint64_t bytes;
} size_case;

static void test_sizes(void **state)
{
    static const size_case cases[] = {
        {"1452", 1, 1452},
        {"1452B", 1, 1452},
        /* powers of two, in every spelling */
        {"1k", 1, 1024},
        {"1K", 1, 1024},
        {"1Ki", 1, 1024},
        {"64KiB", 1, 65536},
        {"1m", 1, 1048576},
        {"1M", 1, 1048576},
        {"1Mi", 1, 1048576},
        {"16MiB", 1, 16777216},
        {"1g", 1, 1073741824},
        {"1G", 1, 1073741824},
        {"1GiB", 1, 1073741824},
        {"100G", 1, 107374182400ull},
        /* powers of ten: the explicit decimal form */
        {"1kB", 1, 1000},
        {"64kB", 1, 64000},
        {"1MB", 1, 1000000},
        {"1GB", 1, 1000000000},
        {"2.5GB", 1, 2500000000ull},
        /* fractions that make whole bytes */
        {"1.5k", 1, 1536},
        {"1.5M", 1, 1572864},
        {"1.5MB", 1, 1500000},
        {"0.0011GB", 1, 1100000},
        {".5k", 1, 512},
        {"2.", 1, 2},
        {"0", 1, 0},
        {"9007199254740992", 1, 9007199254740992ull},
        /* refused */
        {"", 0, 0},
        {"k", 0, 0},
        {".", 0, 0},
        {"0.3", 0, 0},
        {"1.5", 0, 0},
        {"1KB", 0, 0},  /* ambiguous: KiB or kB */
        {"1mB", 0, 0},
        {"1kb", 0, 0},
        {"1T", 0, 0},
        {"10X", 0, 0},
        {"-1", 0, 0},
        {"+1", 0, 0},
        {" 1", 0, 0},
        {"1 M", 0, 0},
        {"1e3", 0, 0},
        {"0x10", 0, 0},
        {"1.2.3", 0, 0},
        {"9007199254740993", 0, 0},
        {"8388609G", 0, 0},
        {"99999999999999999999999999", 0, 0},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        uint64_t v = 12345;
        int rc = units_size(cases[i].text, &v);
        if ((rc == 0) != cases[i].ok || (cases[i].ok && v != cases[i].bytes)) {
            print_error("units_size(\"%s\"): rc %d, %llu; expected %s %llu\n", cases[i].text,
                        rc, (unsigned long long)v, cases[i].ok ? "ok" : "refused",
                        (unsigned long long)cases[i].bytes);
            fail();
        }
        if (!cases[i].ok)
            assert_int_equal(v, 12345); /* untouched on failure */
    }
    assert_int_equal(units_size(NULL, &(uint64_t){0}), -1);
}

static void test_times(void **state)
{
    uint64_t ns;
    assert_int_equal(units_time("10s", 1000000, &ns), 0);
    assert_int_equal(ns, 10000000000ull);
    assert_int_equal(units_time("500ms", 1000000000, &ns), 0);
    assert_int_equal(ns, 500000000);
    assert_int_equal(units_time("250us", 1, &ns), 0);
    assert_int_equal(ns, 250000);
    assert_int_equal(units_time("7ns", 1000000000, &ns), 0);
    assert_int_equal(ns, 7);
    assert_int_equal(units_time("1.5s", 1, &ns), 0);
    assert_int_equal(ns, 1500000000);
    /* a bare number is in the caller's unit */
    assert_int_equal(units_time("60", 1000000000, &ns), 0);
    assert_int_equal(ns, 60000000000ull);
    assert_int_equal(units_time("200", 1000000, &ns), 0);
    assert_int_equal(ns, 200000000);
    assert_int_equal(units_time("0.25", 1000000000, &ns), 0);
    assert_int_equal(ns, 250000000);
    assert_int_equal(units_time("0", 1000000000, &ns), 0);
    assert_int_equal(ns, 0);
    /* refused */
    const char *bad[] = {"", "s", "ms", "5min", "1h", "1e3ms", "-1s", "10 s", "1S", "1.5.s",
                         "1000000001s"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        if (units_time(bad[i], 1000000000, &ns) == 0) {
            print_error("units_time(\"%s\") accepted: %llu ns\n", bad[i],
                        (unsigned long long)ns);
            fail();
        }
    }
}

static void test_uint(void **state)
{
    uint64_t v;
    assert_int_equal(units_uint("0", 10, &v), 0);
    assert_int_equal(v, 0);
    assert_int_equal(units_uint("65535", 65535, &v), 0);
    assert_int_equal(v, 65535);
    assert_int_equal(units_uint("65536", 65535, &v), -1);
    assert_int_equal(units_uint("18446744073709551615", UINT64_MAX, &v), 0);
    assert_int_equal(v, UINT64_MAX);
    assert_int_equal(units_uint("18446744073709551616", UINT64_MAX, &v), -1);
    assert_int_equal(units_uint("5", 0, &v), -1);
    assert_int_equal(units_uint("", 10, &v), -1);
    assert_int_equal(units_uint("1k", 10000, &v), -1);
    assert_int_equal(units_uint("-1", 10, &v), -1);
    assert_int_equal(units_uint("1.0", 10, &v), -1);
    assert_int_equal(units_uint(NULL, 10, &v), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sizes),
        cmocka_unit_test(test_times),
        cmocka_unit_test(test_uint),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
