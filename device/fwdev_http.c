/* fwdev_http.c: small requests through the transport seam: bounded bodies, status reports. */
#include <stdlib.h>
#include <string.h>

#include "fwdev_int.h"

/* every byte of version, status and detail escaped as \u00XX, and the member names */
#define REPORT_MAX ((FWDEV_VERSION_MAX + 64 + FWDEV_DETAIL_MAX) * 6 + 64)

/* A body collected into a buffer that grows up to max bytes. */
struct collect {
    char *buf;
    size_t len, cap, max;
    int status;
    int too_large, nomem;
};

static int on_head(void *arg, int status, uint64_t first_byte, int64_t length)
{
    struct collect *c = arg;

    (void)first_byte;
    c->status = status;
    if (length > 0 && (uint64_t)length > c->max) {
        c->too_large = 1;
        return 1;
    }
    return 0;
}

static int on_body(void *arg, const void *data, size_t len)
{
    struct collect *c = arg;

    if (len > c->max - c->len) {
        c->too_large = 1;
        return 1;
    }
    if (c->len + len + 1 > c->cap) {
        size_t cap = c->cap ? c->cap : 1024;
        char *grown;

        while (cap < c->len + len + 1)
            cap *= 2;
        if (cap > c->max + 1)
            cap = c->max + 1;
        grown = realloc(c->buf, cap);
        if (!grown) {
            c->nomem = 1;
            return 1;
        }
        c->buf = grown;
        c->cap = cap;
    }
    memcpy(c->buf + c->len, data, len);
    c->len += len;
    return 0;
}

int fwdev_fetch(struct fwdev *d, const struct fwdev_http_request *rq, size_t max, char **body,
                size_t *len, int *status, struct fwdev_err *err)
{
    struct collect c = {NULL, 0, 0, max, 0, 0, 0};
    struct fwdev_http_handler h = {&c, on_head, on_body};
    const struct fwdev_transport *t = d->cfg.transport;
    int rc;

    fwdev_log(d, "%s %s", rq->method, rq->url);
    rc = t->request(t->ctx, rq, &h, err);
    if (rc == FWDEV_ERR_ABORTED && c.too_large)
        rc = fwdev_fail(err, FWDEV_ERR_TOO_LARGE, "%s: the answer is larger than %lu bytes",
                        rq->url, (unsigned long)max);
    else if (rc == FWDEV_ERR_ABORTED && c.nomem)
        rc = fwdev_fail(err, FWDEV_ERR_NOMEM, "%s: out of memory", rq->url);
    if (rc == FWDEV_OK && !c.buf && !(c.buf = malloc(1)))
        rc = fwdev_fail(err, FWDEV_ERR_NOMEM, "%s: out of memory", rq->url);
    if (rc != FWDEV_OK) {
        free(c.buf);
        return rc;
    }
    c.buf[c.len] = '\0';
    *body = c.buf;
    *len = c.len;
    *status = c.status;
    return FWDEV_OK;
}

static int lit(char *out, size_t cap, size_t *n, const char *s)
{
    size_t k = strlen(s);

    if (*n + k + 1 > cap)
        return -1;
    memcpy(out + *n, s, k + 1);
    *n += k;
    return 0;
}

/* {"version":V,"status":S,"detail":D} into out; its length, or -1. */
static int report_body(char *out, size_t cap, const char *version, const char *status,
                       const char *detail)
{
    size_t n = 0;

    if (lit(out, cap, &n, "{\"version\":") < 0 ||
        fwdev_json_put(out, cap, &n, version, FWDEV_VERSION_MAX) < 0 ||
        lit(out, cap, &n, ",\"status\":") < 0 || fwdev_json_put(out, cap, &n, status, 64) < 0)
        return -1;
    if (detail && (lit(out, cap, &n, ",\"detail\":") < 0 ||
                   fwdev_json_put(out, cap, &n, detail, FWDEV_DETAIL_MAX) < 0))
        return -1;
    return lit(out, cap, &n, "}") < 0 ? -1 : (int)n;
}

static int report_url(struct fwdev *d)
{
    size_t n = strlen(d->cfg.server);

    while (n > 0 && d->cfg.server[n - 1] == '/')
        n--;
    if (n + 64 > sizeof(d->url))
        return -1;
    memcpy(d->url, d->cfg.server, n);
    memcpy(d->url + n, "/api/v1/devices/", 16);
    memcpy(d->url + n + 16, d->mac, 17);
    memcpy(d->url + n + 33, "/status", 8);
    return 0;
}

int fwdev_report(struct fwdev *d, const char *version, const char *status, const char *detail,
                 struct fwdev_err *err)
{
    struct fwdev_http_request rq = {"POST", d->url, "application/json", NULL, 0, 0};
    char *json = malloc(REPORT_MAX), *answer = NULL;
    int code = 0, n, rc;
    size_t len;

    if (!json)
        return fwdev_fail(err, FWDEV_ERR_NOMEM, "out of memory");
    n = report_body(json, REPORT_MAX, version ? version : "", status ? status : "", detail);
    if (n < 0 || report_url(d) < 0) {
        free(json);
        return fwdev_fail(err, FWDEV_ERR_ARG, "the status report does not fit");
    }
    rq.body = json;
    rq.body_len = (size_t)n;
    rc = fwdev_fetch(d, &rq, 4096, &answer, &len, &code, err);
    if (rc == FWDEV_OK && (code < 200 || code > 299))
        rc = fwdev_fail(err, FWDEV_ERR_HTTP, "status report %s: HTTP %d: %.120s", status, code,
                        answer);
    free(answer);
    free(json);
    return rc;
}
