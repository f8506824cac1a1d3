/* test_devreq.c: the device API's path, update query and status body (src/server/devreq.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "server/devreq.h"

static const char *const names[] = {"Idle", "Installed", "RolledBack"};

static int status(const char *body, struct devreq_status *st, struct devreq_err *err)
{
    return devreq_status_body(body, strlen(body), names, 3, st, err);
}

static int query(const char *q, char *model, char *version, struct devreq_err *err)
{
    struct version v;

    return devreq_update_query(q, q ? strlen(q) : 0, model, version, &v, err);
}

static void query_param_finds_whole_elements_only(void **state)
{
    const char *q = "xmodel=1&model=A&model=B&version=";
    const char *val = NULL;
    size_t len = 0;

    (void)state;
    assert_int_equal(devreq_query_param(q, strlen(q), "model", &val, &len), 1);
    assert_int_equal(len, 1);
    assert_memory_equal(val, "A", 1); /* the first occurrence wins */
    assert_int_equal(devreq_query_param(q, strlen(q), "version", &val, &len), 1);
    assert_int_equal(len, 0);
    assert_int_equal(devreq_query_param(q, strlen(q), "token", &val, &len), 0);
    assert_int_equal(devreq_query_param(NULL, 0, "model", &val, &len), 0);
}

static void route_reads_the_mac_before_the_endpoint(void **state)
{
    const char *p;
    struct devreq_err err;
    uint64_t mac = 0;

    (void)state;
    p = "ab-cd-ef-12-34-56/update";
    assert_int_equal(devreq_route(p, strlen(p), &mac, &err), DEVREQ_UPDATE);
    assert_true(mac == 0xABCDEF123456ULL);
    p = "AB%3ACD%3AEF%3A12%3A34%3A56/status";
    assert_int_equal(devreq_route(p, strlen(p), &mac, &err), DEVREQ_STATUS);
    p = "AB:CD:EF:12:34:56/other";
    assert_int_equal(devreq_route(p, strlen(p), &mac, &err), DEVREQ_NOT_FOUND);
    p = "AB:CD:EF:12:34:56";
    assert_int_equal(devreq_route(p, strlen(p), &mac, &err), DEVREQ_NOT_FOUND);
    p = "00:00:00:00:00:00/other";
    assert_int_equal(devreq_route(p, strlen(p), &mac, &err), DEVREQ_BAD_MAC);
    assert_string_equal(err.field, "mac");
    p = "AB%3/update";
    assert_int_equal(devreq_route(p, strlen(p), &mac, &err), DEVREQ_BAD_MAC);
    assert_string_equal(err.msg, "too long or badly escaped");
}

static void update_query_names_the_bad_parameter(void **state)
{
    char model[DEVREQ_MODEL_MAX + 1], version[VERSION_MAX_LEN + 1];
    struct devreq_err err;

    (void)state;
    assert_int_equal(query("model=EVSE_V2&version=10.2.1%2Bbuild", model, version, &err), 0);
    assert_string_equal(model, "EVSE_V2");
    assert_string_equal(version, "10.2.1+build");
    assert_int_equal(query(NULL, model, version, &err), -1);
    assert_string_equal(err.field, "model");
    assert_int_equal(query("model=a/b&version=1", model, version, &err), -1);
    assert_string_equal(err.field, "model");
    assert_int_equal(query("model=EVSE", model, version, &err), -1);
    assert_string_equal(err.field, "version");
    assert_non_null(strstr(err.msg, "missing"));
    assert_int_equal(query("model=EVSE&version=%00", model, version, &err), -1);
    assert_string_equal(err.field, "version");
    assert_int_equal(query("model=EVSE&version=x.y", model, version, &err), -1);
    assert_string_equal(err.field, "version");
}

static void status_body_is_read_into_the_struct(void **state)
{
    struct devreq_status st;
    struct devreq_err err;

    (void)state;
    assert_int_equal(status("{\"version\":\"10.2.1\",\"status\":\"RolledBack\","
                            "\"detail\":\"relay \\u00e9\"}",
                            &st, &err),
                     0);
    assert_string_equal(st.version, "10.2.1");
    assert_int_equal(st.status, 2);
    assert_true(st.has_detail);
    assert_string_equal(st.detail, "relay \xc3\xa9");
    assert_int_equal(status("{\"status\":\"Idle\",\"version\":\"1\",\"detail\":null}", &st, &err),
                     0);
    assert_false(st.has_detail);
}

static void status_body_refusals_name_the_member(void **state)
{
    struct devreq_status st;
    struct devreq_err err;
    char big[1200 + 64];

    (void)state;
    assert_int_equal(status("{\"version\":\"1\",\"status\":\"Idle\",\"x\":1}", &st, &err), -1);
    assert_string_equal(err.field, "x");
    assert_int_equal(status("{\"version\":\"1\",\"status\":\"Idle\",\"\":1}", &st, &err), -1);
    assert_string_equal(err.field, "body"); /* a member without a name: found by fuzzing */
    assert_int_equal(status("{\"version\":\"1\",\"status\":\"Nope\"}", &st, &err), -1);
    assert_string_equal(err.field, "status");
    assert_non_null(strstr(err.msg, "Idle, Installed, RolledBack"));
    /* jansson refuses \u0000 in strings: no version or detail is cut at a NUL */
    assert_int_equal(status("{\"version\":\"1\\u0000x\",\"status\":\"Idle\"}", &st, &err), -1);
    assert_string_equal(err.field, "body");
    assert_int_equal(status("{\"version\":\"1\",\"status\":\"Idle\",\"version\":\"2\"}", &st, &err),
                     -1);
    assert_string_equal(err.field, "body");
    assert_int_equal(status("{\"status\":\"Idle\"}", &st, &err), -1);
    assert_string_equal(err.field, "version");
    assert_int_equal(status("[]", &st, &err), -1);
    assert_string_equal(err.field, "body");
    snprintf(big, sizeof(big), "{\"version\":\"1\",\"status\":\"Idle\",\"detail\":\"%01100d\"}", 0);
    assert_int_equal(status(big, &st, &err), -1);
    assert_string_equal(err.field, "detail");
    assert_string_equal(err.msg, "longer than 1024 bytes");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(query_param_finds_whole_elements_only),
        cmocka_unit_test(route_reads_the_mac_before_the_endpoint),
        cmocka_unit_test(update_query_names_the_bad_parameter),
        cmocka_unit_test(status_body_is_read_into_the_struct),
        cmocka_unit_test(status_body_refusals_name_the_member),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
