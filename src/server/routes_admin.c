/* routes_admin.c: /api/v1/admin/ (bearer token, JSON) and /admin (session, pages): who
 * asks, what they ask for, and the answer; the work runs in admin_ops.c on the worker. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "admin_auth.h"
#include "admin_ops.h"
#include "admin_pages.h"
#include "admin_worker.h"
#include "core/fsutil.h"
#include "core/isotime.h"
#include "core/mac.h"
#include "core/url.h"
#include "events.h"
#include "multipart.h"
#include "ratelimit.h"
#include "server.h"
#include "srvlog.h"

#define API_PREFIX  "/api/v1/admin"
#define PAGE_PREFIX "/admin"
#define COOKIE_NAME "fwhub_admin"
#define PARTS_MAX   64
#define LIST_MAX    (64 * 1024) /* bytes of one form field (a textarea of fix items) */
#define PAGE_MAX    (8 * 1024 * 1024)
#define JSON_TYPE   "application/json"
#define HTML_TYPE   "text/html; charset=utf-8"
/* Wrong admin tokens a client address may present: a burst of FAILS_BURST, then
 * FAILS_PER_MINUTE a minute; beyond, 429 before any token is looked at. Right tokens cost
 * nothing. */
#define FAILS_BURST      10
#define FAILS_PER_MINUTE 10
#define FAILS_SLOTS      1024
#define PAGE_CSP                                                                                   \
    "default-src 'none'; style-src 'unsafe-inline'; img-src 'self'; "                              \
    "form-action 'self'; frame-ancestors 'none'; base-uri 'none'"

enum op { OP_TARGETS, OP_TARGET, OP_CREATE, OP_ARCHIVE, OP_RELEASES, OP_AUDIT, OP_REPORT };

/* The texts of the create form, by field name; the order of struct target_spec. */
static const char *const text_fields[] = {
    "mac",     "issue", "version",   "model",           "serial",           "customer",
    "expires", "days",  "changelog", "support-contact", "hardware-version", "rollback-version",
};
#define N_TEXT (sizeof(text_fields) / sizeof(text_fields[0]))
static const char *const list_fields[] = {"fix", "install-step", "verify-step"};
static const char *const flag_fields[] = {"auto-rollback", "force", "replace"};

/* One admin request as the worker gets it: copies of everything it needs. */
struct job {
    enum op op;
    bool page;
    char id[ADMIN_ID_MAX + 1];
    char csrf[ADMIN_SECRET_HEX];
    char client[SERVER_PEER_MAX];
    char ua[EVENTS_UA_MAX];
    char notice[64];
    uint64_t mac;
    struct store_audit_filter filter;
    char event[65];
    char q_mac[64], q_since[64]; /* the audit page's filter as typed */
    /* create */
    char *text[N_TEXT];
    json_t *lists[3];
    bool flags[3];
    char filename[MULTIPART_FILENAME_MAX + 1];
    char *upload;
    size_t upload_len;
    bool has_upload;
};

static void job_free(void *p)
{
    struct job *j = p;

    if (!j)
        return;
    for (size_t i = 0; i < N_TEXT; i++)
        free(j->text[i]);
    for (size_t i = 0; i < 3; i++)
        json_decref(j->lists[i]);
    free(j->upload);
    free(j);
}

static bool starts(const char *p, size_t n, const char *prefix)
{
    size_t k = strlen(prefix);

    return n >= k && memcmp(p, prefix, k) == 0;
}

static bool is(const char *p, size_t n, const char *want)
{
    return n == strlen(want) && memcmp(p, want, n) == 0;
}

/* ---- answers ------------------------------------------------------------------------ */

static void header(h2o_req_t *req, const h2o_token_t *t, const char *v)
{
    h2o_add_header(&req->pool, &req->res.headers, t, NULL, v, strlen(v));
}

/* A header h2o 2.2.5 has no token for; name is lower-case. */
static void header_str(h2o_req_t *req, const char *name, const char *v)
{
    h2o_add_header_by_str(&req->pool, &req->res.headers, name, strlen(name), 0, NULL, v, strlen(v));
}

/* Sends ans: the headers every admin answer has, then the body. On the loop thread. */
static void send_answer(h2o_req_t *req, struct admin_answer *ans)
{
    header(req, H2O_TOKEN_CACHE_CONTROL, "no-store");
    header_str(req, "x-content-type-options", "nosniff");
    if (ans->html) {
        header_str(req, "content-security-policy", PAGE_CSP);
        header_str(req, "x-frame-options", "DENY");
        header_str(req, "referrer-policy", "same-origin");
    }
    if (ans->location[0])
        header(req, H2O_TOKEN_LOCATION, ans->location);
    if (ans->cookie[0])
        header(req, H2O_TOKEN_SET_COOKIE, ans->cookie);
    if (ans->status == 401 && !ans->html)
        header(req, H2O_TOKEN_WWW_AUTHENTICATE, "Bearer realm=\"fwhub admin\"");
    server_send(req, ans->status, ans->reason, ans->ctype, ans->body ? ans->body : "", ans->len);
}

static const char *reason_of(int status)
{
    switch (status) {
    case 200:
        return "OK";
    case 201:
        return "Created";
    case 303:
        return "See Other";
    case 400:
        return "Bad Request";
    case 401:
        return "Unauthorized";
    case 403:
        return "Forbidden";
    case 404:
        return "Not Found";
    case 405:
        return "Method Not Allowed";
    case 409:
        return "Conflict";
    case 413:
        return "Payload Too Large";
    case 429:
        return "Too Many Requests";
    case 503:
        return "Service Unavailable";
    default:
        return "Internal Server Error";
    }
}

/* Moves the text of b into ans as its body. */
static void take_body(struct admin_answer *ans, struct jbuf *b, int status, bool html)
{
    if (b->overflow) {
        jbuf_reset(b);
        b->overflow = false;
        status = 500;
        jbuf_cstr(b, html ? "<!doctype html><p>The answer grew too large.</p>\n"
                          : "{\"error\":{\"message\":\"the answer grew too large\"}}\n");
    }
    ans->status = status;
    ans->reason = reason_of(status);
    ans->ctype = html ? HTML_TYPE : JSON_TYPE;
    ans->html = html;
    ans->body = b->p;
    ans->len = b->len;
    b->p = NULL;
}

static void json_error(struct jbuf *b, const char *field, const char *msg)
{
    jbuf_cstr(b, "{\"error\":{");
    if (field && field[0]) {
        jbuf_key(b, "field", true);
        jbuf_str(b, field);
    }
    jbuf_key(b, "message", !(field && field[0]));
    jbuf_str(b, msg);
    jbuf_cstr(b, "}}\n");
}

/* Given as page to answer_now: the sign-in page. */
static const struct admin_page signin_page;

/* An immediate answer from the loop thread (refusals, bad requests, sign-in). */
static int answer_now(h2o_req_t *req, int status, bool html, const char *field, const char *msg,
                      const struct admin_page *page)
{
    struct admin_answer ans = {0};
    struct jbuf b;

    jbuf_init(&b, PAGE_MAX);
    if (html && (status == 401 || page == &signin_page))
        admin_page_signin(&b, msg);
    else if (html)
        admin_page_error(&b, page, status, msg);
    else
        json_error(&b, field, msg);
    take_body(&ans, &b, status, html);
    send_answer(req, &ans);
    free(ans.body);
    return 0;
}

static int redirect(h2o_req_t *req, const char *to, const char *cookie)
{
    struct admin_answer ans = {.status = 303, .reason = "See Other", .ctype = HTML_TYPE, .html = 1};

    snprintf(ans.location, sizeof(ans.location), "%s", to);
    if (cookie)
        snprintf(ans.cookie, sizeof(ans.cookie), "%s", cookie);
    send_answer(req, &ans);
    return 0;
}

/* ---- the worker's side -------------------------------------------------------------- */

/* Writes the upload to a temporary file under REPO/.fwhub/ for target_make to copy. */
static int write_upload(const struct job *j, char *path, size_t len, struct fw_err *err)
{
    char dir[4096];
    int fd;
    size_t off = 0;

    snprintf(dir, sizeof(dir), "%s/.fwhub", server_settings.repo);
    if (fs_mkdirs(dir, err) < 0)
        return -1;
    snprintf(path, len, "%s/upload-XXXXXX", dir);
    if ((fd = mkstemp(path)) < 0)
        return fw_fail(err, "%s: %s", path, strerror(errno));
    while (off < j->upload_len) {
        ssize_t w = write(fd, j->upload + off, j->upload_len - off);

        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0) {
            fw_fail(err, "%s: %s", path, strerror(errno));
            close(fd);
            unlink(path);
            return -1;
        }
        off += (size_t)w;
    }
    close(fd);
    return 0;
}

static void run_create(struct job *j, struct admin_result *r)
{
    const struct admin_actor a = {j->id, j->client, j->ua};
    char path[4200];
    struct fw_err err;
    struct target_spec s = {
        .mac = j->text[0],
        .issue = j->text[1],
        .version = j->text[2],
        .model = j->text[3],
        .serial = j->text[4],
        .customer = j->text[5],
        .expires = j->text[6],
        .days = j->text[7],
        .changelog = j->text[8],
        .support_contact = j->text[9],
        .hardware_version = j->text[10],
        .rollback_version = j->text[11],
        .fixes = j->lists[0],
        .install = j->lists[1],
        .verify = j->lists[2],
        .auto_rollback = j->flags[0],
        .force = j->flags[1],
        .replace = j->flags[2],
        .firmware_name = j->filename,
    };

    if (!j->has_upload) {
        r->status = 400;
        snprintf(r->field, sizeof(r->field), "firmware");
        snprintf(r->msg, sizeof(r->msg), "--firmware: required (a file upload)");
        return;
    }
    if (write_upload(j, path, sizeof(path), &err) < 0) {
        r->status = 500;
        snprintf(r->msg, sizeof(r->msg), "cannot keep the upload: %s", err.msg);
        return;
    }
    s.firmware = path;
    admin_op_create(&a, &s, r);
    unlink(path);
}

static void run_op(struct job *j, struct admin_result *r)
{
    const struct admin_actor a = {j->id, j->client, j->ua};

    switch (j->op) {
    case OP_TARGETS:
        admin_op_targets(r);
        break;
    case OP_TARGET:
        admin_op_target(j->mac, r);
        break;
    case OP_CREATE:
        run_create(j, r);
        break;
    case OP_ARCHIVE:
        admin_op_archive(&a, j->mac, r);
        break;
    case OP_RELEASES:
        admin_op_releases(r);
        break;
    case OP_AUDIT:
        admin_op_audit(&j->filter, r);
        break;
    case OP_REPORT:
        admin_op_report(r);
        break;
    }
}

/* What the create form was given, to fill it in again after a refusal. */
static json_t *form_values(const struct job *j)
{
    json_t *v = json_object();

    for (size_t i = 0; v && i < N_TEXT; i++)
        if (j->text[i])
            json_object_set_new(v, text_fields[i], json_string(j->text[i]));
    for (size_t i = 0; v && i < 3; i++) {
        size_t k;
        json_t *item;
        struct jbuf b;

        if (json_array_size(j->lists[i]) == 0)
            continue;
        jbuf_init(&b, LIST_MAX * 2);
        json_array_foreach(j->lists[i], k, item)
        {
            jbuf_cstr(&b, k ? "\n" : "");
            jbuf_cstr(&b, json_string_value(item));
        }
        jbuf_raw(&b, "", 1);
        if (!b.overflow)
            json_object_set_new(v, list_fields[i], json_string(b.p));
        jbuf_free(&b);
    }
    for (size_t i = 0; v && i < 3; i++)
        if (j->flags[i])
            json_object_set_new(v, flag_fields[i], json_string("on"));
    return v;
}

static void render_page(struct job *j, struct admin_result *r, struct jbuf *b,
                        struct admin_answer *ans)
{
    const struct admin_page p = {j->id, j->csrf, j->notice[0] ? j->notice : NULL};
    struct admin_result days = {0};

    if (r->status >= 400 && j->op == OP_CREATE) {
        json_t *values = form_values(j);

        admin_page_create(b, &p, r->msg, r->field, values);
        json_decref(values);
        return;
    }
    if (r->status >= 400) {
        admin_page_error(b, &p, r->status, r->msg);
        return;
    }
    switch (j->op) {
    case OP_TARGETS:
        admin_page_targets(b, &p, r->doc);
        break;
    case OP_TARGET:
        admin_page_target(b, &p, r->doc);
        break;
    case OP_CREATE: {
        const char *mac =
            json_string_value(json_object_get(json_object_get(r->doc, "created"), "mac"));

        snprintf(ans->location, sizeof(ans->location), "/admin/targets/%s?created=1",
                 mac ? mac : "");
        break;
    }
    case OP_ARCHIVE:
        snprintf(ans->location, sizeof(ans->location), "/admin/targets?archived=1");
        break;
    case OP_RELEASES:
        admin_page_releases(b, &p, r->doc);
        break;
    case OP_REPORT:
        admin_op_downloads_per_day(30, &days);
        admin_page_report(b, &p, r->doc, days.doc);
        admin_result_free(&days);
        break;
    case OP_AUDIT:
        admin_page_audit(b, &p, r->doc, j->q_mac, j->event, j->q_since);
        break;
    }
}

/* On the worker: the operation, then its answer as JSON or as a page. */
static void run_job(void *p, struct admin_answer *ans)
{
    struct job *j = p;
    struct admin_result r = {0};
    struct jbuf b;
    char *text;

    jbuf_init(&b, PAGE_MAX);
    run_op(j, &r);
    if (j->page) {
        render_page(j, &r, &b, ans);
        take_body(ans, &b, ans->location[0] ? 303 : r.status, true);
    } else if (r.status >= 400) {
        json_error(&b, r.field, r.msg);
        take_body(ans, &b, r.status, false);
    } else if ((text = json_dumps(r.doc, JSON_INDENT(2))) != NULL) {
        jbuf_cstr(&b, text);
        jbuf_cstr(&b, "\n");
        free(text);
        take_body(ans, &b, r.status, false);
    } else {
        json_error(&b, NULL, "out of memory");
        take_body(ans, &b, 500, false);
    }
    jbuf_free(&b);
    admin_result_free(&r);
}

/* ---- reading requests --------------------------------------------------------------- */

/* The value of form or query field name in s[0..n) ("a=1&b=2"), decoded into out[cap].
 * 1 found, 0 absent, -1 undecodable or too long. */
static int form_value(const char *s, size_t n, const char *name, char *out, size_t cap)
{
    size_t k = strlen(name);
    const char *p = s, *end = s + n;

    while (p < end) {
        const char *amp = memchr(p, '&', (size_t)(end - p));
        const char *stop = amp ? amp : end;

        if ((size_t)(stop - p) >= k + 1 && memcmp(p, name, k) == 0 && p[k] == '=')
            return url_unescape(p + k + 1, (size_t)(stop - p - k - 1), URL_QUERY, out, cap) < 0 ? -1
                                                                                                : 1;
        p = stop + 1;
    }
    return 0;
}

static int query_value(h2o_req_t *req, const char *name, char *out, size_t cap)
{
    if (req->query_at == SIZE_MAX)
        return 0;
    return form_value(req->path.base + req->query_at + 1, req->path.len - req->query_at - 1, name,
                      out, cap);
}

/* The bearer token of the Authorization header, or false. */
static bool bearer(h2o_req_t *req, const char **tok, size_t *len)
{
    ssize_t i = h2o_find_header(&req->headers, H2O_TOKEN_AUTHORIZATION, -1);
    h2o_iovec_t v;

    if (i < 0)
        return false;
    v = req->headers.entries[i].value;
    if (v.len < 8 || strncasecmp(v.base, "Bearer ", 7) != 0)
        return false;
    *tok = v.base + 7;
    *len = v.len - 7;
    while (*len && (*tok)[0] == ' ')
        (*tok)++, (*len)--;
    return true;
}

/* The session cookie's value, or false. Cookies may come in several headers (HTTP/2). */
static bool session_cookie(h2o_req_t *req, const char **sid, size_t *len)
{
    static const char key[] = COOKIE_NAME "=";

    for (ssize_t i = -1; (i = h2o_find_header(&req->headers, H2O_TOKEN_COOKIE, i)) >= 0;) {
        h2o_iovec_t v = req->headers.entries[i].value;

        for (size_t k = 0; k + sizeof(key) - 1 <= v.len; k++) {
            if ((k == 0 || v.base[k - 1] == ' ' || v.base[k - 1] == ';') &&
                memcmp(v.base + k, key, sizeof(key) - 1) == 0) {
                size_t s = k + sizeof(key) - 1, e = s;

                while (e < v.len && v.base[e] != ';')
                    e++;
                *sid = v.base + s;
                *len = e - s;
                return true;
            }
        }
    }
    return false;
}

static void fill_who(h2o_req_t *req, struct job *j, const char *id)
{
    snprintf(j->id, sizeof(j->id), "%s", id);
    server_peer(req, j->client);
    events_user_agent(req, j->ua);
}

static char *dup_n(const char *s, size_t n)
{
    char *p = malloc(n + 1);

    if (p) {
        memcpy(p, s, n);
        p[n] = '\0';
    }
    return p;
}

/* Adds each non-empty line of data to the list (a textarea holds one item a line; the API
 * repeats the field). */
static int add_lines(json_t **list, const char *data, size_t len, const char *field, char *msg,
                     size_t mlen)
{
    const char *p = data, *end = data + len;

    if (!*list && !(*list = json_array()))
        return snprintf(msg, mlen, "out of memory"), -1;
    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        size_t n = (size_t)((nl ? nl : end) - p);
        json_t *s;

        while (n && (p[n - 1] == '\r' || p[n - 1] == ' '))
            n--;
        if (n) {
            if (!(s = json_stringn(p, n)))
                return snprintf(msg, mlen, "--%s: not valid UTF-8 text", field), -1;
            json_array_append_new(*list, s);
        }
        p += (size_t)((nl ? nl : end) - p) + 1;
    }
    return 0;
}

static bool flag_on(const char *s, size_t n)
{
    return is(s, n, "on") || is(s, n, "1") || is(s, n, "true") || is(s, n, "yes");
}

/* One part of the create form into j; -1 with field and msg for a bad one. */
static int take_part(struct job *j, const struct multipart_part *pt, char *csrf, char *msg,
                     size_t mlen)
{
    if (strcmp(pt->name, "firmware") == 0) {
        if (!pt->is_file || !pt->filename[0])
            return pt->len ? snprintf(msg, mlen, "--firmware: expected a file upload"), -1 : 0;
        if (pt->len > server_settings.max_upload)
            return snprintf(msg, mlen, "--firmware: larger than the upload limit of %zu bytes",
                            server_settings.max_upload),
                   -2;
        if (!(j->upload = malloc(pt->len ? pt->len : 1)))
            return snprintf(msg, mlen, "out of memory"), -1;
        memcpy(j->upload, pt->data, pt->len);
        j->upload_len = pt->len;
        j->has_upload = true;
        snprintf(j->filename, sizeof(j->filename), "%s", pt->filename);
        return 0;
    }
    if (strcmp(pt->name, "csrf") == 0) {
        snprintf(csrf, ADMIN_SECRET_HEX, "%.*s", (int)(pt->len < 64 ? pt->len : 64), pt->data);
        return 0;
    }
    if (pt->len > LIST_MAX)
        return snprintf(msg, mlen, "--%s: longer than %d bytes", pt->name, LIST_MAX), -1;
    for (size_t i = 0; i < N_TEXT; i++)
        if (strcmp(pt->name, text_fields[i]) == 0) {
            if (j->text[i])
                return snprintf(msg, mlen, "--%s: given twice", pt->name), -1;
            if (pt->len == 0)
                return 0; /* an empty form field is one not given */
            if (memchr(pt->data, '\0', pt->len))
                return snprintf(msg, mlen, "--%s: holds a NUL byte", pt->name), -1;
            return (j->text[i] = dup_n(pt->data, pt->len))
                       ? 0
                       : (snprintf(msg, mlen, "out of memory"), -1);
        }
    for (size_t i = 0; i < 3; i++)
        if (strcmp(pt->name, list_fields[i]) == 0)
            return add_lines(&j->lists[i], pt->data, pt->len, pt->name, msg, mlen);
    for (size_t i = 0; i < 3; i++)
        if (strcmp(pt->name, flag_fields[i]) == 0) {
            j->flags[i] = flag_on(pt->data, pt->len);
            return 0;
        }
    snprintf(msg, mlen,
             "%s: unknown field; expected the options of fwhub target create "
             "(mac, issue, version, model, firmware, ...)",
             pt->name);
    return -1;
}

/* Parses the multipart body of a create request into j. Returns 0, or the HTTP status
 * of the refusal with field and msg. */
static int read_create(h2o_req_t *req, struct job *j, char *csrf, char *field, char *msg,
                       size_t mlen)
{
    static _Thread_local struct multipart_part parts[PARTS_MAX];
    char boundary[MULTIPART_BOUNDARY_MAX + 1];
    ssize_t ct = h2o_find_header(&req->headers, H2O_TOKEN_CONTENT_TYPE, -1);
    struct fw_err err;
    size_t n;

    snprintf(field, TARGET_MAKE_FIELD_MAX, "body");
    if (ct < 0)
        return snprintf(msg, mlen, "Content-Type: expected multipart/form-data"), 400;
    if (multipart_boundary(req->headers.entries[ct].value.base, req->headers.entries[ct].value.len,
                           boundary, &err) < 0 ||
        multipart_parse(req->entity.base ? req->entity.base : "", req->entity.len, boundary, parts,
                        PARTS_MAX, &n, &err) < 0)
        return snprintf(msg, mlen, "%s", err.msg), 400;
    for (size_t i = 0; i < n; i++) {
        int rc = take_part(j, &parts[i], csrf, msg, mlen);

        if (rc < 0) {
            snprintf(field, TARGET_MAKE_FIELD_MAX, "%s", parts[i].name);
            return rc == -2 ? 413 : 400;
        }
    }
    return 0;
}

/* ---- the API ------------------------------------------------------------------------ */

static int read_audit_query(h2o_req_t *req, struct job *j, char *field, char *msg, size_t mlen)
{
    char v[128];
    struct fw_err err;
    int64_t t;
    int rc;

    j->filter.limit = 1000;
    if ((rc = query_value(req, "mac", v, sizeof(v))) != 0 && !(rc == 1 && !v[0])) {
        snprintf(field, TARGET_MAKE_FIELD_MAX, "mac");
        if (rc < 0 || mac_parse(v, &j->filter.mac, &err) < 0)
            return snprintf(msg, mlen, "mac: %s", rc < 0 ? "cannot be decoded" : err.msg), -1;
    }
    if ((rc = query_value(req, "since", v, sizeof(v))) != 0 && !(rc == 1 && !v[0])) {
        snprintf(field, TARGET_MAKE_FIELD_MAX, "since");
        if (rc < 0 || isotime_parse(v, &t, &err) < 0)
            return snprintf(msg, mlen, "since: %s", rc < 0 ? "cannot be decoded" : err.msg), -1;
        j->filter.since = t;
    }
    if ((rc = query_value(req, "event", j->event, sizeof(j->event))) != 0 &&
        !(rc == 1 && !j->event[0])) {
        snprintf(field, TARGET_MAKE_FIELD_MAX, "event");
        if (rc < 0 || !j->event[0] ||
            strspn(j->event, "abcdefghijklmnopqrstuvwxyz._*") != strlen(j->event))
            return snprintf(msg, mlen,
                            "event: expected an event name such as target.created, "
                            "or a glob such as target.*"),
                   -1;
        j->filter.event = j->event;
    }
    if ((rc = query_value(req, "limit", v, sizeof(v))) != 0) {
        char *end;
        long n;

        snprintf(field, TARGET_MAKE_FIELD_MAX, "limit");
        errno = 0;
        n = rc < 0 ? 0 : strtol(v, &end, 10);
        if (rc < 0 || errno || *end || end == v || n < 1 || n > 10000)
            return snprintf(msg, mlen, "limit: expected a whole number from 1 to 10000"), -1;
        j->filter.limit = (size_t)n;
    }
    return 0;
}

/* Reads the MAC of a path segment s[0..n) up to '/' into *mac; returns the segment's
 * length, or 0 with field and msg when it is not a MAC. */
static size_t mac_segment(const char *s, size_t n, uint64_t *mac, char *field, char *msg,
                          size_t mlen)
{
    char macs[64];
    struct fw_err err = {"expected a MAC address"};
    size_t k = 0;

    while (k < n && s[k] != '/')
        k++;
    if (k == 0 || k >= sizeof(macs) || url_unescape(s, k, 0, macs, sizeof(macs)) < 0 ||
        mac_parse(macs, mac, &err) < 0) {
        snprintf(field, TARGET_MAKE_FIELD_MAX, "mac");
        snprintf(msg, mlen, "mac: %s", err.msg);
        return 0;
    }
    return k;
}

/* Routes rest (after /api/v1/admin) to an operation; 0, or an HTTP status to refuse with. */
static int api_route(h2o_req_t *req, const char *rest, size_t n, struct job *j, char *field,
                     char *msg, size_t mlen)
{
    bool get = server_method_is(req, "GET") || server_method_is(req, "HEAD");
    bool post = server_method_is(req, "POST");
    size_t k;

    if (is(rest, n, "/targets")) {
        if (!get && !post)
            return snprintf(msg, mlen, "method not allowed; GET or POST"), 405;
        j->op = get ? OP_TARGETS : OP_CREATE;
        if (post) {
            char csrf[ADMIN_SECRET_HEX];

            return read_create(req, j, csrf, field, msg, mlen);
        }
        return 0;
    }
    if (is(rest, n, "/releases") || is(rest, n, "/report") || is(rest, n, "/audit")) {
        if (!get)
            return snprintf(msg, mlen, "method not allowed; GET"), 405;
        j->op = is(rest, n, "/releases") ? OP_RELEASES
                : is(rest, n, "/report") ? OP_REPORT
                                         : OP_AUDIT;
        if (j->op == OP_AUDIT && read_audit_query(req, j, field, msg, mlen) < 0)
            return 400;
        return 0;
    }
    if (!starts(rest, n, "/targets/"))
        return snprintf(msg, mlen, "no such endpoint"), 404;
    rest += 9;
    n -= 9;
    k = mac_segment(rest, n, &j->mac, field, msg, mlen);
    if (k == 0)
        return 400;
    rest += k;
    n -= k;
    if (n == 0) {
        if (get)
            return j->op = OP_TARGET, 0;
        if (server_method_is(req, "DELETE"))
            return j->op = OP_ARCHIVE, 0;
        return snprintf(msg, mlen, "method not allowed; GET or DELETE"), 405;
    }
    if (is(rest, n, "/archive")) {
        if (!post)
            return snprintf(msg, mlen, "method not allowed; POST"), 405;
        return j->op = OP_ARCHIVE, 0;
    }
    return snprintf(msg, mlen, "no such endpoint"), 404;
}

static int submit(h2o_req_t *req, struct job *j, bool html, const struct admin_page *page)
{
    if (admin_worker_submit(req, run_job, job_free, j) < 0)
        return answer_now(req, 503, html, NULL, "busy with other admin requests; try again", page);
    return 0;
}

static struct ratelimit_slot fail_slots[FAILS_SLOTS];
static struct ratelimit failures;

static void failures_key(h2o_req_t *req, char key[RATELIMIT_KEY_MAX])
{
    char peer[SERVER_PEER_MAX];

    server_peer(req, peer);
    ratelimit_client_key(peer, key);
}

/* When the client presented too many wrong tokens lately: answers 429 with Retry-After
 * and returns 1; else 0. */
static int throttled(h2o_req_t *req, bool html)
{
    char key[RATELIMIT_KEY_MAX], secs[24], msg[128];
    unsigned wait;

    failures_key(req, key);
    if ((wait = ratelimit_wait(&failures, key, isotime_mono_ms())) == 0)
        return 0;
    snprintf(secs, sizeof(secs), "%u", wait);
    header(req, H2O_TOKEN_RETRY_AFTER, h2o_strdup(&req->pool, secs, SIZE_MAX).base);
    snprintf(msg, sizeof(msg), "too many wrong admin tokens from this address; try again in %u s",
             wait);
    answer_now(req, 429, html, NULL, msg, html ? &signin_page : NULL);
    return 1;
}

/* A wrong token from the client: audited, and counted against its address. */
static void wrong_token(h2o_req_t *req)
{
    char key[RATELIMIT_KEY_MAX];

    events_admin_refused(req, NULL, "wrong_token");
    failures_key(req, key);
    (void)ratelimit_take(&failures, key, isotime_mono_ms(), NULL);
    if (ratelimit_wait(&failures, key, isotime_mono_ms()) > 0)
        srvlog(SRVLOG_WARN, "admin_throttled", key,
               "%d wrong admin tokens: further attempts answer 429 for a while", FAILS_BURST);
}

static int api(h2o_req_t *req, const char *rest, size_t n)
{
    char id[ADMIN_ID_MAX + 1], field[TARGET_MAKE_FIELD_MAX] = "", msg[FW_ERRLEN];
    const char *tok;
    size_t tlen;
    struct job *j;
    int status;

    if (!admin_auth_enabled())
        return answer_now(req, 404, false, NULL,
                          "the admin API is off: start fwhub serve with --admin-token-file", NULL);
    if (!bearer(req, &tok, &tlen)) {
        events_admin_refused(req, NULL, "no_token");
        return answer_now(req, 401, false, NULL,
                          "an admin bearer token is required (Authorization: Bearer ...)", NULL);
    }
    if (throttled(req, false))
        return 0;
    if (!admin_auth_check(tok, tlen, id)) {
        wrong_token(req);
        return answer_now(req, 401, false, NULL, "the bearer token is not an admin token", NULL);
    }
    if (!(j = calloc(1, sizeof(*j))))
        return answer_now(req, 503, false, NULL, "out of memory", NULL);
    fill_who(req, j, id);
    status = api_route(req, rest, n, j, field, msg, sizeof(msg));
    if (status != 0) {
        job_free(j);
        if (status == 405)
            header(req, H2O_TOKEN_ALLOW,
                   strstr(msg, "GET or POST")     ? "GET, POST"
                   : strstr(msg, "GET or DELETE") ? "GET, DELETE"
                   : strstr(msg, "; POST")        ? "POST"
                                                  : "GET");
        return answer_now(req, status, false, field, msg, NULL);
    }
    return submit(req, j, false, NULL);
}

/* ---- the pages ---------------------------------------------------------------------- */

static int sign_in(h2o_req_t *req)
{
    char token[ADMIN_TOKEN_MAX + 1], id[ADMIN_ID_MAX + 1], sid[ADMIN_SECRET_HEX],
        csrf[ADMIN_SECRET_HEX], cookie[256];
    int rc = form_value(req->entity.base ? req->entity.base : "", req->entity.len, "token", token,
                        sizeof(token));

    if (rc <= 0) {
        events_admin_refused(req, NULL, "no_token");
        return answer_now(req, 401, true, NULL, "That token is not an admin token.", NULL);
    }
    if (throttled(req, true))
        return 0;
    if (!admin_auth_check(token, strlen(token), id)) {
        wrong_token(req);
        return answer_now(req, 401, true, NULL, "That token is not an admin token.", NULL);
    }
    if (admin_session_start(id, isotime_now(), sid, csrf) < 0)
        return answer_now(req, 503, true, NULL, "no randomness for a session; try again", NULL);
    snprintf(cookie, sizeof(cookie),
             COOKIE_NAME "=%s; Path=/admin; Max-Age=%d; HttpOnly; "
                         "SameSite=Strict%s",
             sid, ADMIN_SESSION_TTL, req->scheme == &H2O_URL_SCHEME_HTTPS ? "; Secure" : "");
    srvlog(SRVLOG_INFO, "admin_signed_in", id, "from a page session");
    events_admin_session(req, id, true);
    return redirect(req, "/admin/targets", cookie);
}

static int sign_out(h2o_req_t *req, const char *identity)
{
    const char *sid;
    size_t len;

    if (session_cookie(req, &sid, &len))
        admin_session_end(sid, len);
    events_admin_session(req, identity, false);
    return redirect(req, "/admin/signin",
                    COOKIE_NAME "=; Path=/admin; Max-Age=0; HttpOnly; SameSite=Strict");
}

/* The CSRF token of a urlencoded form body. */
static bool form_csrf_ok(h2o_req_t *req, const char *want)
{
    char v[ADMIN_SECRET_HEX + 1];

    return form_value(req->entity.base ? req->entity.base : "", req->entity.len, "csrf", v,
                      sizeof(v)) == 1 &&
           admin_csrf_ok(v, strlen(v), want);
}

/* A POST whose form lacks the session's CSRF token: audited, 403. Returns 1 (answered). */
static int refuse_csrf(h2o_req_t *req, const struct admin_page *pg)
{
    events_admin_refused(req, pg->identity, "csrf");
    answer_now(req, 403, true, NULL, "The form's CSRF token is missing or wrong.", pg);
    return 1;
}

/* Sends the page in b (taken) with status. */
static void send_page(h2o_req_t *req, struct jbuf *b, int status)
{
    struct admin_answer ans = {0};

    take_body(&ans, b, status, true);
    send_answer(req, &ans);
    free(ans.body);
    jbuf_free(b);
}

/* Routes a page request of a signed-in admin; fills j or answers itself. */
static int page_route(h2o_req_t *req, const char *rest, size_t n, struct job *j,
                      const struct admin_page *pg)
{
    bool get = server_method_is(req, "GET") || server_method_is(req, "HEAD");
    bool post = server_method_is(req, "POST");
    char field[TARGET_MAKE_FIELD_MAX], msg[FW_ERRLEN], csrf[ADMIN_SECRET_HEX] = "", macs[64];
    struct fw_err err;
    int status;

    if ((n == 0 || is(rest, n, "/")) && get)
        return redirect(req, "/admin/targets", NULL), 1;
    if (is(rest, n, "/signout") && post) {
        if (!form_csrf_ok(req, pg->csrf))
            return refuse_csrf(req, pg);
        return sign_out(req, pg->identity), 1;
    }
    if (is(rest, n, "/targets/new") && get) {
        struct jbuf b;

        jbuf_init(&b, PAGE_MAX);
        admin_page_create(&b, pg, NULL, NULL, NULL);
        send_page(req, &b, 200);
        return 1;
    }
    if (is(rest, n, "/targets") && (get || post)) {
        j->op = get ? OP_TARGETS : OP_CREATE;
        if (get && query_value(req, "archived", msg, 8) == 1)
            snprintf(j->notice, sizeof(j->notice), "The target was archived.");
        if (!post)
            return 0;
        status = read_create(req, j, csrf, field, msg, sizeof(msg));
        if (csrf[0] == '\0' || !admin_csrf_ok(csrf, strlen(csrf), pg->csrf))
            return refuse_csrf(req, pg);
        if (status != 0) {
            json_t *values = form_values(j);
            struct jbuf b;

            jbuf_init(&b, PAGE_MAX);
            admin_page_create(&b, pg, msg, field, values);
            json_decref(values);
            send_page(req, &b, status);
            return 1;
        }
        return 0;
    }
    if (is(rest, n, "/releases") && get)
        return j->op = OP_RELEASES, 0;
    if (is(rest, n, "/report") && get)
        return j->op = OP_REPORT, 0;
    if (is(rest, n, "/audit") && get) {
        j->op = OP_AUDIT;
        /* empty filter fields (the form sends them all) are no filter */
        if (query_value(req, "mac", j->q_mac, sizeof(j->q_mac)) < 0)
            j->q_mac[0] = '\0';
        if (query_value(req, "since", j->q_since, sizeof(j->q_since)) < 0)
            j->q_since[0] = '\0';
        if (read_audit_query(req, j, field, msg, sizeof(msg)) < 0)
            return answer_now(req, 400, true, NULL, msg, pg), 1;
        return 0;
    }
    if (starts(rest, n, "/targets/")) {
        size_t k = 9;

        while (k < n && rest[k] != '/')
            k++;
        if (k - 9 >= sizeof(macs) || url_unescape(rest + 9, k - 9, 0, macs, sizeof(macs)) < 0 ||
            mac_parse(macs, &j->mac, &err) < 0)
            return answer_now(req, 404, true, NULL, "No such target.", pg), 1;
        if (k == n && get) {
            if (query_value(req, "created", msg, 8) == 1)
                snprintf(j->notice, sizeof(j->notice), "The target was created.");
            return j->op = OP_TARGET, 0;
        }
        if (is(rest + k, n - k, "/archive") && post) {
            if (!form_csrf_ok(req, pg->csrf))
                return refuse_csrf(req, pg);
            return j->op = OP_ARCHIVE, 0;
        }
    }
    return answer_now(req, get || post ? 404 : 405, true, NULL, "No such page.", pg), 1;
}

static int pages(h2o_req_t *req, const char *rest, size_t n)
{
    char id[ADMIN_ID_MAX + 1], csrf[ADMIN_SECRET_HEX];
    const char *sid;
    size_t len;
    struct admin_page pg = {id, csrf, NULL};
    struct job *j;
    bool get = server_method_is(req, "GET") || server_method_is(req, "HEAD");

    if (n > 0 && rest[0] != '/')
        return answer_now(req, 404, true, NULL, "No such page.", NULL);
    if (!admin_auth_enabled()) {
        struct jbuf b;

        jbuf_init(&b, PAGE_MAX);
        admin_page_off(&b);
        send_page(req, &b, 404);
        return 0;
    }
    if (is(rest, n, "/signin")) {
        if (server_method_is(req, "POST"))
            return sign_in(req);
        return answer_now(req, get ? 200 : 405, true, NULL, get ? NULL : "Sign in with POST.",
                          &signin_page);
    }
    if (!session_cookie(req, &sid, &len) ||
        !admin_session_find(sid, len, isotime_now(), id, csrf)) {
        if (get)
            return redirect(req, "/admin/signin", NULL);
        events_admin_refused(req, NULL, "no_session");
        return answer_now(req, 403, true, NULL, "Sign in first.", NULL);
    }
    if (!(j = calloc(1, sizeof(*j))))
        return answer_now(req, 503, true, NULL, "out of memory", &pg);
    fill_who(req, j, id);
    memcpy(j->csrf, csrf, sizeof(j->csrf));
    j->page = true;
    if (page_route(req, rest, n, j, &pg) != 0) {
        job_free(j);
        return 0;
    }
    return submit(req, j, true, &pg);
}

static int on_req(h2o_handler_t *self, h2o_req_t *req)
{
    const char *p = req->path.base;
    size_t n = server_path_len(req);

    (void)self;
    if (server_refuse_oversized(req))
        return 0;
    if (starts(p, n, API_PREFIX) && (n == strlen(API_PREFIX) || p[strlen(API_PREFIX)] == '/'))
        return api(req, p + strlen(API_PREFIX), n - strlen(API_PREFIX));
    if (starts(p, n, PAGE_PREFIX))
        return pages(req, p + strlen(PAGE_PREFIX), n - strlen(PAGE_PREFIX));
    return -1; /* not ours: the next handler */
}

void routes_admin_register(h2o_hostconf_t *host, h2o_pathconf_t *out[2])
{
    out[0] = h2o_config_register_path(host, API_PREFIX, 0);
    h2o_create_handler(out[0], sizeof(h2o_handler_t))->on_req = on_req;
    out[1] = h2o_config_register_path(host, PAGE_PREFIX, 0);
    h2o_create_handler(out[1], sizeof(h2o_handler_t))->on_req = on_req;
}

int routes_admin_start(struct fw_err *err)
{
    ratelimit_init(&failures, fail_slots, FAILS_SLOTS, FAILS_BURST, FAILS_PER_MINUTE);
    return admin_worker_start(send_answer, err);
}
