/* target_create.c: `fwhub target create`: one targeted fix in the seed's format, checked
 * against the repository before anything is written. */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "core/fsutil.h"
#include "core/isotime.h"
#include "core/mac.h"
#include "core/version.h"
#include "crypto/sha256.h"

#define DEFAULT_DAYS 30
#define MAX_DAYS     3650
#define MAX_TEXT     4096 /* bytes in one option's text */
#define MAX_ITEMS    100  /* repetitions of --fix, --install-step, --verify-step */

static const char usage[] =
    "Usage: fwhub target create --mac M --issue T --version V --model MODEL --firmware FILE\n"
    "                           [options]\n"
    "\n"
    "Copies FILE to targeted/firmware/<MAC>/, computes its sha256 and size, and writes\n"
    "targeted/<MAC>.json (AB_CD_EF_12_34_56.json) in the seed's format. Everything is\n"
    "checked against the repository first; nothing is written when a check fails.\n"
    "\n"
    "Required:\n"
    "  --mac M                 the device's MAC address, in any common spelling\n"
    "  --issue T               the support ticket (customer_info.issue_ticket)\n"
    "  --version V             the fix's version, e.g. 10.2.1-custom\n"
    "  --model MODEL           a hardware model of manifest.json\n"
    "  --firmware FILE         the image to distribute\n"
    "Optional:\n"
    "  --serial S              device serial (default: devices.csv's for this MAC)\n"
    "  --customer NAME         customer name (default: devices.csv's)\n"
    "  --expires DATE          ISO 8601 expiry, e.g. 2024-12-25 or 2024-12-25T00:00:00Z\n"
    "  --days N                expire N days from now (default 30; 1 to 3650)\n"
    "  --changelog TEXT        what the fix changes\n"
    "  --fix TEXT              one item of fix_description (repeatable)\n"
    "  --install-step TEXT     one installation step (repeatable; default: generic steps)\n"
    "  --verify-step TEXT      one verification step (repeatable)\n"
    "  --support-contact EMAIL instructions.support_contact\n"
    "  --hardware-version HW   hardware_version (default: from the model, V2_GEN2 -> V2 GEN2)\n"
    "  --rollback-version V    stable release to roll back to (default: the newest release\n"
    "                          of the model below V)\n"
    "  --auto-rollback         roll the device back to it once the fix expires\n"
    "  --force                 allow a MAC that is not in devices.csv\n"
    "  --replace               archive an existing target for this MAC and write this one\n"
    "  --repo DIR              the repository (default: current directory)\n"
    "  -h, --help              this text\n"
    "\n"
    "Example:\n"
    "  fwhub target create --mac AB:CD:EF:12:34:56 --issue SUPPORT-2024-789 \\\n"
    "      --version 10.2.1-custom --model EVSEPARKER_V2_GEN2 \\\n"
    "      --firmware EVSE_10_2_1_custom.bin --fix 'Custom relay timing' --days 90\n";

static const char *const default_install[] = {
    "1. Download the firmware with the mobile app",
    "2. Make sure the device is powered and not charging",
    "3. Start the over-the-air update from the app",
    "4. Wait for the automatic reboot and verification",
    "5. Test the function that was reported as faulty",
};
static const char *const default_verify[] = {
    "Check that the reported problem no longer occurs",
};

enum {
    OPT_MAC = OPT_FIRST_OWN,
    OPT_ISSUE,
    OPT_VERSION,
    OPT_MODEL,
    OPT_FIRMWARE,
    OPT_SERIAL,
    OPT_CUSTOMER,
    OPT_EXPIRES,
    OPT_DAYS,
    OPT_CHANGELOG,
    OPT_SUPPORT,
    OPT_HARDWARE,
    OPT_ROLLBACK,
    OPT_FIX,
    OPT_INSTALL,
    OPT_VERIFY,
    OPT_AUTO_ROLLBACK,
    OPT_FORCE,
    OPT_REPLACE,
    N_TEXT_OPTS = OPT_FIX - OPT_FIRST_OWN, /* options that hold one text each */
};

static const struct option options[] = {
    {"mac", required_argument, NULL, OPT_MAC},
    {"issue", required_argument, NULL, OPT_ISSUE},
    {"version", required_argument, NULL, OPT_VERSION},
    {"model", required_argument, NULL, OPT_MODEL},
    {"firmware", required_argument, NULL, OPT_FIRMWARE},
    {"serial", required_argument, NULL, OPT_SERIAL},
    {"customer", required_argument, NULL, OPT_CUSTOMER},
    {"expires", required_argument, NULL, OPT_EXPIRES},
    {"days", required_argument, NULL, OPT_DAYS},
    {"changelog", required_argument, NULL, OPT_CHANGELOG},
    {"support-contact", required_argument, NULL, OPT_SUPPORT},
    {"hardware-version", required_argument, NULL, OPT_HARDWARE},
    {"rollback-version", required_argument, NULL, OPT_ROLLBACK},
    {"fix", required_argument, NULL, OPT_FIX},
    {"install-step", required_argument, NULL, OPT_INSTALL},
    {"verify-step", required_argument, NULL, OPT_VERIFY},
    {"auto-rollback", no_argument, NULL, OPT_AUTO_ROLLBACK},
    {"force", no_argument, NULL, OPT_FORCE},
    {"replace", no_argument, NULL, OPT_REPLACE},
    {"repo", required_argument, NULL, OPT_REPO},
    {"help", no_argument, NULL, 'h'},
    {NULL, 0, NULL, 0},
};

/* Everything target create knows: the options as given, then what was derived. */
struct create {
    const char *text[N_TEXT_OPTS]; /* indexed by OPT_x - OPT_FIRST_OWN */
    json_t *fixes, *install, *verify;
    bool auto_rollback, force, replace;

    uint64_t mac;
    char macs[MAC_STR_LEN], macf[MAC_STR_LEN];
    struct version v;
    int64_t now, expiry;
    char created[ISOTIME_STR_LEN], expires[ISOTIME_STR_LEN];
    const char *serial, *customer, *hardware;
    char hardware_buf[160];
    const struct release *stable;
    bool unknown_device; /* not in devices.csv, allowed by --force */
    bool exists;         /* a target (file or image folder) for this MAC is there already */
    char json_rel[64], fw_dir_rel[64], image_rel[256], image_url[260];
    char sha256[SHA256_HEX_LEN];
    uint64_t size;
};

#define TEXT(cr, opt) ((cr)->text[(opt)-OPT_FIRST_OWN])

static const char *opt_name(int c)
{
    for (const struct option *o = options; o->name; o++)
        if (o->val == c)
            return o->name;
    return "?";
}

/* Appends optarg to one of the repeatable options' arrays. */
static int add_item(const struct cli *cli, json_t *arr, int c)
{
    json_t *s;

    if (json_array_size(arr) >= MAX_ITEMS)
        return cli_usage(cli, "--%s: given more than %d times", opt_name(c), MAX_ITEMS);
    s = json_string(optarg);
    if (!s)
        return cli_usage(cli, "--%s: not valid UTF-8 text", opt_name(c));
    if (strlen(optarg) > MAX_TEXT) {
        json_decref(s);
        return cli_usage(cli, "--%s: longer than %d bytes", opt_name(c), MAX_TEXT);
    }
    if (json_array_append_new(arr, s) < 0)
        return cli_fail("out of memory");
    return CLI_OK;
}

static int set_option(const struct cli *cli, struct create *cr, int c)
{
    switch (c) {
    case OPT_FIX:
        return add_item(cli, cr->fixes, c);
    case OPT_INSTALL:
        return add_item(cli, cr->install, c);
    case OPT_VERIFY:
        return add_item(cli, cr->verify, c);
    case OPT_AUTO_ROLLBACK:
        cr->auto_rollback = true;
        return CLI_OK;
    case OPT_FORCE:
        cr->force = true;
        return CLI_OK;
    case OPT_REPLACE:
        cr->replace = true;
        return CLI_OK;
    default:
        break;
    }
    if (c < OPT_FIRST_OWN || c >= OPT_FIX)
        return cli_usage(cli, "unexpected option");
    if (TEXT(cr, c))
        return cli_usage(cli, "--%s: given twice", opt_name(c));
    if (strlen(optarg) > MAX_TEXT)
        return cli_usage(cli, "--%s: longer than %d bytes", opt_name(c), MAX_TEXT);
    TEXT(cr, c) = optarg;
    return CLI_OK;
}

static int parse_options(struct cli *cli, struct create *cr, int argc, char **argv)
{
    int c, rc;

    cli_getopt_reset();
    while ((c = getopt_long(argc, argv, ":h", options, NULL)) != -1) {
        rc = cli_common_opt(cli, c, argv, usage);
        if (rc == CLI_NEXT)
            continue;
        if (rc != CLI_MINE)
            return rc;
        rc = set_option(cli, cr, c);
        if (rc != CLI_OK)
            return rc;
    }
    return cli_no_more_args(cli, argc, argv, 0);
}

/* Every text that goes into the JSON must be UTF-8: jansson refuses anything else. */
static int check_texts(const struct cli *cli, const struct create *cr)
{
    for (int i = 0; i < N_TEXT_OPTS; i++) {
        json_t *s;

        if (!cr->text[i])
            continue;
        s = json_string(cr->text[i]);
        if (!s)
            return cli_usage(cli, "--%s: not valid UTF-8 text", opt_name(OPT_FIRST_OWN + i));
        json_decref(s);
    }
    return CLI_OK;
}

static int check_required(const struct cli *cli, const struct create *cr)
{
    static const int required[] = {OPT_MAC, OPT_ISSUE, OPT_VERSION, OPT_MODEL, OPT_FIRMWARE};

    for (size_t i = 0; i < sizeof(required) / sizeof(required[0]); i++) {
        const char *s = TEXT(cr, required[i]);

        if (!s)
            return cli_usage(cli, "--%s: required", opt_name(required[i]));
        if (!s[0])
            return cli_usage(cli, "--%s: must not be empty", opt_name(required[i]));
    }
    return check_texts(cli, cr);
}

static int check_expiry(const struct cli *cli, struct create *cr)
{
    const char *expires = TEXT(cr, OPT_EXPIRES), *days = TEXT(cr, OPT_DAYS);
    struct fw_err err;
    long n = DEFAULT_DAYS;

    if (expires && days)
        return cli_usage(cli, "--expires, --days: give one of them, not both");
    if (expires) {
        if (isotime_parse(expires, &cr->expiry, &err) < 0)
            return cli_usage(cli, "--expires: %s", err.msg);
    } else {
        if (days && cli_parse_long(cli, "--days", days, 1, MAX_DAYS, &n) < 0)
            return CLI_USAGE;
        cr->expiry = cr->now + (int64_t)n * 86400;
    }
    isotime_format(cr->expiry, cr->expires);
    if (cr->expiry <= cr->now)
        return cli_usage(cli, "--expires: %s is not in the future (now is %s)", cr->expires,
                         cr->created);
    return CLI_OK;
}

/* Checks each option on its own, before the repository is read. */
static int check_options(const struct cli *cli, struct create *cr)
{
    const char *rollback = TEXT(cr, OPT_ROLLBACK), *contact = TEXT(cr, OPT_SUPPORT);
    const char *firmware = TEXT(cr, OPT_FIRMWARE);
    struct version rv;
    struct fw_err err;
    int rc = check_required(cli, cr);

    if (rc != CLI_OK)
        return rc;
    if (mac_parse(TEXT(cr, OPT_MAC), &cr->mac, &err) < 0)
        return cli_usage(cli, "--mac: %s", err.msg);
    if (version_parse(TEXT(cr, OPT_VERSION), &cr->v, &err) < 0)
        return cli_usage(cli, "--version: %s", err.msg);
    if (rollback && version_parse(rollback, &rv, &err) < 0)
        return cli_usage(cli, "--rollback-version: %s", err.msg);
    if (!cli_safe_name(TEXT(cr, OPT_MODEL)))
        return cli_usage(cli,
                         "--model: \"%s\" is not a model name; expected letters, digits, "
                         "'_', '-' and '.'",
                         TEXT(cr, OPT_MODEL));
    if (!cli_safe_name(cli_basename(firmware)))
        return cli_usage(cli,
                         "--firmware: \"%s\": expected a file name of letters, digits, "
                         "'_', '-', '+' and '.'",
                         firmware);
    if (contact && !contact[0])
        return cli_usage(cli, "--support-contact: must not be empty");

    mac_format(cr->mac, cr->macs);
    mac_format_file(cr->mac, cr->macf);
    isotime_format(cr->now, cr->created);
    return check_expiry(cli, cr);
}

/* Serial, customer and model from devices.csv, or --force for a device it does not know. */
static int check_device(const struct cli *cli, const struct catalog *c, struct create *cr)
{
    const struct device *d = catalog_device(c, cr->mac);
    const char *serial = TEXT(cr, OPT_SERIAL), *customer = TEXT(cr, OPT_CUSTOMER);
    const char *model = TEXT(cr, OPT_MODEL);

    if (!d && !cr->force)
        return cli_usage(cli,
                         "--mac: %s is not a known device (not in devices.csv); import it "
                         "with 'fwhub devices import' or give --force",
                         cr->macs);
    if (!d && (!serial || !serial[0]))
        return cli_usage(cli, "--serial: required for a device that is not in devices.csv");
    if (d && serial && strcmp(serial, d->serial) != 0)
        return cli_usage(cli,
                         "--serial: %s differs from %s, the serial devices.csv records for "
                         "%s",
                         serial, d->serial, cr->macs);
    if (d && d->model && d->model[0] && strcmp(d->model, model) != 0)
        return cli_usage(cli, "--model: %s differs from %s, the model devices.csv records for %s",
                         model, d->model, cr->macs);
    cr->unknown_device = !d;
    cr->serial = serial ? serial : d->serial;
    cr->customer = customer ? customer : d && d->customer ? d->customer : "";
    return CLI_OK;
}

/* The newest release of m below the fix's version: what the device ran before. */
static const struct release *release_below(const struct model *m, const struct version *v)
{
    for (size_t i = m->n_releases; i-- > 0;)
        if (version_compare(&m->releases[i].v, v) < 0)
            return &m->releases[i];
    return NULL;
}

static int check_release(const struct cli *cli, const struct catalog *c, struct create *cr)
{
    const char *model = TEXT(cr, OPT_MODEL), *rollback = TEXT(cr, OPT_ROLLBACK);
    const struct model *m = catalog_model(c, model);

    if (!m)
        return cli_usage(cli,
                         "--model: %s is not a hardware model of manifest.json; add a "
                         "release with 'fwhub release add' first",
                         model);
    if (!rollback) {
        cr->stable = release_below(m, &cr->v);
        if (!cr->stable)
            return cli_usage(cli,
                             "--rollback-version: %s has no general release below %s to roll "
                             "back to",
                             model, TEXT(cr, OPT_VERSION));
        return CLI_OK;
    }
    cr->stable = catalog_release(c, model, rollback);
    if (!cr->stable)
        return cli_usage(cli, "--rollback-version: %s is not a release of %s in manifest.json",
                         rollback, model);
    if (version_compare(&cr->stable->v, &cr->v) >= 0)
        return cli_usage(cli, "--rollback-version: %s is not below the fix's version %s", rollback,
                         TEXT(cr, OPT_VERSION));
    return CLI_OK;
}

/* "EVSEPARKER_V2_GEN2" -> "V2 GEN2": the seed's hardware_version for its model. */
static void hardware_from_model(const char *model, char *out, size_t len)
{
    const char *p = strchr(model, '_');

    snprintf(out, len, "%s", p && p[1] ? p + 1 : model);
    for (char *q = out; *q; q++)
        if (*q == '_')
            *q = ' ';
}

static int check_paths(const struct cli *cli, struct create *cr)
{
    char path[CLI_PATH_MAX];
    const char *base = cli_basename(TEXT(cr, OPT_FIRMWARE));
    bool json_there, fw_there;

    snprintf(cr->json_rel, sizeof(cr->json_rel), "targeted/%s.json", cr->macf);
    snprintf(cr->fw_dir_rel, sizeof(cr->fw_dir_rel), "targeted/firmware/%s", cr->macf);
    snprintf(cr->image_rel, sizeof(cr->image_rel), "%s/%s", cr->fw_dir_rel, base);
    snprintf(cr->image_url, sizeof(cr->image_url), "/%s", cr->image_rel);

    if (cli_path(path, sizeof(path), cli->repo, cr->json_rel) < 0)
        return CLI_FAIL;
    json_there = cli_exists(path);
    if (cli_path(path, sizeof(path), cli->repo, cr->fw_dir_rel) < 0)
        return CLI_FAIL;
    fw_there = cli_exists(path);
    cr->exists = json_there || fw_there;
    if (cr->exists && !cr->replace)
        return cli_fail("%s: a target for %s exists already; give --replace to archive it and "
                        "write the new one",
                        json_there ? cr->json_rel : cr->fw_dir_rel, cr->macs);
    return CLI_OK;
}

static int hash_image(struct create *cr)
{
    unsigned char digest[SHA256_LEN];
    struct fw_err err;

    if (sha256_file(TEXT(cr, OPT_FIRMWARE), digest, &cr->size, &err) < 0)
        return cli_fail("--firmware: %s", err.msg);
    if (cr->size == 0)
        return cli_fail("--firmware: %s is empty", TEXT(cr, OPT_FIRMWARE));
    sha256_hex(digest, cr->sha256);
    return CLI_OK;
}

/* Checks the options against the repository: device, model, rollback, existing files. */
static int check_repo(const struct cli *cli, const struct catalog *c, struct create *cr)
{
    int rc = check_release(cli, c, cr);

    if (rc == CLI_OK)
        rc = check_device(cli, c, cr);
    if (rc == CLI_OK)
        rc = check_paths(cli, cr);
    if (rc != CLI_OK)
        return rc;
    cr->hardware = TEXT(cr, OPT_HARDWARE);
    if (!cr->hardware) {
        hardware_from_model(TEXT(cr, OPT_MODEL), cr->hardware_buf, sizeof(cr->hardware_buf));
        cr->hardware = cr->hardware_buf;
    }
    return hash_image(cr);
}

/* The given steps, or the defaults when none were given. */
static json_t *steps(json_t *given, const char *const *defaults, size_t n)
{
    json_t *arr;

    if (json_array_size(given) > 0)
        return json_incref(given);
    arr = json_array();
    for (size_t i = 0; arr && i < n; i++)
        if (json_array_append_new(arr, json_string(defaults[i])) < 0) {
            json_decref(arr);
            return NULL;
        }
    return arr;
}

static json_t *build_device(const struct create *cr)
{
    char size[32], checksum[80], changelog[MAX_TEXT + 64];
    const char *given = TEXT(cr, OPT_CHANGELOG);

    cli_format_size(cr->size, size, sizeof(size));
    snprintf(checksum, sizeof(checksum), "sha256:%s", cr->sha256);
    /* the changelog is public (update answers, the portal): it never names the ticket */
    snprintf(changelog, sizeof(changelog), "%s",
             given ? given : "TARGETED FIX: a build made for this device.");
    return json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:b, s:O, s:{s:s, s:s}, s:{s:b, s:s}, "
                     "s:I}",
                     "model", TEXT(cr, OPT_MODEL), "latest_version", TEXT(cr, OPT_VERSION), "url",
                     cr->image_url, "changelog", changelog, "release_date", cr->created,
                     "file_size", size, "hardware_version", cr->hardware, "targeted_fix", 1,
                     "fix_description", cr->fixes, "rollback_info", "stable_version",
                     cr->stable->version, "stable_url", cr->stable->url, "security", "signed", 0,
                     "checksum", checksum, "size_bytes", (json_int_t)cr->size);
}

/* The target in the seed's key order, fwhub's additions after the seed's keys. */
static json_t *build_target(const struct create *cr)
{
    const char *contact = TEXT(cr, OPT_SUPPORT);
    json_t *dev = build_device(cr);
    json_t *install =
        steps(cr->install, default_install, sizeof(default_install) / sizeof(default_install[0]));
    json_t *verify =
        steps(cr->verify, default_verify, sizeof(default_verify) / sizeof(default_verify[0]));
    json_t *root = NULL;

    if (!dev || !install || !verify)
        goto out;
    root = json_pack("{s:{s:s, s:s, s:s, s:s, s:s}, s:[O], s:{s:O, s:O, s:s}, s:s, s:b}",
                     "customer_info", "mac_address", cr->macs, "device_serial", cr->serial,
                     "customer_name", cr->customer, "issue_ticket", TEXT(cr, OPT_ISSUE),
                     "created_date", cr->created, "devices", dev, "instructions", "installation",
                     install, "verification", verify, "support_contact", contact ? contact : "",
                     "expiry_date", cr->expires, "auto_rollback", cr->auto_rollback);
    if (root && cr->unknown_device &&
        json_object_set_new(root, "allow_unknown_device", json_true()) < 0) {
        json_decref(root);
        root = NULL;
    }

out:
    json_decref(dev);
    json_decref(install);
    json_decref(verify);
    return root;
}

/* Counts the errors reported for file. */
static size_t errors_in(const struct problems *pr, const char *file)
{
    size_t n = 0;

    for (size_t i = 0; i < pr->n; i++)
        if (pr->v[i].sev == SEV_ERROR && strcmp(pr->v[i].file, file) == 0)
            n++;
    return n;
}

/* Validates the new target as `fwhub validate` will, except for the image, which is not
 * in place yet (its checksum was computed from the source). */
static int prevalidate(const struct catalog *c, const struct create *cr, const char *text,
                       size_t len)
{
    struct problems pr = {0};
    struct arena arena = {0};
    struct target *t = NULL;
    int rc = CLI_OK;

    if (target_parse(NULL, cr->json_rel, text, len, c, cr->now, 0, &arena, &t, &pr) < 0 ||
        pr.errors > 0) {
        problems_print(&pr, stderr);
        rc = cli_fail("%s: the new target would not be valid; nothing was written", cr->json_rel);
    }
    problems_free(&pr);
    arena_free(&arena);
    return rc;
}

/* The copy must be the image that was hashed: the source may have changed meanwhile. */
static int check_copy(const struct cli *cli, const struct create *cr)
{
    unsigned char digest[SHA256_LEN];
    char path[CLI_PATH_MAX], hex[SHA256_HEX_LEN];
    struct fw_err err;

    if (cli_path(path, sizeof(path), cli->repo, cr->image_rel) < 0)
        return CLI_FAIL;
    if (sha256_file(path, digest, NULL, &err) < 0)
        return cli_fail("%s", err.msg);
    sha256_hex(digest, hex);
    if (strcmp(hex, cr->sha256) != 0)
        return cli_fail("%s: changed while it was copied (sha256 %s, was %s)", cr->image_rel, hex,
                        cr->sha256);
    return CLI_OK;
}

/* Reloads the repository with the new files and checks the new target in it. Images
 * are not all hashed again (that can take long in a large repository): the new one is
 * checked by check_copy. */
static int postvalidate(const struct cli *cli, const struct create *cr)
{
    struct problems pr = {0};
    struct catalog *c = NULL;
    char line[3 * FW_ERRLEN];
    int rc = check_copy(cli, cr);

    if (rc != CLI_OK)
        return rc;
    if (cli_load(cli, 0, cr->now, &c, &pr) < 0) {
        rc = CLI_FAIL;
    } else if (errors_in(&pr, cr->json_rel) > 0 || !catalog_target(c, cr->mac)) {
        for (size_t i = 0; i < pr.n; i++) {
            if (strcmp(pr.v[i].file, cr->json_rel) != 0)
                continue;
            problem_format(&pr.v[i], line, sizeof(line));
            fprintf(stderr, "%s\n", line);
        }
        rc = cli_fail("%s: the written target does not validate", cr->json_rel);
    }
    catalog_free(c);
    problems_free(&pr);
    return rc;
}

/* Takes back what write_files wrote, and brings back an archived target. */
static void undo(const struct cli *cli, const struct create *cr, const char *archived)
{
    char path[CLI_PATH_MAX];
    struct fw_err err;

    if (fs_join(path, sizeof(path), cli->repo, cr->json_rel) == 0)
        unlink(path);
    if (fs_join(path, sizeof(path), cli->repo, cr->image_rel) == 0)
        unlink(path);
    if (fs_join(path, sizeof(path), cli->repo, cr->fw_dir_rel) == 0)
        rmdir(path);
    if (archived[0] && cli_unarchive_target(cli->repo, cr->mac, archived, &err) < 0)
        cli_warn("%s", err.msg);
}

static int write_files(const struct cli *cli, const struct create *cr, const char *text, size_t len,
                       char *archived, size_t alen)
{
    char path[CLI_PATH_MAX];
    struct fw_err err;

    archived[0] = '\0';
    if (cr->exists && cli_archive_target(cli->repo, cr->mac, cr->now, archived, alen, &err) < 0)
        return cli_fail("%s", err.msg);
    if (cli_path(path, sizeof(path), cli->repo, cr->fw_dir_rel) < 0)
        goto fail;
    if (fs_mkdirs(path, &err) < 0)
        goto fail_err;
    if (cli_path(path, sizeof(path), cli->repo, cr->image_rel) < 0)
        goto fail;
    if (fs_copy_atomic(TEXT(cr, OPT_FIRMWARE), path, 0644, &err) < 0)
        goto fail_err;
    if (cli_path(path, sizeof(path), cli->repo, cr->json_rel) < 0)
        goto fail;
    if (fs_write_atomic(path, text, len, 0644, &err) < 0)
        goto fail_err;
    if (postvalidate(cli, cr) != CLI_OK)
        goto fail;
    return CLI_OK;

fail_err:
    cli_fail("%s", err.msg);
fail:
    undo(cli, cr, archived);
    return CLI_FAIL;
}

static void report(const struct create *cr, const char *archived)
{
    char size[32];

    cli_format_size(cr->size, size, sizeof(size));
    printf("created %s\n", cr->json_rel);
    printf("  device    %s, serial %s%s%s\n", cr->macs, cr->serial, cr->customer[0] ? ", " : "",
           cr->customer);
    printf("  fix       %s %s (ticket %s)\n", TEXT(cr, OPT_MODEL), TEXT(cr, OPT_VERSION),
           TEXT(cr, OPT_ISSUE));
    printf("  image     %s (%s, sha256:%s)\n", cr->image_rel, size, cr->sha256);
    printf("  rollback  %s%s\n", cr->stable->version,
           cr->auto_rollback ? ", automatic after expiry" : "");
    printf("  expires   %s\n", cr->expires);
    if (archived[0])
        printf("  replaced  the previous target, now in %s/\n", archived);
}

/* Builds, checks and writes the target once the options and the repository agree. */
static int create_target(const struct cli *cli, const struct catalog *c, struct create *cr)
{
    json_t *root = build_target(cr);
    char *text = NULL, archived[160];
    size_t len;
    int rc = CLI_FAIL;

    if (!root) {
        cli_fail("%s: cannot build the JSON (out of memory or text that is not UTF-8)",
                 cr->json_rel);
        goto out;
    }
    text = json_dumps(root, JSON_INDENT(2));
    if (!text) {
        cli_fail("%s: out of memory", cr->json_rel);
        goto out;
    }
    len = strlen(text);
    text[len++] = '\n'; /* the NUL becomes the final newline; len counts it */
    rc = prevalidate(c, cr, text, len);
    if (rc == CLI_OK)
        rc = write_files(cli, cr, text, len, archived, sizeof(archived));
    if (rc == CLI_OK)
        report(cr, archived);
    if (rc == CLI_OK)
        rc = cli_audit(cli, archived[0] ? "target.replaced" : "target.created", cr->mac,
                       TEXT(cr, OPT_VERSION), "%s: model %s, ticket %s, expires %s%s%s",
                       cr->json_rel, TEXT(cr, OPT_MODEL), TEXT(cr, OPT_ISSUE), cr->expires,
                       archived[0] ? "; the previous target is in " : "", archived);

out:
    free(text);
    json_decref(root);
    return rc;
}

int target_create(struct cli *cli, int argc, char **argv)
{
    struct create cr = {0};
    struct problems pr = {0};
    struct catalog *c = NULL;
    int rc = CLI_FAIL;

    cr.now = isotime_now();
    cr.fixes = json_array();
    cr.install = json_array();
    cr.verify = json_array();
    if (!cr.fixes || !cr.install || !cr.verify) {
        cli_fail("out of memory");
        goto out;
    }
    rc = parse_options(cli, &cr, argc, argv);
    if (rc != CLI_OK)
        goto out;
    rc = check_options(cli, &cr);
    if (rc != CLI_OK)
        goto out;
    rc = CLI_FAIL;
    if (cli_load(cli, 0, cr.now, &c, &pr) < 0)
        goto out;
    rc = check_repo(cli, c, &cr);
    if (rc == CLI_OK)
        rc = create_target(cli, c, &cr);

out:
    catalog_free(c);
    problems_free(&pr);
    json_decref(cr.fixes);
    json_decref(cr.install);
    json_decref(cr.verify);
    return rc == CLI_HELP ? CLI_OK : rc;
}
