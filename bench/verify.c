/* verify.c: signing costs (sign.c, answer.c) and the device library's image check on files. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <fcntl.h>
#include <time.h>
#include <unistd.h>

#include "crypto/answer.h"
#include "fwdev.h"

#define ROUNDS 2000

static double now_us(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec / 1e3;
}

/* Microseconds per sign_digest, sign_verify_digest and answer_sign with a new key of alg. */
static int bench_key(enum sign_alg alg)
{
    struct answer_claim c = {UPDATE_TARGETED,
                             0xABCDEF123456ull,
                             "EVSE",
                             "10.3.1-custom",
                             "d4937ff6d4937ff6d4937ff6d4937ff6d4937ff6d4937ff6d4937ff6d4937ff6",
                             150000,
                             1900000000};
    unsigned char d[SHA256_LEN] = {1}, sig[SIGN_MAX];
    struct sign_key *k = NULL;
    struct fw_err err;
    double t0, t1, t2, t3;
    size_t n = 0, len;
    char *m;
    int ok = 1;

    if (sign_key_generate(alg, &k, &err) < 0)
        return fprintf(stderr, "%s\n", err.msg), 1;
    t0 = now_us();
    for (int i = 0; i < ROUNDS; i++)
        ok &= sign_digest(k, d, sig, &n, &err) == 0;
    t1 = now_us();
    for (int i = 0; i < ROUNDS; i++)
        ok &= sign_verify_digest(k, d, sig, n);
    t2 = now_us();
    for (int i = 0; i < ROUNDS; i++) {
        ok &= answer_sign(k, &c, &m, &len, &err) == 0;
        free(m);
    }
    t3 = now_us();
    printf("%-11s sign %6.1f us   verify %6.1f us   answer_sign %6.1f us\n", sign_alg_name(alg),
           (t1 - t0) / ROUNDS, (t2 - t1) / ROUNDS, (t3 - t2) / ROUNDS);
    sign_key_free(k);
    return ok ? 0 : 1;
}

/* A transport that serves one mapped file, in 16 KiB pieces as a TCP stack would. */
struct mapped {
    const unsigned char *p;
    size_t len;
};

static int serve(void *ctx, const struct fwdev_http_request *rq, const struct fwdev_http_handler *h,
                 struct fwdev_err *err)
{
    const struct mapped *m = ctx;

    (void)err;
    if (h->head(h->arg, 200, 0, (int64_t)(m->len - rq->range_from)) != 0)
        return FWDEV_ERR_ABORTED;
    for (size_t off = (size_t)rq->range_from; off < m->len; off += 16384) {
        size_t n = m->len - off < 16384 ? m->len - off : 16384;

        if (h->body(h->arg, m->p + off, n) != 0)
            return FWDEV_ERR_ABORTED;
    }
    return FWDEV_OK;
}

static int discard(void *ctx, uint64_t off, const void *data, size_t len)
{
    (void)ctx;
    (void)off;
    (void)data;
    (void)len;
    return 0;
}

/* fwdev_download (streaming SHA-256, bounds) and fwdev_verify_image of the file at path. */
static int bench_file(const char *path, struct sign_key *k, const struct fwdev_crypto *c,
                      struct fwdev_key *pin)
{
    struct fwdev_transport t = {NULL, serve};
    struct fwdev_sink sink = {NULL, discard, NULL};
    struct fwdev_config cfg = {0};
    struct fwdev_progress p = {0};
    struct fwdev_offer o = {0};
    struct fwdev_err e;
    struct fw_err err;
    struct mapped m;
    struct stat st;
    struct fwdev *d = calloc(1, sizeof(*d));
    int fd = open(path, O_RDONLY), rc;
    double t0, t1, t2, dl = 0, vf = 0;

    if (fd < 0 || fstat(fd, &st) != 0 || !d)
        return fprintf(stderr, "cannot read %s\n", path), 1;
    m.len = (size_t)st.st_size;
    m.p = mmap(NULL, m.len, PROT_READ, MAP_PRIVATE, fd, 0);
    t.ctx = &m;
    cfg = (struct fwdev_config){.server = "http://x",
                                .mac = "AB:CD:EF:12:34:56",
                                .model = "M",
                                .version = "1.0.0",
                                .keys = pin,
                                .n_keys = 1,
                                .require_signed_image = 1,
                                .max_image = m.len,
                                .crypto = c,
                                .transport = &t};
    if (fwdev_init(d, &cfg, &e) != FWDEV_OK ||
        sign_file(k, path, o.image_sig, &o.image_sig_len, o.sha256, &err) < 0)
        return fprintf(stderr, "setup failed\n"), 1;
    o.size = m.len;
    snprintf(o.url, sizeof(o.url), "http://x/img");
    rc = FWDEV_OK;
    for (int round = 0; round < 3; round++) { /* the best of 3, as bench/run.sh's openssl */
        p = (struct fwdev_progress){0};
        t0 = now_us();
        rc |= fwdev_download(d, &o, &sink, &p, &e);
        t1 = now_us();
        rc |= fwdev_verify_image(d, &o, p.digest, &e);
        t2 = now_us();
        dl = round == 0 || t1 - t0 < dl ? t1 - t0 : dl;
        vf = round == 0 || t2 - t1 < vf ? t2 - t1 : vf;
    }
    printf("fwdev download+verify %-17s %9zu bytes   %8.2f ms (%6.0f MB/s) + signature %.3f ms\n",
           strrchr(path, '/') ? strrchr(path, '/') + 1 : path, m.len, dl / 1e3, (double)m.len / dl,
           vf / 1e3);
    munmap((void *)(uintptr_t)m.p, m.len);
    close(fd);
    free(d);
    return rc != FWDEV_OK;
}

int main(int argc, char **argv)
{
    struct sign_key *k = NULL;
    struct fwdev_crypto c;
    struct fwdev_key pin;
    struct fwdev_err e;
    struct fw_err err;
    char *pem = NULL;
    size_t len;
    int rc = bench_key(SIGN_ECDSA_P256) | bench_key(SIGN_ED25519);

    fwdev_openssl_crypto(&c);
    if (sign_key_generate(SIGN_ECDSA_P256, &k, &err) < 0 ||
        sign_key_pem(k, false, &pem, &len, &err) < 0 ||
        fwdev_key_from_pem(&pin, pem, len, &c, &e) != FWDEV_OK)
        return 1;
    for (int i = 1; i < argc; i++)
        rc |= bench_file(argv[i], k, &c, &pin);
    free(pem);
    sign_key_free(k);
    return rc;
}
