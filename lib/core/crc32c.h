/* CRC32c (Castagnoli) and the SCTP packet checksum built on it.
 *
 * RFC 9260 s6.8 and Appendix A (CRC32c as introduced by RFC 3309): the checksum of an
 * SCTP packet is the CRC32c of the whole packet with the Checksum field (bytes 8..11 of
 * the common header) taken as zero. The polynomial is 0x1EDC6F41, processed reflected
 * (0x82F63B78), register preset to all ones and inverted at the end.
 *
 * Two interchangeable kernels compute the running (unconditioned) register: a portable
 * slicing-by-8 one and one using the SSE4.2 CRC32 instruction. Both give bit-identical
 * results for any input, alignment and length. Nothing here keeps state; the caller picks
 * a kernel once with crc32c_select() and passes it to the helpers below.
 */
#ifndef MPSCTP_CRC32C_H
#define MPSCTP_CRC32C_H

#include <stddef.h>
#include <stdint.h>

/* A CRC32c kernel: feeds len bytes at p into the running register crc and returns the new
 * register. No preset or final inversion is applied (crc32c() below does that), so a
 * message may be fed in pieces: fn(fn(c, a, na), b, nb) == fn(c, ab, na + nb).
 * p may be NULL when len is 0. */
typedef uint32_t (*crc32c_fn)(uint32_t crc, const uint8_t *p, size_t len);

/* Portable CRC32c kernel (slicing-by-8 over constant tables); see crc32c_fn.
 * Returns the updated register. Works on every CPU. */
uint32_t crc32c_update_sw(uint32_t crc, const uint8_t *p, size_t len);

/* SSE4.2 CRC32c kernel (CRC32 instruction); see crc32c_fn. Returns the updated register,
 * identical to crc32c_update_sw() for the same input. Call it only after
 * crc32c_hw_available() returned 1: on a CPU without SSE4.2 it faults (on a build for a
 * CPU family without the instruction it falls back to the portable kernel). */
uint32_t crc32c_update_hw(uint32_t crc, const uint8_t *p, size_t len);

/* Returns 1 when this CPU executes the SSE4.2 CRC32 instruction, 0 otherwise. */
int crc32c_hw_available(void);

/* Returns the fastest kernel this CPU runs: crc32c_update_hw when crc32c_hw_available(),
 * else crc32c_update_sw. Consults no environment or configuration. */
crc32c_fn crc32c_select(void);

/* Returns the complete CRC32c of len bytes at p computed with kernel fn (preset
 * 0xFFFFFFFF, final inversion), e.g. 0xE3069283 for the ASCII bytes "123456789". */
uint32_t crc32c(crc32c_fn fn, const uint8_t *p, size_t len);

/* RFC 9260 s6.8: returns the CRC32c of the SCTP packet of len bytes at pkt as if its
 * Checksum field (bytes 8..11) were zero, without modifying pkt. The packet is meant to be
 * at least 12 bytes (a whole common header); a shorter one is still read only within len, with
 * whatever part of bytes 8..11 it holds taken as zero. */
uint32_t sctp_checksum(crc32c_fn fn, const uint8_t *pkt, size_t len);

/* RFC 9260 s6.8, Appendix A: computes the checksum of the SCTP packet of len bytes at pkt
 * and stores it in the Checksum field in wire order, i.e. the least significant byte of
 * the CRC32c value at byte 8 and the most significant at byte 11 (what RFC 9260's sample
 * code, Linux, FreeBSD/usrsctp and Wireshark produce and accept). Does nothing when len is
 * below 12 (no whole common header). */
void sctp_checksum_set(crc32c_fn fn, uint8_t *pkt, size_t len);

/* Returns 1 when the Checksum field of the SCTP packet of len bytes at pkt matches its
 * contents (wire order as in sctp_checksum_set), 0 when it does not or when len is below 12
 * (no whole common header). */
int sctp_checksum_ok(crc32c_fn fn, const uint8_t *pkt, size_t len);

#endif /* MPSCTP_CRC32C_H */
