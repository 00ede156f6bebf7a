/* Receiver-side TSN map (RFC 9260 s6.2, s6.7). */
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
    m->nbits = m->max_bits < 1024 ? m->max_bits : 1024;
    m->bits = calloc(m->nbits / 64, sizeof(uint64_t));
    return m->bits ? 0 : MPSCTP_ERR_NOMEM;
}

void tsnmap_free(tsnmap *m)
{
    free(m->bits);
    m->bits = NULL;
}

static int bit_get(const tsnmap *m, uint32_t tsn)
{
    uint32_t i = tsn & (m->nbits - 1);
    return (int)((m->bits[i >> 6] >> (i & 63)) & 1u);
}

static void bit_set(tsnmap *m, uint32_t tsn, int v)
{
    uint32_t i = tsn & (m->nbits - 1);
    if (v)
        m->bits[i >> 6] |= (uint64_t)1 << (i & 63);
    else
        m->bits[i >> 6] &= ~((uint64_t)1 << (i & 63));
}

/* Doubles the bitmap until tsn fits, re-placing the set bits at their new ring slots. */
static int grow(tsnmap *m, uint32_t tsn)
{
    uint32_t need = tsn - m->cum;
    uint32_t n = m->nbits;
    while (n < need)
        n <<= 1;
    uint64_t *nb = calloc(n / 64, sizeof(uint64_t));
    if (!nb)
        return MPSCTP_ERR_NOMEM;
    for (uint32_t t = m->cum + 1; tsn_le(t, m->highest); t++) {
        if (bit_get(m, t)) {
            uint32_t i = t & (n - 1);
            nb[i >> 6] |= (uint64_t)1 << (i & 63);
        }
    }
    free(m->bits);
    m->bits = nb;
    m->nbits = n;
    return 0;
}

int tsnmap_check(const tsnmap *m, uint32_t tsn)
{
    if (tsn_le(tsn, m->cum))
        return 0;
    if (tsn - m->cum > m->max_bits)
        return -1;
    if (tsn - m->cum > m->nbits)
        return 1;
    return bit_get(m, tsn) ? 0 : 1;
}

static void remember_dup(tsnmap *m, uint32_t tsn)
{
    if (m->ndups < TSNMAP_MAX_DUPS)
        m->dups[m->ndups++] = tsn;
}

int tsnmap_mark(tsnmap *m, uint32_t tsn)
{
    int c = tsnmap_check(m, tsn);
    if (c <= 0) {
        if (c == 0)
            remember_dup(m, tsn);
        return c;
    }
    if (tsn - m->cum > m->nbits) {
        int r = grow(m, tsn);
        if (r)
            return r;
    }
    if (tsn == m->cum + 1) {
        m->cum = tsn;
        /* Pull cum over every TSN that already arrived, clearing their bits. */
        while (tsn_lt(m->cum, m->highest) && bit_get(m, m->cum + 1)) {
            m->cum++;
            bit_set(m, m->cum, 0);
        }
        if (tsn_gt(m->cum, m->highest))
            m->highest = m->cum;
    } else {
        bit_set(m, tsn, 1);
        if (tsn_gt(tsn, m->highest))
            m->highest = tsn;
    }
    return 1;
}

size_t tsnmap_gaps(const tsnmap *m, uint16_t (*out)[2], size_t max)
{
    size_t n = 0;
    uint32_t t = m->cum + 1;
    while (n < max && tsn_le(t, m->highest)) {
        /* Skip the missing run, then measure the present run. */
        while (tsn_le(t, m->highest) && !bit_get(m, t))
            t++;
        if (tsn_gt(t, m->highest))
            break;
        uint32_t start = t;
        while (tsn_le(t, m->highest) && bit_get(m, t))
            t++;
        uint32_t so = start - m->cum, eo = t - 1 - m->cum;
        if (eo > 0xffff)
            break; /* offsets are 16 bits: report what fits */
        out[n][0] = (uint16_t)so;
        out[n][1] = (uint16_t)eo;
        n++;
    }
    return n;
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
    if (tsn_le(new_cum, m->cum))
        return;
    if (tsn_ge(new_cum, m->highest)) {
        memset(m->bits, 0, m->nbits / 8);
        m->cum = m->highest = new_cum;
        return;
    }
    while (tsn_lt(m->cum, new_cum)) {
        m->cum++;
        bit_set(m, m->cum, 0);
    }
    while (tsn_lt(m->cum, m->highest) && bit_get(m, m->cum + 1)) {
        m->cum++;
        bit_set(m, m->cum, 0);
    }
}
