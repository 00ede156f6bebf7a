/* The block cache: a block given back is handed out again for any size of its class,
 * sizes above the classes and a NULL pool go to malloc, the cache keeps at most
 * POOL_KEEP_BYTES, and draining empties it. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "pool.h"

static void test_reuse_within_class(void **state)
{
    (void)state;
    blkpool p;
    memset(&p, 0, sizeof(p));
    uint8_t *a = pool_get(&p, 1300);
    assert_non_null(a);
    memset(a, 1, 1536); /* the whole class size is usable */
    pool_put(&p, a, 1300);
    assert_int_equal(p.kept, 1536);
    uint8_t *b = pool_get(&p, 1500); /* same class (1281..1536) */
    assert_ptr_equal(a, b);
    assert_int_equal(p.kept, 0);
    uint8_t *c = pool_get(&p, 1000); /* another class: a new block */
    assert_ptr_not_equal(c, b);
    pool_put(&p, b, 1500);
    pool_put(&p, c, 1000);
    assert_int_equal(p.kept, 1536 + 1024);
    pool_drain(&p);
    assert_int_equal(p.kept, 0);
    for (int k = 0; k < POOL_CLASSES; k++)
        assert_null(p.free[k]);
}

static void test_large_and_null_pool(void **state)
{
    (void)state;
    blkpool p;
    memset(&p, 0, sizeof(p));
    void *big = pool_get(&p, POOL_GRAIN * POOL_CLASSES + 1);
    assert_non_null(big);
    pool_put(&p, big, POOL_GRAIN * POOL_CLASSES + 1);
    assert_int_equal(p.kept, 0); /* freed, not kept */
    void *x = pool_get(NULL, 100);
    assert_non_null(x);
    pool_put(NULL, x, 100);
    pool_put(&p, NULL, 100);
    assert_int_equal(p.kept, 0);
}

static void test_keep_bound(void **state)
{
    (void)state;
    blkpool p;
    memset(&p, 0, sizeof(p));
    enum { N = POOL_KEEP_BYTES / 2048 + 20 };
    static void *blk[N];
    for (int i = 0; i < N; i++)
        assert_non_null(blk[i] = pool_get(&p, 2048));
    for (int i = 0; i < N; i++)
        pool_put(&p, blk[i], 2048);
    assert_int_equal(p.kept, POOL_KEEP_BYTES); /* the rest was freed */
    pool_drain(&p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_reuse_within_class),
        cmocka_unit_test(test_large_and_null_pool),
        cmocka_unit_test(test_keep_bound),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
