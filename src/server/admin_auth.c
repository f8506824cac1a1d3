/* admin_auth.c: the admin token file, constant-time token checks, and page sessions. */
#include "admin_auth.h"

#include <errno.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#define DIGEST_LEN 32
#define LINE_MAX_  1024

struct token {
    char id[ADMIN_ID_MAX + 1];
    unsigned char digest[DIGEST_LEN];
};

struct session {
    unsigned char digest[DIGEST_LEN]; /* of the session id: the id itself is not kept */
    char id[ADMIN_ID_MAX + 1];
    char csrf[ADMIN_SECRET_HEX];
    int64_t started; /* 0: free */
};

static struct token tokens[ADMIN_TOKENS_MAX];
static size_t n_tokens;
static struct session sessions[ADMIN_SESSIONS_MAX];
static pthread_mutex_t sessions_lock = PTHREAD_MUTEX_INITIALIZER;

static void digest(const void *p, size_t n, unsigned char out[DIGEST_LEN])
{
    unsigned int len = DIGEST_LEN;

    if (EVP_Digest(p, n, out, &len, EVP_sha256(), NULL) != 1)
        memset(out, 0xff, DIGEST_LEN); /* matches nothing a real token hashes to */
}

static bool id_char(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
           c == '_' || c == '-' || c == '@';
}

/* One line "IDENTITY TOKEN" into tokens[n_tokens]. */
static int parse_line(const char *file, int lineno, char *line, struct fw_err *err)
{
    char *id = line, *tok, *end;
    size_t idn, tn;

    while (*id == ' ' || *id == '\t')
        id++;
    if (!*id || *id == '#')
        return 0;
    idn = strcspn(id, " \t");
    tok = id + idn;
    while (*tok == ' ' || *tok == '\t')
        tok++;
    tn = strcspn(tok, " \t");
    end = tok + tn;
    while (*end == ' ' || *end == '\t')
        end++;
    if (idn == 0 || idn > ADMIN_ID_MAX)
        return fw_fail(err, "%s:%d: expected IDENTITY TOKEN; the identity has 1 to %d characters",
                       file, lineno, ADMIN_ID_MAX);
    for (size_t i = 0; i < idn; i++)
        if (!id_char(id[i]))
            return fw_fail(err, "%s:%d: the identity may hold letters, digits, '.', '_', '-', '@'",
                           file, lineno);
    if (tn < ADMIN_TOKEN_MIN || tn > ADMIN_TOKEN_MAX || *end)
        return fw_fail(err,
                       "%s:%d: expected IDENTITY TOKEN, the token %d to %d characters "
                       "without spaces",
                       file, lineno, ADMIN_TOKEN_MIN, ADMIN_TOKEN_MAX);
    for (size_t i = 0; i < tn; i++)
        if ((unsigned char)tok[i] <= ' ' || (unsigned char)tok[i] >= 0x7f)
            return fw_fail(err, "%s:%d: the token must be printable ASCII", file, lineno);
    if (n_tokens == ADMIN_TOKENS_MAX)
        return fw_fail(err, "%s:%d: more than %d tokens", file, lineno, ADMIN_TOKENS_MAX);
    memcpy(tokens[n_tokens].id, id, idn);
    tokens[n_tokens].id[idn] = '\0';
    digest(tok, tn, tokens[n_tokens].digest);
    n_tokens++;
    return 0;
}

int admin_auth_load(const char *file, struct fw_err *err)
{
    char line[LINE_MAX_];
    struct stat st;
    int lineno = 0, rc = 0;
    FILE *f = fopen(file, "re");

    n_tokens = 0;
    if (!f)
        return fw_fail(err, "%s: %s", file, strerror(errno));
    if (fstat(fileno(f), &st) < 0 || !S_ISREG(st.st_mode)) {
        fclose(f);
        return fw_fail(err, "%s: not a regular file", file);
    }
    if (st.st_mode & 007) {
        fclose(f);
        return fw_fail(err, "%s: readable or writable by others (mode %04o); chmod 600 it", file,
                       (unsigned)(st.st_mode & 07777));
    }
    while (rc == 0 && fgets(line, sizeof(line), f)) {
        size_t n = strlen(line);

        lineno++;
        if (n && line[n - 1] != '\n' && !feof(f))
            rc = fw_fail(err, "%s:%d: line longer than %d bytes", file, lineno, LINE_MAX_ - 2);
        while (n && (line[n - 1] == '\n' || line[n - 1] == '\r'))
            line[--n] = '\0';
        if (rc == 0)
            rc = parse_line(file, lineno, line, err);
    }
    fclose(f);
    if (rc == 0 && n_tokens == 0)
        rc = fw_fail(err, "%s: no IDENTITY TOKEN line", file);
    if (rc < 0)
        n_tokens = 0;
    return rc;
}

bool admin_auth_enabled(void)
{
    return n_tokens > 0;
}

bool admin_auth_check(const char *token, size_t len, char id[ADMIN_ID_MAX + 1])
{
    unsigned char d[DIGEST_LEN];
    size_t found = SIZE_MAX;

    if (len == 0 || len > ADMIN_TOKEN_MAX)
        return false;
    digest(token, len, d);
    for (size_t i = 0; i < n_tokens; i++)
        if (CRYPTO_memcmp(d, tokens[i].digest, DIGEST_LEN) == 0)
            found = i;
    if (found == SIZE_MAX)
        return false;
    snprintf(id, ADMIN_ID_MAX + 1, "%s", tokens[found].id);
    return true;
}

static int random_hex(char out[ADMIN_SECRET_HEX])
{
    unsigned char b[32];
    static const char hex[] = "0123456789abcdef";

    if (RAND_bytes(b, sizeof(b)) != 1)
        return -1;
    for (size_t i = 0; i < sizeof(b); i++) {
        out[2 * i] = hex[b[i] >> 4];
        out[2 * i + 1] = hex[b[i] & 15];
    }
    out[64] = '\0';
    return 0;
}

int admin_session_start(const char *id, int64_t now, char sid[ADMIN_SECRET_HEX],
                        char csrf[ADMIN_SECRET_HEX])
{
    size_t slot = 0;

    if (random_hex(sid) < 0 || random_hex(csrf) < 0)
        return -1;
    pthread_mutex_lock(&sessions_lock);
    for (size_t i = 0; i < ADMIN_SESSIONS_MAX; i++) {
        if (sessions[i].started == 0 || now - sessions[i].started >= ADMIN_SESSION_TTL) {
            slot = i;
            break;
        }
        if (sessions[i].started < sessions[slot].started)
            slot = i;
    }
    digest(sid, 64, sessions[slot].digest);
    snprintf(sessions[slot].id, sizeof(sessions[slot].id), "%s", id);
    memcpy(sessions[slot].csrf, csrf, ADMIN_SECRET_HEX);
    sessions[slot].started = now;
    pthread_mutex_unlock(&sessions_lock);
    return 0;
}

/* The live session of sid, or NULL; under sessions_lock. */
static struct session *lookup(const char *sid, size_t len, int64_t now)
{
    unsigned char d[DIGEST_LEN];
    struct session *found = NULL;

    if (len != 64)
        return NULL;
    digest(sid, len, d);
    for (size_t i = 0; i < ADMIN_SESSIONS_MAX; i++)
        if (sessions[i].started && now - sessions[i].started < ADMIN_SESSION_TTL &&
            CRYPTO_memcmp(d, sessions[i].digest, DIGEST_LEN) == 0)
            found = &sessions[i];
    return found;
}

bool admin_session_find(const char *sid, size_t len, int64_t now, char id[ADMIN_ID_MAX + 1],
                        char csrf[ADMIN_SECRET_HEX])
{
    struct session *s;

    pthread_mutex_lock(&sessions_lock);
    s = lookup(sid, len, now);
    if (s) {
        snprintf(id, ADMIN_ID_MAX + 1, "%s", s->id);
        memcpy(csrf, s->csrf, ADMIN_SECRET_HEX);
    }
    pthread_mutex_unlock(&sessions_lock);
    return s != NULL;
}

void admin_session_end(const char *sid, size_t len)
{
    struct session *s;

    pthread_mutex_lock(&sessions_lock);
    s = lookup(sid, len, INT64_MIN / 2);
    if (s)
        memset(s, 0, sizeof(*s));
    pthread_mutex_unlock(&sessions_lock);
}

bool admin_csrf_ok(const char *given, size_t len, const char *want)
{
    return len == 64 && CRYPTO_memcmp(given, want, 64) == 0;
}
