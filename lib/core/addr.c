/* Address scopes (RFC 9260 s5.1.2). */
#include <string.h>

#include "addr.h"

static addr_scope scope_v4(const uint8_t *ip)
{
    uint32_t v = (uint32_t)ip[0] << 24 | (uint32_t)ip[1] << 16 | (uint32_t)ip[2] << 8 | ip[3];
    if ((v >> 28) >= 0xe || (v >> 24) == 0)
        return ADDR_SCOPE_INVALID; /* 0/8, multicast 224/4, reserved 240/4, broadcast */
    if ((v >> 24) == 127)
        return ADDR_SCOPE_LOOPBACK;
    if ((v >> 16) == 0xa9fe)
        return ADDR_SCOPE_LINK;
    if ((v >> 24) == 10 || (v >> 20) == 0xac1 || (v >> 16) == 0xc0a8 ||
        (v >> 22) == (100u << 2 | 1u))
        return ADDR_SCOPE_PRIVATE;
    return ADDR_SCOPE_GLOBAL;
}

addr_scope addr_scope_of(const mpsctp_addr *a)
{
    if (a->family == MPSCTP_AF_INET)
        return scope_v4(a->ip);
    if (a->family != MPSCTP_AF_INET6)
        return ADDR_SCOPE_INVALID;
    static const uint8_t mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
    static const uint8_t zero[15] = {0};
    if (memcmp(a->ip, mapped, 12) == 0)
        return scope_v4(a->ip + 12);
    if (memcmp(a->ip, zero, 15) == 0)
        return a->ip[15] == 1 ? ADDR_SCOPE_LOOPBACK : ADDR_SCOPE_INVALID;
    if (a->ip[0] == 0xff)
        return ADDR_SCOPE_INVALID; /* multicast */
    if (a->ip[0] == 0xfe && (a->ip[1] & 0xc0) == 0x80)
        return ADDR_SCOPE_LINK;
    if ((a->ip[0] & 0xfe) == 0xfc)
        return ADDR_SCOPE_PRIVATE;
    return ADDR_SCOPE_GLOBAL;
}

int addr_same_ip(const mpsctp_addr *a, const mpsctp_addr *b)
{
    return a->family == b->family &&
           memcmp(a->ip, b->ip, a->family == MPSCTP_AF_INET ? 4 : 16) == 0;
}

int addr_usable_with(const mpsctp_addr *a, const mpsctp_addr *peer)
{
    addr_scope s = addr_scope_of(a), ps = addr_scope_of(peer);
    if (s == ADDR_SCOPE_INVALID)
        return 0;
    switch (s) {
    case ADDR_SCOPE_LOOPBACK:
        return ps == ADDR_SCOPE_LOOPBACK;
    case ADDR_SCOPE_LINK:
        return ps == ADDR_SCOPE_LINK || ps == ADDR_SCOPE_LOOPBACK;
    case ADDR_SCOPE_PRIVATE:
        return ps != ADDR_SCOPE_GLOBAL;
    default:
        return 1;
    }
}
