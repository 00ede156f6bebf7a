/* A send blocked for room while another thread shuts the association down. The pattern
 * of applications with one sending thread per stream of one association (NetPerfMeter):
 * to stop, the main thread marks stream 0's sender as stopped, calls shutdown() on the
 * socket, then marks stream 1's sender as stopped. A sender that gets an error while it
 * is not marked as stopped takes the association for broken. Kernel SCTP on Linux
 * reports the shutdown to a blocked sender only once room frees (or the association
 * ends), as mpsctp must: here the peer reads nothing until both senders are marked, so
 * neither may return before, however long the main thread takes between the shutdown
 * and the second mark. Afterwards every byte queued before the shutdown arrives, then
 * end of file, and both blocked sends fail with EPIPE. */
#include <pthread.h>
#include <stdatomic.h>
#include <unistd.h>

#include "api_util.h"

#define PORT 5901
#define MSG 4096

typedef struct {
    int sd;
    uint16_t sid;
    atomic_int stopped; /* set by the main thread before the sender may fail */
    atomic_int done;    /* the blocked send has returned */
    atomic_int early;   /* it returned while not marked as stopped */
    ssize_t r;
    int err;
} sender;

static void *sender_main(void *arg)
{
    sender *x = arg;
    static uint8_t buf[MSG];
    memset(buf, 'x', sizeof(buf));
    struct sctp_sndinfo si = {.snd_sid = x->sid};
    struct iovec iov = {.iov_base = buf, .iov_len = sizeof(buf)};
    x->r = mpsctp_sendv(x->sd, &iov, 1, NULL, 0, &si, sizeof(si), SCTP_SENDV_SNDINFO, 0);
    x->err = errno;
    if (!atomic_load(&x->stopped))
        atomic_store(&x->early, 1);
    atomic_store(&x->done, 1);
    return NULL;
}

/* Sleeps in steps of 10 ms until f is set or ms have passed; returns f. */
static int wait_flag(atomic_int *f, int ms)
{
    for (int i = 0; i < ms / 10 && !atomic_load(f); i++)
        usleep(10000);
    return atomic_load(f);
}

static void test_blocked_senders_outlive_shutdown(void **state)
{
    (void)state;
    mpsctp_stack *a = ut_stack(0), *b = ut_stack(0);
    int ls = ut_listener_rcvbuf(b, PORT, 8192);
    int c = ut_client(a, SOCK_STREAM, b);
    ut_set_int(c, SOL_SOCKET, SO_SNDBUF, 65536); /* a queue the peer reads quickly */
    struct sockaddr_in to = ut_sin(PORT);
    assert_int_equal(mpsctp_connect(c, (struct sockaddr *)&to, sizeof(to)), 0);
    int s = mpsctp_accept(ls, NULL, NULL);
    assert_true(s >= 0);

    /* Fill the send queue until the peer's window has closed and no room frees. */
    static uint8_t buf[65536];
    memset(buf, 'f', sizeof(buf));
    size_t queued = 0;
    ssize_t n;
    for (int quiet = 0; quiet < 3;) {
        int sent = 0;
        while ((n = mpsctp_send(c, buf, MSG, MSG_DONTWAIT)) == MSG) {
            queued += MSG;
            sent = 1;
        }
        assert_int_equal(n, -1);
        assert_int_equal(errno, EAGAIN);
        quiet = sent ? 0 : quiet + 1;
        usleep(100000);
    }
    assert_true(queued > 0);

    sender x[2] = {{.sd = c, .sid = 0}, {.sd = c, .sid = 1}};
    pthread_t thr[2];
    for (int i = 0; i < 2; i++)
        assert_int_equal(pthread_create(&thr[i], NULL, sender_main, &x[i]), 0);
    assert_false(wait_flag(&x[0].done, 300) || wait_flag(&x[1].done, 10)); /* blocked */

    /* Stop: mark stream 0, shut down, take long before marking stream 1. */
    atomic_store(&x[0].stopped, 1);
    assert_int_equal(mpsctp_shutdown(c, SHUT_RDWR), 0);
    int done = wait_flag(&x[1].done, 1000);
    atomic_store(&x[1].stopped, 1);
    assert_false(done);
    assert_false(atomic_load(&x[1].early));
    assert_false(atomic_load(&x[0].early));

    /* A send started after the shutdown fails at once. */
    EXPECT_ERR(mpsctp_send(c, buf, MSG, 0), EPIPE);

    /* The peer reads: all that was queued before the shutdown, then end of file. */
    size_t got = 0;
    while ((n = ut_recv(s, buf, sizeof(buf), NULL, NULL)) > 0)
        got += (size_t)n;
    assert_int_equal(n, 0);
    assert_int_equal(got, queued);
    for (int i = 0; i < 2; i++) {
        assert_true(wait_flag(&x[i].done, 10000));
        pthread_join(thr[i], NULL);
        assert_int_equal(x[i].r, -1);
        assert_int_equal(x[i].err, EPIPE);
        assert_false(atomic_load(&x[i].early));
    }
    int sds[] = {c, s, ls};
    ut_down(a, b, sds, 3);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_blocked_senders_outlive_shutdown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
