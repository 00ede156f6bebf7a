/* libFuzzer harness for the chunk codec (lib/core/codec.c): the input is decoded as one
 * SCTP packet, every chunk with its type-specific decoder, with invariants on what the
 * decoders return; what decoded is encoded again into writers of several capacities and
 * decoded back. Also cross-checks the two CRC32c kernels on the input. */
#include "fuzz_common.h"

/* Checks a decoded TLV against the bytes it came from: [start, next) is what the decoder
 * consumed, end the limit it was given. */
static void check_tlv(const sctp_tlv *t, const uint8_t *start, const uint8_t *next,
                      const uint8_t *end, int chunk)
{
    FZ_CHECK(t->len >= 4);
    FZ_CHECK(t->len == get16(start + 2));
    FZ_CHECK(t->value == start + 4);
    FZ_CHECK(t->vlen == (size_t)t->len - 4);
    FZ_CHECK(t->value + t->vlen <= end);
    FZ_CHECK(next > start && next <= end);
    /* advanced by the padded length, or to the end when the padding is cut off */
    FZ_CHECK((size_t)(next - start) == pad4(t->len) || next == end);
    FZ_CHECK((size_t)(next - start) >= t->len);
    if (chunk) {
        FZ_CHECK(t->type == start[0] && t->flags == start[1]);
    } else {
        FZ_CHECK(t->type == get16(start) && t->flags == 0);
    }
}

/* Writer invariants after a sequence of writes: within capacity; on error, len and cap
 * still consistent and no room reported. */
static void check_wbuf(const wbuf *w)
{
    FZ_CHECK(w->len <= w->cap);
    FZ_CHECK(w->err == 0 || w->err == 1);
    if (w->err)
        FZ_CHECK(wbuf_room(w) == 0);
    else
        FZ_CHECK(wbuf_room(w) == w->cap - w->len);
}

/* Capacities tried for every re-encoding: too small in several ways, exact, roomy. */
static size_t caps_for(size_t need, size_t *caps)
{
    size_t n = 0;
    caps[n++] = 0;
    caps[n++] = 3;
    if (need > 4)
        caps[n++] = need / 2;
    if (need > 0)
        caps[n++] = need - 1;
    caps[n++] = need;
    caps[n++] = need + 5;
    return n;
}

/* Scratch for re-encoding (largest chunk: 64 KiB plus slack), allocated once. */
static uint8_t *scratch;
#define SCRATCH_CAP (70 * 1024)

/* Decodes the parameters (or causes) in [p, end) and checks each; returns the count. With
 * w, each is also written again with codec_param_put. */
static unsigned walk_params(const uint8_t *p, const uint8_t *end, wbuf *w)
{
    unsigned n = 0;
    while (p < end && n < 100000) {
        sctp_tlv t;
        const uint8_t *start = p;
        if (codec_param_decode(&p, end, &t)) {
            FZ_CHECK(p == start); /* a failed decode must not advance */
            break;
        }
        check_tlv(&t, start, p, end, 0);
        (void)codec_unknown_param_action(t.type);
        if (w)
            codec_param_put(w, t.type, t.value, t.vlen);
        n++;
    }
    return n;
}

/* Compares two parameter lists: same types, lengths and values in the same order. */
static void same_params(const uint8_t *a, const uint8_t *ae, const uint8_t *b,
                        const uint8_t *be, unsigned count)
{
    for (unsigned i = 0; i < count; i++) {
        sctp_tlv x, y;
        FZ_CHECK(codec_param_decode(&a, ae, &x) == 0);
        FZ_CHECK(codec_param_decode(&b, be, &y) == 0);
        FZ_CHECK(x.type == y.type && x.len == y.len);
        FZ_CHECK(x.vlen == 0 || memcmp(x.value, y.value, x.vlen) == 0);
    }
}

/* Decodes exactly one chunk from a freshly written buffer. */
static void redecode_one(const wbuf *w, sctp_tlv *c)
{
    const uint8_t *p = w->buf, *end = w->buf + w->len;
    FZ_CHECK(codec_chunk_decode(&p, end, c) == 0);
    FZ_CHECK(p == end);
    FZ_CHECK(w->len % 4 == 0);
}

static void do_data(const sctp_tlv *c)
{
    sctp_data d;
    if (codec_data_decode(c, &d)) {
        FZ_CHECK(c->vlen < 12);
        return;
    }
    FZ_CHECK(c->vlen >= 12);
    FZ_CHECK(d.payload == c->value + 12 && d.len == c->vlen - 12);
    FZ_CHECK(d.tsn == get32(c->value) && d.sid == get16(c->value + 4) &&
             d.ssn == get16(c->value + 6) && d.flags == c->flags);
    size_t need = pad4(SCTP_DATA_HDR_LEN + d.len), caps[8];
    size_t nc = caps_for(need, caps);
    for (size_t i = 0; i < nc; i++) {
        wbuf w;
        wbuf_init(&w, scratch, caps[i]);
        codec_data_encode(&w, d.flags, d.tsn, d.sid, d.ssn, d.ppid, d.payload, d.len);
        check_wbuf(&w);
        if (caps[i] >= need) {
            FZ_CHECK(!w.err && w.len == need);
            sctp_tlv c2;
            sctp_data d2;
            redecode_one(&w, &c2);
            FZ_CHECK(c2.type == SCTP_DATA && c2.len == c->len);
            FZ_CHECK(codec_data_decode(&c2, &d2) == 0);
            FZ_CHECK(d2.tsn == d.tsn && d2.sid == d.sid && d2.ssn == d.ssn &&
                     d2.ppid == d.ppid && d2.flags == d.flags && d2.len == d.len);
            FZ_CHECK(d.len == 0 || memcmp(d2.payload, d.payload, d.len) == 0);
        } else {
            FZ_CHECK(w.err);
        }
    }
}

static void do_init(const sctp_tlv *c)
{
    sctp_init in;
    if (codec_init_decode(c, &in)) {
        FZ_CHECK(c->vlen < 16);
        return;
    }
    FZ_CHECK(in.params == c->value + 16 && in.plen == c->vlen - 16);
    FZ_CHECK(in.init_tag == get32(c->value) && in.init_tsn == get32(c->value + 12));
    unsigned np = walk_params(in.params, in.params + in.plen, NULL);
    /* Re-encode the fixed part and the parameters that decoded. */
    size_t need = 4 + 16;
    {
        const uint8_t *p = in.params, *end = in.params + in.plen;
        for (unsigned i = 0; i < np; i++) {
            sctp_tlv t;
            FZ_CHECK(codec_param_decode(&p, end, &t) == 0);
            need += pad4(t.len);
        }
    }
    if (need > 0xffff)
        return; /* padding of the last parameter can push it over; not representable */
    size_t caps[8];
    size_t nc = caps_for(need, caps);
    for (size_t i = 0; i < nc; i++) {
        wbuf w;
        wbuf_init(&w, scratch, caps[i]);
        size_t off = codec_init_begin(&w, (uint8_t)c->type, in.init_tag, in.a_rwnd, in.os,
                                      in.mis, in.init_tsn);
        FZ_CHECK(off == 0);
        unsigned n2 = walk_params(in.params, in.params + in.plen, &w);
        FZ_CHECK(n2 == np);
        codec_chunk_end(&w, off);
        check_wbuf(&w);
        if (caps[i] >= need) {
            FZ_CHECK(!w.err && w.len == need);
            sctp_tlv c2;
            sctp_init in2;
            redecode_one(&w, &c2);
            FZ_CHECK(codec_init_decode(&c2, &in2) == 0);
            FZ_CHECK(in2.init_tag == in.init_tag && in2.a_rwnd == in.a_rwnd &&
                     in2.os == in.os && in2.mis == in.mis && in2.init_tsn == in.init_tsn);
            FZ_CHECK(walk_params(in2.params, in2.params + in2.plen, NULL) == np);
            same_params(in.params, in.params + in.plen, in2.params, in2.params + in2.plen,
                        np);
        } else {
            FZ_CHECK(w.err);
        }
    }
}

static void do_sack(const sctp_tlv *c, int nr)
{
    sctp_sack s;
    if (codec_sack_decode(c, nr, &s))
        return;
    size_t fixed = nr ? 16 : 12;
    size_t blocks = (size_t)s.ngaps + s.nnr + s.ndups;
    FZ_CHECK(fixed + 4 * blocks <= c->vlen);
    FZ_CHECK(!nr ? s.nnr == 0 : 1);
    FZ_CHECK(s.gaps == c->value + fixed);
    FZ_CHECK(s.nrgaps == s.gaps + 4u * s.ngaps);
    FZ_CHECK(s.dups == s.nrgaps + 4u * s.nnr);
    FZ_CHECK(s.dups + 4u * s.ndups <= c->value + c->vlen);
    FZ_CHECK(s.cum_tsn == get32(c->value) && s.a_rwnd == get32(c->value + 4));
    for (unsigned k = 0; k < 2; k++) {
        unsigned cnt = k ? s.nnr : s.ngaps;
        for (unsigned i = 0; i < cnt; i++) {
            uint16_t st, en;
            codec_sack_gap(&s, (int)k, i, &st, &en);
            FZ_CHECK(st >= 1 && st <= en);
        }
    }
    /* Re-encode the SACK from its fields with the generic writer and decode it back. */
    size_t need = 4 + fixed + 4 * blocks, caps[8];
    if (need > 0xffff)
        return;
    size_t nc = caps_for(need, caps);
    for (size_t i = 0; i < nc; i++) {
        wbuf w;
        wbuf_init(&w, scratch, caps[i]);
        size_t off = codec_chunk_begin(&w, nr ? SCTP_NR_SACK : SCTP_SACK, 0);
        wbuf_put32(&w, s.cum_tsn);
        wbuf_put32(&w, s.a_rwnd);
        wbuf_put16(&w, s.ngaps);
        if (nr) {
            wbuf_put16(&w, s.nnr);
            wbuf_put16(&w, s.ndups);
            wbuf_put16(&w, 0);
        } else {
            wbuf_put16(&w, s.ndups);
        }
        for (unsigned k = 0; k < 2; k++) {
            unsigned cnt = k ? s.nnr : s.ngaps;
            for (unsigned j = 0; j < cnt; j++) {
                uint16_t st, en;
                codec_sack_gap(&s, (int)k, j, &st, &en);
                wbuf_put16(&w, st);
                wbuf_put16(&w, en);
            }
        }
        for (unsigned j = 0; j < s.ndups; j++)
            wbuf_put32(&w, get32(s.dups + 4u * j));
        codec_chunk_end(&w, off);
        check_wbuf(&w);
        if (caps[i] >= need) {
            FZ_CHECK(!w.err && w.len == need);
            sctp_tlv c2;
            sctp_sack s2;
            redecode_one(&w, &c2);
            FZ_CHECK(codec_sack_decode(&c2, nr, &s2) == 0);
            FZ_CHECK(s2.cum_tsn == s.cum_tsn && s2.a_rwnd == s.a_rwnd &&
                     s2.ngaps == s.ngaps && s2.nnr == s.nnr && s2.ndups == s.ndups);
            FZ_CHECK(memcmp(s2.gaps, s.gaps, 4u * (s.ngaps + s.nnr)) == 0);
            FZ_CHECK(memcmp(s2.dups, s.dups, 4u * s.ndups) == 0);
        } else {
            FZ_CHECK(w.err);
        }
    }
}

static void do_u32(const sctp_tlv *c)
{
    uint32_t v;
    if (codec_u32_decode(c, &v)) {
        FZ_CHECK(c->vlen < 4);
        return;
    }
    FZ_CHECK(v == get32(c->value));
    uint8_t b[8];
    wbuf w;
    for (size_t cap = 0; cap <= sizeof(b); cap += 4) {
        wbuf_init(&w, b, cap);
        codec_u32_chunk(&w, (uint8_t)c->type, c->flags, v);
        check_wbuf(&w);
        FZ_CHECK(cap == 8 ? !w.err && w.len == 8 : w.err);
    }
    sctp_tlv c2;
    uint32_t v2;
    redecode_one(&w, &c2);
    FZ_CHECK(codec_u32_decode(&c2, &v2) == 0 && v2 == v && c2.flags == c->flags);
}

/* Decodes the parameter at buf[0..len) as a RE-CONFIG parameter. */
static int dec_reconf(const uint8_t *buf, size_t len, sctp_reconf_param *out)
{
    const uint8_t *p = buf;
    sctp_tlv t;
    if (codec_param_decode(&p, buf + len, &t))
        return -1;
    return codec_reconf_param_decode(&t, out);
}

/* RE-CONFIG (RFC 6525): each parameter that decodes is encoded again and must decode
 * to the same fields. */
static void do_reconf(const sctp_tlv *c)
{
    const uint8_t *p = c->value, *end = c->value + c->vlen;
    for (unsigned n = 0; p < end && n < 100000; n++) {
        sctp_tlv t;
        if (codec_param_decode(&p, end, &t))
            break;
        sctp_reconf_param a, b;
        int e = codec_reconf_param_decode(&t, &a);
        FZ_CHECK(e == 0 || e == MPSCTP_ERR_MALFORMED || e == MPSCTP_ERR_NOENT);
        if (e)
            continue;
        static uint16_t list[32768];
        for (uint32_t i = 0; i < a.nstreams; i++)
            list[i] = codec_reconf_stream(&a, i);
        static uint8_t buf[70000];
        wbuf w;
        wbuf_init(&w, buf, sizeof(buf));
        switch (a.type) {
        case SCTP_P_RECONF_OUT_RESET:
            codec_reconf_out_reset(&w, a.seq, a.resp_seq, a.last_tsn, list, a.nstreams);
            break;
        case SCTP_P_RECONF_IN_RESET: codec_reconf_in_reset(&w, a.seq, list, a.nstreams); break;
        case SCTP_P_RECONF_TSN_RESET: codec_reconf_tsn_reset(&w, a.seq); break;
        case SCTP_P_RECONF_RESPONSE:
            codec_reconf_response(&w, a.seq, a.result, a.has_tsns, a.snd_next_tsn,
                                  a.rcv_next_tsn);
            break;
        default: codec_reconf_add(&w, a.type, a.seq, a.add); break;
        }
        FZ_CHECK(!w.err && w.len == pad4(t.len));
        /* The Add Streams parameters end in a reserved field: ignored on receipt, written
         * as 0 (RFC 6525 s4.5, s4.6). */
        size_t same = t.len;
        if (a.type == SCTP_P_RECONF_ADD_OUT || a.type == SCTP_P_RECONF_ADD_IN)
            same -= 2;
        FZ_CHECK(memcmp(buf, t.value - 4, same) == 0);
        FZ_CHECK(dec_reconf(buf, w.len, &b) == 0 && b.type == a.type && b.seq == a.seq &&
                 b.nstreams == a.nstreams && b.add == a.add && b.result == a.result);
    }
}

/* ABORT, ERROR: causes; some causes nest a chunk (Unrecognized Chunk Type) or parameters
 * (Unrecognized Parameters). Re-encodes the causes into an ERROR chunk. */
static void do_causes(const sctp_tlv *c)
{
    const uint8_t *p = c->value, *end = c->value + c->vlen;
    unsigned n = 0;
    size_t need = 4;
    while (p < end && n < 100000) {
        sctp_tlv t;
        const uint8_t *start = p;
        if (codec_param_decode(&p, end, &t))
            break;
        check_tlv(&t, start, p, end, 0);
        need += pad4(t.len);
        n++;
        if (t.type == SCTP_CAUSE_UNRECOGNIZED_CHUNK && t.vlen >= 4) {
            const uint8_t *q = t.value, *qe = t.value + t.vlen;
            sctp_tlv inner;
            const uint8_t *qs = q;
            if (!codec_chunk_decode(&q, qe, &inner))
                check_tlv(&inner, qs, q, qe, 1);
        } else if (t.type == SCTP_CAUSE_UNRECOGNIZED_PARAMS ||
                   t.type == SCTP_CAUSE_RESTART_NEW_ADDRS) {
            walk_params(t.value, t.value + t.vlen, NULL);
        }
    }
    if (need > 0xffff)
        return;
    size_t caps[8];
    size_t nc = caps_for(need, caps);
    for (size_t i = 0; i < nc; i++) {
        wbuf w;
        wbuf_init(&w, scratch, caps[i]);
        size_t off = codec_chunk_begin(&w, SCTP_ERROR, 0);
        unsigned n2 = walk_params(c->value, c->value + c->vlen, &w);
        FZ_CHECK(n2 == n);
        codec_chunk_end(&w, off);
        check_wbuf(&w);
        if (caps[i] >= need) {
            FZ_CHECK(!w.err && w.len == need);
            sctp_tlv c2;
            redecode_one(&w, &c2);
            FZ_CHECK(walk_params(c2.value, c2.value + c2.vlen, NULL) == n);
            same_params(c->value, c->value + c->vlen, c2.value, c2.value + c2.vlen, n);
        } else {
            FZ_CHECK(w.err);
        }
    }
}

/* The error flag is sticky: once a write overflowed, later small writes fail too. */
static void wbuf_sticky(const uint8_t *data, size_t size)
{
    uint8_t b[16];
    size_t cap = size ? data[0] % 17 : 0;
    wbuf w;
    wbuf_init(&w, b, cap);
    size_t want = 0;
    for (size_t i = 1; i < size && i < 64; i++) {
        size_t before = w.len;
        int was_err = w.err;
        switch (data[i] & 3) {
        case 0: wbuf_put8(&w, data[i]); want = 1; break;
        case 1: wbuf_put16(&w, data[i]); want = 2; break;
        case 2: wbuf_put32(&w, data[i]); want = 4; break;
        default: wbuf_put(&w, NULL, data[i] >> 4); want = data[i] >> 4u; break;
        }
        check_wbuf(&w);
        if (was_err)
            FZ_CHECK(w.err && w.len == before);
        else if (before + want <= cap)
            FZ_CHECK(!w.err && w.len == before + want);
        else
            FZ_CHECK(w.err && w.len == before);
    }
}

/* Both CRC32c kernels agree at every alignment, and a fixed-up packet verifies. */
static void crc_checks(const uint8_t *data, size_t size)
{
    size_t n = size < 4096 ? size : 4096;
    uint32_t sw = crc32c(crc32c_update_sw, data, n);
    if (crc32c_hw_available()) {
        for (size_t off = 0; off < 8 && off <= n; off++)
            FZ_CHECK(crc32c(crc32c_update_hw, data + off, n - off) ==
                     crc32c(crc32c_update_sw, data + off, n - off));
    }
    /* incremental feeding equals one pass */
    size_t cut = n ? data[0] % (n + 1) : 0;
    uint32_t r = crc32c_update_sw(0xffffffffu, data, cut);
    r = crc32c_update_sw(r, data + cut, n - cut);
    FZ_CHECK((r ^ 0xffffffffu) == sw);
    if (n >= 12) {
        memcpy(scratch, data, n);
        fz_fix_checksum(scratch, n);
        FZ_CHECK(sctp_checksum_ok(crc32c_select(), scratch, n));
        FZ_CHECK(sctp_checksum(crc32c_update_sw, scratch, n) ==
                 sctp_checksum(crc32c_select(), data, n));
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!scratch) {
        scratch = malloc(SCRATCH_CAP); /* reused buffer, contents never carried over */
        if (!scratch)
            abort();
    }
    if (size > 65536 + 12)
        return 0;
    const uint8_t *p = data, *end = data + size;
    sctp_common h;
    if (codec_common_decode(&p, end, &h)) {
        FZ_CHECK(size < 12 && p == data);
        wbuf_sticky(data, size);
        return 0;
    }
    FZ_CHECK(p == data + 12 && h.sport == get16(data) && h.vtag == get32(data + 4));
    unsigned nchunks = 0;
    while (p < end && nchunks < 100000) {
        sctp_tlv c;
        const uint8_t *start = p;
        if (codec_chunk_decode(&p, end, &c)) {
            FZ_CHECK(p == start);
            FZ_CHECK(end - start < 4 || get16(start + 2) < 4 ||
                     (size_t)(end - start) < get16(start + 2));
            break;
        }
        check_tlv(&c, start, p, end, 1);
        nchunks++;
        FZ_CHECK(codec_chunk_name((uint8_t)c.type) != NULL);
        FZ_CHECK(codec_unknown_chunk_action((uint8_t)c.type) < 4);
        switch (c.type) {
        case SCTP_DATA: do_data(&c); break;
        case SCTP_INIT:
        case SCTP_INIT_ACK: do_init(&c); break;
        case SCTP_SACK:
        case SCTP_NR_SACK:
            do_sack(&c, 0);
            do_sack(&c, 1);
            break;
        case SCTP_HEARTBEAT:
        case SCTP_HEARTBEAT_ACK: walk_params(c.value, c.value + c.vlen, NULL); break;
        case SCTP_SHUTDOWN:
        case SCTP_ECNE:
        case SCTP_CWR: do_u32(&c); break;
        case SCTP_ABORT:
        case SCTP_ERROR: do_causes(&c); break;
        case SCTP_RECONFIG: do_reconf(&c); break;
        default:
            /* unknown and value-less chunks: the generic decoders must still be safe */
            do_sack(&c, 0);
            (void)walk_params(c.value, c.value + c.vlen, NULL);
            break;
        }
    }
    wbuf_sticky(data, size);
    crc_checks(data, size);
    return 0;
}
