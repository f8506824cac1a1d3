/* test_sha256.c: SHA-256 against the FIPS 180-2 vectors, streaming, files and hex forms. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "crypto/sha256.h"

#define EMPTY_HEX     "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
#define ABC_HEX       "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
#define TWO_BLOCK     "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"
#define TWO_BLOCK_HEX "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"
#define MILLION_A_HEX "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0"

static char tmpdir[64];

static int make_tmpdir(void **state)
{
    (void)state;
    snprintf(tmpdir, sizeof(tmpdir), "/tmp/fwhub-test-sha256.XXXXXX");
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

static void path_in_tmp(char *buf, size_t len, const char *name)
{
    int n = snprintf(buf, len, "%s/%s", tmpdir, name);

    assert_true(n > 0 && (size_t)n < len);
}

static void write_file(const char *path, const void *data, size_t len)
{
    FILE *f = fopen(path, "wb");

    assert_non_null(f);
    assert_int_equal(fwrite(data, 1, len, f), len);
    assert_int_equal(fclose(f), 0);
}

static void assert_digest_hex(const unsigned char d[SHA256_LEN], const char *want)
{
    char hex[SHA256_HEX_LEN];

    sha256_hex(d, hex);
    assert_string_equal(hex, want);
}

static void buf_of_empty_input_matches_fips_vector(void **state)
{
    unsigned char d[SHA256_LEN];

    (void)state;
    sha256_buf("", 0, d);
    assert_digest_hex(d, EMPTY_HEX);
}

static void buf_of_abc_matches_fips_vector(void **state)
{
    unsigned char d[SHA256_LEN];

    (void)state;
    sha256_buf("abc", 3, d);
    assert_digest_hex(d, ABC_HEX);
}

static void buf_of_two_block_message_matches_fips_vector(void **state)
{
    unsigned char d[SHA256_LEN];

    (void)state;
    sha256_buf(TWO_BLOCK, strlen(TWO_BLOCK), d);
    assert_digest_hex(d, TWO_BLOCK_HEX);
}

static void stream_of_empty_input_matches_fips_vector(void **state)
{
    struct sha256_ctx c = {0};
    struct fw_err err;
    unsigned char d[SHA256_LEN];

    (void)state;
    assert_int_equal(sha256_init(&c, &err), 0);
    sha256_update(&c, "", 0);
    sha256_final(&c, d);
    assert_null(c.md);
    assert_digest_hex(d, EMPTY_HEX);
}

/* Uneven pieces cross the 64-byte block boundary at every offset. */
static void million_a_streamed_in_uneven_pieces_matches_fips_vector(void **state)
{
    static const size_t pieces[] = {1, 63, 64, 65, 127, 1000, 4096, 7};
    struct sha256_ctx c = {0};
    struct fw_err err;
    unsigned char d[SHA256_LEN];
    char *a = malloc(4096);
    size_t left = 1000000;

    (void)state;
    assert_non_null(a);
    memset(a, 'a', 4096);
    assert_int_equal(sha256_init(&c, &err), 0);
    for (size_t i = 0; left > 0; i++) {
        size_t n = pieces[i % (sizeof(pieces) / sizeof(pieces[0]))];

        n = n < left ? n : left;
        sha256_update(&c, a, n);
        left -= n;
    }
    sha256_final(&c, d);
    assert_digest_hex(d, MILLION_A_HEX);
    free(a);
}

static void stream_split_anywhere_equals_one_shot(void **state)
{
    unsigned char whole[SHA256_LEN];
    unsigned char parts[SHA256_LEN];
    struct fw_err err;
    size_t len = strlen(TWO_BLOCK);

    (void)state;
    sha256_buf(TWO_BLOCK, len, whole);
    for (size_t cut = 0; cut <= len; cut++) {
        struct sha256_ctx c = {0};

        assert_int_equal(sha256_init(&c, &err), 0);
        sha256_update(&c, TWO_BLOCK, cut);
        sha256_update(&c, TWO_BLOCK + cut, len - cut);
        sha256_final(&c, parts);
        assert_memory_equal(whole, parts, SHA256_LEN);
    }
}

/* Under AddressSanitizer a leaked context fails the run. */
static void abort_releases_a_started_context_and_accepts_a_zeroed_one(void **state)
{
    struct sha256_ctx c = {0};
    struct fw_err err;

    (void)state;
    sha256_abort(&c);
    assert_null(c.md);
    assert_int_equal(sha256_init(&c, &err), 0);
    assert_non_null(c.md);
    sha256_update(&c, "abc", 3);
    sha256_abort(&c);
    assert_null(c.md);
    sha256_abort(&c);
}

/* After final or abort the context is released; feeding it more is harmless. */
static void update_after_final_is_ignored(void **state)
{
    struct sha256_ctx c = {0};
    struct fw_err err;
    unsigned char d[SHA256_LEN];

    (void)state;
    assert_int_equal(sha256_init(&c, &err), 0);
    sha256_update(&c, "abc", 3);
    sha256_final(&c, d);
    sha256_update(&c, "more", 4);
    assert_null(c.md);
    assert_digest_hex(d, ABC_HEX);
}

static void file_larger_than_a_chunk_hashes_like_its_bytes(void **state)
{
    size_t len = 3 * 64 * 1024 + 12345;
    unsigned char *data = malloc(len);
    unsigned char want[SHA256_LEN];
    unsigned char got[SHA256_LEN];
    char path[128];
    uint64_t size = 0;
    struct fw_err err;

    (void)state;
    assert_non_null(data);
    for (size_t i = 0; i < len; i++)
        data[i] = (unsigned char)(i * 131 + i / 977);
    path_in_tmp(path, sizeof(path), "big.bin");
    write_file(path, data, len);

    sha256_buf(data, len, want);
    assert_int_equal(sha256_file(path, got, &size, &err), 0);
    assert_memory_equal(want, got, SHA256_LEN);
    assert_int_equal(size, len);
    free(data);
}

static void empty_file_hashes_like_empty_input_and_size_may_be_null(void **state)
{
    unsigned char d[SHA256_LEN];
    char path[128];
    struct fw_err err;

    (void)state;
    path_in_tmp(path, sizeof(path), "empty.bin");
    write_file(path, "", 0);
    assert_int_equal(sha256_file(path, d, NULL, &err), 0);
    assert_digest_hex(d, EMPTY_HEX);
}

static void missing_file_is_refused_naming_file_and_system_error(void **state)
{
    unsigned char d[SHA256_LEN];
    unsigned char before[SHA256_LEN];
    char path[128];
    char want[256];
    uint64_t size = 77;
    struct fw_err err;

    (void)state;
    memset(d, 0xaa, sizeof(d));
    memcpy(before, d, sizeof(d));
    path_in_tmp(path, sizeof(path), "absent.bin");
    assert_int_equal(sha256_file(path, d, &size, &err), -1);
    snprintf(want, sizeof(want), "cannot read %s: No such file or directory", path);
    assert_string_equal(err.msg, want);
    assert_memory_equal(d, before, SHA256_LEN);
    assert_int_equal(size, 77);
}

static void directory_is_refused_as_not_a_regular_file(void **state)
{
    unsigned char d[SHA256_LEN];
    char want[256];
    struct fw_err err;

    (void)state;
    assert_int_equal(sha256_file(tmpdir, d, NULL, &err), -1);
    snprintf(want, sizeof(want), "%s is not a regular file", tmpdir);
    assert_string_equal(err.msg, want);
}

/* Opening a FIFO for reading would wait for a writer; the call must return at once. */
static void fifo_is_refused_without_blocking(void **state)
{
    unsigned char d[SHA256_LEN];
    char path[128];
    struct fw_err err;

    (void)state;
    path_in_tmp(path, sizeof(path), "fifo");
    assert_int_equal(mkfifo(path, 0600), 0);
    alarm(5);
    assert_int_equal(sha256_file(path, d, NULL, &err), -1);
    alarm(0);
    assert_non_null(strstr(err.msg, "is not a regular file"));
    unlink(path);
}

static void hex_is_lower_case_and_terminated(void **state)
{
    unsigned char d[SHA256_LEN];
    char hex[SHA256_HEX_LEN + 1];

    (void)state;
    for (size_t i = 0; i < SHA256_LEN; i++)
        d[i] = (unsigned char)(0xf0 + i % 16 + (i << 4));
    memset(hex, 'x', sizeof(hex));
    sha256_hex(d, hex);
    assert_int_equal(strlen(hex), 64);
    for (size_t i = 0; i < 64; i++)
        assert_non_null(strchr("0123456789abcdef", hex[i]));
    assert_int_equal(hex[SHA256_HEX_LEN], 'x');
    assert_memory_equal(hex, "f0", 2);
}

static void is_hex_accepts_exactly_64_hex_digits_in_either_case(void **state)
{
    char s[80];

    (void)state;
    assert_int_equal(sha256_is_hex(EMPTY_HEX), 1);
    snprintf(s, sizeof(s), "%s", EMPTY_HEX);
    for (size_t i = 0; s[i]; i++)
        s[i] = s[i] >= 'a' && s[i] <= 'f' ? (char)(s[i] - 'a' + 'A') : s[i];
    assert_int_equal(sha256_is_hex(s), 1);

    assert_int_equal(sha256_is_hex(NULL), 0);
    assert_int_equal(sha256_is_hex(""), 0);
    snprintf(s, sizeof(s), "%.63s", EMPTY_HEX);
    assert_int_equal(sha256_is_hex(s), 0);
    snprintf(s, sizeof(s), "%s0", EMPTY_HEX);
    assert_int_equal(sha256_is_hex(s), 0);
    snprintf(s, sizeof(s), "%s", EMPTY_HEX);
    s[10] = 'g';
    assert_int_equal(sha256_is_hex(s), 0);
    snprintf(s, sizeof(s), "sha256:%.57s", EMPTY_HEX);
    assert_int_equal(sha256_is_hex(s), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(buf_of_empty_input_matches_fips_vector),
        cmocka_unit_test(buf_of_abc_matches_fips_vector),
        cmocka_unit_test(buf_of_two_block_message_matches_fips_vector),
        cmocka_unit_test(stream_of_empty_input_matches_fips_vector),
        cmocka_unit_test(million_a_streamed_in_uneven_pieces_matches_fips_vector),
        cmocka_unit_test(stream_split_anywhere_equals_one_shot),
        cmocka_unit_test(abort_releases_a_started_context_and_accepts_a_zeroed_one),
        cmocka_unit_test(update_after_final_is_ignored),
        cmocka_unit_test(file_larger_than_a_chunk_hashes_like_its_bytes),
        cmocka_unit_test(empty_file_hashes_like_empty_input_and_size_may_be_null),
        cmocka_unit_test(missing_file_is_refused_naming_file_and_system_error),
        cmocka_unit_test(directory_is_refused_as_not_a_regular_file),
        cmocka_unit_test(fifo_is_refused_without_blocking),
        cmocka_unit_test(hex_is_lower_case_and_terminated),
        cmocka_unit_test(is_hex_accepts_exactly_64_hex_digits_in_either_case),
    };

    return cmocka_run_group_tests(tests, make_tmpdir, remove_tmpdir);
}
