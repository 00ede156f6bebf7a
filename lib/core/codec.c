/* Chunk, parameter and error-cause codec (RFC 9260 s3). */
#include <string.h>

#include "codec.h"
#include "mpsctp/mpsctp.h"

int codec_common_decode(const uint8_t **p, const uint8_t *end, sctp_common *out)
{
    const uint8_t *q = *p;
    if (end - q < SCTP_COMMON_HDR_LEN)
        return MPSCTP_ERR_MALFORMED;
    out->sport = get16(q);
    out->dport = get16(q + 2);
    out->vtag = get32(q + 4);
    memcpy(&out->checksum, q + 8, 4);
    *p = q + SCTP_COMMON_HDR_LEN;
    return 0;
}

/* Shared by chunks and parameters: the header is 4 bytes in both, only the type width
 * differs. */
static int tlv_decode(const uint8_t **p, const uint8_t *end, sctp_tlv *out, int chunk)
{
    const uint8_t *q = *p;
    if (end - q < 4)
        return MPSCTP_ERR_MALFORMED;
    uint16_t len = get16(q + 2);
    if (len < 4 || (size_t)(end - q) < len)
        return MPSCTP_ERR_MALFORMED;
    if (chunk) {
        out->type = q[0];
        out->flags = q[1];
    } else {
        out->type = get16(q);
        out->flags = 0;
    }
    out->len = len;
    out->value = q + 4;
    out->vlen = (size_t)len - 4;
    size_t padded = pad4(len);
    /* RFC 9260 s3.2: padding of the last chunk may be absent; tolerate a short tail. */
    if ((size_t)(end - q) < padded)
        padded = (size_t)(end - q);
    *p = q + padded;
    return 0;
}

int codec_chunk_decode(const uint8_t **p, const uint8_t *end, sctp_tlv *out)
{
    return tlv_decode(p, end, out, 1);
}

int codec_param_decode(const uint8_t **p, const uint8_t *end, sctp_tlv *out)
{
    return tlv_decode(p, end, out, 0);
}

int codec_data_decode(const sctp_tlv *c, sctp_data *out)
{
    if (c->vlen < 12)
        return MPSCTP_ERR_MALFORMED;
    const uint8_t *v = c->value;
    out->flags = c->flags;
    out->tsn = get32(v);
    out->sid = get16(v + 4);
    out->ssn = get16(v + 6);
    memcpy(&out->ppid, v + 8, 4);
    out->payload = v + 12;
    out->len = c->vlen - 12;
    out->mid = out->fsn = 0;
    return 0;
}

int codec_idata_decode(const sctp_tlv *c, sctp_data *out)
{
    if (c->vlen < 16)
        return MPSCTP_ERR_MALFORMED;
    const uint8_t *v = c->value;
    out->flags = c->flags;
    out->tsn = get32(v);
    out->sid = get16(v + 4);
    out->ssn = 0;
    out->mid = get32(v + 8);
    if (c->flags & SCTP_DATA_B) {
        memcpy(&out->ppid, v + 12, 4);
        out->fsn = 0;
    } else {
        out->ppid = 0;
        out->fsn = get32(v + 12);
    }
    out->payload = v + 16;
    out->len = c->vlen - 16;
    return 0;
}

int codec_init_decode(const sctp_tlv *c, sctp_init *out)
{
    if (c->vlen < 16)
        return MPSCTP_ERR_MALFORMED;
    const uint8_t *v = c->value;
    out->init_tag = get32(v);
    out->a_rwnd = get32(v + 4);
    out->os = get16(v + 8);
    out->mis = get16(v + 10);
    out->init_tsn = get32(v + 12);
    out->params = v + 16;
    out->plen = c->vlen - 16;
    return 0;
}

int codec_sack_decode(const sctp_tlv *c, int nr, sctp_sack *out)
{
    size_t fixed = nr ? 16 : 12;
    if (c->vlen < fixed)
        return MPSCTP_ERR_MALFORMED;
    const uint8_t *v = c->value;
    out->cum_tsn = get32(v);
    out->a_rwnd = get32(v + 4);
    out->ngaps = get16(v + 8);
    if (nr) {
        out->nnr = get16(v + 10);
        out->ndups = get16(v + 12);
    } else {
        out->nnr = 0;
        out->ndups = get16(v + 10);
    }
    size_t need = fixed + 4u * ((size_t)out->ngaps + out->nnr + out->ndups);
    if (c->vlen < need)
        return MPSCTP_ERR_MALFORMED;
    out->gaps = v + fixed;
    out->nrgaps = out->gaps + 4u * out->ngaps;
    out->dups = out->nrgaps + 4u * out->nnr;
    for (unsigned i = 0; i < (unsigned)out->ngaps + out->nnr; i++) {
        uint16_t s = get16(out->gaps + 4u * i), e = get16(out->gaps + 4u * i + 2);
        if (s == 0 || s > e)
            return MPSCTP_ERR_MALFORMED;
    }
    return 0;
}

void codec_sack_gap(const sctp_sack *s, int nr, unsigned i, uint16_t *start, uint16_t *end)
{
    const uint8_t *b = (nr ? s->nrgaps : s->gaps) + 4u * i;
    *start = get16(b);
    *end = get16(b + 2);
}

int codec_u32_decode(const sctp_tlv *c, uint32_t *out)
{
    if (c->vlen < 4)
        return MPSCTP_ERR_MALFORMED;
    *out = get32(c->value);
    return 0;
}

/* ---- encoding ---------------------------------------------------------------------- */

void wbuf_init(wbuf *w, uint8_t *buf, size_t cap)
{
    w->buf = buf;
    w->len = 0;
    w->cap = cap;
    w->err = 0;
    w->ppad_end = (size_t)-1;
    w->ppad = 0;
}

void wbuf_put(wbuf *w, const void *p, size_t n)
{
    if (w->err || w->cap - w->len < n) {
        w->err = 1;
        return;
    }
    if (p)
        memcpy(w->buf + w->len, p, n);
    else
        memset(w->buf + w->len, 0, n);
    w->len += n;
}

void wbuf_put8(wbuf *w, uint8_t v)
{
    wbuf_put(w, &v, 1);
}

void wbuf_put16(wbuf *w, uint16_t v)
{
    uint8_t b[2];
    put16(b, v);
    wbuf_put(w, b, 2);
}

void wbuf_put32(wbuf *w, uint32_t v)
{
    uint8_t b[4];
    put32(b, v);
    wbuf_put(w, b, 4);
}

void codec_common_encode(wbuf *w, uint16_t sport, uint16_t dport, uint32_t vtag)
{
    wbuf_put16(w, sport);
    wbuf_put16(w, dport);
    wbuf_put32(w, vtag);
    wbuf_put32(w, 0);
}

size_t codec_chunk_begin(wbuf *w, uint8_t type, uint8_t flags)
{
    size_t off = w->len;
    wbuf_put8(w, type);
    wbuf_put8(w, flags);
    wbuf_put16(w, 0);
    return off;
}

/* Writes the length of the TLV at off and pads to a multiple of 4. When the TLV ends
 * with a parameter, that parameter's padding is not part of its length (RFC 9260 s3.2)
 * but stays in place as the TLV's own padding. Returns the padding added. */
static size_t tlv_end(wbuf *w, size_t off)
{
    if (w->err)
        return 0;
    size_t len = w->len - off;
    if (w->ppad_end == w->len && w->ppad <= len - 4)
        len -= w->ppad;
    if (len > 0xffff) {
        w->err = 1;
        return 0;
    }
    put16(w->buf + off + 2, (uint16_t)len);
    size_t pad = pad4(len) - (w->len - off);
    wbuf_put(w, NULL, pad);
    return pad4(len) - len;
}

void codec_chunk_end(wbuf *w, size_t off)
{
    tlv_end(w, off);
    w->ppad_end = (size_t)-1;
}

size_t codec_param_begin(wbuf *w, uint16_t type)
{
    size_t off = w->len;
    wbuf_put16(w, type);
    wbuf_put16(w, 0);
    return off;
}

void codec_param_end(wbuf *w, size_t off)
{
    size_t pad = tlv_end(w, off);
    w->ppad = (uint8_t)pad;
    w->ppad_end = w->len;
}

void codec_param_put(wbuf *w, uint16_t type, const void *v, size_t n)
{
    size_t off = codec_param_begin(w, type);
    wbuf_put(w, v, n);
    codec_param_end(w, off);
}

void codec_data_encode(wbuf *w, uint8_t flags, uint32_t tsn, uint16_t sid, uint16_t ssn,
                       uint32_t ppid, const uint8_t *payload, size_t len)
{
    size_t off = codec_chunk_begin(w, SCTP_DATA, flags);
    wbuf_put32(w, tsn);
    wbuf_put16(w, sid);
    wbuf_put16(w, ssn);
    wbuf_put(w, &ppid, 4);
    wbuf_put(w, payload, len);
    codec_chunk_end(w, off);
}

void codec_idata_encode(wbuf *w, uint8_t flags, uint32_t tsn, uint16_t sid, uint32_t mid,
                        uint32_t ppid, uint32_t fsn, const uint8_t *payload, size_t len)
{
    size_t off = codec_chunk_begin(w, SCTP_IDATA, flags);
    wbuf_put32(w, tsn);
    wbuf_put16(w, sid);
    wbuf_put16(w, 0);
    wbuf_put32(w, mid);
    if (flags & SCTP_DATA_B)
        wbuf_put(w, &ppid, 4);
    else
        wbuf_put32(w, fsn);
    wbuf_put(w, payload, len);
    codec_chunk_end(w, off);
}

size_t codec_init_begin(wbuf *w, uint8_t type, uint32_t init_tag, uint32_t a_rwnd,
                        uint16_t os, uint16_t mis, uint32_t init_tsn)
{
    size_t off = codec_chunk_begin(w, type, 0);
    wbuf_put32(w, init_tag);
    wbuf_put32(w, a_rwnd);
    wbuf_put16(w, os);
    wbuf_put16(w, mis);
    wbuf_put32(w, init_tsn);
    return off;
}

void codec_u32_chunk(wbuf *w, uint8_t type, uint8_t flags, uint32_t v)
{
    size_t off = codec_chunk_begin(w, type, flags);
    wbuf_put32(w, v);
    codec_chunk_end(w, off);
}

void codec_empty_chunk(wbuf *w, uint8_t type, uint8_t flags)
{
    size_t off = codec_chunk_begin(w, type, flags);
    codec_chunk_end(w, off);
}

const char *codec_chunk_name(uint8_t type)
{
    static const char *const names[] = {
        "DATA",     "INIT",          "INIT_ACK",  "SACK",  "HEARTBEAT",
        "HEARTBEAT_ACK", "ABORT",    "SHUTDOWN",  "SHUTDOWN_ACK", "ERROR",
        "COOKIE_ECHO", "COOKIE_ACK", "ECNE",      "CWR",   "SHUTDOWN_COMPLETE",
    };
    if (type < sizeof(names) / sizeof(names[0]))
        return names[type];
    if (type == SCTP_NR_SACK)
        return "NR_SACK";
    if (type == SCTP_RECONFIG)
        return "RE_CONFIG";
    if (type == SCTP_IDATA)
        return "I_DATA";
    if (type == SCTP_I_FORWARD_TSN)
        return "I_FORWARD_TSN";
    if (type == SCTP_FORWARD_TSN)
        return "FORWARD_TSN";
    return "UNKNOWN";
}

/* ---- RE-CONFIG parameters (RFC 6525 s4) ---------------------------------------------- */

int codec_reconf_param_decode(const sctp_tlv *p, sctp_reconf_param *out)
{
    const uint8_t *v = p->value;
    size_t n = p->vlen;
    memset(out, 0, sizeof(*out));
    out->type = p->type;
    switch (p->type) {
    case SCTP_P_RECONF_OUT_RESET: /* s4.1: 3 words, then 16-bit stream numbers */
        if (n < 12 || (n - 12) % 2)
            return MPSCTP_ERR_MALFORMED;
        out->seq = get32(v);
        out->resp_seq = get32(v + 4);
        out->last_tsn = get32(v + 8);
        out->nstreams = (uint16_t)((n - 12) / 2);
        out->streams = v + 12;
        return 0;
    case SCTP_P_RECONF_IN_RESET: /* s4.2 */
        if (n < 4 || (n - 4) % 2)
            return MPSCTP_ERR_MALFORMED;
        out->seq = get32(v);
        out->nstreams = (uint16_t)((n - 4) / 2);
        out->streams = v + 4;
        return 0;
    case SCTP_P_RECONF_TSN_RESET: /* s4.3 */
        if (n != 4)
            return MPSCTP_ERR_MALFORMED;
        out->seq = get32(v);
        return 0;
    case SCTP_P_RECONF_RESPONSE: /* s4.4: 12 bytes, or 20 with both TSNs */
        if (n != 8 && n != 16)
            return MPSCTP_ERR_MALFORMED;
        out->seq = get32(v);
        out->result = get32(v + 4);
        if (n == 16) {
            out->has_tsns = 1;
            out->snd_next_tsn = get32(v + 8);
            out->rcv_next_tsn = get32(v + 12);
        }
        return 0;
    case SCTP_P_RECONF_ADD_OUT: /* s4.5, s4.6 */
    case SCTP_P_RECONF_ADD_IN:
        if (n != 8)
            return MPSCTP_ERR_MALFORMED;
        out->seq = get32(v);
        out->add = get16(v + 4);
        return 0;
    default:
        return MPSCTP_ERR_NOENT;
    }
}

static void put_streams(wbuf *w, const uint16_t *streams, uint16_t n)
{
    for (uint16_t i = 0; i < n; i++)
        wbuf_put16(w, streams[i]);
}

void codec_reconf_out_reset(wbuf *w, uint32_t seq, uint32_t resp_seq, uint32_t last_tsn,
                            const uint16_t *streams, uint16_t n)
{
    size_t off = codec_param_begin(w, SCTP_P_RECONF_OUT_RESET);
    wbuf_put32(w, seq);
    wbuf_put32(w, resp_seq);
    wbuf_put32(w, last_tsn);
    put_streams(w, streams, n);
    codec_param_end(w, off);
}

void codec_reconf_in_reset(wbuf *w, uint32_t seq, const uint16_t *streams, uint16_t n)
{
    size_t off = codec_param_begin(w, SCTP_P_RECONF_IN_RESET);
    wbuf_put32(w, seq);
    put_streams(w, streams, n);
    codec_param_end(w, off);
}

void codec_reconf_tsn_reset(wbuf *w, uint32_t seq)
{
    size_t off = codec_param_begin(w, SCTP_P_RECONF_TSN_RESET);
    wbuf_put32(w, seq);
    codec_param_end(w, off);
}

void codec_reconf_response(wbuf *w, uint32_t seq, uint32_t result, int has_tsns,
                           uint32_t snd_next_tsn, uint32_t rcv_next_tsn)
{
    size_t off = codec_param_begin(w, SCTP_P_RECONF_RESPONSE);
    wbuf_put32(w, seq);
    wbuf_put32(w, result);
    if (has_tsns) {
        wbuf_put32(w, snd_next_tsn);
        wbuf_put32(w, rcv_next_tsn);
    }
    codec_param_end(w, off);
}

void codec_reconf_add(wbuf *w, uint16_t type, uint32_t seq, uint16_t n)
{
    size_t off = codec_param_begin(w, type);
    wbuf_put32(w, seq);
    wbuf_put16(w, n);
    wbuf_put16(w, 0); /* reserved */
    codec_param_end(w, off);
}

int codec_fwdtsn_decode(const sctp_tlv *c, sctp_fwdtsn *out)
{
    if (c->vlen < 4 || (c->vlen - 4) % 4 != 0 || (c->vlen - 4) / 4 > 65535)
        return MPSCTP_ERR_MALFORMED;
    out->new_cum = get32(c->value);
    out->npairs = (uint16_t)((c->vlen - 4) / 4);
    out->pairs = c->value + 4;
    return 0;
}

void codec_fwdtsn_pair(const sctp_fwdtsn *f, unsigned i, uint16_t *sid, uint16_t *ssn)
{
    *sid = get16(f->pairs + 4u * i);
    *ssn = get16(f->pairs + 4u * i + 2);
}

void codec_fwdtsn_encode(wbuf *w, uint32_t new_cum, const uint16_t *sid, const uint16_t *ssn,
                         size_t n)
{
    size_t off = codec_chunk_begin(w, SCTP_FORWARD_TSN, 0);
    wbuf_put32(w, new_cum);
    for (size_t i = 0; i < n; i++) {
        wbuf_put16(w, sid[i]);
        wbuf_put16(w, ssn[i]);
    }
    codec_chunk_end(w, off);
}
