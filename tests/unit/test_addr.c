/* Unit tests for lib/core/addr: address scopes and the RFC 9260 s5.1.2 rules for which
 * addresses may be offered to, or used with, a peer. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "addr.h"

static mpsctp_addr v4(uint8_t a, uint8_t b, uint8_t c, uint8_t d)
{
    mpsctp_addr x;
    mpsctp_addr_v4(&x, (uint32_t)a << 24 | (uint32_t)b << 16 | (uint32_t)c << 8 | d, 9899);
    return x;
}

static mpsctp_addr v6(const uint8_t ip[16])
{
    mpsctp_addr x;
    memset(&x, 0, sizeof(x));
    x.family = MPSCTP_AF_INET6;
    memcpy(x.ip, ip, 16);
    return x;
}

static void test_v4_scopes(void **state)
{
    (void)state;
    mpsctp_addr a;
    a = v4(127, 0, 0, 1);
    assert_int_equal(addr_scope_of(&a), ADDR_SCOPE_LOOPBACK);
    a = v4(127, 0, 0, 2);
    assert_int_equal(addr_scope_of(&a), ADDR_SCOPE_LOOPBACK);
    a = v4(169, 254, 3, 4);
    assert_int_equal(addr_scope_of(&a), ADDR_SCOPE_LINK);
    a = v4(10, 1, 2, 3);
    assert_int_equal(addr_scope_of(&a), ADDR_SCOPE_PRIVATE);
    a = v4(172, 16, 0, 1);
    assert_int_equal(addr_scope_of(&a), ADDR_SCOPE_PRIVATE);
    a = v4(172, 31, 255, 1);
    assert_int_equal(addr_scope_of(&a), ADDR_SCOPE_PRIVATE);
    a = v4(172, 32, 0, 1);
    assert_int_equal(addr_scope_of(&a), ADDR_SCOPE_GLOBAL);
    a = v4(192, 168, 1, 1);
    assert_int_equal(addr_scope_of(&a), ADDR_SCOPE_PRIVATE);
    a = v4(100, 64, 0, 1);
    assert_int_equal(addr_scope_of(&a), ADDR_SCOPE_PRIVATE);
    a = v4(100, 128, 0, 1);
    assert_int_equal(addr_scope_of(&a), ADDR_SCOPE_GLOBAL);
    a = v4(8, 8, 8, 8);
    assert_int_equal(addr_scope_of(&a), ADDR_SCOPE_GLOBAL);
    a = v4(0, 0, 0, 0);
    assert_int_equal(addr_scope_of(&a), ADDR_SCOPE_INVALID);
    a = v4(224, 0, 0, 1);
    assert_int_equal(addr_scope_of(&a), ADDR_SCOPE_INVALID);
    a = v4(255, 255, 255, 255);
    assert_int_equal(addr_scope_of(&a), ADDR_SCOPE_INVALID);
    a.family = 0;
    assert_int_equal(addr_scope_of(&a), ADDR_SCOPE_INVALID);
}

static void test_v6_scopes(void **state)
{
    (void)state;
    uint8_t ip[16] = {0};
    mpsctp_addr a = v6(ip);
    assert_int_equal(addr_scope_of(&a), ADDR_SCOPE_INVALID); /* :: */
    ip[15] = 1;
    a = v6(ip);
    assert_int_equal(addr_scope_of(&a), ADDR_SCOPE_LOOPBACK); /* ::1 */
    uint8_t ll[16] = {0xfe, 0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 7};
    a = v6(ll);
    assert_int_equal(addr_scope_of(&a), ADDR_SCOPE_LINK);
    uint8_t ula[16] = {0xfd, 0x12, 0x34};
    a = v6(ula);
    assert_int_equal(addr_scope_of(&a), ADDR_SCOPE_PRIVATE);
    uint8_t mc[16] = {0xff, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
    a = v6(mc);
    assert_int_equal(addr_scope_of(&a), ADDR_SCOPE_INVALID);
    uint8_t glob[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
    a = v6(glob);
    assert_int_equal(addr_scope_of(&a), ADDR_SCOPE_GLOBAL);
    /* IPv4-mapped addresses are scoped as IPv4. */
    uint8_t mapped[16] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 127, 0, 0, 1};
    a = v6(mapped);
    assert_int_equal(addr_scope_of(&a), ADDR_SCOPE_LOOPBACK);
    mapped[12] = 10;
    a = v6(mapped);
    assert_int_equal(addr_scope_of(&a), ADDR_SCOPE_PRIVATE);
}

static void test_usable_with(void **state)
{
    (void)state;
    mpsctp_addr lo = v4(127, 0, 0, 1), lo2 = v4(127, 0, 0, 2), priv = v4(10, 0, 0, 1),
                link = v4(169, 254, 1, 1), glob = v4(198, 51, 100, 7), zero = v4(0, 0, 0, 0);
    /* Loopback only towards loopback. */
    assert_true(addr_usable_with(&lo2, &lo));
    assert_false(addr_usable_with(&lo, &priv));
    assert_false(addr_usable_with(&lo, &glob));
    /* Link-local towards link-local or loopback peers only. */
    assert_true(addr_usable_with(&link, &link));
    assert_true(addr_usable_with(&link, &lo));
    assert_false(addr_usable_with(&link, &priv));
    assert_false(addr_usable_with(&link, &glob));
    /* Private addresses are not offered to a global peer. */
    assert_true(addr_usable_with(&priv, &priv));
    assert_true(addr_usable_with(&priv, &lo));
    assert_false(addr_usable_with(&priv, &glob));
    /* Global addresses go anywhere; invalid ones nowhere. */
    assert_true(addr_usable_with(&glob, &glob));
    assert_true(addr_usable_with(&glob, &priv));
    assert_true(addr_usable_with(&glob, &lo));
    assert_false(addr_usable_with(&zero, &lo));
    assert_false(addr_usable_with(&zero, &glob));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_v4_scopes),
        cmocka_unit_test(test_v6_scopes),
        cmocka_unit_test(test_usable_with),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
