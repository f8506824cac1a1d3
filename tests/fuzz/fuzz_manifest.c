/* fuzz_manifest.c: libFuzzer target for catalog_load on a repository whose manifest.json is
 * the input; the seed's targeted file sits beside it, so the cross-checks run too. */
#include <sys/stat.h>
#include <unistd.h>

#include "core/catalog.h"
#include "core/fsutil.h"
#include "fuzz.h"

#define NOW 1735084800 /* 2024-12-25T00:00:00Z */

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

static char repo[64];
static char manifest[128];

static void remove_repo(void)
{
    char cmd[128];

    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", repo);
    if (system(cmd) != 0)
        fprintf(stderr, "cannot remove %s\n", repo);
}

static void put(const char *rel, const char *text, size_t len)
{
    char path[256];
    FILE *f;

    snprintf(path, sizeof(path), "%s/%s", repo, rel);
    f = fopen(path, "wb");
    if (!f || fwrite(text, 1, len, f) != len || fclose(f) != 0)
        abort();
}

/* One repository per process, made once; each input overwrites its manifest.json. */
int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    static const char target[] =
        "{\"customer_info\": {\"mac_address\": \"AB:CD:EF:12:34:56\", \"device_serial\": "
        "\"EVSE-2024-001234\", \"customer_name\": \"John Doe\", \"issue_ticket\": \"T-1\", "
        "\"created_date\": \"2024-09-25T12:00:00Z\"}, \"devices\": [{\"model\": "
        "\"EVSEPARKER_V2_GEN2\", \"latest_version\": \"10.2.1-custom\", \"url\": "
        "\"https://cdn.example/fix.bin\", \"targeted_fix\": true, \"rollback_info\": "
        "{\"stable_version\": \"10.2.0\"}, \"security\": {\"signed\": false, \"checksum\": "
        "\"sha256:0000000000000000000000000000000000000000000000000000000000000000\"}}], "
        "\"expiry_date\": \"2025-12-25T00:00:00Z\", \"auto_rollback\": true}\n";
    char dir[128];

    (void)argc;
    (void)argv;
    snprintf(repo, sizeof(repo), "/tmp/fwhub-fuzz-manifest.XXXXXX");
    if (!mkdtemp(repo))
        abort();
    atexit(remove_repo);
    snprintf(dir, sizeof(dir), "%s/targeted", repo);
    if (mkdir(dir, 0755) != 0)
        abort();
    put("targeted/AB_CD_EF_12_34_56.json", target, strlen(target));
    snprintf(manifest, sizeof(manifest), "%s/manifest.json", repo);
    return 0;
}

/* A repository-relative path without "..", "." or empty components. */
static bool inside(const char *rel)
{
    if (rel[0] == '/')
        return false;
    for (const char *p = rel;;) {
        size_t n = strcspn(p, "/");

        if (n == 0 || (n == 1 && p[0] == '.') || (n == 2 && p[0] == '.' && p[1] == '.'))
            return false;
        if (!p[n])
            return true;
        p += n + 1;
    }
}

/* A release without a URL is kept, with an error; consumers check for NULL. */
static void check_catalog(const struct catalog *c, const struct problems *pr)
{
    for (size_t m = 0; m < c->n_models; m++) {
        const struct model *md = &c->models[m];

        FUZZ_CHECK(m == 0 || strcmp(c->models[m - 1].name, md->name) < 0, "models unsorted");
        FUZZ_CHECK(catalog_model(c, md->name) == md, "model %s not found", md->name);
        for (size_t r = 0; r < md->n_releases; r++) {
            const struct release *rl = &md->releases[r];

            FUZZ_CHECK(r == 0 || version_compare(&md->releases[r - 1].v, &rl->v) <= 0,
                       "%s: releases unsorted at %s", md->name, rl->version);
            FUZZ_CHECK(rl->version, "%s: release without a version", md->name);
            FUZZ_CHECK(rl->url || pr->errors, "%s %s: no url, no error", md->name, rl->version);
            FUZZ_CHECK(!rl->file || inside(rl->file), "file %s escapes", rl->file);
        }
        if (md->n_releases)
            FUZZ_CHECK(catalog_latest(c, md->name) == &md->releases[md->n_releases - 1], "%s",
                       md->name);
    }
    for (size_t t = 0; t < c->n_targets; t++)
        FUZZ_CHECK(catalog_target(c, c->targets[t]->mac) == c->targets[t], "target %zu", t);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct problems pr = {0};
    struct catalog *c = NULL;
    struct fw_err err = {""};

    put("manifest.json", (const char *)data, size);
    if (catalog_load(repo, CATALOG_CHECK_IMAGES, NOW, &c, &pr, &err) == 0) {
        FUZZ_CHECK(c, "loaded without a catalog");
        check_catalog(c, &pr);
    } else {
        FUZZ_CHECK(err.msg[0], "failed without a message");
    }
    fuzz_check_problems(&pr, NULL, NULL);
    catalog_free(c);
    problems_free(&pr);
    return 0;
}
