/* test_multipart.c: multipart/form-data parsing (src/server/multipart.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "server/multipart.h"

static struct multipart_part parts[8];
static size_t n;
static struct fw_err err;

static int parse(const char *body)
{
    return multipart_parse(body, strlen(body), "XyZ", parts, 8, &n, &err);
}

static void fields_and_a_file_are_split(void **state)
{
    (void)state;
    assert_int_equal(parse("--XyZ\r\nContent-Disposition: form-data; name=\"mac\"\r\n\r\n"
                           "AB:CD:EF:12:34:56\r\n"
                           "--XyZ\r\nContent-Disposition: form-data; name=\"firmware\"; "
                           "filename=\"fix.bin\"\r\nContent-Type: application/octet-stream\r\n"
                           "\r\n\x01\x02\r\n--X\r\n--XyZ--\r\n"),
                     0);
    assert_int_equal(n, 2);
    assert_string_equal(parts[0].name, "mac");
    assert_false(parts[0].is_file);
    assert_int_equal(parts[0].len, 17);
    assert_memory_equal(parts[0].data, "AB:CD:EF:12:34:56", 17);
    assert_string_equal(parts[1].name, "firmware");
    assert_true(parts[1].is_file);
    assert_string_equal(parts[1].filename, "fix.bin");
    /* the data may hold CRLF and a prefix of the boundary */
    assert_int_equal(parts[1].len, 7);
    assert_memory_equal(parts[1].data, "\x01\x02\r\n--X", 7);
}

static void a_preamble_and_an_empty_value_are_fine(void **state)
{
    (void)state;
    assert_int_equal(parse("ignored\r\n--XyZ\r\nContent-Disposition: form-data; name=a\r\n\r\n"
                           "\r\n--XyZ--"),
                     0);
    assert_int_equal(n, 1);
    assert_string_equal(parts[0].name, "a");
    assert_int_equal(parts[0].len, 0);
}

static void the_boundary_comes_from_the_content_type(void **state)
{
    char b[MULTIPART_BOUNDARY_MAX + 1];
    const char *ct = "multipart/form-data; boundary=----WebKitFormBoundaryabc";
    const char *q = "Multipart/Form-Data; charset=utf-8; boundary=\"a b\"";

    (void)state;
    assert_int_equal(multipart_boundary(ct, strlen(ct), b, &err), 0);
    assert_string_equal(b, "----WebKitFormBoundaryabc");
    assert_int_equal(multipart_boundary(q, strlen(q), b, &err), 0);
    assert_string_equal(b, "a b");
}

static void a_wrong_content_type_is_named(void **state)
{
    char b[MULTIPART_BOUNDARY_MAX + 1];
    char longb[200];

    (void)state;
    assert_int_equal(multipart_boundary("text/plain", 10, b, &err), -1);
    assert_non_null(strstr(err.msg, "expected multipart/form-data"));
    assert_int_equal(multipart_boundary("multipart/form-data", 19, b, &err), -1);
    assert_non_null(strstr(err.msg, "without a boundary"));
    /* a NUL is not a boundary character (found by fuzz_multipart) */
    assert_int_equal(multipart_boundary("multipart/form-data; boundary=a\0b", 33, b, &err), -1);
    assert_non_null(strstr(err.msg, "forbids"));
    snprintf(longb, sizeof(longb), "multipart/form-data; boundary=%080d", 1);
    assert_int_equal(multipart_boundary(longb, strlen(longb), b, &err), -1);
    assert_non_null(strstr(err.msg, "1 to 70"));
}

static void a_body_without_boundary_is_refused(void **state)
{
    (void)state;
    assert_int_equal(parse("just text"), -1);
    assert_non_null(strstr(err.msg, "no opening boundary"));
}

static void a_cut_body_names_the_field(void **state)
{
    (void)state;
    assert_int_equal(parse("--XyZ\r\nContent-Disposition: form-data; name=\"firmware\"; "
                           "filename=\"f.bin\"\r\n\r\nhalf of the da"),
                     -1);
    assert_non_null(strstr(err.msg, "part 1 (field \"firmware\")"));
    assert_non_null(strstr(err.msg, "not ended by the boundary"));
}

static void missing_headers_are_named(void **state)
{
    (void)state;
    assert_int_equal(parse("--XyZ\r\nContent-Type: text/plain\r\n\r\nx\r\n--XyZ--"), -1);
    assert_non_null(strstr(err.msg, "part 1: no Content-Disposition"));
    assert_int_equal(parse("--XyZ\r\nContent-Disposition: form-data\r\n\r\nx\r\n--XyZ--"), -1);
    assert_non_null(strstr(err.msg, "without a field name"));
    assert_int_equal(parse("--XyZ\r\nContent-Disposition: attachment; name=a\r\n\r\nx\r\n--XyZ--"),
                     -1);
    assert_non_null(strstr(err.msg, "not form-data"));
    assert_int_equal(parse("--XyZ\r\nContent-Disposition: form-data; name=a\r\nno blank line"), -1);
    assert_non_null(strstr(err.msg, "no blank line"));
    assert_int_equal(parse("--XyZ junk"), -1);
    assert_non_null(strstr(err.msg, "not followed by a line end"));
}

static void long_names_and_headers_are_refused(void **state)
{
    char *body = malloc(8192);

    (void)state;
    assert_non_null(body);
    snprintf(body, 8192,
             "--XyZ\r\nContent-Disposition: form-data; name=\"%0100d\"\r\n\r\nx\r\n"
             "--XyZ--",
             7);
    assert_int_equal(parse(body), -1);
    assert_non_null(strstr(err.msg, "field name longer than 64"));
    snprintf(body, 8192,
             "--XyZ\r\nContent-Disposition: form-data; name=f; filename=\"%0300d\""
             "\r\n\r\nx\r\n--XyZ--",
             7);
    assert_int_equal(parse(body), -1);
    assert_non_null(strstr(err.msg, "file name longer than 255"));
    snprintf(body, 8192,
             "--XyZ\r\nContent-Disposition: form-data; name=f\r\nX-Pad: %03000d\r\n"
             "\r\nx\r\n--XyZ--",
             7);
    assert_int_equal(parse(body), -1);
    assert_non_null(strstr(err.msg, "within 2048 bytes"));
    free(body);
}

static void too_many_parts_are_refused(void **state)
{
    char body[4096];
    size_t len = 0;

    (void)state;
    for (int i = 0; i < 9; i++)
        len +=
            (size_t)snprintf(body + len, sizeof(body) - len,
                             "--XyZ\r\nContent-Disposition: form-data; name=p%d\r\n\r\nv\r\n", i);
    snprintf(body + len, sizeof(body) - len, "--XyZ--\r\n");
    assert_int_equal(parse(body), -1);
    assert_non_null(strstr(err.msg, "more than 8 parts"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(fields_and_a_file_are_split),
        cmocka_unit_test(a_preamble_and_an_empty_value_are_fine),
        cmocka_unit_test(the_boundary_comes_from_the_content_type),
        cmocka_unit_test(a_wrong_content_type_is_named),
        cmocka_unit_test(a_body_without_boundary_is_refused),
        cmocka_unit_test(a_cut_body_names_the_field),
        cmocka_unit_test(missing_headers_are_named),
        cmocka_unit_test(long_names_and_headers_are_refused),
        cmocka_unit_test(too_many_parts_are_refused),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
