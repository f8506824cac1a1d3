/* sha256.h: streaming SHA-256 of buffers and files, and its hex form. */
#ifndef FWHUB_SHA256_H
#define FWHUB_SHA256_H

#include <stdint.h>
#include <stddef.h>

#include "../core/error.h"

#define SHA256_LEN     32
#define SHA256_HEX_LEN 65 /* 64 hex digits and NUL */

struct sha256_ctx {
    void *md; /* EVP_MD_CTX */
};

/* Starts a context (c->md is NULL after a failure). Returns 0, or -1 when OpenSSL
 * cannot allocate it. A started context must end in sha256_final or sha256_abort. */
int sha256_init(struct sha256_ctx *c, struct fw_err *err) FW_NODISCARD;
/* Adds len bytes; any number of calls, of any sizes. */
void sha256_update(struct sha256_ctx *c, const void *data, size_t len);
/* Writes the digest and releases the context. Should OpenSSL have failed on the way
 * (it does only when out of memory), the digest is all zeros, which no real data hashes to. */
void sha256_final(struct sha256_ctx *c, unsigned char out[SHA256_LEN]);
/* Releases a context without a digest (on an error path); safe on a zeroed context. */
void sha256_abort(struct sha256_ctx *c);

/* The digest of one buffer; all zeros in the out-of-memory case described above. */
void sha256_buf(const void *data, size_t len, unsigned char out[SHA256_LEN]);

/* Hashes the file at path, reading it in 64 KiB chunks; writes the digest and, when size
 * is not NULL, the number of bytes read. Refuses anything but a regular file (a FIFO or
 * a device does not block the call). Returns 0 or -1 with a message naming the file
 * and the system error; out and size are written only on success. */
int sha256_file(const char *path, unsigned char out[SHA256_LEN], uint64_t *size,
                struct fw_err *err) FW_NODISCARD;

/* Lower-case hex of a digest into buf[SHA256_HEX_LEN]. */
void sha256_hex(const unsigned char d[SHA256_LEN], char buf[SHA256_HEX_LEN]);

/* Returns 1 when s is exactly 64 hex digits (either case), else 0. */
int sha256_is_hex(const char *s);

#endif
