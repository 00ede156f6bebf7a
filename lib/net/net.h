/* Internal definitions of the sockets runtime: the stack, its endpoints (one per bound
 * SCTP port), associations as the sockets layer sees them, sockets and the descriptor
 * registry. Everything here is protected by the owning stack's lock. */
#ifndef MPSCTP_NET_H
#define MPSCTP_NET_H

#include <pthread.h>
#include <stdint.h>
#include <sys/types.h>

#include "mpsctp/mpsctp.h"
#include "mpsctp/socket.h"

#define NET_MAX_UDP 8
/* Packets built per flush before they go to the kernel (as GSO trains where they can). */
#define NET_TX_BATCH 128
/* Datagrams (or coalesced GRO trains) taken per recvmmsg. */
#define NET_RX_BATCH 32
/* Largest SCTP packet in a UDP datagram: the UDP payload limit over IPv4 (65535 - 20 -
 * 8). The stack's mtu may go up to it. */
#define NET_MTU_MAX 65507
/* Receive slot per datagram: any UDP payload fits (IPv6 allows 65527), so nothing that
 * the kernel delivers is truncated. */
#define NET_RX_SLOT 65536
/* Distance between receive slots: a little more than a slot, so that the starts of the
 * slots (the headers read first) do not all fall into the same cache sets. */
#define NET_RX_STRIDE (NET_RX_SLOT + 320)
#define NET_PULL_MAX (64 * 1024) /* largest receive-queue item */
#define NET_PULL_MIN 4096        /* smallest item pulled when the queue is nearly full */

typedef struct net_sock net_sock;
typedef struct net_ep net_ep;

/* An item of a socket's receive queue: a piece of a message or a notification. */
typedef struct rq_item {
    struct rq_item *next;
    sctp_assoc_t assoc_id;
    int notification;
    int eor;          /* the message ends with this item */
    mpsctp_rcvinfo info;
    size_t len, off;  /* bytes, bytes already read */
    size_t mem;       /* memory it holds: header, data allocated, malloc's overhead */
    uint8_t data[];
} rq_item;

/* Whether item b may continue the message of item a of the same association: the same
 * stream and ordering (with I-DATA, pieces of messages of other streams come between the
 * pieces of one message, RFC 6458 fragment interleave level 2). */
static inline int net_rq_same_stream(const rq_item *b, const rq_item *a)
{
    return b->info.sid == a->info.sid &&
           (b->info.flags & MPSCTP_UNORDERED) == (a->info.flags & MPSCTP_UNORDERED);
}

/* An association as the sockets layer sees it. A blocking call that waits (the stack
 * lock dropped) holds a reference, so the record outlives net_assoc_free: it is then
 * marked dead (unlinked, core association gone) and freed by the last net_assoc_drop. */
/* A place in a list of associations that an association leaves in constant time: the
 * next one, and the pointer that points to this one (the head or the previous one's
 * next). pprev NULL: in no list. */
typedef struct net_alink {
    struct net_assoc *next;
    struct net_assoc **pprev;
} net_alink;

typedef struct net_assoc {
    union {
        net_alink ep_link;
        struct {
            struct net_assoc *next;   /* endpoint's list */
            struct net_assoc **pprev; /* the link that points to it in that list */
        };
    };
    struct net_assoc *id_next; /* endpoint's id table chain */
    mpsctp_assoc *a;          /* NULL once the core association is freed */
    net_ep *ep;
    net_sock *sock;           /* owning socket; NULL while unowned */
    sctp_assoc_t id;          /* socket-level id (> SCTP_ALL_ASSOC) */
    uint32_t core_id;
    int up;                   /* COMM_UP seen */
    int closed;               /* the core reported it closed */
    int err;                  /* errno to report once closed (0: graceful) */
    int peer_shutdown;        /* peer sent SHUTDOWN: no more data */
    int partial;              /* an unfinished message sits in the socket queue */
    int free_core;            /* free the core association after the event round */
    size_t want;              /* send-buffer room that makes the socket writable */
    uint32_t events;          /* SCTP_EVENT mask of this association */
    struct sctp_sndinfo snd;  /* SCTP_DEFAULT_SNDINFO of this association */
    uint32_t snd_ttl;         /* SCTP_DEFAULT_SEND_PARAM sinfo_timetolive (kept) */
    uint32_t rcv_context;     /* SCTP_CONTEXT of this association */
    struct net_assoc *acc_next; /* listener's accept queue */
    /* One-to-many socket: in its list of associations a send found without room (until
     * they have room again), so that its writability costs those, not all. */
    net_alink blk;
    /* In its endpoint's list of associations with data not yet in the socket queue. */
    net_alink pend;
    int refs;                 /* callers holding the record across a wait */
    int dead;                 /* net_assoc_free ran: unlinked, only refs keep it */
    /* partial reliability (opt_prsctp.c) */
    struct sctp_prinfo pr_default; /* SCTP_DEFAULT_PRINFO of this association */
} net_assoc;

/* One core endpoint per bound SCTP port. */
struct net_ep {
    net_ep *next;
    mpsctp_stack *st;
    mpsctp_endpoint *ep;
    uint16_t port;
    net_sock *owner;          /* listener / one-to-many socket that gets new associations */
    int refs;                 /* sockets using it */
    net_assoc *assocs;
    net_assoc *pend_head;     /* associations with readable data left in the core */
    int free_pending;         /* an association is marked free_core */
    net_assoc **by_id;        /* id -> association: id_cap chains (NULL while none) */
    size_t id_cap, nassocs;
};

/* Values of the Linux/lksctp compatibility options (opt_lksctp.c); those marked "kept"
 * are returned by getsockopt and have no other effect (docs/api.md). */
typedef struct sock_lk_opts {
    uint32_t autoclose;       /* SCTP_AUTOCLOSE, seconds (kept) */
    uint32_t adaptation;      /* SCTP_ADAPTATION_LAYER indication (kept) */
    uint32_t rcv_context;     /* SCTP_CONTEXT for associations set up later */
    uint32_t snd_ttl;         /* SCTP_DEFAULT_SEND_PARAM sinfo_timetolive (kept) */
    uint8_t disable_frag;     /* SCTP_DISABLE_FRAGMENTS */
    uint8_t mapped_v4;        /* SCTP_I_WANT_MAPPED_V4_ADDR (default 1) */
    uint8_t frag_interleave;  /* SCTP_FRAGMENT_INTERLEAVE level 0..2 (opt_idata.c) */
    uint8_t reuseaddr;        /* SO_REUSEADDR (kept) */
    uint8_t v6only;           /* IPV6_V6ONLY (kept) */
    uint8_t tos, tclass;      /* IP_TOS, IPV6_TCLASS (kept) */
} sock_lk_opts;

/* Socket options kept by the socket (defaults for associations it creates). */
typedef struct sock_opts {
    mpsctp_settings set;      /* local_port unused */
    struct sctp_sndinfo snd;  /* SCTP_DEFAULT_SNDINFO */
    uint32_t events;          /* bit per notification type (type - SCTP_SN_TYPE_BASE) */
    int recvrcvinfo, recvnxtinfo, nodelay;
    uint16_t init_timeo;      /* sinit_max_init_timeo as set */
    uint16_t remote_udp_port; /* SCTP_REMOTE_UDP_ENCAPS_PORT for new associations */
    int linger_on, linger_sec;
    uint32_t maxseg;          /* SCTP_MAXSEG as set (0: from mtu) */
    sock_lk_opts lk;          /* Linux/lksctp compatibility options */
    /* partial reliability (opt_prsctp.c); SCTP_PR_SUPPORTED is set.pr_sctp */
    struct sctp_prinfo pr_default; /* SCTP_DEFAULT_PRINFO for associations set up later */
} sock_opts;

struct net_sock {
    net_sock *next;           /* stack's list */
    mpsctp_stack *st;
    int fd, peer;             /* app's end and our end of the readiness socketpair */
    int type, family;
    int nonblock;             /* set by mpsctp_fcntl (O_NONBLOCK on fd is read too) */
    net_ep *ep;
    int bound;
    int listening, backlog;
    net_assoc *assoc;         /* one-to-one: the association */
    net_assoc *acc_head, *acc_tail;
    int acc_count;
    int shut_rd, shut_wr;
    int so_error;             /* pending error (SO_ERROR) */
    int was_connected;        /* one-to-one: an association existed */
    int eof_returned;         /* recv already reported end of file */
    int peer_closed;          /* one-to-one: the peer shut the association down: reads
                                 return end of file from then on (Linux) */
    rq_item *rq_head, *rq_tail;
    net_assoc *partial_na;    /* one-to-many: the association whose message is partly in
                                 the queue (no other may interleave), or NULL */
    net_assoc *blk_head;      /* one-to-many: associations a send found full */
    size_t rq_mem;            /* memory of the queue's items (rq_item.mem), vs SO_RCVBUF */
    uint32_t rq_items;
    uint64_t notif_dropped;   /* notifications dropped: queue beyond SO_RCVBUF */
    sock_opts o;
    int rd_on, wr_on;         /* readiness currently shown on fd */
    int refs;                 /* calls in progress */
    int closing;              /* closed by the app; freed when refs drop to 0 */
    dev_t fd_dev, peer_dev;   /* what fd and peer are (fstat), to tell them from files */
    ino_t fd_ino, peer_ino;   /* that reuse their numbers after a plain close() */
    int fd_lost;              /* fd is no longer ours: never read, write or close it */
    int nfds;                 /* descriptors that name it: fd and its registered dups */
    mpsctp_addr laddrs[MPSCTP_STACK_MAX_ADDRS]; /* bindx addresses (0: all of the stack) */
    int nladdrs;
};

struct mpsctp_stack {
    pthread_mutex_t lock;
    pthread_cond_t cond;
    struct {
        int fd, family;
        mpsctp_addr addr; /* bound address (zero ip: wildcard) */
        int gso;          /* send GSO trains on it (off: offload off or unsupported) */
        mpsctp_tstamp gso_pause; /* no trains before this time (one was refused) */
    } udp[NET_MAX_UDP];
    int no_offload;       /* cfg.no_offload or MPSCTP_NO_OFFLOAD: no GSO, no GRO */
    int nudp;
    uint16_t port;
    uint16_t mtu;
    int epfd, wakefd;
    pthread_t thr;
    int has_thread;
    int stop;
    net_ep *eps;
    net_sock *socks;
    sctp_assoc_t next_id;
    uint16_t next_port;
    mpsctp_tstamp sleep_until; /* deadline the I/O thread sleeps to */
    int changed;               /* something waiters may care about happened */
    mpsctp_stack_stats stats;
    mpsctp_stack_config cfg;
    int lost;                  /* a socket lost its descriptor: net_close_lost */
    struct mpsctp_pcap *pcap;  /* packet trace (cfg.pcap_path or MPSCTP_PCAP), or NULL */
    int64_t pcap_clock_off;    /* CLOCK_REALTIME - CLOCK_MONOTONIC, ns, for timestamps */
    mpsctp_tstamp pcap_flushed; /* last periodic flush of the trace */
    int log_level;             /* MPSCTP_LOG: core log lines up to it go to stderr; -1: none */
    /* send batch */
    int nout;
    struct {
        uint8_t *buf;         /* mtu bytes of outbuf */
        size_t len;
        mpsctp_addr local, remote;
    } out[NET_TX_BATCH];
    uint8_t *outbuf;           /* NET_TX_BATCH packets of mtu bytes */
    /* Receive batch: NET_RX_BATCH slots of NET_RX_SLOT bytes (NET_RX_STRIDE apart), used
     * under the lock. Only the pages that datagrams touch get memory, so a batch of small
     * packets costs what it did with small slots; no allocation per packet. */
    uint8_t *rxbuf;
};

/* ---- stack.c ---- */
mpsctp_tstamp net_now(void);
/* Runs one round under the lock: receive (when rx), timers, events, delivery, output,
 * readiness. Returns the number of datagrams (or GRO trains) received. */
int net_round(mpsctp_stack *st, int rx);
/* Sends everything the endpoints have queued. */
void net_flush(mpsctp_stack *st);
/* After an API call changed core state: flush output, dispatch events, update
 * readiness, and wake the I/O thread when a timer moved earlier. */
void net_kick(mpsctp_stack *st);
/* Waits for a change (cond or, without thread, by processing). deadline_ns: 0 none.
 * Returns 0, or ETIMEDOUT when the deadline passed. Called with the lock held. */
int net_wait(mpsctp_stack *st, mpsctp_tstamp deadline);
/* Finds or creates the endpoint for port (0: an ephemeral port). NULL with errno. */
net_ep *net_ep_get(mpsctp_stack *st, uint16_t port, int exclusive);
void net_ep_put(net_ep *e);
net_assoc *net_assoc_new(net_ep *e, mpsctp_assoc *a);
/* Detaches na from its socket and endpoint and frees it (aborting the core association
 * if live). While references are held the record stays, marked dead and closed. */
void net_assoc_free(net_assoc *na);
/* Takes a reference on na before a wait that drops the stack lock. */
void net_assoc_hold(net_assoc *na);
/* Drops a reference taken by net_assoc_hold; frees a dead record at the last one. */
void net_assoc_drop(net_assoc *na);
/* The live association of endpoint e with socket-level id id, or NULL. */
net_assoc *net_assoc_by_id(const net_ep *e, sctp_assoc_t id);
/* The association record of core association a (NULL for none, or a NULL a: the core
 * clears the pointer of queued events whose association was freed). */
net_assoc *net_assoc_by_core(net_ep *e, const mpsctp_assoc *a);
/* Puts na on (or takes it off) its one-to-many socket's list of full associations. */
void net_blocked_add(net_assoc *na);
void net_blocked_del(net_assoc *na);
/* Moves the association's readable data into its socket's queue (limit: respect
 * SO_RCVBUF). */
void net_pull(net_assoc *na, int limit);
/* Recomputes the fd readiness of s. */
void net_sock_ready(net_sock *s);
/* Allocates a zeroed queue item with room for cap data bytes (mem set). NULL when
 * memory runs out. */
rq_item *net_rq_alloc(size_t cap);
/* Appends a queue item, charging its memory to the socket. */
void net_rq_push(net_sock *s, rq_item *it);
/* Removes the queue's head item (uncharged) and returns it, or NULL when empty. */
rq_item *net_rq_pop(net_sock *s);
/* Converts addresses. */
void net_to_sockaddr(const mpsctp_addr *a, uint16_t port, struct sockaddr_storage *ss,
                     socklen_t *len);
int net_from_sockaddr(const struct sockaddr *sa, socklen_t len, mpsctp_addr *a,
                      uint16_t *port);
void net_core_callbacks(mpsctp_stack *st, mpsctp_callbacks *cb);

/* Hands a received SCTP packet to the endpoint of its destination port. */
void net_input(mpsctp_stack *st, const uint8_t *pkt, size_t len, const mpsctp_addr *local,
               const mpsctp_addr *remote, mpsctp_tstamp now);

/* ---- udp.c ---- */
int net_addr_is_any(const mpsctp_addr *a);
/* Opens, binds and registers (epoll) a UDP socket of the stack. -1 with errno. */
int net_udp_open(mpsctp_stack *st, const mpsctp_addr *a, uint16_t port);
/* Moves every UDP socket of the stack to port (new sockets on the same addresses; the
 * peers learn the new port from the next packet, RFC 6951). 0, or -1 with errno
 * (EADDRINUSE) and nothing changed. Called with the lock held. */
int net_udp_move(mpsctp_stack *st, uint16_t port);
/* Sends the packets of the out batch (st->nout, reset to 0). */
void net_udp_send(mpsctp_stack *st);
/* Receives one batch (up to NET_RX_BATCH datagrams or trains) from UDP socket u and
 * passes every packet to net_input. Returns the number read. */
int net_udp_recv(mpsctp_stack *st, int u, mpsctp_tstamp now);

/* ---- sock.c ---- */
net_sock *net_sock_new(mpsctp_stack *st, int family, int type);
/* Drops a reference to s; frees it when it is closing and that was the last one. */
void net_sock_release(net_sock *s);
/* Socket-level errno for the association na (0 when usable). */
int net_assoc_errno(const net_assoc *na);
net_assoc *net_sock_find_assoc(net_sock *s, sctp_assoc_t id);
/* Applies the socket options in s->o to a (new) association. */
void net_apply_opts(net_sock *s, net_assoc *na);

/* Takes sd out of the registry (mpsctp_close) with a reference; NULL when unknown. */
net_sock *net_reg_take(int sd);
/* Removes the registry's entry for s->fd if it is s. */
void net_reg_drop(net_sock *s);
/* System calls on the application's end of a socket (close, fcntl, recv/send of the
 * readiness bytes). They go to the kernel directly, not through the C library's
 * symbols, which a layer loaded with LD_PRELOAD may have turned into calls of this
 * library. */
int net_fd_close(int fd);
int net_fd_fcntl(int fd, int cmd, long arg);
ssize_t net_fd_recv(int fd, void *buf, size_t len);
ssize_t net_fd_send(int fd, const void *buf, size_t len);
/* Called by mpsctp_close after net_reg_take(sd): when other descriptors still name s,
 * sd was one of several (a dup): returns 1 and s stays open; else 0. */
int net_reg_unalias(net_sock *s, int sd);
/* In a forked child: closes sd when it is a socket inherited from the parent (0), else
 * -1. */
int net_reg_close_inherited(int sd);
/* fork() handlers of the default stack: 0 before, 1 in the parent, 2 in the child after. */
void net_default_fork(int phase);

/* Takes a reference on s (net_sock_release drops it). */
void net_sock_hold(net_sock *s);
/* Unlinks and frees s: its queue, its descriptors (only those still ours), its
 * endpoint reference. */
void net_sock_free(net_sock *s);
/* Whether s->fd is still the descriptor we created (fstat: same device and inode); marks
 * s fd_lost otherwise. */
int net_sock_fd_ours(net_sock *s);
/* The live associations of s, each with a reference (net_assocs_drop); NULL with *n 0
 * when there are none, NULL with *n > 0 when memory ran out. */
net_assoc **net_sock_assocs_hold(net_sock *s, size_t *n);
/* Drops the references of net_sock_assocs_hold and frees the array. */
void net_assocs_drop(net_assoc **all, size_t n);

/* ---- close.c ---- */
/* Closes s (its associations shut down gracefully, or abort with SO_LINGER {1, 0}); the
 * caller holds the lock and a reference, and has taken s out of the registry. */
void net_sock_close(net_sock *s);
/* Closes the sockets of st whose descriptor a plain close() took away (st->lost). */
void net_close_lost(mpsctp_stack *st);
/* Closes every socket of st the application left open, then waits for the graceful
 * shutdowns for the stack's linger time (cfg.linger_ms). Called with the lock held. */
void net_stack_close_all(mpsctp_stack *st);
/* Forgets st as the default stack (it is being freed). */
void net_default_forget(mpsctp_stack *st);

/* ---- sockopt.c ---- */
int net_getsockopt(net_sock *s, int level, int name, void *val, socklen_t *len);
int net_setsockopt(net_sock *s, int level, int name, const void *val, socklen_t len);
void net_sock_opts_default(sock_opts *o, uint16_t mtu);

/* ---- opt.c, opt_lksctp.c: option tables ---- */
/* The option table's handling of (level, name) for getsockopt/setsockopt under the stack
 * lock: sets *e to 0 or an errno and returns 1 when a table row has the option, else
 * returns 0 (the caller's own handling applies). */
int net_opt_table_get(net_sock *s, int level, int name, void *val, socklen_t *len, int *e);
int net_opt_table_set(net_sock *s, int level, int name, const void *val, socklen_t len,
                      int *e);
/* Options that are whole API calls (libsctp's bindx, connectx, peeloff, getpaddrs and
 * getladdrs go through them), run before the socket is entered: they call the public
 * functions, which take the lock. Return 1 and the call's result in *ret (errno set when
 * -1) when (level, name) is one of them, else 0. */
int net_opt_call_get(int sd, int level, int name, void *val, socklen_t *len, int *ret);
int net_opt_call_set(int sd, int level, int name, const void *val, socklen_t len, int *ret);
/* Partial reliability (opt_prsctp.c): copies the socket's SCTP_DEFAULT_PRINFO into a
 * new association na. */
void net_pr_apply(net_sock *s, net_assoc *na);
/* Checks a send's sctp_prinfo (sctp_sendv, SCTP_PRINFO cmsg) into *out. Returns 0 or
 * EINVAL (a policy beyond SCTP_PR_SCTP_PRIO or other bits). */
int net_pr_from_prinfo(const struct sctp_prinfo *in, struct sctp_prinfo *out);
/* The policy of an SCTP_SNDRCV cmsg c (Linux: the PR bits of sinfo_flags, the value in
 * sinfo_timetolive) into *out. Returns 0 or EINVAL (short). */
int net_pr_sndrcv_in(const struct cmsghdr *c, struct sctp_prinfo *out);
/* Queues a message on na with policy pr (NULL: the association's SCTP_DEFAULT_PRINFO).
 * Returns what mpsctp_assoc_send_pr returns. */
int net_pr_send(net_assoc *na, const void *buf, size_t len, const mpsctp_sndinfo *ci,
                const struct sctp_prinfo *pr, mpsctp_tstamp now);
/* Copies the compatibility values of s into a new association na. */
void net_lk_apply(net_sock *s, net_assoc *na);
/* The SCTP_SNDRCV cmsg c of a send (struct sctp_sndrcvinfo) into *si. Returns 0 or
 * EINVAL (short, unknown flags). */
int net_lk_sndrcv_in(const struct cmsghdr *c, struct sctp_sndinfo *si);
/* Whether a received message of association id gets the SCTP_SNDRCV cmsg (the
 * sctp_data_io_event is on): 1 with *out filled from *rcv, else 0. */
int net_lk_sndrcv_out(net_sock *s, const struct sctp_rcvinfo *rcv, struct sctp_sndrcvinfo *out);
/* The SCTP_CONTEXT value of association id of s (the socket's when it is gone). */
uint32_t net_lk_rcv_context(net_sock *s, sctp_assoc_t id);
/* SCTP_I_WANT_MAPPED_V4_ADDR (on by default, as Linux): an IPv4 address *ss (length
 * *len, may be NULL) that goes out to the application of an AF_INET6 socket s becomes
 * the IPv4-mapped IPv6 address. Others stay. */
void net_lk_addr_out(const net_sock *s, struct sockaddr_storage *ss, socklen_t *len);
/* Whether a message of len bytes may go to na: EMSGSIZE when SCTP_DISABLE_FRAGMENTS is on
 * and it does not fit one DATA chunk, else 0. */
int net_lk_send_check(net_sock *s, net_assoc *na, size_t len);

#endif
