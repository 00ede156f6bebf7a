/*
 * mpsctp_pcap: packet traces in pcap format.
 *
 * Every SCTP packet handed to mpsctp_pcap_write is stored wrapped in a synthesized IPv4
 * (or IPv6) header and a UDP header (RFC 6951 encapsulation), with link type
 * LINKTYPE_RAW and nanosecond timestamps, so Wireshark/tshark decode it as SCTP over
 * UDP (port 9899 is SCTP's UDP tunnelling port in Wireshark). The UDP ports are the
 * udp_port of the two mpsctp_addr; a port of 0 (SCTP directly over IP) is written as
 * MPSCTP_PCAP_DEFAULT_UDP_PORT. IPv4 headers carry a correct header checksum and a UDP
 * checksum of 0 (allowed for IPv4); IPv6 packets carry a computed UDP checksum.
 *
 * A trace is safe to use from several threads at once (one mutex per trace); output is
 * buffered and reaches the file at the latest on mpsctp_pcap_flush or mpsctp_pcap_close.
 */
#ifndef MPSCTP_PCAP_H
#define MPSCTP_PCAP_H

#include <stddef.h>
#include <stdint.h>

#include <mpsctp/mpsctp.h>

#ifdef __cplusplus
extern "C" {
#endif

#define MPSCTP_PCAP_DEFAULT_UDP_PORT 9899
#define MPSCTP_PCAP_LINKTYPE_RAW 101

typedef struct mpsctp_pcap mpsctp_pcap;

/* Creates (truncates) the file at path and writes the pcap file header. Returns the
 * trace, or NULL with errno set when the file cannot be created or memory runs out. */
mpsctp_pcap *mpsctp_pcap_open(const char *path);

/* Appends one packet. dir is the core's trace direction: 0 received (remote -> local),
 * 1 sent (local -> remote). pkt/len is the SCTP packet (common header and chunks);
 * now is the time in ns (written as seconds and nanoseconds since the epoch of the
 * caller's clock). Returns 0, or -1 when an argument is invalid (NULL, len 0 or above 65507,
 * unknown address family) or the write failed; a failure is also remembered and
 * reported by mpsctp_pcap_close. */
int mpsctp_pcap_write(mpsctp_pcap *p, int dir, const uint8_t *pkt, size_t len,
                      const mpsctp_addr *local, const mpsctp_addr *remote,
                      mpsctp_tstamp now);

/* The core's trace callback (mpsctp_callbacks.trace) with user = the mpsctp_pcap *:
 * calls mpsctp_pcap_write and ignores its result. */
void mpsctp_pcap_trace_cb(void *user, int dir, const uint8_t *pkt, size_t len,
                          const mpsctp_addr *local, const mpsctp_addr *remote,
                          mpsctp_tstamp now);

/* Writes buffered records to the file. Returns 0, or -1 when a write failed. */
int mpsctp_pcap_flush(mpsctp_pcap *p);

/* Returns the number of packets written so far. */
uint64_t mpsctp_pcap_count(mpsctp_pcap *p);

/* Flushes and closes the file and frees the trace (NULL is ignored). Returns 0, or -1
 * when any write since mpsctp_pcap_open failed. */
int mpsctp_pcap_close(mpsctp_pcap *p);

#ifdef __cplusplus
}
#endif
#endif
