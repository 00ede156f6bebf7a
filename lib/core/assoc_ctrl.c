/* Association control chunks: the handshake (RFC 9260 s5.1) and its collisions (s5.2),
 * shutdown (s9.2), ABORT (s9.1), HEARTBEAT (s8.3), ERROR (s3.3.10), and the chunk loop
 * of a packet with its verification tag rules (s8.5.1). */
#include <stdlib.h>
#include <string.h>

#include "assoc.h"

/* Queues a small control chunk built by fn-like helpers: a chunk with no value or one
 * 32-bit value. */
static void queue_simple(mpsctp_assoc *a, int path, uint8_t type, uint8_t flags, int has_v,
                         uint32_t v)
{
    uint8_t b[8];
    wbuf w;
    wbuf_init(&w, b, sizeof(b));
    if (has_v)
        codec_u32_chunk(&w, type, flags, v);
    else
        codec_empty_chunk(&w, type, flags);
    assoc_queue_ctrl(a, path, b, w.len);
}

int assoc_send_init(mpsctp_assoc *a, mpsctp_tstamp now)
{
    mpsctp_endpoint *ep = a->ep;
    uint8_t b[512];
    wbuf w;
    wbuf_init(&w, b, sizeof(b));
    size_t off = codec_init_begin(&w, SCTP_INIT, a->my_vtag, a->cfg.rcvbuf,
                                  a->cfg.num_ostreams, a->cfg.max_instreams, a->my_itsn);
    ep_put_addrs(ep, &w, &a->paths[0].remote);
    /* RFC 9260 s3.3.2.1: Supported Address Types: IPv4 and IPv6. */
    uint8_t types[4];
    put16(types, SCTP_P_IPV4);
    put16(types + 2, SCTP_P_IPV6);
    codec_param_put(&w, SCTP_P_SUPPORTED_ADDR_TYPES, types, 4);
    if (a->cookie_preserve_ms) {
        uint8_t v[4];
        put32(v, a->cookie_preserve_ms);
        codec_param_put(&w, SCTP_P_COOKIE_PRESERVATIVE, v, 4);
    }
    ep_put_extensions(&a->cfg, &w);
    codec_chunk_end(&w, off);
    if (w.err)
        return MPSCTP_ERR_INVAL;
    uint8_t *copy = malloc(w.len);
    if (!copy)
        return MPSCTP_ERR_NOMEM;
    memcpy(copy, b, w.len);
    free(a->init_chunk);
    a->init_chunk = copy;
    a->init_len = w.len;
    a->t1_path = 0;
    assoc_queue_ctrl(a, 0, b, w.len);
    assoc_set_state(a, MPSCTP_COOKIE_WAIT);
    a->init_retries = 0;
    a->t1_sent = now;
    a->t1_deadline = now + a->paths[a->t1_path].rto;
    return 0;
}

void assoc_put_unrecognized(wbuf *w, const sctp_tlv *c)
{
    size_t n = (size_t)c->len;
    if (n > 256)
        n = 256; /* report the head of a large chunk only */
    size_t off = codec_chunk_begin(w, SCTP_ERROR, 0);
    size_t po = codec_param_begin(w, SCTP_CAUSE_UNRECOGNIZED_CHUNK);
    wbuf_put(w, c->value - 4, n);
    codec_param_end(w, po);
    codec_chunk_end(w, off);
}

/* RFC 9260 s6.3.1: the INIT / COOKIE ECHO round trip is an RTT sample when the chunk
 * was not retransmitted (Karn); it replaces a backed-off RTO.Initial early. */
static void handshake_rtt(mpsctp_assoc *a, mpsctp_tstamp now)
{
    if (a->init_retries == 0 && a->t1_sent && now >= a->t1_sent)
        path_rtt_sample(&a->paths[a->t1_path], now - a->t1_sent, assoc_rto_min(a),
                        assoc_rto_max(a));
}

/* Data transfer may start: timers, heartbeats, pending shutdown. */
static void established(mpsctp_assoc *a, mpsctp_tstamp now)
{
    a->t1_deadline = MPSCTP_TSTAMP_NEVER;
    a->init_retries = 0;
    a->stale_restarts = 0;
    assoc_peer_alive(a, now);
    assoc_set_state(a, MPSCTP_ESTABLISHED);
    assoc_start_heartbeats(a, now);
    free(a->cookie);
    a->cookie = NULL;
    free(a->init_chunk);
    a->init_chunk = NULL;
    if (a->shutdown_requested) {
        assoc_set_state(a, MPSCTP_SHUTDOWN_PENDING);
        assoc_shutdown_progress(a, now);
    }
}

/* RFC 9260 s5.1 C: INIT ACK (from remote) in COOKIE-WAIT. Returns 1 when the
 * association closed. */
static int recv_init_ack(mpsctp_assoc *a, const sctp_tlv *c, const mpsctp_addr *remote,
                         mpsctp_tstamp now)
{
    sctp_init in;
    if (a->state != MPSCTP_COOKIE_WAIT)
        return 0; /* s5.2.3: discard elsewhere */
    if (codec_init_decode(c, &in) || in.init_tag == 0 || in.os == 0 || in.mis == 0) {
        /* s3.3.3: invalid mandatory values: destroy the association (ABORT sent). */
        assoc_abort_with(a, SCTP_CAUSE_INVALID_PARAM, NULL, 0, MPSCTP_CANT_STR_ASSOC);
        return 1;
    }
    uint8_t repbuf[512];
    wbuf rep;
    wbuf_init(&rep, repbuf, sizeof(repbuf));
    sctp_tlv bad = {0}, cookie = {0};
    uint16_t cause = ep_check_init_params(&in, &rep, &bad, &cookie);
    /* The ABORT must carry the peer's tag, which we only now learn. */
    a->peer_vtag = in.init_tag;
    if (cause) {
        assoc_abort_with(a, cause, bad.value ? bad.value - 4 : NULL, bad.value ? bad.len : 0,
                         MPSCTP_CANT_STR_ASSOC);
        return 1;
    }
    if (!cookie.value) {
        uint8_t v[6] = {0, 0, 0, 1, 0, SCTP_P_STATE_COOKIE}; /* one missing: State Cookie */
        assoc_abort_with(a, SCTP_CAUSE_MISSING_PARAM, v, sizeof(v), MPSCTP_CANT_STR_ASSOC);
        return 1;
    }
    a->nr_sack = a->cfg.nr_sack && ep_init_lists_chunk(&in, SCTP_NR_SACK);
    a->reconf_ok = a->cfg.reconf && ep_init_lists_chunk(&in, SCTP_RECONFIG);
    a->idata = a->cfg.idata && ep_init_lists_chunk(&in, SCTP_IDATA);
    a->pr.on = (uint8_t)prsctp_negotiated(&a->cfg, &in);
    if (a->idata)
        a->pr.on = 0; /* I-DATA needs I-FORWARD-TSN (not implemented) */
    /* RFC 9260 s5.1.2, s5.4 rule 3: the addresses the INIT ACK lists (and its source)
     * that the user did not give are paths to confirm. */
    mpsctp_addr listed[MPSCTP_MAX_PATHS];
    uint32_t nl = ep_init_addrs(&in, remote, listed, MPSCTP_MAX_PATHS);
    assoc_add_path(a, remote, 0);
    for (uint32_t i = 0; i < nl; i++)
        assoc_add_path(a, &listed[i], 0);
    uint16_t os = a->cfg.num_ostreams < in.mis ? a->cfg.num_ostreams : in.mis;
    uint16_t is = in.os < a->cfg.max_instreams ? in.os : a->cfg.max_instreams;
    if (assoc_setup_data(a, os, is, a->my_itsn, in.init_tsn, in.a_rwnd)) {
        assoc_abort_with(a, SCTP_CAUSE_OUT_OF_RESOURCE, NULL, 0, MPSCTP_CANT_STR_ASSOC);
        return 1;
    }
    size_t clen = SCTP_CHUNK_HDR_LEN + cookie.vlen;
    uint8_t *echo = malloc(pad4(clen));
    if (!echo) {
        assoc_abort_with(a, SCTP_CAUSE_OUT_OF_RESOURCE, NULL, 0, MPSCTP_CANT_STR_ASSOC);
        return 1;
    }
    wbuf w;
    wbuf_init(&w, echo, pad4(clen));
    size_t off = codec_chunk_begin(&w, SCTP_COOKIE_ECHO, 0);
    wbuf_put(&w, cookie.value, cookie.vlen);
    codec_chunk_end(&w, off);
    free(a->cookie);
    a->cookie = echo;
    a->cookie_len = w.len;
    /* Drop our INIT if it is still queued (a retransmission that lost the race). */
    for (ctrl_chunk **pp = &a->ctrl_head; *pp;) {
        if ((*pp)->type == SCTP_INIT)
            assoc_ctrl_unlink(a, pp);
        else
            pp = &(*pp)->next;
    }
    assoc_queue_ctrl(a, (int)a->t1_path, echo, w.len);
    if (!rep.err && rep.len) {
        /* RFC 9260 s3.2.1: report unrecognised INIT ACK parameters in an ERROR bundled
         * with the COOKIE ECHO. */
        uint8_t eb[600];
        wbuf e;
        wbuf_init(&e, eb, sizeof(eb));
        size_t eo = codec_chunk_begin(&e, SCTP_ERROR, 0);
        size_t po = codec_param_begin(&e, SCTP_CAUSE_UNRECOGNIZED_PARAMS);
        /* the cause carries the parameters themselves: strip our wrapper headers */
        const uint8_t *q = repbuf, *qe = repbuf + rep.len;
        sctp_tlv t;
        while (q < qe && !codec_param_decode(&q, qe, &t))
            wbuf_put(&e, t.value, t.vlen);
        codec_param_end(&e, po);
        codec_chunk_end(&e, eo);
        if (!e.err)
            assoc_queue_ctrl(a, (int)a->t1_path, eb, e.len);
    }
    handshake_rtt(a, now);
    assoc_set_state(a, MPSCTP_COOKIE_ECHOED);
    /* T1-cookie: a new timer, retries counted afresh. */
    a->init_retries = 0;
    a->t1_sent = now;
    a->t1_deadline = now + a->paths[a->t1_path].rto;
    return 0;
}

/* RFC 9260 s5.2.1, s5.2.2: an unexpected INIT that would add addresses to the association
 * (in COOKIE-WAIT and COOKIE-ECHOED as in the established states) is answered with an
 * ABORT (the INIT's tag, cause Restart of an Association with New Addresses listing
 * them); the association stays as it is. Returns 1 when so. */
static int init_adds_addresses(mpsctp_assoc *a, const sctp_common *h, const sctp_tlv *c,
                               const mpsctp_addr *local, const mpsctp_addr *remote)
{
    sctp_init in;
    if (codec_init_decode(c, &in) || in.init_tag == 0)
        return 0;
    mpsctp_addr listed[MPSCTP_MAX_PATHS + 1];
    listed[0] = *remote;
    uint32_t n = 1 + ep_init_addrs(&in, remote, listed + 1, MPSCTP_MAX_PATHS);
    uint8_t v[(MPSCTP_MAX_PATHS + 1) * 20];
    wbuf w;
    wbuf_init(&w, v, sizeof(v));
    for (uint32_t i = 0; i < n; i++) {
        if (assoc_path_find(a, &listed[i]) >= 0)
            continue;
        if (listed[i].family == MPSCTP_AF_INET)
            codec_param_put(&w, SCTP_P_IPV4, listed[i].ip, 4);
        else
            codec_param_put(&w, SCTP_P_IPV6, listed[i].ip, 16);
    }
    if (w.len == 0 || w.err)
        return 0;
    ep_send_abort(a->ep, h->dport, h->sport, in.init_tag, 0, SCTP_CAUSE_RESTART_NEW_ADDRS, v,
                  w.len, local, remote);
    return 1;
}

/* The tie-tags for an INIT ACK of this association (RFC 9260 s1.3): random nonces made
 * the first time they are needed, so that the cookie shows nothing of the real tags. */
static void tie_nonces(mpsctp_assoc *a)
{
    if (a->tie_local == 0) {
        a->tie_local = ep_random32(a->ep);
        a->tie_peer = ep_random32(a->ep);
    }
}

/* An INIT (or COOKIE ECHO) meets association a from remote, whose UDP source port is not
 * the one the association uses for that address: another process behind the same IP
 * address (a NAT, a shared host), or the peer after its NAT rebound. Answering it would
 * hand a stranger what it needs to restart the association, so it gets an ABORT with the
 * "new encapsulation port" cause and tag vtag, and the association stays as it is (the
 * rule of the RFC 6951 update for UDP encapsulation; usrsctp and Linux do the same).
 * Returns 1 when so. */
int assoc_foreign_port(mpsctp_assoc *a, const sctp_common *h, uint32_t vtag,
                       const mpsctp_addr *local, const mpsctp_addr *remote)
{
    int pi = assoc_path_find(a, remote);
    if (pi < 0 || a->paths[pi].remote.udp_port == remote->udp_port)
        return 0;
    uint8_t v[4];
    put16(v, remote->udp_port);
    put16(v + 2, a->paths[pi].remote.udp_port);
    ep_send_abort(a->ep, h->dport, h->sport, vtag, 0, SCTP_CAUSE_NEW_ENCAPS_PORT, v, 4, local,
                  remote);
    a->ep->stats.dropped_foreign_port++;
    return 1;
}

/* RFC 9260 s5.2.1, s5.2.2: INIT for an existing association. */
static void recv_init_existing(mpsctp_assoc *a, const sctp_common *h, const sctp_tlv *c,
                               const mpsctp_addr *local, const mpsctp_addr *remote,
                               mpsctp_tstamp now)
{
    sctp_init in;
    if (codec_init_decode(c, &in) || in.init_tag == 0)
        return; /* s3.3.2: malformed or tag 0: discard */
    if (assoc_foreign_port(a, h, in.init_tag, local, remote))
        return;
    if (a->state != MPSCTP_SHUTDOWN_ACK_SENT && init_adds_addresses(a, h, c, local, remote))
        return;
    switch (a->state) {
    case MPSCTP_COOKIE_WAIT:
        /* s5.2.1: answer with our original tag and TSN; no tie tags yet. */
        ep_answer_init(a->ep, h, c, local, remote, a->my_vtag, a->my_itsn, 0, 0, now);
        break;
    case MPSCTP_COOKIE_ECHOED:
        /* s5.2.1: same, with the tie-tags in the cookie. */
        tie_nonces(a);
        ep_answer_init(a->ep, h, c, local, remote, a->my_vtag, a->my_itsn, a->tie_local,
                       a->tie_peer, now);
        break;
    case MPSCTP_SHUTDOWN_ACK_SENT: {
        /* s9.2: the SHUTDOWN COMPLETE was probably lost: resend SHUTDOWN ACK (a reply:
         * a peer repeating INITs cannot make us hold more than the queue bound). */
        uint8_t b[4];
        wbuf w;
        wbuf_init(&w, b, sizeof(b));
        codec_empty_chunk(&w, SCTP_SHUTDOWN_ACK, 0);
        assoc_queue_reply(a, -1, b, w.len);
        break;
    }
    default:
        /* s5.2.2: a new random tag; the tie-tags let a COOKIE ECHO with this cookie be
         * recognised as a restart of this association (table 2, case A). */
        tie_nonces(a);
        ep_answer_init(a->ep, h, c, local, remote, ep_random32(a->ep), ep_random32(a->ep),
                       a->tie_local, a->tie_peer, now);
        break;
    }
}

mpsctp_assoc *assoc_cookie_existing(mpsctp_assoc *a, const cookie_data *cd,
                                    const mpsctp_addr *local, const mpsctp_addr *remote,
                                    mpsctp_tstamp now)
{
    int mt = cd->my_vtag == a->my_vtag;
    int pt = cd->peer_vtag == a->peer_vtag;
    /* Case A needs the tie-tags this association handed out (nonzero nonces). */
    int tie = a->tie_local != 0 && cd->tie_local == a->tie_local && cd->tie_peer == a->tie_peer;
    if (!mt && !pt && tie) {
        /* Case A: the peer restarted. */
        if (a->state == MPSCTP_SHUTDOWN_ACK_SENT) {
            /* s5.2.4 A: refuse a restart while shutting down. */
            queue_simple(a, -1, SCTP_SHUTDOWN_ACK, 0, 0, 0);
            uint8_t b[8];
            wbuf w;
            wbuf_init(&w, b, sizeof(b));
            size_t off = codec_chunk_begin(&w, SCTP_ERROR, 0);
            codec_param_put(&w, SCTP_CAUSE_COOKIE_IN_SHUTDOWN, NULL, 0);
            codec_chunk_end(&w, off);
            assoc_queue_ctrl(a, -1, b, w.len);
            return NULL;
        }
        /* RFC 9260 s5.2.4 A leaves queued data to the implementation. Every message
         * the old incarnation held, in flight or not yet sent, fails with SEND_FAILED
         * (data sent flag as usual), before the RESTART notification: the peer lost
         * its state, so whether in-flight data reached its application is unknown, and
         * messages still queued were written for a peer that is gone (the rest of a
         * conversation whose beginning may be lost). The application learns which
         * messages to send again, in the order it chooses. */
        assoc_drop_send_state(a, 1);
        assoc_flush_ctrl(a);
        a->my_vtag = cd->my_vtag;
        a->peer_vtag = cd->peer_vtag;
        a->tie_local = a->tie_peer = 0; /* the new incarnation gets new nonces */
        rtxq_free(&a->rq);
        /* The restarted peer's addresses are those of its new INIT (s5.2.4 A: as if an
         * ABORT and a new COOKIE ECHO had arrived). */
        assoc_paths_from_cookie(a, cd, local, remote);
        a->nr_sack = cd->nr_sack;
        a->reconf_ok = cd->reconf;
        a->idata = cd->idata;
        a->pr.on = cd->pr_sctp;
        if (a->idata)
            a->pr.on = 0; /* I-DATA needs I-FORWARD-TSN (not implemented) */
        rtxq_init(&a->rq, cd->my_itsn);
        if (assoc_setup_data(a, cd->os, cd->is, cd->my_itsn, cd->peer_itsn, cd->peer_rwnd)) {
            assoc_close(a, MPSCTP_COMM_LOST, SCTP_CAUSE_OUT_OF_RESOURCE);
            return NULL;
        }
        sendq_restart_ssn(&a->sq);
        a->outstanding = 0;
        queue_simple(a, 0, SCTP_COOKIE_ACK, 0, 0, 0);
        a->t2_deadline = a->t5_deadline = MPSCTP_TSTAMP_NEVER;
        assoc_event(a, MPSCTP_EV_ASSOC_CHANGE, MPSCTP_RESTART, 0);
        established(a, now);
        return a;
    }
    if (mt && (!pt || a->peer_vtag == 0)) {
        /* Case B: an INIT collision; take the peer's tag from the cookie. */
        if (a->state == MPSCTP_COOKIE_WAIT || a->state == MPSCTP_COOKIE_ECHOED) {
            a->peer_vtag = cd->peer_vtag;
            a->nr_sack = cd->nr_sack;
            a->reconf_ok = cd->reconf;
            a->idata = cd->idata;
            a->pr.on = cd->pr_sctp;
            if (a->idata)
                a->pr.on = 0; /* I-DATA needs I-FORWARD-TSN (not implemented) */
            if (assoc_setup_data(a, cd->os, cd->is, cd->my_itsn, cd->peer_itsn,
                                 cd->peer_rwnd)) {
                assoc_close(a, MPSCTP_CANT_STR_ASSOC, SCTP_CAUSE_OUT_OF_RESOURCE);
                return NULL;
            }
            a->paths[0].confirmed = 1;
            queue_simple(a, 0, SCTP_COOKIE_ACK, 0, 0, 0);
            assoc_event(a, MPSCTP_EV_ASSOC_CHANGE, MPSCTP_COMM_UP, 0);
            established(a, now);
        } else {
            a->peer_vtag = cd->peer_vtag;
            queue_simple(a, 0, SCTP_COOKIE_ACK, 0, 0, 0);
        }
        return a;
    }
    if (!mt && pt && cd->tie_local == 0 && cd->tie_peer == 0)
        return NULL; /* Case C: a late cookie: discard */
    if (mt && pt) {
        /* Case D: both tags match: the COOKIE ACK was lost, or a collision where both
         * sides echoed. */
        if (a->state == MPSCTP_COOKIE_ECHOED || a->state == MPSCTP_COOKIE_WAIT) {
            assoc_event(a, MPSCTP_EV_ASSOC_CHANGE, MPSCTP_COMM_UP, 0);
            established(a, now);
        }
        queue_simple(a, 0, SCTP_COOKIE_ACK, 0, 0, 0);
        return a;
    }
    return NULL; /* no row of table 2 matches: discard */
}

/* RFC 9260 s5.2.6: stale cookie in COOKIE-ECHOED: restart the handshake asking for a
 * longer cookie life. Returns 1 when the association closed. */
static int stale_cookie(mpsctp_assoc *a, const sctp_tlv *cause, mpsctp_tstamp now)
{
    if (a->state != MPSCTP_COOKIE_ECHOED)
        return 0;
    /* Bound the restarts: each one starts fresh T1 retry counts. */
    if (++a->stale_restarts > a->cfg.max_init_retrans) {
        assoc_close(a, MPSCTP_CANT_STR_ASSOC, SCTP_CAUSE_STALE_COOKIE);
        return 1;
    }
    uint32_t stale_us = cause->vlen >= 4 ? get32(cause->value) : 0;
    uint32_t ms = stale_us / 1000 * 2;
    if (ms < 1000)
        ms = 1000;
    a->cookie_preserve_ms = ms;
    free(a->cookie);
    a->cookie = NULL;
    assoc_flush_ctrl(a);
    if (assoc_send_init(a, now)) {
        assoc_close(a, MPSCTP_CANT_STR_ASSOC, 0);
        return 1;
    }
    return 0;
}

/* ERROR chunk: report each cause; stale cookie restarts the handshake. Returns 1 when the
 * association closed. */
static int recv_error(mpsctp_assoc *a, const sctp_tlv *c, mpsctp_tstamp now)
{
    const uint8_t *p = c->value, *end = c->value + c->vlen;
    sctp_tlv cause;
    while (p < end && !codec_param_decode(&p, end, &cause)) {
        if (cause.type == SCTP_CAUSE_STALE_COOKIE) {
            if (stale_cookie(a, &cause, now))
                return 1;
            continue;
        }
        assoc_event(a, MPSCTP_EV_REMOTE_ERROR, 0, cause.type);
    }
    return 0;
}

void assoc_t2_send(mpsctp_assoc *a, uint32_t pi, mpsctp_tstamp now)
{
    /* RFC 9260 s9.2: SHUTDOWN carries our cumulative TSN ack; T2 times the answer. */
    if (a->state == MPSCTP_SHUTDOWN_SENT)
        queue_simple(a, (int)pi, SCTP_SHUTDOWN, 0, 1, a->map.cum);
    else
        queue_simple(a, (int)pi, SCTP_SHUTDOWN_ACK, 0, 0, 0);
    a->t2_path = pi;
    a->t2_deadline = now + a->paths[pi].rto;
}

void assoc_shutdown_progress(mpsctp_assoc *a, mpsctp_tstamp now)
{
    if (!assoc_all_acked(a))
        return;
    if (a->state == MPSCTP_SHUTDOWN_PENDING) {
        /* RFC 9260 s9.2: SHUTDOWN; T2 and T5 start. */
        a->sack_pending = 0;
        assoc_set_state(a, MPSCTP_SHUTDOWN_SENT);
        assoc_t2_send(a, assoc_data_path(a), now);
        a->t5_deadline = now + 5 * assoc_rto_max(a);
    } else if (a->state == MPSCTP_SHUTDOWN_RECEIVED) {
        assoc_set_state(a, MPSCTP_SHUTDOWN_ACK_SENT);
        assoc_t2_send(a, assoc_data_path(a), now);
    }
}

/* RFC 9260 s9.2: SHUTDOWN received. */
static void recv_shutdown(mpsctp_assoc *a, const sctp_tlv *c, mpsctp_tstamp now)
{
    uint32_t cum;
    if (codec_u32_decode(c, &cum))
        return;
    switch (a->state) {
    case MPSCTP_ESTABLISHED:
    case MPSCTP_SHUTDOWN_PENDING:
        assoc_cum_ack(a, cum, now);
        assoc_set_state(a, MPSCTP_SHUTDOWN_RECEIVED);
        assoc_event(a, MPSCTP_EV_SHUTDOWN, 0, 0);
        assoc_shutdown_progress(a, now);
        break;
    case MPSCTP_SHUTDOWN_RECEIVED:
        assoc_cum_ack(a, cum, now);
        assoc_shutdown_progress(a, now);
        break;
    case MPSCTP_SHUTDOWN_SENT:
        /* Both ends shut down at once: answer with SHUTDOWN ACK. */
        assoc_cum_ack(a, cum, now);
        assoc_set_state(a, MPSCTP_SHUTDOWN_ACK_SENT);
        assoc_t2_send(a, assoc_data_path(a), now);
        break;
    default:
        break;
    }
}

/* RFC 9260 s8.3: a HEARTBEAT (chunk c) from remote, path pi (-1: not a path of the
 * association) is answered with a HEARTBEAT ACK echoing its info, sent to the
 * HEARTBEAT's source address: through the path when remote is one, else in a packet of
 * its own from local to remote (an address the peer uses but has not listed, which is
 * no path of ours, still gets its answer there and not on the data path). */
static void recv_heartbeat(mpsctp_assoc *a, const sctp_tlv *c, int pi, const mpsctp_addr *local,
                           const mpsctp_addr *remote)
{
    if (c->vlen < 4 || c->vlen > 1024)
        return;
    uint8_t b[SCTP_COMMON_HDR_LEN + SCTP_CHUNK_HDR_LEN + 1024];
    wbuf w;
    wbuf_init(&w, b, sizeof(b));
    if (pi < 0)
        codec_common_encode(&w, a->ep->cfg.local_port, a->peer_port, a->peer_vtag);
    size_t off = codec_chunk_begin(&w, SCTP_HEARTBEAT_ACK, 0);
    wbuf_put(&w, c->value, c->vlen);
    codec_chunk_end(&w, off);
    if (w.err)
        return;
    if (pi >= 0)
        assoc_queue_reply(a, pi, b, w.len);
    else
        ep_reply(a->ep, b, w.len, local, remote);
}

/* Returns 1 when chunk type may be accepted with the tag in h (RFC 9260 s8.5.1). */
static int tag_ok(const mpsctp_assoc *a, const sctp_common *h, const sctp_tlv *c)
{
    if (h->vtag == a->my_vtag)
        return !(c->flags & SCTP_FLAG_T) || (c->type != SCTP_ABORT &&
                                            c->type != SCTP_SHUTDOWN_COMPLETE);
    if (c->type == SCTP_ABORT || c->type == SCTP_SHUTDOWN_COMPLETE)
        return (c->flags & SCTP_FLAG_T) && h->vtag == a->peer_vtag && a->peer_vtag != 0;
    return c->type == SCTP_COOKIE_ECHO || c->type == SCTP_INIT;
}

void assoc_recv_packet(mpsctp_assoc *a, const sctp_common *h, const uint8_t *chunks,
                       const uint8_t *end, const mpsctp_addr *local,
                       const mpsctp_addr *remote, mpsctp_tstamp now)
{
    mpsctp_endpoint *ep = a->ep;
    int pi = assoc_path_find(a, remote);
    int had_data = 0;
    a->packets_received++;
    if (pi >= 0 && a->paths[pi].local.family == 0)
        a->paths[pi].local = *local;
    /* RFC 6951 s5.4: the UDP source port of a packet that belongs to the association is
     * the encapsulation port of that address from now on (a NAT may have moved it). */
    if (pi >= 0 && h->vtag == a->my_vtag && a->my_vtag != 0 &&
        remote->udp_port != a->paths[pi].remote.udp_port)
        a->paths[pi].remote.udp_port = remote->udp_port;
    const uint8_t *p = chunks;
    while (p < end && a->state != MPSCTP_CLOSED) {
        sctp_tlv c;
        if (codec_chunk_decode(&p, end, &c))
            break;
        if (!tag_ok(a, h, &c)) {
            ep->stats.dropped_vtag++;
            break; /* s8.5: discard the rest of the packet */
        }
        switch (c.type) {
        case SCTP_IDATA: /* RFC 8260 s2.1 (assoc_recv_data tells the two apart) */
        case SCTP_DATA:
            if (a->state == MPSCTP_ESTABLISHED || a->state == MPSCTP_SHUTDOWN_PENDING ||
                a->state == MPSCTP_SHUTDOWN_SENT) {
                if (assoc_recv_data(a, &c, pi, now))
                    return;
                had_data = 1;
            }
            break;
        case SCTP_SACK:
        case SCTP_NR_SACK:
            if (c.type == SCTP_NR_SACK && !a->nr_sack) {
                /* Not negotiated: an unknown chunk type to this association, whose upper
                 * bits 00 say stop and discard (RFC 9260 s3.2). */
                p = end;
                break;
            }
            if (a->state >= MPSCTP_ESTABLISHED && assoc_recv_sack(a, &c, c.type == SCTP_NR_SACK, now))
                return;
            break;
        case SCTP_INIT:
            recv_init_existing(a, h, &c, local, remote, now);
            return;
        case SCTP_INIT_ACK:
            if (recv_init_ack(a, &c, remote, now))
                return;
            break;
        case SCTP_COOKIE_ECHO: {
            mpsctp_assoc *n = ep_cookie_echo(ep, a, h, &c, local, remote, now);
            if (n != a)
                return;
            break;
        }
        case SCTP_COOKIE_ACK:
            if (a->state == MPSCTP_COOKIE_ECHOED) {
                handshake_rtt(a, now);
                assoc_event(a, MPSCTP_EV_ASSOC_CHANGE, MPSCTP_COMM_UP, 0);
                established(a, now);
            }
            break;
        case SCTP_HEARTBEAT:
            recv_heartbeat(a, &c, pi, local, remote);
            break;
        case SCTP_HEARTBEAT_ACK: {
            const uint8_t *q = c.value, *qe = c.value + c.vlen;
            sctp_tlv info;
            if (!codec_param_decode(&q, qe, &info) && info.type == SCTP_P_HEARTBEAT_INFO)
                assoc_heartbeat_ack(a, info.value, info.vlen, now);
            break;
        }
        case SCTP_ABORT: {
            const uint8_t *q = c.value, *qe = c.value + c.vlen;
            sctp_tlv cause = {0};
            if (q < qe)
                codec_param_decode(&q, qe, &cause);
            int setup = a->state == MPSCTP_COOKIE_WAIT || a->state == MPSCTP_COOKIE_ECHOED;
            assoc_flush_ctrl(a);
            assoc_close(a, setup ? MPSCTP_CANT_STR_ASSOC : MPSCTP_COMM_LOST, cause.type);
            return;
        }
        case SCTP_SHUTDOWN:
            recv_shutdown(a, &c, now);
            break;
        case SCTP_SHUTDOWN_ACK:
            if (a->state == MPSCTP_SHUTDOWN_SENT || a->state == MPSCTP_SHUTDOWN_ACK_SENT) {
                /* s9.2: SHUTDOWN COMPLETE and close; s6.4: to where the SHUTDOWN ACK came
                 * from when that path is usable (the data path may be one that failed
                 * while no data used it), else to the data path (the peer's packets may
                 * reach us over a path ours cannot take). */
                queue_simple(a, assoc_reply_path(a, pi), SCTP_SHUTDOWN_COMPLETE, 0, 0, 0);
                assoc_close(a, MPSCTP_SHUTDOWN_COMP, 0);
                return;
            }
            if (a->state == MPSCTP_COOKIE_WAIT || a->state == MPSCTP_COOKIE_ECHOED) {
                /* s8.5.1 E: treat as out of the blue. */
                ep_shutdown_complete_t(ep, h, local, remote);
                return;
            }
            break;
        case SCTP_SHUTDOWN_COMPLETE:
            if (a->state == MPSCTP_SHUTDOWN_ACK_SENT) {
                assoc_close(a, MPSCTP_SHUTDOWN_COMP, 0);
                return;
            }
            break;
        case SCTP_ERROR:
            if (recv_error(a, &c, now))
                return;
            break;
        case SCTP_ECNE:
        case SCTP_CWR:
            break; /* ECN is not offered, so these are never expected; ignore */
        /* SCTP_I_FORWARD_TSN (RFC 8260 s2.3) is never negotiated here: it takes the
         * unknown-chunk path below, which for type 0xC2 means skip it and report it as
         * unrecognized (RFC 9260 s3.2). Its handler goes here. */
        case SCTP_RECONFIG:
            if (!a->reconf_ok)
                goto unknown_chunk; /* not negotiated: unknown to this association */
            reconf_recv(a, &c, pi, now);
            if (a->state == MPSCTP_CLOSED)
                return;
            break;
        case SCTP_FORWARD_TSN:
            /* RFC 3758 s3.6; not negotiated, it is an unknown chunk type to this
             * association (upper bits 11: skip and report, RFC 9260 s3.2). */
            if (!a->pr.on)
                goto unknown_chunk;
            if (a->state == MPSCTP_ESTABLISHED || a->state == MPSCTP_SHUTDOWN_PENDING ||
                a->state == MPSCTP_SHUTDOWN_SENT) {
                if (prsctp_recv_fwdtsn(a, &c, pi, now))
                    return;
            }
            break;
        unknown_chunk:
        default: {
            /* RFC 9260 s3.2: unknown chunk type, by its upper two bits. */
            int act = codec_unknown_chunk_action((uint8_t)c.type);
            if (act == CODEC_UNK_STOP_REPORT || act == CODEC_UNK_SKIP_REPORT) {
                uint8_t b[300];
                wbuf w;
                wbuf_init(&w, b, sizeof(b));
                assoc_put_unrecognized(&w, &c);
                if (!w.err)
                    assoc_queue_reply(a, assoc_reply_path(a, pi), b, w.len);
            }
            if (act == CODEC_UNK_STOP || act == CODEC_UNK_STOP_REPORT)
                p = end;
            break;
        }
        }
    }
    if (a->state == MPSCTP_CLOSED)
        return;
    if (had_data) {
        if (a->state == MPSCTP_SHUTDOWN_SENT) {
            /* s9.2: answer DATA in SHUTDOWN-SENT with SHUTDOWN (and a SACK), restart T2. */
            assoc_t2_send(a, assoc_data_path(a), now);
            a->sack_due = 1;
        }
        if (a->rc)
            reconf_rx_progress(a, now); /* RFC 6525 s5.2.2 E2: a deferred reset */
        assoc_data_packet_done(a, now);
    }
    if (a->state == MPSCTP_SHUTDOWN_PENDING || a->state == MPSCTP_SHUTDOWN_RECEIVED)
        assoc_shutdown_progress(a, now);
}
