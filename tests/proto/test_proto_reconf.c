/* Stream reconfiguration (RFC 6525) between two cores: outgoing and incoming stream
 * resets, added streams, denied requests, a lost request, a duplicated one, a request
 * while one is outstanding, and a reset that waits for missing data. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "pair.h"

/* Sets up an established pair; B carries out the requests of enable_b. */
static void up(pair *p, uint64_t seed, uint8_t enable_a, uint8_t enable_b)
{
    mpsctp_settings a, b;
    pair_settings(&a, PAIR_A);
    pair_settings(&b, PAIR_B);
    a.reconf_enable = enable_a;
    b.reconf_enable = enable_b;
    pair_init(p, seed, &a, &b);
    P_CHECK(p, pair_connect(p, PAIR_A) != NULL, "connect");
    P_CHECK(p, pair_pump_until(p, SEC(5), pair_cond_up, NULL), "no handshake");
    P_CHECK(p, mpsctp_assoc_reconf(p->s[PAIR_A].assoc) == 1, "A: RE-CONFIG not negotiated");
    P_CHECK(p, mpsctp_assoc_reconf(p->s[PAIR_B].assoc) == 1, "B: RE-CONFIG not negotiated");
}

/* The SSN of the first DATA chunk on stream sid that side `from` sent at or after since;
 * -1 when there is none. */
static int first_ssn(const pair *p, int from, uint16_t sid, uint64_t since)
{
    for (size_t i = 0;; i++) {
        pair_pkt *k = pair_wire_nth(p, from, SCTP_DATA, since, i);
        if (!k)
            return -1;
        sctp_tlv cs[32];
        int n = pair_chunks(k->data, k->len, cs, 32);
        for (int j = 0; j < n; j++) {
            sctp_data d;
            if (cs[j].type == SCTP_DATA && !codec_data_decode(&cs[j], &d) && d.sid == sid)
                return d.ssn;
        }
    }
}

/* The latest reconfiguration event of a type on side, or NULL. */
static const mpsctp_event *last_ev(const pair *p, int side, int type)
{
    const pair_side *s = &p->s[side];
    for (size_t i = s->nev; i-- > 0;)
        if ((int)s->ev[i].ev.type == type)
            return &s->ev[i].ev;
    return NULL;
}

static int list_is(const mpsctp_event *ev, const uint16_t *l, uint16_t n)
{
    if (ev->nstreams != n)
        return 0;
    for (uint16_t i = 0; i < n; i++)
        if (!ev->streams || ev->streams[i] != l[i])
            return 0;
    return 1;
}

static void verify(pair *p, int side, uint32_t n)
{
    char why[200];
    P_CHECK(p, pair_verify_rx(p, side, n, why, sizeof(why)) == 0, "%s", why);
}

/* Outgoing reset of streams 1 and 2: both sides report it, the SSNs of those streams
 * start at 0 again on the wire, stream 3 goes on, and every byte arrives in order.
 * Messages queued while the reset is under way wait for it. */
static void test_out_reset(void **state)
{
    (void)state;
    pair p;
    up(&p, 1, 0, MPSCTP_RECONF_ENABLE_STREAM);
    mpsctp_assoc *a = p.s[PAIR_A].assoc;
    uint32_t idx = 0;
    for (int r = 0; r < 3; r++)
        for (uint16_t sid = 0; sid < 4; sid++)
            P_CHECK(&p, pair_send_msg(&p, a, idx++, sid, 300 + sid) == 0, "send");
    pair_pump(&p, SEC(1));
    uint16_t l[2] = {1, 2};
    P_CHECK(&p, mpsctp_assoc_reset_streams(a, MPSCTP_RESET_OUTGOING, l, 2, p.now) == 0,
            "reset");
    /* Queued at once: stream 1 waits, stream 3 does not. */
    uint64_t t0 = p.now;
    P_CHECK(&p, pair_send_msg(&p, a, idx++, 1, 100) == 0, "send");
    P_CHECK(&p, pair_send_msg(&p, a, idx++, 3, 100) == 0, "send");
    pair_flush(&p);
    P_CHECK(&p, first_ssn(&p, PAIR_A, 1, t0) == -1, "stream 1 sent during its reset");
    P_CHECK(&p, first_ssn(&p, PAIR_A, 3, t0) == 3, "stream 3 held up");
    pair_pump(&p, SEC(1));
    const mpsctp_event *ea = last_ev(&p, PAIR_A, MPSCTP_EV_STREAM_RESET);
    const mpsctp_event *eb = last_ev(&p, PAIR_B, MPSCTP_EV_STREAM_RESET);
    P_CHECK(&p, ea && ea->flags == MPSCTP_STRRESET_OUTGOING && list_is(ea, l, 2), "A event");
    P_CHECK(&p, eb && eb->flags == MPSCTP_STRRESET_INCOMING && list_is(eb, l, 2), "B event");
    P_CHECK(&p, first_ssn(&p, PAIR_A, 1, t0) == 0, "stream 1 did not restart at SSN 0");
    uint64_t t1 = p.now;
    P_CHECK(&p, pair_send_msg(&p, a, idx++, 2, 100) == 0, "send");
    P_CHECK(&p, pair_send_msg(&p, a, idx++, 3, 100) == 0, "send");
    P_CHECK(&p, pair_send_msg(&p, a, idx++, 0, 100) == 0, "send");
    pair_pump(&p, SEC(1));
    P_CHECK(&p, first_ssn(&p, PAIR_A, 2, t1) == 0, "stream 2 did not restart at SSN 0");
    P_CHECK(&p, first_ssn(&p, PAIR_A, 3, t1) == 4, "stream 3 was reset");
    P_CHECK(&p, first_ssn(&p, PAIR_A, 0, t1) == 3, "stream 0 was reset");
    verify(&p, PAIR_B, idx);
    pair_free(&p);
}

/* A reset of every stream (empty list). */
static void test_out_reset_all(void **state)
{
    (void)state;
    pair p;
    up(&p, 2, 0, MPSCTP_RECONF_ENABLE_STREAM);
    mpsctp_assoc *a = p.s[PAIR_A].assoc;
    uint32_t idx = 0;
    for (uint16_t sid = 0; sid < 10; sid++)
        P_CHECK(&p, pair_send_msg(&p, a, idx++, sid, 50) == 0, "send");
    pair_pump(&p, SEC(1));
    P_CHECK(&p, mpsctp_assoc_reset_streams(a, MPSCTP_RESET_OUTGOING, NULL, 0, p.now) == 0,
            "reset");
    pair_pump(&p, SEC(1));
    const mpsctp_event *eb = last_ev(&p, PAIR_B, MPSCTP_EV_STREAM_RESET);
    P_CHECK(&p, eb && eb->flags == MPSCTP_STRRESET_INCOMING && eb->nstreams == 0, "B event");
    uint64_t t1 = p.now;
    for (uint16_t sid = 0; sid < 10; sid++)
        P_CHECK(&p, pair_send_msg(&p, a, idx++, sid, 50) == 0, "send");
    pair_pump(&p, SEC(1));
    for (uint16_t sid = 0; sid < 10; sid++)
        P_CHECK(&p, first_ssn(&p, PAIR_A, sid, t1) == 0, "stream %u not reset", sid);
    verify(&p, PAIR_B, idx);
    pair_free(&p);
}

/* Incoming reset: A asks B to reset B's outgoing stream 0; B answers with its own
 * Outgoing SSN Reset Request; B's next message on stream 0 has SSN 0. */
static void test_in_reset(void **state)
{
    (void)state;
    pair p;
    up(&p, 3, 0, MPSCTP_RECONF_ENABLE_STREAM);
    mpsctp_assoc *a = p.s[PAIR_A].assoc, *b = p.s[PAIR_B].assoc;
    uint32_t idx = 0;
    for (int r = 0; r < 3; r++)
        P_CHECK(&p, pair_send_msg(&p, b, idx++, 0, 200) == 0, "send");
    pair_pump(&p, SEC(1));
    uint16_t l[1] = {0};
    P_CHECK(&p, mpsctp_assoc_reset_streams(a, MPSCTP_RESET_INCOMING, l, 1, p.now) == 0,
            "reset");
    pair_pump(&p, SEC(1));
    const mpsctp_event *ea = last_ev(&p, PAIR_A, MPSCTP_EV_STREAM_RESET);
    const mpsctp_event *eb = last_ev(&p, PAIR_B, MPSCTP_EV_STREAM_RESET);
    P_CHECK(&p, ea && ea->flags == MPSCTP_STRRESET_INCOMING && list_is(ea, l, 1), "A event");
    P_CHECK(&p, eb && eb->flags == MPSCTP_STRRESET_OUTGOING && list_is(eb, l, 1), "B event");
    uint64_t t1 = p.now;
    P_CHECK(&p, pair_send_msg(&p, b, idx++, 0, 200) == 0, "send");
    pair_pump(&p, SEC(1));
    P_CHECK(&p, first_ssn(&p, PAIR_B, 0, t1) == 0, "B's stream 0 not reset");
    verify(&p, PAIR_A, idx);
    /* Both directions in one request. */
    P_CHECK(&p,
            mpsctp_assoc_reset_streams(a, MPSCTP_RESET_INCOMING | MPSCTP_RESET_OUTGOING, l, 1,
                                       p.now) == 0,
            "reset both");
    pair_pump(&p, SEC(1));
    P_CHECK(&p,
            pair_count_ev_since(&p, PAIR_A, MPSCTP_EV_STREAM_RESET, -1, t1) == 2 &&
                pair_count_ev_since(&p, PAIR_B, MPSCTP_EV_STREAM_RESET, -1, t1) == 2,
            "both directions: two events each side");
    pair_free(&p);
}

/* Added streams both ways; messages on the new streams arrive; the stream counts and
 * events follow. */
static void test_add_streams(void **state)
{
    (void)state;
    pair p;
    up(&p, 4, 0, MPSCTP_RECONF_ENABLE_CHANGE);
    mpsctp_assoc *a = p.s[PAIR_A].assoc, *b = p.s[PAIR_B].assoc;
    mpsctp_assoc_status sa = pair_status(a), sb = pair_status(b);
    uint16_t os = sa.outbound_streams, is = sa.inbound_streams;
    P_CHECK(&p, pair_send_msg(&p, a, 0, os, 10) == MPSCTP_ERR_STREAM, "stream beyond count");
    P_CHECK(&p, mpsctp_assoc_add_streams(a, 3, 5, p.now) == 0, "add");
    pair_pump(&p, SEC(1));
    sa = pair_status(a);
    sb = pair_status(b);
    P_CHECK(&p, sa.outbound_streams == os + 5 && sa.inbound_streams == is + 3,
            "A streams %u/%u", sa.outbound_streams, sa.inbound_streams);
    P_CHECK(&p, sb.inbound_streams == os + 5 && sb.outbound_streams == is + 3,
            "B streams %u/%u", sb.outbound_streams, sb.inbound_streams);
    P_CHECK(&p, pair_count_ev(&p, PAIR_A, MPSCTP_EV_STREAM_CHANGE, -1) == 2, "A events");
    P_CHECK(&p, pair_count_ev(&p, PAIR_B, MPSCTP_EV_STREAM_CHANGE, -1) == 2, "B events");
    const mpsctp_event *e = last_ev(&p, PAIR_A, MPSCTP_EV_STREAM_CHANGE);
    P_CHECK(&p, e->flags == 0 && e->outbound_streams == os + 5 && e->inbound_streams == is + 3,
            "A event contents");
    P_CHECK(&p, pair_send_msg(&p, a, 0, (uint16_t)(os + 4), 1000) == 0, "send on new");
    P_CHECK(&p, pair_send_msg(&p, a, 1, 0, 1000) == 0, "send on old");
    P_CHECK(&p, pair_send_msg(&p, b, 0, (uint16_t)(is + 2), 1000) == 0, "B send on new");
    pair_pump(&p, SEC(1));
    verify(&p, PAIR_B, 2);
    verify(&p, PAIR_A, 1);
    /* SCTP_SQINFO's view follows. */
    uint32_t per[64], n = 0;
    P_CHECK(&p, mpsctp_assoc_sndqueue_info(a, NULL, NULL, per, 64, &n) == 0 && n == os + 5u,
            "sqinfo streams %u", n);
    pair_free(&p);
}

/* Requests B has not enabled are denied; nothing changes. */
static void test_denied(void **state)
{
    (void)state;
    pair p;
    up(&p, 5, 0, 0);
    mpsctp_assoc *a = p.s[PAIR_A].assoc;
    mpsctp_assoc_status sa0 = pair_status(a);
    uint16_t l[1] = {1};
    P_CHECK(&p, mpsctp_assoc_reset_streams(a, MPSCTP_RESET_INCOMING, l, 1, p.now) == 0, "in");
    pair_pump(&p, SEC(1));
    const mpsctp_event *e = last_ev(&p, PAIR_A, MPSCTP_EV_STREAM_RESET);
    P_CHECK(&p, e && e->flags == (MPSCTP_STRRESET_INCOMING | MPSCTP_STRRESET_DENIED), "in denied");
    P_CHECK(&p, mpsctp_assoc_reset_streams(a, MPSCTP_RESET_OUTGOING, l, 1, p.now) == 0, "out");
    pair_pump(&p, SEC(1));
    e = last_ev(&p, PAIR_A, MPSCTP_EV_STREAM_RESET);
    P_CHECK(&p, e && e->flags == (MPSCTP_STRRESET_OUTGOING | MPSCTP_STRRESET_DENIED),
            "out denied");
    /* A denied outgoing reset unblocks the stream without resetting it. */
    uint64_t t1 = p.now;
    P_CHECK(&p, pair_send_msg(&p, a, 0, 1, 10) == 0, "send");
    pair_pump(&p, SEC(1));
    P_CHECK(&p, first_ssn(&p, PAIR_A, 1, t1) == 0, "stream 1 stuck");
    P_CHECK(&p, mpsctp_assoc_add_streams(a, 2, 2, p.now) == 0, "add");
    pair_pump(&p, SEC(1));
    P_CHECK(&p, pair_count_ev(&p, PAIR_A, MPSCTP_EV_STREAM_CHANGE, -1) == 2, "change events");
    e = last_ev(&p, PAIR_A, MPSCTP_EV_STREAM_CHANGE);
    P_CHECK(&p, e->flags == MPSCTP_STRRESET_DENIED, "add denied");
    mpsctp_assoc_status sa = pair_status(a);
    P_CHECK(&p, sa.outbound_streams == sa0.outbound_streams &&
                    sa.inbound_streams == sa0.inbound_streams,
            "stream counts changed");
    P_CHECK(&p, pair_count_ev(&p, PAIR_B, MPSCTP_EV_STREAM_RESET, -1) == 0 &&
                    pair_count_ev(&p, PAIR_B, MPSCTP_EV_STREAM_CHANGE, -1) == 0,
            "B reported a change it denied");
    pair_free(&p);
}

/* API errors: one request at a time, bad arguments. */
static void test_api_errors(void **state)
{
    (void)state;
    pair p;
    up(&p, 6, 0, MPSCTP_RECONF_ENABLE_MASK);
    mpsctp_assoc *a = p.s[PAIR_A].assoc;
    uint16_t l[2] = {1, 200};
    P_CHECK(&p, mpsctp_assoc_reset_streams(a, 0, l, 1, p.now) == MPSCTP_ERR_INVAL, "no flags");
    P_CHECK(&p, mpsctp_assoc_reset_streams(a, 0x10, l, 1, p.now) == MPSCTP_ERR_INVAL, "flags");
    P_CHECK(&p, mpsctp_assoc_reset_streams(a, MPSCTP_RESET_OUTGOING, l, 2, p.now) ==
                    MPSCTP_ERR_INVAL,
            "stream out of range");
    P_CHECK(&p, mpsctp_assoc_add_streams(a, 0, 0, p.now) == MPSCTP_ERR_INVAL, "add nothing");
    P_CHECK(&p, mpsctp_assoc_add_streams(a, 0, 65535, p.now) == MPSCTP_ERR_INVAL, "add too many");
    P_CHECK(&p, mpsctp_assoc_reset_streams(a, MPSCTP_RESET_OUTGOING, l, 1, p.now) == 0, "reset");
    P_CHECK(&p, mpsctp_assoc_reset_streams(a, MPSCTP_RESET_OUTGOING, l, 1, p.now) ==
                    MPSCTP_ERR_INPROGRESS,
            "second request");
    P_CHECK(&p, mpsctp_assoc_add_streams(a, 1, 1, p.now) == MPSCTP_ERR_INPROGRESS, "add");
    pair_pump(&p, SEC(1));
    P_CHECK(&p, mpsctp_assoc_add_streams(a, 1, 1, p.now) == 0, "after the answer");
    pair_pump(&p, SEC(1));
    pair_free(&p);

    /* Not negotiated: B does not offer RE-CONFIG. */
    mpsctp_settings sb;
    pair_settings(&sb, PAIR_B);
    sb.reconf = 0;
    pair_init(&p, 7, NULL, &sb);
    a = pair_connect(&p, PAIR_A);
    P_CHECK(&p, pair_pump_until(&p, SEC(5), pair_cond_up, NULL), "no handshake");
    P_CHECK(&p, mpsctp_assoc_reconf(a) == 0, "negotiated without B");
    P_CHECK(&p, mpsctp_assoc_reset_streams(a, MPSCTP_RESET_OUTGOING, l, 1, p.now) ==
                    MPSCTP_ERR_NOTSUP,
            "unnegotiated reset");
    P_CHECK(&p, mpsctp_assoc_add_streams(a, 1, 1, p.now) == MPSCTP_ERR_NOTSUP, "unnegotiated add");
    pair_free(&p);
}

/* Drops A's first RE-CONFIG chunks (count in p->user). */
static int drop_reconf(pair *p, pair_pkt *k)
{
    int *left = p->user;
    sctp_tlv c;
    if (k->from == PAIR_A && *left > 0 && pair_find_chunk(k->data, k->len, SCTP_RECONFIG, &c)) {
        (*left)--;
        return PAIR_DROP;
    }
    return PAIR_PASS;
}

/* A lost request goes again after an RTO; the reset completes once. */
static void test_retransmit(void **state)
{
    (void)state;
    pair p;
    up(&p, 8, 0, MPSCTP_RECONF_ENABLE_STREAM);
    mpsctp_assoc *a = p.s[PAIR_A].assoc;
    int left = 2;
    p.user = &left;
    p.hook = drop_reconf;
    uint64_t t0 = p.now;
    uint16_t l[1] = {4};
    P_CHECK(&p, mpsctp_assoc_reset_streams(a, MPSCTP_RESET_OUTGOING, l, 1, p.now) == 0, "reset");
    pair_pump(&p, SEC(10));
    P_CHECK(&p, pair_wire_count(&p, PAIR_A, SCTP_RECONFIG, t0) == 3, "%zu RE-CONFIG sent",
            pair_wire_count(&p, PAIR_A, SCTP_RECONFIG, t0));
    P_CHECK(&p, pair_count_ev(&p, PAIR_A, MPSCTP_EV_STREAM_RESET, -1) == 1, "A events");
    P_CHECK(&p, pair_count_ev(&p, PAIR_B, MPSCTP_EV_STREAM_RESET, -1) == 1, "B events");
    P_CHECK(&p, pair_status(a).state == MPSCTP_ESTABLISHED, "association lost");
    pair_free(&p);
}

/* Duplicates every RE-CONFIG of A. */
static int dup_reconf(pair *p, pair_pkt *k)
{
    (void)p;
    sctp_tlv c;
    if (k->from == PAIR_A && pair_find_chunk(k->data, k->len, SCTP_RECONFIG, &c))
        return PAIR_DUP;
    return PAIR_PASS;
}

/* A duplicated request is answered again from the last answer, not carried out twice. */
static void test_duplicate(void **state)
{
    (void)state;
    pair p;
    up(&p, 9, 0, MPSCTP_RECONF_ENABLE_MASK);
    mpsctp_assoc *a = p.s[PAIR_A].assoc;
    p.hook = dup_reconf;
    uint64_t t0 = p.now;
    P_CHECK(&p, mpsctp_assoc_add_streams(a, 0, 7, p.now) == 0, "add");
    pair_pump(&p, SEC(2));
    /* Both copies are answered (the answers may share a packet), both Performed. */
    int answers = 0;
    for (size_t i = 0; i < 4; i++) {
        pair_pkt *k = pair_wire_nth(&p, PAIR_B, SCTP_RECONFIG, t0, i);
        if (!k)
            break;
        sctp_tlv cs[8], r;
        int n = pair_chunks(k->data, k->len, cs, 8);
        for (int j = 0; j < n; j++) {
            if (cs[j].type != SCTP_RECONFIG)
                continue;
            P_CHECK(&p, pair_find_param(&cs[j], 0, SCTP_P_RECONF_RESPONSE, &r) &&
                            r.vlen == 8 && get32(r.value + 4) == SCTP_RECONF_PERFORMED,
                    "answer %d", answers);
            answers++;
        }
    }
    P_CHECK(&p, answers == 2, "B answered %d times", answers);
    P_CHECK(&p, pair_count_ev(&p, PAIR_B, MPSCTP_EV_STREAM_CHANGE, -1) == 1, "B added twice");
    P_CHECK(&p, pair_status(p.s[PAIR_B].assoc).inbound_streams ==
                    pair_status(a).outbound_streams,
            "stream counts disagree");
    pair_free(&p);
}

/* Drops A's first DATA packet. */
static int drop_first_data(pair *p, pair_pkt *k)
{
    int *left = p->user;
    sctp_tlv c;
    if (k->from == PAIR_A && *left > 0 && pair_find_chunk(k->data, k->len, SCTP_DATA, &c)) {
        (*left)--;
        return PAIR_DROP;
    }
    return PAIR_PASS;
}

/* RFC 6525 s5.2.2 E2: the request arrives before data sent ahead of it; B answers "In
 * progress", holds the reset until the data is there, then carries it out and says so. */
static void test_deferred(void **state)
{
    (void)state;
    pair p;
    up(&p, 10, 0, MPSCTP_RECONF_ENABLE_STREAM);
    mpsctp_assoc *a = p.s[PAIR_A].assoc;
    int left = 1;
    p.user = &left;
    p.hook = drop_first_data;
    uint64_t t0 = p.now;
    P_CHECK(&p, pair_send_msg(&p, a, 0, 1, 100) == 0, "send");
    pair_flush(&p);
    uint16_t l[1] = {1};
    P_CHECK(&p, mpsctp_assoc_reset_streams(a, MPSCTP_RESET_OUTGOING, l, 1, p.now) == 0, "reset");
    P_CHECK(&p, pair_send_msg(&p, a, 1, 1, 100) == 0, "send");
    pair_pump(&p, MS(100));
    P_CHECK(&p, pair_count_ev(&p, PAIR_B, MPSCTP_EV_STREAM_RESET, -1) == 0, "B reset early");
    pair_pkt *k = pair_wire_nth(&p, PAIR_B, SCTP_RECONFIG, t0, 0);
    sctp_tlv c, r;
    P_CHECK(&p, k && pair_find_chunk(k->data, k->len, SCTP_RECONFIG, &c) &&
                    pair_find_param(&c, 0, SCTP_P_RECONF_RESPONSE, &r) &&
                    get32(r.value + 4) == SCTP_RECONF_IN_PROGRESS,
            "no In progress answer");
    pair_pump(&p, SEC(10));
    P_CHECK(&p, pair_count_ev(&p, PAIR_B, MPSCTP_EV_STREAM_RESET, -1) == 1, "B events");
    const mpsctp_event *e = last_ev(&p, PAIR_A, MPSCTP_EV_STREAM_RESET);
    P_CHECK(&p, e && e->flags == MPSCTP_STRRESET_OUTGOING, "A event");
    P_CHECK(&p, first_ssn(&p, PAIR_A, 1, p.now - SEC(10)) >= 0, "message 1 never sent");
    verify(&p, PAIR_B, 2);
    pair_free(&p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_out_reset),   cmocka_unit_test(test_out_reset_all),
        cmocka_unit_test(test_in_reset),    cmocka_unit_test(test_add_streams),
        cmocka_unit_test(test_denied),      cmocka_unit_test(test_api_errors),
        cmocka_unit_test(test_retransmit),  cmocka_unit_test(test_duplicate),
        cmocka_unit_test(test_deferred),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
