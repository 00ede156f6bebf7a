/* Outages of every shape, in every CMT mode with several seeds: long outages
 * (outage-long.scn), flapping paths (outage-flap.scn), all paths but one failing in
 * turns with the working one just back (outage-all-but-one.scn), the last active path
 * failing one second after the other came back with slow heartbeats
 * (outage-last-resort.scn, CMT off): the association survives, every byte arrives intact and
 * the longest stall stays within the bound of docs/api.md (Path management). A peer that is
 * gone for good (outage-dead-peer.scn) is still declared lost, within the bound the
 * same section gives. Each run prints its seed and figures; MPSCTP_SIM_SEED=N replays
 * one seed. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "outage_check.h"

/* Seeds per mode: fewer under the sanitizers, which run about five times slower. */
#if defined(__SANITIZE_ADDRESS__) || defined(MPSCTP_SIM_SANITIZED)
#define OUT_SEEDS 2
#else
#define OUT_SEEDS 3
#endif

static void test_long_outages(void **state)
{
    (void)state;
    out_check_survives("outage-long.scn", MPSCTP_CMT_MAX, OUT_SEEDS);
}

static void test_flapping_paths(void **state)
{
    (void)state;
    out_check_survives("outage-flap.scn", MPSCTP_CMT_MAX, OUT_SEEDS);
}

static void test_all_but_one(void **state)
{
    (void)state;
    out_check_survives("outage-all-but-one.scn", MPSCTP_CMT_MAX, OUT_SEEDS);
}

/* With CMT off only: with CMT on, the alternate that is down but not yet inactive
 * (heartbeats every 5 s) carries data too, and with Association.Max.Retrans 2 its own
 * expiries can end the association (cmt 2 seed 3, cmt 4 seed 1). */
static void test_last_resort_probe(void **state)
{
    (void)state;
    out_check_survives("outage-last-resort.scn", MPSCTP_CMT_OFF, OUT_SEEDS);
}

/* sum_{k=0..n} min(rto * 2^k, max), ns. */
static uint64_t out_backoff_sum(uint64_t rto, unsigned n, uint64_t max)
{
    uint64_t sum = 0;
    for (unsigned k = 0; k <= n; k++) {
        sum += rto < max ? rto : max;
        rto *= 2;
    }
    return sum;
}

static void test_dead_peer_is_lost(void **state)
{
    (void)state;
    uint64_t seeds[8];
    int n = tsim_seed_list(seeds, OUT_SEEDS);
    for (uint8_t cmt = 0; cmt <= MPSCTP_CMT_MAX; cmt++) {
        for (int i = 0; i < 2 * n; i++) {
            out_result r;
            int nr = i < n; /* each seed with NR-SACK, then without */
            out_run_nr("outage-dead-peer.scn", cmt, seeds[i % n], nr, &r);
            /* With data outstanding every T3 expiry counts on the association (RFC 9260
             * s8.1): Association.Max.Retrans + 1 of them in a row, each path backing off
             * from its RTO at the failure, take at most sum_{k=0..AMR} min(R * 2^k,
             * RTO.Max) on the slowest path; then each path not tried since the peer last
             * answered gets one probe, which waits at most RTO.Initial; plus a round trip
             * for the last SACK on the wire. */
            uint64_t rmax = (uint64_t)r.rto_max_ms * T_MS;
            uint64_t hi = out_backoff_sum((uint64_t)r.rto_fail_ms * T_MS, r.amr, rmax) +
                          (uint64_t)r.rto_initial_ms * T_MS + r.rtt_max_ns;
            /* The run ends when either side gives up (the other one is cut off too). */
            uint64_t lost = r.lost[0] < r.lost[1] ? r.lost[0] : r.lost[1];
            fprintf(stderr, "  COMM_LOST %.3f s after the last failure, bound %.3f s\n",
                    lost == OUT_NEVER ? -1.0 : (double)(lost - r.last_down) / 1e9,
                    (double)hi / 1e9);
            assert_true(lost != OUT_NEVER);
            assert_true(lost > r.last_down);
            assert_true(lost - r.last_down <= hi);
            assert_true(r.m.intact);
            assert_false(r.m.complete);
            /* Every message is delivered or reported failed (SEND_FAILED), except, with
             * NR-SACK, complete ordered messages the receiver committed to while they
             * waited for an earlier one that never came (docs/cmt.md, NR-SACK): the
             * sender freed them at the NR-SACK and cannot report them. */
            fprintf(stderr, "  NR-SACK %s: %" PRIu64 " messages neither delivered nor "
                    "reported\n", nr ? "on" : "off", r.m.unaccounted);
            if (!nr)
                assert_int_equal(r.m.unaccounted, 0);
        }
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_long_outages),      cmocka_unit_test(test_flapping_paths),
        cmocka_unit_test(test_all_but_one),       cmocka_unit_test(test_last_resort_probe),
        cmocka_unit_test(test_dead_peer_is_lost),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
