/* fuzz_token.c: libFuzzer target for download tokens: a token taken from a URL is checked
 * against a MAC and a path. The input is 6 bytes of MAC, the path up to a newline, then the
 * token. Only a token token_make would write for that MAC, path and a later expiry passes. */
#include <unistd.h>

#include "fuzz.h"
#include "server/token.h"

#define NOW 1735084800 /* 2024-12-25T00:00:00Z */

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    static const char secret[] = "fuzzing-secret-of-32-bytes-long!\n";
    char path[] = "/tmp/fwhub-fuzz-token.XXXXXX";
    struct fw_err err = {""};
    int fd = mkstemp(path);

    (void)argc;
    (void)argv;
    if (fd < 0 || write(fd, secret, sizeof(secret) - 1) != (ssize_t)(sizeof(secret) - 1))
        abort();
    close(fd);
    if (token_init(NULL, path, &err) < 0) {
        fprintf(stderr, "%s\n", err.msg);
        abort();
    }
    unlink(path);
    return 0;
}

/* A token made for mac and path passes until its expiry, and not after or altered. */
static void round_trip(uint64_t mac, const char *path, size_t len)
{
    char tok[TOKEN_STR_MAX];
    size_t n;

    if (token_make(mac, path, len, NOW + 60, tok) < 0) {
        FUZZ_CHECK(len > TOKEN_PATH_MAX, "no token for a path of %zu bytes", len);
        return;
    }
    n = strlen(tok);
    FUZZ_CHECK(token_check(mac, path, len, tok, n, NOW) == TOKEN_OK, "own token refused");
    FUZZ_CHECK(token_check(mac, path, len, tok, n, NOW + 60) == TOKEN_EXPIRED, "expiry ignored");
    FUZZ_CHECK(token_check(mac ^ 1, path, len, tok, n, NOW) == TOKEN_BAD_MAC, "other MAC passed");
    tok[n - 1] = tok[n - 1] == 'A' ? 'B' : 'A';
    FUZZ_CHECK(token_check(mac, path, len, tok, n, NOW) != TOKEN_OK, "altered token passed");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    uint64_t mac = 0;
    const char *path, *nl, *tok;
    size_t plen, tlen;
    enum token_verdict v;
    char *s;

    if (size < 6)
        return 0;
    for (int i = 0; i < 6; i++)
        mac = mac << 8 | data[i];
    s = fuzz_exact(data + 6, size - 6);
    path = s;
    nl = memchr(s, '\n', size - 6);
    plen = nl ? (size_t)(nl - s) : size - 6;
    tok = nl ? nl + 1 : s + plen;
    tlen = size - 6 - plen - (nl ? 1 : 0);
    v = token_check(mac, path, plen, tok, tlen, NOW);
    FUZZ_CHECK(v == TOKEN_OK || v == TOKEN_MALFORMED || v == TOKEN_BAD_MAC || v == TOKEN_EXPIRED,
               "verdict %d", v);
    FUZZ_CHECK(strcmp(token_verdict_name(v), "unknown") != 0, "verdict %d has no name", v);
    if (v == TOKEN_OK) {
        char again[TOKEN_STR_MAX];
        long long exp = strtoll(tok, NULL, 10);

        FUZZ_CHECK(exp > NOW, "token expired at %lld passed", exp);
        FUZZ_CHECK(token_make(mac, path, plen, exp, again) == 0, "cannot make it again");
        FUZZ_CHECK(strlen(again) == tlen && memcmp(again, tok, tlen) == 0,
                   "another spelling passed");
    }
    round_trip(mac, path, plen);
    free(s);
    return 0;
}
