/* mpsctp-perf: the command line (perf_opts.h). */
#define _GNU_SOURCE
#include "perf_opts.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "perf_msg.h"
#include "units.h"

const char *const cmt_names[CMT_NAMES_N] = {"off", "cmt", "rpv1", "rpv2", "mptcp"};
const char *const bufsplit_names[BUFSPLIT_NAMES_N] = {"none", "sender", "receiver", "both"};
const char *const path_select_names[PATH_SELECT_NAMES_N] = {"rr", "stream"};

static void usage(void)
{
    printf("usage:\n"
           "  mpsctp-perf server [--udp-port P] [--bind A[,A2..]] [--port SCTPPORT] [--once]\n"
           "                     [--echo] [--json] [--no-verify] [--interval T]\n"
           "  mpsctp-perf client --connect A[,A2..] [--port SCTPPORT] [--udp-port P]\n"
           "                     [--remote-udp-port R] [--bind A[,A2..]]\n"
           "                     (--bytes SIZE | --time T) [--msg-size SIZE] [--streams K]\n"
           "                     [--unordered] [--sqinfo-limit] [--echo] [--json]\n"
           "                     [--no-verify] [--ppid-numbers] [--interval T]\n"
           "  both: [--rto-initial T] [--rto-min T] [--rto-max T] [--max-retrans N]\n"
           "        [--path-max-retrans N] [--pf-max-retrans N] [--hb-interval T]\n"
           "        [--sndbuf SIZE] [--rcvbuf SIZE] [--cmt off|cmt|rpv1|rpv2|mptcp|0..4]\n"
           "        [--bufsplit none|sender|receiver|both|0..3] [--path-select rr|stream|0|1]\n"
           "  mpsctp-perf --help | --version\n"
           "defaults: UDP port 9899 (client: any free port), remote UDP port 9899, SCTP port\n"
           "5001, messages of one DATA chunk (1444 bytes at the default MTU), 1 stream.\n"
           "--time and --interval count seconds; --rto-initial, --rto-min, --rto-max and\n"
           "--hb-interval milliseconds, unless a unit follows. --echo: the server sends every\n"
           "message back, the client checks the echoes (and fails when the server does not\n"
           "echo). --ppid-numbers: the message numbers go in the PPID instead of the payload\n"
           "(tests/interop's usrsctp_peer reads them there).\n"
           UNITS_HELP
           "Exit status: 0 success, 1 failure, 2 bad usage.\n");
}

void opts_die(const char *fmt, ...)
{
    va_list ap;
    fputs("mpsctp-perf: ", stderr);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    exit(2);
}

/* ---- values ------------------------------------------------------------------------- */

static uint64_t parse_size_in(const char *opt, const char *s, uint64_t lo, uint64_t hi)
{
    uint64_t v;
    if (units_size(s, &v) < 0)
        opts_die("%s: '%s' is not a size (e.g. 1444, 64KiB, 20M, 1MB)", opt, s);
    if (v < lo || v > hi)
        opts_die("%s: must be %llu..%llu bytes", opt, (unsigned long long)lo,
                 (unsigned long long)hi);
    return v;
}

static uint32_t parse_uint_in(const char *opt, const char *s, uint64_t lo, uint64_t hi)
{
    uint64_t v;
    if (units_uint(s, UINT64_MAX, &v) < 0)
        opts_die("%s: '%s' is not a whole number", opt, s);
    if (v < lo || v > hi)
        opts_die("%s: must be %llu..%llu", opt, (unsigned long long)lo, (unsigned long long)hi);
    return (uint32_t)v;
}

/* A time with the unit bare_ns for a bare number, at least lo_ns (else "must be"
 * lo_text). */
static uint64_t parse_time_ns(const char *opt, const char *s, uint64_t bare_ns, uint64_t lo_ns,
                              const char *lo_text)
{
    uint64_t ns;
    if (units_time(s, bare_ns, &ns) < 0)
        opts_die("%s: '%s' is not a time (e.g. 10s, 500ms)", opt, s);
    if (ns < lo_ns)
        opts_die("%s: must be %s", opt, lo_text);
    return ns;
}

/* A time in whole milliseconds (bare numbers are milliseconds), 1 ms .. 2^32 - 1 ms. */
static uint32_t parse_ms(const char *opt, const char *s)
{
    uint64_t ns = parse_time_ns(opt, s, 1000000u, 1000000u, "at least 1 ms");
    if (ns % 1000000u)
        opts_die("%s: must be whole milliseconds", opt);
    if (ns / 1000000u > UINT32_MAX)
        opts_die("%s: must be at most %u ms", opt, UINT32_MAX);
    return (uint32_t)(ns / 1000000u);
}

/* A name of names[0..n-1] or its index as a number. */
static int parse_name(const char *opt, const char *s, const char *const *names, int n)
{
    char list[128] = "";
    for (int i = 0; i < n; i++) {
        if (!strcmp(s, names[i]))
            return i;
        snprintf(list + strlen(list), sizeof(list) - strlen(list), "%s%s",
                 i == 0 ? "" : i == n - 1 ? " or " : ", ", names[i]);
    }
    if (s[0] >= '0' && s[0] <= '9' && !s[1] && s[0] - '0' < n)
        return s[0] - '0';
    opts_die("%s: '%s' is not %s (or 0..%d)", opt, s, list, n - 1);
}

/* Parses "A[,A2..]" (IPv4 or IPv6 literals) into l, ports 0. */
static void parse_addrs(const char *opt, const char *arg, addr_list *l)
{
    char buf[1024];
    if (strlen(arg) >= sizeof(buf))
        opts_die("%s: the address list is too long", opt);
    strcpy(buf, arg);
    l->n = 0;
    for (char *save = NULL, *t = strtok_r(buf, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
        if (l->n == PERF_MAX_ADDRS)
            opts_die("%s: at most %d addresses", opt, PERF_MAX_ADDRS);
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
            opts_die("%s: '%s' is not an IPv4 or IPv6 address", opt, t);
        }
        l->n++;
    }
    if (l->n == 0)
        opts_die("%s: no address in '%s'", opt, arg);
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

/* ---- the command line --------------------------------------------------------------- */

/* Options of one role only ('c' client, 's' server); every other option is for both. */
static const struct {
    const char *name;
    char role;
} role_opts[] = {
    {"--once", 's'},         {"--connect", 'c'},   {"--remote-udp-port", 'c'},
    {"--bytes", 'c'},        {"--time", 'c'},      {"--msg-size", 'c'},
    {"--streams", 'c'},      {"--unordered", 'c'}, {"--sqinfo-limit", 'c'},
    {"--ppid-numbers", 'c'}, {"--corrupt-at", 'c'},
};

static void check_role(const char *a, int server)
{
    for (size_t i = 0; i < sizeof(role_opts) / sizeof(role_opts[0]); i++)
        if (!strcmp(a, role_opts[i].name) && (role_opts[i].role == 's') != server)
            opts_die("%s: a %s option, not for the %s", a,
                     role_opts[i].role == 's' ? "server" : "client",
                     server ? "server" : "client");
}

static int is_help(const char *a)
{
    return !strcmp(a, "--help") || !strcmp(a, "-h");
}

static void version(void)
{
    printf("mpsctp-perf %s\n", MPSCTP_TOOLS_VERSION);
    exit(0);
}

void opts_parse(int argc, char **argv, opts *o)
{
    int have_bytes = 0, have_time = 0;
    memset(o, 0, sizeof(*o));
    o->port = PERF_SCTP_PORT;
    o->streams = 1;
    o->verify = 1;
    o->remote_udp_port = MPSCTP_DEFAULT_UDP_PORT;
    o->cmt = -1;
    o->bufsplit = -1;
    o->path_select = -1;
    for (int i = 1; i < argc; i++) { /* --help and --version win over everything else */
        if (is_help(argv[i])) {
            usage();
            exit(0);
        }
        if (!strcmp(argv[i], "--version"))
            version();
    }
    if (argc < 2)
        opts_die("server or client? (mpsctp-perf --help shows the options)");
    if (!strcmp(argv[1], "server"))
        o->server = 1;
    else if (strcmp(argv[1], "client"))
        opts_die("'%s': neither server nor client (mpsctp-perf --help shows the options)",
                 argv[1]);
    for (int i = 2; i < argc; i++) {
        const char *a = argv[i];
        if (a[0] != '-')
            opts_die("'%s': unexpected argument (options start with --)", a);
        check_role(a, o->server);
#define ARG() (i + 1 < argc ? argv[++i] : (opts_die("%s: needs a value", a), ""))
        if (!strcmp(a, "--udp-port")) {
            o->udp_port = (int)parse_uint_in(a, ARG(), 1, 65535);
            o->udp_port_set = 1;
        } else if (!strcmp(a, "--bind")) {
            parse_addrs(a, ARG(), &o->bind);
        } else if (!strcmp(a, "--port")) {
            o->port = (uint16_t)parse_uint_in(a, ARG(), 1, 65535);
        } else if (!strcmp(a, "--json")) {
            o->json = 1;
        } else if (!strcmp(a, "--no-verify")) {
            o->verify = 0;
        } else if (!strcmp(a, "--echo")) {
            o->echo = 1;
        } else if (!strcmp(a, "--rto-initial")) {
            o->rto_initial = parse_ms(a, ARG());
        } else if (!strcmp(a, "--rto-min")) {
            o->rto_min = parse_ms(a, ARG());
        } else if (!strcmp(a, "--rto-max")) {
            o->rto_max = parse_ms(a, ARG());
        } else if (!strcmp(a, "--hb-interval")) {
            o->hb_interval = parse_ms(a, ARG());
        } else if (!strcmp(a, "--max-retrans")) {
            o->max_retrans = parse_uint_in(a, ARG(), 1, 65535);
        } else if (!strcmp(a, "--path-max-retrans")) {
            o->path_max_retrans = parse_uint_in(a, ARG(), 1, 65535);
        } else if (!strcmp(a, "--pf-max-retrans")) {
            o->pf_max_retrans = parse_uint_in(a, ARG(), 0, 65535);
            o->pf_set = 1;
        } else if (!strcmp(a, "--interval")) {
            uint64_t ns = parse_time_ns(a, ARG(), 1000000000u, 10000000u, "at least 10 ms");
            o->interval = (double)ns / 1e9;
        } else if (!strcmp(a, "--sndbuf")) {
            o->sndbuf = (uint32_t)parse_size_in(a, ARG(), 4096, INT32_MAX);
        } else if (!strcmp(a, "--rcvbuf")) {
            o->rcvbuf = (uint32_t)parse_size_in(a, ARG(), 4096, INT32_MAX);
        } else if (!strcmp(a, "--cmt")) {
            o->cmt = parse_name(a, ARG(), cmt_names, CMT_NAMES_N);
        } else if (!strcmp(a, "--bufsplit")) {
            o->bufsplit = parse_name(a, ARG(), bufsplit_names, BUFSPLIT_NAMES_N);
        } else if (!strcmp(a, "--path-select")) {
            o->path_select = parse_name(a, ARG(), path_select_names, PATH_SELECT_NAMES_N);
        } else if (!strcmp(a, "--once")) {
            o->once = 1;
        } else if (!strcmp(a, "--connect")) {
            parse_addrs(a, ARG(), &o->connect);
        } else if (!strcmp(a, "--remote-udp-port")) {
            o->remote_udp_port = (int)parse_uint_in(a, ARG(), 1, 65535);
        } else if (!strcmp(a, "--bytes")) {
            o->bytes = parse_size_in(a, ARG(), 1, UNITS_SIZE_MAX);
            have_bytes = 1;
        } else if (!strcmp(a, "--time")) {
            o->seconds = (double)parse_time_ns(a, ARG(), 1000000000u, 1, "more than 0") / 1e9;
            have_time = 1;
        } else if (!strcmp(a, "--msg-size")) {
            o->msg_size = (uint32_t)parse_size_in(a, ARG(), 1, PERF_MSG_MAX);
        } else if (!strcmp(a, "--streams")) {
            o->streams = parse_uint_in(a, ARG(), 1, PERF_MAX_STREAMS);
        } else if (!strcmp(a, "--unordered")) {
            o->unordered = 1;
        } else if (!strcmp(a, "--sqinfo-limit")) {
            o->sqinfo_limit = 1;
        } else if (!strcmp(a, "--ppid-numbers")) {
            o->ppid_numbers = 1;
        } else if (!strcmp(a, "--corrupt-at")) {
            o->corrupt_at = parse_uint_in(a, ARG(), 1, UINT32_MAX);
        } else {
            opts_die("unknown option '%s' (mpsctp-perf --help shows the options)", a);
        }
#undef ARG
    }
    if (o->rto_min && o->rto_max && o->rto_min > o->rto_max)
        opts_die("--rto-min: %u ms is above --rto-max (%u ms)", o->rto_min, o->rto_max);
    if (o->server) {
        set_port(&o->bind, o->port);
        return;
    }
    if (have_bytes && have_time)
        opts_die("--bytes and --time: give one of them, not both");
    if (!have_bytes && !have_time)
        opts_die("client: give --bytes SIZE or --time T");
    if (!o->connect.n)
        opts_die("client: --connect ADDRESS is missing");
    if (o->sndbuf && o->msg_size > o->sndbuf)
        opts_die("--msg-size: a message of %u bytes does not fit the send buffer (--sndbuf "
                 "%u bytes)", o->msg_size, o->sndbuf);
    if (!o->udp_port_set)
        o->udp_port = MPSCTP_UDP_PORT_ANY;
    set_port(&o->connect, o->port);
    set_port(&o->bind, 0);
}
