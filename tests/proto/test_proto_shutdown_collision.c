/* The end of a graceful shutdown (RFC 9260 s9.2) when something else is going on:
 * - both ends start it at once: each answers the other's SHUTDOWN with a SHUTDOWN ACK and
 *   the first to get a SHUTDOWN ACK sends SHUTDOWN COMPLETE. When one end gets the peer's
 *   SHUTDOWN and SHUTDOWN ACK together, its SHUTDOWN ACK and SHUTDOWN COMPLETE go out in
 *   one round; RFC 9260 s6.10 forbids bundling SHUTDOWN COMPLETE with another chunk, and
 *   a receiver drops such a packet, so they must leave in separate packets and both ends
 *   close at once, not after a T2-shutdown timeout;
 * - the receiving application reads while the SHUTDOWN ACK is out: the window it opens
 *   must not be announced by a SACK then, which would reach a peer that has closed and
 *   answers it with an ABORT (s8.4), turning a complete transfer into COMM_LOST. */
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

/* A sends 40 kB that B's application has not read, then shuts down. B reads everything
 * right after sending its SHUTDOWN ACK: both ends must end with SHUTDOWN_COMP. */
static void test_read_after_shutdown_ack(void **state)
{
    (void)state;
    pair p;
    mpsctp_settings sa, sb;
    pair_settings(&sa, PAIR_A);
    pair_settings(&sb, PAIR_B);
    sb.rcvbuf = 65536; /* reading 40 kB opens it by more than a quarter: window update */
    pair_init(&p, 2, &sa, &sb);
    P_CHECK(&p, pair_connect(&p, PAIR_A) != NULL, "connect failed");
    P_CHECK(&p, pair_pump_until(&p, SEC(5), pair_cond_up, NULL), "handshake did not complete");
    p.s[PAIR_B].auto_read = 0;
    for (uint32_t i = 0; i < 40; i++)
        P_CHECK(&p, pair_send_msg(&p, p.s[PAIR_A].assoc, i, 0, 1000) == 0, "send %u", i);
    P_CHECK(&p, mpsctp_assoc_shutdown(p.s[PAIR_A].assoc, p.now) == 0, "shutdown refused");
    for (int i = 0; i < 1000 &&
                    mpsctp_assoc_state(p.s[PAIR_B].assoc) != MPSCTP_SHUTDOWN_ACK_SENT;
         i++)
        pair_step(&p, p.now + SEC(1));
    P_CHECK(&p, mpsctp_assoc_state(p.s[PAIR_B].assoc) == MPSCTP_SHUTDOWN_ACK_SENT,
            "B did not send SHUTDOWN ACK");
    p.s[PAIR_B].auto_read = 1; /* the application reads now: the window opens */
    P_CHECK(&p, pair_pump_until(&p, MS(200), cond_both_closed, NULL),
            "not both closed: A %s, B %s",
            mpsctp_state_name(mpsctp_assoc_state(p.s[PAIR_A].assoc)),
            mpsctp_state_name(mpsctp_assoc_state(p.s[PAIR_B].assoc)));
    char why[160];
    P_CHECK(&p, pair_verify_rx(&p, PAIR_B, 40, why, sizeof(why)) == 0, "B rx: %s", why);
    P_CHECK(&p, pair_count_ev(&p, PAIR_B, MPSCTP_EV_ASSOC_CHANGE, MPSCTP_SHUTDOWN_COMP) == 1,
            "B: no SHUTDOWN_COMP");
    P_CHECK(&p, pair_count_ev(&p, PAIR_B, MPSCTP_EV_ASSOC_CHANGE, MPSCTP_COMM_LOST) == 0,
            "B: COMM_LOST after a complete transfer");
    P_CHECK(&p, pair_wire_count(&p, PAIR_A, SCTP_ABORT, 0) == 0, "A sent an ABORT");
    pair_free(&p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_simultaneous_shutdown),
        cmocka_unit_test(test_read_after_shutdown_ack),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
