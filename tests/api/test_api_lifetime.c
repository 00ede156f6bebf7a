/* Blocking calls whose association dies while they wait: a refused connect on a
 * one-to-many socket, a send blocked on a full buffer when the peer aborts, connect and
 * send when another thread closes the socket, and SCTP_SENDALL over several associations
 * when one of them ends in the middle of the call. Run under AddressSanitizer, each of
 * them would catch a read of a freed association record. */
#include <pthread.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

#include "api_util.h"

/* Waits (up to 5 s) until n calls of st are blocked in a wait; fails the test otherwise. */
static void wait_blocked(mpsctp_stack *st, uint64_t n)
{
    double until = ut_now() + 5;
    mpsctp_stack_stats ss;
    do {
        mpsctp_stack_stats_get(st, &ss);
        if (ss.waiting_calls == n)
            return;
        usleep(1000);
    } while (ut_now() < until);
    fail_msg("%llu calls waiting, expected %llu", (unsigned long long)ss.waiting_calls,
             (unsigned long long)n);
}

/* A blocking call run on another thread; errno and result come back. */
typedef struct call {
    pthread_t thr;
    int sd;
    sctp_assoc_t id;     /* one-to-many: association to send to (0: one-to-one) */
    int sendall;         /* SCTP_SENDALL */
    struct sockaddr_in to;
    long result;
    int err;
    long sent;           /* messages sent before the call failed */
} call;

static void *connect_thread(void *arg)
{
    call *c = arg;
    errno = 0;
    c->result = mpsctp_connect(c->sd, (struct sockaddr *)&c->to, sizeof(c->to));
    c->err = errno;
    return NULL;
}

/* Sends 1000-byte messages until a send fails (or, for SENDALL, one message). */
static void *send_thread(void *arg)
{
    call *c = arg;
    static char msg[1000];
    memset(msg, c->sendall ? 'S' : 'f', sizeof(msg));
    struct sctp_sndinfo si = {.snd_assoc_id = c->id};
    if (c->sendall)
        si.snd_flags = SCTP_SENDALL;
    struct iovec iov = {msg, sizeof(msg)};
    for (;;) {
        errno = 0;
        c->result = mpsctp_sendv(c->sd, &iov, 1, NULL, 0, &si, sizeof(si), SCTP_SENDV_SNDINFO,
                                 0);
        c->err = errno;
        if (c->result < 0 || c->sendall)
            break;
        c->sent++;
    }
    return NULL;
}

static void start(call *c, void *(*fn)(void *))
{
    assert_int_equal(pthread_create(&c->thr, NULL, fn, c), 0);
}

static void finish(call *c)
{
    assert_int_equal(pthread_join(c->thr, NULL), 0);
}

/* Fills the send buffer of association id on one-to-many socket sd (the peer does not
 * read): sends without blocking until EAGAIN while the peer's window is closed. */
static void fill(int sd, sctp_assoc_t id)
{
    static char msg[1000];
    memset(msg, 'f', sizeof(msg));
    struct sctp_sndinfo si = {.snd_assoc_id = id};
    struct iovec iov = {msg, sizeof(msg)};
    double until = ut_now() + 10;
    for (;;) {
        assert_true(ut_now() < until);
        if (mpsctp_sendv(sd, &iov, 1, NULL, 0, &si, sizeof(si), SCTP_SENDV_SNDINFO,
                         MSG_DONTWAIT) == (ssize_t)sizeof(msg))
            continue;
        assert_int_equal(errno, EAGAIN);
        struct sctp_status ss;
        memset(&ss, 0, sizeof(ss));
        ss.sstat_assoc_id = id;
        socklen_t sl = sizeof(ss);
        assert_int_equal(mpsctp_getsockopt(sd, IPPROTO_SCTP, SCTP_STATUS, &ss, &sl), 0);
        if (ss.sstat_rwnd == 0)
            return; /* nothing gets acknowledged any more: the buffer stays full */
        usleep(2000); /* polling the peer's window: no event tells it closed */
    }
}

/* A blocking connect on a one-to-many socket to a port with no listener: the ABORT
 * frees the association while the call waits. */
static void test_connect_refused_one_to_many(void **state)
{
    mpsctp_stack *a = ut_stack(0), *b = ut_stack(0);
    int c = ut_client(a, SOCK_SEQPACKET, b);
    struct sockaddr_in to = ut_sin(5101);
    for (int i = 0; i < 3; i++)
        EXPECT_ERR(mpsctp_connect(c, (struct sockaddr *)&to, sizeof(to)), ECONNREFUSED);
    sctp_assoc_t id = 0;
    EXPECT_ERR(mpsctp_connectx(c, (struct sockaddr *)&to, 1, &id), ECONNREFUSED);
    ut_down(a, b, &c, 1);
}

/* A server whose listener gives accepted sockets a small receive buffer, and a client
 * of type with a small send buffer connected to it: a client that keeps sending soon
 * blocks. Returns the listener. */
static int small_pair(mpsctp_stack *a, mpsctp_stack *b, int type, uint16_t port, int *c,
                      int *s, sctp_assoc_t *id)
{
    int ls = ut_listener_rcvbuf(b, port, 4096);
    struct sockaddr_in sa = ut_sin(port);
    *c = ut_client(a, type, b);
    ut_set_int(*c, SOL_SOCKET, SO_SNDBUF, 4096);
    *id = 0;
    assert_int_equal(mpsctp_connectx(*c, (struct sockaddr *)&sa, 1, id), 0);
    *s = mpsctp_accept(ls, NULL, NULL);
    assert_true(*s >= 0);
    return ls;
}

/* A send waits for room on a full buffer when the association ends: the peer aborts
 * (close_client 0: EPIPE), or another thread closes the sending socket (close_client 1:
 * EBADF), gracefully or, with abort, with SO_LINGER {1, 0}. */
static void blocked_send_ends(int type, int close_client, int abort)
{
    mpsctp_stack *a = ut_stack(0), *b = ut_stack(0);
    int c, s;
    sctp_assoc_t id;
    int ls = small_pair(a, b, type, 5102, &c, &s, &id);
    call k = {.sd = c, .id = type == SOCK_SEQPACKET ? id : 0};
    start(&k, send_thread);
    wait_blocked(a, 1);
    int victim = close_client ? c : s;
    if (abort)
        ut_linger_abort(victim);
    assert_int_equal(mpsctp_close(victim), 0);
    finish(&k);
    assert_int_equal(k.result, -1);
    assert_int_equal(k.err, close_client ? EBADF : EPIPE);
    assert_true(k.sent > 0);
    int sds[] = {close_client ? s : c, ls};
    ut_down(a, b, sds, 2);
}

static void test_send_blocked_peer_abort_one_to_one(void **state)
{
    blocked_send_ends(SOCK_STREAM, 0, 1);
}

static void test_send_blocked_peer_abort_one_to_many(void **state)
{
    blocked_send_ends(SOCK_SEQPACKET, 0, 1);
}

/* Another thread closes the socket while connect waits for an answer that never comes
 * (the peer's UDP port is a socket that reads nothing). */
static void close_during_connect(int type)
{
    mpsctp_stack *a = ut_stack(0);
    int u = socket(AF_INET, SOCK_DGRAM, 0);
    struct sockaddr_in ua = ut_sin(0);
    socklen_t ul = sizeof(ua);
    assert_int_equal(bind(u, (struct sockaddr *)&ua, sizeof(ua)), 0);
    assert_int_equal(getsockname(u, (struct sockaddr *)&ua, &ul), 0);
    int c = mpsctp_socket_on(a, AF_INET, type, IPPROTO_SCTP);
    struct sctp_udpencaps ue = {.sue_assoc_id = SCTP_FUTURE_ASSOC, .sue_port = ua.sin_port};
    assert_int_equal(
        mpsctp_setsockopt(c, IPPROTO_SCTP, SCTP_REMOTE_UDP_ENCAPS_PORT, &ue, sizeof(ue)), 0);
    call k = {.sd = c, .to = ut_sin(5103)};
    start(&k, connect_thread);
    wait_blocked(a, 1);
    assert_int_equal(mpsctp_close(c), 0);
    finish(&k);
    assert_int_equal(k.result, -1);
    assert_int_equal(k.err, EBADF);
    close(u);
    mpsctp_stack_free(a);
}

static void test_close_during_connect_one_to_one(void **state)
{
    close_during_connect(SOCK_STREAM);
}

static void test_close_during_connect_one_to_many(void **state)
{
    close_during_connect(SOCK_SEQPACKET);
}

static void test_close_during_send_one_to_one(void **state)
{
    blocked_send_ends(SOCK_STREAM, 1, 0);
    blocked_send_ends(SOCK_STREAM, 1, 1);
}

static void test_close_during_send_one_to_many(void **state)
{
    blocked_send_ends(SOCK_SEQPACKET, 1, 0);
    blocked_send_ends(SOCK_SEQPACKET, 1, 1);
}

/* Receives on s until the message of 'S' bytes; returns how many filler messages came
 * before it. */
static int read_until_sendall(int s)
{
    static char buf[4096];
    int fillers = 0;
    for (;;) {
        int fl = 0;
        ssize_t n = ut_recv(s, buf, sizeof(buf), &fl, NULL);
        assert_int_equal(n, 1000);
        assert_true(fl & MSG_EOR);
        if (buf[0] == 'S') {
            for (int i = 0; i < 1000; i++)
                assert_int_equal(buf[i], 'S');
            return fillers;
        }
        fillers++;
    }
}

/* SCTP_SENDALL to three associations: it blocks on the first one it sends to (its
 * buffer is full), the next one is aborted by its peer meanwhile, then the first one's
 * reader drains. The call goes on with the live associations. */
static void test_sendall_assoc_dies(void **state)
{
    mpsctp_stack *a = ut_stack(0), *b = ut_stack(0);
    int c = ut_client(a, SOCK_SEQPACKET, b);
    ut_set_int(c, SOL_SOCKET, SO_SNDBUF, 4096);
    ut_event(c, SCTP_ASSOC_CHANGE);
    int ls[3], s[3];
    sctp_assoc_t id[3];
    for (int i = 0; i < 3; i++) {
        ls[i] = ut_listener_rcvbuf(b, (uint16_t)(5110 + i), 4096);
        struct sockaddr_in sa = ut_sin((uint16_t)(5110 + i));
        assert_int_equal(mpsctp_connectx(c, (struct sockaddr *)&sa, 1, &id[i]), 0);
        s[i] = mpsctp_accept(ls[i], NULL, NULL);
        assert_true(s[i] >= 0);
        assert_int_equal(ut_wait_up(c), id[i]);
    }
    /* SENDALL goes through the associations newest first: id[2], id[1], id[0]. */
    fill(c, id[2]);
    call k = {.sd = c, .sendall = 1};
    start(&k, send_thread);
    wait_blocked(a, 1);
    ut_linger_abort(s[1]);
    assert_int_equal(mpsctp_close(s[1]), 0);
    struct sctp_assoc_change ac;
    do {
        assert_int_equal(ut_wait_notification(c, SCTP_ASSOC_CHANGE, &ac, sizeof(ac)), 0);
    } while (ac.sac_state != SCTP_COMM_LOST);
    assert_int_equal(ac.sac_assoc_id, id[1]);
    assert_true(read_until_sendall(s[2]) > 0);
    finish(&k);
    assert_int_equal(k.result, 1000);
    assert_int_equal(read_until_sendall(s[0]), 0);
    int sds[] = {c, s[0], s[2], ls[0], ls[1], ls[2]};
    ut_down(a, b, sds, 6);
}

int main(int argc, char **argv)
{
    if (argc > 1)
        cmocka_set_test_filter(argv[1]); /* one test by name (pattern) */
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_connect_refused_one_to_many),
        cmocka_unit_test(test_send_blocked_peer_abort_one_to_one),
        cmocka_unit_test(test_send_blocked_peer_abort_one_to_many),
        cmocka_unit_test(test_close_during_connect_one_to_one),
        cmocka_unit_test(test_close_during_connect_one_to_many),
        cmocka_unit_test(test_close_during_send_one_to_one),
        cmocka_unit_test(test_close_during_send_one_to_many),
        cmocka_unit_test(test_sendall_assoc_dies),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
