/* Per-path RTO computation (RFC 6298, RFC 9260 s6.3.1). */
#include <string.h>

#include "path.h"

/* RFC 9260 s6.3.1: clock granularity G (1 ms); RTO = SRTT + max(G, 4*RTTVAR). */
#define PATH_CLOCK_GRANULARITY 1000000ull

void path_init(mpsctp_path *p, const mpsctp_addr *remote, uint64_t rto_initial)
{
    memset(p, 0, sizeof(*p));
    p->remote = *remote;
    p->active = 1;
    p->rto = rto_initial;
    p->t3_deadline = MPSCTP_TSTAMP_NEVER;
    p->hb_deadline = MPSCTP_TSTAMP_NEVER;
}

static uint64_t clamp(uint64_t v, uint64_t lo, uint64_t hi)
{
    return v < lo ? lo : v > hi ? hi : v;
}

void path_rtt_sample(mpsctp_path *p, uint64_t r, uint64_t rto_min, uint64_t rto_max)
{
    if (!p->rtt_measured) {
        /* C2: first measurement. */
        p->srtt = r;
        p->rttvar = r / 2;
        p->min_rtt = r;
        p->rtt_measured = 1;
    } else {
        /* C3: RTO.Beta = 1/4, RTO.Alpha = 1/8; RTTVAR uses the old SRTT. */
        uint64_t diff = p->srtt > r ? p->srtt - r : r - p->srtt;
        p->rttvar = p->rttvar - p->rttvar / 4 + diff / 4;
        p->srtt = p->srtt - p->srtt / 8 + r / 8;
        if (r < p->min_rtt)
            p->min_rtt = r;
    }
    uint64_t var4 = 4 * p->rttvar;
    p->rto = clamp(p->srtt + (var4 > PATH_CLOCK_GRANULARITY ? var4 : PATH_CLOCK_GRANULARITY),
                   rto_min, rto_max);
}

void path_backoff(mpsctp_path *p, uint64_t rto_max)
{
    p->rto = p->rto * 2 > rto_max ? rto_max : p->rto * 2;
}
