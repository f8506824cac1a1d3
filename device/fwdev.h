/* fwdev.h: the fwhub device library: check for an update, download, verify, report. */
#ifndef FWDEV_H
#define FWDEV_H

/*
 * A device (or the phone app that updates it) uses the library in four steps:
 *
 *   fwdev_check          GET {server}/api/v1/devices/{mac}/update?model=&version=, parse the
 *                        answer, verify its signature with the pinned keys, and refuse an
 *                        answer for another MAC or model, an expired one, and a downgrade
 *                        (only a signed rollback may lower the version);
 *   fwdev_download(_file) fetch the image, resuming with Range after a cut, hashing it on the
 *                        way, never taking more bytes than the answer announced;
 *   fwdev_verify_image   check the image's signature (the answer's, or <url>.sig);
 *   fwdev_report         POST {server}/api/v1/devices/{mac}/status with an OCPP 2.0.1
 *                        firmware status (fwdev_status_for names the one for a failure).
 *
 * The library is portable C99: no global state, no printing, no threads, no file system
 * except in fwdev_download_file. SHA-256, signature checks and HTTP come through two small
 * tables of functions (struct fwdev_crypto, struct fwdev_transport). The host versions are
 * built on OpenSSL (host_openssl.c) and libcurl (host_curl.c); on ESP-IDF they would be
 * written on mbedTLS and esp_http_client. What is signed is described in
 * src/crypto/sign.h (images) and src/crypto/answer.h (answers) of fwhub.
 *
 * Every function that can fail returns an enum fwdev_result and, unless it is FWDEV_OK
 * (or FWDEV_NO_UPDATE), writes a sentence into the caller's struct fwdev_err.
 */

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(__GNUC__)
#define FWDEV_NODISCARD __attribute__((warn_unused_result))
#else
#define FWDEV_NODISCARD
#endif

#define FWDEV_SHA256_LEN  32
#define FWDEV_SIG_MAX     72  /* bytes of the longest signature (ECDSA P-256, DER) */
#define FWDEV_KEY_MAX     128 /* bytes of a public key's DER form */
#define FWDEV_VERSION_MAX 128
#define FWDEV_MODEL_MAX   128
#define FWDEV_URL_MAX     2048
#define FWDEV_ERR_MAX     256
#define FWDEV_DETAIL_MAX  512                  /* bytes of a status report's detail that are sent */
#define FWDEV_ANSWER_MAX  (64 * 1024)          /* default bound of an update answer */
#define FWDEV_IMAGE_MAX   (64ul * 1024 * 1024) /* default bound of an image */
#define FWDEV_ATTEMPTS    5                    /* default tries of one download */

enum fwdev_result {
    FWDEV_OK = 0,               /* done */
    FWDEV_NO_UPDATE,            /* fwdev_check: nothing to install */
    FWDEV_ERR_ARG,              /* a bad argument or configuration */
    FWDEV_ERR_NOMEM,            /* out of memory */
    FWDEV_ERR_TRANSPORT,        /* no connection, or the connection was cut */
    FWDEV_ERR_TIMEOUT,          /* the server stalled */
    FWDEV_ERR_HTTP,             /* an unexpected HTTP status */
    FWDEV_ERR_ANSWER,           /* the answer is not what the API promises */
    FWDEV_ERR_UNSIGNED,         /* the answer has no signature and one is required */
    FWDEV_ERR_ANSWER_SIGNATURE, /* the answer's signature is bad or by a key not pinned, or
                                   its unsigned fields contradict its signed part */
    FWDEV_ERR_WRONG_DEVICE,     /* the answer is for another MAC or model */
    FWDEV_ERR_EXPIRED,          /* the signed answer has expired: a replay */
    FWDEV_ERR_DOWNGRADE,        /* not above the running version, and not a signed rollback */
    FWDEV_ERR_TOO_LARGE,        /* more bytes than announced, or than the device accepts */
    FWDEV_ERR_SIZE,             /* the transfer ended short of the announced size */
    FWDEV_ERR_CHECKSUM,         /* the image's SHA-256 is not the announced one */
    FWDEV_ERR_IMAGE_UNSIGNED,   /* the image has no signature and one is required */
    FWDEV_ERR_IMAGE_SIGNATURE,  /* the image's signature is bad or by a key not pinned */
    FWDEV_ERR_IO,               /* the local file or sink failed */
    FWDEV_ERR_ABORTED           /* a callback of the caller stopped the transfer */
};

struct fwdev_err {
    char msg[FWDEV_ERR_MAX];
};

/* "FWDEV_ERR_TIMEOUT" and so on, for logs. */
const char *fwdev_result_name(int r);

/* The OCPP 2.0.1 firmware status a failure is reported as: DownloadFailed (transport,
 * timeout, HTTP, size, too large, I/O), InvalidSignature (any signature, expiry, MAC,
 * model or checksum failure: the image or answer is not the one vouched for),
 * InstallationFailed (a downgrade, which the device refuses to install), or NULL for
 * FWDEV_OK and FWDEV_NO_UPDATE. */
const char *fwdev_status_for(int r);

/* ---- the seams ---- */

/* SHA-256 and signature checks. ctx is passed back to every function. */
struct fwdev_crypto {
    void *ctx;
    /* Starts a SHA-256; returns its state, or NULL when out of memory. */
    void *(*sha256_begin)(void *ctx);
    void (*sha256_update)(void *state, const void *data, size_t len);
    /* Writes the digest into out (unless out is NULL) and releases the state. */
    void (*sha256_end)(void *state, uint8_t out[FWDEV_SHA256_LEN]);
    /* 1 when sig is a valid signature of the 32-byte SHA-256 digest by the public key
     * (DER SubjectPublicKeyInfo): ECDSA P-256 over that digest, or Ed25519 with the digest
     * as its message. 0 otherwise, also for a key type it does not support. */
    int (*verify)(void *ctx, const uint8_t *key, size_t key_len,
                  const uint8_t digest[FWDEV_SHA256_LEN], const uint8_t *sig, size_t sig_len);
};

struct fwdev_http_request {
    const char *method; /* "GET" or "POST" */
    const char *url;
    const char *content_type; /* POST: the body's */
    const void *body;
    size_t body_len;
    uint64_t range_from; /* GET: above 0 asks for the bytes from there on (Range: bytes=N-) */
};

struct fwdev_http_handler {
    void *arg;
    /* Called once before any byte of the body: the status, the offset of the body's first
     * byte in the whole file (a 206's Content-Range; 0 otherwise) and the Content-Length
     * (-1 when unknown). Non-zero stops the transfer. */
    int (*head)(void *arg, int status, uint64_t first_byte, int64_t length);
    /* Called with each piece of the body, in order. Non-zero stops the transfer. */
    int (*body)(void *arg, const void *data, size_t len);
};

/* HTTP. request performs one request and returns FWDEV_OK once a whole response has
 * arrived, whatever its status; FWDEV_ERR_ABORTED when head or body stopped it;
 * FWDEV_ERR_TIMEOUT when the server stalled; FWDEV_ERR_TRANSPORT for any other failure
 * (no connection, a connection cut before the end), with err->msg. */
struct fwdev_transport {
    void *ctx;
    int (*request)(void *ctx, const struct fwdev_http_request *rq,
                   const struct fwdev_http_handler *h, struct fwdev_err *err);
};

/* ---- keys ---- */

/* A pinned public key. */
struct fwdev_key {
    uint8_t der[FWDEV_KEY_MAX]; /* SubjectPublicKeyInfo */
    size_t der_len;
    uint8_t id[FWDEV_SHA256_LEN]; /* SHA-256 of der: fwhub's key id */
};

/* Reads a PEM public key ("-----BEGIN PUBLIC KEY-----", as `fwhub keygen` writes it) of
 * len bytes into k, and computes its id with c. */
int fwdev_key_from_pem(struct fwdev_key *k, const char *pem, size_t len,
                       const struct fwdev_crypto *c, struct fwdev_err *err) FWDEV_NODISCARD;

/* ---- the device ---- */

struct fwdev_config {
    const char *server;           /* base URL: "https://fw.example.com" (a path prefix is kept) */
    const char *mac;              /* this device's MAC address, in any common spelling */
    const char *model;            /* its hardware model */
    const char *version;          /* the running firmware */
    const struct fwdev_key *keys; /* the pinned keys; the caller's, for the device's life */
    size_t n_keys;
    int require_signed_answer; /* 1 in production: answers without a valid signature are
                                  refused; 0 accepts them (never for a rollback) */
    int require_signed_image;  /* 1 in production */
    uint64_t max_image;        /* largest image accepted; 0: FWDEV_IMAGE_MAX */
    size_t max_answer;         /* largest answer read; 0: FWDEV_ANSWER_MAX */
    unsigned attempts;         /* tries of one download, each resuming; 0: FWDEV_ATTEMPTS */
    const struct fwdev_crypto *crypto;
    const struct fwdev_transport *transport;
    int64_t (*now)(void *ctx); /* Unix seconds, for the expiry of answers; NULL: time() */
    void *now_ctx;
    void (*log)(void *ctx, const char *msg); /* optional: what the library is doing */
    void *log_ctx;
};

/* One device. The caller owns it (static, stack or heap); it holds no pointer into itself. */
struct fwdev {
    struct fwdev_config cfg;
    char mac[18];                /* canonical: "AB:CD:EF:12:34:56" */
    char url[FWDEV_URL_MAX + 1]; /* workspace for the URLs of requests */
};

/* Checks cfg (server, MAC, model, version, crypto and transport are required) and
 * prepares d. Pointers in cfg must stay valid while d is used. */
int fwdev_init(struct fwdev *d, const struct fwdev_config *cfg,
               struct fwdev_err *err) FWDEV_NODISCARD;

enum fwdev_kind { FWDEV_NONE, FWDEV_GENERAL, FWDEV_TARGETED, FWDEV_ROLLBACK };

/* What an answer offers, once checked. */
struct fwdev_offer {
    enum fwdev_kind kind;
    char version[FWDEV_VERSION_MAX + 1];
    char url[FWDEV_URL_MAX + 1]; /* absolute; with a targeted download token */
    uint8_t sha256[FWDEV_SHA256_LEN];
    uint64_t size;
    int answer_signed; /* 1: the answer's signature was verified, and kind, version, sha256
                          and size come from its signed part */
    int64_t expires;   /* the signed answer's expiry; 0 when unsigned */
    uint8_t image_sig[FWDEV_SIG_MAX];    /* the answer's "signature" of the image */
    size_t image_sig_len;                /* 0 when the answer has none */
    uint8_t image_key[FWDEV_SHA256_LEN]; /* its "key_id"; after fwdev_verify_image, the
                                            id of the key that verified the image */
    int has_image_key;
};

/* Asks the server whether there is an update, and checks the answer (fwdev_parse_answer).
 * FWDEV_OK with *o filled, FWDEV_NO_UPDATE, or an error. */
int fwdev_check(struct fwdev *d, struct fwdev_offer *o, struct fwdev_err *err) FWDEV_NODISCARD;

/* Checks an answer that arrived some other way (a phone app relaying it): len bytes of
 * JSON. Only the fields needed are read; the parser is bounded (nesting, string sizes). */
int fwdev_parse_answer(const struct fwdev *d, const char *json, size_t len, struct fwdev_offer *o,
                       struct fwdev_err *err) FWDEV_NODISCARD;

/* Where a download writes. */
struct fwdev_sink {
    void *ctx;
    /* Stores len bytes at offset. Offsets follow each other, except that a download the
     * server will not resume starts again at 0. Returns 0, or non-zero to fail. */
    int (*write)(void *ctx, uint64_t offset, const void *data, size_t len);
    /* Optional, to resume: reads up to len bytes at offset into buf; returns how many,
     * or -1. Without it a download never resumes from bytes stored before the call. */
    long (*read)(void *ctx, uint64_t offset, void *buf, size_t len);
};

struct fwdev_progress {
    uint64_t have;                    /* in: bytes the sink holds already; out: bytes it holds */
    uint64_t resumed_at;              /* out: the first offset a request resumed from (0: none) */
    unsigned requests;                /* out: requests made */
    uint8_t digest[FWDEV_SHA256_LEN]; /* out: the image's SHA-256, once complete */
};

/* Downloads o's image into sink, after the p->have bytes it holds (hashed again through
 * sink->read). A cut or stalled transfer is resumed with Range, up to cfg.attempts
 * requests. More bytes than o->size stop the transfer (FWDEV_ERR_TOO_LARGE). When the
 * image is complete its SHA-256 is compared with o->sha256 (FWDEV_ERR_CHECKSUM). On a
 * failure the sink keeps what it received, and p->have says how much. */
int fwdev_download(struct fwdev *d, const struct fwdev_offer *o, const struct fwdev_sink *sink,
                   struct fwdev_progress *p, struct fwdev_err *err) FWDEV_NODISCARD;

/* fwdev_download into the file path (stdio): a file holding the first bytes of the
 * image is resumed; one holding more than the image is started again. p may be NULL. */
int fwdev_download_file(struct fwdev *d, const struct fwdev_offer *o, const char *path,
                        struct fwdev_progress *p, struct fwdev_err *err) FWDEV_NODISCARD;

/* Checks the image's signature of digest (p->digest of the download) with the pinned
 * keys: the answer's signature, else <url>.sig fetched from the server (DER). Without a
 * signature: FWDEV_ERR_IMAGE_UNSIGNED when cfg.require_signed_image, else FWDEV_OK with
 * o->has_image_key 0. */
int fwdev_verify_image(struct fwdev *d, struct fwdev_offer *o,
                       const uint8_t digest[FWDEV_SHA256_LEN],
                       struct fwdev_err *err) FWDEV_NODISCARD;

/* Reports status (an OCPP 2.0.1 firmware status, or RolledBack) about version to the
 * server; detail may be NULL and is cut to FWDEV_DETAIL_MAX bytes. */
int fwdev_report(struct fwdev *d, const char *version, const char *status, const char *detail,
                 struct fwdev_err *err) FWDEV_NODISCARD;

/* Lower-case hex of a key id (or digest) into out[65]. */
void fwdev_hex(const uint8_t id[FWDEV_SHA256_LEN], char out[65]);

/* ---- host implementations ---- */

/* host_openssl.c: SHA-256 and verification with OpenSSL 3. */
void fwdev_openssl_crypto(struct fwdev_crypto *c);

/* host_curl.c: HTTP(S) with libcurl, one connection reused between requests. A transfer
 * fails with FWDEV_ERR_TIMEOUT when connecting takes more than connect_s seconds or no
 * byte arrives for stall_s seconds. fwdev_curl_close releases what fwdev_curl_open made. */
int fwdev_curl_open(struct fwdev_transport *t, long connect_s, long stall_s,
                    struct fwdev_err *err) FWDEV_NODISCARD;
void fwdev_curl_close(struct fwdev_transport *t);

#ifdef __cplusplus
}
#endif

#endif
