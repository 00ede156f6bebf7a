/* A hash index of an endpoint's associations for packet demultiplexing (RFC 9260 s8.5):
 * entries are filed under a key (kind, peer SCTP port, a verification tag or a peer IP
 * address) and found in constant expected time, whatever the number of associations.
 *
 * The index is intrusive: every owner (an association) embeds the links it is filed
 * under, so filing never allocates; only the bucket array does, and growing it may fail
 * without harm (chains get longer). The bucket of a key comes from a keyed hash
 * (SipHash-1-3 with a per-endpoint secret key), so a peer that picks tags and addresses
 * cannot aim many entries at one chain. */
#ifndef MPSCTP_ASSOC_INDEX_H
#define MPSCTP_ASSOC_INDEX_H

#include <stddef.h>
#include <stdint.h>

#include "mpsctp/mpsctp.h"

/* Kinds of key. */
enum {
    AIDX_TAG = 1,  /* our verification tag: every packet of an association carries it */
    AIDX_PEER_TAG, /* the peer's tag: T-bit ABORT and SHUTDOWN COMPLETE (s8.5.1) carry it */
    AIDX_ADDR,     /* a confirmed peer address: INIT, COOKIE ECHO, OOTB handling (s8.4) */
};

/* What an entry is filed under. Fields a kind does not use are zero. */
typedef struct aidx_key {
    uint8_t kind;
    uint8_t family; /* AIDX_ADDR: MPSCTP_AF_INET or MPSCTP_AF_INET6 */
    uint16_t port;  /* the peer's SCTP port */
    uint32_t tag;   /* AIDX_TAG, AIDX_PEER_TAG */
    uint8_t ip[16]; /* AIDX_ADDR: the IP address (UDP port aside) */
} aidx_key;

/* One entry, embedded in its owner. */
typedef struct aidx_link {
    struct aidx_link *next;
    struct aidx_link **pprev; /* NULL while the entry is not filed */
    mpsctp_assoc *owner;
    uint64_t hash;
    aidx_key key;
} aidx_link;

#define AIDX_MIN_BUCKETS 16u

typedef struct assoc_index {
    aidx_link **b;   /* buckets: first, AIDX_MIN_BUCKETS of them */
    uint32_t mask;   /* buckets - 1 */
    uint32_t n;      /* entries filed */
    uint64_t k0, k1; /* hash key */
    aidx_link *first[AIDX_MIN_BUCKETS];
} assoc_index;

/* Sets up an empty index whose hash key is derived from seed[0..len-1] (secret bytes).
 * Allocates nothing: the first buckets are part of *x, which must not move while entries
 * are filed. */
void assoc_index_init(assoc_index *x, const uint8_t *seed, size_t len);

/* Releases the bucket array. Entries still filed are forgotten (their links are left as
 * they are: the owners must not use this index afterwards). */
void assoc_index_free(assoc_index *x);

/* Files entry l of owner under key k. When l is already filed under k nothing happens;
 * when it is filed under another key it moves. Never fails: when the bucket array cannot
 * grow (no memory) the chains get longer. */
void assoc_index_put(assoc_index *x, aidx_link *l, mpsctp_assoc *owner, const aidx_key *k);

/* Takes entry l out of the index; nothing happens when it is not filed. */
void assoc_index_del(assoc_index *x, aidx_link *l);

/* Returns 1 when entry l is filed, else 0. */
static inline int assoc_index_filed(const aidx_link *l)
{
    return l->pprev != NULL;
}

/* Returns the first entry filed under k after prev (NULL: from the start), or NULL when
 * there is none. Iterating this way visits every entry filed under k once, newest
 * first, as long as the index does not change meanwhile. */
aidx_link *assoc_index_next(const assoc_index *x, const aidx_key *k, const aidx_link *prev);

/* Fills *k with a key of kind AIDX_TAG or AIDX_PEER_TAG. */
void assoc_index_tag_key(aidx_key *k, uint8_t kind, uint32_t tag, uint16_t port);

/* Fills *k with the AIDX_ADDR key of IP address addr (its UDP port does not count) and
 * peer SCTP port port. */
void assoc_index_addr_key(aidx_key *k, const mpsctp_addr *addr, uint16_t port);

/* Returns the length of the longest chain (for tests and benchmarks). */
uint32_t assoc_index_longest_chain(const assoc_index *x);

#endif
