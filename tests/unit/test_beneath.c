/* test_beneath.c: stat()ing files of a repository without leaving it. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>

#include "core/beneath.h"
#include "testrepo.h"

static int setup(void **state)
{
    char *dir = repo_new(), path[4096];

    repo_put(dir, "firmware/M/a.bin", "12345");
    repo_put(dir, "inside.bin", "xy");
    snprintf(path, sizeof(path), "%s/firmware/M/link_in.bin", dir);
    assert_int_equal(symlink("../../inside.bin", path), 0);
    snprintf(path, sizeof(path), "%s/firmware/M/link_out.bin", dir);
    assert_int_equal(symlink("/etc/hostname", path), 0);
    snprintf(path, sizeof(path), "%s/firmware/OUT", dir);
    assert_int_equal(symlink("/etc", path), 0);
    *state = dir;
    return 0;
}

static int teardown(void **state)
{
    repo_remove(*state);
    return 0;
}

static void both_ways(const char *dir, const char *rel, int want_rc, int want_errno,
                      off_t want_size)
{
    int fd = open(dir, O_PATH | O_DIRECTORY);
    struct fw_err err = {""};
    struct stat st;

    assert_true(fd >= 0);
    for (int k = 0; k < 2; k++) {
        int rc = fs_stat_beneath(k ? fd : -1, dir, rel, &st, &err);

        assert_int_equal(rc, want_rc);
        if (rc == 0)
            assert_int_equal(st.st_size, want_size);
        else {
            assert_int_equal(errno, want_errno);
            assert_non_null(strstr(err.msg, rel));
        }
    }
    close(fd);
}

static void test_plain_file_is_found(void **state)
{
    both_ways(*state, "firmware/M/a.bin", 0, 0, 5);
}

static void test_symlink_that_stays_inside_is_followed(void **state)
{
    both_ways(*state, "firmware/M/link_in.bin", 0, 0, 2);
}

static void test_symlink_leading_out_is_refused(void **state)
{
    both_ways(*state, "firmware/M/link_out.bin", -1, EXDEV, 0);
}

static void test_folder_symlink_leading_out_is_refused(void **state)
{
    both_ways(*state, "firmware/OUT/hostname", -1, EXDEV, 0);
}

static void test_dot_dot_is_refused(void **state)
{
    both_ways(*state, "firmware/../../etc/hostname", -1, EXDEV, 0);
}

static void test_missing_file_is_enoent(void **state)
{
    both_ways(*state, "firmware/M/none.bin", -1, ENOENT, 0);
}

#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        T(test_plain_file_is_found),
        T(test_symlink_that_stays_inside_is_followed),
        T(test_symlink_leading_out_is_refused),
        T(test_folder_symlink_leading_out_is_refused),
        T(test_dot_dot_is_refused),
        T(test_missing_file_is_enoent),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
