/*
 * mpsctp-perf's data pattern: the interop pattern of tests/interop/interop_pattern.h
 * (message m on stream s, byte o = interop_pattern(s, m, o); PPID = htonl(m)), so an
 * mpsctp-perf server verifies what usrsctp_peer sends and the other way round.
 *
 * The functions below produce exactly interop_pattern's bytes but step the 32-bit value
 * by the multiplier instead of multiplying per byte, a loop the compiler vectorizes:
 * filling and checking stay far below the cost of moving the bytes.
 */
#ifndef MPSCTP_PERF_PATTERN_H
#define MPSCTP_PERF_PATTERN_H

#include <stddef.h>
#include <stdint.h>

#include "interop_pattern.h"

#define PERF_PATTERN_MUL 2654435761u /* interop_pattern's per-byte multiplier */

/* The 32-bit value whose top byte is byte off of message (s, m). */
static inline uint32_t perf_pattern_base(uint32_t s, uint32_t m, uint64_t off)
{
    return (uint32_t)off * PERF_PATTERN_MUL + m * 40503u + s * 97u;
}

/* Fills buf[0..len) with message (s, m) from offset off on (= interop_fill). */
static inline void perf_fill(uint8_t *buf, size_t len, uint32_t s, uint32_t m, uint64_t off)
{
    uint32_t v0 = perf_pattern_base(s, m, off);
    for (size_t i = 0; i < len; i++)
        buf[i] = (uint8_t)((v0 + (uint32_t)i * PERF_PATTERN_MUL) >> 24);
}

/* Returns 1 when buf[0..len) is message (s, m) from offset off on, else 0. */
static inline int perf_matches(const uint8_t *buf, size_t len, uint32_t s, uint32_t m,
                               uint64_t off)
{
    uint32_t v0 = perf_pattern_base(s, m, off);
    uint8_t diff = 0;
    for (size_t i = 0; i < len; i++)
        diff |= (uint8_t)(buf[i] ^ (uint8_t)((v0 + (uint32_t)i * PERF_PATTERN_MUL) >> 24));
    return diff == 0;
}

#endif
