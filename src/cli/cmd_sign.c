/* cmd_sign.c: `fwhub sign` and `fwhub verify`: detached signatures of every catalog image. */
#include <dirent.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "core/fsutil.h"
#include "core/target.h"
#include "crypto/base64.h"
#include "crypto/sign.h"

#define MAX_KEYS 64 /* --key given to verify */

static const char usage_sign[] =
    "Usage: fwhub sign --key FILE [--repo DIR]\n"
    "\n"
    "Signs every image of the catalog (general releases and legacy entries of\n"
    "manifest.json, targeted/*.json) that lacks a valid signature by a trusted key:\n"
    "writes <image>.sig (DER) beside the image and records \"signature\" (base64) and\n"
    "\"key_id\" in the manifest entry, or in the target's \"security\" object with\n"
    "\"signed\": true. An image whose sha256 differs from the one the catalog states is\n"
    "not signed. Trusted keys are REPO/keys/*.pem; the signing key must be one of them\n"
    "('fwhub keygen --repo'). Images hosted elsewhere (a CDN) are skipped.\n"
    "\n"
    "  --key FILE   the private key (PEM)\n"
    "  --repo DIR   the repository (default: current directory)\n"
    "  -h, --help   this text\n"
    "\n"
    "Check a signature by hand (ECDSA P-256):\n"
    "  openssl dgst -sha256 -verify REPO/keys/<key id>.pem -signature IMAGE.sig IMAGE\n"
    "\n"
    "Exit status: 0 when every image is signed, 1 otherwise.\n";

static const char usage_verify[] =
    "Usage: fwhub verify [--key PUB]... [--repo DIR]\n"
    "\n"
    "Checks every image of the catalog: its sha256 against the catalog, the signature\n"
    "recorded in the catalog and the detached <image>.sig, each by a trusted key. Prints\n"
    "one line per image and names every image whose signature is missing or bad.\n"
    "\n"
    "  --key PUB    trust this public key (PEM) instead of REPO/keys/*.pem; repeatable\n"
    "  --repo DIR   the repository (default: current directory)\n"
    "  -h, --help   this text\n"
    "\n"
    "Exit status: 0 when every image in the repository is validly signed, 1 otherwise.\n";

enum { OPT_KEY = OPT_FIRST_OWN };

static const struct option options[] = {
    {"key", required_argument, NULL, OPT_KEY},
    {"repo", required_argument, NULL, OPT_REPO},
    {"help", no_argument, NULL, 'h'},
    {NULL, 0, NULL, 0},
};

/* One run over the catalog, signing or verifying. */
struct walk {
    const struct cli *cli;
    const struct sign_key *key; /* sign: the private key; verify: NULL */
    struct sign_keyring ring;
    const char *keys[MAX_KEYS]; /* --key as given */
    size_t n_keys;
    size_t n_ok, n_signed, n_bad, n_skipped;
    bool dirty; /* the JSON file being walked has changed */
};

/* One image named by a catalog entry. */
struct image {
    const char *file; /* "manifest.json", "targeted/<MAC>.json" */
    char where[300];  /* the entry's JSON path */
    json_t *entry;    /* holds "url" */
    json_t *sec;      /* holds "signature" and "key_id": entry, or its "security" */
    char rel[1024];   /* repository-relative image path */
    char path[CLI_PATH_MAX];
    char sig_path[CLI_PATH_MAX];
    char stated[SHA256_HEX_LEN]; /* the catalog's sha256, "" when none */
    char hex[SHA256_HEX_LEN];
    unsigned char digest[SHA256_LEN];
    uint64_t size;
};

static void say(const char *status, const struct image *im, const char *fmt, ...) FW_PRINTF(3, 4);

/* "<status> <image>: <detail>" on stdout, one line per image. */
static void say(const char *status, const struct image *im, const char *fmt, ...)
{
    va_list ap;

    printf("%-8s %s", status, im->rel[0] ? im->rel : im->where);
    if (fmt) {
        fputs(": ", stdout);
        va_start(ap, fmt);
        vprintf(fmt, ap);
        va_end(ap);
    }
    fputc('\n', stdout);
}

static void bad(struct walk *w, const char *status, const struct image *im, const char *why)
{
    w->n_bad++;
    say(status, im, "%s (%s: %s)", why, im->file, im->where);
}

/* The sha256 the catalog states: "sha256" of a manifest entry, "sha256:<hex>" in a
 * target's security.checksum. */
static void stated_sha256(struct image *im)
{
    const char *s = json_string_value(json_object_get(im->entry, "sha256"));

    if (im->sec != im->entry) {
        s = json_string_value(json_object_get(im->sec, "checksum"));
        s = s && strncmp(s, "sha256:", 7) == 0 ? s + 7 : NULL;
    }
    im->stated[0] = '\0';
    if (s && sha256_is_hex(s))
        for (size_t i = 0; i < SHA256_HEX_LEN; i++)
            im->stated[i] = (char)(s[i] >= 'A' && s[i] <= 'F' ? s[i] + 32 : s[i]);
}

/* Finds and hashes the image. Returns 1 to go on, 0 when it is skipped (hosted elsewhere),
 * -1 when it is bad (reported). */
static int locate(struct walk *w, struct image *im)
{
    const char *url = json_string_value(json_object_get(im->entry, "url"));
    struct fw_err err;
    int r = url ? catalog_local_path(url, im->rel, sizeof(im->rel)) : -1;
    char why[FW_ERRLEN + 64];

    if (r == 0) {
        w->n_skipped++;
        snprintf(im->rel, sizeof(im->rel), "%s", url);
        say("skipped", im, "hosted outside the repository; sign it where it is built");
        return 0;
    }
    if (r < 0) {
        im->rel[0] = '\0';
        return bad(w, "BAD", im, url ? "url: not a safe path" : "url: missing"), -1;
    }
    if (fs_resolve_inside(w->cli->repo, im->rel, im->path, sizeof(im->path), &err) < 0 ||
        sha256_file(im->path, im->digest, &im->size, &err) < 0)
        return bad(w, "MISSING", im, err.msg), -1;
    sha256_hex(im->digest, im->hex);
    stated_sha256(im);
    if (im->stated[0] && strcmp(im->stated, im->hex) != 0) {
        snprintf(why, sizeof(why), "the image's sha256 is %s, the catalog states %s", im->hex,
                 im->stated);
        return bad(w, "BAD", im, why), -1;
    }
    if (snprintf(im->sig_path, sizeof(im->sig_path), "%s.sig", im->path) >=
        (int)sizeof(im->sig_path))
        return bad(w, "BAD", im, "path too long"), -1;
    return 1;
}

/* The signature the catalog records, if it is valid by a trusted key: returns that key. */
static const struct sign_key *recorded(const struct walk *w, const struct image *im,
                                       unsigned char sig[SIGN_MAX], size_t *siglen,
                                       struct fw_err *err)
{
    const char *b64 = json_string_value(json_object_get(im->sec, "signature"));
    const char *kid = json_string_value(json_object_get(im->sec, "key_id"));
    long n;

    if (!b64) {
        fw_fail(err, "not signed");
        return NULL;
    }
    n = base64_decode(b64, strlen(b64), sig, SIGN_MAX);
    if (n <= 0) {
        fw_fail(err, "signature: not the base64 of a signature");
        return NULL;
    }
    if (!kid) {
        fw_fail(err, "key_id: missing beside the signature");
        return NULL;
    }
    *siglen = (size_t)n;
    return sign_keyring_verify(&w->ring, kid, im->digest, sig, *siglen, err);
}

/* Checks <image>.sig with key k (or any trusted key when k is NULL). */
static int detached_ok(const struct walk *w, const struct image *im, const struct sign_key *k,
                       struct fw_err *err)
{
    char *sig = NULL;
    size_t len = 0;
    bool ok;

    if (!cli_exists(im->sig_path))
        return fw_fail(err, "%s.sig is missing", im->rel);
    if (fs_read_file(im->sig_path, SIGN_MAX, &sig, &len, err) < 0)
        return -1;
    ok =
        k ? sign_verify_digest(k, im->digest, (unsigned char *)sig, len)
          : sign_keyring_verify(&w->ring, NULL, im->digest, (unsigned char *)sig, len, err) != NULL;
    free(sig);
    return ok ? 0 : fw_fail(err, "%s.sig does not verify with a trusted key", im->rel);
}

/* ---- sign ---- */

/* Records sig in the catalog entry: signature and key_id (and signed, sha256). */
static int record(struct walk *w, struct image *im, const unsigned char *sig, size_t siglen)
{
    char b64[BASE64_ENCODED_LEN(SIGN_MAX)];
    int rc = 0;

    base64_encode(sig, siglen, b64);
    if (im->sec != im->entry)
        rc |= json_object_set_new(im->sec, "signed", json_true());
    else if (!im->stated[0])
        rc |= json_object_set_new(im->entry, "sha256", json_string(im->hex));
    if (im->sec == im->entry && !json_object_get(im->entry, "size_bytes"))
        rc |= json_object_set_new(im->entry, "size_bytes", json_integer((json_int_t)im->size));
    rc |= json_object_set_new(im->sec, "signature", json_string(b64));
    rc |= json_object_set_new(im->sec, "key_id", json_string(sign_key_id_hex(w->key)));
    w->dirty = true;
    return rc;
}

static void sign_image(struct walk *w, struct image *im)
{
    unsigned char sig[SIGN_MAX];
    const struct sign_key *k;
    struct fw_err err, why;
    size_t siglen = 0;

    if (locate(w, im) <= 0)
        return;
    k = recorded(w, im, sig, &siglen, &why);
    if (k && detached_ok(w, im, k, &err) == 0) {
        w->n_ok++;
        return;
    }
    if (k) {
        /* the catalog's signature is good; only the detached copy needs writing */
        if (fs_write_atomic(im->sig_path, sig, siglen, 0644, &err) < 0)
            return bad(w, "BAD", im, err.msg);
        w->n_signed++;
        return say("signed", im, "wrote %s.sig from the catalog's signature", im->rel);
    }
    if (sign_digest(w->key, im->digest, sig, &siglen, &err) < 0 ||
        fs_write_atomic(im->sig_path, sig, siglen, 0644, &err) < 0)
        return bad(w, "BAD", im, err.msg);
    if (record(w, im, sig, siglen) != 0)
        return bad(w, "BAD", im, "out of memory");
    w->n_signed++;
    say("signed", im, "key %.16s (was: %s)", sign_key_id_hex(w->key), why.msg);
}

/* ---- verify ---- */

static void verify_image(struct walk *w, struct image *im)
{
    unsigned char sig[SIGN_MAX];
    const struct sign_key *k;
    struct fw_err err;
    size_t siglen = 0;

    if (locate(w, im) <= 0)
        return;
    if (!json_object_get(im->sec, "signature"))
        return bad(w, "MISSING", im, "not signed");
    k = recorded(w, im, sig, &siglen, &err);
    if (!k)
        return bad(w, "BAD", im, err.msg);
    if (detached_ok(w, im, NULL, &err) < 0)
        return bad(w, cli_exists(im->sig_path) ? "BAD" : "MISSING", im, err.msg);
    w->n_ok++;
    say("ok", im, "key %.16s", sign_key_id_hex(k));
}

static void visit(struct walk *w, struct image *im)
{
    if (w->key)
        sign_image(w, im);
    else
        verify_image(w, im);
}

/* ---- the catalog's files ---- */

static int load_json(const char *path, size_t max, json_t **root)
{
    json_error_t jerr;
    struct fw_err err;
    char *text = NULL;
    size_t len;

    if (fs_read_file(path, max, &text, &len, &err) < 0)
        return cli_fail("%s", err.msg);
    *root = json_loadb(text, len, JSON_REJECT_DUPLICATES, &jerr);
    free(text);
    if (!*root)
        return cli_fail("%s:%d:%d: invalid JSON: %s; fix it first ('fwhub validate')", path,
                        jerr.line, jerr.column, jerr.text);
    if (!json_is_object(*root)) {
        json_decref(*root);
        return cli_fail("%s: expected a JSON object; fix it first", path);
    }
    return CLI_OK;
}

/* Writes root back as release add and target create write it: indented by 2, keys in
 * their order, a final newline. */
static int save_json(const char *path, json_t *root)
{
    char *text = json_dumps(root, JSON_INDENT(2));
    struct fw_err err;
    size_t len;
    int rc;

    if (!text)
        return cli_fail("%s: out of memory", path);
    len = strlen(text);
    text[len] = '\n'; /* the NUL becomes the final newline */
    rc = fs_write_atomic(path, text, len + 1, 0644, &err);
    free(text);
    return rc < 0 ? cli_fail("%s", err.msg) : CLI_OK;
}

/* Every entry of one model's firmware_versions and mac_specific. */
static void walk_model(struct walk *w, const char *name, json_t *model)
{
    json_t *versions = json_object_get(model, "firmware_versions");
    json_t *legacy = json_object_get(model, "mac_specific");
    struct image im = {.file = "manifest.json"};
    const char *mac;
    json_t *e;
    size_t i;

    json_array_foreach(versions, i, e)
    {
        snprintf(im.where, sizeof(im.where), "hardware_models.%s.firmware_versions[%zu]", name, i);
        im.entry = im.sec = e;
        if (json_is_object(e))
            visit(w, &im);
    }
    json_object_foreach(legacy, mac, e)
    {
        snprintf(im.where, sizeof(im.where), "hardware_models.%s.mac_specific.%s", name, mac);
        im.entry = im.sec = e;
        if (json_is_object(e))
            visit(w, &im);
    }
}

static int walk_manifest(struct walk *w)
{
    char path[CLI_PATH_MAX];
    json_t *root = NULL, *m;
    const char *name;
    int rc;

    if (cli_path(path, sizeof(path), w->cli->repo, "manifest.json") < 0)
        return CLI_FAIL;
    if (!cli_exists(path))
        return CLI_OK;
    rc = load_json(path, MANIFEST_FILE_MAX, &root);
    if (rc != CLI_OK)
        return rc;
    w->dirty = false;
    json_object_foreach(json_object_get(root, "hardware_models"), name, m)
    {
        if (json_is_object(m))
            walk_model(w, name, m);
    }
    if (w->dirty)
        rc = save_json(path, root);
    json_decref(root);
    return rc;
}

/* Each entry of a target's "devices"; a missing security object is made. */
static int walk_target(struct walk *w, const char *rel)
{
    char path[CLI_PATH_MAX];
    struct image im = {.file = rel};
    json_t *root = NULL, *e;
    size_t i;
    int rc;

    if (cli_path(path, sizeof(path), w->cli->repo, rel) < 0)
        return CLI_FAIL;
    rc = load_json(path, TARGET_FILE_MAX, &root);
    if (rc != CLI_OK)
        return rc;
    w->dirty = false;
    json_array_foreach(json_object_get(root, "devices"), i, e)
    {
        snprintf(im.where, sizeof(im.where), "devices[%zu]", i);
        if (!json_is_object(e))
            continue;
        im.entry = e;
        im.sec = json_object_get(e, "security");
        if (!im.sec && w->key && json_object_set_new(e, "security", json_object()) == 0)
            im.sec = json_object_get(e, "security");
        if (!json_is_object(im.sec))
            im.sec = NULL; /* verify reports it as not signed */
        visit(w, &im);
    }
    if (w->dirty)
        rc = save_json(path, root);
    json_decref(root);
    return rc;
}

static int cmp_names(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static bool is_target_name(const char *n)
{
    size_t len = strlen(n);

    return n[0] != '.' && len > 5 && strcmp(n + len - 5, ".json") == 0;
}

/* Lists the JSON files of targeted/, sorted, into names (each "targeted/<file>", malloc'd). */
static int list_targets(const struct cli *cli, char ***names, size_t *n)
{
    char dir[CLI_PATH_MAX], rel[300];
    struct dirent *de;
    DIR *d;

    if (cli_path(dir, sizeof(dir), cli->repo, "targeted") < 0)
        return CLI_FAIL;
    d = opendir(dir);
    if (!d)
        return CLI_OK;
    while ((de = readdir(d))) {
        char **grown;

        if (!is_target_name(de->d_name) ||
            snprintf(rel, sizeof(rel), "targeted/%s", de->d_name) >= (int)sizeof(rel))
            continue;
        grown = realloc(*names, (*n + 1) * sizeof(**names));
        if (!grown || !(grown[*n] = strdup(rel))) {
            *names = grown ? grown : *names;
            closedir(d);
            return cli_fail("out of memory");
        }
        *names = grown;
        (*n)++;
    }
    closedir(d);
    qsort(*names, *n, sizeof(**names), cmp_names);
    return CLI_OK;
}

static int walk_all(struct walk *w)
{
    char **names = NULL;
    size_t n = 0;
    int rc = walk_manifest(w);
    int lrc = list_targets(w->cli, &names, &n);

    for (size_t i = 0; i < n; i++) {
        if (walk_target(w, names[i]) != CLI_OK)
            rc = CLI_FAIL;
        free(names[i]);
    }
    free(names);
    return rc == CLI_OK && lrc == CLI_OK ? CLI_OK : CLI_FAIL;
}

/* ---- the commands ---- */

static int parse(struct cli *cli, int argc, char **argv, const char *usage, struct walk *w)
{
    int c, rc;

    cli_getopt_reset();
    while ((c = getopt_long(argc, argv, ":h", options, NULL)) != -1) {
        rc = cli_common_opt(cli, c, argv, usage);
        if (rc == CLI_NEXT)
            continue;
        if (rc != CLI_MINE)
            return rc;
        if (w->n_keys == MAX_KEYS)
            return cli_usage(cli, "--key: given more than %d times", MAX_KEYS);
        w->keys[w->n_keys++] = optarg;
    }
    return cli_no_more_args(cli, argc, argv, 0);
}

static int load_trusted(struct walk *w, bool from_repo)
{
    char dir[CLI_PATH_MAX];
    struct fw_err err;

    if (!from_repo) {
        for (size_t i = 0; i < w->n_keys; i++)
            if (sign_keyring_load_file(&w->ring, w->keys[i], &err) < 0)
                return cli_fail("--key: %s", err.msg);
        return CLI_OK;
    }
    if (cli_path(dir, sizeof(dir), w->cli->repo, "keys") < 0)
        return CLI_FAIL;
    if (sign_keyring_load_dir(&w->ring, dir, &err) < 0)
        return cli_fail("%s", err.msg);
    return CLI_OK;
}

static int summary(const struct walk *w, int rc)
{
    if (w->key)
        printf("%zu signed, %zu already signed, %zu skipped, %zu failed\n", w->n_signed, w->n_ok,
               w->n_skipped, w->n_bad);
    else
        printf("%zu valid, %zu skipped, %zu bad or missing\n", w->n_ok, w->n_skipped, w->n_bad);
    if (rc == CLI_OK && w->n_bad > 0)
        return cli_fail("%zu image%s %s; see the lines above", w->n_bad, w->n_bad == 1 ? "" : "s",
                        w->key ? "could not be signed" : "failed verification");
    return rc;
}

int cmd_sign(struct cli *cli, int argc, char **argv)
{
    struct walk w = {.cli = cli};
    struct sign_key *k = NULL;
    struct fw_err err;
    int rc = parse(cli, argc, argv, usage_sign, &w);

    if (rc != CLI_OK)
        return rc == CLI_HELP ? CLI_OK : rc;
    if (w.n_keys != 1)
        return cli_usage(cli, "--key: give the private key once");
    if (sign_key_load_private(w.keys[0], &k, &err) < 0)
        return cli_fail("--key: %s", err.msg);
    w.key = k;
    rc = load_trusted(&w, true);
    if (rc == CLI_OK && !sign_keyring_find(&w.ring, sign_key_id_hex(k)))
        rc = cli_fail("key %s is not trusted by %s: its public key is not in keys/; copy it "
                      "there as keys/%s.pem (or make keys with 'fwhub keygen --repo')",
                      sign_key_id_hex(k), cli->repo, sign_key_id_hex(k));
    if (rc == CLI_OK)
        rc = summary(&w, walk_all(&w));
    sign_keyring_free(&w.ring);
    sign_key_free(k);
    return rc;
}

int cmd_verify(struct cli *cli, int argc, char **argv)
{
    struct walk w = {.cli = cli};
    int rc = parse(cli, argc, argv, usage_verify, &w);

    if (rc != CLI_OK)
        return rc == CLI_HELP ? CLI_OK : rc;
    rc = load_trusted(&w, w.n_keys == 0);
    if (rc == CLI_OK && w.ring.n == 0)
        cli_warn("no trusted keys: %s/keys/ holds no *.pem; give --key PUB", cli->repo);
    if (rc == CLI_OK)
        rc = summary(&w, walk_all(&w));
    sign_keyring_free(&w.ring);
    return rc;
}
