/* test_problems.c: unit tests of src/core/problems.c: adding, formatting, sorting and moving. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "core/problems.h"

static const char *formatted(const struct problems *p, size_t i)
{
    static char buf[3 * FW_ERRLEN];

    assert_true(i < p->n);
    problem_format(&p->v[i], buf, sizeof(buf));
    return buf;
}

static void test_problems_add_copies_every_string_and_counts(void **state)
{
    struct problems p = {0};
    char file[] = "targeted/AB_CD_EF_12_34_56.json", path[] = "devices[0].url";

    (void)state;
    problems_add(&p, SEV_ERROR, file, 3, 7, path, "expected %s", "a string");
    problems_add(&p, SEV_WARNING, file, 4, 1, "", "unknown key");
    memset(file, 'x', sizeof(file) - 1);
    memset(path, 'y', sizeof(path) - 1);
    assert_int_equal(p.n, 2);
    assert_int_equal(p.errors, 1);
    assert_int_equal(p.warnings, 1);
    assert_string_equal(p.v[0].file, "targeted/AB_CD_EF_12_34_56.json");
    assert_string_equal(p.v[0].path, "devices[0].url");
    assert_string_equal(p.v[0].msg, "expected a string");
    problems_free(&p);
    assert_int_equal(p.n, 0);
    assert_null(p.v);
}

static void test_problems_add_takes_null_file_and_path_as_empty(void **state)
{
    struct problems p = {0};

    (void)state;
    problems_add(&p, SEV_ERROR, NULL, 0, 0, NULL, "out of memory");
    assert_string_equal(p.v[0].file, "");
    assert_string_equal(p.v[0].path, "");
    problems_free(&p);
}

static void test_problems_add_counts_but_drops_past_the_maximum(void **state)
{
    struct problems p = {0};

    (void)state;
    for (int k = 0; k < PROBLEMS_MAX + 5; k++)
        problems_add(&p, k % 2 ? SEV_WARNING : SEV_ERROR, "f", k, 1, "", "n%d", k);
    assert_int_equal(p.n, PROBLEMS_MAX);
    assert_int_equal(p.dropped, 5);
    assert_int_equal(p.errors + p.warnings, PROBLEMS_MAX + 5);
    problems_free(&p);
}

/* Found by the fuzz targets: findings quoted raw bytes of a file (a CSV header, a byte
 * before a JSON value), and `fwhub validate --json` could not print them. */
static void test_problems_add_shows_bytes_that_are_not_utf8_by_code(void **state)
{
    struct problems p = {0};

    (void)state;
    problems_add(&p, SEV_WARNING, "devices.csv", 1, 1, "", "unknown column \"MAC%sserial\"",
                 "\xbb");
    problems_add(&p, SEV_ERROR, "targeted/\xff.json", 0, 0, "a\xc3", "cut \xf0\x9f\x94");
    problems_add(&p, SEV_ERROR, "f", 1, 1, "", "overlong \xc0\x80, surrogate \xed\xa0\x80");
    assert_string_equal(p.v[0].msg, "unknown column \"MAC\\xBBserial\"");
    assert_string_equal(p.v[1].file, "targeted/\\xFF.json");
    assert_string_equal(p.v[1].path, "a\\xC3");
    assert_string_equal(p.v[1].msg, "cut \\xF0\\x9F\\x94");
    assert_string_equal(p.v[2].msg, "overlong \\xC0\\x80, surrogate \\xED\\xA0\\x80");
    problems_free(&p);
}

static void test_problems_add_keeps_utf8_and_makes_control_bytes_visible(void **state)
{
    struct problems p = {0};

    (void)state;
    problems_add(&p, SEV_ERROR, "f", 1, 1, "", "M\xc3\xbcller \xe2\x82\xac \xf0\x9f\x94\x8c");
    problems_add(&p, SEV_ERROR, "f", 1, 1, "", "two\nlines\tand\x7f\x1b[31m");
    assert_string_equal(p.v[0].msg, "M\xc3\xbcller \xe2\x82\xac \xf0\x9f\x94\x8c");
    assert_string_equal(p.v[1].msg, "two\\x0Alines\\x09and\\x7F\\x1B[31m");
    problems_free(&p);
}

static void test_problem_format_names_file_line_column_and_path(void **state)
{
    struct problems p = {0};

    (void)state;
    problems_add(&p, SEV_ERROR, "targeted/AB_CD_EF_12_34_56.json", 38, 7,
                 "devices[0].security.checksum", "expected \"sha256:\" and 64 hex digits");
    problems_add(&p, SEV_WARNING, "manifest.json", 2, 3, "hardware_models.X.notes", "unknown key");
    problems_add(&p, SEV_ERROR, "devices.csv", 0, 0, "", "cannot read devices.csv");
    assert_string_equal(formatted(&p, 0),
                        "targeted/AB_CD_EF_12_34_56.json:38:7: devices[0].security.checksum: "
                        "expected \"sha256:\" and 64 hex digits");
    assert_string_equal(formatted(&p, 1),
                        "manifest.json:2:3: warning: hardware_models.X.notes: unknown key");
    assert_string_equal(formatted(&p, 2), "devices.csv: cannot read devices.csv");
    problems_free(&p);
}

static void test_problem_format_truncates_to_the_buffer(void **state)
{
    struct problems p = {0};
    char small[12];

    (void)state;
    problems_add(&p, SEV_ERROR, "manifest.json", 1, 1, "", "too long for the buffer");
    memset(small, 'z', sizeof(small));
    problem_format(&p.v[0], small, sizeof(small));
    assert_string_equal(small, "manifest.js");
    problems_free(&p);
}

static void test_problems_print_writes_one_line_each_and_the_dropped_count(void **state)
{
    struct problems p = {0};
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);

    (void)state;
    problems_add(&p, SEV_ERROR, "a", 1, 2, "x", "one");
    problems_add(&p, SEV_WARNING, "b", 0, 0, "", "two");
    p.dropped = 3;
    problems_print(&p, f);
    fclose(f);
    assert_string_equal(text, "a:1:2: x: one\nb: warning: two\n(3 further findings not shown)\n");
    free(text);
    problems_free(&p);
}

static void test_problems_sort_orders_by_file_line_and_column(void **state)
{
    struct problems p = {0};

    (void)state;
    problems_add(&p, SEV_ERROR, "targeted/B.json", 1, 1, "", "b1");
    problems_add(&p, SEV_ERROR, "manifest.json", 10, 2, "", "m10");
    problems_add(&p, SEV_ERROR, "manifest.json", 9, 5, "", "m9c5");
    problems_add(&p, SEV_ERROR, "manifest.json", 9, 1, "", "m9c1");
    problems_add(&p, SEV_ERROR, "devices.csv", 0, 0, "", "d");
    problems_sort(&p);
    assert_string_equal(p.v[0].msg, "d");
    assert_string_equal(p.v[1].msg, "m9c1");
    assert_string_equal(p.v[2].msg, "m9c5");
    assert_string_equal(p.v[3].msg, "m10");
    assert_string_equal(p.v[4].msg, "b1");
    problems_free(&p);
}

static void test_problems_sort_keeps_the_order_of_equal_positions(void **state)
{
    struct problems p = {0};
    char want[16];

    (void)state;
    /* many equal keys, where an unstable qsort would shuffle them */
    for (int k = 0; k < 200; k++)
        problems_add(&p, SEV_ERROR, k % 2 ? "b" : "a", 5, 5, "", "%d", k);
    problems_sort(&p);
    for (int k = 0; k < 100; k++) {
        snprintf(want, sizeof(want), "%d", 2 * k);
        assert_string_equal(p.v[k].msg, want);
        snprintf(want, sizeof(want), "%d", 2 * k + 1);
        assert_string_equal(p.v[100 + k].msg, want);
    }
    problems_free(&p);
}

static void test_problems_move_appends_in_order_and_empties_the_source(void **state)
{
    struct problems dst = {0}, src = {0};

    (void)state;
    problems_add(&dst, SEV_ERROR, "z", 1, 1, "", "first");
    problems_add(&src, SEV_WARNING, "a", 1, 1, "", "second");
    problems_add(&src, SEV_ERROR, "a", 1, 1, "", "third");
    src.dropped = 2;
    problems_move(&dst, &src);
    assert_int_equal(dst.n, 3);
    assert_int_equal(dst.errors, 2);
    assert_int_equal(dst.warnings, 1);
    assert_int_equal(dst.dropped, 2);
    assert_string_equal(dst.v[1].msg, "second");
    assert_string_equal(dst.v[2].msg, "third");
    assert_int_equal(src.n, 0);
    assert_int_equal(src.errors, 0);
    assert_null(src.v);

    /* seq is renumbered, so a later sort keeps the moved findings after dst's own */
    problems_add(&dst, SEV_ERROR, "a", 1, 1, "", "fourth");
    problems_sort(&dst);
    assert_string_equal(dst.v[0].msg, "second");
    assert_string_equal(dst.v[1].msg, "third");
    assert_string_equal(dst.v[2].msg, "fourth");
    assert_string_equal(dst.v[3].msg, "first");
    problems_free(&dst);
}

static void test_problems_move_of_an_empty_list_changes_nothing(void **state)
{
    struct problems dst = {0}, src = {0};

    (void)state;
    problems_add(&dst, SEV_ERROR, "z", 1, 1, "", "only");
    problems_move(&dst, &src);
    assert_int_equal(dst.n, 1);
    assert_int_equal(dst.errors, 1);
    problems_move(&src, &dst); /* into an empty list */
    assert_int_equal(src.n, 1);
    assert_string_equal(src.v[0].msg, "only");
    assert_int_equal(dst.n, 0);
    problems_free(&src);
    problems_free(&dst);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_problems_add_copies_every_string_and_counts),
        cmocka_unit_test(test_problems_add_takes_null_file_and_path_as_empty),
        cmocka_unit_test(test_problems_add_counts_but_drops_past_the_maximum),
        cmocka_unit_test(test_problems_add_shows_bytes_that_are_not_utf8_by_code),
        cmocka_unit_test(test_problems_add_keeps_utf8_and_makes_control_bytes_visible),
        cmocka_unit_test(test_problem_format_names_file_line_column_and_path),
        cmocka_unit_test(test_problem_format_truncates_to_the_buffer),
        cmocka_unit_test(test_problems_print_writes_one_line_each_and_the_dropped_count),
        cmocka_unit_test(test_problems_sort_orders_by_file_line_and_column),
        cmocka_unit_test(test_problems_sort_keeps_the_order_of_equal_positions),
        cmocka_unit_test(test_problems_move_appends_in_order_and_empties_the_source),
        cmocka_unit_test(test_problems_move_of_an_empty_list_changes_nothing),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
