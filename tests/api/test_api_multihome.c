/* Multihoming over the sockets API: two stacks on the wildcard address, each socket bound
 * (bindx) to 127.0.0.1 and 127.0.0.2 (loopback has all of 127/8) and connected with
 * connectx to both addresses of the other. Path confirmation, getpaddrs/getladdrs, the
 * source address of each packet, per-path SCTP_PEER_ADDR_PARAMS and
 * SCTP_PEER_ADDR_THLDS, MPSCTP_PATH_STATS, SCTP_PRIMARY_ADDR.
 *
 * With the argument "netns" the program runs the cases that need packet loss on one
 * address instead (failover, return to the primary, an unconfirmed path): they add and
 * remove nftables rules, so they run only inside a network namespace of their own
 * (netns_run.sh, ctest api/multihome_failover). */
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "api_util.h"

#define A3 0x7f000003u /* 127.0.0.3: not an address of the association */

static void sleep_ms(int ms)
{
    struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}


/* Writes 127.0.0.x (ip) into an option's sockaddr_storage field; ip 0 leaves the
 * wildcard (all zero). */
static void put_addr(void *field, uint32_t ip)
{
    if (ip) {
        struct sockaddr_in a = ut_sin4(ip, 0);
        memcpy(field, &a, sizeof(a));
    }
}

/* The last byte of an IPv4 address in a sockaddr (1 for 127.0.0.1), 0 for others. */
static int last_byte(const void *sa)
{
    struct sockaddr_in s;
    memcpy(&s, sa, sizeof(s));
    return s.sin_family == AF_INET ? (int)(ntohl(s.sin_addr.s_addr) & 0xff) : 0;
}

/* ---- packets of a stack (trace hook) -------------------------------------------------- */

#define MAX_PKTS 4096

/* A packet as one stack saw it: its CRC32c (which tells packets apart), the local and
 * remote address (last byte; the local of a sent packet is the source the core chose,
 * 0 when it left the choice to the kernel; the remote of a received one is the source it
 * really had). */
typedef struct pkt_rec {
    uint32_t crc;
    uint8_t local, remote;
} pkt_rec;

typedef struct counters {
    pthread_mutex_t lock;
    pkt_rec sent[MAX_PKTS], recv[MAX_PKTS];
    int nsent, nrecv;
} counters;

static void on_trace(void *user, int dir, const uint8_t *pkt, size_t len,
                     const struct sockaddr *local, const struct sockaddr *remote)
{
    counters *c = user;
    if (len < 12)
        return;
    pkt_rec r = {(uint32_t)pkt[8] << 24 | (uint32_t)pkt[9] << 16 | (uint32_t)pkt[10] << 8 | pkt[11],
                 (uint8_t)last_byte(local), (uint8_t)last_byte(remote)};
    pthread_mutex_lock(&c->lock);
    if (dir && c->nsent < MAX_PKTS)
        c->sent[c->nsent++] = r;
    else if (!dir && c->nrecv < MAX_PKTS)
        c->recv[c->nrecv++] = r;
    pthread_mutex_unlock(&c->lock);
}

/* Matches the packets stack "to" received with those "from" sent (by CRC32c): each must
 * have come from the source address the core chose (IP_PKTINFO), or from 127.0.0.1 when
 * the core left the choice to the kernel (loopback's preferred source). Counts the
 * received packets per local address into at[]. Returns the number matched. */
static int check_sources(const char *dir, counters *from, counters *to, int at[4])
{
    int matched = 0, by[3][3] = {{0}};
    pthread_mutex_lock(&from->lock);
    pthread_mutex_lock(&to->lock);
    for (int i = 0; i < to->nrecv; i++) {
        const pkt_rec *r = &to->recv[i];
        at[r->local & 3]++;
        for (int j = 0; j < from->nsent; j++) {
            const pkt_rec *q = &from->sent[j];
            if (q->crc != r->crc || q->remote != r->local)
                continue;
            assert_int_equal(r->remote, q->local ? q->local : 1);
            by[q->local % 3][r->local % 3]++;
            matched++;
            break;
        }
    }
    printf("# %s: %d of %d received packets matched; (core source -> destination): "
           "kernel->.1 %d, kernel->.2 %d, .1->.1 %d, .1->.2 %d, .2->.1 %d, .2->.2 %d\n",
           dir, matched, to->nrecv, by[0][1], by[0][2], by[1][1], by[1][2], by[2][1], by[2][2]);
    pthread_mutex_unlock(&to->lock);
    pthread_mutex_unlock(&from->lock);
    return matched;
}

/* A multi-homed stack (ut_mh_stack) whose packets c records (NULL: none). */
static mpsctp_stack *mh_stack(counters *c)
{
    if (!c)
        return ut_mh_stack(NULL, NULL);
    memset(c, 0, sizeof(*c));
    pthread_mutex_init(&c->lock, NULL);
    return ut_mh_stack(on_trace, c);
}

#define SET(sd, name, v) mpsctp_setsockopt(sd, IPPROTO_SCTP, name, &(v), sizeof(v))

static int getopt_(int sd, int name, void *v, socklen_t len)
{
    return mpsctp_getsockopt(sd, IPPROTO_SCTP, name, v, &len);
}

/* ---- notifications -------------------------------------------------------------------- */

typedef struct note {
    double t;
    int addr; /* last byte of spc_aaddr */
    uint32_t state;
} note;

typedef struct notes {
    pthread_mutex_t lock;
    note v[256];
    int n;
} notes;

static const char *state_name(uint32_t s)
{
    static const char *n[] = {"AVAILABLE", "UNREACHABLE", "REMOVED", "ADDED", "MADE_PRIM",
                              "CONFIRMED", "POTENTIALLY_FAILED"};
    return s < 7 ? n[s] : "?";
}

static void notes_add(notes *ns, const uint8_t *buf, size_t len)
{
    const struct sctp_tlv *h = (const void *)buf;
    if (len < sizeof(struct sctp_paddr_change) || h->sn_type != SCTP_PEER_ADDR_CHANGE)
        return;
    struct sctp_paddr_change pc;
    memcpy(&pc, buf, sizeof(pc));
    pthread_mutex_lock(&ns->lock);
    if (ns->n < 256)
        ns->v[ns->n++] = (note){ut_now(), last_byte(&pc.spc_aaddr), pc.spc_state};
    pthread_mutex_unlock(&ns->lock);
}

/* Reads what sd has (notifications are recorded, data dropped) for up to ms. */
static void drain(int sd, notes *ns, int ms)
{
    double until = ut_now() + ms / 1000.0;
    uint8_t buf[4096];
    for (;;) {
        int left = (int)((until - ut_now()) * 1000);
        if (left < 0 || !(ut_poll(sd, POLLIN, left) & POLLIN))
            return;
        struct iovec iov = {buf, sizeof(buf)};
        int fl = 0;
        ssize_t n = mpsctp_recvv(sd, &iov, 1, NULL, NULL, NULL, NULL, NULL, &fl);
        if (n <= 0)
            return;
        if (fl & MSG_NOTIFICATION)
            notes_add(ns, buf, (size_t)n);
    }
}

/* Index of the first note for addr in state at or after index from; -1 if none. */
static int notes_find(notes *ns, int addr, uint32_t state, int from)
{
    int r = -1;
    pthread_mutex_lock(&ns->lock);
    for (int i = from; i < ns->n && r < 0; i++)
        if (ns->v[i].addr == addr && ns->v[i].state == state)
            r = i;
    pthread_mutex_unlock(&ns->lock);
    return r;
}

static void notes_print(const char *who, notes *ns, double t0)
{
    pthread_mutex_lock(&ns->lock);
    printf("# %s PEER_ADDR_CHANGE:", who);
    for (int i = 0; i < ns->n; i++)
        printf(" 127.0.0.%d %s @%.3f", ns->v[i].addr, state_name(ns->v[i].state),
               ns->v[i].t - t0);
    printf("\n");
    pthread_mutex_unlock(&ns->lock);
}

/* spinfo_state of peer address ip (last byte) of association id on sd. */
static int paddr_state(int sd, sctp_assoc_t id, uint32_t ip)
{
    struct sctp_paddrinfo pi;
    memset(&pi, 0, sizeof(pi));
    pi.spinfo_assoc_id = id;
    put_addr(&pi.spinfo_address, ip);
    if (getopt_(sd, SCTP_GET_PEER_ADDR_INFO, &pi, sizeof(pi)) != 0)
        return -1;
    return pi.spinfo_state;
}

/* Waits (draining notifications of both sockets) until every peer address of both
 * associations is SCTP_ACTIVE, at most ms. Returns 1 when they are. */
static int wait_all_active(int c, sctp_assoc_t cid, notes *cn, int s, sctp_assoc_t sid,
                           notes *sn, int ms)
{
    double until = ut_now() + ms / 1000.0;
    while (ut_now() < until) {
        if (paddr_state(c, cid, A1) == SCTP_ACTIVE && paddr_state(c, cid, A2) == SCTP_ACTIVE &&
            paddr_state(s, sid, A1) == SCTP_ACTIVE && paddr_state(s, sid, A2) == SCTP_ACTIVE)
            return 1;
        drain(c, cn, 20);
        drain(s, sn, 20);
    }
    return 0;
}

/* ---- the multi-homed pair --------------------------------------------------------------- */

typedef struct pair {
    counters ca, cb;
    mpsctp_stack *a, *b;
    int ls, c, s;
    sctp_assoc_t cid, sid;
    notes cn, sn;
    double t0;
} pair;

/* Client (one-to-one on stack a) connected with connectx to a one-to-one listener on b;
 * both bound to 127.0.0.1 and 127.0.0.2. Waits for COMM_UP on both sides. */
static void pair_up(pair *p, uint16_t port)
{
    memset(p, 0, sizeof(*p));
    pthread_mutex_init(&p->cn.lock, NULL);
    pthread_mutex_init(&p->sn.lock, NULL);
    p->a = mh_stack(&p->ca);
    p->b = mh_stack(&p->cb);
    p->ls = ut_mh_socket(p->b, SOCK_STREAM, port, NULL);
    assert_int_equal(mpsctp_listen(p->ls, 4), 0);
    p->c = ut_mh_socket(p->a, SOCK_STREAM, 0, p->b);
    p->t0 = ut_now();
    p->cid = ut_mh_connect(p->c, port);
    p->s = mpsctp_accept(p->ls, NULL, NULL);
    assert_true(p->s >= 0);
    struct sctp_status st;
    memset(&st, 0, sizeof(st));
    assert_int_equal(getopt_(p->s, SCTP_STATUS, &st, sizeof(st)), 0);
    p->sid = st.sstat_assoc_id;
    struct sctp_assoc_change ac;
    assert_int_equal(ut_wait_notification(p->c, SCTP_ASSOC_CHANGE, &ac, sizeof(ac)), 0);
    assert_int_equal(ac.sac_state, SCTP_COMM_UP);
}

static void pair_down(pair *p)
{
    mpsctp_close(p->c);
    mpsctp_close(p->s);
    mpsctp_close(p->ls);
    mpsctp_stack_free(p->a);
    mpsctp_stack_free(p->b);
}

static void check_addr_list(struct sockaddr *addrs, int n, uint16_t port)
{
    int seen1 = 0, seen2 = 0;
    const uint8_t *q = (const uint8_t *)addrs;
    for (int i = 0; i < n; i++, q += sizeof(struct sockaddr_in)) {
        struct sockaddr_in a;
        memcpy(&a, q, sizeof(a));
        assert_int_equal(a.sin_family, AF_INET);
        if (port)
            assert_int_equal(ntohs(a.sin_port), port);
        seen1 += ntohl(a.sin_addr.s_addr) == A1;
        seen2 += ntohl(a.sin_addr.s_addr) == A2;
    }
    assert_int_equal(seen1, 1);
    assert_int_equal(seen2, 1);
}

/* getpaddrs (peer) or getladdrs of sd's association: 127.0.0.1 and 127.0.0.2, at port
 * unless it is 0. */
static void expect_addrs(int sd, int peer, uint16_t port)
{
    struct sockaddr *addrs;
    int n = peer ? mpsctp_getpaddrs(sd, 0, &addrs) : mpsctp_getladdrs(sd, 0, &addrs);
    assert_int_equal(n, 2);
    check_addr_list(addrs, n, port);
    free(addrs);
}

/* Both paths confirmed on both sides; the server (which learned the client's second
 * address from the INIT) reports SCTP_ADDR_CONFIRMED for it; address lists; packets
 * received on both local addresses with the source address the core chose. */
static void test_confirm_addrs_sources(void **state)
{
    (void)state;
    pair p;
    pair_up(&p, 9101);
    int ok = wait_all_active(p.c, p.cid, &p.cn, p.s, p.sid, &p.sn, 5000);
    double t_conf = ut_now() - p.t0;
    /* Idle for a while: heartbeats (interval 300 ms) go on both paths of both sides. */
    for (int i = 0; i < 5; i++) {
        drain(p.c, &p.cn, 100);
        drain(p.s, &p.sn, 100);
    }
    for (int side = 0; side < 2; side++)
        for (uint32_t ip = A1; ip <= A2; ip++) {
            struct mpsctp_pathstats ps = ut_path_stats(side ? p.s : p.c, 0, ip);
            printf("# %s path to 127.0.0.%u: state %d, heartbeats %lu sent, %lu acked, "
                   "srtt %u ms, rto %u ms\n",
                   side ? "server" : "client", ip & 0xff, ps.ps_state,
                   (unsigned long)ps.ps_heartbeats_sent, (unsigned long)ps.ps_heartbeat_acks,
                   ps.ps_srtt_ms, ps.ps_rto_ms);
            assert_int_equal(ps.ps_state, SCTP_ACTIVE);
            assert_true(ps.ps_heartbeats_sent >= 1);
            assert_true(ps.ps_heartbeat_acks >= 1);
        }
    notes_print("client", &p.cn, p.t0);
    notes_print("server", &p.sn, p.t0);
    printf("# both paths ACTIVE on both sides %.3f s after connectx (notification times "
           "are when read)\n", t_conf);
    assert_true(ok);
    /* The client's second address came in the INIT's address list: unconfirmed until a
     * HEARTBEAT ACK came back from it (RFC 9260 s5.4). */
    assert_true(notes_find(&p.sn, 2, SCTP_ADDR_CONFIRMED, 0) >= 0);
    /* Any path reported confirmed is reported once; none goes down on loopback. */
    for (int ip = 1; ip <= 2; ip++) {
        int k = notes_find(&p.sn, ip, SCTP_ADDR_CONFIRMED, 0);
        if (k >= 0)
            assert_int_equal(notes_find(&p.sn, ip, SCTP_ADDR_CONFIRMED, k + 1), -1);
        assert_int_equal(notes_find(&p.sn, ip, SCTP_ADDR_UNREACHABLE, 0), -1);
        assert_int_equal(notes_find(&p.cn, ip, SCTP_ADDR_UNREACHABLE, 0), -1);
    }
    /* SCTP_STATUS: the primary is 127.0.0.1 (first connectx address) and ACTIVE. */
    struct sctp_status st;
    memset(&st, 0, sizeof(st));
    assert_int_equal(getopt_(p.c, SCTP_STATUS, &st, sizeof(st)), 0);
    assert_int_equal(last_byte(&st.sstat_primary.spinfo_address), 1);
    assert_int_equal(st.sstat_primary.spinfo_state, SCTP_ACTIVE);
    struct sctp_assocparams ap;
    memset(&ap, 0, sizeof(ap));
    assert_int_equal(getopt_(p.s, SCTP_ASSOCINFO, &ap, sizeof(ap)), 0);
    assert_int_equal(ap.sasoc_number_peer_destinations, 2);
    /* Address lists: the peer's two (one of the server's learned from the INIT ACK,
     * the client's second from the INIT), the two bound locally. */
    expect_addrs(p.c, 1, 9101);
    expect_addrs(p.s, 1, 0);
    expect_addrs(p.c, 0, 0);
    expect_addrs(p.s, 0, 9101);
    /* Some data each way. */
    char buf[2048];
    memset(buf, 'x', sizeof(buf));
    for (int i = 0; i < 20; i++) {
        assert_int_equal(mpsctp_send(p.c, buf, sizeof(buf), 0), (ssize_t)sizeof(buf));
        assert_int_equal(mpsctp_send(p.s, buf, 100, 0), 100);
    }
    int got = 0, fl;
    while (got < 20) {
        ssize_t r = ut_recv(p.s, buf, sizeof(buf), &fl, NULL);
        assert_true(r > 0);
        got += !(fl & MSG_NOTIFICATION);
    }
    /* Every packet came from the source address the core chose for it, and each stack
     * (one UDP socket on 0.0.0.0) received on both of its addresses. */
    int at_s[4] = {0}, at_c[4] = {0};
    int m1 = check_sources("client -> server", &p.ca, &p.cb, at_s);
    int m2 = check_sources("server -> client", &p.cb, &p.ca, at_c);
    assert_true(m1 > 0 && m2 > 0);
    assert_true(at_s[1] > 0 && at_s[2] > 0);
    assert_true(at_c[1] > 0 && at_c[2] > 0);
    pair_down(&p);
}

/* bindx: addresses the host does not have, duplicates, removal. */
static void test_bindx_scoping(void **state)
{
    (void)state;
    mpsctp_stack *a = mh_stack(NULL);
    int sd = mpsctp_socket_on(a, AF_INET, SOCK_SEQPACKET, 0);
    struct sockaddr_in bad = ut_sin4(0xc0000201u, 0); /* 192.0.2.1, TEST-NET-1 */
    EXPECT_ERR(mpsctp_bindx(sd, (struct sockaddr *)&bad, 1, SCTP_BINDX_ADD_ADDR),
               EADDRNOTAVAIL);
    struct sockaddr_in b[3] = {ut_sin4(A1, 9102), ut_sin4(A2, 9102), ut_sin4(A2, 9102)};
    assert_int_equal(mpsctp_bindx(sd, (struct sockaddr *)b, 3, SCTP_BINDX_ADD_ADDR), 0);
    EXPECT_ERR(mpsctp_bindx(sd, (struct sockaddr *)&bad, 1, SCTP_BINDX_ADD_ADDR),
               EADDRNOTAVAIL);
    expect_addrs(sd, 0, 9102); /* the duplicate is not added twice */
    assert_int_equal(mpsctp_bindx(sd, (struct sockaddr *)&b[1], 1, SCTP_BINDX_REM_ADDR), 0);
    EXPECT_ERR(mpsctp_bindx(sd, (struct sockaddr *)&b[0], 1, SCTP_BINDX_REM_ADDR), EINVAL);
    mpsctp_close(sd);
    mpsctp_stack_free(a);
}

static struct sctp_paddrparams spp(sctp_assoc_t id, uint32_t ip, uint32_t flags, uint32_t hb,
                                   uint16_t pmr)
{
    struct sctp_paddrparams p;
    memset(&p, 0, sizeof(p));
    p.spp_assoc_id = id;
    put_addr(&p.spp_address, ip);
    p.spp_flags = flags;
    p.spp_hbinterval = hb;
    p.spp_pathmaxrxt = pmr;
    return p;
}

static void get_spp(int sd, sctp_assoc_t id, uint32_t ip, uint32_t *hb, uint16_t *pmr)
{
    struct sctp_paddrparams p = spp(id, ip, 0, 0, 0);
    assert_int_equal(getopt_(sd, SCTP_PEER_ADDR_PARAMS, &p, sizeof(p)), 0);
    *hb = p.spp_hbinterval;
    *pmr = p.spp_pathmaxrxt;
}

/* Asserts the HB interval and Path.Max.Retrans SCTP_PEER_ADDR_PARAMS reports. */
static void expect_spp(int sd, sctp_assoc_t id, uint32_t ip, uint32_t hb, uint16_t pmr)
{
    uint32_t h;
    uint16_t r;
    get_spp(sd, id, ip, &h, &r);
    assert_int_equal(h, hb);
    assert_int_equal(r, pmr);
}

static struct sctp_paddrthlds thl(sctp_assoc_t id, uint32_t ip, uint16_t pmr, uint16_t pf)
{
    struct sctp_paddrthlds t;
    memset(&t, 0, sizeof(t));
    t.spt_assoc_id = id;
    put_addr(&t.spt_address, ip);
    t.spt_pathmaxrxt = pmr;
    t.spt_pathpfthld = pf;
    return t;
}

static void get_thl(int sd, sctp_assoc_t id, uint32_t ip, uint16_t *pmr, uint16_t *pf)
{
    struct sctp_paddrthlds t = thl(id, ip, 0, 0);
    assert_int_equal(getopt_(sd, SCTP_PEER_ADDR_THLDS, &t, sizeof(t)), 0);
    *pmr = t.spt_pathmaxrxt;
    *pf = t.spt_pathpfthld;
}

/* Asserts the thresholds SCTP_PEER_ADDR_THLDS reports. */
static void expect_thl(int sd, sctp_assoc_t id, uint32_t ip, uint16_t pmr, uint16_t pf)
{
    uint16_t r, f;
    get_thl(sd, id, ip, &r, &f);
    assert_int_equal(r, pmr);
    assert_int_equal(f, pf);
}

/* Per-path SCTP_PEER_ADDR_PARAMS and SCTP_PEER_ADDR_THLDS on a one-to-many socket with
 * two multi-homed associations, with every error case. */
static void test_per_path_params_thlds(void **state)
{
    (void)state;
    mpsctp_stack *a = mh_stack(NULL), *b = mh_stack(NULL);
    int ls = ut_mh_socket(b, SOCK_SEQPACKET, 9103, NULL);
    int ls2 = ut_mh_socket(b, SOCK_SEQPACKET, 9104, NULL);
    assert_int_equal(mpsctp_listen(ls, 4), 0);
    assert_int_equal(mpsctp_listen(ls2, 4), 0);
    int m = ut_mh_socket(a, SOCK_SEQPACKET, 0, b);
    sctp_assoc_t id = ut_mh_connect(m, 9103);
    struct sctp_assoc_change ac;
    assert_int_equal(ut_wait_notification(m, SCTP_ASSOC_CHANGE, &ac, sizeof(ac)), 0);
    assert_int_equal(ac.sac_state, SCTP_COMM_UP);
    uint32_t hb;
    uint16_t pmr, pf;

    /* PEER_ADDR_PARAMS, one path: only that path changes. */
    get_spp(m, id, A1, &hb, &pmr);
    assert_int_equal(hb, 300); /* the socket default from mh_socket */
    assert_int_equal(pmr, 5);
    struct sctp_paddrparams p = spp(id, A2, SPP_HB_ENABLE, 700, 3);
    assert_int_equal(SET(m, SCTP_PEER_ADDR_PARAMS, p), 0);
    expect_spp(m, id, A2, 700, 3);
    expect_spp(m, id, A1, 300, 5);
    /* HB off on one path, SPP_HB_DISABLE read back on that path only */
    p = spp(id, A1, SPP_HB_DISABLE, 0, 0);
    assert_int_equal(SET(m, SCTP_PEER_ADDR_PARAMS, p), 0);
    p = spp(id, A1, 0, 0, 0);
    assert_int_equal(getopt_(m, SCTP_PEER_ADDR_PARAMS, &p, sizeof(p)), 0);
    assert_true(p.spp_flags & SPP_HB_DISABLE);
    assert_int_equal(p.spp_pathmaxrxt, 5);
    p = spp(id, A2, 0, 0, 0);
    assert_int_equal(getopt_(m, SCTP_PEER_ADDR_PARAMS, &p, sizeof(p)), 0);
    assert_true(p.spp_flags & SPP_HB_ENABLE);
    /* wildcard: every path, and the association's value */
    p = spp(id, 0, SPP_HB_ENABLE, 900, 4);
    assert_int_equal(SET(m, SCTP_PEER_ADDR_PARAMS, p), 0);
    for (uint32_t ip = A1; ip <= A2; ip++) {
        expect_spp(m, id, ip, 900, 4);
    }
    expect_spp(m, id, 0, 900, 4);
    expect_spp(m, SCTP_FUTURE_ASSOC, 0, 300, 5); /* the socket default is unchanged */
    /* errors */
    p = spp(id, A3, SPP_HB_ENABLE, 700, 3);
    EXPECT_ERR(SET(m, SCTP_PEER_ADDR_PARAMS, p), EINVAL);
    EXPECT_ERR(getopt_(m, SCTP_PEER_ADDR_PARAMS, &p, sizeof(p)), EINVAL);
    p = spp(SCTP_FUTURE_ASSOC, A2, SPP_HB_ENABLE, 700, 3); /* an address needs an assoc */
    EXPECT_ERR(SET(m, SCTP_PEER_ADDR_PARAMS, p), EINVAL);
    p = spp(4242, A2, SPP_HB_ENABLE, 700, 3);
    EXPECT_ERR(SET(m, SCTP_PEER_ADDR_PARAMS, p), ENOENT);
    EXPECT_ERR(getopt_(m, SCTP_PEER_ADDR_PARAMS, &p, sizeof(p)), ENOENT);
    p = spp(id, A2, SPP_HB_ENABLE, 700, 3);
    EXPECT_ERR(mpsctp_setsockopt(m, IPPROTO_SCTP, SCTP_PEER_ADDR_PARAMS, &p, sizeof(p) - 1),
               EINVAL);
    EXPECT_ERR(getopt_(m, SCTP_PEER_ADDR_PARAMS, &p, sizeof(p) - 1), EINVAL);
    expect_spp(m, id, A2, 900, 4); /* failed calls changed nothing */

    /* PEER_ADDR_THLDS, one path */
    expect_thl(m, id, A1, 4, 65535); /* PF off by default */
    struct sctp_paddrthlds t = thl(id, A2, 2, 1);
    assert_int_equal(SET(m, SCTP_PEER_ADDR_THLDS, t), 0);
    expect_thl(m, id, A2, 2, 1);
    expect_thl(m, id, A1, 4, 65535);
    get_spp(m, id, A2, &hb, &pmr); /* the same Path.Max.Retrans as PEER_ADDR_PARAMS */
    assert_int_equal(pmr, 2);
    /* spt_pathmaxrxt 0 keeps Path.Max.Retrans; the PF threshold 0 is a value */
    t = thl(id, A2, 0, 0);
    assert_int_equal(SET(m, SCTP_PEER_ADDR_THLDS, t), 0);
    expect_thl(m, id, A2, 2, 0);
    /* wildcard on the association: both paths */
    t = thl(id, 0, 6, 2);
    assert_int_equal(SET(m, SCTP_PEER_ADDR_THLDS, t), 0);
    for (uint32_t ip = A1; ip <= A2; ip++) {
        expect_thl(m, id, ip, 6, 2);
    }
    expect_thl(m, id, 0, 6, 2);
    /* the FUTURE default: later associations, not this one */
    t = thl(SCTP_FUTURE_ASSOC, 0, 7, 3);
    assert_int_equal(SET(m, SCTP_PEER_ADDR_THLDS, t), 0);
    expect_thl(m, SCTP_FUTURE_ASSOC, 0, 7, 3);
    expect_thl(m, id, A1, 6, 2);
    sctp_assoc_t id2 = ut_mh_connect(m, 9104);
    for (uint32_t ip = 0; ip <= A2; ip = ip ? ip + 1 : A1) {
        expect_thl(m, id2, ip, 7, 3);
    }
    /* CURRENT: both live associations, not the default */
    t = thl(SCTP_CURRENT_ASSOC, 0, 8, 1);
    assert_int_equal(SET(m, SCTP_PEER_ADDR_THLDS, t), 0);
    expect_thl(m, id, A2, 8, 1);
    get_thl(m, id2, A1, &pmr, &pf);
    assert_int_equal(pmr, 8);
    get_thl(m, SCTP_FUTURE_ASSOC, 0, &pmr, &pf);
    assert_int_equal(pmr, 7);
    /* errors */
    t = thl(id, A3, 3, 1);
    EXPECT_ERR(SET(m, SCTP_PEER_ADDR_THLDS, t), EINVAL);
    EXPECT_ERR(getopt_(m, SCTP_PEER_ADDR_THLDS, &t, sizeof(t)), EINVAL);
    t = thl(SCTP_FUTURE_ASSOC, A1, 3, 1);
    EXPECT_ERR(SET(m, SCTP_PEER_ADDR_THLDS, t), EINVAL);
    t = thl(4242, 0, 3, 1);
    EXPECT_ERR(SET(m, SCTP_PEER_ADDR_THLDS, t), ENOENT);
    EXPECT_ERR(getopt_(m, SCTP_PEER_ADDR_THLDS, &t, sizeof(t)), ENOENT);
    t = thl(SCTP_CURRENT_ASSOC, 0, 3, 1);
    EXPECT_ERR(getopt_(m, SCTP_PEER_ADDR_THLDS, &t, sizeof(t)), EINVAL);
    t = thl(id, A1, 3, 1);
    EXPECT_ERR(mpsctp_setsockopt(m, IPPROTO_SCTP, SCTP_PEER_ADDR_THLDS, &t, sizeof(t) - 1),
               EINVAL);
    EXPECT_ERR(getopt_(m, SCTP_PEER_ADDR_THLDS, &t, sizeof(t) - 1), EINVAL);
    expect_thl(m, id, A1, 8, 1); /* unchanged by the failed calls */

    /* MPSCTP_PATH_STATS: both paths, then ENOENT; EINVAL for no association */
    int primaries = 0, data_paths = 0;
    for (uint32_t i = 0; i < 2; i++) {
        struct mpsctp_pathstats ps;
        memset(&ps, 0, sizeof(ps));
        ps.ps_assoc_id = id;
        ps.ps_index = i;
        assert_int_equal(getopt_(m, MPSCTP_PATH_STATS, &ps, sizeof(ps)), 0);
        assert_int_equal(ps.ps_assoc_id, id);
        assert_int_equal(ps.ps_index, i);
        assert_true(last_byte(&ps.ps_address) == 1 || last_byte(&ps.ps_address) == 2);
        assert_int_equal(ntohs(((struct sockaddr_in *)&ps.ps_address)->sin_port), 9103);
        assert_true(ps.ps_rto_ms >= 100 && ps.ps_rto_ms <= 400);
        assert_true(ps.ps_cwnd > 0);
        primaries += (int)ps.ps_primary;
        data_paths += (int)ps.ps_data_path;
        printf("# path %u 127.0.0.%d state %d primary %u data %u cwnd %u srtt %u rto %u "
               "hb %lu/%lu changes %u\n",
               i, last_byte(&ps.ps_address), ps.ps_state, ps.ps_primary, ps.ps_data_path,
               ps.ps_cwnd, ps.ps_srtt_ms, ps.ps_rto_ms, (unsigned long)ps.ps_heartbeats_sent,
               (unsigned long)ps.ps_heartbeat_acks, ps.ps_state_changes);
    }
    assert_int_equal(primaries, 1);
    assert_int_equal(data_paths, 1);
    struct mpsctp_pathstats ps;
    memset(&ps, 0, sizeof(ps));
    ps.ps_assoc_id = id;
    ps.ps_index = 2;
    EXPECT_ERR(getopt_(m, MPSCTP_PATH_STATS, &ps, sizeof(ps)), ENOENT);
    ps.ps_index = 0;
    EXPECT_ERR(getopt_(m, MPSCTP_PATH_STATS, &ps, sizeof(ps) - 1), EINVAL);
    ps.ps_assoc_id = 4242;
    EXPECT_ERR(getopt_(m, MPSCTP_PATH_STATS, &ps, sizeof(ps)), EINVAL);
    ps.ps_assoc_id = SCTP_FUTURE_ASSOC;
    EXPECT_ERR(getopt_(m, MPSCTP_PATH_STATS, &ps, sizeof(ps)), EINVAL);
    EXPECT_ERR(mpsctp_setsockopt(m, IPPROTO_SCTP, MPSCTP_PATH_STATS, &ps, sizeof(ps)),
               ENOPROTOOPT);
    mpsctp_close(m);
    mpsctp_close(ls);
    mpsctp_close(ls2);
    mpsctp_stack_free(a);
    mpsctp_stack_free(b);
}

static struct sctp_prim prim(sctp_assoc_t id, uint32_t ip)
{
    struct sctp_prim p;
    memset(&p, 0, sizeof(p));
    p.ssp_assoc_id = id;
    put_addr(&p.ssp_addr, ip);
    return p;
}

/* Sends n messages of len bytes on sd; the peer socket reads them. */
static void send_and_read(int sd, int peer, int n, size_t len)
{
    static uint8_t buf[65536];
    memset(buf, 'p', len);
    int got = 0;
    for (int i = 0; i < n; i++)
        assert_int_equal(mpsctp_send(sd, buf, len, 0), (ssize_t)len);
    while (got < n) {
        int fl = 0;
        ssize_t r = ut_recv(peer, buf, sizeof(buf), &fl, NULL);
        assert_true(r > 0);
        if (!(fl & MSG_NOTIFICATION) && (fl & MSG_EOR))
            got++;
    }
}

/* SCTP_PRIMARY_ADDR to the second address: MADE_PRIM, SCTP_STATUS and getsockopt say so,
 * new data goes there (its bytes_sent grows, the other's does not), and back. */
static void test_primary_switch(void **state)
{
    (void)state;
    pair p;
    pair_up(&p, 9105);
    assert_true(wait_all_active(p.c, p.cid, &p.cn, p.s, p.sid, &p.sn, 5000));
    struct sctp_prim pr = prim(0, A3);
    EXPECT_ERR(SET(p.c, SCTP_PRIMARY_ADDR, pr), EINVAL);
    pr = prim(0, A2);
    assert_int_equal(SET(p.c, SCTP_PRIMARY_ADDR, pr), 0);
    int from = 0;
    double until = ut_now() + 2;
    while (notes_find(&p.cn, 2, SCTP_ADDR_MADE_PRIM, 0) < 0 && ut_now() < until)
        drain(p.c, &p.cn, 50);
    assert_true(notes_find(&p.cn, 2, SCTP_ADDR_MADE_PRIM, from) >= 0);
    memset(&pr, 0, sizeof(pr));
    assert_int_equal(getopt_(p.c, SCTP_PRIMARY_ADDR, &pr, sizeof(pr)), 0);
    assert_int_equal(last_byte(&pr.ssp_addr), 2);
    struct sctp_status st;
    memset(&st, 0, sizeof(st));
    assert_int_equal(getopt_(p.c, SCTP_STATUS, &st, sizeof(st)), 0);
    assert_int_equal(last_byte(&st.sstat_primary.spinfo_address), 2);
    assert_int_equal(st.sstat_primary.spinfo_state, SCTP_ACTIVE);
    struct mpsctp_pathstats b1 = ut_path_stats(p.c, 0, A1), b2 = ut_path_stats(p.c, 0, A2);
    assert_int_equal(b2.ps_primary, 1);
    assert_int_equal(b2.ps_data_path, 1);
    assert_int_equal(b1.ps_primary, 0);
    send_and_read(p.c, p.s, 64, 16384);
    struct mpsctp_pathstats e1 = ut_path_stats(p.c, 0, A1), e2 = ut_path_stats(p.c, 0, A2);
    printf("# primary 127.0.0.2: bytes_sent .1 %lu -> %lu, .2 %lu -> %lu\n",
           (unsigned long)b1.ps_bytes_sent, (unsigned long)e1.ps_bytes_sent,
           (unsigned long)b2.ps_bytes_sent, (unsigned long)e2.ps_bytes_sent);
    assert_true(e2.ps_bytes_sent - b2.ps_bytes_sent >= 64 * 16384);
    assert_int_equal(e1.ps_bytes_sent, b1.ps_bytes_sent);
    /* the receiver counts the bytes on the path of their source address */
    struct mpsctp_pathstats r1 = ut_path_stats(p.s, 0, A1), r2 = ut_path_stats(p.s, 0, A2);
    printf("# server bytes_received from .1 %lu, from .2 %lu\n",
           (unsigned long)r1.ps_bytes_received, (unsigned long)r2.ps_bytes_received);
    assert_true(r1.ps_bytes_received + r2.ps_bytes_received >= 64 * 16384);
    /* and back to 127.0.0.1 */
    from = p.cn.n;
    pr = prim(0, A1);
    assert_int_equal(SET(p.c, SCTP_PRIMARY_ADDR, pr), 0);
    until = ut_now() + 2;
    while (notes_find(&p.cn, 1, SCTP_ADDR_MADE_PRIM, from) < 0 && ut_now() < until)
        drain(p.c, &p.cn, 50);
    assert_true(notes_find(&p.cn, 1, SCTP_ADDR_MADE_PRIM, from) >= 0);
    b1 = ut_path_stats(p.c, 0, A1);
    b2 = ut_path_stats(p.c, 0, A2);
    send_and_read(p.c, p.s, 64, 16384);
    e1 = ut_path_stats(p.c, 0, A1);
    e2 = ut_path_stats(p.c, 0, A2);
    assert_true(e1.ps_bytes_sent - b1.ps_bytes_sent >= 64 * 16384);
    assert_int_equal(e2.ps_bytes_sent, b2.ps_bytes_sent);
    notes_print("client", &p.cn, p.t0);
    pair_down(&p);
}

/* ---- cases with packet loss (network namespace only) --------------------------------- */

static void nft(const char *cmd)
{
    char line[512];
    snprintf(line, sizeof(line), "nft %s", cmd);
    int rc = system(line);
    if (rc != 0)
        fail_msg("'%s' failed (%d)", line, rc);
}

#define DROP_RULES                                                                        \
    "add table inet mpsctp_test; add chain inet mpsctp_test out { type filter hook output priority 0; }; "  \
    "add rule inet mpsctp_test out ip saddr 127.0.0.2 meta l4proto udp drop; "                     \
    "add rule inet mpsctp_test out ip daddr 127.0.0.2 meta l4proto udp drop"

static void drop_addr2(int on)
{
    nft(on ? "-f - <<'EOF'\n" DROP_RULES "\nEOF" : "delete table inet mpsctp_test");
}

typedef struct reader {
    int sd;
    uint64_t msgs, bytes, bad;
    double last, max_gap, max_gap_at;
    volatile int stop;
} reader;

#define MSG_LEN 8192

/* Reads messages numbered 0, 1, 2... (4-byte number, then the number's low byte
 * repeated) and checks each; records the largest gap between two arrivals. */
static void *reader_main(void *arg)
{
    reader *r = arg;
    static uint8_t buf[MSG_LEN];
    while (!r->stop) {
        if (!(ut_poll(r->sd, POLLIN, 200) & POLLIN))
            continue;
        int fl = 0;
        struct iovec iov = {buf, sizeof(buf)};
        ssize_t n = mpsctp_recvv(r->sd, &iov, 1, NULL, NULL, NULL, NULL, NULL, &fl);
        if (n <= 0)
            break;
        if (fl & MSG_NOTIFICATION)
            continue;
        uint32_t g;
        memcpy(&g, buf, 4);
        int ok = n == MSG_LEN && (fl & MSG_EOR) && g == r->msgs;
        for (ssize_t i = 4; ok && i < n; i++)
            ok = buf[i] == (uint8_t)g;
        r->bad += !ok;
        double t = ut_now();
        if (r->msgs && t - r->last > r->max_gap) {
            r->max_gap = t - r->last;
            r->max_gap_at = t;
        }
        r->last = t;
        r->msgs++;
        r->bytes += (uint64_t)n;
    }
    return NULL;
}

typedef struct noter {
    int sd;
    notes *ns;
    volatile int stop;
} noter;

static void *noter_main(void *arg)
{
    noter *w = arg;
    while (!w->stop)
        drain(w->sd, w->ns, 100);
    return NULL;
}

/* Sends numbered messages for ms milliseconds, about one every 2 ms. */
static void send_for(int sd, uint32_t *g, int ms)
{
    static uint8_t buf[MSG_LEN];
    double until = ut_now() + ms / 1000.0;
    while (ut_now() < until) {
        memcpy(buf, g, 4);
        memset(buf + 4, (uint8_t)*g, sizeof(buf) - 4);
        assert_int_equal(mpsctp_send(sd, buf, sizeof(buf), 0), (ssize_t)sizeof(buf));
        (*g)++;
        sleep_ms(2);
    }
}

static double wait_note(notes *ns, int addr, uint32_t state, int from, int ms)
{
    double until = ut_now() + ms / 1000.0;
    int k;
    while ((k = notes_find(ns, addr, state, from)) < 0 && ut_now() < until)
        sleep_ms(5);
    return k < 0 ? -1 : ns->v[k].t;
}

/* Primary 127.0.0.2 fails (all UDP to and from it dropped) in the middle of a transfer:
 * the client reports it UNREACHABLE, data keeps flowing on 127.0.0.1 with every message
 * checked; the rule goes, 127.0.0.2 becomes AVAILABLE and new data returns to it. */
static void run_failover(int pf_threshold)
{
    pair p;
    pair_up(&p, (uint16_t)(9110 + pf_threshold + 1));
    assert_true(wait_all_active(p.c, p.cid, &p.cn, p.s, p.sid, &p.sn, 5000));
    /* Path.Max.Retrans 2: the path fails at the third consecutive timeout; the
     * association survives (Association.Max.Retrans 30). */
    struct sctp_paddrthlds t = thl(0, 0, 2, pf_threshold < 0 ? 65535 : (uint16_t)pf_threshold);
    assert_int_equal(SET(p.c, SCTP_PEER_ADDR_THLDS, t), 0);
    assert_int_equal(SET(p.s, SCTP_PEER_ADDR_THLDS, t), 0);
    struct sctp_assocparams ap = {.sasoc_asocmaxrxt = 30};
    assert_int_equal(SET(p.c, SCTP_ASSOCINFO, ap), 0);
    assert_int_equal(SET(p.s, SCTP_ASSOCINFO, ap), 0);
    struct sctp_prim pr = prim(0, A2);
    assert_int_equal(SET(p.c, SCTP_PRIMARY_ADDR, pr), 0);
    reader rd = {.sd = p.s};
    noter nw = {.sd = p.c, .ns = &p.cn};
    pthread_t rt, nt;
    pthread_create(&rt, NULL, reader_main, &rd);
    pthread_create(&nt, NULL, noter_main, &nw);
    uint32_t g = 0;
    send_for(p.c, &g, 500);
    assert_int_equal(ut_path_stats(p.c, 0, A2).ps_data_path, 1);
    int from = p.cn.n;
    drop_addr2(1);
    double t_drop = ut_now();
    double gap_before = rd.max_gap;
    uint64_t msgs_at_drop = rd.msgs;
    /* keep sending until the path is declared unreachable (at most 10 s) */
    double t_pf = -1, t_unr = -1;
    while (ut_now() - t_drop < 10 && (t_unr = wait_note(&p.cn, 2, SCTP_ADDR_UNREACHABLE, from, 0)) < 0)
        send_for(p.c, &g, 50);
    t_pf = wait_note(&p.cn, 2, SCTP_ADDR_POTENTIALLY_FAILED, from, 0);
    struct mpsctp_pathstats s1 = ut_path_stats(p.c, 0, A1), s2 = ut_path_stats(p.c, 0, A2);
    send_for(p.c, &g, 500);
    struct mpsctp_pathstats e1 = ut_path_stats(p.c, 0, A1);
    int data_on_1 = (int)e1.ps_data_path;
    uint64_t msgs_after = rd.msgs;
    int st2 = paddr_state(p.c, 0, A2);
    /* 127.0.0.2 comes back */
    int from2 = p.cn.n;
    drop_addr2(0);
    double t_up = ut_now(), t_avail = -1;
    while (ut_now() - t_up < 10 &&
           (t_avail = wait_note(&p.cn, 2, SCTP_ADDR_AVAILABLE, from2, 0)) < 0)
        send_for(p.c, &g, 50);
    send_for(p.c, &g, 200);
    struct mpsctp_pathstats b2 = ut_path_stats(p.c, 0, A2);
    send_for(p.c, &g, 300);
    struct mpsctp_pathstats f2 = ut_path_stats(p.c, 0, A2);
    /* every message arrives */
    double until = ut_now() + 10;
    while (rd.msgs < g && ut_now() < until)
        sleep_ms(10);
    rd.stop = nw.stop = 1;
    pthread_join(rt, NULL);
    pthread_join(nt, NULL);
    notes_print("client", &p.cn, t_drop);
    printf("# PF threshold %d: drop at 0; ", pf_threshold);
    if (t_pf >= 0)
        printf("POTENTIALLY_FAILED after %.0f ms; ", (t_pf - t_drop) * 1000);
    printf("UNREACHABLE after %.0f ms; longest delivery stall %.0f ms (before the drop %.0f "
           "ms); AVAILABLE %.0f ms after the rule went\n",
           t_unr < 0 ? -1 : (t_unr - t_drop) * 1000, rd.max_gap * 1000, gap_before * 1000,
           t_avail < 0 ? -1 : (t_avail - t_up) * 1000);
    printf("# messages: %u sent, %lu received, %lu bad; path .1 bytes_sent %lu -> %lu during "
           "the outage; .2 errors %u, T3 expiries %lu, data path %u\n",
           g, (unsigned long)rd.msgs, (unsigned long)rd.bad, (unsigned long)s1.ps_bytes_sent,
           (unsigned long)e1.ps_bytes_sent, s2.ps_error_count,
           (unsigned long)s2.ps_t3_expirations, s2.ps_data_path);
    assert_true(t_unr >= 0);
    if (pf_threshold >= 0)
        assert_true(t_pf >= 0 && t_pf <= t_unr);
    assert_int_equal(st2, SCTP_INACTIVE);
    /* The data outstanding on 127.0.0.2 waited for its T3-rtx timer at least once. */
    assert_true(s2.ps_t3_expirations >= 1);
    assert_true(e1.ps_bytes_sent > s1.ps_bytes_sent); /* data went on over 127.0.0.1 */
    assert_int_equal(data_on_1, 1);
    assert_int_equal(ut_path_stats(p.c, 0, A1).ps_data_path, 0);
    assert_true(msgs_after > msgs_at_drop);
    assert_true(t_avail >= 0);
    assert_int_equal(paddr_state(p.c, 0, A2), SCTP_ACTIVE);
    assert_int_equal(f2.ps_data_path, 1); /* back on the primary */
    assert_true(f2.ps_bytes_sent > b2.ps_bytes_sent);
    assert_int_equal(rd.msgs, g);
    assert_int_equal(rd.bad, 0);
    pair_down(&p);
}

static void test_failover_no_pf(void **state)
{
    (void)state;
    run_failover(-1);
}

static void test_failover_pf(void **state)
{
    (void)state;
    run_failover(0);
}

/* With 127.0.0.2 dropped from the start, the server cannot confirm the client's second
 * address: UNCONFIRMED, and SCTP_PRIMARY_ADDR refuses it. */
static void test_unconfirmed_primary_refused(void **state)
{
    (void)state;
    drop_addr2(1);
    pair p;
    pair_up(&p, 9120);
    sleep_ms(1000);
    drain(p.s, &p.sn, 50);
    int st = paddr_state(p.s, 0, A2);
    printf("# server's path to 127.0.0.2 with 127.0.0.2 unreachable: state %d\n", st);
    assert_int_equal(st, SCTP_UNCONFIRMED);
    assert_int_equal(paddr_state(p.s, 0, A1), SCTP_ACTIVE);
    struct sctp_prim pr = prim(0, A2);
    EXPECT_ERR(SET(p.s, SCTP_PRIMARY_ADDR, pr), EINVAL);
    memset(&pr, 0, sizeof(pr));
    assert_int_equal(getopt_(p.s, SCTP_PRIMARY_ADDR, &pr, sizeof(pr)), 0);
    assert_int_equal(last_byte(&pr.ssp_addr), 1);
    struct mpsctp_pathstats ps = ut_path_stats(p.s, 0, A2);
    assert_int_equal(ps.ps_state, SCTP_UNCONFIRMED);
    assert_int_equal(ps.ps_data_path, 0);
    assert_int_equal(notes_find(&p.sn, 2, SCTP_ADDR_CONFIRMED, 0), -1);
    drop_addr2(0);
    pair_down(&p);
}

int main(int argc, char **argv)
{
    setvbuf(stdout, NULL, _IOLBF, 0);
    if (argc > 1 && strcmp(argv[1], "netns") == 0) {
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_unconfirmed_primary_refused),
            cmocka_unit_test(test_failover_no_pf),
            cmocka_unit_test(test_failover_pf),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
    }
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_confirm_addrs_sources),
        cmocka_unit_test(test_bindx_scoping),
        cmocka_unit_test(test_per_path_params_thlds),
        cmocka_unit_test(test_primary_switch),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
