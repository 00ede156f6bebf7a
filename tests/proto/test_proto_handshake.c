/* Association setup and teardown (RFC 9260 s5.1, s9.2): the 4-way handshake, stream
 * negotiation, data both ways, graceful shutdown, and the T1-init, T1-cookie, T2-shutdown
 * and T5-shutdown-guard timers. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "pair.h"

/* Drops the first `n` packets holding chunk type `type` (user points at a dropper). */
typedef struct dropper {
    int type;
    int from; /* -1 any */
    int n;    /* how many to drop; -1: all */
    int dropped;
} dropper;

static int hook_dropper(pair *p, pair_pkt *k)
{
    dropper *d = p->user;
    if (d->from >= 0 && k->from != d->from)
        return PAIR_PASS;
    if (d->type >= 0 && !pair_find_chunk(k->data, k->len, (uint8_t)d->type, NULL))
        return PAIR_PASS;
    if (d->n >= 0 && d->dropped >= d->n)
        return PAIR_PASS;
    d->dropped++;
    return PAIR_DROP;
}

static void establish(pair *p)
{
    P_CHECK(p, pair_connect(p, PAIR_A) != NULL, "connect failed");
    P_CHECK(p, pair_pump_until(p, SEC(30), pair_cond_up, NULL), "handshake did not complete");
}

static int cond_both_closed(pair *p, void *arg)
{
    (void)arg;
    return mpsctp_assoc_state(p->s[PAIR_A].assoc) == MPSCTP_CLOSED &&
           mpsctp_assoc_state(p->s[PAIR_B].assoc) == MPSCTP_CLOSED;
}

static void run_handshake(uint64_t seed)
{
    pair p;
    mpsctp_settings sa, sb;
    pair_settings(&sa, PAIR_A);
    pair_settings(&sb, PAIR_B);
    sa.num_ostreams = 10;
    sa.max_instreams = 7;
    sb.num_ostreams = 5;
    sb.max_instreams = 12;
    pair_init(&p, seed, &sa, &sb);
    establish(&p);
    mpsctp_assoc *a = p.s[PAIR_A].assoc, *b = p.s[PAIR_B].assoc;

    /* The four chunks of the handshake, in order, with the right tags. */
    pair_pkt *k0 = pair_wire_nth(&p, -1, -1, 0, 0), *k1 = pair_wire_nth(&p, -1, -1, 0, 1);
    pair_pkt *k2 = pair_wire_nth(&p, -1, -1, 0, 2), *k3 = pair_wire_nth(&p, -1, -1, 0, 3);
    P_CHECK(&p, k0 && k1 && k2 && k3, "fewer than 4 packets");
    sctp_tlv c;
    sctp_init init, initack;
    P_CHECK(&p, k0->from == PAIR_A && pair_find_chunk(k0->data, k0->len, SCTP_INIT, &c) &&
                    pair_pkt_vtag(k0) == 0 && codec_init_decode(&c, &init) == 0,
            "first packet is not A's INIT with tag 0");
    P_CHECK(&p, k1->from == PAIR_B && pair_find_chunk(k1->data, k1->len, SCTP_INIT_ACK, &c) &&
                    codec_init_decode(&c, &initack) == 0 && pair_pkt_vtag(k1) == init.init_tag,
            "second packet is not B's INIT ACK carrying A's tag");
    P_CHECK(&p, pair_find_param(&c, 16, SCTP_P_STATE_COOKIE, NULL), "INIT ACK without cookie");
    P_CHECK(&p, k2->from == PAIR_A && pair_find_chunk(k2->data, k2->len, SCTP_COOKIE_ECHO, NULL) &&
                    pair_pkt_vtag(k2) == initack.init_tag,
            "third packet is not A's COOKIE ECHO with B's tag");
    P_CHECK(&p, k3->from == PAIR_B && pair_find_chunk(k3->data, k3->len, SCTP_COOKIE_ACK, NULL) &&
                    pair_pkt_vtag(k3) == init.init_tag,
            "fourth packet is not B's COOKIE ACK");
    P_CHECK(&p, init.os == 10 && init.mis == 7, "INIT OS/MIS %u/%u", init.os, init.mis);
    P_CHECK(&p, initack.os == 5 && initack.mis == 12, "INIT ACK OS/MIS %u/%u", initack.os,
            initack.mis);

    /* RFC 9260 s5.1.1: streams are min(OS, peer's MIS) in each direction. */
    const pair_ev *ea = pair_find_ev(&p, PAIR_A, MPSCTP_EV_ASSOC_CHANGE, MPSCTP_COMM_UP);
    const pair_ev *eb = pair_find_ev(&p, PAIR_B, MPSCTP_EV_ASSOC_CHANGE, MPSCTP_COMM_UP);
    P_CHECK(&p, ea->ev.outbound_streams == 10 && ea->ev.inbound_streams == 5,
            "A COMM_UP streams out %u in %u, expected 10/5", ea->ev.outbound_streams,
            ea->ev.inbound_streams);
    P_CHECK(&p, eb->ev.outbound_streams == 5 && eb->ev.inbound_streams == 10,
            "B COMM_UP streams out %u in %u, expected 5/10", eb->ev.outbound_streams,
            eb->ev.inbound_streams);
    mpsctp_assoc_status sta = pair_status(a), stb = pair_status(b);
    P_CHECK(&p, sta.outbound_streams == 10 && sta.inbound_streams == 5, "A status streams");
    P_CHECK(&p, stb.outbound_streams == 5 && stb.inbound_streams == 10, "B status streams");
    P_CHECK(&p, sta.peer_vtag == stb.local_vtag && stb.peer_vtag == sta.local_vtag,
            "tags do not pair up");
    P_CHECK(&p, sta.state == MPSCTP_ESTABLISHED && stb.state == MPSCTP_ESTABLISHED,
            "not ESTABLISHED");
    P_CHECK(&p, pair_count_ev(&p, PAIR_A, MPSCTP_EV_ASSOC_CHANGE, MPSCTP_COMM_UP) == 1 &&
                    pair_count_ev(&p, PAIR_B, MPSCTP_EV_ASSOC_CHANGE, MPSCTP_COMM_UP) == 1,
            "COMM_UP not exactly once per side");
    /* Sending on a stream beyond the negotiated count fails. */
    P_CHECK(&p, pair_send_msg(&p, b, 999, 5, 10) == MPSCTP_ERR_STREAM, "B sid 5 accepted");

    /* Data in both directions, some fragmented. */
    uint32_t na = 0, nb = 0;
    size_t bytes_a = 0;
    for (; na < 30; na++) {
        size_t len = 1 + (na * 977u + (uint32_t)seed * 31u) % 4000u;
        bytes_a += len;
        P_CHECK(&p, pair_send_msg(&p, a, na, (uint16_t)(na % 10), len) == 0, "A send %u", na);
    }
    for (; nb < 20; nb++)
        P_CHECK(&p, pair_send_msg(&p, b, nb, (uint16_t)(nb % 5), 100 + nb * 50) == 0,
                "B send %u", nb);
    pair_pump(&p, SEC(2));
    char why[160];
    P_CHECK(&p, pair_verify_rx(&p, PAIR_B, na, why, sizeof(why)) == 0, "B rx: %s", why);
    P_CHECK(&p, pair_verify_rx(&p, PAIR_A, nb, why, sizeof(why)) == 0, "A rx: %s", why);
    P_CHECK(&p, p.s[PAIR_B].rxlen == bytes_a, "B got %zu bytes, expected %zu",
            p.s[PAIR_B].rxlen, bytes_a);

    /* Graceful shutdown with data still queued: everything arrives first. */
    for (; na < 80; na++) {
        bytes_a += 1200;
        P_CHECK(&p, pair_send_msg(&p, a, na, (uint16_t)(na % 10), 1200) == 0, "A send %u", na);
    }
    uint64_t t_shut = p.now;
    P_CHECK(&p, mpsctp_assoc_shutdown(a, p.now) == 0, "shutdown refused");
    {
        int rc = pair_send_msg(&p, a, 999, 0, 10);
        P_CHECK(&p, rc == MPSCTP_ERR_STATE, "send after shutdown returned %d, expected STATE",
                rc);
    }
    P_CHECK(&p, pair_pump_until(&p, SEC(20), cond_both_closed, NULL), "shutdown did not finish");
    pair_pump(&p, SEC(1));
    P_CHECK(&p, pair_verify_rx(&p, PAIR_B, na, why, sizeof(why)) == 0, "B rx: %s", why);
    P_CHECK(&p, p.s[PAIR_B].rxlen == bytes_a, "B got %zu bytes, expected %zu",
            p.s[PAIR_B].rxlen, bytes_a);

    pair_pkt *sd = pair_wire_nth(&p, PAIR_A, SCTP_SHUTDOWN, t_shut, 0);
    pair_pkt *sda = pair_wire_nth(&p, PAIR_B, SCTP_SHUTDOWN_ACK, t_shut, 0);
    pair_pkt *sdc = pair_wire_nth(&p, PAIR_A, SCTP_SHUTDOWN_COMPLETE, t_shut, 0);
    P_CHECK(&p, sd && sda && sdc, "SHUTDOWN %p / SHUTDOWN ACK %p / SHUTDOWN COMPLETE %p",
            (void *)sd, (void *)sda, (void *)sdc);
    P_CHECK(&p, sd->sent < sda->sent && sda->sent < sdc->sent, "shutdown chunks out of order");
    P_CHECK(&p, pair_find_chunk(sdc->data, sdc->len, SCTP_SHUTDOWN_COMPLETE, &c) &&
                    !(c.flags & SCTP_FLAG_T) && pair_pkt_vtag(sdc) == sta.peer_vtag,
            "SHUTDOWN COMPLETE must carry the peer's tag without the T bit");
    /* SHUTDOWN carries the cumulative TSN of what A received from B. */
    P_CHECK(&p, pair_find_chunk(sd->data, sd->len, SCTP_SHUTDOWN, &c) && c.vlen == 4,
            "SHUTDOWN malformed");
    stb = pair_status(b);
    P_CHECK(&p, get32(c.value) == stb.next_tsn - 1, "SHUTDOWN cum TSN %08x, B's last TSN %08x",
            get32(c.value), stb.next_tsn - 1);
    /* No DATA from A after its SHUTDOWN. */
    P_CHECK(&p, pair_wire_count(&p, PAIR_A, SCTP_DATA, sd->sent + 1) == 0, "DATA after SHUTDOWN");

    P_CHECK(&p, pair_count_ev(&p, PAIR_A, MPSCTP_EV_ASSOC_CHANGE, MPSCTP_SHUTDOWN_COMP) == 1,
            "A: SHUTDOWN_COMP not once");
    P_CHECK(&p, pair_count_ev(&p, PAIR_B, MPSCTP_EV_ASSOC_CHANGE, MPSCTP_SHUTDOWN_COMP) == 1,
            "B: SHUTDOWN_COMP not once");
    P_CHECK(&p, pair_count_ev(&p, PAIR_B, MPSCTP_EV_SHUTDOWN, -1) == 1, "B: no SHUTDOWN event");
    P_CHECK(&p, pair_count_ev(&p, PAIR_A, MPSCTP_EV_SHUTDOWN, -1) == 0,
            "A: SHUTDOWN event for its own shutdown");
    P_CHECK(&p, pair_count_ev(&p, PAIR_A, MPSCTP_EV_ASSOC_CHANGE, MPSCTP_COMM_LOST) == 0 &&
                    pair_count_ev(&p, PAIR_B, MPSCTP_EV_ASSOC_CHANGE, MPSCTP_COMM_LOST) == 0,
            "COMM_LOST during graceful shutdown");
    P_CHECK(&p, pair_count_ev(&p, PAIR_A, MPSCTP_EV_SEND_FAILED, -1) == 0,
            "SEND_FAILED in graceful shutdown");
    const pair_ev *es = pair_find_ev(&p, PAIR_B, MPSCTP_EV_SHUTDOWN, -1);
    P_CHECK(&p, p.s[PAIR_B].msg[p.s[PAIR_B].nmsg - 1].t <= es->t,
            "B delivered data after the SHUTDOWN event");
    P_CHECK(&p, pair_send_msg(&p, a, 1000, 0, 10) == MPSCTP_ERR_CLOSED, "send after close");
    P_CHECK(&p, mpsctp_endpoint_deadline(p.s[PAIR_A].ep) == MPSCTP_TSTAMP_NEVER &&
                    mpsctp_endpoint_deadline(p.s[PAIR_B].ep) == MPSCTP_TSTAMP_NEVER,
            "timers still running after shutdown");
    pair_free(&p);
}

static void test_handshake_and_shutdown(void **state)
{
    (void)state;
    for (uint64_t seed = 1; seed <= 3; seed++)
        run_handshake(seed);
}

static void test_t1_init_lost(void **state)
{
    (void)state;
    pair p;
    dropper d = {SCTP_INIT, PAIR_A, 1, 0};
    pair_init(&p, 11, NULL, NULL);
    p.hook = hook_dropper;
    p.user = &d;
    establish(&p);
    P_CHECK(&p, d.dropped == 1 && pair_wire_count(&p, PAIR_A, SCTP_INIT, 0) == 2,
            "expected exactly 2 INITs, got %zu", pair_wire_count(&p, PAIR_A, SCTP_INIT, 0));
    pair_pkt *i0 = pair_wire_nth(&p, PAIR_A, SCTP_INIT, 0, 0);
    pair_pkt *i1 = pair_wire_nth(&p, PAIR_A, SCTP_INIT, 0, 1);
    uint64_t gap = i1->sent - i0->sent;
    /* RFC 9260 s5.1 A, s6.3.1 C1: T1-init runs RTO.Initial (1 s). */
    P_CHECK(&p, gap >= MS(1000) && gap <= MS(1010), "INIT retransmitted after %.3f s",
            (double)gap / 1e9);
    sctp_tlv c0, c1;
    sctp_init n0, n1;
    pair_find_chunk(i0->data, i0->len, SCTP_INIT, &c0);
    pair_find_chunk(i1->data, i1->len, SCTP_INIT, &c1);
    codec_init_decode(&c0, &n0);
    codec_init_decode(&c1, &n1);
    P_CHECK(&p, n0.init_tag == n1.init_tag, "retransmitted INIT changed its tag");
    P_CHECK(&p, pair_count_ev(&p, PAIR_B, MPSCTP_EV_ASSOC_CHANGE, MPSCTP_COMM_UP) == 1, "B up");
    pair_free(&p);
}

static void test_cant_str_assoc(void **state)
{
    (void)state;
    /* Variant 2 caps the back-off with max_init_timeo (RFC 6458 sinit_max_init_timeo). */
    const uint32_t max_init[] = {8, 3, 6};
    const uint32_t rto_max[] = {60000, 3000, 60000};
    const uint32_t timeo[] = {0, 0, 2500};
    for (int v = 0; v < 3; v++) {
        pair p;
        mpsctp_settings sa;
        pair_settings(&sa, PAIR_A);
        sa.max_init_retrans = max_init[v];
        sa.rto_max_ms = rto_max[v];
        sa.max_init_timeo_ms = timeo[v];
        uint32_t cap = timeo[v] && timeo[v] < rto_max[v] ? timeo[v] : rto_max[v];
        dropper d = {SCTP_INIT, PAIR_A, -1, 0};
        pair_init(&p, 12 + (uint64_t)v, &sa, NULL);
        p.hook = hook_dropper;
        p.user = &d;
        mpsctp_assoc *a = pair_connect(&p, PAIR_A);
        P_CHECK(&p, a != NULL, "connect");
        pair_pump(&p, SEC(1000));
        size_t n = pair_wire_count(&p, PAIR_A, SCTP_INIT, 0);
        P_CHECK(&p, n == max_init[v] + 1, "max_init_retrans %u: %zu INITs sent, expected %u",
                max_init[v], n, max_init[v] + 1);
        /* Exponential backoff of T1-init, capped at RTO.Max (RFC 9260 s6.3.3 E2, s5.1). */
        uint64_t rto = MS(1000), expect = pair_wire_nth(&p, PAIR_A, SCTP_INIT, 0, 0)->sent;
        for (size_t i = 1; i < n; i++) {
            expect += rto;
            uint64_t t = pair_wire_nth(&p, PAIR_A, SCTP_INIT, 0, i)->sent;
            P_CHECK(&p, t + MS(10) >= expect && t <= expect + MS(10),
                    "INIT %zu at %.3f s, expected %.3f s (v%d)", i, (double)t / 1e9,
                    (double)expect / 1e9, v);
            rto = rto * 2 > MS(cap) ? MS(cap) : rto * 2;
        }
        expect += rto;
        const pair_ev *e = pair_find_ev(&p, PAIR_A, MPSCTP_EV_ASSOC_CHANGE, MPSCTP_CANT_STR_ASSOC);
        P_CHECK(&p, e != NULL, "no CANT_STR_ASSOC");
        P_CHECK(&p, e->t + MS(10) >= expect && e->t <= expect + MS(10),
                "CANT_STR_ASSOC at %.3f s, expected %.3f s", (double)e->t / 1e9,
                (double)expect / 1e9);
        P_CHECK(&p, pair_count_ev(&p, PAIR_A, MPSCTP_EV_ASSOC_CHANGE, -1) == 1,
                "more than one ASSOC_CHANGE");
        P_CHECK(&p, mpsctp_assoc_state(a) == MPSCTP_CLOSED, "not closed");
        P_CHECK(&p, pair_send_msg(&p, a, 0, 0, 10) == MPSCTP_ERR_CLOSED, "send after failure");
        P_CHECK(&p, pair_count_ev(&p, PAIR_B, MPSCTP_EV_ASSOC_CHANGE, -1) == 0, "B saw something");
        pair_free(&p);
    }
}

static void test_t1_cookie_lost(void **state)
{
    (void)state;
    pair p;
    dropper d = {SCTP_COOKIE_ECHO, PAIR_A, 1, 0};
    pair_init(&p, 13, NULL, NULL);
    p.hook = hook_dropper;
    p.user = &d;
    establish(&p);
    P_CHECK(&p, pair_wire_count(&p, PAIR_A, SCTP_COOKIE_ECHO, 0) == 2, "%zu COOKIE ECHOs",
            pair_wire_count(&p, PAIR_A, SCTP_COOKIE_ECHO, 0));
    pair_pkt *c0 = pair_wire_nth(&p, PAIR_A, SCTP_COOKIE_ECHO, 0, 0);
    pair_pkt *c1 = pair_wire_nth(&p, PAIR_A, SCTP_COOKIE_ECHO, 0, 1);
    uint64_t gap = c1->sent - c0->sent;
    P_CHECK(&p, gap >= MS(1000) && gap <= MS(1100), "COOKIE ECHO retransmitted after %.3f s",
            (double)gap / 1e9);
    P_CHECK(&p, c0->len == c1->len && memcmp(c0->data + 12, c1->data + 12, c0->len - 12) == 0,
            "retransmitted COOKIE ECHO differs");
    P_CHECK(&p, pair_count_ev(&p, PAIR_A, MPSCTP_EV_ASSOC_CHANGE, MPSCTP_COMM_UP) == 1 &&
                    pair_count_ev(&p, PAIR_B, MPSCTP_EV_ASSOC_CHANGE, MPSCTP_COMM_UP) == 1,
            "COMM_UP count");
    pair_free(&p);
}

static void test_t2_shutdown_lost(void **state)
{
    (void)state;
    pair p;
    dropper d = {SCTP_SHUTDOWN, PAIR_A, 0, 0};
    pair_init(&p, 14, NULL, NULL);
    p.hook = hook_dropper;
    p.user = &d;
    establish(&p);
    P_CHECK(&p, pair_send_msg(&p, p.s[PAIR_A].assoc, 0, 0, 500) == 0, "send");
    pair_pump(&p, SEC(1));
    d.n = 1;
    uint64_t t0 = p.now;
    P_CHECK(&p, mpsctp_assoc_shutdown(p.s[PAIR_A].assoc, p.now) == 0, "shutdown refused");
    P_CHECK(&p, pair_pump_until(&p, SEC(10), cond_both_closed, NULL), "shutdown incomplete");
    P_CHECK(&p, d.dropped == 1, "SHUTDOWN not dropped");
    pair_pkt *s0 = pair_wire_nth(&p, PAIR_A, SCTP_SHUTDOWN, t0, 0);
    pair_pkt *s1 = pair_wire_nth(&p, PAIR_A, SCTP_SHUTDOWN, t0, 1);
    P_CHECK(&p, s0 && s1, "SHUTDOWN not retransmitted");
    uint64_t gap = s1->sent - s0->sent;
    /* RFC 9260 s9.2: T2-shutdown runs one RTO (RTO.Min 1 s here). */
    P_CHECK(&p, gap >= MS(1000) && gap <= MS(1100), "SHUTDOWN retransmitted after %.3f s",
            (double)gap / 1e9);
    P_CHECK(&p, pair_count_ev(&p, PAIR_A, MPSCTP_EV_ASSOC_CHANGE, MPSCTP_SHUTDOWN_COMP) == 1 &&
                    pair_count_ev(&p, PAIR_B, MPSCTP_EV_ASSOC_CHANGE, MPSCTP_SHUTDOWN_COMP) == 1,
            "SHUTDOWN_COMP");
    P_CHECK(&p, p.s[PAIR_B].nmsg == 1, "data lost");
    pair_free(&p);
}

static void test_shutdown_complete_lost(void **state)
{
    (void)state;
    pair p;
    dropper d = {SCTP_SHUTDOWN_COMPLETE, PAIR_A, 1, 0};
    pair_init(&p, 15, NULL, NULL);
    p.hook = hook_dropper;
    p.user = &d;
    establish(&p);
    mpsctp_assoc_status sta = pair_status(p.s[PAIR_A].assoc);
    uint64_t t0 = p.now;
    P_CHECK(&p, mpsctp_assoc_shutdown(p.s[PAIR_A].assoc, p.now) == 0, "shutdown refused");
    P_CHECK(&p, pair_pump_until(&p, SEC(10), cond_both_closed, NULL), "shutdown incomplete");
    pair_pump(&p, SEC(2));
    P_CHECK(&p, d.dropped == 1, "SHUTDOWN COMPLETE not dropped");
    pair_pkt *a0 = pair_wire_nth(&p, PAIR_B, SCTP_SHUTDOWN_ACK, t0, 0);
    pair_pkt *a1 = pair_wire_nth(&p, PAIR_B, SCTP_SHUTDOWN_ACK, t0, 1);
    P_CHECK(&p, a0 && a1, "SHUTDOWN ACK not retransmitted");
    uint64_t gap = a1->sent - a0->sent;
    P_CHECK(&p, gap >= MS(1000) && gap <= MS(1100), "SHUTDOWN ACK retransmitted after %.3f s",
            (double)gap / 1e9);
    /* RFC 9260 s8.4 rule 5 / s9.2: A (closed) answers with SHUTDOWN COMPLETE, T bit set and
     * the tag of the SHUTDOWN ACK. */
    pair_pkt *c1 = pair_wire_nth(&p, PAIR_A, SCTP_SHUTDOWN_COMPLETE, a1->sent, 0);
    sctp_tlv c;
    P_CHECK(&p, c1 && pair_find_chunk(c1->data, c1->len, SCTP_SHUTDOWN_COMPLETE, &c) &&
                    (c.flags & SCTP_FLAG_T) && pair_pkt_vtag(c1) == sta.local_vtag,
            "second SHUTDOWN COMPLETE must have the T bit and A's old tag");
    P_CHECK(&p, pair_count_ev(&p, PAIR_A, MPSCTP_EV_ASSOC_CHANGE, MPSCTP_SHUTDOWN_COMP) == 1 &&
                    pair_count_ev(&p, PAIR_B, MPSCTP_EV_ASSOC_CHANGE, MPSCTP_SHUTDOWN_COMP) == 1,
            "SHUTDOWN_COMP");
    P_CHECK(&p, pair_count_ev(&p, PAIR_B, MPSCTP_EV_ASSOC_CHANGE, MPSCTP_COMM_LOST) == 0,
            "B: COMM_LOST");
    P_CHECK(&p, pair_wire_count(&p, PAIR_B, SCTP_SHUTDOWN_ACK, t0) == 2, "%zu SHUTDOWN ACKs",
            pair_wire_count(&p, PAIR_B, SCTP_SHUTDOWN_ACK, t0));
    pair_free(&p);
}

static int cond_b_shutdown_ack_sent(pair *p, void *arg)
{
    (void)arg;
    return mpsctp_assoc_state(p->s[PAIR_B].assoc) == MPSCTP_SHUTDOWN_ACK_SENT;
}

/* B's application reads what it held back only after B has answered A's SHUTDOWN. The
 * window it opens is no news to A, which sends nothing more (RFC 9260 s9.2): B must not
 * send a window-update SACK then. If it did, the SACK could reach A after A closed the
 * association on the SHUTDOWN ACK; A would take it for out of the blue and answer with an
 * ABORT (RFC 9260 s8.4), and a clean shutdown would end in COMM_LOST at B. */
static void test_no_sack_after_shutdown_ack(void **state)
{
    (void)state;
    pair p;
    mpsctp_settings sb;
    pair_settings(&sb, PAIR_B);
    sb.rcvbuf = 64 * 1024;
    pair_init(&p, 16, NULL, &sb);
    p.s[PAIR_B].auto_read = 0;
    establish(&p);
    mpsctp_assoc *a = p.s[PAIR_A].assoc, *b = p.s[PAIR_B].assoc;
    for (uint32_t i = 0; i < 30; i++) /* 30 000 bytes: B's window shrinks to 34 KiB */
        P_CHECK(&p, pair_send_msg(&p, a, i, 0, 1000) == 0, "A send %u", i);
    P_CHECK(&p, mpsctp_assoc_shutdown(a, p.now) == 0, "shutdown refused");
    P_CHECK(&p, pair_pump_until(&p, SEC(10), cond_b_shutdown_ack_sent, NULL),
            "B did not answer the SHUTDOWN");
    uint64_t t_ack = p.now;
    uint8_t buf[2048];
    size_t got = 0;
    for (;;) {
        ssize_t n = mpsctp_assoc_recv(b, buf, sizeof(buf), NULL, NULL, p.now);
        if (n <= 0) break;
        got += (size_t)n;
    }
    P_CHECK(&p, got == 30000, "B read %zu bytes, expected 30000", got);
    P_CHECK(&p, pair_pump_until(&p, SEC(10), cond_both_closed, NULL), "shutdown incomplete");
    pair_pump(&p, SEC(2));
    size_t sacks = pair_wire_count(&p, PAIR_B, SCTP_SACK, t_ack) +
                   pair_wire_count(&p, PAIR_B, SCTP_NR_SACK, t_ack);
    P_CHECK(&p, sacks == 0, "B sent %zu SACKs after its SHUTDOWN ACK", sacks);
    P_CHECK(&p, pair_wire_count(&p, -1, SCTP_ABORT, 0) == 0, "an ABORT went out");
    P_CHECK(&p,
            pair_count_ev(&p, PAIR_A, MPSCTP_EV_ASSOC_CHANGE, MPSCTP_SHUTDOWN_COMP) == 1 &&
                pair_count_ev(&p, PAIR_B, MPSCTP_EV_ASSOC_CHANGE, MPSCTP_SHUTDOWN_COMP) == 1,
            "SHUTDOWN_COMP not once on each side");
    P_CHECK(&p, pair_count_ev(&p, PAIR_B, MPSCTP_EV_ASSOC_CHANGE, MPSCTP_COMM_LOST) == 0,
            "B: COMM_LOST after a graceful shutdown");
    pair_free(&p);
}

static void test_t5_guard(void **state)
{
    (void)state;
    pair p;
    mpsctp_settings sa;
    pair_settings(&sa, PAIR_A);
    sa.rto_max_ms = 2000;
    sa.assoc_max_retrans = 100; /* let T5 (5 x RTO.Max = 10 s) fire before the T2 limit */
    sa.hb_interval_ms = 0;
    dropper d = {-1, PAIR_B, 0, 0};
    pair_init(&p, 16, &sa, NULL);
    p.hook = hook_dropper;
    p.user = &d;
    establish(&p);
    d.n = -1; /* B is heard no more */
    uint64_t t0 = p.now;
    P_CHECK(&p, mpsctp_assoc_shutdown(p.s[PAIR_A].assoc, p.now) == 0, "shutdown refused");
    pair_pump(&p, SEC(30));
    pair_pkt *s0 = pair_wire_nth(&p, PAIR_A, SCTP_SHUTDOWN, t0, 0);
    P_CHECK(&p, s0 != NULL, "no SHUTDOWN");
    size_t nsd = pair_wire_count(&p, PAIR_A, SCTP_SHUTDOWN, t0);
    /* T2 at 1, 2, 2, 2 ... s: SHUTDOWN at 0, 1, 3, 5, 7, 9 s. */
    P_CHECK(&p, nsd == 6, "%zu SHUTDOWNs in the T5 window, expected 6", nsd);
    const pair_ev *e = pair_find_ev(&p, PAIR_A, MPSCTP_EV_ASSOC_CHANGE, MPSCTP_COMM_LOST);
    P_CHECK(&p, e != NULL, "no COMM_LOST after T5");
    /* RFC 9260 s9.2: T5-shutdown-guard, 5 x RTO.Max, then ABORT. */
    P_CHECK(&p, e->t >= s0->sent + SEC(10) && e->t <= s0->sent + SEC(10) + MS(50),
            "COMM_LOST %.3f s after SHUTDOWN, expected 10 s", (double)(e->t - s0->sent) / 1e9);
    pair_pkt *ab = pair_wire_nth(&p, PAIR_A, SCTP_ABORT, t0, 0);
    sctp_tlv c;
    P_CHECK(&p, ab && ab->sent == e->t && pair_find_chunk(ab->data, ab->len, SCTP_ABORT, &c) &&
                    !(c.flags & SCTP_FLAG_T) &&
                    pair_pkt_vtag(ab) == pair_status(p.s[PAIR_B].assoc).local_vtag,
            "ABORT with B's tag not sent at T5 expiry");
    P_CHECK(&p, pair_count_ev(&p, PAIR_A, MPSCTP_EV_ASSOC_CHANGE, MPSCTP_SHUTDOWN_COMP) == 0,
            "SHUTDOWN_COMP without answer");
    P_CHECK(&p, mpsctp_assoc_state(p.s[PAIR_A].assoc) == MPSCTP_CLOSED, "A not closed");
    /* The ABORT reached B. */
    P_CHECK(&p, mpsctp_assoc_state(p.s[PAIR_B].assoc) == MPSCTP_CLOSED &&
                    pair_count_ev(&p, PAIR_B, MPSCTP_EV_ASSOC_CHANGE, MPSCTP_COMM_LOST) == 1,
            "B did not take the ABORT");
    pair_free(&p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_handshake_and_shutdown),
        cmocka_unit_test(test_t1_init_lost),
        cmocka_unit_test(test_cant_str_assoc),
        cmocka_unit_test(test_t1_cookie_lost),
        cmocka_unit_test(test_t2_shutdown_lost),
        cmocka_unit_test(test_shutdown_complete_lost),
        cmocka_unit_test(test_no_sack_after_shutdown_ack),
        cmocka_unit_test(test_t5_guard),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
