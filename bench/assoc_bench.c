/*
 * Association scale benchmark, mpsctp side: one one-to-many (SOCK_SEQPACKET) server
 * socket of the sockets runtime with N associations; what a handshake, an idle
 * association and a received message cost it as N grows (assoc_common.h: phases,
 * message check, result line).
 *
 *   assoc_bench [--assocs N] [--messages M] [--size S] [--window W] [--json]
 *
 * The server is a forked process: a stack on 0.0.0.0 with a kernel-chosen UDP port,
 * one socket bound to port 5001, COMM_UP notifications and SCTP_RCVINFO on; its
 * application thread reads every notification and message and checks each message.
 *
 * The client (this process) drives the sans-IO core directly: one endpoint with N
 * associations over one UDP socket. An SCTP endpoint has one association per peer, and
 * the server tells its peers apart by address and port, so association i goes to server
 * address 127.2.x.y and leaves from client address 127.3.x.y (x.y from i, IP_PKTINFO):
 * on loopback all of 127/8 is local, and the server's wildcard socket sees N peers.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/random.h>
#include <sys/socket.h>

#include "mpsctp/mpsctp.h"
#include "mpsctp/socket.h"
#include "assoc_common.h"

#define BATCH 32
#define CLI_MTU 1452

static uint32_t addr_of(uint32_t net, uint32_t i)
{
    return 0x7f000000u | net << 16 | (i / 250) << 8 | (i % 250 + 1);
}

/* ---- server ---------------------------------------------------------------------- */

static int srv_fail(ab_shared *sh, const char *what)
{
    snprintf(sh->err, sizeof(sh->err), "server: %s (errno %d)", what, errno);
    sh->srv_failed = 1;
    return 1;
}

static int server(const ab_args *a, ab_shared *sh)
{
    mpsctp_stack_config cfg;
    memset(&cfg, 0, sizeof(cfg));
    cfg.udp_port = MPSCTP_UDP_PORT_ANY;
    cfg.no_ipv6 = 1;
    cfg.linger_ms = -1;
    mpsctp_stack *st = mpsctp_stack_new(&cfg);
    if (!st)
        return srv_fail(sh, "mpsctp_stack_new");
    int sd = mpsctp_socket_on(st, AF_INET, SOCK_SEQPACKET, IPPROTO_SCTP);
    struct sockaddr_in sin = {.sin_family = AF_INET, .sin_port = htons(AB_SCTP_PORT)};
    int on = 1;
    uint32_t maxa = a->n + 16;
    struct sctp_event ev = {.se_assoc_id = SCTP_FUTURE_ASSOC, .se_type = SCTP_ASSOC_CHANGE,
                            .se_on = 1};
    if (sd < 0 || mpsctp_bind(sd, (struct sockaddr *)&sin, sizeof(sin)) ||
        mpsctp_setsockopt(sd, IPPROTO_SCTP, MPSCTP_MAX_ASSOCS, &maxa, sizeof(maxa)) ||
        mpsctp_setsockopt(sd, IPPROTO_SCTP, SCTP_RECVRCVINFO, &on, sizeof(on)) ||
        mpsctp_setsockopt(sd, IPPROTO_SCTP, SCTP_EVENT, &ev, sizeof(ev)) ||
        mpsctp_listen(sd, 1) || mpsctp_fcntl(sd, F_SETFL, O_NONBLOCK))
        return srv_fail(sh, "socket set-up");
    ab_table t;
    if (ab_table_init(&t, a->n))
        return srv_fail(sh, "no memory");
    sh->rss0 = ab_rss();
    atomic_store(&sh->srv_udp_port, mpsctp_stack_udp_port(st));
    atomic_store(&sh->srv_phase, 1);
    uint8_t buf[2048];
    double cpu0 = 0;
    mpsctp_stack_stats s0 = {0}, s1;
    for (;;) {
        int ph = ab_srv_phase(sh, &cpu0);
        if (ph == 0)
            mpsctp_stack_stats_get(st, &s0);
        else if (ph >= 5)
            break;
        struct iovec iov = {buf, sizeof(buf)};
        struct sctp_rcvinfo rcv;
        socklen_t rl = sizeof(rcv);
        unsigned int it = 0;
        int fl = 0;
        ssize_t r = mpsctp_recvv(sd, &iov, 1, NULL, NULL, &rcv, &rl, &it, &fl);
        if (r < 0) {
            if (errno != EAGAIN && errno != EWOULDBLOCK)
                return srv_fail(sh, "mpsctp_recvv");
            struct pollfd p = {.fd = sd, .events = POLLIN};
            poll(&p, 1, 2);
            continue;
        }
        int k = ab_srv_read(sh, &t, a, buf, (size_t)r, fl, it, (uint32_t)rcv.rcv_assoc_id,
                            cpu0);
        if (k < 0)
            return 1;
        if (k > 0) {
            mpsctp_stack_stats_get(st, &s1);
            sh->pkts_in = (int64_t)(s1.udp_in - s0.udp_in);
            sh->pkts_out = (int64_t)(s1.udp_out - s0.udp_out);
            atomic_store(&sh->srv_phase, 4);
        }
    }
    struct linger lg = {1, 0}; /* abort: the client is gone */
    mpsctp_setsockopt(sd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
    mpsctp_close(sd);
    mpsctp_stack_free(st);
    return 0;
}

/* ---- client: the core over one UDP socket ---------------------------------------- */

typedef struct client {
    const ab_args *a;
    ab_shared *sh;
    int fd;
    uint16_t srv_udp;
    mpsctp_endpoint *ep;
    mpsctp_assoc **as;
    uint32_t *seq;
    uint64_t up, failed;
    uint64_t t_last_up;
    mpsctp_tstamp next_timer;
    uint8_t rx[BATCH][2048];
    uint8_t tx[BATCH][CLI_MTU];
} client;

static void cli_random(void *user, void *buf, size_t len)
{
    (void)user;
    uint8_t *p = buf;
    while (len) {
        ssize_t n = getrandom(p, len, 0);
        if (n <= 0)
            abort();
        p += n;
        len -= (size_t)n;
    }
}

/* One datagram slot of sendmmsg/recvmmsg: data, address and control buffers. */
static void mm_set(struct mmsghdr *m, struct iovec *iov, void *data, size_t len, void *name,
                   socklen_t namelen, void *ctl, size_t ctllen)
{
    memset(m, 0, sizeof(*m));
    iov->iov_base = data;
    iov->iov_len = len;
    m->msg_hdr.msg_name = name;
    m->msg_hdr.msg_namelen = namelen;
    m->msg_hdr.msg_iov = iov;
    m->msg_hdr.msg_iovlen = 1;
    m->msg_hdr.msg_control = ctl;
    m->msg_hdr.msg_controllen = ctllen;
}

/* Sends what the endpoint has queued, each packet from the client address that goes with
 * its server address (127.2.x.y -> 127.3.x.y). */
static void cli_flush(client *c)
{
    for (;;) {
        struct mmsghdr mm[BATCH];
        struct iovec iov[BATCH];
        struct sockaddr_in dst[BATCH];
        union {
            char b[CMSG_SPACE(sizeof(struct in_pktinfo))];
            struct cmsghdr align;
        } cm[BATCH];
        int n = 0;
        mpsctp_tstamp now = ab_now();
        while (n < BATCH) {
            mpsctp_addr l, r;
            ssize_t k = mpsctp_endpoint_send(c->ep, c->tx[n], CLI_MTU, &l, &r, now);
            if (k <= 0)
                break;
            memset(&dst[n], 0, sizeof(dst[n]));
            dst[n].sin_family = AF_INET;
            dst[n].sin_port = htons(c->srv_udp);
            memcpy(&dst[n].sin_addr, r.ip, 4);
            mm_set(&mm[n], &iov[n], c->tx[n], (size_t)k, &dst[n], sizeof(dst[n]), cm[n].b,
                   sizeof(cm[n].b));
            memset(cm[n].b, 0, sizeof(cm[n].b));
            struct cmsghdr *h = CMSG_FIRSTHDR(&mm[n].msg_hdr);
            h->cmsg_level = IPPROTO_IP;
            h->cmsg_type = IP_PKTINFO;
            h->cmsg_len = CMSG_LEN(sizeof(struct in_pktinfo));
            struct in_pktinfo pi;
            memset(&pi, 0, sizeof(pi));
            uint8_t src[4] = {127, 3, r.ip[2], r.ip[3]};
            memcpy(&pi.ipi_spec_dst, src, 4);
            memcpy(CMSG_DATA(h), &pi, sizeof(pi));
            n++;
        }
        for (int i = 0; i < n;) {
            int k = sendmmsg(c->fd, &mm[i], (unsigned)(n - i), 0);
            if (k <= 0) {
                if (k < 0 && (errno == EAGAIN || errno == ENOBUFS || errno == EINTR)) {
                    struct pollfd p = {.fd = c->fd, .events = POLLOUT};
                    poll(&p, 1, 1);
                    continue;
                }
                i++; /* lost: SCTP retransmits */
                continue;
            }
            i += k;
        }
        if (n < BATCH)
            return;
    }
}

static void cli_events(client *c)
{
    mpsctp_event ev;
    while (mpsctp_endpoint_next_event(c->ep, &ev)) {
        if (ev.type != MPSCTP_EV_ASSOC_CHANGE)
            continue;
        if (ev.state == MPSCTP_COMM_UP) {
            c->up++;
            c->t_last_up = ab_now();
        } else {
            c->failed++;
        }
    }
}

/* Receives what is there (waiting up to wait_ms for the first datagram), runs due
 * timers, collects events and sends what is queued. */
static void cli_service(client *c, int wait_ms)
{
    if (wait_ms) {
        struct pollfd p = {.fd = c->fd, .events = POLLIN};
        poll(&p, 1, wait_ms);
    }
    for (int round = 0; round < 64; round++) {
        struct mmsghdr mm[BATCH];
        struct iovec iov[BATCH];
        struct sockaddr_in src[BATCH];
        union {
            char b[CMSG_SPACE(sizeof(struct in_pktinfo)) + 64];
            struct cmsghdr align;
        } cm[BATCH];
        for (int i = 0; i < BATCH; i++) {
            mm_set(&mm[i], &iov[i], c->rx[i], sizeof(c->rx[i]), &src[i], sizeof(src[i]),
                   cm[i].b, sizeof(cm[i].b));
        }
        int n = recvmmsg(c->fd, mm, BATCH, MSG_DONTWAIT, NULL);
        if (n <= 0)
            break;
        mpsctp_tstamp now = ab_now();
        for (int i = 0; i < n; i++) {
            mpsctp_addr l, r;
            mpsctp_addr_v4(&r, ntohl(src[i].sin_addr.s_addr), ntohs(src[i].sin_port));
            mpsctp_addr_v4(&l, 0, 0);
            for (struct cmsghdr *h = CMSG_FIRSTHDR(&mm[i].msg_hdr); h;
                 h = CMSG_NXTHDR(&mm[i].msg_hdr, h))
                if (h->cmsg_level == IPPROTO_IP && h->cmsg_type == IP_PKTINFO) {
                    struct in_pktinfo pi;
                    memcpy(&pi, CMSG_DATA(h), sizeof(pi));
                    mpsctp_addr_v4(&l, ntohl(pi.ipi_addr.s_addr), 0);
                }
            mpsctp_endpoint_recv(c->ep, c->rx[i], mm[i].msg_len, &l, &r, now);
        }
        cli_events(c);
        cli_flush(c);
        if (n < BATCH)
            break;
    }
    /* The core's deadline visits every association: ask at most once a millisecond. */
    mpsctp_tstamp now = ab_now();
    if (now >= c->next_timer) {
        if (mpsctp_endpoint_deadline(c->ep) <= now)
            mpsctp_endpoint_timeout(c->ep, now);
        c->next_timer = now + 1000000;
    }
    cli_events(c);
    cli_flush(c);
}

static int cli_fail(client *c, const char *what)
{
    fprintf(stderr, "assoc_bench: client: %s%s%s\n", what, c->sh->srv_failed ? "; " : "",
            c->sh->srv_failed ? c->sh->err : "");
    return -1;
}

static int client_run(const ab_args *a, ab_shared *sh)
{
    client *c = calloc(1, sizeof(*c));
    if (!c)
        return -1;
    c->a = a;
    c->sh = sh;
    c->as = calloc(a->n, sizeof(*c->as));
    c->seq = calloc(a->n, sizeof(*c->seq));
    c->fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    int one = 1, big = 8 << 20;
    setsockopt(c->fd, IPPROTO_IP, IP_PKTINFO, &one, sizeof(one));
    setsockopt(c->fd, SOL_SOCKET, SO_RCVBUF, &big, sizeof(big));
    setsockopt(c->fd, SOL_SOCKET, SO_SNDBUF, &big, sizeof(big));
    struct sockaddr_in any = {.sin_family = AF_INET};
    if (!c->as || !c->seq || c->fd < 0 || bind(c->fd, (struct sockaddr *)&any, sizeof(any)))
        return cli_fail(c, "set-up");
    mpsctp_settings s;
    mpsctp_settings_default(&s);
    s.local_port = 40000;
    s.mtu = CLI_MTU;
    s.max_assocs = a->n + 16;
    mpsctp_callbacks cb;
    memset(&cb, 0, sizeof(cb));
    cb.random = cli_random;
    c->ep = mpsctp_endpoint_new(&s, &cb);
    if (!c->ep)
        return cli_fail(c, "mpsctp_endpoint_new");
    if (ab_wait_phase(sh, &sh->srv_phase, 1, 30))
        return cli_fail(c, "server did not start");
    c->srv_udp = (uint16_t)atomic_load(&sh->srv_udp_port);

    /* Handshakes: at most a->window under way. */
    uint64_t t0 = ab_now(), deadline = t0 + 120ull * 1000000000u;
    for (uint32_t i = 0; i < a->n || c->up < a->n || atomic_load(&sh->srv_up) < a->n;) {
        while (i < a->n && i - c->up - c->failed < a->window) {
            mpsctp_addr r;
            mpsctp_addr_v4(&r, addr_of(2, i), c->srv_udp);
            int e = mpsctp_endpoint_connect(c->ep, &r, 1, AB_SCTP_PORT, ab_now(), &c->as[i]);
            if (e)
                return cli_fail(c, "mpsctp_endpoint_connect");
            i++;
            if (i % BATCH == 0)
                cli_flush(c);
        }
        cli_flush(c);
        cli_service(c, 1);
        if (c->failed || sh->srv_failed || ab_now() > deadline) {
            fprintf(stderr, "assoc_bench: %llu of %u up at the client, %llu at the server\n",
                    (unsigned long long)c->up, a->n,
                    (unsigned long long)atomic_load(&sh->srv_up));
            return cli_fail(c, "handshakes failed");
        }
    }
    uint64_t t_srv = atomic_load(&sh->t_srv_last_up);
    uint64_t hs_ns = (t_srv > c->t_last_up ? t_srv : c->t_last_up) - t0;

    atomic_store(&sh->phase, 2);
    while (atomic_load(&sh->srv_phase) < 2) {
        cli_service(c, 1);
        if (sh->srv_failed)
            return cli_fail(c, "server failed");
    }
    atomic_store(&sh->phase, 3);
    if (ab_wait_phase(sh, &sh->srv_phase, 3, 30))
        return cli_fail(c, "server did not start the message phase");

    /* Messages: k to association k mod N, at most ab_msg_window unread by the server. A
     * flush after every min(N, 32) messages: each association gets one message at a
     * time, so messages do not share packets unless congestion control holds them. */
    uint8_t msg[1200];
    uint32_t every = a->n < BATCH ? a->n : BATCH;
    uint64_t m0 = ab_now();
    deadline = m0 + 300ull * 1000000000u;
    uint64_t win = ab_msg_window(a);
    for (uint64_t k = 0; k < a->m; k++) {
        uint32_t i = (uint32_t)(k % a->n);
        while (k - atomic_load(&sh->srv_msgs) >= win) {
            cli_service(c, 1);
            if (sh->srv_failed || ab_now() > deadline)
                return cli_fail(c, "message phase stalled");
        }
        ab_fill(msg, a->size, i, c->seq[i]);
        mpsctp_sndinfo si = {0};
        for (;;) {
            int e = mpsctp_assoc_send(c->as[i], msg, a->size, &si, ab_now());
            if (e == 0)
                break;
            if (e != MPSCTP_ERR_WOULDBLOCK)
                return cli_fail(c, "mpsctp_assoc_send");
            cli_service(c, 1);
        }
        c->seq[i]++;
        if ((k + 1) % every == 0)
            cli_flush(c);
    }
    cli_flush(c);
    while (atomic_load(&sh->srv_phase) < 4) {
        cli_service(c, 1);
        if (sh->srv_failed || ab_now() > deadline)
            return cli_fail(c, "messages did not all arrive");
    }
    uint64_t msg_ns = ab_now() - m0;
    atomic_store(&sh->phase, 5);
    ab_report("mpsctp", a, sh, hs_ns, msg_ns);
    /* The associations simply go: the server aborts its side. */
    mpsctp_endpoint_free(c->ep);
    close(c->fd);
    free(c->as);
    free(c->seq);
    free(c);
    return 0;
}

int main(int argc, char **argv)
{
    ab_args a;
    ab_shared *sh;
    int e = ab_setup(argc, argv, &a, &sh);
    if (e)
        return e;
    pid_t pid = fork();
    if (pid < 0)
        return 1;
    if (pid == 0)
        _exit(server(&a, sh));
    return ab_finish("assoc_bench", &a, sh, pid, client_run(&a, sh) != 0);
}
