/* Deterministic two-endpoint harness for the protocol tests (see pair.h). */
#include "pair.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crc32c.h"

#define PAIR_BUF 9000

static void *xrealloc(void *p, size_t n)
{
    void *q = realloc(p, n);
    if (!q) {
        fprintf(stderr, "pair: out of memory\n");
        abort();
    }
    return q;
}

/* splitmix64 */
uint64_t pair_rand(uint64_t *s)
{
    uint64_t z = (*s += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

void pair_random_bytes(void *user, void *buf, size_t len)
{
    uint8_t *b = buf;
    for (size_t i = 0; i < len; i += 8) {
        uint64_t v = pair_rand(user);
        size_t n = len - i < 8 ? len - i : 8;
        memcpy(b + i, &v, n);
    }
}

static void side_random(void *user, void *buf, size_t len)
{
    pair_side *s = user;
    pair_random_bytes(&s->rng, buf, len);
}

void pair_settings(mpsctp_settings *s, int side)
{
    mpsctp_settings_default(s);
    s->local_port = side == PAIR_A ? PAIR_PORT_A : PAIR_PORT_B;
}

static void side_open(pair *p, int side)
{
    pair_side *s = &p->s[side];
    mpsctp_callbacks cb;
    memset(&cb, 0, sizeof(cb));
    cb.user = s;
    cb.random = side_random;
    s->rng = p->seed * 1000003u + (uint64_t)side * 7919u + p->restarts * 104729u + 1;
    s->ep = mpsctp_endpoint_new(&s->cfg, &cb);
    if (!s->ep) {
        fprintf(stderr, "pair: endpoint_new failed\n");
        abort();
    }
    mpsctp_endpoint_add_addr(s->ep, &s->addr);
    if (side == PAIR_B)
        mpsctp_endpoint_listen(s->ep, 1);
    s->assoc = NULL;
    s->nassocs = 0;
}

void pair_init(pair *p, uint64_t seed, const mpsctp_settings *a, const mpsctp_settings *b)
{
    memset(p, 0, sizeof(*p));
    p->seed = seed;
    p->delay = MS(10);
    p->now = SEC(1); /* not zero: a zero time would hide "unset" bugs */
    for (int i = 0; i < 2; i++) {
        pair_side *s = &p->s[i];
        const mpsctp_settings *cfg = i == PAIR_A ? a : b;
        if (cfg)
            s->cfg = *cfg;
        else
            pair_settings(&s->cfg, i);
        mpsctp_addr_v4(&s->addr, i == PAIR_A ? PAIR_IP_A : PAIR_IP_B, PAIR_UDP);
        s->auto_read = 1;
        side_open(p, i);
    }
}

void pair_free(pair *p)
{
    for (int i = 0; i < 2; i++) {
        mpsctp_endpoint_free(p->s[i].ep);
        for (size_t k = 0; k < p->s[i].nev; k++)
            free((void *)p->s[i].ev[k].ev.streams);
        free(p->s[i].ev);
        free(p->s[i].rx);
        free(p->s[i].msg);
    }
    for (pair_pkt *k = p->flight, *n; k; k = n) {
        n = k->next;
        free(k);
    }
    for (size_t i = 0; i < p->nwire; i++)
        free(p->wire[i]);
    free(p->wire);
    memset(p, 0, sizeof(*p));
}

void pair_restart_endpoint(pair *p, int side)
{
    pair_side *s = &p->s[side];
    mpsctp_endpoint_free(s->ep);
    p->restarts++;
    side_open(p, side);
}

static void note_assoc(pair_side *s, mpsctp_assoc *a)
{
    if (!a)
        return;
    for (int i = 0; i < s->nassocs; i++)
        if (s->assocs[i] == a)
            return;
    if (s->nassocs < PAIR_MAX_ASSOCS)
        s->assocs[s->nassocs++] = a;
    if (!s->assoc)
        s->assoc = a;
}

static void collect_side(pair *p, int side)
{
    pair_side *s = &p->s[side];
    mpsctp_event ev;
    while (mpsctp_endpoint_next_event(s->ep, &ev) == 1) {
        if (s->nev == s->evcap) {
            s->evcap = s->evcap ? 2 * s->evcap : 64;
            s->ev = xrealloc(s->ev, s->evcap * sizeof(*s->ev));
        }
        if (ev.streams && ev.nstreams) {
            /* A reconfiguration event's stream list lives only until the next event:
             * the log keeps a copy. */
            uint16_t *l = xrealloc(NULL, ev.nstreams * sizeof(*l));
            memcpy(l, ev.streams, ev.nstreams * sizeof(*l));
            ev.streams = l;
        } else {
            ev.streams = NULL;
        }
        s->ev[s->nev].ev = ev;
        s->ev[s->nev].t = p->now;
        s->nev++;
        if (ev.type == MPSCTP_EV_ASSOC_CHANGE &&
            (ev.state == MPSCTP_COMM_UP || ev.state == MPSCTP_RESTART))
            note_assoc(s, ev.assoc);
    }
}

void pair_collect(pair *p)
{
    collect_side(p, PAIR_A);
    collect_side(p, PAIR_B);
}

mpsctp_assoc *pair_connect(pair *p, int from)
{
    pair_side *s = &p->s[from];
    const pair_side *o = &p->s[1 - from];
    mpsctp_assoc *a = NULL;
    if (mpsctp_endpoint_connect(s->ep, &o->addr, 1, o->cfg.local_port, p->now, &a) != 0)
        return NULL;
    note_assoc(s, a);
    if (s->assoc != a && s->assoc == NULL)
        s->assoc = a;
    collect_side(p, from);
    return a;
}

static int addr_side(const pair *p, const mpsctp_addr *a)
{
    mpsctp_addr f;
    mpsctp_addr_v4(&f, PAIR_IP_FAKE, PAIR_UDP);
    for (int i = 0; i < 2; i++) {
        if (a->family == p->s[i].addr.family && memcmp(a->ip, p->s[i].addr.ip, 4) == 0)
            return i;
        if (p->s[i].has_addr2 && a->family == p->s[i].addr2.family &&
            memcmp(a->ip, p->s[i].addr2.ip, 4) == 0)
            return i;
    }
    if (a->family == f.family && memcmp(a->ip, f.ip, 4) == 0)
        return PAIR_FAKE;
    return PAIR_NOWHERE;
}

static pair_pkt *pkt_new(pair *p, int from, const uint8_t *buf, size_t n,
                         const mpsctp_addr *l, const mpsctp_addr *r)
{
    pair_pkt *k = xrealloc(NULL, sizeof(*k) + n);
    memset(k, 0, sizeof(*k));
    k->sent = p->now;
    k->arrive = p->now + p->delay;
    k->seq = p->seq++;
    k->from = from;
    k->to = addr_side(p, r);
    k->src = *l;
    k->dst = *r;
    k->len = n;
    memcpy(k->data, buf, n);
    return k;
}

static pair_pkt *pkt_copy(const pair_pkt *k)
{
    pair_pkt *c = xrealloc(NULL, sizeof(*c) + k->len);
    memcpy(c, k, sizeof(*c) + k->len);
    c->next = NULL;
    return c;
}

static void wire_log(pair *p, pair_pkt *k)
{
    if (p->nwire == p->wirecap) {
        p->wirecap = p->wirecap ? 2 * p->wirecap : 256;
        p->wire = xrealloc(p->wire, p->wirecap * sizeof(*p->wire));
    }
    p->wire[p->nwire++] = k;
}

static void flight_insert(pair *p, pair_pkt *k)
{
    pair_pkt **pp = &p->flight;
    while (*pp && ((*pp)->arrive < k->arrive ||
                   ((*pp)->arrive == k->arrive && (*pp)->seq < k->seq)))
        pp = &(*pp)->next;
    k->next = *pp;
    *pp = k;
}

static void route(pair *p, int from, const uint8_t *buf, size_t n, const mpsctp_addr *l,
                  const mpsctp_addr *r)
{
    pair_pkt *w = pkt_new(p, from, buf, n, l, r);
    wire_log(p, w);
    pair_pkt *f = pkt_copy(w);
    int verdict = p->hook ? p->hook(p, f) : PAIR_PASS;
    if (verdict == PAIR_DROP || f->to == PAIR_FAKE || f->to == PAIR_NOWHERE) {
        w->dropped = verdict == PAIR_DROP || f->to == PAIR_NOWHERE;
        free(f);
        return;
    }
    if (verdict == PAIR_DUP) {
        pair_pkt *d = pkt_copy(f);
        d->seq = p->seq++;
        flight_insert(p, d);
    }
    flight_insert(p, f);
}

static void flush_side(pair *p, int side)
{
    static uint8_t buf[PAIR_BUF];
    mpsctp_addr l, r;
    for (int guard = 0; guard < 100000; guard++) {
        ssize_t n = mpsctp_endpoint_send(p->s[side].ep, buf, sizeof(buf), &l, &r, p->now);
        if (n <= 0)
            break;
        route(p, side, buf, (size_t)n, &l, &r);
    }
    collect_side(p, side);
}

void pair_flush(pair *p)
{
    flush_side(p, PAIR_A);
    flush_side(p, PAIR_B);
    /* Replies to the other side may have produced more output. */
    flush_side(p, PAIR_A);
}

static void read_side(pair *p, int side)
{
    pair_side *s = &p->s[side];
    static uint8_t buf[1 << 17];
    for (int i = 0; i < s->nassocs; i++) {
        mpsctp_assoc *a = s->assocs[i];
        for (;;) {
            mpsctp_rcvinfo info;
            int eor = 0;
            ssize_t n = mpsctp_assoc_recv(a, buf, sizeof(buf), &info, &eor, p->now);
            if (n <= 0)
                break;
            if (s->rxlen + (size_t)n > s->rxcap) {
                s->rxcap = (s->rxlen + (size_t)n) * 2;
                s->rx = xrealloc(s->rx, s->rxcap);
            }
            memcpy(s->rx + s->rxlen, buf, (size_t)n);
            if (s->nmsg == s->msgcap) {
                s->msgcap = s->msgcap ? 2 * s->msgcap : 256;
                s->msg = xrealloc(s->msg, s->msgcap * sizeof(*s->msg));
            }
            pair_msg *m = &s->msg[s->nmsg++];
            m->sid = info.sid;
            m->flags = info.flags;
            m->ppid = info.ppid;
            m->len = (uint32_t)n;
            m->off = s->rxlen;
            m->t = p->now;
            s->rxlen += (size_t)n;
            if (!eor) {
                /* Partial read: glue the rest onto this record. */
                for (;;) {
                    n = mpsctp_assoc_recv(a, buf, sizeof(buf), &info, &eor, p->now);
                    if (n <= 0)
                        break;
                    if (s->rxlen + (size_t)n > s->rxcap) {
                        s->rxcap = (s->rxlen + (size_t)n) * 2;
                        s->rx = xrealloc(s->rx, s->rxcap);
                    }
                    memcpy(s->rx + s->rxlen, buf, (size_t)n);
                    s->rxlen += (size_t)n;
                    m = &s->msg[s->nmsg - 1];
                    m->len += (uint32_t)n;
                    if (eor)
                        break;
                }
                if (!eor)
                    break;
            }
        }
    }
}

int pair_step(pair *p, uint64_t until)
{
    if (p->stuck)
        return 0;
    pair_flush(p);
    uint64_t t = MPSCTP_TSTAMP_NEVER;
    if (p->flight)
        t = p->flight->arrive;
    for (int i = 0; i < 2; i++) {
        uint64_t d = mpsctp_endpoint_deadline(p->s[i].ep);
        if (d < t)
            t = d;
    }
    if (t == MPSCTP_TSTAMP_NEVER || t > until) {
        if (until != MPSCTP_TSTAMP_NEVER && until > p->now)
            p->now = until;
        return 0;
    }
    if (t > p->now) {
        p->now = t;
        p->same_time_steps = 0;
    } else if (++p->same_time_steps > 20000) {
        fprintf(stderr, "pair: time does not advance at %.6f s (seed %llu)\n",
                (double)p->now / 1e9, (unsigned long long)p->seed);
        p->stuck = 1;
        return 0;
    }
    while (p->flight && p->flight->arrive <= p->now) {
        pair_pkt *k = p->flight;
        p->flight = k->next;
        pair_side *s = &p->s[k->to];
        int rc = mpsctp_endpoint_recv(s->ep, k->data, k->len, &k->dst, &k->src, p->now);
        if (rc < 0)
            s->recv_errors++;
        collect_side(p, k->to);
        free(k);
    }
    for (int i = 0; i < 2; i++) {
        if (mpsctp_endpoint_deadline(p->s[i].ep) <= p->now) {
            mpsctp_endpoint_timeout(p->s[i].ep, p->now);
            collect_side(p, i);
        }
    }
    pair_flush(p);
    for (int i = 0; i < 2; i++)
        if (p->s[i].auto_read)
            read_side(p, i);
    pair_flush(p);
    return 1;
}

void pair_pump(pair *p, uint64_t dur)
{
    uint64_t until = p->now + dur;
    while (pair_step(p, until))
        ;
}

int pair_pump_until(pair *p, uint64_t dur, int (*cond)(pair *, void *), void *arg)
{
    uint64_t until = p->now + dur;
    pair_flush(p);
    while (!cond(p, arg)) {
        if (!pair_step(p, until))
            return cond(p, arg);
    }
    return 1;
}

int pair_cond_up(pair *p, void *arg)
{
    (void)arg;
    return pair_count_ev(p, PAIR_A, MPSCTP_EV_ASSOC_CHANGE, MPSCTP_COMM_UP) > 0 &&
           pair_count_ev(p, PAIR_B, MPSCTP_EV_ASSOC_CHANGE, MPSCTP_COMM_UP) > 0;
}

size_t pair_count_ev(const pair *p, int side, int type, int state)
{
    size_t n = 0;
    const pair_side *s = &p->s[side];
    for (size_t i = 0; i < s->nev; i++)
        if ((int)s->ev[i].ev.type == type && (state < 0 || (int)s->ev[i].ev.state == state))
            n++;
    return n;
}

size_t pair_count_ev_since(const pair *p, int side, int type, int state, uint64_t since)
{
    size_t n = 0;
    const pair_side *s = &p->s[side];
    for (size_t i = 0; i < s->nev; i++)
        if (s->ev[i].t >= since && (int)s->ev[i].ev.type == type &&
            (state < 0 || (int)s->ev[i].ev.state == state))
            n++;
    return n;
}

const pair_ev *pair_find_ev(const pair *p, int side, int type, int state)
{
    const pair_side *s = &p->s[side];
    for (size_t i = 0; i < s->nev; i++)
        if ((int)s->ev[i].ev.type == type && (state < 0 || (int)s->ev[i].ev.state == state))
            return &s->ev[i];
    return NULL;
}

int pair_chunks(const uint8_t *pkt, size_t len, sctp_tlv *out, int max)
{
    const uint8_t *q = pkt, *end = pkt + len;
    sctp_common h;
    if (codec_common_decode(&q, end, &h))
        return 0;
    int n = 0;
    while (q < end) {
        sctp_tlv c;
        if (codec_chunk_decode(&q, end, &c))
            break;
        if (n < max && out)
            out[n] = c;
        n++;
    }
    return n;
}

int pair_find_chunk(const uint8_t *pkt, size_t len, uint8_t type, sctp_tlv *out)
{
    sctp_tlv c[64];
    int n = pair_chunks(pkt, len, c, 64);
    for (int i = 0; i < n && i < 64; i++) {
        if (c[i].type == type) {
            if (out)
                *out = c[i];
            return 1;
        }
    }
    return 0;
}

int pair_find_param(const sctp_tlv *c, size_t skip, uint16_t type, sctp_tlv *out)
{
    if (skip > c->vlen)
        return 0;
    const uint8_t *q = c->value + skip, *end = c->value + c->vlen;
    while (q < end) {
        sctp_tlv t;
        if (codec_param_decode(&q, end, &t))
            return 0;
        if (t.type == type) {
            if (out)
                *out = t;
            return 1;
        }
    }
    return 0;
}

uint32_t pair_pkt_vtag(const pair_pkt *k)
{
    return k->len >= 8 ? get32(k->data + 4) : 0;
}

static int wire_match(const pair_pkt *k, int from, int type, uint64_t since)
{
    if (from >= 0 && k->from != from)
        return 0;
    if (k->sent < since)
        return 0;
    return type < 0 || pair_find_chunk(k->data, k->len, (uint8_t)type, NULL);
}

size_t pair_wire_count(const pair *p, int from, int type, uint64_t since)
{
    size_t n = 0;
    for (size_t i = 0; i < p->nwire; i++)
        n += (size_t)wire_match(p->wire[i], from, type, since);
    return n;
}

pair_pkt *pair_wire_nth(const pair *p, int from, int type, uint64_t since, size_t n)
{
    for (size_t i = 0; i < p->nwire; i++)
        if (wire_match(p->wire[i], from, type, since) && n-- == 0)
            return p->wire[i];
    return NULL;
}

static const char *side_name(int s)
{
    static const char *const n[] = {"A", "B", "fake", "?"};
    return s >= 0 && s <= 3 ? n[s] : "?";
}

void pair_dump(const pair *p, size_t n)
{
    size_t start = p->nwire > n ? p->nwire - n : 0;
    fprintf(stderr, "  last %zu of %zu packets:\n", p->nwire - start, p->nwire);
    for (size_t i = start; i < p->nwire; i++) {
        const pair_pkt *k = p->wire[i];
        sctp_tlv c[8];
        int nc = pair_chunks(k->data, k->len, c, 8);
        fprintf(stderr, "  %10.3f %s->%s vtag %08x len %4zu%s:", (double)k->sent / 1e9,
                side_name(k->from), side_name(k->to), pair_pkt_vtag(k), k->len,
                k->dropped ? " DROPPED" : "");
        for (int j = 0; j < nc && j < 8; j++)
            fprintf(stderr, " %s(%02x)", codec_chunk_name((uint8_t)c[j].type), c[j].flags);
        fprintf(stderr, "\n");
    }
}

int pair_inject(pair *p, int to, uint8_t *pkt, size_t len, const mpsctp_addr *from_addr)
{
    static crc32c_fn crc;
    if (!crc)
        crc = crc32c_select();
    sctp_checksum_set(crc, pkt, len);
    const pair_side *o = &p->s[1 - to];
    int rc = mpsctp_endpoint_recv(p->s[to].ep, pkt, len, &p->s[to].addr,
                                  from_addr ? from_addr : &o->addr, p->now);
    collect_side(p, to);
    return rc;
}

size_t pair_take(pair *p, int side, pair_pkt **out, size_t max)
{
    static uint8_t buf[PAIR_BUF];
    mpsctp_addr l, r;
    size_t n = 0;
    for (int guard = 0; guard < 10000; guard++) {
        ssize_t len = mpsctp_endpoint_send(p->s[side].ep, buf, sizeof(buf), &l, &r, p->now);
        if (len <= 0)
            break;
        pair_pkt *k = pkt_new(p, side, buf, (size_t)len, &l, &r);
        k->dropped = 1; /* never delivered */
        wire_log(p, k);
        if (out && n < max)
            out[n] = k;
        n++;
    }
    collect_side(p, side);
    return n;
}

mpsctp_assoc_status pair_status(const mpsctp_assoc *a)
{
    mpsctp_assoc_status st;
    memset(&st, 0, sizeof(st));
    if (a)
        mpsctp_assoc_status_get(a, &st);
    return st;
}

/* ---- scripted peer ----------------------------------------------------------------- */

int pair_fake_connect(pair *p, pair_fake *f, uint16_t os, uint16_t mis)
{
    return pair_fake_connect_addrs(p, f, os, mis, NULL, 0);
}

int pair_fake_connect_addrs(pair *p, pair_fake *f, uint16_t os, uint16_t mis,
                            const mpsctp_addr *addrs, size_t naddrs)
{
    return pair_fake_connect_from(p, f, PAIR_IP_FAKE, os, mis, addrs, naddrs);
}

static int fake_connect(pair *p, pair_fake *f, const mpsctp_addr *from, uint16_t os,
                        uint16_t mis, const mpsctp_addr *addrs, size_t naddrs, int nr_sack);

int pair_fake_connect_from(pair *p, pair_fake *f, uint32_t ip, uint16_t os, uint16_t mis,
                           const mpsctp_addr *addrs, size_t naddrs)
{
    mpsctp_addr from;
    mpsctp_addr_v4(&from, ip, PAIR_UDP);
    return pair_fake_connect_at(p, f, &from, os, mis, addrs, naddrs);
}

int pair_fake_connect_opts(pair *p, pair_fake *f, uint32_t ip, uint16_t os, uint16_t mis,
                           const mpsctp_addr *addrs, size_t naddrs, int nr_sack)
{
    mpsctp_addr from;
    mpsctp_addr_v4(&from, ip, PAIR_UDP);
    return fake_connect(p, f, &from, os, mis, addrs, naddrs, nr_sack);
}

int pair_fake_connect_at(pair *p, pair_fake *f, const mpsctp_addr *from, uint16_t os,
                         uint16_t mis, const mpsctp_addr *addrs, size_t naddrs)
{
    return fake_connect(p, f, from, os, mis, addrs, naddrs, 0);
}

static int fake_connect(pair *p, pair_fake *f, const mpsctp_addr *from, uint16_t os,
                        uint16_t mis, const mpsctp_addr *addrs, size_t naddrs, int nr_sack)
{
    memset(f, 0, sizeof(*f));
    f->addr = *from;
    f->port = PAIR_PORT_A;
    f->my_tag = 0x5a5a0000u ^ (uint32_t)(p->seed * 2654435761u) ^ 0x1234u;
    if (!f->my_tag)
        f->my_tag = 1;
    f->next_tsn = 0x10000000u + (uint32_t)p->seed;
    uint8_t b[1500];
    wbuf w;
    wbuf_init(&w, b, sizeof(b));
    codec_common_encode(&w, f->port, PAIR_PORT_B, 0);
    size_t off = codec_init_begin(&w, SCTP_INIT, f->my_tag, 1u << 20, os, mis, f->next_tsn);
    for (size_t i = 0; i < naddrs; i++) {
        if (addrs[i].family == MPSCTP_AF_INET)
            codec_param_put(&w, SCTP_P_IPV4, addrs[i].ip, 4);
        else
            codec_param_put(&w, SCTP_P_IPV6, addrs[i].ip, 16);
    }
    if (nr_sack & (1 | PAIR_EXT_IDATA)) {
        uint8_t types[2];
        size_t nt = 0;
        if (nr_sack & 1)
            types[nt++] = SCTP_NR_SACK;
        if (nr_sack & PAIR_EXT_IDATA)
            types[nt++] = SCTP_IDATA;
        codec_param_put(&w, SCTP_P_SUPPORTED_EXTENSIONS, types, nt);
    }
    if (nr_sack & PAIR_FAKE_PR)
        codec_param_put(&w, SCTP_P_FORWARD_TSN_SUPPORTED, NULL, 0);
    codec_chunk_end(&w, off);
    if (pair_inject(p, PAIR_B, b, w.len, &f->addr) != 0)
        return -1;
    pair_pkt *k[4];
    if (pair_take(p, PAIR_B, k, 4) != 1)
        return -1;
    sctp_tlv c, cookie;
    sctp_init in;
    if (!pair_find_chunk(k[0]->data, k[0]->len, SCTP_INIT_ACK, &c) ||
        codec_init_decode(&c, &in) || pair_pkt_vtag(k[0]) != f->my_tag)
        return -1;
    f->peer_tag = in.init_tag;
    f->b_itsn = in.init_tsn;
    if (!pair_find_param(&c, 16, SCTP_P_STATE_COOKIE, &cookie))
        return -1;
    wbuf_init(&w, b, sizeof(b));
    codec_common_encode(&w, f->port, PAIR_PORT_B, f->peer_tag);
    off = codec_chunk_begin(&w, SCTP_COOKIE_ECHO, 0);
    wbuf_put(&w, cookie.value, cookie.vlen);
    codec_chunk_end(&w, off);
    if (w.err || pair_inject(p, PAIR_B, b, w.len, &f->addr) != 0)
        return -1;
    if (pair_take(p, PAIR_B, k, 4) < 1 ||
        !pair_find_chunk(k[0]->data, k[0]->len, SCTP_COOKIE_ACK, NULL))
        return -1;
    /* The latest COMM_UP is this handshake's (a test may connect several fakes). */
    const pair_side *sb = &p->s[PAIR_B];
    const pair_ev *e = NULL;
    for (size_t i = 0; i < sb->nev; i++)
        if (sb->ev[i].ev.type == MPSCTP_EV_ASSOC_CHANGE && sb->ev[i].ev.state == MPSCTP_COMM_UP)
            e = &sb->ev[i];
    if (!e)
        return -1;
    f->assoc = e->ev.assoc;
    return 0;
}

int pair_fake_data(pair *p, const pair_fake *f, uint32_t tsn, uint16_t sid, uint16_t ssn,
                   const void *payload, size_t len)
{
    uint8_t b[1500];
    wbuf w;
    wbuf_init(&w, b, sizeof(b));
    codec_common_encode(&w, f->port, PAIR_PORT_B, f->peer_tag);
    codec_data_encode(&w, SCTP_DATA_B | SCTP_DATA_E, tsn, sid, ssn, 0, payload, len);
    if (w.err)
        return MPSCTP_ERR_INVAL;
    return pair_inject(p, PAIR_B, b, w.len, &f->addr);
}

int pair_fake_chunk(pair *p, const pair_fake *f, const mpsctp_addr *from, uint8_t type,
                    uint8_t flags, const void *v, size_t vlen)
{
    uint8_t b[PAIR_BUF];
    wbuf w;
    wbuf_init(&w, b, sizeof(b));
    codec_common_encode(&w, f->port, PAIR_PORT_B, f->peer_tag);
    size_t off = codec_chunk_begin(&w, type, flags);
    wbuf_put(&w, v, vlen);
    codec_chunk_end(&w, off);
    if (w.err)
        return MPSCTP_ERR_INVAL;
    return pair_inject(p, PAIR_B, b, w.len, from ? from : &f->addr);
}

int pair_fake_sack(pair *p, const pair_fake *f, uint32_t cum, uint32_t rwnd,
                   const uint32_t (*gaps)[2], size_t ng)
{
    uint8_t v[12 + 4 * 64];
    if (ng > 64)
        return MPSCTP_ERR_INVAL;
    put32(v, cum);
    put32(v + 4, rwnd);
    put16(v + 8, (uint16_t)ng);
    put16(v + 10, 0);
    for (size_t i = 0; i < ng; i++) {
        put16(v + 12 + 4 * i, (uint16_t)(gaps[i][0] - cum));
        put16(v + 14 + 4 * i, (uint16_t)(gaps[i][1] - cum));
    }
    return pair_fake_chunk(p, f, NULL, SCTP_SACK, 0, v, 12 + 4 * ng);
}

/* ---- data helpers ------------------------------------------------------------------ */

int pair_send_msg_ex(pair *p, mpsctp_assoc *a, uint32_t idx, uint16_t sid, size_t len,
                     uint16_t flags, const mpsctp_prinfo *pr)
{
    uint8_t *b = xrealloc(NULL, len ? len : 1);
    for (size_t i = 0; i < len; i++)
        b[i] = pair_pattern(idx, sid, i);
    mpsctp_sndinfo si;
    memset(&si, 0, sizeof(si));
    si.sid = sid;
    si.ppid = idx;
    si.context = idx;
    si.flags = flags;
    int rc = pr ? mpsctp_assoc_send_pr(a, b, len, &si, pr, p->now)
                : mpsctp_assoc_send(a, b, len, &si, p->now);
    free(b);
    return rc;
}

int pair_send_msg(pair *p, mpsctp_assoc *a, uint32_t idx, uint16_t sid, size_t len)
{
    return pair_send_msg_ex(p, a, idx, sid, len, 0, NULL);
}

int pair_verify_rx(const pair *p, int side, uint32_t n, char *why, size_t whylen)
{
    const pair_side *s = &p->s[side];
    if (s->nmsg != n) {
        snprintf(why, whylen, "side %d read %zu messages, expected %u", side, s->nmsg, n);
        return -1;
    }
    uint8_t *seen = calloc(n ? n : 1, 1);
    int64_t last[65536 / 64]; /* per-stream last ppid for sids below 1024 */
    for (size_t i = 0; i < sizeof(last) / sizeof(last[0]); i++)
        last[i] = -1;
    int rc = 0;
    for (size_t i = 0; i < s->nmsg && rc == 0; i++) {
        const pair_msg *m = &s->msg[i];
        if (m->ppid >= n || seen[m->ppid]) {
            snprintf(why, whylen, "message %zu: unexpected or repeated ppid %u", i, m->ppid);
            rc = -1;
            break;
        }
        seen[m->ppid] = 1;
        for (size_t j = 0; j < m->len; j++) {
            if (s->rx[m->off + j] != pair_pattern(m->ppid, m->sid, j)) {
                snprintf(why, whylen, "message ppid %u sid %u: byte %zu differs", m->ppid,
                         m->sid, j);
                rc = -1;
                break;
            }
        }
        if (rc == 0 && m->sid < sizeof(last) / sizeof(last[0]) &&
            !(m->flags & MPSCTP_UNORDERED)) {
            if ((int64_t)m->ppid < last[m->sid]) {
                snprintf(why, whylen, "stream %u: ppid %u after %lld (order)", m->sid,
                         m->ppid, (long long)last[m->sid]);
                rc = -1;
            }
            last[m->sid] = m->ppid;
        }
    }
    free(seen);
    return rc;
}

void pair_add_addr(pair *p, int side, uint32_t ip)
{
    pair_side *s = &p->s[side];
    mpsctp_addr_v4(&s->addr2, ip, PAIR_UDP);
    s->has_addr2 = 1;
    mpsctp_endpoint_add_addr(s->ep, &s->addr2);
}

void pair_read(pair *p, int side)
{
    read_side(p, side);
}
