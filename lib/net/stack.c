/* Stack instance: UDP encapsulation sockets (RFC 6951), the I/O thread or caller-driven
 * processing, demultiplexing to endpoints by SCTP destination port, core events turned
 * into socket state and notifications, and descriptor readiness. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <time.h>
#include <stdio.h>
#include <unistd.h>

#include "mpsctp_pcap.h"
#include "net.h"

mpsctp_tstamp net_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (mpsctp_tstamp)ts.tv_sec * MPSCTP_NS_PER_SEC + (mpsctp_tstamp)ts.tv_nsec;
}

static void stack_random(void *user, void *buf, size_t len)
{
    uint8_t *p = buf;
    while (len) {
        ssize_t n = getrandom(p, len, 0);
        if (n <= 0) {
            if (n < 0 && errno == EINTR)
                continue;
            abort(); /* no entropy source: refuse to run with predictable tags */
        }
        p += n;
        len -= (size_t)n;
    }
}

static void stack_trace(void *user, int dir, const uint8_t *pkt, size_t len,
                        const mpsctp_addr *local, const mpsctp_addr *remote, mpsctp_tstamp now)
{
    mpsctp_stack *st = user;
    mpsctp_addr lc = *local;
    if (!lc.family)
        lc.family = remote->family;
    if (st->pcap) {
        lc.udp_port = st->port;
        mpsctp_pcap_write(st->pcap, dir, pkt, len, &lc, remote,
                          (mpsctp_tstamp)((int64_t)now + st->pcap_clock_off));
    }
    if (!st->cfg.trace)
        return;
    struct sockaddr_storage l, r;
    socklen_t ll, rl;
    net_to_sockaddr(&lc, st->port, &l, &ll);
    net_to_sockaddr(remote, remote->udp_port, &r, &rl);
    st->cfg.trace(st->cfg.trace_user, dir, pkt, len, (struct sockaddr *)&l,
                  (struct sockaddr *)&r);
}

/* Core diagnostics on stderr up to st->log_level, with the stack's clock in seconds. */
static void stack_log(void *user, int level, const char *msg)
{
    mpsctp_stack *st = user;
    if (level > st->log_level)
        return;
    mpsctp_tstamp t = net_now();
    fprintf(stderr, "mpsctp[%d] %ld.%06ld L%d %s\n", (int)getpid(),
            (long)(t / MPSCTP_NS_PER_SEC), (long)(t % MPSCTP_NS_PER_SEC / 1000), level, msg);
}

void net_core_callbacks(mpsctp_stack *st, mpsctp_callbacks *cb)
{
    memset(cb, 0, sizeof(*cb));
    cb->user = st;
    cb->random = stack_random;
    if (st->cfg.trace || st->pcap)
        cb->trace = stack_trace;
    if (st->log_level >= 0)
        cb->log = stack_log;
}

/* ---- addresses ------------------------------------------------------------------- */

void net_to_sockaddr(const mpsctp_addr *a, uint16_t port, struct sockaddr_storage *ss,
                     socklen_t *len)
{
    memset(ss, 0, sizeof(*ss));
    if (a->family == MPSCTP_AF_INET6) {
        struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)ss;
        s6->sin6_family = AF_INET6;
        s6->sin6_port = htons(port);
        memcpy(&s6->sin6_addr, a->ip, 16);
        if (len)
            *len = sizeof(*s6);
    } else {
        struct sockaddr_in *s4 = (struct sockaddr_in *)ss;
        s4->sin_family = AF_INET;
        s4->sin_port = htons(port);
        memcpy(&s4->sin_addr, a->ip, 4);
        if (len)
            *len = sizeof(*s4);
    }
}

int net_from_sockaddr(const struct sockaddr *sa, socklen_t len, mpsctp_addr *a,
                      uint16_t *port)
{
    memset(a, 0, sizeof(*a));
    if (!sa || len < (socklen_t)sizeof(sa_family_t))
        return -1;
    if (sa->sa_family == AF_INET && len >= (socklen_t)sizeof(struct sockaddr_in)) {
        const struct sockaddr_in *s4 = (const struct sockaddr_in *)sa;
        a->family = MPSCTP_AF_INET;
        memcpy(a->ip, &s4->sin_addr, 4);
        if (port)
            *port = ntohs(s4->sin_port);
        return 0;
    }
    if (sa->sa_family == AF_INET6 && len >= (socklen_t)sizeof(struct sockaddr_in6)) {
        const struct sockaddr_in6 *s6 = (const struct sockaddr_in6 *)sa;
        if (IN6_IS_ADDR_V4MAPPED(&s6->sin6_addr)) {
            a->family = MPSCTP_AF_INET;
            memcpy(a->ip, (const uint8_t *)&s6->sin6_addr + 12, 4);
        } else {
            a->family = MPSCTP_AF_INET6;
            memcpy(a->ip, &s6->sin6_addr, 16);
        }
        if (port)
            *port = ntohs(s6->sin6_port);
        return 0;
    }
    return -1;
}

/* ---- stack lifecycle -------------------------------------------------------------- */

static void *stack_thread(void *arg);

/* Opens the packet trace named by cfg->pcap_path or $MPSCTP_PCAP ("%p": process id,
 * "%u": the stack's UDP port). Returns 0 (also when no trace is wanted) or -1 with errno;
 * a file named by the environment variable that cannot be created is also reported on
 * stderr (the variable, the path and why), since the program that fails knows nothing of
 * the variable. */
static int pcap_start(mpsctp_stack *st)
{
    const char *tmpl = st->cfg.pcap_path;
    int from_env = !tmpl;
    if (!tmpl)
        tmpl = getenv("MPSCTP_PCAP");
    if (!tmpl || !*tmpl)
        return 0;
    char path[4096];
    size_t o = 0;
    for (const char *c = tmpl; *c && o + 12 < sizeof(path); c++) {
        if (c[0] == '%' && (c[1] == 'p' || c[1] == 'u')) {
            unsigned v = c[1] == 'p' ? (unsigned)getpid() : st->port;
            o += (size_t)snprintf(path + o, sizeof(path) - o, "%u", v);
            c++;
        } else {
            path[o++] = *c;
        }
    }
    path[o] = 0;
    st->pcap = mpsctp_pcap_open(path);
    if (!st->pcap) {
        int e = errno;
        if (from_env && strcmp(tmpl, path))
            fprintf(stderr, "mpsctp: MPSCTP_PCAP=%s (%s): %s\n", tmpl, path, strerror(e));
        else if (from_env)
            fprintf(stderr, "mpsctp: MPSCTP_PCAP=%s: %s\n", path, strerror(e));
        errno = e;
        return -1;
    }
    struct timespec rt, mt;
    clock_gettime(CLOCK_REALTIME, &rt);
    clock_gettime(CLOCK_MONOTONIC, &mt);
    st->pcap_clock_off = ((int64_t)rt.tv_sec - (int64_t)mt.tv_sec) * (int64_t)MPSCTP_NS_PER_SEC +
                         ((int64_t)rt.tv_nsec - (int64_t)mt.tv_nsec);
    return 0;
}

mpsctp_stack *mpsctp_stack_new(const mpsctp_stack_config *cfg)
{
    mpsctp_stack_config def;
    if (!cfg) {
        memset(&def, 0, sizeof(def));
        cfg = &def;
    }
    if (cfg->naddrs > MPSCTP_STACK_MAX_ADDRS || cfg->udp_port < MPSCTP_UDP_PORT_LISTEN || cfg->udp_port > 65535 ||
        (cfg->mtu && cfg->mtu < 508) || cfg->mtu > NET_MTU_MAX) {
        errno = EINVAL;
        return NULL;
    }
    mpsctp_stack *st = calloc(1, sizeof(*st));
    if (!st) {
        errno = ENOMEM;
        return NULL;
    }
    st->cfg = *cfg;
    st->mtu = cfg->mtu ? cfg->mtu : 1472;
    st->outbuf = malloc((size_t)NET_TX_BATCH * st->mtu);
    st->rxbuf = malloc((size_t)NET_RX_BATCH * NET_RX_STRIDE);
    if (!st->outbuf || !st->rxbuf) {
        free(st->outbuf);
        free(st->rxbuf);
        free(st);
        errno = ENOMEM;
        return NULL;
    }
    for (int i = 0; i < NET_TX_BATCH; i++)
        st->out[i].buf = st->outbuf + (size_t)i * st->mtu;
    st->next_id = SCTP_ALL_ASSOC + 1;
    const char *nooff = getenv("MPSCTP_NO_OFFLOAD");
    st->no_offload = cfg->no_offload || (nooff && *nooff && strcmp(nooff, "0") != 0);
    /* MPSCTP_LOG=LEVEL (0 errors .. 3 debug) prints the core's diagnostics. */
    const char *lv = getenv("MPSCTP_LOG");
    st->log_level = lv && *lv ? atoi(lv) : -1;
    uint16_t r;
    stack_random(NULL, &r, sizeof(r));
    st->next_port = (uint16_t)(49152 + r % 16384);
    pthread_mutex_init(&st->lock, NULL);
    pthread_cond_init(&st->cond, NULL);
    st->epfd = epoll_create1(EPOLL_CLOEXEC);
    st->wakefd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    if (st->epfd < 0 || st->wakefd < 0)
        goto fail;
    struct epoll_event wev = {.events = EPOLLIN, .data.u32 = 0xffffffffu};
    epoll_ctl(st->epfd, EPOLL_CTL_ADD, st->wakefd, &wev);
    uint16_t port = cfg->udp_port == 0 ? MPSCTP_DEFAULT_UDP_PORT
                    : cfg->udp_port < 0 ? 0 : (uint16_t)cfg->udp_port;
    st->port = port;
    if (cfg->naddrs == 0) {
        mpsctp_addr a4 = {.family = MPSCTP_AF_INET}, a6 = {.family = MPSCTP_AF_INET6};
        if (net_udp_open(st, &a4, st->port) < 0)
            goto fail;
        if (!cfg->no_ipv6)
            net_udp_open(st, &a6, st->port); /* IPv6 may be unavailable: IPv4 only then */
    } else {
        for (size_t i = 0; i < cfg->naddrs; i++) {
            mpsctp_addr a;
            const struct sockaddr *sa = (const struct sockaddr *)&cfg->addrs[i];
            if (net_from_sockaddr(sa, sizeof(cfg->addrs[i]), &a, NULL)) {
                errno = EINVAL;
                goto fail;
            }
            if (net_udp_open(st, &a, st->port) < 0)
                goto fail;
        }
    }
    if (pcap_start(st) < 0)
        goto fail;
    if (!cfg->no_thread) {
        if (pthread_create(&st->thr, NULL, stack_thread, st) != 0) {
            errno = EAGAIN;
            goto fail;
        }
        st->has_thread = 1;
    }
    return st;
fail: {
    int e = errno;
    for (int i = 0; i < st->nudp; i++)
        close(st->udp[i].fd);
    mpsctp_pcap_close(st->pcap);
    if (st->epfd >= 0)
        close(st->epfd);
    if (st->wakefd >= 0)
        close(st->wakefd);
    pthread_mutex_destroy(&st->lock);
    pthread_cond_destroy(&st->cond);
    free(st->outbuf);
    free(st->rxbuf);
    free(st);
    errno = e;
    return NULL;
}
}

uint16_t mpsctp_stack_udp_port(const mpsctp_stack *st)
{
    return st ? st->port : 0;
}

int mpsctp_stack_fd(const mpsctp_stack *st)
{
    return st ? st->epfd : -1;
}

void mpsctp_stack_stats_get(mpsctp_stack *st, mpsctp_stack_stats *out)
{
    pthread_mutex_lock(&st->lock);
    *out = st->stats;
    pthread_mutex_unlock(&st->lock);
}

static mpsctp_tstamp stack_deadline(mpsctp_stack *st)
{
    mpsctp_tstamp d = MPSCTP_TSTAMP_NEVER;
    for (net_ep *e = st->eps; e; e = e->next) {
        mpsctp_tstamp t = mpsctp_endpoint_deadline(e->ep);
        if (t < d)
            d = t;
    }
    return d;
}

static int ms_until(mpsctp_tstamp d)
{
    if (d == MPSCTP_TSTAMP_NEVER)
        return -1;
    mpsctp_tstamp now = net_now();
    if (d <= now)
        return 0;
    uint64_t ms = (d - now + MPSCTP_NS_PER_MS - 1) / MPSCTP_NS_PER_MS;
    return ms > 60000 ? 60000 : (int)ms;
}

int mpsctp_stack_timeout(mpsctp_stack *st)
{
    pthread_mutex_lock(&st->lock);
    mpsctp_tstamp d = stack_deadline(st);
    pthread_mutex_unlock(&st->lock);
    return ms_until(d);
}

/* Waits on the epoll set (lock not held) and runs one round. */
static int stack_poll_round(mpsctp_stack *st, int timeout_ms)
{
    struct epoll_event evs[NET_MAX_UDP + 1];
    int n = epoll_wait(st->epfd, evs, NET_MAX_UDP + 1, timeout_ms);
    if (n < 0 && errno != EINTR)
        return -1;
    for (int i = 0; i < n; i++) {
        if (evs[i].data.u32 == 0xffffffffu) {
            uint64_t v;
            if (read(st->wakefd, &v, sizeof(v)) < 0) {
                /* nothing to drain */
            }
        }
    }
    pthread_mutex_lock(&st->lock);
    net_round(st, 1);
    pthread_mutex_unlock(&st->lock);
    return 0;
}

int mpsctp_stack_process(mpsctp_stack *st, int timeout_ms)
{
    if (!st) {
        errno = EINVAL;
        return -1;
    }
    int t = mpsctp_stack_timeout(st);
    if (timeout_ms < 0 || (t >= 0 && t < timeout_ms))
        timeout_ms = t < 0 ? timeout_ms : (timeout_ms < 0 || t < timeout_ms ? t : timeout_ms);
    return stack_poll_round(st, timeout_ms);
}

static void *stack_thread(void *arg)
{
    mpsctp_stack *st = arg;
    pthread_mutex_lock(&st->lock);
    while (!st->stop) {
        mpsctp_tstamp d = stack_deadline(st);
        st->sleep_until = d;
        pthread_mutex_unlock(&st->lock);
        stack_poll_round(st, ms_until(d));
        pthread_mutex_lock(&st->lock);
    }
    pthread_mutex_unlock(&st->lock);
    return NULL;
}

void net_kick(mpsctp_stack *st)
{
    net_round(st, 0);
    if (st->has_thread) {
        mpsctp_tstamp d = stack_deadline(st);
        if (d < st->sleep_until) {
            st->sleep_until = d;
            uint64_t one = 1;
            if (write(st->wakefd, &one, sizeof(one)) < 0) {
                /* the counter is already nonzero: the thread wakes anyway */
            }
        }
    }
}

static int wait_once(mpsctp_stack *st, mpsctp_tstamp deadline);

int net_wait(mpsctp_stack *st, mpsctp_tstamp deadline)
{
    if (deadline && net_now() >= deadline)
        return ETIMEDOUT;
    st->stats.waiting_calls++;
    int r = wait_once(st, deadline);
    st->stats.waiting_calls--;
    return r;
}

/* One wait of net_wait: on the condition variable, or driving a thread-less stack. */
static int wait_once(mpsctp_stack *st, mpsctp_tstamp deadline)
{
    if (st->has_thread) {
        /* What the waiter needs (a SACK that frees send buffer, data) is often already
         * in the UDP sockets, not yet taken by the I/O thread: the waiter takes it
         * itself, without the hand-off. It sleeps only when nothing was there. */
        if (net_round(st, 1) > 0)
            return 0;
        if (!deadline) {
            pthread_cond_wait(&st->cond, &st->lock);
        } else {
            struct timespec ts, rt;
            mpsctp_tstamp t0 = net_now();
            if (t0 >= deadline)
                return 0;
            mpsctp_tstamp left = deadline - t0;
            clock_gettime(CLOCK_REALTIME, &rt);
            uint64_t ns = (uint64_t)rt.tv_nsec + left % MPSCTP_NS_PER_SEC;
            ts.tv_sec = rt.tv_sec + (time_t)(left / MPSCTP_NS_PER_SEC) +
                        (time_t)(ns / MPSCTP_NS_PER_SEC);
            ts.tv_nsec = (long)(ns % MPSCTP_NS_PER_SEC);
            pthread_cond_timedwait(&st->cond, &st->lock, &ts);
        }
        return 0;
    }
    /* No I/O thread: the waiting caller drives the stack. */
    int t = ms_until(stack_deadline(st));
    int cap = deadline ? ms_until(deadline) : 100;
    if (t < 0 || t > cap)
        t = cap;
    if (t > 100)
        t = 100;
    pthread_mutex_unlock(&st->lock);
    stack_poll_round(st, t);
    pthread_mutex_lock(&st->lock);
    return 0;
}

/* ---- endpoints --------------------------------------------------------------------- */

static net_ep *ep_find(mpsctp_stack *st, uint16_t port)
{
    for (net_ep *e = st->eps; e; e = e->next)
        if (e->port == port)
            return e;
    return NULL;
}

net_ep *net_ep_get(mpsctp_stack *st, uint16_t port, int exclusive)
{
    net_ep *e = NULL;
    if (port == 0) {
        for (int i = 0; i < 16384; i++) {
            uint16_t p = st->next_port++;
            if (st->next_port == 0 || st->next_port < 49152)
                st->next_port = 49152;
            if (!ep_find(st, p)) {
                port = p;
                break;
            }
        }
        if (!port) {
            errno = EADDRINUSE;
            return NULL;
        }
    } else if ((e = ep_find(st, port)) != NULL) {
        if (exclusive && (e->refs > 0 || e->owner)) {
            errno = EADDRINUSE;
            return NULL;
        }
        e->refs++;
        return e;
    }
    e = calloc(1, sizeof(*e));
    if (!e) {
        errno = ENOMEM;
        return NULL;
    }
    mpsctp_settings s;
    mpsctp_settings_default(&s);
    s.local_port = port;
    s.mtu = st->mtu;
    mpsctp_callbacks cb;
    net_core_callbacks(st, &cb);
    e->ep = mpsctp_endpoint_new(&s, &cb);
    if (!e->ep) {
        free(e);
        errno = ENOMEM;
        return NULL;
    }
    e->st = st;
    e->port = port;
    e->refs = 1;
    e->next = st->eps;
    st->eps = e;
    return e;
}

static void flush_ep(mpsctp_stack *st, mpsctp_endpoint *ep);

static void ep_maybe_free(net_ep *e)
{
    if (e->refs > 0 || e->assocs || e->owner)
        return;
    mpsctp_stack *st = e->st;
    flush_ep(st, e->ep);
    for (net_ep **pp = &st->eps; *pp; pp = &(*pp)->next)
        if (*pp == e) {
            *pp = e->next;
            break;
        }
    mpsctp_endpoint_free(e->ep);
    free(e);
}

void net_ep_put(net_ep *e)
{
    if (!e)
        return;
    e->refs--;
    ep_maybe_free(e);
}

/* An endpoint's associations by id: chains in a table that doubles when there are more
 * associations than chains, so a lookup costs the same at any count. The table comes
 * with the first association and goes with the last. */
static size_t id_slot(sctp_assoc_t id, size_t cap)
{
    return (size_t)((uint32_t)id * 2654435761u) & (cap - 1);
}

static void id_grow(net_ep *e)
{
    size_t cap = e->id_cap ? e->id_cap * 2 : 64;
    net_assoc **t = calloc(cap, sizeof(*t));
    if (!t)
        return; /* longer chains, still correct */
    for (size_t i = 0; i < e->id_cap; i++)
        for (net_assoc *na = e->by_id[i], *nx; na; na = nx) {
            nx = na->id_next;
            size_t k = id_slot(na->id, cap);
            na->id_next = t[k];
            t[k] = na;
        }
    free(e->by_id);
    e->by_id = t;
    e->id_cap = cap;
}

net_assoc *net_assoc_by_id(const net_ep *e, sctp_assoc_t id)
{
    if (!e->id_cap)
        return NULL;
    for (net_assoc *na = e->by_id[id_slot(id, e->id_cap)]; na; na = na->id_next)
        if (na->id == id)
            return na;
    return NULL;
}

/* The link at offset off of association na. */
static net_alink *alink_of(net_assoc *na, size_t off)
{
    return (net_alink *)(void *)((char *)na + off);
}

/* Puts na at the head of the list head through its link at offset off (once). */
static void alink_add(net_assoc **head, net_assoc *na, size_t off)
{
    net_alink *l = alink_of(na, off);
    if (l->pprev)
        return;
    l->next = *head;
    if (l->next)
        alink_of(l->next, off)->pprev = &l->next;
    l->pprev = head;
    *head = na;
}

/* Takes na out of the list its link at offset off is in (if any). */
static void alink_del(net_assoc *na, size_t off)
{
    net_alink *l = alink_of(na, off);
    if (!l->pprev)
        return;
    *l->pprev = l->next;
    if (l->next)
        alink_of(l->next, off)->pprev = l->pprev;
    l->next = NULL;
    l->pprev = NULL;
}

net_assoc *net_assoc_new(net_ep *e, mpsctp_assoc *a)
{
    if (e->nassocs >= e->id_cap)
        id_grow(e);
    if (!e->id_cap)
        return NULL;
    net_assoc *na = calloc(1, sizeof(*na));
    if (!na)
        return NULL;
    na->a = a;
    na->ep = e;
    na->core_id = mpsctp_assoc_id(a);
    na->id = e->st->next_id++;
    if (e->st->next_id <= SCTP_ALL_ASSOC)
        e->st->next_id = SCTP_ALL_ASSOC + 1;
    na->want = 1;
    mpsctp_assoc_set_user(a, na);
    alink_add(&e->assocs, na, offsetof(net_assoc, ep_link));
    e->assocs = na;
    size_t k = id_slot(na->id, e->id_cap);
    na->id_next = e->by_id[k];
    e->by_id[k] = na;
    e->nassocs++;
    return na;
}

net_assoc *net_assoc_by_core(net_ep *e, const mpsctp_assoc *a)
{
    net_assoc *na = mpsctp_assoc_user(a);
    return na && na->ep == e && na->a == a ? na : NULL;
}

/* The endpoint's list of associations with readable data the socket queue has not
 * taken yet. */
static void pend_add(net_ep *e, net_assoc *na)
{
    alink_add(&e->pend_head, na, offsetof(net_assoc, pend));
}

static void pend_del(net_assoc *na)
{
    alink_del(na, offsetof(net_assoc, pend));
}

void net_blocked_add(net_assoc *na)
{
    if (na->sock && na->sock->type == SOCK_SEQPACKET)
        alink_add(&na->sock->blk_head, na, offsetof(net_assoc, blk));
}

void net_blocked_del(net_assoc *na)
{
    alink_del(na, offsetof(net_assoc, blk));
}

void net_assoc_free(net_assoc *na)
{
    net_ep *e = na->ep;
    net_blocked_del(na);
    pend_del(na);
    if (na->sock && na->sock->partial_na == na)
        na->sock->partial_na = NULL;
    /* Out of the endpoint's list and id table: constant time at any count. */
    alink_del(na, offsetof(net_assoc, ep_link));
    for (net_assoc **pp = &e->by_id[id_slot(na->id, e->id_cap)]; *pp; pp = &(*pp)->id_next)
        if (*pp == na) {
            *pp = na->id_next;
            break;
        }
    if (--e->nassocs == 0) {
        free(e->by_id);
        e->by_id = NULL;
        e->id_cap = 0;
    }
    if (na->sock && na->sock->assoc == na)
        na->sock->assoc = NULL;
    if (na->a)
        mpsctp_assoc_free(na->a);
    if (na->refs > 0) {
        /* A blocked call still looks at it: leave a closed, detached record. */
        na->a = NULL;
        na->ep = NULL;
        na->sock = NULL;
        na->closed = 1;
        na->dead = 1;
    } else {
        free(na);
    }
    ep_maybe_free(e);
}

void net_assoc_hold(net_assoc *na)
{
    na->refs++;
}

void net_assoc_drop(net_assoc *na)
{
    if (--na->refs == 0 && na->dead)
        free(na);
}

/* ---- receive queue and readiness --------------------------------------------------- */

/* What malloc adds to each block (its chunk header, rounded to the alignment): counted
 * with the item so that many tiny items cannot hide behind their payload size. */
#define NET_MALLOC_OVERHEAD 16

rq_item *net_rq_alloc(size_t cap)
{
    rq_item *it = malloc(sizeof(*it) + cap);
    if (!it)
        return NULL;
    memset(it, 0, sizeof(*it));
    it->mem = sizeof(*it) + cap + NET_MALLOC_OVERHEAD;
    return it;
}

void net_rq_push(net_sock *s, rq_item *it)
{
    it->next = NULL;
    if (s->rq_tail)
        s->rq_tail->next = it;
    else
        s->rq_head = it;
    s->rq_tail = it;
    s->rq_mem += it->mem;
    s->rq_items++;
    s->st->changed = 1;
}

rq_item *net_rq_pop(net_sock *s)
{
    rq_item *it = s->rq_head;
    if (!it)
        return NULL;
    s->rq_head = it->next;
    if (!s->rq_head)
        s->rq_tail = NULL;
    s->rq_mem -= it->mem;
    s->rq_items--;
    it->next = NULL;
    return it;
}

void net_pull(net_assoc *na, int limit)
{
    net_sock *s = na->sock;
    if (!na->a)
        return;
    mpsctp_tstamp now = net_now();
    if (!s || s->shut_rd || s->closing) {
        /* Nobody will read: discard so the peer's window stays open. */
        uint8_t scratch[4096];
        while (mpsctp_assoc_readable(na->a) &&
               mpsctp_assoc_recv(na->a, scratch, sizeof(scratch), NULL, NULL, now) > 0) {
        }
        return;
    }
    net_assoc *o = s->partial_na;
    if (s->type == SOCK_SEQPACKET && !na->partial && o && o != na && o->sock == s &&
        o->partial) {
        /* RFC 6458 s8.1.20 level 0: no interleaving into a partial message: later */
        if (na->ep)
            pend_add(na->ep, na);
        return;
    }
    size_t rcvbuf = s->o.set.rcvbuf;
    for (;;) {
        /* The queue's memory (item headers and data, not only payload) stays within
         * SO_RCVBUF plus one item of at most NET_PULL_MIN bytes beyond the room left. */
        if (limit && s->rq_mem >= rcvbuf)
            break;
        /* An item per message, of the message's size (what is readable of it now). */
        size_t n = mpsctp_assoc_next_len(na->a);
        if (!n)
            break;
        /* Stay below malloc's mmap threshold (128 KiB): a larger message comes in
         * pieces. */
        if (n > NET_PULL_MAX)
            n = NET_PULL_MAX;
        if (limit) {
            size_t room = rcvbuf - s->rq_mem;
            if (n > room)
                n = room > NET_PULL_MIN ? room : NET_PULL_MIN;
        }
        rq_item *it = net_rq_alloc(n);
        if (!it)
            break;
        int eor = 0;
        ssize_t r = mpsctp_assoc_recv(na->a, it->data, n, &it->info, &eor, now);
        if (r <= 0) {
            free(it);
            break;
        }
        it->len = (size_t)r;
        it->eor = eor;
        it->assoc_id = na->id;
        na->partial = !eor;
        if (na->partial)
            s->partial_na = na;
        else if (s->partial_na == na)
            s->partial_na = NULL;
        net_rq_push(s, it);
    }
    /* What the queue had no room for waits on the endpoint's list (reading may also have
     * made more readable than the core reported). */
    if (na->ep && mpsctp_assoc_readable(na->a))
        pend_add(na->ep, na);
}

static void fd_set_readable(net_sock *s, int on)
{
    if (on == s->rd_on || (!on && !net_sock_fd_ours(s)))
        return; /* never read from a descriptor that is no longer ours */
    if (on) {
        char c = 1;
        if (send(s->peer, &c, 1, MSG_DONTWAIT | MSG_NOSIGNAL) == 1)
            s->rd_on = 1;
    } else {
        char buf[64];
        while (net_fd_recv(s->fd, buf, sizeof(buf)) > 0) {
        }
        s->rd_on = 0;
    }
}

static void fd_set_writable(net_sock *s, int on)
{
    if (on == s->wr_on || (!on && !net_sock_fd_ours(s)))
        return; /* never write to a descriptor that is no longer ours */
    char buf[1024];
    if (on) {
        while (recv(s->peer, buf, sizeof(buf), MSG_DONTWAIT) > 0) {
        }
        s->wr_on = 1;
    } else {
        memset(buf, 0, sizeof(buf));
        for (int i = 0; i < 1024; i++)
            if (net_fd_send(s->fd, buf, sizeof(buf)) <= 0)
                break;
        s->wr_on = 0;
    }
}

static int assoc_has_room(const net_assoc *na)
{
    uint32_t limit = 0, total = 0, ns = 0;
    if (!na->a)
        return 1;
    mpsctp_assoc_sndqueue_info(na->a, &limit, &total, NULL, 0, &ns);
    return total < limit && limit - total >= na->want;
}

void net_sock_ready(net_sock *s)
{
    if (s->closing)
        return;
    int r = 0, w = 0;
    if (s->rq_head || s->acc_head || s->so_error || s->shut_rd)
        r = 1;
    if (s->type == SOCK_STREAM) {
        net_assoc *na = s->assoc;
        if (na && (na->closed || na->peer_shutdown))
            r = 1;
        if (s->so_error)
            w = 1;
        else if (na && na->closed)
            w = 1;
        else if (na && na->up)
            w = s->shut_wr ? 1 : assoc_has_room(na);
    } else {
        /* Writable unless an association that a send found full still is (a send to
         * another association may still block: the call says so, EAGAIN). */
        w = 1;
        for (net_assoc *na = s->blk_head, *nx; na; na = nx) {
            nx = na->blk.next;
            if (na->sock != s || na->closed || assoc_has_room(na))
                net_blocked_del(na);
            else
                w = 0;
        }
    }
    fd_set_readable(s, r);
    fd_set_writable(s, w);
}

/* ---- notifications ------------------------------------------------------------------ */

static int event_on(const net_assoc *na, uint16_t type)
{
    return type > SCTP_SN_TYPE_BASE && type - SCTP_SN_TYPE_BASE < 32 &&
           (na->events >> (type - SCTP_SN_TYPE_BASE)) & 1;
}

/* Queues notification n for s when its type is on. Each is charged to the receive
 * queue like a message; once the queue's memory reaches SO_RCVBUF, notifications a peer
 * can make us generate without bound (remote errors, address changes, send failures,
 * sender dry) are dropped and counted, as kernel stacks drop what does not fit in the
 * socket buffer. Association and shutdown changes, a few per association, always go
 * in: an application must not miss the end of an association. */
static void notify(net_sock *s, net_assoc *na, const void *n, size_t len)
{
    if (!s || s->closing || s->shut_rd)
        return;
    const struct sctp_tlv *h = n;
    if (!event_on(na, h->sn_type))
        return;
    if (h->sn_type != SCTP_ASSOC_CHANGE && h->sn_type != SCTP_SHUTDOWN_EVENT &&
        s->rq_mem + sizeof(rq_item) + len + NET_MALLOC_OVERHEAD > s->o.set.rcvbuf) {
        s->notif_dropped++;
        s->st->stats.dropped_notifications++;
        return;
    }
    rq_item *it = net_rq_alloc(len);
    if (!it)
        return;
    memcpy(it->data, n, len);
    it->len = len;
    it->notification = 1;
    it->eor = 1;
    it->assoc_id = na->id;
    net_rq_push(s, it);
}

/* The stream reconfiguration notifications (RFC 6525; Linux layouts). */
static void notify_reconf(net_sock *s, net_assoc *na, const mpsctp_event *ev)
{
    if (ev->type == MPSCTP_EV_STREAM_RESET) {
        size_t len = sizeof(struct sctp_stream_reset_event) + (size_t)ev->nstreams * 2;
        struct sctp_stream_reset_event *n = calloc(1, len);
        if (!n)
            return;
        n->strreset_type = SCTP_STREAM_RESET_EVENT;
        n->strreset_flags = ev->flags; /* the core uses the Linux flag values */
        n->strreset_length = (uint32_t)len;
        n->strreset_assoc_id = na->id;
        if (ev->nstreams && ev->streams)
            memcpy(n->strreset_stream_list, ev->streams, (size_t)ev->nstreams * 2);
        notify(s, na, n, len);
        free(n);
    } else if (ev->type == MPSCTP_EV_ASSOC_RESET) {
        struct sctp_assoc_reset_event n;
        memset(&n, 0, sizeof(n));
        n.assocreset_type = SCTP_ASSOC_RESET_EVENT;
        n.assocreset_flags = ev->flags;
        n.assocreset_length = sizeof(n);
        n.assocreset_assoc_id = na->id;
        n.assocreset_local_tsn = ev->local_tsn;
        n.assocreset_remote_tsn = ev->remote_tsn;
        notify(s, na, &n, sizeof(n));
    } else {
        struct sctp_stream_change_event n;
        memset(&n, 0, sizeof(n));
        n.strchange_type = SCTP_STREAM_CHANGE_EVENT;
        n.strchange_flags = ev->flags;
        n.strchange_length = sizeof(n);
        n.strchange_assoc_id = na->id;
        n.strchange_instrms = ev->inbound_streams;
        n.strchange_outstrms = ev->outbound_streams;
        notify(s, na, &n, sizeof(n));
    }
}

static int close_errno(net_assoc *na, uint32_t change)
{
    int timed_out = mpsctp_assoc_timed_out(na->a);
    if (change == MPSCTP_SHUTDOWN_COMP)
        return 0;
    if (change == MPSCTP_CANT_STR_ASSOC)
        return timed_out ? ETIMEDOUT : ECONNREFUSED;
    return timed_out ? ETIMEDOUT : ECONNRESET;
}

/* A new association accepted by a listening endpoint. */
static net_assoc *assoc_incoming(net_ep *e, mpsctp_assoc *a)
{
    net_sock *o = e->owner;
    if (!o || o->closing || !o->listening ||
        (o->type == SOCK_STREAM && o->acc_count >= (o->backlog > 0 ? o->backlog : 1))) {
        mpsctp_assoc_free(a); /* aborts */
        return NULL;
    }
    net_assoc *na = net_assoc_new(e, a);
    if (!na) {
        mpsctp_assoc_free(a);
        return NULL;
    }
    if (o->type == SOCK_STREAM) {
        net_sock *ns = net_sock_new(e->st, o->family, SOCK_STREAM);
        if (!ns) {
            net_assoc_free(na);
            return NULL;
        }
        ns->o = o->o;
        ns->ep = e;
        ns->bound = 1;
        memcpy(ns->laddrs, o->laddrs, sizeof(ns->laddrs));
        ns->nladdrs = o->nladdrs;
        e->refs++;
        ns->assoc = na;
        ns->was_connected = 1;
        na->sock = ns;
        if (o->acc_tail)
            o->acc_tail->acc_next = na;
        else
            o->acc_head = na;
        o->acc_tail = na;
        o->acc_count++;
    } else {
        na->sock = o;
    }
    net_apply_opts(na->sock, na);
    return na;
}

static void dispatch_event(net_ep *e, const mpsctp_event *ev)
{
    net_assoc *na = net_assoc_by_core(e, ev->assoc);
    if (!na) {
        if (ev->type == MPSCTP_EV_ASSOC_CHANGE && ev->state == MPSCTP_COMM_UP && ev->assoc)
            na = assoc_incoming(e, ev->assoc);
        if (!na)
            return;
    }
    net_sock *s = na->sock;
    e->st->changed = 1;
    switch (ev->type) {
    case MPSCTP_EV_ASSOC_CHANGE: {
        struct sctp_assoc_change n;
        memset(&n, 0, sizeof(n));
        n.sac_type = SCTP_ASSOC_CHANGE;
        n.sac_length = sizeof(n);
        n.sac_state = (uint16_t)ev->state;
        n.sac_error = ev->error;
        n.sac_outbound_streams = ev->outbound_streams;
        n.sac_inbound_streams = ev->inbound_streams;
        n.sac_assoc_id = na->id;
        if (ev->state == MPSCTP_COMM_UP || ev->state == MPSCTP_RESTART) {
            na->up = 1;
            notify(s, na, &n, sizeof(n));
            break;
        }
        net_pull(na, 0);
        na->closed = 1;
        na->err = close_errno(na, ev->state);
        if (s && s->type == SOCK_STREAM && na->err && !s->closing)
            s->so_error = na->err;
        notify(s, na, &n, sizeof(n));
        na->free_core = 1;
        na->ep->free_pending = 1;
        break;
    }
    case MPSCTP_EV_PEER_ADDR_CHANGE: {
        struct sctp_paddr_change n;
        memset(&n, 0, sizeof(n));
        n.spc_type = SCTP_PEER_ADDR_CHANGE;
        n.spc_length = sizeof(n);
        mpsctp_path_info pi;
        if (mpsctp_assoc_path_info(na->a, ev->path, &pi) == 0) {
            struct sockaddr_storage ss;
            net_to_sockaddr(&pi.remote, (uint16_t)mpsctp_assoc_peer_port(na->a), &ss, NULL);
            if (s)
                net_lk_addr_out(s, &ss, NULL); /* SCTP_I_WANT_MAPPED_V4_ADDR */
            memcpy(&n.spc_aaddr, &ss, sizeof(ss));
        }
        n.spc_state = ev->state;
        n.spc_error = ev->error;
        n.spc_assoc_id = na->id;
        notify(s, na, &n, sizeof(n));
        break;
    }
    case MPSCTP_EV_REMOTE_ERROR: {
        struct sctp_remote_error n;
        memset(&n, 0, sizeof(n));
        n.sre_type = SCTP_REMOTE_ERROR;
        n.sre_length = sizeof(n);
        n.sre_error = ev->error;
        n.sre_assoc_id = na->id;
        /* Data that came before goes first, within the queue's limit: when data is left
         * in the association, the queue is full and the notification is dropped. */
        net_pull(na, 1);
        notify(s, na, &n, sizeof(n));
        break;
    }
    case MPSCTP_EV_SEND_FAILED: {
        struct sctp_send_failed_event n;
        memset(&n, 0, sizeof(n));
        n.ssf_type = SCTP_SEND_FAILED_EVENT;
        /* The core reports the message without its data: ssf_data is empty. */
        n.ssf_flags = ev->sent ? SCTP_DATA_SENT : SCTP_DATA_UNSENT;
        n.ssf_length = sizeof(n);
        n.ssf_error = ev->error;
        n.ssfe_info.snd_sid = ev->sid;
        n.ssfe_info.snd_ppid = ev->ppid;
        n.ssfe_info.snd_context = ev->context;
        n.ssfe_info.snd_assoc_id = na->id;
        n.ssf_assoc_id = na->id;
        notify(s, na, &n, sizeof(n));
        /* The older form, for applications subscribed to it (Linux sends both). */
        struct sctp_send_failed o;
        memset(&o, 0, sizeof(o));
        o.ssf_type = SCTP_SEND_FAILED;
        o.ssf_flags = n.ssf_flags;
        o.ssf_length = sizeof(o);
        o.ssf_error = ev->error;
        o.ssf_info.sinfo_stream = ev->sid;
        o.ssf_info.sinfo_ppid = ev->ppid;
        o.ssf_info.sinfo_context = ev->context;
        o.ssf_info.sinfo_flags = ev->pr_policy;
        o.ssf_info.sinfo_assoc_id = na->id;
        o.ssf_assoc_id = na->id;
        notify(s, na, &o, sizeof(o));
        break;
    }
    case MPSCTP_EV_PARTIAL_DELIVERY: {
        /* RFC 6458 s6.1.7: a FORWARD TSN ended a message under partial delivery; what
         * was read of it stays read, the rest will not come. */
        struct sctp_pdapi_event n;
        memset(&n, 0, sizeof(n));
        n.pdapi_type = SCTP_PARTIAL_DELIVERY_EVENT;
        n.pdapi_length = sizeof(n);
        n.pdapi_indication = SCTP_PARTIAL_DELIVERY_ABORTED;
        n.pdapi_assoc_id = na->id;
        n.pdapi_stream = ev->sid;
        n.pdapi_seq = ev->ssn;
        net_pull(na, 1);
        notify(s, na, &n, sizeof(n));
        break;
    }
    case MPSCTP_EV_SHUTDOWN: {
        struct sctp_shutdown_event n;
        memset(&n, 0, sizeof(n));
        n.sse_type = SCTP_SHUTDOWN_EVENT;
        n.sse_length = sizeof(n);
        n.sse_assoc_id = na->id;
        net_pull(na, 0); /* the association's data comes first */
        na->peer_shutdown = 1;
        if (na->sock && na->sock->type == SOCK_STREAM)
            na->sock->peer_closed = 1;
        notify(s, na, &n, sizeof(n));
        break;
    }
    case MPSCTP_EV_SENDER_DRY: {
        struct sctp_sender_dry_event n;
        memset(&n, 0, sizeof(n));
        n.sender_dry_type = SCTP_SENDER_DRY_EVENT;
        n.sender_dry_length = sizeof(n);
        n.sender_dry_assoc_id = na->id;
        notify(s, na, &n, sizeof(n));
        break;
    }
    case MPSCTP_EV_STREAM_RESET:
    case MPSCTP_EV_ASSOC_RESET:
    case MPSCTP_EV_STREAM_CHANGE:
        /* The messages that came before the reset are read before its notification. */
        net_pull(na, 0);
        notify_reconf(s, na, ev);
        break;
    }
}

/* Moves readable data into the socket queues: of the associations the core reports as
 * having got some, and of those that had more than their queue took before; not a
 * visit of every association. */
static void deliver(mpsctp_stack *st, net_ep *e)
{
    mpsctp_assoc *a;
    while ((a = mpsctp_endpoint_next_readable(e->ep)) != NULL) {
        net_assoc *na = net_assoc_by_core(e, a);
        if (na)
            pend_add(e, na);
    }
    for (net_assoc *na = e->pend_head, *nn; na; na = nn) {
        nn = na->pend.next;
        net_sock *s = na->sock;
        if (!na->closed && na->a && mpsctp_assoc_readable(na->a)) {
            if (s && !s->shut_rd && !s->closing && s->rq_mem >= s->o.set.rcvbuf)
                continue; /* its queue is full: later */
            size_t before = s ? s->rq_mem : 0;
            net_pull(na, 1);
            if (s && s->rq_mem != before)
                st->changed = 1;
        }
        if (na->closed || !na->a || !mpsctp_assoc_readable(na->a))
            pend_del(na);
    }
}

static void dispatch(mpsctp_stack *st)
{
    for (net_ep *e = st->eps, *en; e; e = en) {
        en = e->next;
        mpsctp_event ev;
        while (mpsctp_endpoint_next_event(e->ep, &ev))
            dispatch_event(e, &ev);
        /* Keep a reference so the endpoint survives the frees below, and send what
         * closing associations queued (an ABORT) before their memory goes. */
        e->refs++;
        flush_ep(st, e->ep);
        deliver(st, e);
        if (e->free_pending) {
            e->free_pending = 0;
            for (net_assoc *na = e->assocs, *nn; na; na = nn) {
                nn = na->next;
                if (!na->free_core)
                    continue;
                net_sock *s = na->sock;
                if (!s || s->type == SOCK_SEQPACKET) {
                    net_assoc_free(na);
                } else {
                    mpsctp_assoc_free(na->a);
                    na->a = NULL;
                    na->free_core = 0;
                }
            }
        }
        en = e->next;
        net_ep_put(e);
    }
}

/* ---- UDP input and output ----------------------------------------------------------- */

static void flush_ep(mpsctp_stack *st, mpsctp_endpoint *ep)
{
    mpsctp_tstamp now = net_now();
    for (;;) {
        if (st->nout == NET_TX_BATCH)
            net_udp_send(st);
        int k = st->nout;
        ssize_t n = mpsctp_endpoint_send(ep, st->out[k].buf, st->mtu,
                                         &st->out[k].local, &st->out[k].remote, now);
        if (n <= 0)
            break;
        st->out[k].len = (size_t)n;
        st->nout++;
    }
    if (st->nout)
        net_udp_send(st);
}

void net_flush(mpsctp_stack *st)
{
    for (net_ep *e = st->eps; e; e = e->next)
        flush_ep(st, e->ep);
}

/* A packet for an SCTP port no socket is bound to: a non-listening endpoint on that
 * port answers it as RFC 9260 s8.4 says (an INIT gets an ABORT: connection refused). */
static void closed_port(mpsctp_stack *st, const uint8_t *pkt, size_t len, uint16_t port,
                        const mpsctp_addr *local, const mpsctp_addr *remote, mpsctp_tstamp now)
{
    st->stats.dropped_no_endpoint++;
    if (port == 0)
        return;
    mpsctp_settings s;
    mpsctp_settings_default(&s);
    s.local_port = port;
    s.mtu = st->mtu;
    mpsctp_callbacks cb;
    net_core_callbacks(st, &cb);
    mpsctp_endpoint *ep = mpsctp_endpoint_new(&s, &cb);
    if (!ep)
        return;
    mpsctp_endpoint_recv(ep, pkt, len, local, remote, now);
    flush_ep(st, ep);
    mpsctp_endpoint_free(ep);
}

void net_input(mpsctp_stack *st, const uint8_t *pkt, size_t len, const mpsctp_addr *local,
               const mpsctp_addr *remote, mpsctp_tstamp now)
{
    st->stats.udp_in++;
    if (len < 12) {
        st->stats.dropped_short++;
        return;
    }
    uint16_t dport = (uint16_t)(pkt[2] << 8 | pkt[3]);
    net_ep *e = ep_find(st, dport);
    if (!e) {
        closed_port(st, pkt, len, dport, local, remote, now);
        return;
    }
    int r = mpsctp_endpoint_recv(e->ep, pkt, len, local, remote, now);
    switch (r) {
    case MPSCTP_ERR_MALFORMED:
        st->stats.dropped_malformed++;
        break;
    case MPSCTP_ERR_CHECKSUM:
        st->stats.dropped_checksum++;
        break;
    case MPSCTP_ERR_NOT_OURS:
        st->stats.dropped_not_ours++;
        break;
    default:
        break;
    }
}

int net_round(mpsctp_stack *st, int rx)
{
    mpsctp_tstamp now = net_now();
    int got = 0;
    if (rx) {
        for (int u = 0; u < st->nudp; u++) {
            for (int k = 0; k < 16; k++) {
                int n = net_udp_recv(st, u, now);
                got += n;
                if (n > 0)
                    net_flush(st); /* SACKs out early */
                if (n < NET_RX_BATCH)
                    break;
                now = net_now();
            }
        }
    }
    now = net_now();
    for (net_ep *e = st->eps; e; e = e->next)
        if (mpsctp_endpoint_deadline(e->ep) <= now)
            mpsctp_endpoint_timeout(e->ep, now);
    dispatch(st);
    net_flush(st);
    for (net_sock *s = st->socks; s; s = s->next)
        net_sock_ready(s);
    if (st->changed || rx) {
        st->changed = 0;
        pthread_cond_broadcast(&st->cond);
    }
    if (st->pcap && now - st->pcap_flushed >= MPSCTP_NS_PER_SEC) {
        st->pcap_flushed = now; /* a killed process loses at most about a second */
        mpsctp_pcap_flush(st->pcap);
    }
    return got;
}

void mpsctp_stack_free(mpsctp_stack *st)
{
    if (!st)
        return;
    net_default_forget(st);
    pthread_mutex_lock(&st->lock);
    /* Close what the application left open and let the graceful shutdowns finish
     * (bounded by the linger time); the rest is aborted below. */
    net_stack_close_all(st);
    st->stop = 1;
    pthread_mutex_unlock(&st->lock);
    if (st->has_thread) {
        uint64_t one = 1;
        if (write(st->wakefd, &one, sizeof(one)) < 0) {
            /* already signalled */
        }
        pthread_join(st->thr, NULL);
    }
    pthread_mutex_lock(&st->lock);
    while (st->eps) {
        net_ep *e = st->eps;
        while (e->assocs) {
            net_assoc *na = e->assocs;
            e->assocs = na->next;
            if (na->a)
                mpsctp_assoc_free(na->a);
            free(na);
        }
        flush_ep(st, e->ep);
        st->eps = e->next;
        mpsctp_endpoint_free(e->ep);
        free(e->by_id);
        free(e);
    }
    pthread_mutex_unlock(&st->lock);
    for (int i = 0; i < st->nudp; i++)
        close(st->udp[i].fd);
    close(st->epfd);
    close(st->wakefd);
    mpsctp_pcap_close(st->pcap);
    pthread_mutex_destroy(&st->lock);
    pthread_cond_destroy(&st->cond);
    free(st->outbuf);
    free(st->rxbuf);
    free(st);
}
