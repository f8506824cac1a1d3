/* downloads.c: /firmware/ and /targeted/firmware/: safe paths only, tokens for targeted images. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "core/isotime.h"
#include "core/mac.h"
#include "core/url.h"
#include "devreq.h"
#include "events.h"
#include "images.h"
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

/* Kernels without openat2 (or a seccomp filter refusing it): resolve, check, then open
 * the resolved path, which has no links left to follow. */
static int open_resolved(const char *root, const char *rel)
{
    char full[PATH_MAX], real[PATH_MAX];
    size_t rlen = strlen(root);
    int n = snprintf(full, sizeof(full), "%s/%s", root, rel);

    if (n < 0 || (size_t)n >= sizeof(full) || !realpath(full, real))
        return -1;
    if (strncmp(real, root, rlen) != 0 || real[rlen] != '/') {
        errno = EXDEV;
        return -1;
    }
    return open(real, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY | O_NOFOLLOW);
}

/* Opens root/rel for reading, following links only while they stay beneath root (an
 * absolute path), in one walk. Returns the descriptor of a regular file, or -1 with
 * errno: EMFILE or ENFILE when out of descriptors, anything else for "not found". */
static int open_beneath(const char *root, const char *rel, struct stat *st)
{
    struct open_how how = {.flags = O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY,
                           .resolve = RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS};
    int dir = open(root, O_PATH | O_DIRECTORY | O_CLOEXEC), fd;

    if (dir < 0)
        return -1;
    fd = (int)syscall(SYS_openat2, dir, rel, &how, sizeof(how));
    close(dir);
    if (fd < 0 && (errno == ENOSYS || errno == EPERM))
        fd = open_resolved(root, rel);
    if (fd < 0)
        return -1;
    if (fstat(fd, st) < 0 || !S_ISREG(st->st_mode)) {
        close(fd);
        errno = ENOENT; /* a folder, a device, a fifo: nothing to download */
        return -1;
    }
    return fd;
}

/* Opens the file rel under repo/root into *fd. When it cannot, answers 404 (or 503 when
 * out of descriptors) itself and returns false. */
static bool open_or_answer(h2o_req_t *req, const char *root, const char *rel, int *fd,
                           struct stat *st)
{
    char dir[PATH_MAX];
    int n = snprintf(dir, sizeof(dir), "%s/%s", server_settings.repo, root);

    *fd = n > 0 && (size_t)n < sizeof(dir) ? open_beneath(dir, rel, st) : -1;
    if (*fd >= 0)
        return true;
    if (errno != EMFILE && errno != ENFILE) {
        not_found(req);
        return false;
    }
    srvlog(SRVLOG_WARN, "out_of_descriptors", "-", "cannot open %s/%s", root, rel);
    h2o_add_header(&req->pool, &req->res.headers, H2O_TOKEN_RETRY_AFTER, NULL, H2O_STRLIT("5"));
    server_send(req, 503, "Service Unavailable", "text/plain", "busy; try again\n", 16);
    return false;
}

/* The value of the query parameter token, or NULL when absent or empty. */
static const char *query_token(const h2o_req_t *req, size_t *len)
{
    bool has = req->query_at != SIZE_MAX;
    const char *q = has ? req->path.base + req->query_at + 1 : NULL;
    const char *tok = NULL;

    if (!devreq_query_param(q, has ? req->path.len - req->query_at - 1 : 0, "token", &tok, len) ||
        *len == 0)
        return NULL;
    return tok;
}

static int refuse(h2o_req_t *req, uint64_t mac, const char *rel, const char *why)
{
    char peer[SERVER_PEER_MAX], ua[EVENTS_UA_MAX];
    struct event e = {.kind = EVENT_DOWNLOAD_REFUSED, .mac = mac, .path = rel, .detail = why};

    server_peer(req, peer);
    events_user_agent(req, ua);
    e.client = peer;
    e.user_agent = ua;
    srvlog(SRVLOG_WARN, "download_refused", peer, "path=/%s reason=%s", rel, why);
    if (events_record(&e) != 0) /* token.refused: queued, not waited for */
        return events_busy(req);
    return not_found(req);
}

/* A targeted image waiting for its target.downloaded record. */
struct held_image {
    int fd;
    struct stat st;
};

static void answer_image(h2o_req_t *req, const void *data, size_t len, int result)
{
    const struct held_image *h = data;

    (void)len;
    if (result < 0) {
        close(h->fd);
        events_busy(req);
        return;
    }
    images_serve(req, h->fd, &h->st);
}

static void drop_image(const void *data)
{
    close(((const struct held_image *)data)->fd);
}

/* The version of mac's fix whose image is rel, for the audit record; NULL when unknown. */
static const char *fix_version(uint64_t mac, const char *rel)
{
    const struct target *t = catalog_target(server_snapshot()->cat, mac);

    for (size_t i = 0; t && i < t->n_devices; i++)
        if (t->devices[i].file && strcmp(t->devices[i].file, rel) == 0)
            return t->devices[i].version;
    return NULL;
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
    struct stat st;
    int fd;

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
    snprintf(root, sizeof(root), "%s%s", TARGETED_PREFIX + 1, canon);
    if (!open_or_answer(req, root, macpart + mlen + 1, &fd, &st))
        return 0;

    struct event e = {.kind = EVENT_DOWNLOAD_TARGETED, .mac = mac, .path = rel};
    struct held_image h = {fd, st};
    char ua[EVENTS_UA_MAX];

    server_peer(req, peer);
    events_user_agent(req, ua);
    e.client = peer;
    e.user_agent = ua;
    e.version = fix_version(mac, rel);
    srvlog(SRVLOG_INFO, "targeted_download", peer, "mac=%s path=/%s", canon, rel);
    /* the file goes out once target.downloaded is committed */
    if (events_hold(req, &e, answer_image, drop_image, &h, sizeof(h)) != 0) {
        close(fd);
        return events_busy(req);
    }
    return 0;
}

static int on_guard(h2o_handler_t *self, h2o_req_t *req)
{
    const struct guard *g = (const struct guard *)self;
    const char *prefix = g->targeted ? TARGETED_PREFIX : GENERAL_PREFIX;
    size_t plen = strlen(prefix), raw_len = server_path_len(req);
    char rel[REL_MAX];
    struct stat st;
    int fd;

    if (server_refuse_oversized(req))
        return 0;
    if (raw_len <= plen || memcmp(req->path.base, prefix, plen) != 0)
        return not_found(req);
    if (url_unescape(req->path.base + 1, raw_len - 1, URL_PATH, rel, sizeof(rel)) < 0 ||
        !url_plain_components(rel))
        return not_found(req);
    if (g->targeted)
        return check_targeted(req, rel, raw_len);
    if (!open_or_answer(req, "firmware", rel + strlen(GENERAL_PREFIX) - 1, &fd, &st))
        return 0;
    return images_serve(req, fd, &st);
}

static h2o_pathconf_t *register_one(h2o_hostconf_t *host, bool targeted)
{
    const char *prefix = targeted ? "/targeted/firmware" : "/firmware";
    h2o_pathconf_t *pc = h2o_config_register_path(host, prefix, 0);
    struct guard *g = (struct guard *)h2o_create_handler(pc, sizeof(*g));

    g->super.on_req = on_guard;
    g->targeted = targeted;
    return pc;
}

void downloads_register(h2o_hostconf_t *host, h2o_pathconf_t *out[2])
{
    images_init();
    out[0] = register_one(host, true);
    out[1] = register_one(host, false);
}
