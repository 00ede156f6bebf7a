/* SEND_FAILED reports whether a failed message was transmitted at all (RFC 6458 s6.1.11
 * SCTP_DATA_SENT / SCTP_DATA_UNSENT): messages in flight when the association dies are
 * "sent", messages still waiting for the window are "unsent", one event per message. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "pair.h"

#define NMSG 40
#define MSGLEN 1000

/* Drops every DATA-carrying packet from A, so nothing A sends is ever acknowledged. */
static int drop_a_data(pair *p, pair_pkt *k)
{
    sctp_tlv c;
    if (k->from == PAIR_A && pair_find_chunk(k->data, k->len, SCTP_DATA, &c))
        return PAIR_DROP;
    return PAIR_PASS;
}

static void test_sent_flag(void **state)
{
    (void)state;
    pair p;
    pair_init(&p, 31, NULL, NULL);
    P_CHECK(&p, pair_connect(&p, PAIR_A) != NULL, "connect");
    P_CHECK(&p, pair_pump_until(&p, SEC(5), pair_cond_up, NULL), "no handshake");
    mpsctp_assoc *a = p.s[PAIR_A].assoc;
    p.hook = drop_a_data;
    for (uint32_t i = 0; i < NMSG; i++)
        P_CHECK(&p, pair_send_msg(&p, a, i, 0, MSGLEN) == 0, "send %u", i);
    pair_pump(&p, MS(100)); /* the initial window goes out, nothing comes back */
    size_t sent_chunks = pair_wire_count(&p, PAIR_A, SCTP_DATA, 0);
    P_CHECK(&p, sent_chunks > 0 && sent_chunks < NMSG, "%zu DATA packets: window not limiting",
            sent_chunks);
    size_t ev0 = p.s[PAIR_A].nev;
    P_CHECK(&p, mpsctp_assoc_abort(a, p.now) == 0, "abort");
    pair_collect(&p);

    /* One event per message, in order; a prefix was transmitted, the rest was not. */
    uint32_t next = 0, nsent = 0;
    for (size_t i = ev0; i < p.s[PAIR_A].nev; i++) {
        const mpsctp_event *e = &p.s[PAIR_A].ev[i].ev;
        if (e->type != MPSCTP_EV_SEND_FAILED)
            continue;
        P_CHECK(&p, e->context == next, "SEND_FAILED for message %u, expected %u", e->context,
                next);
        P_CHECK(&p, e->length == MSGLEN, "length %u", e->length);
        if (e->sent) {
            P_CHECK(&p, nsent == next, "message %u reported sent after an unsent one", next);
            nsent++;
        }
        next++;
    }
    P_CHECK(&p, next == NMSG, "%u SEND_FAILED events for %u messages", next, NMSG);
    P_CHECK(&p, nsent > 0 && nsent < NMSG, "%u of %u reported sent", nsent, NMSG);
    /* Every message is one chunk: the distinct TSNs A put on the wire (retransmissions
     * included) are exactly the messages reported as sent. */
    uint32_t lo = 0, hi = 0;
    int any = 0;
    for (size_t i = 0; i < p.nwire; i++) {
        pair_pkt *k = p.wire[i];
        sctp_tlv c[16];
        if (k->from != PAIR_A)
            continue;
        int n = pair_chunks(k->data, k->len, c, 16);
        for (int j = 0; j < n; j++) {
            sctp_data d;
            if (c[j].type != SCTP_DATA || codec_data_decode(&c[j], &d))
                continue;
            if (!any || tsn_lt(d.tsn, lo))
                lo = d.tsn;
            if (!any || tsn_gt(d.tsn, hi))
                hi = d.tsn;
            any = 1;
        }
    }
    P_CHECK(&p, any && hi - lo + 1 == nsent, "TSNs %u..%u on the wire, %u reported sent", lo, hi,
            nsent);
    pair_free(&p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sent_flag),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
