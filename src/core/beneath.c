/* beneath.c: openat2(RESOLVE_BENEATH) with a realpath fallback. realpath reads every
 * component's link, which made image checks the largest cost of loading a big catalog. */
#include "beneath.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "fsutil.h"

static int fallback(const char *repo, const char *rel, struct stat *st, struct fw_err *err)
{
    char full[4096];

    if (fs_resolve_inside(repo, rel, full, sizeof(full), err) < 0) {
        errno = EXDEV;
        return -1;
    }
    if (stat(full, st) < 0)
        return fw_fail(err, "%s: %s", rel, strerror(errno));
    return 0;
}

int fs_stat_beneath(int dirfd, const char *repo, const char *rel, struct stat *st,
                    struct fw_err *err)
{
#ifdef SYS_openat2
    struct open_how how = {.flags = O_PATH | O_CLOEXEC,
                           .resolve = RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS};
    int dir, fd, saved;

    dir = dirfd >= 0 ? dirfd : open(repo, O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (dir < 0)
        return fw_fail(err, "cannot open the repository %s: %s", repo, strerror(errno));
    fd = (int)syscall(SYS_openat2, dir, rel, &how, sizeof(how));
    saved = errno;
    if (dir != dirfd)
        close(dir);
    if (fd < 0 && (saved == ENOSYS || saved == EPERM))
        return fallback(repo, rel, st, err); /* old kernel, or a seccomp filter */
    if (fd < 0) {
        errno = saved;
        if (saved == EXDEV)
            return fw_fail(err, "%s leads outside the repository", rel);
        return fw_fail(err, "%s: %s", rel, strerror(saved));
    }
    if (fstat(fd, st) < 0) {
        saved = errno;
        close(fd);
        errno = saved;
        return fw_fail(err, "%s: %s", rel, strerror(saved));
    }
    close(fd);
    return 0;
#else
    return fallback(repo, rel, st, err);
#endif
}
