/* Initialization collisions and unexpected handshake chunks (RFC 9260 s5.2): crossing
 * INITs, INIT in COOKIE-WAIT / COOKIE-ECHOED / ESTABLISHED, and the four rows of table 2
 * for a COOKIE ECHO that meets an existing association (peer restart, setup collision,
 * late cookie, duplicate cookie). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "pair.h"

/* Hook state: drop by type/direction and keep copies of chosen packets. */
typedef struct ctl {
    int drop_from;  /* -1: nothing dropped by direction */
    int drop_type;  /* -1: any type */
    int drop_n;     /* how many to drop, -1 all */
    int dropped;
    int keep_type;  /* chunk type whose packets are copied into kept[] */
    pair_pkt *kept[8];
    int nkept;
} ctl;

static int hook_ctl(pair *p, pair_pkt *k)
{
    ctl *c = p->user;
    if (c->keep_type >= 0 && c->nkept < 8 &&
        pair_find_chunk(k->data, k->len, (uint8_t)c->keep_type, NULL)) {
        pair_pkt *cp = malloc(sizeof(*cp) + k->len);
        memcpy(cp, k, sizeof(*cp) + k->len);
        c->kept[c->nkept++] = cp;
    }
    if (c->drop_from >= 0 && k->from == c->drop_from &&
        (c->drop_type < 0 || pair_find_chunk(k->data, k->len, (uint8_t)c->drop_type, NULL)) &&
        (c->drop_n < 0 || c->dropped < c->drop_n)) {
        c->dropped++;
        return PAIR_DROP;
    }
    return PAIR_PASS;
}

static void ctl_init(ctl *c)
{
    memset(c, 0, sizeof(*c));
    c->drop_from = -1;
    c->drop_type = -1;
    c->drop_n = -1;
    c->keep_type = -1;
}

static void ctl_free(ctl *c)
{
    for (int i = 0; i < c->nkept; i++)
        free(c->kept[i]);
}

/* Sends n messages each way on the sides' first associations and checks they arrive. */
static void check_data_flows(pair *p, mpsctp_assoc *a, mpsctp_assoc *b, const char *what)
{
    size_t ra = p->s[PAIR_A].nmsg, rb = p->s[PAIR_B].nmsg;
    for (uint32_t i = 0; i < 5; i++) {
        P_CHECK(p, pair_send_msg(p, a, 100 + i, 0, 300) == 0, "%s: A send", what);
        P_CHECK(p, pair_send_msg(p, b, 200 + i, 0, 300) == 0, "%s: B send", what);
    }
    pair_pump(p, SEC(3));
    P_CHECK(p, p->s[PAIR_B].nmsg == rb + 5, "%s: B read %zu new messages, expected 5", what,
            p->s[PAIR_B].nmsg - rb);
    P_CHECK(p, p->s[PAIR_A].nmsg == ra + 5, "%s: A read %zu new messages, expected 5", what,
            p->s[PAIR_A].nmsg - ra);
    for (size_t i = rb; i < p->s[PAIR_B].nmsg; i++)
        P_CHECK(p, p->s[PAIR_B].msg[i].ppid == 100 + (i - rb), "%s: B message order", what);
    for (size_t i = ra; i < p->s[PAIR_A].nmsg; i++)
        P_CHECK(p, p->s[PAIR_A].msg[i].ppid == 200 + (i - ra), "%s: A message order", what);
    P_CHECK(p, pair_status(a).state == MPSCTP_ESTABLISHED &&
                   pair_status(b).state == MPSCTP_ESTABLISHED,
            "%s: association not ESTABLISHED", what);
}

static void establish(pair *p)
{
    P_CHECK(p, pair_connect(p, PAIR_A) != NULL, "connect failed");
    P_CHECK(p, pair_pump_until(p, SEC(30), pair_cond_up, NULL), "handshake did not complete");
}

/* Builds an INIT from the peer address of `to` (the other side's address and port). */
static size_t build_init(uint8_t *b, size_t cap, uint16_t sport, uint16_t dport, uint32_t tag,
                         uint32_t tsn)
{
    wbuf w;
    wbuf_init(&w, b, cap);
    codec_common_encode(&w, sport, dport, 0);
    size_t off = codec_init_begin(&w, SCTP_INIT, tag, 65536, 10, 10, tsn);
    codec_chunk_end(&w, off);
    return w.len;
}

static void test_init_cross(void **state)
{
    (void)state;
    for (uint64_t seed = 21; seed <= 24; seed++) {
        pair p;
        pair_init(&p, seed, NULL, NULL);
        mpsctp_endpoint_listen(p.s[PAIR_A].ep, 1);
        mpsctp_assoc *a = pair_connect(&p, PAIR_A);
        mpsctp_assoc *b = pair_connect(&p, PAIR_B);
        P_CHECK(&p, a && b, "connect");
        pair_pump(&p, SEC(10));
        for (int s = 0; s < 2; s++) {
            P_CHECK(&p, p.s[s].nassocs == 1, "side %d has %d associations", s, p.s[s].nassocs);
            P_CHECK(&p, pair_count_ev(&p, s, MPSCTP_EV_ASSOC_CHANGE, MPSCTP_COMM_UP) == 1,
                    "side %d: %zu COMM_UP", s,
                    pair_count_ev(&p, s, MPSCTP_EV_ASSOC_CHANGE, MPSCTP_COMM_UP));
            P_CHECK(&p, pair_count_ev(&p, s, MPSCTP_EV_ASSOC_CHANGE, -1) == 1,
                    "side %d: other association changes", s);
        }
        P_CHECK(&p, pair_find_ev(&p, PAIR_A, MPSCTP_EV_ASSOC_CHANGE, MPSCTP_COMM_UP)->ev.assoc == a &&
                        pair_find_ev(&p, PAIR_B, MPSCTP_EV_ASSOC_CHANGE, MPSCTP_COMM_UP)->ev.assoc == b,
                "COMM_UP names another association than connect returned");
        mpsctp_assoc_status sa = pair_status(a), sb = pair_status(b);
        P_CHECK(&p, sa.peer_vtag == sb.local_vtag && sb.peer_vtag == sa.local_vtag,
                "tags do not pair up: A %08x/%08x B %08x/%08x", sa.local_vtag, sa.peer_vtag,
                sb.local_vtag, sb.peer_vtag);
        check_data_flows(&p, a, b, "crossed INITs");
        pair_free(&p);
    }
}

/* RFC 9260 s5.2.1: INIT in COOKIE-WAIT is answered with an INIT ACK that repeats the
 * parameters of our own INIT, Initiate Tag included; state does not change. */
static void test_init_in_cookie_wait(void **state)
{
    (void)state;
    pair p;
    ctl c;
    ctl_init(&c);
    c.drop_from = PAIR_A; /* A's INITs never reach B: A stays in COOKIE-WAIT */
    c.keep_type = SCTP_INIT;
    pair_init(&p, 31, NULL, NULL);
    p.hook = hook_ctl;
    p.user = &c;
    mpsctp_assoc *a = pair_connect(&p, PAIR_A);
    pair_pump(&p, MS(100));
    P_CHECK(&p, c.nkept == 1 && mpsctp_assoc_state(a) == MPSCTP_COOKIE_WAIT, "no INIT");
    sctp_tlv ch;
    sctp_init mine, ack;
    pair_find_chunk(c.kept[0]->data, c.kept[0]->len, SCTP_INIT, &ch);
    codec_init_decode(&ch, &mine);

    uint8_t b[256];
    size_t n = build_init(b, sizeof(b), PAIR_PORT_B, PAIR_PORT_A, 0x77777777u, 4242);
    P_CHECK(&p, pair_inject(&p, PAIR_A, b, n, NULL) == 0, "INIT refused");
    pair_pkt *out[4];
    size_t no = pair_take(&p, PAIR_A, out, 4);
    P_CHECK(&p, no == 1 && pair_find_chunk(out[0]->data, out[0]->len, SCTP_INIT_ACK, &ch),
            "no INIT ACK (%zu packets)", no);
    P_CHECK(&p, codec_init_decode(&ch, &ack) == 0, "bad INIT ACK");
    P_CHECK(&p, pair_pkt_vtag(out[0]) == 0x77777777u, "INIT ACK tag %08x", pair_pkt_vtag(out[0]));
    P_CHECK(&p, ack.init_tag == mine.init_tag, "INIT ACK tag %08x, our INIT had %08x",
            ack.init_tag, mine.init_tag);
    P_CHECK(&p, ack.init_tsn == mine.init_tsn, "INIT ACK TSN %08x, our INIT had %08x",
            ack.init_tsn, mine.init_tsn);
    P_CHECK(&p, ack.os == mine.os && ack.mis == mine.mis, "streams differ");
    P_CHECK(&p, pair_find_param(&ch, 16, SCTP_P_STATE_COOKIE, NULL), "no cookie");
    P_CHECK(&p, mpsctp_assoc_state(a) == MPSCTP_COOKIE_WAIT, "state changed to %s",
            mpsctp_state_name(mpsctp_assoc_state(a)));
    /* T1-init keeps running: let the INITs through now and the association comes up. */
    c.drop_from = -1;
    P_CHECK(&p, pair_pump_until(&p, SEC(10), pair_cond_up, NULL), "no COMM_UP");
    P_CHECK(&p, pair_count_ev(&p, PAIR_A, MPSCTP_EV_ASSOC_CHANGE, -1) == 1, "A changes");
    ctl_free(&c);
    pair_free(&p);
}

/* RFC 9260 s5.2.1: INIT in COOKIE-ECHOED: INIT ACK with the original Initiate Tag too. */
static void test_init_in_cookie_echoed(void **state)
{
    (void)state;
    pair p;
    ctl c;
    ctl_init(&c);
    c.drop_from = PAIR_A;
    c.drop_type = SCTP_COOKIE_ECHO;
    c.keep_type = SCTP_INIT;
    pair_init(&p, 32, NULL, NULL);
    p.hook = hook_ctl;
    p.user = &c;
    mpsctp_assoc *a = pair_connect(&p, PAIR_A);
    pair_pump(&p, MS(100));
    P_CHECK(&p, mpsctp_assoc_state(a) == MPSCTP_COOKIE_ECHOED, "A in %s",
            mpsctp_state_name(mpsctp_assoc_state(a)));
    sctp_tlv ch;
    sctp_init mine, ack;
    pair_find_chunk(c.kept[0]->data, c.kept[0]->len, SCTP_INIT, &ch);
    codec_init_decode(&ch, &mine);

    uint8_t b[256];
    size_t n = build_init(b, sizeof(b), PAIR_PORT_B, PAIR_PORT_A, 0x66666666u, 999);
    P_CHECK(&p, pair_inject(&p, PAIR_A, b, n, NULL) == 0, "INIT refused");
    pair_pkt *out[4];
    size_t no = pair_take(&p, PAIR_A, out, 4);
    P_CHECK(&p, no == 1 && pair_find_chunk(out[0]->data, out[0]->len, SCTP_INIT_ACK, &ch) &&
                    codec_init_decode(&ch, &ack) == 0,
            "no INIT ACK (%zu packets)", no);
    P_CHECK(&p, pair_pkt_vtag(out[0]) == 0x66666666u, "INIT ACK packet tag");
    P_CHECK(&p, ack.init_tag == mine.init_tag, "INIT ACK tag %08x, original %08x", ack.init_tag,
            mine.init_tag);
    P_CHECK(&p, ack.init_tsn == mine.init_tsn, "INIT ACK TSN differs from the original");
    P_CHECK(&p, mpsctp_assoc_state(a) == MPSCTP_COOKIE_ECHOED, "state changed");
    c.drop_from = -1;
    P_CHECK(&p, pair_pump_until(&p, SEC(10), pair_cond_up, NULL), "no COMM_UP");
    pair_pump(&p, SEC(1));
    P_CHECK(&p, pair_count_ev(&p, PAIR_A, MPSCTP_EV_ASSOC_CHANGE, -1) == 1 &&
                    pair_count_ev(&p, PAIR_B, MPSCTP_EV_ASSOC_CHANGE, -1) == 1,
            "association changes");
    check_data_flows(&p, a, p.s[PAIR_B].assoc, "after INIT in COOKIE-ECHOED");
    ctl_free(&c);
    pair_free(&p);
}

/* RFC 9260 s5.2.2: unexpected INIT in ESTABLISHED: INIT ACK with a new Initiate Tag; the
 * association is not disturbed. */
static void test_init_in_established(void **state)
{
    (void)state;
    pair p;
    pair_init(&p, 33, NULL, NULL);
    establish(&p);
    mpsctp_assoc *a = p.s[PAIR_A].assoc, *bb = p.s[PAIR_B].assoc;
    mpsctp_assoc_status before = pair_status(bb);
    uint8_t b[256];
    size_t n = build_init(b, sizeof(b), PAIR_PORT_A, PAIR_PORT_B, 0x55555555u, 777);
    P_CHECK(&p, pair_inject(&p, PAIR_B, b, n, NULL) == 0, "INIT refused");
    pair_pkt *out[4];
    size_t no = pair_take(&p, PAIR_B, out, 4);
    sctp_tlv ch;
    sctp_init ack;
    P_CHECK(&p, no == 1 && pair_find_chunk(out[0]->data, out[0]->len, SCTP_INIT_ACK, &ch) &&
                    codec_init_decode(&ch, &ack) == 0,
            "no INIT ACK (%zu packets)", no);
    P_CHECK(&p, pair_pkt_vtag(out[0]) == 0x55555555u, "INIT ACK packet tag %08x",
            pair_pkt_vtag(out[0]));
    P_CHECK(&p, ack.init_tag != before.local_vtag && ack.init_tag != before.peer_vtag &&
                    ack.init_tag != 0,
            "INIT ACK reuses a current tag (%08x)", ack.init_tag);
    P_CHECK(&p, pair_find_param(&ch, 16, SCTP_P_STATE_COOKIE, NULL), "no cookie");
    mpsctp_assoc_status after = pair_status(bb);
    P_CHECK(&p, after.state == MPSCTP_ESTABLISHED && after.local_vtag == before.local_vtag &&
                    after.peer_vtag == before.peer_vtag,
            "association changed by the INIT");
    P_CHECK(&p, pair_count_ev(&p, PAIR_B, MPSCTP_EV_ASSOC_CHANGE, -1) == 1, "B events");
    check_data_flows(&p, a, bb, "after unexpected INIT");
    pair_free(&p);
}

/* RFC 9260 s5.2.1: an INIT in COOKIE-WAIT or COOKIE-ECHOED that adds an address to the
 * association is answered with an ABORT carrying the INIT's tag and the cause Restart of
 * an Association with New Addresses listing that address; our association stays in its
 * state and completes its handshake afterwards. */
static void init_new_address_during_setup(uint64_t seed, int drop_type, mpsctp_state want)
{
    pair p;
    ctl c;
    ctl_init(&c);
    c.drop_from = PAIR_A;
    c.drop_type = drop_type;
    pair_init(&p, seed, NULL, NULL);
    p.hook = hook_ctl;
    p.user = &c;
    mpsctp_assoc *a = pair_connect(&p, PAIR_A);
    pair_pump(&p, MS(100));
    P_CHECK(&p, mpsctp_assoc_state(a) == want, "A in %s",
            mpsctp_state_name(mpsctp_assoc_state(a)));
    uint8_t b[256];
    wbuf w;
    wbuf_init(&w, b, sizeof(b));
    codec_common_encode(&w, PAIR_PORT_B, PAIR_PORT_A, 0);
    size_t off = codec_init_begin(&w, SCTP_INIT, 0x44444444u, 65536, 10, 10, 4242);
    uint8_t mine[4] = {10, 0, 0, 2}, extra[4] = {10, 0, 0, 7};
    codec_param_put(&w, SCTP_P_IPV4, mine, 4);
    codec_param_put(&w, SCTP_P_IPV4, extra, 4);
    codec_chunk_end(&w, off);
    P_CHECK(&p, pair_inject(&p, PAIR_A, b, w.len, NULL) == 0, "INIT refused");
    pair_pkt *out[4];
    size_t no = pair_take(&p, PAIR_A, out, 4);
    sctp_tlv ch, cause;
    P_CHECK(&p, no == 1 && pair_find_chunk(out[0]->data, out[0]->len, SCTP_ABORT, &ch),
            "%s: no ABORT for an INIT adding an address (%zu packets, INIT ACK: %d)",
            mpsctp_state_name(want), no,
            no ? pair_find_chunk(out[0]->data, out[0]->len, SCTP_INIT_ACK, NULL) : 0);
    P_CHECK(&p, pair_pkt_vtag(out[0]) == 0x44444444u && !(ch.flags & SCTP_FLAG_T),
            "ABORT tag %08x", pair_pkt_vtag(out[0]));
    P_CHECK(&p, pair_find_param(&ch, 0, SCTP_CAUSE_RESTART_NEW_ADDRS, &cause) &&
                    cause.vlen == 8 && memcmp(cause.value + 4, extra, 4) == 0,
            "ABORT cause does not list the new address");
    P_CHECK(&p, mpsctp_assoc_state(a) == want && pair_status(a).num_paths == 1,
            "association changed: %s, %u paths", mpsctp_state_name(mpsctp_assoc_state(a)),
            pair_status(a).num_paths);
    c.drop_from = -1;
    P_CHECK(&p, pair_pump_until(&p, SEC(10), pair_cond_up, NULL), "no COMM_UP");
    P_CHECK(&p, pair_count_ev(&p, PAIR_A, MPSCTP_EV_ASSOC_CHANGE, -1) == 1, "A changes");
    ctl_free(&c);
    pair_free(&p);
}

static void test_init_new_address_in_cookie_wait(void **state)
{
    (void)state;
    init_new_address_during_setup(34, -1, MPSCTP_COOKIE_WAIT);
}

static void test_init_new_address_in_cookie_echoed(void **state)
{
    (void)state;
    init_new_address_during_setup(35, SCTP_COOKIE_ECHO, MPSCTP_COOKIE_ECHOED);
}

/* Table 2 case A: the peer restarted. A new endpoint on A's address and port connects to B
 * while B still holds the old association. */
static void test_case_a_restart(void **state)
{
    (void)state;
    for (uint64_t seed = 41; seed <= 42; seed++) {
        pair p;
        pair_init(&p, seed, NULL, NULL);
        establish(&p);
        mpsctp_assoc *b = p.s[PAIR_B].assoc;
        check_data_flows(&p, p.s[PAIR_A].assoc, b, "before restart");
        mpsctp_assoc_status old = pair_status(b);
        pair_restart_endpoint(&p, PAIR_A);
        uint64_t t0 = p.now;
        mpsctp_assoc *a2 = pair_connect(&p, PAIR_A);
        P_CHECK(&p, a2 != NULL, "connect");
        pair_pump(&p, SEC(3));
        P_CHECK(&p, pair_count_ev_since(&p, PAIR_A, MPSCTP_EV_ASSOC_CHANGE, MPSCTP_COMM_UP, t0) == 1,
                "new A not up");
        const pair_ev *r = pair_find_ev(&p, PAIR_B, MPSCTP_EV_ASSOC_CHANGE, MPSCTP_RESTART);
        P_CHECK(&p, r != NULL && r->t >= t0 && r->ev.assoc == b, "B reported no RESTART");
        P_CHECK(&p, pair_count_ev(&p, PAIR_B, MPSCTP_EV_ASSOC_CHANGE, MPSCTP_COMM_UP) == 1 &&
                        pair_count_ev(&p, PAIR_B, MPSCTP_EV_ASSOC_CHANGE, MPSCTP_COMM_LOST) == 0,
                "B: a second association or a lost one");
        P_CHECK(&p, p.s[PAIR_B].nassocs == 1, "B has %d associations", p.s[PAIR_B].nassocs);
        mpsctp_assoc_status nb = pair_status(b), na = pair_status(a2);
        P_CHECK(&p, nb.local_vtag != old.local_vtag && nb.peer_vtag != old.peer_vtag,
                "tags not renewed");
        P_CHECK(&p, nb.peer_vtag == na.local_vtag && na.peer_vtag == nb.local_vtag,
                "tags do not pair up after restart");
        check_data_flows(&p, a2, b, "after restart");
        pair_free(&p);
    }
}

/* B drops its DATA to A: what B sends stays in flight. */
static int hook_drop_b_data(pair *p, pair_pkt *k)
{
    (void)p;
    return k->from == PAIR_B && pair_find_chunk(k->data, k->len, SCTP_DATA, NULL) ? PAIR_DROP
                                                                                  : PAIR_PASS;
}

/* Case A with data: B holds 20 messages for the old A (a few in flight, the rest not yet
 * sent) when A restarts. Every one of them fails with SEND_FAILED (data sent flag for
 * those in flight) before RESTART, and none reaches the new A. */
static void test_case_a_restart_fails_queued_messages(void **state)
{
    (void)state;
    pair p;
    pair_init(&p, 43, NULL, NULL);
    establish(&p);
    mpsctp_assoc *b = p.s[PAIR_B].assoc;
    p.hook = hook_drop_b_data;
    for (uint32_t i = 0; i < 20; i++)
        P_CHECK(&p, pair_send_msg(&p, b, i, 0, 1452) == 0, "send %u", i);
    pair_flush(&p);
    mpsctp_assoc_status st = pair_status(b);
    uint32_t in_flight = st.unacked_chunks;
    P_CHECK(&p, in_flight > 0 && st.pending_chunks > 0, "in flight %u, pending %u", in_flight,
            st.pending_chunks);
    pair_restart_endpoint(&p, PAIR_A);
    p.hook = NULL;
    pair_pump(&p, MS(1));
    uint64_t t0 = p.now;
    mpsctp_assoc *a2 = pair_connect(&p, PAIR_A);
    P_CHECK(&p, a2 != NULL, "connect");
    pair_pump(&p, SEC(3));
    const pair_ev *r = pair_find_ev(&p, PAIR_B, MPSCTP_EV_ASSOC_CHANGE, MPSCTP_RESTART);
    P_CHECK(&p, r != NULL && r->ev.assoc == b, "B reported no RESTART");
    size_t failed = 0, sent = 0, before = 0;
    const pair_side *sb = &p.s[PAIR_B];
    for (size_t i = 0; i < sb->nev; i++) {
        const mpsctp_event *e = &sb->ev[i].ev;
        if (e->type != MPSCTP_EV_SEND_FAILED)
            continue;
        P_CHECK(&p, e->context == failed, "SEND_FAILED for message %u, expected %zu",
                e->context, failed);
        failed++;
        sent += e->sent;
        before += &sb->ev[i] < r;
    }
    P_CHECK(&p, failed == 20 && before == 20, "%zu SEND_FAILED, %zu before RESTART", failed,
            before);
    P_CHECK(&p, sent == in_flight, "%zu reported as sent, %u were in flight", sent, in_flight);
    P_CHECK(&p, p.s[PAIR_A].nmsg == 0, "the new A read %zu old messages", p.s[PAIR_A].nmsg);
    P_CHECK(&p, pair_count_ev_since(&p, PAIR_A, MPSCTP_EV_ASSOC_CHANGE, MPSCTP_COMM_UP, t0) == 1,
            "new A not up");
    check_data_flows(&p, a2, b, "after restart with queued data");
    pair_free(&p);
}

/* Table 2 case B: COOKIE ECHO whose cookie has our tag but a new peer tag, met in
 * COOKIE-WAIT (the peer answered our INIT-less state with its own INIT, we sent INIT ACK,
 * it echoed the cookie): the association comes up with the peer's tag from the cookie. */
static void test_case_b_setup_collision(void **state)
{
    (void)state;
    pair p;
    ctl c;
    ctl_init(&c);
    c.drop_from = PAIR_A; /* nothing from A reaches B: the test plays the peer */
    pair_init(&p, 51, NULL, NULL);
    p.hook = hook_ctl;
    p.user = &c;
    mpsctp_assoc *a = pair_connect(&p, PAIR_A);
    pair_pump(&p, MS(50));
    mpsctp_assoc_status st = pair_status(a);
    P_CHECK(&p, st.state == MPSCTP_COOKIE_WAIT, "A in %s", mpsctp_state_name(st.state));
    const uint32_t peer_tag = 0x3c3c3c3cu;
    uint8_t b[1500];
    size_t n = build_init(b, sizeof(b), PAIR_PORT_B, PAIR_PORT_A, peer_tag, 5000);
    pair_inject(&p, PAIR_A, b, n, NULL);
    pair_pkt *out[4];
    sctp_tlv ch, cookie;
    P_CHECK(&p, pair_take(&p, PAIR_A, out, 4) == 1 &&
                    pair_find_chunk(out[0]->data, out[0]->len, SCTP_INIT_ACK, &ch) &&
                    pair_find_param(&ch, 16, SCTP_P_STATE_COOKIE, &cookie),
            "no INIT ACK with cookie");
    wbuf w;
    wbuf_init(&w, b, sizeof(b));
    codec_common_encode(&w, PAIR_PORT_B, PAIR_PORT_A, st.local_vtag);
    size_t off = codec_chunk_begin(&w, SCTP_COOKIE_ECHO, 0);
    wbuf_put(&w, cookie.value, cookie.vlen);
    codec_chunk_end(&w, off);
    P_CHECK(&p, pair_inject(&p, PAIR_A, b, w.len, NULL) == 0, "COOKIE ECHO refused");
    size_t no = pair_take(&p, PAIR_A, out, 4);
    P_CHECK(&p, no >= 1 && pair_find_chunk(out[0]->data, out[0]->len, SCTP_COOKIE_ACK, NULL) &&
                    pair_pkt_vtag(out[0]) == peer_tag,
            "no COOKIE ACK with the peer's tag");
    st = pair_status(a);
    P_CHECK(&p, st.state == MPSCTP_ESTABLISHED && st.peer_vtag == peer_tag,
            "A in %s with peer tag %08x", mpsctp_state_name(st.state), st.peer_vtag);
    P_CHECK(&p, pair_count_ev(&p, PAIR_A, MPSCTP_EV_ASSOC_CHANGE, MPSCTP_COMM_UP) == 1,
            "no COMM_UP");
    ctl_free(&c);
    pair_free(&p);
}

/* Table 2 case C: a late COOKIE ECHO (tags: ours differs, peer's matches, no tie tags) is
 * silently discarded and the association goes on. */
static void test_case_c_late_cookie(void **state)
{
    (void)state;
    pair p;
    ctl c;
    ctl_init(&c);
    c.drop_from = PAIR_B;
    c.drop_type = SCTP_INIT_ACK;
    c.drop_n = 1; /* the first INIT ACK is lost (but kept); A retransmits its INIT */
    c.keep_type = SCTP_INIT_ACK;
    pair_init(&p, 52, NULL, NULL);
    p.hook = hook_ctl;
    p.user = &c;
    establish(&p);
    P_CHECK(&p, c.nkept == 2, "%d INIT ACKs", c.nkept);
    mpsctp_assoc *a = p.s[PAIR_A].assoc, *bb = p.s[PAIR_B].assoc;
    mpsctp_assoc_status before = pair_status(bb);
    sctp_tlv ch, cookie;
    sctp_init old;
    P_CHECK(&p, pair_find_chunk(c.kept[0]->data, c.kept[0]->len, SCTP_INIT_ACK, &ch) &&
                    codec_init_decode(&ch, &old) == 0 &&
                    pair_find_param(&ch, 16, SCTP_P_STATE_COOKIE, &cookie),
            "kept INIT ACK");
    P_CHECK(&p, old.init_tag != before.local_vtag, "both INIT ACKs had the same tag");
    uint8_t b[1500];
    wbuf w;
    wbuf_init(&w, b, sizeof(b));
    codec_common_encode(&w, PAIR_PORT_A, PAIR_PORT_B, old.init_tag);
    size_t off = codec_chunk_begin(&w, SCTP_COOKIE_ECHO, 0);
    wbuf_put(&w, cookie.value, cookie.vlen);
    codec_chunk_end(&w, off);
    size_t nev = p.s[PAIR_B].nev;
    pair_inject(&p, PAIR_B, b, w.len, NULL);
    pair_pkt *out[4];
    size_t no = pair_take(&p, PAIR_B, out, 4);
    for (size_t i = 0; i < no; i++)
        P_CHECK(&p, !pair_find_chunk(out[i]->data, out[i]->len, SCTP_COOKIE_ACK, NULL) &&
                        !pair_find_chunk(out[i]->data, out[i]->len, SCTP_ABORT, NULL),
                "late cookie answered");
    P_CHECK(&p, p.s[PAIR_B].nev == nev, "late cookie produced an event");
    mpsctp_assoc_status after = pair_status(bb);
    P_CHECK(&p, after.state == MPSCTP_ESTABLISHED && after.local_vtag == before.local_vtag &&
                    after.peer_vtag == before.peer_vtag,
            "association changed");
    check_data_flows(&p, a, bb, "after late cookie");
    ctl_free(&c);
    pair_free(&p);
}

/* Table 2 case D: the COOKIE ACK is lost; A's retransmitted COOKIE ECHO gets another
 * COOKIE ACK and no second COMM_UP. */
static void test_case_d_cookie_ack_lost(void **state)
{
    (void)state;
    pair p;
    ctl c;
    ctl_init(&c);
    c.drop_from = PAIR_B;
    c.drop_type = SCTP_COOKIE_ACK;
    c.drop_n = 1;
    pair_init(&p, 53, NULL, NULL);
    p.hook = hook_ctl;
    p.user = &c;
    establish(&p);
    pair_pump(&p, SEC(2));
    P_CHECK(&p, c.dropped == 1, "COOKIE ACK not dropped");
    P_CHECK(&p, pair_wire_count(&p, PAIR_A, SCTP_COOKIE_ECHO, 0) == 2, "%zu COOKIE ECHOs",
            pair_wire_count(&p, PAIR_A, SCTP_COOKIE_ECHO, 0));
    P_CHECK(&p, pair_wire_count(&p, PAIR_B, SCTP_COOKIE_ACK, 0) == 2, "%zu COOKIE ACKs",
            pair_wire_count(&p, PAIR_B, SCTP_COOKIE_ACK, 0));
    P_CHECK(&p, pair_count_ev(&p, PAIR_B, MPSCTP_EV_ASSOC_CHANGE, -1) == 1 &&
                    pair_count_ev(&p, PAIR_A, MPSCTP_EV_ASSOC_CHANGE, -1) == 1,
            "COMM_UP not exactly once per side");
    P_CHECK(&p, p.s[PAIR_B].nassocs == 1, "B has %d associations", p.s[PAIR_B].nassocs);
    check_data_flows(&p, p.s[PAIR_A].assoc, p.s[PAIR_B].assoc, "after duplicate cookie");
    ctl_free(&c);
    pair_free(&p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_init_cross),
        cmocka_unit_test(test_init_in_cookie_wait),
        cmocka_unit_test(test_init_in_cookie_echoed),
        cmocka_unit_test(test_init_in_established),
        cmocka_unit_test(test_init_new_address_in_cookie_wait),
        cmocka_unit_test(test_init_new_address_in_cookie_echoed),
        cmocka_unit_test(test_case_a_restart),
        cmocka_unit_test(test_case_a_restart_fails_queued_messages),
        cmocka_unit_test(test_case_b_setup_collision),
        cmocka_unit_test(test_case_c_late_cookie),
        cmocka_unit_test(test_case_d_cookie_ack_lost),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
