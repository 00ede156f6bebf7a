/* Unit tests for the state cookie (RFC 9260 s5.1.3): cookie_encode/cookie_decode round
 * trip every field; the MAC rejects any single changed byte, a wrong length and a cookie
 * made by an endpoint with a different secret. Endpoints get their secret from a
 * deterministic random callback; the secret changes over time and the previous one keeps
 * verifying cookies made before the change. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "assoc.h"
#include "mpsctp/mpsctp.h"

/* Deterministic "random" bytes: splitmix64 seeded through the user pointer. */
static void det_random(void *user, void *buf, size_t len)
{
    uint64_t *s = user;
    uint8_t *p = buf;
    for (size_t i = 0; i < len; i++) {
        uint64_t z = (*s += 0x9E3779B97F4A7C15ull);
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
        p[i] = (uint8_t)(z ^ (z >> 31));
    }
}

static mpsctp_endpoint *make_ep(uint64_t *seed)
{
    mpsctp_settings s;
    mpsctp_settings_default(&s);
    s.local_port = 5001;
    mpsctp_callbacks cb;
    memset(&cb, 0, sizeof(cb));
    cb.user = seed;
    cb.random = det_random;
    mpsctp_endpoint *ep = mpsctp_endpoint_new(&s, &cb);
    assert_non_null(ep);
    return ep;
}

static void sample(cookie_data *d)
{
    memset(d, 0, sizeof(*d));
    d->created = 0x0123456789ABCDEFull;
    d->lifetime_ms = 60000;
    d->my_vtag = 0xA1A2A3A4u;
    d->peer_vtag = 0xB1B2B3B4u;
    d->tie_local = 0xC1C2C3C4u;
    d->tie_peer = 0xD1D2D3D4u;
    d->my_itsn = 0xFFFFFFFFu;
    d->peer_itsn = 1;
    d->peer_rwnd = 0x00100000u;
    d->os = 10;
    d->is = 65535;
    d->my_port = 5001;
    d->peer_port = 9;
    mpsctp_addr_v4(&d->local, 0xC0000201u, 9899);
    d->remote.family = MPSCTP_AF_INET6;
    d->remote.udp_port = 0;
    for (int i = 0; i < 16; i++)
        d->remote.ip[i] = (uint8_t)(0xF0 + i);
}

static void expect_same(const cookie_data *a, const cookie_data *b)
{
    assert_true(a->created == b->created);
    assert_int_equal(a->lifetime_ms, b->lifetime_ms);
    assert_int_equal(a->my_vtag, b->my_vtag);
    assert_int_equal(a->peer_vtag, b->peer_vtag);
    assert_int_equal(a->tie_local, b->tie_local);
    assert_int_equal(a->tie_peer, b->tie_peer);
    assert_int_equal(a->my_itsn, b->my_itsn);
    assert_int_equal(a->peer_itsn, b->peer_itsn);
    assert_int_equal(a->peer_rwnd, b->peer_rwnd);
    assert_int_equal(a->os, b->os);
    assert_int_equal(a->is, b->is);
    assert_int_equal(a->my_port, b->my_port);
    assert_int_equal(a->peer_port, b->peer_port);
    assert_true(mpsctp_addr_equal(&a->local, &b->local));
    assert_true(mpsctp_addr_equal(&a->remote, &b->remote));
    assert_int_equal(a->local.family, b->local.family);
    assert_int_equal(a->remote.family, b->remote.family);
    assert_memory_equal(a->local.ip, b->local.ip, 16);
    assert_memory_equal(a->remote.ip, b->remote.ip, 16);
    assert_int_equal(a->naddrs, b->naddrs);
    for (uint32_t i = 0; i < a->naddrs; i++) {
        assert_true(mpsctp_addr_equal(&a->addrs[i], &b->addrs[i]));
        assert_int_equal(a->addrs[i].family, b->addrs[i].family);
    }
}

/* Encodes d with ep into buf; returns the cookie length. */
static size_t encode(mpsctp_endpoint *ep, const cookie_data *d, uint8_t *buf, size_t cap)
{
    wbuf w;
    wbuf_init(&w, buf, cap);
    cookie_encode(ep, &w, d);
    assert_int_equal(w.err, 0);
    assert_true(w.len > 32);
    return w.len;
}

static void test_roundtrip(void **state)
{
    (void)state;
    uint64_t seed = 1;
    mpsctp_endpoint *ep = make_ep(&seed);
    cookie_data d, out;
    sample(&d);
    uint8_t buf[512];
    size_t n = encode(ep, &d, buf, sizeof(buf));
    memset(&out, 0x5A, sizeof(out));
    assert_int_equal(cookie_decode(ep, buf, n, &out), 0);
    expect_same(&d, &out);

    /* Other values, including zeros and maxima, and the same length every time. */
    cookie_data e;
    memset(&e, 0, sizeof(e));
    e.local.family = MPSCTP_AF_INET;
    e.remote.family = MPSCTP_AF_INET;
    uint8_t buf2[512];
    assert_int_equal(encode(ep, &e, buf2, sizeof(buf2)), n);
    assert_int_equal(cookie_decode(ep, buf2, n, &out), 0);
    expect_same(&e, &out);
    memset(&e, 0xFF, sizeof(e));
    e.local.reserved = e.remote.reserved = 0;
    e.naddrs = 0;
    assert_int_equal(encode(ep, &e, buf2, sizeof(buf2)), n);
    assert_int_equal(cookie_decode(ep, buf2, n, &out), 0);
    expect_same(&e, &out);

    /* Encoding is deterministic for one endpoint; a second endpoint with the same secret
     * accepts the cookie. */
    uint8_t again[512];
    assert_int_equal(encode(ep, &d, again, sizeof(again)), n);
    assert_memory_equal(again, buf, n);
    uint64_t seed_same = 1;
    mpsctp_endpoint *twin = make_ep(&seed_same);
    assert_int_equal(cookie_decode(twin, buf, n, &out), 0);
    expect_same(&d, &out);
    mpsctp_endpoint_free(twin);

    /* The peer's further addresses (RFC 9260 s5.1.2) travel in the cookie: 20 bytes
     * each, every one back in order. */
    d.naddrs = 3;
    for (uint32_t i = 0; i < 3; i++)
        mpsctp_addr_v4(&d.addrs[i], 0x0A000001u + (i << 8), (uint16_t)(9899 + i));
    d.addrs[2].family = MPSCTP_AF_INET6;
    memset(d.addrs[2].ip, 0x20 + 2, 16);
    uint8_t multi[512];
    size_t nm = encode(ep, &d, multi, sizeof(multi));
    assert_int_equal(nm, n + 3 * 20);
    memset(&out, 0x5A, sizeof(out));
    assert_int_equal(cookie_decode(ep, multi, nm, &out), 0);
    expect_same(&d, &out);
    /* A cookie cut short or with a count that does not match its length is refused. */
    assert_int_equal(cookie_decode(ep, multi, nm - 20, &out), MPSCTP_ERR_MALFORMED);
    assert_int_equal(cookie_decode(ep, multi, n, &out), MPSCTP_ERR_MALFORMED);
    /* More addresses than paths are cut to what an association can hold. */
    d.naddrs = 1000;
    for (uint32_t i = 0; i < MPSCTP_MAX_PATHS - 1; i++)
        mpsctp_addr_v4(&d.addrs[i], 0x0A000101u + i, 9899);
    assert_int_equal(encode(ep, &d, multi, sizeof(multi)), n + (MPSCTP_MAX_PATHS - 1) * 20);
    assert_int_equal(cookie_decode(ep, multi, n + (MPSCTP_MAX_PATHS - 1) * 20, &out), 0);
    assert_int_equal(out.naddrs, MPSCTP_MAX_PATHS - 1);
    mpsctp_endpoint_free(ep);
}

static void test_every_byte_flip_fails(void **state)
{
    (void)state;
    uint64_t seed = 2;
    mpsctp_endpoint *ep = make_ep(&seed);
    cookie_data d, out;
    sample(&d);
    uint8_t buf[512];
    size_t n = encode(ep, &d, buf, sizeof(buf));
    const uint8_t masks[4] = {0x01, 0x80, 0x10, 0xFF};
    for (size_t i = 0; i < n; i++) {
        for (int k = 0; k < 4; k++) {
            uint8_t copy[512];
            memcpy(copy, buf, n);
            copy[i] ^= masks[k];
            assert_int_equal(cookie_decode(ep, copy, n, &out), MPSCTP_ERR_MALFORMED);
        }
    }
    /* The untouched cookie still decodes. */
    assert_int_equal(cookie_decode(ep, buf, n, &out), 0);
    mpsctp_endpoint_free(ep);
}

static void test_wrong_length_fails(void **state)
{
    (void)state;
    uint64_t seed = 3;
    mpsctp_endpoint *ep = make_ep(&seed);
    cookie_data d, out;
    sample(&d);
    uint8_t buf[512];
    memset(buf, 0, sizeof(buf));
    size_t n = encode(ep, &d, buf, sizeof(buf));
    for (size_t len = 0; len < n; len++) {
        /* Exactly-sized heap copies so a decoder reading past len trips ASan. */
        uint8_t *c = malloc(len ? len : 1);
        assert_non_null(c);
        memcpy(c, buf, len);
        assert_int_equal(cookie_decode(ep, c, len, &out), MPSCTP_ERR_MALFORMED);
        free(c);
    }
    for (size_t extra = 1; extra <= 8; extra++)
        assert_int_equal(cookie_decode(ep, buf, n + extra, &out), MPSCTP_ERR_MALFORMED);
    mpsctp_endpoint_free(ep);
}

static void test_other_endpoint_fails(void **state)
{
    (void)state;
    uint64_t s1 = 4, s2 = 5;
    mpsctp_endpoint *a = make_ep(&s1);
    mpsctp_endpoint *b = make_ep(&s2);
    cookie_data d, out;
    sample(&d);
    uint8_t ca[512], cb[512];
    size_t n = encode(a, &d, ca, sizeof(ca));
    assert_int_equal(encode(b, &d, cb, sizeof(cb)), n);
    /* Same content, different secrets: different MACs, each refused by the other. */
    assert_memory_not_equal(ca, cb, n);
    assert_int_equal(cookie_decode(b, ca, n, &out), MPSCTP_ERR_MALFORMED);
    assert_int_equal(cookie_decode(a, cb, n, &out), MPSCTP_ERR_MALFORMED);
    assert_int_equal(cookie_decode(a, ca, n, &out), 0);
    assert_int_equal(cookie_decode(b, cb, n, &out), 0);
    mpsctp_endpoint_free(a);
    mpsctp_endpoint_free(b);
}

/* RFC 9260 s5.1.3: the secret changes. A cookie made before one change still verifies
 * (the previous secret is kept); after a second change it no longer does. Each secret signs
 * for at least the cookie lifetime, so a cookie never loses its key while it is fresh. */
static void test_secret_rotation(void **state)
{
    (void)state;
    uint64_t seed = 5;
    mpsctp_settings s;
    mpsctp_settings_default(&s);
    s.local_port = 5001;
    s.secret_life_ms = 1000;
    s.valid_cookie_life_ms = 2000; /* secrets then change every 2 s, not every 1 s */
    mpsctp_callbacks cb;
    memset(&cb, 0, sizeof(cb));
    cb.user = &seed;
    cb.random = det_random;
    mpsctp_endpoint *ep = mpsctp_endpoint_new(&s, &cb);
    assert_non_null(ep);
    const uint64_t t0 = 5 * MPSCTP_NS_PER_SEC;
    cookie_data d, out;
    sample(&d);
    uint8_t c0[512], c1[512], c2[512];
    ep_secret_maybe_rotate(ep, t0);
    size_t n0 = encode(ep, &d, c0, sizeof(c0));
    /* 1.5 s later: shorter than the cookie life, no change yet. */
    ep_secret_maybe_rotate(ep, t0 + 1500 * MPSCTP_NS_PER_MS);
    size_t n1 = encode(ep, &d, c1, sizeof(c1));
    assert_memory_equal(c0, c1, n0);
    /* 2 s: a new secret signs; the old cookie still verifies. */
    ep_secret_maybe_rotate(ep, t0 + 2 * MPSCTP_NS_PER_SEC);
    size_t n2 = encode(ep, &d, c2, sizeof(c2));
    assert_int_equal(n1, n2);
    assert_memory_not_equal(c0 + n0 - 32, c2 + n2 - 32, 32); /* another key, another MAC */
    assert_int_equal(cookie_decode(ep, c0, n0, &out), 0);
    expect_same(&d, &out);
    assert_int_equal(cookie_decode(ep, c2, n2, &out), 0);
    /* 4 s: the first secret is gone. */
    ep_secret_maybe_rotate(ep, t0 + 4 * MPSCTP_NS_PER_SEC);
    assert_int_equal(cookie_decode(ep, c0, n0, &out), MPSCTP_ERR_MALFORMED);
    assert_int_equal(cookie_decode(ep, c2, n2, &out), 0);
    /* A cookie naming a secret generation never used is refused, not checked with
     * whatever key sits in that slot. */
    uint8_t forged[512];
    memcpy(forged, c2, n2);
    forged[2] = (uint8_t)(forged[2] + 2);
    assert_int_equal(cookie_decode(ep, forged, n2, &out), MPSCTP_ERR_MALFORMED);
    mpsctp_endpoint_free(ep);
}

static void test_encode_overflow(void **state)
{
    (void)state;
    uint64_t seed = 6;
    mpsctp_endpoint *ep = make_ep(&seed);
    cookie_data d;
    sample(&d);
    uint8_t full[512];
    size_t n = encode(ep, &d, full, sizeof(full));
    for (size_t cap = 0; cap < n; cap++) {
        uint8_t buf[512];
        memset(buf, 0xA5, sizeof(buf));
        wbuf w;
        wbuf_init(&w, buf, cap);
        cookie_encode(ep, &w, &d);
        assert_int_equal(w.err, 1);
        for (size_t i = cap; i < sizeof(buf); i++)
            assert_int_equal(buf[i], 0xA5);
    }
    mpsctp_endpoint_free(ep);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_roundtrip),          cmocka_unit_test(test_every_byte_flip_fails),
        cmocka_unit_test(test_wrong_length_fails), cmocka_unit_test(test_other_endpoint_fails),
        cmocka_unit_test(test_encode_overflow),    cmocka_unit_test(test_secret_rotation),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
