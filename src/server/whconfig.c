/* whconfig.c: reads the webhook configuration and each hook's secret, strictly. */
#include "whconfig.h"

#include <jansson.h>
#include <openssl/crypto.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/fsutil.h"
#include "core/jsonpos.h"

const char *const whconfig_event_names[WHC_COUNT] = {
    "target.created", "target.first_answered", "target.downloaded",
    "fix.confirmed",  "device.failure",        "target.expiring",
};

#define EVENT_LIST                                                                                 \
    "target.created, target.first_answered, target.downloaded, fix.confirmed, device.failure, "    \
    "target.expiring, or \"*\""

struct ctx {
    const char *path;
    const char *text;
    size_t len;
    struct fw_err *err;
};

static int bad(const struct ctx *x, const char *where, const char *fmt, ...) FW_PRINTF(3, 4);

/* "path:line:col: where: message". */
static int bad(const struct ctx *x, const char *where, const char *fmt, ...)
{
    char msg[600];
    va_list ap;
    int line = 1, col = 1;

    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    jsonpos_find(x->text, x->len, where, &line, &col);
    return fw_fail(x->err, "%s:%d:%d: %s: %s", x->path, line, col, where[0] ? where : "(top)", msg);
}

static int check_url(const struct ctx *x, const char *where, const char *url)
{
    size_t n = strlen(url);
    size_t scheme = strncmp(url, "http://", 7) == 0 ? 7 : strncmp(url, "https://", 8) == 0 ? 8 : 0;

    if (!scheme)
        return bad(x, where, "expected a URL starting with http:// or https://");
    if (n == scheme || url[scheme] == '/')
        return bad(x, where, "expected a host after %.*s", (int)scheme, url);
    if (n > WHCONFIG_URL_MAX)
        return bad(x, where, "longer than %d characters", WHCONFIG_URL_MAX);
    for (const char *p = url; *p; p++)
        if ((unsigned char)*p <= ' ' || *p == '"' || *p == '\\' || *p == 0x7f)
            return bad(x, where, "a URL may not hold spaces, quotes or control characters");
    return 0;
}

static int read_events(const struct ctx *x, const char *where, json_t *a, unsigned *out)
{
    size_t i;
    json_t *v;
    char at[64];

    if (!json_is_array(a) || json_array_size(a) == 0)
        return bad(x, where, "expected a non-empty list of event names: " EVENT_LIST);
    json_array_foreach(a, i, v)
    {
        const char *name = json_string_value(v);
        int k = 0;

        snprintf(at, sizeof(at), "%s[%zu]", where, i);
        if (!name)
            return bad(x, at, "expected an event name: " EVENT_LIST);
        if (strcmp(name, "*") == 0) {
            *out |= (1u << WHC_COUNT) - 1;
            continue;
        }
        while (k < WHC_COUNT && strcmp(whconfig_event_names[k], name) != 0)
            k++;
        if (k == WHC_COUNT)
            return bad(x, at, "\"%.60s\" is not an event (expected one of " EVENT_LIST ")", name);
        *out |= 1u << k;
    }
    return 0;
}

/* Reads the secret: file relative to the config's folder unless absolute. */
static int read_secret(const struct ctx *x, const char *where, const char *file,
                       struct whconfig_hook *h)
{
    char path[4096], dir[4096];
    const char *slash = strrchr(x->path, '/');
    char *data = NULL;
    size_t len;
    struct fw_err e;

    if (!file[0])
        return bad(x, where, "expected the path of a file holding the secret");
    if (file[0] != '/' && slash) {
        snprintf(dir, sizeof(dir), "%.*s", (int)(slash - x->path), x->path);
        if (fs_join(path, sizeof(path), dir, file) < 0)
            return bad(x, where, "path too long");
    } else {
        snprintf(path, sizeof(path), "%s", file);
    }
    if (fs_read_file(path, WHCONFIG_SECRET_MAX, &data, &len, &e) < 0)
        return bad(x, where, "%s", e.msg);
    while (len && (data[len - 1] == '\n' || data[len - 1] == '\r'))
        data[--len] = '\0';
    if (len < 16) {
        free(data);
        return bad(x, where, "%s: the secret has %zu bytes; at least 16 are needed", path, len);
    }
    h->secret = (unsigned char *)data;
    h->secret_len = len;
    return 0;
}

static int read_hook(const struct ctx *x, size_t i, json_t *o, struct whconfig *c)
{
    struct whconfig_hook *h = &c->hooks[c->n_hooks];
    char at[64], field[96];
    const char *key;
    json_t *v;

    snprintf(at, sizeof(at), "[%zu]", i);
    if (!json_is_object(o))
        return bad(x, at, "expected an object with url, events and secret_file");
    json_object_foreach(o, key, v)
    {
        if (strcmp(key, "url") != 0 && strcmp(key, "events") != 0 &&
            strcmp(key, "secret_file") != 0) {
            snprintf(field, sizeof(field), "%s.%.40s", at, key);
            return bad(x, field, "unknown key (expected url, events, secret_file)");
        }
    }
    snprintf(field, sizeof(field), "%s.url", at);
    v = json_object_get(o, "url");
    if (!json_is_string(v))
        return bad(x, json_object_get(o, "url") ? field : at, "expected url: \"https://...\"");
    if (check_url(x, field, json_string_value(v)) < 0)
        return -1;
    if (whconfig_find(c, json_string_value(v)))
        return bad(x, field, "a second hook with this URL (give one hook several events)");
    snprintf(field, sizeof(field), "%s.events", at);
    if (read_events(x, json_object_get(o, "events") ? field : at, json_object_get(o, "events"),
                    &h->events) < 0)
        return -1;
    snprintf(field, sizeof(field), "%s.secret_file", at);
    v = json_object_get(o, "secret_file");
    if (!json_is_string(v))
        return bad(x, v ? field : at, "expected secret_file: the path of a file with the secret");
    if (read_secret(x, field, json_string_value(v), h) < 0)
        return -1;
    h->url = strdup(json_string_value(json_object_get(o, "url")));
    if (!h->url)
        return fw_fail(x->err, "%s: out of memory", x->path);
    c->wanted |= h->events;
    c->n_hooks++;
    return 0;
}

int whconfig_load(const char *path, struct whconfig *out, struct fw_err *err)
{
    char *text = NULL;
    size_t len, i;
    json_t *root = NULL, *o;
    json_error_t jerr;
    struct ctx x = {.path = path, .err = err};
    struct whconfig c = {0};
    int rc = -1;

    *out = (struct whconfig){0};
    if (fs_read_file(path, WHCONFIG_FILE_MAX, &text, &len, err) < 0)
        return fw_context(err, "--webhooks");
    x.text = text;
    x.len = len;
    root = json_loadb(text, len, JSON_REJECT_DUPLICATES, &jerr);
    if (!root) {
        fw_fail(err, "%s:%d:%d: %s", path, jerr.line, jerr.column, jerr.text);
        goto out;
    }
    if (!json_is_array(root) || json_array_size(root) == 0) {
        bad(&x, "",
            "expected a non-empty list of hooks: [{\"url\": ..., \"events\": [...], "
            "\"secret_file\": ...}]");
        goto out;
    }
    if (json_array_size(root) > WHCONFIG_HOOKS_MAX) {
        bad(&x, "", "%zu hooks; at most %d", json_array_size(root), WHCONFIG_HOOKS_MAX);
        goto out;
    }
    c.hooks = calloc(json_array_size(root), sizeof(*c.hooks));
    if (!c.hooks) {
        fw_fail(err, "%s: out of memory", path);
        goto out;
    }
    json_array_foreach(root, i, o)
    {
        if (read_hook(&x, i, o, &c) < 0)
            goto out;
    }
    *out = c;
    c = (struct whconfig){0};
    rc = 0;
out:
    if (c.hooks) {
        c.n_hooks = json_array_size(root); /* frees the half-read one too */
        whconfig_free(&c);
    }
    json_decref(root);
    free(text);
    return rc;
}

const struct whconfig_hook *whconfig_find(const struct whconfig *c, const char *url)
{
    for (size_t i = 0; i < c->n_hooks; i++)
        if (c->hooks[i].url && strcmp(c->hooks[i].url, url) == 0)
            return &c->hooks[i];
    return NULL;
}

void whconfig_free(struct whconfig *c)
{
    for (size_t i = 0; i < c->n_hooks; i++) {
        free(c->hooks[i].url);
        if (c->hooks[i].secret)
            OPENSSL_cleanse(c->hooks[i].secret, c->hooks[i].secret_len);
        free(c->hooks[i].secret);
    }
    free(c->hooks);
    *c = (struct whconfig){0};
}
