/* jv.h: a strict JSON (RFC 8259) reader into an arena: fast enough to load 100,000 targeted
 * files in a second, and refusing what jansson's JSON_REJECT_DUPLICATES refuses. Writing JSON
 * stays with jansson. */
#ifndef FWHUB_JV_H
#define FWHUB_JV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "arena.h"
#include "error.h"

#define JV_MAX_DEPTH 64

enum jv_type { JV_NULL, JV_FALSE, JV_TRUE, JV_INT, JV_REAL, JV_STRING, JV_ARRAY, JV_OBJECT };

struct jv_member;

struct jv {
    enum jv_type type;
    union {
        int64_t i;
        double d;
        struct {
            const char *s; /* NUL-terminated, valid UTF-8 without NUL bytes */
            size_t len;
        } str;
        struct {
            struct jv **items;
            size_t n;
        } arr;
        struct {
            struct jv_member *members; /* in document order, keys unique */
            size_t n;
        } obj;
    } u;
};

struct jv_member {
    const char *key;
    struct jv *val;
};

/* Where and why a text is not JSON. line and col are 1-based; col counts bytes. */
struct jv_error {
    int line;
    int col;
    char msg[160];
};

/* Parses text[0..len) (one value, surrounded by optional whitespace) into values allocated
 * in arena. Refused: syntax errors, duplicate keys in an object, invalid UTF-8, "\u0000",
 * lone surrogates, nesting deeper than JV_MAX_DEPTH, integers outside int64, numbers
 * longer than 64 characters. Returns 0 and *out, or -1 with e filled in. */
int jv_parse(const char *text, size_t len, struct arena *arena, struct jv **out,
             struct jv_error *e) FW_NODISCARD;

/* The value of member key of object o, or NULL (also when o is not an object). */
const struct jv *jv_get(const struct jv *o, const char *key);

/* True when v is present and of type t. */
static inline bool jv_is(const struct jv *v, enum jv_type t)
{
    return v && v->type == t;
}

/* "an object", "a string", ... for messages. */
const char *jv_type_name(enum jv_type t);

#endif
