/*
 * sim_report: prints a finished simulation's metrics as JSON lines or as tables.
 */
#ifndef MPSCTP_SIM_REPORT_H
#define MPSCTP_SIM_REPORT_H

#include <stdio.h>

#include "sim.h"

/* Writes one JSON object per flow, one per line, then one per link ("link" key).
 * Returns the number of flows that failed verification. */
int sim_report_json(sim *s, FILE *out);

/* Writes a human-readable flow table and link table. Returns the number of flows that
 * failed verification. */
int sim_report_table(sim *s, FILE *out);

#endif
