/* mpsctp-perf's per-path reporting (perf_paths.h): path snapshots, DATA bytes per peer
 * address from the stack's packet trace, path state names, SCTP_PEER_ADDR_CHANGE log. */
#define _GNU_SOURCE
#include "perf_paths.h"

#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

void addr_str(const struct sockaddr *sa, char *buf, size_t len)
{
    buf[0] = 0;
    if (sa->sa_family == AF_INET)
        inet_ntop(AF_INET, &((const struct sockaddr_in *)sa)->sin_addr, buf, (socklen_t)len);
    else if (sa->sa_family == AF_INET6)
        inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)sa)->sin6_addr, buf, (socklen_t)len);
}

static int same_ip(const struct sockaddr *a, const struct sockaddr *b)
{
    if (a->sa_family != b->sa_family)
        return 0;
    if (a->sa_family == AF_INET)
        return ((const struct sockaddr_in *)a)->sin_addr.s_addr ==
               ((const struct sockaddr_in *)b)->sin_addr.s_addr;
    return !memcmp(&((const struct sockaddr_in6 *)a)->sin6_addr,
                   &((const struct sockaddr_in6 *)b)->sin6_addr, 16);
}

static socklen_t sa_len(const struct sockaddr *sa)
{
    return sa->sa_family == AF_INET6 ? sizeof(struct sockaddr_in6) : sizeof(struct sockaddr_in);
}

/* DATA payload bytes per peer address and SCTP port (one association), counted from the
 * stack's packet trace (retransmissions included): the byte counts where
 * MPSCTP_PATH_STATS is missing or the association is gone before its last read. */
typedef struct trace_bytes {
    struct sockaddr_storage addr;
    uint16_t port;
    uint64_t sent, received;
} trace_bytes;

static pthread_mutex_t trace_lock = PTHREAD_MUTEX_INITIALIZER;
static trace_bytes traced[PERF_MAX_PATHS * 4];
static int ntraced;

static trace_bytes *traced_find(const struct sockaddr *sa, uint16_t port, int add)
{
    for (int i = 0; i < ntraced; i++)
        if (traced[i].port == port && same_ip((struct sockaddr *)&traced[i].addr, sa))
            return &traced[i];
    if (!add || ntraced == (int)(sizeof(traced) / sizeof(traced[0])))
        return NULL;
    trace_bytes *p = &traced[ntraced++];
    memset(p, 0, sizeof(*p));
    memcpy(&p->addr, sa, sa_len(sa));
    p->port = port;
    return p;
}

void count_trace(void *user, int dir, const uint8_t *pkt, size_t len,
                 const struct sockaddr *local, const struct sockaddr *remote)
{
    (void)user;
    (void)local;
    if (len < 12)
        return;
    uint64_t payload = 0;
    for (size_t off = 12; off + 4 <= len;) {
        size_t clen = (size_t)pkt[off + 2] << 8 | pkt[off + 3];
        if (clen < 4)
            break;
        if (pkt[off] == 0 && clen >= 16) /* DATA: 16-byte header, then user data */
            payload += clen - 16;
        off += (clen + 3) & ~(size_t)3;
    }
    if (!payload)
        return;
    /* the peer's SCTP port: destination of what we send, source of what we receive */
    const uint8_t *pp = dir == 1 ? pkt + 2 : pkt;
    uint16_t port = (uint16_t)(pp[0] << 8 | pp[1]);
    pthread_mutex_lock(&trace_lock);
    trace_bytes *p = traced_find(remote, port, 1);
    if (p) {
        if (dir == 1)
            p->sent += payload;
        else
            p->received += payload;
    }
    pthread_mutex_unlock(&trace_lock);
}

static const char *path_state_name(int32_t s)
{
    switch (s) {
    case SCTP_ACTIVE: return "ACTIVE";
    case SCTP_PF: return "PF";
    case SCTP_INACTIVE: return "INACTIVE";
    case SCTP_UNCONFIRMED: return "UNCONFIRMED";
    default: return "UNKNOWN";
    }
}

int paths_get(int sd, path_snap *s)
{
    path_snap n;
    memset(&n, 0, sizeof(n));
    n.port = s->port;
    for (uint32_t i = 0; i < PERF_MAX_PATHS; i++) {
        struct mpsctp_pathstats ps;
        socklen_t len = sizeof(ps);
        memset(&ps, 0, sizeof(ps));
        ps.ps_index = i;
        if (mpsctp_getsockopt(sd, IPPROTO_SCTP, MPSCTP_PATH_STATS, &ps, &len) == 0) {
            n.p[n.n].ps = ps;
            n.p[n.n++].full = 1;
            continue;
        }
        if (errno == ENOENT && i > 0) /* past the last path */
            break;
        if (errno != ENOPROTOOPT || i > 0) {
            s->stale = 1;
            return -1;
        }
        /* no MPSCTP_PATH_STATS in this stack: peer addresses, their state, traced bytes */
        struct sockaddr *pa = NULL;
        int np = mpsctp_getpaddrs(sd, 0, &pa);
        if (np <= 0) {
            s->stale = 1;
            return -1;
        }
        struct sctp_prim prim;
        socklen_t plen = sizeof(prim);
        memset(&prim, 0, sizeof(prim));
        if (mpsctp_getsockopt(sd, IPPROTO_SCTP, SCTP_PRIMARY_ADDR, &prim, &plen) < 0)
            prim.ssp_addr.ss_family = AF_UNSPEC;
        uint8_t *p = (uint8_t *)pa;
        for (int k = 0; k < np && n.n < PERF_MAX_PATHS; k++) {
            struct sockaddr *sa = (struct sockaddr *)p;
            p += sa_len(sa);
            path_rep *r = &n.p[n.n++];
            memcpy(&r->ps.ps_address, sa, sa_len(sa));
            r->ps.ps_index = (uint32_t)k;
            r->ps.ps_primary = same_ip(sa, (struct sockaddr *)&prim.ssp_addr) ? 1u : 0u;
            struct sctp_paddrinfo pi;
            socklen_t ilen = sizeof(pi);
            memset(&pi, 0, sizeof(pi));
            memcpy(&pi.spinfo_address, sa, sa_len(sa));
            r->ps.ps_state = mpsctp_getsockopt(sd, IPPROTO_SCTP, SCTP_GET_PEER_ADDR_INFO, &pi,
                                               &ilen) == 0 ? pi.spinfo_state : -1;
            r->ps.ps_srtt_ms = pi.spinfo_srtt;
            r->ps.ps_rto_ms = pi.spinfo_rto;
            r->ps.ps_cwnd = pi.spinfo_cwnd;
        }
        mpsctp_freepaddrs(pa);
        break;
    }
    *s = n;
    return 0;
}

void paths_update(int sd, path_snap *shared, pthread_mutex_t *lock)
{
    pthread_mutex_lock(lock);
    path_snap s = *shared;
    pthread_mutex_unlock(lock);
    if (paths_get(sd, &s) < 0) {
        pthread_mutex_lock(lock);
        shared->stale = 1;
        pthread_mutex_unlock(lock);
        return;
    }
    pthread_mutex_lock(lock);
    *shared = s;
    pthread_mutex_unlock(lock);
}

/* Byte counts from the trace for paths without MPSCTP_PATH_STATS, and for all when the
 * association ended after the last read (the trace counts are exact at the end). */
static void paths_fill_traced(path_snap *s)
{
    pthread_mutex_lock(&trace_lock);
    for (int i = 0; i < s->n; i++) {
        if (s->p[i].full && !s->stale)
            continue;
        trace_bytes *t = traced_find((struct sockaddr *)&s->p[i].ps.ps_address, s->port, 0);
        s->p[i].ps.ps_bytes_sent = t ? t->sent : 0;
        s->p[i].ps.ps_bytes_received = t ? t->received : 0;
    }
    pthread_mutex_unlock(&trace_lock);
}

void paths_print(FILE *f, path_snap *s, const char *prefix, int json)
{
    paths_fill_traced(s);
    /* each path's share of the bytes sent and received (CMT: how the data was spread) */
    uint64_t tot_sent = 0, tot_recv = 0;
    for (int i = 0; i < s->n; i++) {
        tot_sent += s->p[i].ps.ps_bytes_sent;
        tot_recv += s->p[i].ps.ps_bytes_received;
    }
    if (json)
        fprintf(f, "\"paths\":[");
    for (int i = 0; i < s->n; i++) {
        const struct mpsctp_pathstats *p = &s->p[i].ps;
        char a[INET6_ADDRSTRLEN];
        addr_str((const struct sockaddr *)&p->ps_address, a, sizeof(a));
        if (!json) {
            fprintf(f, "%spath %s%s: %s, %" PRIu64 " bytes sent, %" PRIu64 " received, srtt %u "
                    "ms, rto %u ms, cwnd %u", prefix, a, p->ps_primary ? " (primary)" : "",
                    path_state_name(p->ps_state), p->ps_bytes_sent, p->ps_bytes_received,
                    p->ps_srtt_ms, p->ps_rto_ms, p->ps_cwnd);
            if (s->p[i].full)
                fprintf(f, ", %" PRIu64 " retransmitted, %" PRIu64 " T3 expiries, heartbeats %"
                        PRIu64 " sent %" PRIu64 " acked, %u state changes%s",
                        p->ps_retransmissions, p->ps_t3_expirations,
                        p->ps_heartbeats_sent, p->ps_heartbeat_acks, p->ps_state_changes,
                        p->ps_data_path ? ", data path" : "");
            if (tot_sent)
                fprintf(f, ", %.1f%% of the bytes sent", 100.0 * (double)p->ps_bytes_sent /
                        (double)tot_sent);
            if (tot_recv)
                fprintf(f, ", %.1f%% of the bytes received", 100.0 *
                        (double)p->ps_bytes_received / (double)tot_recv);
            fputc('\n', f);
            continue;
        }
        fprintf(f, "%s{\"addr\":\"%s\",\"state\":\"%s\",\"primary\":%s,\"bytes_sent\":%" PRIu64
                ",\"bytes_received\":%" PRIu64 ",\"srtt_ms\":%u,\"rto_ms\":%u,\"cwnd\":%u",
                i ? "," : "", a, path_state_name(p->ps_state), p->ps_primary ? "true" : "false",
                p->ps_bytes_sent, p->ps_bytes_received, p->ps_srtt_ms, p->ps_rto_ms, p->ps_cwnd);
        fprintf(f, ",\"sent_share\":%.4f,\"received_share\":%.4f",
                tot_sent ? (double)p->ps_bytes_sent / (double)tot_sent : 0.0,
                tot_recv ? (double)p->ps_bytes_received / (double)tot_recv : 0.0);
        if (s->p[i].full)
            fprintf(f, ",\"data_path\":%s,\"retransmissions\":%" PRIu64 ",\"t3_expirations\":%"
                    PRIu64 ",\"heartbeats_sent\":%" PRIu64 ",\"heartbeat_acks\":%" PRIu64
                    ",\"ssthresh\":%u,\"flight\":%u,\"error_count\":%u,\"state_changes\":%u",
                    p->ps_data_path ? "true" : "false", p->ps_retransmissions,
                    p->ps_t3_expirations,
                    p->ps_heartbeats_sent, p->ps_heartbeat_acks, p->ps_ssthresh, p->ps_flight,
                    p->ps_error_count, p->ps_state_changes);
        fputc('}', f);
    }
    if (json)
        fputc(']', f);
}

static const char *addr_event_name(uint32_t s)
{
    static const char *const names[] = {"AVAILABLE", "UNREACHABLE", "REMOVED", "ADDED",
                                        "MADE_PRIM", "CONFIRMED", "POTENTIALLY_FAILED"};
    return s < sizeof(names) / sizeof(names[0]) ? names[s] : "UNKNOWN";
}

uint16_t on_notification(const uint8_t *buf, size_t n, path_log *log, const char *who,
                         double t, double wall, int json, pthread_mutex_t *lock)
{
    const union sctp_notification *nt = (const void *)buf;
    if (n < sizeof(nt->sn_header))
        return 0;
    if (nt->sn_header.sn_type != SCTP_PEER_ADDR_CHANGE || n < sizeof(struct sctp_paddr_change))
        return nt->sn_header.sn_type;
    const struct sctp_paddr_change *pc = &nt->sn_paddr_change;
    path_event e;
    memset(&e, 0, sizeof(e));
    e.t = t;
    e.wall = wall;
    memcpy(&e.addr, &pc->spc_aaddr, sizeof(e.addr));
    e.state = pc->spc_state;
    e.error = pc->spc_error;
    pthread_mutex_lock(lock);
    if (log->n == log->cap) {
        size_t cap = log->cap ? log->cap * 2 : 16;
        path_event *ne = realloc(log->ev, cap * sizeof(*ne));
        if (ne) {
            log->ev = ne;
            log->cap = cap;
        }
    }
    if (log->n < log->cap)
        log->ev[log->n++] = e;
    if (!json) {
        char a[INET6_ADDRSTRLEN];
        addr_str((struct sockaddr *)&e.addr, a, sizeof(a));
        printf("%s %8.3f s: path %s %s", who, e.t, a, addr_event_name(e.state));
        if (e.error)
            printf(" (error %u)", e.error);
        printf("\n");
        fflush(stdout);
    }
    pthread_mutex_unlock(lock);
    return nt->sn_header.sn_type;
}

/* "path_events":[...] */
static void path_events_json(FILE *f, const path_log *log)
{
    fprintf(f, "\"path_events\":[");
    for (size_t i = 0; i < log->n; i++) {
        char a[INET6_ADDRSTRLEN];
        addr_str((const struct sockaddr *)&log->ev[i].addr, a, sizeof(a));
        fprintf(f, "%s{\"t\":%.6f,\"wall\":%.6f,\"addr\":\"%s\",\"state\":\"%s\","
                "\"error_code\":%u}", i ? "," : "", log->ev[i].t, log->ev[i].wall, a,
                addr_event_name(log->ev[i].state), log->ev[i].error);
    }
    fputc(']', f);
}

void paths_json(FILE *f, const path_log *log, path_snap *s)
{
    path_events_json(f, log);
    fputc(',', f);
    paths_print(f, s, "", 1);
}

void path_log_free(path_log *log)
{
    free(log->ev);
    log->ev = NULL;
    log->n = log->cap = 0;
}
