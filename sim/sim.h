/*
 * sim: a deterministic network simulation that drives mpsctp endpoints through the
 * public sans-IO API (include/mpsctp/mpsctp.h) only.
 *
 * A simulation is built from a sim_config (links, flows, timed link events, seed;
 * the scenario parser in scenario.h produces one), then run. Everything happens in
 * virtual time (ns); one PRNG per simulation makes runs with the same seed identical.
 *
 * Flows: each flow is one client and one server endpoint (ports 5000 and 5001). Path p
 * of flow f uses client address 10.f.p.1 and server address 10.f.p.2, UDP port 9899.
 * A flow with several paths is one multi-homed association: each host has one address
 * (interface) per path, both list all of them, path 0 is the primary.
 * The client sends messages to the server; the server verifies every byte.
 */
#ifndef MPSCTP_SIM_H
#define MPSCTP_SIM_H

#include <stddef.h>
#include <stdint.h>

#include <mpsctp/mpsctp.h>

#include "sim_evq.h"
#include "sim_link.h"
#include "sim_rng.h"

#define SIM_NAME_MAX 32     /* link and flow names, terminating NUL included */
#define SIM_MAX_PATHS 8     /* paths per flow */
#define SIM_MAX_HOPS 16     /* links per path */
#define SIM_MAX_FLOWS 255   /* flows per simulation (one address octet each) */
#define SIM_UDP_PORT 9899   /* UDP encapsulation port of every simulated address */
#define SIM_CLIENT_PORT 5000
#define SIM_SERVER_PORT 5001
#define SIM_DEFAULT_MSG 1452
#define SIM_DEFAULT_DURATION_NS (60ull * 1000000000ull)
/* A simulation whose flows are all fixed transfers runs at most this long. */
#define SIM_MAX_TIME_NS (3600ull * 1000000000ull)
/* After its last byte arrived a transfer waits at most this long for the shutdown. */
#define SIM_LINGER_NS (60ull * 1000000000ull)

/* Sides of a flow. */
enum { SIM_CLIENT = 0, SIM_SERVER = 1 };

/* Bits of sim_link_cfg.set / sim_event_cfg.set: which parameters were given. */
enum {
    SIM_LP_RATE = 1u << 0,
    SIM_LP_DELAY = 1u << 1,
    SIM_LP_QUEUE = 1u << 2,
    SIM_LP_RED = 1u << 3,
    SIM_LP_LOSS = 1u << 4,
    SIM_LP_REORDER = 1u << 5,
    SIM_LP_REORDER_DELAY = 1u << 6,
    SIM_LP_DUP = 1u << 7,
    SIM_LP_UP = 1u << 8,
    SIM_LP_JITTER = 1u << 9,
};

typedef struct sim_link_cfg {
    char name[SIM_NAME_MAX];
    sim_link_params p;
    unsigned set; /* SIM_LP_* bits given explicitly (informational) */
} sim_link_cfg;

/* A path: the links crossed from client to server, by index into sim_config.links. */
typedef struct sim_path_cfg {
    uint32_t nlinks;
    uint32_t links[SIM_MAX_HOPS];
} sim_path_cfg;

/* Bits of sim_flow_cfg.set: which protocol settings a flow overrides (both ends). */
enum {
    SIM_FS_RTO_MIN = 1u << 0,
    SIM_FS_RTO_MAX = 1u << 1,
    SIM_FS_RTO_INITIAL = 1u << 2,
    SIM_FS_PMR = 1u << 3,  /* Path.Max.Retrans */
    SIM_FS_AMR = 1u << 4,  /* Association.Max.Retrans */
    SIM_FS_PF = 1u << 5,   /* PotentiallyFailed.Max.Retrans (RFC 7829); unset: PF off */
    SIM_FS_HB = 1u << 6,   /* HB.interval */
    SIM_FS_CMT = 1u << 7,      /* cmt: SCTP_CMT_ON_OFF mode (docs/cmt.md) */
    SIM_FS_BUFSPLIT = 1u << 8, /* bufsplit: MPSCTP_BUFSPLIT_* flags */
    SIM_FS_NRSACK = 1u << 9,   /* nrsack: offer NR-SACK */
    SIM_FS_RTX = 1u << 10,     /* rtx: CMT retransmission policy (MPSCTP_RTX_*) */
    SIM_FS_SACKPATH = 1u << 11, /* sackpath: where SACKs go (MPSCTP_SACK_PATH_*) */
    SIM_FS_PATHSEL = 1u << 12,  /* pathsel: path selection for new data (MPSCTP_PATHSEL_*) */
    SIM_FS_LOSSREC = 1u << 13,  /* lossrec: loss recovery flags (MPSCTP_LOSSREC_*) */
    SIM_FS_SCHED = 1u << 14,    /* sched: stream scheduler (MPSCTP_SS_*) */
};

/* Stream values (priority, weight) a flow may set (ssvalue=). */
#define SIM_SSVALUE_MAX 16

/* Streams whose figures (goodput, SQINFO samples) the metrics keep: the first ones. */
#define SIM_STREAM_STATS_MAX 16

typedef struct sim_flow_cfg {
    char name[SIM_NAME_MAX];
    uint32_t npaths;             /* paths of the association (path 0 is the primary) */
    sim_path_cfg paths[SIM_MAX_PATHS];
    uint64_t bytes;              /* fixed transfer size; 0: saturated source */
    uint64_t start_ns;           /* when the client connects */
    uint32_t msg_size;           /* bytes per message (default SIM_DEFAULT_MSG) */
    int unordered;               /* 1: messages sent unordered */
    uint16_t streams;            /* messages spread round robin over this many streams */
    int sqlimit;                 /* 1: SQINFO-driven source (experiment E6): writes
                                    to stream s only while the client's
                                    sq_queued_on_stream[s] < sq_queue_limit / streams,
                                    taking the streams with room in turn; 0: messages
                                    strictly round robin over the streams (default) */
    uint32_t sndbuf, rcvbuf;     /* 0: core defaults */
    uint16_t mtu;                /* 0: core default */
    unsigned set;                /* SIM_FS_* bits: which of the settings below apply */
    uint32_t rto_min_ms, rto_max_ms, rto_initial_ms;
    uint32_t path_max_retrans, assoc_max_retrans, pf_max_retrans;
    uint32_t hb_interval_ms;     /* 0 turns heartbeats off */
    uint8_t cmt;                 /* MPSCTP_CMT_* (SIM_FS_CMT) */
    uint8_t bufsplit;            /* MPSCTP_BUFSPLIT_* flags (SIM_FS_BUFSPLIT) */
    uint8_t nr_sack;             /* 0/1 (SIM_FS_NRSACK) */
    uint8_t rtx_policy;          /* MPSCTP_RTX_* (SIM_FS_RTX) */
    uint8_t sack_path;           /* MPSCTP_SACK_PATH_* (SIM_FS_SACKPATH) */
    uint8_t path_select;         /* MPSCTP_PATHSEL_* (SIM_FS_PATHSEL) */
    uint8_t loss_recovery;       /* MPSCTP_LOSSREC_* flags (SIM_FS_LOSSREC) */
    uint64_t sample_ns;          /* per-path byte and SQINFO samples every this long
                                    (0: none) */
    /* Stream scheduler of both ends (RFC 8260 s3) and the client's stream values. */
    uint8_t sched;               /* MPSCTP_SS_* (SIM_FS_SCHED) */
    uint8_t nssvalue;            /* entries of ssvalue in use */
    struct {
        uint16_t sid, value;
    } ssvalue[SIM_SSVALUE_MAX];  /* set on the client's association before it sends */
} sim_flow_cfg;

typedef enum sim_event_kind {
    SIM_EVENT_LINK_DOWN = 1,
    SIM_EVENT_LINK_UP,
    SIM_EVENT_LINK_SET, /* change the parameters flagged in .set to those in .p */
    SIM_EVENT_FLOW_CMT, /* set flow .flow's CMT mode to .value on both ends */
} sim_event_kind;

typedef struct sim_event_cfg {
    uint64_t at;
    sim_event_kind kind;
    uint32_t link;     /* link events */
    uint32_t flow;     /* SIM_EVENT_FLOW_CMT: flow index */
    uint32_t value;    /* SIM_EVENT_FLOW_CMT: MPSCTP_CMT_* */
    sim_link_params p;
    unsigned set; /* SIM_LP_* */
} sim_event_cfg;

typedef struct sim_config {
    uint64_t seed;
    uint64_t duration_ns;  /* 0: SIM_DEFAULT_DURATION_NS when a flow is saturated, else
                              until every transfer has finished (at most SIM_MAX_TIME_NS) */
    uint64_t warmup_ns;    /* 0: none; else the goodput of saturated flows (whole and per
                              path) and link utilisation count from this time on */
    sim_link_cfg *links;
    size_t nlinks;
    sim_flow_cfg *flows;
    size_t nflows;
    sim_event_cfg *events;
    size_t nevents;
    /* Optional: adjusts each endpoint's settings after the flow's own (tests use it). */
    void (*settings_hook)(void *user, size_t flow, int side, mpsctp_settings *s);
    void *settings_user;
    /* Optional: core log lines at or below this level go to stderr (-1: none). */
    int log_level;
} sim_config;

typedef struct sim sim;

/* Fills *f with defaults: no paths, saturated, start 0, msg SIM_DEFAULT_MSG, ordered,
 * one stream, core default buffers and MTU. */
void sim_flow_cfg_default(sim_flow_cfg *f);

/* Applies the protocol settings a flow overrides (cfg.set) to *st. */
void sim_flow_cfg_settings(const sim_flow_cfg *f, mpsctp_settings *st);

/* Checks a flow's settings as they will be used (core defaults plus overrides): RTO
 * bounds ordered and nonzero, pf below pmr. Returns 0, or -1 with a message in err. */
int sim_flow_cfg_check(const sim_flow_cfg *f, char *err, size_t errlen);

/* Initialises *c as an empty configuration (seed 1, default duration, no log). */
void sim_config_init(sim_config *c);

/* Frees the arrays of a configuration built with sim_config_add_* (or the parser). */
void sim_config_free(sim_config *c);

/* Appends a link; returns its index, or -1 when memory runs out. */
int sim_config_add_link(sim_config *c, const sim_link_cfg *l);

/* Appends a flow; returns its index, or -1 when memory runs out. */
int sim_config_add_flow(sim_config *c, const sim_flow_cfg *f);

/* Appends a timed link event; returns its index, or -1 when memory runs out. */
int sim_config_add_event(sim_config *c, const sim_event_cfg *e);

/* Builds a simulation (endpoints created, nothing run yet). Returns NULL with a
 * message in err (errlen bytes) when the configuration is invalid or memory runs out. */
sim *sim_new(const sim_config *c, char *err, size_t errlen);

/* Frees the simulation, its endpoints and associations. NULL is ignored. */
void sim_free(sim *s);

/* Runs until the end (duration reached or every transfer finished). Returns 0, or -1
 * on an internal failure (out of memory; see sim_error). */
int sim_run(sim *s);

/* Runs every event scheduled at or before t (t capped at the end time). Returns 1
 * when the simulation can go on, 0 when it has ended, -1 on an internal failure. */
int sim_run_until(sim *s, uint64_t t);

/* Returns the current virtual time, ns. */
uint64_t sim_now(const sim *s);

/* Returns the time at which the run stops (may move earlier when transfers finish). */
uint64_t sim_end_time(const sim *s);

/* Returns the simulation's PRNG (tests may draw from it; doing so changes the run). */
sim_rng *sim_get_rng(sim *s);

/* Returns a description of the first internal failure, or NULL. */
const char *sim_error(const sim *s);

/* Schedules fn(s, obj, arg) at virtual time at (not before now). Returns 0 or -1. */
int sim_schedule(sim *s, uint64_t at, sim_evq_fn fn, void *obj, uint64_t arg);

/* ---- hooks for tests -------------------------------------------------------------- */

/* What a packet filter sees. data may be modified in place (len bytes). */
typedef struct sim_pkt_view {
    size_t flow;       /* flow index, or SIZE_MAX for a packet of no flow */
    uint32_t path;     /* path index */
    int dir;           /* 0 client to server, 1 server to client */
    uint32_t link;     /* link index */
    uint32_t hop;      /* position on the path in travel order, 0 first */
    const mpsctp_addr *from, *to;
    uint8_t *data;
    size_t len;
    uint64_t now;
} sim_pkt_view;

/* Called for every packet entering a link; return nonzero to drop it. */
typedef int (*sim_packet_filter)(void *user, sim *s, const sim_pkt_view *pkt);

/* Called for every event taken from an endpoint of a flow. */
typedef void (*sim_event_hook)(void *user, sim *s, size_t flow, int side,
                               const mpsctp_event *ev);

/* Installs (or removes, with fn NULL) the packet filter. */
void sim_set_packet_filter(sim *s, sim_packet_filter fn, void *user);

/* Installs (or removes, with fn NULL) the event hook. */
void sim_set_event_hook(sim *s, sim_event_hook fn, void *user);

/* Called after every simulator event (packet arrival, timer, link or flow event,
 * sample, ...) has run, with the virtual time of that event. */
typedef void (*sim_step_hook)(void *user, sim *s, uint64_t now);

/* Installs (or removes, with fn NULL) the step hook. */
void sim_set_step_hook(sim *s, sim_step_hook fn, void *user);

/* Delivers a crafted packet to side `side` of flow `flow` at time at (>= now), as if
 * it came from `from` and arrived on `to`; NULL addresses default to path 0's peer and
 * local address. Returns 0, or -1 on a bad index or out of memory. */
int sim_inject(sim *s, size_t flow, int side, uint64_t at, const uint8_t *pkt, size_t len,
               const mpsctp_addr *from, const mpsctp_addr *to);

/* Returns a flow's endpoint on side SIM_CLIENT or SIM_SERVER, or NULL. */
mpsctp_endpoint *sim_flow_endpoint(sim *s, size_t flow, int side);

/* Returns a flow's association on a side (NULL before the server's COMM_UP). */
mpsctp_assoc *sim_flow_assoc(sim *s, size_t flow, int side);

/* Fills *a with the address of path `path` of a flow on a side. Returns 0 or -1. */
int sim_flow_addr(const sim *s, size_t flow, uint32_t path, int side, mpsctp_addr *a);

/* Sets the CMT mode (MPSCTP_CMT_*) of a flow's association on both ends now (the
 * client's decides what is sent) and lets the client transmit. Returns 0, -1 on a bad
 * index or mode, or when the client's association does not exist (yet or any more). */
int sim_flow_set_cmt(sim *s, size_t flow, uint32_t mode);

/* Returns the name of a CMT mode as the scenario language spells it ("off", "cmt",
 * "rpv1", "rpv2", "mptcp"; "?" when unknown). */
const char *sim_cmt_name(uint32_t mode);

/* Stops (0) or resumes (1) a flow's source: no new messages are queued while stopped. */
void sim_flow_set_source(sim *s, size_t flow, int on);

/* Takes a link up (1) or down (0) now. Returns 0, or -1 on a bad index. */
int sim_link_set_up(sim *s, size_t link, int up);

/* Replaces the parameters of a link flagged in set (SIM_LP_*) by those in *p now.
 * Returns 0, or -1 on a bad index or invalid parameters. */
int sim_link_set_params(sim *s, size_t link, const sim_link_params *p, unsigned set);

/* ---- metrics ---------------------------------------------------------------------- */

typedef struct sim_path_metrics {
    uint64_t bytes_sent;      /* DATA payload bytes the client sent on it (with rtx),
                                 as the client's association counts them */
    uint64_t bytes_received;  /* DATA payload bytes the server got from it (core) */
    uint64_t wire_data_bytes; /* DATA payload bytes the client put on it, counted by the
                                 simulator from the packets (with rtx) */
    uint64_t new_data_bytes;  /* the part of wire_data_bytes sent for the first time */
    double last_new_data_s;   /* when new data last went on the path (0: never) */
    double goodput_bps;       /* new_data_bytes sent on the path in the measured interval
                                 (from the warm-up on, if any) per second: the path's
                                 share of the flow's goodput */
    uint64_t retransmissions;
    uint64_t heartbeats_sent, heartbeat_acks;
    uint64_t t3_expirations;  /* T3-rtx expiries on the path (client) */
    uint32_t cwnd, ssthresh, srtt_ms, rto_ms, error_count, state_changes;
    int active, confirmed, pf, primary, data_path; /* client's view at the end */
} sim_path_metrics;

/* Kinds of entries in a flow's event log. */
typedef enum sim_flow_event_kind {
    SIM_FEV_ASSOC = 1,  /* MPSCTP_EV_ASSOC_CHANGE; state: mpsctp_assoc_change */
    SIM_FEV_PATH,       /* MPSCTP_EV_PEER_ADDR_CHANGE; path, state: mpsctp_path_state */
    SIM_FEV_DATA_PATH,  /* the client sent new data (a TSN never sent before) on path
                           `path`, and the previous new data went elsewhere (or none);
                           logged only while the client's CMT mode is off */
} sim_flow_event_kind;

/* One entry of a flow's event log. */
typedef struct sim_flow_event {
    uint64_t t;                /* virtual time, ns */
    int side;                  /* SIM_CLIENT or SIM_SERVER */
    sim_flow_event_kind kind;
    uint32_t path;             /* SIM_FEV_PATH, SIM_FEV_DATA_PATH: the flow's path index
                                  (the server's own index is mapped by address) */
    uint32_t core_path;        /* SIM_FEV_PATH: the index the event carried */
    uint32_t state;            /* SIM_FEV_ASSOC, SIM_FEV_PATH */
} sim_flow_event;

/* Returns the RFC 6458 style name of a path state ("UNREACHABLE", "CONFIRMED", ...;
 * "?" when unknown). */
const char *sim_path_state_name(uint32_t state);

/* Returns the name of an association change ("COMM_UP", "COMM_LOST", ...; "?"). */
const char *sim_assoc_change_name(uint32_t state);

/* Sets *ev to a flow's event log (valid until the next event or sim_free) and returns
 * its length; 0 for a bad index. The log keeps the first SIM_EVENT_LOG_MAX entries. */
size_t sim_flow_events(const sim *s, size_t flow, const sim_flow_event **ev);
#define SIM_EVENT_LOG_MAX 65536

/* Returns the time of the first event of a flow at or after `from` matching kind, side
 * (-1: any), path (UINT32_MAX: any) and state (UINT32_MAX: any), or UINT64_MAX. */
uint64_t sim_flow_event_find(const sim *s, size_t flow, uint64_t from,
                             sim_flow_event_kind kind, int side, uint32_t path,
                             uint32_t state);

/* One sample of a flow's per-path byte counters and of the client's sender queue
 * (sim_flow_cfg.sample_ns). */
typedef struct sim_path_sample {
    uint64_t t;
    uint64_t bytes_sent[SIM_MAX_PATHS]; /* the client's mpsctp_path_info.bytes_sent */
    int sq_valid;                       /* the client's association existed */
    uint32_t sq_limit, sq_total;        /* mpsctp_assoc_sndqueue_info */
    uint32_t sq_stream[SIM_STREAM_STATS_MAX]; /* queued on streams 0.. (the first
                                                 min(streams, SIM_STREAM_STATS_MAX)) */
} sim_path_sample;

/* Sets *smp to a flow's samples (valid until the next sample or sim_free) and returns
 * their number; 0 for a bad index or when sampling is off. */
size_t sim_flow_samples(const sim *s, size_t flow, const sim_path_sample **smp);

typedef struct sim_flow_metrics {
    char name[SIM_NAME_MAX];
    uint64_t bytes_delivered;   /* verified bytes read by the server */
    uint64_t bytes_expected;    /* fixed transfers: their size; saturated: 0 */
    uint64_t bytes_queued;      /* bytes the client's send accepted */
    uint64_t messages_delivered;
    int verified;               /* every byte right, nothing duplicated, order kept and,
                                   for transfers, everything arrived */
    int intact;                 /* every byte delivered was right, nothing twice, order
                                   kept (complete or not, association lost or not) */
    uint64_t send_failed;       /* messages reported by MPSCTP_EV_SEND_FAILED */
    uint64_t send_failed_unsent; /* ... of which none was transmitted */
    uint64_t unsent_delivered;  /* messages failed as unsent but delivered (an error) */
    uint64_t unaccounted;       /* messages queued, neither delivered nor failed */
    int complete;               /* fixed transfer: everything arrived */
    int established;            /* the association came up */
    double duration_s;          /* active time (saturated with warm-up: from it on) */
    double goodput_bps;         /* delivered bytes * 8 / duration_s */
    uint32_t cmt;               /* client's MPSCTP_CMT_* mode (at the end) */
    int nr_sack;                /* NR-SACK negotiated (client's view) */
    uint64_t retransmissions, fast_retransmissions, t3_expirations;
    uint64_t t3_lost_rtx;       /* T3 expiries that found a retransmission in flight */
    uint64_t rtx_lost;          /* retransmissions found lost again before T3 */
    double max_stall_s;         /* longest time without delivery while data was out */
    double max_stall_at_s;      /* when that stall began */
    mpsctp_state client_state, server_state;
    uint32_t npaths;
    sim_path_metrics paths[SIM_MAX_PATHS];
    uint32_t path_select;       /* MPSCTP_PATHSEL_* the flow set (default RR) */
    int sqlimit;                /* the SQINFO-driven source (sim_flow_cfg.sqlimit) */
    uint32_t nstreams;          /* streams used (sim_flow_cfg.streams) */
    uint64_t stream_bytes[SIM_STREAM_STATS_MAX];   /* bytes the server read per stream */
    double stream_goodput_bps[SIM_STREAM_STATS_MAX]; /* ... per second of the measured
                                                        interval (as goodput_bps) */
    char error[192];            /* first problem found, "" when none */
} sim_flow_metrics;

typedef struct sim_link_metrics {
    char name[SIM_NAME_MAX];
    sim_link_stats dir[2];      /* [0] client to server direction, [1] reverse */
    double utilisation[2];      /* busy time / elapsed time */
} sim_link_metrics;

/* Returns the number of flows / links. */
size_t sim_flow_count(const sim *s);
size_t sim_link_count(const sim *s);

/* Fills *m with a flow's metrics at the current time (a self-contained copy that
 * stays valid after sim_free). Returns 0 or -1 (bad index). */
int sim_flow_metrics_get(sim *s, size_t flow, sim_flow_metrics *m);

/* Returns 1 when a path of flow `flow` crosses link `link`, else 0 (also for bad
 * indices). */
int sim_flow_uses_link(const sim *s, size_t flow, size_t link);

/* Jain's fairness index of x[0..n-1]: (sum x)^2 / (n * sum x^2), 1 when all are equal,
 * 1/n when one takes everything. Returns 0 for n 0 or all zero. */
double sim_jain_index(const double *x, size_t n);

/* Jain's fairness index of the goodput of the flows that cross link `link` (a shared
 * bottleneck when there are at least two; the first 64 count); *nflows (may be NULL)
 * receives their number. Returns -1 when fewer than two flows cross it. */
double sim_link_jain(sim *s, size_t link, size_t *nflows);

/* Fills *m with a link's metrics at the current time. Returns 0 or -1 (bad index). */
int sim_link_metrics_get(const sim *s, size_t link, sim_link_metrics *m);

/* Returns when the serializer of one direction of a link (0 client to server, 1
 * reverse) finishes the packets queued so far (at or before now: idle); UINT64_MAX on a
 * bad index or direction. With sim_link_tx_time it tells where a packet entering the
 * link falls in the departure pattern (phase effects, docs/simulator.md). */
uint64_t sim_link_busy_until(const sim *s, size_t link, int dir);

#endif
