/* multipart.c: multipart/form-data split into parts, every length bounded, every error
 * naming the part. Pure: no h2o, tested in tests/unit/test_multipart.c. */
#include "multipart.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#define DELIM_MAX (MULTIPART_BOUNDARY_MAX + 4) /* "\r\n--" and the boundary */

static bool boundary_char(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           (c != '\0' && strchr("'()+_,-./:=? ", c) != NULL);
}

int multipart_boundary(const char *ctype, size_t len, char out[MULTIPART_BOUNDARY_MAX + 1],
                       struct fw_err *err)
{
    static const char type[] = "multipart/form-data";
    const char *p = ctype, *end = ctype + len, *b = NULL;
    size_t n = 0;

    if (len < sizeof(type) - 1 || strncasecmp(ctype, type, sizeof(type) - 1) != 0)
        return fw_fail(err, "Content-Type: expected multipart/form-data");
    for (p += sizeof(type) - 1; p + 9 <= end; p++)
        if ((p[-1] == ';' || p[-1] == ' ') && strncasecmp(p, "boundary=", 9) == 0) {
            b = p + 9;
            break;
        }
    if (!b)
        return fw_fail(err, "Content-Type: multipart/form-data without a boundary");
    if (b < end && *b == '"') {
        const char *q = memchr(b + 1, '"', (size_t)(end - b - 1));

        if (!q)
            return fw_fail(err, "Content-Type: the boundary's quote is not closed");
        n = (size_t)(q - b - 1);
        b++;
    } else {
        while (b + n < end && b[n] != ';' && b[n] != ' ')
            n++;
    }
    if (n == 0 || n > MULTIPART_BOUNDARY_MAX)
        return fw_fail(err, "Content-Type: the boundary must be 1 to 70 characters");
    for (size_t i = 0; i < n; i++)
        if (!boundary_char(b[i]))
            return fw_fail(err, "Content-Type: the boundary holds a character RFC 2046 forbids");
    memcpy(out, b, n);
    out[n] = '\0';
    return 0;
}

/* "part N" or "part N (field "name")" for messages. */
static void who(const struct multipart_part *p, size_t idx, char *out, size_t len)
{
    if (p->name[0])
        snprintf(out, len, "part %zu (field \"%s\")", idx + 1, p->name);
    else
        snprintf(out, len, "part %zu", idx + 1);
}

/* Finds parameter key ("name") in a Content-Disposition value h[0..n) and copies its
 * value, quoted or not, into out[cap]. 1 found, 0 absent, -1 too long. */
static int param(const char *h, size_t n, const char *key, char *out, size_t cap)
{
    size_t k = strlen(key);

    for (size_t i = 0; i + k + 1 <= n; i++) {
        size_t j, m = 0;
        bool quoted;

        if ((i > 0 && h[i - 1] != ';' && h[i - 1] != ' ') || strncasecmp(h + i, key, k) != 0 ||
            h[i + k] != '=')
            continue;
        j = i + k + 1;
        quoted = j < n && h[j] == '"';
        j += quoted;
        for (; j < n && (quoted ? h[j] != '"' : h[j] != ';' && h[j] != ' '); j++) {
            if (quoted && h[j] == '\\' && j + 1 < n)
                j++;
            if (m + 1 >= cap)
                return -1;
            out[m++] = h[j];
        }
        out[m] = '\0';
        return 1;
    }
    return 0;
}

/* Reads the header block hs[0..hn) of part idx into p. */
static int headers(const char *hs, size_t hn, struct multipart_part *p, size_t idx,
                   struct fw_err *err)
{
    char w[MULTIPART_NAME_MAX + 40];
    const char *line = hs, *end = hs + hn;
    bool seen = false;

    while (line < end) {
        const char *eol = memmem(line, (size_t)(end - line), "\r\n", 2);
        size_t ln = eol ? (size_t)(eol - line) : (size_t)(end - line);
        static const char cd[] = "content-disposition:";

        if (ln >= sizeof(cd) - 1 && strncasecmp(line, cd, sizeof(cd) - 1) == 0) {
            const char *v = line + sizeof(cd) - 1;
            size_t vn = ln - (sizeof(cd) - 1);
            int r;

            while (vn && *v == ' ')
                v++, vn--;
            if (vn < 9 || strncasecmp(v, "form-data", 9) != 0)
                return who(p, idx, w, sizeof(w)),
                       fw_fail(err, "%s: Content-Disposition is not form-data", w);
            if ((r = param(v, vn, "name", p->name, sizeof(p->name))) < 0)
                return fw_fail(err, "part %zu: field name longer than %d bytes", idx + 1,
                               MULTIPART_NAME_MAX);
            r = param(v, vn, "filename", p->filename, sizeof(p->filename));
            if (r < 0)
                return who(p, idx, w, sizeof(w)), fw_fail(err, "%s: file name longer than %d bytes",
                                                          w, MULTIPART_FILENAME_MAX);
            p->is_file = r == 1;
            seen = true;
        }
        line += ln + 2;
    }
    if (!seen)
        return fw_fail(err, "part %zu: no Content-Disposition header", idx + 1);
    if (!p->name[0])
        return fw_fail(err, "part %zu: Content-Disposition without a field name", idx + 1);
    return 0;
}

int multipart_parse(const char *body, size_t len, const char *boundary,
                    struct multipart_part *parts, size_t max, size_t *n, struct fw_err *err)
{
    char delim[DELIM_MAX + 1], w[MULTIPART_NAME_MAX + 40];
    size_t dn = (size_t)snprintf(delim, sizeof(delim), "\r\n--%s", boundary);
    const char *end = body + len, *p;

    *n = 0;
    /* the first boundary may open the body, without the CRLF before it */
    if (len >= dn - 2 && memcmp(body, delim + 2, dn - 2) == 0)
        p = body + dn - 2;
    else if ((p = memmem(body, len, delim, dn)) != NULL)
        p += dn;
    else
        return fw_fail(err, "body: no opening boundary \"--%s\"", boundary);
    for (;;) {
        struct multipart_part *part;
        const char *hend, *next;

        if (end - p >= 2 && p[0] == '-' && p[1] == '-')
            return 0; /* the closing boundary */
        if (end - p < 2 || p[0] != '\r' || p[1] != '\n')
            return fw_fail(err, "part %zu: the boundary is not followed by a line end", *n + 1);
        p += 2;
        if (*n == max)
            return fw_fail(err, "body: more than %zu parts", max);
        part = &parts[*n];
        memset(part, 0, sizeof(*part));
        hend = memmem(p,
                      (size_t)(end - p) < MULTIPART_HEADERS_MAX + 4 ? (size_t)(end - p)
                                                                    : MULTIPART_HEADERS_MAX + 4,
                      "\r\n\r\n", 4);
        if (!hend && p + 2 <= end && p[0] == '\r' && p[1] == '\n')
            hend = p - 2; /* no headers at all */
        if (!hend)
            return fw_fail(err, "part %zu: no blank line after its headers within %d bytes", *n + 1,
                           MULTIPART_HEADERS_MAX);
        if (headers(p, hend > p ? (size_t)(hend - p) : 0, part, *n, err) < 0)
            return -1;
        p = hend + 4;
        next = memmem(p, (size_t)(end - p), delim, dn);
        if (!next)
            return who(part, *n, w, sizeof(w)),
                   fw_fail(err, "%s: not ended by the boundary (body cut short?)", w);
        part->data = p;
        part->len = (size_t)(next - p);
        (*n)++;
        p = next + dn;
    }
}
