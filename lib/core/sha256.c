/* SHA-256 (FIPS 180-4 s6.2) and HMAC-SHA256 (RFC 2104). */
#include "sha256.h"

#include <string.h>

/* FIPS 180-4 s4.2.2: first 32 bits of the fractional parts of the cube roots of the
 * first 64 primes. */
static const uint32_t sha256_k[64] = {
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4,
    0xab1c5ed5, 0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe,
    0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f,
    0x4a7484aa, 0x5cb0a9dc, 0x76f988da, 0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7,
    0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc,
    0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b,
    0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070, 0x19a4c116,
    0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7,
    0xc67178f2,
};

/* FIPS 180-4 s5.3.3: first 32 bits of the fractional parts of the square roots of the
 * first 8 primes. */
static const uint32_t sha256_h0[8] = {
    0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
    0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19,
};

/* Clears n bytes at p through a volatile pointer so the compiler keeps the stores even
 * though the memory is dead afterwards (key material must not linger on the stack). */
static void sha256_wipe(void *p, size_t n)
{
    volatile uint8_t *v = (volatile uint8_t *)p;

    while (n-- > 0)
        *v++ = 0;
}

static inline uint32_t sha256_rotr(uint32_t x, unsigned n)
{
    return (x >> n) | (x << (32 - n));
}

static inline uint32_t sha256_load_be32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | (uint32_t)p[3];
}

static inline void sha256_store_be32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
}

/* FIPS 180-4 s6.2.2: folds one 64-byte block into the hash value h. */
static void sha256_compress(uint32_t h[8], const uint8_t *block)
{
    uint32_t w[64];
    uint32_t a = h[0], b = h[1], c = h[2], d = h[3];
    uint32_t e = h[4], f = h[5], g = h[6], k = h[7];
    int t;

    /* Step 1: the message schedule, with sigma0/sigma1 of s4.1.2 (4.6, 4.7). */
    for (t = 0; t < 16; t++)
        w[t] = sha256_load_be32(block + 4 * t);
    for (t = 16; t < 64; t++) {
        uint32_t s0 = sha256_rotr(w[t - 15], 7) ^ sha256_rotr(w[t - 15], 18) ^ (w[t - 15] >> 3);
        uint32_t s1 = sha256_rotr(w[t - 2], 17) ^ sha256_rotr(w[t - 2], 19) ^ (w[t - 2] >> 10);
        w[t] = w[t - 16] + s0 + w[t - 7] + s1;
    }
    /* Step 3: 64 rounds with Ch, Maj, Sigma0, Sigma1 of s4.1.2 (4.2-4.5). The eighth
     * working variable is called k here to keep h for the hash value. */
    for (t = 0; t < 64; t++) {
        uint32_t big_s1 = sha256_rotr(e, 6) ^ sha256_rotr(e, 11) ^ sha256_rotr(e, 25);
        uint32_t ch = (e & f) ^ (~e & g);
        uint32_t t1 = k + big_s1 + ch + sha256_k[t] + w[t];
        uint32_t big_s0 = sha256_rotr(a, 2) ^ sha256_rotr(a, 13) ^ sha256_rotr(a, 22);
        uint32_t maj = (a & b) ^ (a & c) ^ (b & c);
        uint32_t t2 = big_s0 + maj;

        k = g;
        g = f;
        f = e;
        e = d + t1;
        d = c;
        c = b;
        b = a;
        a = t1 + t2;
    }
    /* Step 4: the next intermediate hash value. */
    h[0] += a;
    h[1] += b;
    h[2] += c;
    h[3] += d;
    h[4] += e;
    h[5] += f;
    h[6] += g;
    h[7] += k;
    sha256_wipe(w, sizeof(w));
}

void sha256_init(sha256_ctx *c)
{
    memcpy(c->h, sha256_h0, sizeof(c->h));
    c->total = 0;
    c->buflen = 0;
}

void sha256_update(sha256_ctx *c, const void *p, size_t len)
{
    const uint8_t *in = (const uint8_t *)p;

    if (len == 0) return;
    c->total += len;
    if (c->buflen > 0) {
        size_t take = SHA256_BLOCK_LEN - c->buflen;

        if (take > len) take = len;
        memcpy(c->buf + c->buflen, in, take);
        c->buflen += take;
        in += take;
        len -= take;
        if (c->buflen < SHA256_BLOCK_LEN) return;
        sha256_compress(c->h, c->buf);
        c->buflen = 0;
    }
    while (len >= SHA256_BLOCK_LEN) {
        sha256_compress(c->h, in);
        in += SHA256_BLOCK_LEN;
        len -= SHA256_BLOCK_LEN;
    }
    if (len > 0) {
        memcpy(c->buf, in, len);
        c->buflen = len;
    }
}

void sha256_final(sha256_ctx *c, uint8_t out[SHA256_DIGEST_LEN])
{
    uint64_t bits = c->total * 8;
    int i;

    /* FIPS 180-4 s5.1.1: a 1 bit, zeros up to 56 mod 64 bytes, then the message length
     * in bits as a 64-bit big-endian integer. */
    c->buf[c->buflen++] = 0x80;
    if (c->buflen > SHA256_BLOCK_LEN - 8) {
        memset(c->buf + c->buflen, 0, SHA256_BLOCK_LEN - c->buflen);
        sha256_compress(c->h, c->buf);
        c->buflen = 0;
    }
    memset(c->buf + c->buflen, 0, SHA256_BLOCK_LEN - 8 - c->buflen);
    sha256_store_be32(c->buf + SHA256_BLOCK_LEN - 8, (uint32_t)(bits >> 32));
    sha256_store_be32(c->buf + SHA256_BLOCK_LEN - 4, (uint32_t)bits);
    sha256_compress(c->h, c->buf);
    for (i = 0; i < 8; i++)
        sha256_store_be32(out + 4 * i, c->h[i]);
    sha256_wipe(c, sizeof(*c));
}

void hmac_sha256(const uint8_t *key, size_t keylen, const uint8_t *msg, size_t len,
                 uint8_t out[SHA256_DIGEST_LEN])
{
    uint8_t k0[SHA256_BLOCK_LEN];
    uint8_t pad[SHA256_BLOCK_LEN];
    uint8_t inner[SHA256_DIGEST_LEN];
    sha256_ctx c;
    int i;

    /* RFC 2104 s2: K0 is the key, hashed first if longer than a block, zero-filled. */
    memset(k0, 0, sizeof(k0));
    if (keylen > SHA256_BLOCK_LEN) {
        sha256_init(&c);
        sha256_update(&c, key, keylen);
        sha256_final(&c, k0);
    } else if (keylen > 0) {
        memcpy(k0, key, keylen);
    }
    /* H(K0 ^ ipad || text) */
    for (i = 0; i < SHA256_BLOCK_LEN; i++)
        pad[i] = (uint8_t)(k0[i] ^ 0x36);
    sha256_init(&c);
    sha256_update(&c, pad, sizeof(pad));
    sha256_update(&c, msg, len);
    sha256_final(&c, inner);
    /* H(K0 ^ opad || inner) */
    for (i = 0; i < SHA256_BLOCK_LEN; i++)
        pad[i] = (uint8_t)(k0[i] ^ 0x5c);
    sha256_init(&c);
    sha256_update(&c, pad, sizeof(pad));
    sha256_update(&c, inner, sizeof(inner));
    sha256_final(&c, out);
    sha256_wipe(k0, sizeof(k0));
    sha256_wipe(pad, sizeof(pad));
    sha256_wipe(inner, sizeof(inner));
}
