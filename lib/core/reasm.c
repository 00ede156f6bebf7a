/* Receiver-side reassembly, ordering, read queue and partial delivery. */
#include <stdlib.h>
#include <string.h>

#include "reasm.h"
#include "wire.h"

int reasm_init(reasm *r, uint16_t nstreams, uint32_t initial_tsn, uint32_t pd_point)
{
    memset(r, 0, sizeof(*r));
    r->cap = 256;
    r->base = initial_tsn;
    r->pd_point = pd_point ? pd_point : 1;
    r->nstreams = nstreams;
    r->ring = calloc(r->cap, sizeof(*r->ring));
    r->streams = calloc(nstreams ? nstreams : 1, sizeof(*r->streams));
    if (!r->ring || !r->streams) {
        reasm_free(r);
        return MPSCTP_ERR_NOMEM;
    }
    return 0;
}

static void msg_free(reasm *r, rmsg *m)
{
    for (rfrag *f = m->head, *n; f; f = n) {
        n = f->next;
        r->held -= f->len + REASM_CHUNK_OVERHEAD;
        free(f);
    }
    free(m);
}

void reasm_free(reasm *r)
{
    if (r->ring) {
        for (uint32_t i = 0; i < r->cap; i++) {
            free(r->ring[i]);
        }
    }
    if (r->streams) {
        for (uint16_t s = 0; s < r->nstreams; s++) {
            for (rmsg *m = r->streams[s].hold, *n; m; m = n) {
                n = m->next;
                msg_free(r, m);
            }
        }
    }
    for (rmsg *m = r->rq_head, *n; m; m = n) {
        n = m->next;
        msg_free(r, m);
    }
    free(r->ring);
    free(r->streams);
    memset(r, 0, sizeof(*r));
}

static inline rfrag **slot(reasm *r, uint32_t tsn)
{
    return &r->ring[tsn & (r->cap - 1)];
}

static inline rfrag *at(reasm *r, uint32_t tsn)
{
    if (tsn_lt(tsn, r->base) || tsn - r->base >= r->cap)
        return NULL;
    return *slot(r, tsn);
}

static int grow(reasm *r, uint32_t need)
{
    uint32_t n = r->cap;
    while (n <= need)
        n <<= 1;
    rfrag **nr = calloc(n, sizeof(*nr));
    if (!nr)
        return MPSCTP_ERR_NOMEM;
    for (uint32_t i = 0; i < r->cap; i++) {
        rfrag *f = r->ring[i];
        if (f)
            nr[f->tsn & (n - 1)] = f;
    }
    free(r->ring);
    r->ring = nr;
    r->cap = n;
    return 0;
}

/* Keeps base <= every held TSN. Slots are indexed by (tsn & (cap-1)), so base moves
 * without re-placing anything; the ring covers TSNs base .. base+cap-1. */
static void advance_base(reasm *r, uint32_t cum)
{
    while (tsn_le(r->base, cum) && !at(r, r->base) &&
           !(r->pd && r->base == r->pd_next_tsn))
        r->base++;
}

static void rq_append(reasm *r, rmsg *m)
{
    m->next = NULL;
    if (r->rq_tail)
        r->rq_tail->next = m;
    else
        r->rq_head = m;
    r->rq_tail = m;
    for (rfrag *f = m->head; f; f = f->next)
        r->rq_bytes += f->len - f->off;
}

/* RFC 9260 s6.6: unordered messages go to the reader at once; ordered ones in SSN order. */
static void deliver(reasm *r, rmsg *m)
{
    if (m->flags & MPSCTP_UNORDERED) {
        rq_append(r, m);
        return;
    }
    rstream *s = &r->streams[m->sid];
    if (m->ssn != s->next_ssn) {
        rmsg **pp = &s->hold;
        while (*pp && ssn_lt((*pp)->ssn, m->ssn))
            pp = &(*pp)->next;
        m->next = *pp;
        *pp = m;
        return;
    }
    rq_append(r, m);
    s->next_ssn++;
    while (s->hold && s->hold->ssn == s->next_ssn) {
        rmsg *h = s->hold;
        s->hold = h->next;
        rq_append(r, h);
        s->next_ssn++;
    }
}

/* Moves the fragments first..last out of the ring into message m (appending). */
static void take_run(reasm *r, rmsg *m, uint32_t first, uint32_t last)
{
    for (uint32_t t = first;; t++) {
        rfrag **sp = slot(r, t);
        rfrag *f = *sp;
        *sp = NULL;
        r->ring_bytes -= f->len;
        f->next = NULL;
        if (m->tail)
            m->tail->next = f;
        else
            m->head = f;
        m->tail = f;
        if (f->flags & SCTP_DATA_E)
            m->complete = 1;
        if (t == last)
            break;
    }
}

static rmsg *msg_new(const rfrag *first)
{
    rmsg *m = calloc(1, sizeof(*m));
    if (!m)
        return NULL;
    m->tsn = first->tsn;
    m->ppid = first->ppid;
    m->sid = first->sid;
    m->ssn = first->ssn;
    m->flags = (first->flags & SCTP_DATA_U) ? MPSCTP_UNORDERED : 0;
    return m;
}

/* If the fragment at tsn now closes a B..E run, builds the message and delivers it. */
static int try_complete(reasm *r, uint32_t tsn)
{
    rfrag *f = at(r, tsn);
    /* A run can only end in E if this fragment is E or its successor is present. */
    if (!(f->flags & SCTP_DATA_E) && !at(r, tsn + 1))
        return 0;
    uint32_t first = tsn, last = tsn;
    while (!(at(r, first)->flags & SCTP_DATA_B)) {
        if (!at(r, first - 1) || first == r->base)
            return 0;
        first--;
    }
    while (!(at(r, last)->flags & SCTP_DATA_E)) {
        rfrag *n = at(r, last + 1);
        if (!n || (n->flags & SCTP_DATA_B))
            return 0;
        last++;
    }
    rmsg *m = msg_new(at(r, first));
    if (!m)
        return MPSCTP_ERR_NOMEM;
    take_run(r, m, first, last);
    deliver(r, m);
    return 0;
}

/* Appends the fragments that continue the message under partial delivery. */
static void pd_extend(reasm *r)
{
    rmsg *m = r->pd;
    uint32_t last = r->pd_next_tsn;
    rfrag *f = at(r, last);
    if (!f || (f->flags & SCTP_DATA_B))
        return;
    while (!(f->flags & SCTP_DATA_E)) {
        rfrag *n = at(r, last + 1);
        if (!n || (n->flags & SCTP_DATA_B))
            break;
        f = n;
        last++;
    }
    uint32_t first = r->pd_next_tsn;
    rfrag *old_tail = m->tail;
    take_run(r, m, first, last);
    for (rfrag *g = old_tail ? old_tail->next : m->head; g; g = g->next)
        r->rq_bytes += g->len;
    r->pd_next_tsn = last + 1;
    if (m->complete)
        r->pd = NULL;
}

/* Starts partial delivery of the oldest message when the ring holds pd_point bytes or
 * more and that message is next in line for its stream. */
static int pd_try(reasm *r)
{
    if (r->pd || r->ring_bytes < r->pd_point)
        return 0;
    rfrag *f = at(r, r->base);
    if (!f || !(f->flags & SCTP_DATA_B))
        return 0;
    if (!(f->flags & SCTP_DATA_U) && f->ssn != r->streams[f->sid].next_ssn)
        return 0;
    uint32_t last = r->base;
    while (!(at(r, last)->flags & SCTP_DATA_E)) {
        rfrag *n = at(r, last + 1);
        if (!n || (n->flags & SCTP_DATA_B))
            break;
        last++;
    }
    rmsg *m = msg_new(f);
    if (!m)
        return MPSCTP_ERR_NOMEM;
    take_run(r, m, r->base, last);
    if (!m->complete) {
        r->pd = m;
        r->pd_next_tsn = last + 1;
    }
    deliver(r, m);
    return 0;
}

int reasm_add(reasm *r, const sctp_data *d, uint32_t cum)
{
    if (tsn_lt(d->tsn, r->base))
        return 0; /* already consumed: cannot happen for a new TSN */
    uint32_t off = d->tsn - r->base;
    if (off >= r->cap) {
        int e = grow(r, off);
        if (e)
            return e;
    }
    rfrag *f = malloc(sizeof(*f) + d->len);
    if (!f)
        return MPSCTP_ERR_NOMEM;
    f->next = NULL;
    f->tsn = d->tsn;
    f->ppid = d->ppid;
    f->len = (uint32_t)d->len;
    f->off = 0;
    f->sid = d->sid;
    f->ssn = d->ssn;
    f->flags = d->flags;
    memcpy(f->data, d->payload, d->len);
    rfrag **sp = slot(r, d->tsn);
    free(*sp); /* defensive: the caller never passes a TSN twice */
    *sp = f;
    r->ring_bytes += f->len;
    r->held += f->len + REASM_CHUNK_OVERHEAD;

    int e;
    if (r->pd && d->tsn == r->pd_next_tsn) {
        pd_extend(r);
        e = 0;
    } else {
        e = try_complete(r, d->tsn);
    }
    if (!e)
        e = pd_try(r);
    advance_base(r, cum);
    return e;
}

ssize_t reasm_read(reasm *r, void *buf, size_t cap, mpsctp_rcvinfo *info, int *eor)
{
    rmsg *m = r->rq_head;
    *eor = 0;
    if (!m || !m->head || (m->head->off == m->head->len && !m->head->next && !m->complete))
        return MPSCTP_ERR_WOULDBLOCK;
    if (info) {
        info->sid = m->sid;
        info->ssn = m->ssn;
        info->flags = m->flags;
        info->ppid = m->ppid;
        info->tsn = m->tsn;
    }
    size_t n = 0;
    uint8_t *out = buf;
    while (n < cap && m->head) {
        rfrag *f = m->head;
        size_t k = f->len - f->off;
        if (k > cap - n)
            k = cap - n;
        memcpy(out + n, f->data + f->off, k);
        f->off += (uint32_t)k;
        n += k;
        r->rq_bytes -= k;
        if (f->off < f->len)
            break;
        if (!f->next && !m->complete)
            break; /* keep the last fragment of a partial message as the tail */
        m->head = f->next;
        if (!m->head)
            m->tail = NULL;
        r->held -= f->len + REASM_CHUNK_OVERHEAD;
        free(f);
    }
    if (!m->head && m->complete) {
        *eor = 1;
        r->rq_head = m->next;
        if (!r->rq_head)
            r->rq_tail = NULL;
        free(m);
    }
    if (n == 0)
        return MPSCTP_ERR_WOULDBLOCK;
    return (ssize_t)n;
}
