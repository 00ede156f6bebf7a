/*
 * sim_payload: deterministic message contents. Byte `off` of message `idx` of a flow
 * is a fixed function of (flow seed, idx, off), so a receiver can check every byte
 * without keeping a copy of what was sent.
 */
#ifndef MPSCTP_SIM_PAYLOAD_H
#define MPSCTP_SIM_PAYLOAD_H

#include <stddef.h>
#include <stdint.h>

/* Writes bytes [off, off+len) of message idx of the flow with the given seed to buf. */
void sim_payload_fill(uint64_t seed, uint64_t idx, uint64_t off, uint8_t *buf, size_t len);

/* Compares buf[0..len) with bytes [off, off+len) of message idx. Returns -1 when all
 * match, else the index in buf of the first wrong byte. */
ssize_t sim_payload_check(uint64_t seed, uint64_t idx, uint64_t off, const uint8_t *buf,
                          size_t len);

#endif
