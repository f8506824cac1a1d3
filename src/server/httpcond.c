/* httpcond.c: parsing of Range, If-None-Match and If-Range values; pure functions. */
#include "httpcond.h"

#include <string.h>
#include <strings.h>

static bool is_ows(char c)
{
    return c == ' ' || c == '\t';
}

/* The element between p and end without the white space around it, in *a and *b. */
static void trim(const char *p, const char *end, const char **a, const char **b)
{
    while (p < end && is_ows(*p))
        p++;
    while (end > p && is_ows(end[-1]))
        end--;
    *a = p;
    *b = end;
}

/* A decimal number at *p (at least one digit, no overflow); *p moves past it. */
static bool digits(const char **p, const char *end, uint64_t *out)
{
    const char *s = *p;
    uint64_t v = 0;

    if (s == end || *s < '0' || *s > '9')
        return false;
    for (; s < end && *s >= '0' && *s <= '9'; s++) {
        if (v > (UINT64_MAX - 9) / 10)
            return false;
        v = v * 10 + (uint64_t)(*s - '0');
    }
    *p = s;
    *out = v;
    return true;
}

/* One range-spec, p to end trimmed: -1 bad syntax, 0 outside the representation, 1 in r. */
static int one_spec(const char *p, const char *end, uint64_t size, struct httpcond_range *r)
{
    uint64_t a, b = UINT64_MAX;

    if (*p == '-') { /* suffix-range: the last b bytes */
        p++;
        if (!digits(&p, end, &b) || p != end)
            return -1;
        if (b == 0 || size == 0)
            return 0;
        r->first = b >= size ? 0 : size - b;
        r->last = size - 1;
        return 1;
    }
    if (!digits(&p, end, &a) || p == end || *p++ != '-')
        return -1;
    if (p != end && (!digits(&p, end, &b) || p != end || b < a))
        return -1;
    if (a >= size)
        return 0;
    r->first = a;
    r->last = b >= size ? size - 1 : b;
    return 1;
}

enum httpcond_ranges_verdict httpcond_ranges(const char *v, size_t n, uint64_t size,
                                             struct httpcond_range *out, size_t *count)
{
    const char *p, *end = v + n;
    size_t specs = 0;

    *count = 0;
    if (n < 6 || strncasecmp(v, "bytes=", 6) != 0)
        return HTTPCOND_WHOLE;
    for (p = v + 6;;) {
        const char *comma = memchr(p, ',', (size_t)(end - p)), *stop = comma ? comma : end;
        const char *a, *b;

        trim(p, stop, &a, &b);
        if (a < b) { /* empty list elements are allowed */
            int rc;

            if (++specs > HTTPCOND_RANGES_MAX || (rc = one_spec(a, b, size, &out[*count])) < 0) {
                *count = 0;
                return HTTPCOND_WHOLE;
            }
            *count += (size_t)rc;
        }
        if (!comma)
            break;
        p = comma + 1;
    }
    if (specs == 0)
        return HTTPCOND_WHOLE;
    return *count ? HTTPCOND_PARTIAL : HTTPCOND_UNSATISFIABLE;
}

/* The next entity tag of a list at *p: its quoted part in *tag and *len (W/ skipped). False
 * at the end of the list or at something that is not an entity tag. */
static bool next_tag(const char **p, const char *end, const char **tag, size_t *len, bool *weak)
{
    const char *s = *p, *close;

    while (s < end && (is_ows(*s) || *s == ','))
        s++;
    *weak = end - s >= 2 && s[0] == 'W' && s[1] == '/';
    if (*weak)
        s += 2;
    if (s >= end || *s != '"' || !(close = memchr(s + 1, '"', (size_t)(end - s - 1))))
        return false;
    *tag = s;
    *len = (size_t)(close - s) + 1;
    *p = close + 1;
    return true;
}

bool httpcond_none_match_hits(const char *v, size_t n, const char *etag)
{
    const char *p, *end, *tag;
    size_t len, elen = strlen(etag);
    bool weak;

    trim(v, v + n, &p, &end);
    if (end - p == 1 && *p == '*')
        return true;
    while (next_tag(&p, end, &tag, &len, &weak))
        if (len == elen && memcmp(tag, etag, len) == 0)
            return true;
    return false;
}

bool httpcond_if_range_holds(const char *v, size_t n, const char *etag, const char *last_modified)
{
    const char *a, *b;

    trim(v, v + n, &a, &b);
    if (a < b && *a == '"') /* a strong entity tag; a weak one never holds */
        return (size_t)(b - a) == strlen(etag) && memcmp(a, etag, strlen(etag)) == 0;
    if (b - a >= 2 && a[0] == 'W' && a[1] == '/')
        return false;
    return (size_t)(b - a) == strlen(last_modified) &&
           memcmp(a, last_modified, (size_t)(b - a)) == 0;
}
