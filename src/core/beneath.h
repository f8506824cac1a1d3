/* beneath.h: looking at files of a repository without ever leaving it, in one path walk. */
#ifndef FWHUB_BENEATH_H
#define FWHUB_BENEATH_H

#include <sys/stat.h>

#include "error.h"

/* stat()s repo/rel (dirfd: an O_PATH descriptor of repo, or -1 to open it here), following symlinks
 * only while they stay inside repo. Uses Linux's openat2(RESOLVE_BENEATH), one path walk; on
 * kernels without it, falls back to resolving both paths with realpath. Returns 0, or -1 with errno
 * set (EXDEV: rel leads outside the repository; ENOENT: missing) and a message naming rel. */
int fs_stat_beneath(int dirfd, const char *repo, const char *rel, struct stat *st,
                    struct fw_err *err) FW_NODISCARD;

#endif
