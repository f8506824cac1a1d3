/* test_url.c: percent-decoding of paths and query values. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "core/url.h"

static void decodes(const char *in, int flags, const char *want)
{
    char out[64];

    assert_int_equal(url_unescape(in, strlen(in), flags, out, sizeof(out)), (int)strlen(want));
    assert_string_equal(out, want);
}

static void refuses(const char *in, int flags)
{
    char out[64];

    assert_int_equal(url_unescape(in, strlen(in), flags, out, sizeof(out)), -1);
}

static void test_query_value_decodes_escapes_and_plus(void **state)
{
    (void)state;
    decodes("EVSE%5FV2+GEN2", URL_QUERY, "EVSE_V2 GEN2");
    decodes("10.2.1-custom", URL_QUERY, "10.2.1-custom");
    decodes("a%2Fb", URL_QUERY, "a/b");
}

static void test_broken_escapes_and_nul_are_refused(void **state)
{
    (void)state;
    refuses("a%", URL_QUERY);
    refuses("a%2", URL_QUERY);
    refuses("a%zz", URL_QUERY);
    refuses("a%00b", URL_QUERY);
    refuses("a%00b", URL_PATH);
}

static void test_path_refuses_escaped_separators_and_dots(void **state)
{
    (void)state;
    decodes("firmware/M/a%20b.bin", URL_PATH, "firmware/M/a b.bin");
    decodes("a+b", URL_PATH, "a+b");
    refuses("firmware/%2e%2e/x", URL_PATH);
    refuses("firmware%2fx", URL_PATH);
    refuses("firmware%5cx", URL_PATH);
    refuses("firmware\\x", URL_PATH);
    refuses("a%0ab", URL_PATH);
    refuses("a\tb", URL_PATH);
}

static void test_output_that_does_not_fit_is_refused(void **state)
{
    char out[4];

    (void)state;
    assert_int_equal(url_unescape("abc", 3, URL_PATH, out, sizeof(out)), 3);
    assert_int_equal(url_unescape("abcd", 4, URL_PATH, out, sizeof(out)), -1);
}

static void test_plain_components(void **state)
{
    (void)state;
    assert_true(url_plain_components("firmware/M/a.bin"));
    assert_true(url_plain_components("a..b/.c"));
    assert_false(url_plain_components(""));
    assert_false(url_plain_components("/a"));
    assert_false(url_plain_components("a/"));
    assert_false(url_plain_components("a//b"));
    assert_false(url_plain_components("a/./b"));
    assert_false(url_plain_components("a/../b"));
    assert_false(url_plain_components(".."));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_query_value_decodes_escapes_and_plus),
        cmocka_unit_test(test_broken_escapes_and_nul_are_refused),
        cmocka_unit_test(test_path_refuses_escaped_separators_and_dots),
        cmocka_unit_test(test_output_that_does_not_fit_is_refused),
        cmocka_unit_test(test_plain_components),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
