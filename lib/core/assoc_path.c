/* Path management (RFC 9260 s8, s5.4, s6.4; RFC 7829): path states and their events,
 * heartbeats, confirmation of addresses, error counters, the choice of the path for new
 * data and for retransmissions, and per-path parameters. */
#include <stdlib.h>
#include <string.h>

#include "assoc.h"

/* A path new data may use: confirmed, active and not potentially failed. */
static int usable(const mpsctp_path *p)
{
    return p->confirmed && p->active && !p->pf;
}

uint32_t assoc_path_mtu(const mpsctp_assoc *a, uint32_t pi)
{
    /* The setting is the packet size under an IPv4 header (20 bytes) and, over UDP, a UDP
     * header; an IPv6 header takes 40, so the same link carries 20 bytes less. */
    uint32_t m = a->cfg.mtu;
    return a->paths[pi].remote.family == MPSCTP_AF_INET6 ? m - 20 : m;
}

int assoc_path_usable(const mpsctp_assoc *a, uint32_t pi)
{
    return pi < a->npaths && usable(&a->paths[pi]);
}

int assoc_path_find(const mpsctp_assoc *a, const mpsctp_addr *addr)
{
    for (uint32_t i = 0; i < a->npaths; i++)
        if (addr_same_ip(&a->paths[i].remote, addr))
            return (int)i;
    return -1;
}

/* Resizes one per-path array to n entries of size sz, the new ones zeroed. Returns 0, or
 * -1 (the array is as it was). */
static int path_array_resize(void **arr, uint32_t old, uint32_t n, size_t sz)
{
    uint8_t *p = realloc(*arr, n * sz);
    if (!p)
        return -1;
    memset(p + old * sz, 0, (n - old) * sz);
    *arr = p;
    return 0;
}

/* Makes room for one more path: the arrays grow one entry at a time (most associations
 * have one or two paths, and a path is added a handful of times at most). Returns 0, or
 * -1 when the table is full or memory runs out. */
static int path_room(mpsctp_assoc *a)
{
    if (a->npaths < a->path_cap)
        return 0;
    if (a->path_cap == MPSCTP_MAX_PATHS)
        return -1;
    uint32_t old = a->path_cap, n = old + 1;
    if (path_array_resize((void **)&a->paths, old, n, sizeof(*a->paths)) ||
        path_array_resize((void **)&a->cc, old, n, sizeof(*a->cc)) ||
        path_array_resize((void **)&a->burst, old, n, sizeof(*a->burst)))
        return -1; /* arrays already grown keep the extra entry: harmless */
    a->path_cap = n;
    return 0;
}

int assoc_add_path(mpsctp_assoc *a, const mpsctp_addr *remote, int confirmed)
{
    int found = assoc_path_find(a, remote);
    if (found >= 0)
        return found;
    if (path_room(a))
        return -1;
    uint32_t i = a->npaths;
    mpsctp_path *p = &a->paths[i];
    path_init(p, remote, (uint64_t)a->cfg.rto_initial_ms * NS_PER_MS);
    p->confirmed = (uint8_t)(confirmed != 0);
    p->hb_interval_ms = a->cfg.hb_interval_ms;
    p->pmr = a->cfg.path_max_retrans;
    p->pfmr = a->cfg.pf_max_retrans;
    a->burst[i] = a->cfg.max_burst;
    a->npaths++;
    if (a->rx_ready) {
        /* Added after the data state was set up: its congestion state starts now. */
        memset(&a->cc[i], 0, sizeof(a->cc[i]));
        a->cc[i].mtu = assoc_path_mtu(a, i);
        a->ccops->init(a->cc, a->npaths, i, a->peer_rwnd);
    }
    return (int)i;
}

void assoc_paths_from_cookie(mpsctp_assoc *a, const cookie_data *cd,
                             const mpsctp_addr *local, const mpsctp_addr *remote)
{
    memset(a->paths, 0, a->path_cap * sizeof(*a->paths));
    memset(a->cc, 0, a->path_cap * sizeof(*a->cc));
    a->npaths = 0;
    a->primary = 0;
    a->last_data_path = -1;
    /* RFC 9260 s5.4 rule 2: the address the INIT ACK went to is confirmed; the others
     * the INIT listed (and the COOKIE ECHO's source) are probed once established. */
    assoc_add_path(a, &cd->remote, 1);
    a->paths[0].local = cd->local;
    for (uint32_t i = 0; i < cd->naddrs; i++)
        assoc_add_path(a, &cd->addrs[i], 0);
    int src = assoc_add_path(a, remote, 0);
    if (src >= 0 && a->paths[src].local.family == 0)
        a->paths[src].local = *local;
}

void assoc_path_event(mpsctp_assoc *a, uint32_t pi, uint32_t state)
{
    a->paths[pi].state_changes++;
    ep_log(a->ep, 3, "assoc %u: path %u state %u", a->id, pi, state);
    assoc_event_path(a, MPSCTP_EV_PEER_ADDR_CHANGE, state, 0, pi);
}

uint32_t assoc_data_path(const mpsctp_assoc *a)
{
    uint32_t n = a->npaths;
    /* RFC 9260 s6.4: new data goes to the primary path while it is active; otherwise to
     * an alternate active path (the first one after the primary, so the choice stays
     * put while nothing changes). */
    for (uint32_t k = 0; k < n; k++) {
        uint32_t i = (a->primary + k) % n;
        if (usable(&a->paths[i]))
            return i;
    }
    /* RFC 7829 s3.2 step 5: every active path is potentially failed: use the one with the
     * fewest errors (the primary on a tie). */
    int best = -1;
    for (uint32_t k = 0; k < n; k++) {
        uint32_t i = (a->primary + k) % n;
        const mpsctp_path *p = &a->paths[i];
        if (p->confirmed && p->active &&
            (best < 0 || p->error_count < a->paths[best].error_count))
            best = (int)i;
    }
    /* Every path is inactive: keep trying the primary (its T3 and heartbeats probe it). */
    return best >= 0 ? (uint32_t)best : a->primary;
}

int assoc_reply_path(const mpsctp_assoc *a, int pi)
{
    /* RFC 9260 s6.4: replies go where the packet came from; but s5.4: nothing except
     * HEARTBEAT and HEARTBEAT ACK goes to an unconfirmed address, and a failing path
     * would lose them. -1: the data path. */
    return pi >= 0 && assoc_path_usable(a, (uint32_t)pi) ? pi : -1;
}

uint32_t assoc_sack_path(const mpsctp_assoc *a, uint32_t dp)
{
    switch (a->cfg.sack_path) {
    case MPSCTP_SACK_PATH_PRIMARY:
        return dp;
    case MPSCTP_SACK_PATH_MIN_RTT: {
        /* The usable path with the smallest measured SRTT (the fastest way back). */
        int best = -1;
        for (uint32_t i = 0; i < a->npaths; i++) {
            const mpsctp_path *p = &a->paths[i];
            if (!usable(p) || !p->rtt_measured)
                continue;
            if (best < 0 || p->srtt < a->paths[best].srtt)
                best = (int)i;
        }
        return best >= 0 ? (uint32_t)best : dp;
    }
    default: {
        /* RFC 9260 s6.4: to the address the latest DATA came from. */
        int r = assoc_reply_path(a, a->last_data_path);
        return r >= 0 ? (uint32_t)r : dp;
    }
    }
}

uint32_t assoc_rtx_path(const mpsctp_assoc *a, uint32_t last, int timed_out)
{
    if (a->cfg.cmt) {
        int r = cmt_rtx_path(a, last, timed_out);
        if (r >= 0)
            return (uint32_t)r;
    }
    /* A fast retransmission stays on its path while the path is usable and has no
     * errors: one that has timed out lately is suspect (the idea of RFC 7829) and the loss is
     * better repaired elsewhere. */
    if (!timed_out && usable(&a->paths[last]) && a->paths[last].error_count == 0)
        return last;
    /* RFC 9260 s6.4: a chunk that timed out goes to an active destination other than
     * the one it was last sent to, when there is one; the data path first. Paths without
     * errors come before failing ones: a chunk sent to a path that is failing too waits
     * for its backed-off T3, and may bounce between failing paths while one works. */
    uint32_t d = assoc_data_path(a);
    for (int clean = 1; clean >= 0; clean--) {
        if (d != last && usable(&a->paths[d]) && (!clean || !a->paths[d].error_count))
            return d;
        for (uint32_t k = 1; k < a->npaths; k++) {
            uint32_t i = (last + k) % a->npaths;
            if (usable(&a->paths[i]) && (!clean || !a->paths[i].error_count))
                return i;
        }
    }
    return d;
}

/* Returns how many leading bits of the IP addresses of x and y agree. */
static unsigned common_prefix(const mpsctp_addr *x, const mpsctp_addr *y)
{
    unsigned n = x->family == MPSCTP_AF_INET ? 4 : 16, bits = 0;
    for (unsigned i = 0; i < n; i++) {
        uint8_t d = (uint8_t)(x->ip[i] ^ y->ip[i]);
        if (d == 0) {
            bits += 8;
            continue;
        }
        while (!(d & 0x80)) {
            bits++;
            d = (uint8_t)(d << 1);
        }
        break;
    }
    return bits;
}

/* assoc_path_local for a path that has learned no source address yet; out of line, so
 * that the common case (every packet) stays a copy. */
static __attribute__((noinline)) void path_local_choose(const mpsctp_assoc *a,
                                                        const mpsctp_path *p,
                                                        mpsctp_addr *out)
{
    /* The peer only accepts packets from addresses it knows: ours that the INIT or INIT
     * ACK listed, or the one the handshake used. Of our addresses, the one sharing the
     * longest prefix with the destination is most likely on the same network (and
     * keeps each path on its own interfaces). */
    const mpsctp_endpoint *ep = a->ep;
    int best = -1;
    unsigned best_bits = 0;
    for (uint32_t i = 0; i < ep->naddrs; i++) {
        const mpsctp_addr *la = &ep->addrs[i];
        if (la->family != p->remote.family || !addr_usable_with(la, &p->remote))
            continue;
        unsigned bits = common_prefix(la, &p->remote);
        if (best < 0 || bits > best_bits) {
            best = (int)i;
            best_bits = bits;
        }
    }
    if (best >= 0) {
        *out = ep->addrs[best];
        return;
    }
    /* A wildcard endpoint: the address of the handshake, when one is known. */
    memset(out, 0, sizeof(*out));
    for (uint32_t i = 0; i < a->npaths; i++) {
        if (a->paths[i].local.family == p->remote.family) {
            *out = a->paths[i].local;
            return;
        }
    }
}

void assoc_path_local(const mpsctp_assoc *a, uint32_t pi, mpsctp_addr *out)
{
    const mpsctp_path *p = &a->paths[pi];
    if (p->local.family)
        *out = p->local;
    else
        path_local_choose(a, p, out);
}

/* ---- heartbeats (RFC 9260 s8.3) ------------------------------------------------------ */

/* Returns the RTO that paces the probes of path p (ns). RFC 9260 s8.3 backs the RTO off
 * with every unanswered HEARTBEAT, up to RTO.Max; we depart from it on purpose for an
 * inactive path: its RTO is taken as at most RTO.Initial, so that a path that comes back
 * is found within HB.interval + 1.5 RTO.Initial + one round trip instead of up to
 * HB.interval + 1.5 RTO.Max (90 s with the defaults). An inactive path carries one
 * HEARTBEAT per period and nothing else, so backing off protects nobody, and its old RTT
 * says little about the path that comes back: RTO.Initial is what s6.3.1 C1 uses for a
 * path without a measurement. The same cap applies to every probe once the association
 * error counter is past Association.Max.Retrans, so that giving up takes a bounded time. The
 * path's own RTO still backs off (s6.3.3 E2) and is what T3 uses. */
static uint64_t probe_rto(const mpsctp_assoc *a, const mpsctp_path *p)
{
    uint64_t cap = (uint64_t)a->cfg.rto_initial_ms * NS_PER_MS;
    int capped = !p->active || a->error_count > a->cfg.assoc_max_retrans;
    return capped && p->rto > cap ? cap : p->rto;
}

/* Arms the heartbeat of a confirmed path that is not potentially failed: HB.interval +
 * RTO, jittered by +-50% of the RTO (probe_rto); never when the path's interval is 0. */
static void hb_arm(mpsctp_assoc *a, uint32_t pi, mpsctp_tstamp now)
{
    mpsctp_path *p = &a->paths[pi];
    /* With heartbeats off, a path that is not usable is still probed, once per RTO.Max:
     * otherwise it could never come back. */
    uint64_t iv = p->hb_interval_ms ? (uint64_t)p->hb_interval_ms * NS_PER_MS
                  : usable(p)       ? 0
                                    : assoc_rto_max(a);
    if (iv == 0) {
        p->hb_deadline = MPSCTP_TSTAMP_NEVER;
        return;
    }
    uint64_t r, rto = probe_rto(a, p);
    ep_random(a->ep, &r, sizeof(r));
    uint64_t jitter = rto ? r % rto : 0; /* 0 .. RTO */
    p->hb_deadline = now + iv + rto / 2 + jitter;
}

/* Sends a HEARTBEAT on path pi carrying our private info (path index and a
 * 64-bit random nonce: RFC 9260 s5.4 requires one for confirmation). */
static void send_heartbeat(mpsctp_assoc *a, uint32_t pi, mpsctp_tstamp now)
{
    mpsctp_path *p = &a->paths[pi];
    ep_random(a->ep, &p->hb_nonce, sizeof(p->hb_nonce));
    uint8_t info[12];
    put32(info, pi);
    memcpy(info + 4, &p->hb_nonce, 8);
    uint8_t b[32];
    wbuf w;
    wbuf_init(&w, b, sizeof(b));
    size_t off = codec_chunk_begin(&w, SCTP_HEARTBEAT, 0);
    codec_param_put(&w, SCTP_P_HEARTBEAT_INFO, info, sizeof(info));
    codec_chunk_end(&w, off);
    assoc_queue_ctrl(a, (int)pi, b, w.len);
    p->hb_outstanding = 1;
    p->hb_answerable = 1;
    p->probe_now = 0;
    p->heard = 0;
    p->hb_sent_at = now;
    p->hb_sent++;
}

/* Returns 1 when path p has failed two probes sent since the peer last answered: it is
 * known not to work now. One unanswered probe is not enough: on a path that works but
 * loses a packet now and then, the probe or its answer may be the one lost. */
static int path_tried(const mpsctp_assoc *a, const mpsctp_path *p)
{
    return p->failed >= 2 && p->fail_prev >= a->alive_at && p->fail_sent >= a->alive_at;
}

/* Returns 1 when the association is about to run out of ways to the peer: its error
 * counter is past Association.Max.Retrans, or no active path is free of errors. */
static int last_resort(const mpsctp_assoc *a)
{
    if (a->error_count > a->cfg.assoc_max_retrans)
        return 1;
    for (uint32_t i = 0; i < a->npaths; i++) {
        const mpsctp_path *p = &a->paths[i];
        if (p->confirmed && p->active && p->error_count == 0)
            return 0;
    }
    return 1;
}

/* Returns 1 when confirmed path p must be probed at once: the association is at its last
 * resort and p may work (not tried since the peer last answered). */
static int probe_due(const mpsctp_assoc *a, const mpsctp_path *p)
{
    if (!p->confirmed || path_tried(a, p))
        return 0;
    /* An active path with errors is being probed by its own T3 or heartbeats; past
     * Association.Max.Retrans every path that may work is probed before giving up. */
    return a->error_count > a->cfg.assoc_max_retrans || (!p->active && last_resort(a));
}

/* At the last resort, every confirmed path that may work gets a HEARTBEAT now, unless
 * one sent since the peer last answered is still out: one sent before is stale (it may
 * have been lost while the path was down) and the new one replaces it. */
static void probe_untried(mpsctp_assoc *a, mpsctp_tstamp now)
{
    if (!last_resort(a))
        return;
    for (uint32_t i = 0; i < a->npaths; i++) {
        mpsctp_path *p = &a->paths[i];
        if (probe_due(a, p) && (!p->hb_outstanding || p->hb_sent_at < a->alive_at)) {
            p->probe_now = 1;
            p->hb_deadline = now;
        }
    }
}

void assoc_hb_timeout(mpsctp_assoc *a, uint32_t pi, mpsctp_tstamp now)
{
    mpsctp_path *p = &a->paths[pi];
    if (p->probe_now) {
        /* The last resort: a fresh probe at once (an outstanding one was stale). */
        p->probe_now = 0;
    } else if (p->hb_outstanding) {
        /* RFC 9260 s8.3: an unanswered heartbeat is an error on the path (and on the
         * association for a path that carries data, s8.1); the RTO backs off. */
        p->hb_outstanding = 0;
        path_backoff(p, assoc_rto_max(a));
        if (assoc_path_error(a, pi, p->hb_sent_at, 1, now))
            return;
        if (!p->active && !probe_due(a, p) && !p->heard) {
            /* An inactive path, confirmed or not, is probed once per HB.interval + RTO
             * (probe_rto), counted from the last probe (RFC 9260 s5.4, s8.3); at once
             * when DATA came from it since that probe went out (assoc_path_heard). */
            hb_arm(a, pi, p->hb_sent_at);
            if (p->hb_deadline < now)
                p->hb_deadline = now;
            return;
        }
        /* Choice: on an active, potentially failed or unconfirmed path the next probe
         * follows at once, so failures are found within the backed-off RTOs. */
    } else if (usable(p) && p->last_send &&
               elapsed(now, p->last_send) < (uint64_t)p->hb_interval_ms * NS_PER_MS) {
        /* Only idle paths need heartbeats: one that carried data within the interval is
         * known to work. Counting from the last send lands past now. */
        hb_arm(a, pi, p->last_send);
        return;
    }
    send_heartbeat(a, pi, now);
    /* Check for the answer after one RTO; the HEARTBEAT ACK re-arms the interval. */
    p->hb_deadline = now + probe_rto(a, p);
}

void assoc_path_heard(mpsctp_assoc *a, uint32_t pi, mpsctp_tstamp now)
{
    mpsctp_path *p = &a->paths[pi];
    if (p->active || !p->confirmed)
        return;
    /* The peer reaches us on this address again, but our replies avoid an inactive path
     * (assoc_reply_path) until a HEARTBEAT ACK makes it active: probe it now, so that the
     * way back is known within a round trip, not one HB.interval later; if the last
     * association path fails meanwhile, SACKs can take this one. At most one probe per
     * probe_rto: with one out, its timeout sends the next at once. */
    p->heard = 1;
    if (!p->hb_outstanding) {
        p->probe_now = 1;
        p->hb_deadline = now;
    }
}

void assoc_start_heartbeats(mpsctp_assoc *a, mpsctp_tstamp now)
{
    uint64_t k = 0;
    for (uint32_t i = 0; i < a->npaths; i++) {
        /* RFC 9260 s5.4: unconfirmed addresses are probed at once, one more per RTO
         * (HB.Max.Burst 1). */
        if (!a->paths[i].confirmed)
            a->paths[i].hb_deadline = now + k++ * a->paths[i].rto;
        else
            hb_arm(a, i, now);
    }
}

void assoc_peer_alive(mpsctp_assoc *a, mpsctp_tstamp now)
{
    a->error_count = 0;
    a->alive_at = now;
}

/* The path answered at now (a HEARTBEAT ACK, or data sent on it acknowledged): errors
 * clear and a potentially failed or inactive path is active again. */
static void path_answered(mpsctp_assoc *a, uint32_t pi, mpsctp_tstamp now)
{
    mpsctp_path *p = &a->paths[pi];
    if (p->error_count)
        ep_log(a->ep, 3, "assoc %u: path %u answered, %u errors cleared", a->id, pi,
               p->error_count);
    p->error_count = 0;
    assoc_peer_alive(a, now);
    if (p->confirmed && (!p->active || p->pf)) {
        p->active = 1;
        p->pf = 0;
        assoc_path_event(a, pi, MPSCTP_ADDR_AVAILABLE);
    }
}

void assoc_path_acked(mpsctp_assoc *a, uint32_t pi, mpsctp_tstamp sent_at, mpsctp_tstamp now)
{
    /* The peer is alive. The path is only known to work again when the chunk went out
     * after its latest error: an ack that arrives late over another path for data sent
     * before the failure says nothing about it. */
    assoc_peer_alive(a, now);
    if (sent_at > a->paths[pi].last_error)
        path_answered(a, pi, now);
}

void assoc_heartbeat_ack(mpsctp_assoc *a, const uint8_t *info, size_t len, mpsctp_tstamp now)
{
    if (len != 12)
        return;
    uint32_t pi = get32(info);
    if (pi >= a->npaths)
        return;
    mpsctp_path *p = &a->paths[pi];
    uint64_t nonce;
    memcpy(&nonce, info + 4, 8);
    /* RFC 9260 s8.3: only an answer to our latest heartbeat counts, once. It still
     * counts after its timer expired (the path is slower than the RTO the probe waited,
     * at most RTO.Initial on an inactive path), until the next probe replaces it. */
    if (!p->hb_answerable || nonce != p->hb_nonce)
        return;
    /* The RTT counts from our own record of the send: the echoed time is not covered by
     * the nonce. */
    path_rtt_sample(p, elapsed(now, p->hb_sent_at), assoc_rto_min(a), assoc_rto_max(a));
    p->hb_outstanding = 0;
    p->hb_answerable = 0;
    p->hb_acked++;
    if (!p->confirmed) {
        /* RFC 9260 s5.4: the nonce came back: the address is confirmed. */
        p->confirmed = 1;
        assoc_path_event(a, pi, MPSCTP_ADDR_CONFIRMED);
        if (!p->active) {
            p->active = 1;
            assoc_path_event(a, pi, MPSCTP_ADDR_AVAILABLE);
        }
    }
    path_answered(a, pi, now);
    hb_arm(a, pi, now);
}

/* ---- errors (RFC 9260 s8.1, s8.2; RFC 7829 s3.2) -------------------------------------- */

/* Returns 1 when path pi carries data now: the path new data goes to, or with CMT any
 * usable path with data in flight (RFC 9260 s8.1 "the path currently used for data
 * transfer"). */
static int carries_data(const mpsctp_assoc *a, uint32_t pi)
{
    /* With CMT every usable path may carry data, but only one with data in flight does:
     * an endpoint that only receives (or an idle alternate) would otherwise count the
     * probes of a path that is down on the association, which then ends at the first
     * lost heartbeat on the path that works. */
    return (a->cfg.cmt && usable(&a->paths[pi]) && a->cc[pi].flight > 0) ||
           pi == assoc_data_path(a);
}

/* RFC 9260 s8.1: past Association.Max.Retrans the peer is unreachable. We depart from
 * the letter on purpose: while a confirmed path has not been tried since the peer last
 * answered (it was inactive, or idle), it may still work, and it is probed first; the
 * association is lost when that probe fails too. Returns 1 when it was closed. */
static int assoc_lost_check(mpsctp_assoc *a, mpsctp_tstamp now)
{
    if (a->error_count <= a->cfg.assoc_max_retrans)
        return 0;
    for (uint32_t i = 0; i < a->npaths; i++) {
        if (probe_due(a, &a->paths[i])) {
            probe_untried(a, now);
            return 0;
        }
    }
    assoc_abort_with(a, 0, NULL, 0, MPSCTP_COMM_LOST);
    return 1;
}

int assoc_path_error(mpsctp_assoc *a, uint32_t pi, mpsctp_tstamp sent_at, int heartbeat,
                     mpsctp_tstamp now)
{
    mpsctp_path *p = &a->paths[pi];
    /* RFC 9260 s8.1: an unanswered HEARTBEAT counts on the association only on the path
     * currently used for data transfer; on another one (an idle alternate, an inactive
     * path) it could end the association while the data path works. */
    int counts = p->confirmed && (!heartbeat || carries_data(a, pi));
    p->error_count++;
    p->last_error = now;
    ep_log(a->ep, 3, "assoc %u: path %u error %u (PMR %u, PF %u), association %u", a->id, pi,
           p->error_count, p->pmr, p->pfmr, a->error_count + (counts ? 1 : 0));
    if (!p->confirmed) {
        /* Probes of an unconfirmed address do not count against the association: a peer
         * may list an address we cannot reach. Past Path.Max.Retrans it is inactive and
         * probed once per HB.interval. */
        if (p->error_count > p->pmr && p->active) {
            p->active = 0;
            assoc_path_event(a, pi, MPSCTP_ADDR_UNREACHABLE);
        }
        return 0;
    }
    if (p->failed)
        p->fail_prev = p->fail_sent;
    p->failed = p->failed < 2 ? (uint8_t)(p->failed + 1) : 2;
    p->fail_sent = sent_at;
    if (p->error_count > p->pmr) {
        /* RFC 9260 s8.2: past Path.Max.Retrans the destination is inactive. */
        if (p->active) {
            p->active = 0;
            p->pf = 0;
            assoc_path_event(a, pi, MPSCTP_ADDR_UNREACHABLE);
        }
    } else if (p->pfmr < p->pmr && p->error_count > p->pfmr && p->active && !p->pf) {
        /* RFC 7829 s3.2 step 2: past PotentiallyFailed.Max.Retrans the path is potentially
         * failed: no new data goes there, and a heartbeat probes it at once and then once
         * per RTO. */
        p->pf = 1;
        assoc_path_event(a, pi, MPSCTP_ADDR_POTENTIALLY_FAILED);
        if (!p->hb_outstanding)
            p->hb_deadline = now;
    }
    if (counts)
        a->error_count++;
    if (assoc_lost_check(a, now))
        return 1;
    /* The last active paths are failing: every path that may work is probed now, so a
     * path that came back is found before the association gives up. */
    probe_untried(a, now);
    return 0;
}

/* ---- public per-path API --------------------------------------------------------------- */

/* Applies pp to path p. */
static void apply_params(mpsctp_assoc *a, mpsctp_path *p, const mpsctp_path_params *pp,
                         mpsctp_tstamp now)
{
    if (pp->flags & MPSCTP_PP_PMR)
        p->pmr = pp->path_max_retrans;
    if (pp->flags & MPSCTP_PP_PF)
        p->pfmr = pp->pf_max_retrans;
    uint32_t pi = (uint32_t)(p - a->paths);
    if (p->active && p->confirmed && p->error_count > p->pmr) {
        /* A lower Path.Max.Retrans than the errors already counted: inactive now. */
        p->active = 0;
        p->pf = 0;
        assoc_path_event(a, pi, MPSCTP_ADDR_UNREACHABLE);
    } else if (p->pf && p->pfmr >= p->pmr) {
        /* PF switched off: a potentially failed path counts as active again. */
        p->pf = 0;
        assoc_path_event(a, pi, MPSCTP_ADDR_AVAILABLE);
    }
    if (pp->flags & MPSCTP_PP_HB) {
        p->hb_interval_ms = pp->hb_interval_ms;
        int running = a->state != MPSCTP_CLOSED && a->state != MPSCTP_COOKIE_WAIT &&
                      a->state != MPSCTP_COOKIE_ECHOED;
        /* The next heartbeat of a working path is due one interval from now; probes of
         * unconfirmed or failing paths keep their schedule. */
        if (running && !p->hb_outstanding &&
            (usable(p) || p->hb_deadline == MPSCTP_TSTAMP_NEVER))
            hb_arm(a, pi, now);
    }
}

int mpsctp_assoc_set_path_params(mpsctp_assoc *a, uint32_t idx, const mpsctp_path_params *pp,
                                 mpsctp_tstamp now)
{
    if (!a || !pp || (pp->flags & ~(MPSCTP_PP_HB | MPSCTP_PP_PMR | MPSCTP_PP_PF)))
        return MPSCTP_ERR_INVAL;
    if (idx != MPSCTP_ALL_PATHS) {
        if (idx >= a->npaths)
            return MPSCTP_ERR_NOENT;
        apply_params(a, &a->paths[idx], pp, now);
        ep_assoc_changed(a);
        return 0;
    }
    if (pp->flags & MPSCTP_PP_HB)
        a->cfg.hb_interval_ms = pp->hb_interval_ms;
    if (pp->flags & MPSCTP_PP_PMR)
        a->cfg.path_max_retrans = pp->path_max_retrans;
    if (pp->flags & MPSCTP_PP_PF)
        a->cfg.pf_max_retrans = pp->pf_max_retrans;
    for (uint32_t i = 0; i < a->npaths; i++)
        apply_params(a, &a->paths[i], pp, now);
    ep_assoc_changed(a);
    return 0;
}

int mpsctp_assoc_set_primary(mpsctp_assoc *a, uint32_t idx)
{
    if (!a)
        return MPSCTP_ERR_INVAL;
    if (idx >= a->npaths)
        return MPSCTP_ERR_NOENT;
    if (a->state == MPSCTP_CLOSED || !a->paths[idx].confirmed)
        return MPSCTP_ERR_STATE;
    if (a->primary != idx) {
        a->primary = idx;
        assoc_path_event(a, idx, MPSCTP_ADDR_MADE_PRIM);
        ep_assoc_changed(a); /* new data may go where it could not */
    }
    return 0;
}

int mpsctp_assoc_path_info(const mpsctp_assoc *a, uint32_t idx, mpsctp_path_info *pi)
{
    if (!a || !pi)
        return MPSCTP_ERR_INVAL;
    if (idx >= a->npaths)
        return MPSCTP_ERR_NOENT;
    const mpsctp_path *p = &a->paths[idx];
    const cc_path *c = &a->cc[idx];
    memset(pi, 0, sizeof(*pi));
    pi->remote = p->remote;
    assoc_path_local(a, idx, &pi->local);
    pi->active = p->active;
    pi->confirmed = p->confirmed;
    pi->pf = p->pf;
    pi->primary = idx == a->primary;
    /* With CMT every usable path carries new data (docs/cmt.md). */
    pi->data_path = a->cfg.cmt ? assoc_path_usable(a, idx) : idx == assoc_data_path(a);
    pi->hb_interval_ms = p->hb_interval_ms;
    pi->path_max_retrans = p->pmr;
    pi->pf_max_retrans = p->pfmr;
    pi->state_changes = p->state_changes;
    pi->cwnd = c->cwnd;
    pi->ssthresh = c->ssthresh;
    pi->partial_bytes_acked = c->pba;
    pi->flight_size = c->flight;
    pi->mtu = c->mtu ? c->mtu : a->cfg.mtu;
    pi->srtt_ms = (uint32_t)(p->srtt / NS_PER_MS);
    pi->rttvar_ms = (uint32_t)(p->rttvar / NS_PER_MS);
    pi->rto_ms = (uint32_t)(p->rto / NS_PER_MS);
    pi->error_count = p->error_count;
    pi->bytes_sent = p->bytes_sent;
    pi->data_chunks_sent = p->data_chunks_sent;
    pi->retransmissions = p->retransmissions;
    pi->t3_expirations = p->t3_expirations;
    pi->bytes_received = p->bytes_received;
    pi->heartbeats_sent = p->hb_sent;
    pi->heartbeat_acks_received = p->hb_acked;
    return 0;
}
