/* Built by tests/install/install_test.sh against an installed mpsctp only (pkg-config or
 * find_package), never against the source tree. One private stack on 127.0.0.1 with a
 * UDP port of the kernel's choice, a listening one-to-one socket and a client on it: the
 * client sends a message of several packets, the server checks every byte, the stream
 * and the PPID, and answers. Exits 0 only when all of it matched. */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <mpsctp/mpsctp.h>
#include <mpsctp/socket.h>

#define MSG_LEN 5000 /* more than one packet: fragmentation and reassembly */
#define SID 2
#define PPID 42

static int fail(const char *what)
{
    fprintf(stderr, "hello: %s: %s\n", what, strerror(errno));
    return 1;
}

/* Receives one whole message into buf; returns its length or -1. */
static ssize_t recv_message(int sd, unsigned char *buf, size_t cap, struct sctp_rcvinfo *rcv)
{
    size_t got = 0;
    for (;;) {
        struct iovec iov = {buf + got, cap - got};
        socklen_t infolen = sizeof(*rcv);
        unsigned int infotype = 0;
        int flags = 0;
        ssize_t n = mpsctp_recvv(sd, &iov, 1, NULL, NULL, rcv, &infolen, &infotype, &flags);
        if (n <= 0 || (flags & MSG_NOTIFICATION))
            return -1;
        got += (size_t)n;
        if (flags & MSG_EOR)
            return (ssize_t)got;
        if (got == cap)
            return -1;
    }
}

int main(void)
{
    /* The core API's header is installed and linked too. */
    const char *e = mpsctp_strerror(MPSCTP_ERR_CLOSED);
    if (!e || !*e) {
        fprintf(stderr, "hello: mpsctp_strerror gave no text\n");
        return 1;
    }

    mpsctp_stack_config cfg;
    memset(&cfg, 0, sizeof(cfg));
    cfg.udp_port = MPSCTP_UDP_PORT_ANY; /* parallel tests never collide */
    cfg.naddrs = 1;
    struct sockaddr_in *la = (struct sockaddr_in *)&cfg.addrs[0];
    la->sin_family = AF_INET;
    la->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    mpsctp_stack *st = mpsctp_stack_new(&cfg);
    if (!st)
        return fail("mpsctp_stack_new");

    /* Server: SCTP port 0 lets the stack choose; SCTP ports belong to the stack. */
    int ls = mpsctp_socket_on(st, AF_INET, SOCK_STREAM, IPPROTO_SCTP);
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t salen = sizeof(sa);
    int on = 1;
    if (ls < 0 || mpsctp_bind(ls, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
        mpsctp_listen(ls, 4) < 0 ||
        mpsctp_setsockopt(ls, IPPROTO_SCTP, SCTP_RECVRCVINFO, &on, sizeof(on)) < 0 ||
        mpsctp_getsockname(ls, (struct sockaddr *)&sa, &salen) < 0)
        return fail("listener");
    if (sa.sin_port == 0) {
        fprintf(stderr, "hello: listener has no port\n");
        return 1;
    }

    /* Client on the same stack: the peer's UDP port is the stack's own. */
    int c = mpsctp_socket_on(st, AF_INET, SOCK_STREAM, IPPROTO_SCTP);
    struct sctp_udpencaps ue;
    memset(&ue, 0, sizeof(ue));
    ue.sue_assoc_id = SCTP_FUTURE_ASSOC;
    ue.sue_port = htons(mpsctp_stack_udp_port(st));
    if (c < 0 ||
        mpsctp_setsockopt(c, IPPROTO_SCTP, SCTP_REMOTE_UDP_ENCAPS_PORT, &ue, sizeof(ue)) < 0)
        return fail("client socket");
    if (mpsctp_connect(c, (struct sockaddr *)&sa, sizeof(sa)) < 0)
        return fail("mpsctp_connect");

    static unsigned char msg[MSG_LEN], got[MSG_LEN + 1];
    for (size_t i = 0; i < sizeof(msg); i++)
        msg[i] = (unsigned char)(i * 7 + 3);
    struct sctp_sndinfo snd = {.snd_sid = SID, .snd_ppid = htonl(PPID)};
    struct iovec iov = {msg, sizeof(msg)};
    if (mpsctp_sendv(c, &iov, 1, NULL, 0, &snd, sizeof(snd), SCTP_SENDV_SNDINFO, 0) !=
        (ssize_t)sizeof(msg))
        return fail("mpsctp_sendv");

    int s = mpsctp_accept(ls, NULL, NULL);
    if (s < 0)
        return fail("mpsctp_accept");
    struct sctp_rcvinfo rcv;
    memset(&rcv, 0, sizeof(rcv));
    ssize_t n = recv_message(s, got, sizeof(got), &rcv);
    if (n != (ssize_t)sizeof(msg) || memcmp(got, msg, sizeof(msg)) != 0) {
        fprintf(stderr, "hello: server received %zd bytes, not the %d sent\n", n, MSG_LEN);
        return 1;
    }
    if (rcv.rcv_sid != SID || rcv.rcv_ppid != htonl(PPID)) {
        fprintf(stderr, "hello: stream %u PPID %u, sent on %d with %d\n", rcv.rcv_sid,
                ntohl(rcv.rcv_ppid), SID, PPID);
        return 1;
    }

    if (mpsctp_send(s, "ok", 2, 0) != 2)
        return fail("mpsctp_send");
    char reply[8];
    if (mpsctp_recv(c, reply, sizeof(reply), 0) != 2 || memcmp(reply, "ok", 2) != 0) {
        fprintf(stderr, "hello: client did not get the answer\n");
        return 1;
    }

    if (mpsctp_close(c) < 0 || mpsctp_close(s) < 0 || mpsctp_close(ls) < 0)
        return fail("mpsctp_close");
    mpsctp_stack_free(st);
    printf("hello: %d bytes on stream %d to SCTP port %u and back: ok\n", MSG_LEN, SID,
           ntohs(sa.sin_port));
    return 0;
}
