/*
 * Packet traces: a complete association between two core endpoints (handshake, data with
 * losses so that SACKs carry gap blocks and chunks are retransmitted, heartbeats while
 * idle, graceful shutdown) is traced with lib/pcap from each side, once over IPv4 and
 * once over IPv6. tshark then reads each trace with CRC32c, IP and UDP checksum
 * verification on and must report no malformed packet, no expert error, no bad
 * checksum, and exactly the packets and chunk types the trace callback was given.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include <mpsctp/mpsctp.h>

#include "mpsctp_pcap.h"

#define MS(x) ((uint64_t)(x) * MPSCTP_NS_PER_MS)
#define SEC(x) ((uint64_t)(x) * MPSCTP_NS_PER_SEC)
#define DELAY MS(10)
#define QCAP 8192
#define PKTMAX 1500
#define NMSG 600
#define CLIENT_UDP 40000 /* not 9899: tshark is told which port carries SCTP */
#define SERVER_UDP 9899

/* One side's callback context: its PRNG and what its trace callback was given. */
typedef struct tally {
    uint64_t rng;
    mpsctp_pcap *pcap;
    uint64_t packets;
    uint64_t chunks[256];
    uint64_t sacks_with_gaps;
} tally;

typedef struct qpkt {
    uint64_t at;
    size_t len;
    mpsctp_addr src, dst;
    uint8_t data[PKTMAX];
} qpkt;

/* One direction of the wire: a FIFO (the delay is constant, so arrival order is
 * sending order). */
typedef struct wire {
    qpkt *q;
    size_t head, n;
    uint64_t data_pkts, sack_pkts, dropped;
} wire;

typedef struct world {
    mpsctp_endpoint *ep[2]; /* 0 client, 1 server */
    mpsctp_assoc *as[2];
    wire w[2];              /* w[i]: packets sent by side i */
    tally t[2];
    uint64_t now;
    uint64_t msgs_sent, msgs_read, bytes_read;
    int shutdown_done[2];
} world;

static void rnd(void *user, void *buf, size_t len)
{
    uint64_t *s = &((tally *)user)->rng;
    uint8_t *b = buf;
    for (size_t i = 0; i < len; i++) {
        *s ^= *s << 13;
        *s ^= *s >> 7;
        *s ^= *s << 17;
        b[i] = (uint8_t)*s;
    }
}

static uint16_t be16(const uint8_t *p)
{
    return (uint16_t)(p[0] << 8 | p[1]);
}

/* The trace callback under test, wrapped: counts what it is given, then writes it. */
static void trace_tally(void *user, int dir, const uint8_t *pkt, size_t len,
                        const mpsctp_addr *local, const mpsctp_addr *remote,
                        mpsctp_tstamp now)
{
    tally *t = user;
    size_t off = 12;
    t->packets++;
    while (off + 4 <= len) {
        uint8_t type = pkt[off];
        size_t clen = be16(pkt + off + 2);
        t->chunks[type]++;
        if (type == 3 && clen >= 16 && be16(pkt + off + 12) > 0)
            t->sacks_with_gaps++;
        if (clen < 4)
            break;
        off += (clen + 3) & ~(size_t)3;
    }
    mpsctp_pcap_trace_cb(t->pcap, dir, pkt, len, local, remote, now);
}

static int pkt_has_chunk(const uint8_t *pkt, size_t len, uint8_t want)
{
    size_t off = 12;
    while (off + 4 <= len) {
        size_t clen = be16(pkt + off + 2);
        if (pkt[off] == want)
            return 1;
        if (clen < 4)
            break;
        off += (clen + 3) & ~(size_t)3;
    }
    return 0;
}

/* Losses: a few DATA packets from the client (some back to back, so SACKs report
 * several gap blocks and fast retransmission happens) and one SACK from the server. */
static int lose(world *wd, int from, const uint8_t *pkt, size_t len)
{
    wire *w = &wd->w[from];
    if (from == 0 && pkt_has_chunk(pkt, len, 0)) {
        uint64_t k = w->data_pkts++;
        return k == 40 || k == 41 || k == 45 || k == 120 || k == 300 || k == 302;
    }
    if (from == 1 && pkt_has_chunk(pkt, len, 3)) {
        uint64_t k = w->sack_pkts++;
        return k == 25;
    }
    return 0;
}

static void drain(world *wd)
{
    for (int i = 0; i < 2; i++) {
        for (;;) {
            wire *w = &wd->w[i];
            qpkt *p;
            ssize_t n;
            assert_true(w->n < QCAP);
            p = &w->q[(w->head + w->n) % QCAP];
            n = mpsctp_endpoint_send(wd->ep[i], p->data, PKTMAX, &p->src, &p->dst, wd->now);
            assert_true(n >= 0);
            if (n == 0)
                break;
            p->len = (size_t)n;
            p->at = wd->now + DELAY;
            if (lose(wd, i, p->data, p->len))
                w->dropped++;
            else
                w->n++;
        }
    }
}

static uint8_t pattern(uint64_t msg, size_t off)
{
    return (uint8_t)(msg * 7 + off * 13 + (off >> 8));
}

static size_t msg_len(uint64_t i)
{
    return i % 10 == 9 ? 4000 : 1200; /* some messages need fragmentation */
}

static void app(world *wd)
{
    static uint8_t buf[8192];
    mpsctp_event ev;
    for (int i = 0; i < 2; i++) {
        while (mpsctp_endpoint_next_event(wd->ep[i], &ev)) {
            if (ev.type == MPSCTP_EV_ASSOC_CHANGE && ev.state == MPSCTP_COMM_UP && i == 1)
                wd->as[1] = ev.assoc;
            if (ev.type == MPSCTP_EV_ASSOC_CHANGE && ev.state == MPSCTP_SHUTDOWN_COMP)
                wd->shutdown_done[i] = 1;
        }
    }
    /* client: queue messages while the send buffer takes them */
    while (wd->as[0] && wd->msgs_sent < NMSG &&
           mpsctp_assoc_state(wd->as[0]) == MPSCTP_ESTABLISHED) {
        mpsctp_sndinfo si = {.sid = (uint16_t)(wd->msgs_sent % 2), .ppid = 0};
        size_t l = msg_len(wd->msgs_sent);
        for (size_t k = 0; k < l; k++)
            buf[k] = pattern(wd->msgs_sent, k);
        int r = mpsctp_assoc_send(wd->as[0], buf, l, &si, wd->now);
        if (r == MPSCTP_ERR_WOULDBLOCK)
            break;
        assert_int_equal(r, 0);
        wd->msgs_sent++;
    }
    /* server: read and check everything (two streams, each in order; messages alternate
     * between them, so the message number is 2 * (count on the stream) + stream) */
    if (wd->as[1]) {
        static uint64_t per_stream[2];
        if (wd->msgs_read == 0 && wd->bytes_read == 0)
            per_stream[0] = per_stream[1] = 0;
        for (;;) {
            mpsctp_rcvinfo ri;
            int eor = 0;
            ssize_t n = mpsctp_assoc_recv(wd->as[1], buf, sizeof(buf), &ri, &eor, wd->now);
            if (n == MPSCTP_ERR_WOULDBLOCK || n == MPSCTP_ERR_CLOSED)
                break;
            assert_true(n > 0);
            assert_true(eor);
            assert_true(ri.sid < 2);
            uint64_t m = 2 * per_stream[ri.sid]++ + ri.sid;
            assert_int_equal((size_t)n, msg_len(m));
            for (size_t k = 0; k < (size_t)n; k++)
                assert_int_equal(buf[k], pattern(m, k));
            wd->msgs_read++;
            wd->bytes_read += (uint64_t)n;
        }
    }
}

static uint64_t next_time(world *wd)
{
    uint64_t t = MPSCTP_TSTAMP_NEVER;
    for (int i = 0; i < 2; i++) {
        uint64_t d = mpsctp_endpoint_deadline(wd->ep[i]);
        if (d < t)
            t = d;
        if (wd->w[i].n && wd->w[i].q[wd->w[i].head].at < t)
            t = wd->w[i].q[wd->w[i].head].at;
    }
    return t;
}

/* Everything was read and acknowledged. */
static int delivered(world *wd)
{
    mpsctp_assoc_status st;
    if (wd->msgs_read < NMSG || mpsctp_assoc_status_get(wd->as[0], &st) != 0)
        return 0;
    return st.unacked_chunks == 0 && st.pending_chunks == 0;
}

/* Runs until `until` (virtual), until nothing is left to happen or, with stop_delivered,
 * until the transfer is complete. */
static void run(world *wd, uint64_t until, int stop_delivered)
{
    for (;;) {
        uint64_t t;
        app(wd);
        drain(wd);
        if (stop_delivered && delivered(wd))
            return;
        t = next_time(wd);
        if (t == MPSCTP_TSTAMP_NEVER || t > until) {
            wd->now = until;
            return;
        }
        if (t > wd->now)
            wd->now = t;
        for (int i = 0; i < 2; i++) {
            wire *w = &wd->w[i];
            while (w->n && w->q[w->head].at <= wd->now) {
                qpkt *p = &w->q[w->head];
                /* the receiver sees the packet arrive on dst, coming from src */
                (void)mpsctp_endpoint_recv(wd->ep[1 - i], p->data, p->len, &p->dst, &p->src,
                                           wd->now);
                w->head = (w->head + 1) % QCAP;
                w->n--;
            }
        }
        for (int i = 0; i < 2; i++)
            mpsctp_endpoint_timeout(wd->ep[i], wd->now);
    }
}

static void make_addr(mpsctp_addr *a, int family, int host, uint16_t udp)
{
    memset(a, 0, sizeof(*a));
    if (family == MPSCTP_AF_INET) {
        mpsctp_addr_v4(a, 0x0a000000u | (uint32_t)host, udp);
    } else {
        static const uint8_t pre[16] = {0x20, 0x01, 0x0d, 0xb8};
        a->family = MPSCTP_AF_INET6;
        a->udp_port = udp;
        memcpy(a->ip, pre, 16);
        a->ip[15] = (uint8_t)host;
    }
}

/* Runs the whole exchange with traces written to path[0] (client) and path[1]. */
static void transfer(world *wd, int family, const char *path[2])
{
    mpsctp_addr addr[2];
    memset(wd, 0, sizeof(*wd));
    make_addr(&addr[0], family, 1, CLIENT_UDP);
    make_addr(&addr[1], family, 2, SERVER_UDP);
    wd->now = SEC(1700000000); /* timestamps in 2023 */
    for (int i = 0; i < 2; i++) {
        mpsctp_settings s;
        mpsctp_callbacks cb = {0};
        mpsctp_settings_default(&s);
        s.local_port = (uint16_t)(5000 + i);
        s.num_ostreams = 2;
        s.hb_interval_ms = 300;
        /* Plain SACKs, whose gap blocks tshark's counts are compared with (NR-SACK would
         * carry them in NR blocks). */
        s.nr_sack = 0;
        s.sndbuf = 256 * 1024;
        s.rcvbuf = 256 * 1024;
        wd->t[i].rng = 0x9e3779b97f4a7c15ull + (uint64_t)i;
        wd->t[i].pcap = mpsctp_pcap_open(path[i]);
        assert_non_null(wd->t[i].pcap);
        cb.user = &wd->t[i];
        cb.random = rnd;
        cb.trace = trace_tally;
        wd->w[i].q = calloc(QCAP, sizeof(qpkt));
        assert_non_null(wd->w[i].q);
        wd->ep[i] = mpsctp_endpoint_new(&s, &cb);
        assert_non_null(wd->ep[i]);
        assert_int_equal(mpsctp_endpoint_add_addr(wd->ep[i], &addr[i]), 0);
    }
    mpsctp_endpoint_listen(wd->ep[1], 1);
    assert_int_equal(mpsctp_endpoint_connect(wd->ep[0], &addr[1], 1, 5001, wd->now, &wd->as[0]),
                     0);
    run(wd, wd->now + SEC(120), 1);
    assert_int_equal(wd->msgs_read, NMSG);
    /* idle: heartbeats */
    run(wd, wd->now + SEC(5), 0);
    assert_int_equal(mpsctp_assoc_shutdown(wd->as[0], wd->now), 0);
    run(wd, wd->now + SEC(10), 0);
    assert_true(wd->shutdown_done[0]);
    assert_true(wd->shutdown_done[1]);
    for (int i = 0; i < 2; i++) {
        mpsctp_endpoint_free(wd->ep[i]);
        assert_int_equal(mpsctp_pcap_count(wd->t[i].pcap), wd->t[i].packets);
        assert_int_equal(mpsctp_pcap_close(wd->t[i].pcap), 0);
        free(wd->w[i].q);
    }
}

/* ---- tshark ------------------------------------------------------------------------ */

/* Splits a tab-separated line into at most n fields (in place). Returns the count. */
static int split_tabs(char *line, char **f, int n)
{
    int k = 0;
    char *p = line;
    line[strcspn(line, "\r\n")] = 0;
    while (k < n) {
        f[k++] = p;
        p = strchr(p, '\t');
        if (!p)
            break;
        *p++ = 0;
    }
    return k;
}

/* Calls fn(value) for each comma-separated value of a field. */
static void each_value(const char *field, void (*fn)(void *, const char *), void *u)
{
    char tmp[4096];
    char *save = NULL, *v;
    snprintf(tmp, sizeof(tmp), "%s", field);
    for (v = strtok_r(tmp, ",", &save); v; v = strtok_r(NULL, ",", &save))
        fn(u, v);
}

typedef struct seen {
    uint64_t frames, malformed, expert_errors;
    uint64_t sctp_bad, sctp_good, ip_bad, ip_good, udp_bad, udp_good;
    uint64_t chunks[256];
    uint64_t sacks_with_gaps;
} seen;

/* checksum.status values: 0 Bad, 1 Good, 2 Unverified, 3 Not present (numbers or names,
 * depending on the tshark version). */
static void count_status(uint64_t *bad, uint64_t *good, const char *v)
{
    if (!strcmp(v, "0") || !strcasecmp(v, "Bad"))
        (*bad)++;
    else if (!strcmp(v, "1") || !strcasecmp(v, "Good"))
        (*good)++;
}

static void on_sctp_status(void *u, const char *v)
{
    seen *s = u;
    count_status(&s->sctp_bad, &s->sctp_good, v);
}

static void on_chunk(void *u, const char *v)
{
    seen *s = u;
    unsigned long t = strtoul(v, NULL, 0);
    if (t < 256)
        s->chunks[t]++;
}

static void on_gaps(void *u, const char *v)
{
    seen *s = u;
    if (strtoul(v, NULL, 0) > 0)
        s->sacks_with_gaps++;
}

static void on_severity(void *u, const char *v)
{
    seen *s = u;
    /* PI_ERROR is 0x00800000; names in newer versions */
    if (strtoul(v, NULL, 0) >= 0x00800000ul || !strcasecmp(v, "Error"))
        s->expert_errors++;
}

static void tshark_read(const char *path, int family, seen *s)
{
    char cmd[2048];
    char line[16384];
    FILE *f;
    int rc;
    memset(s, 0, sizeof(*s));
    if (!MPSCTP_TSHARK[0] || access(MPSCTP_TSHARK, X_OK) != 0)
        fail_msg("tshark not found (install it: scripts/install-deps.sh)");
    snprintf(cmd, sizeof(cmd),
             "'%s' -n -r '%s' -d udp.port==%d,sctp -o sctp.checksum:\"CRC 32c\" "
             "-o ip.check_checksum:TRUE -o udp.check_checksum:TRUE "
             "-T fields -E separator=/t -E occurrence=a -E aggregator=, "
             "-e frame.number -e _ws.malformed -e _ws.expert.severity "
             "-e sctp.checksum.status -e %s -e udp.checksum.status "
             "-e sctp.chunk_type -e sctp.sack_number_of_gap_blocks 2>/dev/null",
             MPSCTP_TSHARK, path, CLIENT_UDP,
             family == MPSCTP_AF_INET ? "ip.checksum.status" : "frame.number");
    f = popen(cmd, "r");
    assert_non_null(f);
    while (fgets(line, sizeof(line), f)) {
        char *fld[8] = {0};
        int n = split_tabs(line, fld, 8);
        assert_int_equal(n, 8);
        s->frames++;
        if (fld[1][0])
            s->malformed++;
        each_value(fld[2], on_severity, s);
        each_value(fld[3], on_sctp_status, s);
        if (family == MPSCTP_AF_INET)
            count_status(&s->ip_bad, &s->ip_good, fld[4]);
        count_status(&s->udp_bad, &s->udp_good, fld[5]);
        each_value(fld[6], on_chunk, s);
        each_value(fld[7], on_gaps, s);
    }
    rc = pclose(f);
    if (rc != 0)
        fail_msg("tshark exited with status %d: %s", rc, cmd);
}

static const char *chunk_name(int t)
{
    static const char *names[] = {"DATA",          "INIT",           "INIT ACK",
                                  "SACK",          "HEARTBEAT",      "HEARTBEAT ACK",
                                  "ABORT",         "SHUTDOWN",       "SHUTDOWN ACK",
                                  "ERROR",         "COOKIE ECHO",    "COOKIE ACK",
                                  "ECNE",          "CWR",            "SHUTDOWN COMPLETE"};
    return t < 15 ? names[t] : "other";
}

static void check_trace(const char *path, int family, const tally *t, const char *side)
{
    seen s;
    tshark_read(path, family, &s);
    printf("%s (%s): tshark frames=%llu malformed=%llu expert_errors=%llu sctp_crc good=%llu "
           "bad=%llu ip good=%llu bad=%llu udp good=%llu bad=%llu sacks_with_gaps=%llu\n",
           side, family == MPSCTP_AF_INET ? "IPv4" : "IPv6", (unsigned long long)s.frames,
           (unsigned long long)s.malformed, (unsigned long long)s.expert_errors,
           (unsigned long long)s.sctp_good, (unsigned long long)s.sctp_bad,
           (unsigned long long)s.ip_good, (unsigned long long)s.ip_bad,
           (unsigned long long)s.udp_good, (unsigned long long)s.udp_bad,
           (unsigned long long)s.sacks_with_gaps);
    printf("  chunks (written / tshark):");
    for (int k = 0; k < 256; k++)
        if (t->chunks[k] || s.chunks[k])
            printf(" %s %llu/%llu", chunk_name(k), (unsigned long long)t->chunks[k],
                   (unsigned long long)s.chunks[k]);
    printf("\n");
    assert_int_equal(s.frames, t->packets);
    assert_int_equal(s.malformed, 0);
    assert_int_equal(s.expert_errors, 0);
    assert_int_equal(s.sctp_bad, 0);
    assert_int_equal(s.sctp_good, t->packets);
    assert_int_equal(s.udp_bad, 0);
    if (family == MPSCTP_AF_INET) {
        assert_int_equal(s.ip_bad, 0);
        assert_int_equal(s.ip_good, t->packets);
    } else {
        assert_int_equal(s.udp_good, t->packets); /* IPv6: UDP checksums present */
    }
    for (int k = 0; k < 256; k++)
        assert_int_equal(s.chunks[k], t->chunks[k]);
    assert_int_equal(s.sacks_with_gaps, t->sacks_with_gaps);
    /* the trace covers everything the test is about */
    static const int want[] = {0, 1, 2, 3, 4, 5, 7, 8, 10, 11, 14};
    for (size_t k = 0; k < sizeof(want) / sizeof(want[0]); k++)
        if (t->chunks[want[k]] == 0)
            fail_msg("%s trace has no %s chunk", side, chunk_name(want[k]));
    assert_true(t->sacks_with_gaps > 0);
}

static void trace_family(int family)
{
    world *wd = calloc(1, sizeof(*wd));
    char p0[512], p1[512];
    const char *paths[2] = {p0, p1};
    const char *fam = family == MPSCTP_AF_INET ? "v4" : "v6";
    assert_non_null(wd);
    snprintf(p0, sizeof(p0), "%s/trace-%s-client.pcap", MPSCTP_TRACE_DIR, fam);
    snprintf(p1, sizeof(p1), "%s/trace-%s-server.pcap", MPSCTP_TRACE_DIR, fam);
    transfer(wd, family, paths);
    printf("%s: %llu messages, %llu bytes verified; client dropped %llu, server dropped "
           "%llu packets\n",
           fam, (unsigned long long)wd->msgs_read, (unsigned long long)wd->bytes_read,
           (unsigned long long)wd->w[0].dropped, (unsigned long long)wd->w[1].dropped);
    check_trace(p0, family, &wd->t[0], "client");
    check_trace(p1, family, &wd->t[1], "server");
    /* the client retransmitted what was lost */
    assert_true(wd->w[0].dropped > 0);
    free(wd);
}

static void test_trace_ipv4(void **state)
{
    (void)state;
    trace_family(MPSCTP_AF_INET);
}

static void test_trace_ipv6(void **state)
{
    (void)state;
    trace_family(MPSCTP_AF_INET6);
}

/* Bad arguments are refused, and a trace of nothing is still a valid pcap file. */
static void test_pcap_api(void **state)
{
    char path[512];
    mpsctp_addr a, b;
    uint8_t pkt[16] = {0};
    (void)state;
    snprintf(path, sizeof(path), "%s/trace-api.pcap", MPSCTP_TRACE_DIR);
    assert_null(mpsctp_pcap_open(NULL));
    assert_null(mpsctp_pcap_open("/nonexistent-dir/x.pcap"));
    mpsctp_pcap *p = mpsctp_pcap_open(path);
    assert_non_null(p);
    mpsctp_addr_v4(&a, 0x7f000001u, 0);
    mpsctp_addr_v4(&b, 0x7f000001u, 0);
    assert_int_equal(mpsctp_pcap_write(p, 1, pkt, 0, &a, &b, 0), -1);
    assert_int_equal(mpsctp_pcap_write(p, 1, NULL, 12, &a, &b, 0), -1);
    assert_int_equal(mpsctp_pcap_write(p, 1, pkt, 70000, &a, &b, 0), -1);
    b.family = 9;
    assert_int_equal(mpsctp_pcap_write(p, 1, pkt, 12, &a, &b, 0), -1);
    assert_int_equal(mpsctp_pcap_count(p), 0);
    assert_int_equal(mpsctp_pcap_flush(p), 0);
    assert_int_equal(mpsctp_pcap_close(p), 0);
    assert_int_equal(mpsctp_pcap_close(NULL), 0);
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    uint8_t hdr[24];
    assert_int_equal(fread(hdr, 1, 24, f), 24);
    assert_int_equal(fgetc(f), EOF);
    fclose(f);
    uint32_t magic, link;
    memcpy(&magic, hdr, 4);
    memcpy(&link, hdr + 20, 4);
    assert_int_equal(magic, 0xa1b23c4du);
    assert_int_equal(link, MPSCTP_PCAP_LINKTYPE_RAW);
}

/* The check is not vacuous: tshark flags a packet whose CRC32c is wrong. */
static void test_trace_bad_crc_seen(void **state)
{
    char path[512];
    mpsctp_addr a, b;
    /* common header (ports 5000 -> 5001, tag 1, checksum 0x12345678) + HEARTBEAT with
     * an 8-byte info parameter */
    static const uint8_t pkt[] = {0x13, 0x88, 0x13, 0x89, 0, 0, 0, 1, 0x12, 0x34, 0x56, 0x78,
                                  4,    0,    0,    12,   0, 1, 0, 8, 1,    2,    3,    4};
    seen s;
    (void)state;
    snprintf(path, sizeof(path), "%s/trace-badcrc.pcap", MPSCTP_TRACE_DIR);
    mpsctp_pcap *p = mpsctp_pcap_open(path);
    assert_non_null(p);
    mpsctp_addr_v4(&a, 0x0a000001u, CLIENT_UDP);
    mpsctp_addr_v4(&b, 0x0a000002u, 0); /* port 0 is written as 9899 */
    assert_int_equal(mpsctp_pcap_write(p, 1, pkt, sizeof(pkt), &a, &b, SEC(1)), 0);
    assert_int_equal(mpsctp_pcap_close(p), 0);
    tshark_read(path, MPSCTP_AF_INET, &s);
    assert_int_equal(s.frames, 1);
    assert_int_equal(s.sctp_bad, 1);
    assert_int_equal(s.ip_good, 1);
    assert_int_equal(s.chunks[4], 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_pcap_api),
        cmocka_unit_test(test_trace_bad_crc_seen),
        cmocka_unit_test(test_trace_ipv4),
        cmocka_unit_test(test_trace_ipv6),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
