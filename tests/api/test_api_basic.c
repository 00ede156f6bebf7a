/* One-to-one sockets over loopback UDP: blocking and non-blocking use, poll/epoll
 * readiness, message sizes and EOR, shutdown, close, abort, refused and timed-out
 * connects, a caller-driven stack. */
#include <fcntl.h>
#include <stdlib.h>
#include <sys/epoll.h>
#include <unistd.h>

#include "api_util.h"

static void test_echo_blocking(void **state)
{
    mpsctp_stack *a = ut_stack(0), *b = ut_stack(0);
    int c, s;
    int ls = ut_pair(a, b, 5001, &c, &s);
    int on = 1;
    assert_int_equal(mpsctp_setsockopt(s, IPPROTO_SCTP, SCTP_RECVRCVINFO, &on, sizeof(on)), 0);
    struct sctp_sndinfo si = {.snd_sid = 3, .snd_ppid = htonl(99)};
    struct iovec iov = {"ping", 4};
    assert_int_equal(mpsctp_sendv(c, &iov, 1, NULL, 0, &si, sizeof(si), SCTP_SENDV_SNDINFO, 0),
                     4);
    char buf[64];
    int fl;
    struct sctp_rcvinfo rcv;
    memset(&rcv, 0, sizeof(rcv));
    assert_int_equal(ut_recv(s, buf, sizeof(buf), &fl, &rcv), 4);
    assert_memory_equal(buf, "ping", 4);
    assert_true(fl & MSG_EOR);
    assert_int_equal(rcv.rcv_sid, 3);
    assert_int_equal(rcv.rcv_ppid, htonl(99));
    assert_int_equal(mpsctp_send(s, "pong", 4, 0), 4);
    assert_int_equal(mpsctp_recv(c, buf, sizeof(buf), 0), 4);
    assert_memory_equal(buf, "pong", 4);
    struct sockaddr_in pa;
    socklen_t pl = sizeof(pa);
    assert_int_equal(mpsctp_getpeername(c, (struct sockaddr *)&pa, &pl), 0);
    assert_int_equal(ntohs(pa.sin_port), 5001);
    mpsctp_close(c);
    mpsctp_close(s);
    mpsctp_close(ls);
    mpsctp_stack_free(a);
    mpsctp_stack_free(b);
}

static void test_nonblocking_poll_epoll(void **state)
{
    mpsctp_stack *a = ut_stack(0), *b = ut_stack(0);
    int ls = ut_listener(b, SOCK_STREAM, 5002);
    fcntl(ls, F_SETFL, fcntl(ls, F_GETFL) | O_NONBLOCK);
    assert_int_equal(mpsctp_accept(ls, NULL, NULL), -1);
    assert_int_equal(errno, EAGAIN);
    int c = ut_client(a, SOCK_STREAM, b);
    assert_int_equal(mpsctp_fcntl(c, F_SETFL, O_NONBLOCK), 0);
    struct sockaddr_in sa = ut_sin(5002);
    assert_int_equal(mpsctp_connect(c, (struct sockaddr *)&sa, sizeof(sa)), -1);
    assert_int_equal(errno, EINPROGRESS);
    assert_true(ut_poll(c, POLLOUT, 5000) & POLLOUT);
    int err = -1;
    socklen_t el = sizeof(err);
    assert_int_equal(mpsctp_getsockopt(c, SOL_SOCKET, SO_ERROR, &err, &el), 0);
    assert_int_equal(err, 0);
    assert_true(ut_poll(ls, POLLIN, 5000) & POLLIN);
    int s = mpsctp_accept(ls, NULL, NULL);
    assert_true(s >= 0);
    fcntl(s, F_SETFL, O_NONBLOCK);
    char buf[16384];
    assert_int_equal(mpsctp_recv(s, buf, sizeof(buf), 0), -1);
    assert_int_equal(errno, EAGAIN);
    assert_int_equal(ut_poll(s, POLLIN, 0), 0);

    /* epoll: readable when data arrives */
    int ep = epoll_create1(0);
    struct epoll_event ev = {.events = EPOLLIN, .data.fd = s};
    assert_int_equal(epoll_ctl(ep, EPOLL_CTL_ADD, s, &ev), 0);
    assert_int_equal(mpsctp_send(c, "x", 1, 0), 1);
    struct epoll_event out;
    assert_int_equal(epoll_wait(ep, &out, 1, 5000), 1);
    assert_int_equal(out.data.fd, s);
    assert_int_equal(mpsctp_recv(s, buf, sizeof(buf), 0), 1);
    assert_int_equal(epoll_wait(ep, &out, 1, 0), 0);
    close(ep);

    /* Fill the sender until EAGAIN: not writable; writable again once the peer drains. */
    int sb = 65536;
    assert_int_equal(mpsctp_setsockopt(c, SOL_SOCKET, SO_SNDBUF, &sb, sizeof(sb)), 0);
    memset(buf, 7, sizeof(buf));
    int blocked = 0;
    for (int i = 0; i < 10000 && !blocked; i++) {
        ssize_t n = mpsctp_send(c, buf, sizeof(buf), 0);
        if (n < 0) {
            assert_int_equal(errno, EAGAIN);
            blocked = 1;
        }
    }
    assert_true(blocked);
    /* SACKs still on their way may free some room just after EAGAIN, and a 16 KiB
     * message can fail while a smaller one still fits: let the acknowledgements arrive
     * (the peer reads nothing, so its window closes), then fill what is left with ever
     * smaller messages, until a round of 100 ms frees no room at all (on a busy machine
     * the peer's window may take several rounds to close). Only a full buffer must make
     * the socket unwritable. */
    static const size_t sizes[] = {16384, 1024, 64, 1};
    int quiet = 0;
    for (int round = 0; round < 100 && !quiet; round++) {
        usleep(100000);
        quiet = 1;
        for (size_t k = 0; k < sizeof(sizes) / sizeof(sizes[0]); k++)
            while (mpsctp_send(c, buf, sizes[k], 0) > 0)
                quiet = 0;
        assert_int_equal(errno, EAGAIN);
    }
    assert_true(quiet);
    assert_false(ut_poll(c, POLLOUT, 0) & POLLOUT);
    int ep2 = epoll_create1(0);
    struct epoll_event ev2 = {.events = EPOLLOUT | EPOLLET, .data.fd = c};
    assert_int_equal(epoll_ctl(ep2, EPOLL_CTL_ADD, c, &ev2), 0);
    assert_int_equal(epoll_wait(ep2, &out, 1, 0), 0);
    /* drain on the server side */
    size_t got = 0;
    for (int spins = 0; spins < 2000; spins++) {
        ssize_t n = mpsctp_recv(s, buf, sizeof(buf), 0);
        if (n > 0) {
            got += (size_t)n;
            continue;
        }
        if (ut_poll(c, POLLOUT, 0) & POLLOUT)
            break;
        ut_poll(s, POLLIN, 10);
    }
    assert_true(got > 0);
    assert_true(ut_poll(c, POLLOUT, 5000) & POLLOUT);
    assert_int_equal(epoll_wait(ep2, &out, 1, 5000), 1);
    assert_true(out.events & EPOLLOUT);
    close(ep2);
    mpsctp_close(c);
    mpsctp_close(s);
    mpsctp_close(ls);
    mpsctp_stack_free(a);
    mpsctp_stack_free(b);
}

static void fill_pattern(uint8_t *p, size_t n, unsigned seed)
{
    for (size_t i = 0; i < n; i++)
        p[i] = (uint8_t)(seed * 31 + i * 7 + (i >> 8));
}

static void test_message_sizes_eor(void **state)
{
    mpsctp_stack *a = ut_stack(0), *b = ut_stack(0);
    int c, s;
    int ls = ut_pair(a, b, 5003, &c, &s);
    int big = 4 << 20;
    mpsctp_setsockopt(c, SOL_SOCKET, SO_SNDBUF, &big, sizeof(big));
    size_t sizes[] = {1, 2, 100, 1452, 1453, 16384, 65536, 300000, 1 << 20};
    size_t n = sizeof(sizes) / sizeof(sizes[0]);
    uint8_t *tx = malloc(1 << 20), *rx = malloc(1 << 20);
    for (size_t i = 0; i < n; i++) {
        fill_pattern(tx, sizes[i], (unsigned)i);
        assert_int_equal(mpsctp_send(c, tx, sizes[i], 0), (ssize_t)sizes[i]);
        /* Read with a small buffer: parts without MSG_EOR, the last one with it. */
        size_t got = 0;
        int fl = 0;
        do {
            size_t cap = sizes[i] > 1000 ? 777 + (i * 1000) : sizes[i];
            ssize_t k = ut_recv(s, rx + got, cap, &fl, NULL);
            assert_true(k > 0);
            got += (size_t)k;
            assert_true(got <= sizes[i]);
            if (got < sizes[i])
                assert_false(fl & MSG_EOR);
        } while (!(fl & MSG_EOR));
        assert_int_equal(got, sizes[i]);
        assert_memory_equal(tx, rx, sizes[i]);
    }
    /* Larger than SO_SNDBUF: EMSGSIZE. */
    int sb = 8192;
    mpsctp_setsockopt(c, SOL_SOCKET, SO_SNDBUF, &sb, sizeof(sb));
    assert_int_equal(mpsctp_send(c, tx, 9000, 0), -1);
    assert_int_equal(errno, EMSGSIZE);
    /* sid beyond the outbound streams: EINVAL */
    struct sctp_sndinfo si = {.snd_sid = 1000};
    struct iovec iov = {tx, 10};
    assert_int_equal(mpsctp_sendv(c, &iov, 1, NULL, 0, &si, sizeof(si), SCTP_SENDV_SNDINFO, 0),
                     -1);
    assert_int_equal(errno, EINVAL);
    free(tx);
    free(rx);
    mpsctp_close(c);
    mpsctp_close(s);
    mpsctp_close(ls);
    mpsctp_stack_free(a);
    mpsctp_stack_free(b);
}

static void test_shutdown_eof(void **state)
{
    mpsctp_stack *a = ut_stack(0), *b = ut_stack(0);
    int c, s;
    int ls = ut_pair(a, b, 5004, &c, &s);
    assert_int_equal(mpsctp_send(c, "last", 4, 0), 4);
    assert_int_equal(mpsctp_shutdown(c, SHUT_WR), 0);
    assert_int_equal(mpsctp_send(c, "more", 4, 0), -1);
    assert_int_equal(errno, EPIPE);
    char buf[16];
    assert_int_equal(ut_recv(s, buf, sizeof(buf), NULL, NULL), 4);
    assert_int_equal(ut_recv(s, buf, sizeof(buf), NULL, NULL), 0); /* EOF */
    /* The client sees EOF once the shutdown completes, then ENOTCONN. */
    assert_int_equal(ut_recv(c, buf, sizeof(buf), NULL, NULL), 0);
    assert_int_equal(mpsctp_recv(c, buf, sizeof(buf), 0), -1);
    assert_int_equal(errno, ENOTCONN);
    assert_int_equal(mpsctp_shutdown(c, SHUT_WR), -1);
    assert_int_equal(errno, ENOTCONN);
    /* The server, whose peer shut down, keeps reading end of file (Linux), also once
     * the association is gone. */
    struct sctp_status sst;
    socklen_t sstl = sizeof(sst);
    for (double t0 = ut_now(); ut_now() - t0 < 5;) {
        sstl = sizeof(sst);
        if (mpsctp_getsockopt(s, IPPROTO_SCTP, SCTP_STATUS, &sst, &sstl) < 0)
            break; /* gone */
        usleep(10000);
    }
    assert_int_equal(mpsctp_getsockopt(s, IPPROTO_SCTP, SCTP_STATUS, &sst, &sstl), -1);
    assert_int_equal(mpsctp_recv(s, buf, sizeof(buf), 0), 0);
    assert_int_equal(mpsctp_recv(s, buf, sizeof(buf), MSG_DONTWAIT), 0);
    mpsctp_close(c);
    mpsctp_close(s);
    mpsctp_close(ls);
    /* unconnected */
    int u = mpsctp_socket_on(a, AF_INET, SOCK_STREAM, 0);
    assert_int_equal(mpsctp_recv(u, buf, sizeof(buf), MSG_DONTWAIT), -1);
    assert_int_equal(errno, ENOTCONN);
    assert_int_equal(mpsctp_send(u, "x", 1, 0), -1);
    assert_int_equal(errno, ENOTCONN);
    assert_int_equal(mpsctp_shutdown(u, SHUT_WR), -1);
    assert_int_equal(errno, ENOTCONN);
    mpsctp_close(u);
    assert_int_equal(mpsctp_close(u), -1);
    assert_int_equal(errno, EBADF);
    assert_int_equal(mpsctp_send(u, "x", 1, 0), -1);
    assert_int_equal(errno, EBADF);
    mpsctp_stack_free(a);
    mpsctp_stack_free(b);
}

static void test_close_delivers_pending(void **state)
{
    mpsctp_stack *a = ut_stack(0), *b = ut_stack(0);
    int c, s;
    int ls = ut_pair(a, b, 5005, &c, &s);
    uint8_t *tx = malloc(200000), *rx = malloc(200000);
    fill_pattern(tx, 200000, 5);
    for (int i = 0; i < 4; i++)
        assert_int_equal(mpsctp_send(c, tx + i * 50000, 50000, 0), 50000);
    mpsctp_close(c); /* graceful: the queued data still arrives */
    size_t got = 0;
    for (;;) {
        ssize_t k = ut_recv(s, rx + got, 200000 - got, NULL, NULL);
        assert_true(k >= 0);
        if (k == 0)
            break;
        got += (size_t)k;
    }
    assert_int_equal(got, 200000);
    assert_memory_equal(tx, rx, 200000);
    free(tx);
    free(rx);
    mpsctp_close(s);
    mpsctp_close(ls);
    mpsctp_stack_free(a);
    mpsctp_stack_free(b);
}

static void test_abort_reset(void **state)
{
    mpsctp_stack *a = ut_stack(0), *b = ut_stack(0);
    /* SO_LINGER {1, 0}: close aborts */
    int c, s;
    int ls = ut_pair(a, b, 5006, &c, &s);
    struct linger lg = {1, 0};
    assert_int_equal(mpsctp_setsockopt(c, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg)), 0);
    mpsctp_close(c);
    char buf[16];
    assert_true(ut_poll(s, POLLIN, 5000) & POLLIN);
    assert_int_equal(mpsctp_recv(s, buf, sizeof(buf), 0), -1);
    assert_int_equal(errno, ECONNRESET);
    assert_int_equal(mpsctp_send(s, "x", 1, 0), -1);
    assert_int_equal(errno, EPIPE);
    mpsctp_close(s);
    /* SCTP_ABORT flag */
    int c2 = ut_client(a, SOCK_STREAM, b);
    struct sockaddr_in sa = ut_sin(5006);
    assert_int_equal(mpsctp_connect(c2, (struct sockaddr *)&sa, sizeof(sa)), 0);
    int s2 = mpsctp_accept(ls, NULL, NULL);
    assert_true(s2 >= 0);
    struct sctp_sndinfo si = {.snd_flags = SCTP_ABORT};
    assert_int_equal(mpsctp_sendv(c2, NULL, 0, NULL, 0, &si, sizeof(si), SCTP_SENDV_SNDINFO, 0),
                     0);
    assert_true(ut_poll(s2, POLLIN, 5000) & POLLIN);
    assert_int_equal(mpsctp_recv(s2, buf, sizeof(buf), 0), -1);
    assert_int_equal(errno, ECONNRESET);
    mpsctp_close(c2);
    mpsctp_close(s2);
    mpsctp_close(ls);
    mpsctp_stack_free(a);
    mpsctp_stack_free(b);
}

static void test_connect_refused_and_timeout(void **state)
{
    mpsctp_stack *a = ut_stack(0), *b = ut_stack(0);
    int c = ut_client(a, SOCK_STREAM, b);
    struct sockaddr_in sa = ut_sin(5007); /* nothing listens there */
    assert_int_equal(mpsctp_connect(c, (struct sockaddr *)&sa, sizeof(sa)), -1);
    assert_int_equal(errno, ECONNREFUSED);
    mpsctp_close(c);
    /* A silent UDP port: INITs go unanswered. */
    int u = socket(AF_INET, SOCK_DGRAM, 0);
    struct sockaddr_in ua = ut_sin(0);
    socklen_t ul = sizeof(ua);
    assert_int_equal(bind(u, (struct sockaddr *)&ua, sizeof(ua)), 0);
    getsockname(u, (struct sockaddr *)&ua, &ul);
    c = mpsctp_socket_on(a, AF_INET, SOCK_STREAM, 0);
    struct sctp_udpencaps ue = {.sue_assoc_id = SCTP_FUTURE_ASSOC, .sue_port = ua.sin_port};
    assert_int_equal(
        mpsctp_setsockopt(c, IPPROTO_SCTP, SCTP_REMOTE_UDP_ENCAPS_PORT, &ue, sizeof(ue)), 0);
    struct sctp_rtoinfo rto = {.srto_initial = 50, .srto_min = 50, .srto_max = 100};
    assert_int_equal(mpsctp_setsockopt(c, IPPROTO_SCTP, SCTP_RTOINFO, &rto, sizeof(rto)), 0);
    struct sctp_initmsg im = {.sinit_max_attempts = 2};
    assert_int_equal(mpsctp_setsockopt(c, IPPROTO_SCTP, SCTP_INITMSG, &im, sizeof(im)), 0);
    assert_int_equal(mpsctp_connect(c, (struct sockaddr *)&sa, sizeof(sa)), -1);
    assert_int_equal(errno, ETIMEDOUT);
    mpsctp_close(c);
    close(u);
    mpsctp_stack_free(a);
    mpsctp_stack_free(b);
}

/* A stack without its own thread, driven by the caller; the blocking calls drive it. */
static void test_caller_driven(void **state)
{
    mpsctp_stack *a = ut_stack(1), *b = ut_stack(0);
    assert_true(mpsctp_stack_fd(a) >= 0);
    int c, s;
    int ls = ut_pair(a, b, 5008, &c, &s);
    assert_int_equal(mpsctp_send(s, "hi", 2, 0), 2);
    char buf[8];
    int got = 0;
    fcntl(c, F_SETFL, O_NONBLOCK);
    for (int i = 0; i < 500 && !got; i++) {
        struct pollfd p = {.fd = mpsctp_stack_fd(a), .events = POLLIN};
        poll(&p, 1, 10);
        assert_int_equal(mpsctp_stack_process(a, 0), 0);
        got = mpsctp_recv(c, buf, sizeof(buf), 0) == 2;
    }
    assert_true(got);
    assert_memory_equal(buf, "hi", 2);
    mpsctp_close(c);
    mpsctp_close(s);
    mpsctp_close(ls);
    mpsctp_stack_free(a);
    mpsctp_stack_free(b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_echo_blocking),
        cmocka_unit_test(test_nonblocking_poll_epoll),
        cmocka_unit_test(test_message_sizes_eor),
        cmocka_unit_test(test_shutdown_eof),
        cmocka_unit_test(test_close_delivers_pending),
        cmocka_unit_test(test_abort_reset),
        cmocka_unit_test(test_connect_refused_and_timeout),
        cmocka_unit_test(test_caller_driven),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
