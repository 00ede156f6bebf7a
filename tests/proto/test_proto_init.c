/* INIT validation at a listening endpoint (RFC 9260 s3.3.2, s3.3.2.1, s3.2.1, s3.2.2):
 * Initiate Tag 0, OS or MIS 0, host name addresses, unknown parameters by upper bits. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "pair.h"

static mpsctp_addr from_addr(void)
{
    mpsctp_addr a;
    mpsctp_addr_v4(&a, 0x0a000009u, PAIR_UDP);
    return a;
}

typedef struct param {
    uint16_t type;
    const void *v;
    size_t n;
} param;

/* Injects an INIT into B with the given fields and params; returns the packets B sent. */
static size_t send_init(pair *p, uint32_t tag, uint16_t os, uint16_t mis, const param *ps,
                        size_t np, pair_pkt **out, size_t max)
{
    uint8_t b[1500];
    wbuf w;
    wbuf_init(&w, b, sizeof(b));
    codec_common_encode(&w, 7000, PAIR_PORT_B, 0);
    size_t off = codec_init_begin(&w, SCTP_INIT, tag, 65536, os, mis, 77);
    for (size_t i = 0; i < np; i++)
        codec_param_put(&w, ps[i].type, ps[i].v, ps[i].n);
    codec_chunk_end(&w, off);
    mpsctp_addr f = from_addr();
    pair_inject(p, PAIR_B, b, w.len, &f);
    return pair_take(p, PAIR_B, out, max);
}

/* Checks that out is one ABORT to the INIT's tag, T clear, with cause `cause`. */
static void expect_abort(pair *p, size_t no, pair_pkt **out, uint32_t tag, uint16_t cause,
                         const char *what)
{
    sctp_tlv c;
    P_CHECK(p, no == 1 && pair_find_chunk(out[0]->data, out[0]->len, SCTP_ABORT, &c),
            "%s: %zu packets, no ABORT", what, no);
    P_CHECK(p, pair_pkt_vtag(out[0]) == tag && !(c.flags & SCTP_FLAG_T),
            "%s: ABORT must carry the Initiate Tag with T clear (tag %08x flags %02x)", what,
            pair_pkt_vtag(out[0]), c.flags);
    P_CHECK(p, pair_find_param(&c, 0, cause, NULL), "%s: ABORT without cause %u", what, cause);
}

static void test_init_tag_zero(void **state)
{
    (void)state;
    pair p;
    pair_init(&p, 81, NULL, NULL);
    pair_pkt *out[4];
    size_t no = send_init(&p, 0, 10, 10, NULL, 0, out, 4);
    P_CHECK(&p, no == 0, "INIT with Initiate Tag 0 answered (%zu packets)", no);
    P_CHECK(&p, p.s[PAIR_B].nev == 0 &&
                    mpsctp_endpoint_deadline(p.s[PAIR_B].ep) == MPSCTP_TSTAMP_NEVER,
            "state created");
    no = send_init(&p, 0x1111u, 10, 10, NULL, 0, out, 4);
    P_CHECK(&p, no == 1 && pair_find_chunk(out[0]->data, out[0]->len, SCTP_INIT_ACK, NULL),
            "valid INIT not answered");
    pair_free(&p);
}

static void test_init_zero_streams(void **state)
{
    (void)state;
    pair p;
    pair_init(&p, 82, NULL, NULL);
    pair_pkt *out[4];
    size_t no = send_init(&p, 0x2222u, 0, 10, NULL, 0, out, 4);
    expect_abort(&p, no, out, 0x2222u, SCTP_CAUSE_INVALID_PARAM, "OS 0");
    no = send_init(&p, 0x3333u, 10, 0, NULL, 0, out, 4);
    expect_abort(&p, no, out, 0x3333u, SCTP_CAUSE_INVALID_PARAM, "MIS 0");
    P_CHECK(&p, p.s[PAIR_B].nev == 0 &&
                    mpsctp_endpoint_deadline(p.s[PAIR_B].ep) == MPSCTP_TSTAMP_NEVER,
            "state created");
    pair_free(&p);
}

/* An INIT with OS 0 from the peer of an existing association does not disturb it. */
static void test_init_zero_streams_existing(void **state)
{
    (void)state;
    pair p;
    pair_init(&p, 83, NULL, NULL);
    P_CHECK(&p, pair_connect(&p, PAIR_A) != NULL, "connect");
    P_CHECK(&p, pair_pump_until(&p, SEC(5), pair_cond_up, NULL), "no handshake");
    mpsctp_assoc *b = p.s[PAIR_B].assoc;
    mpsctp_assoc_status before = pair_status(b);
    uint8_t buf[256];
    wbuf w;
    wbuf_init(&w, buf, sizeof(buf));
    codec_common_encode(&w, PAIR_PORT_A, PAIR_PORT_B, 0);
    size_t off = codec_init_begin(&w, SCTP_INIT, 0x4444u, 65536, 0, 10, 5);
    codec_chunk_end(&w, off);
    pair_inject(&p, PAIR_B, buf, w.len, NULL);
    pair_pkt *out[4];
    pair_take(&p, PAIR_B, out, 4);
    mpsctp_assoc_status after = pair_status(b);
    P_CHECK(&p, after.state == MPSCTP_ESTABLISHED && after.local_vtag == before.local_vtag &&
                    after.peer_vtag == before.peer_vtag,
            "existing association changed by an INIT with OS 0");
    pair_pump(&p, SEC(1));
    P_CHECK(&p, pair_status(p.s[PAIR_A].assoc).state == MPSCTP_ESTABLISHED, "A hurt");
    pair_free(&p);
}

static void test_init_host_name(void **state)
{
    (void)state;
    pair p;
    pair_init(&p, 84, NULL, NULL);
    static const char host[] = "peer.example.org";
    param ps[] = {{SCTP_P_HOST_NAME, host, sizeof(host)}};
    pair_pkt *out[4];
    size_t no = send_init(&p, 0x5555u, 10, 10, ps, 1, out, 4);
    expect_abort(&p, no, out, 0x5555u, SCTP_CAUSE_UNRESOLVABLE_ADDR, "host name");
    /* The cause carries the offending parameter. */
    sctp_tlv c, cause;
    pair_find_chunk(out[0]->data, out[0]->len, SCTP_ABORT, &c);
    pair_find_param(&c, 0, SCTP_CAUSE_UNRESOLVABLE_ADDR, &cause);
    P_CHECK(&p, cause.vlen >= 4 + sizeof(host) && get16(cause.value) == SCTP_P_HOST_NAME &&
                    get16(cause.value + 2) == 4 + sizeof(host) &&
                    memcmp(cause.value + 4, host, sizeof(host)) == 0,
            "Unresolvable Address cause does not hold the host name parameter");
    pair_free(&p);
}

/* Collects the types of the parameters reported in Unrecognized Parameter params of an
 * INIT ACK. */
static int reported(const sctp_tlv *ack, uint16_t *types, int max)
{
    int n = 0;
    const uint8_t *q = ack->value + 16, *end = ack->value + ack->vlen;
    while (q < end) {
        sctp_tlv t;
        if (codec_param_decode(&q, end, &t))
            break;
        if (t.type == SCTP_P_UNRECOGNIZED && t.vlen >= 4 && n < max)
            types[n++] = get16(t.value);
    }
    return n;
}

static int has(const uint16_t *t, int n, uint16_t v)
{
    for (int i = 0; i < n; i++)
        if (t[i] == v)
            return 1;
    return 0;
}

static void test_init_unknown_params(void **state)
{
    (void)state;
    /* RFC 9260 s3.2.1: 00 stop, 01 stop and report, 10 skip, 11 skip and report. A second
     * unknown "11" parameter follows the first: it is reached only when processing goes
     * on. Reports go back in the INIT ACK (s3.2.2). */
    const uint16_t first[4] = {0x0123, 0x4123, 0x8123, 0xC124};
    const uint16_t trailing = 0xC123;
    const int report_first[4] = {0, 1, 0, 1};
    const int reach_trailing[4] = {0, 0, 1, 1};
    for (int v = 0; v < 4; v++) {
        pair p;
        pair_init(&p, 85 + (uint64_t)v, NULL, NULL);
        uint8_t val[4] = {1, 2, 3, 4};
        param ps[] = {{first[v], val, 4}, {trailing, val, 2}};
        pair_pkt *out[4];
        size_t no = send_init(&p, 0x6600u + (uint32_t)v, 10, 10, ps, 2, out, 4);
        sctp_tlv ack;
        P_CHECK(&p, no == 1 && pair_find_chunk(out[0]->data, out[0]->len, SCTP_INIT_ACK, &ack),
                "param %04x: no INIT ACK (%zu packets)", first[v], no);
        P_CHECK(&p, pair_find_param(&ack, 16, SCTP_P_STATE_COOKIE, NULL),
                "param %04x: INIT ACK without a cookie", first[v]);
        uint16_t types[8];
        int n = reported(&ack, types, 8);
        P_CHECK(&p, has(types, n, first[v]) == report_first[v],
                "param %04x: reported %d, expected %d", first[v], has(types, n, first[v]),
                report_first[v]);
        P_CHECK(&p, has(types, n, trailing) == reach_trailing[v],
                "param %04x: trailing %04x reported %d, expected %d", first[v], trailing,
                has(types, n, trailing), reach_trailing[v]);
        /* The Unrecognized Parameter holds the whole parameter as received. */
        if (report_first[v]) {
            sctp_tlv up;
            pair_find_param(&ack, 16, SCTP_P_UNRECOGNIZED, &up);
            P_CHECK(&p, up.vlen == 8 && get16(up.value + 2) == 8 && memcmp(up.value + 4, val, 4) == 0,
                    "param %04x: reported parameter mangled", first[v]);
        }
        pair_free(&p);
    }
}

/* RFC 9260 s1.5.2: two endpoints share at most one association. A second connect to a
 * peer address the endpoint already has an association with is refused (it would reach
 * the peer as a restart of the first and tear it down); once the first is gone it works. */
static void test_second_association_refused(void **state)
{
    (void)state;
    pair p;
    pair_init(&p, 3, NULL, NULL);
    mpsctp_assoc *a = pair_connect(&p, PAIR_A);
    assert_true(pair_pump_until(&p, SEC(5), pair_cond_up, NULL));
    mpsctp_addr b;
    mpsctp_addr_v4(&b, PAIR_IP_B, PAIR_UDP);
    mpsctp_assoc *second = NULL;
    assert_int_equal(mpsctp_endpoint_connect(p.s[PAIR_A].ep, &b, 1, PAIR_PORT_B, p.now, &second),
                     MPSCTP_ERR_STATE);
    assert_null(second);
    /* Another address list that includes B's address: refused too. */
    mpsctp_addr two[2];
    mpsctp_addr_v4(&two[0], 0x0a000009u, PAIR_UDP);
    two[1] = b;
    assert_int_equal(mpsctp_endpoint_connect(p.s[PAIR_A].ep, two, 2, PAIR_PORT_B, p.now, &second),
                     MPSCTP_ERR_STATE);
    pair_pump(&p, SEC(1));
    assert_int_equal(pair_status(a).state, MPSCTP_ESTABLISHED);
    assert_int_equal(pair_status(p.s[PAIR_B].assoc).state, MPSCTP_ESTABLISHED);
    assert_int_equal(pair_count_ev(&p, PAIR_B, MPSCTP_EV_ASSOC_CHANGE, MPSCTP_RESTART), 0);
    /* Another SCTP port of the same host is another endpoint: allowed. */
    assert_int_equal(mpsctp_endpoint_connect(p.s[PAIR_A].ep, &b, 1, 7777, p.now, &second), 0);
    mpsctp_assoc_free(second);
    pair_free(&p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_init_tag_zero),
        cmocka_unit_test(test_init_zero_streams),
        cmocka_unit_test(test_init_zero_streams_existing),
        cmocka_unit_test(test_init_host_name),
        cmocka_unit_test(test_init_unknown_params),
        cmocka_unit_test(test_second_association_refused),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
