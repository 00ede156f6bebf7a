/* RTT fairness between associations and the link jitter option.
 *
 * Two standard flows (CMT off) with 30 ms and 50 ms RTT share one 8 Mbit/s drop-tail
 * bottleneck (scenarios/rtt-fairness.scn). Without jitter the packet trains are
 * perfectly regular: each flow's packets reach the bottleneck at one fixed point of its
 * departure pattern (RTT modulo one serialization time), and the flow that comes later
 * in that pattern finds the queue full far more often: a phase effect, not congestion
 * control. With jitter= on the bottleneck the arrival points spread out and the split
 * follows the RTT bias of loss-based congestion control (the shorter RTT gets more;
 * equal RTTs near 50/50 over seeds).
 *
 * Also: the link model of jitter (bounds, FIFO order, reordering on top, no draw when
 * off, determinism) and the scenario option. MPSCTP_SIM_SEED=N runs the scenario cases
 * with seed N only (the averages over seeds are then not checked). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "test_sim_util.h"

#define NS_MS 1000000ull
#define BOTTLENECK 2 /* link B of rtt-fairness.scn */
#define PHASE_BINS 8
#define NSEEDS 8

/* ---- link model ------------------------------------------------------------------ */

static void link_params(sim_link_params *p, uint64_t jitter_ns)
{
    sim_link_params_default(p);
    p->rate_bps = 8000000;
    p->delay_ns = 5 * NS_MS;
    p->queue_pkts = 0; /* no limit: every packet passes */
    p->jitter_ns = jitter_ns;
}

/* Offers n packets of 1508 wire bytes, one every gap ns; arrivals into arr[]. */
static void offer(sim_link_dir *d, const sim_link_params *p, sim_rng *rng, int n,
                  uint64_t gap, uint64_t *arr, uint64_t *dep)
{
    for (int i = 0; i < n; i++) {
        sim_link_out o;
        assert_int_equal(sim_link_dir_admit(d, p, rng, (uint64_t)i * gap, 1508, &o),
                         SIM_LINK_PASS);
        arr[i] = o.arrival;
        dep[i] = o.departure;
    }
}

static void test_jitter_link_model(void **state)
{
    (void)state;
    enum { N = 4000 };
    static uint64_t arr[N], dep[N], arr2[N], dep2[N];
    sim_link_params p;
    link_params(&p, 0);
    assert_int_equal(p.jitter_ns, 0); /* off by default */
    assert_null(sim_link_params_check(&p));
    p.jitter_ns = SIM_LINK_JITTER_MAX_NS;
    assert_null(sim_link_params_check(&p));
    p.jitter_ns = SIM_LINK_JITTER_MAX_NS + 1;
    assert_non_null(sim_link_params_check(&p));

    /* Jitter of 1 ms, below the 1.508 ms serialization time of back-to-back packets:
     * each packet keeps its own draw, uniform over [0, 1 ms]. */
    uint64_t T = 1 * NS_MS;
    link_params(&p, T);
    sim_link_dir d;
    sim_rng r;
    sim_link_dir_init(&d);
    sim_rng_seed(&r, 5);
    offer(&d, &p, &r, N, NS_MS, arr, dep);
    double extra = 0;
    int quarter[4] = {0};
    for (int i = 0; i < N; i++) {
        uint64_t base = dep[i] + p.delay_ns;
        assert_true(arr[i] >= base && arr[i] <= base + T);
        if (i > 0)
            assert_true(arr[i] > arr[i - 1]);
        uint64_t x = arr[i] - base;
        quarter[x * 4 / (T + 1)]++;
        extra += (double)x;
    }
    extra /= N;
    fprintf(stderr, "jitter 1 ms: mean extra %.3f ms, quarters %d %d %d %d\n", extra / 1e6,
            quarter[0], quarter[1], quarter[2], quarter[3]);
    assert_true(extra > 0.45 * (double)T && extra < 0.55 * (double)T);
    for (int k = 0; k < 4; k++)
        assert_true(quarter[k] > N / 5 && quarter[k] < N * 3 / 10);
    sim_link_dir_free(&d);

    /* Jitter of 5 ms, above the spacing: a packet never overtakes the one before; it
     * waits for it when its own draw would have made it earlier. */
    uint64_t T2 = 5 * NS_MS;
    link_params(&p, T2);
    sim_link_dir_init(&d);
    sim_rng_seed(&r, 6);
    offer(&d, &p, &r, N, NS_MS, arr2, dep2);
    int held = 0;
    for (int i = 0; i < N; i++) {
        uint64_t base = dep2[i] + p.delay_ns;
        assert_true(arr2[i] >= base);
        if (i > 0) {
            assert_true(arr2[i] >= arr2[i - 1]);
            assert_true(arr2[i] <= base + T2 || arr2[i] == arr2[i - 1]);
            held += arr2[i] == arr2[i - 1];
        } else {
            assert_true(arr2[i] <= base + T2);
        }
    }
    fprintf(stderr, "jitter 5 ms: %d of %d held back behind the packet before\n", held, N);
    assert_true(held > N / 10);
    sim_link_dir_free(&d);

    /* Same seed, same arrivals. */
    link_params(&p, T);
    sim_link_dir_init(&d);
    sim_rng_seed(&r, 5);
    offer(&d, &p, &r, N, NS_MS, arr2, dep2);
    assert_memory_equal(arr, arr2, sizeof(arr));
    sim_link_dir_free(&d);

    /* Off: no draw at all (three per packet: loss, reorder, dup), no extra delay. */
    sim_rng ref;
    link_params(&p, 0);
    sim_link_dir_init(&d);
    sim_rng_seed(&r, 9);
    sim_rng_seed(&ref, 9);
    offer(&d, &p, &r, 100, 2 * NS_MS, arr, dep);
    for (int i = 0; i < 100; i++) {
        assert_int_equal(arr[i], dep[i] + p.delay_ns);
        for (int k = 0; k < 3; k++)
            (void)sim_rng_next(&ref);
    }
    assert_memory_equal(&r, &ref, sizeof(r));

    /* Turned off while packets it delayed are on the wire: later ones stay behind. */
    link_params(&p, 50 * NS_MS);
    sim_link_out o;
    uint64_t now = 300 * NS_MS, last = 0;
    for (int i = 0; i < 20; i++) {
        assert_int_equal(sim_link_dir_admit(&d, &p, &r, now, 100, &o), SIM_LINK_PASS);
        last = o.arrival;
    }
    assert_true(last > now + p.delay_ns + NS_MS); /* some draw above 1 ms happened */
    p.jitter_ns = 0;
    assert_int_equal(sim_link_dir_admit(&d, &p, &r, now + 1, 100, &o), SIM_LINK_PASS);
    assert_true(o.departure + p.delay_ns < last);
    assert_int_equal(o.arrival, last);
    /* A link that goes down loses what is on the wire and starts afresh. */
    sim_link_dir_down(&d, now + 2);
    assert_int_equal(sim_link_dir_admit(&d, &p, &r, now + 3, 100, &o), SIM_LINK_PASS);
    assert_int_equal(o.arrival, o.departure + p.delay_ns);
    sim_link_dir_free(&d);

    /* Reordering comes on top of jitter: it still reorders. */
    link_params(&p, 1 * NS_MS);
    p.reorder = 0.5;
    p.reorder_delay_ns = 20 * NS_MS;
    sim_link_dir_init(&d);
    sim_rng_seed(&r, 3);
    offer(&d, &p, &r, 200, 2 * NS_MS, arr, dep);
    int inversions = 0;
    for (int i = 1; i < 200; i++)
        inversions += arr[i] < arr[i - 1];
    assert_true(inversions > 10);
    assert_true(d.st.reordered > 50);
    sim_link_dir_free(&d);
}

/* ---- scenario option --------------------------------------------------------------- */

static void test_jitter_option(void **state)
{
    (void)state;
    sim_config c;
    char err[256];
    const char *ok = "link L rate=8mbit delay=5ms jitter=1.5ms\n"
                     "link M rate=8mbit delay=5ms\n"
                     "flow f paths=L bytes=1M\n"
                     "at 1s link L set jitter=0\n"
                     "at 2s link M set jitter=250us\n";
    assert_int_equal(sim_scenario_parse(ok, "t", &c, err, sizeof(err)), 0);
    assert_int_equal(c.links[0].p.jitter_ns, 1500000);
    assert_true(c.links[0].set & SIM_LP_JITTER);
    assert_int_equal(c.links[1].p.jitter_ns, 0);
    assert_false(c.links[1].set & SIM_LP_JITTER);
    assert_int_equal(c.nevents, 2);
    assert_true(c.events[0].set & SIM_LP_JITTER);
    assert_int_equal(c.events[0].p.jitter_ns, 0);
    assert_int_equal(c.events[1].p.jitter_ns, 250000);
    sim_config_free(&c);

    static const char *const bad[] = {
        "link L rate=8mbit delay=5ms jitter=abc\n",
        "link L rate=8mbit delay=5ms jitter=11s\n",
        "link L rate=8mbit delay=5ms jitter\n",
        "link L rate=8mbit delay=5ms jitter=-1ms\n",
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        err[0] = 0;
        assert_int_equal(sim_scenario_parse(bad[i], "t", &c, err, sizeof(err)), -1);
        assert_non_null(strstr(err, "jitter"));
    }

    /* Quick-mode link specs take it too; sim_link_set_params checks the bound. */
    sim_link_params p;
    unsigned set = 0;
    sim_link_params_default(&p);
    assert_int_equal(
        sim_scenario_link_spec("rate=8mbit,delay=5ms,jitter=1ms", &p, &set, err, sizeof(err)),
        0);
    assert_int_equal(p.jitter_ns, NS_MS);
    assert_true(set & SIM_LP_JITTER);

    /* A run with jitter (changed at run time too) is the same run with the same seed. */
    sim_flow_metrics m[2];
    sim_link_metrics lm[2];
    for (int k = 0; k < 2; k++) {
        assert_int_equal(sim_scenario_parse(ok, "t", &c, err, sizeof(err)), 0);
        sim *s = sim_new(&c, err, sizeof(err));
        assert_non_null(s);
        p = c.links[0].p;
        p.jitter_ns = SIM_LINK_JITTER_MAX_NS + 1;
        assert_int_equal(sim_link_set_params(s, 0, &p, SIM_LP_JITTER), -1);
        p.jitter_ns = 2 * NS_MS;
        assert_int_equal(sim_link_set_params(s, 0, &p, SIM_LP_JITTER), 0);
        assert_int_equal(sim_link_busy_until(s, 9, 0), UINT64_MAX);
        assert_int_equal(sim_link_busy_until(s, 0, 2), UINT64_MAX);
        assert_int_equal(sim_run(s), 0);
        assert_int_equal(sim_flow_metrics_get(s, 0, &m[k]), 0);
        assert_int_equal(sim_link_metrics_get(s, 0, &lm[k]), 0);
        assert_true(m[k].verified);
        sim_free(s);
        sim_config_free(&c);
    }
    assert_true(m[0].duration_s == m[1].duration_s);
    assert_int_equal(m[0].retransmissions, m[1].retransmissions);
    assert_memory_equal(&lm[0].dir, &lm[1].dir, sizeof(lm[0].dir));
}

/* ---- the two-flow scenario ----------------------------------------------------------- */

/* What a run measures at the bottleneck's client-to-server direction. */
typedef struct bn_probe {
    uint64_t tx;                  /* serialization time of a full-sized packet */
    int pending;                  /* a data packet was just offered: did it pass? */
    size_t pflow;
    uint64_t pdrops;
    uint64_t offered[2], dropped[2];
    uint64_t phase[2][PHASE_BINS]; /* where arrivals fall between two departures */
} bn_probe;

typedef struct run_result {
    double share[2];       /* of the two flows' goodput */
    double drop_rate[2];   /* tail drops / data packets offered at the bottleneck */
    double peak_bin[2];    /* largest fraction of a flow's arrivals in one phase bin */
    int peak_at[2];        /* that bin: 0 just after a departure .. 7 just before one */
    int verified;
} run_result;

static void probe_settle(bn_probe *b, sim *s)
{
    if (!b->pending)
        return;
    sim_link_metrics m;
    assert_int_equal(sim_link_metrics_get(s, BOTTLENECK, &m), 0);
    if (m.dir[0].dropped_queue > b->pdrops)
        b->dropped[b->pflow]++;
    b->pending = 0;
}

static int probe_filter(void *user, sim *s, const sim_pkt_view *v)
{
    bn_probe *b = user;
    probe_settle(b, s);
    /* Full-sized DATA packets of the two flows entering the bottleneck. */
    if (v->link != BOTTLENECK || v->dir != 0 || v->flow > 1 || v->len < 1400)
        return 0;
    uint64_t busy = sim_link_busy_until(s, BOTTLENECK, 0);
    uint64_t to_next = busy > v->now ? (busy - v->now) % b->tx : 0;
    uint64_t since_last = to_next ? b->tx - to_next : 0;
    int bin = (int)(since_last * PHASE_BINS / b->tx);
    b->phase[v->flow][bin < PHASE_BINS ? bin : PHASE_BINS - 1]++;
    b->offered[v->flow]++;
    sim_link_metrics m;
    assert_int_equal(sim_link_metrics_get(s, BOTTLENECK, &m), 0);
    b->pending = 1;
    b->pflow = v->flow;
    b->pdrops = m.dir[0].dropped_queue;
    return 0;
}

/* Runs rtt-fairness.scn with the given seed, jitter on B and delay of A2 (flow b's
 * access link: 20 ms gives 50 ms RTT, 10 ms the same 30 ms as flow a). */
static void run_case(uint64_t seed, uint64_t jitter_ns, uint64_t a2_delay_ns, run_result *r)
{
    sim_config c;
    assert_int_equal(tsim_load_scenario(MPSCTP_SCENARIO_DIR, "rtt-fairness.scn", &c), 0);
    assert_int_equal(c.nlinks, 3);
    assert_string_equal(c.links[BOTTLENECK].name, "B");
    c.seed = seed;
    c.links[BOTTLENECK].p.jitter_ns = jitter_ns;
    c.links[1].p.delay_ns = a2_delay_ns;
    char err[256];
    sim *s = sim_new(&c, err, sizeof(err));
    assert_non_null(s);
    bn_probe b = {.tx = sim_link_tx_time(1508, c.links[BOTTLENECK].p.rate_bps)};
    sim_set_packet_filter(s, probe_filter, &b);
    assert_int_equal(sim_run(s), 0);
    probe_settle(&b, s);
    sim_flow_metrics m[2];
    r->verified = 1;
    for (int f = 0; f < 2; f++) {
        assert_int_equal(sim_flow_metrics_get(s, (size_t)f, &m[f]), 0);
        r->verified &= m[f].verified;
    }
    double sum = m[0].goodput_bps + m[1].goodput_bps;
    for (int f = 0; f < 2; f++) {
        r->share[f] = sum > 0 ? m[f].goodput_bps / sum : 0;
        r->drop_rate[f] = b.offered[f] ? (double)b.dropped[f] / (double)b.offered[f] : 0;
        r->peak_bin[f] = 0;
        r->peak_at[f] = 0;
        for (int k = 0; k < PHASE_BINS; k++) {
            double x = b.offered[f] ? (double)b.phase[f][k] / (double)b.offered[f] : 0;
            if (x > r->peak_bin[f]) {
                r->peak_bin[f] = x;
                r->peak_at[f] = k;
            }
        }
    }
    fprintf(stderr,
            "  seed %" PRIu64 " jitter %.3f ms, RTT 30/%u ms: share a %.1f%% b %.1f%%, "
            "drops a %.2f%% b %.2f%%, arrivals in one eighth of the departure gap: "
            "a %.0f%% (bin %d) b %.0f%% (bin %d)\n",
            seed, (double)jitter_ns / 1e6, (unsigned)(2 * (a2_delay_ns / NS_MS + 5)),
            100 * r->share[0], 100 * r->share[1], 100 * r->drop_rate[0],
            100 * r->drop_rate[1], 100 * r->peak_bin[0], r->peak_at[0],
            100 * r->peak_bin[1], r->peak_at[1]);
    sim_free(s);
    sim_config_free(&c);
}

/* Without jitter: every flow's packets hit one fixed point between two departures, and
 * the flow that arrives later in the gap (its slot is already taken) gets the drops. */
static void test_phase_effect_without_jitter(void **state)
{
    (void)state;
    uint64_t seeds[NSEEDS];
    int n = tsim_seed_list(seeds, 3);
    for (int i = 0; i < n; i++) {
        run_result r;
        run_case(seeds[i], 0, 20 * NS_MS, &r);
        assert_true(r.verified);
        for (int f = 0; f < 2; f++)
            assert_true(r.peak_bin[f] >= 0.8);
        assert_int_not_equal(r.peak_at[0], r.peak_at[1]);
        int late = r.peak_at[0] > r.peak_at[1] ? 0 : 1;
        assert_true(r.drop_rate[late] > 2.0 * r.drop_rate[1 - late]);
        assert_true(r.share[late] < r.share[1 - late]);
    }
}

/* With jitter of one serialization time: arrivals spread over the gap; unequal RTTs:
 * the 30 ms flow gets more than the 50 ms one on average; equal RTTs: 40-60% each. */
static void test_rtt_bias_with_jitter(void **state)
{
    (void)state;
    uint64_t seeds[NSEEDS];
    int n = tsim_seed_list(seeds, NSEEDS);
    double mean_unequal = 0, mean_equal = 0;
    int short_wins = 0;
    for (int i = 0; i < n; i++) {
        run_result r;
        run_case(seeds[i], 1500000, 20 * NS_MS, &r);
        assert_true(r.verified);
        for (int f = 0; f < 2; f++)
            assert_true(r.peak_bin[f] < 0.25);
        mean_unequal += r.share[0] / n;
        short_wins += r.share[0] > r.share[1];
        run_case(seeds[i], 1500000, 10 * NS_MS, &r);
        assert_true(r.verified);
        for (int f = 0; f < 2; f++)
            assert_true(r.peak_bin[f] < 0.25);
        mean_equal += r.share[0] / n;
    }
    fprintf(stderr,
            "over %d seeds: RTT 30/50 ms share of the 30 ms flow %.1f%% (larger in %d), "
            "RTT 30/30 ms share of a %.1f%%\n",
            n, 100 * mean_unequal, short_wins, 100 * mean_equal);
    /* Shares are averages: a replay of one seed (MPSCTP_SIM_SEED) checks the rest. */
    if (n > 1) {
        assert_true(mean_unequal > 0.5);
        assert_true(short_wins * 2 > n);
        assert_true(mean_equal >= 0.4 && mean_equal <= 0.6);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_jitter_link_model),
        cmocka_unit_test(test_jitter_option),
        cmocka_unit_test(test_phase_effect_without_jitter),
        cmocka_unit_test(test_rtt_bias_with_jitter),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
