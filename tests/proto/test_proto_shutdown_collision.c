/* Both ends start a graceful shutdown at once (RFC 9260 s9.2): each answers the other's
 * SHUTDOWN with a SHUTDOWN ACK and the first to get a SHUTDOWN ACK sends SHUTDOWN
 * COMPLETE. When one end gets the peer's SHUTDOWN and SHUTDOWN ACK together, its SHUTDOWN
 * ACK and SHUTDOWN COMPLETE go out in one round; RFC 9260 s6.10 forbids bundling SHUTDOWN
 * COMPLETE with another chunk, and a receiver drops such a packet, so they must leave in
 * separate packets and both ends close at once, not after a T2-shutdown timeout. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "pair.h"

/* Delays B's SHUTDOWN by 1 ns so that A gets it in the same round as B's SHUTDOWN ACK. */
static int hook_align(pair *p, pair_pkt *k)
{
    if (k->from == PAIR_B && pair_find_chunk(k->data, k->len, SCTP_SHUTDOWN, NULL))
        k->arrive += 1;
    return PAIR_PASS;
}

static int cond_both_closed(pair *p, void *arg)
{
    (void)arg;
    return mpsctp_assoc_state(p->s[PAIR_A].assoc) == MPSCTP_CLOSED &&
           mpsctp_assoc_state(p->s[PAIR_B].assoc) == MPSCTP_CLOSED;
}

static void test_simultaneous_shutdown(void **state)
{
    (void)state;
    pair p;
    mpsctp_settings sa, sb;
    pair_settings(&sa, PAIR_A);
    pair_settings(&sb, PAIR_B);
    pair_init(&p, 1, &sa, &sb);
    P_CHECK(&p, pair_connect(&p, PAIR_A) != NULL, "connect failed");
    P_CHECK(&p, pair_pump_until(&p, SEC(5), pair_cond_up, NULL), "handshake did not complete");
    pair_pump(&p, SEC(1));
    p.hook = hook_align;
    uint64_t t0 = p.now;
    P_CHECK(&p, mpsctp_assoc_shutdown(p.s[PAIR_A].assoc, p.now) == 0, "A shutdown refused");
    pair_flush(&p);
    /* B shuts down just before A's SHUTDOWN reaches it. */
    pair_pump(&p, p.delay - 1);
    P_CHECK(&p, mpsctp_assoc_shutdown(p.s[PAIR_B].assoc, p.now) == 0, "B shutdown refused");
    /* Well before the first T2-shutdown timeout (RTO.Initial, 1 s). */
    P_CHECK(&p, pair_pump_until(&p, MS(200), cond_both_closed, NULL),
            "not both closed 200 ms after the shutdowns: A %s, B %s",
            mpsctp_state_name(mpsctp_assoc_state(p.s[PAIR_A].assoc)),
            mpsctp_state_name(mpsctp_assoc_state(p.s[PAIR_B].assoc)));
    /* No packet bundles SHUTDOWN COMPLETE with anything. (Each end may get the other's
     * SHUTDOWN COMPLETE after it closed: that one is out of the blue and ignored.) */
    for (int side = PAIR_A; side <= PAIR_B; side++) {
        pair_pkt *k;
        for (size_t n = 0; (k = pair_wire_nth(&p, side, SCTP_SHUTDOWN_COMPLETE, t0, n)); n++) {
            sctp_tlv c[4];
            P_CHECK(&p, pair_chunks(k->data, k->len, c, 4) == 1,
                    "SHUTDOWN COMPLETE bundled with other chunks");
        }
    }
    P_CHECK(&p, pair_count_ev(&p, PAIR_A, MPSCTP_EV_ASSOC_CHANGE, MPSCTP_SHUTDOWN_COMP) == 1 &&
                    pair_count_ev(&p, PAIR_B, MPSCTP_EV_ASSOC_CHANGE, MPSCTP_SHUTDOWN_COMP) == 1,
            "SHUTDOWN_COMP not once on each side");
    pair_free(&p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_simultaneous_shutdown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
