/* A path that comes back must be found again: the user's 300 s case
 * (scenarios/outage-300s.scn), three paths with loss, reordering and duplication, in
 * every CMT mode with several seeds. The third path is down from 100 s to 200 s; at
 * 240 s the other two go down for 10-15 s. The association must have found the third
 * path again by then and survive, every byte intact, its longest stall within the bound
 * of docs/api.md (Path management). Each run prints its seed and figures;
 * MPSCTP_SIM_SEED=N replays one seed. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "outage_check.h"

/* Seeds per mode: fewer under the sanitizers, which run about five times slower. */
#if defined(__SANITIZE_ADDRESS__) || defined(MPSCTP_SIM_SANITIZED)
#define OUT_SEEDS 1
#else
#define OUT_SEEDS 3
#endif

static void test_user_300s(void **state)
{
    (void)state;
    out_check_survives("outage-300s.scn", MPSCTP_CMT_MAX, OUT_SEEDS);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_user_300s),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
