/* Datagram size: stacks with a 9000-byte MTU (jumbo frames) exchange packets above 2048
 * bytes over loopback, and the MTU limit is the largest UDP payload over IPv4. */
#include <stdlib.h>
#include <unistd.h>

#include "api_util.h"

/* Packet sizes a stack saw, by direction (trace callback, called with the stack locked). */
typedef struct sizes {
    size_t max_in, max_out;
    unsigned big_in;    /* received packets above 2048 bytes */
} sizes;

static void trace(void *user, int dir, const uint8_t *pkt, size_t len,
                  const struct sockaddr *local, const struct sockaddr *remote)
{
    sizes *z = user;
    if (dir == 1) {
        if (len > z->max_out)
            z->max_out = len;
    } else {
        if (len > z->max_in)
            z->max_in = len;
        z->big_in += len > 2048;
    }
}

static mpsctp_stack *mtu_stack(uint16_t mtu, sizes *z)
{
    mpsctp_stack_config cfg = ut_stack_config();
    cfg.mtu = mtu;
    cfg.trace = trace;
    cfg.trace_user = z;
    return mpsctp_stack_new(&cfg);
}

static void test_mtu_limits(void **state)
{
    sizes z;
    memset(&z, 0, sizeof(z));
    mpsctp_stack *st = mtu_stack(65507, &z);
    assert_non_null(st);
    mpsctp_stack_free(st);
    errno = 0;
    assert_null(mtu_stack(65508, &z));
    assert_int_equal(errno, EINVAL);
}

/* Messages of 8000 and 30000 bytes both ways with a 9000-byte MTU: the packets that carry
 * them are above 2048 bytes (at most 9000), none is dropped, every byte arrives. */
static void test_jumbo_exchange(void **state)
{
    sizes za, zb;
    memset(&za, 0, sizeof(za));
    memset(&zb, 0, sizeof(zb));
    mpsctp_stack *a = mtu_stack(9000, &za), *b = mtu_stack(9000, &zb);
    assert_non_null(a);
    assert_non_null(b);
    int c, s;
    int ls = ut_pair(a, b, 5201, &c, &s);
    static uint8_t msg[30000], buf[65536];
    const size_t lens[] = {8000, 30000, 8000};
    for (size_t k = 0; k < 3; k++) {
        for (size_t i = 0; i < lens[k]; i++)
            msg[i] = (uint8_t)(i * 7 + k);
        assert_int_equal(mpsctp_send(c, msg, lens[k], 0), (ssize_t)lens[k]);
        int fl = 0;
        assert_int_equal(ut_recv(s, buf, sizeof(buf), &fl, NULL), (ssize_t)lens[k]);
        assert_true(fl & MSG_EOR);
        assert_memory_equal(buf, msg, lens[k]);
        assert_int_equal(mpsctp_send(s, buf, lens[k], 0), (ssize_t)lens[k]);
        assert_int_equal(ut_recv(c, buf, sizeof(buf), &fl, NULL), (ssize_t)lens[k]);
        assert_memory_equal(buf, msg, lens[k]);
    }
    int sds[] = {c, s, ls};
    for (int i = 0; i < 3; i++)
        mpsctp_close(sds[i]);
    mpsctp_stack_stats sa, sb;
    mpsctp_stack_stats_get(a, &sa);
    mpsctp_stack_stats_get(b, &sb);
    mpsctp_stack_free(a);
    mpsctp_stack_free(b);
    assert_int_equal(sa.dropped_malformed, 0);
    assert_int_equal(sb.dropped_malformed, 0);
    assert_true(za.big_in >= 3 && zb.big_in >= 3);
    assert_true(za.max_in > 8000 && za.max_in <= 9000);
    assert_true(zb.max_in > 8000 && zb.max_in <= 9000);
    assert_true(za.max_out <= 9000 && zb.max_out <= 9000);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_mtu_limits),
        cmocka_unit_test(test_jumbo_exchange),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
