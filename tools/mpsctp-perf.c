/*
 * mpsctp-perf: goodput measurement over the mpsctp sockets API (SCTP over UDP, RFC 6951).
 *
 *   mpsctp-perf server [--udp-port P] [--bind A[,A2..]] [--port SCTPPORT] [--once] [--echo]
 *                      [--json] [--no-verify] [failure-detection options]
 *   mpsctp-perf client --connect A[,A2..] [--port SCTPPORT] [--udp-port P]
 *                      [--remote-udp-port R] [--bind A[,A2..]] (--bytes N | --time SECONDS)
 *                      [--msg-size M] [--streams K] [--unordered] [--json] [--no-verify]
 *                      [failure-detection options]
 *
 * The client sends the interop pattern (interop_pattern.h): message g goes on stream g % K
 * as that stream's message m = g / K with PPID htonl(m), byte o of it is
 * interop_pattern(s, m, o); a --bytes transfer cuts the last message short. The server
 * checks every byte of every message, the order of ordered messages per stream, that
 * no message number is missing or doubled, and that only one message differs from the
 * others in size. When the first message received is not the pattern (another
 * implementation's client, or a client with --no-verify, which sends zeros) or with
 * --no-verify on the server, the server only counts bytes and reports "verified":null.
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

#include "perf_paths.h"
#include "interop_pattern.h"
#include "perf_streams.h"

#define DEFAULT_SCTP_PORT 5001
/* without --msg-size: the association's fragmentation point (one DATA chunk per
 * message), this when the stack does not say */
#define DEFAULT_MSG_SIZE 1444
#define MAX_ADDRS MPSCTP_STACK_MAX_ADDRS
#define MAX_MSG (64u << 20)
#define RECV_CHUNK (256u * 1024)
#define MAX_STREAMS 65535u

/* ---- options ---------------------------------------------------------------------- */

typedef struct addr_list {
    int n;
    struct sockaddr_storage a[MAX_ADDRS];
    socklen_t len[MAX_ADDRS];
} addr_list;

typedef struct opts {
    int server;
    int udp_port, udp_port_set;
    int remote_udp_port;
    uint16_t port;
    addr_list bind, connect;
    int once, echo, json, verify;
    uint64_t bytes;
    double seconds;
    uint32_t msg_size;
    uint32_t streams;
    int unordered;
    /* failure detection and buffers (0: the stack's default) */
    uint32_t rto_initial, rto_min, rto_max, max_retrans, path_max_retrans, hb_interval;
    uint32_t sndbuf, rcvbuf;
    int pf_set;          /* --pf-max-retrans given (0 is a valid threshold) */
    uint32_t pf_max_retrans;
    double interval;     /* --interval: seconds between reports, 0: none */
    uint64_t corrupt_at; /* test hook: flip a byte of message corrupt_at - 1 */
    int cmt;             /* --cmt: SCTP_CMT_ON_OFF value, -1: the stack's default */
    int bufsplit;        /* --bufsplit: MPSCTP_CMT_BUFSPLIT value, -1: the default */
    int path_select;     /* --path-select: MPSCTP_PATH_SELECT value, -1: the default */
    int sqinfo_limit;    /* --sqinfo-limit: the SQINFO-driven sender */
} opts;

static opts o;

static void usage(void)
{
    fprintf(stderr,
            "usage:\n"
            "  mpsctp-perf server [--udp-port P] [--bind A[,A2..]] [--port SCTPPORT] [--once]\n"
            "                     [--echo] [--json] [--no-verify] [--interval S]\n"
            "  mpsctp-perf client --connect A[,A2..] [--port SCTPPORT] [--udp-port P]\n"
            "                     [--remote-udp-port R] [--bind A[,A2..]]\n"
            "                     (--bytes N | --time SECONDS) [--msg-size M] [--streams K]\n"
            "                     [--unordered] [--sqinfo-limit] [--echo] [--json] [--no-verify]\n"
            "                     [--interval S]\n"
            "  both: [--rto-initial MS] [--rto-min MS] [--rto-max MS] [--max-retrans N]\n"
            "        [--path-max-retrans N] [--pf-max-retrans N] [--hb-interval MS]\n"
            "        [--sndbuf B] [--rcvbuf B] [--cmt off|cmt|rpv1|rpv2|mptcp|0..4]\n"
            "        [--bufsplit none|sender|receiver|both] [--path-select rr|stream|0|1]\n"
            "defaults: UDP port 9899 (client: any free port), remote UDP port 9899, SCTP port\n"
            "5001, messages of one DATA chunk (1444 bytes at the default MTU), 1 stream; sizes take k/M/G (2^10/2^20/2^30)\n");
    exit(2);
}

static uint64_t parse_size(const char *s)
{
    char *end;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    if (end == s || errno || *s == '-')
        usage();
    int sh = 0;
    switch (*end) {
    case 'k': case 'K': sh = 10; end++; break;
    case 'm': case 'M': sh = 20; end++; break;
    case 'g': case 'G': sh = 30; end++; break;
    default: break;
    }
    if (*end || (sh && v > (UINT64_MAX >> sh)))
        usage();
    return (uint64_t)v << sh;
}

static uint32_t parse_u32(const char *s, uint64_t max)
{
    uint64_t v = parse_size(s);
    if (v > max)
        usage();
    return (uint32_t)v;
}

static const char *const cmt_names[] = {"off", "cmt", "rpv1", "rpv2", "mptcp"};
static const char *const bufsplit_names[] = {"none", "sender", "receiver", "both"};
static const char *const path_select_names[] = {"rr", "stream"};
#define NAMES_N(t) ((int)(sizeof(t) / sizeof((t)[0])))

/* A name of names[0..n-1] or its index as a number; usage() when it is neither. */
static int parse_name(const char *s, const char *const *names, int n)
{
    for (int i = 0; i < n; i++)
        if (!strcmp(s, names[i]))
            return i;
    if (s[0] >= '0' && s[0] <= '9' && !s[1] && s[0] - '0' < n)
        return s[0] - '0';
    usage();
    return -1;
}

/* The name of value v of names[0..n-1] ("unknown" outside). */
static const char *name_of(int v, const char *const *names, int n)
{
    return v >= 0 && v < n ? names[v] : "unknown";
}

/* Parses "A[,A2..]" (IPv4 or IPv6 literals) with the given port. */
static void parse_addrs(const char *arg, addr_list *l)
{
    char buf[1024];
    if (strlen(arg) >= sizeof(buf))
        usage();
    strcpy(buf, arg);
    l->n = 0;
    for (char *save = NULL, *t = strtok_r(buf, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
        if (l->n == MAX_ADDRS) {
            fprintf(stderr, "mpsctp-perf: at most %d addresses\n", MAX_ADDRS);
            exit(2);
        }
        struct sockaddr_storage *ss = &l->a[l->n];
        memset(ss, 0, sizeof(*ss));
        struct sockaddr_in *s4 = (struct sockaddr_in *)ss;
        struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)ss;
        if (inet_pton(AF_INET, t, &s4->sin_addr) == 1) {
            s4->sin_family = AF_INET;
            l->len[l->n] = sizeof(*s4);
        } else if (inet_pton(AF_INET6, t, &s6->sin6_addr) == 1) {
            s6->sin6_family = AF_INET6;
            l->len[l->n] = sizeof(*s6);
        } else {
            fprintf(stderr, "mpsctp-perf: bad address '%s'\n", t);
            exit(2);
        }
        l->n++;
    }
    if (l->n == 0)
        usage();
}

static void set_port(addr_list *l, uint16_t port)
{
    for (int i = 0; i < l->n; i++) {
        if (l->a[i].ss_family == AF_INET)
            ((struct sockaddr_in *)&l->a[i])->sin_port = htons(port);
        else
            ((struct sockaddr_in6 *)&l->a[i])->sin6_port = htons(port);
    }
}

static int list_family(const addr_list *l)
{
    for (int i = 0; i < l->n; i++)
        if (l->a[i].ss_family == AF_INET6)
            return AF_INET6;
    return AF_INET;
}

static void parse(int argc, char **argv)
{
    int have_bytes = 0, have_time = 0;
    memset(&o, 0, sizeof(o));
    o.port = DEFAULT_SCTP_PORT;
    o.msg_size = 0; /* from the association */
    o.streams = 1;
    o.verify = 1;
    o.remote_udp_port = MPSCTP_DEFAULT_UDP_PORT;
    o.cmt = -1;
    o.bufsplit = -1;
    o.path_select = -1;
    if (argc < 2)
        usage();
    if (!strcmp(argv[1], "server"))
        o.server = 1;
    else if (strcmp(argv[1], "client"))
        usage();
    for (int i = 2; i < argc; i++) {
        const char *a = argv[i];
#define ARG() (i + 1 < argc ? argv[++i] : (usage(), ""))
        if (!strcmp(a, "--udp-port")) {
            o.udp_port = (int)parse_u32(ARG(), 65535);
            o.udp_port_set = 1;
        } else if (!strcmp(a, "--bind")) {
            parse_addrs(ARG(), &o.bind);
        } else if (!strcmp(a, "--port")) {
            o.port = (uint16_t)parse_u32(ARG(), 65535);
        } else if (!strcmp(a, "--json")) {
            o.json = 1;
        } else if (!strcmp(a, "--no-verify")) {
            o.verify = 0;
        } else if (!strcmp(a, "--rto-initial")) {
            o.rto_initial = parse_u32(ARG(), UINT32_MAX);
        } else if (!strcmp(a, "--rto-min")) {
            o.rto_min = parse_u32(ARG(), UINT32_MAX);
        } else if (!strcmp(a, "--rto-max")) {
            o.rto_max = parse_u32(ARG(), UINT32_MAX);
        } else if (!strcmp(a, "--max-retrans")) {
            o.max_retrans = parse_u32(ARG(), 65535);
        } else if (!strcmp(a, "--path-max-retrans")) {
            o.path_max_retrans = parse_u32(ARG(), 65535);
        } else if (!strcmp(a, "--pf-max-retrans")) {
            o.pf_max_retrans = parse_u32(ARG(), 65535);
            o.pf_set = 1;
        } else if (!strcmp(a, "--interval")) {
            char *end;
            o.interval = strtod(ARG(), &end);
            if (*end || !(o.interval >= 0.01))
                usage();
        } else if (!strcmp(a, "--hb-interval")) {
            o.hb_interval = parse_u32(ARG(), UINT32_MAX);
        } else if (!strcmp(a, "--sndbuf")) {
            o.sndbuf = parse_u32(ARG(), INT32_MAX);
        } else if (!strcmp(a, "--rcvbuf")) {
            o.rcvbuf = parse_u32(ARG(), INT32_MAX);
        } else if (!strcmp(a, "--cmt")) {
            o.cmt = parse_name(ARG(), cmt_names, NAMES_N(cmt_names));
        } else if (!strcmp(a, "--bufsplit")) {
            o.bufsplit = parse_name(ARG(), bufsplit_names, NAMES_N(bufsplit_names));
        } else if (!strcmp(a, "--path-select")) {
            o.path_select = parse_name(ARG(), path_select_names, NAMES_N(path_select_names));
        } else if (o.server && !strcmp(a, "--once")) {
            o.once = 1;
        } else if (!strcmp(a, "--echo")) {
            o.echo = 1;
        } else if (!o.server && !strcmp(a, "--connect")) {
            parse_addrs(ARG(), &o.connect);
        } else if (!o.server && !strcmp(a, "--remote-udp-port")) {
            o.remote_udp_port = (int)parse_u32(ARG(), 65535);
            if (o.remote_udp_port == 0)
                usage();
        } else if (!o.server && !strcmp(a, "--bytes")) {
            o.bytes = parse_size(ARG());
            have_bytes = 1;
        } else if (!o.server && !strcmp(a, "--time")) {
            char *end;
            o.seconds = strtod(ARG(), &end);
            if (*end || !(o.seconds > 0))
                usage();
            have_time = 1;
        } else if (!o.server && !strcmp(a, "--msg-size")) {
            o.msg_size = parse_u32(ARG(), MAX_MSG);
            if (o.msg_size == 0)
                usage();
        } else if (!o.server && !strcmp(a, "--streams")) {
            o.streams = parse_u32(ARG(), MAX_STREAMS);
        } else if (!o.server && !strcmp(a, "--unordered")) {
            o.unordered = 1;
        } else if (!o.server && !strcmp(a, "--sqinfo-limit")) {
            o.sqinfo_limit = 1;
        } else if (!o.server && !strcmp(a, "--corrupt-at")) {
            o.corrupt_at = parse_size(ARG());
        } else {
            usage();
        }
#undef ARG
    }
    if (!o.server) {
        if (!o.connect.n || have_bytes == have_time || (have_bytes && o.bytes == 0) ||
            o.streams == 0)
            usage();
        if (!o.udp_port_set)
            o.udp_port = MPSCTP_UDP_PORT_ANY;
        set_port(&o.connect, o.port);
        set_port(&o.bind, 0);
    } else {
        set_port(&o.bind, o.port);
    }
    if (o.port == 0)
        usage();
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

static mpsctp_stack *make_stack(const addr_list *bind, int udp_port,
                                void (*trace)(void *, int, const uint8_t *, size_t,
                                              const struct sockaddr *, const struct sockaddr *))
{
    mpsctp_stack_config cfg;
    memset(&cfg, 0, sizeof(cfg));
    cfg.udp_port = udp_port;
    cfg.naddrs = (size_t)bind->n;
    for (int i = 0; i < bind->n; i++)
        cfg.addrs[i] = bind->a[i];
    cfg.trace = trace;
    mpsctp_stack *st = mpsctp_stack_new(&cfg);
    if (!st) {
        if (udp_port == MPSCTP_UDP_PORT_ANY)
            fprintf(stderr, "mpsctp-perf: cannot create the stack: %s\n", strerror(errno));
        else
            fprintf(stderr, "mpsctp-perf: cannot create the stack on UDP port %d: %s\n",
                    udp_port ? udp_port : MPSCTP_DEFAULT_UDP_PORT, strerror(errno));
    }
    return st;
}

/* Sets option opt (struct sctp_assoc_value, the socket's own value) to v. On failure
 * says which option the stack refused and why (ENOPROTOOPT: it has no such option) and
 * returns -1 with errno kept. */
static int set_assoc_value(int sd, int opt, uint32_t v, const char *what)
{
    struct sctp_assoc_value av;
    memset(&av, 0, sizeof(av));
    av.assoc_value = v;
    if (mpsctp_setsockopt(sd, IPPROTO_SCTP, opt, &av, sizeof(av)) == 0)
        return 0;
    int e = errno;
    fprintf(stderr, "mpsctp-perf: %s: the stack refused option 0x%x = %u: %s%s\n", what,
            (unsigned)opt, v, strerror(e),
            e == ENOPROTOOPT ? " (this stack has no such socket option)" : "");
    errno = e;
    return -1;
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
    setting_print(f, "cmt", c->mode, cmt_names, NAMES_N(cmt_names), 1);
    setting_print(f, "bufsplit", c->bufsplit, bufsplit_names, NAMES_N(bufsplit_names), 0);
    setting_print(f, "path_select", c->path_select, path_select_names,
                  NAMES_N(path_select_names), 0);
}

/* Socket options both roles set: receive info, buffers, failure detection, CMT. */
static int set_common(int sd)
{
    int on = 1;
    if (mpsctp_setsockopt(sd, IPPROTO_SCTP, SCTP_RECVRCVINFO, &on, sizeof(on)) < 0)
        return -1;
    if (o.sndbuf) {
        int v = (int)o.sndbuf;
        if (mpsctp_setsockopt(sd, SOL_SOCKET, SO_SNDBUF, &v, sizeof(v)) < 0)
            return -1;
    }
    if (o.rcvbuf) {
        int v = (int)o.rcvbuf;
        if (mpsctp_setsockopt(sd, SOL_SOCKET, SO_RCVBUF, &v, sizeof(v)) < 0)
            return -1;
    }
    if (o.rto_initial || o.rto_min || o.rto_max) {
        struct sctp_rtoinfo r;
        socklen_t len = sizeof(r);
        memset(&r, 0, sizeof(r));
        if (mpsctp_getsockopt(sd, IPPROTO_SCTP, SCTP_RTOINFO, &r, &len) < 0)
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
        if (r.srto_min > r.srto_max) {
            errno = EINVAL;
            return -1;
        }
        if (mpsctp_setsockopt(sd, IPPROTO_SCTP, SCTP_RTOINFO, &r, sizeof(r)) < 0)
            return -1;
    }
    if (o.max_retrans) {
        struct sctp_assocparams p;
        memset(&p, 0, sizeof(p));
        p.sasoc_asocmaxrxt = (uint16_t)o.max_retrans;
        if (mpsctp_setsockopt(sd, IPPROTO_SCTP, SCTP_ASSOCINFO, &p, sizeof(p)) < 0)
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
        if (mpsctp_setsockopt(sd, IPPROTO_SCTP, SCTP_PEER_ADDR_PARAMS, &pp, sizeof(pp)) < 0)
            return -1;
    }
    if (o.pf_set) {
        /* RFC 7829 s7.2: both thresholds at once, for every path (wildcard address);
         * Path.Max.Retrans stays what it is unless --path-max-retrans is given */
        struct sctp_paddrparams pp;
        socklen_t len = sizeof(pp);
        memset(&pp, 0, sizeof(pp));
        if (!o.path_max_retrans &&
            mpsctp_getsockopt(sd, IPPROTO_SCTP, SCTP_PEER_ADDR_PARAMS, &pp, &len) < 0)
            return -1;
        struct sctp_paddrthlds t;
        memset(&t, 0, sizeof(t));
        t.spt_pathmaxrxt = o.path_max_retrans ? (uint16_t)o.path_max_retrans : pp.spp_pathmaxrxt;
        t.spt_pathpfthld = (uint16_t)o.pf_max_retrans;
        if (mpsctp_setsockopt(sd, IPPROTO_SCTP, SCTP_PEER_ADDR_THLDS, &t, sizeof(t)) < 0)
            return -1;
    }
    /* CMT (docs/api.md, CMT options): the socket's value, which the association inherits */
    if (o.cmt >= 0 && set_assoc_value(sd, SCTP_CMT_ON_OFF, (uint32_t)o.cmt, "--cmt") < 0)
        return -1;
    if (o.bufsplit >= 0 &&
        set_assoc_value(sd, MPSCTP_CMT_BUFSPLIT, (uint32_t)o.bufsplit, "--bufsplit") < 0)
        return -1;
    if (o.path_select >= 0 &&
        set_assoc_value(sd, MPSCTP_PATH_SELECT, (uint32_t)o.path_select, "--path-select") < 0)
        return -1;
    /* path state changes (logged) and the end of the peer's data (a last path report) */
    static const uint16_t evs[] = {SCTP_PEER_ADDR_CHANGE, SCTP_SHUTDOWN_EVENT};
    for (size_t i = 0; i < sizeof(evs) / sizeof(evs[0]); i++) {
        struct sctp_event ev;
        memset(&ev, 0, sizeof(ev));
        ev.se_type = evs[i];
        ev.se_on = 1;
        if (mpsctp_setsockopt(sd, IPPROTO_SCTP, SCTP_EVENT, &ev, sizeof(ev)) < 0)
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

/* ---- receiving and verification ----------------------------------------------------- */

enum { V_UNKNOWN = -2, V_NONE = -1, V_FAIL = 0, V_OK = 1 };

/* Receive-side state of one association (or one incarnation after a restart). */
typedef struct rxstate {
    int verify;            /* V_UNKNOWN until the first message, V_NONE, V_OK or V_FAIL */
    int expect_unordered;  /* -1: from the first message */
    uint64_t bytes, messages;
    /* the message being received */
    int in_msg;
    uint32_t sid, m;
    int unordered;
    uint64_t off;
    uint8_t *echo_buf;     /* --echo: the message being assembled */
    size_t echo_cap;
    /* per stream: next ordered message number, count and highest number seen */
    uint32_t *next_m, *count, *max_m;
    uint32_t nstreams_seen;
    /* message sizes: all but one (the last) are equal */
    uint64_t size_a, n_a, size_b, n_b;
    stream_count streams;  /* bytes and messages per stream, verified or not */
    char error[200];
} rxstate;

static int rx_init(rxstate *x, int verify)
{
    memset(x, 0, sizeof(*x));
    x->verify = verify ? V_UNKNOWN : V_NONE;
    x->expect_unordered = -1;
    if (verify) {
        x->next_m = calloc(MAX_STREAMS + 1, sizeof(uint32_t));
        x->count = calloc(MAX_STREAMS + 1, sizeof(uint32_t));
        x->max_m = calloc(MAX_STREAMS + 1, sizeof(uint32_t));
        if (!x->next_m || !x->count || !x->max_m)
            return -1;
    }
    return 0;
}

static void rx_free(rxstate *x)
{
    free(x->next_m);
    free(x->count);
    free(x->max_m);
    free(x->echo_buf);
    streams_free(&x->streams);
}

static void rx_fail(rxstate *x, const char *fmt, ...)
{
    if (x->verify == V_FAIL)
        return;
    x->verify = V_FAIL;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(x->error, sizeof(x->error), fmt, ap);
    va_end(ap);
}

/* A part of a message: verify (and keep it for echo). */
static int rx_part(rxstate *x, const uint8_t *buf, size_t n, const struct sctp_rcvinfo *ri,
                   int eor, int echo)
{
    if (!x->in_msg) {
        x->in_msg = 1;
        x->sid = ri ? ri->rcv_sid : 0;
        x->m = ri ? ntohl(ri->rcv_ppid) : 0;
        x->unordered = ri && (ri->rcv_flags & SCTP_UNORDERED);
        x->off = 0;
        if (x->verify == V_UNKNOWN) {
            /* The first message decides: the pattern, or another client's data. */
            x->verify = ri && n > 0 && interop_check(buf, n, x->sid, x->m, 0) == n ? V_OK : V_NONE;
        }
    }
    size_t at;
    if (x->verify == V_OK && (at = interop_check(buf, n, x->sid, x->m, x->off)) != n) {
        rx_fail(x, "message %" PRIu32 " of stream %" PRIu32 " differs at byte %" PRIu64,
                x->m, x->sid, x->off + at);
    }
    if (echo) {
        if (x->off + n > x->echo_cap) {
            size_t cap = x->echo_cap ? x->echo_cap : 65536;
            while (cap < x->off + n)
                cap *= 2;
            uint8_t *nb = cap <= MAX_MSG ? realloc(x->echo_buf, cap) : NULL;
            if (!nb)
                return -1;
            x->echo_buf = nb;
            x->echo_cap = cap;
        }
        memcpy(x->echo_buf + x->off, buf, n);
    }
    x->off += n;
    x->bytes += n;
    if (streams_add(&x->streams, x->sid, n, eor ? 1 : 0) < 0)
        return -1;
    if (!eor)
        return 0;
    /* the message is complete */
    x->in_msg = 0;
    x->messages++;
    if (x->verify == V_OK) {
        uint32_t s = x->sid;
        if (x->expect_unordered < 0)
            x->expect_unordered = x->unordered;
        if (x->unordered != x->expect_unordered)
            rx_fail(x, "message %" PRIu32 " of stream %" PRIu32 " has the wrong U flag", x->m, s);
        if (!x->unordered) {
            if (x->m != x->next_m[s])
                rx_fail(x, "stream %" PRIu32 ": ordered message %" PRIu32 " where %" PRIu32
                        " was due", s, x->m, x->next_m[s]);
            x->next_m[s] = x->m + 1;
        }
        if (x->count[s] == 0 && s + 1 > x->nstreams_seen)
            x->nstreams_seen = s + 1;
        x->count[s]++;
        if (x->m > x->max_m[s])
            x->max_m[s] = x->m;
        uint64_t sz = x->off;
        if (x->n_a == 0 || sz == x->size_a) {
            x->size_a = sz;
            x->n_a++;
        } else if (x->n_b == 0 || sz == x->size_b) {
            x->size_b = sz;
            x->n_b++;
        } else {
            rx_fail(x, "messages of three different sizes (%" PRIu64 ", %" PRIu64 ", %" PRIu64 ")",
                    x->size_a, x->size_b, sz);
        }
    }
    return 0;
}

/* End of the data (graceful): checks that nothing is missing. */
static void rx_finish(rxstate *x)
{
    if (x->verify == V_UNKNOWN)
        x->verify = x->bytes ? V_NONE : V_OK; /* nothing sent: nothing wrong */
    if (x->verify != V_OK)
        return;
    if (x->in_msg)
        rx_fail(x, "the last message is incomplete");
    for (uint32_t s = 0; s < x->nstreams_seen; s++)
        if (x->count[s] && x->count[s] != x->max_m[s] + 1)
            rx_fail(x, "stream %" PRIu32 ": %" PRIu32 " messages for numbers 0..%" PRIu32
                    " (lost or duplicated)", s, x->count[s], x->max_m[s]);
    /* the odd-sized message, if any, is the single short last one */
    if (x->n_a && x->n_b) {
        uint64_t big = x->size_a > x->size_b ? x->size_a : x->size_b;
        uint64_t nsmall = x->size_a > x->size_b ? x->n_b : x->n_a;
        if (nsmall != 1)
            rx_fail(x, "%" PRIu64 " messages shorter than %" PRIu64 " bytes", nsmall, big);
    }
}

static const char *verified_json(int v)
{
    return v == V_OK ? "true" : v == V_FAIL ? "false" : "null";
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

/* Serves one association until its end. Returns 1 when every incarnation succeeded. */
static int serve(session *ss)
{
    int sd = ss->sd, ok = 1;
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
            ok &= report_server(ss, &x, t - t0, errno_text(e, eb, sizeof(eb)), t - last);
            break;
        }
        if (n == 0) {
            double t = now_s();
            rx_finish(&x);
            ok &= report_server(ss, &x, t - t0, NULL, -1);
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
        if (o.echo && (flags & MSG_EOR)) {
            struct sctp_sndinfo si;
            memset(&si, 0, sizeof(si));
            si.snd_sid = (uint16_t)x.sid;
            si.snd_ppid = htonl(x.m);
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
    mpsctp_stack *st = make_stack(&o.bind, o.udp_port_set ? o.udp_port : 0, count_trace);
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
        uint8_t packed[MAX_ADDRS * sizeof(struct sockaddr_in6)];
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
        mpsctp_setsockopt(ls, IPPROTO_SCTP, SCTP_EVENT, &ev, sizeof(ev)) < 0 ||
        mpsctp_listen(ls, 64) < 0) {
        fprintf(stderr, "mpsctp-perf: socket options / listen: %s\n", strerror(errno));
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

static int client_fail(const char *what, int e, uint64_t bytes, double secs)
{
    char msg[256];
    snprintf(msg, sizeof(msg), "%s: %s", what, strerror(e));
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
    mpsctp_stack *st = make_stack(&o.bind, o.udp_port, count_trace);
    if (!st)
        return 1;
    int fam = list_family(&o.connect);
    if (fam == AF_INET && list_family(&o.bind) == AF_INET6)
        fam = AF_INET6;
    int sd = mpsctp_socket_on(st, fam, SOCK_STREAM, IPPROTO_SCTP);
    if (sd < 0)
        return client_fail("socket", errno, 0, 0);
    if (o.bind.n) {
        uint8_t packed[MAX_ADDRS * sizeof(struct sockaddr_in6)];
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
        mpsctp_setsockopt(sd, IPPROTO_SCTP, SCTP_REMOTE_UDP_ENCAPS_PORT, &ue, sizeof(ue)) < 0 ||
        mpsctp_setsockopt(sd, IPPROTO_SCTP, SCTP_INITMSG, &im, sizeof(im)) < 0)
        return client_fail("socket options", errno, 0, 0);
    {
        uint8_t packed[MAX_ADDRS * sizeof(struct sockaddr_in6)];
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
    if (o.sqinfo_limit && sq_sched_init(&sched, sd, o.streams, nout) < 0) {
        int e = errno;
        fprintf(stderr, "mpsctp-perf: --sqinfo-limit: the stack refused SCTP_SQINFO (0x%x): %s%s\n",
                (unsigned)SCTP_SQINFO, strerror(e),
                e == ENOPROTOOPT ? " (this stack has no such socket option)" : "");
        return client_fail("--sqinfo-limit: SCTP_SQINFO", e, 0, 0);
    }
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
    for (;;) {
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
        if (o.verify) {
            interop_fill(buf, len, s, m, 0);
            if (o.corrupt_at && g + 1 == o.corrupt_at)
                buf[len / 2] ^= 0x5a; /* test hook: one wrong byte */
        }
        struct sctp_sndinfo si;
        memset(&si, 0, sizeof(si));
        si.snd_sid = (uint16_t)s;
        si.snd_ppid = htonl(m);
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
        int rc = client_fail(fail_what, fail_e, sent, secs);
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
    parse(argc, argv);
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
