/* Partial reliability over the sockets API: SCTP_PR_SUPPORTED, SCTP_DEFAULT_PRINFO,
 * SCTP_PR_ASSOC_STATUS / SCTP_PR_STREAM_STATUS with their errors; a TTL policy from
 * sctp_sendv (SCTP_SENDV_PRINFO), the SCTP_PRINFO cmsg, the SCTP_SNDRCV sinfo_flags form
 * and the default abandons messages that wait behind a closed window (the receiver does
 * not read), reported by SCTP_SEND_FAILED_EVENT (SCTP_DATA_UNSENT / SENT) and counted; a
 * PRIO send makes room in a full send buffer. */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "api_util.h"

#define MSG 1000

static void get_av(int sd, int name, sctp_assoc_t id, uint32_t *v)
{
    struct sctp_assoc_value av = {id, 0};
    socklen_t l = sizeof(av);
    assert_int_equal(mpsctp_getsockopt(sd, IPPROTO_SCTP, name, &av, &l), 0);
    assert_int_equal(l, sizeof(av));
    *v = av.assoc_value;
}

static int prstatus(int sd, int name, sctp_assoc_t id, uint16_t sid, uint16_t policy,
                    uint64_t *unsent, uint64_t *sent)
{
    struct sctp_prstatus ps;
    memset(&ps, 0, sizeof(ps));
    ps.sprstat_assoc_id = id;
    ps.sprstat_sid = sid;
    ps.sprstat_policy = policy;
    socklen_t l = sizeof(ps);
    int rc = mpsctp_getsockopt(sd, IPPROTO_SCTP, name, &ps, &l);
    if (rc == 0) {
        *unsent = ps.sprstat_abandoned_unsent;
        *sent = ps.sprstat_abandoned_sent;
    }
    return rc;
}

/* Counts SEND_FAILED_EVENT notifications waiting on sd (non-blocking drain): total and
 * with SCTP_DATA_SENT; older SCTP_SEND_FAILED ones in *old. */
static void drain_failed(int sd, int *n, int *nsent, int *old)
{
    uint8_t b[4096];
    for (;;) {
        if (!(ut_poll(sd, POLLIN, 300) & POLLIN))
            return;
        int flags = 0;
        struct iovec iov = {b, sizeof(b)};
        struct msghdr m = {.msg_iov = &iov, .msg_iovlen = 1};
        ssize_t k = mpsctp_recvmsg(sd, &m, MSG_DONTWAIT);
        if (k <= 0)
            return;
        flags = m.msg_flags;
        if (!(flags & MSG_NOTIFICATION))
            continue;
        const union sctp_notification *no = (const void *)b;
        if (no->sn_header.sn_type == SCTP_SEND_FAILED_EVENT) {
            (*n)++;
            *nsent += no->sn_send_failed_event.ssf_flags == SCTP_DATA_SENT;
        } else if (no->sn_header.sn_type == SCTP_SEND_FAILED) {
            (*old)++;
        }
    }
}

static void test_options(void **state)
{
    (void)state;
    mpsctp_stack *a = ut_stack(0), *b = ut_stack(0);
    int c, s;
    int l = ut_pair(a, b, 5701, &c, &s);
    uint32_t v;
    get_av(c, SCTP_PR_SUPPORTED, 0, &v);
    assert_int_equal(v, 1); /* negotiated on the association */
    /* One-to-many socket: the offer for later associations; an unknown id: ENOENT. */
    int m = mpsctp_socket_on(a, AF_INET, SOCK_SEQPACKET, IPPROTO_SCTP);
    assert_true(m >= 0);
    get_av(m, SCTP_PR_SUPPORTED, SCTP_FUTURE_ASSOC, &v);
    assert_int_equal(v, 1);
    struct sctp_assoc_value av = {SCTP_FUTURE_ASSOC, 0};
    assert_int_equal(mpsctp_setsockopt(m, IPPROTO_SCTP, SCTP_PR_SUPPORTED, &av, sizeof(av)), 0);
    get_av(m, SCTP_PR_SUPPORTED, SCTP_FUTURE_ASSOC, &v);
    assert_int_equal(v, 0);
    av.assoc_id = 1234;
    EXPECT_ERR(mpsctp_setsockopt(m, IPPROTO_SCTP, SCTP_PR_SUPPORTED, &av, sizeof(av)), ENOENT);
    EXPECT_ERR(mpsctp_setsockopt(m, IPPROTO_SCTP, SCTP_PR_SUPPORTED, &av, 4), EINVAL);
    /* SCTP_DEFAULT_PRINFO */
    struct sctp_default_prinfo dp = {SCTP_FUTURE_ASSOC, 250, SCTP_PR_SCTP_TTL};
    assert_int_equal(mpsctp_setsockopt(m, IPPROTO_SCTP, SCTP_DEFAULT_PRINFO, &dp, sizeof(dp)),
                     0);
    memset(&dp, 0, sizeof(dp));
    socklen_t len = sizeof(dp);
    assert_int_equal(mpsctp_getsockopt(m, IPPROTO_SCTP, SCTP_DEFAULT_PRINFO, &dp, &len), 0);
    assert_int_equal(dp.pr_policy, SCTP_PR_SCTP_TTL);
    assert_int_equal(dp.pr_value, 250);
    dp.pr_policy = 0x40;
    EXPECT_ERR(mpsctp_setsockopt(m, IPPROTO_SCTP, SCTP_DEFAULT_PRINFO, &dp, sizeof(dp)),
               EINVAL);
    dp.pr_policy = SCTP_PR_SCTP_TTL | 1;
    EXPECT_ERR(mpsctp_setsockopt(m, IPPROTO_SCTP, SCTP_DEFAULT_PRINFO, &dp, sizeof(dp)),
               EINVAL);
    EXPECT_ERR(mpsctp_setsockopt(m, IPPROTO_SCTP, SCTP_DEFAULT_PRINFO, &dp, 4), EINVAL);
    /* Status: needs an association and a valid policy. */
    uint64_t u = 0, sn = 0;
    assert_int_equal(prstatus(c, SCTP_PR_ASSOC_STATUS, 0, 0, SCTP_PR_SCTP_ALL, &u, &sn), 0);
    assert_int_equal(u + sn, 0);
    assert_int_equal(prstatus(c, SCTP_PR_STREAM_STATUS, 0, 1, SCTP_PR_SCTP_TTL, &u, &sn), 0);
    EXPECT_ERR(prstatus(c, SCTP_PR_ASSOC_STATUS, 0, 0, 0, &u, &sn), EINVAL);
    EXPECT_ERR(prstatus(c, SCTP_PR_ASSOC_STATUS, 0, 0, SCTP_PR_SCTP_ALL | SCTP_PR_SCTP_TTL,
                        &u, &sn),
               EINVAL);
    EXPECT_ERR(prstatus(c, SCTP_PR_ASSOC_STATUS, 0, 0, 0x100, &u, &sn), EINVAL);
    EXPECT_ERR(prstatus(c, SCTP_PR_STREAM_STATUS, 0, 5000, SCTP_PR_SCTP_TTL, &u, &sn), EINVAL);
    EXPECT_ERR(prstatus(m, SCTP_PR_ASSOC_STATUS, SCTP_FUTURE_ASSOC, 0, SCTP_PR_SCTP_TTL, &u,
                        &sn),
               EINVAL);
    struct sctp_prstatus ps = {0};
    EXPECT_ERR(mpsctp_setsockopt(c, IPPROTO_SCTP, SCTP_PR_ASSOC_STATUS, &ps, sizeof(ps)),
               ENOPROTOOPT);
    /* sendv: a policy out of range is EINVAL. */
    struct sctp_prinfo pi = {0x50, 1};
    struct iovec iov = {"x", 1};
    EXPECT_ERR(mpsctp_sendv(c, &iov, 1, NULL, 0, &pi, sizeof(pi), SCTP_SENDV_PRINFO, 0),
               EINVAL);
    EXPECT_ERR(mpsctp_sendv(c, &iov, 1, NULL, 0, &pi, 2, SCTP_SENDV_PRINFO, 0), EINVAL);
    int sds[4] = {c, s, l, m};
    ut_down(a, b, sds, 4);
}

/* Sends MSG-byte messages on c until the send buffer is full (non-blocking); how many. */
static int fill(int c, int (*one)(int c, int i))
{
    int n = 0;
    for (;;) {
        int rc = one(c, n);
        if (rc < 0) {
            assert_int_equal(errno, EAGAIN);
            return n;
        }
        n++;
    }
}

static uint8_t payload[MSG];

static int send_sendv_ttl(int c, int i)
{
    (void)i;
    struct sctp_prinfo pi = {SCTP_PR_SCTP_TTL, 300};
    struct iovec iov = {payload, MSG};
    return (int)mpsctp_sendv(c, &iov, 1, NULL, 0, &pi, sizeof(pi), SCTP_SENDV_PRINFO,
                             MSG_DONTWAIT);
}

static int send_cmsg_ttl(int c, int i)
{
    struct iovec iov = {payload, MSG};
    union {
        char buf[CMSG_SPACE(sizeof(struct sctp_sndrcvinfo))];
        struct cmsghdr align;
    } u;
    memset(&u, 0, sizeof(u));
    struct msghdr m = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = u.buf};
    struct cmsghdr *ch = (struct cmsghdr *)u.buf;
    if (i % 2) {
        m.msg_controllen = CMSG_SPACE(sizeof(struct sctp_prinfo));
        ch->cmsg_level = IPPROTO_SCTP;
        ch->cmsg_type = SCTP_PRINFO;
        ch->cmsg_len = CMSG_LEN(sizeof(struct sctp_prinfo));
        struct sctp_prinfo pi = {SCTP_PR_SCTP_TTL, 300};
        memcpy(CMSG_DATA(ch), &pi, sizeof(pi));
    } else {
        m.msg_controllen = CMSG_SPACE(sizeof(struct sctp_sndrcvinfo));
        ch->cmsg_level = IPPROTO_SCTP;
        ch->cmsg_type = SCTP_SNDRCV;
        ch->cmsg_len = CMSG_LEN(sizeof(struct sctp_sndrcvinfo));
        struct sctp_sndrcvinfo sr;
        memset(&sr, 0, sizeof(sr));
        sr.sinfo_flags = SCTP_PR_SCTP_TTL;
        sr.sinfo_timetolive = 300;
        memcpy(CMSG_DATA(ch), &sr, sizeof(sr));
    }
    return (int)mpsctp_sendmsg(c, &m, MSG_DONTWAIT);
}

static int send_default(int c, int i)
{
    (void)i;
    return (int)mpsctp_send(c, payload, MSG, MSG_DONTWAIT);
}

/* The receiver never reads: its window closes, the sender's buffer fills, and after the
 * lifetime every queued message is abandoned (most never sent). */
static void run_ttl(int (*one)(int c, int i), int set_default)
{
    mpsctp_stack *a = ut_stack(0), *b = ut_stack(0);
    int c, s;
    int l = ut_listener_rcvbuf(b, 5702, 8192);
    struct sockaddr_in sin;
    socklen_t sl = sizeof(sin);
    assert_int_equal(mpsctp_getsockname(l, (struct sockaddr *)&sin, &sl), 0);
    c = ut_client(a, SOCK_STREAM, b);
    int sb = 64 * 1024;
    ut_set_int(c, SOL_SOCKET, SO_SNDBUF, sb);
    ut_event(c, SCTP_SEND_FAILED_EVENT);
    ut_event(c, SCTP_SEND_FAILED);
    if (set_default) {
        struct sctp_default_prinfo dp = {0, 300, SCTP_PR_SCTP_TTL};
        assert_int_equal(
            mpsctp_setsockopt(c, IPPROTO_SCTP, SCTP_DEFAULT_PRINFO, &dp, sizeof(dp)), 0);
    }
    assert_int_equal(mpsctp_connect(c, (struct sockaddr *)&sin, sizeof(sin)), 0);
    s = mpsctp_accept(l, NULL, NULL);
    assert_true(s >= 0);
    int n = fill(c, one);
    assert_true(n >= 40);
    /* What the receiver took before its window closed arrives; everything else expires:
     * the buffer empties, each message counted and reported once. */
    usleep(1500 * 1000);
    int failed = 0, failed_sent = 0, old = 0;
    drain_failed(c, &failed, &failed_sent, &old);
    assert_true(failed > 0 && failed < n);
    assert_int_equal(old, failed);
    assert_true(failed_sent < failed);
    uint64_t u = 0, sn = 0;
    assert_int_equal(prstatus(c, SCTP_PR_ASSOC_STATUS, 0, 0, SCTP_PR_SCTP_TTL, &u, &sn), 0);
    assert_int_equal(u + sn, (uint64_t)failed);
    assert_int_equal(sn, (uint64_t)failed_sent);
    assert_int_equal(prstatus(c, SCTP_PR_STREAM_STATUS, 0, 0, SCTP_PR_SCTP_ALL, &u, &sn), 0);
    assert_int_equal(u + sn, (uint64_t)failed);
    /* The buffer takes new messages again, and they arrive once the reader reads, after
     * the messages delivered before: together with the abandoned ones, every one. */
    assert_int_equal(mpsctp_send(c, "after", 5, 0), 5);
    char buf[MSG];
    ssize_t k;
    int flags, got = 0;
    for (;;) {
        k = ut_recv(s, buf, sizeof(buf), &flags, NULL);
        assert_true(k > 0);
        if (k == 5)
            break;
        assert_int_equal(k, MSG);
        got++;
    }
    assert_memory_equal(buf, "after", 5);
    assert_int_equal(got + failed, n);
    int sds[3] = {c, s, l};
    ut_down(a, b, sds, 3);
}

static void test_ttl_sendv(void **state)
{
    (void)state;
    run_ttl(send_sendv_ttl, 0);
}

static void test_ttl_cmsg(void **state)
{
    (void)state;
    run_ttl(send_cmsg_ttl, 0);
}

static void test_ttl_default(void **state)
{
    (void)state;
    run_ttl(send_default, 1);
}

static int prio_level;

static int send_prio(int c, int i)
{
    (void)i;
    struct sctp_sendv_spa spa;
    memset(&spa, 0, sizeof(spa));
    spa.sendv_flags = SCTP_SEND_PRINFO_VALID;
    spa.sendv_prinfo.pr_policy = SCTP_PR_SCTP_PRIO;
    spa.sendv_prinfo.pr_value = (uint32_t)prio_level;
    struct iovec iov = {payload, MSG};
    return (int)mpsctp_sendv(c, &iov, 1, NULL, 0, &spa, sizeof(spa), SCTP_SENDV_SPA,
                             MSG_DONTWAIT);
}

static void test_prio(void **state)
{
    (void)state;
    mpsctp_stack *a = ut_stack(0), *b = ut_stack(0);
    int l = ut_listener_rcvbuf(b, 5703, 8192);
    struct sockaddr_in sin;
    socklen_t sl = sizeof(sin);
    assert_int_equal(mpsctp_getsockname(l, (struct sockaddr *)&sin, &sl), 0);
    int c = ut_client(a, SOCK_STREAM, b);
    ut_set_int(c, SOL_SOCKET, SO_SNDBUF, 32 * 1024);
    ut_event(c, SCTP_SEND_FAILED_EVENT);
    assert_int_equal(mpsctp_connect(c, (struct sockaddr *)&sin, sizeof(sin)), 0);
    int s = mpsctp_accept(l, NULL, NULL);
    assert_true(s >= 0);
    prio_level = 7;
    int n = fill(c, send_prio);
    assert_true(n >= 10);
    prio_level = 7;
    assert_int_equal(send_prio(c, 0), -1); /* same priority: no room */
    prio_level = 2;
    int m = 0;
    for (int i = 0; i < 5; i++)
        m += send_prio(c, 0) == MSG;
    assert_int_equal(m, 5);
    int failed = 0, failed_sent = 0, old = 0;
    double t0 = ut_now();
    while (failed < 5 && ut_now() - t0 < 10)
        drain_failed(c, &failed, &failed_sent, &old);
    assert_int_equal(failed, 5);
    uint64_t u = 0, sn = 0;
    assert_int_equal(prstatus(c, SCTP_PR_ASSOC_STATUS, 0, 0, SCTP_PR_SCTP_PRIO, &u, &sn), 0);
    assert_int_equal(u + sn, 5);
    int sds[3] = {c, s, l};
    ut_down(a, b, sds, 3);
}

int main(void)
{
    memset(payload, 0x5a, sizeof(payload));
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_options),
        cmocka_unit_test(test_ttl_sendv),
        cmocka_unit_test(test_ttl_cmsg),
        cmocka_unit_test(test_ttl_default),
        cmocka_unit_test(test_prio),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
