/* scenario: parser of the mpsctp-sim scenario language. */
#include "scenario.h"
#include "units.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stddef.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* ---- numbers and units ----------------------------------------------------------- */

/* Splits s into a non-negative decimal number and a unit suffix. Returns 0 or -1. */
static int scn_number(const char *s, double *v, const char **unit)
{
    if (!s || !*s || !(isdigit((unsigned char)*s) || *s == '.'))
        return -1;
    errno = 0;
    char *end;
    double d = strtod(s, &end);
    if (errno || end == s || !isfinite(d) || d < 0)
        return -1;
    /* Reject hex floats, exponents and infinities: plain decimals only. */
    for (const char *q = s; q < end; q++)
        if (!isdigit((unsigned char)*q) && *q != '.')
            return -1;
    *v = d;
    *unit = end;
    return 0;
}

int sim_parse_rate(const char *s, uint64_t *bps)
{
    double v;
    const char *u;
    if (scn_number(s, &v, &u) < 0)
        return -1;
    double mul;
    if (*u == '\0' || !strcasecmp(u, "bit") || !strcasecmp(u, "bps"))
        mul = 1.0;
    else if (!strcasecmp(u, "kbit") || !strcasecmp(u, "kbps"))
        mul = 1e3;
    else if (!strcasecmp(u, "mbit") || !strcasecmp(u, "mbps"))
        mul = 1e6;
    else if (!strcasecmp(u, "gbit") || !strcasecmp(u, "gbps"))
        mul = 1e9;
    else
        return -1;
    double r = v * mul;
    if (r < 1.0 || r > 1e13)
        return -1;
    *bps = (uint64_t)llround(r);
    return 0;
}

int sim_parse_time(const char *s, uint64_t *ns)
{
    return units_time(s, 1000000000u, ns); /* a bare number: seconds */
}

int sim_parse_size(const char *s, uint64_t *bytes)
{
    return units_size(s, bytes);
}

int sim_parse_prob(const char *s, double *p)
{
    double v;
    const char *u;
    if (scn_number(s, &v, &u) < 0)
        return -1;
    if (*u == '%') {
        v /= 100.0;
        u++;
    }
    if (*u != '\0' || v > 1.0)
        return -1;
    *p = v;
    return 0;
}

/* Parses an unsigned integer below or equal to max. Returns 0 or -1. */
static int scn_uint(const char *s, uint64_t max, uint64_t *out)
{
    if (!s || !isdigit((unsigned char)*s))
        return -1;
    errno = 0;
    char *end;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno || *end != '\0' || v > max)
        return -1;
    *out = v;
    return 0;
}

/* ---- link options ------------------------------------------------------------------ */

static int scn_errf(char *err, size_t errlen, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
    return -1;
}

int sim_scenario_link_opt(sim_link_params *p, unsigned *set, const char *key,
                          const char *value, char *err, size_t errlen)
{
    static const char *const known[] = {"rate", "delay", "queue", "red", "loss", "reorder",
                                        "reorder_delay", "dup", "down", "up", "jitter"};
    int is_known = 0;
    for (size_t i = 0; i < sizeof(known) / sizeof(known[0]); i++)
        is_known |= !strcmp(key, known[i]);
    if (!is_known)
        return scn_errf(err, errlen, "unknown link option '%s'", key);
    if (!value && strcmp(key, "down") && strcmp(key, "up"))
        return scn_errf(err, errlen, "link option '%s' needs a value (%s=...)", key, key);
    if (!strcmp(key, "rate")) {
        if (sim_parse_rate(value, &p->rate_bps) < 0)
            return scn_errf(err, errlen, "bad rate '%s' (e.g. 10mbit)", value);
        *set |= SIM_LP_RATE;
    } else if (!strcmp(key, "delay")) {
        if (sim_parse_time(value, &p->delay_ns) < 0)
            return scn_errf(err, errlen, "bad delay '%s' (e.g. 10ms)", value);
        *set |= SIM_LP_DELAY;
    } else if (!strcmp(key, "queue")) {
        size_t n = strlen(value);
        uint64_t v;
        if (n > 0 && (value[n - 1] == 'B')) {
            if (sim_parse_size(value, &v) < 0 || v == 0)
                return scn_errf(err, errlen, "bad queue size '%s' (e.g. 100 or 64kB)", value);
            p->queue_bytes = v;
            p->queue_pkts = 0;
        } else {
            if (scn_uint(value, UINT32_MAX, &v) < 0 || v == 0)
                return scn_errf(err, errlen, "bad queue size '%s' (e.g. 100 or 64kB)", value);
            p->queue_pkts = (uint32_t)v;
            p->queue_bytes = 0;
        }
        *set |= SIM_LP_QUEUE;
    } else if (!strcmp(key, "red")) {
        char buf[128];
        if (strlen(value) >= sizeof(buf))
            return scn_errf(err, errlen, "bad red '%s'", value);
        strcpy(buf, value);
        char *parts[5];
        int n = 0;
        char *save = NULL;
        for (char *t = strtok_r(buf, ",", &save); t && n < 5; t = strtok_r(NULL, ",", &save))
            parts[n++] = t;
        double v[4];
        const char *u;
        if (n != 4)
            return scn_errf(err, errlen, "red needs minth,maxth,maxp,wq (got '%s')", value);
        for (int i = 0; i < 4; i++)
            if (scn_number(parts[i], &v[i], &u) < 0 || *u)
                return scn_errf(err, errlen, "bad number '%s' in red", parts[i]);
        if (!(v[1] > v[0]) || v[2] <= 0 || v[2] > 1 || v[3] <= 0 || v[3] > 1)
            return scn_errf(err, errlen,
                            "red needs minth < maxth, 0 < maxp <= 1, 0 < wq <= 1");
        p->red = 1;
        p->red_minth = v[0];
        p->red_maxth = v[1];
        p->red_maxp = v[2];
        p->red_wq = v[3];
        *set |= SIM_LP_RED;
    } else if (!strcmp(key, "loss")) {
        if (sim_parse_prob(value, &p->loss) < 0)
            return scn_errf(err, errlen, "bad loss probability '%s'", value);
        *set |= SIM_LP_LOSS;
    } else if (!strcmp(key, "reorder")) {
        if (sim_parse_prob(value, &p->reorder) < 0)
            return scn_errf(err, errlen, "bad reorder probability '%s'", value);
        *set |= SIM_LP_REORDER;
    } else if (!strcmp(key, "reorder_delay")) {
        if (sim_parse_time(value, &p->reorder_delay_ns) < 0)
            return scn_errf(err, errlen, "bad reorder_delay '%s'", value);
        *set |= SIM_LP_REORDER_DELAY;
    } else if (!strcmp(key, "dup")) {
        if (sim_parse_prob(value, &p->dup) < 0)
            return scn_errf(err, errlen, "bad dup probability '%s'", value);
        *set |= SIM_LP_DUP;
    } else if (!strcmp(key, "jitter")) {
        if (sim_parse_time(value, &p->jitter_ns) < 0 || p->jitter_ns > SIM_LINK_JITTER_MAX_NS)
            return scn_errf(err, errlen, "bad jitter '%s' (a time up to 10s, e.g. 1ms)",
                            value);
        *set |= SIM_LP_JITTER;
    } else if (!strcmp(key, "down") || !strcmp(key, "up")) {
        if (value)
            return scn_errf(err, errlen, "'%s' takes no value", key);
        p->up = !strcmp(key, "up");
        *set |= SIM_LP_UP;
    } else {
        return scn_errf(err, errlen, "unknown link option '%s'", key);
    }
    return 0;
}

int sim_scenario_link_spec(const char *spec, sim_link_params *p, unsigned *set, char *err,
                           size_t errlen)
{
    char *copy = strdup(spec);
    if (!copy)
        return scn_errf(err, errlen, "out of memory");
    int rc = 0;
    char *item = copy;
    while (item && *item) {
        char *next = strchr(item, ',');
        if (next)
            *next++ = '\0';
        char *eq = strchr(item, '=');
        if (eq)
            *eq++ = '\0';
        if (eq && !strcmp(item, "red")) {
            /* red takes four comma-separated numbers: glue the next three back. */
            char red[128];
            snprintf(red, sizeof(red), "%s", eq);
            for (int i = 0; i < 3 && next; i++) {
                char *n2 = strchr(next, ',');
                if (n2)
                    *n2++ = '\0';
                size_t l = strlen(red);
                snprintf(red + l, sizeof(red) - l, ",%s", next);
                next = n2;
            }
            rc = sim_scenario_link_opt(p, set, item, red, err, errlen);
        } else {
            rc = sim_scenario_link_opt(p, set, item, eq, err, errlen);
        }
        if (rc < 0)
            break;
        item = next;
    }
    free(copy);
    return rc;
}

/* ---- the file format --------------------------------------------------------------- */

#define SCN_MAX_TOKENS 64

typedef struct scn_parser {
    const char *fname;
    int line;
    char *err;
    size_t errlen;
    sim_config *c;
} scn_parser;

static int scn_fail(scn_parser *ps, const char *fmt, ...)
{
    char msg[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    snprintf(ps->err, ps->errlen, "%s:%d: %s", ps->fname, ps->line, msg);
    return -1;
}

static int scn_valid_name(const char *n)
{
    size_t len = strlen(n);
    if (len == 0 || len >= SIM_NAME_MAX)
        return 0;
    for (const char *q = n; *q; q++)
        if (!isalnum((unsigned char)*q) && *q != '_' && *q != '-' && *q != '.')
            return 0;
    return 1;
}

static int scn_find_link(const sim_config *c, const char *name)
{
    for (size_t i = 0; i < c->nlinks; i++)
        if (!strcmp(c->links[i].name, name))
            return (int)i;
    return -1;
}

static int scn_find_flow(const sim_config *c, const char *name)
{
    for (size_t i = 0; i < c->nflows; i++)
        if (!strcmp(c->flows[i].name, name))
            return (int)i;
    return -1;
}

static int scn_link(scn_parser *ps, char **tok, int n)
{
    if (n < 2)
        return scn_fail(ps, "link needs a name: link NAME rate=... delay=...");
    if (!scn_valid_name(tok[1]))
        return scn_fail(ps, "bad link name '%s' (letters, digits, _-. up to %d chars)",
                        tok[1], SIM_NAME_MAX - 1);
    if (scn_find_link(ps->c, tok[1]) >= 0)
        return scn_fail(ps, "duplicate link name '%s'", tok[1]);
    sim_link_cfg l;
    memset(&l, 0, sizeof(l));
    snprintf(l.name, sizeof(l.name), "%s", tok[1]);
    sim_link_params_default(&l.p);
    char msg[200];
    for (int i = 2; i < n; i++) {
        char *eq = strchr(tok[i], '=');
        if (eq)
            *eq++ = '\0';
        if (sim_scenario_link_opt(&l.p, &l.set, tok[i], eq, msg, sizeof(msg)) < 0)
            return scn_fail(ps, "link %s: %s", l.name, msg);
    }
    if (!(l.set & SIM_LP_RATE))
        return scn_fail(ps, "link %s: missing rate= (e.g. rate=10mbit)", l.name);
    if (!(l.set & SIM_LP_DELAY))
        return scn_fail(ps, "link %s: missing delay= (e.g. delay=10ms)", l.name);
    const char *why = sim_link_params_check(&l.p);
    if (why)
        return scn_fail(ps, "link %s: %s", l.name, why);
    if (sim_config_add_link(ps->c, &l) < 0)
        return scn_fail(ps, "out of memory");
    return 0;
}

/* Parses one path: links joined by '+'. Returns 0 or -1 with a message in err. */
static int scn_path(const sim_config *c, sim_path_cfg *path, char *val, char *err,
                    size_t errlen)
{
    path->nlinks = 0;
    if (!*val || *val == '+' || val[strlen(val) - 1] == '+' || strstr(val, "++"))
        return scn_errf(err, errlen, "empty link name in a path");
    char *save = NULL;
    for (char *t = strtok_r(val, "+", &save); t; t = strtok_r(NULL, "+", &save)) {
        int li = scn_find_link(c, t);
        if (li < 0)
            return scn_errf(err, errlen, "unknown link '%s'", t);
        if (path->nlinks == SIM_MAX_HOPS)
            return scn_errf(err, errlen, "path longer than %d links", SIM_MAX_HOPS);
        path->links[path->nlinks++] = (uint32_t)li;
    }
    return 0;
}

/* paths=A+B,C+D: the paths of one multi-homed association, the first the primary. */
static int scn_paths(const sim_config *c, sim_flow_cfg *f, char *val, char *err,
                     size_t errlen)
{
    if (*val == ',' || val[strlen(val) - 1] == ',' || strstr(val, ",,"))
        return scn_errf(err, errlen, "empty path in paths=%s", val);
    f->npaths = 0;
    char *save = NULL;
    for (char *t = strtok_r(val, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
        if (f->npaths == SIM_MAX_PATHS)
            return scn_errf(err, errlen, "more than %d paths", SIM_MAX_PATHS);
        if (scn_path(c, &f->paths[f->npaths], t, err, errlen) < 0)
            return -1;
        f->npaths++;
    }
    return 0;
}

/* Parses a millisecond setting: a time (bare numbers are ms here). */
static int scn_ms(const char *val, uint32_t lo, uint32_t hi, uint32_t *out)
{
    uint64_t v;
    if (scn_uint(val, hi, &v) == 0) {
        if (v < lo)
            return -1;
        *out = (uint32_t)v;
        return 0;
    }
    uint64_t ns;
    if (sim_parse_time(val, &ns) < 0 || ns % 1000000u || ns / 1000000u < lo ||
        ns / 1000000u > hi)
        return -1;
    *out = (uint32_t)(ns / 1000000u);
    return 0;
}

/* Looks val up in names[0..n-1]; a bare number 0..n-1 works too. Returns the index
 * or -1. */
static int scn_enum(const char *val, const char *const *names, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (names[i] && !strcmp(val, names[i]))
            return (int)i;
    uint64_t v;
    if (scn_uint(val, n - 1, &v) == 0)
        return (int)v;
    return -1;
}

int sim_parse_cmt(const char *val, uint32_t *mode)
{
    const char *names[MPSCTP_CMT_MAX + 1];
    for (uint32_t m = 0; m <= MPSCTP_CMT_MAX; m++)
        names[m] = sim_cmt_name(m);
    int i = val ? scn_enum(val, names, MPSCTP_CMT_MAX + 1) : -1;
    if (i < 0)
        return -1;
    *mode = (uint32_t)i;
    return 0;
}

/* Flow options that take one of a list of names (or its index, as scn_enum): the index
 * goes to the uint8_t field at `off` in sim_flow_cfg, and `flag` is set. */
typedef struct scn_enum_opt {
    const char *key;
    const char *names[4];
    size_t n;
    size_t off;
    unsigned flag;
} scn_enum_opt;

static const scn_enum_opt scn_enum_opts[] = {
    /* the MPSCTP_BUFSPLIT_* flag values 0..3 */
    {"bufsplit", {"none", "sender", "receiver", "both"}, 4, offsetof(sim_flow_cfg, bufsplit),
     SIM_FS_BUFSPLIT},
    {"rtx", {"cwnd", "ssthresh"}, 2, offsetof(sim_flow_cfg, rtx_policy), SIM_FS_RTX},
    {"sackpath", {"data", "primary", "minrtt"}, 3, offsetof(sim_flow_cfg, sack_path),
     SIM_FS_SACKPATH},
    /* the MPSCTP_PATHSEL_* values 0, 1 */
    {"pathsel", {"rr", "stream"}, 2, offsetof(sim_flow_cfg, path_select), SIM_FS_PATHSEL},
};

static const scn_enum_opt *scn_enum_opt_find(const char *key)
{
    for (size_t i = 0; i < sizeof(scn_enum_opts) / sizeof(scn_enum_opts[0]); i++)
        if (!strcmp(key, scn_enum_opts[i].key))
            return &scn_enum_opts[i];
    return NULL;
}

/* Writes "a, b or c" for the names of o. */
static void scn_enum_list(const scn_enum_opt *o, char *buf, size_t len)
{
    size_t at = 0;
    buf[0] = '\0';
    for (size_t i = 0; i < o->n && at < len; i++) {
        int w = snprintf(buf + at, len - at, "%s%s", i == 0 ? "" : i + 1 == o->n ? " or " : ", ",
                         o->names[i]);
        if (w < 0)
            break;
        at += (size_t)w;
    }
}

int sim_scenario_flow_opt(const sim_config *c, sim_flow_cfg *f, const char *key,
                          char *val, char *err, size_t errlen)
{
    uint64_t v;
    const scn_enum_opt *eo;
    if (!strcmp(key, "unordered") || !strcmp(key, "ordered")) {
        if (val)
            return scn_errf(err, errlen, "'%s' takes no value", key);
        f->unordered = !strcmp(key, "unordered");
        return 0;
    }
    if (!strcmp(key, "sqlimit")) {
        /* sqlimit alone, sqlimit=1 or sqlimit=0 */
        if (val && strcmp(val, "0") && strcmp(val, "1"))
            return scn_errf(err, errlen, "bad sqlimit=%s (0 or 1)", val);
        f->sqlimit = !val || val[0] == '1';
        return 0;
    }
    if (!strcmp(key, "saturated")) {
        if (val)
            return scn_errf(err, errlen, "'saturated' takes no value");
        f->bytes = 0;
        return 0;
    }
    if (!val || !*val)
        return scn_errf(err, errlen, "option '%s' needs a value (%s=...)", key, key);
    if (!strcmp(key, "paths") || !strcmp(key, "path")) {
        char msg[160];
        if (scn_paths(c, f, val, msg, sizeof(msg)) < 0)
            return scn_errf(err, errlen, "%s", msg);
    } else if (!strcmp(key, "bytes")) {
        if (sim_parse_size(val, &v) < 0 || v == 0)
            return scn_errf(err, errlen, "bad size bytes=%s (e.g. 20M)", val);
        f->bytes = v;
    } else if (!strcmp(key, "msg")) {
        if (sim_parse_size(val, &v) < 0 || v == 0 || v > UINT32_MAX)
            return scn_errf(err, errlen, "bad message size msg=%s", val);
        f->msg_size = (uint32_t)v;
    } else if (!strcmp(key, "streams")) {
        if (scn_uint(val, 65535, &v) < 0 || v == 0)
            return scn_errf(err, errlen, "bad stream count streams=%s (1..65535)", val);
        f->streams = (uint16_t)v;
    } else if (!strcmp(key, "start")) {
        if (sim_parse_time(val, &f->start_ns) < 0)
            return scn_errf(err, errlen, "bad time start=%s (e.g. 5s)", val);
    } else if (!strcmp(key, "sample")) {
        if (sim_parse_time(val, &f->sample_ns) < 0 || f->sample_ns < 1000000u)
            return scn_errf(err, errlen, "bad sample=%s (a time of at least 1ms)", val);
    } else if (!strcmp(key, "sndbuf") || !strcmp(key, "rcvbuf")) {
        if (sim_parse_size(val, &v) < 0 || v < 4096 || v > UINT32_MAX)
            return scn_errf(err, errlen, "bad size %s=%s (4k..4G)", key, val);
        if (key[0] == 's')
            f->sndbuf = (uint32_t)v;
        else
            f->rcvbuf = (uint32_t)v;
    } else if (!strcmp(key, "mtu")) {
        if (scn_uint(val, 65535, &v) < 0 || v < 508)
            return scn_errf(err, errlen, "bad mtu=%s (508..65535)", val);
        f->mtu = (uint16_t)v;
    } else if (!strcmp(key, "rto_min") || !strcmp(key, "rto_max") ||
               !strcmp(key, "rto_initial")) {
        uint32_t ms;
        if (scn_ms(val, 1, 86400000u, &ms) < 0)
            return scn_errf(err, errlen, "bad %s=%s (milliseconds, 1..86400000)", key, val);
        if (!strcmp(key, "rto_min")) {
            f->rto_min_ms = ms;
            f->set |= SIM_FS_RTO_MIN;
        } else if (!strcmp(key, "rto_max")) {
            f->rto_max_ms = ms;
            f->set |= SIM_FS_RTO_MAX;
        } else {
            f->rto_initial_ms = ms;
            f->set |= SIM_FS_RTO_INITIAL;
        }
    } else if (!strcmp(key, "hb")) {
        uint32_t ms;
        if (scn_ms(val, 0, 86400000u, &ms) < 0)
            return scn_errf(err, errlen, "bad hb=%s (HB.interval in ms, 0 turns "
                            "heartbeats off)", val);
        f->hb_interval_ms = ms;
        f->set |= SIM_FS_HB;
    } else if (!strcmp(key, "pmr") || !strcmp(key, "amr") || !strcmp(key, "pf")) {
        if (scn_uint(val, 65535, &v) < 0)
            return scn_errf(err, errlen, "bad %s=%s (a count, 0..65535)", key, val);
        if (!strcmp(key, "pmr")) {
            f->path_max_retrans = (uint32_t)v;
            f->set |= SIM_FS_PMR;
        } else if (!strcmp(key, "amr")) {
            if (v == 0)
                return scn_errf(err, errlen, "bad amr=0 (Association.Max.Retrans is at "
                                "least 1)");
            f->assoc_max_retrans = (uint32_t)v;
            f->set |= SIM_FS_AMR;
        } else {
            f->pf_max_retrans = (uint32_t)v;
            f->set |= SIM_FS_PF;
        }
    } else if (!strcmp(key, "cmt")) {
        uint32_t m;
        if (sim_parse_cmt(val, &m) < 0)
            return scn_errf(err, errlen, "bad cmt=%s (off, cmt, rpv1, rpv2, mptcp or 0..4)",
                            val);
        f->cmt = (uint8_t)m;
        f->set |= SIM_FS_CMT;
    } else if (!strcmp(key, "lossrec")) {
        /* MPSCTP_LOSSREC_* flags (docs/loss-recovery.md): 0 off, 1 lost retransmissions,
         * 2 tail loss probe, 3 both */
        char *end;
        unsigned long lr = strtoul(val, &end, 10);
        if (!*val || *end || lr > MPSCTP_LOSSREC_ALL)
            return scn_errf(err, errlen, "bad lossrec=%s (0..%u)", val, MPSCTP_LOSSREC_ALL);
        f->loss_recovery = (uint8_t)lr;
        f->set |= SIM_FS_LOSSREC;
    } else if (!strcmp(key, "nrsack")) {
        if (strcmp(val, "0") && strcmp(val, "1"))
            return scn_errf(err, errlen, "bad nrsack=%s (0 or 1)", val);
        f->nr_sack = (uint8_t)(val[0] - '0');
        f->set |= SIM_FS_NRSACK;
    } else if (!strcmp(key, "sched")) {
        /* the MPSCTP_SS_* ids 0..5 */
        static const char *const names[] = {"fcfs", "prio", "rr", "fc", "wfq", "rrp"};
        int i = scn_enum(val, names, sizeof(names) / sizeof(names[0]));
        if (i < 0)
            return scn_errf(err, errlen, "bad sched=%s (fcfs, prio, rr, fc, wfq or rrp)", val);
        f->sched = (uint8_t)i;
        f->set |= SIM_FS_SCHED;
    } else if (!strcmp(key, "ssvalue")) {
        /* SID:VALUE[,SID:VALUE...] */
        f->nssvalue = 0;
        for (char *tok = val, *next; tok; tok = next) {
            next = strchr(tok, ',');
            if (next)
                *next++ = '\0';
            char *colon = strchr(tok, ':');
            uint64_t sid, sv;
            if (!colon)
                return scn_errf(err, errlen, "bad ssvalue=%s (SID:VALUE[,SID:VALUE...])", tok);
            *colon = '\0';
            if (scn_uint(tok, 65534, &sid) < 0 || scn_uint(colon + 1, 65535, &sv) < 0)
                return scn_errf(err, errlen, "bad ssvalue entry %s:%s (stream 0..65534, "
                                "value 0..65535)", tok, colon + 1);
            if (f->nssvalue >= SIM_SSVALUE_MAX)
                return scn_errf(err, errlen, "too many ssvalue entries (at most %d)",
                                SIM_SSVALUE_MAX);
            f->ssvalue[f->nssvalue].sid = (uint16_t)sid;
            f->ssvalue[f->nssvalue].value = (uint16_t)sv;
            f->nssvalue++;
        }
    } else if ((eo = scn_enum_opt_find(key)) != NULL) {
        int i = scn_enum(val, eo->names, eo->n);
        if (i < 0) {
            char list[64];
            scn_enum_list(eo, list, sizeof(list));
            return scn_errf(err, errlen, "bad %s=%s (%s)", key, val, list);
        }
        *((uint8_t *)f + eo->off) = (uint8_t)i;
        f->set |= eo->flag;
    } else {
        return scn_errf(err, errlen, "unknown option '%s'", key);
    }
    return 0;
}

static int scn_flow(scn_parser *ps, char **tok, int n)
{
    if (n < 2)
        return scn_fail(ps, "flow needs a name: flow NAME paths=L1+L2 ...");
    if (!scn_valid_name(tok[1]))
        return scn_fail(ps, "bad flow name '%s' (letters, digits, _-. up to %d chars)",
                        tok[1], SIM_NAME_MAX - 1);
    if (scn_find_flow(ps->c, tok[1]) >= 0)
        return scn_fail(ps, "duplicate flow name '%s'", tok[1]);
    if (ps->c->nflows >= SIM_MAX_FLOWS)
        return scn_fail(ps, "too many flows (at most %d)", SIM_MAX_FLOWS);
    sim_flow_cfg f;
    sim_flow_cfg_default(&f);
    snprintf(f.name, sizeof(f.name), "%s", tok[1]);
    char msg[200];
    for (int i = 2; i < n; i++) {
        char *key = tok[i];
        char *val = strchr(key, '=');
        if (val)
            *val++ = '\0';
        if (sim_scenario_flow_opt(ps->c, &f, key, val, msg, sizeof(msg)) < 0)
            return scn_fail(ps, "flow %s: %s", f.name, msg);
    }
    if (f.npaths == 0)
        return scn_fail(ps, "flow %s: missing paths= (e.g. paths=L1+L2)", f.name);
    if (sim_flow_cfg_check(&f, msg, sizeof(msg)) < 0)
        return scn_fail(ps, "flow %s: %s", f.name, msg);
    if (sim_config_add_flow(ps->c, &f) < 0)
        return scn_fail(ps, "out of memory");
    return 0;
}

/* at T flow NAME [set] cmt=MODE: change a flow's CMT mode mid-transfer. */
static int scn_flow_event(scn_parser *ps, sim_event_cfg *e, char **tok, int n)
{
    if (n < 4)
        return scn_fail(ps, "event: missing flow name (event T flow NAME set cmt=MODE)");
    int fi = scn_find_flow(ps->c, tok[3]);
    if (fi < 0)
        return scn_fail(ps, "event: unknown flow '%s' (define it before the event)", tok[3]);
    int first = n > 4 && !strcmp(tok[4], "set") ? 5 : 4;
    if (first >= n)
        return scn_fail(ps, "event: flow %s needs cmt=MODE", tok[3]);
    if (n - first != 1)
        return scn_fail(ps, "event: a flow event changes one setting (cmt=MODE)");
    char *eq = strchr(tok[first], '=');
    if (eq)
        *eq++ = '\0';
    if (strcmp(tok[first], "cmt"))
        return scn_fail(ps, "event: flow %s: only cmt=MODE can change mid-run (got '%s')",
                        tok[3], tok[first]);
    if (!eq || sim_parse_cmt(eq, &e->value) < 0)
        return scn_fail(ps, "event: bad cmt=%s (off, cmt, rpv1, rpv2, mptcp or 0..4)",
                        eq ? eq : "");
    e->kind = SIM_EVENT_FLOW_CMT;
    e->flow = (uint32_t)fi;
    if (sim_config_add_event(ps->c, e) < 0)
        return scn_fail(ps, "out of memory");
    return 0;
}

static int scn_event(scn_parser *ps, char **tok, int n)
{
    if (n < 2)
        return scn_fail(ps, "%s needs a time: %s T link NAME down|up|set key=value", tok[0],
                        tok[0]);
    sim_event_cfg e;
    memset(&e, 0, sizeof(e));
    if (sim_parse_time(tok[1], &e.at) < 0)
        return scn_fail(ps, "bad time '%s' (e.g. 30s)", tok[1]);
    if (n < 3)
        return scn_fail(ps, "event: missing target (event T link NAME ...)");
    if (!strcmp(tok[2], "flow"))
        return scn_flow_event(ps, &e, tok, n);
    if (strcmp(tok[2], "link"))
        return scn_fail(ps, "event: unknown target '%s' (expected link or flow)", tok[2]);
    if (n < 4)
        return scn_fail(ps, "event: missing link name");
    int li = scn_find_link(ps->c, tok[3]);
    if (li < 0)
        return scn_fail(ps, "event: unknown link '%s'", tok[3]);
    e.link = (uint32_t)li;
    if (n < 5)
        return scn_fail(ps, "event: missing action (down, up or key=value)");
    if (n == 5 && !strcmp(tok[4], "down")) {
        e.kind = SIM_EVENT_LINK_DOWN;
    } else if (n == 5 && !strcmp(tok[4], "up")) {
        e.kind = SIM_EVENT_LINK_UP;
    } else {
        e.kind = SIM_EVENT_LINK_SET;
        e.p = ps->c->links[li].p;
        char msg[200];
        int first = 4;
        if (!strcmp(tok[4], "set")) {
            first = 5;
            if (n == 5)
                return scn_fail(ps, "event: 'set' needs key=value (e.g. set loss=1.0)");
        }
        for (int i = first; i < n; i++) {
            char *eq = strchr(tok[i], '=');
            if (eq)
                *eq++ = '\0';
            if (sim_scenario_link_opt(&e.p, &e.set, tok[i], eq, msg, sizeof(msg)) < 0)
                return scn_fail(ps, "event: %s", msg);
        }
        const char *why = sim_link_params_check(&e.p);
        if (why)
            return scn_fail(ps, "event: %s", why);
    }
    if (sim_config_add_event(ps->c, &e) < 0)
        return scn_fail(ps, "out of memory");
    return 0;
}

/* KEYWORD T (duration, warmup): a time above 0 into *out; eg is the example the
 * messages give. */
static int scn_time_kw(scn_parser *ps, char **tok, int n, const char *eg, uint64_t *out)
{
    uint64_t v;
    if (n != 2)
        return scn_fail(ps, "%s takes one time: %s %s", tok[0], tok[0], eg);
    if (sim_parse_time(tok[1], &v) < 0 || v == 0)
        return scn_fail(ps, "bad %s '%s' (e.g. %s)", tok[0], tok[1], eg);
    *out = v;
    return 0;
}

static int scn_line(scn_parser *ps, char *line)
{
    char *hash = strchr(line, '#');
    if (hash)
        *hash = '\0';
    char *tok[SCN_MAX_TOKENS];
    int n = 0;
    char *save = NULL;
    for (char *t = strtok_r(line, " \t\r\n", &save); t; t = strtok_r(NULL, " \t\r\n", &save)) {
        if (n == SCN_MAX_TOKENS)
            return scn_fail(ps, "too many words on one line");
        tok[n++] = t;
    }
    if (n == 0)
        return 0;
    if (!strcmp(tok[0], "seed")) {
        uint64_t v;
        if (n != 2)
            return scn_fail(ps, "seed takes one number: seed N");
        if (scn_uint(tok[1], UINT64_MAX, &v) < 0)
            return scn_fail(ps, "bad seed '%s'", tok[1]);
        ps->c->seed = v;
        return 0;
    }
    if (!strcmp(tok[0], "duration"))
        return scn_time_kw(ps, tok, n, "60s", &ps->c->duration_ns);
    if (!strcmp(tok[0], "warmup"))
        return scn_time_kw(ps, tok, n, "10s", &ps->c->warmup_ns);
    if (!strcmp(tok[0], "link"))
        return scn_link(ps, tok, n);
    if (!strcmp(tok[0], "flow"))
        return scn_flow(ps, tok, n);
    if (!strcmp(tok[0], "event") || !strcmp(tok[0], "at"))
        return scn_event(ps, tok, n);
    return scn_fail(ps, "unknown keyword '%s' (expected seed, duration, warmup, link, flow, "
                    "event or at)",
                    tok[0]);
}

int sim_scenario_parse(const char *text, const char *fname, sim_config *c, char *err,
                       size_t errlen)
{
    sim_config_init(c);
    scn_parser ps = {.fname = fname ? fname : "<scenario>", .line = 0, .err = err,
                     .errlen = errlen, .c = c};
    const char *p = text;
    while (*p) {
        const char *nl = strchr(p, '\n');
        size_t len = nl ? (size_t)(nl - p) : strlen(p);
        ps.line++;
        char *line = malloc(len + 1);
        if (!line)
            return scn_fail(&ps, "out of memory");
        memcpy(line, p, len);
        line[len] = '\0';
        int rc = scn_line(&ps, line);
        free(line);
        if (rc < 0)
            return -1;
        p += len;
        if (*p == '\n')
            p++;
    }
    ps.line++;
    if (c->nflows == 0)
        return scn_fail(&ps, "no flow defined (add: flow NAME paths=LINK)");
    if (c->warmup_ns && c->duration_ns && c->warmup_ns >= c->duration_ns)
        return scn_fail(&ps, "warmup must end before the duration");
    return 0;
}

int sim_scenario_load(const char *path, sim_config *c, char *err, size_t errlen)
{
    sim_config_init(c);
    FILE *fp = fopen(path, "rb");
    if (!fp) {
        snprintf(err, errlen, "%s: cannot open: %s", path, strerror(errno));
        return -1;
    }
    size_t cap = 4096, len = 0;
    char *buf = malloc(cap);
    size_t n;
    while (buf && (n = fread(buf + len, 1, cap - len - 1, fp)) > 0) {
        len += n;
        if (cap - len - 1 == 0) {
            char *nb = realloc(buf, cap * 2);
            if (!nb) {
                free(buf);
                buf = NULL;
                break;
            }
            buf = nb;
            cap *= 2;
        }
    }
    int rerr = ferror(fp);
    fclose(fp);
    if (!buf || rerr) {
        free(buf);
        snprintf(err, errlen, "%s: cannot read", path);
        return -1;
    }
    buf[len] = '\0';
    int rc = sim_scenario_parse(buf, path, c, err, errlen);
    free(buf);
    return rc;
}
