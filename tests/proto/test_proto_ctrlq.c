/* Control chunks and replies against a hostile or careless peer: a control chunk larger
 * than any packet to its destination is dropped (counted) instead of stalling the path
 * behind it, and floods of HEARTBEATs, chunks that ask for error reports, ERROR chunks and
 * INITs leave an association's control queue, the endpoint's reply queue and its event
 * queue within their documented bounds, counting what they drop and never dropping an
 * event that changes state. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "crc32c.h"
#include "pair.h"

static mpsctp_endpoint_stats stats_of(const pair *p, int side)
{
    mpsctp_endpoint_stats st;
    mpsctp_endpoint_stats_get(p->s[side].ep, &st);
    return st;
}

/* Hands pkt to B from address from, like pair_inject but leaving B's events queued (the
 * application reads none during a flood). */
static int inject_quiet(pair *p, uint8_t *pkt, size_t len, const mpsctp_addr *from)
{
    static crc32c_fn crc;
    if (!crc)
        crc = crc32c_select();
    sctp_checksum_set(crc, pkt, len);
    return mpsctp_endpoint_recv(p->s[PAIR_B].ep, pkt, len, &p->s[PAIR_B].addr, from, p->now);
}

/* A packet from the fake holding one chunk (type, value of vlen bytes of v). */
static size_t fake_packet(uint8_t *b, size_t cap, const pair_fake *f, uint8_t type,
                          const uint8_t *v, size_t vlen)
{
    wbuf w;
    wbuf_init(&w, b, cap);
    codec_common_encode(&w, f->port, PAIR_PORT_B, f->peer_tag);
    size_t off = codec_chunk_begin(&w, type, 0);
    wbuf_put(&w, v, vlen);
    codec_chunk_end(&w, off);
    assert_false(w.err);
    return w.len;
}

/* A HEARTBEAT info parameter of len bytes in all (len >= 4). */
static size_t hb_info(uint8_t *v, size_t len)
{
    memset(v, 0x5c, len);
    put16(v, SCTP_P_HEARTBEAT_INFO);
    put16(v + 2, (uint16_t)len);
    return len;
}

/* B's packets are at most 600 bytes. The peer has two addresses (both confirmed paths);
 * from the second it sends a HEARTBEAT with 900 bytes of info, so the HEARTBEAT ACK fits
 * no packet, then a small HEARTBEAT. The large answer is dropped and counted; the small
 * one and the data queued after it go out at once. (It used to stay at the head of the
 * control queue: every packet was built for its path, where new data may not go and
 * the small answer waited behind it, so B sent nothing at all.) */
static void test_oversize_heartbeat_ack_does_not_stall(void **state)
{
    (void)state;
    mpsctp_settings sb;
    pair_settings(&sb, PAIR_B);
    sb.mtu = 600;
    pair p;
    pair_init(&p, 81, NULL, &sb);
    pair_fake f;
    mpsctp_addr addrs[2];
    mpsctp_addr_v4(&addrs[0], PAIR_IP_FAKE, PAIR_UDP);
    mpsctp_addr_v4(&addrs[1], 0x0a000009u, PAIR_UDP);
    assert_int_equal(pair_fake_connect_addrs(&p, &f, 10, 10, addrs, 2), 0);
    /* Confirm the second path: answer B's probe. */
    pair_pkt *out[16];
    size_t n = 0;
    sctp_tlv hb;
    for (int i = 0; i < 10 && n == 0; i++) {
        p.now += MS(5);
        mpsctp_endpoint_timeout(p.s[PAIR_B].ep, p.now);
        n = pair_take(&p, PAIR_B, out, 16);
    }
    P_CHECK(&p, n == 1 && pair_find_chunk(out[0]->data, out[0]->len, SCTP_HEARTBEAT, &hb),
            "no probe of the second address");
    assert_int_equal(
        pair_fake_chunk(&p, &f, &addrs[1], SCTP_HEARTBEAT_ACK, 0, hb.value, hb.vlen), 0);
    mpsctp_path_info pi;
    P_CHECK(&p, mpsctp_assoc_path_info(f.assoc, 1, &pi) == 0 && pi.confirmed, "not confirmed");

    uint8_t v[900];
    assert_int_equal(pair_fake_chunk(&p, &f, &addrs[1], SCTP_HEARTBEAT, 0, v, hb_info(v, 900)),
                     0);
    assert_int_equal(pair_fake_chunk(&p, &f, &addrs[1], SCTP_HEARTBEAT, 0, v, hb_info(v, 100)),
                     0);
    for (uint32_t i = 0; i < 3; i++)
        assert_int_equal(pair_send_msg(&p, f.assoc, i, 0, 400), 0);
    n = pair_take(&p, PAIR_B, out, 16);
    size_t data = 0, acks = 0;
    for (size_t i = 0; i < n && i < 16; i++) {
        sctp_tlv c;
        P_CHECK(&p, out[i]->len <= 600, "a %zu-byte packet", out[i]->len);
        if (pair_find_chunk(out[i]->data, out[i]->len, SCTP_HEARTBEAT_ACK, &c)) {
            P_CHECK(&p, c.vlen == 100 && mpsctp_addr_equal(&out[i]->dst, &addrs[1]),
                    "HEARTBEAT ACK of %zu bytes", c.vlen);
            acks++;
        }
        data += pair_find_chunk(out[i]->data, out[i]->len, SCTP_DATA, NULL);
    }
    mpsctp_endpoint_stats st = stats_of(&p, PAIR_B);
    print_message("%zu packets: %zu with DATA, %zu HEARTBEAT ACK; control chunks too large: "
                  "%llu\n",
                  n, data, acks, (unsigned long long)st.ctrl_oversize);
    P_CHECK(&p, data == 3 && acks == 1, "%zu packets with DATA (3), %zu HEARTBEAT ACK (1)",
            data, acks);
    P_CHECK(&p, st.ctrl_oversize == 1, "ctrl_oversize %llu",
            (unsigned long long)st.ctrl_oversize);
    /* The association goes on: a SACK frees the data. */
    P_CHECK(&p, pair_fake_sack(&p, &f, f.b_itsn + 2, 1u << 20, NULL, 0) == 0, "SACK");
    P_CHECK(&p, pair_status(f.assoc).unacked_chunks == 0, "data not acknowledged");
    pair_free(&p);
}

/* 5000 HEARTBEATs of 1000-byte info and 5000 chunks of an unknown type that asks for a
 * report (upper bits 01), while B's output is not drained: the control queue stays
 * within its bound, the drops are counted, and B's own chunks still get through: after
 * the flood B sends its data and a graceful SHUTDOWN. */
static void test_reply_flood_stays_bounded(void **state)
{
    (void)state;
    pair p;
    pair_init(&p, 82, NULL, NULL);
    pair_fake f;
    assert_int_equal(pair_fake_connect(&p, &f, 10, 10), 0);
    uint8_t v[1000], b[1500];
    hb_info(v, sizeof(v));
    mpsctp_assoc_mem m;
    uint64_t most = 0;
    for (int i = 0; i < 5000; i++) {
        size_t n = fake_packet(b, sizeof(b), &f, SCTP_HEARTBEAT, v, sizeof(v));
        assert_int_equal(inject_quiet(&p, b, n, &f.addr), 0);
        n = fake_packet(b, sizeof(b), &f, 0x4e, v, 200);
        assert_int_equal(inject_quiet(&p, b, n, &f.addr), 0);
        assert_int_equal(mpsctp_assoc_mem_get(f.assoc, &m), 0);
        if (m.ctrl_queued > most)
            most = m.ctrl_queued;
    }
    mpsctp_endpoint_stats st = stats_of(&p, PAIR_B);
    print_message("most control bytes queued %llu (bound %llu); %llu replies dropped\n",
                  (unsigned long long)most, (unsigned long long)m.ctrl_bound,
                  (unsigned long long)st.ctrl_dropped);
    P_CHECK(&p, m.ctrl_bound == MPSCTP_CTRL_QUEUE_MAX, "ctrl_bound %llu",
            (unsigned long long)m.ctrl_bound);
    P_CHECK(&p, most <= MPSCTP_CTRL_QUEUE_MAX && most + 1100 > MPSCTP_CTRL_QUEUE_MAX,
            "%llu bytes queued", (unsigned long long)most);
    P_CHECK(&p, st.ctrl_dropped >= 9000, "%llu drops counted",
            (unsigned long long)st.ctrl_dropped);
    /* B's own chunks are not shut out by the replies. */
    assert_int_equal(pair_send_msg(&p, f.assoc, 0, 0, 300), 0);
    P_CHECK(&p, mpsctp_assoc_shutdown(f.assoc, p.now) == 0, "shutdown");
    pair_take(&p, PAIR_B, NULL, 0);
    P_CHECK(&p, pair_fake_sack(&p, &f, f.b_itsn, 1u << 20, NULL, 0) == 0, "SACK");
    pair_pkt *out[64];
    size_t n = pair_take(&p, PAIR_B, out, 64);
    P_CHECK(&p, n >= 1 && pair_find_chunk(out[n - 1]->data, out[n - 1]->len, SCTP_SHUTDOWN, NULL),
            "no SHUTDOWN after the flood (%zu packets)", n);
    P_CHECK(&p, pair_wire_count(&p, PAIR_B, SCTP_DATA, 0) >= 1, "data never sent");
    P_CHECK(&p, mpsctp_assoc_mem_get(f.assoc, &m) == 0 && m.ctrl_queued == 0,
            "%llu bytes still queued", (unsigned long long)m.ctrl_queued);
    pair_free(&p);
}

/* 5000 ERROR chunks while the application reads no event: REMOTE_ERROR reports stop at
 * the event bound (counted); the ABORT that follows is still reported (COMM_LOST), as
 * are the SEND_FAILED events of the messages it fails. */
static void test_error_flood_keeps_state_events(void **state)
{
    (void)state;
    pair p;
    pair_init(&p, 83, NULL, NULL);
    pair_fake f;
    assert_int_equal(pair_fake_connect(&p, &f, 10, 10), 0);
    pair_collect(&p);
    for (uint32_t i = 0; i < 3; i++)
        assert_int_equal(pair_send_msg(&p, f.assoc, i, 0, 300), 0);
    uint8_t b[256], cause[8] = {0, SCTP_CAUSE_OUT_OF_RESOURCE, 0, 4};
    for (int i = 0; i < 5000; i++) {
        size_t n = fake_packet(b, sizeof(b), &f, SCTP_ERROR, cause, 4);
        assert_int_equal(inject_quiet(&p, b, n, &f.addr), 0);
    }
    size_t n = fake_packet(b, sizeof(b), &f, SCTP_ABORT, NULL, 0);
    assert_int_equal(inject_quiet(&p, b, n, &f.addr), 0);
    size_t before = p.s[PAIR_B].nev;
    pair_collect(&p);
    size_t got = p.s[PAIR_B].nev - before;
    mpsctp_endpoint_stats st = stats_of(&p, PAIR_B);
    print_message("%zu events queued, %llu REMOTE_ERROR dropped\n", got,
                  (unsigned long long)st.events_dropped);
    P_CHECK(&p, got <= MPSCTP_EVENT_QUEUE_MAX + 4, "%zu events queued", got);
    P_CHECK(&p, st.events_dropped == 5000 - MPSCTP_EVENT_QUEUE_MAX, "%llu events dropped",
            (unsigned long long)st.events_dropped);
    P_CHECK(&p, pair_count_ev(&p, PAIR_B, MPSCTP_EV_ASSOC_CHANGE, MPSCTP_COMM_LOST) == 1,
            "COMM_LOST lost in the flood");
    P_CHECK(&p, pair_count_ev(&p, PAIR_B, MPSCTP_EV_SEND_FAILED, -1) == 3,
            "%zu SEND_FAILED", pair_count_ev(&p, PAIR_B, MPSCTP_EV_SEND_FAILED, -1));
    pair_free(&p);
}

/* 3000 INITs from different ports to the listening B, whose output is not drained: the
 * INIT ACKs queued stay within the reply bound (counted drops); once drained, the peer's
 * next INIT is answered again. */
static void test_init_flood_stays_bounded(void **state)
{
    (void)state;
    pair p;
    pair_init(&p, 84, NULL, NULL);
    uint8_t b[256];
    for (uint32_t i = 0; i < 3000; i++) {
        wbuf w;
        wbuf_init(&w, b, sizeof(b));
        codec_common_encode(&w, (uint16_t)(10000 + i), PAIR_PORT_B, 0);
        size_t off = codec_init_begin(&w, SCTP_INIT, 0x1000 + i, 65536, 10, 10, i);
        codec_chunk_end(&w, off);
        assert_int_equal(inject_quiet(&p, b, w.len, &p.s[PAIR_A].addr), 0);
    }
    pair_pkt *out[1];
    size_t n = pair_take(&p, PAIR_B, out, 1);
    size_t bytes = 0;
    for (size_t i = p.nwire - n; i < p.nwire; i++) {
        bytes += p.wire[i]->len;
        P_CHECK(&p, pair_find_chunk(p.wire[i]->data, p.wire[i]->len, SCTP_INIT_ACK, NULL),
                "not an INIT ACK");
    }
    mpsctp_endpoint_stats st = stats_of(&p, PAIR_B);
    print_message("%zu INIT ACKs, %zu bytes queued (bound %u); %llu dropped\n", n, bytes,
                  MPSCTP_REPLY_QUEUE_MAX, (unsigned long long)st.replies_dropped);
    P_CHECK(&p, bytes <= MPSCTP_REPLY_QUEUE_MAX, "%zu bytes of replies", bytes);
    P_CHECK(&p, n + st.replies_dropped == 3000, "%zu sent + %llu dropped", n,
            (unsigned long long)st.replies_dropped);
    P_CHECK(&p, st.replies_dropped > 0, "nothing dropped");
    /* Drained: the next INIT gets its INIT ACK. */
    P_CHECK(&p, pair_connect(&p, PAIR_A) != NULL, "connect");
    P_CHECK(&p, pair_pump_until(&p, SEC(5), pair_cond_up, NULL), "no COMM_UP after the flood");
    pair_free(&p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_oversize_heartbeat_ack_does_not_stall),
        cmocka_unit_test(test_reply_flood_stays_bounded),
        cmocka_unit_test(test_error_flood_keeps_state_events),
        cmocka_unit_test(test_init_flood_stays_bounded),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
