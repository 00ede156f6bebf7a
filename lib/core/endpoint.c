/* Endpoint: demultiplexing by ports and verification tag (RFC 9260 s8.5, s8.5.1), INIT
 * handling without state (s5.1), COOKIE ECHO (s5.1 D, s5.2.4), out-of-the-blue packets
 * (s8.4), the event queue and the output round robin over associations. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "assoc.h"
#include "sha256.h"

/* ---- small public helpers ---------------------------------------------------------- */

void mpsctp_settings_default(mpsctp_settings *s)
{
    memset(s, 0, sizeof(*s));
    s->num_ostreams = 10;
    s->max_instreams = 65535;
    s->mtu = 1480;
    s->sndbuf = 1u << 20;
    s->rcvbuf = 1u << 20;
    s->rto_initial_ms = 1000;
    s->rto_min_ms = 1000;
    s->rto_max_ms = 60000;
    s->max_init_retrans = 8;
    s->assoc_max_retrans = 10;
    s->path_max_retrans = 5;
    s->pf_max_retrans = 65535; /* RFC 7829: PF off unless asked for */
    s->max_assocs = 1024;
    s->hb_interval_ms = 30000;
    s->valid_cookie_life_ms = 60000;
    s->secret_life_ms = 3600000;
    s->sack_delay_ms = 200;
    s->sack_freq = 2;
    s->max_burst = 4;
    s->pd_point = 0;
    s->cmt = MPSCTP_CMT_OFF;
    s->cmt_bufsplit = MPSCTP_BUFSPLIT_SENDER | MPSCTP_BUFSPLIT_RECEIVER;
    s->cmt_rtx_policy = MPSCTP_RTX_CWND;
    s->sack_path = MPSCTP_SACK_PATH_DATA;
    s->nr_sack = 1;
    s->cmt_dac = 1;
    s->loss_recovery = MPSCTP_LOSSREC_ALL;
    s->stream_sched = MPSCTP_SS_RR;
    s->reconf = 1;
    s->reconf_enable = 0;
    s->pr_sctp = 1;
}

/* Returns 1 for the reconfiguration events (a peer can provoke them without bound). */
static int ep_event_reconf(const mpsctp_event *ev)
{
    return ev->type == MPSCTP_EV_STREAM_RESET || ev->type == MPSCTP_EV_ASSOC_RESET ||
           ev->type == MPSCTP_EV_STREAM_CHANGE;
}

const char *mpsctp_strerror(int err)
{
    switch (err) {
    case MPSCTP_OK: return "success";
    case MPSCTP_ERR_INVAL: return "invalid argument";
    case MPSCTP_ERR_NOMEM: return "out of memory";
    case MPSCTP_ERR_WOULDBLOCK: return "operation would block";
    case MPSCTP_ERR_STATE: return "not allowed in this association state";
    case MPSCTP_ERR_MSGSIZE: return "message size out of range";
    case MPSCTP_ERR_NOBUFS: return "buffer too small";
    case MPSCTP_ERR_MALFORMED: return "malformed packet";
    case MPSCTP_ERR_NOENT: return "no such object";
    case MPSCTP_ERR_CHECKSUM: return "bad checksum";
    case MPSCTP_ERR_NOT_OURS: return "packet belongs to no association";
    case MPSCTP_ERR_CLOSED: return "association closed";
    case MPSCTP_ERR_STREAM: return "invalid stream";
    case MPSCTP_ERR_INPROGRESS: return "reconfiguration request outstanding";
    case MPSCTP_ERR_NOTSUP: return "not negotiated with the peer";
    default: return "unknown error";
    }
}

const char *mpsctp_state_name(mpsctp_state s)
{
    static const char *const n[] = {"CLOSED", "COOKIE-WAIT", "COOKIE-ECHOED", "ESTABLISHED",
                                    "SHUTDOWN-PENDING", "SHUTDOWN-SENT", "SHUTDOWN-RECEIVED",
                                    "SHUTDOWN-ACK-SENT"};
    return (unsigned)s < sizeof(n) / sizeof(n[0]) ? n[s] : "?";
}

void mpsctp_addr_v4(mpsctp_addr *a, uint32_t ip, uint16_t udp_port)
{
    memset(a, 0, sizeof(*a));
    a->family = MPSCTP_AF_INET;
    a->udp_port = udp_port;
    put32(a->ip, ip);
}

int mpsctp_addr_equal(const mpsctp_addr *a, const mpsctp_addr *b)
{
    if (a->family != b->family || a->udp_port != b->udp_port)
        return 0;
    return memcmp(a->ip, b->ip, a->family == MPSCTP_AF_INET ? 4 : 16) == 0;
}

/* ---- endpoint services ------------------------------------------------------------ */

void ep_random(mpsctp_endpoint *ep, void *buf, size_t n)
{
    ep->cb.random(ep->cb.user, buf, n);
}

uint32_t ep_random32(mpsctp_endpoint *ep)
{
    uint32_t v = 0;
    while (v == 0)
        ep_random(ep, &v, sizeof(v));
    return v;
}

int ep_hmac(mpsctp_endpoint *ep, uint8_t gen, const uint8_t *msg, size_t len, uint8_t out[32])
{
    if (gen != ep->secret_gen && !(ep->secret_prev_valid && gen == (uint8_t)(ep->secret_gen - 1)))
        return -1;
    const uint8_t *key = ep->secret[gen & 1];
    if (ep->cb.hmac_sha256)
        ep->cb.hmac_sha256(ep->cb.user, key, MPSCTP_SECRET_LEN, msg, len, out);
    else
        hmac_sha256(key, MPSCTP_SECRET_LEN, msg, len, out);
    return 0;
}

void ep_secret_maybe_rotate(mpsctp_endpoint *ep, mpsctp_tstamp now)
{
    if (ep->secret_since == 0) {
        ep->secret_since = now ? now : 1;
        return;
    }
    /* A secret signs for at least a cookie's lifetime, so that a cookie is never
     * rejected for its key while it is still fresh: it was made with the current or the
     * previous secret. */
    uint64_t life = ep->cfg.secret_life_ms > ep->cfg.valid_cookie_life_ms
                        ? ep->cfg.secret_life_ms
                        : ep->cfg.valid_cookie_life_ms;
    if (elapsed(now, ep->secret_since) < life * NS_PER_MS)
        return;
    ep->secret_gen++;
    ep_random(ep, ep->secret[ep->secret_gen & 1], MPSCTP_SECRET_LEN);
    ep->secret_prev_valid = 1;
    ep->secret_since = now;
}

void ep_log(mpsctp_endpoint *ep, int level, const char *fmt, ...)
{
    if (!ep->cb.log)
        return;
    char buf[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof(buf), fmt, ap);
    va_end(ap);
    ep->cb.log(ep->cb.user, level, buf);
}

void ep_event(mpsctp_endpoint *ep, const mpsctp_event *ev)
{
    /* A peer can send ERROR chunks faster than the application reads: past the bound
     * their reports are dropped (counted). Events that change state (association and
     * path changes, send failures, shutdown, sender dry) are always kept. */
    if ((ev->type == MPSCTP_EV_REMOTE_ERROR || ep_event_reconf(ev)) &&
        ep->ev_count >= MPSCTP_EVENT_QUEUE_MAX) {
        ep->stats.events_dropped++;
        return;
    }
    if (ep->ev_count == ep->ev_cap) {
        uint32_t ncap = ep->ev_cap ? 2 * ep->ev_cap : 16;
        mpsctp_event *n = malloc(ncap * sizeof(*n));
        if (!n)
            return;
        for (uint32_t i = 0; i < ep->ev_count; i++)
            n[i] = ep->evq[(ep->ev_head + i) % ep->ev_cap];
        free(ep->evq);
        ep->evq = n;
        ep->ev_cap = ncap;
        ep->ev_head = 0;
    }
    mpsctp_event *q = &ep->evq[(ep->ev_head + ep->ev_count) % ep->ev_cap];
    *q = *ev;
    if (ev->streams && ev->nstreams) {
        /* The queue owns a copy of a stream list (at most the association's streams). */
        uint16_t *l = malloc((size_t)ev->nstreams * sizeof(*l));
        if (!l)
            return;
        memcpy(l, ev->streams, (size_t)ev->nstreams * sizeof(*l));
        q->streams = l;
    } else {
        q->streams = NULL;
    }
    ep->ev_count++;
}

int mpsctp_endpoint_next_event(mpsctp_endpoint *ep, mpsctp_event *ev)
{
    /* The stream list of the event handed out before lives until now. */
    free(ep->ev_list_out);
    ep->ev_list_out = NULL;
    if (!ep->ev_count)
        return 0;
    *ev = ep->evq[ep->ev_head];
    ep->ev_list_out = (uint16_t *)ev->streams;
    ep->ev_head = (ep->ev_head + 1) % ep->ev_cap;
    ep->ev_count--;
    return 1;
}

/* Queues a packet for sending outside associations; bounded: within
 * MPSCTP_REPLY_QUEUE_MAX bytes, else dropped (counted). */
static int reply_push(mpsctp_endpoint *ep, const uint8_t *pkt, size_t len,
                      const mpsctp_addr *local, const mpsctp_addr *remote, int bounded)
{
    if (bounded && ep->reply_bytes + len > MPSCTP_REPLY_QUEUE_MAX) {
        ep->stats.replies_dropped++;
        return MPSCTP_ERR_NOBUFS;
    }
    reply_pkt *r = malloc(sizeof(*r) + len);
    if (!r)
        return MPSCTP_ERR_NOMEM;
    r->next = NULL;
    r->local = *local;
    r->remote = *remote;
    r->len = len;
    memcpy(r->data, pkt, len);
    if (ep->replies_tail)
        ep->replies_tail->next = r;
    else
        ep->replies = r;
    ep->replies_tail = r;
    ep->reply_bytes += len;
    return 0;
}

int ep_reply(mpsctp_endpoint *ep, const uint8_t *pkt, size_t len, const mpsctp_addr *local,
             const mpsctp_addr *remote)
{
    /* Replies to INITs and out-of-the-blue packets: a peer can provoke them faster than
     * they drain, so they are held to MPSCTP_REPLY_QUEUE_MAX bytes; the peer retries. */
    return reply_push(ep, pkt, len, local, remote, 1);
}

/* Queues a packet holding one ABORT chunk with an optional error cause. */
void ep_send_abort(mpsctp_endpoint *ep, uint16_t sport, uint16_t dport, uint32_t vtag,
                   int tbit, uint16_t cause, const uint8_t *v, size_t vlen,
                   const mpsctp_addr *local, const mpsctp_addr *remote)
{
    uint8_t b[512];
    wbuf w;
    wbuf_init(&w, b, sizeof(b));
    codec_common_encode(&w, sport, dport, vtag);
    size_t off = codec_chunk_begin(&w, SCTP_ABORT, tbit ? SCTP_FLAG_T : 0);
    if (cause) {
        if (vlen > 400)
            vlen = 400;
        codec_param_put(&w, cause, v, vlen);
    }
    codec_chunk_end(&w, off);
    if (!w.err)
        ep_reply(ep, b, w.len, local, remote);
}

void ep_shutdown_complete_t(mpsctp_endpoint *ep, const sctp_common *h,
                            const mpsctp_addr *local, const mpsctp_addr *remote)
{
    uint8_t b[16];
    wbuf w;
    wbuf_init(&w, b, sizeof(b));
    codec_common_encode(&w, h->dport, h->sport, h->vtag);
    codec_empty_chunk(&w, SCTP_SHUTDOWN_COMPLETE, SCTP_FLAG_T);
    ep_reply(ep, b, w.len, local, remote);
}

void ep_put_addrs(const mpsctp_endpoint *ep, wbuf *w, const mpsctp_addr *dest)
{
    uint32_t n = 0;
    for (uint32_t i = 0; i < ep->naddrs; i++)
        n += (uint32_t)addr_usable_with(&ep->addrs[i], dest);
    /* A single address needs no list: the packet's source tells it (s5.1.2). */
    for (uint32_t i = 0; n > 1 && i < ep->naddrs; i++) {
        const mpsctp_addr *la = &ep->addrs[i];
        if (!addr_usable_with(la, dest))
            continue;
        if (la->family == MPSCTP_AF_INET)
            codec_param_put(w, SCTP_P_IPV4, la->ip, 4);
        else
            codec_param_put(w, SCTP_P_IPV6, la->ip, 16);
    }
}

void ep_put_extensions(const mpsctp_settings *cfg, wbuf *w)
{
    /* RFC 5061 s4.2.7: Supported Extensions lists the chunk types we understand beyond
     * RFC 9260: NR-SACK (draft-tuexen-tsvwg-sctp-multipath), FORWARD TSN (RFC 3758, listed
     * there too as usrsctp does), RE-CONFIG (RFC 6525), I-DATA (RFC 8260 s2.2). */
    uint8_t types[4];
    size_t n = 0;
    if (cfg->nr_sack)
        types[n++] = SCTP_NR_SACK;
    if (cfg->pr_sctp)
        types[n++] = SCTP_FORWARD_TSN;
    if (cfg->reconf)
        types[n++] = SCTP_RECONFIG;
    if (cfg->idata)
        types[n++] = SCTP_IDATA;
    if (n)
        codec_param_put(w, SCTP_P_SUPPORTED_EXTENSIONS, types, n);
    prsctp_put_param(cfg, w); /* RFC 3758 s3.1: Forward-TSN-Supported */
}

int ep_init_lists_chunk(const sctp_init *in, uint8_t type)
{
    const uint8_t *p = in->params, *end = in->params + in->plen;
    sctp_tlv t;
    while (p < end && !codec_param_decode(&p, end, &t)) {
        if (t.type != SCTP_P_SUPPORTED_EXTENSIONS)
            continue;
        for (size_t i = 0; i < t.vlen; i++)
            if (t.value[i] == type)
                return 1;
    }
    return 0;
}

uint32_t ep_init_addrs(const sctp_init *in, const mpsctp_addr *src, mpsctp_addr *out,
                       uint32_t cap)
{
    uint32_t n = 0;
    const uint8_t *p = in->params, *end = in->params + in->plen;
    sctp_tlv t;
    while (p < end && n < cap && !codec_param_decode(&p, end, &t)) {
        mpsctp_addr a;
        memset(&a, 0, sizeof(a));
        if (t.type == SCTP_P_IPV4 && t.vlen == 4)
            a.family = MPSCTP_AF_INET;
        else if (t.type == SCTP_P_IPV6 && t.vlen == 16)
            a.family = MPSCTP_AF_INET6;
        else
            continue;
        memcpy(a.ip, t.value, t.vlen);
        /* RFC 6951 s5: the encapsulation port is the one the packet came from. */
        a.udp_port = src->udp_port;
        /* RFC 9260 s5.1.2: addresses out of the source's scope are not used. */
        if (addr_same_ip(&a, src) || !addr_usable_with(&a, src))
            continue;
        int dup = 0;
        for (uint32_t i = 0; i < n && !dup; i++)
            dup = addr_same_ip(&out[i], &a);
        if (!dup)
            out[n++] = a;
    }
    return n;
}

/* ---- endpoint lifecycle ------------------------------------------------------------ */

int ep_settings_apply(mpsctp_endpoint *ep, const mpsctp_settings *s)
{
    if (s->local_port == 0 || s->sndbuf < 4096 || s->rcvbuf < 4096 || s->mtu < 508 ||
        s->num_ostreams == 0 || s->max_instreams == 0 || s->rto_min_ms == 0 ||
        s->rto_min_ms > s->rto_max_ms || s->sack_freq == 0 || s->cmt > MPSCTP_CMT_MAX ||
        (s->cmt_bufsplit & ~(MPSCTP_BUFSPLIT_SENDER | MPSCTP_BUFSPLIT_RECEIVER)) ||
        s->cmt_rtx_policy > MPSCTP_RTX_SSTHRESH || s->sack_path > MPSCTP_SACK_PATH_MIN_RTT ||
        s->nr_sack > 1 || s->idata > 1 || s->pr_sctp > 1 ||
        s->path_select > MPSCTP_PATHSEL_STREAM ||
        s->cmt_dac > 1 || (s->loss_recovery & ~MPSCTP_LOSSREC_ALL) ||
        s->stream_sched > MPSCTP_SS_MAX || s->reconf > 1 ||
        (s->reconf_enable & ~MPSCTP_RECONF_ENABLE_MASK))
        return MPSCTP_ERR_INVAL;
    ep->cfg = *s;
    if (ep->cfg.secret_life_ms == 0)
        ep->cfg.secret_life_ms = 3600000;
    if (ep->cfg.pd_point == 0 || ep->cfg.pd_point > ep->cfg.rcvbuf)
        ep->cfg.pd_point = ep->cfg.rcvbuf / 4;
    if (ep->cfg.rto_initial_ms < ep->cfg.rto_min_ms)
        ep->cfg.rto_initial_ms = ep->cfg.rto_min_ms;
    if (ep->cfg.rto_initial_ms > ep->cfg.rto_max_ms)
        ep->cfg.rto_initial_ms = ep->cfg.rto_max_ms;
    if (ep->cfg.max_burst == 0)
        ep->cfg.max_burst = 4;
    return 0;
}

mpsctp_endpoint *mpsctp_endpoint_new(const mpsctp_settings *s, const mpsctp_callbacks *cb)
{
    if (!s || !cb || !cb->random)
        return NULL;
    mpsctp_endpoint *ep = calloc(1, sizeof(*ep));
    if (!ep)
        return NULL;
    if (ep_settings_apply(ep, s)) {
        free(ep);
        return NULL;
    }
    ep->cb = *cb;
    ep->crc = crc32c_select();
    ep->next_id = 1;
    ep_random(ep, ep->secret[0], MPSCTP_SECRET_LEN);
    /* The index key comes from the first secret and stays when the secret changes. */
    assoc_index_init(&ep->index, ep->secret[0], MPSCTP_SECRET_LEN);
    return ep;
}

static void assoc_destroy(mpsctp_assoc *a);
static void ep_index_remove(mpsctp_assoc *a);

void mpsctp_endpoint_free(mpsctp_endpoint *ep)
{
    if (!ep)
        return;
    while (ep->assocs) {
        mpsctp_assoc *a = ep->assocs;
        ep->assocs = a->next;
        assoc_destroy(a);
    }
    for (reply_pkt *r = ep->replies, *n; r; r = n) {
        n = r->next;
        free(r);
    }
    assoc_index_free(&ep->index);
    timerheap_free(&ep->timers);
    pool_drain(&ep->pool);
    for (uint32_t i = 0; i < ep->ev_count; i++)
        free((void *)ep->evq[(ep->ev_head + i) % ep->ev_cap].streams);
    free(ep->ev_list_out);
    free(ep->evq);
    free(ep);
}

int mpsctp_endpoint_add_addr(mpsctp_endpoint *ep, const mpsctp_addr *a)
{
    if (!a || (a->family != MPSCTP_AF_INET && a->family != MPSCTP_AF_INET6))
        return MPSCTP_ERR_INVAL;
    if (ep->naddrs == MPSCTP_MAX_LOCAL_ADDRS)
        return MPSCTP_ERR_NOMEM;
    ep->addrs[ep->naddrs++] = *a;
    return 0;
}

int mpsctp_endpoint_listen(mpsctp_endpoint *ep, int enable)
{
    ep->listening = enable != 0;
    return 0;
}

void mpsctp_endpoint_stats_get(const mpsctp_endpoint *ep, mpsctp_endpoint_stats *st)
{
    *st = ep->stats;
}

/* Frees an association's memory (already unlinked). */
static void assoc_destroy(mpsctp_assoc *a)
{
    assoc_drop_send_state(a, 0);
    sendq_free(&a->sq);
    rtxq_free(&a->rq);
    prsctp_free(a);
    if (a->rx_ready) {
        idata_free(&a->ids, &a->ra);
        tsnmap_free(&a->map);
        reasm_free(&a->ra);
    }
    assoc_flush_ctrl(a);
    free(a->init_chunk);
    free(a->cookie);
    free(a->paths);
    free(a->cc);
    free(a->burst);
    reconf_free(a);
    free(a);
}

void mpsctp_assoc_free(mpsctp_assoc *a)
{
    if (!a)
        return;
    mpsctp_endpoint *ep = a->ep;
    if (a->state != MPSCTP_CLOSED)
        mpsctp_assoc_abort(a, 0);
    /* What is still queued (the ABORT just made, or a last SHUTDOWN COMPLETE) goes out
     * as endpoint packets: the association's memory goes away below. */
    if (a->ctrl_head) {
        uint8_t *buf = malloc(a->cfg.mtu);
        mpsctp_addr l, r;
        size_t n;
        while (buf && (n = assoc_output(a, buf, a->cfg.mtu, &l, &r, 0)) > 0)
            reply_push(ep, buf, n, &l, &r, 0); /* the association's last word: kept */
        free(buf);
    }
    ep_index_remove(a);
    if (a->prev)
        a->prev->next = a->next;
    else
        ep->assocs = a->next;
    if (a->next)
        a->next->prev = a->prev;
    ep->nassocs--;
    ep_sched_remove(a);
    if (ep->last_found == a)
        ep->last_found = NULL;
    /* Events still queued must not point at freed memory. */
    for (uint32_t i = 0; i < ep->ev_count; i++) {
        mpsctp_event *ev = &ep->evq[(ep->ev_head + i) % ep->ev_cap];
        if (ev->assoc == a)
            ev->assoc = NULL;
    }
    assoc_destroy(a);
}

static mpsctp_assoc *find_by_addr(mpsctp_endpoint *ep, const mpsctp_addr *remote,
                                  uint16_t peer_port);

int mpsctp_endpoint_connect(mpsctp_endpoint *ep, const mpsctp_addr *remotes, size_t n,
                            uint16_t peer_port, mpsctp_tstamp now, mpsctp_assoc **out)
{
    if (!remotes || n == 0 || n > MPSCTP_MAX_PATHS || peer_port == 0 || !out)
        return MPSCTP_ERR_INVAL;
    for (size_t i = 0; i < n; i++)
        if (remotes[i].family != MPSCTP_AF_INET && remotes[i].family != MPSCTP_AF_INET6)
            return MPSCTP_ERR_INVAL;
    /* RFC 9260 s1.5.2: at most one association between two endpoints; a second one to a
     * peer we have one with would meet the first at the peer (a restart). */
    for (size_t i = 0; i < n; i++)
        if (find_by_addr(ep, &remotes[i], peer_port))
            return MPSCTP_ERR_STATE;
    mpsctp_assoc *a = assoc_new(ep, &remotes[0], peer_port);
    if (!a)
        return MPSCTP_ERR_NOMEM;
    /* RFC 9260 s5.4 rule 1: the addresses the user gave are confirmed. */
    for (size_t i = 1; i < n; i++)
        assoc_add_path(a, &remotes[i], 1);
    for (uint32_t i = 0; i < a->npaths; i++)
        a->paths[i].confirmed = 1;
    a->my_vtag = ep_random32(ep);
    a->my_itsn = ep_random32(ep);
    int e = assoc_send_init(a, now);
    if (e) {
        mpsctp_assoc_free(a);
        return e;
    }
    ep_assoc_handled(a);
    *out = a;
    return 0;
}

/* ---- demultiplexing --------------------------------------------------------------- */

/* The index is an accelerator only: every lookup checks the association's fields
 * again, so an entry that is out of date can hide an association but never pick a
 * wrong one (ep_index_verify finds such entries in tests). */

/* Returns 1 when path pi of a is filed under an address (confirmed, a real path). */
static int path_indexed(const mpsctp_assoc *a, uint32_t pi)
{
    return pi < a->npaths && a->paths[pi].confirmed;
}

/* Files link l of a under tag (our tag or the peer's, by kind), or takes it out when
 * want is 0. Costs two comparisons when nothing changed (every packet). */
static void index_tag(mpsctp_assoc *a, aidx_link *l, uint8_t kind, uint32_t tag, int want)
{
    assoc_index *x = &a->ep->index;
    if (!want) {
        assoc_index_del(x, l);
        return;
    }
    if (assoc_index_filed(l) && l->key.tag == tag && l->key.port == a->peer_port)
        return;
    aidx_key k;
    assoc_index_tag_key(&k, kind, tag, a->peer_port);
    assoc_index_put(x, l, a, &k);
}

void ep_index_assoc(mpsctp_assoc *a)
{
    assoc_index *x = &a->ep->index;
    int open = a->state != MPSCTP_CLOSED;
    index_tag(a, &a->ix_tag, AIDX_TAG, a->my_vtag, open && a->my_vtag);
    index_tag(a, &a->ix_ptag, AIDX_PEER_TAG, a->peer_vtag, open && a->peer_vtag);
    uint32_t i = 0;
    for (; i < a->npaths && i < MPSCTP_MAX_PATHS; i++) {
        aidx_link *l = &a->ix_addr[i];
        const mpsctp_addr *r = &a->paths[i].remote;
        if (!open || !a->paths[i].confirmed) {
            if (assoc_index_filed(l))
                assoc_index_del(x, l);
        } else if (!assoc_index_filed(l) || l->key.port != a->peer_port ||
                   l->key.family != r->family ||
                   memcmp(l->key.ip, r->ip, r->family == MPSCTP_AF_INET ? 4 : 16)) {
            aidx_key k;
            assoc_index_addr_key(&k, r, a->peer_port);
            assoc_index_put(x, l, a, &k);
        }
    }
    /* Paths beyond npaths (the table was replaced by a shorter one) leave. */
    for (; i < a->ix_addr_top; i++)
        if (assoc_index_filed(&a->ix_addr[i]))
            assoc_index_del(x, &a->ix_addr[i]);
    a->ix_addr_top = (uint8_t)(a->npaths < MPSCTP_MAX_PATHS ? a->npaths : MPSCTP_MAX_PATHS);
}

/* Takes every index entry of a out (it is being freed). */
static void ep_index_remove(mpsctp_assoc *a)
{
    assoc_index *x = &a->ep->index;
    assoc_index_del(x, &a->ix_tag);
    assoc_index_del(x, &a->ix_ptag);
    for (uint32_t i = 0; i < MPSCTP_MAX_PATHS; i++)
        assoc_index_del(x, &a->ix_addr[i]);
}

/* RFC 9260 s8.5: the association whose tag the packet carries. */
static mpsctp_assoc *find_by_vtag(mpsctp_endpoint *ep, uint32_t vtag, uint16_t peer_port)
{
    /* Packets come in runs for one association (and a client has only one): the last
     * one found is tried first. */
    mpsctp_assoc *a = ep->last_found;
    if (a && a->state != MPSCTP_CLOSED && a->my_vtag == vtag && a->peer_port == peer_port)
        return a;
    aidx_key k;
    assoc_index_tag_key(&k, AIDX_TAG, vtag, peer_port);
    for (aidx_link *l = NULL; (l = assoc_index_next(&ep->index, &k, l));) {
        a = l->owner;
        if (a->state != MPSCTP_CLOSED && a->my_vtag == vtag && a->peer_port == peer_port) {
            ep->last_found = a;
            return a;
        }
    }
    return NULL;
}

static mpsctp_assoc *find_by_addr(mpsctp_endpoint *ep, const mpsctp_addr *remote,
                                  uint16_t peer_port)
{
    /* Only confirmed addresses identify an association: a peer could list somebody
     * else's address in its INIT (RFC 9260 s5.4). */
    aidx_key k;
    assoc_index_addr_key(&k, remote, peer_port);
    for (aidx_link *l = NULL; (l = assoc_index_next(&ep->index, &k, l));) {
        mpsctp_assoc *a = l->owner;
        if (a->state == MPSCTP_CLOSED || a->peer_port != peer_port)
            continue;
        int pi = assoc_path_find(a, remote);
        if (pi >= 0 && a->paths[pi].confirmed)
            return a;
    }
    return NULL;
}

/* Returns 1 when link l is filed under key k where lookups find it. */
static int filed_under(const assoc_index *x, const aidx_link *l, const mpsctp_assoc *a,
                       const aidx_key *k)
{
    if (!assoc_index_filed(l) || l->owner != a)
        return 0;
    for (const aidx_link *f = NULL; (f = assoc_index_next(x, k, f));)
        if (f == l)
            return 1;
    return 0;
}

int ep_index_verify(const mpsctp_endpoint *ep)
{
    const assoc_index *x = &ep->index;
    uint32_t filed = 0, n = 0;
    for (const mpsctp_assoc *a = ep->assocs; a; a = a->next) {
        const aidx_link *links[2 + MPSCTP_MAX_PATHS] = {&a->ix_tag, &a->ix_ptag};
        for (uint32_t i = 0; i < MPSCTP_MAX_PATHS; i++)
            links[2 + i] = &a->ix_addr[i];
        for (uint32_t i = 0; i < 2 + MPSCTP_MAX_PATHS; i++)
            filed += (uint32_t)assoc_index_filed(links[i]);
        if (n++ > ep->nassocs)
            return -1;
        /* A closed association may keep entries until it is indexed again: lookups
         * skip it. */
        if (a->state == MPSCTP_CLOSED)
            continue;
        aidx_key k;
        assoc_index_tag_key(&k, AIDX_TAG, a->my_vtag, a->peer_port);
        if ((a->my_vtag != 0) != (assoc_index_filed(&a->ix_tag) != 0) ||
            (a->my_vtag && !filed_under(x, &a->ix_tag, a, &k)))
            return -1;
        assoc_index_tag_key(&k, AIDX_PEER_TAG, a->peer_vtag, a->peer_port);
        if ((a->peer_vtag != 0) != (assoc_index_filed(&a->ix_ptag) != 0) ||
            (a->peer_vtag && !filed_under(x, &a->ix_ptag, a, &k)))
            return -1;
        for (uint32_t i = 0; i < MPSCTP_MAX_PATHS; i++) {
            int want = path_indexed(a, i);
            if (want != assoc_index_filed(&a->ix_addr[i]))
                return -1;
            if (!want)
                continue;
            assoc_index_addr_key(&k, &a->paths[i].remote, a->peer_port);
            if (!filed_under(x, &a->ix_addr[i], a, &k))
                return -1;
        }
    }
    return n == ep->nassocs && filed == x->n ? 0 : -1;
}

uint16_t ep_check_init_params(const sctp_init *in, wbuf *rep, sctp_tlv *bad,
                              sctp_tlv *cookie)
{
    const uint8_t *p = in->params, *end = in->params + in->plen;
    while (p < end) {
        sctp_tlv t;
        if (codec_param_decode(&p, end, &t))
            return SCTP_CAUSE_PROTOCOL_VIOLATION;
        switch (t.type) {
        case SCTP_P_IPV4:
            if (t.vlen != 4) {
                *bad = t;
                return SCTP_CAUSE_INVALID_PARAM;
            }
            break;
        case SCTP_P_IPV6:
            if (t.vlen != 16) {
                *bad = t;
                return SCTP_CAUSE_INVALID_PARAM;
            }
            break;
        case SCTP_P_HOST_NAME:
            /* RFC 9260 s3.3.2.1: host name addresses are not supported: abort with
             * Unresolvable Address carrying the parameter. */
            *bad = t;
            return SCTP_CAUSE_UNRESOLVABLE_ADDR;
        case SCTP_P_STATE_COOKIE:
            if (cookie)
                *cookie = t;
            break;
        case SCTP_P_COOKIE_PRESERVATIVE:
        case SCTP_P_SUPPORTED_ADDR_TYPES:
        case SCTP_P_ECN_CAPABLE:
        case SCTP_P_FORWARD_TSN_SUPPORTED:
        case SCTP_P_SUPPORTED_EXTENSIONS:
            break; /* understood; nothing to negotiate yet */
        default: {
            int act = codec_unknown_param_action(t.type);
            if (act == CODEC_UNK_STOP_REPORT || act == CODEC_UNK_SKIP_REPORT)
                codec_param_put(rep, SCTP_P_UNRECOGNIZED, t.value - 4, t.len);
            if (act == CODEC_UNK_STOP || act == CODEC_UNK_STOP_REPORT)
                return 0;
        }
        }
    }
    return 0;
}

int ep_answer_init(mpsctp_endpoint *ep, const sctp_common *h, const sctp_tlv *c,
                   const mpsctp_addr *local, const mpsctp_addr *remote, uint32_t my_vtag,
                   uint32_t my_itsn, uint32_t tie_local, uint32_t tie_peer,
                   mpsctp_tstamp now)
{
    sctp_init in;
    if (codec_init_decode(c, &in))
        return -1;
    /* RFC 9260 s3.3.2: Initiate Tag 0: silently discard. */
    if (in.init_tag == 0)
        return -1;
    if (in.os == 0 || in.mis == 0) {
        ep_send_abort(ep, h->dport, h->sport, in.init_tag, 0, SCTP_CAUSE_INVALID_PARAM, NULL,
                      0, local, remote);
        return -1;
    }
    uint8_t repbuf[512];
    wbuf rep;
    wbuf_init(&rep, repbuf, sizeof(repbuf));
    sctp_tlv bad = {0};
    uint16_t cause = ep_check_init_params(&in, &rep, &bad, NULL);
    if (cause) {
        ep_send_abort(ep, h->dport, h->sport, in.init_tag, 0, cause,
                      bad.value ? bad.value - 4 : NULL, bad.value ? bad.len : 0, local, remote);
        return -1;
    }
    cookie_data cd = {
        .created = now,
        .lifetime_ms = ep->cfg.valid_cookie_life_ms,
        .my_vtag = my_vtag,
        .peer_vtag = in.init_tag,
        .tie_local = tie_local,
        .tie_peer = tie_peer,
        .my_itsn = my_itsn,
        .peer_itsn = in.init_tsn,
        .peer_rwnd = in.a_rwnd,
        /* RFC 9260 s5.1.1: outbound = min(our wish, peer's MIS); inbound = min(peer's OS,
         * our maximum). */
        .os = ep->cfg.num_ostreams < in.mis ? ep->cfg.num_ostreams : in.mis,
        .is = in.os < ep->cfg.max_instreams ? in.os : ep->cfg.max_instreams,
        .my_port = h->dport,
        .peer_port = h->sport,
        .local = *local,
        .remote = *remote,
    };
    cd.naddrs = ep_init_addrs(&in, remote, cd.addrs, MPSCTP_MAX_PATHS - 1);
    cd.nr_sack = ep->cfg.nr_sack && ep_init_lists_chunk(&in, SCTP_NR_SACK);
    cd.reconf = ep->cfg.reconf && ep_init_lists_chunk(&in, SCTP_RECONFIG);
    cd.idata = ep->cfg.idata && ep_init_lists_chunk(&in, SCTP_IDATA);
    cd.pr_sctp = (uint8_t)prsctp_negotiated(&ep->cfg, &in);
    ep_secret_maybe_rotate(ep, now);
    uint8_t b[1500];
    wbuf w;
    wbuf_init(&w, b, sizeof(b));
    codec_common_encode(&w, h->dport, h->sport, in.init_tag);
    size_t off = codec_init_begin(&w, SCTP_INIT_ACK, my_vtag, ep->cfg.rcvbuf,
                                  ep->cfg.num_ostreams, ep->cfg.max_instreams, my_itsn);
    size_t po = codec_param_begin(&w, SCTP_P_STATE_COOKIE);
    cookie_encode(ep, &w, &cd);
    codec_param_end(&w, po);
    ep_put_addrs(ep, &w, remote);
    ep_put_extensions(&ep->cfg, &w);
    wbuf_put(&w, repbuf, rep.err ? 0 : rep.len);
    codec_chunk_end(&w, off);
    if (w.err)
        return -1;
    ep_reply(ep, b, w.len, local, remote);
    return 0;
}

/* RFC 9260 s5.1.3, s5.1.5: answers a COOKIE ECHO whose cookie has expired. */
static void send_stale_cookie(mpsctp_endpoint *ep, const sctp_common *h, const cookie_data *cd,
                              mpsctp_tstamp now, const mpsctp_addr *local,
                              const mpsctp_addr *remote)
{
    mpsctp_tstamp expiry = cd->created + (mpsctp_tstamp)cd->lifetime_ms * NS_PER_MS;
    uint64_t stale_us = (now - expiry) / 1000;
    uint8_t v[4];
    put32(v, stale_us > 0xffffffffu ? 0xffffffffu : (uint32_t)stale_us);
    uint8_t b[64];
    wbuf w;
    wbuf_init(&w, b, sizeof(b));
    codec_common_encode(&w, h->dport, h->sport, cd->peer_vtag);
    size_t off = codec_chunk_begin(&w, SCTP_ERROR, 0);
    codec_param_put(&w, SCTP_CAUSE_STALE_COOKIE, v, 4);
    codec_chunk_end(&w, off);
    ep_reply(ep, b, w.len, local, remote);
}

/* Refuses a new association when the endpoint has max_assocs open (RFC 9260 s3.3.10.4:
 * an ABORT with Out of Resource, to the tag of the peer's INIT, which it expects in
 * COOKIE-ECHOED). Returns 1 when refused. */
static int ep_refuse_new(mpsctp_endpoint *ep, const sctp_common *h, const cookie_data *cd,
                         const mpsctp_addr *local, const mpsctp_addr *remote)
{
    if (!ep->cfg.max_assocs || ep->nopen < ep->cfg.max_assocs)
        return 0;
    ep->stats.refused_assocs++;
    ep_send_abort(ep, h->dport, h->sport, cd->peer_vtag, 0, SCTP_CAUSE_OUT_OF_RESOURCE, NULL, 0,
                  local, remote);
    return 1;
}

mpsctp_assoc *ep_cookie_echo(mpsctp_endpoint *ep, mpsctp_assoc *hint, const sctp_common *h,
                             const sctp_tlv *c, const mpsctp_addr *local,
                             const mpsctp_addr *remote, mpsctp_tstamp now)
{
    cookie_data cd;
    if (cookie_decode(ep, c->value, c->vlen, &cd)) {
        ep->stats.bad_cookies++;
        return NULL;
    }
    /* RFC 9260 s5.1.5 step 2: the packet's tag must be the one inside the cookie. */
    if (h->vtag != cd.my_vtag || cd.peer_port != h->sport || cd.my_port != h->dport) {
        ep->stats.bad_cookies++;
        return NULL;
    }
    mpsctp_assoc *a = hint ? hint : find_by_addr(ep, remote, h->sport);
    /* Step 3: lifetime. RFC 9260 s5.2.4 step 3: a cookie whose tags both match the
     * existing association is valid even when its lifespan is exceeded. */
    int tags_match = a && a->my_vtag == cd.my_vtag && a->peer_vtag == cd.peer_vtag;
    /* A cookie for an existing association from another UDP port than the association's
     * (only a stranger behind the peer's address could hold it without the tags). */
    if (a && !tags_match && assoc_foreign_port(a, h, cd.peer_vtag, local, remote))
        return NULL;
    if (now > cd.created + (mpsctp_tstamp)cd.lifetime_ms * NS_PER_MS && !tags_match) {
        ep->stats.stale_cookies++;
        send_stale_cookie(ep, h, &cd, now, local, remote);
        return NULL;
    }
    if (a)
        return assoc_cookie_existing(a, &cd, local, remote, now);
    if (!ep->listening || ep_refuse_new(ep, h, &cd, local, remote))
        return NULL;
    a = assoc_new(ep, &cd.remote, h->sport);
    if (!a)
        return NULL;
    assoc_paths_from_cookie(a, &cd, local, remote);
    a->nr_sack = cd.nr_sack;
    a->reconf_ok = cd.reconf;
    a->idata = cd.idata;
    a->pr.on = cd.pr_sctp;
    if (a->idata)
        a->pr.on = 0; /* I-DATA needs I-FORWARD-TSN (not implemented) */
    a->my_vtag = cd.my_vtag;
    a->peer_vtag = cd.peer_vtag;
    a->my_itsn = cd.my_itsn;
    if (assoc_setup_data(a, cd.os, cd.is, cd.my_itsn, cd.peer_itsn, cd.peer_rwnd)) {
        mpsctp_assoc_free(a);
        return NULL;
    }
    uint8_t ack[4];
    wbuf w;
    wbuf_init(&w, ack, sizeof(ack));
    codec_empty_chunk(&w, SCTP_COOKIE_ACK, 0);
    assoc_queue_ctrl(a, 0, ack, w.len);
    assoc_set_state(a, MPSCTP_ESTABLISHED);
    assoc_start_heartbeats(a, now);
    assoc_event(a, MPSCTP_EV_ASSOC_CHANGE, MPSCTP_COMM_UP, 0);
    return a;
}

/* RFC 9260 s8.4: a packet that matches no association. */
static void ootb(mpsctp_endpoint *ep, const sctp_common *h, const uint8_t *chunks,
                 const uint8_t *end, const mpsctp_addr *local, const mpsctp_addr *remote)
{
    ep->stats.dropped_ootb++;
    const uint8_t *p = chunks;
    while (p < end) {
        sctp_tlv c;
        if (codec_chunk_decode(&p, end, &c))
            return;
        switch (c.type) {
        case SCTP_ABORT:            /* rule 2 */
        case SCTP_SHUTDOWN_COMPLETE: /* rule 6 */
        case SCTP_COOKIE_ACK:       /* rule 7 */
            return;
        case SCTP_SHUTDOWN_ACK:     /* rule 5 */
            ep_shutdown_complete_t(ep, h, local, remote);
            return;
        case SCTP_ERROR: {          /* rule 7: stale cookie errors are discarded */
            const uint8_t *q = c.value, *qe = c.value + c.vlen;
            sctp_tlv cause;
            if (!codec_param_decode(&q, qe, &cause) && cause.type == SCTP_CAUSE_STALE_COOKIE)
                return;
            break;
        }
        default:
            break;
        }
    }
    /* Rule 8: ABORT with the T bit and the packet's tag. */
    ep_send_abort(ep, h->dport, h->sport, h->vtag, 1, 0, NULL, 0, local, remote);
}

/* RFC 9260 s8.5.1: ABORT and SHUTDOWN COMPLETE with the T bit carry the peer's tag. */
static mpsctp_assoc *find_reflected(mpsctp_endpoint *ep, const sctp_common *h,
                                    const sctp_tlv *first, const mpsctp_addr *remote)
{
    if (!(first->flags & SCTP_FLAG_T))
        return NULL;
    if (first->type != SCTP_ABORT && first->type != SCTP_SHUTDOWN_COMPLETE)
        return NULL;
    aidx_key k;
    assoc_index_tag_key(&k, AIDX_PEER_TAG, h->vtag, h->sport);
    for (aidx_link *l = NULL; (l = assoc_index_next(&ep->index, &k, l));) {
        mpsctp_assoc *a = l->owner;
        if (a->state != MPSCTP_CLOSED && a->peer_vtag == h->vtag &&
            a->peer_port == h->sport && assoc_path_find(a, remote) >= 0)
            return a;
    }
    return NULL;
}

int mpsctp_endpoint_recv(mpsctp_endpoint *ep, const uint8_t *pkt, size_t len,
                         const mpsctp_addr *local, const mpsctp_addr *remote,
                         mpsctp_tstamp now)
{
    if (!ep || !pkt || !local || !remote)
        return MPSCTP_ERR_INVAL;
    ep->stats.packets_in++;
    if (ep->cb.trace)
        ep->cb.trace(ep->cb.user, 0, pkt, len, local, remote, now);
    const uint8_t *p = pkt, *end = pkt + len;
    sctp_common h;
    if (codec_common_decode(&p, end, &h) || p == end) {
        ep->stats.dropped_malformed++;
        return MPSCTP_ERR_MALFORMED;
    }
    if (h.dport != ep->cfg.local_port || h.sport == 0) {
        ep->stats.dropped_ootb++;
        return MPSCTP_ERR_NOT_OURS;
    }
    if (!sctp_checksum_ok(ep->crc, pkt, len)) {
        ep->stats.dropped_checksum++;
        return MPSCTP_ERR_CHECKSUM;
    }
    /* Validate the chunk structure once; a malformed packet is dropped whole. */
    const uint8_t *chunks = p;
    sctp_tlv first;
    int nchunks = 0, has_init = 0;
    while (p < end) {
        sctp_tlv c;
        if (codec_chunk_decode(&p, end, &c)) {
            ep->stats.dropped_malformed++;
            return MPSCTP_ERR_MALFORMED;
        }
        if (nchunks++ == 0)
            first = c;
        if (c.type == SCTP_INIT || c.type == SCTP_INIT_ACK || c.type == SCTP_SHUTDOWN_COMPLETE)
            has_init |= 1;
    }
    /* RFC 9260 s6.10: INIT, INIT ACK and SHUTDOWN COMPLETE are never bundled. */
    if (has_init && nchunks > 1) {
        ep->stats.dropped_malformed++;
        return MPSCTP_ERR_MALFORMED;
    }
    mpsctp_assoc *a;
    if (first.type == SCTP_INIT) {
        /* RFC 9260 s8.5.1 A: an INIT carries tag 0. */
        if (h.vtag != 0) {
            ep->stats.dropped_vtag++;
            return MPSCTP_ERR_NOT_OURS;
        }
        a = find_by_addr(ep, remote, h.sport);
        if (a) {
            assoc_recv_packet(a, &h, chunks, end, local, remote, now);
            ep_assoc_handled(a);
        } else if (ep->listening) {
            ep_answer_init(ep, &h, &first, local, remote, ep_random32(ep), ep_random32(ep), 0,
                           0, now);
        } else {
            sctp_init in;
            if (!codec_init_decode(&first, &in) && in.init_tag)
                ep_send_abort(ep, h.dport, h.sport, in.init_tag, 0, 0, NULL, 0, local, remote);
        }
        return 0;
    }
    a = find_by_vtag(ep, h.vtag, h.sport);
    if (!a)
        a = find_reflected(ep, &h, &first, remote);
    if (a) {
        assoc_recv_packet(a, &h, chunks, end, local, remote, now);
        ep_assoc_handled(a);
        return 0;
    }
    if (first.type == SCTP_COOKIE_ECHO) {
        a = ep_cookie_echo(ep, NULL, &h, &first, local, remote, now);
        if (a) {
            const uint8_t *rest = chunks + pad4(first.len);
            if (rest < end)
                assoc_recv_packet(a, &h, rest, end, local, remote, now);
            ep_assoc_handled(a);
            return 0;
        }
        return MPSCTP_ERR_NOT_OURS;
    }
    /* RFC 9260 s8.5: the packet belongs to an association known by its addresses and
     * ports but carries the wrong tag: discard it silently (it is not out of the blue). */
    if (find_by_addr(ep, remote, h.sport)) {
        ep->stats.dropped_vtag++;
        return MPSCTP_ERR_NOT_OURS;
    }
    ootb(ep, &h, chunks, end, local, remote);
    return MPSCTP_ERR_NOT_OURS;
}

/* ---- output ---------------------------------------------------------------------- */

int ep_reply_take(mpsctp_endpoint *ep, uint8_t *buf, size_t cap, mpsctp_addr *local,
                  mpsctp_addr *remote, size_t *n)
{
    reply_pkt *r = ep->replies;
    if (!r)
        return 0;
    ep->replies = r->next;
    ep->reply_bytes -= r->len;
    if (!ep->replies)
        ep->replies_tail = NULL;
    *n = r->len <= cap ? r->len : 0;
    if (*n) {
        memcpy(buf, r->data, *n);
        *local = r->local;
        *remote = r->remote;
    }
    free(r);
    return 1;
}
