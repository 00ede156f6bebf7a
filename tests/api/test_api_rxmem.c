/* Receive-side memory of a socket: the queue of received messages and notifications is
 * charged by the memory its items hold, not only their payload, so a reader that lags
 * behind a peer sending tiny messages, or a peer flooding ERROR chunks full of causes,
 * cannot make a socket hold much more than SO_RCVBUF. */
#include <pthread.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

#include "../../lib/core/crc32c.h"
#include "api_util.h"

#define RCVBUF 65536
/* One queue item beyond the limit (about 4 KiB of data plus its header). */
#define SLACK 8192

static struct mpsctp_rcvqueue rcvqueue(int sd)
{
    struct mpsctp_rcvqueue q;
    memset(&q, 0, sizeof(q));
    socklen_t len = sizeof(q);
    assert_int_equal(mpsctp_getsockopt(sd, IPPROTO_SCTP, MPSCTP_RCVQUEUE, &q, &len), 0);
    assert_int_equal(len, sizeof(q));
    return q;
}

static void test_rcvqueue_option(void **state)
{
    mpsctp_stack *a = ut_stack(0);
    int sd = mpsctp_socket_on(a, AF_INET, SOCK_SEQPACKET, IPPROTO_SCTP);
    ut_set_int(sd, SOL_SOCKET, SO_RCVBUF, RCVBUF);
    struct mpsctp_rcvqueue q = rcvqueue(sd);
    assert_int_equal(q.rq_limit, RCVBUF);
    assert_int_equal(q.rq_memory, 0);
    assert_int_equal(q.rq_items, 0);
    socklen_t len = sizeof(q) - 1;
    EXPECT_ERR(mpsctp_getsockopt(sd, IPPROTO_SCTP, MPSCTP_RCVQUEUE, &q, &len), EINVAL);
    EXPECT_ERR(mpsctp_setsockopt(sd, IPPROTO_SCTP, MPSCTP_RCVQUEUE, &q, sizeof(q)),
               ENOPROTOOPT);
    mpsctp_close(sd);
    mpsctp_stack_free(a);
}

#define TINY_COUNT 40000

typedef struct sender {
    int sd;
    uint64_t sent;
    int err;
} sender;

/* Sends TINY_COUNT 8-byte messages carrying their sequence number, blocking when full. */
static void *tiny_sender(void *arg)
{
    sender *sn = arg;
    for (uint64_t i = 0; i < TINY_COUNT; i++) {
        if (mpsctp_send(sn->sd, &i, sizeof(i), 0) != (ssize_t)sizeof(i)) {
            sn->err = errno;
            break;
        }
        sn->sent = i + 1;
    }
    return NULL;
}

/* A peer sends many 8-byte messages to a socket that does not read: the socket's queue
 * stays within SO_RCVBUF plus one item; once the reader reads, every message arrives
 * intact and in order. */
static void test_tiny_messages_bounded(void **state)
{
    mpsctp_stack *a = ut_stack(0), *b = ut_stack(0);
    int ls = ut_listener_rcvbuf(b, 5301, RCVBUF);
    int c = ut_client(a, SOCK_STREAM, b);
    ut_set_int(c, SOL_SOCKET, SO_SNDBUF, 8192); /* the sender blocks long before the end */
    struct sockaddr_in sa = ut_sin(5301);
    assert_int_equal(mpsctp_connect(c, (struct sockaddr *)&sa, sizeof(sa)), 0);
    int s = mpsctp_accept(ls, NULL, NULL);
    assert_true(s >= 0);
    sender sn = {.sd = c};
    pthread_t thr;
    assert_int_equal(pthread_create(&thr, NULL, tiny_sender, &sn), 0);
    /* Wait until the queue has reached its limit and the sender is stuck. */
    double until = ut_now() + 10;
    struct mpsctp_rcvqueue q;
    mpsctp_stack_stats ss;
    for (;;) {
        q = rcvqueue(s);
        mpsctp_stack_stats_get(a, &ss);
        if (q.rq_memory >= q.rq_limit && ss.waiting_calls == 1)
            break;
        if (ut_now() > until)
            fail_msg("queue %u bytes in %u, sent %llu, waiting %llu", q.rq_memory, q.rq_items,
                     (unsigned long long)sn.sent, (unsigned long long)ss.waiting_calls);
        usleep(1000);
    }
    print_message("queue %u bytes in %u messages, limit %u\n", q.rq_memory, q.rq_items,
                  q.rq_limit);
    assert_int_equal(q.rq_limit, RCVBUF);
    assert_true(q.rq_memory <= RCVBUF + SLACK);
    /* The reader catches up: every message, in order, with the bound kept meanwhile. */
    uint64_t next = 0;
    uint8_t buf[64];
    while (next < TINY_COUNT) {
        int fl = 0;
        ssize_t n = ut_recv(s, buf, sizeof(buf), &fl, NULL);
        assert_int_equal(n, 8);
        assert_true(fl & MSG_EOR);
        uint64_t v;
        memcpy(&v, buf, sizeof(v));
        assert_int_equal(v, next);
        next++;
        if (next % 1000 == 0)
            assert_true(rcvqueue(s).rq_memory <= RCVBUF + SLACK);
    }
    assert_int_equal(pthread_join(thr, NULL), 0);
    assert_int_equal(sn.sent, TINY_COUNT);
    int sds[] = {c, s, ls};
    ut_down(a, b, sds, 3);
}

/* What stack b's trace saw of the association: the verification tag of the packets it
 * sends to port (the peer's tag). */
typedef struct tagseen {
    uint16_t port;
    uint32_t vtag; /* network order */
} tagseen;

static void tag_trace(void *user, int dir, const uint8_t *pkt, size_t len,
                      const struct sockaddr *local, const struct sockaddr *remote)
{
    tagseen *t = user;
    uint32_t v;
    memcpy(&v, pkt + 4, 4);
    if (dir == 1 && len >= 12 && ((pkt[2] << 8) | pkt[3]) == t->port && v != 0)
        t->vtag = v;
}

#define CAUSES 300 /* per ERROR chunk */
#define FLOOD 100  /* packets */

/* A peer floods ERROR chunks of 300 causes each (raw SCTP-over-UDP packets with the
 * association's tag and a correct CRC32c): the victim's queue of SCTP_REMOTE_ERROR
 * notifications stays within SO_RCVBUF; the rest are dropped and counted. */
static void test_error_flood_bounded(void **state)
{
    tagseen tag = {.port = 5302};
    mpsctp_stack_config cfg = ut_stack_config();
    mpsctp_stack *a = ut_stack(0);
    cfg.trace = tag_trace;
    cfg.trace_user = &tag;
    mpsctp_stack *b = mpsctp_stack_new(&cfg);
    assert_non_null(b);
    int ls = ut_listener_rcvbuf(a, 5302, 16384);
    ut_event(ls, SCTP_REMOTE_ERROR);
    int c = ut_client(b, SOCK_STREAM, a);
    struct sockaddr_in sa = ut_sin(5302);
    assert_int_equal(mpsctp_connect(c, (struct sockaddr *)&sa, sizeof(sa)), 0);
    int s = mpsctp_accept(ls, NULL, NULL);
    assert_true(s >= 0);
    assert_int_equal(mpsctp_send(c, "x", 1, 0), 1); /* a packet with the peer's tag */
    char one;
    assert_int_equal(ut_recv(s, &one, 1, NULL, NULL), 1);
    mpsctp_stack_stats ss;
    mpsctp_stack_stats_get(b, &ss); /* the trace wrote under b's lock */
    assert_true(tag.vtag != 0);
    struct sockaddr_in cl;
    socklen_t cll = sizeof(cl);
    assert_int_equal(mpsctp_getsockname(c, (struct sockaddr *)&cl, &cll), 0);

    static uint8_t pkt[12 + 4 + 4 * CAUSES];
    pkt[0] = (uint8_t)(ntohs(cl.sin_port) >> 8);
    pkt[1] = (uint8_t)ntohs(cl.sin_port);
    pkt[2] = 5302 >> 8;
    pkt[3] = 5302 & 0xff;
    memcpy(pkt + 4, &tag.vtag, 4);
    pkt[12] = 9; /* ERROR */
    pkt[14] = (uint8_t)((4 + 4 * CAUSES) >> 8);
    pkt[15] = (uint8_t)(4 + 4 * CAUSES);
    for (int i = 0; i < CAUSES; i++) {
        uint8_t *cause = pkt + 16 + 4 * i;
        cause[1] = 13; /* Protocol Violation, no data */
        cause[3] = 4;
    }
    sctp_checksum_set(crc32c_select(), pkt, sizeof(pkt));
    mpsctp_stack_stats before;
    mpsctp_stack_stats_get(a, &before);
    int u = socket(AF_INET, SOCK_DGRAM, 0);
    struct sockaddr_in to = ut_sin(mpsctp_stack_udp_port(a));
    for (int i = 0; i < FLOOD; i++)
        assert_int_equal(sendto(u, pkt, sizeof(pkt), 0, (struct sockaddr *)&to, sizeof(to)),
                         (ssize_t)sizeof(pkt));
    close(u);
    double until = ut_now() + 10;
    do {
        mpsctp_stack_stats_get(a, &ss);
        assert_true(ut_now() < until);
        usleep(1000);
    } while (ss.udp_in < before.udp_in + FLOOD);
    assert_int_equal(ss.dropped_checksum, before.dropped_checksum);
    struct mpsctp_rcvqueue q = rcvqueue(s);
    print_message("queue %u bytes in %u notifications, %llu dropped\n", q.rq_memory,
                  q.rq_items, (unsigned long long)q.rq_dropped_notifications);
    assert_true(q.rq_memory <= 16384 + SLACK);
    /* The core may drop remote errors too (its own event queue bound); those that
     * reached the socket were queued or dropped and counted. */
    assert_true(q.rq_dropped_notifications > 0);
    assert_true(q.rq_items + q.rq_dropped_notifications <= FLOOD * CAUSES);
    assert_int_equal(ss.dropped_notifications - before.dropped_notifications,
                     q.rq_dropped_notifications);
    /* What was kept reads back as whole SCTP_REMOTE_ERROR notifications. */
    for (uint32_t i = 0; i < q.rq_items; i++) {
        struct sctp_remote_error re;
        int fl = 0;
        assert_int_equal(ut_recv(s, &re, sizeof(re), &fl, NULL), sizeof(re));
        assert_true(fl & MSG_NOTIFICATION);
        assert_int_equal(re.sre_type, SCTP_REMOTE_ERROR);
    }
    assert_int_equal(rcvqueue(s).rq_memory, 0);
    /* The raw packets moved b's UDP port as a sees it: no graceful end can reach b. */
    ut_linger_abort(s);
    ut_linger_abort(c);
    int sds[] = {s, c, ls};
    ut_down(a, b, sds, 3);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rcvqueue_option),
        cmocka_unit_test(test_tiny_messages_bounded),
        cmocka_unit_test(test_error_flood_bounded),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
