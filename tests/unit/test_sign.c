/* test_sign.c: keys, key ids, signatures of buffers and files, and key rings (sign.c). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <openssl/pem.h>

#include "crypto/sign.h"

static char tmpdir[64];

static int make_tmpdir(void **state)
{
    (void)state;
    snprintf(tmpdir, sizeof(tmpdir), "/tmp/fwhub-test-sign.XXXXXX");
    return mkdtemp(tmpdir) ? 0 : -1;
}

static int remove_entry(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
    (void)st;
    (void)ftw;
    return type == FTW_DP ? rmdir(path) : unlink(path);
}

static int remove_tmpdir(void **state)
{
    (void)state;
    return nftw(tmpdir, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
}

static void write_file(const char *path, const void *data, size_t len)
{
    FILE *f = fopen(path, "wb");

    assert_non_null(f);
    assert_int_equal(fwrite(data, 1, len, f), len);
    assert_int_equal(fclose(f), 0);
}

static struct sign_key *generate(enum sign_alg alg)
{
    struct sign_key *k = NULL;
    struct fw_err err = {""};

    assert_int_equal(sign_key_generate(alg, &k, &err), 0);
    assert_non_null(k);
    return k;
}

/* A copy of k that holds only its public key, read back from PEM. */
static struct sign_key *public_of(const struct sign_key *k)
{
    struct sign_key *pub = NULL;
    struct fw_err err = {""};
    char *pem = NULL;
    size_t len = 0;

    assert_int_equal(sign_key_pem(k, false, &pem, &len, &err), 0);
    assert_non_null(strstr(pem, "-----BEGIN PUBLIC KEY-----"));
    assert_int_equal(sign_key_from_pem(pem, len, false, "pub", &pub, &err), 0);
    free(pem);
    return pub;
}

static void round_trip(enum sign_alg alg, size_t want_max)
{
    static const char msg[] = "firmware image bytes";
    struct sign_key *k = generate(alg), *pub = public_of(k);
    unsigned char sig[SIGN_MAX];
    struct fw_err err = {""};
    size_t siglen = 0;

    assert_int_equal(sign_key_alg(k), alg);
    assert_int_equal(sign_buffer(k, msg, sizeof(msg), sig, &siglen, &err), 0);
    assert_true(siglen > 0 && siglen <= want_max);
    assert_true(sign_verify_buffer(pub, msg, sizeof(msg), sig, siglen));
    assert_true(sign_verify_buffer(k, msg, sizeof(msg), sig, siglen));
    assert_false(sign_key_is_private(pub));
    assert_int_equal(sign_buffer(pub, msg, sizeof(msg), sig, &siglen, &err), -1);
    assert_non_null(strstr(err.msg, "public key only"));
    sign_key_free(k);
    sign_key_free(pub);
}

static void ecdsa_signature_round_trips_and_is_der(void **state)
{
    (void)state;
    round_trip(SIGN_ECDSA_P256, 72);
}

static void ed25519_signature_round_trips_in_64_bytes(void **state)
{
    (void)state;
    round_trip(SIGN_ED25519, 64);
}

/* The id is SHA-256 of the DER SubjectPublicKeyInfo, as `openssl pkey -pubin -outform DER`. */
static void key_id_is_sha256_of_public_der_and_stable(void **state)
{
    enum sign_alg algs[] = {SIGN_ECDSA_P256, SIGN_ED25519};

    (void)state;
    for (size_t i = 0; i < 2; i++) {
        struct sign_key *k = generate(algs[i]), *pub = public_of(k), *again = NULL;
        unsigned char *der = NULL, want[SHA256_LEN];
        struct fw_err err = {""};
        char *pem = NULL;
        size_t len = 0;
        BIO *bio;
        EVP_PKEY *p;
        int n;

        assert_int_equal(sign_key_pem(k, false, &pem, &len, &err), 0);
        bio = BIO_new_mem_buf(pem, (int)len);
        p = PEM_read_bio_PUBKEY(bio, NULL, NULL, NULL);
        n = i2d_PUBKEY(p, &der);
        sha256_buf(der, (size_t)n, want);
        assert_memory_equal(sign_key_id(k), want, SHA256_LEN);
        assert_memory_equal(sign_key_id(pub), want, SHA256_LEN);
        assert_int_equal(strlen(sign_key_id_hex(k)), 64);
        free(pem);
        assert_int_equal(sign_key_pem(k, true, &pem, &len, &err), 0);
        assert_non_null(strstr(pem, "-----BEGIN PRIVATE KEY-----"));
        assert_int_equal(sign_key_from_pem(pem, len, true, "priv", &again, &err), 0);
        assert_string_equal(sign_key_id_hex(again), sign_key_id_hex(k));
        OPENSSL_free(der);
        EVP_PKEY_free(p);
        BIO_free(bio);
        free(pem);
        sign_key_free(k);
        sign_key_free(pub);
        sign_key_free(again);
    }
}

static void flipped_byte_in_data_or_signature_fails(void **state)
{
    enum sign_alg algs[] = {SIGN_ECDSA_P256, SIGN_ED25519};

    (void)state;
    for (size_t i = 0; i < 2; i++) {
        unsigned char data[1000], sig[SIGN_MAX];
        struct sign_key *k = generate(algs[i]);
        struct fw_err err = {""};
        size_t siglen = 0;

        memset(data, 0x5a, sizeof(data));
        assert_int_equal(sign_buffer(k, data, sizeof(data), sig, &siglen, &err), 0);
        data[500] ^= 1;
        assert_false(sign_verify_buffer(k, data, sizeof(data), sig, siglen));
        data[500] ^= 1;
        sig[siglen - 1] ^= 0x80;
        assert_false(sign_verify_buffer(k, data, sizeof(data), sig, siglen));
        sig[siglen - 1] ^= 0x80;
        assert_true(sign_verify_buffer(k, data, sizeof(data), sig, siglen));
        assert_false(sign_verify_buffer(k, data, sizeof(data), sig, siglen - 1));
        assert_false(sign_verify_buffer(k, data, sizeof(data), sig, 0));
        sign_key_free(k);
    }
}

static void signature_by_another_key_fails(void **state)
{
    struct sign_key *a = generate(SIGN_ECDSA_P256), *b = generate(SIGN_ECDSA_P256);
    struct sign_key *e = generate(SIGN_ED25519);
    unsigned char sig[SIGN_MAX];
    struct fw_err err = {""};
    size_t siglen = 0;

    (void)state;
    assert_int_equal(sign_buffer(a, "x", 1, sig, &siglen, &err), 0);
    assert_false(sign_verify_buffer(b, "x", 1, sig, siglen));
    assert_false(sign_verify_buffer(e, "x", 1, sig, siglen));
    assert_string_not_equal(sign_key_id_hex(a), sign_key_id_hex(b));
    sign_key_free(a);
    sign_key_free(b);
    sign_key_free(e);
}

/* A file is signed over its SHA-256, like a buffer with the same bytes. */
static void file_signature_equals_buffer_signature_check(void **state)
{
    size_t len = 200 * 1024 + 7;
    unsigned char *data = malloc(len), sig[SIGN_MAX], digest[SHA256_LEN], want[SHA256_LEN];
    struct sign_key *k = generate(SIGN_ECDSA_P256);
    struct fw_err err = {""};
    char path[128];
    size_t siglen = 0;

    (void)state;
    assert_non_null(data);
    for (size_t i = 0; i < len; i++)
        data[i] = (unsigned char)(i * 7 + 3);
    snprintf(path, sizeof(path), "%s/image.bin", tmpdir);
    write_file(path, data, len);
    assert_int_equal(sign_file(k, path, sig, &siglen, digest, &err), 0);
    sha256_buf(data, len, want);
    assert_memory_equal(digest, want, SHA256_LEN);
    assert_true(sign_verify_buffer(k, data, len, sig, siglen));
    assert_true(sign_verify_digest(k, want, sig, siglen));
    snprintf(path, sizeof(path), "%s/missing.bin", tmpdir);
    assert_int_equal(sign_file(k, path, sig, &siglen, NULL, &err), -1);
    assert_non_null(strstr(err.msg, "missing.bin"));
    free(data);
    sign_key_free(k);
}

static void ring_refuses_a_removed_key_and_names_it(void **state)
{
    struct sign_keyring ring = {0};
    struct sign_key *old = generate(SIGN_ECDSA_P256), *cur = generate(SIGN_ED25519);
    unsigned char d[SHA256_LEN], s_old[SIGN_MAX], s_cur[SIGN_MAX];
    size_t n_old = 0, n_cur = 0;
    struct fw_err err = {""};
    char old_id[SIGN_KEY_ID_HEX];

    (void)state;
    sha256_buf("image", 5, d);
    assert_int_equal(sign_digest(old, d, s_old, &n_old, &err), 0);
    assert_int_equal(sign_digest(cur, d, s_cur, &n_cur, &err), 0);
    snprintf(old_id, sizeof(old_id), "%s", sign_key_id_hex(old));

    /* during the rotation both are trusted */
    assert_int_equal(sign_keyring_add(&ring, public_of(old), &err), 0);
    assert_int_equal(sign_keyring_add(&ring, public_of(cur), &err), 0);
    assert_int_equal(sign_keyring_add(&ring, public_of(cur), &err), 0); /* once only */
    assert_int_equal(ring.n, 2);
    assert_non_null(sign_keyring_verify(&ring, old_id, d, s_old, n_old, &err));
    assert_non_null(sign_keyring_verify(&ring, NULL, d, s_cur, n_cur, &err));
    assert_null(sign_keyring_verify(&ring, sign_key_id_hex(cur), d, s_old, n_old, &err));
    assert_non_null(strstr(err.msg, "does not verify"));
    sign_keyring_free(&ring);

    /* then the old key is removed: its signatures are refused */
    assert_int_equal(sign_keyring_add(&ring, public_of(cur), &err), 0);
    assert_null(sign_keyring_find(&ring, old_id));
    assert_null(sign_keyring_verify(&ring, old_id, d, s_old, n_old, &err));
    assert_non_null(strstr(err.msg, "is not trusted"));
    assert_non_null(strstr(err.msg, old_id));
    assert_null(sign_keyring_verify(&ring, NULL, d, s_old, n_old, &err));
    assert_non_null(sign_keyring_verify(&ring, sign_key_id_hex(cur), d, s_cur, n_cur, &err));
    sign_keyring_free(&ring);
    sign_key_free(old);
    sign_key_free(cur);
}

static void put_public(const char *dir, const char *name, const struct sign_key *k)
{
    struct fw_err err = {""};
    char path[256], *pem = NULL;
    size_t len = 0;

    assert_int_equal(sign_key_pem(k, false, &pem, &len, &err), 0);
    snprintf(path, sizeof(path), "%s/%s", dir, name);
    write_file(path, pem, len);
    free(pem);
}

static void ring_from_dir_wants_files_named_by_key_id(void **state)
{
    struct sign_key *a = generate(SIGN_ECDSA_P256), *b = generate(SIGN_ED25519);
    struct sign_keyring ring = {0};
    struct fw_err err = {""};
    char dir[128], name[80];

    (void)state;
    snprintf(dir, sizeof(dir), "%s/keys", tmpdir);
    assert_int_equal(sign_keyring_load_dir(&ring, dir, &err), 0); /* missing: no keys */
    assert_int_equal(ring.n, 0);
    assert_int_equal(mkdir(dir, 0755), 0);
    snprintf(name, sizeof(name), "%s.pem", sign_key_id_hex(a));
    put_public(dir, name, a);
    snprintf(name, sizeof(name), "%s.pem", sign_key_id_hex(b));
    put_public(dir, name, b);
    put_public(dir, "README.txt", a); /* not *.pem: ignored */
    assert_int_equal(sign_keyring_load_dir(&ring, dir, &err), 0);
    assert_int_equal(ring.n, 2);
    assert_non_null(sign_keyring_find(&ring, sign_key_id_hex(b)));
    sign_keyring_free(&ring);

    put_public(dir, "renamed.pem", a);
    assert_int_equal(sign_keyring_load_dir(&ring, dir, &err), -1);
    assert_non_null(strstr(err.msg, "renamed.pem"));
    assert_non_null(strstr(err.msg, sign_key_id_hex(a)));
    sign_keyring_free(&ring);
    sign_key_free(a);
    sign_key_free(b);
}

static void other_keys_and_garbage_are_refused(void **state)
{
    EVP_PKEY *rsa = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)1024);
    EVP_PKEY *p384 = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-384");
    struct sign_key *k = NULL;
    struct fw_err err = {""};
    BIO *bio = BIO_new(BIO_s_mem());
    char *data = NULL;
    long n;

    (void)state;
    assert_int_equal(sign_key_from_pem("junk", 4, false, "junk.pem", &k, &err), -1);
    assert_non_null(strstr(err.msg, "junk.pem"));
    PEM_write_bio_PUBKEY(bio, rsa);
    n = BIO_get_mem_data(bio, &data);
    assert_int_equal(sign_key_from_pem(data, (size_t)n, false, "rsa.pem", &k, &err), -1);
    assert_non_null(strstr(err.msg, "not an ECDSA P-256 or Ed25519 key"));
    (void)BIO_reset(bio);
    PEM_write_bio_PrivateKey(bio, p384, NULL, NULL, 0, NULL, NULL);
    n = BIO_get_mem_data(bio, &data);
    assert_int_equal(sign_key_from_pem(data, (size_t)n, true, "p384.pem", &k, &err), -1);
    assert_null(k);
    BIO_free(bio);
    EVP_PKEY_free(rsa);
    EVP_PKEY_free(p384);
}

static void alg_names_parse_and_print(void **state)
{
    struct fw_err err = {""};
    enum sign_alg a;

    (void)state;
    assert_int_equal(sign_alg_parse("ed25519", &a, &err), 0);
    assert_int_equal(a, SIGN_ED25519);
    assert_int_equal(sign_alg_parse("ecdsa-p256", &a, &err), 0);
    assert_int_equal(a, SIGN_ECDSA_P256);
    assert_string_equal(sign_alg_name(a), "ecdsa-p256");
    assert_int_equal(sign_alg_parse("rsa", &a, &err), -1);
    assert_non_null(strstr(err.msg, "expected ecdsa-p256 or ed25519"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(ecdsa_signature_round_trips_and_is_der),
        cmocka_unit_test(ed25519_signature_round_trips_in_64_bytes),
        cmocka_unit_test(key_id_is_sha256_of_public_der_and_stable),
        cmocka_unit_test(flipped_byte_in_data_or_signature_fails),
        cmocka_unit_test(signature_by_another_key_fails),
        cmocka_unit_test(file_signature_equals_buffer_signature_check),
        cmocka_unit_test(ring_refuses_a_removed_key_and_names_it),
        cmocka_unit_test(ring_from_dir_wants_files_named_by_key_id),
        cmocka_unit_test(other_keys_and_garbage_are_refused),
        cmocka_unit_test(alg_names_parse_and_print),
    };

    return cmocka_run_group_tests(tests, make_tmpdir, remove_tmpdir);
}
