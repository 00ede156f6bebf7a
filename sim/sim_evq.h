/*
 * sim_evq: the simulator's event queue, a binary min-heap ordered by (time, insertion
 * sequence). Events with equal times run in the order they were scheduled, so a run
 * is fully determined by its inputs.
 */
#ifndef MPSCTP_SIM_EVQ_H
#define MPSCTP_SIM_EVQ_H

#include <stddef.h>
#include <stdint.h>

/* An event: at time `at`, fn(ctx, obj, arg) is called by whoever pops it. */
typedef void (*sim_evq_fn)(void *ctx, void *obj, uint64_t arg);

typedef struct sim_event {
    uint64_t at;  /* virtual time, ns */
    uint64_t seq; /* insertion order, breaks ties */
    sim_evq_fn fn;
    void *obj;
    uint64_t arg;
} sim_event;

typedef struct sim_evq {
    sim_event *heap;
    size_t len, cap;
    uint64_t next_seq;
} sim_evq;

/* Initialises an empty queue (no allocation until the first push). */
void sim_evq_init(sim_evq *q);

/* Releases the queue's memory; pending events are discarded. */
void sim_evq_free(sim_evq *q);

/* Schedules fn(ctx, obj, arg) at time at. Returns 0, or -1 when memory runs out. */
int sim_evq_push(sim_evq *q, uint64_t at, sim_evq_fn fn, void *obj, uint64_t arg);

/* Removes the earliest event into *ev. Returns 1, or 0 when the queue is empty. */
int sim_evq_pop(sim_evq *q, sim_event *ev);

/* Returns the time of the earliest event, or UINT64_MAX when the queue is empty. */
uint64_t sim_evq_peek_time(const sim_evq *q);

/* Returns the number of pending events. */
size_t sim_evq_len(const sim_evq *q);

#endif
