/*
 * The interop traffic pattern, shared by the usrsctp peer (usrsctp_peer.c) and the mpsctp
 * side of the interop tests, so either side can check what the other sent.
 *
 * Messages are numbered g = 0, 1, 2, ... in sending order and go round robin over K
 * streams: message g is sent on stream s = g % K as that stream's message number
 * m = g / K, and its PPID field carries m (as a 32-bit big-endian number on the wire,
 * i.e. the sockets API's sinfo_ppid = htonl(m)), which lets a receiver check unordered
 * messages too. Byte o (0-based) of message (s, m) is interop_pattern(s, m, o).
 *
 * Sizes: with a fixed size M every message has M bytes; with a sweep LO..HI the sizes
 * cycle through LO, 2LO, 4LO, ... (each below HI) and then HI: message g has size
 * list[g % n]. Either way the message that reaches the requested byte count is cut
 * short to the bytes left, so a transfer of N bytes is exactly N bytes.
 */
#ifndef MPSCTP_INTEROP_PATTERN_H
#define MPSCTP_INTEROP_PATTERN_H

#include <stddef.h>
#include <stdint.h>

#define INTEROP_MAX_SIZES 64

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#define INTEROP_MUL 2654435761u /* the per-byte multiplier of the pattern */

/* Byte o of message m on stream s. */
static inline uint8_t interop_pattern(uint32_t s, uint32_t m, uint64_t o)
{
    return (uint8_t)(((uint32_t)o * INTEROP_MUL + m * 40503u + s * 97u) >> 24);
}

/* Filling and checking at memory speed: byte o is the top byte of a 32-bit value that
 * grows by INTEROP_MUL per byte, so 16 bytes come from 16 such values stepped by
 * 16 * INTEROP_MUL at a time (additions only), cut to their top bytes and packed. */
#if defined(__SSE2__)
typedef struct interop_vec {
    __m128i v[4];  /* the values of the next 16 bytes, 4 per register */
    __m128i step;
} interop_vec;

static inline void interop_vec_init(interop_vec *x, uint32_t s, uint32_t m, uint64_t off)
{
    uint32_t v0 = (uint32_t)off * INTEROP_MUL + m * 40503u + s * 97u;
    for (int k = 0; k < 4; k++)
        x->v[k] = _mm_setr_epi32((int)(v0 + (uint32_t)(4 * k) * INTEROP_MUL),
                                 (int)(v0 + (uint32_t)(4 * k + 1) * INTEROP_MUL),
                                 (int)(v0 + (uint32_t)(4 * k + 2) * INTEROP_MUL),
                                 (int)(v0 + (uint32_t)(4 * k + 3) * INTEROP_MUL));
    x->step = _mm_set1_epi32((int)(16u * INTEROP_MUL));
}

/* The next 16 bytes of the pattern. */
static inline __m128i interop_vec_next(interop_vec *x)
{
    __m128i a = _mm_srli_epi32(x->v[0], 24), b = _mm_srli_epi32(x->v[1], 24);
    __m128i c = _mm_srli_epi32(x->v[2], 24), d = _mm_srli_epi32(x->v[3], 24);
    x->v[0] = _mm_add_epi32(x->v[0], x->step);
    x->v[1] = _mm_add_epi32(x->v[1], x->step);
    x->v[2] = _mm_add_epi32(x->v[2], x->step);
    x->v[3] = _mm_add_epi32(x->v[3], x->step);
    /* values 0..255: the saturating packs keep them as they are */
    return _mm_packus_epi16(_mm_packs_epi32(a, b), _mm_packs_epi32(c, d));
}
#endif

/* Fills buf with message (s, m) from offset off on, len bytes. */
static inline void interop_fill(uint8_t *buf, size_t len, uint32_t s, uint32_t m, uint64_t off)
{
    size_t i = 0;
#if defined(__SSE2__)
    interop_vec x;
    interop_vec_init(&x, s, m, off);
    for (; i + 16 <= len; i += 16)
        _mm_storeu_si128((__m128i *)(buf + i), interop_vec_next(&x));
#endif
    for (; i < len; i++)
        buf[i] = interop_pattern(s, m, off + i);
}

/* Returns the offset of the first byte that differs from message (s, m), or len. */
static inline size_t interop_check(const uint8_t *buf, size_t len, uint32_t s, uint32_t m,
                                   uint64_t off)
{
    size_t i = 0;
#if defined(__SSE2__)
    interop_vec x;
    interop_vec_init(&x, s, m, off);
    for (; i + 16 <= len; i += 16) {
        __m128i got = _mm_loadu_si128((const __m128i *)(buf + i));
        int same = _mm_movemask_epi8(_mm_cmpeq_epi8(got, interop_vec_next(&x)));
        if (same != 0xffff)
            return i + (size_t)__builtin_ctz(~(unsigned)same);
    }
#endif
    for (; i < len; i++)
        if (buf[i] != interop_pattern(s, m, off + i))
            return i;
    return len;
}

/* The size list: a sweep lo..hi (lo <= hi, lo >= 1) or a fixed size (lo == hi). */
typedef struct interop_sizes {
    uint32_t n;
    uint32_t size[INTEROP_MAX_SIZES];
} interop_sizes;

static inline void interop_sizes_init(interop_sizes *z, uint32_t lo, uint32_t hi)
{
    uint64_t v = lo;
    z->n = 0;
    while (v < hi && z->n < INTEROP_MAX_SIZES - 1) {
        z->size[z->n++] = (uint32_t)v;
        v *= 2;
    }
    z->size[z->n++] = hi;
}

/* Size of message g before the cut at the end of the transfer. */
static inline uint32_t interop_size(const interop_sizes *z, uint64_t g)
{
    return z->size[g % z->n];
}

/* Number of messages of a transfer of total bytes, and the size of the last one. */
static inline uint64_t interop_count(const interop_sizes *z, uint64_t total, uint32_t *last)
{
    uint64_t cycle = 0, g, left;
    for (uint32_t i = 0; i < z->n; i++)
        cycle += z->size[i];
    g = (total / cycle) * z->n;
    left = total % cycle;
    *last = z->n ? z->size[z->n - 1] : 0;
    if (left == 0)
        return g;
    for (uint32_t i = 0; i < z->n; i++) {
        g++;
        if (left <= z->size[i]) {
            *last = (uint32_t)left;
            return g;
        }
        left -= z->size[i];
    }
    return g; /* not reached */
}

#endif
