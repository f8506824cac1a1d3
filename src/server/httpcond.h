/* httpcond.h: Range, If-None-Match and If-Range as RFC 9110 reads them; no I/O, no h2o. */
#ifndef FWHUB_HTTPCOND_H
#define FWHUB_HTTPCOND_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define HTTPCOND_RANGES_MAX 16 /* more ranges than this in one request are ignored */

/* One byte range of a representation, both ends included. */
struct httpcond_range {
    uint64_t first;
    uint64_t last;
};

enum httpcond_ranges_verdict {
    HTTPCOND_WHOLE,         /* no usable Range: send the whole representation (200) */
    HTTPCOND_PARTIAL,       /* send the ranges found (206) */
    HTTPCOND_UNSATISFIABLE, /* no range overlaps the representation (416) */
};

/* Reads the value of a Range header (v, n bytes) for a representation of size bytes into
 * out[HTTPCOND_RANGES_MAX], in the order asked, with ends past the size cut to it;
 * *count gets how many. Another unit than "bytes", a syntax error or more than
 * HTTPCOND_RANGES_MAX ranges give HTTPCOND_WHOLE, as the RFC allows a server to ignore
 * them; ranges that start past the end are dropped, and when none is left the answer is
 * HTTPCOND_UNSATISFIABLE. */
enum httpcond_ranges_verdict httpcond_ranges(const char *v, size_t n, uint64_t size,
                                             struct httpcond_range *out, size_t *count);

/* True when the If-None-Match value (v, n bytes), a list of entity tags or "*", names
 * etag (quoted, as sent in ETag) under the weak comparison: W/ prefixes do not count. */
bool httpcond_none_match_hits(const char *v, size_t n, const char *etag);

/* True when the If-Range value (v, n bytes) still describes the representation: the same
 * strong entity tag, or exactly its Last-Modified date (last_modified, an IMF-fixdate).
 * When false, a Range is to be ignored and the whole representation sent. */
bool httpcond_if_range_holds(const char *v, size_t n, const char *etag, const char *last_modified);

#endif
