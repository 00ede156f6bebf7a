#include "api_util.h"

#include <stdio.h>
#include <time.h>
#include <unistd.h>

mpsctp_stack_config ut_stack_config(void)
{
    mpsctp_stack_config cfg;
    memset(&cfg, 0, sizeof(cfg));
    cfg.udp_port = MPSCTP_UDP_PORT_ANY;
    cfg.naddrs = 1;
    struct sockaddr_in *a = (struct sockaddr_in *)&cfg.addrs[0];
    a->sin_family = AF_INET;
    a->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    return cfg;
}

mpsctp_stack *ut_stack(int no_thread)
{
    mpsctp_stack_config cfg = ut_stack_config();
    cfg.no_thread = no_thread;
    mpsctp_stack *st = mpsctp_stack_new(&cfg);
    assert_non_null(st);
    return st;
}

struct sockaddr_in ut_sin4(uint32_t ip, uint16_t port)
{
    struct sockaddr_in a;
    memset(&a, 0, sizeof(a));
    a.sin_family = AF_INET;
    a.sin_port = htons(port);
    a.sin_addr.s_addr = htonl(ip);
    return a;
}

struct sockaddr_in ut_sin(uint16_t port)
{
    return ut_sin4(INADDR_LOOPBACK, port);
}

int ut_listener(mpsctp_stack *st, int type, uint16_t port)
{
    int sd = mpsctp_socket_on(st, AF_INET, type, IPPROTO_SCTP);
    assert_true(sd >= 0);
    struct sockaddr_in a = ut_sin(port);
    assert_int_equal(mpsctp_bind(sd, (struct sockaddr *)&a, sizeof(a)), 0);
    assert_int_equal(mpsctp_listen(sd, 16), 0);
    return sd;
}

int ut_client(mpsctp_stack *st, int type, mpsctp_stack *peer)
{
    int sd = mpsctp_socket_on(st, AF_INET, type, IPPROTO_SCTP);
    assert_true(sd >= 0);
    struct sctp_udpencaps ue;
    memset(&ue, 0, sizeof(ue));
    ue.sue_assoc_id = SCTP_FUTURE_ASSOC;
    ue.sue_port = htons(mpsctp_stack_udp_port(peer));
    assert_int_equal(
        mpsctp_setsockopt(sd, IPPROTO_SCTP, SCTP_REMOTE_UDP_ENCAPS_PORT, &ue, sizeof(ue)), 0);
    return sd;
}

int ut_pair(mpsctp_stack *cst, mpsctp_stack *sst, uint16_t port, int *c, int *s)
{
    int ls = ut_listener(sst, SOCK_STREAM, port);
    *c = ut_client(cst, SOCK_STREAM, sst);
    struct sockaddr_in a = ut_sin(port);
    assert_int_equal(mpsctp_connect(*c, (struct sockaddr *)&a, sizeof(a)), 0);
    *s = mpsctp_accept(ls, NULL, NULL);
    assert_true(*s >= 0);
    return ls;
}

void ut_set_int(int sd, int level, int name, int v)
{
    assert_int_equal(mpsctp_setsockopt(sd, level, name, &v, sizeof(v)), 0);
}

void ut_linger_abort(int sd)
{
    struct linger l = {1, 0};
    assert_int_equal(mpsctp_setsockopt(sd, SOL_SOCKET, SO_LINGER, &l, sizeof(l)), 0);
}

int ut_listener_rcvbuf(mpsctp_stack *st, uint16_t port, int rcvbuf)
{
    int ls = mpsctp_socket_on(st, AF_INET, SOCK_STREAM, IPPROTO_SCTP);
    assert_true(ls >= 0);
    ut_set_int(ls, SOL_SOCKET, SO_RCVBUF, rcvbuf);
    struct sockaddr_in a = ut_sin(port);
    assert_int_equal(mpsctp_bind(ls, (struct sockaddr *)&a, sizeof(a)), 0);
    assert_int_equal(mpsctp_listen(ls, 8), 0);
    return ls;
}

int ut_poll(int fd, short events, int ms)
{
    struct pollfd p = {.fd = fd, .events = events};
    int r = poll(&p, 1, ms);
    return r > 0 ? p.revents : 0;
}

void ut_event(int sd, uint16_t type)
{
    struct sctp_event ev = {.se_assoc_id = SCTP_FUTURE_ASSOC, .se_type = type, .se_on = 1};
    assert_int_equal(mpsctp_setsockopt(sd, IPPROTO_SCTP, SCTP_EVENT, &ev, sizeof(ev)), 0);
}

ssize_t ut_recv(int sd, void *buf, size_t cap, int *flags, struct sctp_rcvinfo *rcv)
{
    if (!(ut_poll(sd, POLLIN, 5000) & POLLIN))
        return -2;
    struct iovec iov = {buf, cap};
    struct sctp_rcvinfo r;
    socklen_t rl = sizeof(r);
    unsigned int type = 0;
    int fl = 0;
    ssize_t n = mpsctp_recvv(sd, &iov, 1, NULL, NULL, &r, &rl, &type, &fl);
    if (flags)
        *flags = fl;
    if (rcv && type == SCTP_RECVV_RCVINFO)
        *rcv = r;
    return n;
}

int ut_wait_notification(int sd, uint16_t type, void *out, size_t cap)
{
    static uint8_t buf[1 << 20];
    for (int i = 0; i < 1000; i++) {
        int fl = 0;
        ssize_t n = ut_recv(sd, buf, sizeof(buf), &fl, NULL);
        if (n < 0)
            return -1;
        if (n == 0)
            return -1;
        if (!(fl & MSG_NOTIFICATION))
            continue;
        const struct sctp_tlv *h = (const struct sctp_tlv *)buf;
        if (h->sn_type == type) {
            if (out)
                memcpy(out, buf, (size_t)n < cap ? (size_t)n : cap);
            return 0;
        }
    }
    return -1;
}

sctp_assoc_t ut_wait_up(int sd)
{
    struct sctp_assoc_change ac;
    assert_int_equal(ut_wait_notification(sd, SCTP_ASSOC_CHANGE, &ac, sizeof(ac)), 0);
    assert_int_equal(ac.sac_state, SCTP_COMM_UP);
    return ac.sac_assoc_id;
}

mpsctp_stack *ut_mh_stack(void (*trace)(void *user, int dir, const uint8_t *pkt, size_t len,
                                        const struct sockaddr *local,
                                        const struct sockaddr *remote),
                          void *user)
{
    mpsctp_stack_config cfg;
    memset(&cfg, 0, sizeof(cfg));
    cfg.udp_port = MPSCTP_UDP_PORT_ANY;
    cfg.no_ipv6 = 1;
    cfg.trace = trace;
    cfg.trace_user = user;
    mpsctp_stack *st = mpsctp_stack_new(&cfg);
    assert_non_null(st);
    return st;
}

int ut_mh_socket(mpsctp_stack *st, int type, uint16_t port, mpsctp_stack *peer)
{
    int sd = peer ? ut_client(st, type, peer) : mpsctp_socket_on(st, AF_INET, type, 0);
    assert_true(sd >= 0);
    struct sockaddr_in b[2] = {ut_sin4(A1, port), ut_sin4(A2, port)};
    assert_int_equal(mpsctp_bindx(sd, (struct sockaddr *)b, 2, SCTP_BINDX_ADD_ADDR), 0);
    struct sctp_rtoinfo rto = {.srto_assoc_id = SCTP_FUTURE_ASSOC,
                               .srto_initial = 200, .srto_min = 100, .srto_max = 400};
    assert_int_equal(mpsctp_setsockopt(sd, IPPROTO_SCTP, SCTP_RTOINFO, &rto, sizeof(rto)), 0);
    struct sctp_paddrparams pp;
    memset(&pp, 0, sizeof(pp));
    pp.spp_assoc_id = SCTP_FUTURE_ASSOC;
    pp.spp_flags = SPP_HB_ENABLE;
    pp.spp_hbinterval = 300;
    assert_int_equal(mpsctp_setsockopt(sd, IPPROTO_SCTP, SCTP_PEER_ADDR_PARAMS, &pp, sizeof(pp)),
                     0);
    ut_event(sd, SCTP_PEER_ADDR_CHANGE);
    ut_event(sd, SCTP_ASSOC_CHANGE);
    return sd;
}

sctp_assoc_t ut_mh_connect(int sd, uint16_t port)
{
    struct sockaddr_in p[2] = {ut_sin4(A1, port), ut_sin4(A2, port)};
    sctp_assoc_t id = 0;
    assert_int_equal(mpsctp_connectx(sd, (struct sockaddr *)p, 2, &id), 0);
    return id;
}

struct mpsctp_pathstats ut_path_stats(int sd, sctp_assoc_t id, uint32_t ip)
{
    for (uint32_t i = 0; i < 8; i++) {
        struct mpsctp_pathstats ps;
        memset(&ps, 0, sizeof(ps));
        ps.ps_assoc_id = id;
        ps.ps_index = i;
        socklen_t len = sizeof(ps);
        if (mpsctp_getsockopt(sd, IPPROTO_SCTP, MPSCTP_PATH_STATS, &ps, &len) != 0)
            break;
        struct sockaddr_in sin;
        memcpy(&sin, &ps.ps_address, sizeof(sin));
        if (sin.sin_family == AF_INET && ntohl(sin.sin_addr.s_addr) == ip)
            return ps;
    }
    fail_msg("no path to 127.0.0.%u", ip & 0xff);
    struct mpsctp_pathstats none;
    memset(&none, 0, sizeof(none));
    return none;
}

void ut_mh_wait_active(int sd)
{
    double until = ut_now() + 5;
    while ((ut_path_stats(sd, 0, A1).ps_state != SCTP_ACTIVE ||
            ut_path_stats(sd, 0, A2).ps_state != SCTP_ACTIVE) &&
           ut_now() < until)
        usleep(10000);
    assert_int_equal(ut_path_stats(sd, 0, A1).ps_state, SCTP_ACTIVE);
    assert_int_equal(ut_path_stats(sd, 0, A2).ps_state, SCTP_ACTIVE);
}

double ut_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

void ut_down(mpsctp_stack *a, mpsctp_stack *b, const int *sds, size_t n)
{
    for (size_t i = 0; i < n; i++)
        mpsctp_close(sds[i]);
    mpsctp_stack_free(a);
    mpsctp_stack_free(b);
}
