/*
 * Shared by the in-memory benchmarks (core_inmem.c, usrsctp_inmem.c): argument parsing,
 * the data pattern and the result line, so both stacks are measured the same way.
 *
 * Data: the sender's byte stream is the pattern table repeated (period BENCH_PERIOD, a
 * prime, so message boundaries never line up with it); a message at stream offset x is
 * sent straight from the table and the receiver compares what it reads against the table
 * with memcmp. Neither side spends per-byte work on generating the data.
 */
#ifndef MPSCTP_BENCH_COMMON_H
#define MPSCTP_BENCH_COMMON_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define BENCH_PERIOD 65521u
#define BENCH_MAX_MSG (1u << 20)

typedef struct bench_args {
    uint64_t bytes;    /* payload bytes to transfer */
    uint32_t msg_size; /* bytes per message */
    uint32_t buf;      /* send and receive buffer, bytes */
    int json;
} bench_args;

/* Parses 123, 64k, 200M, 1G (powers of 1000 for M/G would surprise: k=1024, M=2^20). */
static inline uint64_t bench_size(const char *s)
{
    char *end;
    double v = strtod(s, &end);
    uint64_t m = 1;
    if (*end == 'k' || *end == 'K')
        m = 1024;
    else if (*end == 'M' || *end == 'm')
        m = 1024 * 1024;
    else if (*end == 'G' || *end == 'g')
        m = 1024ull * 1024 * 1024;
    return (uint64_t)(v * (double)m);
}

static inline void bench_usage(const char *prog)
{
    fprintf(stderr,
            "usage: %s [--bytes N] [--msg-size M] [--buf B] [--json]\n"
            "  N payload bytes (default 200M; k/M/G = 2^10/2^20/2^30), M bytes per message\n"
            "  (default 16384), B send and receive buffer (default 1M)\n",
            prog);
}

/* Returns 0, or -1 after printing usage. */
static inline int bench_parse(int argc, char **argv, bench_args *a)
{
    a->bytes = 200ull * 1024 * 1024;
    a->msg_size = 16384;
    a->buf = 1024 * 1024;
    a->json = 0;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--bytes") && i + 1 < argc)
            a->bytes = bench_size(argv[++i]);
        else if (!strcmp(argv[i], "--msg-size") && i + 1 < argc)
            a->msg_size = (uint32_t)bench_size(argv[++i]);
        else if (!strcmp(argv[i], "--buf") && i + 1 < argc)
            a->buf = (uint32_t)bench_size(argv[++i]);
        else if (!strcmp(argv[i], "--json"))
            a->json = 1;
        else {
            bench_usage(argv[0]);
            return -1;
        }
    }
    if (a->bytes == 0 || a->msg_size == 0 || a->msg_size > BENCH_MAX_MSG) {
        bench_usage(argv[0]);
        return -1;
    }
    return 0;
}

/* The pattern table: BENCH_PERIOD + BENCH_MAX_MSG bytes, byte i = f(i mod PERIOD). */
static inline uint8_t *bench_table(void)
{
    uint8_t *t = malloc(BENCH_PERIOD + BENCH_MAX_MSG);
    if (!t)
        return NULL;
    for (uint32_t i = 0; i < BENCH_PERIOD + BENCH_MAX_MSG; i++) {
        uint32_t x = i % BENCH_PERIOD;
        t[i] = (uint8_t)((x * 2654435761u) >> 24);
    }
    return t;
}

/* The bytes at stream offset off (len <= BENCH_MAX_MSG). */
static inline const uint8_t *bench_at(const uint8_t *table, uint64_t off)
{
    return table + off % BENCH_PERIOD;
}

/* mpsctp_callbacks.random for the benchmarks: xorshift64 over the uint64_t state in user
 * (deterministic, not for real use). */
static inline void bench_random(void *user, void *buf, size_t len)
{
    uint64_t *s = user;
    uint8_t *b = buf;
    for (size_t i = 0; i < len; i++) {
        *s ^= *s << 13;
        *s ^= *s >> 7;
        *s ^= *s << 17;
        b[i] = (uint8_t)(*s >> 11);
    }
}

static inline double bench_clock(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* Prints the result: MB = 10^6 bytes of payload. */
static inline void bench_report(const bench_args *a, const char *stack, uint64_t bytes,
                                double secs, int verified, uint64_t packets,
                                const char *extra)
{
    double mbps = secs > 0 ? (double)bytes / secs / 1e6 : 0;
    if (a->json)
        printf("{\"stack\":\"%s\",\"bytes\":%llu,\"msg_size\":%u,\"seconds\":%.6f,"
               "\"MBps\":%.2f,\"gbps\":%.3f,\"packets\":%llu,\"verified\":%s%s%s}\n",
               stack, (unsigned long long)bytes, a->msg_size, secs, mbps, mbps * 8 / 1000,
               (unsigned long long)packets, verified ? "true" : "false", extra ? "," : "",
               extra ? extra : "");
    else
        printf("%s: %llu bytes in %u-byte messages, %.3f s: %.1f MB/s (%.3f Gbit/s), %llu "
               "packets, %s%s%s\n",
               stack, (unsigned long long)bytes, a->msg_size, secs, mbps, mbps * 8 / 1000,
               (unsigned long long)packets, verified ? "verified" : "VERIFICATION FAILED",
               extra ? ", " : "", extra ? extra : "");
}

#endif
