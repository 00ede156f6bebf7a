/* Outages of every shape, in every CMT mode with several seeds: long outages
 * (outage-long.scn), flapping paths (outage-flap.scn), all paths but one failing in
 * turns with the working one just back (outage-all-but-one.scn), the last active path
 * failing one second after the other came back with slow heartbeats
 * (outage-last-resort.scn): the association survives, every byte arrives intact and
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
#define OUT_SEEDS_MORE 4
#else
#define OUT_SEEDS 3
#define OUT_SEEDS_MORE 8
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

/* In every mode, with more seeds than the others (Association.Max.Retrans 2 leaves no
 * slack). Each of these failed before its fix:
 *  - with CMT on, the returning path B carries data before the last path A fails, but
 *    the server had marked B inactive and sent every SACK over A: once A failed, the
 *    client heard nothing and gave up 0.6 s later (cmt seeds 1, 3, 9, 10 of 10). DATA
 *    arriving on an inactive path now makes the receiver probe it at once;
 *  - the client's SHUTDOWN COMPLETE took its data path A, dead, instead of answering
 *    over B where the SHUTDOWN ACK came from; the server's next heartbeat drew an ABORT
 *    (rpv1 seed 2). It now goes back where the SHUTDOWN ACK came from when that path is
 *    usable (proto/test_proto_multihome checks it alone: with the next fix A is no longer
 *    the data path by then);
 *  - with CMT on, A kept getting new data until the end of the transfer (104 s): its
 *    chunks were all retransmitted on B before its T3 expired, the timer stopped, and
 *    no error was ever counted. The timer now runs on until the path delivers;
 *  - the server, which only receives, counted its unanswered heartbeats on B while B
 *    was down and then one lost heartbeat on A ended the association (rpv2 seeds 2 and
 *    4, mptcp seed 7), although new data kept arriving from the client: new DATA now
 *    proves the peer alive, and with CMT a heartbeat counts on the association only on
 *    a path with data in flight;
 *  - the first probe of B after A's first expiry was lost (0.5% loss) and B counted as
 *    tried: A's third expiry ended the association with B working (mptcp seed 3). A
 *    path now counts as tried after two unanswered probes.
 * With CMT on, A must stop getting new data within its Path.Max.Retrans + 1 backed-off
 * T3 expiries (the stall bound's chain) after it fails, plus RTO.Initial: after each
 * expiry the timer starts again only with the next chunk sent there. */
static void test_last_resort_probe(void **state)
{
    (void)state;
    out_check_survives("outage-last-resort.scn", MPSCTP_CMT_MAX, OUT_SEEDS_MORE);
    uint64_t seeds[8];
    int n = tsim_seed_list(seeds, OUT_SEEDS_MORE > 8 ? 8 : OUT_SEEDS_MORE);
    for (uint8_t cmt = MPSCTP_CMT_BASE; cmt <= MPSCTP_CMT_MAX; cmt++) {
        for (int i = 0; i < n; i++) {
            out_result r;
            out_run("outage-last-resort.scn", cmt, seeds[i], &r);
            double down = (double)r.last_down / 1e9;
            double chain = (double)(r.stall_bound - (uint64_t)r.hb_ms * T_MS -
                                    (uint64_t)r.rto_initial_ms * T_MS / 2 -
                                    2 * r.rtt_max_ns) / 1e9;
            fprintf(stderr, "  path A: last new data %.3f s (failed at %.3f s, bound +%.3f s), "
                    "active at the end %d\n", r.m.paths[0].last_new_data_s, down, chain,
                    r.m.paths[0].active);
            assert_true(r.m.paths[0].last_new_data_s <= down + chain);
            assert_false(r.m.paths[0].active);
        }
    }
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
             * answered gets up to two probes, one after the other, each waiting at most
             * RTO.Initial; plus a round trip for the last SACK on the wire. */
            uint64_t rmax = (uint64_t)r.rto_max_ms * T_MS;
            uint64_t hi = out_backoff_sum((uint64_t)r.rto_fail_ms * T_MS, r.amr, rmax) +
                          2 * (uint64_t)r.rto_initial_ms * T_MS + r.rtt_max_ns;
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
