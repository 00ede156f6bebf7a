/*
 * mpsctp_peer: the mpsctp side of the interop tests, the counterpart of usrsctp_peer.c
 * with the same options, traffic pattern (interop_pattern.h) and JSON output, built on
 * the sockets API (include/mpsctp/socket.h) over UDP encapsulation (RFC 6951).
 *
 *   mpsctp_peer --server SCTPPORT | --client ADDR SCTPPORT
 *       [--udp-port P] [--remote-udp-port R] [--bytes N]
 *       [--msg-size M | --msg-sizes LO..HI] [--streams K] [--unordered]
 *       [--reverse] [--echo] [--abort-after N] [--expect-abort]
 *       [--hb-interval MS] [--buf B] [--timeout S] [--no-verify]
 *       [--idle MS] [--min-heartbeats N] [--pcap FILE] [--linger MS]
 *
 * The roles are those of usrsctp_peer: one association; the client sends and the server
 * receives unless --reverse; --echo makes the server send every message back and the
 * client check the echo; --abort-after N makes the side moving data abort after N bytes,
 * and the other side then succeeds only with --expect-abort. Every received byte is
 * checked against the pattern (--no-verify: count only).
 *
 * Options of this side only:
 *   --idle MS            once the association is up, wait MS ms before the transfer (the
 *                        association idles: heartbeats, see --hb-interval);
 *   --min-heartbeats N   fail unless at least N HEARTBEATs were sent and N HEARTBEAT ACKs
 *                        received, and N HEARTBEATs received and N HEARTBEAT ACKs sent
 *                        (both implementations probe and answer);
 *   --pcap FILE          write every packet sent and received (the stack's trace hook)
 *                        as a pcap file (lib/pcap) for tshark;
 *   --linger MS          keep the stack up MS ms after the socket is closed (default
 *                        300, 1000 after an abort of ours): packets the peer still sends
 *                        (a retransmitted SHUTDOWN ACK, data after our ABORT) are seen
 *                        and answered.
 *
 * The stack's trace hook counts the chunks sent and received by type. A run fails when
 * the stack dropped a packet for a bad checksum or as malformed, and a run that is not
 * aborted fails unless this side saw SCTP_SHUTDOWN_COMP (the graceful shutdown
 * completed here). An abort by the peer is reported as seen through the SCTP_COMM_LOST
 * notification ("comm_lost") and through ECONNRESET from a receive call ("econnreset").
 *
 * Output: one JSON line
 *   {"role":"client","impl":"mpsctp","bytes":N,"messages":M,"seconds":S,"goodput_bps":G,
 *    "verified":true|false|null,"aborted":false,"comm_lost":false,"econnreset":false,
 *    "shutdown_comp":true,"sent":{"DATA":..,"SACK":..,...},"recv":{...},
 *    "dropped_checksum":0,"dropped_malformed":0}
 * and exit status 0 on success, 1 on failure, 2 on bad usage, 3 on timeout.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <mpsctp/socket.h>

#include "interop_pattern.h"
#include "mpsctp_pcap.h"

#define MAX_MSG (1u << 20)
#define MAX_STREAMS 1024

/* chunk types (RFC 9260 s3.2) the output reports */
enum {
    CT_DATA = 0,
    CT_INIT = 1,
    CT_INIT_ACK = 2,
    CT_SACK = 3,
    CT_HEARTBEAT = 4,
    CT_HEARTBEAT_ACK = 5,
    CT_ABORT = 6,
    CT_SHUTDOWN = 7,
    CT_SHUTDOWN_ACK = 8,
    CT_ERROR = 9,
    CT_COOKIE_ECHO = 10,
    CT_COOKIE_ACK = 11,
    CT_SHUTDOWN_COMPLETE = 14,
};

static const struct {
    int type;
    const char *name;
} chunk_names[] = {
    {CT_DATA, "DATA"},
    {CT_INIT, "INIT"},
    {CT_INIT_ACK, "INIT_ACK"},
    {CT_SACK, "SACK"},
    {CT_HEARTBEAT, "HEARTBEAT"},
    {CT_HEARTBEAT_ACK, "HEARTBEAT_ACK"},
    {CT_ABORT, "ABORT"},
    {CT_SHUTDOWN, "SHUTDOWN"},
    {CT_SHUTDOWN_ACK, "SHUTDOWN_ACK"},
    {CT_ERROR, "ERROR"},
    {CT_COOKIE_ECHO, "COOKIE_ECHO"},
    {CT_COOKIE_ACK, "COOKIE_ACK"},
    {CT_SHUTDOWN_COMPLETE, "SHUTDOWN_COMPLETE"},
    {16, "NR_SACK"},
    {0xc0, "FORWARD_TSN"},
};

typedef struct opts {
    int server;
    const char *addr;
    uint16_t port;
    uint16_t udp_port, remote_udp_port;
    uint64_t bytes;
    int bytes_given;
    uint32_t lo, hi;
    uint32_t streams;
    int unordered, reverse, echo, expect_abort, verify;
    uint64_t abort_after;
    uint32_t hb_interval;
    uint32_t buf;
    unsigned timeout;
    uint32_t idle_ms;
    uint32_t min_heartbeats;
    const char *pcap_path;
    int linger_ms; /* -1: default */
} opts;

static opts o;
static interop_sizes sizes;
static uint64_t nmsgs;
static uint32_t last_size;
static const char *role;
static int receiver_role;

/* ---- packet trace: chunk counters and the pcap file -------------------------------- */

typedef struct trace_state {
    pthread_mutex_t lock;
    uint64_t chunks[2][256]; /* [dir: 0 received, 1 sent][type] */
    uint64_t packets[2];
    mpsctp_pcap *pcap;
} trace_state;

static trace_state tr = {.lock = PTHREAD_MUTEX_INITIALIZER};

static int to_core_addr(const struct sockaddr *sa, mpsctp_addr *a)
{
    memset(a, 0, sizeof(*a));
    if (sa->sa_family == AF_INET) {
        const struct sockaddr_in *s4 = (const struct sockaddr_in *)sa;
        a->family = MPSCTP_AF_INET;
        a->udp_port = ntohs(s4->sin_port);
        memcpy(a->ip, &s4->sin_addr, 4);
        return 0;
    }
    if (sa->sa_family == AF_INET6) {
        const struct sockaddr_in6 *s6 = (const struct sockaddr_in6 *)sa;
        a->family = MPSCTP_AF_INET6;
        a->udp_port = ntohs(s6->sin6_port);
        memcpy(a->ip, &s6->sin6_addr, 16);
        return 0;
    }
    return -1;
}

static void on_trace(void *user, int dir, const uint8_t *pkt, size_t len,
                     const struct sockaddr *local, const struct sockaddr *remote)
{
    trace_state *t = user;
    size_t off = 12;
    dir = dir ? 1 : 0;
    pthread_mutex_lock(&t->lock);
    t->packets[dir]++;
    while (off + 4 <= len) {
        size_t clen = (size_t)pkt[off + 2] << 8 | pkt[off + 3];
        t->chunks[dir][pkt[off]]++;
        if (clen < 4)
            break;
        off += (clen + 3) & ~(size_t)3;
    }
    if (t->pcap) {
        mpsctp_addr l, r;
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        if (to_core_addr(local, &l) == 0 && to_core_addr(remote, &r) == 0)
            mpsctp_pcap_write(t->pcap, dir, pkt, len, &l, &r,
                              (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec);
    }
    pthread_mutex_unlock(&t->lock);
}

static uint64_t chunks(int dir, int type)
{
    uint64_t v;
    pthread_mutex_lock(&tr.lock);
    v = tr.chunks[dir][type];
    pthread_mutex_unlock(&tr.lock);
    return v;
}

/* ---- results ---------------------------------------------------------------------- */

typedef struct result {
    uint64_t bytes, messages;
    double seconds;
    int verified; /* 1 yes, 0 no, -1 not checked */
    int aborted;
    int comm_lost, econnreset, shutdown_comp;
    char error[200];
} result;

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static void sleep_ms(unsigned ms)
{
    struct timespec ts = {(time_t)(ms / 1000), (long)(ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
        ;
}

static void print_chunks(int dir)
{
    int first = 1;
    printf(",\"%s\":{", dir ? "sent" : "recv");
    for (size_t i = 0; i < sizeof(chunk_names) / sizeof(chunk_names[0]); i++) {
        uint64_t v = tr.chunks[dir][chunk_names[i].type];
        if (!v && chunk_names[i].type > CT_SHUTDOWN_COMPLETE)
            continue;
        printf("%s\"%s\":%" PRIu64, first ? "" : ",", chunk_names[i].name, v);
        first = 0;
    }
    printf(",\"packets\":%" PRIu64 "}", tr.packets[dir]);
}

static void print_result(const result *r, const mpsctp_stack_stats *ss)
{
    double g = r->seconds > 0 ? (double)r->bytes * 8 / r->seconds : 0;
    printf("{\"role\":\"%s\",\"impl\":\"mpsctp\",\"bytes\":%" PRIu64 ",\"messages\":%" PRIu64
           ",\"seconds\":%.6f,\"goodput_bps\":%.0f,\"verified\":%s,\"aborted\":%s"
           ",\"comm_lost\":%s,\"econnreset\":%s,\"shutdown_comp\":%s",
           role, r->bytes, r->messages, r->seconds, g,
           r->verified < 0 ? "null" : r->verified ? "true" : "false",
           r->aborted ? "true" : "false", r->comm_lost ? "true" : "false",
           r->econnreset ? "true" : "false", r->shutdown_comp ? "true" : "false");
    print_chunks(1);
    print_chunks(0);
    printf(",\"dropped_checksum\":%" PRIu64 ",\"dropped_malformed\":%" PRIu64
           ",\"dropped_not_ours\":%" PRIu64,
           ss->dropped_checksum, ss->dropped_malformed, ss->dropped_not_ours);
    if (r->error[0])
        printf(",\"error\":\"%s\"", r->error);
    printf("}\n");
    fflush(stdout);
}

static void on_alarm(int sig)
{
    static const char msg[] = "{\"error\":\"timeout\"}\n";
    (void)sig;
    (void)!write(1, msg, sizeof(msg) - 1);
    _exit(3);
}

static void fail(result *r, const char *fmt, uint64_t a, uint64_t b)
{
    if (!r->error[0])
        snprintf(r->error, sizeof(r->error), fmt, a, b);
    r->verified = 0;
}

/* ---- receiving -------------------------------------------------------------------- */

typedef struct rx {
    uint8_t *msg; /* the message being assembled */
    size_t have;
    struct sctp_rcvinfo info;
    uint32_t next_m[MAX_STREAMS];
    uint8_t *seen; /* bitmap of message numbers g (when the total is known) */
    int eof, lost;
} rx;

/* Checks one complete message; echo: sends it back on echo_sd. */
static void rx_message(rx *x, result *r, int echo_sd)
{
    uint32_t s = x->info.rcv_sid, m = ntohl(x->info.rcv_ppid);
    uint64_t g = (uint64_t)m * o.streams + s;
    size_t len = x->have;
    int unordered = (x->info.rcv_flags & SCTP_UNORDERED) != 0;

    r->messages++;
    r->bytes += len;
    if (o.verify) {
        uint32_t want;
        if (s >= o.streams)
            fail(r, "stream %" PRIu64 " beyond %" PRIu64, s, o.streams);
        else if (!unordered && m != x->next_m[s])
            fail(r, "ordered message %" PRIu64 " where %" PRIu64 " was due", m, x->next_m[s]);
        else if (unordered != o.unordered)
            fail(r, "message %" PRIu64 " has the wrong U flag (%" PRIu64 ")", g,
                 (uint64_t)unordered);
        if (s < o.streams && !unordered)
            x->next_m[s] = m + 1;
        if (o.bytes_given) {
            if (g >= nmsgs) {
                fail(r, "message number %" PRIu64 " beyond the %" PRIu64 " sent", g, nmsgs);
                goto echo;
            }
            if (x->seen[g / 8] & (1u << (g % 8)))
                fail(r, "message %" PRIu64 " delivered twice%" PRIu64, g, 0);
            x->seen[g / 8] |= (uint8_t)(1u << (g % 8));
            want = g == nmsgs - 1 ? last_size : interop_size(&sizes, g);
        } else {
            want = interop_size(&sizes, g);
            if (len < want)
                want = (uint32_t)len; /* the last one may be short */
        }
        if (len != want)
            fail(r, "message %" PRIu64 " has %" PRIu64 " bytes", g, len);
        else if (interop_check(x->msg, len, s, m, 0) != len)
            fail(r, "message %" PRIu64 " differs at byte %" PRIu64, g,
                 interop_check(x->msg, len, s, m, 0));
    }
echo:
    if (echo_sd >= 0) {
        struct sctp_sndinfo si;
        struct iovec iov = {x->msg, len};
        memset(&si, 0, sizeof(si));
        si.snd_sid = x->info.rcv_sid;
        si.snd_ppid = x->info.rcv_ppid;
        si.snd_flags = unordered ? SCTP_UNORDERED : 0;
        if (mpsctp_sendv(echo_sd, &iov, 1, NULL, 0, &si, sizeof(si), SCTP_SENDV_SNDINFO, 0) !=
            (ssize_t)len)
            fail(r, "echo of message %" PRIu64 " failed (errno %" PRIu64 ")", g,
                 (uint64_t)errno);
    }
    x->have = 0;
}

static void rx_notification(rx *x, result *r, const uint8_t *buf, size_t len)
{
    const union sctp_notification *n = (const void *)buf;
    if (len < sizeof(n->sn_header))
        return;
    if (n->sn_header.sn_type == SCTP_ASSOC_CHANGE) {
        uint16_t st = n->sn_assoc_change.sac_state;
        if (st == SCTP_COMM_LOST || st == SCTP_CANT_STR_ASSOC) {
            x->lost = 1;
            r->comm_lost = 1;
        }
        if (st == SCTP_SHUTDOWN_COMP)
            r->shutdown_comp = 1;
    }
}

/* After the association was lost: reads what is left (notifications) and records an
 * ECONNRESET from the socket. */
static void drain_after_loss(int sd, result *r)
{
    uint8_t buf[512];
    for (int i = 0; i < 64; i++) {
        int flags = 0;
        struct iovec iov = {buf, sizeof(buf)};
        ssize_t n = mpsctp_recvv(sd, &iov, 1, NULL, NULL, NULL, NULL, NULL, &flags);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            if (errno == ECONNRESET)
                r->econnreset = 1;
            return;
        }
        if (n == 0)
            return;
        if (flags & MSG_NOTIFICATION) {
            rx x;
            memset(&x, 0, sizeof(x));
            rx_notification(&x, r, buf, (size_t)n);
        }
    }
}

/* Reads until EOF, loss of the association, or (stop_bytes) that many payload bytes. */
static void receive(int sd, result *r, int echo_sd, uint64_t stop_bytes)
{
    rx *x = calloc(1, sizeof(*x));
    if (!x || !(x->msg = malloc(MAX_MSG))) {
        fail(r, "out of memory%" PRIu64 "%" PRIu64, 0, 0);
        free(x);
        return;
    }
    if (o.bytes_given && o.verify)
        x->seen = calloc(nmsgs / 8 + 1, 1);
    for (;;) {
        struct sctp_rcvinfo info;
        socklen_t infolen = sizeof(info);
        unsigned int infotype = 0;
        int flags = 0;
        struct iovec iov = {x->msg + x->have, MAX_MSG - x->have};
        ssize_t n;

        if (stop_bytes && r->bytes >= stop_bytes)
            break;
        if (x->have == MAX_MSG) {
            fail(r, "message longer than %" PRIu64 " bytes%" PRIu64, MAX_MSG, 0);
            break;
        }
        n = mpsctp_recvv(sd, &iov, 1, NULL, NULL, &info, &infolen, &infotype, &flags);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            if (errno == ECONNRESET || errno == ENOTCONN || errno == ETIMEDOUT) {
                if (errno == ECONNRESET)
                    r->econnreset = 1;
                x->lost = 1;
            } else {
                fail(r, "recv failed (errno %" PRIu64 ")%" PRIu64, (uint64_t)errno, 0);
            }
            break;
        }
        if (n == 0) {
            x->eof = 1;
            break;
        }
        if (flags & MSG_NOTIFICATION) {
            uint8_t note[1024];
            size_t k = (size_t)n < sizeof(note) ? (size_t)n : sizeof(note);
            memcpy(note, x->msg + x->have, k);
            rx_notification(x, r, note, k);
            if (x->lost)
                break;
            continue;
        }
        if (x->have == 0) {
            if (infotype != SCTP_RECVV_RCVINFO) {
                fail(r, "no sctp_rcvinfo with a message (infotype %" PRIu64 ")%" PRIu64,
                     infotype, 0);
                break;
            }
            x->info = info;
        }
        x->have += (size_t)n;
        if (flags & MSG_EOR)
            rx_message(x, r, echo_sd);
        if (o.abort_after && receiver_role && echo_sd < 0 && !stop_bytes &&
            r->bytes >= o.abort_after)
            break; /* the receiving side aborts (main sends the ABORT) */
    }
    if (x->lost) {
        r->aborted = 1;
        drain_after_loss(sd, r);
    }
    if (o.bytes_given && o.verify && !r->aborted && !r->error[0] && !stop_bytes &&
        !(o.abort_after && receiver_role) && (r->bytes != o.bytes || r->messages != nmsgs))
        fail(r, "received %" PRIu64 " bytes, %" PRIu64 " messages: short", r->bytes,
             r->messages);
    free(x->seen);
    free(x->msg);
    free(x);
}

/* After the transfer: waits (up to 10 s) for SCTP_SHUTDOWN_COMP, or for the loss of the
 * association. EOF is not the end: the shutdown completes after it. */
static void wait_shutdown_comp(int sd, result *r)
{
    uint8_t buf[2048];
    double until = now_s() + 10;
    while (!r->shutdown_comp && !r->aborted && now_s() < until) {
        int flags = 0;
        struct iovec iov = {buf, sizeof(buf)};
        ssize_t n = mpsctp_recvv(sd, &iov, 1, NULL, NULL, NULL, NULL, NULL, &flags);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            if (errno == ECONNRESET) {
                r->econnreset = 1;
                r->aborted = 1;
            }
            break; /* ENOTCONN: the association is gone */
        }
        if (n == 0) {
            sleep_ms(5); /* EOF until the association is gone */
            continue;
        }
        if (flags & MSG_NOTIFICATION) {
            rx x;
            memset(&x, 0, sizeof(x));
            rx_notification(&x, r, buf, (size_t)n);
            if (x.lost)
                r->aborted = 1;
        } else {
            fail(r, "%" PRIu64 " bytes of data after the end of the transfer%" PRIu64,
                 (uint64_t)n, 0);
        }
    }
}

/* ---- sending ---------------------------------------------------------------------- */

/* Sends the whole transfer (or up to --abort-after). Returns 0, or -1 when a send
 * failed (r->aborted when the association went away). */
static int send_all(int sd, result *r)
{
    uint8_t *buf = malloc(MAX_MSG);
    uint64_t sent = 0;
    if (!buf)
        return -1;
    for (uint64_t g = 0; g < nmsgs; g++) {
        uint32_t s = (uint32_t)(g % o.streams), m = (uint32_t)(g / o.streams);
        uint32_t len = g == nmsgs - 1 ? last_size : interop_size(&sizes, g);
        struct sctp_sndinfo si;
        struct iovec iov = {buf, len};
        ssize_t n;
        memset(&si, 0, sizeof(si));
        si.snd_sid = (uint16_t)s;
        si.snd_ppid = htonl(m);
        si.snd_flags = o.unordered ? SCTP_UNORDERED : 0;
        interop_fill(buf, len, s, m, 0);
        do
            n = mpsctp_sendv(sd, &iov, 1, NULL, 0, &si, sizeof(si), SCTP_SENDV_SNDINFO, 0);
        while (n < 0 && errno == EINTR);
        if (n != (ssize_t)len) {
            /* The peer's ABORT is reported once as ECONNRESET, by the first call that
             * comes after it (send or receive); a send blocked when it came gets EPIPE. */
            if (n < 0 && (errno == ECONNRESET || errno == EPIPE || errno == ENOTCONN)) {
                r->aborted = 1;
                if (errno == ECONNRESET)
                    r->econnreset = 1;
            } else {
                snprintf(r->error, sizeof(r->error),
                         "send of message %" PRIu64 " returned %zd (errno %d)", g, n, errno);
            }
            free(buf);
            return -1;
        }
        sent += len;
        r->messages++;
        r->bytes = sent;
        if (o.abort_after && sent >= o.abort_after)
            break;
    }
    free(buf);
    return 0;
}

/* Aborts the association: SO_LINGER {1, 0}, then close (RFC 6458 s8.1.4). */
static void abort_assoc(int sd)
{
    struct linger l = {1, 0};
    mpsctp_setsockopt(sd, SOL_SOCKET, SO_LINGER, &l, sizeof(l));
    mpsctp_close(sd);
}

typedef struct echo_reader {
    int sd;
    result r;
} echo_reader;

static void *echo_reader_main(void *arg)
{
    echo_reader *e = arg;
    receive(e->sd, &e->r, -1, o.bytes);
    return NULL;
}

/* ---- set-up ----------------------------------------------------------------------- */

static void usage(void)
{
    fprintf(stderr,
            "usage: mpsctp_peer (--server SCTPPORT | --client ADDR SCTPPORT) [--udp-port P]\n"
            "  [--remote-udp-port R] [--bytes N] [--msg-size M | --msg-sizes LO..HI]\n"
            "  [--streams K] [--unordered] [--reverse] [--echo] [--abort-after N]\n"
            "  [--expect-abort] [--hb-interval MS] [--buf B] [--timeout S] [--no-verify]\n"
            "  [--idle MS] [--min-heartbeats N] [--pcap FILE] [--linger MS]\n"
            "sizes take k/M/G (2^10/2^20/2^30)\n");
    exit(2);
}

static uint64_t parse_size(const char *s)
{
    char *end;
    unsigned long long v = strtoull(s, &end, 10);
    if (end == s)
        usage();
    if (*end == 'k' || *end == 'K')
        v <<= 10;
    else if (*end == 'M' || *end == 'm')
        v <<= 20;
    else if (*end == 'G' || *end == 'g')
        v <<= 30;
    else if (*end)
        usage();
    return v;
}

static void parse(int argc, char **argv)
{
    int have_role = 0, have_udp = 0;
    memset(&o, 0, sizeof(o));
    o.bytes = 10u << 20;
    o.lo = o.hi = 1452;
    o.streams = 1;
    o.verify = 1;
    o.remote_udp_port = 9899;
    o.buf = 4u << 20;
    o.timeout = 300;
    o.linger_ms = -1;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
#define NEXT() (i + 1 < argc ? argv[++i] : (usage(), ""))
        if (!strcmp(a, "--server")) {
            o.server = 1;
            o.port = (uint16_t)parse_size(NEXT());
            have_role = 1;
        } else if (!strcmp(a, "--client")) {
            o.addr = NEXT();
            o.port = (uint16_t)parse_size(NEXT());
            have_role = 1;
        } else if (!strcmp(a, "--udp-port")) {
            o.udp_port = (uint16_t)parse_size(NEXT());
            have_udp = 1;
        } else if (!strcmp(a, "--remote-udp-port")) {
            o.remote_udp_port = (uint16_t)parse_size(NEXT());
        } else if (!strcmp(a, "--bytes")) {
            o.bytes = parse_size(NEXT());
            o.bytes_given = 1;
        } else if (!strcmp(a, "--msg-size")) {
            o.lo = o.hi = (uint32_t)parse_size(NEXT());
        } else if (!strcmp(a, "--msg-sizes")) {
            const char *v = NEXT();
            const char *dots = strstr(v, "..");
            char lo[32];
            if (!dots || (size_t)(dots - v) >= sizeof(lo))
                usage();
            memcpy(lo, v, (size_t)(dots - v));
            lo[dots - v] = 0;
            o.lo = (uint32_t)parse_size(lo);
            o.hi = (uint32_t)parse_size(dots + 2);
        } else if (!strcmp(a, "--streams")) {
            o.streams = (uint32_t)parse_size(NEXT());
        } else if (!strcmp(a, "--unordered")) {
            o.unordered = 1;
        } else if (!strcmp(a, "--reverse")) {
            o.reverse = 1;
        } else if (!strcmp(a, "--echo")) {
            o.echo = 1;
        } else if (!strcmp(a, "--abort-after")) {
            o.abort_after = parse_size(NEXT());
        } else if (!strcmp(a, "--expect-abort")) {
            o.expect_abort = 1;
        } else if (!strcmp(a, "--hb-interval")) {
            o.hb_interval = (uint32_t)parse_size(NEXT());
        } else if (!strcmp(a, "--buf")) {
            o.buf = (uint32_t)parse_size(NEXT());
        } else if (!strcmp(a, "--timeout")) {
            o.timeout = (unsigned)parse_size(NEXT());
        } else if (!strcmp(a, "--no-verify")) {
            o.verify = 0;
        } else if (!strcmp(a, "--idle")) {
            o.idle_ms = (uint32_t)parse_size(NEXT());
        } else if (!strcmp(a, "--min-heartbeats")) {
            o.min_heartbeats = (uint32_t)parse_size(NEXT());
        } else if (!strcmp(a, "--pcap")) {
            o.pcap_path = NEXT();
        } else if (!strcmp(a, "--linger")) {
            o.linger_ms = (int)parse_size(NEXT());
        } else {
            usage();
        }
#undef NEXT
    }
    if (!have_role || o.port == 0 || o.lo == 0 || o.lo > o.hi || o.hi > MAX_MSG ||
        o.streams == 0 || o.streams > MAX_STREAMS || o.bytes == 0 || (o.echo && o.reverse))
        usage();
    if (!have_udp)
        o.udp_port = o.server ? 9899 : 9900;
    interop_sizes_init(&sizes, o.lo, o.hi);
    nmsgs = interop_count(&sizes, o.bytes, &last_size);
    role = o.server ? "server" : "client";
}

static int set_common(int sd, result *r)
{
    int v = (int)o.buf, on = 1;
    struct sctp_initmsg im;
    static const uint16_t types[] = {SCTP_ASSOC_CHANGE, SCTP_SHUTDOWN_EVENT};

    if (mpsctp_setsockopt(sd, SOL_SOCKET, SO_SNDBUF, &v, sizeof(v)) != 0 ||
        mpsctp_setsockopt(sd, SOL_SOCKET, SO_RCVBUF, &v, sizeof(v)) != 0 ||
        mpsctp_setsockopt(sd, IPPROTO_SCTP, SCTP_RECVRCVINFO, &on, sizeof(on)) != 0 ||
        mpsctp_setsockopt(sd, IPPROTO_SCTP, SCTP_NODELAY, &on, sizeof(on)) != 0) {
        snprintf(r->error, sizeof(r->error), "socket options: errno %d", errno);
        return -1;
    }
    memset(&im, 0, sizeof(im));
    im.sinit_num_ostreams = (uint16_t)(o.streams < 10 ? 10 : o.streams);
    im.sinit_max_instreams = 2048;
    if (mpsctp_setsockopt(sd, IPPROTO_SCTP, SCTP_INITMSG, &im, sizeof(im)) != 0) {
        snprintf(r->error, sizeof(r->error), "SCTP_INITMSG: errno %d", errno);
        return -1;
    }
    for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
        struct sctp_event ev;
        memset(&ev, 0, sizeof(ev));
        ev.se_assoc_id = SCTP_FUTURE_ASSOC;
        ev.se_type = types[i];
        ev.se_on = 1;
        if (mpsctp_setsockopt(sd, IPPROTO_SCTP, SCTP_EVENT, &ev, sizeof(ev)) != 0) {
            snprintf(r->error, sizeof(r->error), "SCTP_EVENT: errno %d", errno);
            return -1;
        }
    }
    if (o.hb_interval) {
        struct sctp_paddrparams pp;
        memset(&pp, 0, sizeof(pp));
        pp.spp_assoc_id = SCTP_FUTURE_ASSOC;
        pp.spp_flags = SPP_HB_ENABLE;
        pp.spp_hbinterval = o.hb_interval;
        if (mpsctp_setsockopt(sd, IPPROTO_SCTP, SCTP_PEER_ADDR_PARAMS, &pp, sizeof(pp)) != 0) {
            snprintf(r->error, sizeof(r->error), "SCTP_PEER_ADDR_PARAMS: errno %d", errno);
            return -1;
        }
    }
    return 0;
}

/* Returns the connected one-to-one socket, or -1 with r->error set. */
static int open_assoc(mpsctp_stack *st, result *r)
{
    int sd = mpsctp_socket_on(st, AF_INET, SOCK_STREAM, IPPROTO_SCTP);
    struct sockaddr_in sin;
    if (sd < 0) {
        snprintf(r->error, sizeof(r->error), "mpsctp_socket: errno %d", errno);
        return -1;
    }
    if (set_common(sd, r) != 0) {
        mpsctp_close(sd);
        return -1;
    }
    memset(&sin, 0, sizeof(sin));
    sin.sin_family = AF_INET;
    sin.sin_port = htons(o.port);
    if (o.server) {
        int c;
        sin.sin_addr.s_addr = htonl(INADDR_ANY);
        if (mpsctp_bind(sd, (struct sockaddr *)&sin, sizeof(sin)) != 0 ||
            mpsctp_listen(sd, 1) != 0) {
            snprintf(r->error, sizeof(r->error), "bind/listen on port %u: errno %d", o.port,
                     errno);
            mpsctp_close(sd);
            return -1;
        }
        do
            c = mpsctp_accept(sd, NULL, NULL);
        while (c < 0 && errno == EINTR);
        if (c < 0)
            snprintf(r->error, sizeof(r->error), "accept: errno %d", errno);
        mpsctp_close(sd);
        return c;
    }
    if (inet_pton(AF_INET, o.addr, &sin.sin_addr) != 1) {
        snprintf(r->error, sizeof(r->error), "bad address %s", o.addr);
        mpsctp_close(sd);
        return -1;
    }
    struct sctp_udpencaps ue;
    memset(&ue, 0, sizeof(ue));
    ue.sue_assoc_id = SCTP_FUTURE_ASSOC;
    ue.sue_port = htons(o.remote_udp_port);
    if (mpsctp_setsockopt(sd, IPPROTO_SCTP, SCTP_REMOTE_UDP_ENCAPS_PORT, &ue, sizeof(ue)) != 0) {
        snprintf(r->error, sizeof(r->error), "SCTP_REMOTE_UDP_ENCAPS_PORT: errno %d", errno);
        mpsctp_close(sd);
        return -1;
    }
    if (mpsctp_connect(sd, (struct sockaddr *)&sin, sizeof(sin)) != 0) {
        snprintf(r->error, sizeof(r->error), "connect to %s port %u: errno %d", o.addr, o.port,
                 errno);
        mpsctp_close(sd);
        return -1;
    }
    return sd;
}

static void wire_fail(result *r, const char *fmt, uint64_t a, uint64_t b)
{
    if (!r->error[0])
        snprintf(r->error, sizeof(r->error), fmt, a, b);
}

/* The checks every run makes on what the trace hook and the stack counters saw. */
static void check_wire(result *r, const mpsctp_stack_stats *ss)
{
    if (ss->dropped_checksum)
        wire_fail(r, "%" PRIu64 " packets with a bad checksum%" PRIu64, ss->dropped_checksum, 0);
    if (ss->dropped_malformed)
        wire_fail(r, "%" PRIu64 " malformed packets%" PRIu64, ss->dropped_malformed, 0);
    if (o.min_heartbeats) {
        uint64_t hs = chunks(1, CT_HEARTBEAT), har = chunks(0, CT_HEARTBEAT_ACK);
        uint64_t hr = chunks(0, CT_HEARTBEAT), has = chunks(1, CT_HEARTBEAT_ACK);
        if (hs < o.min_heartbeats || har < o.min_heartbeats)
            wire_fail(r, "heartbeats: %" PRIu64 " sent, %" PRIu64 " acknowledged", hs, har);
        if (hr < o.min_heartbeats || has < o.min_heartbeats)
            wire_fail(r, "peer heartbeats: %" PRIu64 " received, %" PRIu64 " acknowledged", hr,
                 has);
    }
}

int main(int argc, char **argv)
{
    result r;
    mpsctp_stack_config cfg;
    mpsctp_stack_stats ss;
    mpsctp_stack *st;
    int sd, sender, ok, we_aborted = 0;
    double t0;

    parse(argc, argv);
    signal(SIGALRM, on_alarm);
    alarm(o.timeout);
    signal(SIGPIPE, SIG_IGN);
    memset(&r, 0, sizeof(r));
    memset(&ss, 0, sizeof(ss));
    r.verified = o.verify ? 1 : -1;

    if (o.pcap_path && !(tr.pcap = mpsctp_pcap_open(o.pcap_path))) {
        snprintf(r.error, sizeof(r.error), "cannot create %s: errno %d", o.pcap_path, errno);
        print_result(&r, &ss);
        return 1;
    }
    memset(&cfg, 0, sizeof(cfg));
    cfg.udp_port = o.udp_port;
    cfg.no_ipv6 = 1;
    cfg.trace = on_trace;
    cfg.trace_user = &tr;
    st = mpsctp_stack_new(&cfg);
    if (!st) {
        snprintf(r.error, sizeof(r.error), "mpsctp_stack_new (UDP port %u): errno %d",
                 o.udp_port, errno);
        print_result(&r, &ss);
        return 1;
    }

    sd = open_assoc(st, &r);
    if (sd < 0) {
        r.verified = o.verify ? 0 : -1;
        mpsctp_stack_stats_get(st, &ss);
        mpsctp_stack_free(st);
        mpsctp_pcap_close(tr.pcap);
        print_result(&r, &ss);
        return 1;
    }
    if (o.idle_ms)
        sleep_ms(o.idle_ms);
    t0 = now_s();
    sender = o.server ? o.reverse : !o.reverse;
    receiver_role = !sender && !o.echo;
    if (o.echo && o.server) {
        receive(sd, &r, sd, 0);
        if (!r.aborted)
            wait_shutdown_comp(sd, &r);
        mpsctp_close(sd);
    } else if (sender) {
        echo_reader er;
        pthread_t th;
        int rc;
        memset(&er, 0, sizeof(er));
        er.sd = sd;
        er.r.verified = o.verify ? 1 : -1;
        if (o.echo && pthread_create(&th, NULL, echo_reader_main, &er) != 0) {
            snprintf(r.error, sizeof(r.error), "pthread_create failed");
            o.echo = 0;
        }
        rc = send_all(sd, &r);
        if (o.echo)
            pthread_join(th, NULL);
        if (rc == 0 && o.abort_after && r.bytes < o.bytes) {
            abort_assoc(sd);
            we_aborted = r.aborted = 1;
        } else {
            if (rc == 0 && mpsctp_shutdown(sd, SHUT_WR) != 0 && !r.error[0])
                snprintf(r.error, sizeof(r.error), "shutdown: errno %d", errno);
            if (rc == 0 || r.aborted) {
                if (r.aborted)
                    drain_after_loss(sd, &r);
                else
                    wait_shutdown_comp(sd, &r);
            }
            mpsctp_close(sd);
        }
        if (o.echo) {
            if (er.r.error[0])
                snprintf(r.error, sizeof(r.error), "echo: %.180s", er.r.error);
            if (er.r.verified == 0)
                r.verified = 0;
            if (er.r.aborted)
                r.aborted = 1;
            r.comm_lost |= er.r.comm_lost;
            r.econnreset |= er.r.econnreset;
            if (!r.aborted && er.r.bytes != r.bytes) {
                snprintf(r.error, sizeof(r.error), "echoed %" PRIu64 " of %" PRIu64 " bytes",
                         er.r.bytes, r.bytes);
                r.verified = 0;
            }
        }
    } else {
        receive(sd, &r, -1, 0);
        if (o.abort_after && !r.aborted && r.bytes >= o.abort_after && !r.error[0] &&
            r.bytes < o.bytes) {
            abort_assoc(sd);
            we_aborted = r.aborted = 1;
        } else {
            if (!r.aborted)
                wait_shutdown_comp(sd, &r);
            mpsctp_close(sd);
        }
    }
    r.seconds = now_s() - t0;
    /* Stay up a little: late packets of the peer are seen (and answered) by the stack. */
    sleep_ms((unsigned)(o.linger_ms >= 0 ? o.linger_ms : we_aborted ? 1000 : 300));
    mpsctp_stack_stats_get(st, &ss);
    mpsctp_stack_free(st);
    if (tr.pcap && mpsctp_pcap_close(tr.pcap) != 0 && !r.error[0])
        snprintf(r.error, sizeof(r.error), "writing %s failed", o.pcap_path);
    tr.pcap = NULL;
    check_wire(&r, &ss);
    if (r.aborted && !o.expect_abort && !o.abort_after && !r.error[0])
        snprintf(r.error, sizeof(r.error), "the association was aborted");
    if (!r.aborted && !r.shutdown_comp && !r.error[0])
        snprintf(r.error, sizeof(r.error), "no SCTP_SHUTDOWN_COMP");
    ok = !r.error[0] && r.verified != 0 && (!r.aborted || o.expect_abort || o.abort_after);
    print_result(&r, &ss);
    return ok ? 0 : 1;
}
