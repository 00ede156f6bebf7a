/* sim: the simulation engine: virtual time, links, packet transport, hooks. */
#include "sim_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- configuration ------------------------------------------------------------- */

void sim_flow_cfg_default(sim_flow_cfg *f)
{
    memset(f, 0, sizeof(*f));
    f->msg_size = SIM_DEFAULT_MSG;
    f->streams = 1;
}

void sim_flow_cfg_settings(const sim_flow_cfg *f, mpsctp_settings *st)
{
    if (f->set & SIM_FS_RTO_MIN)
        st->rto_min_ms = f->rto_min_ms;
    if (f->set & SIM_FS_RTO_MAX)
        st->rto_max_ms = f->rto_max_ms;
    if (f->set & SIM_FS_RTO_INITIAL)
        st->rto_initial_ms = f->rto_initial_ms;
    if (f->set & SIM_FS_PMR)
        st->path_max_retrans = f->path_max_retrans;
    if (f->set & SIM_FS_AMR)
        st->assoc_max_retrans = f->assoc_max_retrans;
    if (f->set & SIM_FS_PF)
        st->pf_max_retrans = f->pf_max_retrans;
    if (f->set & SIM_FS_HB)
        st->hb_interval_ms = f->hb_interval_ms;
    if (f->set & SIM_FS_CMT)
        st->cmt = f->cmt;
    if (f->set & SIM_FS_BUFSPLIT)
        st->cmt_bufsplit = f->bufsplit;
    if (f->set & SIM_FS_NRSACK)
        st->nr_sack = f->nr_sack;
    if (f->set & SIM_FS_RTX)
        st->cmt_rtx_policy = f->rtx_policy;
    if (f->set & SIM_FS_SACKPATH)
        st->sack_path = f->sack_path;
    if (f->set & SIM_FS_PATHSEL)
        st->path_select = f->path_select;
    if (f->set & SIM_FS_LOSSREC)
        st->loss_recovery = f->loss_recovery;
    if (f->set & SIM_FS_SCHED)
        st->stream_sched = f->sched;
}

const char *sim_cmt_name(uint32_t mode)
{
    static const char *const names[] = {"off", "cmt", "rpv1", "rpv2", "mptcp"};
    return mode < sizeof(names) / sizeof(names[0]) ? names[mode] : "?";
}

int sim_flow_cfg_check(const sim_flow_cfg *f, char *err, size_t errlen)
{
    mpsctp_settings st;
    mpsctp_settings_default(&st);
    sim_flow_cfg_settings(f, &st);
    if (st.rto_min_ms == 0) {
        snprintf(err, errlen, "rto_min must be at least 1 ms");
        return -1;
    }
    if (st.rto_min_ms > st.rto_max_ms) {
        snprintf(err, errlen, "rto_min (%u ms) is above rto_max (%u ms)", st.rto_min_ms,
                 st.rto_max_ms);
        return -1;
    }
    if (st.rto_initial_ms < st.rto_min_ms || st.rto_initial_ms > st.rto_max_ms) {
        snprintf(err, errlen, "rto_initial (%u ms) is outside [rto_min, rto_max] = "
                 "[%u, %u] ms", st.rto_initial_ms, st.rto_min_ms, st.rto_max_ms);
        return -1;
    }
    if (st.cmt > MPSCTP_CMT_MAX || st.cmt_bufsplit & ~(MPSCTP_BUFSPLIT_SENDER |
                                                        MPSCTP_BUFSPLIT_RECEIVER) ||
        st.nr_sack > 1 || st.cmt_rtx_policy > MPSCTP_RTX_SSTHRESH ||
        st.sack_path > MPSCTP_SACK_PATH_MIN_RTT || st.path_select > MPSCTP_PATHSEL_STREAM) {
        snprintf(err, errlen, "CMT setting out of range (cmt %u, bufsplit %u, nrsack %u, "
                 "rtx %u, sackpath %u, pathsel %u)", st.cmt, st.cmt_bufsplit, st.nr_sack,
                 st.cmt_rtx_policy, st.sack_path, st.path_select);
        return -1;
    }
    if ((f->set & SIM_FS_PF) && st.pf_max_retrans >= st.path_max_retrans) {
        snprintf(err, errlen, "pf (%u) must be below pmr (%u); leave pf out to turn "
                 "potentially-failed off", st.pf_max_retrans, st.path_max_retrans);
        return -1;
    }
    return 0;
}

void sim_config_init(sim_config *c)
{
    memset(c, 0, sizeof(*c));
    c->seed = 1;
    c->log_level = -1;
}

void sim_config_free(sim_config *c)
{
    free(c->links);
    free(c->flows);
    free(c->events);
    c->links = NULL;
    c->flows = NULL;
    c->events = NULL;
    c->nlinks = c->nflows = c->nevents = 0;
}

static int config_append(void **arr, size_t *n, size_t elem, const void *item)
{
    void *na = realloc(*arr, (*n + 1) * elem);
    if (!na)
        return -1;
    memcpy((char *)na + *n * elem, item, elem);
    *arr = na;
    return (int)(*n)++;
}

int sim_config_add_link(sim_config *c, const sim_link_cfg *l)
{
    return config_append((void **)&c->links, &c->nlinks, sizeof(*l), l);
}

int sim_config_add_flow(sim_config *c, const sim_flow_cfg *f)
{
    return config_append((void **)&c->flows, &c->nflows, sizeof(*f), f);
}

int sim_config_add_event(sim_config *c, const sim_event_cfg *e)
{
    return config_append((void **)&c->events, &c->nevents, sizeof(*e), e);
}

/* ---- engine ---------------------------------------------------------------------- */

void sim_fail(sim *s, const char *msg)
{
    if (!s->failed) {
        snprintf(s->err, sizeof(s->err), "%s", msg);
        s->failed = 1;
    }
}

static void link_apply(sim *s, sim_link *l, const sim_link_params *p, unsigned set)
{
    if (set & SIM_LP_RATE)
        l->p.rate_bps = p->rate_bps;
    if (set & SIM_LP_DELAY)
        l->p.delay_ns = p->delay_ns;
    if (set & SIM_LP_QUEUE) {
        l->p.queue_pkts = p->queue_pkts;
        l->p.queue_bytes = p->queue_bytes;
    }
    if (set & SIM_LP_RED) {
        l->p.red = p->red;
        l->p.red_minth = p->red_minth;
        l->p.red_maxth = p->red_maxth;
        l->p.red_maxp = p->red_maxp;
        l->p.red_wq = p->red_wq;
    }
    if (set & SIM_LP_LOSS)
        l->p.loss = p->loss;
    if (set & SIM_LP_REORDER)
        l->p.reorder = p->reorder;
    if (set & SIM_LP_REORDER_DELAY)
        l->p.reorder_delay_ns = p->reorder_delay_ns;
    if (set & SIM_LP_DUP)
        l->p.dup = p->dup;
    if (set & SIM_LP_JITTER)
        l->p.jitter_ns = p->jitter_ns;
    if (set & SIM_LP_UP) {
        if (l->p.up && !p->up) {
            sim_link_dir_down(&l->dir[0], s->now);
            sim_link_dir_down(&l->dir[1], s->now);
        }
        l->p.up = p->up;
    }
}

/* The end of the warm-up: remember what every flow and link had done so far. */
static void sim_warmup_ev(void *ctx, void *obj, uint64_t arg)
{
    sim *s = ctx;
    s->warm_taken = 1;
    for (size_t i = 0; i < s->nflows; i++)
        sim_flow_warmup(s, &s->flows[i]);
    for (size_t i = 0; i < s->nlinks; i++)
        for (int d = 0; d < 2; d++)
            s->links[i].warm_busy[d] = s->links[i].dir[d].st.busy_ns;
}

static void sim_config_event_ev(void *ctx, void *obj, uint64_t arg)
{
    sim *s = ctx;
    const sim_event_cfg *e = &s->cfg.events[arg];
    if (e->kind == SIM_EVENT_FLOW_CMT) {
        /* A flow whose association is not up (yet, or any more) has nothing to change. */
        (void)sim_flow_set_cmt(s, e->flow, e->value);
        return;
    }
    sim_link *l = &s->links[e->link];
    sim_link_params p = l->p;
    switch (e->kind) {
    case SIM_EVENT_LINK_DOWN:
        p.up = 0;
        link_apply(s, l, &p, SIM_LP_UP);
        break;
    case SIM_EVENT_LINK_UP:
        p.up = 1;
        link_apply(s, l, &p, SIM_LP_UP);
        break;
    case SIM_EVENT_LINK_SET:
        link_apply(s, l, &e->p, e->set);
        break;
    case SIM_EVENT_FLOW_CMT:
        break;
    }
}

sim *sim_new(const sim_config *c, char *err, size_t errlen)
{
    if (err && errlen)
        err[0] = '\0';
    if (c->nflows > SIM_MAX_FLOWS) {
        snprintf(err, errlen, "too many flows (at most %d)", SIM_MAX_FLOWS);
        return NULL;
    }
    for (size_t i = 0; i < c->nlinks; i++) {
        const char *why = sim_link_params_check(&c->links[i].p);
        if (why) {
            snprintf(err, errlen, "link %s: %s", c->links[i].name, why);
            return NULL;
        }
    }
    uint32_t maxmtu = 1480;
    for (size_t i = 0; i < c->nflows; i++) {
        const sim_flow_cfg *f = &c->flows[i];
        if (f->npaths == 0) {
            snprintf(err, errlen, "flow %s: no path", f->name);
            return NULL;
        }
        if (f->npaths > SIM_MAX_PATHS) {
            snprintf(err, errlen, "flow %s: more than %d paths", f->name, SIM_MAX_PATHS);
            return NULL;
        }
        char why[160];
        if (sim_flow_cfg_check(f, why, sizeof(why)) < 0) {
            snprintf(err, errlen, "flow %s: %s", f->name, why);
            return NULL;
        }
        for (uint32_t p = 0; p < f->npaths; p++) {
            if (f->paths[p].nlinks == 0 || f->paths[p].nlinks > SIM_MAX_HOPS) {
                snprintf(err, errlen, "flow %s: path %u has no links", f->name, p);
                return NULL;
            }
            for (uint32_t h = 0; h < f->paths[p].nlinks; h++)
                if (f->paths[p].links[h] >= c->nlinks) {
                    snprintf(err, errlen, "flow %s: unknown link index %u", f->name,
                             f->paths[p].links[h]);
                    return NULL;
                }
        }
        if (f->msg_size == 0 || f->streams == 0) {
            snprintf(err, errlen, "flow %s: msg and streams must be positive", f->name);
            return NULL;
        }
        if (f->mtu > maxmtu)
            maxmtu = f->mtu;
    }
    for (size_t i = 0; i < c->nevents; i++) {
        const sim_event_cfg *e = &c->events[i];
        if (e->kind == SIM_EVENT_FLOW_CMT) {
            if (e->flow >= c->nflows || e->value > MPSCTP_CMT_MAX) {
                snprintf(err, errlen, "event %zu: unknown flow index or CMT mode", i);
                return NULL;
            }
        } else if (e->link >= c->nlinks) {
            snprintf(err, errlen, "event %zu: unknown link index", i);
            return NULL;
        }
    }

    sim *s = calloc(1, sizeof(*s));
    if (!s) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    s->cfg = *c;
    s->cfg.links = NULL;
    s->cfg.flows = NULL;
    s->cfg.events = NULL;
    s->cfg.nlinks = s->cfg.nflows = s->cfg.nevents = 0;
    sim_rng_seed(&s->rng, c->seed);
    sim_evq_init(&s->evq);
    sim_pkt_pool_init(&s->pool, maxmtu);
    if (c->nevents) {
        s->cfg.events = malloc(c->nevents * sizeof(*c->events));
        if (!s->cfg.events)
            goto nomem;
        memcpy(s->cfg.events, c->events, c->nevents * sizeof(*c->events));
        s->cfg.nevents = c->nevents;
    }
    s->links = calloc(c->nlinks ? c->nlinks : 1, sizeof(*s->links));
    s->flows = calloc(c->nflows ? c->nflows : 1, sizeof(*s->flows));
    if (!s->links || !s->flows)
        goto nomem;
    s->nlinks = c->nlinks;
    for (size_t i = 0; i < c->nlinks; i++) {
        memcpy(s->links[i].name, c->links[i].name, SIM_NAME_MAX);
        s->links[i].name[SIM_NAME_MAX - 1] = '\0';
        s->links[i].p = c->links[i].p;
        sim_link_dir_init(&s->links[i].dir[0]);
        sim_link_dir_init(&s->links[i].dir[1]);
    }
    for (size_t i = 0; i < c->nflows; i++) {
        sim_flow *f = &s->flows[i];
        f->cfg = c->flows[i];
        f->cfg.name[SIM_NAME_MAX - 1] = '\0';
        f->index = i;
        s->nflows = i + 1;
        if (sim_flow_setup(s, f, err, errlen) < 0) {
            sim_free(s);
            return NULL;
        }
        if (f->cfg.bytes)
            s->active_transfers++;
        else
            s->has_saturated = 1;
    }
    if (c->duration_ns)
        s->end = c->duration_ns;
    else if (s->has_saturated || c->nflows == 0)
        s->end = SIM_DEFAULT_DURATION_NS;
    else
        s->end = SIM_MAX_TIME_NS;
    for (size_t i = 0; i < c->nflows; i++)
        if (sim_evq_push(&s->evq, s->flows[i].cfg.start_ns, sim_flow_start_ev,
                         &s->flows[i], 0) < 0)
            goto nomem;
    for (size_t i = 0; i < s->cfg.nevents; i++)
        if (sim_evq_push(&s->evq, s->cfg.events[i].at, sim_config_event_ev, NULL, i) < 0)
            goto nomem;
    if (c->warmup_ns && sim_evq_push(&s->evq, c->warmup_ns, sim_warmup_ev, NULL, 0) < 0)
        goto nomem;
    return s;
nomem:
    snprintf(err, errlen, "out of memory");
    sim_free(s);
    return NULL;
}

static void sim_pkt_event_free(sim *s);

void sim_free(sim *s)
{
    if (!s)
        return;
    sim_pkt_event_free(s);
    for (size_t i = 0; i < s->nflows; i++)
        sim_flow_teardown(s, &s->flows[i]);
    for (size_t i = 0; i < s->nlinks; i++) {
        sim_link_dir_free(&s->links[i].dir[0]);
        sim_link_dir_free(&s->links[i].dir[1]);
    }
    sim_evq_free(&s->evq);
    sim_pkt_pool_free(&s->pool);
    free(s->links);
    free(s->flows);
    free(s->cfg.events);
    free(s);
}

int sim_run_until(sim *s, uint64_t t)
{
    if (t > s->end)
        t = s->end;
    sim_event ev;
    while (!s->ended && !s->failed && sim_evq_peek_time(&s->evq) <= t) {
        if (sim_evq_peek_time(&s->evq) > s->end)
            break;
        sim_evq_pop(&s->evq, &ev);
        s->now = ev.at;
        ev.fn(s, ev.obj, ev.arg);
        if (s->step_hook)
            s->step_hook(s->step_hook_user, s, s->now);
    }
    if (s->failed)
        return -1;
    if (!s->ended && s->now < t)
        s->now = t;
    if (s->now >= s->end || s->ended) {
        s->ended = 1;
        return 0;
    }
    return 1;
}

int sim_run(sim *s)
{
    int r;
    do {
        r = sim_run_until(s, s->end);
    } while (r == 1);
    return r < 0 ? -1 : 0;
}

uint64_t sim_now(const sim *s)
{
    return s->now;
}

uint64_t sim_end_time(const sim *s)
{
    return s->end;
}

sim_rng *sim_get_rng(sim *s)
{
    return &s->rng;
}

const char *sim_error(const sim *s)
{
    return s->failed ? s->err : NULL;
}

int sim_schedule(sim *s, uint64_t at, sim_evq_fn fn, void *obj, uint64_t arg)
{
    if (at < s->now)
        at = s->now;
    if (sim_evq_push(&s->evq, at, fn, obj, arg) < 0) {
        sim_fail(s, "out of memory (event queue)");
        return -1;
    }
    return 0;
}

/* ---- packets through links ----------------------------------------------------- */

static void sim_pkt_arrive_ev(void *ctx, void *obj, uint64_t arg);

/* Link index of hop p->hop in p's travel direction. */
static uint32_t pkt_link(const sim *s, const sim_pkt *p)
{
    const sim_flow *f = p->flow;
    const sim_path_cfg *path = &f->cfg.paths[p->path];
    return p->dir == 0 ? path->links[p->hop] : path->links[path->nlinks - 1 - p->hop];
}

/* Offers p to the link of its current hop; schedules its arrival or frees it. */
static void pkt_enter_link(sim *s, sim_pkt *p)
{
    uint32_t li = pkt_link(s, p);
    sim_link *l = &s->links[li];
    sim_link_dir *d = &l->dir[p->dir];
    if (s->filter) {
        const sim_flow *f = p->flow;
        sim_pkt_view v = {
            .flow = f->index, .path = p->path, .dir = p->dir, .link = li, .hop = p->hop,
            .from = &p->from, .to = &p->to, .data = p->data, .len = p->len, .now = s->now,
        };
        if (s->filter(s->filter_user, s, &v)) {
            sim_pkt_put(&s->pool, p);
            return;
        }
    }
    sim_link_out out;
    sim_link_verdict v = sim_link_dir_admit(d, &l->p, &s->rng, s->now,
                                            p->len + SIM_WIRE_OVERHEAD, &out);
    if (v != SIM_LINK_PASS) {
        sim_pkt_put(&s->pool, p);
        return;
    }
    p->epoch = d->epoch;
    if (out.duplicate) {
        sim_pkt *c = sim_pkt_get(&s->pool, p->len);
        if (c) {
            uint32_t cap = c->cap;
            memcpy(c, p, sizeof(*p) + p->len);
            c->cap = cap;
            c->next = NULL;
            if (sim_schedule(s, out.arrival, sim_pkt_arrive_ev, c, 0) < 0)
                sim_pkt_put(&s->pool, c);
        }
    }
    if (sim_schedule(s, out.arrival, sim_pkt_arrive_ev, p, 0) < 0)
        sim_pkt_put(&s->pool, p);
}

static void sim_pkt_arrive_ev(void *ctx, void *obj, uint64_t arg)
{
    sim *s = ctx;
    sim_pkt *p = obj;
    uint32_t li = pkt_link(s, p);
    sim_link *l = &s->links[li];
    sim_link_dir *d = &l->dir[p->dir];
    if (p->epoch != d->epoch || !l->p.up) {
        d->st.dropped_down++;
        sim_pkt_put(&s->pool, p);
        return;
    }
    d->st.packets_fwd++;
    d->st.bytes_fwd += p->len + SIM_WIRE_OVERHEAD;
    const sim_flow *f = p->flow;
    if (p->hop + 1 < f->cfg.paths[p->path].nlinks) {
        p->hop++;
        pkt_enter_link(s, p);
        return;
    }
    sim_flow_deliver(s, p);
}

void sim_pkt_send(sim *s, sim_pkt *p)
{
    p->hop = 0;
    pkt_enter_link(s, p);
}

/* Injected packets travel in events that carry no link. */
static void sim_inject_ev(void *ctx, void *obj, uint64_t arg)
{
    sim_flow_deliver(ctx, obj);
}

int sim_inject(sim *s, size_t flow, int side, uint64_t at, const uint8_t *pkt, size_t len,
               const mpsctp_addr *from, const mpsctp_addr *to)
{
    if (flow >= s->nflows || (side != SIM_CLIENT && side != SIM_SERVER) || len > UINT32_MAX)
        return -1;
    sim_flow *f = &s->flows[flow];
    sim_pkt *p = sim_pkt_get(&s->pool, len);
    if (!p)
        return -1;
    p->flow = f;
    p->path = 0;
    p->dir = side == SIM_SERVER ? 0 : 1;
    p->from = from ? *from : f->addr[0][1 - side];
    p->to = to ? *to : f->addr[0][side];
    p->len = (uint32_t)len;
    memcpy(p->data, pkt, len);
    if (sim_schedule(s, at, sim_inject_ev, p, 0) < 0) {
        sim_pkt_put(&s->pool, p);
        return -1;
    }
    return 0;
}

/* Returns the packets still held by pending events to the pool. */
static void sim_pkt_event_free(sim *s)
{
    for (size_t i = 0; i < s->evq.len; i++) {
        sim_event *e = &s->evq.heap[i];
        if (e->fn == sim_pkt_arrive_ev || e->fn == sim_inject_ev)
            sim_pkt_put(&s->pool, e->obj);
    }
    s->evq.len = 0;
}

/* ---- hooks and accessors ------------------------------------------------------- */

void sim_set_packet_filter(sim *s, sim_packet_filter fn, void *user)
{
    s->filter = fn;
    s->filter_user = user;
}

void sim_set_event_hook(sim *s, sim_event_hook fn, void *user)
{
    s->ev_hook = fn;
    s->ev_hook_user = user;
}

void sim_set_step_hook(sim *s, sim_step_hook fn, void *user)
{
    s->step_hook = fn;
    s->step_hook_user = user;
}

mpsctp_endpoint *sim_flow_endpoint(sim *s, size_t flow, int side)
{
    if (flow >= s->nflows || (side != SIM_CLIENT && side != SIM_SERVER))
        return NULL;
    return s->flows[flow].side[side].ep;
}

mpsctp_assoc *sim_flow_assoc(sim *s, size_t flow, int side)
{
    if (flow >= s->nflows || (side != SIM_CLIENT && side != SIM_SERVER))
        return NULL;
    return s->flows[flow].side[side].assoc;
}

int sim_flow_addr(const sim *s, size_t flow, uint32_t path, int side, mpsctp_addr *a)
{
    if (flow >= s->nflows || path >= s->flows[flow].cfg.npaths ||
        (side != SIM_CLIENT && side != SIM_SERVER))
        return -1;
    *a = s->flows[flow].addr[path][side];
    return 0;
}

void sim_flow_set_source(sim *s, size_t flow, int on)
{
    if (flow < s->nflows)
        s->flows[flow].source_on = on;
}

int sim_link_set_up(sim *s, size_t link, int up)
{
    if (link >= s->nlinks)
        return -1;
    sim_link_params p = s->links[link].p;
    p.up = up ? 1 : 0;
    link_apply(s, &s->links[link], &p, SIM_LP_UP);
    return 0;
}

int sim_link_set_params(sim *s, size_t link, const sim_link_params *p, unsigned set)
{
    if (link >= s->nlinks)
        return -1;
    sim_link tmp = s->links[link];
    link_apply(s, &tmp, p, set & ~(unsigned)SIM_LP_UP);
    if (sim_link_params_check(&tmp.p))
        return -1;
    link_apply(s, &s->links[link], p, set);
    return 0;
}

size_t sim_flow_count(const sim *s)
{
    return s->nflows;
}

size_t sim_link_count(const sim *s)
{
    return s->nlinks;
}

int sim_flow_uses_link(const sim *s, size_t flow, size_t link)
{
    if (flow >= s->nflows)
        return 0;
    const sim_flow_cfg *f = &s->flows[flow].cfg;
    for (uint32_t p = 0; p < f->npaths; p++)
        for (uint32_t h = 0; h < f->paths[p].nlinks; h++)
            if (f->paths[p].links[h] == link)
                return 1;
    return 0;
}

double sim_jain_index(const double *x, size_t n)
{
    double sum = 0, sq = 0;
    for (size_t i = 0; i < n; i++) {
        sum += x[i];
        sq += x[i] * x[i];
    }
    return n == 0 || sq == 0 ? 0 : sum * sum / ((double)n * sq);
}

double sim_link_jain(sim *s, size_t link, size_t *nflows)
{
    double g[64];
    size_t n = 0;
    for (size_t i = 0; i < s->nflows && n < 64; i++) {
        if (!sim_flow_uses_link(s, i, link))
            continue;
        sim_flow_metrics m;
        sim_flow_metrics_get(s, i, &m);
        g[n++] = m.goodput_bps;
    }
    if (nflows)
        *nflows = n;
    return n >= 2 ? sim_jain_index(g, n) : -1;
}

int sim_link_metrics_get(const sim *s, size_t link, sim_link_metrics *m)
{
    if (link >= s->nlinks)
        return -1;
    const sim_link *l = &s->links[link];
    snprintf(m->name, sizeof(m->name), "%s", l->name);
    for (int d = 0; d < 2; d++) {
        m->dir[d] = l->dir[d].st;
        uint64_t busy = l->dir[d].st.busy_ns, from = 0;
        if (s->warm_taken && s->now > s->cfg.warmup_ns) {
            busy -= l->warm_busy[d];
            from = s->cfg.warmup_ns;
        }
        m->utilisation[d] = s->now > from ? (double)busy / (double)(s->now - from) : 0.0;
        if (m->utilisation[d] > 1.0)
            m->utilisation[d] = 1.0;
    }
    return 0;
}

uint64_t sim_link_busy_until(const sim *s, size_t link, int dir)
{
    if (link >= s->nlinks || (dir != 0 && dir != 1))
        return UINT64_MAX;
    return s->links[link].dir[dir].link_free;
}
