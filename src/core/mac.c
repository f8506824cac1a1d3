/* mac.c: parsing device MAC addresses in their common spellings, and printing them. */
#include "mac.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#define EXPECT_OCTETS "expected 6 octets like AB:CD:EF:12:34:56"
#define EXPECT_DOTTED "expected 3 groups of 4 hex digits like ABCD.EF12.3456"
#define EXPECT_BARE   "expected 12 hex digits like ABCDEF123456"

/* The longest spelling has 17 characters. Looking no further than this bounds the work on
 * hostile input while still telling "too long" apart from the other mistakes. */
#define SCAN_MAX 64

/* How much of a refused input an error message repeats. */

#define MAC_MASK 0xFFFFFFFFFFFFULL

static int hex_value(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

static bool is_separator(char c)
{
    return c == ':' || c == '-' || c == '_' || c == '.';
}

static bool is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

/* The first separator decides the spelling; every later character is judged against it. */
static char first_separator(const char *s, size_t len)
{
    for (size_t i = 0; i < len; i++)
        if (is_separator(s[i]))
            return s[i];
    return '\0';
}

/* Checks one character against the spelling chosen by sep, whose groups are group hex
 * digits long. Writes the reason into why and returns false when it does not fit. */
static bool char_fits(const char *s, size_t i, char sep, size_t group, char *why, size_t len)
{
    const char *expect = sep == '.' ? EXPECT_DOTTED : EXPECT_OCTETS;
    char c = s[i];
    bool sep_slot = sep && (i + 1) % (group + 1) == 0;

    if (hex_value(c) < 0 && !is_separator(c)) {
        char shown[8];

        /* A control byte is named by its code: printed raw it could end the log line. */
        if ((unsigned char)c >= 0x20 && (unsigned char)c < 0x7f)
            snprintf(shown, sizeof(shown), "'%c'", c);
        else
            snprintf(shown, sizeof(shown), "0x%02X", (unsigned char)c);
        snprintf(why, len,
                 "unexpected character %s at position %zu; expected hex digits and one kind of "
                 "separator (: - _ or .)",
                 shown, i + 1);
        return false;
    }
    if (is_separator(c) && c != sep) {
        snprintf(why, len, "mixes separators '%c' and '%c'; %s", sep, c, expect);
        return false;
    }
    if (sep_slot && c != sep) {
        snprintf(why, len, "expected '%c' at position %zu; %s", sep, i + 1, expect);
        return false;
    }
    if (!sep_slot && c == sep) {
        snprintf(why, len, "separator '%c' at position %zu is in the wrong place; %s", sep, i + 1,
                 expect);
        return false;
    }
    return true;
}

/* Says what is wrong with the layout of s (len bytes), or returns true when s is one of the
 * accepted spellings. Reports the first mistake from the left, so that a stray character
 * is named as such rather than hidden behind a length complaint. */
static bool layout_fits(const char *s, size_t len, char *why, size_t whylen)
{
    char sep = first_separator(s, len);
    size_t group = sep == '.' ? 4 : sep ? 2 : 12;
    size_t want = 12 + 12 / group - 1;

    if (len >= SCAN_MAX) {
        snprintf(why, whylen, "longer than any MAC address spelling; " EXPECT_OCTETS);
        return false;
    }
    if (is_space(s[0]) || is_space(s[len - 1])) {
        snprintf(why, whylen, "leading or trailing white space; " EXPECT_OCTETS);
        return false;
    }
    for (size_t i = 0; i < len; i++)
        if (!char_fits(s, i, sep, group, why, whylen))
            return false;
    if (len != want) {
        snprintf(why, whylen, "%s", sep == '.' ? EXPECT_DOTTED : sep ? EXPECT_OCTETS : EXPECT_BARE);
        return false;
    }
    return true;
}

int mac_parse(const char *s, uint64_t *out, struct fw_err *err)
{
    char why[256];
    char q[FW_QUOTE_LEN];
    uint64_t mac = 0;
    size_t len;

    if (!s || !*s)
        return fw_fail(err, "no MAC address given: " EXPECT_OCTETS);

    len = strnlen(s, SCAN_MAX);
    if (!layout_fits(s, len, why, sizeof(why)))
        return fw_fail(err, "\"%s\" is not a MAC address: %s", fw_quote(s, q), why);

    for (size_t i = 0; i < len; i++)
        if (!is_separator(s[i]))
            mac = mac << 4 | (uint64_t)hex_value(s[i]);

    /* Neither value can name one device: all-zero is what unset hardware reports, and
     * broadcast addresses every station at once. */
    if (mac == 0)
        return fw_fail(err, "\"%s\" is not a device MAC address: it is all zeros", fw_quote(s, q));
    if (mac == MAC_MASK)
        return fw_fail(err, "\"%s\" is not a device MAC address: it is the broadcast address",
                       fw_quote(s, q));

    *out = mac;
    return 0;
}

static void format_with(uint64_t mac, char sep, char buf[MAC_STR_LEN])
{
    static const char digits[] = "0123456789ABCDEF";

    for (int i = 0; i < 6; i++) {
        unsigned octet = (unsigned)(mac >> (40 - 8 * i)) & 0xFF;

        buf[3 * i] = digits[octet >> 4];
        buf[3 * i + 1] = digits[octet & 0xF];
        buf[3 * i + 2] = sep;
    }
    buf[MAC_STR_LEN - 1] = '\0';
}

void mac_format(uint64_t mac, char buf[MAC_STR_LEN])
{
    format_with(mac, ':', buf);
}

void mac_format_file(uint64_t mac, char buf[MAC_STR_LEN])
{
    format_with(mac, '_', buf);
}
