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
/* poll() for events on fd; returns revents (0 on timeout). */
int ut_poll(int fd, short events, int ms);
/* Enables notification type on sd (SCTP_FUTURE_ASSOC). */
void ut_event(int sd, uint16_t type);
/* Receives the next message on sd with a 5 s poll timeout; returns the length and
 * *flags. */
ssize_t ut_recv(int sd, void *buf, size_t cap, int *flags, struct sctp_rcvinfo *rcv);
/* Receives until a notification of type arrives (data is skipped); returns 0 or -1. */
int ut_wait_notification(int sd, uint16_t type, void *out, size_t cap);

#endif
