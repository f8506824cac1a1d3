/* isotime.c: ISO 8601 times to and from seconds since the epoch, in UTC, by arithmetic. */
#include "isotime.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* The C library's mktime and strptime depend on the process's time zone and locale; the
 * conversions below depend on nothing but their arguments. */

#define FORM                                                                                       \
    "expected YYYY-MM-DD, or YYYY-MM-DDTHH:MM:SS with Z or an offset like +02:00 (e.g. "           \
    "2024-12-25T00:00:00Z)"

/* Longer than any sensible spelling ("2024-12-25T00:00:00.123456789+02:00" is 35). */
#define SCAN_MAX 64

/* How much of a refused input an error message repeats. */

#define SECS_PER_DAY 86400

/* 0000-01-01T00:00:00Z and 9999-12-31T23:59:59Z: the times four year digits can print. */
#define FORMAT_MIN (-62167219200LL)
#define FORMAT_MAX 253402300799LL

/* The fields of a parsed time, as written (before the offset is applied). */
struct fields {
    int year, month, day;
    int hour, minute, second;
    bool fraction; /* a non-zero fraction of a second was given */
    int offset;    /* minutes east of UTC */
};

/* What the parsing helpers share: the input, the cursor, the quoted input, the error. */
struct ctx {
    const char *s;
    const char *p;
    char q[FW_QUOTE_LEN];
    struct fw_err *err;
};

static bool is_digit(char c)
{
    return c >= '0' && c <= '9';
}

static bool is_leap(int64_t y)
{
    return y % 4 == 0 && (y % 100 != 0 || y % 400 == 0);
}

static int days_in_month(int year, int month)
{
    static const int days[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};

    return month == 2 && is_leap(year) ? 29 : days[month - 1];
}

/* Days from 1970-01-01 to y-m-d in the proleptic Gregorian calendar. The year is counted
 * from March, so that the leap day falls at the end of it; 400-year eras then repeat exactly
 * (146097 days). This is the well-known days-from-civil algorithm. */
static int64_t days_from_civil(int64_t y, int m, int d)
{
    int64_t era, yoe, doy, doe;

    y -= m <= 2;
    era = (y >= 0 ? y : y - 399) / 400;
    yoe = y - era * 400;
    doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
    doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

/* The inverse of days_from_civil. */
static void civil_from_days(int64_t z, int64_t *y, int *m, int *d)
{
    int64_t era, doe, yoe, doy, mp;

    z += 719468;
    era = (z >= 0 ? z : z - 146096) / 146097;
    doe = z - era * 146097;
    yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    mp = (5 * doy + 2) / 153;
    *d = (int)(doy - (153 * mp + 2) / 5 + 1);
    *m = (int)(mp < 10 ? mp + 3 : mp - 9);
    *y = yoe + era * 400 + (*m <= 2);
}

static int fail_at(struct ctx *c, const char *expected)
{
    return fw_fail(c->err, "\"%s\" is not an ISO 8601 time: expected %s at position %td; " FORM,
                   c->q, expected, c->p - c->s + 1);
}

/* Reads exactly n digits (what names them for a message) and moves the cursor past them. */
static int digits(struct ctx *c, int n, int *val, const char *what)
{
    int v = 0;

    for (int i = 0; i < n; i++) {
        if (!is_digit(c->p[i]))
            return fail_at(c, what);
        v = v * 10 + (c->p[i] - '0');
    }
    c->p += n;
    *val = v;
    return 0;
}

static int literal(struct ctx *c, char ch, const char *what)
{
    if (*c->p != ch)
        return fail_at(c, what);
    c->p++;
    return 0;
}

static int range_error(struct ctx *c, const char *what, int val, int lo, int hi)
{
    return fw_fail(c->err, "\"%s\" is not an ISO 8601 time: %s %d is out of range %d-%d", c->q,
                   what, val, lo, hi);
}

static int parse_date(struct ctx *c, struct fields *f)
{
    if (digits(c, 4, &f->year, "a 4-digit year") < 0 || literal(c, '-', "'-'") < 0 ||
        digits(c, 2, &f->month, "a 2-digit month") < 0 || literal(c, '-', "'-'") < 0 ||
        digits(c, 2, &f->day, "a 2-digit day") < 0)
        return -1;

    if (f->month < 1 || f->month > 12)
        return range_error(c, "month", f->month, 1, 12);
    if (f->day < 1 || f->day > days_in_month(f->year, f->month))
        return fw_fail(c->err,
                       "\"%s\" is not an ISO 8601 time: day %d is out of range 1-%d for %04d-%02d",
                       c->q, f->day, days_in_month(f->year, f->month), f->year, f->month);
    return 0;
}

/* ".5" or ",5": any number of digits; only whether they are all zero matters, since the
 * result counts whole seconds (the fraction is dropped, which rounds toward the past). */
static int parse_fraction(struct ctx *c, struct fields *f)
{
    if (*c->p != '.' && *c->p != ',')
        return 0;
    c->p++;
    if (!is_digit(*c->p))
        return fail_at(c, "digits of a fraction of a second");
    for (; is_digit(*c->p); c->p++)
        if (*c->p != '0')
            f->fraction = true;
    return 0;
}

/* HH:MM[:SS[.fraction]]; seconds may be left out, as ISO 8601 allows. */
static int parse_clock(struct ctx *c, struct fields *f)
{
    if (digits(c, 2, &f->hour, "a 2-digit hour") < 0 || literal(c, ':', "':'") < 0 ||
        digits(c, 2, &f->minute, "a 2-digit minute") < 0)
        return -1;
    /* A fraction belongs to the seconds: "10:00.5" (a fraction of a minute in ISO 8601)
     * is refused rather than misread. */
    if (*c->p == ':') {
        c->p++;
        if (digits(c, 2, &f->second, "a 2-digit second") < 0 || parse_fraction(c, f) < 0)
            return -1;
    }

    /* 24:00:00 is the end of a day, the same instant as the next day's 00:00:00. A leap
     * second (:60) counts as the first second of the next minute: POSIX time has no room
     * for it. */
    if (f->hour == 24 && (f->minute || f->second || f->fraction))
        return fw_fail(c->err,
                       "\"%s\" is not an ISO 8601 time: hour 24 is only allowed as 24:00:00", c->q);
    if (f->hour > 24)
        return range_error(c, "hour", f->hour, 0, 24);
    if (f->minute > 59)
        return range_error(c, "minute", f->minute, 0, 59);
    if (f->second > 60)
        return range_error(c, "second", f->second, 0, 60);
    return 0;
}

/* The digits after an offset's sign: HH:MM, HHMM or HH. */
static int parse_offset(struct ctx *c, int *hours, int *minutes)
{
    *minutes = 0;
    if (digits(c, 2, hours, "a 2-digit offset hour") < 0)
        return -1;
    if (*c->p == ':')
        c->p++;
    else if (!is_digit(*c->p))
        return 0;
    return digits(c, 2, minutes, "a 2-digit offset minute");
}

/* Z, or +HH:MM, +HHMM, +HH (and with '-'). A time without one is refused: a firmware expiry
 * must mean the same instant on every server. */
static int parse_zone(struct ctx *c, struct fields *f)
{
    int sign, hours = 0, minutes = 0;

    if (*c->p == 'Z' || *c->p == 'z') {
        c->p++;
        return 0;
    }
    if (*c->p == '\0')
        return fw_fail(c->err,
                       "\"%s\" is not an ISO 8601 time: it has no time zone; expected Z "
                       "or an offset like +02:00 after the time",
                       c->q);
    if (*c->p != '+' && *c->p != '-')
        return fail_at(c, "Z or an offset like +02:00");
    sign = *c->p == '-' ? -1 : 1;
    c->p++;
    if (parse_offset(c, &hours, &minutes) < 0)
        return -1;

    if (hours > 23)
        return range_error(c, "offset hour", hours, 0, 23);
    if (minutes > 59)
        return range_error(c, "offset minute", minutes, 0, 59);
    f->offset = sign * (hours * 60 + minutes);
    return 0;
}

/* Everything after the date: a 'T' (or 't', or a space as RFC 3339 allows), clock, zone. */
static int parse_time_of_day(struct ctx *c, struct fields *f)
{
    if (*c->p != 'T' && *c->p != 't' && *c->p != ' ')
        return fail_at(c, "'T' and a time, or the end");
    c->p++;
    if (parse_clock(c, f) < 0 || parse_zone(c, f) < 0)
        return -1;
    if (*c->p != '\0')
        return fail_at(c, "the end");
    return 0;
}

int isotime_parse(const char *s, int64_t *out, struct fw_err *err)
{
    struct ctx c = {.s = s, .p = s, .err = err};
    struct fields f = {0};

    if (!s || !*s)
        return fw_fail(err, "empty time: " FORM);
    fw_quote(s, c.q);
    if (strnlen(s, SCAN_MAX + 1) > SCAN_MAX)
        return fw_fail(err, "\"%s\" is not an ISO 8601 time: longer than %d characters", c.q,
                       SCAN_MAX);

    if (parse_date(&c, &f) < 0)
        return -1;
    if (*c.p != '\0' && parse_time_of_day(&c, &f) < 0)
        return -1;

    *out = days_from_civil(f.year, f.month, f.day) * SECS_PER_DAY + f.hour * 3600 + f.minute * 60 +
           f.second - (int64_t)f.offset * 60;
    return 0;
}

static void put_digits(char *dst, int64_t v, int width)
{
    for (int i = width - 1; i >= 0; i--) {
        dst[i] = (char)('0' + v % 10);
        v /= 10;
    }
}

/* Times before year 0000 or after 9999 are clamped to those years' first and last second:
 * four year digits is what the format promises, and such times only come from corrupt
 * input, which should print as something recognisably extreme rather than overflow. */
void isotime_format(int64_t t, char buf[ISOTIME_STR_LEN])
{
    int64_t days, secs, year;
    int month, day;

    if (t < FORMAT_MIN)
        t = FORMAT_MIN;
    if (t > FORMAT_MAX)
        t = FORMAT_MAX;

    /* Floor division: -1 is 1969-12-31T23:59:59Z, not a second into 1970. */
    days = t / SECS_PER_DAY;
    secs = t % SECS_PER_DAY;
    if (secs < 0) {
        secs += SECS_PER_DAY;
        days--;
    }
    civil_from_days(days, &year, &month, &day);

    memcpy(buf, "0000-00-00T00:00:00Z", ISOTIME_STR_LEN);
    put_digits(buf, year, 4);
    put_digits(buf + 5, month, 2);
    put_digits(buf + 8, day, 2);
    put_digits(buf + 11, secs / 3600, 2);
    put_digits(buf + 14, secs / 60 % 60, 2);
    put_digits(buf + 17, secs % 60, 2);
}

/* "@<seconds>": an optional '-' and digits, nothing else, within 64 bits. */
static bool parse_epoch(const char *s, int64_t *out)
{
    char *end;
    long long v;

    if (!is_digit(s[0]) && !(s[0] == '-' && is_digit(s[1])))
        return false;
    errno = 0;
    v = strtoll(s, &end, 10);
    if (errno || *end != '\0')
        return false;
    *out = v;
    return true;
}

/* FWHUB_NOW pins the clock for tests and demos. A value that does not parse is ignored and
 * the real clock used: core does not print, and a typo in a test variable must not make
 * every expiry decision fail. Callers that want to warn about it can parse it themselves. */
int64_t isotime_now(void)
{
    const char *env = getenv("FWHUB_NOW");
    int64_t t;

    if (env && env[0] == '@' && parse_epoch(env + 1, &t))
        return t;
    if (env && env[0] != '@' && isotime_parse(env, &t, NULL) == 0)
        return t;
    return (int64_t)time(NULL);
}

int64_t isotime_mono_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}
