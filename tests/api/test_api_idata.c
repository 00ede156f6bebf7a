/* Message interleaving socket options (docs/api.md "Message interleaving"):
 * SCTP_FRAGMENT_INTERLEAVE levels 0..2 (EINVAL beyond), SCTP_INTERLEAVING_SUPPORTED off by
 * default, EINVAL without level 2, turned off by a lower level, what an association
 * negotiated; and a transfer over loopback: a 1 MiB message on stream 1 sent before small
 * ones on streams 2..4, read with level 2 (each piece labelled with its stream): the
 * small ones complete before the large one, every byte intact. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "api_util.h"

#define PORT 7851

static uint32_t get_intl(int sd, sctp_assoc_t id)
{
    struct sctp_assoc_value av = {id, 0xdead};
    socklen_t l = sizeof(av);
    assert_int_equal(mpsctp_getsockopt(sd, IPPROTO_SCTP, SCTP_INTERLEAVING_SUPPORTED, &av, &l),
                     0);
    assert_int_equal(l, sizeof(av));
    return av.assoc_value;
}

static int set_intl(int sd, sctp_assoc_t id, uint32_t v)
{
    struct sctp_assoc_value av = {id, v};
    return mpsctp_setsockopt(sd, IPPROTO_SCTP, SCTP_INTERLEAVING_SUPPORTED, &av, sizeof(av));
}

static int get_level(int sd)
{
    int v = -1;
    socklen_t l = sizeof(v);
    assert_int_equal(mpsctp_getsockopt(sd, IPPROTO_SCTP, SCTP_FRAGMENT_INTERLEAVE, &v, &l), 0);
    return v;
}

static int set_level(int sd, int v)
{
    return mpsctp_setsockopt(sd, IPPROTO_SCTP, SCTP_FRAGMENT_INTERLEAVE, &v, sizeof(v));
}

static void test_options(void **state)
{
    (void)state;
    assert_int_equal(SCTP_INTERLEAVING_SUPPORTED, 125);
    assert_int_equal(SCTP_FRAGMENT_INTERLEAVE, 18);
    mpsctp_stack *a = ut_stack(0);
    int sd = mpsctp_socket_on(a, AF_INET, SOCK_SEQPACKET, IPPROTO_SCTP);
    assert_true(sd >= 0);
    assert_int_equal(get_level(sd), 0);
    assert_int_equal(get_intl(sd, SCTP_FUTURE_ASSOC), 0);
    EXPECT_ERR(set_intl(sd, SCTP_FUTURE_ASSOC, 1), EINVAL); /* level 0 */
    assert_int_equal(set_level(sd, 1), 0);
    EXPECT_ERR(set_intl(sd, SCTP_FUTURE_ASSOC, 1), EINVAL); /* level 1 */
    EXPECT_ERR(set_level(sd, 3), EINVAL);
    EXPECT_ERR(set_level(sd, -1), EINVAL);
    assert_int_equal(get_level(sd), 1);
    assert_int_equal(set_level(sd, 2), 0);
    assert_int_equal(get_level(sd), 2);
    assert_int_equal(set_intl(sd, SCTP_FUTURE_ASSOC, 1), 0);
    assert_int_equal(get_intl(sd, SCTP_FUTURE_ASSOC), 1);
    assert_int_equal(set_intl(sd, SCTP_FUTURE_ASSOC, 0), 0); /* off needs no level */
    assert_int_equal(get_intl(sd, SCTP_FUTURE_ASSOC), 0);
    assert_int_equal(set_intl(sd, SCTP_FUTURE_ASSOC, 7), 0); /* any nonzero: on */
    assert_int_equal(get_intl(sd, SCTP_FUTURE_ASSOC), 1);
    /* a lower level turns the offer off */
    assert_int_equal(set_level(sd, 1), 0);
    assert_int_equal(get_intl(sd, SCTP_FUTURE_ASSOC), 0);
    /* CURRENT/ALL, unknown ids and short lengths */
    assert_int_equal(set_level(sd, 2), 0);
    EXPECT_ERR(set_intl(sd, SCTP_CURRENT_ASSOC, 1), EINVAL);
    EXPECT_ERR(set_intl(sd, SCTP_ALL_ASSOC, 1), EINVAL);
    EXPECT_ERR(set_intl(sd, 4242, 1), ENOENT);
    struct sctp_assoc_value av = {SCTP_FUTURE_ASSOC, 1};
    EXPECT_ERR(mpsctp_setsockopt(sd, IPPROTO_SCTP, SCTP_INTERLEAVING_SUPPORTED, &av,
                                 sizeof(av) - 1),
               EINVAL);
    socklen_t l = sizeof(av) - 1;
    EXPECT_ERR(mpsctp_getsockopt(sd, IPPROTO_SCTP, SCTP_INTERLEAVING_SUPPORTED, &av, &l),
               EINVAL);
    int v = 2;
    EXPECT_ERR(mpsctp_setsockopt(sd, IPPROTO_SCTP, SCTP_FRAGMENT_INTERLEAVE, &v, 2), EINVAL);
    assert_int_equal(mpsctp_close(sd), 0);
    mpsctp_stack_free(a);
}

#define BIG (1u << 20)

static void test_transfer(void **state)
{
    (void)state;
    mpsctp_stack *a = ut_stack(0), *b = ut_stack(0);
    int ls = ut_listener(b, SOCK_STREAM, PORT);
    assert_int_equal(set_level(ls, 2), 0);
    assert_int_equal(set_intl(ls, SCTP_FUTURE_ASSOC, 1), 0);
    ut_set_int(ls, IPPROTO_SCTP, SCTP_RECVRCVINFO, 1);
    int c = ut_client(a, SOCK_STREAM, b);
    assert_int_equal(set_level(c, 2), 0);
    assert_int_equal(set_intl(c, 0, 1), 0);
    int sb = 4 << 20;
    assert_int_equal(mpsctp_setsockopt(c, SOL_SOCKET, SO_SNDBUF, &sb, sizeof(sb)), 0);
    struct sockaddr_in sa = ut_sin(PORT);
    assert_int_equal(mpsctp_connect(c, (struct sockaddr *)&sa, sizeof(sa)), 0);
    int s = mpsctp_accept(ls, NULL, NULL);
    assert_true(s >= 0);
    assert_int_equal(get_intl(c, 0), 1); /* negotiated */
    assert_int_equal(get_intl(s, 0), 1);
    assert_int_equal(get_level(s), 2);

    uint8_t *big = malloc(BIG);
    assert_non_null(big);
    for (uint32_t i = 0; i < BIG; i++)
        big[i] = (uint8_t)(i * 7 + (i >> 11));
    struct sctp_sndrcvinfo si;
    memset(&si, 0, sizeof(si));
    si.sinfo_stream = 1;
    si.sinfo_ppid = 0;
    assert_int_equal(mpsctp_sctp_send(c, big, BIG, &si, 0), (ssize_t)BIG);
    uint8_t small[1200];
    for (uint32_t k = 1; k <= 9; k++) {
        memset(small, (int)k, sizeof(small));
        si.sinfo_stream = (uint16_t)(2 + (k - 1) % 3);
        si.sinfo_ppid = k;
        assert_int_equal(mpsctp_sctp_send(c, small, 1000 + k, &si, 0), (ssize_t)(1000 + k));
    }
    /* Read pieces by stream. */
    uint8_t *acc[5] = {0};
    size_t alen[5] = {0};
    for (int i = 0; i < 5; i++) {
        acc[i] = malloc(BIG);
        assert_non_null(acc[i]);
    }
    static uint8_t buf[1 << 17];
    int small_done = 0, big_done = 0, small_before_big = 0, pieces = 0;
    double until = ut_now() + 60;
    while ((small_done < 9 || !big_done) && ut_now() < until) {
        struct sctp_rcvinfo rcv;
        int flags = 0;
        ssize_t n = ut_recv(s, buf, sizeof(buf), &flags, &rcv);
        if (n == -2)
            continue;
        assert_true(n > 0);
        assert_true(rcv.rcv_sid >= 1 && rcv.rcv_sid <= 4);
        memcpy(acc[rcv.rcv_sid] + alen[rcv.rcv_sid], buf, (size_t)n);
        alen[rcv.rcv_sid] += (size_t)n;
        if (!(flags & MSG_EOR)) {
            pieces++;
            continue;
        }
        if (rcv.rcv_sid == 1) {
            assert_int_equal(rcv.rcv_ppid, 0);
            assert_int_equal(alen[1], BIG);
            assert_memory_equal(acc[1], big, BIG);
            big_done = 1;
        } else {
            uint32_t k = rcv.rcv_ppid;
            assert_true(k >= 1 && k <= 9);
            assert_int_equal(rcv.rcv_sid, 2 + (k - 1) % 3);
            assert_int_equal(alen[rcv.rcv_sid], 1000 + k);
            for (size_t j = 0; j < alen[rcv.rcv_sid]; j++)
                assert_int_equal(acc[rcv.rcv_sid][j], k);
            small_done++;
            if (!big_done)
                small_before_big++;
        }
        alen[rcv.rcv_sid] = 0;
    }
    assert_int_equal(small_done, 9);
    assert_true(big_done);
    assert_int_equal(small_before_big, 9);
    assert_true(pieces > 0);
    for (int i = 0; i < 5; i++)
        free(acc[i]);
    free(big);
    const int sds[] = {c, s, ls};
    ut_down(a, b, sds, 3);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_options),
        cmocka_unit_test(test_transfer),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
