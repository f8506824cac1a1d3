/* test_image_trust.c: which images --require-signed keeps (src/crypto/image_trust.c). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "crypto/base64.h"
#include "crypto/image_trust.h"

#define SHA1 "1111111111111111111111111111111111111111111111111111111111111111"
#define SHA2 "2222222222222222222222222222222222222222222222222222222222222222"
#define SHA3 "3333333333333333333333333333333333333333333333333333333333333333"

struct fixture {
    struct sign_key *key, *other;
    struct sign_keyring ring; /* key's public half */
    char sig1[100], sig2[100], sig3[100], other_sig[100];
    struct catalog cat;
    struct model model;
    struct release rel[3];
    struct target tgt[2], *targets[2];
    struct target_device dev[2];
    struct withheld {
        char what[8][128];
        size_t n;
    } log;
};

/* The base64 signature of the digest whose hex is sha, by k. */
static void sign_hex(struct sign_key *k, const char *sha, char out[100])
{
    unsigned char d[SHA256_LEN], sig[SIGN_MAX];
    struct fw_err err;
    size_t n;

    for (size_t i = 0; i < SHA256_LEN; i++)
        d[i] = (unsigned char)(sha[2 * i] - '0') * 17; /* SHA1..3: digits repeated */
    assert_int_equal(sign_digest(k, d, sig, &n, &err), 0);
    base64_encode(sig, n, out);
}

static void put_release(struct release *r, const char *version, const char *sha, const char *sig,
                        const char *key_id)
{
    struct fw_err err;

    memset(r, 0, sizeof(*r));
    r->model = "EVSE";
    r->version = version;
    assert_int_equal(version_parse(version, &r->v, &err), 0);
    memcpy(r->sha256, sha, 65);
    r->size = 100;
    r->signature = sig;
    r->key_id = key_id;
}

/* Releases 10.1.0 (signed), 10.2.0 (unsigned), 10.3.0 (signed); targets: one signed, one
 * signed by a key that is not trusted. */
static void build(struct fixture *f)
{
    const char *id = sign_key_id_hex(f->key);

    put_release(&f->rel[0], "10.1.0", SHA1, f->sig1, id);
    put_release(&f->rel[1], "10.2.0", SHA2, NULL, NULL);
    put_release(&f->rel[2], "10.3.0", SHA3, f->sig3, id);
    f->model = (struct model){"EVSE", f->rel, 3};
    for (int i = 0; i < 2; i++) {
        f->dev[i] = (struct target_device){.model = "EVSE", .version = "10.3.1-custom"};
        memcpy(f->dev[i].sha256, SHA2, 65);
        f->tgt[i] = (struct target){.mac = (uint64_t)i + 1, .devices = &f->dev[i], .n_devices = 1};
        f->targets[i] = &f->tgt[i];
    }
    f->tgt[0].file = "targeted/00_00_00_00_00_01.json";
    f->tgt[1].file = "targeted/00_00_00_00_00_02.json";
    f->dev[0].signature = f->sig2;
    f->dev[0].key_id = id;
    f->dev[1].signature = f->other_sig;
    f->dev[1].key_id = sign_key_id_hex(f->other);
    f->cat =
        (struct catalog){.models = &f->model, .n_models = 1, .targets = f->targets, .n_targets = 2};
    memset(&f->log, 0, sizeof(f->log));
}

static int setup(void **state)
{
    struct fixture *f = calloc(1, sizeof(*f));
    struct sign_key *pub = NULL;
    struct fw_err err;
    char *pem = NULL;
    size_t len;

    assert_int_equal(sign_key_generate(SIGN_ECDSA_P256, &f->key, &err), 0);
    assert_int_equal(sign_key_generate(SIGN_ED25519, &f->other, &err), 0);
    assert_int_equal(sign_key_pem(f->key, false, &pem, &len, &err), 0);
    assert_int_equal(sign_key_from_pem(pem, len, false, "pub", &pub, &err), 0);
    assert_int_equal(sign_keyring_add(&f->ring, pub, &err), 0);
    free(pem);
    sign_hex(f->key, SHA1, f->sig1);
    sign_hex(f->key, SHA2, f->sig2);
    sign_hex(f->key, SHA3, f->sig3);
    sign_hex(f->other, SHA2, f->other_sig);
    build(f);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fixture *f = *state;

    sign_key_free(f->key);
    sign_key_free(f->other);
    sign_keyring_free(&f->ring);
    free(f);
    return 0;
}

static void note(void *ctx, const char *subject, const char *version, const char *why)
{
    struct withheld *w = ctx;

    (void)why;
    if (w->n < 8)
        snprintf(w->what[w->n++], 128, "%s %s", subject, version);
}

static void an_image_is_trusted_only_with_a_valid_signature_by_a_ring_key(void **state)
{
    struct fixture *f = *state;
    const char *id = sign_key_id_hex(f->key);
    struct fw_err why;

    assert_true(trust_image(&f->ring, SHA1, f->sig1, id, &why));
    assert_false(trust_image(&f->ring, SHA1, NULL, NULL, &why));
    assert_non_null(strstr(why.msg, "not signed"));
    assert_false(trust_image(&f->ring, "", f->sig1, id, &why));
    assert_non_null(strstr(why.msg, "sha256 is not recorded"));
    assert_false(trust_image(&f->ring, SHA2, f->sig1, id, &why)); /* another image's */
    assert_non_null(strstr(why.msg, "does not verify"));
    assert_false(trust_image(&f->ring, SHA2, f->other_sig, sign_key_id_hex(f->other), &why));
    assert_non_null(strstr(why.msg, "not trusted"));
    assert_false(trust_image(&f->ring, SHA1, "not base64!", id, &why));
    assert_non_null(strstr(why.msg, "base64"));
}

static void untrusted_releases_and_target_entries_are_withheld_in_order(void **state)
{
    struct fixture *f = *state;
    struct trust_counts n;

    assert_int_equal(trust_withhold_unsigned(&f->cat, &f->ring, NULL, note, &f->log, &n), 0);
    assert_int_equal(f->model.n_releases, 2);
    assert_string_equal(f->model.releases[0].version, "10.1.0");
    assert_string_equal(f->model.releases[1].version, "10.3.0");
    assert_int_equal(f->tgt[0].n_devices, 1);
    assert_int_equal(f->tgt[1].n_devices, 0);
    assert_int_equal(n.releases_kept, 2);
    assert_int_equal(n.releases_withheld, 1);
    assert_int_equal(n.entries_kept, 1);
    assert_int_equal(n.entries_withheld, 1);
    assert_int_equal(n.verified, 3);
    assert_int_equal(f->log.n, 2);
    assert_string_equal(f->log.what[0], "EVSE 10.2.0");
    assert_string_equal(f->log.what[1], "targeted/00_00_00_00_00_02.json 10.3.1-custom");
}

static void a_reload_verifies_only_new_signatures_and_honours_a_removed_key(void **state)
{
    struct fixture *f = *state;
    struct trust_cache *tc = trust_cache_new();
    struct sign_keyring none = {0};
    struct trust_counts n;

    assert_int_equal(trust_withhold_unsigned(&f->cat, &f->ring, tc, NULL, NULL, &n), 0);
    assert_int_equal(n.verified, 3);
    build(f);
    assert_int_equal(trust_withhold_unsigned(&f->cat, &f->ring, tc, NULL, NULL, &n), 0);
    assert_int_equal(n.verified, 0);
    assert_int_equal(n.releases_kept + n.entries_kept, 3);
    build(f);
    f->rel[0].signature = f->sig3; /* re-signed with another (wrong) signature: checked again */
    assert_int_equal(trust_withhold_unsigned(&f->cat, &f->ring, tc, NULL, NULL, &n), 0);
    assert_int_equal(n.verified, 0);
    assert_int_equal(n.releases_withheld, 2);
    build(f);
    assert_int_equal(trust_withhold_unsigned(&f->cat, &none, tc, NULL, NULL, &n), 0);
    assert_int_equal(n.releases_kept + n.entries_kept, 0); /* the cache does not outlive a key */
    trust_cache_free(tc);
}

static void many_images_are_verified_in_parallel_with_the_same_outcome(void **state)
{
    struct fixture *f = *state;
    enum { N = 300 };
    struct target_device *dev = calloc(N, sizeof(*dev));
    struct target *tgt = calloc(N, sizeof(*tgt)), **tp = calloc(N, sizeof(*tp));
    char(*sig)[100] = calloc(N, 100), names[N][32];
    struct catalog c = {.targets = tp, .n_targets = N};
    struct trust_counts n;

    for (int i = 0; i < N; i++) {
        sign_hex(f->key, i % 3 == 0 ? SHA1 : SHA3, sig[i]);
        dev[i] = (struct target_device){.model = "EVSE", .version = "1.0.0", .signature = sig[i]};
        memcpy(dev[i].sha256, i % 3 == 0 ? SHA1 : SHA3, 65);
        dev[i].key_id = sign_key_id_hex(f->key);
        snprintf(names[i], sizeof(names[i]), "t%d", i);
        tgt[i] = (struct target){
            .mac = (uint64_t)i + 1, .file = names[i], .devices = &dev[i], .n_devices = 1};
        tp[i] = &tgt[i];
    }
    memcpy(dev[7].sha256, SHA2, 65);   /* a signature of another image */
    dev[200].signature = f->other_sig; /* by a key that is not trusted */
    f->log.n = 0;
    assert_int_equal(trust_withhold_unsigned(&c, &f->ring, NULL, note, &f->log, &n), 0);
    assert_int_equal(n.entries_kept, N - 2);
    assert_int_equal(n.verified, N - 2);
    assert_int_equal(f->log.n, 2);
    assert_string_equal(f->log.what[0], "t7 1.0.0");
    assert_string_equal(f->log.what[1], "t200 1.0.0");
    assert_int_equal(tgt[7].n_devices, 0);
    assert_int_equal(tgt[8].n_devices, 1);
    free(dev);
    free(tgt);
    free(tp);
    free(sig);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(
            an_image_is_trusted_only_with_a_valid_signature_by_a_ring_key, setup, teardown),
        cmocka_unit_test_setup_teardown(untrusted_releases_and_target_entries_are_withheld_in_order,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(
            a_reload_verifies_only_new_signatures_and_honours_a_removed_key, setup, teardown),
        cmocka_unit_test_setup_teardown(many_images_are_verified_in_parallel_with_the_same_outcome,
                                        setup, teardown),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
