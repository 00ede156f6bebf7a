/* SCTP_CMT_ON_OFF (draft-dreibholz-tsvwg-sctpsocket-multipath) and the mpsctp CMT options MPSCTP_CMT_BUFSPLIT,
 * MPSCTP_CMT_RTX_POLICY, MPSCTP_SACK_PATH, MPSCTP_NR_SACK, MPSCTP_PATH_SELECT over the
 * sockets API: every error case on one-to-one and one-to-many sockets, the socket
 * default and its inheritance, SCTP_FUTURE/CURRENT/ALL_ASSOC with two associations, and
 * a transfer over two paths (127.0.0.1, 127.0.0.2) that runs through modes 0, 1, 2, 3, 4
 * and back to 0 while every byte must arrive exactly once and in order. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "api_util.h"

/* An option of type struct sctp_assoc_value that takes the values 0..max. */
typedef struct av_opt {
    const char *name;
    int opt;
    uint32_t max, dflt;
} av_opt;

/* The options a running association accepts (MPSCTP_NR_SACK is only a default: see
 * test_nr_sack). */
static const av_opt live_opts[] = {
    {"SCTP_CMT_ON_OFF", SCTP_CMT_ON_OFF, SCTP_CMT_MPTCP, SCTP_CMT_OFF},
    {"MPSCTP_CMT_BUFSPLIT", MPSCTP_CMT_BUFSPLIT, MPSCTP_CMT_BUFSPLIT_BOTH,
     MPSCTP_CMT_BUFSPLIT_BOTH},
    {"MPSCTP_CMT_RTX_POLICY", MPSCTP_CMT_RTX_POLICY, MPSCTP_CMT_RTX_SSTHRESH,
     MPSCTP_CMT_RTX_CWND},
    {"MPSCTP_SACK_PATH", MPSCTP_SACK_PATH, MPSCTP_SACKPATH_MIN_RTT, MPSCTP_SACKPATH_DATA},
    {"MPSCTP_PATH_SELECT", MPSCTP_PATH_SELECT, MPSCTP_PATH_SELECT_STREAM,
     MPSCTP_PATH_SELECT_RR},
};
#define NOPTS (sizeof(live_opts) / sizeof(live_opts[0]))

static int av_set_len(int sd, int opt, sctp_assoc_t id, uint32_t v, socklen_t len)
{
    struct sctp_assoc_value av = {id, v};
    return mpsctp_setsockopt(sd, IPPROTO_SCTP, opt, &av, len);
}

static int av_set(int sd, int opt, sctp_assoc_t id, uint32_t v)
{
    return av_set_len(sd, opt, id, v, sizeof(struct sctp_assoc_value));
}

/* getsockopt into *v; returns the call's result and checks the length it reports. */
static int av_get(int sd, int opt, sctp_assoc_t id, uint32_t *v)
{
    struct sctp_assoc_value av = {id, 0xdeadbeef};
    socklen_t len = sizeof(av);
    int r = mpsctp_getsockopt(sd, IPPROTO_SCTP, opt, &av, &len);
    if (r == 0) {
        assert_int_equal(len, sizeof(av));
        *v = av.assoc_value;
    }
    return r;
}

/* The value the option has on sd for id; fails the test when the get fails. */
static uint32_t av_val(int sd, int opt, sctp_assoc_t id)
{
    uint32_t v = 0xdeadbeef;
    assert_int_equal(av_get(sd, opt, id, &v), 0);
    return v;
}

/* optlen shorter than struct sctp_assoc_value (an int, one byte less): EINVAL for set
 * and get, and the value stays. */
static void expect_short_optlen(int sd, const av_opt *o, sctp_assoc_t id)
{
    uint32_t before = av_val(sd, o->opt, id);
    uint32_t v = o->max ? o->max - (before == o->max) : 0;
    EXPECT_ERR(av_set_len(sd, o->opt, id, v, sizeof(int)), EINVAL);
    EXPECT_ERR(av_set_len(sd, o->opt, id, v, sizeof(struct sctp_assoc_value) - 1), EINVAL);
    EXPECT_ERR(av_set_len(sd, o->opt, id, v, 0), EINVAL);
    struct sctp_assoc_value av = {id, 0};
    socklen_t len = sizeof(av) - 1;
    EXPECT_ERR(mpsctp_getsockopt(sd, IPPROTO_SCTP, o->opt, &av, &len), EINVAL);
    len = sizeof(int);
    EXPECT_ERR(mpsctp_getsockopt(sd, IPPROTO_SCTP, o->opt, &av, &len), EINVAL);
    assert_int_equal(av_val(sd, o->opt, id), before);
}

/* Values above max (just above, and the largest): EINVAL, the value stays. */
static void expect_bad_values(int sd, const av_opt *o, sctp_assoc_t id)
{
    uint32_t before = av_val(sd, o->opt, id);
    EXPECT_ERR(av_set(sd, o->opt, id, o->max + 1), EINVAL);
    EXPECT_ERR(av_set(sd, o->opt, id, 0xffffffffu), EINVAL);
    EXPECT_ERR(av_set(sd, o->opt, id, 0x80000000u), EINVAL);
    assert_int_equal(av_val(sd, o->opt, id), before);
}

static void connect_to(int sd, uint16_t port)
{
    struct sockaddr_in sa = ut_sin(port);
    assert_int_equal(mpsctp_connect(sd, (struct sockaddr *)&sa, sizeof(sa)), 0);
}

/* ---- one-to-one ------------------------------------------------------------------------ */

/* Before connect: the id is ignored and the value is the socket default; the association
 * the client sets up, and the one a listener accepts, inherit their socket's default;
 * afterwards the option changes the association (any id); bad values and short optlens
 * change nothing at any stage. */
static void test_one_to_one(void **state)
{
    (void)state;
    mpsctp_stack *a = ut_stack(0), *b = ut_stack(0);
    for (size_t i = 0; i < NOPTS; i++) {
        const av_opt *o = &live_opts[i];
        uint16_t port = (uint16_t)(7301 + i);
        printf("# %s\n", o->name);
        int ls = ut_listener(b, SOCK_STREAM, port);
        int c = ut_client(a, SOCK_STREAM, b);
        assert_int_equal(av_val(c, o->opt, SCTP_FUTURE_ASSOC), o->dflt);
        assert_int_equal(av_val(ls, o->opt, 4242), o->dflt);
        expect_bad_values(c, o, SCTP_FUTURE_ASSOC);
        expect_short_optlen(c, o, SCTP_FUTURE_ASSOC);
        /* Every value, with ids that mean something else on one-to-many sockets. */
        const sctp_assoc_t ids[] = {SCTP_FUTURE_ASSOC, SCTP_CURRENT_ASSOC, SCTP_ALL_ASSOC,
                                    4242, -1};
        for (uint32_t v = 0; v <= o->max; v++) {
            sctp_assoc_t id = ids[v % 5];
            assert_int_equal(av_set(c, o->opt, id, v), 0);
            assert_int_equal(av_val(c, o->opt, ids[(v + 1) % 5]), v);
        }
        /* Client default 1 (0 for a one-value option), listener default max: each
         * association inherits its socket's. */
        uint32_t cv = o->max > 1 ? 1 : 0, lv = o->max;
        assert_int_equal(av_set(c, o->opt, 0, cv), 0);
        assert_int_equal(av_set(ls, o->opt, 0, lv), 0);
        connect_to(c, port);
        int s = mpsctp_accept(ls, NULL, NULL);
        assert_true(s >= 0);
        assert_int_equal(av_val(c, o->opt, 4242), cv);
        assert_int_equal(av_val(s, o->opt, 0), lv);
        /* The listener's default moves on; the accepted association keeps its value. */
        assert_int_equal(av_set(ls, o->opt, 0, o->dflt == lv ? 0 : o->dflt), 0);
        assert_int_equal(av_val(s, o->opt, 0), lv);
        /* Changes on a live association, and the errors there. */
        for (uint32_t v = 0; v <= o->max; v++) {
            assert_int_equal(av_set(s, o->opt, 77, o->max - v), 0);
            assert_int_equal(av_val(s, o->opt, 0), o->max - v);
        }
        expect_bad_values(s, o, 0);
        expect_short_optlen(s, o, 0);
        expect_bad_values(c, o, 0);
        expect_short_optlen(c, o, 0);
        mpsctp_close(s);
        mpsctp_close(c);
        mpsctp_close(ls);
    }
    ut_down(a, b, NULL, 0);
}

/* ---- one-to-many ----------------------------------------------------------------------- */

/* A one-to-many server with two associations (from two one-to-one clients) and a
 * one-to-many client with its own. */
typedef struct many {
    mpsctp_stack *a, *b;
    int m, c1, c2, mc;
    sctp_assoc_t id1, id2, mcid;
} many;

static void many_up(many *f, uint16_t port, const av_opt *o, uint32_t server_default,
                    uint32_t client_default)
{
    memset(f, 0, sizeof(*f));
    f->a = ut_stack(0);
    f->b = ut_stack(0);
    f->m = ut_listener(f->b, SOCK_SEQPACKET, port);
    ut_event(f->m, SCTP_ASSOC_CHANGE);
    assert_int_equal(av_set(f->m, o->opt, SCTP_FUTURE_ASSOC, server_default), 0);
    f->c1 = ut_client(f->a, SOCK_STREAM, f->b);
    connect_to(f->c1, port);
    f->id1 = ut_wait_up(f->m);
    f->c2 = ut_client(f->a, SOCK_STREAM, f->b);
    connect_to(f->c2, port);
    f->id2 = ut_wait_up(f->m);
    assert_true(f->id1 > SCTP_ALL_ASSOC && f->id2 > SCTP_ALL_ASSOC && f->id1 != f->id2);
    f->mc = ut_client(f->a, SOCK_SEQPACKET, f->b);
    ut_event(f->mc, SCTP_ASSOC_CHANGE);
    assert_int_equal(av_set(f->mc, o->opt, SCTP_FUTURE_ASSOC, client_default), 0);
    struct sockaddr_in sa = ut_sin(port);
    assert_int_equal(mpsctp_connectx(f->mc, (struct sockaddr *)&sa, 1, &f->mcid), 0);
    assert_int_equal(ut_wait_up(f->mc), f->mcid);
    (void)ut_wait_up(f->m); /* the server's third association */
}

static void many_down(many *f)
{
    const int sds[] = {f->c1, f->c2, f->mc, f->m};
    ut_down(f->a, f->b, sds, 4);
}

/* The option's values on the server's two associations and its default. */
static void expect3(many *f, const av_opt *o, uint32_t v1, uint32_t v2, uint32_t fut)
{
    assert_int_equal(av_val(f->m, o->opt, f->id1), v1);
    assert_int_equal(av_val(f->m, o->opt, f->id2), v2);
    assert_int_equal(av_val(f->m, o->opt, SCTP_FUTURE_ASSOC), fut);
}

/* Inheritance of SCTP_FUTURE_ASSOC (server and client side), a real id changes one
 * association, SCTP_CURRENT_ASSOC every existing one, SCTP_ALL_ASSOC those and the
 * default; unknown ids ENOENT; get with CURRENT/ALL EINVAL; bad values and short
 * optlens change nothing, whatever the id. */
static void test_one_to_many(void **state)
{
    (void)state;
    for (size_t i = 0; i < NOPTS; i++) {
        const av_opt *o = &live_opts[i];
        printf("# %s\n", o->name);
        /* Two values other than the default where the option has them: top never is. */
        uint32_t top = o->max == o->dflt ? o->max - 1 : o->max;
        uint32_t low = top - 1 == o->dflt && top >= 2 ? top - 2 : top - 1;
        many f;
        many_up(&f, (uint16_t)(7311 + i), o, top, low);
        expect3(&f, o, top, top, top);
        assert_int_equal(av_val(f.mc, o->opt, f.mcid), low);
        assert_int_equal(av_val(f.mc, o->opt, SCTP_FUTURE_ASSOC), low);
        /* a real id */
        assert_int_equal(av_set(f.m, o->opt, f.id1, low), 0);
        expect3(&f, o, low, top, top);
        assert_int_equal(av_set(f.mc, o->opt, f.mcid, top), 0);
        assert_int_equal(av_val(f.mc, o->opt, f.mcid), top);
        assert_int_equal(av_val(f.mc, o->opt, SCTP_FUTURE_ASSOC), low);
        /* unknown ids, on set and get: ENOENT, nothing changes */
        const sctp_assoc_t unknown[] = {4242, -5, f.mcid + 1000};
        for (int k = 0; k < 3; k++) {
            uint32_t dummy;
            EXPECT_ERR(av_set(f.m, o->opt, unknown[k], 0), ENOENT);
            EXPECT_ERR(av_get(f.m, o->opt, unknown[k], &dummy), ENOENT);
        }
        expect3(&f, o, low, top, top);
        /* SCTP_CURRENT_ASSOC: both associations, not the default */
        assert_int_equal(av_set(f.m, o->opt, SCTP_CURRENT_ASSOC, 0), 0);
        expect3(&f, o, 0, 0, top);
        /* SCTP_FUTURE_ASSOC: the default only */
        assert_int_equal(av_set(f.m, o->opt, SCTP_FUTURE_ASSOC, low), 0);
        expect3(&f, o, 0, 0, low);
        /* SCTP_ALL_ASSOC: both and the default */
        assert_int_equal(av_set(f.m, o->opt, SCTP_ALL_ASSOC, top), 0);
        expect3(&f, o, top, top, top);
        /* get with CURRENT/ALL: EINVAL */
        uint32_t dummy;
        EXPECT_ERR(av_get(f.m, o->opt, SCTP_CURRENT_ASSOC, &dummy), EINVAL);
        EXPECT_ERR(av_get(f.m, o->opt, SCTP_ALL_ASSOC, &dummy), EINVAL);
        EXPECT_ERR(av_get(f.mc, o->opt, SCTP_CURRENT_ASSOC, &dummy), EINVAL);
        /* bad values and short optlens with every kind of id */
        const sctp_assoc_t ids[] = {f.id1, SCTP_FUTURE_ASSOC, SCTP_CURRENT_ASSOC,
                                    SCTP_ALL_ASSOC};
        for (int k = 0; k < 4; k++) {
            EXPECT_ERR(av_set(f.m, o->opt, ids[k], o->max + 1), EINVAL);
            EXPECT_ERR(av_set(f.m, o->opt, ids[k], 0xffffffffu), EINVAL);
            EXPECT_ERR(av_set_len(f.m, o->opt, ids[k], 0, sizeof(int)), EINVAL);
        }
        expect3(&f, o, top, top, top);
        expect_short_optlen(f.m, o, f.id2);
        expect_short_optlen(f.m, o, SCTP_FUTURE_ASSOC);
        /* A bad value with an unknown id: the value is checked first. */
        EXPECT_ERR(av_set(f.m, o->opt, 4242, o->max + 1), EINVAL);
        /* A later association gets the default in force then. */
        assert_int_equal(av_set(f.m, o->opt, SCTP_FUTURE_ASSOC, low), 0);
        int c3 = ut_client(f.a, SOCK_STREAM, f.b);
        connect_to(c3, (uint16_t)(7311 + i));
        sctp_assoc_t id3 = ut_wait_up(f.m);
        assert_int_equal(av_val(f.m, o->opt, id3), low);
        expect3(&f, o, top, top, low);
        mpsctp_close(c3);
        many_down(&f);
    }
}

/* ---- MPSCTP_NR_SACK ------------------------------------------------------------------- */

/* The NR-SACK offer is a socket default (1); 0 and 1 only; it cannot change on an
 * association (EINVAL: it was negotiated at setup), so one-to-many accepts only
 * SCTP_FUTURE_ASSOC; get on an association reports the negotiation: 1 when both sides
 * offered it, 0 when either did not. */
static void test_nr_sack(void **state)
{
    (void)state;
    const av_opt o = {"MPSCTP_NR_SACK", MPSCTP_NR_SACK, 1, 1};
    mpsctp_stack *a = ut_stack(0), *b = ut_stack(0);
    int ls = ut_listener(b, SOCK_STREAM, 7321);
    int c = ut_client(a, SOCK_STREAM, b);
    assert_int_equal(av_val(c, o.opt, 0), 1);
    expect_bad_values(c, &o, 0);
    expect_short_optlen(c, &o, 0);
    assert_int_equal(av_set(c, o.opt, 4242, 0), 0);
    assert_int_equal(av_val(c, o.opt, SCTP_CURRENT_ASSOC), 0);
    /* The client does not offer it: the association has no NR-SACK on either side. */
    connect_to(c, 7321);
    int s = mpsctp_accept(ls, NULL, NULL);
    assert_true(s >= 0);
    assert_int_equal(av_val(c, o.opt, 0), 0);
    assert_int_equal(av_val(s, o.opt, 0), 0);
    /* On a live association: EINVAL for every value, and nothing changes. */
    EXPECT_ERR(av_set(c, o.opt, 0, 1), EINVAL);
    EXPECT_ERR(av_set(s, o.opt, 0, 0), EINVAL);
    EXPECT_ERR(av_set(s, o.opt, 0, 1), EINVAL);
    expect_bad_values(s, &o, 0);
    expect_short_optlen(s, &o, 0);
    assert_int_equal(av_val(c, o.opt, 0), 0);
    assert_int_equal(av_val(s, o.opt, 0), 0);
    /* One-to-many: FUTURE only. */
    int m = ut_listener(b, SOCK_SEQPACKET, 7322);
    ut_event(m, SCTP_ASSOC_CHANGE);
    int c2 = ut_client(a, SOCK_STREAM, b);
    connect_to(c2, 7322);
    sctp_assoc_t id = ut_wait_up(m);
    /* Both offer it (the default): negotiated, on both sides. */
    assert_int_equal(av_val(m, o.opt, id), 1);
    assert_int_equal(av_val(c2, o.opt, 0), 1);
    EXPECT_ERR(av_set(m, o.opt, id, 0), EINVAL);
    EXPECT_ERR(av_set(m, o.opt, SCTP_CURRENT_ASSOC, 0), EINVAL);
    EXPECT_ERR(av_set(m, o.opt, SCTP_ALL_ASSOC, 0), EINVAL);
    EXPECT_ERR(av_set(m, o.opt, 4242, 0), ENOENT);
    uint32_t dummy;
    EXPECT_ERR(av_get(m, o.opt, 4242, &dummy), ENOENT);
    EXPECT_ERR(av_get(m, o.opt, SCTP_CURRENT_ASSOC, &dummy), EINVAL);
    EXPECT_ERR(av_get(m, o.opt, SCTP_ALL_ASSOC, &dummy), EINVAL);
    assert_int_equal(av_val(m, o.opt, SCTP_FUTURE_ASSOC), 1);
    expect_bad_values(m, &o, SCTP_FUTURE_ASSOC);
    expect_short_optlen(m, &o, SCTP_FUTURE_ASSOC);
    assert_int_equal(av_set(m, o.opt, SCTP_FUTURE_ASSOC, 0), 0);
    assert_int_equal(av_val(m, o.opt, SCTP_FUTURE_ASSOC), 0);
    assert_int_equal(av_val(m, o.opt, id), 1);
    /* The server no longer offers it: a later association has none. */
    int c3 = ut_client(a, SOCK_STREAM, b);
    connect_to(c3, 7322);
    sctp_assoc_t id3 = ut_wait_up(m);
    assert_int_equal(av_val(m, o.opt, id3), 0);
    assert_int_equal(av_val(c3, o.opt, 0), 0);
    const int sds[] = {c3, c2, m, s, c, ls};
    ut_down(a, b, sds, 6);
}

/* ---- mid-transfer changes over two paths ---------------------------------------------- */

#define MSG_LEN 6000
#define PHASES 6
#define PHASE_MSGS 400 /* 2.4 MB per mode */

static const uint32_t phase_mode[PHASES] = {SCTP_CMT_OFF, SCTP_CMT_BASE, SCTP_CMT_RPV1,
                                            SCTP_CMT_RPV2, SCTP_CMT_MPTCP, SCTP_CMT_OFF};

/* Byte k of message i: a pattern that differs between messages and offsets. */
static uint8_t pattern(uint32_t i, size_t k)
{
    return (uint8_t)(i * 131u + k * 7u + (k >> 8));
}

typedef struct sender {
    int sd;
    uint32_t n;
    int err; /* errno of a failed send, 0 */
} sender;

static void *send_all(void *arg)
{
    sender *s = arg;
    static uint8_t buf[MSG_LEN];
    for (uint32_t i = 0; i < s->n; i++) {
        memcpy(buf, &i, sizeof(i));
        for (size_t k = sizeof(i); k < MSG_LEN; k++)
            buf[k] = pattern(i, k);
        if (mpsctp_send(s->sd, buf, MSG_LEN, 0) != MSG_LEN) {
            s->err = errno;
            return NULL;
        }
    }
    return NULL;
}

/* Path statistics of the client's two paths. */
typedef struct snap {
    struct mpsctp_pathstats p[2];
    double t;
} snap;

static void take(int c, snap *sn)
{
    sn->p[0] = ut_path_stats(c, 0, A1);
    sn->p[1] = ut_path_stats(c, 0, A2);
    sn->t = ut_now();
}

/* Sets SCTP_CMT_ON_OFF on c and reads it back; *end is taken just before, *start just
 * after, so that what lies between a start and the next end was sent in that mode. */
static void switch_mode(int c, uint32_t mode, snap *end, snap *start)
{
    if (end)
        take(c, end);
    assert_int_equal(av_set(c, SCTP_CMT_ON_OFF, 0, mode), 0);
    take(c, start);
    assert_int_equal(av_val(c, SCTP_CMT_ON_OFF, 0), mode);
}

/* A one-to-one pair over 127.0.0.1 and 127.0.0.2; a thread sends PHASES * PHASE_MSGS
 * messages while this one receives them and, each time a phase's worth has arrived
 * (data of the next phase is queued and in flight by then), sets the next mode on the
 * sender's socket (and MPSCTP_CMT_BUFSPLIT, MPSCTP_CMT_RTX_POLICY on the sender,
 * MPSCTP_SACK_PATH and the mode on the receiver). Every message must arrive once, whole, in order, with its bytes;
 * SCTP_CMT_ON_OFF reads back each mode; with CMT off no new data goes to the second
 * path, with CMT on both paths carry data. Prints the bytes each path carried in each
 * mode. */
static void test_mid_transfer_changes(void **state)
{
    (void)state;
    mpsctp_stack *a = ut_mh_stack(NULL, NULL), *b = ut_mh_stack(NULL, NULL);
    int ls = ut_mh_socket(b, SOCK_STREAM, 7331, NULL);
    assert_int_equal(mpsctp_listen(ls, 4), 0);
    int c = ut_mh_socket(a, SOCK_STREAM, 0, b);
    ut_mh_connect(c, 7331);
    int s = mpsctp_accept(ls, NULL, NULL);
    assert_true(s >= 0);
    ut_mh_wait_active(c); /* both paths active before data flows */
    snap start[PHASES], end[PHASES];
    switch_mode(c, phase_mode[0], NULL, &start[0]);
    sender snd = {c, PHASES * PHASE_MSGS, 0};
    pthread_t thr;
    assert_int_equal(pthread_create(&thr, NULL, send_all, &snd), 0);
    static uint8_t buf[MSG_LEN + 1];
    uint32_t next = 0;
    size_t have = 0;
    int phase = 0;
    while (next < PHASES * PHASE_MSGS) {
        int fl = 0;
        ssize_t r = ut_recv(s, buf + have, sizeof(buf) - have, &fl, NULL);
        assert_true(r > 0);
        if (fl & MSG_NOTIFICATION)
            continue;
        have += (size_t)r;
        if (!(fl & MSG_EOR))
            continue;
        assert_int_equal(have, MSG_LEN);
        uint32_t i;
        memcpy(&i, buf, sizeof(i));
        assert_int_equal(i, next); /* once and in order */
        for (size_t k = sizeof(i); k < MSG_LEN; k++)
            if (buf[k] != pattern(i, k))
                fail_msg("message %u byte %zu: %u, expected %u", i, k, buf[k], pattern(i, k));
        have = 0;
        next++;
        if (next % PHASE_MSGS)
            continue;
        if (++phase < PHASES) {
            /* The tuning options change mid-transfer too, on both sides (the receiver
             * chooses where its SACKs go). */
            uint32_t ph = (uint32_t)phase;
            assert_int_equal(av_set(c, MPSCTP_CMT_BUFSPLIT, 0, ph % 4), 0);
            assert_int_equal(av_set(c, MPSCTP_CMT_RTX_POLICY, 0, ph % 2), 0);
            assert_int_equal(av_set(s, MPSCTP_SACK_PATH, 0, ph % 3), 0);
            assert_int_equal(av_set(s, SCTP_CMT_ON_OFF, 0, phase_mode[phase]), 0);
            switch_mode(c, phase_mode[phase], &end[phase - 1], &start[phase]);
        } else
            take(c, &end[PHASES - 1]);
    }
    pthread_join(thr, NULL);
    assert_int_equal(snd.err, 0);
    /* Nothing after the last message: no copy of anything arrives later. */
    assert_int_equal(ut_poll(s, POLLIN, 300) & POLLIN, 0);
    for (int p = 0; p < PHASES; p++) {
        uint64_t bytes[2], rtx[2];
        for (int k = 0; k < 2; k++) {
            bytes[k] = end[p].p[k].ps_bytes_sent - start[p].p[k].ps_bytes_sent;
            rtx[k] = end[p].p[k].ps_retransmissions - start[p].p[k].ps_retransmissions;
        }
        printf("# mode %u: %.3f s, DATA bytes sent (retransmitted chunks) on .1 %llu (%llu), "
               "on .2 %llu (%llu)\n",
               phase_mode[p], end[p].t - start[p].t, (unsigned long long)bytes[0],
               (unsigned long long)rtx[0], (unsigned long long)bytes[1],
               (unsigned long long)rtx[1]);
        if (phase_mode[p] == SCTP_CMT_OFF) {
            /* New data only to the primary, 127.0.0.1; the second path carried at most
             * retransmissions (RFC 9260 s6.4: to an alternate path), a chunk each, none
             * on loopback unless a timer expired under load. */
            assert_true(bytes[1] <= rtx[1] * 1500u);
            assert_true(bytes[0] > 0);
        } else {
            assert_true(bytes[0] > 0 && bytes[1] > 0);
        }
    }
    const int sds[] = {s, c, ls};
    ut_down(a, b, sds, 3);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_one_to_one),
        cmocka_unit_test(test_one_to_many),
        cmocka_unit_test(test_nr_sack),
        cmocka_unit_test(test_mid_transfer_changes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
