/* Helpers shared by the libFuzzer harnesses and the seed generator: an input reader, a
 * deterministic random callback, checksum fix-up, a client/server pair of endpoints
 * connected in memory and the packet pump between them.
 *
 * Every input starts from endpoints in the same state: built afresh, or (fuzz_assoc,
 * fuzz_mem) restored from a copy saved before any input ran (fuzz_arena.h); nothing
 * input-dependent survives from one input to the next. The random callback is a
 * counter-based generator seeded from a constant, so the same input always produces the
 * same run. */
#ifndef MPSCTP_FUZZ_COMMON_H
#define MPSCTP_FUZZ_COMMON_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "assoc.h"
#include "codec.h"
#include "crc32c.h"
#include "mpsctp/mpsctp.h"

/* libFuzzer entry point (declared for -Wmissing-prototypes). */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FZ_CLIENT_PORT 5000
#define FZ_SERVER_PORT 5001
#define FZ_CLIENT_IP 0x0a000001u /* 10.0.0.1 */
#define FZ_SERVER_IP 0x0a000002u /* 10.0.0.2 */
#define FZ_OTHER_IP 0x0a000003u  /* 10.0.0.3: an address no association knows */
#define FZ_T0 (1000 * MPSCTP_NS_PER_MS) /* start time of every run */
#define FZ_PKT_CAP 65536                /* send buffer: above any MTU */

/* Aborts with a message: a harness invariant failed (libFuzzer reports it as a crash). */
#define FZ_CHECK(cond)                                                                    \
    do {                                                                                  \
        if (!(cond)) {                                                                    \
            fprintf(stderr, "fuzz invariant failed: %s (%s:%d)\n", #cond, __FILE__,       \
                    __LINE__);                                                            \
            abort();                                                                      \
        }                                                                                 \
    } while (0)

/* ---- input reader ------------------------------------------------------------------- */

typedef struct fz_in {
    const uint8_t *p, *end;
} fz_in;

/* Returns the number of unread bytes. */
static inline size_t fz_left(const fz_in *in)
{
    return (size_t)(in->end - in->p);
}

/* Returns the next byte, or 0 past the end. */
static inline uint8_t fz_u8(fz_in *in)
{
    return in->p < in->end ? *in->p++ : 0;
}

/* Returns the next big-endian 16-bit value (missing bytes read as 0). */
static inline uint16_t fz_u16(fz_in *in)
{
    uint16_t hi = fz_u8(in);
    return (uint16_t)((hi << 8) | fz_u8(in));
}

/* Takes up to want bytes; returns where they start and stores how many in *got. */
static inline const uint8_t *fz_take(fz_in *in, size_t want, size_t *got)
{
    size_t n = fz_left(in) < want ? fz_left(in) : want;
    const uint8_t *p = in->p;
    in->p += n;
    *got = n;
    return p;
}

/* Returns the harness's run state: n zeroed bytes allocated by the first call and kept
 * for the whole process (the core's callbacks point into it, so it must not move). */
static inline void *fz_run_state(void **slot, size_t n)
{
    if (!*slot) {
        *slot = calloc(1, n);
        FZ_CHECK(*slot != NULL);
    }
    return *slot;
}

/* ---- deterministic random callback -------------------------------------------------- */

typedef struct fz_rng {
    uint64_t ctr;
} fz_rng;

/* splitmix64 over a counter: a different constant per endpoint gives distinct streams. */
static inline uint64_t fz_rng_next(fz_rng *r)
{
    uint64_t z = (r->ctr += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

/* mpsctp_callbacks.random for an fz_rng in user. */
static inline void fz_random(void *user, void *buf, size_t len)
{
    fz_rng *r = user;
    uint8_t *b = buf;
    while (len) {
        uint64_t v = fz_rng_next(r);
        size_t n = len < 8 ? len : 8;
        memcpy(b, &v, n);
        b += n;
        len -= n;
    }
}

/* ---- a fast MAC for state cookies ----------------------------------------------------- */

/* mpsctp_callbacks.hmac_sha256 for harnesses that define FZ_FAST_MAC before including this
 * file: a keyed mix of the message into 32 bytes, not a cryptographic MAC. A harness
 * needs cookies that any changed byte invalidates and that no mutation can forge without
 * the key; it does not need HMAC-SHA256, whose compression rounds were most of the cost
 * of an input that sets up associations (the real HMAC is tested on its own, and
 * fuzz_endpoint keeps it). */
#if defined(__clang__)
#define FZ_NO_COVERAGE __attribute__((no_sanitize("coverage"))) /* no fuzzing signal */
#else
#define FZ_NO_COVERAGE
#endif
FZ_NO_COVERAGE static inline uint64_t fz_mix(uint64_t h, uint64_t m)
{
    h = (h ^ m) * 0x9e3779b97f4a7c15ull;
    return h ^ (h >> 29);
}

FZ_NO_COVERAGE static inline void fz_mac(void *user, const uint8_t *key, size_t keylen,
                                         const uint8_t *msg, size_t len, uint8_t out[32])
{
    (void)user;
    uint64_t h[4] = {0x243f6a8885a308d3ull, 0x13198a2e03707344ull, 0xa4093822299f31d0ull,
                     0x082efa98ec4e6c89ull};
    uint64_t k[4] = {0, 0, 0, 0};
    memcpy(k, key, keylen < sizeof(k) ? keylen : sizeof(k));
    for (int j = 0; j < 4; j++)
        h[j] = fz_mix(h[j], k[j] ^ keylen);
    uint64_t n = len;
    while (len) {
        uint64_t m = 0;
        size_t c = len < 8 ? len : 8;
        memcpy(&m, msg, c);
        msg += c;
        len -= c;
        h[0] = fz_mix(h[0], m);
        h[1] = fz_mix(h[1], m << 13 | m >> 51);
        h[2] = fz_mix(h[2], m << 26 | m >> 38);
        h[3] = fz_mix(h[3], m << 39 | m >> 25);
    }
    for (int r = 0; r < 2; r++)
        for (int j = 0; j < 4; j++)
            h[j] = fz_mix(h[j], h[(j + 1) & 3] + n);
    memcpy(out, h, 32);
}

/* ---- checksum ----------------------------------------------------------------------- */

/* Stores a valid CRC32c in the packet (no-op below 12 bytes). */
static inline void fz_fix_checksum(uint8_t *pkt, size_t len)
{
    static crc32c_fn fn; /* pure function pointer, input independent */
    if (!fn)
        fn = crc32c_select();
    sctp_checksum_set(fn, pkt, len);
}

/* ---- diagnostics ------------------------------------------------------------------- */

/* Returns 1 when FUZZ_VERBOSE is set in the environment (read once): the harnesses then
 * print engine log lines and events, for studying a reproducer. */
static inline int fz_verbose(void)
{
    static int v = -1;
    if (v < 0)
        v = getenv("FUZZ_VERBOSE") != NULL;
    return v;
}

static inline void fz_log(void *user, int level, const char *msg)
{
    fprintf(stderr, "  [log %d] %s\n", level, msg);
}

/* ---- settings profiles -------------------------------------------------------------- */

/* Fills *s with one of four endpoint profiles (profile & 3), the CMT options of bits 8-12,
 * and the given port. */
static inline void fz_settings(mpsctp_settings *s, unsigned profile, uint16_t port)
{
    mpsctp_settings_default(s);
    s->local_port = port;
    s->sndbuf = 256 * 1024;
    s->rcvbuf = 128 * 1024;
    switch (profile & 3) {
    case 0:
        break;
    case 1: /* small buffers and MTU: windows, fragmentation, partial delivery */
        s->sndbuf = 16 * 1024;
        s->rcvbuf = 8 * 1024;
        s->mtu = 508;
        s->num_ostreams = 3;
        s->max_instreams = 4;
        s->pd_point = 1500;
        break;
    case 2: /* fast timers: heartbeats, retransmission limits, path failure */
        s->rto_initial_ms = 100;
        s->rto_min_ms = 50;
        s->rto_max_ms = 400;
        s->hb_interval_ms = 500;
        s->assoc_max_retrans = 4;
        s->path_max_retrans = 2;
        s->max_init_retrans = 3;
        s->valid_cookie_life_ms = 2000;
        break;
    case 3: /* immediate SACKs, burst of one, many streams */
        s->sack_freq = 1;
        s->sack_delay_ms = 10;
        s->max_burst = 1;
        s->num_ostreams = 16;
        s->max_instreams = 16;
        s->hb_interval_ms = 0;
        break;
    }
    /* Bits 8-10: CMT mode (mod 5), so SFR, DAC, CUCv2 and buffer splitting see hostile
     * SACKs too; bit 11: no NR-SACK offered; bit 12: no buffer splitting. */
    s->cmt = (uint8_t)(((profile >> 8) & 7) % (MPSCTP_CMT_MAX + 1));
    if (profile & 0x800)
        s->nr_sack = 0;
    if (profile & 0x1000)
        s->cmt_bufsplit = 0;
}

/* ---- a peer: one endpoint with the association we follow --------------------------- */

typedef struct fz_peer {
    mpsctp_endpoint *ep;
    mpsctp_assoc *as; /* client: from connect; server: from its first COMM_UP */
    mpsctp_addr addr;
    uint16_t port;
    uint16_t mtu;
    fz_rng rng;
    int up;              /* COMM_UP seen for as */
    int closed;          /* as reported closed (COMM_LOST, SHUTDOWN_COMP, CANT_STR_ASSOC) */
    uint32_t close_how;  /* the mpsctp_assoc_change that closed it */
    uint32_t events;     /* events taken */
    uint32_t send_failed;
    uint32_t shutdown_ev;
    /* optional hook for every event (the assoc harness does its accounting there) */
    void (*on_event)(struct fz_peer *pe, const mpsctp_event *ev, void *user);
    void *user;
} fz_peer;

/* Creates the endpoint of a peer: address ip, port, settings profile. The random
 * stream depends only on seed. Returns 0, or -1 when the endpoint cannot be created. */
static inline int fz_peer_init(fz_peer *pe, uint32_t ip, uint16_t port, unsigned profile,
                               uint64_t seed)
{
    memset(pe, 0, sizeof(*pe));
    pe->rng.ctr = seed;
    pe->port = port;
    mpsctp_addr_v4(&pe->addr, ip, 0);
    mpsctp_settings s;
    fz_settings(&s, profile, port);
    pe->mtu = s.mtu;
    mpsctp_callbacks cb;
    memset(&cb, 0, sizeof(cb));
    cb.user = &pe->rng;
    cb.random = fz_random;
#ifdef FZ_FAST_MAC
    cb.hmac_sha256 = fz_mac;
#endif
    if (fz_verbose())
        cb.log = fz_log;
    pe->ep = mpsctp_endpoint_new(&s, &cb);
    if (!pe->ep)
        return -1;
    FZ_CHECK(mpsctp_endpoint_add_addr(pe->ep, &pe->addr) == 0);
    return 0;
}

/* Checks the endpoint's demultiplexing index and its timer heap against its associations
 * (a stale entry would hide an association from its own packets, or leave a timer
 * unrun). The check costs a lookup per key of every association: with many associations
 * (an input that opened hundreds) it runs at every 16th call only, or it would be most
 * of the run. */
static inline void fz_check_index(const fz_peer *pe)
{
    static unsigned calls;
    if (pe->ep && (pe->ep->nassocs <= 8 || (++calls & 15) == 0)) {
        FZ_CHECK(ep_index_verify(pe->ep) == 0 && "association index out of date");
        FZ_CHECK(ep_sched_verify(pe->ep) == 0 && "timer heap or output queue out of date");
    }
}

/* Frees the endpoint and everything attached to it. */
static inline void fz_peer_free(fz_peer *pe)
{
    mpsctp_endpoint_free(pe->ep);
    pe->ep = NULL;
    pe->as = NULL;
}

/* Takes every pending event (bounded) and tracks the followed association. */
static inline void fz_peer_events(fz_peer *pe)
{
    mpsctp_event ev;
    if (!pe->ep)
        return;
    for (int i = 0; i < 4096 && mpsctp_endpoint_next_event(pe->ep, &ev); i++) {
        pe->events++;
        if (fz_verbose())
            fprintf(stderr, "  [event port %u] type %d state %u error %u assoc %u sid %u "
                    "context %u\n", pe->port, (int)ev.type, ev.state, ev.error, ev.assoc_id,
                    ev.sid, ev.context);
        if (ev.type == MPSCTP_EV_ASSOC_CHANGE) {
            if (ev.state == MPSCTP_COMM_UP || ev.state == MPSCTP_RESTART) {
                if (!pe->as && ev.assoc)
                    pe->as = ev.assoc;
                if (ev.assoc && ev.assoc == pe->as)
                    pe->up = 1;
            } else if (ev.assoc && ev.assoc == pe->as) {
                pe->closed = 1;
                pe->close_how = ev.state;
            }
        } else if (ev.type == MPSCTP_EV_SEND_FAILED) {
            pe->send_failed++;
        } else if (ev.type == MPSCTP_EV_SHUTDOWN) {
            pe->shutdown_ev++;
        }
        if (pe->on_event)
            pe->on_event(pe, &ev, pe->user);
    }
}

/* Checks a packet the engine produced: plausible size, our source port, valid checksum and
 * a chunk structure that decodes to the end. */
static inline void fz_check_output(const fz_peer *pe, const uint8_t *pkt, size_t n)
{
    static crc32c_fn fn;
    if (!fn)
        fn = crc32c_select();
    FZ_CHECK(n >= SCTP_COMMON_HDR_LEN + SCTP_CHUNK_HDR_LEN);
    FZ_CHECK(n <= pe->mtu);
    FZ_CHECK(sctp_checksum_ok(fn, pkt, n));
    const uint8_t *p = pkt, *end = pkt + n;
    sctp_common h;
    FZ_CHECK(codec_common_decode(&p, end, &h) == 0);
    FZ_CHECK(h.sport == pe->port);
    int nchunks = 0;
    while (p < end) {
        sctp_tlv c;
        FZ_CHECK(codec_chunk_decode(&p, end, &c) == 0);
        nchunks++;
    }
    FZ_CHECK(nchunks > 0);
}

/* Delivery decision for one packet of fz_pump: return 1 to drop it. */
typedef int (*fz_drop_fn)(void *user, int from_server, const uint8_t *pkt, size_t len);

/* Moves packets between client c and server s until neither has anything to send (or a
 * bound is hit), taking events after each step. Packets addressed to anything but the
 * other peer are discarded. Returns the number of packets moved. */
static inline unsigned fz_pump(fz_peer *c, fz_peer *s, mpsctp_tstamp now, fz_drop_fn drop,
                               void *duser)
{
    static uint8_t buf[FZ_PKT_CAP];
    unsigned moved = 0;
    for (int round = 0; round < 64; round++) {
        unsigned before = moved;
        for (int side = 0; side < 2; side++) {
            fz_peer *from = side ? s : c, *to = side ? c : s;
            if (!from->ep)
                continue;
            for (int k = 0; k < 64; k++) {
                mpsctp_addr l, r;
                ssize_t n = mpsctp_endpoint_send(from->ep, buf, sizeof(buf), &l, &r, now);
                FZ_CHECK(n >= 0);
                if (n == 0)
                    break;
                fz_check_output(from, buf, (size_t)n);
                moved++;
                if (drop && drop(duser, side, buf, (size_t)n))
                    continue;
                if (to->ep && mpsctp_addr_equal(&r, &to->addr))
                    mpsctp_endpoint_recv(to->ep, buf, (size_t)n, &to->addr, &from->addr, now);
            }
            fz_peer_events(from);
            if (to->ep)
                fz_peer_events(to);
        }
        if (moved == before)
            break;
    }
    return moved;
}

/* Drains an endpoint's output without delivering it anywhere (checked, then dropped). */
static inline void fz_drain(fz_peer *pe, mpsctp_tstamp now)
{
    static uint8_t buf[FZ_PKT_CAP];
    for (int k = 0; k < 256; k++) {
        mpsctp_addr l, r;
        ssize_t n = mpsctp_endpoint_send(pe->ep, buf, sizeof(buf), &l, &r, now);
        FZ_CHECK(n >= 0);
        if (n == 0)
            break;
        fz_check_output(pe, buf, (size_t)n);
    }
    fz_peer_events(pe);
}

/* Runs expired timers of an endpoint (a few rounds, since a timer may rearm at now). */
static inline void fz_timers(fz_peer *pe, mpsctp_tstamp now)
{
    if (!pe->ep)
        return;
    for (int i = 0; i < 4; i++) {
        mpsctp_tstamp d = mpsctp_endpoint_deadline(pe->ep);
        if (d > now)
            break;
        mpsctp_endpoint_timeout(pe->ep, now);
    }
    fz_peer_events(pe);
}

/* Returns the earlier deadline of two endpoints (either may be absent). */
static inline mpsctp_tstamp fz_next_deadline(const fz_peer *a, const fz_peer *b)
{
    mpsctp_tstamp d = MPSCTP_TSTAMP_NEVER;
    if (a && a->ep)
        d = mpsctp_endpoint_deadline(a->ep);
    if (b && b->ep) {
        mpsctp_tstamp e = mpsctp_endpoint_deadline(b->ep);
        if (e < d)
            d = e;
    }
    return d;
}

/* Seeds of the random streams (constants). */
#define FZ_SEED_CLIENT 0x1111111111111111ull
#define FZ_SEED_SERVER 0x2222222222222222ull

/* Builds a client and a server (listening) with the given profiles and connects the
 * client: the INIT is queued in the client, nothing has moved. Returns 0 or -1. */
static inline int fz_pair_start(fz_peer *c, fz_peer *s, unsigned cprof, unsigned sprof,
                                mpsctp_tstamp now)
{
    if (fz_peer_init(c, FZ_CLIENT_IP, FZ_CLIENT_PORT, cprof, FZ_SEED_CLIENT) ||
        fz_peer_init(s, FZ_SERVER_IP, FZ_SERVER_PORT, sprof, FZ_SEED_SERVER))
        return -1;
    mpsctp_endpoint_listen(s->ep, 1);
    if (mpsctp_endpoint_connect(c->ep, &s->addr, 1, FZ_SERVER_PORT, now, &c->as))
        return -1;
    return 0;
}

/* Writes a common header for a packet to peer `to` from the other peer with vtag, then
 * the chunk bytes, and a valid checksum. Returns the packet length (cap permitting). */
static inline size_t fz_build_packet(uint8_t *out, size_t cap, uint16_t sport, uint16_t dport,
                                     uint32_t vtag, const uint8_t *chunks, size_t n)
{
    if (cap < SCTP_COMMON_HDR_LEN)
        return 0;
    if (n > cap - SCTP_COMMON_HDR_LEN)
        n = cap - SCTP_COMMON_HDR_LEN;
    put16(out, sport);
    put16(out + 2, dport);
    put32(out + 4, vtag);
    memset(out + 8, 0, 4);
    if (n)
        memcpy(out + SCTP_COMMON_HDR_LEN, chunks, n);
    fz_fix_checksum(out, SCTP_COMMON_HDR_LEN + n);
    return SCTP_COMMON_HDR_LEN + n;
}

#endif
