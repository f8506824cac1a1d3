/* test_report.c: fwhub report's numbers for a fleet whose events go in through the store API. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <jansson.h>
#include <math.h>
#include <string.h>

#include "core/catalog.h"
#include "core/isotime.h"
#include "store/report.h"
#include "store/store.h"
#include "testrepo.h"

#define MAC_A 0xABCDEF123456u /* EV2, fix 10.2.6-custom, active, installed and confirmed */
#define MAC_B 0x020000000001u /* EV2, fix 10.2.7-custom, expiring, download failed */
#define MAC_C 0x020000000002u /* EV3, fix 1.0.1-custom, expired */
#define MAC_X 0x020000000010u /* EV2, general 10.2.5: installed (reported twice) */
#define MAC_Y 0x020000000011u /* EV2, general 10.2.5: installation failed */
#define MAC_Z 0x020000000012u /* EV2, general 10.2.5: installed */

static const int64_t day = 86400;
static int64_t now; /* 2024-10-01T00:00:00Z */

struct fleet {
    char *dir;
    char db[4200];
    struct catalog *cat;
    struct store *st;
    json_t *doc;
};

/* A target with created_date and one fix_description item, image present. */
static void target(const char *dir, const char *macfile, const char *macstr, const char *model,
                   const char *fix, const char *stable, const char *expiry, const char *created,
                   const char *text)
{
    char rel[256], img[256], hex[SHA256_HEX_LEN], json[4096];

    snprintf(img, sizeof(img), "targeted/firmware/%s/fix.bin", macfile);
    repo_image(dir, img, hex);
    snprintf(json, sizeof(json),
             "{\"customer_info\": {\"mac_address\": \"%s\", \"device_serial\": \"S-%s\","
             " \"issue_ticket\": \"T-%s\", \"created_date\": \"%s\"},\n"
             " \"devices\": [{\"model\": \"%s\", \"latest_version\": \"%s\", \"url\": \"/%s\","
             " \"targeted_fix\": true, \"fix_description\": [\"%s\"],"
             " \"rollback_info\": {\"stable_version\": \"%s\"},"
             " \"security\": {\"signed\": false, \"checksum\": \"sha256:%s\"}}],\n"
             " \"expiry_date\": \"%s\", \"auto_rollback\": true}\n",
             macstr, macfile, macfile, created, model, fix, img, text, stable, hex, expiry);
    snprintf(rel, sizeof(rel), "targeted/%s.json", macfile);
    repo_put(dir, rel, json);
}

static void put(struct fleet *f, struct store_event ev)
{
    struct fw_err err = {""};

    if (!ev.time)
        ev.time = now - day;
    if (store_append(f->st, &ev, NULL, &err) != 0)
        print_error("store_append: %s\n", err.msg);
}

static void audit(struct fleet *f, const char *event, uint64_t mac, const char *version)
{
    put(f, (struct store_event){.kind = STORE_AUDIT,
                                .event = event,
                                .mac = mac,
                                .version = version,
                                .actor = "device",
                                .result = "ok"});
}

static void feedback(struct fleet *f, uint64_t mac, const char *version, const char *result,
                     const char *comment, int64_t when)
{
    put(f, (struct store_event){.kind = STORE_AUDIT,
                                .event = "portal.feedback",
                                .mac = mac,
                                .version = version,
                                .actor = "portal",
                                .result = result,
                                .detail = comment,
                                .time = when});
}

static void seen(struct fleet *f, uint64_t mac, const char *version, const char *offered,
                 int64_t when)
{
    put(f, (struct store_event){.kind = STORE_SEEN,
                                .mac = mac,
                                .model = "EV2",
                                .version = version,
                                .offered = offered,
                                .time = when});
}

static void status(struct fleet *f, uint64_t mac, const char *version, const char *st, int64_t when)
{
    put(f, (struct store_event){
               .kind = STORE_STATUS, .mac = mac, .version = version, .status = st, .time = when});
}

static void download(struct fleet *f, uint64_t mac, const char *path, bool complete)
{
    put(f, (struct store_event){.kind = STORE_DOWNLOAD,
                                .mac = mac,
                                .path = path,
                                .bytes = complete ? 1000 : 10,
                                .complete = complete});
}

static void record_fleet(struct fleet *f)
{
    const char *fixpath = "targeted/firmware/AB_CD_EF_12_34_56/fix.bin";

    for (int i = 0; i < 3; i++)
        audit(f, "target.answered", MAC_A, "10.2.6-custom");
    audit(f, "target.answered", MAC_A, "10.0.0-old"); /* a fix replaced since */
    audit(f, "target.downloaded", MAC_A, "10.2.6-custom");
    audit(f, "target.rollback", MAC_C, "1.0.0");
    download(f, MAC_A, fixpath, true);
    download(f, MAC_A, fixpath, false);
    download(f, MAC_X, "/firmware/EV2/EVSE_10_2_5.bin", true);
    download(f, MAC_Z, "firmware/EV2/EVSE_10_2_5.bin", true);
    download(f, MAC_Y, "firmware/EV2/EVSE_10_2_5.bin", false);
    download(f, MAC_Y, "firmware/EV2/EVSE_10_2_0.bin", true);

    feedback(f, MAC_A, "10.0.0-old", "not_solved", "the old fix", now - 9 * day);
    feedback(f, MAC_A, "10.2.6-custom", "not_solved", "first try failed", now - 3 * day);
    feedback(f, MAC_A, "10.2.6-custom", "solved", "works now", now - 2 * day);
    feedback(f, MAC_B, "10.2.7-custom", "solved", "", now - 3 * day);
    feedback(f, MAC_B, "10.2.7-custom", "not_solved", "still trips at 16 A", now - 2 * day);
    status(f, MAC_A, "10.2.6-custom", "Installed", now - 2 * day);
    seen(f, MAC_A, "10.2.6-custom", NULL, now - day);
    seen(f, MAC_B, "10.2.0", "10.2.7-custom", now - day);
    status(f, MAC_B, "10.2.0", "DownloadFailed", now - day);
    seen(f, MAC_X, "10.2.0", "10.2.5", now - 3 * day);
    seen(f, MAC_Y, "10.2.0", "10.2.5", now - 3 * day);
    seen(f, MAC_Z, "10.2.0", "10.2.5", now - 3 * day);
    status(f, MAC_X, "10.2.5", "Installed", now - 2 * day);
    status(f, MAC_X, "10.2.5", "Installed", now - 2 * day + 5);
    status(f, MAC_Y, "10.2.0", "InstallationFailed", now - 2 * day);
    status(f, MAC_Z, "10.2.5", "Installed", now - 2 * day);
}

static int setup(void **state)
{
    struct fleet *f = calloc(1, sizeof(*f));
    struct problems pr = {0};
    struct fw_err err = {""};

    assert_int_equal(isotime_parse("2024-10-01T00:00:00Z", &now, &err), 0);
    f->dir = repo_new();
    repo_standard(f->dir);
    target(f->dir, "AB_CD_EF_12_34_56", "AB:CD:EF:12:34:56", "EV2", "10.2.6-custom", "10.2.0",
           "2024-12-25", "2024-09-20", "Relay timing");
    target(f->dir, "02_00_00_00_00_01", "02:00:00:00:00:01", "EV2", "10.2.7-custom", "10.2.0",
           "2024-10-05", "2024-09-25", "relay timing");
    target(f->dir, "02_00_00_00_00_02", "02:00:00:00:00:02", "EV3", "1.0.1-custom", "1.0.0",
           "2024-09-01", "2024-08-01", "Display flicker");
    assert_int_equal(catalog_load(f->dir, 0, now, &f->cat, &pr, &err), 0);
    if (pr.errors)
        problems_print(&pr, stderr);
    assert_int_equal(pr.errors, 0);
    problems_free(&pr);
    snprintf(f->db, sizeof(f->db), "%s/.fwhub/fwhub.db", f->dir);
    assert_int_equal(store_open(f->db, NULL, &f->st, &err), 0);
    record_fleet(f);
    assert_int_equal(store_flush(f->st, &err), 0);
    assert_int_equal(report_build(f->st, f->cat, now, &f->doc, &err), 0);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fleet *f = *state;
    struct fw_err err;

    json_decref(f->doc);
    if (store_close(f->st, &err) != 0)
        return -1;
    catalog_free(f->cat);
    repo_remove(f->dir);
    free(f);
    return 0;
}

/* The element of doc's array name whose member key is value. */
static json_t *find(json_t *doc, const char *name, const char *key, const char *value,
                    const char *key2, const char *value2)
{
    size_t i;
    json_t *v;

    json_array_foreach(json_object_get(doc, name), i, v)
    {
        if (strcmp(json_string_value(json_object_get(v, key)), value) == 0 &&
            (!key2 || strcmp(json_string_value(json_object_get(v, key2)), value2) == 0))
            return v;
    }
    print_error("no %s with %s = %s\n", name, key, value);
    fail();
    return NULL;
}

static json_int_t num(json_t *o, const char *key)
{
    json_t *v = json_object_get(o, key);

    assert_true(json_is_integer(v));
    return json_integer_value(v);
}

static void a_target_counts_answers_and_downloads(void **state)
{
    struct fleet *f = *state;
    json_t *a = find(f->doc, "targets", "mac", "AB:CD:EF:12:34:56", NULL, NULL);

    assert_string_equal(json_string_value(json_object_get(a, "state")), "active");
    assert_string_equal(json_string_value(json_object_get(a, "version")), "10.2.6-custom");
    assert_int_equal(num(a, "answers"), 3);
    assert_int_equal(num(a, "downloads_started"), 2);
    assert_int_equal(num(a, "downloads_completed"), 1);
    assert_string_equal(
        json_string_value(json_object_get(json_object_get(a, "last_status"), "status")),
        "Installed");
}

static void installed_then_running_it_confirms_the_fix(void **state)
{
    struct fleet *f = *state;
    json_t *a = find(f->doc, "targets", "mac", "AB:CD:EF:12:34:56", NULL, NULL);
    json_t *b = find(f->doc, "targets", "mac", "02:00:00:00:00:01", NULL, NULL);

    assert_true(json_is_true(json_object_get(a, "fix_confirmed")));
    assert_true(json_is_false(json_object_get(b, "fix_confirmed")));
    assert_string_equal(
        json_string_value(json_object_get(json_object_get(b, "last_status"), "status")),
        "DownloadFailed");
}

static void feedback_counts_the_current_fix_and_keeps_the_last(void **state)
{
    struct fleet *f = *state;
    json_t *a = json_object_get(find(f->doc, "targets", "mac", "AB:CD:EF:12:34:56", NULL, NULL),
                                "feedback");
    json_t *b = json_object_get(find(f->doc, "targets", "mac", "02:00:00:00:00:01", NULL, NULL),
                                "feedback");
    json_t *c = json_object_get(find(f->doc, "targets", "mac", "02:00:00:00:00:02", NULL, NULL),
                                "feedback");

    /* A's feedback on a fix it had before is not this fix's */
    assert_int_equal(num(a, "solved"), 1);
    assert_int_equal(num(a, "not_solved"), 1);
    assert_string_equal(json_string_value(json_object_get(json_object_get(a, "last"), "result")),
                        "solved");
    assert_string_equal(json_string_value(json_object_get(json_object_get(a, "last"), "comment")),
                        "works now");
    assert_int_equal(num(b, "solved"), 1);
    assert_int_equal(num(b, "not_solved"), 1);
    assert_string_equal(json_string_value(json_object_get(json_object_get(b, "last"), "comment")),
                        "still trips at 16 A");
    assert_int_equal(num(c, "solved"), 0);
    assert_true(json_is_null(json_object_get(c, "last")));
}

static void a_fix_that_did_not_help_is_followed_up(void **state)
{
    struct fleet *f = *state;
    json_t *b = find(f->doc, "follow_ups", "kind", "fix_not_solved", "mac", "02:00:00:00:00:01");

    assert_non_null(strstr(json_string_value(json_object_get(b, "detail")), "still trips at 16 A"));
    assert_non_null(strstr(json_string_value(json_object_get(b, "detail")), "10.2.7-custom"));
}

static void targets_carry_their_state(void **state)
{
    struct fleet *f = *state;
    json_t *b = find(f->doc, "targets", "mac", "02:00:00:00:00:01", NULL, NULL);
    json_t *c = find(f->doc, "targets", "mac", "02:00:00:00:00:02", NULL, NULL);

    assert_string_equal(json_string_value(json_object_get(b, "state")), "expiring");
    assert_string_equal(json_string_value(json_object_get(c, "state")), "expired");
    assert_int_equal(num(c, "rollbacks"), 1);
    assert_int_equal(num(c, "answers"), 0);
}

static void a_release_counts_offers_installs_and_failures(void **state)
{
    struct fleet *f = *state;
    json_t *r = find(f->doc, "releases", "model", "EV2", "version", "10.2.5");
    json_t *old = find(f->doc, "releases", "model", "EV2", "version", "10.2.0");

    assert_int_equal(num(r, "offered"), 3);
    assert_int_equal(num(r, "downloads_started"), 3);
    assert_int_equal(num(r, "downloads_completed"), 2);
    assert_int_equal(num(r, "installs"), 2); /* X reported twice: one device */
    assert_int_equal(num(r, "failures"), 1);
    assert_true(fabs(json_real_value(json_object_get(r, "success_rate")) - 2.0 / 3.0) < 1e-9);
    /* B's failed download was of its fix, not of 10.2.0 */
    assert_int_equal(num(old, "failures"), 0);
    assert_int_equal(num(old, "downloads_completed"), 1);
    assert_true(json_is_null(json_object_get(old, "success_rate")));
}

static void follow_ups_name_what_to_do(void **state)
{
    struct fleet *f = *state;

    find(f->doc, "follow_ups", "kind", "integrate_fix", "mac", "AB:CD:EF:12:34:56");
    find(f->doc, "follow_ups", "kind", "expiring", "mac", "02:00:00:00:00:01");
    find(f->doc, "follow_ups", "kind", "expired", "mac", "02:00:00:00:00:02");
    find(f->doc, "follow_ups", "kind", "device_failure", "mac", "02:00:00:00:00:11");
    find(f->doc, "follow_ups", "kind", "device_failure", "mac", "02:00:00:00:00:01");
    /* and B's fix_not_solved; A's last feedback says solved */
    assert_int_equal(json_array_size(json_object_get(f->doc, "follow_ups")), 6);
}

static void patterns_flag_a_model_and_a_repeated_fix(void **state)
{
    struct fleet *f = *state;
    json_t *m = find(f->doc, "patterns", "kind", "model_cluster", "model", "EV2");
    json_t *s = find(f->doc, "patterns", "kind", "same_fix", NULL, NULL);

    assert_int_equal(num(m, "targets"), 2);
    assert_int_equal(json_array_size(json_object_get(m, "macs")), 2);
    assert_int_equal(json_array_size(json_object_get(s, "macs")), 2);
    assert_int_equal(strcasecmp(json_string_value(json_object_get(s, "fix")), "relay timing"), 0);
    assert_int_equal(json_array_size(json_object_get(f->doc, "patterns")), 2);
}

static void without_a_database_everything_is_zero(void **state)
{
    struct fleet *f = *state;
    struct fw_err err;
    json_t *doc = NULL, *a;

    assert_int_equal(report_build(NULL, f->cat, now, &doc, &err), 0);
    a = find(doc, "targets", "mac", "AB:CD:EF:12:34:56", NULL, NULL);
    assert_int_equal(num(a, "answers"), 0);
    assert_true(json_is_null(json_object_get(a, "last_status")));
    json_decref(doc);
}

#define T(f) cmocka_unit_test(f)

int main(void)
{
    const struct CMUnitTest tests[] = {
        T(a_target_counts_answers_and_downloads),
        T(installed_then_running_it_confirms_the_fix),
        T(feedback_counts_the_current_fix_and_keeps_the_last),
        T(a_fix_that_did_not_help_is_followed_up),
        T(targets_carry_their_state),
        T(a_release_counts_offers_installs_and_failures),
        T(follow_ups_name_what_to_do),
        T(patterns_flag_a_model_and_a_repeated_fix),
        T(without_a_database_everything_is_zero),
    };

    return cmocka_run_group_tests(tests, setup, teardown);
}
