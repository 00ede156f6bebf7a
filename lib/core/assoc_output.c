/* Packet assembly for an association: control chunks, SACK, retransmissions, then new
 * DATA, bundled up to the path MTU (RFC 9260 s6.1, s6.10), under congestion and flow
 * control (s6.1 A-D, s7.2) and Max.Burst. */
#include <stdlib.h>
#include <string.h>

#include "assoc.h"

static inline uint32_t chunk_flight(const mpsctp_assoc *a, const txchunk *c)
{
    return (uint32_t)c->len + assoc_data_hdr(a);
}

/* Largest DATA payload that fits an otherwise empty packet on every path of the
 * association (a chunk may be retransmitted on any of them). */
static uint32_t max_payload(const mpsctp_assoc *a)
{
    uint32_t m = a->cfg.mtu;
    for (uint32_t i = 0; i < a->npaths; i++)
        if (assoc_path_mtu(a, i) < m)
            m = assoc_path_mtu(a, i);
    return m - SCTP_COMMON_HDR_LEN - assoc_data_hdr(a);
}

/* Splits message m (taken from the send queue) into chunks with TSNs (RFC 9260 s6.9).
 * Returns 1 when chunks were added, 0 when m is NULL; aborts the association on NOMEM. */
static int fragment_msg(mpsctp_assoc *a, smsg *m)
{
    if (!m)
        return 0;
    uint32_t maxp = max_payload(a);
    int unordered = (m->flags & MPSCTP_UNORDERED) != 0;
    uint16_t ssn = unordered ? 0 : a->sq.streams[m->sid].next_ssn++;
    for (uint32_t off = 0; off < m->len; off += maxp) {
        txchunk *c = rtxq_append(&a->rq);
        if (!c) {
            if (m->refs == 0)
                sendq_msg_free(&a->sq, m);
            assoc_abort_with(a, SCTP_CAUSE_OUT_OF_RESOURCE, NULL, 0, MPSCTP_COMM_LOST);
            return 0;
        }
        uint32_t len = m->len - off < maxp ? m->len - off : maxp;
        c->msg = m;
        c->off = off;
        c->len = (uint16_t)len;
        c->ssn = ssn;
        c->dflags = (uint8_t)((off == 0 ? SCTP_DATA_B : 0) |
                              (off + len == m->len ? SCTP_DATA_E : 0) |
                              (unordered ? SCTP_DATA_U : 0));
        m->refs++;
    }
    return 1;
}

/* I-DATA (RFC 8260): cuts one chunk from the head message of the stream the scheduler
 * serves next among those ok accepts (NULL: any), so that every chunk is scheduled on
 * its own and a large message does not hold up the other streams. The message stays at
 * the head of its stream (holding one reference of its own) until its last chunk is cut.
 * Returns 1 when a chunk was added, 0 when there is nothing to cut; aborts the
 * association on NOMEM. */
static int cut_chunk(mpsctp_assoc *a, sendq_ok_fn ok, void *ctx)
{
    int sid = sendq_pick(&a->sq, ok, ctx);
    if (sid < 0)
        return 0;
    smsg *m = a->sq.streams[sid].head;
    txchunk *c = rtxq_append(&a->rq);
    if (!c) {
        assoc_abort_with(a, SCTP_CAUSE_OUT_OF_RESOURCE, NULL, 0, MPSCTP_COMM_LOST);
        return 0;
    }
    int unordered = (m->flags & MPSCTP_UNORDERED) != 0;
    if (m->cut == 0) {
        m->mid = idata_next_mid(&a->ids, m->sid, unordered);
        m->fsn = 0;
        m->refs++; /* the stream queue's, while the message is being cut */
    }
    uint32_t maxp = max_payload(a);
    uint32_t len = m->len - m->cut < maxp ? m->len - m->cut : maxp;
    c->msg = m;
    c->off = m->cut;
    c->len = (uint16_t)len;
    c->fsn = m->fsn++;
    c->dflags = (uint8_t)((m->cut == 0 ? SCTP_DATA_B : 0) |
                          (m->cut + len == m->len ? SCTP_DATA_E : 0) |
                          (unordered ? SCTP_DATA_U : 0));
    m->refs++;
    m->cut += len;
    if (m->cut == m->len) {
        sendq_take_head(&a->sq, (uint16_t)sid);
        m->refs--; /* a chunk holds it still */
    }
    sendq_served(&a->sq, (uint16_t)sid, len);
    return 1;
}

/* Writes chunk c (TSN tsn) into w and accounts for its transmission on path pi. */
static void emit_chunk(mpsctp_assoc *a, wbuf *w, txchunk *c, uint32_t tsn, uint32_t pi,
                       mpsctp_tstamp now)
{
    /* RFC 7053 s4.1: the last chunk the sender has (nothing new or marked left after it)
     * asks the receiver to SACK at once instead of after its delayed-SACK time: the
     * sender's next step waits for that SACK (the end of a transfer, an application that
     * sends in bursts, a tail loss probe). */
    uint8_t flags = c->dflags;
    if (!a->rq.unsent && !a->rq.nrtx && !sendq_pending(&a->sq))
        flags |= SCTP_DATA_I;
    if (a->idata)
        codec_idata_encode(w, flags, tsn, c->msg->sid, c->msg->mid, c->msg->ppid, c->fsn,
                           c->msg->data + c->off, c->len);
    else
        codec_data_encode(w, flags, tsn, c->msg->sid, c->ssn, c->msg->ppid,
                          c->msg->data + c->off, c->len);
    mpsctp_path *p = &a->paths[pi];
    cc_path *cc = &a->cc[pi];
    if (c->tx_count == 0) {
        a->bytes_sent_user += c->len;
        if (!p->rtt_pending) {
            /* RFC 9260 s6.3.1: time one chunk per round trip on each path. */
            p->rtt_pending = 1;
            p->rtt_tsn = tsn;
        }
    } else {
        a->retransmissions++;
        p->retransmissions++;
    }
    c->tx_count++;
    c->msg->pr.sent = 1;
    cmt_sent(a, c, tsn, pi);
    c->timed_out = 0;
    c->state = TX_INFLIGHT;
    c->path = (uint8_t)pi;
    c->sent_at = now;
    c->miss = 0;
    cc->flight += chunk_flight(a, c);
    uint32_t r = (uint32_t)c->len + REASM_CHUNK_OVERHEAD;
    a->outstanding += r;
    a->peer_rwnd = a->peer_rwnd > r ? a->peer_rwnd - r : 0;
    p->bytes_sent += c->len;
    p->data_chunks_sent++;
    a->data_chunks_sent++;
    p->last_send = now;
    /* RFC 9260 s6.3.2 R1: start T3 when it is not running. */
    if (p->t3_deadline == MPSCTP_TSTAMP_NEVER)
        p->t3_deadline = now + p->rto;
}

/* sendq_pop_if filter: the stream is not being reset (RFC 6525 s5.1.2). */
static int not_resetting(void *ctx, const smsg *head)
{
    return !reconf_tx_blocked(ctx, head->sid);
}

/* Splits the next scheduled message into chunks (see fragment_msg). */
static int fragment_next(mpsctp_assoc *a)
{
    int resetting = a->rc && reconf_tx_blocking(a);
    if (a->idata)
        return resetting ? cut_chunk(a, not_resetting, a) : cut_chunk(a, NULL, NULL);
    if (resetting)
        return fragment_msg(a, sendq_pop_if(&a->sq, not_resetting, a));
    return fragment_msg(a, sendq_pop(&a->sq));
}

/* The first chunk of message m, as it would be cut (for the room checks before a message
 * is taken from its stream). */
static txchunk first_chunk_of(const mpsctp_assoc *a, const smsg *m)
{
    txchunk c;
    memset(&c, 0, sizeof(c));
    uint32_t maxp = max_payload(a);
    uint32_t left = m->len - m->cut; /* I-DATA: the rest of a message being cut */
    c.len = (uint16_t)(left < maxp ? left : maxp);
    return c;
}

typedef struct map_ctx {
    const mpsctp_assoc *a;
    uint32_t pi;
} map_ctx;

/* sendq_pop_if filter: the message's stream maps to the path and the path has room. */
static int fits_path(void *ctx, const smsg *head)
{
    const map_ctx *x = ctx;
    if (cmt_stream_path(x->a, head->sid) != (int)x->pi || reconf_tx_blocked(x->a, head->sid))
        return 0;
    txchunk c = first_chunk_of(x->a, head);
    return assoc_new_data_room(x->a, x->pi, &c);
}

/* With CMT and stream mapping: makes sure an unsent chunk for path pi waits at the tail,
 * taking the next message of a stream mapped to pi when there is none. Returns 1 when
 * the oldest unsent chunk belongs to pi (and may go there if it has room). */
static int mapped_new_data(mpsctp_assoc *a, uint32_t pi)
{
    rtxq *q = &a->rq;
    prsctp_skip_unsent(q);
    if (!q->unsent) {
        map_ctx x = {a, pi};
        if (a->idata ? !cut_chunk(a, fits_path, &x)
                     : !fragment_msg(a, sendq_pop_if(&a->sq, fits_path, &x)))
            return 0;
        if (a->state == MPSCTP_CLOSED)
            return 0;
    }
    const txchunk *c = rtxq_at(q, rtxq_first_unsent(q));
    return cmt_stream_path(a, c->msg->sid) == (int)pi;
}

static int data_allowed(const mpsctp_assoc *a)
{
    return a->state == MPSCTP_ESTABLISHED || a->state == MPSCTP_SHUTDOWN_PENDING ||
           a->state == MPSCTP_SHUTDOWN_RECEIVED;
}

int assoc_new_data_room(const mpsctp_assoc *a, uint32_t pi, const txchunk *c)
{
    const cc_path *cc = &a->cc[pi];
    if (cc->flight >= cc->cwnd || !a->burst[pi])
        return 0;
    /* RFC 9260 s6.1 A: respect the peer's window, but one chunk may always probe an
     * empty pipe. */
    uint32_t need = (uint32_t)c->len + REASM_CHUNK_OVERHEAD;
    if (a->peer_rwnd < need && a->outstanding != 0)
        return 0;
    return !a->cfg.cmt || cmt_bufsplit_ok(a, pi, c);
}

int assoc_output_pending(const mpsctp_assoc *a)
{
    /* Everything pick_destination can send a packet for: it returns -1 when none of
     * these holds, so an association for which this is 0 is left out of the endpoint's
     * output queue. A new reason to send must be added here too. */
    return a->ctrl_head || a->sack_due || a->rq.nrtx || a->rq.unsent || sendq_pending(&a->sq) ||
           a->pr.fwd_due;
}

/* Decides what the next packet is for (dp: the path new data goes to without CMT):
 * returns the destination path index, or -1 when nothing is to be sent. *ndp receives
 * the path that may carry new data in this packet (-1: none). */
static int pick_destination(mpsctp_assoc *a, uint32_t dp, int *ndp)
{
    *ndp = a->cfg.cmt ? -1 : (int)dp;
    if (a->ctrl_head)
        return a->ctrl_head->path >= 0 ? a->ctrl_head->path : (int)dp;
    if (!data_allowed(a))
        goto sack_only;
    rtxq *q = &a->rq;
    prsctp_skip_unsent(q);
    if (q->nrtx) {
        uint32_t i = rtxq_first_rtx(q);
        txchunk *c = rtxq_at(q, i);
        uint32_t pi = assoc_rtx_path(a, c->path, c->timed_out);
        if (c->fast_rtx || a->cc[pi].flight < a->cc[pi].cwnd)
            return (int)pi;
        /* RFC 9260 s6.1: retransmissions go first; with CMT only on their own path, and
         * the others carry new data meanwhile. */
        if (!a->cfg.cmt)
            goto sack_only;
    }
    if (cmt_mapped(a)) {
        /* CMT stream-to-path mapping (docs/cmt.md): each stream only on its own path,
         * paths in round robin. */
        if (q->unsent) {
            /* The rest of a message already cut goes to its stream's path first. */
            txchunk *c = rtxq_at(q, rtxq_first_unsent(q));
            int pi = cmt_stream_path(a, c->msg->sid);
            if (assoc_new_data_room(a, (uint32_t)pi, c)) {
                *ndp = pi;
                return pi;
            }
            goto sack_only;
        }
        for (uint32_t k = 0; k < a->npaths; k++) {
            uint32_t pi = (a->cmt_rr + k) % a->npaths;
            if (!assoc_path_usable(a, pi) || a->cc[pi].flight >= a->cc[pi].cwnd ||
                !a->burst[pi])
                continue;
            if (mapped_new_data(a, pi)) {
                *ndp = (int)pi;
                return (int)pi;
            }
            if (a->state == MPSCTP_CLOSED)
                return -1;
        }
        goto sack_only;
    }
    if (!q->unsent && sendq_pending(&a->sq))
        fragment_next(a);
    if (a->state == MPSCTP_CLOSED)
        return -1;
    if (q->unsent) {
        txchunk *c = rtxq_at(q, rtxq_first_unsent(q));
        int p = a->cfg.cmt ? cmt_new_data_path(a, c)
                           : (assoc_new_data_room(a, dp, c) ? (int)dp : -1);
        if (p >= 0) {
            *ndp = p;
            return p;
        }
    }
sack_only:
    if (a->pr.fwd_due && data_allowed(a))
        return (int)dp; /* PR-SCTP: a FORWARD TSN is due */
    if (a->sack_due && a->rx_ready)
        return (int)assoc_sack_path(a, dp);
    return -1;
}

/* Builds the next packet (see assoc_output). */
static size_t output_packet(mpsctp_assoc *a, uint8_t *buf, size_t cap, mpsctp_addr *local,
                            mpsctp_addr *remote, mpsctp_tstamp now)
{
    uint32_t dp = assoc_data_path(a);
    int ndp;
    sendq_packet_start(&a->sq); /* what pick_destination takes may open the packet */
    prsctp_before_output(a, now);
    int dst = pick_destination(a, dp, &ndp);
    if (dst < 0)
        return 0;
    uint32_t pi = (uint32_t)dst;
    size_t mtu = assoc_path_mtu(a, pi);
    if (mtu > cap)
        mtu = cap;
    wbuf w;
    wbuf_init(&w, buf, mtu);
    codec_common_encode(&w, a->ep->cfg.local_port, a->peer_port, a->peer_vtag);
    size_t hdr = w.len;

    /* 1. Control chunks for this destination, in order. */
    ctrl_chunk **pp = &a->ctrl_head;
    while (*pp) {
        ctrl_chunk *c = *pp;
        int cpath = c->path >= 0 ? c->path : (int)dp;
        if (cpath != dst) {
            pp = &c->next;
            continue;
        }
        if ((c->type == SCTP_INIT || c->type == SCTP_SHUTDOWN_COMPLETE) && w.len > hdr)
            break; /* RFC 9260 s6.10: INIT and SHUTDOWN COMPLETE travel alone */
        if (c->len > wbuf_room(&w)) {
            if (w.len > hdr)
                break; /* the next packet */
            /* Larger than any packet to its destination: control chunks are never
             * fragmented (RFC 9260 s6.9 splits only user messages), so it cannot be
             * sent; it must not hold up what is queued behind it. */
            ep_log(a->ep, 1, "assoc %u: %u-byte control chunk (type %u) exceeds the %zu-byte "
                   "packet to path %d: dropped", a->id, c->len, c->type, mtu, dst);
            a->ep->stats.ctrl_oversize++;
            assoc_ctrl_unlink(a, pp);
            continue;
        }
        if (c->type == SCTP_INIT)
            put32(buf + 4, 0); /* RFC 9260 s8.5.1: INIT carries tag 0 */
        if ((c->type == SCTP_ABORT || c->type == SCTP_SHUTDOWN_COMPLETE) && a->peer_vtag == 0) {
            /* Peer's tag unknown: reflect our own with the T bit (s8.5.1 B). */
            put32(buf + 4, a->my_vtag);
            wbuf_put(&w, c->data, c->len);
            buf[w.len - c->len + 1] |= SCTP_FLAG_T;
        } else {
            wbuf_put(&w, c->data, c->len);
        }
        uint8_t type = c->type;
        assoc_ctrl_unlink(a, pp);
        if (type == SCTP_INIT || type == SCTP_ABORT || type == SCTP_SHUTDOWN_COMPLETE)
            goto done; /* nothing bundles after these */
    }
    if (a->state == MPSCTP_CLOSED || a->state == MPSCTP_COOKIE_WAIT ||
        a->state == MPSCTP_COOKIE_ECHOED)
        goto done;

    /* No SACK once we sent SHUTDOWN ACK (RFC 9260 s9.2): the peer sent its SHUTDOWN only
     * with all its DATA acknowledged and sends no more, so a SACK (a window update after
     * a read, a delayed one) tells it nothing; arriving after our SHUTDOWN ACK, it would
     * find the peer closed, which answers an out-of-the-blue SACK with an ABORT (s8.4). */
    if (a->state == MPSCTP_SHUTDOWN_ACK_SENT)
        a->sack_due = a->sack_pending = 0;
    /* 2. A pending SACK rides along with anything we send. */
    int sending_data = data_allowed(a) && (a->rq.nrtx || a->rq.unsent || sendq_pending(&a->sq));
    /* Not on a probe of an unconfirmed or failing path (RFC 9260 s5.4): it could be lost
     * there, and with it the SACK. */
    int reply_ok = pi == dp || assoc_path_usable(a, pi);
    if (a->rx_ready && reply_ok && (a->sack_due || (a->sack_pending && sending_data)))
        assoc_put_sack(a, &w);
    /* PR-SCTP (RFC 3758 s3.5): a FORWARD TSN due goes with the next packet. */
    if (a->pr.fwd_due && data_allowed(a) && reply_ok)
        prsctp_put_fwdtsn(a, &w, pi, now);

    /* 3. Retransmissions, then new data (RFC 9260 s6.1: retransmissions first). */
    if (data_allowed(a)) {
        rtxq *q = &a->rq;
        int any_rtx = 0, fast = 0;
        uint32_t sent = q->count - q->unsent;
        /* Where a marked chunk goes depends only on its last path and whether it timed
         * out: work it out once per packet, not per chunk. */
        uint8_t to_here[MPSCTP_MAX_PATHS][2];
        for (uint32_t k = 0; q->nrtx && k < a->npaths; k++)
            for (int t = 0; t < 2; t++)
                to_here[k][t] = assoc_rtx_path(a, k, t) == pi;
        for (uint32_t i = rtxq_first_rtx(q); q->nrtx && i < sent; i++) {
            txchunk *c = rtxq_at(q, i);
            if (c->state != TX_RTX)
                continue;
            if (!to_here[c->path][c->timed_out != 0])
                continue;
            /* RFC 9260 s7.2.4 step 3: the first packet of a fast retransmit ignores cwnd. */
            if (!c->fast_rtx && a->cc[pi].flight >= a->cc[pi].cwnd)
                break;
            if (assoc_data_hdr(a) + (size_t)c->len > wbuf_room(&w))
                break;
            if (c->fast_rtx) {
                a->fast_retransmissions++;
                fast = 1;
            }
            c->fast_rtx = 0;
            q->nrtx--;
            emit_chunk(a, &w, c, q->first_tsn + i, pi, now);
            any_rtx = 1;
        }
        if (fast) {
            /* Only this one packet ignored cwnd; the rest of the marked chunks wait for
             * window like any retransmission. */
            for (uint32_t i = 0; q->nrtx && i < sent; i++)
                rtxq_at(q, i)->fast_rtx = 0;
        }
        /* New data: without CMT only to the data path and only when nothing waits for
         * retransmission; with CMT to whichever usable path was chosen (or, after control
         * chunks, this one while it is usable). */
        int new_here = a->cfg.cmt ? (dst == ndp || assoc_path_usable(a, pi))
                                  : (!q->nrtx && pi == dp);
        if (new_here && !any_rtx && a->burst[pi]) {
            mpsctp_path *p = &a->paths[pi];
            if (a->cc[pi].flight == 0 && p->last_send &&
                elapsed(now, p->last_send) > p->rto)
                cmt_cc_event(a, pi, CMT_CC_IDLE, 0, 0, 0); /* RFC 9260 s7.2.1 */
            int added = 0;
            int mapped = cmt_mapped(a);
            for (;;) {
                prsctp_skip_unsent(q);
                if (mapped ? !mapped_new_data(a, pi) : (!q->unsent && !fragment_next(a)))
                    break;
                if (a->state == MPSCTP_CLOSED)
                    return 0;
                uint32_t i = rtxq_first_unsent(q);
                txchunk *c = rtxq_at(q, i);
                if (assoc_data_hdr(a) + (size_t)c->len > wbuf_room(&w))
                    break;
                if (!assoc_new_data_room(a, pi, c))
                    break;
                /* Past a closed window only a probe goes out (s6.1 A). */
                c->zwp = a->peer_rwnd < (uint32_t)c->len + REASM_CHUNK_OVERHEAD;
                q->unsent--;
                emit_chunk(a, &w, c, q->first_tsn + i, pi, now);
                added = 1;
            }
            if (added) {
                a->burst[pi]--;
                a->cmt_rr = (pi + 1) % a->npaths; /* CMT: round robin over paths */
            }
        }
    }
done:
    if (w.len == hdr || w.err)
        return 0;
    *remote = a->paths[pi].remote;
    assoc_path_local(a, pi, local);
    a->packets_sent++;
    return w.len;
}

void assoc_output_over(mpsctp_assoc *a)
{
    /* RFC 9260 s6.1 D: what the acks allowed beyond Max.Burst was for this round only; a
     * later send (or a packet that is no SACK) gets at most Max.Burst packets out before
     * the next SACK. */
    for (uint32_t i = 0; i < a->npaths; i++)
        if (a->burst[i] > a->cfg.max_burst)
            a->burst[i] = a->cfg.max_burst;
}

size_t assoc_output(mpsctp_assoc *a, uint8_t *buf, size_t cap, mpsctp_addr *local,
                    mpsctp_addr *remote, mpsctp_tstamp now)
{
    size_t n = output_packet(a, buf, cap, local, remote, now);
    if (!n)
        assoc_output_over(a);
    return n;
}
