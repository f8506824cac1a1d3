/* srvlog.c: one-line, one-write log records for the server. */
#include "srvlog.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "core/isotime.h"

#define LINE_MAX_LEN 4096

static bool debug_on;

void srvlog_set_debug(bool on)
{
    debug_on = on;
}

static const char *level_name(enum srvlog_level level)
{
    static const char *const names[] = {"debug", "info", "warn", "error"};

    return names[level];
}

/* Newlines and tabs inside a record would split it for the reader: they become spaces. */
static void flatten(char *s, size_t from, size_t to)
{
    for (size_t i = from; i < to; i++)
        if (s[i] == '\n' || s[i] == '\r' || s[i] == '\t')
            s[i] = ' ';
}

void srvlog(enum srvlog_level level, const char *event, const char *subject, const char *fmt, ...)
{
    char line[LINE_MAX_LEN];
    char now[ISOTIME_STR_LEN];
    va_list ap;
    int n;
    size_t len, head;

    if (level == SRVLOG_DEBUG && !debug_on)
        return;
    isotime_format((int64_t)time(NULL), now);
    n = snprintf(line, sizeof(line), "%s %s %s %s ", now, level_name(level), event,
                 subject && subject[0] ? subject : "-");
    head = n < 0 ? 0 : (size_t)n < sizeof(line) ? (size_t)n : sizeof(line) - 1;
    va_start(ap, fmt);
    n = vsnprintf(line + head, sizeof(line) - head, fmt, ap);
    va_end(ap);
    len = n < 0 ? head : head + (size_t)n < sizeof(line) - 1 ? head + (size_t)n : sizeof(line) - 2;
    flatten(line, 0, len);
    line[len++] = '\n';
    if (write(STDERR_FILENO, line, len) < 0)
        return; /* nowhere left to report it */
}
