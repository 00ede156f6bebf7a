/* Notifications: every type, their order relative to data, and SCTP_RECVNXTINFO. */
#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

#include "api_util.h"

static void test_comm_up_data_shutdown_order(void **state)
{
    mpsctp_stack *a = ut_stack(0), *b = ut_stack(0);
    int srv = ut_listener(b, SOCK_SEQPACKET, 8001);
    ut_event(srv, SCTP_ASSOC_CHANGE);
    ut_event(srv, SCTP_SHUTDOWN_EVENT);
    int on = 1;
    mpsctp_setsockopt(srv, IPPROTO_SCTP, SCTP_RECVNXTINFO, &on, sizeof(on));
    int c = ut_client(a, SOCK_STREAM, b);
    ut_event(c, SCTP_SENDER_DRY_EVENT);
    ut_event(c, SCTP_ASSOC_CHANGE);
    struct sockaddr_in sa = ut_sin(8001);
    assert_int_equal(mpsctp_connect(c, (struct sockaddr *)&sa, sizeof(sa)), 0);
    assert_int_equal(mpsctp_send(c, "m1", 2, 0), 2);
    assert_int_equal(mpsctp_send(c, "m2", 2, 0), 2);
    struct sctp_assoc_change ac;
    assert_int_equal(ut_wait_notification(c, SCTP_ASSOC_CHANGE, &ac, sizeof(ac)), 0);
    assert_int_equal(ac.sac_state, SCTP_COMM_UP);
    assert_int_equal(ac.sac_outbound_streams, 10);
    assert_int_equal(ut_wait_notification(c, SCTP_SENDER_DRY_EVENT, NULL, 0), 0);
    mpsctp_close(c); /* graceful */
    /* server: COMM_UP, m1, m2, SHUTDOWN_EVENT, SHUTDOWN_COMP in this order */
    uint8_t buf[256];
    int fl;
    struct iovec iov = {buf, sizeof(buf)};
    uint16_t expect_type[] = {SCTP_ASSOC_CHANGE, 0, 0, SCTP_SHUTDOWN_EVENT, SCTP_ASSOC_CHANGE};
    for (int i = 0; i < 5; i++) {
        assert_true(ut_poll(srv, POLLIN, 5000) & POLLIN);
        struct sctp_nxtinfo nxt;
        socklen_t nl = sizeof(nxt);
        unsigned int type = 0;
        fl = 0;
        ssize_t n = mpsctp_recvv(srv, &iov, 1, NULL, NULL, &nxt, &nl, &type, &fl);
        assert_true(n > 0);
        if (expect_type[i]) {
            assert_true(fl & MSG_NOTIFICATION);
            assert_int_equal(((struct sctp_tlv *)buf)->sn_type, expect_type[i]);
        } else {
            assert_false(fl & MSG_NOTIFICATION);
            assert_int_equal(n, 2);
            assert_int_equal(buf[1], '1' + (i - 1));
        }
        if (i == 0) {
            /* nxtinfo after COMM_UP may describe m1 if it is already queued */
            if (type == SCTP_RECVV_NXTINFO) {
                assert_int_equal(nxt.nxt_length, 2);
                assert_true(nxt.nxt_flags & SCTP_COMPLETE);
            }
        }
        if (i == 4) {
            assert_int_equal(((struct sctp_assoc_change *)buf)->sac_state, SCTP_SHUTDOWN_COMP);
        }
    }
    mpsctp_close(srv);
    mpsctp_stack_free(a);
    mpsctp_stack_free(b);
}

/* The peer's stack stops processing: heartbeats and data go unanswered. */
static void test_unreachable_send_failed_comm_lost(void **state)
{
    mpsctp_stack *a = ut_stack(0), *b = ut_stack(1);
    int ls = ut_listener(b, SOCK_STREAM, 8002);
    int c = ut_client(a, SOCK_STREAM, b);
    ut_event(c, SCTP_PEER_ADDR_CHANGE);
    ut_event(c, SCTP_SEND_FAILED_EVENT);
    ut_event(c, SCTP_ASSOC_CHANGE);
    struct sctp_rtoinfo rto = {.srto_initial = 100, .srto_min = 50, .srto_max = 100};
    mpsctp_setsockopt(c, IPPROTO_SCTP, SCTP_RTOINFO, &rto, sizeof(rto));
    struct sockaddr_in sa = ut_sin(8002);
    fcntl(c, F_SETFL, O_NONBLOCK);
    assert_int_equal(mpsctp_connect(c, (struct sockaddr *)&sa, sizeof(sa)), -1);
    assert_int_equal(errno, EINPROGRESS);
    for (int i = 0; i < 200 && !(ut_poll(c, POLLOUT, 0) & POLLOUT); i++)
        mpsctp_stack_process(b, 10);
    assert_true(ut_poll(c, POLLOUT, 0) & POLLOUT);
    struct sctp_assoc_change ac;
    assert_int_equal(ut_wait_notification(c, SCTP_ASSOC_CHANGE, &ac, sizeof(ac)), 0);
    assert_int_equal(ac.sac_state, SCTP_COMM_UP);
    /* b is silent from now on */
    struct sctp_paddrparams pp;
    memset(&pp, 0, sizeof(pp));
    pp.spp_hbinterval = 50;
    pp.spp_pathmaxrxt = 1;
    pp.spp_flags = SPP_HB_ENABLE;
    assert_int_equal(mpsctp_setsockopt(c, IPPROTO_SCTP, SCTP_PEER_ADDR_PARAMS, &pp, sizeof(pp)),
                     0);
    struct sctp_assocparams ap = {.sasoc_asocmaxrxt = 4};
    assert_int_equal(mpsctp_setsockopt(c, IPPROTO_SCTP, SCTP_ASSOCINFO, &ap, sizeof(ap)), 0);
    struct sctp_sndinfo si = {.snd_sid = 1, .snd_context = 0xc0ffee};
    struct iovec iov = {"lost", 4};
    assert_int_equal(mpsctp_sendv(c, &iov, 1, NULL, 0, &si, sizeof(si), SCTP_SENDV_SNDINFO, 0),
                     4);
    fcntl(c, F_SETFL, 0);
    struct sctp_paddr_change pc;
    assert_int_equal(ut_wait_notification(c, SCTP_PEER_ADDR_CHANGE, &pc, sizeof(pc)), 0);
    assert_int_equal(pc.spc_state, SCTP_ADDR_UNREACHABLE);
    int seen_failed = 0, seen_lost = 0;
    uint8_t buf[512];
    /* The core reports the association lost, then each message it could not deliver;
     * after the notifications recv reports the error. */
    ssize_t n;
    for (int i = 0; i < 10; i++) {
        int fl = 0;
        n = ut_recv(c, buf, sizeof(buf), &fl, NULL);
        if (n <= 0)
            break;
        const struct sctp_tlv *h = (const struct sctp_tlv *)buf;
        if (h->sn_type == SCTP_SEND_FAILED_EVENT) {
            const struct sctp_send_failed_event *sf = (const void *)buf;
            assert_int_equal(sf->ssfe_info.snd_context, 0xc0ffee);
            assert_int_equal(sf->ssfe_info.snd_sid, 1);
            seen_failed = 1;
        }
        if (h->sn_type == SCTP_ASSOC_CHANGE) {
            assert_int_equal(((struct sctp_assoc_change *)buf)->sac_state, SCTP_COMM_LOST);
            seen_lost = 1;
        }
    }
    assert_true(seen_failed);
    assert_true(seen_lost);
    assert_int_equal(n, -1);
    assert_int_equal(errno, ETIMEDOUT);
    mpsctp_close(c);
    mpsctp_close(ls);
    mpsctp_stack_free(a);
    mpsctp_stack_free(b);
}

/* ---- REMOTE_ERROR: a chunk of unknown type (upper bits 01: skip and report) makes the
 * receiver send an ERROR chunk (RFC 9260 s3.2). The packet is crafted with the vtag seen
 * in a packet trace. */

static uint32_t crc32c(const uint8_t *p, size_t n)
{
    uint32_t c = 0xffffffffu;
    for (size_t i = 0; i < n; i++) {
        c ^= p[i];
        for (int k = 0; k < 8; k++)
            c = (c >> 1) ^ (0x82f63b78u & (0u - (c & 1)));
    }
    return ~c;
}

static uint8_t g_hdr[12];
static int g_have;

static void trace_cb(void *user, int dir, const uint8_t *pkt, size_t len,
                     const struct sockaddr *l, const struct sockaddr *r)
{
    /* a packet b sends towards the client after the handshake: ports and client's tag */
    if (dir == 1 && len >= 16 && pkt[12] != 1 && pkt[12] != 2 && pkt[12] != 10 &&
        (pkt[4] | pkt[5] | pkt[6] | pkt[7])) {
        memcpy(g_hdr, pkt, 12);
        g_have = 1;
    }
}

static void test_remote_error(void **state)
{
    mpsctp_stack *a = ut_stack(0);
    mpsctp_stack_config cfg;
    memset(&cfg, 0, sizeof(cfg));
    cfg.udp_port = MPSCTP_UDP_PORT_ANY;
    cfg.naddrs = 1;
    struct sockaddr_in *ba = (struct sockaddr_in *)&cfg.addrs[0];
    ba->sin_family = AF_INET;
    ba->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    cfg.trace = trace_cb;
    mpsctp_stack *b = mpsctp_stack_new(&cfg);
    assert_non_null(b);
    int c, s;
    int ls = ut_pair(a, b, 8003, &c, &s);
    ut_event(s, SCTP_REMOTE_ERROR);
    /* data from b to c: b's packets carry c's tag */
    assert_int_equal(mpsctp_send(s, "x", 1, 0), 1);
    char x[4];
    assert_int_equal(ut_recv(c, x, sizeof(x), NULL, NULL), 1);
    for (int i = 0; i < 100 && !g_have; i++)
        usleep(10000);
    assert_true(g_have);
    /* Send to a's stack as if from b: b's UDP port, SCTP ports and tag of b's packets. */
    uint8_t pkt[20];
    memcpy(pkt, g_hdr, 12);
    memset(pkt + 8, 0, 4);
    pkt[12] = 0x7f; /* unknown chunk type, upper bits 01: report */
    pkt[13] = 0;
    pkt[14] = 0;
    pkt[15] = 8;
    memset(pkt + 16, 0, 4);
    uint32_t crc = crc32c(pkt, sizeof(pkt));
    pkt[8] = (uint8_t)crc;
    pkt[9] = (uint8_t)(crc >> 8);
    pkt[10] = (uint8_t)(crc >> 16);
    pkt[11] = (uint8_t)(crc >> 24);
    int u = socket(AF_INET, SOCK_DGRAM, 0);
    struct sockaddr_in to = ut_sin(mpsctp_stack_udp_port(a));
    assert_int_equal(sendto(u, pkt, sizeof(pkt), 0, (struct sockaddr *)&to, sizeof(to)),
                     (ssize_t)sizeof(pkt));
    /* RFC 6951 s5.4: the packet carries the association's tag, so its UDP source port
     * becomes the encapsulation port of b's address: a's ERROR (Unrecognized Chunk Type)
     * comes back to u. Hand it on to b, where it becomes the notification. */
    uint8_t reply[256];
    struct timeval tv = {5, 0};
    setsockopt(u, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
    ssize_t rn = recv(u, reply, sizeof(reply), 0);
    assert_true(rn >= 16 + 8);
    assert_int_equal(reply[12], 9); /* ERROR */
    assert_int_equal(reply[17], 6); /* cause: Unrecognized Chunk Type */
    struct sockaddr_in tob = ut_sin(mpsctp_stack_udp_port(b));
    assert_int_equal(sendto(u, reply, (size_t)rn, 0, (struct sockaddr *)&tob, sizeof(tob)), rn);
    struct sctp_remote_error re;
    assert_int_equal(ut_wait_notification(s, SCTP_REMOTE_ERROR, &re, sizeof(re)), 0);
    assert_int_equal(re.sre_error, 6); /* Unrecognized Chunk Type */
    close(u);
    /* The UDP ports moved to u: a graceful shutdown could not reach either end (it would
     * hold mpsctp_stack_free for its linger time). Abort. */
    ut_linger_abort(c);
    ut_linger_abort(s);
    mpsctp_close(c);
    mpsctp_close(s);
    mpsctp_close(ls);
    mpsctp_stack_free(a);
    mpsctp_stack_free(b);
}

static void test_cant_start_and_disabled_events(void **state)
{
    mpsctp_stack *a = ut_stack(0), *b = ut_stack(0);
    int m = ut_client(a, SOCK_SEQPACKET, b);
    ut_event(m, SCTP_ASSOC_CHANGE);
    struct sockaddr_in sa = ut_sin(8004); /* nobody listens */
    struct iovec iov = {"x", 1};
    assert_int_equal(mpsctp_sendv(m, &iov, 1, (struct sockaddr *)&sa, 1, NULL, 0,
                                  SCTP_SENDV_NOINFO, 0),
                     1);
    struct sctp_assoc_change ac;
    assert_int_equal(ut_wait_notification(m, SCTP_ASSOC_CHANGE, &ac, sizeof(ac)), 0);
    assert_int_equal(ac.sac_state, SCTP_CANT_STR_ASSOC);
    /* events not enabled are not delivered */
    int c, s;
    int ls = ut_pair(a, b, 8005, &c, &s);
    assert_int_equal(mpsctp_send(c, "d", 1, 0), 1);
    char buf[64];
    int fl = 0;
    assert_int_equal(ut_recv(s, buf, sizeof(buf), &fl, NULL), 1);
    assert_false(fl & MSG_NOTIFICATION);
    mpsctp_close(m);
    mpsctp_close(c);
    mpsctp_close(s);
    mpsctp_close(ls);
    mpsctp_stack_free(a);
    mpsctp_stack_free(b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_comm_up_data_shutdown_order),
        cmocka_unit_test(test_unreachable_send_failed_comm_lost),
        cmocka_unit_test(test_remote_error),
        cmocka_unit_test(test_cant_start_and_disabled_events),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
