/* catalog.c: loading a repository (manifest.json, devices.csv, targeted/, firmware/) into one
 * immutable snapshot that the server can share between threads and swap as a whole. */
#include "catalog.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fsutil.h"
#include "jsonread.h"
#include "mac.h"
#include "../crypto/sha256.h"

#define REL_LEN 1024
#define FULL_LEN 4096
#define EXPIRING_SECONDS (7 * 24 * 3600)

/* A growable array of pointers, used while loading. */
struct ptrvec {
    void **v;
    size_t n;
    size_t cap;
};

static int ptrvec_push(struct ptrvec *pv, void *p)
{
    if (pv->n == pv->cap) {
        size_t cap = pv->cap ? pv->cap * 2 : 64;
        void **v = realloc(pv->v, cap * sizeof(*v));

        if (!v)
            return -1;
        pv->v = v;
        pv->cap = cap;
    }
    pv->v[pv->n++] = p;
    return 0;
}

/* ---- URLs that point into the repository ---- */

static int hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* Decodes %XX escapes of path[0..n) into out; refuses escaped '/', '\\', NUL and '.'
 * (an escaped dot is only ever used to sneak ".." past a check). */
static int unescape(const char *path, size_t n, char *out, size_t outlen)
{
    size_t o = 0;

    for (size_t i = 0; i < n; i++) {
        char c = path[i];

        if (c == '%') {
            int hi = i + 2 < n ? hexval(path[i + 1]) : -1;
            int lo = hi >= 0 ? hexval(path[i + 2]) : -1;

            if (hi < 0 || lo < 0)
                return -1;
            c = (char)(hi * 16 + lo);
            if (c == '/' || c == '\\' || c == '\0' || c == '.')
                return -1;
            i += 2;
        } else if (c == '\\') {
            return -1;
        }
        if (o + 1 >= outlen)
            return -1;
        out[o++] = c;
    }
    out[o] = '\0';
    return 0;
}

static int safe_components(const char *rel)
{
    const char *p = rel;

    while (*p) {
        const char *slash = strchr(p, '/');
        size_t n = slash ? (size_t)(slash - p) : strlen(p);

        if (n == 0 || (n == 1 && p[0] == '.') || (n == 2 && p[0] == '.' && p[1] == '.'))
            return -1;
        p += n;
        if (*p == '/')
            p++;
        if (slash && *p == '\0')
            return -1;
    }
    return 0;
}

int catalog_local_path(const char *url, char *out, size_t outlen)
{
    const char *path = url;
    size_t n;

    if (strncasecmp(url, "http://", 7) == 0 || strncasecmp(url, "https://", 8) == 0) {
        path = strchr(strstr(url, "//") + 2, '/');
        if (!path)
            return 0;
    }
    n = strcspn(path, "?#");
    if (*path == '/') {
        path++;
        n--;
    }
    if (!(n > 9 && strncmp(path, "firmware/", 9) == 0) &&
        !(n > 18 && strncmp(path, "targeted/firmware/", 18) == 0))
        return 0;
    if (unescape(path, n, out, outlen) < 0 || safe_components(out) < 0)
        return -1;
    return 1;
}

/* ---- manifest.json ---- */

static const char *const MANIFEST_KEYS[] = {"hardware_models", "last_updated", NULL};
static const char *const MODEL_KEYS[] = {"firmware_versions", "mac_specific", "name",
                                         "description", "hardware_version", NULL};
static const char *const RELEASE_KEYS[] = {
    "version", "url", "description", "changelog", "release_date", "file_size", "hardware_version",
    "sha256", "size_bytes", "signature", "key_id", NULL};

struct loader {
    struct catalog *c;
    const char *repo;
    int flags;
    int64_t now;
    struct problems *pr;
    struct ptrvec targets;
};

/* Checks that the local image rel exists inside the repository with the stated size and
 * checksum; reports at path. Sets *size from the file. */
static void check_local_image(struct loader *ld, struct jreader *r, const char *path,
                              const char *rel, uint64_t *size, const char *sha256)
{
    char full[FULL_LEN], got[SHA256_HEX_LEN];
    unsigned char digest[SHA256_LEN];
    struct fw_err err;
    struct stat st;

    if (fs_resolve_inside(ld->repo, rel, full, sizeof(full), &err) < 0) {
        jr_error(r, path, "%s", err.msg);
        return;
    }
    if (stat(full, &st) < 0 || !S_ISREG(st.st_mode)) {
        jr_error(r, path, "image %s is not in the repository; expected the firmware file there",
                 rel);
        return;
    }
    if (*size && *size != (uint64_t)st.st_size)
        jr_error(r, path, "image %s has %lld bytes but %llu are stated", rel,
                 (long long)st.st_size, (unsigned long long)*size);
    *size = (uint64_t)st.st_size;
    if (!(ld->flags & CATALOG_CHECK_IMAGES) || !sha256[0])
        return;
    if (sha256_file(full, digest, NULL, &err) < 0) {
        jr_error(r, path, "%s", err.msg);
        return;
    }
    sha256_hex(digest, got);
    if (strcmp(got, sha256) != 0)
        jr_error(r, path, "image %s has sha256 %s, not the %s stated", rel, got, sha256);
}

static void read_release(struct loader *ld, struct jreader *r, json_t *o, const char *path,
                         const char *model, struct release *rel)
{
    char p[JPATH_LEN], local[REL_LEN];
    struct fw_err err;
    json_t *sb;
    const char *sha;

    jr_unknown_keys(r, o, path, RELEASE_KEYS);
    rel->model = model;
    rel->version = jr_str(r, o, path, "version", true);
    rel->url = jr_str(r, o, path, "url", true);
    rel->description = jr_str(r, o, path, "description", false);
    if (!rel->description)
        rel->description = jr_str(r, o, path, "changelog", false);
    rel->release_date = jr_str(r, o, path, "release_date", false);
    (void)jr_date(r, rel->release_date, path, "release_date");
    if (json_is_string(json_object_get(o, "file_size")))
        rel->file_size = jr_str(r, o, path, "file_size", false);
    rel->signature = jr_str(r, o, path, "signature", false);
    rel->key_id = jr_str(r, o, path, "key_id", false);
    sb = jr_member(r, o, path, "size_bytes", JSON_INTEGER, false);
    if (sb && json_integer_value(sb) >= 0)
        rel->size = (uint64_t)json_integer_value(sb);
    sha = jr_str(r, o, path, "sha256", false);
    jr_join(p, path, "sha256");
    if (sha)
        (void)jr_sha256(r, sha, p, strncmp(sha, "sha256:", 7) == 0, rel->sha256);

    if (rel->version && rel->version[0] && version_parse(rel->version, &rel->v, &err) < 0) {
        jr_join(p, path, "version");
        jr_error(r, p, "%s", err.msg);
        rel->version = NULL;
    }
    if (!rel->url || !rel->url[0])
        return;
    jr_join(p, path, "url");
    switch (catalog_local_path(rel->url, local, sizeof(local))) {
    case -1:
        jr_error(r, p, "unsafe path in URL; expected /firmware/<MODEL>/<file>");
        break;
    case 1:
        rel->file = jr_copy(r, local);
        check_local_image(ld, r, p, local, &rel->size, rel->sha256);
        break;
    default:
        break;
    }
}

static int cmp_release(const void *a, const void *b)
{
    return version_compare(&((const struct release *)a)->v, &((const struct release *)b)->v);
}

static void read_releases(struct loader *ld, struct jreader *r, json_t *mo, const char *mpath,
                          struct model *m)
{
    json_t *arr = jr_member(r, mo, mpath, "firmware_versions", JSON_ARRAY, false);
    char path[JPATH_LEN];
    json_t *o;
    size_t i;

    if (!arr || json_array_size(arr) == 0)
        return;
    m->releases = arena_alloc(&ld->c->arena, json_array_size(arr) * sizeof(*m->releases));
    if (!m->releases) {
        r->oom = true;
        return;
    }
    json_array_foreach(arr, i, o) {
        snprintf(path, sizeof(path), "%s.firmware_versions[%zu]", mpath, i);
        if (!json_is_object(o)) {
            jr_error(r, path, "expected an object, found %s", jr_type_name(json_typeof(o)));
            continue;
        }
        read_release(ld, r, o, path, m->name, &m->releases[m->n_releases]);
        if (!m->releases[m->n_releases].version)
            continue;
        for (size_t k = 0; k < m->n_releases; k++)
            if (version_compare(&m->releases[k].v, &m->releases[m->n_releases].v) == 0)
                jr_error(r, path, "version %s of %s is listed twice; expected each once",
                         m->releases[k].version, m->name);
        m->n_releases++;
    }
    qsort(m->releases, m->n_releases, sizeof(*m->releases), cmp_release);
}

/* A legacy manifest entry hardware_models.<M>.mac_specific.<MAC>: a targeted build
 * without expiry or rollback, kept working for devices in the field. */
static void read_legacy(struct loader *ld, struct jreader *r, json_t *mo, const char *mpath,
                        const struct model *m)
{
    json_t *map = jr_member(r, mo, mpath, "mac_specific", JSON_OBJECT, false);
    char path[JPATH_LEN];
    struct release rel;
    const char *key;
    json_t *o;

    if (!map)
        return;
    json_object_foreach(map, key, o) {
        struct target *t;
        struct fw_err err;
        uint64_t mac;

        jr_join(path, mpath, "mac_specific");
        jr_join(path, path, key);
        if (mac_parse(key, &mac, &err) < 0) {
            jr_error(r, path, "%s", err.msg);
            continue;
        }
        if (!json_is_object(o)) {
            jr_error(r, path, "expected an object, found %s", jr_type_name(json_typeof(o)));
            continue;
        }
        memset(&rel, 0, sizeof(rel));
        read_release(ld, r, o, path, m->name, &rel);
        t = arena_alloc(&ld->c->arena, sizeof(*t));
        if (t)
            t->devices = arena_alloc(&ld->c->arena, sizeof(*t->devices));
        if (!t || !t->devices) {
            r->oom = true;
            return;
        }
        if (!rel.version)
            continue;
        t->mac = mac;
        t->file = "manifest.json";
        t->mac_address = jr_copy(r, key);
        t->expiry = NEVER_EXPIRES;
        t->legacy = true;
        t->n_devices = 1;
        t->devices[0] = (struct target_device){
            .model = m->name, .version = rel.version, .v = rel.v, .url = rel.url,
            .file = rel.file, .changelog = rel.description, .release_date = rel.release_date,
            .file_size = rel.file_size, .signature = rel.signature, .key_id = rel.key_id,
            .size = rel.size, .targeted_fix = true};
        memcpy(t->devices[0].sha256, rel.sha256, sizeof(rel.sha256));
        if (ptrvec_push(&ld->targets, t) < 0)
            r->oom = true;
    }
}

static int cmp_model(const void *a, const void *b)
{
    return strcmp(((const struct model *)a)->name, ((const struct model *)b)->name);
}

static void read_models(struct loader *ld, struct jreader *r, json_t *root)
{
    json_t *hm = jr_member(r, root, "", "hardware_models", JSON_OBJECT, true);
    char path[JPATH_LEN];
    const char *name;
    json_t *mo;

    if (!hm)
        return;
    ld->c->models = arena_alloc(&ld->c->arena, (json_object_size(hm) + 1) * sizeof(struct model));
    if (!ld->c->models) {
        r->oom = true;
        return;
    }
    json_object_foreach(hm, name, mo) {
        struct model *m = &ld->c->models[ld->c->n_models];

        jr_join(path, "hardware_models", name);
        if (!json_is_object(mo)) {
            jr_error(r, path, "expected an object, found %s", jr_type_name(json_typeof(mo)));
            continue;
        }
        jr_unknown_keys(r, mo, path, MODEL_KEYS);
        m->name = jr_copy(r, name);
        read_releases(ld, r, mo, path, m);
        ld->c->n_models++;
    }
    qsort(ld->c->models, ld->c->n_models, sizeof(*ld->c->models), cmp_model);

    json_object_foreach(hm, name, mo) {
        const struct model *m = catalog_model(ld->c, name);

        jr_join(path, "hardware_models", name);
        if (m && json_is_object(mo))
            read_legacy(ld, r, mo, path, m);
    }
}

static int load_manifest(struct loader *ld, struct fw_err *err)
{
    struct jreader r = {"manifest.json", NULL, 0, &ld->c->arena, ld->pr, false, false};
    char full[FULL_LEN], *text = NULL;
    json_error_t jerr;
    json_t *root = NULL;
    size_t len;
    int rc = -1;

    if (fs_resolve_inside(ld->repo, "manifest.json", full, sizeof(full), err) < 0) {
        problems_add(ld->pr, SEV_ERROR, "manifest.json", 0, 0, "", "%s", err->msg);
        return 0;
    }
    if (fs_read_file(full, MANIFEST_FILE_MAX, &text, &len, err) < 0) {
        if (errno == ENOENT)
            problems_add(ld->pr, SEV_WARNING, "manifest.json", 0, 0, "",
                         "no manifest.json: the repository has no models or general releases");
        else
            problems_add(ld->pr, SEV_ERROR, "manifest.json", 0, 0, "", "%s", err->msg);
        return 0;
    }
    r.text = text;
    r.len = len;
    root = json_loadb(text, len, JSON_REJECT_DUPLICATES, &jerr);
    if (!root) {
        problems_add(ld->pr, SEV_ERROR, "manifest.json", jerr.line, jerr.column, "",
                     "invalid JSON: %s", jerr.text);
        rc = 0;
        goto out;
    }
    if (!json_is_object(root)) {
        jr_error(&r, "", "expected a JSON object, found %s", jr_type_name(json_typeof(root)));
        rc = 0;
        goto out;
    }
    jr_unknown_keys(&r, root, "", MANIFEST_KEYS);
    read_models(ld, &r, root);
    rc = r.oom ? fw_fail(err, "out of memory reading manifest.json") : 0;

out:
    json_decref(root);
    free(text);
    return rc;
}

/* ---- devices.csv ---- */

static int load_devices(struct loader *ld, struct fw_err *err)
{
    char full[FULL_LEN], *text = NULL;
    size_t len;
    int rc;

    if (fs_resolve_inside(ld->repo, "devices.csv", full, sizeof(full), err) < 0) {
        problems_add(ld->pr, SEV_ERROR, "devices.csv", 0, 0, "", "%s", err->msg);
        return 0;
    }
    if (fs_read_file(full, DEVICES_FILE_MAX, &text, &len, err) < 0) {
        if (errno != ENOENT)
            problems_add(ld->pr, SEV_ERROR, "devices.csv", 0, 0, "", "%s", err->msg);
        return 0;
    }
    ld->c->has_devices_file = true;
    rc = devices_parse("devices.csv", text, len, &ld->c->arena, &ld->c->devices, ld->pr);
    free(text);
    return rc < 0 ? fw_fail(err, "out of memory reading devices.csv") : 0;
}

/* ---- targeted/ ---- */

static bool is_json_name(const char *name)
{
    size_t n = strlen(name);

    return n > 5 && strcmp(name + n - 5, ".json") == 0 && name[0] != '.';
}

static int load_target_file(struct loader *ld, const char *rel, bool is_link)
{
    char full[FULL_LEN], *text = NULL;
    struct target *t = NULL;
    struct fw_err err;
    size_t len;
    int rc;

    if (is_link) {
        if (fs_resolve_inside(ld->repo, rel, full, sizeof(full), &err) < 0) {
            problems_add(ld->pr, SEV_ERROR, rel, 0, 0, "", "%s", err.msg);
            return 0;
        }
    } else if (fs_join(full, sizeof(full), ld->repo, rel) < 0) {
        problems_add(ld->pr, SEV_ERROR, rel, 0, 0, "", "path too long");
        return 0;
    }
    if (fs_read_file(full, TARGET_FILE_MAX, &text, &len, &err) < 0) {
        problems_add(ld->pr, SEV_ERROR, rel, 0, 0, "", "%s", err.msg);
        return 0;
    }
    rc = target_parse(ld->repo, rel, text, len, ld->c, ld->now, ld->flags, &ld->c->arena, &t,
                      ld->pr);
    free(text);
    if (rc == 0 && ptrvec_push(&ld->targets, t) < 0)
        return -1;
    return 0;
}

static int load_targets(struct loader *ld, struct fw_err *err)
{
    char dir[FULL_LEN], rel[REL_LEN];
    struct dirent *de;
    DIR *d;
    int rc = 0;

    if (fs_resolve_inside(ld->repo, "targeted", dir, sizeof(dir), err) < 0) {
        problems_add(ld->pr, SEV_ERROR, "targeted", 0, 0, "", "%s", err->msg);
        return 0;
    }
    d = opendir(dir);
    if (!d) {
        if (errno != ENOENT)
            problems_add(ld->pr, SEV_ERROR, "targeted", 0, 0, "", "cannot read the folder: %s",
                         strerror(errno));
        return 0;
    }
    while (rc == 0 && (de = readdir(d))) {
        bool is_link = de->d_type == DT_LNK || de->d_type == DT_UNKNOWN;

        if (!is_json_name(de->d_name) || de->d_type == DT_DIR)
            continue;
        if (snprintf(rel, sizeof(rel), "targeted/%s", de->d_name) >= (int)sizeof(rel))
            continue;
        rc = load_target_file(ld, rel, is_link);
    }
    closedir(d);
    return rc < 0 ? fw_fail(err, "out of memory reading targeted/") : 0;
}

static int cmp_target(const void *a, const void *b)
{
    uint64_t x = (*(struct target *const *)a)->mac, y = (*(struct target *const *)b)->mac;

    if (x != y)
        return x < y ? -1 : 1;
    /* targeted files before legacy manifest entries, so the file wins */
    return (int)(*(struct target *const *)a)->legacy - (int)(*(struct target *const *)b)->legacy;
}

static size_t slot_of(uint64_t mac, size_t n_slots)
{
    return (size_t)((mac * 0x9E3779B97F4A7C15ull) >> 17) & (n_slots - 1);
}

/* Sorts the targets by MAC, drops duplicates (reporting them), and builds the hash. */
static int index_targets(struct loader *ld)
{
    struct catalog *c = ld->c;
    size_t n = 0;

    c->targets = (struct target **)ld->targets.v;
    qsort(ld->targets.v, ld->targets.n, sizeof(void *), cmp_target);
    for (size_t i = 0; i < ld->targets.n; i++) {
        struct target *t = ld->targets.v[i];

        if (n > 0 && c->targets[n - 1]->mac == t->mac) {
            problems_add(ld->pr, t->legacy ? SEV_WARNING : SEV_ERROR, t->file, 0, 0, "",
                         "a second target for %s (also %s); expected one per device",
                         t->mac_address ? t->mac_address : "this MAC", c->targets[n - 1]->file);
            continue;
        }
        c->targets[n++] = t;
    }
    c->n_targets = n;

    c->n_slots = 16;
    while (c->n_slots < 2 * n)
        c->n_slots *= 2;
    c->slots = arena_alloc(&c->arena, c->n_slots * sizeof(*c->slots));
    if (!c->slots)
        return -1;
    for (size_t i = 0; i < n; i++) {
        size_t s = slot_of(c->targets[i]->mac, c->n_slots);

        while (c->slots[s])
            s = (s + 1) & (c->n_slots - 1);
        c->slots[s] = c->targets[i];
    }
    return 0;
}

/* Moves the target pointers from the loader's vector into the arena. */
static int keep_targets(struct loader *ld)
{
    struct target **v = arena_alloc(&ld->c->arena, (ld->targets.n + 1) * sizeof(*v));

    if (!v)
        return -1;
    memcpy(v, ld->targets.v, ld->targets.n * sizeof(*v));
    free(ld->targets.v);
    ld->targets.v = (void **)v;
    ld->targets.cap = 0;
    return index_targets(ld);
}

/* ---- firmware/ ---- */

static bool release_uses(const struct model *m, const char *rel)
{
    for (size_t i = 0; i < m->n_releases; i++)
        if (m->releases[i].file && strcmp(m->releases[i].file, rel) == 0)
            return true;
    return false;
}

static bool is_side_file(const char *name)
{
    size_t n = strlen(name);

    return name[0] == '.' || (n > 4 && strcmp(name + n - 4, ".sig") == 0);
}

/* Reports images in firmware/<MODEL>/ that manifest.json does not list, and folders of
 * models it does not know: usually a release added by hand and forgotten. */
static void scan_firmware(struct loader *ld)
{
    char dir[FULL_LEN], sub[FULL_LEN], rel[REL_LEN];
    struct dirent *de, *fe;
    DIR *d, *md;

    if (fs_join(dir, sizeof(dir), ld->repo, "firmware") < 0 || !(d = opendir(dir)))
        return;
    while ((de = readdir(d))) {
        const struct model *m;

        if (de->d_name[0] == '.')
            continue;
        snprintf(rel, sizeof(rel), "firmware/%s", de->d_name);
        m = catalog_model(ld->c, de->d_name);
        if (!m) {
            problems_add(ld->pr, SEV_WARNING, rel, 0, 0, "",
                         "folder of a model that manifest.json does not list");
            continue;
        }
        if (fs_join(sub, sizeof(sub), dir, de->d_name) < 0 || !(md = opendir(sub)))
            continue;
        while ((fe = readdir(md))) {
            if (is_side_file(fe->d_name))
                continue;
            snprintf(rel, sizeof(rel), "firmware/%s/%s", de->d_name, fe->d_name);
            if (!release_uses(m, rel))
                problems_add(ld->pr, SEV_WARNING, rel, 0, 0, "",
                             "image not listed in manifest.json; add it with fwhub release add");
        }
        closedir(md);
    }
    closedir(d);
}

int catalog_load(const char *repo, int flags, int64_t now, struct catalog **out,
                 struct problems *pr, struct fw_err *err)
{
    struct loader ld = {.repo = repo, .flags = flags, .now = now, .pr = pr};
    size_t errors_before = pr->errors;
    struct stat st;

    *out = NULL;
    if (stat(repo, &st) < 0 || !S_ISDIR(st.st_mode))
        return fw_fail(err, "%s is not a repository folder: %s", repo,
                       errno ? strerror(errno) : "not a directory");
    ld.c = calloc(1, sizeof(*ld.c));
    if (!ld.c)
        return fw_fail(err, "out of memory");
    ld.c->loaded_at = now;
    ld.c->repo = arena_strdup(&ld.c->arena, repo);

    if (!ld.c->repo || load_manifest(&ld, err) < 0 || load_devices(&ld, err) < 0 ||
        load_targets(&ld, err) < 0)
        goto fail;
    if (keep_targets(&ld) < 0) {
        fw_fail(err, "out of memory indexing targets");
        goto fail;
    }
    scan_firmware(&ld);
    problems_sort(pr);

    if ((flags & CATALOG_STRICT) && pr->errors > errors_before) {
        fw_fail(err, "%zu problem%s in %s", pr->errors - errors_before,
                pr->errors - errors_before == 1 ? "" : "s", repo);
        goto fail;
    }
    *out = ld.c;
    return 0;

fail:
    if (ld.targets.cap)
        free(ld.targets.v);
    catalog_free(ld.c);
    return -1;
}

void catalog_free(struct catalog *c)
{
    if (!c)
        return;
    arena_free(&c->arena);
    free(c);
}

const struct model *catalog_model(const struct catalog *c, const char *name)
{
    struct model key = {.name = name};

    if (!c || !c->models || !name)
        return NULL;
    return bsearch(&key, c->models, c->n_models, sizeof(*c->models), cmp_model);
}

const struct target *catalog_target(const struct catalog *c, uint64_t mac)
{
    size_t s;

    if (!c || !c->slots)
        return NULL;
    s = slot_of(mac, c->n_slots);
    while (c->slots[s]) {
        if (c->slots[s]->mac == mac)
            return c->slots[s];
        s = (s + 1) & (c->n_slots - 1);
    }
    return NULL;
}

const struct device *catalog_device(const struct catalog *c, uint64_t mac)
{
    return c ? devices_find(&c->devices, mac) : NULL;
}

const struct release *catalog_release(const struct catalog *c, const char *model,
                                      const char *version)
{
    const struct model *m = catalog_model(c, model);
    struct version v;

    if (!m || version_parse(version, &v, NULL) < 0)
        return NULL;
    for (size_t i = 0; i < m->n_releases; i++)
        if (version_compare(&m->releases[i].v, &v) == 0)
            return &m->releases[i];
    return NULL;
}

const struct release *catalog_latest(const struct catalog *c, const char *model)
{
    const struct model *m = catalog_model(c, model);

    return m && m->n_releases ? &m->releases[m->n_releases - 1] : NULL;
}

static bool superseded(const struct catalog *c, const struct target *t)
{
    for (size_t i = 0; i < t->n_devices; i++) {
        const struct target_device *d = &t->devices[i];
        const struct release *latest;
        struct version base;

        if (!d->model || !d->version)
            continue;
        latest = catalog_latest(c, d->model);
        base = target_base_version(d);
        if (!latest || version_compare(&latest->v, &base) < 0)
            return false;
    }
    return t->n_devices > 0;
}

enum target_state catalog_target_state(const struct catalog *c, const struct target *t,
                                       int64_t now)
{
    if (superseded(c, t))
        return TARGET_SUPERSEDED;
    if (t->expiry != NEVER_EXPIRES && t->expiry <= now)
        return TARGET_EXPIRED;
    if (t->expiry != NEVER_EXPIRES && t->expiry - now <= EXPIRING_SECONDS)
        return TARGET_EXPIRING;
    return TARGET_ACTIVE;
}

const char *target_state_name(enum target_state s)
{
    switch (s) {
    case TARGET_ACTIVE:
        return "active";
    case TARGET_EXPIRING:
        return "expiring";
    case TARGET_EXPIRED:
        return "expired";
    case TARGET_SUPERSEDED:
        return "superseded";
    }
    return "unknown";
}
