/* test_jv.c: unit tests of src/core/jv.c (the strict JSON reader), checked against jansson. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <jansson.h>

#include "core/jv.h"

#define DIGITS "0123456789012345678901234567890123456789012345678901234567890123456789"

/* Parses n bytes of s; fails the test when refused. The arena is the caller's. */
static struct jv *parse_n(struct arena *a, const char *s, size_t n)
{
    struct jv_error e;
    struct jv *v = NULL;

    if (jv_parse(s, n, a, &v, &e) != 0)
        fail_msg("refused at %d:%d: %s", e.line, e.col, e.msg);
    assert_non_null(v);
    return v;
}

static struct jv *parse(struct arena *a, const char *s)
{
    return parse_n(a, s, strlen(s));
}

/* Asserts that n bytes of s are refused at line:col with a message containing fragment. */
static void refused_n(const char *s, size_t n, int line, int col, const char *fragment)
{
    static struct jv stale;
    struct arena a = {0};
    struct jv_error e;
    struct jv *v = &stale; /* must be reset to NULL */

    if (jv_parse(s, n, &a, &v, &e) == 0)
        fail_msg("\"%s\" was accepted", s);
    assert_null(v);
    if (e.line != line || e.col != col || !strstr(e.msg, fragment))
        fail_msg("\"%s\": got %d:%d \"%s\", expected %d:%d \"...%s...\"", s, e.line, e.col, e.msg,
                 line, col, fragment);
    arena_free(&a);
}

static void refused(const char *s, int line, int col, const char *fragment)
{
    refused_n(s, strlen(s), line, col, fragment);
}

/* The single string that s holds, parsed. */
static void assert_string_parses_to(const char *s, const char *want, size_t want_len)
{
    struct arena a = {0};
    struct jv *v = parse(&a, s);

    assert_int_equal(v->type, JV_STRING);
    assert_int_equal(v->u.str.len, want_len);
    assert_memory_equal(v->u.str.s, want, want_len + 1);
    arena_free(&a);
}

static void test_jv_parse_reads_literals(void **state)
{
    struct arena a = {0};

    (void)state;
    assert_int_equal(parse(&a, "null")->type, JV_NULL);
    assert_int_equal(parse(&a, "true")->type, JV_TRUE);
    assert_int_equal(parse(&a, "false")->type, JV_FALSE);
    assert_int_equal(parse(&a, " \t\r\n true \n")->type, JV_TRUE);
    arena_free(&a);
}

static void test_jv_parse_reads_integers_to_the_ends_of_int64(void **state)
{
    struct arena a = {0};
    struct jv *v;

    (void)state;
    v = parse(&a, "9223372036854775807");
    assert_int_equal(v->type, JV_INT);
    assert_true(v->u.i == INT64_MAX);
    v = parse(&a, "-9223372036854775808");
    assert_true(v->u.i == INT64_MIN);
    v = parse(&a, "-0");
    assert_int_equal(v->type, JV_INT);
    assert_int_equal(v->u.i, 0);
    arena_free(&a);
}

static void test_jv_parse_refuses_integers_outside_int64(void **state)
{
    (void)state;
    refused("9223372036854775808", 1, 20, "out of range");
    refused("-9223372036854775809", 1, 21, "out of range");
    refused("[1, 123456789012345678901234567890]", 1, 35, "out of range");
}

static void test_jv_parse_reads_reals(void **state)
{
    struct arena a = {0};
    struct jv *v;

    (void)state;
    v = parse(&a, "1.5");
    assert_int_equal(v->type, JV_REAL);
    assert_true(v->u.d == 1.5);
    assert_true(parse(&a, "-2.5e+3")->u.d == -2500.0);
    assert_true(parse(&a, "1E2")->u.d == 100.0);
    assert_int_equal(parse(&a, "1e2")->type, JV_REAL);
    assert_true(parse(&a, "0.0")->u.d == 0.0);
    arena_free(&a);
}

/* Found by the jansson differential: strtod's ERANGE on underflow once refused these. */
static void test_jv_parse_accepts_reals_that_underflow(void **state)
{
    struct arena a = {0};
    struct jv *v;

    (void)state;
    v = parse(&a, "1e-400");
    assert_int_equal(v->type, JV_REAL);
    assert_true(v->u.d == 0.0);
    v = parse(&a, "5e-324"); /* the smallest subnormal */
    assert_true(v->u.d > 0.0);
    assert_true(parse(&a, "-1e-999")->u.d == 0.0);
    arena_free(&a);
}

static void test_jv_parse_refuses_reals_that_overflow(void **state)
{
    (void)state;
    refused("1e400", 1, 6, "out of range");
    refused("-1.7e309", 1, 9, "out of range");
}

static void test_jv_parse_refuses_malformed_numbers(void **state)
{
    (void)state;
    refused("-", 1, 2, "invalid number");
    refused("01", 1, 2, "unexpected text after");
    refused("1.", 1, 3, "digit after the decimal point");
    refused("1.e5", 1, 3, "digit after the decimal point");
    refused("1e", 1, 3, "digit in the exponent");
    refused("1e+", 1, 4, "digit in the exponent");
    refused(".5", 1, 1, "unexpected character '.'");
    refused("+1", 1, 1, "unexpected character '+'");
    refused("-a", 1, 2, "invalid number");
    refused("NaN", 1, 1, "unexpected character 'N'");
    refused("-Infinity", 1, 2, "invalid number");
}

static void test_jv_parse_refuses_numbers_of_64_characters(void **state)
{
    char s[80];
    struct arena a = {0};

    (void)state;
    /* 63 characters are fine: "0." and 61 digits */
    memset(s, '5', sizeof(s));
    s[0] = '0';
    s[1] = '.';
    s[63] = '\0';
    assert_int_equal(parse(&a, s)->type, JV_REAL);
    s[63] = '5';
    s[64] = '\0';
    refused(s, 1, 65, "longer than 64 characters");
    arena_free(&a);
}

static void test_jv_parse_reads_plain_and_escaped_strings(void **state)
{
    (void)state;
    assert_string_parses_to("\"\"", "", 0);
    assert_string_parses_to("\"EVSE-2024-001234\"", "EVSE-2024-001234", 16);
    assert_string_parses_to("\"\\\"\\\\\\/\\b\\f\\n\\r\\t\"", "\"\\/\b\f\n\r\t", 8);
    assert_string_parses_to("\"a\\\"b\"", "a\"b", 3);
    /* an even run of backslashes before a quote does not escape it */
    assert_string_parses_to("\"a\\\\\"", "a\\", 2);
    assert_string_parses_to("\"\\\\\\\\\"", "\\\\", 2);
    assert_string_parses_to("\"\x7f\"", "\x7f", 1);
}

static void test_jv_parse_decodes_unicode_escapes_to_utf8(void **state)
{
    (void)state;
    assert_string_parses_to("\"\\u0041\"", "A", 1);
    assert_string_parses_to("\"\\u00e9\"", "\xc3\xa9", 2);
    assert_string_parses_to("\"\\u00E9\"", "\xc3\xa9", 2);
    assert_string_parses_to("\"\\u20ac\"", "\xe2\x82\xac", 3);
    assert_string_parses_to("\"\\uFFFF\"", "\xef\xbf\xbf", 3);
    assert_string_parses_to("\"x\\u0001y\"", "x\x01y", 3);
}

static void test_jv_parse_joins_surrogate_pairs(void **state)
{
    (void)state;
    assert_string_parses_to("\"\\ud83d\\ude00\"", "\xf0\x9f\x98\x80", 4);
    assert_string_parses_to("\"\\uD83D\\uDE00!\"", "\xf0\x9f\x98\x80!", 5);
    assert_string_parses_to("\"\\udbff\\udfff\"", "\xf4\x8f\xbf\xbf", 4); /* U+10FFFF */
}

static void test_jv_parse_refuses_lone_surrogates(void **state)
{
    (void)state;
    refused("\"\\ud800\"", 1, 8, "lone UTF-16 surrogate");
    refused("\"\\udc00\"", 1, 8, "lone UTF-16 surrogate");
    refused("\"\\ud800x\"", 1, 8, "lone UTF-16 surrogate");
    refused("\"\\ud800\\u0041\"", 1, 8, "lone UTF-16 surrogate");
    refused("\"\\ud800\\ud800\"", 1, 8, "lone UTF-16 surrogate");
    refused("\"\\ud800\\n\"", 1, 8, "lone UTF-16 surrogate");
}

static void test_jv_parse_refuses_u0000(void **state)
{
    (void)state;
    refused("\"\\u0000\"", 1, 8, "\\u0000 is not allowed");
    refused("{\"a\\u0000b\": 1}", 1, 10, "\\u0000 is not allowed");
}

static void test_jv_parse_refuses_bad_escapes(void **state)
{
    (void)state;
    refused("\"\\x\"", 1, 3, "invalid escape \\x");
    refused("\"\\U0041\"", 1, 3, "invalid escape \\U");
    refused("\"\\u12\"", 1, 3, "truncated \\u escape");
    refused("\"\\u12g4\"", 1, 3, "4 hex digits");
    refused("\"\\u", 1, 2, "unterminated string");
    refused("\"abc", 1, 2, "unterminated string");
    refused("\"abc\\\"", 1, 2, "unterminated string");
}

static void test_jv_parse_refuses_control_characters_in_strings(void **state)
{
    (void)state;
    refused("\"a\tb\"", 1, 3, "control character");
    refused("\"a\nb\"", 1, 3, "control character");
    refused_n("\"a\0b\"", 5, 1, 3, "control character");
    refused("[\"ok\", \"\x1f\"]", 1, 9, "control character");
}

static void test_jv_parse_accepts_valid_utf8(void **state)
{
    (void)state;
    assert_string_parses_to("\"M\xc3\xbcller\"", "M\xc3\xbcller", 7);
    assert_string_parses_to("\"\xe2\x82\xac\"", "\xe2\x82\xac", 3);
    assert_string_parses_to("\"\xf0\x9f\x94\x8c\"", "\xf0\x9f\x94\x8c", 4);
    assert_string_parses_to("\"\xf4\x8f\xbf\xbf\"", "\xf4\x8f\xbf\xbf", 4);
    assert_string_parses_to("\"\xed\x9f\xbf\"", "\xed\x9f\xbf", 3); /* U+D7FF */
}

static void test_jv_parse_refuses_invalid_utf8(void **state)
{
    (void)state;
    refused("\"\xc0\x80\"", 1, 2, "invalid UTF-8");         /* overlong NUL */
    refused("\"\xc1\xbf\"", 1, 2, "invalid UTF-8");         /* overlong ASCII */
    refused("\"\xe0\x80\xaf\"", 1, 2, "invalid UTF-8");     /* overlong '/' */
    refused("\"\xf0\x80\x80\xaf\"", 1, 2, "invalid UTF-8"); /* overlong, 4 bytes */
    refused("\"\xed\xa0\x80\"", 1, 2, "invalid UTF-8");     /* a surrogate, encoded */
    refused("\"\xf4\x90\x80\x80\"", 1, 2, "invalid UTF-8"); /* above U+10FFFF */
    refused("\"\xf5\x80\x80\x80\"", 1, 2, "invalid UTF-8");
    refused("\"ab\x80\"", 1, 4, "invalid UTF-8"); /* a stray continuation byte */
    refused("\"\xc3\"", 1, 2, "invalid UTF-8");   /* cut short by the quote */
    refused("\"\xe2\x82\"", 1, 2, "invalid UTF-8");
    refused("\"\xc3x\"", 1, 2, "invalid UTF-8");
    refused("\"\xff\"", 1, 2, "invalid UTF-8");
}

static void test_jv_parse_keeps_object_members_in_document_order(void **state)
{
    struct arena a = {0};
    struct jv *v;

    (void)state;
    v = parse(&a, "{\"b\": 1, \"a\": [true, null], \"c\": {\"d\": \"e\"}}");
    assert_int_equal(v->type, JV_OBJECT);
    assert_int_equal(v->u.obj.n, 3);
    assert_string_equal(v->u.obj.members[0].key, "b");
    assert_string_equal(v->u.obj.members[1].key, "a");
    assert_string_equal(v->u.obj.members[2].key, "c");
    assert_int_equal(jv_get(v, "b")->u.i, 1);
    assert_int_equal(jv_get(v, "a")->type, JV_ARRAY);
    assert_int_equal(jv_get(v, "a")->u.arr.n, 2);
    assert_int_equal(jv_get(v, "a")->u.arr.items[0]->type, JV_TRUE);
    assert_int_equal(jv_get(v, "a")->u.arr.items[1]->type, JV_NULL);
    assert_string_equal(jv_get(jv_get(v, "c"), "d")->u.str.s, "e");
    assert_null(jv_get(v, "d"));
    assert_null(jv_get(jv_get(v, "a"), "b"));
    assert_null(jv_get(NULL, "b"));
    arena_free(&a);
}

static void test_jv_parse_reads_empty_containers(void **state)
{
    struct arena a = {0};
    struct jv *v;

    (void)state;
    v = parse(&a, "{}");
    assert_int_equal(v->type, JV_OBJECT);
    assert_int_equal(v->u.obj.n, 0);
    v = parse(&a, "[ ]");
    assert_int_equal(v->type, JV_ARRAY);
    assert_int_equal(v->u.arr.n, 0);
    v = parse(&a, "[{}, [], {\"\": []}]");
    assert_int_equal(v->u.arr.n, 3);
    assert_non_null(jv_get(v->u.arr.items[2], ""));
    arena_free(&a);
}

static void test_jv_parse_refuses_duplicate_keys_in_small_objects(void **state)
{
    struct arena a = {0};

    (void)state;
    refused("{\"a\": 1, \"a\": 2}", 1, 10, "duplicate key \"a\"");
    refused("{\n \"x\": 1,\n \"x\": 2}", 3, 2, "duplicate key \"x\"");
    /* the same key in sibling and nested objects is fine */
    parse(&a, "[{\"a\": 1}, {\"a\": 2}, {\"a\": {\"a\": {\"a\": 3}}}]");
    arena_free(&a);
}

/* Objects above 32 members are checked by sorting once they are complete. */
static void test_jv_parse_refuses_duplicate_keys_in_large_objects(void **state)
{
    char doc[4096];
    size_t n = 0;
    struct arena a = {0};

    (void)state;
    n += (size_t)snprintf(doc + n, sizeof(doc) - n, "{");
    for (int k = 0; k < 100; k++)
        n += (size_t)snprintf(doc + n, sizeof(doc) - n, "%s\"k%d\": %d", k ? ", " : "", k, k);
    snprintf(doc + n, sizeof(doc) - n, "}");
    assert_int_equal(parse(&a, doc)->u.obj.n, 100);
    arena_free(&a);

    /* found after the object is complete, the duplicate is placed at its closing brace */
    snprintf(doc + n, sizeof(doc) - n, ", \"k7\": 0}");
    refused(doc, 1, (int)n + 10, "duplicate key \"k7\"");
}

static void test_jv_parse_refuses_malformed_containers(void **state)
{
    (void)state;
    refused("{\"a\":1,}", 1, 8, "expected a string key");
    refused("[1,2", 1, 5, "expected ',' or ']'");
    refused("[1 2]", 1, 4, "expected ',' or ']'");
    refused("[1,]", 1, 4, "unexpected character ']'");
    refused("{\"a\" 1}", 1, 6, "expected ':' after the key \"a\"");
    refused("{1:2}", 1, 2, "expected a string key");
    refused("{\"a\":1 \"b\":2}", 1, 8, "expected ',' or '}'");
    refused("{\"a\":}", 1, 6, "expected a value");
    refused("[", 1, 2, "unexpected end of text");
    refused("{", 1, 2, "expected a string key");
}

static void test_jv_parse_reports_line_and_column_of_errors(void **state)
{
    (void)state;
    refused("{\n  \"a\": tru\n}", 2, 8, "unexpected character 't'");
    refused("{\r\n  \"a\": 1,\r\n  \"b\": x\r\n}", 3, 8, "unexpected character 'x'");
    refused("[\n\n\n     \"\\q\"]", 4, 8, "invalid escape \\q");
    refused("{\n\t\"k\": \"v\"\n\t\"l\": 1}", 3, 2, "expected ',' or '}'");
    refused("[1] x", 1, 5, "unexpected text after the JSON value");
    refused("\n\n", 3, 1, "unexpected end of text");
    /* columns count bytes, not characters */
    refused("[\"\xc3\xa9\", \"\\z\"]", 1, 10, "invalid escape \\z");
}

static void test_jv_parse_refuses_empty_text_and_byte_order_mark(void **state)
{
    (void)state;
    refused("", 1, 1, "unexpected end of text");
    refused("   ", 1, 4, "unexpected end of text");
    refused("\xef\xbb\xbf{}", 1, 1, "unexpected byte 0xEF; expected a value");
}

static void test_jv_parse_refuses_bad_literals(void **state)
{
    (void)state;
    refused("tru", 1, 1, "unexpected character 't'");
    refused("nul", 1, 1, "unexpected character 'n'");
    refused("True", 1, 1, "unexpected character 'T'");
    refused("[falsey]", 1, 7, "expected ',' or ']'");
    refused("'a'", 1, 1, "unexpected character '''");
}

/* Found by tests/fuzz/fuzz_jv and fuzz_target: the raw byte went into the message, which
 * then was not UTF-8 (`fwhub validate --json` printed nothing for a file with a BOM). */
static void test_jv_parse_names_unprintable_bytes_by_code(void **state)
{
    (void)state;
    refused("[[\xdf[{\"a\":[]}]]", 1, 3, "unexpected byte 0xDF; expected a value");
    refused("\xef\xbb\xbf{}", 1, 1, "unexpected byte 0xEF");
    refused("[\x01]", 1, 2, "unexpected byte 0x01");
    refused("[\x7f]", 1, 2, "unexpected byte 0x7F");
    refused("[ \xc3\xa9]", 1, 3, "unexpected byte 0xC3");
    refused("\"\\\xff\"", 1, 3, "invalid escape: byte 0xFF after a backslash");
    refused("\"\\\x01\"", 1, 3, "invalid escape: byte 0x01 after a backslash");
}

/* Found by tests/fuzz/fuzz_jv: a key quoted in a message was cut inside a character. */
static void test_jv_parse_quotes_long_keys_without_cutting_a_character(void **state)
{
    char doc[256], want[128];

    (void)state;
    snprintf(doc, sizeof(doc), "{\"%.39s\xf0\x9f\x94\x8c\" 1}", DIGITS);
    snprintf(want, sizeof(want), "after the key \"%.39s\"", DIGITS);
    refused(doc, 1, 48, want);
    snprintf(doc, sizeof(doc), "{\"%.59s\xc3\xa9x\": 1, \"%.59s\xc3\xa9x\": 2}", DIGITS, DIGITS);
    snprintf(want, sizeof(want), "duplicate key \"%.59s\" in", DIGITS);
    refused(doc, 1, 71, want);
}

static char *nested(int depth)
{
    char *s = malloc((size_t)depth * 2 + 1);

    for (int k = 0; k < depth; k++) {
        s[k] = '[';
        s[depth * 2 - 1 - k] = ']';
    }
    s[depth * 2] = '\0';
    return s;
}

static void test_jv_parse_allows_nesting_to_64_levels(void **state)
{
    struct arena a = {0};
    char *s = nested(JV_MAX_DEPTH);
    char obj[] = "{\"a\":{\"a\":{\"a\":{}}}}";

    (void)state;
    assert_int_equal(parse(&a, s)->type, JV_ARRAY);
    assert_int_equal(parse(&a, obj)->type, JV_OBJECT);
    free(s);
    arena_free(&a);
}

static void test_jv_parse_refuses_nesting_deeper_than_64(void **state)
{
    char *s = nested(JV_MAX_DEPTH + 1);

    (void)state;
    refused(s, 1, JV_MAX_DEPTH + 1, "nested deeper than 64 levels");
    free(s);
    s = nested(100000); /* deep enough to overflow the stack of a naive parser */
    refused(s, 1, JV_MAX_DEPTH + 1, "nested deeper than 64 levels");
    free(s);
}

static void test_jv_parse_reads_only_len_bytes(void **state)
{
    struct arena a = {0};
    const char text[] = "[1,2]garbage";
    struct jv *v;

    (void)state;
    v = parse_n(&a, text, 5);
    assert_int_equal(v->u.arr.n, 2);
    /* a string cut off by len is unterminated even though a quote follows in memory */
    refused_n("\"abc\"", 4, 1, 2, "unterminated string");
    arena_free(&a);
}

/* Text that ends exactly at len, with no NUL after it, is never read past its end. */
static void test_jv_parse_stops_numbers_at_len(void **state)
{
    struct arena a = {0};
    char *heap = malloc(2);

    (void)state;
    memcpy(heap, "12", 2); /* no NUL: AddressSanitizer sees any read past it */
    assert_int_equal(parse_n(&a, heap, 2)->u.i, 12);
    memcpy(heap, "1e", 2);
    refused_n(heap, 2, 1, 3, "digit in the exponent");
    memcpy(heap, "\"\\", 2);
    refused_n(heap, 2, 1, 2, "unterminated string");
    free(heap);
    arena_free(&a);
}

static void test_jv_type_name_names_every_type(void **state)
{
    (void)state;
    assert_string_equal(jv_type_name(JV_OBJECT), "an object");
    assert_string_equal(jv_type_name(JV_ARRAY), "an array");
    assert_string_equal(jv_type_name(JV_STRING), "a string");
    assert_string_equal(jv_type_name(JV_INT), "an integer");
    assert_string_equal(jv_type_name(JV_REAL), "a number");
    assert_string_equal(jv_type_name(JV_TRUE), "true or false");
    assert_string_equal(jv_type_name(JV_NULL), "null");
}

/* One document of the differential table, with the accept/refuse verdicts expected. */
struct doc {
    const char *text;
    size_t len; /* 0: strlen(text) */
    bool jv_accepts;
    bool jansson_accepts; /* differs from jv_accepts only where documented below */
};

static const struct doc DOCS[] = {
    {"{}", 0, true, true},
    {"[]", 0, true, true},
    {"0", 0, true, true},
    {"-0.0e-0", 0, true, true},
    {"\"x\"", 0, true, true},
    {"null", 0, true, true},
    {"{\"a\": [1, 2.5, \"s\", true, false, null, {}]}", 0, true, true},
    {"{\"a\": 1, \"b\": {\"a\": 2}}", 0, true, true},
    {"\"\\ud83d\\ude00\"", 0, true, true},
    {"\"\\u00e9\\u20AC\"", 0, true, true},
    {"\"caf\xc3\xa9\"", 0, true, true},
    {"9223372036854775807", 0, true, true},
    {"-9223372036854775808", 0, true, true},
    {"1e-400", 0, true, true},
    {"1.7976931348623157e308", 0, true, true},
    {" \t\r\n[ 1 ]\n", 0, true, true},
    {"", 0, false, false},
    {"{", 0, false, false},
    {"{\"a\":1,}", 0, false, false},
    {"[1,]", 0, false, false},
    {"{\"a\": 1, \"a\": 2}", 0, false, false},
    {"{\"a\": {\"b\": 1, \"b\": 1}}", 0, false, false},
    {"\"\\u0000\"", 0, false, false}, /* jansson: only with JSON_ALLOW_NUL */
    {"{\"\\u0000\": 1}", 0, false, false},
    {"\"\\ud800\"", 0, false, false},
    {"\"\\udc00\\ud800\"", 0, false, false},
    {"\"\xc0\x80\"", 0, false, false},
    {"\"\xed\xa0\x80\"", 0, false, false},
    {"\"\xf4\x90\x80\x80\"", 0, false, false},
    {"\"a\tb\"", 0, false, false},
    {"9223372036854775808", 0, false, false},
    {"1e400", 0, false, false},
    {"01", 0, false, false},
    {"1.", 0, false, false},
    {".1", 0, false, false},
    {"+1", 0, false, false},
    {"NaN", 0, false, false},
    {"'a'", 0, false, false},
    {"[1] [2]", 0, false, false},
    {"\xef\xbb\xbf[]", 0, false, false},
    {"\"\\x\"", 0, false, false},
    {"[1]\0 ", 5, false, false},
    /* Deliberate differences. jansson's reader treats a NUL byte after a complete value
     * like the end of the text; jv refuses every NUL byte outside a string. */
    {"1\0", 2, false, true},
    /* jv refuses numbers of 64 characters or more (the bound on outside input); jansson
     * reads any length. */
    {"0.000000000000000000000000000000000000000000000000000000000000001", 0, false, true},
};

/* The jansson value of a jv tree, to compare what both readers made of a document. */
static json_t *to_jansson(const struct jv *v)
{
    json_t *o;

    switch (v->type) {
    case JV_NULL:
        return json_null();
    case JV_TRUE:
        return json_true();
    case JV_FALSE:
        return json_false();
    case JV_INT:
        return json_integer(v->u.i);
    case JV_REAL:
        return json_real(v->u.d);
    case JV_STRING:
        return json_stringn(v->u.str.s, v->u.str.len);
    case JV_ARRAY:
        o = json_array();
        for (size_t k = 0; k < v->u.arr.n; k++)
            json_array_append_new(o, to_jansson(v->u.arr.items[k]));
        return o;
    case JV_OBJECT:
        o = json_object();
        for (size_t k = 0; k < v->u.obj.n; k++)
            json_object_set_new(o, v->u.obj.members[k].key, to_jansson(v->u.obj.members[k].val));
        return o;
    }
    return NULL;
}

static void check_doc(const struct doc *d, size_t len)
{
    struct arena a = {0};
    struct jv_error e;
    struct jv *v = NULL;
    json_error_t je;
    json_t *j = json_loadb(d->text, len, JSON_REJECT_DUPLICATES | JSON_DECODE_ANY, &je);
    int rc = jv_parse(d->text, len, &a, &v, &e);

    if ((rc == 0) != d->jv_accepts)
        fail_msg("jv %s \"%s\" (%s)", rc == 0 ? "accepted" : "refused", d->text, e.msg);
    if ((j != NULL) != d->jansson_accepts)
        fail_msg("jansson %s \"%s\" (%s)", j ? "accepted" : "refused", d->text, je.text);
    if (rc == 0 && j) {
        json_t *mine = to_jansson(v);

        if (!json_equal(mine, j))
            fail_msg("jv and jansson read \"%s\" differently", d->text);
        json_decref(mine);
    }
    json_decref(j);
    arena_free(&a);
}

static void test_jv_parse_agrees_with_jansson(void **state)
{
    (void)state;
    for (size_t k = 0; k < sizeof(DOCS) / sizeof(DOCS[0]); k++)
        check_doc(&DOCS[k], DOCS[k].len ? DOCS[k].len : strlen(DOCS[k].text));
}

/* jansson allows 2048 levels, jv 64: a catalog never needs more, and a bound on nesting
 * bounds the stack that hostile input can take. */
static void test_jv_parse_is_stricter_than_jansson_on_depth(void **state)
{
    char *s = nested(JV_MAX_DEPTH + 1);
    struct doc d = {s, 0, false, true};

    (void)state;
    check_doc(&d, strlen(s));
    free(s);
}

static void test_jv_parse_reads_the_seed_target_like_jansson(void **state)
{
    FILE *f = fopen("tests/fixtures/AB_CD_EF_12_34_56.json", "rb");
    static char buf[16384];
    struct doc d = {buf, 0, true, true};

    (void)state;
    assert_non_null(f);
    d.len = fread(buf, 1, sizeof(buf) - 1, f);
    fclose(f);
    check_doc(&d, d.len);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_jv_parse_reads_literals),
        cmocka_unit_test(test_jv_parse_reads_integers_to_the_ends_of_int64),
        cmocka_unit_test(test_jv_parse_refuses_integers_outside_int64),
        cmocka_unit_test(test_jv_parse_reads_reals),
        cmocka_unit_test(test_jv_parse_accepts_reals_that_underflow),
        cmocka_unit_test(test_jv_parse_refuses_reals_that_overflow),
        cmocka_unit_test(test_jv_parse_refuses_malformed_numbers),
        cmocka_unit_test(test_jv_parse_refuses_numbers_of_64_characters),
        cmocka_unit_test(test_jv_parse_reads_plain_and_escaped_strings),
        cmocka_unit_test(test_jv_parse_decodes_unicode_escapes_to_utf8),
        cmocka_unit_test(test_jv_parse_joins_surrogate_pairs),
        cmocka_unit_test(test_jv_parse_refuses_lone_surrogates),
        cmocka_unit_test(test_jv_parse_refuses_u0000),
        cmocka_unit_test(test_jv_parse_refuses_bad_escapes),
        cmocka_unit_test(test_jv_parse_refuses_control_characters_in_strings),
        cmocka_unit_test(test_jv_parse_accepts_valid_utf8),
        cmocka_unit_test(test_jv_parse_refuses_invalid_utf8),
        cmocka_unit_test(test_jv_parse_keeps_object_members_in_document_order),
        cmocka_unit_test(test_jv_parse_reads_empty_containers),
        cmocka_unit_test(test_jv_parse_refuses_duplicate_keys_in_small_objects),
        cmocka_unit_test(test_jv_parse_refuses_duplicate_keys_in_large_objects),
        cmocka_unit_test(test_jv_parse_refuses_malformed_containers),
        cmocka_unit_test(test_jv_parse_reports_line_and_column_of_errors),
        cmocka_unit_test(test_jv_parse_refuses_empty_text_and_byte_order_mark),
        cmocka_unit_test(test_jv_parse_refuses_bad_literals),
        cmocka_unit_test(test_jv_parse_names_unprintable_bytes_by_code),
        cmocka_unit_test(test_jv_parse_quotes_long_keys_without_cutting_a_character),
        cmocka_unit_test(test_jv_parse_allows_nesting_to_64_levels),
        cmocka_unit_test(test_jv_parse_refuses_nesting_deeper_than_64),
        cmocka_unit_test(test_jv_parse_reads_only_len_bytes),
        cmocka_unit_test(test_jv_parse_stops_numbers_at_len),
        cmocka_unit_test(test_jv_type_name_names_every_type),
        cmocka_unit_test(test_jv_parse_agrees_with_jansson),
        cmocka_unit_test(test_jv_parse_is_stricter_than_jansson_on_depth),
        cmocka_unit_test(test_jv_parse_reads_the_seed_target_like_jansson),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
