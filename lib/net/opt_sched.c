/* Stream scheduler socket options (RFC 8260 s4.3 and Linux's numbers and structures):
 * SCTP_STREAM_SCHEDULER and SCTP_STREAM_SCHEDULER_VALUE over the core's
 * mpsctp_assoc_set_sched and mpsctp_assoc_set_stream_value (docs/api.md "Stream
 * schedulers"). */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "opt.h"

static int sched_errno(int e)
{
    return e == MPSCTP_ERR_NOMEM ? ENOMEM : EINVAL;
}

/* SCTP_STREAM_SCHEDULER get: the association's scheduler, or the socket default. */
static int get_sched(net_sock *s, const net_opt *o, const net_target *t, void *val,
                     socklen_t *len)
{
    (void)o;
    struct sctp_assoc_value av;
    memcpy(&av, val, sizeof(av));
    if (t->one) {
        av.assoc_id = t->one->id;
        av.assoc_value = (uint32_t)mpsctp_assoc_get_sched(t->one->a);
    } else {
        av.assoc_value = s->o.set.stream_sched;
    }
    memcpy(val, &av, sizeof(av));
    *len = (socklen_t)sizeof(av);
    return 0;
}

/* SCTP_STREAM_SCHEDULER set: checked before anything changes, then every association the
 * id names and the socket default. */
static int set_sched(net_sock *s, const net_opt *o, const net_target *t, const void *val,
                     socklen_t len)
{
    (void)o;
    (void)len;
    struct sctp_assoc_value av;
    memcpy(&av, val, sizeof(av));
    if (av.assoc_value > MPSCTP_SS_MAX)
        return EINVAL;
    FOR_TARGET(s, *t, na)
    {
        if (mpsctp_assoc_set_sched(na->a, av.assoc_value) < 0)
            return EINVAL;
    }
    if (t->future)
        s->o.set.stream_sched = (uint8_t)av.assoc_value;
    return 0;
}

/* SCTP_STREAM_SCHEDULER_VALUE get: one stream of one association. */
static int get_value(net_sock *s, const net_opt *o, const net_target *t, void *val,
                     socklen_t *len)
{
    (void)s;
    (void)o;
    if (!t->one)
        return EINVAL;
    struct sctp_stream_value sv;
    memcpy(&sv, val, sizeof(sv));
    int v = mpsctp_assoc_get_stream_value(t->one->a, sv.stream_id);
    if (v < 0)
        return sched_errno(v);
    sv.assoc_id = t->one->id;
    sv.stream_value = (uint16_t)v;
    memcpy(val, &sv, sizeof(sv));
    *len = (socklen_t)sizeof(sv);
    return 0;
}

/* SCTP_STREAM_SCHEDULER_VALUE set: one association, or every one (SCTP_CURRENT_ASSOC);
 * there is no socket default (SCTP_FUTURE_ASSOC and SCTP_ALL_ASSOC are EINVAL). With
 * SCTP_CURRENT_ASSOC every association is set; the error of the last that refused is
 * returned. */
static int set_value(net_sock *s, const net_opt *o, const net_target *t, const void *val,
                     socklen_t len)
{
    (void)o;
    (void)len;
    if ((t->future && s->type != SOCK_STREAM) || (!t->one && !t->current))
        return EINVAL;
    struct sctp_stream_value sv;
    memcpy(&sv, val, sizeof(sv));
    int err = 0;
    FOR_TARGET(s, *t, na)
    {
        int e = mpsctp_assoc_set_stream_value(na->a, sv.stream_id, sv.stream_value);
        if (e < 0)
            err = sched_errno(e);
    }
    return err;
}

const net_opt net_sched_opts[] = {
    {.level = IPPROTO_SCTP,
     .name = SCTP_STREAM_SCHEDULER,
     .min_len = sizeof(struct sctp_assoc_value),
     .id_off = (int)offsetof(struct sctp_assoc_value, assoc_id),
     .multi = 1,
     .get = get_sched,
     .set = set_sched},
    {.level = IPPROTO_SCTP,
     .name = SCTP_STREAM_SCHEDULER_VALUE,
     .min_len = sizeof(struct sctp_stream_value),
     .id_off = (int)offsetof(struct sctp_stream_value, assoc_id),
     .multi = 1,
     .get = get_value,
     .set = set_value},
};

const size_t net_sched_nopts = sizeof(net_sched_opts) / sizeof(net_sched_opts[0]);
