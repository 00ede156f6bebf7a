/* Socket option tables: one row per option (level, name, minimum length, where the
 * association id is, whether CURRENT/ALL may be set, get and set handler), the handlers
 * next to their feature (opt_<feature>.c). opt.c finds the row and checks the length and
 * the association id before a handler runs. Everything here runs under the stack lock,
 * except the "call" handlers (see net_opt_call_get in net.h). */
#ifndef MPSCTP_NET_OPT_H
#define MPSCTP_NET_OPT_H

#include "net.h"

/* Which associations an option call addresses (RFC 6458 s7.2). */
typedef struct net_target {
    net_assoc *one; /* a single association (real id, or a one-to-one socket's) */
    int future;     /* the socket default */
    int current;    /* every existing association */
} net_target;

/* RFC 6458 s7.2: one-to-one sockets ignore id (their association, and the socket default
 * that follows it); one-to-many ones take a real id (ENOENT when unknown),
 * SCTP_FUTURE_ASSOC, and with multi (set only) SCTP_CURRENT_ASSOC and SCTP_ALL_ASSOC
 * (EINVAL otherwise). Returns 0 or an errno. */
int net_opt_resolve(net_sock *s, sctp_assoc_t id, int multi, net_target *t);

/* Runs the statement after it for every live association the target names. */
#define FOR_TARGET(s, t, na)                                                                   \
    for (net_assoc *na = (s)->ep ? (s)->ep->assocs : NULL; na; na = na->next)                  \
        if (na->a && !na->closed && ((t).one == na || ((t).current && na->sock == (s))))

#define NET_OPT_NO_ID (-1) /* the value holds no association id: SCTP_FUTURE_ASSOC */

typedef struct net_opt net_opt;
struct net_opt {
    int level, name;
    socklen_t min_len; /* optlen below it: EINVAL before the handler runs */
    int id_off;        /* offset of the sctp_assoc_t in the value, or NET_OPT_NO_ID */
    socklen_t id_len;  /* a value shorter than this holds no id (Linux's older int forms)
                          and means SCTP_FUTURE_ASSOC; 0: id_off + sizeof(sctp_assoc_t) */
    int multi;         /* set accepts SCTP_CURRENT_ASSOC / SCTP_ALL_ASSOC */
    /* Under the lock, with the resolved target. Return 0 or an errno; NULL: ENOPROTOOPT.
     * get sets *len to the bytes it filled. */
    int (*get)(net_sock *s, const net_opt *o, const net_target *t, void *val, socklen_t *len);
    int (*set)(net_sock *s, const net_opt *o, const net_target *t, const void *val,
               socklen_t len);
    /* Whole API calls, without the lock (the row's get/set are NULL): return what the
     * public call returns, errno set on -1. min_len is checked first. */
    int (*call_get)(int sd, void *val, socklen_t *len);
    int (*call_set)(int sd, const void *val, socklen_t len);
    size_t lk_off; /* rows of an int flag: its offset in sock_lk_opts */
};

/* The rows of opt_lksctp.c, and their number. */
extern const net_opt net_lksctp_opts[];
extern const size_t net_lksctp_nopts;
/* The rows of opt_reconf.c (stream reconfiguration), and their number. */
extern const net_opt net_reconf_opts[];
extern const size_t net_reconf_nopts;

/* The rows of opt_sched.c (stream schedulers), and their number. */
extern const net_opt net_sched_opts[];
extern const size_t net_sched_nopts;

/* The rows of opt_idata.c (message interleaving), and their number. */
extern const net_opt net_idata_opts[];
extern const size_t net_idata_nopts;
/* The rows of opt_prsctp.c (partial reliability), and their number. */
extern const net_opt net_prsctp_opts[];
extern const size_t net_prsctp_nopts;

#endif
