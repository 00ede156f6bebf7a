/*
 * nfq_delay: a fixed one-way delay for the namespace testbed, on kernels without netem.
 *
 *   nfq_delay --queue N --delay MS [--limit PKTS]
 *
 * It binds NFQUEUE number N of its network namespace (a rule "-j NFQUEUE --queue-num N"
 * sends packets there; testbed.sh queues those arriving over a path) and gives every
 * packet the verdict ACCEPT MS milliseconds after it arrived, in arrival order. At most
 * PKTS packets (default 1000) wait at a time: a packet that finds the queue full is
 * dropped at once (verdict DROP) and counted. Only the packet's metadata is copied to
 * user space, never its payload.
 *
 * Verdicts go out in batches: one verdict for "every packet up to id I", which the kernel
 * applies to the packets it holds for this queue with an id up to I. Packet ids grow in
 * queueing order and dropped packets have had their verdict already, so a batch releases
 * exactly the packets whose time has come (and any whose notification the socket lost,
 * which the kernel still holds).
 *
 * SIGTERM or SIGINT: the packets still held are released (ACCEPT), a line of statistics
 * goes to stderr ("nfq_delay: queue N: P packets, D dropped (queue full), delay MS ms,
 * limit L") and the program exits with status 0. SIGUSR1: that line, and it goes on. Exit
 * status 1 when the queue cannot be bound (no permission, the queue taken by another program),
 * 2 on bad usage.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <linux/netfilter.h>
#include <linux/netlink.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <libnetfilter_queue/libnetfilter_queue.h>

#define DEFAULT_LIMIT 1000
#define MAX_LIMIT 1000000
#define RCVBUF (8u << 20)

typedef struct held {
    uint32_t id;     /* the kernel's packet id */
    uint64_t due_ns; /* CLOCK_MONOTONIC time of its release */
} held;

typedef struct delayer {
    struct nfq_q_handle *qh;
    held *ring;
    uint32_t limit, head, count;
    uint64_t delay_ns;
    uint64_t packets, dropped;
} delayer;

static volatile sig_atomic_t stop, report;

static void on_signal(int sig)
{
    if (sig == SIGUSR1)
        report = 1;
    else
        stop = 1;
}

static void print_stats(const delayer *d, long queue, unsigned long delay_ms)
{
    fprintf(stderr,
            "nfq_delay: queue %ld: %" PRIu64 " packets, %" PRIu64
            " dropped (queue full), delay %lu ms, limit %" PRIu32 "\n",
            queue, d->packets, d->dropped, delay_ms, d->limit);
}

static uint64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static void usage(void)
{
    fprintf(stderr, "usage: nfq_delay --queue N --delay MS [--limit PKTS]\n");
    exit(2);
}

static unsigned long parse_num(const char *s, unsigned long max)
{
    char *end;
    errno = 0;
    unsigned long v = strtoul(s, &end, 10);
    if (errno || end == s || *end || v > max) usage();
    return v;
}

/* One queued packet: held until its time, or dropped when the ring is full. */
static int on_packet(struct nfq_q_handle *qh, struct nfgenmsg *msg, struct nfq_data *nfa,
                     void *arg)
{
    delayer *d = arg;
    struct nfqnl_msg_packet_hdr *ph = nfq_get_msg_packet_hdr(nfa);
    (void)msg;
    if (!ph) return 0;
    uint32_t id = ntohl(ph->packet_id);
    d->packets++;
    if (d->count == d->limit) {
        d->dropped++;
        return nfq_set_verdict(qh, id, NF_DROP, 0, NULL) < 0 ? -1 : 0;
    }
    held *h = &d->ring[(d->head + d->count) % d->limit];
    h->id = id;
    h->due_ns = now_ns() + d->delay_ns;
    d->count++;
    return 0;
}

/* Accepts every held packet due by now (all of them when all is set) in one batch. */
static void release(delayer *d, uint64_t now, int all)
{
    uint32_t last = 0, n = 0;
    while (n < d->count) {
        const held *h = &d->ring[(d->head + n) % d->limit];
        if (!all && h->due_ns > now) break;
        last = h->id;
        n++;
    }
    if (n == 0) return;
    if (nfq_set_verdict_batch(d->qh, last, NF_ACCEPT) < 0)
        fprintf(stderr, "nfq_delay: verdict: %s\n", strerror(errno));
    d->head = (d->head + n) % d->limit;
    d->count -= n;
}

int main(int argc, char **argv)
{
    long queue = -1;
    unsigned long delay_ms = 0;
    int have_delay = 0;
    delayer d = {.limit = DEFAULT_LIMIT};
    for (int i = 1; i < argc; i++) {
        if (i + 1 >= argc) usage();
        if (!strcmp(argv[i], "--queue"))
            queue = (long)parse_num(argv[++i], 65535);
        else if (!strcmp(argv[i], "--delay"))
            delay_ms = parse_num(argv[++i], 3600000), have_delay = 1;
        else if (!strcmp(argv[i], "--limit"))
            d.limit = (uint32_t)parse_num(argv[++i], MAX_LIMIT);
        else
            usage();
    }
    if (queue < 0 || !have_delay || d.limit == 0) usage();
    d.delay_ns = (uint64_t)delay_ms * 1000000u;
    d.ring = calloc(d.limit, sizeof(*d.ring));
    if (!d.ring) {
        fprintf(stderr, "nfq_delay: out of memory\n");
        return 1;
    }

    struct nfq_handle *h = nfq_open();
    if (!h) {
        fprintf(stderr, "nfq_delay: nfq_open: %s\n", strerror(errno));
        return 1;
    }
    d.qh = nfq_create_queue(h, (uint16_t)queue, on_packet, &d);
    if (!d.qh) {
        fprintf(stderr, "nfq_delay: cannot bind queue %ld: %s\n", queue, strerror(errno));
        nfq_close(h);
        return 1;
    }
    /* Metadata only; the kernel may hold twice our limit before it drops on its own. */
    if (nfq_set_mode(d.qh, NFQNL_COPY_META, 0) < 0 ||
        nfq_set_queue_maxlen(d.qh, d.limit * 2 + 64) < 0) {
        fprintf(stderr, "nfq_delay: queue %ld settings: %s\n", queue, strerror(errno));
        nfq_destroy_queue(d.qh);
        nfq_close(h);
        return 1;
    }
    int fd = nfq_fd(h);
    nfnl_rcvbufsiz(nfq_nfnlh(h), RCVBUF);
    int one = 1;
    /* a full socket buffer loses notifications, not the socket: the next batch verdict
     * releases the packets behind them */
    setsockopt(fd, SOL_NETLINK, NETLINK_NO_ENOBUFS, &one, sizeof(one));

    struct sigaction sa = {.sa_handler = on_signal};
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGUSR1, &sa, NULL);

    char buf[4096] __attribute__((aligned));
    while (!stop) {
        struct timespec ts, *tp = NULL;
        if (d.count > 0) {
            uint64_t now = now_ns(), due = d.ring[d.head].due_ns;
            uint64_t wait = due > now ? due - now : 0;
            ts.tv_sec = (time_t)(wait / 1000000000u);
            ts.tv_nsec = (long)(wait % 1000000000u);
            tp = &ts;
        }
        struct pollfd pfd = {.fd = fd, .events = POLLIN};
        int r = ppoll(&pfd, 1, tp, NULL);
        if (r < 0 && errno != EINTR) {
            fprintf(stderr, "nfq_delay: poll: %s\n", strerror(errno));
            break;
        }
        if (r > 0) {
            /* everything the socket holds, then the releases */
            for (;;) {
                ssize_t n = recv(fd, buf, sizeof(buf), MSG_DONTWAIT);
                if (n < 0) break;
                nfq_handle_packet(h, buf, (int)n);
            }
        }
        release(&d, now_ns(), 0);
        if (report) {
            report = 0;
            print_stats(&d, queue, delay_ms);
        }
    }
    release(&d, 0, 1);
    print_stats(&d, queue, delay_ms);
    nfq_destroy_queue(d.qh);
    nfq_close(h);
    free(d.ring);
    return 0;
}
