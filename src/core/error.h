/* error.h: one way to fail across fwhub: a result code plus a message the caller owns. */
#ifndef FWHUB_ERROR_H
#define FWHUB_ERROR_H

#include <stddef.h>

#define FW_NODISCARD    __attribute__((warn_unused_result))
#define FW_PRINTF(a, b) __attribute__((format(printf, a, b)))

#define FW_ERRLEN 1024

/* A message buffer passed down by the caller. Functions that can fail return 0 on
 * success and -1 on failure, and on failure have written a sentence into msg. */
struct fw_err {
    char msg[FW_ERRLEN];
};

/* Writes the formatted message into e (if e is not NULL) and returns -1, so that a
 * failing path can read `return fw_fail(err, "...", ...);`. */
int fw_fail(struct fw_err *e, const char *fmt, ...) FW_PRINTF(2, 3);

/* Prefixes the message already in e with context: "cannot load X: <old message>".
 * The root cause stays at the end. Returns -1. */
int fw_context(struct fw_err *e, const char *fmt, ...) FW_PRINTF(2, 3);

#define FW_QUOTE_MAX 40
#define FW_QUOTE_LEN (FW_QUOTE_MAX + 4)

/* Copies outside input s into buf for an error message: at most FW_QUOTE_MAX bytes, then
 * "..."; control and non-ASCII bytes shown as '?', so that hostile input can neither flood
 * nor forge a log line. Returns buf. */
const char *fw_quote(const char *s, char buf[FW_QUOTE_LEN]);

#endif
