/*
 * usrsctp_inmem: the core_inmem benchmark for usrsctp (Debian libusrsctp, or an
 * optimised build of the same sources linked in by bench/run-core-bench.sh).
 *
 * One usrsctp stack in the process with two AF_CONN sockets (client port 5000, server
 * port 5001) connected through the stack's output callback: every packet usrsctp hands
 * to the callback is queued and fed back in with usrsctp_conninput on the main thread,
 * so nothing touches the network. The client is a saturated sender of --bytes in
 * --msg-size messages on one ordered stream; the server reads and checks everything.
 *
 * CRC32c: for AF_CONN, usrsctp computes the checksum of every outgoing packet and checks
 * every incoming one unless CRC32c offload is enabled (usrsctp_enable_crc32c_offload);
 * sctp_no_csum_on_loopback does not apply to AF_CONN. We call
 * usrsctp_disable_crc32c_offload() (the default, made explicit), also set
 * sctp_no_csum_on_loopback to 0, report the stack's software-CRC send counter, and at the
 * end feed a copy of a packet with one byte changed and require sctps_badsum to grow.
 * Both stacks therefore compute and verify CRC32c on every packet.
 */
#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <usrsctp.h>

#include "bench_common.h"

#define QCAP 16384
#define PKTMAX 2048

typedef struct qpkt {
    size_t len;
    uint8_t data[PKTMAX];
} qpkt;

/* Packets between output callback (main or timer thread) and the main loop. */
static struct {
    pthread_mutex_t lock;
    pthread_cond_t cond;
    qpkt *q;
    size_t head, n;
    uint64_t total, overflow;
} wire = {PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, NULL, 0, 0, 0, 0};

static int wire_token; /* the AF_CONN address both sockets reach each other through */

static int conn_output(void *addr, void *buf, size_t len, uint8_t tos, uint8_t set_df)
{
    (void)addr;
    (void)tos;
    (void)set_df;
    if (len > PKTMAX)
        return 0;
    pthread_mutex_lock(&wire.lock);
    if (wire.n == QCAP) {
        wire.overflow++;
    } else {
        qpkt *p = &wire.q[(wire.head + wire.n) % QCAP];
        memcpy(p->data, buf, len);
        p->len = len;
        wire.n++;
        wire.total++;
        pthread_cond_signal(&wire.cond);
    }
    pthread_mutex_unlock(&wire.lock);
    return 0;
}

/* Delivers queued packets (including those queued while delivering). Returns the count.
 * The last one delivered is copied to last. */
static uint64_t deliver(qpkt *last)
{
    uint64_t n = 0;
    qpkt *tmp = last;
    for (;;) {
        pthread_mutex_lock(&wire.lock);
        if (wire.n == 0) {
            pthread_mutex_unlock(&wire.lock);
            return n;
        }
        qpkt *p = &wire.q[wire.head];
        tmp->len = p->len;
        memcpy(tmp->data, p->data, p->len);
        wire.head = (wire.head + 1) % QCAP;
        wire.n--;
        pthread_mutex_unlock(&wire.lock);
        usrsctp_conninput(&wire_token, tmp->data, tmp->len, 0);
        n++;
    }
}

static void wait_for_packets(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    ts.tv_nsec += 1000000;
    if (ts.tv_nsec >= 1000000000) {
        ts.tv_sec++;
        ts.tv_nsec -= 1000000000;
    }
    pthread_mutex_lock(&wire.lock);
    if (wire.n == 0)
        pthread_cond_timedwait(&wire.cond, &wire.lock, &ts);
    pthread_mutex_unlock(&wire.lock);
}

static struct socket *conn_socket(uint16_t port, uint32_t buf)
{
    struct socket *s = usrsctp_socket(AF_CONN, SOCK_STREAM, IPPROTO_SCTP, NULL, NULL, 0, NULL);
    struct sockaddr_conn sc;
    int v = (int)buf;
    if (!s)
        return NULL;
    usrsctp_setsockopt(s, SOL_SOCKET, SO_SNDBUF, &v, sizeof(v));
    usrsctp_setsockopt(s, SOL_SOCKET, SO_RCVBUF, &v, sizeof(v));
    memset(&sc, 0, sizeof(sc));
    sc.sconn_family = AF_CONN;
    sc.sconn_port = htons(port);
    sc.sconn_addr = &wire_token;
    if (usrsctp_bind(s, (struct sockaddr *)&sc, sizeof(sc)) != 0) {
        perror("usrsctp_bind");
        return NULL;
    }
    return s;
}

int main(int argc, char **argv)
{
    bench_args a;
    struct socket *cl, *lsn, *sv = NULL;
    struct sockaddr_conn sc;
    struct sctpstat st0, st1;
    uint8_t *table, *rbuf;
    qpkt *last;
    uint64_t sent = 0, got = 0;
    int ok = 1, shut = 0;
    double t0, t1;

    if (bench_parse(argc, argv, &a) != 0)
        return 2;
    table = bench_table();
    rbuf = malloc(BENCH_MAX_MSG);
    wire.q = calloc(QCAP, sizeof(qpkt));
    last = malloc(sizeof(qpkt));
    if (!table || !rbuf || !wire.q || !last)
        return 1;

    usrsctp_init(0, conn_output, NULL);
    usrsctp_disable_crc32c_offload();
    usrsctp_sysctl_set_sctp_no_csum_on_loopback(0);
    usrsctp_sysctl_set_sctp_ecn_enable(0); /* the mpsctp core has no ECN */
    usrsctp_register_address(&wire_token);

    lsn = conn_socket(5001, a.buf);
    cl = conn_socket(5000, a.buf);
    if (!lsn || !cl || usrsctp_listen(lsn, 1) != 0) {
        fprintf(stderr, "usrsctp_inmem: socket setup failed\n");
        return 1;
    }
    usrsctp_set_non_blocking(cl, 1);
    usrsctp_set_non_blocking(lsn, 1);
    memset(&sc, 0, sizeof(sc));
    sc.sconn_family = AF_CONN;
    sc.sconn_port = htons(5001);
    sc.sconn_addr = &wire_token;
    if (usrsctp_connect(cl, (struct sockaddr *)&sc, sizeof(sc)) != 0 && errno != EINPROGRESS) {
        perror("usrsctp_connect");
        return 1;
    }
    while (!sv) {
        deliver(last);
        sv = usrsctp_accept(lsn, NULL, NULL);
        if (!sv)
            wait_for_packets();
    }
    usrsctp_set_non_blocking(sv, 1);
    /* let the client see COOKIE ACK */
    deliver(last);

    t0 = bench_clock();
    for (;;) {
        uint64_t moved = 0;
        while (sent < a.bytes) {
            size_t len = a.msg_size;
            if (a.bytes - sent < len)
                len = (size_t)(a.bytes - sent);
            ssize_t r = usrsctp_sendv(cl, bench_at(table, sent), len, NULL, 0, NULL, 0,
                                      SCTP_SENDV_NOINFO, 0);
            if (r < 0) {
                if (errno == EWOULDBLOCK || errno == EAGAIN)
                    break;
                perror("usrsctp_sendv");
                return 1;
            }
            sent += (uint64_t)r;
            moved++;
        }
        if (sent == a.bytes && !shut) {
            usrsctp_shutdown(cl, SHUT_WR);
            shut = 1;
        }
        moved += deliver(last);
        for (;;) {
            int flags = 0;
            socklen_t fromlen = 0, infolen = 0;
            unsigned int infotype = 0;
            ssize_t n = usrsctp_recvv(sv, rbuf, BENCH_MAX_MSG, NULL, &fromlen, NULL, &infolen,
                                      &infotype, &flags);
            if (n <= 0)
                break;
            if (memcmp(rbuf, bench_at(table, got), (size_t)n) != 0)
                ok = 0;
            got += (uint64_t)n;
            moved++;
        }
        if (got >= a.bytes)
            break;
        moved += deliver(last);
        if (!moved)
            wait_for_packets(); /* a timer (delayed SACK) of the stack's timer thread */
    }
    t1 = bench_clock();
    if (got != a.bytes)
        ok = 0;

    /* CRC32c is checked on input: a copy of the last packet with one byte changed must be
     * counted as a bad checksum */
    usrsctp_get_stat(&st0);
    if (last->len > 12) {
        last->data[last->len - 1] ^= 0x01;
        usrsctp_conninput(&wire_token, last->data, last->len, 0);
    }
    usrsctp_get_stat(&st1);
    {
        char extra[160];
        int crc = st1.sctps_badsum == st0.sctps_badsum + 1;
        if (!crc) {
            fprintf(stderr, "usrsctp_inmem: a corrupted packet was not counted as bad\n");
            ok = 0;
        }
        snprintf(extra, sizeof(extra),
                 a.json ? "\"crc32c_checked\":%s,\"sendswcrc\":%u" : "crc32c checked: %s, "
                                                                     "software CRCs sent %u",
                 crc ? (a.json ? "true" : "yes") : (a.json ? "false" : "no"),
                 st1.sctps_sendswcrc);
        bench_report(&a, "usrsctp", got, t1 - t0, ok, wire.total, extra);
    }
    usrsctp_close(sv);
    usrsctp_close(cl);
    usrsctp_close(lsn);
    for (int i = 0; i < 300 && usrsctp_finish() != 0; i++) {
        deliver(last);
        wait_for_packets();
    }
    free(table);
    free(rbuf);
    free(last);
    free(wire.q);
    return ok ? 0 : 1;
}
