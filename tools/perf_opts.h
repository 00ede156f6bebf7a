/* mpsctp-perf's command line: the options, their parsing and the --help text
 * (docs/perf.md, man/mpsctp-perf.1). A wrong option ends the program with one line on
 * stderr that names it, and exit status 2. */
#ifndef MPSCTP_PERF_OPTS_H
#define MPSCTP_PERF_OPTS_H

#include <stdint.h>
#include <sys/socket.h>

#include <mpsctp/socket.h>

#define PERF_MAX_ADDRS MPSCTP_STACK_MAX_ADDRS
#define PERF_SCTP_PORT 5001

typedef struct addr_list {
    int n;
    struct sockaddr_storage a[PERF_MAX_ADDRS];
    socklen_t len[PERF_MAX_ADDRS];
} addr_list;

typedef struct opts {
    int server;
    int udp_port, udp_port_set;
    int remote_udp_port;
    uint16_t port;
    addr_list bind, connect;
    int once, echo, json, verify;
    int ppid_numbers;    /* --ppid-numbers: message numbers in the PPID (interop peers) */
    uint64_t bytes;
    double seconds;
    uint32_t msg_size;   /* 0: the association's fragmentation point */
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

/* Names of the values of --cmt, --bufsplit and --path-select, by value. */
#define CMT_NAMES_N 5
#define BUFSPLIT_NAMES_N 4
#define PATH_SELECT_NAMES_N 2
extern const char *const cmt_names[CMT_NAMES_N];
extern const char *const bufsplit_names[BUFSPLIT_NAMES_N];
extern const char *const path_select_names[PATH_SELECT_NAMES_N];

/* Fills *o from the command line. --help prints the usage on stdout and --version the
 * version, both then exit 0; a wrong option prints one line naming it on stderr and
 * exits 2. Returns only with a complete, consistent set of options. */
void opts_parse(int argc, char **argv, opts *o);

/* Prints "mpsctp-perf: " and the formatted problem as one line on stderr, then exits 2. */
void opts_die(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));

#endif
