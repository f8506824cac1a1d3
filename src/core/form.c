/* form.c: decoding of HTML form bodies into fixed buffers, text checked. */
#include "form.h"

#include <string.h>

#include "url.h"

/* The length of the UTF-8 sequence at p (1 to 4), or 0 when it is not well-formed:
 * a stray continuation byte, a cut sequence, an overlong form, a surrogate, past U+10FFFF. */
static size_t utf8_len(const unsigned char *p)
{
    unsigned c = p[0];

    if (c < 0x80)
        return 1;
    if (c >= 0xc2 && c <= 0xdf)
        return (p[1] & 0xc0) == 0x80 ? 2 : 0;
    if (c >= 0xe0 && c <= 0xef) {
        unsigned lo = c == 0xe0 ? 0xa0 : 0x80, hi = c == 0xed ? 0x9f : 0xbf;

        return p[1] >= lo && p[1] <= hi && (p[2] & 0xc0) == 0x80 ? 3 : 0;
    }
    if (c >= 0xf0 && c <= 0xf4) {
        unsigned lo = c == 0xf0 ? 0x90 : 0x80, hi = c == 0xf4 ? 0x8f : 0xbf;

        return p[1] >= lo && p[1] <= hi && (p[2] & 0xc0) == 0x80 && (p[3] & 0xc0) == 0x80 ? 4 : 0;
    }
    return 0;
}

/* Checks s as text in place, turning CR LF into LF in a multiline field. */
static bool text_ok(char *s, bool multiline)
{
    const unsigned char *p = (const unsigned char *)s;
    char *w = s;

    while (*p) {
        size_t n = utf8_len(p);

        if (n == 0)
            return false;
        if (*p < 0x20 || *p == 0x7f) {
            if (!multiline || (*p != '\n' && *p != '\r' && *p != '\t'))
                return false;
            if (*p == '\r' && p[1] == '\n') {
                p++;
                continue;
            }
        }
        memmove(w, p, n);
        w += n;
        p += n;
    }
    *w = '\0';
    return true;
}

int form_parse(const char *body, size_t len, struct form_field *f, size_t n, const char **bad)
{
    const char *q = body, *end = body + len;

    *bad = NULL;
    while (q < end) {
        const char *amp = memchr(q, '&', (size_t)(end - q)), *stop = amp ? amp : end;
        const char *eq = memchr(q, '=', (size_t)(stop - q));
        size_t nlen = (size_t)((eq ? eq : stop) - q);

        for (size_t i = 0; i < n; i++) {
            if (nlen != strlen(f[i].name) || memcmp(q, f[i].name, nlen) != 0)
                continue;
            *bad = f[i].name;
            if (f[i].seen)
                return -1;
            f[i].seen = true;
            if (!eq)
                f[i].out[0] = '\0';
            else if (url_unescape(eq + 1, (size_t)(stop - eq - 1), URL_QUERY, f[i].out, f[i].cap) <
                         0 ||
                     !text_ok(f[i].out, f[i].multiline))
                return -1;
            *bad = NULL;
        }
        q = stop + 1;
    }
    return 0;
}

char *form_trim(char *s)
{
    size_t n;

    while (*s == ' ' || *s == '\t')
        s++;
    n = strlen(s);
    while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t'))
        s[--n] = '\0';
    return s;
}
