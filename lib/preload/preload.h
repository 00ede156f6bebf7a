/* The LD_PRELOAD layer: which descriptors are mpsctp sockets, the C library's own
 * functions for everything else, and the settings read from the environment. */
#ifndef MPSCTP_PRELOAD_H
#define MPSCTP_PRELOAD_H

#include <stddef.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <sys/uio.h>

/* The C library's functions that the layer replaces, found with dlsym(RTLD_NEXT). */
typedef struct pl_real {
    int (*socket)(int, int, int);
    int (*bind)(int, const struct sockaddr *, socklen_t);
    int (*listen)(int, int);
    int (*accept)(int, struct sockaddr *, socklen_t *);
    int (*accept4)(int, struct sockaddr *, socklen_t *, int);
    int (*connect)(int, const struct sockaddr *, socklen_t);
    int (*shutdown)(int, int);
    int (*close)(int);
    ssize_t (*read)(int, void *, size_t);
    ssize_t (*write)(int, const void *, size_t);
    ssize_t (*readv)(int, const struct iovec *, int);
    ssize_t (*writev)(int, const struct iovec *, int);
    ssize_t (*send)(int, const void *, size_t, int);
    ssize_t (*recv)(int, void *, size_t, int);
    ssize_t (*sendto)(int, const void *, size_t, int, const struct sockaddr *, socklen_t);
    ssize_t (*recvfrom)(int, void *, size_t, int, struct sockaddr *, socklen_t *);
    ssize_t (*sendmsg)(int, const struct msghdr *, int);
    ssize_t (*recvmsg)(int, struct msghdr *, int);
    int (*setsockopt)(int, int, int, const void *, socklen_t);
    int (*getsockopt)(int, int, int, void *, socklen_t *);
    int (*getsockname)(int, struct sockaddr *, socklen_t *);
    int (*getpeername)(int, struct sockaddr *, socklen_t *);
    int (*fcntl)(int, int, ...);
    int (*fcntl64)(int, int, ...);
    int (*ioctl)(int, unsigned long, ...);
    int (*dup)(int);
    int (*dup2)(int, int);
    int (*dup3)(int, int, int);
    ssize_t (*read_chk)(int, void *, size_t, size_t);
    ssize_t (*recv_chk)(int, void *, size_t, size_t, int);
    ssize_t (*recvfrom_chk)(int, void *, size_t, size_t, int, struct sockaddr *, socklen_t *);
} pl_real;

extern pl_real pl_libc;

/* The fortified variants of read, recv and recvfrom (_FORTIFY_SOURCE), replaced too. */
ssize_t __read_chk(int fd, void *buf, size_t len, size_t buflen);
ssize_t __recv_chk(int fd, void *buf, size_t len, size_t buflen, int flags);
ssize_t __recvfrom_chk(int fd, void *buf, size_t len, size_t buflen, int flags,
                       struct sockaddr *from, socklen_t *fromlen);

/* Whether fd is an mpsctp socket of this process (its calls go to mpsctp). False inside
 * a call of the library, whose own system calls must reach the kernel. */
int pl_is_sctp(int fd);
/* Records fd as an mpsctp socket (1) or as something else (0). -1 (EMFILE) when fd is
 * beyond what the layer can track. */
int pl_mark(int fd, int sctp);

/* Whether the current thread is inside a call of the library (resolves pl_libc first). */
int pl_inside(void);
/* Marks the current thread as inside (1) or outside (0) the library. */
void pl_enter(void);
void pl_leave(void);

/* The CMT mode for new sockets (MPSCTP_CMT): 0..4, -1 when the variable is invalid. */
int pl_cmt_mode(void);
/* The peers' UDP encapsulation port for new sockets (MPSCTP_REMOTE_UDP_PORT): 0 when not
 * set, 1..65535, -1 when invalid. */
int pl_remote_port(void);

#endif
