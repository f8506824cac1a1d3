/* jbuf.h: a bounded growable buffer with JSON string escaping, for building answers fast. */
#ifndef FWHUB_JBUF_H
#define FWHUB_JBUF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/error.h"

/* Text built by appending. Appends past max set overflow and are dropped, so a caller
 * checks once at the end instead of after every append. */
struct jbuf {
    char *p;
    size_t len;
    size_t cap;
    size_t max;
    bool overflow;
};

/* Starts an empty buffer that may grow to max bytes. */
void jbuf_init(struct jbuf *b, size_t max);
void jbuf_free(struct jbuf *b);
/* Empties the buffer, keeping its memory. */
void jbuf_reset(struct jbuf *b);

void jbuf_raw(struct jbuf *b, const char *s, size_t n);
void jbuf_cstr(struct jbuf *b, const char *s);
/* A JSON string literal for s, quoted and escaped; NULL gives null. */
void jbuf_str(struct jbuf *b, const char *s);
void jbuf_u64(struct jbuf *b, uint64_t v);
/* printf-formatted text, whole (past max: overflow, as any append). */
void jbuf_printf(struct jbuf *b, const char *fmt, ...) FW_PRINTF(2, 3);
/* ,"key": (the comma only when first is false) */
void jbuf_key(struct jbuf *b, const char *key, bool first);
/* Percent-encodes s (n bytes) for a URL path: unreserved characters and '/' stay. */
void jbuf_urlpath(struct jbuf *b, const char *s, size_t n);

#endif
