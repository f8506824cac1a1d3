/* jv.c: a recursive-descent JSON reader with byte-exact error positions. Arrays and objects
 * are gathered on a scratch stack and copied into the arena once their size is known. */
#include "jv.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct parser {
    const char *s;
    size_t len;
    size_t i;
    int line;
    size_t line_start;
    struct arena *arena;
    struct jv_error *e;
    void **stack; /* scratch for elements and members of open containers; keys are stored
                     as the string values that hold them */
    size_t sp;
    size_t cap;
    int depth;
};

FW_PRINTF(2, 3) static int fail(struct parser *p, const char *fmt, ...)
{
    va_list ap;

    if (p->e->msg[0])
        return -1; /* keep the first, innermost error */
    p->e->line = p->line;
    p->e->col = (int)(p->i - p->line_start) + 1;
    va_start(ap, fmt);
    vsnprintf(p->e->msg, sizeof(p->e->msg), fmt, ap);
    va_end(ap);
    return -1;
}

static void skip_ws(struct parser *p)
{
    while (p->i < p->len) {
        char c = p->s[p->i];

        if (c == '\n') {
            p->line++;
            p->line_start = p->i + 1;
        } else if (c != ' ' && c != '\t' && c != '\r') {
            return;
        }
        p->i++;
    }
}

static int push(struct parser *p, void *v)
{
    if (p->sp == p->cap) {
        size_t cap = p->cap ? p->cap * 2 : 256;
        void **st = realloc(p->stack, cap * sizeof(*st));

        if (!st)
            return fail(p, "out of memory");
        p->stack = st;
        p->cap = cap;
    }
    p->stack[p->sp++] = v;
    return 0;
}

static struct jv *new_value(struct parser *p, enum jv_type t)
{
    struct jv *v = arena_alloc(p->arena, sizeof(*v));

    if (!v) {
        fail(p, "out of memory");
        return NULL;
    }
    v->type = t;
    return v;
}

static int parse_value(struct parser *p, struct jv **out);

/* Names the byte at p->i: itself when printable ASCII, else its code, since a message
 * must stay UTF-8 (a byte order mark or a stray Latin-1 byte would not be). */
static int unexpected(struct parser *p)
{
    unsigned char c = (unsigned char)p->s[p->i];

    if (c > 0x20 && c < 0x7f)
        return fail(p, "unexpected character '%c'; expected a value", c);
    return fail(p, "unexpected byte 0x%02X; expected a value", c);
}

static int hex4(struct parser *p, size_t at, unsigned *out)
{
    unsigned v = 0;

    if (at + 4 > p->len)
        return fail(p, "truncated \\u escape");
    for (size_t k = at; k < at + 4; k++) {
        char c = p->s[k];

        v <<= 4;
        if (c >= '0' && c <= '9')
            v |= (unsigned)(c - '0');
        else if (c >= 'a' && c <= 'f')
            v |= (unsigned)(c - 'a' + 10);
        else if (c >= 'A' && c <= 'F')
            v |= (unsigned)(c - 'A' + 10);
        else
            return fail(p, "expected 4 hex digits after \\u");
    }
    *out = v;
    return 0;
}

static size_t put_utf8(char *o, unsigned cp)
{
    if (cp < 0x80) {
        o[0] = (char)cp;
        return 1;
    }
    if (cp < 0x800) {
        o[0] = (char)(0xC0 | (cp >> 6));
        o[1] = (char)(0x80 | (cp & 0x3F));
        return 2;
    }
    if (cp < 0x10000) {
        o[0] = (char)(0xE0 | (cp >> 12));
        o[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
        o[2] = (char)(0x80 | (cp & 0x3F));
        return 3;
    }
    o[0] = (char)(0xF0 | (cp >> 18));
    o[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
    o[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
    o[3] = (char)(0x80 | (cp & 0x3F));
    return 4;
}

/* Length of the valid UTF-8 sequence at s[0..n), or 0 when it is not valid (overlong
 * forms, surrogates and code points above U+10FFFF are not). */
static size_t utf8_len(const unsigned char *s, size_t n)
{
    unsigned cp;
    size_t k;

    if (s[0] < 0xC2 || s[0] > 0xF4)
        return 0;
    k = s[0] < 0xE0 ? 2 : s[0] < 0xF0 ? 3 : 4;
    if (n < k)
        return 0;
    cp = s[0] & (0x7F >> k);
    for (size_t j = 1; j < k; j++) {
        if ((s[j] & 0xC0) != 0x80)
            return 0;
        cp = (cp << 6) | (s[j] & 0x3F);
    }
    if ((k == 3 && cp < 0x800) || (k == 4 && cp < 0x10000) || cp > 0x10FFFF ||
        (cp >= 0xD800 && cp <= 0xDFFF))
        return 0;
    return k;
}

static int escape(struct parser *p, char *o, size_t *olen)
{
    static const char from[] = "\"\\/bfnrt", to[] = "\"\\/\b\f\n\r\t";
    const char *hit;
    unsigned cp, lo;

    p->i++; /* the backslash */
    if (p->i >= p->len)
        return fail(p, "unterminated string");
    hit = strchr(from, p->s[p->i]);
    if (hit && p->s[p->i]) {
        o[(*olen)++] = to[hit - from];
        p->i++;
        return 0;
    }
    if (p->s[p->i] != 'u' && p->s[p->i] > 0x20 && p->s[p->i] < 0x7f)
        return fail(p, "invalid escape \\%c", p->s[p->i]);
    if (p->s[p->i] != 'u') /* a message stays UTF-8: other bytes are named by code */
        return fail(p, "invalid escape: byte 0x%02X after a backslash", (unsigned char)p->s[p->i]);
    if (hex4(p, p->i + 1, &cp) < 0)
        return -1;
    p->i += 5;
    if (cp >= 0xD800 && cp <= 0xDBFF) {
        if (p->i + 6 > p->len || p->s[p->i] != '\\' || p->s[p->i + 1] != 'u' ||
            hex4(p, p->i + 2, &lo) < 0 || lo < 0xDC00 || lo > 0xDFFF)
            return fail(p, "lone UTF-16 surrogate in \\u escape");
        cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
        p->i += 6;
    } else if (cp >= 0xDC00 && cp <= 0xDFFF) {
        return fail(p, "lone UTF-16 surrogate in \\u escape");
    }
    if (cp == 0)
        return fail(p, "\\u0000 is not allowed in strings");
    *olen += put_utf8(o + *olen, cp);
    return 0;
}

/* Copies the plain run s[p->i..to) (no backslash), checking control bytes and UTF-8.
 * Printable ASCII, nearly all of a catalog, is copied in runs with memcpy. */
static int copy_plain(struct parser *p, size_t to, char *o, size_t *olen)
{
    const unsigned char *s = (const unsigned char *)p->s;
    size_t i = p->i, n = *olen;

    while (i < to) {
        size_t run = i, k;

        while (run < to && s[run] >= 0x20 && s[run] < 0x80)
            run++;
        memcpy(o + n, s + i, run - i);
        n += run - i;
        i = run;
        if (i == to)
            break;
        p->i = i;
        if (s[i] < 0x20)
            return fail(p, "control character in string; expected it escaped");
        k = utf8_len(s + i, to - i);
        if (k == 0)
            return fail(p, "invalid UTF-8 in string");
        memcpy(o + n, s + i, k);
        n += k;
        i += k;
    }
    p->i = i;
    *olen = n;
    return 0;
}

/* Parses a string at p->i (the opening quote) into the arena. The closing quote is found
 * with memchr; strings without escapes, the common case, are then copied in one run. */
static int parse_string(struct parser *p, const char **out, size_t *outlen)
{
    size_t start = ++p->i, end, olen = 0;
    const char *q;
    char *o;

    for (end = start;; end++) {
        q = memchr(p->s + end, '"', p->len - end);
        if (!q)
            return fail(p, "unterminated string");
        end = (size_t)(q - p->s);
        size_t bs = 0; /* an escaped quote has an odd number of backslashes before it */

        while (end - bs > start && p->s[end - bs - 1] == '\\')
            bs++;
        if (bs % 2 == 0)
            break;
    }
    o = arena_alloc_raw(p->arena, end - start + 1);
    if (!o)
        return fail(p, "out of memory");

    while (p->i < end) {
        q = memchr(p->s + p->i, '\\', end - p->i);
        if (copy_plain(p, q ? (size_t)(q - p->s) : end, o, &olen) < 0)
            return -1;
        if (q && escape(p, o, &olen) < 0)
            return -1;
    }
    o[olen] = '\0';
    p->i = end + 1;
    *out = o;
    *outlen = olen;
    return 0;
}

static int parse_number(struct parser *p, struct jv **out)
{
    size_t start = p->i;
    bool real = false;
    char buf[72], *end;
    struct jv *v;

    if (p->s[p->i] == '-')
        p->i++;
    if (p->i < p->len && p->s[p->i] == '0')
        p->i++;
    else if (p->i < p->len && p->s[p->i] >= '1' && p->s[p->i] <= '9')
        while (p->i < p->len && p->s[p->i] >= '0' && p->s[p->i] <= '9')
            p->i++;
    else
        return fail(p, "invalid number");
    if (p->i < p->len && p->s[p->i] == '.') {
        real = true;
        if (++p->i >= p->len || p->s[p->i] < '0' || p->s[p->i] > '9')
            return fail(p, "expected a digit after the decimal point");
        while (p->i < p->len && p->s[p->i] >= '0' && p->s[p->i] <= '9')
            p->i++;
    }
    if (p->i < p->len && (p->s[p->i] == 'e' || p->s[p->i] == 'E')) {
        real = true;
        p->i++;
        if (p->i < p->len && (p->s[p->i] == '+' || p->s[p->i] == '-'))
            p->i++;
        if (p->i >= p->len || p->s[p->i] < '0' || p->s[p->i] > '9')
            return fail(p, "expected a digit in the exponent");
        while (p->i < p->len && p->s[p->i] >= '0' && p->s[p->i] <= '9')
            p->i++;
    }
    if (p->i - start >= 64)
        return fail(p, "number longer than 64 characters");
    memcpy(buf, p->s + start, p->i - start);
    buf[p->i - start] = '\0';

    v = new_value(p, real ? JV_REAL : JV_INT);
    if (!v)
        return -1;
    errno = 0;
    if (real)
        v->u.d = strtod(buf, &end);
    else
        v->u.i = strtoll(buf, &end, 10);
    /* strtod also says ERANGE when a tiny real rounds to 0 or a subnormal: that is valid
     * JSON (jansson takes it), so only an overflow to infinity is refused */
    if ((!real && errno == ERANGE) || (real && !isfinite(v->u.d)))
        return fail(p, "number %s is out of range", buf);
    *out = v;
    return 0;
}

static int literal(struct parser *p, const char *word, enum jv_type t, struct jv **out)
{
    size_t n = strlen(word);

    if (p->len - p->i < n || memcmp(p->s + p->i, word, n) != 0)
        return unexpected(p);
    p->i += n;
    *out = new_value(p, t);
    return *out ? 0 : -1;
}

/* How many bytes of the UTF-8 string s, at most max, quote it without cutting a character
 * in two (which would leave the message invalid UTF-8). */
static int excerpt(const char *s, int max)
{
    int n = (int)strnlen(s, (size_t)max);

    if (s[n] == '\0')
        return n;
    while (n > 0 && ((unsigned char)s[n] & 0xC0) == 0x80)
        n--;
    return n;
}

static int cmp_member(const void *a, const void *b)
{
    return strcmp(((const struct jv_member *)a)->key, ((const struct jv_member *)b)->key);
}

/* Finds a repeated key among the n members of a large object by sorting a copy. */
static const char *duplicate_key(const struct jv_member *m, size_t n)
{
    const char *dup = NULL;
    struct jv_member *copy;

    copy = malloc(n * sizeof(*copy));
    if (!copy)
        return NULL;
    memcpy(copy, m, n * sizeof(*copy));
    qsort(copy, n, sizeof(*copy), cmp_member);
    for (size_t a = 1; a < n && !dup; a++)
        if (strcmp(copy[a - 1].key, copy[a].key) == 0)
            dup = copy[a].key;
    free(copy);
    return dup;
}

static int parse_object(struct parser *p, struct jv *v)
{
    size_t base = p->sp, n;
    struct jv_member *m;
    const char *dup;

    p->i++;
    skip_ws(p);
    if (p->i < p->len && p->s[p->i] == '}') {
        p->i++;
        return 0;
    }
    for (;;) {
        struct jv *key, *val;

        skip_ws(p);
        if (p->i >= p->len || p->s[p->i] != '"')
            return fail(p, "expected a string key");
        key = new_value(p, JV_STRING);
        struct parser at = *p;

        if (!key || parse_string(p, &key->u.str.s, &key->u.str.len) < 0)
            return -1;
        /* most objects are small: find a repeated key here, where it can be pointed at */
        for (size_t k = base; k < p->sp && p->sp - base <= 64; k += 2)
            if (strcmp(((struct jv *)p->stack[k])->u.str.s, key->u.str.s) == 0) {
                *p = at;
                return fail(p, "duplicate key \"%.*s\" in an object", excerpt(key->u.str.s, 60),
                            key->u.str.s);
            }
        skip_ws(p);
        if (p->i >= p->len || p->s[p->i] != ':')
            return fail(p, "expected ':' after the key \"%.*s\"", excerpt(key->u.str.s, 40),
                        key->u.str.s);
        p->i++;
        if (parse_value(p, &val) < 0 || push(p, key) < 0 || push(p, val) < 0)
            return -1;
        skip_ws(p);
        if (p->i < p->len && p->s[p->i] == ',') {
            p->i++;
            continue;
        }
        if (p->i < p->len && p->s[p->i] == '}')
            break;
        return fail(p, "expected ',' or '}' in an object");
    }
    n = (p->sp - base) / 2;
    m = arena_alloc(p->arena, n * sizeof(*m));
    if (!m)
        return fail(p, "out of memory");
    for (size_t k = 0; k < n; k++) {
        m[k].key = ((struct jv *)p->stack[base + 2 * k])->u.str.s;
        m[k].val = p->stack[base + 2 * k + 1];
    }
    p->sp = base;
    dup = n > 32 ? duplicate_key(m, n) : NULL;
    if (dup)
        return fail(p, "duplicate key \"%.*s\" in an object", excerpt(dup, 60), dup);
    p->i++;
    v->u.obj.members = m;
    v->u.obj.n = n;
    return 0;
}

static int parse_array(struct parser *p, struct jv *v)
{
    size_t base = p->sp, n;
    struct jv **items;

    p->i++;
    skip_ws(p);
    if (p->i < p->len && p->s[p->i] == ']') {
        p->i++;
        return 0;
    }
    for (;;) {
        struct jv *item;

        if (parse_value(p, &item) < 0 || push(p, item) < 0)
            return -1;
        skip_ws(p);
        if (p->i < p->len && p->s[p->i] == ',') {
            p->i++;
            continue;
        }
        if (p->i < p->len && p->s[p->i] == ']')
            break;
        return fail(p, "expected ',' or ']' in an array");
    }
    n = p->sp - base;
    items = arena_alloc(p->arena, n * sizeof(*items));
    if (!items)
        return fail(p, "out of memory");
    memcpy(items, p->stack + base, n * sizeof(*items));
    p->sp = base;
    p->i++;
    v->u.arr.items = items;
    v->u.arr.n = n;
    return 0;
}

static int parse_value(struct parser *p, struct jv **out)
{
    struct jv *v;
    int rc;

    skip_ws(p);
    if (p->i >= p->len)
        return fail(p, "unexpected end of text; expected a value");
    switch (p->s[p->i]) {
    case '{':
    case '[':
        if (++p->depth > JV_MAX_DEPTH)
            return fail(p, "nested deeper than %d levels", JV_MAX_DEPTH);
        v = new_value(p, p->s[p->i] == '{' ? JV_OBJECT : JV_ARRAY);
        if (!v)
            return -1;
        rc = v->type == JV_OBJECT ? parse_object(p, v) : parse_array(p, v);
        p->depth--;
        *out = v;
        return rc;
    case '"':
        v = new_value(p, JV_STRING);
        *out = v;
        return v ? parse_string(p, &v->u.str.s, &v->u.str.len) : -1;
    case 't':
        return literal(p, "true", JV_TRUE, out);
    case 'f':
        return literal(p, "false", JV_FALSE, out);
    case 'n':
        return literal(p, "null", JV_NULL, out);
    default:
        if (p->s[p->i] == '-' || (p->s[p->i] >= '0' && p->s[p->i] <= '9'))
            return parse_number(p, out);
        return unexpected(p);
    }
}

int jv_parse(const char *text, size_t len, struct arena *arena, struct jv **out, struct jv_error *e)
{
    struct parser p = {.s = text, .len = len, .line = 1, .arena = arena, .e = e};
    int rc;

    e->msg[0] = '\0';
    *out = NULL;
    rc = parse_value(&p, out);
    if (rc == 0) {
        skip_ws(&p);
        if (p.i < p.len)
            rc = fail(&p, "unexpected text after the JSON value");
    }
    free(p.stack);
    if (rc < 0)
        *out = NULL;
    return rc;
}

const struct jv *jv_get(const struct jv *o, const char *key)
{
    if (!o || o->type != JV_OBJECT)
        return NULL;
    for (size_t k = 0; k < o->u.obj.n; k++)
        if (strcmp(o->u.obj.members[k].key, key) == 0)
            return o->u.obj.members[k].val;
    return NULL;
}

const char *jv_type_name(enum jv_type t)
{
    switch (t) {
    case JV_OBJECT:
        return "an object";
    case JV_ARRAY:
        return "an array";
    case JV_STRING:
        return "a string";
    case JV_INT:
        return "an integer";
    case JV_REAL:
        return "a number";
    case JV_TRUE:
    case JV_FALSE:
        return "true or false";
    case JV_NULL:
        return "null";
    }
    return "a value";
}
