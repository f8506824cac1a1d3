/* sign.c: keys and signatures on OpenSSL 3's EVP interface; see sign.h for what is signed. */
#include "sign.h"

#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "../core/fsutil.h"

struct sign_key {
    EVP_PKEY *pkey;
    enum sign_alg alg;
    bool is_private;
    unsigned char id[SIGN_KEY_ID_LEN];
    char id_hex[SIGN_KEY_ID_HEX];
};

/* OpenSSL's reason for the last failure, and an empty error queue afterwards: the queue is
 * per thread and would otherwise carry stale errors into the next message. */
static const char *ossl_reason(char *buf, size_t len)
{
    unsigned long e = ERR_peek_last_error();

    if (e)
        ERR_error_string_n(e, buf, len);
    else
        snprintf(buf, len, "unknown OpenSSL error");
    ERR_clear_error();
    return buf;
}

const char *sign_alg_name(enum sign_alg alg)
{
    return alg == SIGN_ED25519 ? "ed25519" : "ecdsa-p256";
}

int sign_alg_parse(const char *s, enum sign_alg *out, struct fw_err *err)
{
    if (strcmp(s, "ecdsa-p256") == 0 || strcmp(s, "ecdsa") == 0 || strcmp(s, "p256") == 0) {
        *out = SIGN_ECDSA_P256;
        return 0;
    }
    if (strcmp(s, "ed25519") == 0) {
        *out = SIGN_ED25519;
        return 0;
    }
    return fw_fail(err, "\"%s\" is not a key type; expected ecdsa-p256 or ed25519", s);
}

/* Which of the two algorithms pkey is for; -1 for any other key. */
static int alg_of(EVP_PKEY *pkey, enum sign_alg *alg)
{
    char group[64];
    size_t n = 0;

    if (EVP_PKEY_is_a(pkey, "ED25519")) {
        *alg = SIGN_ED25519;
        return 0;
    }
    if (!EVP_PKEY_is_a(pkey, "EC") || EVP_PKEY_get_group_name(pkey, group, sizeof(group), &n) != 1)
        return -1;
    if (strcmp(group, "prime256v1") != 0 && strcmp(group, "P-256") != 0 &&
        strcmp(group, "secp256r1") != 0)
        return -1;
    *alg = SIGN_ECDSA_P256;
    return 0;
}

/* Wraps pkey (taken) into a new key, computing its id from the public key's DER form. */
static int wrap(EVP_PKEY *pkey, bool is_private, const char *name, struct sign_key **out,
                struct fw_err *err)
{
    struct sign_key *k = calloc(1, sizeof(*k));
    unsigned char *der = NULL;
    char why[256];
    int len;

    if (!k) {
        EVP_PKEY_free(pkey);
        return fw_fail(err, "%s: out of memory", name);
    }
    k->pkey = pkey;
    k->is_private = is_private;
    if (alg_of(pkey, &k->alg) < 0) {
        sign_key_free(k);
        return fw_fail(err, "%s: not an ECDSA P-256 or Ed25519 key", name);
    }
    len = i2d_PUBKEY(pkey, &der);
    if (len <= 0) {
        sign_key_free(k);
        return fw_fail(err, "%s: cannot encode the public key: %s", name,
                       ossl_reason(why, sizeof(why)));
    }
    sha256_buf(der, (size_t)len, k->id);
    sha256_hex(k->id, k->id_hex);
    OPENSSL_free(der);
    *out = k;
    return 0;
}

int sign_key_generate(enum sign_alg alg, struct sign_key **out, struct fw_err *err)
{
    EVP_PKEY *pkey = alg == SIGN_ED25519 ? EVP_PKEY_Q_keygen(NULL, NULL, "ED25519")
                                         : EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
    char why[256];

    if (!pkey)
        return fw_fail(err, "cannot generate an %s key: %s", sign_alg_name(alg),
                       ossl_reason(why, sizeof(why)));
    return wrap(pkey, true, "new key", out, err);
}

/* A passphrase callback that refuses: fwhub reads unencrypted keys only, and must never
 * wait for a terminal prompt. */
static int no_passphrase(char *buf, int size, int rwflag, void *u)
{
    (void)buf;
    (void)size;
    (void)rwflag;
    (void)u;
    return -1;
}

int sign_key_from_pem(const char *pem, size_t len, bool private_key, const char *name,
                      struct sign_key **out, struct fw_err *err)
{
    BIO *bio = len <= SIGN_PEM_MAX ? BIO_new_mem_buf(pem, (int)len) : NULL;
    EVP_PKEY *pkey = NULL;
    char why[256];

    if (!bio)
        return fw_fail(err, "%s: too large or out of memory", name);
    if (private_key)
        pkey = PEM_read_bio_PrivateKey(bio, NULL, no_passphrase, NULL);
    else
        pkey = PEM_read_bio_PUBKEY(bio, NULL, NULL, NULL);
    BIO_free(bio);
    if (!pkey)
        return fw_fail(err, "%s: expected an unencrypted PEM %s key: %s", name,
                       private_key ? "private" : "public", ossl_reason(why, sizeof(why)));
    return wrap(pkey, private_key, name, out, err);
}

static int load(const char *path, bool private_key, struct sign_key **out, struct fw_err *err)
{
    char *text = NULL;
    size_t len = 0;
    int rc;

    if (fs_read_file(path, SIGN_PEM_MAX, &text, &len, err) < 0)
        return -1;
    rc = sign_key_from_pem(text, len, private_key, path, out, err);
    /* the text of a private key does not stay in freed memory */
    OPENSSL_cleanse(text, len);
    free(text);
    return rc;
}

int sign_key_load_private(const char *path, struct sign_key **out, struct fw_err *err)
{
    return load(path, true, out, err);
}

int sign_key_load_public(const char *path, struct sign_key **out, struct fw_err *err)
{
    return load(path, false, out, err);
}

int sign_key_pem(const struct sign_key *k, bool private_key, char **out, size_t *len,
                 struct fw_err *err)
{
    BIO *bio = BIO_new(BIO_s_mem());
    char *data = NULL, why[256];
    long n;
    int ok;

    if (!bio)
        return fw_fail(err, "cannot encode key %s: out of memory", k->id_hex);
    if (private_key && !k->is_private) {
        BIO_free(bio);
        return fw_fail(err, "key %s is a public key only", k->id_hex);
    }
    ok = private_key ? PEM_write_bio_PrivateKey(bio, k->pkey, NULL, NULL, 0, NULL, NULL)
                     : PEM_write_bio_PUBKEY(bio, k->pkey);
    n = BIO_get_mem_data(bio, &data);
    if (ok != 1 || n <= 0 || !(*out = malloc((size_t)n + 1))) {
        BIO_free(bio);
        return fw_fail(err, "cannot encode key %s: %s", k->id_hex, ossl_reason(why, sizeof(why)));
    }
    memcpy(*out, data, (size_t)n);
    (*out)[n] = '\0';
    *len = (size_t)n;
    OPENSSL_cleanse(data, (size_t)n);
    BIO_free(bio);
    return 0;
}

void sign_key_free(struct sign_key *k)
{
    if (!k)
        return;
    EVP_PKEY_free(k->pkey);
    free(k);
}

enum sign_alg sign_key_alg(const struct sign_key *k)
{
    return k->alg;
}

bool sign_key_is_private(const struct sign_key *k)
{
    return k->is_private;
}

const unsigned char *sign_key_id(const struct sign_key *k)
{
    return k->id;
}

const char *sign_key_id_hex(const struct sign_key *k)
{
    return k->id_hex;
}

/* ECDSA: the digest is signed as SHA-256's, exactly as `openssl dgst -sha256 -sign` does. */
static int ecdsa_sign(EVP_PKEY *pkey, const unsigned char *digest, unsigned char *sig,
                      size_t *siglen)
{
    EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_pkey(NULL, pkey, NULL);
    int ok = ctx && EVP_PKEY_sign_init(ctx) == 1 &&
             EVP_PKEY_CTX_set_signature_md(ctx, EVP_sha256()) == 1 &&
             EVP_PKEY_sign(ctx, sig, siglen, digest, SHA256_LEN) == 1;

    EVP_PKEY_CTX_free(ctx);
    return ok ? 0 : -1;
}

/* Ed25519: the 32 digest bytes are the message. */
static int ed25519_sign(EVP_PKEY *pkey, const unsigned char *digest, unsigned char *sig,
                        size_t *siglen)
{
    EVP_MD_CTX *md = EVP_MD_CTX_new();
    int ok = md && EVP_DigestSignInit_ex(md, NULL, NULL, NULL, NULL, pkey, NULL) == 1 &&
             EVP_DigestSign(md, sig, siglen, digest, SHA256_LEN) == 1;

    EVP_MD_CTX_free(md);
    return ok ? 0 : -1;
}

int sign_digest(const struct sign_key *k, const unsigned char digest[SHA256_LEN],
                unsigned char sig[SIGN_MAX], size_t *siglen, struct fw_err *err)
{
    char why[256];
    int rc;

    if (!k->is_private)
        return fw_fail(err, "key %s is a public key only; signing needs the private key",
                       k->id_hex);
    *siglen = SIGN_MAX;
    rc = k->alg == SIGN_ED25519 ? ed25519_sign(k->pkey, digest, sig, siglen)
                                : ecdsa_sign(k->pkey, digest, sig, siglen);
    if (rc < 0)
        return fw_fail(err, "cannot sign with key %s: %s", k->id_hex,
                       ossl_reason(why, sizeof(why)));
    return 0;
}

static bool ecdsa_verify(EVP_PKEY *pkey, const unsigned char *digest, const unsigned char *sig,
                         size_t siglen)
{
    EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_pkey(NULL, pkey, NULL);
    bool ok = ctx && EVP_PKEY_verify_init(ctx) == 1 &&
              EVP_PKEY_CTX_set_signature_md(ctx, EVP_sha256()) == 1 &&
              EVP_PKEY_verify(ctx, sig, siglen, digest, SHA256_LEN) == 1;

    EVP_PKEY_CTX_free(ctx);
    return ok;
}

static bool ed25519_verify(EVP_PKEY *pkey, const unsigned char *digest, const unsigned char *sig,
                           size_t siglen)
{
    EVP_MD_CTX *md = EVP_MD_CTX_new();
    bool ok = md && EVP_DigestVerifyInit_ex(md, NULL, NULL, NULL, NULL, pkey, NULL) == 1 &&
              EVP_DigestVerify(md, sig, siglen, digest, SHA256_LEN) == 1;

    EVP_MD_CTX_free(md);
    return ok;
}

bool sign_verify_digest(const struct sign_key *k, const unsigned char digest[SHA256_LEN],
                        const unsigned char *sig, size_t siglen)
{
    bool ok;

    if (siglen == 0 || siglen > SIGN_MAX)
        return false;
    ok = k->alg == SIGN_ED25519 ? ed25519_verify(k->pkey, digest, sig, siglen)
                                : ecdsa_verify(k->pkey, digest, sig, siglen);
    /* a refused signature leaves reasons in the queue; they say nothing more than "no" */
    ERR_clear_error();
    return ok;
}

int sign_buffer(const struct sign_key *k, const void *data, size_t len, unsigned char sig[SIGN_MAX],
                size_t *siglen, struct fw_err *err)
{
    unsigned char digest[SHA256_LEN];

    sha256_buf(data, len, digest);
    return sign_digest(k, digest, sig, siglen, err);
}

bool sign_verify_buffer(const struct sign_key *k, const void *data, size_t len,
                        const unsigned char *sig, size_t siglen)
{
    unsigned char digest[SHA256_LEN];

    sha256_buf(data, len, digest);
    return sign_verify_digest(k, digest, sig, siglen);
}

int sign_file(const struct sign_key *k, const char *path, unsigned char sig[SIGN_MAX],
              size_t *siglen, unsigned char digest[SHA256_LEN], struct fw_err *err)
{
    unsigned char d[SHA256_LEN];

    if (sha256_file(path, d, NULL, err) < 0)
        return -1;
    if (sign_digest(k, d, sig, siglen, err) < 0)
        return fw_context(err, "cannot sign %s", path);
    if (digest)
        memcpy(digest, d, SHA256_LEN);
    return 0;
}

/* ---- key rings ---- */

int sign_keyring_add(struct sign_keyring *r, struct sign_key *k, struct fw_err *err)
{
    if (sign_keyring_find(r, k->id_hex)) {
        sign_key_free(k);
        return 0;
    }
    if (r->n == r->cap) {
        size_t cap = r->cap ? r->cap * 2 : 4;
        struct sign_key **keys = realloc(r->keys, cap * sizeof(*keys));

        if (!keys) {
            sign_key_free(k);
            return fw_fail(err, "cannot add a trusted key: out of memory");
        }
        r->keys = keys;
        r->cap = cap;
    }
    r->keys[r->n++] = k;
    return 0;
}

int sign_keyring_load_file(struct sign_keyring *r, const char *path, struct fw_err *err)
{
    struct sign_key *k = NULL;

    if (sign_key_load_public(path, &k, err) < 0)
        return -1;
    return sign_keyring_add(r, k, err);
}

/* "<64 hex>.pem" must hold the key with that id. */
static int check_name(const char *name, const struct sign_key *k, const char *path,
                      struct fw_err *err)
{
    size_t n = strlen(name);

    if (n == 64 + 4 && strncasecmp(name, k->id_hex, 64) == 0)
        return 0;
    return fw_fail(err, "%s holds key %s; expected the file to be named %s.pem", path, k->id_hex,
                   k->id_hex);
}

static bool is_pem_name(const char *name)
{
    size_t n = strlen(name);

    return name[0] != '.' && n > 4 && strcmp(name + n - 4, ".pem") == 0;
}

int sign_keyring_load_dir(struct sign_keyring *r, const char *dir, struct fw_err *err)
{
    char path[4096];
    struct sign_key *k = NULL;
    struct dirent *de;
    DIR *d = opendir(dir);
    int rc = -1;

    if (!d)
        return errno == ENOENT ? 0 : fw_fail(err, "cannot read %s: %s", dir, strerror(errno));
    while ((de = readdir(d))) {
        if (!is_pem_name(de->d_name))
            continue;
        if (fs_join(path, sizeof(path), dir, de->d_name) != 0) {
            fw_fail(err, "%s/%s: path too long", dir, de->d_name);
            goto out;
        }
        if (sign_key_load_public(path, &k, err) < 0)
            goto out;
        if (check_name(de->d_name, k, path, err) < 0)
            goto out;
        if (sign_keyring_add(r, k, err) < 0) {
            k = NULL; /* taken and freed by sign_keyring_add */
            goto out;
        }
        k = NULL;
    }
    rc = 0;
out:
    sign_key_free(k);
    closedir(d);
    return rc;
}

const struct sign_key *sign_keyring_find(const struct sign_keyring *r, const char *id_hex)
{
    if (!id_hex || strlen(id_hex) != 64)
        return NULL;
    for (size_t i = 0; i < r->n; i++)
        if (strncasecmp(r->keys[i]->id_hex, id_hex, 64) == 0)
            return r->keys[i];
    return NULL;
}

const struct sign_key *sign_keyring_verify(const struct sign_keyring *r, const char *id_hex,
                                           const unsigned char digest[SHA256_LEN],
                                           const unsigned char *sig, size_t siglen,
                                           struct fw_err *err)
{
    const struct sign_key *k;
    char shown[FW_QUOTE_LEN];

    if (!id_hex) {
        for (size_t i = 0; i < r->n; i++)
            if (sign_verify_digest(r->keys[i], digest, sig, siglen))
                return r->keys[i];
        fw_fail(err, "the signature does not verify with any of the %zu trusted keys", r->n);
        return NULL;
    }
    k = sign_keyring_find(r, id_hex);
    if (!k) {
        fw_fail(err, "key %s is not trusted",
                sha256_is_hex(id_hex) ? id_hex : fw_quote(id_hex, shown));
        return NULL;
    }
    if (!sign_verify_digest(k, digest, sig, siglen)) {
        fw_fail(err, "the signature does not verify (key %s)", k->id_hex);
        return NULL;
    }
    return k;
}

void sign_keyring_free(struct sign_keyring *r)
{
    for (size_t i = 0; i < r->n; i++)
        sign_key_free(r->keys[i]);
    free(r->keys);
    r->keys = NULL;
    r->n = 0;
    r->cap = 0;
}
