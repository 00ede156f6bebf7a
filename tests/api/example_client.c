/* Client from docs/api.md: connects to the echo server, sends one message and prints
 * the answer. Usage: example_client SERVER-IP [SERVER-UDP-PORT [SCTP-PORT]] */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mpsctp/socket.h"

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: %s SERVER-IP [SERVER-UDP-PORT [SCTP-PORT]]\n", argv[0]);
        return 2;
    }
    mpsctp_stack_config cfg = {.udp_port = MPSCTP_UDP_PORT_ANY};
    mpsctp_stack *st = mpsctp_stack_new(&cfg);
    if (!st) {
        perror("mpsctp_stack_new");
        return 1;
    }
    int sd = mpsctp_socket_on(st, AF_INET, SOCK_STREAM, IPPROTO_SCTP);
    /* The server's UDP encapsulation port (RFC 6951), when it is not 9899. */
    struct sctp_udpencaps ue = {.sue_assoc_id = SCTP_FUTURE_ASSOC};
    ue.sue_port = htons(argc > 2 ? (uint16_t)atoi(argv[2]) : MPSCTP_DEFAULT_UDP_PORT);
    mpsctp_setsockopt(sd, IPPROTO_SCTP, SCTP_REMOTE_UDP_ENCAPS_PORT, &ue, sizeof(ue));
    struct sockaddr_in a = {.sin_family = AF_INET,
                            .sin_port = htons(argc > 3 ? (uint16_t)atoi(argv[3]) : 5001)};
    inet_pton(AF_INET, argv[1], &a.sin_addr);
    if (mpsctp_connect(sd, (struct sockaddr *)&a, sizeof(a)) < 0) {
        perror("connect");
        return 1;
    }
    const char msg[] = "hello, SCTP";
    struct sctp_sndinfo snd = {.snd_sid = 1, .snd_ppid = htonl(42)};
    struct iovec iov = {(void *)msg, sizeof(msg)};
    if (mpsctp_sendv(sd, &iov, 1, NULL, 0, &snd, sizeof(snd), SCTP_SENDV_SNDINFO, 0) < 0) {
        perror("sendv");
        return 1;
    }
    char buf[256];
    ssize_t n = mpsctp_recv(sd, buf, sizeof(buf), 0);
    if (n <= 0) {
        perror("recv");
        return 1;
    }
    printf("echo: %.*s\n", (int)n, buf);
    mpsctp_close(sd);      /* graceful: what is queued still goes, then SHUTDOWN */
    mpsctp_stack_free(st); /* waits for that shutdown (at most cfg.linger_ms) */
    return 0;
}
