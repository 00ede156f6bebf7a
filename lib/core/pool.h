/* A per-endpoint cache of freed blocks of the sizes that come and go with every packet
 * and message (queued messages, received fragments: up to about one MTU), so that a
 * transfer in steady state takes its buffers from here instead of malloc. */
#ifndef MPSCTP_POOL_H
#define MPSCTP_POOL_H

#include <stddef.h>

#define POOL_GRAIN 256                  /* class k holds blocks of (k + 1) * 256 bytes */
#define POOL_CLASSES 8                  /* so blocks up to 2048 bytes are cached */
#define POOL_KEEP_BYTES (256 * 1024)    /* at most this much kept per endpoint */

typedef struct pool_blk {
    struct pool_blk *next;
} pool_blk;

typedef struct blkpool {
    pool_blk *free[POOL_CLASSES];
    size_t kept; /* bytes in the free lists */
} blkpool;

/* A block of at least n bytes; p may be NULL (plain malloc). NULL when memory runs out. */
void *pool_get(blkpool *p, size_t n);
/* Gives back block b obtained from pool_get(p, n) with the same n (b may be NULL). */
void pool_put(blkpool *p, void *b, size_t n);
/* Frees every cached block. */
void pool_drain(blkpool *p);

#endif
