/* image_trust.c: withholding catalog images without a valid signature; see image_trust.h. */
#include "image_trust.h"

#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base64.h"
#include "sha256.h"

/* A set of SHA-256 digests of (sha256, key id, signature) triples that verified. */
struct digest_set {
    unsigned char (*v)[SHA256_LEN];
    unsigned char *used;
    size_t cap, n; /* cap: a power of two, or 0 */
};

struct trust_cache {
    struct digest_set last; /* what the previous filtering verified or found here */
};

struct trust_cache *trust_cache_new(void)
{
    return calloc(1, sizeof(struct trust_cache));
}

static void set_free(struct digest_set *s)
{
    free(s->v);
    free(s->used);
    memset(s, 0, sizeof(*s));
}

void trust_cache_free(struct trust_cache *tc)
{
    if (!tc)
        return;
    set_free(&tc->last);
    free(tc);
}

static size_t slot_of(const unsigned char d[SHA256_LEN], size_t cap)
{
    uint64_t h;

    memcpy(&h, d, sizeof(h));
    return (size_t)h & (cap - 1);
}

static bool set_has(const struct digest_set *s, const unsigned char d[SHA256_LEN])
{
    if (!s->cap)
        return false;
    for (size_t i = slot_of(d, s->cap); s->used[i]; i = (i + 1) & (s->cap - 1))
        if (memcmp(s->v[i], d, SHA256_LEN) == 0)
            return true;
    return false;
}

static int set_add(struct digest_set *s, const unsigned char d[SHA256_LEN]);

static int set_grow(struct digest_set *s)
{
    struct digest_set g = {0};

    g.cap = s->cap ? s->cap * 2 : 64;
    g.v = malloc(g.cap * SHA256_LEN);
    g.used = calloc(g.cap, 1);
    if (!g.v || !g.used) {
        set_free(&g);
        return -1;
    }
    for (size_t i = 0; i < s->cap; i++)
        if (s->used[i])
            (void)set_add(&g, s->v[i]); /* g has room: cannot fail */
    set_free(s);
    *s = g;
    return 0;
}

static int set_add(struct digest_set *s, const unsigned char d[SHA256_LEN])
{
    size_t i;

    if ((s->n + 1) * 2 > s->cap && set_grow(s) < 0)
        return -1;
    for (i = slot_of(d, s->cap); s->used[i]; i = (i + 1) & (s->cap - 1))
        if (memcmp(s->v[i], d, SHA256_LEN) == 0)
            return 0;
    memcpy(s->v[i], d, SHA256_LEN);
    s->used[i] = 1;
    s->n++;
    return 0;
}

static int unhex(const char *s, unsigned char out[SHA256_LEN])
{
    for (size_t i = 0; i < SHA256_LEN; i++) {
        int v = 0;

        for (int k = 0; k < 2; k++) {
            char ch = s[2 * i + (size_t)k];
            int x = ch >= '0' && ch <= '9'   ? ch - '0'
                    : ch >= 'a' && ch <= 'f' ? ch - 'a' + 10
                    : ch >= 'A' && ch <= 'F' ? ch - 'A' + 10
                                             : -1;

            if (x < 0)
                return -1;
            v = v * 16 + x;
        }
        out[i] = (unsigned char)v;
    }
    return 0;
}

bool trust_image(const struct sign_keyring *ring, const char *sha256, const char *signature,
                 const char *key_id, struct fw_err *why)
{
    unsigned char digest[SHA256_LEN], sig[SIGN_MAX];
    struct fw_err e;
    long n;

    if (!sha256 || !sha256_is_hex(sha256) || unhex(sha256, digest) < 0)
        return fw_fail(why, "its sha256 is not recorded"), false;
    if (!signature || !signature[0] || !key_id || !key_id[0])
        return fw_fail(why, "it is not signed (no signature or key_id; see fwhub sign)"), false;
    n = base64_decode(signature, strlen(signature), sig, sizeof(sig));
    if (n <= 0)
        return fw_fail(why, "its signature is not base64"), false;
    if (!sign_keyring_verify(ring, key_id, digest, sig, (size_t)n, &e))
        return fw_fail(why, "%s", e.msg), false;
    return true;
}

/* The cache's name for one triple. */
static void triple(const char *sha256, const char *signature, const char *key_id,
                   unsigned char out[SHA256_LEN])
{
    struct sha256_ctx c;
    struct fw_err e;

    if (sha256_init(&c, &e) < 0) { /* cannot happen with OpenSSL's SHA-256; never a hit */
        memset(out, 0, SHA256_LEN);
        return;
    }
    sha256_update(&c, sha256, strlen(sha256) + 1);
    sha256_update(&c, key_id, strlen(key_id) + 1);
    sha256_update(&c, signature, strlen(signature) + 1);
    sha256_final(&c, out);
}

/* One image of the catalog, in filtering order: the releases of each model, then the
 * entries of each target. */
struct check {
    const char *subject, *version, *sha256, *signature, *key_id;
    unsigned char state;          /* UNKNOWN until decided */
    unsigned char id[SHA256_LEN]; /* its name in the cache (triple), when it has a key */
};

enum { UNKNOWN, CACHED, VERIFIED, REFUSED };

#define WORKERS_MAX   8
#define PARALLEL_FROM 64 /* fewer signatures to verify: one thread */

struct work {
    const struct sign_keyring *ring;
    struct check *v;
    size_t n, step, first;
};

/* Verifies every step-th image from first on that the cache did not decide. */
static void *verify_some(void *arg)
{
    struct work *w = arg;

    for (size_t i = w->first; i < w->n; i += w->step) {
        struct check *c = &w->v[i];

        if (c->state == UNKNOWN)
            c->state =
                trust_image(w->ring, c->sha256, c->signature, c->key_id, NULL) ? VERIFIED : REFUSED;
    }
    return NULL;
}

/* ECDSA verification costs 50-100 us: a first load of 100,000 signed targets spreads it
 * over the cores. */
static void verify_all(const struct sign_keyring *ring, struct check *v, size_t n, size_t todo)
{
    long cores = sysconf(_SC_NPROCESSORS_ONLN);
    size_t k = todo < PARALLEL_FROM || cores < 2 ? 1
               : cores > WORKERS_MAX             ? WORKERS_MAX
                                                 : (size_t)cores;
    struct work w[WORKERS_MAX];
    pthread_t th[WORKERS_MAX];
    size_t started = 1;

    for (size_t i = 0; i < k; i++)
        w[i] = (struct work){ring, v, n, k, i};
    for (size_t i = 1; i < k; i++) {
        if (pthread_create(&th[i], NULL, verify_some, &w[i]) != 0)
            break;
        started++;
    }
    verify_some(&w[0]);
    for (size_t i = 1; i < started; i++)
        pthread_join(th[i], NULL);
    for (size_t i = started; i < k; i++) /* a thread that could not start: do its share */
        verify_some(&w[i]);
}

/* Lists every image of c; decides from the cache what it can. Returns the count, or
 * (size_t)-1 when out of memory. */
static size_t list_images(const struct catalog *c, const struct sign_keyring *ring,
                          const struct digest_set *last, struct check **out, size_t *todo)
{
    size_t n = 0, k = 0;
    struct check *v;

    for (size_t i = 0; i < c->n_models; i++)
        n += c->models[i].n_releases;
    for (size_t i = 0; i < c->n_targets; i++)
        n += c->targets[i]->n_devices;
    v = calloc(n ? n : 1, sizeof(*v));
    if (!v)
        return (size_t)-1;
    for (size_t i = 0; i < c->n_models; i++)
        for (size_t r = 0; r < c->models[i].n_releases; r++) {
            const struct release *rel = &c->models[i].releases[r];

            v[k++] = (struct check){.subject = c->models[i].name,
                                    .version = rel->version,
                                    .sha256 = rel->sha256,
                                    .signature = rel->signature,
                                    .key_id = rel->key_id};
        }
    for (size_t i = 0; i < c->n_targets; i++)
        for (size_t d = 0; d < c->targets[i]->n_devices; d++) {
            const struct target_device *e = &c->targets[i]->devices[d];

            v[k++] = (struct check){.subject = c->targets[i]->file,
                                    .version = e->version,
                                    .sha256 = e->sha256,
                                    .signature = e->signature,
                                    .key_id = e->key_id};
        }
    *todo = 0;
    for (size_t i = 0; i < n; i++) {
        if (v[i].signature && v[i].key_id && sha256_is_hex(v[i].sha256) &&
            sign_keyring_find(ring, v[i].key_id)) {
            triple(v[i].sha256, v[i].signature, v[i].key_id, v[i].id);
            if (set_has(last, v[i].id))
                v[i].state = CACHED;
        }
        *todo += v[i].state == UNKNOWN;
    }
    *out = v;
    return n;
}

/* The filtering in progress. */
struct pass {
    const struct sign_keyring *ring;
    struct check *v;
    size_t at;
    struct digest_set next;
    trust_report_fn report;
    void *ctx;
    struct trust_counts *counts;
    int oom;
};

/* The decision on the next image, remembered for the next load when trusted. */
static bool trusted(struct pass *p)
{
    struct check *c = &p->v[p->at++];
    struct fw_err why;

    if (c->state == REFUSED) {
        (void)trust_image(p->ring, c->sha256, c->signature, c->key_id, &why); /* the reason */
        if (p->report)
            p->report(p->ctx, c->subject, c->version, why.msg);
        return false;
    }
    p->counts->verified += c->state == VERIFIED; /* trusted: it had a key, so c->id is set */
    p->oom |= set_add(&p->next, c->id) < 0;
    return true;
}

static void filter_model(struct pass *p, struct model *m)
{
    size_t kept = 0;

    for (size_t i = 0; i < m->n_releases; i++) {
        if (!trusted(p))
            continue;
        if (kept != i)
            m->releases[kept] = m->releases[i];
        kept++;
    }
    p->counts->releases_kept += kept;
    p->counts->releases_withheld += m->n_releases - kept;
    m->n_releases = kept;
}

static void filter_target(struct pass *p, struct target *t)
{
    size_t kept = 0;

    for (size_t i = 0; i < t->n_devices; i++) {
        if (!trusted(p))
            continue;
        if (kept != i)
            t->devices[kept] = t->devices[i];
        kept++;
    }
    p->counts->entries_kept += kept;
    p->counts->entries_withheld += t->n_devices - kept;
    t->n_devices = kept;
}

int trust_withhold_unsigned(struct catalog *c, const struct sign_keyring *ring,
                            struct trust_cache *cache, trust_report_fn report, void *ctx,
                            struct trust_counts *out)
{
    static const struct digest_set none;
    struct pass p = {ring, NULL, 0, {0}, report, ctx, out, 0};
    size_t n, todo;

    memset(out, 0, sizeof(*out));
    n = list_images(c, ring, cache ? &cache->last : &none, &p.v, &todo);
    if (n == (size_t)-1)
        return -1;
    verify_all(ring, p.v, n, todo);
    for (size_t i = 0; i < c->n_models; i++)
        filter_model(&p, &c->models[i]);
    for (size_t i = 0; i < c->n_targets; i++)
        filter_target(&p, c->targets[i]);
    free(p.v);
    if (p.oom) {
        set_free(&p.next);
        return -1;
    }
    if (cache) {
        set_free(&cache->last);
        cache->last = p.next;
    } else {
        set_free(&p.next);
    }
    return 0;
}
