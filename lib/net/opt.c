/* The socket option tables (opt.h): finding an option's row, checking its length and
 * association id, and running its handler. sockopt.c asks here first. */
#include <errno.h>
#include <stdint.h>
#include <string.h>

#include "opt.h"

/* Every table, searched in order. */
static const struct {
    const net_opt *rows;
    const size_t *n;
} tables[] = {
    {net_lksctp_opts, &net_lksctp_nopts},
    {net_sched_opts, &net_sched_nopts},
    {net_reconf_opts, &net_reconf_nopts},
    {net_idata_opts, &net_idata_nopts},
    {net_prsctp_opts, &net_prsctp_nopts},
};

static const net_opt *opt_find(int level, int name)
{
    for (size_t t = 0; t < sizeof(tables) / sizeof(tables[0]); t++)
        for (size_t i = 0; i < *tables[t].n; i++) {
            const net_opt *o = &tables[t].rows[i];
            if (o->level == level && o->name == name)
                return o;
        }
    return NULL;
}

/* The association id the value names (SCTP_FUTURE_ASSOC without one). */
static sctp_assoc_t opt_id(const net_opt *o, const void *val, socklen_t len)
{
    sctp_assoc_t id = SCTP_FUTURE_ASSOC;
    if (o->id_off == NET_OPT_NO_ID)
        return id;
    size_t need = o->id_len ? (size_t)o->id_len : (size_t)o->id_off + sizeof(sctp_assoc_t);
    if ((size_t)len >= need)
        memcpy(&id, (const uint8_t *)val + o->id_off, sizeof(id));
    return id;
}

int net_opt_table_get(net_sock *s, int level, int name, void *val, socklen_t *len, int *e)
{
    const net_opt *o = opt_find(level, name);
    if (!o || o->call_get || o->call_set)
        return 0;
    net_target t;
    if (!o->get)
        *e = ENOPROTOOPT;
    else if (*len < o->min_len)
        *e = EINVAL;
    else if ((*e = net_opt_resolve(s, opt_id(o, val, *len), 0, &t)) == 0)
        *e = o->get(s, o, &t, val, len);
    return 1;
}

int net_opt_table_set(net_sock *s, int level, int name, const void *val, socklen_t len, int *e)
{
    const net_opt *o = opt_find(level, name);
    if (!o || o->call_get || o->call_set)
        return 0;
    net_target t;
    if (!o->set)
        *e = ENOPROTOOPT;
    else if (len < o->min_len)
        *e = EINVAL;
    else if ((*e = net_opt_resolve(s, opt_id(o, val, len), o->multi, &t)) == 0)
        *e = o->set(s, o, &t, val, len);
    return 1;
}

int net_opt_call_get(int sd, int level, int name, void *val, socklen_t *len, int *ret)
{
    const net_opt *o = opt_find(level, name);
    if (!o || (!o->call_get && !o->call_set))
        return 0;
    errno = !o->call_get ? ENOPROTOOPT : !val || !len || *len < o->min_len ? EINVAL : 0;
    *ret = errno ? -1 : o->call_get(sd, val, len);
    return 1;
}

int net_opt_call_set(int sd, int level, int name, const void *val, socklen_t len, int *ret)
{
    const net_opt *o = opt_find(level, name);
    if (!o || (!o->call_get && !o->call_set))
        return 0;
    errno = !o->call_set ? ENOPROTOOPT : !val || len < o->min_len ? EINVAL : 0;
    *ret = errno ? -1 : o->call_set(sd, val, len);
    return 1;
}
