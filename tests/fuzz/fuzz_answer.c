/* fuzz_answer.c: libFuzzer target for the device library's answer parser (fwdev_parse_answer),
 * as a device that requires signed answers and as one that does not. The pinned key is the
 * fixed one below, so that seeds signed with it (tests/fuzz/corpus/answer/) reach the checks
 * after the signature; it signs nothing but fuzz seeds. */
#include "crypto/sign.h"
#include "fuzz.h"
#include "fwdev_int.h"

#define NOW 1735084800 /* 2024-12-25T00:00:00Z */

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

static const char seed_key[] = "-----BEGIN PRIVATE KEY-----\n"
                               "MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgRro1tX3W92j4AeuT\n"
                               "7XSo7nBIH8jfrMD4tIVQ+MaDgNmhRANCAAQknnNrJKC38LvcxHrqfBjSuoB68Dqq\n"
                               "58cV4N77bQM1gjdJjoai8knyM7vxq0QXQTyHiKWxhBXuxwo/780wCX6O\n"
                               "-----END PRIVATE KEY-----\n";

static struct fwdev_crypto crypto;
static struct fwdev_key pinned;
static struct fwdev strict, lax;

static int no_transport(void *ctx, const struct fwdev_http_request *rq,
                        const struct fwdev_http_handler *h, struct fwdev_err *err)
{
    (void)ctx;
    (void)rq;
    (void)h;
    snprintf(err->msg, sizeof(err->msg), "no network while fuzzing");
    return FWDEV_ERR_TRANSPORT;
}

static const struct fwdev_transport transport = {NULL, no_transport};

static int64_t fixed_now(void *ctx)
{
    (void)ctx;
    return NOW;
}

static void device(struct fwdev *d, int require_signed)
{
    struct fwdev_config cfg;
    struct fwdev_err err;

    memset(&cfg, 0, sizeof(cfg));
    cfg.server = "http://fw.example.com/";
    cfg.mac = "AB:CD:EF:12:34:56";
    cfg.model = "EVSEPARKER_V2_GEN2";
    cfg.version = "10.2.0";
    cfg.keys = &pinned;
    cfg.n_keys = 1;
    cfg.require_signed_answer = require_signed;
    cfg.require_signed_image = 1;
    cfg.crypto = &crypto;
    cfg.transport = &transport;
    cfg.now = fixed_now;
    if (fwdev_init(d, &cfg, &err) != FWDEV_OK) {
        fprintf(stderr, "fwdev_init: %s\n", err.msg);
        abort();
    }
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    struct sign_key *k = NULL;
    struct fw_err ferr = {""};
    struct fwdev_err err;
    char *pem = NULL;
    size_t len = 0;

    (void)argc;
    (void)argv;
    fwdev_openssl_crypto(&crypto);
    if (sign_key_from_pem(seed_key, strlen(seed_key), true, "seed key", &k, &ferr) < 0 ||
        sign_key_pem(k, false, &pem, &len, &ferr) < 0 ||
        fwdev_key_from_pem(&pinned, pem, len, &crypto, &err) != FWDEV_OK) {
        fprintf(stderr, "seed key: %s\n", ferr.msg);
        abort();
    }
    free(pem);
    sign_key_free(k);
    device(&strict, 1);
    device(&lax, 0);
    return 0;
}

static void check(const struct fwdev *d, int rc, const struct fwdev_offer *o,
                  const struct fwdev_err *err)
{
    FUZZ_CHECK(rc >= FWDEV_OK && rc <= FWDEV_ERR_ABORTED, "result %d", rc);
    if (getenv("FUZZ_DEBUG")) /* what each seed reaches */
        fprintf(stderr, "%s: %s %s\n", d->cfg.require_signed_answer ? "strict" : "lax",
                fwdev_result_name(rc), rc > FWDEV_NO_UPDATE ? err->msg : "");
    if (rc == FWDEV_NO_UPDATE)
        return;
    if (rc != FWDEV_OK) {
        FUZZ_CHECK(err->msg[0] && memchr(err->msg, '\0', sizeof(err->msg)), "%s without a message",
                   fwdev_result_name(rc));
        return;
    }
    FUZZ_CHECK(o->kind == FWDEV_GENERAL || o->kind == FWDEV_TARGETED || o->kind == FWDEV_ROLLBACK,
               "kind %d", o->kind);
    FUZZ_CHECK(o->version[0] && memchr(o->version, '\0', sizeof(o->version)), "no version");
    FUZZ_CHECK(memchr(o->url, '\0', sizeof(o->url)) &&
                   (strncmp(o->url, "http://", 7) == 0 || strncmp(o->url, "https://", 8) == 0),
               "url %.80s", o->url);
    FUZZ_CHECK(o->image_sig_len <= sizeof(o->image_sig), "signature of %zu", o->image_sig_len);
    FUZZ_CHECK(o->answer_signed || !d->cfg.require_signed_answer, "unsigned answer accepted");
    FUZZ_CHECK(o->answer_signed || o->kind != FWDEV_ROLLBACK, "unsigned rollback accepted");
    FUZZ_CHECK(!o->answer_signed || o->expires > NOW, "expired answer accepted");
    if (o->kind != FWDEV_ROLLBACK) {
        int cmp = 0;

        FUZZ_CHECK(fwdev_version_cmp(o->version, d->cfg.version, &cmp) == 0 && cmp > 0,
                   "%s offered over %s", o->version, d->cfg.version);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *s = fuzz_exact(data, size);
    struct fwdev_offer o;
    struct fwdev_err err;
    int rc;

    err.msg[0] = '\0';
    rc = fwdev_parse_answer(&strict, s, size, &o, &err);
    check(&strict, rc, &o, &err);
    err.msg[0] = '\0';
    rc = fwdev_parse_answer(&lax, s, size, &o, &err);
    check(&lax, rc, &o, &err);
    free(s);
    return 0;
}
