/* Simulator building blocks: PRNG, event queue, link model, payload generator. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>

#include <cmocka.h>

#include "sim_evq.h"
#include "sim_link.h"
#include "sim_payload.h"
#include "sim_rng.h"

#define NS_MS 1000000ull

/* ---- PRNG ------------------------------------------------------------------------ */

static void test_rng_determinism(void **state)
{
    sim_rng a, b, c;
    sim_rng_seed(&a, 42);
    sim_rng_seed(&b, 42);
    sim_rng_seed(&c, 43);
    int differs = 0;
    for (int i = 0; i < 1000; i++) {
        uint64_t x = sim_rng_next(&a);
        assert_int_equal(x, sim_rng_next(&b));
        differs |= x != sim_rng_next(&c);
    }
    assert_true(differs);
    /* Seed 0 is fine too (splitmix seeding never yields the all-zero state). */
    sim_rng_seed(&a, 0);
    assert_true(sim_rng_next(&a) != 0 || sim_rng_next(&a) != 0);
}

static void test_rng_ranges(void **state)
{
    sim_rng r;
    sim_rng_seed(&r, 7);
    double sum = 0;
    int hits = 0;
    for (int i = 0; i < 100000; i++) {
        double d = sim_rng_double(&r);
        assert_true(d >= 0.0 && d < 1.0);
        sum += d;
        assert_true(sim_rng_below(&r, 10) < 10);
        hits += sim_rng_chance(&r, 0.25);
    }
    assert_true(sum / 100000 > 0.49 && sum / 100000 < 0.51);
    assert_true(hits > 24000 && hits < 26000);
    assert_int_equal(sim_rng_below(&r, 0), 0);
    for (int i = 0; i < 100; i++) {
        assert_false(sim_rng_chance(&r, 0.0));
        assert_true(sim_rng_chance(&r, 1.0));
    }
}

/* ---- event queue --------------------------------------------------------------- */

typedef struct evlog {
    uint64_t at[64];
    uint64_t arg[64];
    int n;
} evlog;

static void log_ev(void *ctx, void *obj, uint64_t arg)
{
    evlog *l = obj;
    l->arg[l->n++] = arg;
}

static void test_evq_order(void **state)
{
    sim_evq q;
    sim_evq_init(&q);
    evlog l = {0};
    /* Times out of order, and several equal times: equal ones keep insertion order. */
    uint64_t times[] = {50, 10, 30, 10, 50, 0, 30, 10, 100, 0};
    for (uint64_t i = 0; i < 10; i++)
        assert_int_equal(sim_evq_push(&q, times[i], log_ev, &l, i), 0);
    assert_int_equal(sim_evq_len(&q), 10);
    assert_int_equal(sim_evq_peek_time(&q), 0);
    sim_event ev;
    uint64_t last = 0;
    while (sim_evq_pop(&q, &ev)) {
        assert_true(ev.at >= last);
        last = ev.at;
        ev.fn(NULL, ev.obj, ev.arg);
    }
    uint64_t want[] = {5, 9, 1, 3, 7, 2, 6, 0, 4, 8};
    assert_int_equal(l.n, 10);
    for (int i = 0; i < 10; i++)
        assert_int_equal(l.arg[i], want[i]);
    assert_int_equal(sim_evq_peek_time(&q), UINT64_MAX);
    assert_int_equal(sim_evq_pop(&q, &ev), 0);
    sim_evq_free(&q);
}

static void test_evq_stress_stable(void **state)
{
    /* Many random pushes and pops interleaved: output sorted by (time, push order). */
    sim_evq q;
    sim_evq_init(&q);
    sim_rng r;
    sim_rng_seed(&r, 99);
    uint64_t now = 0, pushed = 0, popped = 0;
    uint64_t last_at = 0, last_seq = 0;
    for (int round = 0; round < 200000; round++) {
        if (sim_rng_below(&r, 3) != 0 || sim_evq_len(&q) == 0) {
            uint64_t at = now + sim_rng_below(&r, 20);
            assert_int_equal(sim_evq_push(&q, at, log_ev, NULL, pushed++), 0);
        } else {
            sim_event ev;
            assert_int_equal(sim_evq_pop(&q, &ev), 1);
            if (popped++ > 0) {
                assert_true(ev.at > last_at || (ev.at == last_at && ev.seq > last_seq));
            }
            last_at = ev.at;
            last_seq = ev.seq;
            now = ev.at;
        }
    }
    sim_evq_free(&q);
}

/* ---- links --------------------------------------------------------------------- */

static sim_link_params params(uint64_t rate, uint64_t delay, uint32_t qpkts)
{
    sim_link_params p;
    sim_link_params_default(&p);
    p.rate_bps = rate;
    p.delay_ns = delay;
    p.queue_pkts = qpkts;
    return p;
}

static void test_link_serialization(void **state)
{
    sim_link_params p = params(10000000, 20 * NS_MS, 100);
    sim_link_dir d;
    sim_link_dir_init(&d);
    sim_rng r;
    sim_rng_seed(&r, 1);
    sim_link_out out;
    /* 1500 wire bytes at 10 Mbit/s: 1.2 ms. */
    assert_int_equal(sim_link_tx_time(1500, 10000000), 1200000);
    assert_int_equal(sim_link_dir_admit(&d, &p, &r, 0, 1500, &out), SIM_LINK_PASS);
    assert_int_equal(out.departure, 1200000);
    assert_int_equal(out.arrival, 1200000 + 20 * NS_MS);
    /* Second packet at once waits for the first: departure = link_free + tx. */
    assert_int_equal(sim_link_dir_admit(&d, &p, &r, 0, 1500, &out), SIM_LINK_PASS);
    assert_int_equal(out.departure, 2400000);
    assert_int_equal(sim_link_dir_qlen(&d, 0), 2);
    assert_int_equal(sim_link_dir_qlen(&d, 1200000), 1);
    /* After the link went idle the next packet starts at once. */
    assert_int_equal(sim_link_dir_admit(&d, &p, &r, 10 * NS_MS, 100, &out), SIM_LINK_PASS);
    assert_int_equal(out.departure, 10 * NS_MS + 80000);
    assert_int_equal(sim_link_dir_qlen(&d, 10 * NS_MS), 1);
    assert_int_equal(d.st.busy_ns, 2400000 + 80000);
    sim_link_dir_free(&d);
}

static void test_link_taildrop_packets(void **state)
{
    sim_link_params p = params(1000000, 0, 10);
    sim_link_dir d;
    sim_link_dir_init(&d);
    sim_rng r;
    sim_rng_seed(&r, 1);
    sim_link_out out;
    for (int i = 0; i < 10; i++)
        assert_int_equal(sim_link_dir_admit(&d, &p, &r, 0, 1000, &out), SIM_LINK_PASS);
    assert_int_equal(sim_link_dir_admit(&d, &p, &r, 0, 1000, &out), SIM_LINK_QUEUE);
    assert_int_equal(sim_link_dir_admit(&d, &p, &r, 0, 40, &out), SIM_LINK_QUEUE);
    assert_int_equal(d.st.dropped_queue, 2);
    /* One packet leaves (8 ms at 1 Mbit/s): exactly one more fits. */
    uint64_t t = sim_link_tx_time(1000, 1000000);
    assert_int_equal(sim_link_dir_admit(&d, &p, &r, t, 1000, &out), SIM_LINK_PASS);
    assert_int_equal(sim_link_dir_admit(&d, &p, &r, t, 1000, &out), SIM_LINK_QUEUE);
    assert_int_equal(d.st.max_queue_pkts, 10);
    sim_link_dir_free(&d);
}

static void test_link_taildrop_bytes(void **state)
{
    sim_link_params p = params(1000000, 0, 0);
    p.queue_bytes = 10000;
    sim_link_dir d;
    sim_link_dir_init(&d);
    sim_rng r;
    sim_rng_seed(&r, 1);
    sim_link_out out;
    for (int i = 0; i < 6; i++)
        assert_int_equal(sim_link_dir_admit(&d, &p, &r, 0, 1500, &out), SIM_LINK_PASS);
    /* 9000 bytes queued: 1000 more fit exactly, 1001 do not. */
    assert_int_equal(sim_link_dir_admit(&d, &p, &r, 0, 1001, &out), SIM_LINK_QUEUE);
    assert_int_equal(sim_link_dir_admit(&d, &p, &r, 0, 1000, &out), SIM_LINK_PASS);
    assert_int_equal(sim_link_dir_admit(&d, &p, &r, 0, 1, &out), SIM_LINK_QUEUE);
    assert_int_equal(d.qbytes, 10000);
    sim_link_dir_free(&d);
}

static void test_link_loss_rate(void **state)
{
    uint64_t seed = 12345;
    sim_link_params p = params(1000000000, 0, 0);
    p.loss = 0.1;
    sim_link_dir d;
    sim_link_dir_init(&d);
    sim_rng r;
    sim_rng_seed(&r, seed);
    sim_link_out out;
    int n = 100000, lost = 0;
    for (int i = 0; i < n; i++) {
        sim_link_verdict v = sim_link_dir_admit(&d, &p, &r, (uint64_t)i * 100000, 1000, &out);
        assert_true(v == SIM_LINK_PASS || v == SIM_LINK_LOST);
        lost += v == SIM_LINK_LOST;
    }
    double rate = (double)lost / n;
    if (rate < 0.095 || rate > 0.105)
        print_message("loss rate %.4f outside tolerance, seed %llu\n", rate,
                      (unsigned long long)seed);
    assert_true(rate >= 0.095 && rate <= 0.105);
    assert_int_equal(d.st.lost, (uint64_t)lost);
    sim_link_dir_free(&d);
}

static void test_link_reorder_dup(void **state)
{
    sim_link_params p = params(1000000000, 10 * NS_MS, 0);
    p.reorder = 0.2;
    p.dup = 0.1;
    sim_link_dir d;
    sim_link_dir_init(&d);
    sim_rng r;
    sim_rng_seed(&r, 5);
    sim_link_out out;
    int late = 0, dups = 0, n = 20000;
    for (int i = 0; i < n; i++) {
        uint64_t now = (uint64_t)i * NS_MS;
        assert_int_equal(sim_link_dir_admit(&d, &p, &r, now, 1000, &out), SIM_LINK_PASS);
        uint64_t base = out.departure + p.delay_ns;
        assert_true(out.arrival >= base && out.arrival <= base + p.delay_ns);
        late += out.arrival > base;
        dups += out.duplicate;
    }
    assert_true(late > n * 0.18 && late < n * 0.22);
    assert_true(dups > n * 0.08 && dups < n * 0.12);
    assert_int_equal(d.st.reordered, (uint64_t)late);
    sim_link_dir_free(&d);
}

static void test_link_down_up(void **state)
{
    sim_link_params p = params(10000000, 5 * NS_MS, 100);
    sim_link_dir d;
    sim_link_dir_init(&d);
    sim_rng r;
    sim_rng_seed(&r, 1);
    sim_link_out out;
    assert_int_equal(sim_link_dir_admit(&d, &p, &r, 0, 1500, &out), SIM_LINK_PASS);
    assert_int_equal(sim_link_dir_admit(&d, &p, &r, 0, 1500, &out), SIM_LINK_PASS);
    uint32_t epoch = d.epoch;
    p.up = 0;
    sim_link_dir_down(&d, 1000);
    assert_true(d.epoch != epoch); /* packets on the wire are lost */
    assert_int_equal(sim_link_dir_qlen(&d, 1000), 0);
    assert_int_equal(sim_link_dir_admit(&d, &p, &r, 2000, 1500, &out), SIM_LINK_DOWN);
    assert_int_equal(d.st.dropped_down, 1);
    p.up = 1;
    assert_int_equal(sim_link_dir_admit(&d, &p, &r, 3000, 1500, &out), SIM_LINK_PASS);
    assert_int_equal(out.departure, 3000 + 1200000);
    sim_link_dir_free(&d);
}

static void test_link_red(void **state)
{
    /* Offered load twice the rate: RED keeps the queue near its thresholds and drops
     * early (before the hard limit), with drops only once the average passed minth. */
    uint64_t seed = 77;
    sim_link_params p = params(10000000, 0, 200);
    p.red = 1;
    p.red_minth = 5;
    p.red_maxth = 15;
    p.red_maxp = 0.1;
    p.red_wq = 0.02;
    sim_link_dir d;
    sim_link_dir_init(&d);
    sim_rng r;
    sim_rng_seed(&r, seed);
    sim_link_out out;
    uint64_t tx = sim_link_tx_time(1500, p.rate_bps);
    int early = 0, forced = 0, pass = 0;
    uint32_t maxq = 0;
    for (int i = 0; i < 20000; i++) {
        uint64_t now = (uint64_t)i * tx / 2;
        sim_link_verdict v = sim_link_dir_admit(&d, &p, &r, now, 1500, &out);
        if (i < 5)
            assert_int_equal(v, SIM_LINK_PASS); /* below minth: never dropped */
        early += v == SIM_LINK_RED;
        forced += v == SIM_LINK_QUEUE;
        pass += v == SIM_LINK_PASS;
        uint32_t q = sim_link_dir_qlen(&d, now);
        if (q > maxq)
            maxq = q;
    }
    if (!(early > 0 && maxq < 200 && d.red_avg < 20))
        print_message("RED: early %d forced %d maxq %u avg %.2f seed %llu\n", early, forced,
                      maxq, d.red_avg, (unsigned long long)seed);
    assert_true(early > 0);
    assert_true(maxq < 200);        /* the hard limit is never reached */
    assert_true(d.red_avg > 4 && d.red_avg < 20);
    /* About half the offered packets get through (link at capacity). */
    assert_true(pass > 9000 && pass < 11000);
    assert_int_equal(d.st.dropped_red, (uint64_t)early);

    /* An idle period decays the average back under minth: no drop after it. */
    uint64_t later = 20000 * tx / 2 + 1000 * NS_MS;
    assert_int_equal(sim_link_dir_admit(&d, &p, &r, later, 1500, &out), SIM_LINK_PASS);
    assert_true(d.red_avg < 1.0);
    sim_link_dir_free(&d);
}

/* ---- payload ------------------------------------------------------------------- */

static void test_payload(void **state)
{
    uint8_t a[4096], b[4096];
    sim_payload_fill(1, 7, 0, a, sizeof(a));
    /* Pieces at odd offsets equal the whole. */
    size_t off = 0;
    size_t steps[] = {1, 3, 7, 8, 13, 100, 1000};
    int k = 0;
    while (off < sizeof(b)) {
        size_t n = steps[k++ % 7];
        if (n > sizeof(b) - off)
            n = sizeof(b) - off;
        sim_payload_fill(1, 7, off, b + off, n);
        assert_int_equal(sim_payload_check(1, 7, off, a + off, n), -1);
        off += n;
    }
    assert_memory_equal(a, b, sizeof(a));
    /* Other message, other seed: different bytes. */
    sim_payload_fill(1, 8, 0, b, sizeof(b));
    assert_memory_not_equal(a, b, sizeof(a));
    sim_payload_fill(2, 7, 0, b, sizeof(b));
    assert_memory_not_equal(a, b, sizeof(a));
    a[1000] ^= 1;
    assert_int_equal(sim_payload_check(1, 7, 0, a, sizeof(a)), 1000);
    assert_int_equal(sim_payload_check(1, 7, 999, a + 999, 10), 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rng_determinism),
        cmocka_unit_test(test_rng_ranges),
        cmocka_unit_test(test_evq_order),
        cmocka_unit_test(test_evq_stress_stable),
        cmocka_unit_test(test_link_serialization),
        cmocka_unit_test(test_link_taildrop_packets),
        cmocka_unit_test(test_link_taildrop_bytes),
        cmocka_unit_test(test_link_loss_rate),
        cmocka_unit_test(test_link_reorder_dup),
        cmocka_unit_test(test_link_down_up),
        cmocka_unit_test(test_link_red),
        cmocka_unit_test(test_payload),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
