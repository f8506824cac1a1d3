/* fuzz_target.c: libFuzzer target for target_parse without a catalog: never a crash, and
 * every finding names the file. */
#include "core/mac.h"
#include "core/target.h"
#include "fuzz.h"

#define FILE_NAME "targeted/AB_CD_EF_12_34_56.json"
#define NOW       1735084800 /* 2024-12-25T00:00:00Z */

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_target(const struct target *t)
{
    FUZZ_CHECK(t->file && strcmp(t->file, FILE_NAME) == 0, "file %s", t->file ? t->file : "-");
    FUZZ_CHECK(t->n_devices == 0 || t->devices, "%zu devices without an array", t->n_devices);
    for (size_t k = 0; k < t->n_devices; k++) {
        const struct target_device *d = &t->devices[k];

        FUZZ_CHECK(strlen(d->sha256) == 0 || strlen(d->sha256) == 64, "sha256 %s", d->sha256);
        for (size_t f = 0; f < d->n_fixes; f++)
            FUZZ_CHECK(d->fixes[f], "fix %zu is NULL", f);
        if (d->model)
            FUZZ_CHECK(target_device_for(t, d->model), "model %s not found", d->model);
    }
    for (size_t k = 0; k < t->n_install; k++)
        FUZZ_CHECK(t->install_steps[k], "step %zu is NULL", k);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *s = fuzz_exact(data, size);
    struct arena a = {0};
    struct problems pr = {0};
    struct target *t = NULL;
    int rc;

    rc = target_parse(NULL, FILE_NAME, s, size, NULL, NOW, TARGET_CHECK_EXPIRY, &a, &t, &pr);
    fuzz_check_problems(&pr, FILE_NAME, NULL);
    if (rc == 0) {
        FUZZ_CHECK(t, "accepted without a target");
        FUZZ_CHECK(!t->has_errors || pr.errors > 0, "has_errors without a finding");
        check_target(t);
    } else {
        FUZZ_CHECK(pr.errors > 0, "refused without an error");
    }
    problems_free(&pr);
    arena_free(&a);
    free(s);
    return 0;
}
