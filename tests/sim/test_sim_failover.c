/* Multi-homing in the simulator: one association over two disjoint paths (A primary,
 * B alternate; 10 Mbit/s, 20 ms one way, 100-packet queues each). The primary fails
 * mid-transfer (hard down, or 100% loss), comes back, both paths fail, or PF is on;
 * each case measures failover times and compares them with the times the RFC 9260
 * rules predict from the RTO at the failure. Every case prints its seed, the measured
 * and the predicted times. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "test_sim_util.h"

#ifndef MPSCTP_SCENARIO_DIR
#define MPSCTP_SCENARIO_DIR "scenarios"
#endif

/* Settings of every case (ms, counts). */
#define FO_RTO_MIN 200u
#define FO_RTO_INITIAL 200u
#define FO_RTO_MAX 2000u
#define FO_PMR 2u
#define FO_AMR 8u
#define FO_HB 500u
#define FO_DELAY_NS (20 * T_MS)
/* Polling step of the measurement loop; times measured by polling are this coarse. */
#define FO_STEP_NS (1 * T_MS)
/* Slack for polling, for RTOs reported in whole ms (each doubling doubles the rounding)
 * and for serialization of the packet that reveals a change. */
#define FO_SLACK_NS (15 * T_MS)
/* Round trip of a path without queueing. */
#define FO_RTT_NS (2 * FO_DELAY_NS)
/* After an expiry the chunks go to the alternate (RFC 9260 s6.4.1) and the primary's T3
 * restarts with the next new DATA sent to it, which may wait for a SACK of the
 * alternate: up to a round trip there (its queue is short) per expiry. */
#define FO_RESTART_NS (FO_RTT_NS + 20 * T_MS)
#define NEVER UINT64_MAX

typedef enum { FAIL_DOWN, FAIL_LOSS } fo_mode;

typedef struct fo_case {
    const char *name;
    uint64_t seed;
    uint64_t bytes;
    fo_mode mode;
    uint64_t t_fail;   /* primary (link A) fails */
    uint64_t t_up;     /* and comes back (0: never) */
    int both;          /* link B fails at t_fail too */
    int pf;            /* pf_max_retrans, or -1: PF off */
    int core_rto;      /* 1: the core's RTO defaults (RTO.Min 1 s) instead of FO_RTO_* */
} fo_case;

/* What one run measured. */
typedef struct fo_result {
    sim_flow_metrics m;
    uint32_t rto0_ms, srtt0_ms;   /* path A at the failure */
    uint64_t t_first_t3;          /* first T3 expiry after the failure (polled) */
    uint64_t t_unreach;           /* client: path 0 UNREACHABLE */
    uint64_t t_pf;                /* client: path 0 POTENTIALLY_FAILED */
    uint64_t t_new1;              /* new data first on path 1 after the failure */
    uint64_t t_avail;             /* client: path 0 AVAILABLE after t_up */
    uint64_t t_new0;              /* new data back on path 0 after t_avail */
    uint64_t t_lost;              /* client: COMM_LOST */
    uint64_t bytes0_at_avail;     /* path 0 bytes_sent when it became available */
    uint32_t rto0_at_up_ms;       /* path A's RTO when the link came back */
    int confirmed[2][2];          /* [side][path]: CONFIRMED reported */
    int bad_states;               /* UNREACHABLE or PF reported in a run with no failure */
    uint64_t hb0[256];            /* times the client sent a HEARTBEAT on path 0 */
    size_t nhb0;
} fo_result;

/* Packet filter: notes the client's HEARTBEAT chunks on path 0 (RFC 9260 s3.3.5). */
static int fo_hb_filter(void *user, sim *s, const sim_pkt_view *v)
{
    fo_result *r = user;
    if (v->dir == 0 && v->hop == 0 && v->path == 0 && v->len >= 16 && v->data[12] == 4 &&
        r->nhb0 < sizeof(r->hb0) / sizeof(r->hb0[0]))
        r->hb0[r->nhb0++] = v->now;
    return 0;
}

/* Each case runs with a few consecutive seeds. MPSCTP_SIM_SEED=N in the environment
 * runs every case once, with seed N (to replay a failure or to sweep seeds). */
static uint64_t fo_seed(uint64_t seed)
{
    const char *e = getenv("MPSCTP_SIM_SEED");
    if (e && *e)
        return strtoull(e, NULL, 10);
    return seed;
}

/* Returns how many seeds a case runs with: n, or 1 under MPSCTP_SIM_SEED. */
static uint64_t fo_nseeds(uint64_t n)
{
    const char *e = getenv("MPSCTP_SIM_SEED");
    return e && *e ? 1 : n;
}

static void fo_config(const fo_case *fc, sim_config *c)
{
    sim_config_init(c);
    c->seed = fc->seed;
    const char *names[2] = {"A", "B"};
    for (int i = 0; i < 2; i++) {
        sim_link_cfg l;
        memset(&l, 0, sizeof(l));
        snprintf(l.name, sizeof(l.name), "%s", names[i]);
        sim_link_params_default(&l.p);
        l.p.rate_bps = 10000000;
        l.p.delay_ns = FO_DELAY_NS;
        l.p.queue_pkts = 100;
        sim_config_add_link(c, &l);
    }
    sim_flow_cfg f;
    tsim_flow_per_link(&f, "mh", 2);
    f.bytes = fc->bytes;
    f.rto_min_ms = FO_RTO_MIN;
    f.rto_initial_ms = FO_RTO_INITIAL;
    f.rto_max_ms = FO_RTO_MAX;
    f.path_max_retrans = FO_PMR;
    f.assoc_max_retrans = FO_AMR;
    f.hb_interval_ms = FO_HB;
    f.set = SIM_FS_RTO_MIN | SIM_FS_RTO_INITIAL | SIM_FS_RTO_MAX | SIM_FS_PMR | SIM_FS_AMR |
            SIM_FS_HB;
    if (fc->core_rto)
        f.set &= ~(unsigned)(SIM_FS_RTO_MIN | SIM_FS_RTO_INITIAL | SIM_FS_RTO_MAX);
    if (fc->pf >= 0) {
        f.pf_max_retrans = (uint32_t)fc->pf;
        f.set |= SIM_FS_PF;
    }
    sim_config_add_flow(c, &f);
    if (!fc->t_fail)
        return;
    for (uint32_t li = 0; li < (fc->both ? 2u : 1u); li++) {
        sim_event_cfg e;
        memset(&e, 0, sizeof(e));
        e.at = fc->t_fail;
        e.link = li;
        if (fc->mode == FAIL_DOWN) {
            e.kind = SIM_EVENT_LINK_DOWN;
        } else {
            e.kind = SIM_EVENT_LINK_SET;
            e.p = c->links[li].p;
            e.p.loss = 1.0;
            e.set = SIM_LP_LOSS;
        }
        sim_config_add_event(c, &e);
        if (fc->t_up) {
            e.at = fc->t_up;
            if (fc->mode == FAIL_DOWN) {
                e.kind = SIM_EVENT_LINK_UP;
            } else {
                e.p.loss = 0.0;
            }
            sim_config_add_event(c, &e);
        }
    }
}

static double fo_s(uint64_t t)
{
    return t == NEVER ? -1.0 : (double)t / 1e9;
}

/* sum_{k=from..to} min(rto * 2^k, rto_max), ns: the time T3 takes to expire k+1 times
 * in a row (RFC 9260 s6.3.3 E2 doubles the RTO at each expiry, capped by RTO.Max). */
static uint64_t fo_backoff_sum(uint64_t rto_ns, unsigned from, unsigned to)
{
    uint64_t sum = 0;
    for (unsigned k = from; k <= to; k++) {
        uint64_t r = rto_ns;
        for (unsigned i = 0; i < k && r < FO_RTO_MAX * T_MS; i++)
            r *= 2;
        if (r > FO_RTO_MAX * T_MS)
            r = FO_RTO_MAX * T_MS;
        sum += r;
    }
    return sum;
}

static void fo_print_case(const fo_case *fc)
{
    fprintf(stderr, "[%s] seed=%" PRIu64 " bytes=%" PRIu64 " %s at %.3f s%s, up at %.3f s, "
            "rto_min=%u rto_initial=%u rto_max=%u pmr=%u amr=%u hb=%u pf=%d\n", fc->name,
            fc->seed, fc->bytes, fc->mode == FAIL_DOWN ? "link down" : "loss=1.0",
            fo_s(fc->t_fail), fc->both ? " (both links)" : "", fc->t_up ? fo_s(fc->t_up) : -1.0,
            FO_RTO_MIN, FO_RTO_INITIAL, FO_RTO_MAX, FO_PMR, FO_AMR, FO_HB, fc->pf);
}

/* Runs a case to its end, polling every FO_STEP_NS; fills *r. */
static void fo_run(const fo_case *fc, fo_result *r)
{
    memset(r, 0, sizeof(*r));
    r->t_first_t3 = r->t_unreach = r->t_pf = r->t_new1 = r->t_avail = r->t_new0 =
        r->t_lost = NEVER;
    sim_config c;
    fo_config(fc, &c);
    char err[256];
    sim *s = sim_new(&c, err, sizeof(err));
    sim_config_free(&c);
    if (!s)
        fprintf(stderr, "sim_new: %s\n", err);
    assert_non_null(s);
    fo_print_case(fc);
    sim_set_packet_filter(s, fo_hb_filter, r);
    uint64_t t3_base = 0;
    int fail_seen = 0, up_seen = 0;
    int rc = 1;
    while (rc == 1) {
        uint64_t next = sim_now(s) + FO_STEP_NS;
        if (fc->t_fail && !fail_seen && next >= fc->t_fail)
            next = fc->t_fail - 1; /* the last moment before the failure */
        if (fc->t_up && !up_seen && next >= fc->t_up)
            next = fc->t_up - 1;
        rc = sim_run_until(s, next);
        mpsctp_assoc *a = sim_flow_assoc(s, 0, SIM_CLIENT);
        mpsctp_assoc_status st;
        if (fc->t_fail && !fail_seen && sim_now(s) == fc->t_fail - 1) {
            fail_seen = 1;
            assert_non_null(a);
            mpsctp_path_info pi;
            assert_int_equal(mpsctp_assoc_path_info(a, 0, &pi), 0);
            r->rto0_ms = pi.rto_ms;
            r->srtt0_ms = pi.srtt_ms;
            assert_int_equal(mpsctp_assoc_status_get(a, &st), 0);
            t3_base = st.t3_expirations;
        } else if (fc->t_up && !up_seen && sim_now(s) == fc->t_up - 1) {
            up_seen = 1;
            mpsctp_path_info pi;
            if (a && mpsctp_assoc_path_info(a, 0, &pi) == 0)
                r->rto0_at_up_ms = pi.rto_ms;
        }
        if (fail_seen && r->t_first_t3 == NEVER && a &&
            mpsctp_assoc_status_get(a, &st) == 0 && st.t3_expirations > t3_base)
            r->t_first_t3 = sim_now(s);
        if (r->t_avail != NEVER && r->bytes0_at_avail == 0 && a) {
            mpsctp_path_info pi;
            if (mpsctp_assoc_path_info(a, 0, &pi) == 0)
                r->bytes0_at_avail = pi.bytes_sent;
        }
        if (fc->t_up && r->t_avail == NEVER)
            r->t_avail = sim_flow_event_find(s, 0, fc->t_up, SIM_FEV_PATH, SIM_CLIENT, 0,
                                             MPSCTP_ADDR_AVAILABLE);
    }
    assert_int_equal(rc, 0);
    uint64_t from = fc->t_fail ? fc->t_fail : 0;
    r->t_unreach = sim_flow_event_find(s, 0, from, SIM_FEV_PATH, SIM_CLIENT, 0,
                                       MPSCTP_ADDR_UNREACHABLE);
    r->t_pf = sim_flow_event_find(s, 0, from, SIM_FEV_PATH, SIM_CLIENT, 0,
                                  MPSCTP_ADDR_POTENTIALLY_FAILED);
    r->t_new1 = sim_flow_event_find(s, 0, from, SIM_FEV_DATA_PATH, SIM_CLIENT, 1, UINT32_MAX);
    r->t_lost = sim_flow_event_find(s, 0, from, SIM_FEV_ASSOC, SIM_CLIENT, UINT32_MAX,
                                    MPSCTP_COMM_LOST);
    if (r->t_avail != NEVER)
        r->t_new0 = sim_flow_event_find(s, 0, r->t_avail, SIM_FEV_DATA_PATH, SIM_CLIENT, 0,
                                        UINT32_MAX);
    for (int side = 0; side < 2; side++)
        for (uint32_t p = 0; p < 2; p++)
            r->confirmed[side][p] = sim_flow_event_find(s, 0, 0, SIM_FEV_PATH, side, p,
                                                        MPSCTP_ADDR_CONFIRMED) != NEVER;
    const sim_flow_event *ev;
    size_t n = sim_flow_events(s, 0, &ev);
    for (size_t i = 0; i < n; i++)
        if (ev[i].kind == SIM_FEV_PATH && (ev[i].state == MPSCTP_ADDR_UNREACHABLE ||
                                           ev[i].state == MPSCTP_ADDR_POTENTIALLY_FAILED))
            r->bad_states++;
    sim_flow_metrics_get(s, 0, &r->m);
    /* the event log and the per-path figures, for the record */
    sim_report_table(s, stderr);
    sim_free(s);
}

static void fo_print_paths(const fo_result *r)
{
    tsim_metrics_print(&r->m);
    for (uint32_t p = 0; p < r->m.npaths; p++)
        fprintf(stderr, "  path %u: bytes_sent %" PRIu64 " new data %" PRIu64 " (wire %" PRIu64
                ") received %" PRIu64 " hb %" PRIu64 "/%" PRIu64 "\n", p,
                r->m.paths[p].bytes_sent, r->m.paths[p].new_data_bytes,
                r->m.paths[p].wire_data_bytes, r->m.paths[p].bytes_received,
                r->m.paths[p].heartbeat_acks, r->m.paths[p].heartbeats_sent);
}

/* Checks a primary failure without PF: path A goes inactive after Path.Max.Retrans + 1
 * consecutive T3 expiries (RFC 9260 s8.2), then new data moves to B (s6.4). */
static void fo_check_failover(const fo_case *fc, const fo_result *r)
{
    uint64_t rto0 = (uint64_t)r->rto0_ms * T_MS;
    /* First expiry: the timer was (re)started by the last SACK that got through, at
     * most one RTO before it; with 100% loss SACKs already on the wire still arrive, up
     * to a round trip after the failure. Then PMR more expiries, each after a doubled
     * RTO (plus the restart delay). */
    uint64_t first_hi = rto0 + FO_RTT_NS + FO_SLACK_NS;
    uint64_t rest = fo_backoff_sum(rto0, 1, FO_PMR);
    /* After the first expiry the timed-out window is retransmitted on the alternate
     * before new data (RFC 9260 s6.1, s6.4); the primary's T3 restarts with the next
     * new chunk sent there. Draining a window from the alternate's initial cwnd takes a
     * few round trips at the queue-inflated SRTT: allow three. */
    uint64_t drain = 3 * (uint64_t)r->srtt0_ms * T_MS;
    uint64_t rest_hi = rest + drain + (FO_PMR - 1) * FO_RESTART_NS + FO_SLACK_NS;
    /* Heartbeats count too (RFC 9260 s8.3): one sent on the primary while the
     * retransmissions drain elsewhere can time out between two T3 expiries, so the
     * error count may pass Path.Max.Retrans sooner; but never before one more backed-off
     * RTO (2 * RTO at the failure) after the first expiry. */
    uint64_t rest_lo = 2 * rto0;
    uint64_t lo = fc->t_fail + rest_lo, hi = fc->t_fail + first_hi + rest_hi;
    fprintf(stderr,
            "[%s] seed %" PRIu64 ": RTO at failure %u ms (srtt %u ms); first T3 expiry "
            "%.3f s after the failure (predicted 0..%.3f); path 0 UNREACHABLE after %.3f s "
            "(predicted %.3f..%.3f = sum_{k=1..%u} min(rto*2^k, max) + first expiry + "
            "restarts; from the first expiry %.3f, predicted %.3f..%.3f); new data on path "
            "1 after %.3f s\n",
            fc->name, fc->seed, r->rto0_ms, r->srtt0_ms, fo_s(r->t_first_t3 - fc->t_fail),
            fo_s(first_hi), fo_s(r->t_unreach - fc->t_fail), fo_s(lo - fc->t_fail),
            fo_s(hi - fc->t_fail), FO_PMR, fo_s(r->t_unreach - r->t_first_t3), fo_s(rest_lo),
            fo_s(rest_hi),
            fo_s(r->t_new1 == NEVER ? NEVER : r->t_new1 - fc->t_fail));
    fo_print_paths(r);
    assert_true(r->rto0_ms >= FO_RTO_MIN && r->rto0_ms <= FO_RTO_MAX);
    /* Every byte delivered exactly once and in order, the transfer complete. */
    assert_true(r->m.intact);
    assert_true(r->m.verified);
    assert_true(r->m.complete);
    assert_true(r->t_first_t3 != NEVER);
    assert_true(r->t_first_t3 <= fc->t_fail + first_hi);
    assert_true(r->t_unreach != NEVER);
    assert_true(r->t_unreach >= lo - FO_SLACK_NS && r->t_unreach <= hi);
    /* From the first expiry on, the backed-off timeouts follow each other. */
    uint64_t d = r->t_unreach - r->t_first_t3;
    assert_true(d + FO_SLACK_NS >= rest_lo && d <= rest_hi);
    /* RFC 9260 s6.4: new data stays on the primary while it is active, then moves to
     * the alternate at once (its window was opened by the retransmissions sent to it
     * since the first expiry, RFC 9260 s6.4.1). */
    assert_true(r->t_new1 != NEVER);
    assert_true(r->t_new1 >= r->t_unreach);
    assert_true(r->t_new1 <= r->t_unreach + rto0 + FO_RTT_NS + FO_SLACK_NS);
    assert_true(r->m.paths[1].new_data_bytes > 0);
    assert_false(r->m.paths[0].active);
}

static void run_no_failure_stays_on_primary(uint64_t seed, int core_rto)
{
    fo_case fc = {.name = core_rto ? "no-failure-rto1s" : "no-failure", .seed = seed,
                  .bytes = 6 * T_MIB, .pf = -1, .core_rto = core_rto};
    fo_result r;
    fo_run(&fc, &r);
    fprintf(stderr, "[%s] seed %" PRIu64 ": new data on path 0 %" PRIu64 ", on path 1 %" PRIu64
            ", DATA on path 1 %" PRIu64 " B, T3 expirations %" PRIu64 ", confirmed: client "
            "%d/%d server %d/%d\n", fc.name, fc.seed, r.m.paths[0].new_data_bytes,
            r.m.paths[1].new_data_bytes, r.m.paths[1].wire_data_bytes, r.m.t3_expirations,
            r.confirmed[0][0], r.confirmed[0][1], r.confirmed[1][0], r.confirmed[1][1]);
    fo_print_paths(&r);
    assert_true(r.m.verified);
    assert_true(r.m.complete);
    /* All new data on the primary; CMT is off. */
    assert_int_equal(r.m.paths[0].new_data_bytes, fc.bytes);
    assert_int_equal(r.m.paths[1].new_data_bytes, 0);
    assert_true(r.m.paths[0].bytes_sent >= fc.bytes);
    /* The alternate carries heartbeats only: chunks that timed out may be retransmitted
     * there (RFC 9260 s6.4), so without a T3 expiry it sees no DATA at all. */
    if (r.m.t3_expirations == 0)
        assert_int_equal(r.m.paths[1].wire_data_bytes, 0);
    assert_int_equal(r.m.paths[1].bytes_sent, r.m.paths[1].wire_data_bytes);
    assert_true(r.m.paths[1].heartbeats_sent > 0);
    assert_true(r.m.paths[1].heartbeat_acks > 0);
    /* RFC 9260 s5.4: the client's addresses for the server came from its user and are
     * confirmed from the start (rule 1); the server learnt the client's second address
     * from the INIT and confirms it with a heartbeat, reporting CONFIRMED. */
    assert_true(r.m.paths[1].confirmed);
    assert_true(r.confirmed[SIM_SERVER][1]);
    assert_int_equal(r.bad_states, 0);
    assert_true(r.m.paths[0].primary && r.m.paths[0].data_path);
    assert_false(r.m.paths[1].primary);
    assert_true(r.m.paths[1].confirmed);
}

static void test_no_failure_stays_on_primary(void **state)
{
    /* With RTO.Min 200 ms the slow-start overshoot makes T3 expire now and then; with
     * the core's 1 s RTO.Min it does not, and the alternate sees no DATA at all. */
    for (uint64_t i = 0; i < fo_nseeds(4); i++)
        run_no_failure_stays_on_primary(fo_seed(11 + i), 0);
    for (uint64_t i = 0; i < fo_nseeds(2); i++)
        run_no_failure_stays_on_primary(fo_seed(15 + i), 1);
}

static void run_primary_down(uint64_t seed)
{
    fo_case fc = {.name = "primary-down", .seed = seed, .bytes = 10 * T_MIB, .mode = FAIL_DOWN,
                  .t_fail = 2500 * T_MS, .pf = -1};
    fo_result r;
    fo_run(&fc, &r);
    fo_check_failover(&fc, &r);
}

static void test_primary_down(void **state)
{
    for (uint64_t i = 0; i < fo_nseeds(4); i++)
        run_primary_down(fo_seed(21 + i));
}

static void run_primary_loss(uint64_t seed)
{
    fo_case fc = {.name = "primary-loss100", .seed = seed, .bytes = 10 * T_MIB,
                  .mode = FAIL_LOSS, .t_fail = 2500 * T_MS, .pf = -1};
    fo_result r;
    fo_run(&fc, &r);
    fo_check_failover(&fc, &r);
}

static void test_primary_loss(void **state)
{
    for (uint64_t i = 0; i < fo_nseeds(4); i++)
        run_primary_loss(fo_seed(22 + i));
}

static void run_primary_returns(uint64_t seed)
{
    fo_case fc = {.name = "primary-returns", .seed = seed, .bytes = 20 * T_MIB,
                  .mode = FAIL_DOWN, .t_fail = 2500 * T_MS, .t_up = 7 * T_S, .pf = -1};
    fo_result r;
    fo_run(&fc, &r);
    /* RFC 9260 s8.3: heartbeats go on to the inactive path; the first one sent after the
     * link is back is answered. The core arms them at now + HB.interval + RTO/2 +
     * jitter(0..RTO), RTO being path A's, backed off but taken as at most RTO.Initial
     * while the path is inactive (docs/api.md, Path management). */
    uint64_t rto_up = (uint64_t)(r.rto0_at_up_ms ? r.rto0_at_up_ms : FO_RTO_MAX) * T_MS;
    uint64_t probe_rto = rto_up < FO_RTO_INITIAL * T_MS ? rto_up : FO_RTO_INITIAL * T_MS;
    uint64_t hi = fc.t_up + FO_HB * T_MS + probe_rto * 3 / 2 + FO_RTT_NS + FO_SLACK_NS;
    fprintf(stderr,
            "[%s] seed %" PRIu64 ": UNREACHABLE %.3f s after the failure; link up at %.3f s, "
            "path 0 AVAILABLE at %.3f s = %.3f s later (predicted at most HB.interval + "
            "1.5*min(RTO(%u ms), RTO.Initial) + RTT = %.3f s); new data back on path 0 at "
            "%.3f s; path 0 "
            "bytes_sent %" PRIu64 " at AVAILABLE, %" PRIu64 " at the end\n",
            fc.name, fc.seed, fo_s(r.t_unreach - fc.t_fail), fo_s(fc.t_up), fo_s(r.t_avail),
            fo_s(r.t_avail == NEVER ? NEVER : r.t_avail - fc.t_up), r.rto0_at_up_ms,
            fo_s(hi - fc.t_up), fo_s(r.t_new0), r.bytes0_at_avail, r.m.paths[0].bytes_sent);
    fo_print_paths(&r);
    /* RFC 9260 s8.3: an idle (here inactive) destination is probed once per RTO +
     * HB.interval, jittered by +-50% of the RTO; the RTO of an inactive path's probes
     * is capped at RTO.Initial: consecutive heartbeats on path 0 from the first one
     * sent after it became inactive to the first one after its return are at most
     * HB.interval + 1.5 RTO.Initial apart (RTO.Max, 2 s here, before the cap). */
    uint64_t max_gap = 0, gap_at = 0;
    for (size_t i = 1; i < r.nhb0; i++) {
        if (r.hb0[i - 1] < r.t_unreach || r.hb0[i - 1] >= fc.t_up)
            continue;
        if (r.hb0[i] - r.hb0[i - 1] > max_gap) {
            max_gap = r.hb0[i] - r.hb0[i - 1];
            gap_at = r.hb0[i - 1];
        }
    }
    uint64_t gap_hi = FO_HB * T_MS + FO_RTO_INITIAL * T_MS * 3 / 2 + FO_SLACK_NS;
    fprintf(stderr,
            "[%s] seed %" PRIu64 ": %zu heartbeats on path 0; largest gap while "
            "inactive %.3f s (from %.3f s), predicted at most HB.interval + 1.5*RTO.Initial = "
            "%.3f s\n",
            fc.name, fc.seed, r.nhb0, fo_s(max_gap), fo_s(gap_at), fo_s(gap_hi));
    assert_true(r.m.intact);
    assert_true(r.m.verified);
    assert_true(r.m.complete);
    assert_true(r.t_unreach != NEVER && r.t_unreach < fc.t_up);
    assert_true(max_gap > 0);
    assert_true(max_gap <= gap_hi);
    assert_true(r.t_new1 != NEVER && r.t_new1 < fc.t_up);
    assert_true(r.t_avail != NEVER);
    assert_true(r.t_avail > fc.t_up + FO_RTT_NS - FO_SLACK_NS);
    assert_true(r.t_avail <= hi);
    /* New data returns to the primary once it is active again, and its bytes grow. */
    assert_true(r.t_new0 != NEVER);
    assert_true(r.t_new0 >= r.t_avail);
    assert_true(r.t_new0 <= r.t_avail + rto_up + FO_RTT_NS + FO_SLACK_NS);
    assert_true(r.m.paths[0].bytes_sent > r.bytes0_at_avail);
    assert_true(r.m.paths[0].active && r.m.paths[0].data_path);
}

static void test_primary_returns(void **state)
{
    for (uint64_t i = 0; i < fo_nseeds(8); i++)
        run_primary_returns(fo_seed(23 + i));
}

static void run_both_paths_fail(uint64_t seed)
{
    fo_case fc = {.name = "both-fail", .seed = seed, .bytes = 10 * T_MIB, .mode = FAIL_DOWN,
                  .t_fail = 2500 * T_MS, .both = 1, .pf = -1};
    fo_result r;
    fo_run(&fc, &r);
    /* RFC 9260 s8.1: the association is lost when its error counter exceeds
     * Association.Max.Retrans: AMR + 1 timeouts over both paths with no answer between.
     * At one timeout at a time, backing off from the RTO at the failure, that takes at
     * most sum_{k=0..AMR} min(rto*2^k, max) (+ the first timer's offset and restarts).
     * Lower bound: errors come from at most four timers (T3 and heartbeat on each path),
     * so one of them fires ceil((AMR+1)/4) times; its j-th run started after j errors on
     * its path, each of which doubled the path's RTO (s6.3.3 E2, s8.3) from RTO.Min at
     * least; the first run may have started up to an RTO before the failure. */
    uint64_t rto0 = (uint64_t)r.rto0_ms * T_MS;
    uint64_t hi = fo_backoff_sum(rto0, 0, FO_AMR) + rto0 + FO_RTT_NS +
                  FO_AMR * FO_RESTART_NS + FO_SLACK_NS;
    uint64_t lo = fo_backoff_sum(FO_RTO_MIN * T_MS, 0, (FO_AMR + 1 + 3) / 4 - 1) - rto0 -
                  FO_SLACK_NS;
    fprintf(stderr,
            "[%s] seed %" PRIu64 ": RTO at failure %u ms; COMM_LOST %.3f s after the "
            "failure (predicted %.3f..%.3f); send failures %" PRIu64 " (%" PRIu64
            " never sent), messages delivered %" PRIu64 ", unaccounted %" PRIu64
            ", failed-unsent but delivered %" PRIu64 "\n",
            fc.name, fc.seed, r.rto0_ms, fo_s(r.t_lost == NEVER ? NEVER : r.t_lost - fc.t_fail),
            fo_s(lo), fo_s(hi), r.m.send_failed, r.m.send_failed_unsent,
            r.m.messages_delivered, r.m.unaccounted, r.m.unsent_delivered);
    fo_print_paths(&r);
    assert_true(r.t_lost != NEVER);
    assert_true(r.t_lost - fc.t_fail >= lo);
    assert_true(r.t_lost - fc.t_fail <= hi);
    assert_false(r.m.complete);
    /* Nothing delivered twice, out of order or wrong. */
    assert_true(r.m.intact);
    /* Data not acknowledged is reported as failed: every queued message was either
     * delivered or reported, and none reported as never sent was delivered. */
    assert_true(r.m.send_failed > 0);
    assert_int_equal(r.m.unaccounted, 0);
    assert_int_equal(r.m.unsent_delivered, 0);
}

static void test_both_paths_fail(void **state)
{
    for (uint64_t i = 0; i < fo_nseeds(4); i++)
        run_both_paths_fail(fo_seed(24 + i));
}

static void run_pf_switch_over(uint64_t seed)
{
    fo_case fc = {.name = "pf0", .seed = seed, .bytes = 10 * T_MIB, .mode = FAIL_DOWN,
                  .t_fail = 2500 * T_MS, .pf = 0};
    fo_result r;
    fo_run(&fc, &r);
    /* RFC 7829 s5.1: with PotentiallyFailed.Max.Retrans 0 the first T3 expiry makes the
     * path potentially failed and new data moves to an active alternate. */
    uint64_t rto0 = (uint64_t)r.rto0_ms * T_MS;
    uint64_t hi = fc.t_fail + rto0 + FO_RTT_NS + FO_SLACK_NS;
    /* New data follows once the timed-out window has been retransmitted on the
     * alternate (RFC 9260 s6.1: retransmissions first): up to three SRTTs. */
    uint64_t hi_new = hi + 3 * (uint64_t)r.srtt0_ms * T_MS;
    fprintf(stderr,
            "[%s] seed %" PRIu64 ": RTO at failure %u ms; first T3 expiry %.3f s after the "
            "failure; POTENTIALLY_FAILED after %.3f s (predicted 0..%.3f); new data on path "
            "1 after %.3f s (predicted at most %.3f); UNREACHABLE after %.3f s\n",
            fc.name, fc.seed, r.rto0_ms, fo_s(r.t_first_t3 - fc.t_fail),
            fo_s(r.t_pf == NEVER ? NEVER : r.t_pf - fc.t_fail), fo_s(hi - fc.t_fail),
            fo_s(r.t_new1 == NEVER ? NEVER : r.t_new1 - fc.t_fail), fo_s(hi_new - fc.t_fail),
            fo_s(r.t_unreach == NEVER ? NEVER : r.t_unreach - fc.t_fail));
    fo_print_paths(&r);
    assert_true(r.m.intact);
    assert_true(r.m.verified);
    assert_true(r.m.complete);
    assert_true(r.t_first_t3 != NEVER);
    assert_true(r.t_pf != NEVER);
    assert_true(r.t_pf >= fc.t_fail && r.t_pf <= hi);
    /* PF comes with the first expiry itself. */
    assert_true(r.t_pf + FO_STEP_NS >= r.t_first_t3 && r.t_pf <= r.t_first_t3);
    assert_true(r.t_new1 != NEVER);
    assert_true(r.t_new1 >= r.t_pf);
    assert_true(r.t_new1 <= hi_new);
    /* No UNREACHABLE before PF. */
    assert_true(r.t_unreach == NEVER || r.t_unreach > r.t_pf);
}

static void test_pf_switch_over(void **state)
{
    for (uint64_t i = 0; i < fo_nseeds(4); i++)
        run_pf_switch_over(fo_seed(25 + i));
}

/* scenarios/failover.scn: the primary goes down and comes back; the client reports it
 * unreachable, then available, and the transfer is intact. */
static void test_failover_scenario(void **state)
{
    sim_config c;
    assert_int_equal(tsim_load_scenario(MPSCTP_SCENARIO_DIR, "failover.scn", &c), 0);
    assert_int_equal(c.nflows, 1);
    assert_int_equal(c.flows[0].npaths, 2);
    uint64_t t_down = NEVER, t_up = NEVER;
    for (size_t i = 0; i < c.nevents; i++) {
        if (c.events[i].kind == SIM_EVENT_LINK_DOWN)
            t_down = c.events[i].at;
        if (c.events[i].kind == SIM_EVENT_LINK_UP)
            t_up = c.events[i].at;
    }
    assert_true(t_down != NEVER && t_up != NEVER && t_down < t_up);
    sim_flow_metrics m;
    sim *s = tsim_run_config(&c, &m, 1);
    sim_config_free(&c);
    assert_non_null(s);
    uint64_t un = sim_flow_event_find(s, 0, t_down, SIM_FEV_PATH, SIM_CLIENT, 0,
                                      MPSCTP_ADDR_UNREACHABLE);
    uint64_t av = sim_flow_event_find(s, 0, t_up, SIM_FEV_PATH, SIM_CLIENT, 0,
                                      MPSCTP_ADDR_AVAILABLE);
    const sim_path_sample *smp;
    size_t ns = sim_flow_samples(s, 0, &smp);
    fprintf(stderr, "[failover.scn] down %.3f up %.3f: UNREACHABLE %.3f AVAILABLE %.3f, "
            "%zu samples\n", fo_s(t_down), fo_s(t_up), fo_s(un), fo_s(av), ns);
    sim_report_table(s, stderr);
    /* Samples: path 0 stops growing while it is down, path 1 carries the transfer
     * then (more than a few retransmissions), path 0 grows again after AVAILABLE. */
    uint64_t p1_at_down = 0, p1_at_up = 0, p0_at_un = 0, p0_at_av = 0, p0_end = 0;
    for (size_t i = 0; i < ns; i++) {
        if (smp[i].t <= t_down)
            p1_at_down = smp[i].bytes_sent[1];
        if (smp[i].t <= t_up)
            p1_at_up = smp[i].bytes_sent[1];
        if (un != NEVER && smp[i].t <= un)
            p0_at_un = smp[i].bytes_sent[0];
        if (av != NEVER && smp[i].t <= av) {
            if (smp[i].bytes_sent[0] != p0_at_un && smp[i].t > un + T_S)
                fprintf(stderr, "  path 0 grew while down: %.3f s %" PRIu64 "\n",
                        fo_s(smp[i].t), smp[i].bytes_sent[0]);
            p0_at_av = smp[i].bytes_sent[0];
        }
        p0_end = smp[i].bytes_sent[0];
    }
    sim_free(s);
    tsim_metrics_print(&m);
    assert_true(m.verified);
    assert_true(ns > 10);
    assert_true(un != NEVER && un < t_up);
    assert_true(av != NEVER);
    /* 10 Mbit/s for the time between the failure and the link's return, at least half */
    assert_true(p1_at_up - p1_at_down > (t_up - t_down) / T_S * 10000000 / 8 / 2);
    assert_true(p0_at_av - p0_at_un < 64 * 1024); /* a few probes of new data at most */
    assert_true(p0_end > p0_at_av + T_MIB);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_no_failure_stays_on_primary),
        cmocka_unit_test(test_primary_down),
        cmocka_unit_test(test_primary_loss),
        cmocka_unit_test(test_primary_returns),
        cmocka_unit_test(test_both_paths_fail),
        cmocka_unit_test(test_pf_switch_over),
        cmocka_unit_test(test_failover_scenario),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
