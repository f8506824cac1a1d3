/* url.c: one percent-decoder for the catalog's URLs, download paths and query values. */
#include "url.h"

#include <string.h>

static int hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

int url_unescape(const char *s, size_t n, int flags, char *out, size_t outlen)
{
    size_t o = 0;

    for (size_t i = 0; i < n; i++) {
        int c = (unsigned char)s[i];

        if (c == '%') {
            int hi = i + 2 < n ? hexval(s[i + 1]) : -1, lo = hi >= 0 ? hexval(s[i + 2]) : -1;

            if (lo < 0)
                return -1;
            c = hi * 16 + lo;
            if (c == 0 || ((flags & URL_PATH) && (c == '/' || c == '.')))
                return -1;
            i += 2;
        } else if (c == '+' && (flags & URL_QUERY)) {
            c = ' ';
        }
        if ((flags & URL_PATH) && (c < 0x20 || c == 0x7f || c == '\\'))
            return -1;
        if (o + 1 >= outlen)
            return -1;
        out[o++] = (char)c;
    }
    out[o] = '\0';
    return (int)o;
}

bool url_plain_components(const char *rel)
{
    const char *s = rel;

    for (;;) {
        size_t n = strcspn(s, "/");

        if (n == 0 || (n == 1 && s[0] == '.') || (n == 2 && s[0] == '.' && s[1] == '.'))
            return false;
        if (!s[n])
            return true;
        s += n + 1;
    }
}
