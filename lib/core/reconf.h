/* Stream reconfiguration (RFC 6525): the RE-CONFIG chunk's requests and responses, as
 * requester and as responder. The state lives in a struct the association allocates the
 * first time it is needed, and only when both ends negotiated RE-CONFIG: an association
 * without it costs nothing per packet.
 *
 * Bounds (docs/api.md "Memory bounds"): one request of ours outstanding at a time (one
 * chunk of at most two requests); the peer's requests are processed one at a time in
 * sequence, the answers to its two latest kept for duplicates; a deferred incoming reset
 * holds one stream list of at most the inbound stream count; stream additions stop at
 * 65535 streams each way and at MPSCTP_RECONF_STREAM_MEM bytes of per-stream state. */
#ifndef MPSCTP_RECONF_H
#define MPSCTP_RECONF_H

#include <stdint.h>

#include "codec.h"
#include "mpsctp/mpsctp.h"
#include "sendq.h"

/* Bytes of per-stream state an association may hold for its streams, counted as
 * inbound streams x MPSCTP_RECONF_IN_STREAM_COST (the next SSN to deliver) plus outbound
 * streams x MPSCTP_RECONF_OUT_STREAM_COST (a send queue stream and its scheduler slot):
 * stream additions (ours or the peer's) beyond it are refused. */
#define MPSCTP_RECONF_STREAM_MEM (1024u * 1024u)
#define MPSCTP_RECONF_OUT_STREAM_COST ((uint32_t)(sizeof(sstream) + sizeof(uint16_t)))
#define MPSCTP_RECONF_IN_STREAM_COST ((uint32_t)sizeof(uint16_t))

typedef struct reconf reconf;

/* Frees the state of a (nothing when it has none). */
void reconf_free(mpsctp_assoc *a);

/* The association (re)starts its data state: request sequence numbers start at our and
 * the peer's initial TSNs (RFC 6525 s5.1.1); whatever was outstanding is dropped. */
void reconf_setup(mpsctp_assoc *a, uint32_t my_itsn, uint32_t peer_itsn);

/* Handles a RE-CONFIG chunk c that arrived on path pi (RFC 6525 s5.2). The caller has
 * checked that RE-CONFIG was negotiated. */
void reconf_recv(mpsctp_assoc *a, const sctp_tlv *c, int pi, mpsctp_tstamp now);

/* After the DATA of a packet: a deferred reset of inbound streams is carried out once the
 * cumulative TSN has reached the peer's last assigned TSN (RFC 6525 s5.2.2 E2). */
void reconf_rx_progress(mpsctp_assoc *a, mpsctp_tstamp now);

/* Returns 1 when DATA on inbound stream sid with TSN tsn must not be taken now: it
 * belongs after a deferred reset of that stream (RFC 6525 s5.2.2 E2). The caller drops
 * it unrecorded; the peer sends it again. */
int reconf_rx_hold(const mpsctp_assoc *a, uint16_t sid, uint32_t tsn);

/* Returns 1 when new messages of outbound stream sid must wait: a reset of it is under
 * way (RFC 6525 s5.1.2). */
int reconf_tx_blocked(const mpsctp_assoc *a, uint16_t sid);

/* Returns 1 when some outbound stream is blocked by a reset under way. */
int reconf_tx_blocking(const mpsctp_assoc *a);

/* The deadline of the request retransmission timer (NEVER when none runs). */
mpsctp_tstamp reconf_deadline(const mpsctp_assoc *a);

/* Runs the request retransmission timer when it has expired (RFC 6525 s5.1.1: the
 * request goes again after an RTO; each expiry counts as an error like a T3-rtx
 * expiry). */
void reconf_timeout(mpsctp_assoc *a, mpsctp_tstamp now);

/* Bytes of memory the state holds (for mpsctp_assoc_mem_get and tests). */
uint64_t reconf_mem(const mpsctp_assoc *a);
/* The most reconf_mem can reach for a's current stream counts: the state, our request
 * (a chunk of one packet and its stream lists), a deferred reset (a list of every
 * inbound stream and its bitmap) and the bitmap of outbound streams being reset. */
uint64_t reconf_mem_bound(const mpsctp_assoc *a);

#endif
