/* The lksctp-style calls (libsctp's sctp_sendmsg, sctp_send, sctp_recvmsg) under the
 * library's prefix: sendmsg/recvmsg with the older SCTP_SNDRCV cmsg. */
#define _GNU_SOURCE
#include <string.h>
#include <sys/socket.h>

#include "mpsctp/socket.h"

/* Sends len bytes of buf with *sinfo in an SCTP_SNDRCV cmsg (none when sinfo is NULL). */
static ssize_t send_sndrcv(int sd, const void *buf, size_t len, struct sockaddr *to,
                           socklen_t tolen, const struct sctp_sndrcvinfo *sinfo, int flags)
{
    union {
        struct cmsghdr align;
        uint8_t b[CMSG_SPACE(sizeof(struct sctp_sndrcvinfo))];
    } cbuf;
    struct iovec iov = {.iov_base = (void *)buf, .iov_len = len};
    struct msghdr m = {
        .msg_name = to, .msg_namelen = to ? tolen : 0, .msg_iov = &iov, .msg_iovlen = 1};
    if (sinfo) {
        memset(&cbuf, 0, sizeof(cbuf));
        m.msg_control = cbuf.b;
        m.msg_controllen = sizeof(cbuf.b);
        struct cmsghdr *c = CMSG_FIRSTHDR(&m);
        c->cmsg_level = IPPROTO_SCTP;
        c->cmsg_type = SCTP_SNDRCV;
        c->cmsg_len = CMSG_LEN(sizeof(*sinfo));
        memcpy(CMSG_DATA(c), sinfo, sizeof(*sinfo));
    }
    return mpsctp_sendmsg(sd, &m, flags);
}

int mpsctp_sctp_sendmsg(int sd, const void *msg, size_t len, struct sockaddr *to,
                        socklen_t tolen, uint32_t ppid, uint32_t flags, uint16_t stream_no,
                        uint32_t timetolive, uint32_t context)
{
    struct sctp_sndrcvinfo si = {.sinfo_stream = stream_no,
                                 .sinfo_flags = (uint16_t)flags,
                                 .sinfo_ppid = ppid,
                                 .sinfo_context = context,
                                 .sinfo_timetolive = timetolive};
    return (int)send_sndrcv(sd, msg, len, to, tolen, &si, 0);
}

int mpsctp_sctp_send(int sd, const void *msg, size_t len, const struct sctp_sndrcvinfo *sinfo,
                     int flags)
{
    return (int)send_sndrcv(sd, msg, len, NULL, 0, sinfo, flags);
}

int mpsctp_sctp_recvmsg(int sd, void *msg, size_t len, struct sockaddr *from,
                        socklen_t *fromlen, struct sctp_sndrcvinfo *sinfo, int *msg_flags)
{
    /* Room for every cmsg the socket may have on, so that SCTP_SNDRCV is never cut off. */
    union {
        struct cmsghdr align;
        uint8_t b[CMSG_SPACE(sizeof(struct sctp_rcvinfo)) +
                  CMSG_SPACE(sizeof(struct sctp_nxtinfo)) +
                  CMSG_SPACE(sizeof(struct sctp_sndrcvinfo))];
    } cbuf;
    struct iovec iov = {.iov_base = msg, .iov_len = len};
    struct msghdr m = {.msg_name = from,
                       .msg_namelen = from && fromlen ? *fromlen : 0,
                       .msg_iov = &iov,
                       .msg_iovlen = 1,
                       .msg_control = cbuf.b,
                       .msg_controllen = sizeof(cbuf.b)};
    ssize_t r = mpsctp_recvmsg(sd, &m, msg_flags ? *msg_flags : 0);
    if (r < 0)
        return -1;
    if (from && fromlen)
        *fromlen = m.msg_namelen;
    if (msg_flags)
        *msg_flags = m.msg_flags;
    if (!sinfo)
        return (int)r;
    /* Association ids are never 0: 0 tells the caller no SCTP_SNDRCV came. */
    sinfo->sinfo_assoc_id = 0;
    for (struct cmsghdr *c = CMSG_FIRSTHDR(&m); c; c = CMSG_NXTHDR(&m, c))
        if (c->cmsg_level == IPPROTO_SCTP && c->cmsg_type == SCTP_SNDRCV &&
            c->cmsg_len >= CMSG_LEN(sizeof(*sinfo))) {
            memcpy(sinfo, CMSG_DATA(c), sizeof(*sinfo));
            break;
        }
    return (int)r;
}
