/* DATA receiver rules (RFC 9260 s6.2, s6.5, s6.7, s3.3.10.1, s3.3.10.9), driven by a
 * scripted peer so every TSN and stream id is chosen by the test: no user data, invalid
 * stream, duplicates, gaps, delayed SACK. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "pair.h"

static void fake_up(pair *p, pair_fake *f, uint64_t seed, uint16_t os)
{
    pair_init(p, seed, NULL, NULL);
    P_CHECK(p, pair_fake_connect(p, f, os, 10) == 0, "scripted handshake failed");
    P_CHECK(p, pair_status(f->assoc).state == MPSCTP_ESTABLISHED, "B not established");
    pair_pump(p, MS(500));
}

/* Finds the first SACK B sent at or after since (NULL if none) and decodes it. */
static pair_pkt *find_sack(pair *p, uint64_t since, sctp_sack *s, size_t nth)
{
    pair_pkt *k = pair_wire_nth(p, PAIR_B, SCTP_SACK, since, nth);
    sctp_tlv c;
    if (!k || !pair_find_chunk(k->data, k->len, SCTP_SACK, &c) || codec_sack_decode(&c, 0, s))
        return NULL;
    return k;
}

static const uint8_t payload[200] = {1, 2, 3, 4, 5};

/* Takes what B sent at once: true when it is one packet with a SACK, decoded into *s;
 * *no: the packets taken. */
static int sack_now(pair *p, sctp_sack *s, size_t *no)
{
    pair_pkt *out[4];
    sctp_tlv c;
    *no = pair_take(p, PAIR_B, out, 4);
    return *no == 1 && pair_find_chunk(out[0]->data, out[0]->len, SCTP_SACK, &c) &&
           codec_sack_decode(&c, 0, s) == 0;
}

static void test_no_user_data(void **state)
{
    (void)state;
    pair p;
    pair_fake f;
    fake_up(&p, &f, 121, 10);
    pair_fake_data(&p, &f, f.next_tsn, 0, 0, NULL, 0);
    pair_pkt *out[4];
    size_t no = pair_take(&p, PAIR_B, out, 4);
    sctp_tlv c, cause;
    P_CHECK(&p, no >= 1 && pair_find_chunk(out[no - 1]->data, out[no - 1]->len, SCTP_ABORT, &c),
            "no ABORT for DATA without user data (%zu packets)", no);
    P_CHECK(&p, pair_pkt_vtag(out[no - 1]) == f.my_tag && !(c.flags & SCTP_FLAG_T),
            "ABORT tag/flags");
    P_CHECK(&p, pair_find_param(&c, 0, SCTP_CAUSE_NO_USER_DATA, &cause) && cause.vlen == 4 &&
                    get32(cause.value) == f.next_tsn,
            "ABORT without a No User Data cause naming the TSN");
    P_CHECK(&p, mpsctp_assoc_state(f.assoc) == MPSCTP_CLOSED, "B still open");
    const pair_ev *e = pair_find_ev(&p, PAIR_B, MPSCTP_EV_ASSOC_CHANGE, MPSCTP_COMM_LOST);
    P_CHECK(&p, e != NULL, "no COMM_LOST");
    pair_free(&p);
}

static void test_invalid_stream(void **state)
{
    (void)state;
    pair p;
    pair_fake f;
    fake_up(&p, &f, 122, 2); /* B accepts streams 0 and 1 */
    P_CHECK(&p, pair_status(f.assoc).inbound_streams == 2, "inbound streams %u",
            pair_status(f.assoc).inbound_streams);
    uint64_t t0 = p.now;
    pair_fake_data(&p, &f, f.next_tsn, 5, 0, payload, sizeof(payload));
    pair_pkt *out[4];
    size_t no = pair_take(&p, PAIR_B, out, 4);
    int err = 0;
    for (size_t i = 0; i < no; i++) {
        sctp_tlv c, cause;
        if (pair_find_chunk(out[i]->data, out[i]->len, SCTP_ERROR, &c) &&
            pair_find_param(&c, 0, SCTP_CAUSE_INVALID_STREAM, &cause)) {
            err = 1;
            P_CHECK(&p, cause.vlen == 4 && get16(cause.value) == 5, "cause does not name sid 5");
            P_CHECK(&p, pair_pkt_vtag(out[i]) == f.my_tag, "ERROR tag");
        }
    }
    P_CHECK(&p, err, "no immediate ERROR Invalid Stream Identifier (%zu packets)", no);
    pair_pump(&p, MS(500));
    /* The TSN is acknowledged as usual. */
    sctp_sack s;
    int acked = 0;
    for (size_t i = 0; find_sack(&p, t0, &s, i); i++)
        acked |= s.cum_tsn == f.next_tsn;
    P_CHECK(&p, acked, "TSN of the DATA on an invalid stream not acknowledged");
    P_CHECK(&p, p.s[PAIR_B].nmsg == 0, "DATA on an invalid stream delivered");
    P_CHECK(&p, mpsctp_assoc_state(f.assoc) == MPSCTP_ESTABLISHED, "B closed");
    /* The next TSN on a valid stream is delivered. */
    pair_fake_data(&p, &f, f.next_tsn + 1, 1, 0, payload, sizeof(payload));
    pair_pump(&p, MS(500));
    P_CHECK(&p, p.s[PAIR_B].nmsg == 1 && p.s[PAIR_B].msg[0].sid == 1, "valid DATA not delivered");
    pair_free(&p);
}

static void test_duplicate(void **state)
{
    (void)state;
    pair p;
    pair_fake f;
    fake_up(&p, &f, 123, 10);
    uint32_t t = f.next_tsn;
    pair_fake_data(&p, &f, t, 0, 0, payload, sizeof(payload));
    pair_pump(&p, MS(500));
    P_CHECK(&p, p.s[PAIR_B].nmsg == 1, "first copy not delivered");
    pair_fake_data(&p, &f, t, 0, 0, payload, sizeof(payload));
    /* RFC 9260 s6.2: a packet with only duplicates is SACKed at once, reporting them. */
    sctp_sack s;
    size_t no;
    P_CHECK(&p, sack_now(&p, &s, &no),
            "no immediate SACK for a duplicate (%zu packets)", no);
    P_CHECK(&p, s.cum_tsn == t && s.ndups == 1 && get32(s.dups) == t,
            "SACK cum %08x dups %u (first %08x), expected cum %08x with dup %08x", s.cum_tsn,
            s.ndups, s.ndups ? get32(s.dups) : 0, t, t);
    pair_pump(&p, MS(500));
    P_CHECK(&p, p.s[PAIR_B].nmsg == 1, "duplicate delivered");
    P_CHECK(&p, pair_status(f.assoc).duplicate_tsns_received == 1, "duplicate counter");
    /* A later SACK does not report it again. */
    pair_fake_data(&p, &f, t + 1, 0, 1, payload, sizeof(payload));
    uint64_t t1 = p.now;
    pair_pump(&p, MS(500));
    P_CHECK(&p, find_sack(&p, t1, &s, 0) && s.cum_tsn == t + 1 && s.ndups == 0,
            "duplicate reported twice");
    pair_free(&p);
}

static void test_gap_sack_immediate(void **state)
{
    (void)state;
    pair p;
    pair_fake f;
    fake_up(&p, &f, 124, 10);
    uint32_t t = f.next_tsn;
    pair_fake_data(&p, &f, t + 1, 0, 1, payload, sizeof(payload));
    sctp_sack s;
    size_t no;
    P_CHECK(&p, sack_now(&p, &s, &no), "no immediate SACK on a gap (%zu packets)", no);
    uint16_t gs, ge;
    P_CHECK(&p, s.cum_tsn == t - 1 && s.ngaps == 1, "SACK cum %08x gaps %u", s.cum_tsn, s.ngaps);
    codec_sack_gap(&s, 0, 0, &gs, &ge);
    P_CHECK(&p, gs == 2 && ge == 2, "gap block %u-%u, expected 2-2", gs, ge);
    P_CHECK(&p, p.s[PAIR_B].nmsg == 0 && mpsctp_assoc_readable(f.assoc) == 0,
            "out-of-order message on an ordered stream readable");
    /* Filling the gap: both delivered in order, cum ack covers both. */
    pair_fake_data(&p, &f, t, 0, 0, payload, sizeof(payload));
    uint64_t t1 = p.now;
    pair_pump(&p, MS(500));
    P_CHECK(&p, p.s[PAIR_B].nmsg == 2, "%zu delivered after the gap filled", p.s[PAIR_B].nmsg);
    size_t ns = pair_wire_count(&p, PAIR_B, SCTP_SACK, t1);
    P_CHECK(&p, ns >= 2 && find_sack(&p, t1, &s, ns - 1) && s.cum_tsn == t + 1 && s.ngaps == 0,
            "SACK after filling the gap");
    pair_free(&p);
}

/* A window too small for two more full packets: the SACK goes at once, not after the
 * delayed-SACK time, or a sender held to one packet in flight would send one per 200 ms.
 * B's buffer is 4096 bytes and B does not read: after 1200 bytes the window left is below
 * two 1480-byte packets. */
static void test_small_window_sack_immediate(void **state)
{
    (void)state;
    mpsctp_settings sb;
    pair_settings(&sb, PAIR_B);
    sb.rcvbuf = 4096;
    pair p;
    pair_fake f;
    pair_init(&p, 126, NULL, &sb);
    P_CHECK(&p, pair_fake_connect(&p, &f, 10, 10) == 0, "scripted handshake failed");
    pair_pump(&p, MS(500));
    p.s[PAIR_B].auto_read = 0;
    static uint8_t big[1200];
    uint32_t t = f.next_tsn;
    pair_fake_data(&p, &f, t, 0, 0, big, sizeof(big));
    sctp_sack s;
    size_t no;
    P_CHECK(&p, sack_now(&p, &s, &no) && s.cum_tsn == t,
            "no immediate SACK with the window nearly closed (%zu packets)", no);
    P_CHECK(&p, s.a_rwnd < 2 * 1480u, "window %u", s.a_rwnd);
    pair_free(&p);
}

static void test_delayed_sack(void **state)
{
    (void)state;
    pair p;
    pair_fake f;
    fake_up(&p, &f, 125, 10);
    const uint64_t delay = MS(p.s[PAIR_B].cfg.sack_delay_ms);
    uint32_t t = f.next_tsn;
    for (int round = 0; round < 3; round++) {
        uint64_t t0 = p.now;
        pair_fake_data(&p, &f, t, 0, (uint16_t)round, payload, sizeof(payload));
        pair_pkt *out[4];
        size_t no = pair_take(&p, PAIR_B, out, 4);
        P_CHECK(&p, no == 0, "round %d: single DATA packet SACKed at once", round);
        pair_pump(&p, SEC(1));
        sctp_sack s;
        pair_pkt *k = find_sack(&p, t0, &s, 0);
        P_CHECK(&p, k && s.cum_tsn == t, "round %d: no SACK", round);
        uint64_t d = k->sent - t0;
        P_CHECK(&p, d + MS(10) >= delay && d <= delay, "round %d: SACK after %.3f s, expected %.3f",
                round, (double)d / 1e9, (double)delay / 1e9);
        P_CHECK(&p, pair_wire_count(&p, PAIR_B, SCTP_SACK, t0) == 1, "round %d: %zu SACKs", round,
                pair_wire_count(&p, PAIR_B, SCTP_SACK, t0));
        t++;
    }
    /* Every second packet is SACKed without delay. */
    uint64_t t0 = p.now;
    pair_fake_data(&p, &f, t, 0, 3, payload, sizeof(payload));
    pair_fake_data(&p, &f, t + 1, 0, 4, payload, sizeof(payload));
    pair_pkt *out[4];
    size_t no = pair_take(&p, PAIR_B, out, 4);
    sctp_tlv c;
    sctp_sack s;
    P_CHECK(&p, no >= 1 && pair_find_chunk(out[0]->data, out[0]->len, SCTP_SACK, &c) &&
                    codec_sack_decode(&c, 0, &s) == 0 && s.cum_tsn == t + 1,
            "second packet not SACKed at once");
    (void)t0;
    /* The three earlier messages were read; both of this pair are readable now (the
     * harness reads only while it steps, and nothing is left to step). */
    P_CHECK(&p, p.s[PAIR_B].nmsg == 3 && mpsctp_assoc_readable(f.assoc) == 2 * sizeof(payload),
            "%zu messages read and %zu bytes readable, expected 3 and %zu", p.s[PAIR_B].nmsg,
            mpsctp_assoc_readable(f.assoc), 2 * sizeof(payload));
    pair_free(&p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_no_user_data),
        cmocka_unit_test(test_invalid_stream),
        cmocka_unit_test(test_duplicate),
        cmocka_unit_test(test_gap_sack_immediate),
        cmocka_unit_test(test_delayed_sack),
        cmocka_unit_test(test_small_window_sack_immediate),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
