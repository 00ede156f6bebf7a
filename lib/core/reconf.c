/* Stream reconfiguration (RFC 6525): requests of ours (reset of outgoing and incoming
 * streams, added streams) and the answers to the peer's, one RE-CONFIG chunk of ours
 * outstanding at a time with its own retransmission timer. */
#include <stdlib.h>
#include <string.h>

#include "assoc.h"
#include "reconf.h"

/* The kinds of request in our outstanding chunk, as bits. */
enum { K_OUT = 1, K_IN = 2, K_ADD_OUT = 4, K_ADD_IN = 8 };

/* An answer given to one of the peer's requests, for its duplicates (s5.2.1). */
typedef struct rc_answer {
    uint32_t seq, result;
    uint8_t valid;
} rc_answer;

struct reconf {
    uint32_t my_seq;   /* s5.1.1: the sequence number our next request takes */
    uint32_t peer_seq; /* the sequence number the peer's next request must carry */

    /* Our outstanding chunk: kinds still unanswered (0: none outstanding). */
    uint8_t kinds;
    uint32_t seq_out, seq_in, seq_add_out, seq_add_in;
    uint16_t *out_list, out_n; /* outgoing reset: its streams (out_n 0: every one) */
    uint16_t *in_list, in_n;   /* incoming reset: the same */
    uint8_t *blocked;          /* bitmap of out_list over the outbound streams */
    uint16_t add_out, add_in;
    uint16_t is_before;        /* inbound count before our Add Incoming request */
    uint8_t *chunk;            /* the chunk as sent, for retransmission */
    uint16_t chunk_len;
    uint32_t path;
    mpsctp_tstamp sent_at, deadline;
    /* Inbound streams we granted with an Add Incoming request that the peer carried out
     * and may still announce with an Add Outgoing request of its own (some stacks answer
     * that way): the next request of the peer, when it adds outgoing streams, claims
     * them instead of adding more. */
    uint16_t add_in_credit;
    uint8_t add_in_claimed; /* the peer's Add Outgoing came before its answer */

    /* The peer's requests: answers to its two latest, and one deferred reset. */
    rc_answer ans[2]; /* [0]: the latest */
    uint8_t deferred;
    uint32_t def_seq, def_lat;
    uint16_t *def_list, def_n;
    uint8_t *def_map; /* bitmap of def_list over the inbound streams */
    uint32_t def_map_len;
};

static reconf *rc_get(mpsctp_assoc *a)
{
    if (!a->rc) {
        a->rc = calloc(1, sizeof(*a->rc));
        if (a->rc)
            a->rc->deadline = MPSCTP_TSTAMP_NEVER;
    }
    return a->rc;
}

static void req_clear(reconf *rc)
{
    free(rc->out_list);
    free(rc->in_list);
    free(rc->blocked);
    free(rc->chunk);
    rc->out_list = rc->in_list = NULL;
    rc->blocked = rc->chunk = NULL;
    rc->out_n = rc->in_n = rc->add_out = rc->add_in = 0;
    rc->kinds = 0;
    rc->chunk_len = 0;
    rc->deadline = MPSCTP_TSTAMP_NEVER;
}

static void def_clear(reconf *rc)
{
    free(rc->def_list);
    free(rc->def_map);
    rc->def_list = NULL;
    rc->def_map = NULL;
    rc->def_n = 0;
    rc->def_map_len = 0;
    rc->deferred = 0;
}

void reconf_free(mpsctp_assoc *a)
{
    if (!a->rc)
        return;
    req_clear(a->rc);
    def_clear(a->rc);
    free(a->rc);
    a->rc = NULL;
}

void reconf_setup(mpsctp_assoc *a, uint32_t my_itsn, uint32_t peer_itsn)
{
    reconf_free(a);
    if (!a->reconf_ok)
        return;
    reconf *rc = rc_get(a);
    if (!rc)
        return; /* requests fail with NOMEM, the peer's go unanswered */
    /* RFC 6525 s5.1.1: each side numbers its requests from its initial TSN. */
    rc->my_seq = my_itsn;
    rc->peer_seq = peer_itsn;
    rc->deadline = MPSCTP_TSTAMP_NEVER;
}

uint64_t reconf_mem(const mpsctp_assoc *a)
{
    const reconf *rc = a->rc;
    if (!rc)
        return 0;
    uint64_t m = sizeof(*rc) + rc->chunk_len + 2u * ((uint64_t)rc->out_n + rc->in_n) +
                 2u * (uint64_t)rc->def_n + rc->def_map_len;
    if (rc->blocked)
        m += ((uint64_t)a->os + 7) / 8;
    return m;
}

uint64_t reconf_mem_bound(const mpsctp_assoc *a)
{
    if (!a->reconf_ok)
        return 0;
    uint64_t mtu = a->cfg.mtu;
    return sizeof(reconf) + mtu + 2 * mtu + 2u * (uint64_t)a->is + ((uint64_t)a->is + 7) / 8 +
           ((uint64_t)a->os + 7) / 8;
}

/* ---- events ------------------------------------------------------------------------- */

static void ev_reset(mpsctp_assoc *a, uint16_t flags, const uint16_t *list, uint16_t n)
{
    mpsctp_event ev;
    memset(&ev, 0, sizeof(ev));
    ev.type = MPSCTP_EV_STREAM_RESET;
    ev.assoc = a;
    ev.assoc_id = a->id;
    ev.flags = flags;
    ev.nstreams = n;
    ev.streams = list; /* the endpoint copies it */
    ep_event(a->ep, &ev);
}

static void ev_change(mpsctp_assoc *a, uint16_t flags)
{
    mpsctp_event ev;
    memset(&ev, 0, sizeof(ev));
    ev.type = MPSCTP_EV_STREAM_CHANGE;
    ev.assoc = a;
    ev.assoc_id = a->id;
    ev.flags = flags;
    ev.inbound_streams = a->is;
    ev.outbound_streams = a->os;
    ep_event(a->ep, &ev);
}

/* The event flags for a result that is no success. */
static uint16_t fail_flags(uint32_t result)
{
    return result == SCTP_RECONF_DENIED ? MPSCTP_STRRESET_DENIED : MPSCTP_STRRESET_FAILED;
}

/* ---- bounds --------------------------------------------------------------------------- */

/* Returns 1 when is inbound and os outbound streams stay within the stream bounds. */
static int streams_fit(const mpsctp_assoc *a, uint32_t is, uint32_t os)
{
    (void)a;
    if (is > 65535u || os > 65535u)
        return 0;
    return (uint64_t)is * MPSCTP_RECONF_IN_STREAM_COST +
               (uint64_t)os * MPSCTP_RECONF_OUT_STREAM_COST <=
           MPSCTP_RECONF_STREAM_MEM;
}

/* The most stream ids one request chunk of ours may list: it must fit one packet on the
 * smallest path MTU (IPv6 counted), after the common, chunk and parameter headers. */
static uint32_t list_room(const mpsctp_assoc *a)
{
    uint32_t mtu = a->cfg.mtu > 20 ? a->cfg.mtu - 20u : a->cfg.mtu;
    uint32_t fixed = SCTP_COMMON_HDR_LEN + SCTP_CHUNK_HDR_LEN + 16 + 8 + 4;
    return mtu > fixed ? (mtu - fixed) / 2 : 0;
}

/* ---- our requests --------------------------------------------------------------------- */

static int bit_get(const uint8_t *m, uint32_t i)
{
    return (m[i / 8] >> (i % 8)) & 1;
}

static void bit_set(uint8_t *m, uint32_t i)
{
    m[i / 8] |= (uint8_t)(1u << (i % 8));
}

/* Encodes the outstanding request (resp_seq: what an outgoing reset answers) and sends
 * it: queued for the data path, the timer armed with that path's RTO. Returns 0 or an
 * error (nothing outstanding then). */
static int req_send(mpsctp_assoc *a, uint32_t resp_seq, mpsctp_tstamp now)
{
    reconf *rc = a->rc;
    size_t cap = SCTP_CHUNK_HDR_LEN + 16 + 2u * rc->out_n + 4 + 8 + 2u * rc->in_n + 4 + 24;
    uint8_t *b = malloc(cap);
    if (!b)
        return MPSCTP_ERR_NOMEM;
    wbuf w;
    wbuf_init(&w, b, cap);
    size_t off = codec_chunk_begin(&w, SCTP_RECONFIG, 0);
    if (rc->kinds & K_OUT)
        codec_reconf_out_reset(&w, rc->seq_out, resp_seq, rtxq_next_tsn(&a->rq) - 1,
                               rc->out_list, rc->out_n);
    if (rc->kinds & K_IN)
        codec_reconf_in_reset(&w, rc->seq_in, rc->in_list, rc->in_n);
    if (rc->kinds & K_ADD_OUT)
        codec_reconf_add(&w, SCTP_P_RECONF_ADD_OUT, rc->seq_add_out, rc->add_out);
    if (rc->kinds & K_ADD_IN)
        codec_reconf_add(&w, SCTP_P_RECONF_ADD_IN, rc->seq_add_in, rc->add_in);
    codec_chunk_end(&w, off);
    if (w.err) {
        free(b);
        return MPSCTP_ERR_INVAL;
    }
    rc->chunk = b;
    rc->chunk_len = (uint16_t)w.len;
    rc->path = assoc_data_path(a);
    rc->sent_at = now;
    rc->deadline = now + a->paths[rc->path].rto;
    int e = assoc_queue_ctrl(a, (int)rc->path, b, w.len);
    return e == MPSCTP_ERR_NOMEM ? e : 0; /* NOBUFS: the timer sends it again */
}

/* Starts an outgoing reset of list[0..n) (n 0: all) as our outstanding request, with
 * resp_seq as its response sequence number. Returns 0 or NOMEM/INVAL. */
static int start_out_reset(mpsctp_assoc *a, const uint16_t *list, uint16_t n,
                           const uint16_t *in_list, uint16_t in_n, int with_in,
                           uint32_t resp_seq, mpsctp_tstamp now)
{
    reconf *rc = a->rc;
    if (n) {
        rc->out_list = malloc((size_t)n * 2);
        rc->blocked = calloc(((size_t)a->os + 7) / 8, 1);
        if (!rc->out_list || !rc->blocked) {
            req_clear(rc);
            return MPSCTP_ERR_NOMEM;
        }
        memcpy(rc->out_list, list, (size_t)n * 2);
        for (uint16_t i = 0; i < n; i++)
            bit_set(rc->blocked, list[i]);
    }
    rc->out_n = n;
    rc->kinds |= K_OUT;
    if (with_in) {
        if (in_n) {
            rc->in_list = malloc((size_t)in_n * 2);
            if (!rc->in_list) {
                req_clear(rc);
                return MPSCTP_ERR_NOMEM;
            }
            memcpy(rc->in_list, in_list, (size_t)in_n * 2);
        }
        rc->in_n = in_n;
        rc->kinds |= K_IN;
    }
    /* s5.1.2: our outgoing request takes the first number, the incoming the next. */
    rc->seq_out = rc->my_seq++;
    if (with_in)
        rc->seq_in = rc->my_seq++;
    int e = req_send(a, resp_seq, now);
    if (e)
        req_clear(rc);
    return e;
}

/* Checks a stream list against count streams. Returns 0 or INVAL. */
static int check_list(const uint16_t *list, uint16_t n, uint16_t count)
{
    if (n > count)
        return MPSCTP_ERR_INVAL;
    for (uint16_t i = 0; i < n; i++)
        if (list[i] >= count)
            return MPSCTP_ERR_INVAL;
    return 0;
}

/* The checks every request of ours starts with. Returns 0 or an error. */
static int req_allowed(mpsctp_assoc *a)
{
    if (a->state != MPSCTP_ESTABLISHED)
        return a->state == MPSCTP_CLOSED ? MPSCTP_ERR_CLOSED : MPSCTP_ERR_STATE;
    if (!a->reconf_ok)
        return MPSCTP_ERR_NOTSUP;
    if (!rc_get(a))
        return MPSCTP_ERR_NOMEM;
    if (a->rc->kinds)
        return MPSCTP_ERR_INPROGRESS; /* s5.1.1: one outstanding request at a time */
    return 0;
}

int mpsctp_assoc_reconf(const mpsctp_assoc *a)
{
    return a && a->reconf_ok;
}

int mpsctp_assoc_set_reconf_enable(mpsctp_assoc *a, uint32_t flags)
{
    if (!a || (flags & ~MPSCTP_RECONF_ENABLE_MASK))
        return MPSCTP_ERR_INVAL;
    a->cfg.reconf_enable = (uint8_t)flags;
    return 0;
}

int mpsctp_assoc_reset_streams(mpsctp_assoc *a, uint32_t flags, const uint16_t *streams,
                               uint16_t n, mpsctp_tstamp now)
{
    if (!a || !flags || (flags & ~(MPSCTP_RESET_INCOMING | MPSCTP_RESET_OUTGOING)) ||
        (n && !streams))
        return MPSCTP_ERR_INVAL;
    int out = (flags & MPSCTP_RESET_OUTGOING) != 0, in = (flags & MPSCTP_RESET_INCOMING) != 0;
    if (a->state == MPSCTP_ESTABLISHED) {
        if ((out && check_list(streams, n, a->os)) || (in && check_list(streams, n, a->is)))
            return MPSCTP_ERR_INVAL;
        if ((uint32_t)n * (uint32_t)(out + in) > list_room(a))
            return MPSCTP_ERR_INVAL; /* the request would not fit one packet */
    }
    int e = req_allowed(a);
    if (e)
        return e;
    reconf *rc = a->rc;
    if (out) {
        e = start_out_reset(a, streams, n, streams, n, in, rc->peer_seq - 1, now);
    } else {
        if (n) {
            rc->in_list = malloc((size_t)n * 2);
            if (!rc->in_list)
                return MPSCTP_ERR_NOMEM;
            memcpy(rc->in_list, streams, (size_t)n * 2);
        }
        rc->in_n = n;
        rc->kinds = K_IN;
        rc->seq_in = rc->my_seq++;
        e = req_send(a, 0, now);
        if (e)
            req_clear(rc);
    }
    ep_assoc_changed(a);
    return e;
}

int mpsctp_assoc_add_streams(mpsctp_assoc *a, uint16_t n_in, uint16_t n_out,
                             mpsctp_tstamp now)
{
    if (!a || (!n_in && !n_out))
        return MPSCTP_ERR_INVAL;
    if (a->state == MPSCTP_ESTABLISHED &&
        !streams_fit(a, (uint32_t)a->is + n_in, (uint32_t)a->os + n_out))
        return MPSCTP_ERR_INVAL;
    int e = req_allowed(a);
    if (e)
        return e;
    reconf *rc = a->rc;
    /* The memory comes first, so that the peer's yes cannot meet a failed allocation. */
    if (n_out && sendq_grow(&a->sq, (uint16_t)(a->os + n_out)))
        return MPSCTP_ERR_NOMEM;
    if (n_in && reasm_grow(&a->ra, (uint16_t)(a->is + n_in)))
        return MPSCTP_ERR_NOMEM;
    if (n_out) {
        rc->kinds |= K_ADD_OUT;
        rc->add_out = n_out;
        rc->seq_add_out = rc->my_seq++;
    }
    if (n_in) {
        /* The new inbound streams are accepted at once: the peer may use them as soon as
         * it has agreed, before its answer reaches us. */
        rc->kinds |= K_ADD_IN;
        rc->add_in = n_in;
        rc->seq_add_in = rc->my_seq++;
        rc->is_before = a->is;
        a->is = (uint16_t)(a->is + n_in);
    }
    rc->add_in_credit = 0;
    rc->add_in_claimed = 0;
    e = req_send(a, 0, now);
    if (e) {
        if (n_in)
            a->is = rc->is_before;
        req_clear(rc);
    }
    ep_assoc_changed(a);
    return e;
}

/* The outstanding chunk is answered in full: it is dropped and its timer stops. */
static void req_maybe_done(reconf *rc)
{
    if (!rc->kinds)
        req_clear(rc);
}

/* Our outgoing reset ended with result. */
static void out_done(mpsctp_assoc *a, uint32_t result)
{
    reconf *rc = a->rc;
    uint16_t flags = MPSCTP_STRRESET_OUTGOING;
    if (result == SCTP_RECONF_PERFORMED || result == SCTP_RECONF_NOTHING)
        sendq_reset_ssn(&a->sq, rc->out_list, rc->out_n); /* s5.1.2: SSNs start at 0 */
    else
        flags |= fail_flags(result);
    ev_reset(a, flags, rc->out_list, rc->out_n);
    rc->kinds &= (uint8_t)~K_OUT;
    free(rc->blocked);
    rc->blocked = NULL;
}

/* s5.2.7: a Re-configuration Response to one of our requests. */
static void recv_response(mpsctp_assoc *a, const sctp_reconf_param *p, mpsctp_tstamp now)
{
    reconf *rc = a->rc;
    uint32_t r = p->result;
    int ok = r == SCTP_RECONF_PERFORMED || r == SCTP_RECONF_NOTHING;
    uint8_t kind = (rc->kinds & K_OUT) && p->seq == rc->seq_out         ? K_OUT
                   : (rc->kinds & K_IN) && p->seq == rc->seq_in         ? K_IN
                   : (rc->kinds & K_ADD_OUT) && p->seq == rc->seq_add_out ? K_ADD_OUT
                   : (rc->kinds & K_ADD_IN) && p->seq == rc->seq_add_in   ? K_ADD_IN
                                                                         : 0;
    if (!kind)
        return; /* no request of ours waits for it: a late duplicate */
    assoc_peer_alive(a, now);
    if (r == SCTP_RECONF_IN_PROGRESS)
        return; /* s5.2.7: still outstanding; the timer asks again */
    switch (kind) {
    case K_OUT:
        out_done(a, r);
        break;
    case K_IN:
        /* Performed: the peer's own outgoing reset (its request) resets our inbound
         * streams and reports it. */
        if (!ok)
            ev_reset(a, (uint16_t)(MPSCTP_STRRESET_INCOMING | fail_flags(r)), rc->in_list,
                     rc->in_n);
        rc->kinds &= (uint8_t)~K_IN;
        break;
    case K_ADD_OUT:
        if (ok) {
            uint16_t n = (uint16_t)(a->os + rc->add_out);
            smsg *gone = sendq_set_streams(&a->sq, n); /* only grows: nothing unlinked */
            (void)gone;
            a->os = a->sq.nstreams;
        }
        ev_change(a, ok ? 0 : fail_flags(r));
        rc->kinds &= (uint8_t)~K_ADD_OUT;
        break;
    case K_ADD_IN:
        if (ok)
            rc->add_in_credit = rc->add_in_claimed ? 0 : rc->add_in;
        else
            a->is = rc->is_before;
        ev_change(a, ok ? 0 : fail_flags(r));
        rc->kinds &= (uint8_t)~K_ADD_IN;
        break;
    }
    req_maybe_done(rc);
}

mpsctp_tstamp reconf_deadline(const mpsctp_assoc *a)
{
    return a->rc ? a->rc->deadline : MPSCTP_TSTAMP_NEVER;
}

void reconf_timeout(mpsctp_assoc *a, mpsctp_tstamp now)
{
    reconf *rc = a->rc;
    if (!rc || rc->deadline > now || !rc->chunk)
        return;
    /* s5.1.1: like T3-rtx: the RTO backs off, the expiry counts as an error, and the
     * request goes again, to another path when there is one. */
    uint32_t last = rc->path < a->npaths ? rc->path : 0;
    rc->deadline = MPSCTP_TSTAMP_NEVER;
    path_backoff(&a->paths[last], assoc_rto_max(a));
    if (assoc_path_error(a, last, rc->sent_at, 0, now))
        return;
    rc->path = assoc_rtx_path(a, last, 1);
    rc->sent_at = now;
    rc->deadline = now + a->paths[rc->path].rto;
    assoc_queue_ctrl(a, (int)rc->path, rc->chunk, rc->chunk_len);
}

int reconf_tx_blocked(const mpsctp_assoc *a, uint16_t sid)
{
    const reconf *rc = a->rc;
    if (!rc || !(rc->kinds & K_OUT))
        return 0;
    return !rc->blocked || (sid < a->os && bit_get(rc->blocked, sid));
}

int reconf_tx_blocking(const mpsctp_assoc *a)
{
    return a->rc && (a->rc->kinds & K_OUT);
}

/* ---- the peer's requests --------------------------------------------------------------- */

int reconf_rx_hold(const mpsctp_assoc *a, uint16_t sid, uint32_t tsn)
{
    const reconf *rc = a->rc;
    if (!rc || !rc->deferred || tsn_le(tsn, rc->def_lat))
        return 0;
    return !rc->def_map || (sid < rc->def_map_len * 8 && bit_get(rc->def_map, sid));
}

/* Resets inbound streams list[0..n) and reports it. */
static void in_reset(mpsctp_assoc *a, const uint16_t *list, uint16_t n)
{
    reasm_reset_streams(&a->ra, list, n);
    ev_reset(a, MPSCTP_STRRESET_INCOMING, list, n);
}

/* Remembers the answer to request seq (the latest). */
static void answer_keep(reconf *rc, uint32_t seq, uint32_t result)
{
    rc->ans[1] = rc->ans[0];
    rc->ans[0].seq = seq;
    rc->ans[0].result = result;
    rc->ans[0].valid = 1;
}

/* Copies the stream list of p into a new array (NULL when p lists none, or on NOMEM:
 * *err set). */
static uint16_t *list_copy(const sctp_reconf_param *p, int *err)
{
    *err = 0;
    if (!p->nstreams)
        return NULL;
    uint16_t *l = malloc((size_t)p->nstreams * 2);
    if (!l) {
        *err = 1;
        return NULL;
    }
    for (uint32_t i = 0; i < p->nstreams; i++)
        l[i] = codec_reconf_stream(p, i);
    return l;
}

/* Returns 1 when every stream p lists is below count. */
static int list_valid(const sctp_reconf_param *p, uint16_t count)
{
    if (p->nstreams > count)
        return 0;
    for (uint32_t i = 0; i < p->nstreams; i++)
        if (codec_reconf_stream(p, i) >= count)
            return 0;
    return 1;
}

/* s5.2.2: the peer resets its outgoing streams, our inbound ones. Returns the result. */
static uint32_t do_out_reset(mpsctp_assoc *a, const sctp_reconf_param *p, int asked)
{
    reconf *rc = a->rc;
    /* A reset of the peer's own streams is carried out when we enabled stream resets or
     * asked for it ourselves (our Incoming SSN Reset Request). */
    if (!asked && !(a->cfg.reconf_enable & MPSCTP_RECONF_ENABLE_STREAM))
        return SCTP_RECONF_DENIED;
    if (!list_valid(p, a->is))
        return SCTP_RECONF_WRONG_SSN;
    if (rc->deferred)
        return SCTP_RECONF_BUSY; /* one deferred reset at a time */
    int err;
    uint16_t *l = list_copy(p, &err);
    if (err)
        return SCTP_RECONF_DENIED;
    if (tsn_le(p->last_tsn, a->map.cum)) {
        in_reset(a, l, p->nstreams); /* E3: everything sent before has arrived */
        free(l);
        return SCTP_RECONF_PERFORMED;
    }
    /* E2: data up to the sender's last assigned TSN is still missing: the reset waits
     * for it, and data after it on those streams is held off meanwhile. */
    if (p->nstreams) {
        rc->def_map_len = ((uint32_t)a->is + 7) / 8;
        rc->def_map = calloc(rc->def_map_len, 1);
        if (!rc->def_map) {
            free(l);
            rc->def_map_len = 0;
            return SCTP_RECONF_DENIED;
        }
        for (uint32_t i = 0; i < p->nstreams; i++)
            bit_set(rc->def_map, l[i]);
    }
    rc->deferred = 1;
    rc->def_seq = p->seq;
    rc->def_lat = p->last_tsn;
    rc->def_list = l;
    rc->def_n = p->nstreams;
    return SCTP_RECONF_IN_PROGRESS;
}

/* s5.2.3: the peer asks us to reset our outgoing streams: our own Outgoing SSN Reset
 * Request answers it. Returns the result (PERFORMED when that request went out). */
static uint32_t do_in_reset(mpsctp_assoc *a, const sctp_reconf_param *p, mpsctp_tstamp now)
{
    reconf *rc = a->rc;
    if (!(a->cfg.reconf_enable & MPSCTP_RECONF_ENABLE_STREAM))
        return SCTP_RECONF_DENIED;
    if (!list_valid(p, a->os))
        return SCTP_RECONF_WRONG_SSN;
    if (rc->kinds)
        return SCTP_RECONF_BUSY;
    if (p->nstreams > list_room(a))
        return SCTP_RECONF_DENIED;
    int err;
    uint16_t *l = list_copy(p, &err);
    if (err)
        return SCTP_RECONF_DENIED;
    int e = start_out_reset(a, l, p->nstreams, NULL, 0, 0, p->seq, now);
    free(l);
    return e ? SCTP_RECONF_DENIED : SCTP_RECONF_PERFORMED;
}

/* s5.2.5: the peer adds outgoing streams, our inbound ones. */
static uint32_t do_add_out(mpsctp_assoc *a, const sctp_reconf_param *p, uint16_t credit)
{
    uint16_t n = p->add;
    uint16_t claimed = credit < n ? credit : n;
    n = (uint16_t)(n - claimed);
    if (claimed && !n)
        return SCTP_RECONF_PERFORMED; /* the streams we asked for: already there */
    if (!(a->cfg.reconf_enable & MPSCTP_RECONF_ENABLE_CHANGE))
        return SCTP_RECONF_DENIED;
    if (n == 0)
        return SCTP_RECONF_NOTHING;
    uint32_t is = (uint32_t)a->is + n;
    if (is > a->cfg.max_instreams || !streams_fit(a, is, a->os) ||
        reasm_grow(&a->ra, (uint16_t)is))
        return SCTP_RECONF_DENIED;
    a->is = (uint16_t)is;
    ev_change(a, 0);
    return SCTP_RECONF_PERFORMED;
}

/* s5.2.6: the peer asks us to add outgoing streams: our own Add Outgoing Streams
 * Request carries it out (as usrsctp and Linux do), and the streams are usable once the
 * peer has answered that. */
static uint32_t do_add_in(mpsctp_assoc *a, const sctp_reconf_param *p, mpsctp_tstamp now)
{
    reconf *rc = a->rc;
    if (!(a->cfg.reconf_enable & MPSCTP_RECONF_ENABLE_CHANGE))
        return SCTP_RECONF_DENIED;
    if (p->add == 0)
        return SCTP_RECONF_NOTHING;
    if (rc->kinds)
        return SCTP_RECONF_BUSY;
    uint32_t os = (uint32_t)a->os + p->add;
    if (!streams_fit(a, a->is, os) || sendq_grow(&a->sq, (uint16_t)os))
        return SCTP_RECONF_DENIED;
    rc->kinds = K_ADD_OUT;
    rc->add_out = p->add;
    rc->seq_add_out = rc->my_seq++;
    if (req_send(a, 0, now)) {
        req_clear(rc);
        return SCTP_RECONF_DENIED;
    }
    return SCTP_RECONF_PERFORMED;
}

/* Writes a response into w (a RE-CONFIG chunk of answers under construction). */
static void put_answer(wbuf *w, uint32_t seq, uint32_t result)
{
    codec_reconf_response(w, seq, result, 0, 0, 0);
}

/* s5.2.1: one request of the peer. Writes its answer into w unless our own request
 * answers it. */
static void recv_request(mpsctp_assoc *a, const sctp_reconf_param *p, wbuf *w,
                         mpsctp_tstamp now)
{
    reconf *rc = a->rc;
    /* An Outgoing SSN Reset Request may answer our Incoming one (s5.2.2 E1). */
    int asked = 0;
    if (p->type == SCTP_P_RECONF_OUT_RESET && (rc->kinds & K_IN) && p->resp_seq == rc->seq_in) {
        rc->kinds &= (uint8_t)~K_IN;
        req_maybe_done(rc);
        asked = 1;
    }
    if (p->seq != rc->peer_seq) {
        /* A retransmission of one of the last two answered gets the same answer again;
         * anything else is out of sequence. */
        for (int i = 0; i < 2; i++)
            if (rc->ans[i].valid && rc->ans[i].seq == p->seq) {
                put_answer(w, p->seq, rc->ans[i].result);
                return;
            }
        put_answer(w, p->seq, SCTP_RECONF_BAD_SEQ);
        return;
    }
    rc->peer_seq++;
    uint16_t credit = rc->add_in_credit;
    rc->add_in_credit = 0;
    if (!asked && (rc->kinds & K_ADD_IN) && !rc->add_in_claimed &&
        p->type == SCTP_P_RECONF_ADD_OUT) {
        credit = rc->add_in; /* the peer carries out our Add Incoming this way */
        rc->add_in_claimed = 1;
    }
    uint32_t result;
    switch (p->type) {
    case SCTP_P_RECONF_OUT_RESET:
        result = do_out_reset(a, p, asked);
        break;
    case SCTP_P_RECONF_IN_RESET:
        result = do_in_reset(a, p, now);
        break;
    case SCTP_P_RECONF_ADD_OUT:
        result = do_add_out(a, p, credit);
        break;
    case SCTP_P_RECONF_ADD_IN:
        result = do_add_in(a, p, now);
        break;
    default: /* SSN/TSN Reset: not carried out (docs/api.md) */
        result = SCTP_RECONF_DENIED;
        break;
    }
    answer_keep(rc, p->seq, result);
    /* Our own Outgoing SSN Reset Request answers an incoming one that was carried out. */
    if (!(p->type == SCTP_P_RECONF_IN_RESET && result == SCTP_RECONF_PERFORMED))
        put_answer(w, p->seq, result);
}

void reconf_rx_progress(mpsctp_assoc *a, mpsctp_tstamp now)
{
    (void)now;
    reconf *rc = a->rc;
    if (!rc || !rc->deferred || !a->rx_ready || tsn_gt(rc->def_lat, a->map.cum))
        return;
    in_reset(a, rc->def_list, rc->def_n);
    for (int i = 0; i < 2; i++)
        if (rc->ans[i].valid && rc->ans[i].seq == rc->def_seq)
            rc->ans[i].result = SCTP_RECONF_PERFORMED;
    uint8_t b[SCTP_CHUNK_HDR_LEN + 12];
    wbuf w;
    wbuf_init(&w, b, sizeof(b));
    size_t off = codec_chunk_begin(&w, SCTP_RECONFIG, 0);
    put_answer(&w, rc->def_seq, SCTP_RECONF_PERFORMED);
    codec_chunk_end(&w, off);
    assoc_queue_ctrl(a, -1, b, w.len);
    def_clear(rc);
}

/* RFC 6525 s3.1: a RE-CONFIG chunk holds one or two parameters. */
#define RECONF_MAX_PARAMS 2

void reconf_recv(mpsctp_assoc *a, const sctp_tlv *c, int pi, mpsctp_tstamp now)
{
    if (a->state != MPSCTP_ESTABLISHED && a->state != MPSCTP_SHUTDOWN_PENDING &&
        a->state != MPSCTP_SHUTDOWN_SENT && a->state != MPSCTP_SHUTDOWN_RECEIVED)
        return;
    reconf *rc = a->rc;
    if (!rc || !a->rx_ready)
        return;
    /* Decode everything first: a chunk with a malformed parameter, an unknown one or
     * more than two is dropped whole (nothing of it is carried out). */
    sctp_reconf_param ps[RECONF_MAX_PARAMS];
    unsigned np = 0;
    const uint8_t *q = c->value, *qe = c->value + c->vlen;
    while (q < qe) {
        sctp_tlv t;
        if (np == RECONF_MAX_PARAMS || codec_param_decode(&q, qe, &t) ||
            codec_reconf_param_decode(&t, &ps[np]))
            return;
        np++;
    }
    if (np == 0)
        return;
    uint8_t b[SCTP_CHUNK_HDR_LEN + RECONF_MAX_PARAMS * 12];
    wbuf w;
    wbuf_init(&w, b, sizeof(b));
    size_t off = codec_chunk_begin(&w, SCTP_RECONFIG, 0);
    size_t empty = w.len;
    for (unsigned i = 0; i < np && a->state != MPSCTP_CLOSED; i++) {
        if (ps[i].type == SCTP_P_RECONF_RESPONSE)
            recv_response(a, &ps[i], now);
        else
            recv_request(a, &ps[i], &w, now);
    }
    if (a->state == MPSCTP_CLOSED || w.len == empty)
        return;
    codec_chunk_end(&w, off);
    if (!w.err)
        assoc_queue_reply(a, assoc_reply_path(a, pi), b, w.len);
}
