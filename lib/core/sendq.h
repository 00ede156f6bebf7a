/* Sender-side per-stream message queues with exact byte accounting (the numbers SCTP_SQINFO
 * reports), and the state of the stream scheduler (sched.h: which stream goes next). */
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
    uint32_t seq;  /* order of arrival over all streams (first come, first served) */
    uint16_t sid, flags;
    /* I-DATA (RFC 8260): a message is cut chunk by chunk while it stays at the head of its
     * stream. cut: bytes already in chunks; mid: its message id (set with the first
     * chunk); fsn: the next chunk's fragment sequence number; failed: SEND_FAILED was
     * reported for it. */
    uint32_t cut, mid, fsn;
    uint8_t failed;
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
    /* Stream scheduler state (sched.h). */
    uint16_t act_prev, act_next; /* links of the active list, SENDQ_NONE at its ends */
    uint8_t active;              /* has a queued message: on the active list */
    uint16_t ss_value;           /* per-stream scheduler value (priority, weight) */
    uint64_t ss_key;             /* what the stream has been served, scheduler's units */
} sstream;

#define SENDQ_NONE 0xFFFFu /* no stream (stream ids stop at 65534) */

/* A filter on the head message of a stream: 1 to let the stream be picked. */
typedef int (*sendq_ok_fn)(void *ctx, const smsg *head);

struct sched_ops;

typedef struct sendq {
    sstream *streams; /* alloc entries, NULL until the first message */
    uint16_t nstreams;
    uint16_t alloc;  /* streams allocated (nstreams never exceeds it) */
    uint32_t limit;  /* send buffer limit (bytes) */
    uint64_t total;  /* sum of streams[].queued */
    uint32_t nmsgs;  /* messages still in stream queues */
    struct blkpool *pool; /* where message blocks come from (NULL: malloc) */
    /* Stream scheduler (sched.h). */
    const struct sched_ops *sched;
    uint16_t act_head, act_tail; /* active streams in service order, SENDQ_NONE: none */
    uint16_t cur;                /* the packet's stream (round robin per packet) */
    uint32_t seq;                /* seq of the next message queued */
    uint64_t vtime;              /* virtual time: key of the stream served last */
} sendq;

/* Sets up nstreams empty streams (at least 1) with the given limit and the default
 * scheduler (round robin, MPSCTP_SS_RR). Allocates nothing: the per-stream array comes
 * with the first message or stream value. */
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

/* Takes the next message by the scheduler, or NULL. The message's bytes stay counted
 * until sendq_release. */
smsg *sendq_pop(sendq *q);

/* Takes the next message by the scheduler among the streams whose head message ok(ctx,
 * head) accepts, or NULL when it accepts none. Streams passed over keep their place: the
 * scheduler's rule holds within every subset of streams a filter selects (the streams
 * mapped to one path share it as if they were alone). */
smsg *sendq_pop_if(sendq *q, sendq_ok_fn ok, void *ctx);

/* A sender that cuts messages chunk by chunk (I-DATA): returns the stream the scheduler
 * serves next among those whose head message ok(ctx, head) accepts (ok NULL: any), or -1.
 * The head message stays queued; sendq_served then tells the scheduler how many bytes of
 * it went into a chunk, and sendq_take_head takes it off its stream once it is all cut
 * (before sendq_served for its last chunk). */
int sendq_pick(sendq *q, sendq_ok_fn ok, void *ctx);
void sendq_served(sendq *q, uint16_t sid, uint32_t bytes);
smsg *sendq_take_head(sendq *q, uint16_t sid);

/* Tells the scheduler that a new packet starts (round robin per packet keeps one stream
 * per packet). */
void sendq_packet_start(sendq *q);

/* Makes the scheduler with id (MPSCTP_SS_*) the queue's. Nothing queued is lost or
 * reordered within its stream; every stream's value becomes the new scheduler's default
 * and what the streams were served is forgotten (the queue's own scheduler again changes
 * nothing). Returns 0 or MPSCTP_ERR_INVAL (unknown id: nothing changes). */
int sendq_set_sched(sendq *q, uint32_t id);

/* Returns the id (MPSCTP_SS_*) of the queue's scheduler. */
uint32_t sendq_get_sched(const sendq *q);

/* Sets stream sid's scheduler value (priority, weight). Returns 0, MPSCTP_ERR_STREAM
 * (sid out of range), MPSCTP_ERR_INVAL (the scheduler refuses the value) or
 * MPSCTP_ERR_NOMEM. */
int sendq_set_value(sendq *q, uint16_t sid, uint16_t value);

/* Reads stream sid's scheduler value into *value. Returns 0 or MPSCTP_ERR_STREAM. */
int sendq_get_value(const sendq *q, uint16_t sid, uint16_t *value);

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

/* ---- stream reconfiguration (RFC 6525) ---- */

/* Starts the SSNs of streams sids[0..n) (n 0: every stream) at 0 again. */
void sendq_reset_ssn(sendq *q, const uint16_t *sids, uint16_t n);

/* Makes room for n streams (the per-stream arrays grow when they exist); the usable
 * count stays until sendq_set_streams raises it. Returns 0 or MPSCTP_ERR_NOMEM (nothing
 * usable changed). */
int sendq_grow(sendq *q, uint16_t n);
/* Takes message m, queued on stream m->sid and not yet handed out, out of its stream's
 * queue and uncounts its bytes. Returns 0, or -1 when m is not queued there. */
int sendq_remove(sendq *q, smsg *m);

/* Calls fn(ctx, m) for every message still in a stream queue, oldest first per stream; fn
 * must not change the queue. */
void sendq_each(const sendq *q, void (*fn)(void *ctx, smsg *m), void *ctx);

#endif
