/* routes_device.c: the device API (update, status), /manifest.json, /healthz and /metrics. */
#include <stdio.h>
#include <string.h>

#include "core/decide.h"
#include "core/isotime.h"
#include "core/mac.h"
#include "core/url.h"
#include "core/version.h"
#include "devreq.h"
#include "events.h"
#include "metrics.h"
#include "portal.h"
#include "server.h"
#include "signed.h"
#include "srvlog.h"
#include "token.h"

#define DEVICES_PREFIX  "/api/v1/devices/"
#define MODEL_MAX       DEVREQ_MODEL_MAX
#define STATUS_BODY_MAX 4096
#define BODY_MAX        16384 /* any other body: h2o's own limit is the admin upload limit */
#define JSON_TYPE       "application/json"

static bool path_is(const char *p, size_t n, const char *want)
{
    return n == strlen(want) && memcmp(p, want, n) == 0;
}

static int send_json(h2o_req_t *req, int status, const char *reason, const struct jbuf *b)
{
    h2o_add_header(&req->pool, &req->res.headers, H2O_TOKEN_CACHE_CONTROL, NULL,
                   H2O_STRLIT("no-store"));
    return server_send(req, status, reason, JSON_TYPE, b->p, b->len);
}

/* {"error":{"field":F,"message":M}}; field may be NULL. */
static int send_error(h2o_req_t *req, int status, const char *reason, const char *field,
                      const char *msg)
{
    struct jbuf *b = server_scratch();

    jbuf_cstr(b, "{\"error\":{");
    if (field) {
        jbuf_key(b, "field", true);
        jbuf_str(b, field);
    }
    jbuf_key(b, "message", !field);
    jbuf_str(b, msg);
    jbuf_cstr(b, "}}\n");
    return send_json(req, status, reason, b);
}

static int method_not_allowed(h2o_req_t *req, const char *allow)
{
    h2o_add_header(&req->pool, &req->res.headers, H2O_TOKEN_ALLOW, NULL, allow, strlen(allow));
    return send_error(req, 405, "Method Not Allowed", NULL, "method not allowed");
}

/* The parameters of an update request, checked. */
struct ask {
    uint64_t mac;
    char macs[MAC_STR_LEN];
    char model[MODEL_MAX + 1];
    char version[VERSION_MAX_LEN + 1];
    struct version v;
};

/* Reads model and version; sends the 400 itself and returns -1 when one is bad. */
static int read_query(h2o_req_t *req, struct ask *a)
{
    bool has = req->query_at != SIZE_MAX;
    const char *q = has ? req->path.base + req->query_at + 1 : NULL;
    size_t n = has ? req->path.len - req->query_at - 1 : 0;
    struct devreq_err err;

    if (devreq_update_query(q, n, a->model, a->version, &a->v, &err) < 0)
        return send_error(req, 400, "Bad Request", err.field, err.msg), -1;
    return 0;
}

#define TOKEN_CACHE 64
#define TOKEN_STEP  60

/* Tokens issued by this thread, by MAC: an HMAC per answer would halve the rate of
 * targeted answers, and a device asking again within a minute gets the same token. */
struct token_slot {
    uint64_t mac;
    int64_t exp;
    char path[TOKEN_PATH_MAX + 1];
    char tok[TOKEN_STR_MAX];
};
static _Thread_local struct token_slot token_cache[TOKEN_CACHE];

/* A token for mac and path valid until exp. NULL when it cannot be made. */
static const char *cached_token(uint64_t mac, const char *path, size_t len, int64_t exp)
{
    struct token_slot *s = &token_cache[mac % TOKEN_CACHE];

    if (s->mac == mac && s->exp == exp && strlen(s->path) == len && memcmp(s->path, path, len) == 0)
        return s->tok;
    if (len > TOKEN_PATH_MAX || token_make(mac, path, len, exp, s->tok) < 0) {
        s->mac = 0;
        return NULL;
    }
    s->mac = mac;
    s->exp = exp;
    memcpy(s->path, path, len);
    s->path[len] = '\0';
    return s->tok;
}

/* A URL a device can fetch: local images under the base URL (with a token for targeted
 * ones), others (a CDN) as written. */
static void put_url(struct jbuf *b, h2o_req_t *req, const char *url, const char *file,
                    uint64_t token_mac, int64_t token_exp)
{
    char rel[1024], base[SERVER_URL_MAX];
    const char *tok;
    struct jbuf path;
    size_t blen;

    if (!file && catalog_local_path(url, rel, sizeof(rel)) == 1)
        file = rel;
    if (!file) {
        jbuf_str(b, url);
        return;
    }
    blen = server_base_url(req, base);
    jbuf_init(&path, TOKEN_PATH_MAX);
    jbuf_raw(&path, "/", 1);
    jbuf_urlpath(&path, file, strlen(file));
    jbuf_raw(b, "\"", 1);
    jbuf_raw(b, base, blen); /* checked characters only: see server_base_url */
    if (!path.overflow)
        jbuf_raw(b, path.p, path.len);
    tok = token_mac && !path.overflow ? cached_token(token_mac, path.p, path.len, token_exp) : NULL;
    if (tok) {
        jbuf_cstr(b, "?token=");
        jbuf_cstr(b, tok);
    }
    jbuf_raw(b, "\"", 1);
    jbuf_free(&path);
}

static void put_list(struct jbuf *b, const char *const *v, size_t n)
{
    jbuf_raw(b, "[", 1);
    for (size_t i = 0; i < n; i++) {
        if (i)
            jbuf_raw(b, ",", 1);
        jbuf_str(b, v[i]);
    }
    jbuf_raw(b, "]", 1);
}

static void put_opt_hex(struct jbuf *b, const char *key, const char *hex)
{
    jbuf_key(b, key, false);
    jbuf_str(b, hex && hex[0] ? hex : NULL);
}

static void put_instructions(struct jbuf *b, const struct target *t)
{
    jbuf_key(b, "instructions", false);
    jbuf_raw(b, "{", 1);
    jbuf_key(b, "installation", true);
    put_list(b, t->install_steps, t->n_install);
    jbuf_key(b, "verification", false);
    put_list(b, t->verify_steps, t->n_verify);
    jbuf_key(b, "support_contact", false);
    jbuf_str(b, t->support_contact);
    jbuf_raw(b, "}", 1);
}

static void put_expiry(struct jbuf *b, const struct target *t)
{
    char iso[ISOTIME_STR_LEN];

    jbuf_key(b, "expires_at", false);
    if (t->expiry == NEVER_EXPIRES) {
        jbuf_str(b, NULL);
        return;
    }
    isotime_format(t->expiry, iso);
    jbuf_str(b, iso);
}

/* The rollback a targeted fix names: version, URL and sha256 of the stable release. */
static void put_rollback(struct jbuf *b, h2o_req_t *req, const struct catalog *c,
                         const struct target_device *fix)
{
    const struct release *r =
        fix->rollback_version ? catalog_release(c, fix->model, fix->rollback_version) : NULL;

    jbuf_key(b, "rollback", false);
    if (!fix->rollback_version) {
        jbuf_str(b, NULL);
        return;
    }
    jbuf_raw(b, "{", 1);
    jbuf_key(b, "version", true);
    jbuf_str(b, fix->rollback_version);
    jbuf_key(b, "url", false);
    if (r)
        put_url(b, req, r->url, r->file, 0, 0);
    else if (fix->rollback_url)
        put_url(b, req, fix->rollback_url, NULL, 0, 0);
    else
        jbuf_str(b, NULL);
    put_opt_hex(b, "sha256", r ? r->sha256 : NULL);
    jbuf_raw(b, "}", 1);
}

static void put_targeted(struct jbuf *b, h2o_req_t *req, const struct catalog *c,
                         const struct update *u, int64_t now)
{
    const struct target_device *fix = u->fix;
    char iso[ISOTIME_STR_LEN];
    /* rounded up to the minute, so that answers within a minute share a token */
    int64_t exp = ((now + server_settings.token_ttl) / TOKEN_STEP + 1) * TOKEN_STEP;

    jbuf_key(b, "url", false);
    put_url(b, req, u->url, fix->file, u->target->mac, exp);
    jbuf_key(b, "download_expires_at", false);
    isotime_format(exp, iso);
    jbuf_str(b, iso);
    jbuf_key(b, "changelog", false);
    jbuf_str(b, fix->changelog);
    jbuf_key(b, "release_date", false);
    jbuf_str(b, fix->release_date);
    jbuf_key(b, "fix_description", false);
    put_list(b, fix->fixes, fix->n_fixes);
    put_rollback(b, req, c, fix);
    put_expiry(b, u->target);
    put_instructions(b, u->target);
    jbuf_key(b, "signature", false);
    jbuf_str(b, fix->signature);
    jbuf_key(b, "key_id", false);
    jbuf_str(b, fix->key_id);
}

static void put_release(struct jbuf *b, h2o_req_t *req, const struct update *u)
{
    const struct release *r = u->release;

    jbuf_key(b, "url", false);
    put_url(b, req, u->url, r ? r->file : NULL, 0, 0);
    jbuf_key(b, "changelog", false);
    jbuf_str(b, r ? r->description : NULL);
    jbuf_key(b, "release_date", false);
    jbuf_str(b, r ? r->release_date : NULL);
    jbuf_key(b, "signature", false);
    jbuf_str(b, r ? r->signature : NULL);
    jbuf_key(b, "key_id", false);
    jbuf_str(b, r ? r->key_id : NULL);
    if (u->kind != UPDATE_ROLLBACK)
        return;
    jbuf_key(b, "reason", false);
    jbuf_str(b, "the targeted fix expired; back to the stable release");
    put_expiry(b, u->target);
    put_instructions(b, u->target);
}

/* The answer: never customer_info or support notes, whatever the kind. */
static void render_update(struct jbuf *b, h2o_req_t *req, const struct catalog *c,
                          const struct ask *a, const struct update *u, int64_t now)
{
    jbuf_raw(b, "{", 1);
    jbuf_key(b, "kind", true);
    jbuf_str(b, update_kind_name(u->kind));
    jbuf_key(b, "mac", false);
    jbuf_str(b, a->macs);
    jbuf_key(b, "model", false);
    jbuf_str(b, a->model);
    jbuf_key(b, "current_version", false);
    jbuf_str(b, a->version);
    jbuf_key(b, "version", false);
    jbuf_str(b, u->version);
    if (u->kind != UPDATE_NONE) {
        jbuf_key(b, "size", false);
        if (u->size)
            jbuf_u64(b, u->size);
        else
            jbuf_str(b, NULL);
        put_opt_hex(b, "sha256", u->sha256);
    }
    if (u->kind == UPDATE_TARGETED)
        put_targeted(b, req, c, u, now);
    else if (u->kind != UPDATE_NONE)
        put_release(b, req, u);
    jbuf_cstr(b, "}\n");
}

/* A held targeted answer, once its audit record is committed (or not: 503). */
static void answer_held(h2o_req_t *req, const void *body, size_t len, int result)
{
    if (result < 0) {
        events_busy(req);
        return;
    }
    h2o_add_header(&req->pool, &req->res.headers, H2O_TOKEN_CACHE_CONTROL, NULL,
                   H2O_STRLIT("no-store"));
    server_send(req, 200, "OK", JSON_TYPE, body, len);
}

/* Records the check-in (the device inventory); an answer carrying a fix or a rollback is
 * held until its audit record is committed. Returns the handler's result. */
static int record_and_answer(h2o_req_t *req, const struct ask *a, const struct update *u,
                             const struct jbuf *b)
{
    struct event e = {.kind = EVENT_CHECKIN,
                      .mac = a->mac,
                      .model = a->model,
                      .version = a->version,
                      .offered = u->version,
                      .update_kind = u->kind};
    char peer[SERVER_PEER_MAX], ua[EVENTS_UA_MAX];
    bool audited = u->kind == UPDATE_TARGETED || u->kind == UPDATE_ROLLBACK;

    server_peer(req, peer);
    e.client = peer;
    if (events_record(&e) != 0)
        return events_busy(req);
    if (!audited)
        return send_json(req, 200, "OK", b);
    /* debug only: at fleet rates a line per offer would cost more than the answer; the
     * audit trail keeps every targeted access */
    srvlog(SRVLOG_DEBUG, u->kind == UPDATE_TARGETED ? "targeted_offer" : "rollback_offer", a->macs,
           "model=%s from=%s to=%s client=%s", a->model, a->version, u->version, peer);
    events_user_agent(req, ua);
    e.user_agent = ua;
    if (events_hold(req, &e, answer_held, NULL, b->p, b->len) != 0)
        return events_busy(req);
    return 0;
}

static int update_answer(h2o_req_t *req, uint64_t mac)
{
    const struct snapshot *s;
    struct update u;
    struct ask a = {.mac = mac};
    struct jbuf *b;
    int64_t now;

    if (!server_method_is(req, "GET") && !server_method_is(req, "HEAD"))
        return method_not_allowed(req, "GET, HEAD");
    if (read_query(req, &a) < 0)
        return 0;
    mac_format(mac, a.macs);
    s = server_snapshot();
    now = isotime_now();
    decide_update(s->cat, mac, a.model, &a.v, now, &u);
    b = server_scratch();
    render_update(b, req, s->cat, &a, &u, now);
    signed_put(b, s, &u, now);
    if (b->overflow)
        return send_error(req, 500, "Internal Server Error", NULL, "answer too large");
    return record_and_answer(req, &a, &u, b);
}

static bool status_is_failure(int idx)
{
    const char *n = devreq_status_names[idx];

    return strstr(n, "Failed") || strcmp(n, "InvalidSignature") == 0 ||
           strcmp(n, "RolledBack") == 0;
}

static int status_report(h2o_req_t *req, uint64_t mac)
{
    struct event e = {.kind = EVENT_STATUS, .mac = mac};
    char macs[MAC_STR_LEN], peer[SERVER_PEER_MAX];
    struct devreq_status st;
    struct devreq_err err;

    if (!server_method_is(req, "POST"))
        return method_not_allowed(req, "POST");
    if (req->entity.len > STATUS_BODY_MAX)
        return send_error(req, 413, "Payload Too Large", NULL, "body larger than 4096 bytes");
    if (devreq_status_body(req->entity.base, req->entity.len, devreq_status_names,
                           devreq_status_count, &st, &err) < 0)
        return send_error(req, 400, "Bad Request", err.field, err.msg);
    e.version = st.version;
    e.status = st.status;
    e.detail = st.has_detail ? st.detail : NULL;
    mac_format(mac, macs);
    server_peer(req, peer);
    e.client = peer;
    if (events_record(&e) != 0)
        return events_busy(req);
    srvlog(status_is_failure(e.status) ? SRVLOG_WARN : SRVLOG_DEBUG, "device_status", macs,
           "version=%s status=%s detail=%s", e.version, devreq_status_names[e.status],
           e.detail ? e.detail : "");
    struct jbuf *b = server_scratch();

    jbuf_cstr(b, "{\"accepted\":true}\n");
    return send_json(req, 202, "Accepted", b);
}

/* /api/v1/devices/{mac}/{update|status} */
static int device_route(h2o_req_t *req, const char *p, size_t n)
{
    struct devreq_err err;
    uint64_t mac = 0;

    switch (devreq_route(p, n, &mac, &err)) {
    case DEVREQ_UPDATE:
        return update_answer(req, mac);
    case DEVREQ_STATUS:
        return status_report(req, mac);
    case DEVREQ_BAD_MAC:
        return send_error(req, 400, "Bad Request", err.field, err.msg);
    case DEVREQ_NOT_FOUND:
        break;
    }
    return send_error(req, 404, "Not Found", NULL, "no such endpoint");
}

static int manifest(h2o_req_t *req)
{
    const struct snapshot *s = server_snapshot();
    ssize_t i = h2o_find_header(&req->headers, H2O_TOKEN_IF_NONE_MATCH, -1);

    h2o_add_header(&req->pool, &req->res.headers, H2O_TOKEN_ETAG, NULL, s->manifest_etag,
                   strlen(s->manifest_etag));
    h2o_add_header(&req->pool, &req->res.headers, H2O_TOKEN_CACHE_CONTROL, NULL,
                   H2O_STRLIT("no-cache"));
    if (i >= 0 && h2o_memis(req->headers.entries[i].value.base, req->headers.entries[i].value.len,
                            s->manifest_etag, strlen(s->manifest_etag)))
        return server_send(req, 304, "Not Modified", JSON_TYPE, "", 0);
    return server_send(req, 200, "OK", JSON_TYPE, s->manifest, s->manifest_len);
}

static int metrics_page(h2o_req_t *req)
{
    struct jbuf *b = server_scratch();

    metrics_render(b, server_snapshot(), isotime_now());
    events_render_metrics(b);
    portal_render_metrics(b);
    signed_render_metrics(b, server_snapshot());
    return server_send(req, 200, "OK", "text/plain; version=0.0.4", b->p ? b->p : "", b->len);
}

static int on_req(h2o_handler_t *self, h2o_req_t *req)
{
    const char *p = req->path.base;
    size_t n = server_path_len(req);
    bool get = server_method_is(req, "GET") || server_method_is(req, "HEAD");

    (void)self;
    if (server_refuse_oversized(req))
        return 0;
    if (req->entity.len > BODY_MAX) {
        req->http1_is_persistent = 0;
        return send_error(req, 413, "Payload Too Large", NULL, "body larger than 16384 bytes");
    }
    if (n > strlen(DEVICES_PREFIX) && memcmp(p, DEVICES_PREFIX, strlen(DEVICES_PREFIX)) == 0)
        return device_route(req, p + strlen(DEVICES_PREFIX), n - strlen(DEVICES_PREFIX));
    if (portal_path(p, n))
        return portal_handle(req, p, n);
    if (!path_is(p, n, "/healthz") && !path_is(p, n, "/manifest.json") &&
        !path_is(p, n, "/metrics") && !path_is(p, n, "/api/v1/keys"))
        return send_error(req, 404, "Not Found", NULL, "no such endpoint");
    if (!get)
        return method_not_allowed(req, "GET, HEAD");
    if (path_is(p, n, "/api/v1/keys"))
        return signed_keys_page(req, server_snapshot());
    if (path_is(p, n, "/healthz"))
        return server_send(req, 200, "OK", "text/plain", "ok\n", 3);
    if (path_is(p, n, "/manifest.json"))
        return manifest(req);
    return metrics_page(req);
}

h2o_pathconf_t *routes_register(h2o_hostconf_t *host)
{
    h2o_pathconf_t *pc = h2o_config_register_path(host, "/", 0);
    h2o_handler_t *h = h2o_create_handler(pc, sizeof(*h));

    h->on_req = on_req;
    return pc;
}
