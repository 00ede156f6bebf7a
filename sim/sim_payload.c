/* sim_payload: message contents from a keyed 64-bit mix, one mix per 8 bytes. */
#include <sys/types.h>

#include "sim_payload.h"

#include <string.h>

#include "sim_rng.h"

static uint64_t payload_word(uint64_t key, uint64_t w)
{
    return sim_rng_mix64(key ^ (w * 0xd1b54a32d192ed03ull));
}

static uint64_t payload_key(uint64_t seed, uint64_t idx)
{
    return sim_rng_mix64(seed ^ sim_rng_mix64(idx + 0x632be59bd9b4e019ull));
}

static void payload_word_bytes(uint64_t v, uint8_t out[8])
{
    for (int i = 0; i < 8; i++)
        out[i] = (uint8_t)(v >> (8 * i));
}

void sim_payload_fill(uint64_t seed, uint64_t idx, uint64_t off, uint8_t *buf, size_t len)
{
    uint64_t key = payload_key(seed, idx);
    uint8_t tmp[8];
    while (len > 0) {
        uint64_t w = off / 8;
        size_t in = (size_t)(off % 8);
        payload_word_bytes(payload_word(key, w), tmp);
        size_t n = 8 - in;
        if (n > len)
            n = len;
        memcpy(buf, tmp + in, n);
        buf += n;
        off += n;
        len -= n;
    }
}

ssize_t sim_payload_check(uint64_t seed, uint64_t idx, uint64_t off, const uint8_t *buf,
                          size_t len)
{
    uint64_t key = payload_key(seed, idx);
    uint8_t tmp[8];
    size_t pos = 0;
    while (pos < len) {
        uint64_t w = off / 8;
        size_t in = (size_t)(off % 8);
        payload_word_bytes(payload_word(key, w), tmp);
        size_t n = 8 - in;
        if (n > len - pos)
            n = len - pos;
        if (memcmp(buf + pos, tmp + in, n) != 0) {
            for (size_t i = 0; i < n; i++)
                if (buf[pos + i] != tmp[in + i])
                    return (ssize_t)(pos + i);
        }
        pos += n;
        off += n;
    }
    return -1;
}
