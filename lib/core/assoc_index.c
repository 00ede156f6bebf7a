/* Hash index of associations (see assoc_index.h): chained buckets, a power-of-two bucket
 * count that doubles when the entries outnumber the buckets, and SipHash-1-3 (Aumasson
 * and Bernstein, "SipHash: a fast short-input PRF", 2012) over the key. */
#include <stdlib.h>
#include <string.h>

#include "assoc_index.h"
#include "sha256.h"

static uint64_t rotl64(uint64_t v, unsigned n)
{
    return (v << n) | (v >> (64 - n));
}

static uint64_t load_le64(const uint8_t *p)
{
    return (uint64_t)p[0] | (uint64_t)p[1] << 8 | (uint64_t)p[2] << 16 | (uint64_t)p[3] << 24 |
           (uint64_t)p[4] << 32 | (uint64_t)p[5] << 40 | (uint64_t)p[6] << 48 |
           (uint64_t)p[7] << 56;
}

/* One SipRound over the state v0..v3. */
#define SIP_ROUND(v0, v1, v2, v3)                                                              \
    do {                                                                                       \
        v0 += v1;                                                                              \
        v1 = rotl64(v1, 13) ^ v0;                                                              \
        v0 = rotl64(v0, 32);                                                                   \
        v2 += v3;                                                                              \
        v3 = rotl64(v3, 16) ^ v2;                                                              \
        v0 += v3;                                                                              \
        v3 = rotl64(v3, 21) ^ v0;                                                              \
        v2 += v1;                                                                              \
        v1 = rotl64(v1, 17) ^ v2;                                                              \
        v2 = rotl64(v2, 32);                                                                   \
    } while (0)

/* SipHash-1-3 of the key in a fixed layout: one 8-byte word (kind, family, port, tag)
 * for a tag key, three with the IP address for an address key. */
static uint64_t key_hash(const assoc_index *x, const aidx_key *k)
{
    uint64_t m[4];
    unsigned n = 1;
    m[0] = (uint64_t)k->kind | (uint64_t)k->family << 8 | (uint64_t)k->port << 16 |
           (uint64_t)k->tag << 32;
    if (k->kind == AIDX_ADDR) {
        m[1] = load_le64(k->ip);
        m[2] = load_le64(k->ip + 8);
        n = 3;
    }
    m[n] = (uint64_t)(8 * n) << 56; /* the last block: the length, no bytes left over */
    uint64_t v0 = x->k0 ^ 0x736f6d6570736575ull, v1 = x->k1 ^ 0x646f72616e646f6dull;
    uint64_t v2 = x->k0 ^ 0x6c7967656e657261ull, v3 = x->k1 ^ 0x7465646279746573ull;
    for (unsigned i = 0; i <= n; i++) {
        v3 ^= m[i];
        SIP_ROUND(v0, v1, v2, v3);
        v0 ^= m[i];
    }
    v2 ^= 0xff;
    SIP_ROUND(v0, v1, v2, v3);
    SIP_ROUND(v0, v1, v2, v3);
    SIP_ROUND(v0, v1, v2, v3);
    return v0 ^ v1 ^ v2 ^ v3;
}

static int key_equal(const aidx_key *a, const aidx_key *b)
{
    return a->kind == b->kind && a->family == b->family && a->port == b->port &&
           a->tag == b->tag && memcmp(a->ip, b->ip, sizeof(a->ip)) == 0;
}

void assoc_index_init(assoc_index *x, const uint8_t *seed, size_t len)
{
    static const char label[] = "mpsctp association index";
    memset(x, 0, sizeof(*x));
    sha256_ctx c;
    uint8_t d[SHA256_DIGEST_LEN];
    sha256_init(&c);
    sha256_update(&c, label, sizeof(label) - 1);
    sha256_update(&c, seed, len);
    sha256_final(&c, d);
    x->k0 = load_le64(d);
    x->k1 = load_le64(d + 8);
    x->b = x->first;
    x->mask = AIDX_MIN_BUCKETS - 1;
}

void assoc_index_free(assoc_index *x)
{
    if (x->b != x->first)
        free(x->b);
    memset(x->first, 0, sizeof(x->first));
    x->b = x->first;
    x->mask = AIDX_MIN_BUCKETS - 1;
    x->n = 0;
}

static void link_in(aidx_link **head, aidx_link *l)
{
    l->next = *head;
    if (l->next)
        l->next->pprev = &l->next;
    *head = l;
    l->pprev = head;
}

/* Doubles the bucket array; keeps the old one when memory runs out. */
static void grow(assoc_index *x)
{
    uint32_t nb = 2 * (x->mask + 1);
    if (nb == 0)
        return;
    aidx_link **b = calloc(nb, sizeof(*b));
    if (!b)
        return;
    for (uint32_t i = 0; i <= x->mask; i++) {
        for (aidx_link *l = x->b[i], *n; l; l = n) {
            n = l->next;
            link_in(&b[l->hash & (nb - 1)], l);
        }
    }
    if (x->b != x->first)
        free(x->b);
    x->b = b;
    x->mask = nb - 1;
}

void assoc_index_del(assoc_index *x, aidx_link *l)
{
    if (!l->pprev)
        return;
    *l->pprev = l->next;
    if (l->next)
        l->next->pprev = l->pprev;
    l->next = NULL;
    l->pprev = NULL;
    x->n--;
}

void assoc_index_put(assoc_index *x, aidx_link *l, mpsctp_assoc *owner, const aidx_key *k)
{
    if (l->pprev && l->owner == owner && key_equal(&l->key, k))
        return;
    assoc_index_del(x, l);
    if (x->n > x->mask)
        grow(x);
    l->owner = owner;
    l->key = *k;
    l->hash = key_hash(x, k);
    link_in(&x->b[l->hash & x->mask], l);
    x->n++;
}

aidx_link *assoc_index_next(const assoc_index *x, const aidx_key *k, const aidx_link *prev)
{
    aidx_link *l;
    uint64_t h;
    if (prev) {
        l = prev->next;
        h = prev->hash;
    } else {
        h = key_hash(x, k);
        l = x->b[h & x->mask];
    }
    for (; l; l = l->next)
        if (l->hash == h && key_equal(&l->key, k))
            return l;
    return NULL;
}

void assoc_index_tag_key(aidx_key *k, uint8_t kind, uint32_t tag, uint16_t port)
{
    memset(k, 0, sizeof(*k));
    k->kind = kind;
    k->port = port;
    k->tag = tag;
}

void assoc_index_addr_key(aidx_key *k, const mpsctp_addr *addr, uint16_t port)
{
    memset(k, 0, sizeof(*k));
    k->kind = AIDX_ADDR;
    k->port = port;
    k->family = addr->family;
    memcpy(k->ip, addr->ip, addr->family == MPSCTP_AF_INET ? 4 : 16);
}

uint32_t assoc_index_longest_chain(const assoc_index *x)
{
    uint32_t best = 0;
    for (uint32_t i = 0; i <= x->mask; i++) {
        uint32_t n = 0;
        for (const aidx_link *l = x->b[i]; l; l = l->next)
            n++;
        if (n > best)
            best = n;
    }
    return best;
}
