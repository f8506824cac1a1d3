/* answer_table.c: per-period tables of signed answers, filled on first use; see answer_table.h. */
#include "answer_table.h"

#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "answer.h"

/* One signed "answer_signature" value. */
struct member {
    size_t len;
    char text[];
};

struct answer_table {
    const struct catalog *cat;
    const struct sign_key *key;
    int64_t period, half, expires;
    size_t *model_first;  /* per model: its first slot */
    size_t *target_first; /* per target (catalog order): its first slot, two per entry */
    size_t n_slots;
    _Atomic(struct member *) *slots;
    atomic_size_t count;
};

/* Floor division: FWHUB_NOW may put "now" before 1970. */
static int64_t floor_div(int64_t a, int64_t b)
{
    return a / b - (a % b != 0 && (a < 0) != (b < 0));
}

int64_t answer_period(int64_t now, int64_t ttl)
{
    return floor_div(now, ttl / 2);
}

/* Slots: the releases of every model, then two per entry of every target. */
static int lay_out(struct answer_table *t)
{
    const struct catalog *c = t->cat;
    size_t n = 0;

    t->model_first = calloc(c->n_models + 1, sizeof(size_t));
    t->target_first = calloc(c->n_targets + 1, sizeof(size_t));
    if (!t->model_first || !t->target_first)
        return -1;
    for (size_t i = 0; i < c->n_models; i++) {
        t->model_first[i] = n;
        n += c->models[i].n_releases;
    }
    for (size_t i = 0; i < c->n_targets; i++) {
        t->target_first[i] = n;
        n += 2 * c->targets[i]->n_devices;
    }
    t->n_slots = n;
    t->slots = calloc(n ? n : 1, sizeof(*t->slots));
    return t->slots ? 0 : -1;
}

struct answer_table *answer_table_new(const struct catalog *c, const struct sign_key *key,
                                      int64_t ttl, int64_t now)
{
    struct answer_table *t;

    if (ttl < ANSWER_TTL_MIN || ttl > ANSWER_TTL_MAX || !c || !key)
        return NULL;
    t = calloc(1, sizeof(*t));
    if (!t)
        return NULL;
    t->cat = c;
    t->key = key;
    t->half = ttl / 2;
    t->period = answer_period(now, ttl);
    t->expires = (t->period + 2) * t->half;
    atomic_init(&t->count, 0);
    if (lay_out(t) < 0) {
        answer_table_free(t);
        return NULL;
    }
    return t;
}

int64_t answer_table_period(const struct answer_table *t)
{
    return t->period;
}

int64_t answer_table_renew_at(const struct answer_table *t)
{
    return (t->period + 1) * t->half;
}

int64_t answer_table_expires(const struct answer_table *t)
{
    return t->expires;
}

size_t answer_table_count(const struct answer_table *t)
{
    return atomic_load(&t->count);
}

static int by_mac(const void *key, const void *elem)
{
    uint64_t a = *(const uint64_t *)key, b = (*(struct target *const *)elem)->mac;

    return a < b ? -1 : a > b;
}

/* The slot of a general release, or -1 when r is not one of the catalog's. */
static long release_slot(const struct answer_table *t, const struct release *r)
{
    const struct model *m = r ? catalog_model(t->cat, r->model) : NULL;

    if (!m || r < m->releases || r >= m->releases + m->n_releases)
        return -1;
    return (long)(t->model_first[m - t->cat->models] + (size_t)(r - m->releases));
}

/* The slot of a target entry's targeted (0) or rollback (1) answer, or -1. */
static long target_slot(const struct answer_table *t, const struct target *tg,
                        const struct target_device *d, int rollback)
{
    struct target *const *p;

    if (!tg || !d)
        return -1;
    p = bsearch(&tg->mac, t->cat->targets, t->cat->n_targets, sizeof(*t->cat->targets), by_mac);
    if (!p || *p != tg || d < tg->devices || d >= tg->devices + tg->n_devices)
        return -1;
    return (long)(t->target_first[p - t->cat->targets] + 2 * (size_t)(d - tg->devices) +
                  (size_t)rollback);
}

/* The claim of u. */
static int claim_for(const struct update *u, int64_t expires, struct answer_claim *a,
                     struct fw_err *err)
{
    if (u->kind == UPDATE_GENERAL && u->release)
        return answer_claim_release(u->release, expires, a, err);
    if (u->kind == UPDATE_TARGETED && u->target && u->fix)
        return answer_claim_targeted(u->target, u->fix, expires, a, err);
    if (u->kind == UPDATE_ROLLBACK && u->target && u->fix && u->release)
        return answer_claim_rollback(u->target, u->fix, u->release, expires, a, err);
    if (u->kind == UPDATE_ROLLBACK)
        return fw_fail(err,
                       "the rollback to %s is not a release of the manifest: its sha256 and "
                       "size are unknown",
                       u->version ? u->version : "?");
    return fw_fail(err, "an answer without an update is not signed");
}

/* The slot and the claim of u. */
static long claim_of(const struct answer_table *t, const struct update *u, struct answer_claim *a,
                     struct fw_err *err)
{
    long slot = -2;

    if (claim_for(u, t->expires, a, err) < 0)
        return -1;
    if (u->kind == UPDATE_GENERAL)
        slot = release_slot(t, u->release);
    else
        slot = target_slot(t, u->target, u->fix, u->kind == UPDATE_ROLLBACK);
    if (slot < 0)
        return fw_fail(err, "the update is not from this table's catalog");
    return slot;
}

int answer_sign_update(const struct sign_key *key, const struct update *u, int64_t expires,
                       char **out, size_t *len, struct fw_err *err)
{
    struct answer_claim a;

    if (claim_for(u, expires, &a, err) < 0)
        return -1;
    return answer_sign(key, &a, out, len, err);
}

const char *answer_table_member(struct answer_table *t, const struct update *u, size_t *len,
                                struct fw_err *err)
{
    struct answer_claim a;
    struct member *m, *seen = NULL;
    char *text = NULL;
    size_t n;
    long slot = claim_of(t, u, &a, err);

    if (slot < 0)
        return NULL;
    m = atomic_load_explicit(&t->slots[slot], memory_order_acquire);
    if (m) {
        *len = m->len;
        return m->text;
    }
    if (answer_sign(t->key, &a, &text, &n, err) < 0)
        return NULL;
    m = malloc(sizeof(*m) + n + 1);
    if (!m) {
        free(text);
        fw_fail(err, "out of memory");
        return NULL;
    }
    m->len = n;
    memcpy(m->text, text, n + 1);
    free(text);
    if (atomic_compare_exchange_strong_explicit(&t->slots[slot], &seen, m, memory_order_acq_rel,
                                                memory_order_acquire)) {
        atomic_fetch_add(&t->count, 1);
    } else { /* another thread signed it first */
        free(m);
        m = seen;
    }
    *len = m->len;
    return m->text;
}

size_t answer_table_prepare_general(struct answer_table *t)
{
    struct fw_err err;
    size_t n = 0, len;

    for (size_t i = 0; i < t->cat->n_models; i++) {
        const struct model *m = &t->cat->models[i];
        struct update u = {.kind = UPDATE_GENERAL};

        if (!m->n_releases)
            continue;
        u.release = &m->releases[m->n_releases - 1];
        u.version = u.release->version;
        n += answer_table_member(t, &u, &len, &err) != NULL;
    }
    return n;
}

void answer_table_free(struct answer_table *t)
{
    if (!t)
        return;
    for (size_t i = 0; t->slots && i < t->n_slots; i++)
        free(atomic_load_explicit(&t->slots[i], memory_order_relaxed));
    free(t->slots);
    free(t->model_first);
    free(t->target_first);
    free(t);
}
