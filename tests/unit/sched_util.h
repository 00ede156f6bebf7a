/* Helpers of the stream scheduler unit tests (test_sched*.c): queue messages, take them
 * with or without a filter, and record which stream each came from. */
#ifndef TEST_SCHED_UTIL_H
#define TEST_SCHED_UTIL_H

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "mpsctp/mpsctp.h"
#include "sched.h"
#include "sendq.h"

/* Queues a len-byte message with ppid on stream sid; asserts success. */
static inline void su_push(sendq *q, uint16_t sid, size_t len, uint32_t ppid)
{
    static uint8_t buf[1 << 16];
    mpsctp_sndinfo si = {.sid = sid, .flags = 0, .ppid = ppid, .context = 0};
    assert_int_equal(sendq_push(q, buf, len, &si), 0);
}

/* sendq_pop_if filter: streams whose bit is set in *(uint64_t *)ctx. */
static inline int su_in_mask(void *ctx, const smsg *head)
{
    return (int)((*(const uint64_t *)ctx >> head->sid) & 1u);
}

/* Takes the next message (of the streams in mask; all when mask is ~0), releases its
 * bytes and frees it. Returns its stream, or -1 when none was given out; *ppid and *len
 * (when not NULL) receive the message's. */
static inline int su_pop(sendq *q, uint64_t mask, uint32_t *ppid, uint32_t *len)
{
    smsg *m = mask == ~0ull ? sendq_pop(q) : sendq_pop_if(q, su_in_mask, &mask);
    if (!m)
        return -1;
    int sid = m->sid;
    if (ppid)
        *ppid = m->ppid;
    if (len)
        *len = m->len;
    sendq_release(q, m->sid, m->len);
    sendq_msg_free(q, m);
    return sid;
}

/* A queue of n streams with a large limit and scheduler id. */
static inline void su_init(sendq *q, uint16_t n, uint32_t id)
{
    sendq_init(q, n, 64u << 20);
    assert_int_equal(sendq_set_sched(q, id), 0);
    assert_int_equal(sendq_get_sched(q), id);
}

#endif
