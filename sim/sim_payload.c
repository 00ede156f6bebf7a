/* sim_payload: message contents from a keyed 64-bit mix, one mix per 8 bytes. */
#include <sys/types.h>

#include "sim_payload.h"

#include <string.h>

#include "sim_rng.h"

/* One multiply-xorshift per 8 bytes: cheap, and every (message, offset) differs. */
static uint64_t payload_word(uint64_t key, uint64_t w)
{
    uint64_t v = (key + w) * 0x9e3779b97f4a7c15ull;
    return v ^ (v >> 29);
}

static uint64_t payload_key(uint64_t seed, uint64_t idx)
{
    return sim_rng_mix64(seed ^ sim_rng_mix64(idx + 0x632be59bd9b4e019ull));
}

static void payload_word_bytes(uint64_t v, uint8_t out[8])
{
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    memcpy(out, &v, 8);
#else
    for (int i = 0; i < 8; i++)
        out[i] = (uint8_t)(v >> (8 * i));
#endif
}

void sim_payload_fill(uint64_t seed, uint64_t idx, uint64_t off, uint8_t *buf, size_t len)
{
    uint64_t key = payload_key(seed, idx);
    uint8_t tmp[8];
    while (len > 0) {
        if (off % 8 == 0 && len >= 8) {
            uint64_t w = off / 8;
            size_t nw = len / 8;
            for (size_t i = 0; i < nw; i++)
                payload_word_bytes(payload_word(key, w + i), buf + 8 * i);
            buf += 8 * nw;
            off += 8 * nw;
            len -= 8 * nw;
            continue;
        }
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
        if (off % 8 == 0 && len - pos >= 8) {
            uint64_t w = off / 8;
            size_t nw = (len - pos) / 8;
            size_t i = 0;
            for (; i < nw; i++) {
                payload_word_bytes(payload_word(key, w + i), tmp);
                if (memcmp(buf + pos + 8 * i, tmp, 8) != 0)
                    break;
            }
            pos += 8 * i;
            off += 8 * i;
            if (i < nw) {
                for (size_t j = 0; j < 8; j++)
                    if (buf[pos + j] != tmp[j])
                        return (ssize_t)(pos + j);
            }
            continue;
        }
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
