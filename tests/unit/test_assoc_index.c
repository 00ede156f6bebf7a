/* Unit tests for lib/core/assoc_index: filing entries under tag and address keys,
 * re-keying, removal, several owners under one key, growth of the bucket array, and a
 * long random sequence of operations checked against a plain list. Owners are opaque to
 * the index, so the tests use addresses of dummy bytes as owners. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "assoc_index.h"

static const uint8_t seed[32] = {1, 2, 3, 4, 5, 6, 7, 8, 9};
static char dummies[20000];

static mpsctp_assoc *owner(unsigned i)
{
    return (mpsctp_assoc *)(void *)&dummies[i];
}

/* Returns how many entries are filed under k, and whether l is among them. */
static unsigned count_under(const assoc_index *x, const aidx_key *k, const aidx_link *l,
                            int *found)
{
    unsigned n = 0;
    *found = 0;
    for (const aidx_link *f = NULL; (f = assoc_index_next(x, k, f));) {
        n++;
        *found |= f == l;
    }
    return n;
}

static void test_tag_and_addr_keys(void **state)
{
    (void)state;
    assoc_index x;
    assoc_index_init(&x, seed, sizeof(seed));
    aidx_link tag, ptag, addr;
    memset(&tag, 0, sizeof(tag));
    memset(&ptag, 0, sizeof(ptag));
    memset(&addr, 0, sizeof(addr));
    aidx_key kt, kp, ka, other;
    assoc_index_tag_key(&kt, AIDX_TAG, 0xdeadbeef, 5000);
    assoc_index_tag_key(&kp, AIDX_PEER_TAG, 0xdeadbeef, 5000);
    mpsctp_addr a;
    mpsctp_addr_v4(&a, 0x0a000001, 9899);
    assoc_index_addr_key(&ka, &a, 5000);
    assoc_index_put(&x, &tag, owner(1), &kt);
    assoc_index_put(&x, &ptag, owner(1), &kp);
    assoc_index_put(&x, &addr, owner(1), &ka);
    assert_int_equal(x.n, 3);
    assert_true(assoc_index_filed(&tag) && assoc_index_filed(&ptag) &&
                assoc_index_filed(&addr));
    /* Each key finds its own entry only: the same tag as our tag and as the peer's tag
     * are different keys. */
    assert_ptr_equal(assoc_index_next(&x, &kt, NULL), &tag);
    assert_null(assoc_index_next(&x, &kt, &tag));
    assert_ptr_equal(assoc_index_next(&x, &kp, NULL), &ptag);
    assert_ptr_equal(assoc_index_next(&x, &ka, NULL), &addr);
    assert_ptr_equal(assoc_index_next(&x, &ka, NULL)->owner, owner(1));
    /* Another port, tag or family is another key. */
    assoc_index_tag_key(&other, AIDX_TAG, 0xdeadbeef, 5001);
    assert_null(assoc_index_next(&x, &other, NULL));
    assoc_index_tag_key(&other, AIDX_TAG, 0xdeadbeee, 5000);
    assert_null(assoc_index_next(&x, &other, NULL));
    /* The UDP port of an address is not part of its key (RFC 6951 s5: it may change). */
    mpsctp_addr b = a;
    b.udp_port = 1234;
    assoc_index_addr_key(&other, &b, 5000);
    assert_ptr_equal(assoc_index_next(&x, &other, NULL), &addr);
    mpsctp_addr v6;
    memset(&v6, 0, sizeof(v6));
    v6.family = MPSCTP_AF_INET6;
    memcpy(v6.ip, a.ip, 4);
    assoc_index_addr_key(&other, &v6, 5000);
    assert_null(assoc_index_next(&x, &other, NULL));
    assoc_index_free(&x);
}

static void test_rekey_and_remove(void **state)
{
    (void)state;
    assoc_index x;
    assoc_index_init(&x, seed, sizeof(seed));
    aidx_link l;
    memset(&l, 0, sizeof(l));
    aidx_key k1, k2;
    assoc_index_tag_key(&k1, AIDX_TAG, 111, 7);
    assoc_index_tag_key(&k2, AIDX_TAG, 222, 7);
    assoc_index_put(&x, &l, owner(0), &k1);
    /* Filing again under the same key changes nothing. */
    assoc_index_put(&x, &l, owner(0), &k1);
    assert_int_equal(x.n, 1);
    int found;
    assert_int_equal(count_under(&x, &k1, &l, &found), 1);
    /* A new key (an association restart gives new tags) moves the entry. */
    assoc_index_put(&x, &l, owner(0), &k2);
    assert_int_equal(x.n, 1);
    assert_int_equal(count_under(&x, &k1, &l, &found), 0);
    assert_int_equal(count_under(&x, &k2, &l, &found), 1);
    assert_true(found);
    assoc_index_del(&x, &l);
    assert_int_equal(x.n, 0);
    assert_false(assoc_index_filed(&l));
    assert_null(assoc_index_next(&x, &k2, NULL));
    /* Removing what is not filed is harmless. */
    assoc_index_del(&x, &l);
    assert_int_equal(x.n, 0);
    assoc_index_free(&x);
}

/* Several owners under one key (two associations whose peers chose the same tag, or one
 * closed and one open with the same address): all are found, newest first, and each
 * leaves alone. */
static void test_same_key_owners(void **state)
{
    (void)state;
    assoc_index x;
    assoc_index_init(&x, seed, sizeof(seed));
    aidx_link l[5];
    memset(l, 0, sizeof(l));
    aidx_key k;
    assoc_index_tag_key(&k, AIDX_PEER_TAG, 42, 5000);
    for (unsigned i = 0; i < 5; i++)
        assoc_index_put(&x, &l[i], owner(i), &k);
    const aidx_link *f = NULL;
    for (int i = 4; i >= 0; i--) {
        f = assoc_index_next(&x, &k, f);
        assert_ptr_equal(f, &l[i]);
    }
    assert_null(assoc_index_next(&x, &k, f));
    assoc_index_del(&x, &l[2]);
    assoc_index_del(&x, &l[4]);
    int found;
    assert_int_equal(count_under(&x, &k, &l[2], &found), 3);
    assert_false(found);
    assert_int_equal(count_under(&x, &k, &l[3], &found), 3);
    assert_true(found);
    assoc_index_free(&x);
}

/* 20000 entries: the bucket array grows, nothing gets lost, chains stay short. */
static void test_growth(void **state)
{
    (void)state;
    enum { N = 20000 };
    assoc_index x;
    assoc_index_init(&x, seed, sizeof(seed));
    aidx_link *l = calloc(N, sizeof(*l));
    assert_non_null(l);
    for (unsigned i = 0; i < N; i++) {
        aidx_key k;
        mpsctp_addr a;
        mpsctp_addr_v4(&a, 0x0a000000u + i, 9899);
        if (i % 2)
            assoc_index_tag_key(&k, AIDX_TAG, i, 5000);
        else
            assoc_index_addr_key(&k, &a, 5000);
        assoc_index_put(&x, &l[i], owner(i), &k);
    }
    assert_int_equal(x.n, N);
    assert_true(x.mask + 1 >= N); /* at most one entry per bucket on average */
    uint32_t longest = assoc_index_longest_chain(&x);
    print_message("20000 entries in %u buckets, longest chain %u\n", x.mask + 1, longest);
    assert_true(longest <= 12);
    for (unsigned i = 0; i < N; i++) {
        int found;
        assert_int_equal(count_under(&x, &l[i].key, &l[i], &found), 1);
        assert_true(found);
        assert_ptr_equal(l[i].owner, owner(i));
    }
    for (unsigned i = 0; i < N; i += 3)
        assoc_index_del(&x, &l[i]);
    for (unsigned i = 0; i < N; i++) {
        int found;
        assert_int_equal(count_under(&x, &l[i].key, &l[i], &found), i % 3 ? 1 : 0);
    }
    assoc_index_free(&x);
    free(l);
}

/* Sequential tags (and addresses) are what a peer controls: with a keyed hash they do
 * not pile up in a few buckets, and the placement depends on the secret. */
static void test_keyed_hash(void **state)
{
    (void)state;
    enum { N = 4096 };
    static const uint8_t seed2[32] = {9, 9, 9};
    assoc_index x, y;
    assoc_index_init(&x, seed, sizeof(seed));
    assoc_index_init(&y, seed2, sizeof(seed2));
    aidx_link *lx = calloc(N, sizeof(*lx)), *ly = calloc(N, sizeof(*ly));
    assert_non_null(lx);
    assert_non_null(ly);
    unsigned same = 0;
    for (unsigned i = 0; i < N; i++) {
        aidx_key k;
        assoc_index_tag_key(&k, AIDX_PEER_TAG, i << 12, 5000);
        assoc_index_put(&x, &lx[i], owner(i), &k);
        assoc_index_put(&y, &ly[i], owner(i), &k);
    }
    for (unsigned i = 0; i < N; i++)
        same += (lx[i].hash & x.mask) == (ly[i].hash & y.mask);
    assert_true(assoc_index_longest_chain(&x) <= 10);
    assert_true(same < N / 16); /* ~N / buckets expected by chance */
    assoc_index_free(&x);
    assoc_index_free(&y);
    free(lx);
    free(ly);
}

/* A random sequence of put (new key or same key), delete and lookup, against a plain
 * array that says which key each entry should be under. */
static void test_random_model(void **state)
{
    (void)state;
    enum { N = 300, STEPS = 200000 };
    assoc_index x;
    assoc_index_init(&x, seed, sizeof(seed));
    static aidx_link l[N];
    static aidx_key want[N];
    static int filed[N];
    memset(l, 0, sizeof(l));
    memset(filed, 0, sizeof(filed));
    uint64_t r = 0x1234567;
    for (unsigned step = 0; step < STEPS; step++) {
        r = r * 6364136223846793005ull + 1442695040888963407ull;
        unsigned i = (unsigned)(r >> 33) % N, op = (unsigned)(r >> 20) % 8;
        /* Few distinct keys, so that many entries share keys and chains. */
        unsigned kv = (unsigned)(r >> 40) % 64;
        if (op < 4) {
            aidx_key k;
            if (kv % 3 == 0) {
                mpsctp_addr a;
                mpsctp_addr_v4(&a, 0x0a000000u + kv, 9899);
                assoc_index_addr_key(&k, &a, (uint16_t)(5000 + kv % 2));
            } else {
                assoc_index_tag_key(&k, (uint8_t)(kv % 2 ? AIDX_TAG : AIDX_PEER_TAG), kv,
                                    (uint16_t)(5000 + kv % 5));
            }
            assoc_index_put(&x, &l[i], owner(i), &k);
            want[i] = k;
            filed[i] = 1;
        } else if (op < 6) {
            assoc_index_del(&x, &l[i]);
            filed[i] = 0;
        } else {
            /* Lookup: the entries under i's key are exactly those the model has there. */
            aidx_key k = want[i];
            unsigned expect = 0, got = 0;
            for (unsigned j = 0; j < N; j++)
                expect += filed[j] && memcmp(&want[j], &k, sizeof(k)) == 0;
            for (const aidx_link *f = NULL; (f = assoc_index_next(&x, &k, f));) {
                unsigned j = (unsigned)(f - l);
                assert_true(j < N && filed[j]);
                assert_memory_equal(&want[j], &k, sizeof(k));
                got++;
            }
            assert_int_equal(got, expect);
        }
        if (step % 1000 == 0) {
            unsigned total = 0;
            for (unsigned j = 0; j < N; j++)
                total += (unsigned)filed[j];
            assert_int_equal(x.n, total);
        }
    }
    assoc_index_free(&x);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_tag_and_addr_keys), cmocka_unit_test(test_rekey_and_remove),
        cmocka_unit_test(test_same_key_owners),   cmocka_unit_test(test_growth),
        cmocka_unit_test(test_keyed_hash),        cmocka_unit_test(test_random_model),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
