/* SHA-256 (FIPS 180-4) and HMAC-SHA256 (RFC 2104), used to sign SCTP state cookies
 * (RFC 9260 s5.1.3) when the application supplies no HMAC callback of its own.
 * Pure computation: no allocation, no state outside the context the caller owns. */
#ifndef MPSCTP_SHA256_H
#define MPSCTP_SHA256_H

#include <stddef.h>
#include <stdint.h>

#define SHA256_DIGEST_LEN 32 /* bytes of output */
#define SHA256_BLOCK_LEN 64  /* bytes per compression block */

/* A hash in progress. Treat as opaque: use only the functions below. */
typedef struct sha256_ctx {
    uint32_t h[8];                 /* intermediate hash value H(i) */
    uint64_t total;                /* message bytes absorbed so far */
    uint8_t buf[SHA256_BLOCK_LEN]; /* bytes not yet compressed */
    size_t buflen;                 /* bytes in buf, always below SHA256_BLOCK_LEN */
} sha256_ctx;

/* Starts a new hash in c (FIPS 180-4 s5.3.3 initial value). Returns nothing. */
void sha256_init(sha256_ctx *c);

/* Appends len bytes at p to the message hashed in c; may be called any number of times
 * with any split of the message. p may be NULL when len is 0. Returns nothing. */
void sha256_update(sha256_ctx *c, const void *p, size_t len);

/* Pads the message (FIPS 180-4 s5.1.1), writes its 32-byte digest to out and wipes c;
 * call sha256_init() before reusing c. Returns nothing. */
void sha256_final(sha256_ctx *c, uint8_t out[SHA256_DIGEST_LEN]);

/* RFC 2104: writes HMAC-SHA256 of the len bytes at msg under the keylen-byte key to out
 * (32 bytes). A key longer than the 64-byte block is hashed first, as RFC 2104 s3 says.
 * key may be NULL when keylen is 0, msg when len is 0. Key-derived temporaries are wiped
 * before returning. Returns nothing. */
void hmac_sha256(const uint8_t *key, size_t keylen, const uint8_t *msg, size_t len,
                 uint8_t out[SHA256_DIGEST_LEN]);

#endif /* MPSCTP_SHA256_H */
