/* fsutil.h: crash-safe file writes, bounded reads, and paths that stay inside a repository. */
#ifndef FWHUB_FSUTIL_H
#define FWHUB_FSUTIL_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "error.h"

/* Writes len bytes to path atomically: a temporary file in the same directory, fsync,
 * rename over path, fsync of the directory. On any failure the temporary file is
 * removed and path is untouched. mode is the new file's permission bits.
 * Returns 0 or -1 with a message naming the path and the system error. */
int fs_write_atomic(const char *path, const void *data, size_t len, mode_t mode,
                    struct fw_err *err) FW_NODISCARD;

/* Copies src to dst atomically (as fs_write_atomic), streaming. */
int fs_copy_atomic(const char *src, const char *dst, mode_t mode, struct fw_err *err) FW_NODISCARD;

/* Reads a whole regular file of at most max bytes into a malloc'd, NUL-terminated
 * buffer (*out, owned by the caller; *len excludes the NUL). Refuses anything that is
 * not a regular file and files larger than max, naming the size and the limit. */
int fs_read_file(const char *path, size_t max, char **out, size_t *len,
                 struct fw_err *err) FW_NODISCARD;

/* Creates dir and its missing parents (mode 0755). */
int fs_mkdirs(const char *dir, struct fw_err *err) FW_NODISCARD;

/* Renames src to dst and fsyncs both directories; refuses to replace an existing dst. */
int fs_move(const char *src, const char *dst, struct fw_err *err) FW_NODISCARD;

/* Checks that repo-relative path rel (no leading '/', no "..", no empty or "."
 * components, no backslash or NUL) resolves, symlinks followed, to a location inside
 * repo. Writes the joined path into out. Returns 0, or -1 naming why. */
int fs_resolve_inside(const char *repo, const char *rel, char *out, size_t outlen,
                      struct fw_err *err) FW_NODISCARD;

/* Joins a and b with one '/' into out; -1 when it does not fit. */
int fs_join(char *out, size_t outlen, const char *a, const char *b) FW_NODISCARD;

#endif
