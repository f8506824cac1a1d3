/* report.c: per-target and per-release numbers, follow-ups and patterns from the event store. */
#include "report.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/isotime.h"
#include "core/mac.h"

/* A device of the inventory, and the last status report it sent. */
struct dev {
    uint64_t mac;
    const char *model, *version, *offered;
    int64_t last_seen;
    int64_t status_id, status_time;
    const char *status, *status_version;
};

struct tstat {
    int64_t answers, rollbacks, started, completed;
    int64_t solved, not_solved; /* portal.feedback on the current fix */
    int64_t feedback_time;      /* of the last one; 0: none */
    bool last_solved;
    const char *last_comment;
    int64_t installed_at; /* first Installed report for the fix's version; 0: none */
    int64_t status_id, status_time;
    const char *status, *status_version;
};

struct rstat {
    int64_t offered, started, completed, installs, failures;
};

/* A device that installed (or failed on) a release: counted once per release. */
struct pair {
    size_t rel;
    uint64_t mac;
};

struct pairs {
    struct pair *v;
    size_t n, cap;
};

struct ctx {
    const struct catalog *c;
    struct arena arena;
    struct dev *devs; /* sorted by mac */
    size_t n_devs, cap_devs;
    struct tstat *t; /* parallel to c->targets */
    const struct release **rels;
    size_t n_rels;
    struct rstat *r; /* parallel to rels */
    struct pairs inst, fail;
    bool oom;
};

bool report_status_failed(const char *s)
{
    static const char *const failed[] = {"DownloadFailed", "InvalidSignature", "InstallationFailed",
                                         "InstallVerificationFailed", "RolledBack"};

    for (size_t i = 0; i < sizeof(failed) / sizeof(failed[0]); i++)
        if (strcmp(s, failed[i]) == 0)
            return true;
    return false;
}

/* ---- lookups ------------------------------------------------------------------------ */

static struct dev *find_dev(const struct ctx *x, uint64_t mac)
{
    size_t lo = 0, hi = x->n_devs;

    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;

        if (x->devs[mid].mac == mac)
            return &x->devs[mid];
        if (x->devs[mid].mac < mac)
            lo = mid + 1;
        else
            hi = mid;
    }
    return NULL;
}

/* The numbers of the target of mac (c->targets is sorted by MAC), or NULL. */
static struct tstat *target_stat(const struct ctx *x, uint64_t mac)
{
    size_t lo = 0, hi = x->c->n_targets;

    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        uint64_t m = x->c->targets[mid]->mac;

        if (m == mac)
            return &x->t[mid];
        if (m < mac)
            lo = mid + 1;
        else
            hi = mid;
    }
    return NULL;
}

/* The model of a device: the inventory's, else devices.csv's, else NULL. */
static const char *model_of(const struct ctx *x, uint64_t mac)
{
    const struct dev *d = find_dev(x, mac);
    const struct device *k = catalog_device(x->c, mac);

    if (d && d->model[0])
        return d->model;
    return k && k->model && k->model[0] ? k->model : NULL;
}

/* The fix of t meant for the device's model, else its first entry. */
static const struct target_device *fix_of(const struct ctx *x, const struct target *t)
{
    const char *model = model_of(x, t->mac);
    const struct target_device *d = model ? target_device_for(t, model) : NULL;

    return d ? d : t->n_devices ? &t->devices[0] : NULL;
}

/* Index of the release of model with version in x->rels, or -1. */
static long release_index(const struct ctx *x, const char *model, const char *version)
{
    const struct release *r = model && version[0] ? catalog_release(x->c, model, version) : NULL;

    for (size_t i = 0; r && i < x->n_rels; i++)
        if (x->rels[i] == r)
            return (long)i;
    return -1;
}

static bool parse_mac(const char *s, uint64_t *mac)
{
    struct fw_err err;

    return s[0] && mac_parse(s, mac, &err) == 0;
}

static void add_pair(struct ctx *x, struct pairs *p, size_t rel, uint64_t mac)
{
    if (p->n == p->cap) {
        size_t cap = p->cap ? 2 * p->cap : 64;
        struct pair *v = realloc(p->v, cap * sizeof(*v));

        if (!v) {
            x->oom = true;
            return;
        }
        p->v = v;
        p->cap = cap;
    }
    p->v[p->n++] = (struct pair){rel, mac};
}

/* ---- reading the store ---------------------------------------------------------------- */

static int on_device(void *arg, const struct store_device *d)
{
    struct ctx *x = arg;
    struct dev *v;
    uint64_t mac;

    if (!parse_mac(d->mac, &mac))
        return 0;
    if (x->n_devs == x->cap_devs) {
        size_t cap = x->cap_devs ? 2 * x->cap_devs : 256;

        v = realloc(x->devs, cap * sizeof(*v));
        if (!v) {
            x->oom = true;
            return 1;
        }
        x->devs = v;
        x->cap_devs = cap;
    }
    v = &x->devs[x->n_devs++];
    *v = (struct dev){.mac = mac, .last_seen = d->last_seen};
    v->model = arena_strdup(&x->arena, d->model);
    v->version = arena_strdup(&x->arena, d->version);
    v->offered = arena_strdup(&x->arena, d->offered);
    x->oom |= !v->model || !v->version || !v->offered;
    return x->oom;
}

/* Attributes an install or a failure to a general release. */
static void count_release(struct ctx *x, uint64_t mac, const struct store_status *s)
{
    const struct dev *d = find_dev(x, mac);
    const char *model = model_of(x, mac);
    long i = -1;

    if (strcmp(s->status, "Installed") == 0) {
        i = release_index(x, model, s->version);
        if (i >= 0)
            add_pair(x, &x->inst, (size_t)i, mac);
        return;
    }
    if (!report_status_failed(s->status))
        return;
    /* the latest offer is what the device was installing; a targeted fix is not a release */
    i = release_index(x, model, d && d->offered[0] ? d->offered : s->version);
    if (i >= 0)
        add_pair(x, &x->fail, (size_t)i, mac);
}

static void count_target_status(struct ctx *x, uint64_t mac, const struct store_status *s,
                                const char *status, const char *version)
{
    struct tstat *ts = target_stat(x, mac);
    const struct target *t = catalog_target(x->c, mac);
    const struct target_device *fix = t ? fix_of(x, t) : NULL;

    if (!ts)
        return;
    ts->status_id = s->id;
    ts->status_time = s->time;
    ts->status = status;
    ts->status_version = version;
    if (fix && !ts->installed_at && strcmp(s->status, "Installed") == 0 &&
        strcmp(s->version, fix->version) == 0)
        ts->installed_at = s->time;
}

static int on_status(void *arg, const struct store_status *s)
{
    struct ctx *x = arg;
    const char *status, *version;
    struct dev *d;
    uint64_t mac;

    if (!parse_mac(s->mac, &mac))
        return 0;
    status = arena_strdup(&x->arena, s->status);
    version = arena_strdup(&x->arena, s->version);
    if (!status || !version) {
        x->oom = true;
        return 1;
    }
    d = find_dev(x, mac);
    if (d) {
        d->status_id = s->id;
        d->status_time = s->time;
        d->status = status;
        d->status_version = version;
    }
    count_target_status(x, mac, s, status, version);
    count_release(x, mac, s);
    return x->oom;
}

static int on_download(void *arg, const struct store_download *d)
{
    struct ctx *x = arg;
    const char *path = d->path[0] == '/' ? d->path + 1 : d->path;
    char prefix[64], macf[MAC_STR_LEN];
    struct tstat *ts;
    uint64_t mac;

    if (strncmp(path, "targeted/firmware/", 18) == 0) {
        if (!parse_mac(d->mac, &mac) || !(ts = target_stat(x, mac)))
            return 0;
        mac_format_file(mac, macf);
        snprintf(prefix, sizeof(prefix), "targeted/firmware/%s/", macf);
        if (strncmp(path, prefix, strlen(prefix)) == 0) {
            ts->started++;
            ts->completed += d->complete;
        }
        return 0;
    }
    for (size_t i = 0; i < x->n_rels; i++)
        if (x->rels[i]->file && strcmp(x->rels[i]->file, path) == 0) {
            x->r[i].started++;
            x->r[i].completed += d->complete;
        }
    return 0;
}

static int on_audit(void *arg, const struct store_audit *a)
{
    struct ctx *x = arg;
    const struct target *t;
    const struct target_device *fix;
    struct tstat *ts;
    uint64_t mac;

    if (!parse_mac(a->subject_mac, &mac) || !(ts = target_stat(x, mac)))
        return 0;
    t = catalog_target(x->c, mac);
    fix = fix_of(x, t);
    if (strcmp(a->event, "target.rollback") == 0)
        ts->rollbacks++;
    else if (strcmp(a->event, "target.answered") == 0 &&
             (!a->target_version[0] || (fix && strcmp(a->target_version, fix->version) == 0)))
        ts->answers++;
    return 0;
}

/* Feedback from the portal on a target's current fix (earlier fixes of the MAC do not
 * count); records come in id order, so the last one read is the latest. */
static int on_feedback(void *arg, const struct store_audit *a)
{
    struct ctx *x = arg;
    const struct target_device *fix;
    struct tstat *ts;
    uint64_t mac;

    if (!parse_mac(a->subject_mac, &mac) || !(ts = target_stat(x, mac)))
        return 0;
    fix = fix_of(x, catalog_target(x->c, mac));
    if (!fix || strcmp(a->target_version, fix->version) != 0)
        return 0;
    if (strcmp(a->result, "solved") == 0)
        ts->solved++;
    else if (strcmp(a->result, "not_solved") == 0)
        ts->not_solved++;
    else
        return 0;
    ts->feedback_time = a->time;
    ts->last_solved = strcmp(a->result, "solved") == 0;
    ts->last_comment = arena_strdup(&x->arena, a->detail);
    x->oom |= !ts->last_comment;
    return x->oom;
}

static int cmp_pair(const void *a, const void *b)
{
    const struct pair *p = a, *q = b;

    if (p->rel != q->rel)
        return p->rel < q->rel ? -1 : 1;
    return p->mac < q->mac ? -1 : p->mac > q->mac;
}

/* Counts the distinct devices of each release: installs, or failures. */
static void count_pairs(struct ctx *x, struct pairs *p, bool installs)
{
    if (p->n > 1)
        qsort(p->v, p->n, sizeof(*p->v), cmp_pair);
    for (size_t i = 0; i < p->n; i++) {
        if (i > 0 && cmp_pair(&p->v[i], &p->v[i - 1]) == 0)
            continue;
        if (installs)
            x->r[p->v[i].rel].installs++;
        else
            x->r[p->v[i].rel].failures++;
    }
}

static void count_offers(struct ctx *x)
{
    for (size_t i = 0; i < x->n_devs; i++) {
        long k = release_index(x, model_of(x, x->devs[i].mac), x->devs[i].offered);

        if (k >= 0)
            x->r[k].offered++;
    }
}

static int read_store(struct store *st, struct ctx *x, struct fw_err *err)
{
    struct store_audit_filter f = {.event = "target.*"}, fb = {.event = "portal.feedback"};

    if (store_scan_devices(st, on_device, x, err) < 0 || x->oom ||
        store_scan_status(st, on_status, x, err) < 0 || x->oom ||
        store_scan_downloads(st, on_download, x, err) < 0 ||
        store_audit_scan(st, &f, on_audit, x, err) < 0 ||
        store_audit_scan(st, &fb, on_feedback, x, err) < 0 || x->oom)
        return x->oom ? fw_fail(err, "report: out of memory") : -1;
    count_pairs(x, &x->inst, true);
    count_pairs(x, &x->fail, false);
    count_offers(x);
    return x->oom ? fw_fail(err, "report: out of memory") : 0;
}

/* ---- the JSON document ------------------------------------------------------------------ */

static json_t *str_or_null(const char *s)
{
    return s && s[0] ? json_string(s) : json_null();
}

static json_t *time_json(int64_t t)
{
    char buf[ISOTIME_STR_LEN];

    if (!t)
        return json_null();
    isotime_format(t, buf);
    return json_string(buf);
}

static bool fix_confirmed(const struct ctx *x, const struct target *t, const struct tstat *ts)
{
    const struct target_device *fix = fix_of(x, t);
    const struct dev *d = find_dev(x, t->mac);

    return fix && d && ts->installed_at && d->last_seen >= ts->installed_at &&
           strcmp(d->version, fix->version) == 0;
}

static json_t *last_status_json(const char *status, const char *version, int64_t time)
{
    if (!status)
        return json_null();
    return json_pack("{s:s, s:o, s:o}", "status", status, "version", str_or_null(version), "time",
                     time_json(time));
}

/* {"solved": n, "not_solved": n, "last": {"result", "comment", "time"} or null} */
static json_t *feedback_json(const struct tstat *ts)
{
    json_t *last = json_null();

    if (ts->feedback_time)
        last = json_pack("{s:s, s:s, s:o}", "result", ts->last_solved ? "solved" : "not_solved",
                         "comment", ts->last_comment ? ts->last_comment : "", "time",
                         time_json(ts->feedback_time));
    return json_pack("{s:I, s:I, s:o}", "solved", (json_int_t)ts->solved, "not_solved",
                     (json_int_t)ts->not_solved, "last", last);
}

static json_t *target_json(const struct ctx *x, size_t i, int64_t now)
{
    json_t *o;
    const struct target *t = x->c->targets[i];
    const struct target_device *fix = fix_of(x, t);
    const struct tstat *ts = &x->t[i];
    char mac[MAC_STR_LEN];

    mac_format(t->mac, mac);
    o = json_pack(
        "{s:s, s:o, s:o, s:o, s:s, s:o, s:I, s:I, s:I, s:I, s:o, s:b, s:o}", "mac", mac, "model",
        str_or_null(fix ? fix->model : NULL), "version", str_or_null(fix ? fix->version : NULL),
        "ticket", str_or_null(t->issue_ticket), "state",
        target_state_name(catalog_target_state(x->c, t, now)), "expires",
        t->expiry == NEVER_EXPIRES ? json_null() : time_json(t->expiry), "answers",
        (json_int_t)ts->answers, "rollbacks", (json_int_t)ts->rollbacks, "downloads_started",
        (json_int_t)ts->started, "downloads_completed", (json_int_t)ts->completed, "last_status",
        last_status_json(ts->status, ts->status_version, ts->status_time), "fix_confirmed",
        fix_confirmed(x, t, ts), "installed_at", time_json(ts->installed_at));
    if (o && json_object_set_new(o, "feedback", feedback_json(ts)) < 0) {
        json_decref(o);
        return NULL;
    }
    return o;
}

static json_t *release_json(const struct ctx *x, size_t i)
{
    const struct rstat *r = &x->r[i];
    int64_t tried = r->installs + r->failures;

    return json_pack("{s:s, s:s, s:I, s:I, s:I, s:I, s:I, s:o}", "model", x->rels[i]->model,
                     "version", x->rels[i]->version, "offered", (json_int_t)r->offered,
                     "downloads_started", (json_int_t)r->started, "downloads_completed",
                     (json_int_t)r->completed, "installs", (json_int_t)r->installs, "failures",
                     (json_int_t)r->failures, "success_rate",
                     tried ? json_real((double)r->installs / (double)tried) : json_null());
}

static int append(json_t *arr, json_t *item)
{
    return item && json_array_append_new(arr, item) == 0 ? 0 : -1;
}

static json_t *follow_up(const char *kind, uint64_t mac, const char *text)
{
    char m[MAC_STR_LEN];

    mac_format(mac, m);
    return json_pack("{s:s, s:s, s:s}", "kind", kind, "mac", m, "detail", text);
}

static int target_follow_up(const struct ctx *x, size_t i, int64_t now, json_t *arr)
{
    const struct target *t = x->c->targets[i];
    const struct target_device *fix = fix_of(x, t);
    const char *v = fix ? fix->version : "?";
    char text[512];

    if (fix_confirmed(x, t, &x->t[i])) {
        snprintf(text, sizeof(text),
                 "fix %s confirmed (ticket %s): integrate it into the main firmware, then "
                 "archive the target",
                 v, t->issue_ticket ? t->issue_ticket : "-");
        if (append(arr, follow_up("integrate_fix", t->mac, text)) < 0)
            return -1;
    }
    if (x->t[i].feedback_time && !x->t[i].last_solved) {
        char when[ISOTIME_STR_LEN];

        isotime_format(x->t[i].feedback_time, when);
        snprintf(text, sizeof(text),
                 "the customer said fix %s did not solve the problem (ticket %s, %s): %.300s", v,
                 t->issue_ticket ? t->issue_ticket : "-", when,
                 x->t[i].last_comment && x->t[i].last_comment[0] ? x->t[i].last_comment
                                                                 : "no comment");
        if (append(arr, follow_up("fix_not_solved", t->mac, text)) < 0)
            return -1;
    }
    switch (catalog_target_state(x->c, t, now)) {
    case TARGET_EXPIRING:
        snprintf(text, sizeof(text), "fix %s expires %s", v, t->expiry_date);
        return append(arr, follow_up("expiring", t->mac, text));
    case TARGET_EXPIRED:
        snprintf(text, sizeof(text), "fix %s expired %s and is still present; 'fwhub cleanup'", v,
                 t->expiry_date);
        return append(arr, follow_up("expired", t->mac, text));
    case TARGET_SUPERSEDED:
        snprintf(text, sizeof(text),
                 "fix %s is superseded by a general release; "
                 "'fwhub cleanup'",
                 v);
        return append(arr, follow_up("superseded", t->mac, text));
    case TARGET_ACTIVE:
        break;
    }
    return 0;
}

static json_t *follow_ups_json(const struct ctx *x, int64_t now)
{
    json_t *arr = json_array();
    char text[512], when[ISOTIME_STR_LEN];

    for (size_t i = 0; arr && i < x->c->n_targets; i++)
        if (target_follow_up(x, i, now, arr) < 0)
            goto fail;
    for (size_t i = 0; arr && i < x->n_devs; i++) {
        const struct dev *d = &x->devs[i];

        if (!d->status || !report_status_failed(d->status))
            continue;
        isotime_format(d->status_time, when);
        snprintf(text, sizeof(text), "reported %s at %s (running %s)", d->status, when,
                 d->status_version[0] ? d->status_version : "?");
        if (append(arr, follow_up("device_failure", d->mac, text)) < 0)
            goto fail;
    }
    return arr;

fail:
    json_decref(arr);
    return NULL;
}

/* ---- patterns ------------------------------------------------------------------------ */

struct dated {
    int64_t time;
    const struct target *t;
    const char *model, *text;
};

static int cmp_model_time(const void *a, const void *b)
{
    const struct dated *p = a, *q = b;
    int c = strcmp(p->model, q->model);

    return c ? c : p->time < q->time ? -1 : p->time > q->time;
}

static int cmp_text(const void *a, const void *b)
{
    const struct dated *p = a, *q = b;
    int c = strcasecmp(p->text, q->text);

    return c ? c : p->t->mac < q->t->mac ? -1 : p->t->mac > q->t->mac;
}

static json_t *macs_json(const struct dated *v, size_t n)
{
    json_t *arr = json_array();
    char m[MAC_STR_LEN];

    for (size_t i = 0; arr && i < n; i++) {
        if (i > 0 && v[i].t->mac == v[i - 1].t->mac)
            continue;
        mac_format(v[i].t->mac, m);
        if (json_array_append_new(arr, json_string(m)) < 0) {
            json_decref(arr);
            return NULL;
        }
    }
    return arr;
}

/* The largest group of one model's targets (v[0..n), by time) within the window. */
static int model_cluster(const struct dated *v, size_t n, json_t *out)
{
    const int64_t window = (int64_t)REPORT_PATTERN_DAYS * 86400;
    size_t best = 0, best_len = 0;

    for (size_t i = 0, j = 0; j < n; j++) {
        while (v[j].time - v[i].time > window)
            i++;
        if (j - i + 1 > best_len) {
            best = i;
            best_len = j - i + 1;
        }
    }
    if (best_len < REPORT_PATTERN_MIN)
        return 0;
    return append(out,
                  json_pack("{s:s, s:s, s:I, s:o, s:o, s:o}", "kind", "model_cluster", "model",
                            v[best].model, "targets", (json_int_t)best_len, "first",
                            time_json(v[best].time), "last", time_json(v[best + best_len - 1].time),
                            "macs", macs_json(v + best, best_len)));
}

static int model_patterns(const struct catalog *c, struct dated *v, json_t *out)
{
    struct fw_err err;
    size_t n = 0;

    for (size_t i = 0; i < c->n_targets; i++) {
        const struct target *t = c->targets[i];
        int64_t when;

        if (t->n_devices && t->created_date && isotime_parse(t->created_date, &when, &err) == 0)
            v[n++] = (struct dated){when, t, t->devices[0].model, NULL};
    }
    if (n > 1)
        qsort(v, n, sizeof(*v), cmp_model_time);
    for (size_t i = 0, j; i < n; i = j) {
        for (j = i + 1; j < n && strcmp(v[j].model, v[i].model) == 0; j++)
            ;
        if (model_cluster(v + i, j - i, out) < 0)
            return -1;
    }
    return 0;
}

static size_t distinct_macs(const struct dated *v, size_t n)
{
    size_t k = n ? 1 : 0;

    for (size_t i = 1; i < n; i++)
        k += v[i].t->mac != v[i - 1].t->mac;
    return k;
}

static int fix_patterns(const struct catalog *c, struct dated *v, size_t cap, json_t *out)
{
    size_t n = 0;

    for (size_t i = 0; i < c->n_targets; i++)
        for (size_t d = 0; d < c->targets[i]->n_devices; d++)
            for (size_t k = 0; k < c->targets[i]->devices[d].n_fixes && n < cap; k++)
                v[n++] = (struct dated){0, c->targets[i], "", c->targets[i]->devices[d].fixes[k]};
    if (n > 1)
        qsort(v, n, sizeof(*v), cmp_text);
    for (size_t i = 0, j; i < n; i = j) {
        for (j = i + 1; j < n && strcasecmp(v[j].text, v[i].text) == 0; j++)
            ;
        if (distinct_macs(v + i, j - i) >= 2 &&
            append(out, json_pack("{s:s, s:s, s:o}", "kind", "same_fix", "fix", v[i].text, "macs",
                                  macs_json(v + i, j - i))) < 0)
            return -1;
    }
    return 0;
}

static size_t count_fixes(const struct catalog *c)
{
    size_t n = 0;

    for (size_t i = 0; i < c->n_targets; i++)
        for (size_t d = 0; d < c->targets[i]->n_devices; d++)
            n += c->targets[i]->devices[d].n_fixes;
    return n;
}

static json_t *patterns_json(const struct catalog *c)
{
    size_t cap = count_fixes(c) + c->n_targets + 1;
    struct dated *v = calloc(cap, sizeof(*v));
    json_t *arr = json_array();

    if (!v || !arr || model_patterns(c, v, arr) < 0 || fix_patterns(c, v, cap, arr) < 0) {
        json_decref(arr);
        arr = NULL;
    }
    free(v);
    return arr;
}

/* ---- putting it together ------------------------------------------------------------- */

static int init_ctx(struct ctx *x, const struct catalog *c)
{
    size_t n = 0;

    x->c = c;
    for (size_t i = 0; i < c->n_models; i++)
        n += c->models[i].n_releases;
    x->t = calloc(c->n_targets + 1, sizeof(*x->t));
    x->rels = calloc(n + 1, sizeof(*x->rels));
    x->r = calloc(n + 1, sizeof(*x->r));
    if (!x->t || !x->rels || !x->r)
        return -1;
    for (size_t i = 0; i < c->n_models; i++)
        for (size_t k = 0; k < c->models[i].n_releases; k++)
            x->rels[x->n_rels++] = &c->models[i].releases[k];
    return 0;
}

static void free_ctx(struct ctx *x)
{
    arena_free(&x->arena);
    free(x->devs);
    free(x->t);
    free(x->rels);
    free(x->r);
    free(x->inst.v);
    free(x->fail.v);
}

static json_t *document(const struct ctx *x, int64_t now)
{
    json_t *targets = json_array(), *releases = json_array();

    for (size_t i = 0; targets && i < x->c->n_targets; i++)
        if (append(targets, target_json(x, i, now)) < 0) {
            json_decref(targets);
            targets = NULL;
        }
    for (size_t i = 0; releases && i < x->n_rels; i++)
        if (append(releases, release_json(x, i)) < 0) {
            json_decref(releases);
            releases = NULL;
        }
    return json_pack("{s:o, s:o, s:o, s:o, s:o}", "generated", time_json(now), "targets", targets,
                     "releases", releases, "follow_ups", follow_ups_json(x, now), "patterns",
                     patterns_json(x->c));
}

int report_build(struct store *st, const struct catalog *c, int64_t now, json_t **out,
                 struct fw_err *err)
{
    struct ctx x = {0};
    int rc = -1;

    if (init_ctx(&x, c) < 0) {
        fw_fail(err, "report: out of memory");
        goto out;
    }
    if (st && read_store(st, &x, err) < 0)
        goto out;
    *out = document(&x, now);
    if (!*out) {
        fw_fail(err, "report: out of memory");
        goto out;
    }
    rc = 0;

out:
    free_ctx(&x);
    return rc;
}
