/* units: sizes, times and counts of the tools' options and of scenario files (units.h). */
#include "units.h"

#include <math.h>
#include <string.h>

/* Reads the number at the start of s (digits, at most one '.', at least one digit) as
 * *num / *den: the digits without the dot, and 10^(digits after the dot), both whole and
 * exact in a double. Points *unit at what follows. Returns 0 or -1. */
static int units_number(const char *s, double *num, double *den, const char **unit)
{
    double d = 0, div = 1;
    int digits = 0, dot = 0;
    const char *p = s;
    if (!s)
        return -1;
    for (; *p; p++) {
        if (*p >= '0' && *p <= '9') {
            double digit = *p - '0';
            /* exact while at most 2^53 (and 10^22): beyond every limit anyway */
            if (d > (0x1p53 - digit) / 10 || div >= 1e22)
                return -1;
            digits++;
            if (dot)
                div *= 10;
            d = d * 10 + digit;
        } else if (*p == '.' && !dot) {
            dot = 1;
        } else {
            break;
        }
    }
    if (!digits)
        return -1;
    *num = d;
    *den = div;
    *unit = p;
    return 0;
}

typedef struct unit {
    const char *name;
    double mul;
} unit;

static const unit size_units[] = {
    {"", 1},          {"B", 1},
    {"k", 0x1p10},    {"K", 0x1p10},   {"Ki", 0x1p10},  {"KiB", 0x1p10},
    {"m", 0x1p20},    {"M", 0x1p20},   {"Mi", 0x1p20},  {"MiB", 0x1p20},
    {"g", 0x1p30},    {"G", 0x1p30},   {"Gi", 0x1p30},  {"GiB", 0x1p30},
    {"kB", 1e3},      {"MB", 1e6},     {"GB", 1e9},
};

static const unit time_units[] = {{"ns", 1}, {"us", 1e3}, {"ms", 1e6}, {"s", 1e9}};

/* The multiplier of unit u in table t of n entries, 0 when u is not there. */
static double units_lookup(const unit *t, size_t n, const char *u)
{
    for (size_t i = 0; i < n; i++)
        if (!strcmp(t[i].name, u))
            return t[i].mul;
    return 0;
}

int units_size(const char *s, uint64_t *bytes)
{
    double d, div;
    const char *u;
    if (units_number(s, &d, &div, &u) < 0)
        return -1;
    double mul = units_lookup(size_units, sizeof(size_units) / sizeof(size_units[0]), u);
    /* whole numbers multiplied (exact below 2^53), then one correctly rounded division:
     * "1.5k" is 15 * 1024 / 10, exactly 1536 */
    double b = d * mul / div;
    if (mul == 0 || b > (double)UNITS_SIZE_MAX || b != floor(b))
        return -1;
    *bytes = (uint64_t)b;
    return 0;
}

int units_time(const char *s, uint64_t bare_ns, uint64_t *ns)
{
    double d, div;
    const char *u;
    if (units_number(s, &d, &div, &u) < 0)
        return -1;
    double mul = *u ? units_lookup(time_units, sizeof(time_units) / sizeof(time_units[0]), u)
                    : (double)bare_ns;
    double t = d * mul / div;
    if (mul == 0 || t > 1e18)
        return -1;
    *ns = (uint64_t)llround(t);
    return 0;
}

int units_uint(const char *s, uint64_t max, uint64_t *v)
{
    uint64_t x = 0;
    if (!s || !*s)
        return -1;
    for (const char *p = s; *p; p++) {
        if (*p < '0' || *p > '9')
            return -1;
        unsigned d = (unsigned)(*p - '0');
        if (d > max || x > (max - d) / 10)
            return -1;
        x = x * 10 + d;
    }
    *v = x;
    return 0;
}
