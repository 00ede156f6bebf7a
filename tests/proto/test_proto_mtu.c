/* Packet size per address family: the mtu setting is the SCTP packet size on an IPv4
 * path; an IPv6 path's packets are 20 bytes smaller (its IP header is 20 bytes longer),
 * so that neither needs IP fragmentation on the same link. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "pair.h"

/* The largest packet B sends to the fake for a 20000-byte message, and the largest DATA
 * payload in it; the path's reported mtu in *mtu. */
static size_t largest_packet(pair *p, const pair_fake *f, uint32_t *mtu, size_t *payload)
{
    /* Enough window for the whole message at once. */
    for (uint32_t i = 0; i < 4; i++)
        P_CHECK(p, pair_send_msg(p, f->assoc, i, 0, 5000) == 0, "send");
    pair_pkt *out[64];
    size_t n = pair_take(p, PAIR_B, out, 64), most = 0;
    *payload = 0;
    for (size_t i = 0; i < n && i < 64; i++) {
        P_CHECK(p, mpsctp_addr_equal(&out[i]->dst, &f->addr), "packet elsewhere");
        if (out[i]->len > most)
            most = out[i]->len;
        sctp_tlv c;
        if (pair_find_chunk(out[i]->data, out[i]->len, SCTP_DATA, &c) &&
            c.vlen - 12 > *payload)
            *payload = c.vlen - 12;
    }
    mpsctp_path_info pi;
    P_CHECK(p, mpsctp_assoc_path_info(f->assoc, 0, &pi) == 0, "path info");
    *mtu = pi.mtu;
    return most;
}

static void test_packet_size_per_family(void **state)
{
    (void)state;
    for (int v6 = 0; v6 <= 1; v6++) {
        pair p;
        pair_init(&p, 91, NULL, NULL);
        mpsctp_addr from;
        if (v6) {
            memset(&from, 0, sizeof(from));
            from.family = MPSCTP_AF_INET6;
            from.udp_port = PAIR_UDP;
            const uint8_t ip[16] = {0x20, 0x01, 0x0d, 0xb8, [15] = 3};
            memcpy(from.ip, ip, 16);
        } else {
            mpsctp_addr_v4(&from, PAIR_IP_FAKE, PAIR_UDP);
        }
        pair_fake f;
        P_CHECK(&p, pair_fake_connect_at(&p, &f, &from, 10, 10, NULL, 0) == 0, "handshake");
        uint32_t mtu;
        size_t payload, most = largest_packet(&p, &f, &mtu, &payload);
        uint32_t want = v6 ? 1460 : 1480;
        print_message("%s path: largest packet %zu, DATA payload %zu, path mtu %u\n",
                      v6 ? "IPv6" : "IPv4", most, payload, mtu);
        P_CHECK(&p, most == want, "largest packet %zu, expected %u", most, want);
        P_CHECK(&p, payload == want - 28, "DATA payload %zu", payload);
        P_CHECK(&p, mtu == want, "path mtu %u", mtu);
        pair_free(&p);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_packet_size_per_family),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
