/* srvlog.h: the server's log lines, "<ISO time> <level> <event> <subject> <detail>", to stderr. */
#ifndef FWHUB_SRVLOG_H
#define FWHUB_SRVLOG_H

#include <stdbool.h>

#include "core/error.h"

enum srvlog_level { SRVLOG_DEBUG, SRVLOG_INFO, SRVLOG_WARN, SRVLOG_ERROR };

/* Debug lines are dropped unless enabled (serve --debug). */
void srvlog_set_debug(bool on);

/* Writes one line with one write(2), so lines of several threads never interleave.
 * event is a fixed, documented name (docs/api.md lists them); subject is one word (a MAC,
 * a file, a client address; "-" when NULL or empty); detail is free text, newlines are
 * replaced by spaces. Lines longer than 4 KiB are cut. */
void srvlog(enum srvlog_level level, const char *event, const char *subject, const char *fmt, ...)
    FW_PRINTF(4, 5);

#endif
