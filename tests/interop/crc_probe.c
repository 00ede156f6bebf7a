/*
 * crc_probe: checks that a usrsctp peer verifies CRC32c on loopback (with
 * sctp_no_csum_on_loopback left at 1, usrsctp skips the check for packets between
 * equal or loopback addresses, and an interop test would not notice a bad checksum).
 *
 *   crc_probe UDP_PORT SCTP_PORT
 *
 * Sends an SCTP INIT over UDP (RFC 6951) to 127.0.0.1:UDP_PORT for SCTP port SCTP_PORT,
 * first with a wrong checksum (no answer may come within 1.5 s), then with the right one
 * (an INIT ACK must come within 3 s, with a correct checksum itself). Exit status 0 when
 * both hold, 1 otherwise.
 */
#include <arpa/inet.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

/* CRC32c (Castagnoli, reflected polynomial 0x82F63B78), bit by bit: a few packets only. */
static uint32_t crc32c(const uint8_t *p, size_t n)
{
    uint32_t c = 0xffffffffu;
    for (size_t i = 0; i < n; i++) {
        c ^= p[i];
        for (int k = 0; k < 8; k++)
            c = (c >> 1) ^ (0x82f63b78u & (0u - (c & 1u)));
    }
    return ~c;
}

/* RFC 9260 s6.8 / appendix A: computed with the field zeroed, stored least significant
 * byte first. */
static void set_crc(uint8_t *pkt, size_t len)
{
    uint32_t c;
    memset(pkt + 8, 0, 4);
    c = crc32c(pkt, len);
    pkt[8] = (uint8_t)c;
    pkt[9] = (uint8_t)(c >> 8);
    pkt[10] = (uint8_t)(c >> 16);
    pkt[11] = (uint8_t)(c >> 24);
}

static int crc_ok(uint8_t *pkt, size_t len)
{
    uint8_t got[4];
    memcpy(got, pkt + 8, 4);
    set_crc(pkt, len);
    return memcmp(got, pkt + 8, 4) == 0;
}

static void put16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)(v >> 8);
    p[1] = (uint8_t)v;
}

static void put32(uint8_t *p, uint32_t v)
{
    put16(p, (uint16_t)(v >> 16));
    put16(p + 2, (uint16_t)v);
}

/* Waits up to ms for a datagram; returns its length, 0 when none came. */
static ssize_t wait_reply(int fd, uint8_t *buf, size_t cap, int ms)
{
    struct pollfd pfd = {fd, POLLIN, 0};
    if (poll(&pfd, 1, ms) <= 0)
        return 0;
    return recv(fd, buf, cap, 0);
}

int main(int argc, char **argv)
{
    uint8_t init[32], buf[2048];
    struct sockaddr_in to;
    ssize_t n;
    int fd;

    if (argc != 3) {
        fprintf(stderr, "usage: crc_probe UDP_PORT SCTP_PORT\n");
        return 2;
    }
    memset(&to, 0, sizeof(to));
    to.sin_family = AF_INET;
    to.sin_port = htons((uint16_t)atoi(argv[1]));
    to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    fd = socket(AF_INET, SOCK_DGRAM, 0);
    if (fd < 0 || connect(fd, (struct sockaddr *)&to, sizeof(to)) != 0) {
        perror("crc_probe: socket");
        return 1;
    }

    /* common header: ports, verification tag 0 (INIT), checksum; INIT chunk (20 bytes) */
    memset(init, 0, sizeof(init));
    put16(init, 40000);
    put16(init + 2, (uint16_t)atoi(argv[2]));
    init[12] = 1;                 /* INIT */
    put16(init + 14, 20);         /* chunk length */
    put32(init + 16, 0x1a2b3c4d); /* initiate tag */
    put32(init + 20, 65536);      /* a_rwnd */
    put16(init + 24, 10);         /* outbound streams */
    put16(init + 26, 10);         /* inbound streams */
    put32(init + 28, 12345);      /* initial TSN */

    set_crc(init, sizeof(init));
    init[8] ^= 0x01; /* one bit wrong */
    if (send(fd, init, sizeof(init), 0) != (ssize_t)sizeof(init)) {
        perror("crc_probe: send");
        return 1;
    }
    n = wait_reply(fd, buf, sizeof(buf), 1500);
    if (n != 0) {
        printf("FAIL: an INIT with a bad checksum was answered (%zd bytes, chunk type %d)\n",
               n, n > 12 ? buf[12] : -1);
        return 1;
    }
    printf("ok   an INIT with a bad checksum got no answer\n");

    set_crc(init, sizeof(init));
    if (send(fd, init, sizeof(init), 0) != (ssize_t)sizeof(init)) {
        perror("crc_probe: send");
        return 1;
    }
    n = wait_reply(fd, buf, sizeof(buf), 3000);
    if (n < 16 || buf[12] != 2) {
        printf("FAIL: no INIT ACK for a correct INIT (%zd bytes)\n", n);
        return 1;
    }
    if (!crc_ok(buf, (size_t)n)) {
        printf("FAIL: the INIT ACK has a bad checksum\n");
        return 1;
    }
    printf("ok   a correct INIT got an INIT ACK with a correct checksum\n");
    close(fd);
    return 0;
}
