/* Internal definitions shared by the association and endpoint modules: the association
 * (TCB, RFC 9260 s14) and endpoint structures and the functions the modules call on
 * each other. Not part of the public API. */
#ifndef MPSCTP_ASSOC_H
#define MPSCTP_ASSOC_H

#include "addr.h"
#include "assoc_index.h"
#include "cc.h"
#include "codec.h"
#include "crc32c.h"
#include "idata.h"
#include "mpsctp/mpsctp.h"
#include "path.h"
#include "pool.h"
#include "prsctp.h"
#include "reasm.h"
#include "reconf.h"
#include "rtxq.h"
#include "sendq.h"
#include "timerheap.h"
#include "tsnmap.h"

#define MPSCTP_MAX_PATHS 8
#define MPSCTP_MAX_LOCAL_ADDRS 8
#define MPSCTP_SECRET_LEN 32
#define NS_PER_MS MPSCTP_NS_PER_MS
/* TSNs above the cumulative TSN the receiver tracks: as far as gap block offsets reach. */
#define MPSCTP_TSN_WINDOW 65536u
/* Largest user data a DATA chunk can carry (a 64 KiB chunk minus its header). */
#define MPSCTP_MAX_CHUNK_DATA (65535u - SCTP_DATA_HDR_LEN)

/* Time elapsed from then to now in ns, 0 when then is later: the sockets layer may hand
 * the core slightly older times from one thread than it just used from another. */
static inline uint64_t elapsed(mpsctp_tstamp now, mpsctp_tstamp then)
{
    return now > then ? now - then : 0;
}

/* A control chunk waiting to be sent (already encoded), with its destination path. */
typedef struct ctrl_chunk {
    struct ctrl_chunk *next;
    int8_t path;   /* path index, or -1: the path new data goes to */
    uint8_t reply; /* a reply the peer provoked (dropped first at the queue bound) */
    uint8_t type;
    uint16_t len;
    uint8_t data[];
} ctrl_chunk;

/* A whole packet the endpoint sends without an association (INIT ACK, OOTB replies). */
typedef struct reply_pkt {
    struct reply_pkt *next;
    mpsctp_addr local, remote;
    size_t len;
    uint8_t data[];
} reply_pkt;

struct mpsctp_assoc {
    mpsctp_endpoint *ep;
    struct mpsctp_assoc *next, *prev; /* endpoint's list */
    /* the endpoint's scheduling (ep_sched.c): the timer heap entry keyed by
     * assoc_deadline, and the output queue of associations that may have something to
     * send */
    theap_node tnode;
    uint8_t out_queued;
    uint8_t touched; /* on the endpoint's touched list (key and queue to look at again) */
    struct mpsctp_assoc *out_next, *out_prev;
    struct mpsctp_assoc *touched_next;
    struct mpsctp_assoc *due_next; /* mpsctp_endpoint_timeout: the expired ones */
    uint8_t rd_queued;               /* on the endpoint's readable queue */
    struct mpsctp_assoc *rd_next;
    /* the endpoint's index entries (ep_index_assoc): own tag, peer's tag, confirmed
     * paths */
    aidx_link ix_tag, ix_ptag, ix_addr[MPSCTP_MAX_PATHS];
    uint8_t ix_addr_top; /* ix_addr[i] filed only for i below it */
    void *user;          /* mpsctp_assoc_set_user */
    uint32_t id;
    mpsctp_state state;
    uint16_t peer_port;
    uint32_t my_vtag, peer_vtag;
    /* RFC 9260 s1.3, s5.2.2: the tie-tags this association puts in cookies for INITs that
     * meet it: random nonces (0 until first needed), never the real tags, so that an
     * INIT ACK tells nobody how to address this association. */
    uint32_t tie_local, tie_peer;
    uint32_t my_itsn;
    uint16_t os, is; /* negotiated outbound and inbound stream counts */
    mpsctp_settings cfg;

    /* paths: npaths entries in each array, room for path_cap (grown by assoc_add_path, at
     * most MPSCTP_MAX_PATHS): an association with one peer address holds one */
    mpsctp_path *paths;
    cc_path *cc;
    uint32_t npaths, primary, path_cap;
    const cc_ops *ccops;

    /* sender */
    sendq sq;
    rtxq rq;
    uint32_t peer_rwnd;   /* RFC 9260 s6.2.1: peer's window as the sender sees it */
    uint32_t outstanding; /* bytes in flight over all paths (chunk bytes) */
    /* RFC 9260 s6.1 D Max.Burst, per path: packets of new data the path may still send
     * before the next SACK: Max.Burst plus what the SACKs since the last round of output
     * acknowledged (in full-size packets). Whatever is left when a round of output ends
     * is cut back to Max.Burst. */
    uint32_t *burst; /* per path, like paths */
    mpsctp_tstamp last_sack; /* when the latest SACK arrived */
    uint8_t dry_armed;    /* report SENDER_DRY the next time everything is acked */
    uint8_t nr_sack;      /* NR-SACK negotiated: both ends listed chunk 0x10 */
    uint8_t sack_epoch;   /* counts SACKs processed (txchunk.seen) */
    uint32_t cmt_rr;      /* CMT: the path the round robin of new data tries first */
    mpsctp_tstamp rx_multipath_at; /* latest DATA from a path other than the one before */
    uint8_t rx_multipath; /* rx_multipath_at is set */

    /* receiver */
    tsnmap map;
    reasm ra;
    uint8_t rx_ready;       /* map and ra are set up */
    uint8_t sack_due;       /* a SACK must go out now */
    uint8_t sack_pending;   /* data arrived that a SACK has not reported yet */
    uint32_t pkts_unacked;  /* packets with DATA since the last SACK */
    int8_t last_data_path;  /* where the latest DATA came from */
    uint32_t last_rwnd;     /* a_rwnd in the last SACK */
    mpsctp_tstamp sack_deadline;

    /* control */
    ctrl_chunk *ctrl_head, *ctrl_tail;
    uint32_t ctrl_bytes;   /* bytes of the chunks queued (at most MPSCTP_CTRL_QUEUE_MAX) */
    uint8_t *init_chunk;   /* our INIT (for T1-init retransmission) */
    size_t init_len;
    uint8_t *cookie;       /* cookie to echo (COOKIE-ECHOED) */
    size_t cookie_len;
    uint32_t init_retries;        /* T1 retransmissions in the current phase */
    uint32_t t1_path;             /* where INIT / COOKIE ECHO went last */
    uint32_t stale_restarts;      /* handshakes restarted after a Stale Cookie error */
    mpsctp_tstamp t1_sent;        /* first transmission of INIT / COOKIE ECHO, for RTT */
    mpsctp_tstamp t1_deadline;
    mpsctp_tstamp t2_deadline;    /* T2-shutdown */
    uint32_t t2_path;             /* where the SHUTDOWN / SHUTDOWN ACK T2 times went */
    mpsctp_tstamp t5_deadline;    /* T5-shutdown-guard */
    uint8_t shutdown_requested;   /* user asked for graceful shutdown */
    uint32_t error_count;         /* association error counter */
    mpsctp_tstamp alive_at;       /* the peer last answered (the counter was cleared) */
    uint32_t cookie_preserve_ms;  /* RFC 9260 s5.2.6: lifespan to ask for in a new INIT */

    /* counters */
    uint64_t data_chunks_sent, data_chunks_received, retransmissions, fast_retransmissions,
        t3_expirations, dup_tsns, packets_sent, packets_received, bytes_sent_user,
        bytes_received_user, reneged;
    uint64_t rtx_lost;    /* retransmissions found lost again (MPSCTP_LOSSREC_RTX) */
    uint64_t t3_lost_rtx; /* T3 expiries on a path holding a retransmission in flight */
    /* Tail loss probe (MPSCTP_LOSSREC_TLP): one out at a time, its TSN and the path it
     * probed. */
    uint8_t tlp_pending, tlp_path;
    uint32_t tlp_tsn;
    uint64_t tlp_probes, tlp_repairs;

    /* stream reconfiguration (reconf.c, RFC 6525) */
    uint8_t reconf_ok;  /* both ends listed RE-CONFIG */
    reconf *rc;         /* its state: NULL until negotiated */
    /* User message interleaving (RFC 8260, idata.c): negotiated in INIT/INIT ACK; its
     * per-stream message ids and reassembly by message. */
    uint8_t idata;
    idata_state ids;
    /* partial reliability (prsctp.c) */
    prsctp pr;
};

/* Bytes of a DATA or I-DATA chunk header on this association. */
static inline uint32_t assoc_data_hdr(const mpsctp_assoc *a)
{
    return a->idata ? SCTP_IDATA_HDR_LEN : SCTP_DATA_HDR_LEN;
}

struct mpsctp_endpoint {
    mpsctp_settings cfg;
    mpsctp_callbacks cb;
    crc32c_fn crc;
    /* RFC 9260 s5.1.3: cookies are signed with secret[gen & 1]; the other one is the
     * previous secret, still accepted for cookies made before the last change. */
    uint8_t secret[2][MPSCTP_SECRET_LEN];
    uint8_t secret_gen;          /* generation of the current secret (in every cookie) */
    uint8_t secret_prev_valid;   /* the previous secret may still verify cookies */
    mpsctp_tstamp secret_since;  /* when the current secret started signing; 0: unused */
    mpsctp_addr addrs[MPSCTP_MAX_LOCAL_ADDRS];
    uint32_t naddrs;
    int listening;
    mpsctp_assoc *assocs;
    uint32_t nassocs;          /* associations in the list */
    uint32_t nopen;            /* of them, those not CLOSED (the max_assocs limit) */
    assoc_index index;         /* demultiplexing (ep_index_assoc) */
    mpsctp_assoc *last_found;  /* the association the latest tag lookup found */
    timerheap timers;          /* open associations with a deadline, by assoc_deadline */
    mpsctp_assoc *out_head, *out_tail; /* output queue: may have something to send */
    mpsctp_assoc *touched;     /* changed since their key and queue place were looked at */
    mpsctp_assoc *rd_head, *rd_tail; /* data became readable (mpsctp_endpoint_next_readable) */
    uint32_t next_id;
    reply_pkt *replies, *replies_tail;
    size_t reply_bytes; /* bytes of the packets queued in replies */
    mpsctp_event *evq;
    uint32_t ev_cap, ev_head, ev_count;
    mpsctp_endpoint_stats stats;
    blkpool pool;              /* freed message and fragment blocks, for reuse */

    /* stream reconfiguration events: the stream list of the event handed out last */
    uint16_t *ev_list_out;
};

/* ---- cookie (cookie.c) ----------------------------------------------------------------- */

/* What a state cookie carries: enough to build the association from a COOKIE ECHO. */
typedef struct cookie_data {
    mpsctp_tstamp created;
    uint32_t lifetime_ms;
    uint32_t my_vtag, peer_vtag, tie_local, tie_peer;
    uint32_t my_itsn, peer_itsn, peer_rwnd;
    uint16_t os, is;
    uint16_t my_port, peer_port;
    mpsctp_addr local, remote;   /* where the INIT arrived and where it came from */
    uint32_t naddrs;             /* further peer addresses listed in the INIT */
    mpsctp_addr addrs[MPSCTP_MAX_PATHS - 1];
    uint8_t nr_sack;             /* both ends support NR-SACK */
    uint8_t reconf;              /* both ends support RE-CONFIG (RFC 6525) */
    uint8_t idata;               /* both ends support I-DATA (RFC 8260) */
    uint8_t pr_sctp;             /* both ends support PR-SCTP (RFC 3758) */
} cookie_data;

/* ---- endpoint services (endpoint.c) ----------------------------------------------- */

/* Queues an event; drops it when memory runs out, and a REMOTE_ERROR event when
 * MPSCTP_EVENT_QUEUE_MAX events wait (counted). */
void ep_event(mpsctp_endpoint *ep, const mpsctp_event *ev);
/* Queues a whole packet for sending (checksum added), within MPSCTP_REPLY_QUEUE_MAX
 * bytes of queued packets. Returns 0, NOBUFS (dropped at the bound, counted) or NOMEM. */
int ep_reply(mpsctp_endpoint *ep, const uint8_t *pkt, size_t len, const mpsctp_addr *local,
             const mpsctp_addr *remote);
/* Takes the oldest packet queued with ep_reply into buf: returns 1 with its length in *n
 * (0 when it does not fit in cap: it is dropped), or 0 when none is queued. */
int ep_reply_take(mpsctp_endpoint *ep, uint8_t *buf, size_t cap, mpsctp_addr *local,
                  mpsctp_addr *remote, size_t *n);
/* Queues a packet from sport to dport with tag vtag holding an ABORT (T bit when tbit)
 * with one error cause (0: none) whose value is v[0..vlen-1]. */
void ep_send_abort(mpsctp_endpoint *ep, uint16_t sport, uint16_t dport, uint32_t vtag,
                   int tbit, uint16_t cause, const uint8_t *v, size_t vlen,
                   const mpsctp_addr *local, const mpsctp_addr *remote);
/* RFC 9260 s8.4 rule 5: answers h with SHUTDOWN COMPLETE, T bit set, the packet's tag. */
void ep_shutdown_complete_t(mpsctp_endpoint *ep, const sctp_common *h,
                            const mpsctp_addr *local, const mpsctp_addr *remote);
/* Validates s (the rules of mpsctp_endpoint_new) and makes it the endpoint's settings,
 * filling derived defaults. Returns 0 or MPSCTP_ERR_INVAL (nothing changed). */
int ep_settings_apply(mpsctp_endpoint *ep, const mpsctp_settings *s);
/* Writes IPv4/IPv6 address parameters (RFC 9260 s3.3.2.1) for the endpoint's addresses
 * that may be offered to a peer at dest (s5.1.2 scoping), when more than one qualifies. */
void ep_put_addrs(const mpsctp_endpoint *ep, wbuf *w, const mpsctp_addr *dest);
/* Writes the Supported Extensions parameter (RFC 5061 s4.2.7) that cfg asks for: NR-SACK
 * when cfg->nr_sack; nothing when there is nothing to offer. */
void ep_put_extensions(const mpsctp_settings *cfg, wbuf *w);
/* Returns 1 when an INIT or INIT ACK's Supported Extensions parameter lists chunk type
 * type, else 0. */
int ep_init_lists_chunk(const sctp_init *in, uint8_t type);
/* Collects the IPv4/IPv6 addresses an INIT or INIT ACK lists (RFC 9260 s5.1.2), other
 * than src (the packet's source) and usable with it, each with src's UDP port, into
 * out[0..cap-1] without duplicates. Returns how many were stored. */
uint32_t ep_init_addrs(const sctp_init *in, const mpsctp_addr *src, mpsctp_addr *out,
                       uint32_t cap);
/* Brings the endpoint's index entries of a up to date with its current tags, peer port,
 * paths and state: its own tag and the peer's (when known), and each confirmed path's
 * address, all with the peer's SCTP port; a CLOSED association has no entries. Call it
 * after anything that may change those (the endpoint does after every packet, timer and
 * connect it handles, through ep_assoc_handled). */
void ep_index_assoc(mpsctp_assoc *a);
/* Checks the index against the association list: every open association is found by
 * each of its keys and nothing else is filed. Returns 0, or -1 when they disagree (for
 * tests and fuzz harnesses). */
int ep_index_verify(const mpsctp_endpoint *ep);
/* ---- scheduling (ep_sched.c): timer heap and output queue ------------------------- */

/* Makes room in the timer heap for one more association, so that filing it never needs
 * memory later (assoc_new). Returns 0 or NOMEM. */
int ep_sched_reserve(mpsctp_endpoint *ep);
/* Tells the endpoint that anything about a may have changed: when assoc_output_pending
 * says a may have something to send, a joins the output queue; and before the endpoint
 * next answers for its deadline or runs timers, it brings a's key in the timer heap
 * (assoc_deadline) up to date. Costs O(1): an association touched many times between two
 * such questions has its deadline computed once. Every entry point of the core calls it
 * for each association it touched; a missed call can leave a timer unrun or a packet
 * unsent. */
void ep_assoc_changed(mpsctp_assoc *a);
/* ep_index_assoc and ep_assoc_changed: after a packet, a timer or a connect, which may
 * also change the keys a is found by (API calls do not). */
void ep_assoc_handled(mpsctp_assoc *a);
/* Takes a out of the timer heap and the output queue (it is being freed). */
void ep_sched_remove(mpsctp_assoc *a);
/* Checks the timer heap against the associations: each open one not touched since the
 * endpoint last answered for its deadline is filed under exactly assoc_deadline (none
 * when NEVER), the heap is in order, and the output queue holds each queued association
 * once. Returns 0, or -1 (for tests and fuzz harnesses). */
int ep_sched_verify(const mpsctp_endpoint *ep);

/* Fills buf with n random bytes. */
void ep_random(mpsctp_endpoint *ep, void *buf, size_t n);
/* Returns a random nonzero 32-bit value. */
uint32_t ep_random32(mpsctp_endpoint *ep);
/* Computes HMAC-SHA256 over msg with the endpoint secret of generation gen. Returns 0, or
 * -1 when that secret is no longer (or not yet) known. */
int ep_hmac(mpsctp_endpoint *ep, uint8_t gen, const uint8_t *msg, size_t len, uint8_t out[32]);
/* RFC 9260 s5.1.3: replaces the cookie secret when the current one has signed cookies for
 * longer than its life (settings secret_life_ms, at least the cookie lifetime), keeping
 * the previous one for cookies still in flight. */
void ep_secret_maybe_rotate(mpsctp_endpoint *ep, mpsctp_tstamp now);
/* Writes a debug log line (printf format) when a log callback is set. */
void ep_log(mpsctp_endpoint *ep, int level, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* RFC 9260 s5.1 B, s3.2.1: checks INIT/INIT ACK parameters. Unrecognised parameters to
 * report (upper bits 01/11) are written into rep as Unrecognized Parameter parameters;
 * processing stops at 00/01. A State Cookie parameter is returned in *cookie (when
 * cookie is not NULL). Returns 0, or the ABORT cause to send with the offending
 * parameter in *bad. */
uint16_t ep_check_init_params(const sctp_init *in, wbuf *rep, sctp_tlv *bad,
                              sctp_tlv *cookie);
/* Answers an INIT (RFC 9260 s5.1 B, s5.2): validates it and queues either an INIT ACK
 * carrying a state cookie with the given tags, or an ABORT. my_vtag/my_itsn are the
 * values the INIT ACK offers. Returns 0 when an INIT ACK was queued, else -1. */
int ep_answer_init(mpsctp_endpoint *ep, const sctp_common *h, const sctp_tlv *c,
                   const mpsctp_addr *local, const mpsctp_addr *remote, uint32_t my_vtag,
                   uint32_t my_itsn, uint32_t tie_local, uint32_t tie_peer,
                   mpsctp_tstamp now);
/* Processes a COOKIE ECHO chunk (RFC 9260 s5.1 D, s5.2.4). hint is the association the
 * packet was matched to (or NULL). Returns the association that should process the rest
 * of the packet, or NULL to stop. */
mpsctp_assoc *ep_cookie_echo(mpsctp_endpoint *ep, mpsctp_assoc *hint, const sctp_common *h,
                             const sctp_tlv *c, const mpsctp_addr *local,
                             const mpsctp_addr *remote, mpsctp_tstamp now);

/* ---- association lifecycle (assoc.c) ----------------------------------------------- */

/* Allocates an association in CLOSED with the endpoint's settings, one path to remote. */
mpsctp_assoc *assoc_new(mpsctp_endpoint *ep, const mpsctp_addr *remote, uint16_t peer_port);
/* Sets up the data state after the handshake: streams, TSNs, peer window. Returns 0 or
 * NOMEM. */
int assoc_setup_data(mpsctp_assoc *a, uint16_t os, uint16_t is, uint32_t my_itsn,
                     uint32_t peer_itsn, uint32_t peer_rwnd);
/* Gives back memory an idle association does not need: the retransmission ring once
 * every chunk is acknowledged and no message waits (the next one allocates it again).
 * The endpoint calls it after the association's timers ran. */
void assoc_trim(mpsctp_assoc *a);
/* Enters state s. */
void assoc_set_state(mpsctp_assoc *a, mpsctp_state s);
/* Moves to CLOSED and reports change (MPSCTP_COMM_LOST, SHUTDOWN_COMP, CANT_STR_ASSOC)
 * with cause; unsent and unacknowledged messages are reported as send failures. */
void assoc_close(mpsctp_assoc *a, uint32_t change, uint16_t cause);
/* Queues an encoded control chunk of the association's own for path (-1: the data path).
 * Past MPSCTP_CTRL_QUEUE_MAX queued bytes, queued replies make room (oldest first); when
 * they cannot, the chunk is not queued (counted; the timers that made it send it again).
 * Returns 0, NOBUFS (not queued) or NOMEM. */
int assoc_queue_ctrl(mpsctp_assoc *a, int path, const uint8_t *chunk, size_t len);
/* Queues a control chunk the peer provoked (HEARTBEAT ACK, error reports, a repeated
 * handshake or shutdown answer) for path: the first to go at the queue bound, and not
 * queued (counted) when it would pass MPSCTP_CTRL_QUEUE_MAX. Returns 0, NOBUFS or NOMEM. */
int assoc_queue_reply(mpsctp_assoc *a, int path, const uint8_t *chunk, size_t len);
/* Takes the chunk *pp out of the control queue and frees it. */
void assoc_ctrl_unlink(mpsctp_assoc *a, ctrl_chunk **pp);
/* Drops every queued control chunk. */
void assoc_flush_ctrl(mpsctp_assoc *a);
/* Queues an ABORT with one error cause (code, value bytes) and closes. */
void assoc_abort_with(mpsctp_assoc *a, uint16_t cause, const uint8_t *v, size_t vlen,
                      uint32_t change);
/* Returns the earliest timer deadline of the association. */
mpsctp_tstamp assoc_deadline(const mpsctp_assoc *a);
/* Runs the association's expired timers. */
void assoc_timeout(mpsctp_assoc *a, mpsctp_tstamp now);
/* Reports an event about a. */
void assoc_event(mpsctp_assoc *a, mpsctp_event_type type, uint32_t state, uint16_t error);
/* Reports an event about a that concerns path index path. */
void assoc_event_path(mpsctp_assoc *a, mpsctp_event_type type, uint32_t state,
                      uint16_t error, uint32_t path);
/* Returns the RTO bounds (ns). */
uint64_t assoc_rto_min(const mpsctp_assoc *a);
uint64_t assoc_rto_max(const mpsctp_assoc *a);

/* ---- path management (assoc_path.c) --------------------------------------------------- */

/* Returns the index of the path whose remote address is addr, or -1. */
int assoc_path_find(const mpsctp_assoc *a, const mpsctp_addr *addr);
/* Adds a path to remote (confirmed or not, RFC 9260 s5.4) with the association's path
 * parameters. Returns its index (the existing one when remote is known), or -1 when the
 * path table is full. */
int assoc_add_path(mpsctp_assoc *a, const mpsctp_addr *remote, int confirmed);
/* Replaces the path table by the paths a cookie describes (RFC 9260 s5.4 rule 2): the
 * address the INIT ACK went to (confirmed, primary), the addresses the INIT listed and
 * remote, the COOKIE ECHO's source (unconfirmed; local is where it arrived). */
void assoc_paths_from_cookie(mpsctp_assoc *a, const cookie_data *cd,
                             const mpsctp_addr *local, const mpsctp_addr *remote);
/* Returns the largest SCTP packet for path pi: the mtu setting on an IPv4 path, 20 bytes
 * less on an IPv6 path (its IP header is 20 bytes longer). */
uint32_t assoc_path_mtu(const mpsctp_assoc *a, uint32_t pi);
/* Returns 1 when path pi may carry new data: confirmed, active, not potentially failed. */
int assoc_path_usable(const mpsctp_assoc *a, uint32_t pi);
/* RFC 9260 s6.4, RFC 7829 s3.2: returns the path new data goes to: the primary while it is
 * usable, else the first usable path after it, else the potentially failed path with
 * the fewest errors, else the primary. */
uint32_t assoc_data_path(const mpsctp_assoc *a);
/* Returns the path for a reply to a packet that came in on path pi (-1: unknown): pi when
 * it is usable, else -1 (the data path). */
int assoc_reply_path(const mpsctp_assoc *a, int pi);
/* Returns the path for retransmitting a chunk last sent on path last: a fast
 * retransmission stays there while the path is usable; a chunk that timed out (or whose
 * path failed) goes to a usable path other than last when there is one (RFC 9260 s6.4),
 * one without errors first. */
uint32_t assoc_rtx_path(const mpsctp_assoc *a, uint32_t last, int timed_out);
/* Fills *out with the source address for path pi: the one learned from the peer's
 * packets, else the endpoint address that shares the longest prefix with the
 * destination, else (wildcard endpoint) the address the handshake used; family 0 when
 * none is known (the network layer chooses). */
void assoc_path_local(const mpsctp_assoc *a, uint32_t pi, mpsctp_addr *out);
/* Reports a path state change (MPSCTP_ADDR_*) for path pi. */
void assoc_path_event(mpsctp_assoc *a, uint32_t pi, uint32_t state);
/* RFC 9260 s8.2, RFC 7829: counts an error on path pi, whose unanswered probe (the
 * latest chunk that timed out, the HEARTBEAT or the SHUTDOWN) went out at sent_at:
 * potentially failed past its PF threshold, inactive past Path.Max.Retrans (with
 * events). A confirmed path's error also counts on the association (s8.1), except an
 * unanswered HEARTBEAT (heartbeat != 0) on a path that does not carry data. When every
 * active path is failing, the paths not tried since the peer last answered are probed
 * at once; the association is lost (COMM_LOST) once its counter is past
 * Association.Max.Retrans and every confirmed path has been tried (docs/api.md, Path
 * management). Returns 1 when the association was closed. */
int assoc_path_error(mpsctp_assoc *a, uint32_t pi, mpsctp_tstamp sent_at, int heartbeat,
                     mpsctp_tstamp now);
/* The peer answered at now (a SACK, a HEARTBEAT ACK): the association error counter
 * clears (RFC 9260 s8.1). */
void assoc_peer_alive(mpsctp_assoc *a, mpsctp_tstamp now);
/* Data sent on path pi at sent_at was acknowledged at now: the association's error
 * counter clears; when sent after the path's latest error, the path's does too and the
 * path is active again (RFC 9260 s8.1, s8.2; RFC 7829 s3.2 step 4). sent_at 0: the ack
 * proves nothing about the path. */
void assoc_path_acked(mpsctp_assoc *a, uint32_t pi, mpsctp_tstamp sent_at, mpsctp_tstamp now);
/* Arms the heartbeat timers: unconfirmed paths are probed at once (RFC 9260 s5.4). */
void assoc_start_heartbeats(mpsctp_assoc *a, mpsctp_tstamp now);
/* The heartbeat timer of path pi expired: counts an unanswered heartbeat and sends the
 * next one when the path is idle, failing or unconfirmed (RFC 9260 s8.3). */
void assoc_hb_timeout(mpsctp_assoc *a, uint32_t pi, mpsctp_tstamp now);
/* DATA arrived from path pi: when pi is confirmed and inactive, it may work again, and a
 * HEARTBEAT probes it at once (or as soon as the one already out times out). */
void assoc_path_heard(mpsctp_assoc *a, uint32_t pi, mpsctp_tstamp now);
/* Handles a HEARTBEAT ACK's info: RTT sample, confirmation, error counters cleared, path
 * active again, next heartbeat. */
void assoc_heartbeat_ack(mpsctp_assoc *a, const uint8_t *info, size_t len, mpsctp_tstamp now);
/* Queues SHUTDOWN (SHUTDOWN-SENT) or SHUTDOWN ACK (SHUTDOWN-ACK-SENT) for path pi and
 * (re)starts T2 with that path's RTO. */
void assoc_t2_send(mpsctp_assoc *a, uint32_t pi, mpsctp_tstamp now);
/* Checks whether a pending shutdown can proceed (all data acked) and sends SHUTDOWN or
 * SHUTDOWN ACK. */
void assoc_shutdown_progress(mpsctp_assoc *a, mpsctp_tstamp now);

/* ---- chunk handling (assoc_ctrl.c: handshake, shutdown, abort, heartbeat, error) ----- */

/* Processes one packet for association a. chunks points after the common header. */
void assoc_recv_packet(mpsctp_assoc *a, const sctp_common *h, const uint8_t *chunks,
                       const uint8_t *end, const mpsctp_addr *local,
                       const mpsctp_addr *remote, mpsctp_tstamp now);
/* RFC 9260 s5.2.4 table 2: a valid cookie for an existing association a. Returns a when
 * the rest of the packet should be processed, NULL to stop. */
mpsctp_assoc *assoc_cookie_existing(mpsctp_assoc *a, const cookie_data *cd,
                                    const mpsctp_addr *local, const mpsctp_addr *remote,
                                    mpsctp_tstamp now);
/* RFC 6951 update for UDP encapsulation: an INIT or COOKIE ECHO from remote meets a with
 * a UDP source port that is not the one a uses for that address. Answers it with ABORT
 * (tag vtag, cause New Encapsulation Port) and returns 1; returns 0 when the ports agree
 * or the address is not one of a's. */
int assoc_foreign_port(mpsctp_assoc *a, const sctp_common *h, uint32_t vtag,
                       const mpsctp_addr *local, const mpsctp_addr *remote);
/* Builds and queues our INIT (COOKIE-WAIT) and arms T1-init. Returns 0 or NOMEM. */
int assoc_send_init(mpsctp_assoc *a, mpsctp_tstamp now);
/* Writes the ERROR chunk "Unrecognized Chunk Type" for chunk c into w. */
void assoc_put_unrecognized(wbuf *w, const sctp_tlv *c);

/* ---- data (assoc_data.c) ------------------------------------------------------------ */

/* Handles a DATA chunk received on path pi. Returns 0, or 1 when the association was
 * aborted (stop processing the packet). */
int assoc_recv_data(mpsctp_assoc *a, const sctp_tlv *c, int pi, mpsctp_tstamp now);
/* Called once after all chunks of a packet carrying DATA: decides on the SACK. */
void assoc_data_packet_done(mpsctp_assoc *a, mpsctp_tstamp now);
/* Handles a SACK (nr: NR-SACK). Returns 0, or 1 when the association closed. */
int assoc_recv_sack(mpsctp_assoc *a, const sctp_tlv *c, int nr, mpsctp_tstamp now);
/* Processes a cumulative TSN ack alone (SHUTDOWN carries one). */
void assoc_cum_ack(mpsctp_assoc *a, uint32_t cum, mpsctp_tstamp now);
/* Writes a SACK for the current receive state into w (if it fits). Returns 1 if written. */
int assoc_put_sack(mpsctp_assoc *a, wbuf *w);
/* Returns the window we advertise. */
uint32_t assoc_local_rwnd(const mpsctp_assoc *a);
/* RFC 9260 s6.3.3: T3-rtx expiry on path pi. */
void assoc_t3_expired(mpsctp_assoc *a, int pi, mpsctp_tstamp now);
/* Tail loss probe (MPSCTP_LOSSREC_TLP): when path pi's probe is due (NEVER: none), and
 * sending it (the path's highest TSN in flight, again). */
mpsctp_tstamp assoc_tlp_deadline(const mpsctp_assoc *a, uint32_t pi);
/* Whether a tail loss probe can be due on any path: the mode is on, no probe is out, and
 * the sender is at its tail: nothing new or marked waits to go (with more to send, later
 * chunks reveal a loss by their acks). */
static inline int assoc_tlp_possible(const mpsctp_assoc *a)
{
    return (a->cfg.loss_recovery & MPSCTP_LOSSREC_TLP) && !a->tlp_pending && !a->rq.unsent &&
           !a->rq.nrtx && !sendq_pending(&a->sq);
}
void assoc_tlp_fire(mpsctp_assoc *a, uint32_t pi);
/* Returns 1 when every queued message has been acknowledged. */
int assoc_all_acked(const mpsctp_assoc *a);
/* Reports MPSCTP_EV_SEND_FAILED for message m; sent: some of it was transmitted. */
void assoc_report_failed(mpsctp_assoc *a, const smsg *m, int sent);
/* Releases every chunk and message on the sender side, reporting SEND_FAILED for each
 * message not fully acknowledged when report is set. */
void assoc_drop_send_state(mpsctp_assoc *a, int report);

/* ---- output (assoc_output.c) ---------------------------------------------------------- */

/* Returns 1 when a may have a packet to send: control chunks, a SACK due, chunks marked
 * for retransmission, unsent chunks or queued messages (whether window and state let
 * them go is assoc_output's business). 0 means assoc_output would build nothing. */
int assoc_output_pending(const mpsctp_assoc *a);
/* Ends a round of output: the burst allowance the acks gave beyond Max.Burst lapses.
 * assoc_output does it when it has nothing more; the endpoint does it for an association
 * with nothing pending, which it does not ask for output. */
void assoc_output_over(mpsctp_assoc *a);
/* Builds the next packet of association a into buf. Returns its length, or 0. */
size_t assoc_output(mpsctp_assoc *a, uint8_t *buf, size_t cap, mpsctp_addr *local,
                    mpsctp_addr *remote, mpsctp_tstamp now);

/* ---- CMT (cmt.c): the one seam for Concurrent Multipath Transfer ------------------------ */

/* What one SACK (or SHUTDOWN cum ack) did, per path: filled while it is processed. */
typedef struct sack_acc {
    uint32_t acked[MPSCTP_MAX_PATHS];         /* bytes newly acked per path */
    uint8_t cum_acked[MPSCTP_MAX_PATHS];      /* the cum ack covered chunks of this path */
    uint8_t pseudo_adv[MPSCTP_MAX_PATHS];     /* CUCv2: the path's (rtx-)pseudo-cumack was
                                                 acknowledged */
    uint8_t t3_adv[MPSCTP_MAX_PATHS];         /* the path's oldest TSN in flight was
                                                 acknowledged (T3 restarts) */
    uint8_t fr[MPSCTP_MAX_PATHS];             /* fast retransmit marked chunks of this path */
    uint8_t rtx_lost[MPSCTP_MAX_PATHS];       /* a retransmission sent on this path was
                                                 found lost again (MPSCTP_LOSSREC_RTX) */
    uint8_t tlp_acked;                        /* the tail loss probe's TSN was acked */
    uint32_t flight_before[MPSCTP_MAX_PATHS];
    uint32_t htna;                            /* highest TSN newly acknowledged */
    int have_htna;
    uint32_t highest_reported;                /* highest TSN the SACK reports received */
    uint8_t cum_adv;                          /* the SACK advanced the cumulative ack */
    uint32_t htna_path[MPSCTP_MAX_PATHS];     /* SFR: the same per path */
    uint8_t have_htna_path[MPSCTP_MAX_PATHS];
    uint32_t lowest_newack;                   /* DAC: lowest TSN newly acknowledged */
    uint8_t have_lowest;
    uint8_t dac_pkts;                         /* DAC: packets the SACK says it covers */
    uint8_t sfr;                              /* apply split fast retransmit */
    mpsctp_tstamp newest_sent[MPSCTP_MAX_PATHS]; /* latest send time of a chunk newly
                                                    acknowledged on each path */
    mpsctp_tstamp newest_sent_any; /* the same over all paths */
    uint64_t return_spread;        /* SFR: how much later a SACK may come back over one
                                      path than another (cmt_misses_prepare) */
    mpsctp_tstamp now;             /* when the SACK arrived */
    uint32_t newack_paths;                    /* bit per path with a new ack */
    uint32_t low_out[MPSCTP_MAX_PATHS];       /* after the SACK: lowest TSN still
                                                 outstanding (in flight or marked) per path */
    uint8_t have_low_out[MPSCTP_MAX_PATHS];
    uint8_t pr_acked;                         /* PR-SCTP: the cum ack passed abandoned
                                                 chunks (a FORWARD TSN was received) */
} sack_acc;

/* Returns the congestion control of CMT mode mode (docs/cc.md). */
const cc_ops *cmt_cc_ops(uint32_t mode);
typedef enum cmt_cc_ev { CMT_CC_ACK, CMT_CC_FAST_RTX, CMT_CC_TIMEOUT, CMT_CC_IDLE } cmt_cc_ev;
/* Runs the association's congestion control for event ev on path pi, over pi and the
 * usable paths (the sums of the coupled variants leave out paths that carry no data; the
 * initial window is still split over every path known at set-up, docs/cc.md): ACK takes
 * acked bytes, advanced (cum ack or pseudo-cumack moved) and full (window in full use). */
void cmt_cc_event(mpsctp_assoc *a, uint32_t pi, cmt_cc_ev ev, uint32_t acked, int advanced,
                  int full);
/* Chunk c (TSN tsn, last sent on c->path) was newly acknowledged: records the per-path
 * facts SFR, DAC and CUCv2 need (docs/cmt.md). */
void cmt_newly_acked(mpsctp_assoc *a, const txchunk *c, uint32_t tsn, sack_acc *acc);
/* Returns 1 when the DAC algorithm applies (docs/cmt.md): CMT on and the cmt_dac setting
 * (SCTP_CMT_USE_DAC) on, else 0. */
int cmt_dac_on(const mpsctp_assoc *a);
/* Before the cmt_misses calls of one SACK: the facts they share (acc->return_spread). */
void cmt_misses_prepare(const mpsctp_assoc *a, sack_acc *acc);
/* CMT SFR and DAC (docs/cmt.md): returns how many miss indications (0, 1 or 2) the SACK described
 * by acc gives in-flight chunk c (TSN tsn, below the HTNA). */
unsigned cmt_misses(const mpsctp_assoc *a, const txchunk *c, uint32_t tsn,
                    const sack_acc *acc);
/* After a SACK: recomputes every path's pseudo-cumack and rtx-pseudo-cumack (CUCv2) and
 * the lowest outstanding TSN per path (acc->low_out). */
void cmt_scan(mpsctp_assoc *a, sack_acc *acc);
/* Returns 1 when path pi's fast recovery is over: nothing it carried at or below its exit
 * point is outstanding any more (acc from cmt_scan). */
int cmt_fr_over(const mpsctp_assoc *a, const sack_acc *acc, uint32_t pi);
/* Chunk c with TSN tsn is (re)transmitted on path pi: keeps the pseudo-cumacks current
 * while CMT is on. */
void cmt_sent(mpsctp_assoc *a, const txchunk *c, uint32_t tsn, uint32_t pi);
/* CMT (docs/cmt.md): returns the path the next packet of new data goes to with CMT: round robin
 * over the usable paths that have room for chunk c (cwnd, peer window, buffer
 * splitting), starting at a->cmt_rr; -1 when none has room. */
int cmt_new_data_path(const mpsctp_assoc *a, const txchunk *c);
/* Returns 1 when new data follows the stream-to-path mapping (CMT on, path_select
 * MPSCTP_PATHSEL_STREAM). */
int cmt_mapped(const mpsctp_assoc *a);
/* Returns the path stream sid's new data goes to under the mapping: the (sid mod n)-th
 * usable path in index order, n usable paths; the data path when none is usable. */
int cmt_stream_path(const mpsctp_assoc *a, uint16_t sid);
/* CMT buffer splitting (docs/cmt.md): returns 1 when chunk c may join path pi's flight. */
int cmt_bufsplit_ok(const mpsctp_assoc *a, uint32_t pi, const txchunk *c);
/* CMT (docs/cmt.md): the retransmission destination: the usable path with the largest
 * cwnd (or ssthresh, by policy); ties keep last unless it timed out. -1 when no path is
 * usable (the rules without CMT apply). */
int cmt_rtx_path(const mpsctp_assoc *a, uint32_t last, int timed_out);
/* Returns 1 when new data chunk c may go to path pi now: cwnd, peer window and, with
 * CMT, buffer splitting (assoc_output.c). */
int assoc_new_data_room(const mpsctp_assoc *a, uint32_t pi, const txchunk *c);
/* Returns the path a SACK sent on its own goes to, by the sack_path setting (dp: the
 * path new data goes to). */
uint32_t assoc_sack_path(const mpsctp_assoc *a, uint32_t dp);

/* Writes the State Cookie parameter value for d into w. */
void cookie_encode(mpsctp_endpoint *ep, wbuf *w, const cookie_data *d);
/* Verifies and decodes a cookie. Returns 0, MPSCTP_ERR_MALFORMED (bad length or MAC). */
int cookie_decode(mpsctp_endpoint *ep, const uint8_t *p, size_t len, cookie_data *d);

#endif
