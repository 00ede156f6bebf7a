/* Socket options (RFC 6458 s8) with the association-id rules of s7.2: one-to-one sockets
 * ignore the id; one-to-many sockets take a real id (ENOENT when unknown),
 * SCTP_FUTURE_ASSOC (the socket default for associations set up later), and where the
 * RFC allows it SCTP_CURRENT_ASSOC (every existing association) and SCTP_ALL_ASSOC
 * (both). */
#define _GNU_SOURCE
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "opt.h"

#define DATA_OVERHEAD 28 /* SCTP common header 12 + DATA chunk header 16 */

void net_sock_opts_default(sock_opts *o, uint16_t mtu)
{
    memset(o, 0, sizeof(*o));
    mpsctp_settings_default(&o->set);
    o->set.mtu = mtu;
    o->remote_udp_port = MPSCTP_DEFAULT_UDP_PORT;
    o->lk.mapped_v4 = 1; /* Linux's default: AF_INET6 sockets see IPv4 peers mapped */
}

/* Which associations an option call addresses (opt.h). */
typedef net_target target;

/* RFC 6458 s7.2. multi: CURRENT/ALL allowed (set only). Returns 0 or an errno. */
static int resolve(net_sock *s, sctp_assoc_t id, int multi, target *t)
{
    memset(t, 0, sizeof(*t));
    if (s->type == SOCK_STREAM) {
        t->one = s->assoc && s->assoc->a ? s->assoc : NULL;
        t->future = 1; /* the socket default follows, for reconnects and inheritance */
        return 0;
    }
    switch (id) {
    case SCTP_FUTURE_ASSOC:
        t->future = 1;
        return 0;
    case SCTP_CURRENT_ASSOC:
        t->current = 1;
        return multi ? 0 : EINVAL;
    case SCTP_ALL_ASSOC:
        t->future = t->current = 1;
        return multi ? 0 : EINVAL;
    default:
        t->one = net_sock_find_assoc(s, id);
        return t->one && t->one->a ? 0 : ENOENT;
    }
}

int net_opt_resolve(net_sock *s, sctp_assoc_t id, int multi, net_target *t)
{
    return resolve(s, id, multi, t);
}

/* Addresses inside the packed RFC 6458 structs are copied, never used in place. */
static int find_path(net_assoc *na, const void *ssp, uint32_t *idx)
{
    struct sockaddr_storage ss;
    memcpy(&ss, ssp, sizeof(ss));
    mpsctp_addr a;
    if (net_from_sockaddr((const struct sockaddr *)&ss, sizeof(ss), &a, NULL))
        return -1;
    mpsctp_path_info pi;
    for (uint32_t i = 0; mpsctp_assoc_path_info(na->a, i, &pi) == 0; i++)
        if (pi.remote.family == a.family && !memcmp(pi.remote.ip, a.ip, 16)) {
            *idx = i;
            return 0;
        }
    return -1;
}

static int addr_wild(const void *ssp)
{
    struct sockaddr_storage ss;
    memcpy(&ss, ssp, sizeof(ss));
    mpsctp_addr a;
    static const uint8_t zero[16];
    if (ss.ss_family == 0)
        return 1;
    if (net_from_sockaddr((const struct sockaddr *)&ss, sizeof(ss), &a, NULL))
        return 0;
    return memcmp(a.ip, zero, 16) == 0;
}

/* resolve() for an option that names a peer address: *one_path tells whether it does
 * (else it is a wildcard), *idx is then that path (else MPSCTP_ALL_PATHS). An address
 * needs one association that has it: EINVAL otherwise. */
static int resolve_path(net_sock *s, sctp_assoc_t id, const void *addr, int multi, target *t,
                        uint32_t *idx, int *one_path)
{
    int e = resolve(s, id, multi, t);
    if (e)
        return e;
    *idx = MPSCTP_ALL_PATHS;
    *one_path = !addr_wild(addr);
    if (*one_path && (!t->one || find_path(t->one, addr, idx)))
        return EINVAL;
    return 0;
}

/* RFC 6458 s8.2.2 spinfo_state of a path (RFC 7829 s7.3: SCTP_PF). An unconfirmed path
 * is reported as such whatever its reachability. */
static int32_t path_state(const mpsctp_path_info *p)
{
    return !p->confirmed ? SCTP_UNCONFIRMED
           : p->pf       ? SCTP_PF
           : p->active   ? SCTP_ACTIVE
                         : SCTP_INACTIVE;
}

static void fill_paddrinfo(net_assoc *na, uint32_t idx, struct sctp_paddrinfo *pi)
{
    mpsctp_path_info p;
    if (mpsctp_assoc_path_info(na->a, idx, &p))
        return;
    struct sockaddr_storage ss;
    net_to_sockaddr(&p.remote, (uint16_t)mpsctp_assoc_peer_port(na->a), &ss, NULL);
    if (na->sock)
        net_lk_addr_out(na->sock, &ss, NULL);
    memcpy(&pi->spinfo_address, &ss, sizeof(ss));
    pi->spinfo_assoc_id = na->id;
    pi->spinfo_state = path_state(&p);
    pi->spinfo_cwnd = p.cwnd;
    pi->spinfo_srtt = p.srtt_ms;
    pi->spinfo_rto = p.rto_ms;
    pi->spinfo_mtu = p.mtu;
}

/* ---- CMT options (docs/api.md, docs/cmt.md) --------------------------------------------------- */

/* The socket constants are the core's numbers. */
_Static_assert(SCTP_CMT_OFF == MPSCTP_CMT_OFF && SCTP_CMT_BASE == MPSCTP_CMT_BASE &&
                   SCTP_CMT_RPV1 == MPSCTP_CMT_RPV1 && SCTP_CMT_RPV2 == MPSCTP_CMT_RPV2 &&
                   SCTP_CMT_MPTCP == MPSCTP_CMT_MPTCP && SCTP_CMT_MPTCP == MPSCTP_CMT_MAX,
               "SCTP_CMT_* values");
_Static_assert(MPSCTP_CMT_BUFSPLIT_SENDER == MPSCTP_BUFSPLIT_SENDER &&
                   MPSCTP_CMT_BUFSPLIT_RECEIVER == MPSCTP_BUFSPLIT_RECEIVER &&
                   MPSCTP_CMT_BUFSPLIT_BOTH == (MPSCTP_BUFSPLIT_SENDER | MPSCTP_BUFSPLIT_RECEIVER),
               "MPSCTP_CMT_BUFSPLIT_* values");
_Static_assert(MPSCTP_CMT_RTX_CWND == MPSCTP_RTX_CWND &&
                   MPSCTP_CMT_RTX_SSTHRESH == MPSCTP_RTX_SSTHRESH,
               "MPSCTP_CMT_RTX_* values");
_Static_assert(MPSCTP_PATH_SELECT_RR == MPSCTP_PATHSEL_RR &&
                   MPSCTP_PATH_SELECT_STREAM == MPSCTP_PATHSEL_STREAM,
               "MPSCTP_PATH_SELECT_* values");
_Static_assert(MPSCTP_SACKPATH_DATA == MPSCTP_SACK_PATH_DATA &&
                   MPSCTP_SACKPATH_PRIMARY == MPSCTP_SACK_PATH_PRIMARY &&
                   MPSCTP_SACKPATH_MIN_RTT == MPSCTP_SACK_PATH_MIN_RTT,
               "MPSCTP_SACKPATH_* values");

/* An option whose struct sctp_assoc_value holds one CMT field of mpsctp_settings: values
 * 0..max, the core setter for a live association (NULL: negotiated at setup, so only the
 * socket default may change) and, where the association's value is not the setting, the
 * core getter. */
typedef struct cmt_opt {
    int name;
    uint32_t max;
    size_t field; /* offsetof(mpsctp_settings, a uint8_t member) */
    int (*assoc_set)(mpsctp_assoc *a, uint32_t v);
    int (*assoc_get)(const mpsctp_assoc *a);
} cmt_opt;

static const cmt_opt cmt_opts[] = {
    {SCTP_CMT_ON_OFF, MPSCTP_CMT_MAX, offsetof(mpsctp_settings, cmt), mpsctp_assoc_set_cmt,
     NULL},
    {MPSCTP_CMT_BUFSPLIT, MPSCTP_CMT_BUFSPLIT_BOTH, offsetof(mpsctp_settings, cmt_bufsplit),
     mpsctp_assoc_set_bufsplit, NULL},
    {MPSCTP_CMT_RTX_POLICY, MPSCTP_CMT_RTX_SSTHRESH, offsetof(mpsctp_settings, cmt_rtx_policy),
     mpsctp_assoc_set_rtx_policy, NULL},
    {MPSCTP_SACK_PATH, MPSCTP_SACKPATH_MIN_RTT, offsetof(mpsctp_settings, sack_path),
     mpsctp_assoc_set_sack_path, NULL},
    {MPSCTP_NR_SACK, 1, offsetof(mpsctp_settings, nr_sack), NULL, mpsctp_assoc_nr_sack},
    {MPSCTP_PATH_SELECT, MPSCTP_PATH_SELECT_STREAM, offsetof(mpsctp_settings, path_select),
     mpsctp_assoc_set_path_select, NULL},
    {SCTP_CMT_USE_DAC, 1, offsetof(mpsctp_settings, cmt_dac), mpsctp_assoc_set_cmt_dac, NULL},
};

static const cmt_opt *cmt_opt_find(int name)
{
    for (size_t i = 0; i < sizeof(cmt_opts) / sizeof(cmt_opts[0]); i++)
        if (cmt_opts[i].name == name)
            return &cmt_opts[i];
    return NULL;
}

static uint8_t *cmt_field(mpsctp_settings *set, const cmt_opt *o)
{
    return (uint8_t *)set + o->field;
}

/* getsockopt: the association's value, or the socket default (SCTP_FUTURE_ASSOC, a
 * one-to-one socket without association). Returns 0 or an errno. */
static int cmt_get(net_sock *s, const cmt_opt *o, void *val, socklen_t *len)
{
    struct sctp_assoc_value av;
    if (*len < (socklen_t)sizeof(av))
        return EINVAL;
    memcpy(&av, val, sizeof(av));
    target t;
    int e = resolve(s, av.assoc_id, 0, &t);
    if (e)
        return e;
    mpsctp_settings set = s->o.set;
    if (t.one) {
        mpsctp_assoc_get_settings(t.one->a, &set);
        av.assoc_id = t.one->id;
    }
    av.assoc_value = *cmt_field(&set, o);
    if (t.one && o->assoc_get)
        av.assoc_value = (uint32_t)o->assoc_get(t.one->a);
    memcpy(val, &av, sizeof(av));
    *len = (socklen_t)sizeof(av);
    return 0;
}

/* setsockopt: validates the value before anything changes, then sets every association
 * the id names and the socket default. Returns 0 or an errno. */
static int cmt_set(net_sock *s, const cmt_opt *o, const void *val, socklen_t len)
{
    struct sctp_assoc_value av;
    if (len < (socklen_t)sizeof(av))
        return EINVAL;
    memcpy(&av, val, sizeof(av));
    if (av.assoc_value > o->max)
        return EINVAL;
    target t;
    int e = resolve(s, av.assoc_id, 1, &t);
    if (e)
        return e;
    if (!o->assoc_set && (t.one || t.current))
        return EINVAL;
    FOR_TARGET(s, t, na)
    {
        if (o->assoc_set(na->a, av.assoc_value))
            return EINVAL;
    }
    if (t.future)
        *cmt_field(&s->o.set, o) = (uint8_t)av.assoc_value;
    return 0;
}

/* ---- SCTP_SQINFO (draft-dreibholz-tsvwg-sctpsocket-sqinfo) -------------------------------------------------------- */

/* getsockopt SCTP_SQINFO: the header and one uint32_t per outgoing stream, from one core
 * call under the stack lock (the caller holds it), so the numbers are one snapshot.
 * Nothing is written unless the call succeeds. Returns 0 or an errno. */
static int get_sqinfo(net_sock *s, void *val, socklen_t *len)
{
    struct sctp_sndqueueinfo sq;
    if (*len < (socklen_t)sizeof(sq))
        return EINVAL;
    memcpy(&sq, val, sizeof(sq));
    target t;
    int e = resolve(s, sq.sq_assoc_id, 0, &t);
    if (e)
        return e;
    if (!t.one)
        return s->type == SOCK_STREAM ? ENOTCONN : EINVAL;
    net_assoc *na = t.one;
    uint32_t cap = (uint32_t)(((size_t)*len - sizeof(sq)) / sizeof(uint32_t)), n = 0;
    /* The entries go straight into the caller's buffer when it is aligned for them. */
    uint8_t *out = (uint8_t *)val + offsetof(struct sctp_sndqueueinfo, sq_queued_on_stream);
    uint32_t *per = (uintptr_t)out % _Alignof(uint32_t) ? NULL : (uint32_t *)out;
    if (!per) {
        mpsctp_assoc_sndqueue_info(na->a, NULL, NULL, NULL, 0, &n);
        if (cap < n)
            return EINVAL;
        per = malloc((n ? n : 1) * sizeof(uint32_t));
        if (!per)
            return ENOMEM;
    }
    int r = mpsctp_assoc_sndqueue_info(na->a, &sq.sq_queue_limit, &sq.sq_total_queued, per,
                                       cap, &n);
    if (per != (uint32_t *)out) {
        if (r == 0)
            memcpy(out, per, (size_t)n * sizeof(uint32_t));
        free(per);
    }
    if (r)
        return EINVAL; /* MPSCTP_ERR_NOBUFS: fewer entries than outgoing streams */
    sq.sq_assoc_id = na->id;
    sq.sq_number_of_streams = n;
    memcpy(val, &sq, sizeof(sq));
    *len = (socklen_t)(sizeof(sq) + (size_t)n * sizeof(uint32_t));
    return 0;
}

/* ---- getsockopt ---------------------------------------------------------------------- */

#define NEED(type)                                                                        \
    do {                                                                                  \
        if (*len < (socklen_t)sizeof(type))                                               \
            return EINVAL;                                                                \
    } while (0)

/* Copies an option value out to the caller and sets its length. Returns 0. */
static int put_opt(void *val, socklen_t *len, const void *v, size_t n)
{
    memcpy(val, v, n);
    *len = (socklen_t)n;
    return 0;
}

static int get_socket_level(net_sock *s, int name, void *val, socklen_t *len)
{
    switch (name) {
    case SO_SNDBUF:
    case SO_RCVBUF:
    case SO_ERROR:
    case SO_TYPE: {
        NEED(int);
        int v = name == SO_SNDBUF ? (int)s->o.set.sndbuf
                : name == SO_RCVBUF ? (int)s->o.set.rcvbuf
                : name == SO_TYPE   ? s->type
                                    : s->so_error;
        if (name == SO_ERROR)
            s->so_error = 0;
        return put_opt(val, len, &v, sizeof(v));
    }
    case SO_LINGER: {
        NEED(struct linger);
        struct linger l = {s->o.linger_on, s->o.linger_sec};
        return put_opt(val, len, &l, sizeof(l));
    }
    default:
        return ENOPROTOOPT;
    }
}

int net_getsockopt(net_sock *s, int level, int name, void *val, socklen_t *len)
{
    int te;
    if (net_opt_table_get(s, level, name, val, len, &te))
        return te; /* a row of an option table (opt.h) */
    if (level == SOL_SOCKET)
        return get_socket_level(s, name, val, len);
    if (level != IPPROTO_SCTP)
        return ENOPROTOOPT;
    const cmt_opt *co = cmt_opt_find(name);
    if (co)
        return cmt_get(s, co, val, len);
    if (name == SCTP_SQINFO)
        return get_sqinfo(s, val, len);
    if (name == MPSCTP_RCVQUEUE) {
        NEED(struct mpsctp_rcvqueue);
        struct mpsctp_rcvqueue q = {
            .rq_limit = s->o.set.rcvbuf,
            .rq_memory = s->rq_mem > UINT32_MAX ? UINT32_MAX : (uint32_t)s->rq_mem,
            .rq_items = s->rq_items,
            .rq_dropped_notifications = s->notif_dropped};
        return put_opt(val, len, &q, sizeof(q));
    }
    target t;
    int e;
    switch (name) {
    case SCTP_RTOINFO: {
        NEED(struct sctp_rtoinfo);
        struct sctp_rtoinfo r;
        memcpy(&r, val, sizeof(r));
        if ((e = resolve(s, r.srto_assoc_id, 0, &t)))
            return e;
        mpsctp_settings set = s->o.set;
        if (t.one)
            mpsctp_assoc_get_settings(t.one->a, &set);
        r.srto_initial = set.rto_initial_ms;
        r.srto_min = set.rto_min_ms;
        r.srto_max = set.rto_max_ms;
        return put_opt(val, len, &r, sizeof(r));
    }
    case SCTP_ASSOCINFO: {
        NEED(struct sctp_assocparams);
        struct sctp_assocparams p;
        memcpy(&p, val, sizeof(p));
        if ((e = resolve(s, p.sasoc_assoc_id, 0, &t)))
            return e;
        mpsctp_settings set = s->o.set;
        p.sasoc_number_peer_destinations = 0;
        p.sasoc_peer_rwnd = 0;
        p.sasoc_local_rwnd = set.rcvbuf;
        if (t.one) {
            mpsctp_assoc_status st;
            mpsctp_assoc_get_settings(t.one->a, &set);
            mpsctp_assoc_status_get(t.one->a, &st);
            p.sasoc_number_peer_destinations = (uint16_t)st.num_paths;
            p.sasoc_peer_rwnd = st.peer_rwnd;
            p.sasoc_local_rwnd = st.local_rwnd;
        }
        p.sasoc_asocmaxrxt = (uint16_t)set.assoc_max_retrans;
        /* The cookie lifespan is the endpoint's (the side answering INITs). */
        p.sasoc_cookie_life = s->o.set.valid_cookie_life_ms;
        return put_opt(val, len, &p, sizeof(p));
    }
    case SCTP_INITMSG: {
        NEED(struct sctp_initmsg);
        struct sctp_initmsg m = {
            .sinit_num_ostreams = s->o.set.num_ostreams,
            .sinit_max_instreams = s->o.set.max_instreams,
            .sinit_max_attempts = (uint16_t)s->o.set.max_init_retrans,
            .sinit_max_init_timeo = s->o.init_timeo,
        };
        return put_opt(val, len, &m, sizeof(m));
    }
    case MPSCTP_MAX_ASSOCS: {
        NEED(uint32_t);
        uint32_t v = s->o.set.max_assocs;
        return put_opt(val, len, &v, sizeof(v));
    }
    case SCTP_NODELAY:
    case SCTP_RECVRCVINFO:
    case SCTP_RECVNXTINFO: {
        NEED(int);
        int v = name == SCTP_NODELAY ? s->o.nodelay
                : name == SCTP_RECVRCVINFO ? s->o.recvrcvinfo
                                           : s->o.recvnxtinfo;
        return put_opt(val, len, &v, sizeof(v));
    }
    case SCTP_PEER_ADDR_PARAMS: {
        NEED(struct sctp_paddrparams);
        struct sctp_paddrparams p;
        memcpy(&p, val, sizeof(p));
        uint32_t idx;
        int one_path;
        if ((e = resolve_path(s, p.spp_assoc_id, &p.spp_address, 0, &t, &idx, &one_path)))
            return e;
        if (!one_path)
            idx = 0; /* the path MTU reported: the first path's */
        mpsctp_settings set = s->o.set;
        if (t.one)
            mpsctp_assoc_get_settings(t.one->a, &set);
        p.spp_pathmtu = set.mtu;
        if (t.one) {
            mpsctp_path_info pi;
            if (mpsctp_assoc_path_info(t.one->a, idx, &pi) == 0) {
                p.spp_pathmtu = pi.mtu;
                if (one_path) { /* that path's own values */
                    set.hb_interval_ms = pi.hb_interval_ms;
                    set.path_max_retrans = pi.path_max_retrans;
                }
            }
        }
        p.spp_hbinterval = set.hb_interval_ms;
        p.spp_pathmaxrxt = (uint16_t)set.path_max_retrans;
        p.spp_sackdelay = set.sack_delay_ms;
        p.spp_flags = (set.hb_interval_ms ? SPP_HB_ENABLE : SPP_HB_DISABLE) | SPP_PMTUD_DISABLE |
                      (set.sack_delay_ms ? SPP_SACKDELAY_ENABLE : SPP_SACKDELAY_DISABLE);
        p.spp_ipv6_flowlabel = 0;
        p.spp_dscp = 0;
        return put_opt(val, len, &p, sizeof(p));
    }
    case SCTP_PEER_ADDR_THLDS: {
        NEED(struct sctp_paddrthlds);
        struct sctp_paddrthlds th;
        memcpy(&th, val, sizeof(th));
        uint32_t idx;
        int one_path;
        if ((e = resolve_path(s, th.spt_assoc_id, &th.spt_address, 0, &t, &idx, &one_path)))
            return e;
        uint32_t pmr = s->o.set.path_max_retrans, pf = s->o.set.pf_max_retrans;
        if (one_path) {
            mpsctp_path_info pi;
            if (mpsctp_assoc_path_info(t.one->a, idx, &pi))
                return EINVAL;
            pmr = pi.path_max_retrans;
            pf = pi.pf_max_retrans;
        } else if (t.one) {
            mpsctp_settings set;
            mpsctp_assoc_get_settings(t.one->a, &set);
            pmr = set.path_max_retrans;
            pf = set.pf_max_retrans;
        }
        th.spt_pathmaxrxt = (uint16_t)(pmr > 0xffff ? 0xffff : pmr);
        th.spt_pathpfthld = (uint16_t)(pf > 0xffff ? 0xffff : pf);
        if (t.one)
            th.spt_assoc_id = t.one->id;
        return put_opt(val, len, &th, sizeof(th));
    }
    case MPSCTP_PATH_STATS: {
        NEED(struct mpsctp_pathstats);
        struct mpsctp_pathstats ps;
        memcpy(&ps, val, sizeof(ps));
        /* An association is required: the socket default or an unknown id is EINVAL, so
         * that ENOENT means only "no path with this index". */
        if (resolve(s, ps.ps_assoc_id, 0, &t) || !t.one)
            return EINVAL;
        mpsctp_path_info pi;
        if (mpsctp_assoc_path_info(t.one->a, ps.ps_index, &pi))
            return ENOENT;
        uint32_t index = ps.ps_index;
        memset(&ps, 0, sizeof(ps));
        ps.ps_assoc_id = t.one->id;
        ps.ps_index = index;
        struct sockaddr_storage ss;
        net_to_sockaddr(&pi.remote, (uint16_t)mpsctp_assoc_peer_port(t.one->a), &ss, NULL);
        memcpy(&ps.ps_address, &ss, sizeof(ss));
        ps.ps_state = path_state(&pi);
        ps.ps_primary = pi.primary != 0;
        ps.ps_data_path = pi.data_path != 0;
        ps.ps_cwnd = pi.cwnd;
        ps.ps_ssthresh = pi.ssthresh;
        ps.ps_flight = pi.flight_size;
        ps.ps_srtt_ms = pi.srtt_ms;
        ps.ps_rto_ms = pi.rto_ms;
        ps.ps_error_count = pi.error_count;
        ps.ps_state_changes = pi.state_changes;
        ps.ps_bytes_sent = pi.bytes_sent;
        ps.ps_bytes_received = pi.bytes_received;
        ps.ps_retransmissions = pi.retransmissions;
        ps.ps_heartbeats_sent = pi.heartbeats_sent;
        ps.ps_heartbeat_acks = pi.heartbeat_acks_received;
        ps.ps_t3_expirations = pi.t3_expirations;
        return put_opt(val, len, &ps, sizeof(ps));
    }
    case SCTP_DEFAULT_SNDINFO: {
        NEED(struct sctp_sndinfo);
        struct sctp_sndinfo si;
        memcpy(&si, val, sizeof(si));
        if ((e = resolve(s, si.snd_assoc_id, 0, &t)))
            return e;
        sctp_assoc_t id = si.snd_assoc_id;
        si = t.one ? t.one->snd : s->o.snd;
        si.snd_assoc_id = s->type == SOCK_STREAM ? (t.one ? t.one->id : 0) : id;
        return put_opt(val, len, &si, sizeof(si));
    }
    case SCTP_STATUS: {
        NEED(struct sctp_status);
        struct sctp_status ss;
        memcpy(&ss, val, sizeof(ss));
        if ((e = resolve(s, ss.sstat_assoc_id, 0, &t)))
            return e;
        if (!t.one)
            return s->type == SOCK_STREAM ? ENOTCONN : EINVAL;
        mpsctp_assoc_status st;
        mpsctp_settings set;
        mpsctp_assoc_status_get(t.one->a, &st);
        mpsctp_assoc_get_settings(t.one->a, &set);
        memset(&ss, 0, sizeof(ss));
        ss.sstat_assoc_id = t.one->id;
        ss.sstat_state = (int32_t)st.state + SCTP_CLOSED; /* core order matches Linux's */
        ss.sstat_rwnd = st.peer_rwnd;
        ss.sstat_unackdata = (uint16_t)(st.unacked_chunks > 0xffff ? 0xffff : st.unacked_chunks);
        ss.sstat_penddata = (uint16_t)(st.pending_chunks > 0xffff ? 0xffff : st.pending_chunks);
        ss.sstat_instrms = st.inbound_streams;
        ss.sstat_outstrms = st.outbound_streams;
        /* I-DATA's header is 4 bytes longer (RFC 8260 s2.1). */
        ss.sstat_fragmentation_point =
            set.mtu - DATA_OVERHEAD - (mpsctp_assoc_idata(t.one->a) == 1 ? 4u : 0u);
        fill_paddrinfo(t.one, st.primary_path, &ss.sstat_primary);
        return put_opt(val, len, &ss, sizeof(ss));
    }
    case SCTP_GET_PEER_ADDR_INFO: {
        NEED(struct sctp_paddrinfo);
        struct sctp_paddrinfo pi;
        memcpy(&pi, val, sizeof(pi));
        net_assoc *na = NULL;
        uint32_t idx;
        if (s->type == SOCK_STREAM || pi.spinfo_assoc_id > SCTP_ALL_ASSOC) {
            if ((e = resolve(s, pi.spinfo_assoc_id, 0, &t)))
                return e;
            na = t.one;
            if (na && find_path(na, &pi.spinfo_address, &idx))
                na = NULL;
        } else if (s->ep) {
            /* No id: the association that has this peer address. */
            for (net_assoc *q = s->ep->assocs; q && !na; q = q->next)
                if (q->sock == s && q->a && !q->closed && !find_path(q, &pi.spinfo_address, &idx))
                    na = q;
        }
        if (!na)
            return EINVAL;
        memset(&pi, 0, sizeof(pi));
        fill_paddrinfo(na, idx, &pi);
        return put_opt(val, len, &pi, sizeof(pi));
    }
    case SCTP_PRIMARY_ADDR: {
        NEED(struct sctp_prim);
        struct sctp_prim p;
        memcpy(&p, val, sizeof(p));
        if ((e = resolve(s, p.ssp_assoc_id, 0, &t)))
            return e;
        if (!t.one)
            return EINVAL;
        mpsctp_assoc_status st;
        mpsctp_path_info pi;
        mpsctp_assoc_status_get(t.one->a, &st);
        if (mpsctp_assoc_path_info(t.one->a, st.primary_path, &pi))
            return EINVAL;
        struct sockaddr_storage ss;
        net_to_sockaddr(&pi.remote, (uint16_t)mpsctp_assoc_peer_port(t.one->a), &ss, NULL);
        net_lk_addr_out(s, &ss, NULL);
        memcpy(&p.ssp_addr, &ss, sizeof(ss));
        p.ssp_assoc_id = t.one->id;
        return put_opt(val, len, &p, sizeof(p));
    }
    case SCTP_MAXSEG: {
        struct sctp_assoc_value av = {0, 0};
        if (*len >= (socklen_t)sizeof(av))
            memcpy(&av, val, sizeof(av));
        else if (*len != (socklen_t)sizeof(int))
            return EINVAL;
        if ((e = resolve(s, av.assoc_id, 0, &t)))
            return e;
        mpsctp_settings set = s->o.set;
        if (t.one)
            mpsctp_assoc_get_settings(t.one->a, &set);
        av.assoc_value = set.mtu - DATA_OVERHEAD;
        if (*len >= (socklen_t)sizeof(av)) {
            memcpy(val, &av, sizeof(av));
            *len = sizeof(av);
        } else {
            int v = (int)av.assoc_value;
            memcpy(val, &v, sizeof(v));
        }
        return 0;
    }
    case SCTP_EVENT: {
        NEED(struct sctp_event);
        struct sctp_event ev;
        memcpy(&ev, val, sizeof(ev));
        if (ev.se_type < SCTP_DATA_IO_EVENT || ev.se_type > SCTP_SEND_FAILED_EVENT)
            return EINVAL;
        if ((e = resolve(s, ev.se_assoc_id, 0, &t)))
            return e;
        uint32_t mask = t.one ? t.one->events : s->o.events;
        ev.se_on = (uint8_t)((mask >> (ev.se_type - SCTP_SN_TYPE_BASE)) & 1);
        return put_opt(val, len, &ev, sizeof(ev));
    }
    case SCTP_REMOTE_UDP_ENCAPS_PORT: {
        NEED(struct sctp_udpencaps);
        struct sctp_udpencaps u;
        memcpy(&u, val, sizeof(u));
        if ((e = resolve(s, u.sue_assoc_id, 0, &t)))
            return e;
        if (!t.one) {
            if (!addr_wild(&u.sue_address))
                return EINVAL;
            u.sue_port = htons(s->o.remote_udp_port);
        } else {
            uint32_t idx = 0;
            mpsctp_assoc_status st;
            mpsctp_assoc_status_get(t.one->a, &st);
            idx = st.primary_path;
            if (!addr_wild(&u.sue_address) && find_path(t.one, &u.sue_address, &idx))
                return EINVAL;
            mpsctp_path_info pi;
            mpsctp_assoc_path_info(t.one->a, idx, &pi);
            u.sue_port = htons(pi.remote.udp_port);
        }
        return put_opt(val, len, &u, sizeof(u));
    }
    case SCTP_GET_ASSOC_ID_LIST: {
        if (s->type != SOCK_SEQPACKET)
            return EINVAL;
        uint32_t n = 0;
        if (s->ep)
            for (net_assoc *na = s->ep->assocs; na; na = na->next)
                if (na->sock == s && !na->closed)
                    n++;
        size_t need = sizeof(struct sctp_assoc_ids) + n * sizeof(sctp_assoc_t);
        if (*len < (socklen_t)need)
            return EINVAL;
        struct sctp_assoc_ids *ids = val;
        ids->gaids_number_of_ids = n;
        uint32_t i = 0;
        for (net_assoc *na = s->ep ? s->ep->assocs : NULL; na; na = na->next)
            if (na->sock == s && !na->closed)
                ids->gaids_assoc_id[i++] = na->id;
        *len = (socklen_t)need;
        return 0;
    }
    default:
        return ENOPROTOOPT;
    }
}

/* ---- setsockopt ---------------------------------------------------------------------- */

#define NEEDS(type)                                                                       \
    do {                                                                                  \
        if (len < (socklen_t)sizeof(type))                                                \
            return EINVAL;                                                                \
    } while (0)

static int set_socket_level(net_sock *s, int name, const void *val, socklen_t len)
{
    switch (name) {
    case SO_SNDBUF:
    case SO_RCVBUF: {
        NEEDS(int);
        int v;
        memcpy(&v, val, sizeof(v));
        if (v <= 0)
            return EINVAL;
        uint32_t b = (uint32_t)v < 4096 ? 4096 : (uint32_t)v;
        if (name == SO_SNDBUF) {
            s->o.set.sndbuf = b;
            if (s->type == SOCK_STREAM) {
                if (s->assoc && s->assoc->a)
                    mpsctp_assoc_set_sndbuf(s->assoc->a, b);
            } else if (s->ep) {
                for (net_assoc *na = s->ep->assocs; na; na = na->next)
                    if (na->sock == s && na->a)
                        mpsctp_assoc_set_sndbuf(na->a, b);
            }
        } else {
            /* The core's receive window is fixed at association setup: this changes
             * associations set up later and the socket's own queue limit. */
            s->o.set.rcvbuf = b;
            s->o.set.pd_point = 0;
        }
        return 0;
    }
    case SO_LINGER: {
        NEEDS(struct linger);
        struct linger l;
        memcpy(&l, val, sizeof(l));
        if (l.l_linger < 0)
            return EINVAL;
        s->o.linger_on = l.l_onoff != 0;
        s->o.linger_sec = l.l_linger;
        return 0;
    }
    case SO_ERROR:
    case SO_TYPE:
        return ENOPROTOOPT;
    default:
        return ENOPROTOOPT;
    }
}

int net_setsockopt(net_sock *s, int level, int name, const void *val, socklen_t len)
{
    int te;
    if (net_opt_table_set(s, level, name, val, len, &te))
        return te; /* a row of an option table (opt.h) */
    if (level == SOL_SOCKET)
        return set_socket_level(s, name, val, len);
    if (level != IPPROTO_SCTP)
        return ENOPROTOOPT;
    const cmt_opt *co = cmt_opt_find(name);
    if (co)
        return cmt_set(s, co, val, len);
    target t;
    int e;
    mpsctp_tstamp now = net_now();
    switch (name) {
    case SCTP_RTOINFO: {
        NEEDS(struct sctp_rtoinfo);
        struct sctp_rtoinfo r;
        memcpy(&r, val, sizeof(r));
        if ((e = resolve(s, r.srto_assoc_id, 0, &t)))
            return e;
        mpsctp_settings set = s->o.set;
        if (t.one)
            mpsctp_assoc_get_settings(t.one->a, &set);
        uint32_t ini = r.srto_initial ? r.srto_initial : set.rto_initial_ms;
        uint32_t lo = r.srto_min ? r.srto_min : set.rto_min_ms;
        uint32_t hi = r.srto_max ? r.srto_max : set.rto_max_ms;
        if (lo > hi || ini < lo || ini > hi)
            return EINVAL;
        if (t.one && mpsctp_assoc_set_rto(t.one->a, ini, lo, hi))
            return EINVAL;
        if (t.future) {
            s->o.set.rto_initial_ms = ini;
            s->o.set.rto_min_ms = lo;
            s->o.set.rto_max_ms = hi;
        }
        return 0;
    }
    case SCTP_ASSOCINFO: {
        NEEDS(struct sctp_assocparams);
        struct sctp_assocparams p;
        memcpy(&p, val, sizeof(p));
        if ((e = resolve(s, p.sasoc_assoc_id, 0, &t)))
            return e;
        if (t.one)
            mpsctp_assoc_set_max_retrans(t.one->a, p.sasoc_asocmaxrxt, 0);
        if (t.future) {
            if (p.sasoc_asocmaxrxt)
                s->o.set.assoc_max_retrans = p.sasoc_asocmaxrxt;
            if (p.sasoc_cookie_life)
                s->o.set.valid_cookie_life_ms = p.sasoc_cookie_life;
        }
        return 0;
    }
    case SCTP_INITMSG: {
        NEEDS(struct sctp_initmsg);
        struct sctp_initmsg m;
        memcpy(&m, val, sizeof(m));
        if (m.sinit_num_ostreams)
            s->o.set.num_ostreams = m.sinit_num_ostreams;
        if (m.sinit_max_instreams)
            s->o.set.max_instreams = m.sinit_max_instreams;
        if (m.sinit_max_attempts)
            s->o.set.max_init_retrans = m.sinit_max_attempts;
        if (m.sinit_max_init_timeo) {
            s->o.init_timeo = m.sinit_max_init_timeo;
            s->o.set.max_init_timeo_ms = m.sinit_max_init_timeo;
        }
        return 0;
    }
    case MPSCTP_MAX_ASSOCS:
        /* A setting of the endpoint: the caller hands it to the endpoint this socket
         * owns (now, or when it binds). */
        NEEDS(uint32_t);
        memcpy(&s->o.set.max_assocs, val, sizeof(uint32_t));
        return 0;
    case SCTP_NODELAY:
    case SCTP_RECVRCVINFO:
    case SCTP_RECVNXTINFO: {
        NEEDS(int);
        int v;
        memcpy(&v, val, sizeof(v));
        v = v != 0;
        if (name == SCTP_NODELAY)
            s->o.nodelay = v;
        else if (name == SCTP_RECVRCVINFO)
            s->o.recvrcvinfo = v;
        else
            s->o.recvnxtinfo = v;
        return 0;
    }
    case SCTP_PEER_ADDR_PARAMS: {
        NEEDS(struct sctp_paddrparams);
        struct sctp_paddrparams p;
        memcpy(&p, val, sizeof(p));
        uint32_t idx;
        int one_path;
        if ((e = resolve_path(s, p.spp_assoc_id, &p.spp_address, 1, &t, &idx, &one_path)))
            return e;
        uint32_t f = p.spp_flags;
        if ((f & SPP_HB) == SPP_HB ||
            (f & (SPP_SACKDELAY_ENABLE | SPP_SACKDELAY_DISABLE)) ==
                (SPP_SACKDELAY_ENABLE | SPP_SACKDELAY_DISABLE) ||
            (f & (SPP_PMTUD_ENABLE | SPP_PMTUD_DISABLE)) ==
                (SPP_PMTUD_ENABLE | SPP_PMTUD_DISABLE) ||
            (f & (SPP_IPV6_FLOWLABEL | SPP_DSCP)))
            return EINVAL;
        if ((f & SPP_SACKDELAY_ENABLE) && p.spp_sackdelay > 500)
            return EINVAL;
        /* HB.interval and Path.Max.Retrans belong to a path (one address) or to every
         * path and the default for later ones (wildcard); the SACK delay belongs to the
         * association. */
        uint32_t hb = (uint32_t)-1, sack = (uint32_t)-1;
        uint32_t hb_default = s->o.set.hb_interval_ms ? s->o.set.hb_interval_ms : 30000;
        if (one_path) {
            mpsctp_path_info pi;
            if (mpsctp_assoc_path_info(t.one->a, idx, &pi) == 0 && pi.hb_interval_ms)
                hb_default = pi.hb_interval_ms;
        }
        if (f & SPP_HB_DISABLE)
            hb = 0;
        else if (f & SPP_HB_ENABLE)
            hb = p.spp_hbinterval ? p.spp_hbinterval
                 : (f & SPP_HB_TIME_IS_ZERO) ? 1
                                              : hb_default;
        else if (p.spp_hbinterval || (f & SPP_HB_TIME_IS_ZERO))
            hb = p.spp_hbinterval ? p.spp_hbinterval : 1;
        if (f & SPP_SACKDELAY_DISABLE)
            sack = 0;
        else if ((f & SPP_SACKDELAY_ENABLE) && p.spp_sackdelay)
            sack = p.spp_sackdelay;
        mpsctp_path_params pp = {0};
        if (hb != (uint32_t)-1) {
            pp.flags |= MPSCTP_PP_HB;
            pp.hb_interval_ms = hb;
        }
        if (p.spp_pathmaxrxt) {
            pp.flags |= MPSCTP_PP_PMR;
            pp.path_max_retrans = p.spp_pathmaxrxt;
        }
        FOR_TARGET(s, t, na)
        {
            if (pp.flags && mpsctp_assoc_set_path_params(na->a, idx, &pp, now) && one_path)
                return EINVAL;
            if (sack != (uint32_t)-1)
                mpsctp_assoc_set_sack_delay(na->a, sack);
        }
        if (t.future && !one_path) {
            if (hb != (uint32_t)-1)
                s->o.set.hb_interval_ms = hb;
            if (p.spp_pathmaxrxt)
                s->o.set.path_max_retrans = p.spp_pathmaxrxt;
        }
        if (t.future && sack != (uint32_t)-1)
            s->o.set.sack_delay_ms = sack;
        return 0;
    }
    case SCTP_PEER_ADDR_THLDS: {
        NEEDS(struct sctp_paddrthlds);
        struct sctp_paddrthlds th;
        memcpy(&th, val, sizeof(th));
        uint32_t idx;
        int one_path;
        if ((e = resolve_path(s, th.spt_assoc_id, &th.spt_address, 1, &t, &idx, &one_path)))
            return e;
        /* RFC 7829 s7.2: spt_pathpfthld is always applied (0 is a valid threshold: the
         * first timeout makes the path PF); spt_pathmaxrxt 0 keeps Path.Max.Retrans. */
        mpsctp_path_params pp = {.flags = MPSCTP_PP_PF, .pf_max_retrans = th.spt_pathpfthld};
        if (th.spt_pathmaxrxt) {
            pp.flags |= MPSCTP_PP_PMR;
            pp.path_max_retrans = th.spt_pathmaxrxt;
        }
        FOR_TARGET(s, t, na)
        {
            if (mpsctp_assoc_set_path_params(na->a, idx, &pp, now))
                return EINVAL;
        }
        if (t.future && !one_path) {
            s->o.set.pf_max_retrans = th.spt_pathpfthld;
            if (th.spt_pathmaxrxt)
                s->o.set.path_max_retrans = th.spt_pathmaxrxt;
        }
        return 0;
    }
    case SCTP_DEFAULT_SNDINFO: {
        NEEDS(struct sctp_sndinfo);
        struct sctp_sndinfo si;
        memcpy(&si, val, sizeof(si));
        if ((e = resolve(s, si.snd_assoc_id, 1, &t)))
            return e;
        if (si.snd_flags & ~(SCTP_UNORDERED | SCTP_ADDR_OVER | SCTP_SACK_IMMEDIATELY | SCTP_EOF |
                             SCTP_ABORT | SCTP_SENDALL))
            return EINVAL;
        if (t.one) {
            mpsctp_assoc_status st;
            mpsctp_assoc_status_get(t.one->a, &st);
            if (st.outbound_streams && si.snd_sid >= st.outbound_streams)
                return EINVAL;
        }
        FOR_TARGET(s, t, na)
        {
            na->snd = si;
            na->snd.snd_assoc_id = na->id;
        }
        if (t.future) {
            s->o.snd = si;
            s->o.snd.snd_assoc_id = s->type == SOCK_STREAM ? 0 : si.snd_assoc_id;
        }
        return 0;
    }
    case SCTP_PRIMARY_ADDR: {
        NEEDS(struct sctp_prim);
        struct sctp_prim p;
        memcpy(&p, val, sizeof(p));
        if ((e = resolve(s, p.ssp_assoc_id, 0, &t)))
            return e;
        uint32_t idx;
        if (!t.one || find_path(t.one, &p.ssp_addr, &idx))
            return EINVAL;
        if (mpsctp_assoc_set_primary(t.one->a, idx))
            return EINVAL;
        return 0;
    }
    case SCTP_MAXSEG: {
        struct sctp_assoc_value av = {0, 0};
        if (len >= (socklen_t)sizeof(av)) {
            memcpy(&av, val, sizeof(av));
        } else if (len == (socklen_t)sizeof(int)) {
            int v;
            memcpy(&v, val, sizeof(v));
            if (v < 0)
                return EINVAL;
            av.assoc_value = (uint32_t)v;
        } else {
            return EINVAL;
        }
        if ((e = resolve(s, av.assoc_id, 0, &t)))
            return e;
        uint32_t top = s->st->mtu - DATA_OVERHEAD;
        uint32_t v = av.assoc_value ? av.assoc_value : top;
        if (v < 512 - DATA_OVERHEAD)
            return EINVAL;
        if (v > top)
            v = top;
        /* The core fixes the segment size of a live association. */
        if (t.one) {
            mpsctp_settings set;
            mpsctp_assoc_get_settings(t.one->a, &set);
            if ((uint32_t)set.mtu - DATA_OVERHEAD != v)
                return EINVAL;
        }
        s->o.set.mtu = (uint16_t)(v + DATA_OVERHEAD);
        s->o.maxseg = av.assoc_value;
        return 0;
    }
    case SCTP_EVENT: {
        NEEDS(struct sctp_event);
        struct sctp_event ev;
        memcpy(&ev, val, sizeof(ev));
        if (ev.se_type < SCTP_DATA_IO_EVENT || ev.se_type > SCTP_SEND_FAILED_EVENT)
            return EINVAL;
        if ((e = resolve(s, ev.se_assoc_id, 1, &t)))
            return e;
        uint32_t bit = 1u << (ev.se_type - SCTP_SN_TYPE_BASE);
        FOR_TARGET(s, t, na)
        {
            if (ev.se_on)
                na->events |= bit;
            else
                na->events &= ~bit;
        }
        if (t.future) {
            if (ev.se_on)
                s->o.events |= bit;
            else
                s->o.events &= ~bit;
        }
        return 0;
    }
    case SCTP_REMOTE_UDP_ENCAPS_PORT: {
        NEEDS(struct sctp_udpencaps);
        struct sctp_udpencaps u;
        memcpy(&u, val, sizeof(u));
        if ((e = resolve(s, u.sue_assoc_id, 1, &t)))
            return e;
        /* Only UDP encapsulation exists here: port 0 (plain SCTP over IP) is refused. */
        uint16_t port = ntohs(u.sue_port);
        if (port == 0)
            return EINVAL;
        if (!addr_wild(&u.sue_address)) {
            uint32_t idx;
            if (!t.one || find_path(t.one, &u.sue_address, &idx))
                return EINVAL;
            return mpsctp_assoc_set_remote_udp_port(t.one->a, idx, port) ? EINVAL : 0;
        }
        FOR_TARGET(s, t, na)
        {
            mpsctp_path_info pi;
            for (uint32_t i = 0; mpsctp_assoc_path_info(na->a, i, &pi) == 0; i++)
                mpsctp_assoc_set_remote_udp_port(na->a, i, port);
        }
        if (t.future)
            s->o.remote_udp_port = port;
        return 0;
    }
    case SCTP_STATUS:
    case SCTP_GET_PEER_ADDR_INFO:
    case SCTP_GET_ASSOC_ID_LIST:
    case MPSCTP_PATH_STATS:
    case SCTP_SQINFO:
    case MPSCTP_RCVQUEUE:
        return ENOPROTOOPT; /* read-only */
    default:
        return ENOPROTOOPT;
    }
}
