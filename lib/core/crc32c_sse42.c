/* CRC32c kernel on the SSE4.2 CRC32 instruction. The build compiles this file alone with
 * -msse4.2; nothing here runs unless crc32c_hw_available() said the CPU has it. */
#include "crc32c.h"

#if defined(__x86_64__)

#include <nmmintrin.h>
#include <string.h>

int crc32c_hw_available(void)
{
    return __builtin_cpu_supports("sse4.2") ? 1 : 0;
}

/* The target attribute repeats what the build's -msse4.2 says, so the kernel compiles
 * the same way whatever flags this file gets. */
__attribute__((target("sse4.2"))) uint32_t crc32c_update_hw(uint32_t crc, const uint8_t *p,
                                                            size_t len)
{
    uint64_t c;

    /* The CRC32 instruction uses the same reflected Castagnoli polynomial and consumes
     * its operand least significant byte first, so little-endian words read from memory
     * give the same register as feeding the bytes one by one. */
    while (len > 0 && ((uintptr_t)p & 7) != 0) {
        crc = _mm_crc32_u8(crc, *p);
        p++;
        len--;
    }
    c = crc;
    while (len >= 32) {
        uint64_t w[4];
        memcpy(w, p, sizeof(w));
        c = _mm_crc32_u64(c, w[0]);
        c = _mm_crc32_u64(c, w[1]);
        c = _mm_crc32_u64(c, w[2]);
        c = _mm_crc32_u64(c, w[3]);
        p += 32;
        len -= 32;
    }
    while (len >= 8) {
        uint64_t w;
        memcpy(&w, p, sizeof(w));
        c = _mm_crc32_u64(c, w);
        p += 8;
        len -= 8;
    }
    crc = (uint32_t)c;
    while (len > 0) {
        crc = _mm_crc32_u8(crc, *p);
        p++;
        len--;
    }
    return crc;
}

#else /* no SSE4.2 on this CPU family: report it and keep the kernel callable */

int crc32c_hw_available(void)
{
    return 0;
}

uint32_t crc32c_update_hw(uint32_t crc, const uint8_t *p, size_t len)
{
    return crc32c_update_sw(crc, p, len);
}

#endif
