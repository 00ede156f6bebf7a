/*
 * core_scale: what one received packet costs a server endpoint as its number of
 * associations grows, and what an idle association costs it in memory.
 *
 * For each count N on the command line (default 1, 100, 1000 and 10000) one server
 * endpoint and N client endpoints (one association each, every client on its own address
 * and port) are connected in memory. Then, in batches, random clients send one small
 * message each (one DATA chunk per packet; at most Max.Burst, 4, per client and batch,
 * as no SACK comes back within a batch); the server receives the batch while the clock
 * and the CPU's user-mode instruction counter run (perf_event_open; "n/a" when the
 * kernel refuses it). Between batches, outside the measurement, the server's SACKs go
 * back to the clients and the server's messages are read and checked (each client's
 * messages arrive on its own association, in order). Printed per N: time and
 * instructions per received packet; the cost of the calls an event loop makes besides:
 * one mpsctp_endpoint_send that finds nothing to send, one mpsctp_endpoint_deadline and
 * one mpsctp_endpoint_timeout with nothing due; and the server's heap per association
 * once every association is idle again (glibc mallinfo2: what freeing the server
 * endpoint gives back, less what an endpoint without associations holds, over N).
 *
 * usage: core_scale [--packets P] [N ...]   (P received packets measured per N,
 *        default 200000)
 */
#include <linux/perf_event.h>
#include <malloc.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include <mpsctp/mpsctp.h>

#include "bench_common.h"

#define PKTBUF 2048
#define SRV_PORT 5001
#define MSG 64
#define PER_CLIENT 4 /* packets a client sends per batch: Max.Burst without a SACK */

typedef struct client {
    mpsctp_endpoint *ep;
    mpsctp_assoc *a;
    mpsctp_addr addr;
    uint16_t port;
    uint64_t rng;
    uint32_t sent, read; /* messages sent, messages the server read */
    uint32_t batch;      /* packets in the current batch */
} client;

typedef struct world {
    mpsctp_endpoint *srv;
    mpsctp_addr srv_addr;
    uint64_t srv_rng;
    client *c;
    uint32_t n;
    mpsctp_assoc **by_id; /* server association -> client, by association id */
    uint32_t *client_of;
    uint64_t now;
} world;

/* ---- instruction counter ------------------------------------------------------------ */

static int insn_fd = -1;
static volatile mpsctp_tstamp sink; /* keeps the measured calls */

static void insn_open(void)
{
    struct perf_event_attr pe;
    memset(&pe, 0, sizeof(pe));
    pe.type = PERF_TYPE_HARDWARE;
    pe.size = sizeof(pe);
    pe.config = PERF_COUNT_HW_INSTRUCTIONS;
    pe.disabled = 1;
    pe.exclude_kernel = 1;
    pe.exclude_hv = 1;
    insn_fd = (int)syscall(SYS_perf_event_open, &pe, 0, -1, -1, 0);
}

static void insn_start(void)
{
    if (insn_fd >= 0) {
        ioctl(insn_fd, PERF_EVENT_IOC_RESET, 0);
        ioctl(insn_fd, PERF_EVENT_IOC_ENABLE, 0);
    }
}

static uint64_t insn_stop(void)
{
    uint64_t v = 0;
    if (insn_fd < 0)
        return 0;
    ioctl(insn_fd, PERF_EVENT_IOC_DISABLE, 0);
    if (read(insn_fd, &v, sizeof(v)) != sizeof(v))
        return 0;
    return v;
}

/* ---- the world ---------------------------------------------------------------------- */

static mpsctp_endpoint *make_ep(uint16_t port, const mpsctp_addr *addr, uint64_t *rng,
                                uint32_t max_assocs)
{
    mpsctp_settings s;
    mpsctp_settings_default(&s);
    s.local_port = port;
    s.max_assocs = max_assocs;
    /* Heartbeats stay on (every 30 s: none falls due in the run's virtual second), so
     * every association has a timer running, as on a real server. */
    mpsctp_callbacks cb;
    memset(&cb, 0, sizeof(cb));
    cb.user = rng;
    cb.random = bench_random;
    mpsctp_endpoint *ep = mpsctp_endpoint_new(&s, &cb);
    if (!ep || mpsctp_endpoint_add_addr(ep, addr)) {
        fprintf(stderr, "core_scale: endpoint setup failed\n");
        exit(1);
    }
    return ep;
}

/* Client i: 10.x.y.z from 10.1.0.0 on, ports 1000 and 1001 alternating. */
static uint32_t client_index(const mpsctp_addr *a, uint16_t port)
{
    uint32_t ip = (uint32_t)a->ip[0] << 24 | (uint32_t)a->ip[1] << 16 |
                  (uint32_t)a->ip[2] << 8 | a->ip[3];
    return (ip - 0x0a010000u) * 2 + (uint32_t)(port - 1000);
}

/* Delivers everything the server has to send to its clients. */
static void srv_to_clients(world *w)
{
    static uint8_t pkt[PKTBUF];
    mpsctp_addr l, r;
    ssize_t len;
    while ((len = mpsctp_endpoint_send(w->srv, pkt, PKTBUF, &l, &r, w->now)) > 0) {
        uint16_t dport = (uint16_t)(pkt[2] << 8 | pkt[3]);
        uint32_t i = client_index(&r, dport);
        if (i < w->n)
            mpsctp_endpoint_recv(w->c[i].ep, pkt, (size_t)len, &r, &l, w->now);
    }
}

/* Delivers what client i has to send to the server. Returns the packets moved. */
static unsigned client_to_srv(world *w, uint32_t i)
{
    static uint8_t pkt[PKTBUF];
    mpsctp_addr l, r;
    ssize_t len;
    unsigned n = 0;
    while ((len = mpsctp_endpoint_send(w->c[i].ep, pkt, PKTBUF, &l, &r, w->now)) > 0) {
        mpsctp_endpoint_recv(w->srv, pkt, (size_t)len, &r, &l, w->now);
        n++;
    }
    return n;
}

/* Takes the server's events: COMM_UP maps its association to a client. */
static void srv_events(world *w)
{
    mpsctp_event ev;
    while (mpsctp_endpoint_next_event(w->srv, &ev)) {
        if (ev.type != MPSCTP_EV_ASSOC_CHANGE || ev.state != MPSCTP_COMM_UP)
            continue;
        mpsctp_path_info pi;
        mpsctp_assoc_path_info(ev.assoc, 0, &pi);
        uint32_t i = client_index(&pi.remote, (uint16_t)mpsctp_assoc_peer_port(ev.assoc));
        if (i >= w->n || ev.assoc_id > w->n) {
            fprintf(stderr, "core_scale: unexpected association\n");
            exit(1);
        }
        w->by_id[ev.assoc_id] = ev.assoc;
        w->client_of[ev.assoc_id] = i;
    }
}

static void world_init(world *w, uint32_t n)
{
    memset(w, 0, sizeof(*w));
    w->n = n;
    w->now = 1000000000ull;
    w->srv_rng = 99;
    mpsctp_addr_v4(&w->srv_addr, 0x0a000002u, 9899);
    w->srv = make_ep(SRV_PORT, &w->srv_addr, &w->srv_rng, 0);
    mpsctp_endpoint_listen(w->srv, 1);
    w->c = calloc(n, sizeof(*w->c));
    w->by_id = calloc(n + 1, sizeof(*w->by_id));
    w->client_of = calloc(n + 1, sizeof(*w->client_of));
    if (!w->c || !w->by_id || !w->client_of)
        exit(1);
    for (uint32_t i = 0; i < n; i++) {
        client *c = &w->c[i];
        c->rng = 1000 + i;
        c->port = (uint16_t)(1000 + i % 2);
        mpsctp_addr_v4(&c->addr, 0x0a010000u + i / 2, 9899);
        c->ep = make_ep(c->port, &c->addr, &c->rng, 0);
        if (mpsctp_endpoint_connect(c->ep, &w->srv_addr, 1, SRV_PORT, w->now, &c->a)) {
            fprintf(stderr, "core_scale: connect failed\n");
            exit(1);
        }
        /* INIT, INIT ACK, COOKIE ECHO, COOKIE ACK */
        client_to_srv(w, i);
        srv_to_clients(w);
        client_to_srv(w, i);
        srv_to_clients(w);
        if (mpsctp_assoc_state(c->a) != MPSCTP_ESTABLISHED) {
            fprintf(stderr, "core_scale: handshake %u failed\n", i);
            exit(1);
        }
        srv_events(w); /* as an event loop takes them: the queue stays short */
    }
}

/* Reads every message the server has: each carries (client, sequence) and must come on
 * that client's association, in order. */
static void srv_read(world *w)
{
    uint8_t buf[MSG];
    for (uint32_t id = 1; id <= w->n; id++) {
        mpsctp_assoc *a = w->by_id[id];
        client *c = &w->c[w->client_of[id]];
        mpsctp_rcvinfo ri;
        int eor;
        while (mpsctp_assoc_recv(a, buf, sizeof(buf), &ri, &eor, w->now) == MSG) {
            uint32_t who, seq;
            memcpy(&who, buf, 4);
            memcpy(&seq, buf + 4, 4);
            if (who != (uint32_t)(c - w->c) || seq != c->read) {
                fprintf(stderr,
                        "core_scale: message %u of client %u on client %u's "
                        "association (expected %u)\n",
                        seq, who, (uint32_t)(c - w->c), c->read);
                exit(1);
            }
            c->read++;
        }
    }
}

/* Bytes of heap in use. */
static size_t heap_used(void)
{
    struct mallinfo2 mi = mallinfo2();
    return mi.uordblks + mi.hblkhd;
}

/* Heap an endpoint without associations holds (the server's settings). */
static size_t empty_endpoint_heap(void)
{
    uint64_t rng = 1;
    mpsctp_addr addr;
    mpsctp_addr_v4(&addr, 0x0a000002u, 9899);
    size_t before = heap_used();
    mpsctp_endpoint *ep = make_ep(SRV_PORT, &addr, &rng, 0);
    mpsctp_endpoint_listen(ep, 1);
    size_t used = heap_used() - before;
    mpsctp_endpoint_free(ep);
    return used;
}

/* Lets every association go idle (delayed SACKs out, nothing in flight), frees the
 * clients and then the server. Returns the server's heap per association. */
static double world_free(world *w)
{
    w->now += 1000000000ull;
    mpsctp_endpoint_timeout(w->srv, w->now);
    srv_to_clients(w);
    for (uint32_t i = 0; i < w->n; i++) {
        mpsctp_endpoint_timeout(w->c[i].ep, w->now);
        client_to_srv(w, i);
    }
    srv_to_clients(w);
    for (uint32_t i = 0; i < w->n; i++)
        mpsctp_endpoint_free(w->c[i].ep);
    size_t before = heap_used();
    mpsctp_endpoint_free(w->srv);
    size_t srv = before - heap_used();
    free(w->c);
    free(w->by_id);
    free(w->client_of);
    size_t empty = empty_endpoint_heap();
    return srv > empty ? (double)(srv - empty) / w->n : 0;
}

/* The measured part: the server receives k packets, then is asked for its deadline as
 * an event loop does after a batch (the endpoint files the deadlines the packets moved
 * then, so that work is counted here). Its own function, so that
 * valgrind --tool=callgrind --toggle-collect=srv_recv_batch counts its instructions
 * where the hardware counter is not available. */
__attribute__((noinline)) static void srv_recv_batch(world *w, uint8_t (*pkts)[PKTBUF],
                                                     const size_t *lens, const mpsctp_addr *src,
                                                     const mpsctp_addr *dst, uint32_t k)
{
    for (uint32_t j = 0; j < k; j++)
        mpsctp_endpoint_recv(w->srv, pkts[j], lens[j], &dst[j], &src[j], w->now);
    sink = mpsctp_endpoint_deadline(w->srv);
}

static void run(uint32_t n, uint64_t packets)
{
    world w;
    double t0 = bench_clock();
    world_init(&w, n);
    double setup = bench_clock() - t0;
    static uint8_t pkts[1024][PKTBUF];
    static size_t lens[1024];
    static mpsctp_addr src[1024], dst[1024];
    uint64_t rng = 12345, done = 0, insn = 0;
    double t = 0;
    uint32_t batch = n * PER_CLIENT < 1024 ? n * PER_CLIENT : 1024;
    while (done < packets) {
        /* A batch of packets, each from a random client, collected first. */
        uint32_t k = 0;
        for (uint32_t i = 0; i < n; i++)
            w.c[i].batch = 0;
        while (k < batch) {
            rng = rng * 6364136223846793005ull + 1442695040888963407ull;
            client *c = &w.c[(rng >> 33) % n];
            if (c->batch == PER_CLIENT)
                continue;
            uint8_t msg[MSG];
            memset(msg, 0, sizeof(msg));
            uint32_t who = (uint32_t)(c - w.c);
            memcpy(msg, &who, 4);
            memcpy(msg + 4, &c->sent, 4);
            mpsctp_sndinfo si = {0, 0, 0, 0};
            if (mpsctp_assoc_send(c->a, msg, sizeof(msg), &si, w.now))
                continue;
            ssize_t len = mpsctp_endpoint_send(c->ep, pkts[k], PKTBUF, &src[k], &dst[k], w.now);
            if (len <= 0) {
                fprintf(stderr, "core_scale: client %u sent nothing\n", who);
                exit(1);
            }
            c->sent++;
            c->batch++;
            lens[k++] = (size_t)len;
        }
        /* The server receives it: measured. */
        insn_start();
        double s = bench_clock();
        srv_recv_batch(&w, pkts, lens, src, dst, k);
        t += bench_clock() - s;
        insn += insn_stop();
        done += k;
        /* SACKs back, messages read: not measured. */
        w.now += 1000000; /* 1 ms per batch */
        mpsctp_endpoint_timeout(w.srv, w.now);
        srv_to_clients(&w);
        srv_read(&w);
    }
    /* One idle mpsctp_endpoint_send and one mpsctp_endpoint_deadline, as an event loop
     * calls them after every batch. */
    srv_to_clients(&w);
    sink = mpsctp_endpoint_deadline(w.srv); /* as a loop asks after sending */
    uint8_t pkt[PKTBUF];
    mpsctp_addr l, r;
    enum { CALLS = 200 };
    insn_start();
    double s = bench_clock();
    for (int i = 0; i < CALLS; i++)
        mpsctp_endpoint_send(w.srv, pkt, PKTBUF, &l, &r, w.now);
    double t_send = (bench_clock() - s) / CALLS;
    uint64_t i_send = insn_stop() / CALLS;
    insn_start();
    s = bench_clock();
    for (int i = 0; i < CALLS; i++)
        sink = mpsctp_endpoint_deadline(w.srv);
    double t_dl = (bench_clock() - s) / CALLS;
    uint64_t i_dl = insn_stop() / CALLS;
    mpsctp_tstamp before_due = mpsctp_endpoint_deadline(w.srv) - 1;
    insn_start();
    s = bench_clock();
    for (int i = 0; i < CALLS; i++)
        mpsctp_endpoint_timeout(w.srv, before_due);
    double t_to = (bench_clock() - s) / CALLS;
    uint64_t i_to = insn_stop() / CALLS;
    uint64_t read = 0;
    for (uint32_t i = 0; i < n; i++)
        read += w.c[i].read;
    if (read != done) {
        fprintf(stderr, "core_scale: %llu packets, %llu messages read\n",
                (unsigned long long)done, (unsigned long long)read);
        exit(1);
    }
    char ib[32], sb[32], db[32], tb[32];
    if (insn_fd >= 0) {
        snprintf(ib, sizeof(ib), "%.0f", (double)insn / (double)done);
        snprintf(sb, sizeof(sb), "%llu", (unsigned long long)i_send);
        snprintf(db, sizeof(db), "%llu", (unsigned long long)i_dl);
        snprintf(tb, sizeof(tb), "%llu", (unsigned long long)i_to);
    } else {
        strcpy(ib, "n/a");
        strcpy(sb, "n/a");
        strcpy(db, "n/a");
        strcpy(tb, "n/a");
    }
    double mem = world_free(&w);
    printf("%6u assocs, %llu packets: recv %5.0f ns %6s insn/packet | idle send %6.0f ns %6s "
           "insn | deadline %5.0f ns %5s insn | timeout %6.0f ns %6s insn | "
           "%5.0f bytes/idle assoc | setup %.2f s\n",
           n, (unsigned long long)done, t / (double)done * 1e9, ib, t_send * 1e9, sb,
           t_dl * 1e9, db, t_to * 1e9, tb, mem, setup);
}

int main(int argc, char **argv)
{
    /* glibc's per-thread cache keeps freed blocks counted as in use, which would hide
     * part of what freeing the server gives back: run again without it. */
    if (!getenv("GLIBC_TUNABLES")) {
        setenv("GLIBC_TUNABLES", "glibc.malloc.tcache_count=0", 1);
        execv("/proc/self/exe", argv);
    }
    uint64_t packets = 200000;
    uint32_t counts[16];
    int nc = 0;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--packets") && i + 1 < argc)
            packets = strtoull(argv[++i], NULL, 10);
        else if (nc < 16 && atoi(argv[i]) > 0)
            counts[nc++] = (uint32_t)atoi(argv[i]);
        else {
            fprintf(stderr, "usage: %s [--packets P] [N ...]\n", argv[0]);
            return 2;
        }
    }
    if (!nc) {
        counts[nc++] = 1;
        counts[nc++] = 100;
        counts[nc++] = 1000;
        counts[nc++] = 10000;
    }
    insn_open();
    for (int i = 0; i < nc; i++)
        run(counts[i], packets);
    return 0;
}
