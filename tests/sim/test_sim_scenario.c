/* Scenario language: units, valid files, and every error with its line number; the
 * mpsctp-sim tool's exit status 2 on errors. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "scenario.h"

static void test_units(void **state)
{
    uint64_t v;
    double p;
    assert_int_equal(sim_parse_rate("10mbit", &v), 0);
    assert_int_equal(v, 10000000);
    assert_int_equal(sim_parse_rate("1.5Gbit", &v), 0);
    assert_int_equal(v, 1500000000);
    assert_int_equal(sim_parse_rate("64kbit", &v), 0);
    assert_int_equal(v, 64000);
    assert_int_equal(sim_parse_rate("9600", &v), 0);
    assert_int_equal(v, 9600);
    assert_int_equal(sim_parse_rate("300bit", &v), 0);
    assert_int_equal(v, 300);
    assert_int_equal(sim_parse_rate("10mb", &v), -1);
    assert_int_equal(sim_parse_rate("0mbit", &v), -1);
    assert_int_equal(sim_parse_rate("-1mbit", &v), -1);
    assert_int_equal(sim_parse_rate("", &v), -1);

    assert_int_equal(sim_parse_time("20ms", &v), 0);
    assert_int_equal(v, 20000000);
    assert_int_equal(sim_parse_time("1.5s", &v), 0);
    assert_int_equal(v, 1500000000);
    assert_int_equal(sim_parse_time("250us", &v), 0);
    assert_int_equal(v, 250000);
    assert_int_equal(sim_parse_time("7ns", &v), 0);
    assert_int_equal(v, 7);
    assert_int_equal(sim_parse_time("60", &v), 0);
    assert_int_equal(v, 60000000000ull);
    assert_int_equal(sim_parse_time("5min", &v), -1);
    assert_int_equal(sim_parse_time("1e3ms", &v), -1);
    assert_int_equal(sim_parse_time("ms", &v), -1);

    assert_int_equal(sim_parse_size("20M", &v), 0);
    assert_int_equal(v, 20 * 1024 * 1024);
    assert_int_equal(sim_parse_size("64KiB", &v), 0);
    assert_int_equal(v, 65536);
    assert_int_equal(sim_parse_size("64kB", &v), 0); /* the decimal form */
    assert_int_equal(v, 64000);
    assert_int_equal(sim_parse_size("1MB", &v), 0);
    assert_int_equal(v, 1000000);
    assert_int_equal(sim_parse_size("1G", &v), 0);
    assert_int_equal(v, 1024ull * 1024 * 1024);
    assert_int_equal(sim_parse_size("1452", &v), 0);
    assert_int_equal(v, 1452);
    assert_int_equal(sim_parse_size("16MiB", &v), 0);
    assert_int_equal(v, 16 * 1024 * 1024);
    assert_int_equal(sim_parse_size("1.5k", &v), 0);
    assert_int_equal(v, 1536);
    assert_int_equal(sim_parse_size("10X", &v), -1);
    assert_int_equal(sim_parse_size("0.3", &v), -1);

    assert_int_equal(sim_parse_prob("0.02", &p), 0);
    assert_true(p == 0.02);
    assert_int_equal(sim_parse_prob("5%", &p), 0);
    assert_true(p == 0.05);
    assert_int_equal(sim_parse_prob("1.5", &p), -1);
    assert_int_equal(sim_parse_prob("x", &p), -1);
}

static const char *full =
    "# a comment line\n"
    "seed 42\n"
    "duration 60s   # trailing comment\n"
    "\n"
    "link L1 rate=10mbit delay=10ms queue=100\n"
    "link B  rate=10mbit delay=10ms queue=100 red=30,90,0.1,0.002\n"
    "link Q rate=1gbit delay=1ms queue=64KiB loss=0.01 reorder=0.05 dup=1% "
    "reorder_delay=3ms\n"
    "flow a paths=L1+B bytes=20M msg=1452 unordered\n"
    "flow b paths=B start=5s streams=4 sndbuf=2M rcvbuf=64k mtu=1200\n"
    "event 30s link L1 down\n"
    "event 31s link L1 up\n"
    "event 40s link B loss=0.05 delay=20ms\n"
    "flow mh paths=L1+B,Q,B rto_min=200 rto_max=2s rto_initial=300 pmr=2 amr=8 pf=0 "
    "hb=500 sample=100ms\n"
    "at 50s link Q set loss=1.0\n"
    "at 51s link Q loss=0\n";

static void test_parse_valid(void **state)
{
    sim_config c;
    char err[256] = "";
    int rc = sim_scenario_parse(full, "full.scn", &c, err, sizeof(err));
    if (rc)
        print_message("%s\n", err);
    assert_int_equal(rc, 0);
    assert_int_equal(c.seed, 42);
    assert_int_equal(c.duration_ns, 60000000000ull);
    assert_int_equal(c.nlinks, 3);
    assert_string_equal(c.links[1].name, "B");
    assert_int_equal(c.links[0].p.rate_bps, 10000000);
    assert_int_equal(c.links[0].p.delay_ns, 10000000);
    assert_int_equal(c.links[0].p.queue_pkts, 100);
    assert_int_equal(c.links[1].p.red, 1);
    assert_true(c.links[1].p.red_minth == 30 && c.links[1].p.red_maxth == 90);
    assert_true(c.links[1].p.red_maxp == 0.1 && c.links[1].p.red_wq == 0.002);
    assert_int_equal(c.links[2].p.queue_bytes, 65536);
    assert_int_equal(c.links[2].p.queue_pkts, 0);
    assert_true(c.links[2].p.loss == 0.01 && c.links[2].p.reorder == 0.05);
    assert_true(c.links[2].p.dup == 0.01);
    assert_int_equal(c.links[2].p.reorder_delay_ns, 3000000);
    assert_int_equal(c.nflows, 3);
    assert_string_equal(c.flows[0].name, "a");
    assert_int_equal(c.flows[0].npaths, 1);
    assert_int_equal(c.flows[0].paths[0].nlinks, 2);
    assert_int_equal(c.flows[0].paths[0].links[0], 0);
    assert_int_equal(c.flows[0].paths[0].links[1], 1);
    assert_int_equal(c.flows[0].bytes, 20 * 1024 * 1024);
    assert_int_equal(c.flows[0].msg_size, 1452);
    assert_int_equal(c.flows[0].unordered, 1);
    assert_int_equal(c.flows[1].bytes, 0);
    assert_int_equal(c.flows[1].start_ns, 5000000000ull);
    assert_int_equal(c.flows[1].streams, 4);
    assert_int_equal(c.flows[1].sndbuf, 2 * 1024 * 1024);
    assert_int_equal(c.flows[1].rcvbuf, 65536);
    assert_int_equal(c.flows[1].mtu, 1200);
    assert_int_equal(c.flows[1].unordered, 0);
    assert_int_equal(c.flows[1].set, 0);
    /* a multi-homed flow with its failover settings */
    const sim_flow_cfg *mh = &c.flows[2];
    assert_int_equal(mh->npaths, 3);
    assert_int_equal(mh->paths[0].nlinks, 2);
    assert_int_equal(mh->paths[0].links[1], 1);
    assert_int_equal(mh->paths[1].nlinks, 1);
    assert_int_equal(mh->paths[1].links[0], 2);
    assert_int_equal(mh->paths[2].links[0], 1);
    assert_int_equal(mh->set, SIM_FS_RTO_MIN | SIM_FS_RTO_MAX | SIM_FS_RTO_INITIAL |
                                  SIM_FS_PMR | SIM_FS_AMR | SIM_FS_PF | SIM_FS_HB);
    assert_int_equal(mh->rto_min_ms, 200);
    assert_int_equal(mh->rto_max_ms, 2000);
    assert_int_equal(mh->rto_initial_ms, 300);
    assert_int_equal(mh->path_max_retrans, 2);
    assert_int_equal(mh->assoc_max_retrans, 8);
    assert_int_equal(mh->pf_max_retrans, 0);
    assert_int_equal(mh->hb_interval_ms, 500);
    assert_int_equal(mh->sample_ns, 100000000ull);
    mpsctp_settings st;
    mpsctp_settings_default(&st);
    sim_flow_cfg_settings(mh, &st);
    assert_int_equal(st.rto_min_ms, 200);
    assert_int_equal(st.rto_max_ms, 2000);
    assert_int_equal(st.rto_initial_ms, 300);
    assert_int_equal(st.path_max_retrans, 2);
    assert_int_equal(st.assoc_max_retrans, 8);
    assert_int_equal(st.pf_max_retrans, 0);
    assert_int_equal(st.hb_interval_ms, 500);
    assert_int_equal(c.nevents, 5);
    assert_int_equal(c.events[3].kind, SIM_EVENT_LINK_SET);
    assert_int_equal(c.events[3].at, 50000000000ull);
    assert_int_equal(c.events[3].set, SIM_LP_LOSS);
    assert_true(c.events[3].p.loss == 1.0);
    assert_int_equal(c.events[4].set, SIM_LP_LOSS);
    assert_true(c.events[4].p.loss == 0.0);
    assert_int_equal(c.events[0].kind, SIM_EVENT_LINK_DOWN);
    assert_int_equal(c.events[0].at, 30000000000ull);
    assert_int_equal(c.events[1].kind, SIM_EVENT_LINK_UP);
    assert_int_equal(c.events[2].kind, SIM_EVENT_LINK_SET);
    assert_int_equal(c.events[2].link, 1);
    assert_int_equal(c.events[2].set, SIM_LP_LOSS | SIM_LP_DELAY);
    assert_true(c.events[2].p.loss == 0.05);
    assert_int_equal(c.events[2].p.delay_ns, 20000000);
    sim_config_free(&c);
}

static void test_link_spec(void **state)
{
    sim_link_params p;
    unsigned set = 0;
    char err[200];
    sim_link_params_default(&p);
    assert_int_equal(sim_scenario_link_spec("rate=10mbit,delay=20ms,queue=100,loss=0.01", &p,
                                            &set, err, sizeof(err)), 0);
    assert_int_equal(p.rate_bps, 10000000);
    assert_int_equal(p.delay_ns, 20000000);
    assert_true(p.loss == 0.01);
    assert_int_equal(p.queue_pkts, 100);
    assert_int_equal(set, SIM_LP_RATE | SIM_LP_DELAY | SIM_LP_QUEUE | SIM_LP_LOSS);
    set = 0;
    assert_int_equal(sim_scenario_link_spec("red=5,15,0.1,0.002,rate=1mbit", &p, &set, err,
                                            sizeof(err)), 0);
    assert_true(p.red && p.red_minth == 5 && p.red_maxth == 15 && p.red_maxp == 0.1 &&
                p.red_wq == 0.002);
    assert_int_equal(p.rate_bps, 1000000);
    assert_int_equal(set, SIM_LP_RED | SIM_LP_RATE);
    assert_int_equal(sim_scenario_link_spec("rate=fast", &p, &set, err, sizeof(err)), -1);
    assert_non_null(strstr(err, "bad rate"));
    assert_int_equal(sim_scenario_link_spec("colour=blue", &p, &set, err, sizeof(err)), -1);
    assert_non_null(strstr(err, "unknown link option"));
}

/* The CMT keys of a flow, the mid-run mode change and the warm-up. */
static void test_parse_cmt(void **state)
{
    static const char *text =
        "warmup 5s\n"
        "duration 20s\n"
        "link A rate=10mbit delay=10ms\n"
        "link B rate=5mbit delay=20ms\n"
        "flow m paths=A,B cmt=rpv2 bufsplit=receiver nrsack=0 rtx=ssthresh "
        "sackpath=minrtt\n"
        "flow n paths=A,B cmt=4 bufsplit=none pathsel=stream sqlimit streams=2\n"
        "flow o paths=A\n"
        "at 10s flow m set cmt=off\n"
        "event 12s flow n cmt=1\n";
    sim_config c;
    char err[256] = "";
    int rc = sim_scenario_parse(text, "cmt.scn", &c, err, sizeof(err));
    if (rc)
        print_message("%s\n", err);
    assert_int_equal(rc, 0);
    assert_int_equal(c.warmup_ns, 5000000000ull);
    const sim_flow_cfg *m = &c.flows[0];
    assert_int_equal(m->set, SIM_FS_CMT | SIM_FS_BUFSPLIT | SIM_FS_NRSACK | SIM_FS_RTX |
                                 SIM_FS_SACKPATH);
    mpsctp_settings st;
    mpsctp_settings_default(&st);
    sim_flow_cfg_settings(m, &st);
    assert_int_equal(st.cmt, MPSCTP_CMT_RPV2);
    assert_int_equal(st.cmt_bufsplit, MPSCTP_BUFSPLIT_RECEIVER);
    assert_int_equal(st.nr_sack, 0);
    assert_int_equal(st.cmt_rtx_policy, MPSCTP_RTX_SSTHRESH);
    assert_int_equal(st.sack_path, MPSCTP_SACK_PATH_MIN_RTT);
    mpsctp_settings_default(&st);
    sim_flow_cfg_settings(&c.flows[1], &st);
    assert_int_equal(st.cmt, MPSCTP_CMT_MPTCP);
    assert_int_equal(st.cmt_bufsplit, 0);
    assert_int_equal(st.path_select, MPSCTP_PATHSEL_STREAM);
    assert_int_equal(c.flows[1].set, SIM_FS_CMT | SIM_FS_BUFSPLIT | SIM_FS_PATHSEL);
    assert_int_equal(c.flows[1].sqlimit, 1);
    assert_int_equal(m->sqlimit, 0);
    /* Keys not given keep the core's defaults. */
    mpsctp_settings def;
    mpsctp_settings_default(&def);
    assert_int_equal(st.nr_sack, def.nr_sack);
    assert_int_equal(st.sack_path, def.sack_path);
    assert_int_equal(c.flows[2].set, 0);
    assert_int_equal(c.nevents, 2);
    assert_int_equal(c.events[0].kind, SIM_EVENT_FLOW_CMT);
    assert_int_equal(c.events[0].at, 10000000000ull);
    assert_int_equal(c.events[0].flow, 0);
    assert_int_equal(c.events[0].value, MPSCTP_CMT_OFF);
    assert_int_equal(c.events[1].kind, SIM_EVENT_FLOW_CMT);
    assert_int_equal(c.events[1].flow, 1);
    assert_int_equal(c.events[1].value, MPSCTP_CMT_BASE);
    sim_config_free(&c);

    uint32_t mode;
    const char *names[] = {"off", "cmt", "rpv1", "rpv2", "mptcp"};
    for (uint32_t i = 0; i < 5; i++) {
        assert_int_equal(sim_parse_cmt(names[i], &mode), 0);
        assert_int_equal(mode, i);
        assert_string_equal(sim_cmt_name(i), names[i]);
        char num[4];
        snprintf(num, sizeof(num), "%u", i);
        assert_int_equal(sim_parse_cmt(num, &mode), 0);
        assert_int_equal(mode, i);
    }
    assert_int_equal(sim_parse_cmt("5", &mode), -1);
    assert_int_equal(sim_parse_cmt("CMT", &mode), -1);
    assert_int_equal(sim_parse_cmt("", &mode), -1);
    assert_int_equal(sim_parse_cmt("-1", &mode), -1);
    assert_string_equal(sim_cmt_name(5), "?");
}

typedef struct bad_case {
    const char *text;
    int line;
    const char *needle;
} bad_case;

static const char *hdr = "link L1 rate=10mbit delay=10ms\n";

static void test_parse_errors(void **state)
{
    static const bad_case cases[] = {
        {"frobnicate 3\n", 1, "unknown keyword 'frobnicate'"},
        {"seed\n", 1, "seed takes one number"},
        {"seed x\n", 1, "bad seed"},
        {"duration soon\n", 1, "bad duration"},
        {"# c\nlink L1 rate=10mbit\n", 2, "missing delay"},
        {"link L1 delay=10ms\n", 1, "missing rate"},
        {"link L1 rate=10 mbit delay=1ms\n", 1, "unknown link option 'mbit'"},
        {"link L1 rate=ten delay=1ms\n", 1, "bad rate"},
        {"link L1 rate=1mbit delay=1parsec\n", 1, "bad delay"},
        {"link L1 rate=1mbit delay=1ms queue=-3\n", 1, "bad queue"},
        {"link L1 rate=1mbit delay=1ms loss=2\n", 1, "bad loss"},
        {"link L1 rate=1mbit delay=1ms red=1,2\n", 1, "red needs"},
        {"link L1 rate=1mbit delay=1ms red=9,2,0.1,0.1\n", 1, "red needs minth < maxth"},
        {"link L1 rate=1mbit delay=1ms loss\n", 1, "needs a value"},
        {"link L1 rate=1mbit delay=1ms\nlink L1 rate=1mbit delay=1ms\n", 2,
         "duplicate link name 'L1'"},
        {"link a/b rate=1mbit delay=1ms\n", 1, "bad link name"},
        {"link\n", 1, "link needs a name"},
        {"HDR\nflow a paths=L2\n", 2, "unknown link 'L2'"},
        {"HDR\nflow a paths=L1+\n", 2, "empty link name"},
        {"HDR\nflow a paths=L1,,L1\n", 2, "empty path in paths="},
        {"HDR\nflow a paths=L1,\n", 2, "empty path in paths="},
        {"HDR\nflow a paths=L1,L1,L1,L1,L1,L1,L1,L1,L1\n", 2, "more than 8 paths"},
        {"HDR\nflow a paths=L1,L7\n", 2, "unknown link 'L7'"},
        {"HDR\nflow a paths=L1 rto_min=0\n", 2, "bad rto_min=0"},
        {"HDR\nflow a paths=L1 rto_max=soon\n", 2, "bad rto_max=soon"},
        {"HDR\nflow a paths=L1 rto_min=3000\n", 2,
         "rto_initial (1000 ms) is outside [rto_min, rto_max] = [3000, 60000] ms"},
        {"HDR\nflow a paths=L1 rto_min=500 rto_max=400 rto_initial=450\n", 2,
         "rto_min (500 ms) is above rto_max (400 ms)"},
        {"HDR\nflow a paths=L1 pmr=2 pf=2\n", 2, "pf (2) must be below pmr (2)"},
        {"HDR\nflow a paths=L1 pf=5\n", 2, "pf (5) must be below pmr (5)"},
        {"HDR\nflow a paths=L1 pmr=-1\n", 2, "bad pmr=-1"},
        {"HDR\nflow a paths=L1 amr=0\n", 2, "bad amr=0"},
        {"HDR\nflow a paths=L1 hb=often\n", 2, "bad hb=often"},
        {"HDR\nflow a paths=L1 sample=0\n", 2, "bad sample=0"},
        {"HDR\nflow a paths=L1\nat 1s link L1 set\n", 3, "'set' needs key=value"},
        {"HDR\nflow a paths=L1\nat 1s\n", 3, "missing target"},
        {"HDR\nflow a bytes=1M\n", 2, "missing paths="},
        {"HDR\nflow a paths=L1 bytes=lots\n", 2, "bad size bytes=lots"},
        {"HDR\nflow a paths=L1 msg=0\n", 2, "bad message size"},
        {"HDR\nflow a paths=L1 streams=0\n", 2, "bad stream count"},
        {"HDR\nflow a paths=L1 start=later\n", 2, "bad time start=later"},
        {"HDR\nflow a paths=L1 sndbuf=1k\n", 2, "bad size sndbuf=1k"},
        {"HDR\nflow a paths=L1 mtu=100\n", 2, "bad mtu"},
        {"HDR\nflow a paths=L1 speed=3\n", 2, "unknown option 'speed'"},
        {"HDR\nflow a paths=L1 unordered=1\n", 2, "takes no value"},
        {"HDR\nflow a paths=L1\nflow a paths=L1\n", 3, "duplicate flow name 'a'"},
        {"HDR\nflow a paths=L1\nevent 1s link L9 down\n", 3, "unknown link 'L9'"},
        {"HDR\nflow a paths=L1\nevent soon link L1 down\n", 3, "bad time 'soon'"},
        {"HDR\nflow a paths=L1\nevent 1s node N down\n", 3, "unknown target 'node'"},
        {"HDR\nflow a paths=L1\nevent 1s link L1\n", 3, "missing action"},
        {"HDR\nflow a paths=L1\nevent 1s link L1 sideways\n", 3, "unknown link option"},
        {"HDR\nflow a paths=L1\nevent 1s link L1 loss=7\n", 3, "bad loss"},
        {"HDR\nflow a paths=L1\nevent 1s\n", 3, "missing target"},
        {"HDR\n\n# nothing else\n", 4, "no flow defined"},
        {"HDR\nflow a paths=L1 cmt=turbo\n", 2, "bad cmt=turbo (off, cmt, rpv1, rpv2, mptcp"},
        {"HDR\nflow a paths=L1 cmt=5\n", 2, "bad cmt=5"},
        {"HDR\nflow a paths=L1 cmt\n", 2, "option 'cmt' needs a value"},
        {"HDR\nflow a paths=L1 bufsplit=all\n", 2, "bad bufsplit=all (none, sender"},
        {"HDR\nflow a paths=L1 bufsplit=4\n", 2, "bad bufsplit=4"},
        {"HDR\nflow a paths=L1 nrsack=yes\n", 2, "bad nrsack=yes (0 or 1)"},
        {"HDR\nflow a paths=L1 nrsack=2\n", 2, "bad nrsack=2"},
        {"HDR\nflow a paths=L1 rtx=rto\n", 2, "bad rtx=rto (cwnd or ssthresh)"},
        {"HDR\nflow a paths=L1 sackpath=fastest\n", 2, "bad sackpath=fastest"},
        {"HDR\nflow a paths=L1 sackpath=3\n", 2, "bad sackpath=3 (data, primary or minrtt)"},
        {"HDR\nflow a paths=L1 pathsel=2\n", 2, "bad pathsel=2 (rr or stream)"},
        {"HDR\nflow a paths=L1 sqlimit=2\n", 2, "bad sqlimit=2 (0 or 1)"},
        {"HDR\nflow a paths=L1\nat 1s flow b set cmt=1\n", 3, "unknown flow 'b'"},
        {"HDR\nflow a paths=L1\nat 1s flow a set cmt=9\n", 3, "bad cmt=9"},
        {"HDR\nflow a paths=L1\nat 1s flow a set rtx=cwnd\n", 3,
         "only cmt=MODE can change mid-run"},
        {"HDR\nflow a paths=L1\nat 1s flow a set\n", 3, "needs cmt=MODE"},
        {"HDR\nflow a paths=L1\nat 1s flow a cmt=1 cmt=2\n", 3, "changes one setting"},
        {"HDR\nflow a paths=L1\nat 1s flow\n", 3, "missing flow name"},
        {"warmup\n", 1, "warmup takes one time"},
        {"warmup later\n", 1, "bad warmup 'later'"},
        {"duration 10s\nwarmup 10s\nHDR\nflow a paths=L1\n", 5,
         "warmup must end before the duration"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char text[512];
        const char *src = cases[i].text;
        const char *h = strstr(src, "HDR\n");
        if (h)
            snprintf(text, sizeof(text), "%.*s%s%s", (int)(h - src), src, hdr, h + 4);
        else
            snprintf(text, sizeof(text), "%s", src);
        sim_config c;
        char err[256] = "";
        int rc = sim_scenario_parse(text, "bad.scn", &c, err, sizeof(err));
        sim_config_free(&c);
        char want[64];
        snprintf(want, sizeof(want), "bad.scn:%d: ", cases[i].line);
        if (rc != -1 || strncmp(err, want, strlen(want)) || !strstr(err, cases[i].needle)) {
            print_message("case %zu: got rc %d '%s', want '%s...%s'\n", i, rc, err, want,
                          cases[i].needle);
            fail();
        }
    }
}

#ifdef MPSCTP_SIM_TOOL
/* Runs the tool with a shell command line; returns its exit status and stderr. */
static int run_tool(const char *args, char *errbuf, size_t errlen)
{
    char cmd[1024];
    snprintf(cmd, sizeof(cmd), "'%s' %s 2>&1 >/dev/null", MPSCTP_SIM_TOOL, args);
    FILE *p = popen(cmd, "r");
    assert_non_null(p);
    size_t n = fread(errbuf, 1, errlen - 1, p);
    errbuf[n] = '\0';
    int st = pclose(p);
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static void test_tool_errors(void **state)
{
    char path[] = "/tmp/mpsctp-scn-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    const char *text = "link L1 rate=10mbit delay=10ms\n"
                       "flow a paths=L1\n"
                       "event 3s link X down\n";
    assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
    close(fd);
    char err[1024], args[512], want[600];
    snprintf(args, sizeof(args), "%s --json", path);
    assert_int_equal(run_tool(args, err, sizeof(err)), 2);
    snprintf(want, sizeof(want), "%s:3: event: unknown link 'X'", path);
    if (!strstr(err, want))
        print_message("stderr: %s\n", err);
    assert_non_null(strstr(err, want));
    unlink(path);

    assert_int_equal(run_tool("/nonexistent/file.scn", err, sizeof(err)), 2);
    assert_int_equal(run_tool("--link rate=fast --bytes 1M", err, sizeof(err)), 2);
    assert_int_equal(run_tool("--link rate=1mbit --bytes lots", err, sizeof(err)), 2);
    assert_int_equal(run_tool("--frobnicate", err, sizeof(err)), 2);
    assert_int_equal(run_tool("", err, sizeof(err)), 2);
    assert_int_equal(run_tool("--link rate=1mbit,delay=1ms --set pf=9", err, sizeof(err)), 2);
    assert_non_null(strstr(err, "pf (9) must be below pmr (5)"));
    assert_int_equal(run_tool("--link rate=1mbit,delay=1ms --set speed=3", err, sizeof(err)),
                     2);
    assert_non_null(strstr(err, "unknown option 'speed'"));
    assert_int_equal(run_tool("--link rate=1mbit,delay=1ms --cmt fast", err, sizeof(err)), 2);
    assert_non_null(
        strstr(err, "mpsctp-sim: --cmt: 'fast' is not off, cmt, rpv1, rpv2 or mptcp"));
    assert_int_equal(run_tool("--link rate=1mbit,delay=1ms --set bufsplit=3x", err,
                              sizeof(err)), 2);
    assert_non_null(strstr(err, "bad bufsplit=3x"));
    assert_int_equal(run_tool("--link rate=1mbit,delay=1ms --duration 5s --warmup 5s", err,
                              sizeof(err)), 2);
    assert_non_null(strstr(err, "warm-up must end before the duration"));
}

/* Runs the tool and captures its standard output. */
static int run_tool_out(const char *args, char *outbuf, size_t outlen)
{
    char cmd[1024];
    snprintf(cmd, sizeof(cmd), "'%s' %s 2>/dev/null", MPSCTP_SIM_TOOL, args);
    FILE *p = popen(cmd, "r");
    assert_non_null(p);
    size_t n = fread(outbuf, 1, outlen - 1, p);
    outbuf[n] = '\0';
    int st = pclose(p);
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static void test_tool_status_and_json(void **state)
{
    static char out[8192];
    /* A verified transfer: status 0, one JSON line for the flow, one for the link. */
    assert_int_equal(run_tool_out("--link rate=10mbit,delay=5ms,queue=100 --bytes 1M "
                                  "--seed 3 --json", out, sizeof(out)), 0);
    const char *keys[] = {"{\"flow\":\"f\"", "\"bytes_delivered\":1048576",
                          "\"verified\":true", "\"duration_s\":", "\"goodput_bps\":",
                          "\"retransmissions\":", "\"max_stall_s\":",
                          "\"paths\":[{\"bytes_sent\":", "{\"link\":\"L\""};
    for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
        if (!strstr(out, keys[i]))
            print_message("missing %s in:\n%s\n", keys[i], out);
        assert_non_null(strstr(out, keys[i]));
    }
    /* The CMT mode shows in the flow object, per-path goodput in each path object. */
    assert_int_equal(run_tool_out("--link rate=10mbit,delay=5ms --link rate=5mbit,delay=5ms "
                                  "--cmt rpv2 --bytes 1M --seed 3 --json", out, sizeof(out)),
                     0);
    assert_non_null(strstr(out, "\"cmt\":\"rpv2\""));
    assert_non_null(strstr(out, "\"nr_sack\":"));
    assert_non_null(strstr(out, "\"data_path\":true,\"goodput_bps\":"));
    assert_int_equal(run_tool_out("--link rate=10mbit,delay=5ms --bytes 1M --seed 3", out,
                                  sizeof(out)), 0);
    assert_non_null(strstr(out, "f            off "));
    /* A transfer over a link that never comes up fails verification: status 1. */
    char path[] = "/tmp/mpsctp-scn-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    const char *text = "link L rate=10mbit delay=10ms down\nflow a paths=L bytes=1M\n";
    assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
    close(fd);
    char args[256];
    snprintf(args, sizeof(args), "%s --json", path);
    assert_int_equal(run_tool_out(args, out, sizeof(out)), 1);
    assert_non_null(strstr(out, "\"verified\":false"));
    unlink(path);
}
#endif

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_units),
        cmocka_unit_test(test_parse_valid),
        cmocka_unit_test(test_parse_cmt),
        cmocka_unit_test(test_link_spec),
        cmocka_unit_test(test_parse_errors),
#ifdef MPSCTP_SIM_TOOL
        cmocka_unit_test(test_tool_errors),
        cmocka_unit_test(test_tool_status_and_json),
#endif
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
