/* fault.c: an LD_PRELOAD shim that makes chosen file-system calls fail, for fault-injection tests.
 *
 * FWHUB_FAULT="OP:ERRNO:N:PATTERN" makes the Nth call of OP (counting only calls on paths that
 * contain PATTERN) fail with ERRNO; "N+" fails that call and every later one. Several rules
 * may be given, separated by ','. OP is one of write, pwrite, fsync, fdatasync, close, rename
 * (also renameat and renameat2), link, mkdir; ERRNO is a name such as ENOSPC or EIO. Calls on
 * descriptors are matched by the path /proc/self/fd gives them, so pipes and terminals never
 * match; close fails only on descriptors open for writing (closing one for reading cannot lose
 * data). A failed close still releases the descriptor, as Linux does.
 *
 * FWHUB_FAULT_WHILE=FILE: rules apply (and count calls) only while FILE exists, so that a test
 * can start and stop a fault in a running server (the disk fills, then space comes back).
 * pwrite64 counts as pwrite: SQLite writes its database and WAL through it.
 *
 * FWHUB_FAULT_LOG=FILE appends "OP PATH" for each call on a file-system path, injected or not,
 * with " FAULT" after an injected one: tests read it to find how many calls a command makes. */
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

#define MAX_RULES 8

enum op {
    OP_WRITE,
    OP_PWRITE,
    OP_FSYNC,
    OP_FDATASYNC,
    OP_CLOSE,
    OP_RENAME,
    OP_LINK,
    OP_MKDIR,
    N_OPS
};

static const char *const OP_NAMES[N_OPS] = {"write", "pwrite", "fsync", "fdatasync",
                                            "close", "rename", "link",  "mkdir"};

struct rule {
    enum op op;
    int err;
    long nth;
    bool and_later;
    char pattern[256];
    long seen; /* matching calls so far */
};

static struct rule rules[MAX_RULES];
static int n_rules = -1; /* -1: FWHUB_FAULT not read yet */

/* Exported only so that they do not clash with anything in the program. */
ssize_t write(int fd, const void *buf, size_t n);
ssize_t pwrite(int fd, const void *buf, size_t n, off_t off);
ssize_t pwrite64(int fd, const void *buf, size_t n, off_t off);
int fsync(int fd);
int fdatasync(int fd);
int close(int fd);
int rename(const char *from, const char *to);
int renameat(int dfrom, const char *from, int dto, const char *to);
int renameat2(int dfrom, const char *from, int dto, const char *to, unsigned flags);
int link(const char *from, const char *to);
int mkdir(const char *path, mode_t mode);

static int errno_of(const char *name)
{
    static const struct {
        const char *name;
        int err;
    } known[] = {{"ENOSPC", ENOSPC}, {"EIO", EIO},     {"EDQUOT", EDQUOT}, {"EROFS", EROFS},
                 {"EACCES", EACCES}, {"EPERM", EPERM}, {"EFBIG", EFBIG},   {"EMFILE", EMFILE},
                 {"ENOMEM", ENOMEM}, {"EINTR", EINTR}, {"EXDEV", EXDEV},   {"EBUSY", EBUSY}};

    for (size_t k = 0; k < sizeof(known) / sizeof(known[0]); k++)
        if (strcmp(name, known[k].name) == 0)
            return known[k].err;
    return 0;
}

/* Reads one "OP:ERRNO:N:PATTERN" rule; returns false when it does not parse. */
static bool parse_rule(char *text, struct rule *r)
{
    char *save = NULL, *op = strtok_r(text, ":", &save), *err = strtok_r(NULL, ":", &save);
    char *nth = strtok_r(NULL, ":", &save), *pattern = strtok_r(NULL, "", &save), *end;
    int k;

    if (!op || !err || !nth)
        return false;
    for (k = 0; k < N_OPS && strcmp(op, OP_NAMES[k]) != 0; k++)
        ;
    r->op = (enum op)k;
    r->err = errno_of(err);
    r->nth = strtol(nth, &end, 10);
    r->and_later = *end == '+';
    if (k == N_OPS || !r->err || r->nth < 1 || (*end && strcmp(end, "+") != 0))
        return false;
    snprintf(r->pattern, sizeof(r->pattern), "%s", pattern ? pattern : "");
    r->seen = 0;
    return true;
}

static void load_rules(void)
{
    static const char msg[] = "fault.so: cannot read a rule of FWHUB_FAULT\n";
    const char *env = getenv("FWHUB_FAULT");
    char copy[2048], *save = NULL;

    n_rules = 0;
    if (!env || !*env)
        return;
    snprintf(copy, sizeof(copy), "%s", env);
    for (char *part = strtok_r(copy, ",", &save); part && n_rules < MAX_RULES;
         part = strtok_r(NULL, ",", &save)) {
        if (!parse_rule(part, &rules[n_rules])) {
            (void)!write(2, msg, sizeof(msg) - 1);
            _exit(125);
        }
        n_rules++;
    }
}

static void *next(const char *name)
{
    void *f = dlsym(RTLD_NEXT, name);

    if (!f)
        abort();
    return f;
}

/* The path of fd, or "" for anything that is not a file-system path (a pipe, a socket). */
static void fd_path(int fd, char *out, size_t len)
{
    char link_name[64];
    ssize_t n;

    snprintf(link_name, sizeof(link_name), "/proc/self/fd/%d", fd);
    n = readlink(link_name, out, len - 1);
    if (n <= 0 || out[0] != '/')
        n = 0;
    out[n] = '\0';
}

/* The functions the wrappers stand in front of, looked up once, on first use (a library's
 * constructor may write before this one's would run). */
static struct {
    ssize_t (*write)(int, const void *, size_t);
    ssize_t (*pwrite)(int, const void *, size_t, off_t);
    ssize_t (*pwrite64)(int, const void *, size_t, off_t);
    int (*fsync)(int);
    int (*fdatasync)(int);
    int (*close)(int);
    int (*rename)(const char *, const char *);
    int (*renameat)(int, const char *, int, const char *);
    int (*renameat2)(int, const char *, int, const char *, unsigned);
    int (*link)(const char *, const char *);
    int (*mkdir)(const char *, mode_t);
} real;

static void resolve(void)
{
    if (real.mkdir)
        return;
    real.write = (ssize_t(*)(int, const void *, size_t))next("write");
    real.pwrite = (ssize_t(*)(int, const void *, size_t, off_t))next("pwrite");
    real.pwrite64 = (ssize_t(*)(int, const void *, size_t, off_t))next("pwrite64");
    real.fsync = (int (*)(int))next("fsync");
    real.fdatasync = (int (*)(int))next("fdatasync");
    real.close = (int (*)(int))next("close");
    real.rename = (int (*)(const char *, const char *))next("rename");
    real.renameat = (int (*)(int, const char *, int, const char *))next("renameat");
    real.renameat2 = (int (*)(int, const char *, int, const char *, unsigned))next("renameat2");
    real.link = (int (*)(const char *, const char *))next("link");
    __atomic_store_n(&real.mkdir, (int (*)(const char *, mode_t))next("mkdir"), __ATOMIC_RELEASE);
}

static void log_call(enum op op, const char *path, bool injected)
{
    const char *file = getenv("FWHUB_FAULT_LOG");
    char line[PATH_MAX + 32];
    int fd, n;

    if (!file || !*file)
        return;
    fd = open(file, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
    if (fd < 0)
        return;
    n = snprintf(line, sizeof(line), "%s %s%s\n", OP_NAMES[op], path, injected ? " FAULT" : "");
    if (n > 0)
        (void)!real.write(fd, line, (size_t)n < sizeof(line) ? (size_t)n : sizeof(line) - 1);
    real.close(fd);
}

/* False while FWHUB_FAULT_WHILE names a file that does not exist. */
static bool active(void)
{
    const char *file = getenv("FWHUB_FAULT_WHILE");

    return !file || !*file || access(file, F_OK) == 0;
}

/* Whether this call of op on path (and path2, for two-path calls) fails; sets errno if so. */
static bool inject(enum op op, const char *path, const char *path2)
{
    bool fail = false;
    int err = 0;

    if (n_rules < 0)
        load_rules();
    if (!path[0] && (!path2 || !path2[0]))
        return false;
    if (!active())
        return false;
    for (int k = 0; k < n_rules; k++) {
        struct rule *r = &rules[k];
        long seen;

        if (r->op != op || (!strstr(path, r->pattern) && (!path2 || !strstr(path2, r->pattern))))
            continue;
        seen = __atomic_add_fetch(&r->seen, 1, __ATOMIC_SEQ_CST);
        if (!fail && (seen == r->nth || (r->and_later && seen > r->nth))) {
            fail = true;
            err = r->err;
        }
    }
    log_call(op, path[0] ? path : path2, fail);
    if (fail)
        errno = err;
    return fail;
}

static bool inject_fd(enum op op, int fd)
{
    char path[PATH_MAX];

    fd_path(fd, path, sizeof(path));
    return inject(op, path, NULL);
}

ssize_t write(int fd, const void *buf, size_t n)
{
    resolve();
    if (fd > 2 && inject_fd(OP_WRITE, fd))
        return -1;
    return real.write(fd, buf, n);
}

ssize_t pwrite(int fd, const void *buf, size_t n, off_t off)
{
    resolve();
    if (inject_fd(OP_PWRITE, fd))
        return -1;
    return real.pwrite(fd, buf, n, off);
}

ssize_t pwrite64(int fd, const void *buf, size_t n, off_t off)
{
    resolve();
    if (inject_fd(OP_PWRITE, fd))
        return -1;
    return real.pwrite64(fd, buf, n, off);
}

int fsync(int fd)
{
    resolve();
    if (inject_fd(OP_FSYNC, fd))
        return -1;
    return real.fsync(fd);
}

int fdatasync(int fd)
{
    resolve();
    if (inject_fd(OP_FDATASYNC, fd))
        return -1;
    return real.fdatasync(fd);
}

int close(int fd)
{
    int flags = fcntl(fd, F_GETFL);
    int saved;

    resolve();
    if (fd <= 2 || flags < 0 || (flags & O_ACCMODE) == O_RDONLY || !inject_fd(OP_CLOSE, fd))
        return real.close(fd);
    saved = errno;
    real.close(fd);
    errno = saved;
    return -1;
}

/* The absolute form of a path given to a *at call, for matching. */
static void at_path(int dirfd, const char *path, char *out, size_t len)
{
    char dir[PATH_MAX];

    if (path[0] == '/' || dirfd == AT_FDCWD) {
        if (path[0] == '/' || !getcwd(dir, sizeof(dir)))
            snprintf(out, len, "%s", path);
        else
            snprintf(out, len, "%s/%s", dir, path);
        return;
    }
    fd_path(dirfd, dir, sizeof(dir));
    snprintf(out, len, "%s/%s", dir, path);
}

int renameat2(int dfrom, const char *from, int dto, const char *to, unsigned flags)
{
    char a[PATH_MAX], b[PATH_MAX];

    resolve();

    at_path(dfrom, from, a, sizeof(a));
    at_path(dto, to, b, sizeof(b));
    if (inject(OP_RENAME, a, b))
        return -1;
    return real.renameat2(dfrom, from, dto, to, flags);
}

int renameat(int dfrom, const char *from, int dto, const char *to)
{
    char a[PATH_MAX], b[PATH_MAX];

    resolve();

    at_path(dfrom, from, a, sizeof(a));
    at_path(dto, to, b, sizeof(b));
    if (inject(OP_RENAME, a, b))
        return -1;
    return real.renameat(dfrom, from, dto, to);
}

int rename(const char *from, const char *to)
{
    char a[PATH_MAX], b[PATH_MAX];

    resolve();

    at_path(AT_FDCWD, from, a, sizeof(a));
    at_path(AT_FDCWD, to, b, sizeof(b));
    if (inject(OP_RENAME, a, b))
        return -1;
    return real.rename(from, to);
}

int link(const char *from, const char *to)
{
    char a[PATH_MAX], b[PATH_MAX];

    resolve();

    at_path(AT_FDCWD, from, a, sizeof(a));
    at_path(AT_FDCWD, to, b, sizeof(b));
    if (inject(OP_LINK, a, b))
        return -1;
    return real.link(from, to);
}

int mkdir(const char *path, mode_t mode)
{
    char a[PATH_MAX];

    resolve();

    at_path(AT_FDCWD, path, a, sizeof(a));
    if (inject(OP_MKDIR, a, NULL))
        return -1;
    return real.mkdir(path, mode);
}
