/* cmd_release.c: `fwhub release add|list`: the general releases of manifest.json. */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "core/fsutil.h"
#include "core/isotime.h"
#include "core/version.h"
#include "crypto/sha256.h"

#define MAX_TEXT 4096

static const char usage_group[] =
    "Usage: fwhub release <subcommand> [options]\n"
    "\n"
    "General releases: what every device of a hardware model gets (manifest.json,\n"
    "firmware/<MODEL>/).\n"
    "\n"
    "Subcommands:\n"
    "  add --model M --version V --firmware FILE [--changelog TEXT] [--release-date DATE]\n"
    "                          copy the image and add the release to manifest.json\n"
    "  list [--model M] [--json]\n"
    "                          the releases, oldest first per model\n"
    "\n"
    "'fwhub release <subcommand> --help' describes each.\n";

static const char usage_add[] =
    "Usage: fwhub release add --model M --version V --firmware FILE [options]\n"
    "\n"
    "Copies FILE to firmware/<M>/ and adds {version, url, description, release_date,\n"
    "file_size, sha256, size_bytes} to hardware_models.<M>.firmware_versions of\n"
    "manifest.json, creating the model (and manifest.json) when missing. Every other key\n"
    "of manifest.json is kept, in its order. A version the model has already is refused.\n"
    "\n"
    "  --model M             hardware model, e.g. EVSEPARKER_V2_GEN2\n"
    "  --version V           the release's version, e.g. 10.2.0\n"
    "  --firmware FILE       the image\n"
    "  --changelog TEXT      the release's description\n"
    "  --release-date DATE   ISO 8601 date (default: now)\n"
    "  --repo DIR            the repository (default: current directory)\n"
    "  -h, --help            this text\n"
    "\n"
    "Example:\n"
    "  fwhub release add --model EVSEPARKER_V3 --version 11.1.0 --firmware EVSE_11_1_0.bin \\\n"
    "      --changelog 'Faster OCPP reconnect'\n";

static const char usage_list[] =
    "Usage: fwhub release list [--model M] [--json] [--repo DIR]\n"
    "\n"
    "Lists the general releases: model, version, date, size, sha256, URL.\n"
    "\n"
    "  --model M    only this model's releases\n"
    "  --json       a JSON array instead of a table\n"
    "  --repo DIR   the repository (default: current directory)\n"
    "  -h, --help   this text\n";

enum { OPT_MODEL = OPT_FIRST_OWN, OPT_VERSION, OPT_FIRMWARE, OPT_CHANGELOG, OPT_DATE, OPT_JSON };

static const struct option add_options[] = {
    {"model", required_argument, NULL, OPT_MODEL},
    {"version", required_argument, NULL, OPT_VERSION},
    {"firmware", required_argument, NULL, OPT_FIRMWARE},
    {"changelog", required_argument, NULL, OPT_CHANGELOG},
    {"release-date", required_argument, NULL, OPT_DATE},
    {"repo", required_argument, NULL, OPT_REPO},
    {"help", no_argument, NULL, 'h'},
    {NULL, 0, NULL, 0},
};

static const struct option list_options[] = {
    {"model", required_argument, NULL, OPT_MODEL},
    {"json", no_argument, NULL, OPT_JSON},
    {"repo", required_argument, NULL, OPT_REPO},
    {"help", no_argument, NULL, 'h'},
    {NULL, 0, NULL, 0},
};

/* The options of both subcommands, and what release add derives from them. */
struct rel {
    const char *model, *version, *firmware, *changelog, *date;
    bool json;
    char now[ISOTIME_STR_LEN];
    char image_rel[300], url[304];
    char sha256[SHA256_HEX_LEN];
    uint64_t size;
    bool copied;
    char *prev; /* manifest.json as read, put back should the write not become durable */
    size_t prev_len;
};

static const char *opt_name(const struct option *options, int c)
{
    for (const struct option *o = options; o->name; o++)
        if (o->val == c)
            return o->name;
    return "?";
}

/* Where the text of option c goes. */
static const char **text_slot(struct rel *r, int c)
{
    switch (c) {
    case OPT_MODEL:
        return &r->model;
    case OPT_VERSION:
        return &r->version;
    case OPT_FIRMWARE:
        return &r->firmware;
    case OPT_CHANGELOG:
        return &r->changelog;
    default:
        return &r->date;
    }
}

static int set_text(const struct cli *cli, const char **slot, const char *name)
{
    if (*slot)
        return cli_usage(cli, "--%s: given twice", name);
    if (strlen(optarg) > MAX_TEXT)
        return cli_usage(cli, "--%s: longer than %d bytes", name, MAX_TEXT);
    *slot = optarg;
    return CLI_OK;
}

static int parse(struct cli *cli, int argc, char **argv, const struct option *options,
                 const char *usage, struct rel *r)
{
    int c, rc;

    cli_getopt_reset();
    while ((c = getopt_long(argc, argv, ":h", options, NULL)) != -1) {
        rc = cli_common_opt(cli, c, argv, usage);
        if (rc == CLI_NEXT)
            continue;
        if (rc != CLI_MINE)
            return rc;
        if (c == OPT_JSON) {
            r->json = true;
            continue;
        }
        rc = set_text(cli, text_slot(r, c), opt_name(options, c));
        if (rc != CLI_OK)
            return rc;
    }
    return cli_no_more_args(cli, argc, argv, 0);
}

/* ---- add ---- */

static int check_add(const struct cli *cli, const struct rel *r)
{
    struct version v;
    struct fw_err err;
    int64_t t;
    json_t *s;

    if (!r->model || !r->version || !r->firmware)
        return cli_usage(cli, "%s: required",
                         !r->model     ? "--model"
                         : !r->version ? "--version"
                                       : "--firmware");
    if (!cli_safe_name(r->model))
        return cli_usage(cli,
                         "--model: \"%s\" is not a model name; expected letters, digits, "
                         "'_', '-' and '.'",
                         r->model);
    if (version_parse(r->version, &v, &err) < 0)
        return cli_usage(cli, "--version: %s", err.msg);
    if (!cli_safe_name(cli_basename(r->firmware)))
        return cli_usage(cli,
                         "--firmware: \"%s\": expected a file name of letters, digits, "
                         "'_', '-', '+' and '.'",
                         r->firmware);
    if (r->date && isotime_parse(r->date, &t, &err) < 0)
        return cli_usage(cli, "--release-date: %s", err.msg);
    s = json_string(r->changelog ? r->changelog : "");
    if (!s)
        return cli_usage(cli, "--changelog: not valid UTF-8 text");
    json_decref(s);
    return CLI_OK;
}

/* manifest.json as it is, or a new one when the repository has none; its text goes to
 * r->prev (NULL when there is none), owned by the caller. */
static int read_manifest(const char *path, struct rel *r, json_t **root)
{
    json_error_t jerr;
    struct fw_err err;

    if (!cli_exists(path)) {
        *root = json_pack("{s:{}}", "hardware_models");
        return *root ? CLI_OK : cli_fail("out of memory");
    }
    if (fs_read_file(path, MANIFEST_FILE_MAX, &r->prev, &r->prev_len, &err) < 0)
        return cli_fail("%s", err.msg);
    *root = json_loadb(r->prev, r->prev_len, JSON_REJECT_DUPLICATES, &jerr);
    if (!*root)
        return cli_fail("manifest.json:%d:%d: invalid JSON: %s; fix it first ('fwhub validate')",
                        jerr.line, jerr.column, jerr.text);
    if (!json_is_object(*root))
        return cli_fail("manifest.json: expected a JSON object; fix it first");
    return CLI_OK;
}

/* The member key of obj, created as an empty object or array when missing. */
static json_t *member(json_t *obj, const char *key, bool array)
{
    json_t *m = json_object_get(obj, key);

    if (m)
        return (array ? json_is_array(m) : json_is_object(m)) ? m : NULL;
    m = array ? json_array() : json_object();
    if (!m || json_object_set_new(obj, key, m) < 0)
        return NULL;
    return m;
}

static json_t *versions_of(json_t *root, const char *model)
{
    json_t *models = member(root, "hardware_models", false);
    json_t *m = models ? member(models, model, false) : NULL;

    return m ? member(m, "firmware_versions", true) : NULL;
}

static int check_duplicate(json_t *versions, const struct rel *r)
{
    json_t *e;
    size_t i;

    json_array_foreach(versions, i, e)
    {
        const char *v = json_string_value(json_object_get(e, "version"));
        struct version a, b;
        struct fw_err err;

        if (!v || version_parse(v, &a, &err) < 0 || version_parse(r->version, &b, &err) < 0)
            continue;
        if (version_compare(&a, &b) == 0)
            return cli_fail("%s %s is already a release in manifest.json "
                            "(hardware_models.%s.firmware_versions[%zu], version %s)",
                            r->model, r->version, r->model, i, v);
    }
    return CLI_OK;
}

/* Hashes the image; an image of that name already in firmware/<M>/ must be the same. */
static int check_image(struct rel *r, const char *dst)
{
    unsigned char digest[SHA256_LEN];
    char there[SHA256_HEX_LEN];
    struct fw_err err;

    if (sha256_file(r->firmware, digest, &r->size, &err) < 0)
        return cli_fail("--firmware: %s", err.msg);
    if (r->size == 0)
        return cli_fail("--firmware: %s is empty", r->firmware);
    sha256_hex(digest, r->sha256);
    if (!cli_exists(dst))
        return CLI_OK;
    if (sha256_file(dst, digest, NULL, &err) < 0)
        return cli_fail("%s", err.msg);
    sha256_hex(digest, there);
    if (strcmp(there, r->sha256) != 0)
        return cli_fail("%s exists already with other contents (sha256 %s); give the image "
                        "another name",
                        r->image_rel, there);
    return CLI_OK;
}

static json_t *release_entry(const struct rel *r)
{
    char size[32];

    cli_format_size(r->size, size, sizeof(size));
    return json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:I}", "version", r->version, "url", r->url,
                     "description", r->changelog ? r->changelog : "", "release_date",
                     r->date ? r->date : r->now, "file_size", size, "sha256", r->sha256,
                     "size_bytes", (json_int_t)r->size);
}

/* Copies the image (unless the same one is there) and writes the manifest, all or nothing:
 * should the manifest not be written, or its write not become durable and the previous
 * manifest be put back, a copied image goes again. */
static int write_release(const struct cli *cli, struct rel *r, json_t *root, const char *dst)
{
    char dir[CLI_PATH_MAX], path[CLI_PATH_MAX];
    struct fw_err err;
    char *text = NULL;
    size_t len;
    int rc = CLI_FAIL;
    int wrc;

    if (cli_path(dir, sizeof(dir), cli->repo, "firmware") < 0 ||
        fs_join(dir, sizeof(dir), dir, r->model) != 0 ||
        cli_path(path, sizeof(path), cli->repo, "manifest.json") < 0)
        goto out;
    text = json_dumps(root, JSON_INDENT(2));
    if (!text) {
        cli_fail("manifest.json: out of memory");
        goto out;
    }
    if (!cli_exists(dst)) {
        if (fs_mkdirs(dir, &err) < 0)
            goto fail;
        wrc = fs_copy_atomic(r->firmware, dst, 0644, &err);
        /* a copy that is not durable is in place all the same, and has to go again */
        r->copied = wrc == 0 || wrc == FS_NOT_DURABLE;
        if (wrc < 0)
            goto fail;
    }
    len = strlen(text);
    text[len] = '\n'; /* the NUL becomes the final newline */
    wrc = fs_replace_atomic(path, text, len + 1, r->prev, r->prev_len, 0644, &err);
    if (wrc == FS_NOT_DURABLE) {
        /* the new manifest stayed, so does the image it lists */
        cli_fail("%s", err.msg);
        goto out;
    }
    if (wrc < 0)
        goto fail;
    rc = CLI_OK;
    goto out;

fail:
    cli_fail("%s", err.msg);
    if (r->copied)
        unlink(dst);
out:
    free(text);
    return rc;
}

static int add_to(const struct cli *cli, struct rel *r, json_t *root)
{
    char dst[CLI_PATH_MAX], size[32];
    json_t *versions = versions_of(root, r->model);
    int rc;

    if (!versions)
        return cli_fail("manifest.json: hardware_models.%s.firmware_versions is not an array "
                        "(or a part of that path is not an object)",
                        r->model);
    rc = check_duplicate(versions, r);
    if (rc != CLI_OK)
        return rc;
    snprintf(r->image_rel, sizeof(r->image_rel), "firmware/%s/%s", r->model,
             cli_basename(r->firmware));
    snprintf(r->url, sizeof(r->url), "/%s", r->image_rel);
    if (cli_path(dst, sizeof(dst), cli->repo, r->image_rel) < 0)
        return CLI_FAIL;
    rc = check_image(r, dst);
    if (rc != CLI_OK)
        return rc;
    if (json_array_append_new(versions, release_entry(r)) < 0)
        return cli_fail("manifest.json: out of memory");
    rc = write_release(cli, r, root, dst);
    if (rc != CLI_OK)
        return rc;
    cli_format_size(r->size, size, sizeof(size));
    printf("added %s %s to manifest.json\n", r->model, r->version);
    printf("  image   %s (%s, sha256 %s)%s\n", r->image_rel, size, r->sha256,
           r->copied ? "" : ", already there");
    return cli_audit(cli, "release.added", 0, r->version, "model %s, %s, sha256 %s", r->model,
                     r->image_rel, r->sha256);
}

static int release_add(struct cli *cli, int argc, char **argv)
{
    struct rel r = {0};
    char path[CLI_PATH_MAX];
    json_t *root = NULL;
    int rc = parse(cli, argc, argv, add_options, usage_add, &r);

    if (rc != CLI_OK)
        return rc == CLI_HELP ? CLI_OK : rc;
    rc = check_add(cli, &r);
    if (rc != CLI_OK)
        return rc;
    isotime_format(isotime_now(), r.now);
    if (cli_path(path, sizeof(path), cli->repo, "manifest.json") < 0)
        return CLI_FAIL;
    rc = read_manifest(path, &r, &root);
    if (rc == CLI_OK)
        rc = add_to(cli, &r, root);
    json_decref(root);
    free(r.prev);
    return rc;
}

/* ---- list ---- */

static json_t *release_json(const struct release *rel)
{
    return json_pack("{s:s, s:s, s:o, s:o, s:o, s:o, s:I, s:s}", "model", rel->model, "version",
                     rel->version, "url", cli_json_str(rel->url), "description",
                     cli_json_str(rel->description), "release_date",
                     cli_json_str(rel->release_date), "file_size", cli_json_str(rel->file_size),
                     "size_bytes", (json_int_t)rel->size, "sha256", rel->sha256);
}

static int add_row(struct cli_table *tab, const struct release *rel)
{
    char size[32], sha[16];
    const char *row[6];

    cli_format_size(rel->size, size, sizeof(size));
    snprintf(sha, sizeof(sha), "%.12s", rel->sha256[0] ? rel->sha256 : "-");
    row[0] = rel->model;
    row[1] = rel->version;
    row[2] = rel->release_date ? rel->release_date : "-";
    row[3] = rel->size ? size : rel->file_size ? rel->file_size : "-";
    row[4] = sha;
    row[5] = rel->url;
    return cli_table_add(tab, row);
}

static int list_releases(const struct catalog *c, const char *model, bool json)
{
    static const char *const head[] = {"MODEL", "VERSION", "DATE", "SIZE", "SHA256", "URL"};
    struct cli_table tab = {6, 0, 0, NULL};
    json_t *arr = json ? json_array() : NULL;
    int rc = cli_table_add(&tab, head);

    for (size_t i = 0; rc == 0 && i < c->n_models; i++) {
        const struct model *m = &c->models[i];

        if (model && strcmp(m->name, model) != 0)
            continue;
        for (size_t k = 0; rc == 0 && k < m->n_releases; k++)
            rc = json ? json_array_append_new(arr, release_json(&m->releases[k]))
                      : add_row(&tab, &m->releases[k]);
    }
    return cli_print_list(arr, &tab, json, rc, "releases");
}

static int release_list(struct cli *cli, int argc, char **argv)
{
    struct rel r = {0};
    struct problems pr = {0};
    struct catalog *c = NULL;
    int rc = parse(cli, argc, argv, list_options, usage_list, &r);

    if (rc != CLI_OK)
        return rc == CLI_HELP ? CLI_OK : rc;
    if (cli_load(cli, 0, isotime_now(), &c, &pr) < 0)
        rc = CLI_FAIL;
    else if (r.model && !catalog_model(c, r.model))
        rc = cli_usage(cli, "--model: %s is not a hardware model of manifest.json", r.model);
    else
        rc = list_releases(c, r.model, r.json);
    catalog_free(c);
    problems_free(&pr);
    return rc;
}

int cmd_release(struct cli *cli, int argc, char **argv)
{
    static const struct cli_sub subs[] = {
        {"add", "release add", release_add},
        {"list", "release list", release_list},
    };

    return cli_dispatch(cli, argc, argv, "release", usage_group, subs,
                        sizeof(subs) / sizeof(subs[0]));
}
