/* images.c: sending image files: validators, byte ranges, zero-copy on plain HTTP/1.x. */
#include "images.h"

#include <errno.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>
#include <sys/sendfile.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "httpcond.h"
#include "server.h"
#include "srvlog.h"

#define COPY_CHUNK    (64 * 1024)       /* bytes read per step on TLS and HTTP/2 */
#define TURN_MAX      (4 * 1024 * 1024) /* sendfile bytes per turn, then other sockets go */
#define ETAG_MAX      40
#define BOUNDARY_LEN  24
#define PART_HEAD_MAX 256

/* A piece of the body: bytes of the file, or text (the heads of multipart parts). */
struct segment {
    const char *text; /* NULL for file bytes */
    uint64_t off;     /* offset in the file, or in text */
    uint64_t len;     /* bytes still to send */
};

/* One download in flight; lives in the request's pool. */
struct image_send {
    h2o_generator_t super;
    h2o_req_t *req;
    int fd;
    struct segment *segs;
    size_t n_segs;
    size_t cur;         /* the segment being sent */
    char *buf;          /* copy path: COPY_CHUNK bytes */
    h2o_socket_t *sock; /* zero-copy path: the connection's socket, else NULL */
    void *sock_data;    /* h2o's sock->data while this waits for the socket */
    h2o_timeout_entry_t stall;
};

/* What the answer is about: the file's validators and type. */
struct image_meta {
    uint64_t size;
    time_t mtime;
    char etag[ETAG_MAX];
    char last_modified[H2O_TIMESTR_RFC1123_LEN + 1];
    h2o_iovec_t type;
};

static _Thread_local h2o_timeout_t stall_timeout;
static _Thread_local h2o_loop_t *stall_loop;
static _Thread_local uint64_t rng;
static h2o_mimemap_t *mimemap;
static atomic_ulong stalls;

void images_init(void)
{
    mimemap = h2o_mimemap_create();
}

void images_thread_init(h2o_loop_t *loop)
{
    stall_loop = loop;
    h2o_timeout_init(loop, &stall_timeout, server_settings.send_timeout_ms);
    if (getrandom(&rng, sizeof(rng), 0) != (ssize_t)sizeof(rng) || rng == 0)
        rng = (uint64_t)time(NULL) | 1;
}

bool images_thread_dispose(void)
{
    if (!stall_loop || !h2o_linklist_is_empty(&stall_timeout._entries))
        return false;
    h2o_timeout_dispose(stall_loop, &stall_timeout);
    stall_loop = NULL;
    return true;
}

unsigned long images_stalls(void)
{
    return atomic_load_explicit(&stalls, memory_order_relaxed);
}

/* The stall timer runs while a step of an HTTP/1.x answer waits for the client. HTTP/2
 * streams wait for flow control too, and one stalled stream must not cut its connection. */
static void arm(struct image_send *g)
{
    if (g->req->version < 0x200)
        h2o_timeout_link(stall_loop, &stall_timeout, &g->stall);
}

static void disarm(struct image_send *g)
{
    if (h2o_timeout_is_linked(&g->stall))
        h2o_timeout_unlink(&g->stall);
}

/* No progress for the send timeout: shutting the socket down makes the pending write (ours
 * or h2o's) fail, and the usual error path closes the connection and frees everything. */
static void on_stall(h2o_timeout_entry_t *entry)
{
    struct image_send *g = H2O_STRUCT_FROM_MEMBER(struct image_send, stall, entry);
    h2o_socket_t *sock = g->req->conn->callbacks->get_socket(g->req->conn);
    char peer[SERVER_PEER_MAX];

    atomic_fetch_add_explicit(&stalls, 1, memory_order_relaxed);
    server_peer(g->req, peer);
    srvlog(SRVLOG_WARN, "download_stalled", peer, "path=%.*s: nothing taken for %llus; cut off",
           (int)server_path_len(g->req), g->req->path.base,
           (unsigned long long)(server_settings.send_timeout_ms / 1000));
    if (sock)
        shutdown(h2o_socket_get_fd(sock), SHUT_RDWR);
}

/* The zero-copy path corks the socket from the head to the last byte, as nginx's
 * tcp_nopush does: the head and the file then leave in full segments. Without it the
 * head goes out alone and the file in smaller pieces, and on loopback the receiving
 * client spent enough more per byte to bring downloads to 0.6-0.8x nginx's rate. */
static void cork(struct image_send *g, int on)
{
    if (g->sock)
        setsockopt(h2o_socket_get_fd(g->sock), IPPROTO_TCP, TCP_CORK, &on, sizeof(on));
}

/* The last call for g: releases what it holds, then hands the end to h2o, which may free
 * the request's pool (and g with it) before returning. */
static void finish(struct image_send *g, h2o_send_state_t state, h2o_iovec_t *last, size_t n)
{
    h2o_req_t *req = g->req;

    cork(g, 0);
    disarm(g);
    close(g->fd);
    g->fd = -1;
    h2o_send(req, last, n, state);
}

static void on_stop(h2o_generator_t *self, h2o_req_t *req)
{
    struct image_send *g = (struct image_send *)self;

    (void)req;
    disarm(g);
    if (g->fd >= 0)
        close(g->fd);
    g->fd = -1;
}

/* Sends the next text segment through h2o; proceed comes back once it is written. */
static void send_text(struct image_send *g, struct segment *s)
{
    h2o_iovec_t v = h2o_iovec_init(s->text + s->off, (size_t)s->len);

    s->len = 0;
    if (++g->cur == g->n_segs) {
        finish(g, H2O_SEND_STATE_FINAL, &v, 1);
        return;
    }
    arm(g);
    h2o_send(g->req, &v, 1, H2O_SEND_STATE_IN_PROGRESS);
}

static void zero_copy_step(struct image_send *g);

/* h2o's http1 connection neither reads nor writes while its generator is running (it
 * stopped reading when the request was complete, and its own writes are done when proceed
 * runs), so sock->data, its pointer back to the connection, can carry g until the socket
 * is writable again; it is given back first thing. */
static void on_writable(h2o_socket_t *sock, const char *err)
{
    struct image_send *g = sock->data;

    sock->data = g->sock_data;
    disarm(g);
    if (err) {
        finish(g, H2O_SEND_STATE_ERROR, NULL, 0);
        return;
    }
    zero_copy_step(g);
}

static void wait_writable(struct image_send *g)
{
    g->sock_data = g->sock->data;
    g->sock->data = g;
    arm(g);
    h2o_socket_notify_write(g->sock, on_writable);
}

/* Sends file segments with sendfile(2) until the socket is full, the turn is over, a text
 * segment comes (it goes through h2o), or the end. */
static void zero_copy_step(struct image_send *g)
{
    int sfd = h2o_socket_get_fd(g->sock);
    uint64_t turn = 0;

    while (g->cur < g->n_segs) {
        struct segment *s = &g->segs[g->cur];
        off_t off = (off_t)s->off;
        ssize_t n;

        if (s->text) {
            send_text(g, s);
            return;
        }
        if (s->len == 0) {
            g->cur++;
            continue;
        }
        if (turn >= TURN_MAX) {
            wait_writable(g); /* writable at once: this only lets the other sockets go */
            return;
        }
        n = sendfile(sfd, g->fd, &off, s->len < TURN_MAX ? (size_t)s->len : TURN_MAX);
        if (n > 0) {
            s->off += (uint64_t)n;
            s->len -= (uint64_t)n;
            turn += (uint64_t)n;
            g->req->bytes_sent += (uint64_t)n;
        } else if (n < 0 && errno == EAGAIN) {
            wait_writable(g);
            return;
        } else if (!(n < 0 && errno == EINTR)) {
            finish(g, H2O_SEND_STATE_ERROR, NULL, 0); /* client gone, or the file shrank */
            return;
        }
    }
    finish(g, H2O_SEND_STATE_FINAL, NULL, 0);
}

/* Copies up to COPY_CHUNK bytes of the next segments into g->buf; the length, or -1 when
 * the file cannot be read as far as it was when the answer started. */
static ssize_t fill(struct image_send *g)
{
    size_t used = 0;

    while (g->cur < g->n_segs && used < COPY_CHUNK) {
        struct segment *s = &g->segs[g->cur];
        size_t want = s->len < COPY_CHUNK - used ? (size_t)s->len : COPY_CHUNK - used;
        ssize_t n = (ssize_t)want;

        if (s->text)
            memcpy(g->buf + used, s->text + s->off, want);
        else if (want && (n = pread(g->fd, g->buf + used, want, (off_t)s->off)) <= 0) {
            if (n < 0 && errno == EINTR)
                continue;
            return -1;
        }
        s->off += (uint64_t)n;
        s->len -= (uint64_t)n;
        used += (size_t)n;
        if (s->len == 0)
            g->cur++;
    }
    return (ssize_t)used;
}

static void copy_step(struct image_send *g)
{
    ssize_t n = fill(g);
    h2o_iovec_t v = h2o_iovec_init(g->buf, n > 0 ? (size_t)n : 0);

    if (n < 0) {
        finish(g, H2O_SEND_STATE_ERROR, NULL, 0);
        return;
    }
    if (g->cur == g->n_segs) {
        finish(g, H2O_SEND_STATE_FINAL, &v, 1);
        return;
    }
    arm(g);
    h2o_send(g->req, &v, 1, H2O_SEND_STATE_IN_PROGRESS);
}

static void on_proceed(h2o_generator_t *self, h2o_req_t *req)
{
    struct image_send *g = (struct image_send *)self;

    (void)req;
    disarm(g);
    if (g->sock)
        zero_copy_step(g);
    else
        copy_step(g);
}

/* A socket sendfile(2) can write to: plain HTTP/1.x with no output filter in between. */
static h2o_socket_t *zero_copy_socket(h2o_req_t *req, h2o_ostream_t *top_before)
{
    h2o_socket_t *sock;

    if (req->version >= 0x200 || req->_ostr_top != top_before)
        return NULL;
    sock = req->conn->callbacks->get_socket(req->conn);
    return sock && !sock->ssl ? sock : NULL;
}

/* Starts sending segs (n of them, in the pool) as the body of the answer set up in req. */
static void start_body(h2o_req_t *req, int fd, struct segment *segs, size_t n)
{
    struct image_send *g = h2o_mem_alloc_pool(&req->pool, sizeof(*g));
    h2o_ostream_t *top = req->_ostr_top;

    memset(g, 0, sizeof(*g));
    g->super.proceed = on_proceed;
    g->super.stop = on_stop;
    g->req = req;
    g->fd = fd;
    g->segs = segs;
    g->n_segs = n;
    g->stall.cb = on_stall;
    h2o_start_response(req, &g->super);
    g->sock = zero_copy_socket(req, top);
    if (g->sock) {
        cork(g, 1);
        arm(g);
        h2o_send(req, NULL, 0, H2O_SEND_STATE_IN_PROGRESS); /* the head; then on_proceed */
        return;
    }
    g->buf = h2o_mem_alloc_pool(&req->pool, COPY_CHUNK);
    copy_step(g);
}

/* An answer without a body: 304, 416, HEAD, an empty file. */
static int send_bodiless(h2o_req_t *req, int fd, int status, const char *reason, size_t len)
{
    static h2o_generator_t none = {NULL, NULL};

    close(fd);
    req->res.status = status;
    req->res.reason = reason;
    req->res.content_length = status == 304 ? SIZE_MAX : len;
    h2o_start_response(req, &none);
    h2o_send(req, NULL, 0, H2O_SEND_STATE_FINAL);
    return 0;
}

static void header(h2o_req_t *req, const h2o_token_t *name, const char *value, size_t len)
{
    h2o_add_header(&req->pool, &req->res.headers, name, NULL, value, len);
}

static void header_str(h2o_req_t *req, const h2o_token_t *name, const char *value)
{
    header(req, name, h2o_strdup(&req->pool, value, SIZE_MAX).base, strlen(value));
}

static void describe(const h2o_req_t *req, const struct stat *st, struct image_meta *m)
{
    struct tm tm;
    size_t plen = server_path_len(req);
    h2o_mimemap_type_t *t;

    m->size = (uint64_t)st->st_size;
    m->mtime = st->st_mtime;
    /* h2o's own format, so ETags stay the same as before this handler existed */
    snprintf(m->etag, sizeof(m->etag), "\"%08x-%zx\"", (unsigned)st->st_mtime, (size_t)st->st_size);
    gmtime_r(&st->st_mtime, &tm);
    h2o_time2str_rfc1123(m->last_modified, &tm);
    t = h2o_mimemap_get_type_by_extension(mimemap, h2o_get_filext(req->path.base, plen));
    m->type = t->type == H2O_MIMEMAP_TYPE_MIMETYPE
                  ? t->data.mimetype
                  : h2o_iovec_init(H2O_STRLIT("application/octet-stream"));
}

/* The value of header name, or NULL. */
static const h2o_iovec_t *find(const h2o_req_t *req, const h2o_token_t *name)
{
    ssize_t i = h2o_find_header(&req->headers, name, -1);

    return i >= 0 ? &req->headers.entries[i].value : NULL;
}

/* If-None-Match, else If-Modified-Since: true when the client's copy is current. */
static bool not_modified(const h2o_req_t *req, const struct image_meta *m)
{
    const h2o_iovec_t *inm = find(req, H2O_TOKEN_IF_NONE_MATCH), *ims;
    struct tm tm;

    if (inm)
        return httpcond_none_match_hits(inm->base, inm->len, m->etag);
    ims = find(req, H2O_TOKEN_IF_MODIFIED_SINCE);
    if (!ims || h2o_time_parse_rfc1123(ims->base, ims->len, &tm) != 0)
        return false;
    return m->mtime <= timegm(&tm);
}

/* The ranges asked for, unless If-Range says the client's copy is another one. */
static enum httpcond_ranges_verdict ranges_asked(const h2o_req_t *req, const struct image_meta *m,
                                                 struct httpcond_range *r, size_t *n)
{
    const h2o_iovec_t *range = find(req, H2O_TOKEN_RANGE), *ifr = find(req, H2O_TOKEN_IF_RANGE);

    *n = 0;
    if (!range || (ifr && !httpcond_if_range_holds(ifr->base, ifr->len, m->etag, m->last_modified)))
        return HTTPCOND_WHOLE;
    return httpcond_ranges(range->base, range->len, m->size, r, n);
}

static void random_boundary(char out[BOUNDARY_LEN + 1])
{
    static const char alnum[] = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";

    for (size_t i = 0; i < BOUNDARY_LEN; i++) {
        rng ^= rng << 13; /* xorshift64: a boundary needs to be unlikely in the file, not secret */
        rng ^= rng >> 7;
        rng ^= rng << 17;
        out[i] = alnum[rng % (sizeof(alnum) - 1)];
    }
    out[BOUNDARY_LEN] = '\0';
}

/* Text of a multipart part head (first: without the CRLF that ends the previous part). */
static struct segment part_head(h2o_req_t *req, const char *boundary, const struct image_meta *m,
                                const struct httpcond_range *r, bool first)
{
    char *p = h2o_mem_alloc_pool(&req->pool, PART_HEAD_MAX);
    int n = snprintf(p, PART_HEAD_MAX,
                     "%s--%s\r\nContent-Type: %.*s\r\nContent-Range: bytes %llu-%llu/%llu\r\n\r\n",
                     first ? "" : "\r\n", boundary, (int)m->type.len, m->type.base,
                     (unsigned long long)r->first, (unsigned long long)r->last,
                     (unsigned long long)m->size);

    return (struct segment){p, 0, n > 0 && n < PART_HEAD_MAX ? (uint64_t)n : 0};
}

/* Segments of a multipart/byteranges body; sets its Content-Type. Returns the count. */
static size_t multipart(h2o_req_t *req, const struct image_meta *m, const struct httpcond_range *r,
                        size_t n, struct segment *segs)
{
    char boundary[BOUNDARY_LEN + 1], ctype[64];
    size_t k = 0;
    char *tail = h2o_mem_alloc_pool(&req->pool, BOUNDARY_LEN + 9);

    random_boundary(boundary);
    for (size_t i = 0; i < n; i++) {
        segs[k++] = part_head(req, boundary, m, &r[i], i == 0);
        segs[k++] = (struct segment){NULL, r[i].first, r[i].last - r[i].first + 1};
    }
    snprintf(tail, BOUNDARY_LEN + 9, "\r\n--%s--\r\n", boundary);
    segs[k++] = (struct segment){tail, 0, strlen(tail)};
    snprintf(ctype, sizeof(ctype), "multipart/byteranges; boundary=%s", boundary);
    header_str(req, H2O_TOKEN_CONTENT_TYPE, ctype);
    return k;
}

/* 206 with the ranges in r (n of them); the segments and Content-Length follow. */
static size_t partial(h2o_req_t *req, const struct image_meta *m, const struct httpcond_range *r,
                      size_t n, struct segment *segs)
{
    char cr[80];

    req->res.status = 206;
    req->res.reason = "Partial Content";
    if (n > 1)
        return multipart(req, m, r, n, segs);
    snprintf(cr, sizeof(cr), "bytes %llu-%llu/%llu", (unsigned long long)r->first,
             (unsigned long long)r->last, (unsigned long long)m->size);
    header_str(req, H2O_TOKEN_CONTENT_RANGE, cr);
    header(req, H2O_TOKEN_CONTENT_TYPE, m->type.base, m->type.len);
    segs[0] = (struct segment){NULL, r->first, r->last - r->first + 1};
    return 1;
}

static int unsatisfiable(h2o_req_t *req, int fd, const struct image_meta *m)
{
    char cr[40];

    snprintf(cr, sizeof(cr), "bytes */%llu", (unsigned long long)m->size);
    header_str(req, H2O_TOKEN_CONTENT_RANGE, cr);
    return send_bodiless(req, fd, 416, "Range Not Satisfiable", 0);
}

static int method_not_allowed(h2o_req_t *req, int fd)
{
    close(fd);
    header(req, H2O_TOKEN_ALLOW, H2O_STRLIT("GET, HEAD"));
    return server_send(req, 405, "Method Not Allowed", "text/plain", "method not allowed\n", 19);
}

int images_serve(h2o_req_t *req, int fd, const struct stat *st)
{
    struct image_meta m;
    struct httpcond_range r[HTTPCOND_RANGES_MAX];
    struct segment *segs =
        h2o_mem_alloc_pool(&req->pool, sizeof(*segs) * (2 * HTTPCOND_RANGES_MAX + 1));
    size_t n_ranges, n_segs = 1;
    enum httpcond_ranges_verdict v;
    bool head = server_method_is(req, "HEAD");

    if (!head && !server_method_is(req, "GET"))
        return method_not_allowed(req, fd);
    describe(req, st, &m);
    header(req, H2O_TOKEN_ETAG, h2o_strdup(&req->pool, m.etag, SIZE_MAX).base, strlen(m.etag));
    header(req, H2O_TOKEN_LAST_MODIFIED, h2o_strdup(&req->pool, m.last_modified, SIZE_MAX).base,
           strlen(m.last_modified));
    header(req, H2O_TOKEN_ACCEPT_RANGES, H2O_STRLIT("bytes"));
    if (not_modified(req, &m))
        return send_bodiless(req, fd, 304, "Not Modified", 0);
    v = ranges_asked(req, &m, r, &n_ranges);
    if (v == HTTPCOND_UNSATISFIABLE)
        return unsatisfiable(req, fd, &m);
    if (v == HTTPCOND_PARTIAL) {
        n_segs = partial(req, &m, r, n_ranges, segs);
    } else {
        req->res.status = 200;
        req->res.reason = "OK";
        header(req, H2O_TOKEN_CONTENT_TYPE, m.type.base, m.type.len);
        segs[0] = (struct segment){NULL, 0, m.size};
    }
    req->res.content_length = 0;
    for (size_t i = 0; i < n_segs; i++)
        req->res.content_length += (size_t)segs[i].len;
    if (head || req->res.content_length == 0)
        return send_bodiless(req, fd, req->res.status, req->res.reason, req->res.content_length);
    start_body(req, fd, segs, n_segs);
    return 0;
}
