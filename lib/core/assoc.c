/* Association lifecycle, timers, events and the public association API. */
#include <stdlib.h>
#include <string.h>

#include "assoc.h"

uint64_t assoc_rto_min(const mpsctp_assoc *a)
{
    return (uint64_t)a->cfg.rto_min_ms * NS_PER_MS;
}

uint64_t assoc_rto_max(const mpsctp_assoc *a)
{
    return (uint64_t)a->cfg.rto_max_ms * NS_PER_MS;
}

mpsctp_assoc *assoc_new(mpsctp_endpoint *ep, const mpsctp_addr *remote, uint16_t peer_port)
{
    if (ep_sched_reserve(ep))
        return NULL;
    mpsctp_assoc *a = calloc(1, sizeof(*a));
    if (!a)
        return NULL;
    a->ep = ep;
    a->cfg = ep->cfg;
    a->id = ep->next_id++;
    if (ep->next_id == 0)
        ep->next_id = 1;
    a->peer_port = peer_port;
    a->state = MPSCTP_CLOSED;
    a->ccops = cmt_cc_ops(a->cfg.cmt);
    a->last_data_path = -1;
    a->t1_deadline = a->t2_deadline = a->t5_deadline = a->sack_deadline =
        MPSCTP_TSTAMP_NEVER;
    /* The send queue exists from the start so data can be queued before the handshake
     * ends; its stream count is fixed when the association is set up. Neither it nor the
     * retransmission ring takes memory before the first message. */
    sendq_init(&a->sq, a->cfg.num_ostreams, a->cfg.sndbuf);
    a->sq.pool = &ep->pool;
    sendq_set_sched(&a->sq, a->cfg.stream_sched); /* checked by ep_settings_apply */
    rtxq_init(&a->rq, 0);
    if (assoc_add_path(a, remote, 0) < 0) {
        free(a->paths);
        free(a->cc);
        free(a->burst);
        free(a);
        return NULL;
    }
    a->next = ep->assocs;
    if (a->next)
        a->next->prev = a;
    ep->assocs = a;
    ep->nassocs++;
    return a;
}

int assoc_setup_data(mpsctp_assoc *a, uint16_t os, uint16_t is, uint32_t my_itsn,
                     uint32_t peer_itsn, uint32_t peer_rwnd)
{
    /* The outbound stream set becomes what the peer accepts; messages queued on streams
     * beyond it fail. */
    for (smsg *m = sendq_set_streams(&a->sq, os), *n; m; m = n) {
        n = m->next;
        assoc_report_failed(a, m, 0);
        sendq_msg_free(&a->sq, m);
    }
    a->os = os;
    a->is = is;
    a->my_itsn = my_itsn;
    a->rq.first_tsn = my_itsn;
    if (a->rx_ready) {
        idata_free(&a->ids, &a->ra);
        tsnmap_free(&a->map);
        reasm_free(&a->ra);
        a->rx_ready = 0;
    }
    /* The TSN window the receiver tracks: as far as 16-bit gap block offsets reach. Not
     * the receive buffer in chunks: delivered (unordered) data holds no buffer, and a
     * CMT sender may run far ahead of a hole on a slow path; TSNs beyond the window would
     * be dropped. The bitmap grows only as far as TSNs actually arrive (8 KiB at most). */
    uint32_t window = MPSCTP_TSN_WINDOW;
    if (tsnmap_init(&a->map, peer_itsn, window))
        return MPSCTP_ERR_NOMEM;
    if (reasm_init(&a->ra, is, a->cfg.pd_point)) {
        tsnmap_free(&a->map);
        return MPSCTP_ERR_NOMEM;
    }
    /* The hash salt comes from our own secret tag, so the peer cannot aim collisions. */
    reasm_attach(&a->ra, &a->map, a->cfg.rcvbuf, a->my_vtag * 0x2545F491u ^ a->my_itsn);
    a->ra.pool = &a->ep->pool;
    /* RFC 8260: message ids start at 0 on every stream, both ways. */
    if (a->idata && idata_setup(&a->ids, os, is, a->my_vtag * 0x9E3779B1u ^ a->my_itsn)) {
        reasm_free(&a->ra);
        tsnmap_free(&a->map);
        return MPSCTP_ERR_NOMEM;
    }
    a->rx_ready = 1;
    reconf_setup(a, my_itsn, peer_itsn);
    a->peer_rwnd = peer_rwnd;
    prsctp_setup(a);
    a->last_rwnd = a->cfg.rcvbuf;
    for (uint32_t i = 0; i < a->npaths; i++) {
        a->cc[i].mtu = assoc_path_mtu(a, i);
        a->cc[i].flight = 0;
        a->ccops->init(a->cc, a->npaths, i, peer_rwnd);
    }
    return 0;
}

void assoc_trim(mpsctp_assoc *a)
{
    if (a->rq.count == 0 && !sendq_pending(&a->sq))
        rtxq_release(&a->rq);
}

void assoc_event(mpsctp_assoc *a, mpsctp_event_type type, uint32_t state, uint16_t error)
{
    assoc_event_path(a, type, state, error, 0);
}

void assoc_event_path(mpsctp_assoc *a, mpsctp_event_type type, uint32_t state,
                      uint16_t error, uint32_t path)
{
    mpsctp_event ev;
    memset(&ev, 0, sizeof(ev));
    ev.type = type;
    ev.assoc = a;
    ev.assoc_id = a->id;
    ev.state = state;
    ev.error = error;
    ev.path = path;
    ev.outbound_streams = a->os;
    ev.inbound_streams = a->is;
    ep_event(a->ep, &ev);
}

void assoc_set_state(mpsctp_assoc *a, mpsctp_state s)
{
    ep_log(a->ep, 3, "assoc %u: %s -> %s", a->id, mpsctp_state_name(a->state),
           mpsctp_state_name(s));
    if (a->state == MPSCTP_CLOSED && s != MPSCTP_CLOSED)
        a->ep->nopen++;
    else if (a->state != MPSCTP_CLOSED && s == MPSCTP_CLOSED)
        a->ep->nopen--;
    a->state = s;
}

void assoc_close(mpsctp_assoc *a, uint32_t change, uint16_t cause)
{
    if (a->state == MPSCTP_CLOSED)
        return;
    assoc_set_state(a, MPSCTP_CLOSED);
    a->t1_deadline = a->t2_deadline = a->t5_deadline = a->sack_deadline =
        MPSCTP_TSTAMP_NEVER;
    for (uint32_t i = 0; i < a->npaths; i++) {
        a->paths[i].t3_deadline = MPSCTP_TSTAMP_NEVER;
        a->paths[i].hb_deadline = MPSCTP_TSTAMP_NEVER;
    }
    a->sack_due = a->sack_pending = 0;
    if (change != (uint32_t)-1)
        assoc_event(a, MPSCTP_EV_ASSOC_CHANGE, change, cause);
    assoc_drop_send_state(a, change != MPSCTP_SHUTDOWN_COMP);
}

void assoc_ctrl_unlink(mpsctp_assoc *a, ctrl_chunk **pp)
{
    ctrl_chunk *c = *pp;
    *pp = c->next;
    a->ctrl_bytes -= c->len;
    if (a->ctrl_tail == c) {
        a->ctrl_tail = NULL;
        for (ctrl_chunk *k = a->ctrl_head; k; k = k->next)
            a->ctrl_tail = k;
    }
    free(c);
}

/* Queues chunk (reply: provoked by the peer) within MPSCTP_CTRL_QUEUE_MAX. */
static int queue_ctrl(mpsctp_assoc *a, int path, const uint8_t *chunk, size_t len, int reply)
{
    /* Every byte the peer can make us hold is bounded: queued replies give way to the
     * association's own chunks; a chunk that still finds no room is counted and not
     * queued. */
    for (ctrl_chunk **pp = &a->ctrl_head; !reply && *pp && a->ctrl_bytes + len >
                                                                 MPSCTP_CTRL_QUEUE_MAX;) {
        if ((*pp)->reply) {
            assoc_ctrl_unlink(a, pp);
            a->ep->stats.ctrl_dropped++;
        } else {
            pp = &(*pp)->next;
        }
    }
    if (a->ctrl_bytes + len > MPSCTP_CTRL_QUEUE_MAX) {
        a->ep->stats.ctrl_dropped++;
        return MPSCTP_ERR_NOBUFS;
    }
    ctrl_chunk *c = malloc(sizeof(*c) + len);
    if (!c)
        return MPSCTP_ERR_NOMEM;
    c->next = NULL;
    c->path = (int8_t)path;
    c->reply = (uint8_t)(reply != 0);
    c->type = chunk[0];
    c->len = (uint16_t)len;
    memcpy(c->data, chunk, len);
    if (a->ctrl_tail)
        a->ctrl_tail->next = c;
    else
        a->ctrl_head = c;
    a->ctrl_tail = c;
    a->ctrl_bytes += c->len;
    return 0;
}

int assoc_queue_ctrl(mpsctp_assoc *a, int path, const uint8_t *chunk, size_t len)
{
    return queue_ctrl(a, path, chunk, len, 0);
}

int assoc_queue_reply(mpsctp_assoc *a, int path, const uint8_t *chunk, size_t len)
{
    return queue_ctrl(a, path, chunk, len, 1);
}

void assoc_flush_ctrl(mpsctp_assoc *a)
{
    for (ctrl_chunk *c = a->ctrl_head, *n; c; c = n) {
        n = c->next;
        free(c);
    }
    a->ctrl_head = a->ctrl_tail = NULL;
    a->ctrl_bytes = 0;
}

void assoc_abort_with(mpsctp_assoc *a, uint16_t cause, const uint8_t *v, size_t vlen,
                      uint32_t change)
{
    uint8_t b[512];
    wbuf w;
    wbuf_init(&w, b, sizeof(b));
    size_t off = codec_chunk_begin(&w, SCTP_ABORT, 0);
    if (cause) {
        if (vlen > 400)
            vlen = 400;
        codec_param_put(&w, cause, v, vlen);
    }
    codec_chunk_end(&w, off);
    /* Nothing else may follow an ABORT: drop what was queued. */
    assoc_flush_ctrl(a);
    assoc_queue_ctrl(a, -1, b, w.len);
    assoc_close(a, change, cause);
}

mpsctp_tstamp assoc_deadline(const mpsctp_assoc *a)
{
    if (a->state == MPSCTP_CLOSED)
        return MPSCTP_TSTAMP_NEVER;
    mpsctp_tstamp d = a->t1_deadline;
    if (a->t2_deadline < d)
        d = a->t2_deadline;
    if (a->t5_deadline < d)
        d = a->t5_deadline;
    if (a->sack_deadline < d)
        d = a->sack_deadline;
    if (a->rc && reconf_deadline(a) < d)
        d = reconf_deadline(a);
    if (prsctp_deadline(a) < d)
        d = prsctp_deadline(a);
    /* Computed after every packet: the probe's conditions that do not depend on the
     * path are looked at once. */
    int tlp = assoc_tlp_possible(a);
    for (uint32_t i = 0; i < a->npaths; i++) {
        if (a->paths[i].hb_deadline < d)
            d = a->paths[i].hb_deadline;
        if (a->paths[i].t3_deadline == MPSCTP_TSTAMP_NEVER)
            continue; /* no tail loss probe without T3 either */
        if (a->paths[i].t3_deadline < d)
            d = a->paths[i].t3_deadline;
        mpsctp_tstamp t = tlp ? assoc_tlp_deadline(a, i) : MPSCTP_TSTAMP_NEVER;
        if (t < d)
            d = t;
    }
    return d;
}

void assoc_timeout(mpsctp_assoc *a, mpsctp_tstamp now)
{
    prsctp_timeout(a, now); /* PR-SCTP lifetimes (nothing unless in use) */
    if (a->t1_deadline <= now) {
        a->t1_deadline = MPSCTP_TSTAMP_NEVER;
        /* RFC 9260 s5.1 T1-init/T1-cookie expiry: retransmit with backoff, give up after
         * Max.Init.Retransmits. */
        if (++a->init_retries > a->cfg.max_init_retrans) {
            assoc_close(a, MPSCTP_CANT_STR_ASSOC, 0);
            return;
        }
        uint64_t cap = assoc_rto_max(a);
        if (a->cfg.max_init_timeo_ms && (uint64_t)a->cfg.max_init_timeo_ms * NS_PER_MS < cap)
            cap = (uint64_t)a->cfg.max_init_timeo_ms * NS_PER_MS;
        /* The address that did not answer backs off; RFC 9260 s6.4: the retransmission
         * goes to the next address the user gave (all confirmed, s5.4 rule 1). */
        path_backoff(&a->paths[a->t1_path], cap);
        uint32_t n = a->npaths;
        for (uint32_t k = 1; k <= n; k++) {
            uint32_t i = (a->t1_path + k) % n;
            if (a->paths[i].confirmed) {
                a->t1_path = i;
                break;
            }
        }
        if (a->state == MPSCTP_COOKIE_WAIT && a->init_chunk)
            assoc_queue_ctrl(a, (int)a->t1_path, a->init_chunk, a->init_len);
        else if (a->state == MPSCTP_COOKIE_ECHOED && a->cookie)
            assoc_queue_ctrl(a, (int)a->t1_path, a->cookie, a->cookie_len);
        a->t1_deadline = now + a->paths[a->t1_path].rto;
    }
    if (a->t5_deadline <= now) {
        /* RFC 9260 s9.2: T5-shutdown-guard expired: abort. */
        assoc_abort_with(a, 0, NULL, 0, MPSCTP_COMM_LOST);
        return;
    }
    if (a->t2_deadline <= now) {
        /* RFC 9260 s9.2, s6.4: T2 expiry is an error on the path the chunk went to; the
         * next one goes to another active path when there is one. */
        uint32_t last = a->t2_path < a->npaths ? a->t2_path : 0;
        mpsctp_tstamp sent = a->t2_deadline - a->paths[last].rto; /* T2 ran one RTO */
        a->t2_deadline = MPSCTP_TSTAMP_NEVER;
        path_backoff(&a->paths[last], assoc_rto_max(a));
        if (assoc_path_error(a, last, sent, 0, now))
            return;
        if (a->state == MPSCTP_SHUTDOWN_SENT || a->state == MPSCTP_SHUTDOWN_ACK_SENT)
            assoc_t2_send(a, assoc_rtx_path(a, last, 1), now);
    }
    if (a->rc && reconf_deadline(a) <= now) {
        reconf_timeout(a, now);
        if (a->state == MPSCTP_CLOSED)
            return;
    }
    if (a->sack_deadline <= now) {
        a->sack_deadline = MPSCTP_TSTAMP_NEVER;
        if (a->sack_pending)
            a->sack_due = 1;
    }
    for (uint32_t i = 0; i < a->npaths && a->state != MPSCTP_CLOSED; i++) {
        if (a->paths[i].t3_deadline <= now)
            assoc_t3_expired(a, (int)i, now);
        else if (assoc_tlp_deadline(a, i) <= now)
            assoc_tlp_fire(a, i);
        if (a->state != MPSCTP_CLOSED && a->paths[i].hb_deadline <= now)
            assoc_hb_timeout(a, i, now);
    }
}

/* ---- public association API -------------------------------------------------------- */

int mpsctp_assoc_send(mpsctp_assoc *a, const void *data, size_t len,
                      const mpsctp_sndinfo *info, mpsctp_tstamp now)
{
    return mpsctp_assoc_send_pr(a, data, len, info, NULL, now);
}

int mpsctp_assoc_send_pr(mpsctp_assoc *a, const void *data, size_t len,
                         const mpsctp_sndinfo *info, const mpsctp_prinfo *pr,
                         mpsctp_tstamp now)
{
    if (!a || (!data && len) || !info)
        return MPSCTP_ERR_INVAL;
    switch (a->state) {
    case MPSCTP_COOKIE_WAIT:
    case MPSCTP_COOKIE_ECHOED:
    case MPSCTP_ESTABLISHED:
        break;
    case MPSCTP_CLOSED:
        return MPSCTP_ERR_CLOSED;
    default:
        return MPSCTP_ERR_STATE; /* RFC 9260 s9.2: no new data after shutdown */
    }
    if (a->shutdown_requested)
        return MPSCTP_ERR_STATE;
    int was_pending = sendq_pending(&a->sq);
    int e = prsctp_send(a, data, len, info, pr, now); /* the queue, with a PR policy */
    /* A send opens no new burst (RFC 9260 s6.1 D): what goes out now is bounded by what
     * is left of Max.Burst since the latest SACK. */
    if (e == 0) {
        a->dry_armed = 1;
        /* Queued messages change the deadline only by starting to wait (no tail loss
         * probe then): a further one on an association already in the output queue
         * changes nothing the endpoint sees. */
        if (!was_pending || !a->out_queued || (pr && pr->policy == MPSCTP_PR_TTL))
            ep_assoc_changed(a); /* (a lifetime may be the next deadline) */
    }
    return e;
}

ssize_t mpsctp_assoc_recv(mpsctp_assoc *a, void *buf, size_t cap, mpsctp_rcvinfo *info,
                          int *eor, mpsctp_tstamp now)
{
    int dummy;
    if (!a || (!buf && cap))
        return MPSCTP_ERR_INVAL;
    if (!eor)
        eor = &dummy;
    *eor = 0;
    if (!a->rx_ready)
        return a->state == MPSCTP_CLOSED ? MPSCTP_ERR_CLOSED : MPSCTP_ERR_WOULDBLOCK;
    /* Nothing more can arrive once closed or the peer has shut down. */
    int peer_done = a->state == MPSCTP_CLOSED || a->state == MPSCTP_SHUTDOWN_RECEIVED ||
                    a->state == MPSCTP_SHUTDOWN_ACK_SENT;
    ssize_t n = reasm_read(&a->ra, buf, cap, info, eor);
    if (n < 0) return peer_done ? MPSCTP_ERR_CLOSED : n;
    if (info) {
        info->cumtsn = a->map.cum;
        info->assoc_id = a->id;
    }
    a->bytes_received_user += (uint64_t)n;
    /* Window update (RFC 9260 s6.2): once reading has opened the window by a quarter of
     * the buffer beyond what the last SACK advertised, tell the peer. Not once the peer
     * has shut down: it sends no more DATA (RFC 9260 s9.2), and a SACK after our SHUTDOWN
     * ACK can reach it after it has closed, where it is out of the blue and answered with
     * an ABORT (RFC 9260 s8.4): a clean shutdown would end as COMM_LOST here. */
    uint32_t rwnd = assoc_local_rwnd(a);
    if (!peer_done && rwnd >= a->last_rwnd + a->cfg.rcvbuf / 4) a->sack_due = 1;
    /* Reading moves no timer: only a SACK may have become due, for which an association
     * already in the output queue needs nothing more. */
    if (a->sack_due && !a->out_queued)
        ep_assoc_changed(a);
    return n;
}

size_t mpsctp_assoc_readable(const mpsctp_assoc *a)
{
    return a && a->rx_ready ? reasm_readable(&a->ra) : 0;
}

size_t mpsctp_assoc_next_len(const mpsctp_assoc *a)
{
    return a && a->rx_ready ? reasm_next_len(&a->ra) : 0;
}

int mpsctp_assoc_shutdown(mpsctp_assoc *a, mpsctp_tstamp now)
{
    if (!a)
        return MPSCTP_ERR_INVAL;
    switch (a->state) {
    case MPSCTP_ESTABLISHED:
        assoc_set_state(a, MPSCTP_SHUTDOWN_PENDING);
        a->shutdown_requested = 1;
        assoc_shutdown_progress(a, now);
        ep_assoc_changed(a);
        return 0;
    case MPSCTP_COOKIE_WAIT:
    case MPSCTP_COOKIE_ECHOED:
        /* RFC 9260 s9.2: shutdown before the handshake ends: remember it. */
        a->shutdown_requested = 1;
        return 0;
    case MPSCTP_CLOSED:
        return MPSCTP_ERR_CLOSED;
    default:
        a->shutdown_requested = 1;
        return 0; /* already shutting down */
    }
}

int mpsctp_assoc_abort(mpsctp_assoc *a, mpsctp_tstamp now)
{
    if (!a)
        return MPSCTP_ERR_INVAL;
    if (a->state == MPSCTP_CLOSED)
        return MPSCTP_ERR_CLOSED;
    static const char reason[] = "user abort";
    /* RFC 9260 s9.1: ABORT with the User-Initiated Abort cause. */
    assoc_abort_with(a, SCTP_CAUSE_USER_ABORT, (const uint8_t *)reason, sizeof(reason) - 1,
                     (uint32_t)-1);
    ep_assoc_changed(a);
    return 0;
}

mpsctp_state mpsctp_assoc_state(const mpsctp_assoc *a)
{
    return a ? a->state : MPSCTP_CLOSED;
}

uint32_t mpsctp_assoc_id(const mpsctp_assoc *a)
{
    return a ? a->id : 0;
}

int mpsctp_assoc_status_get(const mpsctp_assoc *a, mpsctp_assoc_status *st)
{
    if (!a || !st)
        return MPSCTP_ERR_INVAL;
    memset(st, 0, sizeof(*st));
    st->state = a->state;
    st->peer_rwnd = a->peer_rwnd;
    st->local_rwnd = a->rx_ready ? assoc_local_rwnd(a) : a->cfg.rcvbuf;
    st->unacked_chunks = a->rq.count - a->rq.unsent;
    st->pending_chunks = a->rq.unsent + a->sq.nmsgs;
    st->inbound_streams = a->is;
    st->outbound_streams = a->os;
    st->primary_path = a->primary;
    st->cmt = a->cfg.cmt;
    st->nr_sack = a->nr_sack;
    st->num_paths = a->npaths;
    st->peer_vtag = a->peer_vtag;
    st->local_vtag = a->my_vtag;
    st->next_tsn = rtxq_next_tsn(&a->rq);
    st->cum_tsn_ack = a->rx_ready ? a->map.cum : 0;
    st->data_chunks_sent = a->data_chunks_sent;
    st->data_chunks_received = a->data_chunks_received;
    st->retransmissions = a->retransmissions;
    st->fast_retransmissions = a->fast_retransmissions;
    st->t3_expirations = a->t3_expirations;
    st->duplicate_tsns_received = a->dup_tsns;
    st->packets_sent = a->packets_sent;
    st->packets_received = a->packets_received;
    st->bytes_sent_user = a->bytes_sent_user;
    st->bytes_received_user = a->bytes_received_user;
    st->reneged_tsns = a->reneged;
    st->t3_lost_rtx = a->t3_lost_rtx;
    st->rtx_lost = a->rtx_lost;
    st->tlp_probes = a->tlp_probes;
    st->tlp_repairs = a->tlp_repairs;
    return 0;
}

int mpsctp_assoc_mem_get(const mpsctp_assoc *a, mpsctp_assoc_mem *m)
{
    if (!a || !m)
        return MPSCTP_ERR_INVAL;
    memset(m, 0, sizeof(*m));
    /* Real memory: fragments with their headers, index tables, per-stream state, TSN map.
     * The bound: the receive buffer (the fragments' charge, which covers their headers
     * and index share), one chunk taken into an empty buffer, the tables' least size and
     * the TSN map at its largest (two bitmaps over 65536 TSNs). */
    if (a->rx_ready) {
        m->rx_held = reasm_mem(&a->ra) + tsnmap_mem(&a->map);
        m->rx_bound = (uint64_t)a->cfg.rcvbuf + reasm_cost(MPSCTP_MAX_CHUNK_DATA) +
                      reasm_mem_fixed(&a->ra) + 2 * MPSCTP_TSN_WINDOW / 8;
        if (a->idata) {
            /* I-DATA (idata.h): the reassembly state counts the records' charge as
             * payload; their real memory instead. */
            m->rx_held += idata_mem(&a->ids) - (uint64_t)a->ids.count * IDATA_MSG_CHARGE;
            m->rx_bound += IDATA_MSG_CHARGE + idata_mem_fixed(&a->ids);
        }
    } else {
        m->rx_bound = 0;
    }
    m->ctrl_queued = a->ctrl_bytes;
    m->ctrl_bound = MPSCTP_CTRL_QUEUE_MAX;
    m->reconf_held = reconf_mem(a);
    m->reconf_bound = reconf_mem_bound(a);
    return 0;
}

int mpsctp_assoc_sndqueue_info(const mpsctp_assoc *a, uint32_t *limit, uint32_t *total,
                               uint32_t *per_stream, uint32_t cap, uint32_t *nstreams)
{
    if (!a)
        return MPSCTP_ERR_INVAL;
    return sendq_info(&a->sq, limit, total, per_stream, cap, nstreams);
}

int mpsctp_assoc_set_sndbuf(mpsctp_assoc *a, uint32_t bytes)
{
    if (!a || bytes < 4096)
        return MPSCTP_ERR_INVAL;
    a->sq.limit = bytes;
    return 0;
}

int mpsctp_assoc_set_user(mpsctp_assoc *a, void *user)
{
    if (!a)
        return MPSCTP_ERR_INVAL;
    a->user = user;
    return 0;
}

void *mpsctp_assoc_user(const mpsctp_assoc *a)
{
    return a ? a->user : NULL;
}
