/* I-DATA (RFC 8260) from a scripted peer that breaks the rules:
 * - I-DATA on an association that did not negotiate it, DATA on one that did: ABORT with
 *   Protocol Violation (s2.1);
 * - malformed I-DATA: too short, no user data (ABORT No User Data), an FSN of 0 without B,
 *   a second B, a second E, an FSN held twice, an FSN past the E fragment, an ordered MID
 *   already delivered: ABORT;
 * - I-FORWARD-TSN (never negotiated here): skipped and reported as an unrecognized chunk;
 * - an ordered MID far ahead is held (nothing readable) and costs what it carries;
 * - many streams each with half a message: held within the receive buffer, the rest not
 *   acknowledged; everything is freed with the association (ASan). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "assoc.h"
#include "pair.h"

static void fake_setup(pair *p, pair_fake *f, uint64_t seed, int b_idata, int f_idata,
                       uint32_t rcvbuf)
{
    mpsctp_settings b;
    pair_settings(&b, PAIR_B);
    b.idata = (uint8_t)b_idata;
    b.max_instreams = 2048;
    if (rcvbuf)
        b.rcvbuf = rcvbuf;
    pair_init(p, seed, NULL, &b);
    p->s[PAIR_B].auto_read = 0;
    P_CHECK(p, pair_fake_connect_opts(p, f, PAIR_IP_FAKE, 2048, 2048, NULL, 0,
                                      f_idata ? PAIR_EXT_IDATA : 0) == 0,
            "fake handshake");
    P_CHECK(p, mpsctp_assoc_idata(f->assoc) == (b_idata && f_idata), "negotiation");
}

/* Injects one I-DATA chunk from the fake: value built from the fields, vlen_cut > 0 cuts
 * the value to that many bytes. */
static int idata(pair *p, pair_fake *f, uint8_t flags, uint32_t tsn, uint16_t sid,
                 uint32_t mid, uint32_t ppid_fsn, size_t len, size_t vlen_cut)
{
    uint8_t v[2048];
    put32(v, tsn);
    put16(v + 4, sid);
    put16(v + 6, 0);
    put32(v + 8, mid);
    put32(v + 12, ppid_fsn);
    for (size_t i = 0; i < len; i++)
        v[16 + i] = (uint8_t)(i * 7 + mid);
    size_t vlen = vlen_cut ? vlen_cut : 16 + len;
    return pair_fake_chunk(p, f, NULL, SCTP_IDATA, flags, v, vlen);
}

/* B's ABORT to the fake with cause `cause`, and the association closed. */
static int aborted_with(pair *p, pair_fake *f, uint16_t cause)
{
    pair_pkt *out[8];
    size_t n = pair_take(p, PAIR_B, out, 8);
    int found = 0;
    for (size_t i = 0; i < n; i++) {
        sctp_tlv c, cs;
        if (pair_find_chunk(out[i]->data, out[i]->len, SCTP_ABORT, &c) &&
            pair_find_param(&c, 0, cause, &cs))
            found = 1;
    }
    return found && pair_count_ev(p, PAIR_B, MPSCTP_EV_ASSOC_CHANGE, MPSCTP_COMM_LOST) == 1 &&
           f->assoc && pair_status(f->assoc).state == MPSCTP_CLOSED;
}

static void test_wrong_kind(void **st)
{
    (void)st;
    pair p;
    pair_fake f;
    /* I-DATA without negotiation (B offers it, the peer does not). */
    fake_setup(&p, &f, 800, 1, 0, 0);
    idata(&p, &f, SCTP_DATA_B | SCTP_DATA_E, f.next_tsn, 0, 0, 0, 100, 0);
    P_CHECK(&p, aborted_with(&p, &f, SCTP_CAUSE_PROTOCOL_VIOLATION), "no ABORT for I-DATA");
    pair_free(&p);
    /* DATA with I-DATA negotiated. */
    fake_setup(&p, &f, 801, 1, 1, 0);
    uint8_t pl[100] = {1};
    pair_fake_data(&p, &f, f.next_tsn, 0, 0, pl, sizeof(pl));
    P_CHECK(&p, aborted_with(&p, &f, SCTP_CAUSE_PROTOCOL_VIOLATION), "no ABORT for DATA");
    pair_free(&p);
}

typedef struct bad_case {
    const char *what;
    uint16_t cause;
    int nsetup; /* fragments before the bad one: (flags, mid, fsn) */
    struct {
        uint8_t flags;
        uint32_t mid, fsn;
    } pre[3];
    uint8_t flags;
    uint32_t mid, fsn;
    size_t len, cut;
} bad_case;

#define B_ SCTP_DATA_B
#define E_ SCTP_DATA_E
static const bad_case bad[] = {
    {"too short", SCTP_CAUSE_PROTOCOL_VIOLATION, 0, {{0}}, B_ | E_, 0, 0, 0, 12},
    {"no user data", SCTP_CAUSE_NO_USER_DATA, 0, {{0}}, B_ | E_, 0, 0, 0, 0},
    {"FSN 0 without B", SCTP_CAUSE_PROTOCOL_VIOLATION, 0, {{0}}, 0, 0, 0, 100, 0},
    {"second B", SCTP_CAUSE_PROTOCOL_VIOLATION, 1, {{B_, 0, 0}}, B_, 0, 0, 100, 0},
    {"second E", SCTP_CAUSE_PROTOCOL_VIOLATION, 1, {{E_, 0, 5}}, E_, 0, 6, 100, 0},
    {"FSN held twice", SCTP_CAUSE_PROTOCOL_VIOLATION, 1, {{0, 0, 3}}, 0, 0, 3, 100, 0},
    {"FSN past E", SCTP_CAUSE_PROTOCOL_VIOLATION, 1, {{E_, 0, 3}}, 0, 0, 4, 100, 0},
    {"E below a held FSN", SCTP_CAUSE_PROTOCOL_VIOLATION, 1, {{0, 0, 7}}, E_, 0, 4, 100, 0},
    {"MID delivered", SCTP_CAUSE_PROTOCOL_VIOLATION, 1, {{B_ | E_, 0, 0}}, B_ | E_, 0, 0,
     100, 0},
    {"FSN delivered", SCTP_CAUSE_PROTOCOL_VIOLATION, 0, {{0}}, 0, 0, 0, 100, 0},
};

static void test_malformed(void **st)
{
    (void)st;
    for (size_t k = 0; k < sizeof(bad) / sizeof(bad[0]); k++) {
        const bad_case *c = &bad[k];
        pair p;
        pair_fake f;
        fake_setup(&p, &f, 810 + k, 1, 1, 0);
        uint32_t tsn = f.next_tsn;
        for (int i = 0; i < c->nsetup; i++) {
            idata(&p, &f, c->pre[i].flags, tsn++, 0, c->pre[i].mid, c->pre[i].fsn, 100, 0);
            P_CHECK(&p, pair_status(f.assoc).state == MPSCTP_ESTABLISHED, "%s: setup",
                    c->what);
        }
        if (k == sizeof(bad) / sizeof(bad[0]) - 1) {
            /* A large message under partial delivery: its first pieces are read, then a
             * fragment with an FSN already delivered comes under a new TSN. */
            f.assoc->ra.pd_point = 200;
            for (uint32_t i = 0; i < 4; i++)
                idata(&p, &f, i ? 0 : B_, tsn++, 0, 0, i, 100, 0);
            P_CHECK(&p, reasm_readable(&f.assoc->ra) == 400, "partial delivery (%zu)",
                    reasm_readable(&f.assoc->ra));
            idata(&p, &f, 0, tsn++, 0, 0, 2, 100, 0);
        } else {
            idata(&p, &f, c->flags, tsn, 0, c->mid, c->fsn, c->len, c->cut);
        }
        P_CHECK(&p, aborted_with(&p, &f, c->cause), "%s: no ABORT with cause %u", c->what,
                c->cause);
        pair_free(&p);
    }
}

static void test_i_forward_tsn(void **st)
{
    (void)st;
    pair p;
    pair_fake f;
    fake_setup(&p, &f, 830, 1, 1, 0);
    uint8_t v[12] = {0};
    put32(v, f.next_tsn + 5);
    pair_fake_chunk(&p, &f, NULL, SCTP_I_FORWARD_TSN, 0, v, sizeof(v));
    pair_pkt *out[8];
    size_t n = pair_take(&p, PAIR_B, out, 8);
    int reported = 0;
    for (size_t i = 0; i < n; i++) {
        sctp_tlv c, cs;
        if (pair_find_chunk(out[i]->data, out[i]->len, SCTP_ERROR, &c) &&
            pair_find_param(&c, 0, SCTP_CAUSE_UNRECOGNIZED_CHUNK, &cs) &&
            cs.value[0] == SCTP_I_FORWARD_TSN)
            reported = 1;
    }
    P_CHECK(&p, reported, "I-FORWARD-TSN not reported as unrecognized");
    P_CHECK(&p, pair_status(f.assoc).state == MPSCTP_ESTABLISHED, "association ended");
    P_CHECK(&p, f.assoc->map.cum == f.next_tsn - 1, "I-FORWARD-TSN moved the cum TSN");
    /* Data still flows. */
    idata(&p, &f, B_ | E_, f.next_tsn, 0, 0, 0, 100, 0);
    P_CHECK(&p, reasm_readable(&f.assoc->ra) == 100, "data after it not delivered");
    pair_free(&p);
}

static void test_mid_far_ahead(void **st)
{
    (void)st;
    pair p;
    pair_fake f;
    fake_setup(&p, &f, 840, 1, 1, 0);
    uint32_t tsn = f.next_tsn;
    /* MID 1000000 complete, then MIDs 1 and 0: only after 0 may 1 be read; 1000000 waits. */
    idata(&p, &f, B_ | E_, tsn++, 3, 1000000, 0, 300, 0);
    idata(&p, &f, B_ | E_, tsn++, 3, 1, 0, 200, 0);
    P_CHECK(&p, reasm_readable(&f.assoc->ra) == 0, "read out of order");
    P_CHECK(&p, idata_in_progress(&f.assoc->ids) == 2, "in progress %u",
            idata_in_progress(&f.assoc->ids));
    P_CHECK(&p, reasm_held(&f.assoc->ra) == 500 + 2 * (REASM_CHUNK_OVERHEAD + IDATA_MSG_CHARGE),
            "held %llu",
            (unsigned long long)reasm_held(&f.assoc->ra));
    idata(&p, &f, B_ | E_, tsn++, 3, 0, 0, 100, 0);
    P_CHECK(&p, reasm_readable(&f.assoc->ra) == 300, "MIDs 0 and 1 not delivered");
    P_CHECK(&p, idata_in_progress(&f.assoc->ids) == 1, "MID far ahead not held");
    P_CHECK(&p, pair_status(f.assoc).state == MPSCTP_ESTABLISHED, "association ended");
    pair_free(&p); /* the held message is freed with it (ASan checks) */
}

/* With 1000-byte fragments, and with 1-byte ones (what the per-chunk and per-message
 * charges must cover). */
static void many_half_messages(uint32_t size)
{
    pair p;
    pair_fake f;
    const uint32_t rcvbuf = 64 * 1024;
    fake_setup(&p, &f, 850, 1, 1, rcvbuf);
    uint32_t tsn = f.next_tsn;
    /* On each of 2000 streams the first fragment of a message that never ends, behind a
     * message that never comes (MID 1): nothing can be delivered, even partially. */
    for (uint16_t s = 0; s < 2000; s++) {
        idata(&p, &f, B_, tsn++, s, 1, 0, size, 0);
        P_CHECK(&p, pair_status(f.assoc).state == MPSCTP_ESTABLISHED, "association ended");
        P_CHECK(&p, reasm_held(&f.assoc->ra) <= rcvbuf, "held %llu over the buffer",
                (unsigned long long)reasm_held(&f.assoc->ra));
    }
    uint32_t kept = idata_in_progress(&f.assoc->ids);
    P_CHECK(&p, kept > 10 && kept < 2000 &&
                    (uint64_t)kept * (size + REASM_CHUNK_OVERHEAD + IDATA_MSG_CHARGE) ==
                        reasm_held(&f.assoc->ra),
            "%u messages kept, %llu held", kept, (unsigned long long)reasm_held(&f.assoc->ra));
    mpsctp_assoc_mem mem;
    assert_int_equal(mpsctp_assoc_mem_get(f.assoc, &mem), 0);
    P_CHECK(&p, mem.rx_held <= mem.rx_bound, "memory %llu over its bound %llu",
            (unsigned long long)mem.rx_held, (unsigned long long)mem.rx_bound);
    /* What did not fit is not acknowledged: the cum TSN stops where the buffer filled. */
    P_CHECK(&p, f.assoc->map.cum == f.next_tsn + kept - 1, "cum %u", f.assoc->map.cum);
    P_CHECK(&p, reasm_readable(&f.assoc->ra) == 0, "nothing is complete");
    print_message("%u half messages of %u bytes held in a %u-byte buffer, memory %llu of "
                  "%llu\n", kept, size, rcvbuf, (unsigned long long)mem.rx_held,
                  (unsigned long long)mem.rx_bound);
    pair_free(&p);
}

static void test_many_half_messages(void **st)
{
    (void)st;
    many_half_messages(1000);
    many_half_messages(1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_wrong_kind),
        cmocka_unit_test(test_malformed),
        cmocka_unit_test(test_i_forward_tsn),
        cmocka_unit_test(test_mid_far_ahead),
        cmocka_unit_test(test_many_half_messages),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
