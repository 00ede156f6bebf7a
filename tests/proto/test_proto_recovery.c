/* Sender-side loss recovery and burst control (RFC 9260 s7.2.4, s6.1 D): a second loss in
 * one window is fast-retransmitted during Fast Recovery instead of waiting for T3, and
 * Max.Burst bounds what a sender with a large window emits before the next ack, however
 * many send calls and output rounds come in between. B sends; its peer is either the
 * scripted fake (SACKs crafted TSN by TSN) or the real endpoint A. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "pair.h"

/* What B sent to the fake since the last call: DATA chunks per TSN (offset from the
 * first TSN), first transmissions and retransmissions. */
typedef struct rec_rig {
    pair p;
    pair_fake f;
    uint32_t first;  /* B's first DATA TSN */
    uint32_t tx[64]; /* transmissions seen per TSN offset */
} rec_rig;

static void rig_take(rec_rig *r)
{
    pair_pkt *out[64];
    size_t n = pair_take(&r->p, PAIR_B, out, 64);
    for (size_t i = 0; i < n && i < 64; i++) {
        sctp_tlv c[32];
        int nc = pair_chunks(out[i]->data, out[i]->len, c, 32);
        for (int k = 0; k < nc; k++) {
            if (c[k].type != SCTP_DATA)
                continue;
            uint32_t off = get32(c[k].value) - r->first;
            assert_true(off < 64);
            r->tx[off]++;
        }
    }
}

/* Connects the fake to B (settings sb, NULL: defaults) and queues n messages of len
 * bytes on B, taking what B sends at once. */
static void rig_up(rec_rig *r, uint64_t seed, const mpsctp_settings *sb, uint32_t n, size_t len)
{
    memset(r, 0, sizeof(*r));
    pair_init(&r->p, seed, NULL, sb);
    assert_int_equal(pair_fake_connect(&r->p, &r->f, 10, 10), 0);
    r->first = r->f.b_itsn;
    for (uint32_t i = 0; i < n; i++)
        assert_int_equal(pair_send_msg(&r->p, r->f.assoc, i, 0, len), 0);
    rig_take(r);
}

/* DATA chunks B has sent, retransmissions included. */
static uint32_t rig_sent(const rec_rig *r)
{
    uint32_t n = 0;
    for (uint32_t k = 0; k < 64; k++)
        n += r->tx[k];
    return n;
}

/* TSN number k (1-based) of B's data. */
static uint32_t T(const rec_rig *r, uint32_t k)
{
    return r->first + k - 1;
}

static void sack(rec_rig *r, uint32_t cum, const uint32_t (*gaps)[2], size_t ng)
{
    assert_int_equal(pair_fake_sack(&r->p, &r->f, cum, 1u << 20, gaps, ng), 0);
    rig_take(r);
}

/* RFC 9260 s7.2.4: TSNs 2 and 8 of ten are lost. Three SACKs strike TSN 2, which is fast
 * retransmitted and starts Fast Recovery. The SACKs that report 9 and 10 strike TSN 8
 * twice; then the SACK for the retransmitted TSN 2 moves the cumulative ack to 7. Its
 * highest newly acknowledged TSN is 2, below 8, but in Fast Recovery a SACK that advances
 * the cumulative ack strikes every TSN it reports missing: TSN 8 gets its third miss
 * and goes out at once, not after T3-rtx. */
static void test_second_loss_fast_retransmitted(void **state)
{
    (void)state;
    rec_rig r;
    rig_up(&r, 71, NULL, 10, 300);
    for (uint32_t k = 1; k <= 10; k++)
        P_CHECK(&r.p, r.tx[k - 1] == 1, "TSN %u sent %u times", k, r.tx[k - 1]);

    sack(&r, T(&r, 1), (const uint32_t[][2]){{T(&r, 3), T(&r, 3)}}, 1);
    sack(&r, T(&r, 1), (const uint32_t[][2]){{T(&r, 3), T(&r, 4)}}, 1);
    P_CHECK(&r.p, r.tx[1] == 1, "TSN 2 retransmitted after two misses");
    sack(&r, T(&r, 1), (const uint32_t[][2]){{T(&r, 3), T(&r, 5)}}, 1);
    P_CHECK(&r.p, r.tx[1] == 2, "TSN 2 not fast-retransmitted after three misses");
    sack(&r, T(&r, 1), (const uint32_t[][2]){{T(&r, 3), T(&r, 7)}}, 1);
    sack(&r, T(&r, 1), (const uint32_t[][2]){{T(&r, 3), T(&r, 7)}, {T(&r, 9), T(&r, 9)}}, 2);
    sack(&r, T(&r, 1), (const uint32_t[][2]){{T(&r, 3), T(&r, 7)}, {T(&r, 9), T(&r, 10)}}, 2);
    P_CHECK(&r.p, r.tx[7] == 1, "TSN 8 retransmitted after two misses");
    /* The retransmitted TSN 2 arrives: cum ack 7, 9-10 still reported, 8 missing. */
    sack(&r, T(&r, 7), (const uint32_t[][2]){{T(&r, 9), T(&r, 10)}}, 1);
    mpsctp_assoc_status st = pair_status(r.f.assoc);
    print_message("TSN 8 sent %u times; fast retransmissions %llu, T3 expirations %llu\n",
                  r.tx[7], (unsigned long long)st.fast_retransmissions,
                  (unsigned long long)st.t3_expirations);
    P_CHECK(&r.p, r.tx[7] == 2, "TSN 8 not fast-retransmitted in Fast Recovery (sent %u times)",
            r.tx[7]);
    P_CHECK(&r.p, st.fast_retransmissions == 2 && st.t3_expirations == 0,
            "fast retransmissions %llu, T3 expirations %llu",
            (unsigned long long)st.fast_retransmissions, (unsigned long long)st.t3_expirations);
    /* Out of Fast Recovery, only the HTNA rule strikes: a SACK that advances the cum ack
     * but newly acknowledges nothing above a hole strikes nothing. */
    sack(&r, T(&r, 10), NULL, 0);
    st = pair_status(r.f.assoc);
    P_CHECK(&r.p, st.unacked_chunks == 0, "%u chunks unacked", st.unacked_chunks);
    pair_free(&r.p);
}

/* Outside Fast Recovery the HTNA rule holds: a SACK that advances the cumulative ack
 * strikes only the TSNs below the highest TSN it newly acknowledges. */
static void test_htna_outside_fast_recovery(void **state)
{
    (void)state;
    rec_rig r;
    rig_up(&r, 72, NULL, 10, 300);
    /* 5 is missing; 6-8 were acked before; three SACKs advance the cum ack without
     * newly acknowledging anything above 5. */
    sack(&r, T(&r, 1), (const uint32_t[][2]){{T(&r, 6), T(&r, 8)}}, 1);
    sack(&r, T(&r, 2), (const uint32_t[][2]){{T(&r, 6), T(&r, 8)}}, 1);
    sack(&r, T(&r, 3), (const uint32_t[][2]){{T(&r, 6), T(&r, 8)}}, 1);
    sack(&r, T(&r, 4), (const uint32_t[][2]){{T(&r, 6), T(&r, 8)}}, 1);
    P_CHECK(&r.p, r.tx[4] == 1,
            "TSN 5 retransmitted on SACKs that newly acked nothing above it");
    pair_free(&r.p);
}

/* Events the test waits for. */
static int all_acked(pair *p, void *arg)
{
    mpsctp_assoc *b = arg;
    (void)p;
    mpsctp_assoc_status st = pair_status(b);
    return st.unacked_chunks == 0 && st.pending_chunks == 0;
}

/* Counts the packets with DATA that B sent since t0. */
static size_t data_packets_since(const pair *p, uint64_t t0)
{
    return pair_wire_count(p, PAIR_B, SCTP_DATA, t0);
}

/* RFC 9260 s6.1 D: B's window has grown large in a bulk transfer to A; with everything
 * acknowledged the application sends 40 more full-size messages, one call at a time,
 * and the output is drained after each call (as the sockets runtime does). Before the
 * next SACK arrives B sends at most Max.Burst packets, whatever the window allows. */
static void test_max_burst_between_acks(void **state)
{
    (void)state;
    for (uint32_t burst = 2; burst <= 4; burst += 2) {
        mpsctp_settings sb;
        pair_settings(&sb, PAIR_B);
        sb.max_burst = burst;
        pair p;
        pair_init(&p, 73, NULL, &sb);
        P_CHECK(&p, pair_connect(&p, PAIR_A) != NULL, "connect");
        P_CHECK(&p, pair_pump_until(&p, SEC(10), pair_cond_up, NULL), "no COMM_UP");
        mpsctp_assoc *b = p.s[PAIR_B].assoc;
        uint32_t n = 0;
        for (; n < 300; n++)
            P_CHECK(&p, pair_send_msg(&p, b, n, 0, 1452) == 0, "send %u", n);
        P_CHECK(&p, pair_pump_until(&p, SEC(30), all_acked, b), "bulk transfer not acked");
        mpsctp_path_info pi;
        P_CHECK(&p, mpsctp_assoc_path_info(b, 0, &pi) == 0, "path info");
        P_CHECK(&p, pi.cwnd >= 16 * pi.mtu, "cwnd only %u after the bulk transfer", pi.cwnd);
        uint64_t t0 = p.now;
        for (uint32_t i = 0; i < 40; i++, n++) {
            P_CHECK(&p, pair_send_msg(&p, b, n, 0, 1452) == 0, "send %u", n);
            pair_flush(&p);
        }
        size_t sent = data_packets_since(&p, t0);
        print_message("Max.Burst %u, cwnd %u: %zu packets before the next SACK\n", burst,
                      pi.cwnd, sent);
        P_CHECK(&p, sent == burst,
                "%zu packets of new data before the next SACK (Max.Burst %u)", sent, burst);
        /* The acks clock the rest out: everything arrives, without a timeout. */
        P_CHECK(&p, pair_pump_until(&p, SEC(30), all_acked, b), "rest not acked");
        char why[200];
        P_CHECK(&p, pair_verify_rx(&p, PAIR_A, n, why, sizeof(why)) == 0, "%s", why);
        P_CHECK(&p, pair_status(b).t3_expirations == 0, "T3 expired");
        pair_free(&p);
    }
}

/* A packet from the peer without a SACK (here a HEARTBEAT) opens no new burst. */
static void test_max_burst_not_renewed_by_other_packets(void **state)
{
    (void)state;
    rec_rig r;
    mpsctp_settings sb;
    pair_settings(&sb, PAIR_B);
    sb.max_burst = 2;
    rig_up(&r, 74, &sb, 20, 1452);
    uint32_t sent = rig_sent(&r);
    P_CHECK(&r.p, sent == 2, "%u chunks in the first burst", sent);
    uint8_t info[12] = {0, SCTP_P_HEARTBEAT_INFO, 0, 12, 1, 2, 3, 4, 5, 6, 7, 8};
    for (int i = 0; i < 3; i++) {
        assert_int_equal(pair_fake_chunk(&r.p, &r.f, NULL, SCTP_HEARTBEAT, 0, info, 12), 0);
        rig_take(&r);
    }
    sent = rig_sent(&r);
    P_CHECK(&r.p, sent == 2, "%u chunks sent after heartbeats (no SACK came)", sent);
    /* A SACK for both: two replace them, plus Max.Burst more (the window allows 3). */
    sack(&r, T(&r, 2), NULL, 0);
    sent = rig_sent(&r);
    P_CHECK(&r.p, sent > 2 && sent <= 2 + 2 + 2, "%u chunks after the SACK", sent);
    pair_free(&r.p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_second_loss_fast_retransmitted),
        cmocka_unit_test(test_htna_outside_fast_recovery),
        cmocka_unit_test(test_max_burst_between_acks),
        cmocka_unit_test(test_max_burst_not_renewed_by_other_packets),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
