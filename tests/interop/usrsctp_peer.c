/*
 * usrsctp_peer: the usrsctp side of the interop tests (and of the loopback goodput
 * benchmark), built on Debian's libusrsctp over UDP encapsulation (RFC 6951).
 *
 *   usrsctp_peer --server SCTPPORT | --client ADDR SCTPPORT
 *       [--udp-port P] [--remote-udp-port R] [--bytes N]
 *       [--msg-size M | --msg-sizes LO..HI] [--streams K] [--unordered]
 *       [--reverse] [--echo] [--abort-after N] [--expect-abort]
 *       [--hb-interval MS] [--buf B] [--timeout S] [--no-verify]
 *       [--sched fcfs|rr|rrp|prio] [--ssvalue SID:VALUE[,...]] [--order-stats]
 *
 * One association: the client connects, the server accepts one and serves it. By
 * default the client sends and the server receives; --reverse swaps the roles. With
 * --echo the server sends every message back as it arrived (same stream, PPID and
 * ordering) and the client checks the echoed bytes. Data follows interop_pattern.h and
 * the receiver checks every byte (--no-verify: count only). The sender ends with a
 * graceful shutdown. --abort-after N: the side moving data aborts (ABORT) once N bytes
 * have passed; the other side then succeeds only with --expect-abort.
 *
 * UDP ports: --udp-port is this process's encapsulation port (default: 9899 for a
 * server, 9900 for a client, so both fit on one host), --remote-udp-port the peer's
 * (default 9899; a server learns it from the INIT). usrsctp skips CRC32c checks on
 * loopback unless sctp_no_csum_on_loopback is 0: it is set to 0 here.
 *
 * --cmt N: Concurrent Multipath Transfer in mode N (0..4). usrsctp refuses the socket
 * option SCTP_CMT_ON_OFF unless its process-wide sysctl sctp_cmt_on_off is non-zero:
 * the sysctl is set to 1 first, then the option on the socket before
 * listen/connect; the JSON line gets "cmt" (the association's value, read back).
 *
 * --idata: message interleaving (RFC 8260): SCTP_FRAGMENT_INTERLEAVE 2 and
 * SCTP_INTERLEAVING_SUPPORTED (0x1206, not in Debian's usrsctp.h of 0.9.5, which handles
 * it) on the socket before listen/connect; the JSON line gets "idata" (the association's
 * value read back), and received pieces are gathered per stream.
 *
 * --sched NAME and --ssvalue: the stream scheduler (usrsctp's SCTP_PLUGGABLE_SS ids
 * SCTP_SS_FIRST_COME, SCTP_SS_ROUND_ROBIN, SCTP_SS_ROUND_ROBIN_PACKET, SCTP_SS_PRIORITY)
 * and stream values (SCTP_SS_VALUE), set once the association is up. --order-stats: the
 * JSON line gets "order" (peer_common.h: longest run of one stream, the stream that
 * finished first, messages after it).
 *
 * Output: one JSON line
 *   {"role":"client","impl":"usrsctp","bytes":N,"messages":M,"seconds":S,
 *    "goodput_bps":G,"verified":true|false|null,"aborted":false,"data_chunks_sent":D,
 *    "retransmissions":R,"fast_retransmissions":F,"t3_timeouts":T}
 * (the last four: usrsctp's own counters, usrsctp_get_stat: DATA chunks sent, chunks
 * retransmitted (all, then fast retransmissions among them) and T3-rtx expiries)
 * and exit status 0 on success, 1 on failure (refused, aborted unexpectedly, wrong
 * data, wrong size), 2 on bad usage, 3 on timeout.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <usrsctp.h>

#include "peer_common.h"

#define CHUNK (64 * 1024)
/* The option number of FreeBSD's netinet/sctp.h, which usrsctp handles but its public
 * header does not name. */
#ifndef SCTP_CMT_ON_OFF
#define SCTP_CMT_ON_OFF 0x00001200
#endif
#define MAX_MSG PEER_MAX_MSG
#ifndef SCTP_INTERLEAVING_SUPPORTED
#define SCTP_INTERLEAVING_SUPPORTED 0x00001206 /* struct sctp_assoc_value */
#endif

typedef peer_result result;

static peer_opts o;
static int receiver_role; /* this side receives the transfer */
static result *events_to; /* where SCTP_PEER_ADDR_CHANGE events are recorded */

/* ---- multihoming -------------------------------------------------------------------- */

static const char *spc_state_name(uint32_t st)
{
    switch (st) {
    case SCTP_ADDR_AVAILABLE: return "AVAILABLE";
    case SCTP_ADDR_UNREACHABLE: return "UNREACHABLE";
    case SCTP_ADDR_REMOVED: return "REMOVED";
    case SCTP_ADDR_ADDED: return "ADDED";
    case SCTP_ADDR_MADE_PRIM: return "MADE_PRIM";
    case SCTP_ADDR_CONFIRMED: return "CONFIRMED";
    default: return "OTHER";
    }
}

static const char *spinfo_state_name(int32_t st)
{
    if (st & SCTP_UNCONFIRMED)
        return "UNCONFIRMED";
    return st == SCTP_ACTIVE ? "ACTIVE" : st == SCTP_INACTIVE ? "INACTIVE" : "OTHER";
}

/* The state of every peer address into list; returns 1 when all are confirmed and
 * active. */
static int paddr_snapshot(struct socket *s, char *list, size_t cap)
{
    struct sockaddr *addrs = NULL;
    int n = usrsctp_getpaddrs(s, 0, &addrs), all = n > 0;
    const uint8_t *q = (const uint8_t *)addrs;
    list[0] = 0;
    for (int i = 0; i < n; i++) {
        struct sctp_paddrinfo pi;
        socklen_t l = sizeof(pi);
        char t[64];
        size_t sl = ((const struct sockaddr *)q)->sa_family == AF_INET6
                        ? sizeof(struct sockaddr_in6) : sizeof(struct sockaddr_in);
        memset(&pi, 0, sizeof(pi));
        memcpy(&pi.spinfo_address, q, sl);
        if (usrsctp_getsockopt(s, IPPROTO_SCTP, SCTP_GET_PEER_ADDR_INFO, &pi, &l) != 0)
            pi.spinfo_state = -1;
        peer_paddr_state(list, cap, peer_addr_text(q, t, sizeof(t)), spinfo_state_name(pi.spinfo_state));
        all &= pi.spinfo_state == SCTP_ACTIVE;
        q += sl;
    }
    if (n > 0)
        usrsctp_freepaddrs(addrs);
    return all;
}

/* --wait-confirm: until every peer address is confirmed and active; then the snapshot. */
static void wait_confirmed(struct socket *s, result *r)
{
    double until = peer_now_s() + o.wait_confirm_ms / 1000.0;
    while (!paddr_snapshot(s, r->paddrs_start, sizeof(r->paddrs_start)) && peer_now_s() < until)
        usleep(20000);
}

/* The fields after the common ones: the stack's counters (usrsctp_get_stat: process-wide,
 * and this process serves one association). */
static void print_extra(const result *r, void *user)
{
    struct sctpstat st;
    (void)r;
    (void)user;
    memset(&st, 0, sizeof(st));
    usrsctp_get_stat(&st);
    printf(",\"data_chunks_sent\":%" PRIu32 ",\"retransmissions\":%" PRIu32
           ",\"fast_retransmissions\":%" PRIu32 ",\"t3_timeouts\":%" PRIu32,
           st.sctps_senddata, st.sctps_sendretransdata, st.sctps_sendfastretrans,
           st.sctps_timodata);
}

static void print_result(const result *r)
{
    peer_print_result(&o, "usrsctp", r, print_extra, NULL);
}

/* ---- receiving -------------------------------------------------------------------- */

/* --reconf: where stream reset and stream change events are recorded */
static result *reconf_to;

typedef struct rx {
    uint8_t *msg;      /* the message being assembled */
    size_t have;
    int have_info;
    struct sctp_rcvinfo info;
    peer_gather gather; /* --idata */
    peer_verify v;
    int eof, lost, shutdown_comp;
} rx;

/* Checks one complete message; echo: sends it back on sock. */
static void rx_message(rx *x, result *r, struct socket *echo_sock)
{
    size_t len = x->have;
    int unordered = (x->info.rcv_flags & SCTP_UNORDERED) != 0;
    uint64_t g = peer_check_message(&o, &x->v, r, x->msg, len, x->info.rcv_sid,
                                    x->info.rcv_ppid, unordered);

    if (o.reconf && !unordered)
        peer_reconf_ssn(r, x->info.rcv_sid, x->info.rcv_ssn);
    if (echo_sock) {
        struct sctp_sndinfo si;
        memset(&si, 0, sizeof(si));
        si.snd_sid = x->info.rcv_sid;
        si.snd_ppid = x->info.rcv_ppid;
        si.snd_flags = unordered ? SCTP_UNORDERED : 0;
        if (usrsctp_sendv(echo_sock, x->msg, len, NULL, 0, &si, sizeof(si),
                          SCTP_SENDV_SNDINFO, 0) != (ssize_t)len)
            peer_fail(r, "echo of message %" PRIu64 " failed (errno %" PRIu64 ")", g,
                      (uint64_t)errno);
    }
    x->have = 0;
    x->have_info = 0;
}

static void rx_notification(rx *x, const uint8_t *buf, size_t len)
{
    const union sctp_notification *n = (const void *)buf;
    if (len < sizeof(n->sn_header))
        return;
    if (n->sn_header.sn_type == SCTP_SEND_FAILED_EVENT && events_to &&
        len >= sizeof(struct sctp_send_failed_event))
        peer_abandoned(&o, events_to, n->sn_send_failed_event.ssfe_info.snd_sid,
                       n->sn_send_failed_event.ssfe_info.snd_ppid);
    if (n->sn_header.sn_type == SCTP_PEER_ADDR_CHANGE && events_to &&
        len >= sizeof(struct sctp_paddr_change)) {
        char t[64];
        peer_path_event(events_to, peer_addr_text(&n->sn_paddr_change.spc_aaddr, t, sizeof(t)),
                        spc_state_name(n->sn_paddr_change.spc_state));
    }
    if (reconf_to && (n->sn_header.sn_type == SCTP_STREAM_RESET_EVENT ||
                      n->sn_header.sn_type == SCTP_STREAM_CHANGE_EVENT))
        peer_reconf_event(reconf_to, n->sn_header.sn_type == SCTP_STREAM_CHANGE_EVENT, buf,
                          len);
    if (n->sn_header.sn_type == SCTP_ASSOC_CHANGE) {
        uint16_t st = n->sn_assoc_change.sac_state;
        if (st == SCTP_COMM_LOST || st == SCTP_CANT_STR_ASSOC)
            x->lost = 1;
        if (st == SCTP_SHUTDOWN_COMP)
            x->shutdown_comp = 1;
    }
}

/* Reads until EOF, loss of the association, or (stop_bytes) that many payload bytes. */
static void receive(struct socket *sock, result *r, struct socket *echo_sock,
                    uint64_t stop_bytes, int stop_at_shutdown_comp)
{
    rx *x = calloc(1, sizeof(*x));
    uint8_t *chunk = malloc(CHUNK);
    if (!x || !chunk || !(x->msg = malloc(MAX_MSG)) || peer_gather_init(&o, &x->gather)) {
        peer_fail(r, "out of memory%" PRIu64 "%" PRIu64, 0, 0);
        return;
    }
    peer_verify_init(&o, &x->v);
    if (o.reconf && !reconf_to)
        reconf_to = r;
    for (;;) {
        struct sctp_rcvinfo info;
        struct sockaddr_storage from;
        socklen_t fromlen = sizeof(from), infolen = sizeof(info);
        unsigned int infotype = 0;
        int flags = 0;
        ssize_t n;

        if (stop_bytes && r->bytes >= stop_bytes)
            break;
        if (stop_at_shutdown_comp && x->shutdown_comp)
            break;
        n = usrsctp_recvv(sock, chunk, CHUNK, (struct sockaddr *)&from, &fromlen, &info,
                          &infolen, &infotype, &flags);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            if (errno == ECONNRESET || errno == ENOTCONN)
                x->lost = 1;
            else
                peer_fail(r, "recv failed (errno %" PRIu64 ")%" PRIu64, (uint64_t)errno, 0);
            break;
        }
        if (n == 0) {
            x->eof = 1;
            break;
        }
        if (flags & MSG_NOTIFICATION) {
            rx_notification(x, chunk, (size_t)n);
            if (x->lost)
                break;
            /* The association is gone once SHUTDOWN_COMP is read, and every byte was
             * queued before it: do not wait for an end-of-file read that may not come. */
            if (x->shutdown_comp) {
                x->eof = 1;
                break;
            }
            continue;
        }
        if (o.idata) {
            uint8_t *keep = x->msg;
            int k = peer_gather_add(&x->gather, r, infotype == SCTP_RECVV_RCVINFO,
                                    info.rcv_sid, chunk, (size_t)n, (flags & MSG_EOR) != 0,
                                    &x->msg, &x->have);
            if (k < 0)
                break;
            if (k > 0) {
                x->info = info;
                rx_message(x, r, echo_sock);
                x->msg = keep;
            }
            continue;
        }
        if (infotype == SCTP_RECVV_RCVINFO && !x->have_info) {
            x->info = info;
            x->have_info = 1;
        }
        if (x->have + (size_t)n > MAX_MSG) {
            peer_fail(r, "message longer than %" PRIu64 " bytes%" PRIu64, MAX_MSG, 0);
            break;
        }
        memcpy(x->msg + x->have, chunk, (size_t)n);
        x->have += (size_t)n;
        if (flags & MSG_EOR)
            rx_message(x, r, echo_sock);
        if (o.abort_after && receiver_role && !echo_sock && !stop_bytes &&
            !stop_at_shutdown_comp && r->bytes >= o.abort_after) {
            stop_bytes = r->bytes; /* the receiving side aborts (main sends the ABORT) */
            break;
        }
    }
    if (x->lost)
        r->aborted = 1;
    if (!stop_bytes)
        peer_check_total(&o, r);
    peer_verify_free(&x->v);
    peer_gather_free(&x->gather);
    free(x->msg);
    free(x);
    free(chunk);
}

/* ---- the loss of the association, as the socket reports it ------------------------ */

static pthread_mutex_t upcall_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t upcall_cond = PTHREAD_COND_INITIALIZER;
static unsigned upcall_seq; /* upcalls so far: the socket may have something to read */

static void on_upcall(struct socket *sock, void *arg, int flags)
{
    (void)sock;
    (void)arg;
    (void)flags;
    pthread_mutex_lock(&upcall_lock);
    upcall_seq++;
    pthread_cond_broadcast(&upcall_cond);
    pthread_mutex_unlock(&upcall_lock);
}

/* After a failed send: returns 1 when the socket reports the loss of its association
 * (SCTP_COMM_LOST, or ECONNRESET from a receive) within wait_s seconds, else 0. usrsctp
 * reports the peer's ABORT to a send in three ways: -1 and ECONNRESET, or 0 and no
 * errno, when the send was under way; -1 and ENOENT when the association was already
 * freed before the call (a one-to-one socket then has no association to send on).
 * None of these proves an abort; the notification does. usrsctp queues it while it
 * processes the ABORT, which may end a waiting send a moment before: reads without
 * blocking and waits for the stack's upcall in between. Only the thread that reads the
 * socket may call it. */
static int loss_reported(struct socket *sock, double wait_s)
{
    rx *x = calloc(1, sizeof(*x));
    uint8_t *buf = malloc(CHUNK);
    struct timespec until;
    int lost = 0;

    clock_gettime(CLOCK_REALTIME, &until);
    until.tv_sec += (time_t)wait_s;
    if (!x || !buf || usrsctp_set_non_blocking(sock, 1) != 0 ||
        usrsctp_set_upcall(sock, on_upcall, NULL) != 0) {
        free(x);
        free(buf);
        return 0;
    }
    while (!lost) {
        struct sctp_rcvinfo info;
        socklen_t infolen = sizeof(info);
        unsigned int infotype = 0, seq;
        int flags = 0, timed_out = 0;
        ssize_t n;

        pthread_mutex_lock(&upcall_lock);
        seq = upcall_seq;
        pthread_mutex_unlock(&upcall_lock);
        n = usrsctp_recvv(sock, buf, CHUNK, NULL, NULL, &info, &infolen, &infotype, &flags);
        if (n > 0) {
            if (flags & MSG_NOTIFICATION) rx_notification(x, buf, (size_t)n);
            lost = x->lost;
            continue;
        }
        if (n < 0 && errno == ECONNRESET) {
            lost = 1;
            break;
        }
        if (n == 0 || (errno != EWOULDBLOCK && errno != EAGAIN && errno != EINTR))
            break; /* the end of the association, but not by an abort */
        pthread_mutex_lock(&upcall_lock);
        while (upcall_seq == seq && !timed_out)
            timed_out = pthread_cond_timedwait(&upcall_cond, &upcall_lock, &until) != 0;
        pthread_mutex_unlock(&upcall_lock);
        if (timed_out) break;
    }
    free(x);
    free(buf);
    return lost;
}

/* ---- sending ---------------------------------------------------------------------- */

/* Sends the whole transfer (or up to --abort-after). Returns 0, or -1 when a send
 * failed, with what it returned in why[cap] (the caller finds out whether the
 * association was lost: loss_reported). */
static int send_all(struct socket *sock, result *r, char *why, size_t cap)
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
        memset(&si, 0, sizeof(si));
        si.snd_sid = (uint16_t)s;
        si.snd_ppid = htonl(m);
        si.snd_flags = o.unordered ? SCTP_UNORDERED : 0;
        interop_fill(buf, len, s, m, 0);
        ssize_t n;
        if (o.pr) {
            /* --pr: usrsctp's policies (usrsctp.h: TTL 1, BUF 2, RTX 3; no PRIO) */
            struct sctp_sendv_spa spa;
            memset(&spa, 0, sizeof(spa));
            spa.sendv_flags = SCTP_SEND_SNDINFO_VALID | SCTP_SEND_PRINFO_VALID;
            spa.sendv_sndinfo = si;
            spa.sendv_prinfo.pr_policy = o.pr == PEER_PR_TTL   ? SCTP_PR_SCTP_TTL
                                         : o.pr == PEER_PR_RTX ? SCTP_PR_SCTP_RTX
                                                               : SCTP_PR_SCTP_BUF;
            spa.sendv_prinfo.pr_value = o.pr_value;
            n = usrsctp_sendv(sock, buf, len, NULL, 0, &spa, sizeof(spa), SCTP_SENDV_SPA, 0);
        } else {
            n = usrsctp_sendv(sock, buf, len, NULL, 0, &si, sizeof(si), SCTP_SENDV_SNDINFO, 0);
        }
        if (n != (ssize_t)len) {
            snprintf(why, cap, "send of message %" PRIu64 " returned %zd (errno %d)", g, n,
                     n < 0 ? errno : 0);
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
static int reconf_phase(struct socket *sock, result *r, uint32_t *m, const uint16_t *sids,
                        uint32_t nsids, uint32_t count, uint8_t *buf, char *why, size_t cap)
{
    uint32_t len = interop_size(&o.sizes, 0);
    for (uint32_t i = 0; i < count; i++) {
        uint16_t s = sids[i % nsids];
        struct sctp_sndinfo si;
        memset(&si, 0, sizeof(si));
        si.snd_sid = s;
        si.snd_ppid = htonl(m[s]);
        interop_fill(buf, len, s, m[s], 0);
        ssize_t n = usrsctp_sendv(sock, buf, len, NULL, 0, &si, sizeof(si), SCTP_SENDV_SNDINFO, 0);
        if (n != (ssize_t)len) {
            snprintf(why, cap, "send on stream %u returned %zd (errno %d)", s, n, errno);
            return -1;
        }
        m[s]++;
        r->messages++;
        r->bytes += len;
    }
    return 0;
}

/* Reads notifications until one of type arrives. */
static int reconf_wait(struct socket *sock, result *r, uint16_t type, char *why, size_t cap)
{
    uint8_t buf[1024];
    reconf_to = r;
    for (;;) {
        struct sockaddr_storage from;
        socklen_t fromlen = sizeof(from);
        int flags = 0;
        ssize_t n = usrsctp_recvv(sock, buf, sizeof(buf), (struct sockaddr *)&from, &fromlen,
                                  NULL, NULL, NULL, &flags);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            snprintf(why, cap, "waiting for event %#x: errno %d", type, errno);
            return -1;
        }
        if (!(flags & MSG_NOTIFICATION))
            continue;
        rx x;
        memset(&x, 0, sizeof(x));
        rx_notification(&x, buf, (size_t)n);
        if (x.lost) {
            r->aborted = 1;
            return -1;
        }
        if (((const union sctp_notification *)buf)->sn_header.sn_type == type)
            return r->error[0] ? -1 : 0;
    }
}

/* Runs a reconfiguration option until usrsctp takes it (it refuses while a request is
 * outstanding). */
static int reconf_set(struct socket *sock, int name, const void *v, socklen_t len, char *why,
                      size_t cap)
{
    /* usrsctp refuses requests (EINVAL) until the association is established, which a
     * client's sends do not wait for. */
    for (int i = 0; i < 500; i++) {
        struct sctp_status st;
        socklen_t sl = sizeof(st);
        memset(&st, 0, sizeof(st));
        if (usrsctp_getsockopt(sock, IPPROTO_SCTP, SCTP_STATUS, &st, &sl) == 0 &&
            st.sstat_state == SCTP_ESTABLISHED)
            break;
        usleep(10000);
    }
    for (int i = 0; i < 500; i++) {
        if (usrsctp_setsockopt(sock, IPPROTO_SCTP, name, v, len) == 0)
            return 0;
        if (errno != EINPROGRESS && errno != EAGAIN && errno != EALREADY && errno != EBUSY)
            break;
        usleep(10000);
    }
    snprintf(why, cap, "reconfiguration option %#x: errno %d", name, errno);
    return -1;
}

static int reconf_send(struct socket *sock, result *r, char *why, size_t cap)
{
    uint8_t *buf = malloc(interop_size(&o.sizes, 0) + 1);
    uint32_t *m = calloc(PEER_MAX_STREAMS, sizeof(*m));
    int rc = -1;
    snprintf(why, cap, "out of memory");
    if (!buf || !m)
        goto out;
    const uint16_t four[] = {0, 1, 2, 3};
    if (reconf_phase(sock, r, m, four, 4, RECONF_PHASE1, buf, why, cap))
        goto out;
    uint8_t rsb[sizeof(struct sctp_reset_streams) + 2 * sizeof(uint16_t)];
    struct sctp_reset_streams *rs = (struct sctp_reset_streams *)rsb;
    memset(rsb, 0, sizeof(rsb));
    rs->srs_flags = SCTP_STREAM_RESET_OUTGOING;
    rs->srs_number_streams = 2;
    rs->srs_stream_list[0] = 1;
    rs->srs_stream_list[1] = 2;
    if (reconf_set(sock, SCTP_RESET_STREAMS, rs, sizeof(rsb), why, cap) ||
        reconf_wait(sock, r, SCTP_STREAM_RESET_EVENT, why, cap))
        goto out;
    struct sctp_add_streams as;
    memset(&as, 0, sizeof(as));
    as.sas_outstrms = RECONF_ADD;
    if (reconf_set(sock, SCTP_ADD_STREAMS, &as, sizeof(as), why, cap) ||
        reconf_wait(sock, r, SCTP_STREAM_CHANGE_EVENT, why, cap))
        goto out;
    uint16_t six[4 + RECONF_ADD] = {0, 1, 2, 3};
    for (uint32_t i = 0; i < RECONF_ADD; i++)
        six[4 + i] = (uint16_t)(r->rc_out - RECONF_ADD + i);
    memset(&as, 0, sizeof(as));
    as.sas_instrms = RECONF_ADD;
    if (reconf_set(sock, SCTP_ADD_STREAMS, &as, sizeof(as), why, cap) ||
        reconf_wait(sock, r, SCTP_STREAM_CHANGE_EVENT, why, cap))
        goto out;
    rc = reconf_phase(sock, r, m, six, 4 + RECONF_ADD, RECONF_PHASE2, buf, why, cap);
out:
    if (r->error[0])
        snprintf(why, cap, "%.150s", r->error);
    free(buf);
    free(m);
    return rc;
}

/* Aborts the association: SO_LINGER with a zero timeout, then close (RFC 6458 s8.1.4).
 * The ABORT is sent once and may be lost (a full UDP receive buffer at the peer drops
 * it); the stack then stays up for a second so that the peer's next packets, now out of
 * the blue, are answered with another ABORT (RFC 9260 s8.4). */
static void abort_assoc(struct socket *sock)
{
    struct linger l = {1, 0};
    usrsctp_setsockopt(sock, SOL_SOCKET, SO_LINGER, &l, sizeof(l));
    usrsctp_close(sock);
    sleep(1);
}

typedef struct echo_reader {
    struct socket *sock;
    result r;
} echo_reader;

static void *echo_reader_main(void *arg)
{
    echo_reader *e = arg;
    receive(e->sock, &e->r, NULL, o.bytes, 0);
    return NULL;
}

typedef echo_reader tail_reader;

/* Reads notifications until SHUTDOWN COMPLETE (or the loss of the association). */
static void *tail_reader_main(void *arg)
{
    tail_reader *t = arg;
    receive(t->sock, &t->r, NULL, 0, 1);
    return NULL;
}

/* ---- set-up ----------------------------------------------------------------------- */

static int set_common(struct socket *s, result *r)
{
    int v = (int)o.buf, on = 1;
    struct sctp_initmsg im;
    struct sctp_event ev;
    /* SEND_FAILED only with --pr (abandoned messages) */
    uint16_t types[] = {SCTP_ASSOC_CHANGE, SCTP_PEER_ADDR_CHANGE, SCTP_SEND_FAILED_EVENT};
    size_t ntypes = sizeof(types) / sizeof(types[0]) - (o.pr ? 0 : 1);

    usrsctp_setsockopt(s, SOL_SOCKET, SO_SNDBUF, &v, sizeof(v));
    usrsctp_setsockopt(s, SOL_SOCKET, SO_RCVBUF, &v, sizeof(v));
    usrsctp_setsockopt(s, IPPROTO_SCTP, SCTP_RECVRCVINFO, &on, sizeof(on));
    usrsctp_setsockopt(s, IPPROTO_SCTP, SCTP_NODELAY, &on, sizeof(on));
    memset(&im, 0, sizeof(im));
    im.sinit_num_ostreams = (uint16_t)(o.streams < 10 ? 10 : o.streams);
    im.sinit_max_instreams = 2048;
    usrsctp_setsockopt(s, IPPROTO_SCTP, SCTP_INITMSG, &im, sizeof(im));
    if (o.reconf) {
        /* The peer may reset our inbound streams and add streams; both events on. */
        struct sctp_assoc_value av;
        uint16_t rt[] = {SCTP_STREAM_RESET_EVENT, SCTP_STREAM_CHANGE_EVENT};
        memset(&av, 0, sizeof(av));
        av.assoc_id = SCTP_FUTURE_ASSOC;
        av.assoc_value = SCTP_ENABLE_RESET_STREAM_REQ | SCTP_ENABLE_CHANGE_ASSOC_REQ;
        if (usrsctp_setsockopt(s, IPPROTO_SCTP, SCTP_ENABLE_STREAM_RESET, &av, sizeof(av)))
            perror("usrsctp_peer: SCTP_ENABLE_STREAM_RESET");
        for (size_t i = 0; i < 2; i++) {
            memset(&ev, 0, sizeof(ev));
            ev.se_assoc_id = SCTP_FUTURE_ASSOC;
            ev.se_type = rt[i];
            ev.se_on = 1;
            usrsctp_setsockopt(s, IPPROTO_SCTP, SCTP_EVENT, &ev, sizeof(ev));
        }
    }
    for (size_t i = 0; i < ntypes; i++) {
        memset(&ev, 0, sizeof(ev));
        ev.se_assoc_id = SCTP_FUTURE_ASSOC;
        ev.se_type = types[i];
        ev.se_on = 1;
        usrsctp_setsockopt(s, IPPROTO_SCTP, SCTP_EVENT, &ev, sizeof(ev));
    }
    if (o.hb_interval || o.path_max_retrans) {
        struct sctp_paddrparams pp;
        memset(&pp, 0, sizeof(pp));
        pp.spp_assoc_id = SCTP_FUTURE_ASSOC;
        pp.spp_flags = o.hb_interval ? SPP_HB_ENABLE : 0;
        pp.spp_hbinterval = o.hb_interval;
        pp.spp_pathmaxrxt = (uint16_t)o.path_max_retrans;
        if (usrsctp_setsockopt(s, IPPROTO_SCTP, SCTP_PEER_ADDR_PARAMS, &pp, sizeof(pp)) != 0)
            perror("usrsctp_peer: SCTP_PEER_ADDR_PARAMS");
    }
    if (o.rto_min) {
        struct sctp_rtoinfo ri;
        memset(&ri, 0, sizeof(ri));
        ri.srto_assoc_id = SCTP_FUTURE_ASSOC;
        ri.srto_min = o.rto_min;
        ri.srto_initial = o.rto_initial;
        ri.srto_max = o.rto_max;
        if (usrsctp_setsockopt(s, IPPROTO_SCTP, SCTP_RTOINFO, &ri, sizeof(ri)) != 0)
            perror("usrsctp_peer: SCTP_RTOINFO");
    }
    if (o.assoc_max_retrans) {
        struct sctp_assocparams ap;
        memset(&ap, 0, sizeof(ap));
        ap.sasoc_assoc_id = SCTP_FUTURE_ASSOC;
        ap.sasoc_asocmaxrxt = (uint16_t)o.assoc_max_retrans;
        if (usrsctp_setsockopt(s, IPPROTO_SCTP, SCTP_ASSOCINFO, &ap, sizeof(ap)) != 0)
            perror("usrsctp_peer: SCTP_ASSOCINFO");
    }
    if (o.idata) {
        int level = 2;
        struct sctp_assoc_value av;
        memset(&av, 0, sizeof(av));
        av.assoc_id = SCTP_FUTURE_ASSOC;
        av.assoc_value = 1;
        if (usrsctp_setsockopt(s, IPPROTO_SCTP, SCTP_FRAGMENT_INTERLEAVE, &level,
                               sizeof(level)) != 0 ||
            usrsctp_setsockopt(s, IPPROTO_SCTP, SCTP_INTERLEAVING_SUPPORTED, &av,
                               sizeof(av)) != 0) {
            snprintf(r->error, sizeof(r->error), "I-DATA options: errno %d", errno);
            return -1;
        }
    }
    if (o.cmt >= 0) {
        struct sctp_assoc_value av;
        memset(&av, 0, sizeof(av));
        av.assoc_id = SCTP_FUTURE_ASSOC;
        av.assoc_value = (uint32_t)o.cmt;
        if (usrsctp_setsockopt(s, IPPROTO_SCTP, SCTP_CMT_ON_OFF, &av, sizeof(av)) != 0) {
            snprintf(r->error, sizeof(r->error), "SCTP_CMT_ON_OFF %d: errno %d", o.cmt, errno);
            return -1;
        }
    }
    return 0;
}

/* The association's SCTP_CMT_ON_OFF value, -1 when usrsctp does not say. */
static int cmt_of(struct socket *s)
{
    struct sctp_assoc_value av;
    socklen_t len = sizeof(av);
    memset(&av, 0, sizeof(av));
    if (usrsctp_getsockopt(s, IPPROTO_SCTP, SCTP_CMT_ON_OFF, &av, &len) != 0)
        return -1;
    return (int)av.assoc_value;
}

static int set_encaps(struct socket *s, uint16_t port)
{
    struct sctp_udpencaps ue;
    memset(&ue, 0, sizeof(ue));
    ue.sue_assoc_id = SCTP_FUTURE_ASSOC;
    ue.sue_port = htons(port);
    return usrsctp_setsockopt(s, IPPROTO_SCTP, SCTP_REMOTE_UDP_ENCAPS_PORT, &ue, sizeof(ue));
}

/* --sched and --ssvalue on the association of s (usrsctp's SCTP_PLUGGABLE_SS and
 * SCTP_SS_VALUE). Returns 0, or -1 with r->error set. */
static int apply_sched(struct socket *s, result *r)
{
    static const uint32_t ids[] = {[PEER_SS_FCFS] = SCTP_SS_FIRST_COME,
                                   [PEER_SS_RR] = SCTP_SS_ROUND_ROBIN,
                                   [PEER_SS_RR_PKT] = SCTP_SS_ROUND_ROBIN_PACKET,
                                   [PEER_SS_PRIO] = SCTP_SS_PRIORITY};
    if (o.sched >= 0) {
        struct sctp_assoc_value av;
        memset(&av, 0, sizeof(av));
        av.assoc_value = ids[o.sched];
        if (usrsctp_setsockopt(s, IPPROTO_SCTP, SCTP_PLUGGABLE_SS, &av, sizeof(av)) != 0) {
            snprintf(r->error, sizeof(r->error), "SCTP_PLUGGABLE_SS: errno %d", errno);
            return -1;
        }
    }
    for (int i = 0; i < o.nssvalue; i++) {
        struct sctp_stream_value sv;
        memset(&sv, 0, sizeof(sv));
        sv.stream_id = o.ssvalue[i].sid;
        sv.stream_value = o.ssvalue[i].value;
        if (usrsctp_setsockopt(s, IPPROTO_SCTP, SCTP_SS_VALUE, &sv, sizeof(sv)) != 0) {
            snprintf(r->error, sizeof(r->error), "SCTP_SS_VALUE: errno %d", errno);
            return -1;
        }
    }
    return 0;
}

static struct socket *open_assoc(result *r)
{
    struct socket *s = usrsctp_socket(AF_INET, SOCK_STREAM, IPPROTO_SCTP, NULL, NULL, 0, NULL);
    struct sockaddr_in sin;
    if (!s) {
        snprintf(r->error, sizeof(r->error), "usrsctp_socket: errno %d", errno);
        return NULL;
    }
    if (set_common(s, r) != 0) {
        usrsctp_close(s);
        return NULL;
    }
    memset(&sin, 0, sizeof(sin));
    sin.sin_family = AF_INET;
    sin.sin_port = htons(o.port);
    if (o.local_addrs) {
        struct sockaddr_in la[PEER_MAX_ADDRS];
        int n = peer_parse_addrs(o.local_addrs, la, PEER_MAX_ADDRS, o.server ? o.port : 0);
        if (usrsctp_bindx(s, (struct sockaddr *)la, n, SCTP_BINDX_ADD_ADDR) != 0) {
            snprintf(r->error, sizeof(r->error), "bindx %s: errno %d", o.local_addrs, errno);
            return NULL;
        }
    }
    if (o.server) {
        struct socket *c;
        sin.sin_addr.s_addr = htonl(INADDR_ANY);
        if ((!o.local_addrs && usrsctp_bind(s, (struct sockaddr *)&sin, sizeof(sin)) != 0) ||
            usrsctp_listen(s, 1) != 0) {
            snprintf(r->error, sizeof(r->error), "bind/listen on port %u: errno %d", o.port,
                     errno);
            return NULL;
        }
        c = usrsctp_accept(s, NULL, NULL);
        usrsctp_close(s);
        if (!c)
            snprintf(r->error, sizeof(r->error), "accept: errno %d", errno);
        return c;
    }
    struct sockaddr_in pa[PEER_MAX_ADDRS];
    int npa = peer_parse_addrs(o.addr, pa, PEER_MAX_ADDRS, o.port);
    if (set_encaps(s, o.remote_udp_port) != 0) {
        snprintf(r->error, sizeof(r->error), "SCTP_REMOTE_UDP_ENCAPS_PORT: errno %d", errno);
        return NULL;
    }
    if (usrsctp_connectx(s, (struct sockaddr *)pa, npa, NULL) != 0) {
        snprintf(r->error, sizeof(r->error), "connect to %s port %u: errno %d", o.addr, o.port,
                 errno);
        usrsctp_close(s);
        return NULL;
    }
    return s;
}

int main(int argc, char **argv)
{
    result r;
    struct socket *s;
    int sender, ok;
    double t0;

    peer_parse(&o, argc, argv, "usrsctp_peer", 0);
    if (o.pr == PEER_PR_PRIO && (o.server ? o.reverse : !o.reverse)) {
        fprintf(stderr, "usrsctp_peer: usrsctp has no priority policy (--pr prio)\n");
        peer_usage();
    }
    peer_arm_timeout(&o);
    peer_result_init(&o, &r);

    usrsctp_init(o.udp_port, NULL, NULL);
    usrsctp_sysctl_set_sctp_no_csum_on_loopback(0); /* check CRC32c on loopback too */
    if (o.cmt >= 0)
        usrsctp_sysctl_set_sctp_cmt_on_off(1); /* else SCTP_CMT_ON_OFF is ENOPROTOOPT */

    s = open_assoc(&r);
    if (!s) {
        r.verified = o.verify ? 0 : -1;
        print_result(&r);
        usrsctp_finish();
        return 1;
    }
    if (apply_sched(s, &r) != 0) {
        r.verified = o.verify ? 0 : -1;
        usrsctp_close(s);
        print_result(&r);
        usrsctp_finish();
        return 1;
    }
    events_to = &r;
    if (o.cmt >= 0)
        r.cmt = cmt_of(s);
    if (o.idata) {
        struct sctp_assoc_value av;
        socklen_t len = sizeof(av);
        memset(&av, 0, sizeof(av));
        av.assoc_id = 0; /* a one-to-one socket: its association */
        r.idata = usrsctp_getsockopt(s, IPPROTO_SCTP, SCTP_INTERLEAVING_SUPPORTED, &av,
                                     &len) == 0 ? (int)av.assoc_value : -1;
    }
    if (o.wait_confirm_ms)
        wait_confirmed(s, &r);
    t0 = peer_now_s();
    sender = o.server ? o.reverse : !o.reverse;
    receiver_role = !sender && !o.echo;
    if (o.echo && o.server) {
        receive(s, &r, s, 0, 0);
        usrsctp_close(s);
    } else if (sender) {
        echo_reader er;
        pthread_t th;
        memset(&er, 0, sizeof(er));
        er.sock = s;
        peer_result_init(&o, &er.r);
        /* Multihoming: notifications are read (and timed) while the transfer runs, by
         * the reader that then waits for SHUTDOWN COMPLETE. */
        int early_tail = (o.local_addrs || o.pr) && !o.echo;
        tail_reader tr;
        memset(&tr, 0, sizeof(tr));
        tr.sock = s;
        tr.r.verified = -1;
        if (o.echo)
            pthread_create(&th, NULL, echo_reader_main, &er);
        if (early_tail)
            pthread_create(&th, NULL, tail_reader_main, &tr);
        char why[160];
        int rc = o.reconf ? reconf_send(s, &r, why, sizeof(why))
                          : send_all(s, &r, why, sizeof(why));
        if (o.local_addrs)
            paddr_snapshot(s, r.paddrs_end, sizeof(r.paddrs_end));
        if (o.echo)
            pthread_join(th, NULL);
        if (early_tail) {
            if (rc == 0)
                usrsctp_shutdown(s, SHUT_WR);
            pthread_join(th, NULL);
            if (tr.r.aborted)
                r.aborted = 1;
            usrsctp_close(s);
        } else if (rc == 0 && o.abort_after && r.bytes < o.bytes) {
            abort_assoc(s);
            r.aborted = 1;
        } else {
            if (rc == 0) {
                result tail;
                /* graceful shutdown: SHUTDOWN once everything is acknowledged, then
                 * wait for SHUTDOWN COMPLETE (or EOF) */
                usrsctp_shutdown(s, SHUT_WR);
                memset(&tail, 0, sizeof(tail));
                tail.verified = -1;
                receive(s, &tail, NULL, 0, 1);
                if (tail.aborted)
                    r.aborted = 1;
            } else if (!o.echo && loss_reported(s, 10)) {
                r.aborted = 1;
            }
            usrsctp_close(s);
        }
        if (o.echo)
            peer_merge_echo(&r, &er.r);
        /* A send that failed because the association was lost is the abort (seen by a
         * reader of the socket); any other failed send is an error. */
        if (rc != 0 && !r.aborted && !r.error[0]) snprintf(r.error, sizeof(r.error), "%s", why);
    } else {
        receive(s, &r, NULL, 0, 0);
        if (o.abort_after && !r.aborted && r.bytes >= o.abort_after && !r.error[0] &&
            r.bytes < o.bytes) {
            abort_assoc(s);
            r.aborted = 1;
        } else {
            usrsctp_close(s);
        }
    }
    r.seconds = peer_now_s() - t0;
    peer_note_abort(&o, &r);
    ok = peer_ok(&o, &r);
    print_result(&r);
    /* --pr runs under loss: stay up a while, so that the peer's retransmitted SHUTDOWN ACK
     * (our SHUTDOWN COMPLETE lost) is answered (RFC 9260 s8.4 rule 5). */
    if (o.pr)
        sleep(3);
    for (int i = 0; i < 50 && usrsctp_finish() != 0; i++)
        usleep(100000);
    return ok ? 0 : 1;
}
