/* loader.h: what the parts of catalog loading share while a snapshot is being built
 * (internal to src/core: catalog.c and manifest.c). */
#ifndef FWHUB_LOADER_H
#define FWHUB_LOADER_H

#include <stdlib.h>

#include "catalog.h"

/* A growable array of pointers, used while loading. */
struct ptrvec {
    void **v;
    size_t n;
    size_t cap;
};

static inline int ptrvec_push(struct ptrvec *pv, void *p)
{
    if (pv->n == pv->cap) {
        size_t cap = pv->cap ? pv->cap * 2 : 64;
        void **v = realloc(pv->v, cap * sizeof(*v));

        if (!v)
            return -1;
        pv->v = v;
        pv->cap = cap;
    }
    pv->v[pv->n++] = p;
    return 0;
}

struct loader {
    struct catalog *c;
    const char *repo;
    int repo_fd;     /* O_PATH, for checking images without leaving the repository */
    int targeted_fd; /* targeted/, for opening its files by name */
    int flags;
    int64_t now;
    struct problems *pr;
    struct ptrvec targets;
};

/* Reads manifest.json into ld->c->models (sorted by name) and its legacy mac_specific
 * entries into ld->targets. Findings go to ld->pr; returns -1 only when out of memory. */
int manifest_load(struct loader *ld, struct fw_err *err) FW_NODISCARD;

/* Orders struct model by name, for qsort and bsearch. */
int model_cmp(const void *a, const void *b);

#endif
