/* downloads.c: guards before h2o's file handler: safe paths only, tokens for targeted images. */
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/isotime.h"
#include "core/mac.h"
#include "events.h"
#include "server.h"
#include "srvlog.h"
#include "token.h"

#define REL_MAX         1024
#define GENERAL_PREFIX  "/firmware/"
#define TARGETED_PREFIX "/targeted/firmware/"

struct guard {
    h2o_handler_t super;
    bool targeted;
};

/* What every refused download gets: the answer of a file that does not exist. */
static int not_found(h2o_req_t *req)
{
    h2o_send_error_404(req, "File Not Found", "not found", 0);
    return 0;
}

static int hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* Decodes the raw path p (n bytes) into out. Escapes of '/', '.', '\\' and control
 * characters are refused outright: no spelling of a separator or a dot reaches the file
 * system. Returns the length, or -1. */
static int decode_path(const char *p, size_t n, char *out, size_t outlen)
{
    size_t o = 0;

    for (size_t i = 0; i < n; i++) {
        int c = (unsigned char)p[i];

        if (c == '%') {
            int hi = i + 2 < n ? hexval(p[i + 1]) : -1, lo = hi >= 0 ? hexval(p[i + 2]) : -1;

            if (lo < 0)
                return -1;
            c = hi * 16 + lo;
            if (c == '/' || c == '.' || c == '\\')
                return -1;
            i += 2;
        }
        if (c < 0x20 || c == 0x7f || c == '\\' || o + 1 >= outlen)
            return -1;
        out[o++] = (char)c;
    }
    out[o] = '\0';
    return (int)o;
}

/* No empty, "." or ".." components in rel. */
static bool plain_components(const char *rel)
{
    const char *s = rel;

    for (;;) {
        size_t n = strcspn(s, "/");

        if (n == 0 || (n == 1 && s[0] == '.') || (n == 2 && s[0] == '.' && s[1] == '.'))
            return false;
        if (!s[n])
            return true;
        s += n + 1;
    }
}

/* rel resolves, links followed, to a readable regular file under repo/root/. */
static bool inside(const char *rel, const char *root)
{
    char full[PATH_MAX], real[PATH_MAX], want[PATH_MAX];
    struct stat st;
    int n = snprintf(full, sizeof(full), "%s/%s", server_settings.repo, rel);
    int w = snprintf(want, sizeof(want), "%s/%s", server_settings.repo, root);

    if (n < 0 || (size_t)n >= sizeof(full) || w < 0 || (size_t)w >= sizeof(want))
        return false;
    if (!realpath(full, real) || strncmp(real, want, (size_t)w) != 0)
        return false;
    return stat(real, &st) == 0 && S_ISREG(st.st_mode) && access(real, R_OK) == 0;
}

/* The value of the query parameter token, or NULL. */
static const char *query_token(const h2o_req_t *req, size_t *len)
{
    const char *q, *end;

    if (req->query_at == SIZE_MAX)
        return NULL;
    q = req->path.base + req->query_at + 1;
    end = req->path.base + req->path.len;
    while (q < end) {
        const char *amp = memchr(q, '&', (size_t)(end - q));
        const char *stop = amp ? amp : end;

        if (stop - q > 6 && memcmp(q, "token=", 6) == 0) {
            *len = (size_t)(stop - q - 6);
            return q + 6;
        }
        q = stop + 1;
    }
    return NULL;
}

static int refuse(h2o_req_t *req, uint64_t mac, const char *rel, const char *why)
{
    char peer[SERVER_PEER_MAX];
    struct event e = {.kind = EVENT_DOWNLOAD_REFUSED, .mac = mac, .path = rel, .detail = why};

    server_peer(req, peer);
    e.client = peer;
    events_record(&e);
    srvlog(SRVLOG_WARN, "download_refused", peer, "path=/%s reason=%s", rel, why);
    return not_found(req);
}

/* Checks the token of a targeted download; rel is "targeted/firmware/<MAC>/<file>". */
static int check_targeted(h2o_req_t *req, const char *rel, size_t raw_len)
{
    const char *macpart = rel + strlen(TARGETED_PREFIX) - 1;
    size_t mlen = strcspn(macpart, "/");
    char given[MAC_STR_LEN + 1], canon[MAC_STR_LEN], peer[SERVER_PEER_MAX], root[64];
    uint64_t mac = 0;
    struct fw_err err;
    const char *tok;
    size_t tok_len = 0;
    enum token_verdict v;

    if (mlen >= sizeof(given) || !macpart[mlen])
        return refuse(req, 0, rel, "no_device");
    memcpy(given, macpart, mlen);
    given[mlen] = '\0';
    if (mac_parse(given, &mac, &err) < 0)
        return refuse(req, 0, rel, "bad_mac");
    mac_format_file(mac, canon);
    if (strcmp(canon, given) != 0)
        return refuse(req, mac, rel, "bad_mac");
    tok = query_token(req, &tok_len);
    if (!tok || tok_len >= TOKEN_STR_MAX)
        return refuse(req, mac, rel, tok ? "malformed" : "missing_token");
    v = token_check(mac, req->path.base, raw_len, tok, tok_len, isotime_now());
    if (v != TOKEN_OK)
        return refuse(req, mac, rel, token_verdict_name(v));
    snprintf(root, sizeof(root), "%s%s/", TARGETED_PREFIX + 1, canon);
    if (!inside(rel, root))
        return not_found(req);

    struct event e = {.kind = EVENT_DOWNLOAD_TARGETED, .mac = mac, .path = rel};

    server_peer(req, peer);
    e.client = peer;
    events_record(&e);
    srvlog(SRVLOG_INFO, "targeted_download", peer, "mac=%s path=/%s", canon, rel);
    return -1;
}

static int on_guard(h2o_handler_t *self, h2o_req_t *req)
{
    const struct guard *g = (const struct guard *)self;
    const char *prefix = g->targeted ? TARGETED_PREFIX : GENERAL_PREFIX;
    size_t plen = strlen(prefix), raw_len = server_path_len(req);
    char rel[REL_MAX];

    if (raw_len <= plen || memcmp(req->path.base, prefix, plen) != 0)
        return not_found(req);
    if (decode_path(req->path.base + 1, raw_len - 1, rel, sizeof(rel)) < 0 ||
        !plain_components(rel))
        return not_found(req);
    if (g->targeted)
        return check_targeted(req, rel, raw_len);
    if (!inside(rel, GENERAL_PREFIX + 1))
        return not_found(req);
    return -1; /* h2o's file handler serves it: Range, HEAD, ETag, Last-Modified */
}

static h2o_pathconf_t *register_one(h2o_hostconf_t *host, bool targeted)
{
    static const char *no_index[] = {NULL};
    const char *prefix = targeted ? "/targeted/firmware" : "/firmware";
    h2o_pathconf_t *pc = h2o_config_register_path(host, prefix, 0);
    struct guard *g = (struct guard *)h2o_create_handler(pc, sizeof(*g));
    char dir[PATH_MAX];

    g->super.on_req = on_guard;
    g->targeted = targeted;
    snprintf(dir, sizeof(dir), "%s%s", server_settings.repo, prefix);
    h2o_file_register(pc, dir, no_index, NULL, 0);
    return pc;
}

void downloads_register(h2o_hostconf_t *host, h2o_pathconf_t *out[2])
{
    out[0] = register_one(host, true);
    out[1] = register_one(host, false);
}
