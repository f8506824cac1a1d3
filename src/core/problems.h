/* problems.h: the list of validation findings, each naming file, line, column and field. */
#ifndef FWHUB_PROBLEMS_H
#define FWHUB_PROBLEMS_H

#include <stdio.h>
#include <stddef.h>

#include "error.h"

enum severity { SEV_ERROR, SEV_WARNING };

/* One finding: "file:line:col: path: message". line and col are 0 when unknown
 * (the finding is about the whole file); path is "" when it concerns no field. */
struct problem {
    enum severity sev;
    char *file;
    int line;
    int col;
    char *path;
    char *msg;
    size_t seq; /* insertion order, for a stable sort */
};

struct problems {
    struct problem *v;
    size_t n;
    size_t cap;
    size_t errors;
    size_t warnings;
    size_t dropped; /* findings not kept because the list reached PROBLEMS_MAX */
};

#define PROBLEMS_MAX 10000

/* Appends a finding; copies every string, writing control bytes and bytes that are not
 * UTF-8 as "\xHH" so that a finding is one line of UTF-8. Never fails: when memory runs out or the
 * list is full, the finding is counted in `dropped` (and in errors/warnings). */
void problems_add(struct problems *p, enum severity sev, const char *file, int line, int col,
                  const char *path, const char *fmt, ...) FW_PRINTF(7, 8);

/* Formats one finding as a single line (no newline) into buf. */
void problem_format(const struct problem *pr, char *buf, size_t len);

/* Prints every finding, one per line, with "warning: " before warnings. */
void problems_print(const struct problems *p, FILE *out);

/* Appends every finding of src to dst, in order, and empties src. */
void problems_move(struct problems *dst, struct problems *src);

/* Orders the findings by file, line and column, keeping the order of equal ones. */
void problems_sort(struct problems *p);

void problems_free(struct problems *p);

#endif
