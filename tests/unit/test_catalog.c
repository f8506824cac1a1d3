/* test_catalog.c: loading whole repositories into a snapshot. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "core/catalog.h"
#include "core/isotime.h"
#include "testrepo.h"

#define NOW 1764000000 /* 2025-11-24 */

struct fx {
    char *dir;
    struct catalog *cat;
    struct problems pr;
};

static int setup(void **state)
{
    struct fx *f = calloc(1, sizeof(*f));

    f->dir = repo_new();
    repo_standard(f->dir);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fx *f = *state;

    catalog_free(f->cat);
    problems_free(&f->pr);
    repo_remove(f->dir);
    free(f);
    return 0;
}

static int load(struct fx *f, int flags)
{
    struct fw_err err;
    int rc;

    catalog_free(f->cat);
    f->cat = NULL;
    problems_free(&f->pr);
    rc = catalog_load(f->dir, flags, NOW, &f->cat, &f->pr, &err);
    problems_print(&f->pr, stderr);
    return rc;
}

/* True when some finding about file contains text. */
static bool found(const struct fx *f, const char *file, const char *text)
{
    for (size_t i = 0; i < f->pr.n; i++)
        if (strcmp(f->pr.v[i].file, file) == 0 && strstr(f->pr.v[i].msg, text))
            return true;
    return false;
}

static void test_releases_are_sorted_by_version(void **state)
{
    struct fx *f = *state;
    const struct model *m;

    assert_int_equal(load(f, CATALOG_CHECK_IMAGES | CATALOG_STRICT), 0);
    assert_int_equal(f->pr.errors, 0);
    assert_int_equal(f->cat->n_models, 2);
    m = catalog_model(f->cat, "EV2");
    assert_non_null(m);
    assert_int_equal(m->n_releases, 3);
    assert_string_equal(m->releases[0].version, "10.1.0");
    assert_string_equal(m->releases[2].version, "10.2.5");
    assert_string_equal(catalog_latest(f->cat, "EV2")->version, "10.2.5");
    assert_string_equal(catalog_release(f->cat, "EV2", "10.2.0")->file,
                        "firmware/EV2/EVSE_10_2_0.bin");
    assert_null(catalog_release(f->cat, "EV2", "9.0.0"));
    assert_null(catalog_model(f->cat, "EV9"));
    assert_true(m->releases[0].size > 0);
}

static void test_targets_are_found_by_mac(void **state)
{
    struct fx *f = *state;

    repo_target(f->dir, "AB_CD_EF_12_34_56", "AB:CD:EF:12:34:56", "EV2", "10.3.0-fix", "10.2.0",
                "2026-01-01", 0);
    repo_target(f->dir, "02_00_00_00_00_01", "02:00:00:00:00:01", "EV2", "10.3.0-fix", "10.2.0",
                "2026-01-01", 0);
    assert_int_equal(load(f, CATALOG_CHECK_IMAGES | CATALOG_STRICT), 0);
    assert_int_equal(f->cat->n_targets, 2);
    assert_non_null(catalog_target(f->cat, 0xABCDEF123456ull));
    assert_non_null(catalog_target(f->cat, 0x020000000001ull));
    assert_null(catalog_target(f->cat, 0x020000000002ull));
    assert_true(f->cat->targets[0]->mac < f->cat->targets[1]->mac);
    assert_string_equal(catalog_device(f->cat, 0x020000000002ull)->model, "EV3");
}

static void test_target_states(void **state)
{
    struct fx *f = *state;
    const struct target *t;

    repo_target(f->dir, "AB_CD_EF_12_34_56", "AB:CD:EF:12:34:56", "EV2", "10.3.0-fix", "10.2.0",
                "2025-11-28", 0);
    assert_int_equal(load(f, 0), 0);
    t = catalog_target(f->cat, 0xABCDEF123456ull);
    assert_int_equal(catalog_target_state(f->cat, t, NOW), TARGET_EXPIRING);
    assert_int_equal(catalog_target_state(f->cat, t, NOW - 30 * 86400), TARGET_ACTIVE);
    assert_int_equal(catalog_target_state(f->cat, t, NOW + 30 * 86400), TARGET_EXPIRED);
    assert_string_equal(target_state_name(TARGET_EXPIRING), "expiring");

    /* 10.2.5 is at or above 10.2.1, the base of 10.2.1-custom: the fix is superseded */
    repo_target(f->dir, "AB_CD_EF_12_34_56", "AB:CD:EF:12:34:56", "EV2", "10.2.1-custom", "10.2.0",
                "2026-06-01", 0);
    assert_int_equal(load(f, 0), 0);
    t = catalog_target(f->cat, 0xABCDEF123456ull);
    assert_int_equal(catalog_target_state(f->cat, t, NOW), TARGET_SUPERSEDED);
}

static void test_strict_load_fails_on_any_error(void **state)
{
    struct fx *f = *state;

    repo_put(f->dir, "targeted/02_00_00_00_00_01.json", "{\"customer_info\": ");
    assert_int_equal(load(f, 0), 0);
    assert_true(found(f, "targeted/02_00_00_00_00_01.json", "invalid JSON"));
    assert_int_equal(f->cat->n_targets, 0);
    assert_int_equal(load(f, CATALOG_STRICT), -1);
    assert_null(f->cat);
}

static void test_unknown_model_and_rollback_are_errors(void **state)
{
    struct fx *f = *state;

    repo_target(f->dir, "AB_CD_EF_12_34_56", "AB:CD:EF:12:34:56", "EV9", "1.0.0", "0.9.0",
                "2026-01-01", 0);
    repo_target(f->dir, "02_00_00_00_00_01", "02:00:00:00:00:01", "EV2", "10.3.0", "10.0.0",
                "2026-01-01", 0);
    assert_int_equal(load(f, 0), 0);
    assert_true(found(f, "targeted/AB_CD_EF_12_34_56.json", "unknown model EV9"));
    assert_true(
        found(f, "targeted/02_00_00_00_00_01.json", "10.0.0 is not a general release of EV2"));
}

static void test_unknown_device_and_wrong_serial_are_errors(void **state)
{
    struct fx *f = *state;

    repo_target(f->dir, "02_00_00_00_00_09", "02:00:00:00:00:09", "EV2", "10.3.0", "10.2.0",
                "2026-01-01", 0);
    repo_put(f->dir, "devices.csv",
             "mac,serial,model\nAB:CD:EF:12:34:56,OTHER,EV2\n02:00:00:00:00:02,S,EV3\n");
    repo_target(f->dir, "AB_CD_EF_12_34_56", "AB:CD:EF:12:34:56", "EV2", "10.3.0", "10.2.0",
                "2026-01-01", 0);
    assert_int_equal(load(f, 0), 0);
    assert_true(found(f, "targeted/02_00_00_00_00_09.json", "is not a known device"));
    assert_true(found(f, "targeted/AB_CD_EF_12_34_56.json", "does not match the serial"));
}

static void test_checksum_mismatch_is_found_when_hashing(void **state)
{
    struct fx *f = *state;

    repo_target(f->dir, "AB_CD_EF_12_34_56", "AB:CD:EF:12:34:56", "EV2", "10.3.0", "10.2.0",
                "2026-01-01", 0);
    repo_put(f->dir, "targeted/firmware/AB_CD_EF_12_34_56/fix_10.3.0.bin", "tampered");
    assert_int_equal(load(f, 0), 0);
    assert_int_equal(f->pr.errors, 0);
    assert_int_equal(load(f, CATALOG_CHECK_IMAGES), 0);
    assert_true(found(f, "targeted/AB_CD_EF_12_34_56.json", "does not match the image"));
}

static void test_symlink_out_of_repository_is_refused(void **state)
{
    struct fx *f = *state;
    char link[4096];

    repo_put(f->dir, "targeted/.keep", "");
    snprintf(link, sizeof(link), "%s/targeted/02_00_00_00_00_01.json", f->dir);
    assert_int_equal(symlink("/etc/hostname", link), 0);
    assert_int_equal(load(f, 0), 0);
    assert_true(found(f, "targeted/02_00_00_00_00_01.json", "outside the repository"));
    assert_int_equal(f->cat->n_targets, 0);
}

static void test_symlink_inside_repository_is_followed(void **state)
{
    struct fx *f = *state;
    char from[4096], to[4096];

    repo_target(f->dir, "02_00_00_00_00_01", "02:00:00:00:00:01", "EV2", "10.3.0", "10.2.0",
                "2026-01-01", 0);
    snprintf(from, sizeof(from), "%s/targeted/02_00_00_00_00_01.json", f->dir);
    snprintf(to, sizeof(to), "%s/reviewed/02_00_00_00_00_01.json", f->dir);
    repo_put(f->dir, "reviewed/.keep", "");
    assert_int_equal(rename(from, to), 0);
    assert_int_equal(symlink("../reviewed/02_00_00_00_00_01.json", from), 0);
    assert_int_equal(load(f, CATALOG_STRICT), 0);
    assert_non_null(catalog_target(f->cat, 0x020000000001ull));
}

static void test_huge_file_is_refused_with_its_size(void **state)
{
    struct fx *f = *state;
    char path[4096];
    FILE *fp;

    snprintf(path, sizeof(path), "%s/targeted/02_00_00_00_00_01.json", f->dir);
    repo_put(f->dir, "targeted/02_00_00_00_00_01.json", "");
    fp = fopen(path, "w");
    assert_non_null(fp);
    assert_int_equal(ftruncate(fileno(fp), 50 * 1024 * 1024), 0);
    fclose(fp);
    assert_int_equal(load(f, 0), 0);
    assert_true(found(f, "targeted/02_00_00_00_00_01.json", "52428800"));
}

static void test_two_files_for_one_mac_are_refused(void **state)
{
    struct fx *f = *state;
    char a[4096], b[4096];

    repo_target(f->dir, "AB_CD_EF_12_34_56", "AB:CD:EF:12:34:56", "EV2", "10.3.0", "10.2.0",
                "2026-01-01", 0);
    snprintf(a, sizeof(a), "%s/targeted/AB_CD_EF_12_34_56.json", f->dir);
    snprintf(b, sizeof(b), "%s/targeted/abcdef123456.json", f->dir);
    assert_int_equal(link(a, b), 0);
    assert_int_equal(load(f, 0), 0);
    assert_int_equal(f->cat->n_targets, 1);
    assert_true(f->pr.errors >= 1);
    assert_true(found(f, "targeted/abcdef123456.json", "a second target") ||
                found(f, "targeted/AB_CD_EF_12_34_56.json", "a second target"));
}

static void test_legacy_mac_specific_entries_become_targets(void **state)
{
    struct fx *f = *state;
    const struct target *t;

    repo_put(f->dir, "manifest.json",
             "{\"hardware_models\": {\"EV2\": {\"firmware_versions\": [],"
             " \"mac_specific\": {\"02:00:00:00:00:01\": {\"version\": \"10.9.0-legacy\","
             " \"url\": \"https://cdn.example/a.bin\", \"description\": \"old fix\"}}}}}");
    assert_int_equal(load(f, 0), 0);
    t = catalog_target(f->cat, 0x020000000001ull);
    assert_non_null(t);
    assert_true(t->legacy);
    assert_int_equal(t->expiry, NEVER_EXPIRES);
    assert_string_equal(t->devices[0].version, "10.9.0-legacy");
    assert_string_equal(t->devices[0].changelog, "old fix");
}

static void test_unlisted_image_is_a_warning(void **state)
{
    struct fx *f = *state;

    repo_put(f->dir, "firmware/EV2/EVSE_10_9_9.bin", "x");
    repo_put(f->dir, "firmware/EV2/EVSE_10_2_5.bin.sig", "x");
    repo_put(f->dir, "firmware/EV7/a.bin", "x");
    assert_int_equal(load(f, CATALOG_STRICT), 0);
    assert_true(found(f, "firmware/EV2/EVSE_10_9_9.bin", "not listed in manifest.json"));
    assert_true(found(f, "firmware/EV7", "does not list"));
    assert_false(found(f, "firmware/EV2/EVSE_10_2_5.bin.sig", "not listed"));
    assert_int_equal(f->pr.errors, 0);
}

static void test_missing_release_image_is_an_error(void **state)
{
    struct fx *f = *state;
    char path[4096];

    snprintf(path, sizeof(path), "%s/firmware/EV2/EVSE_10_2_5.bin", f->dir);
    assert_int_equal(unlink(path), 0);
    assert_int_equal(load(f, 0), 0);
    assert_true(found(f, "manifest.json", "image firmware/EV2/EVSE_10_2_5.bin is not in"));
}

static void test_local_path_of_urls(void **state)
{
    char out[256];

    (void)state;
    assert_int_equal(catalog_local_path("https://h.io/firmware/M/a.bin", out, sizeof(out)), 1);
    assert_string_equal(out, "firmware/M/a.bin");
    assert_int_equal(catalog_local_path("/targeted/firmware/AB/x%20y.bin?t=1", out, sizeof(out)),
                     1);
    assert_string_equal(out, "targeted/firmware/AB/x y.bin");
    assert_int_equal(catalog_local_path("firmware/M/a.bin", out, sizeof(out)), 1);
    assert_int_equal(catalog_local_path("https://cdn.example/fw/a.bin", out, sizeof(out)), 0);
    assert_int_equal(catalog_local_path("https://cdn.example", out, sizeof(out)), 0);
    assert_int_equal(catalog_local_path("/firmware/../etc/passwd", out, sizeof(out)), -1);
    assert_int_equal(catalog_local_path("/firmware/%2e%2e/x", out, sizeof(out)), -1);
    assert_int_equal(catalog_local_path("/firmware/a%2fb", out, sizeof(out)), -1);
    assert_int_equal(catalog_local_path("/firmware/M//a.bin", out, sizeof(out)), -1);
    assert_int_equal(catalog_local_path("/firmware/M/a.bin%", out, sizeof(out)), -1);
}

static void test_missing_repository_is_an_error(void **state)
{
    struct catalog *cat = NULL;
    struct problems pr = {0};
    struct fw_err err;

    (void)state;
    assert_int_equal(catalog_load("/nonexistent/repo", 0, NOW, &cat, &pr, &err), -1);
    assert_non_null(strstr(err.msg, "/nonexistent/repo"));
    problems_free(&pr);
}

#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        T(test_releases_are_sorted_by_version),
        T(test_targets_are_found_by_mac),
        T(test_target_states),
        T(test_strict_load_fails_on_any_error),
        T(test_unknown_model_and_rollback_are_errors),
        T(test_unknown_device_and_wrong_serial_are_errors),
        T(test_checksum_mismatch_is_found_when_hashing),
        T(test_symlink_out_of_repository_is_refused),
        T(test_symlink_inside_repository_is_followed),
        T(test_huge_file_is_refused_with_its_size),
        T(test_two_files_for_one_mac_are_refused),
        T(test_legacy_mac_specific_entries_become_targets),
        T(test_unlisted_image_is_a_warning),
        T(test_missing_release_image_is_an_error),
        cmocka_unit_test(test_local_path_of_urls),
        cmocka_unit_test(test_missing_repository_is_an_error),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
