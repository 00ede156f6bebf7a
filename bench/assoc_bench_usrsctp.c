/*
 * Association scale benchmark, usrsctp side: the same phases, message check and result
 * line as assoc_bench (assoc_common.h), with usrsctp at both ends over its UDP
 * encapsulation on loopback.
 *
 *   assoc_bench_usrsctp [--assocs N] [--messages M] [--size S] [--window W] [--json]
 *
 * The server is a forked process with usrsctp on a free UDP port: one one-to-many
 * (SOCK_SEQPACKET) socket bound to 0.0.0.0:5001, COMM_UP notifications and SCTP_RCVINFO
 * on, read without blocking and woken by usrsctp's upcall.
 *
 * The client (this process) runs usrsctp on another UDP port with N one-to-one sockets,
 * each on its own SCTP port: usrsctp's UDP socket sends from 127.0.0.1 whatever the
 * association, so the server tells its N peers apart by their SCTP ports.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <sys/socket.h>
#include <usrsctp.h>

#include "assoc_common.h"

/* ---- server ------------------------------------------------------------------------ */

static pthread_mutex_t up_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t up_cond = PTHREAD_COND_INITIALIZER;
static unsigned up_seq;

static void on_upcall(struct socket *s, void *arg, int flags)
{
    (void)s;
    (void)arg;
    (void)flags;
    pthread_mutex_lock(&up_lock);
    up_seq++;
    pthread_cond_signal(&up_cond);
    pthread_mutex_unlock(&up_lock);
}

/* Waits for the next upcall after seq, at most ms milliseconds. */
static void wait_upcall(unsigned seq, int ms)
{
    struct timespec until;
    clock_gettime(CLOCK_REALTIME, &until);
    until.tv_nsec += (long)ms * 1000000;
    if (until.tv_nsec >= 1000000000) {
        until.tv_sec++;
        until.tv_nsec -= 1000000000;
    }
    pthread_mutex_lock(&up_lock);
    while (up_seq == seq && pthread_cond_timedwait(&up_cond, &up_lock, &until) == 0) {
    }
    pthread_mutex_unlock(&up_lock);
}

/* A UDP port nothing uses now (the kernel's pick), for usrsctp_init. */
static uint16_t free_udp_port(void)
{
    int fd = socket(AF_INET, SOCK_DGRAM, 0);
    struct sockaddr_in sin = {.sin_family = AF_INET};
    socklen_t sl = sizeof(sin);
    if (fd < 0 || bind(fd, (struct sockaddr *)&sin, sizeof(sin)) ||
        getsockname(fd, (struct sockaddr *)&sin, &sl)) {
        if (fd >= 0)
            close(fd);
        return 0;
    }
    close(fd);
    return ntohs(sin.sin_port);
}

static int srv_fail(ab_shared *sh, const char *what)
{
    snprintf(sh->err, sizeof(sh->err), "server: %s (errno %d)", what, errno);
    sh->srv_failed = 1;
    return 1;
}

static int server(const ab_args *a, ab_shared *sh, uint16_t udp_port)
{
    usrsctp_init(udp_port, NULL, NULL);
    usrsctp_sysctl_set_sctp_no_csum_on_loopback(0); /* CRC32c on every packet, as mpsctp */
    struct socket *s = usrsctp_socket(AF_INET, SOCK_SEQPACKET, IPPROTO_SCTP, NULL, NULL, 0,
                                      NULL);
    if (!s)
        return srv_fail(sh, "usrsctp_socket");
    struct sockaddr_in sin = {.sin_family = AF_INET, .sin_port = htons(AB_SCTP_PORT)};
    int on = 1;
    struct sctp_event ev = {.se_assoc_id = SCTP_FUTURE_ASSOC, .se_type = SCTP_ASSOC_CHANGE,
                            .se_on = 1};
    if (usrsctp_bind(s, (struct sockaddr *)&sin, sizeof(sin)) ||
        usrsctp_setsockopt(s, IPPROTO_SCTP, SCTP_RECVRCVINFO, &on, sizeof(on)) ||
        usrsctp_setsockopt(s, IPPROTO_SCTP, SCTP_EVENT, &ev, sizeof(ev)) ||
        usrsctp_listen(s, 1) || usrsctp_set_non_blocking(s, 1) ||
        usrsctp_set_upcall(s, on_upcall, NULL))
        return srv_fail(sh, "socket set-up");
    ab_table t;
    if (ab_table_init(&t, a->n))
        return srv_fail(sh, "no memory");
    sh->rss0 = ab_rss();
    sh->pkts_in = sh->pkts_out = -1;
    atomic_store(&sh->srv_udp_port, udp_port);
    atomic_store(&sh->srv_phase, 1);
    uint8_t buf[2048];
    double cpu0 = 0;
    for (;;) {
        if (ab_srv_phase(sh, &cpu0) >= 5)
            break;
        pthread_mutex_lock(&up_lock);
        unsigned seq = up_seq;
        pthread_mutex_unlock(&up_lock);
        struct sctp_rcvinfo rcv;
        socklen_t rl = sizeof(rcv);
        unsigned int it = 0;
        int fl = 0;
        struct sockaddr_in from;
        socklen_t fromlen = sizeof(from);
        ssize_t r = usrsctp_recvv(s, buf, sizeof(buf), (struct sockaddr *)&from, &fromlen,
                                  &rcv, &rl, &it, &fl);
        if (r < 0) {
            if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
                return srv_fail(sh, "usrsctp_recvv");
            wait_upcall(seq, 2);
            continue;
        }
        switch (ab_srv_read(sh, &t, a, buf, (size_t)r, fl, it, rcv.rcv_assoc_id, cpu0)) {
        case -1:
            return 1;
        case 1: /* all read and verified */
            atomic_store(&sh->srv_phase, 4);
            break;
        }
    }
    /* The client is gone: no graceful shutdowns to wait for. */
    struct linger lg = {1, 0};
    usrsctp_setsockopt(s, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
    usrsctp_close(s);
    _exit(0); /* usrsctp_finish would wait for N associations to be freed */
}

/* ---- client ------------------------------------------------------------------------ */

static int cli_fail(ab_shared *sh, const char *what)
{
    fprintf(stderr, "assoc_bench_usrsctp: client: %s (errno %d)%s%s\n", what, errno,
            sh->srv_failed ? "; " : "", sh->srv_failed ? sh->err : "");
    return -1;
}

/* Counts the client's COMM_UPs (and failures) from the notifications on its sockets. */
static _Atomic uint64_t cli_up, cli_failed, cli_t_last_up;

static void cli_upcall(struct socket *s, void *arg, int flags)
{
    (void)arg;
    if (!(flags & SCTP_EVENT_READ))
        return;
    for (;;) {
        union {
            struct sctp_assoc_change ac;
            uint8_t b[512];
        } n;
        int fl = 0;
        socklen_t il = 0;
        unsigned int it = 0;
        ssize_t r = usrsctp_recvv(s, &n, sizeof(n), NULL, NULL, NULL, &il, &it, &fl);
        if (r <= 0)
            return;
        if (!(fl & MSG_NOTIFICATION) || n.ac.sac_type != SCTP_ASSOC_CHANGE)
            continue;
        if (n.ac.sac_state == SCTP_COMM_UP) {
            atomic_fetch_add(&cli_up, 1);
            atomic_store(&cli_t_last_up, ab_now());
        } else {
            atomic_fetch_add(&cli_failed, 1);
        }
    }
}

static int client_run(const ab_args *a, ab_shared *sh, uint16_t udp_port)
{
    if (ab_wait_phase(sh, &sh->srv_phase, 1, 30))
        return cli_fail(sh, "server did not start");
    usrsctp_init(udp_port, NULL, NULL);
    usrsctp_sysctl_set_sctp_no_csum_on_loopback(0);
    uint16_t srv_udp = (uint16_t)atomic_load(&sh->srv_udp_port);
    struct socket **ss = calloc(a->n, sizeof(*ss));
    uint32_t *seq = calloc(a->n, sizeof(*seq));
    if (!ss || !seq)
        return cli_fail(sh, "no memory");
    struct sockaddr_in srv = {.sin_family = AF_INET, .sin_port = htons(AB_SCTP_PORT),
                              .sin_addr.s_addr = htonl(0x7f000001)};
    int on = 1;
    struct sctp_event ev = {.se_assoc_id = SCTP_FUTURE_ASSOC, .se_type = SCTP_ASSOC_CHANGE,
                            .se_on = 1};
    struct sctp_udpencaps ue = {.sue_assoc_id = SCTP_FUTURE_ASSOC, .sue_port = htons(srv_udp)};

    /* Handshakes: at most a->window under way. */
    uint64_t t0 = ab_now(), deadline = t0 + 120ull * 1000000000u;
    for (uint32_t i = 0; i < a->n || atomic_load(&cli_up) < a->n ||
                         atomic_load(&sh->srv_up) < a->n;) {
        while (i < a->n && i - atomic_load(&cli_up) - atomic_load(&cli_failed) < a->window) {
            struct socket *s = usrsctp_socket(AF_INET, SOCK_STREAM, IPPROTO_SCTP, NULL, NULL,
                                              0, NULL);
            if (!s)
                return cli_fail(sh, "usrsctp_socket (client)");
            usrsctp_setsockopt(s, IPPROTO_SCTP, SCTP_NODELAY, &on, sizeof(on));
            usrsctp_setsockopt(s, IPPROTO_SCTP, SCTP_EVENT, &ev, sizeof(ev));
            usrsctp_setsockopt(s, IPPROTO_SCTP, SCTP_REMOTE_UDP_ENCAPS_PORT, &ue, sizeof(ue));
            usrsctp_set_non_blocking(s, 1);
            usrsctp_set_upcall(s, cli_upcall, NULL);
            if (usrsctp_connect(s, (struct sockaddr *)&srv, sizeof(srv)) != 0 &&
                errno != EINPROGRESS) {
                fprintf(stderr, "assoc_bench_usrsctp: connect %u of %u failed\n", i, a->n);
                return cli_fail(sh, "usrsctp_connect");
            }
            ss[i++] = s;
        }
        usleep(200);
        if (atomic_load(&cli_failed) || sh->srv_failed || ab_now() > deadline) {
            fprintf(stderr, "assoc_bench_usrsctp: %llu of %u up at the client, %llu at the "
                            "server\n",
                    (unsigned long long)atomic_load(&cli_up), a->n,
                    (unsigned long long)atomic_load(&sh->srv_up));
            return cli_fail(sh, "handshakes failed");
        }
    }
    uint64_t t_srv = atomic_load(&sh->t_srv_last_up), t_cli = atomic_load(&cli_t_last_up);
    uint64_t hs_ns = (t_srv > t_cli ? t_srv : t_cli) - t0;

    atomic_store(&sh->phase, 2);
    if (ab_wait_phase(sh, &sh->srv_phase, 2, 30))
        return cli_fail(sh, "server did not measure its memory");
    atomic_store(&sh->phase, 3);
    if (ab_wait_phase(sh, &sh->srv_phase, 3, 30))
        return cli_fail(sh, "server did not start the message phase");

    uint64_t m0 = ab_now(), win = ab_msg_window(a);
    deadline = m0 + 300ull * 1000000000u;
    uint8_t msg[1200];
    for (uint64_t k = 0; k < a->m; k++) {
        uint32_t i = (uint32_t)(k % a->n);
        while (k - atomic_load(&sh->srv_msgs) >= win) {
            if (sh->srv_failed || ab_now() > deadline)
                return cli_fail(sh, "message phase stalled");
            usleep(50);
        }
        ab_fill(msg, a->size, i, seq[i]);
        while (usrsctp_sendv(ss[i], msg, a->size, NULL, 0, NULL, 0, SCTP_SENDV_NOINFO, 0) < 0) {
            if (errno != EWOULDBLOCK && errno != EAGAIN)
                return cli_fail(sh, "usrsctp_sendv");
            if (sh->srv_failed || ab_now() > deadline)
                return cli_fail(sh, "message phase stalled");
            usleep(50);
        }
        seq[i]++;
    }
    if (ab_wait_phase(sh, &sh->srv_phase, 4, 300))
        return cli_fail(sh, "messages did not all arrive");
    uint64_t msg_ns = ab_now() - m0;
    atomic_store(&sh->phase, 5);
    ab_report("usrsctp", a, sh, hs_ns, msg_ns);
    return 0;
}

int main(int argc, char **argv)
{
    ab_args a;
    ab_shared *sh;
    int e = ab_setup(argc, argv, &a, &sh);
    uint16_t sport = free_udp_port(), cport = free_udp_port();
    if (e || !sport || !cport || sport == cport)
        return e ? e : 1;
    pid_t pid = fork();
    if (pid < 0)
        return 1;
    if (pid == 0)
        _exit(server(&a, sh, sport));
    int r = ab_finish("assoc_bench_usrsctp", &a, sh, pid, client_run(&a, sh, cport) != 0);
    _exit(r); /* usrsctp_finish would wait for N associations to be freed */
}
