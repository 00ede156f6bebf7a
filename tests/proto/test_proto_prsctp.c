/* Partial reliability (RFC 3758, RFC 7496) between two cores: negotiation, the TTL, RTX
 * and PRIO policies under loss, with CMT over two paths, and a data-channel profile (many
 * streams, unordered partially reliable messages over a lossy path). Every abandoned
 * message is reported once by SEND_FAILED, every other one delivered once and intact,
 * and the sender ends with nothing in flight and nothing queued. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "pair.h"

#define IP_A2 0x0a00000bu
#define IP_B2 0x0a00000cu
#define MAXMSG 4096

/* ---- helpers ------------------------------------------------------------------------- */

/* Queues message idx (ppid = context = idx) of len bytes on sid with policy pol/val. */
static int send_pr(pair *p, mpsctp_assoc *a, uint32_t idx, uint16_t sid, size_t len,
                   uint16_t pol, uint32_t val, int unordered)
{
    mpsctp_prinfo pr = {pol, val};
    return pair_send_msg_ex(p, a, idx, sid, len, unordered ? MPSCTP_UNORDERED : 0, &pr);
}

typedef struct outcome {
    uint32_t n;
    uint8_t delivered[MAXMSG], failed[MAXMSG], failed_sent[MAXMSG];
    uint32_t ndelivered, nfailed, nfailed_sent;
} outcome;

/* Collects what B read and the SEND_FAILED events of A for messages 0..n-1, checking
 * that every message read is intact and read once, every failure reported once, and that
 * each message was delivered or reported (or both: delivered, but abandoned before the
 * sender learned it arrived). Ordered streams deliver in ascending ppid. */
static void outcome_check(pair *p, uint32_t n, outcome *o)
{
    memset(o, 0, sizeof(*o));
    o->n = n;
    const pair_side *b = &p->s[PAIR_B];
    int64_t last[64];
    for (int i = 0; i < 64; i++)
        last[i] = -1;
    for (size_t i = 0; i < b->nmsg; i++) {
        const pair_msg *m = &b->msg[i];
        P_CHECK(p, m->ppid < n, "unexpected ppid %u", m->ppid);
        P_CHECK(p, !o->delivered[m->ppid], "message %u delivered twice", m->ppid);
        o->delivered[m->ppid] = 1;
        o->ndelivered++;
        for (size_t j = 0; j < m->len; j++)
            P_CHECK(p, b->rx[m->off + j] == pair_pattern(m->ppid, m->sid, j),
                    "message %u byte %zu differs", m->ppid, j);
        if (!(m->flags & MPSCTP_UNORDERED) && m->sid < 64) {
            P_CHECK(p, (int64_t)m->ppid > last[m->sid], "stream %u: %u after %lld", m->sid,
                    m->ppid, (long long)last[m->sid]);
            last[m->sid] = m->ppid;
        }
    }
    const pair_side *a = &p->s[PAIR_A];
    for (size_t i = 0; i < a->nev; i++) {
        const mpsctp_event *e = &a->ev[i].ev;
        if (e->type != MPSCTP_EV_SEND_FAILED)
            continue;
        P_CHECK(p, e->context < n, "SEND_FAILED for unknown message %u", e->context);
        P_CHECK(p, !o->failed[e->context], "message %u reported twice", e->context);
        P_CHECK(p, e->pr_policy != MPSCTP_PR_NONE, "reliable message %u failed", e->context);
        o->failed[e->context] = 1;
        o->failed_sent[e->context] = e->sent;
        o->nfailed++;
        o->nfailed_sent += e->sent;
    }
    for (uint32_t i = 0; i < n; i++)
        P_CHECK(p, o->delivered[i] || o->failed[i], "message %u neither delivered nor failed",
                i);
}

/* The sender is idle: nothing in flight on any path, nothing queued or unacknowledged. */
static void check_idle(pair *p, mpsctp_assoc *a)
{
    mpsctp_assoc_status st = pair_status(a);
    P_CHECK(p, st.state == MPSCTP_ESTABLISHED, "state %d", st.state);
    P_CHECK(p, st.unacked_chunks == 0 && st.pending_chunks == 0, "%u unacked, %u pending",
            st.unacked_chunks, st.pending_chunks);
    for (uint32_t i = 0; i < st.num_paths; i++) {
        mpsctp_path_info pi;
        assert_int_equal(mpsctp_assoc_path_info(a, i, &pi), 0);
        P_CHECK(p, pi.flight_size == 0, "path %u flight %u", i, pi.flight_size);
    }
    uint32_t limit, total, ns;
    assert_int_equal(mpsctp_assoc_sndqueue_info(a, &limit, &total, NULL, 0, &ns), 0);
    P_CHECK(p, total == 0, "SQINFO total %u", total);
}

/* The abandonment counters agree with the events. */
static void check_counters(pair *p, mpsctp_assoc *a, const outcome *o)
{
    uint64_t u, s;
    assert_int_equal(mpsctp_assoc_pr_status(a, -1, MPSCTP_PR_ALL, &u, &s), 0);
    P_CHECK(p, u + s == o->nfailed, "counters %llu+%llu, events %u", (unsigned long long)u,
            (unsigned long long)s, o->nfailed);
    P_CHECK(p, s == o->nfailed_sent, "sent counter %llu, events %u", (unsigned long long)s,
            o->nfailed_sent);
}

static int all_acked(pair *p, void *arg)
{

    mpsctp_assoc_status st = pair_status(arg);
    uint32_t limit, total, ns;
    mpsctp_assoc_sndqueue_info(arg, &limit, &total, NULL, 0, &ns);
    (void)p;
    return st.unacked_chunks == 0 && st.pending_chunks == 0 && total == 0;
}

/* What message i of a generated workload is. */
typedef struct msg_spec {
    uint16_t sid, pol;
    uint32_t val;
    size_t len;
    int unordered;
} msg_spec;

/* Sends n messages described by spec(i, arg), waiting for room as needed and letting
 * time pass every `every` messages. */
static void send_workload(pair *p, mpsctp_assoc *a, uint32_t n, unsigned every,
                          msg_spec (*spec)(uint32_t i, const void *arg), const void *arg)
{
    uint32_t sent = 0;
    while (sent < n) {
        msg_spec m = spec(sent, arg);
        int rc = send_pr(p, a, sent, m.sid, m.len, m.pol, m.val, m.unordered);
        if (rc == MPSCTP_ERR_WOULDBLOCK) {
            pair_pump(p, MS(5));
            continue;
        }
        P_CHECK(p, rc == 0, "send %u: %d", sent, rc);
        sent++;
        if (sent % every == 0)
            pair_pump(p, MS(2));
    }
}

/* Runs until the sender is idle (at most 120 s), then checks the outcome. */
static void finish(pair *p, mpsctp_assoc *a, uint32_t n, outcome *o)
{
    P_CHECK(p, pair_pump_until(p, SEC(120), all_acked, a), "not all acked");
    pair_pump(p, SEC(1));
    outcome_check(p, n, o);
}

static mpsctp_assoc *setup(pair *p, uint64_t seed, const mpsctp_settings *sa,
                           const mpsctp_settings *sb)
{
    pair_init(p, seed, sa, sb);
    mpsctp_assoc *a = pair_connect(p, PAIR_A);
    P_CHECK(p, a != NULL, "connect");
    P_CHECK(p, pair_pump_until(p, SEC(5), pair_cond_up, NULL), "no handshake");
    return a;
}

/* ---- negotiation ------------------------------------------------------------------- */

static void test_negotiated(void **state)
{
    (void)state;
    pair p;
    mpsctp_assoc *a = setup(&p, 1, NULL, NULL);
    assert_int_equal(mpsctp_assoc_pr_sctp(a), 1);
    assert_int_equal(mpsctp_assoc_pr_sctp(p.s[PAIR_B].assoc), 1);
    /* INIT and INIT ACK carry Forward-TSN-Supported and list FORWARD TSN. */
    int types[2] = {SCTP_INIT, SCTP_INIT_ACK};
    for (int k = 0; k < 2; k++) {
        pair_pkt *pk = pair_wire_nth(&p, k == 0 ? PAIR_A : PAIR_B, types[k], 0, 0);
        assert_non_null(pk);
        sctp_tlv c, prm;
        assert_true(pair_find_chunk(pk->data, pk->len, (uint8_t)types[k], &c));
        assert_true(pair_find_param(&c, 16, SCTP_P_FORWARD_TSN_SUPPORTED, &prm));
        assert_true(pair_find_param(&c, 16, SCTP_P_SUPPORTED_EXTENSIONS, &prm));
        assert_non_null(memchr(prm.value, SCTP_FORWARD_TSN, prm.vlen));
    }
    assert_int_equal(mpsctp_assoc_pr_sctp(NULL), MPSCTP_ERR_INVAL);
    uint64_t u, s;
    assert_int_equal(mpsctp_assoc_pr_status(a, -1, 0, &u, &s), MPSCTP_ERR_INVAL);
    assert_int_equal(mpsctp_assoc_pr_status(a, 9999, MPSCTP_PR_TTL, &u, &s), MPSCTP_ERR_STREAM);
    assert_int_equal(send_pr(&p, a, 0, 0, 10, 0x0040, 1, 0), MPSCTP_ERR_INVAL);
    pair_free(&p);
}

static int drop_a_data_early(pair *p, pair_pkt *k)
{
    sctp_tlv c;
    uint64_t *until = p->user;
    if (k->from == PAIR_A && p->now < *until && pair_find_chunk(k->data, k->len, SCTP_DATA, &c))
        return PAIR_DROP;
    return PAIR_PASS;
}

/* Without PR-SCTP on one side, messages with a policy are sent reliably. */
static void test_not_negotiated_reliable(void **state)
{
    (void)state;
    for (int side = 0; side < 2; side++) {
        pair p;
        mpsctp_settings sa, sb;
        pair_settings(&sa, PAIR_A);
        pair_settings(&sb, PAIR_B);
        if (side == 0)
            sa.pr_sctp = 0;
        else
            sb.pr_sctp = 0;
        mpsctp_assoc *a = setup(&p, 2 + (uint64_t)side, &sa, &sb);
        assert_int_equal(mpsctp_assoc_pr_sctp(a), 0);
        assert_int_equal(mpsctp_assoc_pr_sctp(p.s[PAIR_B].assoc), 0);
        uint64_t until = p.now + MS(1500);
        p.user = &until;
        p.hook = drop_a_data_early;
        for (uint32_t i = 0; i < 20; i++)
            P_CHECK(&p, send_pr(&p, a, i, 0, 500, i % 2 ? MPSCTP_PR_RTX : MPSCTP_PR_TTL,
                                i % 2 ? 0 : 10, 0) == 0, "send");
        P_CHECK(&p, pair_pump_until(&p, SEC(30), all_acked, a), "not all acked");
        outcome o;
        outcome_check(&p, 20, &o);
        P_CHECK(&p, o.ndelivered == 20 && o.nfailed == 0, "%u delivered, %u failed",
                o.ndelivered, o.nfailed);
        P_CHECK(&p, pair_wire_count(&p, -1, SCTP_FORWARD_TSN, 0) == 0, "FORWARD TSN sent");
        check_idle(&p, a);
        pair_free(&p);
    }
}

/* ---- TTL -------------------------------------------------------------------------------- */

static void test_ttl(void **state)
{
    (void)state;
    pair p;
    mpsctp_assoc *a = setup(&p, 4, NULL, NULL);
    /* Everything A sends in the next 600 ms is lost: messages with a 200 ms lifetime die,
     * those in flight (sent) and those still waiting for the window (unsent). */
    uint64_t until = p.now + MS(600);
    p.user = &until;
    p.hook = drop_a_data_early;
    uint32_t n = 0;
    for (; n < 60; n++)
        P_CHECK(&p, send_pr(&p, a, n, (uint16_t)(n % 3), 1000, MPSCTP_PR_TTL, 200, 0) == 0,
                "send %u", n);
    pair_pump(&p, MS(100));
    uint32_t limit, total, ns;
    assert_int_equal(mpsctp_assoc_sndqueue_info(a, &limit, &total, NULL, 0, &ns), 0);
    P_CHECK(&p, total == 60 * 1000, "SQINFO %u before expiry", total);
    pair_pump(&p, MS(150));
    /* Expired: the send buffer dropped them at once. */
    assert_int_equal(mpsctp_assoc_sndqueue_info(a, &limit, &total, NULL, 0, &ns), 0);
    P_CHECK(&p, total == 0, "SQINFO %u after expiry", total);
    /* Reliable messages after them arrive. */
    for (; n < 80; n++)
        P_CHECK(&p, send_pr(&p, a, n, (uint16_t)(n % 3), 1000, MPSCTP_PR_NONE, 0, 0) == 0,
                "send %u", n);
    P_CHECK(&p, pair_pump_until(&p, SEC(30), all_acked, a), "not all acked");
    pair_pump(&p, SEC(1));
    outcome o;
    outcome_check(&p, n, &o);
    for (uint32_t i = 0; i < 60; i++)
        P_CHECK(&p, o.failed[i] && !o.delivered[i], "message %u", i);
    for (uint32_t i = 60; i < n; i++)
        P_CHECK(&p, o.delivered[i] && !o.failed[i], "message %u", i);
    P_CHECK(&p, o.nfailed_sent > 0 && o.nfailed_sent < 60, "%u sent of 60", o.nfailed_sent);
    uint64_t u, s;
    assert_int_equal(mpsctp_assoc_pr_status(a, -1, MPSCTP_PR_TTL, &u, &s), 0);
    P_CHECK(&p, u + s == 60 && s == o.nfailed_sent, "TTL counters %llu/%llu",
            (unsigned long long)u, (unsigned long long)s);
    assert_int_equal(mpsctp_assoc_pr_status(a, -1, MPSCTP_PR_RTX, &u, &s), 0);
    P_CHECK(&p, u + s == 0, "RTX counters");
    assert_int_equal(mpsctp_assoc_pr_status(a, 1, MPSCTP_PR_TTL, &u, &s), 0);
    P_CHECK(&p, u + s == 20, "stream 1: %llu", (unsigned long long)(u + s));
    check_counters(&p, a, &o);
    P_CHECK(&p, pair_wire_count(&p, PAIR_A, SCTP_FORWARD_TSN, 0) > 0, "no FORWARD TSN");
    check_idle(&p, a);
    pair_free(&p);
}

/* ---- RTX -------------------------------------------------------------------------------- */

typedef struct rtx_drop {
    uint32_t first_tsn;
    int have_first;
    uint8_t tx[512]; /* transmissions seen per TSN offset */
    uint32_t drop_twice_mod; /* TSN offset % 3 == 0: first two transmissions dropped */
} rtx_drop;

/* Drops DATA chunks by TSN: offset%3==0 twice, offset%3==1 once, the rest never (the
 * packets carrying them; one DATA chunk per packet here). */
static int drop_rtx(pair *p, pair_pkt *k)
{
    rtx_drop *r = p->user;
    sctp_tlv c[16];
    if (k->from != PAIR_A)
        return PAIR_PASS;
    int nc = pair_chunks(k->data, k->len, c, 16), drop = 0;
    for (int i = 0; i < nc; i++) {
        if (c[i].type != SCTP_DATA)
            continue;
        uint32_t tsn = get32(c[i].value);
        if (!r->have_first) {
            r->first_tsn = tsn;
            r->have_first = 1;
        }
        uint32_t off = tsn - r->first_tsn;
        if (off >= 512)
            continue;
        uint8_t t = r->tx[off]++;
        if ((off % 3 == 0 && t < 2) || (off % 3 == 1 && t < 1))
            drop = 1;
    }
    return drop ? PAIR_DROP : PAIR_PASS;
}

/* With a 1200-byte MTU a message this long fills a packet: the hook's drops hit the DATA
 * chunk alone, never a FORWARD TSN bundled with it. */
#define MSG1 1168

static void test_rtx(void **state)
{
    (void)state;
    pair p;
    mpsctp_settings sa;
    pair_settings(&sa, PAIR_A);
    sa.mtu = 1200; /* one message per packet, nothing bundled with it */
    mpsctp_assoc *a = setup(&p, 5, &sa, NULL);
    rtx_drop r;
    memset(&r, 0, sizeof(r));
    p.user = &r;
    p.hook = drop_rtx;
    const uint32_t n = 45;
    for (uint32_t i = 0; i < n; i++)
        P_CHECK(&p, send_pr(&p, a, i, (uint16_t)(i % 4), MSG1, MPSCTP_PR_RTX, 1, 0) == 0,
                "send %u", i);
    /* Two losses in three packets: T3-rtx backs off; virtual time is cheap. */
    P_CHECK(&p, pair_pump_until(&p, SEC(600), all_acked, a), "not all acked");
    pair_pump(&p, SEC(1));
    outcome o;
    outcome_check(&p, n, &o);
    /* One retransmission allowed: a chunk lost twice is abandoned, lost once arrives. */
    for (uint32_t i = 0; i < n; i++) {
        if (i % 3 == 0)
            P_CHECK(&p, o.failed[i] && o.failed_sent[i] && !o.delivered[i], "message %u", i);
        else
            P_CHECK(&p, o.delivered[i] && !o.failed[i], "message %u", i);
        P_CHECK(&p, r.tx[i] <= 2, "message %u sent %u times", i, r.tx[i]);
    }
    check_counters(&p, a, &o);
    uint64_t u, s;
    assert_int_equal(mpsctp_assoc_pr_status(a, -1, MPSCTP_PR_RTX, &u, &s), 0);
    P_CHECK(&p, u == 0 && s == n / 3, "RTX counters %llu/%llu", (unsigned long long)u,
            (unsigned long long)s);
    check_idle(&p, a);
    pair_free(&p);
}

/* RTX 0 with ordered messages on few streams: the receiver skips the SSNs the FORWARD TSN
 * lists and keeps delivering in order. */
static void test_rtx0_ordered(void **state)
{
    (void)state;
    pair p;
    mpsctp_settings sa;
    pair_settings(&sa, PAIR_A);
    sa.mtu = 1200;
    mpsctp_assoc *a = setup(&p, 6, &sa, NULL);
    rtx_drop r;
    memset(&r, 0, sizeof(r));
    p.user = &r;
    p.hook = drop_rtx;
    const uint32_t n = 120;
    for (uint32_t i = 0; i < n; i++)
        P_CHECK(&p, send_pr(&p, a, i, (uint16_t)(i % 2), MSG1, MPSCTP_PR_RTX, 0, 0) == 0,
                "send %u", i);
    P_CHECK(&p, pair_pump_until(&p, SEC(600), all_acked, a), "not all acked");
    pair_pump(&p, SEC(1));
    outcome o;
    outcome_check(&p, n, &o); /* checks the order per stream */
    for (uint32_t i = 0; i < n; i++) {
        P_CHECK(&p, o.delivered[i] == (i % 3 == 2), "message %u delivered %u", i,
                o.delivered[i]);
        P_CHECK(&p, r.tx[i] == 1, "message %u sent %u times", i, r.tx[i]);
    }
    check_counters(&p, a, &o);
    check_idle(&p, a);
    pair_free(&p);
}

/* ---- PRIO ------------------------------------------------------------------------------- */

static int drop_a_all(pair *p, pair_pkt *k)
{
    sctp_tlv c;
    int *on = p->user;
    if (*on && k->from == PAIR_A && pair_find_chunk(k->data, k->len, SCTP_DATA, &c))
        return PAIR_DROP;
    return PAIR_PASS;
}

static void test_prio(void **state)
{
    (void)state;
    pair p;
    mpsctp_settings sa;
    pair_settings(&sa, PAIR_A);
    sa.sndbuf = 8192;
    mpsctp_assoc *a = setup(&p, 7, &sa, NULL);
    int on = 1;
    p.user = &on;
    p.hook = drop_a_all;
    /* Fill the buffer: 8 messages of priority 5 (the first ones leave at once). */
    uint32_t n = 0;
    for (; n < 8; n++)
        P_CHECK(&p, send_pr(&p, a, n, 0, 1000, MPSCTP_PR_PRIO, 5, 0) == 0, "send %u", n);
    pair_pump(&p, MS(5));
    P_CHECK(&p, send_pr(&p, a, n, 0, 1000, MPSCTP_PR_PRIO, 5, 0) == MPSCTP_ERR_WOULDBLOCK,
            "equal priority makes no room");
    P_CHECK(&p, send_pr(&p, a, n, 0, 1000, MPSCTP_PR_PRIO, 9, 0) == MPSCTP_ERR_WOULDBLOCK,
            "lower priority makes no room");
    P_CHECK(&p, send_pr(&p, a, n, 0, 1000, MPSCTP_PR_NONE, 0, 0) == MPSCTP_ERR_WOULDBLOCK,
            "reliable makes no room");
    /* A priority-1 message of 2500 bytes abandons three priority-5 ones, unsent first:
     * the newest (not yet cut into chunks, or cut and never sent). */
    size_t ev0 = p.s[PAIR_A].nev;
    P_CHECK(&p, send_pr(&p, a, n, 0, 2500, MPSCTP_PR_PRIO, 1, 0) == 0, "send prio 1");
    n++;
    pair_collect(&p);
    uint32_t failed = 0, failed_sent = 0;
    for (size_t i = ev0; i < p.s[PAIR_A].nev; i++) {
        const mpsctp_event *e = &p.s[PAIR_A].ev[i].ev;
        if (e->type != MPSCTP_EV_SEND_FAILED)
            continue;
        failed++;
        failed_sent += e->sent;
        P_CHECK(&p, e->pr_policy == MPSCTP_PR_PRIO && e->context < 8, "context %u",
                e->context);
    }
    P_CHECK(&p, failed == 3 && failed_sent == 0, "%u abandoned, %u of them sent", failed,
            failed_sent);
    uint64_t u, s;
    assert_int_equal(mpsctp_assoc_pr_status(a, 0, MPSCTP_PR_PRIO, &u, &s), 0);
    P_CHECK(&p, u == 3 && s == 0, "PRIO counters %llu/%llu", (unsigned long long)u,
            (unsigned long long)s);
    /* Priority 0 displaces priority 5 before priority 1, and messages already sent once
     * no unsent one of that priority is left. */
    ev0 = p.s[PAIR_A].nev;
    P_CHECK(&p, send_pr(&p, a, n, 1, 3000, MPSCTP_PR_PRIO, 0, 0) == 0, "send prio 0");
    n++;
    pair_collect(&p);
    failed_sent = 0;
    for (size_t i = ev0; i < p.s[PAIR_A].nev; i++)
        if (p.s[PAIR_A].ev[i].ev.type == MPSCTP_EV_SEND_FAILED)
            failed_sent += p.s[PAIR_A].ev[i].ev.sent;
    P_CHECK(&p, failed_sent > 0, "no sent message abandoned");
    on = 0;
    P_CHECK(&p, pair_pump_until(&p, SEC(60), all_acked, a), "not all acked");
    pair_pump(&p, SEC(1));
    outcome o;
    outcome_check(&p, n, &o);
    P_CHECK(&p, o.delivered[8] && o.delivered[9], "the high-priority messages arrive");
    check_counters(&p, a, &o);
    check_idle(&p, a);
    pair_free(&p);
}

/* ---- CMT over two paths ------------------------------------------------------------------ */

typedef struct cmt_loss {
    uint64_t rng;
    uint32_t dropped_on[2]; /* DATA packets dropped per destination address */
    int pct;
} cmt_loss;

static int drop_random_two_paths(pair *p, pair_pkt *k)
{
    cmt_loss *l = p->user;
    sctp_tlv c;
    if (k->from != PAIR_A || !pair_find_chunk(k->data, k->len, SCTP_DATA, &c))
        return PAIR_PASS;
    if ((int)(pair_rand(&l->rng) % 100) >= l->pct)
        return PAIR_PASS;
    int second = memcmp(k->dst.ip, p->s[PAIR_B].addr.ip, 4) != 0;
    l->dropped_on[second]++;
    return PAIR_DROP;
}

/* CMT workload: 8 streams, 300 to 2799 bytes, one policy. */
static msg_spec cmt_spec(uint32_t i, const void *arg)
{
    msg_spec m = *(const msg_spec *)arg;
    m.sid = (uint16_t)(i % 8);
    m.len = 300 + (i * 37) % 2500;
    return m;
}

static void run_cmt(uint64_t seed, uint16_t pol, uint32_t val, int unordered)
{
    pair p;
    mpsctp_settings sa, sb;
    pair_settings(&sa, PAIR_A);
    pair_settings(&sb, PAIR_B);
    sa.cmt = MPSCTP_CMT_BASE;
    sb.cmt = MPSCTP_CMT_BASE;
    sa.hb_interval_ms = 200;
    pair_init(&p, seed, &sa, &sb);
    pair_add_addr(&p, PAIR_A, IP_A2);
    pair_add_addr(&p, PAIR_B, IP_B2);
    mpsctp_assoc *a = pair_connect(&p, PAIR_A);
    P_CHECK(&p, a && pair_pump_until(&p, SEC(5), pair_cond_up, NULL), "no handshake");
    pair_pump(&p, SEC(2)); /* heartbeats confirm the second path */
    mpsctp_assoc_status st = pair_status(a);
    P_CHECK(&p, st.num_paths == 2, "%u paths", st.num_paths);
    cmt_loss l = {seed * 77 + 1, {0, 0}, 15};
    p.user = &l;
    p.hook = drop_random_two_paths;
    const uint32_t n = 600;
    msg_spec proto = {0, pol, val, 0, unordered};
    send_workload(&p, a, n, 20, cmt_spec, &proto);
    l.pct = 0;
    outcome o;
    finish(&p, a, n, &o);
    P_CHECK(&p, o.nfailed_sent > 0, "nothing abandoned");
    P_CHECK(&p, l.dropped_on[0] > 0 && l.dropped_on[1] > 0, "losses %u/%u", l.dropped_on[0],
            l.dropped_on[1]);
    for (uint32_t i = 0; i < 2; i++) {
        mpsctp_path_info pi;
        assert_int_equal(mpsctp_assoc_path_info(a, i, &pi), 0);
        P_CHECK(&p, pi.data_chunks_sent > 50, "path %u carried %llu chunks", i,
                (unsigned long long)pi.data_chunks_sent);
    }
    check_counters(&p, a, &o);
    check_idle(&p, a);
    pair_free(&p);
}

static void test_cmt_rtx0(void **state)
{
    (void)state;
    run_cmt(8, MPSCTP_PR_RTX, 0, 0);
}

static void test_cmt_ttl_unordered(void **state)
{
    (void)state;
    run_cmt(9, MPSCTP_PR_TTL, 150, 1);
}

/* ---- data-channel profile ---------------------------------------------------------------- */

typedef struct dc_loss {
    uint64_t rng;
    int pct;
} dc_loss;

/* Drops a random share of every packet after the handshake, both ways. */
static int drop_random(pair *p, pair_pkt *k)
{
    dc_loss *l = p->user;
    sctp_tlv c;
    if (pair_find_chunk(k->data, k->len, SCTP_INIT, &c) ||
        pair_find_chunk(k->data, k->len, SCTP_SHUTDOWN, &c))
        return PAIR_PASS;
    return (int)(pair_rand(&l->rng) % 100) < l->pct ? PAIR_DROP : PAIR_PASS;
}

/* Data-channel workload: 16 streams, unordered, 1 to 3000 bytes; rtx 0 on the even
 * streams, a 300 ms lifetime on the odd ones. */
static msg_spec dc_spec(uint32_t i, const void *arg)
{
    (void)arg;
    msg_spec m = {(uint16_t)(i % 16), MPSCTP_PR_RTX, 0, 1 + (i * 131) % 3000, 1};
    if (m.sid % 2) {
        m.pol = MPSCTP_PR_TTL;
        m.val = 300;
    }
    return m;
}

static void test_datachannel_profile(void **state)
{
    (void)state;
    for (uint64_t seed = 20; seed < 23; seed++) {
        pair p;
        mpsctp_settings sa;
        pair_settings(&sa, PAIR_A);
        sa.num_ostreams = 16;
        mpsctp_assoc *a = setup(&p, seed, &sa, NULL);
        dc_loss l = {seed * 1000003u, 10};
        p.user = &l;
        p.hook = drop_random;
        const uint32_t n = 2000;
        send_workload(&p, a, n, 10, dc_spec, NULL);
        l.pct = 0;
        outcome o;
        finish(&p, a, n, &o);
        P_CHECK(&p, o.nfailed > 0, "nothing abandoned");
        P_CHECK(&p, o.ndelivered > n / 2, "%u delivered", o.ndelivered);
        check_counters(&p, a, &o);
        check_idle(&p, a);
        uint64_t u, s, u2, s2;
        assert_int_equal(mpsctp_assoc_pr_status(a, -1, MPSCTP_PR_RTX, &u, &s), 0);
        assert_int_equal(mpsctp_assoc_pr_status(a, -1, MPSCTP_PR_TTL, &u2, &s2), 0);
        P_CHECK(&p, s > 0, "no rtx abandonment");
        P_CHECK(&p, u + s + u2 + s2 == o.nfailed, "policy sums");
        print_message("seed %llu: %u messages, %u delivered, %u abandoned (%u sent)\n",
                      (unsigned long long)seed, n, o.ndelivered, o.nfailed, o.nfailed_sent);
        pair_free(&p);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_negotiated),
        cmocka_unit_test(test_not_negotiated_reliable),
        cmocka_unit_test(test_ttl),
        cmocka_unit_test(test_rtx),
        cmocka_unit_test(test_rtx0_ordered),
        cmocka_unit_test(test_prio),
        cmocka_unit_test(test_cmt_rtx0),
        cmocka_unit_test(test_cmt_ttl_unordered),
        cmocka_unit_test(test_datachannel_profile),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
