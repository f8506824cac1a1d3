/* admin_pages.c: the admin pages: tables, forms and SVG charts drawn on the server, every
 * value escaped. Rendered from the JSON documents of admin_ops.c, which the API sends as
 * they are, so that pages and API never disagree. */
#include "admin_pages.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "core/error.h"
#include "html.h"

#define CHART_W 640
#define CHART_H 200

static const char *str(json_t *o, const char *key)
{
    const char *s = json_string_value(json_object_get(o, key));

    return s ? s : "";
}

static void num(struct jbuf *b, json_t *v)
{
    char n[32];

    if (json_is_integer(v))
        snprintf(n, sizeof(n), "%lld", (long long)json_integer_value(v));
    else if (json_is_real(v))
        snprintf(n, sizeof(n), "%.1f", json_real_value(v));
    else
        snprintf(n, sizeof(n), "–");
    jbuf_cstr(b, n);
}

static void cell(struct jbuf *b, const char *s)
{
    jbuf_cstr(b, "<td>");
    html_text(b, s);
    jbuf_cstr(b, "</td>");
}

static void nav(struct jbuf *b, const struct admin_page *p)
{
    jbuf_cstr(b, "<nav class=\"box\"><a href=\"/admin/targets\">Targets</a> · "
                 "<a href=\"/admin/targets/new\">New target</a> · "
                 "<a href=\"/admin/releases\">Releases</a> · "
                 "<a href=\"/admin/audit\">Audit</a> · "
                 "<a href=\"/admin/report\">Report</a>"
                 "<form method=\"post\" action=\"/admin/signout\" style=\"display:inline\">"
                 "<input type=\"hidden\" name=\"csrf\" value=\"");
    html_text(b, p->csrf);
    jbuf_cstr(b, "\"> · <span class=\"muted\">signed in as ");
    html_text(b, p->identity);
    jbuf_cstr(b, "</span> <button type=\"submit\" style=\"margin:0;padding:.2rem .6rem\">"
                 "Sign out</button></form></nav>\n");
    if (p->notice) {
        jbuf_cstr(b, "<p class=\"box\" role=\"status\">");
        html_text(b, p->notice);
        jbuf_cstr(b, "</p>\n");
    }
}

static void begin(struct jbuf *b, const struct admin_page *p, const char *title)
{
    html_begin(b, title, "fwhub administration");
    if (p && p->identity)
        nav(b, p);
    jbuf_cstr(b, "<h1>");
    html_text(b, title);
    jbuf_cstr(b, "</h1>\n");
}

void admin_page_signin(struct jbuf *b, const char *error)
{
    begin(b, NULL, "Sign in");
    if (error) {
        jbuf_cstr(b, "<p class=\"box error\" role=\"alert\">");
        html_text(b, error);
        jbuf_cstr(b, "</p>\n");
    }
    jbuf_cstr(b, "<form class=\"box\" method=\"post\" action=\"/admin/signin\">"
                 "<label for=\"token\">Admin token</label>"
                 "<input type=\"password\" id=\"token\" name=\"token\" required "
                 "autocomplete=\"current-password\">"
                 "<button type=\"submit\">Sign in</button></form>\n"
                 "<p class=\"muted\">The tokens are the lines of the file given to "
                 "<code>fwhub serve --admin-token-file</code>.</p>\n");
    html_end(b);
}

void admin_page_off(struct jbuf *b)
{
    begin(b, NULL, "Administration is off");
    jbuf_cstr(b, "<p class=\"box\">This server was started without admin tokens. Start "
                 "<code>fwhub serve</code> with <code>--admin-token-file FILE</code> to use "
                 "these pages and the admin API.</p>\n");
    html_end(b);
}

void admin_page_error(struct jbuf *b, const struct admin_page *p, int status, const char *msg)
{
    char title[64];

    snprintf(title, sizeof(title), "%s",
             status == 404   ? "Not found"
             : status == 403 ? "Refused"
             : status == 409 ? "Conflict"
             : status < 500  ? "Cannot do that"
                             : "Something went wrong");
    begin(b, p && p->identity ? p : NULL, title);
    jbuf_cstr(b, "<p class=\"box error\" role=\"alert\">");
    html_text(b, msg ? msg : "");
    jbuf_cstr(b, "</p>\n<p><a href=\"/admin/targets\">Back to the targets</a></p>\n");
    html_end(b);
}

static const char *state_text(const char *s)
{
    return strcmp(s, "expiring") == 0 ? "expiring soon" : s;
}

static void last_status(struct jbuf *b, json_t *ls)
{
    jbuf_cstr(b, "<td>");
    if (json_is_object(ls)) {
        html_text(b, str(ls, "status"));
        jbuf_cstr(b, " <span class=\"muted\">");
        html_text(b, str(ls, "time"));
        jbuf_cstr(b, "</span>");
    } else {
        jbuf_cstr(b, "<span class=\"muted\">none</span>");
    }
    jbuf_cstr(b, "</td>");
}

void admin_page_targets(struct jbuf *b, const struct admin_page *p, json_t *doc)
{
    json_t *list = json_object_get(doc, "targets"), *t;
    size_t i;

    begin(b, p, "Targeted fixes");
    jbuf_cstr(b, "<p><a class=\"button\" href=\"/admin/targets/new\">Create a targeted fix</a>"
                 "</p>\n");
    if (json_array_size(list) == 0) {
        jbuf_cstr(b, "<p class=\"box\">No targeted fixes.</p>\n");
        html_end(b);
        return;
    }
    jbuf_cstr(b, "<div class=\"scroll\"><table><thead><tr><th>MAC</th><th>State</th>"
                 "<th>Customer</th><th>Ticket</th><th>Version</th><th>Expires</th>"
                 "<th>Downloads</th><th>Last status</th><th>Fix confirmed</th></tr></thead>"
                 "<tbody>\n");
    json_array_foreach(list, i, t)
    {
        jbuf_cstr(b, "<tr><td><a href=\"/admin/targets/");
        html_text(b, str(t, "mac"));
        jbuf_cstr(b, "\">");
        html_text(b, str(t, "mac"));
        jbuf_cstr(b, "</a></td>");
        cell(b, state_text(str(t, "state")));
        cell(b, str(t, "customer"));
        cell(b, str(t, "ticket"));
        cell(b, str(t, "version"));
        cell(b, str(t, "expires"));
        jbuf_cstr(b, "<td>");
        num(b, json_object_get(t, "downloads_completed"));
        jbuf_cstr(b, " of ");
        num(b, json_object_get(t, "downloads_started"));
        jbuf_cstr(b, "</td>");
        last_status(b, json_object_get(t, "last_status"));
        cell(b, json_is_true(json_object_get(t, "fix_confirmed")) ? "yes" : "no");
        jbuf_cstr(b, "</tr>\n");
    }
    jbuf_cstr(b, "</tbody></table></div>\n");
    html_end(b);
}

static void row(struct jbuf *b, const char *name, const char *value)
{
    jbuf_cstr(b, "<tr><th scope=\"row\">");
    html_text(b, name);
    jbuf_cstr(b, "</th>");
    cell(b, value);
    jbuf_cstr(b, "</tr>\n");
}

static void list_items(struct jbuf *b, const char *title, json_t *arr, bool ordered)
{
    size_t i;
    json_t *v;

    jbuf_cstr(b, "<h2>");
    html_text(b, title);
    jbuf_cstr(b, ordered ? "</h2><ol>" : "</h2><ul>");
    json_array_foreach(arr, i, v)
    {
        jbuf_cstr(b, "<li>");
        html_text(b, json_string_value(v));
        jbuf_cstr(b, "</li>");
    }
    jbuf_cstr(b, ordered ? "</ol>\n" : "</ul>\n");
}

static void records(struct jbuf *b, json_t *arr, const char *none)
{
    size_t i;
    json_t *r;

    if (json_array_size(arr) == 0) {
        jbuf_cstr(b, "<p class=\"muted\">");
        html_text(b, none);
        jbuf_cstr(b, "</p>\n");
        return;
    }
    jbuf_cstr(b, "<div class=\"scroll\"><table><thead><tr><th>Time</th><th>Event</th>"
                 "<th>Actor</th><th>Client</th><th>Result</th><th>Detail</th></tr></thead>"
                 "<tbody>\n");
    json_array_foreach(arr, i, r)
    {
        jbuf_cstr(b, "<tr>");
        cell(b, str(r, "time"));
        cell(b, str(r, "event"));
        cell(b, str(r, "actor"));
        cell(b, str(r, "client_addr"));
        cell(b, str(r, "result"));
        cell(b, str(r, "detail"));
        jbuf_cstr(b, "</tr>\n");
    }
    jbuf_cstr(b, "</tbody></table></div>\n");
}

static void device(struct jbuf *b, json_t *d)
{
    char size[32];

    snprintf(size, sizeof(size), "%lld bytes",
             (long long)json_integer_value(json_object_get(d, "size_bytes")));
    jbuf_cstr(b, "<h2>Firmware</h2><div class=\"scroll\"><table><tbody>\n");
    row(b, "Model", str(d, "model"));
    row(b, "Version", str(d, "version"));
    row(b, "Image", str(d, "url"));
    row(b, "Size", size);
    row(b, "Checksum", str(d, "checksum"));
    row(b, "Rollback to", str(d, "rollback_version"));
    jbuf_cstr(b, "</tbody></table></div>\n<h2>Changelog</h2><pre class=\"box\">");
    html_text(b, str(d, "changelog"));
    jbuf_cstr(b, "</pre>\n");
    list_items(b, "Fix description", json_object_get(d, "fix_description"), false);
}

void admin_page_target(struct jbuf *b, const struct admin_page *p, json_t *doc)
{
    json_t *t = json_object_get(doc, "target"), *rep = json_object_get(t, "report"), *d;
    size_t i;
    char title[80];

    snprintf(title, sizeof(title), "Target %s", str(t, "mac"));
    begin(b, p, title);
    jbuf_cstr(b, "<div class=\"scroll\"><table><tbody>\n");
    row(b, "State", state_text(str(rep, "state")));
    row(b, "Customer", str(t, "customer"));
    row(b, "Serial", str(t, "serial"));
    row(b, "Ticket", str(t, "ticket"));
    row(b, "Created", str(t, "created"));
    row(b, "Expires", str(t, "expires"));
    row(b, "Automatic rollback", json_is_true(json_object_get(t, "auto_rollback")) ? "yes" : "no");
    row(b, "Support contact", str(t, "support_contact"));
    row(b, "Fix confirmed", json_is_true(json_object_get(rep, "fix_confirmed")) ? "yes" : "no");
    row(b, "File", str(t, "file"));
    jbuf_cstr(b, "</tbody></table></div>\n");
    json_array_foreach(json_object_get(t, "devices"), i, d) device(b, d);
    list_items(b, "Installation", json_object_get(t, "installation"), false);
    list_items(b, "Verification", json_object_get(t, "verification"), false);
    jbuf_cstr(b, "<h2>Customer feedback</h2>\n");
    records(b, json_object_get(doc, "feedback"), "No feedback from the customer yet.");
    jbuf_cstr(b, "<h2>Audit history</h2>\n");
    if (json_integer_value(json_object_get(doc, "audit_total")) >
        (json_int_t)json_array_size(json_object_get(doc, "audit"))) {
        char line[160];

        snprintf(line, sizeof(line), "The newest %zu of %lld records.",
                 json_array_size(json_object_get(doc, "audit")),
                 (long long)json_integer_value(json_object_get(doc, "audit_total")));
        jbuf_cstr(b, "<p class=\"muted\">");
        html_text(b, line);
        jbuf_cstr(b, " <a href=\"/admin/audit?mac=");
        html_text(b, str(t, "mac"));
        jbuf_cstr(b, "\">The audit page</a> lists them all.</p>\n");
    }
    records(b, json_object_get(doc, "audit"), "No audit records for this device.");
    jbuf_cstr(b, "<h2>Archive</h2><form class=\"box\" method=\"post\" action=\"/admin/targets/");
    html_text(b, str(t, "mac"));
    jbuf_cstr(b, "/archive\"><input type=\"hidden\" name=\"csrf\" value=\"");
    html_text(b, p->csrf);
    jbuf_cstr(b, "\"><p>Moves the fix into <code>targeted/archive/</code>; the device then gets "
                 "general releases again. Nothing is deleted.</p>"
                 "<button type=\"submit\">Archive this target</button></form>\n");
    html_end(b);
}

/* One labelled input of the create form. */
static void input(struct jbuf *b, json_t *values, const char *name, const char *label,
                  const char *type, bool required, const char *hint)
{
    const char *v = json_string_value(json_object_get(values, name));

    jbuf_cstr(b, "<label for=\"");
    html_text(b, name);
    jbuf_cstr(b, "\">");
    html_text(b, label);
    jbuf_cstr(b, required ? " (required)</label>" : "</label>");
    if (hint) {
        jbuf_cstr(b, "<span class=\"muted\">");
        html_text(b, hint);
        jbuf_cstr(b, "</span>");
    }
    if (strcmp(type, "textarea") == 0)
        jbuf_cstr(b, "<textarea rows=\"3\" id=\"");
    else {
        jbuf_cstr(b, "<input type=\"");
        html_text(b, type);
        jbuf_cstr(b, "\" id=\"");
    }
    html_text(b, name);
    jbuf_cstr(b, "\" name=\"");
    html_text(b, name);
    jbuf_cstr(b, required && strcmp(type, "file") != 0 ? "\" required" : "\"");
    if (strcmp(type, "textarea") == 0) {
        jbuf_cstr(b, ">");
        html_text(b, v);
        jbuf_cstr(b, "</textarea>\n");
        return;
    }
    if (v && strcmp(type, "file") != 0) {
        jbuf_cstr(b, " value=\"");
        html_text(b, v);
        jbuf_cstr(b, "\"");
    }
    jbuf_cstr(b, strcmp(type, "file") == 0 ? " required>\n" : ">\n");
}

static void checkbox(struct jbuf *b, json_t *values, const char *name, const char *label)
{
    jbuf_cstr(b, "<label><input type=\"checkbox\" name=\"");
    html_text(b, name);
    jbuf_cstr(b, json_object_get(values, name) ? "\" value=\"on\" checked> " : "\" value=\"on\"> ");
    html_text(b, label);
    jbuf_cstr(b, "</label>\n");
}

void admin_page_create(struct jbuf *b, const struct admin_page *p, const char *error,
                       const char *field, json_t *values)
{
    begin(b, p, "Create a targeted fix");
    if (error) {
        jbuf_cstr(b, "<p class=\"box error\" role=\"alert\">");
        if (field && field[0]) {
            jbuf_cstr(b, "Field <strong>");
            html_text(b, field);
            jbuf_cstr(b, "</strong>: ");
        }
        html_text(b, error);
        jbuf_cstr(b, "</p>\n");
    }
    jbuf_cstr(b, "<form class=\"box\" method=\"post\" action=\"/admin/targets\" "
                 "enctype=\"multipart/form-data\"><input type=\"hidden\" name=\"csrf\" value=\"");
    html_text(b, p->csrf);
    jbuf_cstr(b, "\">\n");
    input(b, values, "mac", "MAC address", "text", true, "any common spelling");
    input(b, values, "issue", "Support ticket", "text", true, NULL);
    input(b, values, "version", "Fix version", "text", true, "e.g. 10.2.1-custom");
    input(b, values, "model", "Hardware model", "text", true, "a model of manifest.json");
    input(b, values, "firmware", "Firmware image", "file", true, NULL);
    input(b, values, "serial", "Device serial", "text", false, "default: devices.csv's");
    input(b, values, "customer", "Customer name", "text", false, "default: devices.csv's");
    input(b, values, "expires", "Expires", "text", false, "ISO 8601 date; or give days");
    input(b, values, "days", "Days until it expires", "text", false, "default 30");
    input(b, values, "changelog", "Changelog", "textarea", false, "public: shown to the customer");
    input(b, values, "fix", "Fix description", "textarea", false, "one item a line");
    input(b, values, "install-step", "Installation steps", "textarea", false,
          "one step a line; default: generic steps");
    input(b, values, "verify-step", "Verification steps", "textarea", false, "one step a line");
    input(b, values, "support-contact", "Support contact", "text", false, NULL);
    input(b, values, "hardware-version", "Hardware version", "text", false,
          "default: from the model");
    input(b, values, "rollback-version", "Roll back to release", "text", false,
          "default: the newest release below the fix");
    checkbox(b, values, "auto-rollback", "Roll the device back automatically after expiry");
    checkbox(b, values, "force", "Allow a MAC that is not in devices.csv");
    checkbox(b, values, "replace", "Replace (archive) an existing target for this MAC");
    jbuf_cstr(b, "<button type=\"submit\">Create</button></form>\n");
    html_end(b);
}

static void filter(struct jbuf *b, const char *name, const char *label, const char *value)
{
    jbuf_cstr(b, "<label for=\"");
    html_text(b, name);
    jbuf_cstr(b, "\">");
    html_text(b, label);
    jbuf_cstr(b, "</label><input type=\"text\" id=\"");
    html_text(b, name);
    jbuf_cstr(b, "\" name=\"");
    html_text(b, name);
    jbuf_cstr(b, "\" value=\"");
    html_text(b, value);
    jbuf_cstr(b, "\">");
}

void admin_page_audit(struct jbuf *b, const struct admin_page *p, json_t *doc, const char *mac,
                      const char *event, const char *since)
{
    begin(b, p, "Audit trail");
    jbuf_cstr(b, "<form class=\"box\" method=\"get\" action=\"/admin/audit\">");
    filter(b, "mac", "Device MAC", mac);
    filter(b, "event", "Event (a name or a glob such as target.*)", event);
    filter(b, "since", "Since (ISO 8601)", since);
    jbuf_cstr(b, "<button type=\"submit\">Show</button></form>\n");
    records(b, json_object_get(doc, "records"), "No audit records match.");
    html_end(b);
}

void admin_page_releases(struct jbuf *b, const struct admin_page *p, json_t *doc)
{
    json_t *m, *r;
    size_t i, k;

    begin(b, p, "Releases");
    json_array_foreach(json_object_get(doc, "models"), i, m)
    {
        jbuf_cstr(b, "<h2>");
        html_text(b, str(m, "model"));
        jbuf_cstr(b, "</h2><div class=\"scroll\"><table><thead><tr><th>Version</th>"
                     "<th>Date</th><th>Size</th><th>Signed</th><th>Offered</th>"
                     "<th>Installs</th><th>Failures</th><th>Success</th><th>Description</th>"
                     "</tr></thead><tbody>\n");
        json_array_foreach(json_object_get(m, "releases"), k, r)
        {
            json_t *rate = json_object_get(r, "success_rate");

            jbuf_cstr(b, "<tr>");
            cell(b, str(r, "version"));
            cell(b, str(r, "release_date"));
            jbuf_cstr(b, "<td>");
            num(b, json_object_get(r, "size_bytes"));
            jbuf_cstr(b, "</td>");
            cell(b, json_is_true(json_object_get(r, "signed")) ? "yes" : "no");
            jbuf_cstr(b, "<td>");
            num(b, json_object_get(r, "offered"));
            jbuf_cstr(b, "</td><td>");
            num(b, json_object_get(r, "installs"));
            jbuf_cstr(b, "</td><td>");
            num(b, json_object_get(r, "failures"));
            jbuf_cstr(b, "</td><td>");
            if (json_is_number(rate)) {
                char pct[16];

                snprintf(pct, sizeof(pct), "%.0f%%", json_number_value(rate) * 100.0);
                jbuf_cstr(b, pct);
            } else {
                jbuf_cstr(b, "–");
            }
            jbuf_cstr(b, "</td>");
            cell(b, str(r, "description"));
            jbuf_cstr(b, "</tr>\n");
        }
        jbuf_cstr(b, "</tbody></table></div>\n");
    }
    html_end(b);
}

/* ---- charts -------------------------------------------------------------------------- */

/* Columns: values[i] over labels[i] (every step-th label shown), scaled to the largest. */
static void columns(struct jbuf *b, const char *title, const char *const *labels,
                    const double *values, size_t n, size_t step)
{
    double max = 1;
    double w = n ? (double)(CHART_W - 40) / (double)n : 1;

    for (size_t i = 0; i < n; i++)
        if (values[i] > max)
            max = values[i];
    jbuf_cstr(b, "<figure class=\"box\"><figcaption>");
    html_text(b, title);
    jbuf_printf(b,
                "</figcaption><svg role=\"img\" viewBox=\"0 0 %d %d\" width=\"100%%\">"
                "<title>",
                CHART_W + 40, CHART_H + 30);
    html_text(b, title);
    jbuf_printf(b,
                "</title><line x1=\"36\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"#5a6270\"/>"
                "<text x=\"32\" y=\"14\" font-size=\"12\" text-anchor=\"end\">%.0f</text>"
                "<text x=\"32\" y=\"%d\" font-size=\"12\" text-anchor=\"end\">0</text>",
                CHART_H, CHART_W, CHART_H, max, CHART_H);
    for (size_t i = 0; i < n; i++) {
        double h = values[i] / max * (CHART_H - 10);

        jbuf_printf(b,
                    "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"#14365d\">"
                    "<title>",
                    40 + (double)i * w, CHART_H - h, w * 0.8, h);
        html_text(b, labels[i]);
        jbuf_printf(b, ": %.0f</title></rect>", values[i]);
        if (step && i % step == 0) {
            jbuf_printf(b, "<text x=\"%.1f\" y=\"%d\" font-size=\"11\">", 40 + (double)i * w,
                        CHART_H + 16);
            html_text(b, labels[i]);
            jbuf_cstr(b, "</text>");
        }
    }
    jbuf_cstr(b, "</svg></figure>\n");
}

/* Horizontal bars: one row per label, value out of max, text beside. */
static void bars(struct jbuf *b, const char *title, const char *const *labels, const double *values,
                 const char *const *texts, size_t n, double max)
{
    int h = (int)n * 26 + 10;

    jbuf_cstr(b, "<figure class=\"box\"><figcaption>");
    html_text(b, title);
    jbuf_printf(b, "</figcaption><svg role=\"img\" viewBox=\"0 0 %d %d\" width=\"100%%\"><title>",
                CHART_W, h);
    html_text(b, title);
    jbuf_cstr(b, "</title>");
    if (max <= 0)
        max = 1;
    for (size_t i = 0; i < n; i++) {
        int y = (int)i * 26 + 6;

        jbuf_printf(b, "<text x=\"0\" y=\"%d\" font-size=\"13\">", y + 15);
        html_text(b, labels[i]);
        jbuf_printf(
            b,
            "</text><rect x=\"220\" y=\"%d\" width=\"%.1f\" height=\"18\" fill=\"#14365d\"/>"
            "<text x=\"%.1f\" y=\"%d\" font-size=\"13\">",
            y, values[i] / max * 340, 226 + values[i] / max * 340, y + 15);
        html_text(b, texts[i]);
        jbuf_cstr(b, "</text>");
    }
    jbuf_cstr(b, "</svg></figure>\n");
}

#define CHART_ROWS 64

static void chart_downloads(struct jbuf *b, json_t *per_day)
{
    const char *labels[366];
    double values[366];
    json_t *d;
    size_t i, n = 0;

    json_array_foreach(json_object_get(per_day, "days"), i, d)
    {
        if (n == 366)
            break;
        labels[n] = str(d, "day");
        values[n++] = (double)json_integer_value(json_object_get(d, "started"));
    }
    columns(b, "Downloads per day (last 30 days, UTC)", labels, values, n, 7);
}

static void chart_success(struct jbuf *b, json_t *report)
{
    static _Thread_local char names[CHART_ROWS][160], texts[CHART_ROWS][48];
    const char *labels[CHART_ROWS], *tx[CHART_ROWS];
    double values[CHART_ROWS];
    json_t *r;
    size_t i, n = 0;

    json_array_foreach(json_object_get(report, "releases"), i, r)
    {
        json_t *rate = json_object_get(r, "success_rate");

        if (n == CHART_ROWS)
            break;
        snprintf(names[n], sizeof(names[n]), "%s %s", str(r, "model"), str(r, "version"));
        values[n] = json_is_number(rate) ? json_number_value(rate) * 100.0 : 0;
        if (json_is_number(rate))
            snprintf(texts[n], sizeof(texts[n]), "%.0f%% (%lld of %lld)", values[n],
                     (long long)json_integer_value(json_object_get(r, "installs")),
                     (long long)(json_integer_value(json_object_get(r, "installs")) +
                                 json_integer_value(json_object_get(r, "failures"))));
        else
            snprintf(texts[n], sizeof(texts[n]), "no installs reported");
        labels[n] = names[n];
        tx[n] = texts[n];
        n++;
    }
    bars(b, "Success rate per release", labels, values, tx, n, 100);
}

static void chart_states(struct jbuf *b, json_t *report)
{
    static const char *const states[] = {"active", "expiring", "expired", "superseded"};
    static const char *const names[] = {"active", "expiring soon", "expired", "superseded"};
    char texts[4][16];
    const char *tx[4];
    double values[4] = {0}, max = 0;
    json_t *t;
    size_t i;

    json_array_foreach(json_object_get(report, "targets"), i,
                       t) for (size_t k = 0; k < 4;
                               k++) if (strcmp(str(t, "state"), states[k]) == 0) values[k]++;
    for (size_t k = 0; k < 4; k++) {
        snprintf(texts[k], sizeof(texts[k]), "%.0f", values[k]);
        tx[k] = texts[k];
        if (values[k] > max)
            max = values[k];
    }
    bars(b, "Targets by state", names, values, tx, 4, max);
}

/* A JSON value as text: strings, numbers, arrays of them joined by ", ". */
static void value(struct jbuf *b, json_t *v)
{
    size_t i;
    json_t *e;

    if (json_is_string(v)) {
        html_text(b, json_string_value(v));
    } else if (json_is_array(v)) {
        json_array_foreach(v, i, e)
        {
            jbuf_cstr(b, i ? ", " : "");
            value(b, e);
        }
    } else if (json_is_number(v)) {
        num(b, v);
    } else if (json_is_boolean(v)) {
        jbuf_cstr(b, json_is_true(v) ? "yes" : "no");
    }
}

static void findings(struct jbuf *b, const char *title, json_t *arr, const char *none)
{
    size_t i;
    json_t *f;

    jbuf_cstr(b, "<h2>");
    html_text(b, title);
    jbuf_cstr(b, "</h2>\n");
    if (json_array_size(arr) == 0) {
        jbuf_cstr(b, "<p class=\"muted\">");
        html_text(b, none);
        jbuf_cstr(b, "</p>\n");
        return;
    }
    jbuf_cstr(b, "<ul>");
    json_array_foreach(arr, i, f)
    {
        const char *key;
        json_t *v;
        bool first = true;

        jbuf_cstr(b, "<li><strong>");
        html_text(b, str(f, "kind"));
        jbuf_cstr(b, "</strong> ");
        json_object_foreach(f, key, v)
        {
            if (strcmp(key, "kind") == 0)
                continue;
            jbuf_cstr(b, first ? "" : "; ");
            first = false;
            html_text(b, key);
            jbuf_cstr(b, ": ");
            value(b, v);
        }
        jbuf_cstr(b, "</li>");
    }
    jbuf_cstr(b, "</ul>\n");
}

void admin_page_report(struct jbuf *b, const struct admin_page *p, json_t *report, json_t *per_day)
{
    begin(b, p, "Report");
    jbuf_cstr(b, "<p class=\"muted\">Generated ");
    html_text(b, str(report, "generated"));
    jbuf_cstr(b, "; the same document as <code>fwhub report --json</code> and "
                 "<code>GET /api/v1/admin/report</code>.</p>\n");
    chart_downloads(b, per_day);
    chart_success(b, report);
    chart_states(b, report);
    findings(b, "Follow-ups", json_object_get(report, "follow_ups"), "Nothing to follow up.");
    findings(b, "Patterns", json_object_get(report, "patterns"), "No patterns found.");
    html_end(b);
}
