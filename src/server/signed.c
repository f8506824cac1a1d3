/* signed.c: signed update answers for fwhub serve, /api/v1/keys and --require-signed. */
#include "signed.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/answer.h"
#include "crypto/answer_table.h"
#include "crypto/image_trust.h"
#include "crypto/sign.h"
#include "server.h"
#include "srvlog.h"

#define WITHHELD_LOGGED_MAX 50 /* lines per catalog load; then one summary */
#define KEYS_DIR            "keys"

struct signed_answers {
    struct answer_table *table; /* NULL without --signing-key */
    char *keys_json;            /* the body of GET /api/v1/keys */
    size_t keys_len;
    bool require_signed;
    struct trust_counts counts;
};

/* Fixed after signed_init. */
static struct {
    const char *repo;
    struct sign_key *key; /* --signing-key, private */
    int64_t ttl;
    char *pems[1 + OPTIONS_TRUSTED_MAX]; /* public PEMs: the signing key's, then --trusted-key */
    size_t pem_lens[1 + OPTIONS_TRUSTED_MAX];
    size_t n_pems;
    char trusted_ids[OPTIONS_TRUSTED_MAX][SIGN_KEY_ID_HEX]; /* of --trusted-key */
    size_t n_trusted;
    bool require_signed;
    struct trust_cache *cache; /* used by the loader thread only */
} st;

static int keep_pem(const struct sign_key *k, struct fw_err *err)
{
    if (sign_key_pem(k, false, &st.pems[st.n_pems], &st.pem_lens[st.n_pems], err) < 0)
        return -1;
    st.n_pems++;
    return 0;
}

int signed_init(const struct serve_options *o, const char *repo, struct fw_err *err)
{
    st.repo = repo;
    st.ttl = o->answer_ttl;
    st.require_signed = o->require_signed;
    if (o->signing_key &&
        (sign_key_load_private(o->signing_key, &st.key, err) < 0 || keep_pem(st.key, err) < 0))
        return fw_context(err, "--signing-key");
    for (size_t i = 0; i < o->n_trusted; i++) {
        struct sign_key *k = NULL;
        int rc = sign_key_load_public(o->trusted_keys[i], &k, err);

        if (rc == 0)
            rc = keep_pem(k, err);
        if (rc == 0)
            memcpy(st.trusted_ids[st.n_trusted++], sign_key_id_hex(k), SIGN_KEY_ID_HEX);
        sign_key_free(k);
        if (rc < 0)
            return fw_context(err, "--trusted-key");
    }
    if (st.require_signed && !(st.cache = trust_cache_new()))
        return fw_fail(err, "out of memory");
    if (st.key)
        srvlog(SRVLOG_INFO, "answers_signed", repo, "key %s (%s), answers valid %llds",
               sign_key_id_hex(st.key), sign_alg_name(sign_key_alg(st.key)), (long long)st.ttl);
    return 0;
}

void signed_shutdown(void)
{
    sign_key_free(st.key);
    st.key = NULL;
    for (size_t i = 0; i < st.n_pems; i++)
        free(st.pems[i]);
    st.n_pems = 0;
    st.n_trusted = 0;
    trust_cache_free(st.cache);
    st.cache = NULL;
}

/* ---- the keys ---- */

/* The trusted keys: the signing key, --trusted-key, then REPO/keys/. */
static int load_ring(struct sign_keyring *all, struct sign_keyring *repo_keys, struct fw_err *err)
{
    char dir[4096];

    for (size_t i = 0; i < st.n_pems; i++) {
        struct sign_key *k = NULL;

        if (sign_key_from_pem(st.pems[i], st.pem_lens[i], false, "a trusted key", &k, err) < 0 ||
            sign_keyring_add(all, k, err) < 0)
            return -1;
    }
    snprintf(dir, sizeof(dir), "%s/%s", st.repo, KEYS_DIR);
    if (sign_keyring_load_dir(repo_keys, dir, err) < 0) {
        if (st.require_signed)
            return -1; /* which images to offer cannot be decided */
        /* only the key list would miss them: a server that does not check images serves */
        srvlog(SRVLOG_WARN, "keys_unreadable", dir, "not listed in /api/v1/keys: %s", err->msg);
        sign_keyring_free(repo_keys);
    }
    for (size_t i = 0; i < repo_keys->n; i++) {
        char *pem = NULL;
        size_t len;
        struct sign_key *k = NULL;
        int rc = sign_key_pem(repo_keys->keys[i], false, &pem, &len, err);

        if (rc == 0)
            rc = sign_key_from_pem(pem, len, false, dir, &k, err);
        free(pem);
        if (rc < 0 || sign_keyring_add(all, k, err) < 0)
            return -1;
    }
    return 0;
}

static bool is_trusted_key(const char *id)
{
    for (size_t i = 0; i < st.n_trusted; i++)
        if (strcmp(st.trusted_ids[i], id) == 0)
            return true;
    return false;
}

static json_t *key_json(const struct sign_key *k, const struct sign_keyring *repo_keys)
{
    json_t *use = json_array(), *o;
    const char *id = sign_key_id_hex(k);
    char *pem = NULL;
    size_t len;
    struct fw_err err;

    if (st.key && strcmp(sign_key_id_hex(st.key), id) == 0)
        json_array_append_new(use, json_string("answers"));
    if (is_trusted_key(id))
        json_array_append_new(use, json_string("trusted"));
    if (sign_keyring_find(repo_keys, id))
        json_array_append_new(use, json_string("images"));
    if (sign_key_pem(k, false, &pem, &len, &err) < 0) {
        json_decref(use);
        return NULL;
    }
    o = json_pack("{s:s, s:s, s:o, s:s}", "key_id", sign_key_id_hex(k), "alg",
                  sign_alg_name(sign_key_alg(k)), "use", use, "pem", pem);
    free(pem);
    return o;
}

/* {"answers_signed":B,"answer_ttl":N|null,"require_signed":B,"keys":[...]} */
static int keys_body(const struct sign_keyring *all, const struct sign_keyring *repo_keys,
                     struct signed_answers *a, struct fw_err *err)
{
    json_t *keys = json_array(), *root;

    for (size_t i = 0; keys && i < all->n; i++)
        if (json_array_append_new(keys, key_json(all->keys[i], repo_keys)) < 0)
            break;
    root = json_pack("{s:b, s:o, s:b, s:o}", "answers_signed", st.key != NULL, "answer_ttl",
                     st.key ? json_integer(st.ttl) : json_null(), "require_signed",
                     st.require_signed, "keys", keys);
    a->keys_json = root ? json_dumps(root, JSON_INDENT(2) | JSON_PRESERVE_ORDER) : NULL;
    json_decref(root);
    if (!a->keys_json)
        return fw_fail(err, "out of memory building the key list");
    a->keys_len = strlen(a->keys_json);
    return 0;
}

/* ---- snapshots ---- */

struct withheld_log {
    size_t shown;
};

static void log_withheld(void *ctx, const char *subject, const char *version, const char *why)
{
    struct withheld_log *w = ctx;

    if (w->shown++ < WITHHELD_LOGGED_MAX)
        srvlog(SRVLOG_WARN, "image_withheld", subject, "version %s is not offered: %s",
               version ? version : "?", why);
}

static int withhold(struct catalog *c, const struct sign_keyring *all, struct signed_answers *a,
                    struct fw_err *err)
{
    struct withheld_log w = {0};
    size_t n;

    if (trust_withhold_unsigned(c, all, st.cache, log_withheld, &w, &a->counts) < 0)
        return fw_fail(err, "out of memory checking image signatures");
    n = a->counts.releases_withheld + a->counts.entries_withheld;
    if (w.shown > WITHHELD_LOGGED_MAX)
        srvlog(SRVLOG_WARN, "image_withheld", st.repo, "%zu more images withheld",
               w.shown - WITHHELD_LOGGED_MAX);
    srvlog(n ? SRVLOG_WARN : SRVLOG_INFO, "require_signed", st.repo,
           "%zu images withheld (%zu releases, %zu targeted), %zu offered; %zu signatures "
           "verified, %zu known from the last load",
           n, a->counts.releases_withheld, a->counts.entries_withheld,
           a->counts.releases_kept + a->counts.entries_kept, a->counts.verified,
           a->counts.releases_kept + a->counts.entries_kept - a->counts.verified);
    return 0;
}

int signed_answers_build(struct catalog *c, int64_t now, struct signed_answers **out,
                         struct fw_err *err)
{
    struct sign_keyring all = {0}, repo_keys = {0};
    struct signed_answers *a = calloc(1, sizeof(*a));
    int rc = -1;

    *out = NULL;
    if (!a)
        return fw_fail(err, "out of memory");
    a->require_signed = st.require_signed;
    if (load_ring(&all, &repo_keys, err) < 0 || keys_body(&all, &repo_keys, a, err) < 0)
        goto out;
    if (st.require_signed && withhold(c, &all, a, err) < 0)
        goto out;
    if (st.key && !(a->table = answer_table_new(c, st.key, st.ttl, now))) {
        fw_fail(err, "out of memory for the table of signed answers");
        goto out;
    }
    if (a->table)
        (void)answer_table_prepare_general(a->table);
    *out = a;
    a = NULL;
    rc = 0;
out:
    signed_answers_free(a);
    sign_keyring_free(&all);
    sign_keyring_free(&repo_keys);
    return rc;
}

bool signed_answers_stale(const struct signed_answers *a, int64_t now)
{
    return a && a->table && answer_period(now, st.ttl) != answer_table_period(a->table);
}

struct signed_answers *signed_answers_renew(const struct signed_answers *old,
                                            const struct catalog *c, int64_t now)
{
    struct signed_answers *a = calloc(1, sizeof(*a));

    if (!a)
        return NULL;
    *a = *old;
    a->table = NULL;
    a->keys_json = malloc(old->keys_len + 1);
    if (a->keys_json)
        memcpy(a->keys_json, old->keys_json, old->keys_len + 1);
    if (old->table && (a->table = answer_table_new(c, st.key, st.ttl, now)))
        (void)answer_table_prepare_general(a->table);
    if (!a->keys_json || (old->table && !a->table)) {
        signed_answers_free(a);
        return NULL;
    }
    return a;
}

void signed_answers_free(struct signed_answers *a)
{
    if (!a)
        return;
    answer_table_free(a->table);
    free(a->keys_json);
    free(a);
}

/* ---- requests ---- */

static void splice(struct jbuf *b, const char *member, size_t len)
{
    if (b->overflow || b->len < 2 || memcmp(b->p + b->len - 2, "}\n", 2) != 0)
        return;
    b->len -= 2;
    jbuf_cstr(b, ",\"" ANSWER_MEMBER "\":");
    jbuf_raw(b, member, len);
    jbuf_cstr(b, "}\n");
}

/* The answer of a stale table: from the renewed snapshot when it shares the catalog
 * (nearly always), else signed for this request alone. */
static void put_renewed(struct jbuf *b, const struct snapshot *s, const struct update *u,
                        int64_t now)
{
    struct snapshot *cur;
    const char *m = NULL;
    char *own = NULL;
    size_t len = 0;
    struct fw_err err;
    int64_t half = st.ttl / 2;

    snapshot_renew_answers(now);
    cur = snapshot_acquire();
    if (cur && cur->cat == s->cat && cur->answers && !signed_answers_stale(cur->answers, now))
        m = answer_table_member(cur->answers->table, u, &len, &err);
    else if (answer_sign_update(st.key, u, (answer_period(now, st.ttl) + 2) * half, &own, &len,
                                &err) == 0)
        m = own;
    if (m)
        splice(b, m, len);
    else
        srvlog(SRVLOG_WARN, "answer_unsigned", s->cat->repo, "%s", err.msg);
    free(own);
    snapshot_release(cur);
}

void signed_put(struct jbuf *b, const struct snapshot *s, const struct update *u, int64_t now)
{
    const struct signed_answers *a = s->answers;
    const char *m;
    size_t len;
    struct fw_err err;

    if (!a || !a->table || u->kind == UPDATE_NONE)
        return;
    if (signed_answers_stale(a, now)) {
        put_renewed(b, s, u, now);
        return;
    }
    m = answer_table_member(a->table, u, &len, &err);
    if (!m) {
        srvlog(SRVLOG_DEBUG, "answer_unsigned", u->version ? u->version : "-", "%s", err.msg);
        return;
    }
    splice(b, m, len);
}

int signed_keys_page(h2o_req_t *req, const struct snapshot *s)
{
    const struct signed_answers *a = s->answers;

    h2o_add_header(&req->pool, &req->res.headers, H2O_TOKEN_CACHE_CONTROL, NULL,
                   H2O_STRLIT("no-cache"));
    if (!a)
        return server_send(req, 503, "Service Unavailable", "application/json",
                           H2O_STRLIT("{\"error\":{\"message\":\"no key list\"}}\n"));
    return server_send(req, 200, "OK", "application/json", a->keys_json, a->keys_len);
}

void signed_render_metrics(struct jbuf *b, const struct snapshot *s)
{
    const struct signed_answers *a = s->answers;
    char line[512];

    if (!a)
        return;
    snprintf(line, sizeof(line),
             "# HELP fwhub_images_withheld Images not offered by --require-signed: no valid "
             "signature by a trusted key.\n"
             "# TYPE fwhub_images_withheld gauge\n"
             "fwhub_images_withheld{kind=\"release\"} %zu\n"
             "fwhub_images_withheld{kind=\"targeted\"} %zu\n",
             a->counts.releases_withheld, a->counts.entries_withheld);
    if (a->require_signed)
        jbuf_cstr(b, line);
    if (!a->table)
        return;
    snprintf(line, sizeof(line),
             "# HELP fwhub_signed_answers Signed answers prepared for the current period.\n"
             "# TYPE fwhub_signed_answers gauge\n"
             "fwhub_signed_answers %zu\n"
             "# HELP fwhub_signed_answers_expire_time Unix time at which they expire.\n"
             "# TYPE fwhub_signed_answers_expire_time gauge\n"
             "fwhub_signed_answers_expire_time %lld\n",
             answer_table_count(a->table), (long long)answer_table_expires(a->table));
    jbuf_cstr(b, line);
}
