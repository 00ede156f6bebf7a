/* libFuzzer harness: whole packets into an endpoint (lib/core/endpoint.c demultiplexing,
 * INIT answering, COOKIE ECHO, out-of-the-blue handling, then the association's chunk
 * handlers once a handshake succeeded).
 *
 * A listening server endpoint (port 5001) is built for every input; with mode bit 0 a
 * real client endpoint (port 5000) is built as well and has sent nothing yet but its
 * INIT is queued. The input then is a list of records, each
 *     ctl:1  len:2 (big endian)  payload:len
 * with ctl & 7 selecting what the record does:
 *   0  raw packet: payload as is
 *   1  packet with a synthesized common header (ports 5000 -> 5001) and the payload as
 *      chunks; verification tag by (ctl >> 3) & 3: 0, the server's tag of the reference
 *      handshake, the client's tag, or the payload's first four bytes
 *   2  reference packet payload[0] (see below) with (pos:2, xor:1) mutation triples
 *   3  reference packet payload[0] with the rest of the payload appended as more chunks
 *   4  advance the clock by payload u16 ms (0: to the next timer deadline), run timers
 *   5  pump real traffic between client and server; payload[0] is a drop mask
 *   6  application calls (send, read, shutdown, abort, free, connect) by payload[0]
 *   7  reference packets payload[0] .. payload[0] + payload[1] delivered unchanged
 * ctl bit 5 sends a raw/synthesized packet to the client instead of the server (mode 1),
 * bit 6 makes it come from an address no association knows, and bit 7 keeps the checksum
 * as given (otherwise it is fixed up so processing gets past it).
 *
 * Reference packets: a complete exchange (handshake, data with a loss and its gap SACK and
 * retransmission, heartbeat, shutdown) between two endpoints that use the same constant
 * random streams as this harness's endpoints. They are computed once, from no input, so
 * its state cookie, tags and TSNs are valid for the endpoints of every run: replaying its
 * COOKIE ECHO creates an association on the server and the following packets reach it. */
#include "fuzz_common.h"

#include "fuzz_ref.h"

/* ---- one run ------------------------------------------------------------------------ */

typedef struct run {
    fz_peer c, s;
    int live;
    mpsctp_tstamp now;
    mpsctp_addr other;
    uint8_t pkt[FZ_PKT_CAP];
    uint8_t drop_mask;
    unsigned drop_idx;
} run;

static int run_drop(void *user, int from_server, const uint8_t *pkt, size_t len)
{
    run *r = user;
    return (r->drop_mask >> (r->drop_idx++ & 7)) & 1;
}

/* Delivers pkt to the client (to_client, live runs only) or the server. */
static void deliver(run *r, uint8_t *pkt, size_t len, int to_client, int other_addr,
                    int keep_csum)
{
    if (!keep_csum)
        fz_fix_checksum(pkt, len);
    fz_peer *to = to_client && r->live ? &r->c : &r->s;
    const mpsctp_addr *from = other_addr ? &r->other : to == &r->s ? &r->c.addr : &r->s.addr;
    int e = mpsctp_endpoint_recv(to->ep, pkt, len, &to->addr, from, r->now);
    FZ_CHECK(e == 0 || e == MPSCTP_ERR_MALFORMED || e == MPSCTP_ERR_CHECKSUM ||
             e == MPSCTP_ERR_NOT_OURS);
    if (!keep_csum && len >= SCTP_COMMON_HDR_LEN)
        FZ_CHECK(e != MPSCTP_ERR_CHECKSUM);
    fz_peer_events(to);
}

static void deliver_lib(run *r, unsigned idx, int other_addr)
{
    const lib_pkt *lp = &lib[idx % nlib];
    memcpy(r->pkt, lp->data, lp->len);
    deliver(r, r->pkt, lp->len, !lp->to_server, other_addr, 1);
}

static void app_op(run *r, const uint8_t *pl, size_t n)
{
    static uint8_t buf[20000];
    uint8_t op = n ? pl[0] : 0;
    uint8_t arg = n > 1 ? pl[1] : 0;
    fz_peer *pe = (op & 0x80) ? &r->s : &r->c;
    switch (op & 7) {
    case 0: { /* send */
        if (!pe->as)
            break;
        size_t len = (size_t)arg * 61 + (n > 2 ? pl[2] : 0);
        memset(buf, arg, len);
        mpsctp_sndinfo si = {.sid = (uint16_t)(arg % 12), .flags = arg & 1 ? MPSCTP_UNORDERED : 0,
                             .ppid = arg, .context = arg};
        int e = mpsctp_assoc_send(pe->as, buf, len, &si, r->now);
        FZ_CHECK(e <= 0);
        break;
    }
    case 1: /* read everything readable */
        for (int i = 0; i < 256 && pe->as; i++) {
            mpsctp_rcvinfo ri;
            int eor;
            size_t cap = arg ? arg : sizeof(buf);
            ssize_t got = mpsctp_assoc_recv(pe->as, buf, cap, &ri, &eor, r->now);
            if (got < 0)
                break;
            FZ_CHECK((size_t)got <= cap);
        }
        break;
    case 2:
        if (pe->as)
            mpsctp_assoc_shutdown(pe->as, r->now);
        break;
    case 3:
        if (pe->as)
            mpsctp_assoc_abort(pe->as, r->now);
        break;
    case 4: /* the application lets go of the association */
        if (pe->as) {
            mpsctp_assoc_free(pe->as);
            pe->as = NULL;
        }
        break;
    case 5: /* another association from the client */
        if (r->live) {
            mpsctp_assoc *a2;
            mpsctp_endpoint_connect(r->c.ep, &r->s.addr, 1, FZ_SERVER_PORT, r->now, &a2);
        }
        break;
    case 6: { /* status queries */
        if (!pe->as)
            break;
        mpsctp_assoc_status st;
        FZ_CHECK(mpsctp_assoc_status_get(pe->as, &st) == 0);
        FZ_CHECK(st.num_paths >= 1 && st.num_paths <= 8);
        for (uint32_t i = 0; i <= st.num_paths; i++) {
            mpsctp_path_info pi;
            int e = mpsctp_assoc_path_info(pe->as, i, &pi);
            FZ_CHECK(i < st.num_paths ? e == 0 : e == MPSCTP_ERR_NOENT);
        }
        uint32_t limit, total, per[64], ns;
        mpsctp_assoc_sndqueue_info(pe->as, &limit, &total, per, arg % 65, &ns);
        (void)mpsctp_assoc_readable(pe->as);
        break;
    }
    default:
        if (pe->as)
            mpsctp_assoc_set_sndbuf(pe->as, (uint32_t)arg << 10);
        break;
    }
    fz_peer_events(pe);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!nlib)
        build_library();
    if (size > 64 * 1024)
        return 0;
    fz_in in = {data, data + size};
    uint8_t mode = fz_u8(&in);
    run *r = calloc(1, sizeof(*r));
    if (!r)
        return 0;
    r->live = mode & 1;
    r->now = FZ_T0;
    mpsctp_addr_v4(&r->other, FZ_OTHER_IP, 0);
    if (r->live) {
        if (fz_pair_start(&r->c, &r->s, 0, 0, r->now))
            abort();
    } else {
        if (fz_peer_init(&r->s, FZ_SERVER_IP, FZ_SERVER_PORT, 0, FZ_SEED_SERVER))
            abort();
        mpsctp_endpoint_listen(r->s.ep, (mode & 2) ? 0 : 1);
        /* the client's identity is still used as the sender address */
        mpsctp_addr_v4(&r->c.addr, FZ_CLIENT_IP, 0);
    }
    for (int rec = 0; rec < 256 && fz_left(&in) >= 3; rec++) {
        uint8_t ctl = fz_u8(&in);
        size_t n;
        const uint8_t *pl = fz_take(&in, fz_u16(&in), &n);
        int to_client = (ctl >> 5) & 1, other = (ctl >> 6) & 1, keep = (ctl >> 7) & 1;
        r->now += MPSCTP_NS_PER_MS;
        switch (ctl & 7) {
        case 0:
            memcpy(r->pkt, pl, n);
            deliver(r, r->pkt, n, to_client, other, keep);
            break;
        case 1: {
            uint32_t vtag = 0;
            switch ((ctl >> 3) & 3) {
            case 1: vtag = ref_server_vtag; break;
            case 2: vtag = ref_client_vtag; break;
            case 3:
                vtag = n >= 4 ? get32(pl) : 0;
                pl += n >= 4 ? 4 : n;
                n -= n >= 4 ? 4 : n;
                break;
            }
            uint16_t sp = to_client ? FZ_SERVER_PORT : FZ_CLIENT_PORT;
            uint16_t dp = to_client ? FZ_CLIENT_PORT : FZ_SERVER_PORT;
            size_t len = fz_build_packet(r->pkt, sizeof(r->pkt), sp, dp, vtag, pl, n);
            deliver(r, r->pkt, len, to_client, other, keep);
            break;
        }
        case 2: {
            if (!n)
                break;
            const lib_pkt *lp = &lib[pl[0] % nlib];
            memcpy(r->pkt, lp->data, lp->len);
            for (size_t i = 1; i + 3 <= n; i += 3)
                r->pkt[get16(pl + i) % lp->len] ^= pl[i + 2];
            deliver(r, r->pkt, lp->len, !lp->to_server, other, keep);
            break;
        }
        case 3: {
            if (!n)
                break;
            const lib_pkt *lp = &lib[pl[0] % nlib];
            memcpy(r->pkt, lp->data, lp->len);
            size_t extra = n - 1;
            if (extra > sizeof(r->pkt) - lp->len)
                extra = sizeof(r->pkt) - lp->len;
            memcpy(r->pkt + lp->len, pl + 1, extra);
            deliver(r, r->pkt, lp->len + extra, !lp->to_server, other, keep);
            break;
        }
        case 4: {
            uint16_t ms = n >= 2 ? get16(pl) : (n ? pl[0] : 0);
            if (ms == 0) {
                mpsctp_tstamp d = fz_next_deadline(r->live ? &r->c : NULL, &r->s);
                if (d != MPSCTP_TSTAMP_NEVER && d > r->now)
                    r->now = d;
            } else {
                r->now += (mpsctp_tstamp)ms * MPSCTP_NS_PER_MS;
            }
            if (r->live)
                fz_timers(&r->c, r->now);
            fz_timers(&r->s, r->now);
            break;
        }
        case 5:
            if (r->live) {
                r->drop_mask = n ? pl[0] : 0;
                r->drop_idx = 0;
                fz_pump(&r->c, &r->s, r->now, run_drop, r);
            }
            break;
        case 6:
            app_op(r, pl, n);
            break;
        case 7: {
            unsigned first = n ? pl[0] : 0, count = n > 1 ? pl[1] % 16u : 1;
            for (unsigned i = 0; i < count; i++)
                deliver_lib(r, first + i, other);
            break;
        }
        }
        if (!r->live)
            fz_drain(&r->s, r->now);
        if (r->live)
            fz_check_index(&r->c);
        fz_check_index(&r->s);
    }
    /* Wind down: let the timers run a few times at their deadlines. */
    for (int i = 0; i < 3; i++) {
        mpsctp_tstamp d = fz_next_deadline(r->live ? &r->c : NULL, &r->s);
        if (d == MPSCTP_TSTAMP_NEVER)
            break;
        if (d > r->now)
            r->now = d;
        if (r->live) {
            fz_timers(&r->c, r->now);
            fz_pump(&r->c, &r->s, r->now, NULL, NULL);
        } else {
            fz_timers(&r->s, r->now);
            fz_drain(&r->s, r->now);
        }
    }
    if (r->live)
        fz_peer_free(&r->c);
    fz_peer_free(&r->s);
    free(r);
    return 0;
}
