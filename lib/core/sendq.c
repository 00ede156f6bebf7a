/* Sender-side per-stream message queues, and the active list the stream schedulers
 * (sched.h) order. */
#include <stdlib.h>
#include <string.h>

#include "sendq.h"

#include "pool.h"
#include "sched.h"

void sendq_init(sendq *q, uint16_t nstreams, uint32_t limit)
{
    memset(q, 0, sizeof(*q));
    if (nstreams == 0)
        nstreams = 1;
    q->nstreams = nstreams;
    q->alloc = nstreams;
    q->limit = limit;
    q->sched = &sched_rr;
    q->act_head = q->act_tail = SENDQ_NONE;
    q->cur = SENDQ_NONE;
}

/* The per-stream array comes with the first message (or stream value): an association
 * that never sends holds none. Returns 0 or MPSCTP_ERR_NOMEM. */
static int streams_alloc(sendq *q)
{
    if (q->streams)
        return 0;
    q->streams = calloc(q->alloc, sizeof(*q->streams));
    if (!q->streams)
        return MPSCTP_ERR_NOMEM;
    for (uint32_t s = 0; s < q->alloc; s++) {
        q->streams[s].act_prev = q->streams[s].act_next = SENDQ_NONE;
        q->streams[s].ss_value = q->sched->dflt;
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
    memset(q, 0, sizeof(*q));
    q->sched = &sched_rr;
    q->act_head = q->act_tail = q->cur = SENDQ_NONE;
}

void sendq_restart_ssn(sendq *q)
{
    for (uint16_t s = 0; q->streams && s < q->alloc; s++)
        q->streams[s].next_ssn = 0;
}

/* Unlinks stream sid from the active list (it stays marked active). */
static void act_unlink(sendq *q, uint16_t sid)
{
    sstream *s = &q->streams[sid];
    if (s->act_prev != SENDQ_NONE)
        q->streams[s->act_prev].act_next = s->act_next;
    else
        q->act_head = s->act_next;
    if (s->act_next != SENDQ_NONE)
        q->streams[s->act_next].act_prev = s->act_prev;
    else
        q->act_tail = s->act_prev;
    s->act_prev = s->act_next = SENDQ_NONE;
}

/* Links stream sid at the tail of the active list. */
static void act_append(sendq *q, uint16_t sid)
{
    sstream *s = &q->streams[sid];
    s->act_prev = q->act_tail;
    s->act_next = SENDQ_NONE;
    if (q->act_tail != SENDQ_NONE)
        q->streams[q->act_tail].act_next = sid;
    else
        q->act_head = sid;
    q->act_tail = sid;
}

/* Stream sid has a message: it joins the active list's tail unless it is on it. */
static void act_add(sendq *q, uint16_t sid)
{
    sstream *s = &q->streams[sid];
    if (s->active)
        return;
    s->active = 1;
    act_append(q, sid);
    if (q->sched->activate)
        q->sched->activate(q, sid);
}

static void act_remove(sendq *q, uint16_t sid)
{
    sstream *s = &q->streams[sid];
    if (!s->active)
        return;
    act_unlink(q, sid);
    s->active = 0;
}

void sched_to_tail(sendq *q, uint16_t sid)
{
    if (!q->streams[sid].active || q->act_tail == sid)
        return;
    act_unlink(q, sid);
    act_append(q, sid);
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
    m->seq = q->seq++;
    m->sid = info->sid;
    m->flags = info->flags;
    m->cut = m->mid = m->fsn = 0;
    m->failed = 0;
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
    act_add(q, info->sid);
    return 0;
}

/* Takes stream sid's head message; the stream leaves the active list when it was the
 * last. */
static smsg *unlink_head(sendq *q, uint16_t sid)
{
    sstream *s = &q->streams[sid];
    smsg *m = s->head;
    s->head = m->next;
    if (!s->head) {
        s->tail = NULL;
        act_remove(q, sid);
    }
    m->next = NULL;
    q->nmsgs--;
    return m;
}

smsg *sendq_pop_if(sendq *q, sendq_ok_fn ok, void *ctx)
{
    if (!q->nmsgs)
        return NULL;
    int sid = q->sched->pick(q, ok, ctx);
    if (sid < 0)
        return NULL;
    smsg *m = unlink_head(q, (uint16_t)sid);
    q->sched->sent(q, (uint16_t)sid, m->len);
    return m;
}

void sendq_packet_start(sendq *q)
{
    if (q->sched->packet_start)
        q->sched->packet_start(q);
}

int sendq_set_sched(sendq *q, uint32_t id)
{
    const sched_ops *ops = sched_by_id(id);
    if (!ops)
        return MPSCTP_ERR_INVAL;
    if (ops == q->sched)
        return 0; /* not a change: values and counts stay */
    q->sched = ops;
    q->cur = SENDQ_NONE;
    q->vtime = 0;
    for (uint32_t s = 0; q->streams && s < q->alloc; s++) {
        q->streams[s].ss_value = ops->dflt;
        q->streams[s].ss_key = 0;
    }
    return 0;
}

uint32_t sendq_get_sched(const sendq *q)
{
    return q->sched->id;
}

int sendq_set_value(sendq *q, uint16_t sid, uint16_t value)
{
    if (sid >= q->nstreams)
        return MPSCTP_ERR_STREAM;
    if (q->sched->check_value && q->sched->check_value(value) < 0)
        return MPSCTP_ERR_INVAL;
    if (streams_alloc(q))
        return MPSCTP_ERR_NOMEM;
    q->streams[sid].ss_value = value;
    return 0;
}

int sendq_get_value(const sendq *q, uint16_t sid, uint16_t *value)
{
    if (sid >= q->nstreams)
        return MPSCTP_ERR_STREAM;
    *value = q->streams ? q->streams[sid].ss_value : q->sched->dflt;
    return 0;
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

int sendq_pick(sendq *q, sendq_ok_fn ok, void *ctx)
{
    if (!q->nmsgs)
        return -1;
    return q->sched->pick(q, ok ? ok : take_any, ctx);
}

void sendq_served(sendq *q, uint16_t sid, uint32_t bytes)
{
    q->sched->sent(q, sid, bytes);
}

smsg *sendq_take_head(sendq *q, uint16_t sid)
{
    if (sid >= q->nstreams || !q->streams || !q->streams[sid].head)
        return NULL;
    return unlink_head(q, sid);
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
        if (q->streams[sid].head) {
            smsg *m = unlink_head(q, sid);
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
            smsg *m = unlink_head(q, sid);
            sendq_release(q, sid, m->len);
            *tail = m;
            tail = &m->next;
        }
    }
    q->nstreams = n;
    if (q->cur != SENDQ_NONE && q->cur >= n)
        q->cur = SENDQ_NONE;
    return failed;
}

void sendq_msg_free(sendq *q, smsg *m)
{
    if (m)
        pool_put(q->pool, m, sizeof(*m) + m->len);
}

/* ---- stream reconfiguration (RFC 6525) -------------------------------------------------- */

void sendq_reset_ssn(sendq *q, const uint16_t *sids, uint16_t n)
{
    if (!q->streams)
        return; /* no message yet: every SSN is still 0 */
    if (n == 0) {
        sendq_restart_ssn(q);
        return;
    }
    for (uint16_t i = 0; i < n; i++)
        if (sids[i] < q->alloc)
            q->streams[sids[i]].next_ssn = 0;
}

int sendq_grow(sendq *q, uint16_t n)
{
    if (n <= q->alloc)
        return 0;
    if (q->streams) {
        sstream *s = realloc(q->streams, (size_t)n * sizeof(*s));
        if (!s)
            return MPSCTP_ERR_NOMEM;
        q->streams = s;
        memset(s + q->alloc, 0, (size_t)(n - q->alloc) * sizeof(*s));
        /* new streams are idle, with the scheduler's default value (as streams_alloc) */
        for (uint32_t i = q->alloc; i < n; i++) {
            s[i].act_prev = s[i].act_next = SENDQ_NONE;
            s[i].ss_value = q->sched->dflt;
        }
    }
    q->alloc = n;
    return 0;
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
        if (!prev) {
            unlink_head(q, m->sid); /* a stream left empty leaves the active list */
        } else {
            prev->next = m->next;
            if (s->tail == m)
                s->tail = prev;
            m->next = NULL;
            q->nmsgs--;
        }
        sendq_release(q, m->sid, m->len);
        return 0;
    }
    return -1;
}

void sendq_each(const sendq *q, void (*fn)(void *ctx, smsg *m), void *ctx)
{
    for (uint16_t sid = 0; q->streams && q->nmsgs && sid < q->nstreams; sid++)
        for (smsg *m = q->streams[sid].head; m; m = m->next)
            fn(ctx, m);
}
