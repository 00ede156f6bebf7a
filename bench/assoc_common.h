/*
 * Shared by the association scale benchmarks (assoc_bench.c for mpsctp,
 * assoc_bench_usrsctp.c for usrsctp): the arguments, the state the server and client
 * processes share (an anonymous shared mapping made before fork), the message format
 * and its check, the server's table of associations, and the result line.
 *
 * Phases, driven by the client (sh->phase) and acknowledged by the server
 * (sh->srv_phase):
 *   1 the server listens (RSS measured before any association);
 *   - the client sets up N associations, at most --window handshakes at a time; the time
 *     runs from its first INIT to the last COMM_UP of both sides;
 *   2 all are up and idle: the server measures its RSS again;
 *   3 the server takes its CPU time (getrusage, all threads), the client sends M
 *     messages, message k to association k mod N, at most --window of them not yet
 *     read by the server application; the server checks each one and takes its CPU
 *     time again once all M are read;
 *   4 the server has verified that every association got exactly its messages, in
 *     order.
 *
 * A message (--size bytes, at least 8) carries the client's index of its association
 * and its number on that association, then bytes computed from both. The server learns
 * which client index an association carries from its first message and checks that no
 * other association carries it.
 */
#ifndef MPSCTP_ASSOC_COMMON_H
#define MPSCTP_ASSOC_COMMON_H

#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define AB_SCTP_PORT 5001

typedef struct ab_args {
    uint32_t n;      /* associations */
    uint64_t m;      /* messages */
    uint32_t size;   /* bytes per message */
    uint32_t window; /* handshakes in progress / messages unread, at most */
    int json;
} ab_args;

typedef struct ab_shared {
    _Atomic int phase, srv_phase;
    _Atomic uint32_t srv_udp_port;
    _Atomic uint64_t srv_up, srv_msgs;
    _Atomic uint64_t t_srv_last_up; /* CLOCK_MONOTONIC ns */
    long rss0, rss1;                /* server RSS, bytes */
    double cpu_s;                   /* server CPU seconds while reading the messages */
    int64_t pkts_in, pkts_out;      /* server UDP datagrams then (-1: not known) */
    int srv_failed;
    char err[256];
} ab_shared;

static inline uint64_t ab_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static inline void ab_usage(const char *prog)
{
    fprintf(stderr,
            "usage: %s [--assocs N] [--messages M] [--size S] [--window W] [--json]\n"
            "  N associations (default 100), M messages in all (default 100000), S bytes\n"
            "  each (default 64), W handshakes / unread messages at most (default 1000)\n",
            prog);
}

static inline int ab_parse(int argc, char **argv, ab_args *a)
{
    a->n = 100;
    a->m = 100000;
    a->size = 64;
    a->window = 1000;
    a->json = 0;
    for (int i = 1; i < argc; i++) {
        const char *o = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!strcmp(o, "--json")) {
            a->json = 1;
            continue;
        }
        if (!v)
            goto bad;
        if (!strcmp(o, "--assocs"))
            a->n = (uint32_t)strtoul(v, NULL, 10);
        else if (!strcmp(o, "--messages"))
            a->m = strtoull(v, NULL, 10);
        else if (!strcmp(o, "--size"))
            a->size = (uint32_t)strtoul(v, NULL, 10);
        else if (!strcmp(o, "--window"))
            a->window = (uint32_t)strtoul(v, NULL, 10);
        else
            goto bad;
        i++;
    }
    /* Client addresses come from 127.3.0.0/16 and 127.2.0.0/16, 250 per /24. */
    if (a->n == 0 || a->n > 60000 || a->size < 8 || a->size > 1200 || a->window == 0)
        goto bad;
    return 0;
bad:
    ab_usage(argv[0]);
    return -1;
}

static inline ab_shared *ab_shared_new(void)
{
    void *p = mmap(NULL, sizeof(ab_shared), PROT_READ | PROT_WRITE,
                   MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED)
        return NULL;
    memset(p, 0, sizeof(ab_shared));
    return p;
}

/* Parses the arguments and maps the shared state. Returns 0, 2 (usage) or 1. */
static inline int ab_setup(int argc, char **argv, ab_args *a, ab_shared **sh)
{
    if (ab_parse(argc, argv, a))
        return 2;
    *sh = ab_shared_new();
    fflush(stdout); /* nothing buffered twice by the fork */
    return *sh ? 0 : 1;
}

/* Resident set size of this process, bytes (/proc/self/statm). */
static inline long ab_rss(void)
{
    long size = 0, res = 0;
    FILE *f = fopen("/proc/self/statm", "r");
    if (!f)
        return 0;
    if (fscanf(f, "%ld %ld", &size, &res) != 2)
        res = 0;
    fclose(f);
    return res * sysconf(_SC_PAGESIZE);
}

/* User plus system CPU time of the whole process (every thread), seconds. */
static inline double ab_cpu(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 +
           (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6;
}

/* Waits until the other side reaches phase p (or sh->srv_failed). Returns 0 or -1. */
static inline int ab_wait_phase(ab_shared *sh, _Atomic int *ph, int p, int timeout_s)
{
    uint64_t end = ab_now() + (uint64_t)timeout_s * 1000000000u;
    while (atomic_load(ph) < p) {
        if (sh->srv_failed || ab_now() > end)
            return -1;
        usleep(200);
    }
    return 0;
}

/* Messages sent and not yet read by the server, at most: the window, and no more than
 * 8 per association, so that congestion control never holds messages back to bundle
 * them and every N sees about one message per packet. */
static inline uint64_t ab_msg_window(const ab_args *a)
{
    uint64_t w = (uint64_t)a->n * 8;
    return w < a->window ? w : a->window;
}

/* The server's part in the phases, once per turn of its loop: its idle RSS at phase 2
 * (after the last handshake packets settled), its CPU time at the start of phase 3.
 * Returns the client's phase, or 0 when phase 3 has just started (the caller may take
 * its own figures then). */
static inline int ab_srv_phase(ab_shared *sh, double *cpu0)
{
    int ph = atomic_load(&sh->phase), mine = atomic_load(&sh->srv_phase);
    if (ph == 2 && mine < 2) {
        usleep(100000);
        sh->rss1 = ab_rss();
        atomic_store(&sh->srv_phase, 2);
    } else if (ph == 3 && mine < 3) {
        *cpu0 = ab_cpu();
        atomic_store(&sh->srv_phase, 3);
        return 0;
    }
    return ph;
}

/* Number of the messages that go to association i: k mod n == i. */
static inline uint64_t ab_expected(const ab_args *a, uint32_t i)
{
    return a->m / a->n + (i < a->m % a->n);
}

static inline uint8_t ab_byte(uint32_t idx, uint32_t seq, uint32_t o)
{
    return (uint8_t)(idx * 31u + seq * 7u + o);
}

static inline void ab_fill(uint8_t *buf, uint32_t size, uint32_t idx, uint32_t seq)
{
    memcpy(buf, &idx, 4);
    memcpy(buf + 4, &seq, 4);
    for (uint32_t o = 8; o < size; o++)
        buf[o] = ab_byte(idx, seq, o);
}

/* ---- the server's table: association id -> client index and message count ---- */

typedef struct ab_slot {
    uint32_t id;  /* 0: free */
    uint32_t idx; /* client index, UINT32_MAX until the first message */
    uint64_t count;
} ab_slot;

typedef struct ab_table {
    ab_slot *s;
    uint32_t mask;
    uint32_t *owner; /* client index -> association id (0: none yet) */
    uint32_t n;
} ab_table;

static inline int ab_table_init(ab_table *t, uint32_t n)
{
    uint32_t cap = 16;
    while (cap < 2 * n + 16)
        cap *= 2;
    t->s = calloc(cap, sizeof(*t->s));
    t->owner = calloc(n, sizeof(*t->owner));
    t->mask = cap - 1;
    t->n = n;
    return t->s && t->owner ? 0 : -1;
}

/* The slot of association id, created when new (NULL: the table is full). */
static inline ab_slot *ab_table_get(ab_table *t, uint32_t id)
{
    uint32_t h = (id * 2654435761u) & t->mask;
    for (uint32_t k = 0; k <= t->mask; k++, h = (h + 1) & t->mask) {
        ab_slot *s = &t->s[h];
        if (s->id == id)
            return s;
        if (!s->id) {
            s->id = id;
            s->idx = UINT32_MAX;
            return s;
        }
    }
    return NULL;
}

/* Checks one message read on association id. Returns 0, or -1 with err set. */
static inline int ab_check(ab_table *t, const ab_args *a, uint32_t id, const uint8_t *buf,
                           size_t len, char *err, size_t errlen)
{
    uint32_t idx, seq;
    if (len != a->size) {
        snprintf(err, errlen, "association %u: message of %zu bytes", id, len);
        return -1;
    }
    memcpy(&idx, buf, 4);
    memcpy(&seq, buf + 4, 4);
    ab_slot *s = ab_table_get(t, id);
    if (!s || idx >= t->n) {
        snprintf(err, errlen, "association %u: client index %u", id, idx);
        return -1;
    }
    if (s->idx == UINT32_MAX) {
        if (t->owner[idx]) {
            snprintf(err, errlen, "client index %u on associations %u and %u", idx,
                     t->owner[idx], id);
            return -1;
        }
        t->owner[idx] = id;
        s->idx = idx;
    }
    if (s->idx != idx || seq != s->count) {
        snprintf(err, errlen, "association %u: message %u of index %u, expected %llu of %u",
                 id, seq, idx, (unsigned long long)s->count, s->idx);
        return -1;
    }
    for (uint32_t o = 8; o < a->size; o++)
        if (buf[o] != ab_byte(idx, seq, o)) {
            snprintf(err, errlen, "association %u: message %u byte %u wrong", id, seq, o);
            return -1;
        }
    s->count++;
    return 0;
}

/* After all messages: every client index has one association with all its messages. */
static inline int ab_table_verify(ab_table *t, const ab_args *a, char *err, size_t errlen)
{
    uint32_t seen = 0;
    for (uint32_t h = 0; h <= t->mask; h++) {
        ab_slot *s = &t->s[h];
        if (!s->id || s->idx == UINT32_MAX)
            continue;
        seen++;
        if (s->count != ab_expected(a, s->idx)) {
            snprintf(err, errlen, "client index %u: %llu messages, expected %llu", s->idx,
                     (unsigned long long)s->count, (unsigned long long)ab_expected(a, s->idx));
            return -1;
        }
    }
    uint32_t want = a->m < a->n ? (uint32_t)a->m : a->n;
    if (seen != want) {
        snprintf(err, errlen, "%u associations carried data, expected %u", seen, want);
        return -1;
    }
    return 0;
}

/* What the server makes of one read (the stack's sockets header comes first: both
 * use the RFC 6458 names): a COMM_UP is counted, a message checked and counted, and the
 * CPU time taken after the last one (cpu0: at the start of phase 3). Returns 1 after
 * the last message, 0 after anything else, -1 on failure (sh->err, sh->srv_failed). */
static inline int ab_srv_read(ab_shared *sh, ab_table *t, const ab_args *a,
                              const uint8_t *buf, size_t len, int flags, unsigned infotype,
                              uint32_t assoc_id, double cpu0)
{
    if (flags & MSG_NOTIFICATION) {
        const struct sctp_assoc_change *ac = (const void *)buf;
        if (ac->sac_type != SCTP_ASSOC_CHANGE)
            return 0;
        if (ac->sac_state != SCTP_COMM_UP) {
            snprintf(sh->err, sizeof(sh->err), "server: association %u state %u",
                     (unsigned)ac->sac_assoc_id, ac->sac_state);
            sh->srv_failed = 1;
            return -1;
        }
        uint64_t up = atomic_load(&sh->srv_up) + 1;
        if (up == a->n)
            atomic_store(&sh->t_srv_last_up, ab_now());
        atomic_store(&sh->srv_up, up);
        return 0;
    }
    if (infotype != SCTP_RECVV_RCVINFO || !(flags & MSG_EOR)) {
        snprintf(sh->err, sizeof(sh->err), "server: no rcvinfo or a partial message");
        sh->srv_failed = 1;
        return -1;
    }
    if (ab_check(t, a, assoc_id, buf, len, sh->err, sizeof(sh->err))) {
        sh->srv_failed = 1;
        return -1;
    }
    uint64_t msgs = atomic_load(&sh->srv_msgs) + 1;
    atomic_store(&sh->srv_msgs, msgs);
    if (msgs < a->m)
        return 0;
    sh->cpu_s = ab_cpu() - cpu0;
    if (ab_table_verify(t, a, sh->err, sizeof(sh->err))) {
        sh->srv_failed = 1;
        return -1;
    }
    return 1;
}

/* After the client: tells the server to stop, waits up to 10 s for it (then kills it)
 * and says what failed. Returns the exit status of the program. */
static inline int ab_finish(const char *prog, const ab_args *a, ab_shared *sh, pid_t pid,
                            int client_failed)
{
    atomic_store(&sh->phase, 5);
    int status = 0;
    for (int i = 0; i < 100 && waitpid(pid, &status, WNOHANG) == 0; i++)
        usleep(100000);
    if (waitpid(pid, &status, WNOHANG) == 0) {
        kill(pid, SIGKILL);
        waitpid(pid, &status, 0);
    }
    fflush(stdout);
    if (!client_failed && !sh->srv_failed)
        return 0;
    fprintf(stderr, "%s: N=%u failed%s%s\n", prog, a->n, sh->srv_failed ? ": " : "",
            sh->srv_failed ? sh->err : "");
    fflush(stderr);
    return 1;
}

/* Prints the result of one run. hs_ns: handshake time. */
static inline void ab_report(const char *stack, const ab_args *a, const ab_shared *sh,
                             uint64_t hs_ns, uint64_t msg_ns)
{
    double hs_s = (double)hs_ns / 1e9;
    double rate = hs_s > 0 ? a->n / hs_s : 0;
    double mem = (double)(sh->rss1 - sh->rss0) / a->n;
    double cpu_ns = sh->cpu_s * 1e9 / (double)a->m;
    double pin = sh->pkts_in < 0 ? -1 : (double)sh->pkts_in / (double)a->m;
    double pout = sh->pkts_out < 0 ? -1 : (double)sh->pkts_out / (double)a->m;
    double mps = msg_ns ? (double)a->m / ((double)msg_ns / 1e9) : 0;
    if (a->json)
        printf("{\"stack\":\"%s\",\"assocs\":%u,\"messages\":%llu,\"size\":%u,"
               "\"handshake_s\":%.4f,\"handshakes_per_s\":%.0f,\"rss_before\":%ld,"
               "\"rss_idle\":%ld,\"bytes_per_assoc\":%.0f,\"server_cpu_s\":%.4f,"
               "\"cpu_ns_per_msg\":%.0f,\"pkts_in_per_msg\":%.2f,\"pkts_out_per_msg\":%.2f,"
               "\"msgs_per_s\":%.0f,\"verified\":true}\n",
               stack, a->n, (unsigned long long)a->m, a->size, hs_s, rate, sh->rss0,
               sh->rss1, mem, sh->cpu_s, cpu_ns, pin, pout, mps);
    else
        printf("%s N=%u: %.0f handshakes/s (%.3f s), %.0f bytes per idle association "
               "(RSS %ld -> %ld), server CPU %.0f ns per message (%llu messages of %u "
               "bytes, %.2f packets in / %.2f out per message, %.0f messages/s), verified\n",
               stack, a->n, rate, hs_s, mem, sh->rss0, sh->rss1, cpu_ns,
               (unsigned long long)a->m, a->size, pin, pout, mps);
    fflush(stdout);
}

#endif
