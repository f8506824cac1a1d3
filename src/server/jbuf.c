/* jbuf.c: bounded buffer growth and JSON string escaping. */
#include "jbuf.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void jbuf_init(struct jbuf *b, size_t max)
{
    memset(b, 0, sizeof(*b));
    b->max = max;
}

void jbuf_free(struct jbuf *b)
{
    free(b->p);
    memset(b, 0, sizeof(*b));
}

void jbuf_reset(struct jbuf *b)
{
    b->len = 0;
    b->overflow = false;
}

static bool reserve(struct jbuf *b, size_t n)
{
    size_t want, cap;
    char *p;

    if (b->overflow)
        return false;
    if (n > b->max - b->len) {
        b->overflow = true;
        return false;
    }
    want = b->len + n + 1;
    if (want <= b->cap)
        return true;
    cap = b->cap ? b->cap : 1024;
    while (cap < want)
        cap *= 2;
    p = realloc(b->p, cap);
    if (!p) {
        b->overflow = true;
        return false;
    }
    b->p = p;
    b->cap = cap;
    return true;
}

void jbuf_raw(struct jbuf *b, const char *s, size_t n)
{
    if (!reserve(b, n))
        return;
    memcpy(b->p + b->len, s, n);
    b->len += n;
    b->p[b->len] = '\0';
}

void jbuf_cstr(struct jbuf *b, const char *s)
{
    jbuf_raw(b, s, strlen(s));
}

static void escape_char(struct jbuf *b, unsigned char c)
{
    static const char hex[] = "0123456789abcdef";
    char u[6] = {'\\', 'u', '0', '0', hex[c >> 4], hex[c & 15]};

    switch (c) {
    case '"':
        jbuf_raw(b, "\\\"", 2);
        break;
    case '\\':
        jbuf_raw(b, "\\\\", 2);
        break;
    case '\n':
        jbuf_raw(b, "\\n", 2);
        break;
    case '\r':
        jbuf_raw(b, "\\r", 2);
        break;
    case '\t':
        jbuf_raw(b, "\\t", 2);
        break;
    default:
        jbuf_raw(b, u, sizeof(u));
    }
}

void jbuf_str(struct jbuf *b, const char *s)
{
    size_t run = 0;

    if (!s) {
        jbuf_raw(b, "null", 4);
        return;
    }
    jbuf_raw(b, "\"", 1);
    /* copy runs of plain bytes at once; the catalog was read as valid UTF-8 by jansson */
    for (size_t i = 0;; i++) {
        unsigned char c = (unsigned char)s[i];

        if (c != 0 && c >= 0x20 && c != '"' && c != '\\')
            continue;
        jbuf_raw(b, s + run, i - run);
        if (c == 0)
            break;
        escape_char(b, c);
        run = i + 1;
    }
    jbuf_raw(b, "\"", 1);
}

void jbuf_u64(struct jbuf *b, uint64_t v)
{
    char tmp[24];
    int n = snprintf(tmp, sizeof(tmp), "%llu", (unsigned long long)v);

    jbuf_raw(b, tmp, (size_t)n);
}

void jbuf_printf(struct jbuf *b, const char *fmt, ...)
{
    va_list ap, again;
    int n;

    va_start(ap, fmt);
    va_copy(again, ap);
    n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n > 0 && reserve(b, (size_t)n)) {
        vsnprintf(b->p + b->len, (size_t)n + 1, fmt, again);
        b->len += (size_t)n;
    }
    va_end(again);
}

void jbuf_key(struct jbuf *b, const char *key, bool first)
{
    if (!first)
        jbuf_raw(b, ",", 1);
    jbuf_str(b, key);
    jbuf_raw(b, ":", 1);
}

static bool url_plain(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
           c == '.' || c == '_' || c == '~' || c == '/';
}

void jbuf_urlpath(struct jbuf *b, const char *s, size_t n)
{
    static const char hex[] = "0123456789ABCDEF";

    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        char esc[3] = {'%', hex[c >> 4], hex[c & 15]};

        if (url_plain(c))
            jbuf_raw(b, (const char *)&s[i], 1);
        else
            jbuf_raw(b, esc, 3);
    }
}
