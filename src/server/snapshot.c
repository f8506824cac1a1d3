/* snapshot.c: loading, publishing and reference counting of catalog snapshots. */
#include "snapshot.h"

#include <jansson.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/isotime.h"
#include "crypto/sha256.h"
#include "jbuf.h"
#include "signed.h"
#include "srvlog.h"

#define URL_MAX             4096
#define PROBLEMS_LOGGED_MAX 200

static pthread_mutex_t publish_lock = PTHREAD_MUTEX_INITIALIZER;
static struct snapshot *current;
static atomic_uint_fast64_t generation;
static const char *repo_dir;
static const char *public_base;

struct snapshot_data {
    atomic_long refs;
    struct catalog *cat;
    char *manifest;
};

static void snapshot_free(struct snapshot *s)
{
    signed_answers_free(s->answers);
    if (s->data && atomic_fetch_sub(&s->data->refs, 1) == 1) {
        catalog_free(s->data->cat);
        free(s->data->manifest);
        free(s->data);
    }
    free(s);
}

/* The manifest's URL as devices should see it: local paths under --public-url when
 * one is given, else as written in manifest.json. */
static json_t *release_url(const struct release *r)
{
    struct jbuf b;
    json_t *v;

    if (!public_base || !r->file)
        return json_string(r->url);
    jbuf_init(&b, URL_MAX);
    jbuf_cstr(&b, public_base);
    jbuf_raw(&b, "/", 1);
    jbuf_urlpath(&b, r->file, strlen(r->file));
    v = b.overflow ? json_string(r->url) : json_string(b.p);
    jbuf_free(&b);
    return v;
}

static json_t *release_json(const struct release *r)
{
    json_t *o = json_object();

    json_object_set_new(o, "version", json_string(r->version));
    json_object_set_new(o, "url", release_url(r));
    json_object_set_new(o, "description", json_string(r->description ? r->description : ""));
    if (r->release_date)
        json_object_set_new(o, "release_date", json_string(r->release_date));
    if (r->file_size)
        json_object_set_new(o, "file_size", json_string(r->file_size));
    if (r->sha256[0])
        json_object_set_new(o, "sha256", json_string(r->sha256));
    if (r->size)
        json_object_set_new(o, "size_bytes", json_integer((json_int_t)r->size));
    if (r->signature)
        json_object_set_new(o, "signature", json_string(r->signature));
    if (r->key_id)
        json_object_set_new(o, "key_id", json_string(r->key_id));
    return o;
}

/* The general catalog in the existing site's format; no mac_specific, no targets. */
static int build_manifest(struct snapshot *s)
{
    json_t *root = json_object(), *models = json_object();
    unsigned char d[SHA256_LEN];
    char hex[SHA256_HEX_LEN];

    json_object_set_new(root, "hardware_models", models);
    for (size_t i = 0; i < s->cat->n_models; i++) {
        const struct model *m = &s->cat->models[i];
        json_t *list = json_array(), *mo = json_object();

        for (size_t k = 0; k < m->n_releases; k++)
            json_array_append_new(list, release_json(&m->releases[k]));
        json_object_set_new(mo, "firmware_versions", list);
        json_object_set_new(models, m->name, mo);
    }
    s->manifest = json_dumps(root, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
    json_decref(root);
    if (!s->manifest)
        return -1;
    s->manifest_len = strlen(s->manifest);
    sha256_buf(s->manifest, s->manifest_len, d);
    sha256_hex(d, hex);
    snprintf(s->manifest_etag, sizeof(s->manifest_etag), "\"%.16s\"", hex);
    return 0;
}

static void log_problems(const struct problems *pr)
{
    char line[2048];
    size_t shown = pr->n < PROBLEMS_LOGGED_MAX ? pr->n : PROBLEMS_LOGGED_MAX;

    for (size_t i = 0; i < shown; i++) {
        const struct problem *p = &pr->v[i];

        problem_format(p, line, sizeof(line));
        srvlog(p->sev == SEV_ERROR ? SRVLOG_ERROR : SRVLOG_WARN, "catalog_problem", p->file, "%s",
               line);
    }
    if (pr->n > shown || pr->dropped)
        srvlog(SRVLOG_WARN, "catalog_problem", repo_dir, "%zu more findings not shown",
               pr->n - shown + pr->dropped);
}

/* Loads a new snapshot (not yet published). */
static struct snapshot *load(struct fw_err *err)
{
    struct problems pr = {0};
    struct snapshot *s = calloc(1, sizeof(*s));

    if (!s || !(s->data = calloc(1, sizeof(*s->data)))) {
        free(s);
        s = NULL;
        fw_fail(err, "out of memory");
        goto out;
    }
    atomic_init(&s->data->refs, 1);
    if (catalog_load(repo_dir, CATALOG_STRICT, isotime_now(), &s->cat, &pr, err) < 0) {
        free(s->data);
        free(s);
        s = NULL;
        goto out;
    }
    s->data->cat = s->cat;
    /* before the manifest: --require-signed takes unsigned releases out of both */
    if (signed_answers_build(s->cat, isotime_now(), &s->answers, err) < 0 ||
        (build_manifest(s) < 0 && fw_fail(err, "out of memory building manifest.json"))) {
        snapshot_free(s);
        s = NULL;
        goto out;
    }
    s->data->manifest = s->manifest;
    atomic_init(&s->refs, 1);
out:
    log_problems(&pr);
    problems_free(&pr);
    return s;
}

static void publish(struct snapshot *s)
{
    struct snapshot *old;

    pthread_mutex_lock(&publish_lock);
    old = current;
    s->generation = atomic_load(&generation) + 1;
    current = s;
    atomic_store(&generation, s->generation);
    pthread_mutex_unlock(&publish_lock);
    snapshot_release(old);
}

int snapshot_init(const char *repo, const char *public_url, struct fw_err *err)
{
    struct snapshot *s;

    repo_dir = repo;
    public_base = public_url;
    s = load(err);
    if (!s)
        return fw_context(err, "cannot load %s", repo);
    publish(s);
    return 0;
}

int snapshot_reload(const char *why)
{
    static pthread_mutex_t reload_lock = PTHREAD_MUTEX_INITIALIZER;
    struct fw_err err = {{0}};
    struct snapshot *s;

    /* the watcher and the admin worker both reload: one load at a time, so that an older
     * load never publishes after a newer one */
    pthread_mutex_lock(&reload_lock);
    s = load(&err);
    if (!s) {
        srvlog(SRVLOG_ERROR, "reload_failed", repo_dir, "(%s) keeping generation %llu: %s", why,
               (unsigned long long)atomic_load(&generation), err.msg);
        pthread_mutex_unlock(&reload_lock);
        return -1;
    }
    publish(s);
    srvlog(SRVLOG_INFO, "reload", repo_dir, "(%s) generation %llu: %zu models, %zu targets", why,
           (unsigned long long)s->generation, s->cat->n_models, s->cat->n_targets);
    pthread_mutex_unlock(&reload_lock);
    return 0;
}

/* A copy of old sharing its catalog and manifest, with answers renewed for now. */
static struct snapshot *renewed(const struct snapshot *old, int64_t now)
{
    struct snapshot *s = calloc(1, sizeof(*s));

    if (!s)
        return NULL;
    s->answers = signed_answers_renew(old->answers, old->cat, now);
    if (!s->answers) {
        free(s);
        return NULL;
    }
    s->cat = old->cat;
    s->manifest = old->manifest;
    s->manifest_len = old->manifest_len;
    memcpy(s->manifest_etag, old->manifest_etag, sizeof(s->manifest_etag));
    s->data = old->data;
    atomic_fetch_add(&s->data->refs, 1);
    atomic_init(&s->refs, 1);
    return s;
}

void snapshot_renew_answers(int64_t now)
{
    struct snapshot *old = snapshot_acquire(), *s = NULL;
    bool done = false;

    if (!old || !signed_answers_stale(old->answers, now))
        goto out;
    s = renewed(old, now); /* outside the lock: the table of a large catalog takes a while */
    if (!s) {
        srvlog(SRVLOG_ERROR, "answers_renew_failed", repo_dir, "out of memory");
        goto out;
    }
    pthread_mutex_lock(&publish_lock);
    if (current == old) { /* not renewed nor reloaded by another thread meanwhile */
        s->generation = atomic_load(&generation) + 1;
        current = s;
        atomic_store(&generation, s->generation);
        done = true;
    }
    pthread_mutex_unlock(&publish_lock);
    if (done) {
        snapshot_release(old); /* the reference current held */
        srvlog(SRVLOG_INFO, "answers_renewed", repo_dir, "generation %llu",
               (unsigned long long)s->generation);
        s = NULL;
    }
out:
    if (s)
        snapshot_free(s);
    snapshot_release(old);
}

struct snapshot *snapshot_acquire(void)
{
    struct snapshot *s;

    /* The lock makes "read the pointer, take a reference" one step against publish();
     * threads take it only when the generation changed, not per request. */
    pthread_mutex_lock(&publish_lock);
    s = current;
    if (s)
        atomic_fetch_add(&s->refs, 1);
    pthread_mutex_unlock(&publish_lock);
    return s;
}

void snapshot_release(struct snapshot *s)
{
    if (s && atomic_fetch_sub(&s->refs, 1) == 1)
        snapshot_free(s);
}

uint64_t snapshot_generation(void)
{
    return atomic_load_explicit(&generation, memory_order_acquire);
}

void snapshot_shutdown(void)
{
    struct snapshot *s;

    pthread_mutex_lock(&publish_lock);
    s = current;
    current = NULL;
    pthread_mutex_unlock(&publish_lock);
    snapshot_release(s);
}
