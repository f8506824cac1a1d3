/* arena.c: bump allocation in growing blocks. */
#include "arena.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define BLOCK_MIN (64 * 1024)
#define ALIGN     16

struct arena_block {
    struct arena_block *next;
    size_t size;
    size_t used;
    _Alignas(ALIGN) unsigned char data[];
};

void *arena_alloc(struct arena *a, size_t size)
{
    void *p = arena_alloc_raw(a, size);

    if (p)
        memset(p, 0, size);
    return p;
}

void *arena_alloc_raw(struct arena *a, size_t size)
{
    struct arena_block *b = a->head;
    size_t need = (size + ALIGN - 1) & ~(size_t)(ALIGN - 1);

    if (size > SIZE_MAX / 2)
        return NULL;
    if (!b || b->size - b->used < need) {
        size_t cap = need > BLOCK_MIN ? need : BLOCK_MIN;

        b = malloc(sizeof(*b) + cap);
        if (!b)
            return NULL;
        b->next = a->head;
        b->size = cap;
        b->used = 0;
        a->head = b;
        a->reserved_bytes += sizeof(*b) + cap;
    }

    void *p = b->data + b->used;

    b->used += need;
    a->used_bytes += need;
    return p;
}

char *arena_strndup(struct arena *a, const char *s, size_t len)
{
    char *p;

    if (!s)
        return NULL;
    p = arena_alloc_raw(a, len + 1);
    if (!p)
        return NULL;
    memcpy(p, s, len);
    p[len] = '\0';
    return p;
}

char *arena_strdup(struct arena *a, const char *s)
{
    return s ? arena_strndup(a, s, strlen(s)) : NULL;
}

void arena_free(struct arena *a)
{
    struct arena_block *b = a->head;

    while (b) {
        struct arena_block *next = b->next;

        free(b);
        b = next;
    }
    a->head = NULL;
    a->used_bytes = 0;
    a->reserved_bytes = 0;
}

void arena_reset(struct arena *a)
{
    struct arena_block *keep = a->head;

    if (!keep)
        return;
    a->head = keep->next;
    arena_free(a);
    keep->next = NULL;
    keep->used = 0;
    a->head = keep;
    a->used_bytes = 0;
    a->reserved_bytes = sizeof(*keep) + keep->size;
}

void arena_adopt(struct arena *dst, struct arena *src)
{
    struct arena_block *tail = src->head;

    if (!tail)
        return;
    while (tail->next)
        tail = tail->next;
    tail->next = dst->head;
    dst->head = src->head;
    dst->used_bytes += src->used_bytes;
    dst->reserved_bytes += src->reserved_bytes;
    src->head = NULL;
    src->used_bytes = 0;
    src->reserved_bytes = 0;
}
