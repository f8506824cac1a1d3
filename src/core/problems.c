/* problems.c: collecting and printing validation findings. */
#include "problems.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

/* Length of the valid UTF-8 sequence of a printable character at s (NUL-terminated), or 0
 * for a control byte or a byte that is not valid UTF-8 there. */
static size_t char_len(const unsigned char *s)
{
    unsigned cp;
    size_t k;

    if (s[0] < 0x80)
        return s[0] >= 0x20 && s[0] != 0x7f;
    if (s[0] < 0xC2 || s[0] > 0xF4)
        return 0;
    k = s[0] < 0xE0 ? 2 : s[0] < 0xF0 ? 3 : 4;
    cp = s[0] & (0x7Fu >> k);
    for (size_t j = 1; j < k; j++) { /* a NUL ends the loop: it is no continuation byte */
        if ((s[j] & 0xC0) != 0x80)
            return 0;
        cp = (cp << 6) | (s[j] & 0x3F);
    }
    if ((k == 3 && cp < 0x800) || (k == 4 && cp < 0x10000) || cp > 0x10FFFF ||
        (cp >= 0xD800 && cp <= 0xDFFF))
        return 0;
    return k;
}

/* A malloc'd copy of s in which control bytes and bytes that are not UTF-8 read "\xHH".
 * Findings quote outside input (a CSV header, a file name), and they must stay one line
 * of UTF-8: `fwhub validate --json` hands them to jansson, which takes nothing else. */
static char *dup_printable(const char *s)
{
    const unsigned char *u = (const unsigned char *)s;
    size_t n = strlen(s), i = 0, o = 0, k;
    char *d;

    while (i < n && (k = char_len(u + i)) > 0)
        i += k;
    if (i == n)
        return strdup(s);
    d = malloc(4 * n + 1);
    if (!d)
        return NULL;
    for (i = 0; i < n; i += k ? k : 1) {
        k = char_len(u + i);
        if (k) {
            memcpy(d + o, s + i, k);
            o += k;
        } else {
            snprintf(d + o, 5, "\\x%02X", u[i]);
            o += 4;
        }
    }
    d[o] = '\0';
    return d;
}

void problems_add(struct problems *p, enum severity sev, const char *file, int line, int col,
                  const char *path, const char *fmt, ...)
{
    char msg[FW_ERRLEN];
    struct problem *pr;
    va_list ap;

    if (sev == SEV_ERROR)
        p->errors++;
    else
        p->warnings++;

    if (p->n >= PROBLEMS_MAX)
        goto dropped;
    if (p->n == p->cap) {
        size_t cap = p->cap ? p->cap * 2 : 8;
        struct problem *v = realloc(p->v, cap * sizeof(*v));

        if (!v)
            goto dropped;
        p->v = v;
        p->cap = cap;
    }

    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);

    pr = &p->v[p->n];
    pr->sev = sev;
    pr->seq = p->n;
    pr->line = line;
    pr->col = col;
    pr->file = dup_printable(file ? file : "");
    pr->path = dup_printable(path ? path : "");
    pr->msg = dup_printable(msg);
    if (!pr->file || !pr->path || !pr->msg) {
        free(pr->file);
        free(pr->path);
        free(pr->msg);
        goto dropped;
    }
    p->n++;
    return;

dropped:
    p->dropped++;
}

void problem_format(const struct problem *pr, char *buf, size_t len)
{
    char where[64] = "";

    if (pr->line > 0)
        snprintf(where, sizeof(where), ":%d:%d", pr->line, pr->col);
    snprintf(buf, len, "%s%s: %s%s%s%s", pr->file, where, pr->sev == SEV_WARNING ? "warning: " : "",
             pr->path, pr->path[0] ? ": " : "", pr->msg);
}

void problems_print(const struct problems *p, FILE *out)
{
    char line[3 * FW_ERRLEN];

    for (size_t i = 0; i < p->n; i++) {
        problem_format(&p->v[i], line, sizeof(line));
        fprintf(out, "%s\n", line);
    }
    if (p->dropped)
        fprintf(out, "(%zu further findings not shown)\n", p->dropped);
}

void problems_free(struct problems *p)
{
    for (size_t i = 0; i < p->n; i++) {
        free(p->v[i].file);
        free(p->v[i].path);
        free(p->v[i].msg);
    }
    free(p->v);
    memset(p, 0, sizeof(*p));
}

/* Insertion order breaks ties, so sorting is stable and findings about one field keep
 * the order in which they were made. */
static int cmp_problem(const void *a, const void *b)
{
    const struct problem *x = a, *y = b;
    int c = strcmp(x->file, y->file);

    if (c)
        return c;
    if (x->line != y->line)
        return x->line < y->line ? -1 : 1;
    if (x->col != y->col)
        return x->col < y->col ? -1 : 1;
    return x->seq < y->seq ? -1 : x->seq > y->seq;
}

void problems_sort(struct problems *p)
{
    if (p->n > 1)
        qsort(p->v, p->n, sizeof(*p->v), cmp_problem);
}

void problems_move(struct problems *dst, struct problems *src)
{
    size_t room = dst->cap - dst->n;

    if (room < src->n) {
        size_t cap = dst->n + src->n;
        struct problem *v = realloc(dst->v, cap * sizeof(*v));

        if (!v) { /* keep the counts, lose the details */
            dst->dropped += src->n;
            goto counts;
        }
        dst->v = v;
        dst->cap = cap;
    }
    for (size_t i = 0; i < src->n; i++) {
        dst->v[dst->n] = src->v[i];
        dst->v[dst->n].seq = dst->n;
        dst->n++;
    }
    free(src->v);
    src->v = NULL;
    src->n = src->cap = 0;

counts:
    dst->errors += src->errors;
    dst->warnings += src->warnings;
    dst->dropped += src->dropped;
    problems_free(src);
}
