/* A graceful close keeps its promise: data queued when the application closes its socket
 * reaches the peer, followed by a graceful SHUTDOWN_COMP, also when mpsctp_stack_free or
 * exit() comes right after the close. SO_LINGER {1, t} makes close wait; mpsctp_stack_drain
 * waits explicitly. A descriptor closed with close() behind the library's back is never
 * confused with the file that gets its number next.
 *
 * Run with the arguments "sender UDP-PORT SCTP-PORT BYTES ROUND", the program is the
 * sending process of the exit() case: it uses the default stack, sends, closes, exits. */
#include <fcntl.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include "api_util.h"

extern char **environ;

#define ROUNDS 10
#define TOTAL (1400 * 1000) /* bytes per round: much is still queued at the close */
#define MSG 65536

static uint8_t pattern(size_t off, int round)
{
    return (uint8_t)(off * 31 + (size_t)round * 7 + off / 65521);
}

/* Sends TOTAL bytes of round's pattern on c in MSG-byte messages. Returns 0 or -1. */
static int send_all(int c, int round)
{
    static uint8_t buf[MSG];
    for (size_t off = 0; off < TOTAL;) {
        size_t n = TOTAL - off < MSG ? TOTAL - off : MSG;
        for (size_t i = 0; i < n; i++)
            buf[i] = pattern(off + i, round);
        if (mpsctp_send(c, buf, n, 0) != (ssize_t)n)
            return -1;
        off += n;
    }
    return 0;
}

/* The exit() case's sender process: default stack, send, close, exit at once. */
static int sender_main(char **argv)
{
    int c = mpsctp_socket(AF_INET, SOCK_STREAM, IPPROTO_SCTP);
    if (c < 0)
        return 2;
    struct sctp_udpencaps ue = {.sue_assoc_id = SCTP_FUTURE_ASSOC,
                                .sue_port = htons((uint16_t)atoi(argv[2]))};
    struct sockaddr_in to = ut_sin((uint16_t)atoi(argv[3]));
    if (mpsctp_setsockopt(c, IPPROTO_SCTP, SCTP_REMOTE_UDP_ENCAPS_PORT, &ue, sizeof(ue)) ||
        mpsctp_connect(c, (struct sockaddr *)&to, sizeof(to)) ||
        send_all(c, atoi(argv[5])) || mpsctp_close(c))
        return 3;
    exit(0);
}

/* Reads the association of round from one-to-many socket ls until it ends: every byte
 * must come, in order, then a graceful SHUTDOWN_COMP. */
static void expect_delivered(int ls, int round)
{
    static uint8_t buf[MSG];
    size_t got = 0;
    for (;;) {
        int fl = 0;
        ssize_t n = ut_recv(ls, buf, sizeof(buf), &fl, NULL);
        if (n < 0)
            fail_msg("round %d: receive failed after %zu bytes", round, got);
        if (fl & MSG_NOTIFICATION) {
            struct sctp_assoc_change ac;
            memcpy(&ac, buf, sizeof(ac));
            assert_int_equal(ac.sac_type, SCTP_ASSOC_CHANGE);
            if (ac.sac_state == SCTP_COMM_UP)
                continue;
            if (ac.sac_state != SCTP_SHUTDOWN_COMP || got != TOTAL)
                fail_msg("round %d: association ended with state %u after %zu of %d bytes",
                         round, ac.sac_state, got, TOTAL);
            return;
        }
        for (ssize_t i = 0; i < n; i++)
            if (buf[i] != pattern(got + (size_t)i, round))
                fail_msg("round %d: byte %zu differs", round, got + (size_t)i);
        got += (size_t)n;
    }
}

/* send, mpsctp_close, mpsctp_stack_free at once: the stack waits for the shutdown. */
static void test_close_then_free_delivers(void **state)
{
    mpsctp_stack *b = ut_stack(0);
    int ls = ut_listener(b, SOCK_SEQPACKET, 5401);
    ut_event(ls, SCTP_ASSOC_CHANGE);
    for (int round = 0; round < ROUNDS; round++) {
        mpsctp_stack *a = ut_stack(0);
        int c = ut_client(a, SOCK_STREAM, b);
        struct sockaddr_in to = ut_sin(5401);
        assert_int_equal(mpsctp_connect(c, (struct sockaddr *)&to, sizeof(to)), 0);
        assert_int_equal(send_all(c, round), 0);
        assert_int_equal(mpsctp_close(c), 0);
        mpsctp_stack_free(a);
        expect_delivered(ls, round);
    }
    mpsctp_close(ls);
    mpsctp_stack_free(b);
}

/* send, mpsctp_close, exit() at once, each round in a new process on the default stack. */
static void test_close_then_exit_delivers(void **state)
{
    mpsctp_stack *b = ut_stack(0);
    int ls = ut_listener(b, SOCK_SEQPACKET, 5402);
    ut_event(ls, SCTP_ASSOC_CHANGE);
    char udp[16], bytes[16], rnd[16];
    snprintf(udp, sizeof(udp), "%u", mpsctp_stack_udp_port(b));
    snprintf(bytes, sizeof(bytes), "%d", TOTAL);
    setenv("MPSCTP_UDP_PORT", "-1", 1); /* the sender's default stack: any UDP port */
    for (int round = 0; round < ROUNDS; round++) {
        snprintf(rnd, sizeof(rnd), "%d", round);
        char *argv[] = {"test_api_close", "sender", udp, "5402", bytes, rnd, NULL};
        pid_t pid;
        assert_int_equal(posix_spawn(&pid, "/proc/self/exe", NULL, NULL, argv, environ), 0);
        expect_delivered(ls, round);
        int status = -1;
        assert_int_equal(waitpid(pid, &status, 0), pid);
        assert_true(WIFEXITED(status));
        assert_int_equal(WEXITSTATUS(status), 0);
    }
    unsetenv("MPSCTP_UDP_PORT");
    mpsctp_close(ls);
    mpsctp_stack_free(b);
}

static void test_drain_api(void **state)
{
    EXPECT_ERR(mpsctp_stack_drain(NULL, 0), EINVAL);
    mpsctp_stack *a = ut_stack(0);
    assert_int_equal(mpsctp_stack_drain(a, 0), 0);
    assert_int_equal(mpsctp_stack_drain(a, -1), 0);
    mpsctp_stack_free(a);
}

static void set_linger(int sd, int sec)
{
    struct linger l = {1, sec};
    assert_int_equal(mpsctp_setsockopt(sd, SOL_SOCKET, SO_LINGER, &l, sizeof(l)), 0);
}

/* SO_LINGER {1, 10}: close returns once the shutdown has completed. */
static void test_linger_waits_for_shutdown(void **state)
{
    mpsctp_stack *a = ut_stack(0), *b = ut_stack(0);
    int c, s;
    int ls = ut_pair(a, b, 5403, &c, &s);
    assert_int_equal(send_all(c, 0), 0);
    set_linger(c, 10);
    double t0 = ut_now();
    assert_int_equal(mpsctp_close(c), 0);
    double took = ut_now() - t0;
    assert_true(took < 9);
    /* Nothing is left in a shutdown: the close waited for it. */
    assert_int_equal(mpsctp_stack_drain(a, 0), 0);
    static uint8_t buf[MSG];
    size_t got = 0;
    ssize_t n;
    while ((n = ut_recv(s, buf, sizeof(buf), NULL, NULL)) > 0)
        got += (size_t)n;
    assert_int_equal(n, 0);
    assert_int_equal(got, TOTAL);
    int sds[] = {s, ls};
    ut_down(a, b, sds, 2);
}

/* SO_LINGER {1, 1} while the peer reads nothing: close returns 0 after about a second and
 * the shutdown goes on; once the peer reads, it completes with every byte delivered. */
static void test_linger_timeout_goes_on(void **state)
{
    mpsctp_stack *a = ut_stack(0), *b = ut_stack(0);
    int ls = ut_listener_rcvbuf(b, 5404, 8192);
    int c = ut_client(a, SOCK_STREAM, b);
    struct sockaddr_in to = ut_sin(5404);
    assert_int_equal(mpsctp_connect(c, (struct sockaddr *)&to, sizeof(to)), 0);
    int s = mpsctp_accept(ls, NULL, NULL);
    assert_true(s >= 0);
    static uint8_t buf[MSG];
    memset(buf, 'q', sizeof(buf));
    for (int i = 0; i < 4; i++) /* 256 KiB: far more than the peer's window and queue */
        assert_int_equal(mpsctp_send(c, buf, MSG, 0), MSG);
    set_linger(c, 1);
    double t0 = ut_now();
    assert_int_equal(mpsctp_close(c), 0);
    double took = ut_now() - t0;
    assert_true(took >= 0.9 && took < 5);
    EXPECT_ERR(mpsctp_stack_drain(a, 0), ETIMEDOUT);
    size_t got = 0;
    ssize_t n;
    while ((n = ut_recv(s, buf, sizeof(buf), NULL, NULL)) > 0)
        got += (size_t)n;
    assert_int_equal(n, 0);
    assert_int_equal(got, 4 * MSG);
    assert_int_equal(mpsctp_stack_drain(a, 10000), 0);
    int sds[] = {s, ls};
    ut_down(a, b, sds, 2);
}

/* close() instead of mpsctp_close(), and the number goes to a pipe: mpsctp_stack_free
 * must neither hang nor close the pipe. */
static void test_plain_close_number_reused_by_file(void **state)
{
    mpsctp_stack *a = ut_stack(0);
    int sd = mpsctp_socket_on(a, AF_INET, SOCK_STREAM, IPPROTO_SCTP);
    struct sockaddr_in sa = ut_sin(5405);
    assert_int_equal(mpsctp_bind(sd, (struct sockaddr *)&sa, sizeof(sa)), 0);
    assert_int_equal(close(sd), 0); /* the misuse */
    int p[2];
    assert_int_equal(pipe(p), 0);
    int other = p[0] == sd ? p[1] : p[0];
    if (p[0] != sd && p[1] != sd) {
        assert_int_equal(dup2(p[0], sd), sd); /* make sure the number is reused */
        close(p[0]);
        p[0] = sd;
        other = p[1];
    }
    alarm(30); /* a hang fails the test instead of the whole run */
    mpsctp_stack_free(a);
    alarm(0);
    assert_true(fcntl(sd, F_GETFD) >= 0);
    assert_int_equal(write(p[1], "ok", 2), 2);
    char r[2];
    assert_int_equal(read(p[0], r, 2), 2);
    assert_memory_equal(r, "ok", 2);
    close(p[0]);
    close(other == p[0] ? p[1] : other);
}

/* close() instead of mpsctp_close(), and the number goes to a new mpsctp socket of the
 * same stack: the old socket is closed for good (its port is free again) and
 * mpsctp_stack_free neither hangs nor spins. */
static void test_plain_close_number_reused_by_socket(void **state)
{
    mpsctp_stack *a = ut_stack(0);
    int sd = mpsctp_socket_on(a, AF_INET, SOCK_STREAM, IPPROTO_SCTP);
    struct sockaddr_in sa = ut_sin(5406);
    assert_int_equal(mpsctp_bind(sd, (struct sockaddr *)&sa, sizeof(sa)), 0);
    assert_int_equal(close(sd), 0); /* the misuse */
    int n = mpsctp_socket_on(a, AF_INET, SOCK_STREAM, IPPROTO_SCTP);
    assert_int_equal(n, sd); /* the lowest free number */
    /* The socket that lost its number is gone with its port. */
    assert_int_equal(mpsctp_bind(n, (struct sockaddr *)&sa, sizeof(sa)), 0);
    alarm(30);
    mpsctp_stack_free(a);
    alarm(0);
    EXPECT_ERR(mpsctp_close(n), EBADF);
}

int main(int argc, char **argv)
{
    if (argc > 5 && strcmp(argv[1], "sender") == 0)
        return sender_main(argv);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_close_then_free_delivers),
        cmocka_unit_test(test_close_then_exit_delivers),
        cmocka_unit_test(test_drain_api),
        cmocka_unit_test(test_linger_waits_for_shutdown),
        cmocka_unit_test(test_linger_timeout_goes_on),
        cmocka_unit_test(test_plain_close_number_reused_by_file),
        cmocka_unit_test(test_plain_close_number_reused_by_socket),
    };
    if (argc > 1)
        cmocka_set_test_filter(argv[1]);
    return cmocka_run_group_tests(tests, NULL, NULL);
}
