/* testrepo.h: builds small repositories on disk for the catalog and decision tests. */
#ifndef FWHUB_TESTREPO_H
#define FWHUB_TESTREPO_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "crypto/sha256.h"

/* Writes text to dir/rel, creating parent folders. */
static inline void repo_put(const char *dir, const char *rel, const char *text)
{
    char path[4096], cmd[4200];
    FILE *f;

    snprintf(path, sizeof(path), "%s/%s", dir, rel);
    snprintf(cmd, sizeof(cmd), "mkdir -p \"$(dirname '%s')\"", path);
    if (system(cmd) != 0)
        abort();
    f = fopen(path, "w");
    if (!f)
        abort();
    fputs(text, f);
    fclose(f);
}

/* Writes an image whose contents are its own name, and returns its sha256 in hex. */
static inline void repo_image(const char *dir, const char *rel, char hex[SHA256_HEX_LEN])
{
    unsigned char d[SHA256_LEN];

    repo_put(dir, rel, rel);
    sha256_buf(rel, strlen(rel), d);
    sha256_hex(d, hex);
}

static inline char *repo_new(void)
{
    char tmpl[] = "/tmp/fwhub-unit.XXXXXX";
    char *d = mkdtemp(tmpl);

    if (!d)
        abort();
    return strdup(d);
}

static inline void repo_remove(char *dir)
{
    char cmd[4200];

    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
    if (system(cmd) != 0)
        abort();
    free(dir);
}

/* A target file for mac (file form) on model with version fix, stable version stable,
 * image present, expiring at expiry, with auto_rollback as given. */
static inline void repo_target(const char *dir, const char *macfile, const char *macstr,
                               const char *model, const char *fix, const char *stable,
                               const char *expiry, int auto_rollback)
{
    char rel[256], img[256], hex[SHA256_HEX_LEN], json[4096];

    snprintf(img, sizeof(img), "targeted/firmware/%s/fix_%s.bin", macfile, fix);
    repo_image(dir, img, hex);
    snprintf(json, sizeof(json),
             "{\n  \"customer_info\": {\"mac_address\": \"%s\", \"device_serial\": \"S-%s\",\n"
             "    \"issue_ticket\": \"T-1\"},\n"
             "  \"devices\": [{\"model\": \"%s\", \"latest_version\": \"%s\",\n"
             "    \"url\": \"/%s\", \"targeted_fix\": true,\n"
             "    \"rollback_info\": {\"stable_version\": \"%s\"},\n"
             "    \"security\": {\"signed\": false, \"checksum\": \"sha256:%s\"}}],\n"
             "  \"expiry_date\": \"%s\",\n  \"auto_rollback\": %s\n}\n",
             macstr, macfile, model, fix, img, stable, hex, expiry,
             auto_rollback ? "true" : "false");
    snprintf(rel, sizeof(rel), "targeted/%s.json", macfile);
    repo_put(dir, rel, json);
}

/* Two models: EV2 with releases 10.1.0, 10.2.0, 10.2.5 and EV3 with 1.0.0; images present
 * with checksums; devices.csv knows three devices. */
static inline void repo_standard(const char *dir)
{
    char h[4][SHA256_HEX_LEN], manifest[4096];

    repo_image(dir, "firmware/EV2/EVSE_10_1_0.bin", h[0]);
    repo_image(dir, "firmware/EV2/EVSE_10_2_0.bin", h[1]);
    repo_image(dir, "firmware/EV2/EVSE_10_2_5.bin", h[2]);
    repo_image(dir, "firmware/EV3/EVSE_1_0_0.bin", h[3]);
    snprintf(manifest, sizeof(manifest),
             "{\n  \"hardware_models\": {\n"
             "    \"EV2\": {\"firmware_versions\": [\n"
             "      {\"version\": \"10.2.0\", \"url\": "
             "\"https://x.example/firmware/EV2/EVSE_10_2_0.bin\","
             " \"sha256\": \"%s\"},\n"
             "      {\"version\": \"10.2.5\", \"url\": \"/firmware/EV2/EVSE_10_2_5.bin\", "
             "\"sha256\": \"%s\"},\n"
             "      {\"version\": \"10.1.0\", \"url\": \"/firmware/EV2/EVSE_10_1_0.bin\", "
             "\"sha256\": \"%s\"}\n"
             "    ]},\n"
             "    \"EV3\": {\"firmware_versions\": [\n"
             "      {\"version\": \"1.0.0\", \"url\": \"/firmware/EV3/EVSE_1_0_0.bin\", "
             "\"sha256\": \"%s\"}\n"
             "    ]}\n  }\n}\n",
             h[1], h[2], h[0], h[3]);
    repo_put(dir, "manifest.json", manifest);
    repo_put(dir, "devices.csv",
             "mac,serial,model,customer\n"
             "AB:CD:EF:12:34:56,S-AB_CD_EF_12_34_56,EV2,Ann\n"
             "02:00:00:00:00:01,S-02_00_00_00_00_01,EV2,Bob\n"
             "02:00:00:00:00:02,S-02_00_00_00_00_02,EV3,Cy\n");
}

#endif
