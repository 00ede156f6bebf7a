/* An arena for the protocol core of the stateful fuzz harnesses, so that a prepared pair
 * of endpoints (handshake done) can be saved once and restored for every input instead of
 * being built again.
 *
 * The harnesses link a copy of the core compiled with malloc, calloc, realloc and free
 * renamed to the fz_core_* functions below (tests/fuzz/CMakeLists.txt). Those allocate
 * from one large mapping by bumping a pointer, so the same sequence of allocations
 * always gets the same addresses: a snapshot is a copy of the used part of the mapping,
 * and restoring it brings back every pointer as it was. Freed memory is not reused until
 * the arena is restored or reset.
 *
 * Memory errors stay visible under AddressSanitizer: every block has a poisoned header
 * and a poisoned red zone behind it, freed blocks are poisoned (a use after free is
 * reported as use-after-poison), a double or invalid free aborts, and the count of live
 * blocks tells a harness about leaks (fz_arena_live). Without ASan the poisoning is a
 * no-op. Not thread-safe; one arena per process. */
#ifndef MPSCTP_FUZZ_ARENA_H
#define MPSCTP_FUZZ_ARENA_H

#include <stddef.h>
#include <stdint.h>

/* The allocator the arena copy of the core calls. */
void *fz_core_malloc(size_t n);
void *fz_core_calloc(size_t n, size_t size);
void *fz_core_realloc(void *p, size_t n);
void fz_core_free(void *p);

/* Empties the arena (mapping it on first use): every block is gone, the live count is 0.
 * Aborts when the mapping cannot be made. */
void fz_arena_reset(void);

/* Returns the number of blocks allocated and not freed. */
size_t fz_arena_live(void);

/* Returns the bytes of the arena in use (blocks with headers and red zones, freed ones
 * included). */
size_t fz_arena_used(void);

/* Returns 1 when an allocation failed (arena full) since the last reset or restore. */
int fz_arena_failed(void);

/* A saved arena plus extra caller bytes (the harness's own state). */
typedef struct fz_snap fz_snap;

/* Saves the arena and extra[0..len-1]. Returns the snapshot, or NULL without memory. */
fz_snap *fz_snap_take(const void *extra, size_t len);

/* Puts the arena back as it was when s was taken (memory allocated since is gone) and
 * copies the saved extra bytes into extra (len as given to fz_snap_take). */
void fz_snap_restore(const fz_snap *s, void *extra);

/* Returns 1 when the arena and extra[0..len-1] are byte for byte what s holds. */
int fz_snap_equal(const fz_snap *s, const void *extra);

/* Frees a snapshot. */
void fz_snap_free(fz_snap *s);

/* Builds the state an input starts from into the empty arena and state[0..len), which
 * fz_prepare has zeroed; p is the settings profile. */
typedef void (*fz_build_fn)(void *state, unsigned p);

/* Brings the arena and state[0..len) to what build(state, p) makes from nothing: restored
 * from *slot, the copy saved the first time (one slot per profile, owned by the caller).
 * The environment chooses otherwise: FUZZ_NO_SNAPSHOT builds it every time (a reference
 * for speed), FUZZ_CHECK_SNAPSHOT builds it every time and aborts unless it equals the
 * saved copy byte for byte. */
void fz_prepare(fz_snap **slot, void *state, size_t len, fz_build_fn build, unsigned p);

/* Aborts, naming what, when blocks are still allocated (once everything the core had
 * should have been freed) and no allocation failed since the last restore. */
void fz_arena_check_empty(const char *what);

#endif
