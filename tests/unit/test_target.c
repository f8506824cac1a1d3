/* test_target.c: reading and validating targeted files in the seed's format. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "core/catalog.h"
#include "core/fsutil.h"
#include "core/isotime.h"
#include "core/target.h"
#include "testrepo.h"

#define NOW    1764000000 /* 2025-11-24 */
#define FILE_A "targeted/AB_CD_EF_12_34_56.json"

static const char GOOD[] =
    "{\n"
    "  \"customer_info\": {\n"
    "    \"mac_address\": \"AB:CD:EF:12:34:56\",\n"
    "    \"device_serial\": \"EVSE-1\",\n"
    "    \"customer_name\": \"Ann\",\n"
    "    \"issue_ticket\": \"T-9\",\n"
    "    \"created_date\": \"2025-11-01T00:00:00Z\"\n"
    "  },\n"
    "  \"devices\": [{\n"
    "    \"model\": \"EV2\", \"latest_version\": \"10.2.1-custom\",\n"
    "    \"url\": \"https://cdn.example/x.bin\",\n"
    "    \"changelog\": \"relay\", \"file_size\": \"1.16 MB\", \"hardware_version\": \"V2\",\n"
    "    \"targeted_fix\": true, \"fix_description\": [\"one\", \"two\"],\n"
    "    \"rollback_info\": {\"stable_version\": \"10.2.0\", \"stable_url\": "
    "\"https://c/y.bin\"},\n"
    "    \"security\": {\"signed\": true, \"checksum\": \"sha256:"
    "ABCDEF0123456789abcdef0123456789abcdef0123456789abcdef0123456789\"}\n"
    "  }],\n"
    "  \"instructions\": {\"installation\": [\"1. a\"], \"verification\": [\"v\"],\n"
    "    \"support_contact\": \"s@example.com\"},\n"
    "  \"expiry_date\": \"2025-12-25T00:00:00Z\",\n"
    "  \"auto_rollback\": true\n"
    "}\n";

struct parsed {
    struct arena arena;
    struct problems pr;
    struct target *t;
    int rc;
};

static void parse_as(struct parsed *p, const char *file, const char *text, int flags)
{
    memset(p, 0, sizeof(*p));
    p->rc =
        target_parse(NULL, file, text, strlen(text), NULL, NOW, flags, &p->arena, &p->t, &p->pr);
}

static void release(struct parsed *p)
{
    problems_free(&p->pr);
    arena_free(&p->arena);
}

/* Replaces the first occurrence of from in GOOD by to. */
static char *variant(const char *from, const char *to)
{
    const char *at = strstr(GOOD, from);
    size_t n = strlen(GOOD) - strlen(from) + strlen(to) + 1;
    char *s = malloc(n);

    assert_non_null(at);
    snprintf(s, n, "%.*s%s%s", (int)(at - GOOD), GOOD, to, at + strlen(from));
    return s;
}

/* Asserts exactly one error, at path and line, whose message contains text. */
static void one_error(struct parsed *p, const char *path, int line, const char *text)
{
    char buf[4096];

    problems_print(&p->pr, stderr);
    assert_int_equal(p->pr.errors, 1);
    for (size_t i = 0; i < p->pr.n; i++) {
        if (p->pr.v[i].sev != SEV_ERROR)
            continue;
        problem_format(&p->pr.v[i], buf, sizeof(buf));
        assert_string_equal(p->pr.v[i].path, path);
        if (line)
            assert_int_equal(p->pr.v[i].line, line);
        assert_non_null(strstr(buf, text));
        assert_non_null(strstr(buf, FILE_A));
    }
}

static void test_good_file_reads_every_field(void **state)
{
    struct parsed p;
    const struct target_device *d;

    (void)state;
    parse_as(&p, FILE_A, GOOD, TARGET_CHECK_EXPIRY);
    problems_print(&p.pr, stderr);
    assert_int_equal(p.rc, 0);
    assert_int_equal(p.pr.n, 0);
    assert_false(p.t->has_errors);
    assert_int_equal(p.t->mac, 0xABCDEF123456ull);
    assert_string_equal(p.t->device_serial, "EVSE-1");
    assert_string_equal(p.t->customer_name, "Ann");
    assert_string_equal(p.t->issue_ticket, "T-9");
    assert_int_equal(p.t->n_devices, 1);
    d = target_device_for(p.t, "EV2");
    assert_non_null(d);
    assert_null(target_device_for(p.t, "EV3"));
    assert_string_equal(d->version, "10.2.1-custom");
    assert_int_equal(d->v.patch, 1);
    assert_string_equal(d->file_size, "1.16 MB");
    assert_string_equal(d->hardware_version, "V2");
    assert_true(d->targeted_fix);
    assert_int_equal(d->n_fixes, 2);
    assert_string_equal(d->fixes[1], "two");
    assert_string_equal(d->rollback_version, "10.2.0");
    assert_string_equal(d->rollback_url, "https://c/y.bin");
    assert_true(d->is_signed);
    assert_string_equal(d->sha256,
                        "abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789");
    assert_null(d->file); /* a CDN URL is passed through */
    assert_int_equal(p.t->n_install, 1);
    assert_int_equal(p.t->n_verify, 1);
    assert_string_equal(p.t->support_contact, "s@example.com");
    assert_true(p.t->auto_rollback);
    assert_int_equal(p.t->expiry, 1766620800);
    release(&p);
}

static void test_placeholder_checksum_is_an_error_at_its_line(void **state)
{
    char *s = variant("sha256:ABCDEF0123456789abcdef0123456789abcdef0123456789abcdef0123456789",
                      "sha256:custom123456...");
    struct parsed p;

    (void)state;
    parse_as(&p, FILE_A, s, 0);
    assert_int_equal(p.rc, 0);
    assert_true(p.t->has_errors);
    one_error(&p, "devices[0].security.checksum", 15, "expected \"sha256:\" and 64 hex digits");
    release(&p);
    free(s);
}

static void test_passed_expiry_is_an_error_only_when_checked(void **state)
{
    char *s = variant("2025-12-25T00:00:00Z", "2024-12-25T00:00:00Z");
    struct parsed p;

    (void)state;
    parse_as(&p, FILE_A, s, 0);
    assert_int_equal(p.pr.n, 0);
    release(&p);
    parse_as(&p, FILE_A, s, TARGET_CHECK_EXPIRY);
    one_error(&p, "expiry_date", 19, "expired on 2024-12-25T00:00:00Z");
    release(&p);
    free(s);
}

static void test_missing_required_field_names_the_path(void **state)
{
    char *s = variant("\"model\": \"EV2\", ", "");
    struct parsed p;

    (void)state;
    parse_as(&p, FILE_A, s, 0);
    one_error(&p, "devices[0].model", 9, "required field is missing");
    release(&p);
    free(s);
}

static void test_wrong_type_names_expected_and_found(void **state)
{
    char *s = variant("\"auto_rollback\": true", "\"auto_rollback\": \"yes\"");
    struct parsed p;

    (void)state;
    parse_as(&p, FILE_A, s, 0);
    one_error(&p, "auto_rollback", 20, "expected true or false, found a string");
    release(&p);
    free(s);
}

static void test_duplicate_key_is_refused(void **state)
{
    char *s = variant("\"customer_name\": \"Ann\",",
                      "\"customer_name\": \"Ann\", \"customer_name\": \"B\",");
    struct parsed p;

    (void)state;
    parse_as(&p, FILE_A, s, 0);
    assert_int_equal(p.rc, -1);
    assert_null(p.t);
    one_error(&p, "", 5, "duplicate");
    release(&p);
    free(s);
}

static void test_truncated_file_is_invalid_json(void **state)
{
    char half[200];
    struct parsed p;

    (void)state;
    snprintf(half, sizeof(half), "%.150s", GOOD);
    parse_as(&p, FILE_A, half, 0);
    assert_int_equal(p.rc, -1);
    one_error(&p, "", 0, "invalid JSON");
    release(&p);
    parse_as(&p, FILE_A, "[1, 2]", 0);
    assert_int_equal(p.rc, -1);
    one_error(&p, "", 1, "expected a JSON object, found an array");
    release(&p);
}

static void test_unknown_key_is_a_warning(void **state)
{
    char *s = variant("\"auto_rollback\": true", "\"auto_rollback\": true, \"auto_rollbak\": 1");
    struct parsed p;

    (void)state;
    parse_as(&p, FILE_A, s, 0);
    assert_int_equal(p.rc, 0);
    assert_int_equal(p.pr.errors, 0);
    assert_int_equal(p.pr.warnings, 1);
    assert_string_equal(p.pr.v[0].path, "auto_rollbak");
    assert_non_null(strstr(p.pr.v[0].msg, "unknown key; expected one of: customer_info"));
    release(&p);
    free(s);
}

static void test_mac_inside_must_match_file_name(void **state)
{
    struct parsed p;

    (void)state;
    parse_as(&p, "targeted/AB_CD_EF_12_34_57.json", GOOD, 0);
    problems_print(&p.pr, stderr);
    assert_int_equal(p.pr.errors, 1);
    assert_string_equal(p.pr.v[0].path, "customer_info.mac_address");
    assert_non_null(strstr(p.pr.v[0].msg, "file name says AB:CD:EF:12:34:57"));
    release(&p);
}

static void test_file_name_must_be_a_mac(void **state)
{
    struct parsed p;

    (void)state;
    parse_as(&p, "targeted/customer.json", GOOD, 0);
    assert_int_equal(p.pr.errors, 1);
    assert_non_null(strstr(p.pr.v[0].msg, "file name is not a MAC address"));
    release(&p);
}

static void test_bad_version_and_mac_are_reported(void **state)
{
    char *s = variant("10.2.1-custom", "ten");
    struct parsed p;

    (void)state;
    parse_as(&p, FILE_A, s, 0);
    one_error(&p, "devices[0].latest_version", 10, "ten");
    release(&p);
    free(s);
    s = variant("\"AB:CD:EF:12:34:56\"", "\"AB:CD:EF:12:34\"");
    parse_as(&p, FILE_A, s, 0);
    one_error(&p, "customer_info.mac_address", 3, "AB:CD:EF:12:34");
    release(&p);
    free(s);
}

static void test_empty_devices_cannot_be_used(void **state)
{
    const char *text = "{\"customer_info\": {\"mac_address\": \"AB:CD:EF:12:34:56\","
                       " \"device_serial\": \"S\", \"issue_ticket\": \"T\"},"
                       " \"devices\": [], \"expiry_date\": \"2030-01-01\"}";
    struct parsed p;

    (void)state;
    parse_as(&p, FILE_A, text, 0);
    assert_int_equal(p.rc, -1);
    one_error(&p, "devices", 1, "at least one device");
    release(&p);
}

/* The seed's own file in a repository that has its model, stable release and device:
 * exactly the three real problems are found. */
static void test_seed_example_has_exactly_three_problems(void **state)
{
    char *dir = repo_new(), hex[SHA256_HEX_LEN], manifest[1024], *text = NULL;
    struct catalog *cat = NULL;
    struct problems pr = {0};
    struct fw_err err;
    size_t len;

    (void)state;
    assert_int_equal(
        fs_read_file("tests/fixtures/AB_CD_EF_12_34_56.json", 1 << 20, &text, &len, &err), 0);
    repo_put(dir, FILE_A, text);
    repo_image(dir, "firmware/EVSEPARKER_V2_GEN2/EVSE_10_2_0.bin", hex);
    snprintf(manifest, sizeof(manifest),
             "{\"hardware_models\": {\"EVSEPARKER_V2_GEN2\": {\"firmware_versions\": [{"
             "\"version\": \"10.2.0\", \"url\": \"https://demirciberkan.github.io/firmware/"
             "EVSEPARKER_V2_GEN2/EVSE_10_2_0.bin\", \"sha256\": \"%s\"}]}}}",
             hex);
    repo_put(dir, "manifest.json", manifest);
    repo_put(dir, "devices.csv",
             "mac,serial,model,customer\n"
             "AB:CD:EF:12:34:56,EVSE-2024-001234,EVSEPARKER_V2_GEN2,John Doe\n");
    assert_int_equal(
        catalog_load(dir, CATALOG_CHECK_EXPIRY | CATALOG_CHECK_IMAGES, NOW, &cat, &pr, &err), 0);
    problems_print(&pr, stderr);
    assert_int_equal(pr.n, 3);
    assert_int_equal(pr.errors, 3);
    assert_string_equal(pr.v[0].path, "devices[0].url");
    assert_int_equal(pr.v[0].line, 13);
    assert_string_equal(pr.v[1].path, "devices[0].security.checksum");
    assert_int_equal(pr.v[1].line, 30);
    assert_string_equal(pr.v[2].path, "expiry_date");
    assert_int_equal(pr.v[2].line, 49);
    problems_free(&pr);
    catalog_free(cat);
    free(text);
    repo_remove(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_good_file_reads_every_field),
        cmocka_unit_test(test_placeholder_checksum_is_an_error_at_its_line),
        cmocka_unit_test(test_passed_expiry_is_an_error_only_when_checked),
        cmocka_unit_test(test_missing_required_field_names_the_path),
        cmocka_unit_test(test_wrong_type_names_expected_and_found),
        cmocka_unit_test(test_duplicate_key_is_refused),
        cmocka_unit_test(test_truncated_file_is_invalid_json),
        cmocka_unit_test(test_unknown_key_is_a_warning),
        cmocka_unit_test(test_mac_inside_must_match_file_name),
        cmocka_unit_test(test_file_name_must_be_a_mac),
        cmocka_unit_test(test_bad_version_and_mac_are_reported),
        cmocka_unit_test(test_empty_devices_cannot_be_used),
        cmocka_unit_test(test_seed_example_has_exactly_three_problems),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
