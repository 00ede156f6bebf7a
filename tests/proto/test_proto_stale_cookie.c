/* Stale cookie (RFC 9260 s5.1.5 step 3, s5.2.6, s3.3.10.3): a COOKIE ECHO that arrives after
 * Valid.Cookie.Life is answered with ERROR Stale Cookie; the initiator starts again with a
 * Cookie Preservative and the association comes up. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "pair.h"

typedef struct stale_ctl {
    uint64_t extra;  /* added delay for COOKIE ECHOs while no stale error was seen */
    int error_seen;
    int delayed;
} stale_ctl;

static int hook_stale(pair *p, pair_pkt *k)
{
    stale_ctl *c = p->user;
    sctp_tlv ch;
    if (k->from == PAIR_B && pair_find_chunk(k->data, k->len, SCTP_ERROR, &ch) &&
        pair_find_param(&ch, 0, SCTP_CAUSE_STALE_COOKIE, NULL))
        c->error_seen = 1;
    if (k->from == PAIR_A && !c->error_seen &&
        pair_find_chunk(k->data, k->len, SCTP_COOKIE_ECHO, NULL)) {
        k->arrive += c->extra;
        c->delayed++;
    }
    return PAIR_PASS;
}

static void run_stale(uint64_t seed, uint32_t life_ms, uint64_t extra_ms)
{
    pair p;
    mpsctp_settings sb;
    pair_settings(&sb, PAIR_B);
    sb.valid_cookie_life_ms = life_ms;
    pair_init(&p, seed, NULL, &sb);
    stale_ctl c = {MS(extra_ms), 0, 0};
    p.hook = hook_stale;
    p.user = &c;
    mpsctp_assoc *a = pair_connect(&p, PAIR_A);
    P_CHECK(&p, a != NULL, "connect");
    P_CHECK(&p, pair_pump_until(&p, SEC(20), pair_cond_up, NULL),
            "no association after a stale cookie (life %u ms, delay %llu ms)", life_ms,
            (unsigned long long)extra_ms);
    pair_pump(&p, SEC(2));

    /* The first COOKIE ECHO was stale: B answered ERROR with the Stale Cookie cause. */
    pair_pkt *ack0 = pair_wire_nth(&p, PAIR_B, SCTP_INIT_ACK, 0, 0);
    pair_pkt *ce0 = pair_wire_nth(&p, PAIR_A, SCTP_COOKIE_ECHO, 0, 0);
    pair_pkt *err = pair_wire_nth(&p, PAIR_B, SCTP_ERROR, 0, 0);
    P_CHECK(&p, ack0 && ce0 && err, "no ERROR from B");
    sctp_tlv ch, cause;
    P_CHECK(&p, pair_find_chunk(err->data, err->len, SCTP_ERROR, &ch) &&
                    pair_find_param(&ch, 0, SCTP_CAUSE_STALE_COOKIE, &cause) && cause.vlen == 4,
            "ERROR without a Stale Cookie cause");
    pair_pkt *i0 = pair_wire_nth(&p, PAIR_A, SCTP_INIT, 0, 0);
    sctp_tlv ic;
    sctp_init in0;
    pair_find_chunk(i0->data, i0->len, SCTP_INIT, &ic);
    codec_init_decode(&ic, &in0);
    P_CHECK(&p, pair_pkt_vtag(err) == in0.init_tag, "ERROR tag %08x, A's tag %08x",
            pair_pkt_vtag(err), in0.init_tag);
    /* Measure of staleness: time since expiry, microseconds. The cookie was made when the
     * INIT ACK left B and arrived delay + extra after the echo left A. */
    uint64_t arrival = ce0->sent + p.delay + MS(extra_ms);
    uint64_t expiry = ack0->sent + MS(life_ms);
    uint64_t stale_us = (arrival - expiry) / 1000;
    uint32_t got = get32(cause.value);
    P_CHECK(&p, got + 2000 >= stale_us && got <= stale_us + 2000,
            "staleness %u us, expected about %llu us", got, (unsigned long long)stale_us);
    mpsctp_endpoint_stats st;
    mpsctp_endpoint_stats_get(p.s[PAIR_B].ep, &st);
    P_CHECK(&p, st.stale_cookies >= 1, "stale_cookies counter %llu",
            (unsigned long long)st.stale_cookies);

    /* A started over with an INIT carrying a Cookie Preservative (RFC 9260 s5.2.6): the
     * increment should not exceed the measured RTT plus one second. */
    pair_pkt *i1 = pair_wire_nth(&p, PAIR_A, SCTP_INIT, err->sent, 0);
    P_CHECK(&p, i1 != NULL, "no new INIT after the stale cookie error");
    P_CHECK(&p, i1->sent <= err->sent + p.delay + MS(1), "new INIT late (%.3f s after ERROR)",
            (double)(i1->sent - err->sent) / 1e9);
    sctp_tlv pres;
    P_CHECK(&p, pair_find_chunk(i1->data, i1->len, SCTP_INIT, &ic) &&
                    pair_find_param(&ic, 16, SCTP_P_COOKIE_PRESERVATIVE, &pres) &&
                    pres.vlen == 4,
            "new INIT without a Cookie Preservative");
    uint64_t rtt_ms = (err->sent + p.delay - ce0->sent) / MPSCTP_NS_PER_MS;
    uint32_t inc = get32(pres.value);
    P_CHECK(&p, inc > 0 && inc <= rtt_ms + 1000 + 1, "preservative %u ms (RTT %llu ms)", inc,
            (unsigned long long)rtt_ms);

    P_CHECK(&p, pair_count_ev(&p, PAIR_A, MPSCTP_EV_ASSOC_CHANGE, -1) == 1 &&
                    pair_count_ev(&p, PAIR_B, MPSCTP_EV_ASSOC_CHANGE, -1) == 1,
            "association changes: A %zu B %zu",
            pair_count_ev(&p, PAIR_A, MPSCTP_EV_ASSOC_CHANGE, -1),
            pair_count_ev(&p, PAIR_B, MPSCTP_EV_ASSOC_CHANGE, -1));
    P_CHECK(&p, pair_find_ev(&p, PAIR_A, MPSCTP_EV_ASSOC_CHANGE, MPSCTP_COMM_UP) != NULL,
            "A not up");
    /* The association works. */
    for (uint32_t i = 0; i < 10; i++)
        P_CHECK(&p, pair_send_msg(&p, a, i, 0, 700) == 0, "send");
    pair_pump(&p, SEC(2));
    char why[160];
    P_CHECK(&p, pair_verify_rx(&p, PAIR_B, 10, why, sizeof(why)) == 0, "%s", why);
    pair_free(&p);
}

static void test_stale_cookie(void **state)
{
    (void)state;
    run_stale(61, 500, 700);
    run_stale(62, 1000, 2500);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_stale_cookie),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
