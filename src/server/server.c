/* server.c: `fwhub serve`: h2o configuration, one event loop per thread, startup and shutdown. */
#include "serve.h"

#include <errno.h>
#include <limits.h>
#include <netdb.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include <h2o.h>

#include "admin_auth.h"
#include "admin_worker.h"
#include "cli/cli.h"
#include "conns.h"
#include "core/isotime.h"
#include "events.h"
#include "images.h"
#include "listen.h"
#include "metrics.h"
#include "options.h"
#include "server.h"
#include "signed.h"
#include "srvlog.h"
#include "token.h"
#include "watch.h"
#include "webhooks.h"

#define ANSWER_MAX   (4 * 1024 * 1024)
#define LOOP_TICK_MS 100
#define ENTITY_MAX   (16 * 1024) /* request bodies; the largest fwhub takes is 4 KiB */
#define UPLOAD_EXTRA (64 * 1024) /* the multipart form's fields around an admin upload */
#define TARGET_MAX   8192        /* request target (path and query) */
#define HEADERS_MAX  16384       /* request header fields, names and values together */
#define ACCEPT_BATCH 16
#define PAUSE_LOG_MS 10000 /* one accept_paused line per loop per 10 s at most */
#define SWEEP_MS     100

/* One event loop: its thread, h2o context and listening sockets. */
struct loop_thread {
    size_t idx;
    pthread_t tid;
    h2o_evloop_t *loop;
    h2o_context_t ctx;
    h2o_accept_ctx_t accept;
    int fds[OPTIONS_LISTEN_MAX];
    h2o_socket_t *socks[OPTIONS_LISTEN_MAX];
    size_t n_fds;
    long shutdown_timeout;
    bool paused; /* not accepting: at the connection limit or out of descriptors */
    int64_t last_sweep;
    int64_t last_pause_log;
    bool disposable; /* drained with no connection left: the context and loop can go */
};

/* Built into Debian's libh2o-evloop 2.2.5 but not declared by its headers. */
void h2o_evloop_destroy(h2o_evloop_t *loop);

struct server_settings server_settings;

static h2o_globalconf_t globalconf;
static SSL_CTX *ssl_ctx;
static atomic_bool stopping;
static _Thread_local struct snapshot *held;
static _Thread_local struct jbuf scratch;

/* Under LeakSanitizer (SAN=1): h2o keeps per-thread caches of memory (its pool and buffer
 * recyclers) that no call of 2.2.5 empties, and a loop cut at the shutdown deadline is
 * not disposed (see dispose_loop), so h2o's own blocks are not reported. Unused in normal
 * builds; tests/valgrind/h2o.supp says the same for valgrind. */
const char *__lsan_default_suppressions(void);
const char *__lsan_default_suppressions(void)
{
    return "leak:libh2o-evloop.so\n";
}

const struct snapshot *server_snapshot(void)
{
    if (!held || held->generation != snapshot_generation()) {
        snapshot_release(held);
        held = snapshot_acquire();
    }
    return held;
}

struct jbuf *server_scratch(void)
{
    jbuf_reset(&scratch);
    return &scratch;
}

size_t server_path_len(const h2o_req_t *req)
{
    return req->query_at != SIZE_MAX ? req->query_at : req->path.len;
}

bool server_method_is(h2o_req_t *req, const char *m)
{
    return h2o_memis(req->method.base, req->method.len, m, strlen(m));
}

/* The X-Forwarded-For headers of req as one list into out (cap bytes); returns its length,
 * or -1 when req has none. Several headers are one list; a list too long for out keeps its
 * right end, the entries the nearest proxies wrote, from a whole entry on. */
static ssize_t forwarded_for(h2o_req_t *req, char *out, size_t cap)
{
    size_t n = 0;
    bool any = false, cut = false;

    for (ssize_t i = -1;
         (i = h2o_find_header(&req->headers, H2O_TOKEN_X_FORWARDED_FOR, i)) != -1;) {
        h2o_iovec_t v = req->headers.entries[i].value;
        size_t need = v.len + (any ? 1 : 0);

        if (need > cap) {
            v.base += need - cap;
            v.len -= need - cap;
            need = cap;
            cut = true;
        }
        if (n + need > cap) {
            memmove(out, out + (n + need - cap), cap - need);
            n = cap - need;
            cut = true;
        }
        if (any && n > 0)
            out[n++] = ',';
        memcpy(out + n, v.base, v.len);
        n += v.len;
        any = true;
    }
    if (cut) { /* the first entry may have lost its left part: not an address to believe */
        char *comma = memchr(out, ',', n);

        n = comma ? n - (size_t)(comma + 1 - out) : 0;
        memmove(out, comma ? comma + 1 : out, n);
    }
    return any ? (ssize_t)n : -1;
}

void server_peer(h2o_req_t *req, char buf[SERVER_PEER_MAX])
{
    struct sockaddr_storage ss;
    socklen_t len = req->conn->callbacks->get_peername(req->conn, (struct sockaddr *)&ss);
    char peer[SERVER_PEER_MAX], xff[1024];
    ssize_t n;

    if (len == 0 || getnameinfo((struct sockaddr *)&ss, len, peer, sizeof(peer), NULL, 0,
                                NI_NUMERICHOST) != 0) {
        snprintf(buf, SERVER_PEER_MAX, "-");
        return;
    }
    if (!server_settings.proxies.n || !proxy_trusted(&server_settings.proxies, peer)) {
        memcpy(buf, peer, SERVER_PEER_MAX);
        return;
    }
    n = forwarded_for(req, xff, sizeof(xff));
    proxy_client(&server_settings.proxies, peer, n < 0 ? NULL : xff, n < 0 ? 0 : (size_t)n, buf);
}

int server_send(h2o_req_t *req, int status, const char *reason, const char *ctype, const char *body,
                size_t len)
{
    static h2o_generator_t generator = {NULL, NULL};
    h2o_iovec_t buf = h2o_strdup(&req->pool, body, len);
    bool bodiless = status == 304 || server_method_is(req, "HEAD");

    req->res.status = status;
    req->res.reason = reason;
    req->res.content_length = status == 304 ? SIZE_MAX : len;
    if (status != 304)
        h2o_add_header(&req->pool, &req->res.headers, H2O_TOKEN_CONTENT_TYPE, NULL, ctype,
                       strlen(ctype));
    h2o_start_response(req, &generator);
    h2o_send(req, &buf, bodiless ? 0 : 1, H2O_SEND_STATE_FINAL);
    return 0;
}

static int refuse_json(h2o_req_t *req, int status, const char *reason, const char *msg)
{
    char body[160];
    int n = snprintf(body, sizeof(body), "{\"error\":{\"message\":\"%s\"}}\n", msg);

    req->http1_is_persistent = 0; /* a client this far off is not worth keeping */
    return server_send(req, status, reason, "application/json", body,
                       n > 0 && (size_t)n < sizeof(body) ? (size_t)n : 0);
}

bool server_refuse_oversized(h2o_req_t *req)
{
    size_t bytes = 0;

    if (req->path.len > TARGET_MAX) {
        refuse_json(req, 414, "URI Too Long", "request target longer than 8192 bytes");
        return true;
    }
    for (size_t i = 0; i < req->headers.size; i++)
        bytes += req->headers.entries[i].name->len + req->headers.entries[i].value.len + 4;
    if (bytes + req->authority.len > HEADERS_MAX) {
        refuse_json(req, 431, "Request Header Fields Too Large",
                    "header fields larger than 16384 bytes");
        return true;
    }
    return false;
}

/* A Host header is used in URLs only when it looks like one: name or address, port. */
static bool host_ok(h2o_iovec_t h)
{
    if (h.len == 0 || h.len > 255)
        return false;
    for (size_t i = 0; i < h.len; i++) {
        char c = h.base[i];

        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '.' || c == '-' || c == ':' || c == '[' || c == ']'))
            return false;
    }
    return true;
}

size_t server_base_url(h2o_req_t *req, char out[SERVER_URL_MAX])
{
    int n;

    if (server_settings.public_url)
        n = snprintf(out, SERVER_URL_MAX, "%s", server_settings.public_url);
    else if (host_ok(req->authority))
        n = snprintf(out, SERVER_URL_MAX, "%.*s://%.*s", (int)req->scheme->name.len,
                     req->scheme->name.base, (int)req->authority.len, req->authority.base);
    else
        n = snprintf(out, SERVER_URL_MAX, "%.*s://localhost", (int)req->scheme->name.len,
                     req->scheme->name.base);
    return n < 0 ? 0 : (size_t)n < SERVER_URL_MAX ? (size_t)n : SERVER_URL_MAX - 1;
}

/* Called by h2o when a request is done: metrics, and the access log when enabled. */
static void on_log(h2o_logger_t *self, h2o_req_t *req)
{
    struct timeval now;
    size_t n = req->path.base ? server_path_len(req) : 0;
    uint64_t usec;
    char peer[SERVER_PEER_MAX];

    (void)self;
    gettimeofday(&now, NULL);
    usec = (uint64_t)((now.tv_sec - req->timestamps.request_begin_at.tv_sec) * 1000000 +
                      (now.tv_usec - req->timestamps.request_begin_at.tv_usec));
    metrics_request(metrics_route_of(req->path.base, n), req->res.status, usec, req->bytes_sent);
    events_request_done(req);
    if (!server_settings.access_log)
        return;
    server_peer(req, peer);
    srvlog(SRVLOG_INFO, "access", peer, "%.*s %.*s %d %zu %.3fms", (int)req->method.len,
           req->method.base, (int)n, req->path.base, req->res.status, req->bytes_sent,
           (double)usec / 1000.0);
}

/* h2o 2.2.5's HTTP/1 request timeout runs from the start of a request (or the end of
 * the previous answer) until its head and body are in, and is not renewed by each byte
 * that arrives: a client sending a byte a second is cut like an idle one. */
static void configure(const struct serve_options *o)
{
    h2o_hostconf_t *host;
    h2o_pathconf_t *pcs[5];
    uint64_t timeout_ms = (uint64_t)o->request_timeout * 1000;

    h2o_config_init(&globalconf);
    globalconf.server_name = h2o_iovec_init(H2O_STRLIT("fwhub"));
    /* h2o 2.2.5 has one body limit for every path and buffers bodies whole before the
     * handler: with the admin API on it is the upload limit, and the device routes refuse
     * bodies over their own small limits (docs/robustness.md) */
    globalconf.max_request_entity_size =
        admin_auth_enabled() ? (size_t)o->max_upload + UPLOAD_EXTRA : ENTITY_MAX;
    globalconf.http1.req_timeout = timeout_ms;
    globalconf.http2.idle_timeout = timeout_ms;
    globalconf.handshake_timeout = timeout_ms;
    host = h2o_config_register_host(&globalconf, h2o_iovec_init(H2O_STRLIT("default")), 65535);
    /* the longer prefixes first, "/" last */
    downloads_register(host, pcs);
    routes_admin_register(host, pcs + 2);
    pcs[4] = routes_register(host);
    /* registering a path may move the earlier pathconfs (h2o keeps them in a vector): the
     * loggers go onto the registered paths as they finally lie */
    for (size_t i = 0; i < host->paths.size; i++)
        h2o_create_logger(&host->paths.entries[i], sizeof(h2o_logger_t))->log_access = on_log;
}

static int tls_setup(const char *cert, const char *key, struct fw_err *err)
{
    unsigned long e;

    SSL_load_error_strings();
    SSL_library_init();
    ssl_ctx = SSL_CTX_new(TLS_server_method());
    if (!ssl_ctx)
        return fw_fail(err, "cannot create a TLS context");
    SSL_CTX_set_min_proto_version(ssl_ctx, TLS1_2_VERSION);
    if (SSL_CTX_use_certificate_chain_file(ssl_ctx, cert) != 1 ||
        SSL_CTX_use_PrivateKey_file(ssl_ctx, key, SSL_FILETYPE_PEM) != 1 ||
        SSL_CTX_check_private_key(ssl_ctx) != 1) {
        e = ERR_get_error();
        return fw_fail(err, "cannot use %s and %s: %s", cert, key, ERR_reason_error_string(e));
    }
    h2o_ssl_register_alpn_protocols(ssl_ctx, h2o_http2_alpn_protocols);
    return 0;
}

/* Stops reading the listeners of t; loop_main starts them again below the limit. */
static void pause_accepting(struct loop_thread *t, const char *why)
{
    for (size_t i = 0; i < t->n_fds; i++)
        h2o_socket_read_stop(t->socks[i]);
    t->paused = true;
    conns_count_pause();
    if (isotime_mono_ms() - t->last_pause_log < PAUSE_LOG_MS)
        return;
    t->last_pause_log = isotime_mono_ms();
    srvlog(SRVLOG_WARN, "accept_paused", "-", "loop %zu: %s (%ld connections open)", t->idx, why,
           conns_open());
}

static void on_accept(h2o_socket_t *listener, const char *err);

static void resume_accepting(struct loop_thread *t)
{
    if (!t->paused || atomic_load(&stopping) || conns_open() >= conns_max())
        return;
    for (size_t i = 0; i < t->n_fds; i++)
        h2o_socket_read_start(t->socks[i], on_accept);
    t->paused = false;
}

/* Accepts a few connections at a time; at the connection limit, or when the process is
 * out of descriptors (a listener that stays readable would spin), it pauses instead. */
static void on_accept(h2o_socket_t *listener, const char *err)
{
    struct loop_thread *t = listener->data;

    if (err)
        return;
    for (int i = 0; i < ACCEPT_BATCH; i++) {
        h2o_socket_t *sock;

        if (!conns_admit()) {
            pause_accepting(t, "connection limit reached");
            return;
        }
        if (!(sock = h2o_evloop_socket_accept(listener))) {
            int e = errno;

            conns_cancel();
            if (e == EMFILE || e == ENFILE)
                pause_accepting(t, "out of file descriptors");
            return;
        }
        if (!conns_track(sock)) {
            conns_cancel();
            h2o_socket_close(sock);
            return;
        }
        h2o_accept(&t->accept, sock);
    }
}

static bool connections_left(h2o_context_t *ctx)
{
    return !h2o_linklist_is_empty(&ctx->http1._conns) || !h2o_linklist_is_empty(&ctx->http2._conns);
}

/* Stops accepting, then runs the loop until the requests in flight are done. */
static void drain(struct loop_thread *t)
{
    int64_t deadline = isotime_mono_ms() + t->shutdown_timeout * 1000;

    for (size_t i = 0; i < t->n_fds; i++) {
        h2o_socket_read_stop(t->socks[i]);
        h2o_socket_close(t->socks[i]);
    }
    h2o_context_request_shutdown(&t->ctx);
    while (connections_left(&t->ctx) && isotime_mono_ms() < deadline)
        h2o_evloop_run(t->loop, 100);
    if (connections_left(&t->ctx))
        srvlog(SRVLOG_WARN, "shutdown_timeout", "-", "loop %zu: connections still open after %lds",
               t->idx, t->shutdown_timeout);
}

/* At most every SWEEP_MS: cuts connections that hold too much unread input. */
static void sweep(struct loop_thread *t)
{
    int64_t now = isotime_mono_ms();
    size_t cut;

    if (now - t->last_sweep < SWEEP_MS)
        return;
    t->last_sweep = now;
    if ((cut = conns_sweep()) > 0)
        srvlog(SRVLOG_DEBUG, "input_cut", "-", "loop %zu: %zu connections over 64 KiB of input",
               t->idx, cut);
}

/* True when no timer of ctx has an entry left, as h2o_context_dispose asserts. */
static bool timers_idle(h2o_context_t *c)
{
    h2o_timeout_t *const v[] = {&c->zero_timeout,
                                &c->one_sec_timeout,
                                &c->hundred_ms_timeout,
                                &c->handshake_timeout,
                                &c->http1.req_timeout,
                                &c->http2.idle_timeout,
                                &c->http2.graceful_shutdown_timeout,
                                &c->proxy.io_timeout};

    for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++)
        if (!h2o_linklist_is_empty(&v[i]->_entries))
            return false;
    return true;
}

/* The end of serving, in two steps shared by run() and the loop threads: every loop has
 * drained its connections (drained == started), then the store has closed (store_closed)
 * and each loop thread disposes of its context and loop. */
static pthread_mutex_t phase_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t phase_cond = PTHREAD_COND_INITIALIZER;
static long drained;
static bool store_closed;

/* In the loop's own thread, once the store closed: the context, then the loop with its
 * sockets (h2o 2.2's socket buffers start in the thread's own storage, gone once the thread
 * ends). Anything still pending stays for the process's exit. */
static void dispose_loop(struct loop_thread *t)
{
    if (!t->disposable || !timers_idle(&t->ctx)) {
        srvlog(SRVLOG_DEBUG, "loop_kept", "-", "loop %zu: %s; left to the exit", t->idx,
               t->disposable ? "h2o timers pending" : "connections or responses left");
        return;
    }
    admin_worker_thread_dispose();
    h2o_context_dispose(&t->ctx);
    if (h2o_linklist_is_empty(&t->loop->_timeouts))
        h2o_evloop_destroy(t->loop);
    else
        srvlog(SRVLOG_DEBUG, "loop_kept", "-", "loop %zu: timers left on the loop", t->idx);
}

static void *loop_main(void *arg)
{
    struct loop_thread *t = arg;

    metrics_bind_thread(t->idx);
    jbuf_init(&scratch, ANSWER_MAX);
    h2o_context_init(&t->ctx, t->loop, &globalconf);
    images_thread_init(t->loop);
    held_thread_init(t->loop);
    admin_worker_thread_init(t->loop);
    t->accept.ctx = &t->ctx;
    t->accept.hosts = globalconf.hosts;
    t->accept.ssl_ctx = ssl_ctx;
    for (size_t i = 0; i < t->n_fds; i++) {
        t->socks[i] = h2o_evloop_socket_create(t->loop, t->fds[i], H2O_SOCKET_FLAG_DONT_READ);
        t->socks[i]->data = t;
        h2o_socket_read_start(t->socks[i], on_accept);
    }
    while (!atomic_load(&stopping)) {
        h2o_evloop_run(t->loop, LOOP_TICK_MS);
        (void)server_snapshot(); /* an idle loop lets go of an old snapshot too */
        sweep(t);
        resume_accepting(t);
    }
    drain(t);
    for (int64_t until = isotime_mono_ms() + 1500;
         !timers_idle(&t->ctx) && isotime_mono_ms() < until;)
        h2o_evloop_run(t->loop, 100); /* frees the listeners drain closed, lets timers fire */
    /* The context and the loop go below, once the store let go of held answers; a loop
     * with a connection cut at the deadline stays (h2o asserts its timers empty). */
    t->disposable = !connections_left(&t->ctx) && images_thread_dispose();
    if (t->disposable)
        conns_thread_dispose();
    snapshot_release(held);
    held = NULL;
    jbuf_free(&scratch);
    pthread_mutex_lock(&phase_lock);
    drained++;
    pthread_cond_broadcast(&phase_cond);
    while (!store_closed)
        pthread_cond_wait(&phase_cond, &phase_lock);
    pthread_mutex_unlock(&phase_lock);
    dispose_loop(t);
    return NULL;
}

/* Opens every listening socket of every loop (the first fixes a port 0). */
static int open_listeners(const struct serve_options *o, struct loop_thread *loops,
                          struct fw_err *err)
{
    struct listen_addr addrs[OPTIONS_LISTEN_MAX];

    for (size_t k = 0; k < o->n_listen; k++)
        if (listen_resolve(o->listen[k], &addrs[k], err) < 0)
            return -1;
    for (long i = 0; i < o->threads; i++)
        for (size_t k = 0; k < o->n_listen; k++) {
            int fd = listen_open(&addrs[k], err);

            if (fd < 0)
                return -1;
            loops[i].fds[loops[i].n_fds++] = fd;
        }
    for (size_t k = 0; k < o->n_listen; k++)
        srvlog(SRVLOG_INFO, "listening", addrs[k].text, "%s://%s with %ld event loops",
               ssl_ctx ? "https" : "http", addrs[k].text, o->threads);
    return 0;
}

/* Starts the loops; returns how many run. */
static long start_loops(const struct serve_options *o, struct loop_thread *loops)
{
    for (long i = 0; i < o->threads; i++) {
        loops[i].idx = (size_t)i;
        loops[i].shutdown_timeout = o->shutdown_timeout;
        loops[i].loop = h2o_evloop_create();
        if (pthread_create(&loops[i].tid, NULL, loop_main, &loops[i]) != 0) {
            srvlog(SRVLOG_ERROR, "thread_failed", "-", "cannot start event loop %ld", i);
            return i;
        }
    }
    return o->threads;
}

/* Everything before the first request: settings, secret, catalog, TLS, sockets. */
static int prepare(const struct serve_options *o, struct loop_thread *loops, struct fw_err *err)
{
    static char repo[PATH_MAX];

    if (!realpath(o->repo, repo))
        return fw_fail(err, "%s: not a repository folder", o->repo);
    server_settings.repo = repo;
    server_settings.public_url = o->public_url;
    server_settings.token_ttl = o->token_ttl;
    server_settings.access_log = o->access_log;
    server_settings.send_timeout_ms = (uint64_t)o->send_timeout * 1000;
    server_settings.portal_rate = (unsigned)o->portal_rate;
    server_settings.max_upload = (size_t)o->max_upload;
    server_settings.proxies = o->proxies;
    if (o->admin_token_file && admin_auth_load(o->admin_token_file, err) < 0)
        return fw_context(err, "--admin-token-file");
    srvlog(SRVLOG_INFO, "admin", "-", "%s",
           o->admin_token_file ? "admin API and pages on (/api/v1/admin/, /admin)"
                               : "admin API and pages off (no --admin-token-file)");
    conns_setup(o->max_connections);
    if (o->admin_token_file) /* a head of at most 16 KiB before the body */
        conns_allow_uploads((size_t)o->max_upload + UPLOAD_EXTRA + 16384);
    if (metrics_init((size_t)o->threads) < 0)
        return fw_fail(err, "out of memory");
    if (token_init(repo, o->token_secret_file, err) < 0 || signed_init(o, repo, err) < 0 ||
        snapshot_init(repo, o->public_url, err) < 0)
        return -1;
    if (o->tls_cert && tls_setup(o->tls_cert, o->tls_key, err) < 0)
        return -1;
    configure(o);
    if (events_open(o->db, repo, err) < 0)
        return -1;
    if (o->webhooks && webhooks_start(o->webhooks, repo, events_store(), err) < 0)
        return -1;
    if (routes_admin_start(err) < 0)
        return -1;
    return open_listeners(o, loops, err);
}

static int run(struct serve_options *o)
{
    struct loop_thread *loops = calloc((size_t)o->threads, sizeof(*loops));
    struct fw_err err = {{0}};
    int rc = 1, sig;
    long started;

    srvlog_set_debug(o->debug);
    watch_block_signals();
    if (!loops || prepare(o, loops, &err) < 0) {
        srvlog(SRVLOG_ERROR, "start_failed", o->repo, "%s", loops ? err.msg : "out of memory");
        goto out;
    }
    started = start_loops(o, loops);
    sig = started == o->threads ? watch_run(server_settings.repo, o->poll_interval) : -1;
    atomic_store(&stopping, true);
    pthread_mutex_lock(&phase_lock);
    while (drained < started)
        pthread_cond_wait(&phase_cond, &phase_lock);
    pthread_mutex_unlock(&phase_lock);
    webhooks_stop();
    admin_worker_stop(); /* before the store closes: a job may still commit its record */
    events_close();      /* the requests are done: writes the seen devices, then closes */
    pthread_mutex_lock(&phase_lock);
    store_closed = true;
    pthread_cond_broadcast(&phase_cond);
    pthread_mutex_unlock(&phase_lock);
    for (long i = 0; i < started; i++)
        pthread_join(loops[i].tid, NULL);
    snapshot_shutdown();
    rc = sig > 0 ? 0 : 1;
    srvlog(SRVLOG_INFO, "stopped", server_settings.repo, "exit status %d", rc);
out:
    webhooks_stop();
    events_close();    /* when start failed after the store was opened */
    signed_shutdown(); /* after the snapshots, which use its key */
    free(loops);
    return rc;
}

int serve_main(int argc, char **argv)
{
    const char *env = getenv("FWHUB_REPO");
    struct serve_options o = {.repo = env && env[0] ? env : "."};
    int rc = options_parse(argc, argv, &o);

    if (rc == OPTIONS_EXIT_OK)
        return 0;
    if (rc != OPTIONS_RUN)
        return 2;
    return run(&o);
}

int serve_command(struct cli *cli, int argc, char **argv)
{
    struct serve_options o = {.repo = cli->repo};
    int rc = options_parse(argc, argv, &o);

    if (rc == OPTIONS_EXIT_OK)
        return 0;
    if (rc != OPTIONS_RUN)
        return 2;
    return run(&o);
}
