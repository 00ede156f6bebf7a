/* Sockets: the descriptor registry and the RFC 6458 calls (bind, listen, accept,
 * connect, sendv/recvv, sendmsg/recvmsg, shutdown, close, getpaddrs/getladdrs,
 * peeloff). */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "net.h"

/* ---- registry: descriptor -> socket ------------------------------------------------ */

static pthread_mutex_t g_reg = PTHREAD_MUTEX_INITIALIZER;
static net_sock **g_socks;
static int g_cap;

/* After fork(): the child has none of the parent's threads, so the sockets it inherited
 * are only descriptors there. Their map moves here; mpsctp_close in the child closes such
 * a descriptor and nothing else, other calls on it fail with EBADF, and new sockets of the
 * child work as in any process. */
static net_sock **g_inherited;
static int g_inherited_cap;
static pthread_once_t g_fork_once = PTHREAD_ONCE_INIT;

static void reg_fork_prepare(void)
{
    net_default_fork(0);
    pthread_mutex_lock(&g_reg);
}

static void reg_fork_parent(void)
{
    pthread_mutex_unlock(&g_reg);
    net_default_fork(1);
}

static void reg_fork_child(void)
{
    if (!g_inherited) { /* the first fork: later ones inherit the same map */
        g_inherited = g_socks;
        g_inherited_cap = g_cap;
        g_socks = NULL;
        g_cap = 0;
    }
    pthread_mutex_unlock(&g_reg);
    net_default_fork(2);
}

static void reg_fork_init(void)
{
    pthread_atfork(reg_fork_prepare, reg_fork_parent, reg_fork_child);
}

int net_reg_close_inherited(int sd)
{
    int found = 0;
    pthread_mutex_lock(&g_reg);
    if (sd >= 0 && sd < g_inherited_cap && g_inherited[sd]) {
        g_inherited[sd] = NULL;
        found = 1;
    }
    pthread_mutex_unlock(&g_reg);
    return found ? net_fd_close(sd) : -1;
}

/* Maps fd to s. A live socket that the registry still maps fd to has lost its descriptor:
 * the application closed it with close() and the kernel gave the number to s. That one is
 * marked fd_lost (its number is never used again) and returned in *lost. */
static int reg_put(int fd, net_sock *s, net_sock **lost)
{
    *lost = NULL;
    pthread_once(&g_fork_once, reg_fork_init);
    pthread_mutex_lock(&g_reg);
    if (fd >= g_cap) {
        int ncap = g_cap ? g_cap : 64;
        while (ncap <= fd)
            ncap *= 2;
        net_sock **n = realloc(g_socks, (size_t)ncap * sizeof(*n));
        if (!n) {
            pthread_mutex_unlock(&g_reg);
            return -1;
        }
        memset(n + g_cap, 0, (size_t)(ncap - g_cap) * sizeof(*n));
        g_socks = n;
        g_cap = ncap;
    }
    if (g_socks[fd]) {
        g_socks[fd]->fd_lost = 1;
        *lost = g_socks[fd];
    }
    g_socks[fd] = s;
    pthread_mutex_unlock(&g_reg);
    return 0;
}

net_sock *net_reg_take(int sd)
{
    net_sock *s = NULL;
    pthread_mutex_lock(&g_reg);
    if (sd >= 0 && sd < g_cap && g_socks[sd]) {
        s = g_socks[sd];
        g_socks[sd] = NULL;
        s->refs++;
    }
    pthread_mutex_unlock(&g_reg);
    return s;
}

void net_reg_drop(net_sock *s)
{
    pthread_mutex_lock(&g_reg);
    if (s->nfds > 1) {
        for (int i = 0; i < g_cap; i++)
            if (g_socks[i] == s)
                g_socks[i] = NULL;
    } else if (s->fd >= 0 && s->fd < g_cap && g_socks[s->fd] == s) {
        g_socks[s->fd] = NULL;
    }
    s->nfds = 1;
    pthread_mutex_unlock(&g_reg);
}

int net_reg_unalias(net_sock *s, int sd)
{
    int alias = 0;
    pthread_mutex_lock(&g_reg);
    if (s->nfds > 1) {
        s->nfds--;
        alias = 1;
        /* The socket's own descriptor goes: another of its numbers takes its place. */
        for (int i = 0; sd == s->fd && i < g_cap; i++)
            if (g_socks[i] == s)
                s->fd = i;
    }
    pthread_mutex_unlock(&g_reg);
    return alias;
}

int net_fd_close(int fd)
{
    return (int)syscall(SYS_close, fd);
}

int net_fd_fcntl(int fd, int cmd, long arg)
{
    return (int)syscall(SYS_fcntl, fd, cmd, arg);
}

ssize_t net_fd_recv(int fd, void *buf, size_t len)
{
    return syscall(SYS_recvfrom, fd, buf, len, MSG_DONTWAIT, NULL, NULL);
}

ssize_t net_fd_send(int fd, const void *buf, size_t len)
{
    return syscall(SYS_sendto, fd, buf, len, MSG_DONTWAIT | MSG_NOSIGNAL, NULL, 0);
}

void net_sock_hold(net_sock *s)
{
    pthread_mutex_lock(&g_reg);
    s->refs++;
    pthread_mutex_unlock(&g_reg);
}

/* Whether descriptor fd is still the file (device, inode) recorded for it. */
static int fd_is(int fd, dev_t dev, ino_t ino)
{
    struct stat sb;
    return fstat(fd, &sb) == 0 && sb.st_dev == dev && sb.st_ino == ino;
}

int net_sock_fd_ours(net_sock *s)
{
    if (!s->fd_lost && !fd_is(s->fd, s->fd_dev, s->fd_ino))
        s->fd_lost = 1; /* closed behind our back: the number may be someone else's now */
    return !s->fd_lost;
}

/* Looks sd up and takes a reference; then locks the stack. NULL (EBADF) when unknown. */
static net_sock *sock_enter(int sd)
{
    net_sock *s = NULL;
    pthread_mutex_lock(&g_reg);
    if (sd >= 0 && sd < g_cap && g_socks[sd]) {
        s = g_socks[sd];
        s->refs++;
    }
    pthread_mutex_unlock(&g_reg);
    if (!s) {
        errno = EBADF;
        return NULL;
    }
    pthread_mutex_lock(&s->st->lock);
    return s;
}

void net_sock_free(net_sock *s)
{
    mpsctp_stack *st = s->st;
    for (net_sock **pp = &st->socks; *pp; pp = &(*pp)->next)
        if (*pp == s) {
            *pp = s->next;
            break;
        }
    rq_item *it;
    while ((it = net_rq_pop(s)) != NULL)
        free(it);
    /* Never close a descriptor that is no longer ours (the application closed it and the
     * number went to another file). */
    if (net_sock_fd_ours(s))
        net_fd_close(s->fd);
    if (fd_is(s->peer, s->peer_dev, s->peer_ino))
        net_fd_close(s->peer);
    net_ep *e = s->ep;
    free(s);
    if (e)
        net_ep_put(e);
}

void net_sock_release(net_sock *s)
{
    pthread_mutex_lock(&g_reg);
    int r = --s->refs;
    pthread_mutex_unlock(&g_reg);
    if (r == 0 && s->closing)
        net_sock_free(s);
}

static void sock_leave(net_sock *s)
{
    mpsctp_stack *st = s->st;
    net_sock_release(s);
    pthread_mutex_unlock(&st->lock);
}

static int sock_fail(net_sock *s, int e)
{
    sock_leave(s);
    errno = e;
    return -1;
}

net_sock *net_sock_new(mpsctp_stack *st, int family, int type)
{
    int sv[2];
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
        return NULL;
    int small = 1; /* the kernel rounds up to its minimum */
    setsockopt(sv[0], SOL_SOCKET, SO_SNDBUF, &small, sizeof(small));
    net_sock *s = calloc(1, sizeof(*s)), *lost = NULL;
    struct stat fs, ps;
    if (!s || fstat(sv[0], &fs) < 0 || fstat(sv[1], &ps) < 0 || reg_put(sv[0], s, &lost) < 0) {
        free(s);
        net_fd_close(sv[0]);
        net_fd_close(sv[1]);
        errno = ENOMEM;
        return NULL;
    }
    s->fd_dev = fs.st_dev;
    s->fd_ino = fs.st_ino;
    s->peer_dev = ps.st_dev;
    s->peer_ino = ps.st_ino;
    if (lost && lost->st == st)
        st->lost = 1; /* closed at the next API call: net_close_lost */
    s->st = st;
    s->fd = sv[0];
    s->nfds = 1;
    s->peer = sv[1];
    s->family = family;
    s->type = type;
    s->wr_on = 1;
    net_sock_opts_default(&s->o, st->mtu);
    s->next = st->socks;
    st->socks = s;
    return s;
}

static int sock_nonblock(const net_sock *s, int flags)
{
    if (flags & MSG_DONTWAIT)
        return 1;
    int fl = net_fd_fcntl(s->fd, F_GETFL, 0);
    return fl >= 0 && (fl & O_NONBLOCK);
}

int mpsctp_socket_on(mpsctp_stack *st, int domain, int type, int protocol)
{
    if (!st) {
        errno = EINVAL;
        return -1;
    }
    if (domain != AF_INET && domain != AF_INET6) {
        errno = EAFNOSUPPORT;
        return -1;
    }
    int flags = type & (SOCK_NONBLOCK | SOCK_CLOEXEC);
    type &= ~(SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (type != SOCK_STREAM && type != SOCK_SEQPACKET) {
        errno = ESOCKTNOSUPPORT;
        return -1;
    }
    if (protocol != 0 && protocol != IPPROTO_SCTP) {
        errno = EPROTONOSUPPORT;
        return -1;
    }
    pthread_mutex_lock(&st->lock);
    net_sock *s = net_sock_new(st, domain, type);
    int fd = s ? s->fd : -1;
    if (s)
        net_sock_ready(s);
    net_close_lost(st);
    pthread_mutex_unlock(&st->lock);
    if (fd >= 0 && (flags & SOCK_NONBLOCK))
        net_fd_fcntl(fd, F_SETFL, net_fd_fcntl(fd, F_GETFL, 0) | O_NONBLOCK);
    return fd;
}

int mpsctp_socket(int domain, int type, int protocol)
{
    mpsctp_stack *st = mpsctp_default_stack();
    if (!st)
        return -1;
    return mpsctp_socket_on(st, domain, type, protocol);
}

int mpsctp_fcntl(int sd, int cmd, int arg)
{
    net_sock *s = sock_enter(sd);
    if (!s)
        return -1;
    sock_leave(s);
    if (cmd != F_GETFL && cmd != F_SETFL) {
        errno = EINVAL;
        return -1;
    }
    return cmd == F_GETFL ? net_fd_fcntl(sd, F_GETFL, 0) : net_fd_fcntl(sd, F_SETFL, arg);
}

int mpsctp_ioctl(int sd, unsigned long req, int *arg)
{
    if (!arg) {
        errno = EFAULT;
        return -1;
    }
    net_sock *s = sock_enter(sd);
    if (!s)
        return -1;
    if (req == FIONREAD) {
        /* The unread bytes of the first message (or notification) in the queue. */
        *arg = s->rq_head ? (int)(s->rq_head->len - s->rq_head->off) : 0;
    } else if (req == FIONBIO) {
        int fl = net_fd_fcntl(s->fd, F_GETFL, 0);
        if (fl < 0 || net_fd_fcntl(s->fd, F_SETFL, *arg ? fl | O_NONBLOCK : fl & ~O_NONBLOCK) < 0)
            return sock_fail(s, errno);
    } else {
        return sock_fail(s, ENOTTY);
    }
    sock_leave(s);
    return 0;
}

int mpsctp_register_dup(int sd, int newfd)
{
    if (newfd < 0 || newfd == sd) {
        errno = EBADF;
        return -1;
    }
    net_sock *s = sock_enter(sd);
    if (!s)
        return -1;
    if (!fd_is(newfd, s->fd_dev, s->fd_ino))
        return sock_fail(s, EINVAL); /* not a duplicate of sd */
    net_sock *lost = NULL;
    pthread_mutex_lock(&g_reg);
    int known = newfd < g_cap && g_socks[newfd] == s;
    pthread_mutex_unlock(&g_reg);
    if (!known) {
        if (reg_put(newfd, s, &lost) < 0)
            return sock_fail(s, ENOMEM);
        pthread_mutex_lock(&g_reg);
        s->nfds++;
        pthread_mutex_unlock(&g_reg);
        if (lost && lost->st == s->st)
            s->st->lost = 1;
    }
    sock_leave(s);
    return 0;
}

/* ---- helpers ----------------------------------------------------------------------- */

static void ep_apply(net_sock *s)
{
    if (!s->ep || s->ep->owner != s)
        return;
    mpsctp_settings set = s->o.set;
    set.local_port = s->ep->port;
    mpsctp_endpoint_set_settings(s->ep->ep, &set);
}

void net_apply_opts(net_sock *s, net_assoc *na)
{
    na->events = s->o.events;
    na->snd = s->o.snd;
    net_lk_apply(s, na);
    net_pr_apply(s, na);
    if (!na->a)
        return;
    const mpsctp_settings *o = &s->o.set;
    mpsctp_assoc_set_rto(na->a, o->rto_initial_ms, o->rto_min_ms, o->rto_max_ms);
    mpsctp_assoc_set_max_retrans(na->a, o->assoc_max_retrans, 0);
    /* Path defaults: every path now and those the peer's INIT / INIT ACK adds later. */
    mpsctp_settings cur;
    mpsctp_assoc_get_settings(na->a, &cur);
    mpsctp_path_params pp = {.flags = MPSCTP_PP_PMR | MPSCTP_PP_PF,
                             .path_max_retrans = o->path_max_retrans,
                             .pf_max_retrans = o->pf_max_retrans};
    if (cur.hb_interval_ms != o->hb_interval_ms) {
        pp.flags |= MPSCTP_PP_HB;
        pp.hb_interval_ms = o->hb_interval_ms;
    }
    mpsctp_assoc_set_path_params(na->a, MPSCTP_ALL_PATHS, &pp, net_now());
    mpsctp_assoc_set_sack_delay(na->a, o->sack_delay_ms);
    mpsctp_assoc_set_sndbuf(na->a, o->sndbuf);
}

net_assoc **net_sock_assocs_hold(net_sock *s, size_t *n)
{
    *n = 0;
    if (s->type == SOCK_STREAM) {
        if (s->assoc && !s->assoc->closed)
            *n = 1;
    } else if (s->ep) {
        for (net_assoc *na = s->ep->assocs; na; na = na->next)
            *n += na->sock == s && !na->closed;
    }
    if (*n == 0)
        return NULL;
    net_assoc **all = malloc(*n * sizeof(*all));
    if (!all)
        return NULL;
    size_t i = 0;
    if (s->type == SOCK_STREAM)
        all[i++] = s->assoc;
    else
        for (net_assoc *na = s->ep->assocs; na && i < *n; na = na->next)
            if (na->sock == s && !na->closed)
                all[i++] = na;
    for (size_t k = 0; k < i; k++)
        net_assoc_hold(all[k]);
    *n = i;
    return all;
}

void net_assocs_drop(net_assoc **all, size_t n)
{
    for (size_t i = 0; i < n; i++)
        net_assoc_drop(all[i]);
    free(all);
}

int net_assoc_errno(const net_assoc *na)
{
    return na->closed ? (na->err ? na->err : EPIPE) : 0;
}

net_assoc *net_sock_find_assoc(net_sock *s, sctp_assoc_t id)
{
    if (s->type == SOCK_STREAM)
        return s->assoc;
    net_assoc *na = s->ep ? net_assoc_by_id(s->ep, id) : NULL;
    return na && na->sock == s && !na->closed ? na : NULL;
}

/* Whether the host has address a: the kernel's answer to a bind of a scratch UDP socket
 * (127.0.0.2 and the rest of 127/8 count, as for any socket). */
static int host_has_addr(const mpsctp_addr *a)
{
    int fam = a->family == MPSCTP_AF_INET6 ? AF_INET6 : AF_INET;
    int fd = socket(fam, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return 0;
    struct sockaddr_storage ss;
    socklen_t sl;
    net_to_sockaddr(a, 0, &ss, &sl);
    int ok = bind(fd, (struct sockaddr *)&ss, sl) == 0;
    close(fd);
    return ok;
}

/* Whether a may be bound: the wildcard, an address of one of the stack's UDP sockets, or,
 * when the stack has a wildcard socket of a's family, any address of the host. */
static int stack_has_addr(mpsctp_stack *st, const mpsctp_addr *a)
{
    static const uint8_t zero[16];
    if (memcmp(a->ip, zero, 16) == 0)
        return 1;
    for (int i = 0; i < st->nudp; i++) {
        const mpsctp_addr *u = &st->udp[i].addr;
        if (u->family != a->family)
            continue;
        if (memcmp(u->ip, a->ip, 16) == 0)
            return 1;
        if (memcmp(u->ip, zero, 16) == 0)
            return host_has_addr(a);
    }
    return 0;
}

static int family_ok(const net_sock *s, const struct sockaddr *sa)
{
    return sa->sa_family == AF_INET || (sa->sa_family == AF_INET6 && s->family == AF_INET6);
}

static socklen_t sa_len(const struct sockaddr *sa)
{
    return sa->sa_family == AF_INET6 ? sizeof(struct sockaddr_in6)
                                     : sizeof(struct sockaddr_in);
}

/* Binds s to local address a (zero ip: all) and port. */
static int do_bind(net_sock *s, const mpsctp_addr *a, uint16_t port)
{
    if (!stack_has_addr(s->st, a))
        return EADDRNOTAVAIL;
    net_ep *e = net_ep_get(s->st, port, 1);
    if (!e)
        return errno;
    e->owner = s;
    s->ep = e;
    s->bound = 1;
    static const uint8_t zero[16];
    if (memcmp(a->ip, zero, 16) != 0) {
        mpsctp_addr l = *a;
        l.udp_port = s->st->port;
        mpsctp_endpoint_add_addr(e->ep, &l);
        s->laddrs[s->nladdrs++] = l;
    }
    ep_apply(s);
    return 0;
}

int mpsctp_bind(int sd, const struct sockaddr *addr, socklen_t len)
{
    net_sock *s = sock_enter(sd);
    if (!s)
        return -1;
    mpsctp_addr a;
    uint16_t port = 0;
    if (!addr || net_from_sockaddr(addr, len, &a, &port) || !family_ok(s, addr))
        return sock_fail(s, EINVAL);
    if (s->bound)
        return sock_fail(s, EINVAL);
    int e = do_bind(s, &a, port);
    if (e)
        return sock_fail(s, e);
    sock_leave(s);
    return 0;
}

int mpsctp_bindx(int sd, struct sockaddr *addrs, int addrcnt, int flags)
{
    net_sock *s = sock_enter(sd);
    if (!s)
        return -1;
    if (!addrs || addrcnt <= 0 || (flags != SCTP_BINDX_ADD_ADDR && flags != SCTP_BINDX_REM_ADDR))
        return sock_fail(s, EINVAL);
    const uint8_t *p = (const uint8_t *)addrs;
    for (int i = 0; i < addrcnt; i++) {
        const struct sockaddr *sa = (const struct sockaddr *)p;
        mpsctp_addr a;
        uint16_t port = 0;
        if (net_from_sockaddr(sa, sa_len(sa), &a, &port) || !family_ok(s, sa))
            return sock_fail(s, EINVAL);
        p += sa_len(sa);
        if (flags == SCTP_BINDX_ADD_ADDR) {
            if (!s->bound) {
                int e = do_bind(s, &a, port);
                if (e)
                    return sock_fail(s, e);
                continue;
            }
            if ((port && port != s->ep->port) || s->ep->owner != s)
                return sock_fail(s, EINVAL);
            if (!stack_has_addr(s->st, &a))
                return sock_fail(s, EADDRNOTAVAIL);
            a.udp_port = s->st->port;
            int dup = 0;
            for (int j = 0; j < s->nladdrs; j++)
                dup |= s->laddrs[j].family == a.family && !memcmp(s->laddrs[j].ip, a.ip, 16);
            if (dup)
                continue; /* already bound: nothing to add */
            if (s->nladdrs == MPSCTP_STACK_MAX_ADDRS)
                return sock_fail(s, ENOMEM);
            mpsctp_endpoint_add_addr(s->ep->ep, &a);
            s->laddrs[s->nladdrs++] = a;
        } else {
            int k = -1;
            for (int j = 0; j < s->nladdrs; j++)
                if (s->laddrs[j].family == a.family && !memcmp(s->laddrs[j].ip, a.ip, 16))
                    k = j;
            /* RFC 6458 s9.1: the last address cannot be removed. */
            if (!s->bound || k < 0 || s->nladdrs == 1)
                return sock_fail(s, EINVAL);
            mpsctp_endpoint_remove_addr(s->ep->ep, &s->laddrs[k]);
            memmove(&s->laddrs[k], &s->laddrs[k + 1],
                    (size_t)(s->nladdrs - k - 1) * sizeof(s->laddrs[0]));
            s->nladdrs--;
        }
    }
    sock_leave(s);
    return 0;
}

static int autobind(net_sock *s)
{
    if (s->bound)
        return 0;
    mpsctp_addr any = {.family = s->family == AF_INET6 ? MPSCTP_AF_INET6 : MPSCTP_AF_INET};
    return do_bind(s, &any, 0);
}

int mpsctp_listen(int sd, int backlog)
{
    net_sock *s = sock_enter(sd);
    if (!s)
        return -1;
    if (s->type == SOCK_STREAM && s->assoc)
        return sock_fail(s, EINVAL);
    int e = autobind(s);
    if (e)
        return sock_fail(s, e);
    if (s->ep->owner != s)
        return sock_fail(s, EINVAL);
    int listening = s->type == SOCK_STREAM ? 1 : backlog > 0;
    /* A stack on a port of the kernel's choice moves to the well-known port, where
     * peers look for listeners. */
    if (listening && s->st->cfg.udp_port == MPSCTP_UDP_PORT_LISTEN &&
        net_udp_move(s->st, s->st->cfg.listen_udp_port ? s->st->cfg.listen_udp_port
                                                        : MPSCTP_DEFAULT_UDP_PORT) < 0)
        return sock_fail(s, errno);
    s->listening = listening;
    s->backlog = backlog > 0 ? backlog : (s->type == SOCK_STREAM ? 1 : 0);
    if (s->backlog > 4096)
        s->backlog = 4096;
    mpsctp_endpoint_listen(s->ep->ep, s->listening);
    sock_leave(s);
    return 0;
}

static void primary_sockaddr(net_assoc *na, struct sockaddr_storage *ss, socklen_t *len)
{
    mpsctp_assoc_status stt;
    mpsctp_path_info pi;
    memset(ss, 0, sizeof(*ss));
    *len = 0;
    if (!na || !na->a || mpsctp_assoc_status_get(na->a, &stt) ||
        mpsctp_assoc_path_info(na->a, stt.primary_path, &pi))
        return;
    net_to_sockaddr(&pi.remote, (uint16_t)mpsctp_assoc_peer_port(na->a), ss, len);
    if (na->sock)
        net_lk_addr_out(na->sock, ss, len); /* SCTP_I_WANT_MAPPED_V4_ADDR */
}

static void copy_addr(const struct sockaddr_storage *ss, socklen_t sl, struct sockaddr *out,
                      socklen_t *outlen)
{
    if (!out || !outlen)
        return;
    socklen_t n = sl < *outlen ? sl : *outlen;
    memcpy(out, ss, n);
    *outlen = sl;
}

int mpsctp_accept(int sd, struct sockaddr *addr, socklen_t *len)
{
    net_sock *s = sock_enter(sd);
    if (!s)
        return -1;
    if (s->type != SOCK_STREAM)
        return sock_fail(s, EOPNOTSUPP);
    if (!s->listening)
        return sock_fail(s, EINVAL);
    while (!s->acc_head) {
        if (sock_nonblock(s, 0))
            return sock_fail(s, EAGAIN);
        net_wait(s->st, 0);
        if (s->closing)
            return sock_fail(s, EBADF);
    }
    net_assoc *na = s->acc_head;
    s->acc_head = na->acc_next;
    if (!s->acc_head)
        s->acc_tail = NULL;
    s->acc_count--;
    na->acc_next = NULL;
    net_sock *ns = na->sock;
    struct sockaddr_storage ss;
    socklen_t sl;
    primary_sockaddr(na, &ss, &sl);
    copy_addr(&ss, sl, addr, len);
    int fd = ns->fd;
    net_sock_ready(ns);
    net_sock_ready(s);
    net_close_lost(s->st);
    sock_leave(s);
    return fd;
}

/* Parses addrcnt packed addresses into remotes; all must carry the same port. */
static int parse_peer(net_sock *s, const struct sockaddr *addrs, int addrcnt,
                      mpsctp_addr *remotes, uint16_t *port)
{
    if (!addrs || addrcnt <= 0 || addrcnt > 8)
        return EINVAL;
    const uint8_t *p = (const uint8_t *)addrs;
    *port = 0;
    for (int i = 0; i < addrcnt; i++) {
        const struct sockaddr *sa = (const struct sockaddr *)p;
        uint16_t pt;
        if (!family_ok(s, sa) && sa->sa_family != AF_INET6)
            return EAFNOSUPPORT;
        if (net_from_sockaddr(sa, sa_len(sa), &remotes[i], &pt))
            return EINVAL;
        if (pt == 0 || (i && pt != *port))
            return EINVAL;
        *port = pt;
        remotes[i].udp_port = s->o.remote_udp_port;
        p += sa_len(sa);
    }
    return 0;
}

static net_assoc *find_by_peer(net_sock *s, const mpsctp_addr *r, uint16_t port)
{
    if (!s->ep)
        return NULL;
    for (net_assoc *na = s->ep->assocs; na; na = na->next) {
        if (na->sock != s || !na->a || na->closed ||
            mpsctp_assoc_peer_port(na->a) != port)
            continue;
        mpsctp_path_info pi;
        for (uint32_t i = 0; mpsctp_assoc_path_info(na->a, i, &pi) == 0; i++)
            if (pi.remote.family == r->family && !memcmp(pi.remote.ip, r->ip, 16))
                return na;
    }
    return NULL;
}

/* Starts an association of s. Returns 0 or an errno. */
static int start_assoc(net_sock *s, const mpsctp_addr *remotes, int n, uint16_t port,
                       net_assoc **out)
{
    int e = autobind(s);
    if (e)
        return e;
    mpsctp_assoc *a;
    int r = mpsctp_endpoint_connect(s->ep->ep, remotes, (size_t)n, port, net_now(), &a);
    if (r == MPSCTP_ERR_STATE)
        return EISCONN; /* the endpoint has an association with that peer */
    if (r)
        return r == MPSCTP_ERR_NOMEM ? ENOMEM : EINVAL;
    net_assoc *na = net_assoc_new(s->ep, a);
    if (!na) {
        mpsctp_assoc_free(a);
        return ENOMEM;
    }
    na->sock = s;
    if (s->type == SOCK_STREAM) {
        s->assoc = na;
        s->was_connected = 1;
    }
    net_apply_opts(s, na);
    *out = na;
    return 0;
}

int mpsctp_connectx(int sd, const struct sockaddr *addrs, int addrcnt, sctp_assoc_t *id)
{
    net_sock *s = sock_enter(sd);
    if (!s)
        return -1;
    mpsctp_addr remotes[8];
    uint16_t port;
    int e = parse_peer(s, addrs, addrcnt, remotes, &port);
    if (e)
        return sock_fail(s, e);
    if (s->listening && s->type == SOCK_STREAM)
        return sock_fail(s, EINVAL);
    if (s->type == SOCK_STREAM && s->assoc)
        return sock_fail(s, s->assoc->up || s->assoc->closed ? EISCONN : EALREADY);
    /* A second association with the same peer on a one-to-many socket: the endpoint
     * refuses it (EISCONN from start_assoc), found by its address index rather than by
     * visiting every association. */
    net_assoc *na;
    e = start_assoc(s, remotes, addrcnt, port, &na);
    if (e)
        return sock_fail(s, e);
    if (id)
        *id = na->id;
    net_kick(s->st);
    if (sock_nonblock(s, 0))
        return sock_fail(s, EINPROGRESS);
    /* The association may be freed while we wait (refused on a one-to-many socket, the
     * socket closed by another thread): the reference keeps the record readable. */
    net_assoc_hold(na);
    while (!na->up && !na->closed && !s->closing)
        net_wait(s->st, 0);
    int up = na->up;
    e = na->err ? na->err : ECONNREFUSED;
    net_assoc_drop(na);
    if (s->closing)
        return sock_fail(s, EBADF);
    if (!up) {
        if (s->type == SOCK_STREAM)
            s->so_error = 0;
        return sock_fail(s, e);
    }
    sock_leave(s);
    return 0;
}

int mpsctp_connect(int sd, const struct sockaddr *addr, socklen_t len)
{
    if (!addr || len < (socklen_t)sizeof(struct sockaddr_in) ||
        (addr->sa_family == AF_INET6 && len < (socklen_t)sizeof(struct sockaddr_in6))) {
        net_sock *s = sock_enter(sd);
        if (!s)
            return -1;
        return sock_fail(s, EINVAL);
    }
    return mpsctp_connectx(sd, addr, 1, NULL);
}

/* ---- sending ----------------------------------------------------------------------- */

static int err_from_core(int r)
{
    switch (r) {
    case MPSCTP_ERR_MSGSIZE:
        return EMSGSIZE;
    case MPSCTP_ERR_STREAM:
    case MPSCTP_ERR_INVAL:
        return EINVAL;
    case MPSCTP_ERR_NOMEM:
        return ENOMEM;
    case MPSCTP_ERR_WOULDBLOCK:
        return EAGAIN;
    default:
        return EPIPE;
    }
}

/* Whether the send queue of na has room for a message of len bytes now. */
static int send_room(const net_assoc *na, size_t len)
{
    uint32_t limit = 0, total = 0, ns = 0;
    mpsctp_assoc_sndqueue_info(na->a, &limit, &total, NULL, 0, &ns);
    return total <= limit && limit - total >= len;
}

/* Queues one message on na, waiting for send-buffer room unless non-blocking. The
 * association may die during the wait (peer ABORT, another thread's close): a reference
 * keeps na readable until we are done. Returns 0 or an errno.
 *
 * A send already waiting for room when the association stops taking data (a shutdown
 * by another thread, SCTP_EOF, the peer's SHUTDOWN) fails with EPIPE when its wait
 * ends: once there is room for its message, or the association or socket is gone. Kernel
 * SCTP on Linux behaves so (the blocked sender is woken by freed room, not by the
 * shutdown). Failing at the shutdown itself would report the error while the thread
 * that shut the association down is still returning from shutdown(): an application
 * with one sending thread per stream that stops its streams one after the other (shut
 * the socket down, then mark the next stream's sender as stopped) would take the
 * next sender's EPIPE for a broken association. */
static int send_wait(net_sock *s, net_assoc *na, const uint8_t *buf, size_t len,
                     const struct sctp_sndinfo *si, const struct sctp_prinfo *pr, int flags)
{
    mpsctp_sndinfo ci = {.sid = si->snd_sid,
                         .flags = (uint16_t)(si->snd_flags & SCTP_UNORDERED),
                         .ppid = si->snd_ppid,
                         .context = si->snd_context};
    int e = 0, waited = 0, shut = 0;
    net_assoc_hold(na);
    for (;;) {
        if (!na->a || na->closed) {
            e = EPIPE;
            break;
        }
        int r = net_pr_send(na, buf, len, &ci, pr, net_now());
        if (r == 0) {
            na->want = 1;
            net_blocked_del(na);
            break;
        }
        if (r == MPSCTP_ERR_STATE && waited && !send_room(na, len)) {
            r = MPSCTP_ERR_WOULDBLOCK; /* shut down during the wait: wait on (above) */
            shut = 1;
        }
        if (r != MPSCTP_ERR_WOULDBLOCK) {
            e = err_from_core(r);
            break;
        }
        na->want = len;
        net_blocked_add(na);
        if (sock_nonblock(s, flags)) { /* asked only now: it costs a syscall */
            net_sock_ready(s);
            e = shut ? EPIPE : EAGAIN;
            break;
        }
        net_wait(s->st, 0);
        waited = 1;
        if (s->closing) {
            e = EBADF;
            break;
        }
    }
    net_assoc_drop(na);
    return e;
}

/* Sends one message to association na (or applies EOF/ABORT). Returns bytes or -errno. */
static ssize_t send_one(net_sock *s, net_assoc *na, const uint8_t *buf, size_t len,
                        const struct sctp_sndinfo *si, const struct sctp_prinfo *pr,
                        int flags)
{
    if (si->snd_flags & SCTP_ABORT) {
        if (na->a && !na->closed) {
            mpsctp_assoc_abort(na->a, net_now());
            na->closed = 1;
            na->err = 0;
            na->free_core = 1;
            na->ep->free_pending = 1;
            if (s->type == SOCK_STREAM)
                s->shut_wr = 1;
        }
        net_kick(s->st);
        return 0;
    }
    int e = net_assoc_errno(na);
    if (e)
        return -(e == ECONNREFUSED || e == ETIMEDOUT || e == ECONNRESET ? EPIPE : e);
    if ((e = net_lk_send_check(s, na, len)) != 0)
        return -e; /* SCTP_DISABLE_FRAGMENTS */
    if (len == 0 && !(si->snd_flags & SCTP_EOF))
        return -EINVAL;
    if (len) {
        int e2 = send_wait(s, na, buf, len, si, pr, flags);
        if (e2)
            return -e2;
    }
    if (si->snd_flags & SCTP_EOF) {
        mpsctp_assoc_shutdown(na->a, net_now());
        if (s->type == SOCK_STREAM)
            s->shut_wr = 1;
    }
    net_kick(s->st);
    return (ssize_t)len;
}

/* *pr is set and *has_pr to 1 when the call names a PR-SCTP policy (opt_prsctp.c). */
static int sndinfo_from(net_sock *s, const void *info, socklen_t infolen, unsigned infotype,
                        struct sctp_sndinfo *si, struct sctp_prinfo *pr, int *has_pr)
{
    *si = s->o.snd;
    *has_pr = 0;
    switch (infotype) {
    case SCTP_SENDV_NOINFO:
        return 0;
    case SCTP_SENDV_SNDINFO:
        if (!info || infolen < (socklen_t)sizeof(struct sctp_sndinfo))
            return EINVAL;
        memcpy(si, info, sizeof(*si));
        return 0;
    case SCTP_SENDV_PRINFO: {
        if (!info || infolen < (socklen_t)sizeof(struct sctp_prinfo))
            return EINVAL;
        struct sctp_prinfo p;
        memcpy(&p, info, sizeof(p));
        *has_pr = 1;
        return net_pr_from_prinfo(&p, pr);
    }
    case SCTP_SENDV_SPA: {
        if (!info || infolen < (socklen_t)sizeof(struct sctp_sendv_spa))
            return EINVAL;
        struct sctp_sendv_spa spa;
        memcpy(&spa, info, sizeof(spa));
        if (spa.sendv_flags & ~(unsigned)(SCTP_SEND_SNDINFO_VALID | SCTP_SEND_PRINFO_VALID |
                                          SCTP_SEND_AUTHINFO_VALID))
            return EINVAL;
        /* AUTH is not supported. */
        if (spa.sendv_flags & SCTP_SEND_AUTHINFO_VALID)
            return EINVAL;
        if (spa.sendv_flags & SCTP_SEND_PRINFO_VALID) {
            *has_pr = 1;
            if (net_pr_from_prinfo(&spa.sendv_prinfo, pr))
                return EINVAL;
        }
        if (spa.sendv_flags & SCTP_SEND_SNDINFO_VALID)
            *si = spa.sendv_sndinfo;
        return 0;
    }
    default:
        return EINVAL;
    }
}

/* SCTP_SENDALL (RFC 6458 s5.3.2): the message to every association of s that is live
 * when the call starts. A send may wait and a send may end an association (SCTP_ABORT):
 * the list can change under us, so take a referenced snapshot of it first. Returns len,
 * or -errno of the last association that failed. */
static ssize_t send_all(net_sock *s, const uint8_t *buf, size_t len, struct sctp_sndinfo *si,
                        const struct sctp_prinfo *pr, int flags)
{
    size_t n = 0;
    net_assoc **all = net_sock_assocs_hold(s, &n);
    if (!all)
        return n ? -ENOMEM : (ssize_t)len;
    ssize_t r = (ssize_t)len;
    for (size_t i = 0; i < n; i++) {
        net_assoc *na = all[i];
        if (!na->dead && !na->closed && na->sock == s && !s->closing) {
            ssize_t k = send_one(s, na, buf, len, si, pr, flags);
            if (k < 0)
                r = k;
        }
    }
    net_assocs_drop(all, n);
    return r;
}

static ssize_t do_send(net_sock *s, const struct iovec *iov, int iovcnt,
                       const struct sockaddr *addrs, int addrcnt, struct sctp_sndinfo *si,
                       const struct sctp_prinfo *pr, int flags, int noinfo)
{
    size_t len = 0;
    if (iovcnt < 0 || (iovcnt && !iov))
        return -EINVAL;
    for (int i = 0; i < iovcnt; i++)
        len += iov[i].iov_len;
    uint8_t *buf = NULL, *tmp = NULL;
    if (iovcnt == 1)
        buf = iov[0].iov_base;
    else if (len) {
        buf = tmp = malloc(len);
        if (!buf)
            return -ENOMEM;
        for (int i = 0, off = 0; i < iovcnt; i++) {
            memcpy(buf + off, iov[i].iov_base, iov[i].iov_len);
            off += (int)iov[i].iov_len;
        }
    }
    if (si->snd_flags & ~(SCTP_UNORDERED | SCTP_ADDR_OVER | SCTP_ABORT |
                          SCTP_SACK_IMMEDIATELY | SCTP_SENDALL | SCTP_EOF)) {
        free(tmp);
        return -EINVAL;
    }
    ssize_t r;
    if (s->type == SOCK_STREAM) {
        if (s->so_error && s->assoc && s->assoc->closed && s->assoc->err) {
            r = -s->so_error;
            s->so_error = 0;
        } else if (!s->assoc) {
            r = -ENOTCONN;
            /* Linux: a send with an address on a one-to-one socket that never had an
             * association sets one up; the message is queued for it and a blocking call
             * then waits until the association is up or has failed, whatever the outcome
             * (sctp_darn -t sends so). */
            if (addrs && !s->listening && !s->was_connected &&
                !(si->snd_flags & (SCTP_ABORT | SCTP_EOF))) {
                mpsctp_addr remotes[8];
                uint16_t port;
                net_assoc *na = NULL;
                int e = parse_peer(s, addrs, addrcnt, remotes, &port);
                if (!e)
                    e = start_assoc(s, remotes, addrcnt, port, &na);
                r = e ? -e : send_one(s, na, buf, len, si, pr, flags);
                if (r >= 0 && !sock_nonblock(s, flags)) {
                    net_assoc_hold(na);
                    while (!na->up && !na->closed && !s->closing)
                        net_wait(s->st, 0);
                    net_assoc_drop(na);
                }
            }
        } else if (s->shut_wr && !(si->snd_flags & SCTP_ABORT)) {
            r = -EPIPE;
        } else {
            r = send_one(s, s->assoc, buf, len, si, pr, flags);
        }
    } else if (si->snd_flags & SCTP_SENDALL) {
        r = send_all(s, buf, len, si, pr, flags);
    } else {
        net_assoc *na = NULL;
        if (addrs) {
            mpsctp_addr remotes[8];
            uint16_t port;
            int e = parse_peer(s, addrs, addrcnt, remotes, &port);
            if (e) {
                free(tmp);
                return -e;
            }
            na = find_by_peer(s, &remotes[0], port);
            if (!na) {
                /* RFC 6458 s4.1.8: sending to a new peer sets up an association. */
                if (si->snd_flags & (SCTP_ABORT | SCTP_EOF)) {
                    free(tmp);
                    return -ENOENT;
                }
                e = start_assoc(s, remotes, addrcnt, port, &na);
                if (e) {
                    free(tmp);
                    return -e;
                }
            }
        } else {
            na = net_sock_find_assoc(s, si->snd_assoc_id);
            /* No send info given: the association's SCTP_DEFAULT_SNDINFO applies. */
            if (na && noinfo)
                *si = na->snd;
        }
        r = na ? send_one(s, na, buf, len, si, pr, flags) : -ENOENT;
    }
    free(tmp);
    return r;
}

ssize_t mpsctp_sendv(int sd, const struct iovec *iov, int iovcnt, struct sockaddr *addrs,
                     int addrcnt, void *info, socklen_t infolen, unsigned int infotype,
                     int flags)
{
    net_sock *s = sock_enter(sd);
    if (!s)
        return -1;
    struct sctp_sndinfo si;
    struct sctp_prinfo pr;
    int has_pr;
    int e = sndinfo_from(s, info, infolen, infotype, &si, &pr, &has_pr);
    if (e)
        return sock_fail(s, e);
    ssize_t r = do_send(s, iov, iovcnt, addrs, addrcnt, &si, has_pr ? &pr : NULL, flags,
                        infotype == SCTP_SENDV_NOINFO);
    if (r < 0)
        return sock_fail(s, (int)-r);
    sock_leave(s);
    return r;
}

ssize_t mpsctp_sendmsg(int sd, const struct msghdr *msg, int flags)
{
    net_sock *s = sock_enter(sd);
    if (!s)
        return -1;
    if (!msg)
        return sock_fail(s, EINVAL);
    struct sctp_sndinfo si = s->o.snd;
    struct sctp_prinfo pr;
    int noinfo = 1, has_pr = 0;
    for (struct cmsghdr *c = CMSG_FIRSTHDR(msg); c; c = CMSG_NXTHDR((struct msghdr *)msg, c)) {
        if (c->cmsg_level != IPPROTO_SCTP)
            continue;
        if (c->cmsg_type == SCTP_SNDINFO) {
            if (c->cmsg_len < CMSG_LEN(sizeof(si)))
                return sock_fail(s, EINVAL);
            memcpy(&si, CMSG_DATA(c), sizeof(si));
            noinfo = 0;
        } else if (c->cmsg_type == SCTP_SNDRCV) {
            int e = net_lk_sndrcv_in(c, &si); /* the older Linux form */
            if (!e && !has_pr) {
                /* its PR bits and time to live, unless an SCTP_PRINFO says otherwise */
                e = net_pr_sndrcv_in(c, &pr);
                has_pr = e == 0 && pr.pr_policy != SCTP_PR_SCTP_NONE;
            }
            if (e)
                return sock_fail(s, e);
            noinfo = 0;
        } else if (c->cmsg_type == SCTP_PRINFO) {
            struct sctp_prinfo cp;
            if (c->cmsg_len < CMSG_LEN(sizeof(cp)))
                return sock_fail(s, EINVAL);
            memcpy(&cp, CMSG_DATA(c), sizeof(cp));
            if (net_pr_from_prinfo(&cp, &pr))
                return sock_fail(s, EINVAL);
            has_pr = 1;
        } else if (c->cmsg_type == SCTP_AUTHINFO) {
            return sock_fail(s, EINVAL);
        }
    }
    ssize_t r = do_send(s, msg->msg_iov, (int)msg->msg_iovlen, msg->msg_name,
                        msg->msg_name ? 1 : 0, &si, has_pr ? &pr : NULL, flags, noinfo);
    if (r < 0)
        return sock_fail(s, (int)-r);
    sock_leave(s);
    return r;
}

ssize_t mpsctp_send(int sd, const void *buf, size_t len, int flags)
{
    struct iovec iov = {.iov_base = (void *)buf, .iov_len = len};
    struct msghdr m = {.msg_iov = &iov, .msg_iovlen = 1};
    return mpsctp_sendmsg(sd, &m, flags);
}

/* ---- receiving --------------------------------------------------------------------- */

typedef struct recv_out {
    int flags;
    int has_rcv, has_nxt;
    struct sctp_rcvinfo rcv;
    struct sctp_nxtinfo nxt;
    sctp_assoc_t assoc_id;
} recv_out;

static int sock_eof(net_sock *s)
{
    net_assoc *na = s->assoc;
    return s->shut_rd || (na && (na->closed || na->peer_shutdown));
}

/* Reads the next message (part) into iov. Returns bytes or -errno. */
static ssize_t do_recv(net_sock *s, const struct iovec *iov, int iovlen, int flags,
                       recv_out *ro)
{
    memset(ro, 0, sizeof(*ro));
    if (iovlen < 0 || (iovlen && !iov))
        return -EINVAL;
    for (;;) {
        if (s->closing)
            return -EBADF;
        if (s->rq_head)
            break;
        if (s->type == SOCK_STREAM) {
            if (s->listening)
                return -ENOTCONN;
            if (s->so_error && (!s->assoc || s->assoc->up || s->assoc->closed)) {
                int e = s->so_error;
                s->so_error = 0;
                return -e;
            }
            /* End of file. A socket whose peer shut the association down keeps
             * reading end of file; one that shut it down itself is no longer connected
             * once the association is gone (ENOTCONN), as on Linux. */
            if (!s->assoc) {
                if (s->was_connected && (s->peer_closed || !s->eof_returned)) {
                    s->eof_returned = 1;
                    return 0;
                }
                return -ENOTCONN;
            }
            if (sock_eof(s)) {
                if (s->eof_returned && s->assoc->closed && !s->peer_closed)
                    return -ENOTCONN;
                s->eof_returned = 1;
                return 0;
            }
        }
        if (sock_nonblock(s, flags))
            return -EAGAIN;
        net_wait(s->st, 0);
    }
    rq_item *it = s->rq_head;
    size_t cap = 0;
    for (int i = 0; i < iovlen; i++)
        cap += iov[i].iov_len;
    size_t got = 0;
    int vi = 0;
    size_t voff = 0;
    int peek = flags & MSG_PEEK;
    ro->assoc_id = it->assoc_id;
    int notification = it->notification;
    if (!notification) {
        ro->has_rcv = 1;
        ro->rcv.rcv_sid = it->info.sid;
        ro->rcv.rcv_ssn = it->info.ssn;
        ro->rcv.rcv_flags = it->info.flags & MPSCTP_UNORDERED ? SCTP_UNORDERED : 0;
        ro->rcv.rcv_ppid = it->info.ppid;
        ro->rcv.rcv_tsn = it->info.tsn;
        ro->rcv.rcv_cumtsn = it->info.cumtsn;
        ro->rcv.rcv_context = net_lk_rcv_context(s, it->assoc_id); /* SCTP_CONTEXT */
        ro->rcv.rcv_assoc_id = it->assoc_id;
    }
    rq_item *cur = it;
    size_t coff = cur->off;
    int eor = 0;
    /* Copy from this item and, while the message goes on, the following pieces of the
     * same association. */
    while (cur && got < cap) {
        size_t n = cur->len - coff;
        if (n > cap - got)
            n = cap - got;
        size_t left = n;
        const uint8_t *src = cur->data + coff;
        while (left) {
            size_t k = iov[vi].iov_len - voff;
            if (k > left)
                k = left;
            memcpy((uint8_t *)iov[vi].iov_base + voff, src, k);
            src += k;
            left -= k;
            voff += k;
            if (voff == iov[vi].iov_len) {
                vi++;
                voff = 0;
            }
        }
        got += n;
        coff += n;
        if (coff < cur->len)
            break;
        if (cur->eor) {
            eor = 1;
            break;
        }
        rq_item *nx = cur->next;
        if (!nx || nx->notification || nx->assoc_id != cur->assoc_id ||
            !net_rq_same_stream(nx, cur))
            break;
        cur = nx;
        coff = 0;
    }
    if (!peek) {
        /* Release consumed items. */
        while (s->rq_head != cur)
            free(net_rq_pop(s));
        if (coff == cur->len)
            free(net_rq_pop(s));
        else
            cur->off = coff;
    }
    if (eor)
        ro->flags |= MSG_EOR;
    if (notification)
        ro->flags |= MSG_NOTIFICATION;
    /* RFC 6458 s5.3.6: what the next message is, once this one is complete. */
    rq_item *nx = peek ? (eor ? cur->next : NULL) : (eor ? s->rq_head : NULL);
    if (nx && nx->off == 0) {
        ro->has_nxt = 1;
        ro->nxt.nxt_sid = nx->info.sid;
        ro->nxt.nxt_flags = (uint16_t)((nx->info.flags & MPSCTP_UNORDERED ? SCTP_UNORDERED : 0) |
                                       (nx->notification ? SCTP_NOTIFICATION : 0));
        ro->nxt.nxt_ppid = nx->info.ppid;
        size_t total = 0;
        int complete = 0;
        for (rq_item *q = nx; q && q->assoc_id == nx->assoc_id && net_rq_same_stream(q, nx);
             q = q->next) {
            total += q->len;
            if (q->eor) {
                complete = 1;
                break;
            }
            if (q->next && q->next->notification)
                break;
        }
        if (complete)
            ro->nxt.nxt_flags |= SCTP_COMPLETE;
        ro->nxt.nxt_length = (uint32_t)total;
        ro->nxt.nxt_assoc_id = nx->assoc_id;
    }
    if (!peek) {
        /* Room in the queue: take more from the association. A one-to-many socket does
         * not visit its associations here (a cost per message that grows with their
         * number): the round net_kick runs pulls from every association that has data
         * left, within SO_RCVBUF. */
        if (s->type == SOCK_STREAM && s->assoc && s->assoc->a)
            net_pull(s->assoc, 1);
        net_kick(s->st);
    }
    return (ssize_t)got;
}

static void fill_from(net_sock *s, sctp_assoc_t id, struct sockaddr *from, socklen_t *fromlen)
{
    if (!from || !fromlen)
        return;
    net_assoc *na = s->type == SOCK_STREAM ? s->assoc : NULL;
    if (!na && s->ep) {
        na = net_assoc_by_id(s->ep, id);
        if (na && na->sock != s)
            na = NULL;
    }
    struct sockaddr_storage ss;
    socklen_t sl;
    primary_sockaddr(na, &ss, &sl);
    copy_addr(&ss, sl, from, fromlen);
}

ssize_t mpsctp_recvv(int sd, const struct iovec *iov, int iovlen, struct sockaddr *from,
                     socklen_t *fromlen, void *info, socklen_t *infolen,
                     unsigned int *infotype, int *flags)
{
    net_sock *s = sock_enter(sd);
    if (!s)
        return -1;
    if ((info && (!infolen || !infotype)))
        return sock_fail(s, EINVAL);
    recv_out ro;
    ssize_t r = do_recv(s, iov, iovlen, flags ? *flags : 0, &ro);
    if (r < 0)
        return sock_fail(s, (int)-r);
    fill_from(s, ro.assoc_id, from, fromlen);
    if (flags)
        *flags = ro.flags;
    if (infotype)
        *infotype = SCTP_RECVV_NOINFO;
    if (info && infotype && infolen) {
        int want_r = s->o.recvrcvinfo && ro.has_rcv;
        int want_n = s->o.recvnxtinfo && ro.has_nxt;
        if (want_r && want_n && *infolen >= (socklen_t)sizeof(struct sctp_recvv_rn)) {
            struct sctp_recvv_rn rn = {ro.rcv, ro.nxt};
            memcpy(info, &rn, sizeof(rn));
            *infolen = sizeof(rn);
            *infotype = SCTP_RECVV_RN;
        } else if (want_r && *infolen >= (socklen_t)sizeof(struct sctp_rcvinfo)) {
            memcpy(info, &ro.rcv, sizeof(ro.rcv));
            *infolen = sizeof(ro.rcv);
            *infotype = SCTP_RECVV_RCVINFO;
        } else if (want_n && *infolen >= (socklen_t)sizeof(struct sctp_nxtinfo)) {
            memcpy(info, &ro.nxt, sizeof(ro.nxt));
            *infolen = sizeof(ro.nxt);
            *infotype = SCTP_RECVV_NXTINFO;
        } else {
            *infolen = 0;
        }
    }
    sock_leave(s);
    return r;
}

ssize_t mpsctp_recvmsg(int sd, struct msghdr *msg, int flags)
{
    net_sock *s = sock_enter(sd);
    if (!s)
        return -1;
    if (!msg)
        return sock_fail(s, EINVAL);
    recv_out ro;
    ssize_t r = do_recv(s, msg->msg_iov, (int)msg->msg_iovlen, flags, &ro);
    if (r < 0)
        return sock_fail(s, (int)-r);
    fill_from(s, ro.assoc_id, msg->msg_name, &msg->msg_namelen);
    msg->msg_flags = ro.flags;
    size_t used = 0;
    size_t cap = msg->msg_control ? msg->msg_controllen : 0;
    /* The older SCTP_SNDRCV with the sctp_data_io_event of SCTP_EVENTS (Linux). */
    struct sctp_sndrcvinfo sr;
    int want_sr = ro.has_rcv && net_lk_sndrcv_out(s, &ro.rcv, &sr);
    struct {
        int on, type;
        const void *p;
        size_t n;
    } cms[3] = {{s->o.recvrcvinfo && ro.has_rcv, SCTP_RCVINFO, &ro.rcv, sizeof(ro.rcv)},
                {s->o.recvnxtinfo && ro.has_nxt, SCTP_NXTINFO, &ro.nxt, sizeof(ro.nxt)},
                {want_sr, SCTP_SNDRCV, &sr, sizeof(sr)}};
    for (int i = 0; i < 3; i++) {
        if (!cms[i].on)
            continue;
        if (used + CMSG_SPACE(cms[i].n) > cap) {
            msg->msg_flags |= MSG_CTRUNC;
            continue;
        }
        struct cmsghdr *c = (struct cmsghdr *)((uint8_t *)msg->msg_control + used);
        memset(c, 0, CMSG_SPACE(cms[i].n));
        c->cmsg_level = IPPROTO_SCTP;
        c->cmsg_type = cms[i].type;
        c->cmsg_len = CMSG_LEN(cms[i].n);
        memcpy(CMSG_DATA(c), cms[i].p, cms[i].n);
        used += CMSG_SPACE(cms[i].n);
    }
    if (msg->msg_control)
        msg->msg_controllen = used;
    sock_leave(s);
    return r;
}

ssize_t mpsctp_recv(int sd, void *buf, size_t len, int flags)
{
    struct iovec iov = {.iov_base = buf, .iov_len = len};
    struct msghdr m = {.msg_iov = &iov, .msg_iovlen = 1};
    return mpsctp_recvmsg(sd, &m, flags);
}

/* ---- shutdown ----------------------------------------------------------------------- */

int mpsctp_shutdown(int sd, int how)
{
    net_sock *s = sock_enter(sd);
    if (!s)
        return -1;
    if (how != SHUT_RD && how != SHUT_WR && how != SHUT_RDWR)
        return sock_fail(s, EINVAL);
    if (s->type != SOCK_STREAM)
        return sock_fail(s, EOPNOTSUPP);
    if (!s->assoc || !s->assoc->a || s->assoc->closed)
        return sock_fail(s, ENOTCONN);
    if (how != SHUT_WR) {
        s->shut_rd = 1;
        rq_item *it;
        while ((it = net_rq_pop(s)) != NULL)
            free(it);
    }
    if (how != SHUT_RD && !s->shut_wr) {
        s->shut_wr = 1;
        mpsctp_assoc_shutdown(s->assoc->a, net_now());
    }
    net_kick(s->st);
    sock_leave(s);
    return 0;
}

/* ---- addresses ------------------------------------------------------------------------ */

static int pack_addrs(const struct sockaddr_storage *ss, const socklen_t *sl, int n,
                      struct sockaddr **out)
{
    *out = NULL;
    if (n == 0)
        return 0;
    size_t total = 0;
    for (int i = 0; i < n; i++)
        total += sl[i];
    uint8_t *p = malloc(total);
    if (!p) {
        errno = ENOMEM;
        return -1;
    }
    size_t off = 0;
    for (int i = 0; i < n; i++) {
        memcpy(p + off, &ss[i], sl[i]);
        off += sl[i];
    }
    *out = (struct sockaddr *)p;
    return n;
}

int mpsctp_getpaddrs(int sd, sctp_assoc_t id, struct sockaddr **addrs)
{
    net_sock *s = sock_enter(sd);
    if (!s)
        return -1;
    if (!addrs)
        return sock_fail(s, EINVAL);
    *addrs = NULL;
    net_assoc *na = net_sock_find_assoc(s, id);
    struct sockaddr_storage ss[8];
    socklen_t sl[8];
    int n = 0;
    if (na && na->a) {
        mpsctp_path_info pi;
        uint16_t port = (uint16_t)mpsctp_assoc_peer_port(na->a);
        for (uint32_t i = 0; n < 8 && mpsctp_assoc_path_info(na->a, i, &pi) == 0; i++)
            net_to_sockaddr(&pi.remote, port, &ss[n], &sl[n]), n++;
    }
    for (int i = 0; i < n; i++)
        net_lk_addr_out(s, &ss[i], &sl[i]); /* SCTP_I_WANT_MAPPED_V4_ADDR */
    int r = pack_addrs(ss, sl, n, addrs);
    int e = errno;
    sock_leave(s);
    errno = e;
    return r;
}

void mpsctp_freepaddrs(struct sockaddr *addrs)
{
    free(addrs);
}

int mpsctp_getladdrs(int sd, sctp_assoc_t id, struct sockaddr **addrs)
{
    net_sock *s = sock_enter(sd);
    if (!s)
        return -1;
    if (!addrs)
        return sock_fail(s, EINVAL);
    *addrs = NULL;
    struct sockaddr_storage ss[16];
    socklen_t sl[16];
    int n = 0;
    if (s->ep) {
        uint16_t port = s->ep->port;
        net_assoc *na = (s->type == SOCK_STREAM || id > SCTP_ALL_ASSOC)
                            ? net_sock_find_assoc(s, id) : NULL;
        if (s->type == SOCK_SEQPACKET && id > SCTP_ALL_ASSOC && !na)
            return sock_fail(s, ENOENT);
        mpsctp_addr seen[16];
        /* A socket bound to addresses (bind/bindx) uses exactly those: the INIT and INIT
         * ACK list them. Otherwise the source addresses the association's paths use. */
        if (na && na->a && s->nladdrs == 0) {
            mpsctp_addr l;
            for (uint32_t i = 0; n < 16 && mpsctp_assoc_local_addr(na->a, i, &l) == 0; i++) {
                if (!l.family)
                    continue;
                int dup = 0;
                for (int j = 0; j < n; j++)
                    dup |= seen[j].family == l.family && !memcmp(seen[j].ip, l.ip, 16);
                if (dup)
                    continue;
                seen[n] = l;
                net_to_sockaddr(&l, port, &ss[n], &sl[n]);
                n++;
            }
        }
        if (n == 0) {
            for (int i = 0; i < s->nladdrs; i++, n++)
                net_to_sockaddr(&s->laddrs[i], port, &ss[n], &sl[n]);
            for (int i = 0; s->nladdrs == 0 && i < s->st->nudp && n < 16; i++) {
                if (s->family == AF_INET && s->st->udp[i].family != AF_INET)
                    continue;
                net_to_sockaddr(&s->st->udp[i].addr, port, &ss[n], &sl[n]);
                n++;
            }
        }
    }
    for (int i = 0; i < n; i++)
        net_lk_addr_out(s, &ss[i], &sl[i]); /* SCTP_I_WANT_MAPPED_V4_ADDR */
    int r = pack_addrs(ss, sl, n, addrs);
    int e = errno;
    sock_leave(s);
    errno = e;
    return r;
}

void mpsctp_freeladdrs(struct sockaddr *addrs)
{
    free(addrs);
}

int mpsctp_getsockname(int sd, struct sockaddr *addr, socklen_t *len)
{
    net_sock *s = sock_enter(sd);
    if (!s)
        return -1;
    if (!addr || !len)
        return sock_fail(s, EINVAL);
    mpsctp_addr a = {.family = s->family == AF_INET6 ? MPSCTP_AF_INET6 : MPSCTP_AF_INET};
    if (s->nladdrs)
        a = s->laddrs[0];
    struct sockaddr_storage ss;
    socklen_t sl;
    net_to_sockaddr(&a, s->ep ? s->ep->port : 0, &ss, &sl);
    net_lk_addr_out(s, &ss, &sl); /* SCTP_I_WANT_MAPPED_V4_ADDR */
    copy_addr(&ss, sl, addr, len);
    sock_leave(s);
    return 0;
}

int mpsctp_getpeername(int sd, struct sockaddr *addr, socklen_t *len)
{
    net_sock *s = sock_enter(sd);
    if (!s)
        return -1;
    if (!addr || !len)
        return sock_fail(s, EINVAL);
    if (s->type != SOCK_STREAM || !s->assoc || !s->assoc->a)
        return sock_fail(s, ENOTCONN);
    struct sockaddr_storage ss;
    socklen_t sl;
    primary_sockaddr(s->assoc, &ss, &sl);
    copy_addr(&ss, sl, addr, len);
    sock_leave(s);
    return 0;
}

int mpsctp_peeloff(int sd, sctp_assoc_t id)
{
    net_sock *s = sock_enter(sd);
    if (!s)
        return -1;
    if (s->type != SOCK_SEQPACKET)
        return sock_fail(s, EINVAL);
    net_assoc *na = net_sock_find_assoc(s, id);
    if (!na)
        return sock_fail(s, ENOENT);
    net_sock *ns = net_sock_new(s->st, s->family, SOCK_STREAM);
    if (!ns)
        return sock_fail(s, ENOMEM);
    ns->o = s->o;
    ns->ep = s->ep;
    ns->bound = 1;
    memcpy(ns->laddrs, s->laddrs, sizeof(ns->laddrs));
    ns->nladdrs = s->nladdrs;
    s->ep->refs++;
    ns->assoc = na;
    ns->was_connected = 1;
    net_blocked_del(na);
    if (s->partial_na == na)
        s->partial_na = NULL;
    na->sock = ns;
    /* The association's queued messages and notifications move along, in order. */
    rq_item *keep = NULL, **tail = &keep, *it;
    while ((it = net_rq_pop(s)) != NULL) {
        if (it->assoc_id == id) {
            net_rq_push(ns, it);
        } else {
            *tail = it;
            tail = &it->next;
        }
    }
    while ((it = keep) != NULL) {
        keep = it->next;
        net_rq_push(s, it);
    }
    na->partial = 0;
    for (it = ns->rq_head; it; it = it->next)
        na->partial = !it->eor;
    int fd = ns->fd;
    net_sock_ready(ns);
    net_sock_ready(s);
    sock_leave(s);
    return fd;
}

/* ---- options entry points ------------------------------------------------------------- */

int mpsctp_getsockopt(int sd, int level, int name, void *val, socklen_t *len)
{
    int r;
    if (net_opt_call_get(sd, level, name, val, len, &r))
        return r; /* a whole call (libsctp's sctp_peeloff...): it takes the lock itself */
    net_sock *s = sock_enter(sd);
    if (!s)
        return -1;
    if (!val || !len)
        return sock_fail(s, EINVAL);
    int e = net_getsockopt(s, level, name, val, len);
    if (e)
        return sock_fail(s, e);
    sock_leave(s);
    return 0;
}

int mpsctp_setsockopt(int sd, int level, int name, const void *val, socklen_t len)
{
    int r;
    if (net_opt_call_set(sd, level, name, val, len, &r))
        return r; /* a whole call (libsctp's sctp_bindx, sctp_connectx) */
    net_sock *s = sock_enter(sd);
    if (!s)
        return -1;
    if (!val)
        return sock_fail(s, EINVAL);
    int e = net_setsockopt(s, level, name, val, len);
    if (e)
        return sock_fail(s, e);
    ep_apply(s);
    net_kick(s->st);
    sock_leave(s);
    return 0;
}
