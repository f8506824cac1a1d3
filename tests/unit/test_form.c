/* test_form.c: HTML form bodies (src/core/form.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "core/form.h"

static char mac[32], serial[16], comment[64];
static struct form_field f[3];

/* Parses body into mac, serial and comment (multiline); returns form_parse's result. */
static int parse(const char *body, const char **bad)
{
    struct form_field init[3] = {{"mac", mac, sizeof(mac), false, false},
                                 {"serial", serial, sizeof(serial), false, false},
                                 {"comment", comment, sizeof(comment), true, false}};

    memcpy(f, init, sizeof(f));
    mac[0] = serial[0] = comment[0] = '\0';
    return form_parse(body, strlen(body), f, 3, bad);
}

static void fields_are_decoded(void **state)
{
    const char *bad;

    (void)state;
    assert_int_equal(parse("mac=ab%3Acd-ef&serial=EVSE+2024&comment=a%26b%3Dc", &bad), 0);
    assert_string_equal(mac, "ab:cd-ef");
    assert_string_equal(serial, "EVSE 2024");
    assert_string_equal(comment, "a&b=c");
    assert_true(f[0].seen && f[1].seen && f[2].seen);
}

static void missing_and_unknown_fields(void **state)
{
    const char *bad;

    (void)state;
    assert_int_equal(parse("other=1&mac=x&&=y&serial", &bad), 0);
    assert_string_equal(mac, "x");
    assert_string_equal(serial, "");
    assert_true(f[1].seen);
    assert_false(f[2].seen);
    assert_int_equal(parse("", &bad), 0);
    assert_false(f[0].seen);
}

static void a_field_twice_is_refused(void **state)
{
    const char *bad = NULL;

    (void)state;
    assert_int_equal(parse("mac=a&serial=b&mac=c", &bad), -1);
    assert_string_equal(bad, "mac");
}

static void values_that_do_not_fit_are_refused(void **state)
{
    const char *bad = NULL;

    (void)state;
    /* serial holds 15 bytes and the NUL */
    assert_int_equal(parse("serial=123456789012345", &bad), 0);
    assert_int_equal(parse("serial=1234567890123456", &bad), -1);
    assert_string_equal(bad, "serial");
}

static void broken_escapes_and_nul_are_refused(void **state)
{
    const char *bad = NULL;

    (void)state;
    assert_int_equal(parse("mac=%ZZ", &bad), -1);
    assert_string_equal(bad, "mac");
    assert_int_equal(parse("mac=%4", &bad), -1);
    assert_int_equal(parse("serial=a%00b", &bad), -1);
    assert_string_equal(bad, "serial");
}

static void only_utf8_text(void **state)
{
    const char *bad = NULL;

    (void)state;
    assert_int_equal(parse("comment=gr%C3%BC%C3%9Fe+%E2%82%AC+%F0%9F%94%8C", &bad), 0);
    assert_string_equal(comment, "gr\xc3\xbc\xc3\x9f"
                                 "e \xe2\x82\xac \xf0\x9f\x94\x8c");
    assert_int_equal(parse("comment=%FF", &bad), -1);
    assert_int_equal(parse("comment=%C0%AF", &bad), -1);       /* overlong '/' */
    assert_int_equal(parse("comment=%ED%A0%80", &bad), -1);    /* a surrogate */
    assert_int_equal(parse("comment=%F4%90%80%80", &bad), -1); /* past U+10FFFF */
    assert_int_equal(parse("comment=%E2%82", &bad), -1);       /* cut short */
    assert_string_equal(bad, "comment");
}

static void control_characters_only_as_line_breaks(void **state)
{
    const char *bad = NULL;

    (void)state;
    assert_int_equal(parse("comment=one%0D%0Atwo%0Athree%09four", &bad), 0);
    assert_string_equal(comment, "one\ntwo\nthree\tfour");
    assert_int_equal(parse("mac=a%0Ab", &bad), -1);
    assert_string_equal(bad, "mac");
    assert_int_equal(parse("comment=a%1Bb", &bad), -1);
    assert_int_equal(parse("serial=a%7F", &bad), -1);
}

static void trim_drops_surrounding_blanks(void **state)
{
    char s[] = " \t AB CD \t";
    char empty[] = "   ";

    (void)state;
    assert_string_equal(form_trim(s), "AB CD");
    assert_string_equal(form_trim(empty), "");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(fields_are_decoded),
        cmocka_unit_test(missing_and_unknown_fields),
        cmocka_unit_test(a_field_twice_is_refused),
        cmocka_unit_test(values_that_do_not_fit_are_refused),
        cmocka_unit_test(broken_escapes_and_nul_are_refused),
        cmocka_unit_test(only_utf8_text),
        cmocka_unit_test(control_characters_only_as_line_breaks),
        cmocka_unit_test(trim_drops_surrounding_blanks),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
