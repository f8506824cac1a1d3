/* target.c: reading and validating one targeted fix in the seed's JSON format.
 * Every finding names file:line:column, the JSON path and what was expected. */
#include "target.h"

#include <stdio.h>
#include <string.h>

#include "catalog.h"
#include "image.h"
#include "isotime.h"
#include "jsonread.h"
#include "mac.h"

/* A targeted file being read, with what its cross-checks need. */
struct rd {
    struct jreader j;
    const char *repo;
    int repo_fd;
    const struct catalog *cat;
    int64_t now;
    int flags;
};

static const char *const ROOT_KEYS[] = {
    "customer_info",        "devices", "instructions", "expiry_date", "auto_rollback",
    "allow_unknown_device", NULL};
static const char *const CUSTOMER_KEYS[] = {"mac_address",  "device_serial", "customer_name",
                                            "issue_ticket", "created_date",  NULL};
static const char *const DEVICE_KEYS[] = {"model",
                                          "latest_version",
                                          "url",
                                          "changelog",
                                          "release_date",
                                          "file_size",
                                          "hardware_version",
                                          "targeted_fix",
                                          "fix_description",
                                          "rollback_info",
                                          "security",
                                          "size_bytes",
                                          NULL};
static const char *const ROLLBACK_KEYS[] = {"stable_version", "stable_url", NULL};
static const char *const SECURITY_KEYS[] = {"signed", "checksum", "signature", "key_id", NULL};
static const char *const INSTRUCTION_KEYS[] = {"installation", "verification", "support_contact",
                                               NULL};

static void read_customer(struct rd *r, const struct jv *root, struct target *t)
{
    const struct jv *ci = jr_member(&r->j, root, "", "customer_info", JV_OBJECT, true);
    struct fw_err err;
    uint64_t mac;

    if (!ci)
        return;
    jr_unknown_keys(&r->j, ci, "customer_info", CUSTOMER_KEYS);
    t->mac_address = jr_str(&r->j, ci, "customer_info", "mac_address", true);
    t->device_serial = jr_str(&r->j, ci, "customer_info", "device_serial", true);
    t->customer_name = jr_str(&r->j, ci, "customer_info", "customer_name", false);
    t->issue_ticket = jr_str(&r->j, ci, "customer_info", "issue_ticket", true);
    t->created_date = jr_str(&r->j, ci, "customer_info", "created_date", false);
    (void)jr_date(&r->j, t->created_date, "customer_info", "created_date");

    if (!t->mac_address || !t->mac_address[0])
        return;
    if (mac_parse(t->mac_address, &mac, &err) < 0) {
        jr_error(&r->j, "customer_info.mac_address", "%s", err.msg);
        return;
    }
    if (t->mac && mac != t->mac) {
        char inside[MAC_STR_LEN], name[MAC_STR_LEN];

        mac_format(mac, inside);
        mac_format(t->mac, name);
        jr_error(&r->j, "customer_info.mac_address",
                 "is %s but the file name says %s; expected the two to match", inside, name);
    }
    if (!t->mac)
        t->mac = mac;
}

static void read_security(struct rd *r, const struct jv *dev, const char *dpath,
                          struct target_device *d)
{
    char path[JPATH_LEN], cpath[JPATH_LEN];
    const struct jv *sec;

    jr_join(path, dpath, "security");
    sec = jr_member(&r->j, dev, dpath, "security", JV_OBJECT, true);
    if (!sec)
        return;
    jr_unknown_keys(&r->j, sec, path, SECURITY_KEYS);
    d->is_signed = jr_bool(&r->j, sec, path, "signed");
    d->checksum = jr_str(&r->j, sec, path, "checksum", true);
    d->signature = jr_str(&r->j, sec, path, "signature", false);
    d->key_id = jr_str(&r->j, sec, path, "key_id", false);
    if (!d->checksum || !d->checksum[0])
        return;

    jr_join(cpath, path, "checksum");
    (void)jr_sha256(&r->j, d->checksum, cpath, true, d->sha256);
}

static void read_rollback(struct rd *r, const struct jv *dev, const char *dpath,
                          struct target_device *d)
{
    char path[JPATH_LEN];
    const struct jv *rb;

    jr_join(path, dpath, "rollback_info");
    rb = jr_member(&r->j, dev, dpath, "rollback_info", JV_OBJECT, true);
    if (!rb)
        return;
    jr_unknown_keys(&r->j, rb, path, ROLLBACK_KEYS);
    d->rollback_version = jr_str(&r->j, rb, path, "stable_version", true);
    d->rollback_url = jr_str(&r->j, rb, path, "stable_url", false);
}

static void read_size(struct rd *r, const struct jv *dev, const char *dpath,
                      struct target_device *d)
{
    const struct jv *fs = jv_get(dev, "file_size");
    const struct jv *sb = jr_member(&r->j, dev, dpath, "size_bytes", JV_INT, false);
    char path[JPATH_LEN];

    if (fs && jv_is(fs, JV_STRING))
        d->file_size = jr_copy(&r->j, fs->u.str.s);
    else if (fs && !jv_is(fs, JV_INT)) {
        jr_join(path, dpath, "file_size");
        jr_error(&r->j, path, "expected a string like \"1.16 MB\" or a number of bytes");
    } else if (fs)
        d->size = (uint64_t)fs->u.i;

    if (sb && sb->u.i < 0) {
        jr_join(path, dpath, "size_bytes");
        jr_error(&r->j, path, "expected a number of bytes, 0 or more");
    } else if (sb) {
        d->size = (uint64_t)sb->u.i;
    }
}

static void read_device(struct rd *r, const struct jv *dev, const char *dpath,
                        struct target_device *d)
{
    char path[JPATH_LEN];
    struct fw_err err;

    jr_unknown_keys(&r->j, dev, dpath, DEVICE_KEYS);
    d->model = jr_str(&r->j, dev, dpath, "model", true);
    d->version = jr_str(&r->j, dev, dpath, "latest_version", true);
    d->url = jr_str(&r->j, dev, dpath, "url", true);
    d->changelog = jr_str(&r->j, dev, dpath, "changelog", false);
    d->release_date = jr_str(&r->j, dev, dpath, "release_date", false);
    (void)jr_date(&r->j, d->release_date, dpath, "release_date");
    d->hardware_version = jr_str(&r->j, dev, dpath, "hardware_version", false);
    d->targeted_fix = jr_bool(&r->j, dev, dpath, "targeted_fix");
    d->fixes = jr_str_array(&r->j, dev, dpath, "fix_description", &d->n_fixes);
    read_size(r, dev, dpath, d);
    read_rollback(r, dev, dpath, d);
    read_security(r, dev, dpath, d);

    if (d->version && d->version[0] && version_parse(d->version, &d->v, &err) < 0) {
        jr_join(path, dpath, "latest_version");
        jr_error(&r->j, path, "%s", err.msg);
        d->version = NULL;
    }
}

static void read_devices(struct rd *r, const struct jv *root, struct target *t)
{
    const struct jv *arr = jr_member(&r->j, root, "", "devices", JV_ARRAY, true);
    char dpath[JPATH_LEN];
    const struct jv *dev;
    size_t i;

    if (!arr)
        return;
    if (arr->u.arr.n == 0) {
        jr_error(&r->j, "devices", "expected at least one device entry");
        return;
    }
    t->devices = arena_alloc(r->j.arena, arr->u.arr.n * sizeof(*t->devices));
    if (!t->devices) {
        r->j.oom = true;
        return;
    }
    for (i = 0; i < arr->u.arr.n && (dev = arr->u.arr.items[i]); i++) {
        snprintf(dpath, sizeof(dpath), "devices[%zu]", i);
        if (!jv_is(dev, JV_OBJECT)) {
            jr_error(&r->j, dpath, "expected an object, found %s", jv_type_name(dev->type));
            continue;
        }
        read_device(r, dev, dpath, &t->devices[t->n_devices++]);
    }
}

static void read_instructions(struct rd *r, const struct jv *root, struct target *t)
{
    const struct jv *in = jr_member(&r->j, root, "", "instructions", JV_OBJECT, false);

    if (!in)
        return;
    jr_unknown_keys(&r->j, in, "instructions", INSTRUCTION_KEYS);
    t->install_steps = jr_str_array(&r->j, in, "instructions", "installation", &t->n_install);
    t->verify_steps = jr_str_array(&r->j, in, "instructions", "verification", &t->n_verify);
    t->support_contact = jr_str(&r->j, in, "instructions", "support_contact", false);
}

static void read_expiry(struct rd *r, const struct jv *root, struct target *t)
{
    char when[ISOTIME_STR_LEN], now[ISOTIME_STR_LEN];

    t->expiry_date = jr_str(&r->j, root, "", "expiry_date", true);
    t->expiry = jr_date(&r->j, t->expiry_date, "", "expiry_date");
    if (!t->expiry)
        t->expiry = NEVER_EXPIRES; /* already reported as missing or bad */
    if ((r->flags & TARGET_CHECK_EXPIRY) && t->expiry != NEVER_EXPIRES && t->expiry <= r->now) {
        isotime_format(t->expiry, when);
        isotime_format(r->now, now);
        jr_error(&r->j, "expiry_date", "the fix expired on %s; expected a date after now (%s)",
                 when, now);
    }
}

/* The MAC named by a file name "targeted/AB_CD_EF_12_34_56.json". */
static void mac_from_name(struct rd *r, struct target *t)
{
    const char *base = strrchr(r->j.file, '/');
    char name[64];
    struct fw_err err;
    size_t n;

    base = base ? base + 1 : r->j.file;
    n = strlen(base);
    if (n > 5 && strcmp(base + n - 5, ".json") == 0)
        n -= 5;
    if (n >= sizeof(name))
        n = sizeof(name) - 1;
    memcpy(name, base, n);
    name[n] = '\0';
    if (mac_parse(name, &t->mac, &err) < 0) {
        problems_add(r->j.pr, SEV_ERROR, r->j.file, 0, 0, "",
                     "file name is not a MAC address (%s); expected AB_CD_EF_12_34_56.json",
                     err.msg);
        r->j.errors = true;
        t->mac = 0;
    }
}

static void check_url(struct rd *r, const struct target *t, const char *dpath,
                      struct target_device *d)
{
    char rel[1024], upath[JPATH_LEN], want[64], macfile[MAC_STR_LEN];
    int local;

    if (!d->url || !d->url[0])
        return;
    jr_join(upath, dpath, "url");
    local = catalog_local_path(d->url, rel, sizeof(rel));
    if (local < 0) {
        jr_error(&r->j, upath, "unsafe path in URL; expected /targeted/firmware/<MAC>/<file>");
        return;
    }
    if (local == 0)
        return; /* served from elsewhere (a CDN): nothing to check here */

    d->file = jr_copy(&r->j, rel);
    if (t->mac) {
        mac_format_file(t->mac, macfile);
        snprintf(want, sizeof(want), "targeted/firmware/%s/", macfile);
        if (strncmp(rel, want, strlen(want)) != 0 || strchr(rel + strlen(want), '/')) {
            jr_error(&r->j, upath, "image %s is outside this device's folder; expected %s<file>",
                     rel, want);
            return;
        }
    }
    if (r->repo) {
        char sum[JPATH_LEN];

        jr_join(sum, dpath, "security.checksum");
        image_check(&r->j, r->repo_fd, r->repo, rel, r->flags & TARGET_CHECK_IMAGES, upath, sum,
                    &d->size, d->sha256);
    }
}

static void check_rollback(struct rd *r, const char *dpath, const struct target_device *d)
{
    char path[JPATH_LEN], rel[1024];
    const struct release *rel_v;

    if (!d->model || !catalog_model(r->cat, d->model) || !d->rollback_version ||
        !d->rollback_version[0])
        return; /* an unknown model is reported once, by check_model */
    jr_join(path, dpath, "rollback_info.stable_version");
    rel_v = catalog_release(r->cat, d->model, d->rollback_version);
    if (!rel_v) {
        jr_error(&r->j, path,
                 "%s is not a general release of %s in manifest.json; expected one of "
                 "its firmware_versions",
                 d->rollback_version, d->model);
        return;
    }
    if (d->rollback_url && catalog_local_path(d->rollback_url, rel, sizeof(rel)) == 1 &&
        rel_v->file && strcmp(rel, rel_v->file) != 0) {
        jr_join(path, dpath, "rollback_info.stable_url");
        jr_error(&r->j, path, "points to %s but release %s of %s is %s", rel, rel_v->version,
                 d->model, rel_v->file);
    }
}

static void check_model(struct rd *r, const struct target *t, const char *dpath,
                        const struct target_device *d)
{
    const struct device *known = catalog_device(r->cat, t->mac);
    char path[JPATH_LEN];

    if (!d->model || !d->model[0])
        return;
    jr_join(path, dpath, "model");
    if (!catalog_model(r->cat, d->model)) {
        jr_error(&r->j, path, "unknown model %s; expected a hardware model of manifest.json",
                 d->model);
        return;
    }
    if (known && known->model && known->model[0] && strcmp(known->model, d->model) != 0)
        jr_error(&r->j, path, "is %s but devices.csv records this device as %s", d->model,
                 known->model);
}

static void check_device_known(struct rd *r, const struct target *t)
{
    const struct device *known;
    char mac[MAC_STR_LEN];

    if (!t->mac)
        return;
    known = catalog_device(r->cat, t->mac);
    mac_format(t->mac, mac);
    if (!known) {
        if (!t->allow_unknown_device)
            jr_error(&r->j, "customer_info.mac_address",
                     "%s is not a known device; expected it in devices.csv (or a target "
                     "created with --force)",
                     mac);
        return;
    }
    if (t->device_serial && t->device_serial[0] && strcmp(known->serial, t->device_serial) != 0)
        jr_error(&r->j, "customer_info.device_serial",
                 "does not match the serial devices.csv records for %s", mac);
}

static void check_against_catalog(struct rd *r, struct target *t)
{
    char dpath[JPATH_LEN];

    for (size_t i = 0; i < t->n_devices; i++) {
        snprintf(dpath, sizeof(dpath), "devices[%zu]", i);
        check_url(r, t, dpath, &t->devices[i]);
        if (!r->cat)
            continue;
        check_model(r, t, dpath, &t->devices[i]);
        check_rollback(r, dpath, &t->devices[i]);
        for (size_t j = 0; j < i; j++)
            if (t->devices[i].model && t->devices[j].model &&
                strcmp(t->devices[i].model, t->devices[j].model) == 0)
                jr_error(&r->j, dpath, "a second entry for model %s; expected one per model",
                         t->devices[i].model);
    }
    if (r->cat)
        check_device_known(r, t);
}

int target_parse(const char *repo, const char *file, const char *text, size_t len,
                 const struct catalog *cat, int64_t now, int flags, struct arena *arena,
                 struct target **out, struct problems *pr)
{
    struct arena scratch = {0};
    struct target_loader tl = {repo, -1, cat, now, flags, arena, &scratch};
    int rc = target_parse_with(&tl, file, text, len, out, pr);

    arena_free(&scratch);
    return rc;
}

int target_parse_with(const struct target_loader *tl, const char *file, const char *text,
                      size_t len, struct target **out, struct problems *pr)
{
    struct rd r = {{file, text, len, tl->arena, pr, false, false},
                   tl->repo,
                   tl->repo_fd,
                   tl->cat,
                   tl->now,
                   tl->flags};
    struct arena *doc = tl->scratch, *arena = tl->arena;
    struct jv_error jerr;
    struct target *t;
    struct jv *root;

    *out = NULL;
    if (jv_parse(text, len, doc, &root, &jerr) < 0) {
        problems_add(pr, SEV_ERROR, file, jerr.line, jerr.col, "", "invalid JSON: %s", jerr.msg);
        arena_reset(doc);
        return -1;
    }
    if (!jv_is(root, JV_OBJECT)) {
        jr_error(&r.j, "", "expected a JSON object, found %s", jv_type_name(root->type));
        arena_reset(doc);
        return -1;
    }
    t = arena_alloc(arena, sizeof(*t));
    if (!t) {
        arena_reset(doc);
        problems_add(pr, SEV_ERROR, file, 0, 0, "", "out of memory");
        return -1;
    }

    t->file = jr_copy(&r.j, file);
    mac_from_name(&r, t);
    jr_unknown_keys(&r.j, root, "", ROOT_KEYS);
    read_customer(&r, root, t);
    read_devices(&r, root, t);
    read_instructions(&r, root, t);
    t->auto_rollback = jr_bool(&r.j, root, "", "auto_rollback");
    t->allow_unknown_device = jr_bool(&r.j, root, "", "allow_unknown_device");
    read_expiry(&r, root, t);
    check_against_catalog(&r, t);
    arena_reset(doc);

    if (r.j.oom) {
        problems_add(pr, SEV_ERROR, file, 0, 0, "", "out of memory");
        return -1;
    }
    if (!t->mac || t->n_devices == 0)
        return -1;
    t->has_errors = r.j.errors;
    *out = t;
    return 0;
}

const struct target_device *target_device_for(const struct target *t, const char *model)
{
    for (size_t i = 0; i < t->n_devices; i++)
        if (t->devices[i].model && strcmp(t->devices[i].model, model) == 0)
            return &t->devices[i];
    return NULL;
}

struct version target_base_version(const struct target_device *d)
{
    struct version v = d->v;

    v.pre = NULL;
    v.pre_len = 0;
    v.build = NULL;
    v.build_len = 0;
    return v;
}
