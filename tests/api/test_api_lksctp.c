/* What unmodified kernel-SCTP applications and libsctp pass to the library: Linux's
 * structure layouts and numbers (compared with <netinet/sctp.h>), the older options
 * (get/set, short optlen, unknown association ids), the SCTP_SNDRCV cmsg both ways,
 * SCTP_EVENTS, libsctp's calls as socket options (bindx, connectx, getpaddrs/getladdrs,
 * peeloff) and mpsctp_sctp_sendmsg / mpsctp_sctp_send / mpsctp_sctp_recvmsg. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "api_util.h"
#include "layout.h"

#define SOPT(sd, name, v) mpsctp_setsockopt(sd, IPPROTO_SCTP, name, &(v), sizeof(v))

static int gopt(int sd, int level, int name, void *v, socklen_t len)
{
    socklen_t l = len;
    return mpsctp_getsockopt(sd, level, name, v, &l);
}

static int get_int(int sd, int level, int name)
{
    int v = -12345;
    socklen_t l = sizeof(v);
    assert_int_equal(mpsctp_getsockopt(sd, level, name, &v, &l), 0);
    assert_int_equal(l, sizeof(v));
    return v;
}

/* An int option: default dflt, set v reads back, short optlens are EINVAL both ways. */
static void check_int(int sd, int level, int name, int dflt, int v)
{
    assert_int_equal(get_int(sd, level, name), dflt);
    ut_set_int(sd, level, name, v);
    assert_int_equal(get_int(sd, level, name), v);
    EXPECT_ERR(mpsctp_setsockopt(sd, level, name, &v, 2), EINVAL);
    int x;
    EXPECT_ERR(gopt(sd, level, name, &x, 2), EINVAL);
    assert_int_equal(get_int(sd, level, name), v);
}

/* v, its association id set to an unknown one: ENOENT on set and on get. */
static void expect_enoent(int sd, int name, void *v, socklen_t len)
{
    EXPECT_ERR(mpsctp_setsockopt(sd, IPPROTO_SCTP, name, v, len), ENOENT);
    EXPECT_ERR(gopt(sd, IPPROTO_SCTP, name, v, len), ENOENT);
}

static void connect_to(int sd, uint16_t port)
{
    struct sockaddr_in sa = ut_sin(port);
    assert_int_equal(mpsctp_connect(sd, (struct sockaddr *)&sa, sizeof(sa)), 0);
}

/* One-to-many server on b with SCTP_ASSOC_CHANGE on, one association from a one-to-one
 * client on a. */
typedef struct rig {
    mpsctp_stack *a, *b;
    int m, c;
    sctp_assoc_t id;
} rig;

static void rig_up(rig *r, uint16_t port)
{
    r->a = ut_stack(0);
    r->b = ut_stack(0);
    r->m = ut_listener(r->b, SOCK_SEQPACKET, port);
    ut_event(r->m, SCTP_ASSOC_CHANGE);
    r->c = ut_client(r->a, SOCK_STREAM, r->b);
    connect_to(r->c, port);
    r->id = ut_wait_up(r->m);
}

static void rig_down(rig *r)
{
    const int sds[] = {r->c, r->m};
    ut_down(r->a, r->b, sds, 2);
}

/* recvmsg with a 5 s poll and room for every cmsg; *sr and *have_sr from SCTP_SNDRCV. */
static ssize_t recv_sr(int sd, void *buf, size_t cap, struct sctp_sndrcvinfo *sr, int *have_sr,
                       int *flags)
{
    if (!(ut_poll(sd, POLLIN, 5000) & POLLIN))
        return -2;
    union {
        struct cmsghdr align;
        uint8_t b[512];
    } cbuf;
    struct iovec iov = {buf, cap};
    struct msghdr m = {.msg_iov = &iov,
                       .msg_iovlen = 1,
                       .msg_control = cbuf.b,
                       .msg_controllen = sizeof(cbuf.b)};
    ssize_t n = mpsctp_recvmsg(sd, &m, 0);
    *have_sr = 0;
    for (struct cmsghdr *c = CMSG_FIRSTHDR(&m); n >= 0 && c; c = CMSG_NXTHDR(&m, c))
        if (c->cmsg_level == IPPROTO_SCTP && c->cmsg_type == SCTP_SNDRCV) {
            assert_int_equal(c->cmsg_len, CMSG_LEN(sizeof(*sr)));
            memcpy(sr, CMSG_DATA(c), sizeof(*sr));
            *have_sr = 1;
        }
    if (flags)
        *flags = m.msg_flags;
    return n;
}

/* sendmsg of buf with one SCTP_SNDRCV cmsg of clen data bytes (sizeof: the whole *sr). */
static ssize_t send_sr(int sd, const void *buf, size_t len, const struct sctp_sndrcvinfo *sr,
                       size_t clen)
{
    union {
        struct cmsghdr align;
        uint8_t b[CMSG_SPACE(sizeof(struct sctp_sndrcvinfo))];
    } cbuf;
    memset(&cbuf, 0, sizeof(cbuf));
    struct iovec iov = {(void *)buf, len};
    struct msghdr m = {.msg_iov = &iov,
                       .msg_iovlen = 1,
                       .msg_control = cbuf.b,
                       .msg_controllen = CMSG_SPACE(clen)};
    struct cmsghdr *c = CMSG_FIRSTHDR(&m);
    c->cmsg_level = IPPROTO_SCTP;
    c->cmsg_type = SCTP_SNDRCV;
    c->cmsg_len = CMSG_LEN(clen);
    memcpy(CMSG_DATA(c), sr, clen);
    return mpsctp_sendmsg(sd, &m, 0);
}

static void set_events(int sd, int data_io, int assoc)
{
    struct sctp_event_subscribe ev;
    memset(&ev, 0, sizeof(ev));
    ev.sctp_data_io_event = (uint8_t)data_io;
    ev.sctp_association_event = (uint8_t)assoc;
    assert_int_equal(SOPT(sd, SCTP_EVENTS, ev), 0);
}

/* ---- layouts ------------------------------------------------------------------------ */

static const layout_entry layout_ours[] = {
#include "layout_fields.h"
};

/* Every structure size, field offset and constant of layout_fields.h is Linux's. */
static void test_layout(void **state)
{
    (void)state;
    size_t n = sizeof(layout_ours) / sizeof(layout_ours[0]);
    assert_int_equal(n, layout_linux_n);
    int bad = 0;
    for (size_t i = 0; i < n; i++)
        if (layout_ours[i].value != layout_linux[i].value) {
            print_error("%s: Linux %lld, mpsctp %lld\n", layout_ours[i].what,
                        layout_linux[i].value, layout_ours[i].value);
            bad++;
        }
    print_message("%zu sizes, offsets and constants compared\n", n);
    assert_int_equal(bad, 0);
}

/* ---- socket-wide values ---------------------------------------------------------------- */

static void test_socket_values(void **state)
{
    (void)state;
    rig r;
    rig_up(&r, 7601);
    int sds[] = {r.c, r.m};
    for (int i = 0; i < 2; i++) {
        check_int(sds[i], IPPROTO_SCTP, SCTP_DISABLE_FRAGMENTS, 0, 1);
        check_int(sds[i], IPPROTO_SCTP, SCTP_I_WANT_MAPPED_V4_ADDR, 1, 0);
        check_int(sds[i], IPPROTO_SCTP, SCTP_FRAGMENT_INTERLEAVE, 0, 1);
        check_int(sds[i], SOL_SOCKET, SO_REUSEADDR, 0, 1);
        check_int(sds[i], IPPROTO_IP, IP_TOS, 0, 0x10);
        assert_int_equal(get_int(sds[i], SOL_SOCKET, SO_DOMAIN), AF_INET);
        assert_int_equal(get_int(sds[i], SOL_SOCKET, SO_PROTOCOL), IPPROTO_SCTP);
        int v = 1;
        EXPECT_ERR(mpsctp_setsockopt(sds[i], SOL_SOCKET, SO_DOMAIN, &v, sizeof(v)),
                   ENOPROTOOPT);
        /* IPv6 options on an IPv4 socket */
        EXPECT_ERR(mpsctp_setsockopt(sds[i], IPPROTO_IPV6, IPV6_V6ONLY, &v, sizeof(v)),
                   ENOPROTOOPT);
        EXPECT_ERR(gopt(sds[i], IPPROTO_IPV6, IPV6_TCLASS, &v, sizeof(v)), ENOPROTOOPT);
    }
    assert_int_equal(get_int(r.m, SOL_SOCKET, SO_ACCEPTCONN), 1);
    assert_int_equal(get_int(r.c, SOL_SOCKET, SO_ACCEPTCONN), 0);
    /* SCTP_AUTOCLOSE: one-to-many only */
    check_int(r.m, IPPROTO_SCTP, SCTP_AUTOCLOSE, 0, 30);
    int v = 5, x;
    EXPECT_ERR(mpsctp_setsockopt(r.c, IPPROTO_SCTP, SCTP_AUTOCLOSE, &v, sizeof(v)), EOPNOTSUPP);
    EXPECT_ERR(gopt(r.c, IPPROTO_SCTP, SCTP_AUTOCLOSE, &x, sizeof(x)), EOPNOTSUPP);
    /* SCTP_GET_ASSOC_NUMBER: one-to-many only, read-only */
    uint32_t num = 0;
    assert_int_equal(gopt(r.m, IPPROTO_SCTP, SCTP_GET_ASSOC_NUMBER, &num, sizeof(num)), 0);
    assert_int_equal(num, 1);
    EXPECT_ERR(gopt(r.m, IPPROTO_SCTP, SCTP_GET_ASSOC_NUMBER, &num, 2), EINVAL);
    EXPECT_ERR(gopt(r.c, IPPROTO_SCTP, SCTP_GET_ASSOC_NUMBER, &num, sizeof(num)), EOPNOTSUPP);
    EXPECT_ERR(SOPT(r.m, SCTP_GET_ASSOC_NUMBER, num), ENOPROTOOPT);
    /* SCTP_ADAPTATION_LAYER */
    struct sctp_setadaptation ad = {0xabcdef};
    assert_int_equal(SOPT(r.m, SCTP_ADAPTATION_LAYER, ad), 0);
    ad.ssb_adaptation_ind = 0;
    assert_int_equal(gopt(r.m, IPPROTO_SCTP, SCTP_ADAPTATION_LAYER, &ad, sizeof(ad)), 0);
    assert_int_equal(ad.ssb_adaptation_ind, 0xabcdef);
    EXPECT_ERR(mpsctp_setsockopt(r.m, IPPROTO_SCTP, SCTP_ADAPTATION_LAYER, &ad, 2), EINVAL);
    EXPECT_ERR(gopt(r.m, IPPROTO_SCTP, SCTP_ADAPTATION_LAYER, &ad, 3), EINVAL);
    /* SCTP_PARTIAL_DELIVERY_POINT: not above SO_RCVBUF */
    uint32_t pd = 0xffff;
    assert_int_equal(gopt(r.c, IPPROTO_SCTP, SCTP_PARTIAL_DELIVERY_POINT, &pd, sizeof(pd)), 0);
    assert_int_equal(pd, 0);
    pd = 4096;
    assert_int_equal(SOPT(r.c, SCTP_PARTIAL_DELIVERY_POINT, pd), 0);
    pd = 0;
    assert_int_equal(gopt(r.c, IPPROTO_SCTP, SCTP_PARTIAL_DELIVERY_POINT, &pd, sizeof(pd)), 0);
    assert_int_equal(pd, 4096);
    pd = 0x7fffffff;
    EXPECT_ERR(SOPT(r.c, SCTP_PARTIAL_DELIVERY_POINT, pd), EINVAL);
    EXPECT_ERR(mpsctp_setsockopt(r.c, IPPROTO_SCTP, SCTP_PARTIAL_DELIVERY_POINT, &pd, 2),
               EINVAL);
    /* SCTP_SET_PEER_PRIMARY_ADDR needs ASCONF: EPERM; nothing to get */
    struct sctp_setpeerprim spp;
    memset(&spp, 0, sizeof(spp));
    spp.sspp_assoc_id = r.id;
    EXPECT_ERR(SOPT(r.m, SCTP_SET_PEER_PRIMARY_ADDR, spp), EPERM);
    EXPECT_ERR(gopt(r.m, IPPROTO_SCTP, SCTP_SET_PEER_PRIMARY_ADDR, &spp, sizeof(spp)),
               ENOPROTOOPT);
    rig_down(&r);
}

/* IPV6_V6ONLY (before bind only) and IPV6_TCLASS on an IPv6 socket. */
static void test_ipv6_values(void **state)
{
    (void)state;
    mpsctp_stack *st = ut_stack(0);
    int sd = mpsctp_socket_on(st, AF_INET6, SOCK_STREAM, IPPROTO_SCTP);
    assert_true(sd >= 0);
    check_int(sd, IPPROTO_IPV6, IPV6_V6ONLY, 0, 1);
    check_int(sd, IPPROTO_IPV6, IPV6_TCLASS, 0, 0x20);
    int v = 256;
    EXPECT_ERR(mpsctp_setsockopt(sd, IPPROTO_IPV6, IPV6_TCLASS, &v, sizeof(v)), EINVAL);
    v = -1; /* the default */
    assert_int_equal(mpsctp_setsockopt(sd, IPPROTO_IPV6, IPV6_TCLASS, &v, sizeof(v)), 0);
    assert_int_equal(get_int(sd, IPPROTO_IPV6, IPV6_TCLASS), 0);
    assert_int_equal(get_int(sd, SOL_SOCKET, SO_DOMAIN), AF_INET6);
    struct sockaddr_in6 a;
    memset(&a, 0, sizeof(a));
    a.sin6_family = AF_INET6;
    a.sin6_port = htons(7602);
    a.sin6_addr = in6addr_any;
    assert_int_equal(mpsctp_bind(sd, (struct sockaddr *)&a, sizeof(a)), 0);
    v = 0;
    EXPECT_ERR(mpsctp_setsockopt(sd, IPPROTO_IPV6, IPV6_V6ONLY, &v, sizeof(v)), EINVAL);
    assert_int_equal(get_int(sd, IPPROTO_IPV6, IPV6_V6ONLY), 1);
    mpsctp_close(sd);
    mpsctp_stack_free(st);
}

/* ---- per-association values ------------------------------------------------------------- */

/* SCTP_DEFAULT_SEND_PARAM: the default send parameters (those of SCTP_DEFAULT_SNDINFO)
 * with a time to live; what send() without info uses. */
static void test_default_send_param(void **state)
{
    (void)state;
    rig r;
    rig_up(&r, 7603);
    ut_set_int(r.m, IPPROTO_SCTP, SCTP_RECVRCVINFO, 1);
    struct sctp_sndrcvinfo sr;
    memset(&sr, 0, sizeof(sr));
    sr.sinfo_stream = 2;
    sr.sinfo_ppid = htonl(77);
    sr.sinfo_context = 5;
    sr.sinfo_timetolive = 1000;
    sr.sinfo_flags = SCTP_UNORDERED;
    assert_int_equal(SOPT(r.c, SCTP_DEFAULT_SEND_PARAM, sr), 0);
    struct sctp_sndrcvinfo g;
    memset(&g, 0, sizeof(g));
    assert_int_equal(gopt(r.c, IPPROTO_SCTP, SCTP_DEFAULT_SEND_PARAM, &g, sizeof(g)), 0);
    assert_int_equal(g.sinfo_stream, 2);
    assert_int_equal(g.sinfo_ppid, htonl(77));
    assert_int_equal(g.sinfo_context, 5);
    assert_int_equal(g.sinfo_timetolive, 1000);
    assert_int_equal(g.sinfo_flags, SCTP_UNORDERED);
    /* SCTP_DEFAULT_SNDINFO shares it */
    struct sctp_sndinfo si;
    memset(&si, 0, sizeof(si));
    assert_int_equal(gopt(r.c, IPPROTO_SCTP, SCTP_DEFAULT_SNDINFO, &si, sizeof(si)), 0);
    assert_int_equal(si.snd_sid, 2);
    assert_int_equal(mpsctp_send(r.c, "hello", 5, 0), 5);
    char buf[64];
    int fl;
    struct sctp_rcvinfo rcv;
    assert_int_equal(ut_recv(r.m, buf, sizeof(buf), &fl, &rcv), 5);
    assert_int_equal(rcv.rcv_sid, 2);
    assert_int_equal(rcv.rcv_ppid, htonl(77));
    assert_int_equal(rcv.rcv_flags & SCTP_UNORDERED, SCTP_UNORDERED);
    /* errors: short, flags Linux refuses here, unknown association */
    EXPECT_ERR(
        mpsctp_setsockopt(r.c, IPPROTO_SCTP, SCTP_DEFAULT_SEND_PARAM, &sr, sizeof(sr) - 1),
        EINVAL);
    EXPECT_ERR(gopt(r.c, IPPROTO_SCTP, SCTP_DEFAULT_SEND_PARAM, &g, sizeof(g) - 1), EINVAL);
    sr.sinfo_flags = SCTP_SENDALL;
    EXPECT_ERR(SOPT(r.c, SCTP_DEFAULT_SEND_PARAM, sr), EINVAL);
    sr.sinfo_flags = 0;
    sr.sinfo_assoc_id = r.id + 100;
    expect_enoent(r.m, SCTP_DEFAULT_SEND_PARAM, &sr, sizeof(sr));
    /* one-to-many: per association, and the default */
    sr.sinfo_assoc_id = r.id;
    sr.sinfo_timetolive = 9;
    assert_int_equal(SOPT(r.m, SCTP_DEFAULT_SEND_PARAM, sr), 0);
    g.sinfo_assoc_id = r.id;
    assert_int_equal(gopt(r.m, IPPROTO_SCTP, SCTP_DEFAULT_SEND_PARAM, &g, sizeof(g)), 0);
    assert_int_equal(g.sinfo_timetolive, 9);
    assert_int_equal(g.sinfo_assoc_id, r.id);
    g.sinfo_assoc_id = SCTP_FUTURE_ASSOC;
    assert_int_equal(gopt(r.m, IPPROTO_SCTP, SCTP_DEFAULT_SEND_PARAM, &g, sizeof(g)), 0);
    assert_int_equal(g.sinfo_timetolive, 0);
    rig_down(&r);
}

static void test_delayed_sack(void **state)
{
    (void)state;
    rig r;
    rig_up(&r, 7604);
    struct sctp_sack_info si = {SCTP_FUTURE_ASSOC, 0, 0};
    assert_int_equal(gopt(r.m, IPPROTO_SCTP, SCTP_DELAYED_SACK, &si, sizeof(si)), 0);
    assert_int_equal(si.sack_delay, 200);
    assert_int_equal(si.sack_freq, 2);
    /* the association: 100 ms, every third packet */
    si = (struct sctp_sack_info){r.id, 100, 3};
    assert_int_equal(SOPT(r.m, SCTP_DELAYED_SACK, si), 0);
    memset(&si, 0, sizeof(si));
    si.sack_assoc_id = r.id;
    assert_int_equal(gopt(r.m, IPPROTO_SCTP, SCTP_DELAYED_SACK, &si, sizeof(si)), 0);
    assert_int_equal(si.sack_delay, 100);
    assert_int_equal(si.sack_freq, 3);
    si.sack_assoc_id = SCTP_FUTURE_ASSOC; /* the default did not move */
    assert_int_equal(gopt(r.m, IPPROTO_SCTP, SCTP_DELAYED_SACK, &si, sizeof(si)), 0);
    assert_int_equal(si.sack_delay, 200);
    /* frequency 1: delayed SACKs off (delay 0, frequency 1), on every association */
    si = (struct sctp_sack_info){SCTP_ALL_ASSOC, 0, 1};
    assert_int_equal(SOPT(r.m, SCTP_DELAYED_SACK, si), 0);
    si.sack_assoc_id = r.id;
    assert_int_equal(gopt(r.m, IPPROTO_SCTP, SCTP_DELAYED_SACK, &si, sizeof(si)), 0);
    assert_int_equal(si.sack_delay, 0);
    assert_int_equal(si.sack_freq, 1);
    /* the older struct sctp_assoc_value form: a delay */
    struct sctp_assoc_value av = {r.id, 250};
    assert_int_equal(SOPT(r.m, SCTP_DELAYED_SACK, av), 0);
    av.assoc_value = 0;
    assert_int_equal(gopt(r.m, IPPROTO_SCTP, SCTP_DELAYED_SACK, &av, sizeof(av)), 0);
    assert_int_equal(av.assoc_value, 250);
    /* one-to-one: the socket's association */
    si = (struct sctp_sack_info){0, 40, 2};
    assert_int_equal(SOPT(r.c, SCTP_DELAYED_SACK, si), 0);
    memset(&si, 0, sizeof(si));
    assert_int_equal(gopt(r.c, IPPROTO_SCTP, SCTP_DELAYED_SACK, &si, sizeof(si)), 0);
    assert_int_equal(si.sack_delay, 40);
    /* errors */
    si = (struct sctp_sack_info){r.id, 501, 0};
    EXPECT_ERR(SOPT(r.m, SCTP_DELAYED_SACK, si), EINVAL);
    si.sack_delay = 10;
    EXPECT_ERR(mpsctp_setsockopt(r.m, IPPROTO_SCTP, SCTP_DELAYED_SACK, &si, 4), EINVAL);
    EXPECT_ERR(mpsctp_setsockopt(r.m, IPPROTO_SCTP, SCTP_DELAYED_SACK, &si, 10), EINVAL);
    EXPECT_ERR(gopt(r.m, IPPROTO_SCTP, SCTP_DELAYED_SACK, &si, 4), EINVAL);
    si.sack_assoc_id = r.id + 100;
    expect_enoent(r.m, SCTP_DELAYED_SACK, &si, sizeof(si));
    rig_down(&r);
}

static void test_max_burst(void **state)
{
    (void)state;
    rig r;
    rig_up(&r, 7605);
    /* the int form: the socket default */
    assert_int_equal(get_int(r.m, IPPROTO_SCTP, SCTP_MAX_BURST), 4);
    ut_set_int(r.m, IPPROTO_SCTP, SCTP_MAX_BURST, 8);
    assert_int_equal(get_int(r.m, IPPROTO_SCTP, SCTP_MAX_BURST), 8);
    struct sctp_assoc_value av = {r.id, 0};
    assert_int_equal(gopt(r.m, IPPROTO_SCTP, SCTP_MAX_BURST, &av, sizeof(av)), 0);
    assert_int_equal(av.assoc_value, 4); /* the association kept its own */
    av.assoc_value = 16;
    assert_int_equal(SOPT(r.m, SCTP_MAX_BURST, av), 0);
    av.assoc_value = 0;
    assert_int_equal(gopt(r.m, IPPROTO_SCTP, SCTP_MAX_BURST, &av, sizeof(av)), 0);
    assert_int_equal(av.assoc_value, 16);
    av = (struct sctp_assoc_value){SCTP_CURRENT_ASSOC, 2};
    assert_int_equal(SOPT(r.m, SCTP_MAX_BURST, av), 0);
    av.assoc_id = r.id;
    assert_int_equal(gopt(r.m, IPPROTO_SCTP, SCTP_MAX_BURST, &av, sizeof(av)), 0);
    assert_int_equal(av.assoc_value, 2);
    av = (struct sctp_assoc_value){r.id, 0}; /* Linux: no limit; here always one */
    EXPECT_ERR(SOPT(r.m, SCTP_MAX_BURST, av), EINVAL);
    EXPECT_ERR(mpsctp_setsockopt(r.m, IPPROTO_SCTP, SCTP_MAX_BURST, &av, 2), EINVAL);
    EXPECT_ERR(mpsctp_setsockopt(r.m, IPPROTO_SCTP, SCTP_MAX_BURST, &av, 6), EINVAL);
    EXPECT_ERR(gopt(r.m, IPPROTO_SCTP, SCTP_MAX_BURST, &av, 6), EINVAL);
    av = (struct sctp_assoc_value){r.id + 100, 3};
    expect_enoent(r.m, SCTP_MAX_BURST, &av, sizeof(av));
    /* data still flows after the changes */
    assert_int_equal(mpsctp_send(r.c, "x", 1, 0), 1);
    char b[8];
    assert_int_equal(ut_recv(r.m, b, sizeof(b), NULL, NULL), 1);
    rig_down(&r);
}

/* SCTP_CONTEXT: the rcv_context (SCTP_RCVINFO) and sinfo_context (SCTP_SNDRCV) of the
 * messages an association receives. */
static void test_context(void **state)
{
    (void)state;
    rig r;
    rig_up(&r, 7606);
    ut_set_int(r.m, IPPROTO_SCTP, SCTP_RECVRCVINFO, 1);
    struct sctp_assoc_value av = {r.id, 0};
    assert_int_equal(gopt(r.m, IPPROTO_SCTP, SCTP_CONTEXT, &av, sizeof(av)), 0);
    assert_int_equal(av.assoc_value, 0);
    av.assoc_value = 0x5151;
    assert_int_equal(SOPT(r.m, SCTP_CONTEXT, av), 0);
    av = (struct sctp_assoc_value){SCTP_FUTURE_ASSOC, 0x7777};
    assert_int_equal(SOPT(r.m, SCTP_CONTEXT, av), 0);
    av = (struct sctp_assoc_value){r.id, 0};
    assert_int_equal(gopt(r.m, IPPROTO_SCTP, SCTP_CONTEXT, &av, sizeof(av)), 0);
    assert_int_equal(av.assoc_value, 0x5151);
    assert_int_equal(mpsctp_send(r.c, "abc", 3, 0), 3);
    char b[8];
    struct sctp_rcvinfo rcv;
    assert_int_equal(ut_recv(r.m, b, sizeof(b), NULL, &rcv), 3);
    assert_int_equal(rcv.rcv_context, 0x5151);
    /* the SCTP_SNDRCV of the same kind of message carries it too */
    set_events(r.m, 1, 1);
    assert_int_equal(mpsctp_send(r.c, "defg", 4, 0), 4);
    struct sctp_sndrcvinfo sr;
    int have;
    assert_int_equal(recv_sr(r.m, b, sizeof(b), &sr, &have, NULL), 4);
    assert_true(have);
    assert_int_equal(sr.sinfo_context, 0x5151);
    /* errors */
    EXPECT_ERR(mpsctp_setsockopt(r.m, IPPROTO_SCTP, SCTP_CONTEXT, &av, 4), EINVAL);
    EXPECT_ERR(gopt(r.m, IPPROTO_SCTP, SCTP_CONTEXT, &av, 7), EINVAL);
    av.assoc_id = r.id + 100;
    expect_enoent(r.m, SCTP_CONTEXT, &av, sizeof(av));
    rig_down(&r);
}

static void test_assoc_stats(void **state)
{
    (void)state;
    rig r;
    rig_up(&r, 7607);
    assert_int_equal(mpsctp_send(r.c, "abc", 3, 0), 3);
    char b[8];
    assert_int_equal(ut_recv(r.m, b, sizeof(b), NULL, NULL), 3);
    struct sctp_assoc_stats st;
    memset(&st, 0, sizeof(st));
    st.sas_assoc_id = r.id;
    socklen_t l = sizeof(st);
    assert_int_equal(mpsctp_getsockopt(r.m, IPPROTO_SCTP, SCTP_GET_ASSOC_STATS, &st, &l), 0);
    assert_int_equal(l, sizeof(st));
    print_message("packets in %llu out %llu, DATA chunks in %llu, max RTO %llu ms\n",
                  (unsigned long long)st.sas_ipackets, (unsigned long long)st.sas_opackets,
                  (unsigned long long)st.sas_iodchunks, (unsigned long long)st.sas_maxrto);
    assert_true(st.sas_ipackets >= 1 && st.sas_opackets >= 1); /* DATA in, SACK out */
    assert_true(st.sas_iodchunks >= 1);
    assert_true(st.sas_maxrto > 0);
    /* a prefix: what fits */
    l = 16;
    assert_int_equal(mpsctp_getsockopt(r.m, IPPROTO_SCTP, SCTP_GET_ASSOC_STATS, &st, &l), 0);
    assert_int_equal(l, 16);
    l = 2;
    EXPECT_ERR(mpsctp_getsockopt(r.m, IPPROTO_SCTP, SCTP_GET_ASSOC_STATS, &st, &l), EINVAL);
    st.sas_assoc_id = r.id + 100;
    l = sizeof(st);
    EXPECT_ERR(mpsctp_getsockopt(r.m, IPPROTO_SCTP, SCTP_GET_ASSOC_STATS, &st, &l), ENOENT);
    st.sas_assoc_id = SCTP_FUTURE_ASSOC;
    EXPECT_ERR(mpsctp_getsockopt(r.m, IPPROTO_SCTP, SCTP_GET_ASSOC_STATS, &st, &l), EINVAL);
    EXPECT_ERR(SOPT(r.m, SCTP_GET_ASSOC_STATS, st), ENOPROTOOPT);
    rig_down(&r);
}

/* SCTP_DISABLE_FRAGMENTS: a message above the fragmentation point is EMSGSIZE. */
static void test_disable_fragments(void **state)
{
    (void)state;
    rig r;
    rig_up(&r, 7608);
    static char big[4000];
    ut_set_int(r.c, IPPROTO_SCTP, SCTP_DISABLE_FRAGMENTS, 1);
    EXPECT_ERR(mpsctp_send(r.c, big, sizeof(big), 0), EMSGSIZE);
    assert_int_equal(mpsctp_send(r.c, big, 1000, 0), 1000);
    ut_set_int(r.c, IPPROTO_SCTP, SCTP_DISABLE_FRAGMENTS, 0);
    assert_int_equal(mpsctp_send(r.c, big, sizeof(big), 0), (ssize_t)sizeof(big));
    static char in[8192];
    assert_int_equal(ut_recv(r.m, in, sizeof(in), NULL, NULL), 1000);
    assert_int_equal(ut_recv(r.m, in, sizeof(in), NULL, NULL), (ssize_t)sizeof(big));
    rig_down(&r);
}

/* ---- SCTP_SNDRCV cmsg and SCTP_EVENTS --------------------------------------------------- */

/* Sent with SCTP_SNDRCV, received with SCTP_SNDRCV (the sctp_data_io_event on): stream,
 * ppid, flags, the association; none without sctp_data_io_event; bad cmsgs refused. */
static void test_sndrcv_cmsg(void **state)
{
    (void)state;
    rig r;
    rig_up(&r, 7609);
    set_events(r.m, 1, 1);
    struct sctp_sndrcvinfo sr, in;
    memset(&sr, 0, sizeof(sr));
    sr.sinfo_stream = 3;
    sr.sinfo_ppid = htonl(0x01020304);
    sr.sinfo_flags = SCTP_UNORDERED;
    assert_int_equal(send_sr(r.c, "one", 3, &sr, sizeof(sr)), 3);
    char b[64];
    int have, fl;
    assert_int_equal(recv_sr(r.m, b, sizeof(b), &in, &have, &fl), 3);
    assert_true(have);
    assert_true(fl & MSG_EOR);
    assert_int_equal(in.sinfo_stream, 3);
    assert_int_equal(in.sinfo_ppid, htonl(0x01020304));
    assert_int_equal(in.sinfo_flags & SCTP_UNORDERED, SCTP_UNORDERED);
    assert_int_equal(in.sinfo_assoc_id, r.id);
    assert_int_equal(in.sinfo_timetolive, 0);
    /* ordered, with a time to live and the PR-SCTP TTL policy (sent reliably) */
    sr.sinfo_flags = SCTP_PR_SCTP_TTL;
    sr.sinfo_timetolive = 10;
    sr.sinfo_stream = 4;
    sr.sinfo_ppid = htonl(9);
    assert_int_equal(send_sr(r.c, "two!", 4, &sr, sizeof(sr)), 4);
    assert_int_equal(recv_sr(r.m, b, sizeof(b), &in, &have, NULL), 4);
    assert_true(have);
    assert_int_equal(in.sinfo_stream, 4);
    assert_int_equal(in.sinfo_ppid, htonl(9));
    assert_int_equal(in.sinfo_flags & SCTP_UNORDERED, 0);
    uint16_t ssn = in.sinfo_ssn;
    assert_int_equal(send_sr(r.c, "2b", 2, &sr, sizeof(sr)), 2);
    assert_int_equal(recv_sr(r.m, b, sizeof(b), &in, &have, NULL), 2);
    assert_int_equal(in.sinfo_ssn, (uint16_t)(ssn + 1));
    /* sctp_data_io_event off: no SCTP_SNDRCV */
    set_events(r.m, 0, 1);
    assert_int_equal(send_sr(r.c, "three", 5, &sr, sizeof(sr)), 5);
    assert_int_equal(recv_sr(r.m, b, sizeof(b), &in, &have, NULL), 5);
    assert_false(have);
    /* with SCTP_RCVINFO as well, both come */
    set_events(r.m, 1, 1);
    ut_set_int(r.m, IPPROTO_SCTP, SCTP_RECVRCVINFO, 1);
    assert_int_equal(send_sr(r.c, "four", 4, &sr, sizeof(sr)), 4);
    struct sctp_rcvinfo rcv;
    assert_int_equal(ut_recv(r.m, b, sizeof(b), NULL, &rcv), 4);
    assert_int_equal(rcv.rcv_sid, 4);
    /* errors: a short cmsg, flags Linux refuses */
    EXPECT_ERR(send_sr(r.c, "x", 1, &sr, sizeof(sr) - 4), EINVAL);
    sr.sinfo_flags = 0x8000;
    EXPECT_ERR(send_sr(r.c, "x", 1, &sr, sizeof(sr)), EINVAL);
    /* a bad stream */
    sr.sinfo_flags = 0;
    sr.sinfo_stream = 1000;
    EXPECT_ERR(send_sr(r.c, "x", 1, &sr, sizeof(sr)), EINVAL);
    /* one-to-many: sinfo_assoc_id picks the association */
    sr.sinfo_stream = 1;
    sr.sinfo_assoc_id = r.id;
    assert_int_equal(send_sr(r.m, "back", 4, &sr, sizeof(sr)), 4);
    assert_int_equal(ut_recv(r.c, b, sizeof(b), NULL, NULL), 4);
    sr.sinfo_assoc_id = r.id + 100;
    EXPECT_ERR(send_sr(r.m, "back", 4, &sr, sizeof(sr)), ENOENT);
    rig_down(&r);
}

/* SCTP_EVENTS: prefixes leave the rest, association events on and off, the
 * sctp_data_io_event is SCTP_EVENT's SCTP_DATA_IO_EVENT. */
static void test_events(void **state)
{
    (void)state;
    mpsctp_stack *a = ut_stack(0), *b = ut_stack(0);
    int m = ut_listener(b, SOCK_SEQPACKET, 7610);
    struct sctp_event_subscribe ev;
    memset(&ev, 0xff, sizeof(ev));
    assert_int_equal(gopt(m, IPPROTO_SCTP, SCTP_EVENTS, &ev, sizeof(ev)), 0);
    for (size_t i = 0; i < sizeof(ev); i++)
        assert_int_equal(((uint8_t *)&ev)[i], 0);
    set_events(m, 1, 1);
    /* a one-byte prefix: data io off, association events stay */
    uint8_t off = 0;
    assert_int_equal(mpsctp_setsockopt(m, IPPROTO_SCTP, SCTP_EVENTS, &off, 1), 0);
    memset(&ev, 0, sizeof(ev));
    socklen_t l = sizeof(ev);
    assert_int_equal(mpsctp_getsockopt(m, IPPROTO_SCTP, SCTP_EVENTS, &ev, &l), 0);
    assert_int_equal(l, sizeof(ev));
    assert_int_equal(ev.sctp_data_io_event, 0);
    assert_int_equal(ev.sctp_association_event, 1);
    /* SCTP_EVENT with SCTP_DATA_IO_EVENT: the same bit */
    struct sctp_event e1 = {SCTP_FUTURE_ASSOC, SCTP_DATA_IO_EVENT, 1};
    assert_int_equal(SOPT(m, SCTP_EVENT, e1), 0);
    uint8_t two[2] = {0, 0};
    l = 2;
    assert_int_equal(mpsctp_getsockopt(m, IPPROTO_SCTP, SCTP_EVENTS, two, &l), 0);
    assert_int_equal(l, 2);
    assert_int_equal(two[0], 1);
    assert_int_equal(two[1], 1);
    e1.se_on = 0;
    assert_int_equal(gopt(m, IPPROTO_SCTP, SCTP_EVENT, &e1, sizeof(e1)), 0);
    assert_int_equal(e1.se_on, 1);
    /* lengths: longer than the structure, get of nothing */
    uint8_t big[sizeof(ev) + 4];
    memset(big, 0, sizeof(big));
    EXPECT_ERR(mpsctp_setsockopt(m, IPPROTO_SCTP, SCTP_EVENTS, big, sizeof(big)), EINVAL);
    l = sizeof(big);
    assert_int_equal(mpsctp_getsockopt(m, IPPROTO_SCTP, SCTP_EVENTS, big, &l), 0);
    assert_int_equal(l, sizeof(ev));
    l = 0;
    EXPECT_ERR(mpsctp_getsockopt(m, IPPROTO_SCTP, SCTP_EVENTS, big, &l), EINVAL);
    /* association events on: COMM_UP comes, and the data with SCTP_SNDRCV */
    int c = ut_client(a, SOCK_STREAM, b);
    connect_to(c, 7610);
    char buf[256];
    struct sctp_sndrcvinfo sr;
    int have, fl;
    ssize_t n = recv_sr(m, buf, sizeof(buf), &sr, &have, &fl);
    assert_true(n > 0 && (fl & MSG_NOTIFICATION));
    assert_false(have); /* no SCTP_SNDRCV on notifications */
    assert_int_equal(((struct sctp_assoc_change *)buf)->sac_type, SCTP_ASSOC_CHANGE);
    assert_int_equal(mpsctp_send(c, "d1", 2, 0), 2);
    assert_int_equal(recv_sr(m, buf, sizeof(buf), &sr, &have, &fl), 2);
    assert_false(fl & MSG_NOTIFICATION);
    assert_true(have);
    /* association events off for the socket and its associations: the next association
     * comes up silently, its first data is the first thing read */
    set_events(m, 1, 0);
    int c2 = ut_client(a, SOCK_STREAM, b);
    connect_to(c2, 7610);
    assert_int_equal(mpsctp_send(c2, "d2", 2, 0), 2);
    assert_int_equal(recv_sr(m, buf, sizeof(buf), &sr, &have, &fl), 2);
    assert_false(fl & MSG_NOTIFICATION);
    assert_true(have && sr.sinfo_assoc_id > SCTP_ALL_ASSOC);
    /* the client closes: no SCTP_ASSOC_CHANGE on the server either */
    mpsctp_close(c2);
    assert_int_equal(mpsctp_send(c, "d3", 2, 0), 2);
    assert_int_equal(recv_sr(m, buf, sizeof(buf), &sr, &have, &fl), 2);
    assert_false(fl & MSG_NOTIFICATION);
    const int sds[] = {c, m};
    ut_down(a, b, sds, 2);
}

/* ---- libsctp's calls as socket options --------------------------------------------------- */

/* sctp_bindx (SCTP_SOCKOPT_BINDX_ADD/REM) and sctp_getladdrs (SCTP_GET_LOCAL_ADDRS). */
static void test_bindx_option(void **state)
{
    (void)state;
    mpsctp_stack *st = ut_mh_stack(NULL, NULL); /* 0.0.0.0: 127.0.0.2 may be bound too */
    int sd = mpsctp_socket_on(st, AF_INET, SOCK_SEQPACKET, IPPROTO_SCTP);
    assert_true(sd >= 0);
    struct sockaddr_in a = ut_sin(7611);
    assert_int_equal(mpsctp_setsockopt(sd, IPPROTO_SCTP, SCTP_SOCKOPT_BINDX_ADD, &a, sizeof(a)),
                     0);
    /* the local addresses: Linux sets optlen to the addresses' bytes */
    uint8_t buf[256];
    struct sctp_getaddrs h = {SCTP_FUTURE_ASSOC, 0};
    memcpy(buf, &h, sizeof(h));
    socklen_t l = sizeof(buf);
    assert_int_equal(mpsctp_getsockopt(sd, IPPROTO_SCTP, SCTP_GET_LOCAL_ADDRS, buf, &l), 0);
    memcpy(&h, buf, sizeof(h));
    assert_int_equal(h.addr_num, 1);
    assert_int_equal(l, sizeof(struct sockaddr_in));
    struct sockaddr_in got;
    memcpy(&got, buf + sizeof(h), sizeof(got));
    assert_int_equal(got.sin_family, AF_INET);
    assert_int_equal(ntohs(got.sin_port), 7611);
    assert_int_equal(ntohl(got.sin_addr.s_addr), INADDR_LOOPBACK);
    /* no room for the address: ENOMEM (libsctp grows its buffer); below the header:
     * EINVAL */
    l = sizeof(h);
    EXPECT_ERR(mpsctp_getsockopt(sd, IPPROTO_SCTP, SCTP_GET_LOCAL_ADDRS, buf, &l), ENOMEM);
    l = 4;
    EXPECT_ERR(mpsctp_getsockopt(sd, IPPROTO_SCTP, SCTP_GET_LOCAL_ADDRS, buf, &l), EINVAL);
    /* removing the last address: EINVAL; a cut address or unknown family: EINVAL */
    EXPECT_ERR(mpsctp_setsockopt(sd, IPPROTO_SCTP, SCTP_SOCKOPT_BINDX_REM, &a, sizeof(a)),
               EINVAL);
    EXPECT_ERR(mpsctp_setsockopt(sd, IPPROTO_SCTP, SCTP_SOCKOPT_BINDX_ADD, &a, sizeof(a) - 1),
               EINVAL);
    struct sockaddr_in bad = a;
    bad.sin_family = AF_UNIX;
    EXPECT_ERR(mpsctp_setsockopt(sd, IPPROTO_SCTP, SCTP_SOCKOPT_BINDX_ADD, &bad, sizeof(bad)),
               EINVAL);
    EXPECT_ERR(mpsctp_setsockopt(sd, IPPROTO_SCTP, SCTP_SOCKOPT_BINDX_ADD, &a, 0), EINVAL);
    l = sizeof(a);
    EXPECT_ERR(mpsctp_getsockopt(sd, IPPROTO_SCTP, SCTP_SOCKOPT_BINDX_ADD, &a, &l),
               ENOPROTOOPT);
    /* a second address, unaligned in the buffer, then removed */
    uint8_t packed[1 + 2 * sizeof(struct sockaddr_in)];
    struct sockaddr_in a2 = ut_sin4(0x7f000002u, 7611);
    memcpy(packed + 1, &a2, sizeof(a2));
    assert_int_equal(
        mpsctp_setsockopt(sd, IPPROTO_SCTP, SCTP_SOCKOPT_BINDX_ADD, packed + 1, sizeof(a2)), 0);
    l = sizeof(buf);
    h.assoc_id = 0;
    memcpy(buf, &h, sizeof(h));
    assert_int_equal(mpsctp_getsockopt(sd, IPPROTO_SCTP, SCTP_GET_LOCAL_ADDRS, buf, &l), 0);
    memcpy(&h, buf, sizeof(h));
    assert_int_equal(h.addr_num, 2);
    assert_int_equal(
        mpsctp_setsockopt(sd, IPPROTO_SCTP, SCTP_SOCKOPT_BINDX_REM, packed + 1, sizeof(a2)), 0);
    /* an unknown association of a one-to-many socket */
    h.assoc_id = 4242;
    memcpy(buf, &h, sizeof(h));
    l = sizeof(buf);
    EXPECT_ERR(mpsctp_getsockopt(sd, IPPROTO_SCTP, SCTP_GET_LOCAL_ADDRS, buf, &l), EINVAL);
    mpsctp_close(sd);
    mpsctp_stack_free(st);
}

/* sctp_connectx: SCTP_SOCKOPT_CONNECTX returns the id, SCTP_SOCKOPT_CONNECTX3 puts it in
 * the buffer (also on EINPROGRESS), SCTP_SOCKOPT_CONNECTX_OLD returns 0; sctp_getpaddrs
 * (SCTP_GET_PEER_ADDRS). */
static void test_connectx_getpaddrs(void **state)
{
    (void)state;
    mpsctp_stack *a = ut_stack(0), *b = ut_stack(0);
    int ls = ut_listener(b, SOCK_SEQPACKET, 7612);
    struct sockaddr_in sa = ut_sin(7612);
    /* 110 on a one-to-many client */
    int m = ut_client(a, SOCK_SEQPACKET, b);
    int id = mpsctp_setsockopt(m, IPPROTO_SCTP, SCTP_SOCKOPT_CONNECTX, &sa, sizeof(sa));
    assert_true(id > SCTP_ALL_ASSOC);
    uint8_t buf[256];
    struct sctp_getaddrs h = {id, 0};
    memcpy(buf, &h, sizeof(h));
    socklen_t l = sizeof(buf);
    assert_int_equal(mpsctp_getsockopt(m, IPPROTO_SCTP, SCTP_GET_PEER_ADDRS, buf, &l), 0);
    memcpy(&h, buf, sizeof(h));
    assert_int_equal(h.addr_num, 1);
    assert_int_equal(l, sizeof(h) + sizeof(struct sockaddr_in));
    struct sockaddr_in got;
    memcpy(&got, buf + sizeof(h), sizeof(got));
    assert_int_equal(ntohs(got.sin_port), 7612);
    assert_int_equal(ntohl(got.sin_addr.s_addr), INADDR_LOOPBACK);
    /* too small for the address: ENOMEM; for the header: EINVAL; no such association:
     * EINVAL (Linux) */
    h.assoc_id = id;
    memcpy(buf, &h, sizeof(h));
    l = sizeof(h) + 4;
    EXPECT_ERR(mpsctp_getsockopt(m, IPPROTO_SCTP, SCTP_GET_PEER_ADDRS, buf, &l), ENOMEM);
    l = sizeof(h) - 1;
    EXPECT_ERR(mpsctp_getsockopt(m, IPPROTO_SCTP, SCTP_GET_PEER_ADDRS, buf, &l), EINVAL);
    h.assoc_id = id + 100;
    memcpy(buf, &h, sizeof(h));
    l = sizeof(buf);
    EXPECT_ERR(mpsctp_getsockopt(m, IPPROTO_SCTP, SCTP_GET_PEER_ADDRS, buf, &l), EINVAL);
    /* the same peer again: EISCONN, as a second connectx */
    EXPECT_ERR(mpsctp_setsockopt(m, IPPROTO_SCTP, SCTP_SOCKOPT_CONNECTX, &sa, sizeof(sa)),
               EISCONN);
    EXPECT_ERR(mpsctp_setsockopt(m, IPPROTO_SCTP, SCTP_SOCKOPT_CONNECTX, &sa, 3), EINVAL);
    /* 111 on a one-to-one client, non-blocking: EINPROGRESS with the id */
    int c = ut_client(a, SOCK_STREAM, b);
    assert_int_equal(fcntl(c, F_SETFL, O_NONBLOCK), 0);
    struct sctp_getaddrs_old p = {0, (int)sizeof(sa), (struct sockaddr *)&sa};
    l = sizeof(p);
    EXPECT_ERR(mpsctp_getsockopt(c, IPPROTO_SCTP, SCTP_SOCKOPT_CONNECTX3, &p, &l), EINPROGRESS);
    assert_int_equal(l, sizeof(sctp_assoc_t));
    assert_true(p.assoc_id > SCTP_ALL_ASSOC);
    assert_true(ut_poll(c, POLLOUT, 5000) & POLLOUT);
    int err = -1;
    l = sizeof(err);
    assert_int_equal(mpsctp_getsockopt(c, SOL_SOCKET, SO_ERROR, &err, &l), 0);
    assert_int_equal(err, 0);
    l = sizeof(p) - 1;
    EXPECT_ERR(mpsctp_getsockopt(c, IPPROTO_SCTP, SCTP_SOCKOPT_CONNECTX3, &p, &l), EINVAL);
    /* 107 on a blocking one-to-one client: 0, connected */
    int c2 = ut_client(a, SOCK_STREAM, b);
    assert_int_equal(
        mpsctp_setsockopt(c2, IPPROTO_SCTP, SCTP_SOCKOPT_CONNECTX_OLD, &sa, sizeof(sa)), 0);
    assert_int_equal(mpsctp_send(c2, "hi", 2, 0), 2);
    /* one-to-one: the id is ignored */
    h.assoc_id = 4242;
    memcpy(buf, &h, sizeof(h));
    l = sizeof(buf);
    assert_int_equal(mpsctp_getsockopt(c2, IPPROTO_SCTP, SCTP_GET_PEER_ADDRS, buf, &l), 0);
    const int sds[] = {m, c, c2, ls};
    ut_down(a, b, sds, 4);
}

/* sctp_peeloff (SCTP_SOCKOPT_PEELOFF) and sctp_peeloff_flags (SOCK_NONBLOCK). */
static void test_peeloff_option(void **state)
{
    (void)state;
    rig r;
    rig_up(&r, 7613);
    int c2 = ut_client(r.a, SOCK_STREAM, r.b);
    connect_to(c2, 7613);
    sctp_assoc_t id2 = ut_wait_up(r.m);
    sctp_peeloff_arg_t p = {r.id, -1};
    socklen_t l = sizeof(p);
    assert_int_equal(mpsctp_getsockopt(r.m, IPPROTO_SCTP, SCTP_SOCKOPT_PEELOFF, &p, &l), 0);
    int fd = p.sd;
    assert_true(fd >= 0);
    assert_int_equal(l, sizeof(p));
    assert_int_equal(get_int(fd, SOL_SOCKET, SO_TYPE), SOCK_STREAM);
    assert_int_equal(mpsctp_send(r.c, "peeled", 6, 0), 6);
    char b[16];
    assert_int_equal(ut_recv(fd, b, sizeof(b), NULL, NULL), 6);
    assert_int_equal(mpsctp_send(fd, "back", 4, 0), 4);
    assert_int_equal(ut_recv(r.c, b, sizeof(b), NULL, NULL), 4);
    /* the same id again, an unknown one, a short buffer */
    l = sizeof(p);
    EXPECT_ERR(mpsctp_getsockopt(r.m, IPPROTO_SCTP, SCTP_SOCKOPT_PEELOFF, &p, &l), ENOENT);
    l = sizeof(p) - 1;
    EXPECT_ERR(mpsctp_getsockopt(r.m, IPPROTO_SCTP, SCTP_SOCKOPT_PEELOFF, &p, &l), EINVAL);
    EXPECT_ERR(mpsctp_setsockopt(r.m, IPPROTO_SCTP, SCTP_SOCKOPT_PEELOFF, &p, sizeof(p)),
               ENOPROTOOPT);
    /* with SOCK_NONBLOCK */
    sctp_peeloff_flags_arg_t pf = {{id2, -1}, SOCK_NONBLOCK | SOCK_CLOEXEC};
    l = sizeof(pf);
    assert_int_equal(mpsctp_getsockopt(r.m, IPPROTO_SCTP, SCTP_SOCKOPT_PEELOFF_FLAGS, &pf, &l),
                     0);
    int fd2 = pf.p_arg.sd;
    assert_true(fd2 >= 0);
    assert_true(fcntl(fd2, F_GETFL) & O_NONBLOCK);
    EXPECT_ERR(mpsctp_recv(fd2, b, sizeof(b), 0), EAGAIN);
    /* a one-to-one socket has nothing to peel off */
    p.associd = 0;
    l = sizeof(p);
    EXPECT_ERR(mpsctp_getsockopt(r.c, IPPROTO_SCTP, SCTP_SOCKOPT_PEELOFF, &p, &l), EINVAL);
    mpsctp_close(fd);
    mpsctp_close(fd2);
    mpsctp_close(c2);
    rig_down(&r);
}

/* ---- mpsctp_sctp_sendmsg / mpsctp_sctp_send / mpsctp_sctp_recvmsg ------------------------ */

static void test_sctp_calls(void **state)
{
    (void)state;
    rig r;
    rig_up(&r, 7614);
    set_events(r.m, 1, 1);
    /* sctp_sendmsg: stream, ppid, flags */
    assert_int_equal(
        mpsctp_sctp_sendmsg(r.c, "hello", 5, NULL, 0, htonl(42), SCTP_UNORDERED, 5, 0, 7), 5);
    char b[64];
    struct sockaddr_in from;
    socklen_t fl = sizeof(from);
    struct sctp_sndrcvinfo si;
    int flags = 0;
    assert_true(ut_poll(r.m, POLLIN, 5000) & POLLIN);
    assert_int_equal(
        mpsctp_sctp_recvmsg(r.m, b, sizeof(b), (struct sockaddr *)&from, &fl, &si, &flags), 5);
    assert_true(flags & MSG_EOR);
    assert_int_equal(fl, sizeof(from));
    assert_int_equal(ntohl(from.sin_addr.s_addr), INADDR_LOOPBACK);
    assert_int_equal(si.sinfo_stream, 5);
    assert_int_equal(si.sinfo_ppid, htonl(42));
    assert_int_equal(si.sinfo_flags & SCTP_UNORDERED, SCTP_UNORDERED);
    assert_int_equal(si.sinfo_assoc_id, r.id);
    /* sctp_send on the one-to-many side: sinfo_assoc_id picks the association */
    struct sctp_sndrcvinfo so;
    memset(&so, 0, sizeof(so));
    so.sinfo_assoc_id = r.id;
    so.sinfo_stream = 6;
    so.sinfo_ppid = htonl(43);
    assert_int_equal(mpsctp_sctp_send(r.m, "reply", 5, &so, 0), 5);
    set_events(r.c, 1, 0);
    assert_true(ut_poll(r.c, POLLIN, 5000) & POLLIN);
    memset(&si, 0, sizeof(si));
    assert_int_equal(mpsctp_sctp_recvmsg(r.c, b, sizeof(b), NULL, NULL, &si, NULL), 5);
    assert_int_equal(si.sinfo_stream, 6);
    assert_int_equal(si.sinfo_ppid, htonl(43));
    assert_true(si.sinfo_assoc_id > SCTP_ALL_ASSOC);
    /* without the sctp_data_io_event: sinfo_assoc_id 0 */
    set_events(r.m, 0, 1);
    assert_int_equal(mpsctp_sctp_send(r.c, "plain", 5, NULL, 0), 5);
    assert_true(ut_poll(r.m, POLLIN, 5000) & POLLIN);
    si.sinfo_assoc_id = 99;
    assert_int_equal(mpsctp_sctp_recvmsg(r.m, b, sizeof(b), NULL, NULL, &si, NULL), 5);
    assert_int_equal(si.sinfo_assoc_id, 0);
    /* non-blocking through *msg_flags, and errors as recvmsg */
    flags = MSG_DONTWAIT;
    EXPECT_ERR(mpsctp_sctp_recvmsg(r.m, b, sizeof(b), NULL, NULL, &si, &flags), EAGAIN);
    EXPECT_ERR(mpsctp_sctp_sendmsg(r.c, "x", 1, NULL, 0, 0, 0, 1000, 0, 0), EINVAL);
    EXPECT_ERR(mpsctp_sctp_send(-1, "x", 1, NULL, 0), EBADF);
    /* sctp_send with SCTP_ABORT and no data, as netperfmeter ends a flow */
    so.sinfo_flags = SCTP_ABORT;
    assert_int_equal(mpsctp_sctp_send(r.m, NULL, 0, &so, 0), 0);
    assert_true(ut_poll(r.c, POLLIN, 5000) & POLLIN);
    EXPECT_ERR(mpsctp_recv(r.c, b, sizeof(b), 0), ECONNRESET);
    rig_down(&r);
}

/* A send with an address on a one-to-one socket that never had an association sets one
 * up (Linux; sctp_darn -t): blocking, the call returns once it is up; non-blocking at
 * once, the message waiting for it. */
static void test_stream_send_connects(void **state)
{
    (void)state;
    mpsctp_stack *a = ut_stack(0), *b = ut_stack(0);
    int ls = ut_listener(b, SOCK_STREAM, 7615);
    struct sockaddr_in sa = ut_sin(7615);
    for (int nb = 0; nb <= 1; nb++) {
        int c = ut_client(a, SOCK_STREAM, b);
        if (nb)
            assert_int_equal(fcntl(c, F_SETFL, O_NONBLOCK), 0);
        assert_int_equal(mpsctp_sctp_sendmsg(c, "first", 5, (struct sockaddr *)&sa, sizeof(sa),
                                             0, 0, 1, 0, 0),
                         5);
        struct sctp_status st;
        memset(&st, 0, sizeof(st));
        assert_int_equal(gopt(c, IPPROTO_SCTP, SCTP_STATUS, &st, sizeof(st)), 0);
        if (!nb)
            assert_int_equal(st.sstat_state, SCTP_ESTABLISHED);
        assert_true(ut_poll(ls, POLLIN, 5000) & POLLIN);
        int s2 = mpsctp_accept(ls, NULL, NULL);
        assert_true(s2 >= 0);
        char b2[16];
        struct sctp_rcvinfo rcv;
        ut_set_int(s2, IPPROTO_SCTP, SCTP_RECVRCVINFO, 1);
        assert_int_equal(ut_recv(s2, b2, sizeof(b2), NULL, &rcv), 5);
        assert_int_equal(rcv.rcv_sid, 1);
        /* now connected: more sends without an address, and connect is EISCONN */
        assert_true(ut_poll(c, POLLOUT, 5000) & POLLOUT);
        assert_int_equal(mpsctp_send(c, "more", 4, 0), 4);
        assert_int_equal(ut_recv(s2, b2, sizeof(b2), NULL, NULL), 4);
        EXPECT_ERR(mpsctp_connect(c, (struct sockaddr *)&sa, sizeof(sa)), EISCONN);
        mpsctp_close(s2);
        mpsctp_close(c);
    }
    /* a listener does not connect by sending */
    EXPECT_ERR(
        mpsctp_sctp_sendmsg(ls, "x", 1, (struct sockaddr *)&sa, sizeof(sa), 0, 0, 0, 0, 0),
        ENOTCONN);
    const int sds[] = {ls};
    ut_down(a, b, sds, 1);
}

/* An address as the test expects it: IPv4-mapped in an AF_INET6 sockaddr, or plain. */
static void expect_loopback(const void *sa, int mapped)
{
    struct sockaddr_storage ss;
    memset(&ss, 0, sizeof(ss));
    memcpy(&ss, sa, mapped ? sizeof(struct sockaddr_in6) : sizeof(struct sockaddr_in));
    if (mapped) {
        const struct sockaddr_in6 *s6 = (const struct sockaddr_in6 *)&ss;
        assert_int_equal(s6->sin6_family, AF_INET6);
        assert_true(IN6_IS_ADDR_V4MAPPED(&s6->sin6_addr));
        uint32_t v4;
        memcpy(&v4, &s6->sin6_addr.s6_addr[12], 4);
        assert_int_equal(ntohl(v4), INADDR_LOOPBACK);
    } else {
        const struct sockaddr_in *s4 = (const struct sockaddr_in *)&ss;
        assert_int_equal(s4->sin_family, AF_INET);
        assert_int_equal(ntohl(s4->sin_addr.s_addr), INADDR_LOOPBACK);
    }
}

/* SCTP_I_WANT_MAPPED_V4_ADDR: on by default (Linux), an AF_INET6 socket reports IPv4
 * peers as IPv4-mapped IPv6 addresses (accept, getpeername, getpaddrs, SCTP_STATUS,
 * SCTP_PRIMARY_ADDR) and takes them back; off, as AF_INET. */
static void test_mapped_v4(void **state)
{
    (void)state;
    mpsctp_stack *a = ut_stack(0), *b = ut_stack(0);
    for (int mapped = 1; mapped >= 0; mapped--) {
        uint16_t port = (uint16_t)(7616 + mapped);
        int ls = mpsctp_socket_on(b, AF_INET6, SOCK_STREAM, IPPROTO_SCTP);
        assert_true(ls >= 0);
        assert_int_equal(get_int(ls, IPPROTO_SCTP, SCTP_I_WANT_MAPPED_V4_ADDR), 1);
        ut_set_int(ls, IPPROTO_SCTP, SCTP_I_WANT_MAPPED_V4_ADDR, mapped);
        struct sockaddr_in6 any;
        memset(&any, 0, sizeof(any));
        any.sin6_family = AF_INET6;
        any.sin6_port = htons(port);
        assert_int_equal(mpsctp_bind(ls, (struct sockaddr *)&any, sizeof(any)), 0);
        assert_int_equal(mpsctp_listen(ls, 4), 0);
        int c = ut_client(a, SOCK_STREAM, b);
        connect_to(c, port);
        struct sockaddr_storage peer;
        socklen_t pl = sizeof(peer);
        int s2 = mpsctp_accept(ls, (struct sockaddr *)&peer, &pl);
        assert_true(s2 >= 0);
        assert_int_equal(pl, mapped ? sizeof(struct sockaddr_in6) : sizeof(struct sockaddr_in));
        expect_loopback(&peer, mapped);
        pl = sizeof(peer);
        assert_int_equal(mpsctp_getpeername(s2, (struct sockaddr *)&peer, &pl), 0);
        expect_loopback(&peer, mapped);
        struct sockaddr *pa = NULL;
        assert_int_equal(mpsctp_getpaddrs(s2, 0, &pa), 1);
        expect_loopback(pa, mapped);
        mpsctp_freepaddrs(pa);
        struct sctp_status st;
        memset(&st, 0, sizeof(st));
        assert_int_equal(gopt(s2, IPPROTO_SCTP, SCTP_STATUS, &st, sizeof(st)), 0);
        expect_loopback(&st.sstat_primary.spinfo_address, mapped);
        struct sctp_prim prim;
        memset(&prim, 0, sizeof(prim));
        assert_int_equal(gopt(s2, IPPROTO_SCTP, SCTP_PRIMARY_ADDR, &prim, sizeof(prim)), 0);
        expect_loopback(&prim.ssp_addr, mapped);
        /* the address goes back in as it came out */
        assert_int_equal(SOPT(s2, SCTP_PRIMARY_ADDR, prim), 0);
        /* the client's own socket is AF_INET: never mapped */
        pl = sizeof(peer);
        assert_int_equal(mpsctp_getpeername(c, (struct sockaddr *)&peer, &pl), 0);
        expect_loopback(&peer, 0);
        const int sds[] = {c, s2, ls};
        for (int i = 0; i < 3; i++)
            mpsctp_close(sds[i]);
    }
    ut_down(a, b, NULL, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_layout),
        cmocka_unit_test(test_socket_values),
        cmocka_unit_test(test_ipv6_values),
        cmocka_unit_test(test_default_send_param),
        cmocka_unit_test(test_delayed_sack),
        cmocka_unit_test(test_max_burst),
        cmocka_unit_test(test_context),
        cmocka_unit_test(test_assoc_stats),
        cmocka_unit_test(test_disable_fragments),
        cmocka_unit_test(test_sndrcv_cmsg),
        cmocka_unit_test(test_events),
        cmocka_unit_test(test_bindx_option),
        cmocka_unit_test(test_connectx_getpaddrs),
        cmocka_unit_test(test_peeloff_option),
        cmocka_unit_test(test_sctp_calls),
        cmocka_unit_test(test_stream_send_connects),
        cmocka_unit_test(test_mapped_v4),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
