/*
 * mpsctp sockets API: an RFC 6458-style interface over SCTP-in-UDP (RFC 6951).
 *
 * Porting an application from kernel SCTP means renaming calls only: socket() becomes
 * mpsctp_socket(), sctp_sendv() becomes mpsctp_sendv(), and so on. Every socket is a real
 * file descriptor that poll/epoll report readable (data, a notification, a pending accept,
 * end of file or an error) and writable (a send would not block).
 *
 * Structures, option names and constants are those of RFC 6458 with the values Linux
 * uses (usrsctp's where Linux has none). Do not include <linux/sctp.h> in the same
 * translation unit: the names collide.
 *
 * Errors: every function returns -1 and sets errno as kernel SCTP would (EAGAIN,
 * EINPROGRESS, ECONNREFUSED, ECONNRESET, ETIMEDOUT, ENOTCONN, EPIPE, EMSGSIZE, EINVAL,
 * ENOENT, ENOPROTOOPT, EBADF...), unless its comment says otherwise.
 */
#ifndef MPSCTP_SOCKET_H
#define MPSCTP_SOCKET_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <sys/uio.h>
#include <netinet/in.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ---- stack instance ------------------------------------------------------------- */

typedef struct mpsctp_stack mpsctp_stack;

#define MPSCTP_DEFAULT_UDP_PORT 9899 /* RFC 6951 s5 */
#define MPSCTP_STACK_MAX_ADDRS 8
#define MPSCTP_UDP_PORT_ANY (-1) /* let the kernel choose the UDP port */
/* A port the kernel chooses until a socket of the stack listens; then the stack moves to
 * the well-known port 9899 (a listener must be reachable there, a process that only
 * connects needs no fixed port: RFC 6951 peers learn it from the packets). The default
 * stack's setting. */
#define MPSCTP_UDP_PORT_LISTEN (-2)

/* Stack settings. A zeroed struct gives the defaults. */
typedef struct mpsctp_stack_config {
    int udp_port;          /* UDP encapsulation port: 0 = 9899, MPSCTP_UDP_PORT_ANY = the
                              kernel picks one (read it with mpsctp_stack_udp_port),
                              MPSCTP_UDP_PORT_LISTEN = the kernel's until a listen(),
                              then 9899 */
    size_t naddrs;         /* 0: bind 0.0.0.0 and :: (IPv6 when available) */
    struct sockaddr_storage addrs[MPSCTP_STACK_MAX_ADDRS]; /* one UDP socket each; the
                              port field is ignored */
    int no_thread;         /* 1: no I/O thread; drive the stack with mpsctp_stack_process */
    int no_ipv6;           /* 1: with naddrs 0, bind IPv4 only */
    uint16_t mtu;          /* SCTP packet size limit (no IP/UDP header); 0 = 1472
                              (IPv4 MTU 1500 - 20 - 8); 508 .. 65507. Received packets
                              may be larger (up to what UDP delivers) */
    /* Optional: every SCTP packet sent (dir 1) or received (dir 0), before/after UDP.
     * Addresses carry the UDP ports (local_udp is the stack's port). Called with the
     * stack locked: do not call back into the API. */
    void (*trace)(void *user, int dir, const uint8_t *pkt, size_t len,
                  const struct sockaddr *local, const struct sockaddr *remote);
    void *trace_user;
    /* Optional: write every SCTP packet sent and received to this pcap file (SCTP over
     * synthesized IP/UDP headers, see lib/pcap), created or truncated by
     * mpsctp_stack_new. NULL: the environment variable MPSCTP_PCAP names the file when
     * it is set and not empty. In the name, "%p" stands for the process id and "%u" for
     * the stack's UDP port, so that several stacks or processes can trace at once.
     * mpsctp_stack_new fails (errno from fopen) when the file cannot be created. */
    const char *pcap_path;
    /* mpsctp_stack_free: how long (ms) to wait for the graceful shutdowns of the
     * associations of closed sockets before aborting what is left. 0: the default
     * MPSCTP_STACK_LINGER_MS; negative: no wait (abort at once). */
    int linger_ms;
    /* 1: no UDP segmentation offload (GSO trains on send, GRO on receive): one datagram
     * per message slot of sendmmsg/recvmmsg, as on kernels without them. The
     * environment variable MPSCTP_NO_OFFLOAD=1 does the same. The datagrams on the wire
     * are the same either way. */
    int no_offload;
    /* With udp_port MPSCTP_UDP_PORT_LISTEN: the port the first listen() moves the stack
     * to (0: 9899). A server that binds its port only once it listens is never reachable
     * before it can accept: an early INIT finds no port and is sent again. */
    uint16_t listen_udp_port;
} mpsctp_stack_config;

/* Default of mpsctp_stack_config.linger_ms: time for a few retransmissions of a
 * SHUTDOWN at the default RTO (1 s, doubling), or for a closed socket's last megabytes
 * to reach a peer on any ordinary path. */
#define MPSCTP_STACK_LINGER_MS 10000

/* Stack counters. */
typedef struct mpsctp_stack_stats {
    uint64_t udp_in, udp_out;        /* datagrams received / sent */
    uint64_t udp_out_errors;         /* sendmsg failures other than EAGAIN */
    uint64_t dropped_short;          /* too short for an SCTP common header */
    uint64_t dropped_no_endpoint;    /* no socket bound to the destination SCTP port */
    uint64_t dropped_malformed;      /* the core refused it as malformed */
    uint64_t dropped_checksum;       /* bad CRC32c */
    uint64_t dropped_not_ours;       /* matched no association or listener */
    uint64_t waiting_calls;          /* blocking calls of the stack waiting right now */
    uint64_t dropped_notifications;  /* notifications that found a receive queue full */
    uint64_t udp_out_calls;          /* send system calls (sendmmsg, sendmsg) */
    uint64_t udp_in_calls;           /* recvmmsg calls that returned datagrams */
    uint64_t gso_trains;             /* messages of several datagrams sent (UDP GSO) */
    uint64_t gso_datagrams;          /* datagrams sent in those trains */
    uint64_t gro_trains;             /* coalesced trains received (UDP GRO) */
    uint64_t gso_refused;            /* trains the kernel refused, sent one by one */
} mpsctp_stack_stats;

/* Creates a stack: binds the UDP socket(s) and, unless cfg->no_thread, starts the I/O
 * thread. cfg may be NULL (defaults). Returns NULL and sets errno on failure (EADDRINUSE,
 * EINVAL, ENOMEM...). */
mpsctp_stack *mpsctp_stack_new(const mpsctp_stack_config *cfg);

/* Closes every socket of the stack that is still open (gracefully, as mpsctp_close),
 * waits up to cfg.linger_ms (default MPSCTP_STACK_LINGER_MS) until every graceful
 * shutdown in progress has completed, so that data a close promised to deliver is
 * delivered, then aborts the associations still alive, stops the I/O thread and frees
 * the stack. NULL is ignored. Other threads must not be inside calls on the stack. */
void mpsctp_stack_free(mpsctp_stack *st);

/* Waits until no association of the stack is in a graceful shutdown (a socket closed,
 * shut down or sent SCTP_EOF and its data or SHUTDOWN exchange is still under way), at
 * most timeout_ms (0: only check; negative: without limit, the shutdowns then end at the
 * latest when their peer is declared unreachable). Returns 0 when none is pending, -1 with
 * errno ETIMEDOUT when some still are, EINVAL for a NULL stack. */
int mpsctp_stack_drain(mpsctp_stack *st, int timeout_ms);

/* Returns the stack's UDP encapsulation port. */
uint16_t mpsctp_stack_udp_port(const mpsctp_stack *st);

/* Returns a file descriptor (epoll) that becomes readable when mpsctp_stack_process has
 * packets to handle; for stacks created with no_thread. Owned by the stack. */
int mpsctp_stack_fd(const mpsctp_stack *st);

/* Returns the milliseconds until the stack's next timer (-1: none); for no_thread. */
int mpsctp_stack_timeout(mpsctp_stack *st);

/* Waits up to timeout_ms (0: do not wait, -1: until something happens) for packets or
 * the next timer, then receives, runs timers and sends. Returns 0, or -1 with errno. A
 * stack with its own thread does this itself (calling it then is harmless but useless). */
int mpsctp_stack_process(mpsctp_stack *st, int timeout_ms);

/* Copies the stack counters into *out. */
void mpsctp_stack_stats_get(mpsctp_stack *st, mpsctp_stack_stats *out);

/* Returns the default stack (created with default settings on first use, its UDP port
 * MPSCTP_UDP_PORT_LISTEN: a port of the kernel's choice until one of its sockets listens,
 * then 9899, so that several processes of a host can use SCTP at once and listeners are
 * found at the well-known port; the environment variable MPSCTP_UDP_PORT, when set, gives
 * a fixed UDP port instead, -1 letting the kernel pick one for good), or NULL with errno
 * when it cannot be created. mpsctp_socket() uses
 * it. At process exit (exit() or a return from main) its open sockets are closed and
 * its graceful shutdowns waited for as mpsctp_stack_free does; what is left is aborted. */
mpsctp_stack *mpsctp_default_stack(void);

/* ---- RFC 6458 types and constants ----------------------------------------------- */

#ifndef IPPROTO_SCTP
#define IPPROTO_SCTP 132
#endif

typedef int32_t sctp_assoc_t;

#define SCTP_FUTURE_ASSOC 0
#define SCTP_CURRENT_ASSOC 1
#define SCTP_ALL_ASSOC 2

/* recvmsg flag (Linux value) */
#ifndef MSG_NOTIFICATION
#define MSG_NOTIFICATION 0x8000
#endif

/* sinfo/snd/rcv flags */
#define SCTP_UNORDERED 0x0001
#define SCTP_ADDR_OVER 0x0002
#define SCTP_ABORT 0x0004
#define SCTP_SACK_IMMEDIATELY 0x0008
#define SCTP_SENDALL 0x0040
#define SCTP_NOTIFICATION MSG_NOTIFICATION /* nxt_flags (Linux) */
#define SCTP_COMPLETE 0x0020               /* nxt_flags (usrsctp value) */
#define SCTP_EOF MSG_FIN

/* cmsg types (cmsg_level IPPROTO_SCTP) */
#define SCTP_INIT 0
#define SCTP_SNDRCV 1
#define SCTP_SNDINFO 2
#define SCTP_RCVINFO 3
#define SCTP_NXTINFO 4
#define SCTP_PRINFO 5
#define SCTP_AUTHINFO 6
#define SCTP_DSTADDRV4 7
#define SCTP_DSTADDRV6 8

struct sctp_initmsg {
    uint16_t sinit_num_ostreams;
    uint16_t sinit_max_instreams;
    uint16_t sinit_max_attempts;
    uint16_t sinit_max_init_timeo;
};

struct sctp_sndinfo {
    uint16_t snd_sid;
    uint16_t snd_flags;
    uint32_t snd_ppid;
    uint32_t snd_context;
    sctp_assoc_t snd_assoc_id;
};

struct sctp_rcvinfo {
    uint16_t rcv_sid;
    uint16_t rcv_ssn;
    uint16_t rcv_flags;
    uint32_t rcv_ppid;
    uint32_t rcv_tsn;
    uint32_t rcv_cumtsn;
    uint32_t rcv_context;
    sctp_assoc_t rcv_assoc_id;
};

struct sctp_nxtinfo {
    uint16_t nxt_sid;
    uint16_t nxt_flags;
    uint32_t nxt_ppid;
    uint32_t nxt_length;
    sctp_assoc_t nxt_assoc_id;
};

struct sctp_prinfo {
    uint16_t pr_policy;
    uint32_t pr_value;
};

struct sctp_authinfo {
    uint16_t auth_keynumber;
};

/* sctp_sendv info types (RFC 6458 s9.12) */
#define SCTP_SENDV_NOINFO 0
#define SCTP_SENDV_SNDINFO 1
#define SCTP_SENDV_PRINFO 2
#define SCTP_SENDV_AUTHINFO 3
#define SCTP_SENDV_SPA 4

struct sctp_sendv_spa {
    uint32_t sendv_flags;
    struct sctp_sndinfo sendv_sndinfo;
    struct sctp_prinfo sendv_prinfo;
    struct sctp_authinfo sendv_authinfo;
};
#define SCTP_SEND_SNDINFO_VALID 0x1
#define SCTP_SEND_PRINFO_VALID 0x2
#define SCTP_SEND_AUTHINFO_VALID 0x4

/* sctp_recvv info types (RFC 6458 s9.13) */
#define SCTP_RECVV_NOINFO 0
#define SCTP_RECVV_RCVINFO 1
#define SCTP_RECVV_NXTINFO 2
#define SCTP_RECVV_RN 3

struct sctp_recvv_rn {
    struct sctp_rcvinfo recvv_rcvinfo;
    struct sctp_nxtinfo recvv_nxtinfo;
};

/* ---- notifications (RFC 6458 s6) ------------------------------------------------- */

#define SCTP_SN_TYPE_BASE 0x8000
/* Not a notification: the SCTP_EVENT type (Linux) and the first SCTP_EVENTS field that turn
 * the SCTP_SNDRCV cmsg of received messages on. */
#define SCTP_DATA_IO_EVENT 0x8000
#define SCTP_ASSOC_CHANGE 0x8001
#define SCTP_PEER_ADDR_CHANGE 0x8002
#define SCTP_SEND_FAILED 0x8003
#define SCTP_REMOTE_ERROR 0x8004
#define SCTP_SHUTDOWN_EVENT 0x8005
#define SCTP_PARTIAL_DELIVERY_EVENT 0x8006
#define SCTP_ADAPTATION_INDICATION 0x8007
#define SCTP_AUTHENTICATION_EVENT 0x8008
#define SCTP_SENDER_DRY_EVENT 0x8009
#define SCTP_STREAM_RESET_EVENT 0x800a
#define SCTP_ASSOC_RESET_EVENT 0x800b
#define SCTP_STREAM_CHANGE_EVENT 0x800c
#define SCTP_SEND_FAILED_EVENT 0x800d

struct sctp_tlv {
    uint16_t sn_type;
    uint16_t sn_flags;
    uint32_t sn_length;
};

/* sac_state */
#define SCTP_COMM_UP 0
#define SCTP_COMM_LOST 1
#define SCTP_RESTART 2
#define SCTP_SHUTDOWN_COMP 3
#define SCTP_CANT_STR_ASSOC 4

/* sac_info feature list entries (RFC 6458 s6.1.1) */
#define SCTP_ASSOC_SUPPORTS_PR 0x01
#define SCTP_ASSOC_SUPPORTS_AUTH 0x02
#define SCTP_ASSOC_SUPPORTS_ASCONF 0x03
#define SCTP_ASSOC_SUPPORTS_MULTIBUF 0x04

struct sctp_assoc_change {
    uint16_t sac_type;
    uint16_t sac_flags;
    uint32_t sac_length;
    uint16_t sac_state;
    uint16_t sac_error;
    uint16_t sac_outbound_streams;
    uint16_t sac_inbound_streams;
    sctp_assoc_t sac_assoc_id;
    uint8_t sac_info[];
};

/* spc_state */
#define SCTP_ADDR_AVAILABLE 0
#define SCTP_ADDR_UNREACHABLE 1
#define SCTP_ADDR_REMOVED 2
#define SCTP_ADDR_ADDED 3
#define SCTP_ADDR_MADE_PRIM 4
#define SCTP_ADDR_CONFIRMED 5
#define SCTP_ADDR_POTENTIALLY_FAILED 6

struct sctp_paddr_change {
    uint16_t spc_type;
    uint16_t spc_flags;
    uint32_t spc_length;
    struct sockaddr_storage spc_aaddr;
    uint32_t spc_state;
    uint32_t spc_error;
    sctp_assoc_t spc_assoc_id;
} __attribute__((packed, aligned(4)));

struct sctp_remote_error {
    uint16_t sre_type;
    uint16_t sre_flags;
    uint32_t sre_length;
    uint16_t sre_error;
    sctp_assoc_t sre_assoc_id;
    uint8_t sre_data[];
};

/* ssf_flags (Linux's values, enum sctp_ssf_flags; RFC 6458 and usrsctp use 1 and 2) */
#define SCTP_DATA_UNSENT 0
#define SCTP_DATA_SENT 1

struct sctp_send_failed_event {
    uint16_t ssf_type;
    uint16_t ssf_flags;
    uint32_t ssf_length;
    uint32_t ssf_error;
    struct sctp_sndinfo ssfe_info;
    sctp_assoc_t ssf_assoc_id;
    uint8_t ssf_data[];
};

struct sctp_shutdown_event {
    uint16_t sse_type;
    uint16_t sse_flags;
    uint32_t sse_length;
    sctp_assoc_t sse_assoc_id;
};

struct sctp_sender_dry_event {
    uint16_t sender_dry_type;
    uint16_t sender_dry_flags;
    uint32_t sender_dry_length;
    sctp_assoc_t sender_dry_assoc_id;
};

/* ---- stream reconfiguration (RFC 6525; Linux numbers and layouts) ---------------- */

/* SCTP_STREAM_RESET_EVENT strreset_flags */
#define SCTP_STREAM_RESET_INCOMING_SSN 0x0001
#define SCTP_STREAM_RESET_OUTGOING_SSN 0x0002
#define SCTP_STREAM_RESET_DENIED 0x0004
#define SCTP_STREAM_RESET_FAILED 0x0008
struct sctp_stream_reset_event {
    uint16_t strreset_type;
    uint16_t strreset_flags;
    uint32_t strreset_length;
    sctp_assoc_t strreset_assoc_id;
    uint16_t strreset_stream_list[];
};

/* SCTP_ASSOC_RESET_EVENT assocreset_flags */
#define SCTP_ASSOC_RESET_DENIED 0x0004
#define SCTP_ASSOC_RESET_FAILED 0x0008
struct sctp_assoc_reset_event {
    uint16_t assocreset_type;
    uint16_t assocreset_flags;
    uint32_t assocreset_length;
    sctp_assoc_t assocreset_assoc_id;
    uint32_t assocreset_local_tsn;
    uint32_t assocreset_remote_tsn;
};

/* SCTP_STREAM_CHANGE_EVENT strchange_flags */
#define SCTP_ASSOC_CHANGE_DENIED 0x0004
#define SCTP_ASSOC_CHANGE_FAILED 0x0008
#define SCTP_STREAM_CHANGE_DENIED SCTP_ASSOC_CHANGE_DENIED
#define SCTP_STREAM_CHANGE_FAILED SCTP_ASSOC_CHANGE_FAILED
struct sctp_stream_change_event {
    uint16_t strchange_type;
    uint16_t strchange_flags;
    uint32_t strchange_length;
    sctp_assoc_t strchange_assoc_id;
    uint16_t strchange_instrms;
    uint16_t strchange_outstrms;
};

union sctp_notification {
    struct sctp_tlv sn_header;
    struct sctp_stream_reset_event sn_strreset_event;
    struct sctp_assoc_reset_event sn_assocreset_event;
    struct sctp_stream_change_event sn_strchange_event;
    struct sctp_assoc_change sn_assoc_change;
    struct sctp_paddr_change sn_paddr_change;
    struct sctp_remote_error sn_remote_error;
    struct sctp_shutdown_event sn_shutdown_event;
    struct sctp_sender_dry_event sn_sender_dry_event;
    struct sctp_send_failed_event sn_send_failed_event;
};

/* ---- socket options (level IPPROTO_SCTP, Linux values) ----------------------------- */

#define SCTP_RTOINFO 0
#define SCTP_ASSOCINFO 1
#define SCTP_INITMSG 2
#define SCTP_NODELAY 3
#define SCTP_PRIMARY_ADDR 6
#define SCTP_PEER_ADDR_PARAMS 9
#define SCTP_MAXSEG 13
#define SCTP_STATUS 14
#define SCTP_GET_PEER_ADDR_INFO 15
#define SCTP_GET_ASSOC_ID_LIST 29
#define SCTP_RECVRCVINFO 32
#define SCTP_RECVNXTINFO 33
#define SCTP_DEFAULT_SNDINFO 34
#define SCTP_EVENT 127
#define SCTP_REMOTE_UDP_ENCAPS_PORT 132
#define SCTP_PEER_ADDR_THLDS 31 /* RFC 7829 s7.2, struct sctp_paddrthlds */
/* The older Linux/lksctp options (RFC 6458's deprecated ones included) that unmodified
 * kernel-SCTP applications and libsctp set; docs/api.md, "Porting from lksctp", says what
 * each does here and which values are kept without an effect. */
#define SCTP_AUTOCLOSE 4              /* int seconds; one-to-many only (kept, see docs) */
#define SCTP_SET_PEER_PRIMARY_ADDR 5  /* struct sctp_setpeerprim: EPERM (no ASCONF) */
#define SCTP_ADAPTATION_LAYER 7       /* struct sctp_setadaptation (kept, see docs) */
#define SCTP_DISABLE_FRAGMENTS 8      /* int: 1 makes a message above the fragmentation
                                         point EMSGSIZE */
#define SCTP_DEFAULT_SEND_PARAM 10    /* struct sctp_sndrcvinfo: SCTP_DEFAULT_SNDINFO and a
                                         time to live */
#define SCTP_EVENTS 11                /* struct sctp_event_subscribe (any shorter prefix) */
#define SCTP_I_WANT_MAPPED_V4_ADDR 12 /* int: 1 (default) AF_INET6 sockets report IPv4
                                         addresses IPv4-mapped */
#define SCTP_DELAYED_SACK 16          /* struct sctp_sack_info */
#define SCTP_DELAYED_ACK_TIME SCTP_DELAYED_SACK
#define SCTP_DELAYED_ACK SCTP_DELAYED_SACK
#define SCTP_CONTEXT 17               /* struct sctp_assoc_value: rcv_context/sinfo_context
                                         of received messages */
#define SCTP_FRAGMENT_INTERLEAVE 18   /* int: 0, 1 or 2 (docs/api.md "Message interleaving") */
#define SCTP_PARTIAL_DELIVERY_POINT 19 /* uint32_t bytes, for associations set up later */
#define SCTP_MAX_BURST 20             /* struct sctp_assoc_value (or an int) */
#define SCTP_GET_ASSOC_NUMBER 28      /* uint32_t, one-to-many only, get only */
/* libsctp's calls as socket options (Linux numbers): sctp_bindx, sctp_peeloff,
 * sctp_connectx, sctp_getpaddrs/getladdrs. */
#define SCTP_SOCKOPT_BINDX_ADD 100    /* set: packed sockaddr_in/sockaddr_in6 array */
#define SCTP_SOCKOPT_BINDX_REM 101    /* set: the same */
#define SCTP_SOCKOPT_PEELOFF 102      /* get: sctp_peeloff_arg_t; the descriptor in sd */
#define SCTP_SOCKOPT_CONNECTX_OLD 107 /* set: packed addresses; returns 0 */
#define SCTP_GET_PEER_ADDRS 108       /* get: struct sctp_getaddrs */
#define SCTP_GET_LOCAL_ADDRS 109      /* get: struct sctp_getaddrs */
#define SCTP_SOCKOPT_CONNECTX 110     /* set: packed addresses; returns the association id */
#define SCTP_SOCKOPT_CONNECTX3 111    /* get: struct sctp_getaddrs_old; id in assoc_id */
#define SCTP_GET_ASSOC_STATS 112      /* get: struct sctp_assoc_stats */

/* Stream reconfiguration (RFC 6525, RFC 6458 s8.1.x and s8.3.x; Linux numbers and
 * structures; docs/api.md "Stream reconfiguration"). */
#define SCTP_RECONFIG_SUPPORTED 117  /* struct sctp_assoc_value: offer RE-CONFIG */
#define SCTP_ENABLE_STREAM_RESET 118 /* struct sctp_assoc_value: SCTP_ENABLE_* flags */
#define SCTP_RESET_STREAMS 119       /* set: struct sctp_reset_streams */
#define SCTP_RESET_ASSOC 120         /* set: sctp_assoc_t */
#define SCTP_ADD_STREAMS 121         /* set: struct sctp_add_streams */
/* SCTP_ENABLE_STREAM_RESET assoc_value: which requests of the peer are carried out */
#define SCTP_ENABLE_RESET_STREAM_REQ 0x01
#define SCTP_ENABLE_RESET_ASSOC_REQ 0x02
#define SCTP_ENABLE_CHANGE_ASSOC_REQ 0x04
#define SCTP_ENABLE_STRRESET_MASK 0x07
/* srs_flags */
#define SCTP_STREAM_RESET_INCOMING 0x01
#define SCTP_STREAM_RESET_OUTGOING 0x02
struct sctp_reset_streams {
    sctp_assoc_t srs_assoc_id;
    uint16_t srs_flags;
    uint16_t srs_number_streams; /* 0: every stream */
    uint16_t srs_stream_list[];
};
struct sctp_add_streams {
    sctp_assoc_t sas_assoc_id;
    uint16_t sas_instrms;
    uint16_t sas_outstrms;
};
#define SCTP_SOCKOPT_PEELOFF_FLAGS 122 /* get: sctp_peeloff_flags_arg_t */
/* mpsctp extensions: 0x1300 and up (MPSCTP_CMT_BUFSPLIT ... MPSCTP_PATH_SELECT below). */
/* Per-path statistics (getsockopt only), struct mpsctp_pathstats. */
#define MPSCTP_PATH_STATS 0x1300
/* draft-dreibholz-tsvwg-sctpsocket-multipath: Concurrent Multipath Transfer,
 * struct sctp_assoc_value, set and get. assoc_value is the mode below; values above
 * SCTP_CMT_MPTCP are EINVAL and change nothing. One-to-one sockets ignore assoc_id: before
 * the association exists the value is the socket default it inherits, afterwards it
 * changes the association (and the default). One-to-many sockets: a real id changes that
 * association (ENOENT when there is none), SCTP_FUTURE_ASSOC the default for associations
 * set up later, SCTP_CURRENT_ASSOC every existing one, SCTP_ALL_ASSOC both. Changes take
 * effect at the next transmission decision, mid-transfer included, without losing or
 * duplicating data and without resetting cwnds. getsockopt returns the association's
 * value, or the socket default (SCTP_FUTURE_ASSOC, an unconnected one-to-one socket);
 * SCTP_CURRENT_ASSOC and SCTP_ALL_ASSOC are EINVAL there. optlen below
 * sizeof(struct sctp_assoc_value): EINVAL. No sysctl or global switch is needed. */
#define SCTP_CMT_ON_OFF 0x1200
#define SCTP_CMT_OFF 0   /* standard SCTP: new data on the primary path */
#define SCTP_CMT_BASE 1  /* CMT, each path with its own standard congestion control */
#define SCTP_CMT_RPV1 2  /* CMT/RPv1 resource pooling */
#define SCTP_CMT_RPV2 3  /* CMT/RPv2 resource pooling */
#define SCTP_CMT_MPTCP 4 /* MPTCP-like resource pooling (LIA, RFC 6356) */
/* mpsctp extensions that tune CMT (docs/cmt.md), with the assoc_id rules, errors and
 * set/get behaviour of SCTP_CMT_ON_OFF; a value outside the listed ones is EINVAL. */
/* Buffer splitting while CMT is on: a path may hold at most send buffer / n bytes in
 * flight (sender side) and at most (peer rwnd + outstanding) / n (receiver side), n the
 * usable paths. Default: both. */
#define MPSCTP_CMT_BUFSPLIT 0x1301
#define MPSCTP_CMT_BUFSPLIT_NONE 0
#define MPSCTP_CMT_BUFSPLIT_SENDER 1
#define MPSCTP_CMT_BUFSPLIT_RECEIVER 2
#define MPSCTP_CMT_BUFSPLIT_BOTH 3
/* Where CMT sends fast and timeout retransmissions: the usable path with the largest cwnd
 * (default) or with the largest ssthresh. */
#define MPSCTP_CMT_RTX_POLICY 0x1302
#define MPSCTP_CMT_RTX_CWND 0
#define MPSCTP_CMT_RTX_SSTHRESH 1
/* The path SACKs go to: the one the latest DATA came from (default), the one new data
 * goes to (the primary while usable), or the usable one with the smallest SRTT. */
#define MPSCTP_SACK_PATH 0x1303
#define MPSCTP_SACKPATH_DATA 0
#define MPSCTP_SACKPATH_PRIMARY 1
#define MPSCTP_SACKPATH_MIN_RTT 2
/* NR-SACK (chunk 0x10), negotiated at association setup. Set (0 or 1): whether
 * associations set up later offer it (default 1); it is a socket default only, so a real
 * assoc_id, SCTP_CURRENT_ASSOC, SCTP_ALL_ASSOC and a one-to-one socket that already has
 * its association are EINVAL. Get on an association: 1 when both ends negotiated it (0
 * until the handshake completes); else the socket default. */
#define MPSCTP_NR_SACK 0x1304
/* Path selection for new data while CMT is on (stream-to-path mapping, docs/api.md): round robin over the
 * usable paths for every stream (default), or stream s only on usable path number
 * (s mod n), n the usable paths in path order, so that a slow path holds up only its own
 * streams; when a path fails, n shrinks and the streams are mapped again. With CMT off
 * the value is kept but has no effect. */
#define MPSCTP_PATH_SELECT 0x1305
#define MPSCTP_PATH_SELECT_RR 0
#define MPSCTP_PATH_SELECT_STREAM 1
/* The socket's receive queue (getsockopt only; set: ENOPROTOOPT), struct
 * mpsctp_rcvqueue: the memory its messages and notifications hold against SO_RCVBUF.
 * Socket-wide: no association id. optlen below the structure: EINVAL. */
#define MPSCTP_RCVQUEUE 0x1306
/* The most associations the socket's endpoint keeps open at once, a uint32_t (set and
 * get; optlen below sizeof(uint32_t): EINVAL). It counts every association of the
 * endpoint that is not closed: those a listening or one-to-many socket accepted and
 * those it started. A peer's new association beyond it is refused when its COOKIE ECHO
 * arrives, with an ABORT carrying the Out of Resource cause: the peer's connect fails
 * with ECONNREFUSED and its SCTP_ASSOC_CHANGE notification says SCTP_CANT_STR_ASSOC with
 * sac_error 4. Associations this socket starts are not refused. 0: no limit; default
 * 1024. It applies to the endpoint the socket owns (a bound socket; an accepted
 * one-to-one socket shares its listener's endpoint and only stores the value); lowering
 * it closes nothing. */
#define MPSCTP_MAX_ASSOCS 0x1307
/* draft-dreibholz-tsvwg-sctpsocket-sqinfo: sender queue information,
 * struct sctp_sndqueueinfo below. getsockopt only (setsockopt: ENOPROTOOPT).
 * - optlen must cover the header and one uint32_t per outgoing stream of the association;
 *   else EINVAL and nothing is written (an optlen below the header is EINVAL too). On
 *   success optlen is the bytes filled: the header plus sq_number_of_streams entries.
 * - One-to-one socket: sq_assoc_id is ignored (the association's id is returned);
 *   ENOTCONN without an association. One-to-many: sq_assoc_id names the association
 *   (ENOENT when there is none); SCTP_FUTURE_ASSOC, SCTP_CURRENT_ASSOC, SCTP_ALL_ASSOC:
 *   EINVAL.
 * - "Queued" bytes are user-message bytes accepted by a send and not yet acknowledged
 *   (waiting, in flight or to be retransmitted); they leave when cumulatively or
 *   NR-acknowledged or abandoned. sq_queue_limit is the send buffer (SO_SNDBUF) a send
 *   blocks on. The structure is one snapshot: sum of sq_queued_on_stream ==
 *   sq_total_queued <= sq_queue_limit. The core API gives the same numbers
 *   (mpsctp_assoc_sndqueue_info). */
#define SCTP_SQINFO 0x1400
/* SCTP_SQINFO was 0x1201 until FreeBSD's meaning of that number was taken over (below):
 * 0x1400 is used by no option of Linux (linux/sctp.h), FreeBSD (netinet/sctp.h) or
 * usrsctp (usrsctp.h, usrsctplib/netinet/sctp.h); a test checks the installed headers
 * (docs/api.md, "Option numbers"). */
/* FreeBSD/usrsctp SCTP_CMT_USE_DAC (0x1201): the DAC algorithm of CMT (delayed ack for
 * CMT, docs/cmt.md) on (1, the default) or off (0), independently of the SCTP_CMT_ON_OFF
 * mode; it has an effect only while CMT is on. struct sctp_assoc_value, with the
 * assoc_id rules, errors and set/get behaviour of SCTP_CMT_ON_OFF; values above 1:
 * EINVAL. */
#define SCTP_CMT_USE_DAC 0x1201

struct sctp_rtoinfo {
    sctp_assoc_t srto_assoc_id;
    uint32_t srto_initial;
    uint32_t srto_max;
    uint32_t srto_min;
};

struct sctp_assocparams {
    sctp_assoc_t sasoc_assoc_id;
    uint16_t sasoc_asocmaxrxt;
    uint16_t sasoc_number_peer_destinations;
    uint32_t sasoc_peer_rwnd;
    uint32_t sasoc_local_rwnd;
    uint32_t sasoc_cookie_life;
};

struct sctp_assoc_value {
    sctp_assoc_t assoc_id;
    uint32_t assoc_value;
};

/* spp_flags */
#define SPP_HB_ENABLE 0x0001
#define SPP_HB_DISABLE 0x0002
#define SPP_HB (SPP_HB_ENABLE | SPP_HB_DISABLE)
#define SPP_HB_DEMAND 0x0004
#define SPP_PMTUD_ENABLE 0x0008
#define SPP_PMTUD_DISABLE 0x0010
#define SPP_SACKDELAY_ENABLE 0x0020
#define SPP_SACKDELAY_DISABLE 0x0040
#define SPP_HB_TIME_IS_ZERO 0x0080
#define SPP_IPV6_FLOWLABEL 0x0100
#define SPP_DSCP 0x0200

struct sctp_paddrparams {
    sctp_assoc_t spp_assoc_id;
    struct sockaddr_storage spp_address;
    uint32_t spp_hbinterval;
    uint16_t spp_pathmaxrxt;
    uint32_t spp_pathmtu;
    uint32_t spp_sackdelay;
    uint32_t spp_flags;
    uint32_t spp_ipv6_flowlabel;
    uint8_t spp_dscp;
} __attribute__((packed, aligned(4)));

/* RFC 7829 s7.2: Path.Max.Retrans and PotentiallyFailed.Max.Retrans of one path (a
 * wildcard address: every path and the default for later ones). spt_pathpfthld >=
 * spt_pathmaxrxt switches PF off. */
struct sctp_paddrthlds {
    sctp_assoc_t spt_assoc_id;
    struct sockaddr_storage spt_address;
    uint16_t spt_pathmaxrxt;
    uint16_t spt_pathpfthld;
}; /* not packed: Linux's layout (the address at offset 8, 144 bytes) */

/* MPSCTP_PATH_STATS (getsockopt): statistics of path ps_index (0 .. number of peer
 * addresses - 1) of association ps_assoc_id. ENOENT past the last path, EINVAL for an
 * unknown association or a short optlen. */
struct mpsctp_pathstats {
    sctp_assoc_t ps_assoc_id;        /* in */
    uint32_t ps_index;               /* in */
    struct sockaddr_storage ps_address; /* out: the peer address of the path */
    int32_t ps_state;                /* SCTP_ACTIVE, SCTP_PF, SCTP_INACTIVE, SCTP_UNCONFIRMED */
    uint32_t ps_primary;             /* 1: the primary path */
    uint32_t ps_data_path;           /* 1: new data goes here now */
    uint32_t ps_cwnd, ps_ssthresh, ps_flight, ps_srtt_ms, ps_rto_ms, ps_error_count;
    uint32_t ps_state_changes;       /* PEER_ADDR_CHANGE events for this path */
    uint64_t ps_bytes_sent;          /* DATA payload bytes sent (retransmissions included) */
    uint64_t ps_bytes_received;      /* DATA payload bytes received from this address */
    uint64_t ps_retransmissions;
    uint64_t ps_heartbeats_sent, ps_heartbeat_acks;
    uint64_t ps_t3_expirations;      /* T3-rtx timer expiries on this path */
};

/* MPSCTP_RCVQUEUE (getsockopt). rq_memory counts each queued item whole: its header,
 * its data and the allocator's overhead, so tiny messages cannot hold more memory than
 * SO_RCVBUF says. It stays below rq_limit plus one item of about 4 KiB, except that the
 * data an association still holds when it ends (or its peer shuts down) moves to the
 * queue whatever its size, so that it comes before the notification. */
struct mpsctp_rcvqueue {
    uint32_t rq_limit;               /* SO_RCVBUF */
    uint32_t rq_memory;              /* bytes the queued items hold */
    uint32_t rq_items;               /* messages (or pieces) and notifications queued */
    uint32_t rq_reserved;
    uint64_t rq_dropped_notifications; /* dropped because the queue was full */
};

struct sctp_prim {
    sctp_assoc_t ssp_assoc_id;
    struct sockaddr_storage ssp_addr;
} __attribute__((packed, aligned(4)));

/* spinfo_state */
#define SCTP_INACTIVE 0
#define SCTP_PF 1
#define SCTP_ACTIVE 2
#define SCTP_UNCONFIRMED 3
#define SCTP_UNKNOWN 0xffff

struct sctp_paddrinfo {
    sctp_assoc_t spinfo_assoc_id;
    struct sockaddr_storage spinfo_address;
    int32_t spinfo_state;
    uint32_t spinfo_cwnd;
    uint32_t spinfo_srtt;
    uint32_t spinfo_rto;
    uint32_t spinfo_mtu;
} __attribute__((packed, aligned(4)));

/* sstat_state (Linux enum sctp_sstat_state) */
#define SCTP_EMPTY 0
#define SCTP_CLOSED 1
#define SCTP_COOKIE_WAIT 2
#define SCTP_COOKIE_ECHOED 3
#define SCTP_ESTABLISHED 4
#define SCTP_SHUTDOWN_PENDING 5
#define SCTP_SHUTDOWN_SENT 6
#define SCTP_SHUTDOWN_RECEIVED 7
#define SCTP_SHUTDOWN_ACK_SENT 8

struct sctp_status {
    sctp_assoc_t sstat_assoc_id;
    int32_t sstat_state;
    uint32_t sstat_rwnd;
    uint16_t sstat_unackdata;
    uint16_t sstat_penddata;
    uint16_t sstat_instrms;
    uint16_t sstat_outstrms;
    uint32_t sstat_fragmentation_point;
    struct sctp_paddrinfo sstat_primary;
};

struct sctp_event {
    sctp_assoc_t se_assoc_id;
    uint16_t se_type;
    uint8_t se_on;
};

struct sctp_udpencaps {
    sctp_assoc_t sue_assoc_id;
    struct sockaddr_storage sue_address;
    uint16_t sue_port;
};

struct sctp_assoc_ids {
    uint32_t gaids_number_of_ids;
    sctp_assoc_t gaids_assoc_id[];
};

/* ---- the older Linux/lksctp structures (Linux layouts) ----------------------------- */

/* SCTP_SNDRCV cmsg (send and receive), SCTP_DEFAULT_SEND_PARAM, mpsctp_sctp_send and
 * friends. On send: sinfo_stream, sinfo_flags, sinfo_ppid, sinfo_context and (one-to-many)
 * sinfo_assoc_id count; sinfo_timetolive and the PR-SCTP policy bits of sinfo_flags are
 * accepted and the message is sent reliably. On receive (with the sctp_data_io_event of
 * SCTP_EVENTS): stream, ssn, flags (SCTP_UNORDERED), ppid, the SCTP_CONTEXT value, tsn,
 * cumtsn and the association id. */
struct sctp_sndrcvinfo {
    uint16_t sinfo_stream;
    uint16_t sinfo_ssn;
    uint16_t sinfo_flags;
    uint32_t sinfo_ppid;
    uint32_t sinfo_context;
    uint32_t sinfo_timetolive;
    uint32_t sinfo_tsn;
    uint32_t sinfo_cumtsn;
    sctp_assoc_t sinfo_assoc_id;
};

/* PR-SCTP policy bits of sinfo_flags (Linux values; the value is sinfo_timetolive). */
#define SCTP_PR_SCTP_NONE 0x0000
#define SCTP_PR_SCTP_TTL 0x0010
#define SCTP_PR_SCTP_RTX 0x0020
#define SCTP_PR_SCTP_PRIO 0x0030
#define SCTP_PR_SCTP_MASK 0x0030

/* SCTP_EVENTS: field i turns notification type SCTP_SN_TYPE_BASE + i on or off (the
 * first, SCTP_DATA_IO_EVENT, the SCTP_SNDRCV cmsg). setsockopt takes any prefix of the
 * structure (the fields after it keep their values); getsockopt fills up to optlen. */
struct sctp_event_subscribe {
    uint8_t sctp_data_io_event;
    uint8_t sctp_association_event;
    uint8_t sctp_address_event;
    uint8_t sctp_send_failure_event;
    uint8_t sctp_peer_error_event;
    uint8_t sctp_shutdown_event;
    uint8_t sctp_partial_delivery_event;
    uint8_t sctp_adaptation_layer_event;
    uint8_t sctp_authentication_event;
    uint8_t sctp_sender_dry_event;
    uint8_t sctp_stream_reset_event;
    uint8_t sctp_assoc_reset_event;
    uint8_t sctp_stream_change_event;
    uint8_t sctp_send_failure_event_event;
};

/* SCTP_DELAYED_SACK: sack_delay ms (0 keeps it, at most 500), sack_freq packets (0 keeps
 * it; 1 turns delayed SACKs off). */
struct sctp_sack_info {
    sctp_assoc_t sack_assoc_id;
    uint32_t sack_delay;
    uint32_t sack_freq;
};

/* SCTP_ADAPTATION_LAYER */
struct sctp_setadaptation {
    uint32_t ssb_adaptation_ind;
};

/* SCTP_SET_PEER_PRIMARY_ADDR */
struct sctp_setpeerprim {
    sctp_assoc_t sspp_assoc_id;
    struct sockaddr_storage sspp_addr;
} __attribute__((packed, aligned(4)));

/* SCTP_GET_PEER_ADDRS / SCTP_GET_LOCAL_ADDRS: the addresses follow the header, packed. */
struct sctp_getaddrs {
    sctp_assoc_t assoc_id; /* in */
    uint32_t addr_num;     /* out */
    uint8_t addrs[];       /* out */
};

/* SCTP_SOCKOPT_CONNECTX3: addr_num is the byte length of the packed addresses at addrs. */
struct sctp_getaddrs_old {
    sctp_assoc_t assoc_id;
    int addr_num;
    struct sockaddr *addrs;
};

/* SCTP_SOCKOPT_PEELOFF, SCTP_SOCKOPT_PEELOFF_FLAGS (flags: SOCK_NONBLOCK, SOCK_CLOEXEC) */
typedef struct {
    sctp_assoc_t associd;
    int sd;
} sctp_peeloff_arg_t;

typedef struct {
    sctp_peeloff_arg_t p_arg;
    unsigned flags;
} sctp_peeloff_flags_arg_t;

/* SCTP_GET_ASSOC_STATS. Filled: sas_rtxchunks, sas_opackets, sas_ipackets,
 * sas_idupchunks, sas_oodchunks (every DATA chunk sent), sas_iodchunks (every DATA chunk
 * received) and sas_maxrto (the largest RTO of the paths now, ms); the others are 0. */
struct sctp_assoc_stats {
    sctp_assoc_t sas_assoc_id;
    struct sockaddr_storage sas_obs_rto_ipaddr;
    uint64_t sas_maxrto;
    uint64_t sas_isacks;
    uint64_t sas_osacks;
    uint64_t sas_opackets;
    uint64_t sas_ipackets;
    uint64_t sas_rtxchunks;
    uint64_t sas_outofseqtsns;
    uint64_t sas_idupchunks;
    uint64_t sas_gapcnt;
    uint64_t sas_ouodchunks;
    uint64_t sas_iuodchunks;
    uint64_t sas_oodchunks;
    uint64_t sas_iodchunks;
    uint64_t sas_octrlchunks;
    uint64_t sas_ictrlchunks;
};

/* SCTP_SQINFO, see above. Size a buffer for n streams with
 * sizeof(struct sctp_sndqueueinfo) + n * sizeof(uint32_t). */
struct sctp_sndqueueinfo {
    sctp_assoc_t sq_assoc_id;
    uint32_t sq_queue_limit;
    uint32_t sq_total_queued;
    uint32_t sq_number_of_streams;
    uint32_t sq_queued_on_stream[];
};

/* mpsctp_bindx flags */
#define SCTP_BINDX_ADD_ADDR 0x01
#define SCTP_BINDX_REM_ADDR 0x02

/* ---- socket calls ----------------------------------------------------------------- */

/* socket(2): domain AF_INET or AF_INET6, type SOCK_STREAM (one-to-one) or SOCK_SEQPACKET
 * (one-to-many), protocol IPPROTO_SCTP or 0; on the default stack. Returns the
 * descriptor. EAFNOSUPPORT, EPROTONOSUPPORT, ESOCKTNOSUPPORT, EMFILE, ENOMEM. */
int mpsctp_socket(int domain, int type, int protocol);

/* As mpsctp_socket on the given stack. */
int mpsctp_socket_on(mpsctp_stack *st, int domain, int type, int protocol);

/* bind(2): port 0 picks a free port; the address must be a wildcard or one of the
 * stack's addresses (EADDRNOTAVAIL). EINVAL when already bound, EADDRINUSE. */
int mpsctp_bind(int sd, const struct sockaddr *addr, socklen_t len);

/* sctp_bindx (RFC 6458 s9.1): addrs packs addrcnt sockaddr_in/sockaddr_in6. ADD binds
 * (the first call) or adds local addresses; REM removes one (EINVAL for the last). */
int mpsctp_bindx(int sd, struct sockaddr *addrs, int addrcnt, int flags);

/* listen(2). One-to-one: accepts associations up to backlog; one-to-many: backlog > 0
 * accepts, 0 stops accepting. Binds an ephemeral port when unbound. */
int mpsctp_listen(int sd, int backlog);

/* accept(2) on a listening one-to-one socket. Blocks unless non-blocking (EAGAIN). The
 * new socket inherits the listener's options. EINVAL when not listening, EOPNOTSUPP on
 * one-to-many. */
int mpsctp_accept(int sd, struct sockaddr *addr, socklen_t *len);

/* connect(2). One-to-one: blocks until COMM_UP (ECONNREFUSED, ETIMEDOUT...) unless
 * non-blocking (EINPROGRESS; writable when done, SO_ERROR tells the result). EISCONN,
 * EALREADY. One-to-many: starts an association and returns at once. */
int mpsctp_connect(int sd, const struct sockaddr *addr, socklen_t len);

/* sctp_connectx (RFC 6458 s9.9): several addresses of one peer; *id receives the
 * association id (may be NULL). */
int mpsctp_connectx(int sd, const struct sockaddr *addrs, int addrcnt, sctp_assoc_t *id);

/* sctp_sendv (RFC 6458 s9.12). addrs (one-to-many, may be NULL) names the peer, setting
 * up an association implicitly when none exists. info: SCTP_SENDV_NOINFO/SNDINFO/SPA.
 * Flags in snd_flags: SCTP_UNORDERED, SCTP_EOF (graceful shutdown), SCTP_ABORT.
 * Returns the bytes sent: messages are sent whole. EMSGSIZE above SO_SNDBUF, EAGAIN,
 * EPIPE after shutdown, ENOTCONN, EINVAL (bad sid, info), ENOENT (unknown assoc id). */
ssize_t mpsctp_sendv(int sd, const struct iovec *iov, int iovcnt, struct sockaddr *addrs,
                     int addrcnt, void *info, socklen_t infolen, unsigned int infotype,
                     int flags);

/* sctp_recvv (RFC 6458 s9.13). Receives one message (or the next part of one); *flags
 * gets MSG_EOR when the message ends here and MSG_NOTIFICATION for notifications. info
 * receives a struct sctp_rcvinfo, sctp_nxtinfo or sctp_recvv_rn as *infotype says
 * (when SCTP_RECVRCVINFO/SCTP_RECVNXTINFO are on). Returns 0 at end of file. */
ssize_t mpsctp_recvv(int sd, const struct iovec *iov, int iovlen, struct sockaddr *from,
                     socklen_t *fromlen, void *info, socklen_t *infolen,
                     unsigned int *infotype, int *flags);

/* sendmsg(2) with an optional SCTP_SNDINFO (or the older SCTP_SNDRCV) cmsg; msg_name names
 * the peer of a one-to-many socket, or (Linux) sets up the association of a one-to-one
 * socket that never had one: the message waits for it, and a blocking call returns when
 * the association is up or has failed. */
ssize_t mpsctp_sendmsg(int sd, const struct msghdr *msg, int flags);

/* recvmsg(2): SCTP_RCVINFO/SCTP_NXTINFO cmsgs when enabled; msg_flags as recvv. */
ssize_t mpsctp_recvmsg(int sd, struct msghdr *msg, int flags);

/* send(2)/recv(2) conveniences on one-to-one sockets (default send info). */
ssize_t mpsctp_send(int sd, const void *buf, size_t len, int flags);
ssize_t mpsctp_recv(int sd, void *buf, size_t len, int flags);

/* shutdown(2). SHUT_WR/SHUT_RDWR start a graceful SCTP shutdown; SHUT_RD stops
 * delivery. One-to-one only (EOPNOTSUPP on one-to-many), ENOTCONN when unconnected. */
int mpsctp_shutdown(int sd, int how);

/* close(2): graceful shutdown of every association (queued data is still delivered,
 * also after mpsctp_stack_free or exit, see there), or ABORT with SO_LINGER {1, 0}. With
 * SO_LINGER {1, t > 0} the call blocks until the shutdowns complete or t seconds pass;
 * at the timeout it returns 0 and the shutdowns go on in the background (as on Linux).
 * The descriptor is released at once. Never close an mpsctp socket with close(2). */
int mpsctp_close(int sd);

/* newfd, a duplicate of socket sd made with dup, dup2, dup3 or fcntl(F_DUPFD), becomes
 * another descriptor of the same socket: every call works on either, and the socket
 * closes when mpsctp_close has closed the last of them. Returns 0, or -1 with errno
 * EBADF (sd is not a socket, newfd < 0 or newfd == sd) or EINVAL (newfd is not a
 * duplicate of sd). */
int mpsctp_register_dup(int sd, int newfd);

/* ioctl(2) on a socket: FIONREAD (SIOCINQ) stores in *arg the unread bytes of the first
 * message or notification in the receive queue (0: none), as Linux SCTP does; FIONBIO sets
 * (*arg != 0) or clears O_NONBLOCK. Others: -1 with ENOTTY. */
int mpsctp_ioctl(int sd, unsigned long req, int *arg);

/* sctp_getpaddrs / sctp_getladdrs (RFC 6458 s9.3/9.5): allocate an array of the peer's
 * (local) addresses of association id (ignored on one-to-one); returns the count, 0 when
 * none, -1 with errno. Free with mpsctp_freepaddrs / mpsctp_freeladdrs. */
int mpsctp_getpaddrs(int sd, sctp_assoc_t id, struct sockaddr **addrs);
void mpsctp_freepaddrs(struct sockaddr *addrs);
int mpsctp_getladdrs(int sd, sctp_assoc_t id, struct sockaddr **addrs);
void mpsctp_freeladdrs(struct sockaddr *addrs);

/* sctp_peeloff (RFC 6458 s9.2): moves association id of a one-to-many socket to a new
 * one-to-one socket. ENOENT, EINVAL (one-to-one socket). */
int mpsctp_peeloff(int sd, sctp_assoc_t id);

/* getsockopt(2)/setsockopt(2). Levels SOL_SOCKET (SO_SNDBUF, SO_RCVBUF, SO_LINGER,
 * SO_ERROR, SO_TYPE, SO_REUSEADDR, SO_DOMAIN, SO_PROTOCOL, SO_ACCEPTCONN;
 * O_NONBLOCK: see mpsctp_fcntl), IPPROTO_IP (IP_TOS), IPPROTO_IPV6 (IPV6_V6ONLY,
 * IPV6_TCLASS) and IPPROTO_SCTP (options above). docs/api.md lists each option with its
 * errors. They return 0, except setsockopt SCTP_SOCKOPT_CONNECTX, which returns the new
 * association's id as Linux does. */
int mpsctp_getsockopt(int sd, int level, int name, void *val, socklen_t *len);
int mpsctp_setsockopt(int sd, int level, int name, const void *val, socklen_t len);

/* fcntl(2) for F_GETFL/F_SETFL (O_NONBLOCK). Setting O_NONBLOCK with plain fcntl() on
 * the descriptor works too: the library reads the flag back. */
int mpsctp_fcntl(int sd, int cmd, int arg);

/* getsockname(2)/getpeername(2) (the primary peer address). */
int mpsctp_getsockname(int sd, struct sockaddr *addr, socklen_t *len);
int mpsctp_getpeername(int sd, struct sockaddr *addr, socklen_t *len);

/* ---- lksctp-style calls (libsctp's sctp_sendmsg, sctp_send, sctp_recvmsg) ----------- */

/* sctp_sendmsg: sends len bytes of msg on stream stream_no with ppid (passed as given:
 * network byte order is the application's business, as with libsctp), flags (sinfo_flags:
 * SCTP_UNORDERED, SCTP_EOF, SCTP_ABORT, SCTP_SENDALL, SCTP_ADDR_OVER, and a PR-SCTP
 * policy SCTP_PR_SCTP_TTL/RTX/PRIO), timetolive (the policy's value: with no policy bits,
 * the association's SCTP_DEFAULT_PRINFO applies) and context. to (may be NULL) names the peer of a one-to-many
 * socket, setting up an association when there is none. Returns the bytes sent, or -1
 * with errno as mpsctp_sendmsg. */
int mpsctp_sctp_sendmsg(int sd, const void *msg, size_t len, struct sockaddr *to,
                        socklen_t tolen, uint32_t ppid, uint32_t flags,
                        uint16_t stream_no, uint32_t timetolive, uint32_t context);

/* sctp_send: sends len bytes of msg with *sinfo (NULL: the socket's default send
 * parameters) on the association sinfo_assoc_id (one-to-many) or the socket's. flags are
 * sendmsg flags (MSG_DONTWAIT). Returns the bytes sent, or -1 with errno. */
int mpsctp_sctp_send(int sd, const void *msg, size_t len,
                     const struct sctp_sndrcvinfo *sinfo, int flags);

/* sctp_recvmsg: receives the next message (or part) into msg; from/fromlen (may be NULL)
 * get the peer's primary address; *msg_flags (may be NULL) gives recvmsg flags in
 * (MSG_PEEK, MSG_DONTWAIT) and gets MSG_EOR / MSG_NOTIFICATION out. *sinfo (may be NULL)
 * is filled when the socket has the sctp_data_io_event of SCTP_EVENTS on; otherwise, and
 * for notifications, sinfo_assoc_id is set to 0 and the rest left as it was. Returns the
 * bytes received, 0 at end of file, or -1 with errno as mpsctp_recvmsg. */
int mpsctp_sctp_recvmsg(int sd, void *msg, size_t len, struct sockaddr *from,
                        socklen_t *fromlen, struct sctp_sndrcvinfo *sinfo, int *msg_flags);

/* ---- Stream schedulers (RFC 8260 s3; docs/api.md "Stream schedulers") ---------------- */

/* SCTP_STREAM_SCHEDULER: struct sctp_assoc_value, assoc_value one of SCTP_SS_* below (the
 * association's scheduler, or the socket default with SCTP_FUTURE_ASSOC). Set takes
 * SCTP_FUTURE_ASSOC, SCTP_CURRENT_ASSOC and SCTP_ALL_ASSOC as the other options; an
 * unknown scheduler, or a length below the structure, is EINVAL (nothing changes).
 * Changing it while messages are queued loses none; every stream's value becomes the new
 * scheduler's default.
 * SCTP_STREAM_SCHEDULER_VALUE: struct sctp_stream_value, the value of one outgoing stream
 * of an association (a priority under SCTP_SS_PRIO, lower first; a weight >= 1 under
 * SCTP_SS_WFQ). Set takes an association or SCTP_CURRENT_ASSOC, get an association;
 * SCTP_FUTURE_ASSOC, SCTP_ALL_ASSOC, a stream id beyond the outgoing streams, weight 0
 * under SCTP_SS_WFQ and a short length are EINVAL. Numbers and layouts are Linux's. */
#define SCTP_STREAM_SCHEDULER 123
#define SCTP_STREAM_SCHEDULER_VALUE 124

/* Scheduler ids: Linux's (SCTP_SS_FC and SCTP_SS_WFQ since Linux 6.0); round robin per
 * packet, which Linux lacks, takes the next free number. */
#define SCTP_SS_FCFS 0   /* first come, first served */
#define SCTP_SS_PRIO 1   /* priority (stream value), round robin among equals */
#define SCTP_SS_RR 2     /* round robin per message: the default here */
#define SCTP_SS_FC 3     /* fair capacity */
#define SCTP_SS_WFQ 4    /* weighted fair queueing (stream value = weight) */
#define SCTP_SS_RR_PKT 5 /* round robin per packet (mpsctp) */
/* Linux's SCTP_SS_DEFAULT (FCFS there) and SCTP_SS_MAX are not defined: the default here
 * is SCTP_SS_RR, and the largest id SCTP_SS_RR_PKT. */

struct sctp_stream_value {
    sctp_assoc_t assoc_id;
    uint16_t stream_id;
    uint16_t stream_value;
};

/* ---- Message interleaving (RFC 8260 s2, s4.1; docs/api.md "Message interleaving") ---- */

/* SCTP_INTERLEAVING_SUPPORTED: struct sctp_assoc_value; assoc_value 1 makes associations
 * set up later offer I-DATA (used when the peer offers it too), 0 not (the default). It
 * needs SCTP_FRAGMENT_INTERLEAVE 2 first (EINVAL otherwise; setting a lower level turns
 * it off). Get with an association id: 1 when that association uses I-DATA. SCTP_CURRENT_ASSOC
 * and SCTP_ALL_ASSOC are EINVAL; a length below the structure is EINVAL. Linux's number. */
#define SCTP_INTERLEAVING_SUPPORTED 125
/* ---- partial reliability (RFC 3758, RFC 7496; docs/api.md) ------------------------------ */

#define SCTP_PR_SUPPORTED 113      /* struct sctp_assoc_value: offer PR-SCTP (default 1);
                                      get on an association: negotiated or not */
#define SCTP_DEFAULT_PRINFO 114    /* struct sctp_default_prinfo */
#define SCTP_PR_ASSOC_STATUS 115   /* get: struct sctp_prstatus */
#define SCTP_PR_STREAM_STATUS 116  /* get: struct sctp_prstatus */
#define SCTP_PR_SCTP_MAX SCTP_PR_SCTP_PRIO
#define SCTP_PR_SCTP_ALL 0x0080    /* sprstat_policy: the sum over the policies */

struct sctp_default_prinfo {
    sctp_assoc_t pr_assoc_id;
    uint32_t pr_value;
    uint16_t pr_policy;
};

struct sctp_prstatus {
    sctp_assoc_t sprstat_assoc_id;
    uint16_t sprstat_sid;
    uint16_t sprstat_policy;
    uint64_t sprstat_abandoned_unsent;
    uint64_t sprstat_abandoned_sent;
};

/* SCTP_PARTIAL_DELIVERY_EVENT: a FORWARD TSN ended a message under partial delivery. */
#define SCTP_PARTIAL_DELIVERY_ABORTED 0
struct sctp_pdapi_event {
    uint16_t pdapi_type;
    uint16_t pdapi_flags;
    uint32_t pdapi_length;
    uint32_t pdapi_indication;
    sctp_assoc_t pdapi_assoc_id;
    uint32_t pdapi_stream;
    uint32_t pdapi_seq;
};

/* SCTP_SEND_FAILED, the older form of SCTP_SEND_FAILED_EVENT (RFC 6458 s6.1.11 notes it
 * deprecated; Linux still delivers it when subscribed). */
struct sctp_send_failed {
    uint16_t ssf_type;
    uint16_t ssf_flags;
    uint32_t ssf_length;
    uint32_t ssf_error;
    struct sctp_sndrcvinfo ssf_info;
    sctp_assoc_t ssf_assoc_id;
    uint8_t ssf_data[];
};

#ifdef __cplusplus
}
#endif
#endif
