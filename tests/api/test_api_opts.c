/* Every socket option: set/get, short optlen, unknown association ids, bad values,
 * SCTP_FUTURE/CURRENT/ALL_ASSOC, unknown options. */
#include <stdlib.h>
#include <unistd.h>

#include "api_util.h"

#define SET(sd, name, v) mpsctp_setsockopt(sd, IPPROTO_SCTP, name, &(v), sizeof(v))

static int getopt_(int sd, int name, void *v, socklen_t len)
{
    socklen_t l = len;
    return mpsctp_getsockopt(sd, IPPROTO_SCTP, name, v, &l);
}

typedef struct fixture {
    mpsctp_stack *a, *b;
    int ls, c, s;     /* one-to-one pair */
    int m, mc;        /* one-to-many server and its client */
    sctp_assoc_t mid; /* association id on m */
} fixture;

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof(*f));
    f->a = ut_stack(0);
    f->b = ut_stack(0);
    f->ls = ut_pair(f->a, f->b, 7001, &f->c, &f->s);
    f->m = ut_listener(f->b, SOCK_SEQPACKET, 7002);
    ut_event(f->m, SCTP_ASSOC_CHANGE);
    f->mc = ut_client(f->a, SOCK_STREAM, f->b);
    struct sockaddr_in sa = ut_sin(7002);
    assert_int_equal(mpsctp_connect(f->mc, (struct sockaddr *)&sa, sizeof(sa)), 0);
    struct sctp_assoc_change ac;
    assert_int_equal(ut_wait_notification(f->m, SCTP_ASSOC_CHANGE, &ac, sizeof(ac)), 0);
    f->mid = ac.sac_assoc_id;
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    mpsctp_close(f->c);
    mpsctp_close(f->s);
    mpsctp_close(f->ls);
    mpsctp_close(f->m);
    mpsctp_close(f->mc);
    mpsctp_stack_free(f->a);
    mpsctp_stack_free(f->b);
    free(f);
    return 0;
}

static void test_socket_level(void **state)
{
    fixture *f = *state;
    int v = 100000;
    socklen_t l = sizeof(v);
    assert_int_equal(mpsctp_setsockopt(f->c, SOL_SOCKET, SO_SNDBUF, &v, sizeof(v)), 0);
    v = 0;
    assert_int_equal(mpsctp_getsockopt(f->c, SOL_SOCKET, SO_SNDBUF, &v, &l), 0);
    assert_int_equal(v, 100000);
    v = 200000;
    assert_int_equal(mpsctp_setsockopt(f->c, SOL_SOCKET, SO_RCVBUF, &v, sizeof(v)), 0);
    l = sizeof(v);
    assert_int_equal(mpsctp_getsockopt(f->c, SOL_SOCKET, SO_RCVBUF, &v, &l), 0);
    assert_int_equal(v, 200000);
    v = 0;
    EXPECT_ERR(mpsctp_setsockopt(f->c, SOL_SOCKET, SO_SNDBUF, &v, sizeof(v)), EINVAL);
    EXPECT_ERR(mpsctp_setsockopt(f->c, SOL_SOCKET, SO_SNDBUF, &v, 2), EINVAL);
    l = 2;
    EXPECT_ERR(mpsctp_getsockopt(f->c, SOL_SOCKET, SO_RCVBUF, &v, &l), EINVAL);
    l = sizeof(v);
    assert_int_equal(mpsctp_getsockopt(f->c, SOL_SOCKET, SO_TYPE, &v, &l), 0);
    assert_int_equal(v, SOCK_STREAM);
    EXPECT_ERR(mpsctp_getsockopt(f->c, SOL_SOCKET, SO_KEEPALIVE, &v, &l), ENOPROTOOPT);
    EXPECT_ERR(mpsctp_getsockopt(f->c, 12345, 1, &v, &l), ENOPROTOOPT);
    EXPECT_ERR(mpsctp_getsockopt(f->c, IPPROTO_SCTP, 999, &v, &l), ENOPROTOOPT);
    EXPECT_ERR(mpsctp_setsockopt(f->c, IPPROTO_SCTP, 999, &v, sizeof(v)), ENOPROTOOPT);
    EXPECT_ERR(mpsctp_getsockopt(999999, IPPROTO_SCTP, SCTP_NODELAY, &v, &l), EBADF);
    struct linger lg = {1, -1};
    EXPECT_ERR(mpsctp_setsockopt(f->c, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg)), EINVAL);
    lg.l_linger = 5;
    assert_int_equal(mpsctp_setsockopt(f->c, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg)), 0);
    memset(&lg, 0, sizeof(lg));
    l = sizeof(lg);
    assert_int_equal(mpsctp_getsockopt(f->c, SOL_SOCKET, SO_LINGER, &lg, &l), 0);
    assert_int_equal(lg.l_onoff, 1);
    assert_int_equal(lg.l_linger, 5);
}

static void test_int_options(void **state)
{
    fixture *f = *state;
    int names[] = {SCTP_NODELAY, SCTP_RECVRCVINFO, SCTP_RECVNXTINFO};
    for (int i = 0; i < 3; i++) {
        int v = 1;
        assert_int_equal(SET(f->c, names[i], v), 0);
        v = 0;
        assert_int_equal(getopt_(f->c, names[i], &v, sizeof(v)), 0);
        assert_int_equal(v, 1);
        v = 0;
        assert_int_equal(SET(f->c, names[i], v), 0);
        assert_int_equal(getopt_(f->c, names[i], &v, sizeof(v)), 0);
        assert_int_equal(v, 0);
        EXPECT_ERR(mpsctp_setsockopt(f->c, IPPROTO_SCTP, names[i], &v, 1), EINVAL);
        EXPECT_ERR(getopt_(f->c, names[i], &v, 1), EINVAL);
    }
}

static void test_rtoinfo(void **state)
{
    fixture *f = *state;
    struct sctp_rtoinfo r = {.srto_initial = 500, .srto_min = 200, .srto_max = 5000};
    assert_int_equal(SET(f->c, SCTP_RTOINFO, r), 0);
    memset(&r, 0, sizeof(r));
    assert_int_equal(getopt_(f->c, SCTP_RTOINFO, &r, sizeof(r)), 0);
    assert_int_equal(r.srto_initial, 500);
    assert_int_equal(r.srto_min, 200);
    assert_int_equal(r.srto_max, 5000);
    struct sctp_rtoinfo bad = {.srto_min = 6000}; /* min above max */
    EXPECT_ERR(SET(f->c, SCTP_RTOINFO, bad), EINVAL);
    EXPECT_ERR(mpsctp_setsockopt(f->c, IPPROTO_SCTP, SCTP_RTOINFO, &r, sizeof(r) - 1), EINVAL);
    EXPECT_ERR(getopt_(f->c, SCTP_RTOINFO, &r, sizeof(r) - 1), EINVAL);
    /* one-to-many: ids */
    struct sctp_rtoinfo m = {.srto_assoc_id = f->mid, .srto_max = 7000};
    assert_int_equal(SET(f->m, SCTP_RTOINFO, m), 0);
    m.srto_max = 0;
    assert_int_equal(getopt_(f->m, SCTP_RTOINFO, &m, sizeof(m)), 0);
    assert_int_equal(m.srto_max, 7000);
    m.srto_assoc_id = SCTP_FUTURE_ASSOC;
    assert_int_equal(getopt_(f->m, SCTP_RTOINFO, &m, sizeof(m)), 0);
    assert_int_equal(m.srto_max, 60000); /* the default is unchanged */
    m.srto_assoc_id = 4242;
    EXPECT_ERR(SET(f->m, SCTP_RTOINFO, m), ENOENT);
    EXPECT_ERR(getopt_(f->m, SCTP_RTOINFO, &m, sizeof(m)), ENOENT);
    m.srto_assoc_id = SCTP_CURRENT_ASSOC;
    EXPECT_ERR(SET(f->m, SCTP_RTOINFO, m), EINVAL);
    EXPECT_ERR(getopt_(f->m, SCTP_RTOINFO, &m, sizeof(m)), EINVAL);
    /* one-to-one ignores the id: the association's values come back */
    memset(&r, 0, sizeof(r));
    r.srto_assoc_id = 4242;
    assert_int_equal(getopt_(f->c, SCTP_RTOINFO, &r, sizeof(r)), 0);
    assert_int_equal(r.srto_initial, 500);
    assert_int_equal(r.srto_min, 200);
    assert_int_equal(r.srto_max, 5000);
}

static void test_associnfo_initmsg(void **state)
{
    fixture *f = *state;
    struct sctp_assocparams p = {.sasoc_asocmaxrxt = 7, .sasoc_cookie_life = 30000};
    assert_int_equal(SET(f->c, SCTP_ASSOCINFO, p), 0);
    memset(&p, 0, sizeof(p));
    assert_int_equal(getopt_(f->c, SCTP_ASSOCINFO, &p, sizeof(p)), 0);
    assert_int_equal(p.sasoc_asocmaxrxt, 7);
    assert_int_equal(p.sasoc_cookie_life, 30000);
    assert_int_equal(p.sasoc_number_peer_destinations, 1);
    assert_true(p.sasoc_peer_rwnd > 0);
    EXPECT_ERR(mpsctp_setsockopt(f->c, IPPROTO_SCTP, SCTP_ASSOCINFO, &p, 4), EINVAL);
    p.sasoc_assoc_id = 4242;
    EXPECT_ERR(getopt_(f->m, SCTP_ASSOCINFO, &p, sizeof(p)), ENOENT);
    p.sasoc_assoc_id = SCTP_ALL_ASSOC;
    EXPECT_ERR(SET(f->m, SCTP_ASSOCINFO, p), EINVAL);
    struct sctp_initmsg im = {.sinit_num_ostreams = 20, .sinit_max_instreams = 30,
                              .sinit_max_attempts = 3, .sinit_max_init_timeo = 1000};
    assert_int_equal(SET(f->m, SCTP_INITMSG, im), 0);
    memset(&im, 0, sizeof(im));
    assert_int_equal(getopt_(f->m, SCTP_INITMSG, &im, sizeof(im)), 0);
    assert_int_equal(im.sinit_num_ostreams, 20);
    assert_int_equal(im.sinit_max_instreams, 30);
    assert_int_equal(im.sinit_max_attempts, 3);
    assert_int_equal(im.sinit_max_init_timeo, 1000);
    EXPECT_ERR(mpsctp_setsockopt(f->m, IPPROTO_SCTP, SCTP_INITMSG, &im, 6), EINVAL);
    /* A new association to m gets the new stream counts. */
    int c2 = ut_client(f->a, SOCK_STREAM, f->b);
    struct sctp_initmsg ci = {.sinit_num_ostreams = 25, .sinit_max_instreams = 25};
    assert_int_equal(SET(c2, SCTP_INITMSG, ci), 0);
    struct sockaddr_in sa = ut_sin(7002);
    assert_int_equal(mpsctp_connect(c2, (struct sockaddr *)&sa, sizeof(sa)), 0);
    struct sctp_status st;
    memset(&st, 0, sizeof(st));
    assert_int_equal(getopt_(c2, SCTP_STATUS, &st, sizeof(st)), 0);
    assert_int_equal(st.sstat_outstrms, 25); /* min(25, server max_instreams 30) */
    assert_int_equal(st.sstat_instrms, 20);  /* min(server ostreams 20, 25) */
    mpsctp_close(c2);
}

static void test_status_paddrinfo_primary(void **state)
{
    fixture *f = *state;
    struct sctp_status st;
    memset(&st, 0, sizeof(st));
    assert_int_equal(getopt_(f->c, SCTP_STATUS, &st, sizeof(st)), 0);
    assert_int_equal(st.sstat_state, SCTP_ESTABLISHED);
    assert_int_equal(st.sstat_fragmentation_point, 1472 - 28);
    assert_int_equal(st.sstat_primary.spinfo_state, SCTP_ACTIVE);
    EXPECT_ERR(getopt_(f->c, SCTP_STATUS, &st, sizeof(st) - 1), EINVAL);
    EXPECT_ERR(SET(f->c, SCTP_STATUS, st), ENOPROTOOPT);
    memset(&st, 0, sizeof(st));
    st.sstat_assoc_id = f->mid;
    assert_int_equal(getopt_(f->m, SCTP_STATUS, &st, sizeof(st)), 0);
    assert_int_equal(st.sstat_assoc_id, f->mid);
    assert_int_equal(st.sstat_state, SCTP_ESTABLISHED);
    assert_int_equal(st.sstat_fragmentation_point, 1472 - 28);
    assert_int_equal(st.sstat_primary.spinfo_state, SCTP_ACTIVE);
    st.sstat_assoc_id = 4242;
    EXPECT_ERR(getopt_(f->m, SCTP_STATUS, &st, sizeof(st)), ENOENT);
    st.sstat_assoc_id = SCTP_FUTURE_ASSOC;
    EXPECT_ERR(getopt_(f->m, SCTP_STATUS, &st, sizeof(st)), EINVAL);
    int u = mpsctp_socket_on(f->a, AF_INET, SOCK_STREAM, 0);
    EXPECT_ERR(getopt_(u, SCTP_STATUS, &st, sizeof(st)), ENOTCONN);
    mpsctp_close(u);

    struct sctp_paddrinfo pi;
    memset(&pi, 0, sizeof(pi));
    struct sockaddr_in sa = ut_sin(7001);
    memcpy(&pi.spinfo_address, &sa, sizeof(sa));
    assert_int_equal(getopt_(f->c, SCTP_GET_PEER_ADDR_INFO, &pi, sizeof(pi)), 0);
    assert_int_equal(pi.spinfo_state, SCTP_ACTIVE);
    assert_true(pi.spinfo_cwnd > 0 && pi.spinfo_rto > 0);
    assert_int_equal(pi.spinfo_mtu, 1472);
    EXPECT_ERR(getopt_(f->c, SCTP_GET_PEER_ADDR_INFO, &pi, sizeof(pi) - 1), EINVAL);
    struct sockaddr_in nope = ut_sin(7001);
    nope.sin_addr.s_addr = inet_addr("10.1.2.3");
    memcpy(&pi.spinfo_address, &nope, sizeof(nope));
    EXPECT_ERR(getopt_(f->c, SCTP_GET_PEER_ADDR_INFO, &pi, sizeof(pi)), EINVAL);
    EXPECT_ERR(SET(f->c, SCTP_GET_PEER_ADDR_INFO, pi), ENOPROTOOPT);

    struct sctp_prim pr;
    memset(&pr, 0, sizeof(pr));
    assert_int_equal(getopt_(f->c, SCTP_PRIMARY_ADDR, &pr, sizeof(pr)), 0);
    struct sockaddr_in got;
    memcpy(&got, &pr.ssp_addr, sizeof(got));
    assert_int_equal(got.sin_addr.s_addr, htonl(INADDR_LOOPBACK));
    assert_int_equal(SET(f->c, SCTP_PRIMARY_ADDR, pr), 0);
    memcpy(&pr.ssp_addr, &nope, sizeof(nope));
    EXPECT_ERR(SET(f->c, SCTP_PRIMARY_ADDR, pr), EINVAL);
    EXPECT_ERR(mpsctp_setsockopt(f->c, IPPROTO_SCTP, SCTP_PRIMARY_ADDR, &pr, 8), EINVAL);
    pr.ssp_assoc_id = 4242;
    EXPECT_ERR(getopt_(f->m, SCTP_PRIMARY_ADDR, &pr, sizeof(pr)), ENOENT);
    pr.ssp_assoc_id = SCTP_FUTURE_ASSOC;
    EXPECT_ERR(getopt_(f->m, SCTP_PRIMARY_ADDR, &pr, sizeof(pr)), EINVAL);
}

static void test_peer_addr_params(void **state)
{
    fixture *f = *state;
    struct sctp_paddrparams p;
    memset(&p, 0, sizeof(p));
    p.spp_hbinterval = 5000;
    p.spp_pathmaxrxt = 4;
    p.spp_sackdelay = 50;
    p.spp_flags = SPP_HB_ENABLE | SPP_SACKDELAY_ENABLE;
    assert_int_equal(SET(f->c, SCTP_PEER_ADDR_PARAMS, p), 0);
    memset(&p, 0, sizeof(p));
    assert_int_equal(getopt_(f->c, SCTP_PEER_ADDR_PARAMS, &p, sizeof(p)), 0);
    assert_int_equal(p.spp_hbinterval, 5000);
    assert_int_equal(p.spp_pathmaxrxt, 4);
    assert_int_equal(p.spp_sackdelay, 50);
    assert_true(p.spp_flags & SPP_HB_ENABLE);
    assert_int_equal(p.spp_pathmtu, 1472);
    p.spp_flags = SPP_HB_DISABLE;
    assert_int_equal(SET(f->c, SCTP_PEER_ADDR_PARAMS, p), 0);
    p.spp_flags = 0; /* read back, not the value just set */
    assert_int_equal(getopt_(f->c, SCTP_PEER_ADDR_PARAMS, &p, sizeof(p)), 0);
    assert_true(p.spp_flags & SPP_HB_DISABLE);
    assert_false(p.spp_flags & SPP_HB_ENABLE);
    /* bad values */
    p.spp_flags = SPP_HB_ENABLE | SPP_HB_DISABLE;
    EXPECT_ERR(SET(f->c, SCTP_PEER_ADDR_PARAMS, p), EINVAL);
    p.spp_flags = SPP_SACKDELAY_ENABLE;
    p.spp_sackdelay = 501;
    EXPECT_ERR(SET(f->c, SCTP_PEER_ADDR_PARAMS, p), EINVAL);
    EXPECT_ERR(mpsctp_setsockopt(f->c, IPPROTO_SCTP, SCTP_PEER_ADDR_PARAMS, &p, 10), EINVAL);
    /* an address not in the association */
    memset(&p, 0, sizeof(p));
    struct sockaddr_in nope = ut_sin(7001);
    nope.sin_addr.s_addr = inet_addr("10.1.2.3");
    memcpy(&p.spp_address, &nope, sizeof(nope));
    EXPECT_ERR(getopt_(f->c, SCTP_PEER_ADDR_PARAMS, &p, sizeof(p)), EINVAL);
    /* one-to-many: CURRENT changes live associations only, ALL the default too */
    memset(&p, 0, sizeof(p));
    p.spp_assoc_id = SCTP_CURRENT_ASSOC;
    p.spp_pathmaxrxt = 9;
    assert_int_equal(SET(f->m, SCTP_PEER_ADDR_PARAMS, p), 0);
    p.spp_assoc_id = f->mid;
    p.spp_pathmaxrxt = 0; /* read back, not the value just set */
    assert_int_equal(getopt_(f->m, SCTP_PEER_ADDR_PARAMS, &p, sizeof(p)), 0);
    assert_int_equal(p.spp_pathmaxrxt, 9);
    p.spp_assoc_id = SCTP_FUTURE_ASSOC;
    assert_int_equal(getopt_(f->m, SCTP_PEER_ADDR_PARAMS, &p, sizeof(p)), 0);
    assert_int_equal(p.spp_pathmaxrxt, 5);
    p.spp_assoc_id = SCTP_ALL_ASSOC;
    p.spp_pathmaxrxt = 3;
    assert_int_equal(SET(f->m, SCTP_PEER_ADDR_PARAMS, p), 0);
    p.spp_assoc_id = SCTP_FUTURE_ASSOC;
    p.spp_pathmaxrxt = 0;
    assert_int_equal(getopt_(f->m, SCTP_PEER_ADDR_PARAMS, &p, sizeof(p)), 0);
    assert_int_equal(p.spp_pathmaxrxt, 3);
    p.spp_assoc_id = f->mid; /* ALL changes the live association as well */
    p.spp_pathmaxrxt = 0;
    assert_int_equal(getopt_(f->m, SCTP_PEER_ADDR_PARAMS, &p, sizeof(p)), 0);
    assert_int_equal(p.spp_pathmaxrxt, 3);
    p.spp_assoc_id = SCTP_CURRENT_ASSOC;
    EXPECT_ERR(getopt_(f->m, SCTP_PEER_ADDR_PARAMS, &p, sizeof(p)), EINVAL);
    p.spp_assoc_id = 4242;
    EXPECT_ERR(SET(f->m, SCTP_PEER_ADDR_PARAMS, p), ENOENT);
}

static void test_default_sndinfo(void **state)
{
    fixture *f = *state;
    struct sctp_sndinfo si = {.snd_sid = 4, .snd_ppid = htonl(77)};
    assert_int_equal(SET(f->c, SCTP_DEFAULT_SNDINFO, si), 0);
    int on = 1;
    assert_int_equal(SET(f->s, SCTP_RECVRCVINFO, on), 0);
    assert_int_equal(mpsctp_send(f->c, "d", 1, 0), 1);
    char buf[8];
    struct sctp_rcvinfo rcv;
    memset(&rcv, 0, sizeof(rcv));
    assert_int_equal(ut_recv(f->s, buf, sizeof(buf), NULL, &rcv), 1);
    assert_int_equal(rcv.rcv_sid, 4);
    assert_int_equal(rcv.rcv_ppid, htonl(77));
    memset(&si, 0, sizeof(si));
    assert_int_equal(getopt_(f->c, SCTP_DEFAULT_SNDINFO, &si, sizeof(si)), 0);
    assert_int_equal(si.snd_sid, 4);
    si.snd_flags = 0x1000; /* unknown flag */
    EXPECT_ERR(SET(f->c, SCTP_DEFAULT_SNDINFO, si), EINVAL);
    si.snd_flags = 0;
    si.snd_sid = 5000; /* beyond the outbound streams */
    EXPECT_ERR(SET(f->c, SCTP_DEFAULT_SNDINFO, si), EINVAL);
    EXPECT_ERR(mpsctp_setsockopt(f->c, IPPROTO_SCTP, SCTP_DEFAULT_SNDINFO, &si, 8), EINVAL);
    /* one-to-many */
    struct sctp_sndinfo m = {.snd_assoc_id = SCTP_ALL_ASSOC, .snd_sid = 2};
    assert_int_equal(SET(f->m, SCTP_DEFAULT_SNDINFO, m), 0);
    m.snd_assoc_id = f->mid;
    m.snd_sid = 0;
    assert_int_equal(getopt_(f->m, SCTP_DEFAULT_SNDINFO, &m, sizeof(m)), 0);
    assert_int_equal(m.snd_sid, 2);
    m.snd_assoc_id = SCTP_CURRENT_ASSOC;
    m.snd_sid = 3;
    assert_int_equal(SET(f->m, SCTP_DEFAULT_SNDINFO, m), 0);
    m.snd_assoc_id = SCTP_FUTURE_ASSOC;
    assert_int_equal(getopt_(f->m, SCTP_DEFAULT_SNDINFO, &m, sizeof(m)), 0);
    assert_int_equal(m.snd_sid, 2);
    m.snd_assoc_id = f->mid; /* CURRENT changed the live association */
    m.snd_sid = 0;
    assert_int_equal(getopt_(f->m, SCTP_DEFAULT_SNDINFO, &m, sizeof(m)), 0);
    assert_int_equal(m.snd_sid, 3);
    m.snd_assoc_id = 4242;
    EXPECT_ERR(SET(f->m, SCTP_DEFAULT_SNDINFO, m), ENOENT);
    m.snd_assoc_id = SCTP_ALL_ASSOC;
    EXPECT_ERR(getopt_(f->m, SCTP_DEFAULT_SNDINFO, &m, sizeof(m)), EINVAL);
}

static void test_maxseg_event_encaps(void **state)
{
    fixture *f = *state;
    struct sctp_assoc_value av = {0, 0};
    assert_int_equal(getopt_(f->c, SCTP_MAXSEG, &av, sizeof(av)), 0);
    assert_int_equal(av.assoc_value, 1444);
    av.assoc_value = 1444; /* the live association's value: accepted */
    assert_int_equal(SET(f->c, SCTP_MAXSEG, av), 0);
    av.assoc_value = 1000; /* a live association keeps its segment size */
    EXPECT_ERR(SET(f->c, SCTP_MAXSEG, av), EINVAL);
    av.assoc_value = 10;
    EXPECT_ERR(SET(f->c, SCTP_MAXSEG, av), EINVAL);
    EXPECT_ERR(mpsctp_setsockopt(f->c, IPPROTO_SCTP, SCTP_MAXSEG, &av, 3), EINVAL);
    struct sctp_assoc_value fm = {SCTP_FUTURE_ASSOC, 1000};
    assert_int_equal(SET(f->m, SCTP_MAXSEG, fm), 0);
    fm.assoc_value = 0;
    assert_int_equal(getopt_(f->m, SCTP_MAXSEG, &fm, sizeof(fm)), 0);
    assert_int_equal(fm.assoc_value, 1000);
    fm.assoc_id = f->mid;
    assert_int_equal(getopt_(f->m, SCTP_MAXSEG, &fm, sizeof(fm)), 0);
    assert_int_equal(fm.assoc_value, 1444);
    fm.assoc_id = 4242;
    EXPECT_ERR(getopt_(f->m, SCTP_MAXSEG, &fm, sizeof(fm)), ENOENT);
    fm.assoc_id = SCTP_ALL_ASSOC;
    EXPECT_ERR(SET(f->m, SCTP_MAXSEG, fm), EINVAL);

    struct sctp_event ev = {.se_assoc_id = SCTP_FUTURE_ASSOC, .se_type = SCTP_SHUTDOWN_EVENT,
                            .se_on = 1};
    assert_int_equal(SET(f->c, SCTP_EVENT, ev), 0);
    ev.se_on = 0;
    assert_int_equal(getopt_(f->c, SCTP_EVENT, &ev, sizeof(ev)), 0);
    assert_int_equal(ev.se_on, 1);
    ev.se_type = 0x1234;
    EXPECT_ERR(SET(f->c, SCTP_EVENT, ev), EINVAL);
    EXPECT_ERR(mpsctp_setsockopt(f->c, IPPROTO_SCTP, SCTP_EVENT, &ev, 4), EINVAL);
    struct sctp_event me = {.se_assoc_id = SCTP_CURRENT_ASSOC, .se_type = SCTP_SENDER_DRY_EVENT,
                            .se_on = 1};
    assert_int_equal(SET(f->m, SCTP_EVENT, me), 0);
    me.se_assoc_id = f->mid;
    me.se_on = 0;
    assert_int_equal(getopt_(f->m, SCTP_EVENT, &me, sizeof(me)), 0);
    assert_int_equal(me.se_on, 1);
    me.se_assoc_id = SCTP_FUTURE_ASSOC;
    assert_int_equal(getopt_(f->m, SCTP_EVENT, &me, sizeof(me)), 0);
    assert_int_equal(me.se_on, 0);
    me.se_assoc_id = 4242;
    EXPECT_ERR(SET(f->m, SCTP_EVENT, me), ENOENT);
    me.se_assoc_id = SCTP_ALL_ASSOC;
    EXPECT_ERR(getopt_(f->m, SCTP_EVENT, &me, sizeof(me)), EINVAL);

    struct sctp_udpencaps ue;
    memset(&ue, 0, sizeof(ue));
    assert_int_equal(getopt_(f->c, SCTP_REMOTE_UDP_ENCAPS_PORT, &ue, sizeof(ue)), 0);
    assert_int_equal(ntohs(ue.sue_port), mpsctp_stack_udp_port(f->b));
    struct sockaddr_in sa = ut_sin(7001);
    memcpy(&ue.sue_address, &sa, sizeof(sa));
    ue.sue_port = 0;
    assert_int_equal(getopt_(f->c, SCTP_REMOTE_UDP_ENCAPS_PORT, &ue, sizeof(ue)), 0);
    assert_int_equal(ntohs(ue.sue_port), mpsctp_stack_udp_port(f->b));
    ue.sue_port = 0;
    EXPECT_ERR(SET(f->c, SCTP_REMOTE_UDP_ENCAPS_PORT, ue), EINVAL);
    sa.sin_addr.s_addr = inet_addr("10.1.2.3");
    memcpy(&ue.sue_address, &sa, sizeof(sa));
    ue.sue_port = htons(1234);
    EXPECT_ERR(SET(f->c, SCTP_REMOTE_UDP_ENCAPS_PORT, ue), EINVAL);
    EXPECT_ERR(mpsctp_setsockopt(f->c, IPPROTO_SCTP, SCTP_REMOTE_UDP_ENCAPS_PORT, &ue, 8),
               EINVAL);
    struct sctp_udpencaps mu;
    memset(&mu, 0, sizeof(mu));
    mu.sue_assoc_id = SCTP_FUTURE_ASSOC;
    mu.sue_port = htons(4000);
    assert_int_equal(SET(f->m, SCTP_REMOTE_UDP_ENCAPS_PORT, mu), 0);
    mu.sue_port = 0;
    assert_int_equal(getopt_(f->m, SCTP_REMOTE_UDP_ENCAPS_PORT, &mu, sizeof(mu)), 0);
    assert_int_equal(ntohs(mu.sue_port), 4000);
    mu.sue_assoc_id = f->mid; /* learned from the INIT's source port (RFC 6951 s5) */
    assert_int_equal(getopt_(f->m, SCTP_REMOTE_UDP_ENCAPS_PORT, &mu, sizeof(mu)), 0);
    assert_int_equal(ntohs(mu.sue_port), mpsctp_stack_udp_port(f->a));
    mu.sue_assoc_id = 4242;
    EXPECT_ERR(getopt_(f->m, SCTP_REMOTE_UDP_ENCAPS_PORT, &mu, sizeof(mu)), ENOENT);
    /* GET_ASSOC_ID_LIST: one-to-many only, read-only */
    uint8_t ids[64];
    EXPECT_ERR(getopt_(f->c, SCTP_GET_ASSOC_ID_LIST, ids, sizeof(ids)), EINVAL);
    EXPECT_ERR(mpsctp_setsockopt(f->m, IPPROTO_SCTP, SCTP_GET_ASSOC_ID_LIST, ids, sizeof(ids)),
               ENOPROTOOPT);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_socket_level, setup, teardown),
        cmocka_unit_test_setup_teardown(test_int_options, setup, teardown),
        cmocka_unit_test_setup_teardown(test_rtoinfo, setup, teardown),
        cmocka_unit_test_setup_teardown(test_associnfo_initmsg, setup, teardown),
        cmocka_unit_test_setup_teardown(test_status_paddrinfo_primary, setup, teardown),
        cmocka_unit_test_setup_teardown(test_peer_addr_params, setup, teardown),
        cmocka_unit_test_setup_teardown(test_default_sndinfo, setup, teardown),
        cmocka_unit_test_setup_teardown(test_maxseg_event_encaps, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
