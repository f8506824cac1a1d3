/* test_base64.c: RFC 4648 vectors, and the strictness of decoding (base64.c). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include "crypto/base64.h"

static const char *const vectors[][2] = {
    {"", ""},
    {"f", "Zg=="},
    {"fo", "Zm8="},
    {"foo", "Zm9v"},
    {"foob", "Zm9vYg=="},
    {"fooba", "Zm9vYmE="},
    {"foobar", "Zm9vYmFy"},
};

static void encodes_the_rfc_4648_vectors(void **state)
{
    char out[BASE64_ENCODED_LEN(6)];

    (void)state;
    for (size_t i = 0; i < sizeof(vectors) / sizeof(vectors[0]); i++) {
        base64_encode(vectors[i][0], strlen(vectors[i][0]), out);
        assert_string_equal(out, vectors[i][1]);
    }
}

static void decodes_the_rfc_4648_vectors(void **state)
{
    unsigned char out[8];

    (void)state;
    for (size_t i = 0; i < sizeof(vectors) / sizeof(vectors[0]); i++) {
        long n = base64_decode(vectors[i][1], strlen(vectors[i][1]), out, sizeof(out));

        assert_int_equal(n, (long)strlen(vectors[i][0]));
        assert_memory_equal(out, vectors[i][0], (size_t)n);
    }
}

static void all_byte_values_round_trip(void **state)
{
    unsigned char in[256], back[256];
    char text[BASE64_ENCODED_LEN(256)];

    (void)state;
    for (int i = 0; i < 256; i++)
        in[i] = (unsigned char)(255 - i);
    base64_encode(in, sizeof(in), text);
    assert_int_equal(base64_decode(text, strlen(text), back, sizeof(back)), 256);
    assert_memory_equal(in, back, sizeof(in));
}

static void non_canonical_or_foreign_text_is_refused(void **state)
{
    static const char *const bad[] = {
        "Zg=", "Zg", "Zh==", "Zm9=", "Z===", "Zg==Zg==", "Zm 9", "Zm-v", "Zm_v", "Zm9v\n", "===="};
    unsigned char out[16];

    (void)state;
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        assert_int_equal(base64_decode(bad[i], strlen(bad[i]), out, sizeof(out)), -1);
}

static void output_that_does_not_fit_is_refused(void **state)
{
    unsigned char out[5];

    (void)state;
    assert_int_equal(base64_decode("Zm9vYmFy", 8, out, sizeof(out)), -1);
    assert_int_equal(base64_decode("Zm9vYmE=", 8, out, sizeof(out)), 5);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(encodes_the_rfc_4648_vectors),
        cmocka_unit_test(decodes_the_rfc_4648_vectors),
        cmocka_unit_test(all_byte_values_round_trip),
        cmocka_unit_test(non_canonical_or_foreign_text_is_refused),
        cmocka_unit_test(output_that_does_not_fit_is_refused),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
