/* Echo server from docs/api.md: one-to-one socket, accepts one association at a time and
 * sends every message back on the stream it came on.
 * Usage: example_server [UDP-PORT [SCTP-PORT]] */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mpsctp/socket.h"

int main(int argc, char **argv)
{
    mpsctp_stack_config cfg = {0};
    cfg.udp_port = argc > 1 ? atoi(argv[1]) : 0; /* 0: 9899 */
    mpsctp_stack *st = mpsctp_stack_new(&cfg);
    if (!st) {
        perror("mpsctp_stack_new");
        return 1;
    }
    int ls = mpsctp_socket_on(st, AF_INET, SOCK_STREAM, IPPROTO_SCTP);
    struct sockaddr_in a = {.sin_family = AF_INET,
                            .sin_port = htons(argc > 2 ? (uint16_t)atoi(argv[2]) : 5001)};
    if (mpsctp_bind(ls, (struct sockaddr *)&a, sizeof(a)) < 0 || mpsctp_listen(ls, 8) < 0) {
        perror("bind/listen");
        return 1;
    }
    int on = 1;
    mpsctp_setsockopt(ls, IPPROTO_SCTP, SCTP_RECVRCVINFO, &on, sizeof(on));
    for (;;) {
        int sd = mpsctp_accept(ls, NULL, NULL);
        if (sd < 0) {
            perror("accept");
            break;
        }
        char buf[65536];
        struct sctp_rcvinfo rcv;
        socklen_t rl = sizeof(rcv);
        unsigned int type;
        int flags = 0;
        struct iovec iov = {buf, sizeof(buf)};
        ssize_t n;
        while ((n = mpsctp_recvv(sd, &iov, 1, NULL, NULL, &rcv, &rl, &type, &flags)) > 0) {
            struct sctp_sndinfo snd = {.snd_sid = rcv.rcv_sid, .snd_ppid = rcv.rcv_ppid};
            struct iovec out = {buf, (size_t)n};
            if (mpsctp_sendv(sd, &out, 1, NULL, 0, &snd, sizeof(snd), SCTP_SENDV_SNDINFO,
                             0) < 0)
                break;
            rl = sizeof(rcv);
            flags = 0;
        }
        mpsctp_close(sd);
    }
    mpsctp_close(ls);
    mpsctp_stack_free(st);
    return 0;
}
