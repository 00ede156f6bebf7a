/* Address scoping for the address lists of INIT and INIT ACK (RFC 9260 s5.1.2): which of
 * our addresses may be offered to a peer, and which offered addresses we may use. */
#ifndef MPSCTP_ADDR_H
#define MPSCTP_ADDR_H

#include "mpsctp/mpsctp.h"

typedef enum addr_scope {
    ADDR_SCOPE_INVALID = 0, /* unspecified, multicast, broadcast: never a path */
    ADDR_SCOPE_LOOPBACK,    /* 127/8, ::1 */
    ADDR_SCOPE_LINK,        /* 169.254/16, fe80::/10 */
    ADDR_SCOPE_PRIVATE,     /* 10/8, 172.16/12, 192.168/16, 100.64/10, fc00::/7 */
    ADDR_SCOPE_GLOBAL,
} addr_scope;

/* Returns the scope of a's IP address (family MPSCTP_AF_INET or MPSCTP_AF_INET6; an
 * IPv4-mapped IPv6 address is scoped as its IPv4 address). */
addr_scope addr_scope_of(const mpsctp_addr *a);

/* Returns 1 when a and b have the same family and IP address (UDP ports aside: RFC 6951
 * s5 keeps the encapsulation port per destination, not as part of its identity). */
int addr_same_ip(const mpsctp_addr *a, const mpsctp_addr *b);

/* RFC 9260 s5.1.2: returns 1 when address a may be used to reach (or be reached from) a
 * peer whose address is peer: a is valid, loopback only towards loopback, link-local
 * only towards link-local or loopback, private not towards a global peer. */
int addr_usable_with(const mpsctp_addr *a, const mpsctp_addr *peer);

#endif
