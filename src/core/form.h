/* form.h: application/x-www-form-urlencoded bodies (HTML forms), read into bounded fields. */
#ifndef FWHUB_FORM_H
#define FWHUB_FORM_H

#include <stdbool.h>
#include <stddef.h>

#include "error.h"

/* One field the caller wants: its value is decoded into out[cap], NUL-terminated. */
struct form_field {
    const char *name;
    char *out;
    size_t cap;
    bool multiline; /* line breaks and tabs are text (a CR LF is kept as LF) */
    bool seen;      /* set by form_parse */
};

/* Reads body (len bytes, "a=1&b=x+y", '+' is a space, %XX escapes) into the fields of
 * f[0..n); a field not sent is "" (the caller clears out), names not asked for are
 * ignored. Refused, with *bad naming the field: one sent twice, a value that does not fit
 * into cap, a broken escape or %00, text that is not UTF-8 (overlong forms and surrogates
 * included), a control character (but line breaks and tabs in a multiline field).
 * Returns 0 or -1. */
int form_parse(const char *body, size_t len, struct form_field *f, size_t n,
               const char **bad) FW_NODISCARD;

/* s without the blanks (spaces, tabs) around it, cut in place. */
char *form_trim(char *s);

#endif
