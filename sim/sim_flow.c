/* sim_flow: the endpoints of a flow, its traffic source and the receiver's checks. */
#include <sys/types.h>

#include "sim_internal.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim_payload.h"

#define FLOW_RBUF 65536u

static const char *flow_side_name(int side)
{
    return side == SIM_CLIENT ? "client" : "server";
}

/* Keeps the first verification problem of f. */
static void flow_vfail(sim_flow *f, const char *fmt, va_list ap)
{
    if (f->bad)
        return;
    f->bad = 1;
    vsnprintf(f->err, sizeof(f->err), fmt, ap);
}

void sim_flow_failf(sim_flow *f, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    flow_vfail(f, fmt, ap);
    va_end(ap);
}

/* Records a wrong delivery (bytes, duplicate, order): verification failed and the
 * delivered data is no longer intact. */
static void flow_corruptf(sim_flow *f, const char *fmt, ...)
{
    f->corrupt = 1;
    va_list ap;
    va_start(ap, fmt);
    flow_vfail(f, fmt, ap);
    va_end(ap);
}

static void flow_random_cb(void *user, void *buf, size_t len)
{
    sim_side *sd = user;
    sim_rng_bytes(&sd->s->rng, buf, len);
}

static void flow_log_cb(void *user, int level, const char *msg)
{
    sim_side *sd = user;
    if (level > sd->s->cfg.log_level)
        return;
    fprintf(stderr, "[%.6f] %s %s: %s\n", (double)sd->s->now / 1e9, sd->f->cfg.name,
            flow_side_name(sd->side), msg);
}

/* Length of message idx. */
static size_t flow_msg_len(const sim_flow *f, uint64_t idx)
{
    if (f->cfg.bytes && idx + 1 == f->total_msgs)
        return (size_t)(f->cfg.bytes - idx * (uint64_t)f->cfg.msg_size);
    return f->cfg.msg_size;
}

int sim_flow_setup(sim *s, sim_flow *f, char *err, size_t errlen)
{
    for (int sd = 0; sd < 2; sd++) {
        f->side[sd].s = s;
        f->side[sd].f = f;
        f->side[sd].side = sd;
        f->side[sd].timer_at = UINT64_MAX;
    }
    for (uint32_t p = 0; p < f->cfg.npaths; p++)
        for (int sd = 0; sd < 2; sd++)
            mpsctp_addr_v4(&f->addr[p][sd],
                           (10u << 24) | ((uint32_t)f->index << 16) | (p << 8) |
                               (uint32_t)(sd + 1),
                           SIM_UDP_PORT);
    f->seed = sim_rng_mix64(s->cfg.seed ^ sim_rng_mix64(f->index + 1));
    f->data_path = -1;
    f->source_on = 1;
    f->sbuf_idx = UINT64_MAX;
    f->total_msgs = f->cfg.bytes ? (f->cfg.bytes + f->cfg.msg_size - 1) / f->cfg.msg_size
                                 : UINT64_MAX;
    f->sbuf = malloc(f->cfg.msg_size);
    f->rbuf_cap = FLOW_RBUF;
    f->rbuf = malloc(f->rbuf_cap);
    f->rs = calloc(f->cfg.streams, sizeof(*f->rs));
    if (f->cfg.sqlimit) {
        f->snext = calloc(f->cfg.streams, sizeof(*f->snext));
        if (f->snext)
            for (uint32_t i = 0; i < f->cfg.streams; i++)
                f->snext[i] = i;
    }
    if (!f->sbuf || !f->rbuf || !f->rs || (f->cfg.sqlimit && !f->snext)) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    for (uint32_t i = 0; i < f->cfg.streams; i++)
        f->rs[i].last = -1;
    for (int sd = 0; sd < 2; sd++) {
        mpsctp_settings st;
        mpsctp_settings_default(&st);
        st.local_port = sd == SIM_CLIENT ? SIM_CLIENT_PORT : SIM_SERVER_PORT;
        if (f->cfg.streams > st.num_ostreams)
            st.num_ostreams = f->cfg.streams;
        if (f->cfg.sndbuf)
            st.sndbuf = f->cfg.sndbuf;
        if (f->cfg.rcvbuf) {
            st.rcvbuf = f->cfg.rcvbuf;
            st.pd_point = f->cfg.rcvbuf / 4;
        }
        if (f->cfg.mtu)
            st.mtu = f->cfg.mtu;
        sim_flow_cfg_settings(&f->cfg, &st);
        if (s->cfg.settings_hook)
            s->cfg.settings_hook(s->cfg.settings_user, f->index, sd, &st);
        mpsctp_callbacks cb = {.user = &f->side[sd], .random = flow_random_cb};
        if (s->cfg.log_level >= 0)
            cb.log = flow_log_cb;
        f->side[sd].ep = mpsctp_endpoint_new(&st, &cb);
        if (!f->side[sd].ep) {
            snprintf(err, errlen, "flow %s: mpsctp_endpoint_new failed for the %s "
                     "(check sndbuf/rcvbuf >= 4k, mtu >= 508, rto_min <= rto_max)",
                     f->cfg.name,
                     flow_side_name(sd));
            return -1;
        }
        for (uint32_t p = 0; p < f->cfg.npaths; p++) {
            int r = mpsctp_endpoint_add_addr(f->side[sd].ep, &f->addr[p][sd]);
            if (r < 0) {
                snprintf(err, errlen, "flow %s: mpsctp_endpoint_add_addr: %s", f->cfg.name,
                         mpsctp_strerror(r));
                return -1;
            }
        }
    }
    mpsctp_endpoint_listen(f->side[SIM_SERVER].ep, 1);
    return 0;
}

void sim_flow_teardown(sim *s, sim_flow *f)
{
    for (int sd = 0; sd < 2; sd++) {
        sim_side *x = &f->side[sd];
        if (x->assoc)
            mpsctp_assoc_free(x->assoc);
        for (int i = 0; i < x->nextra; i++)
            mpsctp_assoc_free(x->extra[i]);
        x->assoc = NULL;
        x->nextra = 0;
        if (x->ep)
            mpsctp_endpoint_free(x->ep);
        x->ep = NULL;
    }
    free(f->sbuf);
    free(f->rbuf);
    free(f->rs);
    free(f->snext);
    free(f->sq_buf);
    f->snext = NULL;
    f->sq_buf = NULL;
    f->sq_cap = 0;
    free(f->got);
    free(f->failed);
    free(f->unsent);
    free(f->ev);
    free(f->smp);
    f->sbuf = f->rbuf = f->got = f->failed = f->unsent = NULL;
    f->rs = NULL;
    f->ev = NULL;
    f->smp = NULL;
    f->nev = f->nsmp = 0;
}

void sim_flow_finish(sim *s, sim_flow *f)
{
    if (f->finished || !f->cfg.bytes)
        return;
    f->finished = 1;
    if (s->active_transfers > 0)
        s->active_transfers--;
    if (s->active_transfers == 0 && !s->has_saturated) {
        s->end = s->now;
        s->ended = 1;
    }
}

static void flow_linger_ev(void *ctx, void *obj, uint64_t arg)
{
    sim_flow_finish(ctx, obj);
}

/* A transfer is over when all arrived and both ends closed, or when it cannot go on: the
 * client's association is gone, or verification failed for another reason than the
 * server's association ending (then the client still runs until it gives up too, so that
 * it reports what it could not deliver). */
static void flow_check_done(sim *s, sim_flow *f)
{
    if (!f->cfg.bytes || f->finished)
        return;
    int complete = f->msgs_delivered == f->total_msgs;
    if (complete && f->side[SIM_CLIENT].closed && f->side[SIM_SERVER].closed)
        sim_flow_finish(s, f);
    else if (!complete && (f->side[SIM_CLIENT].closed ||
                           (f->bad && !f->side[SIM_SERVER].closed)))
        sim_flow_finish(s, f);
}

/* ---- receiver ------------------------------------------------------------------ */

/* Checks one piece read by the server. */
static void flow_piece(sim *s, sim_flow *f, const mpsctp_rcvinfo *info, const uint8_t *buf,
                       size_t n, int eor)
{
    uint64_t idx = info->ppid;
    uint32_t k = f->cfg.streams;
    if (info->sid >= k) {
        flow_corruptf(f, "message %" PRIu64 " arrived on stream %u (only %u used)", idx,
                       info->sid, k);
        return;
    }
    if (!sim_flow_msg_queued(f, idx)) {
        flow_corruptf(f, "message %" PRIu64 " arrived but was never sent", idx);
        return;
    }
    if (idx % k != info->sid) {
        flow_corruptf(f, "message %" PRIu64 " arrived on stream %u, sent on %" PRIu64, idx,
                       info->sid, idx % k);
        return;
    }
    sim_rstream *rs = &f->rs[info->sid];
    if (rs->active) {
        if (rs->idx != idx) {
            flow_corruptf(f, "stream %u: part of message %" PRIu64 " inside message %" PRIu64,
                           info->sid, idx, rs->idx);
            return;
        }
    } else {
        if (sim_bitmap_test(f->got, f->got_cap, idx)) {
            flow_corruptf(f, "message %" PRIu64 " delivered twice", idx);
            return;
        }
        if (!f->cfg.unordered) {
            uint64_t want = rs->last < 0 ? info->sid : (uint64_t)rs->last + k;
            if (idx != want) {
                flow_corruptf(f, "stream %u: message %" PRIu64 " delivered, expected %" PRIu64
                               " (order broken or message missing)", info->sid, idx, want);
                return;
            }
        }
        if (!f->cfg.unordered && (info->flags & MPSCTP_UNORDERED)) {
            flow_corruptf(f, "message %" PRIu64 " flagged unordered", idx);
            return;
        }
        rs->active = 1;
        rs->idx = idx;
        rs->off = 0;
    }
    size_t len = flow_msg_len(f, idx);
    if (rs->off + n > len) {
        flow_corruptf(f, "message %" PRIu64 ": %" PRIu64 " bytes read, it has %zu", idx,
                       rs->off + n, len);
        return;
    }
    ssize_t bad = sim_payload_check(f->seed, idx, rs->off, buf, n);
    if (bad >= 0) {
        flow_corruptf(f, "message %" PRIu64 ": byte %" PRIu64 " is wrong", idx,
                       rs->off + (uint64_t)bad);
        return;
    }
    rs->off += n;
    rs->bytes += n;
    if (n > 0) {
        uint64_t from = f->last_delivery > f->outstanding_since ? f->last_delivery
                                                                 : f->outstanding_since;
        if (s->now - from > f->max_stall) {
            f->max_stall = s->now - from;
            f->max_stall_from = from;
        }
        if (f->bytes_delivered == 0)
            f->first_delivery = s->now;
        f->last_delivery = s->now;
        f->bytes_delivered += n;
    }
    if (eor) {
        if (rs->off != len) {
            flow_corruptf(f, "message %" PRIu64 ": ends after %" PRIu64 " of %zu bytes", idx,
                           rs->off, len);
            return;
        }
        if (sim_bitmap_mark(&f->got, &f->got_cap, idx) < 0) {
            sim_fail(s, "out of memory (receiver bitmap)");
            return;
        }
        rs->active = 0;
        rs->last = (int64_t)idx;
        f->msgs_delivered++;
        if (f->cfg.bytes && f->msgs_delivered == f->total_msgs) {
            f->done_at = s->now;
            sim_schedule(s, s->now + SIM_LINGER_NS, flow_linger_ev, f, 0);
        }
    }
}

static void side_read(sim *s, sim_side *sd)
{
    sim_flow *f = sd->f;
    if (!sd->assoc)
        return;
    for (;;) {
        mpsctp_rcvinfo info;
        int eor = 0;
        memset(&info, 0, sizeof(info));
        ssize_t n = mpsctp_assoc_recv(sd->assoc, f->rbuf, f->rbuf_cap, &info, &eor, s->now);
        if (n == MPSCTP_ERR_WOULDBLOCK || n == MPSCTP_ERR_CLOSED)
            break;
        if (n < 0) {
            sim_flow_failf(f, "mpsctp_assoc_recv: %s", mpsctp_strerror((int)n));
            break;
        }
        if (n == 0 && !eor)
            break;
        if (f->corrupt)
            continue; /* keep draining so the window stays open */
        flow_piece(s, f, &info, f->rbuf, (size_t)n, eor);
    }
}

/* ---- sender -------------------------------------------------------------------- */

/* Queues message i on stream i mod streams. Returns 0 when the send was accepted, 1
 * when the association takes nothing now (buffer full, not established), -1 on an
 * error (recorded; the source stops). */
static int flow_queue_msg(sim *s, sim_flow *f, mpsctp_assoc *a, uint64_t i)
{
    size_t len = flow_msg_len(f, i);
    if (f->sbuf_idx != i) {
        sim_payload_fill(f->seed, i, 0, f->sbuf, len);
        f->sbuf_idx = i;
    }
    mpsctp_sndinfo info = {
        .sid = (uint16_t)(i % f->cfg.streams),
        .flags = f->cfg.unordered ? MPSCTP_UNORDERED : 0,
        .ppid = (uint32_t)i,
        .context = (uint32_t)i,
    };
    int r = mpsctp_assoc_send(a, f->sbuf, len, &info, s->now);
    if (r == MPSCTP_ERR_WOULDBLOCK || r == MPSCTP_ERR_STATE)
        return 1;
    if (r < 0) {
        sim_flow_failf(f, "mpsctp_assoc_send(message %" PRIu64 ", %zu bytes): %s", i, len,
                       mpsctp_strerror(r));
        f->source_on = 0;
        return -1;
    }
    if (f->bytes_queued == f->bytes_delivered)
        f->outstanding_since = s->now;
    f->bytes_queued += len;
    f->msgs_queued++;
    return 0;
}

/* The SQINFO-driven source of experiment E6 (docs/results/README.md), on the numbers of
 * SCTP_SQINFO: a message goes to stream s only while the client's
 * sq_queued_on_stream[s] < sq_queue_limit / streams, read afresh before every send; the
 * streams with room take turns, one message each. */
static void side_refill_sqlimit(sim *s, sim_flow *f, mpsctp_assoc *a)
{
    uint32_t k = f->cfg.streams;
    while (s->now < s->end) {
        uint32_t limit, total, n;
        if (sim_flow_sqinfo(f, &limit, &total, &n) < 0)
            return;
        uint32_t share = limit / k;
        uint32_t st = k;
        for (uint32_t j = 0; j < k; j++) {
            uint32_t c = (f->sq_turn + j) % k;
            if (f->snext[c] < f->total_msgs && c < n && f->sq_buf[c] < share) {
                st = c;
                break;
            }
        }
        if (st == k)
            return;
        uint64_t i = f->snext[st];
        if (flow_queue_msg(s, f, a, i) != 0)
            return;
        f->sq_turn = (st + 1) % k;
        f->snext[st] += k;
        if (i + 1 > f->next_msg)
            f->next_msg = i + 1;
    }
}

static void side_refill(sim *s, sim_side *sd)
{
    sim_flow *f = sd->f;
    mpsctp_assoc *a = sd->assoc;
    if (!a || !f->source_on || f->shutdown_done)
        return;
    if (f->cfg.sqlimit)
        side_refill_sqlimit(s, f, a);
    else
        while (f->next_msg < f->total_msgs && s->now < s->end &&
               flow_queue_msg(s, f, a, f->next_msg) == 0)
            f->next_msg++;
    if (f->cfg.bytes && f->msgs_queued == f->total_msgs &&
        mpsctp_assoc_state(a) == MPSCTP_ESTABLISHED) {
        int r = mpsctp_assoc_shutdown(a, s->now);
        if (r == 0)
            f->shutdown_done = 1;
        else
            sim_flow_failf(f, "mpsctp_assoc_shutdown: %s", mpsctp_strerror(r));
    }
}

/* ---- endpoint driving ---------------------------------------------------------- */

/* Finds the path a packet from local to remote takes: the one whose two addresses they
 * are. A local address of family 0 lets the network choose the source: the path is the
 * one leading to remote and *local becomes this host's address on it. Returns the path
 * index, or -1 when no path matches. */
static int flow_route(const sim_flow *f, int side, mpsctp_addr *local,
                      const mpsctp_addr *remote)
{
    for (uint32_t p = 0; p < f->cfg.npaths; p++) {
        if (!mpsctp_addr_equal(remote, &f->addr[p][1 - side]))
            continue;
        if (local->family == 0) {
            *local = f->addr[p][side];
            return (int)p;
        }
        if (mpsctp_addr_equal(local, &f->addr[p][side]))
            return (int)p;
    }
    return -1;
}

static void flow_addr_str(const mpsctp_addr *a, char *buf, size_t len)
{
    if (a->family == MPSCTP_AF_INET)
        snprintf(buf, len, "%u.%u.%u.%u:%u", a->ip[0], a->ip[1], a->ip[2], a->ip[3],
                 a->udp_port);
    else
        snprintf(buf, len, "family %u", a->family);
}

static void side_drain(sim *s, sim_side *sd)
{
    sim_flow *f = sd->f;
    for (;;) {
        sim_pkt *p = sim_pkt_get(&s->pool, s->pool.cap);
        if (!p) {
            sim_fail(s, "out of memory (packets)");
            return;
        }
        ssize_t n = mpsctp_endpoint_send(sd->ep, p->data, p->cap, &p->from, &p->to, s->now);
        if (n == MPSCTP_ERR_NOBUFS) {
            sim_pkt_put(&s->pool, p);
            p = sim_pkt_get(&s->pool, 65536);
            if (!p) {
                sim_fail(s, "out of memory (packets)");
                return;
            }
            n = mpsctp_endpoint_send(sd->ep, p->data, p->cap, &p->from, &p->to, s->now);
        }
        if (n <= 0) {
            sim_pkt_put(&s->pool, p);
            if (n < 0)
                sim_flow_failf(f, "mpsctp_endpoint_send (%s): %s", flow_side_name(sd->side),
                               mpsctp_strerror((int)n));
            return;
        }
        int path = flow_route(f, sd->side, &p->from, &p->to);
        if (path < 0) {
            char la[48], ra[48];
            flow_addr_str(&p->from, la, sizeof(la));
            flow_addr_str(&p->to, ra, sizeof(ra));
            sim_flow_failf(f, "%s sent a packet from %s to %s: no path joins them",
                           flow_side_name(sd->side), la, ra);
            sim_pkt_put(&s->pool, p);
            continue;
        }
        p->flow = f;
        p->path = (uint32_t)path;
        p->dir = sd->side == SIM_CLIENT ? 0 : 1;
        p->len = (uint32_t)n;
        if (sd->side == SIM_CLIENT)
            sim_flow_note_data(s, f, p);
        sim_pkt_send(s, p);
    }
}

/* Maps the path index of a PEER_ADDR_CHANGE event to the flow's path index (the
 * server numbers the client's addresses in its own order). Returns the event's index
 * when the address is not one of the flow's. */
static uint32_t flow_path_of(const sim_flow *f, int side, const mpsctp_event *ev)
{
    mpsctp_path_info pi;
    if (!ev->assoc || mpsctp_assoc_path_info(ev->assoc, ev->path, &pi) != 0)
        return ev->path;
    for (uint32_t p = 0; p < f->cfg.npaths; p++)
        if (mpsctp_addr_equal(&pi.remote, &f->addr[p][1 - side]))
            return p;
    return ev->path;
}

/* Records a SEND_FAILED report: which message, whether any of it was transmitted. */
static void flow_send_failed(sim *s, sim_flow *f, const mpsctp_event *ev)
{
    uint64_t idx = ev->context;
    f->send_failed++;
    if (!sim_flow_msg_queued(f, idx)) {
        sim_flow_failf(f, "send failed for message %u, which was never queued", ev->context);
        return;
    }
    if (sim_bitmap_test(f->failed, f->failed_cap, idx))
        sim_flow_failf(f, "send failed reported twice for message %u", ev->context);
    if (sim_bitmap_mark(&f->failed, &f->failed_cap, idx) < 0)
        sim_fail(s, "out of memory (send failures)");
    if (!ev->sent) {
        f->send_failed_unsent++;
        if (sim_bitmap_mark(&f->unsent, &f->unsent_cap, idx) < 0)
            sim_fail(s, "out of memory (send failures)");
    }
    sim_flow_failf(f, "send failed for message %u (%u bytes)", ev->context, ev->length);
}

static int side_events(sim *s, sim_side *sd)
{
    sim_flow *f = sd->f;
    mpsctp_event ev;
    int n = 0;
    while (mpsctp_endpoint_next_event(sd->ep, &ev)) {
        n++;
        if (s->ev_hook)
            s->ev_hook(s->ev_hook_user, s, f->index, sd->side, &ev);
        if (ev.type == MPSCTP_EV_ASSOC_CHANGE)
            sim_flow_log(s, f, sd->side, SIM_FEV_ASSOC, 0, 0, ev.state);
        else if (ev.type == MPSCTP_EV_PEER_ADDR_CHANGE)
            sim_flow_log(s, f, sd->side, SIM_FEV_PATH, flow_path_of(f, sd->side, &ev),
                         ev.path, ev.state);
        if (ev.type == MPSCTP_EV_ASSOC_CHANGE) {
            switch (ev.state) {
            case MPSCTP_COMM_UP:
            case MPSCTP_RESTART:
                if (!sd->assoc) {
                    sd->assoc = ev.assoc;
                } else if (ev.assoc && ev.assoc != sd->assoc) {
                    int known = 0;
                    for (int i = 0; i < sd->nextra; i++)
                        known |= sd->extra[i] == ev.assoc;
                    if (!known && sd->nextra < 4)
                        sd->extra[sd->nextra++] = ev.assoc;
                    sim_flow_failf(f, "%s: a second association came up",
                                   flow_side_name(sd->side));
                }
                sd->up = 1;
                break;
            case MPSCTP_COMM_LOST:
            case MPSCTP_CANT_STR_ASSOC:
                if (ev.assoc == sd->assoc || !sd->assoc) {
                    sd->closed = 1;
                    if (!f->cfg.bytes || f->msgs_delivered < f->total_msgs)
                        sim_flow_failf(f, "%s: association %s at %.6f s",
                                       flow_side_name(sd->side),
                                       ev.state == MPSCTP_COMM_LOST ? "lost"
                                                                    : "could not start",
                                       (double)s->now / 1e9);
                }
                break;
            case MPSCTP_SHUTDOWN_COMP:
                if (ev.assoc == sd->assoc || !sd->assoc)
                    sd->closed = 1;
                break;
            default:
                break;
            }
        } else if (ev.type == MPSCTP_EV_SEND_FAILED) {
            flow_send_failed(s, f, &ev);
        }
    }
    return n;
}

static void side_timer_ev(void *ctx, void *obj, uint64_t gen);

static void side_rearm(sim *s, sim_side *sd)
{
    mpsctp_tstamp d = mpsctp_endpoint_deadline(sd->ep);
    if (d == MPSCTP_TSTAMP_NEVER)
        return;
    if (d < s->now)
        d = s->now;
    if (d < sd->timer_at) {
        sd->timer_gen++;
        sd->timer_at = d;
        sim_schedule(s, d, side_timer_ev, sd, sd->timer_gen);
    }
}

/* Everything an endpoint needs after it got a packet or a timer ran. */
static void side_service(sim *s, sim_side *sd)
{
    for (int round = 0; round < 4; round++) {
        int nev = side_events(s, sd);
        if (round > 0 && nev == 0)
            break;
        if (sd->side == SIM_SERVER)
            side_read(s, sd);
        else
            side_refill(s, sd);
        side_drain(s, sd);
    }
    flow_check_done(s, sd->f);
    side_rearm(s, sd);
}

static void side_timer_ev(void *ctx, void *obj, uint64_t gen)
{
    sim *s = ctx;
    sim_side *sd = obj;
    if (gen != sd->timer_gen)
        return;
    sd->timer_at = UINT64_MAX;
    mpsctp_endpoint_timeout(sd->ep, s->now);
    side_service(s, sd);
    if (sd->spin_at == s->now) {
        sd->spin_count++;
    } else {
        sd->spin_at = s->now;
        sd->spin_count = 0;
    }
    if (sd->spin_count > 1000 && sd->timer_at <= s->now) {
        /* The deadline does not move although its timers ran: report it and poll
         * every millisecond instead of spinning at one instant. */
        sim_flow_failf(sd->f, "%s: endpoint deadline stays at %.6f s after "
                       "mpsctp_endpoint_timeout", flow_side_name(sd->side),
                       (double)s->now / 1e9);
        sd->timer_gen++;
        sd->timer_at = s->now + 1000000ull;
        sim_schedule(s, sd->timer_at, side_timer_ev, sd, sd->timer_gen);
    }
}

void sim_flow_start_ev(void *ctx, void *obj, uint64_t arg)
{
    sim *s = ctx;
    sim_flow *f = obj;
    sim_side *c = &f->side[SIM_CLIENT];
    mpsctp_addr remotes[SIM_MAX_PATHS];
    for (uint32_t p = 0; p < f->cfg.npaths; p++)
        remotes[p] = f->addr[p][SIM_SERVER];
    if (f->cfg.sample_ns)
        sim_flow_sample_ev(s, f, 0);
    int r = mpsctp_endpoint_connect(c->ep, remotes, f->cfg.npaths, SIM_SERVER_PORT, s->now,
                                    &c->assoc);
    if (r < 0) {
        c->assoc = NULL;
        sim_flow_failf(f, "mpsctp_endpoint_connect: %s", mpsctp_strerror(r));
        c->closed = 1;
        flow_check_done(s, f);
        return;
    }
    for (uint32_t i = 0; i < f->cfg.nssvalue; i++) {
        r = mpsctp_assoc_set_stream_value(c->assoc, f->cfg.ssvalue[i].sid,
                                          f->cfg.ssvalue[i].value);
        if (r < 0)
            sim_flow_failf(f, "ssvalue %u:%u: %s", f->cfg.ssvalue[i].sid,
                           f->cfg.ssvalue[i].value, mpsctp_strerror(r));
    }
    side_service(s, c);
}

void sim_flow_deliver(sim *s, sim_pkt *p)
{
    sim_flow *f = p->flow;
    sim_side *sd = &f->side[p->dir == 0 ? SIM_SERVER : SIM_CLIENT];
    (void)mpsctp_endpoint_recv(sd->ep, p->data, p->len, &p->to, &p->from, s->now);
    sim_pkt_put(&s->pool, p);
    side_service(s, sd);
}

int sim_flow_set_cmt(sim *s, size_t flow, uint32_t mode)
{
    if (flow >= s->nflows || mode > MPSCTP_CMT_MAX)
        return -1;
    sim_flow *f = &s->flows[flow];
    sim_side *c = &f->side[SIM_CLIENT];
    if (!c->assoc || c->closed)
        return -1;
    if (mpsctp_assoc_set_cmt(c->assoc, mode) < 0)
        return -1;
    sim_side *sv = &f->side[SIM_SERVER];
    if (sv->assoc && !sv->closed)
        (void)mpsctp_assoc_set_cmt(sv->assoc, mode);
    /* The change applies at the next transmission decision (docs/cmt.md, Modes). */
    side_service(s, c);
    return 0;
}
