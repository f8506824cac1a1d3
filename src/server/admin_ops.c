/* admin_ops.c: the admin operations on the repository and the event store, as JSON
 * documents that the API sends as they are and the pages render (admin_pages.c). */
#include "admin_ops.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "core/isotime.h"
#include "core/mac.h"
#include "events.h"
#include "metrics.h"
#include "snapshot.h"
#include "srvlog.h"
#include "server.h"
#include "store/report.h"

#define AUDIT_ROWS_MAX   10000 /* records one audit answer holds at most */
#define TARGET_AUDIT_MAX 500   /* a target's page shows its newest records, this many */

void admin_result_free(struct admin_result *r)
{
    json_decref(r->doc);
    r->doc = NULL;
}

static void fail(struct admin_result *r, int status, const char *field, const char *fmt, ...)
    FW_PRINTF(4, 5);

static void fail(struct admin_result *r, int status, const char *field, const char *fmt, ...)
{
    va_list ap;

    r->status = status;
    snprintf(r->field, sizeof(r->field), "%s", field ? field : "");
    va_start(ap, fmt);
    vsnprintf(r->msg, sizeof(r->msg), fmt, ap);
    va_end(ap);
}

static void done(struct admin_result *r, int status, json_t *doc)
{
    if (!doc) {
        fail(r, 500, NULL, "out of memory");
        return;
    }
    r->status = status;
    r->doc = doc;
}

static json_t *str_or_null(const char *s)
{
    json_t *j = s ? json_string(s) : NULL;

    return j ? j : json_null();
}

static json_t *time_json(int64_t t)
{
    char buf[ISOTIME_STR_LEN];

    if (!t)
        return json_null();
    isotime_format(t, buf);
    return json_string(buf);
}

static json_t *strings(const char *const *v, size_t n)
{
    json_t *a = json_array();

    for (size_t i = 0; a && i < n; i++)
        json_array_append_new(a, str_or_null(v[i]));
    return a;
}

/* The report of the current snapshot; NULL with r filled on failure. */
static json_t *report(struct snapshot *s, struct admin_result *r)
{
    struct fw_err err;
    json_t *doc = NULL;

    if (report_build(events_store(), s->cat, isotime_now(), &doc, &err) < 0) {
        fail(r, 500, NULL, "%s", err.msg);
        return NULL;
    }
    return doc;
}

/* The report entry of mac in doc's targets[], or NULL. */
static json_t *report_entry(json_t *doc, const char *macs)
{
    size_t i;
    json_t *t;

    json_array_foreach(json_object_get(doc, "targets"), i,
                       t) if (json_is_string(json_object_get(t, "mac")) &&
                              strcmp(json_string_value(json_object_get(t, "mac")), macs) ==
                                  0) return t;
    return NULL;
}

void admin_op_targets(struct admin_result *r)
{
    struct snapshot *s = snapshot_acquire();
    json_t *doc = report(s, r), *list = NULL;

    if (doc) {
        list = json_array();
        for (size_t i = 0; list && i < s->cat->n_targets; i++) {
            const struct target *t = s->cat->targets[i];
            char macs[MAC_STR_LEN];
            json_t *e;

            mac_format(t->mac, macs);
            e = json_deep_copy(report_entry(doc, macs));
            if (!e)
                e = json_pack("{s:s}", "mac", macs);
            json_object_set_new(e, "customer", str_or_null(t->customer_name));
            json_object_set_new(e, "serial", str_or_null(t->device_serial));
            json_object_set_new(e, "created", str_or_null(t->created_date));
            json_object_set_new(e, "file", str_or_null(t->file));
            json_array_append_new(list, e);
        }
        done(r, 200, json_pack("{s:o}", "targets", list));
    }
    json_decref(doc);
    snapshot_release(s);
}

static json_t *device_json(const struct target_device *d)
{
    return json_pack("{s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:b, s:I}", "model",
                     str_or_null(d->model), "version", str_or_null(d->version), "url",
                     str_or_null(d->url), "changelog", str_or_null(d->changelog), "release_date",
                     str_or_null(d->release_date), "file_size", str_or_null(d->file_size),
                     "hardware_version", str_or_null(d->hardware_version), "fix_description",
                     strings(d->fixes, d->n_fixes), "rollback_version",
                     str_or_null(d->rollback_version), "rollback_url", str_or_null(d->rollback_url),
                     "checksum", str_or_null(d->checksum), "signed", d->is_signed, "size_bytes",
                     (json_int_t)d->size);
}

static json_t *target_json(const struct target *t)
{
    json_t *devs = json_array();

    for (size_t i = 0; devs && i < t->n_devices; i++)
        json_array_append_new(devs, device_json(&t->devices[i]));
    return json_pack("{s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:b, s:b}", "mac",
                     str_or_null(t->mac_address), "file", str_or_null(t->file), "serial",
                     str_or_null(t->device_serial), "customer", str_or_null(t->customer_name),
                     "ticket", str_or_null(t->issue_ticket), "created",
                     str_or_null(t->created_date), "expires", str_or_null(t->expiry_date),
                     "devices", devs, "installation", strings(t->install_steps, t->n_install),
                     "verification", strings(t->verify_steps, t->n_verify), "support_contact",
                     str_or_null(t->support_contact), "auto_rollback", t->auto_rollback,
                     "allow_unknown_device", t->allow_unknown_device);
}

/* Where audit_row collects: keep at most keep records (the newest), 0 for all; seen counts
 * every match. */
struct rows {
    json_t *arr;
    size_t keep;
    size_t seen;
};

static int audit_row(void *arg, const struct store_audit *a)
{
    struct rows *rw = arg;
    json_t *arr = rw->arr;

    rw->seen++;
    if (rw->keep && json_array_size(arr) == rw->keep)
        json_array_remove(arr, 0);
    return json_array_append_new(
               arr, json_pack("{s:I, s:o, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s}", "id",
                              (json_int_t)a->id, "time", time_json(a->time), "actor", a->actor,
                              "client_addr", a->client_addr, "user_agent", a->user_agent,
                              "category", a->category, "event", a->event, "mac", a->subject_mac,
                              "version", a->target_version, "result", a->result, "detail",
                              a->detail, "hash", a->hash)) < 0;
}

/* The audit records matching f (only the newest keep of them when keep is not 0) into a new
 * array, oldest first; *seen (may be NULL) counts every match. NULL with r filled on
 * failure. */
static json_t *audit_rows(const struct store_audit_filter *f, size_t keep, size_t *seen,
                          struct admin_result *r)
{
    struct store *st = events_store();
    struct fw_err err;
    struct rows rw = {json_array(), keep, 0};

    if (!rw.arr) {
        fail(r, 500, NULL, "out of memory");
        return NULL;
    }
    if (st && (store_flush(st, &err) < 0 || store_audit_scan(st, f, audit_row, &rw, &err) < 0)) {
        fail(r, 500, NULL, "reading the audit records: %s", err.msg);
        json_decref(rw.arr);
        return NULL;
    }
    if (seen)
        *seen = rw.seen;
    return rw.arr;
}

void admin_op_target(uint64_t mac, struct admin_result *r)
{
    struct snapshot *s = snapshot_acquire();
    const struct target *t = catalog_target(s->cat, mac);
    struct store_audit_filter all = {.mac = mac};
    struct store_audit_filter fb = {.mac = mac, .event = "portal.feedback"};
    char macs[MAC_STR_LEN];
    size_t total = 0;
    json_t *doc = NULL, *audit = NULL, *feedback = NULL, *tj;

    mac_format(mac, macs);
    if (!t) {
        fail(r, 404, "mac", "%s has no targeted fix", macs);
        goto out;
    }
    if (!(doc = report(s, r)) || !(audit = audit_rows(&all, TARGET_AUDIT_MAX, &total, r)) ||
        !(feedback = audit_rows(&fb, TARGET_AUDIT_MAX, NULL, r)))
        goto out;
    tj = target_json(t);
    if (tj)
        json_object_set(tj, "report",
                        report_entry(doc, macs) ? report_entry(doc, macs) : json_null());
    done(r, 200,
         json_pack("{s:o, s:O, s:I, s:O}", "target", tj ? tj : json_null(), "audit", audit,
                   "audit_total", (json_int_t)total, "feedback", feedback));

out:
    json_decref(doc);
    json_decref(audit);
    json_decref(feedback);
    snapshot_release(s);
}

/* Commits one audit record of a change by the admin; 0 or -1 with r filled. */
static int audit_change(const struct admin_actor *a, const char *event, uint64_t mac,
                        const char *version, const char *detail, struct admin_result *r)
{
    char actor[96];
    struct fw_err err;
    struct store *st = events_store();
    struct store_event ev = {.kind = STORE_AUDIT,
                             .mac = mac,
                             .event = event,
                             .actor = actor,
                             .client_addr = a->client,
                             .user_agent = a->user_agent,
                             .version = version,
                             .result = "ok",
                             .detail = detail};

    snprintf(actor, sizeof(actor), "admin:%s", a->identity);
    if (!st || store_append_sync(st, &ev, &err) != 0) {
        fail(r, 500, NULL, "the change stands, but its audit record %s could not be written: %s",
             event, st ? err.msg : "no event store");
        srvlog(SRVLOG_ERROR, "audit_failed", actor, "%s", r->msg);
        return -1;
    }
    return 0;
}

static void reload(const char *why)
{
    metrics_reload(snapshot_reload(why) == 0);
}

void admin_op_create(const struct admin_actor *a, const struct target_spec *s,
                     struct admin_result *r)
{
    struct target_made *m = calloc(1, sizeof(*m));
    struct fw_err err;
    char detail[STORE_DETAIL_MAX];
    int rc;

    if (!m) {
        fail(r, 500, NULL, "out of memory");
        return;
    }
    rc = target_make(server_settings.repo, s, isotime_now(), NULL, m, &err);
    if (rc != CLI_OK) {
        int status = m->field[0] ? 400 : m->conflict ? 409 : 500;

        fail(r, status, m->field[0] ? m->field : NULL, "%s", err.msg);
        goto out;
    }
    snprintf(detail, sizeof(detail), "%s: model %s, ticket %s, expires %s%s%s", m->json_rel,
             s->model, s->issue, m->expires, m->archived[0] ? "; the previous target is in " : "",
             m->archived);
    srvlog(SRVLOG_INFO, m->archived[0] ? "target_replaced" : "target_created", m->macs,
           "by admin:%s: %s", a->identity, detail);
    reload("admin");
    if (audit_change(a, m->archived[0] ? "target.replaced" : "target.created", m->mac, s->version,
                     detail, r) < 0)
        goto out;
    done(r, 201,
         json_pack("{s:{s:s, s:s, s:s, s:s, s:s, s:I, s:s, s:s, s:o}}", "created", "mac", m->macs,
                   "file", m->json_rel, "image", m->image_rel, "version", s->version, "sha256",
                   m->sha256, "size_bytes", (json_int_t)m->size, "expires", m->expires,
                   "rollback_version", m->stable_version, "replaced_into",
                   m->archived[0] ? json_string(m->archived) : json_null()));

out:
    free(m);
}

void admin_op_archive(const struct admin_actor *a, uint64_t mac, struct admin_result *r)
{
    char where[160], macs[MAC_STR_LEN], macf[MAC_STR_LEN], detail[512];
    struct snapshot *s = snapshot_acquire();
    const struct target *t = catalog_target(s->cat, mac);
    char version[128] = "";
    struct fw_err err;

    mac_format(mac, macs);
    mac_format_file(mac, macf);
    if (t && t->n_devices)
        snprintf(version, sizeof(version), "%s", t->devices[0].version);
    snapshot_release(s);
    if (cli_archive_target(server_settings.repo, mac, isotime_now(), where, sizeof(where), &err) <
        0) {
        fail(r, strstr(err.msg, "nothing to archive") ? 404 : 500, "mac", "%s: %s", macs, err.msg);
        return;
    }
    snprintf(detail, sizeof(detail), "admin archive: targeted/%s.json to %s/", macf, where);
    srvlog(SRVLOG_INFO, "target_archived", macs, "by admin:%s: %s", a->identity, detail);
    reload("admin");
    if (audit_change(a, "target.archived", mac, version[0] ? version : NULL, detail, r) < 0)
        return;
    done(r, 200, json_pack("{s:{s:s, s:s}}", "archived", "mac", macs, "folder", where));
}

/* The report's figures of model/version, or NULL. */
static json_t *release_figures(json_t *doc, const char *model, const char *version)
{
    size_t i;
    json_t *e;

    json_array_foreach(json_object_get(doc, "releases"), i, e)
    {
        const char *m = json_string_value(json_object_get(e, "model"));
        const char *v = json_string_value(json_object_get(e, "version"));

        if (m && v && strcmp(m, model) == 0 && strcmp(v, version) == 0)
            return e;
    }
    return NULL;
}

void admin_op_releases(struct admin_result *r)
{
    struct snapshot *s = snapshot_acquire();
    json_t *doc = report(s, r), *models = NULL;

    if (!doc)
        goto out;
    models = json_array();
    for (size_t i = 0; models && i < s->cat->n_models; i++) {
        const struct model *m = &s->cat->models[i];
        json_t *rels = json_array();

        for (size_t k = m->n_releases; rels && k-- > 0;) {
            const struct release *x = &m->releases[k];
            json_t *f = release_figures(doc, m->name, x->version);
            json_t *e = json_pack("{s:s, s:o, s:o, s:o, s:I, s:o, s:b}", "version", x->version,
                                  "url", str_or_null(x->url), "description",
                                  str_or_null(x->description), "release_date",
                                  str_or_null(x->release_date), "size_bytes", (json_int_t)x->size,
                                  "sha256", x->sha256[0] ? json_string(x->sha256) : json_null(),
                                  "signed", x->signature != NULL);

            if (e && f) {
                json_object_set(e, "offered", json_object_get(f, "offered"));
                json_object_set(e, "installs", json_object_get(f, "installs"));
                json_object_set(e, "failures", json_object_get(f, "failures"));
                json_object_set(e, "success_rate", json_object_get(f, "success_rate"));
            }
            json_array_append_new(rels, e);
        }
        json_array_append_new(models, json_pack("{s:s, s:o}", "model", m->name, "releases", rels));
    }
    done(r, 200, json_pack("{s:o}", "models", models));

out:
    json_decref(doc);
    snapshot_release(s);
}

void admin_op_audit(const struct store_audit_filter *f, struct admin_result *r)
{
    struct store_audit_filter g = *f;
    json_t *rows;

    if (g.limit == 0 || g.limit > AUDIT_ROWS_MAX)
        g.limit = AUDIT_ROWS_MAX;
    rows = audit_rows(&g, 0, NULL, r);

    if (rows)
        done(r, 200, json_pack("{s:o}", "records", rows));
}

void admin_op_report(struct admin_result *r)
{
    struct snapshot *s = snapshot_acquire();
    json_t *doc = report(s, r);

    if (doc)
        done(r, 200, doc);
    snapshot_release(s);
}

struct per_day {
    int64_t first_day;
    int days;
    json_int_t started[366], completed[366];
};

static int count_download(void *arg, const struct store_download *d)
{
    struct per_day *p = arg;
    int64_t i = d->time / 86400 - p->first_day;

    if (i >= 0 && i < p->days) {
        p->started[i]++;
        p->completed[i] += d->complete;
    }
    return 0;
}

void admin_op_downloads_per_day(int days, struct admin_result *r)
{
    struct per_day *p = calloc(1, sizeof(*p));
    struct store *st = events_store();
    struct fw_err err;
    json_t *arr;

    if (!p) {
        fail(r, 500, NULL, "out of memory");
        return;
    }
    p->days = days < 1 ? 1 : days > 366 ? 366 : days;
    p->first_day = isotime_now() / 86400 - p->days + 1;
    if (st &&
        (store_flush(st, &err) < 0 || store_scan_downloads(st, count_download, p, &err) < 0)) {
        fail(r, 500, NULL, "reading the downloads: %s", err.msg);
        free(p);
        return;
    }
    arr = json_array();
    for (int i = 0; arr && i < p->days; i++) {
        char day[ISOTIME_STR_LEN];

        isotime_format((p->first_day + i) * 86400, day);
        day[10] = '\0';
        json_array_append_new(arr, json_pack("{s:s, s:I, s:I}", "day", day, "started",
                                             p->started[i], "completed", p->completed[i]));
    }
    done(r, 200, json_pack("{s:o}", "days", arr));
    free(p);
}
