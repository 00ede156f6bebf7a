/*
 * sim_internal: structures shared by sim.c (engine: time, links, packets) and
 * sim_flow.c (endpoints, sources, verification). Not for use outside sim/.
 */
#ifndef MPSCTP_SIM_INTERNAL_H
#define MPSCTP_SIM_INTERNAL_H

#include "sim.h"
#include "sim_pkt.h"

typedef struct sim_flow sim_flow;

typedef struct sim_link {
    char name[SIM_NAME_MAX];
    sim_link_params p;
    sim_link_dir dir[2];
    uint64_t warm_busy[2]; /* dir[].st.busy_ns at the end of the warm-up */
} sim_link;

/* One endpoint of a flow. */
typedef struct sim_side {
    sim *s;
    sim_flow *f;
    int side;
    mpsctp_endpoint *ep;
    mpsctp_assoc *assoc;
    mpsctp_assoc *extra[4];  /* further associations the endpoint reported (freed) */
    int nextra;
    uint64_t timer_at;       /* time of the pending timer event, or UINT64_MAX */
    uint64_t timer_gen;      /* generation of the pending timer event */
    int closed;              /* association ended (shut down, lost, refused) */
    int up;                  /* COMM_UP seen */
    uint64_t spin_at;        /* time of the last timer run */
    uint32_t spin_count;     /* timer runs in a row at spin_at */
} sim_side;

/* Receiver state of one stream. */
typedef struct sim_rstream {
    int active;        /* a message is being read */
    uint64_t idx;      /* its index */
    uint64_t off;      /* bytes of it read so far */
    int64_t last;      /* index of the last whole message (-1: none) */
    uint64_t bytes;    /* bytes of the stream read */
    uint64_t warm_bytes; /* ... at the end of the warm-up */
} sim_rstream;

struct sim_flow {
    sim_flow_cfg cfg;
    size_t index;
    sim_side side[2];
    mpsctp_addr addr[SIM_MAX_PATHS][2]; /* [path][side] */
    uint64_t seed;                      /* payload seed */
    int source_on;
    /* sender */
    uint64_t total_msgs;   /* fixed transfer: number of messages; else UINT64_MAX */
    uint64_t next_msg;     /* index of the next message to queue (round robin source);
                              with sqlimit one past the highest index queued */
    uint64_t msgs_queued;  /* messages the client's send accepted */
    /* SQINFO-driven source (cfg.sqlimit): message n of stream s has index n*K + s, so
     * that the receiver's stream and order checks are the same as round robin's */
    uint64_t *snext;       /* [stream]: index of the stream's next message */
    uint32_t sq_turn;      /* stream to try first at the next refill */
    uint32_t *sq_buf;      /* per-stream counts read with mpsctp_assoc_sndqueue_info */
    uint32_t sq_cap;       /* entries of sq_buf */
    uint8_t *sbuf;         /* holds message sbuf_idx */
    uint64_t sbuf_idx;
    uint64_t bytes_queued;
    int shutdown_done;
    /* receiver */
    uint8_t *rbuf;
    size_t rbuf_cap;
    sim_rstream *rs;       /* cfg.streams entries */
    uint8_t *got;          /* bitmap of whole messages received */
    uint64_t got_cap;      /* bits */
    uint64_t msgs_delivered;
    uint64_t bytes_delivered;
    uint64_t first_delivery, last_delivery;
    uint64_t outstanding_since;
    uint64_t max_stall, max_stall_from;
    int bad;               /* verification failed */
    int corrupt;           /* a delivered byte, message or order was wrong */
    char err[192];
    uint8_t *failed;       /* bitmap of messages reported by SEND_FAILED */
    uint64_t failed_cap;   /* bits */
    uint8_t *unsent;       /* bitmap of those reported as never transmitted */
    uint64_t unsent_cap;
    uint64_t send_failed, send_failed_unsent;
    /* what the client put on each path, seen in its packets */
    int have_tsn;          /* max_tsn is valid */
    uint32_t max_tsn;      /* highest DATA TSN sent so far */
    int data_path;         /* path of the latest new data, -1 none */
    uint64_t wire_data[SIM_MAX_PATHS], new_data[SIM_MAX_PATHS];
    uint64_t last_new[SIM_MAX_PATHS]; /* when new data last went on the path (0: never) */
    /* logs */
    sim_flow_event *ev;
    size_t nev, ev_cap;
    sim_path_sample *smp;
    size_t nsmp, smp_cap;
    /* at the end of the warm-up (sim_config.warmup_ns; taken when sim.warm_taken) */
    uint64_t warm_delivered;
    uint64_t warm_new[SIM_MAX_PATHS];
    int finished;          /* counted out of the active flows */
    uint64_t done_at;      /* all data delivered at (fixed transfers) */
};

struct sim {
    sim_config cfg;       /* arrays owned by the config the caller passed: copied */
    sim_rng rng;
    sim_evq evq;
    uint64_t now;
    uint64_t end;
    int ended;
    sim_pkt_pool pool;
    sim_link *links;
    size_t nlinks;
    sim_flow *flows;
    size_t nflows;
    size_t active_transfers; /* fixed transfers not finished yet */
    int has_saturated;
    sim_packet_filter filter;
    void *filter_user;
    sim_event_hook ev_hook;
    void *ev_hook_user;
    sim_step_hook step_hook;
    void *step_hook_user;
    char err[192];
    int failed;
    int warm_taken;          /* the warm-up has ended (sim_warmup_ev ran) */
};

/* Returns 1 when message idx of flow f has been queued by the client's source. */
static inline int sim_flow_msg_queued(const sim_flow *f, uint64_t idx)
{
    if (!f->cfg.sqlimit)
        return idx < f->next_msg;
    return idx < f->snext[idx % f->cfg.streams];
}

/* Reads the client's sender queue (mpsctp_assoc_sndqueue_info) into *limit, *total and
 * f->sq_buf (grown to the association's outgoing streams), *nstreams their number.
 * Returns 0, or -1 when there is no association or memory runs out. */
int sim_flow_sqinfo(sim_flow *f, uint32_t *limit, uint32_t *total, uint32_t *nstreams);

/* Records a flow's counters at the end of the warm-up. */
void sim_flow_warmup(sim *s, sim_flow *f);

/* Records an internal failure (first one wins). */
void sim_fail(sim *s, const char *msg);

/* Sends packet p (from, to, flow, path, dir set) into the first link of its path. */
void sim_pkt_send(sim *s, sim_pkt *p);

/* Delivers an arrived packet to the proper endpoint and services it; frees p. */
void sim_flow_deliver(sim *s, sim_pkt *p);

/* Creates the flow's endpoints. Returns 0 or -1 with err filled. */
int sim_flow_setup(sim *s, sim_flow *f, char *err, size_t errlen);

/* Frees the flow's associations, endpoints and buffers. */
void sim_flow_teardown(sim *s, sim_flow *f);

/* Event: the client connects (obj = flow). */
void sim_flow_start_ev(void *ctx, void *obj, uint64_t arg);

/* Records a verification failure of flow f (first message kept). */
void sim_flow_failf(sim_flow *f, const char *fmt, ...);

/* Sets or tests bit idx of a growable bitmap (*bits, *cap bits). mark returns 0, or -1
 * when memory runs out. */
int sim_bitmap_mark(uint8_t **bits, uint64_t *cap, uint64_t idx);
int sim_bitmap_test(const uint8_t *bits, uint64_t cap, uint64_t idx);

/* Appends an entry to flow f's event log (dropped beyond SIM_EVENT_LOG_MAX). */
void sim_flow_log(sim *s, sim_flow *f, int side, sim_flow_event_kind kind, uint32_t path,
                  uint32_t core_path, uint32_t state);

/* Records the client's DATA chunks in packet p (about to go on path p->path): per-path
 * byte counts and new-data path changes. */
void sim_flow_note_data(sim *s, sim_flow *f, const sim_pkt *p);

/* Event: takes one per-path byte sample of flow obj and schedules the next. */
void sim_flow_sample_ev(void *ctx, void *obj, uint64_t arg);

/* Marks a fixed transfer finished (stops the run when it was the last). */
void sim_flow_finish(sim *s, sim_flow *f);

#endif
