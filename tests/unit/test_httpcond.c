/* test_httpcond.c: Range, If-None-Match and If-Range parsing (src/server/httpcond.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "server/httpcond.h"

static struct httpcond_range r[HTTPCOND_RANGES_MAX];
static size_t n;

static enum httpcond_ranges_verdict parse(const char *v, uint64_t size)
{
    return httpcond_ranges(v, strlen(v), size, r, &n);
}

static void one_range_is_cut_to_the_size(void **state)
{
    (void)state;
    assert_int_equal(parse("bytes=0-9", 100), HTTPCOND_PARTIAL);
    assert_int_equal(n, 1);
    assert_int_equal(r[0].first, 0);
    assert_int_equal(r[0].last, 9);
    assert_int_equal(parse("bytes=90-1000", 100), HTTPCOND_PARTIAL);
    assert_int_equal(r[0].last, 99);
    assert_int_equal(parse("bytes=95-", 100), HTTPCOND_PARTIAL);
    assert_int_equal(r[0].first, 95);
    assert_int_equal(r[0].last, 99);
}

static void suffix_ranges_count_from_the_end(void **state)
{
    (void)state;
    assert_int_equal(parse("bytes=-10", 100), HTTPCOND_PARTIAL);
    assert_int_equal(r[0].first, 90);
    assert_int_equal(r[0].last, 99);
    assert_int_equal(parse("bytes=-1000", 100), HTTPCOND_PARTIAL);
    assert_int_equal(r[0].first, 0);
    assert_int_equal(parse("bytes=-0", 100), HTTPCOND_UNSATISFIABLE);
}

static void several_ranges_keep_their_order(void **state)
{
    (void)state;
    assert_int_equal(parse("BYTES= 50-59 ,, 0-1,\t-1", 100), HTTPCOND_PARTIAL);
    assert_int_equal(n, 3);
    assert_int_equal(r[0].first, 50);
    assert_int_equal(r[1].last, 1);
    assert_int_equal(r[2].first, 99);
}

static void ranges_past_the_end_are_dropped_or_unsatisfiable(void **state)
{
    (void)state;
    assert_int_equal(parse("bytes=100-200", 100), HTTPCOND_UNSATISFIABLE);
    assert_int_equal(n, 0);
    assert_int_equal(parse("bytes=100-200,0-0", 100), HTTPCOND_PARTIAL);
    assert_int_equal(n, 1);
    assert_int_equal(parse("bytes=0-", 0), HTTPCOND_UNSATISFIABLE);
}

static void bad_syntax_means_the_whole_file(void **state)
{
    static const char *const bad[] = {
        "bytes=",
        "bytes=9-1",
        "bytes=a-b",
        "bytes=1-2-3",
        "items=0-1",
        "bytes=0-1;x",
        "bytes=--1",
        "bytes",
        "",
        "bytes=1",
        "bytes=99999999999999999999-",
        "bytes=0-99999999999999999999",
    };

    (void)state;
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        assert_int_equal(parse(bad[i], 100), HTTPCOND_WHOLE);
        assert_int_equal(n, 0);
    }
}

static void too_many_ranges_mean_the_whole_file(void **state)
{
    char v[256] = "bytes=0-0";
    size_t len = strlen(v);

    (void)state;
    for (int i = 1; i < HTTPCOND_RANGES_MAX; i++)
        len += (size_t)snprintf(v + len, sizeof(v) - len, ",1-1");
    assert_int_equal(parse(v, 100), HTTPCOND_PARTIAL);
    assert_int_equal(n, HTTPCOND_RANGES_MAX);
    snprintf(v + len, sizeof(v) - len, ",2-2");
    assert_int_equal(parse(v, 100), HTTPCOND_WHOLE);
}

static bool inm(const char *v)
{
    return httpcond_none_match_hits(v, strlen(v), "\"abc-1\"");
}

static void if_none_match_compares_weakly(void **state)
{
    (void)state;
    assert_true(inm("\"abc-1\""));
    assert_true(inm("W/\"abc-1\""));
    assert_true(inm(" \"x\", W/\"y\" ,\"abc-1\""));
    assert_true(inm("*"));
    assert_false(inm("\"abc-2\""));
    assert_false(inm("abc-1"));
    assert_false(inm("\"abc-1"));
    assert_false(inm(""));
}

static bool ifr(const char *v)
{
    return httpcond_if_range_holds(v, strlen(v), "\"abc-1\"", "Sun, 06 Nov 1994 08:49:37 GMT");
}

static void if_range_needs_the_strong_tag_or_the_exact_date(void **state)
{
    (void)state;
    assert_true(ifr("\"abc-1\""));
    assert_true(ifr("Sun, 06 Nov 1994 08:49:37 GMT"));
    assert_false(ifr("W/\"abc-1\""));
    assert_false(ifr("\"abc-2\""));
    assert_false(ifr("Sun, 06 Nov 1994 08:49:38 GMT"));
    assert_false(ifr(""));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(one_range_is_cut_to_the_size),
        cmocka_unit_test(suffix_ranges_count_from_the_end),
        cmocka_unit_test(several_ranges_keep_their_order),
        cmocka_unit_test(ranges_past_the_end_are_dropped_or_unsatisfiable),
        cmocka_unit_test(bad_syntax_means_the_whole_file),
        cmocka_unit_test(too_many_ranges_mean_the_whole_file),
        cmocka_unit_test(if_none_match_compares_weakly),
        cmocka_unit_test(if_range_needs_the_strong_tag_or_the_exact_date),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
