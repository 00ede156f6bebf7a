/* ABORT in the middle of a transfer (RFC 9260 s9.1, s10.2 COMMUNICATION LOST and SEND
 * FAILURE notifications): the peer learns COMM_LOST with the User-Initiated Abort cause,
 * every message not acknowledged is reported as failed, and the association refuses more. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "pair.h"

#define NMSG 400
#define MSGLEN 1000

static void run_abort(uint64_t seed, uint64_t abort_after_ms)
{
    pair p;
    pair_init(&p, seed, NULL, NULL);
    P_CHECK(&p, pair_connect(&p, PAIR_A) != NULL, "connect");
    P_CHECK(&p, pair_pump_until(&p, SEC(5), pair_cond_up, NULL), "no handshake");
    mpsctp_assoc *a = p.s[PAIR_A].assoc, *b = p.s[PAIR_B].assoc;
    for (uint32_t i = 0; i < NMSG; i++)
        P_CHECK(&p, pair_send_msg(&p, a, i, (uint16_t)(i % 3), MSGLEN) == 0, "send %u", i);
    pair_pump(&p, MS(abort_after_ms));
    size_t got = p.s[PAIR_B].nmsg;
    P_CHECK(&p, got > 0 && got < NMSG, "abort point not mid-transfer (%zu delivered)", got);
    size_t w0 = p.nwire;
    P_CHECK(&p, mpsctp_assoc_abort(b, p.now) == 0, "abort refused");
    pair_collect(&p);
    P_CHECK(&p, mpsctp_assoc_state(b) == MPSCTP_CLOSED, "B not closed after abort");
    pair_pump(&p, SEC(5));

    /* The first packet B sends after the call is the ABORT, with the User-Initiated Abort
     * cause and A's tag. Afterwards B has no association: DATA still in flight is out of the
     * blue and may only draw an ABORT with the T bit (RFC 9260 s8.4 rule 8). */
    sctp_tlv c;
    int nb = 0;
    for (size_t i = w0; i < p.nwire; i++) {
        pair_pkt *k = p.wire[i];
        if (k->from != PAIR_B)
            continue;
        P_CHECK(&p, pair_chunks(k->data, k->len, &c, 1) == 1 && c.type == SCTP_ABORT,
                "B sent something other than ABORT after its abort");
        if (nb++ == 0)
            P_CHECK(&p, pair_find_param(&c, 0, SCTP_CAUSE_USER_ABORT, NULL) &&
                            !(c.flags & SCTP_FLAG_T) &&
                            pair_pkt_vtag(k) == pair_status(a).local_vtag,
                    "no ABORT with User-Initiated Abort and A's tag");
        else
            P_CHECK(&p, (c.flags & SCTP_FLAG_T) != 0, "later ABORT without the T bit");
    }
    P_CHECK(&p, nb >= 1, "B sent no ABORT");
    const pair_ev *lost = pair_find_ev(&p, PAIR_A, MPSCTP_EV_ASSOC_CHANGE, MPSCTP_COMM_LOST);
    P_CHECK(&p, lost != NULL, "A: no COMM_LOST");
    P_CHECK(&p, lost->ev.error == SCTP_CAUSE_USER_ABORT, "A: COMM_LOST cause %u", lost->ev.error);
    P_CHECK(&p, pair_count_ev(&p, PAIR_A, MPSCTP_EV_ASSOC_CHANGE, -1) == 2, "A: assoc changes");
    P_CHECK(&p, mpsctp_assoc_state(a) == MPSCTP_CLOSED, "A not closed");
    /* Nothing from A reaches the wire after the ABORT arrived. */
    P_CHECK(&p, pair_wire_count(&p, PAIR_A, -1, lost->t + 1) == 0, "A still sends");

    /* Every message was either delivered to B or reported failed, never both, never twice. */
    uint8_t *fate = calloc(NMSG, 1);
    for (size_t i = 0; i < p.s[PAIR_B].nmsg; i++)
        fate[p.s[PAIR_B].msg[i].ppid] |= 1;
    size_t nfail = 0;
    for (size_t i = 0; i < p.s[PAIR_A].nev; i++) {
        const mpsctp_event *e = &p.s[PAIR_A].ev[i].ev;
        if (e->type != MPSCTP_EV_SEND_FAILED)
            continue;
        nfail++;
        P_CHECK(&p, e->context < NMSG && e->length == MSGLEN && e->ppid == e->context &&
                        e->sid == e->context % 3,
                "SEND_FAILED fields: context %u length %u ppid %u sid %u", e->context,
                e->length, e->ppid, e->sid);
        P_CHECK(&p, !(fate[e->context] & 2), "message %u reported failed twice", e->context);
        fate[e->context] |= 2;
    }
    size_t delivered = p.s[PAIR_B].nmsg, both = 0, neither = 0;
    for (uint32_t i = 0; i < NMSG; i++) {
        both += fate[i] == 3;
        neither += fate[i] == 0;
    }
    free(fate);
    /* A message delivered but whose SACK was lost with the abort may be reported too; a
     * message neither delivered nor reported is lost silently. */
    P_CHECK(&p, neither == 0, "%zu messages neither delivered nor reported failed", neither);
    P_CHECK(&p, nfail >= NMSG - delivered, "%zu SEND_FAILED for %zu undelivered messages", nfail,
            NMSG - delivered);
    (void)both;
    char why[160];
    P_CHECK(&p, pair_verify_rx(&p, PAIR_B, (uint32_t)delivered, why, sizeof(why)) == 0,
            "B's delivered prefix: %s", why);

    /* Further operations fail cleanly. */
    P_CHECK(&p, pair_send_msg(&p, a, 0, 0, 10) == MPSCTP_ERR_CLOSED, "A send after COMM_LOST");
    P_CHECK(&p, pair_send_msg(&p, b, 0, 0, 10) == MPSCTP_ERR_CLOSED, "B send after abort");
    int rs = mpsctp_assoc_shutdown(a, p.now), ra = mpsctp_assoc_abort(b, p.now);
    P_CHECK(&p, rs == MPSCTP_ERR_CLOSED && ra == MPSCTP_ERR_CLOSED,
            "shutdown after close %d, abort twice %d (expected CLOSED)", rs, ra);
    P_CHECK(&p, pair_wire_count(&p, -1, -1, p.now) == 0 && (pair_flush(&p), 1) &&
                    pair_wire_count(&p, -1, -1, p.now) == 0,
            "shutdown or abort of a closed association sent something");
    uint8_t rb[64];
    P_CHECK(&p, mpsctp_assoc_recv(a, rb, sizeof(rb), NULL, NULL, p.now) == MPSCTP_ERR_CLOSED,
            "recv after close");
    uint32_t limit, total, per[16], ns;
    P_CHECK(&p, mpsctp_assoc_sndqueue_info(a, &limit, &total, per, 16, &ns) == 0 && total == 0,
            "A still holds %u queued bytes", total);
    pair_free(&p);
}

static void test_abort_mid_transfer(void **state)
{
    (void)state;
    run_abort(101, 100);
    run_abort(102, 250);
    run_abort(103, 37);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_abort_mid_transfer),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
