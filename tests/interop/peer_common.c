/* The part of the interop peers that does not depend on the SCTP stack: see
 * peer_common.h. */
#include "peer_common.h"

#include <arpa/inet.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static double t_start = -1; /* the program's first clock reading */

static double since_start(void)
{
    if (t_start < 0)
        t_start = peer_now_s();
    return peer_now_s() - t_start;
}

static const char *usage_prog = "peer";
static unsigned usage_extras;

void peer_usage(void)
{
    fprintf(stderr,
            "usage: %s (--server SCTPPORT | --client ADDR SCTPPORT) [--udp-port P]\n"
            "  [--remote-udp-port R] [--bytes N] [--msg-size M | --msg-sizes LO..HI]\n"
            "  [--streams K] [--unordered] [--reverse] [--echo] [--abort-after N]\n"
            "  [--expect-abort] [--hb-interval MS] [--buf B] [--timeout S] [--no-verify]\n"
            "  [--local-addrs A,B] [--rto MIN,INITIAL,MAX] [--pmr N] [--amr N] [--rate B]\n"
            "  [--read-rate B]\n"
            "  [--run-at BYTES CMD] [--wait-confirm MS] [--cmt 0..4] [--reconf]\n"
            "  [--idata] [--first-size N]\n"
            "  [--sched fcfs|rr|rrp|prio] [--ssvalue SID:VALUE[,SID:VALUE...]] [--order-stats]\n"
            "  [--pr ttl|rtx|prio|buf,VALUE] [--pr-log FILE]\n"
            "  (--client takes A,B too)\n"
            "%s"
            "sizes take k/M/G (2^10/2^20/2^30)\n",
            usage_prog,
            usage_extras & PEER_OPTS_MPSCTP
                ? "  [--idle MS] [--min-heartbeats N] [--pcap FILE] [--linger MS]\n"
                : "");
    exit(2);
}

uint64_t peer_parse_size(const char *s)
{
    char *end;
    unsigned long long v = strtoull(s, &end, 10);
    if (end == s)
        peer_usage();
    if (*end == 'k' || *end == 'K')
        v <<= 10;
    else if (*end == 'M' || *end == 'm')
        v <<= 20;
    else if (*end == 'G' || *end == 'g')
        v <<= 30;
    else if (*end)
        peer_usage();
    return v;
}

/* LO..HI */
static void parse_msg_sizes(peer_opts *o, const char *v)
{
    const char *dots = strstr(v, "..");
    char lo[32];
    if (!dots || (size_t)(dots - v) >= sizeof(lo))
        peer_usage();
    memcpy(lo, v, (size_t)(dots - v));
    lo[dots - v] = 0;
    o->lo = (uint32_t)peer_parse_size(lo);
    o->hi = (uint32_t)peer_parse_size(dots + 2);
}

/* An option of the other program: says so, then the usage. */
static void unsupported(const char *opt, const char *owner)
{
    fprintf(stderr, "%s: %s is an option of %s only\n", usage_prog, opt, owner);
    peer_usage();
}

void peer_parse(peer_opts *o, int argc, char **argv, const char *prog, unsigned extras)
{
    int have_role = 0, have_udp = 0;
    usage_prog = prog;
    usage_extras = extras;
    since_start();
    memset(o, 0, sizeof(*o));
    o->bytes = 10u << 20;
    o->lo = o->hi = 1452;
    o->streams = 1;
    o->verify = 1;
    o->remote_udp_port = 9899;
    o->buf = 4u << 20;
    o->timeout = 300;
    o->linger_ms = -1;
    o->cmt = -1;
    o->sched = -1;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
#define NEXT() (i + 1 < argc ? argv[++i] : (peer_usage(), ""))
        if (!strcmp(a, "--server")) {
            o->server = 1;
            o->port = (uint16_t)peer_parse_size(NEXT());
            have_role = 1;
        } else if (!strcmp(a, "--client")) {
            o->addr = NEXT();
            o->npeer_addrs = 0;
            for (const char *c = o->addr; c && *c; c = strchr(c, ',') ? strchr(c, ',') + 1 : NULL)
                o->npeer_addrs++;
            o->port = (uint16_t)peer_parse_size(NEXT());
            have_role = 1;
        } else if (!strcmp(a, "--udp-port")) {
            o->udp_port = (uint16_t)peer_parse_size(NEXT());
            have_udp = 1;
        } else if (!strcmp(a, "--remote-udp-port")) {
            o->remote_udp_port = (uint16_t)peer_parse_size(NEXT());
        } else if (!strcmp(a, "--bytes")) {
            o->bytes = peer_parse_size(NEXT());
            o->bytes_given = 1;
        } else if (!strcmp(a, "--msg-size")) {
            o->lo = o->hi = (uint32_t)peer_parse_size(NEXT());
        } else if (!strcmp(a, "--msg-sizes")) {
            parse_msg_sizes(o, NEXT());
        } else if (!strcmp(a, "--streams")) {
            o->streams = (uint32_t)peer_parse_size(NEXT());
        } else if (!strcmp(a, "--unordered")) {
            o->unordered = 1;
        } else if (!strcmp(a, "--reverse")) {
            o->reverse = 1;
        } else if (!strcmp(a, "--echo")) {
            o->echo = 1;
        } else if (!strcmp(a, "--abort-after")) {
            o->abort_after = peer_parse_size(NEXT());
        } else if (!strcmp(a, "--expect-abort")) {
            o->expect_abort = 1;
        } else if (!strcmp(a, "--hb-interval")) {
            o->hb_interval = (uint32_t)peer_parse_size(NEXT());
        } else if (!strcmp(a, "--buf")) {
            o->buf = (uint32_t)peer_parse_size(NEXT());
        } else if (!strcmp(a, "--timeout")) {
            o->timeout = (unsigned)peer_parse_size(NEXT());
        } else if (!strcmp(a, "--no-verify")) {
            o->verify = 0;
        } else if (!strcmp(a, "--local-addrs")) {
            o->local_addrs = NEXT();
        } else if (!strcmp(a, "--rto")) {
            if (sscanf(NEXT(), "%u,%u,%u", &o->rto_min, &o->rto_initial, &o->rto_max) != 3)
                peer_usage();
        } else if (!strcmp(a, "--pmr")) {
            o->path_max_retrans = (uint32_t)peer_parse_size(NEXT());
        } else if (!strcmp(a, "--amr")) {
            o->assoc_max_retrans = (uint32_t)peer_parse_size(NEXT());
        } else if (!strcmp(a, "--rate")) {
            o->rate = peer_parse_size(NEXT());
        } else if (!strcmp(a, "--read-rate")) {
            o->read_rate = peer_parse_size(NEXT());
        } else if (!strcmp(a, "--run-at")) {
            o->run_at = peer_parse_size(NEXT());
            o->run_cmd = NEXT();
        } else if (!strcmp(a, "--wait-confirm")) {
            o->wait_confirm_ms = (uint32_t)peer_parse_size(NEXT());
        } else if (!strcmp(a, "--reconf")) {
            o->reconf = 1;
        } else if (!strcmp(a, "--cmt")) {
            uint64_t v = peer_parse_size(NEXT());
            if (v > 4)
                peer_usage();
            o->cmt = (int)v;
        } else if (!strcmp(a, "--sched")) {
            static const char *const names[] = {"fcfs", "rr", "rrp", "prio"};
            const char *v = NEXT();
            o->sched = -1;
            for (int k = 0; k < 4; k++)
                if (!strcmp(v, names[k]))
                    o->sched = k;
            if (o->sched < 0)
                peer_usage();
        } else if (!strcmp(a, "--ssvalue")) {
            const char *v = NEXT();
            o->nssvalue = 0;
            while (*v) {
                unsigned sid, val;
                int used = 0;
                if (o->nssvalue == PEER_MAX_SSVALUES ||
                    sscanf(v, "%u:%u%n", &sid, &val, &used) != 2 || sid > 65534 ||
                    val > 65535)
                    peer_usage();
                o->ssvalue[o->nssvalue].sid = (uint16_t)sid;
                o->ssvalue[o->nssvalue].value = (uint16_t)val;
                o->nssvalue++;
                v += used;
                if (*v == ',')
                    v++;
                else if (*v)
                    peer_usage();
            }
        } else if (!strcmp(a, "--order-stats")) {
            o->order_stats = 1;
        } else if (!strcmp(a, "--idata")) {
            o->idata = 1;
        } else if (!strcmp(a, "--first-size")) {
            uint64_t v = peer_parse_size(NEXT());
            if (v == 0 || v > PEER_MAX_MSG)
                peer_usage();
            o->first_size = (uint32_t)v;
        } else if (!strcmp(a, "--pr")) {
            const char *v = NEXT();
            static const char *const names[] = {"", "ttl", "rtx", "prio", "buf"};
            const char *comma = strchr(v, ',');
            if (!comma)
                peer_usage();
            for (int k = 1; k <= PEER_PR_BUF; k++)
                if ((size_t)(comma - v) == strlen(names[k]) && !strncmp(v, names[k], strlen(names[k])))
                    o->pr = k;
            if (!o->pr)
                peer_usage();
            o->pr_value = (uint32_t)peer_parse_size(comma + 1);
        } else if (!strcmp(a, "--pr-log")) {
            o->pr_log = NEXT();
        } else if (!strcmp(a, "--idle") || !strcmp(a, "--min-heartbeats") ||
                   !strcmp(a, "--pcap") || !strcmp(a, "--linger")) {
            if (!(extras & PEER_OPTS_MPSCTP))
                unsupported(a, "mpsctp_peer");
            if (!strcmp(a, "--idle"))
                o->idle_ms = (uint32_t)peer_parse_size(NEXT());
            else if (!strcmp(a, "--min-heartbeats"))
                o->min_heartbeats = (uint32_t)peer_parse_size(NEXT());
            else if (!strcmp(a, "--pcap"))
                o->pcap_path = NEXT();
            else
                o->linger_ms = (int)peer_parse_size(NEXT());
        } else {
            peer_usage();
        }
#undef NEXT
    }
    if (!have_role || o->port == 0 || o->lo == 0 || o->lo > o->hi || o->hi > PEER_MAX_MSG ||
        o->streams == 0 || o->streams > PEER_MAX_STREAMS || o->bytes == 0 ||
        (o->echo && o->reverse))
        peer_usage();
    if (!have_udp)
        o->udp_port = o->server ? 9899 : 9900;
    if (o->first_size && (!o->bytes_given || o->bytes <= o->first_size))
        peer_usage();
    interop_sizes_init(&o->sizes, o->lo, o->hi);
    if (o->first_size)
        o->nmsgs = 1 + interop_count(&o->sizes, o->bytes - o->first_size, &o->last_size);
    else
        o->nmsgs = interop_count(&o->sizes, o->bytes, &o->last_size);
    o->role = o->server ? "server" : "client";
}

/* ---- results ---------------------------------------------------------------------- */

void peer_result_init(const peer_opts *o, peer_result *r)
{
    memset(r, 0, sizeof(*r));
    r->verified = o->verify ? 1 : -1;
    r->t_run = r->max_gap = r->last_rx = -1;
    r->cmt = -1;
    r->idata = -1;
    r->first_index = -1;
}

void peer_fail(peer_result *r, const char *fmt, uint64_t a, uint64_t b)
{
    if (!r->error[0])
        snprintf(r->error, sizeof(r->error), fmt, a, b);
    r->verified = 0;
}

void peer_merge_echo(peer_result *r, const peer_result *echo)
{
    if (echo->error[0])
        snprintf(r->error, sizeof(r->error), "echo: %.180s", echo->error);
    if (echo->verified == 0)
        r->verified = 0;
    if (echo->aborted)
        r->aborted = 1;
    r->comm_lost |= echo->comm_lost;
    r->econnreset |= echo->econnreset;
    if (!r->aborted && echo->bytes != r->bytes) {
        snprintf(r->error, sizeof(r->error), "echoed %" PRIu64 " of %" PRIu64 " bytes",
                 echo->bytes, r->bytes);
        r->verified = 0;
    }
}

void peer_note_abort(const peer_opts *o, peer_result *r)
{
    if (r->aborted && !o->expect_abort && !o->abort_after && !r->error[0])
        snprintf(r->error, sizeof(r->error), "the association was aborted");
}

int peer_ok(const peer_opts *o, const peer_result *r)
{
    return !r->error[0] && r->verified != 0 && (!r->aborted || o->expect_abort || o->abort_after);
}

void peer_print_result(const peer_opts *o, const char *impl, const peer_result *r,
                       void (*extra)(const peer_result *r, void *user), void *user)
{
    double g = r->seconds > 0 ? (double)r->bytes * 8 / r->seconds : 0;
    printf("{\"role\":\"%s\",\"impl\":\"%s\",\"bytes\":%" PRIu64 ",\"messages\":%" PRIu64
           ",\"seconds\":%.6f,\"goodput_bps\":%.0f,\"verified\":%s,\"aborted\":%s",
           o->role, impl, r->bytes, r->messages, r->seconds, g,
           r->verified < 0 ? "null" : r->verified ? "true" : "false",
           r->aborted ? "true" : "false");
    if (extra)
        extra(r, user);
    if (o->cmt >= 0) {
        if (r->cmt >= 0)
            printf(",\"cmt\":%d", r->cmt);
        else
            printf(",\"cmt\":null");
    }
    if (o->pr)
        printf(",\"abandoned\":%" PRIu64, r->abandoned);
    if (o->local_addrs || o->npeer_addrs > 1 || r->path_events[0])
        printf(",\"path_events\":\"%s\",\"paddrs_start\":\"%s\",\"paddrs_end\":\"%s\","
               "\"t_run\":%.3f,\"max_gap_ms\":%.0f",
               r->path_events, r->paddrs_start, r->paddrs_end, r->t_run,
               r->max_gap < 0 ? -1 : r->max_gap * 1000);
    if (o->idata)
        printf(",\"idata\":%d", r->idata);
    if (o->first_size)
        printf(",\"first_msg_index\":%" PRId64, r->first_index);
    if (o->order_stats) {
        /* the stream that finished first, and how many messages came after it */
        int first = -1;
        for (int k = 0; k < PEER_ORDER_STREAMS; k++)
            if (r->ord_last[k] && (first < 0 || r->ord_last[k] < r->ord_last[first]))
                first = k;
        printf(",\"order\":{\"max_run\":%" PRIu64 ",\"done_first\":%d,"
               "\"after_done_first\":%" PRIu64 "}",
               r->ord_max_run, first, first < 0 ? 0 : r->messages - r->ord_last[first]);
    }
    if (o->reconf)
        printf(",\"reconf_resets\":%u,\"reconf_changes\":%u,\"ssn_restarts\":%u,"
               "\"streams_in\":%u,\"streams_out\":%u",
               r->rc_resets, r->rc_changes, r->rc_restarts, r->rc_in, r->rc_out);
    if (r->error[0])
        printf(",\"error\":\"%s\"", r->error);
    printf("}\n");
    fflush(stdout);
}

static void on_alarm(int sig)
{
    static const char msg[] = "{\"error\":\"timeout\"}\n";
    (void)sig;
    (void)!write(1, msg, sizeof(msg) - 1);
    _exit(3);
}

void peer_arm_timeout(const peer_opts *o)
{
    signal(SIGALRM, on_alarm);
    alarm(o->timeout);
    signal(SIGPIPE, SIG_IGN);
}

double peer_now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* ---- multihoming -------------------------------------------------------------------- */

int peer_parse_addrs(const char *list, struct sockaddr_in *out, int max, uint16_t port)
{
    char buf[256];
    int n = 0;
    snprintf(buf, sizeof(buf), "%s", list);
    for (char *save = NULL, *t = strtok_r(buf, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
        if (n == max)
            peer_usage();
        memset(&out[n], 0, sizeof(out[n]));
        out[n].sin_family = AF_INET;
        out[n].sin_port = htons(port);
        if (inet_pton(AF_INET, t, &out[n].sin_addr) != 1)
            peer_usage();
        n++;
    }
    return n;
}

static void append(char *list, size_t cap, const char *text)
{
    size_t l = strlen(list);
    if (l + strlen(text) + 2 < cap)
        snprintf(list + l, cap - l, "%s%s", l ? ";" : "", text);
}

void peer_path_event(peer_result *r, const char *addr, const char *state)
{
    char e[96];
    snprintf(e, sizeof(e), "%s %s @%.3f", addr, state, since_start());
    append(r->path_events, sizeof(r->path_events), e);
}

void peer_paddr_state(char *list, size_t cap, const char *addr, const char *state)
{
    char e[96];
    snprintf(e, sizeof(e), "%s=%s", addr, state);
    append(list, cap, e);
}

/* Sleeps until bytes at rate bytes/s from t0 on are due. */
static void pace(double t0, uint64_t bytes, uint64_t rate)
{
    double due = t0 + (double)bytes / (double)rate, now = peer_now_s();
    if (due > now) {
        double d = due - now;
        struct timespec ts = {(time_t)d, (long)((d - (double)(time_t)d) * 1e9)};
        nanosleep(&ts, NULL);
    }
}

void peer_sent(const peer_opts *o, peer_result *r, uint64_t sent, double t0)
{
    if (o->run_cmd && r->t_run < 0 && sent >= o->run_at) {
        r->t_run = since_start();
        if (system(o->run_cmd) != 0)
            fprintf(stderr, "--run-at: '%s' failed\n", o->run_cmd);
    }
    if (o->rate)
        pace(t0, sent, o->rate);
}

/* ---- checking received messages --------------------------------------------------- */

void peer_verify_init(const peer_opts *o, peer_verify *v)
{
    if (o->bytes_given && o->verify)
        v->seen = calloc(o->nmsgs / 8 + 1, 1);
}

void peer_verify_free(peer_verify *v)
{
    free(v->seen);
    v->seen = NULL;
}

/* --pr-log: appends g to the log (opened on first use). */
static void pr_log_line(const peer_opts *o, uint64_t g)
{
    static FILE *f;
    if (!f && !(f = fopen(o->pr_log, "w")))
        return;
    fprintf(f, "%" PRIu64 "\n", g);
    fflush(f);
}

void peer_abandoned(const peer_opts *o, peer_result *r, uint32_t sid, uint32_t ppid)
{
    uint64_t g = (uint64_t)ntohl(ppid) * o->streams + sid;
    r->abandoned++;
    if (o->pr_log)
        pr_log_line(o, g);
}

uint64_t peer_check_message(const peer_opts *o, peer_verify *v, peer_result *r,
                            const uint8_t *msg, size_t len, uint32_t sid, uint32_t ppid,
                            int unordered)
{
    uint32_t s = sid, m = ntohl(ppid);
    uint64_t g = (uint64_t)m * o->streams + s;
    uint32_t want;

    r->messages++;
    r->bytes += len;
    if (o->read_rate) {
        if (r->messages == 1)
            v->t0 = peer_now_s();
        pace(v->t0, r->bytes, o->read_rate);
    }
    if (g == 0)
        r->first_index = (int64_t)r->messages - 1;
    if (s < PEER_ORDER_STREAMS)
        r->ord_last[s] = r->messages;
    r->ord_run = r->messages > 1 && s == r->ord_prev ? r->ord_run + 1 : 1;
    r->ord_prev = s;
    if (r->ord_run > r->ord_max_run)
        r->ord_max_run = r->ord_run;
    double t = since_start();
    if (r->last_rx >= 0 && t - r->last_rx > r->max_gap)
        r->max_gap = t - r->last_rx;
    r->last_rx = t;
    if (!o->verify)
        return g;
    if (s >= o->streams)
        peer_fail(r, "stream %" PRIu64 " beyond %" PRIu64, s, o->streams);
    else if (!unordered && (o->pr ? m < v->next_m[s] : m != v->next_m[s]))
        peer_fail(r, "ordered message %" PRIu64 " where %" PRIu64 " was due", m, v->next_m[s]);
    else if (unordered != o->unordered)
        peer_fail(r, "message %" PRIu64 " has the wrong U flag (%" PRIu64 ")", g,
                  (uint64_t)unordered);
    if (s < o->streams && !unordered)
        v->next_m[s] = m + 1;
    if (o->bytes_given) {
        if (g >= o->nmsgs) {
            peer_fail(r, "message number %" PRIu64 " beyond the %" PRIu64 " sent", g, o->nmsgs);
            return g;
        }
        if (v->seen[g / 8] & (1u << (g % 8)))
            peer_fail(r, "message %" PRIu64 " delivered twice%" PRIu64, g, 0);
        v->seen[g / 8] |= (uint8_t)(1u << (g % 8));
        want = peer_msg_len(o, g);
        if (o->pr_log)
            pr_log_line(o, g);
    } else {
        want = interop_size(&o->sizes, g);
        if (len < want)
            want = (uint32_t)len; /* the last one may be short */
    }
    if (len != want)
        peer_fail(r, "message %" PRIu64 " has %" PRIu64 " bytes", g, len);
    else if (interop_check(msg, len, s, m, 0) != len)
        peer_fail(r, "message %" PRIu64 " differs at byte %" PRIu64, g,
                  interop_check(msg, len, s, m, 0));
    return g;
}

void peer_check_total(const peer_opts *o, peer_result *r)
{
    if (o->bytes_given && o->verify && !r->aborted && !r->error[0] && !o->pr &&
        (r->bytes != o->bytes || r->messages != o->nmsgs))
        peer_fail(r, "received %" PRIu64 " bytes, %" PRIu64 " messages: short", r->bytes,
                  r->messages);
}

const char *peer_addr_text(const void *sa, char *buf, size_t cap)
{
    struct sockaddr_in a;
    memcpy(&a, sa, sizeof(a));
    if (a.sin_family != AF_INET || !inet_ntop(AF_INET, &a.sin_addr, buf, (socklen_t)cap))
        snprintf(buf, cap, "?");
    return buf;
}

/* ---- stream reconfiguration ------------------------------------------------------------ */

void peer_reconf_ssn(peer_result *r, uint32_t sid, uint16_t ssn)
{
    if (sid >= PEER_MAX_STREAMS)
        return;
    uint16_t want = r->rc_reset_due[sid] ? 0 : r->rc_next_ssn[sid];
    if (ssn != want)
        peer_fail(r, "stream %" PRIu64 ": SSN %" PRIu64 " out of sequence", sid, ssn);
    if (r->rc_reset_due[sid] && ssn == 0)
        r->rc_restarts++;
    r->rc_reset_due[sid] = 0;
    r->rc_next_ssn[sid] = (uint16_t)(ssn + 1);
}

void peer_reconf_reset(peer_result *r, uint16_t flags, const uint16_t *list, size_t n)
{
    if (flags & 0x000c) { /* DENIED, FAILED */
        peer_fail(r, "stream reset refused (flags %" PRIu64 ")%" PRIu64, flags, 0);
        return;
    }
    r->rc_resets++;
    if (!(flags & 0x0001)) /* INCOMING_SSN: our inbound streams */
        return;
    if (n == 0) {
        memset(r->rc_reset_due, 1, sizeof(r->rc_reset_due));
        return;
    }
    for (size_t i = 0; i < n; i++)
        if (list[i] < PEER_MAX_STREAMS)
            r->rc_reset_due[list[i]] = 1;
}

void peer_reconf_change(peer_result *r, uint16_t flags, uint16_t in, uint16_t out)
{
    if (flags) {
        peer_fail(r, "stream change refused (flags %" PRIu64 ")%" PRIu64, flags, 0);
        return;
    }
    r->rc_changes++;
    r->rc_in = in;
    r->rc_out = out;
}

void peer_reconf_event(peer_result *r, int change, const uint8_t *buf, size_t len)
{
    uint16_t flags, v[64];
    if (len < 12)
        return;
    memcpy(&flags, buf + 2, sizeof(flags));
    size_t n = (len - 12) / 2;
    n = n < 64 ? n : 64;
    memcpy(v, buf + 12, n * 2);
    if (!change)
        peer_reconf_reset(r, flags, v, n);
    else if (n >= 2)
        peer_reconf_change(r, flags, v[0], v[1]);
}

/* ---- --idata: gathering pieces by stream ------------------------------------------ */

int peer_gather_init(const peer_opts *o, peer_gather *g)
{
    g->n = o->streams;
    g->msg = calloc(g->n, sizeof(*g->msg));
    g->have = calloc(g->n, sizeof(*g->have));
    if (!g->msg || !g->have) {
        peer_gather_free(g);
        return -1;
    }
    return 0;
}

void peer_gather_free(peer_gather *g)
{
    for (uint32_t s = 0; g->msg && s < g->n; s++)
        free(g->msg[s]);
    free(g->msg);
    free(g->have);
    memset(g, 0, sizeof(*g));
}

int peer_gather_add(peer_gather *g, peer_result *r, int ok, uint32_t sid, const uint8_t *p,
                    size_t n, int eor, uint8_t **msg, size_t *len)
{
    if (!ok || sid >= g->n) {
        peer_fail(r, "piece on stream %" PRIu64 " (stream named: %" PRIu64 ")", sid,
                  (uint64_t)ok);
        return -1;
    }
    if (!g->msg[sid] && !(g->msg[sid] = malloc(PEER_MAX_MSG))) {
        peer_fail(r, "out of memory%" PRIu64 "%" PRIu64, 0, 0);
        return -1;
    }
    if (g->have[sid] + n > PEER_MAX_MSG) {
        peer_fail(r, "message longer than %" PRIu64 " bytes%" PRIu64, PEER_MAX_MSG, 0);
        return -1;
    }
    memcpy(g->msg[sid] + g->have[sid], p, n);
    g->have[sid] += n;
    if (!eor)
        return 0;
    *msg = g->msg[sid];
    *len = g->have[sid];
    g->have[sid] = 0;
    return 1;
}
