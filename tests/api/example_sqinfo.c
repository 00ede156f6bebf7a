/* SCTP_SQINFO example from docs/api.md and the README: a sender that keeps every stream's
 * queue short (experiment E6, docs/results/README.md). It writes to stream s only while sq_queued_on_stream[s]
 * is below sq_queue_limit / STREAMS, and prints the sender queue now and then. A
 * receiver on the same stack (127.0.0.1, port 5002) reads everything. Exit status 0
 * when every message arrived.
 * Usage: example_sqinfo [MESSAGES] */
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>

#include "mpsctp/socket.h"

#define STREAMS 4
#define MSG 1200

int main(int argc, char **argv)
{
    int total = argc > 1 ? atoi(argv[1]) : 4000, sent = 0, got = 0;
    mpsctp_stack_config cfg = {.udp_port = MPSCTP_UDP_PORT_ANY};
    mpsctp_stack *st = mpsctp_stack_new(&cfg);
    if (!st) {
        perror("mpsctp_stack_new");
        return 1;
    }
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(5002),
                            .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    int r = mpsctp_socket_on(st, AF_INET, SOCK_SEQPACKET | SOCK_NONBLOCK, IPPROTO_SCTP);
    int c = mpsctp_socket_on(st, AF_INET, SOCK_STREAM, IPPROTO_SCTP);
    struct sctp_udpencaps ue = {.sue_assoc_id = SCTP_FUTURE_ASSOC,
                                .sue_port = htons(mpsctp_stack_udp_port(st))};
    struct sctp_initmsg im = {.sinit_num_ostreams = STREAMS};
    int sndbuf = 64 * 1024; /* sq_queue_limit */
    mpsctp_setsockopt(c, IPPROTO_SCTP, SCTP_REMOTE_UDP_ENCAPS_PORT, &ue, sizeof(ue));
    mpsctp_setsockopt(c, IPPROTO_SCTP, SCTP_INITMSG, &im, sizeof(im));
    mpsctp_setsockopt(c, SOL_SOCKET, SO_SNDBUF, &sndbuf, sizeof(sndbuf));
    if (mpsctp_bind(r, (struct sockaddr *)&a, sizeof(a)) < 0 || mpsctp_listen(r, 1) < 0 ||
        mpsctp_connect(c, (struct sockaddr *)&a, sizeof(a)) < 0) {
        perror("bind/listen/connect");
        return 1;
    }
    /* Room for the header and one entry per outgoing stream. */
    socklen_t size = sizeof(struct sctp_sndqueueinfo) + STREAMS * sizeof(uint32_t);
    struct sctp_sndqueueinfo *q = malloc(size);
    static char buf[65536];
    for (int round = 0; got < total; round++) {
        socklen_t len = size;
        if (mpsctp_getsockopt(c, IPPROTO_SCTP, SCTP_SQINFO, q, &len) < 0) {
            perror("SCTP_SQINFO");
            return 1;
        }
        uint32_t sum = 0;
        for (uint32_t s = 0; s < q->sq_number_of_streams; s++)
            sum += q->sq_queued_on_stream[s];
        if (sum != q->sq_total_queued || sum > q->sq_queue_limit)
            return 1; /* never: the structure is one snapshot */
        if (round % 20 == 0)
            printf("limit %u queued %u: %u %u %u %u\n", q->sq_queue_limit,
                   q->sq_total_queued, q->sq_queued_on_stream[0], q->sq_queued_on_stream[1],
                   q->sq_queued_on_stream[2], q->sq_queued_on_stream[3]);
        /* Fill each stream up to its share of the send buffer; it fits, so no send
         * blocks, and a stream whose path is slow cannot take the others' room. */
        for (uint16_t s = 0; s < STREAMS; s++)
            for (uint32_t queued = q->sq_queued_on_stream[s];
                 sent < total && queued + MSG <= q->sq_queue_limit / STREAMS; queued += MSG) {
                struct sctp_sndinfo si = {.snd_sid = s};
                struct iovec iov = {buf, MSG};
                if (mpsctp_sendv(c, &iov, 1, NULL, 0, &si, sizeof(si), SCTP_SENDV_SNDINFO, 0) < 0)
                    return 1;
                sent++;
            }
        struct pollfd p = {.fd = r, .events = POLLIN};
        poll(&p, 1, 1); /* socket descriptors are real file descriptors */
        struct iovec iov = {buf, sizeof(buf)};
        for (int flags = 0; mpsctp_recvv(r, &iov, 1, NULL, NULL, NULL, NULL, NULL, &flags) > 0;
             flags = 0)
            got += (flags & MSG_EOR) != 0; /* the end of a message */
    }
    printf("%d messages sent on %d streams and received\n", got, STREAMS);
    free(q);
    mpsctp_close(c);
    mpsctp_close(r);
    mpsctp_stack_free(st);
    return 0;
}
