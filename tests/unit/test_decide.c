/* test_decide.c: every branch of the update decision. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "core/decide.h"
#include "core/isotime.h"
#include "testrepo.h"

#define NOW   1764000000 /* 2025-11-24 */
#define MAC_A 0xABCDEF123456ull
#define MAC_B 0x020000000001ull

struct fx {
    char *dir;
    struct catalog *cat;
};

static void load(struct fx *f)
{
    struct problems pr = {0};
    struct fw_err err;

    assert_int_equal(catalog_load(f->dir, CATALOG_CHECK_IMAGES, NOW, &f->cat, &pr, &err), 0);
    problems_print(&pr, stderr);
    assert_int_equal(pr.errors, 0);
    problems_free(&pr);
}

/* MAC_A has an active fix 10.2.6-custom on EV2 (stable 10.2.0), above the newest general
 * release 10.2.5; MAC_B has none. */
static int setup_active(void **state)
{
    struct fx *f = calloc(1, sizeof(*f));

    f->dir = repo_new();
    repo_standard(f->dir);
    repo_target(f->dir, "AB_CD_EF_12_34_56", "AB:CD:EF:12:34:56", "EV2", "10.2.6-custom", "10.2.0",
                "2026-01-01T00:00:00Z", 1);
    load(f);
    *state = f;
    return 0;
}

/* As setup_active, but the fix expired and asks for auto rollback. */
static int setup_expired_auto(void **state)
{
    struct fx *f = calloc(1, sizeof(*f));

    f->dir = repo_new();
    repo_standard(f->dir);
    repo_target(f->dir, "AB_CD_EF_12_34_56", "AB:CD:EF:12:34:56", "EV2", "10.3.0-custom", "10.2.0",
                "2025-01-01T00:00:00Z", 1);
    load(f);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fx *f = *state;

    catalog_free(f->cat);
    repo_remove(f->dir);
    free(f);
    return 0;
}

static struct update decide(struct fx *f, uint64_t mac, const char *model, const char *cur)
{
    struct version v;
    struct update u;

    assert_int_equal(version_parse(cur, &v, NULL), 0);
    decide_update(f->cat, mac, model, &v, NOW, &u);
    return u;
}

static void test_active_fix_is_offered_to_its_device(void **state)
{
    struct update u = decide(*state, MAC_A, "EV2", "10.2.0");

    assert_int_equal(u.kind, UPDATE_TARGETED);
    assert_string_equal(u.version, "10.2.6-custom");
    assert_string_equal(u.url, "/targeted/firmware/AB_CD_EF_12_34_56/fix_10.2.6-custom.bin");
    assert_int_equal(strlen(u.sha256), 64);
    assert_true(u.size > 0);
    assert_non_null(u.target);
}

static void test_other_device_gets_newest_general_release(void **state)
{
    struct update u = decide(*state, MAC_B, "EV2", "10.1.0");

    assert_int_equal(u.kind, UPDATE_GENERAL);
    assert_string_equal(u.version, "10.2.5");
    assert_null(u.target);
}

static void test_fix_below_current_version_is_not_offered(void **state)
{
    /* 10.2.6-custom < 10.3.0: offering it would be a downgrade */
    struct update u = decide(*state, MAC_A, "EV2", "10.3.0");

    assert_int_equal(u.kind, UPDATE_NONE);
    assert_null(u.version);
}

static void test_device_running_fix_gets_nothing_while_active(void **state)
{
    struct update u = decide(*state, MAC_A, "EV2", "10.2.6-custom");

    assert_int_equal(u.kind, UPDATE_NONE);
}

static void test_fix_for_other_model_does_not_apply(void **state)
{
    struct update u = decide(*state, MAC_A, "EV3", "0.9.0");

    assert_int_equal(u.kind, UPDATE_GENERAL);
    assert_string_equal(u.version, "1.0.0");
}

static void test_unknown_model_gets_nothing(void **state)
{
    struct update u = decide(*state, MAC_B, "NOPE", "0.0.1");

    assert_int_equal(u.kind, UPDATE_NONE);
}

static void test_newest_device_gets_nothing(void **state)
{
    struct update u = decide(*state, MAC_B, "EV2", "10.2.5");

    assert_int_equal(u.kind, UPDATE_NONE);
    u = decide(*state, MAC_B, "EV2", "11.0.0");
    assert_int_equal(u.kind, UPDATE_NONE);
}

static void test_general_release_above_fix_supersedes_it(void **state)
{
    struct fx *f = *state;
    struct update u;

    /* fix 10.2.1-custom and general 10.2.5 are both above 10.1.0; 10.2.5 integrated it */
    catalog_free(f->cat);
    repo_target(f->dir, "AB_CD_EF_12_34_56", "AB:CD:EF:12:34:56", "EV2", "10.2.1-custom", "10.2.0",
                "2026-01-01T00:00:00Z", 0);
    load(f);
    u = decide(f, MAC_A, "EV2", "10.1.0");
    assert_int_equal(u.kind, UPDATE_GENERAL);
    assert_string_equal(u.version, "10.2.5");
}

static void test_expired_fix_is_never_offered(void **state)
{
    struct update u = decide(*state, MAC_A, "EV2", "10.2.0");

    assert_int_equal(u.kind, UPDATE_GENERAL);
    assert_string_equal(u.version, "10.2.5");
}

static void test_expired_fix_with_auto_rollback_rolls_back(void **state)
{
    struct update u = decide(*state, MAC_A, "EV2", "10.3.0-custom");

    assert_int_equal(u.kind, UPDATE_ROLLBACK);
    assert_string_equal(u.version, "10.2.0");
    assert_string_equal(u.url, "https://x.example/firmware/EV2/EVSE_10_2_0.bin");
    assert_int_equal(strlen(u.sha256), 64);
    assert_non_null(u.release);
}

static void test_rollback_only_for_device_running_the_fix(void **state)
{
    /* a device of this MAC on 10.4.0 is above everything: no rollback, no offer */
    struct update u = decide(*state, MAC_A, "EV2", "10.4.0");

    assert_int_equal(u.kind, UPDATE_NONE);
}

static void test_expired_fix_without_auto_rollback_stays(void **state)
{
    struct fx *f = *state;
    struct update u;

    catalog_free(f->cat);
    repo_target(f->dir, "AB_CD_EF_12_34_56", "AB:CD:EF:12:34:56", "EV2", "10.3.0-custom", "10.2.0",
                "2025-01-01T00:00:00Z", 0);
    load(f);
    u = decide(f, MAC_A, "EV2", "10.3.0-custom");
    assert_int_equal(u.kind, UPDATE_NONE);
}

static void test_fix_at_expiry_instant_is_expired(void **state)
{
    struct fx *f = *state;
    struct version v;
    struct update u;
    int64_t expiry;

    assert_int_equal(isotime_parse("2026-01-01T00:00:00Z", &expiry, NULL), 0);
    assert_int_equal(version_parse("10.2.0", &v, NULL), 0);
    decide_update(f->cat, MAC_A, "EV2", &v, expiry - 1, &u);
    assert_int_equal(u.kind, UPDATE_TARGETED);
    decide_update(f->cat, MAC_A, "EV2", &v, expiry, &u);
    assert_int_equal(u.kind, UPDATE_GENERAL);
}

static void test_kind_names(void **state)
{
    (void)state;
    assert_string_equal(update_kind_name(UPDATE_NONE), "none");
    assert_string_equal(update_kind_name(UPDATE_GENERAL), "general");
    assert_string_equal(update_kind_name(UPDATE_TARGETED), "targeted");
    assert_string_equal(update_kind_name(UPDATE_ROLLBACK), "rollback");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_active_fix_is_offered_to_its_device, setup_active,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_other_device_gets_newest_general_release, setup_active,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_fix_below_current_version_is_not_offered, setup_active,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_device_running_fix_gets_nothing_while_active,
                                        setup_active, teardown),
        cmocka_unit_test_setup_teardown(test_fix_for_other_model_does_not_apply, setup_active,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_unknown_model_gets_nothing, setup_active, teardown),
        cmocka_unit_test_setup_teardown(test_newest_device_gets_nothing, setup_active, teardown),
        cmocka_unit_test_setup_teardown(test_general_release_above_fix_supersedes_it, setup_active,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_fix_at_expiry_instant_is_expired, setup_active,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_expired_fix_is_never_offered, setup_expired_auto,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_expired_fix_with_auto_rollback_rolls_back,
                                        setup_expired_auto, teardown),
        cmocka_unit_test_setup_teardown(test_rollback_only_for_device_running_the_fix,
                                        setup_expired_auto, teardown),
        cmocka_unit_test_setup_teardown(test_expired_fix_without_auto_rollback_stays,
                                        setup_expired_auto, teardown),
        cmocka_unit_test(test_kind_names),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
