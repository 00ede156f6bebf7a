/*
 * scenario: the text format of mpsctp-sim scenarios (see docs/simulator.md), parsed
 * into a sim_config. Errors come back as "FILE:LINE: problem".
 */
#ifndef MPSCTP_SIM_SCENARIO_H
#define MPSCTP_SIM_SCENARIO_H

#include <stddef.h>
#include <stdint.h>

#include "sim.h"

/* Parses a whole scenario text into *c (initialised by this function; free it with
 * sim_config_free even on failure). fname is used in messages. Returns 0, or -1 with
 * "fname:line: problem" in err. */
int sim_scenario_parse(const char *text, const char *fname, sim_config *c, char *err,
                       size_t errlen);

/* Reads the file at path and parses it as sim_scenario_parse does. Returns 0, or -1
 * with a message in err (also when the file cannot be read). */
int sim_scenario_load(const char *path, sim_config *c, char *err, size_t errlen);

/* Parses a rate: a number with an optional unit bit, kbit, mbit or gbit (powers of
 * 1000; case-insensitive; a bare number is bit/s). Returns 0, or -1 when malformed,
 * zero or out of range. */
int sim_parse_rate(const char *s, uint64_t *bps);

/* Parses a time: a number with unit ns, us, ms or s (a bare number means seconds);
 * fractions allowed (units_time of tools/units.h). Returns 0, or -1 when malformed or
 * out of range. */
int sim_parse_time(const char *s, uint64_t *ns);

/* Parses a byte size: a number with an optional unit, k/M/G or KiB/MiB/GiB (powers of
 * 1024), kB/MB/GB (powers of 1000) or B ("20M", "64KiB", "1MB", "1452"; units_size of
 * tools/units.h). Returns 0, or -1 when malformed. */
int sim_parse_size(const char *s, uint64_t *bytes);

/* Parses a probability in [0,1] ("0.02" or "2%"). Returns 0, or -1. */
int sim_parse_prob(const char *s, double *p);

/* Applies one link option key=value (rate, delay, queue, red, loss, reorder,
 * reorder_delay, dup, jitter, down, up) to *p and sets its SIM_LP_* bit in *set. value
 * is NULL when the option had no '='. Returns 0, or -1 with a message in err (errlen bytes). */
int sim_scenario_link_opt(sim_link_params *p, unsigned *set, const char *key,
                          const char *value, char *err, size_t errlen);

/* Parses a comma-separated list of link options ("rate=10mbit,delay=20ms,queue=100",
 * red takes the next three items too: red=30,90,0.1,0.002) into *p and *set. Returns 0,
 * or -1 with a message in err. */
int sim_scenario_link_spec(const char *spec, sim_link_params *p, unsigned *set, char *err,
                           size_t errlen);

/* Parses a CMT mode: off, cmt, rpv1, rpv2, mptcp or a number 0..4 (MPSCTP_CMT_*).
 * Returns 0, or -1 when it is none of these. */
int sim_parse_cmt(const char *val, uint32_t *mode);

/* Applies one flow option key=value (paths, bytes, msg, streams, start, sample, sndbuf,
 * rcvbuf, mtu, rto_min, rto_max, rto_initial, pmr, amr, pf, hb, cmt, bufsplit, nrsack,
 * rtx, sackpath, or the flags ordered,
 * unordered, saturated with val NULL) to *f; link names in paths= are looked up in c.
 * val may be modified. Returns 0, or -1 with a message in err (errlen bytes). */
int sim_scenario_flow_opt(const sim_config *c, sim_flow_cfg *f, const char *key,
                          char *val, char *err, size_t errlen);

#endif
