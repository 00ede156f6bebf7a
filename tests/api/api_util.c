#include "api_util.h"

#include <stdio.h>

mpsctp_stack *ut_stack(int no_thread)
{
    mpsctp_stack_config cfg;
    memset(&cfg, 0, sizeof(cfg));
    cfg.udp_port = MPSCTP_UDP_PORT_ANY;
    cfg.naddrs = 1;
    struct sockaddr_in *a = (struct sockaddr_in *)&cfg.addrs[0];
    a->sin_family = AF_INET;
    a->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
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
