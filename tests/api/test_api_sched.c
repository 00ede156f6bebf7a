/* Stream scheduler socket options (docs/api.md "Stream schedulers"): SCTP_STREAM_SCHEDULER
 * and SCTP_STREAM_SCHEDULER_VALUE with Linux's numbers and structures - the default
 * (SCTP_SS_RR), the socket default for later associations, the FUTURE/CURRENT/ALL rules,
 * EINVAL for an unknown scheduler, a bad stream id, weight 0 under WFQ and short lengths,
 * ENOENT for an unknown association, values reset by a scheduler change - and a transfer
 * during which the scheduler changes over every id with the send buffer full: every
 * message arrives once, in order within its stream. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "api_util.h"

#define PORT 7801

static int gopt(int sd, int name, void *v, socklen_t len)
{
    socklen_t l = len;
    return mpsctp_getsockopt(sd, IPPROTO_SCTP, name, v, &l);
}

static int sopt(int sd, int name, const void *v, socklen_t len)
{
    return mpsctp_setsockopt(sd, IPPROTO_SCTP, name, v, len);
}

static uint32_t get_sched(int sd, sctp_assoc_t id)
{
    struct sctp_assoc_value av = {id, 0xdead};
    socklen_t l = sizeof(av);
    assert_int_equal(mpsctp_getsockopt(sd, IPPROTO_SCTP, SCTP_STREAM_SCHEDULER, &av, &l), 0);
    assert_int_equal(l, sizeof(av));
    return av.assoc_value;
}

static int set_sched(int sd, sctp_assoc_t id, uint32_t v)
{
    struct sctp_assoc_value av = {id, v};
    return sopt(sd, SCTP_STREAM_SCHEDULER, &av, sizeof(av));
}

static int get_value(int sd, sctp_assoc_t id, uint16_t sid)
{
    struct sctp_stream_value sv = {id, sid, 0xbeef};
    socklen_t l = sizeof(sv);
    if (mpsctp_getsockopt(sd, IPPROTO_SCTP, SCTP_STREAM_SCHEDULER_VALUE, &sv, &l) < 0)
        return -1;
    assert_int_equal(l, sizeof(sv));
    assert_int_equal(sv.stream_id, sid);
    return sv.stream_value;
}

static int set_value(int sd, sctp_assoc_t id, uint16_t sid, uint16_t v)
{
    struct sctp_stream_value sv = {id, sid, v};
    return sopt(sd, SCTP_STREAM_SCHEDULER_VALUE, &sv, sizeof(sv));
}

static void test_numbers(void **state)
{
    (void)state;
    assert_int_equal(SCTP_STREAM_SCHEDULER, 123);
    assert_int_equal(SCTP_STREAM_SCHEDULER_VALUE, 124);
    assert_int_equal(SCTP_SS_FCFS, 0);
    assert_int_equal(SCTP_SS_PRIO, 1);
    assert_int_equal(SCTP_SS_RR, 2);
    assert_int_equal(SCTP_SS_FC, 3);
    assert_int_equal(SCTP_SS_WFQ, 4);
    assert_int_equal(SCTP_SS_RR_PKT, 5);
}

static void test_options(void **state)
{
    (void)state;
    mpsctp_stack *a = ut_stack(0), *b = ut_stack(0);
    int m = ut_listener(b, SOCK_SEQPACKET, PORT);
    ut_event(m, SCTP_ASSOC_CHANGE);
    int c = ut_client(a, SOCK_STREAM, b);

    /* one-to-one, before connect: the socket default */
    assert_int_equal(get_sched(c, 0), SCTP_SS_RR);
    assert_int_equal(set_sched(c, 0, SCTP_SS_PRIO), 0);
    assert_int_equal(get_sched(c, 0), SCTP_SS_PRIO);
    EXPECT_ERR(set_value(c, 0, 0, 1), EINVAL); /* no association yet */
    EXPECT_ERR(get_value(c, 0, 0), EINVAL);
    struct sockaddr_in sa = ut_sin(PORT);
    assert_int_equal(mpsctp_connect(c, (struct sockaddr *)&sa, sizeof(sa)), 0);
    sctp_assoc_t id = ut_wait_up(m);
    /* the association took the socket default */
    assert_int_equal(get_sched(c, 0), SCTP_SS_PRIO);
    assert_int_equal(get_value(c, 0, 3), 0);
    assert_int_equal(set_value(c, 0, 3, 7), 0);
    assert_int_equal(get_value(c, 0, 3), 7);
    EXPECT_ERR(set_value(c, 0, 10, 1), EINVAL); /* 10 outgoing streams: 0..9 */
    EXPECT_ERR(get_value(c, 0, 10), EINVAL);
    EXPECT_ERR(set_value(c, 0, 0xffff, 1), EINVAL);
    /* a scheduler change resets the values to its default */
    assert_int_equal(set_sched(c, 0, SCTP_SS_WFQ), 0);
    assert_int_equal(get_value(c, 0, 3), 1);
    assert_int_equal(set_value(c, 0, 3, 5), 0);
    assert_int_equal(set_sched(c, 0, SCTP_SS_WFQ), 0); /* the same one: values stay */
    assert_int_equal(get_value(c, 0, 3), 5);
    assert_int_equal(set_value(c, 0, 3, 1), 0);
    EXPECT_ERR(set_value(c, 0, 3, 0), EINVAL); /* weight 0 */
    assert_int_equal(get_value(c, 0, 3), 1);
    /* unknown schedulers and short lengths change nothing */
    EXPECT_ERR(set_sched(c, 0, 6), EINVAL);
    EXPECT_ERR(set_sched(c, 0, 0xffffffffu), EINVAL);
    assert_int_equal(get_sched(c, 0), SCTP_SS_WFQ);
    struct sctp_assoc_value av = {0, SCTP_SS_FCFS};
    EXPECT_ERR(sopt(c, SCTP_STREAM_SCHEDULER, &av, sizeof(av) - 1), EINVAL);
    EXPECT_ERR(gopt(c, SCTP_STREAM_SCHEDULER, &av, sizeof(av) - 1), EINVAL);
    struct sctp_stream_value sv = {0, 1, 5};
    EXPECT_ERR(sopt(c, SCTP_STREAM_SCHEDULER_VALUE, &sv, sizeof(sv) - 1), EINVAL);
    EXPECT_ERR(gopt(c, SCTP_STREAM_SCHEDULER_VALUE, &sv, sizeof(sv) - 1), EINVAL);
    assert_int_equal(get_sched(c, 0), SCTP_SS_WFQ);

    /* one-to-many: FUTURE, a real id, CURRENT, ALL, unknown ids */
    assert_int_equal(get_sched(m, SCTP_FUTURE_ASSOC), SCTP_SS_RR);
    assert_int_equal(get_sched(m, id), SCTP_SS_RR);
    assert_int_equal(set_sched(m, id, SCTP_SS_FC), 0);
    assert_int_equal(get_sched(m, id), SCTP_SS_FC);
    assert_int_equal(get_sched(m, SCTP_FUTURE_ASSOC), SCTP_SS_RR);
    assert_int_equal(set_sched(m, SCTP_CURRENT_ASSOC, SCTP_SS_RR_PKT), 0);
    assert_int_equal(get_sched(m, id), SCTP_SS_RR_PKT);
    assert_int_equal(get_sched(m, SCTP_FUTURE_ASSOC), SCTP_SS_RR);
    assert_int_equal(set_sched(m, SCTP_ALL_ASSOC, SCTP_SS_PRIO), 0);
    assert_int_equal(get_sched(m, id), SCTP_SS_PRIO);
    assert_int_equal(get_sched(m, SCTP_FUTURE_ASSOC), SCTP_SS_PRIO);
    assert_int_equal(set_sched(m, SCTP_FUTURE_ASSOC, SCTP_SS_FCFS), 0);
    assert_int_equal(get_sched(m, id), SCTP_SS_PRIO);
    EXPECT_ERR(set_sched(m, id + 100, SCTP_SS_RR), ENOENT);
    struct sctp_assoc_value bad = {id + 100, 0};
    EXPECT_ERR(gopt(m, SCTP_STREAM_SCHEDULER, &bad, sizeof(bad)), ENOENT);
    assert_int_equal(set_value(m, id, 2, 9), 0);
    assert_int_equal(get_value(m, id, 2), 9);
    assert_int_equal(set_value(m, SCTP_CURRENT_ASSOC, 2, 4), 0);
    assert_int_equal(get_value(m, id, 2), 4);
    EXPECT_ERR(set_value(m, SCTP_FUTURE_ASSOC, 2, 1), EINVAL);
    EXPECT_ERR(set_value(m, SCTP_ALL_ASSOC, 2, 1), EINVAL);
    EXPECT_ERR(get_value(m, SCTP_FUTURE_ASSOC, 2), EINVAL);
    EXPECT_ERR(set_value(m, id + 100, 2, 1), ENOENT);
    EXPECT_ERR(get_value(m, id + 100, 2), ENOENT);
    const int sds[] = {c, m};
    ut_down(a, b, sds, 2);
}

/* The sender fills its buffer on 4 streams and changes the scheduler over every id (and
 * the stream values) between sends; the receiver checks every message. */
static void test_change_while_queued(void **state)
{
    (void)state;
    mpsctp_stack *a = ut_stack(0), *b = ut_stack(0);
    int c, s;
    int ls = ut_pair(a, b, PORT + 1, &c, &s);
    ut_set_int(s, IPPROTO_SCTP, SCTP_RECVRCVINFO, 1);
    int fl = mpsctp_fcntl(c, F_GETFL, 0);
    assert_int_equal(mpsctp_fcntl(c, F_SETFL, fl | O_NONBLOCK), 0);
    enum { MSGS = 4000, K = 4 };
    static const uint32_t ids[] = {SCTP_SS_FCFS, SCTP_SS_PRIO,  SCTP_SS_RR,
                                   SCTP_SS_FC,   SCTP_SS_WFQ, SCTP_SS_RR_PKT};
    uint32_t sent = 0, got = 0, next[K] = {0}, changes = 0;
    uint8_t buf[1200];
    double until = ut_now() + 60;
    while (got < MSGS && ut_now() < until) {
        while (sent < MSGS) {
            struct sctp_sndrcvinfo si;
            memset(&si, 0, sizeof(si));
            si.sinfo_stream = (uint16_t)(sent % K);
            si.sinfo_ppid = sent;
            memset(buf, (int)(sent & 0xff), sizeof(buf));
            ssize_t n = mpsctp_sctp_send(c, buf, 200 + sent % 1000, &si, 0);
            if (n < 0) {
                assert_int_equal(errno, EAGAIN);
                break;
            }
            sent++;
            if (sent % 97 == 0) {
                assert_int_equal(set_sched(c, 0, ids[changes % 6]), 0);
                if (ids[changes % 6] == SCTP_SS_PRIO || ids[changes % 6] == SCTP_SS_WFQ)
                    assert_int_equal(set_value(c, 0, (uint16_t)(changes % K),
                                               (uint16_t)(1 + changes % 3)), 0);
                changes++;
            }
        }
        if (!(ut_poll(s, POLLIN, 100) & POLLIN))
            continue;
        struct sctp_rcvinfo rcv;
        memset(&rcv, 0xff, sizeof(rcv));
        int flags = 0;
        ssize_t n = ut_recv(s, buf, sizeof(buf), &flags, &rcv);
        assert_true(n > 0);
        assert_true(flags & MSG_EOR);
        uint32_t i = rcv.rcv_ppid;
        assert_true(i < MSGS);
        assert_int_equal(rcv.rcv_sid, i % K);
        assert_int_equal(i, next[i % K] * K + i % K); /* in order within its stream */
        next[i % K]++;
        assert_int_equal((size_t)n, 200 + i % 1000);
        for (ssize_t j = 0; j < n; j++)
            assert_int_equal(buf[j], i & 0xff);
        got++;
    }
    assert_int_equal(got, MSGS);
    assert_true(changes >= 6);
    const int sds[] = {c, s, ls};
    ut_down(a, b, sds, 3);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_numbers),
        cmocka_unit_test(test_options),
        cmocka_unit_test(test_change_while_queued),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
