/* host_openssl.c: the device library's crypto seam on OpenSSL 3 (SHA-256, ECDSA, Ed25519). */
#include <string.h>

#include <openssl/evp.h>
#include <openssl/x509.h>

#include "fwdev.h"

static void *sha_begin(void *ctx)
{
    EVP_MD_CTX *m = EVP_MD_CTX_new();

    (void)ctx;
    if (m && EVP_DigestInit_ex(m, EVP_sha256(), NULL) != 1) {
        EVP_MD_CTX_free(m);
        return NULL;
    }
    return m;
}

/* A failing update (OpenSSL's software SHA-256 never fails) leaves a digest that verifies
 * nothing and matches no announced checksum, so the failure cannot pass unnoticed. */
static void sha_update(void *state, const void *data, size_t len)
{
    (void)EVP_DigestUpdate(state, data, len);
}

static void sha_end(void *state, uint8_t out[FWDEV_SHA256_LEN])
{
    unsigned int n = 0;

    if (out && EVP_DigestFinal_ex(state, out, &n) != 1)
        memset(out, 0, FWDEV_SHA256_LEN);
    EVP_MD_CTX_free(state);
}

static int verify_ecdsa(EVP_PKEY *pk, const uint8_t *digest, const uint8_t *sig, size_t len)
{
    EVP_PKEY_CTX *c = EVP_PKEY_CTX_new_from_pkey(NULL, pk, NULL);
    int ok = c && EVP_PKEY_verify_init(c) == 1 &&
             EVP_PKEY_CTX_set_signature_md(c, EVP_sha256()) == 1 &&
             EVP_PKEY_verify(c, sig, len, digest, FWDEV_SHA256_LEN) == 1;

    EVP_PKEY_CTX_free(c);
    return ok;
}

static int verify_ed25519(EVP_PKEY *pk, const uint8_t *digest, const uint8_t *sig, size_t len)
{
    EVP_MD_CTX *m = EVP_MD_CTX_new();
    int ok = m && EVP_DigestVerifyInit_ex(m, NULL, NULL, NULL, NULL, pk, NULL) == 1 &&
             EVP_DigestVerify(m, sig, len, digest, FWDEV_SHA256_LEN) == 1;

    EVP_MD_CTX_free(m);
    return ok;
}

static int verify(void *ctx, const uint8_t *key, size_t key_len,
                  const uint8_t digest[FWDEV_SHA256_LEN], const uint8_t *sig, size_t sig_len)
{
    const unsigned char *p = key;
    EVP_PKEY *pk = d2i_PUBKEY(NULL, &p, (long)key_len);
    int ok = 0;

    (void)ctx;
    if (pk && EVP_PKEY_is_a(pk, "ED25519"))
        ok = verify_ed25519(pk, digest, sig, sig_len);
    else if (pk && EVP_PKEY_is_a(pk, "EC"))
        ok = verify_ecdsa(pk, digest, sig, sig_len);
    EVP_PKEY_free(pk);
    return ok;
}

void fwdev_openssl_crypto(struct fwdev_crypto *c)
{
    c->ctx = NULL;
    c->sha256_begin = sha_begin;
    c->sha256_update = sha_update;
    c->sha256_end = sha_end;
    c->verify = verify;
}
