/* Data transfer: receiving DATA and deciding on SACKs (RFC 9260 s6.2, s6.7), processing
 * SACKs (s6.2.1, s6.3.2, s7.2.4), T3-rtx expiry (s6.3.3) and releasing send state. */
#include <stdlib.h>
#include <string.h>

#include "assoc.h"

/* Bytes a chunk occupies in flight (RFC 9260 counts DATA chunks with their header). */
static inline uint32_t chunk_flight(const mpsctp_assoc *a, const txchunk *c)
{
    return (uint32_t)c->len + assoc_data_hdr(a);
}

/* Bytes a chunk occupies in the peer's receive window as the peer charges it. */
static inline uint32_t chunk_rwnd(const txchunk *c)
{
    return (uint32_t)c->len + REASM_CHUNK_OVERHEAD;
}

uint32_t assoc_local_rwnd(const mpsctp_assoc *a)
{
    uint64_t held = reasm_held(&a->ra);
    return held >= a->cfg.rcvbuf ? 0 : (uint32_t)(a->cfg.rcvbuf - held);
}

/* Whether a chunk costing need receive-buffer bytes fits (an empty buffer takes one). */
static int rx_room(const mpsctp_assoc *a, uint64_t need)
{
    uint64_t held = reasm_held(&a->ra);
    return held == 0 || held + need <= a->cfg.rcvbuf;
}

int assoc_all_acked(const mpsctp_assoc *a)
{
    return a->rq.count == 0 && !sendq_pending(&a->sq);
}

/* ---- receiving DATA ------------------------------------------------------------------- */

/* How long DATA from a second path keeps the receiver's DAC on. */
#define DAC_MULTIPATH_NS (1000 * NS_PER_MS)

/* CMT DAC (docs/cmt.md), receiver side: with CMT and DAC on, while the peer's DATA came
 * over more than one of its addresses in the last second. */
static int dac_active(const mpsctp_assoc *a, mpsctp_tstamp now)
{
    return cmt_dac_on(a) && a->rx_multipath &&
           elapsed(now, a->rx_multipath_at) < DAC_MULTIPATH_NS;
}

int assoc_recv_data(mpsctp_assoc *a, const sctp_tlv *c, int pi, mpsctp_tstamp now)
{
    sctp_data d;
    if ((c->type == SCTP_IDATA) != (a->idata != 0)) {
        /* RFC 8260 s2.1: with I-DATA negotiated every message travels in I-DATA, else in
         * DATA; the other kind is a protocol violation. */
        static const char why_d[] = "DATA chunk with I-DATA negotiated";
        static const char why_i[] = "I-DATA chunk without I-DATA negotiated";
        const char *why = a->idata ? why_d : why_i;
        assoc_abort_with(a, SCTP_CAUSE_PROTOCOL_VIOLATION, (const uint8_t *)why, strlen(why),
                         MPSCTP_COMM_LOST);
        return 1;
    }
    if (a->idata ? codec_idata_decode(c, &d) : codec_data_decode(c, &d)) {
        static const char why[] = "DATA chunk too short";
        assoc_abort_with(a, SCTP_CAUSE_PROTOCOL_VIOLATION, (const uint8_t *)why,
                         sizeof(why) - 1, MPSCTP_COMM_LOST);
        return 1;
    }
    if (d.len == 0) {
        /* RFC 9260 s6.2: DATA without user data: ABORT with No User Data and the TSN. */
        uint8_t v[4];
        put32(v, d.tsn);
        assoc_abort_with(a, SCTP_CAUSE_NO_USER_DATA, v, 4, MPSCTP_COMM_LOST);
        return 1;
    }
    a->data_chunks_received++;
    if (pi >= 0) {
        if (a->last_data_path >= 0 && pi != a->last_data_path) {
            a->rx_multipath_at = now;
            a->rx_multipath = 1;
        }
        a->last_data_path = (int8_t)pi;
        a->paths[pi].bytes_received += d.len;
        assoc_path_heard(a, (uint32_t)pi, now);
    }
    a->sack_pending = 1;
    int chk = tsnmap_check(&a->map, d.tsn);
    if (chk == 0) {
        /* RFC 9260 s6.7: duplicates are reported and SACKed at once. */
        tsnmap_mark(&a->map, d.tsn);
        a->dup_tsns++;
        a->sack_due = 1;
        return 0;
    }
    if (chk < 0) {
        a->sack_due = 1; /* far beyond the window: drop, let the SACK say where we are */
        return 0;
    }
    /* A new TSN from the peer (its verification tag checked) proves it alive. We depart
     * from RFC 9260 s8.1, which clears the association's error counter only on an ack of
     * our DATA or a HEARTBEAT ACK: an endpoint that only receives would otherwise count
     * its probes of a failed path up to Association.Max.Retrans and end an association
     * whose data keeps arriving. The sender still finds a dead way back by its own
     * T3-rtx expiries. */
    assoc_peer_alive(a, now);
    if (d.sid >= a->is) {
        /* RFC 9260 s6.5: acknowledge the TSN, drop the data, report Invalid Stream. The TSN
         * holds nothing, so it is never reneged. */
        tsnmap_mark(&a->map, d.tsn);
        tsnmap_set_nr(&a->map, d.tsn);
        uint8_t b[16];
        wbuf w;
        wbuf_init(&w, b, sizeof(b));
        size_t off = codec_chunk_begin(&w, SCTP_ERROR, 0);
        uint8_t v[4];
        put16(v, d.sid);
        put16(v + 2, 0);
        codec_param_put(&w, SCTP_CAUSE_INVALID_STREAM, v, 4);
        codec_chunk_end(&w, off);
        assoc_queue_ctrl(a, assoc_reply_path(a, pi), b, w.len);
        a->sack_due = 1;
        return 0;
    }
    /* RFC 6525 s5.2.2 E2: data after a deferred stream reset waits until the reset is
     * done; it is dropped unrecorded (the peer sends it again). */
    if (a->rc && reconf_rx_hold(a, d.sid, d.tsn))
        return 0;
    /* RFC 9260 s6.2: the receive buffer bounds what the peer can make us hold. Without
     * room, a TSN beyond the highest received is dropped; one that fills a hole makes
     * room by dropping the largest TSNs held for reordering (not yet delivered), or is
     * dropped itself when that is not enough; either way a SACK goes out at once. One
     * chunk is always taken into an empty buffer, so a chunk larger than the buffer
     * cannot stall the association. */
    uint64_t need = reasm_cost(d.len);
    if (!rx_room(a, need)) {
        a->sack_due = 1;
        if (tsn_gt(d.tsn, a->map.highest) || a->idata)
            return 0; /* I-DATA fragments are not reneged (idata.h) */
        a->reneged += reasm_renege(&a->ra, d.tsn, need);
        if (!rx_room(a, need))
            return 0;
    }
    int had_gaps = tsnmap_has_gaps(&a->map);
    if (tsnmap_mark(&a->map, d.tsn) != 1) {
        a->sack_due = 1; /* the map could not grow: as if lost */
        return 0;
    }
    int e = a->idata ? idata_add(&a->ids, &a->ra, &d) : reasm_add(&a->ra, &d, a->map.cum);
    if (e == MPSCTP_ERR_MALFORMED) {
        /* RFC 9260 s6.9: fragments that cannot form a message (a continuation after an end,
         * a beginning inside an unfinished message, two messages with one stream sequence
         * number): a protocol violation. */
        static const char why[] = "DATA fragments do not form a message";
        assoc_abort_with(a, SCTP_CAUSE_PROTOCOL_VIOLATION, (const uint8_t *)why,
                         sizeof(why) - 1, MPSCTP_COMM_LOST);
        return 1;
    }
    if (e) {
        assoc_abort_with(a, SCTP_CAUSE_OUT_OF_RESOURCE, NULL, 0, MPSCTP_COMM_LOST);
        return 1;
    }
    /* RFC 7053 s4.2: the sender asks for a SACK at once (it has nothing more to send). */
    if (d.flags & SCTP_DATA_I)
        a->sack_due = 1;
    if (tsnmap_has_gaps(&a->map)) {
        /* RFC 9260 s6.7: out of order: SACK at once. CMT DAC (docs/cmt.md): while the
         * peer's DATA comes over more than one path, reordering across paths is
         * expected; the SACK keeps to the every-second-packet rule and tells the sender
         * how many packets it covers. A peer sending on one path gets the RFC rule. */
        if (!dac_active(a, now))
            a->sack_due = 1;
    } else if (had_gaps && dac_active(a, now)) {
        a->sack_due = 1; /* DAC: a hole was filled: tell the sender at once */
    }
    return 0;
}

void assoc_data_packet_done(mpsctp_assoc *a, mpsctp_tstamp now)
{
    /* RFC 9260 s6.2: a SACK for at least every second packet with DATA, else within the
     * delayed-SACK time. */
    if (++a->pkts_unacked >= a->cfg.sack_freq)
        a->sack_due = 1;
    /* A window too small for two more full packets holds the peer to one packet per
     * SACK: delaying that SACK would slow it to one packet per delayed-SACK time. */
    if (assoc_local_rwnd(a) < 2 * a->cfg.mtu)
        a->sack_due = 1;
    if (!a->sack_due && a->sack_deadline == MPSCTP_TSTAMP_NEVER)
        a->sack_deadline = now + (uint64_t)a->cfg.sack_delay_ms * NS_PER_MS;
}

int assoc_put_sack(mpsctp_assoc *a, wbuf *w)
{
    size_t room = wbuf_room(w);
    size_t fixed = a->nr_sack ? 20 : 16;
    if (room < fixed)
        return 0;
    uint16_t gaps[256][2], nrgaps[256][2];
    size_t maxg = (room - fixed) / 4;
    if (maxg > 256)
        maxg = 256;
    size_t ng, nnr = 0;
    if (a->nr_sack) {
        /* NR-SACK: gap blocks report what arrived and may still be reneged (held for
         * reassembly or ordering); NR gap blocks what was delivered and never will be. */
        ng = tsnmap_gaps_kind(&a->map, gaps, maxg, TSNMAP_RENEGABLE);
        nnr = tsnmap_gaps_kind(&a->map, nrgaps, maxg - ng, TSNMAP_NR);
    } else {
        ng = tsnmap_gaps(&a->map, gaps, maxg);
    }
    uint32_t dups[TSNMAP_MAX_DUPS];
    size_t maxd = (room - fixed - 4 * (ng + nnr)) / 4;
    size_t nd = tsnmap_take_dups(&a->map, dups, maxd < TSNMAP_MAX_DUPS ? maxd : TSNMAP_MAX_DUPS);
    uint32_t rwnd = assoc_local_rwnd(a);
    /* CMT DAC (docs/cmt.md): with CMT and DAC on the two top flag bits say how many DATA
     * packets (1 or 2) this SACK covers. */
    uint8_t flags = 0;
    if (cmt_dac_on(a) && a->pkts_unacked)
        flags = (uint8_t)((a->pkts_unacked >= 2 ? 2u : 1u) << SCTP_SACK_DAC_SHIFT);
    size_t off = codec_chunk_begin(w, a->nr_sack ? SCTP_NR_SACK : SCTP_SACK, flags);
    wbuf_put32(w, a->map.cum);
    wbuf_put32(w, rwnd);
    wbuf_put16(w, (uint16_t)ng);
    if (a->nr_sack)
        wbuf_put16(w, (uint16_t)nnr);
    wbuf_put16(w, (uint16_t)nd);
    if (a->nr_sack)
        wbuf_put16(w, 0);
    for (size_t i = 0; i < ng; i++) {
        wbuf_put16(w, gaps[i][0]);
        wbuf_put16(w, gaps[i][1]);
    }
    for (size_t i = 0; i < nnr; i++) {
        wbuf_put16(w, nrgaps[i][0]);
        wbuf_put16(w, nrgaps[i][1]);
    }
    for (size_t i = 0; i < nd; i++)
        wbuf_put32(w, dups[i]);
    codec_chunk_end(w, off);
    a->last_rwnd = rwnd;
    a->sack_due = a->sack_pending = 0;
    a->pkts_unacked = 0;
    a->sack_deadline = MPSCTP_TSTAMP_NEVER;
    return 1;
}

/* ---- sender side: acknowledgements ---------------------------------------------------- */

/* Drops one reference to the chunk's message, freeing it at zero. */
static void msg_unref(mpsctp_assoc *a, smsg *m)
{
    if (--m->refs == 0)
        sendq_msg_free(&a->sq, m);
}

/* Releases chunk c's hold on its message and on the send buffer (acknowledged for good). */
static void chunk_release(mpsctp_assoc *a, txchunk *c)
{
    if (!c->msg)
        return;
    sendq_release(&a->sq, c->msg->sid, c->len);
    msg_unref(a, c->msg);
    c->msg = NULL;
}

/* Takes chunk c out of flight (if it is in flight). */
static void leave_flight(mpsctp_assoc *a, txchunk *c)
{
    if (c->state == TX_INFLIGHT) {
        cc_path *p = &a->cc[c->path];
        uint32_t f = chunk_flight(a, c);
        p->flight = p->flight > f ? p->flight - f : 0;
        uint32_t r = chunk_rwnd(c);
        a->outstanding = a->outstanding > r ? a->outstanding - r : 0;
    } else if (c->state == TX_RTX) {
        a->rq.nrtx--;
    }
}

/* A chunk is newly acknowledged (by the cum ack or a gap block). */
static void newly_acked(mpsctp_assoc *a, txchunk *c, uint32_t tsn, sack_acc *acc,
                        mpsctp_tstamp now)
{
    mpsctp_path *p = &a->paths[c->path];
    if (c->state != TX_UNSENT) {
        acc->acked[c->path] += chunk_flight(a, c);
        /* RFC 9260 s6.3.1 C5: only chunks sent once give RTT samples (Karn). */
        if (p->rtt_pending && p->rtt_tsn == tsn && c->tx_count == 1) {
            path_rtt_sample(p, elapsed(now, c->sent_at), assoc_rto_min(a),
                            assoc_rto_max(a));
            p->rtt_pending = 0;
        }
        /* RFC 9260 s8.1, s8.2: an acknowledged TSN clears the error counters (and brings
         * a failing path back, RFC 7829 s3.2 step 4). The ack of a retransmitted chunk may
         * be for an earlier copy sent on another path (the ambiguity Karn's rule avoids
         * for RTT samples), so only a chunk sent once vouches for its path. */
        assoc_path_acked(a, c->path, c->tx_count == 1 ? c->sent_at : 0, now);
        /* Lost retransmissions: when the path last delivered. An ack of a retransmission
         * sooner than the path's smallest RTT after it is for an earlier copy (RFC 8985
         * s6.2 step 2) and says nothing about this one. */
        if (c->sent_at > p->acked_sent &&
            (c->tx_count == 1 ||
             (p->rtt_measured && elapsed(now, c->sent_at) >= p->min_rtt)))
            p->acked_sent = c->sent_at;
        cmt_newly_acked(a, c, tsn, acc);
        if (a->tlp_pending && tsn == a->tlp_tsn)
            acc->tlp_acked = 1;
    }
    leave_flight(a, c);
    if (!acc->have_htna || tsn_gt(tsn, acc->htna)) {
        acc->htna = tsn;
        acc->have_htna = 1;
    }
}

/* Moves the cumulative ack point to cum, releasing every chunk at or below it. */
static void cum_advance(mpsctp_assoc *a, uint32_t cum, sack_acc *acc, mpsctp_tstamp now)
{
    rtxq *q = &a->rq;
    while (q->count > q->unsent && tsn_le(q->first_tsn, cum)) {
        txchunk *c = rtxq_at(q, 0);
        if (c->state == TX_ABANDONED) {
            acc->pr_acked = 1; /* PR-SCTP: the peer took our FORWARD TSN */
        } else if (c->state != TX_ACKED && c->state != TX_NRACKED) {
            acc->cum_acked[c->path] = 1;
            newly_acked(a, c, q->first_tsn, acc, now);
        }
        chunk_release(a, c);
        rtxq_pop(q);
    }
}

/* RFC 9260 s7.2.4: "If an endpoint is in Fast Recovery and a SACK arrives that advances
 * the Cumulative TSN Ack Point, the miss indications are incremented for all TSNs
 * reported missing in the SACK", not only those below the HTNA: a second loss in the
 * window is then repaired by fast retransmit, not T3-rtx. Fast Recovery is per path
 * here. With split fast retransmit (docs/cmt.md) the rule applies per path too: a chunk
 * counts as reported missing only when a TSN above it that went out on its own path is
 * reported received (gap-acked or NR-acked), so reordering across paths strikes
 * nothing (and, as for the HTNA rule, a retransmission is not struck by acks of data
 * sent before it). Fills top[pi] with that highest TSN per path (have[pi] when there is
 * one) and returns 1 when the rule applies to some path. */
static int fr_reported(const mpsctp_assoc *a, const sack_acc *acc, uint32_t *top,
                       uint8_t *have)
{
    int in_fr = 0;
    for (uint32_t i = 0; i < a->npaths; i++) {
        in_fr |= a->cc[i].fast_recovery;
        have[i] = 0;
    }
    if (!acc->cum_adv || !in_fr)
        return 0;
    const rtxq *q = &a->rq;
    uint32_t sent = q->count - q->unsent;
    for (uint32_t i = 0; i < sent; i++) {
        uint32_t tsn = q->first_tsn + i;
        if (tsn_gt(tsn, acc->highest_reported))
            break;
        const txchunk *c = rtxq_at(q, i);
        if (c->state == TX_ACKED || c->state == TX_NRACKED) {
            top[c->path] = tsn;
            have[c->path] = 1;
        }
    }
    return 1;
}

/* Lost retransmission (MPSCTP_LOSSREC_RTX, docs/loss-recovery.md): retransmitted chunk
 * c, in flight, is lost again when a chunk sent on the same path at least a reordering
 * window after it has been acknowledged (acked_sent, kept by newly_acked). This is RFC
 * 8985's time rule (RACK) per path, in its sent-time form: a chunk sent w later arrived,
 * so c had its RTT plus w; the window w is a quarter of the path's smallest RTT (RFC 8985
 * s6.2). RFC 9260 fast retransmits a TSN once, so without this only T3-rtx, RTO.Min or
 * more later, finds the loss. */
static int rtx_lost(const mpsctp_assoc *a, const txchunk *c)
{
    const mpsctp_path *p = &a->paths[c->path];
    if (!(a->cfg.loss_recovery & MPSCTP_LOSSREC_RTX) || c->tx_count < 2)
        return 0;
    uint64_t w = p->rtt_measured ? p->min_rtt / 4 : 0;
    return p->acked_sent > c->sent_at && p->acked_sent - c->sent_at >= w;
}

/* Marks in-flight chunk i (TSN tsn) for fast retransmission. */
static void mark_fast_rtx(mpsctp_assoc *a, uint32_t i, uint32_t tsn)
{
    txchunk *c = rtxq_at(&a->rq, i);
    leave_flight(a, c);
    rtxq_mark_rtx(&a->rq, i);
    c->fast_rtx = 1;
    c->fr_done = 1;
    c->miss = 0;
    if (a->paths[c->path].rtt_pending && a->paths[c->path].rtt_tsn == tsn)
        a->paths[c->path].rtt_pending = 0;
}

/* RFC 9260 s7.2.4: HTNA miss indications (and the Fast Recovery rule, fr_reported) and
 * fast retransmit marking; with CMT, split fast retransmit and DAC decide which chunks
 * below the HTNA get a miss (cmt_misses). */
static void miss_indications(mpsctp_assoc *a, sack_acc *acc)
{
    rtxq *q = &a->rq;
    uint32_t sent = q->count - q->unsent;
    uint32_t top[MPSCTP_MAX_PATHS];
    uint8_t have[MPSCTP_MAX_PATHS];
    int fr = fr_reported(a, acc, top, have);
    if (acc->sfr)
        cmt_misses_prepare(a, acc);
    uint32_t limit = acc->htna;
    if (fr && tsn_gt(acc->highest_reported, limit))
        limit = acc->highest_reported;
    for (uint32_t i = 0; i < sent; i++) {
        uint32_t tsn = q->first_tsn + i;
        if (tsn_ge(tsn, limit))
            break;
        txchunk *c = rtxq_at(q, i);
        if (c->state != TX_INFLIGHT)
            continue;
        if (rtx_lost(a, c)) {
            acc->rtx_lost[c->path] = 1;
            a->rtx_lost++;
            mark_fast_rtx(a, i, tsn);
            continue;
        }
        /* Split fast retransmit while CMT is on, and while data sent under CMT is still
         * in flight on several paths after it was switched off. */
        unsigned m = 0;
        if (tsn_lt(tsn, acc->htna))
            m = acc->sfr ? cmt_misses(a, c, tsn, acc) : 1;
        if (!m && fr && a->cc[c->path].fast_recovery)
            m = acc->sfr ? c->tx_count == 1 && have[c->path] && tsn_lt(tsn, top[c->path])
                         : 1;
        if (!m)
            continue;
        c->miss = (uint8_t)(c->miss + m > 255 ? 255 : c->miss + m);
        if (c->miss < 3 || c->fr_done)
            continue;
        /* Third miss: mark for fast retransmission (once per TSN). */
        acc->fr[c->path] = 1;
        mark_fast_rtx(a, i, tsn);
    }
}

/* Returns 1 when something sent on path p was acknowledged since its running T3 timer
 * started (one RTO before its deadline). */
static int acked_since_t3(const mpsctp_path *p)
{
    return p->ack_at && p->ack_at + p->rto >= p->t3_deadline;
}

/* Common tail of SACK and SHUTDOWN processing: congestion control, timers, window. */
static void after_ack(mpsctp_assoc *a, sack_acc *acc, int cum_advanced, uint32_t a_rwnd,
                      int have_rwnd, mpsctp_tstamp now)
{
    rtxq *q = &a->rq;
    uint32_t highest_sent = q->first_tsn + (q->count - q->unsent) - 1;
    int cmt = a->cfg.cmt != MPSCTP_CMT_OFF;
    if (cmt)
        cmt_scan(a, acc); /* CUCv2: the pseudo-cumacks after this SACK */
    /* The coupled congestion controls read every path's RTT. */
    for (uint32_t i = 0; i < a->npaths; i++)
        a->cc[i].srtt_us = a->paths[i].rtt_measured ? a->paths[i].srtt / 1000 : 0;
    for (uint32_t i = 0; i < a->npaths; i++) {
        cc_path *c = &a->cc[i];
        mpsctp_path *p = &a->paths[i];
        if (acc->rtx_lost[i] && !(c->fast_recovery && p->rtx_lost_cut)) {
            /* RFC 5681 s4.3: the loss of a retransmission lowers the window again; once
             * per window: the path's fast recovery restarts with a new exit point, and
             * further losses found before it ends (retransmissions or not) cut nothing. */
            cmt_cc_event(a, i, CMT_CC_FAST_RTX, 0, 0, 0);
            c->fast_recovery = 1;
            p->rtx_lost_cut = 1;
            p->fr_exit_tsn = highest_sent;
        }
        if (acc->fr[i] && !c->fast_recovery) {
            /* RFC 9260 s7.2.4 step 2: enter fast recovery once, adjust cwnd. */
            cmt_cc_event(a, i, CMT_CC_FAST_RTX, 0, 0, 0);
            c->fast_recovery = 1;
            p->fr_exit_tsn = highest_sent;
        }
        if (c->fast_recovery && tsn_ge(q->first_tsn - 1, p->fr_exit_tsn))
            c->fast_recovery = 0;
        /* CMT: the path leaves fast recovery when nothing it carried up to the exit
         * point is outstanding any more, whatever the other paths still hold. */
        if (cmt && c->fast_recovery && cmt_fr_over(a, acc, i))
            c->fast_recovery = 0;
        if (!c->fast_recovery)
            p->rtx_lost_cut = 0;
        /* CMT CUCv2 (docs/cmt.md): with CMT a path's window grows when its (rtx-)pseudo-cumack
         * advances; without, when the association's cum ack does (RFC 9260 s7.2.1). */
        int advanced = cmt ? acc->pseudo_adv[i] : cum_advanced;
        if (acc->acked[i]) {
            /* RFC 9260 s7.2.1/s7.2.2: the window was in full use before the SACK. */
            int full = acc->flight_before[i] >= c->cwnd;
            cmt_cc_event(a, i, CMT_CC_ACK, acc->acked[i], advanced, full);
        }
        if (acc->acked[i])
            p->ack_at = now;
        /* RFC 9260 s6.3.2 R2/R3: stop T3 when everything sent on the path has been
         * acknowledged, restart it when the earliest outstanding TSN was acknowledged
         * (with CMT: the path's own earliest, the lower of its two pseudo-cumacks;
         * docs/cmt.md). A path whose data all left its flight to be retransmitted
         * elsewhere, with no ack for it since the timer started, keeps the timer: its
         * expiry counts the error a path that delivers nothing must count; otherwise a
         * dead path that CMT keeps feeding would never be found. */
        if (c->flight == 0 &&
            (p->t3_deadline == MPSCTP_TSTAMP_NEVER || acked_since_t3(p) ||
             (acc->pr_acked && prsctp_settled(a))))
            p->t3_deadline = MPSCTP_TSTAMP_NEVER; /* (PR-SCTP: or the FORWARD TSN acked) */
        else if (acc->cum_acked[i] || (cmt && acc->t3_adv[i]))
            p->t3_deadline = now + p->rto;
        if (c->flight == 0)
            c->pba = 0;
    }
    /* Max.Burst (RFC 9260 s6.1 D) limits what goes out beyond the acknowledgement clock:
     * on each path, what this SACK acknowledged there may be replaced at once (counted
     * in full-size packets, rounded up), plus Max.Burst packets. */
    for (uint32_t i = 0; i < a->npaths; i++) {
        uint32_t full = a->cc[i].mtu > SCTP_COMMON_HDR_LEN ? a->cc[i].mtu - SCTP_COMMON_HDR_LEN
                                                          : 1;
        uint32_t b = a->burst[i] > a->cfg.max_burst ? a->burst[i] : a->cfg.max_burst;
        a->burst[i] = b + (acc->acked[i] + full - 1) / full;
    }
    if (have_rwnd)
        a->peer_rwnd = a_rwnd > a->outstanding ? a_rwnd - a->outstanding : 0;
    if (assoc_all_acked(a) && a->dry_armed) {
        a->dry_armed = 0;
        assoc_event(a, MPSCTP_EV_SENDER_DRY, 0, 0);
    }
}

static void acc_init(mpsctp_assoc *a, sack_acc *acc)
{
    memset(acc, 0, sizeof(*acc));
    unsigned busy = 0;
    for (uint32_t i = 0; i < a->npaths; i++) {
        acc->flight_before[i] = a->cc[i].flight;
        busy += a->cc[i].flight != 0;
    }
    acc->sfr = a->cfg.cmt != MPSCTP_CMT_OFF || busy > 1;
}

/* RFC 9260 s6.2.1 D iii: a chunk gap-acked before, at or below the highest TSN this SACK
 * reports, but not covered by it (epoch) was reneged by the receiver: it is outstanding
 * again with one miss indication, and T3 runs on its path. TSNs above what the SACK
 * reports say nothing (an older SACK overtaken by a newer one, as SACKs on different
 * paths are). NR-acked chunks cannot be reneged. */
static void renege_check(mpsctp_assoc *a, uint32_t highest_reported, mpsctp_tstamp now)
{
    rtxq *q = &a->rq;
    uint32_t sent = q->count - q->unsent;
    for (uint32_t i = 0; i < sent; i++) {
        if (tsn_gt(q->first_tsn + i, highest_reported))
            break;
        txchunk *c = rtxq_at(q, i);
        if (c->state != TX_ACKED || c->seen == a->sack_epoch)
            continue;
        c->state = TX_INFLIGHT;
        a->cc[c->path].flight += chunk_flight(a, c);
        a->outstanding += chunk_rwnd(c);
        if (c->miss < 255)
            c->miss++;
        mpsctp_path *p = &a->paths[c->path];
        if (p->t3_deadline == MPSCTP_TSTAMP_NEVER)
            p->t3_deadline = now + p->rto;
    }
}

/* The tail loss probe's TSN was acknowledged by SACK s. RFC 8985 s7.4: when the SACK
 * reports it as a duplicate, the original had arrived and nothing was lost; otherwise the
 * probe repaired a loss, and the probed path reacts as to a fast retransmit (its window
 * is cut once, entering fast recovery, in after_ack). */
static void tlp_answered(mpsctp_assoc *a, const sctp_sack *s, sack_acc *acc)
{
    a->tlp_pending = 0;
    if (a->pr.tlp_void)
        return; /* PR-SCTP held the probe back: nothing was sent */
    for (unsigned k = 0; k < s->ndups; k++)
        if (get32(s->dups + 4 * k) == a->tlp_tsn)
            return;
    a->tlp_repairs++;
    if (a->tlp_path < a->npaths)
        acc->fr[a->tlp_path] = 1;
}

mpsctp_tstamp assoc_tlp_deadline(const mpsctp_assoc *a, uint32_t pi)
{
    const mpsctp_path *p = &a->paths[pi];
    const cc_path *c = &a->cc[pi];
    /* Only at the tail (assoc_tlp_possible), with data in flight on the path, its RTT
     * known and T3 running. */
    if (!assoc_tlp_possible(a) || c->flight == 0 || !p->rtt_measured ||
        p->t3_deadline == MPSCTP_TSTAMP_NEVER)
        return MPSCTP_TSTAMP_NEVER;
    /* RFC 8985 s7.2: PTO = 2 SRTT, plus the peer's SACK delay when one packet is out (it
     * may wait for a second one); at least 10 ms; from the latest send or ack on the path. */
    uint64_t pto = 2 * p->srtt;
    if (c->flight <= c->mtu)
        pto += 200 * NS_PER_MS;
    if (pto < 10 * NS_PER_MS)
        pto = 10 * NS_PER_MS;
    mpsctp_tstamp base = p->last_send > p->ack_at ? p->last_send : p->ack_at;
    mpsctp_tstamp at = base + pto;
    return at < p->t3_deadline ? at : MPSCTP_TSTAMP_NEVER;
}

void assoc_tlp_fire(mpsctp_assoc *a, uint32_t pi)
{
    rtxq *q = &a->rq;
    uint32_t sent = q->count - q->unsent;
    for (uint32_t k = sent; k-- > 0;) {
        txchunk *c = rtxq_at(q, k);
        if (c->state != TX_INFLIGHT || c->path != pi)
            continue;
        /* RFC 8985 s7.3: the highest TSN sent on the path goes again, as one packet that
         * may exceed cwnd (a fast retransmission's rule); no window change yet. Not a
         * chunk whose PR-SCTP policy allows no more retransmissions: a probe would
         * abandon a message that is most likely on its way (T3-rtx decides). */
        uint32_t tsn = q->first_tsn + k;
        a->pr.tlp_void = 0;
        if (!prsctp_rtx_allowed(a, c)) {
            /* no probe, as if one were out: none again before an ack or T3-rtx */
            a->pr.tlp_void = 1;
            a->tlp_pending = 1;
            a->tlp_path = (uint8_t)pi;
            a->tlp_tsn = tsn;
            return;
        }
        mark_fast_rtx(a, k, tsn);
        a->tlp_pending = 1;
        a->tlp_path = (uint8_t)pi;
        a->tlp_tsn = tsn;
        a->tlp_probes++;
        return;
    }
}

int assoc_recv_sack(mpsctp_assoc *a, const sctp_tlv *ch, int nr, mpsctp_tstamp now)
{
    sctp_sack s;
    if (codec_sack_decode(ch, nr, &s))
        return 0; /* malformed: ignore the chunk */
    a->last_sack = now;
    rtxq *q = &a->rq;
    uint32_t cur = q->first_tsn - 1;
    /* RFC 9260 s6.2.1 D i: a SACK older than the current cum ack point is stale. */
    if (tsn_lt(s.cum_tsn, cur))
        return 0;
    uint32_t highest_sent = q->first_tsn + (q->count - q->unsent) - 1;
    if (tsn_gt(s.cum_tsn, highest_sent)) {
        /* Acknowledges a TSN never sent: protocol violation (RFC 9260 s6.2.1). */
        static const char why[] = "SACK acknowledges a TSN not sent";
        assoc_abort_with(a, SCTP_CAUSE_PROTOCOL_VIOLATION, (const uint8_t *)why,
                         sizeof(why) - 1, MPSCTP_COMM_LOST);
        return 1;
    }
    sack_acc acc;
    acc_init(a, &acc);
    acc.dac_pkts = (uint8_t)(ch->flags >> SCTP_SACK_DAC_SHIFT);
    acc.now = now;
    a->sack_epoch++;
    int cum_advanced = tsn_gt(s.cum_tsn, cur);
    cum_advance(a, s.cum_tsn, &acc, now);
    int any_gap = 0;
    uint32_t highest_reported = s.cum_tsn;
    for (int kind = 0; kind <= nr; kind++) {
        unsigned n = kind ? s.nnr : s.ngaps;
        for (unsigned g = 0; g < n; g++) {
            uint16_t start, end;
            codec_sack_gap(&s, kind, g, &start, &end);
            if (tsn_gt(s.cum_tsn + end, highest_reported))
                highest_reported = s.cum_tsn + end;
            for (uint32_t off = start; off <= end; off++) {
                uint32_t tsn = s.cum_tsn + off;
                if (tsn_gt(tsn, highest_sent))
                    break;
                txchunk *c = rtxq_get(q, tsn);
                if (!c || c->state == TX_UNSENT || c->state == TX_NRACKED ||
                    c->state == TX_ABANDONED)
                    continue;
                any_gap = 1;
                c->seen = a->sack_epoch;
                if (c->state != TX_ACKED)
                    newly_acked(a, c, tsn, &acc, now);
                c->state = TX_ACKED;
                if (kind) {
                    /* NR-SACK: the receiver keeps it for good; free it now. */
                    c->state = TX_NRACKED;
                    chunk_release(a, c);
                }
            }
        }
    }
    renege_check(a, highest_reported, now);
    if (acc.tlp_acked)
        tlp_answered(a, &s, &acc);
    acc.highest_reported = highest_reported;
    acc.cum_adv = (uint8_t)cum_advanced;
    if (acc.have_htna && any_gap)
        miss_indications(a, &acc);
    if (s.a_rwnd == 0)
        assoc_peer_alive(a, now); /* the peer answers: it is alive, its window is closed */
    after_ack(a, &acc, cum_advanced, s.a_rwnd, 1, now);
    if (acc.pr_acked)
        prsctp_fwd_acked(a, now);
    prsctp_sweep(a, now); /* RFC 3758 s3.5 C1-C3 (PR-SCTP in use only) */
    return 0;
}

void assoc_cum_ack(mpsctp_assoc *a, uint32_t cum, mpsctp_tstamp now)
{
    rtxq *q = &a->rq;
    uint32_t cur = q->first_tsn - 1;
    uint32_t highest_sent = q->first_tsn + (q->count - q->unsent) - 1;
    if (tsn_le(cum, cur) || tsn_gt(cum, highest_sent))
        return;
    sack_acc acc;
    acc_init(a, &acc);
    cum_advance(a, cum, &acc, now);
    after_ack(a, &acc, 1, 0, 0, now);
}

/* ---- T3-rtx ---------------------------------------------------------------------------- */

void assoc_t3_expired(mpsctp_assoc *a, int pi, mpsctp_tstamp now)
{
    mpsctp_path *p = &a->paths[pi];
    /* The timer ran one RTO: what it timed went out no later than its start. */
    mpsctp_tstamp started = p->t3_deadline - p->rto;
    p->t3_deadline = MPSCTP_TSTAMP_NEVER;
    a->t3_expirations++;
    p->t3_expirations++;
    a->tlp_pending = 0; /* T3 takes over from a probe still out */
    /* E1: congestion control; E2: back off the RTO. */
    cmt_cc_event(a, (uint32_t)pi, CMT_CC_TIMEOUT, 0, 0, 0);
    a->cc[pi].fast_recovery = 0;
    path_backoff(p, assoc_rto_max(a));
    p->rtt_pending = 0;
    /* Nothing stays in flight on the path: it may start again (Max.Burst, s6.1 D). */
    if (a->burst[pi] < a->cfg.max_burst)
        a->burst[pi] = a->cfg.max_burst;
    p->pcum_valid = p->rpcum_valid = 0; /* nothing stays in flight on the path */
    /* E3: everything in flight on this path is to be retransmitted. */
    rtxq *q = &a->rq;
    uint32_t sent = q->count - q->unsent;
    int only_probes = 1, rtx_lost = 0;
    mpsctp_tstamp probe_sent = 0;
    for (uint32_t i = 0; i < sent; i++) {
        txchunk *c = rtxq_at(q, i);
        if (c->state == TX_INFLIGHT && c->path == pi) {
            only_probes &= c->zwp;
            rtx_lost |= c->tx_count > 1;
            if (c->sent_at > probe_sent)
                probe_sent = c->sent_at;
            leave_flight(a, c);
            rtxq_mark_rtx(q, i);
            c->fast_rtx = 0;
            c->timed_out = 1;
            c->miss = 0;
        }
    }
    a->t3_lost_rtx += rtx_lost != 0;
    /* RFC 9260 s8.2, s8.1: errors on the path and the association; but a zero window
     * probe the receiver had no room for, answered by a SACK that still says the
     * window is closed, is no sign of a failure (s6.1 A). */
    prsctp_sweep(a, now); /* RFC 3758 s3.5 A3, A5 (PR-SCTP in use only) */
    if (only_probes && a->peer_rwnd == 0 && a->last_sack > probe_sent)
        return;
    assoc_path_error(a, (uint32_t)pi, started, 0, now);
}

/* ---- teardown --------------------------------------------------------------------------- */

void assoc_report_failed(mpsctp_assoc *a, const smsg *m, int sent)
{
    mpsctp_event ev;
    memset(&ev, 0, sizeof(ev));
    ev.type = MPSCTP_EV_SEND_FAILED;
    ev.assoc = a;
    ev.assoc_id = a->id;
    ev.sid = m->sid;
    ev.ppid = m->ppid;
    ev.context = m->context;
    ev.length = m->len;
    ev.sent = (uint8_t)(sent != 0);
    ev.pr_policy = m->pr.policy;
    ep_event(a->ep, &ev);
}

void assoc_drop_send_state(mpsctp_assoc *a, int report)
{
    rtxq *q = &a->rq;
    while (q->count) {
        txchunk *c = rtxq_at(q, 0);
        if (c->msg && !c->msg->failed) {
            c->msg->failed = 1;
            /* Chunks go out in TSN order the first time, so the message was (partly)
             * transmitted when its oldest remaining chunk was, or when earlier chunks
             * are already gone (acknowledged). */
            if (report)
                assoc_report_failed(a, c->msg, c->off != 0 || c->tx_count != 0);
        }
        chunk_release(a, c);
        rtxq_pop(q);
    }
    q->unsent = q->nrtx = 0;
    smsg *m;
    /* I-DATA: messages partly cut are still at the head of their streams, holding a
     * reference of their own; the rest of their bytes was never in a chunk. */
    for (uint16_t sid = 0; a->idata && a->sq.streams && sid < a->sq.nstreams; sid++) {
        m = a->sq.streams[sid].head;
        if (!m || !m->cut)
            continue;
        sendq_take_head(&a->sq, sid);
        sendq_release(&a->sq, sid, m->len - m->cut);
        if (report && !m->failed)
            assoc_report_failed(a, m, 1);
        m->failed = 1;
        msg_unref(a, m);
    }
    while ((m = sendq_drain(&a->sq)) != NULL) {
        if (report)
            assoc_report_failed(a, m, 0);
        sendq_msg_free(&a->sq, m);
    }
    a->outstanding = 0;
    for (uint32_t i = 0; i < a->npaths; i++) {
        a->cc[i].flight = 0;
        a->paths[i].t3_deadline = MPSCTP_TSTAMP_NEVER;
    }
}
