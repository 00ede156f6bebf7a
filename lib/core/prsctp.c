/* Partial reliability: RFC 3758 (PR-SCTP, FORWARD TSN) with the policies of RFC 7496
 * (TTL, RTX, PRIO), on whole messages, over every path of the association. */
#include <stdlib.h>
#include <string.h>

#include "assoc.h"

/* Counter index of a policy, or -1. */
static int pol_index(uint16_t policy)
{
    switch (policy) {
    case MPSCTP_PR_TTL:
        return 0;
    case MPSCTP_PR_RTX:
        return 1;
    case MPSCTP_PR_PRIO:
        return 2;
    default:
        return -1;
    }
}

void prsctp_setup(mpsctp_assoc *a)
{
    a->pr.adv_ack = a->rq.first_tsn - 1;
    a->pr.fwd_due = 0;
    if (!a->pr.used)
        a->pr.next_ttl = MPSCTP_TSTAMP_NEVER;
}

void prsctp_free(mpsctp_assoc *a)
{
    free(a->pr.per_stream);
    a->pr.per_stream = NULL;
    a->pr.per_stream_n = 0;
}

int prsctp_negotiated(const mpsctp_settings *cfg, const sctp_init *in)
{
    if (!cfg->pr_sctp)
        return 0;
    const uint8_t *p = in->params, *end = in->params + in->plen;
    sctp_tlv t;
    while (p < end && !codec_param_decode(&p, end, &t)) {
        if (t.type == SCTP_P_FORWARD_TSN_SUPPORTED)
            return 1;
        if (t.type == SCTP_P_SUPPORTED_EXTENSIONS)
            for (size_t i = 0; i < t.vlen; i++)
                if (t.value[i] == SCTP_FORWARD_TSN)
                    return 1;
    }
    return 0;
}

void prsctp_put_param(const mpsctp_settings *cfg, wbuf *w)
{
    if (cfg->pr_sctp)
        codec_param_put(w, SCTP_P_FORWARD_TSN_SUPPORTED, NULL, 0);
}

mpsctp_tstamp prsctp_deadline(const mpsctp_assoc *a)
{
    return a->pr.on && a->pr.used ? a->pr.next_ttl : MPSCTP_TSTAMP_NEVER;
}

int prsctp_rtx_allowed(const mpsctp_assoc *a, const txchunk *c)
{
    return !(a->pr.on && c->msg && c->msg->pr.policy == MPSCTP_PR_RTX &&
             c->tx_count > c->msg->pr.value);
}

int prsctp_settled(const mpsctp_assoc *a)
{
    return !tsn_gt(a->pr.adv_ack, a->rq.first_tsn - 1);
}

void prsctp_fwd_acked(mpsctp_assoc *a, mpsctp_tstamp now)
{
    /* The peer moved its cumulative TSN over abandoned TSNs: it took a FORWARD TSN, an
     * acknowledgement like that of outstanding data (RFC 9260 s8.1, s8.2): the error
     * counters clear, the path's when the FORWARD TSN went out after its latest error.
     * Without this, a sender whose data is all abandoned (RTX 0 under loss) would count
     * its T3-rtx expiries up to Association.Max.Retrans while the peer answers. */
    assoc_peer_alive(a, now);
    if (a->pr.fwd_path < a->npaths)
        assoc_path_acked(a, a->pr.fwd_path, a->pr.fwd_at, now);
}

/* ---- sender: abandoning messages ---------------------------------------------------- */

/* Counts and reports message m as abandoned (sent: some of it was transmitted). */
static void abandoned(mpsctp_assoc *a, const smsg *m, int sent)
{
    int k = pol_index(m->pr.policy);
    if (k < 0)
        return;
    a->pr.abandoned[k][sent != 0]++;
    if (!a->pr.per_stream && a->os) {
        a->pr.per_stream = calloc(a->os, sizeof(*a->pr.per_stream));
        a->pr.per_stream_n = a->pr.per_stream ? a->os : 0;
    }
    if (m->sid < a->pr.per_stream_n)
        a->pr.per_stream[m->sid][k][sent != 0]++;
    assoc_report_failed(a, m, sent);
}

/* Abandons the message whose oldest remaining chunk is chunk i0 of the retransmission
 * queue: every chunk of it leaves its path's flight (or the retransmission marks), is
 * released from the send buffer and waits, abandoned, for the FORWARD TSN. Chunks
 * NR-acked already are the receiver's for good and stay as they are. Returns 1 when
 * a chunk in flight or marked was among them. */
static int abandon_queued(mpsctp_assoc *a, uint32_t i0)
{
    rtxq *q = &a->rq;
    txchunk *c0 = rtxq_at(q, i0);
    smsg *m = c0->msg;
    int was_out = 0;
    /* Chunks go out in TSN order the first time: some of it was transmitted when its
     * oldest remaining chunk was, or earlier ones are gone (acknowledged). */
    abandoned(a, m, m->pr.sent || c0->off != 0 || c0->tx_count != 0);
    uint16_t sid = m->sid;
    uint32_t left = m->refs;
    for (uint32_t i = i0; i < q->count && left; i++) {
        txchunk *c = rtxq_at(q, i);
        if (c->msg != m) {
            if (c->state == TX_NRACKED)
                continue;
            break;
        }
        uint32_t tsn = q->first_tsn + i;
        if (c->state == TX_INFLIGHT) {
            cc_path *p = &a->cc[c->path];
            uint32_t f = (uint32_t)c->len + SCTP_DATA_HDR_LEN;
            p->flight = p->flight > f ? p->flight - f : 0;
            uint32_t r = (uint32_t)c->len + REASM_CHUNK_OVERHEAD;
            a->outstanding = a->outstanding > r ? a->outstanding - r : 0;
            was_out = 1;
        } else if (c->state == TX_RTX) {
            q->nrtx--;
            was_out = 1;
        }
        if (c->state != TX_UNSENT) {
            mpsctp_path *p = &a->paths[c->path];
            if (p->rtt_pending && p->rtt_tsn == tsn)
                p->rtt_pending = 0; /* no RTT sample from an abandoned chunk */
        }
        if (a->tlp_pending && a->tlp_tsn == tsn)
            a->tlp_pending = 0;
        c->state = TX_ABANDONED;
        c->fast_rtx = 0;
        c->off = sid;
        sendq_release(&a->sq, sid, c->len);
        c->msg = NULL;
        left--;
        if (--m->refs == 0)
            sendq_msg_free(&a->sq, m);
    }
    prsctp_skip_unsent(q);
    return was_out;
}

/* Counts the remaining chunks of message m (oldest remaining at i0; chunks NR-acked in
 * between belong to it) that are in state st and, when above is set, were sent more
 * than above - 1 times. */
static uint32_t msg_chunks(const rtxq *q, uint32_t i0, const smsg *m, uint8_t st,
                           uint32_t above)
{
    uint32_t left = m->refs, n = 0;
    for (uint32_t i = i0; i < q->count && left; i++) {
        const txchunk *c = rtxq_at(q, i);
        if (c->msg != m) {
            if (c->state == TX_NRACKED)
                continue;
            break;
        }
        left--;
        n += c->state == st && (!above || c->tx_count >= above);
    }
    return n;
}

/* Whether every remaining chunk of message m (oldest remaining at i0) was reported
 * received (gap-acked): the peer has it, and abandoning it would only report as failed a
 * message that is delivered. */
static int all_reported(const rtxq *q, uint32_t i0, const smsg *m)
{
    return msg_chunks(q, i0, m, TX_ACKED, 0) == m->refs;
}

/* Whether message m, whose oldest remaining chunk is chunk i0, is to be abandoned now:
 * its lifetime ran out, or one of its chunks waits for a retransmission beyond the
 * limit. Otherwise lowers *next to its TTL deadline. */
static int expired_queued(const mpsctp_assoc *a, uint32_t i0, mpsctp_tstamp now,
                          mpsctp_tstamp *next)
{
    const rtxq *q = &a->rq;
    const smsg *m = rtxq_at(q, i0)->msg;
    if (m->pr.policy == MPSCTP_PR_TTL) {
        if (all_reported(q, i0, m))
            return 0; /* arrived: the cumulative ack will release it */
        if (now >= m->pr.deadline)
            return 1;
        if (m->pr.deadline < *next)
            *next = m->pr.deadline;
        return 0;
    }
    /* RFC 7496 s4: the message may be retransmitted value times; a chunk marked to go
     * out once more beyond that abandons it. */
    return m->pr.policy == MPSCTP_PR_RTX && m->pr.value < 255 && /* (tx_count is 8 bits) */
           msg_chunks(q, i0, m, TX_RTX, m->pr.value + 1) != 0;
}

typedef struct ttl_scan {
    mpsctp_tstamp now, next;
    smsg **out;
    uint32_t n, cap;
} ttl_scan;

/* sendq_each: collects queued messages whose lifetime ran out; the next deadline. */
static void ttl_collect(void *ctx, smsg *m)
{
    ttl_scan *s = ctx;
    if (m->pr.policy != MPSCTP_PR_TTL)
        return;
    if (s->now >= m->pr.deadline) {
        if (s->n < s->cap)
            s->out[s->n++] = m;
        else
            s->next = s->now; /* not collected: look again at once */
    } else if (m->pr.deadline < s->next) {
        s->next = m->pr.deadline;
    }
}

/* Abandons an unsent message taken out of its stream queue. */
static void abandon_unsent(mpsctp_assoc *a, smsg *m)
{
    abandoned(a, m, 0);
    sendq_msg_free(&a->sq, m);
}

/* Moves the Advanced.Peer.Ack.Point (RFC 3758 s3.5 C1, C2) over abandoned TSNs and TSNs
 * the peer holds for good (NR-acked). Returns 1 when it moved past where it was. */
static int advance_ack_point(mpsctp_assoc *a)
{
    rtxq *q = &a->rq;
    uint32_t cum = q->first_tsn - 1;
    if (tsn_lt(a->pr.adv_ack, cum))
        a->pr.adv_ack = cum;
    uint32_t before = a->pr.adv_ack;
    uint32_t sent = q->count - q->unsent;
    for (uint32_t i = a->pr.adv_ack - cum; i < sent; i++) {
        uint8_t st = rtxq_at(q, i)->state;
        if (st != TX_ABANDONED && st != TX_NRACKED)
            break;
        a->pr.adv_ack = q->first_tsn + i;
    }
    return a->pr.adv_ack != before;
}

/* The sweep proper (prsctp_sweep); resend: a SACK or T3-rtx asks for the FORWARD TSN
 * again when the ack point is ahead. */
static void sweep(mpsctp_assoc *a, mpsctp_tstamp now, int resend)
{
    if (!a->pr.on || !a->pr.used)
        return;
    rtxq *q = &a->rq;
    mpsctp_tstamp next = MPSCTP_TSTAMP_NEVER;
    int out = 0;
    const smsg *last = NULL;
    for (uint32_t i = 0; i < q->count; i++) {
        txchunk *c = rtxq_at(q, i);
        if (!c->msg || c->msg == last)
            continue;
        last = c->msg;
        if (c->msg->pr.policy && expired_queued(a, i, now, &next)) {
            out |= abandon_queued(a, i);
            last = NULL;
        }
    }
    if (sendq_pending(&a->sq)) {
        smsg *buf[64];
        ttl_scan s = {now, MPSCTP_TSTAMP_NEVER, buf, 0, 64};
        sendq_each(&a->sq, ttl_collect, &s);
        for (uint32_t k = 0; k < s.n; k++)
            if (sendq_remove(&a->sq, s.out[k]) == 0)
                abandon_unsent(a, s.out[k]);
        if (s.next < next)
            next = s.next;
    }
    a->pr.next_ttl = next;
    if (out && a->cfg.cmt != MPSCTP_CMT_OFF) {
        /* CUCv2: the paths' pseudo-cumacks no longer count the chunks that left. */
        sack_acc acc;
        memset(&acc, 0, sizeof(acc));
        cmt_scan(a, &acc);
    }
    int moved = advance_ack_point(a);
    if (tsn_gt(a->pr.adv_ack, q->first_tsn - 1) && (moved || resend))
        a->pr.fwd_due = 1;
    if (q->count == 0 && !sendq_pending(&a->sq)) {
        a->pr.used = 0; /* nothing left with a policy: no more sweeps until the next one */
        a->pr.next_ttl = MPSCTP_TSTAMP_NEVER;
    }
}

void prsctp_sweep(mpsctp_assoc *a, mpsctp_tstamp now)
{
    sweep(a, now, 1);
}

void prsctp_before_output(mpsctp_assoc *a, mpsctp_tstamp now)
{
    /* Chunks marked by a timer (a tail loss probe) or an earlier SACK: the RTX limit is
     * checked before one of them goes out again. */
    if (a->rq.nrtx)
        sweep(a, now, 0);
}

void prsctp_timeout(mpsctp_assoc *a, mpsctp_tstamp now)
{
    if (prsctp_deadline(a) <= now)
        sweep(a, now, 0);
}

/* ---- sender: PRIO makes room ---------------------------------------------------------- */

typedef struct prio_pick {
    uint32_t above; /* only priorities above (worse than) this one */
    smsg *best;
} prio_pick;

static void prio_collect(void *ctx, smsg *m)
{
    prio_pick *p = ctx;
    if (m->pr.policy == MPSCTP_PR_PRIO && m->pr.value > p->above &&
        (!p->best || m->pr.value > p->best->pr.value))
        p->best = m;
}

/* RFC 7496 s4 (priority policy): abandons queued messages of lower priority than prio
 * (higher value), the lowest priority first and, within one priority, unsent messages
 * before those already (partly) sent, until len more bytes fit in the send buffer. */
static void prio_make_room(mpsctp_assoc *a, size_t len, uint32_t prio)
{
    sendq *sq = &a->sq;
    rtxq *q = &a->rq;
    int out = 0;
    while (sq->total + len > sq->limit) {
        /* The best candidate still in a stream queue (unsent, no TSN yet)... */
        prio_pick p = {prio, NULL};
        sendq_each(sq, prio_collect, &p);
        /* ...and among those cut into chunks: (priority, unsent) highest. */
        uint32_t best = q->count;
        uint64_t best_key = 0;
        const smsg *last = NULL;
        for (uint32_t i = 0; i < q->count; i++) {
            const txchunk *c = rtxq_at(q, i);
            const smsg *m = c->msg;
            if (!m || m == last)
                continue;
            last = m;
            if (m->pr.policy != MPSCTP_PR_PRIO || m->pr.value <= prio || all_reported(q, i, m))
                continue;
            int unsent = !(m->pr.sent || c->off != 0);
            uint64_t key = (uint64_t)m->pr.value << 1 | (uint64_t)unsent;
            if (best == q->count || key > best_key) {
                best = i;
                best_key = key;
            }
        }
        if (p.best && (best == q->count || ((uint64_t)p.best->pr.value << 1 | 1) >= best_key)) {
            if (sendq_remove(sq, p.best))
                break;
            abandon_unsent(a, p.best);
        } else if (best != q->count) {
            out |= abandon_queued(a, best);
        } else {
            break;
        }
    }
    if (out && a->cfg.cmt != MPSCTP_CMT_OFF) {
        sack_acc acc;
        memset(&acc, 0, sizeof(acc));
        cmt_scan(a, &acc);
    }
    if (advance_ack_point(a))
        a->pr.fwd_due = 1;
}

int prsctp_send(mpsctp_assoc *a, const void *data, size_t len, const mpsctp_sndinfo *info,
                const mpsctp_prinfo *pr, mpsctp_tstamp now)
{
    uint16_t pol = pr ? pr->policy : MPSCTP_PR_NONE;
    if (pol != MPSCTP_PR_NONE && pol_index(pol) < 0)
        return MPSCTP_ERR_INVAL;
    int e = sendq_push(&a->sq, data, len, info);
    if (e == MPSCTP_ERR_WOULDBLOCK && pol == MPSCTP_PR_PRIO && a->pr.on && a->pr.used) {
        prio_make_room(a, len, pr->value);
        e = sendq_push(&a->sq, data, len, info);
    }
    if (e)
        return e;
    if (pol == MPSCTP_PR_NONE)
        return 0;
    smsg *m = a->sq.streams[info->sid].tail;
    m->pr.policy = pol;
    m->pr.value = pr->value;
    if (!a->pr.used) {
        a->pr.used = 1;
        a->pr.next_ttl = MPSCTP_TSTAMP_NEVER;
    }
    if (pol == MPSCTP_PR_TTL) {
        /* A lifetime of 0 is none (RFC 6458 sinfo_timetolive, Linux). */
        m->pr.deadline = pr->value ? now + (uint64_t)pr->value * NS_PER_MS
                                   : MPSCTP_TSTAMP_NEVER;
        if (m->pr.deadline < a->pr.next_ttl)
            a->pr.next_ttl = m->pr.deadline;
    }
    return 0;
}

/* ---- sender: FORWARD TSN ------------------------------------------------------------------ */

/* Most stream/SSN pairs one FORWARD TSN carries. */
#define FWD_MAX_PAIRS 256

void prsctp_put_fwdtsn(mpsctp_assoc *a, wbuf *w, uint32_t pi, mpsctp_tstamp now)
{
    rtxq *q = &a->rq;
    uint32_t cum = q->first_tsn - 1;
    if (!tsn_gt(a->pr.adv_ack, cum)) {
        a->pr.fwd_due = 0;
        return;
    }
    size_t room = wbuf_room(w);
    if (room < 8)
        return; /* the next packet */
    size_t maxp = (room - 8) / 4;
    if (maxp > FWD_MAX_PAIRS)
        maxp = FWD_MAX_PAIRS;
    uint16_t sids[FWD_MAX_PAIRS], ssns[FWD_MAX_PAIRS];
    size_t n = 0;
    uint32_t new_cum = cum;
    for (uint32_t i = 0; tsn_le(q->first_tsn + i, a->pr.adv_ack); i++) {
        const txchunk *c = rtxq_at(q, i);
        if (c->state == TX_ABANDONED && !(c->dflags & SCTP_DATA_U)) {
            /* RFC 3758 s3.5 C4: the highest SSN skipped on each stream. */
            uint16_t sid = (uint16_t)c->off;
            size_t k = 0;
            while (k < n && sids[k] != sid)
                k++;
            if (k == n) {
                if (n == maxp)
                    break; /* a new message (its sid is new) on one stream too many */
                sids[n] = sid;
                ssns[n++] = c->ssn;
            } else if ((int16_t)(uint16_t)(c->ssn - ssns[k]) > 0) {
                ssns[k] = c->ssn;
            }
        }
        new_cum = q->first_tsn + i;
    }
    if (new_cum == cum)
        return;
    codec_fwdtsn_encode(w, new_cum, sids, ssns, n);
    if (w->err)
        return;
    a->pr.fwd_due = 0;
    a->pr.fwd_sent++;
    a->pr.fwd_path = (uint8_t)pi;
    a->pr.fwd_at = now;
    /* C5: at least one T3-rtx timer runs while a FORWARD TSN is unacknowledged. */
    for (uint32_t k = 0; k < a->npaths; k++)
        if (a->paths[k].t3_deadline != MPSCTP_TSTAMP_NEVER)
            return;
    a->paths[pi].t3_deadline = now + a->paths[pi].rto;
}

/* ---- receiver --------------------------------------------------------------------------- */

int prsctp_recv_fwdtsn(mpsctp_assoc *a, const sctp_tlv *c, int pi, mpsctp_tstamp now)
{
    (void)pi;
    (void)now;
    sctp_fwdtsn f;
    if (codec_fwdtsn_decode(c, &f)) {
        static const char why[] = "FORWARD TSN chunk malformed";
        assoc_abort_with(a, SCTP_CAUSE_PROTOCOL_VIOLATION, (const uint8_t *)why,
                         sizeof(why) - 1, MPSCTP_COMM_LOST);
        return 1;
    }
    if (!a->rx_ready)
        return 0;
    a->pr.fwd_received++;
    /* RFC 3758 s3.6: answer with a SACK; an out-of-date FORWARD TSN (at or behind the
     * cumulative TSN) changes nothing else, but its SACK may replace a lost one. */
    a->sack_pending = 1;
    a->sack_due = 1;
    uint32_t cum = a->map.cum;
    if (!tsn_gt(f.new_cum, cum))
        return 0;
    /* Past the TSNs the map tracks and past what our window lets the peer have in flight
     * (every DATA chunk carries at least one byte): no TSN the peer can have sent. */
    uint64_t bound = a->cfg.rcvbuf > MPSCTP_TSN_WINDOW ? a->cfg.rcvbuf : MPSCTP_TSN_WINDOW;
    if (f.new_cum - cum > bound) {
        uint8_t v[64];
        static const char why[] = "FORWARD TSN beyond the receive window";
        memcpy(v, why, sizeof(why) - 1);
        assoc_abort_with(a, SCTP_CAUSE_PROTOCOL_VIOLATION, v, sizeof(why) - 1,
                         MPSCTP_COMM_LOST);
        return 1;
    }
    tsnmap_forward(&a->map, f.new_cum);
    uint16_t sid = 0, ssn = 0;
    if (reasm_forward(&a->ra, f.new_cum, &f, &sid, &ssn)) {
        a->pr.pd_aborted++;
        mpsctp_event ev;
        memset(&ev, 0, sizeof(ev));
        ev.type = MPSCTP_EV_PARTIAL_DELIVERY;
        ev.assoc = a;
        ev.assoc_id = a->id;
        ev.state = MPSCTP_PD_ABORTED;
        ev.sid = sid;
        ev.ssn = ssn;
        ep_event(a->ep, &ev);
    }
    return 0;
}

/* ---- public API ------------------------------------------------------------------------- */

int mpsctp_assoc_pr_sctp(const mpsctp_assoc *a)
{
    return a ? a->pr.on : MPSCTP_ERR_INVAL;
}

int mpsctp_assoc_pr_status(const mpsctp_assoc *a, int sid, uint16_t policy, uint64_t *unsent,
                           uint64_t *sent)
{
    if (!a || !unsent || !sent)
        return MPSCTP_ERR_INVAL;
    int k = pol_index(policy);
    if (k < 0 && policy != MPSCTP_PR_ALL)
        return MPSCTP_ERR_INVAL;
    if (sid >= 0 && (uint32_t)sid >= (a->os ? a->os : a->sq.nstreams))
        return MPSCTP_ERR_STREAM;
    *unsent = *sent = 0;
    for (int i = 0; i < PRSCTP_NPOLICIES; i++) {
        if (k >= 0 && i != k)
            continue;
        if (sid < 0) {
            *unsent += a->pr.abandoned[i][0];
            *sent += a->pr.abandoned[i][1];
        } else if ((uint32_t)sid < a->pr.per_stream_n) {
            *unsent += a->pr.per_stream[sid][i][0];
            *sent += a->pr.per_stream[sid][i][1];
        }
    }
    return 0;
}
