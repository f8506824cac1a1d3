/* fwdev_util.c: messages, names, keys and the small parsers (MAC, version, hex, base64). */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "fwdev_int.h"

int fwdev_fail(struct fwdev_err *err, int code, const char *fmt, ...)
{
    va_list ap;

    if (!err)
        return code;
    va_start(ap, fmt);
    vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
    va_end(ap);
    return code;
}

int fwdev_context(struct fwdev_err *err, int code, const char *fmt, ...)
{
    char prefix[FWDEV_ERR_MAX], old[FWDEV_ERR_MAX];
    va_list ap;

    if (!err)
        return code;
    memcpy(old, err->msg, sizeof(old));
    va_start(ap, fmt);
    vsnprintf(prefix, sizeof(prefix), fmt, ap);
    va_end(ap);
    snprintf(err->msg, sizeof(err->msg), "%s: %s", prefix, old);
    return code;
}

void fwdev_log(const struct fwdev *d, const char *fmt, ...)
{
    char line[FWDEV_ERR_MAX + FWDEV_URL_MAX];
    va_list ap;

    if (!d->cfg.log)
        return;
    va_start(ap, fmt);
    vsnprintf(line, sizeof(line), fmt, ap);
    va_end(ap);
    d->cfg.log(d->cfg.log_ctx, line);
}

const char *fwdev_result_name(int r)
{
    static const char *const names[] = {
        "FWDEV_OK",
        "FWDEV_NO_UPDATE",
        "FWDEV_ERR_ARG",
        "FWDEV_ERR_NOMEM",
        "FWDEV_ERR_TRANSPORT",
        "FWDEV_ERR_TIMEOUT",
        "FWDEV_ERR_HTTP",
        "FWDEV_ERR_ANSWER",
        "FWDEV_ERR_UNSIGNED",
        "FWDEV_ERR_ANSWER_SIGNATURE",
        "FWDEV_ERR_WRONG_DEVICE",
        "FWDEV_ERR_EXPIRED",
        "FWDEV_ERR_DOWNGRADE",
        "FWDEV_ERR_TOO_LARGE",
        "FWDEV_ERR_SIZE",
        "FWDEV_ERR_CHECKSUM",
        "FWDEV_ERR_IMAGE_UNSIGNED",
        "FWDEV_ERR_IMAGE_SIGNATURE",
        "FWDEV_ERR_IO",
        "FWDEV_ERR_ABORTED",
    };

    if (r < 0 || (size_t)r >= sizeof(names) / sizeof(names[0]))
        return "FWDEV_ERR_UNKNOWN";
    return names[r];
}

const char *fwdev_status_for(int r)
{
    switch (r) {
    case FWDEV_OK:
    case FWDEV_NO_UPDATE:
        return NULL;
    case FWDEV_ERR_UNSIGNED:
    case FWDEV_ERR_ANSWER_SIGNATURE:
    case FWDEV_ERR_WRONG_DEVICE:
    case FWDEV_ERR_EXPIRED:
    case FWDEV_ERR_CHECKSUM:
    case FWDEV_ERR_IMAGE_UNSIGNED:
    case FWDEV_ERR_IMAGE_SIGNATURE:
        return "InvalidSignature";
    case FWDEV_ERR_DOWNGRADE:
        return "InstallationFailed";
    default:
        return "DownloadFailed";
    }
}

void fwdev_hex(const uint8_t id[FWDEV_SHA256_LEN], char out[65])
{
    static const char digits[] = "0123456789abcdef";

    for (size_t i = 0; i < FWDEV_SHA256_LEN; i++) {
        out[2 * i] = digits[id[i] >> 4];
        out[2 * i + 1] = digits[id[i] & 15];
    }
    out[64] = '\0';
}

static int hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

int fwdev_unhex(const char *s, uint8_t *out, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        int hi = hexval(s[2 * i]), lo = hi < 0 ? -1 : hexval(s[2 * i + 1]);

        if (lo < 0)
            return -1;
        out[i] = (uint8_t)(hi << 4 | lo);
    }
    return s[2 * n] == '\0' ? 0 : -1;
}

static int b64val(char c)
{
    if (c >= 'A' && c <= 'Z')
        return c - 'A';
    if (c >= 'a' && c <= 'z')
        return c - 'a' + 26;
    if (c >= '0' && c <= '9')
        return c - '0' + 52;
    return c == '+' ? 62 : c == '/' ? 63 : -1;
}

long fwdev_unbase64(const char *s, size_t len, uint8_t *out, size_t max)
{
    size_t o = 0;

    if (len % 4 != 0)
        return -1;
    for (size_t i = 0; i < len; i += 4) {
        int pad = s[i + 3] == '=' ? (s[i + 2] == '=' ? 2 : 1) : 0;
        uint32_t v = 0;

        if (pad && i + 4 != len)
            return -1;
        for (int k = 0; k < 4 - pad; k++) {
            int x = b64val(s[i + (size_t)k]);

            if (x < 0)
                return -1;
            v = v << 6 | (uint32_t)x;
        }
        v <<= 6 * pad;
        if (o + (size_t)(3 - pad) > max || (pad == 1 && (v & 0xff)) || (pad == 2 && (v & 0xffff)))
            return -1;
        for (int k = 0; k < 3 - pad; k++)
            out[o++] = (uint8_t)(v >> (16 - 8 * k));
    }
    return (long)o;
}

int fwdev_mac_canon(const char *s, char out[18])
{
    static const char digits[] = "0123456789ABCDEF";
    uint8_t b[6] = {0};
    size_t n = 0;
    int all0 = 1, all1 = 1;

    for (; *s; s++) {
        int v = hexval(*s);

        if (v < 0 && (*s == ':' || *s == '-' || *s == '_' || *s == '.'))
            continue;
        if (v < 0 || n == 12)
            return -1;
        b[n / 2] = (uint8_t)(b[n / 2] << 4 | v);
        n++;
    }
    if (n != 12)
        return -1;
    for (size_t i = 0; i < 6; i++) {
        all0 &= b[i] == 0x00;
        all1 &= b[i] == 0xFF;
        out[3 * i] = digits[b[i] >> 4];
        out[3 * i + 1] = digits[b[i] & 15];
        out[3 * i + 2] = i < 5 ? ':' : '\0';
    }
    return all0 || all1 ? -1 : 0;
}

/* ---- versions ---- */

struct ver {
    uint64_t num[3];
    const char *pre; /* after '-', up to '+' or the end; NULL when none */
    size_t pre_len;
};

static int parse_num(const char **s, uint64_t *v)
{
    const char *p = *s;

    *v = 0;
    if (*p < '0' || *p > '9')
        return -1;
    for (; *p >= '0' && *p <= '9'; p++) {
        if (*v > (UINT64_MAX - (uint64_t)(*p - '0')) / 10)
            return -1;
        *v = *v * 10 + (uint64_t)(*p - '0');
    }
    *s = p;
    return 0;
}

static int ident_chars(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        char c = s[i];

        if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
              c == '-' || (c == '.' && i > 0 && i + 1 < n && s[i - 1] != '.')))
            return -1;
    }
    return n > 0 ? 0 : -1;
}

static int parse_version(const char *s, struct ver *v)
{
    const char *plus;

    memset(v, 0, sizeof(*v));
    if (*s == 'v' || *s == 'V')
        s++;
    for (int i = 0; i < 3; i++) {
        if (parse_num(&s, &v->num[i]) < 0)
            return -1;
        if (*s != '.')
            break;
        s++;
    }
    plus = strchr(s, '+');
    if (*s == '-') {
        v->pre = s + 1;
        v->pre_len = plus ? (size_t)(plus - v->pre) : strlen(v->pre);
        if (ident_chars(v->pre, v->pre_len) < 0)
            return -1;
        s = v->pre + v->pre_len;
    }
    if (*s == '+')
        return ident_chars(s + 1, strlen(s + 1));
    return *s == '\0' ? 0 : -1;
}

static int is_numeric(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (s[i] < '0' || s[i] > '9')
            return 0;
    return 1;
}

/* One dot-separated identifier of a pre-release against another (SemVer 2.0 section 11). */
static int cmp_ident(const char *a, size_t an, const char *b, size_t bn)
{
    int na = is_numeric(a, an), nb = is_numeric(b, bn);
    int c;

    if (na && nb) {
        while (an > 1 && *a == '0')
            a++, an--;
        while (bn > 1 && *b == '0')
            b++, bn--;
        if (an != bn)
            return an < bn ? -1 : 1;
        return memcmp(a, b, an);
    }
    if (na != nb)
        return na ? -1 : 1;
    c = memcmp(a, b, an < bn ? an : bn);
    return c ? c : (an < bn ? -1 : an > bn);
}

static int cmp_pre(const struct ver *a, const struct ver *b)
{
    const char *p = a->pre, *q = b->pre, *pe, *qe;

    if (!a->pre || !b->pre)
        return !a->pre - !b->pre; /* a release is above its pre-releases */
    pe = a->pre + a->pre_len;     /* only now: NULL + 0 is undefined in C */
    qe = b->pre + b->pre_len;
    while (p < pe && q < qe) {
        const char *pd = memchr(p, '.', (size_t)(pe - p)), *qd = memchr(q, '.', (size_t)(qe - q));
        size_t pn = pd ? (size_t)(pd - p) : (size_t)(pe - p);
        size_t qn = qd ? (size_t)(qd - q) : (size_t)(qe - q);
        int c = cmp_ident(p, pn, q, qn);

        if (c)
            return c;
        p += pn + (pd != NULL);
        q += qn + (qd != NULL);
    }
    return (p < pe) - (q < qe);
}

int fwdev_version_cmp(const char *a, const char *b, int *cmp)
{
    struct ver x, y;

    if (parse_version(a, &x) < 0 || parse_version(b, &y) < 0)
        return -1;
    for (int i = 0; i < 3; i++)
        if (x.num[i] != y.num[i]) {
            *cmp = x.num[i] < y.num[i] ? -1 : 1;
            return 0;
        }
    *cmp = cmp_pre(&x, &y);
    return 0;
}

/* ---- hashing and keys ---- */

int fwdev_sha256(const struct fwdev_crypto *c, const void *data, size_t len,
                 uint8_t out[FWDEV_SHA256_LEN])
{
    void *h = c->sha256_begin(c->ctx);

    if (!h)
        return -1;
    c->sha256_update(h, data, len);
    c->sha256_end(h, out);
    return 0;
}

const struct fwdev_key *fwdev_find_key(const struct fwdev *d, const uint8_t id[FWDEV_SHA256_LEN])
{
    for (size_t i = 0; i < d->cfg.n_keys; i++)
        if (memcmp(d->cfg.keys[i].id, id, FWDEV_SHA256_LEN) == 0)
            return &d->cfg.keys[i];
    return NULL;
}

/* The base64 text between the PEM armour lines, without line breaks, into b64. */
static int pem_body(const char *pem, size_t len, char *b64, size_t cap, size_t *n)
{
    static const char begin[] = "-----BEGIN PUBLIC KEY-----", end[] = "-----END PUBLIC KEY-----";
    const char *p = pem, *stop = pem + len, *e;

    while (p + sizeof(begin) - 1 <= stop && memcmp(p, begin, sizeof(begin) - 1) != 0)
        p++;
    if (p + sizeof(begin) - 1 > stop)
        return -1;
    p += sizeof(begin) - 1;
    for (e = p; e + sizeof(end) - 1 <= stop && memcmp(e, end, sizeof(end) - 1) != 0; e++)
        ;
    if (e + sizeof(end) - 1 > stop)
        return -1;
    for (*n = 0; p < e; p++) {
        if (*p == '\n' || *p == '\r' || *p == ' ' || *p == '\t')
            continue;
        if (*n + 1 >= cap)
            return -1;
        b64[(*n)++] = *p;
    }
    b64[*n] = '\0';
    return 0;
}

int fwdev_key_from_pem(struct fwdev_key *k, const char *pem, size_t len,
                       const struct fwdev_crypto *c, struct fwdev_err *err)
{
    char b64[FWDEV_KEY_MAX * 4 / 3 + 8];
    size_t n = 0;
    long der;

    if (pem_body(pem, len, b64, sizeof(b64), &n) < 0)
        return fwdev_fail(err, FWDEV_ERR_ARG,
                          "expected a PEM public key (-----BEGIN PUBLIC KEY-----) of at most "
                          "%d bytes",
                          FWDEV_KEY_MAX);
    der = fwdev_unbase64(b64, n, k->der, sizeof(k->der));
    if (der <= 0)
        return fwdev_fail(err, FWDEV_ERR_ARG, "the PEM public key is not valid base64");
    k->der_len = (size_t)der;
    if (fwdev_sha256(c, k->der, k->der_len, k->id) < 0)
        return fwdev_fail(err, FWDEV_ERR_NOMEM, "out of memory");
    return FWDEV_OK;
}
