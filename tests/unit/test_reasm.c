/* Unit tests for lib/core/reasm: reassembly of fragmented messages (RFC 9260 s6.9),
 * ordered and unordered delivery per stream (s6.5, s6.6), partial delivery of messages
 * larger than the partial delivery point (RFC 6458 s8.1.21), receive-buffer accounting,
 * TSN wrap-around and small reads. The TSN map supplies the cumulative TSN, as in the
 * association. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "mpsctp/mpsctp.h"
#include "reasm.h"
#include "tsnmap.h"
#include "wire.h"

#define BIG_PD (1u << 24) /* partial delivery point no test message reaches */
#define BE (SCTP_DATA_B | SCTP_DATA_E)

typedef struct rx {
    reasm r;
    tsnmap m;
    uint64_t expect_held; /* what reasm_held must report, tracked by the test */
} rx;

static void rx_init(rx *x, uint16_t nstreams, uint32_t itsn, uint32_t pd_point)
{
    assert_int_equal(reasm_init(&x->r, nstreams, pd_point), 0);
    assert_int_equal(tsnmap_init(&x->m, itsn, 1u << 16), 0);
    reasm_attach(&x->r, &x->m, 0, 0x5eed);
    x->expect_held = 0;
    assert_int_equal(reasm_held(&x->r), 0);
    assert_int_equal(reasm_readable(&x->r), 0);
}

static void rx_free(rx *x)
{
    reasm_free(&x->r);
    tsnmap_free(&x->m);
}

/* Records tsn in the map and hands the chunk to reassembly, as the association does. */
static void rx_add(rx *x, uint32_t tsn, uint16_t sid, uint16_t ssn, uint8_t flags,
                   uint32_t ppid, const uint8_t *payload, size_t len)
{
    assert_int_equal(tsnmap_mark(&x->m, tsn), 1);
    sctp_data d;
    memset(&d, 0, sizeof(d));
    d.flags = flags;
    d.tsn = tsn;
    d.sid = sid;
    d.ssn = ssn;
    d.ppid = ppid;
    d.payload = payload;
    d.len = len;
    assert_int_equal(reasm_add(&x->r, &d, x->m.cum), 0);
    x->expect_held += len + REASM_CHUNK_OVERHEAD;
}

/* Reads one whole message in reads of at most step bytes into out (cap bytes). Every read
 * before the last must have eor 0, the last eor 1. Returns the message length. */
static size_t rx_read_msg(rx *x, uint8_t *out, size_t cap, size_t step, mpsctp_rcvinfo *info)
{
    size_t n = 0;
    for (;;) {
        int eor = -1;
        mpsctp_rcvinfo ri;
        memset(&ri, 0xEE, sizeof(ri));
        size_t want = step < cap - n ? step : cap - n;
        assert_true(want > 0);
        ssize_t r = reasm_read(&x->r, out + n, want, &ri, &eor);
        assert_true(r > 0);
        assert_true((size_t)r <= want);
        if (n == 0 && info)
            *info = ri;
        else if (info) {
            assert_int_equal(ri.sid, info->sid);
            assert_int_equal(ri.ssn, info->ssn);
            assert_int_equal(ri.tsn, info->tsn);
        }
        n += (size_t)r;
        assert_true(eor == 0 || eor == 1);
        if (eor) return n;
    }
}

static void expect_wouldblock(rx *x)
{
    uint8_t b[16];
    int eor = 7;
    assert_int_equal(reasm_read(&x->r, b, sizeof(b), NULL, &eor), MPSCTP_ERR_WOULDBLOCK);
    assert_int_equal(eor, 0);
}

static void fill(uint8_t *p, size_t n, uint8_t seed)
{
    for (size_t i = 0; i < n; i++)
        p[i] = (uint8_t)(seed + i * 31u + (i >> 8));
}

/* ---- basics ------------------------------------------------------------------------- */

static void test_empty_wouldblock(void **state)
{
    (void)state;
    rx x;
    rx_init(&x, 4, 1, BIG_PD);
    expect_wouldblock(&x);
    uint8_t b[1];
    int eor = 3;
    mpsctp_rcvinfo ri;
    assert_int_equal(reasm_read(&x.r, b, 1, &ri, &eor), MPSCTP_ERR_WOULDBLOCK);
    assert_int_equal(eor, 0);
    rx_free(&x);
}

static void test_single_fragment_messages(void **state)
{
    (void)state;
    rx x;
    rx_init(&x, 3, 100, BIG_PD);
    rx_add(&x, 100, 2, 0, BE, 0x11223344u, (const uint8_t *)"hello", 5);
    assert_int_equal(reasm_held(&x.r), 5 + REASM_CHUNK_OVERHEAD);
    assert_int_equal(reasm_readable(&x.r), 5);
    rx_add(&x, 101, 1, 0, BE | SCTP_DATA_U, 7, (const uint8_t *)"xy", 2);
    assert_int_equal(reasm_readable(&x.r), 7);
    assert_int_equal(reasm_held(&x.r), x.expect_held);

    uint8_t b[64];
    int eor = 0;
    mpsctp_rcvinfo ri;
    memset(&ri, 0, sizeof(ri));
    assert_int_equal(reasm_read(&x.r, b, sizeof(b), &ri, &eor), 5);
    assert_int_equal(eor, 1);
    assert_memory_equal(b, "hello", 5);
    assert_int_equal(ri.sid, 2);
    assert_int_equal(ri.ssn, 0);
    assert_int_equal(ri.flags, 0);
    assert_int_equal(ri.ppid, 0x11223344u);
    assert_int_equal(ri.tsn, 100);

    assert_int_equal(reasm_read(&x.r, b, sizeof(b), &ri, &eor), 2);
    assert_int_equal(eor, 1);
    assert_memory_equal(b, "xy", 2);
    assert_int_equal(ri.sid, 1);
    assert_int_equal(ri.flags, MPSCTP_UNORDERED);
    assert_int_equal(ri.ppid, 7);
    assert_int_equal(ri.tsn, 101);

    expect_wouldblock(&x);
    assert_int_equal(reasm_held(&x.r), 0);
    assert_int_equal(reasm_readable(&x.r), 0);
    rx_free(&x);
}

static void test_multi_fragment_in_order(void **state)
{
    (void)state;
    rx x;
    rx_init(&x, 1, 5000, BIG_PD);
    uint8_t msg[4000];
    fill(msg, sizeof(msg), 9);
    const size_t sz[5] = {1000, 1, 999, 1500, 500};
    size_t off = 0;
    for (int i = 0; i < 5; i++) {
        uint8_t fl = (uint8_t)((i == 0 ? SCTP_DATA_B : 0) | (i == 4 ? SCTP_DATA_E : 0));
        rx_add(&x, 5000 + (uint32_t)i, 0, 0, fl, 42, msg + off, sz[i]);
        off += sz[i];
        if (i < 4) {
            expect_wouldblock(&x);
            assert_int_equal(reasm_readable(&x.r), 0);
        }
        assert_int_equal(reasm_held(&x.r), x.expect_held);
    }
    assert_int_equal(reasm_readable(&x.r), sizeof(msg));
    uint8_t out[4096];
    mpsctp_rcvinfo ri;
    assert_int_equal(rx_read_msg(&x, out, sizeof(out), sizeof(out), &ri), sizeof(msg));
    assert_memory_equal(out, msg, sizeof(msg));
    assert_int_equal(ri.tsn, 5000);
    assert_int_equal(ri.ppid, 42);
    assert_int_equal(reasm_held(&x.r), 0);
    expect_wouldblock(&x);
    rx_free(&x);
}

/* Feeds a 4-fragment message in the order perm (of 0..3); only the last add completes it. */
static void run_perm(uint32_t itsn, const int perm[4])
{
    rx x;
    rx_init(&x, 2, itsn, BIG_PD);
    uint8_t frag[4][100];
    for (int i = 0; i < 4; i++)
        fill(frag[i], 100, (uint8_t)(i * 50 + 1));
    for (int k = 0; k < 4; k++) {
        int i = perm[k];
        uint8_t fl = (uint8_t)((i == 0 ? SCTP_DATA_B : 0) | (i == 3 ? SCTP_DATA_E : 0));
        rx_add(&x, itsn + (uint32_t)i, 1, 0, fl, 5, frag[i], 100);
        if (k < 3) {
            expect_wouldblock(&x);
            assert_int_equal(reasm_readable(&x.r), 0);
        }
    }
    assert_int_equal(x.m.cum, itsn + 3);
    assert_int_equal(reasm_held(&x.r), 4 * (100 + REASM_CHUNK_OVERHEAD));
    uint8_t out[512];
    mpsctp_rcvinfo ri;
    assert_int_equal(rx_read_msg(&x, out, sizeof(out), sizeof(out), &ri), 400);
    for (int i = 0; i < 4; i++)
        assert_memory_equal(out + 100 * i, frag[i], 100);
    assert_int_equal(ri.tsn, itsn);
    assert_int_equal(ri.sid, 1);
    assert_int_equal(reasm_held(&x.r), 0);
    expect_wouldblock(&x);
    rx_free(&x);
}

static void test_all_permutations_4_fragments(void **state)
{
    (void)state;
    const uint32_t starts[3] = {1, 0xFFFFFFFEu, 0x7FFFFFFFu};
    int count = 0;
    for (int a = 0; a < 4; a++)
        for (int b = 0; b < 4; b++)
            for (int c = 0; c < 4; c++)
                for (int d = 0; d < 4; d++) {
                    if (a == b || a == c || a == d || b == c || b == d || c == d) continue;
                    const int perm[4] = {a, b, c, d};
                    for (int s = 0; s < 3; s++)
                        run_perm(starts[s], perm);
                    count++;
                }
    assert_int_equal(count, 24);
}

/* ---- ordering -------------------------------------------------------------------------- */

static void test_ordered_holds_across_streams(void **state)
{
    (void)state;
    rx x;
    rx_init(&x, 2, 10, BIG_PD);
    uint8_t out[64];
    mpsctp_rcvinfo ri;
    /* Stream 0: SSN 1 (TSN 11) arrives before SSN 0 (TSN 10): held. */
    rx_add(&x, 11, 0, 1, BE, 0, (const uint8_t *)"s0m1", 4);
    expect_wouldblock(&x);
    assert_int_equal(reasm_readable(&x.r), 0);
    assert_int_equal(reasm_held(&x.r), 4 + REASM_CHUNK_OVERHEAD);
    /* Stream 1 is not blocked by stream 0. */
    rx_add(&x, 12, 1, 0, BE, 0, (const uint8_t *)"s1m0", 4);
    assert_int_equal(reasm_readable(&x.r), 4);
    assert_int_equal(rx_read_msg(&x, out, sizeof(out), 64, &ri), 4);
    assert_memory_equal(out, "s1m0", 4);
    assert_int_equal(ri.sid, 1);
    assert_int_equal(ri.ssn, 0);
    expect_wouldblock(&x);
    /* SSN 0 releases SSN 0 then SSN 1. */
    rx_add(&x, 10, 0, 0, BE, 0, (const uint8_t *)"s0m0", 4);
    assert_int_equal(reasm_readable(&x.r), 8);
    assert_int_equal(rx_read_msg(&x, out, sizeof(out), 64, &ri), 4);
    assert_memory_equal(out, "s0m0", 4);
    assert_int_equal(ri.ssn, 0);
    assert_int_equal(ri.tsn, 10);
    assert_int_equal(rx_read_msg(&x, out, sizeof(out), 64, &ri), 4);
    assert_memory_equal(out, "s0m1", 4);
    assert_int_equal(ri.ssn, 1);
    assert_int_equal(ri.tsn, 11);
    expect_wouldblock(&x);
    assert_int_equal(reasm_held(&x.r), 0);
    rx_free(&x);
}

static void test_ordered_many_held_reverse(void **state)
{
    (void)state;
    /* SSNs 1..9 of a stream arrive in reverse (each in two fragments), then SSN 0. */
    rx x;
    rx_init(&x, 1, 1, BIG_PD);
    uint8_t pay[10][2];
    for (uint16_t s = 9; s >= 1; s--) {
        pay[s][0] = (uint8_t)('a' + s);
        pay[s][1] = (uint8_t)('A' + s);
        uint32_t t = 1 + 2u * s;
        rx_add(&x, t + 1, 0, s, SCTP_DATA_E, s, &pay[s][1], 1);
        rx_add(&x, t, 0, s, SCTP_DATA_B, s, &pay[s][0], 1);
    }
    expect_wouldblock(&x);
    assert_int_equal(reasm_held(&x.r), x.expect_held);
    pay[0][0] = 'a';
    pay[0][1] = 'A';
    rx_add(&x, 2, 0, 0, SCTP_DATA_E, 0, &pay[0][1], 1);
    expect_wouldblock(&x);
    rx_add(&x, 1, 0, 0, SCTP_DATA_B, 0, &pay[0][0], 1);
    assert_int_equal(reasm_readable(&x.r), 20);
    for (uint16_t s = 0; s < 10; s++) {
        uint8_t out[8];
        mpsctp_rcvinfo ri;
        assert_int_equal(rx_read_msg(&x, out, sizeof(out), 8, &ri), 2);
        assert_int_equal(ri.ssn, s);
        assert_int_equal(ri.ppid, s);
        assert_int_equal(ri.tsn, 1 + 2u * s);
        assert_memory_equal(out, pay[s], 2);
    }
    expect_wouldblock(&x);
    assert_int_equal(reasm_held(&x.r), 0);
    rx_free(&x);
}

/* Ordered delivery costs O(1) per message whatever the arrival order: 40000 messages held
 * behind a missing first one (the old hold list made that quadratic: 2.6 s for 40k), then
 * the missing one. Counted in index probes, which do not depend on the machine. */
static void test_ordered_many_held_linear(void **state)
{
    (void)state;
    for (int reverse = 0; reverse <= 1; reverse++) {
        rx x;
        rx_init(&x, 4, 100, BIG_PD);
        const uint32_t n = 40000;
        uint8_t b[8];
        for (uint32_t i = 1; i < n; i++) {
            uint32_t k = reverse ? n - i : i;
            memset(b, (int)k, sizeof(b));
            rx_add(&x, 100 + k, 0, (uint16_t)k, BE, k, b, sizeof(b));
        }
        assert_int_equal(reasm_readable(&x.r), 0);
        memset(b, 0, sizeof(b));
        rx_add(&x, 100, 0, 0, BE, 0, b, sizeof(b));
        for (uint32_t i = 0; i < n; i++) {
            uint8_t out[16];
            int eor = 0;
            mpsctp_rcvinfo ri;
            assert_int_equal(reasm_read(&x.r, out, sizeof(out), &ri, &eor), 8);
            assert_int_equal(eor, 1);
            assert_int_equal(ri.ssn, (uint16_t)i); /* in SSN order */
            assert_int_equal(ri.ppid, i);
            assert_int_equal(out[0], (uint8_t)i);
        }
        print_message("%s: %llu index probes for %u messages\n", reverse ? "reverse" : "forward",
                      (unsigned long long)x.r.probes, n);
        assert_true(x.r.probes < 16ull * n);
        rx_free(&x);
    }
}

static void test_unordered_bypasses_order(void **state)
{
    (void)state;
    rx x;
    rx_init(&x, 1, 20, BIG_PD);
    /* Ordered SSN 0 (TSN 20) is missing; SSN 1 waits, unordered messages do not. */
    rx_add(&x, 21, 0, 1, BE, 0, (const uint8_t *)"ord1", 4);
    expect_wouldblock(&x);
    rx_add(&x, 22, 0, 0, BE | SCTP_DATA_U, 0, (const uint8_t *)"un-a", 4);
    /* An unordered multi-fragment message, completed out of order. */
    rx_add(&x, 24, 0, 0, SCTP_DATA_U | SCTP_DATA_E, 0, (const uint8_t *)"-b2", 3);
    rx_add(&x, 23, 0, 0, SCTP_DATA_U | SCTP_DATA_B, 0, (const uint8_t *)"un-b1", 5);
    uint8_t out[32];
    mpsctp_rcvinfo ri;
    assert_int_equal(rx_read_msg(&x, out, sizeof(out), 32, &ri), 4);
    assert_memory_equal(out, "un-a", 4);
    assert_int_equal(ri.flags, MPSCTP_UNORDERED);
    assert_int_equal(rx_read_msg(&x, out, sizeof(out), 32, &ri), 8);
    assert_memory_equal(out, "un-b1-b2", 8);
    assert_int_equal(ri.flags, MPSCTP_UNORDERED);
    assert_int_equal(ri.tsn, 23);
    expect_wouldblock(&x);
    rx_add(&x, 20, 0, 0, BE, 0, (const uint8_t *)"ord0", 4);
    assert_int_equal(rx_read_msg(&x, out, sizeof(out), 32, &ri), 4);
    assert_memory_equal(out, "ord0", 4);
    assert_int_equal(ri.flags, 0);
    assert_int_equal(rx_read_msg(&x, out, sizeof(out), 32, &ri), 4);
    assert_memory_equal(out, "ord1", 4);
    assert_int_equal(reasm_held(&x.r), 0);
    rx_free(&x);
}

/* ---- partial delivery -------------------------------------------------------------- */

static void test_partial_delivery(void **state)
{
    (void)state;
    rx x;
    rx_init(&x, 1, 1, 1000);
    uint8_t msg[2000];
    fill(msg, sizeof(msg), 77);
    uint8_t out[4096];
    size_t got = 0, added = 0;
    int seen_eor = 0;
    for (int i = 0; i < 5; i++) {
        uint8_t fl = (uint8_t)((i == 0 ? SCTP_DATA_B : 0) | (i == 4 ? SCTP_DATA_E : 0));
        rx_add(&x, 1 + (uint32_t)i, 0, 0, fl, 9, msg + 400 * i, 400);
        added += 400;
        /* Drain whatever is readable now. */
        for (;;) {
            int eor = -1;
            mpsctp_rcvinfo ri;
            ssize_t r = reasm_read(&x.r, out + got, sizeof(out) - got, &ri, &eor);
            if (r == MPSCTP_ERR_WOULDBLOCK) {
                assert_int_equal(eor, 0);
                break;
            }
            assert_true(r > 0);
            assert_int_equal(ri.sid, 0);
            assert_int_equal(ri.tsn, 1);
            assert_int_equal(ri.ppid, 9);
            assert_int_equal(seen_eor, 0);
            got += (size_t)r;
            assert_true(got <= added);
            if (eor) {
                assert_int_equal(i, 4); /* end of record only with the last fragment */
                seen_eor = 1;
            }
        }
        /* Unread bytes never exceed the partial delivery point plus one fragment. */
        assert_true(added - got <= 1000 + 400);
        assert_int_equal(reasm_held(&x.r) >= (added - got), 1);
    }
    assert_int_equal(seen_eor, 1);
    assert_int_equal(got, sizeof(msg));
    assert_memory_equal(out, msg, sizeof(msg));
    assert_int_equal(reasm_held(&x.r), 0);
    expect_wouldblock(&x);
    rx_free(&x);
}

static void test_partial_delivery_started_before_end(void **state)
{
    (void)state;
    /* A 10-fragment message of 500 bytes each with pd_point 1500: some bytes must be
     * readable before the last fragment arrives. */
    rx x;
    rx_init(&x, 2, 0xFFFFFFFCu, 1500);
    uint8_t msg[5000];
    fill(msg, sizeof(msg), 3);
    for (int i = 0; i < 9; i++)
        rx_add(&x, 0xFFFFFFFCu + (uint32_t)i, 1, 0, i == 0 ? SCTP_DATA_B : 0, 1, msg + 500 * i,
               500);
    assert_true(reasm_readable(&x.r) > 0);
    uint8_t out[5000];
    size_t got = 0;
    for (;;) {
        int eor = -1;
        ssize_t r = reasm_read(&x.r, out + got, sizeof(out) - got, NULL, &eor);
        if (r == MPSCTP_ERR_WOULDBLOCK) break;
        assert_true(r > 0);
        assert_int_equal(eor, 0);
        got += (size_t)r;
    }
    assert_true(got >= 1500);
    assert_int_equal(got, 4500);
    assert_memory_equal(out, msg, got);
    rx_add(&x, 0xFFFFFFFCu + 9, 1, 0, SCTP_DATA_E, 1, msg + 4500, 500);
    int eor = 0;
    assert_int_equal(reasm_read(&x.r, out + got, sizeof(out) - got, NULL, &eor), 500);
    assert_int_equal(eor, 1);
    assert_memory_equal(out, msg, sizeof(msg));
    assert_int_equal(reasm_held(&x.r), 0);
    rx_free(&x);
}

/* reasm_next_len: what the next read returns with an unlimited buffer: one whole message
 * at a time, the rest of a message partly read, and under partial delivery what has
 * arrived of the message so far. */
static void test_next_len(void **state)
{
    (void)state;
    rx x;
    rx_init(&x, 2, 100, 1500);
    uint8_t msg[5000], out[5000];
    fill(msg, sizeof(msg), 9);
    assert_int_equal(reasm_next_len(&x.r), 0);
    rx_add(&x, 100, 0, 0, SCTP_DATA_B | SCTP_DATA_E, 1, msg, 300);
    rx_add(&x, 101, 0, 1, SCTP_DATA_B, 1, msg, 700);
    rx_add(&x, 102, 0, 1, SCTP_DATA_E, 1, msg + 700, 800);
    assert_int_equal(reasm_readable(&x.r), 1800);
    assert_int_equal(reasm_next_len(&x.r), 300); /* the first message only */
    int eor = 0;
    assert_int_equal(reasm_read(&x.r, out, 100, NULL, &eor), 100);
    assert_int_equal(reasm_next_len(&x.r), 200); /* its rest */
    assert_int_equal(reasm_read(&x.r, out, sizeof(out), NULL, &eor), 200);
    assert_int_equal(reasm_next_len(&x.r), 1500); /* two fragments, one message */
    assert_int_equal(reasm_read(&x.r, out, sizeof(out), NULL, &eor), 1500);
    assert_int_equal(eor, 1);
    assert_int_equal(reasm_next_len(&x.r), 0);
    /* Partial delivery: what has arrived of a message not yet complete. */
    for (int i = 0; i < 4; i++)
        rx_add(&x, 103 + (uint32_t)i, 1, 0, i == 0 ? SCTP_DATA_B : 0, 1, msg + 500 * i, 500);
    assert_int_equal(reasm_next_len(&x.r), 2000);
    assert_int_equal(reasm_read(&x.r, out, sizeof(out), NULL, &eor), 2000);
    assert_int_equal(eor, 0);
    assert_int_equal(reasm_next_len(&x.r), 0); /* nothing more has arrived */
    rx_add(&x, 107, 1, 0, SCTP_DATA_E, 1, msg + 2000, 500);
    assert_int_equal(reasm_next_len(&x.r), 500);
    assert_int_equal(reasm_read(&x.r, out, sizeof(out), NULL, &eor), 500);
    assert_int_equal(eor, 1);
    rx_free(&x);
}

static void test_partial_delivery_byte_by_byte(void **state)
{
    (void)state;
    rx x;
    rx_init(&x, 1, 50, 64);
    uint8_t msg[300];
    fill(msg, sizeof(msg), 200);
    uint8_t out[300];
    size_t got = 0;
    for (int i = 0; i < 3; i++) {
        uint8_t fl = (uint8_t)((i == 0 ? SCTP_DATA_B : 0) | (i == 2 ? SCTP_DATA_E : 0));
        rx_add(&x, 50 + (uint32_t)i, 0, 0, fl, 0, msg + 100 * i, 100);
        for (;;) {
            int eor = -1;
            ssize_t r = reasm_read(&x.r, out + got, 1, NULL, &eor);
            if (r == MPSCTP_ERR_WOULDBLOCK) break;
            assert_int_equal(r, 1);
            got++;
            assert_int_equal(eor, got == sizeof(msg));
        }
        assert_int_equal(got, 100 * (size_t)(i + 1));
    }
    assert_memory_equal(out, msg, sizeof(msg));
    assert_int_equal(reasm_held(&x.r), 0);
    rx_free(&x);
}

static void test_partial_delivery_no_interleave(void **state)
{
    (void)state;
    /* While a message of stream 0 is partially delivered, a complete message of stream 1
     * must not be mixed into it; it follows the end of the first. */
    rx x;
    rx_init(&x, 2, 1, 500);
    uint8_t big[1200], small[10];
    fill(big, sizeof(big), 1);
    fill(small, sizeof(small), 99);
    rx_add(&x, 1, 0, 0, SCTP_DATA_B, 0, big, 600);
    rx_add(&x, 2, 0, 0, 0, 0, big + 600, 300);
    rx_add(&x, 4, 1, 0, BE, 0, small, sizeof(small));
    uint8_t out[2000];
    size_t got = 0;
    for (;;) {
        int eor = -1;
        mpsctp_rcvinfo ri;
        ssize_t r = reasm_read(&x.r, out + got, sizeof(out) - got, &ri, &eor);
        if (r == MPSCTP_ERR_WOULDBLOCK) break;
        assert_int_equal(ri.sid, 0);
        assert_int_equal(eor, 0);
        got += (size_t)r;
    }
    assert_int_equal(got, 900);
    rx_add(&x, 3, 0, 0, SCTP_DATA_E, 0, big + 900, 300);
    mpsctp_rcvinfo ri;
    size_t n = rx_read_msg(&x, out + got, sizeof(out) - got, sizeof(out), &ri);
    assert_int_equal(ri.sid, 0);
    assert_int_equal(got + n, sizeof(big));
    assert_memory_equal(out, big, sizeof(big));
    assert_int_equal(rx_read_msg(&x, out, sizeof(out), sizeof(out), &ri), sizeof(small));
    assert_int_equal(ri.sid, 1);
    assert_memory_equal(out, small, sizeof(small));
    assert_int_equal(reasm_held(&x.r), 0);
    rx_free(&x);
}

/* ---- reads, accounting, wrap, growth ---------------------------------------------- */

static void test_small_reads(void **state)
{
    (void)state;
    rx x;
    rx_init(&x, 1, 1, BIG_PD);
    uint8_t msg[37];
    fill(msg, sizeof(msg), 5);
    rx_add(&x, 1, 0, 0, SCTP_DATA_B, 0, msg, 10);
    rx_add(&x, 2, 0, 0, 0, 0, msg + 10, 1);
    rx_add(&x, 3, 0, 0, SCTP_DATA_E, 0, msg + 11, 26);
    rx_add(&x, 4, 0, 1, BE, 0, (const uint8_t *)"Z", 1);
    uint8_t out[37];
    for (size_t i = 0; i < sizeof(msg); i++) {
        int eor = -1;
        assert_int_equal(reasm_read(&x.r, out + i, 1, NULL, &eor), 1);
        assert_int_equal(eor, i + 1 == sizeof(msg));
        assert_int_equal(reasm_readable(&x.r), sizeof(msg) - i - 1 + 1);
    }
    assert_memory_equal(out, msg, sizeof(msg));
    /* Reads of 5 over the next message never cross into another one. */
    int eor = 0;
    assert_int_equal(reasm_read(&x.r, out, 5, NULL, &eor), 1);
    assert_int_equal(eor, 1);
    assert_int_equal(out[0], 'Z');
    assert_int_equal(reasm_held(&x.r), 0);
    expect_wouldblock(&x);
    rx_free(&x);
}

static void test_held_accounting(void **state)
{
    (void)state;
    rx x;
    rx_init(&x, 3, 1000, BIG_PD);
    uint8_t p[300];
    fill(p, sizeof(p), 0);
    /* Fragments in the ring, held ordered messages, unread messages: all counted. */
    rx_add(&x, 1001, 0, 0, SCTP_DATA_B, 0, p, 100);    /* ring: message incomplete */
    rx_add(&x, 1003, 1, 1, BE, 0, p, 7);               /* held: SSN 0 of stream 1 missing */
    rx_add(&x, 1004, 2, 0, BE | SCTP_DATA_U, 0, p, 1); /* unordered: readable at once */
    assert_int_equal(reasm_held(&x.r), x.expect_held);
    assert_int_equal(reasm_held(&x.r), 108 + 3 * REASM_CHUNK_OVERHEAD);
    assert_int_equal(reasm_readable(&x.r), 1);
    rx_add(&x, 1000, 1, 0, BE, 0, p, 50);
    rx_add(&x, 1002, 0, 0, SCTP_DATA_E, 0, p + 100, 200);
    assert_int_equal(reasm_held(&x.r), x.expect_held);
    assert_int_equal(reasm_readable(&x.r), 358);
    uint8_t out[400];
    uint64_t held = reasm_held(&x.r);
    size_t total = 0;
    for (int k = 0; k < 4; k++) {
        mpsctp_rcvinfo ri;
        size_t n = rx_read_msg(&x, out, sizeof(out), 64, &ri);
        total += n;
        assert_true(reasm_held(&x.r) < held);
        held = reasm_held(&x.r);
    }
    assert_int_equal(total, 358);
    assert_int_equal(reasm_held(&x.r), 0);
    assert_int_equal(reasm_readable(&x.r), 0);
    expect_wouldblock(&x);
    rx_free(&x);
}

static void test_tsn_wrap_ordered(void **state)
{
    (void)state;
    rx x;
    rx_init(&x, 1, 0xFFFFFFFDu, BIG_PD);
    /* SSN 0 in TSNs FFFFFFFD..FFFFFFFF, SSN 1 in 0..1, SSN 2 in 2; arrival reversed. */
    const char *parts[6] = {"A0", "A1", "A2", "B0", "B1", "C"};
    const uint8_t fl[6] = {SCTP_DATA_B, 0, SCTP_DATA_E, SCTP_DATA_B, SCTP_DATA_E, BE};
    const uint16_t ssn[6] = {0, 0, 0, 1, 1, 2};
    for (int i = 5; i >= 0; i--) {
        rx_add(&x, 0xFFFFFFFDu + (uint32_t)i, 0, ssn[i], fl[i], 0, (const uint8_t *)parts[i],
               strlen(parts[i]));
        if (i > 0) expect_wouldblock(&x);
    }
    assert_int_equal(x.m.cum, 2);
    uint8_t out[16];
    mpsctp_rcvinfo ri;
    assert_int_equal(rx_read_msg(&x, out, sizeof(out), 16, &ri), 6);
    assert_memory_equal(out, "A0A1A2", 6);
    assert_int_equal(ri.tsn, 0xFFFFFFFDu);
    assert_int_equal(rx_read_msg(&x, out, sizeof(out), 16, &ri), 4);
    assert_memory_equal(out, "B0B1", 4);
    assert_int_equal(ri.tsn, 0);
    assert_int_equal(rx_read_msg(&x, out, sizeof(out), 16, &ri), 1);
    assert_memory_equal(out, "C", 1);
    assert_int_equal(ri.ssn, 2);
    assert_int_equal(reasm_held(&x.r), 0);
    rx_free(&x);
}

static void test_ring_growth_large_message(void **state)
{
    (void)state;
    /* 600 fragments whose first arrives last: the ring must grow past 256 slots, across
     * the TSN wrap. */
    const uint32_t n = 600, itsn = 0xFFFFFF00u;
    rx x;
    rx_init(&x, 1, itsn, BIG_PD);
    uint8_t *msg = malloc(n * 3);
    assert_non_null(msg);
    fill(msg, n * 3, 17);
    for (uint32_t i = 1; i < n; i++) {
        uint8_t fl = i == n - 1 ? SCTP_DATA_E : 0;
        rx_add(&x, itsn + i, 0, 0, fl, 0, msg + 3 * i, 3);
    }
    expect_wouldblock(&x);
    rx_add(&x, itsn, 0, 0, SCTP_DATA_B, 0, msg, 3);
    assert_int_equal(reasm_readable(&x.r), n * 3);
    uint8_t *out = malloc(n * 3);
    assert_non_null(out);
    mpsctp_rcvinfo ri;
    assert_int_equal(rx_read_msg(&x, out, n * 3, 1000, &ri), n * 3);
    assert_memory_equal(out, msg, n * 3);
    assert_int_equal(ri.tsn, itsn);
    assert_int_equal(reasm_held(&x.r), 0);
    /* The ring keeps working after growth. */
    rx_add(&x, itsn + n, 0, 1, BE, 0, (const uint8_t *)"k", 1);
    assert_int_equal(rx_read_msg(&x, out, n * 3, 10, &ri), 1);
    assert_int_equal(ri.ssn, 1);
    free(msg);
    free(out);
    rx_free(&x);
}

static void test_many_messages_stream_of_chunks(void **state)
{
    (void)state;
    /* 2000 two-fragment messages over 3 streams, delivered pairwise swapped: checks long
     * runs of base movement and ring reuse. */
    rx x;
    rx_init(&x, 3, 77, BIG_PD);
    uint16_t next_ssn[3] = {0, 0, 0};
    uint32_t tsn = 77;
    for (uint32_t k = 0; k < 2000; k++) {
        uint16_t sid = (uint16_t)(k % 3);
        uint8_t a[2] = {(uint8_t)k, (uint8_t)(k >> 8)};
        uint8_t b[1] = {(uint8_t)(k * 7)};
        rx_add(&x, tsn + 1, sid, next_ssn[sid], SCTP_DATA_E, k, b, 1);
        rx_add(&x, tsn, sid, next_ssn[sid], SCTP_DATA_B, k, a, 2);
        uint8_t out[8];
        mpsctp_rcvinfo ri;
        assert_int_equal(rx_read_msg(&x, out, sizeof(out), 8, &ri), 3);
        assert_int_equal(ri.ppid, k);
        assert_int_equal(ri.sid, sid);
        assert_int_equal(ri.ssn, next_ssn[sid]);
        assert_int_equal(out[0], a[0]);
        assert_int_equal(out[1], a[1]);
        assert_int_equal(out[2], b[0]);
        next_ssn[sid]++;
        tsn += 2;
    }
    assert_int_equal(reasm_held(&x.r), 0);
    rx_free(&x);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_empty_wouldblock),
        cmocka_unit_test(test_single_fragment_messages),
        cmocka_unit_test(test_multi_fragment_in_order),
        cmocka_unit_test(test_all_permutations_4_fragments),
        cmocka_unit_test(test_ordered_holds_across_streams),
        cmocka_unit_test(test_ordered_many_held_reverse),
        cmocka_unit_test(test_ordered_many_held_linear),
        cmocka_unit_test(test_unordered_bypasses_order),
        cmocka_unit_test(test_partial_delivery),
        cmocka_unit_test(test_partial_delivery_started_before_end),
        cmocka_unit_test(test_next_len),
        cmocka_unit_test(test_partial_delivery_byte_by_byte),
        cmocka_unit_test(test_partial_delivery_no_interleave),
        cmocka_unit_test(test_small_reads),
        cmocka_unit_test(test_held_accounting),
        cmocka_unit_test(test_tsn_wrap_ordered),
        cmocka_unit_test(test_ring_growth_large_message),
        cmocka_unit_test(test_many_messages_stream_of_chunks),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
