/* Stream scheduler interface (RFC 8260 s3): which stream the sender serves next. One const
 * ops table per scheduler, one file per scheduler (sched_<name>.c); the send queue holds
 * the state they share and calls them through this seam only.
 *
 * Shared state (sendq.h): the list of active streams (streams with a queued message) in
 * service order, each stream's value (priority, weight) and key (what it has been served,
 * in the scheduler's units), and the queue's virtual time. A stream that becomes active
 * joins the tail of the list. A scheduler picks among the active streams that the caller's
 * filter accepts, and is told how many bytes of a stream were handed out. Today whole
 * messages are handed out (sendq_pop, sendq_pop_if); the same calls serve a sender that
 * cuts a message chunk by chunk (I-DATA) and asks before each chunk: pick, then sent with
 * the chunk's bytes. */
#ifndef MPSCTP_SCHED_H
#define MPSCTP_SCHED_H

#include <stdint.h>

#include "sendq.h"

typedef struct sched_ops {
    const char *name;
    uint16_t id;    /* MPSCTP_SS_* */
    uint16_t dflt;  /* the value every stream has under this scheduler until set */
    /* Checks a per-stream value before it is stored: 0 or MPSCTP_ERR_INVAL. NULL: every
     * value is accepted. */
    int (*check_value)(uint16_t value);
    /* Stream sid has just become active (it is at the tail of the list). NULL: nothing. */
    void (*activate)(sendq *q, uint16_t sid);
    /* Returns the active stream to serve next among those whose head message ok(ctx,
     * head) accepts, or -1 when it accepts none. It changes no state: a pick is followed
     * by sent for the same stream only when the caller takes from it. */
    int (*pick)(sendq *q, sendq_ok_fn ok, void *ctx);
    /* bytes of stream sid's head were handed out (the stream may have become inactive
     * just before: its list links are then gone, its key and value stay). */
    void (*sent)(sendq *q, uint16_t sid, uint32_t bytes);
    /* The caller starts building a new packet. NULL: nothing. */
    void (*packet_start)(sendq *q);
} sched_ops;

/* The schedulers, by MPSCTP_SS_* id. */
extern const sched_ops sched_fcfs; /* first come, first served */
extern const sched_ops sched_prio; /* priority, round robin among equals */
extern const sched_ops sched_rr;   /* round robin per message (the default) */
extern const sched_ops sched_fc;   /* fair capacity: fewest bytes served first */
extern const sched_ops sched_wfq;  /* weighted fair queueing: bytes / weight */
extern const sched_ops sched_rrp;  /* round robin per packet */

/* Returns the scheduler with id (MPSCTP_SS_*), or NULL for an unknown id. */
const sched_ops *sched_by_id(uint32_t id);

/* ---- helpers for the schedulers, on the shared state of sendq.h ---------------------- */

/* Moves active stream sid to the tail of the active list (it has had its turn). */
void sched_to_tail(sendq *q, uint16_t sid);

/* Returns the first stream of the active list (in service order) whose head ok accepts
 * with the smallest key (use_key) or value (else), -1 when ok accepts none. */
int sched_pick_min(sendq *q, sendq_ok_fn ok, void *ctx, int use_key);

/* The activate and pick of the schedulers that serve the smallest key first (FC, WFQ):
 * an activated stream's key is raised to at least the queue's virtual time, so that a
 * stream that was idle does not get the service it missed at once; the pick is
 * sched_pick_min by key. */
void sched_key_activate(sendq *q, uint16_t sid);
int sched_key_pick(sendq *q, sendq_ok_fn ok, void *ctx);

/* The accounting of those schedulers: the queue's virtual time becomes at least sid's key
 * (the key of the stream being served), then the key grows by inc; sid has had its
 * turn. */
void sched_key_served(sendq *q, uint16_t sid, uint64_t inc);

#endif
