/* Stream reconfiguration (RFC 6525) against a hostile peer: crafted RE-CONFIG chunks
 * with bad parameter lengths, unknown or too many parameters, stream ids out of range,
 * wrong request sequence numbers, an unnegotiated RE-CONFIG, and floods of requests
 * against the stream, state and event bounds (docs/api.md "Memory bounds"). Everything
 * must get the RFC answer or be dropped, never crash or leak (the sanitizer build runs
 * this too). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "crc32c.h"
#include "pair.h"
#include "reconf.h"

typedef struct hctx {
    pair p;
    uint32_t seq; /* the request sequence number B expects from A next */
    uint32_t b_vtag;
} hctx;

static void h_up(hctx *h, uint64_t seed, uint8_t enable_b, uint8_t reconf_b)
{
    mpsctp_settings b;
    pair_settings(&b, PAIR_B);
    b.reconf_enable = enable_b;
    b.reconf = reconf_b;
    pair_init(&h->p, seed, NULL, &b);
    pair *p = &h->p;
    P_CHECK(p, pair_connect(p, PAIR_A) != NULL, "connect");
    P_CHECK(p, pair_pump_until(p, SEC(5), pair_cond_up, NULL), "no handshake");
    pair_pump(p, MS(100));
    /* B numbers A's requests from A's initial TSN (RFC 6525 s5.1.1). */
    pair_pkt *k = pair_wire_nth(p, PAIR_A, SCTP_INIT, 0, 0);
    sctp_tlv c;
    sctp_init in;
    P_CHECK(p, k && pair_find_chunk(k->data, k->len, SCTP_INIT, &c) && !codec_init_decode(&c, &in),
            "no INIT");
    h->seq = in.init_tsn;
    h->b_vtag = pair_status(p->s[PAIR_B].assoc).local_vtag;
}

/* Injects a packet from A to B holding the RE-CONFIG chunk whose value is v[0..n) and
 * returns the result of the first Re-configuration Response B sends back (-1: no
 * RE-CONFIG at all; -2: only requests of B's own). *seq_out gets its sequence number. */
static long inject(hctx *h, const uint8_t *v, size_t n, uint32_t *seq_out)
{
    pair *p = &h->p;
    uint8_t *buf = malloc(n + 64);
    wbuf w;
    wbuf_init(&w, buf, n + 64);
    codec_common_encode(&w, PAIR_PORT_A, PAIR_PORT_B, h->b_vtag);
    size_t off = codec_chunk_begin(&w, SCTP_RECONFIG, 0);
    wbuf_put(&w, v, n);
    codec_chunk_end(&w, off);
    pair_inject(p, PAIR_B, buf, w.len, NULL);
    free(buf);
    pair_pkt *out[8];
    size_t no = pair_take(p, PAIR_B, out, 8);
    long r = -1;
    for (size_t i = 0; i < no; i++) {
        sctp_tlv cs[16], rp;
        int nc = pair_chunks(out[i]->data, out[i]->len, cs, 16);
        for (int j = 0; j < nc; j++) {
            if (cs[j].type != SCTP_RECONFIG)
                continue;
            if (pair_find_param(&cs[j], 0, SCTP_P_RECONF_RESPONSE, &rp) && rp.vlen >= 8) {
                if (seq_out)
                    *seq_out = get32(rp.value);
                return get32(rp.value + 4);
            }
            r = -2;
        }
    }
    return r;
}

/* Writes a parameter header (type, len) and returns 4. */
static size_t ph(uint8_t *b, uint16_t type, uint16_t len)
{
    put16(b, type);
    put16(b + 2, len);
    return 4;
}

static size_t add_param(uint8_t *b, uint16_t type, uint32_t seq, uint16_t n)
{
    ph(b, type, 12);
    put32(b + 4, seq);
    put16(b + 8, n);
    put16(b + 10, 0);
    return 12;
}

static void test_malformed(void **state)
{
    (void)state;
    hctx h;
    h_up(&h, 21, MPSCTP_RECONF_ENABLE_MASK, 1);
    pair *p = &h.p;
    mpsctp_assoc *b = p->s[PAIR_B].assoc;
    uint8_t v[64];
    memset(v, 0, sizeof(v));
    /* Outgoing SSN Reset with half a stream number: dropped, no answer. */
    ph(v, SCTP_P_RECONF_OUT_RESET, 17);
    put32(v + 4, h.seq);
    P_CHECK(p, inject(&h, v, 20, NULL) == -1, "odd list length answered");
    /* Shorter than its fixed part. */
    ph(v, SCTP_P_RECONF_OUT_RESET, 12);
    P_CHECK(p, inject(&h, v, 12, NULL) == -1, "short request answered");
    /* Add Outgoing Streams of the wrong length. */
    ph(v, SCTP_P_RECONF_ADD_OUT, 16);
    P_CHECK(p, inject(&h, v, 16, NULL) == -1, "long add answered");
    /* A response of 13 bytes. */
    ph(v, SCTP_P_RECONF_RESPONSE, 13);
    P_CHECK(p, inject(&h, v, 16, NULL) == -1, "bad response answered");
    /* A parameter length past the chunk. */
    ph(v, SCTP_P_RECONF_ADD_OUT, 60);
    P_CHECK(p, inject(&h, v, 12, NULL) == -1, "overlong parameter answered");
    /* Unknown parameter type, alone or after a valid request: the chunk is dropped. */
    ph(v, 0x8099, 8);
    P_CHECK(p, inject(&h, v, 8, NULL) == -1, "unknown parameter answered");
    size_t n = add_param(v, SCTP_P_RECONF_ADD_OUT, h.seq, 1);
    n += ph(v + n, 0x0099, 4);
    P_CHECK(p, inject(&h, v, n, NULL) == -1, "chunk with unknown parameter carried out");
    /* Three parameters: dropped whole. */
    n = add_param(v, SCTP_P_RECONF_ADD_OUT, h.seq, 1);
    n += add_param(v + n, SCTP_P_RECONF_ADD_IN, h.seq + 1, 1);
    n += add_param(v + n, SCTP_P_RECONF_ADD_IN, h.seq + 2, 1);
    P_CHECK(p, inject(&h, v, n, NULL) == -1, "three parameters answered");
    /* An empty RE-CONFIG. */
    P_CHECK(p, inject(&h, v, 0, NULL) == -1, "empty chunk answered");
    P_CHECK(p, pair_count_ev(p, PAIR_B, MPSCTP_EV_STREAM_CHANGE, -1) == 0, "B changed");
    /* Still in sequence afterwards: the first valid request is carried out. */
    n = add_param(v, SCTP_P_RECONF_ADD_OUT, h.seq, 1);
    P_CHECK(p, inject(&h, v, n, NULL) == SCTP_RECONF_PERFORMED, "valid request after junk");
    P_CHECK(p, pair_status(b).state == MPSCTP_ESTABLISHED, "association hurt");
    pair_free(p);
}

static void test_streams_and_seq(void **state)
{
    (void)state;
    hctx h;
    h_up(&h, 22, MPSCTP_RECONF_ENABLE_MASK, 1);
    pair *p = &h.p;
    mpsctp_assoc *b = p->s[PAIR_B].assoc;
    mpsctp_assoc_status sb = pair_status(b);
    uint8_t v[64];
    /* A stream id beyond B's inbound streams. */
    ph(v, SCTP_P_RECONF_OUT_RESET, 18);
    put32(v + 4, h.seq);
    put32(v + 8, h.seq - 1);
    put32(v + 12, 0);
    put16(v + 16, sb.inbound_streams);
    put16(v + 18, 0);
    uint32_t rs = 0;
    P_CHECK(p, inject(&h, v, 20, &rs) == SCTP_RECONF_WRONG_SSN && rs == h.seq, "bad sid");
    h.seq++;
    /* Incoming reset of a stream B does not have. */
    ph(v, SCTP_P_RECONF_IN_RESET, 10);
    put32(v + 4, h.seq);
    put16(v + 8, 60000);
    put16(v + 10, 0);
    P_CHECK(p, inject(&h, v, 12, NULL) == SCTP_RECONF_WRONG_SSN, "bad sid (incoming)");
    h.seq++;
    /* A list longer than the stream count: every entry valid by itself. */
    size_t big = 16 + 2 * 3000;
    uint8_t *l = calloc(1, big);
    ph(l, SCTP_P_RECONF_OUT_RESET, (uint16_t)big);
    put32(l + 4, h.seq);
    put32(l + 8, h.seq - 1);
    P_CHECK(p, inject(&h, l, big, NULL) == SCTP_RECONF_WRONG_SSN, "list over the count");
    free(l);
    h.seq++;
    /* Sequence numbers: ahead, far behind, and the last two (answered again). */
    uint8_t a[12];
    add_param(a, SCTP_P_RECONF_ADD_OUT, h.seq + 5, 1);
    P_CHECK(p, inject(&h, a, 12, NULL) == SCTP_RECONF_BAD_SEQ, "seq ahead");
    add_param(a, SCTP_P_RECONF_ADD_OUT, h.seq - 10, 1);
    P_CHECK(p, inject(&h, a, 12, NULL) == SCTP_RECONF_BAD_SEQ, "seq far behind");
    add_param(a, SCTP_P_RECONF_ADD_OUT, h.seq - 1, 1);
    P_CHECK(p, inject(&h, a, 12, NULL) == SCTP_RECONF_WRONG_SSN, "duplicate not from cache");
    add_param(a, SCTP_P_RECONF_ADD_OUT, h.seq, 1);
    P_CHECK(p, inject(&h, a, 12, NULL) == SCTP_RECONF_PERFORMED, "in sequence");
    P_CHECK(p, inject(&h, a, 12, NULL) == SCTP_RECONF_PERFORMED, "duplicate");
    P_CHECK(p, pair_status(b).inbound_streams == sb.inbound_streams + 1, "added %u",
            pair_status(b).inbound_streams - sb.inbound_streams);
    /* A response to nothing of B's is ignored. */
    ph(a, SCTP_P_RECONF_RESPONSE, 12);
    put32(a + 4, 12345);
    put32(a + 8, SCTP_RECONF_PERFORMED);
    P_CHECK(p, inject(&h, a, 12, NULL) == -1, "stray response answered");
    /* SSN/TSN reset is not carried out. */
    ph(a, SCTP_P_RECONF_TSN_RESET, 8);
    put32(a + 4, h.seq + 1);
    P_CHECK(p, inject(&h, a, 8, NULL) == SCTP_RECONF_DENIED, "SSN/TSN reset");
    P_CHECK(p, pair_status(b).state == MPSCTP_ESTABLISHED, "association hurt");
    pair_free(p);
}

/* RE-CONFIG to an association that did not negotiate it: an unknown chunk type 0x82
 * (upper bits 10: skipped without report, the rest of the packet processed). */
static void test_unnegotiated(void **state)
{
    (void)state;
    hctx h;
    h_up(&h, 23, MPSCTP_RECONF_ENABLE_MASK, 0);
    pair *p = &h.p;
    P_CHECK(p, !mpsctp_assoc_reconf(p->s[PAIR_B].assoc), "negotiated");
    uint8_t buf[128];
    wbuf w;
    wbuf_init(&w, buf, sizeof(buf));
    codec_common_encode(&w, PAIR_PORT_A, PAIR_PORT_B, h.b_vtag);
    size_t off = codec_chunk_begin(&w, SCTP_RECONFIG, 0);
    uint8_t a[12];
    add_param(a, SCTP_P_RECONF_ADD_OUT, h.seq, 5);
    wbuf_put(&w, a, sizeof(a));
    codec_chunk_end(&w, off);
    off = codec_chunk_begin(&w, SCTP_HEARTBEAT, 0);
    uint8_t info[8] = {1, 2, 3};
    codec_param_put(&w, SCTP_P_HEARTBEAT_INFO, info, sizeof(info));
    codec_chunk_end(&w, off);
    pair_inject(p, PAIR_B, buf, w.len, NULL);
    pair_pkt *out[8];
    size_t no = pair_take(p, PAIR_B, out, 8);
    int hb = 0, rc = 0, err = 0;
    for (size_t i = 0; i < no; i++) {
        sctp_tlv c;
        hb += pair_find_chunk(out[i]->data, out[i]->len, SCTP_HEARTBEAT_ACK, &c);
        rc += pair_find_chunk(out[i]->data, out[i]->len, SCTP_RECONFIG, &c);
        err += pair_find_chunk(out[i]->data, out[i]->len, SCTP_ERROR, &c);
    }
    P_CHECK(p, hb == 1 && rc == 0 && err == 0, "hb %d reconf %d error %d", hb, rc, err);
    P_CHECK(p, pair_count_ev(p, PAIR_B, MPSCTP_EV_STREAM_CHANGE, -1) == 0, "carried out");
    pair_free(p);
}

/* Floods of Add Outgoing / Add Incoming Streams requests: B's stream counts stop at the
 * bounds, the requests past them are denied, and the request state stays bounded. */
static void test_add_flood(void **state)
{
    (void)state;
    hctx h;
    h_up(&h, 24, MPSCTP_RECONF_ENABLE_MASK, 1);
    pair *p = &h.p;
    mpsctp_assoc *b = p->s[PAIR_B].assoc;
    uint8_t a[12];
    int denied = 0;
    /* Outbound streams past the memory bound at once: denied. */
    add_param(a, SCTP_P_RECONF_ADD_IN, h.seq++, 65000);
    P_CHECK(p, inject(&h, a, 12, NULL) == SCTP_RECONF_DENIED, "huge Add Incoming");
    for (int i = 0; i < 40; i++) {
        add_param(a, SCTP_P_RECONF_ADD_OUT, h.seq++, 5000);
        long r = inject(&h, a, 12, NULL);
        P_CHECK(p, r == SCTP_RECONF_PERFORMED || r == SCTP_RECONF_DENIED, "result %ld", r);
        denied += r == SCTP_RECONF_DENIED;
        /* B answers with its own Add Outgoing Streams request, which A never answers
         * here: the later ones find it outstanding. */
        add_param(a, SCTP_P_RECONF_ADD_IN, h.seq++, 5000);
        r = inject(&h, a, 12, NULL);
        P_CHECK(p, r == (i == 0 ? SCTP_RECONF_PERFORMED : SCTP_RECONF_BUSY), "round %d: result %ld", i, r);
        mpsctp_assoc_status s = pair_status(b);
        P_CHECK(p, (uint64_t)s.inbound_streams * MPSCTP_RECONF_IN_STREAM_COST +
                        (uint64_t)s.outbound_streams * MPSCTP_RECONF_OUT_STREAM_COST <=
                    MPSCTP_RECONF_STREAM_MEM,
                "stream state over its bound: %u in, %u out", s.inbound_streams,
                s.outbound_streams);
        mpsctp_assoc_mem m;
        mpsctp_assoc_mem_get(b, &m);
        P_CHECK(p, m.reconf_held <= m.reconf_bound, "reconf state %llu over %llu",
                (unsigned long long)m.reconf_held, (unsigned long long)m.reconf_bound);
        P_CHECK(p, m.rx_held <= m.rx_bound, "rx over its bound");
    }
    P_CHECK(p, denied > 0, "no request was denied");
    mpsctp_assoc_status s = pair_status(b);
    P_CHECK(p, s.inbound_streams > 30000, "inbound streams %u", s.inbound_streams);
    pair_free(p);
}

/* A flood of stream resets, each carried out at once: the events B reports stay within
 * the event queue bound when the application does not read them; the rest are counted. */
static void test_event_flood(void **state)
{
    (void)state;
    hctx h;
    h_up(&h, 25, MPSCTP_RECONF_ENABLE_MASK, 1);
    pair *p = &h.p;
    mpsctp_endpoint *ep = p->s[PAIR_B].ep;
    crc32c_fn crc = crc32c_select();
    mpsctp_endpoint_stats st0;
    mpsctp_endpoint_stats_get(ep, &st0);
    uint8_t buf[64];
    const uint32_t N = MPSCTP_EVENT_QUEUE_MAX + 200;
    const uint32_t lat = h.seq - 1; /* A sent no data: B's cumulative TSN */
    for (uint32_t i = 0; i < N; i++) {
        wbuf w;
        wbuf_init(&w, buf, sizeof(buf));
        codec_common_encode(&w, PAIR_PORT_A, PAIR_PORT_B, h.b_vtag);
        size_t off = codec_chunk_begin(&w, SCTP_RECONFIG, 0);
        uint16_t sid = 1;
        codec_reconf_out_reset(&w, h.seq++, 0, lat, &sid, 1);
        codec_chunk_end(&w, off);
        sctp_checksum_set(crc, buf, w.len);
        mpsctp_endpoint_recv(ep, buf, w.len, &p->s[PAIR_B].addr, &p->s[PAIR_A].addr, p->now);
        /* Send the answers away (not collecting events). */
        uint8_t out[2048];
        mpsctp_addr l, r;
        while (mpsctp_endpoint_send(ep, out, sizeof(out), &l, &r, p->now) > 0)
            ;
    }
    mpsctp_endpoint_stats st;
    mpsctp_endpoint_stats_get(ep, &st);
    uint32_t n = 0;
    mpsctp_event ev;
    while (mpsctp_endpoint_next_event(ep, &ev))
        n += ev.type == MPSCTP_EV_STREAM_RESET;
    P_CHECK(p, n <= MPSCTP_EVENT_QUEUE_MAX && n > 0, "%u reset events queued", n);
    P_CHECK(p, st.events_dropped - st0.events_dropped >= N - MPSCTP_EVENT_QUEUE_MAX,
            "dropped events not counted");
    pair_free(p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_malformed),   cmocka_unit_test(test_streams_and_seq),
        cmocka_unit_test(test_unnegotiated), cmocka_unit_test(test_add_flood),
        cmocka_unit_test(test_event_flood),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
