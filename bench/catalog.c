/* bench/catalog.c: generates a repository of N targeted fixes (seed-sized files, each with
 * its image) and measures catalog_load beside two baselines in the same run: reading every
 * file without parsing, and parsing every file with jansson alone.
 * Usage: catalog [N] [DIR]   (defaults: 100000, a new folder under /tmp); a DIR that
 * already holds a manifest.json is measured as it is. */
#include <dirent.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "core/catalog.h"
#include "core/fsutil.h"
#include "core/mac.h"
#include "bench.h"

/* CPU seconds (user + system, all threads) used by this process so far: less disturbed
 * than wall time when the machine is shared. */
static double cpu_s(void)
{
    struct rusage ru;

    getrusage(RUSAGE_SELF, &ru);
    return (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 +
           (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6;
}

/* Keeps the smaller of *best and the time since (w0, c0) in wall and CPU seconds. */
static void keep_best(double w0, double c0, double best[2])
{
    double w = now_s() - w0, c = cpu_s() - c0;

    best[0] = w < best[0] ? w : best[0];
    best[1] = c < best[1] ? c : best[1];
}

static void put(const char *path, const char *text, size_t len)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);

    if (fd < 0 || write(fd, text, len) != (ssize_t)len) {
        perror(path);
        exit(1);
    }
    close(fd);
}

static void generate(const char *dir, long n)
{
    static const char zeros[64] =
        "0000000000000000000000000000000000000000000000000000000000000000";
    char path[4096], json[4096], mac[MAC_STR_LEN], macfile[MAC_STR_LEN];
    FILE *csv;

    snprintf(path, sizeof(path), "mkdir -p %s/targeted/firmware %s/firmware/EV2", dir, dir);
    if (system(path) != 0)
        exit(1);
    snprintf(path, sizeof(path), "%s/firmware/EV2/EVSE_10_2_0.bin", dir);
    put(path, "image", 5);
    snprintf(path, sizeof(path), "%s/manifest.json", dir);
    snprintf(json, sizeof(json),
             "{\"hardware_models\": {\"EV2\": {\"firmware_versions\": [{\"version\": \"10.2.0\","
             " \"url\": \"/firmware/EV2/EVSE_10_2_0.bin\"}]}}}");
    put(path, json, strlen(json));
    snprintf(path, sizeof(path), "%s/devices.csv", dir);
    csv = fopen(path, "w");
    fputs("mac,serial,model,customer\n", csv);

    for (long i = 0; i < n; i++) {
        uint64_t m = 0x020000000000ull + (uint64_t)i;
        int len;

        mac_format(m, mac);
        mac_format_file(m, macfile);
        fprintf(csv, "%s,EVSE-%08ld,EV2,Customer %ld\n", mac, i, i);
        snprintf(path, sizeof(path), "%s/targeted/firmware/%s", dir, macfile);
        mkdir(path, 0755);
        snprintf(path, sizeof(path), "%s/targeted/firmware/%s/EVSE_10_2_1_custom.bin", dir,
                 macfile);
        put(path, "image", 5);
        len = snprintf(
            json, sizeof(json),
            "{\n  \"customer_info\": {\n    \"mac_address\": \"%s\",\n"
            "    \"device_serial\": \"EVSE-%08ld\",\n    \"customer_name\": \"Customer %ld\",\n"
            "    \"issue_ticket\": \"SUPPORT-2024-%ld\",\n"
            "    \"created_date\": \"2024-09-25T12:00:00Z\"\n  },\n"
            "  \"devices\": [\n    {\n      \"model\": \"EV2\",\n"
            "      \"latest_version\": \"10.2.1-custom\",\n"
            "      \"url\": \"https://example.com/targeted/firmware/%s/EVSE_10_2_1_custom.bin\",\n"
            "      \"changelog\": \"TARGETED FIX: Resolves specific relay timing issue for this "
            "device. Custom calibration values for temperature sensor.\",\n"
            "      \"release_date\": \"2024-09-25T12:00:00Z\",\n      \"file_size\": \"1.16 MB\",\n"
            "      \"hardware_version\": \"V2 GEN2\",\n      \"targeted_fix\": true,\n"
            "      \"fix_description\": [\n        \"Custom relay timing parameters for reported "
            "intermittent switching issue\",\n        \"Adjusted temperature sensor calibration "
            "for reported high readings\",\n        \"Increased GFCI test timeout for this "
            "specific hardware batch\"\n      ],\n"
            "      \"rollback_info\": {\n        \"stable_version\": \"10.2.0\",\n"
            "        \"stable_url\": \"https://example.com/firmware/EV2/EVSE_10_2_0.bin\"\n      "
            "},\n"
            "      \"security\": {\n        \"signed\": true,\n"
            "        \"checksum\": \"sha256:%.64s\"\n      }\n    }\n  ],\n"
            "  \"instructions\": {\n    \"installation\": [\n"
            "      \"1. Download the custom firmware using the EVSEPARKER mobile app\",\n"
            "      \"2. Ensure device is connected to power and not actively charging\",\n"
            "      \"3. Initiate OTA update through the app\",\n"
            "      \"4. Wait for automatic reboot and verification\",\n"
            "      \"5. Test the specific functionality that was reported as problematic\"\n    "
            "],\n"
            "    \"verification\": [\n      \"Check that relay switching is now consistent\",\n"
            "      \"Verify temperature readings are within expected range\",\n"
            "      \"Test GFCI functionality with longer timeout\"\n    ],\n"
            "    \"support_contact\": \"support@example.com\"\n  },\n"
            "  \"expiry_date\": \"2030-12-25T00:00:00Z\",\n  \"auto_rollback\": false\n}\n",
            mac, i, i, i, macfile, zeros);
        snprintf(path, sizeof(path), "%s/targeted/%s.json", dir, macfile);
        put(path, json, (size_t)len);
    }
    fclose(csv);
}

/* Reads (and with parse, parses with jansson) every targeted file: the baselines. */
static long walk(const char *dir, int parse)
{
    char path[4096], *text;
    struct dirent *de;
    struct fw_err err;
    long n = 0;
    size_t len;
    DIR *d;

    snprintf(path, sizeof(path), "%s/targeted", dir);
    d = opendir(path);
    while ((de = readdir(d))) {
        if (!strstr(de->d_name, ".json"))
            continue;
        snprintf(path, sizeof(path), "%s/targeted/%s", dir, de->d_name);
        if (fs_read_file(path, 1 << 20, &text, &len, &err) < 0)
            continue;
        if (parse) {
            json_t *j = json_loadb(text, len, JSON_REJECT_DUPLICATES, NULL);

            json_decref(j);
        }
        free(text);
        n++;
    }
    closedir(d);
    return n;
}

int main(int argc, char **argv)
{
    long n = argc > 1 ? strtol(argv[1], NULL, 10) : 100000;
    char tmpl[] = "/tmp/fwhub-bench.XXXXXX";
    const char *dir = argc > 2 ? argv[2] : mkdtemp(tmpl);
    double t0, c0, read_s[2] = {1e9, 1e9}, parse_s[2] = {1e9, 1e9}, load_s[2] = {1e9, 1e9};
    struct catalog *cat = NULL;
    long rss_before, rss_after = 0;
    size_t arena_bytes = 0;

    char manifest[4096];

    snprintf(manifest, sizeof(manifest), "%s/manifest.json", dir);
    if (access(manifest, F_OK) != 0) {
        t0 = now_s();
        generate(dir, n);
        printf("generated %ld targets in %s in %.2f s\n", n, dir, now_s() - t0);
    }
    for (int round = 0; round < 3; round++) {
        struct problems pr = {0};
        struct fw_err err;

        t0 = now_s();
        c0 = cpu_s();
        walk(dir, 0);
        keep_best(t0, c0, read_s);

        t0 = now_s();
        c0 = cpu_s();
        walk(dir, 1);
        keep_best(t0, c0, parse_s);

        rss_before = rss_kb();
        t0 = now_s();
        c0 = cpu_s();
        if (catalog_load(dir, CATALOG_STRICT, 1764000000, &cat, &pr, &err) < 0) {
            problems_print(&pr, stderr);
            fprintf(stderr, "load failed: %s\n", err.msg);
            return 1;
        }
        keep_best(t0, c0, load_s);
        rss_after = rss_kb() - rss_before;
        arena_bytes = cat->arena.reserved_bytes;
        if ((long)cat->n_targets != n) {
            fprintf(stderr, "loaded %zu targets, expected %ld\n", cat->n_targets, n);
            return 1;
        }
        catalog_free(cat);
        problems_free(&pr);
    }
    printf("targets                         %ld\n", n);
    printf("                                wall s    cpu s   (best of 3 rounds)\n");
    printf("baseline: read every file       %6.3f   %6.3f\n", read_s[0], read_s[1]);
    printf("baseline: read + jansson parse  %6.3f   %6.3f\n", parse_s[0], parse_s[1]);
    printf("catalog_load (validated)        %6.3f   %6.3f\n", load_s[0], load_s[1]);
    printf("ratio load / read               %6.2fx  %6.2fx\n", load_s[0] / read_s[0],
           load_s[1] / read_s[1]);
    printf("ratio load / jansson            %6.2fx  %6.2fx\n", load_s[0] / parse_s[0],
           load_s[1] / parse_s[1]);
    printf("snapshot memory per target      %.0f bytes (arena), %.0f bytes (RSS growth)\n",
           (double)arena_bytes / (double)n, (double)rss_after * 1024.0 / (double)n);
    return 0;
}
