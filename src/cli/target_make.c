/* target_make.c: one targeted fix in the seed's format, checked against the repository
 * before anything is written; the core of `fwhub target create` and of the admin API. */
#include "cli/target_make.h"

#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "core/catalog.h"
#include "core/fsutil.h"
#include "core/version.h"

#define DEFAULT_DAYS 30
#define MAX_DAYS     3650

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

/* Everything target_make knows: the spec, then what was derived. */
struct create {
    const struct target_spec *s;
    const char *repo;
    struct target_made *out;
    struct fw_err *err;
    FILE *diag;

    struct version v;
    int64_t now, expiry;
    char macf[MAC_STR_LEN];
    char created[ISOTIME_STR_LEN];
    const char *hardware, *image_name;
    char hardware_buf[160];
    const struct release *stable;
    bool unknown_device; /* not in devices.csv, allowed by force */
    bool exists;         /* a target (file or image folder) for this MAC is there already */
    char fw_dir_rel[64], image_url[260];
};

/* A field that is wrong: "--<field>: <message>" into err, the field into out. */
static int usage(struct create *cr, const char *field, const char *fmt, ...) FW_PRINTF(3, 4);

static int usage(struct create *cr, const char *field, const char *fmt, ...)
{
    va_list ap;
    int n = snprintf(cr->err->msg, sizeof(cr->err->msg), "--%s: ", field);

    va_start(ap, fmt);
    vsnprintf(cr->err->msg + n, sizeof(cr->err->msg) - (size_t)n, fmt, ap);
    va_end(ap);
    snprintf(cr->out->field, sizeof(cr->out->field), "%s", field);
    return CLI_USAGE;
}

static int failed(struct create *cr, const char *fmt, ...) FW_PRINTF(2, 3);

static int failed(struct create *cr, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(cr->err->msg, sizeof(cr->err->msg), fmt, ap);
    va_end(ap);
    return CLI_FAIL;
}

/* Joins repo and rel into path[CLI_PATH_MAX]. */
static int repo_path(struct create *cr, char *path, const char *rel)
{
    if (fs_join(path, CLI_PATH_MAX, cr->repo, rel) != 0)
        return failed(cr, "%s/%s: path too long", cr->repo, rel);
    return CLI_OK;
}

/* One text: at most TARGET_MAKE_MAX_TEXT bytes of UTF-8 (jansson refuses anything else). */
static int check_text(struct create *cr, const char *field, const char *s)
{
    json_t *j;

    if (!s)
        return CLI_OK;
    if (strlen(s) > TARGET_MAKE_MAX_TEXT)
        return usage(cr, field, "longer than %d bytes", TARGET_MAKE_MAX_TEXT);
    if (!(j = json_string(s)))
        return usage(cr, field, "not valid UTF-8 text");
    json_decref(j);
    return CLI_OK;
}

static int check_items(struct create *cr, const char *field, json_t *arr)
{
    size_t i;
    json_t *v;

    if (!arr)
        return CLI_OK;
    if (!json_is_array(arr) || json_array_size(arr) > TARGET_MAKE_MAX_ITEMS)
        return usage(cr, field, "given more than %d times", TARGET_MAKE_MAX_ITEMS);
    json_array_foreach(arr, i, v)
    {
        if (!json_is_string(v))
            return usage(cr, field, "expected text");
        if (json_string_length(v) > TARGET_MAKE_MAX_TEXT)
            return usage(cr, field, "longer than %d bytes", TARGET_MAKE_MAX_TEXT);
    }
    return CLI_OK;
}

static int check_texts(struct create *cr)
{
    const struct target_spec *s = cr->s;
    const struct {
        const char *field, *value;
    } t[] = {
        {"mac", s->mac},
        {"issue", s->issue},
        {"version", s->version},
        {"model", s->model},
        {"firmware", s->firmware_name ? s->firmware_name : s->firmware},
        {"serial", s->serial},
        {"customer", s->customer},
        {"expires", s->expires},
        {"days", s->days},
        {"changelog", s->changelog},
        {"support-contact", s->support_contact},
        {"hardware-version", s->hardware_version},
        {"rollback-version", s->rollback_version},
    };
    int rc = CLI_OK;

    for (size_t i = 0; i < sizeof(t) / sizeof(t[0]) && rc == CLI_OK; i++)
        rc = check_text(cr, t[i].field, t[i].value);
    if (rc == CLI_OK)
        rc = check_items(cr, "fix", s->fixes);
    if (rc == CLI_OK)
        rc = check_items(cr, "install-step", s->install);
    if (rc == CLI_OK)
        rc = check_items(cr, "verify-step", s->verify);
    return rc;
}

static int check_required(struct create *cr)
{
    const struct target_spec *s = cr->s;
    const struct {
        const char *field, *value;
    } req[] = {
        {"mac", s->mac},     {"issue", s->issue},       {"version", s->version},
        {"model", s->model}, {"firmware", s->firmware},
    };

    for (size_t i = 0; i < sizeof(req) / sizeof(req[0]); i++) {
        if (!req[i].value)
            return usage(cr, req[i].field, "required");
        if (!req[i].value[0])
            return usage(cr, req[i].field, "must not be empty");
    }
    return check_texts(cr);
}

static int check_days(struct create *cr, long *n)
{
    char *end;

    errno = 0;
    *n = strtol(cr->s->days, &end, 10);
    if (end == cr->s->days || *end)
        return usage(cr, "days", "'%s' is not a whole number", cr->s->days);
    if (errno || *n < 1 || *n > MAX_DAYS)
        return usage(cr, "days", "%s is out of range; expected 1 to %d", cr->s->days, MAX_DAYS);
    return CLI_OK;
}

static int check_expiry(struct create *cr)
{
    const char *expires = cr->s->expires, *days = cr->s->days;
    struct fw_err e;
    long n = DEFAULT_DAYS;

    if (expires && days) {
        usage(cr, "expires", "give one of them, not both");
        snprintf(cr->err->msg, sizeof(cr->err->msg),
                 "--expires, --days: give one of them, "
                 "not both");
        return CLI_USAGE;
    }
    if (expires) {
        if (isotime_parse(expires, &cr->expiry, &e) < 0)
            return usage(cr, "expires", "%s", e.msg);
    } else {
        if (days && check_days(cr, &n) != CLI_OK)
            return CLI_USAGE;
        cr->expiry = cr->now + (int64_t)n * 86400;
    }
    isotime_format(cr->expiry, cr->out->expires);
    if (cr->expiry <= cr->now)
        return usage(cr, "expires", "%s is not in the future (now is %s)", cr->out->expires,
                     cr->created);
    return CLI_OK;
}

/* Checks each field on its own, before the repository is read. */
static int check_options(struct create *cr)
{
    const struct target_spec *s = cr->s;
    struct version rv;
    struct fw_err e;
    int rc = check_required(cr);

    if (rc != CLI_OK)
        return rc;
    cr->image_name = s->firmware_name ? s->firmware_name : cli_basename(s->firmware);
    if (mac_parse(s->mac, &cr->out->mac, &e) < 0)
        return usage(cr, "mac", "%s", e.msg);
    if (version_parse(s->version, &cr->v, &e) < 0)
        return usage(cr, "version", "%s", e.msg);
    if (s->rollback_version && version_parse(s->rollback_version, &rv, &e) < 0)
        return usage(cr, "rollback-version", "%s", e.msg);
    if (!cli_safe_name(s->model))
        return usage(cr, "model",
                     "\"%s\" is not a model name; expected letters, digits, '_', '-' and '.'",
                     s->model);
    if (!cli_safe_name(cr->image_name))
        return usage(cr, "firmware",
                     "\"%s\": expected a file name of letters, digits, '_', '-', '+' and '.'",
                     s->firmware_name ? s->firmware_name : s->firmware);
    if (s->support_contact && !s->support_contact[0])
        return usage(cr, "support-contact", "must not be empty");

    mac_format(cr->out->mac, cr->out->macs);
    mac_format_file(cr->out->mac, cr->macf);
    isotime_format(cr->now, cr->created);
    return check_expiry(cr);
}

/* Serial, customer and model from devices.csv, or force for a device it does not know. */
static int check_device(struct create *cr, const struct catalog *c)
{
    const struct device *d = catalog_device(c, cr->out->mac);
    const char *serial = cr->s->serial, *customer = cr->s->customer, *model = cr->s->model;
    const char *macs = cr->out->macs;

    if (!d && !cr->s->force)
        return usage(cr, "mac",
                     "%s is not a known device (not in devices.csv); import it with 'fwhub "
                     "devices import' or give --force",
                     macs);
    if (!d && (!serial || !serial[0]))
        return usage(cr, "serial", "required for a device that is not in devices.csv");
    if (d && serial && strcmp(serial, d->serial) != 0)
        return usage(cr, "serial", "%s differs from %s, the serial devices.csv records for %s",
                     serial, d->serial, macs);
    if (d && d->model && d->model[0] && strcmp(d->model, model) != 0)
        return usage(cr, "model", "%s differs from %s, the model devices.csv records for %s", model,
                     d->model, macs);
    cr->unknown_device = !d;
    snprintf(cr->out->serial, sizeof(cr->out->serial), "%s", serial ? serial : d->serial);
    snprintf(cr->out->customer, sizeof(cr->out->customer), "%s",
             customer           ? customer
             : d && d->customer ? d->customer
                                : "");
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

static int check_release(struct create *cr, const struct catalog *c)
{
    const char *model = cr->s->model, *rollback = cr->s->rollback_version;
    const struct model *m = catalog_model(c, model);

    if (!m)
        return usage(cr, "model",
                     "%s is not a hardware model of manifest.json; add a release with 'fwhub "
                     "release add' first",
                     model);
    if (!rollback) {
        cr->stable = release_below(m, &cr->v);
        if (!cr->stable)
            return usage(cr, "rollback-version",
                         "%s has no general release below %s to roll back to", model,
                         cr->s->version);
    } else {
        cr->stable = catalog_release(c, model, rollback);
        if (!cr->stable)
            return usage(cr, "rollback-version", "%s is not a release of %s in manifest.json",
                         rollback, model);
        if (version_compare(&cr->stable->v, &cr->v) >= 0)
            return usage(cr, "rollback-version", "%s is not below the fix's version %s", rollback,
                         cr->s->version);
    }
    snprintf(cr->out->stable_version, sizeof(cr->out->stable_version), "%s", cr->stable->version);
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

static int check_paths(struct create *cr)
{
    char path[CLI_PATH_MAX];
    struct target_made *o = cr->out;
    bool json_there, fw_there;

    snprintf(o->json_rel, sizeof(o->json_rel), "targeted/%s.json", cr->macf);
    snprintf(cr->fw_dir_rel, sizeof(cr->fw_dir_rel), "targeted/firmware/%s", cr->macf);
    snprintf(o->image_rel, sizeof(o->image_rel), "%s/%s", cr->fw_dir_rel, cr->image_name);
    snprintf(cr->image_url, sizeof(cr->image_url), "/%s", o->image_rel);

    if (repo_path(cr, path, o->json_rel) != CLI_OK)
        return CLI_FAIL;
    json_there = cli_exists(path);
    if (repo_path(cr, path, cr->fw_dir_rel) != CLI_OK)
        return CLI_FAIL;
    fw_there = cli_exists(path);
    cr->exists = json_there || fw_there;
    cr->out->conflict = cr->exists && !cr->s->replace;
    if (cr->out->conflict)
        return failed(cr,
                      "%s: a target for %s exists already; give --replace to archive it and "
                      "write the new one",
                      json_there ? o->json_rel : cr->fw_dir_rel, o->macs);
    return CLI_OK;
}

static int hash_image(struct create *cr)
{
    unsigned char digest[SHA256_LEN];
    struct fw_err e;

    if (sha256_file(cr->s->firmware, digest, &cr->out->size, &e) < 0)
        return failed(cr, "--firmware: %s", e.msg);
    if (cr->out->size == 0) {
        snprintf(cr->out->field, sizeof(cr->out->field), "firmware");
        return failed(cr, "--firmware: %s is empty",
                      cr->s->firmware_name ? cr->s->firmware_name : cr->s->firmware);
    }
    sha256_hex(digest, cr->out->sha256);
    return CLI_OK;
}

/* Checks the spec against the repository: device, model, rollback, existing files. */
static int check_repo(struct create *cr, const struct catalog *c)
{
    int rc = check_release(cr, c);

    if (rc == CLI_OK)
        rc = check_device(cr, c);
    if (rc == CLI_OK)
        rc = check_paths(cr);
    if (rc != CLI_OK)
        return rc;
    cr->hardware = cr->s->hardware_version;
    if (!cr->hardware) {
        hardware_from_model(cr->s->model, cr->hardware_buf, sizeof(cr->hardware_buf));
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

static json_t *build_device(const struct create *cr, json_t *fixes)
{
    char size[32], checksum[80], changelog[TARGET_MAKE_MAX_TEXT + 64];
    const char *given = cr->s->changelog;

    cli_format_size(cr->out->size, size, sizeof(size));
    snprintf(checksum, sizeof(checksum), "sha256:%s", cr->out->sha256);
    /* the changelog is public (update answers, the portal): it never names the ticket */
    snprintf(changelog, sizeof(changelog), "%s",
             given ? given : "TARGETED FIX: a build made for this device.");
    return json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:b, s:O, s:{s:s, s:s}, s:{s:b, s:s}, "
                     "s:I}",
                     "model", cr->s->model, "latest_version", cr->s->version, "url", cr->image_url,
                     "changelog", changelog, "release_date", cr->created, "file_size", size,
                     "hardware_version", cr->hardware, "targeted_fix", 1, "fix_description", fixes,
                     "rollback_info", "stable_version", cr->stable->version, "stable_url",
                     cr->stable->url, "security", "signed", 0, "checksum", checksum, "size_bytes",
                     (json_int_t)cr->out->size);
}

/* The target in the seed's key order, fwhub's additions after the seed's keys. */
static json_t *build_target(const struct create *cr)
{
    const struct target_spec *s = cr->s;
    json_t *fixes = s->fixes ? json_incref(s->fixes) : json_array();
    json_t *dev = fixes ? build_device(cr, fixes) : NULL;
    json_t *install =
        steps(s->install, default_install, sizeof(default_install) / sizeof(default_install[0]));
    json_t *verify =
        steps(s->verify, default_verify, sizeof(default_verify) / sizeof(default_verify[0]));
    json_t *root = NULL;

    if (!dev || !install || !verify)
        goto out;
    root = json_pack("{s:{s:s, s:s, s:s, s:s, s:s}, s:[O], s:{s:O, s:O, s:s}, s:s, s:b}",
                     "customer_info", "mac_address", cr->out->macs, "device_serial",
                     cr->out->serial, "customer_name", cr->out->customer, "issue_ticket", s->issue,
                     "created_date", cr->created, "devices", dev, "instructions", "installation",
                     install, "verification", verify, "support_contact",
                     s->support_contact ? s->support_contact : "", "expiry_date", cr->out->expires,
                     "auto_rollback", s->auto_rollback);
    if (root && cr->unknown_device &&
        json_object_set_new(root, "allow_unknown_device", json_true()) < 0) {
        json_decref(root);
        root = NULL;
    }

out:
    json_decref(fixes);
    json_decref(dev);
    json_decref(install);
    json_decref(verify);
    return root;
}

/* Writes the findings about file to diag and the first one into err after prefix. */
static int findings(struct create *cr, const struct problems *pr, const char *what)
{
    char line[3 * FW_ERRLEN], first[FW_ERRLEN] = "";

    for (size_t i = 0; i < pr->n; i++) {
        if (strcmp(pr->v[i].file, cr->out->json_rel) != 0 || pr->v[i].sev != SEV_ERROR)
            continue;
        problem_format(&pr->v[i], line, sizeof(line));
        if (cr->diag)
            fprintf(cr->diag, "%s\n", line);
        if (!first[0])
            snprintf(first, sizeof(first), "%s", line);
    }
    return failed(cr, "%s: %s%s%s", cr->out->json_rel, what, first[0] ? ": " : "", first);
}

/* Validates the new target as `fwhub validate` will, except for the image, which is not
 * in place yet (its checksum was computed from the source). */
static int prevalidate(struct create *cr, const struct catalog *c, const char *text, size_t len)
{
    struct problems pr = {0};
    struct arena arena = {0};
    struct target *t = NULL;
    int rc = CLI_OK;

    if (target_parse(NULL, cr->out->json_rel, text, len, c, cr->now, 0, &arena, &t, &pr) < 0 ||
        pr.errors > 0)
        rc = findings(cr, &pr, "the new target would not be valid; nothing was written");
    problems_free(&pr);
    arena_free(&arena);
    return rc;
}

/* The copy must be the image that was hashed: the source may have changed meanwhile. */
static int check_copy(struct create *cr)
{
    unsigned char digest[SHA256_LEN];
    char path[CLI_PATH_MAX], hex[SHA256_HEX_LEN];
    struct fw_err e;

    if (repo_path(cr, path, cr->out->image_rel) != CLI_OK)
        return CLI_FAIL;
    if (sha256_file(path, digest, NULL, &e) < 0)
        return failed(cr, "%s", e.msg);
    sha256_hex(digest, hex);
    if (strcmp(hex, cr->out->sha256) != 0)
        return failed(cr, "%s: changed while it was copied (sha256 %s, was %s)", cr->out->image_rel,
                      hex, cr->out->sha256);
    return CLI_OK;
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

/* Reloads the repository with the new files and checks the new target in it. Images
 * are not all hashed again (that can take long in a large repository): the new one is
 * checked by check_copy. */
static int postvalidate(struct create *cr)
{
    struct problems pr = {0};
    struct catalog *c = NULL;
    struct fw_err e = {{0}};
    int rc = check_copy(cr);

    if (rc != CLI_OK)
        return rc;
    if (catalog_load(cr->repo, 0, cr->now, &c, &pr, &e) < 0)
        rc = failed(cr, "cannot load repository %s: %s", cr->repo, e.msg);
    else if (errors_in(&pr, cr->out->json_rel) > 0 || !catalog_target(c, cr->out->mac))
        rc = findings(cr, &pr, "the written target does not validate");
    catalog_free(c);
    problems_free(&pr);
    return rc;
}

/* Takes back what write_files wrote, and brings back an archived target. */
static void undo(struct create *cr)
{
    char path[CLI_PATH_MAX];
    struct fw_err e;

    if (fs_join(path, sizeof(path), cr->repo, cr->out->json_rel) == 0)
        unlink(path);
    if (fs_join(path, sizeof(path), cr->repo, cr->out->image_rel) == 0)
        unlink(path);
    if (fs_join(path, sizeof(path), cr->repo, cr->fw_dir_rel) == 0)
        rmdir(path);
    if (cr->out->archived[0] &&
        cli_unarchive_target(cr->repo, cr->out->mac, cr->out->archived, &e) < 0 && cr->diag)
        fprintf(cr->diag, "fwhub: warning: %s\n", e.msg);
}

static int write_files(struct create *cr, const char *text, size_t len)
{
    char path[CLI_PATH_MAX];
    struct target_made *o = cr->out;
    struct fw_err e;

    o->archived[0] = '\0';
    if (cr->exists &&
        cli_archive_target(cr->repo, o->mac, cr->now, o->archived, sizeof(o->archived), &e) < 0)
        return failed(cr, "%s", e.msg);
    if (repo_path(cr, path, cr->fw_dir_rel) != CLI_OK)
        goto fail;
    if (fs_mkdirs(path, &e) < 0)
        goto fail_err;
    if (repo_path(cr, path, o->image_rel) != CLI_OK)
        goto fail;
    if (fs_copy_atomic(cr->s->firmware, path, 0644, &e) < 0)
        goto fail_err;
    if (repo_path(cr, path, o->json_rel) != CLI_OK)
        goto fail;
    if (fs_write_atomic(path, text, len, 0644, &e) < 0)
        goto fail_err;
    if (postvalidate(cr) != CLI_OK)
        goto fail;
    return CLI_OK;

fail_err:
    failed(cr, "%s", e.msg);
fail:
    undo(cr);
    return CLI_FAIL;
}

/* Builds, checks and writes the target once the spec and the repository agree. */
static int create_target(struct create *cr, const struct catalog *c)
{
    json_t *root = build_target(cr);
    char *text = NULL;
    size_t len;
    int rc = CLI_FAIL;

    if (!root) {
        failed(cr, "%s: cannot build the JSON (out of memory or text that is not UTF-8)",
               cr->out->json_rel);
        goto out;
    }
    text = json_dumps(root, JSON_INDENT(2));
    if (!text) {
        failed(cr, "%s: out of memory", cr->out->json_rel);
        goto out;
    }
    len = strlen(text);
    text[len++] = '\n'; /* the NUL becomes the final newline; len counts it */
    rc = prevalidate(cr, c, text, len);
    if (rc == CLI_OK)
        rc = write_files(cr, text, len);

out:
    free(text);
    json_decref(root);
    return rc;
}

int target_make(const char *repo, const struct target_spec *s, int64_t now, FILE *diag,
                struct target_made *out, struct fw_err *err)
{
    struct create cr = {.s = s, .repo = repo, .out = out, .err = err, .diag = diag, .now = now};
    struct problems pr = {0};
    struct catalog *c = NULL;
    struct fw_err e = {{0}};
    int rc;

    memset(out, 0, sizeof(*out));
    rc = check_options(&cr);
    if (rc != CLI_OK)
        return rc;
    if (catalog_load(repo, 0, now, &c, &pr, &e) < 0) {
        rc = failed(&cr, "cannot load repository %s: %s", repo, e.msg);
        goto out;
    }
    rc = check_repo(&cr, c);
    if (rc == CLI_OK)
        rc = create_target(&cr, c);

out:
    catalog_free(c);
    problems_free(&pr);
    return rc;
}
