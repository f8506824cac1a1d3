/* devreq.c: the device API's request parsers (path, update query, status body), kept pure so
 * that unit tests and fuzz targets reach them without a server. */
#include "devreq.h"

#include <jansson.h>
#include <stdio.h>
#include <string.h>

#include "core/mac.h"
#include "core/url.h"

/* The status names a device reports: OCPP 2.0.1 firmware states and RolledBack. */
const char *const devreq_status_names[] = {
    "Idle",
    "DownloadScheduled",
    "Downloading",
    "DownloadPaused",
    "Downloaded",
    "DownloadFailed",
    "SignatureVerified",
    "InvalidSignature",
    "InstallScheduled",
    "Installing",
    "InstallRebooting",
    "Installed",
    "InstallationFailed",
    "InstallVerificationFailed",
    "RolledBack",
};
const size_t devreq_status_count = sizeof(devreq_status_names) / sizeof(devreq_status_names[0]);

static int refuse(struct devreq_err *err, const char *field, const char *fmt, const char *arg)
{
    char q[FW_QUOTE_LEN];

    fw_quote(field ? field : "", q);
    memcpy(err->field, q, sizeof(err->field));
    snprintf(err->msg, sizeof(err->msg), fmt, arg);
    return -1;
}

int devreq_query_param(const char *q, size_t n, const char *name, const char **val, size_t *len)
{
    size_t nlen = strlen(name);
    const char *end = q ? q + n : NULL;

    while (q && q < end) {
        const char *amp = memchr(q, '&', (size_t)(end - q));
        const char *stop = amp ? amp : end;

        if ((size_t)(stop - q) > nlen && memcmp(q, name, nlen) == 0 && q[nlen] == '=') {
            *val = q + nlen + 1;
            *len = (size_t)(stop - *val);
            return 1;
        }
        q = amp ? amp + 1 : NULL;
    }
    return 0;
}

enum devreq_endpoint devreq_route(const char *p, size_t n, uint64_t *mac, struct devreq_err *err)
{
    const char *slash = memchr(p, '/', n);
    char raw[DEVREQ_MAC_MAX];
    struct fw_err ferr;
    size_t rest;

    if (!slash)
        return DEVREQ_NOT_FOUND;
    if (url_unescape(p, (size_t)(slash - p), URL_QUERY, raw, sizeof(raw)) < 0)
        return refuse(err, "mac", "%s", "too long or badly escaped"), DEVREQ_BAD_MAC;
    if (mac_parse(raw, mac, &ferr) < 0)
        return refuse(err, "mac", "%s", ferr.msg), DEVREQ_BAD_MAC;
    rest = n - (size_t)(slash - p);
    if (!(rest == 7 && memcmp(slash, "/update", 7) == 0) &&
        !(rest == 7 && memcmp(slash, "/status", 7) == 0))
        return DEVREQ_NOT_FOUND;
    return slash[1] == 'u' ? DEVREQ_UPDATE : DEVREQ_STATUS;
}

static bool model_ok(const char *m)
{
    if (!m[0])
        return false;
    for (; *m; m++)
        if (!((*m >= 'A' && *m <= 'Z') || (*m >= 'a' && *m <= 'z') || (*m >= '0' && *m <= '9') ||
              *m == '_' || *m == '-' || *m == '.'))
            return false;
    return true;
}

int devreq_update_query(const char *q, size_t n, char model[DEVREQ_MODEL_MAX + 1],
                        char version[VERSION_MAX_LEN + 1], struct version *v,
                        struct devreq_err *err)
{
    struct fw_err ferr;
    const char *raw;
    size_t len;

    if (!devreq_query_param(q, n, "model", &raw, &len))
        return refuse(err, "model", "%s", "missing; expected ?model=M");
    if (url_unescape(raw, len, URL_QUERY, model, DEVREQ_MODEL_MAX + 1) < 0 || !model_ok(model))
        return refuse(err, "model", "%s", "expected 1 to 128 letters, digits, '_', '-' or '.'");
    if (!devreq_query_param(q, n, "version", &raw, &len))
        return refuse(err, "version", "%s", "missing; expected &version=V, the running firmware");
    if (url_unescape(raw, len, URL_QUERY, version, VERSION_MAX_LEN + 1) < 0)
        return refuse(err, "version", "%s", "too long or badly escaped");
    if (version_parse(version, v, &ferr) < 0)
        return refuse(err, "version", "%s", ferr.msg);
    return 0;
}

/* Copies the string member val of key into out[cap]; refuses other types, NUL bytes and
 * strings that do not fit. */
static int string_member(const char *key, json_t *val, char *out, size_t cap,
                         struct devreq_err *err)
{
    char msg[64];
    size_t len;

    if (!json_is_string(val))
        return refuse(err, key, "%s", "expected a string");
    len = json_string_length(val);
    if (len >= cap) {
        snprintf(msg, sizeof(msg), "longer than %zu bytes", cap - 1);
        return refuse(err, key, "%s", msg);
    }
    if (strlen(json_string_value(val)) != len)
        return refuse(err, key, "%s", "contains a NUL character (\\u0000)");
    memcpy(out, json_string_value(val), len + 1);
    return 0;
}

/* "expected one of A, B, ..." from the table of names. */
static int bad_status(const char *const *names, size_t n_names, struct devreq_err *err)
{
    char list[FW_ERRLEN - 32];
    size_t at = 0;

    list[0] = '\0';
    for (size_t i = 0; i < n_names && at < sizeof(list); i++) {
        int w = snprintf(list + at, sizeof(list) - at, "%s%s", i ? ", " : "", names[i]);

        if (w < 0)
            break;
        at += (size_t)w;
    }
    return refuse(err, "status", "expected one of %s", list);
}

static int read_members(json_t *root, const char *const *names, size_t n_names,
                        struct devreq_status *st, struct devreq_err *err)
{
    char status[64] = "";
    struct fw_err ferr;
    struct version v;
    bool has_version = false, has_status = false;
    const char *key;
    json_t *val;

    json_object_foreach(root, key, val)
    {
        if (strcmp(key, "version") == 0) {
            if (string_member(key, val, st->version, sizeof(st->version), err) < 0)
                return -1;
            has_version = true;
        } else if (strcmp(key, "status") == 0) {
            if (!json_is_string(val))
                return refuse(err, key, "%s", "expected a string");
            if (json_string_length(val) < sizeof(status) &&
                string_member(key, val, status, sizeof(status), err) < 0)
                return -1;
            has_status = true;
        } else if (strcmp(key, "detail") == 0) {
            if (json_is_null(val))
                continue;
            if (string_member(key, val, st->detail, sizeof(st->detail), err) < 0)
                return -1;
            st->has_detail = true;
        } else if (!key[0]) {
            return refuse(err, "body", "%s",
                          "a member with an empty name; expected version, status, detail");
        } else {
            return refuse(err, key, "%s", "unknown member; expected version, status, detail");
        }
    }
    if (!has_version)
        return refuse(err, "version", "%s", "missing; expected the running firmware");
    if (version_parse(st->version, &v, &ferr) < 0)
        return refuse(err, "version", "%s", ferr.msg);
    st->status = -1;
    for (size_t i = 0; has_status && i < n_names; i++)
        if (strcmp(names[i], status) == 0)
            st->status = (int)i;
    if (st->status < 0)
        return bad_status(names, n_names, err);
    return 0;
}

int devreq_status_body(const char *body, size_t len, const char *const *names, size_t n_names,
                       struct devreq_status *st, struct devreq_err *err)
{
    char where[FW_QUOTE_LEN], msg[FW_ERRLEN];
    json_error_t jerr;
    json_t *root;
    int rc = -1;

    memset(st, 0, sizeof(*st));
    root = json_loadb(body ? body : "", len, JSON_REJECT_DUPLICATES, &jerr);
    if (!root) {
        snprintf(msg, sizeof(msg), "expected a JSON object: %s at line %d, column %d",
                 fw_quote(jerr.text, where), jerr.line, jerr.column);
        return refuse(err, "body", "%s", msg);
    }
    if (!json_is_object(root)) {
        refuse(err, "body", "%s", "expected a JSON object");
        goto out;
    }
    rc = read_members(root, names, n_names, st, err);
out:
    json_decref(root);
    return rc;
}
