/* Chunk, parameter and error-cause codec (RFC 9260 s3). Pure and bounds-checked: decoders
 * never read past `end` and never allocate; encoders never write past the writer's
 * capacity (they set the writer's error flag instead). */
#ifndef MPSCTP_CODEC_H
#define MPSCTP_CODEC_H

#include <stddef.h>
#include <stdint.h>

#include "wire.h"

/* ---- decoding ---------------------------------------------------------------------- */

/* RFC 9260 s3.1: SCTP common header. */
typedef struct sctp_common {
    uint16_t sport, dport;
    uint32_t vtag;
    uint32_t checksum; /* as read, no byte swap */
} sctp_common;

/* A chunk or parameter or error cause: type-length-value with the value located. */
typedef struct sctp_tlv {
    uint16_t type;        /* chunk type (8 bits) or parameter/cause type (16 bits) */
    uint8_t flags;        /* chunk flags (chunks only) */
    uint16_t len;         /* length field as on the wire (header included, no padding) */
    const uint8_t *value; /* bytes after the header */
    size_t vlen;          /* len minus header */
} sctp_tlv;

/* Decodes the common header at *p and advances *p. Returns 0, or MPSCTP_ERR_MALFORMED
 * when fewer than 12 bytes remain. */
int codec_common_decode(const uint8_t **p, const uint8_t *end, sctp_common *out);

/* Decodes the chunk at *p (4-byte header: type, flags, length) and advances *p past it
 * and its padding. Returns 0, or MALFORMED when the length is below 4 or runs past end.
 * Padding missing at the very end of the packet is tolerated. */
int codec_chunk_decode(const uint8_t **p, const uint8_t *end, sctp_tlv *out);

/* Decodes a parameter or error cause (16-bit type, 16-bit length) the same way. */
int codec_param_decode(const uint8_t **p, const uint8_t *end, sctp_tlv *out);

/* RFC 9260 s3.3.1: DATA. */
typedef struct sctp_data {
    uint8_t flags; /* SCTP_DATA_U/B/E/I */
    uint32_t tsn;
    uint16_t sid, ssn;
    uint32_t ppid; /* as on the wire, not byte-swapped */
    const uint8_t *payload;
    size_t len; /* 0 means "no user data" (an error the association reports) */
    /* I-DATA (RFC 8260 s2.1): message id and fragment sequence number (0 with B, where
     * the chunk carries the PPID instead); ssn is 0. */
    uint32_t mid, fsn;
} sctp_data;
/* Returns 0 or MALFORMED (value shorter than 12 bytes). */
int codec_data_decode(const sctp_tlv *c, sctp_data *out);
/* RFC 8260 s2.1: I-DATA into the same structure. Returns 0 or MALFORMED (value shorter
 * than 16 bytes). */
int codec_idata_decode(const sctp_tlv *c, sctp_data *out);

/* RFC 9260 s3.3.2/s3.3.3: INIT and INIT ACK fixed part; params follow. */
typedef struct sctp_init {
    uint32_t init_tag, a_rwnd;
    uint16_t os, mis;
    uint32_t init_tsn;
    const uint8_t *params;
    size_t plen;
} sctp_init;
/* Returns 0 or MALFORMED (value shorter than 16 bytes). */
int codec_init_decode(const sctp_tlv *c, sctp_init *out);

/* RFC 9260 s3.3.4: SACK; draft-tuexen-tsvwg-sctp-multipath: NR-SACK adds NR gap blocks. */
typedef struct sctp_sack {
    uint32_t cum_tsn, a_rwnd;
    uint16_t ngaps, nnr, ndups;
    const uint8_t *gaps; /* ngaps pairs of 16-bit start,end offsets from cum_tsn */
    const uint8_t *nrgaps;
    const uint8_t *dups; /* ndups 32-bit TSNs */
} sctp_sack;
/* Decodes SACK (nr=0) or NR-SACK (nr=1). Returns 0 or MALFORMED when the counts do not
 * fit in the chunk or a gap block has start > end or start == 0. */
int codec_sack_decode(const sctp_tlv *c, int nr, sctp_sack *out);

/* Returns gap block i of s: start and end offsets. */
void codec_sack_gap(const sctp_sack *s, int nr, unsigned i, uint16_t *start, uint16_t *end);

/* Reads a 32-bit field at offset 0 of the value (SHUTDOWN cum TSN, ECNE/CWR TSN).
 * Returns 0 or MALFORMED when the value is shorter than 4 bytes. */
int codec_u32_decode(const sctp_tlv *c, uint32_t *out);

/* RFC 9260 s3.2/s3.2.1: what to do with an unrecognised chunk or parameter type, from its
 * upper two bits. */
enum {
    CODEC_UNK_STOP = 0,        /* 00: stop processing, discard */
    CODEC_UNK_STOP_REPORT = 1, /* 01: stop, discard, report */
    CODEC_UNK_SKIP = 2,        /* 10: skip, continue */
    CODEC_UNK_SKIP_REPORT = 3, /* 11: skip, continue, report */
};
/* Returns the action for an unrecognised chunk type (8-bit). */
static inline int codec_unknown_chunk_action(uint8_t type)
{
    return type >> 6;
}
/* Returns the action for an unrecognised parameter type (16-bit). */
static inline int codec_unknown_param_action(uint16_t type)
{
    return type >> 14;
}

/* ---- encoding ---------------------------------------------------------------------- */

/* Append-only writer over a caller buffer. err becomes 1 on any overflow and stays set;
 * written bytes past that point are not valid. */
typedef struct wbuf {
    uint8_t *buf;
    size_t len, cap;
    int err;
    size_t ppad_end; /* where the padding of the last parameter written ends */
    uint8_t ppad;    /* how many padding bytes that parameter got */
} wbuf;

/* Starts a writer over buf[0..cap). */
void wbuf_init(wbuf *w, uint8_t *buf, size_t cap);
/* Appends n bytes (NULL: n zero bytes). */
void wbuf_put(wbuf *w, const void *p, size_t n);
void wbuf_put8(wbuf *w, uint8_t v);
void wbuf_put16(wbuf *w, uint16_t v);
void wbuf_put32(wbuf *w, uint32_t v);
/* Returns the room left. */
static inline size_t wbuf_room(const wbuf *w)
{
    return w->err ? 0 : w->cap - w->len;
}

/* Writes the SCTP common header with a zero checksum (set later). */
void codec_common_encode(wbuf *w, uint16_t sport, uint16_t dport, uint32_t vtag);

/* Starts a chunk: writes type and flags and a length placeholder; returns the chunk's
 * offset for codec_chunk_end. */
size_t codec_chunk_begin(wbuf *w, uint8_t type, uint8_t flags);
/* Finishes the chunk started at off: writes its length and pads to 4 bytes. */
void codec_chunk_end(wbuf *w, size_t off);
/* Starts and finishes a parameter or error cause in the same way. */
size_t codec_param_begin(wbuf *w, uint16_t type);
void codec_param_end(wbuf *w, size_t off);
/* Writes a whole parameter or cause with value bytes v[0..n). */
void codec_param_put(wbuf *w, uint16_t type, const void *v, size_t n);

/* Writes a DATA chunk. ppid is written as given (already in wire order). */
void codec_data_encode(wbuf *w, uint8_t flags, uint32_t tsn, uint16_t sid, uint16_t ssn,
                       uint32_t ppid, const uint8_t *payload, size_t len);
/* Writes an I-DATA chunk (RFC 8260 s2.1): the PPID (wire order) when flags has B, else the
 * FSN, in the fourth word. */
void codec_idata_encode(wbuf *w, uint8_t flags, uint32_t tsn, uint16_t sid, uint32_t mid,
                        uint32_t ppid, uint32_t fsn, const uint8_t *payload, size_t len);

/* Writes the fixed part of INIT or INIT ACK (type) and returns the chunk offset; append
 * parameters, then call codec_chunk_end. */
size_t codec_init_begin(wbuf *w, uint8_t type, uint32_t init_tag, uint32_t a_rwnd,
                        uint16_t os, uint16_t mis, uint32_t init_tsn);

/* Writes a chunk whose value is one 32-bit field (SHUTDOWN, ECNE, CWR). */
void codec_u32_chunk(wbuf *w, uint8_t type, uint8_t flags, uint32_t v);

/* Writes a chunk with no value (COOKIE ACK, SHUTDOWN ACK, SHUTDOWN COMPLETE). */
void codec_empty_chunk(wbuf *w, uint8_t type, uint8_t flags);

/* ---- RE-CONFIG parameters (RFC 6525 s4) ---------------------------------------------- */

/* One parameter of a RE-CONFIG chunk, decoded. */
typedef struct sctp_reconf_param {
    uint16_t type;        /* SCTP_P_RECONF_* */
    uint32_t seq;         /* requests: Re-configuration Request Sequence Number;
                             response: Re-configuration Response Sequence Number */
    uint32_t resp_seq;    /* OUT_RESET: Re-configuration Response Sequence Number */
    uint32_t last_tsn;    /* OUT_RESET: Sender's Last Assigned TSN */
    uint32_t result;      /* RESPONSE: SCTP_RECONF_* result */
    uint8_t has_tsns;     /* RESPONSE: the two optional TSN fields are present */
    uint32_t snd_next_tsn, rcv_next_tsn; /* RESPONSE with has_tsns */
    uint16_t nstreams;    /* OUT_RESET, IN_RESET: stream numbers listed (0: all) */
    const uint8_t *streams; /* nstreams 16-bit stream numbers (codec_reconf_stream) */
    uint16_t add;         /* ADD_OUT, ADD_IN: Number of New Streams */
} sctp_reconf_param;

/* Decodes parameter p of a RE-CONFIG chunk. Returns 0, MPSCTP_ERR_MALFORMED when its
 * length does not fit its type (s4.1-s4.6: fixed lengths, stream lists of whole 16-bit
 * entries, a response of 12 or 20 bytes), or MPSCTP_ERR_NOENT for a type that is not a
 * RE-CONFIG parameter. */
int codec_reconf_param_decode(const sctp_tlv *p, sctp_reconf_param *out);
/* Returns stream number i (below p->nstreams) of a decoded reset request. */
static inline uint16_t codec_reconf_stream(const sctp_reconf_param *p, uint32_t i)
{
    return get16(p->streams + 2 * (size_t)i);
}
/* Writes an Outgoing SSN Reset Request parameter (s4.1) listing streams[0..n). */
void codec_reconf_out_reset(wbuf *w, uint32_t seq, uint32_t resp_seq, uint32_t last_tsn,
                            const uint16_t *streams, uint16_t n);
/* Writes an Incoming SSN Reset Request parameter (s4.2) listing streams[0..n). */
void codec_reconf_in_reset(wbuf *w, uint32_t seq, const uint16_t *streams, uint16_t n);
/* Writes an SSN/TSN Reset Request parameter (s4.3). */
void codec_reconf_tsn_reset(wbuf *w, uint32_t seq);
/* Writes a Re-configuration Response parameter (s4.4), with the Sender's and Receiver's
 * Next TSN when has_tsns. */
void codec_reconf_response(wbuf *w, uint32_t seq, uint32_t result, int has_tsns,
                           uint32_t snd_next_tsn, uint32_t rcv_next_tsn);
/* Writes an Add Outgoing (type SCTP_P_RECONF_ADD_OUT, s4.5) or Add Incoming
 * (SCTP_P_RECONF_ADD_IN, s4.6) Streams Request parameter for n new streams. */
void codec_reconf_add(wbuf *w, uint16_t type, uint32_t seq, uint16_t n);
/* RFC 3758 s3.2: FORWARD TSN. The value is the new cumulative TSN and npairs (stream,
 * stream sequence number) pairs of 16-bit fields each. */
typedef struct sctp_fwdtsn {
    uint32_t new_cum;
    uint16_t npairs;
    const uint8_t *pairs; /* npairs pairs of 16-bit stream id, 16-bit SSN */
} sctp_fwdtsn;
/* Decodes a FORWARD TSN chunk. Returns 0, or MALFORMED when the value is shorter than 4
 * bytes or its length past the cumulative TSN is not a whole number of 4-byte pairs. */
int codec_fwdtsn_decode(const sctp_tlv *c, sctp_fwdtsn *out);
/* Returns pair i of f: stream id and SSN. */
void codec_fwdtsn_pair(const sctp_fwdtsn *f, unsigned i, uint16_t *sid, uint16_t *ssn);
/* Writes a FORWARD TSN chunk with new_cum and n pairs sid[i]/ssn[i]. */
void codec_fwdtsn_encode(wbuf *w, uint32_t new_cum, const uint16_t *sid, const uint16_t *ssn,
                         size_t n);

/* Returns a printable name for a chunk type ("DATA", ..., "UNKNOWN"). */
const char *codec_chunk_name(uint8_t type);

#endif
