/* token.c: download tokens: "<expiry>.<base64url(HMAC-SHA256(key, MAC \n path \n expiry))>". */
#include "token.h"

#include <errno.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/fsutil.h"
#include "core/mac.h"
#include "srvlog.h"

#define KEY_LEN     32
#define KEY_MIN     16
#define KEY_MAX     4096
#define MAC_B64_LEN 43 /* 32 bytes in base64url without padding */

static unsigned char key[KEY_MAX];
static size_t key_len;

/* Reads the secret in path. An operator's file (text: a line ending is not part of it)
 * loses its trailing CR and LF; the repository's own key is 32 random bytes, kept whole
 * (its last byte may well be a 0x0a). */
static int read_secret(const char *path, bool text, struct fw_err *err)
{
    char *data = NULL;
    size_t len = 0;
    int rc = -1;

    if (fs_read_file(path, KEY_MAX, &data, &len, err) < 0)
        goto out;
    while (text && len > 0 && (data[len - 1] == '\n' || data[len - 1] == '\r'))
        len--;
    if (len < KEY_MIN) {
        fw_fail(err, "%s: a token secret needs at least %d bytes, found %zu", path, KEY_MIN, len);
        goto out;
    }
    memcpy(key, data, len);
    key_len = len;
    rc = 0;
out:
    if (data)
        OPENSSL_cleanse(data, len);
    free(data);
    return rc;
}

static void warn_if_readable(const char *path)
{
    struct stat st;

    if (stat(path, &st) == 0 && (st.st_mode & 077))
        srvlog(SRVLOG_WARN, "token_key_mode", path, "readable by others (mode %03o); chmod 600",
               (unsigned)(st.st_mode & 0777));
}

/* The repository's own key, created on first start. */
static int repo_secret(const char *repo, struct fw_err *err)
{
    char dir[4096], path[4096];
    unsigned char fresh[KEY_LEN];

    if (fs_join(dir, sizeof(dir), repo, ".fwhub") < 0 ||
        fs_join(path, sizeof(path), dir, "token.key") < 0)
        return fw_fail(err, "%s: repository path too long", repo);
    if (access(path, F_OK) == 0) {
        warn_if_readable(path);
        return read_secret(path, false, err);
    }
    if (RAND_bytes(fresh, sizeof(fresh)) != 1)
        return fw_fail(err, "cannot create a token secret: no randomness from OpenSSL");
    if (fs_mkdirs(dir, err) < 0 || fs_write_atomic(path, fresh, sizeof(fresh), 0600, err) < 0)
        return fw_context(err, "cannot keep the token secret");
    memcpy(key, fresh, sizeof(fresh));
    key_len = sizeof(fresh);
    OPENSSL_cleanse(fresh, sizeof(fresh));
    srvlog(SRVLOG_INFO, "token_key_created", path, "new download-token secret");
    return 0;
}

int token_init(const char *repo, const char *secret_file, struct fw_err *err)
{
    if (secret_file) {
        warn_if_readable(secret_file);
        return read_secret(secret_file, true, err);
    }
    return repo_secret(repo, err);
}

static void b64url(const unsigned char *in, size_t n, char *out)
{
    static const char tab[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    size_t o = 0;

    for (size_t i = 0; i < n; i += 3) {
        uint32_t v = (uint32_t)in[i] << 16;
        size_t left = n - i;

        if (left > 1)
            v |= (uint32_t)in[i + 1] << 8;
        if (left > 2)
            v |= in[i + 2];
        out[o++] = tab[(v >> 18) & 63];
        out[o++] = tab[(v >> 12) & 63];
        if (left > 1)
            out[o++] = tab[(v >> 6) & 63];
        if (left > 2)
            out[o++] = tab[v & 63];
    }
    out[o] = '\0';
}

/* The HMAC in base64url into out[MAC_B64_LEN + 1]. */
static int sign(uint64_t mac, const char *path, size_t path_len, const char *expiry, char *out)
{
    char msg[MAC_STR_LEN + TOKEN_PATH_MAX + 32];
    char macs[MAC_STR_LEN];
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int md_len = 0;
    int n;

    if (path_len > TOKEN_PATH_MAX)
        return -1;
    mac_format(mac, macs);
    n = snprintf(msg, sizeof(msg), "%s\n%.*s\n%s", macs, (int)path_len, path, expiry);
    if (n < 0 || (size_t)n >= sizeof(msg))
        return -1;
    if (!HMAC(EVP_sha256(), key, (int)key_len, (const unsigned char *)msg, (size_t)n, md,
              &md_len) ||
        md_len != 32)
        return -1;
    b64url(md, md_len, out);
    return 0;
}

int token_make(uint64_t mac, const char *path, size_t path_len, int64_t expiry,
               char out[TOKEN_STR_MAX])
{
    char exp[24];
    char sig[MAC_B64_LEN + 1];

    snprintf(exp, sizeof(exp), "%lld", (long long)expiry);
    if (sign(mac, path, path_len, exp, sig) < 0)
        return -1;
    snprintf(out, TOKEN_STR_MAX, "%s.%s", exp, sig);
    return 0;
}

enum token_verdict token_check(uint64_t mac, const char *path, size_t path_len, const char *tok,
                               size_t tok_len, int64_t now)
{
    char exp[24];
    char sig[MAC_B64_LEN + 1];
    const char *dot = memchr(tok, '.', tok_len);
    size_t exp_len = dot ? (size_t)(dot - tok) : 0;
    char *end;
    long long expiry;

    if (!dot || exp_len == 0 || exp_len >= sizeof(exp) || tok_len - exp_len - 1 != MAC_B64_LEN)
        return TOKEN_MALFORMED;
    memcpy(exp, tok, exp_len);
    exp[exp_len] = '\0';
    /* digits only: strtoll alone would stop at a NUL and let "<expiry>\0<junk>" pass as
     * another spelling of a genuine token */
    if (strspn(exp, "0123456789") != exp_len)
        return TOKEN_MALFORMED;
    errno = 0;
    expiry = strtoll(exp, &end, 10);
    if (errno || *end)
        return TOKEN_MALFORMED;
    if (sign(mac, path, path_len, exp, sig) < 0)
        return TOKEN_MALFORMED;
    if (CRYPTO_memcmp(sig, dot + 1, MAC_B64_LEN) != 0)
        return TOKEN_BAD_MAC;
    return now < expiry ? TOKEN_OK : TOKEN_EXPIRED;
}

const char *token_verdict_name(enum token_verdict v)
{
    switch (v) {
    case TOKEN_OK:
        return "ok";
    case TOKEN_MALFORMED:
        return "malformed";
    case TOKEN_BAD_MAC:
        return "bad_signature";
    case TOKEN_EXPIRED:
        return "expired";
    }
    return "unknown";
}
