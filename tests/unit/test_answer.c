/* test_answer.c: the canonical form of update answers, their signature member and its check. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/answer.h"
#include "crypto/base64.h"

#define SHA "d4937ff6d4937ff6d4937ff6d4937ff6d4937ff6d4937ff6d4937ff6d4937ff6"
#define MAC 0xABCDEF123456ull
#define NOW 1700000000

static const struct answer_claim targeted = {
    UPDATE_TARGETED, MAC, "EVSE", "10.3.1-custom", SHA, 150000, NOW + 3600};

static char *canonical(const struct answer_claim *a)
{
    struct fw_err err = {""};
    char *out = NULL;
    size_t len = 0;

    assert_int_equal(answer_canonical(a, &out, &len, &err), 0);
    assert_int_equal(strlen(out), len);
    return out;
}

static void targeted_canonical_form_is_compact_sorted_and_binds_the_mac(void **state)
{
    char *c = canonical(&targeted);

    (void)state;
    assert_string_equal(
        c, "{\"expires\":1700003600,\"kind\":\"targeted\",\"mac\":\"AB:CD:EF:12:34:56\","
           "\"model\":\"EVSE\",\"sha256\":\"" SHA "\",\"size\":150000,"
           "\"version\":\"10.3.1-custom\"}");
    free(c);
}

static void general_canonical_form_has_no_mac_and_lower_case_sha(void **state)
{
    struct answer_claim g = {UPDATE_GENERAL,
                             MAC,
                             "EVSE",
                             "10.3.0",
                             "D4937FF6D4937FF6D4937FF6D4937FF6D4937FF6D4937FF6D4937FF6D4937FF6",
                             200000,
                             NOW};
    char *c = canonical(&g);

    (void)state;
    assert_string_equal(c, "{\"expires\":1700000000,\"kind\":\"general\",\"model\":\"EVSE\","
                           "\"sha256\":\"" SHA "\",\"size\":200000,\"version\":\"10.3.0\"}");
    free(c);
}

static void claims_that_cannot_be_signed_are_refused_naming_the_field(void **state)
{
    struct answer_claim a;
    struct fw_err err = {""};
    char *out = NULL;
    size_t len;

    (void)state;
    a = targeted;
    a.kind = UPDATE_NONE;
    assert_int_equal(answer_canonical(&a, &out, &len, &err), -1);
    assert_non_null(strstr(err.msg, "kind"));
    a = targeted;
    a.sha256 = "abc";
    assert_int_equal(answer_canonical(&a, &out, &len, &err), -1);
    assert_non_null(strstr(err.msg, "sha256"));
    a = targeted;
    a.size = 0;
    assert_int_equal(answer_canonical(&a, &out, &len, &err), -1);
    assert_non_null(strstr(err.msg, "size"));
    a = targeted;
    a.version = "ten";
    assert_int_equal(answer_canonical(&a, &out, &len, &err), -1);
    assert_non_null(strstr(err.msg, "version"));
    a = targeted;
    a.model = "";
    assert_int_equal(answer_canonical(&a, &out, &len, &err), -1);
    assert_non_null(strstr(err.msg, "model"));
    assert_null(out);
}

static void claim_of_a_release_without_sha256_is_refused(void **state)
{
    struct release r = {.model = "EVSE", .version = "10.3.0", .size = 10};
    struct answer_claim a;
    struct fw_err err = {""};

    (void)state;
    assert_int_equal(answer_claim_release(&r, NOW, &a, &err), -1);
    assert_non_null(strstr(err.msg, "sha256 is not known"));
    memcpy(r.sha256, SHA, sizeof(r.sha256));
    assert_int_equal(answer_claim_release(&r, NOW, &a, &err), 0);
    assert_int_equal(a.kind, UPDATE_GENERAL);
    assert_int_equal(a.size, 10);
}

static struct sign_key *generate(enum sign_alg alg)
{
    struct sign_key *k = NULL;
    struct fw_err err = {""};

    assert_int_equal(sign_key_generate(alg, &k, &err), 0);
    return k;
}

static char *sign(const struct sign_key *k, const struct answer_claim *a)
{
    struct fw_err err = {""};
    char *out = NULL;
    size_t len = 0;

    assert_int_equal(answer_sign(k, a, &out, &len, &err), 0);
    return out;
}

static struct sign_keyring ring_of(struct sign_key *k)
{
    struct sign_keyring ring = {0};
    struct sign_key *pub = NULL;
    struct fw_err err = {""};
    char *pem = NULL;
    size_t len = 0;

    assert_int_equal(sign_key_pem(k, false, &pem, &len, &err), 0);
    assert_int_equal(sign_key_from_pem(pem, len, false, "pub", &pub, &err), 0);
    assert_int_equal(sign_keyring_add(&ring, pub, &err), 0);
    free(pem);
    return ring;
}

static void signed_answer_verifies_and_returns_the_claim(void **state)
{
    enum sign_alg algs[] = {SIGN_ECDSA_P256, SIGN_ED25519};

    (void)state;
    for (size_t i = 0; i < 2; i++) {
        struct sign_key *k = generate(algs[i]);
        struct sign_keyring ring = ring_of(k);
        char *m = sign(k, &targeted);
        struct answer_checked c;
        struct fw_err err = {""};

        assert_int_equal(answer_verify(&ring, m, strlen(m), NOW, &c, &err), 0);
        assert_int_equal(c.claim.kind, UPDATE_TARGETED);
        assert_int_equal(c.claim.mac, MAC);
        assert_string_equal(c.claim.model, "EVSE");
        assert_string_equal(c.claim.version, "10.3.1-custom");
        assert_string_equal(c.claim.sha256, SHA);
        assert_int_equal(c.claim.size, 150000);
        assert_int_equal(c.claim.expires, NOW + 3600);
        assert_string_equal(c.key_id, sign_key_id_hex(k));
        free(m);
        sign_keyring_free(&ring);
        sign_key_free(k);
    }
}

static void member_is_compact_with_sorted_keys(void **state)
{
    struct sign_key *k = generate(SIGN_ECDSA_P256);
    char *m = sign(k, &targeted), want[200];

    (void)state;
    snprintf(want, sizeof(want),
             "{\"alg\":\"ecdsa-p256\",\"key_id\":\"%s\",\"payload\":\"{\\\"expires\\\":",
             sign_key_id_hex(k));
    assert_int_equal(strncmp(m, want, strlen(want)), 0);
    assert_non_null(strstr(m, "\",\"signature\":\""));
    assert_null(strchr(m, ' '));
    free(m);
    sign_key_free(k);
}

static void expired_answer_is_refused(void **state)
{
    struct sign_key *k = generate(SIGN_ECDSA_P256);
    struct sign_keyring ring = ring_of(k);
    char *m = sign(k, &targeted);
    struct answer_checked c;
    struct fw_err err = {""};

    (void)state;
    assert_int_equal(answer_verify(&ring, m, strlen(m), NOW + 3599, &c, &err), 0);
    assert_int_equal(answer_verify(&ring, m, strlen(m), NOW + 3600, &c, &err), -1);
    assert_non_null(strstr(err.msg, "expired"));
    free(m);
    sign_keyring_free(&ring);
    sign_key_free(k);
}

static void answer_by_an_unknown_key_is_refused(void **state)
{
    struct sign_key *k = generate(SIGN_ECDSA_P256), *other = generate(SIGN_ECDSA_P256);
    struct sign_keyring ring = ring_of(other);
    char *m = sign(k, &targeted);
    struct answer_checked c;
    struct fw_err err = {""};

    (void)state;
    assert_int_equal(answer_verify(&ring, m, strlen(m), NOW, &c, &err), -1);
    assert_non_null(strstr(err.msg, "is not trusted"));
    free(m);
    sign_keyring_free(&ring);
    sign_key_free(k);
    sign_key_free(other);
}

/* Replaces the first from in s (in place; same length) */
static void patch(char *s, const char *from, const char *to)
{
    char *p = strstr(s, from);

    assert_non_null(p);
    assert_int_equal(strlen(from), strlen(to));
    memcpy(p, to, strlen(to));
}

static void changed_payload_fails_the_signature(void **state)
{
    struct sign_key *k = generate(SIGN_ED25519);
    struct sign_keyring ring = ring_of(k);
    char *m = sign(k, &targeted);
    struct answer_checked c;
    struct fw_err err = {""};

    (void)state;
    patch(m, "AB:CD:EF:12:34:56", "AB:CD:EF:12:34:57"); /* another device's answer */
    assert_int_equal(answer_verify(&ring, m, strlen(m), NOW, &c, &err), -1);
    assert_non_null(strstr(err.msg, "does not verify"));
    free(m);
    sign_keyring_free(&ring);
    sign_key_free(k);
}

/* Builds a member around any payload, signed with k. */
static char *member_for(const struct sign_key *k, const char *payload)
{
    unsigned char sig[SIGN_MAX];
    char b64[BASE64_ENCODED_LEN(SIGN_MAX)];
    struct fw_err err = {""};
    size_t siglen = 0;
    json_t *j;
    char *out;

    assert_int_equal(sign_buffer(k, payload, strlen(payload), sig, &siglen, &err), 0);
    base64_encode(sig, siglen, b64);
    j = json_pack("{s:s, s:s, s:s}", "key_id", sign_key_id_hex(k), "payload", payload, "signature",
                  b64);
    out = json_dumps(j, JSON_COMPACT);
    json_decref(j);
    return out;
}

static void validly_signed_but_odd_payloads_are_refused(void **state)
{
    static const char *const cases[][2] = {
        {"{\"kind\":\"general\",\"expires\":1700003600,\"model\":\"EVSE\",\"sha256\":\"" SHA
         "\",\"size\":1,\"version\":\"1.0.0\"}",
         "canonical"},
        {"{\"expires\":1700003600,\"extra\":1,\"kind\":\"general\",\"model\":\"EVSE\",\"sha256\":"
         "\"" SHA "\",\"size\":1,\"version\":\"1.0.0\"}",
         "unknown member"},
        {"{\"expires\":1700003600,\"kind\":\"targeted\",\"model\":\"EVSE\",\"sha256\":\"" SHA
         "\",\"size\":1,\"version\":\"1.0.0\"}",
         "mac"},
        {"{\"expires\":1700003600,\"kind\":\"none\",\"model\":\"EVSE\",\"sha256\":\"" SHA
         "\",\"size\":1,\"version\":\"1.0.0\"}",
         "kind"},
        {"[1]", "expected a JSON object"},
    };
    struct sign_key *k = generate(SIGN_ECDSA_P256);
    struct sign_keyring ring = ring_of(k);
    struct answer_checked c;

    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char *m = member_for(k, cases[i][0]);
        struct fw_err err = {""};

        assert_int_equal(answer_verify(&ring, m, strlen(m), NOW, &c, &err), -1);
        if (!strstr(err.msg, cases[i][1]))
            fail_msg("case %zu: \"%s\" lacks \"%s\"", i, err.msg, cases[i][1]);
        free(m);
    }
    sign_keyring_free(&ring);
    sign_key_free(k);
}

static void malformed_members_are_refused(void **state)
{
    static const char *const cases[] = {
        "",
        "[]",
        "{\"payload\":\"{}\",\"key_id\":\"x\",\"signature\":\"AAAA\"}",
        "{\"payload\":\"{}\",\"key_id\":\"" SHA "\",\"signature\":\"not base64!\"}",
        "{\"key_id\":\"" SHA "\",\"signature\":\"AAAA\"}",
    };
    struct sign_key *k = generate(SIGN_ECDSA_P256);
    struct sign_keyring ring = ring_of(k);
    struct answer_checked c;

    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct fw_err err = {""};

        assert_int_equal(answer_verify(&ring, cases[i], strlen(cases[i]), NOW, &c, &err), -1);
        assert_non_null(strstr(err.msg, ANSWER_MEMBER));
    }
    sign_keyring_free(&ring);
    sign_key_free(k);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(targeted_canonical_form_is_compact_sorted_and_binds_the_mac),
        cmocka_unit_test(general_canonical_form_has_no_mac_and_lower_case_sha),
        cmocka_unit_test(claims_that_cannot_be_signed_are_refused_naming_the_field),
        cmocka_unit_test(claim_of_a_release_without_sha256_is_refused),
        cmocka_unit_test(signed_answer_verifies_and_returns_the_claim),
        cmocka_unit_test(member_is_compact_with_sorted_keys),
        cmocka_unit_test(expired_answer_is_refused),
        cmocka_unit_test(answer_by_an_unknown_key_is_refused),
        cmocka_unit_test(changed_payload_fails_the_signature),
        cmocka_unit_test(validly_signed_but_odd_payloads_are_refused),
        cmocka_unit_test(malformed_members_are_refused),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
