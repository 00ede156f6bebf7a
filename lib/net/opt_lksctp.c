/* Linux/lksctp compatibility: the older socket options, the generic socket and IP options
 * that unmodified kernel-SCTP applications set, libsctp's calls that travel as socket
 * options (sctp_bindx, sctp_connectx, sctp_peeloff, sctp_getpaddrs/getladdrs), and the
 * SCTP_SNDRCV cmsg. Numbers, layouts and errors are Linux's (net/sctp/socket.c), except
 * that an unknown association id of a one-to-many socket is ENOENT as everywhere in this
 * library (RFC 6458 s7.2), and what docs/api.md ("Porting from lksctp") lists as kept
 * without an effect. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "opt.h"

#define DATA_OVERHEAD 28 /* SCTP common header 12 + DATA chunk header 16 */
#define NEVENTS ((socklen_t)sizeof(struct sctp_event_subscribe))

/* ---- helpers -------------------------------------------------------------------------- */

static int lk_put(void *val, socklen_t *len, const void *v, size_t n)
{
    memcpy(val, v, n);
    *len = (socklen_t)n;
    return 0;
}

static int lk_get_int(const void *val)
{
    int v;
    memcpy(&v, val, sizeof(v));
    return v;
}

static int lk_put_int(void *val, socklen_t *len, int v)
{
    return lk_put(val, len, &v, sizeof(v));
}

/* The association of s that id names (one-to-one: its own), live or not, or NULL. */
static net_assoc *lk_assoc(net_sock *s, sctp_assoc_t id)
{
    if (s->type == SOCK_STREAM)
        return s->assoc;
    net_assoc *na = s->ep ? net_assoc_by_id(s->ep, id) : NULL;
    return na && na->sock == s ? na : NULL;
}

/* ---- SOL_SOCKET, IPPROTO_IP, IPPROTO_IPV6 ---------------------------------------------- */

/* An on/off int kept in a uint8_t of sock_lk_opts (the row's lk_off):
 * - SO_REUSEADDR (kept: a port is never held after its socket closed, SCTP has no
 *   TIME_WAIT);
 * - SCTP_DISABLE_FRAGMENTS (net_lk_send_check);
 * - SCTP_I_WANT_MAPPED_V4_ADDR: on (the default, as Linux), an AF_INET6 socket reports IPv4
 *   addresses as IPv4-mapped IPv6 ones (net_lk_addr_out); it takes both forms in.
 * SCTP_FRAGMENT_INTERLEAVE is in opt_idata.c. */
static uint8_t *lk_flag(net_sock *s, const net_opt *o)
{
    return (uint8_t *)&s->o.lk + o->lk_off;
}

static int get_flag(net_sock *s, const net_opt *o, const net_target *t, void *val,
                    socklen_t *len)
{
    return lk_put_int(val, len, *lk_flag(s, o));
}

static int set_flag(net_sock *s, const net_opt *o, const net_target *t, const void *val,
                    socklen_t len)
{
    *lk_flag(s, o) = lk_get_int(val) != 0;
    return 0;
}

static int get_domain(net_sock *s, const net_opt *o, const net_target *t, void *val,
                      socklen_t *len)
{
    return lk_put_int(val, len, s->family);
}

static int get_protocol(net_sock *s, const net_opt *o, const net_target *t, void *val,
                        socklen_t *len)
{
    return lk_put_int(val, len, IPPROTO_SCTP);
}

static int get_acceptconn(net_sock *s, const net_opt *o, const net_target *t, void *val,
                          socklen_t *len)
{
    return lk_put_int(val, len, s->listening);
}

/* IP_TOS and IPV6_TCLASS are kept: every socket of a stack shares its UDP socket, so one
 * socket's marking cannot be applied without marking the others' packets. */
static int get_tos(net_sock *s, const net_opt *o, const net_target *t, void *val,
                   socklen_t *len)
{
    return lk_put_int(val, len, s->o.lk.tos);
}

static int set_tos(net_sock *s, const net_opt *o, const net_target *t, const void *val,
                   socklen_t len)
{
    s->o.lk.tos = (uint8_t)lk_get_int(val);
    return 0;
}

static int get_tclass(net_sock *s, const net_opt *o, const net_target *t, void *val,
                      socklen_t *len)
{
    if (s->family != AF_INET6)
        return ENOPROTOOPT;
    return lk_put_int(val, len, s->o.lk.tclass);
}

static int set_tclass(net_sock *s, const net_opt *o, const net_target *t, const void *val,
                      socklen_t len)
{
    int v = lk_get_int(val);
    if (s->family != AF_INET6)
        return ENOPROTOOPT;
    if (v < -1 || v > 0xff)
        return EINVAL;
    s->o.lk.tclass = (uint8_t)(v < 0 ? 0 : v); /* -1: the default */
    return 0;
}

/* IPV6_V6ONLY is kept: an IPv6 socket also takes IPv4 peers (v6only 0 behaviour). */
static int get_v6only(net_sock *s, const net_opt *o, const net_target *t, void *val,
                      socklen_t *len)
{
    if (s->family != AF_INET6)
        return ENOPROTOOPT;
    return lk_put_int(val, len, s->o.lk.v6only);
}

static int set_v6only(net_sock *s, const net_opt *o, const net_target *t, const void *val,
                      socklen_t len)
{
    if (s->family != AF_INET6)
        return ENOPROTOOPT;
    if (s->bound)
        return EINVAL; /* Linux: only before bind */
    s->o.lk.v6only = lk_get_int(val) != 0;
    return 0;
}

/* ---- IPPROTO_SCTP: plain values ------------------------------------------------------ */

/* SCTP_AUTOCLOSE (kept: idle associations are not closed). One-to-many only. */
static int get_autoclose(net_sock *s, const net_opt *o, const net_target *t, void *val,
                         socklen_t *len)
{
    if (s->type == SOCK_STREAM)
        return EOPNOTSUPP;
    return lk_put_int(val, len, (int)s->o.lk.autoclose);
}

static int set_autoclose(net_sock *s, const net_opt *o, const net_target *t, const void *val,
                         socklen_t len)
{
    if (s->type == SOCK_STREAM)
        return EOPNOTSUPP;
    s->o.lk.autoclose = (uint32_t)lk_get_int(val);
    return 0;
}

/* SCTP_SET_PEER_PRIMARY_ADDR asks the peer by ASCONF (RFC 5061), which is not supported:
 * EPERM, as Linux says when ASCONF is off. */
static int set_peer_primary(net_sock *s, const net_opt *o, const net_target *t, const void *val,
                            socklen_t len)
{
    return EPERM;
}

/* SCTP_ADAPTATION_LAYER (kept: no Adaptation Layer Indication goes into INIT). */
static int get_adaptation(net_sock *s, const net_opt *o, const net_target *t, void *val,
                          socklen_t *len)
{
    struct sctp_setadaptation a = {s->o.lk.adaptation};
    return lk_put(val, len, &a, sizeof(a));
}

static int set_adaptation(net_sock *s, const net_opt *o, const net_target *t, const void *val,
                          socklen_t len)
{
    struct sctp_setadaptation a;
    memcpy(&a, val, sizeof(a));
    s->o.lk.adaptation = a.ssb_adaptation_ind;
    return 0;
}

/* SCTP_PARTIAL_DELIVERY_POINT: for associations set up later (0: the default, a quarter
 * of the receive buffer). Above SO_RCVBUF: EINVAL. */
static int get_pd_point(net_sock *s, const net_opt *o, const net_target *t, void *val,
                        socklen_t *len)
{
    uint32_t v = s->o.set.pd_point;
    return lk_put(val, len, &v, sizeof(v));
}

static int set_pd_point(net_sock *s, const net_opt *o, const net_target *t, const void *val,
                        socklen_t len)
{
    uint32_t v;
    memcpy(&v, val, sizeof(v));
    if (v > s->o.set.rcvbuf)
        return EINVAL;
    s->o.set.pd_point = v;
    return 0;
}

static int get_assoc_number(net_sock *s, const net_opt *o, const net_target *t, void *val,
                            socklen_t *len)
{
    if (s->type == SOCK_STREAM)
        return EOPNOTSUPP;
    uint32_t n = 0;
    for (net_assoc *na = s->ep ? s->ep->assocs : NULL; na; na = na->next)
        n += na->sock == s && !na->closed;
    return lk_put(val, len, &n, sizeof(n));
}

/* ---- IPPROTO_SCTP: per association ---------------------------------------------------- */

/* SCTP_DEFAULT_SEND_PARAM is SCTP_DEFAULT_SNDINFO (same store, same rules) plus
 * sinfo_timetolive, which is kept but not applied: the default PR-SCTP policy is
 * SCTP_DEFAULT_PRINFO's, and PR bits in the flags are refused. */
static int get_send_param(net_sock *s, const net_opt *o, const net_target *t, void *val,
                          socklen_t *len)
{
    struct sctp_sndrcvinfo sr;
    memcpy(&sr, val, sizeof(sr));
    struct sctp_sndinfo si = {.snd_assoc_id = sr.sinfo_assoc_id};
    socklen_t l = sizeof(si);
    int e = net_getsockopt(s, IPPROTO_SCTP, SCTP_DEFAULT_SNDINFO, &si, &l);
    if (e)
        return e;
    sr.sinfo_stream = si.snd_sid;
    sr.sinfo_flags = si.snd_flags;
    sr.sinfo_ppid = si.snd_ppid;
    sr.sinfo_context = si.snd_context;
    sr.sinfo_timetolive = t->one ? t->one->snd_ttl : s->o.lk.snd_ttl;
    sr.sinfo_assoc_id = si.snd_assoc_id;
    return lk_put(val, len, &sr, sizeof(sr));
}

static int set_send_param(net_sock *s, const net_opt *o, const net_target *t, const void *val,
                          socklen_t len)
{
    struct sctp_sndrcvinfo sr;
    memcpy(&sr, val, sizeof(sr));
    if (sr.sinfo_flags & ~(SCTP_UNORDERED | SCTP_ADDR_OVER | SCTP_ABORT | SCTP_EOF))
        return EINVAL;
    struct sctp_sndinfo si = {.snd_sid = sr.sinfo_stream,
                              .snd_flags = sr.sinfo_flags,
                              .snd_ppid = sr.sinfo_ppid,
                              .snd_context = sr.sinfo_context,
                              .snd_assoc_id = sr.sinfo_assoc_id};
    int e = net_setsockopt(s, IPPROTO_SCTP, SCTP_DEFAULT_SNDINFO, &si, sizeof(si));
    if (e)
        return e;
    FOR_TARGET(s, *t, na)
    {
        na->snd_ttl = sr.sinfo_timetolive;
    }
    if (t->future)
        s->o.lk.snd_ttl = sr.sinfo_timetolive;
    return 0;
}

/* SCTP_EVENTS: field i is notification type SCTP_SN_TYPE_BASE + i, bit i of the masks
 * SCTP_EVENT keeps. A set writes the socket's mask and every association's (Linux). */
static int get_events(net_sock *s, const net_opt *o, const net_target *t, void *val,
                      socklen_t *len)
{
    if (*len == 0)
        return EINVAL;
    uint8_t f[sizeof(struct sctp_event_subscribe)];
    for (size_t i = 0; i < sizeof(f); i++)
        f[i] = (uint8_t)((s->o.events >> i) & 1);
    return lk_put(val, len, f, *len < NEVENTS ? *len : NEVENTS);
}

static int set_events(net_sock *s, const net_opt *o, const net_target *t, const void *val,
                      socklen_t len)
{
    if (len > NEVENTS)
        return EINVAL;
    const uint8_t *f = val;
    uint32_t ev = s->o.events;
    for (socklen_t i = 0; i < len; i++)
        ev = f[i] ? ev | (1u << i) : ev & ~(1u << i);
    s->o.events = ev;
    net_target all = {.current = 1};
    FOR_TARGET(s, all, na)
    {
        na->events = ev;
    }
    return 0;
}

/* SCTP_DELAYED_SACK: delayed SACKs off is a delay of 0 here (reported as delay 0,
 * frequency 1, as Linux does). */
static void sack_apply(mpsctp_settings *set, mpsctp_assoc *a, const struct sctp_sack_info *si)
{
    uint32_t delay = set->sack_delay_ms, freq = set->sack_freq;
    if (si->sack_delay)
        delay = si->sack_delay;
    if (si->sack_freq == 1) {
        delay = 0;
    } else if (si->sack_freq > 1) {
        freq = si->sack_freq;
        if (!delay)
            delay = 200; /* turned on again: RFC 9260 s6.2's usual delay */
    }
    if (a) {
        mpsctp_assoc_set_sack_delay(a, delay);
        mpsctp_assoc_set_sack_freq(a, freq);
    } else {
        set->sack_delay_ms = delay;
        set->sack_freq = freq;
    }
}

static int get_delayed_sack(net_sock *s, const net_opt *o, const net_target *t, void *val,
                            socklen_t *len)
{
    struct sctp_sack_info si = {0};
    socklen_t n = *len >= (socklen_t)sizeof(si) ? (socklen_t)sizeof(si)
                  : *len == (socklen_t)sizeof(struct sctp_assoc_value)
                      ? (socklen_t)sizeof(struct sctp_assoc_value)
                      : 0;
    if (!n)
        return EINVAL;
    memcpy(&si, val, n);
    mpsctp_settings set = s->o.set;
    if (t->one) {
        mpsctp_assoc_get_settings(t->one->a, &set);
        si.sack_assoc_id = t->one->id;
    }
    si.sack_delay = set.sack_delay_ms;
    si.sack_freq = set.sack_delay_ms ? set.sack_freq : 1;
    return lk_put(val, len, &si, n);
}

static int set_delayed_sack(net_sock *s, const net_opt *o, const net_target *t, const void *val,
                            socklen_t len)
{
    struct sctp_sack_info si;
    if (len == (socklen_t)sizeof(struct sctp_assoc_value)) {
        /* The older form: a delay, 0 meaning off. */
        struct sctp_assoc_value av;
        memcpy(&av, val, sizeof(av));
        si.sack_assoc_id = av.assoc_id;
        si.sack_delay = av.assoc_value;
        si.sack_freq = av.assoc_value ? 0 : 1;
    } else if (len >= (socklen_t)sizeof(si)) {
        memcpy(&si, val, sizeof(si));
        if (si.sack_delay == 0 && si.sack_freq == 0)
            return 0;
    } else {
        return EINVAL;
    }
    if (si.sack_delay > 500) /* RFC 9260 s6.2 */
        return EINVAL;
    FOR_TARGET(s, *t, na)
    {
        mpsctp_settings cur;
        mpsctp_assoc_get_settings(na->a, &cur);
        sack_apply(&cur, na->a, &si);
    }
    if (t->future)
        sack_apply(&s->o.set, NULL, &si);
    return 0;
}

/* SCTP_CONTEXT: the rcv_context / sinfo_context of messages received from the peer. */
static int get_context(net_sock *s, const net_opt *o, const net_target *t, void *val,
                       socklen_t *len)
{
    struct sctp_assoc_value av;
    memcpy(&av, val, sizeof(av));
    av.assoc_value = t->one ? t->one->rcv_context : s->o.lk.rcv_context;
    if (t->one)
        av.assoc_id = t->one->id;
    return lk_put(val, len, &av, sizeof(av));
}

static int set_context(net_sock *s, const net_opt *o, const net_target *t, const void *val,
                       socklen_t len)
{
    struct sctp_assoc_value av;
    memcpy(&av, val, sizeof(av));
    FOR_TARGET(s, *t, na)
    {
        na->rcv_context = av.assoc_value;
    }
    if (t->future)
        s->o.lk.rcv_context = av.assoc_value;
    return 0;
}

/* SCTP_MAX_BURST: struct sctp_assoc_value, or an int for the socket default (Linux's older
 * form). 0 (Linux: no limit) is EINVAL: Max.Burst always applies here. */
static int get_max_burst(net_sock *s, const net_opt *o, const net_target *t, void *val,
                         socklen_t *len)
{
    if (*len == (socklen_t)sizeof(int))
        return lk_put_int(val, len, (int)s->o.set.max_burst);
    if (*len < (socklen_t)sizeof(struct sctp_assoc_value))
        return EINVAL;
    struct sctp_assoc_value av;
    memcpy(&av, val, sizeof(av));
    mpsctp_settings set = s->o.set;
    if (t->one) {
        mpsctp_assoc_get_settings(t->one->a, &set);
        av.assoc_id = t->one->id;
    }
    av.assoc_value = set.max_burst;
    return lk_put(val, len, &av, sizeof(av));
}

static int set_max_burst(net_sock *s, const net_opt *o, const net_target *t, const void *val,
                         socklen_t len)
{
    uint32_t v;
    if (len == (socklen_t)sizeof(int)) {
        memcpy(&v, val, sizeof(v));
    } else if (len >= (socklen_t)sizeof(struct sctp_assoc_value)) {
        struct sctp_assoc_value av;
        memcpy(&av, val, sizeof(av));
        v = av.assoc_value;
    } else {
        return EINVAL;
    }
    if (v == 0)
        return EINVAL;
    FOR_TARGET(s, *t, na)
    {
        mpsctp_assoc_set_max_burst(na->a, v);
    }
    if (t->future)
        s->o.set.max_burst = v;
    return 0;
}

/* SCTP_GET_ASSOC_STATS: the counters the core keeps (socket.h says which). */
static int get_assoc_stats(net_sock *s, const net_opt *o, const net_target *t, void *val,
                           socklen_t *len)
{
    if (!t->one)
        return EINVAL;
    struct sctp_assoc_stats st;
    memset(&st, 0, sizeof(st));
    st.sas_assoc_id = t->one->id;
    mpsctp_assoc_status cs;
    mpsctp_assoc_status_get(t->one->a, &cs);
    st.sas_opackets = cs.packets_sent;
    st.sas_ipackets = cs.packets_received;
    st.sas_rtxchunks = cs.retransmissions;
    st.sas_idupchunks = cs.duplicate_tsns_received;
    st.sas_oodchunks = cs.data_chunks_sent;
    st.sas_iodchunks = cs.data_chunks_received;
    mpsctp_path_info pi;
    for (uint32_t i = 0; mpsctp_assoc_path_info(t->one->a, i, &pi) == 0; i++)
        if (pi.rto_ms >= st.sas_maxrto) {
            st.sas_maxrto = pi.rto_ms;
            struct sockaddr_storage ss;
            net_to_sockaddr(&pi.remote, (uint16_t)mpsctp_assoc_peer_port(t->one->a), &ss, NULL);
            st.sas_obs_rto_ipaddr = ss;
        }
    /* Linux fills what fits: the structure may grow. */
    return lk_put(val, len, &st, *len < (socklen_t)sizeof(st) ? *len : sizeof(st));
}

/* ---- libsctp's calls as socket options ------------------------------------------------ */

/* Counts the packed sockaddr_in/sockaddr_in6 of buf[0..len-1], which must be filled
 * exactly. Returns the count, or -1 (EINVAL: empty, an unknown family, a cut address). */
static int count_addrs(const void *buf, size_t len)
{
    size_t off = 0;
    int n = 0;
    while (off < len) {
        sa_family_t fam;
        if (len - off < sizeof(fam))
            return -1;
        memcpy(&fam, (const uint8_t *)buf + off, sizeof(fam));
        size_t l = fam == AF_INET    ? sizeof(struct sockaddr_in)
                   : fam == AF_INET6 ? sizeof(struct sockaddr_in6)
                                     : 0;
        if (!l || len - off < l)
            return -1;
        off += l;
        n++;
    }
    return n ? n : -1;
}

/* On the packed addresses of an option value (copied: it may be unaligned): mpsctp_bindx
 * with flags, or with flags 0 mpsctp_connectx (the id in *id, also on EINPROGRESS).
 * Returns what the call returns; -1 with EINVAL for a bad list, ENOMEM. */
static int addrs_call(int sd, const void *buf, size_t len, int flags, sctp_assoc_t *id)
{
    int n = count_addrs(buf, len);
    if (n < 0) {
        errno = EINVAL;
        return -1;
    }
    struct sockaddr *a = malloc(len);
    if (!a) {
        errno = ENOMEM;
        return -1;
    }
    memcpy(a, buf, len);
    int r = flags ? mpsctp_bindx(sd, a, n, flags) : mpsctp_connectx(sd, a, n, id);
    int e = errno;
    free(a);
    errno = e;
    return r;
}

static int call_bindx_add(int sd, const void *val, socklen_t len)
{
    return addrs_call(sd, val, len, SCTP_BINDX_ADD_ADDR, NULL);
}

static int call_bindx_rem(int sd, const void *val, socklen_t len)
{
    return addrs_call(sd, val, len, SCTP_BINDX_REM_ADDR, NULL);
}

static int call_connectx_old(int sd, const void *val, socklen_t len)
{
    return addrs_call(sd, val, len, 0, NULL);
}

/* Linux: the association id is the positive return value. */
static int call_connectx(int sd, const void *val, socklen_t len)
{
    sctp_assoc_t id = 0;
    int r = addrs_call(sd, val, len, 0, &id);
    return r < 0 ? r : (int)id;
}

/* The id goes back in the option value, also when a non-blocking connect is under way. */
static int call_connectx3(int sd, void *val, socklen_t *len)
{
    struct sctp_getaddrs_old p;
    memcpy(&p, val, sizeof(p));
    if (p.addr_num <= 0 || !p.addrs) {
        errno = EINVAL;
        return -1;
    }
    sctp_assoc_t id = 0;
    int r = addrs_call(sd, p.addrs, (size_t)p.addr_num, 0, &id);
    if (r == 0 || errno == EINPROGRESS) {
        int e = errno;
        memcpy(val, &id, sizeof(id));
        *len = sizeof(id);
        errno = e;
    }
    return r;
}

static int peeloff_with(int sd, void *val, socklen_t *len, size_t n, unsigned flags)
{
    sctp_peeloff_arg_t p;
    memcpy(&p, val, sizeof(p));
    int fd = mpsctp_peeloff(sd, p.associd);
    if (fd < 0)
        return -1;
    /* Every descriptor of this library is close-on-exec already (SOCK_CLOEXEC). */
    if (flags & SOCK_NONBLOCK) {
        int fl = mpsctp_fcntl(fd, F_GETFL, 0);
        mpsctp_fcntl(fd, F_SETFL, (fl < 0 ? 0 : fl) | O_NONBLOCK);
    }
    p.sd = fd;
    memcpy(val, &p, sizeof(p));
    *len = (socklen_t)n;
    return 0; /* the descriptor is in sd (Linux also returns it; libsctp reads sd) */
}

static int call_peeloff(int sd, void *val, socklen_t *len)
{
    return peeloff_with(sd, val, len, sizeof(sctp_peeloff_arg_t), 0);
}

static int call_peeloff_flags(int sd, void *val, socklen_t *len)
{
    sctp_peeloff_flags_arg_t p;
    memcpy(&p, val, sizeof(p));
    return peeloff_with(sd, val, len, sizeof(p), p.flags);
}

/* SCTP_GET_PEER_ADDRS / SCTP_GET_LOCAL_ADDRS: the header, then the addresses packed.
 * Addresses that do not fit: ENOMEM (libsctp grows its buffer on it). optlen becomes the
 * header and the addresses for peers, the addresses alone for local ones (Linux). */
static int getaddrs(int sd, void *val, socklen_t *len, int local)
{
    struct sctp_getaddrs h;
    memcpy(&h, val, sizeof(h));
    struct sockaddr *a = NULL;
    int n = local ? mpsctp_getladdrs(sd, h.assoc_id, &a) : mpsctp_getpaddrs(sd, h.assoc_id, &a);
    if (n < 0) {
        if (errno == ENOENT)
            errno = EINVAL; /* Linux: an unknown association */
        return -1;
    }
    if (n == 0 && !local) {
        errno = EINVAL; /* no association */
        return -1;
    }
    size_t bytes = 0;
    for (int i = 0; i < n; i++) {
        const struct sockaddr *sa = (const struct sockaddr *)((const uint8_t *)a + bytes);
        bytes += sa->sa_family == AF_INET6 ? sizeof(struct sockaddr_in6)
                                           : sizeof(struct sockaddr_in);
    }
    if ((size_t)*len - sizeof(h) < bytes) {
        free(a);
        errno = ENOMEM;
        return -1;
    }
    memcpy((uint8_t *)val + offsetof(struct sctp_getaddrs, addrs), a, bytes);
    free(a);
    h.addr_num = (uint32_t)n;
    memcpy(val, &h, sizeof(h));
    *len = (socklen_t)(local ? bytes : sizeof(h) + bytes);
    return 0;
}

static int call_peer_addrs(int sd, void *val, socklen_t *len)
{
    return getaddrs(sd, val, len, 0);
}

static int call_local_addrs(int sd, void *val, socklen_t *len)
{
    return getaddrs(sd, val, len, 1);
}

/* ---- the table -------------------------------------------------------------------------- */

#define ID(type, field) ((int)offsetof(type, field))
/* A row handled under the lock: level, name, minimum length, association id offset,
 * CURRENT/ALL allowed on set, get and set handlers. */
#define ROW(lv, nm, min, id, mu, g, st)                                                        \
    {                                                                                          \
        .level = (lv), .name = (nm), .min_len = (min), .id_off = (id), .multi = (mu),          \
        .get = (g), .set = (st)                                                                \
    }
/* A row that is a whole call (libsctp's), run without the lock. */
#define CALL(nm, min, cg, cs)                                                                  \
    {                                                                                          \
        .level = IPPROTO_SCTP, .name = (nm), .min_len = (min), .id_off = NET_OPT_NO_ID,        \
        .call_get = (cg), .call_set = (cs)                                                     \
    }
#define NOID NET_OPT_NO_ID
/* An int flag kept in field f of sock_lk_opts. */
#define FLAG(lv, nm, f)                                                                        \
    {                                                                                          \
        .level = (lv), .name = (nm), .min_len = sizeof(int), .id_off = NOID, .get = get_flag,  \
        .set = set_flag, .lk_off = offsetof(sock_lk_opts, f)                                   \
    }

const net_opt net_lksctp_opts[] = {
    FLAG(SOL_SOCKET, SO_REUSEADDR, reuseaddr),
    ROW(SOL_SOCKET, SO_DOMAIN, sizeof(int), NOID, 0, get_domain, NULL),
    ROW(SOL_SOCKET, SO_PROTOCOL, sizeof(int), NOID, 0, get_protocol, NULL),
    ROW(SOL_SOCKET, SO_ACCEPTCONN, sizeof(int), NOID, 0, get_acceptconn, NULL),
    ROW(IPPROTO_IP, IP_TOS, sizeof(int), NOID, 0, get_tos, set_tos),
    ROW(IPPROTO_IPV6, IPV6_TCLASS, sizeof(int), NOID, 0, get_tclass, set_tclass),
    ROW(IPPROTO_IPV6, IPV6_V6ONLY, sizeof(int), NOID, 0, get_v6only, set_v6only),
    ROW(IPPROTO_SCTP, SCTP_AUTOCLOSE, sizeof(int), NOID, 0, get_autoclose, set_autoclose),
    ROW(IPPROTO_SCTP, SCTP_SET_PEER_PRIMARY_ADDR, 0, NOID, 0, NULL, set_peer_primary),
    ROW(IPPROTO_SCTP, SCTP_ADAPTATION_LAYER, sizeof(struct sctp_setadaptation), NOID, 0,
        get_adaptation, set_adaptation),
    FLAG(IPPROTO_SCTP, SCTP_DISABLE_FRAGMENTS, disable_frag),
    ROW(IPPROTO_SCTP, SCTP_DEFAULT_SEND_PARAM, sizeof(struct sctp_sndrcvinfo),
        ID(struct sctp_sndrcvinfo, sinfo_assoc_id), 1, get_send_param, set_send_param),
    ROW(IPPROTO_SCTP, SCTP_EVENTS, 0, NOID, 0, get_events, set_events),
    FLAG(IPPROTO_SCTP, SCTP_I_WANT_MAPPED_V4_ADDR, mapped_v4),
    ROW(IPPROTO_SCTP, SCTP_DELAYED_SACK, sizeof(struct sctp_assoc_value),
        ID(struct sctp_sack_info, sack_assoc_id), 1, get_delayed_sack, set_delayed_sack),
    ROW(IPPROTO_SCTP, SCTP_CONTEXT, sizeof(struct sctp_assoc_value),
        ID(struct sctp_assoc_value, assoc_id), 1, get_context, set_context),
    ROW(IPPROTO_SCTP, SCTP_PARTIAL_DELIVERY_POINT, sizeof(uint32_t), NOID, 0, get_pd_point,
        set_pd_point),
    /* The int form has no id: only a struct sctp_assoc_value has one. */
    {.level = IPPROTO_SCTP,
     .name = SCTP_MAX_BURST,
     .min_len = sizeof(int),
     .id_off = ID(struct sctp_assoc_value, assoc_id),
     .id_len = sizeof(struct sctp_assoc_value),
     .multi = 1,
     .get = get_max_burst,
     .set = set_max_burst},
    ROW(IPPROTO_SCTP, SCTP_GET_ASSOC_NUMBER, sizeof(uint32_t), NOID, 0, get_assoc_number, NULL),
    ROW(IPPROTO_SCTP, SCTP_GET_ASSOC_STATS, sizeof(sctp_assoc_t),
        ID(struct sctp_assoc_stats, sas_assoc_id), 0, get_assoc_stats, NULL),
    CALL(SCTP_SOCKOPT_BINDX_ADD, 1, NULL, call_bindx_add),
    CALL(SCTP_SOCKOPT_BINDX_REM, 1, NULL, call_bindx_rem),
    CALL(SCTP_SOCKOPT_PEELOFF, sizeof(sctp_peeloff_arg_t), call_peeloff, NULL),
    CALL(SCTP_SOCKOPT_PEELOFF_FLAGS, sizeof(sctp_peeloff_flags_arg_t), call_peeloff_flags,
         NULL),
    CALL(SCTP_SOCKOPT_CONNECTX_OLD, 1, NULL, call_connectx_old),
    CALL(SCTP_SOCKOPT_CONNECTX, 1, NULL, call_connectx),
    CALL(SCTP_SOCKOPT_CONNECTX3, sizeof(struct sctp_getaddrs_old), call_connectx3, NULL),
    CALL(SCTP_GET_PEER_ADDRS, sizeof(struct sctp_getaddrs), call_peer_addrs, NULL),
    CALL(SCTP_GET_LOCAL_ADDRS, sizeof(struct sctp_getaddrs), call_local_addrs, NULL),
};

const size_t net_lksctp_nopts = sizeof(net_lksctp_opts) / sizeof(net_lksctp_opts[0]);

/* ---- the SCTP_SNDRCV cmsg and the other hooks of sock.c (net.h) ------------------------- */

void net_lk_apply(net_sock *s, net_assoc *na)
{
    na->snd_ttl = s->o.lk.snd_ttl;
    na->rcv_context = s->o.lk.rcv_context;
}

int net_lk_sndrcv_in(const struct cmsghdr *c, struct sctp_sndinfo *si)
{
    struct sctp_sndrcvinfo sr;
    if (c->cmsg_len < CMSG_LEN(sizeof(sr)))
        return EINVAL;
    memcpy(&sr, CMSG_DATA(c), sizeof(sr));
    if (sr.sinfo_flags & ~(SCTP_UNORDERED | SCTP_ADDR_OVER | SCTP_SACK_IMMEDIATELY |
                           SCTP_SENDALL | SCTP_PR_SCTP_MASK | SCTP_ABORT | SCTP_EOF))
        return EINVAL;
    /* PR-SCTP is not supported: the policy bits and the time to live are dropped and the
     * message goes reliably. */
    si->snd_sid = sr.sinfo_stream;
    si->snd_flags = (uint16_t)(sr.sinfo_flags & ~SCTP_PR_SCTP_MASK);
    si->snd_ppid = sr.sinfo_ppid;
    si->snd_context = sr.sinfo_context;
    si->snd_assoc_id = sr.sinfo_assoc_id;
    return 0;
}

int net_lk_sndrcv_out(net_sock *s, const struct sctp_rcvinfo *rcv, struct sctp_sndrcvinfo *out)
{
    net_assoc *na = lk_assoc(s, rcv->rcv_assoc_id);
    uint32_t ev = na ? na->events : s->o.events;
    if (!((ev >> (SCTP_DATA_IO_EVENT - SCTP_SN_TYPE_BASE)) & 1))
        return 0;
    memset(out, 0, sizeof(*out));
    out->sinfo_stream = rcv->rcv_sid;
    out->sinfo_ssn = rcv->rcv_ssn;
    out->sinfo_flags = rcv->rcv_flags;
    out->sinfo_ppid = rcv->rcv_ppid;
    out->sinfo_context = rcv->rcv_context;
    out->sinfo_tsn = rcv->rcv_tsn;
    out->sinfo_cumtsn = rcv->rcv_cumtsn;
    out->sinfo_assoc_id = rcv->rcv_assoc_id;
    return 1;
}

uint32_t net_lk_rcv_context(net_sock *s, sctp_assoc_t id)
{
    net_assoc *na = lk_assoc(s, id);
    return na ? na->rcv_context : s->o.lk.rcv_context;
}

void net_lk_addr_out(const net_sock *s, struct sockaddr_storage *ss, socklen_t *len)
{
    if (s->family != AF_INET6 || !s->o.lk.mapped_v4 || ss->ss_family != AF_INET)
        return;
    struct sockaddr_in s4;
    memcpy(&s4, ss, sizeof(s4));
    struct sockaddr_in6 s6;
    memset(&s6, 0, sizeof(s6));
    s6.sin6_family = AF_INET6;
    s6.sin6_port = s4.sin_port;
    s6.sin6_addr.s6_addr[10] = 0xff;
    s6.sin6_addr.s6_addr[11] = 0xff;
    memcpy(&s6.sin6_addr.s6_addr[12], &s4.sin_addr, 4);
    memset(ss, 0, sizeof(*ss));
    memcpy(ss, &s6, sizeof(s6));
    if (len)
        *len = sizeof(s6);
}

int net_lk_send_check(net_sock *s, net_assoc *na, size_t len)
{
    if (!s->o.lk.disable_frag || !na->a)
        return 0;
    mpsctp_settings set;
    mpsctp_assoc_get_settings(na->a, &set);
    /* I-DATA's header is 4 bytes longer (RFC 8260 s2.1). */
    size_t hdr = DATA_OVERHEAD + (mpsctp_assoc_idata(na->a) == 1 ? 4 : 0);
    return len > (size_t)set.mtu - hdr ? EMSGSIZE : 0;
}
