/* Stream reconfiguration options (RFC 6525; RFC 6458 s8.1, s8.3; Linux numbers and
 * structures): offering RE-CONFIG, which of the peer's requests are carried out, and the
 * requests of our own. docs/api.md "Stream reconfiguration". */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "opt.h"

#define ID(type, field) ((int)offsetof(type, field))

/* The errno of a core error of the reconfiguration calls. */
static int rc_errno(int e)
{
    switch (e) {
    case 0: return 0;
    case MPSCTP_ERR_INPROGRESS: return EINPROGRESS;
    case MPSCTP_ERR_NOTSUP: return EOPNOTSUPP;
    case MPSCTP_ERR_NOMEM: return ENOMEM;
    case MPSCTP_ERR_STATE:
    case MPSCTP_ERR_CLOSED: return ENOTCONN;
    default: return EINVAL;
    }
}

static int put_av(void *val, socklen_t *len, sctp_assoc_t id, uint32_t v)
{
    struct sctp_assoc_value av = {.assoc_id = id, .assoc_value = v};
    memcpy(val, &av, sizeof(av));
    *len = sizeof(av);
    return 0;
}

/* SCTP_RECONFIG_SUPPORTED: get: of an association, whether both ends negotiated it; else
 * whether new associations offer it. set: whether associations set up from now on offer
 * it (as Linux, whatever association the id names). */
static int get_supported(net_sock *s, const net_opt *o, const net_target *t, void *val,
                         socklen_t *len)
{
    (void)o;
    struct sctp_assoc_value av;
    memcpy(&av, val, sizeof(av));
    uint32_t v = t->one ? (uint32_t)mpsctp_assoc_reconf(t->one->a) : s->o.set.reconf;
    return put_av(val, len, av.assoc_id, v);
}

static int set_supported(net_sock *s, const net_opt *o, const net_target *t,
                         const void *val, socklen_t len)
{
    (void)o;
    (void)t;
    (void)len;
    struct sctp_assoc_value av;
    memcpy(&av, val, sizeof(av));
    s->o.set.reconf = av.assoc_value != 0;
    return 0;
}

/* SCTP_ENABLE_STREAM_RESET: SCTP_ENABLE_* flags; other bits are EINVAL. */
static int get_enable(net_sock *s, const net_opt *o, const net_target *t, void *val,
                      socklen_t *len)
{
    (void)o;
    struct sctp_assoc_value av;
    memcpy(&av, val, sizeof(av));
    mpsctp_settings set = s->o.set;
    if (t->one)
        mpsctp_assoc_get_settings(t->one->a, &set);
    return put_av(val, len, av.assoc_id, set.reconf_enable);
}

static int set_enable(net_sock *s, const net_opt *o, const net_target *t, const void *val,
                      socklen_t len)
{
    (void)o;
    (void)len;
    struct sctp_assoc_value av;
    memcpy(&av, val, sizeof(av));
    if (av.assoc_value & ~(uint32_t)SCTP_ENABLE_STRRESET_MASK)
        return EINVAL;
    FOR_TARGET(s, *t, na)
    {
        mpsctp_assoc_set_reconf_enable(na->a, av.assoc_value);
    }
    if (t->future)
        s->o.set.reconf_enable = (uint8_t)av.assoc_value;
    return 0;
}

/* The one live association a request names (EINVAL for SCTP_FUTURE_ASSOC). */
static int one_assoc(const net_target *t, net_assoc **out)
{
    if (!t->one)
        return EINVAL;
    if (!t->one->a || t->one->closed)
        return ENOTCONN;
    *out = t->one;
    return 0;
}

/* SCTP_RESET_STREAMS: srs_number_streams entries must follow the header. */
static int set_reset_streams(net_sock *s, const net_opt *o, const net_target *t,
                             const void *val, socklen_t len)
{
    (void)s;
    (void)o;
    struct sctp_reset_streams h;
    memcpy(&h, val, sizeof(h));
    if ((size_t)len < sizeof(h) + (size_t)h.srs_number_streams * sizeof(uint16_t))
        return EINVAL;
    if (!h.srs_flags || (h.srs_flags & ~(SCTP_STREAM_RESET_INCOMING | SCTP_STREAM_RESET_OUTGOING)))
        return EINVAL;
    net_assoc *na;
    int e = one_assoc(t, &na);
    if (e)
        return e;
    const uint8_t *list =
        (const uint8_t *)val + offsetof(struct sctp_reset_streams, srs_stream_list);
    uint16_t *ids = malloc((h.srs_number_streams ? h.srs_number_streams : 1u) * sizeof(*ids));
    if (!ids)
        return ENOMEM;
    memcpy(ids, list, (size_t)h.srs_number_streams * sizeof(uint16_t));
    uint32_t flags = ((h.srs_flags & SCTP_STREAM_RESET_INCOMING) ? MPSCTP_RESET_INCOMING : 0) |
                     ((h.srs_flags & SCTP_STREAM_RESET_OUTGOING) ? MPSCTP_RESET_OUTGOING : 0);
    e = rc_errno(
        mpsctp_assoc_reset_streams(na->a, flags, ids, h.srs_number_streams, net_now()));
    free(ids);
    return e;
}

/* SCTP_RESET_ASSOC: the SSN/TSN Reset Request is not offered (docs/api.md). */
static int set_reset_assoc(net_sock *s, const net_opt *o, const net_target *t,
                           const void *val, socklen_t len)
{
    (void)s;
    (void)o;
    (void)val;
    (void)len;
    net_assoc *na;
    int e = one_assoc(t, &na);
    return e ? e : EOPNOTSUPP;
}

/* SCTP_ADD_STREAMS */
static int set_add_streams(net_sock *s, const net_opt *o, const net_target *t,
                           const void *val, socklen_t len)
{
    (void)s;
    (void)o;
    (void)len;
    struct sctp_add_streams as;
    memcpy(&as, val, sizeof(as));
    if (!as.sas_instrms && !as.sas_outstrms)
        return EINVAL;
    net_assoc *na;
    int e = one_assoc(t, &na);
    if (e)
        return e;
    return rc_errno(
        mpsctp_assoc_add_streams(na->a, as.sas_instrms, as.sas_outstrms, net_now()));
}

#define AV_ID ID(struct sctp_assoc_value, assoc_id)

const net_opt net_reconf_opts[] = {
    {.level = IPPROTO_SCTP, .name = SCTP_RECONFIG_SUPPORTED,
     .min_len = sizeof(struct sctp_assoc_value), .id_off = AV_ID, .get = get_supported,
     .set = set_supported},
    {.level = IPPROTO_SCTP, .name = SCTP_ENABLE_STREAM_RESET,
     .min_len = sizeof(struct sctp_assoc_value), .id_off = AV_ID, .multi = 1,
     .get = get_enable, .set = set_enable},
    {.level = IPPROTO_SCTP, .name = SCTP_RESET_STREAMS,
     .min_len = sizeof(struct sctp_reset_streams),
     .id_off = ID(struct sctp_reset_streams, srs_assoc_id), .set = set_reset_streams},
    {.level = IPPROTO_SCTP, .name = SCTP_RESET_ASSOC, .min_len = sizeof(sctp_assoc_t),
     .id_off = 0, .set = set_reset_assoc},
    {.level = IPPROTO_SCTP, .name = SCTP_ADD_STREAMS,
     .min_len = sizeof(struct sctp_add_streams),
     .id_off = ID(struct sctp_add_streams, sas_assoc_id), .set = set_add_streams},
};
const size_t net_reconf_nopts = sizeof(net_reconf_opts) / sizeof(net_reconf_opts[0]);
