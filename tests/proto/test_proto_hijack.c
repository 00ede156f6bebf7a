/* A stranger that shares the peer's IP address (another process behind the same NAT or
 * on the same host) must not learn what it needs to kill or feed an association: RFC 9260
 * s1.3 and s5.2.2 (tie-tags are random values, not the real verification tags) and the
 * RFC 6951 update for UDP encapsulation (an INIT for an existing association from another
 * UDP port is answered with ABORT, cause New Encapsulation Port).
 *
 * The stranger speaks from A's address and SCTP port but another UDP port. After each
 * attempt it harvests every 32-bit word of every reply it got and tries each as the
 * verification tag of an ABORT (with and without the T bit) and of a DATA chunk; the
 * association must stay up and deliver nothing it did not get from A. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "pair.h"

#define STRANGER_UDP 9900
#define HARVEST_MAX 4096

typedef struct harvest {
    uint32_t w[HARVEST_MAX];
    size_t n;
} harvest;

/* Adds every 32-bit word (at every byte offset) of pkt to h. */
static void harvest_pkt(harvest *h, const uint8_t *pkt, size_t len)
{
    for (size_t i = 0; i + 4 <= len && h->n < HARVEST_MAX; i++)
        h->w[h->n++] = get32(pkt + i);
}

static int harvest_has(const harvest *h, uint32_t v)
{
    for (size_t i = 0; i < h->n; i++)
        if (h->w[i] == v) return 1;
    return 0;
}

/* Builds an INIT from A's SCTP port to B's with initiate tag tag (no addresses). */
static size_t make_init(uint8_t *buf, size_t cap, uint32_t tag)
{
    wbuf w;
    wbuf_init(&w, buf, cap);
    codec_common_encode(&w, PAIR_PORT_A, PAIR_PORT_B, 0);
    size_t off = codec_init_begin(&w, SCTP_INIT, tag, 65536, 10, 10, 1000);
    codec_chunk_end(&w, off);
    assert_int_equal(w.err, 0);
    return w.len;
}

/* Takes everything side `side` sends now; returns how many packets went to the stranger's
 * UDP port, harvesting them, and counts those holding chunk type `type` in *ntype. */
static size_t take_replies(pair *p, int side, harvest *h, uint8_t type, size_t *ntype)
{
    pair_pkt *out[32];
    size_t n = pair_take(p, side, out, 32), to_stranger = 0;
    *ntype = 0;
    for (size_t i = 0; i < n; i++) {
        if (out[i]->dst.udp_port != STRANGER_UDP) continue;
        to_stranger++;
        harvest_pkt(h, out[i]->data, out[i]->len);
        if (pair_find_chunk(out[i]->data, out[i]->len, type, NULL)) (*ntype)++;
    }
    return to_stranger;
}

/* The stranger tries every harvested word as a tag: ABORT (T bit off and on) and DATA
 * carrying a new TSN, all from its own UDP port and A's address. */
static void try_everything(pair *p, int to, const harvest *h, const mpsctp_addr *from,
                           uint32_t next_tsn)
{
    for (size_t i = 0; i < h->n; i++) {
        for (int t = 0; t < 2; t++) {
            uint8_t b[64];
            wbuf w;
            wbuf_init(&w, b, sizeof(b));
            codec_common_encode(&w, to == PAIR_B ? PAIR_PORT_A : PAIR_PORT_B,
                                to == PAIR_B ? PAIR_PORT_B : PAIR_PORT_A, h->w[i]);
            codec_empty_chunk(&w, SCTP_ABORT, t ? SCTP_FLAG_T : 0);
            pair_inject(p, to, b, w.len, from);
        }
        uint8_t b[64];
        wbuf w;
        wbuf_init(&w, b, sizeof(b));
        codec_common_encode(&w, to == PAIR_B ? PAIR_PORT_A : PAIR_PORT_B,
                            to == PAIR_B ? PAIR_PORT_B : PAIR_PORT_A, h->w[i]);
        static const uint8_t forged[8] = "FORGED!";
        codec_data_encode(&w, SCTP_DATA_B | SCTP_DATA_E, next_tsn, 0, 0, 0, forged, 8);
        pair_inject(p, to, b, w.len, from);
    }
}

static void stranger_addr(mpsctp_addr *a, uint32_t ip)
{
    mpsctp_addr_v4(a, ip, STRANGER_UDP);
}

/* Established association; the stranger sends INITs from A's address and another UDP
 * port. B answers with an ABORT only, which holds neither tag; nothing the stranger can
 * then send with what it saw disturbs the association. */
static void test_init_from_other_port(void **state)
{
    (void)state;
    for (uint64_t seed = 1; seed <= 5; seed++) {
        pair p;
        pair_init(&p, seed, NULL, NULL);
        mpsctp_assoc *a = pair_connect(&p, PAIR_A);
        P_CHECK(&p, pair_pump_until(&p, SEC(5), pair_cond_up, NULL), "no handshake");
        mpsctp_assoc *b = p.s[PAIR_B].assoc;
        mpsctp_assoc_status sb = pair_status(b);
        pair_pump(&p, SEC(1));
        mpsctp_addr from;
        stranger_addr(&from, PAIR_IP_A);
        harvest h = {.n = 0};
        for (uint32_t k = 0; k < 3; k++) {
            uint8_t pkt[256];
            size_t len = make_init(pkt, sizeof(pkt), 0x51000000u + k);
            pair_inject(&p, PAIR_B, pkt, len, &from);
            size_t naborts = 0;
            size_t n = take_replies(&p, PAIR_B, &h, SCTP_ABORT, &naborts);
            P_CHECK(&p, n == 1 && naborts == 1,
                    "INIT from another port: %zu replies, %zu ABORT", n, naborts);
            pair_pkt *last = pair_wire_nth(&p, PAIR_B, SCTP_ABORT, 0,
                                           pair_wire_count(&p, PAIR_B, SCTP_ABORT, 0) - 1);
            sctp_tlv ab, cause;
            P_CHECK(&p, pair_find_chunk(last->data, last->len, SCTP_ABORT, &ab), "no ABORT");
            P_CHECK(&p, pair_pkt_vtag(last) == 0x51000000u + k && !(ab.flags & SCTP_FLAG_T),
                    "ABORT must carry the INIT's tag without the T bit");
            P_CHECK(&p,
                    pair_find_param(&ab, 0, SCTP_CAUSE_NEW_ENCAPS_PORT, &cause) &&
                        cause.vlen == 4 && get16(cause.value) == STRANGER_UDP &&
                        get16(cause.value + 2) == PAIR_UDP,
                    "ABORT cause New Encapsulation Port with both ports");
        }
        P_CHECK(&p, !harvest_has(&h, sb.local_vtag) && !harvest_has(&h, sb.peer_vtag),
                "a reply to the stranger holds a live tag");
        mpsctp_endpoint_stats es;
        mpsctp_endpoint_stats_get(p.s[PAIR_B].ep, &es);
        P_CHECK(&p, es.dropped_foreign_port == 3, "foreign-port counter %llu",
                (unsigned long long)es.dropped_foreign_port);
        size_t before = p.s[PAIR_B].nmsg;
        try_everything(&p, PAIR_B, &h, &from, pair_status(b).cum_tsn_ack + 1);
        P_CHECK(&p, p.s[PAIR_B].nmsg == before, "B delivered forged data");
        P_CHECK(&p,
                pair_count_ev(&p, PAIR_B, MPSCTP_EV_ASSOC_CHANGE, MPSCTP_COMM_LOST) == 0 &&
                    pair_count_ev(&p, PAIR_B, MPSCTP_EV_ASSOC_CHANGE, MPSCTP_RESTART) == 0,
                "the stranger disturbed B's association");
        /* The real peer is unaffected. */
        for (uint32_t i = 0; i < 4; i++)
            P_CHECK(&p, pair_send_msg(&p, a, i, 0, 500) == 0, "A send");
        pair_pump(&p, SEC(3));
        char why[128];
        P_CHECK(&p, pair_verify_rx(&p, PAIR_B, 4, why, sizeof(why)) == 0, "%s", why);
        P_CHECK(&p, pair_status(b).state == MPSCTP_ESTABLISHED, "B not ESTABLISHED");
        pair_free(&p);
    }
}

/* The same during set-up: A is in COOKIE-WAIT (B's INIT ACK held back); an INIT from B's
 * address and another UDP port must not get the INIT ACK that would carry A's tag. */
static void test_init_from_other_port_cookie_wait(void **state)
{
    (void)state;
    pair p;
    pair_init(&p, 7, NULL, NULL);
    mpsctp_assoc *a = pair_connect(&p, PAIR_A);
    P_CHECK(&p, mpsctp_assoc_state(a) == MPSCTP_COOKIE_WAIT, "A not in COOKIE-WAIT");
    uint32_t my_tag = pair_status(a).local_vtag;
    mpsctp_addr from;
    stranger_addr(&from, PAIR_IP_B);
    uint8_t pkt[256];
    wbuf w;
    wbuf_init(&w, pkt, sizeof(pkt));
    codec_common_encode(&w, PAIR_PORT_B, PAIR_PORT_A, 0);
    size_t off = codec_init_begin(&w, SCTP_INIT, 0x77777777u, 65536, 10, 10, 1);
    codec_chunk_end(&w, off);
    pair_inject(&p, PAIR_A, pkt, w.len, &from);
    harvest h = {.n = 0};
    size_t naborts = 0;
    size_t n = take_replies(&p, PAIR_A, &h, SCTP_ABORT, &naborts);
    P_CHECK(&p, n == 1 && naborts == 1, "%zu replies, %zu ABORT", n, naborts);
    P_CHECK(&p, !harvest_has(&h, my_tag), "the reply holds A's tag");
    /* The handshake with the real B still completes. */
    P_CHECK(&p, pair_pump_until(&p, SEC(5), pair_cond_up, NULL), "no handshake");
    pair_free(&p);
}

/* The peer itself (same address and UDP port) restarting gets an INIT ACK: its cookie's
 * tie-tags must not be the live tags, and the restart must still be recognised (table 2,
 * case A) when its COOKIE ECHO comes back. */
static void test_tie_tags_are_not_tags(void **state)
{
    (void)state;
    for (uint64_t seed = 11; seed <= 15; seed++) {
        pair p;
        pair_init(&p, seed, NULL, NULL);
        pair_connect(&p, PAIR_A);
        P_CHECK(&p, pair_pump_until(&p, SEC(5), pair_cond_up, NULL), "no handshake");
        mpsctp_assoc *b = p.s[PAIR_B].assoc;
        mpsctp_assoc_status sb = pair_status(b);
        mpsctp_addr from;
        mpsctp_addr_v4(&from, PAIR_IP_A, PAIR_UDP);
        uint8_t pkt[256];
        size_t len = make_init(pkt, sizeof(pkt), 0x1234567u + (uint32_t)seed);
        pair_inject(&p, PAIR_B, pkt, len, &from);
        pair_pkt *out[8];
        size_t n = pair_take(&p, PAIR_B, out, 8);
        pair_pkt *ack = NULL;
        for (size_t i = 0; i < n; i++)
            if (pair_find_chunk(out[i]->data, out[i]->len, SCTP_INIT_ACK, NULL)) ack = out[i];
        P_CHECK(&p, ack != NULL, "no INIT ACK to the peer's restart INIT");
        harvest h = {.n = 0};
        harvest_pkt(&h, ack->data, ack->len);
        P_CHECK(&p, !harvest_has(&h, sb.local_vtag) && !harvest_has(&h, sb.peer_vtag),
                "the INIT ACK (cookie tie-tags) holds a live tag");
        /* Echo the cookie as the restarted peer would: B restarts the association. */
        sctp_tlv c, ck;
        P_CHECK(&p, pair_find_chunk(ack->data, ack->len, SCTP_INIT_ACK, &c), "INIT ACK");
        P_CHECK(&p, pair_find_param(&c, 16, SCTP_P_STATE_COOKIE, &ck), "no cookie");
        uint8_t echo[1024];
        wbuf w;
        wbuf_init(&w, echo, sizeof(echo));
        codec_common_encode(&w, PAIR_PORT_A, PAIR_PORT_B, get32(c.value));
        size_t off = codec_chunk_begin(&w, SCTP_COOKIE_ECHO, 0);
        wbuf_put(&w, ck.value, ck.vlen);
        codec_chunk_end(&w, off);
        pair_inject(&p, PAIR_B, echo, w.len, &from);
        P_CHECK(&p, pair_count_ev(&p, PAIR_B, MPSCTP_EV_ASSOC_CHANGE, MPSCTP_RESTART) == 1,
                "restart not recognised");
        P_CHECK(&p, pair_status(b).peer_vtag == 0x1234567u + (uint32_t)seed,
                "B does not use the restarted peer's tag");
        pair_free(&p);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_init_from_other_port),
        cmocka_unit_test(test_init_from_other_port_cookie_wait),
        cmocka_unit_test(test_tie_tags_are_not_tags),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
