/* Every call the preload library replaces, made the way a kernel-SCTP program makes it:
 * plain socket calls, <netinet/sctp.h> and libsctp, nothing of mpsctp. Run with
 * LD_PRELOAD=libmpsctp-preload.so; each check names the call it covers. Exit 0 when all
 * hold. The SCTP port comes from argv[1] (the default stack is the process's own). */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/sctp.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <unistd.h>

static int g_failed;
static unsigned short g_port;

#define CHECK(call, cond)                                                                   \
    do {                                                                                    \
        if (!(cond)) {                                                                      \
            fprintf(stderr, "FAIL %s: %s (%s:%d, errno %s)\n", call, #cond, __FILE__,       \
                    __LINE__, strerror(errno));                                             \
            g_failed = 1;                                                                   \
        }                                                                                   \
    } while (0)

static struct sockaddr_in loop_addr(unsigned short port)
{
    struct sockaddr_in a;
    memset(&a, 0, sizeof(a));
    a.sin_family = AF_INET;
    a.sin_port = htons(port);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    return a;
}

/* Waits until fd is readable (at most 5 s). */
static int wait_in(int fd)
{
    struct pollfd p = {.fd = fd, .events = POLLIN};
    return poll(&p, 1, 5000) == 1;
}

/* Reads exactly len bytes with read(). */
static int read_all(int fd, char *buf, size_t len)
{
    size_t got = 0;
    while (got < len) {
        ssize_t n = read(fd, buf + got, len - got);
        if (n <= 0)
            return -1;
        got += (size_t)n;
    }
    return 0;
}

/* A connected one-to-one pair: *srv accepted from a listener (accept4, or accept when
 * plain), *cli connected. */
static void pair_how(unsigned short port, int *lis, int *srv, int *cli, int plain);

static void pair(unsigned short port, int *lis, int *srv, int *cli)
{
    pair_how(port, lis, srv, cli, 0);
}

static void pair_how(unsigned short port, int *lis, int *srv, int *cli, int plain)
{
    *lis = socket(AF_INET, SOCK_STREAM, IPPROTO_SCTP);
    CHECK("socket", *lis >= 0);
    int one = 1;
    CHECK("setsockopt SO_REUSEADDR",
          setsockopt(*lis, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) == 0);
    struct sockaddr_in a = loop_addr(port);
    CHECK("bind", bind(*lis, (struct sockaddr *)&a, sizeof(a)) == 0);
    CHECK("listen", listen(*lis, 4) == 0);
    *cli = socket(AF_INET, SOCK_STREAM, IPPROTO_SCTP);
    CHECK("socket", *cli >= 0);
    CHECK("connect", connect(*cli, (struct sockaddr *)&a, sizeof(a)) == 0);
    struct sockaddr_in peer;
    socklen_t pl = sizeof(peer);
    if (plain) {
        *srv = accept(*lis, (struct sockaddr *)&peer, &pl);
        CHECK("accept", *srv >= 0 && pl == sizeof(peer) && peer.sin_family == AF_INET);
    } else {
        *srv = accept4(*lis, (struct sockaddr *)&peer, &pl, SOCK_CLOEXEC);
        CHECK("accept4", *srv >= 0 && pl == sizeof(peer) && peer.sin_family == AF_INET);
    }
}

static void test_data_calls(void)
{
    int lis, srv, cli;
    pair(g_port, &lis, &srv, &cli);
    char buf[256];

    /* write / read */
    CHECK("write", write(cli, "hello", 5) == 5);
    CHECK("read", wait_in(srv) && read(srv, buf, sizeof(buf)) == 5 && !memcmp(buf, "hello", 5));

    /* writev / readv: one message of two pieces */
    struct iovec wv[2] = {{"ab", 2}, {"cde", 3}};
    CHECK("writev", writev(cli, wv, 2) == 5);
    char r1[2], r2[8];
    struct iovec rv[2] = {{r1, 2}, {r2, sizeof(r2)}};
    CHECK("readv", wait_in(srv) && readv(srv, rv, 2) == 5 && !memcmp(r1, "ab", 2) &&
                       !memcmp(r2, "cde", 3));

    /* send / recv, MSG_PEEK */
    CHECK("send", send(cli, "xyz", 3, 0) == 3);
    CHECK("recv MSG_PEEK", wait_in(srv) && recv(srv, buf, sizeof(buf), MSG_PEEK) == 3);
    /* ioctl FIONREAD: the bytes of the message waiting */
    int avail = -1;
    CHECK("ioctl FIONREAD", ioctl(srv, FIONREAD, &avail) == 0 && avail == 3);
    CHECK("recv", recv(srv, buf, sizeof(buf), 0) == 3 && !memcmp(buf, "xyz", 3));

    /* sendto / recvfrom (address ignored on a connected one-to-one socket) */
    CHECK("sendto", sendto(cli, "q", 1, 0, NULL, 0) == 1);
    struct sockaddr_in from;
    socklen_t fl = sizeof(from);
    CHECK("recvfrom", wait_in(srv) &&
                          recvfrom(srv, buf, sizeof(buf), 0, (struct sockaddr *)&from, &fl) == 1 &&
                          buf[0] == 'q');

    /* sendmsg with SCTP_SNDRCV (stream 1, ppid 7), recvmsg with SCTP_SNDRCV back */
    struct sctp_event_subscribe ev;
    memset(&ev, 0, sizeof(ev));
    ev.sctp_data_io_event = 1;
    CHECK("setsockopt SCTP_EVENTS", setsockopt(srv, IPPROTO_SCTP, SCTP_EVENTS, &ev, sizeof(ev)) == 0);
    char cb[CMSG_SPACE(sizeof(struct sctp_sndrcvinfo))];
    memset(cb, 0, sizeof(cb));
    struct iovec iv = {"cmsg", 4};
    struct msghdr m;
    memset(&m, 0, sizeof(m));
    m.msg_iov = &iv;
    m.msg_iovlen = 1;
    m.msg_control = cb;
    m.msg_controllen = sizeof(cb);
    struct cmsghdr *c = CMSG_FIRSTHDR(&m);
    c->cmsg_level = IPPROTO_SCTP;
    c->cmsg_type = SCTP_SNDRCV;
    c->cmsg_len = CMSG_LEN(sizeof(struct sctp_sndrcvinfo));
    struct sctp_sndrcvinfo si;
    memset(&si, 0, sizeof(si));
    si.sinfo_stream = 1;
    si.sinfo_ppid = htonl(7);
    memcpy(CMSG_DATA(c), &si, sizeof(si));
    CHECK("sendmsg SCTP_SNDRCV", sendmsg(cli, &m, 0) == 4);
    char rb[CMSG_SPACE(sizeof(struct sctp_sndrcvinfo))];
    struct iovec riv = {buf, sizeof(buf)};
    memset(&m, 0, sizeof(m));
    m.msg_iov = &riv;
    m.msg_iovlen = 1;
    m.msg_control = rb;
    m.msg_controllen = sizeof(rb);
    ssize_t n = wait_in(srv) ? recvmsg(srv, &m, 0) : -1;
    struct sctp_sndrcvinfo got;
    memset(&got, 0, sizeof(got));
    int have = 0;
    for (c = CMSG_FIRSTHDR(&m); c; c = CMSG_NXTHDR(&m, c))
        if (c->cmsg_level == IPPROTO_SCTP && c->cmsg_type == SCTP_SNDRCV) {
            memcpy(&got, CMSG_DATA(c), sizeof(got));
            have = 1;
        }
    CHECK("recvmsg SCTP_SNDRCV", n == 4 && (m.msg_flags & MSG_EOR) && have &&
                                     got.sinfo_stream == 1 && got.sinfo_ppid == htonl(7));

    /* libsctp's sctp_sendmsg / sctp_recvmsg */
    CHECK("sctp_sendmsg", sctp_sendmsg(cli, "lk", 2, NULL, 0, htonl(9), 0, 2, 0, 0) == 2);
    struct sctp_sndrcvinfo s2;
    int mflags = 0;
    memset(&s2, 0, sizeof(s2));
    CHECK("sctp_recvmsg", wait_in(srv) &&
                              sctp_recvmsg(srv, buf, sizeof(buf), NULL, NULL, &s2, &mflags) == 2 &&
                              s2.sinfo_stream == 2 && s2.sinfo_ppid == htonl(9));

    /* getsockname / getpeername */
    struct sockaddr_in sa;
    socklen_t sl = sizeof(sa);
    CHECK("getsockname", getsockname(srv, (struct sockaddr *)&sa, &sl) == 0 &&
                             sa.sin_port == htons(g_port));
    sl = sizeof(sa);
    CHECK("getpeername", getpeername(cli, (struct sockaddr *)&sa, &sl) == 0 &&
                             sa.sin_port == htons(g_port));

    /* getsockopt at both levels */
    int rcv = 0;
    socklen_t ol = sizeof(rcv);
    CHECK("getsockopt SO_RCVBUF", getsockopt(srv, SOL_SOCKET, SO_RCVBUF, &rcv, &ol) == 0 && rcv > 0);
    int nd = 1;
    CHECK("setsockopt SCTP_NODELAY", setsockopt(cli, IPPROTO_SCTP, SCTP_NODELAY, &nd, sizeof(nd)) == 0);
    struct sctp_status st;
    memset(&st, 0, sizeof(st));
    ol = sizeof(st);
    CHECK("getsockopt SCTP_STATUS", getsockopt(cli, IPPROTO_SCTP, SCTP_STATUS, &st, &ol) == 0 &&
                                        st.sstat_state == SCTP_ESTABLISHED);

    /* libsctp's address calls (getsockopt with Linux's numbers) */
    struct sockaddr *addrs = NULL;
    int na = sctp_getpaddrs(cli, 0, &addrs);
    CHECK("sctp_getpaddrs", na >= 1 && addrs && addrs->sa_family == AF_INET);
    if (na > 0)
        sctp_freepaddrs(addrs);
    addrs = NULL;
    na = sctp_getladdrs(srv, 0, &addrs);
    CHECK("sctp_getladdrs", na >= 1);
    if (na > 0)
        sctp_freeladdrs(addrs);

    /* fcntl O_NONBLOCK: read of an empty queue fails with EAGAIN */
    int fl0 = fcntl(srv, F_GETFL);
    CHECK("fcntl F_SETFL", fl0 >= 0 && fcntl(srv, F_SETFL, fl0 | O_NONBLOCK) == 0);
    errno = 0;
    CHECK("read O_NONBLOCK", read(srv, buf, sizeof(buf)) < 0 && errno == EAGAIN);
    CHECK("fcntl F_GETFL", fcntl(srv, F_GETFL) & O_NONBLOCK);
    int off = 0;
    CHECK("ioctl FIONBIO", ioctl(srv, FIONBIO, &off) == 0 && !(fcntl(srv, F_GETFL) & O_NONBLOCK));

    /* dup: either name reaches the socket; closing one leaves the other working */
    int d = dup(cli);
    CHECK("dup", d >= 0);
    CHECK("close (original of a dup)", close(cli) == 0);
    CHECK("write (dup)", write(d, "dup", 3) == 3);
    CHECK("read (after dup)", wait_in(srv) && read(srv, buf, sizeof(buf)) == 3);
    int d2 = fcntl(d, F_DUPFD_CLOEXEC, 100);
    CHECK("fcntl F_DUPFD_CLOEXEC", d2 >= 100);
    int d3 = dup2(d2, 200);
    CHECK("dup2", d3 == 200);
    int d4 = dup3(d3, 201, O_CLOEXEC);
    CHECK("dup3", d4 == 201);
    CHECK("write (dup3)", write(d4, "d4", 2) == 2);
    CHECK("read (after dup3)", wait_in(srv) && read(srv, buf, sizeof(buf)) == 2);
    CHECK("close (dups)", close(d) == 0 && close(d2) == 0 && close(d3) == 0);

    /* shutdown(SHUT_WR): the peer reads end of file */
    CHECK("shutdown", shutdown(d4, SHUT_WR) == 0);
    CHECK("read EOF", wait_in(srv) && read(srv, buf, sizeof(buf)) == 0);
    CHECK("close", close(d4) == 0 && close(srv) == 0 && close(lis) == 0);
    errno = 0;
    CHECK("close (twice)", close(srv) < 0 && errno == EBADF);
}

/* Lengths the compiler cannot know: with _FORTIFY_SOURCE, reads into buffers of known size
 * then go through __read_chk, __recv_chk and __recvfrom_chk. */
static volatile size_t g_len = 64;

static void test_fortified(void)
{
    int lis, srv, cli;
    pair((unsigned short)(g_port + 3), &lis, &srv, &cli);
    char buf[64];
    size_t n = g_len;
    CHECK("write", write(cli, "f1", 2) == 2 && write(cli, "f2", 2) == 2 && write(cli, "f3", 2) == 2);
    CHECK("read (__read_chk)", wait_in(srv) && read(srv, buf, n) == 2 && !memcmp(buf, "f1", 2));
    CHECK("recv (__recv_chk)", wait_in(srv) && recv(srv, buf, n, 0) == 2 && !memcmp(buf, "f2", 2));
    CHECK("recvfrom (__recvfrom_chk)",
          wait_in(srv) && recvfrom(srv, buf, n, 0, NULL, NULL) == 2 && !memcmp(buf, "f3", 2));
    close(cli);
    close(srv);
    close(lis);
}

/* One-to-many: sctp_sendmsg to an address, sctp_peeloff of the association. */
static void test_one_to_many(void)
{
    int lis = socket(AF_INET, SOCK_SEQPACKET, IPPROTO_SCTP);
    int cli = socket(AF_INET, SOCK_SEQPACKET, IPPROTO_SCTP);
    CHECK("socket SOCK_SEQPACKET", lis >= 0 && cli >= 0);
    struct sockaddr_in a = loop_addr((unsigned short)(g_port + 1));
    CHECK("sctp_bindx", sctp_bindx(lis, (struct sockaddr *)&a, 1, SCTP_BINDX_ADD_ADDR) == 0);
    CHECK("listen", listen(lis, 4) == 0);
    sctp_assoc_t id = 0;
    CHECK("sctp_connectx", sctp_connectx(cli, (struct sockaddr *)&a, 1, &id) == 0 && id != 0);
    CHECK("sctp_sendmsg (to)",
          sctp_sendmsg(cli, "m1", 2, (struct sockaddr *)&a, sizeof(a), 0, 0, 0, 0, 0) == 2);
    char buf[64];
    struct sctp_sndrcvinfo si;
    memset(&si, 0, sizeof(si));
    struct sctp_event_subscribe ev;
    memset(&ev, 0, sizeof(ev));
    ev.sctp_data_io_event = 1;
    setsockopt(lis, IPPROTO_SCTP, SCTP_EVENTS, &ev, sizeof(ev));
    int fl = 0;
    ssize_t n = wait_in(lis) ? sctp_recvmsg(lis, buf, sizeof(buf), NULL, NULL, &si, &fl) : -1;
    CHECK("sctp_recvmsg (one-to-many)", n == 2 && si.sinfo_assoc_id != 0);
    int p = sctp_peeloff(lis, si.sinfo_assoc_id);
    CHECK("sctp_peeloff", p >= 0);
    CHECK("sctp_sendmsg (to)",
          sctp_sendmsg(cli, "m2", 2, (struct sockaddr *)&a, sizeof(a), 0, 0, 0, 0, 0) == 2);
    CHECK("read (peeled off)", p >= 0 && wait_in(p) && read(p, buf, sizeof(buf)) == 2 &&
                                   !memcmp(buf, "m2", 2));
    close(p);
    close(cli);
    close(lis);
}

/* A TCP socket in the same process is the kernel's: data over it still flows. */
static void test_tcp_untouched(void)
{
    int l = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = loop_addr(0);
    socklen_t al = sizeof(a);
    CHECK("tcp bind/listen", l >= 0 && bind(l, (struct sockaddr *)&a, sizeof(a)) == 0 &&
                                 listen(l, 1) == 0 &&
                                 getsockname(l, (struct sockaddr *)&a, &al) == 0);
    int c = socket(AF_INET, SOCK_STREAM, IPPROTO_TCP);
    CHECK("tcp connect", c >= 0 && connect(c, (struct sockaddr *)&a, sizeof(a)) == 0);
    int s = accept(l, NULL, NULL);
    int one = 1;
    CHECK("tcp setsockopt", setsockopt(c, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one)) == 0);
    char buf[8];
    CHECK("tcp write/read", s >= 0 && write(c, "tcp", 3) == 3 && read_all(s, buf, 3) == 0 &&
                                !memcmp(buf, "tcp", 3));
    /* an SCTP-only option on a TCP socket is the kernel's business: it refuses it */
    CHECK("tcp getsockopt SCTP_STATUS",
          getsockopt(c, IPPROTO_SCTP, SCTP_STATUS, buf, &(socklen_t){sizeof(buf)}) < 0);
    close(s);
    close(c);
    close(l);
}

/* fork: the child closes its copy and exits; the parent's association goes on. */
static void test_fork_child_closes(void)
{
    int lis, srv, cli;
    pair_how((unsigned short)(g_port + 2), &lis, &srv, &cli, 1);
    pid_t pid = fork();
    if (pid == 0) {
        int r = close(cli) == 0 && close(srv) == 0 && close(lis) == 0;
        _exit(r ? 0 : 1);
    }
    int status = 0;
    CHECK("fork", pid > 0 && waitpid(pid, &status, 0) == pid);
    CHECK("close (in the child)", WIFEXITED(status) && WEXITSTATUS(status) == 0);
    char buf[16];
    CHECK("write (after the child closed its copy)", write(cli, "alive", 5) == 5);
    CHECK("read (after the child closed its copy)", wait_in(srv) && read(srv, buf, sizeof(buf)) == 5);
    struct sctp_status st;
    socklen_t ol = sizeof(st);
    memset(&st, 0, sizeof(st));
    CHECK("association (after the child closed its copy)",
          getsockopt(cli, IPPROTO_SCTP, SCTP_STATUS, &st, &ol) == 0 &&
              st.sstat_state == SCTP_ESTABLISHED);
    close(cli);
    close(srv);
    close(lis);
}

int main(int argc, char **argv)
{
    signal(SIGPIPE, SIG_IGN);
    g_port = (unsigned short)(argc > 1 ? atoi(argv[1]) : 25000);
    int probe = socket(AF_INET, SOCK_STREAM, IPPROTO_SCTP);
    if (probe < 0) {
        fprintf(stderr, "FAIL socket(IPPROTO_SCTP): %s (is the preload library loaded?)\n",
                strerror(errno));
        return 1;
    }
    close(probe);
    test_data_calls();
    test_fortified();
    test_one_to_many();
    test_tcp_untouched();
    test_fork_child_closes();
    if (!g_failed)
        printf("preload calls: all checks passed\n");
    return g_failed;
}
