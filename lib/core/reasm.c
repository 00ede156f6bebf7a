/* Receiver-side reassembly, ordering, read queue, partial delivery and renege. */
#include <stdlib.h>
#include <string.h>

#include "reasm.h"

#include "pool.h"
#include "wire.h"

/* Smallest index tables; a table grows past two entries per slot and shrinks below one
 * per two slots, so it never takes more than 16 bytes per entry beyond its minimum. The
 * minimum is small: an idle association keeps its tables at it. */
#define TIDX_MIN 8u
#define SIDX_MIN 8u
/* What an allocation costs beyond what was asked for (allocator header and rounding). */
#define ALLOC_OVERHEAD 24u

/* ---- hashing ------------------------------------------------------------------------ */

static inline uint32_t hash32(uint32_t k, uint32_t salt)
{
    k ^= salt;
    k *= 0x9E3779B1u;
    k ^= k >> 15;
    k *= 0x85EBCA77u;
    k ^= k >> 13;
    return k;
}

static inline uint32_t skey(uint16_t sid, uint16_t ssn)
{
    return (uint32_t)sid << 16 | ssn;
}

/* Re-places every entry of a chained table into a new one of ncap slots (a power of two);
 * the table stays as it is when memory runs out. */
static void rehash(rfrag ***tab, uint32_t *cap, uint32_t ncap, int by_ssn, uint32_t salt)
{
    rfrag **nt = calloc(ncap, sizeof(*nt));
    if (!nt) return;
    for (uint32_t i = 0; i < *cap; i++) {
        for (rfrag *f = (*tab)[i], *n; f; f = n) {
            n = by_ssn ? f->snext : f->hnext;
            uint32_t h = hash32(by_ssn ? skey(f->sid, f->ssn) : f->tsn, salt) & (ncap - 1);
            if (by_ssn) {
                f->snext = nt[h];
            } else {
                f->hnext = nt[h];
            }
            nt[h] = f;
        }
    }
    free(*tab);
    *tab = nt;
    *cap = ncap;
}

static rfrag *tidx_find(reasm *r, uint32_t tsn)
{
    for (rfrag *f = r->tidx[hash32(tsn, r->salt) & (r->tcap - 1)]; f; f = f->hnext) {
        r->probes++;
        if (f->tsn == tsn) return f;
    }
    return NULL;
}

static void tidx_put(reasm *r, rfrag *f)
{
    if (r->tcount + 1 > 2 * r->tcap) rehash(&r->tidx, &r->tcap, 2 * r->tcap, 0, r->salt);
    uint32_t h = hash32(f->tsn, r->salt) & (r->tcap - 1);
    f->hnext = r->tidx[h];
    r->tidx[h] = f;
    r->tcount++;
}

static void tidx_del(reasm *r, rfrag *f)
{
    rfrag **pp = &r->tidx[hash32(f->tsn, r->salt) & (r->tcap - 1)];
    while (*pp != f) {
        r->probes++;
        pp = &(*pp)->hnext;
    }
    *pp = f->hnext;
    f->hnext = NULL;
    r->tcount--;
    if (r->tcap > TIDX_MIN && r->tcount < r->tcap / 2)
        rehash(&r->tidx, &r->tcap, r->tcap / 2, 0, r->salt);
}

static rfrag *sidx_find(reasm *r, uint16_t sid, uint16_t ssn)
{
    uint32_t k = skey(sid, ssn);
    for (rfrag *f = r->sidx[hash32(k, r->salt) & (r->scap - 1)]; f; f = f->snext) {
        r->probes++;
        if (skey(f->sid, f->ssn) == k) return f;
    }
    return NULL;
}

static void sidx_put(reasm *r, rfrag *f)
{
    if (r->scount + 1 > 2 * r->scap) rehash(&r->sidx, &r->scap, 2 * r->scap, 1, r->salt);
    uint32_t h = hash32(skey(f->sid, f->ssn), r->salt) & (r->scap - 1);
    f->snext = r->sidx[h];
    r->sidx[h] = f;
    r->scount++;
}

static void sidx_del(reasm *r, rfrag *f)
{
    rfrag **pp = &r->sidx[hash32(skey(f->sid, f->ssn), r->salt) & (r->scap - 1)];
    while (*pp && *pp != f) {
        r->probes++;
        pp = &(*pp)->snext;
    }
    if (!*pp) return;
    *pp = f->snext;
    f->snext = NULL;
    r->scount--;
    if (r->scap > SIDX_MIN && r->scount < r->scap / 2)
        rehash(&r->sidx, &r->scap, r->scap / 2, 1, r->salt);
}

/* ---- lifecycle ------------------------------------------------------------------------ */

int reasm_init(reasm *r, uint16_t nstreams, uint32_t pd_point)
{
    memset(r, 0, sizeof(*r));
    r->pd_point = pd_point ? pd_point : 1;
    r->nstreams = nstreams;
    r->tcap = TIDX_MIN;
    r->scap = SIDX_MIN;
    r->tidx = calloc(r->tcap, sizeof(*r->tidx));
    r->sidx = calloc(r->scap, sizeof(*r->sidx));
    r->next_ssn = calloc(nstreams ? nstreams : 1, sizeof(*r->next_ssn));
    if (!r->tidx || !r->sidx || !r->next_ssn) {
        reasm_free(r);
        return MPSCTP_ERR_NOMEM;
    }
    return 0;
}

void reasm_attach(reasm *r, tsnmap *map, uint64_t limit, uint32_t salt)
{
    r->map = map;
    r->limit = limit;
    if (salt != r->salt) {
        /* Only an empty state is re-keyed (the association does it right after init). */
        r->salt = salt;
    }
}

static void frag_free(reasm *r, rfrag *f)
{
    r->held -= reasm_cost(f->len);
    r->nfrags--;
    pool_put(r->pool, f, sizeof(*f) + f->len);
}

void reasm_free(reasm *r)
{
    for (uint32_t i = 0; r->tidx && i < r->tcap; i++)
        for (rfrag *f = r->tidx[i], *n; f; f = n) {
            n = f->hnext;
            pool_put(r->pool, f, sizeof(*f) + f->len);
        }
    for (rfrag *f = r->rq_head, *n; f; f = n) {
        n = f->next;
        pool_put(r->pool, f, sizeof(*f) + f->len);
    }
    free(r->tidx);
    free(r->sidx);
    free(r->next_ssn);
    memset(r, 0, sizeof(*r));
}

uint64_t reasm_mem(const reasm *r)
{
    uint64_t payload = r->held - (uint64_t)r->nfrags * REASM_CHUNK_OVERHEAD;
    return payload + (uint64_t)r->nfrags * (sizeof(rfrag) + ALLOC_OVERHEAD) +
           ((uint64_t)r->tcap + r->scap) * sizeof(rfrag *) + (uint64_t)r->nstreams * 2;
}

uint64_t reasm_mem_fixed(const reasm *r)
{
    return ((uint64_t)TIDX_MIN + SIDX_MIN) * sizeof(rfrag *) + (uint64_t)r->nstreams * 2;
}

/* ---- delivery --------------------------------------------------------------------------- */

static inline int is_ordered(const rfrag *f)
{
    return !(f->flags & SCTP_DATA_U);
}

/* Close to the receive buffer limit: a next-in-line message starts partial delivery
 * whatever its size, or nothing could ever make room for the rest of it. */
static int pressure(const reasm *r)
{
    return r->limit && r->held + r->limit / 8 >= r->limit;
}

/* Takes the run first..first->end out of the index and puts it into the read queue after
 * `after` (NULL: at the tail). Its TSNs become non-renegable. */
static void take_run(reasm *r, rfrag *first, rfrag *after)
{
    rfrag *last = first->end;
    if (is_ordered(first) && (first->flags & SCTP_DATA_B)) sidx_del(r, first);
    r->rq_bytes += first->off;
    for (rfrag *f = first;; f = f->next) {
        tidx_del(r, f);
        f->end = NULL;
        f->off = 0;
        if (r->map) tsnmap_set_nr(r->map, f->tsn);
        if (f == last) break;
    }
    if (!after) after = r->rq_tail;
    if (after) {
        last->next = after->next;
        after->next = first;
    } else {
        last->next = NULL;
        r->rq_head = first;
    }
    if (!last->next) r->rq_tail = last;
}

/* Delivers the run starting at first (B): whole when complete, else as the start of a
 * partial delivery when it is large enough or the buffer is nearly full. Returns 1 when
 * it was delivered. */
static int deliver_or_start(reasm *r, rfrag *first)
{
    rfrag *last = first->end;
    if (last->flags & SCTP_DATA_E) {
        take_run(r, first, NULL);
        return 1;
    }
    if (r->pd_tail || (first->off < r->pd_point && !pressure(r))) return 0;
    take_run(r, first, NULL);
    r->pd_tail = last;
    r->pd_next_tsn = last->tsn + 1;
    return 1;
}

/* Delivers stream sid's messages in SSN order as far as they are there. */
static void deliver_ordered(reasm *r, uint16_t sid)
{
    for (;;) {
        rfrag *first = sidx_find(r, sid, r->next_ssn[sid]);
        if (!first || !deliver_or_start(r, first)) return;
        r->next_ssn[sid]++;
    }
}

/* The run starting at first continues the message under partial delivery. */
static void pd_append(reasm *r, rfrag *first)
{
    rfrag *last = first->end;
    take_run(r, first, r->pd_tail);
    r->pd_next_tsn = last->tsn + 1;
    r->pd_tail = (last->flags & SCTP_DATA_E) ? NULL : last;
}

/* A complete ordered message waits for an earlier one. Made while the buffer is at most
 * three quarters full, it is never taken back: NR-SACK says so and the sender frees it at
 * once. One made in the last quarter stays renegable until delivered: that quarter is the
 * room that lets a missing chunk in when a sender counts the window more loosely than we
 * do. Unfinished messages stay renegable too. */
static void commit_waiting(reasm *r, rfrag *first)
{
    if (!r->map || r->held + r->limit / 4 > r->limit) return;
    for (rfrag *f = first;; f = f->next) {
        tsnmap_set_nr(r->map, f->tsn);
        if (f == first->end) break;
    }
}

/* A run whose first fragment is `first` changed: deliver what can be delivered. */
static void run_changed(reasm *r, rfrag *first)
{
    if (r->pd_tail && first->tsn == r->pd_next_tsn) {
        pd_append(r, first);
        return;
    }
    if (!(first->flags & SCTP_DATA_B)) return;
    if (!is_ordered(first)) {
        deliver_or_start(r, first);
        return;
    }
    if (first->ssn == r->next_ssn[first->sid]) deliver_ordered(r, first->sid);
    if (first->end && (first->end->flags & SCTP_DATA_E)) commit_waiting(r, first);
}

/* The message that spans the cumulative TSN (its rest can only come next) is delivered
 * partially when it is next in line and large, or the buffer is nearly full: checked
 * after every change, since a partial delivery that just ended, or the buffer filling up
 * with other data, may be what lets it start. */
static void relieve(reasm *r, uint32_t cum)
{
    if (r->pd_tail) return;
    rfrag *c = tidx_find(r, cum);
    if (!c || !c->end) return;
    rfrag *first = c->end; /* c is the last of its run: cum + 1 has not arrived */
    if (!(first->flags & SCTP_DATA_B)) return;
    if (!is_ordered(first))
        deliver_or_start(r, first);
    else if (first->ssn == r->next_ssn[first->sid])
        deliver_ordered(r, first->sid);
}

/* ---- adding ----------------------------------------------------------------------------- */

/* Whether tsn arrived before (at or below the cumulative TSN, or marked in the map). */
static int arrived(const reasm *r, uint32_t tsn)
{
    return r->map && tsnmap_check(r->map, tsn) == 0;
}

/* Whether b may continue a (same stream, ordering and, ordered, SSN). */
static int same_message(const rfrag *a, const rfrag *b)
{
    return a->sid == b->sid && (a->flags & SCTP_DATA_U) == (b->flags & SCTP_DATA_U) &&
           (!is_ordered(a) || a->ssn == b->ssn);
}

/* RFC 9260 s6.9: checks fragment f against its neighbours. left/right: the fragments
 * at tsn - 1 and tsn + 1 still waiting (NULL if none). Returns 0 when f fits. */
static int check_neighbours(const reasm *r, const rfrag *f, const rfrag *left,
                            const rfrag *right)
{
    int b = (f->flags & SCTP_DATA_B) != 0, e = (f->flags & SCTP_DATA_E) != 0;
    if (left) {
        /* An unfinished fragment must be continued; a finished one must not be. */
        if ((left->flags & SCTP_DATA_E) ? !b : (b || !same_message(left, f))) return -1;
    } else if (r->pd_tail && f->tsn == r->pd_next_tsn) {
        if (b || !same_message(r->pd_tail, f)) return -1;
    } else if (arrived(r, f->tsn - 1) && !b) {
        return -1; /* the fragment before was delivered: it ended its message */
    }
    if (right) {
        if (e ? !(right->flags & SCTP_DATA_B)
              : ((right->flags & SCTP_DATA_B) || !same_message(f, right)))
            return -1;
    } else if (arrived(r, f->tsn + 1) && !e) {
        return -1; /* the fragment after was delivered: it began a message */
    }
    return 0;
}

int reasm_add(reasm *r, const sctp_data *d, uint32_t cum)
{
    rfrag *left = tidx_find(r, d->tsn - 1), *right = tidx_find(r, d->tsn + 1);
    rfrag *f = pool_get(r->pool, sizeof(*f) + d->len);
    if (!f) return MPSCTP_ERR_NOMEM;
    memset(f, 0, sizeof(*f));
    f->tsn = d->tsn;
    f->ppid = d->ppid;
    f->len = (uint32_t)d->len;
    f->sid = d->sid;
    f->ssn = d->ssn;
    f->flags = d->flags & (SCTP_DATA_B | SCTP_DATA_E | SCTP_DATA_U);
    memcpy(f->data, d->payload, d->len);
    int starts = (f->flags & SCTP_DATA_B) && is_ordered(f);
    if (check_neighbours(r, f, left, right) ||
        (starts && sidx_find(r, f->sid, f->ssn) != NULL)) {
        pool_put(r->pool, f, sizeof(*f) + f->len);
        return MPSCTP_ERR_MALFORMED;
    }
    tidx_put(r, f);
    r->held += reasm_cost(f->len);
    r->nfrags++;
    if (starts) sidx_put(r, f);
    /* Link into runs: [left's run] f [right's run]. */
    rfrag *first = f;
    f->end = f;
    f->off = f->len;
    if (left && !(left->flags & SCTP_DATA_E)) {
        first = left->end;
        if (left != first) left->end = NULL;
        left->next = f;
        first->off += f->len;
        first->end = f;
        f->end = first;
    }
    if (right && !(f->flags & SCTP_DATA_E)) {
        rfrag *last = right->end;
        first->off += right->off;
        if (right != last) right->end = NULL;
        if (f != first) f->end = NULL;
        f->next = right;
        first->end = last;
        last->end = first;
    }
    run_changed(r, first);
    relieve(r, cum);
    return 0;
}

/* ---- renege ------------------------------------------------------------------------------ */

uint32_t reasm_renege(reasm *r, uint32_t above, uint64_t need)
{
    uint32_t n = 0;
    while (r->map && r->held + need > r->limit) {
        uint32_t t;
        if (!tsnmap_highest_renegable(r->map, above, &t)) break;
        rfrag *f = tidx_find(r, t);
        if (!f || !f->end) {
            /* Arrived and renegable but not waiting here: nothing to free; never again
             * a candidate. */
            tsnmap_set_nr(r->map, t);
            continue;
        }
        /* f is the last of its run: a fragment above it in the same run would be
         * renegable too (only complete runs are committed), and higher. */
        rfrag *first = f->end;
        if (first == f) {
            if (is_ordered(f) && (f->flags & SCTP_DATA_B)) sidx_del(r, f);
        } else {
            rfrag *prev = tidx_find(r, t - 1);
            prev->next = NULL;
            if (prev != first) prev->end = first;
            first->end = prev;
            first->off -= f->len;
        }
        tidx_del(r, f);
        tsnmap_unmark(r->map, t);
        frag_free(r, f);
        n++;
    }
    return n;
}

/* ---- reading ----------------------------------------------------------------------------- */

ssize_t reasm_read(reasm *r, void *buf, size_t cap, mpsctp_rcvinfo *info, int *eor)
{
    rfrag *f = r->rq_head;
    *eor = 0;
    if (!f || (f->off == f->len && f == r->pd_tail)) return MPSCTP_ERR_WOULDBLOCK;
    if (f->flags & SCTP_DATA_B)
        r->rd_tsn = f->tsn; /* a message's TSN is its first fragment's */
    if (info) {
        info->sid = f->sid;
        info->ssn = f->ssn;
        info->flags = (f->flags & SCTP_DATA_U) ? MPSCTP_UNORDERED : 0;
        info->ppid = f->ppid;
        info->tsn = r->rd_tsn;
    }
    size_t n = 0;
    uint8_t *out = buf;
    while (n < cap && f) {
        size_t k = f->len - f->off;
        if (k > cap - n) k = cap - n;
        memcpy(out + n, f->data + f->off, k);
        f->off += (uint32_t)k;
        n += k;
        r->rq_bytes -= k;
        if (f->off < f->len || f == r->pd_tail)
            break; /* the last fragment so far of a partial message stays as its anchor */
        int end = (f->flags & SCTP_DATA_E) != 0, brk = (f->flags & RFRAG_BREAK) != 0;
        r->rq_head = f->next;
        if (!r->rq_head) r->rq_tail = NULL;
        frag_free(r, f);
        if (end) {
            *eor = 1;
            break;
        }
        if (brk)
            break;
        f = r->rq_head;
    }
    if (n == 0 && !*eor) return MPSCTP_ERR_WOULDBLOCK;
    return (ssize_t)n;
}

size_t reasm_next_len(const reasm *r)
{
    size_t n = 0;
    for (const rfrag *f = r->rq_head; f; f = f->next) {
        n += f->len - f->off;
        if ((f->flags & (SCTP_DATA_E | RFRAG_BREAK)) || f == r->pd_tail)
            break;
    }
    return n;
}

/* ---- stream reconfiguration (RFC 6525) -------------------------------------------------- */

void reasm_reset_streams(reasm *r, const uint16_t *sids, uint16_t n)
{
    uint32_t count = n ? n : r->nstreams;
    for (uint32_t i = 0; i < count; i++) {
        uint16_t sid = n ? sids[i] : (uint16_t)i;
        if (sid >= r->nstreams)
            continue;
        r->next_ssn[sid] = 0;
        /* A message of the new sequence may already wait. */
        deliver_ordered(r, sid);
    }
}

int reasm_grow(reasm *r, uint16_t n)
{
    if (n <= r->nstreams)
        return 0;
    uint16_t *s = realloc(r->next_ssn, (size_t)n * sizeof(*s));
    if (!s)
        return MPSCTP_ERR_NOMEM;
    memset(s + r->nstreams, 0, (size_t)(n - r->nstreams) * sizeof(*s));
    r->next_ssn = s;
    r->nstreams = n;
    return 0;
}

/* ---- FORWARD TSN (RFC 3758 s3.6) ---------------------------------------------------------- */

/* Whether f is the first fragment of its run (the last points back to it). */
static int run_first(const rfrag *f)
{
    return f->end && tsn_ge(f->end->tsn, f->tsn);
}

/* Drops the run starting at first; its TSNs above new_cum are forgotten by the map. */
static void drop_run(reasm *r, rfrag *first, uint32_t new_cum)
{
    rfrag *last = first->end;
    if (is_ordered(first) && (first->flags & SCTP_DATA_B)) sidx_del(r, first);
    for (rfrag *f = first, *n;; f = n) {
        n = f->next;
        int end = f == last;
        tidx_del(r, f);
        if (r->map && tsn_gt(f->tsn, new_cum)) tsnmap_unmark(r->map, f->tsn);
        frag_free(r, f);
        if (end) break;
    }
}

/* Whether the run starting at first is a whole message. */
static int run_complete(const rfrag *first)
{
    return (first->flags & SCTP_DATA_B) && (first->end->flags & SCTP_DATA_E);
}

/* Finds one unfinished run with a fragment at or below new_cum, or NULL. */
static rfrag *find_stale_run(const reasm *r, uint32_t new_cum)
{
    for (uint32_t i = 0; i < r->tcap; i++)
        for (rfrag *f = r->tidx[i]; f; f = f->hnext)
            if (run_first(f) && tsn_le(f->tsn, new_cum) && !run_complete(f)) return f;
    return NULL;
}

static int key_cmp(const void *x, const void *y)
{
    uint32_t a = *(const uint32_t *)x, b = *(const uint32_t *)y;
    return a < b ? -1 : a > b;
}

/* Index of the first key >= k in keys[0..n). */
static size_t key_lb(const uint32_t *keys, size_t n, uint64_t k)
{
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (keys[mid] < k) lo = mid + 1;
        else hi = mid;
    }
    return lo;
}

/* Delivers (or drops, unfinished) the waiting messages of stream sid whose SSNs lie in
 * keys[b..e) (ascending), those still waiting. */
static void flush_keys(reasm *r, const uint32_t *keys, size_t b, size_t e, uint32_t new_cum)
{
    for (size_t i = b; i < e; i++) {
        rfrag *first = sidx_find(r, (uint16_t)(keys[i] >> 16), (uint16_t)keys[i]);
        if (!first) continue;
        if (run_complete(first)) take_run(r, first, NULL);
        else drop_run(r, first, new_cum);
    }
}

int reasm_forward(reasm *r, uint32_t new_cum, const sctp_fwdtsn *fw, uint16_t *pd_sid,
                  uint16_t *pd_ssn)
{
    int aborted = 0;
    /* Unfinished messages reaching down to new_cum were abandoned. Their first fragments
     * are collected first: dropping changes the index being walked. */
    size_t cap = r->tcount, n = 0;
    rfrag **stale = cap ? malloc(cap * sizeof(*stale)) : NULL;
    if (stale) {
        for (uint32_t i = 0; i < r->tcap; i++)
            for (rfrag *f = r->tidx[i]; f; f = f->hnext)
                if (n < cap && run_first(f) && tsn_le(f->tsn, new_cum) && !run_complete(f))
                    stale[n++] = f;
        for (size_t i = 0; i < n; i++) drop_run(r, stale[i], new_cum);
        free(stale);
    } else {
        for (rfrag *f; (f = find_stale_run(r, new_cum)) != NULL;) drop_run(r, f, new_cum);
    }
    if (r->pd_tail && tsn_le(r->pd_next_tsn, new_cum)) {
        /* The rest of the message under partial delivery will never come: what arrived
         * ends it; when all of it has been read, the fragment kept as its anchor goes
         * (the reader has nothing more of it). */
        rfrag *t = r->pd_tail;
        *pd_sid = t->sid;
        *pd_ssn = t->ssn;
        r->pd_tail = NULL;
        aborted = 1;
        if (t == r->rq_head && t->off == t->len) {
            r->rq_head = t->next;
            if (!r->rq_head) r->rq_tail = NULL;
            frag_free(r, t);
        } else {
            t->flags |= SCTP_DATA_E;
        }
    }
    /* Ordered streams: skip to the SSNs listed, delivering what waits before them. The
     * waiting messages' keys are sorted once, so that each pair costs a binary search. */
    uint32_t *keys = NULL;
    size_t nk = 0;
    if (fw && fw->npairs && r->scount) {
        keys = malloc(r->scount * sizeof(*keys));
        for (uint32_t i = 0; keys && i < r->scap; i++)
            for (rfrag *f = r->sidx[i]; f && nk < r->scount; f = f->snext)
                keys[nk++] = skey(f->sid, f->ssn);
        if (keys) qsort(keys, nk, sizeof(*keys), key_cmp);
    }
    for (unsigned i = 0; fw && i < fw->npairs; i++) {
        uint16_t sid, ssn;
        codec_fwdtsn_pair(fw, i, &sid, &ssn);
        if (sid >= r->nstreams) continue; /* not one of our inbound streams: ignored */
        uint16_t nx = r->next_ssn[sid];
        if ((int16_t)(uint16_t)(ssn - nx) < 0) continue; /* already past it */
        if (keys) {
            size_t lo = key_lb(keys, nk, skey(sid, 0));
            size_t hi = key_lb(keys, nk, (uint64_t)skey(sid, 0xFFFF) + 1);
            size_t from = key_lb(keys, nk, skey(sid, nx));
            size_t to = key_lb(keys, nk, (uint64_t)skey(sid, ssn) + 1);
            if (nx <= ssn) {
                flush_keys(r, keys, from, to, new_cum);
            } else { /* the range wraps */
                flush_keys(r, keys, from, hi, new_cum);
                flush_keys(r, keys, lo, to, new_cum);
            }
        } else {
            /* No sorted keys (nothing waits, or no memory): walk the SSNs, at most as many
             * as messages wait plus one. */
            for (uint16_t s = nx, k = 0; k <= r->scount; s++, k++) {
                rfrag *first = sidx_find(r, sid, s);
                if (first) {
                    if (run_complete(first)) take_run(r, first, NULL);
                    else drop_run(r, first, new_cum);
                }
                if (s == ssn) break;
            }
        }
        r->next_ssn[sid] = (uint16_t)(ssn + 1);
        deliver_ordered(r, sid);
    }
    free(keys);
    relieve(r, r->map ? r->map->cum : new_cum);
    return aborted;
}
