/* manifest.c: manifest.json: hardware models, their general releases, and the legacy
 * mac_specific map read as targeted entries. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fsutil.h"
#include "image.h"
#include "jsonread.h"
#include "loader.h"
#include "mac.h"

#define REL_LEN  1024
#define FULL_LEN 4096

static const char *const MANIFEST_KEYS[] = {"hardware_models", "last_updated", NULL};
static const char *const MODEL_KEYS[] = {"firmware_versions", "mac_specific",     "name",
                                         "description",       "hardware_version", NULL};
static const char *const RELEASE_KEYS[] = {
    "version",          "url",    "description", "changelog", "release_date", "file_size",
    "hardware_version", "sha256", "size_bytes",  "signature", "key_id",       NULL};

static void read_release(struct loader *ld, struct jreader *r, const struct jv *o, const char *path,
                         const char *model, struct release *rel)
{
    char p[JPATH_LEN], local[REL_LEN];
    struct fw_err err;
    const struct jv *sb;
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
    if (jv_is(jv_get(o, "file_size"), JV_STRING))
        rel->file_size = jr_str(r, o, path, "file_size", false);
    rel->signature = jr_str(r, o, path, "signature", false);
    rel->key_id = jr_str(r, o, path, "key_id", false);
    sb = jr_member(r, o, path, "size_bytes", JV_INT, false);
    if (sb && sb->u.i >= 0)
        rel->size = (uint64_t)sb->u.i;
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
        image_check(r, ld->repo_fd, ld->repo, local, ld->flags & CATALOG_CHECK_IMAGES, p, p,
                    &rel->size, rel->sha256);
        break;
    default:
        break;
    }
}

static int cmp_release(const void *a, const void *b)
{
    return version_compare(&((const struct release *)a)->v, &((const struct release *)b)->v);
}

static void read_releases(struct loader *ld, struct jreader *r, const struct jv *mo,
                          const char *mpath, struct model *m)
{
    const struct jv *arr = jr_member(r, mo, mpath, "firmware_versions", JV_ARRAY, false);
    char path[JPATH_LEN];
    const struct jv *o;
    size_t i;

    if (!arr || arr->u.arr.n == 0)
        return;
    m->releases = arena_alloc(&ld->c->arena, arr->u.arr.n * sizeof(*m->releases));
    if (!m->releases) {
        r->oom = true;
        return;
    }
    for (i = 0; i < arr->u.arr.n && (o = arr->u.arr.items[i]); i++) {
        snprintf(path, sizeof(path), "%s.firmware_versions[%zu]", mpath, i);
        if (!jv_is(o, JV_OBJECT)) {
            jr_error(r, path, "expected an object, found %s", jv_type_name(o->type));
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
static void read_legacy(struct loader *ld, struct jreader *r, const struct jv *mo,
                        const char *mpath, const struct model *m)
{
    const struct jv *map = jr_member(r, mo, mpath, "mac_specific", JV_OBJECT, false);
    char path[JPATH_LEN];
    struct release rel;
    const char *key;
    const struct jv *o;

    if (!map)
        return;
    for (size_t i_ = 0; i_ < map->u.obj.n; i_++) {
        key = map->u.obj.members[i_].key;
        o = map->u.obj.members[i_].val;
        struct target *t;
        struct fw_err err;
        uint64_t mac;

        jr_join(path, mpath, "mac_specific");
        jr_join(path, path, key);
        if (mac_parse(key, &mac, &err) < 0) {
            jr_error(r, path, "%s", err.msg);
            continue;
        }
        if (!jv_is(o, JV_OBJECT)) {
            jr_error(r, path, "expected an object, found %s", jv_type_name(o->type));
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
        t->devices[0] = (struct target_device){.model = m->name,
                                               .version = rel.version,
                                               .v = rel.v,
                                               .url = rel.url,
                                               .file = rel.file,
                                               .changelog = rel.description,
                                               .release_date = rel.release_date,
                                               .file_size = rel.file_size,
                                               .signature = rel.signature,
                                               .key_id = rel.key_id,
                                               .size = rel.size,
                                               .targeted_fix = true};
        memcpy(t->devices[0].sha256, rel.sha256, sizeof(rel.sha256));
        if (ptrvec_push(&ld->targets, t) < 0)
            r->oom = true;
    }
}

int model_cmp(const void *a, const void *b)
{
    return strcmp(((const struct model *)a)->name, ((const struct model *)b)->name);
}

static void read_models(struct loader *ld, struct jreader *r, const struct jv *root)
{
    const struct jv *hm = jr_member(r, root, "", "hardware_models", JV_OBJECT, true);
    char path[JPATH_LEN];
    const char *name;
    const struct jv *mo;

    if (!hm)
        return;
    ld->c->models = arena_alloc(&ld->c->arena, (hm->u.obj.n + 1) * sizeof(struct model));
    if (!ld->c->models) {
        r->oom = true;
        return;
    }
    for (size_t i_ = 0; i_ < hm->u.obj.n; i_++) {
        name = hm->u.obj.members[i_].key;
        mo = hm->u.obj.members[i_].val;
        struct model *m = &ld->c->models[ld->c->n_models];

        jr_join(path, "hardware_models", name);
        if (!jv_is(mo, JV_OBJECT)) {
            jr_error(r, path, "expected an object, found %s", jv_type_name(mo->type));
            continue;
        }
        jr_unknown_keys(r, mo, path, MODEL_KEYS);
        m->name = jr_copy(r, name);
        read_releases(ld, r, mo, path, m);
        ld->c->n_models++;
    }
    qsort(ld->c->models, ld->c->n_models, sizeof(*ld->c->models), model_cmp);

    for (size_t i_ = 0; i_ < hm->u.obj.n; i_++) {
        name = hm->u.obj.members[i_].key;
        mo = hm->u.obj.members[i_].val;
        const struct model *m = catalog_model(ld->c, name);

        jr_join(path, "hardware_models", name);
        if (m && jv_is(mo, JV_OBJECT))
            read_legacy(ld, r, mo, path, m);
    }
}

int manifest_load(struct loader *ld, struct fw_err *err)
{
    struct jreader r = {"manifest.json", NULL, 0, &ld->c->arena, ld->pr, false, false};
    char full[FULL_LEN], *text = NULL;
    struct arena doc = {0};
    struct jv_error jerr;
    struct jv *root;
    size_t len;
    int rc = 0;

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
    if (jv_parse(text, len, &doc, &root, &jerr) < 0) {
        problems_add(ld->pr, SEV_ERROR, "manifest.json", jerr.line, jerr.col, "",
                     "invalid JSON: %s", jerr.msg);
        goto out;
    }
    if (!jv_is(root, JV_OBJECT)) {
        jr_error(&r, "", "expected a JSON object, found %s", jv_type_name(root->type));
        goto out;
    }
    jr_unknown_keys(&r, root, "", MANIFEST_KEYS);
    read_models(ld, &r, root);
    if (r.oom)
        rc = fw_fail(err, "out of memory reading manifest.json");

out:
    arena_free(&doc);
    free(text);
    return rc;
}
