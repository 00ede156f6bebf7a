/* The fuzzing arena (see fuzz_arena.h): a bump allocator over one mapping, blocks laid out
 * as [header 16][user bytes, rounded up to 16][red zone 16], snapshots as plain copies. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "fuzz_arena.h"

#if defined(__has_feature)
#if __has_feature(address_sanitizer)
#define FZ_ASAN 1
#endif
#endif
#if defined(__SANITIZE_ADDRESS__)
#define FZ_ASAN 1
#endif
#ifdef FZ_ASAN
#include <sanitizer/asan_interface.h>
#define POISON(p, n) __asan_poison_memory_region((p), (n))
#define UNPOISON(p, n) __asan_unpoison_memory_region((p), (n))
#else
#define POISON(p, n) ((void)(p), (void)(n))
#define UNPOISON(p, n) ((void)(p), (void)(n))
#endif

#define ARENA_SIZE ((size_t)1 << 30)     /* virtual; pages are touched as used */
#define KEEP_RESIDENT ((size_t)64 << 20) /* beyond this, restores give pages back */
#define ALIGN 16u
#define REDZONE 16u
#define MAGIC_LIVE 0x4c495645u /* "LIVE" */
#define MAGIC_FREE 0x46524545u /* "FREE" */
#define FILL 0xa5              /* what malloc'ed bytes hold: never zero by luck */

typedef struct blk {
    uint64_t size; /* user bytes */
    uint32_t magic;
    uint32_t pad;
} blk;

struct fz_snap {
    size_t used, live, extra_len;
    uint8_t *extra;
    uint8_t bytes[];
};

static uint8_t *base;
static size_t top, high; /* bytes in use; the most in use since pages were given back */
static size_t live;
static int failed;

static size_t round_up(size_t n)
{
    return (n + ALIGN - 1) & ~(size_t)(ALIGN - 1);
}

static size_t blk_span(size_t size)
{
    return sizeof(blk) + round_up(size ? size : 1) + REDZONE;
}

void fz_arena_reset(void)
{
    if (!base) {
        void *m = mmap(NULL, ARENA_SIZE, PROT_READ | PROT_WRITE,
                       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
        if (m == MAP_FAILED) {
            perror("fuzz arena: mmap");
            abort();
        }
        base = m;
    }
    POISON(base, high > top ? high : top);
    top = 0;
    live = 0;
    failed = 0;
}

size_t fz_arena_live(void)
{
    return live;
}

size_t fz_arena_used(void)
{
    return top;
}

int fz_arena_failed(void)
{
    return failed;
}

void *fz_core_malloc(size_t n)
{
    if (!base)
        fz_arena_reset();
    size_t span = blk_span(n);
    if (n > ARENA_SIZE || span > ARENA_SIZE - top) {
        failed = 1;
        return NULL;
    }
    blk *b = (blk *)(base + top);
    UNPOISON(b, span);
    b->size = n;
    b->magic = MAGIC_LIVE;
    b->pad = 0;
    uint8_t *u = (uint8_t *)(b + 1);
    memset(u, FILL, n);
    memset(u + n, 0, span - sizeof(blk) - n); /* the same bytes for every build */
    POISON(b, sizeof(blk));
    POISON(u + n, span - sizeof(blk) - n);
    top += span;
    if (top > high)
        high = top;
    live++;
    return u;
}

void *fz_core_calloc(size_t n, size_t size)
{
    if (size && n > SIZE_MAX / size) {
        failed = 1;
        return NULL;
    }
    void *p = fz_core_malloc(n * size);
    if (p)
        memset(p, 0, n * size);
    return p;
}

/* Returns the header of user pointer p, aborting when p is not a live block. */
static blk *header_of(void *p, const char *what)
{
    uint8_t *u = p;
    if (!base || u < base + sizeof(blk) || u >= base + top || (size_t)(u - base) % ALIGN) {
        fprintf(stderr, "fuzz arena: %s of a pointer not from the arena: %p\n", what, p);
        abort();
    }
    blk *b = (blk *)u - 1;
    UNPOISON(b, sizeof(blk));
    if (b->magic != MAGIC_LIVE) {
        fprintf(stderr, "fuzz arena: %s of %s block %p\n", what,
                b->magic == MAGIC_FREE ? "a freed" : "a corrupt or unknown", p);
        abort();
    }
    return b;
}

void fz_core_free(void *p)
{
    if (!p)
        return;
    blk *b = header_of(p, "free");
    b->magic = MAGIC_FREE;
    size_t size = (size_t)b->size;
    POISON(b, blk_span(size));
    live--;
}

void *fz_core_realloc(void *p, size_t n)
{
    if (!p)
        return fz_core_malloc(n);
    blk *b = header_of(p, "realloc");
    size_t old = (size_t)b->size;
    POISON(b, sizeof(blk));
    void *q = fz_core_malloc(n);
    if (!q)
        return NULL; /* p stays as it was */
    memcpy(q, p, old < n ? old : n);
    fz_core_free(p);
    return q;
}

/* Sets the ASan state of every block in [0, used): headers and red zones poisoned, live
 * blocks' bytes addressable, freed ones poisoned. */
static void repoison(size_t used)
{
    size_t off = 0;
    while (off < used) {
        blk *b = (blk *)(base + off);
        UNPOISON(b, sizeof(blk));
        size_t size = (size_t)b->size, span = blk_span(size);
        int is_live = b->magic == MAGIC_LIVE;
        POISON(b, span);
        if (is_live)
            UNPOISON(b + 1, size);
        off += span;
    }
}

fz_snap *fz_snap_take(const void *extra, size_t len)
{
    fz_snap *s = malloc(sizeof(*s) + top);
    if (!s)
        return NULL;
    s->extra = malloc(len ? len : 1);
    if (!s->extra) {
        free(s);
        return NULL;
    }
    s->used = top;
    s->live = live;
    s->extra_len = len;
    UNPOISON(base, top);
    memcpy(s->bytes, base, top);
    repoison(top);
    memcpy(s->extra, extra, len);
    return s;
}

void fz_snap_restore(const fz_snap *s, void *extra)
{
    size_t prev = top;
    UNPOISON(base, s->used);
    memcpy(base, s->bytes, s->used);
    repoison(s->used);
    if (prev > s->used)
        POISON(base + s->used, prev - s->used);
    /* An input that used much memory leaves it resident: give it back beyond a margin. */
    size_t keep = round_up(s->used + KEEP_RESIDENT);
    keep = (keep + 4095) & ~(size_t)4095;
    if (high > keep) {
        madvise(base + keep, high - keep, MADV_DONTNEED);
        high = keep;
    }
    top = s->used;
    live = s->live;
    failed = 0;
    memcpy(extra, s->extra, s->extra_len);
}

int fz_snap_equal(const fz_snap *s, const void *extra)
{
    if (s->used != top || s->live != live)
        return 0;
    UNPOISON(base, top);
    int same = memcmp(base, s->bytes, top) == 0;
    repoison(top);
    return same && memcmp(extra, s->extra, s->extra_len) == 0;
}

void fz_snap_free(fz_snap *s)
{
    if (!s)
        return;
    free(s->extra);
    free(s);
}

void fz_prepare(fz_snap **slot, void *state, size_t len, fz_build_fn build, unsigned p)
{
    static int mode = -1; /* 0 snapshots, 1 build every time, 2 check snapshots */
    if (mode < 0)
        mode = getenv("FUZZ_NO_SNAPSHOT") ? 1 : getenv("FUZZ_CHECK_SNAPSHOT") ? 2 : 0;
    if (*slot && !mode) {
        fz_snap_restore(*slot, state);
        return;
    }
    fz_arena_reset();
    memset(state, 0, len);
    build(state, p);
    if (mode == 2 && *slot && !fz_snap_equal(*slot, state)) {
        fprintf(stderr,
                "fuzz arena: a fresh build of profile %#x differs from its saved copy\n", p);
        abort();
    }
    if (!*slot) {
        *slot = fz_snap_take(state, len);
        if (!*slot) {
            fprintf(stderr, "fuzz arena: no memory for a snapshot\n");
            abort();
        }
    }
    if (mode != 1)
        fz_snap_restore(*slot, state);
}

void fz_arena_check_empty(const char *what)
{
    if (failed || live == 0)
        return;
    fprintf(stderr, "fuzz arena: %zu blocks of the core still allocated after %s (a leak)\n",
            live, what);
    abort();
}
