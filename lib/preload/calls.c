/* The calls the LD_PRELOAD layer replaces. Each one asks whether its descriptor is an
 * mpsctp socket: if so it calls the mpsctp function of the same meaning, else the C
 * library's. Nothing here knows SCTP: option numbers, structures and ancillary data pass
 * through unchanged (the library takes Linux's). */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <mpsctp/socket.h>

#include "preload.h"

#define EXPORT __attribute__((visibility("default")))

/* Linux's getsockopt numbers that create a descriptor (sctp_peeloff): the new one is at
 * offset 4 of the argument, after the association id. */
#define LINUX_SOCKOPT_PEELOFF 102
#define LINUX_SOCKOPT_PEELOFF_FLAGS 122

/* Kernel sockets raise SIGPIPE when a send finds the connection gone, unless the call
 * says MSG_NOSIGNAL; so do these. */
static ssize_t sent(ssize_t r, int flags)
{
    if (r < 0 && errno == EPIPE && !(flags & MSG_NOSIGNAL)) {
        int e = errno;
        raise(SIGPIPE);
        errno = e;
    }
    return r;
}

/* ---- creating and closing ------------------------------------------------------------ */

EXPORT int socket(int domain, int type, int protocol)
{
    int base = type & ~(SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (pl_inside() || protocol != IPPROTO_SCTP || (domain != AF_INET && domain != AF_INET6) ||
        (base != SOCK_STREAM && base != SOCK_SEQPACKET)) {
        int fd = pl_libc.socket(domain, type, protocol);
        pl_mark(fd, 0);
        return fd;
    }
    int mode = pl_cmt_mode(), rport = pl_remote_port();
    if (mode < 0 || rport < 0) {
        errno = EINVAL; /* MPSCTP_CMT or MPSCTP_REMOTE_UDP_PORT is invalid (said at start) */
        return -1;
    }
    pl_enter();
    int fd = mpsctp_socket(domain, type, protocol), r = 0;
    if (fd >= 0 && mode > 0) {
        struct sctp_assoc_value av = {.assoc_id = SCTP_FUTURE_ASSOC,
                                      .assoc_value = (uint32_t)mode};
        r = mpsctp_setsockopt(fd, IPPROTO_SCTP, SCTP_CMT_ON_OFF, &av, sizeof(av));
    }
    if (fd >= 0 && r == 0 && rport > 0) {
        struct sctp_udpencaps u;
        memset(&u, 0, sizeof(u)); /* any address: the socket's default */
        u.sue_assoc_id = SCTP_FUTURE_ASSOC;
        u.sue_port = htons((uint16_t)rport);
        r = mpsctp_setsockopt(fd, IPPROTO_SCTP, SCTP_REMOTE_UDP_ENCAPS_PORT, &u, sizeof(u));
    }
    if (fd >= 0 && r < 0) {
        int e = errno;
        mpsctp_close(fd);
        errno = e;
        fd = -1;
    }
    if (fd >= 0 && pl_mark(fd, 1) < 0) {
        mpsctp_close(fd);
        errno = EMFILE;
        fd = -1;
    }
    pl_leave();
    return fd;
}

EXPORT int close(int fd)
{
    if (!pl_is_sctp(fd))
        return pl_libc.close(fd);
    pl_mark(fd, 0);
    pl_enter();
    int r = mpsctp_close(fd);
    pl_leave();
    /* A descriptor the library no longer knows is still the kernel's to close. */
    return r < 0 && errno == EBADF ? pl_libc.close(fd) : r;
}

/* A new descriptor for a socket (accept, peeloff): recorded as one. */
static int adopt(int fd)
{
    if (fd >= 0 && pl_mark(fd, 1) < 0) {
        mpsctp_close(fd);
        errno = EMFILE;
        return -1;
    }
    return fd;
}

static int do_accept(int fd, struct sockaddr *addr, socklen_t *len, int flags)
{
    pl_enter();
    int nfd = mpsctp_accept(fd, addr, len);
    if (nfd >= 0 && (flags & SOCK_NONBLOCK))
        mpsctp_fcntl(nfd, F_SETFL, mpsctp_fcntl(nfd, F_GETFL, 0) | O_NONBLOCK);
    nfd = adopt(nfd);
    pl_leave();
    return nfd;
}

EXPORT int accept(int fd, struct sockaddr *addr, socklen_t *len)
{
    if (!pl_is_sctp(fd)) {
        int nfd = pl_libc.accept(fd, addr, len);
        pl_mark(nfd, 0);
        return nfd;
    }
    return do_accept(fd, addr, len, 0);
}

EXPORT int accept4(int fd, struct sockaddr *addr, socklen_t *len, int flags)
{
    if (!pl_is_sctp(fd)) {
        int nfd = pl_libc.accept4(fd, addr, len, flags);
        pl_mark(nfd, 0);
        return nfd;
    }
    /* SOCK_CLOEXEC: mpsctp descriptors are always close-on-exec. */
    return do_accept(fd, addr, len, flags);
}

/* ---- duplicates ----------------------------------------------------------------------- */

/* nfd, just made a duplicate of fd: a second name of the same socket when fd is one. */
static int dup_done(int fd, int nfd, int sctp)
{
    if (nfd < 0)
        return nfd;
    if (!sctp) {
        pl_mark(nfd, 0);
        return nfd;
    }
    pl_enter();
    int r = mpsctp_register_dup(fd, nfd);
    if (r == 0 && pl_mark(nfd, 1) < 0)
        r = -1;
    if (r < 0) {
        int e = errno;
        mpsctp_close(nfd);
        pl_libc.close(nfd);
        errno = e;
        nfd = -1;
    }
    pl_leave();
    return nfd;
}

/* dup2/dup3 onto a descriptor that is a socket: that socket is closed first, as the
 * kernel closes the file that newfd named. */
static void dup_target(int fd, int newfd)
{
    if (fd != newfd && pl_is_sctp(newfd))
        close(newfd);
}

EXPORT int dup(int fd)
{
    int sctp = pl_is_sctp(fd);
    return dup_done(fd, pl_libc.dup(fd), sctp);
}

EXPORT int dup2(int fd, int newfd)
{
    int sctp = pl_is_sctp(fd);
    if (fd == newfd)
        return pl_libc.dup2(fd, newfd);
    dup_target(fd, newfd);
    return dup_done(fd, pl_libc.dup2(fd, newfd), sctp);
}

EXPORT int dup3(int fd, int newfd, int flags)
{
    int sctp = pl_is_sctp(fd);
    if (fd != newfd)
        dup_target(fd, newfd);
    return dup_done(fd, pl_libc.dup3(fd, newfd, flags), sctp);
}

static int do_fcntl(int (*real)(int, int, ...), int fd, int cmd, void *arg)
{
    if (!pl_is_sctp(fd))
        return real(fd, cmd, arg);
    switch (cmd) {
    case F_GETFL:
    case F_SETFL: {
        pl_enter();
        int r = mpsctp_fcntl(fd, cmd, (int)(intptr_t)arg);
        pl_leave();
        return r;
    }
    case F_DUPFD:
    case F_DUPFD_CLOEXEC:
        return dup_done(fd, real(fd, cmd, arg), 1);
    default: /* F_GETFD, F_SETFD, ... concern the descriptor only */
        return real(fd, cmd, arg);
    }
}

EXPORT int fcntl(int fd, int cmd, ...)
{
    va_list ap;
    va_start(ap, cmd);
    void *arg = va_arg(ap, void *);
    va_end(ap);
    return do_fcntl(pl_libc.fcntl, fd, cmd, arg);
}

EXPORT int fcntl64(int fd, int cmd, ...)
{
    va_list ap;
    va_start(ap, cmd);
    void *arg = va_arg(ap, void *);
    va_end(ap);
    return do_fcntl(pl_libc.fcntl64, fd, cmd, arg);
}

EXPORT int ioctl(int fd, unsigned long req, ...)
{
    va_list ap;
    va_start(ap, req);
    void *arg = va_arg(ap, void *);
    va_end(ap);
    if (!pl_is_sctp(fd) || (req != FIONREAD && req != FIONBIO))
        return pl_libc.ioctl(fd, req, arg);
    pl_enter();
    int r = mpsctp_ioctl(fd, req, arg);
    pl_leave();
    return r;
}

/* ---- the socket calls ------------------------------------------------------------------ */

/* Calls f(args) on an mpsctp socket, with the thread marked as inside the library. */
#define MPSCTP_CALL(type, call)                                                             \
    do {                                                                                    \
        pl_enter();                                                                         \
        type r_ = call;                                                                     \
        pl_leave();                                                                         \
        return r_;                                                                          \
    } while (0)

EXPORT int bind(int fd, const struct sockaddr *addr, socklen_t len)
{
    if (!pl_is_sctp(fd))
        return pl_libc.bind(fd, addr, len);
    MPSCTP_CALL(int, mpsctp_bind(fd, addr, len));
}

EXPORT int listen(int fd, int backlog)
{
    if (!pl_is_sctp(fd))
        return pl_libc.listen(fd, backlog);
    MPSCTP_CALL(int, mpsctp_listen(fd, backlog));
}

EXPORT int connect(int fd, const struct sockaddr *addr, socklen_t len)
{
    if (!pl_is_sctp(fd))
        return pl_libc.connect(fd, addr, len);
    MPSCTP_CALL(int, mpsctp_connect(fd, addr, len));
}

EXPORT int shutdown(int fd, int how)
{
    if (!pl_is_sctp(fd))
        return pl_libc.shutdown(fd, how);
    MPSCTP_CALL(int, mpsctp_shutdown(fd, how));
}

EXPORT int getsockname(int fd, struct sockaddr *addr, socklen_t *len)
{
    if (!pl_is_sctp(fd))
        return pl_libc.getsockname(fd, addr, len);
    MPSCTP_CALL(int, mpsctp_getsockname(fd, addr, len));
}

EXPORT int getpeername(int fd, struct sockaddr *addr, socklen_t *len)
{
    if (!pl_is_sctp(fd))
        return pl_libc.getpeername(fd, addr, len);
    MPSCTP_CALL(int, mpsctp_getpeername(fd, addr, len));
}

EXPORT int setsockopt(int fd, int level, int name, const void *val, socklen_t len)
{
    if (!pl_is_sctp(fd))
        return pl_libc.setsockopt(fd, level, name, val, len);
    MPSCTP_CALL(int, mpsctp_setsockopt(fd, level, name, val, len));
}

EXPORT int getsockopt(int fd, int level, int name, void *val, socklen_t *len)
{
    if (!pl_is_sctp(fd))
        return pl_libc.getsockopt(fd, level, name, val, len);
    pl_enter();
    /* Linux returns the new descriptor as the result, mpsctp 0: both carry it in sd. */
    int r = mpsctp_getsockopt(fd, level, name, val, len);
    if (r >= 0 && level == IPPROTO_SCTP &&
        (name == LINUX_SOCKOPT_PEELOFF || name == LINUX_SOCKOPT_PEELOFF_FLAGS) && val &&
        *len >= 8) {
        int nfd;
        memcpy(&nfd, (char *)val + 4, sizeof(nfd));
        if (adopt(nfd) < 0)
            r = -1;
    }
    pl_leave();
    return r;
}

/* ---- data ------------------------------------------------------------------------------ */

static ssize_t send_iov(int fd, const struct iovec *iov, int n, const struct sockaddr *to,
                        socklen_t tolen, int flags)
{
    struct msghdr m;
    memset(&m, 0, sizeof(m));
    m.msg_name = (void *)to;
    m.msg_namelen = to ? tolen : 0;
    m.msg_iov = (struct iovec *)iov;
    m.msg_iovlen = (size_t)n;
    pl_enter();
    ssize_t r = mpsctp_sendmsg(fd, &m, flags);
    pl_leave();
    return sent(r, flags);
}

static ssize_t recv_iov(int fd, const struct iovec *iov, int n, struct sockaddr *from,
                        socklen_t *fromlen, int flags)
{
    struct msghdr m;
    memset(&m, 0, sizeof(m));
    m.msg_name = from;
    m.msg_namelen = from && fromlen ? *fromlen : 0;
    m.msg_iov = (struct iovec *)iov;
    m.msg_iovlen = (size_t)n;
    pl_enter();
    ssize_t r = mpsctp_recvmsg(fd, &m, flags);
    pl_leave();
    if (r >= 0 && from && fromlen)
        *fromlen = m.msg_namelen;
    return r;
}

EXPORT ssize_t read(int fd, void *buf, size_t len)
{
    if (!pl_is_sctp(fd))
        return pl_libc.read(fd, buf, len);
    MPSCTP_CALL(ssize_t, mpsctp_recv(fd, buf, len, 0));
}

EXPORT ssize_t __read_chk(int fd, void *buf, size_t len, size_t buflen)
{
    if (!pl_is_sctp(fd))
        return pl_libc.read_chk(fd, buf, len, buflen);
    if (len > buflen)
        return pl_libc.read_chk(fd, buf, len, buflen); /* reports the overflow */
    MPSCTP_CALL(ssize_t, mpsctp_recv(fd, buf, len, 0));
}

EXPORT ssize_t write(int fd, const void *buf, size_t len)
{
    if (!pl_is_sctp(fd))
        return pl_libc.write(fd, buf, len);
    pl_enter();
    ssize_t r = mpsctp_send(fd, buf, len, 0);
    pl_leave();
    return sent(r, 0);
}

EXPORT ssize_t readv(int fd, const struct iovec *iov, int n)
{
    if (!pl_is_sctp(fd))
        return pl_libc.readv(fd, iov, n);
    return recv_iov(fd, iov, n, NULL, NULL, 0);
}

EXPORT ssize_t writev(int fd, const struct iovec *iov, int n)
{
    if (!pl_is_sctp(fd))
        return pl_libc.writev(fd, iov, n);
    return send_iov(fd, iov, n, NULL, 0, 0);
}

EXPORT ssize_t send(int fd, const void *buf, size_t len, int flags)
{
    if (!pl_is_sctp(fd))
        return pl_libc.send(fd, buf, len, flags);
    pl_enter();
    ssize_t r = mpsctp_send(fd, buf, len, flags);
    pl_leave();
    return sent(r, flags);
}

EXPORT ssize_t recv(int fd, void *buf, size_t len, int flags)
{
    if (!pl_is_sctp(fd))
        return pl_libc.recv(fd, buf, len, flags);
    MPSCTP_CALL(ssize_t, mpsctp_recv(fd, buf, len, flags));
}

EXPORT ssize_t __recv_chk(int fd, void *buf, size_t len, size_t buflen, int flags)
{
    if (!pl_is_sctp(fd) || len > buflen)
        return pl_libc.recv_chk(fd, buf, len, buflen, flags);
    MPSCTP_CALL(ssize_t, mpsctp_recv(fd, buf, len, flags));
}

EXPORT ssize_t sendto(int fd, const void *buf, size_t len, int flags,
                      const struct sockaddr *to, socklen_t tolen)
{
    if (!pl_is_sctp(fd))
        return pl_libc.sendto(fd, buf, len, flags, to, tolen);
    struct iovec v = {.iov_base = (void *)buf, .iov_len = len};
    return send_iov(fd, &v, 1, to, tolen, flags);
}

EXPORT ssize_t recvfrom(int fd, void *buf, size_t len, int flags, struct sockaddr *from,
                        socklen_t *fromlen)
{
    if (!pl_is_sctp(fd))
        return pl_libc.recvfrom(fd, buf, len, flags, from, fromlen);
    struct iovec v = {.iov_base = buf, .iov_len = len};
    return recv_iov(fd, &v, 1, from, fromlen, flags);
}

EXPORT ssize_t __recvfrom_chk(int fd, void *buf, size_t len, size_t buflen, int flags,
                              struct sockaddr *from, socklen_t *fromlen)
{
    if (!pl_is_sctp(fd) || len > buflen)
        return pl_libc.recvfrom_chk(fd, buf, len, buflen, flags, from, fromlen);
    struct iovec v = {.iov_base = buf, .iov_len = len};
    return recv_iov(fd, &v, 1, from, fromlen, flags);
}

EXPORT ssize_t sendmsg(int fd, const struct msghdr *msg, int flags)
{
    if (!pl_is_sctp(fd))
        return pl_libc.sendmsg(fd, msg, flags);
    pl_enter();
    ssize_t r = mpsctp_sendmsg(fd, msg, flags);
    pl_leave();
    return sent(r, flags);
}

EXPORT ssize_t recvmsg(int fd, struct msghdr *msg, int flags)
{
    if (!pl_is_sctp(fd))
        return pl_libc.recvmsg(fd, msg, flags);
    MPSCTP_CALL(ssize_t, mpsctp_recvmsg(fd, msg, flags));
}
