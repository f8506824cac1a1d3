/* fwdev_download.c: image downloads that resume with Range, hash on the way and stop at the
 * announced size; the image's signature check. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fwdev_int.h"

#define REHASH_CHUNK 1024

/* One download in progress, shared by the transport's callbacks. */
struct dl {
    struct fwdev *d;
    const struct fwdev_offer *o;
    const struct fwdev_sink *sink;
    void *hash;    /* SHA-256 of bytes 0 .. have */
    uint64_t have; /* bytes stored in the sink */
    int status;    /* of the response in progress */
    int stop;      /* why a callback stopped the transfer: an FWDEV_ERR_x, or 0 */
    struct fwdev_err why;
};

/* Records why a callback stops the transfer (code, with x->why written); returns 1. */
static int stopped(struct dl *x, int code)
{
    x->stop = code;
    return 1;
}

/* Starts the hash again from byte 0, when the server sends the whole image after all. */
static int restart(struct dl *x)
{
    const struct fwdev_crypto *c = x->d->cfg.crypto;

    c->sha256_end(x->hash, NULL);
    x->hash = c->sha256_begin(c->ctx);
    x->have = 0;
    return x->hash ? 0 : stopped(x, fwdev_fail(&x->why, FWDEV_ERR_NOMEM, "out of memory"));
}

static int on_head(void *arg, int status, uint64_t first_byte, int64_t length)
{
    struct dl *x = arg;
    struct fwdev_err *why = &x->why;

    x->status = status;
    if (status == 200 && x->have > 0 && restart(x) != 0)
        return 1;
    if (status == 206 && first_byte != x->have)
        return stopped(x,
                       fwdev_fail(why, FWDEV_ERR_HTTP, "the server resumed at byte %llu, not %llu",
                                  (unsigned long long)first_byte, (unsigned long long)x->have));
    if (status != 200 && status != 206)
        return stopped(x, fwdev_fail(why, FWDEV_ERR_HTTP, "HTTP %d", status));
    if (length >= 0 && (uint64_t)length > x->o->size - x->have)
        return stopped(x, fwdev_fail(why, FWDEV_ERR_TOO_LARGE,
                                     "the server announces %llu more bytes; the image has %llu",
                                     (unsigned long long)length,
                                     (unsigned long long)(x->o->size - x->have)));
    return 0;
}

static int on_body(void *arg, const void *data, size_t len)
{
    struct dl *x = arg;
    const struct fwdev_crypto *c = x->d->cfg.crypto;

    if (len > x->o->size - x->have)
        return stopped(x, fwdev_fail(&x->why, FWDEV_ERR_TOO_LARGE,
                                     "the server sent more than the announced %llu bytes",
                                     (unsigned long long)x->o->size));
    if (x->sink->write(x->sink->ctx, x->have, data, len) != 0)
        return stopped(x, fwdev_fail(&x->why, FWDEV_ERR_IO, "cannot store the image at byte %llu",
                                     (unsigned long long)x->have));
    c->sha256_update(x->hash, data, len);
    x->have += len;
    return 0;
}

/* Hashes the bytes the sink holds already; keeps as many as it can read back. */
static void rehash(struct dl *x, uint64_t held)
{
    const struct fwdev_crypto *c = x->d->cfg.crypto;
    unsigned char buf[REHASH_CHUNK];

    if (held > x->o->size || !x->sink->read)
        return;
    while (x->have < held) {
        size_t want = held - x->have < sizeof(buf) ? (size_t)(held - x->have) : sizeof(buf);
        long n = x->sink->read(x->sink->ctx, x->have, buf, want);

        if (n <= 0)
            return;
        c->sha256_update(x->hash, buf, (size_t)n);
        x->have += (uint64_t)n;
    }
}

/* One request for the bytes from x->have on. Returns FWDEV_OK when the response ended
 * normally (complete or not), a retryable transport error, or a final error. */
static int one_request(struct dl *x, struct fwdev_err *err)
{
    struct fwdev_http_request rq = {"GET", x->o->url, NULL, NULL, 0, x->have};
    struct fwdev_http_handler h = {x, on_head, on_body};
    const struct fwdev_transport *t = x->d->cfg.transport;
    int rc;

    x->stop = 0;
    fwdev_log(x->d, "GET %s from byte %llu", x->o->url, (unsigned long long)x->have);
    rc = t->request(t->ctx, &rq, &h, err);
    if (rc == FWDEV_ERR_ABORTED && x->stop) {
        *err = x->why;
        return x->stop;
    }
    return rc;
}

static int finish(struct dl *x, struct fwdev_progress *p, struct fwdev_err *err)
{
    char got[65], want[65];

    x->d->cfg.crypto->sha256_end(x->hash, p->digest);
    x->hash = NULL;
    if (memcmp(p->digest, x->o->sha256, FWDEV_SHA256_LEN) == 0)
        return FWDEV_OK;
    fwdev_hex(p->digest, got);
    fwdev_hex(x->o->sha256, want);
    return fwdev_fail(err, FWDEV_ERR_CHECKSUM, "the image's sha256 is %.16s..., not %.16s...", got,
                      want);
}

/* Requests until the image is whole, the tries are spent, or a final error. */
static int transfer(struct dl *x, struct fwdev_progress *p, struct fwdev_err *err)
{
    int rc = FWDEV_OK;

    while (x->have < x->o->size && p->requests < x->d->cfg.attempts) {
        if (x->have > 0 && !p->resumed_at)
            p->resumed_at = x->have;
        p->requests++;
        rc = one_request(x, err);
        if (rc == FWDEV_OK && x->have < x->o->size)
            rc = fwdev_fail(err, FWDEV_ERR_SIZE, "the transfer ended after %llu of %llu bytes",
                            (unsigned long long)x->have, (unsigned long long)x->o->size);
        if (rc != FWDEV_OK && rc != FWDEV_ERR_TRANSPORT && rc != FWDEV_ERR_TIMEOUT &&
            rc != FWDEV_ERR_SIZE)
            return rc;
    }
    return x->have == x->o->size ? FWDEV_OK : rc;
}

int fwdev_download(struct fwdev *d, const struct fwdev_offer *o, const struct fwdev_sink *sink,
                   struct fwdev_progress *p, struct fwdev_err *err)
{
    const struct fwdev_crypto *c = d->cfg.crypto;
    struct dl x;
    uint64_t held = p->have;
    int rc;

    memset(&x, 0, sizeof(x));
    x.d = d;
    x.o = o;
    x.sink = sink;
    p->have = 0;
    p->resumed_at = 0;
    p->requests = 0;
    if (o->size == 0 || !sink->write)
        return fwdev_fail(err, FWDEV_ERR_ARG, "nothing to download");
    x.hash = c->sha256_begin(c->ctx);
    if (!x.hash)
        return fwdev_fail(err, FWDEV_ERR_NOMEM, "out of memory");
    rehash(&x, held);
    rc = transfer(&x, p, err);
    p->have = x.have;
    if (rc == FWDEV_OK)
        return finish(&x, p, err);
    c->sha256_end(x.hash, NULL);
    return fwdev_context(err, rc, "download of %llu bytes stopped at %llu",
                         (unsigned long long)o->size, (unsigned long long)x.have);
}

/* ---- into a file ---- */

static int file_write(void *ctx, uint64_t offset, const void *data, size_t len)
{
    FILE *f = ctx;

    if (offset > (uint64_t)0x7fffffff || fseek(f, (long)offset, SEEK_SET) != 0)
        return -1;
    return fwrite(data, 1, len, f) == len ? 0 : -1;
}

static long file_read(void *ctx, uint64_t offset, void *buf, size_t len)
{
    FILE *f = ctx;
    size_t n;

    if (offset > (uint64_t)0x7fffffff || fseek(f, (long)offset, SEEK_SET) != 0)
        return -1;
    n = fread(buf, 1, len, f);
    return ferror(f) ? -1 : (long)n;
}

/* Opens path to resume it (its size in *held), or creates it empty. */
static FILE *open_part(const char *path, uint64_t size, uint64_t *held)
{
    FILE *f = fopen(path, "r+b");
    long n;

    *held = 0;
    if (f && fseek(f, 0, SEEK_END) == 0 && (n = ftell(f)) >= 0 && (uint64_t)n <= size) {
        *held = (uint64_t)n;
        return f;
    }
    if (f)
        fclose(f);
    return fopen(path, "w+b");
}

int fwdev_download_file(struct fwdev *d, const struct fwdev_offer *o, const char *path,
                        struct fwdev_progress *p, struct fwdev_err *err)
{
    struct fwdev_progress mine;
    struct fwdev_sink sink;
    uint64_t held;
    FILE *f = open_part(path, o->size, &held);
    int rc;

    if (!f)
        return fwdev_fail(err, FWDEV_ERR_IO, "cannot open %s", path);
    if (!p)
        p = &mine;
    memset(p, 0, sizeof(*p));
    p->have = held;
    sink.ctx = f;
    sink.write = file_write;
    sink.read = file_read;
    rc = fwdev_download(d, o, &sink, p, err);
    if (fclose(f) != 0 && rc == FWDEV_OK)
        rc = fwdev_fail(err, FWDEV_ERR_IO, "cannot write %s", path);
    return rc;
}

/* ---- the image's signature ---- */

/* "<url>.sig": the signature's URL, before any query. */
static int sig_url(struct fwdev *d, const struct fwdev_offer *o)
{
    const char *q = strchr(o->url, '?');
    size_t n = q ? (size_t)(q - o->url) : strlen(o->url);

    if (n + 5 > sizeof(d->url))
        return -1;
    memcpy(d->url, o->url, n);
    memcpy(d->url + n, ".sig", 5);
    return 0;
}

/* Fetches <url>.sig into o; FWDEV_OK with image_sig_len 0 when the server has none. */
static int fetch_signature(struct fwdev *d, struct fwdev_offer *o, struct fwdev_err *err)
{
    struct fwdev_http_request rq = {"GET", d->url, NULL, NULL, 0, 0};
    char *body = NULL;
    size_t len = 0;
    int status = 0, rc;

    if (sig_url(d, o) < 0)
        return fwdev_fail(err, FWDEV_ERR_ARG, "the signature's URL is too long");
    rc = fwdev_fetch(d, &rq, FWDEV_SIG_MAX, &body, &len, &status, err);
    if (rc == FWDEV_ERR_TOO_LARGE)
        rc = fwdev_fail(err, FWDEV_ERR_IMAGE_SIGNATURE, "%s is not a signature", d->url);
    if (rc == FWDEV_OK && status == 200 && len > 0) {
        memcpy(o->image_sig, body, len);
        o->image_sig_len = len;
    } else if (rc == FWDEV_OK && status != 404 && status != 200) {
        rc = fwdev_fail(err, FWDEV_ERR_HTTP, "%s: HTTP %d", d->url, status);
    }
    free(body);
    return rc;
}

/* Tries the key the answer names, or every pinned key. */
static int check_signature(const struct fwdev *d, struct fwdev_offer *o,
                           const uint8_t digest[FWDEV_SHA256_LEN], struct fwdev_err *err)
{
    const struct fwdev_crypto *c = d->cfg.crypto;
    const struct fwdev_key *k = o->has_image_key ? fwdev_find_key(d, o->image_key) : NULL;
    char id[65];

    if (o->has_image_key && !k) {
        fwdev_hex(o->image_key, id);
        return fwdev_fail(err, FWDEV_ERR_IMAGE_SIGNATURE,
                          "the image is signed by key %.16s..., which is not pinned", id);
    }
    for (size_t i = 0; i < d->cfg.n_keys; i++) {
        const struct fwdev_key *t = k ? k : &d->cfg.keys[i];

        if (c->verify(c->ctx, t->der, t->der_len, digest, o->image_sig, o->image_sig_len) == 1) {
            memcpy(o->image_key, t->id, FWDEV_SHA256_LEN);
            o->has_image_key = 1;
            return FWDEV_OK;
        }
        if (k)
            break;
    }
    return fwdev_fail(err, FWDEV_ERR_IMAGE_SIGNATURE,
                      "the image's signature does not verify with %s",
                      k ? "its key" : "any pinned key");
}

int fwdev_verify_image(struct fwdev *d, struct fwdev_offer *o,
                       const uint8_t digest[FWDEV_SHA256_LEN], struct fwdev_err *err)
{
    int rc = FWDEV_OK;

    if (o->image_sig_len == 0)
        rc = fetch_signature(d, o, err);
    if (rc != FWDEV_OK)
        return rc;
    if (o->image_sig_len == 0) {
        o->has_image_key = 0;
        return d->cfg.require_signed_image
                   ? fwdev_fail(err, FWDEV_ERR_IMAGE_UNSIGNED, "the image is not signed")
                   : FWDEV_OK;
    }
    return check_signature(d, o, digest, err);
}
