/* answer.c: canonical update answers, their signature member, and its check; see answer.h. */
#include "answer.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "../core/mac.h"
#include "../core/version.h"
#include "base64.h"

#define MODEL_MAX   128
#define PAYLOAD_MAX 2048 /* far above a real payload (about 250 bytes) */
#define CANON_FLAGS (JSON_COMPACT | JSON_SORT_KEYS)

static int claim(enum update_kind kind, uint64_t mac, const char *model, const char *version,
                 const char *sha256, uint64_t size, int64_t expires, struct answer_claim *out,
                 struct fw_err *err)
{
    if (!sha256 || !sha256[0])
        return fw_fail(err, "%s %s: the image's sha256 is not known; the answer cannot be signed",
                       model, version);
    if (size == 0)
        return fw_fail(err, "%s %s: the image's size is not known; the answer cannot be signed",
                       model, version);
    *out = (struct answer_claim){kind, mac, model, version, sha256, size, expires};
    return 0;
}

int answer_claim_release(const struct release *r, int64_t expires, struct answer_claim *out,
                         struct fw_err *err)
{
    return claim(UPDATE_GENERAL, 0, r->model, r->version, r->sha256, r->size, expires, out, err);
}

int answer_claim_targeted(const struct target *t, const struct target_device *d, int64_t expires,
                          struct answer_claim *out, struct fw_err *err)
{
    return claim(UPDATE_TARGETED, t->mac, d->model, d->version, d->sha256, d->size, expires, out,
                 err);
}

int answer_claim_rollback(const struct target *t, const struct target_device *d,
                          const struct release *stable, int64_t expires, struct answer_claim *out,
                          struct fw_err *err)
{
    return claim(UPDATE_ROLLBACK, t->mac, d->model, stable->version, stable->sha256, stable->size,
                 expires, out, err);
}

static int check_claim(const struct answer_claim *a, char sha[SHA256_HEX_LEN], struct fw_err *err)
{
    struct version v;

    if (a->kind != UPDATE_GENERAL && a->kind != UPDATE_TARGETED && a->kind != UPDATE_ROLLBACK)
        return fw_fail(err, "kind: expected general, targeted or rollback");
    if (!a->model || !a->model[0] || strlen(a->model) > MODEL_MAX)
        return fw_fail(err, "model: expected 1 to %d bytes", MODEL_MAX);
    if (!a->version || version_parse(a->version, &v, err) < 0)
        return a->version ? fw_context(err, "version") : fw_fail(err, "version: missing");
    if (!sha256_is_hex(a->sha256))
        return fw_fail(err, "sha256: expected 64 hex digits");
    if (a->size == 0 || a->size > (uint64_t)INT64_MAX)
        return fw_fail(err, "size: expected 1 to %lld bytes", (long long)INT64_MAX);
    if (a->expires <= 0)
        return fw_fail(err, "expires: expected Unix seconds above 0");
    for (size_t i = 0; i < SHA256_HEX_LEN; i++)
        sha[i] =
            (char)(a->sha256[i] >= 'A' && a->sha256[i] <= 'F' ? a->sha256[i] + 32 : a->sha256[i]);
    return 0;
}

/* Dumps j (taken) compactly with sorted keys into a malloc'd string. */
static int dump(json_t *j, char **out, size_t *len, struct fw_err *err)
{
    char *text = j ? json_dumps(j, CANON_FLAGS) : NULL;

    json_decref(j);
    if (!text)
        return fw_fail(err, "cannot build the JSON: out of memory or text that is not UTF-8");
    *out = text;
    *len = strlen(text);
    return 0;
}

int answer_canonical(const struct answer_claim *a, char **out, size_t *len, struct fw_err *err)
{
    char sha[SHA256_HEX_LEN], mac[MAC_STR_LEN];
    json_t *j;

    if (check_claim(a, sha, err) < 0)
        return fw_context(err, "cannot make the canonical answer");
    j = json_pack("{s:I, s:s, s:s, s:s, s:I, s:s}", "expires", (json_int_t)a->expires, "kind",
                  update_kind_name(a->kind), "model", a->model, "sha256", sha, "size",
                  (json_int_t)a->size, "version", a->version);
    if (j && a->kind != UPDATE_GENERAL) {
        mac_format(a->mac, mac);
        if (json_object_set_new(j, "mac", json_string(mac)) < 0) {
            json_decref(j);
            j = NULL;
        }
    }
    return dump(j, out, len, err);
}

int answer_sign(const struct sign_key *k, const struct answer_claim *a, char **out, size_t *len,
                struct fw_err *err)
{
    unsigned char sig[SIGN_MAX];
    char b64[BASE64_ENCODED_LEN(SIGN_MAX)];
    char *payload = NULL;
    size_t plen, siglen;
    int rc = -1;

    if (answer_canonical(a, &payload, &plen, err) < 0)
        return -1;
    if (sign_buffer(k, payload, plen, sig, &siglen, err) < 0)
        goto out;
    base64_encode(sig, siglen, b64);
    rc = dump(json_pack("{s:s, s:s, s:s, s:s}", "alg", sign_alg_name(sign_key_alg(k)), "key_id",
                        sign_key_id_hex(k), "payload", payload, "signature", b64),
              out, len, err);
out:
    free(payload);
    return rc;
}

/* ---- verification ---- */

static enum update_kind kind_of(const char *s)
{
    static const enum update_kind kinds[] = {UPDATE_GENERAL, UPDATE_TARGETED, UPDATE_ROLLBACK};

    for (size_t i = 0; s && i < sizeof(kinds) / sizeof(kinds[0]); i++)
        if (strcmp(s, update_kind_name(kinds[i])) == 0)
            return kinds[i];
    return UPDATE_NONE;
}

static int copy_str(json_t *o, const char *key, char *buf, size_t len, struct fw_err *err)
{
    const char *s = json_string_value(json_object_get(o, key));

    if (!s)
        return fw_fail(err, "payload: %s: expected a string", key);
    if (strlen(s) >= len)
        return fw_fail(err, "payload: %s: longer than %zu bytes", key, len - 1);
    memcpy(buf, s, strlen(s) + 1);
    return 0;
}

static int read_numbers(json_t *p, struct answer_claim *a, struct fw_err *err)
{
    json_t *size = json_object_get(p, "size"), *exp = json_object_get(p, "expires");

    if (!json_is_integer(size) || json_integer_value(size) <= 0)
        return fw_fail(err, "payload: size: expected a whole number above 0");
    if (!json_is_integer(exp))
        return fw_fail(err, "payload: expires: expected Unix seconds");
    a->size = (uint64_t)json_integer_value(size);
    a->expires = json_integer_value(exp);
    return 0;
}

static int read_mac(json_t *p, struct answer_claim *a, struct fw_err *err)
{
    json_t *m = json_object_get(p, "mac");

    if (a->kind == UPDATE_GENERAL)
        return m ? fw_fail(err, "payload: mac: not expected in a general answer") : 0;
    if (!json_is_string(m) || mac_parse(json_string_value(m), &a->mac, err) < 0)
        return fw_fail(err, "payload: mac: expected the device's MAC address");
    return 0;
}

/* Reads the payload's fields into out; unknown members are refused. */
static int read_payload(json_t *p, struct answer_checked *out, struct fw_err *err)
{
    static const char *const known[] = {"expires", "kind", "mac",     "model",
                                        "sha256",  "size", "version", NULL};
    struct answer_claim *a = &out->claim;
    const char *key;
    json_t *v;

    if (!json_is_object(p))
        return fw_fail(err, "payload: expected a JSON object");
    json_object_foreach(p, key, v)
    {
        size_t i = 0;

        while (known[i] && strcmp(known[i], key) != 0)
            i++;
        if (!known[i])
            return fw_fail(err, "payload: %s: unknown member", key);
    }
    a->kind = kind_of(json_string_value(json_object_get(p, "kind")));
    if (a->kind == UPDATE_NONE)
        return fw_fail(err, "payload: kind: expected general, targeted or rollback");
    if (copy_str(p, "model", out->model, sizeof(out->model), err) < 0 ||
        copy_str(p, "version", out->version, sizeof(out->version), err) < 0 ||
        copy_str(p, "sha256", out->sha256, sizeof(out->sha256), err) < 0)
        return -1;
    a->model = out->model;
    a->version = out->version;
    a->sha256 = out->sha256;
    if (read_numbers(p, a, err) < 0)
        return -1;
    return read_mac(p, a, err);
}

/* The payload must be exactly what answer_canonical makes of its own fields. */
static int check_canonical(const struct answer_checked *c, const char *payload, size_t len,
                           struct fw_err *err)
{
    char *again = NULL;
    size_t n;
    int same;

    if (answer_canonical(&c->claim, &again, &n, err) < 0)
        return fw_context(err, "payload");
    same = n == len && memcmp(again, payload, n) == 0;
    free(again);
    return same ? 0 : fw_fail(err, "payload: not in canonical form");
}

/* Decodes the member's signature and checks it over the payload's bytes. */
static int check_signature(const struct sign_keyring *ring, json_t *m, const char *payload,
                           size_t plen, struct answer_checked *out, struct fw_err *err)
{
    const char *key_id = json_string_value(json_object_get(m, "key_id"));
    const char *b64 = json_string_value(json_object_get(m, "signature"));
    unsigned char sig[SIGN_MAX], digest[SHA256_LEN];
    const struct sign_key *k;
    long siglen;

    if (!key_id || !sha256_is_hex(key_id))
        return fw_fail(err, "key_id: expected 64 hex digits");
    if (!b64 || (siglen = base64_decode(b64, strlen(b64), sig, sizeof(sig))) <= 0)
        return fw_fail(err, "signature: expected the base64 of a signature");
    sha256_buf(payload, plen, digest);
    k = sign_keyring_verify(ring, key_id, digest, sig, (size_t)siglen, err);
    if (!k)
        return -1;
    memcpy(out->key_id, sign_key_id_hex(k), SIGN_KEY_ID_HEX);
    return 0;
}

static int verify_member(const struct sign_keyring *ring, json_t *m, int64_t now,
                         struct answer_checked *out, struct fw_err *err)
{
    const char *payload = json_string_value(json_object_get(m, "payload"));
    size_t plen = payload ? json_string_length(json_object_get(m, "payload")) : 0;
    json_error_t jerr;
    json_t *p = NULL;
    int rc = -1;

    if (!payload || plen > PAYLOAD_MAX)
        return fw_fail(err, "payload: expected a string of at most %d bytes", PAYLOAD_MAX);
    if (check_signature(ring, m, payload, plen, out, err) < 0)
        return -1;
    p = json_loadb(payload, plen, JSON_REJECT_DUPLICATES, &jerr);
    if (!p) {
        fw_fail(err, "payload: invalid JSON: %s", jerr.text);
        goto out;
    }
    if (read_payload(p, out, err) < 0 || check_canonical(out, payload, plen, err) < 0)
        goto out;
    if (now >= out->claim.expires) {
        fw_fail(err, "the answer expired %lld seconds ago", (long long)(now - out->claim.expires));
        goto out;
    }
    rc = 0;
out:
    json_decref(p);
    return rc;
}

int answer_verify(const struct sign_keyring *ring, const char *json, size_t len, int64_t now,
                  struct answer_checked *out, struct fw_err *err)
{
    json_error_t jerr;
    json_t *m = json_loadb(json, len, JSON_REJECT_DUPLICATES, &jerr);
    int rc;

    memset(out, 0, sizeof(*out));
    if (!json_is_object(m)) {
        json_decref(m);
        return fw_fail(err, "%s: expected a JSON object", ANSWER_MEMBER);
    }
    rc = verify_member(ring, m, now, out, err);
    json_decref(m);
    return rc < 0 ? fw_context(err, "%s", ANSWER_MEMBER) : 0;
}
