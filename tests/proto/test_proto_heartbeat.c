/* Path heartbeats (RFC 9260 s8.3, s8.1, s8.2, s6.3.3): an idle association heartbeats once
 * per HB.interval + RTO (jitter +-50% of RTO) on each side, measures the RTT and stays up
 * for an hour; when the peer falls silent the association fails after
 * Association.Max.Retrans unanswered heartbeats, with the RTO backing off between them
 * (capped at RTO.Initial once the path is inactive). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "pair.h"

static int hook_silence(pair *p, pair_pkt *k)
{
    (void)k;
    return *(int *)p->user ? PAIR_DROP : PAIR_PASS;
}

static int cond_both_lost(pair *p, void *arg)
{
    (void)arg;
    return pair_count_ev(p, PAIR_A, MPSCTP_EV_ASSOC_CHANGE, MPSCTP_COMM_LOST) > 0 &&
           pair_count_ev(p, PAIR_B, MPSCTP_EV_ASSOC_CHANGE, MPSCTP_COMM_LOST) > 0;
}

static void run_heartbeat(uint64_t seed)
{
    pair p;
    int silent = 0;
    pair_init(&p, seed, NULL, NULL);
    p.hook = hook_silence;
    p.user = &silent;
    P_CHECK(&p, pair_connect(&p, PAIR_A) != NULL, "connect");
    P_CHECK(&p, pair_pump_until(&p, SEC(5), pair_cond_up, NULL), "no handshake");
    uint64_t t_up = p.now;
    pair_pump(&p, SEC(3600));

    const uint64_t interval = SEC(30), rto = SEC(1);
    for (int s = 0; s < 2; s++) {
        size_t n = pair_wire_count(&p, s, SCTP_HEARTBEAT, t_up);
        size_t na = pair_wire_count(&p, 1 - s, SCTP_HEARTBEAT_ACK, t_up);
        /* One per interval + RTO +- RTO/2: 3600 / 31.5 .. 3600 / 30.5. */
        P_CHECK(&p, n >= 112 && n <= 119, "side %d sent %zu heartbeats in an hour", s, n);
        P_CHECK(&p, na == n, "side %d: %zu heartbeats, %zu acks", s, n, na);
        for (size_t i = 1; i < n; i++) {
            uint64_t g = pair_wire_nth(&p, s, SCTP_HEARTBEAT, t_up, i)->sent -
                         pair_wire_nth(&p, s, SCTP_HEARTBEAT, t_up, i - 1)->sent;
            P_CHECK(&p, g >= interval + rto / 2 - MS(1) && g <= interval + rto * 3 / 2 + MS(25),
                    "side %d: heartbeat gap %.3f s", s, (double)g / 1e9);
        }
        mpsctp_path_info pi;
        P_CHECK(&p, mpsctp_assoc_path_info(p.s[s].assoc, 0, &pi) == 0, "path info");
        P_CHECK(&p, pi.srtt_ms >= 18 && pi.srtt_ms <= 22, "side %d: srtt %u ms (RTT is 20 ms)", s,
                pi.srtt_ms);
        P_CHECK(&p, pi.rto_ms == 1000, "side %d: RTO %u ms, RTO.Min is 1000", s, pi.rto_ms);
        P_CHECK(&p, pi.error_count == 0 && pi.active, "side %d: path errors %u", s,
                pi.error_count);
        P_CHECK(&p, pair_status(p.s[s].assoc).state == MPSCTP_ESTABLISHED, "side %d down", s);
        P_CHECK(&p, p.s[s].nev == 1, "side %d: %zu events in an idle hour", s, p.s[s].nev);
    }

    /* Silence: both directions drop everything. */
    silent = 1;
    uint64_t t0 = p.now;
    P_CHECK(&p, pair_pump_until(&p, SEC(3000), cond_both_lost, NULL), "no COMM_LOST");
    const uint32_t amr = p.s[PAIR_A].cfg.assoc_max_retrans, pmr = p.s[PAIR_A].cfg.path_max_retrans;
    for (int s = 0; s < 2; s++) {
        const pair_ev *lost = pair_find_ev(&p, s, MPSCTP_EV_ASSOC_CHANGE, MPSCTP_COMM_LOST);
        size_t n = pair_wire_count(&p, s, SCTP_HEARTBEAT, t0);
        P_CHECK(&p, n == amr + 1,
                "side %d: %zu unanswered heartbeats before COMM_LOST, expected %u", s, n,
                amr + 1);
        /* Heartbeat k waits its RTO r for an answer and every failure doubles r (RFC
         * 9260 s8.3). While the path is active (the first Path.Max.Retrans + 1
         * heartbeats) the next one follows at once; on the inactive path the next one
         * comes HB.interval + c +- c/2 after the last (not before its wait ends), and
         * waits c, where c is the RTO
         * capped at RTO.Initial (here 1 s): an inactive path is probed at a bounded pace
         * (docs/api.md, Path management). */
        const uint64_t cap = rto; /* RTO.Initial */
        uint64_t r = rto, lo = 0, hi = 0;
        for (size_t i = 1; i < n; i++) {
            uint64_t g = pair_wire_nth(&p, s, SCTP_HEARTBEAT, t0, i)->sent -
                         pair_wire_nth(&p, s, SCTP_HEARTBEAT, t0, i - 1)->sent;
            uint64_t rn = r * 2 > SEC(60) ? SEC(60) : r * 2;
            /* heartbeat i - 1 waited w: r while the path was active when it left */
            uint64_t c = rn < cap ? rn : cap, w = i - 1 <= pmr || r < cap ? r : cap;
            uint64_t glo = w, ghi = w;
            if (i - 1 >= pmr) {
                glo = interval + c / 2 > w ? interval + c / 2 : w;
                ghi = interval + c * 3 / 2 > w ? interval + c * 3 / 2 : w;
            }
            P_CHECK(&p, g + MS(1) >= glo && g <= ghi + MS(1),
                    "side %d: heartbeat %zu after %.3f s, expected %.3f .. %.3f s", s, i,
                    (double)g / 1e9, (double)glo / 1e9, (double)ghi / 1e9);
            lo += glo;
            hi += ghi;
            r = rn;
        }
        /* The last one (on the inactive path) waits the capped RTO. */
        lo += r < cap ? r : cap;
        hi += r < cap ? r : cap;
        uint64_t h1 = pair_wire_nth(&p, s, SCTP_HEARTBEAT, t0, 0)->sent;
        uint64_t took = lost->t - h1;
        P_CHECK(&p, took + MS(1) >= lo && took <= hi + MS(1),
                "side %d: COMM_LOST %.3f s after the first unanswered heartbeat, expected "
                "%.0f .. %.0f s",
                s, (double)took / 1e9, (double)lo / 1e9, (double)hi / 1e9);
        P_CHECK(&p, h1 - t0 <= interval + rto * 3 / 2, "side %d: first heartbeat late", s);
        /* The path went unreachable after Path.Max.Retrans errors, before the end. */
        const pair_ev *un =
            pair_find_ev(&p, s, MPSCTP_EV_PEER_ADDR_CHANGE, MPSCTP_ADDR_UNREACHABLE);
        P_CHECK(&p, un && un->t < lost->t && un->t >= pair_wire_nth(&p, s, SCTP_HEARTBEAT, t0, pmr)->sent,
                "side %d: no ADDR_UNREACHABLE after %u errors", s, pmr + 1);
        P_CHECK(&p, mpsctp_assoc_state(p.s[s].assoc) == MPSCTP_CLOSED, "side %d open", s);
    }
    pair_free(&p);
}

static void test_heartbeat_hour_then_silence(void **state)
{
    (void)state;
    run_heartbeat(111);
    run_heartbeat(112);
}

/* Sends the fake's HEARTBEAT with an 8-byte info from address from and returns the one
 * packet B answers with (its HEARTBEAT ACK checked: tag and info echoed). */
static pair_pkt *heartbeat_from(pair *p, const pair_fake *f, const mpsctp_addr *from,
                                uint8_t mark)
{
    uint8_t info[12] = {0, SCTP_P_HEARTBEAT_INFO, 0, 12, mark, 2, 3, 4, 5, 6, 7, 8};
    P_CHECK(p, pair_fake_chunk(p, f, from, SCTP_HEARTBEAT, 0, info, sizeof(info)) == 0,
            "HEARTBEAT refused");
    pair_pkt *k[4];
    size_t n = pair_take(p, PAIR_B, k, 4);
    sctp_tlv c;
    P_CHECK(p, n == 1 && pair_find_chunk(k[0]->data, k[0]->len, SCTP_HEARTBEAT_ACK, &c),
            "%zu packets, no HEARTBEAT ACK", n);
    P_CHECK(p, pair_pkt_vtag(k[0]) == f->my_tag, "HEARTBEAT ACK tag %08x", pair_pkt_vtag(k[0]));
    P_CHECK(p, c.vlen == sizeof(info) && memcmp(c.value, info, sizeof(info)) == 0,
            "HEARTBEAT ACK does not echo the info");
    return k[0];
}

/* RFC 9260 s8.3: the HEARTBEAT ACK goes to the source address of the HEARTBEAT: an
 * address that is no path of the association, and an unconfirmed path, get it there,
 * not on the confirmed data path. */
static void test_heartbeat_ack_to_source(void **state)
{
    (void)state;
    pair p;
    pair_init(&p, 113, NULL, NULL);
    pair_fake f;
    mpsctp_addr listed[2], stranger;
    mpsctp_addr_v4(&listed[0], PAIR_IP_FAKE, PAIR_UDP);
    mpsctp_addr_v4(&listed[1], 0x0a000009u, PAIR_UDP);
    mpsctp_addr_v4(&stranger, 0x0a00004du, 4711);
    P_CHECK(&p, pair_fake_connect_addrs(&p, &f, 10, 10, listed, 2) == 0, "handshake");
    pair_take(&p, PAIR_B, NULL, 0); /* B's probe of the unconfirmed address */
    mpsctp_path_info pi;
    P_CHECK(&p, mpsctp_assoc_path_info(f.assoc, 1, &pi) == 0 && !pi.confirmed,
            "second path confirmed");

    pair_pkt *k = heartbeat_from(&p, &f, &stranger, 1);
    P_CHECK(&p, mpsctp_addr_equal(&k->dst, &stranger),
            "HEARTBEAT ACK for an unknown source went to %u.%u.%u.%u port %u", k->dst.ip[0],
            k->dst.ip[1], k->dst.ip[2], k->dst.ip[3], k->dst.udp_port);
    P_CHECK(&p, mpsctp_addr_equal(&k->src, &p.s[PAIR_B].addr), "HEARTBEAT ACK source");
    k = heartbeat_from(&p, &f, &listed[1], 2);
    P_CHECK(&p, mpsctp_addr_equal(&k->dst, &listed[1]),
            "HEARTBEAT ACK for the unconfirmed path went to %u.%u.%u.%u", k->dst.ip[0],
            k->dst.ip[1], k->dst.ip[2], k->dst.ip[3]);
    k = heartbeat_from(&p, &f, NULL, 3);
    P_CHECK(&p, mpsctp_addr_equal(&k->dst, &f.addr), "HEARTBEAT ACK on the primary path");
    /* The stranger did not become a path. */
    P_CHECK(&p, pair_status(f.assoc).num_paths == 2, "%u paths", pair_status(f.assoc).num_paths);
    pair_free(&p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_heartbeat_hour_then_silence),
        cmocka_unit_test(test_heartbeat_ack_to_source),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
