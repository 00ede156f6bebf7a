/* CMT mechanisms in the core (docs/cmt.md), checked chunk by chunk against a scripted
 * receiver: B is the sender, with two confirmed paths to the scripted peer (10.0.0.3, the
 * primary, and 10.0.0.9, confirmed by answering B's heartbeat). The peer's SACKs are
 * crafted, so each rule is seen in isolation: new data on both paths, split fast
 * retransmit, DAC, CUCv2, the retransmission destination and sender-side buffer
 * splitting. NR-SACK negotiation and release run between the two real endpoints. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "pair.h"

#define IP_SECOND 0x0a000009u
#define MAX_TSNS 256

typedef struct cmt_rig {
    pair p;
    pair_fake f;
    mpsctp_addr second;
    uint32_t first_tsn;          /* B's first DATA TSN */
    uint32_t ntsn;               /* TSNs seen so far (first transmissions) */
    int8_t path_of[MAX_TSNS];    /* which address each TSN first went to: 0 or 1 */
    uint16_t sid_of[MAX_TSNS];   /* the stream of each TSN */
    uint32_t rtx_to[2];          /* retransmitted chunks seen per address */
    uint32_t rtx_tsn_to[2];      /* the last retransmitted TSN per address */
} cmt_rig;

static int addr_index(const cmt_rig *r, const mpsctp_addr *a)
{
    if (mpsctp_addr_equal(a, &r->f.addr))
        return 0;
    return mpsctp_addr_equal(a, &r->second) ? 1 : -1;
}

/* Sends the scripted peer's chunk (type, flags, value) to B from address from. */
static void fake_chunk(cmt_rig *r, const mpsctp_addr *from, uint8_t type, uint8_t flags,
                       const uint8_t *v, size_t vlen)
{
    uint8_t b[1500];
    wbuf w;
    wbuf_init(&w, b, sizeof(b));
    codec_common_encode(&w, r->f.port, PAIR_PORT_B, r->f.peer_tag);
    size_t off = codec_chunk_begin(&w, type, flags);
    wbuf_put(&w, v, vlen);
    codec_chunk_end(&w, off);
    assert_false(w.err);
    pair_inject(&r->p, PAIR_B, b, w.len, from);
}

/* Takes what B sent: records DATA TSNs per address and answers heartbeats. */
static void drain(cmt_rig *r)
{
    pair_pkt *out[256];
    size_t n = pair_take(&r->p, PAIR_B, out, 256);
    for (size_t i = 0; i < n; i++) {
        sctp_tlv c[32];
        int nc = pair_chunks(out[i]->data, out[i]->len, c, 32);
        int to = addr_index(r, &out[i]->dst);
        for (int k = 0; k < nc; k++) {
            if (c[k].type == SCTP_HEARTBEAT) {
                fake_chunk(r, &out[i]->dst, SCTP_HEARTBEAT_ACK, 0, c[k].value, c[k].vlen);
                continue;
            }
            if (c[k].type != SCTP_DATA || to < 0)
                continue;
            uint32_t tsn = get32(c[k].value);
            uint32_t idx = tsn - r->first_tsn;
            assert_true(idx < MAX_TSNS);
            if (idx >= r->ntsn) {
                r->path_of[idx] = (int8_t)to;
                r->sid_of[idx] = get16(c[k].value + 4);
                r->ntsn = idx + 1;
            } else {
                r->rtx_to[to]++;
                r->rtx_tsn_to[to] = tsn;
            }
        }
    }
}

/* Connects the scripted peer with two addresses to B (settings s for B) and confirms
 * the second path. */
static void rig_up(cmt_rig *r, const mpsctp_settings *sb)
{
    memset(r, 0, sizeof(*r));
    pair_init(&r->p, 7, NULL, sb);
    mpsctp_addr list[2];
    mpsctp_addr_v4(&list[0], PAIR_IP_FAKE, PAIR_UDP);
    mpsctp_addr_v4(&list[1], IP_SECOND, PAIR_UDP);
    r->second = list[1];
    assert_int_equal(pair_fake_connect_addrs(&r->p, &r->f, 10, 10, list, 2), 0);
    r->first_tsn = r->f.b_itsn;
    for (int i = 0; i < 5; i++) {
        r->p.now += MS(5);
        mpsctp_endpoint_timeout(r->p.s[PAIR_B].ep, r->p.now);
        drain(r);
    }
    mpsctp_path_info pi;
    assert_int_equal(mpsctp_assoc_path_info(r->f.assoc, 1, &pi), 0);
    assert_true(pi.confirmed && pi.active);
}

static void settings_cmt(mpsctp_settings *s, uint8_t mode)
{
    pair_settings(s, PAIR_B);
    s->cmt = mode;
    s->max_burst = 16;
    s->hb_interval_ms = 60000;
}

/* Queues n messages of len bytes on B's association. */
static void queue_msgs(cmt_rig *r, unsigned n, size_t len)
{
    for (unsigned i = 0; i < n; i++)
        assert_int_equal(pair_send_msg(&r->p, r->f.assoc, i, 0, len), 0);
    drain(r);
}

/* rig_up with plain CMT (policy: the retransmission policy) and nmsg messages of 300
 * bytes queued. */
static void rig_loaded(cmt_rig *r, uint8_t policy, unsigned nmsg)
{
    mpsctp_settings s;
    settings_cmt(&s, MPSCTP_CMT_BASE);
    s.cmt_rtx_policy = policy;
    rig_up(r, &s);
    queue_msgs(r, nmsg, 300);
}

/* Injects a SACK: cum ack, gap blocks as TSN ranges [lo, hi] (absolute), DAC packets. */
static void sack(cmt_rig *r, uint32_t cum, const uint32_t (*gaps)[2], size_t ng, uint8_t dac)
{
    uint8_t v[12 + 4 * 64];
    assert_true(ng <= 64);
    put32(v, cum);
    put32(v + 4, 1u << 20);
    put16(v + 8, (uint16_t)ng);
    put16(v + 10, 0);
    for (size_t i = 0; i < ng; i++) {
        put16(v + 12 + 4 * i, (uint16_t)(gaps[i][0] - cum));
        put16(v + 14 + 4 * i, (uint16_t)(gaps[i][1] - cum));
    }
    fake_chunk(r, &r->f.addr, SCTP_SACK, (uint8_t)(dac << SCTP_SACK_DAC_SHIFT), v, 12 + 4 * ng);
    drain(r);
}

/* Returns the k-th TSN (0-based) that first went to path pi, or fails the test. */
static uint32_t nth_on(const cmt_rig *r, int pi, unsigned k)
{
    for (uint32_t i = 0; i < r->ntsn; i++)
        if (r->path_of[i] == pi && k-- == 0)
            return r->first_tsn + i;
    fail_msg("fewer than %u TSNs on path %d", k + 1, pi);
    return 0;
}

static unsigned count_on(const cmt_rig *r, int pi)
{
    unsigned n = 0;
    for (uint32_t i = 0; i < r->ntsn; i++)
        n += r->path_of[i] == pi;
    return n;
}

static void test_new_data_on_both_paths(void **state)
{
    (void)state;
    for (uint8_t mode = MPSCTP_CMT_OFF; mode <= MPSCTP_CMT_MAX; mode++) {
        mpsctp_settings s;
        settings_cmt(&s, mode);
        cmt_rig r;
        rig_up(&r, &s);
        assert_int_equal(mpsctp_assoc_get_cmt(r.f.assoc), mode);
        queue_msgs(&r, 40, 300);
        print_message("mode %u: %u TSNs on path 0, %u on path 1\n", mode, count_on(&r, 0),
                      count_on(&r, 1));
        if (mode == MPSCTP_CMT_OFF) {
            assert_int_equal(count_on(&r, 1), 0);
            assert_true(count_on(&r, 0) > 0);
        } else {
            /* Round robin: both paths get their initial window at once (RPv1 and RPv2
             * start each path at the initial cwnd / 2, docs/cc.md). */
            unsigned n0 = count_on(&r, 0), n1 = count_on(&r, 1);
            assert_true(n0 >= 4 && n1 >= 4);
            assert_true(n0 <= n1 + 4 && n1 <= n0 + 4);
        }
        pair_free(&r.p);
    }
}

/* SFR: SACKs that newly acknowledge only path-1 TSNs say nothing about path 0's chunks
 * below them; three SACKs that newly acknowledge path-0 TSNs above a hole do. */
static void test_split_fast_retransmit(void **state)
{
    (void)state;
    cmt_rig r;
    rig_loaded(&r, MPSCTP_RTX_CWND, 40);
    uint32_t cum = r.first_tsn - 1;
    uint32_t hole = nth_on(&r, 0, 0);
    assert_int_equal(hole, r.first_tsn);
    /* Four SACKs, each newly acking path-1 TSNs only. */
    uint32_t g[8][2];
    for (unsigned k = 0; k < 4; k++) {
        uint32_t t = nth_on(&r, 1, k);
        g[k][0] = g[k][1] = t;
        sack(&r, cum, g, k + 1, 1);
    }
    assert_int_equal(pair_status(r.f.assoc).fast_retransmissions, 0);
    assert_int_equal(r.rtx_to[0] + r.rtx_to[1], 0);
    /* Now three SACKs each newly acking one more path-0 TSN above the hole. */
    for (unsigned k = 0; k < 3; k++) {
        uint32_t t = nth_on(&r, 0, 1 + k);
        g[4 + k][0] = g[4 + k][1] = t;
        sack(&r, cum, g, 5 + k, 1);
        if (k < 2)
            assert_int_equal(pair_status(r.f.assoc).fast_retransmissions, 0);
    }
    assert_true(pair_status(r.f.assoc).fast_retransmissions >= 1);
    assert_true(r.rtx_to[0] + r.rtx_to[1] >= 1);
    pair_free(&r.p);
}

/* Two SACKs, each newly acknowledging one more path-0 TSN above the first one (a hole),
 * with dac packets in their flags. Returns the fast retransmissions so far. */
static uint64_t two_sacks_over_hole(cmt_rig *r, uint8_t dac)
{
    uint32_t cum = r->first_tsn - 1;
    uint32_t g[2][2];
    for (unsigned k = 0; k < 2; k++) {
        uint32_t t = nth_on(r, 0, 1 + k);
        g[k][0] = g[k][1] = t;
        sack(r, cum, g, k + 1, dac);
    }
    return pair_status(r->f.assoc).fast_retransmissions;
}

/* DAC: a SACK that reports two packets and whose new acks all lie on one path counts
 * twice for chunks below the lowest new ack; without the flag two SACKs are not enough. */
static void test_dac_sender(void **state)
{
    (void)state;
    for (int dac = 1; dac <= 2; dac++) {
        cmt_rig r;
        rig_loaded(&r, MPSCTP_RTX_CWND, 40);
        uint64_t fr = two_sacks_over_hole(&r, (uint8_t)dac);
        print_message("DAC %d packets: %llu fast retransmissions after 2 SACKs\n", dac,
                      (unsigned long long)fr);
        if (dac == 2)
            assert_true(fr >= 1);
        else
            assert_int_equal(fr, 0);
        pair_free(&r.p);
    }
}

/* DAC off (SCTP_CMT_USE_DAC 0, set on the running association): the same two SACKs that
 * report two packets count once each, as without the flag; on again, twice. */
static void test_dac_sender_off(void **state)
{
    (void)state;
    for (uint32_t on = 0; on <= 1; on++) {
        cmt_rig r;
        rig_loaded(&r, MPSCTP_RTX_CWND, 40);
        assert_int_equal(mpsctp_assoc_set_cmt_dac(r.f.assoc, 0), 0);
        assert_int_equal(mpsctp_assoc_set_cmt_dac(r.f.assoc, on), 0);
        assert_int_equal(mpsctp_assoc_set_cmt_dac(r.f.assoc, 2), MPSCTP_ERR_INVAL);
        mpsctp_settings cur;
        assert_int_equal(mpsctp_assoc_get_settings(r.f.assoc, &cur), 0);
        assert_int_equal(cur.cmt_dac, on);
        uint64_t fr = two_sacks_over_hole(&r, 2);
        print_message("DAC %s: %llu fast retransmissions after 2 two-packet SACKs\n",
                      on ? "on" : "off", (unsigned long long)fr);
        if (on)
            assert_true(fr >= 1);
        else
            assert_int_equal(fr, 0);
        pair_free(&r.p);
    }
}

/* CUCv2: path 1's window grows when its pseudo-cumack is acknowledged, while the
 * association's cum ack stays behind a hole on path 0. */
static void test_cucv2(void **state)
{
    (void)state;
    cmt_rig r;
    rig_loaded(&r, MPSCTP_RTX_CWND, 200);
    mpsctp_path_info p0, p1;
    mpsctp_assoc_path_info(r.f.assoc, 0, &p0);
    mpsctp_assoc_path_info(r.f.assoc, 1, &p1);
    assert_true(p1.flight_size >= p1.cwnd); /* the window is in full use */
    uint32_t cw0 = p0.cwnd, cw1 = p1.cwnd;
    uint32_t cum = r.first_tsn - 1;
    uint32_t g[1][2] = {{nth_on(&r, 1, 0), nth_on(&r, 1, 3)}};
    /* Only if the four path-1 TSNs are contiguous is one block enough. */
    assert_int_equal(g[0][1] - g[0][0], 3);
    sack(&r, cum, g, 1, 1);
    mpsctp_assoc_path_info(r.f.assoc, 0, &p0);
    mpsctp_assoc_path_info(r.f.assoc, 1, &p1);
    print_message("cwnd path 0 %u -> %u, path 1 %u -> %u\n", cw0, p0.cwnd, cw1, p1.cwnd);
    assert_int_equal(p0.cwnd, cw0);
    assert_true(p1.cwnd > cw1);
    pair_free(&r.p);
}

/* After a T3 expiry on path 0, its chunks go to the path with the largest cwnd (path 1,
 * whose data was acknowledged), under either policy. */
static void test_rtx_destination(void **state)
{
    (void)state;
    for (uint8_t pol = MPSCTP_RTX_CWND; pol <= MPSCTP_RTX_SSTHRESH; pol++) {
        cmt_rig r;
        rig_loaded(&r, pol, 20);
        uint32_t cum = r.first_tsn - 1;
        uint32_t g[16][2];
        unsigned n1 = count_on(&r, 1);
        assert_true(n1 <= 16);
        for (unsigned k = 0; k < n1; k++)
            g[k][0] = g[k][1] = nth_on(&r, 1, k);
        sack(&r, cum, g, n1, 1);
        /* Path 0's T3 (RTO.Initial 1 s) expires. */
        for (int i = 0; i < 30; i++) {
            r.p.now += MS(50);
            mpsctp_endpoint_timeout(r.p.s[PAIR_B].ep, r.p.now);
            drain(&r);
        }
        print_message("policy %u: retransmissions to path 0: %u, to path 1: %u\n", pol,
                      r.rtx_to[0], r.rtx_to[1]);
        assert_true(pair_status(r.f.assoc).t3_expirations >= 1);
        assert_true(r.rtx_to[1] >= 1);
        assert_int_equal(r.rtx_to[0], 0);
        assert_int_equal(r.rtx_tsn_to[1] - r.first_tsn < MAX_TSNS, 1);
        assert_int_equal(r.path_of[r.rtx_tsn_to[1] - r.first_tsn], 0);
        pair_free(&r.p);
    }
}

/* Sender-side buffer splitting: no path holds more than send buffer / 2 in flight;
 * without it, one path takes more. */
static void test_bufsplit_sender(void **state)
{
    (void)state;
    for (int split = 0; split <= 1; split++) {
        mpsctp_settings s;
        settings_cmt(&s, MPSCTP_CMT_BASE);
        s.sndbuf = 8192;
        s.cmt_bufsplit = split ? MPSCTP_BUFSPLIT_SENDER : 0;
        cmt_rig r;
        rig_up(&r, &s);
        unsigned n = 0;
        while (pair_send_msg(&r.p, r.f.assoc, n, 0, 300) == 0)
            n++;
        drain(&r);
        mpsctp_path_info p0, p1;
        mpsctp_assoc_path_info(r.f.assoc, 0, &p0);
        mpsctp_assoc_path_info(r.f.assoc, 1, &p1);
        uint32_t mx = p0.flight_size > p1.flight_size ? p0.flight_size : p1.flight_size;
        print_message("split %d: %u messages queued, flight %u + %u\n", split, n,
                      p0.flight_size, p1.flight_size);
        if (split)
            assert_true(mx <= 8192 / 2);
        else
            assert_true(mx > 8192 / 2);
        assert_true(p0.flight_size > 0 && p1.flight_size > 0);
        pair_free(&r.p);
    }
}

/* rig_up, and *via2: the scripted peer sending from its second address. Returns the
 * peer's next TSN. */
static uint32_t rig_two_sources(cmt_rig *r, const mpsctp_settings *s, pair_fake *via2)
{
    rig_up(r, s);
    *via2 = r->f;
    via2->addr = r->second;
    return r->f.next_tsn;
}

/* The receiver with CMT on, while the peer's DATA comes from two of its addresses,
 * delays its SACK over reordering (DAC) and reports the packets it covers in flag bits
 * 6-7; with CMT off a gap is reported at once. */
static void test_dac_receiver(void **state)
{
    (void)state;
    static const uint8_t payload[100];
    for (uint8_t mode = MPSCTP_CMT_OFF; mode <= MPSCTP_CMT_BASE; mode++) {
        mpsctp_settings s;
        settings_cmt(&s, mode);
        cmt_rig r;
        pair_fake via2;
        uint32_t t = rig_two_sources(&r, &s, &via2);
        pair_pkt *out[4];
        /* In order from both addresses: a SACK after the second packet. */
        pair_fake_data(&r.p, &via2, t, 0, 0, payload, sizeof(payload));
        pair_fake_data(&r.p, &r.f, t + 1, 0, 1, payload, sizeof(payload));
        sctp_tlv c;
        size_t n = pair_take(&r.p, PAIR_B, out, 4);
        assert_int_equal(n, 1);
        assert_true(pair_find_chunk(out[0]->data, out[0]->len, SCTP_SACK, &c));
        assert_int_equal(c.flags >> SCTP_SACK_DAC_SHIFT, mode ? 2 : 0);
        /* A gap (t + 2 missing). */
        pair_fake_data(&r.p, &via2, t + 3, 0, 3, payload, sizeof(payload));
        size_t n1 = pair_take(&r.p, PAIR_B, out, 4);
        int found1 = n1 == 1 && pair_find_chunk(out[0]->data, out[0]->len, SCTP_SACK, &c);
        uint8_t flags1 = found1 ? c.flags : 0xff;
        pair_fake_data(&r.p, &r.f, t + 4, 0, 4, payload, sizeof(payload));
        size_t n2 = pair_take(&r.p, PAIR_B, out, 4);
        int found2 = n2 == 1 && pair_find_chunk(out[0]->data, out[0]->len, SCTP_SACK, &c);
        print_message("mode %u: %zu packets after the first out-of-order DATA, %zu after "
                      "the second\n", mode, n1, n2);
        if (mode == MPSCTP_CMT_OFF) {
            assert_true(found1);
            assert_int_equal(flags1, 0);
        } else {
            assert_int_equal(n1, 0);
            assert_true(found2);
            assert_int_equal(c.flags >> SCTP_SACK_DAC_SHIFT, 2);
        }
        pair_free(&r.p);
    }
}

/* DAC off in the settings (CMT on, DATA from two addresses): a gap is SACKed at once
 * (RFC 9260 s6.7) and no SACK carries a packet count; switched on for the running
 * association, the receiver delays over the next gap and counts again. */
static void test_dac_receiver_off(void **state)
{
    (void)state;
    static const uint8_t payload[100];
    mpsctp_settings s;
    settings_cmt(&s, MPSCTP_CMT_BASE);
    s.cmt_dac = 0;
    cmt_rig r;
    pair_fake via2;
    uint32_t t = rig_two_sources(&r, &s, &via2);
    pair_pkt *out[4];
    sctp_tlv c;
    pair_fake_data(&r.p, &via2, t, 0, 0, payload, sizeof(payload));
    pair_fake_data(&r.p, &r.f, t + 1, 0, 1, payload, sizeof(payload));
    assert_int_equal(pair_take(&r.p, PAIR_B, out, 4), 1);
    assert_true(pair_find_chunk(out[0]->data, out[0]->len, SCTP_SACK, &c));
    assert_int_equal(c.flags >> SCTP_SACK_DAC_SHIFT, 0);
    /* a gap (t + 2 missing): SACKed at once, no count */
    pair_fake_data(&r.p, &via2, t + 3, 0, 3, payload, sizeof(payload));
    assert_int_equal(pair_take(&r.p, PAIR_B, out, 4), 1);
    assert_true(pair_find_chunk(out[0]->data, out[0]->len, SCTP_SACK, &c));
    assert_int_equal(c.flags, 0);
    /* DAC on: the next out-of-order packet waits for a second one, which says 2 */
    assert_int_equal(mpsctp_assoc_set_cmt_dac(r.f.assoc, 1), 0);
    pair_fake_data(&r.p, &r.f, t + 4, 0, 4, payload, sizeof(payload));
    assert_int_equal(pair_take(&r.p, PAIR_B, out, 4), 0);
    pair_fake_data(&r.p, &via2, t + 5, 0, 5, payload, sizeof(payload));
    assert_int_equal(pair_take(&r.p, PAIR_B, out, 4), 1);
    assert_true(pair_find_chunk(out[0]->data, out[0]->len, SCTP_SACK, &c));
    assert_int_equal(c.flags >> SCTP_SACK_DAC_SHIFT, 2);
    pair_free(&r.p);
}

/* With CMT on but the peer's DATA coming from one address only, gaps are losses: the
 * RFC 9260 s6.7 immediate SACK applies. */
static void test_dac_receiver_single_source(void **state)
{
    (void)state;
    static const uint8_t payload[100];
    mpsctp_settings s;
    settings_cmt(&s, MPSCTP_CMT_BASE);
    cmt_rig r;
    rig_up(&r, &s);
    uint32_t t = r.f.next_tsn;
    pair_fake_data(&r.p, &r.f, t + 1, 0, 0, payload, sizeof(payload));
    pair_pkt *out[4];
    size_t n = pair_take(&r.p, PAIR_B, out, 4);
    assert_int_equal(n, 1);
    assert_true(pair_find_chunk(out[0]->data, out[0]->len, SCTP_SACK, NULL));
    pair_free(&r.p);
}

/* A loss on a path that sends nothing after it: no SACK can newly acknowledge later
 * data on that path, but once data sent after it on the other path is acknowledged and
 * the chunk is older than its path's SRTT + 4 RTTVAR, the misses count (instead of a T3
 * that RTO.Min makes a second long). */
static void test_late_loss_other_path(void **state)
{
    (void)state;
    mpsctp_settings st;
    settings_cmt(&st, MPSCTP_CMT_BASE);
    cmt_rig r;
    rig_up(&r, &st);
    /* Both paths get an RTT measurement first (one message each, acknowledged). */
    queue_msgs(&r, 2, 1000);
    assert_int_equal(count_on(&r, 0), 1);
    assert_int_equal(count_on(&r, 1), 1);
    r.p.now += MS(2);
    sack(&r, r.first_tsn + 1, NULL, 0, 1);
    memset(r.path_of, -1, 2);
    queue_msgs(&r, 60, 300);
    uint32_t cum = r.first_tsn + 1;
    unsigned n1 = count_on(&r, 1), n0 = count_on(&r, 0);
    uint32_t g[64][2];
    for (unsigned k = 0; k < n1; k++)
        g[k][0] = g[k][1] = nth_on(&r, 1, k);
    r.p.now += MS(10);
    sack(&r, cum, g, n1, 1); /* path 1 gets room: more data, sent later */
    unsigned m1 = count_on(&r, 1);
    assert_true(m1 > n1 + 3);
    assert_int_equal(count_on(&r, 0), n0); /* path 0 is still full */
    r.p.now += MS(200);
    for (unsigned k = 0; k < 3; k++) {
        g[n1 + k][0] = g[n1 + k][1] = nth_on(&r, 1, n1 + k);
        sack(&r, cum, g, n1 + k + 1, 1);
    }
    print_message("fast retransmissions %llu, retransmitted to path 0 %u, path 1 %u\n",
                  (unsigned long long)pair_status(r.f.assoc).fast_retransmissions,
                  r.rtx_to[0], r.rtx_to[1]);
    assert_true(pair_status(r.f.assoc).fast_retransmissions >= 1);
    assert_int_equal(pair_status(r.f.assoc).t3_expirations, 0);
    pair_free(&r.p);
}

/* RFC 9260 s6.2.1 D iii with SACKs that overtake each other (they come back over
 * different paths): an older SACK reporting less says nothing about TSNs above what it
 * reports; a real renege (a hole below the highest TSN reported) puts the chunks back in
 * flight with a miss, without retransmitting them at once. */
static void test_renege_and_old_sack(void **state)
{
    (void)state;
    cmt_rig r;
    rig_loaded(&r, MPSCTP_RTX_CWND, 40);
    uint32_t cum = r.first_tsn - 1;
    uint32_t k[4];
    for (unsigned i = 0; i < 4; i++)
        k[i] = nth_on(&r, 1, i);
    assert_int_equal(k[3] - k[0], 3);
    mpsctp_path_info p1;
    uint32_t g[2][2] = {{k[0], k[3]}, {0, 0}};
    sack(&r, cum, g, 1, 1);
    mpsctp_assoc_path_info(r.f.assoc, 1, &p1);
    uint32_t flight = p1.flight_size;
    /* The older SACK: only k0. */
    g[0][1] = k[0];
    sack(&r, cum, g, 1, 1);
    mpsctp_assoc_path_info(r.f.assoc, 1, &p1);
    assert_int_equal(p1.flight_size, flight);
    assert_int_equal(r.rtx_to[0] + r.rtx_to[1], 0);
    /* A real renege: k1 and k2 missing below k3. */
    g[0][1] = k[0];
    g[1][0] = g[1][1] = k[3];
    sack(&r, cum, g, 2, 1);
    mpsctp_assoc_path_info(r.f.assoc, 1, &p1);
    print_message("path 1 flight %u, after the renege %u\n", flight, p1.flight_size);
    assert_true(p1.flight_size > flight);
    assert_int_equal(r.rtx_to[0] + r.rtx_to[1], 0);
    assert_int_equal(pair_status(r.f.assoc).fast_retransmissions, 0);
    pair_free(&r.p);
}

/* Chunks that timed out on path 0 go to path 1, where older data with higher TSNs is
 * still in flight: acks for that older data do not count as misses of the
 * retransmissions (it was sent before them), so path 1 sees no fast retransmit. */
static void test_t3_rtx_not_struck_by_older_data(void **state)
{
    (void)state;
    cmt_rig r;
    rig_loaded(&r, MPSCTP_RTX_CWND, 40);
    uint32_t cum = r.first_tsn - 1;
    uint32_t g[8][2];
    /* Keep path 1's T3 from expiring with path 0's: ack its oldest TSN at 0.9 s. */
    r.p.now += MS(900);
    g[0][0] = g[0][1] = nth_on(&r, 1, 0);
    sack(&r, cum, g, 1, 1);
    for (int i = 0; i < 6; i++) {
        r.p.now += MS(50);
        mpsctp_endpoint_timeout(r.p.s[PAIR_B].ep, r.p.now);
        drain(&r);
    }
    assert_true(pair_status(r.f.assoc).t3_expirations >= 1);
    /* Room on path 1: the timed-out chunks go out there, behind its older data. */
    g[1][0] = g[1][1] = nth_on(&r, 1, 1);
    sack(&r, cum, g, 2, 1);
    assert_true(r.rtx_to[1] >= 1);
    mpsctp_path_info before, after;
    mpsctp_assoc_path_info(r.f.assoc, 1, &before);
    for (unsigned k = 2; k <= 4; k++) {
        g[k][0] = g[k][1] = nth_on(&r, 1, k);
        sack(&r, cum, g, k + 1, 1);
    }
    mpsctp_assoc_path_info(r.f.assoc, 1, &after);
    print_message("fast retransmissions %llu, path 1 ssthresh %u -> %u\n",
                  (unsigned long long)pair_status(r.f.assoc).fast_retransmissions,
                  before.ssthresh, after.ssthresh);
    assert_int_equal(pair_status(r.f.assoc).fast_retransmissions, 0);
    assert_int_equal(after.ssthresh, before.ssthresh);
    pair_free(&r.p);
}

/* Switching CMT off with data in flight on both paths: reordering across the paths is
 * still no loss (split fast retransmit stays on while several paths hold data). */
static void test_switch_off_in_flight(void **state)
{
    (void)state;
    cmt_rig r;
    rig_loaded(&r, MPSCTP_RTX_CWND, 40);
    assert_int_equal(mpsctp_assoc_set_cmt(r.f.assoc, MPSCTP_CMT_OFF), 0);
    assert_int_equal(mpsctp_assoc_set_cmt(r.f.assoc, MPSCTP_CMT_MAX + 1), MPSCTP_ERR_INVAL);
    assert_int_equal(mpsctp_assoc_get_cmt(r.f.assoc), MPSCTP_CMT_OFF);
    uint32_t cum = r.first_tsn - 1;
    uint32_t g[4][2];
    for (unsigned k = 0; k < 4; k++) {
        g[k][0] = g[k][1] = nth_on(&r, 1, k);
        sack(&r, cum, g, k + 1, 0);
    }
    assert_int_equal(pair_status(r.f.assoc).fast_retransmissions, 0);
    assert_int_equal(r.rtx_to[0] + r.rtx_to[1], 0);
    pair_free(&r.p);
}

/* An NR-SACK from a peer that did not negotiate it is an unknown chunk (upper bits 00:
 * the packet is dropped): it acknowledges and frees nothing. */
static void test_nr_sack_not_negotiated(void **state)
{
    (void)state;
    cmt_rig r;
    rig_loaded(&r, MPSCTP_RTX_CWND, 10);
    assert_int_equal(mpsctp_assoc_nr_sack(r.f.assoc), 0);
    mpsctp_assoc_status st = pair_status(r.f.assoc);
    uint8_t v[20];
    put32(v, r.first_tsn + st.unacked_chunks - 1); /* cum acks everything */
    put32(v + 4, 1u << 20);
    memset(v + 8, 0, 12);
    fake_chunk(&r, &r.f.addr, SCTP_NR_SACK, 0, v, 12);
    drain(&r);
    mpsctp_assoc_status st2 = pair_status(r.f.assoc);
    assert_int_equal(st2.unacked_chunks, st.unacked_chunks);
    pair_free(&r.p);
}

/* Stream-to-path mapping (MPSCTP_PATH_SELECT, docs/cmt.md): with CMT and
 * MPSCTP_PATHSEL_STREAM stream s goes only to usable path s mod 2; with round robin (three
 * streams, so that stream and path turns do not line up) streams use both paths. */
static void test_stream_mapping(void **state)
{
    (void)state;
    for (uint8_t sel = MPSCTP_PATHSEL_RR; sel <= MPSCTP_PATHSEL_STREAM; sel++) {
        mpsctp_settings s;
        settings_cmt(&s, MPSCTP_CMT_BASE);
        s.path_select = sel;
        cmt_rig r;
        rig_up(&r, &s);
        for (unsigned i = 0; i < 40; i++)
            assert_int_equal(pair_send_msg(&r.p, r.f.assoc, i, (uint16_t)(i % 3), 1000), 0);
        drain(&r);
        unsigned on[3][2] = {{0}};
        for (uint32_t i = 0; i < r.ntsn; i++)
            on[r.sid_of[i] % 3][r.path_of[i]]++;
        print_message("policy %u: stream 0 %u/%u, 1 %u/%u, 2 %u/%u chunks on path 0/1\n", sel,
                      on[0][0], on[0][1], on[1][0], on[1][1], on[2][0], on[2][1]);
        unsigned mixed = 0;
        for (int st = 0; st < 3; st++) {
            assert_true(on[st][0] + on[st][1] > 0);
            mixed += on[st][0] && on[st][1];
            if (sel == MPSCTP_PATHSEL_STREAM)
                assert_int_equal(on[st][1 - st % 2], 0);
        }
        if (sel == MPSCTP_PATHSEL_RR)
            assert_true(mixed > 0);
        assert_int_equal(mpsctp_assoc_set_path_select(r.f.assoc, 2), MPSCTP_ERR_INVAL);
        pair_free(&r.p);
    }
}

/* ---- NR-SACK between the real endpoints --------------------------------------------- */

static int drop_tsn_hook(pair *p, pair_pkt *k)
{
    uint32_t *drop = p->user;
    sctp_tlv c[32];
    int n = pair_chunks(k->data, k->len, c, 32);
    for (int i = 0; i < n; i++)
        if (c[i].type == SCTP_DATA && c[i].vlen >= 4 && get32(c[i].value) == *drop &&
            p->now < SEC(30))
            return PAIR_DROP;
    return PAIR_PASS;
}

static void test_nr_sack(void **state)
{
    (void)state;
    for (int offer = 0; offer <= 1; offer++) {
        mpsctp_settings sa, sb;
        pair_settings(&sa, PAIR_A);
        pair_settings(&sb, PAIR_B);
        sa.nr_sack = (uint8_t)offer;
        pair p;
        pair_init(&p, 11, &sa, &sb);
        mpsctp_assoc *a = pair_connect(&p, PAIR_A);
        assert_true(pair_pump_until(&p, SEC(5), pair_cond_up, NULL));
        assert_int_equal(mpsctp_assoc_nr_sack(a), offer);
        assert_int_equal(mpsctp_assoc_nr_sack(p.s[PAIR_B].assoc), offer);
        /* The first DATA TSN is lost (and every copy until 30 s): everything after it is
         * gap-acked; only NR-SACK lets A release it. */
        uint32_t drop = pair_status(a).next_tsn;
        p.user = &drop;
        p.hook = drop_tsn_hook;
        for (unsigned i = 0; i < 20; i++)
            assert_int_equal(pair_send_msg(&p, a, i, 0, 1000), 0);
        pair_pump(&p, SEC(2));
        uint32_t limit, total, per[16], ns;
        assert_int_equal(mpsctp_assoc_sndqueue_info(a, &limit, &total, per, 16, &ns), 0);
        print_message("NR-SACK %d: %u bytes still held with one chunk lost\n", offer, total);
        if (offer)
            assert_int_equal(total, 1000);
        else
            assert_int_equal(total, 20 * 1000);
        size_t nr = pair_wire_count(&p, PAIR_B, SCTP_NR_SACK, 0);
        size_t plain = pair_wire_count(&p, PAIR_B, SCTP_SACK, 0);
        assert_true(offer ? nr > 0 && plain == 0 : nr == 0 && plain > 0);
        pair_pump(&p, SEC(60));
        char why[160];
        assert_int_equal(pair_verify_rx(&p, PAIR_B, 20, why, sizeof(why)), 0);
        assert_int_equal(mpsctp_assoc_sndqueue_info(a, &limit, &total, per, 16, &ns), 0);
        assert_int_equal(total, 0);
        pair_free(&p);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_new_data_on_both_paths),
        cmocka_unit_test(test_split_fast_retransmit),
        cmocka_unit_test(test_dac_sender),
        cmocka_unit_test(test_dac_sender_off),
        cmocka_unit_test(test_cucv2),
        cmocka_unit_test(test_rtx_destination),
        cmocka_unit_test(test_bufsplit_sender),
        cmocka_unit_test(test_dac_receiver),
        cmocka_unit_test(test_dac_receiver_single_source),
        cmocka_unit_test(test_dac_receiver_off),
        cmocka_unit_test(test_late_loss_other_path),
        cmocka_unit_test(test_stream_mapping),
        cmocka_unit_test(test_renege_and_old_sack),
        cmocka_unit_test(test_t3_rtx_not_struck_by_older_data),
        cmocka_unit_test(test_switch_off_in_flight),
        cmocka_unit_test(test_nr_sack_not_negotiated),
        cmocka_unit_test(test_nr_sack),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
