/* Association and endpoint options for the sockets layer (RFC 6458 s8): setters and
 * getters of the settings an association or endpoint runs with. */
#include <string.h>

#include "assoc.h"

int mpsctp_endpoint_get_settings(const mpsctp_endpoint *ep, mpsctp_settings *out)
{
    if (!ep || !out)
        return MPSCTP_ERR_INVAL;
    *out = ep->cfg;
    return 0;
}

int mpsctp_endpoint_set_settings(mpsctp_endpoint *ep, const mpsctp_settings *s)
{
    if (!ep || !s || s->local_port != ep->cfg.local_port)
        return MPSCTP_ERR_INVAL;
    return ep_settings_apply(ep, s);
}

int mpsctp_assoc_get_settings(const mpsctp_assoc *a, mpsctp_settings *out)
{
    if (!a || !out)
        return MPSCTP_ERR_INVAL;
    *out = a->cfg;
    out->sndbuf = a->sq.limit;
    return 0;
}

int mpsctp_assoc_set_rto(mpsctp_assoc *a, uint32_t initial_ms, uint32_t min_ms,
                         uint32_t max_ms)
{
    if (!a)
        return MPSCTP_ERR_INVAL;
    uint32_t ini = initial_ms ? initial_ms : a->cfg.rto_initial_ms;
    uint32_t lo = min_ms ? min_ms : a->cfg.rto_min_ms;
    uint32_t hi = max_ms ? max_ms : a->cfg.rto_max_ms;
    if (lo > hi || ini < lo || ini > hi)
        return MPSCTP_ERR_INVAL;
    a->cfg.rto_initial_ms = ini;
    a->cfg.rto_min_ms = lo;
    a->cfg.rto_max_ms = hi;
    /* RFC 9260 s6.3.1 C6/C7: every path's RTO stays within the new bounds. */
    for (uint32_t i = 0; i < a->npaths; i++) {
        mpsctp_path *p = &a->paths[i];
        if (p->rto < assoc_rto_min(a))
            p->rto = assoc_rto_min(a);
        if (p->rto > assoc_rto_max(a))
            p->rto = assoc_rto_max(a);
    }
    ep_assoc_changed(a);
    return 0;
}

int mpsctp_assoc_set_max_retrans(mpsctp_assoc *a, uint32_t assoc_max, uint32_t path_max)
{
    if (!a)
        return MPSCTP_ERR_INVAL;
    if (assoc_max)
        a->cfg.assoc_max_retrans = assoc_max;
    if (path_max) {
        mpsctp_path_params pp = {.flags = MPSCTP_PP_PMR, .path_max_retrans = path_max};
        mpsctp_assoc_set_path_params(a, MPSCTP_ALL_PATHS, &pp, 0);
    }
    return 0;
}

int mpsctp_assoc_set_heartbeat(mpsctp_assoc *a, uint32_t interval_ms, mpsctp_tstamp now)
{
    if (!a)
        return MPSCTP_ERR_INVAL;
    /* RFC 9260 s8.3: the next heartbeat is due one interval (plus RTO with jitter) from
     * now; an interval of 0 stops heartbeats. */
    mpsctp_path_params pp = {.flags = MPSCTP_PP_HB, .hb_interval_ms = interval_ms};
    return mpsctp_assoc_set_path_params(a, MPSCTP_ALL_PATHS, &pp, now);
}

int mpsctp_assoc_set_sack_delay(mpsctp_assoc *a, uint32_t delay_ms)
{
    /* RFC 9260 s6.2: the delay must not exceed 500 ms. */
    if (!a || delay_ms > 500)
        return MPSCTP_ERR_INVAL;
    a->cfg.sack_delay_ms = delay_ms;
    return 0;
}

int mpsctp_assoc_set_sack_freq(mpsctp_assoc *a, uint32_t freq)
{
    if (!a || freq == 0)
        return MPSCTP_ERR_INVAL;
    a->cfg.sack_freq = freq;
    return 0;
}

int mpsctp_assoc_set_max_burst(mpsctp_assoc *a, uint32_t packets)
{
    /* RFC 9260 s6.1 D: a path's allowance above it is cut at the end of the next round
     * (assoc_output_over). */
    if (!a || packets == 0)
        return MPSCTP_ERR_INVAL;
    a->cfg.max_burst = packets;
    return 0;
}

int mpsctp_assoc_set_remote_udp_port(mpsctp_assoc *a, uint32_t idx, uint16_t port)
{
    if (!a)
        return MPSCTP_ERR_INVAL;
    if (idx >= a->npaths)
        return MPSCTP_ERR_NOENT;
    a->paths[idx].remote.udp_port = port;
    return 0;
}

int mpsctp_assoc_timed_out(const mpsctp_assoc *a)
{
    if (!a || a->state != MPSCTP_CLOSED)
        return 0;
    return a->init_retries > a->cfg.max_init_retrans ||
           a->error_count > a->cfg.assoc_max_retrans;
}

int mpsctp_assoc_local_addr(const mpsctp_assoc *a, uint32_t idx, mpsctp_addr *out)
{
    if (!a || !out)
        return MPSCTP_ERR_INVAL;
    if (idx >= a->npaths)
        return MPSCTP_ERR_NOENT;
    *out = a->paths[idx].local;
    return 0;
}

int mpsctp_assoc_peer_port(const mpsctp_assoc *a)
{
    return a ? a->peer_port : MPSCTP_ERR_INVAL;
}

int mpsctp_endpoint_remove_addr(mpsctp_endpoint *ep, const mpsctp_addr *a)
{
    if (!ep || !a)
        return MPSCTP_ERR_INVAL;
    for (uint32_t i = 0; i < ep->naddrs; i++) {
        if (ep->addrs[i].family == a->family &&
            memcmp(ep->addrs[i].ip, a->ip, sizeof(a->ip)) == 0) {
            memmove(&ep->addrs[i], &ep->addrs[i + 1],
                    (ep->naddrs - i - 1) * sizeof(ep->addrs[0]));
            ep->naddrs--;
            return 0;
        }
    }
    return MPSCTP_ERR_NOENT;
}
