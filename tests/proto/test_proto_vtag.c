/* Verification tag rules (RFC 9260 s8.5, s8.5.1), out-of-the-blue packets (s8.4) and the
 * checksum (s6.8). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "crc32c.h"
#include "pair.h"

static void establish(pair *p)
{
    P_CHECK(p, pair_connect(p, PAIR_A) != NULL, "connect failed");
    P_CHECK(p, pair_pump_until(p, SEC(30), pair_cond_up, NULL), "handshake did not complete");
    pair_pump(p, SEC(1));
}

static uint64_t drops(const pair *p, int side)
{
    mpsctp_endpoint_stats st;
    mpsctp_endpoint_stats_get(p->s[side].ep, &st);
    return st.dropped_vtag + st.dropped_ootb;
}

/* Packet from A's address and port to B with one chunk built by the caller's bytes. */
static size_t pkt_hb(uint8_t *b, size_t cap, uint16_t sport, uint16_t dport, uint32_t vtag)
{
    wbuf w;
    wbuf_init(&w, b, cap);
    codec_common_encode(&w, sport, dport, vtag);
    size_t off = codec_chunk_begin(&w, SCTP_HEARTBEAT, 0);
    uint8_t info[8] = {1, 2, 3, 4, 5, 6, 7, 8};
    codec_param_put(&w, SCTP_P_HEARTBEAT_INFO, info, sizeof(info));
    codec_chunk_end(&w, off);
    return w.len;
}

static size_t pkt_data(uint8_t *b, size_t cap, uint16_t sport, uint16_t dport, uint32_t vtag,
                       uint32_t tsn)
{
    wbuf w;
    wbuf_init(&w, b, cap);
    codec_common_encode(&w, sport, dport, vtag);
    uint8_t payload[100];
    memset(payload, 0xab, sizeof(payload));
    codec_data_encode(&w, SCTP_DATA_B | SCTP_DATA_E, tsn, 0, 0, 0, payload, sizeof(payload));
    return w.len;
}

static size_t pkt_abort(uint8_t *b, size_t cap, uint16_t sport, uint16_t dport, uint32_t vtag,
                        int tbit)
{
    wbuf w;
    wbuf_init(&w, b, cap);
    codec_common_encode(&w, sport, dport, vtag);
    codec_empty_chunk(&w, SCTP_ABORT, tbit ? SCTP_FLAG_T : 0);
    return w.len;
}

/* DATA and HEARTBEAT with a wrong tag from the peer's own address: no effect on the
 * association, counted as dropped. */
static void test_wrong_tag_no_effect(void **state)
{
    (void)state;
    pair p;
    pair_init(&p, 71, NULL, NULL);
    establish(&p);
    mpsctp_assoc *a = p.s[PAIR_A].assoc, *b = p.s[PAIR_B].assoc;
    mpsctp_assoc_status sa = pair_status(a), sb = pair_status(b);
    uint8_t buf[512];
    uint64_t d0 = drops(&p, PAIR_B);
    size_t nev = p.s[PAIR_B].nev;
    size_t n = pkt_data(buf, sizeof(buf), PAIR_PORT_A, PAIR_PORT_B, sb.local_vtag ^ 0x01000100u,
                        sa.next_tsn);
    pair_inject(&p, PAIR_B, buf, n, NULL);
    n = pkt_hb(buf, sizeof(buf), PAIR_PORT_A, PAIR_PORT_B, sb.local_vtag + 1);
    pair_inject(&p, PAIR_B, buf, n, NULL);
    P_CHECK(&p, drops(&p, PAIR_B) == d0 + 2, "drops not counted (%llu -> %llu)",
            (unsigned long long)d0, (unsigned long long)drops(&p, PAIR_B));
    mpsctp_assoc_status sb2 = pair_status(b);
    P_CHECK(&p, sb2.cum_tsn_ack == sb.cum_tsn_ack && sb2.data_chunks_received == sb.data_chunks_received,
            "DATA with a wrong tag was taken");
    P_CHECK(&p, mpsctp_assoc_readable(b) == 0, "DATA with a wrong tag is readable");
    P_CHECK(&p, p.s[PAIR_B].nev == nev, "event after wrong-tag packets");
    pair_pkt *out[8];
    size_t no = pair_take(&p, PAIR_B, out, 8);
    for (size_t i = 0; i < no; i++)
        P_CHECK(&p, !pair_find_chunk(out[i]->data, out[i]->len, SCTP_HEARTBEAT_ACK, NULL),
                "HEARTBEAT with a wrong tag answered");
    pair_pump(&p, SEC(3));
    P_CHECK(&p, pair_status(a).state == MPSCTP_ESTABLISHED &&
                    pair_status(b).state == MPSCTP_ESTABLISHED,
            "association hurt by wrong-tag packets");
    P_CHECK(&p, pair_send_msg(&p, a, 0, 0, 100) == 0, "send");
    pair_pump(&p, SEC(1));
    P_CHECK(&p, p.s[PAIR_B].nmsg == 1, "data does not flow afterwards");
    pair_free(&p);
}

/* RFC 9260 s8.5: a packet of an existing association (it comes from the peer's address and
 * port) whose tag does not match is discarded silently: nothing is sent in reply. */
static void test_wrong_tag_silent(void **state)
{
    (void)state;
    pair p;
    pair_init(&p, 72, NULL, NULL);
    establish(&p);
    mpsctp_assoc_status sa = pair_status(p.s[PAIR_A].assoc), sb = pair_status(p.s[PAIR_B].assoc);
    uint8_t buf[512];
    size_t n = pkt_data(buf, sizeof(buf), PAIR_PORT_A, PAIR_PORT_B, sb.local_vtag ^ 0x00ff0000u,
                        sa.next_tsn);
    pair_pkt *out[8];
    pair_take(&p, PAIR_B, out, 8); /* whatever was pending before */
    pair_inject(&p, PAIR_B, buf, n, NULL);
    size_t no = pair_take(&p, PAIR_B, out, 8);
    P_CHECK(&p, no == 0, "B answered a wrong-tag DATA from its peer with %zu packet(s)%s", no,
            no && pair_find_chunk(out[0]->data, out[0]->len, SCTP_ABORT, NULL) ? " (ABORT)" : "");
    pair_free(&p);
}

/* RFC 9260 s8.5.1 B: ABORT is accepted with our tag and T=0, or with the peer's tag and T=1;
 * any other combination is discarded. */
static void test_abort_tag_rules(void **state)
{
    (void)state;
    pair p;
    pair_init(&p, 73, NULL, NULL);
    establish(&p);
    mpsctp_assoc *b = p.s[PAIR_B].assoc;
    mpsctp_assoc_status sb = pair_status(b);
    uint8_t buf[64];
    struct {
        uint32_t tag;
        int t;
    } bad[] = {{sb.local_vtag, 1},      /* own tag with T */
               {sb.peer_vtag, 0},       /* peer's tag without T */
               {sb.local_vtag ^ 1, 0},  /* wrong tag */
               {sb.peer_vtag ^ 1, 1}};  /* wrong reflected tag */
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        size_t n = pkt_abort(buf, sizeof(buf), PAIR_PORT_A, PAIR_PORT_B, bad[i].tag, bad[i].t);
        pair_inject(&p, PAIR_B, buf, n, NULL);
        P_CHECK(&p, mpsctp_assoc_state(b) == MPSCTP_ESTABLISHED,
                "ABORT %zu (tag %08x, T=%d) accepted", i, bad[i].tag, bad[i].t);
    }
    P_CHECK(&p, pair_count_ev(&p, PAIR_B, MPSCTP_EV_ASSOC_CHANGE, MPSCTP_COMM_LOST) == 0,
            "COMM_LOST from a bad ABORT");
    /* The peer's tag with the T bit: accepted. */
    size_t n = pkt_abort(buf, sizeof(buf), PAIR_PORT_A, PAIR_PORT_B, sb.peer_vtag, 1);
    pair_inject(&p, PAIR_B, buf, n, NULL);
    P_CHECK(&p, mpsctp_assoc_state(b) == MPSCTP_CLOSED, "ABORT with T and the peer's tag ignored");
    P_CHECK(&p, pair_count_ev(&p, PAIR_B, MPSCTP_EV_ASSOC_CHANGE, MPSCTP_COMM_LOST) == 1,
            "no COMM_LOST");
    pair_pkt *out[4];
    P_CHECK(&p, pair_take(&p, PAIR_B, out, 4) == 0, "B answered an ABORT");
    pair_free(&p);

    /* Own tag without T: accepted as well. */
    pair_init(&p, 74, NULL, NULL);
    establish(&p);
    b = p.s[PAIR_B].assoc;
    sb = pair_status(b);
    n = pkt_abort(buf, sizeof(buf), PAIR_PORT_A, PAIR_PORT_B, sb.local_vtag, 0);
    pair_inject(&p, PAIR_B, buf, n, NULL);
    P_CHECK(&p, mpsctp_assoc_state(b) == MPSCTP_CLOSED, "ABORT with our tag ignored");
    pair_free(&p);
}

/* RFC 9260 s8.5.1 A, s6.10: an INIT needs tag 0 and a packet of its own. */
static void test_init_tag_and_bundling(void **state)
{
    (void)state;
    pair p;
    pair_init(&p, 75, NULL, NULL);
    mpsctp_addr from;
    mpsctp_addr_v4(&from, 0x0a000009u, PAIR_UDP);
    uint8_t buf[512];
    wbuf w;
    /* Nonzero tag. */
    wbuf_init(&w, buf, sizeof(buf));
    codec_common_encode(&w, 7000, PAIR_PORT_B, 0x12345678u);
    size_t off = codec_init_begin(&w, SCTP_INIT, 0x0badcafeu, 65536, 10, 10, 1);
    codec_chunk_end(&w, off);
    pair_inject(&p, PAIR_B, buf, w.len, &from);
    pair_pkt *out[4];
    P_CHECK(&p, pair_take(&p, PAIR_B, out, 4) == 0, "INIT with a nonzero tag answered");
    /* INIT bundled with DATA. */
    wbuf_init(&w, buf, sizeof(buf));
    codec_common_encode(&w, 7000, PAIR_PORT_B, 0);
    off = codec_init_begin(&w, SCTP_INIT, 0x0badcafeu, 65536, 10, 10, 1);
    codec_chunk_end(&w, off);
    uint8_t pl[8] = {0};
    codec_data_encode(&w, SCTP_DATA_B | SCTP_DATA_E, 1, 0, 0, 0, pl, sizeof(pl));
    pair_inject(&p, PAIR_B, buf, w.len, &from);
    P_CHECK(&p, pair_take(&p, PAIR_B, out, 4) == 0, "INIT bundled with DATA answered");
    /* INIT followed by a HEARTBEAT. */
    wbuf_init(&w, buf, sizeof(buf));
    codec_common_encode(&w, 7000, PAIR_PORT_B, 0);
    off = codec_init_begin(&w, SCTP_INIT, 0x0badcafeu, 65536, 10, 10, 1);
    codec_chunk_end(&w, off);
    off = codec_chunk_begin(&w, SCTP_HEARTBEAT, 0);
    codec_param_put(&w, SCTP_P_HEARTBEAT_INFO, pl, 4);
    codec_chunk_end(&w, off);
    pair_inject(&p, PAIR_B, buf, w.len, &from);
    P_CHECK(&p, pair_take(&p, PAIR_B, out, 4) == 0, "INIT bundled with HEARTBEAT answered");
    /* The same INIT alone and with tag 0 is answered (the test can tell). */
    wbuf_init(&w, buf, sizeof(buf));
    codec_common_encode(&w, 7000, PAIR_PORT_B, 0);
    off = codec_init_begin(&w, SCTP_INIT, 0x0badcafeu, 65536, 10, 10, 1);
    codec_chunk_end(&w, off);
    pair_inject(&p, PAIR_B, buf, w.len, &from);
    P_CHECK(&p, pair_take(&p, PAIR_B, out, 4) == 1 &&
                    pair_find_chunk(out[0]->data, out[0]->len, SCTP_INIT_ACK, NULL),
            "valid INIT not answered");
    P_CHECK(&p, p.s[PAIR_B].nev == 0, "B reported events");
    pair_free(&p);
}

/* RFC 9260 s8.4: out-of-the-blue packets. */
static void test_ootb(void **state)
{
    (void)state;
    pair p;
    pair_init(&p, 76, NULL, NULL);
    establish(&p); /* B has an association, with other tags */
    mpsctp_addr from;
    mpsctp_addr_v4(&from, 0x0a000009u, PAIR_UDP);
    uint8_t buf[512];
    wbuf w;
    pair_pkt *out[4];
    sctp_tlv c;
    const uint32_t tag = 0xabcd1234u;
    uint64_t d0 = drops(&p, PAIR_B);

    /* Rule 5: SHUTDOWN ACK -> SHUTDOWN COMPLETE, T bit, the packet's tag. */
    wbuf_init(&w, buf, sizeof(buf));
    codec_common_encode(&w, 7000, PAIR_PORT_B, tag);
    codec_empty_chunk(&w, SCTP_SHUTDOWN_ACK, 0);
    pair_inject(&p, PAIR_B, buf, w.len, &from);
    size_t no = pair_take(&p, PAIR_B, out, 4);
    P_CHECK(&p, no == 1 && pair_chunks(out[0]->data, out[0]->len, &c, 1) == 1 &&
                    c.type == SCTP_SHUTDOWN_COMPLETE && (c.flags & SCTP_FLAG_T),
            "OOTB SHUTDOWN ACK: %zu packets, no SHUTDOWN COMPLETE with T", no);
    P_CHECK(&p, pair_pkt_vtag(out[0]) == tag && get16(out[0]->data) == PAIR_PORT_B &&
                    get16(out[0]->data + 2) == 7000 && out[0]->to == PAIR_NOWHERE &&
                    mpsctp_addr_equal(&out[0]->dst, &from),
            "SHUTDOWN COMPLETE tag/ports/address wrong");

    /* Rule 2: ABORT -> nothing. Rule 6: SHUTDOWN COMPLETE -> nothing. Rule 7: COOKIE ACK ->
     * nothing (stale cookie ERROR as well). */
    const uint8_t silent[] = {SCTP_ABORT, SCTP_SHUTDOWN_COMPLETE, SCTP_COOKIE_ACK};
    for (size_t i = 0; i < sizeof(silent); i++) {
        for (int t = 0; t < 2; t++) {
            wbuf_init(&w, buf, sizeof(buf));
            codec_common_encode(&w, 7000, PAIR_PORT_B, tag);
            codec_empty_chunk(&w, silent[i], t ? SCTP_FLAG_T : 0);
            pair_inject(&p, PAIR_B, buf, w.len, &from);
            no = pair_take(&p, PAIR_B, out, 4);
            P_CHECK(&p, no == 0, "OOTB %s (T=%d) answered", codec_chunk_name(silent[i]), t);
        }
    }
    wbuf_init(&w, buf, sizeof(buf));
    codec_common_encode(&w, 7000, PAIR_PORT_B, tag);
    size_t off = codec_chunk_begin(&w, SCTP_ERROR, 0);
    uint8_t stale[4] = {0, 0, 1, 0};
    codec_param_put(&w, SCTP_CAUSE_STALE_COOKIE, stale, 4);
    codec_chunk_end(&w, off);
    pair_inject(&p, PAIR_B, buf, w.len, &from);
    P_CHECK(&p, pair_take(&p, PAIR_B, out, 4) == 0, "OOTB stale cookie ERROR answered");

    /* Rule 8: DATA (or SACK, HEARTBEAT...) -> ABORT, T bit, the packet's tag. */
    size_t n = pkt_data(buf, sizeof(buf), 7000, PAIR_PORT_B, tag, 1234);
    pair_inject(&p, PAIR_B, buf, n, &from);
    no = pair_take(&p, PAIR_B, out, 4);
    P_CHECK(&p, no == 1 && pair_chunks(out[0]->data, out[0]->len, &c, 1) == 1 &&
                    c.type == SCTP_ABORT && (c.flags & SCTP_FLAG_T) &&
                    pair_pkt_vtag(out[0]) == tag,
            "OOTB DATA: %zu packets, no ABORT with T and the packet's tag", no);
    n = pkt_hb(buf, sizeof(buf), 7000, PAIR_PORT_B, tag);
    pair_inject(&p, PAIR_B, buf, n, &from);
    no = pair_take(&p, PAIR_B, out, 4);
    P_CHECK(&p, no == 1 && pair_find_chunk(out[0]->data, out[0]->len, SCTP_ABORT, &c) &&
                    (c.flags & SCTP_FLAG_T) && pair_pkt_vtag(out[0]) == tag,
            "OOTB HEARTBEAT not answered with ABORT(T)");
    /* SHUTDOWN ACK, 6 silent ones, the stale cookie ERROR, DATA and HEARTBEAT: 10 */
    P_CHECK(&p, drops(&p, PAIR_B) == d0 + 10, "%llu OOTB packets counted, expected 10",
            (unsigned long long)(drops(&p, PAIR_B) - d0));
    /* None of it touched the association or produced events. */
    P_CHECK(&p, pair_count_ev(&p, PAIR_B, MPSCTP_EV_ASSOC_CHANGE, -1) == 1, "B events");
    pair_pump(&p, SEC(2));
    P_CHECK(&p, pair_status(p.s[PAIR_B].assoc).state == MPSCTP_ESTABLISHED, "B hurt");
    pair_free(&p);
}

/* RFC 9260 s6.8: a packet with a bad CRC32c is discarded. */
static void test_bad_checksum(void **state)
{
    (void)state;
    pair p;
    pair_init(&p, 77, NULL, NULL);
    establish(&p);
    mpsctp_assoc *b = p.s[PAIR_B].assoc;
    mpsctp_assoc_status sa = pair_status(p.s[PAIR_A].assoc), sb = pair_status(b);
    uint8_t buf[512];
    size_t n = pkt_data(buf, sizeof(buf), PAIR_PORT_A, PAIR_PORT_B, sb.local_vtag, sa.next_tsn);
    crc32c_fn fn = crc32c_select();
    mpsctp_endpoint_stats st0, st1;
    mpsctp_endpoint_stats_get(p.s[PAIR_B].ep, &st0);
    for (int k = 0; k < 3; k++) {
        sctp_checksum_set(fn, buf, n);
        if (k == 0)
            buf[8] ^= 0x01; /* checksum field */
        else if (k == 1)
            buf[n - 1] ^= 0x80; /* payload */
        else
            buf[5] ^= 0x10; /* tag, after the checksum was computed */
        int rc = mpsctp_endpoint_recv(p.s[PAIR_B].ep, buf, n, &p.s[PAIR_B].addr,
                                      &p.s[PAIR_A].addr, p.now);
        P_CHECK(&p, rc == MPSCTP_ERR_CHECKSUM, "corruption %d: recv returned %d", k, rc);
        if (k == 2)
            buf[5] ^= 0x10;
        if (k == 1)
            buf[n - 1] ^= 0x80;
    }
    mpsctp_endpoint_stats_get(p.s[PAIR_B].ep, &st1);
    P_CHECK(&p, st1.dropped_checksum == st0.dropped_checksum + 3, "dropped_checksum %llu",
            (unsigned long long)(st1.dropped_checksum - st0.dropped_checksum));
    P_CHECK(&p, pair_status(b).data_chunks_received == sb.data_chunks_received &&
                    mpsctp_assoc_readable(b) == 0,
            "corrupted DATA taken");
    pair_pkt *out[4];
    P_CHECK(&p, pair_take(&p, PAIR_B, out, 4) == 0, "B answered a corrupted packet");
    pair_free(&p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_wrong_tag_no_effect),
        cmocka_unit_test(test_wrong_tag_silent),
        cmocka_unit_test(test_abort_tag_rules),
        cmocka_unit_test(test_init_tag_and_bundling),
        cmocka_unit_test(test_ootb),
        cmocka_unit_test(test_bad_checksum),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
