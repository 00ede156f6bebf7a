/* The default stack's UDP port: several processes of one host use SCTP with default
 * settings at once. A process that only connects takes a port of the kernel's choice;
 * the first listen() moves its stack to the well-known port 9899; a second listener on the
 * host gets EADDRINUSE from listen(), never from socket(). Live associations survive the
 * move (the peer learns the new port from the next packet). Runs in a network namespace
 * of its own (port 9899 is the host's otherwise): unshare -n sh netns_run.sh THIS. */
#define _GNU_SOURCE
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#include "api_util.h"

#define SPORT 5600 /* the child's listener */

/* Child: listens on SPORT with the default stack, echoes one message, exits. Tells the
 * parent through ready[1] once it listens. */
static void child_server(int ready)
{
    int l = mpsctp_socket(AF_INET, SOCK_STREAM, IPPROTO_SCTP);
    struct sockaddr_in a = ut_sin(SPORT);
    if (l < 0 || mpsctp_bind(l, (struct sockaddr *)&a, sizeof(a)) < 0 || mpsctp_listen(l, 1) < 0)
        _exit(10);
    if (mpsctp_stack_udp_port(mpsctp_default_stack()) != MPSCTP_DEFAULT_UDP_PORT)
        _exit(11);
    if (write(ready, "r", 1) != 1)
        _exit(12);
    int s = mpsctp_accept(l, NULL, NULL);
    char buf[64];
    ssize_t n = s >= 0 ? mpsctp_recv(s, buf, sizeof(buf), 0) : -1;
    if (n <= 0 || mpsctp_send(s, buf, (size_t)n, 0) != n)
        _exit(13);
    n = mpsctp_recv(s, buf, sizeof(buf), 0); /* end of file: the parent closed */
    mpsctp_close(s);
    mpsctp_close(l);
    _exit(n == 0 ? 0 : 14);
}

static void test_two_processes_default_settings(void **state)
{
    (void)state;
    unsetenv("MPSCTP_UDP_PORT");
    int p[2];
    assert_int_equal(pipe(p), 0);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        close(p[0]);
        child_server(p[1]);
    }
    close(p[1]);
    char c;
    assert_int_equal(read(p[0], &c, 1), 1);
    close(p[0]);

    /* The parent's default stack: no fixed port, so no collision with the child's. */
    int sd = mpsctp_socket(AF_INET, SOCK_STREAM, IPPROTO_SCTP);
    assert_true(sd >= 0);
    uint16_t port = mpsctp_stack_udp_port(mpsctp_default_stack());
    assert_true(port != 0 && port != MPSCTP_DEFAULT_UDP_PORT);
    struct sockaddr_in a = ut_sin(SPORT);
    assert_int_equal(mpsctp_connect(sd, (struct sockaddr *)&a, sizeof(a)), 0);
    assert_int_equal(mpsctp_send(sd, "ping", 4, 0), 4);
    char buf[16];
    assert_int_equal(ut_poll(sd, POLLIN, 5000) & POLLIN, POLLIN);
    assert_int_equal(mpsctp_recv(sd, buf, sizeof(buf), 0), 4);
    assert_memory_equal(buf, "ping", 4);

    /* A second listener on the host: the well-known port is the child's. */
    int l2 = mpsctp_socket(AF_INET, SOCK_STREAM, IPPROTO_SCTP);
    assert_true(l2 >= 0);
    struct sockaddr_in b = ut_sin(SPORT + 1);
    assert_int_equal(mpsctp_bind(l2, (struct sockaddr *)&b, sizeof(b)), 0);
    EXPECT_ERR(mpsctp_listen(l2, 1), EADDRINUSE);
    assert_int_equal(mpsctp_stack_udp_port(mpsctp_default_stack()), port);

    assert_int_equal(mpsctp_close(sd), 0);
    int status = 0;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFEXITED(status));
    assert_int_equal(WEXITSTATUS(status), 0);

    /* The child is gone: now the listen succeeds and moves the stack to 9899. */
    assert_int_equal(mpsctp_listen(l2, 1), 0);
    assert_int_equal(mpsctp_stack_udp_port(mpsctp_default_stack()), MPSCTP_DEFAULT_UDP_PORT);
    mpsctp_close(l2);
}

/* An association of a stack that moves to the well-known port goes on: the peer learns
 * the new port from the next packet. */
static void test_move_keeps_associations(void **state)
{
    (void)state;
    mpsctp_stack *srv = ut_stack(0);
    mpsctp_stack_config cfg = ut_stack_config();
    cfg.udp_port = MPSCTP_UDP_PORT_LISTEN;
    mpsctp_stack *cli = mpsctp_stack_new(&cfg);
    assert_non_null(srv);
    assert_non_null(cli);
    uint16_t before = mpsctp_stack_udp_port(cli);
    assert_true(before != MPSCTP_DEFAULT_UDP_PORT);
    int c, s;
    int l = ut_pair(cli, srv, 5610, &c, &s);
    char buf[16];
    assert_int_equal(mpsctp_send(c, "one", 3, 0), 3);
    assert_int_equal(ut_recv(s, buf, sizeof(buf), NULL, NULL), 3);

    /* A listener on the client's stack moves it. */
    int l2 = mpsctp_socket_on(cli, AF_INET, SOCK_STREAM, IPPROTO_SCTP);
    struct sockaddr_in b = ut_sin(5611);
    assert_int_equal(mpsctp_bind(l2, (struct sockaddr *)&b, sizeof(b)), 0);
    assert_int_equal(mpsctp_listen(l2, 1), 0);
    assert_int_equal(mpsctp_stack_udp_port(cli), MPSCTP_DEFAULT_UDP_PORT);

    /* Both directions still carry data over the same association. */
    assert_int_equal(mpsctp_send(c, "two", 3, 0), 3);
    assert_int_equal(ut_recv(s, buf, sizeof(buf), NULL, NULL), 3);
    assert_memory_equal(buf, "two", 3);
    assert_int_equal(mpsctp_send(s, "back", 4, 0), 4);
    assert_int_equal(ut_recv(c, buf, sizeof(buf), NULL, NULL), 4);
    assert_memory_equal(buf, "back", 4);
    struct sctp_status st;
    socklen_t sl = sizeof(st);
    memset(&st, 0, sizeof(st));
    assert_int_equal(mpsctp_getsockopt(s, IPPROTO_SCTP, SCTP_STATUS, &st, &sl), 0);
    assert_int_equal(st.sstat_state, SCTP_ESTABLISHED);
    int sds[] = {c, s, l, l2};
    ut_down(cli, srv, sds, 4);
}

/* cfg.listen_udp_port: the port the first listen moves the stack to, bound only then. */
static void test_listen_port(void **state)
{
    (void)state;
    mpsctp_stack_config cfg = ut_stack_config();
    cfg.udp_port = MPSCTP_UDP_PORT_LISTEN;
    cfg.listen_udp_port = 27600;
    mpsctp_stack *st = mpsctp_stack_new(&cfg);
    assert_non_null(st);
    assert_true(mpsctp_stack_udp_port(st) != 27600);
    int l = ut_listener(st, SOCK_STREAM, 5620);
    assert_int_equal(mpsctp_stack_udp_port(st), 27600);
    mpsctp_close(l);
    mpsctp_stack_free(st);
}

int main(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    signal(SIGPIPE, SIG_IGN);
    const struct CMUnitTest tests[] = {
        /* first: the other leaves the default stack on port 9899 */
        cmocka_unit_test(test_move_keeps_associations),
        cmocka_unit_test(test_listen_port),
        cmocka_unit_test(test_two_processes_default_settings),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
