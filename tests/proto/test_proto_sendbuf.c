/* Send buffer limits and sender queue accounting (mpsctp.h mpsctp_assoc_send and
 * mpsctp_assoc_sndqueue_info; docs/api.md, SCTP_SQINFO): WOULDBLOCK only when the message
 * does not fit, every accepted byte arrives, MSGSIZE and STREAM errors, exact per-stream
 * numbers after every step, SENDER_DRY once everything is acknowledged. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "pair.h"

#define NSTREAMS 10

typedef struct sq {
    uint32_t limit, total, per[NSTREAMS], n;
} sq;

static void sq_get(pair *p, mpsctp_assoc *a, sq *q)
{
    P_CHECK(p, mpsctp_assoc_sndqueue_info(a, &q->limit, &q->total, q->per, NSTREAMS, &q->n) == 0,
            "sndqueue_info failed");
    P_CHECK(p, q->n == NSTREAMS, "%u streams", q->n);
    uint64_t sum = 0;
    for (uint32_t i = 0; i < q->n; i++)
        sum += q->per[i];
    P_CHECK(p, sum == q->total, "per-stream sum %llu != total %u", (unsigned long long)sum,
            q->total);
    P_CHECK(p, q->total <= q->limit, "total %u above limit %u", q->total, q->limit);
}

static void run_sendbuf(uint64_t seed, uint32_t sndbuf)
{
    pair p;
    mpsctp_settings sa;
    pair_settings(&sa, PAIR_A);
    sa.sndbuf = sndbuf;
    sa.num_ostreams = NSTREAMS;
    pair_init(&p, seed, &sa, NULL);
    P_CHECK(&p, pair_connect(&p, PAIR_A) != NULL, "connect");
    P_CHECK(&p, pair_pump_until(&p, SEC(5), pair_cond_up, NULL), "no handshake");
    mpsctp_assoc *a = p.s[PAIR_A].assoc;
    sq q;
    sq_get(&p, a, &q);
    P_CHECK(&p, q.limit == sndbuf && q.total == 0, "limit %u total %u at start", q.limit, q.total);

    /* Argument errors. */
    P_CHECK(&p, pair_send_msg(&p, a, 0, 0, sndbuf + 1) == MPSCTP_ERR_MSGSIZE,
            "message above sndbuf accepted");
    P_CHECK(&p, pair_send_msg(&p, a, 0, 0, 0) == MPSCTP_ERR_MSGSIZE, "empty message accepted");
    P_CHECK(&p, pair_send_msg(&p, a, 0, NSTREAMS, 10) == MPSCTP_ERR_STREAM, "sid 10 accepted");
    P_CHECK(&p, pair_send_msg(&p, a, 0, 0xffff, 10) == MPSCTP_ERR_STREAM, "sid 65535 accepted");
    sq_get(&p, a, &q);
    P_CHECK(&p, q.total == 0, "failed sends left %u bytes queued", q.total);

    /* Saturate: keep offering messages; after every call and every step the numbers are
     * exact. */
    const uint32_t nmsg = 600;
    uint32_t idx = 0;
    uint64_t accepted = 0, lens = 0;
    size_t wouldblock = 0, steps = 0;
    uint64_t last_send_t = 0;
    while (idx < nmsg && steps < 200000) {
        for (;;) {
            if (idx == nmsg)
                break;
            size_t len = 200 + ((idx * 7919u + (uint32_t)seed) % 2800u);
            uint16_t sid = (uint16_t)((idx * 3u) % NSTREAMS);
            sq before;
            sq_get(&p, a, &before);
            int rc = pair_send_msg(&p, a, idx, sid, len);
            sq after;
            sq_get(&p, a, &after);
            if (rc == MPSCTP_ERR_WOULDBLOCK) {
                P_CHECK(&p, before.total + len > before.limit,
                        "WOULDBLOCK with %u of %u used and a %zu-byte message", before.total,
                        before.limit, len);
                P_CHECK(&p, after.total == before.total, "WOULDBLOCK changed the queue");
                wouldblock++;
                break;
            }
            P_CHECK(&p, rc == 0, "send returned %d", rc);
            P_CHECK(&p, after.total == before.total + len && after.per[sid] == before.per[sid] + len,
                    "accepting %zu bytes on sid %u moved total %u -> %u, stream %u -> %u", len,
                    sid, before.total, after.total, before.per[sid], after.per[sid]);
            accepted += len;
            lens += len;
            last_send_t = p.now;
            idx++;
        }
        if (!pair_step(&p, p.now + SEC(10)))
            break;
        steps++;
        sq_get(&p, a, &q);
        /* Acknowledged bytes were received by B: read, or fragments of messages still
         * being reassembled (at most one message per stream, each under 3000 bytes). */
        P_CHECK(&p, q.total + p.s[PAIR_B].rxlen + NSTREAMS * 3000u >= accepted,
                "queue %u + read %zu < accepted %llu", q.total, p.s[PAIR_B].rxlen,
                (unsigned long long)accepted);
    }
    P_CHECK(&p, idx == nmsg, "only %u of %u messages accepted", idx, nmsg);
    P_CHECK(&p, wouldblock > 0, "the send buffer never filled");
    /* Drain. */
    for (int i = 0; i < 100000 && pair_step(&p, p.now + SEC(30)); i++) {
        sq_get(&p, a, &q);
        if (q.total == 0 && p.s[PAIR_B].rxlen == accepted)
            break;
    }
    pair_pump(&p, SEC(1));
    sq_get(&p, a, &q);
    P_CHECK(&p, q.total == 0, "%u bytes still queued at the end", q.total);
    for (uint32_t i = 0; i < NSTREAMS; i++)
        P_CHECK(&p, q.per[i] == 0, "stream %u still holds %u bytes", i, q.per[i]);
    char why[160];
    P_CHECK(&p, pair_verify_rx(&p, PAIR_B, nmsg, why, sizeof(why)) == 0, "%s", why);
    P_CHECK(&p, p.s[PAIR_B].rxlen == lens, "B read %zu bytes, %llu were accepted",
            p.s[PAIR_B].rxlen, (unsigned long long)lens);
    /* SENDER_DRY after the last acknowledgement, and nothing sent after it. */
    const pair_ev *dry = NULL;
    for (size_t i = 0; i < p.s[PAIR_A].nev; i++)
        if (p.s[PAIR_A].ev[i].ev.type == MPSCTP_EV_SENDER_DRY)
            dry = &p.s[PAIR_A].ev[i];
    P_CHECK(&p, dry != NULL && dry->t >= last_send_t, "no SENDER_DRY after the last send");
    P_CHECK(&p, pair_wire_count(&p, PAIR_A, SCTP_DATA, dry->t) == 0, "DATA sent after SENDER_DRY");
    /* B acknowledges with NR-SACK when both ends offer it (the default), else SACK. */
    pair_pkt *lastsack = NULL;
    for (int k = 0; k < 2; k++) {
        uint8_t type = k ? SCTP_NR_SACK : SCTP_SACK;
        for (size_t i = 0; pair_wire_nth(&p, PAIR_B, type, 0, i); i++) {
            pair_pkt *x = pair_wire_nth(&p, PAIR_B, type, 0, i);
            if (!lastsack || x->sent > lastsack->sent)
                lastsack = x;
        }
    }
    P_CHECK(&p, lastsack && dry->t >= lastsack->sent + p.delay, "SENDER_DRY before the last SACK");
    P_CHECK(&p, pair_count_ev(&p, PAIR_A, MPSCTP_EV_SEND_FAILED, -1) == 0, "SEND_FAILED");
    mpsctp_assoc_status st = pair_status(a);
    P_CHECK(&p, st.unacked_chunks == 0 && st.pending_chunks == 0, "chunks left");
    pair_free(&p);
}

static void test_sendbuf(void **state)
{
    (void)state;
    run_sendbuf(131, 16384);
    run_sendbuf(132, 4096);
    run_sendbuf(133, 65536);
}

/* Raising and lowering the limit at run time. */
static void test_set_sndbuf(void **state)
{
    (void)state;
    pair p;
    pair_init(&p, 134, NULL, NULL);
    P_CHECK(&p, pair_connect(&p, PAIR_A) != NULL, "connect");
    P_CHECK(&p, pair_pump_until(&p, SEC(5), pair_cond_up, NULL), "no handshake");
    mpsctp_assoc *a = p.s[PAIR_A].assoc;
    P_CHECK(&p, mpsctp_assoc_set_sndbuf(a, 1000) == MPSCTP_ERR_INVAL, "below 4 KiB accepted");
    P_CHECK(&p, mpsctp_assoc_set_sndbuf(a, 8192) == 0, "set_sndbuf");
    sq q;
    sq_get(&p, a, &q);
    P_CHECK(&p, q.limit == 8192, "limit %u", q.limit);
    P_CHECK(&p, pair_send_msg(&p, a, 0, 0, 8193) == MPSCTP_ERR_MSGSIZE, "above new limit");
    P_CHECK(&p, pair_send_msg(&p, a, 0, 0, 6000) == 0, "fits");
    P_CHECK(&p, pair_send_msg(&p, a, 1, 1, 3000) == MPSCTP_ERR_WOULDBLOCK, "overfills");
    P_CHECK(&p, pair_send_msg(&p, a, 1, 1, 2192) == 0, "exact fill refused");
    sq_get(&p, a, &q);
    P_CHECK(&p, q.total == 8192 && q.per[0] == 6000 && q.per[1] == 2192, "numbers after fill");
    uint32_t small[1], lim, tot, ns;
    P_CHECK(&p, mpsctp_assoc_sndqueue_info(a, &lim, &tot, small, 1, &ns) == MPSCTP_ERR_NOBUFS,
            "short per-stream array accepted");
    pair_pump(&p, SEC(2));
    sq_get(&p, a, &q);
    P_CHECK(&p, q.total == 0, "not drained");
    char why[160];
    P_CHECK(&p, pair_verify_rx(&p, PAIR_B, 2, why, sizeof(why)) == 0, "%s", why);
    pair_free(&p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sendbuf),
        cmocka_unit_test(test_set_sndbuf),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
