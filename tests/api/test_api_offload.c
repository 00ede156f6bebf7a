/* UDP segmentation offload: a stack sends runs of equal-sized packets to one peer as GSO
 * trains and takes coalesced trains apart on receive (GRO), with the same datagrams on
 * the wire as one send per packet would give, and falls back to single sends when the
 * kernel refuses a train.
 *
 *   test_api_offload          the loopback cases
 *   test_api_offload netns    the small-MTU case (ctest runs it in a network namespace of
 *                             its own whose loopback MTU is 1280) */
#include <pthread.h>
#include <stdlib.h>
#include <unistd.h>

#include "api_util.h"

#define MSG 16384
#define TOTAL (4u << 20)

/* CRC32c (Castagnoli, reflected 0x82F63B78), bit by bit: the test's own check of the
 * SCTP checksum of every datagram the relay sees. */
static uint32_t crc32c_bitwise(const uint8_t *p, size_t n)
{
    uint32_t c = 0xffffffffu;
    for (size_t i = 0; i < n; i++) {
        c ^= p[i];
        for (int k = 0; k < 8; k++)
            c = c & 1 ? (c >> 1) ^ 0x82f63b78u : c >> 1;
    }
    return ~c;
}

/* Whether pkt is one whole SCTP packet: its checksum (bytes 8..11, little-endian on the
 * wire as RFC 9260 appendix B stores it) matches the packet with that field zeroed. */
static int sctp_packet_ok(uint8_t *pkt, size_t len)
{
    if (len < 12)
        return 0;
    uint32_t want = (uint32_t)pkt[8] | (uint32_t)pkt[9] << 8 | (uint32_t)pkt[10] << 16 |
                    (uint32_t)pkt[11] << 24;
    memset(pkt + 8, 0, 4);
    return crc32c_bitwise(pkt, len) == want;
}

/* A plain UDP relay between stacks a and b (no GRO on its socket, so the kernel hands it
 * every datagram as it was on the wire): it checks each datagram and forwards it. */
typedef struct relay {
    int fd;
    uint16_t port, a_port, b_port;
    volatile int stop;
    unsigned long from_a, from_b, bad, over_mtu;
    size_t mtu;
    pthread_t thr;
} relay;

static void *relay_run(void *arg)
{
    relay *r = arg;
    static uint8_t buf[70000];
    while (!r->stop) {
        struct pollfd p = {.fd = r->fd, .events = POLLIN};
        if (poll(&p, 1, 20) <= 0)
            continue;
        struct sockaddr_in src;
        socklen_t sl = sizeof(src);
        ssize_t n = recvfrom(r->fd, buf, sizeof(buf), MSG_DONTWAIT, (struct sockaddr *)&src,
                             &sl);
        if (n < 0)
            continue;
        int from_a = ntohs(src.sin_port) == r->a_port;
        if (from_a)
            r->from_a++;
        else
            r->from_b++;
        if ((size_t)n > r->mtu)
            r->over_mtu++;
        uint8_t copy[2048];
        if ((size_t)n <= sizeof(copy)) {
            memcpy(copy, buf, (size_t)n);
            if (!sctp_packet_ok(copy, (size_t)n))
                r->bad++;
        } else {
            r->bad++;
        }
        struct sockaddr_in dst = ut_sin(from_a ? r->b_port : r->a_port);
        sendto(r->fd, buf, (size_t)n, 0, (struct sockaddr *)&dst, sizeof(dst));
    }
    return NULL;
}

static void relay_start(relay *r, mpsctp_stack *a, mpsctp_stack *b, size_t mtu)
{
    memset(r, 0, sizeof(*r));
    r->fd = socket(AF_INET, SOCK_DGRAM, 0);
    assert_true(r->fd >= 0);
    int big = 16 << 20;
    setsockopt(r->fd, SOL_SOCKET, SO_RCVBUFFORCE, &big, sizeof(big));
    setsockopt(r->fd, SOL_SOCKET, SO_SNDBUFFORCE, &big, sizeof(big));
    struct sockaddr_in sa = ut_sin(0);
    assert_int_equal(bind(r->fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
    socklen_t sl = sizeof(sa);
    getsockname(r->fd, (struct sockaddr *)&sa, &sl);
    r->port = ntohs(sa.sin_port);
    r->a_port = mpsctp_stack_udp_port(a);
    r->b_port = mpsctp_stack_udp_port(b);
    r->mtu = mtu;
    assert_int_equal(pthread_create(&r->thr, NULL, relay_run, r), 0);
}

static void relay_stop(relay *r)
{
    r->stop = 1;
    pthread_join(r->thr, NULL);
    close(r->fd);
}

static uint8_t pattern(size_t o)
{
    return (uint8_t)((o * 2654435761u) >> 24);
}

/* Sends TOTAL bytes of MSG-byte messages from c to s and checks every byte and where
 * each message ends (notifications on s are skipped). */
static void transfer(int c, int s)
{
    static uint8_t out[MSG], in[MSG];
    size_t sent = 0, got = 0;
    while (got < TOTAL) {
        while (sent < TOTAL) {
            for (size_t i = 0; i < MSG; i++)
                out[i] = pattern(sent + i);
            ssize_t k = mpsctp_send(c, out, MSG, MSG_DONTWAIT);
            if (k < 0) {
                assert_int_equal(errno, EAGAIN);
                break;
            }
            assert_int_equal(k, MSG);
            sent += MSG;
        }
        ut_poll(s, POLLIN, 50);
        for (;;) {
            struct iovec v = {in, sizeof(in)};
            struct msghdr mh = {.msg_iov = &v, .msg_iovlen = 1};
            ssize_t k = mpsctp_recvmsg(s, &mh, MSG_DONTWAIT);
            if (k < 0) {
                assert_int_equal(errno, EAGAIN);
                break;
            }
            if (mh.msg_flags & MSG_NOTIFICATION)
                continue;
            /* A message may come in pieces (partial delivery); MSG_EOR ends each. */
            assert_true(k > 0 && (size_t)k <= MSG - got % MSG);
            for (size_t i = 0; i < (size_t)k; i++)
                if (in[i] != pattern(got + i))
                    fail_msg("byte %zu differs", got + i);
            got += (size_t)k;
            assert_int_equal(!!(mh.msg_flags & MSG_EOR), got % MSG == 0);
        }
    }
}

static mpsctp_stack *stack_with(int no_offload, uint16_t mtu)
{
    mpsctp_stack_config cfg = ut_stack_config();
    cfg.no_offload = no_offload;
    cfg.mtu = mtu;
    mpsctp_stack *st = mpsctp_stack_new(&cfg);
    assert_non_null(st);
    return st;
}

/* A connected pair whose client sends through the relay (its associations' UDP port is
 * the relay's); the server answers to the relay's port, where its packets came from. */
static int relayed_pair(mpsctp_stack *a, mpsctp_stack *b, relay *r, uint16_t port, int *c,
                        int *s)
{
    int ls = ut_listener(b, SOCK_STREAM, port);
    *c = mpsctp_socket_on(a, AF_INET, SOCK_STREAM, IPPROTO_SCTP);
    assert_true(*c >= 0);
    struct sctp_udpencaps ue;
    memset(&ue, 0, sizeof(ue));
    ue.sue_assoc_id = SCTP_FUTURE_ASSOC;
    ue.sue_port = htons(r->port);
    assert_int_equal(
        mpsctp_setsockopt(*c, IPPROTO_SCTP, SCTP_REMOTE_UDP_ENCAPS_PORT, &ue, sizeof(ue)), 0);
    /* A receive window of 1 MiB bounds what is in flight below the relay's buffer. */
    ut_set_int(*c, SOL_SOCKET, SO_SNDBUF, 1 << 20);
    struct sockaddr_in sa = ut_sin(port);
    assert_int_equal(mpsctp_connect(*c, (struct sockaddr *)&sa, sizeof(sa)), 0);
    *s = mpsctp_accept(ls, NULL, NULL);
    assert_true(*s >= 0);
    return ls;
}

/* Waits up to 5 s until the relay has seen every datagram stack a counted as sent. */
static void wait_relay_caught_up(relay *r, mpsctp_stack *a, mpsctp_stack_stats *sa)
{
    double t0 = ut_now();
    do {
        mpsctp_stack_stats_get(a, sa);
        if (r->from_a == sa->udp_out)
            return;
        usleep(10000);
    } while (ut_now() - t0 < 5);
    fail_msg("the relay saw %lu datagrams, the stack sent %llu", r->from_a,
             (unsigned long long)sa->udp_out);
}

/* Moves TOTAL bytes from a client through a relay that sees the wire. Every datagram
 * the relay got is one whole SCTP packet no larger than mtu, and it got exactly as many
 * as the client counted. *sa: the client's counters. */
static void relayed_transfer(uint16_t port, uint16_t mtu, mpsctp_stack_stats *sa)
{
    mpsctp_stack *a = stack_with(0, mtu), *b = stack_with(0, mtu);
    relay r;
    relay_start(&r, a, b, mtu);
    int c, s;
    int ls = relayed_pair(a, b, &r, port, &c, &s);
    transfer(c, s);
    wait_relay_caught_up(&r, a, sa);
    int sds[] = {c, s, ls};
    ut_down(a, b, sds, 3);
    relay_stop(&r);
    assert_int_equal(r.bad, 0);
    assert_int_equal(r.over_mtu, 0);
    assert_true(r.from_b > 0);
}

/* The client sent GSO trains, in fewer system calls than datagrams, and the wire still
 * carried one SCTP packet per datagram. */
static void test_trains_are_single_datagrams_on_the_wire(void **state)
{
    (void)state;
    mpsctp_stack_stats sa;
    relayed_transfer(5301, 1472, &sa);
    assert_true(sa.gso_trains > 0);
    assert_true(sa.udp_out >= TOTAL / 1472);
    assert_true(sa.udp_out_calls * 4 < sa.udp_out);
    assert_int_equal(sa.udp_out_errors, 0);
}

/* Moves TOTAL bytes directly between two stacks (offload on or off) and returns both
 * stacks' counters once every datagram sent has been counted by the other side. */
static void direct_transfer(int no_offload, uint16_t port, mpsctp_stack_stats *sa,
                            mpsctp_stack_stats *sb)
{
    mpsctp_stack *a = stack_with(no_offload, 0), *b = stack_with(no_offload, 0);
    int c, s;
    int ls = ut_pair(a, b, port, &c, &s);
    transfer(c, s);
    double t0 = ut_now();
    do { /* until the last SACKs and datagrams have been counted */
        usleep(10000);
        mpsctp_stack_stats_get(a, sa);
        mpsctp_stack_stats_get(b, sb);
    } while ((sb->udp_in != sa->udp_out || sa->udp_in != sb->udp_out) && ut_now() - t0 < 5);
    int sds[] = {c, s, ls};
    ut_down(a, b, sds, 3);
    assert_int_equal(sb->udp_in, sa->udp_out);
    assert_int_equal(sa->udp_in, sb->udp_out);
    assert_int_equal(sb->dropped_malformed + sb->dropped_checksum + sb->dropped_short, 0);
    assert_true(sa->udp_out >= TOTAL / 1472);
}

/* Directly between two stacks on loopback the trains stay whole up to the receiver,
 * which splits them: it counts as many datagrams as the sender sent. */
static void test_gro_trains_are_split(void **state)
{
    (void)state;
    mpsctp_stack_stats sa, sb;
    direct_transfer(0, 5302, &sa, &sb);
    assert_true(sa.gso_trains > 0);
    assert_true(sb.gro_trains > 0);
    assert_true(sb.udp_in_calls * 4 < sb.udp_in);
}

/* With offload off, every datagram is its own message both ways, and data flows. */
static void test_no_offload(void **state)
{
    (void)state;
    mpsctp_stack_stats sa, sb;
    direct_transfer(1, 5303, &sa, &sb);
    assert_int_equal(sa.gso_trains + sb.gso_trains + sa.gro_trains + sb.gro_trains, 0);
}

static void set_cmt(int sd)
{
    struct sctp_assoc_value av = {SCTP_FUTURE_ASSOC, SCTP_CMT_BASE};
    assert_int_equal(mpsctp_setsockopt(sd, IPPROTO_SCTP, SCTP_CMT_ON_OFF, &av, sizeof(av)), 0);
}

/* A stack with one UDP socket on 127.0.0.1 and one on 127.0.0.2. */
static mpsctp_stack *two_socket_stack(void)
{
    mpsctp_stack_config cfg = ut_stack_config();
    cfg.naddrs = 2;
    struct sockaddr_in *a2 = (struct sockaddr_in *)&cfg.addrs[1];
    a2->sin_family = AF_INET;
    a2->sin_addr.s_addr = htonl(A2);
    mpsctp_stack *st = mpsctp_stack_new(&cfg);
    assert_non_null(st);
    return st;
}

/* CMT over two paths (127.0.0.1, 127.0.0.2, a UDP socket each) sends their packets
 * alternately; each path's packets still leave in trains: at least 90% of the datagrams
 * go in one (about 99% here, busy machine or not; with trains only of neighbouring
 * packets, 75%), there are far fewer send calls than datagrams, and both paths carry
 * data. */
static void test_two_path_trains(void **state)
{
    (void)state;
    mpsctp_stack *a = two_socket_stack(), *b = two_socket_stack();
    int ls = ut_mh_socket(b, SOCK_STREAM, 5305, NULL);
    set_cmt(ls);
    assert_int_equal(mpsctp_listen(ls, 4), 0);
    int c = ut_mh_socket(a, SOCK_STREAM, 0, b);
    set_cmt(c);
    sctp_assoc_t id = ut_mh_connect(c, 5305);
    int s = mpsctp_accept(ls, NULL, NULL);
    assert_true(s >= 0);
    ut_mh_wait_active(c);
    mpsctp_stack_stats before;
    mpsctp_stack_stats_get(a, &before);
    transfer(c, s);
    mpsctp_stack_stats sa;
    mpsctp_stack_stats_get(a, &sa);
    struct mpsctp_pathstats p1 = ut_path_stats(c, id, A1), p2 = ut_path_stats(c, id, A2);
    int sds[] = {c, s, ls};
    ut_down(a, b, sds, 3);
    assert_true(p1.ps_bytes_sent > TOTAL / 4 && p2.ps_bytes_sent > TOTAL / 4);
    uint64_t out = sa.udp_out - before.udp_out, calls = sa.udp_out_calls - before.udp_out_calls;
    uint64_t in_trains = sa.gso_datagrams - before.gso_datagrams;
    assert_true(out >= TOTAL / 1472);
    assert_true(in_trains * 10 >= out * 9);
    assert_true(calls * 4 < out);
}

/* Loopback MTU 1280 (netns mode): a 1472-byte packet does not fit the route in one
 * datagram, so the kernel refuses trains of them; the stack sends those packets one by
 * one (the kernel fragments each as it would any datagram), and nothing is lost. */
static void test_refused_trains_go_singly(void **state)
{
    (void)state;
    mpsctp_stack_stats sa;
    relayed_transfer(5304, 1472, &sa);
    assert_true(sa.gso_refused > 0);
    assert_true(sa.gso_refused <= 2); /* then the socket pauses trains for a second */
    assert_int_equal(sa.udp_out_errors, 0);
    assert_true(sa.udp_out >= TOTAL / 1472);
}

int main(int argc, char **argv)
{
    if (argc > 1 && strcmp(argv[1], "netns") == 0) {
        const struct CMUnitTest small[] = {
            cmocka_unit_test(test_refused_trains_go_singly),
        };
        return cmocka_run_group_tests(small, NULL, NULL);
    }
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_trains_are_single_datagrams_on_the_wire),
        cmocka_unit_test(test_gro_trains_are_split),
        cmocka_unit_test(test_no_offload),
        cmocka_unit_test(test_two_path_trains),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
