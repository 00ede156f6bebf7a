/* Seed corpus generator for the fuzz harnesses. Writes small valid inputs for each of them
 * into <outdir>/fuzz_codec, <outdir>/fuzz_endpoint, <outdir>/fuzz_assoc and
 * <outdir>/fuzz_mem (the directories must exist): real packets of the reference exchange
 * (INIT, INIT ACK, COOKIE ECHO, COOKIE ACK, DATA, SACK with a gap, HEARTBEAT, SHUTDOWN...)
 * plus hand-built ABORT, ERROR, NR-SACK and parameter-rich INIT chunks, and the operation
 * lists of a hostile peer, wrapped in each harness's input format.
 *
 * Usage: fuzz_seeds <outdir>       (tests/fuzz/corpus holds the committed output) */
#include "fuzz_ref.h"

/* ---- a growable byte string ---------------------------------------------------------- */

typedef struct bytes {
    uint8_t b[16384];
    size_t n;
} bytes;

static void b_put(bytes *s, const void *p, size_t n)
{
    FZ_CHECK(s->n + n <= sizeof(s->b));
    memcpy(s->b + s->n, p, n);
    s->n += n;
}
static void b_u8(bytes *s, uint8_t v)
{
    b_put(s, &v, 1);
}
static void b_u16(bytes *s, uint16_t v)
{
    uint8_t x[2];
    put16(x, v);
    b_put(s, x, 2);
}

static const char *outdir;

static void save(const char *harness, const char *name, const bytes *s)
{
    char path[512];
    snprintf(path, sizeof(path), "%s/%s/%s", outdir, harness, name);
    FILE *f = fopen(path, "wb");
    if (!f) {
        perror(path);
        exit(1);
    }
    fwrite(s->b, 1, s->n, f);
    fclose(f);
}

/* ---- hand-built chunks ---------------------------------------------------------------- */

/* Chunk bytes are written into a bytes via a wbuf over its tail. */
#define CHUNK_W(s, w) wbuf_init(&(w), (s)->b + (s)->n, sizeof((s)->b) - (s)->n)
#define CHUNK_DONE(s, w) chunk_done((s), &(w))

static void chunk_done(bytes *s, const wbuf *w)
{
    FZ_CHECK(!w->err);
    s->n += w->len;
}

static void ch_data(bytes *s, uint8_t flags, uint32_t tsn, uint16_t sid, uint16_t ssn,
                    size_t len)
{
    uint8_t pl[1200];
    for (size_t i = 0; i < len; i++)
        pl[i] = (uint8_t)i;
    wbuf w;
    CHUNK_W(s, w);
    codec_data_encode(&w, flags, tsn, sid, ssn, 0, pl, len);
    CHUNK_DONE(s, w);
}

/* SACK (nr 0) or NR-SACK with gap blocks g[0..ng) (start, end pairs), nnr NR blocks that
 * repeat the gaps, and dups. */
static void ch_sack(bytes *s, int nr, uint32_t cum, uint32_t rwnd, const uint16_t *g,
                    unsigned ng, unsigned nnr, const uint32_t *dups, unsigned nd)
{
    wbuf w;
    CHUNK_W(s, w);
    size_t off = codec_chunk_begin(&w, nr ? SCTP_NR_SACK : SCTP_SACK, 0);
    wbuf_put32(&w, cum);
    wbuf_put32(&w, rwnd);
    wbuf_put16(&w, (uint16_t)ng);
    if (nr) {
        wbuf_put16(&w, (uint16_t)nnr);
        wbuf_put16(&w, (uint16_t)nd);
        wbuf_put16(&w, 0);
    } else {
        wbuf_put16(&w, (uint16_t)nd);
    }
    for (unsigned i = 0; i < ng; i++) {
        wbuf_put16(&w, g[2 * i]);
        wbuf_put16(&w, g[2 * i + 1]);
    }
    for (unsigned i = 0; i < nnr; i++) {
        wbuf_put16(&w, g[2 * i]);
        wbuf_put16(&w, g[2 * i + 1]);
    }
    for (unsigned i = 0; i < nd; i++)
        wbuf_put32(&w, dups[i]);
    codec_chunk_end(&w, off);
    CHUNK_DONE(s, w);
}

/* FORWARD TSN (RFC 3758) with n (sid, ssn) pairs; extra bytes appended to its value
 * (0: well formed). */
static void ch_fwdtsn(bytes *s, uint32_t cum, const uint16_t (*pairs)[2], size_t n,
                      size_t extra)
{
    uint8_t b[512];
    wbuf w;
    wbuf_init(&w, b, sizeof(b));
    size_t off = codec_chunk_begin(&w, SCTP_FORWARD_TSN, 0);
    wbuf_put32(&w, cum);
    for (size_t i = 0; i < n; i++) {
        wbuf_put16(&w, pairs[i][0]);
        wbuf_put16(&w, pairs[i][1]);
    }
    wbuf_put(&w, NULL, extra);
    codec_chunk_end(&w, off);
    chunk_done(s, &w);
}

static void ch_u32(bytes *s, uint8_t type, uint8_t flags, uint32_t v)
{
    wbuf w;
    CHUNK_W(s, w);
    codec_u32_chunk(&w, type, flags, v);
    CHUNK_DONE(s, w);
}

static void ch_empty(bytes *s, uint8_t type, uint8_t flags)
{
    wbuf w;
    CHUNK_W(s, w);
    codec_empty_chunk(&w, type, flags);
    CHUNK_DONE(s, w);
}

/* A chunk of type with one cause/parameter (ptype, value v[0..n)). */
static void ch_one_param(bytes *s, uint8_t type, uint8_t flags, uint16_t ptype, const void *v,
                         size_t n)
{
    wbuf w;
    CHUNK_W(s, w);
    size_t off = codec_chunk_begin(&w, type, flags);
    codec_param_put(&w, ptype, v, n);
    codec_chunk_end(&w, off);
    CHUNK_DONE(s, w);
}

/* ERROR with several causes, nested chunk and parameters included. */
static void ch_error_many(bytes *s)
{
    wbuf w;
    CHUNK_W(s, w);
    size_t off = codec_chunk_begin(&w, SCTP_ERROR, 0);
    uint8_t sid[4] = {0, 7, 0, 0};
    codec_param_put(&w, SCTP_CAUSE_INVALID_STREAM, sid, 4);
    uint8_t unk[8] = {0xc5, 0x00, 0x00, 0x08, 1, 2, 3, 4};
    codec_param_put(&w, SCTP_CAUSE_UNRECOGNIZED_CHUNK, unk, sizeof(unk));
    uint8_t up[8] = {0x81, 0x23, 0x00, 0x06, 0xaa, 0xbb, 0, 0};
    codec_param_put(&w, SCTP_CAUSE_UNRECOGNIZED_PARAMS, up, sizeof(up));
    uint8_t stale[4] = {0, 0, 0x10, 0};
    codec_param_put(&w, SCTP_CAUSE_STALE_COOKIE, stale, 4);
    codec_param_put(&w, SCTP_CAUSE_PROTOCOL_VIOLATION, "why", 3);
    codec_chunk_end(&w, off);
    CHUNK_DONE(s, w);
}

/* INIT (or INIT ACK) with many parameter kinds. */
static void ch_init_rich(bytes *s, uint8_t type, int hostname)
{
    wbuf w;
    CHUNK_W(s, w);
    size_t off = codec_init_begin(&w, type, 0x11223344, 65536, 10, 10, 1000);
    uint8_t v4[4] = {10, 0, 0, 1}, v6[16] = {0xfe, 0x80, [15] = 1};
    codec_param_put(&w, SCTP_P_IPV4, v4, 4);
    codec_param_put(&w, SCTP_P_IPV6, v6, 16);
    uint8_t t[4] = {0, 5, 0, 6};
    codec_param_put(&w, SCTP_P_SUPPORTED_ADDR_TYPES, t, 4);
    uint8_t life[4] = {0, 0, 0x27, 0x10};
    codec_param_put(&w, SCTP_P_COOKIE_PRESERVATIVE, life, 4);
    codec_param_put(&w, SCTP_P_ECN_CAPABLE, NULL, 0);
    codec_param_put(&w, SCTP_P_FORWARD_TSN_SUPPORTED, NULL, 0);
    uint8_t ext[3] = {0xc0, 0x80, 0x10};
    codec_param_put(&w, SCTP_P_SUPPORTED_EXTENSIONS, ext, 3);
    codec_param_put(&w, 0x8123, "skip-report", 11); /* 10: skip */
    codec_param_put(&w, 0xC123, "skip+rep", 8);     /* 11: skip and report */
    if (hostname)
        codec_param_put(&w, SCTP_P_HOST_NAME, "example.org", 12);
    if (type == SCTP_INIT_ACK)
        codec_param_put(&w, SCTP_P_STATE_COOKIE, "not-a-valid-cookie-at-all", 25);
    codec_param_put(&w, 0x4123, "stop-report", 11); /* 01: stop and report */
    codec_chunk_end(&w, off);
    CHUNK_DONE(s, w);
}

static void ch_heartbeat(bytes *s, uint8_t type)
{
    uint8_t info[24];
    for (size_t i = 0; i < sizeof(info); i++)
        info[i] = (uint8_t)(i * 3);
    ch_one_param(s, type, 0, SCTP_P_HEARTBEAT_INFO, info, sizeof(info));
}

/* ---- fuzz_codec: whole packets -------------------------------------------------------- */

static void packet(bytes *s, uint16_t sp, uint16_t dp, uint32_t vtag)
{
    s->n = 0;
    uint8_t h[12] = {0};
    put16(h, sp);
    put16(h + 2, dp);
    put32(h + 4, vtag);
    b_put(s, h, 12);
}

static void seeds_codec(void)
{
    bytes s;
    char name[64];
    for (unsigned i = 0; i < nlib; i++) {
        s.n = 0;
        b_put(&s, lib[i].data, lib[i].len);
        snprintf(name, sizeof(name), "ref_%02u_%s", i,
                 codec_chunk_name(lib[i].data[SCTP_COMMON_HDR_LEN]));
        save("fuzz_codec", name, &s);
    }
    uint16_t gaps[6] = {2, 3, 5, 9, 12, 12};
    uint32_t dups[2] = {100, 101};
    packet(&s, 5000, 5001, 0x1234);
    ch_sack(&s, 0, 100, 65536, gaps, 3, 0, dups, 2);
    save("fuzz_codec", "sack_gaps_dups", &s);
    packet(&s, 5000, 5001, 0x1234);
    ch_sack(&s, 1, 100, 65536, gaps, 3, 2, dups, 1);
    save("fuzz_codec", "nr_sack", &s);
    packet(&s, 5000, 5001, 0x1234);
    ch_one_param(&s, SCTP_ABORT, SCTP_FLAG_T, SCTP_CAUSE_USER_ABORT, "bye", 3);
    save("fuzz_codec", "abort_t", &s);
    packet(&s, 5000, 5001, 0x1234);
    ch_error_many(&s);
    save("fuzz_codec", "error_causes", &s);
    packet(&s, 5000, 5001, 0);
    ch_init_rich(&s, SCTP_INIT, 1);
    save("fuzz_codec", "init_params", &s);
    packet(&s, 5001, 5000, 0x1234);
    ch_init_rich(&s, SCTP_INIT_ACK, 0);
    save("fuzz_codec", "init_ack_params", &s);
    packet(&s, 5000, 5001, 0x1234);
    ch_data(&s, SCTP_DATA_B | SCTP_DATA_E, 1, 0, 0, 5);
    ch_data(&s, SCTP_DATA_B | SCTP_DATA_U, 2, 1, 0, 3);
    ch_sack(&s, 0, 7, 1000, NULL, 0, 0, NULL, 0);
    ch_heartbeat(&s, SCTP_HEARTBEAT);
    ch_u32(&s, SCTP_SHUTDOWN, 0, 7);
    ch_u32(&s, SCTP_ECNE, 0, 3);
    ch_u32(&s, SCTP_CWR, 0, 3);
    ch_empty(&s, SCTP_COOKIE_ACK, 0);
    ch_empty(&s, 0xC7, 0);
    save("fuzz_codec", "bundle", &s);
    /* RE-CONFIG (RFC 6525): each parameter, two per chunk */
    {
        const uint16_t l[3] = {1, 2, 7};
        wbuf w;
        packet(&s, 5000, 5001, 0x1234);
        CHUNK_W(&s, w);
        size_t off = codec_chunk_begin(&w, SCTP_RECONFIG, 0);
        codec_reconf_out_reset(&w, 100, 99, 5000, l, 3);
        codec_reconf_in_reset(&w, 101, l, 2);
        codec_chunk_end(&w, off);
        CHUNK_DONE(&s, w);
        CHUNK_W(&s, w);
        off = codec_chunk_begin(&w, SCTP_RECONFIG, 0);
        codec_reconf_response(&w, 7, SCTP_RECONF_IN_PROGRESS, 0, 0, 0);
        codec_reconf_response(&w, 8, SCTP_RECONF_PERFORMED, 1, 10, 20);
        codec_chunk_end(&w, off);
        CHUNK_DONE(&s, w);
        CHUNK_W(&s, w);
        off = codec_chunk_begin(&w, SCTP_RECONFIG, 0);
        codec_reconf_add(&w, SCTP_P_RECONF_ADD_OUT, 102, 5);
        codec_reconf_add(&w, SCTP_P_RECONF_ADD_IN, 103, 6);
        codec_reconf_tsn_reset(&w, 104);
        codec_chunk_end(&w, off);
        CHUNK_DONE(&s, w);
        save("fuzz_codec", "reconf", &s);
    }
    /* last chunk without its padding */
    packet(&s, 5000, 5001, 0x1234);
    ch_data(&s, SCTP_DATA_B | SCTP_DATA_E, 9, 0, 1, 3);
    s.n -= 1;
    save("fuzz_codec", "data_unpadded", &s);
    /* FORWARD TSN: with pairs, without, with a pair cut short */
    static const uint16_t fp[3][2] = {{0, 4}, {1, 65535}, {7, 0}};
    packet(&s, 5000, 5001, 0x1234);
    ch_fwdtsn(&s, 100, fp, 3, 0);
    ch_fwdtsn(&s, 101, NULL, 0, 0);
    save("fuzz_codec", "fwdtsn", &s);
    packet(&s, 5000, 5001, 0x1234);
    ch_fwdtsn(&s, 100, fp, 1, 2);
    save("fuzz_codec", "fwdtsn_odd", &s);
}

/* ---- fuzz_endpoint: records ------------------------------------------------------------ */

static void rec(bytes *s, uint8_t ctl, const void *p, size_t n)
{
    b_u8(s, ctl);
    b_u16(s, (uint16_t)n);
    b_put(s, p, n);
}

static void rec2(bytes *s, uint8_t ctl, uint8_t a, uint8_t b)
{
    uint8_t v[2] = {a, b};
    rec(s, ctl, v, 2);
}

static void seeds_endpoint(void)
{
    bytes s, c;
    int ce = lib_find(SCTP_COOKIE_ECHO, 1), ia = lib_find(SCTP_INIT_ACK, 0);
    FZ_CHECK(ce >= 0 && ia >= 0);
    /* every reference packet for the server, raw */
    s.n = 0;
    b_u8(&s, 0);
    for (unsigned i = 0; i < nlib; i++)
        if (lib[i].to_server && lib[i].data[SCTP_COMMON_HDR_LEN] != SCTP_SACK &&
            lib[i].data[SCTP_COMMON_HDR_LEN] != SCTP_NR_SACK)
            rec(&s, 0, lib[i].data, lib[i].len); /* its SACKs ack data this server lacks */
    save("fuzz_endpoint", "raw_client_side", &s);
    /* the same by reference index, with time passing and a read at the end */
    s.n = 0;
    b_u8(&s, 0);
    int sk = lib_find(SCTP_SACK, 1);
    if (sk < 0)
        sk = lib_find(SCTP_NR_SACK, 1); /* the reference peers negotiate NR-SACK */
    FZ_CHECK(sk > 0);
    rec2(&s, 7, 0, (uint8_t)sk);
    rec2(&s, 4, 0, 0);
    rec2(&s, 7, (uint8_t)(sk + 1), (uint8_t)(nlib - (unsigned)sk - 1));
    rec2(&s, 6, 0x81, 0);
    save("fuzz_endpoint", "replay_all", &s);
    /* COOKIE ECHO alone, then with DATA bundled, then a mutated one */
    s.n = 0;
    b_u8(&s, 0);
    c.n = 0;
    b_u8(&c, (uint8_t)ce);
    ch_data(&c, SCTP_DATA_B | SCTP_DATA_E, 0, 0, 0, 20);
    rec(&s, 3, c.b, c.n);
    uint8_t mut[4] = {(uint8_t)ce, 0, 30, 0x01};
    rec(&s, 2, mut, 4);
    save("fuzz_endpoint", "cookie_echo_bundled", &s);
    /* live: handshake by pumping, send, pump, time, shutdown */
    s.n = 0;
    b_u8(&s, 1);
    rec2(&s, 5, 0, 0);
    rec2(&s, 6, 0x00, 3);
    rec2(&s, 6, 0x80, 5);
    rec2(&s, 5, 0, 0);
    rec2(&s, 4, 0, 0);
    rec2(&s, 5, 0, 0);
    rec2(&s, 6, 0x02, 0);
    rec2(&s, 5, 0, 0);
    save("fuzz_endpoint", "live_pump", &s);
    /* live: the reference INIT ACK into the client, then pump (server gets the ECHO) */
    s.n = 0;
    b_u8(&s, 1);
    rec2(&s, 7, (uint8_t)ia, 1);
    rec2(&s, 5, 0, 0);
    rec2(&s, 4, 0, 0);
    rec2(&s, 5, 0x05, 0);
    save("fuzz_endpoint", "live_init_ack", &s);
    /* live: a synthesized INIT ACK with many parameters into the client in COOKIE-WAIT */
    s.n = 0;
    b_u8(&s, 1);
    c.n = 0;
    ch_init_rich(&c, SCTP_INIT_ACK, 0);
    rec(&s, 1 | (2 << 3) | 0x20, c.b, c.n);
    rec2(&s, 5, 0, 0);
    save("fuzz_endpoint", "live_init_ack_params", &s);
    /* INITs with parameters (one with a host name: ABORT), OOTB chunks */
    s.n = 0;
    b_u8(&s, 0);
    c.n = 0;
    ch_init_rich(&c, SCTP_INIT, 0);
    rec(&s, 1, c.b, c.n);
    c.n = 0;
    ch_init_rich(&c, SCTP_INIT, 1);
    rec(&s, 1, c.b, c.n);
    c.n = 0;
    ch_empty(&c, SCTP_SHUTDOWN_ACK, 0);
    rec(&s, 1 | (3 << 3), (uint8_t[]){0, 0, 0, 9, 0x08, 0, 0, 4}, 8);
    c.n = 0;
    ch_one_param(&c, SCTP_ERROR, 0, SCTP_CAUSE_STALE_COOKIE, "\0\0\0\1", 4);
    rec(&s, 1 | (1 << 3), c.b, c.n);
    c.n = 0;
    ch_one_param(&c, SCTP_ABORT, 0, SCTP_CAUSE_USER_ABORT, "x", 1);
    rec(&s, 1 | (1 << 3), c.b, c.n);
    save("fuzz_endpoint", "init_ootb", &s);
    /* an established association from the reference, then ABORT, ERROR, HEARTBEAT */
    s.n = 0;
    b_u8(&s, 0);
    rec2(&s, 7, (uint8_t)ce, 1);
    c.n = 0;
    ch_heartbeat(&c, SCTP_HEARTBEAT);
    ch_error_many(&c);
    rec(&s, 1 | (1 << 3), c.b, c.n);
    c.n = 0;
    ch_one_param(&c, SCTP_ABORT, 0, SCTP_CAUSE_PROTOCOL_VIOLATION, "no", 2);
    rec(&s, 1 | (1 << 3), c.b, c.n);
    save("fuzz_endpoint", "assoc_abort", &s);
}

/* ---- fuzz_assoc: operation lists ------------------------------------------------------ */

/* Operation 0/1 (inject) with flags and chunk bytes. */
static void op_inject(bytes *s, int to_client, uint8_t flags, const bytes *chunks)
{
    b_u8(s, (uint8_t)((to_client ? 1 : 0) | (flags << 4)));
    b_u16(s, (uint16_t)chunks->n);
    b_put(s, chunks->b, chunks->n);
}

static void seeds_assoc(void)
{
    bytes s, c;
    /* plain traffic, every profile: sends both ways, pump, read, timers, shutdown */
    for (unsigned prof = 0; prof < 4; prof++) {
        s.n = 0;
        b_u8(&s, (uint8_t)prof);
        b_put(&s, (uint8_t[]){3, 10, 0, 3, 40, 1, 0x13, 20, 0x82, 4, 5, 2}, 12);
        b_put(&s, (uint8_t[]){2, 5, 0x15, 6, 0, 2, 6, 40, 2, 0x14, 0x0f, 2}, 12);
        b_put(&s, (uint8_t[]){0x35, 0x45, 7, 2, 6, 0, 2}, 7);
        char name[32];
        snprintf(name, sizeof(name), "traffic_p%u", prof);
        save("fuzz_assoc", name, &s);
    }
    /* each CMT mode (profile bit 5, then the CMT byte; mode 2 without NR-SACK, mode 3
     * without buffer splitting): traffic with losses and duplicates, then a SACK with
     * gaps and the DAC flag bits */
    for (unsigned mode = 1; mode <= MPSCTP_CMT_MAX; mode++) {
        s.n = 0;
        b_u8(&s, 0x22);
        b_u8(&s, (uint8_t)(mode | (mode == 2 ? 0x08 : 0) | (mode == 3 ? 0x10 : 0)));
        b_put(&s, (uint8_t[]){0x13, 30, 0, 0x13, 30, 1, 0x13, 30, 2, 0x32, 0x5a, 0x36, 0}, 13);
        uint16_t g[4] = {2, 3, 5, 6};
        c.n = 0;
        ch_sack(&c, 0, 0, 100000, g, 2, 0, NULL, 0);
        c.b[1] = 0x80; /* DAC: two packets */
        op_inject(&s, 0, 1, &c);
        op_inject(&s, 0, 1, &c);
        b_put(&s, (uint8_t[]){2, 6, 0, 2, 5, 7, 0x17, 6, 0, 2}, 10);
        char name[32];
        snprintf(name, sizeof(name), "cmt_m%u", mode);
        save("fuzz_assoc", name, &s);
    }
    /* PR-SCTP: fragments and ordered messages with holes, then FORWARD TSNs (relative to
     * the receiver's cumulative TSN) that skip them, an old one, one with an unknown
     * stream, one beyond the window and a malformed one */
    {
        static const uint16_t fp[2][2] = {{0, 1}, {1, 0}};
        static const uint16_t fbad[1][2] = {{900, 3}};
        s.n = 0;
        b_u8(&s, 0);
        c.n = 0;
        ch_data(&c, SCTP_DATA_B, 1, 0, 1, 20);
        ch_data(&c, SCTP_DATA_B | SCTP_DATA_E, 4, 0, 2, 20);
        ch_data(&c, SCTP_DATA_B | SCTP_DATA_E, 5, 1, 1, 20);
        op_inject(&s, 0, 1, &c);
        c.n = 0;
        ch_fwdtsn(&c, 3, fp, 2, 0);
        op_inject(&s, 0, 1, &c);
        c.n = 0;
        ch_fwdtsn(&c, 0, fbad, 1, 0);
        ch_fwdtsn(&c, 2, fbad, 1, 0);
        op_inject(&s, 0, 1, &c);
        b_put(&s, (uint8_t[]){2, 6, 0, 2}, 4);
        c.n = 0;
        ch_fwdtsn(&c, 0x40000000u, NULL, 0, 0);
        op_inject(&s, 0, 1, &c);
        save("fuzz_assoc", "fwdtsn", &s);
        s.n = 0;
        b_u8(&s, 0);
        c.n = 0;
        ch_fwdtsn(&c, 2, NULL, 0, 3);
        op_inject(&s, 0, 1, &c);
        save("fuzz_assoc", "fwdtsn_malformed", &s);
    }
    /* losses and duplicates on the wire, replays */
    s.n = 0;
    b_u8(&s, 2);
    b_put(&s, (uint8_t[]){3, 30, 0, 3, 30, 0, 3, 30, 0, 0x12, 0x05, 6, 0, 2, 6, 0, 2}, 17);
    b_put(&s, (uint8_t[]){3, 10, 1, 0x32, 0xff, 12, 0, 12, 3, 6, 0, 2, 5}, 13);
    save("fuzz_assoc", "loss_dup", &s);
    /* DATA at relative TSNs: in order, a gap, a duplicate, a bad stream, empty DATA */
    s.n = 0;
    b_u8(&s, 0);
    c.n = 0;
    ch_data(&c, SCTP_DATA_B | SCTP_DATA_E, 1, 0, 1, 20);
    ch_data(&c, SCTP_DATA_B | SCTP_DATA_E, 3, 0, 3, 20);
    op_inject(&s, 0, 1, &c);
    c.n = 0;
    ch_data(&c, SCTP_DATA_B, 2, 0, 2, 20);
    ch_data(&c, SCTP_DATA_E, 3, 0, 2, 20);
    ch_data(&c, SCTP_DATA_B | SCTP_DATA_E | SCTP_DATA_U, 4, 60, 0, 20);
    op_inject(&s, 0, 1, &c);
    b_put(&s, (uint8_t[]){2, 0x15, 2}, 3);
    c.n = 0;
    ch_data(&c, SCTP_DATA_B | SCTP_DATA_E, 5, 1, 0, 0); /* no user data: ABORT */
    op_inject(&s, 0, 1, &c);
    b_put(&s, (uint8_t[]){2}, 1);
    save("fuzz_assoc", "inject_data", &s);
    /* SACK / NR-SACK at relative TSNs with gaps and dups after sending a lot */
    s.n = 0;
    b_u8(&s, 0);
    /* sent but lost (the pump drops everything): outstanding data to acknowledge */
    b_put(&s, (uint8_t[]){0x13, 5, 0, 0x13, 5, 1, 0x13, 5, 2, 0x12, 0xff}, 11);
    uint16_t gaps[4] = {2, 3, 5, 6};
    uint32_t dups[1] = {5};
    c.n = 0;
    ch_sack(&c, 0, 0, 100000, gaps, 2, 0, dups, 1);
    op_inject(&s, 0, 1, &c);
    op_inject(&s, 0, 1, &c);
    op_inject(&s, 0, 1, &c);
    op_inject(&s, 0, 1, &c);
    c.n = 0;
    ch_sack(&c, 1, 1, 0, gaps, 2, 2, NULL, 0);
    op_inject(&s, 0, 1, &c);
    b_put(&s, (uint8_t[]){2, 6, 0, 2}, 4);
    save("fuzz_assoc", "inject_sack", &s);
    /* HEARTBEAT, HEARTBEAT ACK, ERROR, ECNE, unknown chunks of all four actions */
    s.n = 0;
    b_u8(&s, 0);
    c.n = 0;
    ch_heartbeat(&c, SCTP_HEARTBEAT);
    op_inject(&s, 0, 0, &c);
    c.n = 0;
    ch_heartbeat(&c, SCTP_HEARTBEAT_ACK);
    ch_error_many(&c);
    ch_u32(&c, SCTP_ECNE, 0, 1);
    ch_empty(&c, 0xbf, 0);
    ch_empty(&c, 0xff, 0);
    ch_empty(&c, 0x7f, 0);
    ch_empty(&c, 0x3f, 0);
    op_inject(&s, 0, 0, &c);
    op_inject(&s, 1, 0, &c);
    b_put(&s, (uint8_t[]){2}, 1);
    save("fuzz_assoc", "inject_ctrl", &s);
    /* SHUTDOWN from the "peer" at a relative cum TSN, then SHUTDOWN ACK / COMPLETE */
    s.n = 0;
    b_u8(&s, 0);
    b_put(&s, (uint8_t[]){3, 2, 0}, 3);
    c.n = 0;
    ch_u32(&c, SCTP_SHUTDOWN, 0, 0);
    op_inject(&s, 0, 1, &c);
    c.n = 0;
    ch_empty(&c, SCTP_SHUTDOWN_ACK, 0);
    op_inject(&s, 1, 0, &c);
    c.n = 0;
    ch_empty(&c, SCTP_SHUTDOWN_COMPLETE, SCTP_FLAG_T);
    op_inject(&s, 0, 2, &c);
    b_put(&s, (uint8_t[]){2, 6, 0, 2}, 4);
    save("fuzz_assoc", "inject_shutdown", &s);
    /* ABORT with our tag and reflected with the T bit; COOKIE ECHO garbage; INIT */
    s.n = 0;
    b_u8(&s, 0);
    c.n = 0;
    ch_one_param(&c, SCTP_COOKIE_ECHO, 0, 0x1234, "garbage-cookie", 14);
    op_inject(&s, 0, 0, &c);
    c.n = 0;
    ch_init_rich(&c, SCTP_INIT, 0);
    op_inject(&s, 0, 4, &c);
    c.n = 0;
    ch_one_param(&c, SCTP_ABORT, SCTP_FLAG_T, SCTP_CAUSE_USER_ABORT, "x", 1);
    op_inject(&s, 1, 2, &c);
    c.n = 0;
    ch_one_param(&c, SCTP_ABORT, 0, SCTP_CAUSE_PROTOCOL_VIOLATION, "y", 1);
    op_inject(&s, 0, 0, &c);
    b_put(&s, (uint8_t[]){2}, 1);
    save("fuzz_assoc", "inject_abort", &s);
    /* small buffers, big messages, partial reads, set_sndbuf, abort, free, restart */
    s.n = 0;
    b_u8(&s, 1);
    b_put(&s, (uint8_t[]){0x13, 60, 0, 0x14, 40, 1, 2, 0x25, 2, 0x55, 2, 0x75, 2, 5, 0x15},
          15);
    b_put(&s, (uint8_t[]){11, 8, 0x1b, 0, 6, 0, 2, 10, 2, 6, 0, 2, 0x18, 2, 9}, 15);
    save("fuzz_assoc", "big_abort_restart", &s);
}

/* ---- fuzz_mem: a hostile peer's operation lists --------------------------------------- */

/* Operation 0: one DATA chunk at offset off from the receiver's cumulative TSN. */
static void mem_data(bytes *s, uint16_t off, uint8_t fl, uint8_t sid, uint8_t ssn, uint8_t len)
{
    b_u8(s, 0);
    b_u16(s, off);
    b_put(s, (uint8_t[]){fl, sid, ssn, len}, 4);
}

/* Operation 1: count + 1 one-byte chunks from offset base on, TSN step, SSN from ssn. */
static void mem_tiny_run(bytes *s, uint16_t base, uint8_t count, uint8_t fl, uint8_t sid,
                         uint8_t step, uint8_t ssn)
{
    b_u8(s, 1);
    b_u16(s, base);
    b_put(s, (uint8_t[]){count, fl, sid, step, ssn}, 5);
}

static void seeds_mem(void)
{
    bytes s;
    /* Holes filled with fragments that never complete (no B, no E) behind a TSN far
     * ahead, in an 8 KiB receive buffer: held data grows unless the receiver bounds it. */
    s.n = 0;
    b_u8(&s, 0x01);
    mem_data(&s, 60000, 0, 0, 0, 1);
    for (unsigned k = 0; k < 8; k++)
        mem_tiny_run(&s, (uint16_t)(k * 256), 255, 0, 0, 1, 0);
    save("fuzz_mem", "hole_fill", &s);
    /* Complete messages whose SSNs start at 1: all wait for SSN 0 on their stream. */
    s.n = 0;
    b_u8(&s, 0x01);
    for (unsigned k = 0; k < 4; k++)
        mem_tiny_run(&s, (uint16_t)(k * 256), 255, SCTP_DATA_B | SCTP_DATA_E, 1, 1,
                     (uint8_t)(1 + k));
    b_put(&s, (uint8_t[]){6, 0, 0, 0}, 4); /* the application reads what it can */
    save("fuzz_mem", "ssn_hold", &s);
    /* 2048 streams, messages on many of them out of order, far apart, fragmented */
    s.n = 0;
    b_u8(&s, 0x12);
    b_u8(&s, 0xf0);
    for (unsigned k = 0; k < 16; k++) {
        b_u16(&s, (uint16_t)(k * 4000 + 7));
        b_put(&s,
              (uint8_t[]){
                  (uint8_t)((k & 1 ? SCTP_DATA_B : SCTP_DATA_E) | 0x80 | (k & 4 ? 0x20 : 0)),
                  (uint8_t)(k * 13), (uint8_t)(k + 3), 40},
              4);
    }
    mem_data(&s, 1, SCTP_DATA_B | SCTP_DATA_U, 9, 0, 200);
    b_put(&s, (uint8_t[]){7, 0, 5}, 3);
    save("fuzz_mem", "streams_ooo", &s);
    /* ERROR chunks with many causes, one packet full of them */
    s.n = 0;
    b_u8(&s, 0x00);
    b_put(&s, (uint8_t[]){2, 255, 0, 1, 0, 0x12, 255, 0xff, 0xff, 4}, 10);
    b_put(&s, (uint8_t[]){9, 5}, 2);
    save("fuzz_mem", "error_causes", &s);
    /* HEARTBEATs while nobody takes the server's output (the acks queue up) */
    s.n = 0;
    b_u8(&s, 0x00);
    for (unsigned k = 0; k < 8; k++)
        b_put(&s, (uint8_t[]){3, 255, 200}, 3);
    b_put(&s, (uint8_t[]){5}, 1);
    save("fuzz_mem", "heartbeat_flood", &s);
    /* Unknown chunk types: "skip and report" (an ERROR each) and "stop and report" */
    s.n = 0;
    b_u8(&s, 0x00);
    for (unsigned k = 0; k < 4; k++)
        b_put(&s, (uint8_t[]){4, 255, 0xff, 8, 4, 10, 0x7f, 0}, 8);
    save("fuzz_mem", "unknown_report", &s);
    /* Duplicates below the cumulative TSN and a partly delivered large message read in
     * small pieces (partial delivery point 1 byte) */
    s.n = 0;
    b_u8(&s, 0x0c);
    mem_data(&s, 0, SCTP_DATA_B, 0, 0, 255);
    mem_data(&s, 1, 0x80, 0, 0, 255);
    mem_data(&s, 0, 0x40 | SCTP_DATA_B | SCTP_DATA_E, 0, 0, 10);
    mem_data(&s, 5, 0x40 | SCTP_DATA_B | SCTP_DATA_E, 0, 0, 10);
    b_put(&s, (uint8_t[]){6, 3, 0, 7, 7, 0, 6, 0, 0, 0}, 10);
    mem_data(&s, 0, SCTP_DATA_E, 0, 0, 10);
    save("fuzz_mem", "dup_partial", &s);
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: %s <outdir>\n", argv[0]);
        return 2;
    }
    outdir = argv[1];
    build_library();
    for (unsigned i = 0; i < nlib; i++)
        printf("ref %2u %s %4zu bytes %s\n", i, lib[i].to_server ? "c->s" : "s->c",
               lib[i].len, codec_chunk_name(lib[i].data[SCTP_COMMON_HDR_LEN]));
    seeds_codec();
    seeds_endpoint();
    seeds_assoc();
    seeds_mem();
    return 0;
}
