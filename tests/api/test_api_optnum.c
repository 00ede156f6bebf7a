/* Option numbers of the library's own options against those of other SCTP stacks: the
 * installed usrsctp.h (libusrsctp-dev) and linux/sctp.h (linux-libc-dev) are parsed, and
 * FreeBSD's netinet/sctp.h, which is not installed, is represented by the list below. A
 * number that another stack gives to a different option collides: an application or a
 * preload layer passing numbers through would get the wrong option (SCTP_SQINFO had
 * FreeBSD's SCTP_CMT_USE_DAC number). A name both sides define must have one value. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>

#include "api_util.h"

#ifndef OPTNUM_USRSCTP_H
#define OPTNUM_USRSCTP_H "/usr/include/usrsctp.h"
#endif
#ifndef OPTNUM_LINUX_H
#define OPTNUM_LINUX_H "/usr/include/linux/sctp.h"
#endif

typedef struct optnum {
    const char *name;
    long long value;
} optnum;

#define OURS(n)                                                                                \
    {                                                                                          \
#n, n                                                                                  \
    }
/* The options this library numbers itself (the others are Linux's, checked against
 * linux/sctp.h by test_api_lksctp's layout test). SCTP_CMT_ON_OFF and SCTP_CMT_USE_DAC
 * take FreeBSD's numbers on purpose: same name, same value. */
static const optnum ours[] = {
    OURS(SCTP_SQINFO),       OURS(SCTP_CMT_ON_OFF),     OURS(SCTP_CMT_USE_DAC),
    OURS(MPSCTP_PATH_STATS), OURS(MPSCTP_CMT_BUFSPLIT), OURS(MPSCTP_CMT_RTX_POLICY),
    OURS(MPSCTP_SACK_PATH),  OURS(MPSCTP_NR_SACK),      OURS(MPSCTP_PATH_SELECT),
    OURS(MPSCTP_RCVQUEUE),   OURS(MPSCTP_MAX_ASSOCS),
};

/* FreeBSD's socket option numbers from 0x1000 up (below that they are the RFC 6458 ones,
 * far from ours), from sys/netinet/sctp.h of freebsd-src as mirrored in usrsctp's
 * usrsctplib/netinet/sctp.h (October 2025), with the numbers older releases used. */
static const optnum freebsd[] = {
    {"SCTP_RESET_STREAMS (before 2012)", 0x1004},
    {"SCTP_SET_DEBUG_LEVEL", 0x1005},
    {"SCTP_CLR_STAT_LOG", 0x1007},
    {"SCTP_GET_SNDBUF_USE", 0x1101},
    {"SCTP_GET_STAT_LOG", 0x1103},
    {"SCTP_PCB_STATUS", 0x1104},
    {"SCTP_GET_NONCE_VALUES", 0x1105},
    {"SCTP_GET_NONCE_VALUES (before 2007)", 0x1106},
    {"SCTP_CMT_ON_OFF", 0x1200},
    {"SCTP_CMT_USE_DAC", 0x1201},
    {"SCTP_PLUGGABLE_CC", 0x1202},
    {"SCTP_STREAM_SCHEDULER", 0x1203},
    {"SCTP_STREAM_SCHEDULER_VALUE", 0x1204},
    {"SCTP_CC_OPTION", 0x1205},
    {"SCTP_INTERLEAVING_SUPPORTED", 0x1206},
    {"SCTP_SET_DYNAMIC_PRIMARY", 0x2001},
    {"SCTP_VRF_ID", 0x3001},
    {"SCTP_ADD_VRF_ID", 0x3002},
    {"SCTP_GET_VRF_IDS", 0x3003},
    {"SCTP_GET_ASOC_VRF", 0x3004},
    {"SCTP_DEL_VRF_ID", 0x3005},
    {"SCTP_GET_PACKET_LOG", 0x4001},
    {"SCTP_BINDX_ADD_ADDR", 0x8001},
    {"SCTP_BINDX_REM_ADDR", 0x8002},
    {"SCTP_GET_PEER_ADDRESSES", 0x8003},
    {"SCTP_GET_LOCAL_ADDRESSES", 0x8004},
    {"SCTP_GET_LOCAL_ADDR_SIZE", 0x8005},
    {"SCTP_GET_REMOTE_ADDR_SIZE", 0x8006},
    {"SCTP_CONNECT_X", 0x8007},
    {"SCTP_CONNECT_X_DELAYED", 0x8008},
    {"SCTP_CONNECT_X_COMPLETE", 0x8009},
    {"SCTP_PEELOFF", 0x800a},
    {"SCTP_GET_ADDR_LEN", 0x800b},
    {"SCTP_LISTEN_FIX", 0x800c},
    {"SCTP_GET_HANDLE", 0x800d},
    {"SCTP_SET_INITIAL_DBG_SEQ", 0x9f00},
};

/* Strips "(...)" around a number and a U/L suffix; returns 0 and the value, or -1. */
static int parse_number(const char *t, long long *v)
{
    char buf[64];
    size_t n = 0;
    for (; *t && n + 1 < sizeof(buf); t++)
        if (*t != '(' && *t != ')')
            buf[n++] = *t;
    buf[n] = 0;
    if (!isdigit((unsigned char)buf[0]))
        return -1;
    char *end;
    *v = strtoll(buf, &end, 0);
    while (*end == 'u' || *end == 'U' || *end == 'l' || *end == 'L')
        end++;
    return *end ? -1 : 0;
}

/* Every "#define SCTP_* <number>" of the header at path: the option numbers and the
 * other SCTP constants (a stricter check than options alone, and none of them is near
 * the numbers checked). Returns the count (out has room for max), or -1 when the file
 * is missing. */
static int parse_header(const char *path, optnum *out, char (*names)[64], int max)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return -1;
    char line[512];
    int n = 0;
    while (n < max && fgets(line, sizeof(line), f)) {
        char name[64], val[64];
        const char *p = line;
        while (isspace((unsigned char)*p))
            p++;
        if (*p != '#')
            continue;
        p++;
        while (isspace((unsigned char)*p))
            p++;
        if (sscanf(p, "define %63s %63s", name, val) != 2 || strncmp(name, "SCTP_", 5) != 0)
            continue;
        long long v;
        if (parse_number(val, &v))
            continue;
        memcpy(names[n], name, sizeof(names[n]));
        out[n].name = names[n];
        out[n].value = v;
        n++;
    }
    fclose(f);
    return n;
}

/* Fails on a number of ours that theirs gives to another name, or a name of ours with
 * another value there. Returns the number of problems (printed). */
static int collisions(const char *where, const optnum *theirs, int n)
{
    int bad = 0;
    for (size_t i = 0; i < sizeof(ours) / sizeof(ours[0]); i++)
        for (int k = 0; k < n; k++) {
            int same_name = strcmp(ours[i].name, theirs[k].name) == 0;
            int same_value = ours[i].value == theirs[k].value;
            if (same_value != same_name) {
                print_error("%s: %s = 0x%llx, there %s = 0x%llx\n", where, ours[i].name,
                            ours[i].value, theirs[k].name, theirs[k].value);
                bad++;
            }
        }
    return bad;
}

static void check_header(const char *path, int min_defs)
{
    static optnum defs[4096];
    static char names[4096][64];
    int n = parse_header(path, defs, names, 4096);
    if (n < 0)
        fail_msg("%s cannot be read (scripts/install-deps.sh installs it)", path);
    /* The parser must have found the option numbers (a header in another format would
     * otherwise pass without a check). */
    assert_true(n >= min_defs);
    print_message("%s: %d SCTP_* numbers\n", path, n);
    assert_int_equal(collisions(path, defs, n), 0);
}

static void test_usrsctp_h(void **state)
{
    (void)state;
    check_header(OPTNUM_USRSCTP_H, 100);
}

static void test_linux_sctp_h(void **state)
{
    (void)state;
    check_header(OPTNUM_LINUX_H, 50);
}

static void test_freebsd(void **state)
{
    (void)state;
    assert_int_equal(collisions("FreeBSD netinet/sctp.h", freebsd,
                                (int)(sizeof(freebsd) / sizeof(freebsd[0]))),
                     0);
}

/* Our own numbers are distinct. */
static void test_distinct(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(ours) / sizeof(ours[0]); i++)
        for (size_t k = i + 1; k < sizeof(ours) / sizeof(ours[0]); k++)
            assert_true(ours[i].value != ours[k].value);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_usrsctp_h),
        cmocka_unit_test(test_linux_sctp_h),
        cmocka_unit_test(test_freebsd),
        cmocka_unit_test(test_distinct),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
