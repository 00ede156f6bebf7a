/* MPSCTP_MAX_ASSOCS: a one-to-many listener with a limit of N refuses association N + 1
 * (the client's connect fails with ECONNREFUSED, its notification says
 * SCTP_CANT_STR_ASSOC with the Out of Resource cause), and accepts again once one of the
 * N has closed. Also the option's value rules. */
#include <stdlib.h>
#include <unistd.h>

#include "api_util.h"

#define PORT 6201
#define LIMIT 2

static void test_option_values(void **state)
{
    (void)state;
    mpsctp_stack *st = ut_stack(0);
    int sd = ut_listener(st, SOCK_SEQPACKET, PORT);
    uint32_t v = 0;
    socklen_t len = sizeof(v);
    assert_int_equal(mpsctp_getsockopt(sd, IPPROTO_SCTP, MPSCTP_MAX_ASSOCS, &v, &len), 0);
    assert_int_equal(len, sizeof(v));
    assert_int_equal(v, 1024); /* the default */
    uint16_t small = 5;
    EXPECT_ERR(mpsctp_setsockopt(sd, IPPROTO_SCTP, MPSCTP_MAX_ASSOCS, &small, sizeof(small)),
               EINVAL);
    len = sizeof(small);
    EXPECT_ERR(mpsctp_getsockopt(sd, IPPROTO_SCTP, MPSCTP_MAX_ASSOCS, &small, &len), EINVAL);
    v = 0; /* no limit */
    assert_int_equal(mpsctp_setsockopt(sd, IPPROTO_SCTP, MPSCTP_MAX_ASSOCS, &v, sizeof(v)), 0);
    v = 77;
    len = sizeof(v);
    assert_int_equal(mpsctp_getsockopt(sd, IPPROTO_SCTP, MPSCTP_MAX_ASSOCS, &v, &len), 0);
    assert_int_equal(v, 0);
    ut_down(st, NULL, &sd, 1);
}

/* Connects a new one-to-one client on cst to the listener; returns the socket, and the
 * connect's result in *err (0 or errno). */
static int connect_one(mpsctp_stack *cst, mpsctp_stack *sst, int *err)
{
    int c = ut_client(cst, SOCK_STREAM, sst);
    ut_event(c, SCTP_ASSOC_CHANGE);
    struct sockaddr_in a = ut_sin(PORT);
    errno = 0;
    *err = mpsctp_connect(c, (struct sockaddr *)&a, sizeof(a)) == 0 ? 0 : errno;
    return c;
}

static void test_limit_refuses_and_recovers(void **state)
{
    (void)state;
    mpsctp_stack *sst = ut_stack(0), *cst = ut_stack(0);
    int srv = ut_listener(sst, SOCK_SEQPACKET, PORT);
    ut_event(srv, SCTP_ASSOC_CHANGE);
    uint32_t v = LIMIT;
    assert_int_equal(mpsctp_setsockopt(srv, IPPROTO_SCTP, MPSCTP_MAX_ASSOCS, &v, sizeof(v)), 0);
    int c[LIMIT + 2], err;
    sctp_assoc_t ids[LIMIT];
    for (int i = 0; i < LIMIT; i++) {
        c[i] = connect_one(cst, sst, &err);
        assert_int_equal(err, 0);
        ids[i] = ut_wait_up(srv);
    }
    /* One more: refused, with the reason. */
    c[LIMIT] = connect_one(cst, sst, &err);
    assert_int_equal(err, ECONNREFUSED);
    struct sctp_assoc_change ac;
    memset(&ac, 0, sizeof(ac));
    assert_int_equal(ut_wait_notification(c[LIMIT], SCTP_ASSOC_CHANGE, &ac, sizeof(ac)), 0);
    assert_int_equal(ac.sac_state, SCTP_CANT_STR_ASSOC);
    assert_int_equal(ac.sac_error, 4); /* RFC 9260 s3.3.10.4 Out of Resource */
    /* The listener saw nothing of it: its two associations are all there is. */
    uint8_t idbuf[sizeof(struct sctp_assoc_ids) + 8 * sizeof(sctp_assoc_t)];
    socklen_t il = sizeof(idbuf);
    assert_int_equal(mpsctp_getsockopt(srv, IPPROTO_SCTP, SCTP_GET_ASSOC_ID_LIST, idbuf, &il),
                     0);
    assert_int_equal(((struct sctp_assoc_ids *)idbuf)->gaids_number_of_ids, LIMIT);
    /* One client closes; once the listener has seen its association end, a new client
     * gets in. */
    assert_int_equal(mpsctp_close(c[0]), 0);
    memset(&ac, 0, sizeof(ac));
    assert_int_equal(ut_wait_notification(srv, SCTP_ASSOC_CHANGE, &ac, sizeof(ac)), 0);
    assert_int_equal(ac.sac_state, SCTP_SHUTDOWN_COMP);
    assert_int_equal(ac.sac_assoc_id, ids[0]);
    c[LIMIT + 1] = connect_one(cst, sst, &err);
    assert_int_equal(err, 0);
    assert_true(ut_wait_up(srv) > SCTP_ALL_ASSOC);
    int all[] = {srv, c[1], c[LIMIT], c[LIMIT + 1]};
    ut_down(sst, cst, all, sizeof(all) / sizeof(all[0]));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_option_values),
        cmocka_unit_test(test_limit_refuses_and_recovers),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
