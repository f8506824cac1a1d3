/* arena.h: a region allocator; everything in a catalog snapshot lives in one and is freed at once.
 */
#ifndef FWHUB_ARENA_H
#define FWHUB_ARENA_H

#include <stddef.h>

struct arena_block;

struct arena {
    struct arena_block *head;
    size_t used_bytes;     /* bytes handed out, for memory accounting */
    size_t reserved_bytes; /* bytes obtained from malloc */
};

/* Returns zeroed memory aligned for any type, or NULL when out of memory. The memory
 * belongs to the arena and is released by arena_free. */
void *arena_alloc(struct arena *a, size_t size);

/* As arena_alloc, without zeroing: for memory the caller fills at once. */
void *arena_alloc_raw(struct arena *a, size_t size);

/* Copies s (len bytes, then a NUL) into the arena. NULL s gives NULL. */
char *arena_strndup(struct arena *a, const char *s, size_t len);
char *arena_strdup(struct arena *a, const char *s);

/* Forgets everything allocated but keeps the newest block, so an arena used for one
 * short-lived document after another does not go back to malloc each time. */
void arena_reset(struct arena *a);

/* Moves every block of src into dst (src is left empty). What was allocated from src stays
 * valid and is now released with dst. */
void arena_adopt(struct arena *dst, struct arena *src);

/* Releases every block; the arena can be used again afterwards. */
void arena_free(struct arena *a);

#endif
