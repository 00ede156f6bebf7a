/* libmpsctp-preload.so: the state of the LD_PRELOAD layer. Which descriptors are mpsctp
 * sockets, the C library functions behind the replaced ones, the environment settings and
 * MPSCTP_PRELOAD_HELP. The replaced calls themselves are in calls.c. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "preload.h"

pl_real pl_libc;

/* Descriptors this layer can tell apart: an mpsctp socket whose number is beyond gets
 * closed again and socket() fails with EMFILE. */
#define PL_MAX_FD 65536

static atomic_uchar g_kind[PL_MAX_FD];
static __thread int t_inside;
static int g_cmt = -2; /* -2: not read yet */

static void *next_sym(const char *name)
{
    void *p = dlsym(RTLD_NEXT, name);
    if (!p) {
        fprintf(stderr, "mpsctp-preload: the C library has no %s\n", name);
        abort();
    }
    return p;
}

#define RESOLVE(field, name) pl_libc.field = next_sym(name)

static const char help[] =
    "libmpsctp-preload.so: kernel SCTP sockets of an unmodified program run on mpsctp\n"
    "(SCTP over UDP, RFC 6951). Use: LD_PRELOAD=/path/libmpsctp-preload.so program ...\n"
    "\n"
    "Taken over: socket(AF_INET or AF_INET6, SOCK_STREAM or SOCK_SEQPACKET, IPPROTO_SCTP)\n"
    "and every call on such a descriptor. Other sockets and files are untouched.\n"
    "\n"
    "Environment:\n"
    "  MPSCTP_CMT=off|cmt|rpv1|rpv2|mptcp  CMT mode of new sockets (SCTP_CMT_ON_OFF 0..4;\n"
    "                                      the digits 0..4 work too). Default: off.\n"
    "  MPSCTP_UDP_PORT=N       UDP encapsulation port of this process (-1: the kernel's\n"
    "                          choice). Default: the kernel's choice until a socket\n"
    "                          listens, then 9899.\n"
    "  MPSCTP_REMOTE_UDP_PORT=N  UDP port of the peers (SCTP_REMOTE_UDP_ENCAPS_PORT of\n"
    "                          new sockets), for a peer whose MPSCTP_UDP_PORT is N.\n"
    "                          Default: 9899.\n"
    "  MPSCTP_PCAP=FILE        write every SCTP packet to a pcap file (%p: process id,\n"
    "                          %u: UDP port).\n"
    "  MPSCTP_LOG=0..3         print the stack's diagnostics (errors .. debug) on stderr.\n"
    "  MPSCTP_NO_OFFLOAD=1     no UDP segmentation offload (one datagram per send).\n"
    "  MPSCTP_PRELOAD_HELP=1   print this text when the program starts.\n";

static void pl_init(void)
{
    RESOLVE(socket, "socket");
    RESOLVE(bind, "bind");
    RESOLVE(listen, "listen");
    RESOLVE(accept, "accept");
    RESOLVE(accept4, "accept4");
    RESOLVE(connect, "connect");
    RESOLVE(shutdown, "shutdown");
    RESOLVE(close, "close");
    RESOLVE(read, "read");
    RESOLVE(write, "write");
    RESOLVE(readv, "readv");
    RESOLVE(writev, "writev");
    RESOLVE(send, "send");
    RESOLVE(recv, "recv");
    RESOLVE(sendto, "sendto");
    RESOLVE(recvfrom, "recvfrom");
    RESOLVE(sendmsg, "sendmsg");
    RESOLVE(recvmsg, "recvmsg");
    RESOLVE(setsockopt, "setsockopt");
    RESOLVE(getsockopt, "getsockopt");
    RESOLVE(getsockname, "getsockname");
    RESOLVE(getpeername, "getpeername");
    RESOLVE(fcntl, "fcntl");
    RESOLVE(fcntl64, "fcntl64");
    RESOLVE(ioctl, "ioctl");
    RESOLVE(dup, "dup");
    RESOLVE(dup2, "dup2");
    RESOLVE(dup3, "dup3");
    RESOLVE(read_chk, "__read_chk");
    RESOLVE(recv_chk, "__recv_chk");
    RESOLVE(recvfrom_chk, "__recvfrom_chk");
}

/* Before main, so that the replaced calls never see an empty table (a constructor of
 * another library calling them first resolves it through pl_ensure). */
static pthread_once_t g_once = PTHREAD_ONCE_INIT;

static void pl_ensure(void)
{
    pthread_once(&g_once, pl_init);
}

__attribute__((constructor)) static void pl_start(void)
{
    pl_ensure();
    const char *h = getenv("MPSCTP_PRELOAD_HELP");
    if (h && *h && strcmp(h, "0") != 0)
        fputs(help, stderr);
    if (pl_cmt_mode() < 0)
        fprintf(stderr, "mpsctp-preload: MPSCTP_CMT=%s: expected off, cmt, rpv1, rpv2 or "
                        "mptcp (SCTP sockets cannot be created)\n",
                getenv("MPSCTP_CMT"));
    if (pl_remote_port() < 0)
        fprintf(stderr, "mpsctp-preload: MPSCTP_REMOTE_UDP_PORT=%s: expected a port 1..65535 "
                        "(SCTP sockets cannot be created)\n",
                getenv("MPSCTP_REMOTE_UDP_PORT"));
}

int pl_remote_port(void)
{
    const char *v = getenv("MPSCTP_REMOTE_UDP_PORT");
    if (!v || !*v)
        return 0;
    char *end;
    long p = strtol(v, &end, 10);
    return *end || p < 1 || p > 65535 ? -1 : (int)p;
}

int pl_cmt_mode(void)
{
    if (g_cmt != -2)
        return g_cmt;
    static const char *const names[] = {"off", "cmt", "rpv1", "rpv2", "mptcp"};
    const char *v = getenv("MPSCTP_CMT");
    int m = -1;
    if (!v || !*v)
        m = 0;
    for (int i = 0; v && m < 0 && i < 5; i++)
        if (!strcasecmp(v, names[i]) || (v[0] == '0' + i && !v[1]))
            m = i;
    g_cmt = m;
    return m;
}

int pl_is_sctp(int fd)
{
    if (t_inside || fd < 0 || fd >= PL_MAX_FD)
        return 0;
    if (!pl_libc.close)
        pl_ensure();
    return atomic_load_explicit(&g_kind[fd], memory_order_relaxed);
}

int pl_mark(int fd, int sctp)
{
    if (fd < 0)
        return 0;
    if (fd >= PL_MAX_FD) {
        if (!sctp)
            return 0;
        errno = EMFILE;
        return -1;
    }
    atomic_store_explicit(&g_kind[fd], (unsigned char)(sctp != 0), memory_order_relaxed);
    return 0;
}

int pl_inside(void)
{
    if (!pl_libc.close)
        pl_ensure();
    return t_inside;
}

void pl_enter(void)
{
    t_inside++;
}

void pl_leave(void)
{
    t_inside--;
}
