/* libFuzzer harness: a hostile peer against the memory an association holds for it.
 *
 * A server endpoint (port 5001) has one association with a scripted peer (10.0.0.1, port
 * 5000) that completed the handshake with crafted packets. The pair is built once per
 * settings profile and restored for every input (fuzz_arena.h). The input then makes the
 * peer send whatever it likes with the association's tag, and checks after every packet
 * and every other step that the association keeps to the bounds it reports
 * (mpsctp_assoc_mem_get): received data held <= rx_bound, control chunks queued <=
 * ctrl_bound. The peer's tools are those of the known attacks on receivers: DATA with any
 * TSN up to 65535 beyond the cumulative TSN (and below it), fragments with any B/E/U flag
 * combination, many streams and SSNs out of order, runs of tiny chunks, ERROR chunks with
 * many causes, HEARTBEAT and unknown-chunk floods while nobody sends the replies. The
 * application reads or does not, and time passes.
 *
 * Input: profile:1, then operations op:1 args..., op & 15 selecting (bits 4-7: flags):
 *   0  DATA chunks: n = 1 + (op >> 4) chunks of off:2 fl:1 sid:1 ssn:1 len:1 each; TSN =
 *      cum + 1 + off (fl bit 6: cum - off, at or below the cumulative TSN), fl bits 0-3
 *      the DATA flags (E, B, U, I), payload len bytes (fl bit 7: len * 16), ssn and sid as
 *      given (sid + 256 * (fl bit 5))
 *   1  a run of tiny DATA chunks: base:2 count:1 fl:1 sid:1 step:1 ssn:1: count + 1 chunks
 *      of one byte at TSN cum + 1 + base + k * (step | 1), SSN ssn + k, DATA flags fl & 15
 *   2  ERROR chunk: count:1 causes of type:2 and len:1 value bytes (repeated in as many
 *      chunks as a packet of 64 KiB holds, op bit 4)
 *   3  HEARTBEAT flood: count:1 chunks with info len:1
 *   4  unknown chunks: count:1 chunks of type:1 len:1 (types that must be reported queue
 *      an ERROR each)
 *   5  the server's output goes out (the peer ignores it); without this it piles up
 *   6  the application reads: count:1 messages (0: all) into a buffer of size:2 bytes
 *   7  time passes: t:1 x 10 ms (0: to the next deadline), timers run
 *   8  raw chunks: len:2 bytes, as they are, with the association's tag
 *   9  the application drains its events (otherwise they wait)
 *
 * Profile bits: 0-1 receive buffer 4 KiB / 8 KiB / 64 KiB / 256 KiB; 2-3 partial
 * delivery point default (rcvbuf / 4) / 1 KiB / 16 KiB / 1 byte; bit 4: the peer asks
 * for 2048 outbound streams (else 4); bit 5: SACK after every packet; bit 6: fast
 * heartbeats and retransmission timers. */
#define FZ_FAST_MAC /* see fz_mac */
#include "fuzz_arena.h"
#include "fuzz_common.h"

#define PEER_TAG 0x0badcafeu
#define PEER_ITSN 1000u

typedef struct mrun {
    fz_peer s;
    mpsctp_addr peer;
    uint32_t srv_tag; /* the server's tag: the peer's packets carry it */
    mpsctp_tstamp now;
    /* Scratch from here on: not part of a snapshot. */
    uint8_t chunks[FZ_PKT_CAP];
    uint8_t pkt[FZ_PKT_CAP];
    uint8_t rbuf[1 << 16];
} mrun;

#define MRUN_STATE offsetof(mrun, chunks)

/* ---- the bound ------------------------------------------------------------------------ */

static void check_bounds(mrun *r, const char *after)
{
    if (!r->s.as)
        return;
    mpsctp_assoc_mem m;
    FZ_CHECK(mpsctp_assoc_mem_get(r->s.as, &m) == 0);
    if (m.rx_held <= m.rx_bound && m.ctrl_queued <= m.ctrl_bound)
        return;
    mpsctp_assoc_status st;
    mpsctp_assoc_status_get(r->s.as, &st);
    fprintf(stderr,
            "after %s: rx_held %llu (bound %llu), ctrl_queued %llu (bound %llu); state %s, "
            "cum TSN %u, local rwnd %u, readable %zu\n",
            after, (unsigned long long)m.rx_held, (unsigned long long)m.rx_bound,
            (unsigned long long)m.ctrl_queued, (unsigned long long)m.ctrl_bound,
            mpsctp_state_name(st.state), st.cum_tsn_ack, st.local_rwnd,
            mpsctp_assoc_readable(r->s.as));
    FZ_CHECK(m.rx_held <= m.rx_bound && "received data held beyond its bound");
    FZ_CHECK(m.ctrl_queued <= m.ctrl_bound && "control chunks queued beyond their bound");
}

/* ---- the peer ------------------------------------------------------------------------- */

/* Sends chunks[0..n) from the peer with tag vtag; returns what the server said. */
static int peer_send(mrun *r, uint32_t vtag, size_t n)
{
    size_t len = fz_build_packet(r->pkt, sizeof(r->pkt), FZ_CLIENT_PORT, FZ_SERVER_PORT, vtag,
                                 r->chunks, n);
    int e = mpsctp_endpoint_recv(r->s.ep, r->pkt, len, &r->s.addr, &r->peer, r->now);
    FZ_CHECK(e != MPSCTP_ERR_CHECKSUM && e != MPSCTP_ERR_INVAL);
    return e;
}

/* Takes the server's output: the first packet holding chunk type `want` (0: none wanted)
 * is copied into r->pkt and its length returned. */
static size_t srv_output(mrun *r, uint8_t want)
{
    static uint8_t buf[FZ_PKT_CAP];
    size_t got = 0;
    for (int k = 0; k < 4096; k++) {
        mpsctp_addr l, rem;
        ssize_t n = mpsctp_endpoint_send(r->s.ep, buf, sizeof(buf), &l, &rem, r->now);
        FZ_CHECK(n >= 0);
        if (n == 0)
            break;
        fz_check_output(&r->s, buf, (size_t)n);
        if (want && !got && buf[SCTP_COMMON_HDR_LEN] == want) {
            memcpy(r->pkt, buf, (size_t)n);
            got = (size_t)n;
        }
    }
    return got;
}

/* Fills *s with the server settings of profile p. */
static void mem_settings(mpsctp_settings *s, unsigned p)
{
    static const uint32_t rcvbuf[4] = {4096, 8192, 65536, 262144};
    static const uint32_t pd[4] = {0, 1024, 16384, 1};
    fz_settings(s, 0, FZ_SERVER_PORT);
    s->rcvbuf = rcvbuf[p & 3];
    s->pd_point = pd[(p >> 2) & 3];
    s->max_instreams = 2048;
    if (p & 0x20)
        s->sack_freq = 1;
    if (p & 0x40) {
        s->hb_interval_ms = 200;
        s->rto_initial_ms = 100;
        s->rto_min_ms = 50;
        s->rto_max_ms = 400;
    }
}

/* fz_build_fn: builds the server and its association with the peer (INIT, INIT ACK,
 * COOKIE ECHO, COOKIE ACK) in the empty arena. */
static void setup(void *state, unsigned p)
{
    mrun *r = state;
    r->now = FZ_T0;
    mpsctp_addr_v4(&r->peer, FZ_CLIENT_IP, 0);
    fz_peer *s = &r->s;
    s->rng.ctr = FZ_SEED_SERVER;
    s->port = FZ_SERVER_PORT;
    mpsctp_addr_v4(&s->addr, FZ_SERVER_IP, 0);
    mpsctp_settings set;
    mem_settings(&set, p);
    s->mtu = set.mtu;
    mpsctp_callbacks cb;
    memset(&cb, 0, sizeof(cb));
    cb.user = &s->rng;
    cb.random = fz_random;
    cb.hmac_sha256 = fz_mac;
    s->ep = mpsctp_endpoint_new(&set, &cb);
    FZ_CHECK(s->ep != NULL);
    FZ_CHECK(mpsctp_endpoint_add_addr(s->ep, &s->addr) == 0);
    mpsctp_endpoint_listen(s->ep, 1);

    wbuf w;
    wbuf_init(&w, r->chunks, sizeof(r->chunks));
    size_t off = codec_init_begin(&w, SCTP_INIT, PEER_TAG, 1u << 20,
                                  (uint16_t)((p & 0x10) ? 2048 : 4), 16, PEER_ITSN);
    codec_chunk_end(&w, off);
    FZ_CHECK(peer_send(r, 0, w.len) == 0);
    size_t n = srv_output(r, SCTP_INIT_ACK);
    FZ_CHECK(n > 0);
    const uint8_t *q = r->pkt + SCTP_COMMON_HDR_LEN, *end = r->pkt + n;
    sctp_tlv c, prm;
    sctp_init in;
    FZ_CHECK(codec_chunk_decode(&q, end, &c) == 0 && codec_init_decode(&c, &in) == 0);
    r->srv_tag = in.init_tag;
    const uint8_t *pp = in.params, *pe = in.params + in.plen;
    int have = 0;
    while (!have && pp < pe && !codec_param_decode(&pp, pe, &prm))
        have = prm.type == SCTP_P_STATE_COOKIE;
    FZ_CHECK(have);
    wbuf_init(&w, r->chunks, sizeof(r->chunks));
    off = codec_chunk_begin(&w, SCTP_COOKIE_ECHO, 0);
    wbuf_put(&w, prm.value, prm.vlen);
    codec_chunk_end(&w, off);
    FZ_CHECK(!w.err && peer_send(r, r->srv_tag, w.len) == 0);
    FZ_CHECK(srv_output(r, SCTP_COOKIE_ACK) > 0);
    fz_peer_events(s);
    FZ_CHECK(s->as && s->up);
}

/* ---- operations ----------------------------------------------------------------------- */

/* The receiver's cumulative TSN (the base of the peer's TSN offsets). */
static uint32_t cum_tsn(const mrun *r)
{
    mpsctp_assoc_status st;
    if (!r->s.as || mpsctp_assoc_status_get(r->s.as, &st))
        return PEER_ITSN - 1;
    return st.cum_tsn_ack;
}

static void put_data(wbuf *w, uint8_t flags, uint32_t tsn, uint16_t sid, uint16_t ssn,
                     size_t len)
{
    static uint8_t payload[255 * 16];
    if (!payload[1])
        for (size_t i = 0; i < sizeof(payload); i++)
            payload[i] = (uint8_t)(i * 7 + 1);
    codec_data_encode(w, flags & 15, tsn, sid, ssn, 0, payload, len);
}

static void op_data(mrun *r, fz_in *in, unsigned n)
{
    uint32_t cum = cum_tsn(r);
    wbuf w;
    wbuf_init(&w, r->chunks, sizeof(r->chunks));
    for (unsigned k = 0; k < n && fz_left(in); k++) {
        uint16_t off = fz_u16(in);
        uint8_t fl = fz_u8(in), sid = fz_u8(in), ssn = fz_u8(in), len = fz_u8(in);
        uint32_t tsn = (fl & 0x40) ? cum - off : cum + 1 + off;
        put_data(&w, fl, tsn, (uint16_t)(sid + ((fl & 0x20) ? 256 : 0)), ssn,
                 (size_t)len * ((fl & 0x80) ? 16 : 1));
    }
    if (w.len && !w.err)
        peer_send(r, r->srv_tag, w.len);
}

static void op_tiny_run(mrun *r, fz_in *in)
{
    uint16_t base = fz_u16(in);
    unsigned count = fz_u8(in) + 1u;
    uint8_t fl = fz_u8(in), sid = fz_u8(in), step = (uint8_t)(fz_u8(in) | 1);
    uint8_t ssn = fz_u8(in);
    uint32_t cum = cum_tsn(r);
    wbuf w;
    wbuf_init(&w, r->chunks, sizeof(r->chunks));
    for (unsigned k = 0; k < count; k++)
        put_data(&w, fl, cum + 1 + base + k * step, sid, (uint16_t)(ssn + k), 1);
    if (!w.err)
        peer_send(r, r->srv_tag, w.len);
}

static void op_error(mrun *r, fz_in *in, int fill)
{
    unsigned count = fz_u8(in);
    uint16_t type = fz_u16(in);
    uint8_t len = fz_u8(in);
    uint8_t v[255];
    memset(v, 0x5a, sizeof(v));
    wbuf w;
    wbuf_init(&w, r->chunks, sizeof(r->chunks));
    do {
        wbuf mark = w;
        size_t off = codec_chunk_begin(&w, SCTP_ERROR, 0);
        for (unsigned k = 0; k < count; k++)
            codec_param_put(&w, type, v, len);
        codec_chunk_end(&w, off);
        if (w.err || w.len > 0xffff) {
            w = mark;
            break;
        }
    } while (fill);
    if (w.len)
        peer_send(r, r->srv_tag, w.len);
}

/* count chunks of type with len value bytes (HEARTBEAT: an info parameter of len). */
static void op_flood(mrun *r, uint8_t type, unsigned count, uint8_t len)
{
    uint8_t v[255];
    memset(v, 0x33, sizeof(v));
    wbuf w;
    wbuf_init(&w, r->chunks, sizeof(r->chunks));
    for (unsigned k = 0; k < count; k++) {
        size_t off = codec_chunk_begin(&w, type, 0);
        if (type == SCTP_HEARTBEAT)
            codec_param_put(&w, SCTP_P_HEARTBEAT_INFO, v, len);
        else
            wbuf_put(&w, v, len);
        codec_chunk_end(&w, off);
    }
    if (!w.err)
        peer_send(r, r->srv_tag, w.len);
}

static void op_read(mrun *r, unsigned count, size_t cap)
{
    if (!r->s.as)
        return;
    if (cap == 0 || cap > sizeof(r->rbuf))
        cap = sizeof(r->rbuf);
    for (unsigned k = 0; k < 100000 && (count == 0 || k < count); k++) {
        int eor;
        ssize_t n = mpsctp_assoc_recv(r->s.as, r->rbuf, cap, NULL, &eor, r->now);
        if (n < 0) {
            FZ_CHECK(n == MPSCTP_ERR_WOULDBLOCK || n == MPSCTP_ERR_CLOSED);
            break;
        }
        FZ_CHECK((size_t)n <= cap);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static void *state;
    if (size > 32 * 1024)
        return 0;
    mrun *r = fz_run_state(&state, sizeof(*r));
    fz_in in = {data, data + size};
    static fz_snap *snaps[128];
    uint8_t p = fz_u8(&in) & 0x7f;
    fz_prepare(&snaps[p], r, MRUN_STATE, setup, p);
    for (int ops = 0; ops < 1024 && fz_left(&in); ops++) {
        uint8_t op = fz_u8(&in);
        r->now += 100 * 1000;
        switch (op & 15) {
        case 0:
            op_data(r, &in, 1u + (op >> 4));
            break;
        case 1:
            op_tiny_run(r, &in);
            break;
        case 2:
            op_error(r, &in, op & 0x10);
            break;
        case 3: {
            unsigned count = fz_u8(&in);
            op_flood(r, SCTP_HEARTBEAT, count, fz_u8(&in));
            break;
        }
        case 4: {
            unsigned count = fz_u8(&in);
            uint8_t type = fz_u8(&in);
            op_flood(r, type, count, fz_u8(&in));
            break;
        }
        case 5:
            srv_output(r, 0);
            break;
        case 6: {
            unsigned count = fz_u8(&in);
            op_read(r, count, fz_u16(&in));
            break;
        }
        case 7: {
            uint8_t t = fz_u8(&in);
            mpsctp_tstamp d = mpsctp_endpoint_deadline(r->s.ep);
            if (t)
                r->now += (mpsctp_tstamp)t * 10 * MPSCTP_NS_PER_MS;
            else if (d != MPSCTP_TSTAMP_NEVER && d > r->now)
                r->now = d;
            for (int i = 0; i < 4 && mpsctp_endpoint_deadline(r->s.ep) <= r->now; i++)
                mpsctp_endpoint_timeout(r->s.ep, r->now);
            break;
        }
        case 8: {
            size_t n;
            const uint8_t *b = fz_take(&in, fz_u16(&in), &n);
            memcpy(r->chunks, b, n);
            peer_send(r, r->srv_tag, n);
            break;
        }
        case 9:
            fz_peer_events(&r->s);
            break;
        default:
            break;
        }
        check_bounds(r, "an operation");
        fz_check_index(&r->s);
    }
    fz_peer_free(&r->s);
    fz_arena_check_empty("the endpoint was freed");
    return 0;
}
