/* mpsctp-perf's messages on the wire and their checking on receipt (docs/perf.md, "Data
 * and verification").
 *
 * Every message goes with PPID 0 (unspecified), so that packet analysers do not take the
 * data for the telecom protocol registered for some PPID. The message's number on its
 * stream travels in the payload instead, in an 8-byte header:
 *
 *   bytes 0-3  m, the message's number on its stream (0, 1, 2, ...), least significant
 *              byte first
 *   bytes 4-6  "mpf"
 *   byte  7    flags: PERF_F_PATTERN the body is the pattern (else zeros, --no-verify);
 *              PERF_F_ECHO the sender wants its messages back (--echo); PERF_F_NOTICE a
 *              line of text from the server follows instead of data
 *   bytes 8-   the body: byte o of message m on stream s is interop_pattern(s, m, o)
 *              (tests/interop/interop_pattern.h)
 *
 * A message shorter than the header carries its first bytes: the low-order bytes of m,
 * from which the receiver restores m as the number nearest to the one it expects.
 *
 * The receiver also takes the format of tests/interop's peers (usrsctp_peer), which carry
 * m in the PPID and the pattern from byte 0 on; the first message received tells which
 * format the sender uses. */
#ifndef MPSCTP_PERF_MSG_H
#define MPSCTP_PERF_MSG_H

#include <stddef.h>
#include <stdint.h>

#include <mpsctp/socket.h>

#include "perf_streams.h"

#define PERF_HDR_LEN 8
#define PERF_F_PATTERN 0x01
#define PERF_F_ECHO 0x02
#define PERF_F_NOTICE 0x04
#define PERF_MSG_MAX (64u << 20)  /* the largest message (--msg-size) */
#define PERF_MAX_STREAMS 65535u

/* Writes message m of stream s, len bytes, into buf: the header with flags (its first len
 * bytes when len < PERF_HDR_LEN), then the pattern when flags has PERF_F_PATTERN. Without
 * it the body bytes are left as they are (the caller's zeros). */
void msg_fill(uint8_t *buf, size_t len, uint32_t s, uint32_t m, uint8_t flags);

/* Writes a notice carrying text (a header with PERF_F_NOTICE, then the text without its
 * NUL) into buf of cap bytes, cut to fit. Returns its length. */
size_t msg_notice(uint8_t *buf, size_t cap, const char *text);

/* When the whole message buf of n bytes is a notice, copies its text into text (cap
 * bytes, NUL-terminated) and returns 1; returns 0 for any other message. */
int msg_notice_text(const uint8_t *buf, size_t n, char *text, size_t cap);

/* Verification outcome: V_UNKNOWN before the first message, V_NONE counted only (not the
 * pattern, or checking off), V_FAIL a check failed, V_OK every check passed so far. */
enum { V_UNKNOWN = -2, V_NONE = -1, V_FAIL = 0, V_OK = 1 };

/* The sender's format, as the first message shows it. */
enum { FMT_UNKNOWN, FMT_HEADER, FMT_PPID, FMT_FOREIGN };

/* Receive side of one association (or one incarnation after a restart). */
typedef struct rxstate {
    int check;             /* check the data (else count only) */
    int verify;            /* V_* */
    int format;            /* FMT_* */
    int tentative;         /* FMT_HEADER taken from a message shorter than the header */
    int echo_wanted;       /* a message asked for the echo (PERF_F_ECHO) */
    int expect_unordered;  /* -1: from the first message */
    uint64_t bytes, messages;
    /* the message being received */
    int in_msg;
    uint32_t sid, m, ppid; /* ppid as on the wire (network byte order) */
    int m_known;
    int unordered;
    uint64_t off;
    uint8_t hdr[PERF_HDR_LEN];
    uint8_t *echo_buf;     /* keep: the message being assembled */
    size_t echo_cap;
    /* per stream: next ordered message number, count and highest number seen */
    uint32_t *next_m, *count, *max_m;
    uint32_t nstreams_seen;
    /* message sizes: all but one (the last) are equal */
    uint64_t size_a, n_a, size_b, n_b;
    stream_count streams;  /* bytes and messages per stream, verified or not */
    char error[200];
} rxstate;

/* Starts x; check 0 counts without checking. Returns 0, -1 out of memory. */
int rx_init(rxstate *x, int check);
/* Releases what x holds (x itself is the caller's). */
void rx_free(rxstate *x);

/* Takes the next n bytes of a message (ri: its receive info, NULL when the stack gave
 * none; eor: they end it) and checks them; keep: also assemble the message in echo_buf
 * (echo_buf[0..off) is the whole message once eor). Returns 0, -1 out of memory. */
int rx_part(rxstate *x, const uint8_t *buf, size_t n, const struct sctp_rcvinfo *ri, int eor,
            int keep);

/* The end of the data (graceful): checks that no message is missing or incomplete. */
void rx_finish(rxstate *x);

/* "true", "false" or "null" for verification outcome v. */
const char *verified_json(int v);

#endif
