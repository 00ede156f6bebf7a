/* An endpoint with thousands of associations (RFC 9260 s8.5 demultiplexing): 5000 scripted
 * peers complete handshakes with one server endpoint, each from its own address and port
 * (two peers per IP address, peer tags shared by groups of three), and every one of them
 * gets exactly its own packets: DATA by verification tag, T-bit ABORT by the peer's tag,
 * wrong-tag packets by confirmed address (discarded, not answered as out of the blue),
 * a restart (new tags) and the confirmation of a second address that move the keys.
 * Then the association limit (max_assocs): the peer beyond it is refused at its COOKIE
 * ECHO with an ABORT carrying Out of Resource, and accepted once one has closed. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "assoc.h"
#include "codec.h"
#include "crc32c.h"

#define SRV_PORT 5001
#define SRV_IP 0x0a000002u
#define FAKE_NET 0x0a010000u   /* fake i: 10.1.x.y = FAKE_NET + i / 2 */
#define SECOND_NET 0x0a020000u /* second addresses: 10.2.x.y */
#define FAKE_PORT0 1000        /* fake i: port FAKE_PORT0 + i % 2 */
#define UDP 9899
#define FAR_PORT 7000 /* a peer the server connects to itself (never answers) */

typedef struct fake {
    mpsctp_addr addr, addr2; /* addr2 family 0 when the fake has one address */
    uint16_t port;
    uint32_t tag;     /* the fake's Initiate Tag: the server's peer tag */
    uint32_t srv_tag; /* the server's tag */
    uint32_t tsn;     /* next TSN the fake sends */
    mpsctp_assoc *a;  /* the server's association */
    unsigned got;     /* messages the server delivered on a */
} fake;

typedef struct srv {
    mpsctp_endpoint *ep;
    mpsctp_addr addr;
    uint64_t rng;
    uint64_t now;
    crc32c_fn crc;
    /* output taken by drain(): the last packet to each destination kind */
    unsigned sent, aborts, init_acks, cookie_acks, heartbeats;
    uint8_t last[1500];
    size_t last_len;
    mpsctp_addr last_dst;
} srv;

static fake *fakes;
static unsigned nfakes;

static void rnd(void *user, void *buf, size_t len)
{
    uint64_t *s = user;
    uint8_t *b = buf;
    while (len) {
        uint64_t z = (*s += 0x9e3779b97f4a7c15ull);
        z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
        z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
        z ^= z >> 31;
        size_t n = len < 8 ? len : 8;
        memcpy(b, &z, n);
        b += n;
        len -= n;
    }
}

static void srv_init(srv *s, uint32_t max_assocs)
{
    memset(s, 0, sizeof(*s));
    s->rng = 7;
    s->now = 1000 * MPSCTP_NS_PER_MS;
    s->crc = crc32c_select();
    mpsctp_settings set;
    mpsctp_settings_default(&set);
    set.local_port = SRV_PORT;
    set.max_assocs = max_assocs;
    mpsctp_callbacks cb;
    memset(&cb, 0, sizeof(cb));
    cb.user = &s->rng;
    cb.random = rnd;
    s->ep = mpsctp_endpoint_new(&set, &cb);
    assert_non_null(s->ep);
    mpsctp_addr_v4(&s->addr, SRV_IP, UDP);
    assert_int_equal(mpsctp_endpoint_add_addr(s->ep, &s->addr), 0);
    mpsctp_endpoint_listen(s->ep, 1);
}

/* Returns the fake a packet to dst (address and SCTP port) is for, or NULL. */
static fake *fake_at(const mpsctp_addr *dst, uint16_t port)
{
    for (int second = 0; second < 2; second++) {
        uint32_t ip = ((uint32_t)dst->ip[0] << 24 | (uint32_t)dst->ip[1] << 16 |
                       (uint32_t)dst->ip[2] << 8 | dst->ip[3]) -
                      (second ? SECOND_NET : FAKE_NET);
        unsigned i = ip * 2 + (unsigned)(port - FAKE_PORT0);
        if (ip < 0x10000 && port >= FAKE_PORT0 && i < nfakes)
            return &fakes[i];
    }
    return NULL;
}

/* Takes everything the server sends now; every packet must go to a fake's address and
 * port with that fake's tag (the T-bit ABORT of an out-of-the-blue packet aside). */
static void drain(srv *s)
{
    uint8_t b[1500];
    mpsctp_addr l, r;
    ssize_t n;
    while ((n = mpsctp_endpoint_send(s->ep, b, sizeof(b), &l, &r, s->now)) > 0) {
        const uint8_t *p = b, *end = b + n;
        sctp_common h;
        sctp_tlv c;
        assert_int_equal(codec_common_decode(&p, end, &h), 0);
        assert_int_equal(codec_chunk_decode(&p, end, &c), 0);
        s->sent++;
        memcpy(s->last, b, (size_t)n);
        s->last_len = (size_t)n;
        s->last_dst = r;
        s->aborts += c.type == SCTP_ABORT;
        s->init_acks += c.type == SCTP_INIT_ACK;
        s->cookie_acks += c.type == SCTP_COOKIE_ACK;
        s->heartbeats += c.type == SCTP_HEARTBEAT;
        if ((c.type == SCTP_ABORT && (c.flags & SCTP_FLAG_T)) || h.dport == FAR_PORT)
            continue;
        fake *f = fake_at(&r, h.dport);
        assert_non_null(f);
        assert_int_equal(h.vtag, f->tag);
    }
}

/* Hands the server a packet from `from`, port `port`, tag vtag with the chunk bytes
 * built in w; returns what recv returned. */
static int inject(srv *s, const mpsctp_addr *from, uint8_t *b, size_t len)
{
    sctp_checksum_set(s->crc, b, len);
    s->now += 1000;
    return mpsctp_endpoint_recv(s->ep, b, len, &s->addr, from, s->now);
}

/* Takes the server's events; COMM_UP and RESTART are matched to fakes by their tag. */
static void events(srv *s, int *closed, mpsctp_assoc **closed_assoc)
{
    mpsctp_event ev;
    while (mpsctp_endpoint_next_event(s->ep, &ev)) {
        if (ev.type != MPSCTP_EV_ASSOC_CHANGE)
            continue;
        if (ev.state == MPSCTP_COMM_UP || ev.state == MPSCTP_RESTART) {
            mpsctp_assoc_status st;
            assert_int_equal(mpsctp_assoc_status_get(ev.assoc, &st), 0);
            /* The peer tag alone is shared by three fakes: the path says which. */
            mpsctp_path_info pi;
            assert_int_equal(mpsctp_assoc_path_info(ev.assoc, 0, &pi), 0);
            fake *f = fake_at(&pi.remote, (uint16_t)mpsctp_assoc_peer_port(ev.assoc));
            assert_non_null(f);
            assert_int_equal(st.peer_vtag, f->tag);
            if (ev.state == MPSCTP_COMM_UP) {
                assert_null(f->a);
                f->a = ev.assoc;
            } else {
                assert_ptr_equal(f->a, ev.assoc);
            }
            f->srv_tag = st.local_vtag;
        } else if (closed) {
            (*closed)++;
            *closed_assoc = ev.assoc;
        }
    }
}

/* INIT from the fake (listing addr2 when it has one). Returns the server's INIT ACK in
 * s->last. */
static void send_init(srv *s, fake *f)
{
    uint8_t b[256];
    wbuf w;
    wbuf_init(&w, b, sizeof(b));
    codec_common_encode(&w, f->port, SRV_PORT, 0);
    size_t off = codec_init_begin(&w, SCTP_INIT, f->tag, 1u << 20, 4, 4, f->tsn);
    if (f->addr2.family)
        codec_param_put(&w, SCTP_P_IPV4, f->addr2.ip, 4);
    codec_chunk_end(&w, off);
    unsigned before = s->init_acks;
    assert_int_equal(inject(s, &f->addr, b, w.len), 0);
    drain(s);
    assert_int_equal(s->init_acks, before + 1);
}

/* The rest of a handshake after send_init: COOKIE ECHO with the INIT ACK's cookie.
 * Returns 1 when the server answered COOKIE ACK, 0 when it answered ABORT. */
static int send_cookie_echo(srv *s, fake *f)
{
    const uint8_t *p = s->last, *end = s->last + s->last_len;
    sctp_common h;
    sctp_tlv c, prm;
    sctp_init in;
    assert_int_equal(codec_common_decode(&p, end, &h), 0);
    assert_int_equal(codec_chunk_decode(&p, end, &c), 0);
    assert_int_equal(c.type, SCTP_INIT_ACK);
    assert_int_equal(codec_init_decode(&c, &in), 0);
    const uint8_t *q = in.params, *qe = in.params + in.plen;
    int have = 0;
    while (q < qe && !codec_param_decode(&q, qe, &prm))
        if (prm.type == SCTP_P_STATE_COOKIE) {
            have = 1;
            break;
        }
    assert_true(have);
    uint8_t b[600];
    wbuf w;
    wbuf_init(&w, b, sizeof(b));
    codec_common_encode(&w, f->port, SRV_PORT, in.init_tag);
    size_t off = codec_chunk_begin(&w, SCTP_COOKIE_ECHO, 0);
    wbuf_put(&w, prm.value, prm.vlen);
    codec_chunk_end(&w, off);
    assert_false(w.err);
    unsigned acks = s->cookie_acks, aborts = s->aborts;
    inject(s, &f->addr, b, w.len);
    drain(s);
    if (s->cookie_acks == acks + 1)
        return 1;
    assert_int_equal(s->aborts, aborts + 1);
    return 0;
}

static void send_chunk(srv *s, const fake *f, const mpsctp_addr *from, uint32_t vtag,
                       uint8_t type, uint8_t flags, int expect)
{
    uint8_t b[64];
    wbuf w;
    wbuf_init(&w, b, sizeof(b));
    codec_common_encode(&w, f->port, SRV_PORT, vtag);
    codec_empty_chunk(&w, type, flags);
    assert_int_equal(inject(s, from, b, w.len), expect);
}

static void send_data(srv *s, fake *f, uint32_t vtag, uint32_t msg, int expect)
{
    uint8_t b[64], payload[8];
    put32(payload, 0x5ca1e000u);
    put32(payload + 4, msg);
    wbuf w;
    wbuf_init(&w, b, sizeof(b));
    codec_common_encode(&w, f->port, SRV_PORT, vtag);
    codec_data_encode(&w, SCTP_DATA_B | SCTP_DATA_E, f->tsn, 0, (uint16_t)f->got, 0, payload,
                      sizeof(payload));
    assert_int_equal(inject(s, &f->addr, b, w.len), expect);
    if (expect == 0)
        f->tsn++;
}

/* Reads what the server delivered on f's association: exactly the messages f sent. */
static void read_fake(fake *f, uint32_t want_msg)
{
    uint8_t b[64];
    mpsctp_rcvinfo ri;
    int eor;
    ssize_t n = mpsctp_assoc_recv(f->a, b, sizeof(b), &ri, &eor, 0);
    assert_int_equal(n, 8);
    assert_int_equal(get32(b), 0x5ca1e000u);
    assert_int_equal(get32(b + 4), want_msg);
    assert_int_equal(mpsctp_assoc_recv(f->a, b, sizeof(b), &ri, &eor, 0),
                     MPSCTP_ERR_WOULDBLOCK);
    f->got++;
}

static void make_fakes(unsigned n)
{
    nfakes = n;
    fakes = calloc(n, sizeof(*fakes));
    assert_non_null(fakes);
    for (unsigned i = 0; i < n; i++) {
        fake *f = &fakes[i];
        mpsctp_addr_v4(&f->addr, FAKE_NET + i / 2, UDP);
        f->port = (uint16_t)(FAKE_PORT0 + i % 2);
        f->tag = 0x70000000u + i / 3; /* three fakes share each tag */
        f->tsn = 0x100 + i;
        if (i % 500 == 7)
            mpsctp_addr_v4(&f->addr2, SECOND_NET + i / 2, UDP);
    }
}

static void connect_all(srv *s)
{
    for (unsigned i = 0; i < nfakes; i++) {
        send_init(s, &fakes[i]);
        assert_int_equal(send_cookie_echo(s, &fakes[i]), 1);
        events(s, NULL, NULL);
        assert_non_null(fakes[i].a);
    }
}

static void test_many_associations(void **state)
{
    (void)state;
    enum { N = 5000 };
    srv s;
    srv_init(&s, N);
    make_fakes(N);
    connect_all(&s);
    assert_int_equal(s.ep->nopen, N);
    assert_int_equal(ep_index_verify(s.ep), 0);
    print_message("%u associations, index: %u entries, longest chain %u\n", N, s.ep->index.n,
                  assoc_index_longest_chain(&s.ep->index));
    assert_true(assoc_index_longest_chain(&s.ep->index) <= 12);

    /* DATA by tag, in an order unrelated to the setup: each association gets its own. */
    for (unsigned k = 0; k < N; k++) {
        fake *f = &fakes[(k * 2731u) % N];
        send_data(&s, f, f->srv_tag, (uint32_t)(f - fakes), 0);
        if (k % 64 == 0)
            drain(&s);
    }
    drain(&s);
    for (unsigned i = 0; i < N; i++)
        read_fake(&fakes[i], i);

    /* Wrong tag from a known (confirmed) address and port: discarded silently (s8.5);
     * from a port no association has: out of the blue, answered with a T-bit ABORT. */
    mpsctp_endpoint_stats st0, st1;
    mpsctp_endpoint_stats_get(s.ep, &st0);
    unsigned aborts = s.aborts;
    send_data(&s, &fakes[10], 0x0badbad0u, 0, MPSCTP_ERR_NOT_OURS);
    drain(&s);
    mpsctp_endpoint_stats_get(s.ep, &st1);
    assert_int_equal(st1.dropped_vtag, st0.dropped_vtag + 1);
    assert_int_equal(s.aborts, aborts);
    fake stranger = fakes[10];
    stranger.port = 999;
    send_data(&s, &stranger, 0x0badbad0u, 0, MPSCTP_ERR_NOT_OURS);
    drain(&s);
    mpsctp_endpoint_stats_get(s.ep, &st0);
    assert_int_equal(st0.dropped_ootb, st1.dropped_ootb + 1);
    assert_int_equal(s.aborts, aborts + 1);

    /* A second address is found by address only once a heartbeat confirmed it. */
    fake *m = &fakes[7];
    assert_int_equal(m->addr2.family, MPSCTP_AF_INET);
    mpsctp_endpoint_stats_get(s.ep, &st0);
    uint8_t b[256];
    wbuf w;
    wbuf_init(&w, b, sizeof(b));
    codec_common_encode(&w, m->port, SRV_PORT, 0x0badbad0u);
    codec_empty_chunk(&w, SCTP_COOKIE_ACK, 0); /* an out-of-the-blue rule 7 chunk: no reply */
    assert_int_equal(inject(&s, &m->addr2, b, w.len), MPSCTP_ERR_NOT_OURS);
    mpsctp_endpoint_stats_get(s.ep, &st1);
    assert_int_equal(st1.dropped_ootb, st0.dropped_ootb + 1);
    /* The server probes the unconfirmed address at once (RFC 9260 s5.4). */
    unsigned hbs = s.heartbeats;
    mpsctp_endpoint_timeout(s.ep, s.now);
    uint8_t hb[256];
    size_t hblen = 0;
    uint8_t o[1500];
    mpsctp_addr l, r;
    ssize_t n;
    while ((n = mpsctp_endpoint_send(s.ep, o, sizeof(o), &l, &r, s.now)) > 0) {
        sctp_tlv c;
        const uint8_t *p = o + SCTP_COMMON_HDR_LEN;
        assert_int_equal(codec_chunk_decode(&p, o + n, &c), 0);
        if (c.type == SCTP_HEARTBEAT && mpsctp_addr_equal(&r, &m->addr2)) {
            assert_int_equal(get32(o + 4), m->tag);
            assert_true((size_t)n <= sizeof(hb));
            memcpy(hb, o, (size_t)n);
            hblen = (size_t)n;
        }
        s.heartbeats += c.type == SCTP_HEARTBEAT;
    }
    assert_true(s.heartbeats > hbs);
    assert_true(hblen > 0);
    /* HEARTBEAT ACK echoing the info, from the second address. */
    wbuf_init(&w, b, sizeof(b));
    codec_common_encode(&w, m->port, SRV_PORT, m->srv_tag);
    size_t off = codec_chunk_begin(&w, SCTP_HEARTBEAT_ACK, 0);
    wbuf_put(&w, hb + SCTP_COMMON_HDR_LEN + SCTP_CHUNK_HDR_LEN,
             hblen - SCTP_COMMON_HDR_LEN - SCTP_CHUNK_HDR_LEN);
    codec_chunk_end(&w, off);
    assert_int_equal(inject(&s, &m->addr2, b, w.len), 0);
    mpsctp_path_info pi;
    assert_int_equal(mpsctp_assoc_path_info(m->a, 1, &pi), 0);
    assert_true(pi.confirmed);
    wbuf_init(&w, b, sizeof(b));
    codec_common_encode(&w, m->port, SRV_PORT, 0x0badbad0u);
    codec_empty_chunk(&w, SCTP_COOKIE_ACK, 0);
    mpsctp_endpoint_stats_get(s.ep, &st0);
    assert_int_equal(inject(&s, &m->addr2, b, w.len), MPSCTP_ERR_NOT_OURS);
    mpsctp_endpoint_stats_get(s.ep, &st1);
    assert_int_equal(st1.dropped_vtag, st0.dropped_vtag + 1);
    assert_int_equal(st1.dropped_ootb, st0.dropped_ootb);
    drain(&s);
    assert_int_equal(ep_index_verify(s.ep), 0);

    /* A restart (RFC 9260 s5.2.4 case A): the peer comes back with a new tag, the server
     * takes a new one too; the association is found by the new tag only. */
    fake *rs = &fakes[1234];
    uint32_t old_srv = rs->srv_tag;
    rs->tag ^= 0x0f000000u;
    rs->tsn = 0x9000;
    rs->got = 0;
    send_init(&s, rs);
    assert_int_equal(send_cookie_echo(&s, rs), 1);
    events(&s, NULL, NULL);
    assert_int_not_equal(rs->srv_tag, old_srv);
    send_data(&s, rs, rs->srv_tag, 77, 0);
    read_fake(rs, 77);
    send_data(&s, rs, old_srv, 78, MPSCTP_ERR_NOT_OURS);
    assert_int_equal(ep_index_verify(s.ep), 0);

    /* T-bit ABORT carries the peer's tag, which three fakes share: only the association
     * of the sender's address and port closes. */
    for (unsigned i = 3; i < N; i += 97) {
        fake *f = &fakes[i];
        int closed = 0;
        mpsctp_assoc *ca = NULL;
        send_chunk(&s, f, &f->addr, f->tag, SCTP_ABORT, SCTP_FLAG_T, 0);
        events(&s, &closed, &ca);
        assert_int_equal(closed, 1);
        assert_ptr_equal(ca, f->a);
        assert_int_equal(mpsctp_assoc_state(f->a), MPSCTP_CLOSED);
        for (unsigned j = i - i % 3; j < i - i % 3 + 3 && j < N; j++)
            if (j != i && (j - 3) % 97)
                assert_int_equal(mpsctp_assoc_state(fakes[j].a), MPSCTP_ESTABLISHED);
    }
    assert_int_equal(ep_index_verify(s.ep), 0);

    /* Freeing in any order keeps the index right. */
    for (unsigned k = 0; k < N; k += 2) {
        fake *f = &fakes[(k * 7919u) % N];
        if (f->a) {
            mpsctp_assoc_free(f->a);
            f->a = NULL;
        }
    }
    drain(&s);
    assert_int_equal(ep_index_verify(s.ep), 0);
    mpsctp_endpoint_free(s.ep);
    free(fakes);
}

/* max_assocs: the association beyond the limit is refused at its COOKIE ECHO (the INIT
 * is still answered: it costs nothing) with an ABORT carrying Out of Resource to the
 * peer's tag; once one association has closed a new one is accepted. Associations the
 * endpoint starts count too. */
static void test_limit(void **state)
{
    (void)state;
    srv s;
    srv_init(&s, 3);
    make_fakes(6);
    for (unsigned i = 0; i < 3; i++) {
        send_init(&s, &fakes[i]);
        assert_int_equal(send_cookie_echo(&s, &fakes[i]), 1);
        events(&s, NULL, NULL);
    }
    fake *f = &fakes[3];
    send_init(&s, f);
    assert_int_equal(send_cookie_echo(&s, f), 0);
    /* The ABORT: the peer's tag, no T bit, one cause: Out of Resource. */
    const uint8_t *p = s.last, *end = s.last + s.last_len;
    sctp_common h;
    sctp_tlv c, cause;
    assert_int_equal(codec_common_decode(&p, end, &h), 0);
    assert_int_equal(h.vtag, f->tag);
    assert_int_equal(codec_chunk_decode(&p, end, &c), 0);
    assert_int_equal(c.type, SCTP_ABORT);
    assert_int_equal(c.flags & SCTP_FLAG_T, 0);
    const uint8_t *q = c.value;
    assert_int_equal(codec_param_decode(&q, c.value + c.vlen, &cause), 0);
    assert_int_equal(cause.type, SCTP_CAUSE_OUT_OF_RESOURCE);
    events(&s, NULL, NULL);
    assert_null(f->a);
    mpsctp_endpoint_stats st;
    mpsctp_endpoint_stats_get(s.ep, &st);
    assert_int_equal(st.refused_assocs, 1);
    assert_int_equal(s.ep->nopen, 3);
    assert_int_equal(s.ep->nassocs, 3);

    /* One association closes (the peer aborts it): the next attempt gets in. */
    int closed = 0;
    mpsctp_assoc *ca = NULL;
    send_chunk(&s, &fakes[1], &fakes[1].addr, fakes[1].srv_tag, SCTP_ABORT, 0, 0);
    events(&s, &closed, &ca);
    assert_int_equal(closed, 1);
    assert_int_equal(s.ep->nopen, 2);
    send_init(&s, f);
    assert_int_equal(send_cookie_echo(&s, f), 1);
    events(&s, NULL, NULL);
    assert_non_null(f->a);

    /* At the limit again; an association the endpoint starts itself is not refused but
     * counts, so after the application frees one the limit still holds. */
    mpsctp_addr far;
    mpsctp_addr_v4(&far, 0x0a090909u, UDP);
    mpsctp_assoc *mine;
    assert_int_equal(mpsctp_endpoint_connect(s.ep, &far, 1, FAR_PORT, s.now, &mine), 0);
    assert_int_equal(s.ep->nopen, 4);
    mpsctp_assoc_free(fakes[0].a);
    fakes[0].a = NULL;
    drain(&s);
    assert_int_equal(s.ep->nopen, 3);
    send_init(&s, &fakes[4]);
    assert_int_equal(send_cookie_echo(&s, &fakes[4]), 0);
    /* No limit: 0. */
    mpsctp_settings set;
    mpsctp_endpoint_get_settings(s.ep, &set);
    set.max_assocs = 0;
    assert_int_equal(mpsctp_endpoint_set_settings(s.ep, &set), 0);
    send_init(&s, &fakes[4]);
    assert_int_equal(send_cookie_echo(&s, &fakes[4]), 1);
    events(&s, NULL, NULL);
    assert_int_equal(s.ep->nopen, 4);
    mpsctp_endpoint_stats_get(s.ep, &st);
    assert_int_equal(st.refused_assocs, 2);
    assert_int_equal(ep_index_verify(s.ep), 0);
    mpsctp_endpoint_free(s.ep);
    free(fakes);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_many_associations),
        cmocka_unit_test(test_limit),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
