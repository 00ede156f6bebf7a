/*
 * mpsctp-perf: goodput measurement over the mpsctp sockets API (SCTP over UDP, RFC 6951).
 *
 *   mpsctp-perf server [--udp-port P] [--bind A[,A2..]] [--port SCTPPORT] [--once] [--echo]
 *                      [--json] [--no-verify] [failure-detection options]
 *   mpsctp-perf client --connect A[,A2..] [--port SCTPPORT] [--udp-port P]
 *                      [--remote-udp-port R] [--bind A[,A2..]] (--bytes SIZE | --time T)
 *                      [--msg-size SIZE] [--streams K] [--unordered] [--json] [--no-verify]
 *                      [failure-detection options]
 *
 * (perf_opts.c: every option.) The client sends message g on stream g % K as that
 * stream's message m = g / K, PPID 0, with m in the message's header and the interop
 * pattern (interop_pattern.h) after it (perf_msg.h); a --bytes transfer cuts the last
 * message short. The server checks every byte of every message, the order of ordered
 * messages per stream, that no message number is missing or doubled, and that only one
 * message differs from the others in size. It also takes the format of the interop peers
 * (m in the PPID, the pattern from byte 0). When the first message received is neither
 * (another implementation's client), when the client sends zeros (--no-verify) or with
 * --no-verify on the server, the server only counts bytes and reports "verified":null.
 *
 * Echo: a client with --echo marks its messages (PERF_F_ECHO); a server without --echo
 * answers the first such message with a notice saying so, and the client stops with that
 * line instead of waiting for echoes that never come.
 *
 * Multihoming: --bind and --connect take several addresses (sctp_bindx, sctp_connectx;
 * the first peer address is the primary path). Both sides report every path (peer
 * address, state, payload bytes sent and received: MPSCTP_PATH_STATS, or the stack's
 * packet trace and SCTP_GET_PEER_ADDR_INFO where that option is missing) at the end and
 * every --interval seconds, and log each SCTP_PEER_ADDR_CHANGE with its time.
 *
 * Concurrent Multipath Transfer: --cmt MODE sets SCTP_CMT_ON_OFF (docs/api.md) on the
 * socket before connect/listen, so the association inherits it; --bufsplit sets
 * MPSCTP_CMT_BUFSPLIT. The reports name the association's mode and each path's share of
 * the bytes sent and received. --path-select sets MPSCTP_PATH_SELECT (round robin, or
 * stream s on path s mod n).
 *
 * Streams: the server counts bytes and messages per stream. --sqinfo-limit makes the
 * client write message after message to stream s only while SCTP_SQINFO's
 * sq_queued_on_stream[s] < sq_queue_limit / K (perf_streams.c), instead of round robin;
 * with --interval the client samples SCTP_SQINFO at every tick.
 *
 * See docs/perf.md for every option, the output formats and exit statuses.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <mpsctp/socket.h>

#include "interop_pattern.h"
#include "perf_msg.h"
#include "perf_opts.h"
#include "perf_paths.h"
#include "perf_streams.h"

/* without --msg-size: the association's fragmentation point (one DATA chunk per
 * message), this when the stack does not say */
#define DEFAULT_MSG_SIZE 1444
#define RECV_CHUNK (256u * 1024)

/* ---- options (perf_opts.c) ----------------------------------------------------- */

static opts o;

/* The name of value v of names[0..n-1] ("unknown" outside). */
static const char *name_of(int v, const char *const *names, int n)
{
    return v >= 0 && v < n ? names[v] : "unknown";
}

static int list_family(const addr_list *l)
{
    for (int i = 0; i < l->n; i++)
        if (l->a[i].ss_family == AF_INET6)
            return AF_INET6;
    return AF_INET;
}

/* ---- common ----------------------------------------------------------------------- */

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static pthread_mutex_t out_lock = PTHREAD_MUTEX_INITIALIZER;

/* JSON string body: the messages here are our own ASCII, but escape anyway. */
static void json_str(FILE *f, const char *s)
{
    fputc('"', f);
    for (; *s; s++) {
        if (*s == '"' || *s == '\\')
            fprintf(f, "\\%c", *s);
        else if ((unsigned char)*s < 0x20)
            fprintf(f, "\\u%04x", (unsigned char)*s);
        else
            fputc(*s, f);
    }
    fputc('"', f);
}

static mpsctp_stack *make_stack(const addr_list *bind, int udp_port, int listen_port,
                                void (*trace)(void *, int, const uint8_t *, size_t,
                                              const struct sockaddr *, const struct sockaddr *))
{
    mpsctp_stack_config cfg;
    memset(&cfg, 0, sizeof(cfg));
    cfg.udp_port = udp_port;
    if (listen_port) {
        /* a server binds its UDP port when it listens: never reachable before it can
         * accept (an early INIT is sent again instead of meeting an ABORT) */
        cfg.udp_port = MPSCTP_UDP_PORT_LISTEN;
        cfg.listen_udp_port = (uint16_t)listen_port;
    }
    cfg.naddrs = (size_t)bind->n;
    for (int i = 0; i < bind->n; i++)
        cfg.addrs[i] = bind->a[i];
    cfg.trace = trace;
    mpsctp_stack *st = mpsctp_stack_new(&cfg);
    if (!st) {
        if (udp_port == MPSCTP_UDP_PORT_ANY || listen_port)
            fprintf(stderr, "mpsctp-perf: cannot create the stack: %s\n", strerror(errno));
        else
            fprintf(stderr, "mpsctp-perf: cannot create the stack on UDP port %d: %s\n",
                    udp_port ? udp_port : MPSCTP_DEFAULT_UDP_PORT, strerror(errno));
    }
    return st;
}

/* The socket option the last failed setopt/getopt call was about, for the message:
 * "setsockopt SCTP_CMT_ON_OFF (--cmt)". */
static char opt_failed[96];

/* mpsctp_setsockopt with the option's name (and the command-line option that asked for
 * it, or NULL) kept in opt_failed on failure. Returns 0, or -1 with errno. */
static int setopt(int sd, int level, int name, const char *what, const char *flag,
                  const void *val, socklen_t len)
{
    if (mpsctp_setsockopt(sd, level, name, val, len) == 0)
        return 0;
    snprintf(opt_failed, sizeof(opt_failed), "setsockopt %s%s%s%s", what, flag ? " (" : "",
             flag ? flag : "", flag ? ")" : "");
    return -1;
}

/* mpsctp_getsockopt, with opt_failed set like setopt on failure. */
static int getopt_named(int sd, int level, int name, const char *what, void *val,
                        socklen_t *len)
{
    if (mpsctp_getsockopt(sd, level, name, val, len) == 0)
        return 0;
    snprintf(opt_failed, sizeof(opt_failed), "getsockopt %s", what);
    return -1;
}

/* Sets option opt (struct sctp_assoc_value, the socket's own value) to v, asked for by
 * command-line option flag. Returns 0, or -1 with errno and opt_failed set. */
static int set_assoc_value(int sd, int opt, const char *what, uint32_t v, const char *flag)
{
    struct sctp_assoc_value av;
    memset(&av, 0, sizeof(av));
    av.assoc_value = v;
    return setopt(sd, IPPROTO_SCTP, opt, what, flag, &av, sizeof(av));
}

/* The association's value of option opt (struct sctp_assoc_value), -1 when the stack
 * does not say. */
static int get_assoc_value(int sd, int opt)
{
    struct sctp_assoc_value av;
    socklen_t len = sizeof(av);
    memset(&av, 0, sizeof(av));
    if (mpsctp_getsockopt(sd, IPPROTO_SCTP, opt, &av, &len) < 0)
        return -1;
    return (int)av.assoc_value;
}

/* The association's CMT settings as the stack reports them (-1: it does not). */
typedef struct cmt_info {
    int mode, bufsplit, path_select;
} cmt_info;

static cmt_info cmt_read(int sd)
{
    cmt_info c = {get_assoc_value(sd, SCTP_CMT_ON_OFF), get_assoc_value(sd, MPSCTP_CMT_BUFSPLIT),
                  get_assoc_value(sd, MPSCTP_PATH_SELECT)};
    return c;
}

/* One setting: ,"key":"name" or ,"key":null (JSON; no comma when first), or
 * ", key name" (text; nothing when the stack does not say). */
static void setting_print(FILE *f, const char *key, int v, const char *const *names, int n,
                          int first)
{
    if (o.json) {
        fprintf(f, "%s\"%s\":", first ? "" : ",", key);
        if (v >= 0)
            fprintf(f, "\"%s\"", name_of(v, names, n));
        else
            fprintf(f, "null");
    } else if (v >= 0) {
        fprintf(f, ", %s %s", key, name_of(v, names, n));
    }
}

/* "cmt":"rpv2","bufsplit":"both","path_select":"rr" (JSON; null when the stack does not
 * say) or ", cmt rpv2, bufsplit both, path_select rr" (text; nothing for what the stack
 * does not say). */
static void cmt_print(FILE *f, const cmt_info *c)
{
    setting_print(f, "cmt", c->mode, cmt_names, CMT_NAMES_N, 1);
    setting_print(f, "bufsplit", c->bufsplit, bufsplit_names, BUFSPLIT_NAMES_N, 0);
    setting_print(f, "path_select", c->path_select, path_select_names,
                  PATH_SELECT_NAMES_N, 0);
}

/* Socket options both roles set: receive info, buffers, failure detection, CMT.
 * Returns 0, or -1 with errno and opt_failed naming the option. */
static int set_common(int sd)
{
    int on = 1;
    if (setopt(sd, IPPROTO_SCTP, SCTP_RECVRCVINFO, "SCTP_RECVRCVINFO", NULL, &on,
               sizeof(on)) < 0)
        return -1;
    if (o.sndbuf) {
        int v = (int)o.sndbuf;
        if (setopt(sd, SOL_SOCKET, SO_SNDBUF, "SO_SNDBUF", "--sndbuf", &v, sizeof(v)) < 0)
            return -1;
    }
    if (o.rcvbuf) {
        int v = (int)o.rcvbuf;
        if (setopt(sd, SOL_SOCKET, SO_RCVBUF, "SO_RCVBUF", "--rcvbuf", &v, sizeof(v)) < 0)
            return -1;
    }
    if (o.rto_initial || o.rto_min || o.rto_max) {
        struct sctp_rtoinfo r;
        socklen_t len = sizeof(r);
        memset(&r, 0, sizeof(r));
        if (getopt_named(sd, IPPROTO_SCTP, SCTP_RTOINFO, "SCTP_RTOINFO", &r, &len) < 0)
            return -1;
        if (o.rto_min)
            r.srto_min = o.rto_min;
        if (o.rto_max)
            r.srto_max = o.rto_max;
        if (o.rto_initial)
            r.srto_initial = o.rto_initial;
        /* keep min <= initial <= max when only some were given */
        if (r.srto_initial < r.srto_min)
            r.srto_initial = r.srto_min;
        if (r.srto_initial > r.srto_max)
            r.srto_initial = r.srto_max;
        /* the stack refuses RTO.Min above RTO.Max (EINVAL) */
        if (setopt(sd, IPPROTO_SCTP, SCTP_RTOINFO, "SCTP_RTOINFO",
                   "--rto-initial/--rto-min/--rto-max", &r, sizeof(r)) < 0)
            return -1;
    }
    if (o.max_retrans) {
        struct sctp_assocparams p;
        memset(&p, 0, sizeof(p));
        p.sasoc_asocmaxrxt = (uint16_t)o.max_retrans;
        if (setopt(sd, IPPROTO_SCTP, SCTP_ASSOCINFO, "SCTP_ASSOCINFO", "--max-retrans", &p,
                   sizeof(p)) < 0)
            return -1;
    }
    if (o.hb_interval || o.path_max_retrans) {
        struct sctp_paddrparams pp;
        memset(&pp, 0, sizeof(pp));
        if (o.hb_interval) {
            pp.spp_flags = SPP_HB_ENABLE;
            pp.spp_hbinterval = o.hb_interval;
        }
        pp.spp_pathmaxrxt = (uint16_t)o.path_max_retrans;
        if (setopt(sd, IPPROTO_SCTP, SCTP_PEER_ADDR_PARAMS, "SCTP_PEER_ADDR_PARAMS",
                   "--hb-interval/--path-max-retrans", &pp, sizeof(pp)) < 0)
            return -1;
    }
    if (o.pf_set) {
        /* RFC 7829 s7.2: both thresholds at once, for every path (wildcard address);
         * Path.Max.Retrans stays what it is unless --path-max-retrans is given */
        struct sctp_paddrparams pp;
        socklen_t len = sizeof(pp);
        memset(&pp, 0, sizeof(pp));
        if (!o.path_max_retrans && getopt_named(sd, IPPROTO_SCTP, SCTP_PEER_ADDR_PARAMS,
                                                "SCTP_PEER_ADDR_PARAMS", &pp, &len) < 0)
            return -1;
        struct sctp_paddrthlds t;
        memset(&t, 0, sizeof(t));
        t.spt_pathmaxrxt = o.path_max_retrans ? (uint16_t)o.path_max_retrans : pp.spp_pathmaxrxt;
        t.spt_pathpfthld = (uint16_t)o.pf_max_retrans;
        if (setopt(sd, IPPROTO_SCTP, SCTP_PEER_ADDR_THLDS, "SCTP_PEER_ADDR_THLDS",
                   "--pf-max-retrans", &t, sizeof(t)) < 0)
            return -1;
    }
    /* CMT (docs/api.md, CMT options): the socket's value, which the association inherits */
    if (o.cmt >= 0 &&
        set_assoc_value(sd, SCTP_CMT_ON_OFF, "SCTP_CMT_ON_OFF", (uint32_t)o.cmt, "--cmt") < 0)
        return -1;
    if (o.bufsplit >= 0 && set_assoc_value(sd, MPSCTP_CMT_BUFSPLIT, "MPSCTP_CMT_BUFSPLIT",
                                           (uint32_t)o.bufsplit, "--bufsplit") < 0)
        return -1;
    if (o.path_select >= 0 && set_assoc_value(sd, MPSCTP_PATH_SELECT, "MPSCTP_PATH_SELECT",
                                              (uint32_t)o.path_select, "--path-select") < 0)
        return -1;
    /* path state changes (logged) and the end of the peer's data (a last path report) */
    static const uint16_t evs[] = {SCTP_PEER_ADDR_CHANGE, SCTP_SHUTDOWN_EVENT};
    for (size_t i = 0; i < sizeof(evs) / sizeof(evs[0]); i++) {
        struct sctp_event ev;
        memset(&ev, 0, sizeof(ev));
        ev.se_type = evs[i];
        ev.se_on = 1;
        if (setopt(sd, IPPROTO_SCTP, SCTP_EVENT, "SCTP_EVENT", NULL, &ev, sizeof(ev)) < 0)
            return -1;
    }
    return 0;
}

/* ---- paths: reports (perf_paths.c: snapshots, trace counts, the event log) ---------- */

static double t_start; /* program start: the origin of path event and report times */

static double wall_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* on_notification with this program's clocks, output mode and output lock */
static uint16_t notification(const uint8_t *buf, size_t n, path_log *log, const char *who)
{
    return on_notification(buf, n, log, who, now_s() - t_start, wall_s(), o.json, &out_lock);
}

/* One periodic report (--interval): bytes so far and every path. */
static void interval_report(const char *role, unsigned long assoc, uint64_t bytes,
                            double since, path_snap *s, const sq_snap *sq)
{
    double t = now_s();
    pthread_mutex_lock(&out_lock);
    if (o.json) {
        printf("{\"role\":\"%s\",\"interval\":true,", role);
        if (assoc)
            printf("\"assoc\":%lu,", assoc);
        printf("\"t\":%.6f,\"wall\":%.6f,\"bytes\":%" PRIu64 ",\"seconds\":%.6f,",
               t - t_start, wall_s(), bytes, t - since);
        paths_print(stdout, s, "", o.json);
        if (sq) {
            putchar(',');
            sq_print(stdout, sq, sq->n, 1);
        }
        printf("}\n");
    } else {
        printf("%s", role);
        if (assoc)
            printf(" %lu", assoc);
        printf(" %8.3f s: %" PRIu64 " bytes\n", t - t_start, bytes);
        paths_print(stdout, s, "  ", o.json);
        if (sq) {
            printf("  ");
            sq_print(stdout, sq, sq->n, 0);
            putchar('\n');
        }
    }
    fflush(stdout);
    pthread_mutex_unlock(&out_lock);
}

/* ---- server ----------------------------------------------------------------------- */

static volatile sig_atomic_t stop_flag;
static pthread_mutex_t srv_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t srv_cond = PTHREAD_COND_INITIALIZER;
static int srv_active, srv_failures, srv_served;

static void on_signal(int sig)
{
    (void)sig;
    stop_flag = 1;
}

typedef struct session {
    int sd;
    char peer[INET6_ADDRSTRLEN];
    uint16_t peer_port;
    unsigned long id;
    char who[40];   /* "server assoc N": text-mode path events */
    path_log log;   /* path state changes */
    path_snap paths; /* the paths, as last read */
    cmt_info cmt;    /* the association's CMT settings, read after accept */
} session;

/* Prints the result of one association (incarnation). Returns 1 on success. */
static int report_server(session *ss, const rxstate *x, double secs, const char *err,
                         double detect)
{
    double g = secs > 0 ? (double)x->bytes * 8 / secs : 0;
    int ok = !err && x->verify != V_FAIL;
    paths_get(ss->sd, &ss->paths); /* kept as it was when the association is gone */
    pthread_mutex_lock(&out_lock);
    if (o.json) {
        printf("{\"role\":\"server\",\"bytes\":%" PRIu64 ",\"seconds\":%.6f,\"goodput_bps\":%.0f,"
               "\"verified\":%s,\"messages\":%" PRIu64 ",\"assoc\":%lu,\"peer\":\"%s\","
               "\"peer_port\":%u,",
               x->bytes, secs, g, verified_json(x->verify), x->messages, ss->id, ss->peer,
               ss->peer_port);
        cmt_print(stdout, &ss->cmt);
        putchar(',');
        streams_print(stdout, &x->streams, secs, "", 1);
        putchar(',');
        paths_json(stdout, &ss->log, &ss->paths);
        printf(",\"ok\":%s", ok ? "true" : "false");
        if (err || x->error[0]) {
            printf(",\"error\":");
            json_str(stdout, err ? err : x->error);
            if (err && x->error[0]) {
                printf(",\"verify_error\":");
                json_str(stdout, x->error);
            }
        }
        if (detect >= 0)
            printf(",\"silent_seconds\":%.3f", detect);
        printf("}\n");
    } else {
        printf("server: association %lu from %s:%u: %" PRIu64 " bytes in %.3f s, %.2f Mbit/s, "
               "verified %s",
               ss->id, ss->peer, ss->peer_port, x->bytes, secs, g / 1e6,
               x->verify == V_OK ? "yes" : x->verify == V_FAIL ? "NO" : "no (counted only)");
        cmt_print(stdout, &ss->cmt);
        printf("%s%s%s%s\n", err ? ": FAILED: " : "", err ? err : "", x->error[0] ? ": " : "",
               x->error);
        if (x->streams.n > 1)
            streams_print(stdout, &x->streams, secs, "  ", 0);
        paths_print(stdout, &ss->paths, "  ", o.json);
    }
    fflush(stdout);
    pthread_mutex_unlock(&out_lock);
    return ok;
}

static const char *errno_text(int e, char *buf, size_t len)
{
    switch (e) {
    case ETIMEDOUT:
        snprintf(buf, len, "association lost: the peer stopped answering (retransmission "
                           "limit reached, ETIMEDOUT)");
        break;
    case ECONNRESET:
        snprintf(buf, len, "association aborted by the peer (ECONNRESET)");
        break;
    default:
        snprintf(buf, len, "receive failed: %s", strerror(e));
        break;
    }
    return buf;
}

/* The notice a server without --echo sends to a client that asks for echoes, and what
 * it reports about that association. */
#define ECHO_NOTICE "the server does not echo (start it with --echo)"
#define ECHO_REFUSED "the client asked for echoes (--echo): this server runs without --echo"

/* Tells the client of sd that this server does not echo (msg_notice). Returns 0 or -1. */
static int refuse_echo(int sd)
{
    uint8_t nb[128];
    struct sctp_sndinfo si;
    memset(&si, 0, sizeof(si));
    struct iovec iov = {nb, msg_notice(nb, sizeof(nb), ECHO_NOTICE)};
    return mpsctp_sendv(sd, &iov, 1, NULL, 0, &si, sizeof(si), SCTP_SENDV_SNDINFO, 0) < 0 ? -1
                                                                                          : 0;
}

/* Serves one association until its end. Returns 1 when every incarnation succeeded. */
static int serve(session *ss)
{
    int sd = ss->sd, ok = 1, refused = 0;
    uint8_t *buf = malloc(RECV_CHUNK);
    rxstate x;
    if (!buf || rx_init(&x, o.verify) < 0) {
        fprintf(stderr, "mpsctp-perf: out of memory\n");
        free(buf);
        return 0;
    }
    double t0 = now_s(), last = t0, next_report = t0 + o.interval, next_snap = t0 + 0.25;
    paths_get(sd, &ss->paths);
    for (;;) {
        if (o.interval > 0) {
            /* wait for data no longer than the next report */
            double d = next_report - now_s();
            struct pollfd p = {.fd = sd, .events = POLLIN};
            if (d > 0 && poll(&p, 1, (int)(d * 1000) + 1) == 0)
                continue;
            if (now_s() >= next_report) {
                next_report += o.interval;
                paths_get(sd, &ss->paths);
                interval_report("server", ss->id, x.bytes, t0, &ss->paths, NULL);
            }
        }
        struct sctp_rcvinfo ri;
        socklen_t ilen = sizeof(ri);
        unsigned int itype = 0;
        int flags = 0;
        struct iovec iov = {buf, RECV_CHUNK};
        ssize_t n = mpsctp_recvv(sd, &iov, 1, NULL, NULL, &ri, &ilen, &itype, &flags);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            char eb[160];
            int e = errno;
            double t = now_s();
            ok &= report_server(ss, &x, t - t0,
                                refused ? ECHO_REFUSED : errno_text(e, eb, sizeof(eb)),
                                refused ? -1 : t - last);
            break;
        }
        if (n == 0) {
            double t = now_s();
            rx_finish(&x);
            ok &= report_server(ss, &x, t - t0, refused ? ECHO_REFUSED : NULL, -1);
            break;
        }
        if (flags & MSG_NOTIFICATION) {
            const union sctp_notification *nt = (const void *)buf;
            /* a path state change, or the peer's SHUTDOWN (all its data is in): a fresh
             * read of the paths, in case the association is gone by the end */
            notification(buf, (size_t)n, &ss->log, ss->who);
            paths_get(sd, &ss->paths);
            next_snap = now_s() + 0.25;
            if ((size_t)n >= sizeof(struct sctp_assoc_change) &&
                nt->sn_header.sn_type == SCTP_ASSOC_CHANGE &&
                nt->sn_assoc_change.sac_state == SCTP_RESTART) {
                /* The peer restarted (a new INIT from the same ports, RFC 9260 s5.2.4):
                 * the old incarnation is gone; count the new one from scratch. */
                double t = now_s();
                ok &= report_server(ss, &x, t - t0, "association restarted by the peer "
                                    "(the old peer is gone)", t - last);
                rx_free(&x);
                if (rx_init(&x, o.verify) < 0)
                    break;
                t0 = last = t;
            }
            continue;
        }
        last = now_s();
        if (last >= next_snap) { /* the paths as they go, four times a second */
            paths_get(sd, &ss->paths);
            next_snap = last + 0.25;
        }
        if (rx_part(&x, buf, (size_t)n, itype == SCTP_RECVV_RCVINFO ? &ri : NULL,
                    (flags & MSG_EOR) != 0, o.echo) < 0) {
            report_server(ss, &x, now_s() - t0, "out of memory", -1);
            ok = 0;
            break;
        }
        if (!o.echo && x.echo_wanted && !refused) {
            /* the client then ends the association; until it does, its data is counted */
            refused = 1;
            if (refuse_echo(sd) < 0) {
                ok &= report_server(ss, &x, now_s() - t0, ECHO_REFUSED, -1);
                break;
            }
        }
        if (o.echo && (flags & MSG_EOR)) {
            /* the message as it came: same stream, PPID, ordering and bytes */
            struct sctp_sndinfo si;
            memset(&si, 0, sizeof(si));
            si.snd_sid = (uint16_t)x.sid;
            si.snd_ppid = x.ppid;
            si.snd_flags = x.unordered ? SCTP_UNORDERED : 0;
            struct iovec eio = {x.echo_buf, (size_t)x.off};
            if (mpsctp_sendv(sd, &eio, 1, NULL, 0, &si, sizeof(si), SCTP_SENDV_SNDINFO, 0) < 0) {
                char eb[160];
                snprintf(eb, sizeof(eb), "echo failed: %s", strerror(errno));
                ok &= report_server(ss, &x, now_s() - t0, eb, now_s() - last);
                break;
            }
        }
    }
    rx_free(&x);
    free(buf);
    return ok;
}

static void *session_main(void *arg)
{
    session *ss = arg;
    int ok = serve(ss);
    mpsctp_close(ss->sd);
    pthread_mutex_lock(&srv_lock);
    srv_active--;
    srv_served++;
    if (!ok)
        srv_failures++;
    pthread_cond_broadcast(&srv_cond);
    pthread_mutex_unlock(&srv_lock);
    path_log_free(&ss->log);
    free(ss);
    return NULL;
}

static int run_server(void)
{
    mpsctp_stack *st = make_stack(&o.bind, 0, o.udp_port_set ? o.udp_port : MPSCTP_DEFAULT_UDP_PORT,
                                  count_trace);
    if (!st)
        return 1;
    int fam = list_family(&o.bind);
    int ls = mpsctp_socket_on(st, fam, SOCK_STREAM, IPPROTO_SCTP);
    if (ls < 0) {
        fprintf(stderr, "mpsctp-perf: socket: %s\n", strerror(errno));
        return 1;
    }
    int rc = 0;
    if (o.bind.n) {
        /* bindx takes packed addresses */
        uint8_t packed[PERF_MAX_ADDRS * sizeof(struct sockaddr_in6)];
        size_t off = 0;
        for (int i = 0; i < o.bind.n; i++) {
            memcpy(packed + off, &o.bind.a[i], o.bind.len[i]);
            off += o.bind.len[i];
        }
        rc = mpsctp_bindx(ls, (struct sockaddr *)packed, o.bind.n, SCTP_BINDX_ADD_ADDR);
    } else {
        struct sockaddr_storage any;
        memset(&any, 0, sizeof(any));
        socklen_t alen;
        if (fam == AF_INET6) {
            ((struct sockaddr_in6 *)&any)->sin6_family = AF_INET6;
            ((struct sockaddr_in6 *)&any)->sin6_port = htons(o.port);
            alen = sizeof(struct sockaddr_in6);
        } else {
            ((struct sockaddr_in *)&any)->sin_family = AF_INET;
            ((struct sockaddr_in *)&any)->sin_port = htons(o.port);
            alen = sizeof(struct sockaddr_in);
        }
        rc = mpsctp_bind(ls, (struct sockaddr *)&any, alen);
    }
    if (rc < 0) {
        fprintf(stderr, "mpsctp-perf: bind to SCTP port %u: %s\n", o.port, strerror(errno));
        mpsctp_stack_free(st);
        return 1;
    }
    struct sctp_event ev;
    memset(&ev, 0, sizeof(ev));
    ev.se_type = SCTP_ASSOC_CHANGE;
    ev.se_on = 1;
    if (set_common(ls) < 0 ||
        setopt(ls, IPPROTO_SCTP, SCTP_EVENT, "SCTP_EVENT", NULL, &ev, sizeof(ev)) < 0) {
        fprintf(stderr, "mpsctp-perf: %s: %s\n", opt_failed, strerror(errno));
        mpsctp_stack_free(st);
        return 1;
    }
    if (mpsctp_listen(ls, 64) < 0) {
        fprintf(stderr, "mpsctp-perf: listen (UDP port %u): %s\n",
                o.udp_port_set ? (unsigned)o.udp_port : MPSCTP_DEFAULT_UDP_PORT, strerror(errno));
        mpsctp_stack_free(st);
        return 1;
    }
    if (!o.json)
        fprintf(stderr, "mpsctp-perf server: SCTP port %u over UDP port %u%s\n", o.port,
                mpsctp_stack_udp_port(st), o.echo ? ", echo" : "");
    mpsctp_fcntl(ls, F_SETFL, O_NONBLOCK);
    unsigned long next_id = 1;
    for (;;) {
        if (stop_flag)
            break;
        struct sockaddr_storage peer;
        socklen_t plen = sizeof(peer);
        int sd = mpsctp_accept(ls, (struct sockaddr *)&peer, &plen);
        if (sd < 0) {
            if (errno == EAGAIN || errno == EINTR) {
                struct pollfd p = {.fd = ls, .events = POLLIN};
                poll(&p, 1, 200);
                continue;
            }
            fprintf(stderr, "mpsctp-perf: accept: %s\n", strerror(errno));
            srv_failures++;
            break;
        }
        int fl = mpsctp_fcntl(sd, F_GETFL, 0);
        if (fl >= 0 && (fl & O_NONBLOCK))
            mpsctp_fcntl(sd, F_SETFL, fl & ~O_NONBLOCK);
        session *ss = calloc(1, sizeof(*ss));
        if (!ss) {
            mpsctp_close(sd);
            continue;
        }
        ss->sd = sd;
        ss->id = next_id++;
        snprintf(ss->who, sizeof(ss->who), "server assoc %lu", ss->id);
        addr_str((struct sockaddr *)&peer, ss->peer, sizeof(ss->peer));
        ss->peer_port = ntohs(peer.ss_family == AF_INET6
                                  ? ((struct sockaddr_in6 *)&peer)->sin6_port
                                  : ((struct sockaddr_in *)&peer)->sin_port);
        ss->paths.port = ss->peer_port;
        ss->cmt = cmt_read(sd);
        if (o.once) {
            pthread_mutex_lock(&srv_lock);
            srv_active++;
            pthread_mutex_unlock(&srv_lock);
            session_main(ss);
            break;
        }
        pthread_t th;
        pthread_mutex_lock(&srv_lock);
        srv_active++;
        pthread_mutex_unlock(&srv_lock);
        if (pthread_create(&th, NULL, session_main, ss) != 0) {
            fprintf(stderr, "mpsctp-perf: cannot start a thread\n");
            mpsctp_close(sd);
            free(ss);
            pthread_mutex_lock(&srv_lock);
            srv_active--;
            pthread_mutex_unlock(&srv_lock);
            continue;
        }
        pthread_detach(th);
    }
    pthread_mutex_lock(&srv_lock);
    int active = srv_active, failures = srv_failures;
    pthread_mutex_unlock(&srv_lock);
    if (active) {
        /* Stopped by a signal with associations running: leave them be and flush the
         * output; the stack goes with the process. */
        fflush(stdout);
        return 1;
    }
    mpsctp_close(ls);
    mpsctp_stack_free(st);
    return failures ? 1 : 0;
}

/* ---- client ----------------------------------------------------------------------- */

static path_log client_log;     /* the association's path state changes */
static path_snap client_paths;  /* its paths, as last read */
static pthread_mutex_t snap_lock = PTHREAD_MUTEX_INITIALIZER; /* guards client_paths */
static uint64_t client_sent;    /* bytes handed to the stack so far (__atomic) */
static cmt_info client_cmt = {-1, -1, -1}; /* the association's CMT settings */
static stream_count client_streams; /* bytes and messages handed to the stack per stream */
static sq_log client_sq;        /* SCTP_SQINFO at every --interval tick */
static int client_sq_sampling;  /* 1: sampling, 0: no --interval, -1: no SCTP_SQINFO */
static double client_deadline;  /* --time: when the sender stops */

/* --interval reports of the client, from a thread of their own: a blocked send (a path
 * down, a closed window) must not stop them. */
typedef struct ticker {
    int sd;
    int stop;
    double since;
    sq_snap sq;     /* SCTP_SQINFO reading (client_sq_sampling > 0) */
    pthread_mutex_t lock;
    pthread_cond_t cond;
} ticker;

static void *ticker_main(void *arg)
{
    ticker *tk = arg;
    double next = now_s() + o.interval;
    pthread_mutex_lock(&tk->lock);
    while (!tk->stop) {
        double d = next - now_s();
        if (d > 0) {
            struct timespec ts;
            clock_gettime(CLOCK_REALTIME, &ts);
            double end = (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9 + d;
            ts.tv_sec = (time_t)end;
            ts.tv_nsec = (long)((end - (double)ts.tv_sec) * 1e9);
            pthread_cond_timedwait(&tk->cond, &tk->lock, &ts);
            continue;
        }
        next += o.interval;
        pthread_mutex_unlock(&tk->lock);
        paths_update(tk->sd, &client_paths, &snap_lock);
        pthread_mutex_lock(&snap_lock);
        path_snap s = client_paths;
        pthread_mutex_unlock(&snap_lock);
        const sq_snap *sq = NULL;
        if (client_sq_sampling > 0 && sq_read(tk->sd, &tk->sq) == 0) {
            sq_log_add(&client_sq, now_s() - tk->since, &tk->sq);
            sq = &tk->sq;
        }
        interval_report("client", 0, __atomic_load_n(&client_sent, __ATOMIC_RELAXED), tk->since,
                        &s, sq);
        pthread_mutex_lock(&tk->lock);
    }
    pthread_mutex_unlock(&tk->lock);
    return NULL;
}

typedef struct echo_rx {
    int sd;
    rxstate x;
    volatile int sender_done;
    uint64_t sent_total;
    int err;
    int refused;      /* the server sent a notice (it does not echo): (__atomic) */
    char notice[160]; /* its text, set before refused */
} echo_rx;

static pthread_mutex_t echo_lock = PTHREAD_MUTEX_INITIALIZER;

/* Reads the echoed messages until all sent bytes are back (or the association ends). */
static void *echo_main(void *arg)
{
    echo_rx *e = arg;
    uint8_t *buf = malloc(RECV_CHUNK);
    if (!buf) {
        e->err = ENOMEM;
        return NULL;
    }
    for (;;) {
        pthread_mutex_lock(&echo_lock);
        int done = e->sender_done && e->x.bytes >= e->sent_total && !e->x.in_msg;
        pthread_mutex_unlock(&echo_lock);
        if (done)
            break;
        struct sctp_rcvinfo ri;
        socklen_t ilen = sizeof(ri);
        unsigned int itype = 0;
        int flags = MSG_DONTWAIT;
        struct iovec iov = {buf, RECV_CHUNK};
        ssize_t n = mpsctp_recvv(e->sd, &iov, 1, NULL, NULL, &ri, &ilen, &itype, &flags);
        if (n < 0 && (errno == EAGAIN || errno == EINTR)) {
            struct pollfd p = {.fd = e->sd, .events = POLLIN};
            poll(&p, 1, 50);
            continue;
        }
        if (n <= 0) {
            e->err = n == 0 ? EPIPE : errno;
            break;
        }
        if (flags & MSG_NOTIFICATION) {
            notification(buf, (size_t)n, &client_log, "client");
            continue;
        }
        if (!e->x.in_msg && (flags & MSG_EOR) &&
            msg_notice_text(buf, (size_t)n, e->notice, sizeof(e->notice))) {
            __atomic_store_n(&e->refused, 1, __ATOMIC_RELEASE);
            break;
        }
        pthread_mutex_lock(&echo_lock);
        rx_part(&e->x, buf, (size_t)n, itype == SCTP_RECVV_RCVINFO ? &ri : NULL,
                (flags & MSG_EOR) != 0, 0);
        pthread_mutex_unlock(&echo_lock);
    }
    free(buf);
    return NULL;
}

static void progress(double t0, uint64_t bytes, double *next)
{
    double t = now_s();
    if (t < *next)
        return;
    *next = t + 1.0;
    double el = t - t0;
    fprintf(stderr, "\r%7.1f s  %12.1f MB  %10.2f Mbit/s ", el, (double)bytes / 1e6,
            el > 0 ? (double)bytes * 8 / el / 1e6 : 0.0);
    fflush(stderr);
}

/* Reports the client's failure: what went wrong, and errno e (0: what says it all). */
static int client_fail(const char *what, int e, uint64_t bytes, double secs)
{
    char msg[256];
    if (e)
        snprintf(msg, sizeof(msg), "%s: %s", what, strerror(e));
    else
        snprintf(msg, sizeof(msg), "%s", what);
    if (o.json) {
        pthread_mutex_lock(&out_lock);
        printf("{\"role\":\"client\",\"bytes\":%" PRIu64 ",\"seconds\":%.6f,\"goodput_bps\":%.0f,"
               "\"verified\":false,",
               bytes, secs, secs > 0 ? (double)bytes * 8 / secs : 0.0);
        cmt_print(stdout, &client_cmt);
        putchar(',');
        paths_json(stdout, &client_log, &client_paths);
        printf(",\"ok\":false,\"error\":");
        json_str(stdout, msg);
        printf("}\n");
        pthread_mutex_unlock(&out_lock);
    } else {
        fprintf(stderr, "mpsctp-perf client: %s\n", msg);
        if (client_paths.n)
            paths_print(stderr, &client_paths, "  ", o.json);
    }
    fflush(stdout);
    return 1;
}

/* --time: the sender's time is up (the SQINFO-driven sender stops waiting) */
static int client_time_up(void)
{
    return !o.bytes && now_s() >= client_deadline;
}

static void client_free(void)
{
    streams_free(&client_streams);
    sq_log_free(&client_sq);
}

static int run_client(void)
{
    mpsctp_stack *st = make_stack(&o.bind, o.udp_port, 0, count_trace);
    if (!st)
        return 1;
    int fam = list_family(&o.connect);
    if (fam == AF_INET && list_family(&o.bind) == AF_INET6)
        fam = AF_INET6;
    int sd = mpsctp_socket_on(st, fam, SOCK_STREAM, IPPROTO_SCTP);
    if (sd < 0)
        return client_fail("socket", errno, 0, 0);
    if (o.bind.n) {
        uint8_t packed[PERF_MAX_ADDRS * sizeof(struct sockaddr_in6)];
        size_t off = 0;
        for (int i = 0; i < o.bind.n; i++) {
            memcpy(packed + off, &o.bind.a[i], o.bind.len[i]);
            off += o.bind.len[i];
        }
        if (mpsctp_bindx(sd, (struct sockaddr *)packed, o.bind.n, SCTP_BINDX_ADD_ADDR) < 0)
            return client_fail("bind", errno, 0, 0);
    }
    struct sctp_udpencaps ue;
    memset(&ue, 0, sizeof(ue));
    ue.sue_port = htons((uint16_t)o.remote_udp_port);
    struct sctp_initmsg im;
    memset(&im, 0, sizeof(im));
    im.sinit_num_ostreams = (uint16_t)(o.streams < 10 ? 10 : o.streams);
    if (set_common(sd) < 0 ||
        setopt(sd, IPPROTO_SCTP, SCTP_REMOTE_UDP_ENCAPS_PORT, "SCTP_REMOTE_UDP_ENCAPS_PORT",
               "--remote-udp-port", &ue, sizeof(ue)) < 0 ||
        setopt(sd, IPPROTO_SCTP, SCTP_INITMSG, "SCTP_INITMSG", "--streams", &im,
               sizeof(im)) < 0)
        return client_fail(opt_failed, errno, 0, 0);
    /* a message larger than the send buffer can never be sent (EMSGSIZE): say so now */
    int sndbuf = 0;
    socklen_t blen = sizeof(sndbuf);
    if (o.msg_size && mpsctp_getsockopt(sd, SOL_SOCKET, SO_SNDBUF, &sndbuf, &blen) == 0 &&
        sndbuf > 0 && o.msg_size > (uint32_t)sndbuf)
        opts_die("--msg-size: a message of %u bytes does not fit the send buffer (%d bytes; "
                 "raise --sndbuf)", o.msg_size, sndbuf);
    {
        uint8_t packed[PERF_MAX_ADDRS * sizeof(struct sockaddr_in6)];
        size_t off = 0;
        for (int i = 0; i < o.connect.n; i++) {
            memcpy(packed + off, &o.connect.a[i], o.connect.len[i]);
            off += o.connect.len[i];
        }
        if (mpsctp_connectx(sd, (struct sockaddr *)packed, o.connect.n, NULL) < 0)
            return client_fail("connect", errno, 0, 0);
    }
    struct sctp_status sst;
    socklen_t sl = sizeof(sst);
    memset(&sst, 0, sizeof(sst));
    if (mpsctp_getsockopt(sd, IPPROTO_SCTP, SCTP_STATUS, &sst, &sl) == 0 &&
        sst.sstat_outstrms < o.streams) {
        fprintf(stderr, "mpsctp-perf: the server grants %u streams, %u requested\n",
                sst.sstat_outstrms, o.streams);
        return client_fail("streams", EINVAL, 0, 0);
    }
    if (!o.msg_size)
        o.msg_size = sst.sstat_fragmentation_point ? sst.sstat_fragmentation_point
                                                   : DEFAULT_MSG_SIZE;
    client_cmt = cmt_read(sd);
    /* SCTP_SQINFO wants room for every outgoing stream of the association */
    uint32_t nout = sst.sstat_outstrms > o.streams ? sst.sstat_outstrms : o.streams;
    sq_sched sched;
    memset(&sched, 0, sizeof(sched));
    if (o.sqinfo_limit && sq_sched_init(&sched, sd, o.streams, nout) < 0)
        return client_fail("getsockopt SCTP_SQINFO (--sqinfo-limit)", errno, 0, 0);
    sq_log_init(&client_sq, nout);
    /* the peer's addresses, in its order, for the per-path reports */
    client_paths.port = o.port;
    paths_update(sd, &client_paths, &snap_lock);

    uint8_t *buf = calloc(1, o.msg_size);
    if (!buf)
        return client_fail("memory", ENOMEM, 0, 0);
    echo_rx er;
    memset(&er, 0, sizeof(er));
    er.sd = sd;
    pthread_t eth;
    int echo = 0;
    int tty = isatty(STDERR_FILENO);
    double t0 = now_s(), next_progress = t0 + 1.0, deadline = t0 + o.seconds;
    uint64_t sent = 0, g = 0;
    /* Whatever the server sends back is always read (an unread echo would close the
     * window and stall both sides) and checked like the server checks what it gets. */
    if (rx_init(&er.x, o.verify) < 0)
        return client_fail("memory", ENOMEM, 0, 0);
    if (pthread_create(&eth, NULL, echo_main, &er) == 0)
        echo = 1;
    client_deadline = deadline;
    ticker tk = {.sd = sd, .since = t0};
    if (o.interval > 0 && sq_init(&tk.sq, nout) == 0)
        client_sq_sampling = sq_read(sd, &tk.sq) == 0 ? 1 : -1;
    pthread_mutex_init(&tk.lock, NULL);
    pthread_cond_init(&tk.cond, NULL);
    pthread_t tth;
    int ticking = o.interval > 0 && pthread_create(&tth, NULL, ticker_main, &tk) == 0;
    int fail_e = 0;
    const char *fail_what = NULL;
    uint8_t msg_flags = (uint8_t)((o.verify ? PERF_F_PATTERN : 0) | (o.echo ? PERF_F_ECHO : 0));
    for (;;) {
        if (__atomic_load_n(&er.refused, __ATOMIC_ACQUIRE)) {
            fail_what = er.notice; /* the server does not echo */
            break;
        }
        uint32_t len = o.msg_size;
        if (o.bytes) {
            if (sent >= o.bytes)
                break;
            if (o.bytes - sent < len)
                len = (uint32_t)(o.bytes - sent);
        } else if (now_s() >= deadline) {
            break;
        }
        uint32_t s;
        if (o.sqinfo_limit) {
            /* the application behaviour of experiment E6 (docs/results/README.md):
             * stream s only while its queue is below sq_queue_limit / K */
            int r = sq_sched_pick(&sched, sd, 200, client_time_up);
            if (r == -2)
                break;
            if (r < 0) {
                fail_e = errno;
                fail_what = "SCTP_SQINFO";
                break;
            }
            s = (uint32_t)r;
        } else {
            s = (uint32_t)(g % o.streams);
        }
        /* message m of stream s: the stream's count so far (g / K in round robin) */
        uint32_t m = s < client_streams.n ? (uint32_t)client_streams.messages[s] : 0;
        if (!o.ppid_numbers)
            msg_fill(buf, len, s, m, msg_flags); /* the header, and the pattern */
        else if (o.verify)
            interop_fill(buf, len, s, m, 0);
        if (o.verify && o.corrupt_at && g + 1 == o.corrupt_at)
            buf[len / 2] ^= 0x5a; /* test hook: one wrong byte */
        struct sctp_sndinfo si;
        memset(&si, 0, sizeof(si));
        si.snd_sid = (uint16_t)s;
        si.snd_ppid = o.ppid_numbers ? htonl(m) : 0; /* PPID 0: unspecified */
        si.snd_flags = o.unordered ? SCTP_UNORDERED : 0;
        struct iovec iov = {buf, len};
        ssize_t n = mpsctp_sendv(sd, &iov, 1, NULL, 0, &si, sizeof(si), SCTP_SENDV_SNDINFO,
                                 o.sqinfo_limit ? MSG_DONTWAIT : 0);
        if (n != (ssize_t)len) {
            if (n < 0 && errno == EINTR)
                continue;
            if (n < 0 && errno == EAGAIN && o.sqinfo_limit) {
                /* below every share but the whole buffer is full: wait for acks */
                struct timespec ts = {0, 200000};
                nanosleep(&ts, NULL);
                continue;
            }
            fail_e = n < 0 ? errno : EIO;
            fail_what = "send";
            break;
        }
        sent += len;
        __atomic_store_n(&client_sent, sent, __ATOMIC_RELAXED);
        if (streams_add(&client_streams, s, len, 1) < 0) {
            fail_e = ENOMEM;
            fail_what = "memory";
            break;
        }
        if (o.sqinfo_limit)
            sq_sched_wrote(&sched, s, len);
        g++;
        if (tty && (g & 63) == 0)
            progress(t0, sent, &next_progress);
    }
    pthread_mutex_lock(&echo_lock);
    er.sent_total = sent;
    er.sender_done = 1;
    pthread_mutex_unlock(&echo_lock);
    /* Echoes come back before the shutdown: after SHUTDOWN the server may not send new
     * data. Wait for them with --echo, or when some have come back already (an echo
     * server seen during a transfer longer than a round trip). */
    if (!fail_what && echo && (o.echo || er.x.bytes > 0)) {
        uint64_t seen = (uint64_t)-1;
        double quiet_since = now_s();
        for (;;) {
            pthread_mutex_lock(&echo_lock);
            uint64_t got = er.x.bytes;
            int done = got >= sent && !er.x.in_msg;
            pthread_mutex_unlock(&echo_lock);
            if (__atomic_load_n(&er.refused, __ATOMIC_ACQUIRE)) {
                fail_what = er.notice; /* the server does not echo */
                break;
            }
            if (done || er.err)
                break;
            if (got != seen) {
                seen = got;
                quiet_since = now_s();
            } else if (now_s() - quiet_since > 30) {
                fail_e = ETIMEDOUT;
                fail_what = "waiting for the echo";
                break;
            }
            if (tty)
                progress(t0, sent, &next_progress);
            usleep(1000);
        }
    }
    /* Every byte acknowledged (the echo reader still takes the notifications): the path
     * counters are final; after the shutdown the association and its paths are gone. */
    while (!fail_what && !er.err) {
        struct sctp_status sst2;
        socklen_t sl2 = sizeof(sst2);
        memset(&sst2, 0, sizeof(sst2));
        if (mpsctp_getsockopt(sd, IPPROTO_SCTP, SCTP_STATUS, &sst2, &sl2) < 0 ||
            (sst2.sstat_unackdata == 0 && sst2.sstat_penddata == 0))
            break;
        usleep(1000);
    }
    paths_update(sd, &client_paths, &snap_lock);
    pthread_mutex_lock(&echo_lock);
    er.sent_total = 0; /* let the echo reader stop */
    pthread_mutex_unlock(&echo_lock);
    if (echo)
        pthread_join(eth, NULL);
    int echoed = er.x.bytes > 0;
    if (!fail_what) {
        /* graceful shutdown; the end of file comes with SHUTDOWN COMPLETE, once every
         * byte has been acknowledged */
        if (mpsctp_shutdown(sd, SHUT_WR) < 0) {
            fail_e = errno;
            fail_what = "shutdown";
        } else {
            for (;;) {
                uint8_t tmp[4096];
                int flags = 0;
                struct iovec iov = {tmp, sizeof(tmp)};
                ssize_t n = mpsctp_recvv(sd, &iov, 1, NULL, NULL, NULL, NULL, NULL, &flags);
                if (n == 0)
                    break;
                if (n > 0 && (flags & MSG_NOTIFICATION))
                    notification(tmp, (size_t)n, &client_log, "client");
                if (n < 0) {
                    if (errno == EINTR)
                        continue;
                    fail_e = errno;
                    fail_what = "shutdown";
                    break;
                }
            }
        }
    }
    double secs = now_s() - t0;
    if (ticking) {
        pthread_mutex_lock(&tk.lock);
        tk.stop = 1;
        pthread_cond_signal(&tk.cond);
        pthread_mutex_unlock(&tk.lock);
        pthread_join(tth, NULL);
    }
    if (tty)
        fprintf(stderr, "\r%60s\r", "");
    uint64_t sq_reads = sched.reads;
    sq_sched_free(&sched);
    sq_free(&tk.sq);
    if (fail_what) {
        if (fail_what == er.notice) {
            /* nothing more to send to a server that will not echo: end it at once */
            struct sctp_sndinfo ab;
            memset(&ab, 0, sizeof(ab));
            ab.snd_flags = SCTP_ABORT;
            struct iovec none = {buf, 0};
            mpsctp_sendv(sd, &none, 1, NULL, 0, &ab, sizeof(ab), SCTP_SENDV_SNDINFO, 0);
        }
        int rc = client_fail(fail_what, fail_e, sent, secs);
        rx_free(&er.x);
        free(buf);
        client_free();
        mpsctp_close(sd);
        mpsctp_stack_free(st);
        return rc;
    }
    /* verified: the pattern went out and every byte was acknowledged (graceful end);
     * with an echo, the echoed bytes were checked too */
    int verified = o.verify ? V_OK : V_NONE;
    char err[220] = "";
    if (echoed) {
        rx_finish(&er.x);
        if (o.verify && er.x.verify != V_OK) {
            verified = V_FAIL;
            snprintf(err, sizeof(err), "echo: %s", er.x.error[0] ? er.x.error : "not the pattern");
        }
        if (er.x.bytes != sent) {
            verified = V_FAIL;
            snprintf(err, sizeof(err), "echo: %" PRIu64 " of %" PRIu64 " bytes came back",
                     er.x.bytes, sent);
        }
    }
    double gbps = secs > 0 ? (double)sent * 8 / secs : 0;
    pthread_mutex_lock(&out_lock);
    if (o.json) {
        printf("{\"role\":\"client\",\"bytes\":%" PRIu64 ",\"seconds\":%.6f,\"goodput_bps\":%.0f,"
               "\"verified\":%s,",
               sent, secs, gbps, verified_json(verified));
        cmt_print(stdout, &client_cmt);
        putchar(',');
        paths_json(stdout, &client_log, &client_paths);
        printf(",\"messages\":%" PRIu64 ",\"echoed_bytes\":%" PRIu64 ",", g, er.x.bytes);
        streams_print(stdout, &client_streams, secs, "", 1);
        printf(",\"sqinfo_limit\":%s,\"sqinfo_reads\":%" PRIu64 ",",
               o.sqinfo_limit ? "true" : "false", sq_reads);
        if (client_sq_sampling < 0)
            printf("\"sqinfo_samples\":null");
        else
            sq_log_print(stdout, &client_sq, "", 1);
        printf(",\"ok\":%s", verified == V_FAIL ? "false" : "true");
        if (err[0]) {
            printf(",\"error\":");
            json_str(stdout, err);
        }
        printf("}\n");
    } else {
        printf("client: %" PRIu64 " bytes in %.3f s: %.2f Mbit/s goodput, verified %s",
               sent, secs, gbps / 1e6,
               verified == V_OK ? "yes" : verified == V_FAIL ? "NO" : "no (pattern off)");
        cmt_print(stdout, &client_cmt);
        printf("%s%s%s\n", o.sqinfo_limit ? ", SQINFO-driven sender" : "", err[0] ? ": " : "",
               err);
        if (o.streams > 1)
            streams_print(stdout, &client_streams, secs, "  ", 0);
        sq_log_print(stdout, &client_sq, "  ", 0);
        paths_print(stdout, &client_paths, "  ", o.json);
    }
    pthread_mutex_unlock(&out_lock);
    fflush(stdout);
    rx_free(&er.x);
    free(buf);
    client_free();
    mpsctp_close(sd);
    mpsctp_stack_free(st);
    return verified == V_FAIL ? 1 : 0;
}

int main(int argc, char **argv)
{
    t_start = now_s();
    opts_parse(argc, argv, &o);
    signal(SIGPIPE, SIG_IGN);
    if (o.server) {
        struct sigaction sa;
        memset(&sa, 0, sizeof(sa));
        sa.sa_handler = on_signal;
        sigaction(SIGINT, &sa, NULL);
        sigaction(SIGTERM, &sa, NULL);
        return run_server();
    }
    return run_client();
}
