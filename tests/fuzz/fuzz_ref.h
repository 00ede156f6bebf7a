/* The reference exchange of fuzz_endpoint and the seed generator: a complete association
 * (handshake, data both ways with a loss, its gap SACK and the retransmission, heartbeat,
 * graceful shutdown) between a client and a server built exactly like the harness's
 * endpoints (same constant random streams, profile 0, start time FZ_T0). Every packet is
 * recorded in lib[] in the order sent. Nothing depends on fuzz input. */
#ifndef MPSCTP_FUZZ_REF_H
#define MPSCTP_FUZZ_REF_H

#include "fuzz_common.h"

#define LIB_MAX 48
#define LIB_PKT_MAX 1500

typedef struct lib_pkt {
    int to_server;
    size_t len;
    uint8_t data[LIB_PKT_MAX];
} lib_pkt;

static lib_pkt lib[LIB_MAX];
static unsigned nlib;
static uint32_t ref_server_vtag, ref_client_vtag;

/* ---- reference exchange (input independent, built once) ----------------------------- */

typedef struct ref_ctl {
    int drop_next_data; /* drop the next client packet carrying DATA */
} ref_ctl;

static int ref_capture(void *user, int from_server, const uint8_t *pkt, size_t len)
{
    ref_ctl *rc = user;
    if (nlib < LIB_MAX && len <= LIB_PKT_MAX) {
        lib[nlib].to_server = !from_server;
        lib[nlib].len = len;
        memcpy(lib[nlib].data, pkt, len);
        nlib++;
    }
    if (!from_server && rc->drop_next_data && len > 12 && pkt[12] == SCTP_DATA) {
        rc->drop_next_data = 0;
        return 1;
    }
    return 0;
}

static void ref_send(fz_peer *pe, size_t len, uint16_t sid, uint16_t flags, mpsctp_tstamp now)
{
    static uint8_t msg[4096];
    for (size_t i = 0; i < len; i++)
        msg[i] = (uint8_t)(i * 7 + sid);
    mpsctp_sndinfo si = {.sid = sid, .flags = flags, .ppid = 0x01020304, .context = 1};
    FZ_CHECK(mpsctp_assoc_send(pe->as, msg, len, &si, now) == 0);
}

static void ref_read(fz_peer *pe, mpsctp_tstamp now)
{
    static uint8_t buf[8192];
    for (int i = 0; i < 64 && pe->as; i++) {
        mpsctp_rcvinfo ri;
        int eor;
        if (mpsctp_assoc_recv(pe->as, buf, sizeof(buf), &ri, &eor, now) <= 0)
            break;
    }
}

/* Fills lib[] (once per process; the result is always the same). */
static void build_library(void)
{
    fz_peer c, s;
    ref_ctl rc = {0};
    mpsctp_tstamp now = FZ_T0;
    FZ_CHECK(fz_pair_start(&c, &s, 0, 0, now) == 0);
    fz_pump(&c, &s, now, ref_capture, &rc);
    FZ_CHECK(c.up && s.up && s.as);
    /* data both ways, unordered and fragmented too */
    now += MPSCTP_NS_PER_MS;
    ref_send(&c, 100, 0, 0, now);
    ref_send(&c, 50, 1, MPSCTP_UNORDERED, now);
    ref_send(&c, 3000, 2, 0, now);
    ref_send(&s, 200, 0, 0, now);
    fz_pump(&c, &s, now, ref_capture, &rc);
    now += 300 * MPSCTP_NS_PER_MS;
    fz_timers(&c, now);
    fz_timers(&s, now);
    fz_pump(&c, &s, now, ref_capture, &rc);
    ref_read(&c, now);
    ref_read(&s, now);
    /* a lost packet: gap SACK, then retransmission after T3 */
    now += MPSCTP_NS_PER_MS;
    rc.drop_next_data = 1;
    for (int i = 0; i < 3; i++)
        ref_send(&c, 1400, 0, 0, now);
    fz_pump(&c, &s, now, ref_capture, &rc);
    now += 1500 * MPSCTP_NS_PER_MS;
    fz_timers(&c, now);
    fz_timers(&s, now);
    fz_pump(&c, &s, now, ref_capture, &rc);
    ref_read(&s, now);
    /* heartbeat */
    now += 32000 * MPSCTP_NS_PER_MS;
    fz_timers(&c, now);
    fz_timers(&s, now);
    fz_pump(&c, &s, now, ref_capture, &rc);
    /* graceful shutdown */
    now += MPSCTP_NS_PER_MS;
    FZ_CHECK(mpsctp_assoc_shutdown(c.as, now) == 0);
    fz_pump(&c, &s, now, ref_capture, &rc);
    for (unsigned i = 0; i < nlib; i++) {
        const uint8_t *p = lib[i].data + SCTP_COMMON_HDR_LEN;
        if (p[0] == SCTP_INIT && !ref_client_vtag)
            ref_client_vtag = get32(p + 4);
        if (p[0] == SCTP_INIT_ACK && !ref_server_vtag)
            ref_server_vtag = get32(p + 4);
    }
    FZ_CHECK(ref_client_vtag && ref_server_vtag && nlib >= 8);
    fz_peer_free(&c);
    fz_peer_free(&s);
}

/* Returns the index of the first reference packet whose first chunk has type t and that
 * goes to the server (to_server 1) or the client (0), or -1. */
static inline int lib_find(uint8_t t, int to_server)
{
    for (unsigned i = 0; i < nlib; i++)
        if (lib[i].data[SCTP_COMMON_HDR_LEN] == t && lib[i].to_server == to_server)
            return (int)i;
    return -1;
}

#endif
