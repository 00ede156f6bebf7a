/* SCTP_SQINFO (draft-dreibholz-tsvwg-sctpsocket-sqinfo) and MPSCTP_PATH_SELECT over the sockets API: every SQINFO
 * error case on one-to-one and one-to-many sockets (short buffer, optlen below the
 * header, a larger buffer, SCTP_FUTURE/CURRENT/ALL_ASSOC, unknown ids, no association,
 * setsockopt); exact per-stream numbers while a caller-driven sender holds its data; the
 * snapshot invariant sum(per stream) == total <= limit sampled during a transfer on four
 * streams, down to 0 at SCTP_SENDER_DRY; and a two-path transfer with CMT and stream
 * mapping on, checked byte by byte per stream and by the path each stream's new data
 * took. The set/get rules MPSCTP_PATH_SELECT shares with the other CMT options run in
 * test_api_cmt.c (its option table); test_path_select adds what is its own. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "api_util.h"

#define HDR ((socklen_t)sizeof(struct sctp_sndqueueinfo))
#define ENTRY ((socklen_t)sizeof(uint32_t))
#define MAXS 64
#define CANARY 0xa5

/* An SQINFO buffer with room for MAXS entries, filled with CANARY. */
typedef union sqbuf {
    struct sctp_sndqueueinfo q;
    uint8_t raw[sizeof(struct sctp_sndqueueinfo) + MAXS * sizeof(uint32_t)];
} sqbuf;

static int sq_get(int sd, sctp_assoc_t id, sqbuf *b, socklen_t *len)
{
    memset(b, CANARY, sizeof(*b));
    b->q.sq_assoc_id = id;
    return mpsctp_getsockopt(sd, IPPROTO_SCTP, SCTP_SQINFO, b, len);
}

/* A successful SQINFO with room for MAXS entries; checks the invariant and the length. */
static struct sctp_sndqueueinfo sq_ok(int sd, sctp_assoc_t id, sqbuf *b)
{
    socklen_t len = (socklen_t)sizeof(*b);
    assert_int_equal(sq_get(sd, id, b, &len), 0);
    assert_int_equal(len, HDR + b->q.sq_number_of_streams * ENTRY);
    uint64_t sum = 0;
    for (uint32_t s = 0; s < b->q.sq_number_of_streams; s++)
        sum += b->q.sq_queued_on_stream[s];
    assert_int_equal(sum, b->q.sq_total_queued);
    assert_true(b->q.sq_total_queued <= b->q.sq_queue_limit);
    return b->q;
}

/* The call fails with e and leaves the buffer (id set, the rest CANARY) and optlen as
 * they were. */
static void sq_fails(int sd, sctp_assoc_t id, socklen_t len, int e)
{
    sqbuf b, before;
    socklen_t l = len;
    memset(&before, CANARY, sizeof(before));
    before.q.sq_assoc_id = id;
    EXPECT_ERR(sq_get(sd, id, &b, &l), e);
    assert_memory_equal(&b, &before, sizeof(b));
    assert_int_equal(l, len);
}

/* The buffer-size cases for an association with n outgoing streams: one entry short,
 * no entries, part of the header, nothing: EINVAL, untouched; exact and larger: filled
 * up to the last stream, the rest untouched. */
static void sq_sizes(int sd, sctp_assoc_t id, uint32_t n)
{
    sq_fails(sd, id, HDR + (n - 1) * ENTRY, EINVAL);
    sq_fails(sd, id, HDR + n * ENTRY - 1, EINVAL);
    sq_fails(sd, id, HDR, EINVAL);
    sq_fails(sd, id, HDR - 1, EINVAL);
    sq_fails(sd, id, 0, EINVAL);
    for (uint32_t extra = 0; extra <= 3; extra += 3) {
        sqbuf b;
        socklen_t len = HDR + (n + extra) * ENTRY + 2;
        assert_int_equal(sq_get(sd, id, &b, &len), 0);
        assert_int_equal(len, HDR + n * ENTRY);
        assert_int_equal(b.q.sq_number_of_streams, n);
        for (size_t k = len; k < sizeof(b); k++)
            assert_int_equal(b.raw[k], CANARY);
    }
}

/* The same through a buffer one byte off uint32_t alignment (the stack then fills the
 * entries through a copy): equal to the aligned answer b; one entry short: EINVAL, and
 * neither the buffer nor optlen changes. */
static void sq_unaligned(int sd, sctp_assoc_t id, const sqbuf *b)
{
    static uint8_t raw[1 + sizeof(sqbuf)];
    uint32_t n = b->q.sq_number_of_streams;
    socklen_t want = HDR + n * ENTRY, len = (socklen_t)sizeof(sqbuf);
    memset(raw, CANARY, sizeof(raw));
    memcpy(raw + 1, &id, sizeof(id));
    assert_int_equal(mpsctp_getsockopt(sd, IPPROTO_SCTP, SCTP_SQINFO, raw + 1, &len), 0);
    assert_int_equal(len, want);
    assert_memory_equal(raw + 1, b, want);
    for (size_t k = 1 + want; k < sizeof(raw); k++)
        assert_int_equal(raw[k], CANARY);
    memset(raw, CANARY, sizeof(raw));
    memcpy(raw + 1, &id, sizeof(id));
    len = want - ENTRY;
    EXPECT_ERR(mpsctp_getsockopt(sd, IPPROTO_SCTP, SCTP_SQINFO, raw + 1, &len), EINVAL);
    assert_int_equal(len, want - ENTRY);
    for (size_t k = 1 + sizeof(id); k < sizeof(raw); k++)
        assert_int_equal(raw[k], CANARY);
}

static void sq_set_fails(int sd, sctp_assoc_t id)
{
    sqbuf b;
    memset(&b, 0, sizeof(b));
    b.q.sq_assoc_id = id;
    EXPECT_ERR(mpsctp_setsockopt(sd, IPPROTO_SCTP, SCTP_SQINFO, &b, sizeof(b)), ENOPROTOOPT);
}

static void set_streams(int sd, uint16_t out, uint16_t in)
{
    struct sctp_initmsg m = {.sinit_num_ostreams = out, .sinit_max_instreams = in};
    assert_int_equal(mpsctp_setsockopt(sd, IPPROTO_SCTP, SCTP_INITMSG, &m, sizeof(m)), 0);
}

static void set_sndbuf(int sd, int v)
{
    assert_int_equal(mpsctp_setsockopt(sd, SOL_SOCKET, SO_SNDBUF, &v, sizeof(v)), 0);
}

static uint16_t outstreams(int sd, sctp_assoc_t id)
{
    struct sctp_status st = {.sstat_assoc_id = id};
    socklen_t len = sizeof(st);
    assert_int_equal(mpsctp_getsockopt(sd, IPPROTO_SCTP, SCTP_STATUS, &st, &len), 0);
    return st.sstat_outstrms;
}

static void send_on(int sd, uint16_t sid, size_t n)
{
    static uint8_t buf[1 << 16];
    struct sctp_sndinfo si = {.snd_sid = sid};
    struct iovec iov = {buf, n};
    assert_int_equal(mpsctp_sendv(sd, &iov, 1, NULL, 0, &si, sizeof(si), SCTP_SENDV_SNDINFO, 0),
                     (ssize_t)n);
}

/* ---- one-to-one ------------------------------------------------------------------------ */

/* No association: ENOTCONN (any id, a listener too); then every size case on both ends
 * (client 5 outgoing streams, server 3); any id names the association; setsockopt
 * ENOPROTOOPT throughout. The client's stack is caller-driven, so what it sends stays
 * queued until the test drives it: the per-stream numbers are exact, and they return to
 * 0 once the stack has run until the peer acknowledged everything. */
static void test_one_to_one(void **state)
{
    (void)state;
    mpsctp_stack *a = ut_stack(1), *b = ut_stack(0);
    int ls = ut_listener(b, SOCK_STREAM, 7401);
    set_streams(ls, 3, 10);
    int c = ut_client(a, SOCK_STREAM, b);
    set_streams(c, 5, 10);
    set_sndbuf(c, 100000);
    const sctp_assoc_t ids[] = {SCTP_FUTURE_ASSOC, SCTP_CURRENT_ASSOC, SCTP_ALL_ASSOC, 4242};
    for (int k = 0; k < 4; k++) {
        sq_fails(c, ids[k], sizeof(sqbuf), ENOTCONN);
        sq_fails(ls, ids[k], sizeof(sqbuf), ENOTCONN);
        sq_set_fails(c, ids[k]);
    }
    /* optlen below the header is EINVAL whether or not there is an association. */
    sq_fails(c, 0, HDR - 1, EINVAL);
    struct sockaddr_in sa = ut_sin(7401);
    assert_int_equal(mpsctp_connect(c, (struct sockaddr *)&sa, sizeof(sa)), 0);
    int s = mpsctp_accept(ls, NULL, NULL);
    assert_true(s >= 0);
    assert_int_equal(outstreams(c, 0), 5);
    assert_int_equal(outstreams(s, 0), 3);
    for (int k = 0; k < 4; k++) {
        sqbuf qb;
        struct sctp_sndqueueinfo q = sq_ok(c, ids[k], &qb);
        assert_int_equal(q.sq_number_of_streams, 5);
        assert_int_equal(q.sq_queue_limit, 100000);
        assert_int_equal(q.sq_total_queued, 0);
        q = sq_ok(s, ids[k], &qb);
        assert_int_equal(q.sq_number_of_streams, 3);
        sq_set_fails(c, ids[k]);
        sq_set_fails(s, ids[k]);
    }
    sq_sizes(c, 4242, 5);
    sq_sizes(s, SCTP_ALL_ASSOC, 3);
    /* Queued without being driven: exact numbers per stream. */
    const uint32_t sizes[5] = {1000, 0, 3000, 17, 40000};
    uint32_t want = 0;
    for (uint16_t sid = 0; sid < 5; sid++)
        if (sizes[sid]) {
            send_on(c, sid, sizes[sid]);
            want += sizes[sid];
        }
    sqbuf qb;
    struct sctp_sndqueueinfo q = sq_ok(c, 0, &qb);
    assert_int_equal(q.sq_total_queued, want);
    for (uint16_t sid = 0; sid < 5; sid++)
        assert_int_equal(qb.q.sq_queued_on_stream[sid], sizes[sid]);
    /* The buffer checks hold with data queued too, in an unaligned buffer as well. */
    sq_sizes(c, 0, 5);
    sq_unaligned(c, 0, &qb);
    /* A smaller SO_SNDBUF is the new limit. */
    set_sndbuf(c, 60000);
    assert_int_equal(sq_ok(c, 0, &qb).sq_queue_limit, 60000);
    /* Drive the sender until the receiver acknowledged it all. */
    double until = ut_now() + 5;
    while (sq_ok(c, 0, &qb).sq_total_queued && ut_now() < until)
        mpsctp_stack_process(a, 10);
    assert_int_equal(qb.q.sq_total_queued, 0);
    for (uint16_t sid = 0; sid < 5; sid++)
        assert_int_equal(qb.q.sq_queued_on_stream[sid], 0);
    /* After the association is gone: ENOTCONN again. */
    struct linger l = {1, 0};
    assert_int_equal(mpsctp_setsockopt(s, SOL_SOCKET, SO_LINGER, &l, sizeof(l)), 0);
    mpsctp_close(s);
    until = ut_now() + 5;
    socklen_t len = sizeof(qb);
    while (sq_get(c, 0, &qb, &len) == 0 && ut_now() < until) {
        mpsctp_stack_process(a, 10);
        len = sizeof(qb);
    }
    sq_fails(c, 0, sizeof(sqbuf), ENOTCONN);
    const int sds[] = {c, ls};
    ut_down(a, b, sds, 2);
}

/* SO_SNDBUF lowered below what is queued: the new limit applies to new sends (EAGAIN
 * until the queue has drained to it, EMSGSIZE above it); nothing queued is dropped; every
 * SQINFO snapshot keeps total <= limit, the limit reading as the bytes queued until they
 * have drained below the new SO_SNDBUF, then as SO_SNDBUF. */
static void test_sndbuf_lowered_mid_transfer(void **state)
{
    (void)state;
    mpsctp_stack *a = ut_stack(1), *b = ut_stack(0);
    int ls = ut_listener(b, SOCK_STREAM, 7402);
    int c = ut_client(a, SOCK_STREAM, b);
    set_sndbuf(c, 100000);
    struct sockaddr_in sa = ut_sin(7402);
    assert_int_equal(mpsctp_connect(c, (struct sockaddr *)&sa, sizeof(sa)), 0);
    int s = mpsctp_accept(ls, NULL, NULL);
    assert_true(s >= 0);
    send_on(c, 0, 40000);
    send_on(c, 1, 40000);
    set_sndbuf(c, 30000);
    int v = 0;
    socklen_t vl = sizeof(v);
    assert_int_equal(mpsctp_getsockopt(c, SOL_SOCKET, SO_SNDBUF, &v, &vl), 0);
    assert_int_equal(v, 30000);
    sqbuf qb;
    struct sctp_sndqueueinfo q = sq_ok(c, 0, &qb);
    printf("# SO_SNDBUF 30000 with %u queued: sq_queue_limit %u\n", q.sq_total_queued,
           q.sq_queue_limit);
    assert_int_equal(q.sq_total_queued, 80000);
    assert_int_equal(q.sq_queue_limit, 80000);
    static uint8_t buf[40000];
    struct iovec iov = {buf, 1000};
    EXPECT_ERR(mpsctp_sendv(c, &iov, 1, NULL, 0, NULL, 0, SCTP_SENDV_NOINFO, MSG_DONTWAIT),
               EAGAIN);
    iov.iov_len = 30001;
    EXPECT_ERR(mpsctp_sendv(c, &iov, 1, NULL, 0, NULL, 0, SCTP_SENDV_NOINFO, MSG_DONTWAIT),
               EMSGSIZE);
    /* Drive the sender: every sample keeps the invariant (sq_ok) and reads the limit as
     * the larger of SO_SNDBUF and what is queued. */
    double until = ut_now() + 5;
    unsigned samples = 0;
    while ((q = sq_ok(c, 0, &qb)).sq_total_queued && ut_now() < until) {
        uint32_t want = q.sq_total_queued > 30000 ? q.sq_total_queued : 30000;
        assert_int_equal(q.sq_queue_limit, want);
        samples++;
        mpsctp_stack_process(a, 1);
    }
    assert_int_equal(q.sq_total_queued, 0);
    assert_int_equal(q.sq_queue_limit, 30000);
    assert_true(samples > 1);
    /* Now the new limit holds for new sends. */
    iov.iov_len = 20000;
    assert_int_equal(
        mpsctp_sendv(c, &iov, 1, NULL, 0, NULL, 0, SCTP_SENDV_NOINFO, MSG_DONTWAIT), 20000);
    iov.iov_len = 10001;
    EXPECT_ERR(mpsctp_sendv(c, &iov, 1, NULL, 0, NULL, 0, SCTP_SENDV_NOINFO, MSG_DONTWAIT),
               EAGAIN);
    q = sq_ok(c, 0, &qb);
    assert_int_equal(q.sq_queue_limit, 30000);
    const int sds[] = {s, c, ls};
    ut_down(a, b, sds, 3);
}

/* ---- one-to-many ----------------------------------------------------------------------- */

/* A one-to-many server with two associations of different stream counts (clients that
 * accept 7 and 3 incoming streams): a real id names its own; FUTURE, CURRENT, ALL
 * EINVAL; unknown ids ENOENT (also an id once its association has ended); no
 * association at all: ENOENT; every size case; setsockopt ENOPROTOOPT. */
static void test_one_to_many(void **state)
{
    (void)state;
    mpsctp_stack *a = ut_stack(0), *b = ut_stack(0);
    int m = ut_listener(b, SOCK_SEQPACKET, 7411);
    ut_event(m, SCTP_ASSOC_CHANGE);
    set_streams(m, 10, 10);
    const sctp_assoc_t special[] = {SCTP_FUTURE_ASSOC, SCTP_CURRENT_ASSOC, SCTP_ALL_ASSOC};
    const sctp_assoc_t unknown[] = {4242, -5, 3};
    for (int k = 0; k < 3; k++) {
        sq_fails(m, special[k], sizeof(sqbuf), EINVAL);
        sq_fails(m, unknown[k], sizeof(sqbuf), ENOENT);
        sq_set_fails(m, special[k]);
    }
    int c1 = ut_client(a, SOCK_STREAM, b), c2 = ut_client(a, SOCK_STREAM, b);
    set_streams(c1, 10, 7);
    set_streams(c2, 10, 3);
    struct sockaddr_in sa = ut_sin(7411);
    assert_int_equal(mpsctp_connect(c1, (struct sockaddr *)&sa, sizeof(sa)), 0);
    sctp_assoc_t id1 = ut_wait_up(m);
    assert_int_equal(mpsctp_connect(c2, (struct sockaddr *)&sa, sizeof(sa)), 0);
    sctp_assoc_t id2 = ut_wait_up(m);
    sqbuf qb;
    assert_int_equal(sq_ok(m, id1, &qb).sq_number_of_streams, 7);
    assert_int_equal(qb.q.sq_assoc_id, id1);
    assert_int_equal(sq_ok(m, id2, &qb).sq_number_of_streams, 3);
    assert_int_equal(qb.q.sq_assoc_id, id2);
    assert_int_equal(outstreams(m, id1), 7);
    for (int k = 0; k < 3; k++) {
        sq_fails(m, special[k], sizeof(sqbuf), EINVAL);
        sq_fails(m, unknown[k] == 3 ? id2 + 1000 : unknown[k], sizeof(sqbuf), ENOENT);
        sq_set_fails(m, special[k]);
        sq_set_fails(m, id1);
    }
    sq_sizes(m, id1, 7);
    sq_sizes(m, id2, 3);
    /* A buffer big enough for id2 but not for id1. */
    sq_fails(m, id1, HDR + 3 * ENTRY, EINVAL);
    /* The client side of a one-to-many socket. */
    int mc = ut_client(a, SOCK_SEQPACKET, b);
    ut_event(mc, SCTP_ASSOC_CHANGE);
    sctp_assoc_t mcid = 0;
    assert_int_equal(mpsctp_connectx(mc, (struct sockaddr *)&sa, 1, &mcid), 0);
    assert_int_equal(ut_wait_up(mc), mcid);
    (void)ut_wait_up(m);
    assert_int_equal(sq_ok(mc, mcid, &qb).sq_number_of_streams, outstreams(mc, mcid));
    sq_fails(mc, SCTP_FUTURE_ASSOC, sizeof(sqbuf), EINVAL);
    sq_fails(mc, mcid + 1, sizeof(sqbuf), ENOENT);
    /* An association that ended: its id is unknown. */
    mpsctp_close(c1);
    struct sctp_assoc_change ac;
    assert_int_equal(ut_wait_notification(m, SCTP_ASSOC_CHANGE, &ac, sizeof(ac)), 0);
    assert_int_equal(ac.sac_assoc_id, id1);
    sq_fails(m, id1, sizeof(sqbuf), ENOENT);
    assert_int_equal(sq_ok(m, id2, &qb).sq_number_of_streams, 3);
    const int sds[] = {mc, c2, m};
    ut_down(a, b, sds, 3);
}

/* ---- the snapshot during a transfer ----------------------------------------------------- */

#define STREAMS 4
#define MSGS 6000

/* Message i goes on stream i % STREAMS; it is 1..8000 bytes long and carries its number
 * per stream and a pattern, so the receiver checks order and content per stream. */
static size_t msg_len(uint32_t i)
{
    return 1 + (i * 2654435761u) % 8000;
}

static uint8_t pattern(uint32_t seq, uint16_t sid, size_t k)
{
    return (uint8_t)(seq * 131u + sid * 17u + k * 7u + (k >> 8));
}

static void fill(uint8_t *buf, uint32_t seq, uint16_t sid, size_t n)
{
    for (size_t k = 0; k < n; k++)
        buf[k] = pattern(seq, sid, k);
    if (n >= sizeof(seq))
        memcpy(buf, &seq, sizeof(seq));
}

typedef struct sender {
    int sd;
    uint32_t msgs;
    uint16_t streams;
    int err;
    volatile int done;
} sender;

static void *send_all(void *arg)
{
    sender *s = arg;
    static uint8_t buf[8192];
    uint32_t seq[STREAMS] = {0};
    for (uint32_t i = 0; i < s->msgs; i++) {
        uint16_t sid = (uint16_t)(i % s->streams);
        size_t n = msg_len(i);
        fill(buf, seq[sid]++, sid, n);
        struct sctp_sndinfo si = {.snd_sid = sid};
        struct iovec iov = {buf, n};
        if (mpsctp_sendv(s->sd, &iov, 1, NULL, 0, &si, sizeof(si), SCTP_SENDV_SNDINFO, 0) !=
            (ssize_t)n) {
            s->err = errno;
            break;
        }
    }
    __atomic_store_n(&s->done, 1, __ATOMIC_SEQ_CST);
    return NULL;
}

/* Receives msgs messages on sd in STREAMS streams; every one whole, in order per
 * stream, with its bytes. Every pause_every messages (0: never) it stops reading for
 * 2 ms, so that the sender's queue fills up whatever the speed of the two threads. */
typedef struct receiver {
    int sd;
    uint32_t msgs;
    uint16_t streams;
    uint32_t pause_every;
    uint64_t bytes;
    int ok;
} receiver;

static void *recv_all(void *arg)
{
    receiver *r = arg;
    static uint8_t buf[8192 + 1];
    uint32_t seq[STREAMS] = {0};
    size_t have = 0;
    uint16_t sid = 0;
    for (uint32_t got = 0; got < r->msgs;) {
        int fl = 0;
        struct sctp_rcvinfo ri;
        ssize_t n = ut_recv(r->sd, buf + have, sizeof(buf) - have, &fl, &ri);
        if (n <= 0)
            return NULL;
        if (fl & MSG_NOTIFICATION)
            continue;
        if (have && ri.rcv_sid != sid)
            return NULL; /* parts of two messages mixed */
        sid = ri.rcv_sid;
        have += (size_t)n;
        if (!(fl & MSG_EOR))
            continue;
        if (sid >= r->streams)
            return NULL;
        uint32_t s = seq[sid]++;
        uint8_t want[8192];
        fill(want, s, sid, have);
        if (memcmp(want, buf, have)) {
            fprintf(stderr, "stream %u message %u: wrong bytes\n", sid, s);
            return NULL;
        }
        r->bytes += have;
        have = 0;
        if (++got % (r->pause_every ? r->pause_every : UINT32_MAX) == 0)
            usleep(2000);
    }
    r->ok = 1;
    return NULL;
}

/* A one-to-one pair, SO_SNDBUF 64 KiB, a thread sends MSGS messages over STREAMS streams
 * while another receives and checks them and this one samples SCTP_SQINFO as fast as it
 * can: every sample is consistent (sum == total <= limit, limit 64 KiB, STREAMS
 * entries); samples see data queued on several streams at once; after the last send the
 * queue empties (SCTP_SENDER_DRY) and SQINFO reads 0 on every stream. */
static void test_snapshot_during_transfer(void **state)
{
    (void)state;
    mpsctp_stack *a = ut_stack(0), *b = ut_stack(0);
    int c, s;
    int ls = ut_listener(b, SOCK_STREAM, 7421);
    c = ut_client(a, SOCK_STREAM, b);
    set_streams(c, STREAMS, STREAMS);
    set_sndbuf(c, 65536);
    struct sockaddr_in sa = ut_sin(7421);
    assert_int_equal(mpsctp_connect(c, (struct sockaddr *)&sa, sizeof(sa)), 0);
    s = mpsctp_accept(ls, NULL, NULL);
    assert_true(s >= 0);
    int on = 1;
    assert_int_equal(mpsctp_setsockopt(s, IPPROTO_SCTP, SCTP_RECVRCVINFO, &on, sizeof(on)), 0);
    sender snd = {c, MSGS, STREAMS, 0, 0};
    receiver rcv = {s, MSGS, STREAMS, 300, 0, 0};
    pthread_t ts, tr;
    assert_int_equal(pthread_create(&tr, NULL, recv_all, &rcv), 0);
    assert_int_equal(pthread_create(&ts, NULL, send_all, &snd), 0);
    uint64_t samples = 0, busy = 0, multi = 0;
    uint32_t top = 0;
    while (!__atomic_load_n(&snd.done, __ATOMIC_SEQ_CST)) {
        sqbuf qb;
        struct sctp_sndqueueinfo q = sq_ok(c, 0, &qb);
        assert_int_equal(q.sq_queue_limit, 65536);
        assert_int_equal(q.sq_number_of_streams, STREAMS);
        int nonzero = 0;
        for (int k = 0; k < STREAMS; k++)
            nonzero += qb.q.sq_queued_on_stream[k] != 0;
        samples++;
        busy += q.sq_total_queued != 0;
        multi += nonzero >= 2;
        if (q.sq_total_queued > top)
            top = q.sq_total_queued;
    }
    pthread_join(ts, NULL);
    assert_int_equal(snd.err, 0);
    /* Everything sent: the queue empties. A SENDER_DRY from a pause mid-transfer may come
     * first, so read them until SQINFO agrees. */
    ut_event(c, SCTP_SENDER_DRY_EVENT);
    sqbuf qb;
    for (int k = 0; k < 100 && sq_ok(c, 0, &qb).sq_total_queued; k++)
        assert_int_equal(ut_wait_notification(c, SCTP_SENDER_DRY_EVENT, NULL, 0), 0);
    assert_int_equal(qb.q.sq_total_queued, 0);
    for (int k = 0; k < STREAMS; k++)
        assert_int_equal(qb.q.sq_queued_on_stream[k], 0);
    pthread_join(tr, NULL);
    assert_true(rcv.ok);
    printf("# %llu samples, %llu with data queued, %llu with several streams queued, "
           "largest total %u of 65536; %llu bytes received\n",
           (unsigned long long)samples, (unsigned long long)busy, (unsigned long long)multi,
           top, (unsigned long long)rcv.bytes);
    assert_true(busy > 0 && multi > 0);
    const int sds[] = {s, c, ls};
    ut_down(a, b, sds, 3);
}

/* ---- MPSCTP_PATH_SELECT --------------------------------------------------------------- */

/* Per destination address (127.0.0.1, 127.0.0.2) and stream: DATA chunks of new TSNs the
 * client sent (first transmissions), from the packet trace. */
typedef struct chunk_count {
    pthread_mutex_t mu;
    uint32_t top_tsn;
    int have_tsn;
    uint64_t first[2][2]; /* [address][stream % 2] */
} chunk_count;

static void count_chunks(void *user, int dir, const uint8_t *pkt, size_t len,
                         const struct sockaddr *local, const struct sockaddr *remote)
{
    chunk_count *cc = user;
    (void)local;
    if (dir != 1 || len < 12 || remote->sa_family != AF_INET)
        return;
    struct sockaddr_in sin;
    memcpy(&sin, remote, sizeof(sin));
    uint32_t ip = ntohl(sin.sin_addr.s_addr);
    if (ip != A1 && ip != A2)
        return;
    pthread_mutex_lock(&cc->mu);
    for (size_t off = 12; off + 4 <= len;) {
        uint16_t clen = (uint16_t)(pkt[off + 2] << 8 | pkt[off + 3]);
        if (clen < 4 || off + clen > len)
            break;
        if (pkt[off] == 0 && clen >= 16) { /* DATA */
            uint32_t tsn = (uint32_t)pkt[off + 4] << 24 | (uint32_t)pkt[off + 5] << 16 |
                           (uint32_t)pkt[off + 6] << 8 | pkt[off + 7];
            uint16_t sid = (uint16_t)(pkt[off + 8] << 8 | pkt[off + 9]);
            if (!cc->have_tsn || (int32_t)(tsn - cc->top_tsn) > 0) {
                cc->first[ip == A2][sid % 2]++;
                cc->top_tsn = tsn;
                cc->have_tsn = 1;
            }
        }
        off += (size_t)(clen + 3) & ~(size_t)3;
    }
    pthread_mutex_unlock(&cc->mu);
}

static int ps_get(int sd, sctp_assoc_t id, uint32_t *v)
{
    struct sctp_assoc_value av = {id, 0xdeadbeef};
    socklen_t len = sizeof(av);
    int r = mpsctp_getsockopt(sd, IPPROTO_SCTP, MPSCTP_PATH_SELECT, &av, &len);
    *v = av.assoc_value;
    return r;
}

static int ps_set(int sd, sctp_assoc_t id, uint32_t v)
{
    struct sctp_assoc_value av = {id, v};
    return mpsctp_setsockopt(sd, IPPROTO_SCTP, MPSCTP_PATH_SELECT, &av, sizeof(av));
}

/* The option's own cases (the shared ones run in test_api_cmt.c): default round robin;
 * 2 and up EINVAL; the value survives CMT going off and on. Then a one-to-one pair over
 * 127.0.0.1 and 127.0.0.2 with CMT on and mapping on sends 2 streams: every message
 * arrives whole and in order on its stream; stream 0's new data goes to 127.0.0.1 and
 * stream 1's to 127.0.0.2 (path s mod 2), counted from the client's packet trace. */
static void test_path_select(void **state)
{
    (void)state;
    static chunk_count cc; /* the trace callback outlives a failed assertion here */
    memset(&cc, 0, sizeof(cc));
    pthread_mutex_init(&cc.mu, NULL);
    mpsctp_stack *a = ut_mh_stack(count_chunks, &cc), *b = ut_mh_stack(NULL, NULL);
    int ls = ut_mh_socket(b, SOCK_STREAM, 7431, NULL);
    assert_int_equal(mpsctp_listen(ls, 4), 0);
    int c = ut_mh_socket(a, SOCK_STREAM, 0, b);
    set_streams(c, 2, 2);
    uint32_t v;
    assert_int_equal(ps_get(c, 0, &v), 0);
    assert_int_equal(v, MPSCTP_PATH_SELECT_RR);
    EXPECT_ERR(ps_set(c, 0, 2), EINVAL);
    assert_int_equal(ps_set(c, 0, MPSCTP_PATH_SELECT_STREAM), 0);
    struct sctp_assoc_value cmt = {0, SCTP_CMT_BASE};
    assert_int_equal(mpsctp_setsockopt(c, IPPROTO_SCTP, SCTP_CMT_ON_OFF, &cmt, sizeof(cmt)), 0);
    ut_mh_connect(c, 7431);
    int s = mpsctp_accept(ls, NULL, NULL);
    assert_true(s >= 0);
    assert_int_equal(ps_get(c, 0, &v), 0);
    assert_int_equal(v, MPSCTP_PATH_SELECT_STREAM); /* inherited */
    assert_int_equal(ps_get(s, 0, &v), 0);
    assert_int_equal(v, MPSCTP_PATH_SELECT_RR);
    EXPECT_ERR(ps_set(c, 0, 2), EINVAL);
    cmt.assoc_value = SCTP_CMT_OFF;
    assert_int_equal(mpsctp_setsockopt(c, IPPROTO_SCTP, SCTP_CMT_ON_OFF, &cmt, sizeof(cmt)), 0);
    assert_int_equal(ps_get(c, 0, &v), 0);
    assert_int_equal(v, MPSCTP_PATH_SELECT_STREAM);
    cmt.assoc_value = SCTP_CMT_BASE;
    assert_int_equal(mpsctp_setsockopt(c, IPPROTO_SCTP, SCTP_CMT_ON_OFF, &cmt, sizeof(cmt)), 0);
    int on = 1;
    assert_int_equal(mpsctp_setsockopt(s, IPPROTO_SCTP, SCTP_RECVRCVINFO, &on, sizeof(on)), 0);
    ut_mh_wait_active(c); /* both paths active before data flows */
    pthread_mutex_lock(&cc.mu);
    memset(cc.first, 0, sizeof(cc.first));
    pthread_mutex_unlock(&cc.mu);
    sender snd = {c, 4000, 2, 0, 0};
    receiver rcv = {s, 4000, 2, 0, 0, 0};
    pthread_t ts, tr;
    assert_int_equal(pthread_create(&tr, NULL, recv_all, &rcv), 0);
    assert_int_equal(pthread_create(&ts, NULL, send_all, &snd), 0);
    pthread_join(ts, NULL);
    pthread_join(tr, NULL);
    assert_int_equal(snd.err, 0);
    assert_true(rcv.ok);
    /* The stacks go first: no trace callback runs while the counts are checked. */
    const int sds[] = {s, c, ls};
    ut_down(a, b, sds, 3);
    pthread_mutex_destroy(&cc.mu);
    printf("# new DATA chunks: stream 0 on .1 %llu, on .2 %llu; stream 1 on .1 %llu, "
           "on .2 %llu; %llu bytes received\n",
           (unsigned long long)cc.first[0][0], (unsigned long long)cc.first[1][0],
           (unsigned long long)cc.first[0][1], (unsigned long long)cc.first[1][1],
           (unsigned long long)rcv.bytes);
    assert_true(cc.first[0][0] > 0 && cc.first[1][1] > 0);
    assert_int_equal(cc.first[1][0], 0);
    assert_int_equal(cc.first[0][1], 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_one_to_one),
        cmocka_unit_test(test_sndbuf_lowered_mid_transfer),
        cmocka_unit_test(test_one_to_many),
        cmocka_unit_test(test_snapshot_during_transfer),
        cmocka_unit_test(test_path_select),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
