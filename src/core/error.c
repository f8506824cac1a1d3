/* error.c: formatting of fwhub's error messages. */
#include "error.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

int fw_fail(struct fw_err *e, const char *fmt, ...)
{
    va_list ap;

    if (!e)
        return -1;
    va_start(ap, fmt);
    vsnprintf(e->msg, sizeof(e->msg), fmt, ap);
    va_end(ap);
    return -1;
}

int fw_context(struct fw_err *e, const char *fmt, ...)
{
    char prefix[FW_ERRLEN];
    char old[FW_ERRLEN];
    va_list ap;

    if (!e)
        return -1;
    va_start(ap, fmt);
    vsnprintf(prefix, sizeof(prefix), fmt, ap);
    va_end(ap);
    memcpy(old, e->msg, sizeof(old));
    snprintf(e->msg, sizeof(e->msg), "%s: %s", prefix, old);
    return -1;
}
