/* I-DATA (RFC 8260 s2): message ids on the sender, reassembly by message on the
 * receiver (idata.h). */
#include <stdlib.h>
#include <string.h>

#include "idata.h"

#include "pool.h"
#include "wire.h"

#define TAB_MIN 16u
#define ALLOC_OVERHEAD 24u /* an allocation's header and rounding */

static inline uint32_t mkey(uint16_t sid, uint8_t u, uint32_t mid, uint32_t salt)
{
    uint32_t k = (mid ^ salt) * 0x9E3779B1u;
    k ^= ((uint32_t)sid << 1 | u) * 0x85EBCA77u;
    k ^= k >> 15;
    k *= 0xC2B2AE35u;
    k ^= k >> 13;
    return k;
}

int idata_setup(idata_state *x, uint16_t os, uint16_t is, uint32_t salt)
{
    /* Only tables: fragments are gone with the reassembly state they were charged to. */
    for (uint32_t i = 0; x->tab && i < x->cap; i++)
        for (idata_msg *m = x->tab[i], *n; m; m = n) {
            n = m->hnext;
            free(m);
        }
    free(x->tab);
    free(x->tx_mid);
    free(x->rx_mid);
    memset(x, 0, sizeof(*x));
    x->salt = salt;
    x->cap = TAB_MIN;
    x->tab = calloc(x->cap, sizeof(*x->tab));
    x->tx_mid = calloc(2u * (os ? os : 1), sizeof(*x->tx_mid));
    x->rx_mid = calloc(is ? is : 1, sizeof(*x->rx_mid));
    x->tx_n = os;
    x->rx_n = is;
    if (!x->tab || !x->tx_mid || !x->rx_mid) {
        free(x->tab);
        free(x->tx_mid);
        free(x->rx_mid);
        memset(x, 0, sizeof(*x));
        return MPSCTP_ERR_NOMEM;
    }
    return 0;
}

static void frag_put(reasm *r, rfrag *f)
{
    r->held -= reasm_cost(f->len);
    r->nfrags--;
    pool_put(r->pool, f, sizeof(*f) + f->len);
}

void idata_free(idata_state *x, reasm *r)
{
    for (uint32_t i = 0; x->tab && i < x->cap; i++)
        for (idata_msg *m = x->tab[i], *n; m; m = n) {
            n = m->hnext;
            for (rfrag *f = m->head, *fn; f; f = fn) {
                fn = f->next;
                frag_put(r, f);
            }
            r->held -= IDATA_MSG_CHARGE;
            free(m);
        }
    free(x->tab);
    free(x->tx_mid);
    free(x->rx_mid);
    memset(x, 0, sizeof(*x));
}

uint64_t idata_mem(const idata_state *x)
{
    return (uint64_t)x->count * (sizeof(idata_msg) + ALLOC_OVERHEAD) +
           (uint64_t)x->cap * sizeof(*x->tab) + idata_mem_fixed(x) -
           (uint64_t)TAB_MIN * sizeof(*x->tab);
}

uint64_t idata_mem_fixed(const idata_state *x)
{
    return (uint64_t)TAB_MIN * sizeof(*x->tab) + 2u * (uint64_t)x->tx_n * sizeof(*x->tx_mid) +
           (uint64_t)x->rx_n * sizeof(*x->rx_mid);
}

uint32_t idata_next_mid(idata_state *x, uint16_t sid, int unordered)
{
    if (sid >= x->tx_n)
        return 0;
    return x->tx_mid[2u * sid + (unordered ? 1u : 0u)]++;
}

/* ---- the table of messages in progress ------------------------------------------------ */

static idata_msg **slot(idata_state *x, uint16_t sid, uint8_t u, uint32_t mid)
{
    return &x->tab[mkey(sid, u, mid, x->salt) & (x->cap - 1)];
}

static idata_msg *find(idata_state *x, uint16_t sid, uint8_t u, uint32_t mid)
{
    for (idata_msg *m = *slot(x, sid, u, mid); m; m = m->hnext)
        if (m->mid == mid && m->sid == sid && m->u == u)
            return m;
    return NULL;
}

/* Re-places the records into a table of ncap slots: it grows past two records per slot
 * and shrinks below one per four, so that it stays within a slot per record beyond its
 * least size. */
static void resize(idata_state *x, uint32_t ncap)
{
    idata_msg **nt = calloc(ncap, sizeof(*nt));
    if (!nt)
        return; /* longer chains (or a larger table), still correct */
    for (uint32_t i = 0; i < x->cap; i++)
        for (idata_msg *m = x->tab[i], *n; m; m = n) {
            n = m->hnext;
            uint32_t h = mkey(m->sid, m->u, m->mid, x->salt) & (ncap - 1);
            m->hnext = nt[h];
            nt[h] = m;
        }
    free(x->tab);
    x->tab = nt;
    x->cap = ncap;
}

static void unlink_msg(idata_state *x, reasm *r, idata_msg *m)
{
    r->held -= IDATA_MSG_CHARGE;
    idata_msg **pp = slot(x, m->sid, m->u, m->mid);
    while (*pp != m)
        pp = &(*pp)->hnext;
    *pp = m->hnext;
    x->count--;
    free(m);
    if (x->cap > TAB_MIN && x->count < x->cap / 4)
        resize(x, x->cap / 2);
}

/* ---- delivery ------------------------------------------------------------------------- */

static int pressure(const reasm *r)
{
    return r->limit && r->held + r->limit / 8 >= r->limit;
}

/* Moves the run head..cend of m to the read queue as one piece. */
static void deliver_run(reasm *r, idata_msg *m)
{
    rfrag *first = m->head, *last = m->cend;
    m->head = last->next;
    if (!m->head)
        m->tail = NULL;
    for (rfrag *f = first;; f = f->next) {
        f->off = 0;
        f->end = NULL;
        f->ppid = m->ppid;
        f->ssn = (uint16_t)m->mid;
        if (r->map)
            tsnmap_set_nr(r->map, f->tsn);
        if (f == last)
            break;
    }
    if (!(last->flags & SCTP_DATA_E))
        last->flags |= RFRAG_BREAK; /* pieces of other messages may follow */
    last->next = NULL;
    if (r->rq_tail)
        r->rq_tail->next = first;
    else
        r->rq_head = first;
    r->rq_tail = last;
    r->rq_bytes += m->cbytes;
    m->next_fsn = last->fsn + 1;
    m->cend = NULL;
    m->cbytes = 0;
    m->pd = 1;
}

/* Delivers what m allows: returns 1 when m ended (and was freed). */
static int try_deliver(idata_state *x, reasm *r, idata_msg *m)
{
    if (!m->cend)
        return 0;
    if (!m->u && m->mid != x->rx_mid[m->sid])
        return 0; /* an earlier ordered message first */
    int ends = (m->cend->flags & SCTP_DATA_E) != 0;
    if (!ends && !m->pd && m->cbytes < r->pd_point && !pressure(r))
        return 0;
    deliver_run(r, m);
    if (!ends)
        return 0;
    if (!m->u)
        x->rx_mid[m->sid]++;
    unlink_msg(x, r, m);
    return 1;
}

/* Extends m's run of consecutive FSNs from next_fsn. */
static void extend(idata_msg *m)
{
    if (!m->cend) {
        if (!m->head || m->head->fsn != m->next_fsn)
            return;
        m->cend = m->head;
        m->cbytes = m->head->len;
    }
    while (m->cend->next && m->cend->next->fsn == m->cend->fsn + 1) {
        m->cend = m->cend->next;
        m->cbytes += m->cend->len;
    }
}

/* ---- adding ----------------------------------------------------------------------------- */

int idata_add(idata_state *x, reasm *r, const sctp_data *d)
{
    uint8_t u = (d->flags & SCTP_DATA_U) ? 1 : 0;
    int b = (d->flags & SCTP_DATA_B) != 0, e = (d->flags & SCTP_DATA_E) != 0;
    if (d->sid >= x->rx_n || (!b && d->fsn == 0))
        return MPSCTP_ERR_MALFORMED;
    if (!u && tsn_lt(d->mid, x->rx_mid[d->sid]))
        return MPSCTP_ERR_MALFORMED; /* that ordered message was delivered */
    idata_msg *m = find(x, d->sid, u, d->mid);
    if (m) {
        if ((b && m->has_b) || (e && m->has_e) || d->fsn < m->next_fsn ||
            (m->has_e && d->fsn > m->last_fsn) || (e && m->tail && m->tail->fsn > d->fsn))
            return MPSCTP_ERR_MALFORMED;
    }
    /* Where it goes: after the last fragment with a smaller FSN (arrival is mostly in
     * order, so the walk from the tail is short). */
    rfrag *prev = NULL;
    if (m) {
        rfrag *p = NULL;
        if (m->tail && m->tail->fsn < d->fsn) {
            prev = m->tail;
        } else {
            for (rfrag *f = m->head; f && f->fsn < d->fsn; f = f->next)
                p = f;
            rfrag *at = p ? p->next : m->head;
            if (at && at->fsn == d->fsn)
                return MPSCTP_ERR_MALFORMED; /* a second fragment with this FSN */
            prev = p;
        }
    }
    rfrag *f = pool_get(r->pool, sizeof(*f) + d->len);
    if (!f)
        return MPSCTP_ERR_NOMEM;
    if (!m) {
        m = calloc(1, sizeof(*m));
        if (!m) {
            pool_put(r->pool, f, sizeof(*f) + d->len);
            return MPSCTP_ERR_NOMEM;
        }
        m->sid = d->sid;
        m->u = u;
        m->mid = d->mid;
        if (x->count + 1 > 2 * x->cap)
            resize(x, 2 * x->cap);
        idata_msg **s = slot(x, d->sid, u, d->mid);
        m->hnext = *s;
        *s = m;
        x->count++;
        r->held += IDATA_MSG_CHARGE;
    }
    memset(f, 0, sizeof(*f));
    f->tsn = d->tsn;
    f->len = (uint32_t)d->len;
    f->sid = d->sid;
    f->mid = d->mid;
    f->fsn = d->fsn;
    f->flags = d->flags & (SCTP_DATA_B | SCTP_DATA_E | SCTP_DATA_U);
    memcpy(f->data, d->payload, d->len);
    r->held += reasm_cost(f->len);
    r->nfrags++;
    if (b) {
        m->has_b = 1;
        m->ppid = d->ppid;
    }
    if (e) {
        m->has_e = 1;
        m->last_fsn = d->fsn;
    }
    if (prev) {
        f->next = prev->next;
        prev->next = f;
    } else {
        f->next = m->head;
        m->head = f;
    }
    if (!f->next)
        m->tail = f;
    extend(m);
    /* Deliver m, then, while ordered messages complete, the next ones of its stream. */
    while (try_deliver(x, r, m) && !u) {
        m = find(x, d->sid, 0, x->rx_mid[d->sid]);
        if (!m)
            break;
    }
    return 0;
}
