/* Sender-side per-stream message queues with exact byte accounting (the numbers SCTP_SQINFO
 * reports) and the stream scheduler (round robin over streams with queued messages). */
#ifndef MPSCTP_SENDQ_H
#define MPSCTP_SENDQ_H

#include <stddef.h>
#include <stdint.h>

#include "mpsctp/mpsctp.h"

/* One user message. It is owned by its stream queue until the scheduler hands it out;
 * after that by the chunks that carry it (refs counts them). */
typedef struct smsg {
    struct smsg *next;
    uint32_t len, ppid, context;
    uint32_t refs; /* chunks not yet acknowledged or abandoned */
    uint16_t sid, flags;
    /* partial reliability (prsctp.c): policy, its value, the TTL deadline; zero for a
     * reliable message */
    struct {
        uint16_t policy;
        uint8_t sent; /* some of it was transmitted (for the abandonment counters) */
        uint32_t value;
        mpsctp_tstamp deadline;
    } pr;
    uint8_t data[];
} smsg;

typedef struct sstream {
    smsg *head, *tail;
    uint16_t next_ssn;
    uint32_t queued; /* user bytes accepted and not yet acknowledged, on this stream */
    uint8_t in_rr;   /* on the scheduler's ring */
} sstream;

typedef struct sendq {
    sstream *streams; /* alloc entries, NULL until the first message */
    uint16_t nstreams;
    uint16_t alloc;  /* streams allocated (nstreams never exceeds it) */
    uint32_t limit;  /* send buffer limit (bytes) */
    uint64_t total;  /* sum of streams[].queued */
    uint32_t nmsgs;  /* messages still in stream queues */
    uint16_t *rr;    /* ring of stream ids that have messages */
    uint32_t rr_head, rr_count;
    struct blkpool *pool; /* where message blocks come from (NULL: malloc) */
} sendq;

/* Sets up nstreams empty streams (at least 1) with the given limit. Allocates nothing:
 * the per-stream arrays come with the first message. */
void sendq_init(sendq *q, uint16_t nstreams, uint32_t limit);

/* Starts every stream's SSNs at 0 again (the association restarted). */
void sendq_restart_ssn(sendq *q);

/* Sets the number of usable streams to n (1..alloc; larger values are capped), as the
 * handshake negotiates it. Messages queued on streams >= n are unlinked, uncounted and
 * returned as a list (linked by next) for the caller to report and free. */
smsg *sendq_set_streams(sendq *q, uint16_t n);

/* Frees every queued message (messages handed out are the caller's). */
void sendq_free(sendq *q);

/* Queues a copy of data[0..len) on stream info->sid. Returns 0, MPSCTP_ERR_STREAM (sid
 * out of range), MPSCTP_ERR_MSGSIZE (len 0 or above the limit), MPSCTP_ERR_WOULDBLOCK
 * (not enough room now) or MPSCTP_ERR_NOMEM. */
int sendq_push(sendq *q, const void *data, size_t len, const mpsctp_sndinfo *info);

/* Frees message m of q (a block of q's pool). */
void sendq_msg_free(sendq *q, smsg *m);

/* Takes the next message by the scheduler (round robin over streams), or NULL. The
 * message's bytes stay counted until sendq_release. */
smsg *sendq_pop(sendq *q);

/* Takes the next message by the scheduler among the streams whose head message ok(ctx,
 * head) accepts, or NULL when it accepts none. Streams passed over keep their turn
 * order among themselves. */
smsg *sendq_pop_if(sendq *q, int (*ok)(void *ctx, const smsg *head), void *ctx);

/* Returns 1 when some stream has a queued message. */
static inline int sendq_pending(const sendq *q)
{
    return q->nmsgs != 0;
}

/* Uncounts bytes of stream sid that were acknowledged or abandoned. */
void sendq_release(sendq *q, uint16_t sid, uint32_t bytes);

/* Takes the oldest queued message of any stream without scheduling (for failure reports
 * at close), or NULL. Its bytes are uncounted. */
smsg *sendq_drain(sendq *q);

/* Writes a consistent snapshot: limit, total and per-stream counts (cap entries at least
 * nstreams). The limit written is never below the total: a limit lowered below what is
 * queued reads as the total until the queue has drained to it. Returns 0 or
 * MPSCTP_ERR_NOBUFS without writing per_stream. */
int sendq_info(const sendq *q, uint32_t *limit, uint32_t *total, uint32_t *per_stream,
               uint32_t cap, uint32_t *nstreams);

/* Takes message m, queued on stream m->sid and not yet handed out, out of its stream's
 * queue and uncounts its bytes. Returns 0, or -1 when m is not queued there. */
int sendq_remove(sendq *q, smsg *m);

/* Calls fn(ctx, m) for every message still in a stream queue, oldest first per stream; fn
 * must not change the queue. */
void sendq_each(const sendq *q, void (*fn)(void *ctx, smsg *m), void *ctx);

#endif
