/* token.h: short-lived download tokens for targeted images (HMAC-SHA256 over MAC, path, expiry). */
#ifndef FWHUB_TOKEN_H
#define FWHUB_TOKEN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/error.h"

#define TOKEN_STR_MAX  80 /* "<expiry>.<43 base64url characters>" and NUL, with room */
#define TOKEN_PATH_MAX 1024

/* Loads the secret: from secret_file when not NULL (at least 16 bytes), else from
 * repo/.fwhub/token.key, which is created with 32 random bytes and mode 0600 when
 * missing, so tokens survive a restart. Returns 0 or -1 with err naming the file. */
int token_init(const char *repo, const char *secret_file, struct fw_err *err) FW_NODISCARD;

/* Writes the token for mac and the URL path (path_len bytes, no query) valid until
 * expiry into out[TOKEN_STR_MAX]. Returns 0, or -1 when the path is longer than
 * TOKEN_PATH_MAX or the HMAC cannot be computed. */
int token_make(uint64_t mac, const char *path, size_t path_len, int64_t expiry,
               char out[TOKEN_STR_MAX]) FW_NODISCARD;

/* Why token_check refused a token, for the log. */
enum token_verdict { TOKEN_OK, TOKEN_MALFORMED, TOKEN_BAD_MAC, TOKEN_EXPIRED };

/* Checks tok (tok_len bytes) for mac and path at time now: the MAC is compared in
 * constant time, the expiry only after the MAC matched. */
enum token_verdict token_check(uint64_t mac, const char *path, size_t path_len, const char *tok,
                               size_t tok_len, int64_t now);

const char *token_verdict_name(enum token_verdict v);

#endif
