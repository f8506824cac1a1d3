/* fuzz_devreq.c: libFuzzer target for the device API's path and query: the input is what
 * follows /api/v1/devices/ in a request ("{mac}/update?model=M&version=V"). */
#include "core/mac.h"
#include "fuzz.h"
#include "server/devreq.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_err(const struct devreq_err *err, const char *field)
{
    FUZZ_CHECK(strcmp(err->field, field) == 0, "field %s, expected %s", err->field, field);
    FUZZ_CHECK(err->msg[0], "%s refused without a message", field);
    FUZZ_CHECK(fuzz_utf8((const unsigned char *)err->msg, strlen(err->msg)), "%s: not UTF-8",
               field);
}

/* What devreq_query_param found is a whole "name=value" element of the query. */
static void check_param(const char *q, size_t n, const char *name)
{
    const char *val = NULL;
    size_t len = 0, nlen = strlen(name);

    if (!devreq_query_param(q, n, name, &val, &len))
        return;
    FUZZ_CHECK(val >= q + nlen + 1 && val + len <= q + n, "%s out of the query", name);
    FUZZ_CHECK(val[-1] == '=' && memcmp(val - 1 - nlen, name, nlen) == 0, "%s misplaced", name);
    FUZZ_CHECK(val - 1 - nlen == q || val[-2 - (long)nlen] == '&', "%s inside an element", name);
    FUZZ_CHECK(!memchr(val, '&', len), "%s value holds '&'", name);
}

static void check_query(const char *q, size_t n)
{
    char model[DEVREQ_MODEL_MAX + 1], version[VERSION_MAX_LEN + 1];
    struct devreq_err err = {"", ""};
    struct version v;

    check_param(q, n, "model");
    check_param(q, n, "version");
    check_param(q, n, "token");
    if (devreq_update_query(q, n, model, version, &v, &err) < 0) {
        FUZZ_CHECK(strcmp(err.field, "model") == 0 || strcmp(err.field, "version") == 0, "field %s",
                   err.field);
        check_err(&err, err.field);
        return;
    }
    FUZZ_CHECK(model[0] && strlen(model) <= DEVREQ_MODEL_MAX, "model of %zu bytes", strlen(model));
    FUZZ_CHECK(strspn(model, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-.") ==
                   strlen(model),
               "model %s", model);
    FUZZ_CHECK(strlen(version) <= VERSION_MAX_LEN, "version of %zu bytes", strlen(version));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *s = fuzz_exact(data, size);
    const char *qm = memchr(s, '?', size);
    size_t plen = qm ? (size_t)(qm - s) : size;
    struct devreq_err err = {"", ""};
    uint64_t mac = 0;

    switch (devreq_route(s, plen, &mac, &err)) {
    case DEVREQ_UPDATE:
    case DEVREQ_STATUS:
        FUZZ_CHECK(mac && mac >> 48 == 0 && mac != 0xFFFFFFFFFFFFULL, "mac %llx",
                   (unsigned long long)mac);
        FUZZ_CHECK(plen > 7 && (memcmp(s + plen - 7, "/update", 7) == 0 ||
                                memcmp(s + plen - 7, "/status", 7) == 0),
                   "endpoint accepted");
        break;
    case DEVREQ_BAD_MAC:
        check_err(&err, "mac");
        break;
    case DEVREQ_NOT_FOUND:
        break;
    }
    check_query(qm ? qm + 1 : NULL, qm ? size - plen - 1 : 0);
    free(s);
    return 0;
}
