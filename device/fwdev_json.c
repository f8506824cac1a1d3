/* fwdev_json.c: a small bounded JSON reader that keeps only the members a table names. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "fwdev_int.h"

#define DEPTH_MAX 16 /* nesting deeper than this is refused */
#define KEY_MAX   64 /* member names longer than this cannot be fields */

struct jr {
    const char *start, *p, *end;
    char *why;
    size_t whylen;
};

static int bad(struct jr *r, const char *fmt, ...) FWDEV_PRINTF(2, 3);

static int bad(struct jr *r, const char *fmt, ...)
{
    va_list ap;

    if (r->why[0])
        return -1; /* the first reason is the root cause */
    va_start(ap, fmt);
    vsnprintf(r->why, r->whylen, fmt, ap);
    va_end(ap);
    return -1;
}

static void ws(struct jr *r)
{
    while (r->p < r->end && (*r->p == ' ' || *r->p == '\t' || *r->p == '\n' || *r->p == '\r'))
        r->p++;
}

static int peek(struct jr *r)
{
    ws(r);
    return r->p < r->end ? (unsigned char)*r->p : -1;
}

static int take(struct jr *r, char c)
{
    if (peek(r) != c)
        return bad(r, "expected '%c' at byte %ld", c, (long)(r->p - r->start));
    r->p++;
    return 0;
}

/* Appends one byte to the string being read; counts past the buffer to report length. */
static void put(char *out, size_t cap, size_t *n, unsigned char c)
{
    if (out && *n + 1 < cap)
        out[*n] = (char)c;
    (*n)++;
}

static int hex4(struct jr *r, unsigned long *v)
{
    *v = 0;
    if (r->end - r->p < 4)
        return bad(r, "a broken \\u escape");
    for (int i = 0; i < 4; i++) {
        char c = *r->p++;
        int d = c >= '0' && c <= '9'   ? c - '0'
                : c >= 'a' && c <= 'f' ? c - 'a' + 10
                : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                       : -1;

        if (d < 0)
            return bad(r, "a broken \\u escape");
        *v = *v << 4 | (unsigned long)d;
    }
    return 0;
}

/* \uXXXX (and its low surrogate) as UTF-8. */
static int unicode(struct jr *r, char *out, size_t cap, size_t *n)
{
    unsigned long cp, lo;

    if (hex4(r, &cp) < 0)
        return -1;
    if (cp >= 0xD800 && cp < 0xDC00) {
        if (r->end - r->p < 2 || r->p[0] != '\\' || r->p[1] != 'u')
            return bad(r, "a lone surrogate in a \\u escape");
        r->p += 2;
        if (hex4(r, &lo) < 0 || lo < 0xDC00 || lo > 0xDFFF)
            return bad(r, "a lone surrogate in a \\u escape");
        cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
    } else if (cp >= 0xDC00 && cp <= 0xDFFF) {
        return bad(r, "a lone surrogate in a \\u escape");
    }
    if (cp == 0)
        return bad(r, "a NUL character in a string");
    if (cp < 0x80) {
        put(out, cap, n, (unsigned char)cp);
    } else if (cp < 0x800) {
        put(out, cap, n, (unsigned char)(0xC0 | cp >> 6));
        put(out, cap, n, (unsigned char)(0x80 | (cp & 0x3F)));
    } else if (cp < 0x10000) {
        put(out, cap, n, (unsigned char)(0xE0 | cp >> 12));
        put(out, cap, n, (unsigned char)(0x80 | ((cp >> 6) & 0x3F)));
        put(out, cap, n, (unsigned char)(0x80 | (cp & 0x3F)));
    } else {
        put(out, cap, n, (unsigned char)(0xF0 | cp >> 18));
        put(out, cap, n, (unsigned char)(0x80 | ((cp >> 12) & 0x3F)));
        put(out, cap, n, (unsigned char)(0x80 | ((cp >> 6) & 0x3F)));
        put(out, cap, n, (unsigned char)(0x80 | (cp & 0x3F)));
    }
    return 0;
}

static int escape(struct jr *r, char *out, size_t cap, size_t *n)
{
    static const char from[] = "\"\\/bfnrt", to[] = "\"\\/\b\f\n\r\t";
    const char *k;

    if (r->p >= r->end)
        return bad(r, "a string that does not end");
    if (*r->p == 'u') {
        r->p++;
        return unicode(r, out, cap, n);
    }
    k = strchr(from, *r->p);
    if (!k || !*k)
        return bad(r, "an unknown escape \\%c", *r->p);
    r->p++;
    put(out, cap, n, (unsigned char)to[k - from]);
    return 0;
}

/* Reads a string into out (cap bytes, NUL included; out may be NULL to skip it); *len is
 * its decoded length, which may exceed cap - 1 (then out holds its beginning). */
static int string(struct jr *r, char *out, size_t cap, size_t *len)
{
    size_t n = 0;

    if (take(r, '"') < 0)
        return -1;
    while (r->p < r->end && *r->p != '"') {
        unsigned char c = (unsigned char)*r->p++;

        if (c < 0x20)
            return bad(r, "a control character in a string");
        if (c != '\\')
            put(out, cap, &n, c);
        else if (escape(r, out, cap, &n) < 0)
            return -1;
    }
    if (r->p >= r->end)
        return bad(r, "a string that does not end");
    r->p++;
    if (out && cap)
        out[n < cap ? n : cap - 1] = '\0';
    *len = n;
    return 0;
}

static int digits(struct jr *r)
{
    const char *start = r->p;

    while (r->p < r->end && *r->p >= '0' && *r->p <= '9')
        r->p++;
    return r->p > start ? 0 : bad(r, "a malformed number");
}

/* Reads a number; *whole says whether it has neither fraction nor exponent, and *v holds
 * its value then (saturated: *big set when it does not fit). */
static int number(struct jr *r, int *neg, uint64_t *v, int *whole, int *big)
{
    const char *start;

    *neg = peek(r) == '-';
    r->p += *neg;
    start = r->p;
    if (digits(r) < 0)
        return -1;
    *v = 0;
    *big = 0;
    for (const char *q = start; q < r->p; q++) {
        unsigned d = (unsigned)(*q - '0');

        if (*v > (UINT64_MAX - d) / 10)
            *big = 1;
        *v = *v * 10 + d;
    }
    *whole = 1;
    if (r->p < r->end && *r->p == '.') {
        r->p++;
        *whole = 0;
        if (digits(r) < 0)
            return -1;
    }
    if (r->p < r->end && (*r->p == 'e' || *r->p == 'E')) {
        r->p++;
        *whole = 0;
        if (r->p < r->end && (*r->p == '+' || *r->p == '-'))
            r->p++;
        if (digits(r) < 0)
            return -1;
    }
    return 0;
}

static int literal(struct jr *r, const char *word)
{
    size_t n = strlen(word);

    if ((size_t)(r->end - r->p) < n || memcmp(r->p, word, n) != 0)
        return bad(r, "an unexpected character '%c'", *r->p);
    r->p += n;
    return 0;
}

static int skip(struct jr *r, int depth);

/* Skips the members of an object or the values of an array, after its opening bracket. */
static int skip_items(struct jr *r, int depth, char close)
{
    size_t len;

    if (peek(r) == close) {
        r->p++;
        return 0;
    }
    for (;;) {
        if (close == '}' && (string(r, NULL, 0, &len) < 0 || take(r, ':') < 0))
            return -1;
        if (skip(r, depth + 1) < 0)
            return -1;
        if (peek(r) == close) {
            r->p++;
            return 0;
        }
        if (take(r, ',') < 0)
            return -1;
    }
}

static int skip(struct jr *r, int depth)
{
    int c = peek(r), neg, whole, big;
    uint64_t v;
    size_t len;

    if (depth > DEPTH_MAX)
        return bad(r, "nested more than %d deep", DEPTH_MAX);
    if (c == '{' || c == '[') {
        r->p++;
        return skip_items(r, depth, c == '{' ? '}' : ']');
    }
    if (c == '"')
        return string(r, NULL, 0, &len);
    if (c == '-' || (c >= '0' && c <= '9'))
        return number(r, &neg, &v, &whole, &big);
    if (c == 't')
        return literal(r, "true");
    if (c == 'f')
        return literal(r, "false");
    if (c == 'n')
        return literal(r, "null");
    return c < 0 ? bad(r, "the text ends too early") : bad(r, "an unexpected character '%c'", c);
}

static int read_object(struct jr *r, const struct fwdev_jtable *t, void *out, int depth);

static int whole_number(struct jr *r, const struct fwdev_jfield *f, void *slot)
{
    int neg, whole, big;
    uint64_t v;

    if (number(r, &neg, &v, &whole, &big) < 0)
        return -1;
    if (!whole || big || (neg && f->type == FWDEV_J_UINT) ||
        (f->type == FWDEV_J_INT && v > INT64_MAX))
        return bad(r, "%s: expected a whole number%s", f->name,
                   f->type == FWDEV_J_UINT ? " of 0 or more" : "");
    if (f->type == FWDEV_J_UINT)
        memcpy(slot, &v, sizeof(v));
    else {
        int64_t s = neg ? -(int64_t)v : (int64_t)v;

        memcpy(slot, &s, sizeof(s));
    }
    return 0;
}

/* Reads the value of field i into out. */
static int field(struct jr *r, const struct fwdev_jfield *f, unsigned i, char *out, int depth)
{
    struct fwdev_jhead *h = (struct fwdev_jhead *)(void *)out;
    int c = peek(r);
    size_t len;

    if (h->seen & (1u << i))
        return bad(r, "%s: given twice", f->name);
    h->seen |= 1u << i;
    if (c == 'n') {
        h->null |= 1u << i;
        return literal(r, "null");
    }
    if (f->type == FWDEV_J_OBJ)
        return c == '{' ? read_object(r, f->sub, out + f->offset, depth + 1)
                        : bad(r, "%s: expected an object", f->name);
    if (f->type != FWDEV_J_STR)
        return c == '-' || (c >= '0' && c <= '9') ? whole_number(r, f, out + f->offset)
                                                  : bad(r, "%s: expected a number", f->name);
    if (c != '"')
        return bad(r, "%s: expected a string", f->name);
    if (string(r, out + f->offset, f->cap, &len) < 0)
        return -1;
    if (len >= f->cap)
        return bad(r, "%s: longer than %lu bytes", f->name, (unsigned long)f->cap - 1);
    if (strlen(out + f->offset) != len)
        return bad(r, "%s: holds a NUL character", f->name);
    return 0;
}

/* One "key": value; the value is read when the table names the key, else skipped. */
static int member(struct jr *r, const struct fwdev_jtable *t, char *out, int depth)
{
    char key[KEY_MAX + 1];
    size_t len;

    if (string(r, key, sizeof(key), &len) < 0 || take(r, ':') < 0)
        return -1;
    for (unsigned i = 0; len <= KEY_MAX && i < t->n; i++)
        if (strcmp(t->fields[i].name, key) == 0)
            return field(r, &t->fields[i], i, out, depth);
    if (t->strict)
        return bad(r, "%.*s: unknown member", KEY_MAX, key);
    return skip(r, depth + 1);
}

static int read_object(struct jr *r, const struct fwdev_jtable *t, void *out, int depth)
{
    if (depth > DEPTH_MAX)
        return bad(r, "nested more than %d deep", DEPTH_MAX);
    if (take(r, '{') < 0)
        return -1;
    if (peek(r) == '}') {
        r->p++;
        return 0;
    }
    for (;;) {
        if (member(r, t, out, depth) < 0)
            return -1;
        if (peek(r) == '}') {
            r->p++;
            return 0;
        }
        if (take(r, ',') < 0)
            return -1;
    }
}

int fwdev_json_read(const char *json, size_t len, const struct fwdev_jtable *t, void *out,
                    char *why, size_t whylen)
{
    struct jr r = {json, json, json + len, why, whylen};

    why[0] = '\0';
    if (read_object(&r, t, out, 0) < 0)
        return -1;
    if (peek(&r) >= 0)
        return bad(&r, "text after the object");
    return 0;
}

/* How many bytes of s to send so that at most max are sent and no UTF-8 sequence is cut. */
static size_t cut(const char *s, size_t max)
{
    size_t n = strlen(s);

    if (n <= max)
        return n;
    while (max > 0 && ((unsigned char)s[max] & 0xC0) == 0x80)
        max--;
    return max;
}

int fwdev_json_put(char *out, size_t cap, size_t *n, const char *s, size_t max)
{
    size_t len = cut(s, max);

    if (*n + 1 >= cap)
        return -1;
    out[(*n)++] = '"';
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        char esc[8];
        size_t k;

        if (c == '"' || c == '\\')
            snprintf(esc, sizeof(esc), "\\%c", c);
        else if (c < 0x20 || c == 0x7f)
            snprintf(esc, sizeof(esc), "\\u%04x", c);
        else
            snprintf(esc, sizeof(esc), "%c", c);
        k = strlen(esc);
        if (*n + k + 2 > cap)
            return -1;
        memcpy(out + *n, esc, k);
        *n += k;
    }
    out[(*n)++] = '"';
    out[*n] = '\0';
    return 0;
}
