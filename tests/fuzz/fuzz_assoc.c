/* libFuzzer harness: packets into an established association.
 *
 * Every input starts from a client (port 5000) and a server (port 5001) that completed a
 * handshake in memory and exchanged a message each way. That pair is built once per
 * settings profile and saved (the core runs on the fuzzing arena, fuzz_arena.h); each
 * input restores it, which is byte for byte the state a fresh build reaches
 * (FUZZ_CHECK_SNAPSHOT=1 builds it again for every input and compares; FUZZ_NO_SNAPSHOT=1
 * builds it for every input, as a reference for speed). The input then drives a list of
 * operations:
 * chunks injected into either side with correct ports and the association's verification
 * tag (so DATA, SACK, SHUTDOWN, HEARTBEAT, ERROR, ABORT and unknown chunk handlers are
 * reached), real traffic with losses and duplicates, sends, reads, shutdown, abort and
 * timers. At the end both sides are shut down, drained and freed.
 *
 * Input: profile:1 [cmt:1 when profile bit 5 is set: CMT mode (bits 0-2, mod 5), no
 * NR-SACK (bit 3), no buffer splitting (bit 4), for both sides], then operations op:1
 * args..., op & 15 selecting (flag bits above):
 *   0/1   inject into server/client: len:2 chunk bytes. bit 4: TSN fields of DATA, SACK,
 *         NR-SACK and SHUTDOWN are offsets from the receiver's current state; bits 5-6:
 *         tag = receiver's own tag, its peer's tag (reflected), 0, or the first 4 bytes;
 *         bit 7: sent from an address the association does not know
 *   2     pump traffic; bit 4: then a mask:1 drops packets, bit 5: the mask duplicates
 *   3/4   client/server sends: size:1 sid:1 (sid bit 7: unordered); bit 4: large message
 *   5     read; bit 4: server; bits 5-6 pick the read buffer size
 *   6     clock: t:1 (0: next deadline) x 5 ms, bit 4: x 100 ms; timers run
 *   7     graceful shutdown (bit 4: server)     8  abort (bit 4: server)
 *   9     application frees its association (bit 4: server)
 *   10    client opens a second association to the server (at most 8 per input)
 *   11    status, path and send queue queries; set_sndbuf(arg:1 KiB) (bit 4: server)
 *   12    replay recently exchanged packet idx:1 unchanged (a network duplicate)
 *   13    replay packet idx:1 with (pos:1, xor:1) mutations count:1
 *
 * Checks: the engine's output is well formed; no message accepted from the application is
 * lost silently: as long as nothing forged reached an endpoint, received messages are
 * intact, in order per stream and never duplicated, and after a graceful shutdown of both
 * sides every accepted message was delivered (when nothing was aborted or freed early). */
#define FZ_FAST_MAC /* see fz_mac */
#include "fuzz_arena.h"
#include "fuzz_common.h"

#define MAXMSG 2048
#define NSID 32
#define RING 8
#define MAX_EXTRA 8 /* second associations an input may open (operation 10) */

enum { M_RECEIVED = 1, M_FAILED = 2 };

/* Delivery accounting of one direction (0: client to server, 1: server to client). */
typedef struct dir_acct {
    uint32_t nsent;
    uint8_t st[MAXMSG];
    uint16_t sid[MAXMSG];
    uint8_t unordered[MAXMSG];
    int32_t last_ordered[NSID];
    uint8_t *acc[NSID]; /* partial message being read, per stream */
    size_t acc_len[NSID], acc_cap[NSID];
    uint32_t acc_ppid[NSID];
    uint32_t acc_tsn[NSID]; /* its TSN (every piece of a message carries the first's) */
} dir_acct;

typedef struct ring_pkt {
    int from_server;
    size_t len;
    uint8_t data[1500];
} ring_pkt;

typedef struct run {
    fz_peer c, s;
    mpsctp_tstamp now;
    int forged;  /* something not produced by the peer engine was delivered */
    int lossy;   /* an operation that legitimately loses data (abort, free, restart) */
    int reborn;  /* a side brought up an association with the tag of one it had before:
                    a duplicated COOKIE ECHO, still within its lifetime, met no association
                    and made a new one (RFC 9260 s5.1.5), which then rightly accepts
                    duplicated DATA of the old one as new */
    uint32_t vtags[2][16]; /* local tags of the associations each side brought up */
    unsigned nvtags[2];
    dir_acct d[2];
    uint8_t mask;
    int dup_mode;
    unsigned mask_idx;
    unsigned extra_assocs; /* operation 10 so far */
    ring_pkt ring[RING];
    unsigned ring_n;
    /* Scratch from here on: not part of a snapshot. */
    uint8_t pkt[FZ_PKT_CAP];
    uint8_t msg[80 * 1024];
    uint8_t rbuf[80 * 1024];
} run;

#define CHECK_CLEAN(r, cond)                                                              \
    do {                                                                                  \
        if (!(r)->forged && !(r)->reborn)                                                 \
            FZ_CHECK(cond);                                                               \
    } while (0)

/* ---- accounting ------------------------------------------------------------------- */

static void on_event(fz_peer *pe, const mpsctp_event *ev, void *user)
{
    run *r = user;
    int side = pe == &r->s;
    if (ev->type == MPSCTP_EV_ASSOC_CHANGE && ev->state == MPSCTP_COMM_UP && ev->assoc) {
        mpsctp_assoc_status st;
        mpsctp_assoc_status_get(ev->assoc, &st);
        for (unsigned i = 0; i < r->nvtags[side]; i++)
            r->reborn |= r->vtags[side][i] == st.local_vtag;
        if (r->nvtags[side] < 16)
            r->vtags[side][r->nvtags[side]++] = st.local_vtag;
        return;
    }
    if (ev->type != MPSCTP_EV_SEND_FAILED)
        return;
    dir_acct *d = &r->d[pe == &r->s];
    if (ev->context < d->nsent)
        d->st[ev->context] |= M_FAILED;
    else
        CHECK_CLEAN(r, 0 && "SEND_FAILED for a message never sent");
}

/* Byte i of every message's pattern is (seq * 13 + i) mod 256: a window into this ramp,
 * so that writing and checking a message are one memcpy and one memcmp (a loop per byte
 * would cost a traced comparison per byte in the fuzzing build). */
static const uint8_t *ramp(void)
{
    static uint8_t r[256 + sizeof(((run *)0)->msg)];
    if (!r[1])
        for (size_t i = 0; i < sizeof(r); i++)
            r[i] = (uint8_t)i;
    return r;
}

/* Payload of message seq: seq, length, then the pattern. */
static void fill_msg(uint8_t *m, size_t len, uint32_t seq)
{
    put32(m, seq);
    put32(m + 4, (uint32_t)len);
    memcpy(m + 8, ramp() + ((seq * 13u + 8) & 255), len - 8);
}

static void do_send(run *r, int server, size_t len, uint8_t sidb)
{
    fz_peer *pe = server ? &r->s : &r->c;
    dir_acct *d = &r->d[server];
    if (!pe->as || d->nsent >= MAXMSG)
        return;
    if (len < 8)
        len = 8;
    if (len > sizeof(r->msg))
        len = sizeof(r->msg);
    uint32_t seq = d->nsent;
    fill_msg(r->msg, len, seq);
    mpsctp_sndinfo si = {.sid = (uint16_t)(sidb & 0x1f),
                         .flags = (sidb & 0x80) ? MPSCTP_UNORDERED : 0,
                         .ppid = seq,
                         .context = seq};
    mpsctp_assoc_status st;
    mpsctp_assoc_status_get(pe->as, &st);
    int e = mpsctp_assoc_send(pe->as, r->msg, len, &si, r->now);
    FZ_CHECK(e == 0 || e == MPSCTP_ERR_WOULDBLOCK || e == MPSCTP_ERR_MSGSIZE ||
             e == MPSCTP_ERR_STATE || e == MPSCTP_ERR_CLOSED || e == MPSCTP_ERR_STREAM);
    if (st.state == MPSCTP_ESTABLISHED && si.sid >= st.outbound_streams)
        FZ_CHECK(e != 0);
    if (e == 0) {
        d->sid[seq] = si.sid;
        d->unordered[seq] = (sidb & 0x80) != 0;
        d->st[seq] = 0;
        d->nsent++;
    }
    fz_peer_events(pe);
}

/* Checks one complete message m[0..len) read on stream sid by the side opposite to d's
 * sender. */
static void got_msg(run *r, dir_acct *d, uint16_t sid, uint16_t flags, uint32_t ppid,
                    const uint8_t *m, size_t len)
{
    CHECK_CLEAN(r, len >= 8);
    if (len < 8)
        return;
    uint32_t seq = get32(m);
    CHECK_CLEAN(r, seq < d->nsent && get32(m + 4) == len && ppid == seq);
    if (seq >= d->nsent || get32(m + 4) != len)
        return;
    if (len > sizeof(r->msg) || memcmp(m + 8, ramp() + ((seq * 13u + 8) & 255), len - 8)) {
        CHECK_CLEAN(r, 0 && "message content corrupted");
        return;
    }
    CHECK_CLEAN(r, d->sid[seq] == sid);
    CHECK_CLEAN(r, d->unordered[seq] == ((flags & MPSCTP_UNORDERED) != 0));
    CHECK_CLEAN(r, !(d->st[seq] & M_RECEIVED) && "message delivered twice");
    d->st[seq] |= M_RECEIVED;
    if (!d->unordered[seq] && sid < NSID) {
        CHECK_CLEAN(r, (int32_t)seq > d->last_ordered[sid] && "ordered message out of order");
        d->last_ordered[sid] = (int32_t)seq;
    }
}

/* Reads everything readable on one side (bounded), reassembling partial reads. */
static void do_read(run *r, int server, size_t cap)
{
    fz_peer *pe = server ? &r->s : &r->c;
    dir_acct *d = &r->d[!server]; /* what this side reads was sent by the other */
    if (!pe->as)
        return;
    if (cap == 0 || cap > sizeof(r->rbuf))
        cap = sizeof(r->rbuf);
    for (int i = 0; i < 4096; i++) {
        mpsctp_rcvinfo ri;
        int eor = 0;
        ssize_t n = mpsctp_assoc_recv(pe->as, r->rbuf, cap, &ri, &eor, r->now);
        if (n < 0) {
            FZ_CHECK(n == MPSCTP_ERR_WOULDBLOCK || n == MPSCTP_ERR_CLOSED);
            break;
        }
        FZ_CHECK((size_t)n <= cap);
        uint16_t sid = ri.sid;
        if (sid >= NSID) {
            CHECK_CLEAN(r, 0 && "data on a stream never used");
            continue;
        }
        if (!eor || d->acc_len[sid]) {
            size_t nl = d->acc_len[sid] + (size_t)n;
            if (nl > sizeof(r->msg) + 16) {
                CHECK_CLEAN(r, 0 && "message longer than any sent");
                d->acc_len[sid] = 0;
                continue;
            }
            if (nl > d->acc_cap[sid]) {
                size_t nc = d->acc_cap[sid] ? 2 * d->acc_cap[sid] : 4096;
                while (nc < nl)
                    nc *= 2;
                uint8_t *nb = realloc(d->acc[sid], nc);
                FZ_CHECK(nb != NULL);
                d->acc[sid] = nb;
                d->acc_cap[sid] = nc;
            }
            if (d->acc_len[sid] && d->acc_tsn[sid] != ri.tsn && r->extra_assocs) {
                /* A second association from the client's endpoint is a restart for the
                 * server (RFC 9260 s5.2.4): the message it was partly reading ended with
                 * the old incarnation, and the RESTART event, taken after these reads,
                 * says so. This piece starts a message of the new one. */
                d->acc_len[sid] = 0;
                nl = (size_t)n;
            }
            uint8_t *b = d->acc[sid];
            memcpy(b + d->acc_len[sid], r->rbuf, (size_t)n);
            if (d->acc_len[sid] == 0) {
                d->acc_ppid[sid] = ri.ppid;
                d->acc_tsn[sid] = ri.tsn;
            } else {
                CHECK_CLEAN(r, d->acc_ppid[sid] == ri.ppid && d->acc_tsn[sid] == ri.tsn);
            }
            d->acc_len[sid] = nl;
            if (eor) {
                got_msg(r, d, sid, ri.flags, d->acc_ppid[sid], b, nl);
                d->acc_len[sid] = 0;
            }
        } else {
            got_msg(r, d, sid, ri.flags, ri.ppid, r->rbuf, (size_t)n);
        }
    }
    fz_peer_events(pe);
}

/* ---- traffic ---------------------------------------------------------------------- */

static int pump_cb(void *user, int from_server, const uint8_t *pkt, size_t len)
{
    run *r = user;
    if (len <= sizeof(r->ring[0].data)) {
        ring_pkt *rp = &r->ring[r->ring_n++ % RING];
        rp->from_server = from_server;
        rp->len = len;
        memcpy(rp->data, pkt, len);
    }
    int hit = (r->mask >> (r->mask_idx++ & 7)) & 1;
    if (!hit)
        return 0;
    if (!r->dup_mode)
        return 1;
    /* duplicate: deliver an extra copy now, the pump delivers the original */
    fz_peer *to = from_server ? &r->c : &r->s, *from = from_server ? &r->s : &r->c;
    mpsctp_endpoint_recv(to->ep, pkt, len, &to->addr, &from->addr, r->now);
    return 0;
}

static void pump(run *r, uint8_t mask, int dup)
{
    r->mask = mask;
    r->dup_mode = dup;
    r->mask_idx = 0;
    fz_pump(&r->c, &r->s, r->now, pump_cb, r);
}

static void timers(run *r)
{
    fz_timers(&r->c, r->now);
    fz_timers(&r->s, r->now);
}

/* Rewrites TSN fields of the chunks in [p, end) as offsets from the receiver's state. */
static void relative_tsns(fz_peer *to, uint8_t *p, uint8_t *end)
{
    mpsctp_assoc_status st;
    if (!to->as || mpsctp_assoc_status_get(to->as, &st))
        return;
    uint32_t data_base = st.cum_tsn_ack;
    uint32_t ack_base = st.next_tsn - 1 - st.unacked_chunks;
    for (int k = 0; k < 64 && p < end; k++) {
        const uint8_t *q = p;
        sctp_tlv c;
        if (codec_chunk_decode(&q, end, &c))
            break;
        uint8_t *v = p + SCTP_CHUNK_HDR_LEN;
        if (c.vlen >= 4) {
            if (c.type == SCTP_DATA || c.type == SCTP_FORWARD_TSN)
                put32(v, get32(v) + data_base);
            else if (c.type == SCTP_SACK || c.type == SCTP_NR_SACK || c.type == SCTP_SHUTDOWN)
                put32(v, get32(v) + ack_base);
        }
        p += q - (const uint8_t *)p;
    }
}

static void inject(run *r, int to_client, uint8_t flags, const uint8_t *b, size_t n)
{
    fz_peer *to = to_client ? &r->c : &r->s, *from = to_client ? &r->s : &r->c;
    uint32_t vtag = 0;
    mpsctp_assoc_status st;
    int have = to->as && mpsctp_assoc_status_get(to->as, &st) == 0;
    switch ((flags >> 1) & 3) {
    case 0: vtag = have ? st.local_vtag : 0; break;
    case 1: vtag = have ? st.peer_vtag : 0; break;
    case 2: vtag = 0; break;
    default:
        vtag = n >= 4 ? get32(b) : 0;
        b += n >= 4 ? 4 : n;
        n -= n >= 4 ? 4 : n;
        break;
    }
    size_t len = fz_build_packet(r->pkt, sizeof(r->pkt), from->port, to->port, vtag, b, n);
    if (flags & 1) {
        relative_tsns(to, r->pkt + SCTP_COMMON_HDR_LEN, r->pkt + len);
        fz_fix_checksum(r->pkt, len);
    }
    mpsctp_addr other;
    mpsctp_addr_v4(&other, FZ_OTHER_IP, 0);
    r->forged = 1;
    int e = mpsctp_endpoint_recv(to->ep, r->pkt, len, &to->addr,
                                 (flags & 4) ? &other : &from->addr, r->now);
    FZ_CHECK(e != MPSCTP_ERR_CHECKSUM && e != MPSCTP_ERR_INVAL);
    fz_peer_events(to);
}

static void replay(run *r, unsigned idx, const uint8_t *mut, size_t nmut)
{
    if (!r->ring_n)
        return;
    unsigned avail = r->ring_n < RING ? r->ring_n : RING;
    const ring_pkt *rp = &r->ring[(r->ring_n - 1 - idx % avail) % RING];
    memcpy(r->pkt, rp->data, rp->len);
    for (size_t i = 0; i + 2 <= nmut; i += 2)
        r->pkt[mut[i] % rp->len] ^= mut[i + 1];
    if (nmut) {
        fz_fix_checksum(r->pkt, rp->len);
        r->forged = 1;
    }
    fz_peer *to = rp->from_server ? &r->c : &r->s, *from = rp->from_server ? &r->s : &r->c;
    mpsctp_endpoint_recv(to->ep, r->pkt, rp->len, &to->addr, &from->addr, r->now);
    fz_peer_events(to);
}

static void queries(run *r, fz_peer *pe, uint8_t arg)
{
    if (!pe->as)
        return;
    mpsctp_assoc_status st;
    FZ_CHECK(mpsctp_assoc_status_get(pe->as, &st) == 0);
    FZ_CHECK(st.state == mpsctp_assoc_state(pe->as));
    FZ_CHECK(st.num_paths >= 1 && st.num_paths <= 8 && st.primary_path < st.num_paths);
    for (uint32_t i = 0; i < st.num_paths; i++) {
        mpsctp_path_info pi;
        FZ_CHECK(mpsctp_assoc_path_info(pe->as, i, &pi) == 0);
    }
    uint32_t limit, total, per[64], ns = 0;
    int e = mpsctp_assoc_sndqueue_info(pe->as, &limit, &total, per, 64, &ns);
    if (e == 0) {
        uint64_t sum = 0;
        for (uint32_t i = 0; i < ns && i < 64; i++)
            sum += per[i];
        FZ_CHECK(sum == total);
    }
    if (arg)
        mpsctp_assoc_set_sndbuf(pe->as, (uint32_t)arg << 10);
}

/* ---- the run ---------------------------------------------------------------------- */

static void finish(run *r)
{
    /* Graceful shutdown from the client (the server too when asked by the profile byte is
     * not needed: the SHUTDOWN handshake closes both). Lossless from here on. */
    if (r->c.as && !r->c.closed)
        mpsctp_assoc_shutdown(r->c.as, r->now);
    for (int i = 0; i < 200; i++) {
        pump(r, 0, 0);
        do_read(r, 0, 0);
        do_read(r, 1, 0);
        if ((!r->c.as || r->c.closed) && (!r->s.as || r->s.closed))
            break;
        mpsctp_tstamp d = fz_next_deadline(&r->c, &r->s);
        if (d == MPSCTP_TSTAMP_NEVER)
            break;
        if (d > r->now)
            r->now = d;
        timers(r);
    }
    pump(r, 0, 0);
    do_read(r, 0, 0);
    do_read(r, 1, 0);
    if (!r->forged && !r->lossy && !r->reborn && r->c.closed && r->s.closed &&
        r->c.close_how == MPSCTP_SHUTDOWN_COMP && r->s.close_how == MPSCTP_SHUTDOWN_COMP) {
        for (int dir = 0; dir < 2; dir++) {
            const dir_acct *d = &r->d[dir];
            for (uint32_t q = 0; q < d->nsent; q++) {
                if (!(d->st[q] & M_RECEIVED)) {
                    fprintf(stderr, "message %u (%s, sid %u) accepted but never delivered "
                            "after a graceful shutdown (status %u)\n", q,
                            dir ? "server->client" : "client->server", d->sid[q], d->st[q]);
                    FZ_CHECK(0 && "data lost");
                }
            }
        }
    }
}

/* The state a snapshot keeps: everything in run before the scratch buffers. */
#define RUN_STATE offsetof(run, pkt)

/* Builds the pair of settings profiles cprof and sprof into the empty arena and r (whose
 * state part is zero): handshake, then a message each way. */
static void setup(run *r, unsigned cprof, unsigned sprof)
{
    for (int dir = 0; dir < 2; dir++)
        for (int k = 0; k < NSID; k++)
            r->d[dir].last_ordered[k] = -1;
    r->now = FZ_T0;
    if (fz_pair_start(&r->c, &r->s, cprof, sprof, r->now))
        abort();
    r->c.on_event = r->s.on_event = on_event;
    r->c.user = r->s.user = r;
    pump(r, 0, 0);
    FZ_CHECK(r->c.up && r->s.up && r->s.as);
    /* a little data each way */
    r->now += MPSCTP_NS_PER_MS;
    do_send(r, 0, 100, 0);
    do_send(r, 1, 60, 1);
    pump(r, 0, 0);
    do_read(r, 0, 0);
    do_read(r, 1, 0);
    /* Nothing of the harness's own heap may be in a snapshot. */
    for (int dir = 0; dir < 2; dir++)
        for (int k = 0; k < NSID; k++) {
            FZ_CHECK(r->d[dir].acc_len[k] == 0);
            free(r->d[dir].acc[k]);
            r->d[dir].acc[k] = NULL;
            r->d[dir].acc_cap[k] = 0;
        }
}

/* fz_build_fn for fz_prepare: profile p holds cprof (bits 0-12) and sprof (16-28). */
static void build(void *state, unsigned p)
{
    setup(state, p & 0xffff, p >> 16);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static void *state;
    if (size > 32 * 1024)
        return 0;
    run *r = fz_run_state(&state, sizeof(*r));
    fz_in in = {data, data + size};
    uint8_t prof = fz_u8(&in);
    unsigned cprof = prof & 3, sprof = (prof & 4) ? (prof >> 3) & 3 : cprof;
    if (prof & 0x20) {
        /* CMT options for both sides (fz_settings bits 8-12). */
        unsigned x = (unsigned)fz_u8(&in) << 8;
        cprof |= x;
        sprof |= x;
    }
    /* One saved pair per combination: both profiles (2 bits each), the CMT bits. */
    static fz_snap *snaps[512];
    unsigned key = (cprof & 3) | (sprof & 3) << 2 | ((cprof >> 8) & 0x1f) << 4;
    fz_prepare(&snaps[key], r, RUN_STATE, build, cprof | sprof << 16);

    for (int ops = 0; ops < 512 && fz_left(&in); ops++) {
        uint8_t op = fz_u8(&in);
        uint8_t fl = op >> 4;
        int bit4 = fl & 1;
        r->now += 100 * 1000; /* 0.1 ms between operations */
        switch (op & 15) {
        case 0:
        case 1: {
            size_t n;
            const uint8_t *b = fz_take(&in, fz_u16(&in), &n);
            inject(r, op & 1, fl, b, n);
            break;
        }
        case 2: {
            uint8_t mask = bit4 ? fz_u8(&in) : 0;
            pump(r, mask, (fl >> 1) & 1);
            break;
        }
        case 3:
        case 4: {
            uint8_t sz = fz_u8(&in), sid = fz_u8(&in);
            size_t len = 8 + (size_t)sz * (bit4 ? 300 : 37);
            do_send(r, (op & 15) == 4, len, sid);
            break;
        }
        case 5: {
            static const size_t caps[4] = {0, 1, 100, 1000};
            do_read(r, bit4, caps[(fl >> 1) & 3]);
            break;
        }
        case 6: {
            uint8_t t = fz_u8(&in);
            if (t == 0) {
                mpsctp_tstamp d = fz_next_deadline(&r->c, &r->s);
                if (d != MPSCTP_TSTAMP_NEVER && d > r->now)
                    r->now = d;
            } else {
                r->now += (mpsctp_tstamp)t * (bit4 ? 100 : 5) * MPSCTP_NS_PER_MS;
            }
            timers(r);
            break;
        }
        case 7: {
            fz_peer *pe = bit4 ? &r->s : &r->c;
            if (pe->as)
                mpsctp_assoc_shutdown(pe->as, r->now);
            fz_peer_events(pe);
            break;
        }
        case 8: {
            fz_peer *pe = bit4 ? &r->s : &r->c;
            if (pe->as) {
                r->lossy = 1;
                mpsctp_assoc_abort(pe->as, r->now);
            }
            fz_peer_events(pe);
            break;
        }
        case 9: {
            fz_peer *pe = bit4 ? &r->s : &r->c;
            if (pe->as) {
                r->lossy = 1;
                mpsctp_assoc_free(pe->as);
                pe->as = NULL;
            }
            fz_peer_events(pe);
            break;
        }
        case 10: {
            /* At most MAX_EXTRA more: hundreds of them reach no new code, and their
             * handshakes made the slowest inputs. */
            mpsctp_assoc *a2;
            if (r->extra_assocs >= MAX_EXTRA)
                break;
            r->extra_assocs++;
            r->lossy = 1;
            mpsctp_endpoint_connect(r->c.ep, &r->s.addr, 1, FZ_SERVER_PORT, r->now, &a2);
            break;
        }
        case 11:
            queries(r, bit4 ? &r->s : &r->c, fz_u8(&in));
            break;
        case 12:
            replay(r, fz_u8(&in), NULL, 0);
            break;
        case 13: {
            unsigned idx = fz_u8(&in);
            size_t n;
            const uint8_t *m = fz_take(&in, 2u * (fz_u8(&in) % 16u), &n);
            replay(r, idx, m, n & ~(size_t)1);
            break;
        }
        default:
            break;
        }
        fz_check_index(&r->c);
        fz_check_index(&r->s);
    }
    finish(r);
    if (r->c.as && (prof & 0x80))
        mpsctp_assoc_free(r->c.as); /* the application's way out, then the endpoint's */
    fz_peer_free(&r->c);
    fz_peer_free(&r->s);
    /* Freeing the endpoints frees everything the core holds (LeakSanitizer does not see
     * into the arena). */
    fz_arena_check_empty("both endpoints were freed");
    for (int dir = 0; dir < 2; dir++)
        for (int k = 0; k < NSID; k++) {
            free(r->d[dir].acc[k]);
            r->d[dir].acc[k] = NULL;
        }
    return 0;
}
