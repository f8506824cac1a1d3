/* test_fsutil.c: atomic writes, replaces and copies, bounded reads, mkdirs, moves, paths. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <dirent.h>
#include <errno.h>
#include <ftw.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "core/fsutil.h"

/* Tests run as root, where permission bits stop nothing; failures are forced with
 * missing directories, directories in the way and files where directories belong. */

/* Room for an expected message quoting two whole paths. */
#define WANT_LEN (3 * PATH_MAX)

static char tmpdir[64];

/* Bit k of fail_fsyncs makes the k-th fsync of a test (counted from 0) fail with EIO. A
 * directory fsync that fails after a rename can be forced no other way. */
static unsigned fail_fsyncs;
static unsigned fsyncs;

/* Defined in the program, this fsync stands in for libc's, also in libfwhub.a. */
int fsync(int fd)
{
    unsigned k = fsyncs++;

    if (k < 32 && (fail_fsyncs >> k & 1u)) {
        errno = EIO;
        return -1;
    }
    return (int)syscall(SYS_fsync, fd);
}

static int remove_entry(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
    (void)st;
    (void)ftw;
    return type == FTW_DP ? rmdir(path) : unlink(path);
}

static int make_tmpdir(void **state)
{
    (void)state;
    snprintf(tmpdir, sizeof(tmpdir), "/tmp/fwhub-test-fsutil.XXXXXX");
    return mkdtemp(tmpdir) ? 0 : -1;
}

static int remove_tmpdir(void **state)
{
    (void)state;
    return nftw(tmpdir, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
}

/* Each test starts from an empty directory, with every fsync working. */
static int empty_tmpdir(void **state)
{
    fail_fsyncs = 0;
    fsyncs = 0;
    return remove_tmpdir(state) == 0 && mkdir(tmpdir, 0700) == 0 ? 0 : -1;
}

static void tmp_path(char *buf, size_t len, const char *name)
{
    int n = snprintf(buf, len, "%s/%s", tmpdir, name);

    assert_true(n > 0 && (size_t)n < len);
}

static void put(const char *name, const char *text)
{
    char path[PATH_MAX];
    FILE *f;

    tmp_path(path, sizeof(path), name);
    f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(text, 1, strlen(text), f), strlen(text));
    assert_int_equal(fclose(f), 0);
}

static void make_dir(const char *name)
{
    char path[PATH_MAX];

    tmp_path(path, sizeof(path), name);
    assert_int_equal(mkdir(path, 0755), 0);
}

static void make_link(const char *target, const char *name)
{
    char path[PATH_MAX];

    tmp_path(path, sizeof(path), name);
    assert_int_equal(symlink(target, path), 0);
}

/* The whole content of a file in tmpdir, into buf (NUL-terminated). */
static void slurp(const char *name, char *buf, size_t len)
{
    char path[PATH_MAX];
    FILE *f;
    size_t n;

    tmp_path(path, sizeof(path), name);
    f = fopen(path, "rb");
    assert_non_null(f);
    n = fread(buf, 1, len - 1, f);
    buf[n] = '\0';
    fclose(f);
}

static bool exists(const char *name)
{
    char path[PATH_MAX];
    struct stat st;

    tmp_path(path, sizeof(path), name);
    return lstat(path, &st) == 0;
}

/* Counts entries of a directory under tmpdir whose names contain ".tmp.". */
static int temp_files_in(const char *name)
{
    char path[PATH_MAX];
    struct dirent *e;
    DIR *d;
    int n = 0;

    tmp_path(path, sizeof(path), name);
    d = opendir(path);
    assert_non_null(d);
    while ((e = readdir(d)) != NULL)
        n += strstr(e->d_name, ".tmp.") != NULL;
    closedir(d);
    return n;
}

static void assert_msg(const struct fw_err *err, const char *fmt, const char *a, const char *b)
{
    char want[WANT_LEN];

    snprintf(want, sizeof(want), fmt, a, b);
    assert_string_equal(err->msg, want);
}

static void join_puts_one_slash_between_parts(void **state)
{
    char out[32];

    (void)state;
    assert_int_equal(fs_join(out, sizeof(out), "repo", "a.json"), 0);
    assert_string_equal(out, "repo/a.json");
    assert_int_equal(fs_join(out, sizeof(out), "repo//", "/a.json"), 0);
    assert_string_equal(out, "repo/a.json");
    assert_int_equal(fs_join(out, sizeof(out), "/", "etc"), 0);
    assert_string_equal(out, "/etc");
    assert_int_equal(fs_join(out, sizeof(out), "", "a.json"), 0);
    assert_string_equal(out, "a.json");
}

static void join_refuses_what_does_not_fit_with_its_nul(void **state)
{
    char out[8];

    (void)state;
    assert_int_equal(fs_join(out, sizeof(out), "abc", "def"), 0); /* 7 characters */
    assert_string_equal(out, "abc/def");
    assert_int_equal(fs_join(out, sizeof(out), "abc", "defg"), -1);
    assert_int_equal(fs_join(out, sizeof(out), "abcdefghijk", "x"), -1);
    assert_int_equal(fs_join(out, 0, "a", "b"), -1);
}

static void write_atomic_creates_file_with_content_and_mode(void **state)
{
    char path[PATH_MAX];
    char got[64];
    struct fw_err err;
    struct stat st;

    (void)state;
    tmp_path(path, sizeof(path), "new.json");
    assert_int_equal(fs_write_atomic(path, "{\"a\":1}", 7, 0640, &err), 0);
    slurp("new.json", got, sizeof(got));
    assert_string_equal(got, "{\"a\":1}");
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(st.st_mode & 07777, 0640);
    assert_int_equal(temp_files_in("."), 0);
}

static void write_atomic_replaces_longer_content_and_leaves_no_temp_file(void **state)
{
    char path[PATH_MAX];
    char got[64];
    struct fw_err err;

    (void)state;
    put("manifest.json", "the old and much longer content");
    tmp_path(path, sizeof(path), "manifest.json");
    assert_int_equal(fs_write_atomic(path, "new", 3, 0644, &err), 0);
    slurp("manifest.json", got, sizeof(got));
    assert_string_equal(got, "new");
    assert_int_equal(temp_files_in("."), 0);
}

static void write_atomic_writes_an_empty_file(void **state)
{
    char path[PATH_MAX];
    struct fw_err err;
    struct stat st;

    (void)state;
    put("empty", "something");
    tmp_path(path, sizeof(path), "empty");
    assert_int_equal(fs_write_atomic(path, "", 0, 0600, &err), 0);
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(st.st_size, 0);
}

/* A bare file name is written in the working directory. */
static void write_atomic_accepts_a_path_without_directory(void **state)
{
    char cwd[PATH_MAX];
    char got[16];
    struct fw_err err;

    (void)state;
    assert_non_null(getcwd(cwd, sizeof(cwd)));
    assert_int_equal(chdir(tmpdir), 0);
    assert_int_equal(fs_write_atomic("bare.txt", "here", 4, 0644, &err), 0);
    assert_int_equal(chdir(cwd), 0);
    slurp("bare.txt", got, sizeof(got));
    assert_string_equal(got, "here");
    assert_int_equal(temp_files_in("."), 0);
}

static void write_atomic_into_missing_directory_fails_naming_path(void **state)
{
    char path[PATH_MAX];
    struct fw_err err;

    (void)state;
    tmp_path(path, sizeof(path), "missing/dir/a.json");
    assert_int_equal(fs_write_atomic(path, "x", 1, 0644, &err), -1);
    assert_msg(&err, "cannot write %s: %s", path, "No such file or directory");
    assert_false(exists("missing"));
}

/* rename() over a directory fails after the temporary file was written: it must go. */
static void write_atomic_over_a_directory_fails_and_removes_temp_file(void **state)
{
    char path[PATH_MAX];
    struct fw_err err;
    struct stat st;

    (void)state;
    make_dir("taken");
    put("taken/inner", "keep");
    tmp_path(path, sizeof(path), "taken");
    assert_int_equal(fs_write_atomic(path, "x", 1, 0644, &err), -1);
    assert_msg(&err, "cannot write %s: %s", path, "Is a directory");
    assert_int_equal(stat(path, &st), 0);
    assert_true(S_ISDIR(st.st_mode));
    assert_true(exists("taken/inner"));
    assert_int_equal(temp_files_in("."), 0);
}

static void write_atomic_refuses_a_path_ending_in_slash(void **state)
{
    char path[PATH_MAX];
    struct fw_err err;

    (void)state;
    tmp_path(path, sizeof(path), "dir/");
    assert_int_equal(fs_write_atomic(path, "x", 1, 0644, &err), -1);
    assert_msg(&err, "cannot write %s: %s", path, "Is a directory");
    assert_int_equal(temp_files_in("."), 0);
}

static void write_atomic_refuses_a_name_too_long_for_its_temp_file(void **state)
{
    char name[300];
    char path[PATH_MAX];
    struct fw_err err;

    (void)state;
    memset(name, 'n', sizeof(name) - 1);
    name[sizeof(name) - 1] = '\0';
    tmp_path(path, sizeof(path), name);
    assert_int_equal(fs_write_atomic(path, "x", 1, 0644, &err), -1);
    assert_non_null(strstr(err.msg, "File name too long"));
    assert_int_equal(temp_files_in("."), 0);
}

/* The destination's own name fits in PATH_MAX, its temporary file's does not. */
static void write_atomic_refuses_a_path_too_long_for_its_temp_file(void **state)
{
    char path[PATH_MAX];
    struct fw_err err;

    (void)state;
    memset(path, 'p', sizeof(path) - 1);
    memcpy(path, "/tmp/", 5);
    path[sizeof(path) - 8] = '\0';
    assert_int_equal(fs_write_atomic(path, "x", 1, 0644, &err), -1);
    /* The message is cut at FW_ERRLEN before the system error; its start must hold. */
    assert_memory_equal(err.msg, "cannot write /tmp/ppp", 21);
}

/* The fsyncs of a write: #0 the temporary file, #1 the directory after the rename. */
static void write_atomic_fails_with_path_untouched_when_the_file_fsync_fails(void **state)
{
    char path[PATH_MAX];
    char got[16];
    struct fw_err err;

    (void)state;
    put("devices.csv", "old");
    tmp_path(path, sizeof(path), "devices.csv");
    fail_fsyncs = 1u << 0;
    assert_int_equal(fs_write_atomic(path, "new", 3, 0644, &err), -1);
    assert_msg(&err, "cannot write %s: %s", path, "Input/output error");
    slurp("devices.csv", got, sizeof(got));
    assert_string_equal(got, "old");
    assert_int_equal(temp_files_in("."), 0);
}

static void write_atomic_reports_a_failed_directory_fsync_as_not_durable(void **state)
{
    char path[PATH_MAX];
    char want[WANT_LEN];
    char got[16];
    struct fw_err err;

    (void)state;
    put("devices.csv", "old");
    tmp_path(path, sizeof(path), "devices.csv");
    fail_fsyncs = 1u << 1;
    assert_int_equal(fs_write_atomic(path, "new", 3, 0644, &err), FS_NOT_DURABLE);
    snprintf(want, sizeof(want), "cannot write %s: fsync of %s: Input/output error", path, tmpdir);
    assert_string_equal(err.msg, want);
    slurp("devices.csv", got, sizeof(got));
    assert_string_equal(got, "new");
    assert_int_equal(temp_files_in("."), 0);
}

static void replace_atomic_writes_as_write_atomic_when_nothing_fails(void **state)
{
    char path[PATH_MAX];
    char got[16];
    struct fw_err err;
    struct stat st;

    (void)state;
    put("manifest.json", "old");
    tmp_path(path, sizeof(path), "manifest.json");
    assert_int_equal(fs_replace_atomic(path, "new", 3, "old", 3, 0640, &err), 0);
    slurp("manifest.json", got, sizeof(got));
    assert_string_equal(got, "new");
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(st.st_mode & 07777, 0640);
    assert_int_equal(fsyncs, 2);
}

static void replace_atomic_puts_the_previous_content_back_when_not_durable(void **state)
{
    char path[PATH_MAX];
    char want[WANT_LEN];
    char got[16];
    struct fw_err err;

    (void)state;
    put("manifest.json", "old");
    tmp_path(path, sizeof(path), "manifest.json");
    fail_fsyncs = 1u << 1;
    assert_int_equal(fs_replace_atomic(path, "new", 3, "old", 3, 0644, &err), -1);
    snprintf(want, sizeof(want),
             "cannot write %s: fsync of %s: Input/output error; the previous content was put back",
             path, tmpdir);
    assert_string_equal(err.msg, want);
    slurp("manifest.json", got, sizeof(got));
    assert_string_equal(got, "old");
    assert_int_equal(temp_files_in("."), 0);
}

static void replace_atomic_removes_a_new_file_again_when_not_durable(void **state)
{
    char path[PATH_MAX];
    struct fw_err err;

    (void)state;
    tmp_path(path, sizeof(path), "devices.csv");
    fail_fsyncs = 1u << 1;
    assert_int_equal(fs_replace_atomic(path, "new", 3, NULL, 0, 0644, &err), -1);
    assert_non_null(strstr(err.msg, "; the new file was removed"));
    assert_false(exists("devices.csv"));
    assert_int_equal(temp_files_in("."), 0);
}

/* #2 is the fsync of the put-back's temporary file: the new content has to stay. */
static void replace_atomic_keeps_the_new_content_when_putting_back_fails(void **state)
{
    char path[PATH_MAX];
    char want[WANT_LEN];
    char got[16];
    struct fw_err err;

    (void)state;
    put("manifest.json", "old");
    tmp_path(path, sizeof(path), "manifest.json");
    fail_fsyncs = 1u << 1 | 1u << 2;
    assert_int_equal(fs_replace_atomic(path, "new", 3, "old", 3, 0644, &err), FS_NOT_DURABLE);
    snprintf(want, sizeof(want),
             "cannot write %s: fsync of %s: Input/output error; the new content stays in place, "
             "since putting back the previous one failed too: Input/output error",
             path, tmpdir);
    assert_string_equal(err.msg, want);
    slurp("manifest.json", got, sizeof(got));
    assert_string_equal(got, "new");
    assert_int_equal(temp_files_in("."), 0);
}

/* A put-back whose own directory fsync fails has still taken the new content away. */
static void replace_atomic_counts_a_put_back_that_is_not_durable_as_put_back(void **state)
{
    char path[PATH_MAX];
    char got[16];
    struct fw_err err;

    (void)state;
    put("manifest.json", "old");
    tmp_path(path, sizeof(path), "manifest.json");
    fail_fsyncs = 1u << 1 | 1u << 3;
    assert_int_equal(fs_replace_atomic(path, "new", 3, "old", 3, 0644, &err), -1);
    slurp("manifest.json", got, sizeof(got));
    assert_string_equal(got, "old");
}

static void replace_atomic_fails_with_path_untouched_as_write_atomic(void **state)
{
    char path[PATH_MAX];
    char got[16];
    struct fw_err err;

    (void)state;
    put("manifest.json", "old");
    tmp_path(path, sizeof(path), "manifest.json");
    fail_fsyncs = 1u << 0;
    assert_int_equal(fs_replace_atomic(path, "new", 3, "old", 3, 0644, &err), -1);
    assert_msg(&err, "cannot write %s: %s", path, "Input/output error");
    slurp("manifest.json", got, sizeof(got));
    assert_string_equal(got, "old");
    assert_int_equal(fsyncs, 1);
}

static void copy_atomic_copies_more_than_one_chunk_with_mode(void **state)
{
    size_t len = 200 * 1024 + 3;
    char *data = malloc(len + 1);
    char *got = malloc(len + 2);
    char src[PATH_MAX];
    char dst[PATH_MAX];
    struct fw_err err;
    struct stat st;

    (void)state;
    assert_non_null(data);
    assert_non_null(got);
    for (size_t i = 0; i < len; i++)
        data[i] = (char)('a' + i % 23);
    data[len] = '\0';
    put("image.bin", data);
    tmp_path(src, sizeof(src), "image.bin");
    tmp_path(dst, sizeof(dst), "copy.bin");
    assert_int_equal(fs_copy_atomic(src, dst, 0444, &err), 0);
    slurp("copy.bin", got, len + 2);
    assert_string_equal(got, data);
    assert_int_equal(stat(dst, &st), 0);
    assert_int_equal(st.st_mode & 07777, 0444);
    assert_int_equal(temp_files_in("."), 0);
    free(data);
    free(got);
}

static void copy_atomic_from_missing_source_fails_naming_source(void **state)
{
    char src[PATH_MAX];
    char dst[PATH_MAX];
    struct fw_err err;

    (void)state;
    tmp_path(src, sizeof(src), "absent.bin");
    tmp_path(dst, sizeof(dst), "copy.bin");
    assert_int_equal(fs_copy_atomic(src, dst, 0644, &err), -1);
    assert_msg(&err, "cannot read %s: %s", src, "No such file or directory");
    assert_false(exists("copy.bin"));
}

static void copy_atomic_from_directory_is_refused(void **state)
{
    char dst[PATH_MAX];
    struct fw_err err;

    (void)state;
    tmp_path(dst, sizeof(dst), "copy.bin");
    assert_int_equal(fs_copy_atomic(tmpdir, dst, 0644, &err), -1);
    assert_msg(&err, "%s is not a regular file%s", tmpdir, "");
    assert_false(exists("copy.bin"));
}

static void copy_atomic_over_a_directory_fails_and_removes_temp_file(void **state)
{
    char src[PATH_MAX];
    char dst[PATH_MAX];
    struct fw_err err;

    (void)state;
    put("image.bin", "bytes");
    make_dir("taken");
    tmp_path(src, sizeof(src), "image.bin");
    tmp_path(dst, sizeof(dst), "taken");
    assert_int_equal(fs_copy_atomic(src, dst, 0644, &err), -1);
    assert_msg(&err, "cannot write %s: %s", dst, "Is a directory");
    assert_int_equal(temp_files_in("."), 0);
}

static void copy_atomic_into_missing_directory_fails_naming_destination(void **state)
{
    char src[PATH_MAX];
    char dst[PATH_MAX];
    struct fw_err err;

    (void)state;
    put("image.bin", "bytes");
    tmp_path(src, sizeof(src), "image.bin");
    tmp_path(dst, sizeof(dst), "missing/copy.bin");
    assert_int_equal(fs_copy_atomic(src, dst, 0644, &err), -1);
    assert_msg(&err, "cannot write %s: %s", dst, "No such file or directory");
}

static void copy_atomic_reports_a_failed_directory_fsync_as_not_durable(void **state)
{
    char src[PATH_MAX];
    char dst[PATH_MAX];
    char want[WANT_LEN];
    char got[16];
    struct fw_err err;

    (void)state;
    put("image.bin", "image");
    make_dir("firmware");
    tmp_path(src, sizeof(src), "image.bin");
    tmp_path(dst, sizeof(dst), "firmware/image.bin");
    fail_fsyncs = 1u << 1;
    assert_int_equal(fs_copy_atomic(src, dst, 0644, &err), FS_NOT_DURABLE);
    snprintf(want, sizeof(want), "cannot write %s: fsync of %s/firmware: Input/output error", dst,
             tmpdir);
    assert_string_equal(err.msg, want);
    slurp("firmware/image.bin", got, sizeof(got));
    assert_string_equal(got, "image");
    assert_int_equal(temp_files_in("firmware"), 0);
}

static void read_file_returns_content_nul_terminated(void **state)
{
    char path[PATH_MAX];
    struct fw_err err;
    char *out = NULL;
    size_t len = 99;

    (void)state;
    put("a.csv", "mac,serial\n");
    tmp_path(path, sizeof(path), "a.csv");
    assert_int_equal(fs_read_file(path, 11, &out, &len, &err), 0);
    assert_int_equal(len, 11);
    assert_string_equal(out, "mac,serial\n");
    free(out);
    /* No limit at all must not wrap the size computations around. */
    assert_int_equal(fs_read_file(path, SIZE_MAX, &out, &len, &err), 0);
    assert_int_equal(len, 11);
    free(out);
}

static void read_file_of_empty_file_gives_empty_string(void **state)
{
    char path[PATH_MAX];
    struct fw_err err;
    char *out = NULL;
    size_t len = 99;

    (void)state;
    put("empty", "");
    tmp_path(path, sizeof(path), "empty");
    assert_int_equal(fs_read_file(path, 0, &out, &len, &err), 0);
    assert_int_equal(len, 0);
    assert_string_equal(out, "");
    free(out);
}

static void read_file_refuses_file_larger_than_limit_naming_both(void **state)
{
    char path[PATH_MAX];
    char want[WANT_LEN];
    struct fw_err err;
    char *out = NULL;
    size_t len = 0;

    (void)state;
    put("big", "0123456789ab");
    tmp_path(path, sizeof(path), "big");
    assert_int_equal(fs_read_file(path, 11, &out, &len, &err), -1);
    snprintf(want, sizeof(want), "%s is 12 bytes, more than the limit of 11", path);
    assert_string_equal(err.msg, want);
    assert_null(out);
}

static void read_file_refuses_directory(void **state)
{
    struct fw_err err;
    char *out = NULL;
    size_t len = 0;

    (void)state;
    assert_int_equal(fs_read_file(tmpdir, 100, &out, &len, &err), -1);
    assert_msg(&err, "%s is not a regular file%s", tmpdir, "");
    assert_null(out);
}

static void read_file_refuses_fifo_without_blocking(void **state)
{
    char path[PATH_MAX];
    struct fw_err err;
    char *out = NULL;
    size_t len = 0;

    (void)state;
    tmp_path(path, sizeof(path), "fifo");
    assert_int_equal(mkfifo(path, 0600), 0);
    alarm(5);
    assert_int_equal(fs_read_file(path, 100, &out, &len, &err), -1);
    alarm(0);
    assert_msg(&err, "%s is not a regular file%s", path, "");
}

static void read_file_of_missing_file_names_system_error(void **state)
{
    char path[PATH_MAX];
    struct fw_err err;
    char *out = NULL;
    size_t len = 0;

    (void)state;
    tmp_path(path, sizeof(path), "absent");
    assert_int_equal(fs_read_file(path, 100, &out, &len, &err), -1);
    assert_msg(&err, "cannot read %s: %s", path, "No such file or directory");
}

/* /proc files report size 0 and then deliver text: the buffer must grow past the size
 * fstat gave, and stop at the limit. */
static void read_file_follows_a_file_that_is_longer_than_it_said(void **state)
{
    struct fw_err err;
    char *out = NULL;
    size_t len = 0;

    (void)state;
    assert_int_equal(fs_read_file("/proc/self/status", 1 << 20, &out, &len, &err), 0);
    assert_true(len > 100);
    assert_int_equal(strlen(out), len);
    assert_non_null(strstr(out, "Name:"));
    free(out);
}

static void read_file_refuses_a_file_that_grows_past_the_limit(void **state)
{
    struct fw_err err;
    char *out = NULL;
    size_t len = 0;

    (void)state;
    assert_int_equal(fs_read_file("/proc/self/status", 40, &out, &len, &err), -1);
    assert_string_equal(err.msg,
                        "/proc/self/status grew past the limit of 40 bytes while it was read");
    assert_null(out);
}

static void mkdirs_creates_missing_parents_and_accepts_existing(void **state)
{
    char path[PATH_MAX];
    struct fw_err err;
    struct stat st;

    (void)state;
    tmp_path(path, sizeof(path), "targeted/firmware/AB_CD_EF_12_34_56");
    assert_int_equal(fs_mkdirs(path, &err), 0);
    assert_int_equal(stat(path, &st), 0);
    assert_true(S_ISDIR(st.st_mode));
    assert_int_equal(st.st_mode & 0777, 0755);
    assert_int_equal(fs_mkdirs(path, &err), 0);
    tmp_path(path, sizeof(path), "targeted//archive/");
    assert_int_equal(fs_mkdirs(path, &err), 0);
    assert_true(exists("targeted/archive"));
}

static void mkdirs_fails_where_a_file_is_in_the_way(void **state)
{
    char path[PATH_MAX];
    char at[PATH_MAX];
    char want[WANT_LEN];
    struct fw_err err;

    (void)state;
    put("file", "x");
    tmp_path(path, sizeof(path), "file");
    assert_int_equal(fs_mkdirs(path, &err), -1);
    assert_msg(&err, "cannot create directory %s: %s", path, "Not a directory");

    /* The message names the component in the way, not only the whole path. */
    tmp_path(path, sizeof(path), "file/sub/dir");
    tmp_path(at, sizeof(at), "file");
    assert_int_equal(fs_mkdirs(path, &err), -1);
    snprintf(want, sizeof(want), "cannot create directory %s: %s: Not a directory", path, at);
    assert_string_equal(err.msg, want);
}

static void mkdirs_refuses_empty_name(void **state)
{
    struct fw_err err;

    (void)state;
    assert_int_equal(fs_mkdirs("", &err), -1);
    assert_string_equal(err.msg, "cannot create a directory without a name");
}

static void mkdirs_refuses_path_longer_than_path_max(void **state)
{
    char path[PATH_MAX + 10];
    struct fw_err err;

    (void)state;
    memset(path, 'd', sizeof(path) - 1);
    path[sizeof(path) - 1] = '\0';
    assert_int_equal(fs_mkdirs(path, &err), -1);
    assert_memory_equal(err.msg, "cannot create directory ddd", 27);
}

static void move_renames_into_another_directory(void **state)
{
    char src[PATH_MAX];
    char dst[PATH_MAX];
    char got[16];
    struct fw_err err;

    (void)state;
    put("AB.json", "fix");
    make_dir("archive");
    tmp_path(src, sizeof(src), "AB.json");
    tmp_path(dst, sizeof(dst), "archive/AB.json");
    assert_int_equal(fs_move(src, dst, &err), 0);
    assert_false(exists("AB.json"));
    slurp("archive/AB.json", got, sizeof(got));
    assert_string_equal(got, "fix");
}

static void move_within_a_directory_keeps_the_content(void **state)
{
    char src[PATH_MAX];
    char dst[PATH_MAX];
    char got[16];
    struct fw_err err;

    (void)state;
    put("a", "A");
    tmp_path(src, sizeof(src), "a");
    tmp_path(dst, sizeof(dst), "b");
    assert_int_equal(fs_move(src, dst, &err), 0);
    slurp("b", got, sizeof(got));
    assert_string_equal(got, "A");
    assert_false(exists("a"));
}

static void move_refuses_to_replace_existing_destination(void **state)
{
    char src[PATH_MAX];
    char dst[PATH_MAX];
    char want[WANT_LEN];
    char got[16];
    struct fw_err err;

    (void)state;
    put("a", "new");
    put("b", "old");
    tmp_path(src, sizeof(src), "a");
    tmp_path(dst, sizeof(dst), "b");
    assert_int_equal(fs_move(src, dst, &err), -1);
    snprintf(want, sizeof(want), "cannot move %s to %s: File exists", src, dst);
    assert_string_equal(err.msg, want);
    slurp("a", got, sizeof(got));
    assert_string_equal(got, "new");
    slurp("b", got, sizeof(got));
    assert_string_equal(got, "old");
}

static void move_of_missing_source_fails(void **state)
{
    char src[PATH_MAX];
    char dst[PATH_MAX];
    struct fw_err err;

    (void)state;
    tmp_path(src, sizeof(src), "absent");
    tmp_path(dst, sizeof(dst), "b");
    assert_int_equal(fs_move(src, dst, &err), -1);
    assert_non_null(strstr(err.msg, "No such file or directory"));
    assert_false(exists("b"));
}

static void move_refuses_a_path_ending_in_slash(void **state)
{
    char src[PATH_MAX];
    char dst[PATH_MAX];
    struct fw_err err;

    (void)state;
    put("a", "A");
    tmp_path(src, sizeof(src), "a");
    tmp_path(dst, sizeof(dst), "b/");
    assert_int_equal(fs_move(src, dst, &err), -1);
    assert_true(exists("a"));
}

static void move_refuses_a_directory_longer_than_path_max(void **state)
{
    char src[PATH_MAX + 10];
    char dst[PATH_MAX];
    struct fw_err err;

    (void)state;
    memset(src, 's', sizeof(src) - 1);
    src[sizeof(src) - 3] = '/';
    src[sizeof(src) - 1] = '\0';
    tmp_path(dst, sizeof(dst), "b");
    assert_int_equal(fs_move(src, dst, &err), -1);
    assert_memory_equal(err.msg, "cannot move sss", 15);
    assert_false(exists("b"));
}

/* The fsyncs of a move: #0 the new directory, #1 the old one. */
static void move_reports_a_failed_fsync_of_the_new_directory_as_not_durable(void **state)
{
    char src[PATH_MAX];
    char dst[PATH_MAX];
    char want[WANT_LEN];
    struct fw_err err;

    (void)state;
    put("AB.json", "fix");
    make_dir("archive");
    tmp_path(src, sizeof(src), "AB.json");
    tmp_path(dst, sizeof(dst), "archive/AB.json");
    fail_fsyncs = 1u << 0;
    assert_int_equal(fs_move(src, dst, &err), FS_NOT_DURABLE);
    snprintf(want, sizeof(want), "cannot move %s to %s: fsync of %s/archive: Input/output error",
             src, dst, tmpdir);
    assert_string_equal(err.msg, want);
    assert_false(exists("AB.json"));
    assert_true(exists("archive/AB.json"));
}

static void move_reports_a_failed_fsync_of_the_old_directory_as_not_durable(void **state)
{
    char src[PATH_MAX];
    char dst[PATH_MAX];
    char want[WANT_LEN];
    struct fw_err err;

    (void)state;
    put("AB.json", "fix");
    make_dir("archive");
    tmp_path(src, sizeof(src), "AB.json");
    tmp_path(dst, sizeof(dst), "archive/AB.json");
    fail_fsyncs = 1u << 1;
    assert_int_equal(fs_move(src, dst, &err), FS_NOT_DURABLE);
    snprintf(want, sizeof(want), "cannot move %s to %s: fsync of %s: Input/output error", src, dst,
             tmpdir);
    assert_string_equal(err.msg, want);
    assert_true(exists("archive/AB.json"));
    /* moving it back undoes it */
    fail_fsyncs = 0;
    assert_int_equal(fs_move(dst, src, &err), 0);
    assert_true(exists("AB.json"));
    assert_false(exists("archive/AB.json"));
}

/* A small repository: tmpdir/repo with one file, and tmpdir/outside beside it. */
static void make_repo(char *repo, size_t len)
{
    make_dir("repo");
    make_dir("repo/targeted");
    make_dir("outside");
    put("repo/manifest.json", "{}");
    put("outside/secret", "s");
    tmp_path(repo, len, "repo");
}

static void resolve_accepts_existing_file_and_writes_joined_path(void **state)
{
    char repo[PATH_MAX];
    char out[PATH_MAX];
    char want[PATH_MAX];
    struct fw_err err;

    (void)state;
    make_repo(repo, sizeof(repo));
    assert_int_equal(fs_resolve_inside(repo, "manifest.json", out, sizeof(out), &err), 0);
    tmp_path(want, sizeof(want), "repo/manifest.json");
    assert_string_equal(out, want);
}

/* A file about to be written, in directories that do not exist yet. */
static void resolve_accepts_missing_file_and_missing_directories(void **state)
{
    char repo[PATH_MAX];
    char out[PATH_MAX];
    struct fw_err err;

    (void)state;
    make_repo(repo, sizeof(repo));
    assert_int_equal(fs_resolve_inside(repo, "targeted/AB.json", out, sizeof(out), &err), 0);
    assert_int_equal(
        fs_resolve_inside(repo, "targeted/firmware/AB/fix.bin", out, sizeof(out), &err), 0);
}

static void resolve_refuses_dot_dot_anywhere(void **state)
{
    static const char *const rels[] = {"..", "../outside/secret", "targeted/../../x",
                                       "targeted/.."};
    char repo[PATH_MAX];
    char out[PATH_MAX];
    char want[WANT_LEN];
    struct fw_err err;

    (void)state;
    make_repo(repo, sizeof(repo));
    for (size_t i = 0; i < sizeof(rels) / sizeof(rels[0]); i++) {
        assert_int_equal(fs_resolve_inside(repo, rels[i], out, sizeof(out), &err), -1);
        snprintf(want, sizeof(want), "%s: \"..\" is not allowed in a repository path", rels[i]);
        assert_string_equal(err.msg, want);
    }
}

static void resolve_refuses_absolute_path(void **state)
{
    char repo[PATH_MAX];
    char out[PATH_MAX];
    struct fw_err err;

    (void)state;
    make_repo(repo, sizeof(repo));
    assert_int_equal(fs_resolve_inside(repo, "/etc/passwd", out, sizeof(out), &err), -1);
    assert_string_equal(err.msg, "/etc/passwd: expected a path relative to the repository");
}

static void resolve_refuses_backslash(void **state)
{
    char repo[PATH_MAX];
    char out[PATH_MAX];
    struct fw_err err;

    (void)state;
    make_repo(repo, sizeof(repo));
    assert_int_equal(fs_resolve_inside(repo, "targeted\\x.json", out, sizeof(out), &err), -1);
    assert_string_equal(err.msg,
                        "targeted\\x.json: a backslash is not allowed in a repository path");
}

static void resolve_refuses_empty_and_dot_components(void **state)
{
    static const char *const rels[] = {".", "./manifest.json", "targeted/./x", "targeted//x",
                                       "targeted/"};
    char repo[PATH_MAX];
    char out[PATH_MAX];
    char want[WANT_LEN];
    struct fw_err err;

    (void)state;
    make_repo(repo, sizeof(repo));
    for (size_t i = 0; i < sizeof(rels) / sizeof(rels[0]); i++) {
        assert_int_equal(fs_resolve_inside(repo, rels[i], out, sizeof(out), &err), -1);
        snprintf(want, sizeof(want), "%s: empty and \".\" components are not allowed", rels[i]);
        assert_string_equal(err.msg, want);
    }
    assert_int_equal(fs_resolve_inside(repo, "", out, sizeof(out), &err), -1);
    assert_string_equal(err.msg, "an empty path is not a file in the repository");
}

static void resolve_refuses_symlink_to_a_file_outside(void **state)
{
    char repo[PATH_MAX];
    char out[PATH_MAX];
    char secret[PATH_MAX];
    char real[PATH_MAX];
    char want[WANT_LEN];
    struct fw_err err;

    (void)state;
    make_repo(repo, sizeof(repo));
    tmp_path(secret, sizeof(secret), "outside/secret");
    make_link(secret, "repo/targeted/x.json");
    assert_int_equal(fs_resolve_inside(repo, "targeted/x.json", out, sizeof(out), &err), -1);
    assert_non_null(realpath(secret, real));
    snprintf(want, sizeof(want), "targeted/x.json leads outside the repository (symlink to %s)",
             real);
    assert_string_equal(err.msg, want);
}

/* A relative link that climbs out is caught as well as an absolute one. */
static void resolve_refuses_relative_symlink_climbing_out(void **state)
{
    char repo[PATH_MAX];
    char out[PATH_MAX];
    struct fw_err err;

    (void)state;
    make_repo(repo, sizeof(repo));
    make_link("../../outside/secret", "repo/targeted/x.json");
    assert_int_equal(fs_resolve_inside(repo, "targeted/x.json", out, sizeof(out), &err), -1);
    assert_non_null(strstr(err.msg, "leads outside the repository"));
}

/* "repo-old" starts with "repo" but is not inside it. */
static void resolve_refuses_symlink_to_a_sibling_sharing_the_name_prefix(void **state)
{
    char repo[PATH_MAX];
    char out[PATH_MAX];
    struct fw_err err;

    (void)state;
    make_repo(repo, sizeof(repo));
    make_dir("repo-old");
    put("repo-old/manifest.json", "{}");
    make_link("../../repo-old/manifest.json", "repo/targeted/old.json");
    assert_int_equal(fs_resolve_inside(repo, "targeted/old.json", out, sizeof(out), &err), -1);
    assert_non_null(strstr(err.msg, "targeted/old.json leads outside the repository"));
}

/* The file does not exist, but its directory is a link to elsewhere. */
static void resolve_refuses_missing_file_under_directory_linked_outside(void **state)
{
    char repo[PATH_MAX];
    char out[PATH_MAX];
    char outside[PATH_MAX];
    struct fw_err err;

    (void)state;
    make_repo(repo, sizeof(repo));
    tmp_path(outside, sizeof(outside), "outside");
    make_link(outside, "repo/firmware");
    assert_int_equal(fs_resolve_inside(repo, "firmware/new.bin", out, sizeof(out), &err), -1);
    assert_non_null(strstr(err.msg, "firmware/new.bin leads outside the repository"));
    assert_int_equal(fs_resolve_inside(repo, "firmware/secret", out, sizeof(out), &err), -1);
    assert_non_null(strstr(err.msg, "firmware/secret leads outside the repository"));
}

/* Writing through a dangling link would create its target, wherever that is. */
static void resolve_refuses_dangling_symlink(void **state)
{
    char repo[PATH_MAX];
    char out[PATH_MAX];
    char link[PATH_MAX];
    char want[WANT_LEN];
    struct fw_err err;

    (void)state;
    make_repo(repo, sizeof(repo));
    make_link("/nonexistent/fwhub-test", "repo/targeted/x.json");
    assert_int_equal(fs_resolve_inside(repo, "targeted/x.json", out, sizeof(out), &err), -1);
    tmp_path(link, sizeof(link), "repo/targeted/x.json");
    snprintf(want, sizeof(want), "targeted/x.json: %s is a symlink to a missing file", link);
    assert_string_equal(err.msg, want);
}

static void resolve_accepts_symlink_that_stays_inside(void **state)
{
    char repo[PATH_MAX];
    char out[PATH_MAX];
    struct fw_err err;

    (void)state;
    make_repo(repo, sizeof(repo));
    make_link("../manifest.json", "repo/targeted/current.json");
    make_link(".", "repo/self");
    assert_int_equal(fs_resolve_inside(repo, "targeted/current.json", out, sizeof(out), &err), 0);
    assert_int_equal(fs_resolve_inside(repo, "self", out, sizeof(out), &err), 0);
    assert_int_equal(fs_resolve_inside(repo, "self/manifest.json", out, sizeof(out), &err), 0);
}

/* The repository itself may be reached through a link; both sides are resolved. */
static void resolve_accepts_repository_given_through_a_symlink(void **state)
{
    char repo[PATH_MAX];
    char link[PATH_MAX];
    char out[PATH_MAX];
    struct fw_err err;

    (void)state;
    make_repo(repo, sizeof(repo));
    make_link(repo, "repo-link");
    tmp_path(link, sizeof(link), "repo-link");
    assert_int_equal(fs_resolve_inside(link, "manifest.json", out, sizeof(out), &err), 0);
    assert_int_equal(fs_resolve_inside(link, "targeted/new.json", out, sizeof(out), &err), 0);
}

/* The file system root as repository: everything is inside it. */
static void resolve_accepts_anything_under_a_root_repository(void **state)
{
    char out[PATH_MAX];
    struct fw_err err;

    (void)state;
    assert_int_equal(fs_resolve_inside("/", "tmp", out, sizeof(out), &err), 0);
    assert_string_equal(out, "/tmp");
    assert_int_equal(fs_resolve_inside("/", "fwhub-no-such-dir/x", out, sizeof(out), &err), 0);
    assert_string_equal(out, "/fwhub-no-such-dir/x");
}

static void resolve_fails_for_missing_repository(void **state)
{
    char repo[PATH_MAX];
    char out[PATH_MAX];
    struct fw_err err;

    (void)state;
    tmp_path(repo, sizeof(repo), "no-repo");
    assert_int_equal(fs_resolve_inside(repo, "manifest.json", out, sizeof(out), &err), -1);
    assert_msg(&err, "cannot resolve repository %s: %s", repo, "No such file or directory");
}

static void resolve_fails_through_a_file_used_as_directory(void **state)
{
    char repo[PATH_MAX];
    char out[PATH_MAX];
    struct fw_err err;

    (void)state;
    make_repo(repo, sizeof(repo));
    assert_int_equal(fs_resolve_inside(repo, "manifest.json/x", out, sizeof(out), &err), -1);
    assert_string_equal(err.msg, "cannot resolve manifest.json/x: Not a directory");
}

static void resolve_refuses_output_buffer_too_small(void **state)
{
    char repo[PATH_MAX];
    char out[8];
    struct fw_err err;

    (void)state;
    make_repo(repo, sizeof(repo));
    assert_int_equal(fs_resolve_inside(repo, "manifest.json", out, sizeof(out), &err), -1);
    assert_string_equal(err.msg, "manifest.json: File name too long");
}

#define T(name) cmocka_unit_test_setup(name, empty_tmpdir)

int main(void)
{
    const struct CMUnitTest tests[] = {
        T(join_puts_one_slash_between_parts),
        T(join_refuses_what_does_not_fit_with_its_nul),
        T(write_atomic_creates_file_with_content_and_mode),
        T(write_atomic_replaces_longer_content_and_leaves_no_temp_file),
        T(write_atomic_writes_an_empty_file),
        T(write_atomic_accepts_a_path_without_directory),
        T(write_atomic_into_missing_directory_fails_naming_path),
        T(write_atomic_over_a_directory_fails_and_removes_temp_file),
        T(write_atomic_refuses_a_path_ending_in_slash),
        T(write_atomic_refuses_a_name_too_long_for_its_temp_file),
        T(write_atomic_refuses_a_path_too_long_for_its_temp_file),
        T(write_atomic_fails_with_path_untouched_when_the_file_fsync_fails),
        T(write_atomic_reports_a_failed_directory_fsync_as_not_durable),
        T(replace_atomic_writes_as_write_atomic_when_nothing_fails),
        T(replace_atomic_puts_the_previous_content_back_when_not_durable),
        T(replace_atomic_removes_a_new_file_again_when_not_durable),
        T(replace_atomic_keeps_the_new_content_when_putting_back_fails),
        T(replace_atomic_counts_a_put_back_that_is_not_durable_as_put_back),
        T(replace_atomic_fails_with_path_untouched_as_write_atomic),
        T(copy_atomic_copies_more_than_one_chunk_with_mode),
        T(copy_atomic_from_missing_source_fails_naming_source),
        T(copy_atomic_from_directory_is_refused),
        T(copy_atomic_over_a_directory_fails_and_removes_temp_file),
        T(copy_atomic_into_missing_directory_fails_naming_destination),
        T(copy_atomic_reports_a_failed_directory_fsync_as_not_durable),
        T(read_file_returns_content_nul_terminated),
        T(read_file_of_empty_file_gives_empty_string),
        T(read_file_refuses_file_larger_than_limit_naming_both),
        T(read_file_refuses_directory),
        T(read_file_refuses_fifo_without_blocking),
        T(read_file_of_missing_file_names_system_error),
        T(read_file_follows_a_file_that_is_longer_than_it_said),
        T(read_file_refuses_a_file_that_grows_past_the_limit),
        T(mkdirs_creates_missing_parents_and_accepts_existing),
        T(mkdirs_fails_where_a_file_is_in_the_way),
        T(mkdirs_refuses_empty_name),
        T(mkdirs_refuses_path_longer_than_path_max),
        T(move_renames_into_another_directory),
        T(move_within_a_directory_keeps_the_content),
        T(move_refuses_to_replace_existing_destination),
        T(move_of_missing_source_fails),
        T(move_refuses_a_path_ending_in_slash),
        T(move_refuses_a_directory_longer_than_path_max),
        T(move_reports_a_failed_fsync_of_the_new_directory_as_not_durable),
        T(move_reports_a_failed_fsync_of_the_old_directory_as_not_durable),
        T(resolve_accepts_existing_file_and_writes_joined_path),
        T(resolve_accepts_missing_file_and_missing_directories),
        T(resolve_refuses_dot_dot_anywhere),
        T(resolve_refuses_absolute_path),
        T(resolve_refuses_backslash),
        T(resolve_refuses_empty_and_dot_components),
        T(resolve_refuses_symlink_to_a_file_outside),
        T(resolve_refuses_relative_symlink_climbing_out),
        T(resolve_refuses_symlink_to_a_sibling_sharing_the_name_prefix),
        T(resolve_refuses_missing_file_under_directory_linked_outside),
        T(resolve_refuses_dangling_symlink),
        T(resolve_accepts_symlink_that_stays_inside),
        T(resolve_accepts_repository_given_through_a_symlink),
        T(resolve_accepts_anything_under_a_root_repository),
        T(resolve_fails_for_missing_repository),
        T(resolve_fails_through_a_file_used_as_directory),
        T(resolve_refuses_output_buffer_too_small),
    };

    return cmocka_run_group_tests(tests, make_tmpdir, remove_tmpdir);
}
