/* sim_flow_stats: per-flow metrics, the flow event log, data-path tracking and
 * per-path byte samples. */
#include "sim_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- bitmaps ------------------------------------------------------------------- */

int sim_bitmap_mark(uint8_t **bits, uint64_t *cap, uint64_t idx)
{
    if (idx >= *cap) {
        uint64_t ncap = *cap ? *cap : 4096;
        while (ncap <= idx)
            ncap *= 2;
        uint8_t *n = realloc(*bits, (size_t)(ncap / 8));
        if (!n)
            return -1;
        memset(n + *cap / 8, 0, (size_t)((ncap - *cap) / 8));
        *bits = n;
        *cap = ncap;
    }
    (*bits)[idx / 8] |= (uint8_t)(1u << (idx % 8));
    return 0;
}

int sim_bitmap_test(const uint8_t *bits, uint64_t cap, uint64_t idx)
{
    return idx < cap && (bits[idx / 8] >> (idx % 8)) & 1u;
}

/* ---- names --------------------------------------------------------------------- */

const char *sim_path_state_name(uint32_t state)
{
    static const char *const names[] = {
        [MPSCTP_ADDR_AVAILABLE] = "AVAILABLE",
        [MPSCTP_ADDR_UNREACHABLE] = "UNREACHABLE",
        [MPSCTP_ADDR_REMOVED] = "REMOVED",
        [MPSCTP_ADDR_ADDED] = "ADDED",
        [MPSCTP_ADDR_MADE_PRIM] = "MADE_PRIM",
        [MPSCTP_ADDR_CONFIRMED] = "CONFIRMED",
        [MPSCTP_ADDR_POTENTIALLY_FAILED] = "POTENTIALLY_FAILED",
    };
    return state < sizeof(names) / sizeof(names[0]) && names[state] ? names[state] : "?";
}

const char *sim_assoc_change_name(uint32_t state)
{
    static const char *const names[] = {
        [MPSCTP_COMM_UP] = "COMM_UP",
        [MPSCTP_COMM_LOST] = "COMM_LOST",
        [MPSCTP_RESTART] = "RESTART",
        [MPSCTP_SHUTDOWN_COMP] = "SHUTDOWN_COMP",
        [MPSCTP_CANT_STR_ASSOC] = "CANT_STR_ASSOC",
    };
    return state < sizeof(names) / sizeof(names[0]) && names[state] ? names[state] : "?";
}

/* ---- event log ----------------------------------------------------------------- */

void sim_flow_log(sim *s, sim_flow *f, int side, sim_flow_event_kind kind, uint32_t path,
                  uint32_t core_path, uint32_t state)
{
    if (f->nev == f->ev_cap) {
        if (f->ev_cap >= SIM_EVENT_LOG_MAX)
            return;
        size_t ncap = f->ev_cap ? f->ev_cap * 2 : 64;
        sim_flow_event *n = realloc(f->ev, ncap * sizeof(*n));
        if (!n) {
            sim_fail(s, "out of memory (event log)");
            return;
        }
        f->ev = n;
        f->ev_cap = ncap;
    }
    f->ev[f->nev++] = (sim_flow_event){
        .t = s->now, .side = side, .kind = kind, .path = path, .core_path = core_path,
        .state = state};
}

size_t sim_flow_events(const sim *s, size_t flow, const sim_flow_event **ev)
{
    if (flow >= s->nflows) {
        *ev = NULL;
        return 0;
    }
    *ev = s->flows[flow].ev;
    return s->flows[flow].nev;
}

uint64_t sim_flow_event_find(const sim *s, size_t flow, uint64_t from,
                             sim_flow_event_kind kind, int side, uint32_t path,
                             uint32_t state)
{
    const sim_flow_event *ev;
    size_t n = sim_flow_events(s, flow, &ev);
    for (size_t i = 0; i < n; i++) {
        const sim_flow_event *e = &ev[i];
        if (e->t < from || e->kind != kind || (side >= 0 && e->side != side) ||
            (path != UINT32_MAX && e->path != path) ||
            (state != UINT32_MAX && e->state != state))
            continue;
        return e->t;
    }
    return UINT64_MAX;
}

/* ---- what goes on each path ------------------------------------------------------ */

/* RFC 9260 s1.6: serial number arithmetic on TSNs. */
static int tsn_after(uint32_t a, uint32_t b)
{
    return (int32_t)(a - b) > 0;
}

void sim_flow_note_data(sim *s, sim_flow *f, const sim_pkt *p)
{
    uint32_t path = p->path;
    size_t off = 12; /* RFC 9260 s3.1: common header */
    while (off + 4 <= p->len) {
        const uint8_t *c = p->data + off;
        size_t clen = ((size_t)c[2] << 8) | c[3];
        if (clen < 4 || off + clen > p->len)
            break;
        /* RFC 9260 s3.3.1 DATA: 16-byte header; RFC 8260 s2.1 I-DATA: 20 bytes. */
        size_t hdr = c[0] == 0 ? 16 : c[0] == 64 ? 20 : 0;
        if (hdr && clen >= hdr) {
            uint32_t tsn = (uint32_t)c[4] << 24 | (uint32_t)c[5] << 16 |
                           (uint32_t)c[6] << 8 | c[7];
            uint64_t bytes = clen - hdr;
            f->wire_data[path] += bytes;
            if (!f->have_tsn || tsn_after(tsn, f->max_tsn)) {
                f->have_tsn = 1;
                f->max_tsn = tsn;
                f->new_data[path] += bytes;
                f->last_new[path] = s->now;
                if (f->data_path != (int)path) {
                    f->data_path = (int)path;
                    /* With CMT on, new data goes round the paths all the time: only
                     * the moves of a single data path (CMT off) are logged. */
                    mpsctp_assoc *a = f->side[SIM_CLIENT].assoc;
                    if (!a || mpsctp_assoc_get_cmt(a) == MPSCTP_CMT_OFF)
                        sim_flow_log(s, f, SIM_CLIENT, SIM_FEV_DATA_PATH, path, path, 0);
                }
            }
        }
        off += (clen + 3) & ~(size_t)3;
    }
}

/* ---- sender queue ---------------------------------------------------------------- */

int sim_flow_sqinfo(sim_flow *f, uint32_t *limit, uint32_t *total, uint32_t *nstreams)
{
    mpsctp_assoc *a = f->side[SIM_CLIENT].assoc;
    if (!a)
        return -1;
    if (!f->sq_buf) { /* a NULL array asks for no per-stream counts */
        f->sq_buf = malloc(SIM_STREAM_STATS_MAX * sizeof(*f->sq_buf));
        if (!f->sq_buf)
            return -1;
        f->sq_cap = SIM_STREAM_STATS_MAX;
    }
    for (;;) {
        int r = mpsctp_assoc_sndqueue_info(a, limit, total, f->sq_buf, f->sq_cap, nstreams);
        if (r == 0)
            return 0;
        if (r != MPSCTP_ERR_NOBUFS || *nstreams <= f->sq_cap)
            return -1;
        uint32_t *n = realloc(f->sq_buf, *nstreams * sizeof(*n));
        if (!n)
            return -1;
        f->sq_buf = n;
        f->sq_cap = *nstreams;
    }
}

/* ---- samples ----------------------------------------------------------------------- */

size_t sim_flow_samples(const sim *s, size_t flow, const sim_path_sample **smp)
{
    if (flow >= s->nflows) {
        *smp = NULL;
        return 0;
    }
    *smp = s->flows[flow].smp;
    return s->flows[flow].nsmp;
}

void sim_flow_sample_ev(void *ctx, void *obj, uint64_t arg)
{
    sim *s = ctx;
    sim_flow *f = obj;
    mpsctp_assoc *a = f->side[SIM_CLIENT].assoc;
    if (f->nsmp == f->smp_cap) {
        size_t ncap = f->smp_cap ? f->smp_cap * 2 : 256;
        sim_path_sample *n = realloc(f->smp, ncap * sizeof(*n));
        if (!n) {
            sim_fail(s, "out of memory (samples)");
            return;
        }
        f->smp = n;
        f->smp_cap = ncap;
    }
    sim_path_sample *x = &f->smp[f->nsmp++];
    memset(x, 0, sizeof(*x));
    x->t = s->now;
    for (uint32_t p = 0; a && p < f->cfg.npaths; p++) {
        mpsctp_path_info pi;
        if (mpsctp_assoc_path_info(a, p, &pi) == 0)
            x->bytes_sent[p] = pi.bytes_sent;
    }
    uint32_t n;
    if (a && sim_flow_sqinfo(f, &x->sq_limit, &x->sq_total, &n) == 0) {
        x->sq_valid = 1;
        for (uint32_t k = 0; k < n && k < f->cfg.streams && k < SIM_STREAM_STATS_MAX; k++)
            x->sq_stream[k] = f->sq_buf[k];
    }
    int over = f->cfg.bytes ? f->finished : 0;
    if (!over && s->now + f->cfg.sample_ns <= s->end)
        sim_schedule(s, s->now + f->cfg.sample_ns, sim_flow_sample_ev, f, 0);
}

/* ---- metrics ------------------------------------------------------------------- */

void sim_flow_warmup(sim *s, sim_flow *f)
{
    f->warm_delivered = f->bytes_delivered;
    for (uint32_t p = 0; p < f->cfg.npaths; p++)
        f->warm_new[p] = f->new_data[p];
    for (uint32_t k = 0; k < f->cfg.streams; k++)
        f->rs[k].warm_bytes = f->rs[k].bytes;
}

/* Counts queued messages neither delivered nor failed, and unsent failures delivered. */
static void flow_accounting(const sim_flow *f, sim_flow_metrics *m)
{
    for (uint64_t i = 0; i < f->next_msg; i++) {
        if (!sim_flow_msg_queued(f, i))
            continue;
        int got = sim_bitmap_test(f->got, f->got_cap, i);
        int failed = sim_bitmap_test(f->failed, f->failed_cap, i);
        if (!got && !failed)
            m->unaccounted++;
        if (got && sim_bitmap_test(f->unsent, f->unsent_cap, i))
            m->unsent_delivered++;
    }
}

int sim_flow_metrics_get(sim *s, size_t flow, sim_flow_metrics *m)
{
    if (flow >= s->nflows)
        return -1;
    sim_flow *f = &s->flows[flow];
    memset(m, 0, sizeof(*m));
    snprintf(m->name, sizeof(m->name), "%s", f->cfg.name);
    m->bytes_delivered = f->bytes_delivered;
    m->bytes_expected = f->cfg.bytes;
    m->bytes_queued = f->bytes_queued;
    m->messages_delivered = f->msgs_delivered;
    m->complete = f->cfg.bytes && f->msgs_delivered == f->total_msgs;
    m->established = f->side[SIM_CLIENT].up && f->side[SIM_SERVER].up;
    m->verified = !f->bad;
    m->intact = !f->corrupt;
    m->send_failed = f->send_failed;
    m->send_failed_unsent = f->send_failed_unsent;
    flow_accounting(f, m);
    if (f->bad)
        snprintf(m->error, sizeof(m->error), "%s", f->err);
    if (m->verified && f->cfg.bytes && !m->complete) {
        m->verified = 0;
        snprintf(m->error, sizeof(m->error), "transfer incomplete");
    }
    if (m->verified && !f->cfg.bytes && s->now > f->cfg.start_ns && f->bytes_delivered == 0) {
        m->verified = 0;
        snprintf(m->error, sizeof(m->error), "nothing delivered");
    }
    uint64_t endt = m->complete ? f->last_delivery : s->now;
    /* With a warm-up, a saturated flow that started before its end counts from it: the
     * interval starts there and what was done before it (warm_*) is taken off. */
    int warm = !f->cfg.bytes && s->warm_taken && s->cfg.warmup_ns > f->cfg.start_ns &&
               s->now > s->cfg.warmup_ns;
    uint64_t mfrom = warm ? s->cfg.warmup_ns : f->cfg.start_ns;
    uint64_t dur = endt > mfrom ? endt - mfrom : 0;
    m->duration_s = (double)dur / 1e9;
    m->goodput_bps = dur ? (double)(f->bytes_delivered - (warm ? f->warm_delivered : 0)) *
                               8.0 / m->duration_s
                         : 0.0;
    for (uint32_t p = 0; dur && p < f->cfg.npaths; p++)
        m->paths[p].goodput_bps =
            (double)(f->new_data[p] - (warm ? f->warm_new[p] : 0)) * 8.0 / m->duration_s;
    m->path_select = (f->cfg.set & SIM_FS_PATHSEL) ? f->cfg.path_select : MPSCTP_PATHSEL_RR;
    m->sqlimit = f->cfg.sqlimit;
    m->nstreams = f->cfg.streams;
    for (uint32_t k = 0; k < f->cfg.streams && k < SIM_STREAM_STATS_MAX; k++) {
        m->stream_bytes[k] = f->rs[k].bytes;
        if (dur)
            m->stream_goodput_bps[k] =
                (double)(f->rs[k].bytes - (warm ? f->rs[k].warm_bytes : 0)) * 8.0 /
                m->duration_s;
    }
    uint64_t stall = f->max_stall, stall_from = f->max_stall_from;
    if (f->bytes_queued > f->bytes_delivered) {
        uint64_t from = f->last_delivery > f->outstanding_since ? f->last_delivery
                                                                 : f->outstanding_since;
        if (s->now > from && s->now - from > stall) {
            stall = s->now - from;
            stall_from = from;
        }
    }
    m->max_stall_s = (double)stall / 1e9;
    m->max_stall_at_s = (double)stall_from / 1e9;
    mpsctp_assoc *a = f->side[SIM_CLIENT].assoc;
    mpsctp_assoc *b = f->side[SIM_SERVER].assoc;
    m->client_state = a ? mpsctp_assoc_state(a) : MPSCTP_CLOSED;
    m->cmt = (f->cfg.set & SIM_FS_CMT) ? f->cfg.cmt : MPSCTP_CMT_OFF;
    m->server_state = b ? mpsctp_assoc_state(b) : MPSCTP_CLOSED;
    m->npaths = f->cfg.npaths;
    for (uint32_t p = 0; p < f->cfg.npaths; p++) {
        m->paths[p].wire_data_bytes = f->wire_data[p];
        m->paths[p].new_data_bytes = f->new_data[p];
        m->paths[p].last_new_data_s = (double)f->last_new[p] / 1e9;
    }
    if (a) {
        mpsctp_assoc_status st;
        if (mpsctp_assoc_status_get(a, &st) == 0) {
            m->cmt = st.cmt;
            m->nr_sack = st.nr_sack != 0;
            m->retransmissions = st.retransmissions;
            m->fast_retransmissions = st.fast_retransmissions;
            m->t3_expirations = st.t3_expirations;
            m->t3_lost_rtx = st.t3_lost_rtx;
            m->rtx_lost = st.rtx_lost;
        }
        for (uint32_t p = 0; p < f->cfg.npaths; p++) {
            mpsctp_path_info pi;
            if (mpsctp_assoc_path_info(a, p, &pi) != 0)
                continue;
            sim_path_metrics *x = &m->paths[p];
            x->bytes_sent = pi.bytes_sent;
            x->retransmissions = pi.retransmissions;
            x->t3_expirations = pi.t3_expirations;
            x->heartbeats_sent = pi.heartbeats_sent;
            x->heartbeat_acks = pi.heartbeat_acks_received;
            x->cwnd = pi.cwnd;
            x->ssthresh = pi.ssthresh;
            x->srtt_ms = pi.srtt_ms;
            x->rto_ms = pi.rto_ms;
            x->error_count = pi.error_count;
            x->state_changes = pi.state_changes;
            x->active = pi.active;
            x->confirmed = pi.confirmed;
            x->pf = pi.pf;
            x->primary = pi.primary;
            x->data_path = pi.data_path;
        }
    }
    if (b) {
        /* The server's path order follows the client's address list in INIT. */
        for (uint32_t p = 0; p < f->cfg.npaths; p++) {
            mpsctp_addr want = f->addr[p][SIM_CLIENT];
            for (uint32_t q = 0; q < SIM_MAX_PATHS; q++) {
                mpsctp_path_info pi;
                if (mpsctp_assoc_path_info(b, q, &pi) != 0)
                    break;
                if (mpsctp_addr_equal(&pi.remote, &want)) {
                    m->paths[p].bytes_received = pi.bytes_received;
                    break;
                }
            }
        }
    }
    return 0;
}
