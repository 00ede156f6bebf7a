/* mpsctp-perf's per-path reporting: snapshots of an association's paths (address,
 * state, bytes sent and received, timers, windows), the DATA payload bytes per peer
 * address counted from the stack's packet trace (for stacks without MPSCTP_PATH_STATS and
 * for associations gone before their last read), and the log of SCTP_PEER_ADDR_CHANGE
 * notifications. Output formats: docs/perf.md.
 *
 * The trace counts are the only state this module keeps (one table for the process,
 * guarded by its own lock); everything else is passed in. */
#ifndef MPSCTP_PERF_PATHS_H
#define MPSCTP_PERF_PATHS_H

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/socket.h>

#include <mpsctp/socket.h>

#define PERF_MAX_PATHS (MPSCTP_STACK_MAX_ADDRS * 2) /* paths one snapshot holds */

/* One path as reported: from MPSCTP_PATH_STATS (full), else from SCTP_GET_PEER_ADDR_INFO
 * and the trace counts. */
typedef struct path_rep {
    struct mpsctp_pathstats ps; /* address, state, bytes; the rest only when full */
    int full;
} path_rep;

typedef struct path_snap {
    int n;
    int stale;      /* the association ended after this read: bytes from the trace */
    uint16_t port;  /* the peer's SCTP port (trace counts) */
    path_rep p[PERF_MAX_PATHS];
} path_snap;

/* SCTP_PEER_ADDR_CHANGE notifications of one association, with their times. */
typedef struct path_event {
    double t, wall; /* seconds since the program started; CLOCK_REALTIME */
    struct sockaddr_storage addr;
    uint32_t state, error;
} path_event;

typedef struct path_log {
    path_event *ev;
    size_t n, cap;
} path_log;

/* Writes the IP address of sa (IPv4 or IPv6, without the port) into buf of len bytes;
 * an empty string for any other family. */
void addr_str(const struct sockaddr *sa, char *buf, size_t len);

/* Packet trace callback for mpsctp_stack_config.trace: adds the DATA payload bytes of
 * the packet pkt of len bytes (dir 1: sent, else received) to the counts of the peer
 * address remote and the peer's SCTP port. Thread-safe; user and local are unused. */
void count_trace(void *user, int dir, const uint8_t *pkt, size_t len,
                 const struct sockaddr *local, const struct sockaddr *remote);

/* Reads every path of the association of sd into s (s->port, the peer's SCTP port, is
 * kept). Returns 0, or -1 (errno) when the association is gone: s is then left as it
 * was but marked stale. */
int paths_get(int sd, path_snap *s);

/* paths_get into a copy of *shared, which threads share under lock: *shared becomes the
 * new snapshot, or is only marked stale when the association is gone. lock is not held
 * during the read. */
void paths_update(int sd, path_snap *shared, pthread_mutex_t *lock);

/* Writes the paths of s to f: "paths":[...] when json, else one line per path, each
 * starting with prefix. Byte counts the snapshot lacks (no MPSCTP_PATH_STATS, or stale)
 * are first filled into s from the trace counts. */
void paths_print(FILE *f, path_snap *s, const char *prefix, int json);

/* Handles the notification buf of n bytes: an SCTP_PEER_ADDR_CHANGE goes into log with
 * the times t (seconds since the program started) and wall (CLOCK_REALTIME seconds) and,
 * unless json, is printed at once on stdout after who. Holds lock while it changes log
 * and prints (the lock report writers hold to read log and write stdout). Returns the
 * notification type, 0 when buf is too short for one. */
uint16_t on_notification(const uint8_t *buf, size_t n, path_log *log, const char *who,
                         double t, double wall, int json, pthread_mutex_t *lock);

/* Writes the events of log and the paths of s to f as JSON members:
 * "path_events":[...],"paths":[...] (paths_print with json). The caller holds the lock
 * given to on_notification for log. */
void paths_json(FILE *f, const path_log *log, path_snap *s);

/* Releases the memory of log's events (log itself is the caller's). */
void path_log_free(path_log *log);

#endif
