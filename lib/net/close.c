/* Closing: mpsctp_close with SO_LINGER, waiting for graceful shutdowns
 * (mpsctp_stack_drain), and what mpsctp_stack_free and the exit of a process using the
 * default stack do with the sockets and associations left: a graceful close keeps its
 * promise that queued data is still delivered. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "net.h"

/* ---- closing a socket ----------------------------------------------------------------- */

/* Ends an association of a closing socket: graceful (it lives on, orphaned, until the
 * shutdown completes) or, with SO_LINGER {1, 0}, an ABORT. */
static void close_assoc(net_sock *s, net_assoc *na)
{
    net_blocked_del(na);
    if (s->partial_na == na)
        s->partial_na = NULL;
    if (na->sock == s)
        na->sock = NULL;
    if (s->assoc == na)
        s->assoc = NULL;
    if (!na->a || na->closed || (s->o.linger_on && s->o.linger_sec == 0)) {
        net_assoc_free(na);
        return;
    }
    mpsctp_state stt = mpsctp_assoc_state(na->a);
    if (stt == MPSCTP_COOKIE_WAIT || stt == MPSCTP_COOKIE_ECHOED ||
        mpsctp_assoc_shutdown(na->a, net_now()) != 0) {
        if (stt != MPSCTP_SHUTDOWN_SENT && stt != MPSCTP_SHUTDOWN_ACK_SENT &&
            stt != MPSCTP_SHUTDOWN_PENDING && stt != MPSCTP_SHUTDOWN_RECEIVED) {
            net_assoc_free(na);
            return;
        }
    }
    net_pull(na, 0); /* discards */
}

static void close_locked(net_sock *s)
{
    mpsctp_stack *st = s->st;
    s->closing = 1;
    /* Associations waiting for accept die with the listener. */
    while (s->acc_head) {
        net_assoc *na = s->acc_head;
        s->acc_head = na->acc_next;
        net_sock *ns = na->sock;
        ns->closing = 1;
        net_reg_drop(ns);
        na->sock = NULL;
        ns->assoc = NULL;
        net_assoc_free(na);
        if (ns->refs == 0)
            net_sock_free(ns);
    }
    s->acc_tail = NULL;
    s->acc_count = 0;
    if (s->type == SOCK_STREAM) {
        if (s->assoc)
            close_assoc(s, s->assoc);
    } else if (s->ep) {
        for (net_assoc *na = s->ep->assocs, *nn; na; na = nn) {
            nn = na->next;
            if (na->sock == s) {
                /* close_assoc may free the endpoint's other entries only via na. */
                close_assoc(s, na);
            }
        }
    }
    if (s->ep && s->ep->owner == s) {
        s->ep->owner = NULL;
        mpsctp_endpoint_listen(s->ep->ep, 0);
    }
    net_kick(st);
    pthread_cond_broadcast(&st->cond);
}

void net_sock_close(net_sock *s)
{
    /* The endpoint must outlive orphaned associations: hold it while closing. */
    net_ep *e = s->ep;
    if (e)
        e->refs++;
    close_locked(s);
    if (e)
        net_ep_put(e);
}

void net_close_lost(mpsctp_stack *st)
{
    while (st->lost) {
        st->lost = 0;
        for (net_sock *s = st->socks; s; s = s->next)
            if (s->fd_lost && !s->closing) {
                /* Its descriptor was closed with close(): close the socket as
                 * mpsctp_close would, so that its port and associations go. */
                net_sock_hold(s);
                net_sock_close(s);
                net_sock_release(s);
                st->lost = 1; /* the list may have changed: look again */
                break;
            }
    }
}

/* Whether na is in a graceful shutdown that has not completed. */
static int shutting_down(const net_assoc *na)
{
    if (na->dead || na->closed || !na->a)
        return 0;
    switch (mpsctp_assoc_state(na->a)) {
    case MPSCTP_SHUTDOWN_PENDING:
    case MPSCTP_SHUTDOWN_SENT:
    case MPSCTP_SHUTDOWN_RECEIVED:
    case MPSCTP_SHUTDOWN_ACK_SENT:
        return 1;
    default:
        return 0;
    }
}

static mpsctp_tstamp deadline_in(int64_t ms)
{
    return net_now() + (mpsctp_tstamp)ms * MPSCTP_NS_PER_MS;
}

/* SO_LINGER {1, t > 0}: waits until the associations in all (held, orphaned by the
 * close) have ended or the deadline passes. Kernel SCTP on Linux does the same and,
 * at the timeout, returns with the shutdown going on in the background. */
static void linger_wait(mpsctp_stack *st, net_assoc **all, size_t n, mpsctp_tstamp deadline)
{
    for (;;) {
        int live = 0;
        for (size_t i = 0; i < n; i++)
            live |= !all[i]->dead && !all[i]->closed;
        if (!live || net_wait(st, deadline) == ETIMEDOUT)
            return;
    }
}

int mpsctp_close(int sd)
{
    net_sock *s = net_reg_take(sd);
    if (!s) {
        if (net_reg_close_inherited(sd) == 0)
            return 0; /* a forked child closes its copy of the parent's socket */
        errno = EBADF;
        return -1;
    }
    mpsctp_stack *st = s->st;
    pthread_mutex_lock(&st->lock);
    if (net_reg_unalias(s, sd)) {
        /* Another descriptor (a registered dup) still names the socket. */
        net_fd_close(sd);
        net_sock_release(s);
        pthread_mutex_unlock(&st->lock);
        return 0;
    }
    size_t n = 0;
    net_assoc **all = NULL;
    if (s->o.linger_on && s->o.linger_sec > 0)
        all = net_sock_assocs_hold(s, &n);
    net_sock_close(s);
    if (all) {
        linger_wait(st, all, n, deadline_in((int64_t)s->o.linger_sec * 1000));
        net_assocs_drop(all, n);
    }
    net_sock_release(s);
    pthread_mutex_unlock(&st->lock);
    return 0;
}

/* ---- waiting for the graceful shutdowns of a stack ------------------------------------- */

static int stack_shutting_down(mpsctp_stack *st)
{
    for (net_ep *e = st->eps; e; e = e->next)
        for (net_assoc *na = e->assocs; na; na = na->next)
            if (shutting_down(na))
                return 1;
    return 0;
}

/* Waits until no association of st is shutting down, timeout_ms < 0: without limit.
 * Returns 0 or ETIMEDOUT. Called with the lock held. */
static int drain_locked(mpsctp_stack *st, int timeout_ms)
{
    mpsctp_tstamp deadline = timeout_ms < 0 ? 0 : deadline_in(timeout_ms);
    while (stack_shutting_down(st)) {
        if (timeout_ms == 0 || net_wait(st, deadline) == ETIMEDOUT)
            return ETIMEDOUT;
    }
    return 0;
}

int mpsctp_stack_drain(mpsctp_stack *st, int timeout_ms)
{
    if (!st) {
        errno = EINVAL;
        return -1;
    }
    pthread_mutex_lock(&st->lock);
    int e = drain_locked(st, timeout_ms);
    pthread_mutex_unlock(&st->lock);
    if (e) {
        errno = e;
        return -1;
    }
    return 0;
}

void net_stack_close_all(mpsctp_stack *st)
{
    for (;;) {
        net_sock *s = st->socks;
        while (s && s->closing)
            s = s->next;
        if (!s)
            break;
        /* By the socket, not its descriptor number: the application may have closed
         * that and the number may now be another socket's, or another file's. */
        net_reg_drop(s);
        net_sock_hold(s);
        net_sock_close(s);
        net_sock_release(s);
    }
    int ms = st->cfg.linger_ms == 0 ? MPSCTP_STACK_LINGER_MS : st->cfg.linger_ms;
    if (ms > 0)
        drain_locked(st, ms);
}

/* ---- the default stack ------------------------------------------------------------------ */

static pthread_mutex_t g_def = PTHREAD_MUTEX_INITIALIZER;
static mpsctp_stack *g_default;
static pid_t g_default_pid;

/* At exit: the default stack's sockets are closed and their graceful shutdowns given
 * the stack's linger time, as mpsctp_stack_free would; what is left is aborted. The
 * memory stays (other threads may still be inside calls until the process ends). */
static void default_stack_exit(void)
{
    pthread_mutex_lock(&g_def);
    mpsctp_stack *st = g_default;
    pid_t pid = g_default_pid;
    pthread_mutex_unlock(&g_def);
    /* Not in a forked child (no I/O thread there), not from the I/O thread itself. */
    if (!st || pid != getpid() || (st->has_thread && pthread_equal(pthread_self(), st->thr)))
        return;
    pthread_mutex_lock(&st->lock);
    net_stack_close_all(st);
    mpsctp_tstamp now = net_now();
    for (net_ep *e = st->eps; e; e = e->next)
        for (net_assoc *na = e->assocs; na; na = na->next)
            if (na->a && !na->closed) {
                mpsctp_assoc_abort(na->a, now);
                na->closed = 1;
                na->free_core = 1;
                na->ep->free_pending = 1;
            }
    net_flush(st);
    pthread_mutex_unlock(&st->lock);
}

mpsctp_stack *mpsctp_default_stack(void)
{
    pthread_mutex_lock(&g_def);
    if (!g_default) {
        /* MPSCTP_UDP_PORT sets its UDP port (-1: the kernel picks one); without it, the
         * stack takes the well-known port only when a socket listens. */
        mpsctp_stack_config cfg;
        memset(&cfg, 0, sizeof(cfg));
        cfg.udp_port = MPSCTP_UDP_PORT_LISTEN;
        const char *port = getenv("MPSCTP_UDP_PORT");
        if (port && *port)
            cfg.udp_port = atoi(port);
        g_default = mpsctp_stack_new(&cfg);
        if (g_default && !g_default_pid) {
            g_default_pid = getpid();
            atexit(default_stack_exit);
        }
        if (g_default)
            g_default_pid = getpid();
    }
    mpsctp_stack *st = g_default;
    pthread_mutex_unlock(&g_def);
    return st;
}

/* The parent's default stack in a forked child: its memory, never used there (no I/O
 * thread; its lock may have been held at the fork). */
static mpsctp_stack *g_default_parent;

void net_default_fork(int phase)
{
    if (phase == 0) {
        pthread_mutex_lock(&g_def);
        return;
    }
    if (phase == 2 && g_default) {
        g_default_parent = g_default;
        g_default = NULL; /* the child's first socket creates its own */
        /* Its UDP sockets stay the parent's: a child that outlives the parent must not
         * keep the port. */
        for (int i = 0; i < g_default_parent->nudp; i++)
            close(g_default_parent->udp[i].fd);
        g_default_parent->nudp = 0;
    }
    pthread_mutex_unlock(&g_def);
}

void net_default_forget(mpsctp_stack *st)
{
    pthread_mutex_lock(&g_def);
    if (g_default == st)
        g_default = NULL;
    pthread_mutex_unlock(&g_def);
}
