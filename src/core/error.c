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

const char *fw_quote(const char *s, char buf[FW_QUOTE_LEN])
{
    size_t i;

    for (i = 0; s[i] && i < FW_QUOTE_MAX; i++) {
        unsigned char c = (unsigned char)s[i];

        buf[i] = c >= 0x20 && c < 0x7f ? (char)c : '?';
    }
    if (s[i]) {
        memcpy(buf + i, "...", 3);
        i += 3;
    }
    buf[i] = '\0';
    return buf;
}
