/* mpsctp-perf: the message format and the checks of received messages (perf_msg.h). */
#define _GNU_SOURCE
#include "perf_msg.h"

#include <arpa/inet.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "interop_pattern.h"

static const uint8_t msg_magic[3] = {'m', 'p', 'f'};

void msg_fill(uint8_t *buf, size_t len, uint32_t s, uint32_t m, uint8_t flags)
{
    uint8_t h[PERF_HDR_LEN] = {(uint8_t)m, (uint8_t)(m >> 8), (uint8_t)(m >> 16),
                              (uint8_t)(m >> 24), msg_magic[0], msg_magic[1], msg_magic[2],
                              flags};
    memcpy(buf, h, len < PERF_HDR_LEN ? len : PERF_HDR_LEN);
    if ((flags & PERF_F_PATTERN) && len > PERF_HDR_LEN)
        interop_fill(buf + PERF_HDR_LEN, len - PERF_HDR_LEN, s, m, PERF_HDR_LEN);
}

size_t msg_notice(uint8_t *buf, size_t cap, const char *text)
{
    size_t n = strlen(text);
    if (cap < PERF_HDR_LEN)
        return 0;
    if (n > cap - PERF_HDR_LEN)
        n = cap - PERF_HDR_LEN;
    msg_fill(buf, PERF_HDR_LEN, 0, 0, PERF_F_NOTICE);
    memcpy(buf + PERF_HDR_LEN, text, n);
    return PERF_HDR_LEN + n;
}

int msg_notice_text(const uint8_t *buf, size_t n, char *text, size_t cap)
{
    if (n < PERF_HDR_LEN || memcmp(buf + 4, msg_magic, sizeof(msg_magic)) ||
        !(buf[7] & PERF_F_NOTICE) || cap == 0)
        return 0;
    size_t t = n - PERF_HDR_LEN < cap - 1 ? n - PERF_HDR_LEN : cap - 1;
    memcpy(text, buf + PERF_HDR_LEN, t);
    text[t] = 0;
    return 1;
}

/* ---- receiving ---------------------------------------------------------------------- */

int rx_init(rxstate *x, int check)
{
    memset(x, 0, sizeof(*x));
    x->check = check;
    x->verify = V_UNKNOWN;
    x->expect_unordered = -1;
    if (check) {
        x->next_m = calloc(PERF_MAX_STREAMS + 1, sizeof(uint32_t));
        x->count = calloc(PERF_MAX_STREAMS + 1, sizeof(uint32_t));
        x->max_m = calloc(PERF_MAX_STREAMS + 1, sizeof(uint32_t));
        if (!x->next_m || !x->count || !x->max_m)
            return -1;
    }
    return 0;
}

void rx_free(rxstate *x)
{
    free(x->next_m);
    free(x->count);
    free(x->max_m);
    free(x->echo_buf);
    streams_free(&x->streams);
}

static void rx_fail(rxstate *x, const char *fmt, ...)
{
    if (x->verify == V_FAIL)
        return;
    x->verify = V_FAIL;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(x->error, sizeof(x->error), fmt, ap);
    va_end(ap);
}

/* The first n bytes (the first part) of the first message: which format the sender
 * uses, and whether its data can be checked. */
static void rx_detect(rxstate *x, const uint8_t *buf, size_t n, int have_ri)
{
    int prefix = n < PERF_HDR_LEN && (n <= 4 || !memcmp(buf + 4, msg_magic, n - 4));
    if (n >= PERF_HDR_LEN && !memcmp(buf + 4, msg_magic, sizeof(msg_magic))) {
        x->format = FMT_HEADER;
        x->verify = x->check && (buf[7] & PERF_F_PATTERN) ? V_OK : V_NONE;
    } else if (have_ri && (n >= PERF_HDR_LEN || x->ppid) &&
               interop_check(buf, n, x->sid, ntohl(x->ppid), 0) == n) {
        x->format = FMT_PPID;
        x->verify = x->check ? V_OK : V_NONE;
    } else if (prefix) {
        /* only the message number (its low-order bytes): the header's flags come with
         * the first message that holds them */
        x->format = FMT_HEADER;
        x->tentative = 1;
        x->verify = x->check ? V_OK : V_NONE;
    } else {
        x->format = FMT_FOREIGN; /* another implementation's client: count only */
        x->verify = V_NONE;
    }
}

/* The bytes of a header-format message: collects the header, reads it once complete,
 * and checks the body against the pattern. */
static void rx_header_part(rxstate *x, const uint8_t *buf, size_t n)
{
    for (size_t i = 0; i < n && x->off + i < PERF_HDR_LEN; i++)
        x->hdr[x->off + i] = buf[i];
    if (x->off < PERF_HDR_LEN && x->off + n >= PERF_HDR_LEN) {
        const uint8_t *h = x->hdr;
        uint8_t flags = h[7];
        if (memcmp(h + 4, msg_magic, sizeof(msg_magic))) {
            if (x->verify == V_OK)
                rx_fail(x, "a message of stream %" PRIu32 " has no mpsctp-perf header", x->sid);
            return;
        }
        x->m = (uint32_t)h[0] | (uint32_t)h[1] << 8 | (uint32_t)h[2] << 16 |
               (uint32_t)h[3] << 24;
        x->m_known = 1;
        if (flags & PERF_F_ECHO)
            x->echo_wanted = 1;
        if (!(flags & PERF_F_PATTERN) && x->verify == V_OK) {
            if (x->tentative)
                x->verify = V_NONE; /* a --no-verify sender: count only */
            else
                rx_fail(x, "message %" PRIu32 " of stream %" PRIu32 " is not the pattern",
                        x->m, x->sid);
        }
        x->tentative = 0;
    }
    if (x->verify == V_OK && x->m_known && x->off + n > PERF_HDR_LEN) {
        size_t from = x->off >= PERF_HDR_LEN ? 0 : PERF_HDR_LEN - (size_t)x->off;
        size_t at = interop_check(buf + from, n - from, x->sid, x->m, x->off + from);
        if (at != n - from)
            rx_fail(x, "message %" PRIu32 " of stream %" PRIu32 " differs at byte %" PRIu64,
                    x->m, x->sid, x->off + from + at);
    }
}

/* A header-format message shorter than the header ended: checks the bytes of the header
 * it has and restores its number from the low-order bytes it carries, as the number of
 * that form nearest to the one expected on its stream. */
static void rx_short_message(rxstate *x)
{
    size_t len = (size_t)x->off;
    if (len > 4 && memcmp(x->hdr + 4, msg_magic, len - 4)) {
        rx_fail(x, "a message of stream %" PRIu32 " has no mpsctp-perf header", x->sid);
        return;
    }
    uint32_t low = 0;
    for (size_t i = 0; i < len && i < 4; i++)
        low |= (uint32_t)x->hdr[i] << (8 * i);
    if (len >= 4) {
        x->m = low;
    } else {
        uint32_t s = x->sid;
        int64_t ref = x->unordered ? (x->count[s] ? (int64_t)x->max_m[s] + 1 : 0)
                                   : (int64_t)x->next_m[s];
        int64_t win = (int64_t)1 << (8 * len);
        int64_t c = (ref & ~(win - 1)) | low;
        if (c + win / 2 < ref)
            c += win;
        else if (c - win / 2 > ref && c >= win)
            c -= win;
        x->m = (uint32_t)c;
    }
    x->m_known = 1;
}

/* A complete message: order, numbering and size. */
static void rx_count(rxstate *x)
{
    uint32_t s = x->sid;
    if (x->expect_unordered < 0)
        x->expect_unordered = x->unordered;
    if (x->unordered != x->expect_unordered)
        rx_fail(x, "message %" PRIu32 " of stream %" PRIu32 " has the wrong U flag", x->m, s);
    if (!x->unordered) {
        if (x->m != x->next_m[s])
            rx_fail(x, "stream %" PRIu32 ": ordered message %" PRIu32 " where %" PRIu32
                    " was due", s, x->m, x->next_m[s]);
        x->next_m[s] = x->m + 1;
    }
    if (x->count[s] == 0 && s + 1 > x->nstreams_seen)
        x->nstreams_seen = s + 1;
    x->count[s]++;
    if (x->m > x->max_m[s])
        x->max_m[s] = x->m;
    uint64_t sz = x->off;
    if (x->n_a == 0 || sz == x->size_a) {
        x->size_a = sz;
        x->n_a++;
    } else if (x->n_b == 0 || sz == x->size_b) {
        x->size_b = sz;
        x->n_b++;
    } else {
        rx_fail(x, "messages of three different sizes (%" PRIu64 ", %" PRIu64 ", %" PRIu64 ")",
                x->size_a, x->size_b, sz);
    }
}

int rx_part(rxstate *x, const uint8_t *buf, size_t n, const struct sctp_rcvinfo *ri, int eor,
            int keep)
{
    if (!x->in_msg) {
        x->in_msg = 1;
        x->sid = ri ? ri->rcv_sid : 0;
        x->ppid = ri ? ri->rcv_ppid : 0;
        x->unordered = ri && (ri->rcv_flags & SCTP_UNORDERED);
        x->off = 0;
        x->m = 0;
        x->m_known = 0;
        if (x->format == FMT_UNKNOWN)
            rx_detect(x, buf, n, ri != NULL);
        if (x->format == FMT_PPID) {
            x->m = ntohl(x->ppid);
            x->m_known = 1;
        }
    }
    if (x->format == FMT_HEADER) {
        rx_header_part(x, buf, n);
    } else if (x->format == FMT_PPID && x->verify == V_OK) {
        size_t at = interop_check(buf, n, x->sid, x->m, x->off);
        if (at != n)
            rx_fail(x, "message %" PRIu32 " of stream %" PRIu32 " differs at byte %" PRIu64,
                    x->m, x->sid, x->off + at);
    }
    if (keep) {
        if (x->off + n > x->echo_cap) {
            size_t cap = x->echo_cap ? x->echo_cap : 65536;
            while (cap < x->off + n)
                cap *= 2;
            uint8_t *nb = cap <= PERF_MSG_MAX ? realloc(x->echo_buf, cap) : NULL;
            if (!nb)
                return -1;
            x->echo_buf = nb;
            x->echo_cap = cap;
        }
        memcpy(x->echo_buf + x->off, buf, n);
    }
    x->off += n;
    x->bytes += n;
    if (streams_add(&x->streams, x->sid, n, eor ? 1 : 0) < 0)
        return -1;
    if (!eor)
        return 0;
    /* the message is complete */
    x->in_msg = 0;
    x->messages++;
    if (x->verify == V_OK && x->format == FMT_HEADER && x->off < PERF_HDR_LEN)
        rx_short_message(x);
    if (x->verify == V_OK)
        rx_count(x);
    return 0;
}

void rx_finish(rxstate *x)
{
    if (x->verify == V_UNKNOWN)
        x->verify = x->bytes || !x->check ? V_NONE : V_OK; /* nothing sent: nothing wrong */
    if (x->verify != V_OK)
        return;
    if (x->in_msg)
        rx_fail(x, "the last message is incomplete");
    for (uint32_t s = 0; s < x->nstreams_seen; s++)
        if (x->count[s] && x->count[s] != x->max_m[s] + 1)
            rx_fail(x, "stream %" PRIu32 ": %" PRIu32 " messages for numbers 0..%" PRIu32
                    " (lost or duplicated)", s, x->count[s], x->max_m[s]);
    /* the odd-sized message, if any, is the single short last one */
    if (x->n_a && x->n_b) {
        uint64_t big = x->size_a > x->size_b ? x->size_a : x->size_b;
        uint64_t nsmall = x->size_a > x->size_b ? x->n_b : x->n_a;
        if (nsmall != 1)
            rx_fail(x, "%" PRIu64 " messages shorter than %" PRIu64 " bytes", nsmall, big);
    }
}

const char *verified_json(int v)
{
    return v == V_OK ? "true" : v == V_FAIL ? "false" : "null";
}
