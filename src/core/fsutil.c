/* fsutil.c: crash-safe writes (temporary file, fsync, rename, directory fsync), bounded
 * reads, and the check that keeps repository paths inside the repository. */
#include "fsutil.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define CHUNK (64 * 1024)

/* A temporary file beside its destination, until it is renamed over it. */
struct atomic_file {
    char dir[PATH_MAX];
    char tmp[PATH_MAX];
    int fd;       /* -1 when closed */
    bool created; /* tmp exists and must be removed if the write fails */
};

int fs_join(char *out, size_t outlen, const char *a, const char *b)
{
    size_t alen = strlen(a);
    size_t blen;
    size_t sep;

    /* One separator however the caller spelled the ends ("repo/" + "/x"). */
    while (alen > 1 && a[alen - 1] == '/')
        alen--;
    while (*b == '/')
        b++;
    blen = strlen(b);
    sep = alen == 0 || (alen == 1 && a[0] == '/') ? 0 : 1;
    if (outlen == 0 || alen > outlen || outlen - alen <= sep + blen)
        return -1;
    memmove(out, a, alen);
    if (sep)
        out[alen] = '/';
    memcpy(out + alen + sep, b, blen + 1);
    return 0;
}

/* Splits path into its directory ("." when it names none) and its last component.
 * Returns -1 with errno set when path ends in '/' or the directory does not fit. */
static int split_path(const char *path, char *dir, size_t dirlen, const char **base)
{
    const char *slash = strrchr(path, '/');
    const char *from = slash ? path : ".";
    size_t n = slash && slash != path ? (size_t)(slash - path) : 1;

    *base = slash ? slash + 1 : path;
    if (**base == '\0') {
        errno = EISDIR;
        return -1;
    }
    if (n >= dirlen) {
        errno = ENAMETOOLONG;
        return -1;
    }
    memcpy(dir, from, n);
    dir[n] = '\0';
    return 0;
}

static int write_all(int fd, const void *data, size_t len)
{
    const unsigned char *p = data;

    while (len > 0) {
        ssize_t n = write(fd, p, len);

        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return -1;
        if (n == 0) {
            /* write(2) returns 0 only for len 0; never spin on it. */
            errno = EIO;
            return -1;
        }
        p += n;
        len -= (size_t)n;
    }
    return 0;
}

/* Makes a rename or a new entry in dir durable: without it a crash can bring back the
 * old name even though the file's own data was fsynced. */
static int fsync_dir(const char *dir)
{
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    int rc;
    int saved;

    if (fd < 0)
        return -1;
    rc = fsync(fd);
    /* Some file systems (a few FUSE ones) cannot fsync a directory at all and say
     * EINVAL; there is nothing stronger to do there. */
    if (rc != 0 && errno == EINVAL)
        rc = 0;
    saved = errno;
    close(fd);
    errno = saved;
    return rc;
}

/* Creates ".<basename>.tmp.XXXXXX" beside path. The leading dot keeps it out of
 * directory listings and globs that look for the real files. */
static int atomic_open(struct atomic_file *af, const char *path)
{
    const char *base;
    int n;

    af->fd = -1;
    af->created = false;
    if (split_path(path, af->dir, sizeof(af->dir), &base) != 0)
        return -1;
    n = snprintf(af->tmp, sizeof(af->tmp), "%s/.%s.tmp.XXXXXX", af->dir, base);
    if (n < 0 || (size_t)n >= sizeof(af->tmp)) {
        errno = ENAMETOOLONG;
        return -1;
    }
    /* mkostemp is mkstemp with O_CLOEXEC, so a concurrent fork never inherits it. */
    af->fd = mkostemp(af->tmp, O_CLOEXEC);
    if (af->fd < 0)
        return -1;
    af->created = true;
    return 0;
}

/* Returns 0, -1 when path is untouched (errno set), or FS_NOT_DURABLE when the temporary
 * file was renamed over path but the fsync of its directory failed (errno set). */
static int atomic_commit(struct atomic_file *af, const char *path, mode_t mode)
{
    int fd = af->fd;

    /* mkstemp made the file 0600; fchmod sets the caller's bits regardless of umask. */
    if (fchmod(fd, mode) != 0 || fsync(fd) != 0)
        return -1;
    af->fd = -1;
    /* close can report a delayed write error (NFS); the data is not safe then. */
    if (close(fd) != 0)
        return -1;
    if (rename(af->tmp, path) != 0)
        return -1;
    af->created = false;
    /* From here on path holds the new content, whatever the directory fsync says. */
    return fsync_dir(af->dir) == 0 ? 0 : FS_NOT_DURABLE;
}

/* Undoes whatever atomic_open and atomic_commit left behind; a no-op after success.
 * Keeps errno, which still tells why the write failed. */
static void atomic_abort(struct atomic_file *af)
{
    int saved = errno;

    if (af->fd >= 0)
        close(af->fd);
    if (af->created)
        unlink(af->tmp);
    af->fd = -1;
    af->created = false;
    errno = saved;
}

/* The message of a write that failed (rc -1) or is not durable (FS_NOT_DURABLE: the fsync
 * of dir failed), from errno. Returns rc. */
static int write_failed(struct fw_err *err, int rc, const char *path, const char *dir)
{
    if (rc == FS_NOT_DURABLE)
        fw_fail(err, "cannot write %s: fsync of %s: %s", path, dir, strerror(errno));
    else
        fw_fail(err, "cannot write %s: %s", path, strerror(errno));
    return rc;
}

/* fs_write_atomic without the message: its result, with errno set when it is not 0. */
static int write_file(struct atomic_file *af, const char *path, const void *data, size_t len,
                      mode_t mode)
{
    int rc = atomic_open(af, path);

    if (rc == 0)
        rc = write_all(af->fd, data, len);
    if (rc == 0)
        rc = atomic_commit(af, path, mode);
    atomic_abort(af);
    return rc;
}

int fs_write_atomic(const char *path, const void *data, size_t len, mode_t mode, struct fw_err *err)
{
    struct atomic_file af;
    int rc = write_file(&af, path, data, len, mode);

    return rc == 0 ? 0 : write_failed(err, rc, path, af.dir);
}

/* Makes path hold again what it held before a write that is not durable: prev, or no file
 * at all when prev is NULL. Returns 0 once it does, -1 with errno set otherwise. */
static int put_back(const char *path, const void *prev, size_t prev_len, mode_t mode)
{
    struct atomic_file af;
    const char *base;

    /* A put-back that is itself not durable still took the new content away. */
    if (prev)
        return write_file(&af, path, prev, prev_len, mode) == -1 ? -1 : 0;
    if (unlink(path) != 0)
        return -1;
    /* The file is gone either way; the fsync only makes that durable. */
    if (split_path(path, af.dir, sizeof(af.dir), &base) == 0)
        fsync_dir(af.dir);
    return 0;
}

int fs_replace_atomic(const char *path, const void *data, size_t len, const void *prev,
                      size_t prev_len, mode_t mode, struct fw_err *err)
{
    struct atomic_file af;
    char cause[FW_ERRLEN];
    int rc = write_file(&af, path, data, len, mode);

    if (rc != FS_NOT_DURABLE)
        return rc == 0 ? 0 : write_failed(err, rc, path, af.dir);
    snprintf(cause, sizeof(cause), "fsync of %s: %s", af.dir, strerror(errno));
    if (put_back(path, prev, prev_len, mode) != 0) {
        fw_fail(err,
                "cannot write %s: %s; the new content stays in place, since putting back "
                "the previous one failed too: %s",
                path, cause, strerror(errno));
        return FS_NOT_DURABLE;
    }
    return fw_fail(err, "cannot write %s: %s; %s", path, cause,
                   prev ? "the previous content was put back" : "the new file was removed");
}

/* Opens path for reading and checks that it is a regular file. O_NONBLOCK keeps a FIFO
 * from blocking the open until it is refused; regular files ignore the flag. */
static int open_regular_at(int dirfd, const char *path, int flags, struct stat *st,
                           struct fw_err *err)
{
    int fd = openat(dirfd, path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | flags);

    if (fd < 0)
        return fw_fail(err, "cannot read %s: %s", path, strerror(errno));
    if (fstat(fd, st) != 0) {
        fw_fail(err, "cannot read %s: %s", path, strerror(errno));
        close(fd);
        return -1;
    }
    if (!S_ISREG(st->st_mode)) {
        fw_fail(err, "%s is not a regular file", path);
        close(fd);
        return -1;
    }
    return fd;
}

static int open_regular(const char *path, struct stat *st, struct fw_err *err)
{
    return open_regular_at(AT_FDCWD, path, 0, st, err);
}

static int copy_stream(int in, int out, const char *src, const char *dst, struct fw_err *err)
{
    unsigned char *buf = malloc(CHUNK);
    int rc = -1;

    if (!buf)
        return fw_fail(err, "cannot write %s: %s", dst, strerror(ENOMEM));
    for (;;) {
        ssize_t n = read(in, buf, CHUNK);

        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            fw_fail(err, "cannot read %s: %s", src, strerror(errno));
            break;
        }
        if (n == 0) {
            rc = 0;
            break;
        }
        if (write_all(out, buf, (size_t)n) != 0) {
            fw_fail(err, "cannot write %s: %s", dst, strerror(errno));
            break;
        }
    }
    free(buf);
    return rc;
}

int fs_copy_atomic(const char *src, const char *dst, mode_t mode, struct fw_err *err)
{
    struct atomic_file af;
    struct stat st;
    int rc = -1;
    int in = open_regular(src, &st, err);

    if (in < 0)
        return -1;
    if (atomic_open(&af, dst) != 0) {
        write_failed(err, -1, dst, NULL);
        goto out;
    }
    if (copy_stream(in, af.fd, src, dst, err) != 0)
        goto out;
    rc = atomic_commit(&af, dst, mode);
    if (rc != 0)
        write_failed(err, rc, dst, af.dir);
out:
    atomic_abort(&af);
    close(in);
    return rc;
}

/* Reads fd to its end into a buffer that starts at the size fstat saw and grows to at
 * most max + 1 bytes: a file that grows while it is read is noticed, not truncated.
 * Returns 0, -1 with errno set, or 1 when there was more than max. */
static int read_bounded(int fd, size_t hint, size_t max, char **out, size_t *len)
{
    size_t cap = hint + 1;
    size_t n = 0;
    char *buf = malloc(cap + 1);

    if (!buf)
        return -1;
    for (;;) {
        ssize_t r;

        if (n == cap) {
            size_t next = cap > max / 2 ? max + 1 : cap * 2;
            char *grown;

            if (n > max)
                break;
            grown = realloc(buf, next + 1);
            if (!grown) {
                free(buf);
                errno = ENOMEM;
                return -1;
            }
            buf = grown;
            cap = next;
        }
        r = read(fd, buf + n, cap - n);
        if (r < 0 && errno == EINTR)
            continue;
        if (r >= 0 && (size_t)r < cap - n) {
            /* a short read of a regular file is its end: no second read to see 0, which
             * is one system call in five when a catalog of small files is loaded */
            n += (size_t)r;
            break;
        }
        if (r < 0) {
            int saved = errno;

            free(buf);
            errno = saved;
            return -1;
        }
        if (r == 0)
            break;
        n += (size_t)r;
    }
    if (n > max) {
        free(buf);
        return 1;
    }
    buf[n] = '\0';
    *out = buf;
    *len = n;
    return 0;
}

int fs_read_file(const char *path, size_t max, char **out, size_t *len, struct fw_err *err)
{
    return fs_read_at(AT_FDCWD, path, 0, max, out, len, err);
}

int fs_read_at(int dirfd, const char *path, int flags, size_t max, char **out, size_t *len,
               struct fw_err *err)
{
    struct stat st;
    int rc;
    int fd;

    /* Keeps max + 2 (the growth byte and the NUL) from wrapping around. */
    if (max > SIZE_MAX - 2)
        max = SIZE_MAX - 2;
    fd = open_regular_at(dirfd, path, flags, &st, err);
    if (fd < 0)
        return -1;
    if ((unsigned long long)st.st_size > max) {
        close(fd);
        return fw_fail(err, "%s is %lld bytes, more than the limit of %zu", path,
                       (long long)st.st_size, max);
    }
    rc = read_bounded(fd, (size_t)st.st_size, max, out, len);
    if (rc < 0)
        fw_fail(err, "cannot read %s: %s", path, strerror(errno));
    else if (rc > 0)
        fw_fail(err, "%s grew past the limit of %zu bytes while it was read", path, max);
    close(fd);
    return rc == 0 ? 0 : -1;
}

/* mkdir that accepts an existing directory; a new one is made durable in its parent. */
static int make_dir(char *path)
{
    struct stat st;
    char parent[PATH_MAX];
    const char *base;

    if (mkdir(path, 0755) == 0) {
        if (split_path(path, parent, sizeof(parent), &base) != 0)
            return -1;
        return fsync_dir(parent);
    }
    if (errno != EEXIST)
        return -1;
    if (stat(path, &st) != 0)
        return -1;
    if (!S_ISDIR(st.st_mode)) {
        errno = ENOTDIR;
        return -1;
    }
    return 0;
}

int fs_mkdirs(const char *dir, struct fw_err *err)
{
    char buf[PATH_MAX];
    size_t len = strlen(dir);

    if (len == 0)
        return fw_fail(err, "cannot create a directory without a name");
    if (len >= sizeof(buf))
        return fw_fail(err, "cannot create directory %s: %s", dir, strerror(ENAMETOOLONG));
    memcpy(buf, dir, len + 1);

    /* Each prefix that ends before a '/' in turn, then the whole path. */
    for (char *p = buf + 1;; p++) {
        char saved = *p;

        if (saved != '/' && saved != '\0')
            continue;
        *p = '\0';
        if (make_dir(buf) != 0) {
            if (saved == '\0')
                return fw_fail(err, "cannot create directory %s: %s", dir, strerror(errno));
            return fw_fail(err, "cannot create directory %s: %s: %s", dir, buf, strerror(errno));
        }
        *p = saved;
        if (saved == '\0')
            return 0;
    }
}

/* rename that never replaces dst. renameat2 does it in one step; where the file system
 * does not support the flag (EINVAL) or the kernel lacks the call (ENOSYS), link then
 * unlink does the same for files (link refuses an existing dst, but not directories). */
static int rename_noreplace(const char *src, const char *dst)
{
#ifdef RENAME_NOREPLACE
    if (renameat2(AT_FDCWD, src, AT_FDCWD, dst, RENAME_NOREPLACE) == 0)
        return 0;
    if (errno != EINVAL && errno != ENOSYS)
        return -1;
#endif
    if (link(src, dst) != 0)
        return -1;
    if (unlink(src) != 0) {
        int saved = errno;

        unlink(dst);
        errno = saved;
        return -1;
    }
    return 0;
}

int fs_move(const char *src, const char *dst, struct fw_err *err)
{
    char sdir[PATH_MAX];
    char ddir[PATH_MAX];
    const char *unsynced = NULL;
    const char *base;

    if (split_path(src, sdir, sizeof(sdir), &base) != 0 ||
        split_path(dst, ddir, sizeof(ddir), &base) != 0 || rename_noreplace(src, dst) != 0)
        return fw_fail(err, "cannot move %s to %s: %s", src, dst, strerror(errno));

    /* The new name first: should the second fsync fail, the file is not lost. From here on
     * the move has happened, whatever the fsyncs say. */
    if (fsync_dir(ddir) != 0)
        unsynced = ddir;
    else if (strcmp(sdir, ddir) != 0 && fsync_dir(sdir) != 0)
        unsynced = sdir;
    if (!unsynced)
        return 0;
    fw_fail(err, "cannot move %s to %s: fsync of %s: %s", src, dst, unsynced, strerror(errno));
    return FS_NOT_DURABLE;
}

/* Refuses, before anything is looked up, the spellings that could step out of the
 * repository or mean something else on another system. */
static int check_rel(const char *rel, struct fw_err *err)
{
    const char *p = rel;

    if (*rel == '\0')
        return fw_fail(err, "an empty path is not a file in the repository");
    if (*rel == '/')
        return fw_fail(err, "%s: expected a path relative to the repository", rel);
    if (strchr(rel, '\\'))
        return fw_fail(err, "%s: a backslash is not allowed in a repository path", rel);
    for (;;) {
        size_t n = strcspn(p, "/");

        if (n == 2 && p[0] == '.' && p[1] == '.')
            return fw_fail(err, "%s: \"..\" is not allowed in a repository path", rel);
        if (n == 0 || (n == 1 && p[0] == '.'))
            return fw_fail(err, "%s: empty and \".\" components are not allowed", rel);
        if (p[n] == '\0')
            return 0;
        p += n + 1;
    }
}

/* The first missing component must really be absent: a dangling symlink there could
 * point anywhere once its target is created. */
static int check_absent(char *path, char *cut, const char *rel, struct fw_err *err)
{
    char *end = strchr(cut + 1, '/');
    struct stat st;
    int rc = 0;

    if (end)
        *end = '\0';
    if (lstat(path, &st) == 0)
        rc = fw_fail(err, "%s: %s is a symlink to a missing file", rel, path);
    else if (errno != ENOENT)
        rc = fw_fail(err, "cannot resolve %s: %s", rel, strerror(errno));
    if (end)
        *end = '/';
    return rc;
}

/* realpath() of path, whose last components may not exist yet (a file about to be
 * written): the longest existing prefix is resolved and the rest appended. Those
 * appended names exist nowhere, so no symlink hides among them. */
static int resolve(const char *path, const char *rel, char real[PATH_MAX], struct fw_err *err)
{
    char buf[PATH_MAX];
    char *cut = NULL;

    if (realpath(path, real))
        return 0;
    if (errno != ENOENT || strlen(path) >= sizeof(buf))
        return fw_fail(err, "cannot resolve %s: %s", rel, strerror(errno));
    memcpy(buf, path, strlen(path) + 1);
    /* Shortens buf one component at a time; cut is where it is cut off. */
    for (;;) {
        char *slash = strrchr(buf, '/');

        if (!slash)
            return fw_fail(err, "cannot resolve %s: %s", rel, strerror(ENOENT));
        if (cut)
            *cut = '/';
        cut = slash;
        *cut = '\0';
        if (realpath(cut == buf ? "/" : buf, real))
            break;
        if (errno != ENOENT)
            return fw_fail(err, "cannot resolve %s: %s", rel, strerror(errno));
    }
    *cut = '/';
    if (check_absent(buf, cut, rel, err) != 0)
        return -1;
    if (fs_join(real, PATH_MAX, real, cut + 1) != 0)
        return fw_fail(err, "cannot resolve %s: %s", rel, strerror(ENAMETOOLONG));
    return 0;
}

static bool is_inside(const char *root, const char *real)
{
    size_t n = strlen(root);

    if (n == 1)
        return real[0] == '/';
    return strncmp(real, root, n) == 0 && (real[n] == '\0' || real[n] == '/');
}

int fs_resolve_inside(const char *repo, const char *rel, char *out, size_t outlen,
                      struct fw_err *err)
{
    char root[PATH_MAX];
    char real[PATH_MAX];

    if (check_rel(rel, err) != 0)
        return -1;
    if (fs_join(out, outlen, repo, rel) != 0)
        return fw_fail(err, "%s: %s", rel, strerror(ENAMETOOLONG));
    if (!realpath(repo, root))
        return fw_fail(err, "cannot resolve repository %s: %s", repo, strerror(errno));
    if (resolve(out, rel, real, err) != 0)
        return -1;
    /* rel holds no "..", so only a symlink can have led elsewhere. */
    if (!is_inside(root, real))
        return fw_fail(err, "%s leads outside the repository (symlink to %s)", rel, real);
    return 0;
}
