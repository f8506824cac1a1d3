/* test_jsonpos.c: positions of fields in JSON text. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "core/jsonpos.h"

static const char DOC[] = "{\n"
                          "  \"a\": 1,\n"
                          "  \"s\": \"x\\\"b\\\": {\",\n"
                          "  \"b\": {\n"
                          "    \"c\": [10, {\"d\": true}, \"e\"],\n"
                          "    \"f\": null\n"
                          "  }\n"
                          "}\n";

static void at(const char *path, int want_line, int want_col)
{
    int line = -1, col = -1;

    jsonpos_find(DOC, strlen(DOC), path, &line, &col);
    assert_int_equal(line, want_line);
    assert_int_equal(col, want_col);
}

static void test_root_is_first_character(void **state)
{
    (void)state;
    at("", 1, 1);
}

static void test_member_points_at_its_key(void **state)
{
    (void)state;
    at("a", 2, 3);
    at("b", 4, 3);
    at("b.f", 6, 5);
}

static void test_array_element_points_at_the_element(void **state)
{
    (void)state;
    at("b.c[0]", 5, 11);
    at("b.c[1]", 5, 15);
    at("b.c[1].d", 5, 16);
    at("b.c[2]", 5, 28);
}

static void test_key_inside_a_string_is_not_a_member(void **state)
{
    (void)state;
    /* "s" holds the text  x"b": {  which must not be mistaken for member b */
    at("b", 4, 3);
}

static void test_missing_field_points_at_deepest_existing_part(void **state)
{
    (void)state;
    at("b.zz", 4, 3);
    at("b.c[7]", 5, 5);
    at("nope.x", 1, 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_root_is_first_character),
        cmocka_unit_test(test_member_points_at_its_key),
        cmocka_unit_test(test_array_element_points_at_the_element),
        cmocka_unit_test(test_key_inside_a_string_is_not_a_member),
        cmocka_unit_test(test_missing_field_points_at_deepest_existing_part),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
