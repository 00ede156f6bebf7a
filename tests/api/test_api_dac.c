/* SCTP_CMT_USE_DAC (FreeBSD's number and meaning): the DAC algorithm of CMT on or off,
 * with the rules of SCTP_CMT_ON_OFF: default 1, values 0 and 1 only, short optlens,
 * one-to-one sockets (before and after connect, inheritance by accepted sockets),
 * one-to-many sockets (a real id, SCTP_FUTURE/CURRENT/ALL_ASSOC, unknown ids). Its effect
 * on the wire is tested in tests/proto/test_proto_cmt.c. */
#include <stdlib.h>

#include "api_util.h"

static int dac_set_len(int sd, sctp_assoc_t id, uint32_t v, socklen_t len)
{
    struct sctp_assoc_value av = {id, v};
    return mpsctp_setsockopt(sd, IPPROTO_SCTP, SCTP_CMT_USE_DAC, &av, len);
}

static int dac_set(int sd, sctp_assoc_t id, uint32_t v)
{
    return dac_set_len(sd, id, v, sizeof(struct sctp_assoc_value));
}

/* The value for id; fails the test when the get fails. */
static uint32_t dac_get(int sd, sctp_assoc_t id)
{
    struct sctp_assoc_value av = {id, 0xdeadbeef};
    socklen_t len = sizeof(av);
    assert_int_equal(mpsctp_getsockopt(sd, IPPROTO_SCTP, SCTP_CMT_USE_DAC, &av, &len), 0);
    assert_int_equal(len, sizeof(av));
    return av.assoc_value;
}

/* Bad values and short optlens change nothing. */
static void expect_errors(int sd, sctp_assoc_t id)
{
    uint32_t before = dac_get(sd, id);
    EXPECT_ERR(dac_set(sd, id, 2), EINVAL);
    EXPECT_ERR(dac_set(sd, id, 0xffffffffu), EINVAL);
    EXPECT_ERR(dac_set_len(sd, id, !before, sizeof(int)), EINVAL);
    EXPECT_ERR(dac_set_len(sd, id, !before, 0), EINVAL);
    struct sctp_assoc_value av = {id, 0};
    socklen_t len = sizeof(av) - 1;
    EXPECT_ERR(mpsctp_getsockopt(sd, IPPROTO_SCTP, SCTP_CMT_USE_DAC, &av, &len), EINVAL);
    assert_int_equal(dac_get(sd, id), before);
}

static void test_one_to_one(void **state)
{
    (void)state;
    mpsctp_stack *a = ut_stack(0), *b = ut_stack(0);
    int ls = ut_listener(b, SOCK_STREAM, 7701);
    int c = ut_client(a, SOCK_STREAM, b);
    assert_int_equal(dac_get(c, SCTP_FUTURE_ASSOC), 1);
    assert_int_equal(dac_get(ls, 4242), 1);
    expect_errors(c, SCTP_FUTURE_ASSOC);
    /* the id is ignored */
    assert_int_equal(dac_set(c, 4242, 0), 0);
    assert_int_equal(dac_get(c, SCTP_CURRENT_ASSOC), 0);
    assert_int_equal(dac_set(ls, SCTP_ALL_ASSOC, 0), 0);
    struct sockaddr_in sa = ut_sin(7701);
    assert_int_equal(mpsctp_connect(c, (struct sockaddr *)&sa, sizeof(sa)), 0);
    int s = mpsctp_accept(ls, NULL, NULL);
    assert_true(s >= 0);
    /* the associations inherit their sockets' defaults; the live ones change */
    assert_int_equal(dac_get(c, 0), 0);
    assert_int_equal(dac_get(s, 0), 0);
    assert_int_equal(dac_set(s, 0, 1), 0);
    assert_int_equal(dac_get(s, 0), 1);
    assert_int_equal(dac_get(ls, 0), 0);
    expect_errors(s, 0);
    /* CMT mode and DAC are independent */
    struct sctp_assoc_value cmt = {0, SCTP_CMT_RPV2};
    assert_int_equal(mpsctp_setsockopt(s, IPPROTO_SCTP, SCTP_CMT_ON_OFF, &cmt, sizeof(cmt)), 0);
    assert_int_equal(dac_get(s, 0), 1);
    assert_int_equal(dac_set(s, 0, 0), 0);
    socklen_t len = sizeof(cmt);
    assert_int_equal(mpsctp_getsockopt(s, IPPROTO_SCTP, SCTP_CMT_ON_OFF, &cmt, &len), 0);
    assert_int_equal(cmt.assoc_value, SCTP_CMT_RPV2);
    const int sds[] = {c, s, ls};
    ut_down(a, b, sds, 3);
}

static void test_one_to_many(void **state)
{
    (void)state;
    mpsctp_stack *a = ut_stack(0), *b = ut_stack(0);
    int m = ut_listener(b, SOCK_SEQPACKET, 7702);
    ut_event(m, SCTP_ASSOC_CHANGE);
    struct sockaddr_in sa = ut_sin(7702);
    int c1 = ut_client(a, SOCK_STREAM, b), c2 = ut_client(a, SOCK_STREAM, b);
    assert_int_equal(mpsctp_connect(c1, (struct sockaddr *)&sa, sizeof(sa)), 0);
    sctp_assoc_t id1 = ut_wait_up(m);
    assert_int_equal(mpsctp_connect(c2, (struct sockaddr *)&sa, sizeof(sa)), 0);
    sctp_assoc_t id2 = ut_wait_up(m);
    assert_int_equal(dac_get(m, id1), 1);
    assert_int_equal(dac_get(m, SCTP_FUTURE_ASSOC), 1);
    /* a real id: that association only */
    assert_int_equal(dac_set(m, id1, 0), 0);
    assert_int_equal(dac_get(m, id1), 0);
    assert_int_equal(dac_get(m, id2), 1);
    assert_int_equal(dac_get(m, SCTP_FUTURE_ASSOC), 1);
    /* CURRENT: both, not the default; FUTURE: the default only; ALL: everything */
    assert_int_equal(dac_set(m, SCTP_CURRENT_ASSOC, 0), 0);
    assert_int_equal(dac_get(m, id2), 0);
    assert_int_equal(dac_get(m, SCTP_FUTURE_ASSOC), 1);
    assert_int_equal(dac_set(m, SCTP_FUTURE_ASSOC, 0), 0);
    assert_int_equal(dac_get(m, SCTP_FUTURE_ASSOC), 0);
    assert_int_equal(dac_set(m, SCTP_ALL_ASSOC, 1), 0);
    assert_int_equal(dac_get(m, id1), 1);
    assert_int_equal(dac_get(m, id2), 1);
    assert_int_equal(dac_get(m, SCTP_FUTURE_ASSOC), 1);
    /* unknown ids, CURRENT/ALL on get */
    EXPECT_ERR(dac_set(m, id2 + 100, 0), ENOENT);
    struct sctp_assoc_value av = {id2 + 100, 0};
    socklen_t len = sizeof(av);
    EXPECT_ERR(mpsctp_getsockopt(m, IPPROTO_SCTP, SCTP_CMT_USE_DAC, &av, &len), ENOENT);
    av.assoc_id = SCTP_CURRENT_ASSOC;
    EXPECT_ERR(mpsctp_getsockopt(m, IPPROTO_SCTP, SCTP_CMT_USE_DAC, &av, &len), EINVAL);
    av.assoc_id = SCTP_ALL_ASSOC;
    EXPECT_ERR(mpsctp_getsockopt(m, IPPROTO_SCTP, SCTP_CMT_USE_DAC, &av, &len), EINVAL);
    expect_errors(m, id1);
    expect_errors(m, SCTP_FUTURE_ASSOC);
    /* a later association takes the default in force then */
    assert_int_equal(dac_set(m, SCTP_FUTURE_ASSOC, 0), 0);
    int c3 = ut_client(a, SOCK_STREAM, b);
    assert_int_equal(mpsctp_connect(c3, (struct sockaddr *)&sa, sizeof(sa)), 0);
    sctp_assoc_t id3 = ut_wait_up(m);
    assert_int_equal(dac_get(m, id3), 0);
    assert_int_equal(dac_get(m, id1), 1);
    const int sds[] = {c1, c2, c3, m};
    ut_down(a, b, sds, 4);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_one_to_one),
        cmocka_unit_test(test_one_to_many),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
