/*
 * mpsctp: the sans-IO SCTP protocol core (RFC 9260).
 *
 * The core does no I/O and keeps no global state. A caller feeds it received packets
 * (the SCTP packet: the bytes after the IP and UDP headers), asks it for packets to
 * send, tells it the time on every call and wakes it at the deadline it reports.
 *
 * Conventions: every function that can fail returns 0 (or a count) on success and a
 * negative MPSCTP_ERR_* value on failure. Time is nanoseconds on any monotonic clock.
 */
#ifndef MPSCTP_MPSCTP_H
#define MPSCTP_MPSCTP_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ---- time ---------------------------------------------------------------------- */

/* Nanoseconds on the caller's monotonic clock. */
typedef uint64_t mpsctp_tstamp;
#define MPSCTP_TSTAMP_NEVER UINT64_MAX
#define MPSCTP_NS_PER_MS 1000000ull
#define MPSCTP_NS_PER_SEC 1000000000ull

/* ---- errors -------------------------------------------------------------------- */

enum {
    MPSCTP_OK = 0,
    MPSCTP_ERR_INVAL = -1,       /* bad argument */
    MPSCTP_ERR_NOMEM = -2,       /* allocation failed */
    MPSCTP_ERR_WOULDBLOCK = -3,  /* no room now (send buffer full) or nothing to read */
    MPSCTP_ERR_STATE = -4,       /* not allowed in the association's current state */
    MPSCTP_ERR_MSGSIZE = -5,     /* message larger than the send buffer limit */
    MPSCTP_ERR_NOBUFS = -6,      /* caller's buffer too small */
    MPSCTP_ERR_MALFORMED = -7,   /* received packet or chunk is malformed */
    MPSCTP_ERR_NOENT = -8,       /* no such association, stream or path */
    MPSCTP_ERR_CHECKSUM = -9,    /* received packet has a bad CRC32c */
    MPSCTP_ERR_NOT_OURS = -10,   /* received packet belongs to no association/listener */
    MPSCTP_ERR_CLOSED = -11,     /* association is closed (aborted, shut down, lost) */
    MPSCTP_ERR_STREAM = -12,     /* stream id beyond the negotiated outbound streams */
    /* stream reconfiguration (RFC 6525) */
    MPSCTP_ERR_INPROGRESS = -13, /* a reconfiguration request is already outstanding */
    MPSCTP_ERR_NOTSUP = -14,     /* the peer did not negotiate the extension */
};

/* Returns a static English description of an MPSCTP_ERR_* code. */
const char *mpsctp_strerror(int err);

/* ---- addresses ----------------------------------------------------------------- */

#define MPSCTP_AF_INET 4
#define MPSCTP_AF_INET6 6

/* A transport address as the core sees it: IP address plus the UDP encapsulation port
 * (RFC 6951; 0 when SCTP runs directly over IP). Addresses compare by family, ip and
 * udp_port. IPv4 addresses use ip[0..3]. */
typedef struct mpsctp_addr {
    uint8_t family;    /* MPSCTP_AF_INET or MPSCTP_AF_INET6 */
    uint8_t reserved;  /* zero */
    uint16_t udp_port; /* host byte order */
    uint8_t ip[16];
} mpsctp_addr;

/* Fills *a with an IPv4 address given as a host-order 32-bit value and a UDP port. */
void mpsctp_addr_v4(mpsctp_addr *a, uint32_t ip_host_order, uint16_t udp_port);

/* Returns 1 when a and b name the same transport address, else 0. */
int mpsctp_addr_equal(const mpsctp_addr *a, const mpsctp_addr *b);

/* ---- settings and callbacks ----------------------------------------------------- */

/* Everything the core needs from outside. random is required; the others are optional. */
typedef struct mpsctp_callbacks {
    void *user;
    /* Fill buf with len unpredictable bytes (verification tags, initial TSNs, secrets). */
    void (*random)(void *user, void *buf, size_t len);
    /* HMAC-SHA256 for state cookies; NULL selects the core's built-in implementation. */
    void (*hmac_sha256)(void *user, const uint8_t *key, size_t keylen, const uint8_t *msg,
                        size_t len, uint8_t out[32]);
    /* Diagnostic text; level 0 error .. 3 debug. */
    void (*log)(void *user, int level, const char *msg);
    /* Every packet received (dir 0) and sent (dir 1), for packet traces. */
    void (*trace)(void *user, int dir, const uint8_t *pkt, size_t len,
                  const mpsctp_addr *local, const mpsctp_addr *remote, mpsctp_tstamp now);
} mpsctp_callbacks;

/* Endpoint settings; associations inherit them. Fill with mpsctp_settings_default first. */
typedef struct mpsctp_settings {
    uint16_t local_port;          /* SCTP port of the endpoint (nonzero) */
    uint16_t num_ostreams;        /* outbound streams requested in INIT (default 10) */
    uint16_t max_instreams;       /* inbound streams accepted (default 65535) */
    uint16_t mtu;                 /* largest SCTP packet (common header and chunks, no
                                     IP/UDP header) on an IPv4 path, bytes (default 1480:
                                     link MTU 1500 less the IPv4 header); IPv6 paths use
                                     20 bytes less (their header is 40 bytes) */
    uint32_t sndbuf;              /* send buffer limit, bytes of user data (default 1 MiB) */
    uint32_t rcvbuf;              /* receive buffer, bytes (default 1 MiB) */
    uint32_t rto_initial_ms;      /* RTO.Initial (default 1000) */
    uint32_t rto_min_ms;          /* RTO.Min (default 1000) */
    uint32_t rto_max_ms;          /* RTO.Max (default 60000) */
    uint32_t max_init_retrans;    /* Max.Init.Retransmits (default 8) */
    uint32_t assoc_max_retrans;   /* Association.Max.Retrans (default 10) */
    uint32_t path_max_retrans;    /* Path.Max.Retrans (default 5) */
    uint32_t pf_max_retrans;      /* PotentiallyFailed.Max.Retrans (RFC 7829): a path whose
                                     error count exceeds it is potentially failed; PF is off
                                     when it is >= path_max_retrans (default 65535: off) */
    uint32_t hb_interval_ms;      /* HB.interval, 0 disables heartbeats (default 30000) */
    uint32_t valid_cookie_life_ms; /* Valid.Cookie.Life (default 60000) */
    uint32_t secret_life_ms;      /* how long one cookie secret signs new cookies before a
                                     fresh one replaces it (the previous one still
                                     verifies cookies in flight); never shorter than
                                     valid_cookie_life_ms (default 3600000: one hour) */
    uint32_t sack_delay_ms;       /* delayed SACK timer (default 200) */
    uint32_t sack_freq;           /* SACK at least every this many packets (default 2) */
    uint32_t max_burst;           /* Max.Burst (default 4) */
    uint32_t pd_point;            /* partial delivery point, bytes (default rcvbuf / 4) */
    uint32_t max_init_timeo_ms;   /* largest T1-init/T1-cookie timeout (RFC 6458
                                     sinit_max_init_timeo); 0: RTO.Max */
    uint32_t max_assocs;          /* most associations open at once (not CLOSED, those this
                                     endpoint started included); a peer's new association
                                     beyond it is refused at its COOKIE ECHO with an ABORT
                                     (Out of Resource); 0: no limit (default 1024) */
    /* Concurrent Multipath Transfer (docs/cmt.md); every one of these may be changed on a
     * running association (mpsctp_assoc_set_cmt and friends). */
    uint8_t cmt;                  /* MPSCTP_CMT_*: SCTP_CMT_ON_OFF value (default OFF) */
    uint8_t cmt_bufsplit;         /* MPSCTP_BUFSPLIT_* flags, applied while CMT is on
                                     (default SENDER|RECEIVER) */
    uint8_t cmt_rtx_policy;       /* MPSCTP_RTX_*: where CMT retransmits (default CWND) */
    uint8_t sack_path;            /* MPSCTP_SACK_PATH_*: where SACKs go (default DATA) */
    uint8_t nr_sack;              /* 1: offer NR-SACK in INIT/INIT ACK (default 1) */
    uint8_t path_select;          /* MPSCTP_PATHSEL_*: which path new data of a stream may
                                     take while CMT is on (default RR) */
    uint8_t cmt_dac;              /* 1: the DAC algorithm (delayed ack for CMT) while CMT is
                                     on, as receiver and as sender; 0: without it, whatever
                                     the mode (SCTP_CMT_USE_DAC; default 1) */
    uint8_t loss_recovery;        /* MPSCTP_LOSSREC_* flags: loss recovery beyond RFC 9260
                                     (docs/loss-recovery.md; default MPSCTP_LOSSREC_ALL) */
    /* Stream scheduler (RFC 8260 s3; mpsctp_assoc_set_sched). */
    uint8_t stream_sched;         /* MPSCTP_SS_*: scheduler of new associations
                                     (default MPSCTP_SS_RR) */
    /* Stream reconfiguration (RFC 6525, docs/api.md "Stream reconfiguration"). */
    uint8_t reconf;               /* 1: offer RE-CONFIG in INIT/INIT ACK (default 1) */
    uint8_t reconf_enable;        /* MPSCTP_RECONF_ENABLE_* flags: which requests of the
                                     peer are carried out; the others are denied
                                     (default 0: none) */
    /* User message interleaving (RFC 8260 s2, docs/api.md "Message interleaving"). */
    uint8_t idata;                /* 1: offer I-DATA (chunk 0x40) in INIT/INIT ACK; when
                                     both ends do, every message goes in I-DATA chunks
                                     (default 0) */
    /* partial reliability (RFC 3758) */
    uint8_t pr_sctp;              /* 1: offer PR-SCTP (Forward-TSN-Supported) in INIT/INIT
                                     ACK (SCTP_PR_SUPPORTED; default 1) */
} mpsctp_settings;

/* Which of the peer's stream reconfiguration requests are carried out (the Linux
 * SCTP_ENABLE_STREAM_RESET values): stream resets (Outgoing and Incoming SSN Reset),
 * association resets (SSN/TSN Reset), stream additions (Add Outgoing/Incoming Streams). */
#define MPSCTP_RECONF_ENABLE_STREAM 0x01u
#define MPSCTP_RECONF_ENABLE_ASSOC 0x02u
#define MPSCTP_RECONF_ENABLE_CHANGE 0x04u
#define MPSCTP_RECONF_ENABLE_MASK 0x07u

/* SCTP_CMT_ON_OFF values (draft-dreibholz-tsvwg-sctpsocket-multipath; the FreeBSD/usrsctp
 * numbers). */
#define MPSCTP_CMT_OFF 0   /* standard SCTP: new data on the primary path only */
#define MPSCTP_CMT_BASE 1  /* CMT, each path with its own standard congestion control */
#define MPSCTP_CMT_RPV1 2  /* CMT/RPv1 resource pooling */
#define MPSCTP_CMT_RPV2 3  /* CMT/RPv2 resource pooling */
#define MPSCTP_CMT_MPTCP 4 /* MPTCP-like resource pooling (LIA, RFC 6356) */
#define MPSCTP_CMT_MAX 4
/* Buffer splitting (docs/cmt.md) while CMT is on: a path may hold at most sndbuf/n bytes in
 * flight (SENDER) and at most (peer rwnd + outstanding)/n (RECEIVER); n = usable paths. */
#define MPSCTP_BUFSPLIT_SENDER 0x1u
#define MPSCTP_BUFSPLIT_RECEIVER 0x2u
/* CMT retransmission destination (docs/cmt.md): the usable path with the largest cwnd, or
 * with the largest ssthresh. With CMT off, RFC 9260 s6.4 applies (mpsctp_assoc_set_primary). */
#define MPSCTP_RTX_CWND 0
#define MPSCTP_RTX_SSTHRESH 1
/* Path selection for new data while CMT is on (stream-to-path mapping): round robin over
 * the usable paths for every stream, or stream s only on the usable path number
 * (s mod n), n = usable paths (in path-index order), so that a slow path holds up only
 * its own streams. When a path fails, n shrinks and the streams are mapped again. */
#define MPSCTP_PATHSEL_RR 0
#define MPSCTP_PATHSEL_STREAM 1
/* Where SACKs go: the path the latest DATA came from (RFC 9260 s6.4), the path new data
 * goes to (the primary while it is usable), or the usable path with the smallest SRTT. */
#define MPSCTP_SACK_PATH_DATA 0
#define MPSCTP_SACK_PATH_PRIMARY 1
#define MPSCTP_SACK_PATH_MIN_RTT 2

/* Loss recovery beyond RFC 9260 (docs/loss-recovery.md), on by default:
 * RTX: a retransmitted chunk is found lost again once data sent on its path a quarter of
 * the path's smallest RTT after it is acknowledged (time-based, after RFC 8985), and is
 * sent again without waiting for T3-rtx; the path's window is cut once more (RFC 5681
 * s4.3), at most once per window. */
#define MPSCTP_LOSSREC_RTX 0x1u
/* TLP: a tail loss probe (after RFC 8985 s7): when nothing new is left to send and a path's
 * data has gone unacknowledged for two smoothed RTTs (plus 200 ms for a delayed SACK when
 * one packet is out), its highest TSN is sent again at once instead of waiting for
 * T3-rtx; when the probe repaired a loss (its ack reports no duplicate), the path's window
 * is cut as for a fast retransmit. */
#define MPSCTP_LOSSREC_TLP 0x2u
#define MPSCTP_LOSSREC_ALL (MPSCTP_LOSSREC_RTX | MPSCTP_LOSSREC_TLP)

/* Fills *s with the defaults named above (local_port 0: the caller must set it). */
void mpsctp_settings_default(mpsctp_settings *s);

/* ---- objects -------------------------------------------------------------------- */

typedef struct mpsctp_endpoint mpsctp_endpoint;
typedef struct mpsctp_assoc mpsctp_assoc;

/* Association states (RFC 9260 s4). */
typedef enum mpsctp_state {
    MPSCTP_CLOSED = 0,
    MPSCTP_COOKIE_WAIT,
    MPSCTP_COOKIE_ECHOED,
    MPSCTP_ESTABLISHED,
    MPSCTP_SHUTDOWN_PENDING,
    MPSCTP_SHUTDOWN_SENT,
    MPSCTP_SHUTDOWN_RECEIVED,
    MPSCTP_SHUTDOWN_ACK_SENT,
} mpsctp_state;

/* Returns the RFC name of a state ("ESTABLISHED", ...). */
const char *mpsctp_state_name(mpsctp_state s);

/* ---- events --------------------------------------------------------------------- */

typedef enum mpsctp_event_type {
    MPSCTP_EV_ASSOC_CHANGE = 1, /* .state: one of mpsctp_assoc_change */
    MPSCTP_EV_PEER_ADDR_CHANGE, /* .path, .path_state */
    MPSCTP_EV_REMOTE_ERROR,     /* .error: the first error cause code of an ERROR chunk */
    MPSCTP_EV_SEND_FAILED,      /* .sid, .ppid, .length, .context of an unsent message */
    MPSCTP_EV_SHUTDOWN,         /* peer sent SHUTDOWN: no more data will arrive */
    MPSCTP_EV_SENDER_DRY,       /* every byte queued has been acknowledged */
    /* stream reconfiguration (RFC 6525) */
    MPSCTP_EV_STREAM_RESET,     /* .flags (MPSCTP_STRRESET_*), .streams[0..nstreams) */
    MPSCTP_EV_ASSOC_RESET,      /* .flags, .local_tsn, .remote_tsn */
    MPSCTP_EV_STREAM_CHANGE,    /* .flags, .inbound_streams, .outbound_streams */
    /* partial reliability (RFC 3758): a FORWARD TSN ended a message under partial
     * delivery before it was complete: .sid, .ssn; .state MPSCTP_PD_ABORTED */
    MPSCTP_EV_PARTIAL_DELIVERY,
} mpsctp_event_type;

/* Flags of the reconfiguration events (the Linux strreset_flags values): the streams
 * reset are our inbound or outbound ones; the peer denied the request or it failed. */
#define MPSCTP_STRRESET_INCOMING 0x0001u
#define MPSCTP_STRRESET_OUTGOING 0x0002u
#define MPSCTP_STRRESET_DENIED 0x0004u
#define MPSCTP_STRRESET_FAILED 0x0008u

/* RFC 6458 sac_state values. */
typedef enum mpsctp_assoc_change {
    MPSCTP_COMM_UP = 0,
    MPSCTP_COMM_LOST,
    MPSCTP_RESTART,
    MPSCTP_SHUTDOWN_COMP,
    MPSCTP_CANT_STR_ASSOC,
} mpsctp_assoc_change;

/* Path states for MPSCTP_EV_PEER_ADDR_CHANGE (RFC 6458 spc_state). */
typedef enum mpsctp_path_state {
    MPSCTP_ADDR_AVAILABLE = 0,
    MPSCTP_ADDR_UNREACHABLE,
    MPSCTP_ADDR_REMOVED,
    MPSCTP_ADDR_ADDED,
    MPSCTP_ADDR_MADE_PRIM,
    MPSCTP_ADDR_CONFIRMED,
    MPSCTP_ADDR_POTENTIALLY_FAILED,
} mpsctp_path_state;

typedef struct mpsctp_event {
    mpsctp_event_type type;
    mpsctp_assoc *assoc;  /* valid until mpsctp_assoc_free */
    uint32_t assoc_id;
    uint32_t state;       /* ASSOC_CHANGE: mpsctp_assoc_change; PEER_ADDR_CHANGE: path state */
    uint32_t path;        /* PEER_ADDR_CHANGE: path index */
    uint16_t error;       /* REMOTE_ERROR, or ASSOC_CHANGE COMM_LOST after ABORT: cause */
    uint16_t sid;         /* SEND_FAILED */
    uint32_t ppid;        /* SEND_FAILED, host order as given to send */
    uint32_t context;     /* SEND_FAILED */
    uint32_t length;      /* SEND_FAILED: message length */
    uint16_t outbound_streams, inbound_streams; /* ASSOC_CHANGE COMM_UP/RESTART */
    uint8_t sent;         /* SEND_FAILED: 1 when some of the message was transmitted */
    /* stream reconfiguration events */
    uint16_t flags;       /* MPSCTP_STRRESET_* */
    uint16_t nstreams;    /* STREAM_RESET: entries in streams; 0: every stream */
    const uint16_t *streams; /* STREAM_RESET: the stream ids, valid until the next
                                mpsctp_endpoint_next_event call or the endpoint's end */
    uint32_t local_tsn, remote_tsn; /* ASSOC_RESET: next TSNs (ours, the peer's) */
    /* partial reliability (RFC 3758, RFC 7496) */
    uint16_t ssn;         /* PARTIAL_DELIVERY: stream sequence number of the message */
    uint16_t pr_policy;   /* SEND_FAILED: the message's MPSCTP_PR_* policy; error is 0
                             when the message was abandoned by that policy */
} mpsctp_event;

/* ---- endpoint ------------------------------------------------------------------- */

/* Creates an endpoint. Returns NULL when an argument is invalid (local_port 0, no
 * random callback, sndbuf/rcvbuf below 4 KiB, mtu below 508) or memory runs out. */
mpsctp_endpoint *mpsctp_endpoint_new(const mpsctp_settings *s, const mpsctp_callbacks *cb);

/* Frees the endpoint and every association still attached (without sending anything). */
void mpsctp_endpoint_free(mpsctp_endpoint *ep);

/* Adds a local address (listed in INIT/INIT-ACK later). Returns 0, INVAL or NOMEM. */
int mpsctp_endpoint_add_addr(mpsctp_endpoint *ep, const mpsctp_addr *a);

/* Accepts (enable=1) or refuses (0) incoming associations. Returns 0. */
int mpsctp_endpoint_listen(mpsctp_endpoint *ep, int enable);

/* Hands the endpoint one received SCTP packet. local is the address it arrived on,
 * remote the sender (with its UDP port). Returns 0 when processed, or a negative error
 * saying why it was dropped (MALFORMED, CHECKSUM, NOT_OURS); dropping never disturbs an
 * association beyond what RFC 9260 requires. */
int mpsctp_endpoint_recv(mpsctp_endpoint *ep, const uint8_t *pkt, size_t len,
                         const mpsctp_addr *local, const mpsctp_addr *remote,
                         mpsctp_tstamp now);

/* Writes the next packet to send into buf (cap must be at least the endpoint MTU) and
 * the addresses to send it from/to. Returns its length, 0 when nothing is left to send
 * now, or NOBUFS when cap is too small. */
ssize_t mpsctp_endpoint_send(mpsctp_endpoint *ep, uint8_t *buf, size_t cap,
                             mpsctp_addr *local, mpsctp_addr *remote, mpsctp_tstamp now);

/* Returns an association in which data has become readable (mpsctp_assoc_readable)
 * since it was last returned, or NULL: each such association once, in the order that
 * happened, so that a runtime with many associations visits only those. One the caller
 * does not read empty comes back only with more data: the caller keeps track of it. */
mpsctp_assoc *mpsctp_endpoint_next_readable(mpsctp_endpoint *ep);

/* Returns the earliest time at which mpsctp_endpoint_timeout must be called, or
 * MPSCTP_TSTAMP_NEVER. */
mpsctp_tstamp mpsctp_endpoint_deadline(mpsctp_endpoint *ep);

/* Runs every timer that has expired by now (calling early is harmless). */
void mpsctp_endpoint_timeout(mpsctp_endpoint *ep, mpsctp_tstamp now);

/* Takes the oldest pending event. Returns 1 and fills *ev, or 0 when there is none. */
int mpsctp_endpoint_next_event(mpsctp_endpoint *ep, mpsctp_event *ev);

/* Starts an association to the peer at remotes[0..n-1] (the first is the primary path)
 * and SCTP port peer_port. *out receives the association (in COOKIE_WAIT). Returns 0,
 * INVAL, NOMEM, or STATE when the endpoint already has an association (not closed) with
 * one of those addresses at that port: two endpoints share at most one association
 * (RFC 9260 s1.5.2), and a second INIT would reach the peer as a restart of the first. */
int mpsctp_endpoint_connect(mpsctp_endpoint *ep, const mpsctp_addr *remotes, size_t n,
                            uint16_t peer_port, mpsctp_tstamp now, mpsctp_assoc **out);

/* Endpoint counters. */
typedef struct mpsctp_endpoint_stats {
    uint64_t packets_in, packets_out;
    uint64_t dropped_malformed, dropped_checksum, dropped_ootb, dropped_vtag;
    uint64_t stale_cookies, bad_cookies;
    uint64_t dropped_foreign_port; /* INIT / COOKIE ECHO for an association from another
                                      UDP port: answered with ABORT, nothing else */
    /* Bounds against a peer that provokes replies faster than they drain (docs/api.md,
     * "Memory bounds"): */
    uint64_t ctrl_dropped;    /* control chunks not queued: an association's control queue
                                 was at MPSCTP_CTRL_QUEUE_MAX (replies go first) */
    uint64_t ctrl_oversize;   /* control chunks dropped: larger than any packet to their
                                 destination (they are never fragmented) */
    uint64_t replies_dropped; /* packets the endpoint sends without an association (INIT
                                 ACK, ABORT, ...) not queued: MPSCTP_REPLY_QUEUE_MAX */
    uint64_t events_dropped;  /* REMOTE_ERROR events not queued: MPSCTP_EVENT_QUEUE_MAX
                                 events were waiting (no other event is ever dropped) */
    uint64_t refused_assocs; /* new associations refused: max_assocs reached */
} mpsctp_endpoint_stats;

/* Most bytes of control chunks an association queues for sending. */
#define MPSCTP_CTRL_QUEUE_MAX 16384u
/* Most bytes of packets the endpoint queues outside associations (replies to INITs and
 * out-of-the-blue packets). */
#define MPSCTP_REPLY_QUEUE_MAX 65536u
/* Events queued past which REMOTE_ERROR events are dropped. */
#define MPSCTP_EVENT_QUEUE_MAX 1024u

/* Copies the endpoint counters into *st. */
void mpsctp_endpoint_stats_get(const mpsctp_endpoint *ep, mpsctp_endpoint_stats *st);

/* ---- association ---------------------------------------------------------------- */

#define MPSCTP_UNORDERED 0x0001u /* sndinfo/rcvinfo flag */

typedef struct mpsctp_sndinfo {
    uint16_t sid;
    uint16_t flags;   /* MPSCTP_UNORDERED */
    uint32_t ppid;    /* carried as given (the sockets layer passes network order) */
    uint32_t context; /* returned in SEND_FAILED */
} mpsctp_sndinfo;

typedef struct mpsctp_rcvinfo {
    uint16_t sid;
    uint16_t ssn;
    uint16_t flags; /* MPSCTP_UNORDERED */
    uint32_t ppid;
    uint32_t tsn;    /* TSN of the message's first fragment */
    uint32_t cumtsn; /* cumulative TSN when delivered */
    uint32_t assoc_id;
} mpsctp_rcvinfo;

/* Queues one message for sending (data copied). Returns 0; WOULDBLOCK when the send
 * buffer cannot take len more bytes now; MSGSIZE when len exceeds the send buffer limit
 * or is 0; STREAM for a sid beyond the outbound streams; STATE in COOKIE states is
 * allowed (data waits), after shutdown/abort STATE. */
int mpsctp_assoc_send(mpsctp_assoc *a, const void *data, size_t len,
                      const mpsctp_sndinfo *info, mpsctp_tstamp now);

/* Reads the next message (or the next part of it) into buf. Returns the byte count and
 * sets *eor to 1 when the message ends with this read; WOULDBLOCK when nothing is
 * readable; CLOSED when nothing is readable and no more can arrive. Messages are whole
 * unless larger than cap or delivered partially (partial delivery point). */
ssize_t mpsctp_assoc_recv(mpsctp_assoc *a, void *buf, size_t cap, mpsctp_rcvinfo *info,
                          int *eor, mpsctp_tstamp now);

/* Returns the number of bytes readable now (0 when none). */
size_t mpsctp_assoc_readable(const mpsctp_assoc *a);

/* Returns how many bytes the next mpsctp_assoc_recv would return with an unlimited
 * buffer: the rest of the current message that is readable now, up to its end (0 when
 * nothing is readable). Lets a caller size its buffer to the message. */
size_t mpsctp_assoc_next_len(const mpsctp_assoc *a);

/* Graceful shutdown after queued data is acknowledged (RFC 9260 s9.2). Returns 0, or
 * CLOSED when the association is already closed. */
int mpsctp_assoc_shutdown(mpsctp_assoc *a, mpsctp_tstamp now);

/* Queues ABORT (with a User-Initiated Abort cause) and closes at once; the ABORT goes out
 * with the next mpsctp_endpoint_send. Returns 0, or CLOSED when already closed. */
int mpsctp_assoc_abort(mpsctp_assoc *a, mpsctp_tstamp now);

/* Detaches the association from the caller. If it is not closed it is aborted first;
 * control chunks still queued (such as that ABORT) are handed to the endpoint and go
 * out with its next sends; the memory is released. The pointer is invalid afterwards. */
void mpsctp_assoc_free(mpsctp_assoc *a);

/* Returns the association's state. */
mpsctp_state mpsctp_assoc_state(const mpsctp_assoc *a);

/* Returns the association's id (unique within its endpoint, never 0). */
uint32_t mpsctp_assoc_id(const mpsctp_assoc *a);

typedef struct mpsctp_assoc_status {
    mpsctp_state state;
    uint32_t peer_rwnd;       /* sender's view of the peer's window */
    uint32_t local_rwnd;      /* window we advertise */
    uint32_t unacked_chunks;  /* DATA chunks sent and not cum-acked */
    uint32_t pending_chunks;  /* DATA chunks waiting for first transmission */
    uint16_t inbound_streams, outbound_streams;
    uint32_t primary_path;
    uint32_t num_paths;
    uint32_t peer_vtag, local_vtag;
    uint32_t next_tsn, cum_tsn_ack; /* our next TSN to assign; peer data cum ack */
    /* counters */
    uint64_t data_chunks_sent, data_chunks_received;
    uint64_t retransmissions, fast_retransmissions, t3_expirations;
    uint64_t duplicate_tsns_received, packets_sent, packets_received;
    uint64_t bytes_sent_user, bytes_received_user;
    uint64_t reneged_tsns; /* TSNs received and then dropped to make room (RFC 9260 s6.2) */
    uint64_t rtx_lost;     /* retransmissions found lost again and resent before T3-rtx
                              (MPSCTP_LOSSREC_RTX) */
    uint64_t t3_lost_rtx;  /* T3-rtx expiries on a path that held a retransmission in
                              flight (a retransmitted chunk lost again, or its SACKs) */
    uint64_t tlp_probes;   /* tail loss probes sent (MPSCTP_LOSSREC_TLP) */
    uint64_t tlp_repairs;  /* of them, probes that repaired a loss (acked, no duplicate) */
    uint32_t cmt;     /* MPSCTP_CMT_* mode in use */
    uint32_t nr_sack; /* 1 when NR-SACK was negotiated */
} mpsctp_assoc_status;

/* Fills *st. Returns 0. */
int mpsctp_assoc_status_get(const mpsctp_assoc *a, mpsctp_assoc_status *st);

/* Memory an association holds because of what its peer sent, and the bounds it keeps to
 * (docs/api.md, "Memory bounds"). */
typedef struct mpsctp_assoc_mem {
    uint64_t rx_held;     /* received data not yet read: payload plus per-chunk overhead,
                             plus the receiver's bookkeeping (TSN map, reassembly index) */
    uint64_t rx_bound;    /* the most rx_held can reach, whatever the peer sends */
    uint64_t ctrl_queued; /* control chunks queued for sending (replies included) */
    uint64_t ctrl_bound;  /* the most ctrl_queued can reach */
    /* stream reconfiguration (RFC 6525): request state held (our outstanding request, a
     * deferred reset of the peer's), and the most it can reach (docs/api.md) */
    uint64_t reconf_held, reconf_bound;
} mpsctp_assoc_mem;

/* Fills *m. Returns 0, or INVAL for a NULL argument. */
int mpsctp_assoc_mem_get(const mpsctp_assoc *a, mpsctp_assoc_mem *m);

typedef struct mpsctp_path_info {
    mpsctp_addr remote;
    mpsctp_addr local; /* source address used on this path; family 0 when the network
                          layer chooses it */
    int active;       /* 1 active, 0 inactive */
    int confirmed;
    int pf;           /* potentially failed */
    int primary;      /* 1 for the primary path */
    int data_path;    /* 1 for a path new data goes to now: without CMT the primary
                         unless it has failed (RFC 9260 s6.4); with CMT every usable path */
    uint32_t hb_interval_ms, path_max_retrans, pf_max_retrans; /* this path's settings */
    uint32_t state_changes; /* PEER_ADDR_CHANGE events reported for this path */
    uint32_t cwnd, ssthresh, partial_bytes_acked, flight_size, mtu;
    uint32_t srtt_ms, rttvar_ms, rto_ms;
    uint32_t error_count;
    uint64_t bytes_sent;      /* DATA payload bytes sent, retransmissions included */
    uint64_t data_chunks_sent, retransmissions;
    uint64_t bytes_received;  /* DATA payload bytes received from this address
                                 (duplicates included) */
    uint64_t heartbeats_sent, heartbeat_acks_received;
    uint64_t t3_expirations;  /* T3-rtx expiries on this path */
} mpsctp_path_info;

/* Fills *pi for path index idx (0..num_paths-1). Returns 0 or NOENT. */
int mpsctp_assoc_path_info(const mpsctp_assoc *a, uint32_t idx, mpsctp_path_info *pi);

/* Sender queue information (draft-dreibholz-tsvwg-sctpsocket-sqinfo): *limit the send
 * buffer limit, *total the user-message bytes accepted and not yet acknowledged, and
 * per_stream[0..n-1] the same per outgoing stream, as one consistent snapshot;
 * *limit >= *total always (after the limit was lowered below what is queued, *limit is
 * what is queued until the queue has drained to the new limit).
 * *nstreams receives the number of outgoing streams. Returns 0, or NOBUFS (nothing
 * written to per_stream) when cap < number of outgoing streams. */
int mpsctp_assoc_sndqueue_info(const mpsctp_assoc *a, uint32_t *limit, uint32_t *total,
                               uint32_t *per_stream, uint32_t cap, uint32_t *nstreams);

/* Changes the send buffer limit (bytes). It applies to later sends: messages already
 * queued stay, and while they hold more than the new limit, sends wait (WOULDBLOCK) and
 * mpsctp_assoc_sndqueue_info reports the bytes queued as the limit. Returns 0 or INVAL
 * (below 4 KiB). */
int mpsctp_assoc_set_sndbuf(mpsctp_assoc *a, uint32_t bytes);

/* ---- association options (used by the sockets layer) ---- */

/* Copies the endpoint's settings (those new associations inherit) into *out. Returns 0
 * or INVAL (NULL argument). */
int mpsctp_endpoint_get_settings(const mpsctp_endpoint *ep, mpsctp_settings *out);

/* Replaces the settings new associations inherit (existing ones keep theirs). The checks
 * of mpsctp_endpoint_new apply and local_port must stay the same. Returns 0 or INVAL. */
int mpsctp_endpoint_set_settings(mpsctp_endpoint *ep, const mpsctp_settings *s);

/* Copies the settings association a runs with (sndbuf: its current send buffer limit).
 * Returns 0 or INVAL. */
int mpsctp_assoc_get_settings(const mpsctp_assoc *a, mpsctp_settings *out);

/* Sets RTO.Initial, RTO.Min and RTO.Max in ms (0 keeps a value); every path's RTO is
 * clamped into the new bounds. Returns 0, or INVAL unless min <= initial <= max. */
int mpsctp_assoc_set_rto(mpsctp_assoc *a, uint32_t initial_ms, uint32_t min_ms,
                         uint32_t max_ms);

/* Sets Association.Max.Retrans and Path.Max.Retrans (0 keeps a value). Returns 0 or
 * INVAL. */
int mpsctp_assoc_set_max_retrans(mpsctp_assoc *a, uint32_t assoc_max, uint32_t path_max);

/* Per-path parameters (RFC 6458 SCTP_PEER_ADDR_PARAMS, RFC 7829 SCTP_PEER_ADDR_THLDS). */
typedef struct mpsctp_path_params {
    uint32_t flags;            /* which fields to apply: MPSCTP_PP_* */
    uint32_t hb_interval_ms;   /* HB.interval, 0: heartbeats off on the path */
    uint32_t path_max_retrans; /* Path.Max.Retrans */
    uint32_t pf_max_retrans;   /* PotentiallyFailed.Max.Retrans; >= path_max_retrans: PF off */
} mpsctp_path_params;
#define MPSCTP_PP_HB 0x1u
#define MPSCTP_PP_PMR 0x2u
#define MPSCTP_PP_PF 0x4u
#define MPSCTP_ALL_PATHS 0xffffffffu /* path index meaning every path and later ones */

/* Applies the fields of *pp that pp->flags names to path idx, or with MPSCTP_ALL_PATHS to
 * every path and to the association's defaults for paths added later. A changed
 * heartbeat interval re-arms the path's heartbeat timer from now. Returns 0, NOENT (no
 * such path) or INVAL (NULL, unknown flag). */
int mpsctp_assoc_set_path_params(mpsctp_assoc *a, uint32_t idx, const mpsctp_path_params *pp,
                                 mpsctp_tstamp now);

/* Sets HB.interval in ms for every path (0 stops heartbeats) and re-arms the heartbeat
 * timers from now. Returns 0 or INVAL. */
int mpsctp_assoc_set_heartbeat(mpsctp_assoc *a, uint32_t interval_ms, mpsctp_tstamp now);

/* Sets the delayed-SACK timer in ms. Returns 0, or INVAL above 500 (RFC 9260 s6.2). */
int mpsctp_assoc_set_sack_delay(mpsctp_assoc *a, uint32_t delay_ms);

/* Sets the SACK frequency: a SACK goes out at least for every freq-th packet with DATA
 * (RFC 9260 s6.2: 2; 1 acknowledges every packet at once). Returns 0, or INVAL (NULL,
 * freq 0). */
int mpsctp_assoc_set_sack_freq(mpsctp_assoc *a, uint32_t freq);

/* Sets Max.Burst (RFC 9260 s6.1 D), in packets, for the association. Returns 0, or INVAL
 * (NULL, 0). */
int mpsctp_assoc_set_max_burst(mpsctp_assoc *a, uint32_t packets);

/* Makes path idx the primary path (new data goes there while it is active) and reports
 * MPSCTP_ADDR_MADE_PRIM. Returns 0, NOENT (no such path), STATE (closed, or the path is
 * unconfirmed: RFC 9260 s5.4 allows no data to it) or INVAL. */
int mpsctp_assoc_set_primary(mpsctp_assoc *a, uint32_t idx);

/* Sets the remote UDP encapsulation port of path idx (RFC 6951 s5). A path is one peer IP
 * address; its port also follows the UDP source port of the peer's packets. Returns 0,
 * NOENT or INVAL (NULL). */
int mpsctp_assoc_set_remote_udp_port(mpsctp_assoc *a, uint32_t idx, uint16_t port);

/* Returns 1 when a is closed because a retransmission limit was exceeded
 * (Max.Init.Retransmits or Association.Max.Retrans), else 0. */
int mpsctp_assoc_timed_out(const mpsctp_assoc *a);

/* Copies the local (source) address path idx uses into *out (family 0 when not known
 * yet). Returns 0, NOENT or INVAL. */
int mpsctp_assoc_local_addr(const mpsctp_assoc *a, uint32_t idx, mpsctp_addr *out);

/* ---- Concurrent Multipath Transfer (docs/cmt.md, docs/cc.md) ---- */

/* Sets the association's CMT mode (MPSCTP_CMT_*, SCTP_CMT_ON_OFF). It takes effect at the
 * next transmission decision: nothing queued or in flight is lost or sent twice, and the
 * paths keep their cwnd and ssthresh (only the congestion control rules change).
 * Returns 0, or INVAL (NULL, mode > MPSCTP_CMT_MAX: nothing changes). */
int mpsctp_assoc_set_cmt(mpsctp_assoc *a, uint32_t mode);

/* Returns the association's CMT mode (0..MPSCTP_CMT_MAX), or INVAL for NULL. */
int mpsctp_assoc_get_cmt(const mpsctp_assoc *a);

/* Sets the buffer splitting flags (MPSCTP_BUFSPLIT_*, 0: none). Returns 0 or INVAL
 * (unknown bits). */
int mpsctp_assoc_set_bufsplit(mpsctp_assoc *a, uint32_t flags);

/* Sets the CMT retransmission policy (MPSCTP_RTX_*). Returns 0 or INVAL. */
int mpsctp_assoc_set_rtx_policy(mpsctp_assoc *a, uint32_t policy);

/* Sets where SACKs go (MPSCTP_SACK_PATH_*). Returns 0 or INVAL. */
int mpsctp_assoc_set_sack_path(mpsctp_assoc *a, uint32_t policy);

/* Sets the path selection policy for new data (MPSCTP_PATHSEL_*). Returns 0 or INVAL. */
int mpsctp_assoc_set_path_select(mpsctp_assoc *a, uint32_t policy);

/* Turns the DAC algorithm (docs/cmt.md) on (1) or off (0) for the association: while it is
 * off, the receiver SACKs reordered DATA at once (RFC 9260 s6.7) and sets no packet count
 * in the SACK flags, and the sender counts one miss per SACK, whatever the SACK flags say.
 * It has an effect only while CMT is on. Returns 0, or INVAL (NULL, on > 1). */
int mpsctp_assoc_set_cmt_dac(mpsctp_assoc *a, uint32_t on);

/* Returns 1 when both ends support NR-SACK (negotiated in INIT/INIT ACK, chunk 0x10), 0
 * when not, INVAL for NULL. */
int mpsctp_assoc_nr_sack(const mpsctp_assoc *a);

/* Returns 1 when both ends support I-DATA (RFC 8260, negotiated in INIT/INIT ACK, chunk
 * 0x40: messages are interleaved), 0 when not, INVAL for NULL. */
int mpsctp_assoc_idata(const mpsctp_assoc *a);

/* Returns the peer's SCTP port (1..65535), or INVAL for a NULL association. */
int mpsctp_assoc_peer_port(const mpsctp_assoc *a);

/* Keeps an opaque pointer of the caller's with association a (a sockets layer finds its
 * own record of the association from an event that way, whatever the number of
 * associations). Returns 0, or INVAL for a NULL association. */
int mpsctp_assoc_set_user(mpsctp_assoc *a, void *user);

/* Returns the pointer given to mpsctp_assoc_set_user (NULL before, or for NULL a). */
void *mpsctp_assoc_user(const mpsctp_assoc *a);

/* Removes a local address added with mpsctp_endpoint_add_addr (compared by family and
 * ip); associations set up later no longer list it. Returns 0, NOENT or INVAL. */
int mpsctp_endpoint_remove_addr(mpsctp_endpoint *ep, const mpsctp_addr *a);

/* ---- Stream schedulers (RFC 8260 s3; docs/api.md "Stream schedulers") ---- */

/* Which stream the sender serves next. The ids are Linux's SCTP_SS_* values; round robin
 * per packet, which Linux lacks, takes the next free one. */
#define MPSCTP_SS_FCFS 0   /* first come, first served: messages in the order queued */
#define MPSCTP_SS_PRIO 1   /* priority: stream value = priority, lowest value first;
                              round robin among equal priorities */
#define MPSCTP_SS_RR 2     /* round robin, one message per turn (the default) */
#define MPSCTP_SS_FC 3     /* fair capacity: the stream served the fewest bytes first */
#define MPSCTP_SS_WFQ 4    /* weighted fair queueing: stream value = weight (>= 1), the
                              smallest bytes served / weight first */
#define MPSCTP_SS_RR_PKT 5 /* round robin per packet: one stream fills a packet, the next
                              packet starts with the next stream */
#define MPSCTP_SS_MAX 5

/* Sets the association's stream scheduler (MPSCTP_SS_*). It takes effect at the next
 * message handed to a packet; nothing queued is lost or reordered within its stream.
 * Every stream's value becomes the new scheduler's default (priority 0, weight 1) and
 * what the streams were served so far is forgotten; setting the scheduler the
 * association has already changes nothing. With CMT and stream-to-path mapping
 * (MPSCTP_PATHSEL_STREAM) the rule applies among the streams mapped to each path.
 * Returns 0, or INVAL (NULL, unknown id: nothing changes). */
int mpsctp_assoc_set_sched(mpsctp_assoc *a, uint32_t id);

/* Returns the association's scheduler (MPSCTP_SS_*), or INVAL for NULL. */
int mpsctp_assoc_get_sched(const mpsctp_assoc *a);

/* Sets outgoing stream sid's scheduler value: its priority (MPSCTP_SS_PRIO) or weight
 * (MPSCTP_SS_WFQ); the other schedulers keep it without using it. Returns 0, INVAL (NULL,
 * weight 0 under MPSCTP_SS_WFQ), STREAM (sid beyond the outgoing streams) or NOMEM. */
int mpsctp_assoc_set_stream_value(mpsctp_assoc *a, uint16_t sid, uint16_t value);

/* Returns outgoing stream sid's scheduler value (0..65535), INVAL (NULL) or STREAM (sid
 * beyond the outgoing streams). */
int mpsctp_assoc_get_stream_value(const mpsctp_assoc *a, uint16_t sid);
/* ---- partial reliability (RFC 3758, RFC 7496; docs/api.md) -------------------------- */

/* Policies of a message (the Linux SCTP_PR_SCTP_* numbers). */
#define MPSCTP_PR_NONE 0x0000 /* reliable */
#define MPSCTP_PR_TTL 0x0010  /* value: lifetime in ms from the send call; abandoned when it
                                 runs out, sent or not (0: no limit) */
#define MPSCTP_PR_RTX 0x0020  /* value: most retransmissions of any of its chunks (0: sent
                                 once, never again) */
#define MPSCTP_PR_PRIO 0x0030 /* value: priority, 0 highest; when the send buffer is full a
                                 new message abandons queued ones of lower priority (higher
                                 value), unsent ones first */
#define MPSCTP_PR_ALL 0x0080  /* mpsctp_assoc_pr_status: the sum over the policies */
/* MPSCTP_EV_PARTIAL_DELIVERY .state */
#define MPSCTP_PD_ABORTED 1

typedef struct mpsctp_prinfo {
    uint16_t policy; /* MPSCTP_PR_* */
    uint32_t value;  /* by policy: ms, retransmissions or priority */
} mpsctp_prinfo;

/* Queues one message like mpsctp_assoc_send, with the partial-reliability policy pr (NULL:
 * MPSCTP_PR_NONE). The policy applies only when PR-SCTP was negotiated with the peer
 * (mpsctp_assoc_pr_sctp); otherwise the message is sent reliably. With MPSCTP_PR_PRIO and
 * a full send buffer, queued messages of lower priority are abandoned (SEND_FAILED) until
 * the new one fits. Returns what mpsctp_assoc_send returns, or INVAL for an unknown
 * policy. */
int mpsctp_assoc_send_pr(mpsctp_assoc *a, const void *data, size_t len,
                         const mpsctp_sndinfo *info, const mpsctp_prinfo *pr,
                         mpsctp_tstamp now);

/* Returns 1 when both ends support PR-SCTP (negotiated in INIT/INIT ACK), 0 when not (or
 * not yet known), INVAL for NULL. */
int mpsctp_assoc_pr_sctp(const mpsctp_assoc *a);

/* Reads the messages abandoned by policy policy (MPSCTP_PR_TTL/RTX/PRIO, or MPSCTP_PR_ALL
 * for the sum) on stream sid (-1: the whole association): *unsent those abandoned before
 * any of their data was transmitted, *sent the others. Returns 0, or INVAL (NULL, unknown
 * policy), STREAM (sid beyond the outbound streams). */
int mpsctp_assoc_pr_status(const mpsctp_assoc *a, int sid, uint16_t policy, uint64_t *unsent,
                           uint64_t *sent);

#ifdef __cplusplus
}
#endif
/* ---- stream reconfiguration (RFC 6525) --------------------------------------------- */

/* Directions for mpsctp_assoc_reset_streams (the Linux srs_flags values). */
#define MPSCTP_RESET_INCOMING 0x01u
#define MPSCTP_RESET_OUTGOING 0x02u

/* Returns 1 when both ends negotiated RE-CONFIG on a, else 0. */
int mpsctp_assoc_reconf(const mpsctp_assoc *a);

/* Sets which of the peer's requests a carries out (MPSCTP_RECONF_ENABLE_* flags). Returns
 * 0 or INVAL (unknown flags). */
int mpsctp_assoc_set_reconf_enable(mpsctp_assoc *a, uint32_t flags);

/* Asks for a reset of the streams streams[0..n) (n 0: every stream) in the directions of
 * flags (MPSCTP_RESET_*): outgoing streams restart their SSNs at 0 once the peer has
 * received everything sent on them before (new messages on them wait, queued, until
 * then); incoming streams are reset by the peer on our request. The outcome comes as an
 * MPSCTP_EV_STREAM_RESET event. Returns 0, INVAL (no direction or unknown flags, n
 * above the stream count, a stream id out of range), STATE (not established),
 * NOTSUP (RE-CONFIG not negotiated), INPROGRESS (a request of ours is outstanding) or
 * NOMEM. */
int mpsctp_assoc_reset_streams(mpsctp_assoc *a, uint32_t flags, const uint16_t *streams,
                               uint16_t n, mpsctp_tstamp now);

/* Asks for n_in more inbound and n_out more outbound streams (RFC 6525 Add Incoming /
 * Outgoing Streams). Inbound streams are accepted at once; outbound ones are usable once
 * the peer agrees. The outcome comes as an MPSCTP_EV_STREAM_CHANGE event. Returns 0,
 * INVAL (both 0, or a total above 65535 streams or the memory bound of docs/api.md),
 * STATE, NOTSUP, INPROGRESS or NOMEM. */
int mpsctp_assoc_add_streams(mpsctp_assoc *a, uint16_t n_in, uint16_t n_out,
                             mpsctp_tstamp now);

#endif
