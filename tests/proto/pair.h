/* A small deterministic two-endpoint harness for protocol-behaviour tests of the sans-IO
 * core.
 *
 * Endpoint A (side PAIR_A) is the client: SCTP port 5000, address 10.0.0.1, UDP port 9899.
 * Endpoint B (side PAIR_B) is the server: SCTP port 5001, address 10.0.0.2, UDP port 9899,
 * listening. Each endpoint gets its own seeded PRNG for the random callback. A virtual
 * clock drives both; packets travel with a fixed one-way delay through a time-ordered
 * in-flight list; a per-test hook sees every packet put in flight and may drop, duplicate,
 * delay or record it. Every packet sent is also kept in a wire log that tests inspect.
 *
 * A third, scripted peer ("fake", address 10.0.0.3, SCTP port 5000) can be driven by a
 * test through crafted packets; whatever an endpoint sends to it is logged, not delivered.
 */
#ifndef MPSCTP_TESTS_PROTO_PAIR_H
#define MPSCTP_TESTS_PROTO_PAIR_H

#include <stddef.h>
#include <stdint.h>

#include <mpsctp/mpsctp.h>

#include "codec.h"
#include "wire.h"

#define PAIR_A 0
#define PAIR_B 1
#define PAIR_FAKE 2
#define PAIR_NOWHERE 3

#define PAIR_PORT_A 5000
#define PAIR_PORT_B 5001
#define PAIR_IP_A 0x0a000001u
#define PAIR_IP_B 0x0a000002u
#define PAIR_IP_FAKE 0x0a000003u
#define PAIR_UDP 9899

#define MS(x) ((uint64_t)(x) * MPSCTP_NS_PER_MS)
#define SEC(x) ((uint64_t)(x) * MPSCTP_NS_PER_SEC)

/* Hook verdicts. */
enum { PAIR_PASS = 0, PAIR_DROP = 1, PAIR_DUP = 2 };

/* One packet: in flight or in the wire log. */
typedef struct pair_pkt {
    struct pair_pkt *next; /* in-flight list link */
    uint64_t sent;         /* virtual time it left its endpoint */
    uint64_t arrive;       /* in flight: delivery time (a hook may change it) */
    uint64_t seq;          /* sending order, tie-break for equal arrival times */
    int from, to;          /* PAIR_A, PAIR_B, PAIR_FAKE or PAIR_NOWHERE */
    int dropped;           /* wire log: the hook dropped it (or it went nowhere) */
    mpsctp_addr src, dst;
    size_t len;
    uint8_t data[];
} pair_pkt;

typedef struct pair_ev {
    mpsctp_event ev;
    uint64_t t;
} pair_ev;

/* A message read by the automatic reader. */
typedef struct pair_msg {
    uint16_t sid;
    uint16_t flags;
    uint32_t ppid;
    uint32_t len;
    size_t off; /* offset of its bytes in the side's rx buffer */
    uint64_t t;
} pair_msg;

#define PAIR_MAX_ASSOCS 16

typedef struct pair_side {
    mpsctp_endpoint *ep;
    mpsctp_settings cfg;
    mpsctp_addr addr;
    uint64_t rng;
    mpsctp_assoc *assoc; /* from connect, else the first COMM_UP/RESTART */
    mpsctp_assoc *assocs[PAIR_MAX_ASSOCS];
    int nassocs;
    pair_ev *ev;
    size_t nev, evcap;
    int auto_read; /* read every association after each step (default 1) */
    uint8_t *rx;
    size_t rxlen, rxcap;
    pair_msg *msg;
    size_t nmsg, msgcap;
    size_t recv_errors; /* mpsctp_endpoint_recv returned < 0 for delivered packets */
    /* a second address (pair_add_addr) */
    mpsctp_addr addr2;
    int has_addr2;
} pair_side;

typedef struct pair pair;
/* Called for every packet put in flight (pkt is the flight copy: changing pkt->arrive
 * delays it). Returns PAIR_PASS, PAIR_DROP or PAIR_DUP. */
typedef int (*pair_hook_fn)(pair *p, pair_pkt *pkt);

struct pair {
    uint64_t seed;
    uint64_t now;
    uint64_t delay; /* one-way delay, default 10 ms */
    uint64_t seq;
    pair_side s[2];
    pair_pkt *flight;
    pair_pkt **wire;
    size_t nwire, wirecap;
    pair_hook_fn hook;
    void *user;
    int stuck; /* set when time stopped advancing (a core bug) */
    unsigned same_time_steps;
    unsigned restarts;
};

/* Fills *s with the core defaults and the side's port. */
void pair_settings(mpsctp_settings *s, int side);

/* Creates both endpoints (NULL settings: pair_settings defaults); B listens. */
void pair_init(pair *p, uint64_t seed, const mpsctp_settings *a, const mpsctp_settings *b);
void pair_free(pair *p);

/* Replaces the side's endpoint by a fresh one with the same settings and address (a
 * restarted host). The old one is freed without sending anything. */
void pair_restart_endpoint(pair *p, int side);

/* Gives side a second IPv4 address ip (host order), before it connects or is connected
 * to: its endpoint lists it, and packets to it reach the side (multihoming, CMT). */
void pair_add_addr(pair *p, int side, uint32_t ip);

/* Connects side `from` to the other side; returns the association (also in s[from].assoc). */
mpsctp_assoc *pair_connect(pair *p, int from);

/* Advances to the next packet arrival or deadline if it is not after `until`: delivers,
 * fires timers, sends, collects events, reads data. Returns 1 when it did something, 0
 * when nothing is due before `until` (then now = until). */
int pair_step(pair *p, uint64_t until);
/* Steps for dur nanoseconds of virtual time. */
void pair_pump(pair *p, uint64_t dur);
/* Steps until cond(p, arg) holds or dur passes; returns cond's final value. */
int pair_pump_until(pair *p, uint64_t dur, int (*cond)(pair *, void *), void *arg);
/* Condition: both sides reported COMM_UP. */
int pair_cond_up(pair *p, void *arg);
/* Sends whatever the endpoints have now and collects events (no time passes). */
void pair_flush(pair *p);
/* Reads every association of side now (what the automatic reader does after a step). */
void pair_read(pair *p, int side);
/* Collects pending events of both endpoints. */
void pair_collect(pair *p);

/* Events. state -1 matches any. */
size_t pair_count_ev(const pair *p, int side, int type, int state);
const pair_ev *pair_find_ev(const pair *p, int side, int type, int state);
/* Same, counting only events reported at or after `since`. */
size_t pair_count_ev_since(const pair *p, int side, int type, int state, uint64_t since);

/* Chunks. Returns the number of chunks (at most max stored in out). */
int pair_chunks(const uint8_t *pkt, size_t len, sctp_tlv *out, int max);
/* Finds the first chunk of a type; returns 1 and fills *out, else 0. */
int pair_find_chunk(const uint8_t *pkt, size_t len, uint8_t type, sctp_tlv *out);
/* Finds an error cause (or parameter) of a type in a chunk's value starting at offset
 * skip; returns 1 and fills *out, else 0. */
int pair_find_param(const sctp_tlv *c, size_t skip, uint16_t type, sctp_tlv *out);
/* Verification tag of a packet. */
uint32_t pair_pkt_vtag(const pair_pkt *k);

/* Wire log: packets sent by `from` (-1 any) holding a chunk of `type` (-1 any) with
 * sent >= since. */
size_t pair_wire_count(const pair *p, int from, int type, uint64_t since);
/* The n-th (0-based) such packet, or NULL. */
pair_pkt *pair_wire_nth(const pair *p, int from, int type, uint64_t since, size_t n);
/* Prints the last n wire log entries (for failure diagnosis). */
void pair_dump(const pair *p, size_t n);

/* Crafted packets: sets the checksum of pkt and hands it to side `to` as if it came from
 * `from_addr` (NULL: the other side's address). Returns what mpsctp_endpoint_recv
 * returned. Events are collected. */
int pair_inject(pair *p, int to, uint8_t *pkt, size_t len, const mpsctp_addr *from_addr);
/* Takes everything the side wants to send now (no time passes) without delivering it;
 * the packets are logged in the wire log and up to max are returned in out. Returns the
 * number taken. */
size_t pair_take(pair *p, int side, pair_pkt **out, size_t max);

/* A scripted peer that completes a handshake with B by crafted packets. */
typedef struct pair_fake {
    mpsctp_addr addr;
    uint16_t port;
    uint32_t my_tag;   /* the fake's Initiate Tag: B puts it in packets to the fake */
    uint32_t peer_tag; /* B's tag: the fake puts it in its packets */
    uint32_t next_tsn; /* next TSN the fake sends */
    uint32_t b_itsn;   /* B's initial TSN */
    mpsctp_assoc *assoc; /* B's association */
} pair_fake;
/* Runs INIT / INIT ACK / COOKIE ECHO / COOKIE ACK with B from 10.0.0.3 port 5000, with
 * the given OS and MIS. Returns 0 on success, -1 on any failure. */
int pair_fake_connect(pair *p, pair_fake *f, uint16_t os, uint16_t mis);
/* The same with the INIT listing addrs[0..naddrs-1] as IPv4/IPv6 address parameters. */
int pair_fake_connect_addrs(pair *p, pair_fake *f, uint16_t os, uint16_t mis,
                            const mpsctp_addr *addrs, size_t naddrs);
/* The same from IPv4 address ip (host order) instead of 10.0.0.3. */
int pair_fake_connect_from(pair *p, pair_fake *f, uint32_t ip, uint16_t os, uint16_t mis,
                           const mpsctp_addr *addrs, size_t naddrs);
/* The same, the INIT also offering NR-SACK when bit 0 of nr_sack is set, and I-DATA when
 * PAIR_EXT_IDATA is. */
#define PAIR_EXT_IDATA 2
/* ... and PR-SCTP (Forward-TSN-Supported) when PAIR_FAKE_PR is. */
#define PAIR_FAKE_PR 4
int pair_fake_connect_opts(pair *p, pair_fake *f, uint32_t ip, uint16_t os, uint16_t mis,
                           const mpsctp_addr *addrs, size_t naddrs, int nr_sack);
/* The same from address from (IPv4 or IPv6). */
int pair_fake_connect_at(pair *p, pair_fake *f, const mpsctp_addr *from, uint16_t os,
                         uint16_t mis, const mpsctp_addr *addrs, size_t naddrs);
/* Builds a packet from the fake to B holding one DATA chunk (len may be 0) and injects
 * it. Returns what recv returned. */
int pair_fake_data(pair *p, const pair_fake *f, uint32_t tsn, uint16_t sid, uint16_t ssn,
                   const void *payload, size_t len);

/* Builds a packet from the fake to B (the fake's ports and B's tag) holding one chunk of
 * type with flags and value v[0..vlen-1], and injects it from address from (NULL: the
 * fake's own address). Returns what recv returned. */
int pair_fake_chunk(pair *p, const pair_fake *f, const mpsctp_addr *from, uint8_t type,
                    uint8_t flags, const void *v, size_t vlen);
/* Injects a SACK from the fake: cumulative ack cum, window rwnd and ng gap blocks given
 * as absolute TSN ranges gaps[i][0]..gaps[i][1] (at most 64). Returns what recv
 * returned. */
int pair_fake_sack(pair *p, const pair_fake *f, uint32_t cum, uint32_t rwnd,
                   const uint32_t (*gaps)[2], size_t ng);

/* Assoc status shortcut. */
mpsctp_assoc_status pair_status(const mpsctp_assoc *a);

/* Deterministic fill pattern: byte i of message `msg` on stream `sid`. */
static inline uint8_t pair_pattern(uint32_t msg, uint16_t sid, size_t i)
{
    return (uint8_t)(msg * 131u + sid * 29u + i * 7u + (i >> 8));
}

/* Queues message idx (ppid = context = idx) of len bytes on stream sid, filled with
 * pair_pattern. Returns what mpsctp_assoc_send returned. */
int pair_send_msg(pair *p, mpsctp_assoc *a, uint32_t idx, uint16_t sid, size_t len);
/* The same with flags (MPSCTP_UNORDERED) and a PR-SCTP policy (pr NULL: reliable). */
int pair_send_msg_ex(pair *p, mpsctp_assoc *a, uint32_t idx, uint16_t sid, size_t len,
                     uint16_t flags, const mpsctp_prinfo *pr);
/* Checks what side has read: exactly n messages with ppids 0..n-1 each once, every byte as
 * pair_send_msg wrote it, and ascending ppids within each stream (ordered delivery).
 * Returns 0, or -1 with a reason in why. */
int pair_verify_rx(const pair *p, int side, uint32_t n, char *why, size_t whylen);

/* Failure reporting that names the seed and the virtual time and dumps recent packets. */
#define P_CHECK(p, cond, ...)                                                              \
    do {                                                                                   \
        if (!(cond)) {                                                                     \
            print_error("%s:%d: check failed: %s (seed %llu, t=%.3f s)\n", __FILE__,      \
                        __LINE__, #cond, (unsigned long long)(p)->seed,                    \
                        (double)(p)->now / 1e9);                                           \
            print_error("  " __VA_ARGS__);                                                 \
            print_error("\n");                                                             \
            pair_dump((p), 30);                                                            \
            fail();                                                                        \
        }                                                                                  \
    } while (0)

/* The next value of the seeded generator (splitmix64) whose state is *s. */
uint64_t pair_rand(uint64_t *s);

/* A random callback (mpsctp_callbacks.random) whose user pointer is a uint64_t state for
 * pair_rand. */
void pair_random_bytes(void *user, void *buf, size_t len);

#endif
