/* One one-to-many socket with a few hundred associations: every association's messages
 * arrive on it, in order and under its own id, also when the socket's queue is too small
 * to hold them and data waits in the associations; replies by association id reach the
 * right peer; aborting associations in the middle of the list leaves the others usable;
 * a second association with a peer is refused. */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "api_util.h"

#define NASSOC 300
#define NMSG 4
#define PORT 6101

/* Message m of client i: "i m" padded to 24 bytes. */
static size_t msg_of(char *buf, int i, int m)
{
    memset(buf, '.', 24);
    int n = snprintf(buf, 24, "%d %d", i, m);
    buf[n] = ' ';
    return 24;
}

static void test_many_assocs(void **state)
{
    (void)state;
    mpsctp_stack *sst = ut_stack(0), *cst = ut_stack(0);
    int srv = mpsctp_socket_on(sst, AF_INET, SOCK_SEQPACKET, IPPROTO_SCTP);
    assert_true(srv >= 0);
    struct sockaddr_in sa = ut_sin(PORT);
    assert_int_equal(mpsctp_bind(srv, (struct sockaddr *)&sa, sizeof(sa)), 0);
    uint32_t maxa = NASSOC + 8;
    assert_int_equal(
        mpsctp_setsockopt(srv, IPPROTO_SCTP, MPSCTP_MAX_ASSOCS, &maxa, sizeof(maxa)), 0);
    /* A queue far smaller than what the peers send: most data waits in the associations
     * and reaches the queue only as the application reads. */
    ut_set_int(srv, SOL_SOCKET, SO_RCVBUF, 4096);
    ut_set_int(srv, IPPROTO_SCTP, SCTP_RECVRCVINFO, 1);
    assert_int_equal(mpsctp_listen(srv, 1), 0);

    int *cl = calloc(NASSOC, sizeof(*cl));
    assert_non_null(cl);
    for (int i = 0; i < NASSOC; i++) {
        cl[i] = ut_client(cst, SOCK_STREAM, sst);
        assert_int_equal(mpsctp_connect(cl[i], (struct sockaddr *)&sa, sizeof(sa)), 0);
    }
    /* A one-to-many client with an association to the server: a second one to the same
     * peer is refused. It stays idle. */
    int extra = ut_client(cst, SOCK_SEQPACKET, sst);
    assert_int_equal(mpsctp_connect(extra, (struct sockaddr *)&sa, sizeof(sa)), 0);
    EXPECT_ERR(mpsctp_connect(extra, (struct sockaddr *)&sa, sizeof(sa)), EISCONN);
    char buf[64];
    for (int m = 0; m < NMSG; m++)
        for (int i = 0; i < NASSOC; i++) {
            struct iovec iov = {buf, msg_of(buf, i, m)};
            assert_int_equal(mpsctp_sendv(cl[i], &iov, 1, NULL, 0, NULL, 0, SCTP_SENDV_NOINFO,
                                          0),
                             24);
        }

    /* Every message once, in order per association, each association carrying one
     * client's messages. */
    sctp_assoc_t *id_of = calloc(NASSOC, sizeof(*id_of));
    int *next = calloc(NASSOC, sizeof(*next));
    assert_true(id_of && next);
    sctp_assoc_t first = 0;
    int others = 0;
    for (int k = 0; k < NASSOC * NMSG; k++) {
        struct sctp_rcvinfo rcv;
        int fl = 0;
        ssize_t n = ut_recv(srv, buf, sizeof(buf), &fl, &rcv);
        assert_int_equal(n, 24);
        assert_false(fl & MSG_NOTIFICATION);
        int i = -1, m = -1;
        assert_int_equal(sscanf(buf, "%d %d", &i, &m), 2);
        assert_true(i >= 0 && i < NASSOC);
        if (!id_of[i])
            id_of[i] = rcv.rcv_assoc_id;
        assert_int_equal(id_of[i], rcv.rcv_assoc_id);
        assert_int_equal(m, next[i]);
        next[i]++;
        if (!first)
            first = rcv.rcv_assoc_id;
        others += rcv.rcv_assoc_id != first;
    }
    assert_true(others > 0);
    for (int i = 0; i < NASSOC; i++) {
        assert_int_equal(next[i], NMSG);
        for (int j = 0; j < i; j++)
            assert_true(id_of[j] != id_of[i]);
    }

    /* Replies by association id reach their own client. */
    for (int i = NASSOC - 1; i >= 0; i--) {
        struct sctp_sndinfo si = {.snd_assoc_id = id_of[i]};
        struct iovec iov = {buf, msg_of(buf, i, 100)};
        assert_int_equal(mpsctp_sendv(srv, &iov, 1, NULL, 0, &si, sizeof(si),
                                      SCTP_SENDV_SNDINFO, 0),
                         24);
    }
    for (int i = 0; i < NASSOC; i++) {
        assert_int_equal(ut_recv(cl[i], buf, sizeof(buf), NULL, NULL), 24);
        int ri = -1, rm = -1;
        assert_int_equal(sscanf(buf, "%d %d", &ri, &rm), 2);
        assert_int_equal(ri, i);
        assert_int_equal(rm, 100);
    }

    /* Abort every third association: the others stay reachable by id, the aborted ids
     * are gone. */
    for (int i = 1; i < NASSOC; i += 3) {
        struct sctp_sndinfo si = {.snd_assoc_id = id_of[i], .snd_flags = SCTP_ABORT};
        assert_int_equal(mpsctp_sendv(srv, NULL, 0, NULL, 0, &si, sizeof(si),
                                      SCTP_SENDV_SNDINFO, 0),
                         0);
    }
    for (int i = 0; i < NASSOC; i++) {
        struct sctp_sndinfo si = {.snd_assoc_id = id_of[i]};
        struct iovec iov = {buf, msg_of(buf, i, 200)};
        ssize_t r = mpsctp_sendv(srv, &iov, 1, NULL, 0, &si, sizeof(si), SCTP_SENDV_SNDINFO, 0);
        if (i % 3 == 1) {
            assert_int_equal(r, -1);
            assert_true(errno == ENOENT || errno == EPIPE);
            continue;
        }
        assert_int_equal(r, 24);
        assert_int_equal(ut_recv(cl[i], buf, sizeof(buf), NULL, NULL), 24);
        int ri = -1, rm = -1;
        assert_int_equal(sscanf(buf, "%d %d", &ri, &rm), 2);
        assert_int_equal(ri, i);
        assert_int_equal(rm, 200);
    }
    ut_linger_abort(srv);
    ut_linger_abort(extra);
    assert_int_equal(mpsctp_close(srv), 0);
    assert_int_equal(mpsctp_close(extra), 0);
    for (int i = 0; i < NASSOC; i++) {
        ut_linger_abort(cl[i]);
        assert_int_equal(mpsctp_close(cl[i]), 0);
    }
    ut_down(sst, cst, NULL, 0);
    free(cl);
    free(id_of);
    free(next);
}

/* Receives one piece of a message on sd (non-notification) with its association id. */
static ssize_t recv_piece(int sd, uint8_t *buf, size_t cap, sctp_assoc_t *id, int *eor)
{
    for (;;) {
        assert_true(ut_poll(sd, POLLIN, 5000) & POLLIN);
        struct iovec v = {buf, cap};
        struct sctp_rcvinfo ri;
        socklen_t il = sizeof(ri);
        unsigned it = 0;
        int fl = 0;
        ssize_t n = mpsctp_recvv(sd, &v, 1, NULL, NULL, &ri, &il, &it, &fl);
        assert_true(n > 0);
        if (fl & MSG_NOTIFICATION)
            continue;
        assert_int_equal(it, SCTP_RECVV_RCVINFO);
        *id = ri.rcv_assoc_id;
        *eor = (fl & MSG_EOR) != 0;
        return n;
    }
}

/* Two peers send a 64 KiB message each to a one-to-many socket that is read 1000 bytes
 * at a time through a 4 KiB queue (and 4 KiB receive windows): the pieces of one
 * message all come before any piece of the other (no interleaving, RFC 6458 s8.1.20
 * level 0), and every byte is right. The second message waits in its association while
 * the first is read, its window closed; once it may move, its window stays below two
 * packets (proto/test_proto_data test_small_window_sack_immediate: each such packet is
 * acknowledged at once). */
static void test_partial_messages_not_interleaved(void **state)
{
    (void)state;
    enum { LEN = 65536 };
    mpsctp_stack *sst = ut_stack(0), *cst = ut_stack(0);
    int srv = ut_listener(sst, SOCK_SEQPACKET, PORT + 1);
    ut_set_int(srv, SOL_SOCKET, SO_RCVBUF, 4096);
    ut_set_int(srv, IPPROTO_SCTP, SCTP_RECVRCVINFO, 1);
    static uint8_t msg[2][LEN], got[LEN + 1000];
    int cl[2];
    struct sockaddr_in sa = ut_sin(PORT + 1);
    for (int k = 0; k < 2; k++) {
        for (size_t i = 0; i < LEN; i++)
            msg[k][i] = (uint8_t)(i * 13 + k * 101);
        cl[k] = ut_client(cst, SOCK_STREAM, sst);
        /* Window probes every 100-400 ms: the closed window reopens quickly. */
        struct sctp_rtoinfo rto = {.srto_assoc_id = SCTP_FUTURE_ASSOC,
                                   .srto_initial = 200, .srto_min = 100, .srto_max = 400};
        assert_int_equal(
            mpsctp_setsockopt(cl[k], IPPROTO_SCTP, SCTP_RTOINFO, &rto, sizeof(rto)), 0);
        assert_int_equal(mpsctp_connect(cl[k], (struct sockaddr *)&sa, sizeof(sa)), 0);
    }
    for (int k = 0; k < 2; k++)
        assert_int_equal(mpsctp_send(cl[k], msg[k], LEN, 0), LEN);
    int seen[2] = {0, 0};
    for (int m = 0; m < 2; m++) {
        size_t have = 0;
        sctp_assoc_t first = 0;
        int eor = 0;
        while (!eor) {
            sctp_assoc_t id;
            ssize_t n = recv_piece(srv, got + have, 1000, &id, &eor);
            if (have == 0)
                first = id;
            assert_int_equal(id, first); /* one association's message, whole */
            have += (size_t)n;
        }
        assert_int_equal(have, LEN);
        int k = got[1] == msg[0][1] ? 0 : 1;
        assert_memory_equal(got, msg[k], LEN);
        seen[k]++;
    }
    assert_int_equal(seen[0], 1);
    assert_int_equal(seen[1], 1);
    int sds[] = {cl[0], cl[1], srv};
    ut_down(cst, sst, sds, 3);
}

/* A one-to-many socket with associations to two servers that do not read: sending to
 * the first until EAGAIN makes the socket not writable, the second association still
 * takes a message, and once the first server reads, the socket is writable again. */
static void test_one_to_many_writable(void **state)
{
    (void)state;
    mpsctp_stack *sst = ut_stack(0), *cst = ut_stack(0);
    int srv[2] = {ut_listener(sst, SOCK_STREAM, PORT + 2), ut_listener(sst, SOCK_STREAM, PORT + 3)};
    int c = ut_client(cst, SOCK_SEQPACKET, sst);
    ut_set_int(c, SOL_SOCKET, SO_SNDBUF, 65536);
    ut_event(c, SCTP_ASSOC_CHANGE);
    sctp_assoc_t id[2];
    int acc[2];
    for (int k = 0; k < 2; k++) {
        struct sockaddr_in sa = ut_sin((uint16_t)(PORT + 2 + k));
        assert_int_equal(mpsctp_connectx(c, (struct sockaddr *)&sa, 1, &id[k]), 0);
        ut_set_int(srv[k], SOL_SOCKET, SO_RCVBUF, 65536);
        acc[k] = mpsctp_accept(srv[k], NULL, NULL);
        assert_true(acc[k] >= 0);
    }
    assert_true(ut_poll(c, POLLOUT, 5000) & POLLOUT);
    static uint8_t buf[4096];
    struct sctp_sndinfo si;
    memset(&si, 0, sizeof(si));
    si.snd_assoc_id = id[0];
    struct iovec v = {buf, sizeof(buf)};
    size_t sent = 0;
    for (;;) {
        ssize_t n = mpsctp_sendv(c, &v, 1, NULL, 0, &si, sizeof(si), SCTP_SENDV_SNDINFO,
                                 MSG_DONTWAIT);
        if (n < 0) {
            assert_int_equal(errno, EAGAIN);
            break;
        }
        sent += (size_t)n;
        assert_true(sent < (64u << 20));
    }
    assert_int_equal(ut_poll(c, POLLOUT, 0) & POLLOUT, 0);
    si.snd_assoc_id = id[1];
    assert_int_equal(mpsctp_sendv(c, &v, 1, NULL, 0, &si, sizeof(si), SCTP_SENDV_SNDINFO,
                                  MSG_DONTWAIT),
                     (ssize_t)sizeof(buf));
    size_t got = 0;
    while (got < sent) {
        assert_true(ut_poll(acc[0], POLLIN, 5000) & POLLIN);
        ssize_t n = mpsctp_recv(acc[0], buf, sizeof(buf), 0);
        assert_true(n > 0);
        got += (size_t)n;
    }
    assert_true(ut_poll(c, POLLOUT, 5000) & POLLOUT);
    int sds[] = {c, acc[0], acc[1], srv[0], srv[1]};
    ut_down(cst, sst, sds, 5);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_many_assocs),
        cmocka_unit_test(test_partial_messages_not_interleaved),
        cmocka_unit_test(test_one_to_many_writable),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
