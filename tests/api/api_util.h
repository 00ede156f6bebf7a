/* Helpers shared by the sockets API tests: stacks on kernel-chosen loopback UDP ports
 * (no collisions between parallel test runs), listeners, connected pairs, polling. */
#ifndef API_UTIL_H
#define API_UTIL_H

#include <arpa/inet.h>
#include <errno.h>
#include <poll.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "mpsctp/socket.h"

/* call must fail with errno e. */
#define EXPECT_ERR(call, e)                                                               \
    do {                                                                                  \
        errno = 0;                                                                        \
        assert_int_equal((call), -1);                                                     \
        assert_int_equal(errno, (e));                                                     \
    } while (0)

/* Seconds on the monotonic clock. */
double ut_now(void);
/* Closes the n sockets of sds, then frees stacks a and b. */
void ut_down(mpsctp_stack *a, mpsctp_stack *b, const int *sds, size_t n);

/* The configuration of ut_stack: 127.0.0.1, a kernel-chosen UDP port, own thread. */
mpsctp_stack_config ut_stack_config(void);
/* A stack on 127.0.0.1 with a kernel-chosen UDP port; own thread unless no_thread. */
mpsctp_stack *ut_stack(int no_thread);
/* 127.0.0.1:port */
struct sockaddr_in ut_sin(uint16_t port);
/* ip:port, ip in host byte order */
struct sockaddr_in ut_sin4(uint32_t ip, uint16_t port);
/* A socket of type on st bound to 127.0.0.1:port and listening. */
int ut_listener(mpsctp_stack *st, int type, uint16_t port);
/* A socket of type on st whose associations use the UDP port of stack peer. */
int ut_client(mpsctp_stack *st, int type, mpsctp_stack *peer);
/* A connected one-to-one pair: *c on cst connected to a listener on sst (port), *s the
 * accepted socket; the listener is returned. */
int ut_pair(mpsctp_stack *cst, mpsctp_stack *sst, uint16_t port, int *c, int *s);
/* setsockopt of an int option; fails the test when refused. */
void ut_set_int(int sd, int level, int name, int v);
/* SO_LINGER {1, 0}: mpsctp_close(sd) then aborts. */
void ut_linger_abort(int sd);
/* A one-to-one listener on st at 127.0.0.1:port whose accepted sockets (and their
 * associations' receive windows) get SO_RCVBUF rcvbuf. */
int ut_listener_rcvbuf(mpsctp_stack *st, uint16_t port, int rcvbuf);
/* poll() for events on fd; returns revents (0 on timeout). */
int ut_poll(int fd, short events, int ms);
/* Enables notification type on sd (SCTP_FUTURE_ASSOC). */
void ut_event(int sd, uint16_t type);
/* Receives the next message on sd with a 5 s poll timeout; returns the length and
 * *flags. */
ssize_t ut_recv(int sd, void *buf, size_t cap, int *flags, struct sctp_rcvinfo *rcv);
/* Receives until a notification of type arrives (data is skipped); returns 0 or -1. */
int ut_wait_notification(int sd, uint16_t type, void *out, size_t cap);
/* Waits for SCTP_COMM_UP on sd (ut_event(sd, SCTP_ASSOC_CHANGE) first); returns the
 * association id. */
sctp_assoc_t ut_wait_up(int sd);

/* ---- multihoming: 127.0.0.1 and 127.0.0.2 (loopback has all of 127/8) ---- */

#define A1 0x7f000001u /* 127.0.0.1 */
#define A2 0x7f000002u /* 127.0.0.2 */

/* A stack on 0.0.0.0 (IPv4 only) with a kernel-chosen UDP port: it receives on every local
 * address and picks the source address of each packet with IP_PKTINFO. trace (optional)
 * sees every packet (mpsctp_stack_config.trace). */
mpsctp_stack *ut_mh_stack(void (*trace)(void *user, int dir, const uint8_t *pkt, size_t len,
                                        const struct sockaddr *local,
                                        const struct sockaddr *remote),
                          void *user);
/* A socket of type on st, bound to 127.0.0.1 and 127.0.0.2 at port (0: ephemeral), whose
 * associations use peer's UDP port (NULL: the default); fast timers (RTO 100..400 ms,
 * HB 300 ms); SCTP_PEER_ADDR_CHANGE and SCTP_ASSOC_CHANGE notifications on. */
int ut_mh_socket(mpsctp_stack *st, int type, uint16_t port, mpsctp_stack *peer);
/* connectx to 127.0.0.1 and 127.0.0.2 at port; returns the association id. */
sctp_assoc_t ut_mh_connect(int sd, uint16_t port);
/* Waits up to 5 s until both paths of the association on sd (one-to-one) to 127.0.0.1 and
 * 127.0.0.2 are SCTP_ACTIVE; fails the test otherwise. */
void ut_mh_wait_active(int sd);
/* MPSCTP_PATH_STATS of the path of association id on sd whose peer address is ip (host
 * byte order); fails the test when there is none. */
struct mpsctp_pathstats ut_path_stats(int sd, sctp_assoc_t id, uint32_t ip);

#endif
