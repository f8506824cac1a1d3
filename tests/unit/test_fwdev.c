/* test_fwdev.c: the device library against a scripted transport: answers signed with
 * src/crypto/answer.c, downloads cut, stalled, overlong or tampered, image signatures. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "crypto/answer.h"
#include "crypto/base64.h"
#include "fwdev.h"
#include "fwdev_int.h"

#define MAC_STR "AB:CD:EF:12:34:56"
#define MAC_NUM 0xABCDEF123456ull
#define NOW     1700000000
#define IMG_LEN 10000

/* ---- a scripted server ---- */

struct fake {
    const char *answer; /* the body of .../update */
    int answer_status;
    unsigned char image[IMG_LEN + 100];
    size_t image_len;         /* bytes the server sends for the image */
    int64_t announce;         /* Content-Length to announce; -1: the truth; -2: none */
    size_t cut_at;            /* cut the connection at this byte of the image... */
    int cuts;                 /* ...this many times */
    int stall_resumes;        /* requests with Range that stall before any byte */
    int ignore_range;         /* answer Range with the whole image (200) */
    const unsigned char *sig; /* served at <image>.sig; NULL: 404 */
    size_t sig_len;
    uint64_t ranges[16];
    int n_image_requests;
    char last_url[512];
    char posted[4096];
};

static int deliver(const struct fwdev_http_handler *h, const unsigned char *p, size_t len)
{
    for (size_t off = 0; off < len; off += 1000) {
        size_t n = len - off < 1000 ? len - off : 1000;

        if (h->body(h->arg, p + off, n) != 0)
            return FWDEV_ERR_ABORTED;
    }
    return FWDEV_OK;
}

static int serve_image(struct fake *f, const struct fwdev_http_request *rq,
                       const struct fwdev_http_handler *h, struct fwdev_err *err)
{
    uint64_t from = f->ignore_range ? 0 : rq->range_from;
    size_t end = f->image_len;
    int64_t len = f->announce == -2  ? -1
                  : f->announce >= 0 ? f->announce
                                     : (int64_t)(f->image_len - from);

    if (f->n_image_requests < 16)
        f->ranges[f->n_image_requests] = rq->range_from;
    f->n_image_requests++;
    if (rq->range_from > 0 && f->stall_resumes > 0) {
        f->stall_resumes--;
        snprintf(err->msg, sizeof(err->msg), "stalled");
        return FWDEV_ERR_TIMEOUT;
    }
    if (h->head(h->arg, from ? 206 : 200, from, len) != 0)
        return FWDEV_ERR_ABORTED;
    if (f->cuts > 0 && f->cut_at > from && f->cut_at < end) {
        f->cuts--;
        if (deliver(h, f->image + from, f->cut_at - from) != FWDEV_OK)
            return FWDEV_ERR_ABORTED;
        snprintf(err->msg, sizeof(err->msg), "connection cut");
        return FWDEV_ERR_TRANSPORT;
    }
    return deliver(h, f->image + from, end - from);
}

static int fake_request(void *ctx, const struct fwdev_http_request *rq,
                        const struct fwdev_http_handler *h, struct fwdev_err *err)
{
    struct fake *f = ctx;
    size_t n = strlen(rq->url);

    snprintf(f->last_url, sizeof(f->last_url), "%s", rq->url);
    if (strcmp(rq->method, "POST") == 0) {
        snprintf(f->posted, sizeof(f->posted), "%.*s", (int)rq->body_len, (const char *)rq->body);
        return h->head(h->arg, 202, 0, -1) ? FWDEV_ERR_ABORTED : FWDEV_OK;
    }
    if (strstr(rq->url, "/update?")) {
        if (h->head(h->arg, f->answer_status, 0, (int64_t)strlen(f->answer)) != 0)
            return FWDEV_ERR_ABORTED;
        return deliver(h, (const unsigned char *)f->answer, strlen(f->answer));
    }
    if (n > 4 && strcmp(rq->url + n - 4, ".sig") == 0) {
        if (h->head(h->arg, f->sig ? 200 : 404, 0, f->sig ? (int64_t)f->sig_len : 9) != 0)
            return FWDEV_ERR_ABORTED;
        return f->sig ? deliver(h, f->sig, f->sig_len)
                      : deliver(h, (const unsigned char *)"not found", 9);
    }
    return serve_image(f, rq, h, err);
}

/* ---- the device under test ---- */

struct env {
    struct fake fake;
    struct fwdev_transport transport;
    struct fwdev_crypto crypto;
    struct sign_key *key, *stranger;
    struct fwdev_key pinned[1];
    struct fwdev dev;
    char sha[65];
    int64_t now;
};

static int64_t env_now(void *ctx)
{
    return ((struct env *)ctx)->now;
}

static struct sign_key *generate(enum sign_alg alg)
{
    struct sign_key *k = NULL;
    struct fw_err err = {""};

    assert_int_equal(sign_key_generate(alg, &k, &err), 0);
    return k;
}

static void pin(struct env *e)
{
    struct fwdev_err err;
    struct fw_err ferr;
    char *pem = NULL;
    size_t len = 0;

    assert_int_equal(sign_key_pem(e->key, false, &pem, &len, &ferr), 0);
    assert_int_equal(fwdev_key_from_pem(&e->pinned[0], pem, len, &e->crypto, &err), FWDEV_OK);
    assert_memory_equal(e->pinned[0].id, sign_key_id(e->key), FWDEV_SHA256_LEN);
    free(pem);
}

/* A device EVSE 10.2.0 with one pinned key; signed answers required unless told. */
static void start(struct env *e, const char *version, int require_signed)
{
    struct fwdev_config cfg;
    struct fwdev_err err;

    memset(&cfg, 0, sizeof(cfg));
    cfg.server = "http://fw.example.com/";
    cfg.mac = "ab-cd-ef-12-34-56";
    cfg.model = "EVSE";
    cfg.version = version;
    cfg.keys = e->pinned;
    cfg.n_keys = 1;
    cfg.require_signed_answer = require_signed;
    cfg.require_signed_image = 1;
    cfg.attempts = 3;
    cfg.crypto = &e->crypto;
    cfg.transport = &e->transport;
    cfg.now = env_now;
    cfg.now_ctx = e;
    assert_int_equal(fwdev_init(&e->dev, &cfg, &err), FWDEV_OK);
    assert_string_equal(e->dev.mac, MAC_STR);
}

static int setup(void **state)
{
    struct env *e = calloc(1, sizeof(*e));
    unsigned char d[32];

    if (!e)
        return -1;
    for (size_t i = 0; i < IMG_LEN; i++)
        e->fake.image[i] = (unsigned char)(i * 31 + 7);
    e->fake.image_len = IMG_LEN;
    e->fake.announce = -1;
    e->fake.answer_status = 200;
    e->transport.ctx = &e->fake;
    e->transport.request = fake_request;
    fwdev_openssl_crypto(&e->crypto);
    e->key = generate(SIGN_ECDSA_P256);
    e->stranger = generate(SIGN_ECDSA_P256);
    e->now = NOW;
    sha256_buf(e->fake.image, IMG_LEN, d);
    sha256_hex(d, e->sha);
    pin(e);
    start(e, "10.2.0", 1);
    *state = e;
    return 0;
}

static int teardown(void **state)
{
    struct env *e = *state;

    sign_key_free(e->key);
    sign_key_free(e->stranger);
    free(e);
    return 0;
}

/* The image's signature by k, in base64. */
static void image_sig_b64(struct env *e, const struct sign_key *k, char *out)
{
    unsigned char sig[SIGN_MAX];
    struct fw_err err;
    size_t n = 0;

    assert_int_equal(sign_buffer(k, e->fake.image, IMG_LEN, sig, &n, &err), 0);
    base64_encode(sig, n, out);
}

/* An answer as fwhub serve writes it, with the answer_signature member when asig is set. */
static char *answer(struct env *e, const char *kind, const char *mac, const char *version,
                    const char *asig)
{
    char sig[BASE64_ENCODED_LEN(SIGN_MAX)], *out = malloc(8192);

    image_sig_b64(e, e->key, sig);
    snprintf(out, 8192,
             "{\"kind\":\"%s\",\"mac\":\"%s\",\"model\":\"EVSE\",\"current_version\":\"10.2.0\","
             "\"version\":\"%s\",\"size\":%d,\"sha256\":\"%s\","
             "\"url\":\"/firmware/EVSE/EVSE.bin\",\"changelog\":\"x\\u00e9\\\"y\","
             "\"fix_description\":[\"a\",{\"b\":[1,2.5e3,true,null]}],"
             "\"signature\":\"%s\",\"key_id\":\"%s\"%s%s}",
             kind, mac, version, IMG_LEN, e->sha, sig, sign_key_id_hex(e->key),
             asig ? ",\"answer_signature\":" : "", asig ? asig : "");
    return out;
}

/* The answer_signature member of a claim, signed by k. */
static char *asig(const struct sign_key *k, enum update_kind kind, uint64_t mac,
                  const char *version, const char *sha, int64_t expires)
{
    struct answer_claim c = {kind, mac, "EVSE", version, sha, IMG_LEN, expires};
    struct fw_err err = {""};
    char *out = NULL;
    size_t len;

    assert_int_equal(answer_sign(k, &c, &out, &len, &err), 0);
    return out;
}

static int parse(struct env *e, const char *json, struct fwdev_offer *o, struct fwdev_err *err)
{
    return fwdev_parse_answer(&e->dev, json, strlen(json), o, err);
}

/* ---- answers ---- */

static void signed_targeted_answer_is_accepted(void **state)
{
    struct env *e = *state;
    char *s = asig(e->key, UPDATE_TARGETED, MAC_NUM, "10.3.1-custom", e->sha, NOW + 60);
    char *a = answer(e, "targeted", MAC_STR, "10.3.1-custom", s);
    struct fwdev_offer o;
    struct fwdev_err err;

    assert_int_equal(parse(e, a, &o, &err), FWDEV_OK);
    assert_int_equal(o.kind, FWDEV_TARGETED);
    assert_true(o.answer_signed);
    assert_string_equal(o.version, "10.3.1-custom");
    assert_int_equal(o.size, IMG_LEN);
    assert_int_equal(o.expires, NOW + 60);
    assert_string_equal(o.url, "http://fw.example.com/firmware/EVSE/EVSE.bin");
    assert_true(o.image_sig_len > 0 && o.has_image_key);
    free(a);
    free(s);
}

static void unsigned_answer_is_refused_unless_allowed(void **state)
{
    struct env *e = *state;
    char *a = answer(e, "general", MAC_STR, "10.3.0", NULL);
    struct fwdev_offer o;
    struct fwdev_err err;

    assert_int_equal(parse(e, a, &o, &err), FWDEV_ERR_UNSIGNED);
    assert_string_equal(fwdev_status_for(FWDEV_ERR_UNSIGNED), "InvalidSignature");
    start(e, "10.2.0", 0);
    assert_int_equal(parse(e, a, &o, &err), FWDEV_OK);
    assert_false(o.answer_signed);
    assert_string_equal(o.version, "10.3.0");
    free(a);
}

static void answer_signed_with_an_unknown_key_is_refused(void **state)
{
    struct env *e = *state;
    char *s = asig(e->stranger, UPDATE_GENERAL, 0, "10.3.0", e->sha, NOW + 60);
    char *a = answer(e, "general", MAC_STR, "10.3.0", s);
    struct fwdev_offer o;
    struct fwdev_err err;

    assert_int_equal(parse(e, a, &o, &err), FWDEV_ERR_ANSWER_SIGNATURE);
    assert_non_null(strstr(err.msg, "not pinned"));
    free(a);
    free(s);
}

static void answer_for_another_mac_is_refused(void **state)
{
    struct env *e = *state;
    char *s = asig(e->key, UPDATE_TARGETED, MAC_NUM + 1, "10.3.1-custom", e->sha, NOW + 60);
    char *a = answer(e, "targeted", MAC_STR, "10.3.1-custom", s);
    char *b = answer(e, "targeted", "AB:CD:EF:12:34:57", "10.3.1-custom", NULL);
    struct fwdev_offer o;
    struct fwdev_err err;

    assert_int_equal(parse(e, a, &o, &err), FWDEV_ERR_WRONG_DEVICE);
    assert_non_null(strstr(err.msg, "AB:CD:EF:12:34:57"));
    start(e, "10.2.0", 0);
    assert_int_equal(parse(e, b, &o, &err), FWDEV_ERR_WRONG_DEVICE);
    free(a);
    free(b);
    free(s);
}

static void replayed_answer_after_its_expiry_is_refused(void **state)
{
    struct env *e = *state;
    char *s = asig(e->key, UPDATE_GENERAL, 0, "10.3.0", e->sha, NOW + 60);
    char *a = answer(e, "general", MAC_STR, "10.3.0", s);
    struct fwdev_offer o;
    struct fwdev_err err;

    e->now = NOW + 59;
    assert_int_equal(parse(e, a, &o, &err), FWDEV_OK);
    e->now = NOW + 60;
    assert_int_equal(parse(e, a, &o, &err), FWDEV_ERR_EXPIRED);
    assert_non_null(strstr(err.msg, "expired"));
    free(a);
    free(s);
}

static void downgrade_is_refused_but_a_signed_rollback_is_not(void **state)
{
    struct env *e = *state;
    char *lower = answer(e, "general", MAC_STR, "10.1.0", NULL);
    char *same = answer(e, "general", MAC_STR, "v10.2", NULL);
    char *unsigned_rb = answer(e, "rollback", MAC_STR, "10.1.0", NULL);
    char *s = asig(e->key, UPDATE_ROLLBACK, MAC_NUM, "10.1.0", e->sha, NOW + 60);
    char *signed_rb = answer(e, "rollback", MAC_STR, "10.1.0", s);
    struct fwdev_offer o;
    struct fwdev_err err;

    start(e, "10.2.0", 0);
    assert_int_equal(parse(e, lower, &o, &err), FWDEV_ERR_DOWNGRADE);
    assert_int_equal(parse(e, same, &o, &err), FWDEV_ERR_DOWNGRADE);
    assert_int_equal(parse(e, unsigned_rb, &o, &err), FWDEV_ERR_DOWNGRADE);
    assert_non_null(strstr(err.msg, "not signed"));
    assert_int_equal(parse(e, signed_rb, &o, &err), FWDEV_OK);
    assert_int_equal(o.kind, FWDEV_ROLLBACK);
    assert_string_equal(fwdev_status_for(FWDEV_ERR_DOWNGRADE), "InstallationFailed");
    free(lower);
    free(same);
    free(unsigned_rb);
    free(signed_rb);
    free(s);
}

static void fields_outside_the_signed_part_must_agree_with_it(void **state)
{
    struct env *e = *state;
    char *s = asig(e->key, UPDATE_GENERAL, 0, "10.3.0", e->sha, NOW + 60);
    char *a = answer(e, "general", MAC_STR, "10.4.0", s);
    struct fwdev_offer o;
    struct fwdev_err err;

    assert_int_equal(parse(e, a, &o, &err), FWDEV_ERR_ANSWER_SIGNATURE);
    assert_non_null(strstr(err.msg, "version differs"));
    assert_string_equal(fwdev_status_for(FWDEV_ERR_ANSWER_SIGNATURE), "InvalidSignature");
    free(a);
    free(s);
}

static void changed_signed_payload_fails(void **state)
{
    struct env *e = *state;
    char *s = asig(e->key, UPDATE_GENERAL, 0, "10.3.0", e->sha, NOW + 60);
    char *a, *p;
    struct fwdev_offer o;
    struct fwdev_err err;

    p = strstr(s, "1700000060");
    assert_non_null(p);
    p[4] = '9'; /* a later expiry */
    a = answer(e, "general", MAC_STR, "10.3.0", s);
    assert_int_equal(parse(e, a, &o, &err), FWDEV_ERR_ANSWER_SIGNATURE);
    assert_non_null(strstr(err.msg, "does not verify"));
    free(a);
    free(s);
}

static void malformed_answers_are_refused(void **state)
{
    static const char *const bad[] = {
        "",
        "[]",
        "{\"kind\":\"general\"",
        "{\"kind\":\"general\",\"kind\":\"none\"}",
        "{\"kind\":\"maybe\"}",
        "{\"kind\":\"none\"} x",
        "{\"kind\":\"none\",\"x\":[[[[[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]]]]}",
        "{\"kind\":\"none\",\"x\":\"\\ud800\"}",
        "{\"kind\":\"none\",\"x\":\"a\x01\"}",
        "{\"kind\":\"general\",\"size\":-1}",
        "{\"kind\":\"general\",\"size\":1.5}",
        "{\"kind\":\"general\",\"size\":99999999999999999999}",
        "{\"kind\":\"general\",\"sha256\":7}",
    };
    struct env *e = *state;
    struct fwdev_offer o;
    struct fwdev_err err;

    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        if (parse(e, bad[i], &o, &err) != FWDEV_ERR_ANSWER)
            fail_msg("case %zu was not refused as FWDEV_ERR_ANSWER: %s", i, err.msg);
    assert_int_equal(parse(e, "{\"kind\":\"none\",\"x\":{\"y\":[1,\"\\u20ac\"]}}", &o, &err),
                     FWDEV_NO_UPDATE);
}

static void overlong_url_is_refused_not_truncated(void **state)
{
    struct env *e = *state;
    char *json = malloc(FWDEV_URL_MAX + 200);
    struct fwdev_offer o;
    struct fwdev_err err;

    snprintf(json, FWDEV_URL_MAX + 200, "{\"kind\":\"general\",\"url\":\"/%0*d\"}", FWDEV_URL_MAX,
             0);
    assert_int_equal(parse(e, json, &o, &err), FWDEV_ERR_ANSWER);
    assert_non_null(strstr(err.msg, "url: longer than"));
    free(json);
}

static void check_asks_the_update_url_with_escaped_parameters(void **state)
{
    struct env *e = *state;
    struct fwdev_offer o;
    struct fwdev_err err;

    start(e, "10.2.0+build.7", 1);
    e->fake.answer = "{\"kind\":\"none\"}";
    assert_int_equal(fwdev_check(&e->dev, &o, &err), FWDEV_NO_UPDATE);
    assert_string_equal(e->fake.last_url, "http://fw.example.com/api/v1/devices/" MAC_STR
                                          "/update?model=EVSE&version=10.2.0%2Bbuild.7");
    e->fake.answer = "{\"error\":{\"field\":\"mac\"}}";
    e->fake.answer_status = 400;
    assert_int_equal(fwdev_check(&e->dev, &o, &err), FWDEV_ERR_HTTP);
    assert_non_null(strstr(err.msg, "HTTP 400"));
}

/* ---- downloads ---- */

struct mem {
    unsigned char buf[IMG_LEN + 100];
    size_t len;
};

static int mem_write(void *ctx, uint64_t off, const void *data, size_t len)
{
    struct mem *m = ctx;

    if (off + len > sizeof(m->buf))
        return -1;
    memcpy(m->buf + off, data, len);
    if (off + len > m->len)
        m->len = (size_t)(off + len);
    return 0;
}

static long mem_read(void *ctx, uint64_t off, void *buf, size_t len)
{
    struct mem *m = ctx;

    if (off >= m->len)
        return 0;
    if (len > m->len - off)
        len = m->len - (size_t)off;
    memcpy(buf, m->buf + off, len);
    return (long)len;
}

static void offer_of(struct env *e, struct fwdev_offer *o)
{
    memset(o, 0, sizeof(*o));
    o->kind = FWDEV_GENERAL;
    snprintf(o->version, sizeof(o->version), "10.3.0");
    snprintf(o->url, sizeof(o->url), "http://fw.example.com/firmware/EVSE/EVSE.bin");
    assert_int_equal(fwdev_unhex(e->sha, o->sha256, sizeof(o->sha256)), 0); /* as published */
    o->size = IMG_LEN;
}

static int download(struct env *e, struct mem *m, struct fwdev_progress *p, struct fwdev_err *err)
{
    struct fwdev_sink sink = {m, mem_write, mem_read};
    struct fwdev_offer o;

    offer_of(e, &o);
    return fwdev_download(&e->dev, &o, &sink, p, err);
}

static void download_hashes_the_whole_image(void **state)
{
    struct env *e = *state;
    struct fwdev_progress p = {0};
    struct fwdev_err err;
    static struct mem m;

    memset(&m, 0, sizeof(m));
    assert_int_equal(download(e, &m, &p, &err), FWDEV_OK);
    assert_int_equal(p.have, IMG_LEN);
    assert_int_equal(p.requests, 1);
    assert_int_equal(p.resumed_at, 0);
    assert_memory_equal(m.buf, e->fake.image, IMG_LEN);
}

static void cut_download_resumes_with_range(void **state)
{
    struct env *e = *state;
    struct fwdev_progress p = {0};
    struct fwdev_err err;
    static struct mem m;

    memset(&m, 0, sizeof(m));
    e->fake.cut_at = 4321;
    e->fake.cuts = 1;
    assert_int_equal(download(e, &m, &p, &err), FWDEV_OK);
    assert_int_equal(p.requests, 2);
    assert_int_equal(p.resumed_at, 4321);
    assert_int_equal(e->fake.ranges[1], 4321);
    assert_memory_equal(m.buf, e->fake.image, IMG_LEN);
}

static void server_that_ignores_range_restarts_the_hash(void **state)
{
    struct env *e = *state;
    struct fwdev_progress p = {0};
    struct fwdev_err err;
    static struct mem m;

    memset(&m, 0, sizeof(m));
    e->fake.cut_at = 3000;
    e->fake.cuts = 1;
    e->fake.ignore_range = 1;
    assert_int_equal(download(e, &m, &p, &err), FWDEV_OK);
    assert_int_equal(p.requests, 2);
}

static void more_bytes_than_announced_are_refused(void **state)
{
    struct env *e = *state;
    struct fwdev_progress p = {0};
    struct fwdev_err err;
    static struct mem m;

    memset(&m, 0, sizeof(m));
    e->fake.image_len = IMG_LEN + 50;
    e->fake.announce = -2; /* no Content-Length: noticed as the bytes arrive */
    assert_int_equal(download(e, &m, &p, &err), FWDEV_ERR_TOO_LARGE);
    assert_non_null(strstr(err.msg, "more than the announced"));
    assert_true(m.len <= IMG_LEN);
    assert_string_equal(fwdev_status_for(FWDEV_ERR_TOO_LARGE), "DownloadFailed");
    e->fake.announce = IMG_LEN + 50; /* announced up front: refused before any byte */
    memset(&m, 0, sizeof(m));
    p.have = 0;
    assert_int_equal(download(e, &m, &p, &err), FWDEV_ERR_TOO_LARGE);
    assert_int_equal(m.len, 0);
}

static void stalled_server_times_out_and_keeps_what_arrived(void **state)
{
    struct env *e = *state;
    struct fwdev_progress p = {0};
    struct fwdev_err err;
    static struct mem m;

    memset(&m, 0, sizeof(m));
    e->fake.cut_at = 2500;
    e->fake.cuts = 1;
    e->fake.stall_resumes = 5;
    assert_int_equal(download(e, &m, &p, &err), FWDEV_ERR_TIMEOUT);
    assert_int_equal(p.requests, 3);
    assert_int_equal(p.have, 2500);
    assert_string_equal(fwdev_status_for(FWDEV_ERR_TIMEOUT), "DownloadFailed");

    /* later, the download goes on from what the sink holds */
    e->fake.stall_resumes = 0;
    assert_int_equal(download(e, &m, &p, &err), FWDEV_OK);
    assert_int_equal(p.resumed_at, 2500);
    assert_int_equal(p.requests, 1);
    assert_memory_equal(m.buf, e->fake.image, IMG_LEN);
}

static void tampered_byte_fails_the_checksum(void **state)
{
    struct env *e = *state;
    struct fwdev_progress p = {0};
    struct fwdev_err err;
    static struct mem m;

    memset(&m, 0, sizeof(m));
    e->fake.image[5000] ^= 1;
    assert_int_equal(download(e, &m, &p, &err), FWDEV_ERR_CHECKSUM);
    assert_string_equal(fwdev_status_for(FWDEV_ERR_CHECKSUM), "InvalidSignature");
}

static void file_download_resumes_a_partial_file(void **state)
{
    struct env *e = *state;
    struct fwdev_progress p;
    struct fwdev_offer o;
    struct fwdev_err err;
    char path[] = "/tmp/fwdev-test.XXXXXX";
    int fd = mkstemp(path);
    FILE *f;

    assert_true(fd >= 0);
    close(fd);
    offer_of(e, &o);
    e->fake.cut_at = 6000;
    e->fake.cuts = 1;
    start(e, "10.2.0", 1);
    e->dev.cfg.attempts = 1;
    assert_int_equal(fwdev_download_file(&e->dev, &o, path, &p, &err), FWDEV_ERR_TRANSPORT);
    assert_int_equal(p.have, 6000);
    assert_int_equal(fwdev_download_file(&e->dev, &o, path, &p, &err), FWDEV_OK);
    assert_int_equal(p.resumed_at, 6000);
    f = fopen(path, "rb");
    assert_non_null(f);
    assert_int_equal(fseek(f, 0, SEEK_END), 0);
    assert_int_equal(ftell(f), IMG_LEN);
    fclose(f);
    unlink(path);
}

/* ---- image signatures ---- */

static void image_signature_from_the_answer_or_sig_file(void **state)
{
    static unsigned char der[SIGN_MAX];
    struct env *e = *state;
    char b64[BASE64_ENCODED_LEN(SIGN_MAX)];
    unsigned char digest[32];
    struct fwdev_offer o;
    struct fwdev_err err;

    sha256_buf(e->fake.image, IMG_LEN, digest);
    offer_of(e, &o);
    image_sig_b64(e, e->key, b64);
    o.image_sig_len = (size_t)base64_decode(b64, strlen(b64), o.image_sig, sizeof(o.image_sig));
    assert_int_equal(fwdev_verify_image(&e->dev, &o, digest, &err), FWDEV_OK);
    assert_memory_equal(o.image_key, sign_key_id(e->key), 32);

    offer_of(e, &o); /* no signature in the answer, none on the server */
    assert_int_equal(fwdev_verify_image(&e->dev, &o, digest, &err), FWDEV_ERR_IMAGE_UNSIGNED);
    assert_string_equal(e->fake.last_url, "http://fw.example.com/firmware/EVSE/EVSE.bin.sig");
    e->fake.sig = der; /* then <url>.sig, DER as fwhub sign writes it */
    e->fake.sig_len = (size_t)base64_decode(b64, strlen(b64), der, sizeof(der));
    assert_int_equal(fwdev_verify_image(&e->dev, &o, digest, &err), FWDEV_OK);
    assert_true(o.has_image_key);
}

static void valid_checksum_with_a_bad_signature_is_refused(void **state)
{
    struct env *e = *state;
    char b64[BASE64_ENCODED_LEN(SIGN_MAX)];
    unsigned char digest[32];
    struct fwdev_offer o;
    struct fwdev_err err;

    sha256_buf(e->fake.image, IMG_LEN, digest);
    offer_of(e, &o);
    image_sig_b64(e, e->stranger, b64); /* signed by a key that is not pinned */
    o.image_sig_len = (size_t)base64_decode(b64, strlen(b64), o.image_sig, sizeof(o.image_sig));
    assert_int_equal(fwdev_verify_image(&e->dev, &o, digest, &err), FWDEV_ERR_IMAGE_SIGNATURE);
    memcpy(o.image_key, sign_key_id(e->stranger), 32);
    o.has_image_key = 1;
    assert_int_equal(fwdev_verify_image(&e->dev, &o, digest, &err), FWDEV_ERR_IMAGE_SIGNATURE);
    assert_non_null(strstr(err.msg, "not pinned"));
    assert_string_equal(fwdev_status_for(FWDEV_ERR_IMAGE_SIGNATURE), "InvalidSignature");
}

/* ---- reports and helpers ---- */

static void report_posts_escaped_json_to_the_status_url(void **state)
{
    struct env *e = *state;
    struct fwdev_err err;

    assert_int_equal(fwdev_report(&e->dev, "10.3.0", "InvalidSignature", "bad \"sig\"\n", &err),
                     FWDEV_OK);
    assert_string_equal(e->fake.last_url,
                        "http://fw.example.com/api/v1/devices/" MAC_STR "/status");
    assert_string_equal(e->fake.posted, "{\"version\":\"10.3.0\",\"status\":\"InvalidSignature\","
                                        "\"detail\":\"bad \\\"sig\\\"\\u000a\"}");
    assert_int_equal(fwdev_report(&e->dev, "10.3.0", "Installed", NULL, &err), FWDEV_OK);
    assert_string_equal(e->fake.posted, "{\"version\":\"10.3.0\",\"status\":\"Installed\"}");
}

static void versions_order_as_semver(void **state)
{
    static const char *const ordered[] = {"1.0.0-alpha",  "1.0.0-alpha.1", "1.0.0-alpha.beta",
                                          "1.0.0-beta.2", "1.0.0-beta.11", "1.0.0-rc.1",
                                          "1.0.0",        "v1.0.1",        "10.2.1-custom",
                                          "10.2.1",       "10.3"};
    int c;

    (void)state;
    for (size_t i = 0; i + 1 < sizeof(ordered) / sizeof(ordered[0]); i++) {
        assert_int_equal(fwdev_version_cmp(ordered[i], ordered[i + 1], &c), 0);
        if (c >= 0)
            fail_msg("%s should be below %s", ordered[i], ordered[i + 1]);
    }
    assert_int_equal(fwdev_version_cmp("10.2", "10.2.0+b7", &c), 0);
    assert_int_equal(c, 0);
    assert_int_equal(fwdev_version_cmp("ten", "1.0.0", &c), -1);
    assert_int_equal(fwdev_version_cmp("1.0.0-", "1.0.0", &c), -1);
    assert_int_equal(fwdev_version_cmp("1.0.0-a..b", "1.0.0", &c), -1);
}

static void macs_in_any_spelling_are_one(void **state)
{
    char out[18];

    (void)state;
    assert_int_equal(fwdev_mac_canon("abcdef123456", out), 0);
    assert_string_equal(out, MAC_STR);
    assert_int_equal(fwdev_mac_canon("AB_CD_EF_12_34_56", out), 0);
    assert_int_equal(fwdev_mac_canon("ABCD.EF12.3456", out), 0);
    assert_int_equal(fwdev_mac_canon("00:00:00:00:00:00", out), -1);
    assert_int_equal(fwdev_mac_canon("FF:FF:FF:FF:FF:FF", out), -1);
    assert_int_equal(fwdev_mac_canon("AB:CD:EF:12:34", out), -1);
    assert_int_equal(fwdev_mac_canon("AB:CD:EF:12:34:56:78", out), -1);
}

static void bad_configuration_is_refused(void **state)
{
    struct env *e = *state;
    struct fwdev_config cfg = e->dev.cfg;
    struct fwdev d;
    struct fwdev_err err;

    cfg.server = "ftp://x";
    assert_int_equal(fwdev_init(&d, &cfg, &err), FWDEV_ERR_ARG);
    cfg = e->dev.cfg;
    cfg.mac = "nope";
    assert_int_equal(fwdev_init(&d, &cfg, &err), FWDEV_ERR_ARG);
    cfg = e->dev.cfg;
    cfg.version = "ten";
    assert_int_equal(fwdev_init(&d, &cfg, &err), FWDEV_ERR_ARG);
    cfg = e->dev.cfg;
    cfg.model = "EV SE";
    assert_int_equal(fwdev_init(&d, &cfg, &err), FWDEV_ERR_ARG);
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        T(signed_targeted_answer_is_accepted),
        T(unsigned_answer_is_refused_unless_allowed),
        T(answer_signed_with_an_unknown_key_is_refused),
        T(answer_for_another_mac_is_refused),
        T(replayed_answer_after_its_expiry_is_refused),
        T(downgrade_is_refused_but_a_signed_rollback_is_not),
        T(fields_outside_the_signed_part_must_agree_with_it),
        T(changed_signed_payload_fails),
        T(malformed_answers_are_refused),
        T(overlong_url_is_refused_not_truncated),
        T(check_asks_the_update_url_with_escaped_parameters),
        T(download_hashes_the_whole_image),
        T(cut_download_resumes_with_range),
        T(server_that_ignores_range_restarts_the_hash),
        T(more_bytes_than_announced_are_refused),
        T(stalled_server_times_out_and_keeps_what_arrived),
        T(tampered_byte_fails_the_checksum),
        T(file_download_resumes_a_partial_file),
        T(image_signature_from_the_answer_or_sig_file),
        T(valid_checksum_with_a_bad_signature_is_refused),
        T(report_posts_escaped_json_to_the_status_url),
        T(versions_order_as_semver),
        T(macs_in_any_spelling_are_one),
        T(bad_configuration_is_refused),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
