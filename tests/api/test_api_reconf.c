/* Stream reconfiguration options and notifications over loopback: SCTP_RECONFIG_SUPPORTED,
 * SCTP_ENABLE_STREAM_RESET, SCTP_RESET_STREAMS, SCTP_RESET_ASSOC, SCTP_ADD_STREAMS, their
 * errors, and the SCTP_STREAM_RESET_EVENT / SCTP_STREAM_CHANGE_EVENT notifications. */
#include <stdlib.h>
#include <unistd.h>

#include "api_util.h"

static int av_set(int sd, int name, sctp_assoc_t id, uint32_t v)
{
    struct sctp_assoc_value av = {.assoc_id = id, .assoc_value = v};
    return mpsctp_setsockopt(sd, IPPROTO_SCTP, name, &av, sizeof(av));
}

static uint32_t av_get(int sd, int name)
{
    struct sctp_assoc_value av = {0};
    socklen_t l = sizeof(av);
    assert_int_equal(mpsctp_getsockopt(sd, IPPROTO_SCTP, name, &av, &l), 0);
    assert_int_equal(l, sizeof(av));
    return av.assoc_value;
}

/* Sends len bytes on stream sid. */
static void send_on(int sd, uint16_t sid, const char *msg)
{
    struct sctp_sndinfo si = {.snd_sid = sid};
    struct iovec iov = {(void *)msg, strlen(msg)};
    assert_int_equal(mpsctp_sendv(sd, &iov, 1, NULL, 0, &si, sizeof(si), SCTP_SENDV_SNDINFO, 0),
                     (ssize_t)strlen(msg));
}

/* Receives the next data message (notifications of other types skipped) and checks it. */
static void expect_msg(int sd, uint16_t sid, uint16_t ssn, const char *msg)
{
    uint8_t buf[256];
    for (int i = 0; i < 50; i++) {
        int fl = 0;
        struct sctp_rcvinfo r;
        memset(&r, 0, sizeof(r));
        ssize_t n = ut_recv(sd, buf, sizeof(buf), &fl, &r);
        assert_true(n > 0);
        if (fl & MSG_NOTIFICATION)
            continue;
        assert_int_equal(n, (ssize_t)strlen(msg));
        assert_memory_equal(buf, msg, (size_t)n);
        assert_int_equal(r.rcv_sid, sid);
        assert_int_equal(r.rcv_ssn, ssn);
        return;
    }
    fail();
}

static void test_reset_streams(void **state)
{
    (void)state;
    mpsctp_stack *a = ut_stack(0), *b = ut_stack(0);
    int c, s;
    int ls = ut_pair(a, b, 8601, &c, &s);
    ut_set_int(s, IPPROTO_SCTP, SCTP_RECVRCVINFO, 1);
    ut_event(c, SCTP_STREAM_RESET_EVENT);
    ut_event(s, SCTP_STREAM_RESET_EVENT);
    assert_int_equal(av_get(c, SCTP_RECONFIG_SUPPORTED), 1);
    assert_int_equal(av_get(s, SCTP_ENABLE_STREAM_RESET), 0); /* Linux's default */
    EXPECT_ERR(av_set(s, SCTP_ENABLE_STREAM_RESET, 0, 0x08), EINVAL);
    assert_int_equal(av_set(s, SCTP_ENABLE_STREAM_RESET, 0, SCTP_ENABLE_RESET_STREAM_REQ), 0);
    assert_int_equal(av_get(s, SCTP_ENABLE_STREAM_RESET), SCTP_ENABLE_RESET_STREAM_REQ);

    send_on(c, 1, "one");
    send_on(c, 1, "two");
    expect_msg(s, 1, 0, "one");
    expect_msg(s, 1, 1, "two");

    uint8_t rsbuf[sizeof(struct sctp_reset_streams) + 4 * sizeof(uint16_t)];
    struct sctp_reset_streams *rs = (struct sctp_reset_streams *)rsbuf;
    memset(rsbuf, 0, sizeof(rsbuf));
    rs->srs_flags = SCTP_STREAM_RESET_OUTGOING;
    rs->srs_number_streams = 2;
    rs->srs_stream_list[0] = 1;
    rs->srs_stream_list[1] = 2;
    /* Errors: short value, list longer than the value, no direction, unknown flag, a
     * stream id out of range. */
    EXPECT_ERR(mpsctp_setsockopt(c, IPPROTO_SCTP, SCTP_RESET_STREAMS, rs, 6), EINVAL);
    EXPECT_ERR(mpsctp_setsockopt(c, IPPROTO_SCTP, SCTP_RESET_STREAMS, rs,
                                 sizeof(*rs) + sizeof(uint16_t)),
               EINVAL);
    rs->srs_flags = 0;
    EXPECT_ERR(mpsctp_setsockopt(c, IPPROTO_SCTP, SCTP_RESET_STREAMS, rs, sizeof(rsbuf)), EINVAL);
    rs->srs_flags = 0x10;
    EXPECT_ERR(mpsctp_setsockopt(c, IPPROTO_SCTP, SCTP_RESET_STREAMS, rs, sizeof(rsbuf)), EINVAL);
    rs->srs_flags = SCTP_STREAM_RESET_OUTGOING;
    rs->srs_stream_list[1] = 10;
    EXPECT_ERR(mpsctp_setsockopt(c, IPPROTO_SCTP, SCTP_RESET_STREAMS, rs, sizeof(rsbuf)), EINVAL);
    rs->srs_stream_list[1] = 2;
    assert_int_equal(mpsctp_setsockopt(c, IPPROTO_SCTP, SCTP_RESET_STREAMS, rs, sizeof(rsbuf)), 0);
    /* At most one request outstanding: a second one at once is EINPROGRESS (unless the
     * answer was already there). */
    int r = mpsctp_setsockopt(c, IPPROTO_SCTP, SCTP_RESET_STREAMS, rs, sizeof(rsbuf));
    assert_true(r == 0 || errno == EINPROGRESS);

    uint8_t nb[64];
    assert_int_equal(ut_wait_notification(c, SCTP_STREAM_RESET_EVENT, nb, sizeof(nb)), 0);
    struct sctp_stream_reset_event *ev = (struct sctp_stream_reset_event *)nb;
    assert_int_equal(ev->strreset_flags, SCTP_STREAM_RESET_OUTGOING_SSN);
    assert_int_equal(ev->strreset_length, sizeof(*ev) + 2 * sizeof(uint16_t));
    assert_int_equal(ev->strreset_stream_list[0], 1);
    assert_int_equal(ev->strreset_stream_list[1], 2);
    if (r == 0)
        assert_int_equal(ut_wait_notification(c, SCTP_STREAM_RESET_EVENT, nb, sizeof(nb)), 0);
    /* The receiver: the event, then stream 1 from SSN 0. */
    assert_int_equal(ut_wait_notification(s, SCTP_STREAM_RESET_EVENT, nb, sizeof(nb)), 0);
    assert_int_equal(ev->strreset_flags, SCTP_STREAM_RESET_INCOMING_SSN);
    assert_int_equal(ev->strreset_stream_list[0], 1);
    if (r == 0)
        assert_int_equal(ut_wait_notification(s, SCTP_STREAM_RESET_EVENT, nb, sizeof(nb)), 0);
    send_on(c, 1, "three");
    expect_msg(s, 1, 0, "three");

    /* Incoming: the server asks the client (not enabled there: denied). */
    rs->srs_flags = SCTP_STREAM_RESET_INCOMING;
    rs->srs_number_streams = 0;
    assert_int_equal(
        mpsctp_setsockopt(s, IPPROTO_SCTP, SCTP_RESET_STREAMS, rs, sizeof(*rs)), 0);
    assert_int_equal(ut_wait_notification(s, SCTP_STREAM_RESET_EVENT, nb, sizeof(nb)), 0);
    assert_int_equal(ev->strreset_flags,
                     SCTP_STREAM_RESET_INCOMING_SSN | SCTP_STREAM_RESET_DENIED);

    /* SSN/TSN reset is not offered. */
    sctp_assoc_t id = 0;
    EXPECT_ERR(mpsctp_setsockopt(c, IPPROTO_SCTP, SCTP_RESET_ASSOC, &id, sizeof(id)),
               EOPNOTSUPP);
    int fds[] = {c, s, ls};
    ut_down(a, b, fds, 3);
}

static void test_add_streams(void **state)
{
    (void)state;
    mpsctp_stack *a = ut_stack(0), *b = ut_stack(0);
    int c, s;
    int ls = ut_pair(a, b, 8602, &c, &s);
    ut_event(c, SCTP_STREAM_CHANGE_EVENT);
    ut_event(s, SCTP_STREAM_CHANGE_EVENT);
    ut_set_int(s, IPPROTO_SCTP, SCTP_RECVRCVINFO, 1);
    struct sctp_add_streams as = {.sas_instrms = 0, .sas_outstrms = 0};
    EXPECT_ERR(mpsctp_setsockopt(c, IPPROTO_SCTP, SCTP_ADD_STREAMS, &as, sizeof(as)), EINVAL);
    EXPECT_ERR(mpsctp_setsockopt(c, IPPROTO_SCTP, SCTP_ADD_STREAMS, &as, 4), EINVAL);
    as.sas_outstrms = 3;
    /* Not enabled at the server: denied. */
    assert_int_equal(mpsctp_setsockopt(c, IPPROTO_SCTP, SCTP_ADD_STREAMS, &as, sizeof(as)), 0);
    struct sctp_stream_change_event ev;
    assert_int_equal(ut_wait_notification(c, SCTP_STREAM_CHANGE_EVENT, &ev, sizeof(ev)), 0);
    assert_int_equal(ev.strchange_flags, SCTP_STREAM_CHANGE_DENIED);
    assert_int_equal(ev.strchange_outstrms, 10);
    assert_int_equal(av_set(s, SCTP_ENABLE_STREAM_RESET, 0, SCTP_ENABLE_CHANGE_ASSOC_REQ), 0);
    assert_int_equal(mpsctp_setsockopt(c, IPPROTO_SCTP, SCTP_ADD_STREAMS, &as, sizeof(as)), 0);
    assert_int_equal(ut_wait_notification(c, SCTP_STREAM_CHANGE_EVENT, &ev, sizeof(ev)), 0);
    assert_int_equal(ev.strchange_flags, 0);
    assert_int_equal(ev.strchange_type, SCTP_STREAM_CHANGE_EVENT);
    assert_int_equal(ev.strchange_length, sizeof(ev));
    assert_int_equal(ev.strchange_outstrms, 13);
    assert_int_equal(ev.strchange_instrms, 10);
    assert_int_equal(ut_wait_notification(s, SCTP_STREAM_CHANGE_EVENT, &ev, sizeof(ev)), 0);
    assert_int_equal(ev.strchange_instrms, 13);
    struct sctp_status st;
    memset(&st, 0, sizeof(st));
    socklen_t l = sizeof(st);
    assert_int_equal(mpsctp_getsockopt(c, IPPROTO_SCTP, SCTP_STATUS, &st, &l), 0);
    assert_int_equal(st.sstat_outstrms, 13);
    send_on(c, 12, "new stream");
    expect_msg(s, 12, 0, "new stream");
    int fds[] = {c, s, ls};
    ut_down(a, b, fds, 3);
}

/* RE-CONFIG switched off before the association: the requests are EOPNOTSUPP. */
static void test_unsupported(void **state)
{
    (void)state;
    mpsctp_stack *a = ut_stack(0), *b = ut_stack(0);
    int ls = ut_listener(b, SOCK_STREAM, 8603);
    int c = ut_client(a, SOCK_STREAM, b);
    assert_int_equal(av_get(c, SCTP_RECONFIG_SUPPORTED), 1); /* the default: offered */
    assert_int_equal(av_set(c, SCTP_RECONFIG_SUPPORTED, 0, 0), 0);
    assert_int_equal(av_get(c, SCTP_RECONFIG_SUPPORTED), 0);
    struct sockaddr_in sa = ut_sin(8603);
    assert_int_equal(mpsctp_connect(c, (struct sockaddr *)&sa, sizeof(sa)), 0);
    int s = mpsctp_accept(ls, NULL, NULL);
    assert_true(s >= 0);
    assert_int_equal(av_get(c, SCTP_RECONFIG_SUPPORTED), 0);
    assert_int_equal(av_get(s, SCTP_RECONFIG_SUPPORTED), 0);
    struct sctp_reset_streams rs = {.srs_flags = SCTP_STREAM_RESET_OUTGOING};
    EXPECT_ERR(mpsctp_setsockopt(c, IPPROTO_SCTP, SCTP_RESET_STREAMS, &rs, sizeof(rs)),
               EOPNOTSUPP);
    struct sctp_add_streams as = {.sas_outstrms = 1};
    EXPECT_ERR(mpsctp_setsockopt(s, IPPROTO_SCTP, SCTP_ADD_STREAMS, &as, sizeof(as)),
               EOPNOTSUPP);
    int fds[] = {c, s, ls};
    ut_down(a, b, fds, 3);
}

/* One-to-many: an unknown association id is ENOENT, SCTP_FUTURE_ASSOC is EINVAL for a
 * request. */
static void test_ids(void **state)
{
    (void)state;
    mpsctp_stack *a = ut_stack(0);
    int m = mpsctp_socket_on(a, AF_INET, SOCK_SEQPACKET, IPPROTO_SCTP);
    assert_true(m >= 0);
    struct sctp_reset_streams rs = {.srs_assoc_id = 4242, .srs_flags = SCTP_STREAM_RESET_OUTGOING};
    EXPECT_ERR(mpsctp_setsockopt(m, IPPROTO_SCTP, SCTP_RESET_STREAMS, &rs, sizeof(rs)), ENOENT);
    rs.srs_assoc_id = SCTP_FUTURE_ASSOC;
    EXPECT_ERR(mpsctp_setsockopt(m, IPPROTO_SCTP, SCTP_RESET_STREAMS, &rs, sizeof(rs)), EINVAL);
    struct sctp_add_streams as = {.sas_assoc_id = 4242, .sas_outstrms = 1};
    EXPECT_ERR(mpsctp_setsockopt(m, IPPROTO_SCTP, SCTP_ADD_STREAMS, &as, sizeof(as)), ENOENT);
    assert_int_equal(av_set(m, SCTP_ENABLE_STREAM_RESET, SCTP_ALL_ASSOC,
                            SCTP_ENABLE_STRRESET_MASK),
                     0);
    assert_int_equal(av_get(m, SCTP_ENABLE_STREAM_RESET), SCTP_ENABLE_STRRESET_MASK);
    mpsctp_close(m);
    mpsctp_stack_free(a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_reset_streams),
        cmocka_unit_test(test_add_streams),
        cmocka_unit_test(test_unsupported),
        cmocka_unit_test(test_ids),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
