/* sim_report: JSON lines and text tables. */
#include "sim_report.h"

#include <inttypes.h>

/* Writes s as a JSON string literal. */
static void report_json_str(FILE *out, const char *s)
{
    fputc('"', out);
    for (; *s; s++) {
        unsigned char ch = (unsigned char)*s;
        if (ch == '"' || ch == '\\')
            fprintf(out, "\\%c", ch);
        else if (ch < 0x20)
            fprintf(out, "\\u%04x", ch);
        else
            fputc(ch, out);
    }
    fputc('"', out);
}

static const char *report_side(int side)
{
    return side == SIM_CLIENT ? "client" : "server";
}

/* The streams whose figures the metrics hold (the first SIM_STREAM_STATS_MAX). */
static uint32_t report_nstreams(const sim_flow_metrics *m)
{
    return m->nstreams < SIM_STREAM_STATS_MAX ? m->nstreams : SIM_STREAM_STATS_MAX;
}

static const char *report_pathsel(uint32_t path_select)
{
    return path_select == MPSCTP_PATHSEL_STREAM ? "stream" : "rr";
}

/* Writes the "paths", "path_events", "assoc_events", "data_path_changes" (and
 * "samples") members of flow i. */
static void report_json_paths(sim *s, size_t i, const sim_flow_metrics *m, FILE *out)
{
    fputs(",\"paths\":[", out);
    for (uint32_t p = 0; p < m->npaths; p++) {
        const sim_path_metrics *x = &m->paths[p];
        fprintf(out, "%s{\"bytes_sent\":%" PRIu64 ",\"bytes_received\":%" PRIu64
                ",\"wire_data_bytes\":%" PRIu64 ",\"new_data_bytes\":%" PRIu64
                ",\"retransmissions\":%" PRIu64 ",\"heartbeats_sent\":%" PRIu64
                ",\"heartbeat_acks\":%" PRIu64 ",\"cwnd\":%u,\"ssthresh\":%u,\"srtt_ms\":%u,\"rto_ms\":%u"
                ",\"error_count\":%u,\"state_changes\":%u,\"active\":%s,\"confirmed\":%s"
                ",\"pf\":%s,\"primary\":%s,\"data_path\":%s,\"goodput_bps\":%.0f"
                ",\"last_new_data_s\":%.6f,\"t3_expirations\":%" PRIu64 "}",
                p ? "," : "", x->bytes_sent, x->bytes_received, x->wire_data_bytes,
                x->new_data_bytes, x->retransmissions, x->heartbeats_sent, x->heartbeat_acks,
                x->cwnd, x->ssthresh, x->srtt_ms, x->rto_ms, x->error_count, x->state_changes,
                x->active ? "true" : "false", x->confirmed ? "true" : "false",
                x->pf ? "true" : "false", x->primary ? "true" : "false",
                x->data_path ? "true" : "false", x->goodput_bps, x->last_new_data_s,
                x->t3_expirations);
    }
    fputc(']', out);
    const sim_flow_event *ev;
    size_t n = sim_flow_events(s, i, &ev);
    static const struct {
        const char *key;
        sim_flow_event_kind kind;
    } groups[] = {{"path_events", SIM_FEV_PATH},
                  {"assoc_events", SIM_FEV_ASSOC},
                  {"data_path_changes", SIM_FEV_DATA_PATH}};
    for (size_t g = 0; g < sizeof(groups) / sizeof(groups[0]); g++) {
        fprintf(out, ",\"%s\":[", groups[g].key);
        int first = 1;
        for (size_t k = 0; k < n; k++) {
            const sim_flow_event *e = &ev[k];
            if (e->kind != groups[g].kind)
                continue;
            fprintf(out, "%s{\"t\":%.6f", first ? "" : ",", (double)e->t / 1e9);
            first = 0;
            if (e->kind != SIM_FEV_DATA_PATH)
                fprintf(out, ",\"side\":\"%s\"", report_side(e->side));
            if (e->kind != SIM_FEV_ASSOC)
                fprintf(out, ",\"path\":%u", e->path);
            if (e->kind == SIM_FEV_PATH)
                fprintf(out, ",\"state\":\"%s\"", sim_path_state_name(e->state));
            else if (e->kind == SIM_FEV_ASSOC)
                fprintf(out, ",\"state\":\"%s\"", sim_assoc_change_name(e->state));
            fputc('}', out);
        }
        fputc(']', out);
    }
    const sim_path_sample *smp;
    size_t ns = sim_flow_samples(s, i, &smp);
    if (ns) {
        fputs(",\"samples\":[", out);
        for (size_t k = 0; k < ns; k++) {
            fprintf(out, "%s[%.6f", k ? "," : "", (double)smp[k].t / 1e9);
            for (uint32_t p = 0; p < m->npaths; p++)
                fprintf(out, ",%" PRIu64, smp[k].bytes_sent[p]);
            fputc(']', out);
        }
        fputc(']', out);
        uint32_t k = report_nstreams(m);
        fputs(",\"sqinfo_samples\":[", out);
        int first = 1;
        for (size_t j = 0; j < ns; j++) {
            if (!smp[j].sq_valid)
                continue;
            fprintf(out, "%s[%.6f,%u,%u", first ? "" : ",", (double)smp[j].t / 1e9,
                    smp[j].sq_limit, smp[j].sq_total);
            first = 0;
            for (uint32_t q = 0; q < k; q++)
                fprintf(out, ",%u", smp[j].sq_stream[q]);
            fputc(']', out);
        }
        fputc(']', out);
    }
    if (m->nstreams > 1) {
        uint32_t k = report_nstreams(m);
        fputs(",\"streams\":[", out);
        for (uint32_t q = 0; q < k; q++)
            fprintf(out, "%s{\"bytes_delivered\":%" PRIu64 ",\"goodput_bps\":%.0f}",
                    q ? "," : "", m->stream_bytes[q], m->stream_goodput_bps[q]);
        fputc(']', out);
    }
}

int sim_report_json(sim *s, FILE *out)
{
    int failed = 0;
    for (size_t i = 0; i < sim_flow_count(s); i++) {
        sim_flow_metrics m;
        sim_flow_metrics_get(s, i, &m);
        failed += !m.verified;
        fputs("{\"flow\":", out);
        report_json_str(out, m.name);
        fprintf(out,
                ",\"bytes_delivered\":%" PRIu64 ",\"verified\":%s,\"duration_s\":%.6f"
                ",\"goodput_bps\":%.0f,\"retransmissions\":%" PRIu64
                ",\"fast_retransmissions\":%" PRIu64 ",\"t3_expirations\":%" PRIu64
                ",\"max_stall_s\":%.6f,\"max_stall_at_s\":%.6f,\"messages_delivered\":%" PRIu64,
                m.bytes_delivered, m.verified ? "true" : "false", m.duration_s, m.goodput_bps,
                m.retransmissions, m.fast_retransmissions, m.t3_expirations, m.max_stall_s,
                m.max_stall_at_s, m.messages_delivered);
        if (m.bytes_expected)
            fprintf(out, ",\"bytes_expected\":%" PRIu64, m.bytes_expected);
        fputs(",\"state\":", out);
        report_json_str(out, mpsctp_state_name(m.client_state));
        fputs(",\"server_state\":", out);
        report_json_str(out, mpsctp_state_name(m.server_state));
        if (m.error[0]) {
            fputs(",\"error\":", out);
            report_json_str(out, m.error);
        }
        fputs(",\"cmt\":", out);
        report_json_str(out, sim_cmt_name(m.cmt));
        fprintf(out, ",\"nr_sack\":%s", m.nr_sack ? "true" : "false");
        fprintf(out, ",\"pathsel\":\"%s\",\"sqlimit\":%s",
                report_pathsel(m.path_select),
                m.sqlimit ? "true" : "false");
        fprintf(out, ",\"intact\":%s,\"send_failed\":%" PRIu64
                ",\"send_failed_unsent\":%" PRIu64, m.intact ? "true" : "false",
                m.send_failed, m.send_failed_unsent);
        fprintf(out, ",\"t3_lost_rtx\":%" PRIu64 ",\"rtx_lost\":%" PRIu64, m.t3_lost_rtx,
                m.rtx_lost);
        report_json_paths(s, i, &m, out);
        fputs("}\n", out);
    }
    for (size_t i = 0; i < sim_link_count(s); i++) {
        sim_link_metrics l;
        sim_link_metrics_get(s, i, &l);
        fputs("{\"link\":", out);
        report_json_str(out, l.name);
        for (int d = 0; d < 2; d++) {
            const sim_link_stats *st = &l.dir[d];
            fprintf(out,
                    ",\"%s\":{\"packets\":%" PRIu64 ",\"bytes\":%" PRIu64
                    ",\"dropped\":%" PRIu64 ",\"red_dropped\":%" PRIu64
                    ",\"down_dropped\":%" PRIu64 ",\"lost\":%" PRIu64
                    ",\"reordered\":%" PRIu64 ",\"duplicated\":%" PRIu64
                    ",\"max_queue\":%u,\"utilisation\":%.4f}",
                    d == 0 ? "forward" : "reverse", st->packets_fwd, st->bytes_fwd,
                    st->dropped_queue, st->dropped_red, st->dropped_down, st->lost,
                    st->reordered, st->duplicated, st->max_queue_pkts, l.utilisation[d]);
        }
        size_t n;
        double j = sim_link_jain(s, i, &n);
        fprintf(out, ",\"flows\":%zu", n);
        if (j >= 0)
            fprintf(out, ",\"jain\":%.4f", j);
        fputs("}\n", out);
    }
    return failed;
}

/* Prints the per-stream goodput line of a flow with several streams. */
static void report_table_streams(const sim_flow_metrics *m, FILE *out)
{
    if (m->nstreams > 1) {
        uint32_t k = report_nstreams(m);
        fprintf(out, "  streams (pathsel %s%s), Mbit/s:",
                report_pathsel(m->path_select),
                m->sqlimit ? ", SQINFO-driven source" : "");
        for (uint32_t q = 0; q < k; q++)
            fprintf(out, " %u: %.3f", q, m->stream_goodput_bps[q] / 1e6);
        fputc('\n', out);
    }
}

/* Prints a multi-homed flow's per-path lines and its event log. */
static void report_table_paths(sim *s, size_t i, const sim_flow_metrics *m, FILE *out)
{
    for (uint32_t p = 0; p < m->npaths; p++) {
        const sim_path_metrics *x = &m->paths[p];
        fprintf(out, "  path %u: %.3f Mbit/s sent %" PRIu64 " B (new %" PRIu64 ", rtx %" PRIu64
                " chunks) received %" PRIu64 " B hb %" PRIu64 "/%" PRIu64
                " srtt %u ms rto %u ms errors %u%s%s%s%s\n", p, x->goodput_bps / 1e6,
                x->bytes_sent,
                x->new_data_bytes, x->retransmissions, x->bytes_received, x->heartbeat_acks,
                x->heartbeats_sent, x->srtt_ms, x->rto_ms, x->error_count,
                x->primary ? " primary" : "", x->data_path ? " data" : "",
                x->active ? "" : " INACTIVE", x->pf ? " PF" : "");
    }
    report_table_streams(m, out);
    if (m->send_failed)
        fprintf(out, "  send failures: %" PRIu64 " messages (%" PRIu64 " never sent)\n",
                m->send_failed, m->send_failed_unsent);
    const sim_flow_event *ev;
    size_t n = sim_flow_events(s, i, &ev);
    for (size_t k = 0; k < n; k++) {
        const sim_flow_event *e = &ev[k];
        fprintf(out, "  %12.6f s ", (double)e->t / 1e9);
        if (e->kind == SIM_FEV_ASSOC)
            fprintf(out, "%s %s\n", report_side(e->side), sim_assoc_change_name(e->state));
        else if (e->kind == SIM_FEV_PATH)
            fprintf(out, "%s path %u %s\n", report_side(e->side), e->path,
                    sim_path_state_name(e->state));
        else
            fprintf(out, "client new data on path %u\n", e->path);
    }
}

int sim_report_table(sim *s, FILE *out)
{
    int failed = 0;
    fprintf(out, "%-12s %-5s %14s %8s %9s %12s %8s %9s  %s\n", "flow", "cmt", "bytes",
            "verified", "seconds", "goodput_Mbps", "rtx", "stall_s", "state");
    for (size_t i = 0; i < sim_flow_count(s); i++) {
        sim_flow_metrics m;
        sim_flow_metrics_get(s, i, &m);
        failed += !m.verified;
        fprintf(out, "%-12s %-5s %14" PRIu64 " %8s %9.3f %12.3f %8" PRIu64 " %9.3f  %s\n",
                m.name, sim_cmt_name(m.cmt), m.bytes_delivered, m.verified ? "yes" : "NO", m.duration_s,
                m.goodput_bps / 1e6, m.retransmissions, m.max_stall_s,
                mpsctp_state_name(m.client_state));
        if (m.error[0])
            fprintf(out, "  %s: %s\n", m.name, m.error);
        if (m.npaths > 1 || m.send_failed)
            report_table_paths(s, i, &m, out);
        else
            report_table_streams(&m, out);
    }
    fprintf(out, "\n%-12s %-3s %10s %14s %8s %8s %8s %6s\n", "link", "dir", "packets",
            "bytes", "dropped", "lost", "down", "util");
    for (size_t i = 0; i < sim_link_count(s); i++) {
        sim_link_metrics l;
        sim_link_metrics_get(s, i, &l);
        for (int d = 0; d < 2; d++) {
            const sim_link_stats *st = &l.dir[d];
            fprintf(out, "%-12s %-3s %10" PRIu64 " %14" PRIu64 " %8" PRIu64 " %8" PRIu64
                    " %8" PRIu64 " %5.1f%%\n", d == 0 ? l.name : "", d == 0 ? "->" : "<-",
                    st->packets_fwd, st->bytes_fwd, st->dropped_queue, st->lost,
                    st->dropped_down, l.utilisation[d] * 100.0);
        }
    }
    /* Shared bottlenecks: Jain's fairness index of the goodput of the flows crossing
     * each link that two or more flows share. */
    for (size_t i = 0; i < sim_link_count(s); i++) {
        size_t n;
        double j = sim_link_jain(s, i, &n);
        if (j < 0)
            continue;
        sim_link_metrics l;
        sim_link_metrics_get(s, i, &l);
        fprintf(out, "bottleneck %s: %zu flows, Jain's fairness index %.3f, use %.1f%%\n",
                l.name, n, j, l.utilisation[0] * 100.0);
    }
    return failed;
}
