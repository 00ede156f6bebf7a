/* State cookie (RFC 9260 s5.1.3): everything needed to build the TCB from a COOKIE ECHO,
 * authenticated with HMAC-SHA256 over an endpoint secret. Layout (our own, private):
 * version(1) flags(1: bit 0 NR-SACK) secret generation(1) pad(1) created(8) lifetime_ms(4) my_vtag peer_vtag tie_local tie_peer
 * my_itsn peer_itsn peer_rwnd (4 each) os is my_port peer_port (2 each) local remote
 * (20 each: family, 0, udp port, ip[16]) naddrs(1) pad(3) naddrs further peer addresses
 * (20 each) mac(32). */
#include <string.h>

#include "assoc.h"

#define COOKIE_VERSION 3
#define COOKIE_FIXED_LEN (4 + 8 + 4 + 7 * 4 + 4 * 2 + 2 * 20 + 4)
#define COOKIE_MAX_LEN (COOKIE_FIXED_LEN + (MPSCTP_MAX_PATHS - 1) * 20 + 32)

static void put_addr(uint8_t *p, const mpsctp_addr *a)
{
    p[0] = a->family;
    p[1] = 0;
    put16(p + 2, a->udp_port);
    memcpy(p + 4, a->ip, 16);
}

static void get_addr(const uint8_t *p, mpsctp_addr *a)
{
    a->family = p[0];
    a->reserved = 0;
    a->udp_port = get16(p + 2);
    memcpy(a->ip, p + 4, 16);
}

void cookie_encode(mpsctp_endpoint *ep, wbuf *w, const cookie_data *d)
{
    uint8_t b[COOKIE_MAX_LEN];
    uint8_t *p = b;
    uint32_t naddrs = d->naddrs < MPSCTP_MAX_PATHS - 1 ? d->naddrs : MPSCTP_MAX_PATHS - 1;
    size_t body = COOKIE_FIXED_LEN + (size_t)naddrs * 20;
    memset(b, 0, sizeof(b));
    p[0] = COOKIE_VERSION;
    p[1] = (uint8_t)((d->nr_sack ? 1 : 0) | (d->idata ? 2 : 0) | (d->reconf ? 0x04 : 0) |
                     (d->pr_sctp ? 0x08 : 0));
    p[2] = ep->secret_gen; /* which secret signed it (RFC 9260 s5.1.3: secrets change) */
    p += 4;
    put32(p, (uint32_t)(d->created >> 32));
    put32(p + 4, (uint32_t)d->created);
    p += 8;
    put32(p, d->lifetime_ms);
    p += 4;
    const uint32_t f[7] = {d->my_vtag, d->peer_vtag, d->tie_local, d->tie_peer,
                           d->my_itsn, d->peer_itsn, d->peer_rwnd};
    for (int i = 0; i < 7; i++, p += 4)
        put32(p, f[i]);
    put16(p, d->os);
    put16(p + 2, d->is);
    put16(p + 4, d->my_port);
    put16(p + 6, d->peer_port);
    p += 8;
    put_addr(p, &d->local);
    put_addr(p + 20, &d->remote);
    p += 40;
    p[0] = (uint8_t)naddrs;
    p += 4;
    for (uint32_t i = 0; i < naddrs; i++, p += 20)
        put_addr(p, &d->addrs[i]);
    ep_hmac(ep, ep->secret_gen, b, body, b + body);
    wbuf_put(w, b, body + 32);
}

/* Compares MACs without an early exit. */
static int mac_equal(const uint8_t *a, const uint8_t *b)
{
    uint8_t d = 0;
    for (int i = 0; i < 32; i++)
        d |= (uint8_t)(a[i] ^ b[i]);
    return d == 0;
}

int cookie_decode(mpsctp_endpoint *ep, const uint8_t *b, size_t len, cookie_data *d)
{
    if (len < COOKIE_FIXED_LEN + 32 || b[0] != COOKIE_VERSION)
        return MPSCTP_ERR_MALFORMED;
    uint32_t naddrs = b[COOKIE_FIXED_LEN - 4];
    size_t body = COOKIE_FIXED_LEN + (size_t)naddrs * 20;
    if (naddrs > MPSCTP_MAX_PATHS - 1 || len != body + 32)
        return MPSCTP_ERR_MALFORMED;
    uint8_t mac[32];
    if (ep_hmac(ep, b[2], b, body, mac) || !mac_equal(mac, b + body))
        return MPSCTP_ERR_MALFORMED;
    d->nr_sack = b[1] & 1;
    d->idata = (b[1] >> 1) & 1;
    d->reconf = (b[1] >> 2) & 1;
    d->pr_sctp = (b[1] >> 3) & 1;
    const uint8_t *p = b + 4;
    d->created = ((uint64_t)get32(p) << 32) | get32(p + 4);
    p += 8;
    d->lifetime_ms = get32(p);
    p += 4;
    uint32_t f[7];
    for (int i = 0; i < 7; i++, p += 4)
        f[i] = get32(p);
    d->my_vtag = f[0];
    d->peer_vtag = f[1];
    d->tie_local = f[2];
    d->tie_peer = f[3];
    d->my_itsn = f[4];
    d->peer_itsn = f[5];
    d->peer_rwnd = f[6];
    d->os = get16(p);
    d->is = get16(p + 2);
    d->my_port = get16(p + 4);
    d->peer_port = get16(p + 6);
    p += 8;
    get_addr(p, &d->local);
    get_addr(p + 20, &d->remote);
    p += 44;
    d->naddrs = naddrs;
    for (uint32_t i = 0; i < naddrs; i++, p += 20)
        get_addr(p, &d->addrs[i]);
    return 0;
}
