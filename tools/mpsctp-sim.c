/*
 * mpsctp-sim: runs a simulated network scenario through the mpsctp core and reports
 * goodput, retransmissions and integrity per flow.
 *
 *   mpsctp-sim --link rate=10mbit,delay=20ms,queue=100,loss=0.01 --bytes 20M --seed 7
 *   mpsctp-sim --link rate=10mbit,delay=20ms --link rate=5mbit,delay=40ms --set pmr=2
 *   mpsctp-sim FILE [--json] [--seed N]
 *   mpsctp-sim --help | --version
 *
 * Sizes and times take the units of units.h. A wrong option prints one line that names
 * it (exit status 2); man/mpsctp-sim.1 lists every option, as --help does.
 *
 * Exit status: 0 all flows verified, 1 a flow failed verification, 2 usage or
 * scenario error, 3 internal failure.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "scenario.h"
#include "sim.h"
#include "sim_report.h"
#include "units.h"

static void usage(void)
{
    fputs("usage: mpsctp-sim FILE [--json] [--seed N] [--duration T] [--warmup T]\n"
          "                  [--log LEVEL] [--trace]\n"
          "       mpsctp-sim --link rate=10mbit,delay=20ms,queue=100[,loss=P,reorder=P,\n"
          "                  dup=P,jitter=T,red=MIN,MAX,MAXP,WQ] [--bytes SIZE | --duration T]\n"
          "                  [--msg SIZE] [--unordered] [--streams K] [--sndbuf SIZE]\n"
          "                  [--rcvbuf SIZE] [--mtu N] [--cmt MODE] [--set KEY=VALUE]...\n"
          "                  [--warmup T] [--seed N] [--json] [--log LEVEL] [--trace]\n"
          "       mpsctp-sim --help | --version\n"
          "Without --bytes the flow is saturated for --duration (default 60s).\n"
          "--cmt off|cmt|rpv1|rpv2|mptcp|0..4 sets the flow's CMT mode (SCTP_CMT_ON_OFF).\n"
          "--warmup T: goodput and link use of saturated flows count from T on.\n"
          "--link given several times builds one link per path of a multi-homed flow\n"
          "(links L0, L1, ...; the first is the primary). --set applies a scenario flow\n"
          "option: rto_min=, rto_max=, rto_initial=, hb= (ms), pmr=, amr=, pf=, sample=,\n"
          "cmt=, bufsplit=none|sender|receiver|both, nrsack=0|1, rtx=cwnd|ssthresh,\n"
          "sackpath=data|primary|minrtt, pathsel=rr|stream, sqlimit=0|1 (--streams K: the\n"
          "SQINFO-driven source), sched=fcfs|prio|rr|fc|wfq|rrp, ssvalue=SID:VALUE,...\n"
          "(stream scheduler and stream priorities or weights).\n"
          "--trace prints every packet entering a link to stderr (chunk types); --log LEVEL\n"
          "prints the core's log lines up to LEVEL (0 error .. 3 debug).\n"
          "--duration, --warmup and times in scenarios count seconds unless a unit follows.\n"
          UNITS_HELP
          "Exit status: 0 verified, 1 a flow failed verification, 2 bad usage or scenario,\n"
          "3 internal failure.\n",
          stdout);
}

/* Packet filter that prints every packet entering a link and lets it pass. */
static int trace_filter(void *user, sim *s, const sim_pkt_view *v)
{
    FILE *out = user;
    fprintf(out, "%.9f flow %zu path %u link %u %s len %zu:", (double)v->now / 1e9, v->flow,
            v->path, v->link, v->dir == 0 ? "c>s" : "s>c", v->len);
    size_t off = 12;
    while (off + 4 <= v->len) {
        size_t clen = ((size_t)v->data[off + 2] << 8) | v->data[off + 3];
        fprintf(out, " %u", v->data[off]);
        if (v->data[off] == 0 && clen >= 16)
            fprintf(out, "(tsn %u)", (unsigned)v->data[off + 4] << 24 |
                    (unsigned)v->data[off + 5] << 16 | (unsigned)v->data[off + 6] << 8 |
                    v->data[off + 7]);
        if (clen < 4)
            break;
        off += (clen + 3) & ~(size_t)3;
    }
    fputc('\n', out);
    return 0;
}

/* One line on stderr about option opt, then exit status 2 for main to return. */
static int bad_arg(const char *opt, const char *fmt, ...)
{
    va_list ap;
    fprintf(stderr, "mpsctp-sim: %s: ", opt);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    return 2;
}

#define NOT_SIZE "'%s' is not a size (e.g. 1452, 64KiB, 20M, 1MB)"
#define NOT_TIME "'%s' is not a time (e.g. 60, 10s, 500ms)"

/* The options that take a value. */
static int takes_value(const char *a)
{
    static const char *const with[] = {"--seed", "--duration", "--warmup", "--cmt",
                                       "--log",  "--link",     "--set",    "--bytes",
                                       "--msg",  "--streams",  "--sndbuf", "--rcvbuf",
                                       "--mtu"};
    for (size_t i = 0; i < sizeof(with) / sizeof(with[0]); i++)
        if (!strcmp(a, with[i]))
            return 1;
    return 0;
}

int main(int argc, char **argv)
{
    const char *file = NULL;
    const char *link_specs[SIM_MAX_PATHS];
    size_t nlinks = 0;
    char setbuf[128];
    int json = 0, seed_set = 0, flow_opts = 0, log_level = -1, trace = 0;
    uint64_t seed = 0, duration = 0, warmup = 0;
    char err[512];
    sim_flow_cfg fl;
    sim_flow_cfg_default(&fl);
    snprintf(fl.name, sizeof(fl.name), "f");
    for (int i = 1; i < argc; i++) { /* --help and --version win over everything else */
        if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
            usage();
            return 0;
        }
        if (!strcmp(argv[i], "--version")) {
            printf("mpsctp-sim %s\n", MPSCTP_TOOLS_VERSION);
            return 0;
        }
    }
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *v = NULL;
        uint64_t x;
        if (takes_value(a)) {
            if (i + 1 == argc)
                return bad_arg(a, "needs a value");
            v = argv[++i];
        }
        if (!strcmp(a, "--json")) {
            json = 1;
        } else if (!strcmp(a, "--trace")) {
            trace = 1;
        } else if (!strcmp(a, "--unordered")) {
            fl.unordered = 1;
            flow_opts = 1;
        } else if (!strcmp(a, "--seed")) {
            if (units_uint(v, UINT64_MAX, &seed) < 0)
                return bad_arg(a, "'%s' is not a whole number", v);
            seed_set = 1;
        } else if (!strcmp(a, "--duration") || !strcmp(a, "--warmup")) {
            uint64_t *t = a[2] == 'd' ? &duration : &warmup;
            if (units_time(v, 1000000000u, t) < 0)
                return bad_arg(a, NOT_TIME, v);
            if (*t == 0)
                return bad_arg(a, "must be more than 0");
        } else if (!strcmp(a, "--cmt")) {
            uint32_t mode;
            if (sim_parse_cmt(v, &mode) < 0)
                return bad_arg(a, "'%s' is not off, cmt, rpv1, rpv2 or mptcp (or 0..4)", v);
            fl.cmt = (uint8_t)mode;
            fl.set |= SIM_FS_CMT;
            flow_opts = 1;
        } else if (!strcmp(a, "--log")) {
            if (units_uint(v, 3, &x) < 0)
                return bad_arg(a, "must be 0..3 (error .. debug)");
            log_level = (int)x;
        } else if (!strcmp(a, "--link")) {
            if (nlinks == SIM_MAX_PATHS)
                return bad_arg(a, "at most %d links", SIM_MAX_PATHS);
            link_specs[nlinks++] = v;
        } else if (!strcmp(a, "--set")) {
            snprintf(setbuf, sizeof(setbuf), "%s", v);
            char *eq = strchr(setbuf, '=');
            if (eq)
                *eq++ = '\0';
            if (!strcmp(setbuf, "paths") || !strcmp(setbuf, "path"))
                return bad_arg(a, "paths come from --link");
            sim_config none;
            sim_config_init(&none);
            if (sim_scenario_flow_opt(&none, &fl, setbuf, eq, err, sizeof(err)) < 0) {
                fprintf(stderr, "mpsctp-sim: --set %s: %s\n", v, err);
                return 2;
            }
            flow_opts = 1;
        } else if (!strcmp(a, "--bytes")) {
            if (units_size(v, &fl.bytes) < 0)
                return bad_arg(a, NOT_SIZE, v);
            if (fl.bytes == 0)
                return bad_arg(a, "must be at least 1 byte");
            flow_opts = 1;
        } else if (!strcmp(a, "--msg")) {
            if (units_size(v, &x) < 0)
                return bad_arg(a, NOT_SIZE, v);
            if (x == 0 || x > UINT32_MAX)
                return bad_arg(a, "must be 1..%u bytes", UINT32_MAX);
            fl.msg_size = (uint32_t)x;
            flow_opts = 1;
        } else if (!strcmp(a, "--streams")) {
            if (units_uint(v, UINT64_MAX, &x) < 0 || x == 0 || x > 65535)
                return bad_arg(a, "must be 1..65535");
            fl.streams = (uint16_t)x;
            flow_opts = 1;
        } else if (!strcmp(a, "--sndbuf") || !strcmp(a, "--rcvbuf")) {
            if (units_size(v, &x) < 0)
                return bad_arg(a, NOT_SIZE, v);
            if (x < 4096 || x > UINT32_MAX)
                return bad_arg(a, "must be 4096..%u bytes", UINT32_MAX);
            if (a[2] == 's')
                fl.sndbuf = (uint32_t)x;
            else
                fl.rcvbuf = (uint32_t)x;
            flow_opts = 1;
        } else if (!strcmp(a, "--mtu")) {
            if (units_uint(v, UINT64_MAX, &x) < 0 || x < 508 || x > 65535)
                return bad_arg(a, "must be 508..65535");
            fl.mtu = (uint16_t)x;
            flow_opts = 1;
        } else if (a[0] == '-') {
            fprintf(stderr, "mpsctp-sim: unknown option '%s' (mpsctp-sim --help shows the "
                            "options)\n", a);
            return 2;
        } else if (!file) {
            file = a;
        } else {
            fprintf(stderr, "mpsctp-sim: '%s': more than one scenario file\n", a);
            return 2;
        }
    }

    sim_config cfg;
    if (file) {
        if (nlinks || flow_opts) {
            fprintf(stderr, "mpsctp-sim: --link and the flow options (--bytes, --msg, --set, "
                            "...) are for quick mode, not with a scenario file\n");
            return 2;
        }
        if (sim_scenario_load(file, &cfg, err, sizeof(err)) < 0) {
            fprintf(stderr, "%s\n", err);
            sim_config_free(&cfg);
            return 2;
        }
    } else {
        if (!nlinks) {
            fprintf(stderr, "mpsctp-sim: give a scenario FILE or --link (mpsctp-sim --help "
                            "shows the options)\n");
            return 2;
        }
        if (sim_flow_cfg_check(&fl, err, sizeof(err)) < 0) {
            fprintf(stderr, "mpsctp-sim: %s\n", err);
            return 2;
        }
        sim_config_init(&cfg);
        for (size_t k = 0; k < nlinks; k++) {
            sim_link_cfg l;
            memset(&l, 0, sizeof(l));
            if (nlinks == 1)
                snprintf(l.name, sizeof(l.name), "L");
            else
                snprintf(l.name, sizeof(l.name), "L%zu", k);
            sim_link_params_default(&l.p);
            if (sim_scenario_link_spec(link_specs[k], &l.p, &l.set, err, sizeof(err)) < 0) {
                fprintf(stderr, "mpsctp-sim: --link %s: %s\n", link_specs[k], err);
                sim_config_free(&cfg);
                return 2;
            }
            const char *why = sim_link_params_check(&l.p);
            if (why) {
                fprintf(stderr, "mpsctp-sim: --link %s: %s\n", link_specs[k], why);
                sim_config_free(&cfg);
                return 2;
            }
            sim_config_add_link(&cfg, &l);
            fl.paths[k].nlinks = 1;
            fl.paths[k].links[0] = (uint32_t)k;
        }
        fl.npaths = (uint32_t)nlinks;
        sim_config_add_flow(&cfg, &fl);
    }
    if (seed_set)
        cfg.seed = seed;
    if (duration)
        cfg.duration_ns = duration;
    if (warmup)
        cfg.warmup_ns = warmup;
    uint64_t end = cfg.duration_ns ? cfg.duration_ns : SIM_DEFAULT_DURATION_NS;
    if (cfg.warmup_ns && cfg.warmup_ns >= end) {
        fprintf(stderr, "mpsctp-sim: the warm-up must end before the duration\n");
        sim_config_free(&cfg);
        return 2;
    }
    cfg.log_level = log_level;

    sim *s = sim_new(&cfg, err, sizeof(err));
    sim_config_free(&cfg);
    if (!s) {
        fprintf(stderr, "mpsctp-sim: %s\n", err);
        return 2;
    }
    if (trace)
        sim_set_packet_filter(s, trace_filter, stderr);
    if (sim_run(s) < 0) {
        fprintf(stderr, "mpsctp-sim: simulation failed: %s\n", sim_error(s));
        sim_free(s);
        return 3;
    }
    int failed = json ? sim_report_json(s, stdout) : sim_report_table(s, stdout);
    sim_free(s);
    return failed ? 1 : 0;
}
