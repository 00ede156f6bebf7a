/* A hostile peer against the receive side's bounds (RFC 9260 s6.2, s6.9): whatever DATA a
 * peer sends, the memory an association holds for reassembly and ordering stays within
 * its receive buffer plus a small constant (mpsctp_assoc_mem_get: rx_held <= rx_bound, and
 * rx_bound <= rcvbuf + RX_SLACK); fragments that cannot form a message end the
 * association with a Protocol Violation; a chunk that fills a hole is let in by dropping
 * the largest TSNs held for reordering, which NR-SACK never reported as non-renegable,
 * and the data then still arrives whole and in order.
 *
 * The peer is the harness's scripted fake; B's reader is switched off unless a test says
 * otherwise, so nothing is freed by reading. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "pair.h"

/* What the bound may add to the receive buffer: one chunk taken into an empty buffer,
 * index tables at their least, a TSN map at its largest and two bytes per stream (the
 * fake opens 10). */
#define RX_SLACK (256u * 1024u)

typedef struct rx_case {
    pair p;
    uint8_t *rx; /* what B's application read, messages back to back */
    size_t rxlen;
    uint32_t msglen[4096];
    uint16_t msgsid[4096];
    size_t nmsg;
    pair_fake f;
    uint32_t itsn; /* the fake's first TSN */
    uint32_t rcvbuf;
    uint64_t worst; /* largest rx_held seen */
    uint64_t steps;
} rx_case;

static void case_init(rx_case *c, uint64_t seed, uint32_t rcvbuf, int nr_sack)
{
    memset(c, 0, sizeof(*c));
    mpsctp_settings sb;
    pair_settings(&sb, PAIR_B);
    sb.rcvbuf = rcvbuf;
    sb.nr_sack = (uint8_t)nr_sack;
    pair_init(&c->p, seed, NULL, &sb);
    c->rcvbuf = rcvbuf;
    c->p.s[PAIR_B].auto_read = 0;
    assert_int_equal(
        pair_fake_connect_opts(&c->p, &c->f, PAIR_IP_FAKE, 10, 10, NULL, 0, nr_sack), 0);
    assert_int_equal(mpsctp_assoc_nr_sack(c->f.assoc), nr_sack);
    c->itsn = c->f.next_tsn;
}

/* B's application reads everything readable now. */
static void drain(rx_case *c)
{
    for (;;) {
        uint8_t buf[4096];
        mpsctp_rcvinfo info;
        int eor = 0;
        ssize_t n = mpsctp_assoc_recv(c->f.assoc, buf, sizeof(buf), &info, &eor, c->p.now);
        if (n <= 0) return;
        c->rx = realloc(c->rx, c->rxlen + (size_t)n);
        memcpy(c->rx + c->rxlen, buf, (size_t)n);
        c->rxlen += (size_t)n;
        if (c->nmsg < 4096) {
            c->msglen[c->nmsg] += (uint32_t)n;
            c->msgsid[c->nmsg] = info.sid;
            if (eor) c->nmsg++;
        }
    }
}

static void case_free(rx_case *c)
{
    free(c->rx);
    pair_free(&c->p);
}

/* Checks the bound; returns 1 while B's association is alive. */
static int check_bound(rx_case *c)
{
    mpsctp_assoc *b = c->f.assoc;
    if (pair_count_ev(&c->p, PAIR_B, MPSCTP_EV_ASSOC_CHANGE, MPSCTP_COMM_LOST)) return 0;
    mpsctp_assoc_mem m;
    assert_int_equal(mpsctp_assoc_mem_get(b, &m), 0);
    if (m.rx_held > c->worst) c->worst = m.rx_held;
    P_CHECK(&c->p, m.rx_held <= m.rx_bound, "held %llu > bound %llu after %llu chunks",
            (unsigned long long)m.rx_held, (unsigned long long)m.rx_bound,
            (unsigned long long)c->steps);
    P_CHECK(&c->p,
            m.rx_held <= (uint64_t)c->rcvbuf + RX_SLACK && m.rx_bound <= c->rcvbuf + RX_SLACK,
            "held %llu, bound %llu: more than the receive buffer %u plus %u",
            (unsigned long long)m.rx_held, (unsigned long long)m.rx_bound, c->rcvbuf, RX_SLACK);
    return 1;
}

/* Sends one DATA chunk from the fake with the given flags; B's answers are taken (and
 * logged) so that nothing piles up in its queues. */
static void send_chunk(rx_case *c, uint32_t tsn, uint16_t sid, uint16_t ssn, uint8_t flags,
                       size_t len)
{
    static uint8_t payload[1500];
    uint8_t b[1600];
    wbuf w;
    wbuf_init(&w, b, sizeof(b));
    codec_common_encode(&w, c->f.port, PAIR_PORT_B, c->f.peer_tag);
    for (size_t i = 0; i < len; i++)
        payload[i] = (uint8_t)(tsn * 7u + i);
    codec_data_encode(&w, flags, tsn, sid, ssn, 0, payload, len);
    assert_int_equal(w.err, 0);
    pair_inject(&c->p, PAIR_B, b, w.len, &c->f.addr);
    pair_take(&c->p, PAIR_B, NULL, 0);
    c->steps++;
}

/* The attack from the review: one chunk far ahead, then the holes filled with middle
 * fragments that never complete (the first TSN never comes). With the old receiver the
 * heap grew by ~90 MiB; now B holds at most its buffer, drops the rest and stays up. */
static void test_hole_fill_middle_fragments(void **state)
{
    (void)state;
    rx_case c;
    case_init(&c, 1, 1u << 20, 1);
    send_chunk(&c, c.itsn + 65535, 0, 0, SCTP_DATA_B, 1000);
    for (uint32_t k = 1; k < 65535 && check_bound(&c); k++)
        send_chunk(&c, c.itsn + k, 0, 0, 0, 1000);
    check_bound(&c);
    mpsctp_assoc_status st = pair_status(c.f.assoc);
    print_message("%llu chunks, worst held %llu (buffer %u), window %u\n",
                  (unsigned long long)c.steps, (unsigned long long)c.worst, c.rcvbuf,
                  st.local_rwnd);
    P_CHECK(&c.p, st.state == MPSCTP_ESTABLISHED, "state %s", mpsctp_state_name(st.state));
    P_CHECK(&c.p, st.local_rwnd < 1000 + 200, "window %u: the buffer is not full",
            st.local_rwnd);
    case_free(&c);
}

/* The same attack made of fragments that could form one huge message: the highest TSN
 * first, then the holes from the top down (each continues the run above it), B never
 * reading. Everything is well-formed, so B keeps the association and must drop what does
 * not fit, the largest TSNs first. */
static void test_hole_fill_valid_fragments(void **state)
{
    (void)state;
    for (int nr = 0; nr <= 1; nr++) {
        rx_case c;
        case_init(&c, 2 + (uint64_t)nr, 1u << 20, nr);
        send_chunk(&c, c.itsn + 65535, 1, 0, SCTP_DATA_B | SCTP_DATA_E, 1000);
        send_chunk(&c, c.itsn + 65534, 0, 0, SCTP_DATA_E, 1000);
        for (uint32_t k = 65533; k >= 1 && check_bound(&c); k--)
            send_chunk(&c, c.itsn + k, 0, 0, k == 1 ? SCTP_DATA_B : 0, 1000);
        check_bound(&c);
        mpsctp_assoc_status st = pair_status(c.f.assoc);
        print_message(
            "nr %d: %llu chunks, worst held %llu (buffer %u), %llu reneged, state %s\n", nr,
            (unsigned long long)c.steps, (unsigned long long)c.worst, c.rcvbuf,
            (unsigned long long)st.reneged_tsns, mpsctp_state_name(st.state));
        P_CHECK(&c.p, st.state == MPSCTP_ESTABLISHED,
                "a well-formed flood ended the association");
        P_CHECK(&c.p, st.reneged_tsns > 0, "holes filled past the buffer without dropping");
        case_free(&c);
    }
}

/* Complete ordered messages above a hole, on many streams, with SSNs that never become
 * next: they wait until the buffer is full; then new TSNs are dropped. */
static void test_held_ordered_messages(void **state)
{
    (void)state;
    rx_case c;
    case_init(&c, 4, 256u * 1024u, 1);
    uint16_t ssn[10] = {0};
    for (uint32_t k = 1; k < 20000 && check_bound(&c); k++) {
        uint16_t sid = (uint16_t)(k % 10);
        send_chunk(&c, c.itsn + k, sid, (uint16_t)(++ssn[sid] + 1000),
                   SCTP_DATA_B | SCTP_DATA_E, 200);
    }
    mpsctp_assoc_status st = pair_status(c.f.assoc);
    P_CHECK(&c.p, st.state == MPSCTP_ESTABLISHED, "state %s", mpsctp_state_name(st.state));
    P_CHECK(&c.p, st.local_rwnd < 200 + 200, "window %u: the buffer is not full",
            st.local_rwnd);
    case_free(&c);
}

/* The review's ring leak: one B-without-E fragment followed by complete messages. The next
 * TSN after an unfinished fragment must continue it: B aborts at once. */
static void test_unfinished_then_complete(void **state)
{
    (void)state;
    rx_case c;
    case_init(&c, 5, 1u << 20, 1);
    send_chunk(&c, c.itsn, 0, 0, SCTP_DATA_B, 500);
    for (uint32_t k = 1; k < 1000 && check_bound(&c); k++) {
        send_chunk(&c, c.itsn + k, 1, (uint16_t)(k - 1), SCTP_DATA_B | SCTP_DATA_E, 100);
        drain(&c);
    }
    P_CHECK(&c.p, c.steps == 2, "B took %llu chunks after an unfinished fragment",
            (unsigned long long)c.steps - 1);
    case_free(&c);
}

/* Other malformed sequences: a continuation right after a complete message, a beginning
 * just before an unfinished one (arriving out of order), and two messages claiming one
 * stream sequence number. Each ends the association with a Protocol Violation. */
static void test_other_violations(void **state)
{
    (void)state;
    for (int v = 0; v < 4; v++) {
        rx_case c;
        case_init(&c, 10 + (uint64_t)v, 1u << 20, 1);
        switch (v) {
        case 0: /* E-only right after a complete message */
            send_chunk(&c, c.itsn, 0, 0, SCTP_DATA_B | SCTP_DATA_E, 100);
            send_chunk(&c, c.itsn + 1, 0, 1, SCTP_DATA_E, 100);
            break;
        case 1: /* out of order: a middle fragment, then a complete message before it */
            send_chunk(&c, c.itsn + 5, 0, 3, 0, 100);
            send_chunk(&c, c.itsn + 4, 0, 2, SCTP_DATA_B | SCTP_DATA_E, 100);
            break;
        case 2: /* two messages with SSN 7 on stream 3 (neither deliverable yet) */
            send_chunk(&c, c.itsn + 2, 3, 7, SCTP_DATA_B | SCTP_DATA_E, 100);
            send_chunk(&c, c.itsn + 4, 3, 7, SCTP_DATA_B | SCTP_DATA_E, 100);
            break;
        default: /* a fragment continuing another stream's message */
            send_chunk(&c, c.itsn + 2, 3, 0, SCTP_DATA_B, 100);
            send_chunk(&c, c.itsn + 3, 4, 0, SCTP_DATA_E, 100);
            break;
        }
        P_CHECK(&c.p,
                pair_count_ev(&c.p, PAIR_B, MPSCTP_EV_ASSOC_CHANGE, MPSCTP_COMM_LOST) == 1,
                "case %d: no abort", v);
        case_free(&c);
    }
}

/* The valid sequences next to those are accepted: fragments in any order, a complete
 * message right after an unfinished one's end, out-of-order continuations. */
static void test_valid_sequences_accepted(void **state)
{
    (void)state;
    rx_case c;
    case_init(&c, 20, 1u << 20, 1);
    /* Message 0 on stream 0: TSNs 0..3 sent 3, 1, 0, 2; message 1: TSN 4 complete;
     * message 2 on stream 1 (unordered): TSNs 6, 5. */
    send_chunk(&c, c.itsn + 3, 0, 0, SCTP_DATA_E, 100);
    send_chunk(&c, c.itsn + 1, 0, 0, 0, 100);
    send_chunk(&c, c.itsn + 0, 0, 0, SCTP_DATA_B, 100);
    send_chunk(&c, c.itsn + 2, 0, 0, 0, 100);
    send_chunk(&c, c.itsn + 4, 0, 1, SCTP_DATA_B | SCTP_DATA_E, 100);
    send_chunk(&c, c.itsn + 6, 1, 0, SCTP_DATA_E | SCTP_DATA_U, 100);
    send_chunk(&c, c.itsn + 5, 1, 0, SCTP_DATA_B | SCTP_DATA_U, 100);
    drain(&c);
    P_CHECK(&c.p, pair_count_ev(&c.p, PAIR_B, MPSCTP_EV_ASSOC_CHANGE, MPSCTP_COMM_LOST) == 0,
            "a valid sequence was taken for a violation");
    P_CHECK(&c.p, c.nmsg == 3 && c.msglen[0] == 400 && c.msglen[1] == 100 && c.msglen[2] == 200,
            "read %zu messages", c.nmsg);
    case_free(&c);
}

/* ---- renege ----------------------------------------------------------------------- */

typedef struct nr_watch {
    uint32_t nr_reported[8192]; /* TSNs some NR-SACK reported as non-renegable */
    size_t n;
} nr_watch;

/* Parses every SACK / NR-SACK B sent (from wire index *from on): records the TSNs of NR
 * gap blocks and checks that no TSN ever reported non-renegable is missing from a later
 * SACK (neither at or below its cum ack nor in a block). */
static void watch_sacks(rx_case *c, nr_watch *w, size_t *from)
{
    for (; *from < c->p.nwire; (*from)++) {
        const pair_pkt *k = c->p.wire[*from];
        if (k->from != PAIR_B) continue;
        sctp_tlv ch;
        int nr = pair_find_chunk(k->data, k->len, SCTP_NR_SACK, &ch);
        if (!nr && !pair_find_chunk(k->data, k->len, SCTP_SACK, &ch)) continue;
        sctp_sack s;
        assert_int_equal(codec_sack_decode(&ch, nr, &s), 0);
        for (size_t i = 0; i < w->n; i++) {
            uint32_t t = w->nr_reported[i];
            if (tsn_le(t, s.cum_tsn)) continue;
            int found = 0;
            for (int kind = 0; kind <= nr && !found; kind++)
                for (unsigned g = 0; g < (kind ? s.nnr : s.ngaps) && !found; g++) {
                    uint16_t a, e;
                    codec_sack_gap(&s, kind, g, &a, &e);
                    found = tsn_ge(t, s.cum_tsn + a) && tsn_le(t, s.cum_tsn + e);
                }
            P_CHECK(&c->p, found, "TSN %u was reported non-renegable, then reneged", t);
        }
        for (unsigned g = 0; nr && g < s.nnr; g++) {
            uint16_t a, e;
            codec_sack_gap(&s, 1, g, &a, &e);
            for (uint32_t t = s.cum_tsn + a; tsn_le(t, s.cum_tsn + e) && w->n < 8192; t++) {
                int dup = 0;
                for (size_t i = 0; i < w->n && !dup; i++)
                    dup = w->nr_reported[i] == t;
                if (!dup) w->nr_reported[w->n++] = t;
            }
        }
    }
}

/* A sender that counts the window loosely (payload only) overfills B above a hole; when
 * the missing chunk comes, B drops the largest TSNs held for ordering to take it, SACKs at
 * once, never drops what an NR-SACK called non-renegable, and after the sender resends
 * what was dropped every message is read once, in order. */
static void test_renege_lets_the_hole_in(void **state)
{
    (void)state;
    for (int nr = 0; nr <= 1; nr++) {
        rx_case c;
        case_init(&c, 30 + (uint64_t)nr, 64u * 1024u, nr);
        nr_watch *w = calloc(1, sizeof(*w));
        size_t from = 0;
        const uint32_t n = 100, len = 700; /* 100 * (700 + overhead) > 64 KiB */
        for (uint32_t k = 1; k < n; k++) {
            send_chunk(&c, c.itsn + k, 0, (uint16_t)k, SCTP_DATA_B | SCTP_DATA_E, len);
            watch_sacks(&c, w, &from);
        }
        mpsctp_assoc_status st = pair_status(c.f.assoc);
        P_CHECK(&c.p, st.local_rwnd < len + 200, "window %u: not full", st.local_rwnd);
        size_t before = c.p.nwire;
        send_chunk(&c, c.itsn, 0, 0, SCTP_DATA_B | SCTP_DATA_E, len); /* the hole */
        watch_sacks(&c, w, &from);
        st = pair_status(c.f.assoc);
        P_CHECK(&c.p, st.reneged_tsns > 0, "nothing reneged to let the hole in");
        P_CHECK(&c.p, st.cum_tsn_ack != c.itsn - 1, "the hole was not taken");
        P_CHECK(&c.p, pair_wire_count(&c.p, PAIR_B, nr ? SCTP_NR_SACK : SCTP_SACK, before) > 0,
                "no SACK at once after the renege");
        /* B reads; the fake resends everything above the cum ack, as a sender would. */
        for (int round = 0; round < 20; round++) {
            drain(&c);
            uint32_t cum = pair_status(c.f.assoc).cum_tsn_ack;
            if (cum == c.itsn + n - 1) break;
            for (uint32_t k = cum + 1 - c.itsn; k < n; k++)
                send_chunk(&c, c.itsn + k, 0, (uint16_t)k, SCTP_DATA_B | SCTP_DATA_E, len);
            watch_sacks(&c, w, &from);
            check_bound(&c);
        }
        drain(&c);
        P_CHECK(&c.p, c.nmsg == n, "read %zu of %u messages", c.nmsg, n);
        print_message("nr %d: %llu TSNs reneged, %zu reported non-renegable\n", nr,
                      (unsigned long long)pair_status(c.f.assoc).reneged_tsns, w->n);
        P_CHECK(&c.p, !nr || w->n > 0, "NR-SACK never reported a TSN non-renegable");
        for (uint32_t i = 0; i < c.nmsg; i++) {
            P_CHECK(&c.p, c.msglen[i] == len, "message %u has %u bytes", i, c.msglen[i]);
            for (uint32_t j = 0; j < len; j++)
                P_CHECK(&c.p, c.rx[(size_t)i * len + j] == (uint8_t)((c.itsn + i) * 7u + j),
                        "message %u byte %u", i, j);
        }
        free(w);
        case_free(&c);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_hole_fill_middle_fragments),
        cmocka_unit_test(test_hole_fill_valid_fragments),
        cmocka_unit_test(test_held_ordered_messages),
        cmocka_unit_test(test_unfinished_then_complete),
        cmocka_unit_test(test_other_violations),
        cmocka_unit_test(test_valid_sequences_accepted),
        cmocka_unit_test(test_renege_lets_the_hole_in),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
