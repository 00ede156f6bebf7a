/* Loss recovery beyond RFC 9260 (docs/loss-recovery.md): a fast-retransmitted chunk whose
 * retransmission is lost again is found once data sent on its path after it is
 * acknowledged, and is sent a third time without waiting for T3-rtx; the window is cut
 * for it once per window. B sends to the scripted fake, which crafts every SACK; the
 * virtual clock moves only when a test moves it. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "pair.h"

#define LR_MAX 1024

/* B's DATA as the fake saw it: per TSN offset from `first`, how often it was sent and
 * when last. */
typedef struct lr_rig {
    pair p;
    pair_fake f;
    uint32_t first;
    uint32_t top; /* highest TSN offset sent + 1 */
    uint32_t hi;  /* highest TSN sent (the warm-up included) */
    uint32_t rwnd; /* window the fake advertises */
    uint32_t tx[LR_MAX];
    uint64_t at[LR_MAX];
} lr_rig;

static void lr_take(lr_rig *r)
{
    pair_pkt *out[64];
    size_t n;
    while ((n = pair_take(&r->p, PAIR_B, out, 64)) > 0) {
        for (size_t i = 0; i < n; i++) {
            sctp_tlv c[64];
            int nc = pair_chunks(out[i]->data, out[i]->len, c, 64);
            for (int k = 0; k < nc; k++) {
                if (c[k].type != SCTP_DATA)
                    continue;
                uint32_t tsn = get32(c[k].value);
                if ((int32_t)(tsn - r->hi) > 0)
                    r->hi = tsn;
                uint32_t off = tsn - r->first;
                if (off >= LR_MAX)
                    continue; /* before the rig's window (the warm-up) */
                r->tx[off]++;
                r->at[off] = out[i]->sent;
                if (off + 1 > r->top)
                    r->top = off + 1;
            }
        }
        if (n < 64)
            break;
    }
}

/* TSN of offset k. */
static uint32_t TSN(const lr_rig *r, uint32_t k)
{
    return r->first + k;
}

static mpsctp_path_info lr_path(const lr_rig *r)
{
    mpsctp_path_info pi;
    assert_int_equal(mpsctp_assoc_path_info(r->f.assoc, 0, &pi), 0);
    return pi;
}

/* The fake acknowledges cum and the gap blocks, dt after the previous step. */
static void lr_sack(lr_rig *r, uint64_t dt, uint32_t cum, const uint32_t (*gaps)[2], size_t ng)
{
    r->p.now += dt;
    assert_int_equal(pair_fake_sack(&r->p, &r->f, cum, r->rwnd, gaps, ng), 0);
    lr_take(r);
}

/* Connects the fake to B (MTU 508: the window floor of four MTUs stays small, so cuts
 * show), queues 3000 messages of 100 bytes and grows B's window by acknowledging
 * everything 20 times: first_rtt apart ten times, then 10 ms apart (the smallest RTT is
 * then 10 ms; the SRTT too when first_rtt is 10 ms). The rig's offsets start at the TSN
 * of the first chunk sent after the warm-up. lossrec: B's loss_recovery setting. */
static void lr_up(lr_rig *r, uint64_t seed, uint8_t lossrec, uint64_t first_rtt)
{
    memset(r, 0, sizeof(*r));
    r->rwnd = 1u << 20;
    mpsctp_settings sb;
    pair_settings(&sb, PAIR_B);
    sb.mtu = 508;
    sb.loss_recovery = lossrec;
    pair_init(&r->p, seed, NULL, &sb);
    assert_int_equal(pair_fake_connect(&r->p, &r->f, 10, 10), 0);
    for (uint32_t i = 0; i < 3000; i++)
        assert_int_equal(pair_send_msg(&r->p, r->f.assoc, i, 0, 100), 0);
    r->first = r->f.b_itsn + (1u << 30); /* nothing is recorded during the warm-up */
    r->hi = r->f.b_itsn - 1;
    lr_take(r);
    for (int k = 0; k < 20; k++) {
        r->p.now += k < 10 ? first_rtt : MS(10);
        if (k == 19)
            r->first = r->hi + 1; /* what this SACK lets out is offset 0 on */
        assert_int_equal(pair_fake_sack(&r->p, &r->f, r->hi, 1u << 20, NULL, 0), 0);
        lr_take(r);
    }
}

/* Offset 1 is missing: three SACKs 10 ms on report offsets 2-3, 2-4 and 2-5, and B
 * fast-retransmits it. Returns when. */
static uint64_t lr_fast_rtx_first(lr_rig *r)
{
    uint32_t g[1][2] = {{TSN(r, 2), TSN(r, 2)}};
    for (uint32_t k = 3; k <= 5; k++) {
        g[0][1] = TSN(r, k);
        lr_sack(r, k == 3 ? MS(10) : 0, TSN(r, 0), (const uint32_t(*)[2])g, 1);
    }
    P_CHECK(&r->p, r->tx[1] == 2, "offset 1 not fast-retransmitted (sent %u times)", r->tx[1]);
    return r->at[1];
}

/* Offset 1 is lost, then its fast retransmission too. Three SACKs 10 ms later report
 * the rest of the first window and fast-retransmit it; a SACK 10 ms on reports what went
 * out with the retransmission, and one 10 ms later what that let out (sent 10 ms after
 * the retransmission, far past a quarter of the SRTT): the retransmission is lost, and
 * goes out a third time at once. With loss recovery off it waits for T3-rtx (one second,
 * RTO.Min). */
static void lost_rtx_run(uint8_t lossrec, uint32_t *third, uint64_t *t3, uint32_t *cwnd_fr,
                         uint32_t *cwnd_lost)
{
    lr_rig r;
    lr_up(&r, 81, lossrec, MS(10));
    uint32_t w = r.top;
    P_CHECK(&r.p, w >= 20, "only %u chunks in the first window", w);
    uint32_t g[1][2] = {{TSN(&r, 2), TSN(&r, 2)}};
    for (uint32_t k = 3; k <= 4; k++) {
        g[0][1] = TSN(&r, k);
        lr_sack(&r, k == 3 ? MS(10) : 0, TSN(&r, 0), (const uint32_t(*)[2])g, 1);
    }
    P_CHECK(&r.p, r.tx[1] == 1, "offset 1 retransmitted after two misses");
    g[0][1] = TSN(&r, w - 1);
    lr_sack(&r, 0, TSN(&r, 0), (const uint32_t(*)[2])g, 1);
    P_CHECK(&r.p, r.tx[1] == 2, "offset 1 not fast-retransmitted (sent %u times)", r.tx[1]);
    uint64_t rtx_at = r.at[1];
    *cwnd_fr = lr_path(&r).cwnd;
    /* 10 ms on: what went out with the retransmission arrived, the retransmission not:
     * nothing sent after it has been acknowledged yet. */
    g[0][1] = TSN(&r, r.top - 1);
    lr_sack(&r, MS(10), TSN(&r, 0), (const uint32_t(*)[2])g, 1);
    P_CHECK(&r.p, r.tx[1] == 2, "offset 1 resent on acks of data sent with it");
    /* 10 ms on: the data sent 10 ms after the retransmission arrived. */
    uint32_t top = r.top;
    P_CHECK(&r.p, r.at[top - 1] > rtx_at, "nothing sent after the retransmission");
    g[0][1] = TSN(&r, top - 1);
    lr_sack(&r, MS(10), TSN(&r, 0), (const uint32_t(*)[2])g, 1);
    *third = r.tx[1];
    *cwnd_lost = lr_path(&r).cwnd;
    mpsctp_assoc_status st = pair_status(r.f.assoc);
    *t3 = st.t3_expirations;
    print_message("loss_recovery %u: offset 1 sent %u times; cwnd %u after the fast "
                  "retransmit, %u after the lost retransmission; rtx_lost %llu, T3 %llu\n",
                  lossrec, r.tx[1], *cwnd_fr, *cwnd_lost, (unsigned long long)st.rtx_lost,
                  (unsigned long long)st.t3_expirations);
    pair_free(&r.p);
}

static void test_lost_retransmission_resent(void **state)
{
    (void)state;
    uint32_t third, cwnd_fr, cwnd_lost;
    uint64_t t3;
    lost_rtx_run(MPSCTP_LOSSREC_ALL, &third, &t3, &cwnd_fr, &cwnd_lost);
    assert_int_equal(third, 3);
    assert_int_equal(t3, 0);
    /* RFC 5681 s4.3: the lost retransmission cuts the window a second time. */
    assert_true(cwnd_lost < cwnd_fr);
    /* The switch off: the old rule (one fast retransmission per TSN, then T3). */
    lost_rtx_run(0, &third, &t3, &cwnd_fr, &cwnd_lost);
    assert_int_equal(third, 2);
    assert_int_equal(cwnd_lost, cwnd_fr);
}

/* Acks of data sent less than a quarter of the smallest RTT after the retransmission
 * (here: in the same burst) may be reordering, not loss: the retransmission stays in
 * flight. */
static void test_retransmission_not_lost_early(void **state)
{
    (void)state;
    lr_rig r;
    lr_up(&r, 82, MPSCTP_LOSSREC_ALL, MS(10));
    uint32_t w = r.top;
    uint32_t g[1][2] = {{TSN(&r, 2), TSN(&r, 5)}};
    uint64_t rtx_at = lr_fast_rtx_first(&r);
    /* The rest of the window, and whatever went out with the retransmission (same time). */
    uint32_t last = r.top - 1;
    P_CHECK(&r.p, r.at[last] == rtx_at, "nothing sent with the retransmission");
    g[0][1] = TSN(&r, last);
    lr_sack(&r, MS(1), TSN(&r, 0), (const uint32_t(*)[2])g, 1);
    P_CHECK(&r.p, r.tx[1] == 2, "offset 1 resent on acks of data sent with it (%u)", r.tx[1]);
    P_CHECK(&r.p, w > 5, "window %u", w);
    pair_free(&r.p);
}

/* Two retransmissions lost in one window, found by two SACKs: the window is cut for the
 * first only (once per window), and both go out again. */
static void test_lost_retransmissions_cut_once(void **state)
{
    (void)state;
    lr_rig r;
    lr_up(&r, 83, MPSCTP_LOSSREC_ALL, MS(10));
    uint32_t w = r.top;
    /* Offsets 1 and 6 lost: three SACKs strike both (6 is below what they report). */
    uint32_t g[2][2] = {{TSN(&r, 2), TSN(&r, 5)}, {TSN(&r, 7), TSN(&r, 7)}};
    for (uint32_t k = 7; k <= 9; k++) {
        g[1][1] = TSN(&r, k);
        lr_sack(&r, k == 7 ? MS(10) : 0, TSN(&r, 0), (const uint32_t(*)[2])g, 2);
    }
    P_CHECK(&r.p, r.tx[1] == 2 && r.tx[6] == 2, "offsets 1 and 6 sent %u and %u times",
            r.tx[1], r.tx[6]);
    /* The rest of the first window, 5 ms on: more new data goes out. */
    g[1][1] = TSN(&r, w - 1);
    lr_sack(&r, MS(5), TSN(&r, 0), (const uint32_t(*)[2])g, 2);
    uint32_t top = r.top;
    P_CHECK(&r.p, top > w, "nothing new sent");
    /* 5 ms on: acks for everything sent so far except 1 and 6: both retransmissions are
     * lost (data sent 5 ms after them arrived). */
    g[1][1] = TSN(&r, top - 1);
    uint32_t before = lr_path(&r).cwnd;
    lr_sack(&r, MS(5), TSN(&r, 0), (const uint32_t(*)[2])g, 2);
    uint32_t after1 = lr_path(&r).cwnd;
    P_CHECK(&r.p, r.tx[1] == 3 && r.tx[6] == 3, "offsets 1 and 6 sent %u and %u times",
            r.tx[1], r.tx[6]);
    /* Their third copies are lost as well; acks of data sent 10 ms later find it. */
    top = r.top;
    g[1][1] = TSN(&r, top - 1);
    lr_sack(&r, MS(10), TSN(&r, 0), (const uint32_t(*)[2])g, 2);
    top = r.top;
    g[1][1] = TSN(&r, top - 1);
    lr_sack(&r, MS(10), TSN(&r, 0), (const uint32_t(*)[2])g, 2);
    uint32_t after2 = lr_path(&r).cwnd;
    mpsctp_assoc_status st = pair_status(r.f.assoc);
    print_message("cwnd %u before, %u after the first lost retransmissions, %u after the "
                  "second; offsets 1 and 6 sent %u and %u times; rtx_lost %llu\n",
                  before, after1, after2, r.tx[1], r.tx[6], (unsigned long long)st.rtx_lost);
    P_CHECK(&r.p, after1 < before, "no cut for the lost retransmissions");
    P_CHECK(&r.p, r.tx[1] == 4 && r.tx[6] == 4, "offsets 1 and 6 sent %u and %u times",
            r.tx[1], r.tx[6]);
    P_CHECK(&r.p, after2 >= after1, "cut twice in one window: %u then %u", after1, after2);
    P_CHECK(&r.p, st.t3_expirations == 0, "T3 expired");
    pair_free(&r.p);
}

/* Acks of retransmissions count as deliveries of their path once they come at least the
 * path's smallest RTT (10 ms) after the retransmission: sooner, they are for an earlier
 * copy. The fake closes its window, so after the fast retransmission of offset 1 (at
 * t1) only retransmissions go out: offset 8, fast-retransmitted at t1 + 5 ms. The ack
 * of that retransmission shows offset 1's retransmission lost when it comes 11 ms after
 * it, and shows nothing when it comes 5 ms after it. */
static uint32_t rtx_evidence_run(uint64_t ack_after)
{
    lr_rig r;
    lr_up(&r, 84, MPSCTP_LOSSREC_ALL, MS(10));
    uint32_t w = r.top;
    P_CHECK(&r.p, w >= 16, "window %u", w);
    r.rwnd = 0;
    uint32_t g[2][2] = {{TSN(&r, 2), TSN(&r, 2)}, {0, 0}};
    for (uint32_t k = 3; k <= 7; k++) {
        g[0][1] = TSN(&r, k);
        lr_sack(&r, k == 3 ? MS(10) : 0, TSN(&r, 0), (const uint32_t(*)[2])g, 1);
    }
    P_CHECK(&r.p, r.tx[1] == 2, "offset 1 not fast-retransmitted (sent %u times)", r.tx[1]);
    P_CHECK(&r.p, r.top == w, "new data sent into a closed window");
    /* 5 ms on: three SACKs report 9, 10 and 11; offset 8 is retransmitted. */
    g[0][1] = TSN(&r, 7);
    for (uint32_t k = 9; k <= 11; k++) {
        g[1][0] = TSN(&r, 9);
        g[1][1] = TSN(&r, k);
        lr_sack(&r, k == 9 ? MS(5) : 0, TSN(&r, 0), (const uint32_t(*)[2])g, 2);
    }
    P_CHECK(&r.p, r.tx[8] == 2, "offset 8 not fast-retransmitted (sent %u times)", r.tx[8]);
    P_CHECK(&r.p, r.at[8] > r.at[1], "offset 8 not retransmitted after offset 1");
    /* Its retransmission is acknowledged, with offsets 2-11. */
    g[0][1] = TSN(&r, 11);
    lr_sack(&r, ack_after, TSN(&r, 0), (const uint32_t(*)[2])g, 1);
    uint32_t n = r.tx[1];
    print_message("ack of the retransmission %.0f ms after it: offset 1 sent %u times\n",
                  (double)ack_after / 1e6, n);
    pair_free(&r.p);
    return n;
}

static void test_lost_retransmission_found_by_retransmission_acks(void **state)
{
    (void)state;
    assert_int_equal(rtx_evidence_run(MS(11)), 3);
    assert_int_equal(rtx_evidence_run(MS(5)), 2);
}

/* The reordering window is a quarter of the smallest RTT, not of the SRTT: after a
 * warm-up with 40 ms round trips and then 10 ms ones the SRTT is about 18 ms, the
 * smallest RTT 10 ms. Data sent 3.5 ms after the lost retransmission (more than 2.5 ms,
 * less than 4.5) arrives: the retransmission is lost. */
static void test_reordering_window_from_min_rtt(void **state)
{
    (void)state;
    lr_rig r;
    lr_up(&r, 85, MPSCTP_LOSSREC_ALL, MS(40));
    mpsctp_path_info pi = lr_path(&r);
    P_CHECK(&r.p, pi.srtt_ms >= 16, "SRTT %u ms", pi.srtt_ms);
    uint32_t w = r.top;
    uint32_t g[1][2] = {{TSN(&r, 2), TSN(&r, 5)}};
    uint64_t rtx_at = lr_fast_rtx_first(&r);
    /* 3.5 ms on: the rest of the first window and what went out with the retransmission
     * arrived; more new data goes out. */
    g[0][1] = TSN(&r, r.top - 1);
    lr_sack(&r, 3500000, TSN(&r, 0), (const uint32_t(*)[2])g, 1);
    P_CHECK(&r.p, r.tx[1] == 2, "offset 1 resent on acks of data sent with it");
    uint32_t top = r.top;
    P_CHECK(&r.p, top > w && r.at[top - 1] == rtx_at + 3500000, "nothing sent 3.5 ms later");
    /* 10 ms on: that data arrived. */
    g[0][1] = TSN(&r, top - 1);
    lr_sack(&r, MS(10), TSN(&r, 0), (const uint32_t(*)[2])g, 1);
    print_message("SRTT %u ms: offset 1 sent %u times\n", pi.srtt_ms, r.tx[1]);
    P_CHECK(&r.p, r.tx[1] == 3, "offset 1 sent %u times", r.tx[1]);
    pair_free(&r.p);
}

/* ---- tail loss probe (MPSCTP_LOSSREC_TLP) ------------------------------------------------ */

/* The hook drops the first transmission of every DATA chunk from A with a TSN at or above
 * `from` (the last ones of a burst). */
typedef struct tail_drop {
    uint32_t from;
    uint8_t dropped[16];
} tail_drop;

static int drop_tail(pair *p, pair_pkt *k)
{
    tail_drop *t = p->user;
    sctp_tlv c;
    if (k->from != PAIR_A || !pair_find_chunk(k->data, k->len, SCTP_DATA, &c))
        return PAIR_PASS;
    uint32_t off = get32(c.value) - t->from;
    if (off >= sizeof(t->dropped) || t->dropped[off])
        return PAIR_PASS;
    t->dropped[off] = 1;
    return PAIR_DROP;
}

/* Connects A (settings sa, NULL: defaults) to B and sends 20 messages of 1000 bytes,
 * all delivered 3 s later: the SRTT is 20 ms (one-way delay 10 ms). Returns A's
 * association. */
static mpsctp_assoc *tail_up(pair *p, uint64_t seed, const mpsctp_settings *sa)
{
    pair_init(p, seed, sa, NULL);
    P_CHECK(p, pair_connect(p, PAIR_A) != NULL, "connect");
    P_CHECK(p, pair_pump_until(p, SEC(5), pair_cond_up, NULL), "no handshake");
    mpsctp_assoc *a = p->s[PAIR_A].assoc;
    for (uint32_t i = 0; i < 20; i++)
        assert_int_equal(pair_send_msg(p, a, i, 0, 1000), 0);
    pair_pump(p, SEC(3));
    assert_int_equal(p->s[PAIR_B].rxlen, 20 * 1000);
    return a;
}

/* A sends 10 messages of 1000 bytes after a warm-up (SRTT 20 ms, RTO.Min 1 s) and the
 * last `lost` of them are lost: returns when B had them all, *probes the probes sent. */
static uint64_t tail_run(uint8_t lossrec, int lost, uint64_t *probes, uint64_t *repairs)
{
    mpsctp_settings sa;
    pair_settings(&sa, PAIR_A);
    sa.loss_recovery = lossrec;
    pair p;
    mpsctp_assoc *a = tail_up(&p, 21, &sa);
    tail_drop t;
    memset(&t, 0, sizeof(t));
    t.from = pair_status(a).next_tsn + 10 - (uint32_t)lost;
    p.user = &t;
    p.hook = drop_tail;
    uint64_t t0 = p.now;
    for (uint32_t i = 20; i < 30; i++)
        assert_int_equal(pair_send_msg(&p, a, i, 0, 1000), 0);
    while (p.s[PAIR_B].rxlen < 30 * 1000 && p.now - t0 < SEC(10))
        pair_pump(&p, MS(1));
    char why[128];
    P_CHECK(&p, pair_verify_rx(&p, PAIR_B, 30, why, sizeof(why)) == 0, "B: %s", why);
    uint64_t done = p.now - t0;
    pair_pump(&p, MS(100)); /* the SACK for the last chunk reaches A */
    mpsctp_assoc_status st = pair_status(a);
    *probes = st.tlp_probes;
    *repairs = st.tlp_repairs;
    fprintf(stderr, "  lossrec %u, last %d lost: all there after %.3f s, %llu probes (%llu "
            "repaired), %llu T3 expiries\n", lossrec, lost, (double)done / 1e9,
            (unsigned long long)st.tlp_probes, (unsigned long long)st.tlp_repairs,
            (unsigned long long)st.t3_expirations);
    pair_free(&p);
    return done;
}

/* The last chunks of a burst are lost: nothing sent after them reveals it, and without a
 * probe only T3-rtx (RTO.Min 1 s) does. The tail loss probe resends the highest TSN two
 * SRTTs after the last ack (plus 200 ms for a delayed SACK when one packet is left), and
 * the data is all there in a fraction of the RTO: one probe per lost chunk, each counted
 * as a repair. */
static void test_tail_loss_probe(void **state)
{
    (void)state;
    for (int lost = 1; lost <= 2; lost++) {
        uint64_t probes, repairs, p0, r0;
        uint64_t with = tail_run(MPSCTP_LOSSREC_ALL, lost, &probes, &repairs);
        uint64_t without = tail_run(MPSCTP_LOSSREC_RTX, lost, &p0, &r0);
        assert_true(without >= SEC(1));
        assert_int_equal(p0, 0);
        assert_true(with < MS(600));
        assert_int_equal(probes, lost);
        assert_int_equal(repairs, lost);
    }
}

/* No loss: 50 lone messages 300 ms apart are each acknowledged within a round trip (the
 * chunk asks for a SACK at once, RFC 7053; without the I bit B waits its 200 ms), and no
 * probe goes out. */
static void test_no_probe_without_loss(void **state)
{
    (void)state;
    pair p;
    mpsctp_assoc *a = tail_up(&p, 22, NULL);
    for (uint32_t b = 0; b < 50; b++) {
        assert_int_equal(pair_send_msg(&p, a, 20 + b, 0, 1000), 0);
        /* One round trip (20 ms) and a little: B SACKed the lone packet at once, not
         * after its 200 ms delayed-SACK time. */
        pair_pump(&p, MS(30));
        P_CHECK(&p, pair_status(a).unacked_chunks == 0, "message %u not acked after 30 ms", b);
        pair_pump(&p, MS(270));
    }
    assert_int_equal(p.s[PAIR_B].rxlen, 70 * 1000);
    assert_int_equal(pair_status(a).tlp_probes, 0);
    assert_int_equal(pair_status(a).t3_expirations, 0);
    pair_free(&p);
}

/* The hook holds back B's first SACK that acknowledges TSN `last` by 400 ms. */
typedef struct late_sack {
    uint32_t last;
    int held;
} late_sack;

static int hold_sack(pair *p, pair_pkt *k)
{
    late_sack *t = p->user;
    sctp_tlv c;
    if (k->from != PAIR_B || t->held ||
        !(pair_find_chunk(k->data, k->len, SCTP_SACK, &c) ||
          pair_find_chunk(k->data, k->len, SCTP_NR_SACK, &c)))
        return PAIR_PASS;
    if (get32(c.value) != t->last)
        return PAIR_PASS;
    t->held = 1;
    k->arrive += MS(400);
    return PAIR_PASS;
}

/* Nothing lost, but the SACK for the last chunk of a burst comes 400 ms late: the probe
 * goes out, B reports it as a duplicate, and A counts no repair and keeps its window. */
static void test_spurious_probe_changes_nothing(void **state)
{
    (void)state;
    pair p;
    mpsctp_assoc *a = tail_up(&p, 23, NULL);
    late_sack t = {.last = pair_status(a).next_tsn, .held = 0};
    p.user = &t;
    p.hook = hold_sack;
    assert_int_equal(pair_send_msg(&p, a, 20, 0, 1000), 0);
    pair_pump(&p, MS(1)); /* sent (after 3 s idle the window was halved, RFC 9260 s7.2.1) */
    mpsctp_path_info before;
    assert_int_equal(mpsctp_assoc_path_info(a, 0, &before), 0);
    pair_pump(&p, SEC(1));
    assert_true(t.held);
    mpsctp_assoc_status st = pair_status(a);
    mpsctp_path_info after;
    assert_int_equal(mpsctp_assoc_path_info(a, 0, &after), 0);
    fprintf(stderr, "  probes %llu, repairs %llu, T3 %llu, cwnd %u -> %u\n",
            (unsigned long long)st.tlp_probes, (unsigned long long)st.tlp_repairs,
            (unsigned long long)st.t3_expirations, before.cwnd, after.cwnd);
    assert_int_equal(st.tlp_probes, 1);
    assert_int_equal(st.tlp_repairs, 0);
    assert_int_equal(st.t3_expirations, 0);
    assert_true(after.cwnd >= before.cwnd);
    char why[128];
    assert_int_equal(pair_verify_rx(&p, PAIR_B, 21, why, sizeof(why)), 0);
    pair_free(&p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_lost_retransmission_resent),
        cmocka_unit_test(test_retransmission_not_lost_early),
        cmocka_unit_test(test_lost_retransmissions_cut_once),
        cmocka_unit_test(test_lost_retransmission_found_by_retransmission_acks),
        cmocka_unit_test(test_reordering_window_from_min_rtt),
        cmocka_unit_test(test_tail_loss_probe),
        cmocka_unit_test(test_no_probe_without_loss),
        cmocka_unit_test(test_spurious_probe_changes_nothing),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
