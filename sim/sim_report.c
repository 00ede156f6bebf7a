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
                ",\"max_stall_s\":%.6f,\"messages_delivered\":%" PRIu64,
                m.bytes_delivered, m.verified ? "true" : "false", m.duration_s,
                m.goodput_bps, m.retransmissions, m.fast_retransmissions, m.t3_expirations,
                m.max_stall_s, m.messages_delivered);
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
        fputs(",\"paths\":[", out);
        for (uint32_t p = 0; p < m.npaths; p++)
            fprintf(out, "%s{\"bytes_sent\":%" PRIu64 ",\"retransmissions\":%" PRIu64
                    ",\"cwnd\":%u,\"srtt_ms\":%u}", p ? "," : "", m.paths[p].bytes_sent,
                    m.paths[p].retransmissions, m.paths[p].cwnd, m.paths[p].srtt_ms);
        fputs("]}\n", out);
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
        fputs("}\n", out);
    }
    return failed;
}

int sim_report_table(sim *s, FILE *out)
{
    int failed = 0;
    fprintf(out, "%-12s %14s %8s %9s %12s %8s %9s  %s\n", "flow", "bytes", "verified",
            "seconds", "goodput_Mbps", "rtx", "stall_s", "state");
    for (size_t i = 0; i < sim_flow_count(s); i++) {
        sim_flow_metrics m;
        sim_flow_metrics_get(s, i, &m);
        failed += !m.verified;
        fprintf(out, "%-12s %14" PRIu64 " %8s %9.3f %12.3f %8" PRIu64 " %9.3f  %s\n", m.name,
                m.bytes_delivered, m.verified ? "yes" : "NO", m.duration_s,
                m.goodput_bps / 1e6, m.retransmissions, m.max_stall_s,
                mpsctp_state_name(m.client_state));
        if (m.error[0])
            fprintf(out, "  %s: %s\n", m.name, m.error);
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
    return failed;
}
