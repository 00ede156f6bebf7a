/* mpsctp-perf's per-stream side: bytes and messages per stream, the sender queue as
 * SCTP_SQINFO reports it (docs/api.md), the log of SQINFO samples taken at every --interval
 * tick, and the stream choice of the SQINFO-driven sender (--sqinfo-limit: a message goes
 * to stream s only while sq_queued_on_stream[s] < sq_queue_limit / K). Output formats:
 * docs/perf.md. */
#ifndef MPSCTP_PERF_STREAMS_H
#define MPSCTP_PERF_STREAMS_H

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* Bytes and messages per stream 0..n-1 (grows with the highest stream seen). */
typedef struct stream_count {
    uint64_t *bytes, *messages;
    uint32_t n, cap;
} stream_count;

/* Adds bytes (and msgs complete messages) to stream sid. Returns 0, -1 out of memory. */
int streams_add(stream_count *c, uint32_t sid, uint64_t bytes, uint64_t msgs);
void streams_free(stream_count *c);

/* "stream_bytes":[..],"stream_messages":[..],"stream_goodput_bps":[..] (json: arrays
 * indexed by stream, 0..the highest stream seen), else one line per stream that carried
 * anything, after prefix; goodput is bytes * 8 / secs. */
void streams_print(FILE *f, const stream_count *c, double secs, const char *prefix, int json);

/* One SCTP_SQINFO reading. */
typedef struct sq_snap {
    uint32_t limit, total, n; /* sq_queue_limit, sq_total_queued, sq_number_of_streams */
    uint32_t *q;              /* sq_queued_on_stream[0..n-1] (room for cap entries) */
    uint32_t cap;
} sq_snap;

/* Room for nstreams entries (the association's outgoing streams). 0, or -1 (ENOMEM). */
int sq_init(sq_snap *s, uint32_t nstreams);
void sq_free(sq_snap *s);

/* getsockopt(SCTP_SQINFO) of the association of sd into s. 0, or -1 with errno (the
 * stack's: ENOPROTOOPT when it has no such option, EINVAL for too little room). */
int sq_read(int sd, sq_snap *s);

/* Writes s: "sqinfo":{"limit":L,"total":T,"queued":[q0,q1,..]} (json, only the first
 * shown streams entries) or "sqinfo T/L queued: s0 q0, s1 q1" (text). */
void sq_print(FILE *f, const sq_snap *s, uint32_t shown, int json);

/* SQINFO samples over time (the --interval ticks), shared between threads. */
typedef struct sq_sample {
    double t; /* seconds since the transfer started */
    uint32_t limit, total;
} sq_sample;

typedef struct sq_log {
    pthread_mutex_t lock;
    sq_sample *s;
    uint32_t *q;    /* shown entries per sample */
    uint32_t shown; /* streams kept per sample */
    size_t n, cap;
} sq_log;

void sq_log_init(sq_log *l, uint32_t shown);
/* Appends s taken at time t. 0, -1 out of memory (the sample is dropped). */
int sq_log_add(sq_log *l, double t, const sq_snap *s);
/* "sqinfo_samples":[{"t":..,"limit":..,"total":..,"queued":[..]},..] (json) or one
 * summary line after prefix: samples, the largest total and the limit. */
void sq_log_print(FILE *f, sq_log *l, const char *prefix, int json);
void sq_log_free(sq_log *l);

/* The SQINFO-driven sender's view of the queue: est[s] is an upper bound of the bytes
 * queued on stream s (the last SQINFO reading plus what was written since); a stream may
 * take a message while est[s] < share (sq_queue_limit / K). */
typedef struct sq_sched {
    uint32_t k;       /* streams the sender uses */
    uint64_t share;   /* sq_queue_limit / k */
    uint64_t *est;
    uint32_t next;    /* where the round robin over eligible streams goes on */
    sq_snap snap;
    uint64_t reads;   /* SQINFO readings taken */
} sq_sched;

/* nstreams: the association's outgoing streams (>= k). 0, or -1 with errno (the first
 * SQINFO reading failed, or ENOMEM). */
int sq_sched_init(sq_sched *q, int sd, uint32_t k, uint32_t nstreams);
void sq_sched_free(sq_sched *q);

/* The next stream to write to: round robin over the streams below their share; when none
 * is, reads SQINFO again (and again, sleeping wait_us between, until one is or stop()
 * says so). Returns the stream, -1 with errno when a reading fails, -2 when stopped. */
int sq_sched_pick(sq_sched *q, int sd, unsigned wait_us, int (*stop)(void));
/* len bytes of stream s were accepted by the stack. */
void sq_sched_wrote(sq_sched *q, uint32_t s, uint32_t len);

#endif
