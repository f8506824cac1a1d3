/* url.h: percent-decoding of paths and query values, and paths that cannot climb. */
#ifndef FWHUB_URL_H
#define FWHUB_URL_H

#include <stdbool.h>
#include <stddef.h>

enum {
    URL_QUERY = 1 << 0, /* a query value: '+' is a space */
    URL_PATH = 1 << 1,  /* a path: escaped '/', '.' and '\\' are refused (no spelling of a
                           separator or a dot reaches the file system), and so are '\\'
                           and control characters, escaped or not */
};

/* Percent-decodes s[0..n) into out[outlen], NUL-terminated. Always refused: a broken
 * escape, %00, and output that does not fit. Returns the decoded length, or -1. */
int url_unescape(const char *s, size_t n, int flags, char *out, size_t outlen);

/* True when rel is non-empty and has no empty, "." or ".." component ("a//b", "a/",
 * "/a", "a/../b" are not plain). */
bool url_plain_components(const char *rel);

#endif
