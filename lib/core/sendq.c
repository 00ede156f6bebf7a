/* Sender-side per-stream message queues and stream scheduler. */
#include <stdlib.h>
#include <string.h>

#include "sendq.h"

#include "pool.h"

void sendq_init(sendq *q, uint16_t nstreams, uint32_t limit)
{
    memset(q, 0, sizeof(*q));
    if (nstreams == 0)
        nstreams = 1;
    q->nstreams = nstreams;
    q->alloc = nstreams;
    q->limit = limit;
}

/* The per-stream arrays come with the first message: an association that never sends
 * holds none. Returns 0 or MPSCTP_ERR_NOMEM. */
static int streams_alloc(sendq *q)
{
    if (q->streams)
        return 0;
    q->streams = calloc(q->alloc, sizeof(*q->streams));
    q->rr = calloc(q->alloc, sizeof(*q->rr));
    if (!q->streams || !q->rr) {
        free(q->streams);
        free(q->rr);
        q->streams = NULL;
        q->rr = NULL;
        return MPSCTP_ERR_NOMEM;
    }
    return 0;
}

void sendq_free(sendq *q)
{
    if (q->streams) {
        for (uint16_t s = 0; s < q->alloc; s++) {
            for (smsg *m = q->streams[s].head, *n; m; m = n) {
                n = m->next;
                sendq_msg_free(q, m);
            }
        }
    }
    free(q->streams);
    free(q->rr);
    memset(q, 0, sizeof(*q));
}

void sendq_restart_ssn(sendq *q)
{
    for (uint16_t s = 0; q->streams && s < q->alloc; s++)
        q->streams[s].next_ssn = 0;
}

static void rr_add(sendq *q, uint16_t sid)
{
    sstream *s = &q->streams[sid];
    if (s->in_rr)
        return;
    s->in_rr = 1;
    q->rr[(q->rr_head + q->rr_count) % q->nstreams] = sid;
    q->rr_count++;
}

int sendq_push(sendq *q, const void *data, size_t len, const mpsctp_sndinfo *info)
{
    if (info->sid >= q->nstreams)
        return MPSCTP_ERR_STREAM;
    if (len == 0 || len > q->limit)
        return MPSCTP_ERR_MSGSIZE;
    if (q->total + len > q->limit)
        return MPSCTP_ERR_WOULDBLOCK;
    if (streams_alloc(q))
        return MPSCTP_ERR_NOMEM;
    smsg *m = pool_get(q->pool, sizeof(*m) + len);
    if (!m)
        return MPSCTP_ERR_NOMEM;
    m->next = NULL;
    m->len = (uint32_t)len;
    m->ppid = info->ppid;
    m->context = info->context;
    m->refs = 0;
    m->sid = info->sid;
    m->flags = info->flags;
    memset(&m->pr, 0, sizeof(m->pr));
    memcpy(m->data, data, len);
    sstream *s = &q->streams[info->sid];
    if (s->tail)
        s->tail->next = m;
    else
        s->head = m;
    s->tail = m;
    s->queued += m->len;
    q->total += m->len;
    q->nmsgs++;
    rr_add(q, info->sid);
    return 0;
}

static smsg *unlink_head(sendq *q, sstream *s)
{
    smsg *m = s->head;
    s->head = m->next;
    if (!s->head)
        s->tail = NULL;
    m->next = NULL;
    q->nmsgs--;
    return m;
}

smsg *sendq_pop_if(sendq *q, int (*ok)(void *ctx, const smsg *head), void *ctx)
{
    for (uint32_t k = 0, n = q->rr_count; k < n; k++) {
        uint16_t sid = q->rr[q->rr_head];
        q->rr_head = (q->rr_head + 1) % q->nstreams;
        q->rr_count--;
        sstream *s = &q->streams[sid];
        s->in_rr = 0;
        if (!s->head)
            continue;
        if (!ok(ctx, s->head)) {
            rr_add(q, sid); /* its turn comes again after the others */
            continue;
        }
        smsg *m = unlink_head(q, s);
        if (s->head)
            rr_add(q, sid);
        return m;
    }
    return NULL;
}

static int take_any(void *ctx, const smsg *head)
{
    (void)ctx;
    (void)head;
    return 1;
}

smsg *sendq_pop(sendq *q)
{
    return sendq_pop_if(q, take_any, NULL);
}

void sendq_release(sendq *q, uint16_t sid, uint32_t bytes)
{
    sstream *s = &q->streams[sid];
    if (bytes > s->queued)
        bytes = s->queued; /* never underflow, even on a caller bug */
    s->queued -= bytes;
    q->total -= bytes;
}

smsg *sendq_drain(sendq *q)
{
    for (uint16_t sid = 0; q->nmsgs && sid < q->nstreams; sid++) {
        sstream *s = &q->streams[sid];
        if (s->head) {
            smsg *m = unlink_head(q, s);
            sendq_release(q, sid, m->len);
            return m;
        }
    }
    return NULL;
}

int sendq_info(const sendq *q, uint32_t *limit, uint32_t *total, uint32_t *per_stream,
               uint32_t cap, uint32_t *nstreams)
{
    if (nstreams)
        *nstreams = q->nstreams;
    /* The limit applies to new messages; lowered below what is queued already, it is
     * reported as what is queued until the queue has drained to it, so that total <= limit
     * holds in every snapshot (SCTP_SQINFO). */
    if (limit)
        *limit = q->total > q->limit ? (uint32_t)q->total : q->limit;
    if (total)
        *total = (uint32_t)q->total;
    if (per_stream) {
        if (cap < q->nstreams)
            return MPSCTP_ERR_NOBUFS;
        for (uint16_t s = 0; s < q->nstreams; s++)
            per_stream[s] = q->streams ? q->streams[s].queued : 0;
    }
    return 0;
}

smsg *sendq_set_streams(sendq *q, uint16_t n)
{
    smsg *failed = NULL, **tail = &failed;
    if (n == 0)
        n = 1;
    if (n > q->alloc)
        n = q->alloc;
    if (!q->streams) {
        q->nstreams = n;
        return NULL;
    }
    for (uint16_t sid = n; sid < q->nstreams; sid++) {
        sstream *s = &q->streams[sid];
        while (s->head) {
            smsg *m = unlink_head(q, s);
            sendq_release(q, sid, m->len);
            *tail = m;
            tail = &m->next;
        }
    }
    q->nstreams = n;
    /* Rebuild the scheduler ring over the streams that remain. */
    q->rr_head = q->rr_count = 0;
    for (uint16_t sid = 0; sid < n; sid++) {
        q->streams[sid].in_rr = 0;
        if (q->streams[sid].head)
            rr_add(q, sid);
    }
    return failed;
}

void sendq_msg_free(sendq *q, smsg *m)
{
    if (m)
        pool_put(q->pool, m, sizeof(*m) + m->len);
}

int sendq_remove(sendq *q, smsg *m)
{
    if (!q->streams || m->sid >= q->nstreams)
        return -1;
    sstream *s = &q->streams[m->sid];
    smsg *prev = NULL;
    for (smsg *x = s->head; x; prev = x, x = x->next) {
        if (x != m)
            continue;
        if (prev)
            prev->next = m->next;
        else
            s->head = m->next;
        if (s->tail == m)
            s->tail = prev;
        m->next = NULL;
        q->nmsgs--;
        sendq_release(q, m->sid, m->len);
        return 0; /* a stream left empty stays on the ring: sendq_pop_if skips it */
    }
    return -1;
}

void sendq_each(const sendq *q, void (*fn)(void *ctx, smsg *m), void *ctx)
{
    for (uint16_t sid = 0; q->streams && q->nmsgs && sid < q->nstreams; sid++)
        for (smsg *m = q->streams[sid].head; m; m = m->next)
            fn(ctx, m);
}
