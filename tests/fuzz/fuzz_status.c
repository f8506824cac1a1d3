/* fuzz_status.c: libFuzzer target for a status report's body (POST /api/v1/devices/{mac}/status).
 */
#include "core/version.h"
#include "fuzz.h"
#include "server/devreq.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *s = fuzz_exact(data, size);
    struct devreq_err err = {"", ""};
    struct devreq_status st;
    struct fw_err ferr;
    struct version v;

    if (devreq_status_body(s, size, devreq_status_names, devreq_status_count, &st, &err) == 0) {
        FUZZ_CHECK(st.status >= 0 && (size_t)st.status < devreq_status_count, "status %d",
                   st.status);
        FUZZ_CHECK(version_parse(st.version, &v, &ferr) == 0, "version %s: %s", st.version,
                   ferr.msg);
        FUZZ_CHECK(strlen(st.detail) <= DEVREQ_DETAIL_MAX, "detail of %zu", strlen(st.detail));
        FUZZ_CHECK(st.has_detail || !st.detail[0], "detail without has_detail");
        FUZZ_CHECK(fuzz_utf8((const unsigned char *)st.detail, strlen(st.detail)), "detail");
    } else {
        FUZZ_CHECK(err.field[0], "refused without a field: %s", err.msg);
        FUZZ_CHECK(err.msg[0], "refused without a message");
        FUZZ_CHECK(fuzz_utf8((const unsigned char *)err.msg, strlen(err.msg)), "not UTF-8: %s",
                   err.msg);
        for (const char *f = err.field; *f; f++)
            FUZZ_CHECK(*f >= 0x20 && *f < 0x7f, "field byte %02x", (unsigned char)*f);
    }
    free(s);
    return 0;
}
