/* Sizes, times and counts as the command-line tools (mpsctp-perf, mpsctp-sim) and the
 * scenario language of mpsctp-sim take them: one grammar for all.
 *
 * A number is plain decimal digits with an optional fraction ("20", "1.5"): no sign, no
 * exponent, no hexadecimal. Units follow the number without a space:
 *   sizes: none or B (bytes); k, K, Ki, KiB = 2^10; m, M, Mi, MiB = 2^20; g, G, Gi, GiB =
 *          2^30 (powers of two, as iperf3 counts); kB, MB, GB = 10^3, 10^6, 10^9 (the
 *          explicit decimal form). A fraction is allowed where the result is whole bytes
 *          ("1.5k" = 1536, "1.5MB" = 1500000).
 *   times: ns, us, ms, s; a bare number is in the unit the caller names.
 * The parsers are pure: no allocation, no global state. */
#ifndef MPSCTP_TOOLS_UNITS_H
#define MPSCTP_TOOLS_UNITS_H

#include <stdint.h>

/* The grammar in two lines for --help texts (each ends with a newline). */
#define UNITS_HELP                                                                          \
    "sizes: k, M, G (or KiB, MiB, GiB) are powers of two: 1M = 1048576 bytes; kB, MB, GB\n" \
    "are powers of ten: 1MB = 1000000 bytes. times: ns, us, ms or s (10s, 500ms).\n"

/* The largest size units_size accepts (2^53 bytes: exact in a double). */
#define UNITS_SIZE_MAX (1ull << 53)

/* Parses a size in bytes into *bytes. Returns 0, or -1 when s is malformed, has an
 * unknown unit, is not whole bytes or exceeds UNITS_SIZE_MAX (*bytes is then unchanged). */
int units_size(const char *s, uint64_t *bytes);

/* Parses a time into *ns (nanoseconds, rounded to the nearest); a number without a unit
 * counts bare_ns nanoseconds each (1000000000 for seconds, 1000000 for milliseconds).
 * Returns 0, or -1 when s is malformed, has an unknown unit or exceeds 10^18 ns. */
int units_time(const char *s, uint64_t bare_ns, uint64_t *ns);

/* Parses a plain decimal integer (digits only) of at most max into *v. Returns 0 or -1. */
int units_uint(const char *s, uint64_t max, uint64_t *v);

#endif
