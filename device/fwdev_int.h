/* fwdev_int.h: what the device library's files share; not part of its public interface. */
#ifndef FWDEV_INT_H
#define FWDEV_INT_H

#include <stddef.h>
#include <stdint.h>

#include "fwdev.h"

#if defined(__GNUC__)
#define FWDEV_PRINTF(a, b) __attribute__((format(printf, a, b)))
#else
#define FWDEV_PRINTF(a, b)
#endif

/* Writes the message into err (when not NULL) and returns code. */
int fwdev_fail(struct fwdev_err *err, int code, const char *fmt, ...) FWDEV_PRINTF(3, 4);

/* Prefixes err's message with context; returns code. */
int fwdev_context(struct fwdev_err *err, int code, const char *fmt, ...) FWDEV_PRINTF(3, 4);

/* Passes a line to cfg.log when there is one. */
void fwdev_log(const struct fwdev *d, const char *fmt, ...) FWDEV_PRINTF(2, 3);

/* ---- JSON (fwdev_json.c) ---- */

enum { FWDEV_J_STR, FWDEV_J_UINT, FWDEV_J_INT, FWDEV_J_OBJ };

/* Every struct a JSON object is read into starts with this: bit i of seen is set when the
 * table's field i was present, bit i of null when it was null. */
struct fwdev_jhead {
    uint32_t seen;
    uint32_t null;
};

struct fwdev_jtable;

struct fwdev_jfield {
    const char *name;
    int type;      /* FWDEV_J_x: a string, a whole number >= 0, any whole number, an object */
    size_t offset; /* where the value goes in the struct (char[], uint64_t, int64_t, struct) */
    size_t cap;    /* FWDEV_J_STR: the buffer's size, NUL included */
    const struct fwdev_jtable *sub; /* FWDEV_J_OBJ: how to read it */
};

struct fwdev_jtable {
    const struct fwdev_jfield *fields; /* at most 32 */
    size_t n;
    int strict; /* 1: an unknown member is an error; 0: it is skipped */
};

/* Reads the JSON object in json (len bytes, nothing but whitespace after it) into out as
 * t says. Every field may be null. Members are unique. Nesting is bounded, and so is
 * every string kept. Returns 0, or -1 with why (naming the member). */
int fwdev_json_read(const char *json, size_t len, const struct fwdev_jtable *t, void *out,
                    char *why, size_t whylen);

/* Writes s as a JSON string (quotes included) at out[*n], at most cap bytes in all;
 * stops at max bytes of s, never inside a UTF-8 sequence. Returns -1 when it does not fit. */
int fwdev_json_put(char *out, size_t cap, size_t *n, const char *s, size_t max);

/* ---- helpers (fwdev_util.c) ---- */

/* "AB:CD:EF:12:34:56" from any common spelling; -1 when s is not a device MAC. */
int fwdev_mac_canon(const char *s, char out[18]);

/* SemVer precedence of a and b ("v" prefix and missing MINOR/PATCH accepted, as fwhub
 * does): *cmp <0, 0, >0. Returns -1 when either does not parse. */
int fwdev_version_cmp(const char *a, const char *b, int *cmp);

/* Decodes exactly 2n hex digits of s (then NUL) into out; -1 otherwise. */
int fwdev_unhex(const char *s, uint8_t *out, size_t n);

/* Strict base64 (padding required) into out; the length, or -1. */
long fwdev_unbase64(const char *s, size_t len, uint8_t *out, size_t max);

/* SHA-256 of one buffer through the crypto seam; -1 when out of memory. */
int fwdev_sha256(const struct fwdev_crypto *c, const void *data, size_t len,
                 uint8_t out[FWDEV_SHA256_LEN]);

/* The pinned key with this id, or NULL. */
const struct fwdev_key *fwdev_find_key(const struct fwdev *d, const uint8_t id[FWDEV_SHA256_LEN]);

/* ---- HTTP (fwdev_http.c) ---- */

/* Performs rq and collects the body (at most max bytes) into a malloc'd NUL-terminated
 * *body (the caller frees it), its length in *len and the status in *status. */
int fwdev_fetch(struct fwdev *d, const struct fwdev_http_request *rq, size_t max, char **body,
                size_t *len, int *status, struct fwdev_err *err);

#endif
