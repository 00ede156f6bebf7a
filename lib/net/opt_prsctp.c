/* Partial reliability (RFC 3758, RFC 7496) in the sockets layer: the options
 * SCTP_PR_SUPPORTED, SCTP_DEFAULT_PRINFO, SCTP_PR_ASSOC_STATUS and SCTP_PR_STREAM_STATUS
 * (Linux numbers and structures), the policy of a send (sctp_prinfo from sctp_sendv or
 * the SCTP_PRINFO cmsg, the sinfo_flags form of SCTP_SNDRCV) and its default. */
#include <errno.h>
#include <stddef.h>
#include <string.h>

#include "opt.h"

#define ID(type, field) ((int)offsetof(type, field))

/* Whether p is a policy a send may carry: one of the four, no other bits. */
static int policy_ok(uint16_t p)
{
    return (p & ~SCTP_PR_SCTP_MASK) == 0;
}

/* ---- SCTP_PR_SUPPORTED -------------------------------------------------------------------- */

/* Get: on an association, whether PR-SCTP was negotiated; else whether it is offered. */
static int get_pr_supported(net_sock *s, const net_opt *o, const net_target *t, void *val,
                            socklen_t *len)
{
    (void)o;
    struct sctp_assoc_value v;
    memcpy(&v, val, sizeof(v));
    if (t->one && t->one->a && t->one->up)
        v.assoc_value = (uint32_t)mpsctp_assoc_pr_sctp(t->one->a);
    else
        v.assoc_value = s->o.set.pr_sctp;
    memcpy(val, &v, sizeof(v));
    *len = sizeof(v);
    return 0;
}

/* Set: the offer in associations set up later (an existing association negotiated
 * already: EINVAL for its id on a one-to-many socket). */
static int set_pr_supported(net_sock *s, const net_opt *o, const net_target *t,
                            const void *val, socklen_t len)
{
    (void)o;
    (void)len;
    if (!t->future)
        return EINVAL;
    struct sctp_assoc_value v;
    memcpy(&v, val, sizeof(v));
    s->o.set.pr_sctp = v.assoc_value ? 1 : 0;
    return 0;
}

/* ---- SCTP_DEFAULT_PRINFO ------------------------------------------------------------------ */

static int get_default_prinfo(net_sock *s, const net_opt *o, const net_target *t, void *val,
                              socklen_t *len)
{
    (void)o;
    struct sctp_default_prinfo v;
    memcpy(&v, val, sizeof(v));
    const struct sctp_prinfo *p = t->one ? &t->one->pr_default : &s->o.pr_default;
    v.pr_policy = p->pr_policy;
    v.pr_value = p->pr_value;
    memcpy(val, &v, sizeof(v));
    *len = sizeof(v);
    return 0;
}

static int set_default_prinfo(net_sock *s, const net_opt *o, const net_target *t,
                              const void *val, socklen_t len)
{
    (void)o;
    (void)len;
    struct sctp_default_prinfo v;
    memcpy(&v, val, sizeof(v));
    if (!policy_ok(v.pr_policy))
        return EINVAL;
    struct sctp_prinfo p = {.pr_policy = v.pr_policy,
                            .pr_value = v.pr_policy == SCTP_PR_SCTP_NONE ? 0 : v.pr_value};
    FOR_TARGET(s, *t, na)
    {
        na->pr_default = p;
    }
    if (t->future)
        s->o.pr_default = p;
    return 0;
}

/* ---- SCTP_PR_ASSOC_STATUS / SCTP_PR_STREAM_STATUS --------------------------------------- */

/* The counters of the policy asked for (SCTP_PR_SCTP_ALL: their sum) on stream sid (-1:
 * the association). A policy of 0, unknown bits or ALL with a policy, no association, a
 * stream beyond the outbound ones: EINVAL (Linux). */
static int prstatus(const net_target *t, void *val, socklen_t *len, int stream)
{
    struct sctp_prstatus v;
    memcpy(&v, val, sizeof(v));
    uint16_t pol = v.sprstat_policy;
    if (!pol || (pol & ~(SCTP_PR_SCTP_MASK | SCTP_PR_SCTP_ALL)) ||
        ((pol & SCTP_PR_SCTP_ALL) && (pol & SCTP_PR_SCTP_MASK)))
        return EINVAL;
    if (!t->one || !t->one->a)
        return EINVAL;
    uint64_t u, snt;
    int rc = mpsctp_assoc_pr_status(t->one->a, stream ? (int)v.sprstat_sid : -1,
                                    pol == SCTP_PR_SCTP_ALL ? MPSCTP_PR_ALL : pol, &u, &snt);
    if (rc)
        return EINVAL;
    v.sprstat_abandoned_unsent = u;
    v.sprstat_abandoned_sent = snt;
    memcpy(val, &v, sizeof(v));
    *len = sizeof(v);
    return 0;
}

static int get_pr_assoc_status(net_sock *s, const net_opt *o, const net_target *t,
                               void *val, socklen_t *len)
{
    (void)s;
    (void)o;
    return prstatus(t, val, len, 0);
}

static int get_pr_stream_status(net_sock *s, const net_opt *o, const net_target *t,
                                void *val, socklen_t *len)
{
    (void)s;
    (void)o;
    return prstatus(t, val, len, 1);
}

const net_opt net_prsctp_opts[] = {
    {.level = IPPROTO_SCTP,
     .name = SCTP_PR_SUPPORTED,
     .min_len = sizeof(struct sctp_assoc_value),
     .id_off = ID(struct sctp_assoc_value, assoc_id),
     .get = get_pr_supported,
     .set = set_pr_supported},
    {.level = IPPROTO_SCTP,
     .name = SCTP_DEFAULT_PRINFO,
     .min_len = sizeof(struct sctp_default_prinfo),
     .id_off = ID(struct sctp_default_prinfo, pr_assoc_id),
     .multi = 1,
     .get = get_default_prinfo,
     .set = set_default_prinfo},
    {.level = IPPROTO_SCTP,
     .name = SCTP_PR_ASSOC_STATUS,
     .min_len = sizeof(struct sctp_prstatus),
     .id_off = ID(struct sctp_prstatus, sprstat_assoc_id),
     .get = get_pr_assoc_status},
    {.level = IPPROTO_SCTP,
     .name = SCTP_PR_STREAM_STATUS,
     .min_len = sizeof(struct sctp_prstatus),
     .id_off = ID(struct sctp_prstatus, sprstat_assoc_id),
     .get = get_pr_stream_status},
};

const size_t net_prsctp_nopts = sizeof(net_prsctp_opts) / sizeof(net_prsctp_opts[0]);

/* ---- sends ------------------------------------------------------------------------------ */

void net_pr_apply(net_sock *s, net_assoc *na)
{
    na->pr_default = s->o.pr_default;
}

int net_pr_from_prinfo(const struct sctp_prinfo *in, struct sctp_prinfo *out)
{
    if (!policy_ok(in->pr_policy))
        return EINVAL;
    *out = *in;
    return 0;
}

int net_pr_sndrcv_in(const struct cmsghdr *c, struct sctp_prinfo *out)
{
    struct sctp_sndrcvinfo sr;
    if (c->cmsg_len < CMSG_LEN(sizeof(sr)))
        return EINVAL;
    memcpy(&sr, CMSG_DATA(c), sizeof(sr));
    out->pr_policy = (uint16_t)(sr.sinfo_flags & SCTP_PR_SCTP_MASK);
    out->pr_value = sr.sinfo_timetolive;
    return 0;
}

int net_pr_send(net_assoc *na, const void *buf, size_t len, const mpsctp_sndinfo *ci,
                const struct sctp_prinfo *pr, mpsctp_tstamp now)
{
    const struct sctp_prinfo *p = pr ? pr : &na->pr_default;
    mpsctp_prinfo cp = {.policy = p->pr_policy, .value = p->pr_value};
    return mpsctp_assoc_send_pr(na->a, buf, len, ci, &cp, now);
}
