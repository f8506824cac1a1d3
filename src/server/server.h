/* server.h: what the server's modules share: settings, the thread's snapshot, small helpers. */
#ifndef FWHUB_SERVER_H
#define FWHUB_SERVER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <h2o.h>

#include "core/error.h"
#include "jbuf.h"
#include "proxy.h"
#include "snapshot.h"

#define SERVER_URL_MAX  2048
#define SERVER_PEER_MAX 64

/* Settings of the running server, fixed after start. */
struct server_settings {
    const char *repo;       /* resolved absolute path of the repository */
    const char *public_url; /* without a trailing '/', or NULL: URLs from the Host header */
    int64_t token_ttl;      /* seconds a download token stays valid */
    bool access_log;
    uint64_t send_timeout_ms; /* a download without progress for this long is cut */
    unsigned portal_rate;     /* portal lookups a minute per client address; 0: no limit */
    size_t max_upload;        /* bytes of an admin upload (firmware image) at most */
    struct proxy_set proxies; /* --trusted-proxy: whose X-Forwarded-For is believed */
};

extern struct server_settings server_settings;

/* The snapshot the calling loop thread uses; refreshed when a reload published a new
 * one. Valid until the handler returns (the thread holds the reference). */
const struct snapshot *server_snapshot(void);

/* A scratch buffer of the calling loop thread for building answers (emptied). */
struct jbuf *server_scratch(void);

/* The client's numeric address into buf ("-" when unknown): the connection's peer, or
 * behind a trusted proxy the client its X-Forwarded-For names (proxy.h). */
void server_peer(h2o_req_t *req, char buf[SERVER_PEER_MAX]);

/* Sends status with body (len bytes) and the given Content-Type; HEAD gets no body.
 * The body is copied. Returns 0 (a handler's "handled"). */
int server_send(h2o_req_t *req, int status, const char *reason, const char *ctype, const char *body,
                size_t len);

/* Answers 414 (request target over 8 KiB) or 431 (header fields over 16 KiB) and closes
 * the connection after it; returns false and does nothing for a request within bounds.
 * Larger heads than h2o's own buffer (about 400 KiB) never reach a handler: h2o answers
 * 400 and closes. */
bool server_refuse_oversized(h2o_req_t *req);

/* The base of absolute URLs for this request: --public-url, else scheme and Host.
 * Returns the length written into out[SERVER_URL_MAX]. */
size_t server_base_url(h2o_req_t *req, char out[SERVER_URL_MAX]);

/* True when the request's method is the NUL-terminated m. */
bool server_method_is(h2o_req_t *req, const char *m);

/* Length of the path part of the request target (before '?'). */
size_t server_path_len(const h2o_req_t *req);

/* Registers the device API, /manifest.json, /healthz and /metrics under "/". */
h2o_pathconf_t *routes_register(h2o_hostconf_t *host);

/* Registers /firmware/ and /targeted/firmware/ with their guards in front of h2o's file
 * handler; pathconfs are written to out[2]. */
void downloads_register(h2o_hostconf_t *host, h2o_pathconf_t *out[2]);

/* Registers /api/v1/admin and /admin (routes_admin.c); pathconfs are written to out[2]. */
void routes_admin_register(h2o_hostconf_t *host, h2o_pathconf_t *out[2]);

/* Starts the admin worker thread, before the loops; 0 or -1 with err. */
int routes_admin_start(struct fw_err *err) FW_NODISCARD;

#endif
