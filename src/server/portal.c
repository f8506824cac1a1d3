/* portal.c: the customer portal: the lookup form, the answer for one device, feedback. */
#include "portal.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "core/decide.h"
#include "core/form.h"
#include "core/isotime.h"
#include "core/mac.h"
#include "events.h"
#include "html.h"
#include "portal_text.h"
#include "ratelimit.h"
#include "server.h"
#include "srvlog.h"
#include "store/store.h"
#include "token.h"

#define BODY_MAX      8192 /* a form; the largest is feedback with its comment, escaped */
#define MAC_MAX       64
#define SERIAL_MAX    128
#define ANSWER_MAX    8
#define COMMENT_MAX   1000 /* bytes of a feedback comment */
#define COMMENT_CHARS 500  /* the form's maxlength */
#define RL_SLOTS      4096 /* clients the rate limiter tracks at once (about 290 KiB) */
#define TOKEN_STEP    60
#define HTML_TYPE     "text/html; charset=utf-8"

/* Pages have no script, no frames, no resources but their inline style, and post forms
 * only back to fwhub. */
#define CSP                                                                                        \
    "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; "                          \
    "frame-ancestors 'none'; base-uri 'none'"

/* What a lookup found, as audited (result) and counted in /metrics. The three neutral
 * ones give one page, byte for byte. */
enum outcome {
    OUT_FIX,
    OUT_GENERAL,
    OUT_UNKNOWN_MAC,
    OUT_WRONG_SERIAL,
    OUT_NO_UPDATE,
    OUT_INVALID,
    OUT_RATE_LIMITED,
    OUT_COUNT,
};

static const char *const outcome_names[OUT_COUNT] = {
    "fix", "general", "unknown_mac", "wrong_serial", "no_update", "invalid", "rate_limited",
};

enum { FB_SOLVED, FB_NOT_SOLVED, FB_REFUSED, FB_COUNT };
static const char *const feedback_names[FB_COUNT] = {"solved", "not_solved", "refused"};

static const struct portal_text *const T = &portal_text_en;

static atomic_uint_fast64_t lookups[OUT_COUNT];
static atomic_uint_fast64_t feedbacks[FB_COUNT];
static struct ratelimit_slot rl_slots[RL_SLOTS];
static struct ratelimit limiter;
static pthread_once_t limiter_once = PTHREAD_ONCE_INIT;

static void limiter_init(void)
{
    ratelimit_init(&limiter, rl_slots, RL_SLOTS, server_settings.portal_rate,
                   server_settings.portal_rate);
}

static void count(atomic_uint_fast64_t *c)
{
    atomic_fetch_add_explicit(c, 1, memory_order_relaxed);
}

static bool path_is(const char *p, size_t n, const char *want)
{
    return n == strlen(want) && memcmp(p, want, n) == 0;
}

bool portal_path(const char *p, size_t n)
{
    return path_is(p, n, "/") || path_is(p, n, "/lookup") || path_is(p, n, "/feedback");
}

/* ---- answering ---------------------------------------------------------------------- */

static void header(h2o_req_t *req, const h2o_token_t *name, const char *value)
{
    h2o_add_header(&req->pool, &req->res.headers, name, NULL, value, strlen(value));
}

/* A header h2o 2.2.5 has no token for. */
static void named(h2o_req_t *req, const char *name, const char *value)
{
    h2o_add_header_by_str(&req->pool, &req->res.headers, name, strlen(name), 0, NULL, value,
                          strlen(value));
}

static int send_page(h2o_req_t *req, int status, const char *reason, const struct jbuf *b)
{
    named(req, "content-security-policy", CSP);
    named(req, "x-content-type-options", "nosniff");
    named(req, "referrer-policy", "no-referrer");
    header(req, H2O_TOKEN_CACHE_CONTROL, "no-store");
    if (b->overflow)
        return server_send(req, 500, "Internal Server Error", "text/plain", "page too large\n", 15);
    return server_send(req, status, reason, HTML_TYPE, b->p ? b->p : "", b->len);
}

/* Writes fmt with each "%s" replaced by the next of args, everything escaped. */
static void put_fmt(struct jbuf *b, const char *fmt, const char *const *args, size_t n)
{
    const char *at;
    size_t i = 0;

    while ((at = strstr(fmt, "%s")) != NULL) {
        html_textn(b, fmt, (size_t)(at - fmt));
        html_text(b, i < n ? args[i] : "");
        i++;
        fmt = at + 2;
    }
    html_text(b, fmt);
}

static void put_fmt1(struct jbuf *b, const char *fmt, const char *arg)
{
    put_fmt(b, fmt, &arg, 1);
}

/* <tag>text</tag> with text escaped. */
static void element(struct jbuf *b, const char *tag, const char *text)
{
    jbuf_cstr(b, "<");
    jbuf_cstr(b, tag);
    jbuf_cstr(b, ">");
    html_text(b, text);
    jbuf_cstr(b, "</");
    jbuf_cstr(b, tag);
    jbuf_cstr(b, ">\n");
}

/* A page with a title and one paragraph, and a link back to the form. */
static int message_page(h2o_req_t *req, int status, const char *reason, const char *title,
                        const char *text)
{
    struct jbuf *b = server_scratch();

    html_begin_lang(b, T->lang, title, T->area);
    element(b, "h1", title);
    jbuf_cstr(b, "<div class=\"box error\" role=\"alert\"><p>");
    html_text(b, text);
    jbuf_cstr(b, "</p></div>\n<p><a href=\"/\">");
    html_text(b, T->again);
    jbuf_cstr(b, "</a></p>\n");
    html_end(b);
    return send_page(req, status, reason, b);
}

static int busy_page(h2o_req_t *req)
{
    header(req, H2O_TOKEN_RETRY_AFTER, "1");
    return message_page(req, 503, "Service Unavailable", T->busy_title, T->busy_text);
}

static int method_page(h2o_req_t *req, const char *allow)
{
    header(req, H2O_TOKEN_ALLOW, allow);
    return message_page(req, 405, "Method Not Allowed", T->method_title, T->method_text);
}

/* The form, with the values typed so far and what was wrong with them (NULL: nothing). */
static int form_page(h2o_req_t *req, int status, const char *reason, const char *mac,
                     const char *serial, const char *error)
{
    struct jbuf *b = server_scratch();

    html_begin_lang(b, T->lang, T->form_title, T->area);
    element(b, "h1", T->form_title);
    element(b, "p", T->form_intro);
    if (error) {
        jbuf_cstr(b, "<div class=\"box error\" role=\"alert\" id=\"form-error\"><p>");
        html_text(b, error);
        jbuf_cstr(b, "</p></div>\n");
    }
    jbuf_cstr(b, "<form class=\"box\" method=\"post\" action=\"/lookup\">\n"
                 "<label for=\"mac\">");
    html_text(b, T->mac_label);
    jbuf_cstr(b, "</label>\n<input type=\"text\" id=\"mac\" name=\"mac\" required "
                 "maxlength=\"32\" autocomplete=\"off\" autocapitalize=\"characters\" "
                 "spellcheck=\"false\" aria-describedby=\"mac-hint\" value=\"");
    html_text(b, mac);
    jbuf_cstr(b, "\">\n<p class=\"muted\" id=\"mac-hint\">");
    html_text(b, T->mac_hint);
    jbuf_cstr(b, "</p>\n<label for=\"serial\">");
    html_text(b, T->serial_label);
    jbuf_cstr(b, "</label>\n<input type=\"text\" id=\"serial\" name=\"serial\" required "
                 "maxlength=\"64\" autocomplete=\"off\" autocapitalize=\"characters\" "
                 "spellcheck=\"false\" aria-describedby=\"serial-hint\" value=\"");
    html_text(b, serial);
    jbuf_cstr(b, "\">\n<p class=\"muted\" id=\"serial-hint\">");
    html_text(b, T->serial_hint);
    jbuf_cstr(b, "</p>\n<button type=\"submit\">");
    html_text(b, T->submit);
    jbuf_cstr(b, "</button>\n</form>\n");
    html_end(b);
    return send_page(req, status, reason, b);
}

/* ---- reading a form ----------------------------------------------------------------- */

static bool is_form(h2o_req_t *req)
{
    ssize_t i = h2o_find_header(&req->headers, H2O_TOKEN_CONTENT_TYPE, -1);
    static const char want[] = "application/x-www-form-urlencoded";
    h2o_iovec_t v;

    if (i < 0)
        return false;
    v = req->headers.entries[i].value;
    return v.len >= sizeof(want) - 1 && h2o_lcstris(v.base, sizeof(want) - 1, H2O_STRLIT(want)) &&
           (v.len == sizeof(want) - 1 || v.base[sizeof(want) - 1] == ';' ||
            v.base[sizeof(want) - 1] == ' ');
}

/* ---- the rate limit ----------------------------------------------------------------- */

/* Takes one request of the client from its bucket; when it is over the limit, answers
 * 429 itself (the first refusal of a run audited, the others counted) and returns
 * false. */
static bool within_limit(h2o_req_t *req, const char *peer, const char *ua, const char *what)
{
    char key[RATELIMIT_KEY_MAX], secs[24], detail[64];
    bool first = false;
    unsigned wait;

    pthread_once(&limiter_once, limiter_init);
    ratelimit_client_key(peer, key);
    wait = ratelimit_take(&limiter, key, isotime_mono_ms(), &first);
    if (wait == 0)
        return true;
    count(&lookups[OUT_RATE_LIMITED]);
    if (first) {
        struct store_event ev = {.kind = STORE_AUDIT,
                                 .event = "portal.lookup",
                                 .actor = "portal",
                                 .client_addr = peer,
                                 .user_agent = ua,
                                 .result = outcome_names[OUT_RATE_LIMITED],
                                 .detail = detail};

        snprintf(detail, sizeof(detail), "via=%s retry_after=%u", what, wait);
        if (events_audit(&ev) != 0) /* a full store only loses this note; the 429 stands */
            srvlog(SRVLOG_DEBUG, "portal_rate_limited", peer, "not audited: the store is busy");
        srvlog(SRVLOG_WARN, "portal_rate_limited", peer, "%s: over %u lookups a minute", what,
               server_settings.portal_rate);
    }
    snprintf(secs, sizeof(secs), "%u", wait);
    h2o_add_header(&req->pool, &req->res.headers, H2O_TOKEN_RETRY_AFTER, NULL,
                   h2o_strdup(&req->pool, secs, strlen(secs)).base, strlen(secs));
    message_page(req, 429, "Too Many Requests", T->too_many_title, T->too_many_text);
    return false;
}

/* ---- finding the device ------------------------------------------------------------- */

struct found {
    enum outcome out;
    const struct device *dev;
    const char *model; /* the device's, or its target's only model when devices.csv has none */
    struct update u;
};

/* The serial from the label against devices.csv's: blanks and letter case do not
 * matter; every byte is compared, whatever the first difference. */
static bool serial_matches(const char *typed, const char *known)
{
    size_t a = strlen(typed), b = strlen(known), n = a > b ? a : b;
    unsigned diff = a != b;

    for (size_t i = 0; i < n; i++) {
        unsigned x = i < a ? (unsigned char)typed[i] : 0, y = i < b ? (unsigned char)known[i] : 0;

        x |= x >= 'A' && x <= 'Z' ? 0x20 : 0;
        y |= y >= 'A' && y <= 'Z' ? 0x20 : 0;
        diff |= x ^ y;
    }
    return diff == 0;
}

static void find(const struct catalog *c, uint64_t mac, const char *serial, int64_t now,
                 struct found *f)
{
    const struct target *t;
    struct version zero = {0};

    memset(f, 0, sizeof(*f));
    f->dev = catalog_device(c, mac);
    if (!f->dev) {
        f->out = OUT_UNKNOWN_MAC;
        return;
    }
    if (!serial_matches(serial, f->dev->serial)) {
        f->out = OUT_WRONG_SERIAL;
        return;
    }
    f->model = f->dev->model;
    t = catalog_target(c, mac);
    if (!f->model[0] && t && t->n_devices == 1)
        f->model = t->devices[0].model;
    decide_update(c, mac, f->model, &zero, now, &f->u);
    f->out = f->u.kind == UPDATE_TARGETED  ? OUT_FIX
             : f->u.kind == UPDATE_GENERAL ? OUT_GENERAL
                                           : OUT_NO_UPDATE;
}

/* ---- the answer pages --------------------------------------------------------------- */

static void neutral_page(struct jbuf *b)
{
    html_begin_lang(b, T->lang, T->neutral_title, T->area);
    element(b, "h1", T->neutral_title);
    jbuf_cstr(b, "<div class=\"box\"><p>");
    html_text(b, T->neutral_text);
    jbuf_cstr(b, "</p></div>\n<p><a href=\"/\">");
    html_text(b, T->again);
    jbuf_cstr(b, "</a></p>\n");
    html_end(b);
}

/* "YYYY-MM-DD", with " HH:MM UTC" unless t is a midnight. */
static void when(int64_t t, char out[ISOTIME_STR_LEN + 8])
{
    char iso[ISOTIME_STR_LEN];

    isotime_format(t, iso);
    if (t % 86400 == 0)
        snprintf(out, ISOTIME_STR_LEN + 8, "%.10s", iso);
    else
        snprintf(out, ISOTIME_STR_LEN + 8, "%.10s %.5s UTC", iso, iso + 11);
}

/* A release date as a customer reads it: the day of an ISO 8601 time. */
static void put_released(struct jbuf *b, const char *date)
{
    char day[16];

    if (!date || !date[0])
        return;
    snprintf(day, sizeof(day), "%.10s", date);
    jbuf_cstr(b, "<p class=\"muted\">");
    put_fmt1(b, T->released_fmt, strlen(date) > 10 && date[10] == 'T' ? day : date);
    jbuf_cstr(b, "</p>\n");
}

/* A link a customer may follow: a path on this server or an http(s) URL. */
static bool url_ok(const char *u)
{
    return u && (u[0] == '/' || strncmp(u, "https://", 8) == 0 || strncmp(u, "http://", 7) == 0);
}

/* The href of an image: its repository path (with a download token for mac when not 0),
 * else its URL as the catalog says. Returns false when there is nothing to link. */
static bool put_href(struct jbuf *b, const char *file, const char *url, uint64_t mac,
                     int64_t token_exp)
{
    struct jbuf path;
    char tok[TOKEN_STR_MAX];
    bool ok = true;

    if (!file) {
        if (!url_ok(url))
            return false;
        html_text(b, url);
        return true;
    }
    jbuf_init(&path, TOKEN_PATH_MAX);
    jbuf_raw(&path, "/", 1);
    jbuf_urlpath(&path, file, strlen(file));
    if (path.overflow || (mac && token_make(mac, path.p, path.len, token_exp, tok) < 0))
        ok = false;
    if (ok) {
        html_textn(b, path.p, path.len);
        if (mac) {
            jbuf_cstr(b, "?token=");
            html_text(b, tok);
        }
    }
    jbuf_free(&path);
    return ok;
}

/* A step without the number it may carry ("1. Download ..."): the list numbers it. */
static const char *unnumbered(const char *s)
{
    const char *p = s;

    while (*p >= '0' && *p <= '9')
        p++;
    if (p == s || (*p != '.' && *p != ')') || p[1] != ' ')
        return s;
    for (p += 2; *p == ' ';)
        p++;
    return *p ? p : s;
}

static void put_steps(struct jbuf *b, const char *heading, const char *const *v, size_t n)
{
    if (!n)
        return;
    element(b, "h2", heading);
    jbuf_cstr(b, "<ol>\n");
    for (size_t i = 0; i < n; i++)
        element(b, "li", unnumbered(v[i]));
    jbuf_cstr(b, "</ol>\n");
}

static void put_checksum(struct jbuf *b, const char *sha256, uint64_t size)
{
    char n[32];

    jbuf_cstr(b, "<p class=\"muted\">");
    if (size) {
        snprintf(n, sizeof(n), "%llu", (unsigned long long)size);
        put_fmt1(b, T->size_fmt, n);
        jbuf_cstr(b, "<br>");
    }
    if (sha256 && sha256[0]) {
        html_text(b, T->checksum_label);
        jbuf_cstr(b, ": <code class=\"sha256\">");
        html_text(b, sha256);
        jbuf_cstr(b, "</code>");
    }
    jbuf_cstr(b, "</p>\n");
}

static void put_validity(struct jbuf *b, const struct catalog *c, const struct found *f,
                         int64_t now)
{
    const struct target *t = f->u.target;
    const struct target_device *fix = f->u.fix;
    const struct release *stable =
        fix->rollback_version ? catalog_release(c, fix->model, fix->rollback_version) : NULL;
    char date[ISOTIME_STR_LEN + 8], days[24];

    element(b, "h2", T->validity_heading);
    jbuf_cstr(b, "<p id=\"expiry\">");
    if (t->expiry == NEVER_EXPIRES) {
        html_text(b, T->never_expires);
    } else if (t->expiry - now < 86400) {
        html_text(b, T->expires_today);
    } else {
        const char *args[2] = {date, days};

        when(t->expiry, date);
        snprintf(days, sizeof(days), "%lld", (long long)((t->expiry - now) / 86400));
        put_fmt(b, T->expires_fmt, args, 2);
    }
    if (fix->rollback_version) {
        jbuf_cstr(b, " <span id=\"rollback\">");
        put_fmt1(b, t->auto_rollback ? T->rollback_auto_fmt : T->rollback_manual_fmt,
                 fix->rollback_version);
        jbuf_cstr(b, "</span>");
    }
    jbuf_cstr(b, "</p>\n");
    if (fix->rollback_version && (stable || url_ok(fix->rollback_url))) {
        size_t mark = b->len;

        jbuf_cstr(b, "<p><a href=\"");
        if (put_href(b, stable ? stable->file : NULL, stable ? stable->url : fix->rollback_url, 0,
                     0)) {
            jbuf_cstr(b, "\">");
            html_text(b, T->rollback_link);
            jbuf_cstr(b, " (");
            html_text(b, fix->rollback_version);
            jbuf_cstr(b, ")</a></p>\n");
        } else {
            b->len = mark;
        }
    }
}

static void feedback_form(struct jbuf *b, const char *mac, const char *serial)
{
    char n[16];

    snprintf(n, sizeof(n), "%d", COMMENT_CHARS);
    jbuf_cstr(b, "<form class=\"box\" method=\"post\" action=\"/feedback\" id=\"feedback\">\n"
                 "<h2 id=\"feedback-heading\">");
    html_text(b, T->feedback_heading);
    jbuf_cstr(b, "</h2>\n<input type=\"hidden\" name=\"mac\" value=\"");
    html_text(b, mac);
    jbuf_cstr(b, "\">\n<input type=\"hidden\" name=\"serial\" value=\"");
    html_text(b, serial);
    jbuf_cstr(b, "\">\n<fieldset>\n<legend>");
    html_text(b, T->feedback_question);
    jbuf_cstr(b, "</legend>\n<label><input type=\"radio\" name=\"solved\" value=\"yes\" "
                 "required> ");
    html_text(b, T->feedback_yes);
    jbuf_cstr(b, "</label>\n<label><input type=\"radio\" name=\"solved\" value=\"no\"> ");
    html_text(b, T->feedback_no);
    jbuf_cstr(b, "</label>\n</fieldset>\n<label for=\"comment\">");
    html_text(b, T->feedback_comment);
    jbuf_cstr(b, "</label>\n<textarea id=\"comment\" name=\"comment\" rows=\"3\" maxlength=\"");
    jbuf_cstr(b, n);
    jbuf_cstr(b, "\" aria-describedby=\"comment-hint\"></textarea>\n"
                 "<p class=\"muted\" id=\"comment-hint\">");
    html_text(b, T->feedback_comment_hint);
    jbuf_cstr(b, "</p>\n<button type=\"submit\">");
    html_text(b, T->feedback_submit);
    jbuf_cstr(b, "</button>\n</form>\n");
}

static void fix_page(struct jbuf *b, const struct catalog *c, const struct found *f,
                     const char *mac, const char *serial, int64_t now)
{
    const struct target *t = f->u.target;
    const struct target_device *fix = f->u.fix;
    int64_t exp = ((now + server_settings.token_ttl) / TOKEN_STEP + 1) * TOKEN_STEP;
    char until[ISOTIME_STR_LEN + 8];
    size_t mark;

    html_begin_lang(b, T->lang, T->fix_title, T->area);
    element(b, "h1", T->fix_title);
    element(b, "p", T->fix_intro);
    jbuf_cstr(b, "<section class=\"box\">\n<h2 id=\"version\">");
    put_fmt1(b, T->version_fmt, fix->version);
    jbuf_cstr(b, "</h2>\n");
    put_released(b, fix->release_date);
    if (fix->changelog && fix->changelog[0]) {
        element(b, "h3", T->changelog_heading);
        jbuf_cstr(b, "<p id=\"changelog\">");
        html_text(b, fix->changelog);
        jbuf_cstr(b, "</p>\n");
    }
    if (fix->n_fixes) {
        element(b, "h3", T->fixes_heading);
        jbuf_cstr(b, "<ul id=\"fixes\">\n");
        for (size_t i = 0; i < fix->n_fixes; i++)
            element(b, "li", fix->fixes[i]);
        jbuf_cstr(b, "</ul>\n");
    }
    mark = b->len;
    jbuf_cstr(b, "<p><a class=\"button\" id=\"download\" download href=\"");
    if (put_href(b, fix->file, f->u.url, t->mac, exp)) {
        jbuf_cstr(b, "\">");
        put_fmt1(b, T->download_fmt, fix->version);
        jbuf_cstr(b, "</a></p>\n");
        put_checksum(b, f->u.sha256, f->u.size);
        if (fix->file) {
            when(exp, until);
            jbuf_cstr(b, "<p class=\"muted\">");
            put_fmt1(b, T->link_valid_fmt, until);
            jbuf_cstr(b, "</p>\n");
        }
    } else {
        b->len = mark;
    }
    jbuf_cstr(b, "</section>\n");
    put_steps(b, T->install_heading, t->install_steps, t->n_install);
    put_steps(b, T->verify_heading, t->verify_steps, t->n_verify);
    put_validity(b, c, f, now);
    feedback_form(b, mac, serial);
    if (t->support_contact && t->support_contact[0]) {
        element(b, "h2", T->support_heading);
        jbuf_cstr(b, "<p id=\"support\">");
        put_fmt1(b, T->support_fmt, t->support_contact);
        jbuf_cstr(b, "</p>\n");
    }
    jbuf_cstr(b, "<p><a href=\"/\">");
    html_text(b, T->again);
    jbuf_cstr(b, "</a></p>\n");
    html_end(b);
}

static void general_page(struct jbuf *b, const struct found *f)
{
    const struct release *r = f->u.release;
    size_t mark;

    html_begin_lang(b, T->lang, T->general_title, T->area);
    element(b, "h1", T->general_title);
    jbuf_cstr(b, "<p>");
    put_fmt1(b, T->general_intro_fmt, f->model);
    jbuf_cstr(b, "</p>\n<section class=\"box\">\n<h2 id=\"version\">");
    put_fmt1(b, T->version_fmt, r->version);
    jbuf_cstr(b, "</h2>\n");
    put_released(b, r->release_date);
    if (r->description && r->description[0]) {
        element(b, "h3", T->changelog_heading);
        jbuf_cstr(b, "<p id=\"changelog\">");
        html_text(b, r->description);
        jbuf_cstr(b, "</p>\n");
    }
    mark = b->len;
    jbuf_cstr(b, "<p><a class=\"button\" id=\"download\" download href=\"");
    if (put_href(b, r->file, r->url, 0, 0)) {
        jbuf_cstr(b, "\">");
        put_fmt1(b, T->general_download_fmt, r->version);
        jbuf_cstr(b, "</a></p>\n");
        put_checksum(b, r->sha256, r->size);
    } else {
        b->len = mark;
    }
    jbuf_cstr(b, "</section>\n<p><a href=\"/\">");
    html_text(b, T->again);
    jbuf_cstr(b, "</a></p>\n");
    html_end(b);
}

/* ---- lookups and feedback ----------------------------------------------------------- */

/* The page of a held lookup or feedback, once its audit record is committed. */
static void answer_held(h2o_req_t *req, const void *data, size_t len, int result)
{
    struct jbuf b = {.p = (char *)(uintptr_t)data, .len = len, .cap = len, .max = len};

    if (result < 0) {
        busy_page(req);
        return;
    }
    send_page(req, 200, "OK", &b);
}

/* Audits ev and sends the page in b once it is committed. */
static int hold(h2o_req_t *req, const struct store_event *ev, const struct jbuf *b)
{
    if (b->overflow)
        return send_page(req, 500, "Internal Server Error", b);
    if (events_hold_audit(req, ev, answer_held, NULL, b->p, b->len) != 0)
        return busy_page(req);
    return 0;
}

/* The checks every POST of the portal shares; answers and returns false when one fails. */
static bool post_ok(h2o_req_t *req, const char *peer, const char *ua, const char *what)
{
    if (!server_method_is(req, "POST"))
        return method_page(req, "POST"), false;
    if (!within_limit(req, peer, ua, what))
        return false;
    if (req->entity.len > BODY_MAX)
        return message_page(req, 413, "Payload Too Large", T->too_large_title, T->too_large_text),
               false;
    if (!is_form(req))
        return message_page(req, 415, "Unsupported Media Type", T->type_title, T->type_text), false;
    return true;
}

/* Checks the MAC and the serial; answers the form with what is wrong and returns -1. */
static int read_device(h2o_req_t *req, const char *mac, const char *serial, uint64_t *out)
{
    struct fw_err err;
    char msg[FW_ERRLEN + 64];

    if (mac_parse(mac, out, &err) < 0) {
        count(&lookups[OUT_INVALID]);
        snprintf(msg, sizeof(msg), T->bad_mac_fmt, err.msg);
        return form_page(req, 400, "Bad Request", mac, serial, msg), -1;
    }
    if (!serial[0]) {
        count(&lookups[OUT_INVALID]);
        return form_page(req, 400, "Bad Request", mac, serial, T->no_serial), -1;
    }
    return 0;
}

static int bad_field(h2o_req_t *req, const char *name)
{
    char msg[256];

    count(&lookups[OUT_INVALID]);
    snprintf(msg, sizeof(msg), T->bad_field_fmt, name);
    return form_page(req, 400, "Bad Request", "", "", msg);
}

static int lookup(h2o_req_t *req)
{
    char mac_raw[MAC_MAX], serial_raw[SERIAL_MAX], peer[SERVER_PEER_MAX], ua[EVENTS_UA_MAX];
    struct form_field f[] = {{"mac", mac_raw, sizeof(mac_raw), false, false},
                             {"serial", serial_raw, sizeof(serial_raw), false, false}};
    const struct snapshot *s;
    const char *bad = NULL, *mac, *serial;
    struct found fd;
    struct jbuf *b;
    int64_t now;
    uint64_t m;

    server_peer(req, peer);
    events_user_agent(req, ua);
    if (!post_ok(req, peer, ua, "lookup"))
        return 0;
    mac_raw[0] = serial_raw[0] = '\0';
    if (form_parse(req->entity.base, req->entity.len, f, 2, &bad) < 0)
        return bad_field(req, bad);
    mac = form_trim(mac_raw);
    serial = form_trim(serial_raw);
    if (read_device(req, mac, serial, &m) < 0)
        return 0;

    s = server_snapshot();
    now = isotime_now();
    find(s->cat, m, serial, now, &fd);
    count(&lookups[fd.out]);
    b = server_scratch();
    if (fd.out == OUT_FIX)
        fix_page(b, s->cat, &fd, mac, serial, now);
    else if (fd.out == OUT_GENERAL)
        general_page(b, &fd);
    else
        neutral_page(b);

    struct store_event ev = {.kind = STORE_AUDIT,
                             .mac = m,
                             .event = "portal.lookup",
                             .actor = "portal",
                             .client_addr = peer,
                             .user_agent = ua,
                             .version = fd.u.version,
                             .result = outcome_names[fd.out],
                             .detail = "via=lookup"};
    return hold(req, &ev, b);
}

static void thanks_page(struct jbuf *b, bool solved, const struct target *t)
{
    html_begin_lang(b, T->lang, T->thanks_title, T->area);
    element(b, "h1", T->thanks_title);
    jbuf_cstr(b, "<div class=\"box\"><p id=\"thanks\">");
    if (solved)
        html_text(b, T->thanks_solved);
    else
        put_fmt1(b, T->thanks_not_solved_fmt, t->support_contact ? t->support_contact : "");
    jbuf_cstr(b, "</p></div>\n<p><a href=\"/\">");
    html_text(b, T->again);
    jbuf_cstr(b, "</a></p>\n");
    html_end(b);
}

/* The fix feedback is about: the device's target, for its model, in any state (a
 * customer may answer after the fix expired). NULL when the lookup would not show one. */
static const struct target_device *feedback_fix(const struct catalog *c, const struct found *fd,
                                                uint64_t mac)
{
    const struct target *t = catalog_target(c, mac);

    if (fd->out == OUT_UNKNOWN_MAC || fd->out == OUT_WRONG_SERIAL || !t || !fd->model)
        return NULL;
    return target_device_for(t, fd->model);
}

static int feedback(h2o_req_t *req)
{
    char mac_raw[MAC_MAX], serial_raw[SERIAL_MAX], answer[ANSWER_MAX], comment[COMMENT_MAX + 1];
    char peer[SERVER_PEER_MAX], ua[EVENTS_UA_MAX];
    struct form_field f[] = {{"mac", mac_raw, sizeof(mac_raw), false, false},
                             {"serial", serial_raw, sizeof(serial_raw), false, false},
                             {"solved", answer, sizeof(answer), false, false},
                             {"comment", comment, sizeof(comment), true, false}};
    const struct target_device *fix;
    const struct snapshot *s;
    const char *bad = NULL, *mac, *serial;
    struct found fd;
    struct jbuf *b;
    bool solved;
    uint64_t m;

    server_peer(req, peer);
    events_user_agent(req, ua);
    if (!post_ok(req, peer, ua, "feedback"))
        return 0;
    mac_raw[0] = serial_raw[0] = answer[0] = comment[0] = '\0';
    if (form_parse(req->entity.base, req->entity.len, f, 4, &bad) < 0)
        return bad_field(req, bad);
    mac = form_trim(mac_raw);
    serial = form_trim(serial_raw);
    if (read_device(req, mac, serial, &m) < 0)
        return 0;
    if (strcmp(answer, "yes") != 0 && strcmp(answer, "no") != 0) {
        count(&feedbacks[FB_REFUSED]);
        return message_page(req, 400, "Bad Request", T->error_title, T->no_answer);
    }
    solved = answer[0] == 'y';

    s = server_snapshot();
    find(s->cat, m, serial, isotime_now(), &fd);
    fix = feedback_fix(s->cat, &fd, m);
    b = server_scratch();
    struct store_event ev = {
        .kind = STORE_AUDIT, .mac = m, .actor = "portal", .client_addr = peer, .user_agent = ua};
    if (!fix) {
        /* the same neutral page as a lookup, audited as one */
        count(&feedbacks[FB_REFUSED]);
        count(&lookups[fd.out]);
        neutral_page(b);
        ev.event = "portal.lookup";
        ev.result =
            outcome_names[fd.out == OUT_FIX || fd.out == OUT_GENERAL ? OUT_NO_UPDATE : fd.out];
        ev.detail = "via=feedback";
        return hold(req, &ev, b);
    }
    count(&feedbacks[solved ? FB_SOLVED : FB_NOT_SOLVED]);
    thanks_page(b, solved, catalog_target(s->cat, m));
    ev.event = "portal.feedback";
    ev.version = fix->version;
    ev.result = feedback_names[solved ? FB_SOLVED : FB_NOT_SOLVED];
    ev.detail = comment;
    srvlog(solved ? SRVLOG_INFO : SRVLOG_WARN, "portal_feedback", mac, "fix %s: %s", fix->version,
           ev.result);
    return hold(req, &ev, b);
}

int portal_handle(h2o_req_t *req, const char *p, size_t n)
{
    if (path_is(p, n, "/lookup"))
        return lookup(req);
    if (path_is(p, n, "/feedback"))
        return feedback(req);
    if (!server_method_is(req, "GET") && !server_method_is(req, "HEAD"))
        return method_page(req, "GET, HEAD");
    return form_page(req, 200, "OK", "", "", NULL);
}

void portal_render_metrics(struct jbuf *b)
{
    jbuf_cstr(b, "# HELP fwhub_portal_lookups_total Portal lookups, by result (rate_limited: "
                 "refused with 429).\n# TYPE fwhub_portal_lookups_total counter\n");
    for (size_t i = 0; i < OUT_COUNT; i++)
        jbuf_printf(b, "fwhub_portal_lookups_total{result=\"%s\"} %llu\n", outcome_names[i],
                    (unsigned long long)atomic_load(&lookups[i]));
    jbuf_cstr(b, "# HELP fwhub_portal_feedback_total Feedback on targeted fixes, by answer.\n"
                 "# TYPE fwhub_portal_feedback_total counter\n");
    for (size_t i = 0; i < FB_COUNT; i++)
        jbuf_printf(b, "fwhub_portal_feedback_total{result=\"%s\"} %llu\n", feedback_names[i],
                    (unsigned long long)atomic_load(&feedbacks[i]));
    pthread_once(&limiter_once, limiter_init);
    jbuf_printf(b,
                "# HELP fwhub_portal_ratelimit_evictions_total Clients the rate limiter's "
                "table forgot early.\n# TYPE fwhub_portal_ratelimit_evictions_total counter\n"
                "fwhub_portal_ratelimit_evictions_total %llu\n",
                (unsigned long long)ratelimit_evictions(&limiter));
}
