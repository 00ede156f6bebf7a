/* layout_fields.h computed with Linux's headers (layout.h). */
#include <netinet/in.h>
#include <netinet/sctp.h>

#include "layout.h"

const layout_entry layout_linux[] = {
#include "layout_fields.h"
};
const size_t layout_linux_n = sizeof(layout_linux) / sizeof(layout_linux[0]);
