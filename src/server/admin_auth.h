/* admin_auth.h: who may use /admin and /api/v1/admin: bearer tokens and page sessions. */
#ifndef FWHUB_ADMIN_AUTH_H
#define FWHUB_ADMIN_AUTH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/error.h"

#define ADMIN_ID_MAX       64  /* bytes of an identity */
#define ADMIN_TOKEN_MIN    16  /* bytes of a token, at least... */
#define ADMIN_TOKEN_MAX    256 /* ...and at most */
#define ADMIN_TOKENS_MAX   64  /* lines of the token file */
#define ADMIN_SESSIONS_MAX 256 /* signed-in page sessions at once; the oldest goes first */
#define ADMIN_SESSION_TTL  (12 * 3600)
#define ADMIN_SECRET_HEX   65 /* 256 bits as hex, and NUL */

/* Reads the token file: one "IDENTITY TOKEN" per line, '#' comments and blank lines
 * allowed; identities of [A-Za-z0-9._@-], tokens of 16 to 256 printable characters
 * without spaces. The file must not be readable or writable by others (mode & 007), so
 * that a token on a shared machine stays secret. Only SHA-256 digests of the tokens are
 * kept. Returns 0, or -1 with err naming file, line and what is wrong. */
int admin_auth_load(const char *file, struct fw_err *err) FW_NODISCARD;

/* True once admin_auth_load succeeded: the admin API and pages are on. */
bool admin_auth_enabled(void);

/* The identity whose token is token[0..len), or false. Compares the SHA-256 of the
 * given token with every configured digest in constant time (CRYPTO_memcmp), not
 * stopping at a match. id receives the identity. */
bool admin_auth_check(const char *token, size_t len, char id[ADMIN_ID_MAX + 1]);

/* Starts a page session for id at now: a random 256-bit session id and a random CSRF
 * token, both as hex. When ADMIN_SESSIONS_MAX sessions are live the oldest is ended.
 * Returns 0, or -1 when no randomness could be had. */
int admin_session_start(const char *id, int64_t now, char sid[ADMIN_SECRET_HEX],
                        char csrf[ADMIN_SECRET_HEX]) FW_NODISCARD;

/* Finds the live session sid[0..len) at now; copies its identity and CSRF token. */
bool admin_session_find(const char *sid, size_t len, int64_t now, char id[ADMIN_ID_MAX + 1],
                        char csrf[ADMIN_SECRET_HEX]);

/* Ends the session sid (sign-out); nothing when it is not live. */
void admin_session_end(const char *sid, size_t len);

/* True when the CSRF token given[0..len) is want (constant time). */
bool admin_csrf_ok(const char *given, size_t len, const char *want);

#endif
