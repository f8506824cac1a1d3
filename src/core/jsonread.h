/* jsonread.h: typed reading of JSON fields with findings that name file:line:column and path. */
#ifndef FWHUB_JSONREAD_H
#define FWHUB_JSONREAD_H

#include "jv.h"
#include <stdbool.h>
#include <stdint.h>

#include "arena.h"
#include "problems.h"

#define JPATH_LEN 256

/* One file being read: where findings go and where kept strings are allocated. text is
 * the file's contents, scanned again for a position only when a finding is made. */
struct jreader {
    const char *file;
    const char *text;
    size_t len;
    struct arena *arena;
    struct problems *pr;
    bool errors; /* an error was reported */
    bool oom;    /* an allocation failed */
};

void jr_error(struct jreader *r, const char *path, const char *fmt, ...) FW_PRINTF(3, 4);
void jr_warn(struct jreader *r, const char *path, const char *fmt, ...) FW_PRINTF(3, 4);

/* out = parent + "." + key (or key alone at the root), truncated to JPATH_LEN. */
void jr_join(char *out, const char *parent, const char *key);

/* The member key of obj when it has type want (JV_TRUE stands for any boolean);
 * reports a wrong type, and a missing member when required. */
const struct jv *jr_member(struct jreader *r, const struct jv *obj, const char *parent,
                           const char *key, enum jv_type want, bool required);

/* The string member copied into the arena, or NULL; a required one must not be empty. */
const char *jr_str(struct jreader *r, const struct jv *obj, const char *parent, const char *key,
                   bool required);

/* A boolean member; false when absent or of another type (which is reported). */
bool jr_bool(struct jreader *r, const struct jv *obj, const char *parent, const char *key);

/* An array of strings copied into the arena; *n is set to the number kept. */
const char **jr_str_array(struct jreader *r, const struct jv *obj, const char *parent,
                          const char *key, size_t *n);

/* Reports each key of obj that is not in known (NULL-terminated) as a warning. */
void jr_unknown_keys(struct jreader *r, const struct jv *obj, const char *parent,
                     const char *const *known);

/* Parses the ISO 8601 date s read from parent.key; reports a bad one. 0 when absent
 * or bad. */
int64_t jr_date(struct jreader *r, const char *s, const char *parent, const char *key);

/* Copies s into the arena, noting a failed allocation. */
const char *jr_copy(struct jreader *r, const char *s);

/* Reads "sha256:<hex>" or "<hex>" at path into hex[65] (lower case); reports other forms.
 * Returns true when it was well-formed. */
bool jr_sha256(struct jreader *r, const char *s, const char *path, bool prefixed, char hex[65]);

#endif
