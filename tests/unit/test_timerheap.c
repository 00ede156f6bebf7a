/* Unit tests for lib/core/timerheap: the endpoint's min-heap of deadlines. Random
 * insertions, key changes (earlier and later), removals and pops are checked against a
 * plain array of the keys after every operation: the minimum, each node's key and the
 * heap's own order and positions. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "timerheap.h"

#define NODES 300

static uint64_t rng_next(uint64_t *s)
{
    *s = *s * 6364136223846793005ull + 1442695040888963407ull;
    return *s >> 17;
}

static void check(const timerheap *h, const theap_node *nodes, const mpsctp_tstamp *keys)
{
    mpsctp_tstamp min = MPSCTP_TSTAMP_NEVER;
    uint32_t filed = 0;
    for (int i = 0; i < NODES; i++) {
        assert_int_equal(timerheap_key(h, &nodes[i]), keys[i]);
        if (keys[i] < min)
            min = keys[i];
        filed += keys[i] != MPSCTP_TSTAMP_NEVER;
    }
    assert_int_equal(timerheap_min(h), min);
    assert_int_equal(h->n, filed);
    assert_int_equal(timerheap_verify(h), 0);
    if (filed)
        assert_int_equal(keys[timerheap_top(h) - nodes], min);
    else
        assert_null(timerheap_top(h));
}

static void test_random_against_array(void **state)
{
    (void)state;
    static theap_node nodes[NODES];
    static mpsctp_tstamp keys[NODES];
    memset(nodes, 0, sizeof(nodes));
    for (int i = 0; i < NODES; i++)
        keys[i] = MPSCTP_TSTAMP_NEVER;
    timerheap h = {0};
    assert_int_equal(timerheap_reserve(&h, NODES), 0);
    uint64_t s = 42;
    for (int step = 0; step < 20000; step++) {
        uint32_t i = (uint32_t)(rng_next(&s) % NODES);
        uint32_t op = (uint32_t)(rng_next(&s) % 10);
        if (op < 6) {
            /* Set (insert or move); few distinct keys, so ties happen. */
            keys[i] = 1000 + rng_next(&s) % 500;
        } else if (op < 8) {
            keys[i] = MPSCTP_TSTAMP_NEVER;
        } else if (timerheap_top(&h)) {
            /* Pop the earliest, as a timeout does. */
            i = (uint32_t)(timerheap_top(&h) - nodes);
            keys[i] = MPSCTP_TSTAMP_NEVER;
        }
        assert_int_equal(timerheap_set(&h, &nodes[i], keys[i]), 0);
        check(&h, nodes, keys);
    }
    timerheap_free(&h);
}

static void test_grows_without_reserve(void **state)
{
    (void)state;
    static theap_node nodes[1000];
    memset(nodes, 0, sizeof(nodes));
    timerheap h = {0};
    assert_int_equal(timerheap_min(&h), MPSCTP_TSTAMP_NEVER);
    /* Decreasing keys: every insertion sifts to the top. */
    for (int i = 0; i < 1000; i++) {
        assert_int_equal(timerheap_set(&h, &nodes[i], (mpsctp_tstamp)(5000 - i)), 0);
        assert_int_equal(timerheap_min(&h), (mpsctp_tstamp)(5000 - i));
    }
    assert_int_equal(timerheap_verify(&h), 0);
    /* Unchanged keys cost nothing and change nothing. */
    uint32_t pos = nodes[500].pos;
    assert_int_equal(timerheap_set(&h, &nodes[500], 4500), 0);
    assert_int_equal(nodes[500].pos, pos);
    /* Draining in order. */
    mpsctp_tstamp last = 0;
    while (timerheap_top(&h)) {
        theap_node *t = timerheap_top(&h);
        mpsctp_tstamp k = timerheap_min(&h);
        assert_true(k >= last);
        last = k;
        assert_int_equal(timerheap_set(&h, t, MPSCTP_TSTAMP_NEVER), 0);
        assert_int_equal(t->pos, 0);
    }
    assert_int_equal(last, 5000);
    timerheap_free(&h);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_random_against_array),
        cmocka_unit_test(test_grows_without_reserve),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
