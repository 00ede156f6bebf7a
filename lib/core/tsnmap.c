/* Receiver-side TSN map (RFC 9260 s6.2, s6.7). Two ring bitmaps over cum+1 .. cum+nbits:
 * arrived, and arrived-and-non-renegable. Scans go a 64-bit word at a time. */
#include <stdlib.h>
#include <string.h>

#include "mpsctp/mpsctp.h"
#include "tsnmap.h"
#include "wire.h"

static uint32_t round_pow2(uint32_t v)
{
    uint32_t p = 64;
    while (p < v && p < (1u << 30))
        p <<= 1;
    return p;
}

int tsnmap_init(tsnmap *m, uint32_t initial_tsn, uint32_t max_bits)
{
    memset(m, 0, sizeof(*m));
    m->cum = initial_tsn - 1;
    m->highest = m->cum;
    m->max_bits = round_pow2(max_bits);
    /* Small at first (an association that receives in order never needs more); grown
     * as TSNs above a gap arrive. */
    m->nbits = 64;
    m->bits = calloc(m->nbits / 64, sizeof(uint64_t));
    m->nr = calloc(m->nbits / 64, sizeof(uint64_t));
    if (!m->bits || !m->nr) {
        tsnmap_free(m);
        return MPSCTP_ERR_NOMEM;
    }
    return 0;
}

void tsnmap_free(tsnmap *m)
{
    free(m->bits);
    free(m->nr);
    m->bits = m->nr = NULL;
}

static int bit_get(const uint64_t *b, const tsnmap *m, uint32_t tsn)
{
    uint32_t i = tsn & (m->nbits - 1);
    return (int)((b[i >> 6] >> (i & 63)) & 1u);
}

static void bit_set(uint64_t *b, const tsnmap *m, uint32_t tsn, int v)
{
    uint32_t i = tsn & (m->nbits - 1);
    if (v)
        b[i >> 6] |= (uint64_t)1 << (i & 63);
    else
        b[i >> 6] &= ~((uint64_t)1 << (i & 63));
}

/* The word of kind k holding tsn's bit. */
static uint64_t word_of(const tsnmap *m, uint32_t tsn, tsnmap_kind k)
{
    uint32_t w = (tsn & (m->nbits - 1)) >> 6;
    switch (k) {
    case TSNMAP_RENEGABLE:
        return m->bits[w] & ~m->nr[w];
    case TSNMAP_NR:
        return m->nr[w];
    default:
        return m->bits[w];
    }
}

/* Returns the first TSN t in [from, to] whose kind-k bit equals v (v 0: the first missing
 * one), or to + 1 when there is none. */
static uint32_t scan_up(const tsnmap *m, uint32_t from, uint32_t to, tsnmap_kind k, int v)
{
    uint32_t t = from;
    while (tsn_le(t, to)) {
        uint32_t bit = t & 63;
        uint64_t w = word_of(m, t, k);
        if (!v) w = ~w;
        w >>= bit;
        if (w) {
            uint32_t r = t + (uint32_t)__builtin_ctzll(w);
            return tsn_le(r, to) ? r : to + 1;
        }
        t += 64 - bit;
    }
    return to + 1;
}

/* Doubles the bitmaps until tsn fits, re-placing the set bits at their new ring slots. */
static int grow(tsnmap *m, uint32_t tsn)
{
    uint32_t need = tsn - m->cum;
    uint32_t n = m->nbits;
    while (n < need)
        n <<= 1;
    uint64_t *nb = calloc(n / 64, sizeof(uint64_t));
    uint64_t *nn = calloc(n / 64, sizeof(uint64_t));
    if (!nb || !nn) {
        free(nb);
        free(nn);
        return MPSCTP_ERR_NOMEM;
    }
    for (uint32_t t = scan_up(m, m->cum + 1, m->highest, TSNMAP_ALL, 1); tsn_le(t, m->highest);
         t = scan_up(m, t + 1, m->highest, TSNMAP_ALL, 1)) {
        uint32_t i = t & (n - 1);
        nb[i >> 6] |= (uint64_t)1 << (i & 63);
        if (bit_get(m->nr, m, t)) nn[i >> 6] |= (uint64_t)1 << (i & 63);
    }
    free(m->bits);
    free(m->nr);
    m->bits = nb;
    m->nr = nn;
    m->nbits = n;
    return 0;
}

int tsnmap_check(const tsnmap *m, uint32_t tsn)
{
    if (tsn_le(tsn, m->cum)) return 0;
    if (tsn - m->cum > m->max_bits) return -1;
    if (tsn - m->cum > m->nbits) return 1;
    return bit_get(m->bits, m, tsn) ? 0 : 1;
}

static void remember_dup(tsnmap *m, uint32_t tsn)
{
    if (m->ndups < TSNMAP_MAX_DUPS) m->dups[m->ndups++] = tsn;
}

/* Moves cum to new_cum (<= highest), clearing the bits of the TSNs it passes. */
static void cum_to(tsnmap *m, uint32_t new_cum)
{
    while (tsn_lt(m->cum, new_cum)) {
        m->cum++;
        bit_set(m->bits, m, m->cum, 0);
        bit_set(m->nr, m, m->cum, 0);
    }
}

/* Pulls cum over every TSN that already arrived. */
static void cum_pull(tsnmap *m)
{
    if (tsn_ge(m->cum, m->highest)) return;
    uint32_t first_missing = scan_up(m, m->cum + 1, m->highest, TSNMAP_ALL, 0);
    cum_to(m, first_missing - 1);
}

int tsnmap_mark(tsnmap *m, uint32_t tsn)
{
    int c = tsnmap_check(m, tsn);
    if (c <= 0) {
        if (c == 0) remember_dup(m, tsn);
        return c;
    }
    if (tsn - m->cum > m->nbits) {
        int r = grow(m, tsn);
        if (r) return r;
    }
    if (tsn == m->cum + 1) {
        m->cum = tsn;
        bit_set(m->nr, m, tsn, 0);
        cum_pull(m);
        if (tsn_gt(m->cum, m->highest)) m->highest = m->cum;
    } else {
        bit_set(m->bits, m, tsn, 1);
        if (tsn_gt(tsn, m->highest)) m->highest = tsn;
    }
    return 1;
}

void tsnmap_set_nr(tsnmap *m, uint32_t tsn)
{
    if (tsn_le(tsn, m->cum) || tsn_gt(tsn, m->highest) || !bit_get(m->bits, m, tsn)) return;
    bit_set(m->nr, m, tsn, 1);
}

/* Returns the highest TSN t with above < t <= from whose kind-k bit is set: 1 and *out, or
 * 0 when there is none. */
static int scan_down(const tsnmap *m, uint32_t above, uint32_t from, tsnmap_kind k,
                     uint32_t *out)
{
    uint32_t t = from;
    while (tsn_gt(t, above)) {
        uint32_t bit = t & 63;
        uint64_t w = word_of(m, t, k);
        if (bit < 63) w &= ((uint64_t)1 << (bit + 1)) - 1;
        if (w) {
            uint32_t r = t - (bit - (uint32_t)(63 - __builtin_clzll(w)));
            if (tsn_gt(r, above)) {
                *out = r;
                return 1;
            }
            return 0;
        }
        t -= bit + 1;
    }
    return 0;
}

int tsnmap_unmark(tsnmap *m, uint32_t tsn)
{
    if (tsn_le(tsn, m->cum) || tsn_gt(tsn, m->highest) || !bit_get(m->bits, m, tsn) ||
        bit_get(m->nr, m, tsn))
        return -1;
    bit_set(m->bits, m, tsn, 0);
    if (tsn == m->highest) {
        uint32_t h;
        m->highest = scan_down(m, m->cum, tsn - 1, TSNMAP_ALL, &h) ? h : m->cum;
    }
    return 0;
}

int tsnmap_highest_renegable(const tsnmap *m, uint32_t above, uint32_t *out)
{
    if (tsn_lt(above, m->cum)) above = m->cum;
    return scan_down(m, above, m->highest, TSNMAP_RENEGABLE, out);
}

size_t tsnmap_gaps_kind(const tsnmap *m, uint16_t (*out)[2], size_t max, tsnmap_kind kind)
{
    size_t n = 0;
    uint32_t t = m->cum + 1;
    while (n < max && tsn_le(t, m->highest)) {
        /* Skip the missing run, then measure the present run. */
        uint32_t start = scan_up(m, t, m->highest, kind, 1);
        if (tsn_gt(start, m->highest)) break;
        t = scan_up(m, start, m->highest, kind, 0);
        uint32_t so = start - m->cum, eo = t - 1 - m->cum;
        if (eo > 0xffff) {
            if (so > 0xffff) break; /* offsets are 16 bits: report what fits */
            eo = 0xffff;
        }
        out[n][0] = (uint16_t)so;
        out[n][1] = (uint16_t)eo;
        n++;
    }
    return n;
}

size_t tsnmap_gaps(const tsnmap *m, uint16_t (*out)[2], size_t max)
{
    return tsnmap_gaps_kind(m, out, max, TSNMAP_ALL);
}

size_t tsnmap_take_dups(tsnmap *m, uint32_t *out, size_t max)
{
    size_t n = m->ndups < max ? m->ndups : max;
    memcpy(out, m->dups, n * sizeof(uint32_t));
    m->ndups = 0;
    return n;
}

void tsnmap_forward(tsnmap *m, uint32_t new_cum)
{
    if (tsn_le(new_cum, m->cum)) return;
    if (tsn_ge(new_cum, m->highest)) {
        memset(m->bits, 0, m->nbits / 8);
        memset(m->nr, 0, m->nbits / 8);
        m->cum = m->highest = new_cum;
        return;
    }
    cum_to(m, new_cum);
    cum_pull(m);
}
