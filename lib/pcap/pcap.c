/* Packet traces in pcap format: see mpsctp_pcap.h. */
#include "mpsctp_pcap.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PCAP_MAGIC_NS 0xa1b23c4du /* pcap with nanosecond timestamps */
#define PCAP_SNAPLEN 65535u
#define PCAP_BUFSIZE (1u << 20)
#define PCAP_MAX_SCTP (65535u - 20u - 8u) /* largest SCTP packet an IPv4 header can carry */
#define IPPROTO_UDP_NUM 17

struct mpsctp_pcap {
    pthread_mutex_t lock;
    FILE *f;
    char *buf;
    uint64_t count;
    uint16_t ip_id;
    int failed;
};

static void pcap_put16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)(v >> 8);
    p[1] = (uint8_t)v;
}

/* Host-order 32-bit values for the pcap headers (readers detect the byte order from the
 * magic number, so the writer's order is fine). */
static void pcap_put32h(uint8_t *p, uint32_t v)
{
    memcpy(p, &v, 4);
}

/* One's-complement sum of len bytes (big-endian 16-bit words), unfolded. */
static uint32_t pcap_sum(uint32_t sum, const uint8_t *p, size_t len)
{
    size_t i;
    for (i = 0; i + 1 < len; i += 2)
        sum += (uint32_t)p[i] << 8 | p[i + 1];
    if (len & 1)
        sum += (uint32_t)p[len - 1] << 8;
    return sum;
}

static uint16_t pcap_fold(uint32_t sum)
{
    while (sum >> 16)
        sum = (sum & 0xffffu) + (sum >> 16);
    return (uint16_t)~sum;
}

mpsctp_pcap *mpsctp_pcap_open(const char *path)
{
    mpsctp_pcap *p;
    uint8_t hdr[24];

    if (!path) {
        errno = EINVAL;
        return NULL;
    }
    p = calloc(1, sizeof(*p));
    if (!p)
        return NULL;
    p->buf = malloc(PCAP_BUFSIZE);
    p->f = fopen(path, "wb");
    if (!p->buf || !p->f) {
        int e = errno;
        if (p->f)
            fclose(p->f);
        free(p->buf);
        free(p);
        errno = e;
        return NULL;
    }
    setvbuf(p->f, p->buf, _IOFBF, PCAP_BUFSIZE);
    pthread_mutex_init(&p->lock, NULL);
    pcap_put32h(hdr, PCAP_MAGIC_NS);
    {
        uint16_t major = 2, minor = 4;
        memcpy(hdr + 4, &major, 2);
        memcpy(hdr + 6, &minor, 2);
    }
    pcap_put32h(hdr + 8, 0);  /* thiszone */
    pcap_put32h(hdr + 12, 0); /* sigfigs */
    pcap_put32h(hdr + 16, PCAP_SNAPLEN);
    pcap_put32h(hdr + 20, MPSCTP_PCAP_LINKTYPE_RAW);
    if (fwrite(hdr, sizeof(hdr), 1, p->f) != 1)
        p->failed = 1;
    return p;
}

/* Writes the IP and UDP headers for a packet from src to dst into h; returns their
 * length (28 or 48), or 0 for an unknown family. */
static size_t pcap_headers(mpsctp_pcap *p, uint8_t *h, const mpsctp_addr *src,
                           const mpsctp_addr *dst, const uint8_t *pkt, size_t len)
{
    uint16_t sport = src->udp_port ? src->udp_port : MPSCTP_PCAP_DEFAULT_UDP_PORT;
    uint16_t dport = dst->udp_port ? dst->udp_port : MPSCTP_PCAP_DEFAULT_UDP_PORT;
    uint16_t udplen = (uint16_t)(8 + len);

    if (dst->family == MPSCTP_AF_INET) {
        uint8_t *u = h + 20;
        memset(h, 0, 28);
        h[0] = 0x45;
        pcap_put16(h + 2, (uint16_t)(20 + udplen));
        pcap_put16(h + 4, p->ip_id++);
        pcap_put16(h + 6, 0x4000); /* DF */
        h[8] = 64;
        h[9] = IPPROTO_UDP_NUM;
        memcpy(h + 12, src->family == MPSCTP_AF_INET ? src->ip : (const uint8_t *)"\0\0\0\0", 4);
        memcpy(h + 16, dst->ip, 4);
        pcap_put16(h + 10, pcap_fold(pcap_sum(0, h, 20)));
        pcap_put16(u, sport);
        pcap_put16(u + 2, dport);
        pcap_put16(u + 4, udplen);
        /* UDP checksum 0: none (RFC 768, allowed over IPv4; RFC 6951 s5 suggests it). */
        return 28;
    }
    if (dst->family == MPSCTP_AF_INET6) {
        static const uint8_t zero16[16];
        uint8_t *u = h + 40;
        uint32_t sum;
        uint16_t ck;
        memset(h, 0, 48);
        h[0] = 0x60;
        pcap_put16(h + 4, udplen);
        h[6] = IPPROTO_UDP_NUM;
        h[7] = 64;
        memcpy(h + 8, src->family == MPSCTP_AF_INET6 ? src->ip : zero16, 16);
        memcpy(h + 24, dst->ip, 16);
        pcap_put16(u, sport);
        pcap_put16(u + 2, dport);
        pcap_put16(u + 4, udplen);
        /* RFC 8200 s8.1: the pseudo-header is source, destination, upper-layer length
         * and next header; the UDP checksum is mandatory over IPv6. */
        sum = pcap_sum(0, h + 8, 32);
        sum += udplen;
        sum += IPPROTO_UDP_NUM;
        sum = pcap_sum(sum, u, 8);
        sum = pcap_sum(sum, pkt, len); /* an odd last byte is padded with zero */
        ck = pcap_fold(sum);
        pcap_put16(u + 6, ck ? ck : 0xffff);
        return 48;
    }
    return 0;
}

int mpsctp_pcap_write(mpsctp_pcap *p, int dir, const uint8_t *pkt, size_t len,
                      const mpsctp_addr *local, const mpsctp_addr *remote,
                      mpsctp_tstamp now)
{
    const mpsctp_addr *src, *dst;
    uint8_t rec[16 + 48];
    size_t hl;
    int rc = 0;

    if (!p || !pkt || !local || !remote || len == 0 || len > PCAP_MAX_SCTP)
        return -1;
    src = dir ? local : remote;
    dst = dir ? remote : local;
    pthread_mutex_lock(&p->lock);
    hl = pcap_headers(p, rec + 16, src, dst, pkt, len);
    if (hl == 0) {
        rc = -1;
    } else {
        uint32_t caplen = (uint32_t)(hl + len);
        pcap_put32h(rec, (uint32_t)(now / MPSCTP_NS_PER_SEC));
        pcap_put32h(rec + 4, (uint32_t)(now % MPSCTP_NS_PER_SEC));
        pcap_put32h(rec + 8, caplen);
        pcap_put32h(rec + 12, caplen);
        if (fwrite(rec, 16 + hl, 1, p->f) != 1 || fwrite(pkt, len, 1, p->f) != 1) {
            p->failed = 1;
            rc = -1;
        } else {
            p->count++;
        }
    }
    pthread_mutex_unlock(&p->lock);
    return rc;
}

void mpsctp_pcap_trace_cb(void *user, int dir, const uint8_t *pkt, size_t len,
                          const mpsctp_addr *local, const mpsctp_addr *remote,
                          mpsctp_tstamp now)
{
    (void)mpsctp_pcap_write((mpsctp_pcap *)user, dir, pkt, len, local, remote, now);
}

int mpsctp_pcap_flush(mpsctp_pcap *p)
{
    int rc;
    if (!p)
        return -1;
    pthread_mutex_lock(&p->lock);
    if (fflush(p->f) != 0)
        p->failed = 1;
    rc = p->failed ? -1 : 0;
    pthread_mutex_unlock(&p->lock);
    return rc;
}

uint64_t mpsctp_pcap_count(mpsctp_pcap *p)
{
    uint64_t n;
    if (!p)
        return 0;
    pthread_mutex_lock(&p->lock);
    n = p->count;
    pthread_mutex_unlock(&p->lock);
    return n;
}

int mpsctp_pcap_close(mpsctp_pcap *p)
{
    int rc;
    if (!p)
        return 0;
    rc = p->failed ? -1 : 0;
    if (fclose(p->f) != 0)
        rc = -1;
    pthread_mutex_destroy(&p->lock);
    free(p->buf);
    free(p);
    return rc;
}
