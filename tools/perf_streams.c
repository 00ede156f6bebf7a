/* mpsctp-perf: per-stream counts, SCTP_SQINFO readings and samples, and the stream choice
 * of the SQINFO-driven sender (perf_streams.h). */
#define _GNU_SOURCE
#include "perf_streams.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <mpsctp/socket.h>

/* ---- per-stream counts -------------------------------------------------------------- */

int streams_add(stream_count *c, uint32_t sid, uint64_t bytes, uint64_t msgs)
{
    if (sid >= c->cap) {
        uint32_t cap = c->cap ? c->cap : 16;
        while (cap <= sid)
            cap *= 2;
        uint64_t *b = realloc(c->bytes, cap * sizeof(*b));
        if (!b)
            return -1;
        c->bytes = b;
        uint64_t *m = realloc(c->messages, cap * sizeof(*m));
        if (!m)
            return -1;
        c->messages = m;
        memset(b + c->cap, 0, (cap - c->cap) * sizeof(*b));
        memset(m + c->cap, 0, (cap - c->cap) * sizeof(*m));
        c->cap = cap;
    }
    if (sid >= c->n)
        c->n = sid + 1;
    c->bytes[sid] += bytes;
    c->messages[sid] += msgs;
    return 0;
}

void streams_free(stream_count *c)
{
    free(c->bytes);
    free(c->messages);
    memset(c, 0, sizeof(*c));
}

void streams_print(FILE *f, const stream_count *c, double secs, const char *prefix, int json)
{
    if (json) {
        /* arrays indexed by stream: keys of their own, so that the object's "bytes",
         * "messages" and "goodput_bps" stay the only ones of those names */
        static const char *const keys[] = {"stream_bytes", "stream_messages", "stream_goodput_bps"};
        for (int k = 0; k < 3; k++) {
            fprintf(f, "%s\"%s\":[", k ? "," : "", keys[k]);
            for (uint32_t s = 0; s < c->n; s++) {
                if (k == 2)
                    fprintf(f, "%s%.0f", s ? "," : "",
                            secs > 0 ? (double)c->bytes[s] * 8 / secs : 0.0);
                else
                    fprintf(f, "%s%" PRIu64, s ? "," : "", k ? c->messages[s] : c->bytes[s]);
            }
            fprintf(f, "]");
        }
        return;
    }
    for (uint32_t s = 0; s < c->n; s++) {
        if (!c->bytes[s] && !c->messages[s])
            continue;
        fprintf(f, "%sstream %" PRIu32 ": %" PRIu64 " bytes, %" PRIu64 " messages, %.2f Mbit/s\n",
                prefix, s, c->bytes[s], c->messages[s],
                secs > 0 ? (double)c->bytes[s] * 8 / secs / 1e6 : 0.0);
    }
}

/* ---- SCTP_SQINFO -------------------------------------------------------------------- */

int sq_init(sq_snap *s, uint32_t nstreams)
{
    memset(s, 0, sizeof(*s));
    s->cap = nstreams ? nstreams : 1;
    s->q = calloc(s->cap, sizeof(uint32_t));
    if (!s->q) {
        errno = ENOMEM;
        return -1;
    }
    return 0;
}

void sq_free(sq_snap *s)
{
    free(s->q);
    memset(s, 0, sizeof(*s));
}

int sq_read(int sd, sq_snap *s)
{
    size_t size = sizeof(struct sctp_sndqueueinfo) + (size_t)s->cap * sizeof(uint32_t);
    struct sctp_sndqueueinfo *si = calloc(1, size);
    if (!si) {
        errno = ENOMEM;
        return -1;
    }
    socklen_t len = (socklen_t)size;
    if (mpsctp_getsockopt(sd, IPPROTO_SCTP, SCTP_SQINFO, si, &len) < 0) {
        int e = errno;
        free(si);
        errno = e;
        return -1;
    }
    s->limit = si->sq_queue_limit;
    s->total = si->sq_total_queued;
    s->n = si->sq_number_of_streams < s->cap ? si->sq_number_of_streams : s->cap;
    memcpy(s->q, si->sq_queued_on_stream, (size_t)s->n * sizeof(uint32_t));
    free(si);
    return 0;
}

static void sq_entries(FILE *f, const uint32_t *q, uint32_t n, int json)
{
    for (uint32_t i = 0; i < n; i++) {
        if (json)
            fprintf(f, "%s%" PRIu32, i ? "," : "", q[i]);
        else
            fprintf(f, "%ss%" PRIu32 " %" PRIu32, i ? ", " : "", i, q[i]);
    }
}

void sq_print(FILE *f, const sq_snap *s, uint32_t shown, int json)
{
    uint32_t n = shown < s->n ? shown : s->n;
    if (json) {
        fprintf(f, "\"sqinfo\":{\"limit\":%" PRIu32 ",\"total\":%" PRIu32 ",\"queued\":[",
                s->limit, s->total);
        sq_entries(f, s->q, n, 1);
        fprintf(f, "]}");
        return;
    }
    fprintf(f, "sqinfo %" PRIu32 "/%" PRIu32 " queued: ", s->total, s->limit);
    sq_entries(f, s->q, n, 0);
}

void sq_log_init(sq_log *l, uint32_t shown)
{
    memset(l, 0, sizeof(*l));
    pthread_mutex_init(&l->lock, NULL);
    l->shown = shown;
}

int sq_log_add(sq_log *l, double t, const sq_snap *s)
{
    pthread_mutex_lock(&l->lock);
    int rc = 0;
    if (l->n == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 64;
        sq_sample *ns = realloc(l->s, cap * sizeof(*ns));
        if (ns)
            l->s = ns;
        uint32_t *nq = ns ? realloc(l->q, (cap * l->shown + 1) * sizeof(*nq)) : NULL;
        if (nq) {
            l->q = nq;
            l->cap = cap;
        } else {
            rc = -1;
        }
    }
    if (rc == 0) {
        l->s[l->n] = (sq_sample){t, s->limit, s->total};
        uint32_t *q = l->q + l->n * l->shown;
        for (uint32_t i = 0; i < l->shown; i++)
            q[i] = i < s->n ? s->q[i] : 0;
        l->n++;
    }
    pthread_mutex_unlock(&l->lock);
    return rc;
}

void sq_log_print(FILE *f, sq_log *l, const char *prefix, int json)
{
    pthread_mutex_lock(&l->lock);
    if (json) {
        fprintf(f, "\"sqinfo_samples\":[");
        for (size_t i = 0; i < l->n; i++) {
            fprintf(f, "%s{\"t\":%.3f,\"limit\":%" PRIu32 ",\"total\":%" PRIu32 ",\"queued\":[",
                    i ? "," : "", l->s[i].t, l->s[i].limit, l->s[i].total);
            sq_entries(f, l->q + i * l->shown, l->shown, 1);
            fprintf(f, "]}");
        }
        fprintf(f, "]");
    } else if (l->n) {
        uint32_t max = 0;
        for (size_t i = 0; i < l->n; i++)
            if (l->s[i].total > max)
                max = l->s[i].total;
        fprintf(f, "%ssqinfo: %zu samples, at most %" PRIu32 " of %" PRIu32 " bytes queued\n",
                prefix, l->n, max, l->s[l->n - 1].limit);
    }
    pthread_mutex_unlock(&l->lock);
}

void sq_log_free(sq_log *l)
{
    free(l->s);
    free(l->q);
    pthread_mutex_destroy(&l->lock);
    memset(l, 0, sizeof(*l));
}

/* ---- the SQINFO-driven sender ------------------------------------------------------- */

/* est from a fresh reading; the share from its limit */
static int sched_refresh(sq_sched *q, int sd)
{
    if (sq_read(sd, &q->snap) < 0)
        return -1;
    q->reads++;
    q->share = q->snap.limit / q->k;
    for (uint32_t s = 0; s < q->k; s++)
        q->est[s] = s < q->snap.n ? q->snap.q[s] : 0;
    return 0;
}

int sq_sched_init(sq_sched *q, int sd, uint32_t k, uint32_t nstreams)
{
    memset(q, 0, sizeof(*q));
    q->k = k;
    q->est = calloc(k, sizeof(uint64_t));
    if (!q->est || sq_init(&q->snap, nstreams > k ? nstreams : k) < 0) {
        free(q->est);
        q->est = NULL;
        errno = ENOMEM;
        return -1;
    }
    if (sched_refresh(q, sd) < 0) {
        int e = errno;
        sq_sched_free(q);
        errno = e;
        return -1;
    }
    return 0;
}

void sq_sched_free(sq_sched *q)
{
    free(q->est);
    sq_free(&q->snap);
    memset(q, 0, sizeof(*q));
}

static int sched_eligible(sq_sched *q)
{
    for (uint32_t i = 0; i < q->k; i++) {
        uint32_t s = (q->next + i) % q->k;
        if (q->est[s] < q->share) {
            q->next = (s + 1) % q->k;
            return (int)s;
        }
    }
    return -1;
}

int sq_sched_pick(sq_sched *q, int sd, unsigned wait_us, int (*stop)(void))
{
    int s = sched_eligible(q);
    while (s < 0) {
        /* every stream at its share by the estimate: what has been acknowledged since? */
        if (sched_refresh(q, sd) < 0)
            return -1;
        s = sched_eligible(q);
        if (s >= 0)
            break;
        if (stop && stop())
            return -2;
        struct timespec ts = {0, (long)wait_us * 1000};
        nanosleep(&ts, NULL);
    }
    return s;
}

void sq_sched_wrote(sq_sched *q, uint32_t s, uint32_t len)
{
    if (s < q->k)
        q->est[s] += len;
}
