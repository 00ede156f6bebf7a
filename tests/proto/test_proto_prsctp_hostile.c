/* FORWARD TSN from a scripted peer (RFC 3758 s3.6): skipping lost fragments and ordered
 * messages, an aborted partial delivery, and hostile forms: malformed lengths, a
 * cumulative TSN beyond anything the peer can have sent, an old one, stream ids beyond
 * the inbound streams, and the chunk on an association that did not negotiate PR-SCTP. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "pair.h"

#define OS 10
#define MIS 10

/* Wire log entries already looked at. */
static size_t seen;

static void rig(pair *p, pair_fake *f, int pr, const mpsctp_settings *sb)
{
    pair_init(p, 40, NULL, sb);
    assert_int_equal(pair_fake_connect_opts(p, f, PAIR_IP_FAKE, OS, MIS, NULL, 0,
                                            pr ? PAIR_FAKE_PR : 0),
                     0);
    assert_int_equal(mpsctp_assoc_pr_sctp(f->assoc), pr ? 1 : 0);
    pair_flush(p);
    seen = p->nwire;
}

/* One DATA chunk with flags (B/E/U) from the fake. */
static void data(pair *p, const pair_fake *f, uint8_t flags, uint32_t tsn, uint16_t sid,
                 uint16_t ssn, uint32_t ppid, size_t len)
{
    uint8_t v[2048 + 12];
    assert_true(len <= 2048);
    put32(v, tsn);
    put16(v + 4, sid);
    put16(v + 6, ssn);
    memcpy(v + 8, &ppid, 4); /* the reader reports the PPID as on the wire */
    for (size_t i = 0; i < len; i++)
        v[12 + i] = pair_pattern(ppid, sid, i);
    assert_int_equal(pair_fake_chunk(p, f, NULL, SCTP_DATA, flags, v, 12 + len), 0);
}

/* A FORWARD TSN from the fake with n (sid, ssn) pairs. */
static void fwd(pair *p, const pair_fake *f, uint32_t cum, const uint16_t (*pairs)[2],
                size_t n)
{
    uint8_t v[4 + 4 * 16];
    assert_true(n <= 16);
    put32(v, cum);
    for (size_t i = 0; i < n; i++) {
        put16(v + 4 + 4 * i, pairs[i][0]);
        put16(v + 6 + 4 * i, pairs[i][1]);
    }
    assert_int_equal(pair_fake_chunk(p, f, NULL, SCTP_FORWARD_TSN, 0, v, 4 + 4 * n), 0);
}


/* Lets B send and read, then looks at what B sent since the last call: returns the
 * cumulative TSN of the last SACK/NR-SACK (and *nsack the number of them), *abort set
 * when an ABORT went out, *err the cause of an ERROR. */
static uint32_t b_out(pair *p, int *nsack, int *abort, uint16_t *err)
{
    pair_read(p, PAIR_B);
    pair_flush(p);
    uint32_t cum = 0;
    *nsack = 0;
    *abort = 0;
    if (err)
        *err = 0;
    for (size_t i = seen; i < p->nwire; i++) {
        pair_pkt **k = p->wire;
        if (k[i]->from != PAIR_B)
            continue;
        sctp_tlv c[16];
        int nc = pair_chunks(k[i]->data, k[i]->len, c, 16);
        for (int j = 0; j < nc; j++) {
            if (c[j].type == SCTP_SACK || c[j].type == SCTP_NR_SACK) {
                cum = get32(c[j].value);
                (*nsack)++;
            } else if (c[j].type == SCTP_ABORT) {
                *abort = 1;
            } else if (c[j].type == SCTP_ERROR && err && c[j].vlen >= 4) {
                *err = get16(c[j].value);
            }
        }
    }
    seen = p->nwire;
    return cum;
}

/* Reads B's messages: returns how many, the ppids in out. */
static size_t b_read(pair *p, uint32_t *out, size_t max)
{
    (void)max;
    size_t n = p->s[PAIR_B].nmsg;
    for (size_t i = 0; i < n && i < max; i++)
        out[i] = p->s[PAIR_B].msg[i].ppid;
    return n;
}

static void test_skip_fragments_and_ssn(void **state)
{
    (void)state;
    pair p;
    pair_fake f;
    rig(&p, &f, 1, NULL);
    uint32_t t = f.next_tsn;
    /* stream 1: message SSN 0 in two fragments, the second lost; SSN 1 complete waits
     * behind it; stream 2: SSN 0 lost entirely, SSN 1 complete waits. */
    data(&p, &f, SCTP_DATA_B, t, 1, 0, 100, 500);
    data(&p, &f, SCTP_DATA_B | SCTP_DATA_E, t + 2, 1, 1, 101, 300);
    data(&p, &f, SCTP_DATA_B | SCTP_DATA_E, t + 4, 2, 1, 201, 200);
    pair_read(&p, PAIR_B);
    uint32_t got[8];
    assert_int_equal(b_read(&p, got, 8), 0);
    int nsack, ab;
    b_out(&p, &nsack, &ab, NULL);
    /* t+1 (rest of stream 1 SSN 0) and t+3 (stream 2 SSN 0) were abandoned. */
    const uint16_t pr[2][2] = {{1, 0}, {2, 0}};
    fwd(&p, &f, t + 3, pr, 2);
    pair_read(&p, PAIR_B);
    uint32_t cum = b_out(&p, &nsack, &ab, NULL);
    assert_false(ab);
    assert_true(nsack >= 1);
    assert_int_equal(cum, t + 4); /* t+4 had arrived: the cum ack moves over it too */
    size_t n = b_read(&p, got, 8);
    assert_int_equal(n, 2);
    assert_int_equal(got[0], 101);
    assert_int_equal(got[1], 201);
    /* The streams go on in order. */
    data(&p, &f, SCTP_DATA_B | SCTP_DATA_E, t + 5, 1, 2, 102, 100);
    data(&p, &f, SCTP_DATA_B | SCTP_DATA_E, t + 6, 2, 2, 202, 100);
    pair_read(&p, PAIR_B);
    n = b_read(&p, got, 8);
    assert_int_equal(n, 4);
    assert_int_equal(got[2], 102);
    assert_int_equal(got[3], 202);
    mpsctp_assoc_status st = pair_status(f.assoc);
    assert_int_equal(st.state, MPSCTP_ESTABLISHED);
    pair_free(&p);
}

static void test_pd_aborted(void **state)
{
    (void)state;
    pair p;
    pair_fake f;
    mpsctp_settings sb;
    pair_settings(&sb, PAIR_B);
    sb.pd_point = 1000;
    rig(&p, &f, 1, &sb);
    uint32_t t = f.next_tsn;
    /* A large message on stream 3: two fragments arrive (partial delivery starts), the
     * rest never will. */
    data(&p, &f, SCTP_DATA_B, t, 3, 0, 300, 1200);
    data(&p, &f, 0, t + 1, 3, 0, 300, 1200);
    pair_read(&p, PAIR_B);
    assert_int_equal(pair_count_ev(&p, PAIR_B, MPSCTP_EV_PARTIAL_DELIVERY, -1), 0);
    const uint16_t pr[1][2] = {{3, 0}};
    fwd(&p, &f, t + 3, pr, 1);
    pair_read(&p, PAIR_B);
    const pair_ev *e = pair_find_ev(&p, PAIR_B, MPSCTP_EV_PARTIAL_DELIVERY, MPSCTP_PD_ABORTED);
    assert_non_null(e);
    assert_int_equal(e->ev.sid, 3);
    assert_int_equal(e->ev.ssn, 0);
    /* The next message of the stream is delivered whole, on its own. */
    data(&p, &f, SCTP_DATA_B | SCTP_DATA_E, t + 4, 3, 1, 301, 100);
    pair_read(&p, PAIR_B);
    const pair_side *b = &p.s[PAIR_B];
    assert_true(b->nmsg >= 1);
    const pair_msg *m = &b->msg[b->nmsg - 1];
    assert_int_equal(m->ppid, 301);
    assert_int_equal(m->len, 100);
    for (size_t i = 0; i < m->len; i++)
        assert_int_equal(b->rx[m->off + i], pair_pattern(301, 3, i));
    assert_int_equal(pair_status(f.assoc).state, MPSCTP_ESTABLISHED);
    pair_free(&p);
}

static void test_old_and_unknown_streams(void **state)
{
    (void)state;
    pair p;
    pair_fake f;
    rig(&p, &f, 1, NULL);
    uint32_t t = f.next_tsn;
    data(&p, &f, SCTP_DATA_B | SCTP_DATA_E, t, 0, 0, 1, 100);
    pair_read(&p, PAIR_B);
    int nsack, ab;
    b_out(&p, &nsack, &ab, NULL);
    /* Old: at the cumulative TSN. Answered by a SACK, nothing changes. */
    fwd(&p, &f, t, NULL, 0);
    pair_read(&p, PAIR_B);
    uint32_t cum = b_out(&p, &nsack, &ab, NULL);
    assert_false(ab);
    assert_int_equal(nsack, 1);
    assert_int_equal(cum, t);
    fwd(&p, &f, t - 100, NULL, 0);
    pair_read(&p, PAIR_B);
    cum = b_out(&p, &nsack, &ab, NULL);
    assert_int_equal(nsack, 1);
    assert_int_equal(cum, t);
    /* Streams beyond the inbound ones (and many pairs) are ignored. */
    const uint16_t pr[4][2] = {{MIS, 5}, {500, 7}, {0xFFFF, 0xFFFF}, {0, 0}};
    fwd(&p, &f, t + 2, pr, 4);
    pair_read(&p, PAIR_B);
    cum = b_out(&p, &nsack, &ab, NULL);
    assert_false(ab);
    assert_int_equal(cum, t + 2);
    data(&p, &f, SCTP_DATA_B | SCTP_DATA_E, t + 3, 0, 1, 2, 100);
    pair_read(&p, PAIR_B);
    assert_int_equal(p.s[PAIR_B].nmsg, 2);
    /* A jump beyond the TSN window but within the receive buffer is accepted. */
    fwd(&p, &f, t + 3 + 100000, NULL, 0);
    pair_read(&p, PAIR_B);
    cum = b_out(&p, &nsack, &ab, NULL);
    assert_false(ab);
    assert_int_equal(cum, t + 3 + 100000);
    data(&p, &f, SCTP_DATA_B | SCTP_DATA_E | SCTP_DATA_U, t + 100004, 4, 0, 3, 100);
    pair_read(&p, PAIR_B);
    assert_int_equal(p.s[PAIR_B].nmsg, 3);
    assert_int_equal(pair_status(f.assoc).state, MPSCTP_ESTABLISHED);
    pair_free(&p);
}

/* Each hostile form ends the association with an ABORT (protocol violation). */
static void hostile_abort(const uint8_t *v, size_t vlen, int first_data)
{
    pair p;
    pair_fake f;
    rig(&p, &f, 1, NULL);
    if (first_data) {
        /* Fragments held for reassembly are freed with the association (ASan checks). */
        data(&p, &f, SCTP_DATA_B, f.next_tsn, 1, 0, 7, 900);
        data(&p, &f, SCTP_DATA_B | SCTP_DATA_E, f.next_tsn + 2, 1, 1, 8, 900);
        pair_read(&p, PAIR_B);
        int ns, ab;
        b_out(&p, &ns, &ab, NULL);
    }
    assert_int_equal(pair_fake_chunk(&p, &f, NULL, SCTP_FORWARD_TSN, 0, v, vlen), 0);
    pair_read(&p, PAIR_B);
    int nsack, ab;
    b_out(&p, &nsack, &ab, NULL);
    assert_true(ab);
    assert_int_equal(pair_status(f.assoc).state, MPSCTP_CLOSED);
    pair_free(&p);
}

static void test_malformed(void **state)
{
    (void)state;
    uint8_t v[16] = {0};
    hostile_abort(v, 2, 0); /* too short for the cumulative TSN */
    hostile_abort(v, 0, 1);
    hostile_abort(v, 5, 1); /* a pair cut short */
    hostile_abort(v, 10, 0);
}

static void test_out_of_window(void **state)
{
    (void)state;
    pair p;
    pair_fake f;
    rig(&p, &f, 1, NULL);
    uint8_t v[4];
    /* Past the receive buffer (1 MiB) and the TSN window from the cumulative TSN. */
    put32(v, f.next_tsn - 1 + (1u << 21));
    pair_free(&p);
    hostile_abort(v, 4, 1);
    /* Serially behind (more than 2^31 ahead): old, ignored with a SACK. */
    rig(&p, &f, 1, NULL);
    put32(v, f.next_tsn - 1 + 0x80000001u);
    assert_int_equal(pair_fake_chunk(&p, &f, NULL, SCTP_FORWARD_TSN, 0, v, 4), 0);
    pair_read(&p, PAIR_B);
    int nsack, ab;
    uint32_t cum = b_out(&p, &nsack, &ab, NULL);
    assert_false(ab);
    assert_int_equal(nsack, 1);
    assert_int_equal(cum, f.next_tsn - 1);
    pair_free(&p);
}

/* Without PR-SCTP negotiated, FORWARD TSN is an unknown chunk (upper bits 11): reported
 * with Unrecognized Chunk Type, skipped, and the rest of the packet processed. */
static void test_unnegotiated(void **state)
{
    (void)state;
    pair p;
    pair_fake f;
    rig(&p, &f, 0, NULL);
    uint8_t b[256];
    wbuf w;
    wbuf_init(&w, b, sizeof(b));
    codec_common_encode(&w, f.port, PAIR_PORT_B, f.peer_tag);
    uint16_t sid = 0, ssn = 0;
    codec_fwdtsn_encode(&w, f.next_tsn + 10, &sid, &ssn, 1);
    uint8_t payload[10] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10};
    codec_data_encode(&w, SCTP_DATA_B | SCTP_DATA_E, f.next_tsn, 0, 0, 42, payload, 10);
    assert_false(w.err);
    assert_int_equal(pair_inject(&p, PAIR_B, b, w.len, NULL), 0);
    pair_read(&p, PAIR_B);
    int nsack, ab;
    uint16_t err;
    b_out(&p, &nsack, &ab, &err);
    assert_false(ab);
    assert_int_equal(err, SCTP_CAUSE_UNRECOGNIZED_CHUNK);
    pair_pump(&p, MS(500)); /* the delayed SACK */
    uint32_t cum = b_out(&p, &nsack, &ab, NULL);
    assert_true(nsack >= 1);
    assert_int_equal(cum, f.next_tsn); /* the DATA after it counted, nothing skipped */
    assert_int_equal(p.s[PAIR_B].nmsg, 1);
    assert_int_equal(pair_status(f.assoc).state, MPSCTP_ESTABLISHED);
    pair_free(&p);
}

/* Many pairs on the same stream and many streams: bounded work, nothing held. */
static void test_many_pairs(void **state)
{
    (void)state;
    pair p;
    pair_fake f;
    rig(&p, &f, 1, NULL);
    uint32_t t = f.next_tsn;
    for (uint16_t s = 0; s < 8; s++)
        data(&p, &f, SCTP_DATA_B | SCTP_DATA_E, t + 1 + s, 1, (uint16_t)(s + 1), s, 50);
    pair_read(&p, PAIR_B);
    uint8_t v[4 + 4 * 1000];
    put32(v, t + 20);
    for (int i = 0; i < 1000; i++) {
        put16(v + 4 + 4 * i, (uint16_t)(i % 12));
        put16(v + 6 + 4 * i, (uint16_t)(i * 977));
    }
    assert_int_equal(pair_fake_chunk(&p, &f, NULL, SCTP_FORWARD_TSN, 0, v, sizeof(v)), 0);
    pair_read(&p, PAIR_B);
    int nsack, ab;
    uint32_t cum = b_out(&p, &nsack, &ab, NULL);
    assert_false(ab);
    assert_int_equal(cum, t + 20);
    /* The waiting messages of stream 1 (SSN 1..8) came out in order. */
    assert_int_equal(p.s[PAIR_B].nmsg, 8);
    for (size_t i = 0; i < 8; i++)
        assert_int_equal(p.s[PAIR_B].msg[i].ppid, i);
    pair_free(&p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_skip_fragments_and_ssn),
        cmocka_unit_test(test_pd_aborted),
        cmocka_unit_test(test_old_and_unknown_streams),
        cmocka_unit_test(test_malformed),
        cmocka_unit_test(test_out_of_window),
        cmocka_unit_test(test_unnegotiated),
        cmocka_unit_test(test_many_pairs),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
