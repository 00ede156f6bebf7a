/*
 * core_inmem: throughput of the mpsctp sans-IO core with no I/O at all.
 *
 * Two endpoints in one process, one association, packets handed from one to the other
 * in memory (no syscalls between the two clock readings), CRC32c computed on every
 * packet sent and checked on every packet received as always. The client is a saturated
 * sender of --bytes in --msg-size messages on one ordered stream; the server reads
 * everything and compares it against the pattern. Time is virtual for the core (1 us
 * per loop round, jumping to the next timer when nothing moves) and real for the result.
 * Small --bytes make it suitable for valgrind --tool=callgrind (bench/run-core-bench.sh).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <mpsctp/mpsctp.h>

#include "bench_common.h"

#define PKTBUF 2048

typedef struct side {
    mpsctp_endpoint *ep;
    mpsctp_assoc *assoc;
    uint64_t rng;
    int done;
} side;

/* Moves every packet side `from` has to send into side `to`. Returns the count. */
static uint64_t pump(side *from, side *to, uint8_t *pkt, uint64_t now, uint8_t *last,
                     size_t *lastlen)
{
    uint64_t n = 0;
    mpsctp_addr l, r;
    for (;;) {
        ssize_t len = mpsctp_endpoint_send(from->ep, pkt, PKTBUF, &l, &r, now);
        if (len <= 0)
            break;
        (void)mpsctp_endpoint_recv(to->ep, pkt, (size_t)len, &r, &l, now);
        if (last) {
            memcpy(last, pkt, (size_t)len);
            *lastlen = (size_t)len;
        }
        n++;
    }
    return n;
}

static void events(side *s, int server)
{
    mpsctp_event ev;
    while (mpsctp_endpoint_next_event(s->ep, &ev)) {
        if (ev.type != MPSCTP_EV_ASSOC_CHANGE)
            continue;
        if (server && ev.state == MPSCTP_COMM_UP)
            s->assoc = ev.assoc;
        if (ev.state == MPSCTP_SHUTDOWN_COMP || ev.state == MPSCTP_COMM_LOST)
            s->done = 1;
    }
}

int main(int argc, char **argv)
{
    bench_args a;
    side sd[2];
    mpsctp_addr addr[2];
    uint8_t *table, *rbuf, pkt[PKTBUF], last[PKTBUF];
    size_t lastlen = 0;
    uint64_t now = MPSCTP_NS_PER_SEC, sent = 0, got = 0, packets = 0;
    int ok = 1;
    double t0, t1;

    if (bench_parse(argc, argv, &a) != 0)
        return 2;
    table = bench_table();
    rbuf = malloc(BENCH_MAX_MSG);
    if (!table || !rbuf)
        return 1;
    memset(sd, 0, sizeof(sd));
    for (int i = 0; i < 2; i++) {
        mpsctp_settings s;
        mpsctp_callbacks cb = {0};
        mpsctp_settings_default(&s);
        s.local_port = (uint16_t)(5000 + i);
        s.sndbuf = a.buf;
        s.rcvbuf = a.buf;
        s.num_ostreams = 1;
        sd[i].rng = 0x1234567ull + (uint64_t)i;
        cb.user = &sd[i].rng;
        cb.random = bench_random;
        sd[i].ep = mpsctp_endpoint_new(&s, &cb);
        mpsctp_addr_v4(&addr[i], 0x0a000001u + (uint32_t)i, 9899);
        if (!sd[i].ep || mpsctp_endpoint_add_addr(sd[i].ep, &addr[i]) != 0) {
            fprintf(stderr, "core_inmem: endpoint setup failed\n");
            return 1;
        }
    }
    mpsctp_endpoint_listen(sd[1].ep, 1);
    if (mpsctp_endpoint_connect(sd[0].ep, &addr[1], 1, 5001, now, &sd[0].assoc) != 0) {
        fprintf(stderr, "core_inmem: connect failed\n");
        return 1;
    }

    t0 = bench_clock();
    while (!(sd[0].done && sd[1].done)) {
        uint64_t moved = 0;
        /* client: fill the send buffer */
        while (sent < a.bytes && mpsctp_assoc_state(sd[0].assoc) == MPSCTP_ESTABLISHED) {
            size_t len = a.msg_size;
            mpsctp_sndinfo si = {0};
            if (a.bytes - sent < len)
                len = (size_t)(a.bytes - sent);
            int r = mpsctp_assoc_send(sd[0].assoc, bench_at(table, sent), len, &si, now);
            if (r == MPSCTP_ERR_WOULDBLOCK)
                break;
            if (r != 0) {
                fprintf(stderr, "core_inmem: send: %s\n", mpsctp_strerror(r));
                return 1;
            }
            sent += len;
            moved++;
            if (sent == a.bytes)
                mpsctp_assoc_shutdown(sd[0].assoc, now);
        }
        /* keep a copy of the last packets only (for the CRC check at the end) */
        uint64_t np = pump(&sd[0], &sd[1], pkt, now, sent == a.bytes ? last : NULL, &lastlen);
        moved += np;
        events(&sd[0], 0);
        events(&sd[1], 1);
        /* server: read and verify */
        while (sd[1].assoc) {
            mpsctp_rcvinfo ri;
            int eor;
            ssize_t n = mpsctp_assoc_recv(sd[1].assoc, rbuf, BENCH_MAX_MSG, &ri, &eor, now);
            if (n <= 0)
                break;
            if (memcmp(rbuf, bench_at(table, got), (size_t)n) != 0)
                ok = 0;
            got += (uint64_t)n;
            moved++;
        }
        {
            uint64_t back = pump(&sd[1], &sd[0], pkt, now, NULL, NULL);
            moved += back;
            packets += np + back;
        }
        events(&sd[0], 0);
        events(&sd[1], 1);
        now += 1000;
        if (!moved) {
            mpsctp_tstamp d0 = mpsctp_endpoint_deadline(sd[0].ep);
            mpsctp_tstamp d1 = mpsctp_endpoint_deadline(sd[1].ep);
            mpsctp_tstamp d = d0 < d1 ? d0 : d1;
            if (d == MPSCTP_TSTAMP_NEVER) {
                fprintf(stderr, "core_inmem: stalled at %llu of %llu bytes\n",
                        (unsigned long long)got, (unsigned long long)a.bytes);
                return 1;
            }
            if (d > now)
                now = d;
        }
        mpsctp_endpoint_timeout(sd[0].ep, now);
        mpsctp_endpoint_timeout(sd[1].ep, now);
    }
    t1 = bench_clock();
    if (got != a.bytes)
        ok = 0;

    /* the receiver checks CRC32c: a copy of the last DATA packet with one byte changed
     * must be dropped as a checksum error */
    {
        mpsctp_endpoint_stats st0, st1;
        mpsctp_addr l = addr[1], r = addr[0];
        mpsctp_endpoint_stats_get(sd[1].ep, &st0);
        if (lastlen > 12) {
            last[lastlen - 1] ^= 0x01;
            (void)mpsctp_endpoint_recv(sd[1].ep, last, lastlen, &l, &r, now);
        }
        mpsctp_endpoint_stats_get(sd[1].ep, &st1);
        if (st1.dropped_checksum != st0.dropped_checksum + 1) {
            fprintf(stderr, "core_inmem: a corrupted packet was not dropped for its CRC\n");
            ok = 0;
        }
        char extra[128];
        snprintf(extra, sizeof(extra), a.json ? "\"crc32c_checked\":%s" : "crc32c checked: %s",
                 st1.dropped_checksum == st0.dropped_checksum + 1 ? (a.json ? "true" : "yes")
                                                                  : (a.json ? "false" : "no"));
        bench_report(&a, "mpsctp", got, t1 - t0, ok, packets, extra);
    }
    mpsctp_endpoint_free(sd[0].ep);
    mpsctp_endpoint_free(sd[1].ep);
    free(table);
    free(rbuf);
    return ok ? 0 : 1;
}
