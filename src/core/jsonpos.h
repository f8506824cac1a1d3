/* jsonpos.h: where in a JSON text a field sits, for messages that name line and column. */
#ifndef FWHUB_JSONPOS_H
#define FWHUB_JSONPOS_H

#include <stddef.h>

/* Finds the field named by path ("devices[0].security.checksum", "" for the root) in
 * text, which must be well-formed JSON (jansson already accepted it). For an object
 * member the position is that of its key; for an array element, of the element. When
 * the field is absent, the position of the deepest part of the path that exists is
 * given, so a missing field points at the object that lacks it. line and col are
 * 1-based; col counts bytes. */
void jsonpos_find(const char *text, size_t len, const char *path, int *line, int *col);

#endif
