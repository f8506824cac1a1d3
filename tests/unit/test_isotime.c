/* test_isotime.c: unit tests of src/core/isotime.c: parsing, ranges, formatting, FWHUB_NOW. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <cmocka.h>

#include "core/isotime.h"

#define CHRISTMAS_2024 1735084800LL /* 2024-12-25T00:00:00Z */
#define YEAR_0_START   (-62167219200LL)
#define YEAR_9999_END  253402300799LL

static void assert_parses(const char *s, int64_t want)
{
    struct fw_err err = {{0}};
    int64_t got = 0;

    if (isotime_parse(s, &got, &err) != 0)
        fail_msg("\"%s\" was refused: %s", s, err.msg);
    if (got != want)
        fail_msg("\"%s\" parsed as %lld, expected %lld", s, (long long)got, (long long)want);
}

/* The input is refused, *out is left alone, and the message contains fragment. */
static void assert_refused(const char *s, const char *fragment)
{
    struct fw_err err = {{0}};
    int64_t got = 42;

    assert_int_equal(isotime_parse(s, &got, &err), -1);
    assert_int_equal(got, 42);
    if (!strstr(err.msg, fragment))
        fail_msg("message \"%s\" lacks \"%s\"", err.msg, fragment);
}

static void assert_formats(int64_t t, const char *want)
{
    char buf[ISOTIME_STR_LEN];

    isotime_format(t, buf);
    assert_string_equal(buf, want);
}

static void test_isotime_parse_reads_date_as_midnight_utc(void **state)
{
    (void)state;
    assert_parses("2024-12-25", CHRISTMAS_2024);
    assert_parses("1970-01-01", 0);
}

static void test_isotime_parse_reads_utc_date_time(void **state)
{
    (void)state;
    assert_parses("2024-12-25T00:00:00Z", CHRISTMAS_2024);
    assert_parses("2000-02-29T12:34:56Z", 951827696);
    assert_parses("2038-01-19T03:14:08Z", 2147483648LL);
    assert_parses("1969-12-31T23:59:59Z", -1);
    assert_parses("1900-03-01T00:00:00Z", -2203891200LL);
}

static void test_isotime_parse_accepts_lower_case_and_space_separator(void **state)
{
    (void)state;
    assert_parses("2024-12-25t00:00:00z", CHRISTMAS_2024);
    assert_parses("2024-12-25 00:00:00Z", CHRISTMAS_2024);
}

static void test_isotime_parse_accepts_time_without_seconds(void **state)
{
    (void)state;
    assert_parses("2024-12-25T10:30Z", CHRISTMAS_2024 + 10 * 3600 + 30 * 60);
}

static void test_isotime_parse_drops_fractional_seconds(void **state)
{
    (void)state;
    assert_parses("2024-12-25T00:00:01.999Z", CHRISTMAS_2024 + 1);
    assert_parses("2024-12-25T00:00:01,5Z", CHRISTMAS_2024 + 1);
    assert_parses("2024-12-25T00:00:00.123456789+01:00", CHRISTMAS_2024 - 3600);
    /* Before 1970 too the result is the second the instant falls in. */
    assert_parses("1969-12-31T23:59:59.5Z", -1);
}

static void test_isotime_parse_applies_extended_offset(void **state)
{
    (void)state;
    assert_parses("2024-12-25T02:00:00+02:00", CHRISTMAS_2024);
    assert_parses("2024-12-24T19:00:00-05:00", CHRISTMAS_2024);
    assert_parses("2024-12-25T05:30:00+05:30", CHRISTMAS_2024);
}

static void test_isotime_parse_applies_basic_offset(void **state)
{
    (void)state;
    assert_parses("2024-12-24T19:00:00-0500", CHRISTMAS_2024);
    assert_parses("2024-12-25T05:45:00+0545", CHRISTMAS_2024);
}

static void test_isotime_parse_applies_hour_only_offset(void **state)
{
    (void)state;
    assert_parses("2024-12-25T02:00:00+02", CHRISTMAS_2024);
    assert_parses("2024-12-24T22:00:00-02", CHRISTMAS_2024);
    assert_parses("2024-12-25T00:00:00-00:00", CHRISTMAS_2024);
}

static void test_isotime_parse_moves_across_days_with_offset(void **state)
{
    (void)state;
    /* Local New Year's Day in Kiribati is still 31 December in UTC. */
    assert_parses("2025-01-01T00:00:00+14:00", CHRISTMAS_2024 + 6 * 86400 + 10 * 3600);
}

static void test_isotime_parse_accepts_end_of_day_24h(void **state)
{
    (void)state;
    assert_parses("2024-12-24T24:00:00Z", CHRISTMAS_2024);
    assert_parses("2024-12-24T24:00Z", CHRISTMAS_2024);
    assert_parses("2024-12-24T24:00:00.000Z", CHRISTMAS_2024);
}

static void test_isotime_parse_refuses_24h_past_midnight(void **state)
{
    (void)state;
    assert_refused("2024-12-24T24:00:01Z", "hour 24 is only allowed as 24:00:00");
    assert_refused("2024-12-24T24:01:00Z", "hour 24 is only allowed as 24:00:00");
    assert_refused("2024-12-24T24:00:00.5Z", "hour 24 is only allowed as 24:00:00");
}

static void test_isotime_parse_accepts_leap_second_as_next_second(void **state)
{
    (void)state;
    assert_parses("2016-12-31T23:59:60Z", 1483228800);
}

static void test_isotime_parse_accepts_leap_days(void **state)
{
    (void)state;
    assert_parses("2024-02-29", 1709164800);
    assert_parses("2000-02-29T12:34:56Z", 951827696);
    assert_parses("0000-02-29", YEAR_0_START + 59 * 86400);
}

static void test_isotime_parse_refuses_feb_29_outside_leap_years(void **state)
{
    (void)state;
    assert_refused("2023-02-29", "day 29 is out of range 1-28 for 2023-02");
    assert_refused("1900-02-29", "day 29 is out of range 1-28 for 1900-02");
    assert_refused("2024-02-30", "day 30 is out of range 1-29 for 2024-02");
}

static void test_isotime_parse_checks_days_of_each_month(void **state)
{
    static const int days[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    char s[32];
    int64_t t;

    (void)state;
    for (int m = 1; m <= 12; m++) {
        snprintf(s, sizeof(s), "2023-%02d-%02d", m, days[m - 1]);
        assert_int_equal(isotime_parse(s, &t, NULL), 0);
        snprintf(s, sizeof(s), "2023-%02d-%02d", m, days[m - 1] + 1);
        assert_int_equal(isotime_parse(s, &t, NULL), -1);
    }
    assert_refused("2024-04-31", "day 31 is out of range 1-30 for 2024-04");
    assert_refused("2024-01-00", "day 0 is out of range 1-31");
}

static void test_isotime_parse_refuses_month_out_of_range(void **state)
{
    (void)state;
    assert_refused("2024-13-01", "month 13 is out of range 1-12");
    assert_refused("2024-00-10", "month 0 is out of range 1-12");
}

static void test_isotime_parse_refuses_clock_out_of_range(void **state)
{
    (void)state;
    assert_refused("2024-12-25T25:00:00Z", "hour 25 is out of range 0-24");
    assert_refused("2024-12-25T12:60:00Z", "minute 60 is out of range 0-59");
    assert_refused("2024-12-25T12:00:61Z", "second 61 is out of range 0-60");
}

static void test_isotime_parse_refuses_offset_out_of_range(void **state)
{
    (void)state;
    assert_refused("2024-12-25T00:00:00+24:00", "offset hour 24 is out of range 0-23");
    assert_refused("2024-12-25T00:00:00+02:60", "offset minute 60 is out of range 0-59");
}

static void test_isotime_parse_refuses_malformed_offset(void **state)
{
    (void)state;
    assert_refused("2024-12-25T00:00:00+2", "expected a 2-digit offset hour at position 21");
    assert_refused("2024-12-25T00:00:00+02:", "expected a 2-digit offset minute at position 24");
    assert_refused("2024-12-25T00:00:00+020", "expected a 2-digit offset minute at position 23");
    assert_refused("2024-12-25T00:00:00+02:000", "expected the end at position 26");
    assert_refused("2024-12-25T00:00:00UTC", "expected Z or an offset like +02:00 at position 20");
}

static void test_isotime_parse_refuses_time_without_zone(void **state)
{
    (void)state;
    assert_refused("2024-12-25T00:00:00", "\"2024-12-25T00:00:00\" is not an ISO 8601 time: it "
                                          "has no time zone; expected Z or an offset");
    assert_refused("2024-12-25 10:30", "has no time zone");
    assert_refused("2024-12-25T00:00:00.5", "has no time zone");
}

static void test_isotime_parse_refuses_fraction_of_minute(void **state)
{
    (void)state;
    assert_refused("2024-12-25T10:30.5Z", "expected Z or an offset like +02:00 at position 17");
}

static void test_isotime_parse_refuses_fraction_without_digits(void **state)
{
    (void)state;
    assert_refused("2024-12-25T00:00:00.Z", "expected digits of a fraction of a second at "
                                            "position 21");
}

static void test_isotime_parse_refuses_malformed_date(void **state)
{
    (void)state;
    assert_refused("24-12-25", "expected a 4-digit year at position 1");
    assert_refused("12024-01-01", "expected '-' at position 5");
    assert_refused("2024/12/25", "expected '-' at position 5");
    assert_refused("2024-1-25", "expected a 2-digit month at position 6");
    assert_refused("2024-12-5", "expected a 2-digit day at position 9");
    assert_refused("-2024-12-25", "expected a 4-digit year at position 1");
    assert_refused("20241225", "expected '-' at position 5");
}

static void test_isotime_parse_refuses_malformed_clock(void **state)
{
    (void)state;
    assert_refused("2024-12-25T", "expected a 2-digit hour at position 12");
    assert_refused("2024-12-25T1:00:00Z", "expected a 2-digit hour at position 12");
    assert_refused("2024-12-25T10", "expected ':' at position 14");
    assert_refused("2024-12-25T10:0Z", "expected a 2-digit minute at position 15");
    assert_refused("2024-12-25T10:00:0Z", "expected a 2-digit second at position 18");
}

static void test_isotime_parse_refuses_zone_after_date_only(void **state)
{
    (void)state;
    assert_refused("2024-12-25Z", "expected 'T' and a time, or the end at position 11");
    assert_refused("2024-12-25+02:00", "expected 'T' and a time, or the end at position 11");
}

static void test_isotime_parse_refuses_surrounding_white_space(void **state)
{
    (void)state;
    assert_refused(" 2024-12-25", "expected a 4-digit year at position 1");
    assert_refused("2024-12-25T00:00:00Z ", "expected the end at position 21");
    assert_refused("2024-12-25 ", "expected a 2-digit hour at position 12");
}

static void test_isotime_parse_refuses_null_empty_and_overlong(void **state)
{
    char big[200];
    struct fw_err err = {{0}};
    int64_t t;

    (void)state;
    assert_refused(NULL, "empty time: expected YYYY-MM-DD");
    assert_refused("", "empty time");
    assert_int_equal(isotime_parse("", &t, NULL), -1);

    memcpy(big, "2024-12-25T00:00:00.", 20);
    memset(big + 20, '0', sizeof(big) - 22);
    memcpy(big + sizeof(big) - 2, "Z", 2);
    assert_int_equal(isotime_parse(big, &t, &err), -1);
    assert_non_null(strstr(err.msg, "longer than 64 characters"));
    assert_non_null(strstr(err.msg, "...\""));
}

static void test_isotime_parse_quotes_control_bytes_safely(void **state)
{
    struct fw_err err = {{0}};
    int64_t t;

    (void)state;
    assert_int_equal(isotime_parse("2024-12-25T00:00:00\nZ", &t, &err), -1);
    assert_null(strchr(err.msg, '\n'));
    assert_non_null(strstr(err.msg, "\"2024-12-25T00:00:00?Z\""));
}

static void test_isotime_parse_covers_years_0000_to_9999(void **state)
{
    (void)state;
    assert_parses("0000-01-01T00:00:00Z", YEAR_0_START);
    assert_parses("9999-12-31T23:59:59Z", YEAR_9999_END);
    assert_parses("9999-12-31T23:59:59-23:59", YEAR_9999_END + 23 * 3600 + 59 * 60);
}

static void test_isotime_format_prints_utc(void **state)
{
    (void)state;
    assert_formats(0, "1970-01-01T00:00:00Z");
    assert_formats(CHRISTMAS_2024, "2024-12-25T00:00:00Z");
    assert_formats(951827696, "2000-02-29T12:34:56Z");
    assert_formats(2147483648LL, "2038-01-19T03:14:08Z");
}

static void test_isotime_format_floors_negative_times(void **state)
{
    (void)state;
    assert_formats(-1, "1969-12-31T23:59:59Z");
    assert_formats(-86400, "1969-12-31T00:00:00Z");
    assert_formats(-86401, "1969-12-30T23:59:59Z");
    assert_formats(-2203891200LL, "1900-03-01T00:00:00Z");
}

static void test_isotime_format_covers_years_0000_to_9999(void **state)
{
    (void)state;
    assert_formats(YEAR_0_START, "0000-01-01T00:00:00Z");
    assert_formats(YEAR_0_START + 59 * 86400, "0000-02-29T00:00:00Z");
    assert_formats(YEAR_9999_END, "9999-12-31T23:59:59Z");
}

static void test_isotime_format_clamps_outside_four_digit_years(void **state)
{
    (void)state;
    assert_formats(YEAR_0_START - 1, "0000-01-01T00:00:00Z");
    assert_formats(INT64_MIN, "0000-01-01T00:00:00Z");
    assert_formats(YEAR_9999_END + 1, "9999-12-31T23:59:59Z");
    assert_formats(INT64_MAX, "9999-12-31T23:59:59Z");
}

static void test_isotime_format_agrees_with_gmtime(void **state)
{
    char want[ISOTIME_STR_LEN];
    char got[ISOTIME_STR_LEN];
    struct tm tm;

    (void)state;
    /* Steps of 7 days 1 hour 1 minute 1 second, from 1901 to 2200, hit every month, day of
     * month and time of day in many combinations; gmtime_r needs no time zone. */
    for (int64_t t = -2147483648LL; t < 7258118400LL; t += 7 * 86400 + 3661) {
        time_t tt = (time_t)t;

        assert_non_null(gmtime_r(&tt, &tm));
        strftime(want, sizeof(want), "%Y-%m-%dT%H:%M:%SZ", &tm);
        isotime_format(t, got);
        assert_string_equal(got, want);
    }
}

static void test_isotime_round_trips_format_and_parse(void **state)
{
    char buf[ISOTIME_STR_LEN];
    int64_t back;

    (void)state;
    /* A prime step that crosses every kind of day and leap rule between years 0 and 9999. */
    for (int64_t t = YEAR_0_START; t <= YEAR_9999_END; t += 86400 * 97 + 12347) {
        isotime_format(t, buf);
        assert_int_equal(isotime_parse(buf, &back, NULL), 0);
        assert_int_equal(back, t);
    }
}

static void test_isotime_now_reads_iso_time_from_env(void **state)
{
    (void)state;
    setenv("FWHUB_NOW", "2024-12-25T00:00:00Z", 1);
    assert_int_equal(isotime_now(), CHRISTMAS_2024);
    setenv("FWHUB_NOW", "2024-12-25", 1);
    assert_int_equal(isotime_now(), CHRISTMAS_2024);
    unsetenv("FWHUB_NOW");
}

static void test_isotime_now_reads_epoch_seconds_from_env(void **state)
{
    (void)state;
    setenv("FWHUB_NOW", "@1700000000", 1);
    assert_int_equal(isotime_now(), 1700000000);
    setenv("FWHUB_NOW", "@-5", 1);
    assert_int_equal(isotime_now(), -5);
    setenv("FWHUB_NOW", "@0", 1);
    assert_int_equal(isotime_now(), 0);
    unsetenv("FWHUB_NOW");
}

/* The real clock, give or take the time the test takes. */
static void assert_real_clock(const char *env)
{
    time_t before;
    time_t after;
    int64_t t;

    if (env)
        setenv("FWHUB_NOW", env, 1);
    else
        unsetenv("FWHUB_NOW");
    before = time(NULL);
    t = isotime_now();
    after = time(NULL);
    unsetenv("FWHUB_NOW");
    if (t < (int64_t)before || t > (int64_t)after)
        fail_msg("FWHUB_NOW=%s gave %lld, not the real clock", env ? env : "(unset)", (long long)t);
}

static void test_isotime_now_uses_real_clock_without_env(void **state)
{
    (void)state;
    assert_real_clock(NULL);
    assert_real_clock("");
}

static void test_isotime_now_falls_back_to_real_clock_on_invalid_env(void **state)
{
    (void)state;
    assert_real_clock("tomorrow");
    assert_real_clock("2024-12-25T00:00:00"); /* no zone */
    assert_real_clock("2024-02-30");
    assert_real_clock("@");
    assert_real_clock("@12x");
    assert_real_clock("@ 5");
    assert_real_clock("@+5");
    assert_real_clock("@-");
    assert_real_clock("@99999999999999999999");
    assert_real_clock("1700000000"); /* epoch seconds need the '@' */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_isotime_parse_reads_date_as_midnight_utc),
        cmocka_unit_test(test_isotime_parse_reads_utc_date_time),
        cmocka_unit_test(test_isotime_parse_accepts_lower_case_and_space_separator),
        cmocka_unit_test(test_isotime_parse_accepts_time_without_seconds),
        cmocka_unit_test(test_isotime_parse_drops_fractional_seconds),
        cmocka_unit_test(test_isotime_parse_applies_extended_offset),
        cmocka_unit_test(test_isotime_parse_applies_basic_offset),
        cmocka_unit_test(test_isotime_parse_applies_hour_only_offset),
        cmocka_unit_test(test_isotime_parse_moves_across_days_with_offset),
        cmocka_unit_test(test_isotime_parse_accepts_end_of_day_24h),
        cmocka_unit_test(test_isotime_parse_refuses_24h_past_midnight),
        cmocka_unit_test(test_isotime_parse_accepts_leap_second_as_next_second),
        cmocka_unit_test(test_isotime_parse_accepts_leap_days),
        cmocka_unit_test(test_isotime_parse_refuses_feb_29_outside_leap_years),
        cmocka_unit_test(test_isotime_parse_checks_days_of_each_month),
        cmocka_unit_test(test_isotime_parse_refuses_month_out_of_range),
        cmocka_unit_test(test_isotime_parse_refuses_clock_out_of_range),
        cmocka_unit_test(test_isotime_parse_refuses_offset_out_of_range),
        cmocka_unit_test(test_isotime_parse_refuses_malformed_offset),
        cmocka_unit_test(test_isotime_parse_refuses_time_without_zone),
        cmocka_unit_test(test_isotime_parse_refuses_fraction_of_minute),
        cmocka_unit_test(test_isotime_parse_refuses_fraction_without_digits),
        cmocka_unit_test(test_isotime_parse_refuses_malformed_date),
        cmocka_unit_test(test_isotime_parse_refuses_malformed_clock),
        cmocka_unit_test(test_isotime_parse_refuses_zone_after_date_only),
        cmocka_unit_test(test_isotime_parse_refuses_surrounding_white_space),
        cmocka_unit_test(test_isotime_parse_refuses_null_empty_and_overlong),
        cmocka_unit_test(test_isotime_parse_quotes_control_bytes_safely),
        cmocka_unit_test(test_isotime_parse_covers_years_0000_to_9999),
        cmocka_unit_test(test_isotime_format_prints_utc),
        cmocka_unit_test(test_isotime_format_floors_negative_times),
        cmocka_unit_test(test_isotime_format_covers_years_0000_to_9999),
        cmocka_unit_test(test_isotime_format_clamps_outside_four_digit_years),
        cmocka_unit_test(test_isotime_format_agrees_with_gmtime),
        cmocka_unit_test(test_isotime_round_trips_format_and_parse),
        cmocka_unit_test(test_isotime_now_reads_iso_time_from_env),
        cmocka_unit_test(test_isotime_now_reads_epoch_seconds_from_env),
        cmocka_unit_test(test_isotime_now_uses_real_clock_without_env),
        cmocka_unit_test(test_isotime_now_falls_back_to_real_clock_on_invalid_env),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
