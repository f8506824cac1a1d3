/* isotime.h: ISO 8601 dates and date-times, and a "now" that tests can fix. */
#ifndef FWHUB_ISOTIME_H
#define FWHUB_ISOTIME_H

#include <stdint.h>
#include <stddef.h>

#include "error.h"

#define ISOTIME_STR_LEN 21 /* "2024-12-25T00:00:00Z" and NUL */

/* Parses "2024-12-25" (midnight UTC), "2024-12-25T00:00:00Z", with optional fractional
 * seconds, and with offsets "+02:00", "-0500", "+02". Also accepts a space instead of
 * "T". Checks ranges (month 1-12, day within the month, leap years, hour 0-23 or 24:00:00,
 * minute, second 0-60). A date-time without zone is refused: a firmware expiry must not
 * depend on a server's time zone. Result: seconds since 1970-01-01T00:00:00Z; a fraction
 * is dropped, 24:00:00 is the next day's midnight and a leap second :60 the next minute's
 * first second. Seconds may be left out ("2024-12-25T10:30Z"); years are 0000-9999.
 * Returns 0 or -1 with a message saying what was expected. */
int isotime_parse(const char *s, int64_t *out, struct fw_err *err) FW_NODISCARD;

/* Formats t as "YYYY-MM-DDTHH:MM:SSZ" in UTC into buf[ISOTIME_STR_LEN]. Times outside the
 * years 0000-9999 are clamped to 0000-01-01T00:00:00Z or 9999-12-31T23:59:59Z. */
void isotime_format(int64_t t, char buf[ISOTIME_STR_LEN]);

/* The current time; when the environment variable FWHUB_NOW holds an ISO 8601 time
 * (or seconds since the epoch prefixed with "@"), that time instead. A FWHUB_NOW that
 * does not parse is ignored, silently: the real clock is used. */
int64_t isotime_now(void);

/* Milliseconds of the monotonic clock (CLOCK_MONOTONIC): for intervals and deadlines, never
 * for dates. */
int64_t isotime_mono_ms(void);

#endif
