/* test_mac.c: unit tests of src/core/mac.c, every accepted spelling and every refusal. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "core/mac.h"

#define SEED_MAC 0xABCDEF123456ULL

static void assert_parses(const char *s, uint64_t want)
{
    struct fw_err err = {{0}};
    uint64_t got = 0;

    if (mac_parse(s, &got, &err) != 0)
        fail_msg("\"%s\" was refused: %s", s, err.msg);
    assert_int_equal(got, want);
}

/* The input is refused, *out is left alone, and the message contains fragment. */
static void assert_refused(const char *s, const char *fragment)
{
    struct fw_err err = {{0}};
    uint64_t got = 42;

    assert_int_equal(mac_parse(s, &got, &err), -1);
    assert_int_equal(got, 42);
    if (!strstr(err.msg, fragment))
        fail_msg("message \"%s\" lacks \"%s\"", err.msg, fragment);
}

static void test_mac_parse_accepts_colon_form(void **state)
{
    (void)state;
    assert_parses("AB:CD:EF:12:34:56", SEED_MAC);
}

static void test_mac_parse_accepts_lower_and_mixed_case(void **state)
{
    (void)state;
    assert_parses("ab:cd:ef:12:34:56", SEED_MAC);
    assert_parses("aB:Cd:eF:12:34:56", SEED_MAC);
}

static void test_mac_parse_accepts_dash_form(void **state)
{
    (void)state;
    assert_parses("ab-cd-ef-12-34-56", SEED_MAC);
    assert_parses("AB-CD-EF-12-34-56", SEED_MAC);
}

static void test_mac_parse_accepts_underscore_file_form(void **state)
{
    (void)state;
    assert_parses("AB_CD_EF_12_34_56", SEED_MAC);
}

static void test_mac_parse_accepts_bare_hex(void **state)
{
    (void)state;
    assert_parses("abcdef123456", SEED_MAC);
    assert_parses("ABCDEF123456", SEED_MAC);
}

static void test_mac_parse_accepts_dotted_cisco_form(void **state)
{
    (void)state;
    assert_parses("ABCD.EF12.3456", SEED_MAC);
    assert_parses("abcd.ef12.3456", SEED_MAC);
}

static void test_mac_parse_puts_first_octet_in_high_bits(void **state)
{
    (void)state;
    assert_parses("12:34:56:78:9A:BC", 0x123456789ABCULL);
    assert_parses("00:00:00:00:00:01", 1);
    assert_parses("01:00:00:00:00:00", 0x010000000000ULL);
}

static void test_mac_parse_accepts_multicast_bit(void **state)
{
    (void)state;
    /* 0xAB has the low bit of the first octet set; the seed's own example carries it. */
    assert_parses("01:00:5E:00:00:FB", 0x01005E0000FBULL);
    assert_parses("AB:CD:EF:12:34:56", SEED_MAC);
}

static void test_mac_parse_accepts_values_next_to_the_refused_ones(void **state)
{
    (void)state;
    assert_parses("FF:FF:FF:FF:FF:FE", 0xFFFFFFFFFFFEULL);
    assert_parses("7F:FF:FF:FF:FF:FF", 0x7FFFFFFFFFFFULL);
    assert_parses("000000000001", 1);
}

static void test_mac_parse_rejects_null_and_empty(void **state)
{
    uint64_t got = 0;

    (void)state;
    assert_refused(NULL, "no MAC address given: expected 6 octets like AB:CD:EF:12:34:56");
    assert_refused("", "no MAC address given");
    /* A caller without a message buffer still gets the refusal. */
    assert_int_equal(mac_parse("", &got, NULL), -1);
    assert_int_equal(mac_parse("AB:CD", &got, NULL), -1);
    assert_int_equal(mac_parse("AB:CD:EF:12:34:56", &got, NULL), 0);
}

static void test_mac_parse_rejects_all_zero_in_every_spelling(void **state)
{
    (void)state;
    assert_refused("00:00:00:00:00:00", "\"00:00:00:00:00:00\" is not a device MAC address: it "
                                        "is all zeros");
    assert_refused("000000000000", "all zeros");
    assert_refused("0000.0000.0000", "all zeros");
    assert_refused("00_00_00_00_00_00", "all zeros");
}

static void test_mac_parse_rejects_broadcast_in_every_spelling(void **state)
{
    (void)state;
    assert_refused("FF:FF:FF:FF:FF:FF", "\"FF:FF:FF:FF:FF:FF\" is not a device MAC address: it "
                                        "is the broadcast address");
    assert_refused("ff-ff-ff-ff-ff-ff", "broadcast");
    assert_refused("ffffffffffff", "broadcast");
    assert_refused("FFFF.FFFF.FFFF", "broadcast");
}

static void test_mac_parse_rejects_too_few_octets(void **state)
{
    struct fw_err err = {{0}};
    uint64_t got = 0;

    (void)state;
    assert_int_equal(mac_parse("AB:CD:EF:12:34", &got, &err), -1);
    assert_string_equal(err.msg, "\"AB:CD:EF:12:34\" is not a MAC address: expected 6 octets "
                                 "like AB:CD:EF:12:34:56");
    assert_refused("AB:CD", "expected 6 octets");
    assert_refused("AB:CD:EF:12:34:5", "expected 6 octets");
}

static void test_mac_parse_rejects_too_many_octets(void **state)
{
    (void)state;
    assert_refused("AB:CD:EF:12:34:56:78", "expected 6 octets like AB:CD:EF:12:34:56");
    assert_refused("AB:CD:EF:12:34:56:", "expected 6 octets");
}

static void test_mac_parse_rejects_wrong_length_bare_hex(void **state)
{
    (void)state;
    assert_refused("abcdef12345", "expected 12 hex digits like ABCDEF123456");
    assert_refused("abcdef1234567", "expected 12 hex digits");
    assert_refused("a", "expected 12 hex digits");
    assert_refused("AB", "expected 12 hex digits");
}

static void test_mac_parse_rejects_wrong_length_dotted(void **state)
{
    (void)state;
    assert_refused("ABCD.EF12", "expected 3 groups of 4 hex digits like ABCD.EF12.3456");
    assert_refused("ABCD.EF12.3456.7890", "expected 3 groups of 4 hex digits");
}

static void test_mac_parse_rejects_mixed_separators(void **state)
{
    (void)state;
    assert_refused("AB:CD-EF:12:34:56", "mixes separators ':' and '-'");
    assert_refused("AB-CD-EF-12-34_56", "mixes separators '-' and '_'");
    assert_refused("ABCD.EF12:3456", "mixes separators '.' and ':'; expected 3 groups");
}

static void test_mac_parse_rejects_stray_characters(void **state)
{
    (void)state;
    assert_refused("AB:CD:EF:12:34:5G", "unexpected character 'G' at position 17");
    assert_refused("AB CD EF 12 34 56", "unexpected character ' ' at position 3");
    assert_refused("AB/CD/EF/12/34/56", "unexpected character '/' at position 3");
    assert_refused("0xABCDEF1234", "unexpected character 'x' at position 2");
}

static void test_mac_parse_names_control_bytes_by_code(void **state)
{
    struct fw_err err = {{0}};
    uint64_t got = 0;

    (void)state;
    assert_int_equal(mac_parse("AB:CD:EF\x01:12:34", &got, &err), -1);
    assert_non_null(strstr(err.msg, "unexpected character 0x01 at position 9"));
    /* The quoted input must not carry the raw byte into a log line. */
    assert_null(strchr(err.msg, '\x01'));
    assert_non_null(strstr(err.msg, "\"AB:CD:EF?:12:34\""));

    assert_int_equal(mac_parse("AB:CD:EF:12:34:5\xc3\xa9", &got, &err), -1);
    assert_non_null(strstr(err.msg, "unexpected character 0xC3 at position 17"));
}

static void test_mac_parse_rejects_separator_in_wrong_place(void **state)
{
    (void)state;
    assert_refused("ABC:DE:F1:23:45:6", "expected ':' at position 3");
    assert_refused("A:BCD:EF:12:34:56", "separator ':' at position 2 is in the wrong place");
    assert_refused("AB::CD:EF:12:34:5", "separator ':' at position 4 is in the wrong place");
    assert_refused("ABCDE.F12.3456", "expected '.' at position 5");
    assert_refused("AB.CDEF.123456", "separator '.' at position 3 is in the wrong place");
    assert_refused(":AB:CD:EF:12:34:56", "separator ':' at position 1 is in the wrong place");
}

static void test_mac_parse_rejects_surrounding_white_space(void **state)
{
    (void)state;
    assert_refused(" AB:CD:EF:12:34:56", "leading or trailing white space");
    assert_refused("AB:CD:EF:12:34:56 ", "leading or trailing white space");
    assert_refused("AB:CD:EF:12:34:56\n", "leading or trailing white space");
    assert_refused("\tabcdef123456", "leading or trailing white space");
}

static void test_mac_parse_bounds_overlong_input(void **state)
{
    char big[4096];
    struct fw_err err = {{0}};
    uint64_t got = 0;

    (void)state;
    memset(big, 'A', sizeof(big) - 1);
    big[sizeof(big) - 1] = '\0';
    assert_int_equal(mac_parse(big, &got, &err), -1);
    assert_non_null(strstr(err.msg, "longer than any MAC address spelling"));
    /* Only the start of the input is repeated, marked as cut. */
    assert_non_null(strstr(err.msg, "AAAA...\""));
    assert_true(strlen(err.msg) < 200);
}

static void test_mac_format_prints_upper_case_colons(void **state)
{
    char buf[MAC_STR_LEN];

    (void)state;
    mac_format(SEED_MAC, buf);
    assert_string_equal(buf, "AB:CD:EF:12:34:56");
    mac_format(1, buf);
    assert_string_equal(buf, "00:00:00:00:00:01");
}

static void test_mac_format_file_prints_underscores(void **state)
{
    char buf[MAC_STR_LEN];

    (void)state;
    mac_format_file(SEED_MAC, buf);
    assert_string_equal(buf, "AB_CD_EF_12_34_56");
    mac_format_file(0x0A0B0C0D0E0FULL, buf);
    assert_string_equal(buf, "0A_0B_0C_0D_0E_0F");
}

static void test_mac_format_ignores_bits_above_48(void **state)
{
    char buf[MAC_STR_LEN];

    (void)state;
    mac_format(0xFFFF000000000001ULL, buf);
    assert_string_equal(buf, "00:00:00:00:00:01");
}

static void test_mac_round_trips_through_both_forms(void **state)
{
    static const char *const inputs[] = {"ab-cd-ef-12-34-56", "0123.4567.89ab", "fedcba987654"};
    char colon[MAC_STR_LEN];
    char file[MAC_STR_LEN];
    uint64_t a = 0;
    uint64_t b = 0;
    uint64_t c = 0;

    (void)state;
    for (size_t i = 0; i < sizeof(inputs) / sizeof(inputs[0]); i++) {
        assert_int_equal(mac_parse(inputs[i], &a, NULL), 0);
        mac_format(a, colon);
        mac_format_file(a, file);
        assert_int_equal(mac_parse(colon, &b, NULL), 0);
        assert_int_equal(mac_parse(file, &c, NULL), 0);
        assert_int_equal(a, b);
        assert_int_equal(a, c);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_mac_parse_accepts_colon_form),
        cmocka_unit_test(test_mac_parse_accepts_lower_and_mixed_case),
        cmocka_unit_test(test_mac_parse_accepts_dash_form),
        cmocka_unit_test(test_mac_parse_accepts_underscore_file_form),
        cmocka_unit_test(test_mac_parse_accepts_bare_hex),
        cmocka_unit_test(test_mac_parse_accepts_dotted_cisco_form),
        cmocka_unit_test(test_mac_parse_puts_first_octet_in_high_bits),
        cmocka_unit_test(test_mac_parse_accepts_multicast_bit),
        cmocka_unit_test(test_mac_parse_accepts_values_next_to_the_refused_ones),
        cmocka_unit_test(test_mac_parse_rejects_null_and_empty),
        cmocka_unit_test(test_mac_parse_rejects_all_zero_in_every_spelling),
        cmocka_unit_test(test_mac_parse_rejects_broadcast_in_every_spelling),
        cmocka_unit_test(test_mac_parse_rejects_too_few_octets),
        cmocka_unit_test(test_mac_parse_rejects_too_many_octets),
        cmocka_unit_test(test_mac_parse_rejects_wrong_length_bare_hex),
        cmocka_unit_test(test_mac_parse_rejects_wrong_length_dotted),
        cmocka_unit_test(test_mac_parse_rejects_mixed_separators),
        cmocka_unit_test(test_mac_parse_rejects_stray_characters),
        cmocka_unit_test(test_mac_parse_names_control_bytes_by_code),
        cmocka_unit_test(test_mac_parse_rejects_separator_in_wrong_place),
        cmocka_unit_test(test_mac_parse_rejects_surrounding_white_space),
        cmocka_unit_test(test_mac_parse_bounds_overlong_input),
        cmocka_unit_test(test_mac_format_prints_upper_case_colons),
        cmocka_unit_test(test_mac_format_file_prints_underscores),
        cmocka_unit_test(test_mac_format_ignores_bits_above_48),
        cmocka_unit_test(test_mac_round_trips_through_both_forms),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
