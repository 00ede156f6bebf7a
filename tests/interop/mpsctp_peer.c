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
 *       [--sched fcfs|rr|rrp|prio] [--ssvalue SID:VALUE[,...]] [--order-stats]
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
#include <poll.h>
#include <unistd.h>

#include <mpsctp/socket.h>

#include "peer_common.h"
#include "mpsctp_pcap.h"

#define MAX_MSG PEER_MAX_MSG

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

static peer_opts o;
static int receiver_role;

/* ---- multihoming -------------------------------------------------------------------- */

static void sleep_ms(unsigned ms);

static const char *spc_state_name(uint32_t st)
{
    static const char *n[] = {"AVAILABLE", "UNREACHABLE", "REMOVED", "ADDED",
                              "MADE_PRIM", "CONFIRMED", "POTENTIALLY_FAILED"};
    return st < 7 ? n[st] : "OTHER";
}

static const char *spinfo_state_name(int32_t st)
{
    return st == SCTP_ACTIVE ? "ACTIVE" : st == SCTP_PF ? "PF" : st == SCTP_INACTIVE ? "INACTIVE"
           : st == SCTP_UNCONFIRMED ? "UNCONFIRMED" : "OTHER";
}

/* The state of every peer address into list; returns 1 when all are active. */
static int paddr_snapshot(int sd, char *list, size_t cap)
{
    struct sockaddr *addrs = NULL;
    int n = mpsctp_getpaddrs(sd, 0, &addrs), all = n > 0;
    const uint8_t *q = (const uint8_t *)addrs;
    list[0] = 0;
    for (int i = 0; i < n; i++, q += sizeof(struct sockaddr_in)) {
        struct sctp_paddrinfo pi;
        socklen_t l = sizeof(pi);
        char t[64];
        memset(&pi, 0, sizeof(pi));
        memcpy(&pi.spinfo_address, q, sizeof(struct sockaddr_in));
        if (mpsctp_getsockopt(sd, IPPROTO_SCTP, SCTP_GET_PEER_ADDR_INFO, &pi, &l) != 0)
            pi.spinfo_state = -1;
        peer_paddr_state(list, cap, peer_addr_text(q, t, sizeof(t)), spinfo_state_name(pi.spinfo_state));
        all &= pi.spinfo_state == SCTP_ACTIVE;
    }
    mpsctp_freepaddrs(addrs);
    return all;
}

/* --wait-confirm: until every peer address is confirmed and active; then the snapshot. */
static void wait_confirmed(int sd, peer_result *r)
{
    double until = peer_now_s() + o.wait_confirm_ms / 1000.0;
    while (!paddr_snapshot(sd, r->paddrs_start, sizeof(r->paddrs_start)) && peer_now_s() < until)
        sleep_ms(20);
}

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

typedef peer_result result;

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

/* The fields after the common ones (peer_print_result). */
static void print_extra(const result *r, void *user)
{
    const mpsctp_stack_stats *ss = user;
    printf(",\"comm_lost\":%s,\"econnreset\":%s,\"shutdown_comp\":%s",
           r->comm_lost ? "true" : "false", r->econnreset ? "true" : "false",
           r->shutdown_comp ? "true" : "false");
    print_chunks(1);
    print_chunks(0);
    printf(",\"dropped_checksum\":%" PRIu64 ",\"dropped_malformed\":%" PRIu64
           ",\"dropped_not_ours\":%" PRIu64,
           ss->dropped_checksum, ss->dropped_malformed, ss->dropped_not_ours);
}

static void print_result(const result *r, const mpsctp_stack_stats *ss)
{
    peer_print_result(&o, "mpsctp", r, print_extra, (void *)ss);
}

/* ---- receiving -------------------------------------------------------------------- */

#define IDATA_CHUNK (1u << 17) /* --idata: the most one read takes */

typedef struct rx {
    uint8_t *msg; /* the message being assembled */
    size_t have;
    struct sctp_rcvinfo info;
    /* --idata: a piece as read, and the messages being assembled */
    uint8_t *chunk;
    peer_gather gather;
    peer_verify v;
    int eof, lost;
} rx;

/* Checks one complete message; echo: sends it back on echo_sd. */
static void rx_message(rx *x, result *r, int echo_sd)
{
    size_t len = x->have;
    int unordered = (x->info.rcv_flags & SCTP_UNORDERED) != 0;
    uint64_t g = peer_check_message(&o, &x->v, r, x->msg, len, x->info.rcv_sid,
                                    x->info.rcv_ppid, unordered);

    if (o.reconf && !unordered)
        peer_reconf_ssn(r, x->info.rcv_sid, x->info.rcv_ssn);
    if (echo_sd >= 0) {
        struct sctp_sndinfo si;
        struct iovec iov = {x->msg, len};
        memset(&si, 0, sizeof(si));
        si.snd_sid = x->info.rcv_sid;
        si.snd_ppid = x->info.rcv_ppid;
        si.snd_flags = unordered ? SCTP_UNORDERED : 0;
        if (mpsctp_sendv(echo_sd, &iov, 1, NULL, 0, &si, sizeof(si), SCTP_SENDV_SNDINFO, 0) !=
            (ssize_t)len)
            peer_fail(r, "echo of message %" PRIu64 " failed (errno %" PRIu64 ")", g,
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
    if (n->sn_header.sn_type == SCTP_STREAM_RESET_EVENT ||
        n->sn_header.sn_type == SCTP_STREAM_CHANGE_EVENT)
        peer_reconf_event(r, n->sn_header.sn_type == SCTP_STREAM_CHANGE_EVENT, buf, len);
    if (n->sn_header.sn_type == SCTP_SEND_FAILED_EVENT &&
        len >= sizeof(struct sctp_send_failed_event))
        peer_abandoned(&o, r, n->sn_send_failed_event.ssfe_info.snd_sid,
                       n->sn_send_failed_event.ssfe_info.snd_ppid);
    if (n->sn_header.sn_type == SCTP_PEER_ADDR_CHANGE && len >= sizeof(struct sctp_paddr_change)) {
        struct sctp_paddr_change pc;
        char t[64];
        memcpy(&pc, buf, sizeof(pc));
        peer_path_event(r, peer_addr_text(&pc.spc_aaddr, t, sizeof(t)), spc_state_name(pc.spc_state));
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
    if (!x || !(x->msg = malloc(MAX_MSG)) ||
        (o.idata && (!(x->chunk = malloc(IDATA_CHUNK)) || peer_gather_init(&o, &x->gather)))) {
        peer_fail(r, "out of memory%" PRIu64 "%" PRIu64, 0, 0);
        if (x) {
            free(x->msg);
            free(x->chunk);
        }
        free(x);
        return;
    }
    peer_verify_init(&o, &x->v);
    for (;;) {
        struct sctp_rcvinfo info;
        socklen_t infolen = sizeof(info);
        unsigned int infotype = 0;
        int flags = 0;
        struct iovec iov = {x->msg + x->have, MAX_MSG - x->have};
        ssize_t n;
        if (o.idata)
            iov = (struct iovec){x->chunk, IDATA_CHUNK};

        if (stop_bytes && r->bytes >= stop_bytes)
            break;
        if (x->have == MAX_MSG) {
            peer_fail(r, "message longer than %" PRIu64 " bytes%" PRIu64, MAX_MSG, 0);
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
                peer_fail(r, "recv failed (errno %" PRIu64 ")%" PRIu64, (uint64_t)errno, 0);
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
            memcpy(note, o.idata ? x->chunk : x->msg + x->have, k);
            rx_notification(x, r, note, k);
            if (x->lost)
                break;
            continue;
        }
        if (o.idata) {
            uint8_t *keep = x->msg;
            int k = peer_gather_add(&x->gather, r, infotype == SCTP_RECVV_RCVINFO,
                                    info.rcv_sid, x->chunk, (size_t)n,
                                    (flags & MSG_EOR) != 0, &x->msg, &x->have);
            if (k < 0)
                break;
            if (k > 0) {
                x->info = info;
                rx_message(x, r, echo_sd);
                x->msg = keep;
                x->have = 0;
            }
            continue;
        }
        if (x->have == 0) {
            if (infotype != SCTP_RECVV_RCVINFO) {
                peer_fail(r, "no sctp_rcvinfo with a message (infotype %" PRIu64 ")%" PRIu64,
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
    if (!stop_bytes && !(o.abort_after && receiver_role))
        peer_check_total(&o, r);
    peer_verify_free(&x->v);
    peer_gather_free(&x->gather);
    free(x->chunk);
    free(x->msg);
    free(x);
}

/* After the transfer: waits (up to 10 s) for SCTP_SHUTDOWN_COMP, or for the loss of the
 * association. EOF is not the end: the shutdown completes after it. */
static void wait_shutdown_comp(int sd, result *r)
{
    uint8_t buf[2048];
    double until = peer_now_s() + 10;
    while (!r->shutdown_comp && !r->aborted && peer_now_s() < until) {
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
            peer_fail(r, "%" PRIu64 " bytes of data after the end of the transfer%" PRIu64,
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
    double t0 = peer_now_s();
    if (!buf)
        return -1;
    for (uint64_t g = 0; g < o.nmsgs; g++) {
        uint32_t s = (uint32_t)(g % o.streams), m = (uint32_t)(g / o.streams);
        uint32_t len = peer_msg_len(&o, g);
        struct sctp_sndinfo si;
        struct iovec iov = {buf, len};
        ssize_t n;
        memset(&si, 0, sizeof(si));
        si.snd_sid = (uint16_t)s;
        si.snd_ppid = htonl(m);
        si.snd_flags = o.unordered ? SCTP_UNORDERED : 0;
        interop_fill(buf, len, s, m, 0);
        /* --pr: the policy; prio VALUE: message g gets priority g mod VALUE */
        struct sctp_sendv_spa spa;
        memset(&spa, 0, sizeof(spa));
        spa.sendv_flags = SCTP_SEND_SNDINFO_VALID | SCTP_SEND_PRINFO_VALID;
        spa.sendv_sndinfo = si;
        spa.sendv_prinfo.pr_policy = o.pr == PEER_PR_TTL    ? SCTP_PR_SCTP_TTL
                                     : o.pr == PEER_PR_RTX  ? SCTP_PR_SCTP_RTX
                                     : o.pr == PEER_PR_PRIO ? SCTP_PR_SCTP_PRIO
                                                            : SCTP_PR_SCTP_NONE;
        spa.sendv_prinfo.pr_value =
            o.pr == PEER_PR_PRIO ? (uint32_t)(g % (o.pr_value ? o.pr_value : 1)) : o.pr_value;
        do
            n = o.pr ? mpsctp_sendv(sd, &iov, 1, NULL, 0, &spa, sizeof(spa), SCTP_SENDV_SPA, 0)
                     : mpsctp_sendv(sd, &iov, 1, NULL, 0, &si, sizeof(si), SCTP_SENDV_SNDINFO,
                                    0);
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
        peer_sent(&o, r, sent, t0);
        if (o.abort_after && sent >= o.abort_after)
            break;
    }
    free(buf);
    return 0;
}

/* ---- --reconf: the sender's side (peer_common.h) ------------------------------------ */

/* Sends count messages round robin over sids[0..nsids), each stream numbering its
 * messages on in m[]. */
static int reconf_phase(int sd, result *r, uint32_t *m, const uint16_t *sids, uint32_t nsids,
                        uint32_t count, uint8_t *buf)
{
    uint32_t len = interop_size(&o.sizes, 0);
    for (uint32_t i = 0; i < count; i++) {
        uint16_t s = sids[i % nsids];
        struct sctp_sndinfo si = {.snd_sid = s, .snd_ppid = htonl(m[s])};
        struct iovec iov = {buf, len};
        interop_fill(buf, len, s, m[s], 0);
        ssize_t n;
        do
            n = mpsctp_sendv(sd, &iov, 1, NULL, 0, &si, sizeof(si), SCTP_SENDV_SNDINFO, 0);
        while (n < 0 && errno == EINTR);
        if (n != (ssize_t)len) {
            snprintf(r->error, sizeof(r->error), "send on stream %u returned %zd (errno %d)",
                     s, n, errno);
            return -1;
        }
        m[s]++;
        r->messages++;
        r->bytes += len;
    }
    return 0;
}

/* Reads notifications until one of type arrives. */
static int reconf_wait(int sd, result *r, uint16_t type)
{
    uint8_t buf[1024];
    for (;;) {
        struct iovec iov = {buf, sizeof(buf)};
        int flags = 0;
        ssize_t n = mpsctp_recvv(sd, &iov, 1, NULL, NULL, NULL, NULL, NULL, &flags);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            snprintf(r->error, sizeof(r->error), "waiting for event %#x: errno %d", type, errno);
            return -1;
        }
        if (!(flags & MSG_NOTIFICATION))
            continue;
        rx x;
        memset(&x, 0, sizeof(x));
        rx_notification(&x, r, buf, (size_t)n);
        if (x.lost) {
            r->aborted = 1;
            return -1;
        }
        if (((const struct sctp_tlv *)buf)->sn_type == type)
            return r->error[0] ? -1 : 0;
    }
}

/* Runs a reconfiguration option until it is accepted: while a request is outstanding
 * it is EINPROGRESS, before the association is established ENOTCONN. */
static int reconf_set(int sd, result *r, int name, const void *v, socklen_t len)
{
    for (int i = 0; i < 1000; i++) {
        if (mpsctp_setsockopt(sd, IPPROTO_SCTP, name, v, len) == 0)
            return 0;
        if (errno != EINPROGRESS && errno != EAGAIN && errno != ENOTCONN)
            break;
        sleep_ms(10);
    }
    snprintf(r->error, sizeof(r->error), "reconfiguration option %d: errno %d", name, errno);
    return -1;
}

static int reconf_send(int sd, result *r)
{
    uint8_t *buf = malloc(interop_size(&o.sizes, 0) + 1);
    uint32_t *m = calloc(PEER_MAX_STREAMS, sizeof(*m));
    int rc = -1;
    if (!buf || !m)
        goto out;
    const uint16_t four[] = {0, 1, 2, 3};
    if (reconf_phase(sd, r, m, four, 4, RECONF_PHASE1, buf))
        goto out;
    uint8_t rsb[sizeof(struct sctp_reset_streams) + 2 * sizeof(uint16_t)];
    struct sctp_reset_streams *rs = (struct sctp_reset_streams *)rsb;
    memset(rsb, 0, sizeof(rsb));
    rs->srs_flags = SCTP_STREAM_RESET_OUTGOING;
    rs->srs_number_streams = 2;
    rs->srs_stream_list[0] = 1;
    rs->srs_stream_list[1] = 2;
    if (reconf_set(sd, r, SCTP_RESET_STREAMS, rs, sizeof(rsb)) ||
        reconf_wait(sd, r, SCTP_STREAM_RESET_EVENT))
        goto out;
    struct sctp_add_streams as = {.sas_outstrms = RECONF_ADD};
    if (reconf_set(sd, r, SCTP_ADD_STREAMS, &as, sizeof(as)) ||
        reconf_wait(sd, r, SCTP_STREAM_CHANGE_EVENT))
        goto out;
    uint16_t six[4 + RECONF_ADD] = {0, 1, 2, 3};
    for (uint32_t i = 0; i < RECONF_ADD; i++)
        six[4 + i] = (uint16_t)(r->rc_out - RECONF_ADD + i);
    struct sctp_add_streams ai = {.sas_instrms = RECONF_ADD};
    if (reconf_set(sd, r, SCTP_ADD_STREAMS, &ai, sizeof(ai)) ||
        reconf_wait(sd, r, SCTP_STREAM_CHANGE_EVENT))
        goto out;
    rc = reconf_phase(sd, r, m, six, 4 + RECONF_ADD, RECONF_PHASE2, buf);
out:
    if (rc && !r->error[0] && !r->aborted)
        snprintf(r->error, sizeof(r->error), "out of memory");
    free(buf);
    free(m);
    return rc;
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

typedef struct note_reader {
    int sd;
    result *r;
    volatile double until; /* set once the transfer is over */
} note_reader;

/* Reads notifications (the sender gets no data) until SHUTDOWN COMPLETE, the loss of the
 * association, or the deadline set after the transfer. */
static void *note_reader_main(void *arg)
{
    note_reader *nr = arg;
    uint8_t buf[2048];
    while (!nr->r->shutdown_comp && !nr->r->aborted &&
           (nr->until == 0 || peer_now_s() < nr->until)) {
        struct pollfd p = {.fd = nr->sd, .events = POLLIN};
        if (poll(&p, 1, 100) <= 0)
            continue;
        int flags = MSG_DONTWAIT;
        struct iovec iov = {buf, sizeof(buf)};
        ssize_t n = mpsctp_recvv(nr->sd, &iov, 1, NULL, NULL, NULL, NULL, NULL, &flags);
        if (n < 0) {
            if (errno == EAGAIN || errno == EINTR)
                continue;
            if (errno == ECONNRESET)
                nr->r->econnreset = nr->r->aborted = 1;
            break;
        }
        if (n == 0) {
            sleep_ms(5);
            continue;
        }
        if (flags & MSG_NOTIFICATION) {
            rx x;
            memset(&x, 0, sizeof(x));
            rx_notification(&x, nr->r, buf, (size_t)n);
            if (x.lost)
                nr->r->aborted = 1;
        }
    }
    return NULL;
}

/* ---- set-up ----------------------------------------------------------------------- */

static int set_common(int sd, result *r)
{
    int v = (int)o.buf, on = 1;
    struct sctp_initmsg im;
    /* SEND_FAILED only with --pr (abandoned messages): a peer's ABORT fails every
     * queued message, and those notifications would bury the ECONNRESET behind them */
    static const uint16_t types[] = {SCTP_ASSOC_CHANGE, SCTP_SHUTDOWN_EVENT,
                                     SCTP_PEER_ADDR_CHANGE, SCTP_SEND_FAILED_EVENT};
    size_t ntypes = sizeof(types) / sizeof(types[0]) - (o.pr ? 0 : 1);

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
    for (size_t i = 0; i < ntypes; i++) {
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
    if (o.rto_min) {
        struct sctp_rtoinfo ri = {.srto_assoc_id = SCTP_FUTURE_ASSOC, .srto_min = o.rto_min,
                                  .srto_initial = o.rto_initial, .srto_max = o.rto_max};
        if (mpsctp_setsockopt(sd, IPPROTO_SCTP, SCTP_RTOINFO, &ri, sizeof(ri)) != 0) {
            snprintf(r->error, sizeof(r->error), "SCTP_RTOINFO: errno %d", errno);
            return -1;
        }
    }
    if (o.assoc_max_retrans) {
        struct sctp_assocparams ap;
        memset(&ap, 0, sizeof(ap));
        ap.sasoc_assoc_id = SCTP_FUTURE_ASSOC;
        ap.sasoc_asocmaxrxt = (uint16_t)o.assoc_max_retrans;
        if (mpsctp_setsockopt(sd, IPPROTO_SCTP, SCTP_ASSOCINFO, &ap, sizeof(ap)) != 0) {
            snprintf(r->error, sizeof(r->error), "SCTP_ASSOCINFO: errno %d", errno);
            return -1;
        }
    }
    if (o.hb_interval || o.path_max_retrans) {
        struct sctp_paddrparams pp;
        memset(&pp, 0, sizeof(pp));
        pp.spp_assoc_id = SCTP_FUTURE_ASSOC;
        pp.spp_flags = o.hb_interval ? SPP_HB_ENABLE : 0;
        pp.spp_hbinterval = o.hb_interval;
        pp.spp_pathmaxrxt = (uint16_t)o.path_max_retrans;
        if (mpsctp_setsockopt(sd, IPPROTO_SCTP, SCTP_PEER_ADDR_PARAMS, &pp, sizeof(pp)) != 0) {
            snprintf(r->error, sizeof(r->error), "SCTP_PEER_ADDR_PARAMS: errno %d", errno);
            return -1;
        }
    }
    if (o.idata) {
        int level = 2;
        struct sctp_assoc_value av = {.assoc_id = SCTP_FUTURE_ASSOC, .assoc_value = 1};
        if (mpsctp_setsockopt(sd, IPPROTO_SCTP, SCTP_FRAGMENT_INTERLEAVE, &level,
                              sizeof(level)) != 0 ||
            mpsctp_setsockopt(sd, IPPROTO_SCTP, SCTP_INTERLEAVING_SUPPORTED, &av,
                              sizeof(av)) != 0) {
            snprintf(r->error, sizeof(r->error), "I-DATA options: errno %d", errno);
            return -1;
        }
    }
    if (o.cmt >= 0) {
        struct sctp_assoc_value av = {.assoc_id = SCTP_FUTURE_ASSOC,
                                      .assoc_value = (uint32_t)o.cmt};
        if (mpsctp_setsockopt(sd, IPPROTO_SCTP, SCTP_CMT_ON_OFF, &av, sizeof(av)) != 0) {
            snprintf(r->error, sizeof(r->error), "SCTP_CMT_ON_OFF %d: errno %d", o.cmt, errno);
            return -1;
        }
    }
    if (o.reconf) {
        /* The peer may reset our inbound streams and add streams; both events on. */
        struct sctp_assoc_value av = {.assoc_id = SCTP_FUTURE_ASSOC,
                                      .assoc_value = SCTP_ENABLE_RESET_STREAM_REQ |
                                                     SCTP_ENABLE_CHANGE_ASSOC_REQ};
        static const uint16_t rt[] = {SCTP_STREAM_RESET_EVENT, SCTP_STREAM_CHANGE_EVENT};
        if (mpsctp_setsockopt(sd, IPPROTO_SCTP, SCTP_ENABLE_STREAM_RESET, &av, sizeof(av))) {
            snprintf(r->error, sizeof(r->error), "SCTP_ENABLE_STREAM_RESET: errno %d", errno);
            return -1;
        }
        for (size_t i = 0; i < 2; i++) {
            struct sctp_event ev = {.se_assoc_id = SCTP_FUTURE_ASSOC, .se_type = rt[i],
                                    .se_on = 1};
            if (mpsctp_setsockopt(sd, IPPROTO_SCTP, SCTP_EVENT, &ev, sizeof(ev)) != 0) {
                snprintf(r->error, sizeof(r->error), "SCTP_EVENT: errno %d", errno);
                return -1;
            }
        }
    }
    return 0;
}

/* --sched and --ssvalue on the association of sd (SCTP_STREAM_SCHEDULER,
 * SCTP_STREAM_SCHEDULER_VALUE). Returns 0, or -1 with r->error set. */
static int apply_sched(int sd, result *r)
{
    static const uint32_t ids[] = {[PEER_SS_FCFS] = SCTP_SS_FCFS, [PEER_SS_RR] = SCTP_SS_RR,
                                   [PEER_SS_RR_PKT] = SCTP_SS_RR_PKT,
                                   [PEER_SS_PRIO] = SCTP_SS_PRIO};
    if (o.sched >= 0) {
        struct sctp_assoc_value av = {.assoc_id = 0, .assoc_value = ids[o.sched]};
        if (mpsctp_setsockopt(sd, IPPROTO_SCTP, SCTP_STREAM_SCHEDULER, &av, sizeof(av)) != 0) {
            snprintf(r->error, sizeof(r->error), "SCTP_STREAM_SCHEDULER: errno %d", errno);
            return -1;
        }
    }
    for (int i = 0; i < o.nssvalue; i++) {
        struct sctp_stream_value sv = {.assoc_id = 0, .stream_id = o.ssvalue[i].sid,
                                       .stream_value = o.ssvalue[i].value};
        if (mpsctp_setsockopt(sd, IPPROTO_SCTP, SCTP_STREAM_SCHEDULER_VALUE, &sv,
                              sizeof(sv)) != 0) {
            snprintf(r->error, sizeof(r->error), "SCTP_STREAM_SCHEDULER_VALUE: errno %d",
                     errno);
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
    if (o.local_addrs) {
        struct sockaddr_in la[PEER_MAX_ADDRS];
        int n = peer_parse_addrs(o.local_addrs, la, PEER_MAX_ADDRS, o.server ? o.port : 0);
        if (mpsctp_bindx(sd, (struct sockaddr *)la, n, SCTP_BINDX_ADD_ADDR) != 0) {
            snprintf(r->error, sizeof(r->error), "bindx %s: errno %d", o.local_addrs, errno);
            mpsctp_close(sd);
            return -1;
        }
    }
    if (o.server) {
        int c;
        sin.sin_addr.s_addr = htonl(INADDR_ANY);
        if ((!o.local_addrs && mpsctp_bind(sd, (struct sockaddr *)&sin, sizeof(sin)) != 0) ||
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
    struct sockaddr_in pa[PEER_MAX_ADDRS];
    int npa = peer_parse_addrs(o.addr, pa, PEER_MAX_ADDRS, o.port);
    struct sctp_udpencaps ue;
    memset(&ue, 0, sizeof(ue));
    ue.sue_assoc_id = SCTP_FUTURE_ASSOC;
    ue.sue_port = htons(o.remote_udp_port);
    if (mpsctp_setsockopt(sd, IPPROTO_SCTP, SCTP_REMOTE_UDP_ENCAPS_PORT, &ue, sizeof(ue)) != 0) {
        snprintf(r->error, sizeof(r->error), "SCTP_REMOTE_UDP_ENCAPS_PORT: errno %d", errno);
        mpsctp_close(sd);
        return -1;
    }
    if (mpsctp_connectx(sd, (struct sockaddr *)pa, npa, NULL) != 0) {
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

    peer_parse(&o, argc, argv, "mpsctp_peer", PEER_OPTS_MPSCTP);
    if (o.pr == PEER_PR_BUF && (o.server ? o.reverse : !o.reverse)) {
        fprintf(stderr, "mpsctp_peer: --pr buf is usrsctp's policy (mpsctp has prio)\n");
        peer_usage();
    }
    peer_arm_timeout(&o);
    peer_result_init(&o, &r);
    memset(&ss, 0, sizeof(ss));

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
    if (apply_sched(sd, &r) != 0) {
        r.verified = o.verify ? 0 : -1;
        mpsctp_close(sd);
        mpsctp_stack_stats_get(st, &ss);
        mpsctp_stack_free(st);
        mpsctp_pcap_close(tr.pcap);
        print_result(&r, &ss);
        return 1;
    }
    if (o.cmt >= 0) {
        struct sctp_assoc_value av;
        socklen_t len = sizeof(av);
        memset(&av, 0, sizeof(av));
        r.cmt = mpsctp_getsockopt(sd, IPPROTO_SCTP, SCTP_CMT_ON_OFF, &av, &len) == 0
                    ? (int)av.assoc_value : -1;
    }
    if (o.idata) {
        struct sctp_assoc_value av;
        socklen_t len = sizeof(av);
        memset(&av, 0, sizeof(av));
        r.idata = mpsctp_getsockopt(sd, IPPROTO_SCTP, SCTP_INTERLEAVING_SUPPORTED, &av,
                                    &len) == 0 ? (int)av.assoc_value : -1;
    }
    if (o.wait_confirm_ms)
        wait_confirmed(sd, &r);
    if (o.idle_ms)
        sleep_ms(o.idle_ms);
    t0 = peer_now_s();
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
        peer_result_init(&o, &er.r);
        if (o.echo && pthread_create(&th, NULL, echo_reader_main, &er) != 0) {
            snprintf(r.error, sizeof(r.error), "pthread_create failed");
            o.echo = 0;
        }
        /* Multihoming: a reader takes the notifications (and their times) during the
         * transfer, until SHUTDOWN COMPLETE or 10 s after the shutdown. */
        note_reader nr = {.sd = sd, .r = &r};
        int early = (o.local_addrs || o.pr) && !o.echo;
        if (early && pthread_create(&th, NULL, note_reader_main, &nr) != 0)
            early = 0;
        rc = o.reconf ? reconf_send(sd, &r) : send_all(sd, &r);
        if (o.local_addrs)
            paddr_snapshot(sd, r.paddrs_end, sizeof(r.paddrs_end));
        if (o.echo)
            pthread_join(th, NULL);
        if (early) {
            if (rc == 0 && mpsctp_shutdown(sd, SHUT_WR) != 0 && !r.error[0])
                snprintf(r.error, sizeof(r.error), "shutdown: errno %d", errno);
            nr.until = peer_now_s() + 10;
            pthread_join(th, NULL);
            mpsctp_close(sd);
        } else if (rc == 0 && o.abort_after && r.bytes < o.bytes) {
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
        if (o.echo)
            peer_merge_echo(&r, &er.r);
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
    r.seconds = peer_now_s() - t0;
    /* Stay up a little: late packets of the peer are seen (and answered) by the stack. */
    sleep_ms((unsigned)(o.linger_ms >= 0 ? o.linger_ms
                        : we_aborted ? 1000
                        : o.pr       ? 3000 /* under loss: answer a late SHUTDOWN ACK */
                                     : 300));
    mpsctp_stack_stats_get(st, &ss);
    mpsctp_stack_free(st);
    if (tr.pcap && mpsctp_pcap_close(tr.pcap) != 0 && !r.error[0])
        snprintf(r.error, sizeof(r.error), "writing %s failed", o.pcap_path);
    tr.pcap = NULL;
    check_wire(&r, &ss);
    peer_note_abort(&o, &r);
    if (!r.aborted && !r.shutdown_comp && !r.error[0])
        snprintf(r.error, sizeof(r.error), "no SCTP_SHUTDOWN_COMP");
    ok = peer_ok(&o, &r);
    print_result(&r, &ss);
    return ok ? 0 : 1;
}
