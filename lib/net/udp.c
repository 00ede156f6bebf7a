/* UDP encapsulation sockets (RFC 6951): opening them, and moving batches of SCTP packets
 * through them with as few system calls as Linux allows.
 *
 * Send: the packets of a flush that go from one socket to one peer address and have the
 * same size (the last one may be shorter) leave as one UDP GSO train (UDP_SEGMENT): one
 * message that the kernel cuts into the same datagrams that single sends would give.
 * The trains of a flush go out in one sendmmsg per socket.
 * Receive: recvmmsg fills a batch of slots; with UDP_GRO on, the kernel may hand over
 * several datagrams of one sender in a slot (the segment size in a control message), which
 * are split here again. Datagrams on the wire are the same either way: GSO and GRO only
 * batch the work between this process and the kernel.
 *
 * Copies: a sent packet is built by the core in its out slot (the one copy of the
 * payload out of the send queue) and copied once more by the kernel; a received packet
 * is copied by the kernel into its slot and parsed there. */
#define _GNU_SOURCE
#include <errno.h>
#include <netinet/in.h>
#include <netinet/udp.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "net.h"

#ifndef UDP_SEGMENT
#define UDP_SEGMENT 103
#endif
#ifndef UDP_GRO
#define UDP_GRO 104
#endif

/* Largest train: the kernel takes at most 64 segments and one IP datagram's worth of
 * payload (64 KiB less the headers) per GSO send. */
#define GSO_MAX_SEGS 64
#define GSO_MAX_BYTES 65000

int net_addr_is_any(const mpsctp_addr *a)
{
    static const uint8_t zero[16];
    return memcmp(a->ip, zero, a->family == MPSCTP_AF_INET ? 4 : 16) == 0;
}

/* A UDP socket of family a->family bound to (a, port) with the options the stack needs;
 * -1 with errno. */
static int udp_socket(const mpsctp_addr *a, uint16_t port, int offload)
{
    int fam = a->family == MPSCTP_AF_INET6 ? AF_INET6 : AF_INET;
    int fd = socket(fam, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return -1;
    int one = 1, big = 4 << 20;
    if (fam == AF_INET6) {
        setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
        setsockopt(fd, IPPROTO_IPV6, IPV6_RECVPKTINFO, &one, sizeof(one));
    } else {
        setsockopt(fd, IPPROTO_IP, IP_PKTINFO, &one, sizeof(one));
    }
    setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &big, sizeof(big));
    setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &big, sizeof(big));
    struct sockaddr_storage ss;
    socklen_t sl;
    net_to_sockaddr(a, port, &ss, &sl);
    if (bind(fd, (struct sockaddr *)&ss, sl) < 0) {
        int e = errno;
        close(fd);
        errno = e;
        return -1;
    }
    /* GSO needs nothing on the socket; GRO is asked for. A kernel without them refuses
     * the option or the first train, and the stack sends one datagram per slot. */
    if (offload)
        setsockopt(fd, IPPROTO_UDP, UDP_GRO, &one, sizeof(one));
    return fd;
}

int net_udp_open(mpsctp_stack *st, const mpsctp_addr *a, uint16_t port)
{
    int fd = udp_socket(a, port, !st->no_offload);
    if (fd < 0)
        return -1;
    int fam = a->family == MPSCTP_AF_INET6 ? AF_INET6 : AF_INET;
    int i = st->nudp++;
    st->udp[i].fd = fd;
    st->udp[i].family = fam;
    st->udp[i].addr = *a;
    st->udp[i].gso = !st->no_offload;
    if (!st->port) {
        struct sockaddr_storage ss;
        socklen_t sl = sizeof(ss);
        getsockname(fd, (struct sockaddr *)&ss, &sl);
        st->port = fam == AF_INET6 ? ntohs(((struct sockaddr_in6 *)&ss)->sin6_port)
                                   : ntohs(((struct sockaddr_in *)&ss)->sin_port);
    }
    struct epoll_event ev = {.events = EPOLLIN, .data.u32 = (uint32_t)i};
    epoll_ctl(st->epfd, EPOLL_CTL_ADD, fd, &ev);
    return 0;
}

int net_udp_move(mpsctp_stack *st, uint16_t port)
{
    if (st->port == port)
        return 0;
    int fds[NET_MAX_UDP];
    for (int i = 0; i < st->nudp; i++) {
        fds[i] = udp_socket(&st->udp[i].addr, port, !st->no_offload);
        if (fds[i] < 0) {
            int e = errno;
            while (i-- > 0)
                close(fds[i]);
            errno = e;
            return -1;
        }
    }
    /* The I/O thread may be in epoll_wait: it finds the new sockets in the table when it
     * takes the lock, and a closed socket leaves the epoll set by itself. */
    for (int i = 0; i < st->nudp; i++) {
        struct epoll_event ev = {.events = EPOLLIN, .data.u32 = (uint32_t)i};
        epoll_ctl(st->epfd, EPOLL_CTL_ADD, fds[i], &ev);
        close(st->udp[i].fd);
        st->udp[i].fd = fds[i];
    }
    st->port = port;
    return 0;
}

/* The UDP socket for a packet from local to remote: the one bound to local, else a
 * wildcard one of the family. -1 when there is none. */
static int udp_pick(mpsctp_stack *st, const mpsctp_addr *local, const mpsctp_addr *remote)
{
    int fam = remote->family == MPSCTP_AF_INET6 ? AF_INET6 : AF_INET, any = -1;
    for (int i = 0; i < st->nudp; i++) {
        if (st->udp[i].family != fam)
            continue;
        if (local->family == remote->family && !net_addr_is_any(&st->udp[i].addr) &&
            memcmp(st->udp[i].addr.ip, local->ip, 16) == 0)
            return i;
        if (any < 0 || net_addr_is_any(&st->udp[i].addr))
            any = any < 0 || !net_addr_is_any(&st->udp[any].addr) ? i : any;
    }
    return any;
}

static int same_addr(const mpsctp_addr *a, const mpsctp_addr *b)
{
    return a->family == b->family && a->udp_port == b->udp_port &&
           memcmp(a->ip, b->ip, a->family == MPSCTP_AF_INET ? 4 : 16) == 0;
}

/* Control data of one message: the source address (IP_PKTINFO / IPV6_PKTINFO, for a
 * wildcard socket that must send from a given address) and the GSO segment size. */
typedef union {
    char b[CMSG_SPACE(sizeof(struct in6_pktinfo)) + CMSG_SPACE(sizeof(uint16_t))];
    struct cmsghdr align;
} tx_cmsg;

/* Adds the source address to m's control data when the socket needs it. */
static void add_pktinfo(struct msghdr *m, const mpsctp_addr *l, const mpsctp_addr *r,
                        const mpsctp_addr *bound)
{
    if (l->family != r->family || net_addr_is_any(l) || !net_addr_is_any(bound))
        return;
    struct cmsghdr *c = (struct cmsghdr *)((char *)m->msg_control + m->msg_controllen);
    if (r->family == MPSCTP_AF_INET) {
        struct in_pktinfo pi;
        memset(&pi, 0, sizeof(pi));
        memcpy(&pi.ipi_spec_dst, l->ip, 4);
        c->cmsg_level = IPPROTO_IP;
        c->cmsg_type = IP_PKTINFO;
        c->cmsg_len = CMSG_LEN(sizeof(pi));
        memcpy(CMSG_DATA(c), &pi, sizeof(pi));
        m->msg_controllen += CMSG_SPACE(sizeof(pi));
    } else {
        struct in6_pktinfo pi;
        memset(&pi, 0, sizeof(pi));
        memcpy(&pi.ipi6_addr, l->ip, 16);
        c->cmsg_level = IPPROTO_IPV6;
        c->cmsg_type = IPV6_PKTINFO;
        c->cmsg_len = CMSG_LEN(sizeof(pi));
        memcpy(CMSG_DATA(c), &pi, sizeof(pi));
        m->msg_controllen += CMSG_SPACE(sizeof(pi));
    }
}

static void add_segment(struct msghdr *m, uint16_t seg)
{
    struct cmsghdr *c = (struct cmsghdr *)((char *)m->msg_control + m->msg_controllen);
    c->cmsg_level = IPPROTO_UDP;
    c->cmsg_type = UDP_SEGMENT;
    c->cmsg_len = CMSG_LEN(sizeof(seg));
    memcpy(CMSG_DATA(c), &seg, sizeof(seg));
    m->msg_controllen += CMSG_SPACE(sizeof(seg));
}

/* A train the kernel refused: its datagrams one by one, with the source address only
 * (pktlen: the control data before the segment size). */
static void send_split(mpsctp_stack *st, int fd, struct msghdr *m, size_t pktlen)
{
    struct msghdr one = *m;
    one.msg_controllen = pktlen;
    if (!pktlen)
        one.msg_control = NULL;
    for (size_t k = 0; k < m->msg_iovlen; k++) {
        one.msg_iov = &m->msg_iov[k];
        one.msg_iovlen = 1;
        ssize_t r;
        do {
            r = sendmsg(fd, &one, MSG_DONTWAIT);
        } while (r < 0 && errno == EINTR);
        if (r < 0)
            st->stats.udp_out_errors++;
        else
            st->stats.udp_out++;
    }
    st->stats.udp_out_calls += m->msg_iovlen;
}

/* Whether socket u may send trains now. */
static int gso_on(const mpsctp_stack *st, int u, mpsctp_tstamp now)
{
    return st->udp[u].gso && st->udp[u].gso_pause <= now;
}

/* How far back a packet looks for a train of its path to join: packets of different
 * paths alternate in a flush (CMT spreads them), those of one path stay in order. */
#define TRAIN_LOOKBACK 8

/* One message of a flush: a packet, or a GSO train of packets of one path. */
typedef struct tx_msg {
    int u;                        /* UDP socket */
    const mpsctp_addr *l, *r;     /* the path */
    uint16_t seg;                 /* size of the first packet: every segment's but the last */
    uint16_t count;
    size_t bytes, last;           /* all packets, the last one's size */
    int next;                     /* next packet of the message, in flush order (-1) */
    int tail;                     /* its last packet */
} tx_msg;

void net_udp_send(mpsctp_stack *st)
{
    mpsctp_tstamp now = net_now();
    tx_msg msg[NET_TX_BATCH];
    int link[NET_TX_BATCH]; /* next packet of the same message */
    int n = 0;
    for (int i = 0; i < st->nout; i++) {
        mpsctp_addr *l = &st->out[i].local, *r = &st->out[i].remote;
        size_t len = st->out[i].len;
        link[i] = -1;
        /* The newest message of the same path takes the packet as one more segment when
         * its segments so far all have the size of the first and this one is no larger. */
        int k = n - 1;
        while (k >= 0 && k >= n - TRAIN_LOOKBACK &&
               !(same_addr(msg[k].r, r) && same_addr(msg[k].l, l)))
            k--;
        if (k >= 0 && k >= n - TRAIN_LOOKBACK && gso_on(st, msg[k].u, now) &&
            msg[k].last == msg[k].seg && len <= msg[k].seg && msg[k].count < GSO_MAX_SEGS &&
            msg[k].bytes + len <= GSO_MAX_BYTES) {
            link[msg[k].tail] = i;
            msg[k].tail = i;
            msg[k].count++;
            msg[k].bytes += len;
            msg[k].last = len;
            continue;
        }
        int u = udp_pick(st, l, r);
        if (u < 0 || r->udp_port == 0) {
            st->stats.udp_out_errors++;
            continue;
        }
        msg[n] = (tx_msg){.u = u, .l = l, .r = r, .seg = (uint16_t)len, .count = 1,
                          .bytes = len, .last = len, .next = i, .tail = i};
        n++;
    }
    st->nout = 0;
    if (!n)
        return;
    /* The messages socket by socket (one sendmmsg each), each one's packets in order in
     * the iovec array. */
    struct mmsghdr mm[NET_TX_BATCH];
    struct iovec iov[NET_TX_BATCH];
    struct sockaddr_storage dst[NET_TX_BATCH];
    tx_cmsg cm[NET_TX_BATCH];
    size_t pktlen[NET_TX_BATCH]; /* control bytes before the segment size */
    int fds[NET_TX_BATCH], us[NET_TX_BATCH];
    int m = 0, v = 0;
    for (int u = 0; u < st->nudp; u++) {
        for (int k = 0; k < n; k++) {
            if (msg[k].u != u)
                continue;
            memset(&mm[m], 0, sizeof(mm[m]));
            struct msghdr *h = &mm[m].msg_hdr;
            socklen_t dl;
            net_to_sockaddr(msg[k].r, msg[k].r->udp_port, &dst[m], &dl);
            h->msg_name = &dst[m];
            h->msg_namelen = dl;
            h->msg_iov = &iov[v];
            for (int i = msg[k].next; i >= 0; i = link[i]) {
                iov[v].iov_base = st->out[i].buf;
                iov[v].iov_len = st->out[i].len;
                v++;
            }
            h->msg_iovlen = msg[k].count;
            h->msg_control = cm[m].b;
            add_pktinfo(h, msg[k].l, msg[k].r, &st->udp[u].addr);
            pktlen[m] = h->msg_controllen;
            if (msg[k].count > 1)
                add_segment(h, msg[k].seg);
            if (!h->msg_controllen)
                h->msg_control = NULL;
            fds[m] = st->udp[u].fd;
            us[m] = u;
            m++;
        }
    }
    int i = 0;
    while (i < m) {
        int j = i + 1;
        while (j < m && fds[j] == fds[i])
            j++;
        int tries = 0;
        while (i < j) {
            int r = sendmmsg(fds[i], &mm[i], (unsigned)(j - i), MSG_DONTWAIT);
            st->stats.udp_out_calls++;
            if (r > 0) {
                for (int k = i; k < i + r; k++) {
                    size_t segs = mm[k].msg_hdr.msg_iovlen;
                    st->stats.udp_out += segs;
                    if (segs > 1) {
                        st->stats.gso_trains++;
                        st->stats.gso_datagrams += segs;
                    }
                }
                i += r;
                tries = 0;
                continue;
            }
            if (r < 0 && errno == EINTR)
                continue;
            if (r < 0 && (errno == EAGAIN || errno == ENOBUFS) && tries++ < 3) {
                struct pollfd p = {.fd = fds[i], .events = POLLOUT};
                poll(&p, 1, 5);
                continue;
            }
            if (r < 0 && mm[i].msg_hdr.msg_iovlen > 1) {
                /* EIO: the device cannot offload (the socket sends singly from now on);
                 * EINVAL, EMSGSIZE: the train does not fit the path (a datagram above
                 * its MTU): no trains on this socket for a second. */
                if (errno == EIO)
                    st->udp[us[i]].gso = 0;
                st->udp[us[i]].gso_pause = net_now() + MPSCTP_NS_PER_SEC;
                st->stats.gso_refused++;
                send_split(st, fds[i], &mm[i].msg_hdr, pktlen[i]);
            } else {
                /* Unsendable (no route, refused...): the core retransmits if it matters. */
                st->stats.udp_out_errors++;
            }
            i++;
            tries = 0;
        }
    }
}

/* The local address a datagram came to (IP_PKTINFO / IPV6_PKTINFO) and its GRO segment
 * size (0: one datagram). */
static void rx_cmsgs(struct msghdr *m, mpsctp_addr *local, size_t *gro)
{
    *gro = 0;
    for (struct cmsghdr *c = CMSG_FIRSTHDR(m); c; c = CMSG_NXTHDR(m, c)) {
        if (c->cmsg_level == IPPROTO_IP && c->cmsg_type == IP_PKTINFO) {
            struct in_pktinfo pi;
            memcpy(&pi, CMSG_DATA(c), sizeof(pi));
            local->family = MPSCTP_AF_INET;
            memcpy(local->ip, &pi.ipi_addr, 4);
        } else if (c->cmsg_level == IPPROTO_IPV6 && c->cmsg_type == IPV6_PKTINFO) {
            struct in6_pktinfo pi;
            memcpy(&pi, CMSG_DATA(c), sizeof(pi));
            local->family = MPSCTP_AF_INET6;
            memcpy(local->ip, &pi.ipi6_addr, 16);
        } else if (c->cmsg_level == IPPROTO_UDP && c->cmsg_type == UDP_GRO) {
            int g;
            memcpy(&g, CMSG_DATA(c), sizeof(g));
            *gro = g > 0 ? (size_t)g : 0;
        }
    }
}

int net_udp_recv(mpsctp_stack *st, int u, mpsctp_tstamp now)
{
    struct mmsghdr mm[NET_RX_BATCH];
    struct iovec iov[NET_RX_BATCH];
    struct sockaddr_storage src[NET_RX_BATCH];
    union {
        char b[CMSG_SPACE(sizeof(struct in6_pktinfo)) + CMSG_SPACE(sizeof(int)) + 64];
        struct cmsghdr align;
    } cm[NET_RX_BATCH];
    for (int i = 0; i < NET_RX_BATCH; i++) {
        iov[i].iov_base = st->rxbuf + (size_t)i * NET_RX_STRIDE;
        iov[i].iov_len = NET_RX_SLOT;
        memset(&mm[i], 0, sizeof(mm[i]));
        mm[i].msg_hdr.msg_name = &src[i];
        mm[i].msg_hdr.msg_namelen = sizeof(src[i]);
        mm[i].msg_hdr.msg_iov = &iov[i];
        mm[i].msg_hdr.msg_iovlen = 1;
        mm[i].msg_hdr.msg_control = cm[i].b;
        mm[i].msg_hdr.msg_controllen = sizeof(cm[i].b);
    }
    int n = recvmmsg(st->udp[u].fd, mm, NET_RX_BATCH, MSG_DONTWAIT, NULL);
    if (n <= 0)
        return 0;
    st->stats.udp_in_calls++;
    for (int i = 0; i < n; i++) {
        mpsctp_addr local = st->udp[u].addr, remote;
        uint16_t rport = 0;
        if (net_from_sockaddr((struct sockaddr *)&src[i], mm[i].msg_hdr.msg_namelen, &remote,
                              &rport))
            continue;
        remote.udp_port = rport;
        size_t gro;
        rx_cmsgs(&mm[i].msg_hdr, &local, &gro);
        local.udp_port = st->port;
        const uint8_t *p = st->rxbuf + (size_t)i * NET_RX_STRIDE;
        size_t len = mm[i].msg_len;
        if (gro && gro < len)
            st->stats.gro_trains++;
        else
            gro = len;
        /* One datagram per segment of a coalesced train (the last may be shorter); an
         * empty datagram is passed on too (and counted as too short). */
        size_t off = 0;
        do {
            size_t k = len - off < gro ? len - off : gro;
            net_input(st, p + off, k, &local, &remote, now);
            off += k;
        } while (off < len);
    }
    return n;
}
