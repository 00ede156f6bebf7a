/* The numbers a translation unit computes for the structures and constants listed in
 * layout_fields.h: layout_linux.c with Linux's headers (<netinet/sctp.h> from lksctp-tools
 * and <linux/sctp.h>, what kernel-SCTP applications are compiled with), and
 * test_api_lksctp.c with mpsctp/socket.h. The two may not be included in one translation
 * unit (the names collide): the test compares the two tables entry by entry. */
#ifndef API_LAYOUT_H
#define API_LAYOUT_H

#include <stddef.h>

typedef struct layout_entry {
    const char *what; /* "sizeof struct sctp_status", "offsetof ...", a constant's name */
    long long value;
} layout_entry;

#define LAYOUT_SIZE(t) {"sizeof " #t, (long long)sizeof(t)},
#define LAYOUT_FIELD(t, f) {"offsetof " #t " " #f, (long long)offsetof(t, f)},
#define LAYOUT_CONST(c) {#c, (long long)(c)},

/* Linux's numbers (layout_linux.c). */
extern const layout_entry layout_linux[];
extern const size_t layout_linux_n;

#endif
