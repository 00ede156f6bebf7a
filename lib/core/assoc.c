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
    a->ccops = &cc_standard;
    a->npaths = 1;
    path_init(&a->paths[0], remote, (uint64_t)a->cfg.rto_initial_ms * NS_PER_MS);
    a->last_data_path = -1;
    a->t1_deadline = a->t2_deadline = a->t5_deadline = a->sack_deadline =
        MPSCTP_TSTAMP_NEVER;
    /* The send queue exists from the start so data can be queued before the handshake
     * ends; its stream count is fixed when the association is set up. */
    if (sendq_init(&a->sq, a->cfg.num_ostreams, a->cfg.sndbuf) || rtxq_init(&a->rq, 0)) {
        sendq_free(&a->sq);
        free(a);
        return NULL;
    }
    a->next = ep->assocs;
    ep->assocs = a;
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
        free(m);
    }
    a->os = os;
    a->is = is;
    a->my_itsn = my_itsn;
    a->rq.first_tsn = my_itsn;
    if (a->rx_ready) {
        tsnmap_free(&a->map);
        reasm_free(&a->ra);
        a->rx_ready = 0;
    }
    /* The TSN window the receiver tracks: the receive buffer in minimum-size chunks,
     * bounded by the 16-bit gap block offsets. */
    uint32_t window = a->cfg.rcvbuf / (REASM_CHUNK_OVERHEAD + 1) + 64;
    if (window > 65536)
        window = 65536;
    if (tsnmap_init(&a->map, peer_itsn, window))
        return MPSCTP_ERR_NOMEM;
    if (reasm_init(&a->ra, is, peer_itsn, a->cfg.pd_point)) {
        tsnmap_free(&a->map);
        return MPSCTP_ERR_NOMEM;
    }
    a->rx_ready = 1;
    a->peer_rwnd = peer_rwnd;
    a->last_rwnd = a->cfg.rcvbuf;
    uint32_t mtu = a->cfg.mtu;
    for (uint32_t i = 0; i < a->npaths; i++) {
        a->cc[i].mtu = mtu;
        a->cc[i].flight = 0;
        a->ccops->init(a->cc, a->npaths, i, peer_rwnd);
    }
    return 0;
}

void assoc_event(mpsctp_assoc *a, mpsctp_event_type type, uint32_t state, uint16_t error)
{
    mpsctp_event ev;
    memset(&ev, 0, sizeof(ev));
    ev.type = type;
    ev.assoc = a;
    ev.assoc_id = a->id;
    ev.state = state;
    ev.error = error;
    ev.outbound_streams = a->os;
    ev.inbound_streams = a->is;
    ep_event(a->ep, &ev);
}

/* Reports a path state change. */
void assoc_path_event(mpsctp_assoc *a, uint32_t pi, uint32_t state)
{
    mpsctp_event ev;
    memset(&ev, 0, sizeof(ev));
    ev.type = MPSCTP_EV_PEER_ADDR_CHANGE;
    ev.assoc = a;
    ev.assoc_id = a->id;
    ev.state = state;
    ev.path = pi;
    ep_event(a->ep, &ev);
}

/* Arms the heartbeat timer of path pi: RTO + HB.interval, jittered by +-50% of the RTO
 * (RFC 9260 s8.3). */
static void hb_arm(mpsctp_assoc *a, uint32_t pi, mpsctp_tstamp now)
{
    mpsctp_path *p = &a->paths[pi];
    if (a->cfg.hb_interval_ms == 0) {
        p->hb_deadline = MPSCTP_TSTAMP_NEVER;
        return;
    }
    uint32_t r;
    ep_random(a->ep, &r, sizeof(r));
    uint64_t jitter = p->rto ? (uint64_t)r % p->rto : 0; /* 0 .. RTO */
    p->hb_deadline = now + (uint64_t)a->cfg.hb_interval_ms * NS_PER_MS + p->rto / 2 + jitter;
}

void assoc_set_state(mpsctp_assoc *a, mpsctp_state s)
{
    ep_log(a->ep, 3, "assoc %u: %s -> %s", a->id, mpsctp_state_name(a->state),
           mpsctp_state_name(s));
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

int assoc_queue_ctrl(mpsctp_assoc *a, int path, const uint8_t *chunk, size_t len)
{
    ctrl_chunk *c = malloc(sizeof(*c) + len);
    if (!c)
        return MPSCTP_ERR_NOMEM;
    c->next = NULL;
    c->path = (int8_t)path;
    c->type = chunk[0];
    c->len = (uint16_t)len;
    memcpy(c->data, chunk, len);
    if (a->ctrl_tail)
        a->ctrl_tail->next = c;
    else
        a->ctrl_head = c;
    a->ctrl_tail = c;
    return 0;
}

void assoc_flush_ctrl(mpsctp_assoc *a)
{
    for (ctrl_chunk *c = a->ctrl_head, *n; c; c = n) {
        n = c->next;
        free(c);
    }
    a->ctrl_head = a->ctrl_tail = NULL;
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

int assoc_error(mpsctp_assoc *a)
{
    a->error_count++;
    if (a->error_count > a->cfg.assoc_max_retrans) {
        /* RFC 9260 s8.1: the peer is unreachable. */
        assoc_abort_with(a, 0, NULL, 0, MPSCTP_COMM_LOST);
        return 1;
    }
    return 0;
}

int assoc_path_error(mpsctp_assoc *a, uint32_t pi)
{
    mpsctp_path *p = &a->paths[pi];
    p->error_count++;
    if (p->error_count > a->cfg.path_max_retrans && p->active) {
        p->active = 0;
        assoc_path_event(a, pi, MPSCTP_ADDR_UNREACHABLE);
    }
    return assoc_error(a);
}

int assoc_path_find(const mpsctp_assoc *a, const mpsctp_addr *addr)
{
    for (uint32_t i = 0; i < a->npaths; i++)
        if (mpsctp_addr_equal(&a->paths[i].remote, addr))
            return (int)i;
    return -1;
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
    for (uint32_t i = 0; i < a->npaths; i++) {
        if (a->paths[i].t3_deadline < d)
            d = a->paths[i].t3_deadline;
        if (a->paths[i].hb_deadline < d)
            d = a->paths[i].hb_deadline;
    }
    return d;
}

/* RFC 9260 s8.3: sends a HEARTBEAT on path pi carrying our private info (path index,
 * send time, nonce). */
static void send_heartbeat(mpsctp_assoc *a, uint32_t pi, mpsctp_tstamp now)
{
    mpsctp_path *p = &a->paths[pi];
    ep_random(a->ep, &p->hb_nonce, sizeof(p->hb_nonce));
    uint8_t info[20];
    put32(info, pi);
    put32(info + 4, (uint32_t)(now >> 32));
    put32(info + 8, (uint32_t)now);
    memcpy(info + 12, &p->hb_nonce, 8);
    uint8_t b[32];
    wbuf w;
    wbuf_init(&w, b, sizeof(b));
    size_t off = codec_chunk_begin(&w, SCTP_HEARTBEAT, 0);
    codec_param_put(&w, SCTP_P_HEARTBEAT_INFO, info, sizeof(info));
    codec_chunk_end(&w, off);
    assoc_queue_ctrl(a, (int)pi, b, w.len);
    p->hb_outstanding = 1;
}

static void hb_timeout(mpsctp_assoc *a, uint32_t pi, mpsctp_tstamp now)
{
    mpsctp_path *p = &a->paths[pi];
    if (p->hb_outstanding) {
        /* RFC 9260 s8.3: an unanswered heartbeat counts as an error on the path and the
         * association; the RTO backs off. */
        path_backoff(p, assoc_rto_max(a));
        if (assoc_path_error(a, pi))
            return;
    } else if (p->last_send &&
               now - p->last_send < (uint64_t)a->cfg.hb_interval_ms * NS_PER_MS) {
        /* Only idle paths need heartbeats: one that carried data within the interval is
         * known to work (RFC 9260 s8.3). Counting from the last send lands past now. */
        hb_arm(a, pi, p->last_send);
        return;
    }
    send_heartbeat(a, pi, now);
    /* Check for the answer after one RTO; the HEARTBEAT ACK re-arms the interval. */
    p->hb_deadline = now + p->rto;
}

void assoc_timeout(mpsctp_assoc *a, mpsctp_tstamp now)
{
    a->burst = a->cfg.max_burst;
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
        path_backoff(&a->paths[0], cap);
        if (a->state == MPSCTP_COOKIE_WAIT && a->init_chunk)
            assoc_queue_ctrl(a, 0, a->init_chunk, a->init_len);
        else if (a->state == MPSCTP_COOKIE_ECHOED && a->cookie)
            assoc_queue_ctrl(a, 0, a->cookie, a->cookie_len);
        a->t1_deadline = now + a->paths[0].rto;
    }
    if (a->t5_deadline <= now) {
        /* RFC 9260 s9.2: T5-shutdown-guard expired: abort. */
        assoc_abort_with(a, 0, NULL, 0, MPSCTP_COMM_LOST);
        return;
    }
    if (a->t2_deadline <= now) {
        a->t2_deadline = MPSCTP_TSTAMP_NEVER;
        mpsctp_path *p = &a->paths[a->primary];
        path_backoff(p, assoc_rto_max(a));
        if (assoc_error(a))
            return;
        if (a->state == MPSCTP_SHUTDOWN_SENT || a->state == MPSCTP_SHUTDOWN_ACK_SENT) {
            uint8_t b[8];
            wbuf w;
            wbuf_init(&w, b, sizeof(b));
            if (a->state == MPSCTP_SHUTDOWN_SENT)
                codec_u32_chunk(&w, SCTP_SHUTDOWN, 0, a->map.cum);
            else
                codec_empty_chunk(&w, SCTP_SHUTDOWN_ACK, 0);
            assoc_queue_ctrl(a, -1, b, w.len);
            a->t2_deadline = now + p->rto;
        }
    }
    if (a->sack_deadline <= now) {
        a->sack_deadline = MPSCTP_TSTAMP_NEVER;
        if (a->sack_pending)
            a->sack_due = 1;
    }
    for (uint32_t i = 0; i < a->npaths && a->state != MPSCTP_CLOSED; i++) {
        if (a->paths[i].t3_deadline <= now)
            assoc_t3_expired(a, (int)i, now);
        if (a->state != MPSCTP_CLOSED && a->paths[i].hb_deadline <= now)
            hb_timeout(a, i, now);
    }
}

/* ---- public association API -------------------------------------------------------- */

int mpsctp_assoc_send(mpsctp_assoc *a, const void *data, size_t len,
                      const mpsctp_sndinfo *info, mpsctp_tstamp now)
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
    int e = sendq_push(&a->sq, data, len, info);
    if (e == 0) {
        a->dry_armed = 1;
        a->burst = a->cfg.max_burst;
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
    ssize_t n = reasm_read(&a->ra, buf, cap, info, eor);
    if (n < 0) {
        /* Nothing more can arrive once closed or the peer has shut down. */
        if (a->state == MPSCTP_CLOSED || a->state == MPSCTP_SHUTDOWN_RECEIVED ||
            a->state == MPSCTP_SHUTDOWN_ACK_SENT)
            return MPSCTP_ERR_CLOSED;
        return n;
    }
    if (info) {
        info->cumtsn = a->map.cum;
        info->assoc_id = a->id;
    }
    a->bytes_received_user += (uint64_t)n;
    /* Window update (RFC 9260 s6.2): once reading has opened the window by a quarter of
     * the buffer beyond what the last SACK advertised, tell the peer. */
    uint32_t rwnd = assoc_local_rwnd(a);
    if (a->state != MPSCTP_CLOSED && rwnd >= a->last_rwnd + a->cfg.rcvbuf / 4)
        a->sack_due = 1;
    return n;
}

size_t mpsctp_assoc_readable(const mpsctp_assoc *a)
{
    return a && a->rx_ready ? reasm_readable(&a->ra) : 0;
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
    pi->active = p->active;
    pi->confirmed = p->confirmed;
    pi->pf = p->pf;
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

void assoc_start_heartbeats(mpsctp_assoc *a, mpsctp_tstamp now)
{
    for (uint32_t i = 0; i < a->npaths; i++)
        hb_arm(a, i, now);
}

void assoc_heartbeat_ack(mpsctp_assoc *a, const uint8_t *info, size_t len, mpsctp_tstamp now)
{
    if (len != 20)
        return;
    uint32_t pi = get32(info);
    if (pi >= a->npaths)
        return;
    mpsctp_path *p = &a->paths[pi];
    uint64_t nonce;
    memcpy(&nonce, info + 12, 8);
    /* RFC 9260 s8.3: only an answer to our latest heartbeat counts. */
    if (!p->hb_outstanding || nonce != p->hb_nonce)
        return;
    mpsctp_tstamp sent = ((uint64_t)get32(info + 4) << 32) | get32(info + 8);
    if (sent <= now)
        path_rtt_sample(p, now - sent, assoc_rto_min(a), assoc_rto_max(a));
    p->hb_outstanding = 0;
    p->error_count = 0;
    a->error_count = 0;
    if (!p->confirmed) {
        p->confirmed = 1;
        assoc_path_event(a, pi, MPSCTP_ADDR_CONFIRMED);
    }
    if (!p->active) {
        p->active = 1;
        assoc_path_event(a, pi, MPSCTP_ADDR_AVAILABLE);
    }
    hb_arm(a, pi, now);
}
