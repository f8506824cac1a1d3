/* host_curl.c: the device library's transport seam on libcurl: HTTP(S), Range, timeouts. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>

#include "fwdev.h"

struct host {
    CURL *easy; /* kept between requests, so that its connection is reused */
    long connect_s, stall_s;
};

/* One transfer: the response's head is passed on before its first body byte. */
struct xfer {
    const struct fwdev_http_handler *h;
    CURL *easy;
    int headed;
    int stopped;         /* a callback of the caller said stop */
    uint64_t first_byte; /* from Content-Range */
};

static int ieq_prefix(const char *s, size_t n, const char *p)
{
    size_t k = strlen(p);

    if (n < k)
        return 0;
    for (size_t i = 0; i < k; i++) {
        char a = s[i] >= 'A' && s[i] <= 'Z' ? (char)(s[i] + 32) : s[i];

        if (a != p[i])
            return 0;
    }
    return 1;
}

/* Notes Content-Range; a new status line (a redirect) forgets the last one. */
static size_t on_header(char *buf, size_t size, size_t n, void *arg)
{
    struct xfer *x = arg;
    size_t len = size * n;
    char line[128];

    if (ieq_prefix(buf, len, "http/"))
        x->first_byte = 0;
    if (ieq_prefix(buf, len, "content-range:") && len < sizeof(line)) {
        unsigned long long first = 0;

        memcpy(line, buf, len);
        line[len] = '\0';
        if (sscanf(line + 14, " bytes %llu-", &first) == 1)
            x->first_byte = first;
    }
    return len;
}

static int head(struct xfer *x)
{
    long status = 0;
    curl_off_t length = -1;

    x->headed = 1;
    curl_easy_getinfo(x->easy, CURLINFO_RESPONSE_CODE, &status);
    curl_easy_getinfo(x->easy, CURLINFO_CONTENT_LENGTH_DOWNLOAD_T, &length);
    if (x->h->head && x->h->head(x->h->arg, (int)status, x->first_byte, (int64_t)length) != 0) {
        x->stopped = 1;
        return -1;
    }
    return 0;
}

static size_t on_body(char *buf, size_t size, size_t n, void *arg)
{
    struct xfer *x = arg;
    size_t len = size * n;

    if (!x->headed && head(x) < 0)
        return 0;
    if (len > 0 && x->h->body && x->h->body(x->h->arg, buf, len) != 0) {
        x->stopped = 1;
        return 0;
    }
    return len;
}

static void set_options(struct host *c, const struct fwdev_http_request *rq, struct xfer *x,
                        char *range, struct curl_slist *hdr)
{
    CURL *e = c->easy;

    curl_easy_reset(e);
    curl_easy_setopt(e, CURLOPT_URL, rq->url);
    curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(e, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, 1L);
    curl_easy_setopt(e, CURLOPT_MAXREDIRS, 5L);
    curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT, c->connect_s);
    curl_easy_setopt(e, CURLOPT_LOW_SPEED_LIMIT, 1L); /* a stall: under 1 byte/s for ... */
    curl_easy_setopt(e, CURLOPT_LOW_SPEED_TIME, c->stall_s);
    curl_easy_setopt(e, CURLOPT_USERAGENT, "fwdev/1");
    curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(e, CURLOPT_HEADERDATA, x);
    curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(e, CURLOPT_WRITEDATA, x);
    if (rq->range_from > 0) {
        snprintf(range, 32, "%llu-", (unsigned long long)rq->range_from);
        curl_easy_setopt(e, CURLOPT_RANGE, range);
    }
    if (strcmp(rq->method, "POST") == 0) {
        curl_easy_setopt(e, CURLOPT_POSTFIELDS, rq->body);
        curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)rq->body_len);
        curl_easy_setopt(e, CURLOPT_HTTPHEADER, hdr);
    }
}

static int result(CURLcode res, const struct xfer *x, const char *msg, struct fwdev_err *err)
{
    if (res == CURLE_OK)
        return FWDEV_OK;
    if (x->stopped)
        return FWDEV_ERR_ABORTED;
    snprintf(err->msg, sizeof(err->msg), "%s", msg[0] ? msg : curl_easy_strerror(res));
    return res == CURLE_OPERATION_TIMEDOUT ? FWDEV_ERR_TIMEOUT : FWDEV_ERR_TRANSPORT;
}

static int request(void *ctx, const struct fwdev_http_request *rq,
                   const struct fwdev_http_handler *h, struct fwdev_err *err)
{
    struct host *c = ctx;
    struct xfer x = {h, c->easy, 0, 0, 0};
    char range[32], msg[CURL_ERROR_SIZE] = "", type[128];
    struct curl_slist *hdr = NULL;
    CURLcode res;
    int rc;

    snprintf(type, sizeof(type), "Content-Type: %s",
             rq->content_type ? rq->content_type : "application/octet-stream");
    hdr = curl_slist_append(NULL, type);
    if (!hdr) {
        snprintf(err->msg, sizeof(err->msg), "out of memory");
        return FWDEV_ERR_NOMEM;
    }
    set_options(c, rq, &x, range, hdr);
    curl_easy_setopt(c->easy, CURLOPT_ERRORBUFFER, msg);
    res = curl_easy_perform(c->easy);
    if (res == CURLE_OK && !x.headed && head(&x) < 0)
        res = CURLE_WRITE_ERROR;
    rc = result(res, &x, msg, err);
    curl_easy_setopt(c->easy, CURLOPT_ERRORBUFFER, NULL);
    curl_slist_free_all(hdr);
    return rc;
}

int fwdev_curl_open(struct fwdev_transport *t, long connect_s, long stall_s, struct fwdev_err *err)
{
    struct host *c = calloc(1, sizeof(*c));

    if (!c || curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
        free(c);
        snprintf(err->msg, sizeof(err->msg), "cannot start libcurl");
        return FWDEV_ERR_NOMEM;
    }
    c->easy = curl_easy_init();
    if (!c->easy) {
        curl_global_cleanup();
        free(c);
        snprintf(err->msg, sizeof(err->msg), "cannot start libcurl");
        return FWDEV_ERR_NOMEM;
    }
    c->connect_s = connect_s > 0 ? connect_s : 10;
    c->stall_s = stall_s > 0 ? stall_s : 30;
    t->ctx = c;
    t->request = request;
    return FWDEV_OK;
}

void fwdev_curl_close(struct fwdev_transport *t)
{
    struct host *c = t->ctx;

    if (!c)
        return;
    curl_easy_cleanup(c->easy);
    curl_global_cleanup();
    free(c);
    t->ctx = NULL;
}
