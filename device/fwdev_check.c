/* fwdev_check.c: asking for an update, and every check an answer passes before a download. */
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "fwdev_int.h"

#define KIND_MAX    16
#define B64_SIG_MAX 100  /* base64 of FWDEV_SIG_MAX bytes, and room */
#define PAYLOAD_MAX 1024 /* a canonical answer is about 250 bytes */

/* "answer_signature": see src/crypto/answer.h of fwhub. */
struct asig {
    struct fwdev_jhead h;
    char key_id[65];
    char payload[PAYLOAD_MAX];
    char signature[B64_SIG_MAX];
};

/* The members of an answer the device needs (docs/api.md); others are skipped. */
struct answer {
    struct fwdev_jhead h;
    char kind[KIND_MAX];
    char mac[32];
    char model[FWDEV_MODEL_MAX + 1];
    char version[FWDEV_VERSION_MAX + 1];
    uint64_t size;
    char sha256[65];
    char url[FWDEV_URL_MAX + 1];
    char signature[B64_SIG_MAX];
    char key_id[65];
    struct asig asig;
};

/* The signed part of an answer: exactly these members. */
struct claim {
    struct fwdev_jhead h;
    int64_t expires;
    char kind[KIND_MAX];
    char mac[32];
    char model[FWDEV_MODEL_MAX + 1];
    char sha256[65];
    uint64_t size;
    char version[FWDEV_VERSION_MAX + 1];
};

#define STR(s, m)    FWDEV_J_STR, offsetof(struct s, m), sizeof(((struct s *)0)->m), NULL
#define NUM(t, s, m) t, offsetof(struct s, m), 0, NULL

static const struct fwdev_jfield asig_fields[] = {
    {"key_id", STR(asig, key_id)},
    {"payload", STR(asig, payload)},
    {"signature", STR(asig, signature)},
};
static const struct fwdev_jtable asig_table = {asig_fields, 3, 0};

enum { A_KIND, A_MAC, A_MODEL, A_VERSION, A_SIZE, A_SHA256, A_URL, A_SIG, A_KEY_ID, A_ASIG };
static const struct fwdev_jfield answer_fields[] = {
    {"kind", STR(answer, kind)},
    {"mac", STR(answer, mac)},
    {"model", STR(answer, model)},
    {"version", STR(answer, version)},
    {"size", NUM(FWDEV_J_UINT, answer, size)},
    {"sha256", STR(answer, sha256)},
    {"url", STR(answer, url)},
    {"signature", STR(answer, signature)},
    {"key_id", STR(answer, key_id)},
    {"answer_signature", FWDEV_J_OBJ, offsetof(struct answer, asig), 0, &asig_table},
};
static const struct fwdev_jtable answer_table = {answer_fields, 10, 0};

enum { C_EXPIRES, C_KIND, C_MAC, C_MODEL, C_SHA256, C_SIZE, C_VERSION };
static const struct fwdev_jfield claim_fields[] = {
    {"expires", NUM(FWDEV_J_INT, claim, expires)},
    {"kind", STR(claim, kind)},
    {"mac", STR(claim, mac)},
    {"model", STR(claim, model)},
    {"sha256", STR(claim, sha256)},
    {"size", NUM(FWDEV_J_UINT, claim, size)},
    {"version", STR(claim, version)},
};
static const struct fwdev_jtable claim_table = {claim_fields, 7, 1};

/* True when member i was given and is not null. */
static int has(const struct fwdev_jhead *h, int i)
{
    return (h->seen >> i & 1) && !(h->null >> i & 1);
}

static int model_ok(const char *m)
{
    size_t n = strlen(m);

    if (n == 0 || n > FWDEV_MODEL_MAX)
        return 0;
    for (; *m; m++)
        if (!((*m >= 'A' && *m <= 'Z') || (*m >= 'a' && *m <= 'z') || (*m >= '0' && *m <= '9') ||
              *m == '_' || *m == '-' || *m == '.'))
            return 0;
    return 1;
}

static int is_http(const char *url)
{
    return strncmp(url, "http://", 7) == 0 || strncmp(url, "https://", 8) == 0;
}

int fwdev_init(struct fwdev *d, const struct fwdev_config *cfg, struct fwdev_err *err)
{
    int cmp;

    memset(d, 0, sizeof(*d));
    if (!cfg->server || !is_http(cfg->server) || strlen(cfg->server) > FWDEV_URL_MAX / 2)
        return fwdev_fail(err, FWDEV_ERR_ARG, "server: expected an http:// or https:// URL");
    if (!cfg->mac || fwdev_mac_canon(cfg->mac, d->mac) < 0)
        return fwdev_fail(err, FWDEV_ERR_ARG, "mac: expected a device MAC address");
    if (!cfg->model || !model_ok(cfg->model))
        return fwdev_fail(err, FWDEV_ERR_ARG, "model: expected 1 to %d of A-Z a-z 0-9 _ - .",
                          FWDEV_MODEL_MAX);
    if (!cfg->version || strlen(cfg->version) > FWDEV_VERSION_MAX ||
        fwdev_version_cmp(cfg->version, cfg->version, &cmp) < 0)
        return fwdev_fail(err, FWDEV_ERR_ARG, "version: expected a version like 10.2.0");
    if (!cfg->crypto || !cfg->transport || (cfg->n_keys && !cfg->keys))
        return fwdev_fail(err, FWDEV_ERR_ARG, "crypto, transport and keys are required");
    d->cfg = *cfg;
    if (!d->cfg.max_image)
        d->cfg.max_image = FWDEV_IMAGE_MAX;
    if (!d->cfg.max_answer)
        d->cfg.max_answer = FWDEV_ANSWER_MAX;
    if (!d->cfg.attempts)
        d->cfg.attempts = FWDEV_ATTEMPTS;
    return FWDEV_OK;
}

static int64_t now(const struct fwdev *d)
{
    return d->cfg.now ? d->cfg.now(d->cfg.now_ctx) : (int64_t)time(NULL);
}

static enum fwdev_kind kind_of(const char *s)
{
    if (strcmp(s, "none") == 0)
        return FWDEV_NONE;
    if (strcmp(s, "general") == 0)
        return FWDEV_GENERAL;
    if (strcmp(s, "targeted") == 0)
        return FWDEV_TARGETED;
    if (strcmp(s, "rollback") == 0)
        return FWDEV_ROLLBACK;
    return (enum fwdev_kind) - 1;
}

/* The MAC and model the answer names must be this device's. */
static int check_device(const struct fwdev *d, const char *mac, int has_mac, const char *model,
                        int has_model, const char *what, struct fwdev_err *err)
{
    char canon[18];

    if (has_model && strcmp(model, d->cfg.model) != 0)
        return fwdev_fail(err, FWDEV_ERR_WRONG_DEVICE, "%s is for model %.40s, not %s", what, model,
                          d->cfg.model);
    if (has_mac && (fwdev_mac_canon(mac, canon) < 0 || strcmp(canon, d->mac) != 0))
        return fwdev_fail(err, FWDEV_ERR_WRONG_DEVICE, "%s is for MAC %.20s, not %s", what, mac,
                          d->mac);
    return FWDEV_OK;
}

/* The signature of the payload's bytes by a pinned key. */
static int verify_payload(const struct fwdev *d, const struct asig *s, struct fwdev_err *err)
{
    uint8_t id[FWDEV_SHA256_LEN], sig[FWDEV_SIG_MAX], digest[FWDEV_SHA256_LEN];
    const struct fwdev_crypto *c = d->cfg.crypto;
    const struct fwdev_key *k;
    long n;

    if (!has(&s->h, 0) || fwdev_unhex(s->key_id, id, sizeof(id)) < 0)
        return fwdev_fail(err, FWDEV_ERR_ANSWER_SIGNATURE,
                          "answer_signature.key_id: expected 64 hex digits");
    k = fwdev_find_key(d, id);
    if (!k)
        return fwdev_fail(err, FWDEV_ERR_ANSWER_SIGNATURE,
                          "the answer is signed by key %.16s..., which is not pinned", s->key_id);
    n = has(&s->h, 2) ? fwdev_unbase64(s->signature, strlen(s->signature), sig, sizeof(sig)) : -1;
    if (n <= 0 || !has(&s->h, 1))
        return fwdev_fail(err, FWDEV_ERR_ANSWER_SIGNATURE,
                          "answer_signature: expected a payload and a base64 signature");
    if (fwdev_sha256(c, s->payload, strlen(s->payload), digest) < 0)
        return fwdev_fail(err, FWDEV_ERR_NOMEM, "out of memory");
    if (c->verify(c->ctx, k->der, k->der_len, digest, sig, (size_t)n) != 1)
        return fwdev_fail(err, FWDEV_ERR_ANSWER_SIGNATURE,
                          "the answer's signature does not verify (key %.16s...)", s->key_id);
    return FWDEV_OK;
}

/* What the answer says outside its signed part must agree with the signed part. */
static int agree(const struct answer *a, const struct claim *c, struct fwdev_err *err)
{
    const char *field = NULL;

    if (strcmp(a->kind, c->kind) != 0)
        field = "kind";
    else if (has(&a->h, A_VERSION) && strcmp(a->version, c->version) != 0)
        field = "version";
    else if (has(&a->h, A_SIZE) && a->size != c->size)
        field = "size";
    else if (has(&a->h, A_SHA256) && (strlen(a->sha256) != 64 || strlen(c->sha256) != 64))
        field = "sha256";
    for (size_t i = 0; !field && has(&a->h, A_SHA256) && i < 64; i++)
        if ((a->sha256[i] | 0x20) != (c->sha256[i] | 0x20))
            field = "sha256";
    /* a signature failure: someone changed what the signature vouches for */
    if (field)
        return fwdev_fail(err, FWDEV_ERR_ANSWER_SIGNATURE,
                          "the answer's %s differs from its signed part", field);
    return FWDEV_OK;
}

/* Reads and checks the signed part; the offer takes its facts from there. */
static int take_claim(const struct fwdev *d, const struct answer *a, struct fwdev_offer *o,
                      struct fwdev_err *err)
{
    struct claim c;
    char why[FWDEV_ERR_MAX];
    int rc;

    memset(&c, 0, sizeof(c));
    if (fwdev_json_read(a->asig.payload, strlen(a->asig.payload), &claim_table, &c, why,
                        sizeof(why)) < 0)
        return fwdev_fail(err, FWDEV_ERR_ANSWER, "answer_signature.payload: %s", why);
    if (c.h.null || (c.h.seen | 1u << C_MAC) != 0x7Fu || fwdev_unhex(c.sha256, o->sha256, 32) < 0)
        return fwdev_fail(err, FWDEV_ERR_ANSWER, "answer_signature.payload: a field is missing");
    rc = check_device(d, c.mac, has(&c.h, C_MAC), c.model, 1, "the signed answer", err);
    if (rc == FWDEV_OK && kind_of(c.kind) != FWDEV_GENERAL && !has(&c.h, C_MAC))
        rc = fwdev_fail(err, FWDEV_ERR_WRONG_DEVICE, "the signed %s answer names no MAC", c.kind);
    if (rc == FWDEV_OK && now(d) >= c.expires)
        rc = fwdev_fail(err, FWDEV_ERR_EXPIRED,
                        "the signed answer expired %lld seconds ago (a replay?)",
                        (long long)(now(d) - c.expires));
    if (rc == FWDEV_OK)
        rc = agree(a, &c, err);
    if (rc != FWDEV_OK)
        return rc;
    memcpy(o->version, c.version, sizeof(o->version));
    o->size = c.size;
    o->expires = c.expires;
    o->answer_signed = 1;
    return FWDEV_OK;
}

static int take_unsigned(const struct answer *a, struct fwdev_offer *o, struct fwdev_err *err)
{
    if (!has(&a->h, A_VERSION) || !has(&a->h, A_SIZE) || !has(&a->h, A_SHA256))
        return fwdev_fail(err, FWDEV_ERR_ANSWER,
                          "the answer lacks version, size or sha256; the image cannot be checked");
    if (fwdev_unhex(a->sha256, o->sha256, sizeof(o->sha256)) < 0)
        return fwdev_fail(err, FWDEV_ERR_ANSWER, "sha256: expected 64 hex digits");
    memcpy(o->version, a->version, sizeof(o->version));
    o->size = a->size;
    return FWDEV_OK;
}

/* No lower or equal version, except a rollback whose answer is signed. */
static int check_version(const struct fwdev *d, const struct fwdev_offer *o, struct fwdev_err *err)
{
    int cmp;

    if (fwdev_version_cmp(o->version, d->cfg.version, &cmp) < 0)
        return fwdev_fail(err, FWDEV_ERR_ANSWER, "version: \"%.40s\" is not a version", o->version);
    if (o->kind == FWDEV_ROLLBACK && !o->answer_signed)
        return fwdev_fail(err, FWDEV_ERR_DOWNGRADE,
                          "a rollback from %s to %.40s is refused: the answer is not signed",
                          d->cfg.version, o->version);
    if (o->kind != FWDEV_ROLLBACK && cmp <= 0)
        return fwdev_fail(err, FWDEV_ERR_DOWNGRADE,
                          "%.40s is not above the running %s; only a signed rollback may go back",
                          o->version, d->cfg.version);
    if (o->size == 0 || o->size > d->cfg.max_image)
        return fwdev_fail(err, FWDEV_ERR_TOO_LARGE,
                          "an image of %llu bytes; this device takes 1 to %llu",
                          (unsigned long long)o->size, (unsigned long long)d->cfg.max_image);
    return FWDEV_OK;
}

/* An absolute URL, or a path on the server ("/firmware/..."). */
static int take_url(const struct fwdev *d, const struct answer *a, struct fwdev_offer *o,
                    struct fwdev_err *err)
{
    const char *host, *path;
    size_t origin;

    if (!has(&a->h, A_URL) || (!is_http(a->url) && a->url[0] != '/'))
        return fwdev_fail(err, FWDEV_ERR_ANSWER, "url: expected an http(s) URL or a path");
    if (is_http(a->url)) {
        memcpy(o->url, a->url, sizeof(o->url));
        return FWDEV_OK;
    }
    host = strstr(d->cfg.server, "://") + 3;
    path = strchr(host, '/');
    origin = path ? (size_t)(path - d->cfg.server) : strlen(d->cfg.server);
    if (origin + strlen(a->url) >= sizeof(o->url))
        return fwdev_fail(err, FWDEV_ERR_ANSWER, "url: too long");
    memcpy(o->url, d->cfg.server, origin);
    memcpy(o->url + origin, a->url, strlen(a->url) + 1);
    return FWDEV_OK;
}

/* The image's signature and key id, when the answer carries them. */
static int take_image_signature(const struct answer *a, struct fwdev_offer *o,
                                struct fwdev_err *err)
{
    long n;

    if (has(&a->h, A_SIG)) {
        n = fwdev_unbase64(a->signature, strlen(a->signature), o->image_sig, FWDEV_SIG_MAX);
        if (n <= 0)
            return fwdev_fail(err, FWDEV_ERR_ANSWER, "signature: expected base64");
        o->image_sig_len = (size_t)n;
    }
    if (has(&a->h, A_KEY_ID)) {
        if (fwdev_unhex(a->key_id, o->image_key, sizeof(o->image_key)) < 0)
            return fwdev_fail(err, FWDEV_ERR_ANSWER, "key_id: expected 64 hex digits");
        o->has_image_key = 1;
    }
    return FWDEV_OK;
}

/* The checks, in order, once the JSON is read. */
static int check_answer(const struct fwdev *d, const struct answer *a, struct fwdev_offer *o,
                        struct fwdev_err *err)
{
    int rc = check_device(d, a->mac, has(&a->h, A_MAC), a->model, has(&a->h, A_MODEL), "the answer",
                          err);

    if (rc != FWDEV_OK)
        return rc;
    if (has(&a->h, A_ASIG)) {
        rc = verify_payload(d, &a->asig, err);
        if (rc == FWDEV_OK)
            rc = take_claim(d, a, o, err);
    } else if (d->cfg.require_signed_answer) {
        rc = fwdev_fail(err, FWDEV_ERR_UNSIGNED, "the answer is not signed");
    } else {
        rc = take_unsigned(a, o, err);
    }
    if (rc == FWDEV_OK)
        rc = check_version(d, o, err);
    if (rc == FWDEV_OK)
        rc = take_url(d, a, o, err);
    if (rc == FWDEV_OK)
        rc = take_image_signature(a, o, err);
    return rc;
}

int fwdev_parse_answer(const struct fwdev *d, const char *json, size_t len, struct fwdev_offer *o,
                       struct fwdev_err *err)
{
    struct answer *a = calloc(1, sizeof(*a));
    char why[FWDEV_ERR_MAX];
    int rc;

    memset(o, 0, sizeof(*o));
    if (!a)
        return fwdev_fail(err, FWDEV_ERR_NOMEM, "out of memory");
    if (fwdev_json_read(json, len, &answer_table, a, why, sizeof(why)) < 0)
        rc = fwdev_fail(err, FWDEV_ERR_ANSWER, "the answer is not valid: %s", why);
    else if (!has(&a->h, A_KIND) || (int)kind_of(a->kind) < 0)
        rc =
            fwdev_fail(err, FWDEV_ERR_ANSWER, "kind: expected none, general, targeted or rollback");
    else if ((o->kind = kind_of(a->kind)) == FWDEV_NONE)
        rc = FWDEV_NO_UPDATE;
    else
        rc = check_answer(d, a, o, err);
    free(a);
    return rc;
}

/* Appends s to d->url at *n, percent-escaping all but unreserved characters. */
static int escape_into(struct fwdev *d, size_t *n, const char *s)
{
    static const char hex[] = "0123456789ABCDEF";

    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        int plain = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                    c == '-' || c == '.' || c == '_' || c == '~';

        if (*n + 4 >= sizeof(d->url))
            return -1;
        if (plain) {
            d->url[(*n)++] = (char)c;
            continue;
        }
        d->url[(*n)++] = '%';
        d->url[(*n)++] = hex[c >> 4];
        d->url[(*n)++] = hex[c & 15];
    }
    d->url[*n] = '\0';
    return 0;
}

static int append(struct fwdev *d, size_t *n, const char *s)
{
    size_t k = strlen(s);

    if (*n + k >= sizeof(d->url))
        return -1;
    memcpy(d->url + *n, s, k + 1);
    *n += k;
    return 0;
}

/* {server}/api/v1/devices/{mac}/update?model=M&version=V into d->url. */
static int update_url(struct fwdev *d)
{
    size_t n = 0;

    if (append(d, &n, d->cfg.server) < 0)
        return -1;
    while (n > 0 && d->url[n - 1] == '/')
        d->url[--n] = '\0';
    if (append(d, &n, "/api/v1/devices/") < 0 || append(d, &n, d->mac) < 0 ||
        append(d, &n, "/update?model=") < 0 || escape_into(d, &n, d->cfg.model) < 0 ||
        append(d, &n, "&version=") < 0 || escape_into(d, &n, d->cfg.version) < 0)
        return -1;
    return 0;
}

/* A server's message for a person, with anything but printable ASCII as '?'. */
static void printable(const char *s, char *out, size_t cap)
{
    size_t i = 0;

    for (; s[i] && i + 1 < cap; i++)
        out[i] = s[i] >= 0x20 && s[i] < 0x7f ? s[i] : '?';
    out[i] = '\0';
}

int fwdev_check(struct fwdev *d, struct fwdev_offer *o, struct fwdev_err *err)
{
    struct fwdev_http_request rq = {"GET", d->url, NULL, NULL, 0, 0};
    char *body = NULL, shown[121];
    size_t len = 0;
    int status = 0, rc;

    memset(o, 0, sizeof(*o));
    if (update_url(d) < 0)
        return fwdev_fail(err, FWDEV_ERR_ARG, "the update URL is too long");
    rc = fwdev_fetch(d, &rq, d->cfg.max_answer, &body, &len, &status, err);
    if (rc != FWDEV_OK)
        return fwdev_context(err, rc, "check");
    if (status != 200) {
        printable(body, shown, sizeof(shown));
        rc = fwdev_fail(err, FWDEV_ERR_HTTP, "check: HTTP %d: %s", status, shown);
    } else {
        rc = fwdev_parse_answer(d, body, len, o, err);
    }
    free(body);
    return rc;
}
