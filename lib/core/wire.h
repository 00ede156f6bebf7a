/* Wire constants of RFC 9260 (chunk types, parameter types, error causes) and byte-order
 * helpers. */
#ifndef MPSCTP_WIRE_H
#define MPSCTP_WIRE_H

#include <stddef.h>
#include <stdint.h>

/* RFC 9260 s3.2: chunk types. */
enum {
    SCTP_DATA = 0,
    SCTP_INIT = 1,
    SCTP_INIT_ACK = 2,
    SCTP_SACK = 3,
    SCTP_HEARTBEAT = 4,
    SCTP_HEARTBEAT_ACK = 5,
    SCTP_ABORT = 6,
    SCTP_SHUTDOWN = 7,
    SCTP_SHUTDOWN_ACK = 8,
    SCTP_ERROR = 9,
    SCTP_COOKIE_ECHO = 10,
    SCTP_COOKIE_ACK = 11,
    SCTP_ECNE = 12,
    SCTP_CWR = 13,
    SCTP_SHUTDOWN_COMPLETE = 14,
    SCTP_NR_SACK = 16, /* draft-tuexen-tsvwg-sctp-multipath */
    /* RFC 8260 s2.1: I-DATA; s2.3: I-FORWARD-TSN (never offered: treated as an unknown
     * chunk type until PR-SCTP with I-DATA is negotiated). */
    SCTP_IDATA = 64,
    SCTP_I_FORWARD_TSN = 194,
    SCTP_FORWARD_TSN = 0xC0, /* RFC 3758 s3.2 (PR-SCTP) */
};

/* RFC 9260 s3.3: chunk flags. */
#define SCTP_DATA_E 0x01u
#define SCTP_DATA_B 0x02u
#define SCTP_DATA_U 0x04u
#define SCTP_DATA_I 0x08u
#define SCTP_FLAG_T 0x01u /* ABORT, SHUTDOWN COMPLETE: tag reflected */
/* CMT DAC (docs/cmt.md): SACK/NR-SACK flag bits 6-7 carry the DATA packets (1 or 2) a
 * SACK covers. */
#define SCTP_SACK_DAC_SHIFT 6

/* RFC 9260 s3.3.2.1: INIT/INIT ACK parameter types, s3.3.3.1: HEARTBEAT info. */
enum {
    SCTP_P_HEARTBEAT_INFO = 1,
    SCTP_P_IPV4 = 5,
    SCTP_P_IPV6 = 6,
    SCTP_P_STATE_COOKIE = 7,
    SCTP_P_UNRECOGNIZED = 8,
    SCTP_P_COOKIE_PRESERVATIVE = 9,
    SCTP_P_HOST_NAME = 11,
    SCTP_P_SUPPORTED_ADDR_TYPES = 12,
    SCTP_P_ECN_CAPABLE = 0x8000,
    SCTP_P_SUPPORTED_EXTENSIONS = 0x8008, /* RFC 5061 s4.2.7 */
    SCTP_P_FORWARD_TSN_SUPPORTED = 0xC000,
};

/* RFC 9260 s3.3.10: error cause codes. */
enum {
    SCTP_CAUSE_INVALID_STREAM = 1,
    SCTP_CAUSE_MISSING_PARAM = 2,
    SCTP_CAUSE_STALE_COOKIE = 3,
    SCTP_CAUSE_OUT_OF_RESOURCE = 4,
    SCTP_CAUSE_UNRESOLVABLE_ADDR = 5,
    SCTP_CAUSE_UNRECOGNIZED_CHUNK = 6,
    SCTP_CAUSE_INVALID_PARAM = 7,
    SCTP_CAUSE_UNRECOGNIZED_PARAMS = 8,
    SCTP_CAUSE_NO_USER_DATA = 9,
    SCTP_CAUSE_COOKIE_IN_SHUTDOWN = 10,
    SCTP_CAUSE_RESTART_NEW_ADDRS = 11,
    SCTP_CAUSE_USER_ABORT = 12,
    SCTP_CAUSE_PROTOCOL_VIOLATION = 13,
    /* UDP encapsulation (the RFC 6951 update on INITs for an existing association from
     * another UDP port): value = the packet's UDP source port, the association's. */
    SCTP_CAUSE_NEW_ENCAPS_PORT = 14,
};

/* RFC 6525 s3.1, s4: the RE-CONFIG chunk and its parameters. */
#define SCTP_RECONFIG 0x82
enum {
    SCTP_P_RECONF_OUT_RESET = 13,  /* Outgoing SSN Reset Request */
    SCTP_P_RECONF_IN_RESET = 14,   /* Incoming SSN Reset Request */
    SCTP_P_RECONF_TSN_RESET = 15,  /* SSN/TSN Reset Request */
    SCTP_P_RECONF_RESPONSE = 16,   /* Re-configuration Response */
    SCTP_P_RECONF_ADD_OUT = 17,    /* Add Outgoing Streams Request */
    SCTP_P_RECONF_ADD_IN = 18,     /* Add Incoming Streams Request */
};
/* RFC 6525 s4.4: Re-configuration Response results. */
enum {
    SCTP_RECONF_NOTHING = 0,     /* Success - Nothing to do */
    SCTP_RECONF_PERFORMED = 1,   /* Success - Performed */
    SCTP_RECONF_DENIED = 2,      /* Denied */
    SCTP_RECONF_WRONG_SSN = 3,   /* Error - Wrong SSN */
    SCTP_RECONF_BUSY = 4,        /* Error - Request already in progress */
    SCTP_RECONF_BAD_SEQ = 5,     /* Error - Bad Sequence Number */
    SCTP_RECONF_IN_PROGRESS = 6, /* In progress */
};

#define SCTP_COMMON_HDR_LEN 12
#define SCTP_CHUNK_HDR_LEN 4
#define SCTP_DATA_HDR_LEN 16 /* chunk header + TSN, SID, SSN, PPID */
#define SCTP_IDATA_HDR_LEN 20 /* chunk header + TSN, SID, reserved, MID, PPID/FSN */

static inline uint16_t get16(const uint8_t *p)
{
    return (uint16_t)((p[0] << 8) | p[1]);
}

static inline uint32_t get32(const uint8_t *p)
{
    return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) | ((uint32_t)p[2] << 8) | p[3];
}

static inline void put16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)(v >> 8);
    p[1] = (uint8_t)v;
}

static inline void put32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
}

/* Serial number arithmetic on 32-bit TSNs (RFC 1982 as RFC 9260 s1.6 uses it). */
static inline int tsn_lt(uint32_t a, uint32_t b)
{
    return (int32_t)(a - b) < 0;
}
static inline int tsn_le(uint32_t a, uint32_t b)
{
    return (int32_t)(a - b) <= 0;
}
static inline int tsn_gt(uint32_t a, uint32_t b)
{
    return (int32_t)(a - b) > 0;
}
static inline int tsn_ge(uint32_t a, uint32_t b)
{
    return (int32_t)(a - b) >= 0;
}
/* Same for 16-bit stream sequence numbers. */
static inline int ssn_lt(uint16_t a, uint16_t b)
{
    return (int16_t)(uint16_t)(a - b) < 0;
}

/* Rounds a length up to a multiple of 4 (chunk and parameter padding). */
static inline size_t pad4(size_t n)
{
    return (n + 3u) & ~(size_t)3u;
}

#endif
