/* One-to-many sockets, peeloff, address lists, several stacks, and junk datagrams sent
 * to a stack's UDP port. */
#include <stdlib.h>
#include <unistd.h>

#include "api_util.h"

static void test_one_to_many(void **state)
{
    mpsctp_stack *sst = ut_stack(0), *c1st = ut_stack(0), *c2st = ut_stack(0);
    int srv = ut_listener(sst, SOCK_SEQPACKET, 6001);
    ut_event(srv, SCTP_ASSOC_CHANGE);
    int on = 1;
    mpsctp_setsockopt(srv, IPPROTO_SCTP, SCTP_RECVRCVINFO, &on, sizeof(on));
    int c1 = ut_client(c1st, SOCK_SEQPACKET, sst), c2 = ut_client(c2st, SOCK_STREAM, sst);
    struct sockaddr_in sa = ut_sin(6001);
    /* implicit association setup by sendv to an address */
    struct iovec iov = {"one", 3};
    assert_int_equal(mpsctp_sendv(c1, &iov, 1, (struct sockaddr *)&sa, 1, NULL, 0,
                                  SCTP_SENDV_NOINFO, 0),
                     3);
    assert_int_equal(mpsctp_connect(c2, (struct sockaddr *)&sa, sizeof(sa)), 0);
    /* Two COMM_UPs and the data, in an order that depends on the handshakes; c1's data
     * comes after c1's COMM_UP. */
    sctp_assoc_t up[2] = {0, 0}, data_id = 0;
    int nup = 0;
    char buf[64];
    for (int i = 0; i < 3; i++) {
        struct sctp_rcvinfo rcv;
        int fl;
        memset(&rcv, 0, sizeof(rcv));
        ssize_t k = ut_recv(srv, buf, sizeof(buf), &fl, &rcv);
        assert_true(k > 0);
        if (fl & MSG_NOTIFICATION) {
            struct sctp_assoc_change *ac = (struct sctp_assoc_change *)buf;
            assert_int_equal(ac->sac_type, SCTP_ASSOC_CHANGE);
            assert_int_equal(ac->sac_state, SCTP_COMM_UP);
            up[nup++] = ac->sac_assoc_id;
        } else {
            assert_int_equal(k, 3);
            data_id = rcv.rcv_assoc_id;
            assert_true(data_id == up[0] || data_id == up[1]);
        }
    }
    assert_int_equal(nup, 2);
    sctp_assoc_t id1 = data_id, id2 = up[0] == data_id ? up[1] : up[0];
    assert_true(id1 != id2 && id1 > SCTP_ALL_ASSOC && id2 > SCTP_ALL_ASSOC);

    /* the association id list */
    uint8_t idbuf[sizeof(struct sctp_assoc_ids) + 8 * sizeof(sctp_assoc_t)];
    socklen_t il = sizeof(idbuf);
    assert_int_equal(mpsctp_getsockopt(srv, IPPROTO_SCTP, SCTP_GET_ASSOC_ID_LIST, idbuf, &il), 0);
    struct sctp_assoc_ids *ids = (struct sctp_assoc_ids *)idbuf;
    assert_int_equal(ids->gaids_number_of_ids, 2);
    assert_true((ids->gaids_assoc_id[0] == id1 && ids->gaids_assoc_id[1] == id2) ||
                (ids->gaids_assoc_id[0] == id2 && ids->gaids_assoc_id[1] == id1));
    il = sizeof(struct sctp_assoc_ids) + sizeof(sctp_assoc_t); /* room for one: EINVAL */
    assert_int_equal(mpsctp_getsockopt(srv, IPPROTO_SCTP, SCTP_GET_ASSOC_ID_LIST, idbuf, &il),
                     -1);
    assert_int_equal(errno, EINVAL);

    /* sendv to each association by id */
    struct sctp_sndinfo si = {.snd_assoc_id = id2, .snd_sid = 2};
    struct iovec r2 = {"to-two", 6};
    assert_int_equal(mpsctp_sendv(srv, &r2, 1, NULL, 0, &si, sizeof(si), SCTP_SENDV_SNDINFO, 0),
                     6);
    assert_int_equal(ut_recv(c2, buf, sizeof(buf), NULL, NULL), 6);
    assert_memory_equal(buf, "to-two", 6);
    si.snd_assoc_id = id1;
    struct iovec r1 = {"to-one", 6};
    assert_int_equal(mpsctp_sendv(srv, &r1, 1, NULL, 0, &si, sizeof(si), SCTP_SENDV_SNDINFO, 0),
                     6);
    assert_int_equal(ut_recv(c1, buf, sizeof(buf), NULL, NULL), 6);
    assert_memory_equal(buf, "to-one", 6);
    /* unknown id */
    si.snd_assoc_id = 12345;
    assert_int_equal(mpsctp_sendv(srv, &r1, 1, NULL, 0, &si, sizeof(si), SCTP_SENDV_SNDINFO, 0),
                     -1);
    assert_int_equal(errno, ENOENT);
    /* SCTP_SENDALL */
    si.snd_flags = SCTP_SENDALL;
    struct iovec ra = {"all", 3};
    assert_int_equal(mpsctp_sendv(srv, &ra, 1, NULL, 0, &si, sizeof(si), SCTP_SENDV_SNDINFO, 0),
                     3);
    assert_int_equal(ut_recv(c1, buf, sizeof(buf), NULL, NULL), 3);
    assert_memory_equal(buf, "all", 3);
    assert_int_equal(ut_recv(c2, buf, sizeof(buf), NULL, NULL), 3);
    assert_memory_equal(buf, "all", 3);

    /* peer addresses and local addresses */
    struct sockaddr *addrs;
    int n = mpsctp_getpaddrs(srv, id2, &addrs);
    assert_int_equal(n, 1);
    assert_int_equal(((struct sockaddr_in *)addrs)->sin_addr.s_addr, htonl(INADDR_LOOPBACK));
    mpsctp_freepaddrs(addrs);
    n = mpsctp_getpaddrs(c2, 0, &addrs);
    assert_int_equal(n, 1);
    assert_int_equal(ntohs(((struct sockaddr_in *)addrs)->sin_port), 6001);
    mpsctp_freepaddrs(addrs);
    n = mpsctp_getladdrs(srv, SCTP_FUTURE_ASSOC, &addrs);
    assert_int_equal(n, 1);
    assert_int_equal(ntohs(((struct sockaddr_in *)addrs)->sin_port), 6001);
    mpsctp_freeladdrs(addrs);
    n = mpsctp_getladdrs(srv, id1, &addrs);
    assert_true(n >= 1);
    assert_int_equal(((struct sockaddr_in *)addrs)->sin_addr.s_addr, htonl(INADDR_LOOPBACK));
    mpsctp_freeladdrs(addrs);
    assert_int_equal(mpsctp_getladdrs(srv, 9999, &addrs), -1);
    assert_int_equal(errno, ENOENT);

    /* peeloff: association 2 moves to its own one-to-one socket */
    assert_int_equal(mpsctp_peeloff(srv, 9999), -1);
    assert_int_equal(errno, ENOENT);
    assert_int_equal(mpsctp_peeloff(c2, 0), -1);
    assert_int_equal(errno, EINVAL);
    assert_int_equal(mpsctp_send(c2, "queued", 6, 0), 6);
    usleep(100000); /* let it land in srv's queue first */
    int p = mpsctp_peeloff(srv, id2);
    assert_true(p >= 0);
    assert_int_equal(ut_recv(p, buf, sizeof(buf), NULL, NULL), 6);
    assert_memory_equal(buf, "queued", 6);
    assert_int_equal(mpsctp_send(p, "peeled", 6, 0), 6);
    assert_int_equal(ut_recv(c2, buf, sizeof(buf), NULL, NULL), 6);
    assert_memory_equal(buf, "peeled", 6);
    il = sizeof(idbuf);
    assert_int_equal(mpsctp_getsockopt(srv, IPPROTO_SCTP, SCTP_GET_ASSOC_ID_LIST, idbuf, &il), 0);
    assert_int_equal(ids->gaids_number_of_ids, 1);
    assert_int_equal(ids->gaids_assoc_id[0], id1); /* the peeled-off one is gone */
    /* shutdown is not for one-to-many; SCTP_EOF is */
    assert_int_equal(mpsctp_shutdown(srv, SHUT_WR), -1);
    assert_int_equal(errno, EOPNOTSUPP);
    si.snd_flags = SCTP_EOF;
    si.snd_assoc_id = id1;
    assert_int_equal(mpsctp_sendv(srv, NULL, 0, NULL, 0, &si, sizeof(si), SCTP_SENDV_SNDINFO, 0),
                     0);
    struct sctp_assoc_change ac;
    ut_event(c1, SCTP_ASSOC_CHANGE);
    assert_int_equal(ut_wait_notification(srv, SCTP_ASSOC_CHANGE, &ac, sizeof(ac)), 0);
    assert_int_equal(ac.sac_state, SCTP_SHUTDOWN_COMP);
    assert_int_equal(ac.sac_assoc_id, id1);
    mpsctp_close(p);
    mpsctp_close(c1);
    mpsctp_close(c2);
    mpsctp_close(srv);
    mpsctp_stack_free(sst);
    mpsctp_stack_free(c1st);
    mpsctp_stack_free(c2st);
}

static void test_junk_datagrams(void **state)
{
    mpsctp_stack *a = ut_stack(0), *b = ut_stack(0);
    int c, s;
    int ls = ut_pair(a, b, 6002, &c, &s);
    int u = socket(AF_INET, SOCK_DGRAM, 0);
    struct sockaddr_in to = ut_sin(mpsctp_stack_udp_port(b));
    uint8_t junk[64];
    memset(junk, 0xab, sizeof(junk));
    mpsctp_stack_stats before, after;
    mpsctp_stack_stats_get(b, &before);
    sendto(u, junk, 5, 0, (struct sockaddr *)&to, sizeof(to)); /* too short */
    /* SCTP header to port 6002 with a bad checksum */
    uint8_t pkt[32] = {0x13, 0x88, 0x17, 0x72};
    sendto(u, pkt, sizeof(pkt), 0, (struct sockaddr *)&to, sizeof(to));
    /* to a port nobody is bound to */
    uint8_t pkt2[16] = {0x13, 0x88, 0x00, 0x07};
    sendto(u, pkt2, sizeof(pkt2), 0, (struct sockaddr *)&to, sizeof(to));
    sendto(u, junk, sizeof(junk), 0, (struct sockaddr *)&to, sizeof(to));
    /* Each datagram lands in its own counter: short, bad CRC32c on a bound port, two to
     * unbound SCTP ports (7 and 0xabab). Wait for all four drops, not just for any four
     * datagrams (udp_in also counts the association's own packets). */
    for (int i = 0; i < 100; i++) {
        mpsctp_stack_stats_get(b, &after);
        if (after.dropped_short + after.dropped_checksum + after.dropped_no_endpoint >=
            before.dropped_short + before.dropped_checksum + before.dropped_no_endpoint + 4)
            break;
        usleep(10000);
    }
    assert_true(after.udp_in >= before.udp_in + 4);
    assert_int_equal(after.dropped_short - before.dropped_short, 1);
    assert_int_equal(after.dropped_checksum - before.dropped_checksum, 1);
    assert_int_equal(after.dropped_no_endpoint - before.dropped_no_endpoint, 2);
    assert_int_equal(after.dropped_malformed - before.dropped_malformed, 0);
    /* the association is undisturbed */
    char buf[8];
    assert_int_equal(mpsctp_send(c, "ok", 2, 0), 2);
    assert_int_equal(ut_recv(s, buf, sizeof(buf), NULL, NULL), 2);
    assert_int_equal(mpsctp_send(s, "ok", 2, 0), 2);
    assert_int_equal(ut_recv(c, buf, sizeof(buf), NULL, NULL), 2);
    close(u);
    mpsctp_close(c);
    mpsctp_close(s);
    mpsctp_close(ls);
    mpsctp_stack_free(a);
    mpsctp_stack_free(b);
}

/* Two stacks on different UDP ports, each with a server and a client of the other. */
static void test_two_stacks(void **state)
{
    mpsctp_stack *a = ut_stack(0), *b = ut_stack(0);
    assert_true(mpsctp_stack_udp_port(a) != mpsctp_stack_udp_port(b));
    int c1, s1, c2, s2;
    int l1 = ut_pair(a, b, 6003, &c1, &s1);
    int l2 = ut_pair(b, a, 6003, &c2, &s2); /* same SCTP port on the other stack */
    char buf[8];
    assert_int_equal(mpsctp_send(c1, "ab", 2, 0), 2);
    assert_int_equal(mpsctp_send(c2, "ba", 2, 0), 2);
    assert_int_equal(ut_recv(s1, buf, sizeof(buf), NULL, NULL), 2);
    assert_memory_equal(buf, "ab", 2);
    assert_int_equal(ut_recv(s2, buf, sizeof(buf), NULL, NULL), 2);
    assert_memory_equal(buf, "ba", 2);
    /* bind conflicts */
    int x = mpsctp_socket_on(a, AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in sa = ut_sin(6003);
    assert_int_equal(mpsctp_bind(x, (struct sockaddr *)&sa, sizeof(sa)), -1);
    assert_int_equal(errno, EADDRINUSE);
    sa.sin_port = htons(6004);
    assert_int_equal(mpsctp_bind(x, (struct sockaddr *)&sa, sizeof(sa)), 0);
    assert_int_equal(mpsctp_bind(x, (struct sockaddr *)&sa, sizeof(sa)), -1);
    assert_int_equal(errno, EINVAL);
    struct sockaddr_in other = ut_sin(6005);
    other.sin_addr.s_addr = inet_addr("10.255.255.1");
    int y = mpsctp_socket_on(a, AF_INET, SOCK_STREAM, 0);
    assert_int_equal(mpsctp_bind(y, (struct sockaddr *)&other, sizeof(other)), -1);
    assert_int_equal(errno, EADDRNOTAVAIL);
    /* bindx */
    struct sockaddr_in bx = ut_sin(6006);
    assert_int_equal(mpsctp_bindx(y, (struct sockaddr *)&bx, 1, SCTP_BINDX_ADD_ADDR), 0);
    assert_int_equal(mpsctp_bindx(y, (struct sockaddr *)&bx, 1, SCTP_BINDX_REM_ADDR), -1);
    assert_int_equal(errno, EINVAL); /* the last address stays */
    assert_int_equal(mpsctp_bindx(y, (struct sockaddr *)&bx, 1, 0), -1);
    assert_int_equal(errno, EINVAL);
    mpsctp_close(x);
    mpsctp_close(y);
    assert_int_equal(mpsctp_socket_on(a, AF_UNIX, SOCK_STREAM, 0), -1);
    assert_int_equal(errno, EAFNOSUPPORT);
    assert_int_equal(mpsctp_socket_on(a, AF_INET, SOCK_DGRAM, 0), -1);
    assert_int_equal(errno, ESOCKTNOSUPPORT);
    assert_int_equal(mpsctp_socket_on(a, AF_INET, SOCK_STREAM, IPPROTO_TCP), -1);
    assert_int_equal(errno, EPROTONOSUPPORT);
    mpsctp_close(c1);
    mpsctp_close(s1);
    mpsctp_close(c2);
    mpsctp_close(s2);
    mpsctp_close(l1);
    mpsctp_close(l2);
    mpsctp_stack_free(a);
    mpsctp_stack_free(b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_one_to_many),
        cmocka_unit_test(test_junk_datagrams),
        cmocka_unit_test(test_two_stacks),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
