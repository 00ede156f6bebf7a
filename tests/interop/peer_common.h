/*
 * What the two interop peers (usrsctp_peer.c, mpsctp_peer.c) share: the command line,
 * the result and its JSON line, and the check of every received message against the
 * traffic pattern (interop_pattern.h). The socket calls stay in each program.
 */
#ifndef MPSCTP_INTEROP_PEER_COMMON_H
#define MPSCTP_INTEROP_PEER_COMMON_H

#include <stddef.h>
#include <stdint.h>
#include <netinet/in.h>

#include "interop_pattern.h"

#define PEER_MAX_MSG (1u << 20)
#define PEER_MAX_STREAMS 1024
#define PEER_MAX_ADDRS 4

/* Stream schedulers both stacks have (--sched); each program maps them to its ids. */
#define PEER_SS_FCFS 0
#define PEER_SS_RR 1
#define PEER_SS_RR_PKT 2
#define PEER_SS_PRIO 3
#define PEER_MAX_SSVALUES 8
/* Streams whose order of arrival --order-stats follows (the first ones). */
#define PEER_ORDER_STREAMS 16
/* --pr policies (each program maps them to its stack's numbers) */
enum { PEER_PR_NONE = 0, PEER_PR_TTL, PEER_PR_RTX, PEER_PR_PRIO, PEER_PR_BUF };

/* Options only mpsctp_peer takes (--idle, --min-heartbeats, --pcap, --linger). */
#define PEER_OPTS_MPSCTP 1u

/* The command line: the union of both programs' options, and what follows from it. */
typedef struct peer_opts {
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
    /* PEER_OPTS_MPSCTP */
    uint32_t idle_ms;
    uint32_t min_heartbeats;
    const char *pcap_path;
    int linger_ms; /* -1: default */
    /* multihoming and failover (both programs) */
    const char *local_addrs; /* --local-addrs A,B: bindx these (server and client) */
    int npeer_addrs;          /* --client A,B PORT: connectx to these (addr holds the list) */
    uint32_t rto_min, rto_max, rto_initial; /* --rto MIN,INITIAL,MAX (ms), 0: default */
    uint32_t path_max_retrans, assoc_max_retrans; /* --pmr N, --amr N */
    uint64_t rate;            /* --rate BYTES: the sender sends at most this per second */
    uint64_t read_rate;       /* --read-rate BYTES: the receiver takes at most this many
                                 bytes of messages per second (its reading is then the
                                 bottleneck, so that the sender's buffer stays full) */
    uint64_t run_at;          /* --run-at BYTES CMD: the sender runs CMD (sh) once that */
    const char *run_cmd;      /*   many bytes have been sent */
    uint32_t wait_confirm_ms; /* --wait-confirm MS: wait until every peer address is
                                 confirmed and active before the transfer (at most MS) */
    int cmt;                  /* --cmt N: SCTP_CMT_ON_OFF value (0..4) set on the socket
                                 before listen/connect; -1: not set */
    /* stream schedulers (both programs; the "sched" group of interop_run.sh) */
    int sched;                /* --sched fcfs|rr|rrp|prio: PEER_SS_*, set on the
                                 association before the transfer; -1: not set */
    int nssvalue;             /* --ssvalue SID:VALUE[,SID:VALUE...]: stream values */
    struct {
        uint16_t sid, value;
    } ssvalue[PEER_MAX_SSVALUES];
    int order_stats;          /* --order-stats: the JSON line gets "order" (receiver) */
    int reconf;               /* --reconf: the stream reconfiguration run (peer_reconf_*) */
    /* message interleaving (both programs; the "idata" group of interop_run.sh) */
    int idata;                /* --idata: fragment interleave level 2 and I-DATA offered
                                 on the socket before listen/connect; the receiver
                                 gathers the pieces of each stream apart; the JSON line
                                 gets "idata" (what the association uses) */
    uint32_t first_size;      /* --first-size N: message 0 has N bytes (the rest follow
                                 --msg-size); the JSON line gets "first_msg_index" */
    /* partial reliability: --pr POLICY,VALUE (ttl, rtx, prio, buf) gives the sender's
     * messages that policy, and lets the receiver miss messages (abandoned): ordered
     * ones then only have to come in ascending order; --pr-log FILE: the sender writes
     * the numbers g of the messages reported abandoned (SEND_FAILED), the receiver those
     * it received, one per line */
    int pr;                   /* PEER_PR_* */
    uint32_t pr_value;
    const char *pr_log;
    /* derived */
    interop_sizes sizes;
    uint64_t nmsgs;     /* messages of the transfer */
    uint32_t last_size; /* size of the last one */
    const char *role;   /* "server" or "client" */
} peer_opts;

/* Parses the command line of program prog, which takes the common options and those in
 * extras (PEER_OPTS_*). Bad usage, or an option of the other program: a message and the
 * usage on stderr, exit status 2. */
void peer_parse(peer_opts *o, int argc, char **argv, const char *prog, unsigned extras);

/* Prints the usage (of the program given to peer_parse) and exits with status 2. */
void peer_usage(void);

/* A decimal number with an optional k/M/G suffix (2^10/2^20/2^30); peer_usage() if not. */
uint64_t peer_parse_size(const char *s);

/* Length of message g of the transfer (the last one is cut short). */
static inline uint32_t peer_msg_len(const peer_opts *o, uint64_t g)
{
    if (o->first_size && g == 0)
        return o->first_size;
    return g == o->nmsgs - 1 ? o->last_size : interop_size(&o->sizes, g);
}

/* ---- results ---------------------------------------------------------------------- */

typedef struct peer_result {
    uint64_t bytes, messages;
    double seconds;
    int verified; /* 1 yes, 0 no, -1 not checked */
    int aborted;
    int comm_lost, econnreset, shutdown_comp; /* reported by mpsctp_peer only */
    char error[200];
    /* multihoming: SCTP_PEER_ADDR_CHANGE events ("ADDR STATE @seconds;..."), peer address
     * states before and after the transfer, the time --run-at ran its command and the
     * longest pause between two received messages (seconds since the program started;
     * -1: not at all) */
    char path_events[1024];
    char paddrs_start[160], paddrs_end[160];
    double t_run, max_gap, last_rx;
    /* with --cmt: the association's SCTP_CMT_ON_OFF value as read back (-1: unknown) */
    int cmt;
    /* --order-stats: arrival index (0, 1, ... over all streams) of the latest message of
     * each stream (+1; 0: none yet), the stream of the previous message, the current and
     * the longest run of consecutive messages of one stream */
    uint64_t ord_last[PEER_ORDER_STREAMS];
    uint32_t ord_prev;
    uint64_t ord_run, ord_max_run;
    /* with --reconf: stream reset and stream change events that succeeded, streams whose
     * SSNs restarted at 0 after a reset, the stream counts of the last change event, and
     * per stream the SSN the next ordered message must carry and whether a reset is due */
    uint32_t rc_resets, rc_changes, rc_restarts, rc_in, rc_out;
    uint16_t rc_next_ssn[PEER_MAX_STREAMS];
    uint8_t rc_reset_due[PEER_MAX_STREAMS];
    /* --idata: 1 when the association uses I-DATA, 0 not, -1 unknown; --first-size: how
     * many messages were complete before message 0 (-1: it was not) */
    int idata;
    int64_t first_index;
    /* with --pr, the sender: messages reported abandoned (SEND_FAILED) */
    uint64_t abandoned;
} peer_result;

/* A zeroed result; verified 1 with --no-verify absent, else -1. */
void peer_result_init(const peer_opts *o, peer_result *r);

/* Records the first error (fmt takes two uint64_t) and marks the data as not verified. */
void peer_fail(peer_result *r, const char *fmt, uint64_t a, uint64_t b);

/* Folds the result of the thread that read the echo into r (the sending side's). */
void peer_merge_echo(peer_result *r, const peer_result *echo);

/* The end of a run: names an unexpected abort as the error, and returns 1 when the run
 * succeeded. */
void peer_note_abort(const peer_opts *o, peer_result *r);
int peer_ok(const peer_opts *o, const peer_result *r);

/* The JSON line: the common fields, then extra() (may be NULL) prints more fields
 * (",\"name\":value..."), then the error if any. */
void peer_print_result(const peer_opts *o, const char *impl, const peer_result *r,
                       void (*extra)(const peer_result *r, void *user), void *user);

/* Installs the --timeout alarm (prints {"error":"timeout"}, exit status 3) and ignores
 * SIGPIPE. */
void peer_arm_timeout(const peer_opts *o);

double peer_now_s(void);

/* ---- multihoming -------------------------------------------------------------------- */

/* Parses a comma-separated IPv4 list into out[0..max-1] with port; returns the count,
 * or peer_usage() on a bad address or more than max. */
int peer_parse_addrs(const char *list, struct sockaddr_in *out, int max, uint16_t port);

/* Records an SCTP_PEER_ADDR_CHANGE event (address text, state name) with its time. */
void peer_path_event(peer_result *r, const char *addr, const char *state);

/* Writes the IPv4 address of the sockaddr_in at sa into buf ("?" for anything else) and
 * returns buf. */
const char *peer_addr_text(const void *sa, char *buf, size_t cap);

/* Appends "ADDR=STATE" to a peer address state list (start or end snapshot). */
void peer_paddr_state(char *list, size_t cap, const char *addr, const char *state);

/* The sender calls this after each message with the bytes sent so far: runs the
 * --run-at command once they pass its threshold, and sleeps to keep to --rate. */
void peer_sent(const peer_opts *o, peer_result *r, uint64_t sent, double t0);

/* ---- stream reconfiguration (--reconf) ---------------------------------------------
 * The sender sends RECONF_PHASE1 messages round robin on streams 0..3, resets its
 * outgoing streams 1 and 2 (SCTP_RESET_STREAMS) and waits for the stream reset event,
 * adds RECONF_ADD outgoing streams (SCTP_ADD_STREAMS) and waits for the stream change
 * event, asks for RECONF_ADD more incoming streams and waits for the stream change event
 * again, then sends RECONF_PHASE2 messages round robin on streams 0..3 and the new
 * outgoing ones.
 * Each stream numbers its messages on (PPID) across the reset: the receiver checks the
 * bytes and order as usual, and the SSNs with peer_reconf_ssn. */
#define RECONF_PHASE1 40u
#define RECONF_PHASE2 60u
#define RECONF_ADD 2u

/* A received ordered message on stream sid carried SSN ssn: it must be the one after
 * the previous on that stream, or 0 after the stream was reset (counted). */
void peer_reconf_ssn(peer_result *r, uint32_t sid, uint16_t ssn);
/* A stream reset event (Linux/usrsctp flag values, the same in both): a denied or failed
 * reset fails the run; a reset of inbound streams list[0..n) (n 0: all) makes their
 * next SSN 0. */
void peer_reconf_reset(peer_result *r, uint16_t flags, const uint16_t *list, size_t n);
/* A stream change event: flags other than 0 fail the run. */
void peer_reconf_change(peer_result *r, uint16_t flags, uint16_t in, uint16_t out);
/* A notification buf[0..len) that is a stream reset event (change 0) or a stream change
 * event (change 1), in the layout Linux and usrsctp share (type, flags, length,
 * association id, then the stream list or the two stream counts): peer_reconf_reset or
 * peer_reconf_change. */
void peer_reconf_event(peer_result *r, int change, const uint8_t *buf, size_t len);

/* ---- checking received messages --------------------------------------------------- */

typedef struct peer_verify {
    uint32_t next_m[PEER_MAX_STREAMS]; /* next ordered message number per stream */
    uint8_t *seen; /* bitmap of message numbers g (when the total is known) */
    double t0;     /* --read-rate: when the first message was read */
} peer_verify;

/* v must be zeroed; peer_verify_free releases it. */
void peer_verify_init(const peer_opts *o, peer_verify *v);
void peer_verify_free(peer_verify *v);

/* Counts one complete message received on stream sid with PPID ppid (as in the sockets
 * API, network byte order) and, unless --no-verify, checks it; sleeps to keep to
 * --read-rate. Returns its number g. */
uint64_t peer_check_message(const peer_opts *o, peer_verify *v, peer_result *r,
                            const uint8_t *msg, size_t len, uint32_t sid, uint32_t ppid,
                            int unordered);

/* --idata: the message being assembled on each stream (the pieces of messages of
 * different streams interleave, fragment interleave level 2). */
typedef struct peer_gather {
    uint8_t **msg;
    size_t *have;
    uint32_t n;
} peer_gather;

/* Returns 0, or -1 (out of memory). peer_gather_free releases it. */
int peer_gather_init(const peer_opts *o, peer_gather *g);
void peer_gather_free(peer_gather *g);

/* Adds a piece p[0..n) read on stream sid (ok: the read named its stream). Returns 1 when
 * it ended its message (eor): *msg and *len are the whole message, whose buffer the next
 * piece of that stream starts over; 0 when more is due; -1 with the error recorded in r. */
int peer_gather_add(peer_gather *g, peer_result *r, int ok, uint32_t sid, const uint8_t *p,
                    size_t n, int eor, uint8_t **msg, size_t *len);
/* --pr: the sender records message g as abandoned (counted, and logged with --pr-log). */
void peer_abandoned(const peer_opts *o, peer_result *r, uint32_t sid, uint32_t ppid);

/* After a complete transfer was received (not aborted): with --bytes and verification,
 * fails unless every byte and message arrived. */
void peer_check_total(const peer_opts *o, peer_result *r);

#endif
