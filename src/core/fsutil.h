/* fsutil.h: crash-safe file writes, bounded reads, and paths that stay inside a repository. */
#ifndef FWHUB_FSUTIL_H
#define FWHUB_FSUTIL_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "error.h"

/* What the writes and the move below return besides 0 and -1: the change was made (the
 * rename happened, so the destination holds the new content and the source name is gone),
 * but the fsync of a directory after it failed, so a crash may still undo it. It is below
 * 0: a caller that tests `< 0` treats it as the failure it is; one that wants the change
 * all or nothing takes it back (fs_replace_atomic does for writes). */
#define FS_NOT_DURABLE (-2)

/* Writes len bytes to path atomically: a temporary file ".<name>.tmp.XXXXXX" in the same
 * directory, fsync, rename over path, fsync of the directory. mode is the new file's
 * permission bits exactly (the umask does not apply). The temporary file never stays.
 * Returns 0 (written and durable); -1 with "cannot write <path>: <system error>" when path
 * is untouched; or FS_NOT_DURABLE with "cannot write <path>: fsync of <dir>: <system
 * error>" when path already holds the new content. */
int fs_write_atomic(const char *path, const void *data, size_t len, mode_t mode,
                    struct fw_err *err) FW_NODISCARD;

/* As fs_write_atomic, all or nothing: when the new content is in place but not durable,
 * puts back what path held before, which the caller read: prev (prev_len bytes, written
 * again with mode), or no file when prev is NULL. Returns 0; -1 when path holds its
 * previous content ("cannot write <path>: ...", ending in "; the previous content was put
 * back" or "; the new file was removed" after a failed directory fsync); or
 * FS_NOT_DURABLE when the previous content could not be put back either, so that path
 * holds the new content ("...; the new content stays in place, since putting back the
 * previous one failed too: <system error>"). A crash right after a put-back may show
 * either content, each whole. */
int fs_replace_atomic(const char *path, const void *data, size_t len, const void *prev,
                      size_t prev_len, mode_t mode, struct fw_err *err) FW_NODISCARD;

/* Copies the regular file src to dst atomically (as fs_write_atomic, with its results),
 * streaming in 64 KiB chunks. Fails with "cannot read <src>: ..." (dst untouched) or
 * "cannot write <dst>: ...". */
int fs_copy_atomic(const char *src, const char *dst, mode_t mode, struct fw_err *err) FW_NODISCARD;

/* Reads a whole regular file of at most max bytes into a malloc'd, NUL-terminated
 * buffer (*out, owned by the caller; *len excludes the NUL). Refuses anything that is
 * not a regular file ("<path> is not a regular file"; a FIFO does not block the call)
 * and files larger than max ("<path> is N bytes, more than the limit of M"), also when
 * the file grows past max while it is read. Symlinks are followed: call
 * fs_resolve_inside first for paths from a repository. *out and *len are written only
 * on success. */
int fs_read_file(const char *path, size_t max, char **out, size_t *len,
                 struct fw_err *err) FW_NODISCARD;

/* As fs_read_file, for path relative to the directory dirfd (or AT_FDCWD), opened with
 * the extra open flags (O_NOFOLLOW, say). Messages name path as given. */
int fs_read_at(int dirfd, const char *path, int flags, size_t max, char **out, size_t *len,
               struct fw_err *err) FW_NODISCARD;

/* Creates dir and its missing parents (mode 0755), like mkdir -p; each new directory is
 * fsynced into its parent. An existing directory is fine; a file in the way is not. On
 * failure the directories it made stay, empty. */
int fs_mkdirs(const char *dir, struct fw_err *err) FW_NODISCARD;

/* Renames src to dst and fsyncs both directories, dst's first; refuses to replace an
 * existing dst ("File exists"). Uses renameat2(RENAME_NOREPLACE); where the file system
 * lacks it, link and unlink, which work for files but not for directories. Returns 0; -1
 * with "cannot move <src> to <dst>: <system error>" when nothing moved; or FS_NOT_DURABLE
 * with "cannot move <src> to <dst>: fsync of <dir>: <system error>" when src is already
 * at dst (moving it back with fs_move undoes it). */
int fs_move(const char *src, const char *dst, struct fw_err *err) FW_NODISCARD;

/* Checks that repo-relative path rel (no leading '/', no "..", no empty or "."
 * components, no backslash or NUL) resolves, symlinks followed, to a location inside
 * repo: "<rel> leads outside the repository (symlink to <target>)" otherwise. The last
 * components may not exist yet (a file about to be written), but a dangling symlink is
 * refused, since writing through it would create its target. Writes the joined path
 * repo/rel (not the resolved one) into out. Returns 0, or -1 naming why.
 * The check holds when it is made: a symlink swapped in afterwards is not caught, which
 * matters only if someone who can write the repository races the reader. */
int fs_resolve_inside(const char *repo, const char *rel, char *out, size_t outlen,
                      struct fw_err *err) FW_NODISCARD;

/* Joins a and b with one '/' into out, however many a ends or b starts with; an empty a
 * gives b, "/" gives "/b". Returns -1 when it does not fit (NUL included). */
int fs_join(char *out, size_t outlen, const char *a, const char *b) FW_NODISCARD;

#endif
