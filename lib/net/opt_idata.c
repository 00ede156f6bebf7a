/* User message interleaving socket options (RFC 8260 s4.1, RFC 6458 s8.1.20, Linux's
 * numbers and structures; docs/api.md "Message interleaving"):
 * - SCTP_FRAGMENT_INTERLEAVE (int): the level 0, 1 or 2. Level 2 lets the pieces of
 *   messages of different streams of one association interleave in reads, which I-DATA
 *   delivers; a level below 2 turns the offer of I-DATA off (as Linux does).
 * - SCTP_INTERLEAVING_SUPPORTED (struct sctp_assoc_value): whether new associations offer
 *   I-DATA (default 0); asking for it needs level 2 first (EINVAL otherwise). Get with an
 *   association id reports what that association negotiated. */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "opt.h"

static int get_level(net_sock *s, const net_opt *o, const net_target *t, void *val,
                     socklen_t *len)
{
    (void)o;
    (void)t;
    const int v = s->o.lk.frag_interleave;
    memcpy(val, &v, sizeof(v));
    *len = (socklen_t)sizeof(v);
    return 0;
}

static int set_level(net_sock *s, const net_opt *o, const net_target *t, const void *val,
                     socklen_t len)
{
    (void)o;
    (void)t;
    (void)len;
    int v;
    memcpy(&v, val, sizeof(v));
    if (v < 0 || v > 2)
        return EINVAL;
    s->o.lk.frag_interleave = (uint8_t)v;
    if (v < 2)
        s->o.set.idata = 0;
    return 0;
}

/* Writes the answer {id, v} of a get. */
static int put_av(void *val, socklen_t *len, sctp_assoc_t id, uint32_t v)
{
    const struct sctp_assoc_value av = {.assoc_id = id, .assoc_value = v};
    memcpy(val, &av, sizeof(av));
    *len = (socklen_t)sizeof(av);
    return 0;
}

static int get_intl(net_sock *s, const net_opt *o, const net_target *t, void *val,
                    socklen_t *len)
{
    (void)o;
    if (t->one)
        return put_av(val, len, t->one->id, mpsctp_assoc_idata(t->one->a) == 1);
    sctp_assoc_t id;
    memcpy(&id, (const uint8_t *)val + offsetof(struct sctp_assoc_value, assoc_id), sizeof(id));
    return put_av(val, len, id, s->o.set.idata);
}

/* An existing association keeps what its handshake negotiated: a real id sets the
 * socket's offer for later associations, as SCTP_FUTURE_ASSOC does (as Linux). */
static int set_intl(net_sock *s, const net_opt *o, const net_target *t, const void *val,
                    socklen_t len)
{
    (void)o;
    (void)t;
    (void)len;
    struct sctp_assoc_value av;
    memcpy(&av, val, sizeof(av));
    if (av.assoc_value && s->o.lk.frag_interleave != 2)
        return EINVAL;
    s->o.set.idata = av.assoc_value != 0;
    return 0;
}

const net_opt net_idata_opts[] = {
    {.level = IPPROTO_SCTP,
     .name = SCTP_FRAGMENT_INTERLEAVE,
     .min_len = sizeof(int),
     .id_off = NET_OPT_NO_ID,
     .get = get_level,
     .set = set_level},
    {.level = IPPROTO_SCTP,
     .name = SCTP_INTERLEAVING_SUPPORTED,
     .min_len = sizeof(struct sctp_assoc_value),
     .id_off = (int)offsetof(struct sctp_assoc_value, assoc_id),
     .get = get_intl,
     .set = set_intl},
};

const size_t net_idata_nopts = sizeof(net_idata_opts) / sizeof(net_idata_opts[0]);
