/* catalog.c: loading a repository (manifest.json, devices.csv, targeted/, firmware/) into one
 * immutable snapshot that the server can share between threads and swap as a whole. */
#include "catalog.h"

#include <dirent.h>
#include <fcntl.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fsutil.h"
#include "image.h"
#include "loader.h"
#include "jsonread.h"
#include "mac.h"
#include "url.h"
#include "../crypto/sha256.h"

#define REL_LEN          1024
#define FULL_LEN         4096
#define EXPIRING_SECONDS (7 * 24 * 3600)
#define MAX_LOAD_THREADS 8

/* ---- URLs that point into the repository ---- */

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
    if (url_unescape(path, n, URL_PATH, out, outlen) < 0 || !url_plain_components(out))
        return -1;
    return 1;
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

/* One thread's share of targeted/: its own arena, findings and targets, merged after the
 * threads finish, so the threads share nothing they write. */
struct worker {
    struct loader *ld;
    char **names; /* "targeted/<file>", with a leading '@' when the entry may be a symlink */
    size_t n_names;
    size_t first;
    size_t step;
    struct arena arena;
    struct arena scratch;
    struct target_loader tl;
    struct problems pr;
    struct ptrvec targets;
    int rc;
    pthread_t thread;
};

static int load_target_file(struct worker *w, const char *rel, bool is_link)
{
    char full[FULL_LEN], *text = NULL;
    struct loader *ld = w->ld;
    struct target *t = NULL;
    struct fw_err err;
    size_t len;
    int rc;

    if (is_link) {
        /* a symlink may stay inside the repository; it is resolved and checked */
        if (fs_resolve_inside(ld->repo, rel, full, sizeof(full), &err) < 0 ||
            fs_read_file(full, TARGET_FILE_MAX, &text, &len, &err) < 0) {
            problems_add(&w->pr, SEV_ERROR, rel, 0, 0, "", "%s", err.msg);
            return 0;
        }
    } else if (fs_read_at(ld->targeted_fd, rel + strlen("targeted/"), O_NOFOLLOW, TARGET_FILE_MAX,
                          &text, &len, &err) < 0) {
        /* O_NOFOLLOW: an entry swapped for a symlink since the listing is refused */
        problems_add(&w->pr, SEV_ERROR, rel, 0, 0, "", "%s", err.msg);
        return 0;
    }
    rc = target_parse_with(&w->tl, rel, text, len, &t, &w->pr);
    free(text);
    if (rc == 0 && ptrvec_push(&w->targets, t) < 0)
        return -1;
    return 0;
}

static void *work(void *arg)
{
    struct worker *w = arg;

    for (size_t i = w->first; i < w->n_names && w->rc == 0; i += w->step) {
        const char *name = w->names[i];

        w->rc = load_target_file(w, name[0] == '@' ? name + 1 : name, name[0] == '@');
    }
    arena_free(&w->scratch);
    return NULL;
}

/* Lists the targeted JSON files into names ("targeted/<file>", '@' first when maybe a symlink). */
static int list_targets(struct loader *ld, struct ptrvec *names)
{
    char dir[FULL_LEN], rel[REL_LEN];
    struct fw_err err;
    struct dirent *de;
    DIR *d;

    if (fs_resolve_inside(ld->repo, "targeted", dir, sizeof(dir), &err) < 0) {
        problems_add(ld->pr, SEV_ERROR, "targeted", 0, 0, "", "%s", err.msg);
        return 0;
    }
    d = opendir(dir);
    if (!d) {
        if (errno != ENOENT)
            problems_add(ld->pr, SEV_ERROR, "targeted", 0, 0, "", "cannot read the folder: %s",
                         strerror(errno));
        return 0;
    }
    ld->targeted_fd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (ld->targeted_fd < 0) {
        closedir(d);
        return -1;
    }
    while ((de = readdir(d))) {
        bool maybe_link = de->d_type == DT_LNK || de->d_type == DT_UNKNOWN;
        char *copy;

        if (!is_json_name(de->d_name) || de->d_type == DT_DIR)
            continue;
        if (snprintf(rel, sizeof(rel), "%stargeted/%s", maybe_link ? "@" : "", de->d_name) >=
            (int)sizeof(rel))
            continue;
        copy = strdup(rel);
        if (!copy || ptrvec_push(names, copy) < 0) {
            free(copy);
            closedir(d);
            return -1;
        }
    }
    closedir(d);
    return 0;
}

static int threads_for(size_t n_files)
{
    long cores = sysconf(_SC_NPROCESSORS_ONLN);
    size_t t = cores > 0 ? (size_t)cores : 1;

    if (t > MAX_LOAD_THREADS)
        t = MAX_LOAD_THREADS;
    if (t > n_files / 256 + 1) /* threads cost more than they save on small catalogs */
        t = n_files / 256 + 1;
    return (int)t;
}

/* Joins the workers and merges what they read into the loader; -1 when any failed. */
static int merge_workers(struct loader *ld, struct worker *w, int n)
{
    int rc = 0;

    for (int k = 0; k < n; k++) {
        if (k > 0)
            pthread_join(w[k].thread, NULL);
        arena_adopt(&ld->c->arena, &w[k].arena);
        problems_move(ld->pr, &w[k].pr);
        for (size_t i = 0; i < w[k].targets.n && rc == 0; i++)
            rc = ptrvec_push(&ld->targets, w[k].targets.v[i]);
        free(w[k].targets.v);
        if (w[k].rc < 0)
            rc = -1;
    }
    return rc;
}

static int load_targets(struct loader *ld, struct fw_err *err)
{
    struct worker w[MAX_LOAD_THREADS];
    struct ptrvec names = {0};
    int n, rc;

    rc = list_targets(ld, &names);
    n = threads_for(names.n);
    memset(w, 0, sizeof(w));
    for (int k = 0; k < n && rc == 0; k++) {
        w[k] = (struct worker){.ld = ld,
                               .names = (char **)names.v,
                               .n_names = names.n,
                               .first = (size_t)k,
                               .step = (size_t)n};
        w[k].tl = (struct target_loader){ld->repo,  ld->repo_fd, ld->c,        ld->now,
                                         ld->flags, &w[k].arena, &w[k].scratch};
        /* worker 0 runs on this thread; a thread that cannot start leaves its share to it */
        if (k > 0 && pthread_create(&w[k].thread, NULL, work, &w[k]) != 0) {
            n = k;
            w[0].step = 1;
            for (int j = 1; j < k; j++)
                w[j].n_names = 0; /* started: they stop; worker 0 reads everything */
            break;
        }
    }
    if (rc == 0) {
        work(&w[0]);
        rc = merge_workers(ld, w, n);
    }
    for (size_t i = 0; i < names.n; i++)
        free(names.v[i]);
    free(names.v);
    if (ld->targeted_fd >= 0)
        close(ld->targeted_fd);
    ld->targeted_fd = -1;
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
    if (ld->targets.n)
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
    struct loader ld = {
        .repo = repo, .repo_fd = -1, .targeted_fd = -1, .flags = flags, .now = now, .pr = pr};
    size_t errors_before = pr->errors;
    struct stat st;

    *out = NULL;
    if (stat(repo, &st) < 0 || !S_ISDIR(st.st_mode))
        return fw_fail(err, "%s is not a repository folder: %s", repo,
                       errno ? strerror(errno) : "not a directory");
    ld.c = calloc(1, sizeof(*ld.c));
    if (!ld.c)
        return fw_fail(err, "out of memory");
    ld.repo_fd = open(repo, O_PATH | O_DIRECTORY | O_CLOEXEC);
    ld.c->loaded_at = now;
    ld.c->repo = arena_strdup(&ld.c->arena, repo);

    if (!ld.c->repo || manifest_load(&ld, err) < 0 || load_devices(&ld, err) < 0 ||
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
    if (ld.repo_fd >= 0)
        close(ld.repo_fd);
    return 0;

fail:
    if (ld.repo_fd >= 0)
        close(ld.repo_fd);
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
    return bsearch(&key, c->models, c->n_models, sizeof(*c->models), model_cmp);
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

enum target_state catalog_target_state(const struct catalog *c, const struct target *t, int64_t now)
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
