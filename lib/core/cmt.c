/* Concurrent Multipath Transfer (docs/cmt.md): the SCTP_CMT_ON_OFF mode switch
 * (draft-dreibholz-tsvwg-sctpsocket-multipath) and its options, and the mechanisms of
 * draft-tuexen-tsvwg-sctp-multipath behind the seam declared in assoc.h under "CMT". */
#include "assoc.h"

const cc_ops *cmt_cc_ops(uint32_t mode)
{
    switch (mode) {
    case MPSCTP_CMT_RPV1: return &cc_rpv1;
    case MPSCTP_CMT_RPV2: return &cc_rpv2;
    case MPSCTP_CMT_MPTCP: return &cc_mptcp;
    default: return &cc_standard; /* OFF and BASE: RFC 9260 s7.2 per path */
    }
}

int mpsctp_assoc_set_cmt(mpsctp_assoc *a, uint32_t mode)
{
    if (!a || mode > MPSCTP_CMT_MAX)
        return MPSCTP_ERR_INVAL;
    /* CMT mode (docs/cmt.md): effective at the next transmission decision; cwnd and
     * ssthresh stay. */
    int was_off = a->cfg.cmt == MPSCTP_CMT_OFF;
    a->cfg.cmt = (uint8_t)mode;
    a->ccops = cmt_cc_ops(mode);
    if (was_off && mode != MPSCTP_CMT_OFF) {
        /* The pseudo-cumacks were not kept up without CMT. */
        sack_acc acc;
        cmt_scan(a, &acc);
    }
    ep_assoc_changed(a); /* paths may take new data that could not */
    return 0;
}

int mpsctp_assoc_get_cmt(const mpsctp_assoc *a)
{
    return a ? a->cfg.cmt : MPSCTP_ERR_INVAL;
}

int mpsctp_assoc_set_bufsplit(mpsctp_assoc *a, uint32_t flags)
{
    if (!a || (flags & ~(MPSCTP_BUFSPLIT_SENDER | MPSCTP_BUFSPLIT_RECEIVER)))
        return MPSCTP_ERR_INVAL;
    a->cfg.cmt_bufsplit = (uint8_t)flags;
    ep_assoc_changed(a);
    return 0;
}

int mpsctp_assoc_set_rtx_policy(mpsctp_assoc *a, uint32_t policy)
{
    if (!a || policy > MPSCTP_RTX_SSTHRESH)
        return MPSCTP_ERR_INVAL;
    a->cfg.cmt_rtx_policy = (uint8_t)policy;
    ep_assoc_changed(a);
    return 0;
}

int mpsctp_assoc_set_sack_path(mpsctp_assoc *a, uint32_t policy)
{
    if (!a || policy > MPSCTP_SACK_PATH_MIN_RTT)
        return MPSCTP_ERR_INVAL;
    a->cfg.sack_path = (uint8_t)policy;
    return 0;
}

int mpsctp_assoc_set_path_select(mpsctp_assoc *a, uint32_t policy)
{
    if (!a || policy > MPSCTP_PATHSEL_STREAM)
        return MPSCTP_ERR_INVAL;
    a->cfg.path_select = (uint8_t)policy;
    ep_assoc_changed(a);
    return 0;
}

int mpsctp_assoc_set_cmt_dac(mpsctp_assoc *a, uint32_t on)
{
    if (!a || on > 1)
        return MPSCTP_ERR_INVAL;
    a->cfg.cmt_dac = (uint8_t)on;
    return 0;
}

int cmt_dac_on(const mpsctp_assoc *a)
{
    return a->cfg.cmt != MPSCTP_CMT_OFF && a->cfg.cmt_dac;
}

int mpsctp_assoc_idata(const mpsctp_assoc *a)
{
    return a ? a->idata : MPSCTP_ERR_INVAL;
}

int mpsctp_assoc_nr_sack(const mpsctp_assoc *a)
{
    return a ? a->nr_sack : MPSCTP_ERR_INVAL;
}

/* ---- SACK processing: SFR, DAC, CUCv2 (docs/cmt.md) -------------------------------------- */

void cmt_newly_acked(mpsctp_assoc *a, const txchunk *c, uint32_t tsn, sack_acc *acc)
{
    uint32_t pi = c->path;
    const mpsctp_path *p = &a->paths[pi];
    if (!acc->have_htna_path[pi] || tsn_gt(tsn, acc->htna_path[pi])) {
        acc->htna_path[pi] = tsn;
        acc->have_htna_path[pi] = 1;
    }
    if (!acc->have_lowest || tsn_lt(tsn, acc->lowest_newack)) {
        acc->lowest_newack = tsn;
        acc->have_lowest = 1;
    }
    acc->newack_paths |= 1u << pi;
    if (c->sent_at > acc->newest_sent[pi])
        acc->newest_sent[pi] = c->sent_at;
    if (c->sent_at > acc->newest_sent_any)
        acc->newest_sent_any = c->sent_at;
    if (c->state != TX_INFLIGHT)
        return;
    /* CUCv2: the lowest first transmission or the lowest retransmission in flight on
     * the path was acknowledged: the window may grow. */
    int is_p = p->pcum_valid && p->pcum == tsn, is_r = p->rpcum_valid && p->rpcum == tsn;
    if (is_p || is_r)
        acc->pseudo_adv[pi] = 1;
    /* T3 restarts only when the path's oldest outstanding TSN of either kind was
     * acknowledged (RFC 9260 s6.3.2 R3 per path): otherwise a lost retransmission would
     * never time out while new data on the path keeps being acknowledged. */
    if ((is_p && (!p->rpcum_valid || tsn_lt(tsn, p->rpcum))) ||
        (is_r && (!p->pcum_valid || tsn_lt(tsn, p->pcum))))
        acc->t3_adv[pi] = 1;
}

/* How much later a SACK can come back over one path than over another: the spread of
 * the paths' smallest RTTs (each path's return delay is within its smallest round trip,
 * and the shortest return delay is part of every RTT sample). Once per SACK, not per
 * chunk. */
void cmt_misses_prepare(const mpsctp_assoc *a, sack_acc *acc)
{
    uint64_t lo = UINT64_MAX, hi = 0;
    for (uint32_t i = 0; i < a->npaths; i++) {
        const mpsctp_path *p = &a->paths[i];
        if (!p->rtt_measured)
            continue;
        if (p->min_rtt < lo)
            lo = p->min_rtt;
        if (p->min_rtt > hi)
            hi = p->min_rtt;
    }
    acc->return_spread = hi > lo ? hi - lo : 0;
}

/* Evidence without an ack on the chunk's own path: a chunk sent after it (on any path)
 * was newly acknowledged, and it has been out longer than its path's SRTT + 4 RTTVAR
 * (the RTO before the RTO.Min clamp) plus the spread of the paths' return delays, so
 * reordering across paths no longer explains its absence (the idea of RACK, RFC 8985,
 * with the path's own RTT). Without the rule, a loss on a path that sends nothing after
 * it (a window cut to one MTU, the last chunks before a pause) waits for T3, which
 * RTO.Min makes seconds long. The allowance is needed because SACKs come back on any
 * path: the path's RTT samples mix its forward delay with the return delays of all
 * paths, and one taken with a SACK over a short path says little about a SACK over a
 * long one (without it, the long path of two with 0.2 and 20 ms RTT had most of its
 * retransmissions sent for chunks that had arrived). On paths of equal delay it is
 * nothing. */
static unsigned late_miss(const mpsctp_assoc *a, const txchunk *c, const sack_acc *acc)
{
    const mpsctp_path *p = &a->paths[c->path];
    if (!p->rtt_measured || acc->newest_sent_any <= c->sent_at)
        return 0;
    return elapsed(acc->now, c->sent_at) > p->srtt + 4 * p->rttvar + acc->return_spread;
}

unsigned cmt_misses(const mpsctp_assoc *a, const txchunk *c, uint32_t tsn,
                    const sack_acc *acc)
{
    uint32_t pi = c->path;
    /* SFR: only a SACK that newly acknowledged something sent on the chunk's path, and
     * only below the highest TSN it newly acknowledged there, says the chunk is missing;
     * anything else may be reordering across paths, until it is too old for that. */
    if (!acc->have_htna_path[pi] || tsn_ge(tsn, acc->htna_path[pi]))
        return late_miss(a, c, acc);
    /* A retransmission was not passed over by data sent on its path before it (a chunk
     * that timed out elsewhere and went to a path with older, higher TSNs in flight). */
    if (c->tx_count > 1 && acc->newest_sent[pi] <= c->sent_at)
        return late_miss(a, c, acc);
    if (!cmt_dac_on(a))
        return 1; /* DAC needs the receiver's CMT, which goes with ours, and may be off */
    /* DAC: the receiver delayed this SACK over two packets; when every new ack is on one
     * path, chunks below the lowest of them were passed over twice. */
    int one_path = acc->newack_paths && !(acc->newack_paths & (acc->newack_paths - 1));
    if (acc->dac_pkts >= 2 && one_path && acc->have_lowest && tsn_lt(tsn, acc->lowest_newack))
        return 2;
    return 1;
}

void cmt_scan(mpsctp_assoc *a, sack_acc *acc)
{
    for (uint32_t i = 0; i < a->npaths && i < MPSCTP_MAX_PATHS; i++) {
        a->paths[i].pcum_valid = a->paths[i].rpcum_valid = 0;
        acc->have_low_out[i] = 0;
    }
    const rtxq *q = &a->rq;
    uint32_t sent = q->count - q->unsent;
    for (uint32_t i = 0; i < sent; i++) {
        const txchunk *c = rtxq_at(q, i);
        if (c->state != TX_INFLIGHT && c->state != TX_RTX)
            continue;
        uint32_t tsn = q->first_tsn + i;
        mpsctp_path *p = &a->paths[c->path];
        if (!acc->have_low_out[c->path]) {
            acc->low_out[c->path] = tsn;
            acc->have_low_out[c->path] = 1;
        }
        if (c->state != TX_INFLIGHT)
            continue;
        if (c->tx_count == 1 && !p->pcum_valid) {
            p->pcum = tsn;
            p->pcum_valid = 1;
        } else if (c->tx_count > 1 && !p->rpcum_valid) {
            p->rpcum = tsn;
            p->rpcum_valid = 1;
        }
    }
}

int cmt_fr_over(const mpsctp_assoc *a, const sack_acc *acc, uint32_t pi)
{
    return !acc->have_low_out[pi] || tsn_gt(acc->low_out[pi], a->paths[pi].fr_exit_tsn);
}

void cmt_sent(mpsctp_assoc *a, const txchunk *c, uint32_t tsn, uint32_t pi)
{
    /* Without CMT nobody reads them; mpsctp_assoc_set_cmt rescans when CMT comes on. */
    if (a->cfg.cmt == MPSCTP_CMT_OFF)
        return;
    mpsctp_path *p = &a->paths[pi];
    if (c->tx_count == 1) {
        /* First transmissions go out in TSN order: the first one is the lowest. */
        if (!p->pcum_valid) {
            p->pcum = tsn;
            p->pcum_valid = 1;
        }
    } else if (!p->rpcum_valid || tsn_lt(tsn, p->rpcum)) {
        p->rpcum = tsn;
        p->rpcum_valid = 1;
    }
}

/* ---- sender: where data goes (docs/cmt.md) ---------------------------------------------- */

/* Returns the number of paths that may carry new data (at least 1). */
static uint32_t usable_paths(const mpsctp_assoc *a)
{
    uint32_t n = 0;
    for (uint32_t i = 0; i < a->npaths; i++)
        n += (uint32_t)assoc_path_usable(a, i);
    return n ? n : 1;
}

int cmt_bufsplit_ok(const mpsctp_assoc *a, uint32_t pi, const txchunk *c)
{
    const cc_path *cc = &a->cc[pi];
    /* An empty path may always take one chunk, so that splitting never stalls. */
    if (cc->flight == 0 || !a->cfg.cmt_bufsplit)
        return 1;
    uint64_t n = usable_paths(a);
    uint64_t need = (uint64_t)c->len + SCTP_DATA_HDR_LEN;
    /* Sender side: a path holds at most send buffer / n in flight. */
    if ((a->cfg.cmt_bufsplit & MPSCTP_BUFSPLIT_SENDER) &&
        cc->flight + need > a->sq.limit / n)
        return 0;
    /* Receiver side: at most (peer rwnd + outstanding) / n. */
    if ((a->cfg.cmt_bufsplit & MPSCTP_BUFSPLIT_RECEIVER) &&
        cc->flight + need > ((uint64_t)a->peer_rwnd + a->outstanding) / n)
        return 0;
    return 1;
}

int cmt_new_data_path(const mpsctp_assoc *a, const txchunk *c)
{
    int any_usable = 0;
    for (uint32_t k = 0; k < a->npaths; k++) {
        uint32_t pi = (a->cmt_rr + k) % a->npaths;
        if (!assoc_path_usable(a, pi))
            continue;
        any_usable = 1;
        if (assoc_new_data_room(a, pi, c))
            return (int)pi;
    }
    if (any_usable)
        return -1;
    /* No usable path: the rules without CMT choose (RFC 7829 s3.2). */
    uint32_t dp = assoc_data_path(a);
    return assoc_new_data_room(a, dp, c) ? (int)dp : -1;
}

int cmt_rtx_path(const mpsctp_assoc *a, uint32_t last, int timed_out)
{
    int best = -1;
    uint32_t best_v = 0;
    for (uint32_t i = 0; i < a->npaths; i++) {
        if (!assoc_path_usable(a, i))
            continue;
        uint32_t v = a->cfg.cmt_rtx_policy == MPSCTP_RTX_SSTHRESH ? a->cc[i].ssthresh
                                                                  : a->cc[i].cwnd;
        int better = best < 0 || v > best_v;
        /* Ties: stay on the last path unless it timed out there. */
        if (!better && v == best_v)
            better = timed_out ? (uint32_t)best == last : i == last;
        if (better) {
            best = (int)i;
            best_v = v;
        }
    }
    return best;
}

/* ---- stream-to-path mapping (docs/cmt.md) ---------------------------------------------- */

int cmt_mapped(const mpsctp_assoc *a)
{
    return a->cfg.cmt != MPSCTP_CMT_OFF && a->cfg.path_select == MPSCTP_PATHSEL_STREAM;
}

int cmt_stream_path(const mpsctp_assoc *a, uint16_t sid)
{
    uint32_t u[MPSCTP_MAX_PATHS], n = 0;
    for (uint32_t i = 0; i < a->npaths; i++)
        if (assoc_path_usable(a, i))
            u[n++] = i;
    /* No usable path: every stream goes where data goes without CMT (RFC 7829 s3.2). */
    return n ? (int)u[sid % n] : (int)assoc_data_path(a);
}

/* ---- congestion control over the paths that count (docs/cc.md) -------------------------- */

void cmt_cc_event(mpsctp_assoc *a, uint32_t pi, cmt_cc_ev ev, uint32_t acked, int advanced,
                  int full)
{
    /* The coupled variants sum over the association's paths: only path pi and the paths
     * that may carry data count. An unconfirmed address that never answered, or a failed
     * path, would otherwise bend every share with a window it does not use. */
    cc_path tmp[MPSCTP_MAX_PATHS];
    cc_path *all = a->cc;
    size_t n = 0, me = pi;
    for (uint32_t k = 0; k < a->npaths; k++)
        n += k == pi || assoc_path_usable(a, k);
    if (n < a->npaths) {
        /* Some path does not count: hand the variant a compacted copy. */
        all = tmp;
        n = 0;
        for (uint32_t k = 0; k < a->npaths; k++) {
            if (k != pi && !assoc_path_usable(a, k))
                continue;
            if (k == pi)
                me = n;
            tmp[n++] = a->cc[k];
        }
    }
    switch (ev) {
    case CMT_CC_ACK: a->ccops->on_ack(all, n, me, acked, advanced, full); break;
    case CMT_CC_FAST_RTX: a->ccops->on_fast_rtx(all, n, me); break;
    case CMT_CC_TIMEOUT: a->ccops->on_timeout(all, n, me); break;
    case CMT_CC_IDLE: a->ccops->on_idle(all, n, me); break;
    }
    if (all == tmp)
        a->cc[pi] = tmp[me];
}
