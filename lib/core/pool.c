/* Block cache (pool.h). Blocks above the largest class, and everything while the cache
 * holds POOL_KEEP_BYTES, go straight to malloc and free. Under AddressSanitizer a cached
 * block is poisoned, so a use after it was given back is still reported. */
#include "pool.h"

#include <stdlib.h>

#if defined(__has_feature)
#if __has_feature(address_sanitizer)
#define POOL_ASAN 1
#endif
#endif
#if defined(__SANITIZE_ADDRESS__)
#define POOL_ASAN 1
#endif
#ifdef POOL_ASAN
#include <sanitizer/asan_interface.h>
#define POISON(b, n) ASAN_POISON_MEMORY_REGION((b), (n))
#define UNPOISON(b, n) ASAN_UNPOISON_MEMORY_REGION((b), (n))
#else
#define POISON(b, n) ((void)(b), (void)(n))
#define UNPOISON(b, n) ((void)(b), (void)(n))
#endif

void *pool_get(blkpool *p, size_t n)
{
    if (!p || n == 0 || n > (size_t)POOL_GRAIN * POOL_CLASSES)
        return malloc(n);
    size_t k = (n - 1) / POOL_GRAIN, size = (k + 1) * POOL_GRAIN;
    pool_blk *b = p->free[k];
    if (!b)
        return malloc(size);
    UNPOISON(b, size);
    p->free[k] = b->next;
    p->kept -= size;
    return b;
}

void pool_put(blkpool *p, void *b, size_t n)
{
    if (!b)
        return;
    size_t k = n ? (n - 1) / POOL_GRAIN : 0, size = (k + 1) * POOL_GRAIN;
    if (!p || n == 0 || n > (size_t)POOL_GRAIN * POOL_CLASSES ||
        p->kept + size > POOL_KEEP_BYTES) {
        free(b);
        return;
    }
    pool_blk *blk = b;
    blk->next = p->free[k];
    p->free[k] = blk;
    p->kept += size;
    POISON(b, size);
}

void pool_drain(blkpool *p)
{
    for (int k = 0; k < POOL_CLASSES; k++) {
        while (p->free[k]) {
            pool_blk *b = p->free[k];
            UNPOISON(b, (size_t)(k + 1) * POOL_GRAIN);
            p->free[k] = b->next;
            free(b);
        }
    }
    p->kept = 0;
}
