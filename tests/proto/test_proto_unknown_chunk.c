/* Unknown chunk types in an established association (RFC 9260 s3.2): the upper two bits
 * of the type say whether the rest of the packet is processed and whether an ERROR with
 * the Unrecognized Chunk Type cause (s3.3.10.6) reports it. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "pair.h"

static void run_unknown(uint8_t type, int processes_rest, int reports)
{
    pair p;
    pair_init(&p, 90 + type, NULL, NULL);
    P_CHECK(&p, pair_connect(&p, PAIR_A) != NULL, "connect");
    P_CHECK(&p, pair_pump_until(&p, SEC(5), pair_cond_up, NULL), "no handshake");
    pair_pump(&p, SEC(1));
    mpsctp_assoc *b = p.s[PAIR_B].assoc;
    mpsctp_assoc_status sb = pair_status(b);

    /* [unknown chunk][HEARTBEAT]: the HEARTBEAT ACK shows whether the rest was processed. */
    uint8_t buf[256];
    wbuf w;
    wbuf_init(&w, buf, sizeof(buf));
    codec_common_encode(&w, PAIR_PORT_A, PAIR_PORT_B, sb.local_vtag);
    size_t off = codec_chunk_begin(&w, type, 0x5a);
    uint8_t junk[6] = {9, 8, 7, 6, 5, 4};
    wbuf_put(&w, junk, sizeof(junk));
    codec_chunk_end(&w, off);
    off = codec_chunk_begin(&w, SCTP_HEARTBEAT, 0);
    uint8_t info[12] = {0xa1, 0xa2, 0xa3};
    codec_param_put(&w, SCTP_P_HEARTBEAT_INFO, info, sizeof(info));
    codec_chunk_end(&w, off);
    pair_inject(&p, PAIR_B, buf, w.len, NULL);
    pair_pkt *out[8];
    size_t no = pair_take(&p, PAIR_B, out, 8);
    int hb_ack = 0, err = 0;
    for (size_t i = 0; i < no; i++) {
        sctp_tlv c, cause;
        if (pair_find_chunk(out[i]->data, out[i]->len, SCTP_HEARTBEAT_ACK, &c)) {
            hb_ack++;
            P_CHECK(&p, c.vlen == 16 && memcmp(c.value + 4, info, sizeof(info)) == 0,
                    "HEARTBEAT ACK does not echo the info");
        }
        if (pair_find_chunk(out[i]->data, out[i]->len, SCTP_ERROR, &c) &&
            pair_find_param(&c, 0, SCTP_CAUSE_UNRECOGNIZED_CHUNK, &cause)) {
            err++;
            /* The cause holds the unrecognized chunk as received. */
            P_CHECK(&p, cause.vlen >= 10 && cause.value[0] == type && cause.value[1] == 0x5a &&
                            get16(cause.value + 2) == 10 && memcmp(cause.value + 4, junk, 6) == 0,
                    "type %02x: Unrecognized Chunk Type cause mangled", type);
            P_CHECK(&p, pair_pkt_vtag(out[i]) == sb.peer_vtag, "ERROR tag");
        }
    }
    P_CHECK(&p, hb_ack == processes_rest, "type %02x: chunk after it %s processed", type,
            hb_ack ? "was" : "was not");
    P_CHECK(&p, err == reports, "type %02x: %d Unrecognized Chunk Type reports, expected %d",
            type, err, reports);
    P_CHECK(&p, mpsctp_assoc_state(b) == MPSCTP_ESTABLISHED, "association closed");
    P_CHECK(&p, pair_count_ev(&p, PAIR_B, MPSCTP_EV_ASSOC_CHANGE, -1) == 1, "B events");
    /* The association carries on. */
    P_CHECK(&p, pair_send_msg(&p, p.s[PAIR_A].assoc, 0, 1, 300) == 0, "send");
    pair_pump(&p, SEC(2));
    P_CHECK(&p, p.s[PAIR_B].nmsg == 1 && pair_status(p.s[PAIR_A].assoc).unacked_chunks == 0,
            "data does not flow afterwards");
    pair_free(&p);
}

static void test_unknown_00(void **state)
{
    (void)state;
    run_unknown(0x3e, 0, 0);
}

static void test_unknown_01(void **state)
{
    (void)state;
    run_unknown(0x7e, 0, 1);
}

static void test_unknown_10(void **state)
{
    (void)state;
    run_unknown(0xbe, 1, 0);
}

static void test_unknown_11(void **state)
{
    (void)state;
    run_unknown(0xfe, 1, 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_unknown_00),
        cmocka_unit_test(test_unknown_01),
        cmocka_unit_test(test_unknown_10),
        cmocka_unit_test(test_unknown_11),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
