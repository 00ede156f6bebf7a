/*
 * sim_rng: the simulator's pseudo-random number generator (xoshiro256**, seeded
 * through splitmix64). One generator per simulation; no global state.
 */
#ifndef MPSCTP_SIM_RNG_H
#define MPSCTP_SIM_RNG_H

#include <stddef.h>
#include <stdint.h>

typedef struct sim_rng {
    uint64_t s[4];
} sim_rng;

/* Seeds *r from a 64-bit seed (any value, 0 included). The same seed always gives the
 * same sequence. */
void sim_rng_seed(sim_rng *r, uint64_t seed);

/* Returns the next 64 random bits. */
uint64_t sim_rng_next(sim_rng *r);

/* Returns a uniform double in [0, 1). */
double sim_rng_double(sim_rng *r);

/* Returns a uniform integer in [0, n); returns 0 when n is 0. */
uint64_t sim_rng_below(sim_rng *r, uint64_t n);

/* Returns 1 with probability p (p <= 0: never, p >= 1: always), else 0. Draws exactly
 * one number whatever p is, so changing a probability does not shift later draws. */
int sim_rng_chance(sim_rng *r, double p);

/* Fills buf with len random bytes. */
void sim_rng_bytes(sim_rng *r, void *buf, size_t len);

/* splitmix64 step: returns a well-mixed 64-bit function of x (stateless hash). */
uint64_t sim_rng_mix64(uint64_t x);

#endif
