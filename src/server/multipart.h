/* multipart.h: a bounded multipart/form-data parser (RFC 7578) over a buffered body. */
#ifndef FWHUB_MULTIPART_H
#define FWHUB_MULTIPART_H

#include <stdbool.h>
#include <stddef.h>

#include "core/error.h"

#define MULTIPART_BOUNDARY_MAX 70   /* RFC 2046 */
#define MULTIPART_NAME_MAX     64   /* bytes of a field's name */
#define MULTIPART_FILENAME_MAX 255  /* bytes of an uploaded file's name */
#define MULTIPART_HEADERS_MAX  2048 /* bytes of one part's header block */

/* One part: its field name, the file name when it is a file, and its contents, which
 * point into the body given to multipart_parse (no copy). */
struct multipart_part {
    char name[MULTIPART_NAME_MAX + 1];
    char filename[MULTIPART_FILENAME_MAX + 1];
    bool is_file; /* a filename parameter was given (possibly empty: no file chosen) */
    const char *data;
    size_t len;
};

/* The boundary of a Content-Type header value ("multipart/form-data; boundary=XYZ",
 * quoted or not) into out[MULTIPART_BOUNDARY_MAX + 1]. Returns 0, or -1 with err when
 * the type is not multipart/form-data or the boundary is missing or longer than 70. */
int multipart_boundary(const char *ctype, size_t len, char out[MULTIPART_BOUNDARY_MAX + 1],
                       struct fw_err *err) FW_NODISCARD;

/* Splits body (len bytes) at boundary into at most max parts, written to parts; *n is
 * how many. Text before the first boundary and after the closing one is ignored. Every
 * part needs a Content-Disposition: form-data header with a name. Returns 0, or -1 with
 * err naming the part (its number, and its field name once known) and what is wrong:
 * no opening or closing boundary, a header block over MULTIPART_HEADERS_MAX, a missing
 * blank line, a missing name, a name or file name too long, more than max parts. */
int multipart_parse(const char *body, size_t len, const char *boundary,
                    struct multipart_part *parts, size_t max, size_t *n,
                    struct fw_err *err) FW_NODISCARD;

#endif
