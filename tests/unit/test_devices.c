/* test_devices.c: devices.csv parsing (RFC 4180, header, findings) and lookup by MAC. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/devices.h"

#define FILE_NAME "devices.csv"

struct fixture {
    struct arena arena;
    struct problems pr;
    struct device_list list;
};

static int setup(void **state)
{
    struct fixture *fx = calloc(1, sizeof(*fx));

    *state = fx;
    return fx ? 0 : -1;
}

static int teardown(void **state)
{
    struct fixture *fx = *state;

    arena_free(&fx->arena);
    problems_free(&fx->pr);
    free(fx);
    return 0;
}

static void parse_len(struct fixture *fx, const char *text, size_t len)
{
    assert_int_equal(devices_parse(FILE_NAME, text, len, &fx->arena, &fx->list, &fx->pr), 0);
}

static void parse(struct fixture *fx, const char *text)
{
    parse_len(fx, text, strlen(text));
}

/* Checks finding i completely but for the message, of which a telling part must appear. */
static void assert_problem(const struct fixture *fx, size_t i, enum severity sev, int line, int col,
                           const char *path, const char *part)
{
    const struct problem *p;

    assert_true(i < fx->pr.n);
    p = &fx->pr.v[i];
    assert_int_equal(p->sev, sev);
    assert_string_equal(p->file, FILE_NAME);
    assert_int_equal(p->line, line);
    assert_int_equal(p->col, col);
    assert_string_equal(p->path, path);
    if (!strstr(p->msg, part))
        fail_msg("finding %zu says \"%s\", expected it to contain \"%s\"", i, p->msg, part);
}

static void assert_counts(const struct fixture *fx, size_t devices, size_t errors, size_t warnings)
{
    assert_int_equal(fx->list.n, devices);
    assert_int_equal(fx->pr.errors, errors);
    assert_int_equal(fx->pr.warnings, warnings);
    assert_int_equal(fx->pr.n, errors + warnings);
}

static void parses_rows_sorted_by_mac_with_all_columns(void **state)
{
    struct fixture *fx = *state;

    parse(fx, "mac,serial,model,customer\n"
              "AB:CD:EF:12:34:56,SN-2,EVSE,Acme GmbH\n"
              "00:11:22:33:44:55,SN-1,EVSE-PRO,\n");
    assert_counts(fx, 2, 0, 0);
    assert_true(fx->list.v[0].mac == 0x001122334455ull);
    assert_string_equal(fx->list.v[0].serial, "SN-1");
    assert_string_equal(fx->list.v[0].model, "EVSE-PRO");
    assert_string_equal(fx->list.v[0].customer, "");
    assert_true(fx->list.v[1].mac == 0xabcdef123456ull);
    assert_string_equal(fx->list.v[1].serial, "SN-2");
    assert_string_equal(fx->list.v[1].model, "EVSE");
    assert_string_equal(fx->list.v[1].customer, "Acme GmbH");
}

static void find_returns_each_device_and_null_for_unknown(void **state)
{
    struct fixture *fx = *state;
    struct device_list empty = {0};

    parse(fx, "mac,serial\n"
              "02:00:00:00:00:03,C\n"
              "02:00:00:00:00:01,A\n"
              "02:00:00:00:00:02,B\n");
    assert_counts(fx, 3, 0, 0);
    assert_string_equal(devices_find(&fx->list, 0x020000000001ull)->serial, "A");
    assert_string_equal(devices_find(&fx->list, 0x020000000002ull)->serial, "B");
    assert_string_equal(devices_find(&fx->list, 0x020000000003ull)->serial, "C");
    assert_null(devices_find(&fx->list, 0x020000000000ull));
    assert_null(devices_find(&fx->list, 0x020000000004ull));
    assert_null(devices_find(&empty, 0x020000000001ull));
}

static void header_names_are_case_insensitive_trimmed_and_in_any_order(void **state)
{
    struct fixture *fx = *state;

    parse(fx, " Serial ,\" MAC \",CUSTOMER,Model\n"
              "SN1,ab-cd-ef-12-34-56,Bob,EVSE\n");
    assert_counts(fx, 1, 0, 0);
    assert_true(fx->list.v[0].mac == 0xabcdef123456ull);
    assert_string_equal(fx->list.v[0].serial, "SN1");
    assert_string_equal(fx->list.v[0].model, "EVSE");
    assert_string_equal(fx->list.v[0].customer, "Bob");
}

static void model_and_customer_columns_are_optional_and_read_as_empty(void **state)
{
    struct fixture *fx = *state;

    parse(fx, "serial,mac\nSN1,abcdef123456\n");
    assert_counts(fx, 1, 0, 0);
    assert_non_null(fx->list.v[0].model);
    assert_string_equal(fx->list.v[0].model, "");
    assert_non_null(fx->list.v[0].customer);
    assert_string_equal(fx->list.v[0].customer, "");
}

static void quoted_fields_keep_commas_doubled_quotes_and_line_breaks(void **state)
{
    struct fixture *fx = *state;

    parse(fx, "mac,serial,model,customer\n"
              "\"AB:CD:EF:12:34:56\",\"SN,1\",\"EVSE \"\"Home\"\"\",\"Acme, Inc.\n"
              "Main St. 1\"\n");
    assert_counts(fx, 1, 0, 0);
    assert_string_equal(fx->list.v[0].serial, "SN,1");
    assert_string_equal(fx->list.v[0].model, "EVSE \"Home\"");
    assert_string_equal(fx->list.v[0].customer, "Acme, Inc.\nMain St. 1");
}

static void empty_quoted_field_is_empty(void **state)
{
    struct fixture *fx = *state;

    parse(fx, "mac,serial,customer\nAB:CD:EF:12:34:56,SN1,\"\"\n");
    assert_counts(fx, 1, 0, 0);
    assert_string_equal(fx->list.v[0].customer, "");
}

/* A line break inside quotes moves every later finding one line down. */
static void line_numbers_count_line_breaks_inside_quotes(void **state)
{
    struct fixture *fx = *state;

    parse(fx, "mac,serial,customer\n"
              "AB:CD:EF:12:34:56,SN1,\"two\nlines\"\n"
              "zz,SN2,x\n");
    assert_counts(fx, 1, 1, 0);
    assert_problem(fx, 0, SEV_ERROR, 4, 1, "mac", "\"zz\" is not a MAC address");
}

/* A value after a multi-line field is reported on its own line, not the row's first. */
static void finding_after_a_multi_line_field_names_the_line_of_its_value(void **state)
{
    struct fixture *fx = *state;

    parse(fx, "customer,mac,serial\n"
              "\"Acme\nMain St.\",zz,SN1\n"
              "\"Acme\nMain St.\",02:00:00:00:00:01,\n");
    assert_counts(fx, 0, 2, 0);
    assert_problem(fx, 0, SEV_ERROR, 3, 11, "mac", "\"zz\" is not a MAC address");
    assert_problem(fx, 1, SEV_ERROR, 5, 29, "serial", "empty");
}

static void crlf_line_endings_are_accepted(void **state)
{
    struct fixture *fx = *state;

    parse(fx, "mac,serial,model\r\n"
              "AB:CD:EF:12:34:56,SN1,EVSE\r\n"
              "\"02:00:00:00:00:01\",\"SN2\",\"EVSE\"\r\n"
              "\r\n"
              "zz,SN3,EVSE\r\n");
    assert_counts(fx, 2, 1, 0);
    assert_string_equal(devices_find(&fx->list, 0xabcdef123456ull)->model, "EVSE");
    assert_string_equal(devices_find(&fx->list, 0x020000000001ull)->serial, "SN2");
    assert_problem(fx, 0, SEV_ERROR, 5, 1, "mac", "not a MAC address");
}

/* A carriage return not followed by a line feed is a character, not a line end. */
static void lone_carriage_return_is_not_a_line_end(void **state)
{
    struct fixture *fx = *state;

    parse(fx, "mac,serial\nAB:CD:EF:12:34:56,SN\r1\n");
    assert_counts(fx, 0, 1, 0);
    assert_problem(fx, 0, SEV_ERROR, 2, 19, "serial", "control character");
}

static void byte_order_mark_at_start_is_skipped(void **state)
{
    struct fixture *fx = *state;

    parse(fx, "\xef\xbb\xbfmac,serial,colour\nAB:CD:EF:12:34:56,SN1,red\n");
    assert_counts(fx, 1, 0, 1);
    assert_problem(fx, 0, SEV_WARNING, 1, 12, "", "unknown column \"colour\"");
}

static void empty_and_blank_lines_are_skipped(void **state)
{
    struct fixture *fx = *state;

    parse(fx, "\n  \nmac,serial\n\n \t\nAB:CD:EF:12:34:56,SN1\n\n02:00:00:00:00:01,SN2\n\n  ");
    assert_counts(fx, 2, 0, 0);
}

static void last_line_without_line_break_is_read(void **state)
{
    struct fixture *fx = *state;

    parse(fx, "mac,serial\nAB:CD:EF:12:34:56,SN1");
    assert_counts(fx, 1, 0, 0);
    assert_string_equal(fx->list.v[0].serial, "SN1");
}

/* Hand-edited files put blanks after commas; a quoted value says exactly what it holds. */
static void blanks_around_unquoted_values_are_dropped_but_quoted_values_kept(void **state)
{
    struct fixture *fx = *state;

    parse(fx, "mac, serial, model, customer\n"
              " AB:CD:EF:12:34:56 ,  SN1\t, \" EVSE \" , Acme  Inc \n");
    assert_counts(fx, 1, 0, 0);
    assert_string_equal(fx->list.v[0].serial, "SN1");
    assert_string_equal(fx->list.v[0].model, " EVSE ");
    assert_string_equal(fx->list.v[0].customer, "Acme  Inc");
}

static void empty_text_reports_missing_header(void **state)
{
    struct fixture *fx = *state;

    parse(fx, "");
    assert_counts(fx, 0, 1, 0);
    assert_null(fx->list.v);
    assert_problem(fx, 0, SEV_ERROR, 0, 0, "", "no header line");
}

static void header_without_mac_column_is_an_error_and_reads_no_rows(void **state)
{
    struct fixture *fx = *state;

    parse(fx, "\nserial,model\nSN1,EVSE\n");
    assert_counts(fx, 0, 1, 0);
    assert_problem(fx, 0, SEV_ERROR, 2, 1, "mac", "no mac column in the header");
}

/* A file that starts with data is told that it lacks its header, not that its first
 * row has a strange MAC. */
static void first_line_of_data_is_reported_as_missing_header(void **state)
{
    struct fixture *fx = *state;

    parse(fx, "AB:CD:EF:12:34:56,SN1\n02:00:00:00:00:01,SN2\n");
    assert_counts(fx, 0, 2, 2);
    assert_problem(fx, 0, SEV_WARNING, 1, 1, "", "unknown column \"AB:CD:EF:12:34:56\"");
    assert_problem(fx, 1, SEV_WARNING, 1, 19, "", "unknown column \"SN1\"");
    assert_problem(fx, 2, SEV_ERROR, 1, 1, "mac", "expected a first line naming");
    assert_problem(fx, 3, SEV_ERROR, 1, 1, "serial", "no serial column in the header");
}

static void unknown_column_gives_one_warning_and_rows_are_kept(void **state)
{
    struct fixture *fx = *state;

    parse(fx, "mac,phone,serial\n"
              "AB:CD:EF:12:34:56,+49 30 1234,SN1\n"
              "02:00:00:00:00:01,,SN2\n");
    assert_counts(fx, 2, 0, 1);
    assert_problem(fx, 0, SEV_WARNING, 1, 5, "", "unknown column \"phone\" is ignored");
}

/* A hostile column name can neither forge an output line nor flood it. */
static void unknown_column_name_is_shown_bounded_and_without_control_bytes(void **state)
{
    struct fixture *fx = *state;
    char text[400];

    snprintf(text, sizeof(text), "mac,serial,\"bad\nname\",%0200d\n", 7);
    parse(fx, text);
    assert_counts(fx, 0, 0, 2);
    assert_problem(fx, 0, SEV_WARNING, 1, 12, "", "unknown column \"bad?name\"");
    assert_problem(fx, 1, SEV_WARNING, 2, 7, "", "0000...\"");
    assert_true(strlen(fx->pr.v[1].msg) < 200);
}

/* Found by tests/fuzz/fuzz_devices: the raw byte reached the message, and
 * `fwhub validate --json` could not print a finding that is not UTF-8. */
static void unknown_column_name_that_is_not_utf8_is_shown_by_byte_code(void **state)
{
    struct fixture *fx = *state;

    parse(fx, "MAC\xbbserial\r\n\"AB:CD\"\r\n\r\nab-cd-ef-12-34-56,dup\r\n");
    assert_problem(fx, 0, SEV_WARNING, 1, 1, "", "unknown column \"MAC\\xBBserial\"");
}

static void column_named_twice_is_an_error_and_the_first_counts(void **state)
{
    struct fixture *fx = *state;

    parse(fx, "mac,serial,Serial\nAB:CD:EF:12:34:56,SN1,SN2\n");
    assert_counts(fx, 1, 1, 0);
    assert_problem(fx, 0, SEV_ERROR, 1, 12, "serial", "(the first is column 2)");
    assert_string_equal(fx->list.v[0].serial, "SN1");
}

static void bad_mac_is_an_error_at_its_column_and_drops_only_its_row(void **state)
{
    struct fixture *fx = *state;

    parse(fx, "serial,mac\n"
              "SN1,AB:CD:EF:12:34:56\n"
              "SN2,AB:CD:EF:12:34\n"
              "SN3,00:00:00:00:00:00\n"
              "SN4,02:00:00:00:00:01\n");
    assert_counts(fx, 2, 2, 0);
    assert_problem(fx, 0, SEV_ERROR, 3, 5, "mac", "\"AB:CD:EF:12:34\" is not a MAC address");
    assert_problem(fx, 1, SEV_ERROR, 4, 5, "mac", "all zeros");
    assert_non_null(devices_find(&fx->list, 0xabcdef123456ull));
    assert_non_null(devices_find(&fx->list, 0x020000000001ull));
}

static void empty_mac_and_empty_serial_are_errors(void **state)
{
    struct fixture *fx = *state;

    parse(fx, "mac,serial\n"
              ",SN1\n"
              "AB:CD:EF:12:34:56,\n"
              "02:00:00:00:00:01,\"\"\n");
    assert_counts(fx, 0, 3, 0);
    assert_problem(fx, 0, SEV_ERROR, 2, 1, "mac", "empty; expected the device's MAC address");
    assert_problem(fx, 1, SEV_ERROR, 3, 19, "serial", "empty; expected the serial number");
    assert_problem(fx, 2, SEV_ERROR, 4, 19, "serial", "empty; expected the serial number");
}

/* Different spellings of one address are one device. */
static void duplicate_mac_names_the_first_line_and_keeps_the_first_row(void **state)
{
    struct fixture *fx = *state;

    parse(fx, "mac,serial\n"
              "AB:CD:EF:12:34:56,SN1\n"
              "02:00:00:00:00:01,SN2\n"
              "ab-cd-ef-12-34-56,SN3\n");
    assert_counts(fx, 2, 1, 0);
    assert_problem(fx, 0, SEV_ERROR, 4, 1, "mac",
                   "duplicate MAC AB:CD:EF:12:34:56, already listed on line 2");
    assert_string_equal(devices_find(&fx->list, 0xabcdef123456ull)->serial, "SN1");
}

/* The second row is a mistake even when the first is refused for another reason. */
static void duplicate_of_a_refused_row_is_still_reported(void **state)
{
    struct fixture *fx = *state;

    parse(fx, "mac,serial\n"
              "AB:CD:EF:12:34:56,\n"
              "AB:CD:EF:12:34:56,SN3\n");
    assert_counts(fx, 0, 2, 0);
    assert_problem(fx, 0, SEV_ERROR, 2, 19, "serial", "empty");
    assert_problem(fx, 1, SEV_ERROR, 3, 1, "mac", "already listed on line 2");
}

static void row_with_too_many_fields_is_an_error_at_the_first_extra_field(void **state)
{
    struct fixture *fx = *state;

    parse(fx, "mac,serial\n"
              "AB:CD:EF:12:34:56,SN1,extra,more\n"
              "02:00:00:00:00:01,SN2\n");
    assert_counts(fx, 1, 1, 0);
    assert_problem(fx, 0, SEV_ERROR, 2, 23, "", "4 fields; expected 2");
}

static void row_with_too_few_fields_is_an_error_where_the_row_ends(void **state)
{
    struct fixture *fx = *state;

    parse(fx, "mac,serial,model\n"
              "AB:CD:EF:12:34:56,SN1\r\n"
              "02:00:00:00:00:01,\"SN\n2\"\n");
    /* One finding per row: values under doubtful columns are not judged as well. */
    assert_counts(fx, 0, 2, 0);
    assert_problem(fx, 0, SEV_ERROR, 2, 22, "", "2 fields; expected 3");
    assert_problem(fx, 1, SEV_ERROR, 4, 3, "", "2 fields; expected 3");
}

static void quote_left_open_at_end_of_file_is_an_error_at_its_field(void **state)
{
    struct fixture *fx = *state;

    parse(fx, "mac,serial,customer\n"
              "AB:CD:EF:12:34:56,SN1,ok\n"
              "02:00:00:00:00:01,SN2,\"Acme\n"
              "03:00:00:00:00:01,SN3,x\n");
    assert_counts(fx, 1, 1, 0);
    assert_problem(fx, 0, SEV_ERROR, 3, 23, "customer", "quote opened here is not closed");
}

/* The open quote swallowed the rest of the row too; the short row is not news. */
static void quote_left_open_before_the_last_column_gives_one_finding(void **state)
{
    struct fixture *fx = *state;

    parse(fx, "mac,serial,customer\nAB:CD:EF:12:34:56,\"SN1,x\n");
    assert_counts(fx, 0, 1, 0);
    assert_problem(fx, 0, SEV_ERROR, 2, 19, "serial", "quote opened here is not closed");
}

static void quote_left_open_in_the_header_is_an_error(void **state)
{
    struct fixture *fx = *state;

    parse(fx, "mac,\"serial\n");
    assert_counts(fx, 0, 2, 0);
    assert_problem(fx, 0, SEV_ERROR, 1, 5, "", "header: the quote opened here is not closed");
    assert_problem(fx, 1, SEV_ERROR, 1, 1, "serial", "no serial column");
}

static void field_of_1025_bytes_is_refused_and_1024_accepted(void **state)
{
    struct fixture *fx = *state;
    size_t cap = 4096;
    char *text = malloc(cap);
    int n;

    assert_non_null(text);
    n = snprintf(text, cap,
                 "mac,serial,customer\n"
                 "AB:CD:EF:12:34:56,SN1,%01024d\n"
                 "02:00:00:00:00:01,SN2,\"%01025d\"\n"
                 "03:00:00:00:00:01,SN3,ok\n",
                 1, 2);
    assert_true(n > 0 && (size_t)n < cap);
    parse(fx, text);
    assert_counts(fx, 2, 1, 0);
    assert_int_equal(strlen(devices_find(&fx->list, 0xabcdef123456ull)->customer), 1024);
    assert_problem(fx, 0, SEV_ERROR, 3, 23, "customer", "longer than 1024 bytes");
    assert_non_null(devices_find(&fx->list, 0x030000000001ull));
    free(text);
}

static void overlong_field_in_unknown_column_is_refused_by_number(void **state)
{
    struct fixture *fx = *state;
    char text[2048];

    snprintf(text, sizeof(text), "mac,serial,notes\nAB:CD:EF:12:34:56,SN1,%01100d\n", 3);
    parse(fx, text);
    assert_counts(fx, 0, 1, 1);
    assert_problem(fx, 1, SEV_ERROR, 2, 23, "", "column 3: longer than 1024 bytes");
}

static void quote_inside_unquoted_field_is_an_error(void **state)
{
    struct fixture *fx = *state;

    parse(fx, "mac,serial,customer\nAB:CD:EF:12:34:56,SN1,Joe \"Garage\"\n");
    assert_counts(fx, 0, 1, 0);
    assert_problem(fx, 0, SEV_ERROR, 2, 23, "customer", "a quote inside an unquoted field");
}

static void text_after_closing_quote_is_an_error(void **state)
{
    struct fixture *fx = *state;

    parse(fx, "mac,serial\n\"AB:CD:EF:12:34:56\"x,SN1\n02:00:00:00:00:01,\"SN2\"  \n");
    assert_counts(fx, 1, 1, 0);
    assert_problem(fx, 0, SEV_ERROR, 2, 1, "mac", "text after the closing quote");
}

static void control_character_in_serial_is_an_error_but_customer_may_span_lines(void **state)
{
    struct fixture *fx = *state;

    parse(fx, "mac,serial,model,customer\n"
              "AB:CD:EF:12:34:56,\"SN\n1\",EVSE,x\n"
              "02:00:00:00:00:01,SN2,EV\tSE,x\n"
              "03:00:00:00:00:01,SN3,EVSE,\"a\nb\tc\"\n");
    assert_counts(fx, 1, 2, 0);
    assert_problem(fx, 0, SEV_ERROR, 2, 19, "serial", "control character or line break");
    assert_problem(fx, 1, SEV_ERROR, 4, 23, "model", "control character or line break");
    assert_string_equal(fx->list.v[0].customer, "a\nb\tc");
}

static void invalid_utf8_is_an_error_and_valid_utf8_is_kept(void **state)
{
    static const char *const bad[] = {
        "\xe9",             /* Latin-1 e acute, as spreadsheets export it */
        "\xc0\xaf",         /* overlong '/' in two bytes */
        "\xe0\x80\xaf",     /* ... in three */
        "\xf0\x80\x80\xaf", /* ... in four */
        "\xed\xa0\x80",     /* a UTF-16 surrogate */
        "\xe2\x82",         /* cut short */
        "\xf4\x90\x80\x80", /* beyond U+10FFFF */
        "\xe2\x28\xa1",     /* second byte not a continuation */
    };
    struct fixture *fx = *state;
    char text[256];

    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        snprintf(text, sizeof(text), "mac,serial,customer\nAB:CD:EF:12:34:56,SN1,Caf%s\n", bad[i]);
        parse(fx, text);
        assert_int_equal(fx->list.n, 0);
        assert_problem(fx, i, SEV_ERROR, 2, 23, "customer", "not UTF-8 text");
    }
    parse(fx, "mac,serial,customer\n"
              "AB:CD:EF:12:34:56,SN1,Caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x94\x8c\n");
    assert_int_equal(fx->list.n, 1);
    assert_string_equal(fx->list.v[0].customer, "Caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x94\x8c");
}

/* A NUL would end the string that mac_parse sees and hide what follows it. */
static void nul_byte_inside_a_field_is_an_error(void **state)
{
    static const char text[] = "mac,serial\nAB:CD:EF:12:34:56\0zz,SN1\n";
    struct fixture *fx = *state;

    parse_len(fx, text, sizeof(text) - 1);
    assert_counts(fx, 0, 1, 0);
    assert_problem(fx, 0, SEV_ERROR, 2, 1, "mac", "contains a NUL byte");
}

static void columns_are_counted_in_characters_not_bytes(void **state)
{
    struct fixture *fx = *state;

    parse(fx, "customer,mac,serial\nM\xc3\xbcller \xe2\x82\xac,zz,SN1\n");
    assert_counts(fx, 0, 1, 0);
    assert_problem(fx, 0, SEV_ERROR, 2, 10, "mac", "not a MAC address");
}

/* Enough rows to grow the table of seen MACs several times over. */
static void many_rows_are_all_kept_sorted_and_found(void **state)
{
    struct fixture *fx = *state;
    size_t rows = 5000;
    size_t cap = 64 + rows * 40;
    char *text = malloc(cap);
    size_t len;

    assert_non_null(text);
    len = (size_t)snprintf(text, cap, "mac,serial\n");
    for (size_t i = 0; i < rows; i++) {
        uint64_t mac = 0x020000000000ull + (uint64_t)((i * 7919) % rows) * 0x10001ull;

        len +=
            (size_t)snprintf(text + len, cap - len, "%012llx,SN%zu\n", (unsigned long long)mac, i);
    }
    parse_len(fx, text, len);
    assert_counts(fx, rows, 0, 0);
    for (size_t i = 1; i < rows; i++)
        assert_true(fx->list.v[i - 1].mac < fx->list.v[i].mac);
    for (size_t i = 0; i < rows; i++)
        assert_ptr_equal(devices_find(&fx->list, fx->list.v[i].mac), &fx->list.v[i]);
    assert_null(devices_find(&fx->list, 0x020000000000ull + 1));
    free(text);
}

#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        T(parses_rows_sorted_by_mac_with_all_columns),
        T(find_returns_each_device_and_null_for_unknown),
        T(header_names_are_case_insensitive_trimmed_and_in_any_order),
        T(model_and_customer_columns_are_optional_and_read_as_empty),
        T(quoted_fields_keep_commas_doubled_quotes_and_line_breaks),
        T(empty_quoted_field_is_empty),
        T(line_numbers_count_line_breaks_inside_quotes),
        T(finding_after_a_multi_line_field_names_the_line_of_its_value),
        T(crlf_line_endings_are_accepted),
        T(lone_carriage_return_is_not_a_line_end),
        T(byte_order_mark_at_start_is_skipped),
        T(empty_and_blank_lines_are_skipped),
        T(last_line_without_line_break_is_read),
        T(blanks_around_unquoted_values_are_dropped_but_quoted_values_kept),
        T(empty_text_reports_missing_header),
        T(header_without_mac_column_is_an_error_and_reads_no_rows),
        T(first_line_of_data_is_reported_as_missing_header),
        T(unknown_column_gives_one_warning_and_rows_are_kept),
        T(unknown_column_name_is_shown_bounded_and_without_control_bytes),
        T(unknown_column_name_that_is_not_utf8_is_shown_by_byte_code),
        T(column_named_twice_is_an_error_and_the_first_counts),
        T(bad_mac_is_an_error_at_its_column_and_drops_only_its_row),
        T(empty_mac_and_empty_serial_are_errors),
        T(duplicate_mac_names_the_first_line_and_keeps_the_first_row),
        T(duplicate_of_a_refused_row_is_still_reported),
        T(row_with_too_many_fields_is_an_error_at_the_first_extra_field),
        T(row_with_too_few_fields_is_an_error_where_the_row_ends),
        T(quote_left_open_at_end_of_file_is_an_error_at_its_field),
        T(quote_left_open_before_the_last_column_gives_one_finding),
        T(quote_left_open_in_the_header_is_an_error),
        T(field_of_1025_bytes_is_refused_and_1024_accepted),
        T(overlong_field_in_unknown_column_is_refused_by_number),
        T(quote_inside_unquoted_field_is_an_error),
        T(text_after_closing_quote_is_an_error),
        T(control_character_in_serial_is_an_error_but_customer_may_span_lines),
        T(invalid_utf8_is_an_error_and_valid_utf8_is_kept),
        T(nul_byte_inside_a_field_is_an_error),
        T(columns_are_counted_in_characters_not_bytes),
        T(many_rows_are_all_kept_sorted_and_found),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
