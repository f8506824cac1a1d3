/* test_version.c: unit tests of src/core/version.c: parsing, SemVer order, file names. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "core/version.h"

static struct version parsed(const char *s)
{
    struct fw_err err = {{0}};
    struct version v;

    if (version_parse(s, &v, &err) != 0)
        fail_msg("\"%s\" was refused: %s", s, err.msg);
    return v;
}

static void assert_numbers(const char *s, uint64_t major, uint64_t minor, uint64_t patch)
{
    struct version v = parsed(s);

    assert_int_equal(v.major, major);
    assert_int_equal(v.minor, minor);
    assert_int_equal(v.patch, patch);
}

static void assert_refused(const char *s, const char *fragment)
{
    struct fw_err err = {{0}};
    struct version v = {.major = 42};

    assert_int_equal(version_parse(s, &v, &err), -1);
    assert_int_equal(v.major, 42);
    if (!strstr(err.msg, fragment))
        fail_msg("message \"%s\" lacks \"%s\"", err.msg, fragment);
}

/* a < b, checked both ways round, through the struct and the string comparison. */
static void assert_below(const char *a, const char *b)
{
    struct version va = parsed(a);
    struct version vb = parsed(b);

    if (version_compare(&va, &vb) >= 0 || version_compare(&vb, &va) <= 0)
        fail_msg("expected %s < %s", a, b);
    assert_true(version_cmp_str(a, b) < 0);
    assert_true(version_cmp_str(b, a) > 0);
}

static void assert_same_rank(const char *a, const char *b)
{
    struct version va = parsed(a);
    struct version vb = parsed(b);

    if (version_compare(&va, &vb) != 0 || version_compare(&vb, &va) != 0)
        fail_msg("expected %s and %s to rank equal", a, b);
    assert_int_equal(version_cmp_str(a, b), 0);
}

static void assert_from_name(const char *name, const char *want)
{
    struct fw_err err = {{0}};
    char out[VERSION_MAX_LEN + 1];

    if (version_from_filename(name, out, sizeof(out), &err) != 0)
        fail_msg("\"%s\" was refused: %s", name, err.msg);
    assert_string_equal(out, want);
}

static void assert_name_refused(const char *name, const char *fragment)
{
    struct fw_err err = {{0}};
    char out[VERSION_MAX_LEN + 1];

    assert_int_equal(version_from_filename(name, out, sizeof(out), &err), -1);
    if (!strstr(err.msg, fragment))
        fail_msg("message \"%s\" lacks \"%s\"", err.msg, fragment);
}

static void test_version_parse_reads_three_numbers(void **state)
{
    struct version v = parsed("10.2.1");

    (void)state;
    assert_int_equal(v.major, 10);
    assert_int_equal(v.minor, 2);
    assert_int_equal(v.patch, 1);
    assert_null(v.pre);
    assert_int_equal(v.pre_len, 0);
    assert_null(v.build);
    assert_int_equal(v.build_len, 0);
}

static void test_version_parse_accepts_leading_v(void **state)
{
    (void)state;
    assert_numbers("v3.1.4", 3, 1, 4);
    assert_numbers("V3.1.4", 3, 1, 4);
    assert_refused("vv3.1.4", "MAJOR at position 2 must be digits");
}

static void test_version_parse_fills_missing_minor_and_patch(void **state)
{
    (void)state;
    assert_numbers("10.2", 10, 2, 0);
    assert_numbers("10", 10, 0, 0);
    assert_numbers("v7", 7, 0, 0);
    assert_same_rank("10.2", "10.2.0");
}

static void test_version_parse_points_into_the_string_for_pre_and_build(void **state)
{
    const char *s = "1.0.0-alpha.1+build.5";
    struct version v = parsed(s);

    (void)state;
    assert_ptr_equal(v.pre, s + 6);
    assert_int_equal(v.pre_len, 7);
    assert_ptr_equal(v.build, s + 14);
    assert_int_equal(v.build_len, 7);
}

static void test_version_parse_accepts_build_without_pre(void **state)
{
    const char *s = "1.2.3+exp.sha.5114f85";
    struct version v = parsed(s);

    (void)state;
    assert_null(v.pre);
    assert_ptr_equal(v.build, s + 6);
    assert_int_equal(v.build_len, strlen("exp.sha.5114f85"));
}

static void test_version_parse_accepts_pre_after_short_core(void **state)
{
    struct version v = parsed("10.2-rc1");

    (void)state;
    assert_int_equal(v.patch, 0);
    assert_int_equal(v.pre_len, 3);
    assert_memory_equal(v.pre, "rc1", 3);
}

static void test_version_parse_accepts_hyphens_inside_identifiers(void **state)
{
    struct version v = parsed("1.0.0-x-y-z.--");

    (void)state;
    assert_int_equal(v.pre_len, strlen("x-y-z.--"));
}

static void test_version_parse_accepts_the_largest_64_bit_numbers(void **state)
{
    (void)state;
    assert_numbers("18446744073709551615.0.18446744073709551615", UINT64_MAX, 0, UINT64_MAX);
}

static void test_version_parse_rejects_numbers_beyond_64_bits(void **state)
{
    (void)state;
    assert_refused("18446744073709551616.0.0", "MAJOR does not fit in 64 bits");
    assert_refused("1.99999999999999999999.0", "MINOR does not fit in 64 bits");
    assert_refused("1.0.18446744073709551620", "PATCH does not fit in 64 bits");
}

static void test_version_parse_rejects_null_and_empty(void **state)
{
    struct version v;

    (void)state;
    assert_refused(NULL, "empty version: expected MAJOR.MINOR.PATCH");
    assert_refused("", "empty version");
    assert_int_equal(version_parse("", &v, NULL), -1);
}

static void test_version_parse_rejects_longer_than_max(void **state)
{
    char s[VERSION_MAX_LEN + 2];

    (void)state;
    memcpy(s, "1.0.0-", 6);
    memset(s + 6, 'a', sizeof(s) - 7);
    s[VERSION_MAX_LEN + 1] = '\0';
    assert_refused(s, "longer than 128 characters");
    s[VERSION_MAX_LEN] = '\0'; /* exactly the maximum is fine */
    assert_int_equal(parsed(s).pre_len, VERSION_MAX_LEN - 6);
}

static void test_version_parse_rejects_non_digits_in_numbers(void **state)
{
    (void)state;
    assert_refused("1.x.3", "MINOR at position 3 must be digits");
    assert_refused("a.b.c", "MAJOR at position 1 must be digits");
    assert_refused("1.2.", "PATCH at position 5 must be digits");
    assert_refused("1..3", "MINOR at position 3 must be digits");
    assert_refused("-1.0.0", "MAJOR at position 1 must be digits");
    assert_refused("v", "MAJOR at position 2 must be digits");
    assert_refused(" 1.0.0", "MAJOR at position 1 must be digits");
}

static void test_version_parse_rejects_trailing_characters(void **state)
{
    (void)state;
    assert_refused("10.2.1.5", "unexpected '.' at position 7");
    assert_refused("1.0.0 ", "unexpected ' ' at position 6");
    assert_refused("1.0.0\n", "unexpected '?' at position 6");
    assert_refused("1.0.0x", "unexpected 'x' at position 6");
}

static void test_version_parse_rejects_empty_identifiers(void **state)
{
    (void)state;
    assert_refused("1.0.0-", "empty pre-release identifier at position 7");
    assert_refused("1.0.0-a..b", "empty pre-release identifier at position 9");
    assert_refused("1.0.0-a.", "empty pre-release identifier at position 9");
    assert_refused("1.0.0-.a", "empty pre-release identifier at position 7");
    assert_refused("1.0.0-+b", "empty pre-release identifier at position 7");
    assert_refused("1.0.0+", "empty build metadata identifier at position 7");
    assert_refused("1.0.0+b..c", "empty build metadata identifier at position 9");
}

static void test_version_parse_rejects_characters_outside_identifiers(void **state)
{
    (void)state;
    assert_refused("1.0.0-al_pha", "character '_' at position 9 is not allowed in pre-release");
    assert_refused("1.0.0-beta!", "character '!' at position 11 is not allowed in pre-release");
    assert_refused("1.0.0+b+c", "character '+' at position 8 is not allowed in build metadata");
    assert_refused("1.0.0-\xc3\xa9", "character '?' at position 7 is not allowed");
}

static void test_version_compare_orders_numbers_numerically(void **state)
{
    (void)state;
    assert_below("10.2.9", "10.2.10");
    assert_below("9.99.99", "10.0.0");
    assert_below("10.2.99", "10.3.0");
    assert_below("1.0.0", "2.0.0");
    assert_below("0.0.0", "0.0.1");
    assert_below("18446744073709551614.0.0", "18446744073709551615.0.0");
}

static void test_version_prerelease_orders_below_release(void **state)
{
    (void)state;
    assert_below("10.2.1-custom", "10.2.1");
    assert_below("1.0.0-rc.1", "1.0.0");
    assert_below("10.2.0", "10.2.1-custom");
}

static void test_version_compare_follows_the_semver_example_chain(void **state)
{
    static const char *const chain[] = {
        "1.0.0-alpha",  "1.0.0-alpha.1", "1.0.0-alpha.beta", "1.0.0-beta",
        "1.0.0-beta.2", "1.0.0-beta.11", "1.0.0-rc.1",       "1.0.0",
    };
    const size_t n = sizeof(chain) / sizeof(chain[0]);

    (void)state;
    for (size_t i = 0; i < n; i++)
        for (size_t j = i + 1; j < n; j++)
            assert_below(chain[i], chain[j]);
}

static void test_version_compare_ignores_build_metadata(void **state)
{
    (void)state;
    assert_same_rank("1.0.0+build.1", "1.0.0+build.2");
    assert_same_rank("1.0.0", "1.0.0+anything");
    assert_same_rank("1.0.0-rc.1+a", "1.0.0-rc.1+b");
    assert_below("1.0.0-rc.1+zzz", "1.0.0+aaa");
}

static void test_version_compare_ranks_numeric_identifiers_below_words(void **state)
{
    (void)state;
    assert_below("1.0.0-999", "1.0.0-a");
    assert_below("1.0.0-alpha.99", "1.0.0-alpha.a");
    assert_below("1.0.0-1a", "1.0.0-a");
}

static void test_version_compare_orders_words_in_ascii(void **state)
{
    (void)state;
    assert_below("1.0.0-Beta", "1.0.0-alpha"); /* 'B' < 'a' in ASCII */
    assert_below("1.0.0-alpha", "1.0.0-alphab");
    /* "a-b" is one word, which outranks the shorter word "a" that starts "a.b". */
    assert_below("1.0.0-a.b", "1.0.0-a-b");
    assert_below("1.0.0-rc", "1.0.0-rc-1");
}

static void test_version_compare_handles_numeric_identifiers_beyond_64_bits(void **state)
{
    (void)state;
    assert_below("1.0.0-alpha.99999999999999999999", "1.0.0-alpha.100000000000000000000");
    assert_below("1.0.0-9", "1.0.0-18446744073709551616");
    assert_below("1.0.0-18446744073709551616", "1.0.0-18446744073709551617");
}

static void test_version_compare_reads_leading_zeros_as_the_same_number(void **state)
{
    (void)state;
    assert_same_rank("1.0.0-01", "1.0.0-1");
    assert_same_rank("01.02.03", "1.2.3");
    assert_same_rank("1.0.0-0", "1.0.0-000");
    assert_below("1.0.0-002", "1.0.0-10");
}

static void test_version_compare_is_zero_for_equal_versions(void **state)
{
    (void)state;
    assert_same_rank("10.2.1", "10.2.1");
    assert_same_rank("v10.2.1-custom", "10.2.1-custom");
}

static void test_version_cmp_str_puts_unparseable_below_valid(void **state)
{
    (void)state;
    assert_true(version_cmp_str("garbage", "0.0.0") < 0);
    assert_true(version_cmp_str("0.0.0", "garbage") > 0);
    assert_true(version_cmp_str(NULL, "1.0.0") < 0);
    assert_true(version_cmp_str("1.0.0", "") > 0);
}

static void test_version_cmp_str_orders_two_unparseable_by_strcmp(void **state)
{
    (void)state;
    assert_true(version_cmp_str("abc", "abd") < 0);
    assert_true(version_cmp_str("abd", "abc") > 0);
    assert_int_equal(version_cmp_str("abc", "abc"), 0);
    assert_int_equal(version_cmp_str(NULL, NULL), 0);
    assert_true(version_cmp_str(NULL, "x") < 0);
}

static void test_version_from_filename_reads_underscored_numbers(void **state)
{
    (void)state;
    assert_from_name("EVSE_10_2_0.bin", "10.2.0");
}

static void test_version_from_filename_reads_dotted_numbers_and_suffix(void **state)
{
    (void)state;
    assert_from_name("EVSE_10.2.7_fancy.bin", "10.2.7-fancy");
}

static void test_version_from_filename_turns_suffix_into_prerelease(void **state)
{
    (void)state;
    assert_from_name("EVSE_10_2_1_custom.bin", "10.2.1-custom");
    assert_from_name("EVSE_10_2_1_rc_2.bin", "10.2.1-rc.2");
    assert_from_name("fw-1.0.0-rc.1.bin", "1.0.0-rc.1");
    assert_from_name("EVSE_10_2_0_1.bin", "10.2.0-1");
}

static void test_version_from_filename_reads_names_without_prefix(void **state)
{
    (void)state;
    assert_from_name("10.2.0.bin", "10.2.0");
    assert_from_name("fw-v3.1.4.bin", "3.1.4");
    assert_from_name("v2.0.1", "2.0.1");
}

static void test_version_from_filename_drops_any_last_extension(void **state)
{
    (void)state;
    assert_from_name("EVSE_10_2_0.img", "10.2.0");
    assert_from_name("EVSE_10_2_1_custom.fw2", "10.2.1-custom");
    assert_from_name("EVSE_10_2_1_custom", "10.2.1-custom");
    /* Only the last one: ".gz" goes, ".bin" then reads as part of the suffix. */
    assert_from_name("EVSE_10_2_0.bin.gz", "10.2.0-bin");
}

static void test_version_from_filename_keeps_numeric_last_part(void **state)
{
    (void)state;
    assert_from_name("10.2.0", "10.2.0");
    assert_from_name("EVSE_10.2.7_fancy", "10.2.7-fancy");
}

static void test_version_from_filename_keeps_build_metadata(void **state)
{
    (void)state;
    assert_from_name("fw_1.0.0+build.5.bin", "1.0.0+build.5");
    assert_from_name("fw_1_0_0_rc1+b7.bin", "1.0.0-rc1+b7");
}

static void test_version_from_filename_fills_missing_numbers(void **state)
{
    (void)state;
    assert_from_name("fw-3.1.bin", "3.1.0");
    assert_from_name("fw_3_beta.bin", "3.0.0-beta");
}

static void test_version_from_filename_normalizes_leading_zeros(void **state)
{
    (void)state;
    assert_from_name("EVSE_010_02_00.bin", "10.2.0");
}

static void test_version_from_filename_ignores_directories(void **state)
{
    (void)state;
    assert_from_name("firmware/EVSEPARKER_V2_GEN2/EVSE_10_2_0.bin", "10.2.0");
    assert_from_name("/srv/10.9.9/EVSE_10_2_1_custom.bin", "10.2.1-custom");
}

static void test_version_from_filename_prefers_the_longest_number_run(void **state)
{
    (void)state;
    assert_from_name("EVSEPARKER_V2_GEN2_10_2_0.bin", "10.2.0");
    assert_from_name("EVSE_V2_10_2_1_custom.bin", "10.2.1-custom");
    assert_from_name("EVSE10_2_0.bin", "10.2.0");
    /* Between equal runs the first one wins. */
    assert_from_name("fw_1_2_3_and_4_5_6.bin", "1.2.3-and.4.5.6");
}

static void test_version_from_filename_stops_suffix_at_foreign_characters(void **state)
{
    (void)state;
    assert_from_name("EVSE_10_2_0 (copy).bin", "10.2.0");
    assert_from_name("EVSE_10_2_1_custom (1).bin", "10.2.1-custom");
    assert_from_name("EVSE_10_2_1_custom_.bin", "10.2.1-custom");
    assert_from_name("EVSE_10_2_0_-x.bin", "10.2.0");
}

static void test_version_from_filename_rejects_names_without_digits(void **state)
{
    (void)state;
    assert_name_refused("EVSE.bin", "\"EVSE.bin\" holds no version: expected a name like "
                                    "EVSE_10_2_0.bin");
    assert_name_refused("firmware/10_2_0/EVSE.bin", "\"EVSE.bin\" holds no version");
    assert_name_refused(".bin", "holds no version");
    assert_name_refused("dir/", "holds no version");
}

static void test_version_from_filename_rejects_null_and_empty(void **state)
{
    (void)state;
    assert_name_refused(NULL, "empty file name");
    assert_name_refused("", "empty file name");
}

static void test_version_from_filename_rejects_what_version_parse_refuses(void **state)
{
    (void)state;
    assert_name_refused("EVSE_99999999999999999999_0_0.bin",
                        "cannot read a version from file name \"EVSE_99999999999999999999_0_0.bin\""
                        ": \"99999999999999999999.0.0\" is not a version: MAJOR does not fit");
    assert_name_refused("EVSE_1_0_0_a__b.bin", "empty pre-release identifier");
}

static void test_version_from_filename_rejects_overlong_names(void **state)
{
    char name[5000];

    (void)state;
    memset(name, 'a', sizeof(name) - 1);
    name[sizeof(name) - 1] = '\0';
    assert_name_refused(name, "longer than 4096 characters");

    /* A version too long for VERSION_MAX_LEN inside an acceptable name. */
    memcpy(name, "fw_1_0_0_", 9);
    memset(name + 9, 'a', 300);
    memcpy(name + 309, ".bin", 5);
    assert_name_refused(name, "is longer than 128 characters");
}

static void test_version_from_filename_reports_a_small_buffer(void **state)
{
    struct fw_err err = {{0}};
    char out[8] = "xxxxxxx";

    (void)state;
    /* "10.2.0" needs 7 bytes with its NUL; a refusal leaves no half-written version. */
    assert_int_equal(version_from_filename("EVSE_10_2_0.bin", out, 6, &err), -1);
    assert_non_null(strstr(err.msg, "does not fit in 6 bytes"));
    assert_string_equal(out, "");

    assert_int_equal(version_from_filename("EVSE_10_2_0.bin", out, 0, &err), -1);
    assert_int_equal(version_from_filename("EVSE_10_2_0.bin", NULL, 16, &err), -1);
    assert_non_null(strstr(err.msg, "no room for the version"));

    /* Exactly enough room is enough. */
    assert_int_equal(version_from_filename("EVSE_1_2_3.bin", out, 6, &err), 0);
    assert_string_equal(out, "1.2.3");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_version_parse_reads_three_numbers),
        cmocka_unit_test(test_version_parse_accepts_leading_v),
        cmocka_unit_test(test_version_parse_fills_missing_minor_and_patch),
        cmocka_unit_test(test_version_parse_points_into_the_string_for_pre_and_build),
        cmocka_unit_test(test_version_parse_accepts_build_without_pre),
        cmocka_unit_test(test_version_parse_accepts_pre_after_short_core),
        cmocka_unit_test(test_version_parse_accepts_hyphens_inside_identifiers),
        cmocka_unit_test(test_version_parse_accepts_the_largest_64_bit_numbers),
        cmocka_unit_test(test_version_parse_rejects_numbers_beyond_64_bits),
        cmocka_unit_test(test_version_parse_rejects_null_and_empty),
        cmocka_unit_test(test_version_parse_rejects_longer_than_max),
        cmocka_unit_test(test_version_parse_rejects_non_digits_in_numbers),
        cmocka_unit_test(test_version_parse_rejects_trailing_characters),
        cmocka_unit_test(test_version_parse_rejects_empty_identifiers),
        cmocka_unit_test(test_version_parse_rejects_characters_outside_identifiers),
        cmocka_unit_test(test_version_compare_orders_numbers_numerically),
        cmocka_unit_test(test_version_prerelease_orders_below_release),
        cmocka_unit_test(test_version_compare_follows_the_semver_example_chain),
        cmocka_unit_test(test_version_compare_ignores_build_metadata),
        cmocka_unit_test(test_version_compare_ranks_numeric_identifiers_below_words),
        cmocka_unit_test(test_version_compare_orders_words_in_ascii),
        cmocka_unit_test(test_version_compare_handles_numeric_identifiers_beyond_64_bits),
        cmocka_unit_test(test_version_compare_reads_leading_zeros_as_the_same_number),
        cmocka_unit_test(test_version_compare_is_zero_for_equal_versions),
        cmocka_unit_test(test_version_cmp_str_puts_unparseable_below_valid),
        cmocka_unit_test(test_version_cmp_str_orders_two_unparseable_by_strcmp),
        cmocka_unit_test(test_version_from_filename_reads_underscored_numbers),
        cmocka_unit_test(test_version_from_filename_reads_dotted_numbers_and_suffix),
        cmocka_unit_test(test_version_from_filename_turns_suffix_into_prerelease),
        cmocka_unit_test(test_version_from_filename_reads_names_without_prefix),
        cmocka_unit_test(test_version_from_filename_drops_any_last_extension),
        cmocka_unit_test(test_version_from_filename_keeps_numeric_last_part),
        cmocka_unit_test(test_version_from_filename_keeps_build_metadata),
        cmocka_unit_test(test_version_from_filename_fills_missing_numbers),
        cmocka_unit_test(test_version_from_filename_normalizes_leading_zeros),
        cmocka_unit_test(test_version_from_filename_ignores_directories),
        cmocka_unit_test(test_version_from_filename_prefers_the_longest_number_run),
        cmocka_unit_test(test_version_from_filename_stops_suffix_at_foreign_characters),
        cmocka_unit_test(test_version_from_filename_rejects_names_without_digits),
        cmocka_unit_test(test_version_from_filename_rejects_null_and_empty),
        cmocka_unit_test(test_version_from_filename_rejects_what_version_parse_refuses),
        cmocka_unit_test(test_version_from_filename_rejects_overlong_names),
        cmocka_unit_test(test_version_from_filename_reports_a_small_buffer),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
