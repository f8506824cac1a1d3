/* problems.c: collecting and printing validation findings. */
#include "problems.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

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
    pr->file = strdup(file ? file : "");
    pr->path = strdup(path ? path : "");
    pr->msg = strdup(msg);
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
