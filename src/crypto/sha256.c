/* sha256.c: SHA-256 through OpenSSL's EVP interface, for buffers, streams and files. */
#include "sha256.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/evp.h>

#define CHUNK (64 * 1024)

int sha256_init(struct sha256_ctx *c, struct fw_err *err)
{
    EVP_MD_CTX *md = EVP_MD_CTX_new();

    c->md = NULL;
    if (!md)
        return fw_fail(err, "cannot start SHA-256: out of memory");
    if (EVP_DigestInit_ex(md, EVP_sha256(), NULL) != 1) {
        EVP_MD_CTX_free(md);
        return fw_fail(err, "cannot start SHA-256: OpenSSL has no SHA-256 digest");
    }
    c->md = md;
    return 0;
}

/* The software SHA-256 update cannot fail; should a provider ever make it fail, the
 * context is released so that sha256_final writes zeros rather than the digest of
 * part of the data. */
void sha256_update(struct sha256_ctx *c, const void *data, size_t len)
{
    if (!c->md || len == 0)
        return;
    if (EVP_DigestUpdate(c->md, data, len) != 1)
        sha256_abort(c);
}

void sha256_final(struct sha256_ctx *c, unsigned char out[SHA256_LEN])
{
    unsigned int n = 0;

    if (!c->md || EVP_DigestFinal_ex(c->md, out, &n) != 1 || n != SHA256_LEN)
        memset(out, 0, SHA256_LEN);
    sha256_abort(c);
}

void sha256_abort(struct sha256_ctx *c)
{
    EVP_MD_CTX_free(c->md);
    c->md = NULL;
}

void sha256_buf(const void *data, size_t len, unsigned char out[SHA256_LEN])
{
    unsigned int n = 0;

    /* EVP_Digest fails only when it cannot allocate its context. */
    if (EVP_Digest(data, len, out, &n, EVP_sha256(), NULL) != 1 || n != SHA256_LEN)
        memset(out, 0, SHA256_LEN);
}

/* Feeds everything readable from fd into c; returns 0 or -1 with errno set. */
static int hash_fd(int fd, struct sha256_ctx *c, uint64_t *total)
{
    unsigned char *buf = malloc(CHUNK);
    int rc = -1;

    if (!buf) {
        errno = ENOMEM;
        return -1;
    }
    *total = 0;
    for (;;) {
        ssize_t n = read(fd, buf, CHUNK);

        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            goto out;
        if (n == 0)
            break;
        sha256_update(c, buf, (size_t)n);
        *total += (uint64_t)n;
    }
    rc = 0;
out:
    free(buf);
    return rc;
}

int sha256_file(const char *path, unsigned char out[SHA256_LEN], uint64_t *size, struct fw_err *err)
{
    struct sha256_ctx c = {0};
    struct stat st;
    uint64_t total = 0;
    int rc = -1;
    /* O_NONBLOCK keeps a FIFO planted at path from blocking the open; it is refused
     * below, and has no effect on the regular files that are read. */
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);

    if (fd < 0)
        return fw_fail(err, "cannot read %s: %s", path, strerror(errno));
    if (fstat(fd, &st) != 0) {
        fw_fail(err, "cannot read %s: %s", path, strerror(errno));
        goto out;
    }
    if (!S_ISREG(st.st_mode)) {
        fw_fail(err, "%s is not a regular file", path);
        goto out;
    }
    if (sha256_init(&c, err) != 0) {
        fw_context(err, "cannot hash %s", path);
        goto out;
    }
    if (hash_fd(fd, &c, &total) != 0) {
        fw_fail(err, "cannot read %s: %s", path, strerror(errno));
        goto out;
    }
    sha256_final(&c, out);
    if (size)
        *size = total;
    rc = 0;
out:
    sha256_abort(&c);
    close(fd);
    return rc;
}

void sha256_hex(const unsigned char d[SHA256_LEN], char buf[SHA256_HEX_LEN])
{
    static const char digits[] = "0123456789abcdef";

    for (size_t i = 0; i < SHA256_LEN; i++) {
        buf[2 * i] = digits[d[i] >> 4];
        buf[2 * i + 1] = digits[d[i] & 0x0f];
    }
    buf[2 * SHA256_LEN] = '\0';
}

/* Spelled out rather than isxdigit() so that the locale cannot widen what is accepted. */
static int is_hex_digit(char ch)
{
    return (ch >= '0' && ch <= '9') || (ch >= 'a' && ch <= 'f') || (ch >= 'A' && ch <= 'F');
}

int sha256_is_hex(const char *s)
{
    size_t i;

    if (!s)
        return 0;
    for (i = 0; i < 2 * SHA256_LEN; i++) {
        if (!is_hex_digit(s[i]))
            return 0;
    }
    return s[i] == '\0';
}
