/* webhooks.c: the delivery thread: finds events, spools them, POSTs them signed, retries. */
#include "webhooks.h"

#include <curl/curl.h>
#include <dirent.h>
#include <fcntl.h>
#include <errno.h>
#include <inttypes.h>
#include <jansson.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <time.h>
#include <unistd.h>

#include "core/catalog.h"
#include "core/fsutil.h"
#include "core/isotime.h"
#include "core/mac.h"
#include "snapshot.h"
#include "srvlog.h"
#include "store/report.h"
#include "whconfig.h"

#define SPOOL_MAX        10000        /* pending deliveries; more are dropped, logged */
#define SPOOL_FILE_MAX   (64 * 1024)  /* bytes of one spool file */
#define STATE_FILE_MAX   (64 << 20)   /* bytes of state.json */
#define NOTES_MAX        1024         /* check-ins from the loop threads waiting */
#define WATCH_MAX        4096         /* devices whose fix awaits confirmation, watched */
#define RETRY_FIRST_MS   1000         /* the first retry after 1 s, then doubling... */
#define RETRY_MAX_MS     (600 * 1000) /* ...up to 10 min between attempts */
#define GIVE_UP_S        (24 * 3600)  /* no delivery after 24 h: given up */
#define TICK_MS          250          /* how often the thread looks for new events */
#define EXPIRY_EVERY_S   60           /* how often targets are checked for expiring */
#define AUDIT_BATCH      500          /* audit records, status reports read per look */
#define CONNECT_TIMEOUT  5L           /* seconds */
#define TOTAL_TIMEOUT    10L          /* seconds for a whole attempt */
#define KEY_MAX          (MAC_STR_LEN + STORE_TEXT_MAX + 16)
#define STANDBY_MS       1000 /* how often a standby instance tries to take over */
#define CONFIRM_EVERY_MS 5000 /* how often watched devices are looked up in the inventory */

/* A sorted set of strings ("AB:CD:EF:12:34:56 10.3.1-custom"). */
struct keyset {
    char **v;
    size_t n, cap;
};

/* One pending delivery, as its spool file holds it. */
struct delivery {
    char id[64];
    char *url;
    char *event;
    char *body;
    char *mac;     /* "" when none */
    char *version; /* "" when none */
    int64_t created;
    long attempts;
    int64_t next_ms; /* monotonic */
};

/* What a loop thread hands over: a check-in of a watched device, copied. Status reports
 * are not handed over: the thread reads them back from the store once committed. */
struct note {
    uint64_t mac;
    int64_t time;
    char version[STORE_TEXT_MAX];
    char client[64];
};

static struct {
    bool on;
    struct whconfig cfg;
    struct store *st;
    char dir[4096];   /* REPO/.fwhub/webhooks */
    char spool[4096]; /* .../spool */
    char state_path[4096];
    char lock_path[4096]; /* .../lock: held by the one instance that delivers */
    int lock_fd;
    atomic_bool active; /* this instance holds the lock and has loaded spool and state */
    pthread_t tid;
    bool started;
    pthread_mutex_t lock; /* notes, watch, stop */
    pthread_cond_t wake;
    atomic_bool stop;
    struct note notes[NOTES_MAX];
    size_t n_notes;
    uint64_t watch[WATCH_MAX];
    atomic_size_t n_watch;

    /* the delivery thread's own */
    struct delivery **pending;
    size_t n_pending;
    struct keyset targets, answered, installed, confirmed, expiring;
    int64_t audit_after;
    int64_t status_after; /* the last status report read (its id) */
    bool dirty;
    uint64_t generation;
    int64_t expiry_checked;
    int64_t confirm_checked_ms; /* monotonic: the last look at the watched devices' rows */
    struct {
        uint64_t mac;
        int64_t time;          /* of its Installed report */
    } installed_at[WATCH_MAX]; /* what this run read; a device not here counts from 0 */
    size_t n_installed_at;

    atomic_uint_fast64_t delivered, failed, gave_up, dropped;
    atomic_size_t n_pending_now;
} wh = {.lock = PTHREAD_MUTEX_INITIALIZER, .wake = PTHREAD_COND_INITIALIZER, .lock_fd = -1};

/* ---- key sets ---------------------------------------------------------------------------- */

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static bool ks_has(const struct keyset *s, const char *k)
{
    return s->n && bsearch(&k, s->v, s->n, sizeof(*s->v), cmp_str) != NULL;
}

/* Adds k: 1 when added, 0 when there, -1 out of memory. */
static int ks_add(struct keyset *s, const char *k)
{
    size_t lo = 0, hi = s->n;

    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        int c = strcmp(s->v[mid], k);

        if (c == 0)
            return 0;
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    if (s->n == s->cap) {
        size_t cap = s->cap ? s->cap * 2 : 64;
        char **v = realloc(s->v, cap * sizeof(*v));

        if (!v)
            return -1;
        s->v = v;
        s->cap = cap;
    }
    char *copy = strdup(k);

    if (!copy)
        return -1;
    memmove(s->v + lo + 1, s->v + lo, (s->n - lo) * sizeof(*s->v));
    s->v[lo] = copy;
    s->n++;
    return 1;
}

/* Keeps only the keys for which keep(key) holds. */
static bool ks_filter(struct keyset *s, bool (*keep)(const char *key, void *arg), void *arg)
{
    size_t j = 0;
    bool changed = false;

    for (size_t i = 0; i < s->n; i++) {
        if (keep(s->v[i], arg)) {
            s->v[j++] = s->v[i];
        } else {
            free(s->v[i]);
            changed = true;
        }
    }
    s->n = j;
    return changed;
}

static void ks_free(struct keyset *s)
{
    for (size_t i = 0; i < s->n; i++)
        free(s->v[i]);
    free(s->v);
    *s = (struct keyset){0};
}

static void key_of(uint64_t mac, const char *version, char out[KEY_MAX])
{
    char m[MAC_STR_LEN];

    mac_format(mac, m);
    snprintf(out, KEY_MAX, "%s %s", m, version ? version : "");
}

/* ---- catalog helpers --------------------------------------------------------------------- */

/* The fix a target holds for its device: the entry of the device's model, else the first. */
static const struct target_device *fix_of(const struct catalog *c, const struct target *t)
{
    const struct device *d = catalog_device(c, t->mac);
    const struct target_device *td = d && d->model ? target_device_for(t, d->model) : NULL;

    return td ? td : t->n_devices ? &t->devices[0] : NULL;
}

static json_t *str_or_null(const char *s)
{
    return s && s[0] ? json_string(s) : json_null();
}

static json_t *time_json(int64_t t)
{
    char buf[ISOTIME_STR_LEN];

    if (!t || t == NEVER_EXPIRES)
        return json_null();
    isotime_format(t, buf);
    return json_string(buf);
}

/* ---- the spool --------------------------------------------------------------------------- */

static void delivery_free(struct delivery *d)
{
    if (!d)
        return;
    free(d->url);
    free(d->event);
    free(d->body);
    free(d->mac);
    free(d->version);
    free(d);
}

static int spool_path(const struct delivery *d, char *out, size_t len)
{
    char name[96];

    snprintf(name, sizeof(name), "%s.json", d->id);
    return fs_join(out, len, wh.spool, name);
}

/* Writes d's spool file (atomically; a crash leaves the old or the new one). */
static int spool_write(const struct delivery *d, struct fw_err *err)
{
    char path[4200];
    json_t *j =
        json_pack("{s:i, s:s, s:s, s:s, s:s, s:s, s:I, s:I, s:s}", "v", 1, "id", d->id, "url",
                  d->url, "event", d->event, "mac", d->mac, "version", d->version, "created",
                  (json_int_t)d->created, "attempts", (json_int_t)d->attempts, "body", d->body);
    char *text = j ? json_dumps(j, JSON_COMPACT) : NULL;
    int rc;

    json_decref(j);
    if (!text)
        return fw_fail(err, "webhooks: out of memory");
    if (spool_path(d, path, sizeof(path)) < 0) {
        free(text);
        return fw_fail(err, "webhooks: spool path too long");
    }
    rc = fs_write_atomic(path, text, strlen(text), 0600, err);
    free(text);
    return rc < 0 ? -1 : 0;
}

static void spool_remove(const struct delivery *d)
{
    char path[4200];

    if (spool_path(d, path, sizeof(path)) == 0 && unlink(path) < 0 && errno != ENOENT)
        srvlog(SRVLOG_ERROR, "webhook_spool_failed", path, "cannot remove: %s", strerror(errno));
}

static int pending_add(struct delivery *d)
{
    struct delivery **v = realloc(wh.pending, (wh.n_pending + 1) * sizeof(*v));

    if (!v)
        return -1;
    wh.pending = v;
    wh.pending[wh.n_pending++] = d;
    atomic_store(&wh.n_pending_now, wh.n_pending);
    return 0;
}

static void pending_drop(size_t i)
{
    delivery_free(wh.pending[i]);
    memmove(wh.pending + i, wh.pending + i + 1, (wh.n_pending - i - 1) * sizeof(*wh.pending));
    wh.n_pending--;
    atomic_store(&wh.n_pending_now, wh.n_pending);
}

/* Reads one spool file; NULL (logged) when it is not one this fwhub wrote. */
static struct delivery *spool_read(const char *path)
{
    struct fw_err err;
    char *text = NULL;
    size_t len;
    json_t *j = NULL;
    json_error_t jerr;
    struct delivery *d = NULL;
    const char *id, *url, *event, *mac, *version, *body;
    json_int_t created, attempts;

    if (fs_read_file(path, SPOOL_FILE_MAX, &text, &len, &err) < 0) {
        srvlog(SRVLOG_ERROR, "webhook_spool_bad", path, "%s", err.msg);
        return NULL;
    }
    j = json_loadb(text, len, JSON_REJECT_DUPLICATES, &jerr);
    if (!j ||
        json_unpack(j, "{s:s, s:s, s:s, s:s, s:s, s:I, s:I, s:s}", "id", &id, "url", &url, "event",
                    &event, "mac", &mac, "version", &version, "created", &created, "attempts",
                    &attempts, "body", &body) < 0 ||
        strlen(id) >= sizeof(d->id)) {
        srvlog(SRVLOG_ERROR, "webhook_spool_bad", path, "not a webhook delivery; left in place");
        goto out;
    }
    d = calloc(1, sizeof(*d));
    if (d) {
        snprintf(d->id, sizeof(d->id), "%s", id);
        d->url = strdup(url);
        d->event = strdup(event);
        d->body = strdup(body);
        d->mac = strdup(mac);
        d->version = strdup(version);
        d->created = created;
        d->attempts = attempts;
        d->next_ms = isotime_mono_ms(); /* due now: a restart retries at once */
        if (!d->url || !d->event || !d->body || !d->mac || !d->version) {
            delivery_free(d);
            d = NULL;
        }
    }
out:
    json_decref(j);
    free(text);
    return d;
}

static int by_id(const void *a, const void *b)
{
    return strcmp((*(struct delivery *const *)a)->id, (*(struct delivery *const *)b)->id);
}

/* Loads every pending delivery left by an earlier run, oldest first. */
static int spool_load(struct fw_err *err)
{
    DIR *dir = opendir(wh.spool);
    struct dirent *e;

    if (!dir)
        return fw_fail(err, "cannot read %s: %s", wh.spool, strerror(errno));
    while ((e = readdir(dir))) {
        size_t n = strlen(e->d_name);
        char path[4200];
        struct delivery *d;

        if (e->d_name[0] == '.' || n < 6 || strcmp(e->d_name + n - 5, ".json") != 0)
            continue;
        if (fs_join(path, sizeof(path), wh.spool, e->d_name) < 0)
            continue;
        d = spool_read(path);
        if (d && (strlen(d->id) != n - 5 || strncmp(d->id, e->d_name, n - 5) != 0)) {
            srvlog(SRVLOG_ERROR, "webhook_spool_bad", path,
                   "its id is not its name; left in place");
            delivery_free(d);
            continue;
        }
        if (d && pending_add(d) < 0) {
            delivery_free(d);
            closedir(dir);
            return fw_fail(err, "webhooks: out of memory");
        }
    }
    closedir(dir);
    if (wh.n_pending)
        qsort(wh.pending, wh.n_pending, sizeof(*wh.pending), by_id);
    return 0;
}

/* ---- events into deliveries -------------------------------------------------------------- */

/* A new delivery id: milliseconds since the epoch (so names sort by age) and 64 random bits. */
static void new_id(char out[64])
{
    struct timespec ts;
    unsigned char r[8] = {0};
    char hex[17];

    clock_gettime(CLOCK_REALTIME, &ts);
    if (RAND_bytes(r, sizeof(r)) != 1) /* never in practice; the time still orders them */
        for (size_t i = 0; i < sizeof(r); i++)
            r[i] = (unsigned char)(rand() & 0xff);
    for (size_t i = 0; i < sizeof(r); i++)
        snprintf(hex + 2 * i, 3, "%02x", r[i]);
    snprintf(out, 64, "%013lld-%s", (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000, hex);
}

/* Spools event ev (WHC_*) about mac/version for every hook that wants it. details is
 * taken (decref'd here). c gives model, ticket and customer. */
static void emit(int ev, const struct catalog *c, uint64_t mac, const char *version,
                 json_t *details)
{
    const struct target *t = mac && c ? catalog_target(c, mac) : NULL;
    const struct device *dev = mac && c ? catalog_device(c, mac) : NULL;
    const struct target_device *fix = t ? fix_of(c, t) : NULL;
    const char *model = dev && dev->model && dev->model[0] ? dev->model : fix ? fix->model : NULL;
    const char *customer = dev && dev->customer && dev->customer[0] ? dev->customer
                           : t                                      ? t->customer_name
                                                                    : NULL;
    char macs[MAC_STR_LEN] = "";
    int64_t now = isotime_now();

    if (mac)
        mac_format(mac, macs);
    for (size_t h = 0; h < wh.cfg.n_hooks; h++) {
        struct delivery *d;
        json_t *body;
        struct fw_err err;

        if (!(wh.cfg.hooks[h].events & (1u << ev)))
            continue;
        if (wh.n_pending >= SPOOL_MAX) {
            atomic_fetch_add(&wh.dropped, 1);
            srvlog(SRVLOG_ERROR, "webhook_dropped", wh.cfg.hooks[h].url,
                   "%s for %s: %d deliveries pending already", whconfig_event_names[ev], macs,
                   SPOOL_MAX);
            continue;
        }
        d = calloc(1, sizeof(*d));
        if (!d)
            break;
        new_id(d->id);
        body = json_pack("{s:s, s:s, s:o, s:o, s:o, s:o, s:o, s:o, s:O}", "id", d->id, "event",
                         whconfig_event_names[ev], "time", time_json(now), "mac", str_or_null(macs),
                         "model", str_or_null(model), "version", str_or_null(version), "ticket",
                         str_or_null(t ? t->issue_ticket : NULL), "customer", str_or_null(customer),
                         "details", details ? details : json_object());
        d->body = body ? json_dumps(body, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
        json_decref(body);
        d->url = strdup(wh.cfg.hooks[h].url);
        d->event = strdup(whconfig_event_names[ev]);
        d->mac = strdup(macs);
        d->version = strdup(version ? version : "");
        d->created = now;
        d->next_ms = isotime_mono_ms();
        if (!d->body || !d->url || !d->event || !d->mac || !d->version) {
            delivery_free(d);
            break;
        }
        if (spool_write(d, &err) < 0 || pending_add(d) < 0) {
            srvlog(SRVLOG_ERROR, "webhook_spool_failed", d->id, "%s: %s", d->event, err.msg);
            delivery_free(d);
            continue;
        }
        srvlog(SRVLOG_DEBUG, "webhook_queued", macs, "%s to %s as %s", d->event, d->url, d->id);
    }
    json_decref(details);
}

/* ---- state ------------------------------------------------------------------------------- */

static json_t *ks_json(const struct keyset *s)
{
    json_t *a = json_array();

    for (size_t i = 0; a && i < s->n; i++)
        json_array_append_new(a, json_string(s->v[i]));
    return a;
}

static void state_save(void)
{
    struct fw_err err;
    json_t *j;
    char *text;

    if (!wh.dirty)
        return;
    j = json_pack("{s:i, s:I, s:I, s:o, s:o, s:o, s:o, s:o}", "v", 1, "audit_after",
                  (json_int_t)wh.audit_after, "status_after", (json_int_t)wh.status_after,
                  "targets", ks_json(&wh.targets), "answered", ks_json(&wh.answered), "installed",
                  ks_json(&wh.installed), "confirmed", ks_json(&wh.confirmed), "expiring",
                  ks_json(&wh.expiring));
    text = j ? json_dumps(j, JSON_COMPACT) : NULL;
    json_decref(j);
    if (!text || fs_write_atomic(wh.state_path, text, strlen(text), 0600, &err) < 0)
        srvlog(SRVLOG_ERROR, "webhook_state_failed", wh.state_path, "%s",
               text ? err.msg : "out of memory");
    else
        wh.dirty = false;
    free(text);
}

static int ks_load(json_t *root, const char *name, struct keyset *s, struct fw_err *err)
{
    json_t *a = json_object_get(root, name), *v;
    size_t i;

    if (!json_is_array(a))
        return fw_fail(err, "%s: %s: expected a list", wh.state_path, name);
    json_array_foreach(a, i, v)
    {
        if (!json_is_string(v))
            return fw_fail(err, "%s: %s[%zu]: expected a string", wh.state_path, name, i);
        if (ks_add(s, json_string_value(v)) < 0)
            return fw_fail(err, "webhooks: out of memory");
    }
    return 0;
}

static int on_answered(void *arg, const struct store_audit *r)
{
    char key[KEY_MAX];

    (void)arg;
    snprintf(key, sizeof(key), "%s %s", r->subject_mac, r->target_version);
    return ks_add(&wh.answered, key) < 0;
}

static int on_status_end(void *arg, const struct store_status *r)
{
    *(int64_t *)arg = r->id;
    return 0;
}

/* The id of the newest status report, into *end (0 when there is none). */
static int status_end(int64_t *end, struct fw_err *err)
{
    int64_t last;

    *end = 0;
    do {
        last = *end;
        if (store_scan_status_after(wh.st, last, 10000, on_status_end, end, err) < 0)
            return -1;
    } while (*end != last);
    return 0;
}

/* Loads state.json; without one (the first start with webhooks) starts from now: the
 * targets there are, the devices already answered, the audit trail's head. */
static int state_load(struct fw_err *err)
{
    char *text = NULL, hash[SHA256_HEX_LEN];
    size_t len;
    json_t *j = NULL;
    json_error_t jerr;
    json_int_t after;
    int64_t head, status_head;
    int rc = -1;

    if (access(wh.state_path, F_OK) < 0) {
        struct store_audit_filter f = {.event = "target.answered"};
        struct snapshot *s = snapshot_acquire();

        for (size_t i = 0; s && i < s->cat->n_targets; i++) {
            const struct target_device *fix = fix_of(s->cat, s->cat->targets[i]);
            char key[KEY_MAX];

            key_of(s->cat->targets[i]->mac, fix ? fix->version : "", key);
            if (ks_add(&wh.targets, key) < 0) {
                snapshot_release(s);
                return fw_fail(err, "webhooks: out of memory");
            }
        }
        if (s)
            wh.generation = s->generation;
        snapshot_release(s);
        wh.dirty = true;
        if (store_audit_head(wh.st, &wh.audit_after, hash, err) < 0 ||
            store_audit_scan(wh.st, &f, on_answered, NULL, err) < 0 ||
            status_end(&wh.status_after, err) < 0)
            return -1;
        return 0;
    }
    if (fs_read_file(wh.state_path, STATE_FILE_MAX, &text, &len, err) < 0)
        return -1;
    j = json_loadb(text, len, JSON_REJECT_DUPLICATES, &jerr);
    if (!json_is_object(j) || json_unpack(j, "{s:I}", "audit_after", &after) < 0) {
        fw_fail(err, "%s: not webhook state (%s); remove it to start afresh", wh.state_path,
                j ? "no audit_after" : jerr.text);
        goto out;
    }
    wh.audit_after = after;
    if (store_audit_head(wh.st, &head, hash, err) < 0 || status_end(&status_head, err) < 0)
        goto out;
    if (json_unpack(j, "{s:I}", "status_after", &after) < 0 || after > status_head) {
        /* a state of an earlier fwhub, or of another database: from the newest report on */
        wh.status_after = status_head;
        wh.dirty = true;
    } else {
        wh.status_after = after;
    }
    if (head < after) { /* another database than the state's: read from its head on */
        srvlog(SRVLOG_WARN, "webhook_state_reset", wh.state_path,
               "the state read the audit trail up to record %lld, but the store's last is "
               "%lld: reading from there",
               (long long)after, (long long)head);
        wh.audit_after = head;
        wh.dirty = true;
    }
    if (ks_load(j, "targets", &wh.targets, err) < 0 ||
        ks_load(j, "answered", &wh.answered, err) < 0 ||
        ks_load(j, "installed", &wh.installed, err) < 0 ||
        ks_load(j, "confirmed", &wh.confirmed, err) < 0 ||
        ks_load(j, "expiring", &wh.expiring, err) < 0)
        goto out;
    rc = 0;
out:
    json_decref(j);
    free(text);
    return rc;
}

/* ---- finding events ---------------------------------------------------------------------- */

static bool key_in_catalog(const char *key, void *arg)
{
    return ks_has(arg, key);
}

/* The watch list: devices with an Installed report for their fix, not yet confirmed. */
static void rebuild_watch(void)
{
    size_t n = 0;

    pthread_mutex_lock(&wh.lock);
    for (size_t i = 0; i < wh.installed.n && n < WATCH_MAX; i++) {
        uint64_t mac;
        char m[MAC_STR_LEN + 1];
        struct fw_err err;

        if (ks_has(&wh.confirmed, wh.installed.v[i]))
            continue;
        snprintf(m, sizeof(m), "%.*s", (int)strcspn(wh.installed.v[i], " "), wh.installed.v[i]);
        if (mac_parse(m, &mac, &err) == 0)
            wh.watch[n++] = mac;
    }
    atomic_store(&wh.n_watch, n);
    pthread_mutex_unlock(&wh.lock);
}

/* target.created for each target of the new snapshot that the known set lacks; the known
 * set becomes the snapshot's, and keys of targets that left are forgotten. */
static void check_snapshot(void)
{
    struct snapshot *s;
    struct keyset now = {0};
    bool oom = false;

    if (snapshot_generation() == wh.generation)
        return;
    s = snapshot_acquire();
    if (!s)
        return;
    wh.generation = s->generation;
    wh.expiry_checked = 0; /* a new target may expire soon: look now */
    for (size_t i = 0; i < s->cat->n_targets && !oom; i++) {
        const struct target *t = s->cat->targets[i];
        const struct target_device *fix = fix_of(s->cat, t);
        char key[KEY_MAX];

        key_of(t->mac, fix ? fix->version : "", key);
        oom = ks_add(&now, key) < 0;
        if (!oom && !ks_has(&wh.targets, key))
            emit(WHC_CREATED, s->cat, t->mac, fix ? fix->version : NULL,
                 json_pack("{s:o, s:o, s:o}", "expires", time_json(t->expiry), "created",
                           str_or_null(t->created_date), "changelog",
                           str_or_null(fix ? fix->changelog : NULL)));
    }
    if (!oom) {
        ks_free(&wh.targets);
        wh.targets = now;
        ks_filter(&wh.answered, key_in_catalog, &wh.targets);
        ks_filter(&wh.installed, key_in_catalog, &wh.targets);
        ks_filter(&wh.confirmed, key_in_catalog, &wh.targets);
        wh.dirty = true;
        rebuild_watch();
    } else {
        ks_free(&now);
    }
    snapshot_release(s);
}

static bool key_today(const char *key, void *arg)
{
    size_t n = strlen(key);

    return n > 10 && strcmp(key + n - 10, (const char *)arg) == 0;
}

/* target.expiring once per target and day. */
static void check_expiring(void)
{
    int64_t now = isotime_now();
    char today[ISOTIME_STR_LEN];
    struct snapshot *s;

    if (wh.expiry_checked && now - wh.expiry_checked < EXPIRY_EVERY_S && now >= wh.expiry_checked)
        return;
    wh.expiry_checked = now;
    isotime_format(now, today);
    today[10] = '\0';
    wh.dirty |= ks_filter(&wh.expiring, key_today, today);
    s = snapshot_acquire();
    for (size_t i = 0; s && i < s->cat->n_targets; i++) {
        const struct target *t = s->cat->targets[i];
        const struct target_device *fix = fix_of(s->cat, t);
        char key[KEY_MAX + ISOTIME_STR_LEN];
        char base[KEY_MAX];
        int added;

        if (catalog_target_state(s->cat, t, now) != TARGET_EXPIRING)
            continue;
        key_of(t->mac, fix ? fix->version : "", base);
        snprintf(key, sizeof(key), "%s %s", base, today);
        added = ks_add(&wh.expiring, key);
        if (added <= 0)
            continue;
        wh.dirty = true;
        emit(WHC_EXPIRING, s->cat, t->mac, fix ? fix->version : NULL,
             json_pack("{s:o, s:I, s:b}", "expires", time_json(t->expiry), "seconds_left",
                       (json_int_t)(t->expiry - now), "auto_rollback", t->auto_rollback));
    }
    snapshot_release(s);
}

struct audit_look {
    struct catalog *c;
    size_t n;
};

static int on_audit(void *arg, const struct store_audit *r)
{
    struct audit_look *a = arg;
    uint64_t mac = 0;
    struct fw_err err;
    char key[KEY_MAX];

    a->n++;
    wh.audit_after = r->id;
    wh.dirty = true;
    if (r->subject_mac[0] && mac_parse(r->subject_mac, &mac, &err) < 0)
        mac = 0;
    if (strcmp(r->event, "target.downloaded") == 0) {
        emit(WHC_DOWNLOADED, a->c, mac, r->target_version,
             json_pack("{s:s, s:s, s:s, s:I}", "client", r->client_addr, "user_agent",
                       r->user_agent, "detail", r->detail, "audit_id", (json_int_t)r->id));
        return 0;
    }
    if (strcmp(r->event, "target.answered") != 0)
        return 0;
    snprintf(key, sizeof(key), "%s %s", r->subject_mac, r->target_version);
    if (ks_add(&wh.answered, key) == 1)
        emit(WHC_FIRST_ANSWERED, a->c, mac, r->target_version,
             json_pack("{s:s, s:s, s:s, s:I}", "client", r->client_addr, "user_agent",
                       r->user_agent, "detail", r->detail, "audit_id", (json_int_t)r->id));
    return 0;
}

/* target.first_answered and target.downloaded from the committed audit records. */
static void check_audit(void)
{
    struct snapshot *s = snapshot_acquire();
    struct audit_look a = {.c = s ? s->cat : NULL};
    struct fw_err err;

    do {
        struct store_audit_filter f = {
            .event = "target.*", .after_id = wh.audit_after, .limit = AUDIT_BATCH};

        a.n = 0;
        if (store_audit_scan(wh.st, &f, on_audit, &a, &err) < 0) {
            srvlog(SRVLOG_ERROR, "webhook_audit_failed", store_where(wh.st), "%s", err.msg);
            break;
        }
    } while (a.n == AUDIT_BATCH && !atomic_load(&wh.stop));
    snapshot_release(s);
}

/* Remembers when mac reported Installed (the newest report wins). */
static void note_installed_at(uint64_t mac, int64_t t)
{
    size_t i;

    for (i = 0; i < wh.n_installed_at && wh.installed_at[i].mac != mac; i++)
        ;
    if (i == wh.n_installed_at) {
        if (i == WATCH_MAX)
            return;
        wh.n_installed_at++;
    }
    wh.installed_at[i].mac = mac;
    wh.installed_at[i].time = t;
}

static int64_t installed_at(uint64_t mac)
{
    for (size_t i = 0; i < wh.n_installed_at; i++)
        if (wh.installed_at[i].mac == mac)
            return wh.installed_at[i].time;
    return 0;
}

/* A committed status report: device.failure, or an Installed report of a device's fix,
 * which its next check-in running the fix confirms. */
static int on_status(void *arg, const struct store_status *r)
{
    struct audit_look *a = arg;
    const struct target *t;
    const struct target_device *fix;
    uint64_t mac;
    struct fw_err err;
    char key[KEY_MAX];

    a->n++;
    wh.status_after = r->id;
    wh.dirty = true;
    if (mac_parse(r->mac, &mac, &err) < 0)
        return 0;
    if (report_status_failed(r->status)) {
        if (wh.cfg.wanted & (1u << WHC_FAILURE))
            emit(WHC_FAILURE, a->c, mac, r->version,
                 json_pack("{s:s, s:s, s:s, s:o, s:I}", "status", r->status, "detail", r->detail,
                           "client", r->client_addr, "reported", time_json(r->time), "report_id",
                           (json_int_t)r->id));
        return 0;
    }
    if (strcmp(r->status, "Installed") != 0 || !(wh.cfg.wanted & (1u << WHC_CONFIRMED)))
        return 0;
    t = a->c ? catalog_target(a->c, mac) : NULL;
    fix = t ? fix_of(a->c, t) : NULL;
    if (!fix || strcmp(fix->version, r->version) != 0)
        return 0;
    key_of(mac, fix->version, key);
    note_installed_at(mac, r->time);
    if (ks_add(&wh.installed, key) == 1)
        rebuild_watch();
    return 0;
}

/* device.failure and the Installed reports, from the committed status reports. */
static void check_status(void)
{
    struct snapshot *s = snapshot_acquire();
    struct audit_look a = {.c = s ? s->cat : NULL};
    struct fw_err err;

    do {
        a.n = 0;
        if (store_scan_status_after(wh.st, wh.status_after, AUDIT_BATCH, on_status, &a, &err) < 0) {
            srvlog(SRVLOG_ERROR, "webhook_status_failed", store_where(wh.st), "%s", err.msg);
            break;
        }
    } while (a.n == AUDIT_BATCH && !atomic_load(&wh.stop));
    snapshot_release(s);
}

/* A check-in of mac running version at time from client: fix.confirmed when version is
 * its fix and the fix was reported Installed, once. */
static void checked_in(const struct catalog *c, uint64_t mac, const char *version,
                       const char *client, int64_t time)
{
    const struct target *t = c ? catalog_target(c, mac) : NULL;
    const struct target_device *fix = t ? fix_of(c, t) : NULL;
    char key[KEY_MAX];

    if (!fix || strcmp(fix->version, version) != 0)
        return;
    key_of(mac, fix->version, key);
    if (!ks_has(&wh.installed, key) || ks_has(&wh.confirmed, key))
        return;
    if (ks_add(&wh.confirmed, key) == 1) {
        wh.dirty = true;
        rebuild_watch();
        emit(WHC_CONFIRMED, c, mac, fix->version,
             json_pack("{s:s, s:o}", "client", client, "checked_in", time_json(time)));
    }
}

/* A check-in this instance saw. */
static void handle_note(const struct catalog *c, const struct note *n)
{
    checked_in(c, n->mac, n->version, n->client, n->time);
}

struct inventory_look {
    uint64_t mac;
    char version[STORE_TEXT_MAX], addr[64];
    int64_t last_seen;
    bool found;
};

static int on_device(void *arg, const struct store_device *d)
{
    struct inventory_look *l = arg;

    l->found = true;
    snprintf(l->version, sizeof(l->version), "%s", d->version);
    snprintf(l->addr, sizeof(l->addr), "%s", d->last_addr);
    l->last_seen = d->last_seen;
    return 0;
}

/* Check-ins that other instances saw (or this one before a restart): every few seconds,
 * the watched devices' rows of the shared inventory, which a check-in after the Installed
 * report running the fix confirms. */
static void check_inventory(void)
{
    static uint64_t macs[WATCH_MAX];
    size_t n;
    struct snapshot *s;
    int64_t now = isotime_mono_ms();

    if (now - wh.confirm_checked_ms < CONFIRM_EVERY_MS || !atomic_load(&wh.n_watch))
        return;
    wh.confirm_checked_ms = now;
    pthread_mutex_lock(&wh.lock);
    n = atomic_load(&wh.n_watch);
    memcpy(macs, wh.watch, n * sizeof(*macs));
    pthread_mutex_unlock(&wh.lock);
    s = snapshot_acquire();
    for (size_t i = 0; i < n && !atomic_load(&wh.stop); i++) {
        struct inventory_look l = {.mac = macs[i]};
        struct fw_err err;

        if (store_scan_device(wh.st, macs[i], on_device, &l, &err) < 0) {
            srvlog(SRVLOG_ERROR, "webhook_inventory_failed", store_where(wh.st), "%s", err.msg);
            break;
        }
        if (l.found && l.last_seen >= installed_at(macs[i]))
            checked_in(s ? s->cat : NULL, macs[i], l.version, l.addr, l.last_seen);
    }
    snapshot_release(s);
}

static void check_notes(void)
{
    static struct note batch[NOTES_MAX];
    size_t n;
    struct snapshot *s;

    pthread_mutex_lock(&wh.lock);
    n = wh.n_notes;
    memcpy(batch, wh.notes, n * sizeof(*batch));
    wh.n_notes = 0;
    pthread_mutex_unlock(&wh.lock);
    if (!n)
        return;
    s = snapshot_acquire();
    for (size_t i = 0; i < n; i++)
        handle_note(s ? s->cat : NULL, &batch[i]);
    snapshot_release(s);
}

/* ---- delivery ---------------------------------------------------------------------------- */

static size_t discard(char *p, size_t size, size_t n, void *arg)
{
    (void)p;
    (void)arg;
    return size * n;
}

static int progress(void *arg, curl_off_t a, curl_off_t b, curl_off_t c, curl_off_t d)
{
    (void)arg;
    (void)a;
    (void)b;
    (void)c;
    (void)d;
    return atomic_load(&wh.stop) ? 1 : 0;
}

/* The signature header's value: "sha256=" and the hex HMAC-SHA256 of body. */
static int sign(const struct whconfig_hook *h, const char *body, char out[80])
{
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int md_len = 0;

    if (!HMAC(EVP_sha256(), h->secret, (int)h->secret_len, (const unsigned char *)body,
              strlen(body), md, &md_len))
        return -1;
    memcpy(out, "sha256=", 7);
    for (unsigned i = 0; i < md_len && i < 32; i++)
        snprintf(out + 7 + 2 * i, 3, "%02x", md[i]);
    return 0;
}

/* One attempt: 0 when the receiver answered 2xx; else -1 and why. */
static int post(const struct whconfig_hook *h, const struct delivery *d, long *status, char *why,
                size_t whylen)
{
    CURL *c = curl_easy_init();
    struct curl_slist *hdr = NULL;
    char sig[80], line[200], errbuf[CURL_ERROR_SIZE] = "";
    CURLcode rc;

    *status = 0;
    if (!c || sign(h, d->body, sig) < 0) {
        snprintf(why, whylen, "out of memory");
        curl_easy_cleanup(c);
        return -1;
    }
    hdr = curl_slist_append(hdr, "Content-Type: application/json");
    snprintf(line, sizeof(line), "X-Fwhub-Event: %s", d->event);
    hdr = curl_slist_append(hdr, line);
    snprintf(line, sizeof(line), "X-Fwhub-Delivery: %s", d->id);
    hdr = curl_slist_append(hdr, line);
    snprintf(line, sizeof(line), "X-Fwhub-Signature: %s", sig);
    hdr = curl_slist_append(hdr, line);
    hdr = curl_slist_append(hdr, "Expect:");
    curl_easy_setopt(c, CURLOPT_URL, d->url);
    curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, hdr);
    curl_easy_setopt(c, CURLOPT_POSTFIELDS, d->body);
    curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE, (long)strlen(d->body));
    curl_easy_setopt(c, CURLOPT_USERAGENT, "fwhub-webhooks/1");
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, CONNECT_TIMEOUT);
    curl_easy_setopt(c, CURLOPT_TIMEOUT, TOTAL_TIMEOUT);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, discard);
    curl_easy_setopt(c, CURLOPT_NOPROGRESS, 0L);
    curl_easy_setopt(c, CURLOPT_XFERINFOFUNCTION, progress);
    curl_easy_setopt(c, CURLOPT_ERRORBUFFER, errbuf);
    rc = curl_easy_perform(c);
    if (rc == CURLE_OK)
        curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, status);
    curl_slist_free_all(hdr);
    curl_easy_cleanup(c);
    if (rc != CURLE_OK) {
        snprintf(why, whylen, "%s", errbuf[0] ? errbuf : curl_easy_strerror(rc));
        return -1;
    }
    if (*status < 200 || *status > 299) {
        snprintf(why, whylen, "HTTP %ld", *status);
        return -1;
    }
    snprintf(why, whylen, "HTTP %ld", *status);
    return 0;
}

/* The audit record of one attempt, committed before the spool file changes. */
static void record(const struct delivery *d, const char *event, const char *result,
                   const char *detail)
{
    uint64_t mac = 0;
    struct fw_err err;
    struct store_event ev = {.kind = STORE_AUDIT,
                             .event = event,
                             .actor = "webhooks",
                             .version = d->version,
                             .result = result,
                             .detail = detail};
    int rc;

    if (d->mac[0] && mac_parse(d->mac, &mac, &err) < 0)
        mac = 0;
    ev.mac = mac;
    for (int i = 0; (rc = store_append_sync(wh.st, &ev, &err)) == STORE_BUSY && i < 100; i++)
        usleep(10000);
    if (rc != 0)
        srvlog(SRVLOG_ERROR, "webhook_record_failed", d->id, "%s: %s", event,
               rc == STORE_BUSY ? "the event store stays busy" : err.msg);
}

static int64_t backoff_ms(long attempts)
{
    int64_t ms = RETRY_FIRST_MS;

    for (long i = 1; i < attempts && ms < RETRY_MAX_MS; i++)
        ms *= 2;
    return ms < RETRY_MAX_MS ? ms : RETRY_MAX_MS;
}

/* One attempt of pending[i]; drops it when delivered or given up. */
static void attempt(size_t i)
{
    struct delivery *d = wh.pending[i];
    const struct whconfig_hook *h = whconfig_find(&wh.cfg, d->url);
    char why[CURL_ERROR_SIZE + 32], detail[STORE_DETAIL_MAX];
    long status = 0;
    int64_t wait;
    struct fw_err err;

    if (!h) {
        snprintf(detail, sizeof(detail), "delivery=%s event=%s url=%s attempt=%ld", d->id, d->event,
                 d->url, d->attempts);
        record(d, "webhook.failed", "no_hook", detail);
        srvlog(SRVLOG_WARN, "webhook_dropped", d->url, "%s %s: no hook has this URL any more",
               d->event, d->id);
        spool_remove(d);
        pending_drop(i);
        return;
    }
    d->attempts++;
    if (post(h, d, &status, why, sizeof(why)) == 0) {
        snprintf(detail, sizeof(detail), "delivery=%s event=%s url=%s attempt=%ld status=%ld",
                 d->id, d->event, d->url, d->attempts, status);
        record(d, "webhook.delivered", "ok", detail);
        atomic_fetch_add(&wh.delivered, 1);
        srvlog(SRVLOG_INFO, "webhook_delivered", d->url, "%s %s after %ld attempt(s)", d->event,
               d->id, d->attempts);
        spool_remove(d);
        pending_drop(i);
        return;
    }
    if (atomic_load(&wh.stop)) { /* cut by the shutdown: not an attempt */
        d->attempts--;
        return;
    }
    atomic_fetch_add(&wh.failed, 1);
    if (isotime_now() - d->created >= GIVE_UP_S) {
        snprintf(detail, sizeof(detail), "delivery=%s event=%s url=%s attempt=%ld error=%s", d->id,
                 d->event, d->url, d->attempts, why);
        record(d, "webhook.failed", "gave_up", detail);
        atomic_fetch_add(&wh.gave_up, 1);
        srvlog(SRVLOG_ERROR, "webhook_gave_up", d->url, "%s %s: %s; no delivery for 24 h", d->event,
               d->id, why);
        spool_remove(d);
        pending_drop(i);
        return;
    }
    wait = backoff_ms(d->attempts);
    d->next_ms = isotime_mono_ms() + wait;
    snprintf(detail, sizeof(detail),
             "delivery=%s event=%s url=%s attempt=%ld error=%s next_in=%llds", d->id, d->event,
             d->url, d->attempts, why, (long long)(wait / 1000));
    record(d, "webhook.failed", "retry", detail);
    srvlog(SRVLOG_WARN, "webhook_failed", d->url, "%s %s attempt %ld: %s; again in %lld s",
           d->event, d->id, d->attempts, why, (long long)(wait / 1000));
    if (spool_write(d, &err) < 0)
        srvlog(SRVLOG_ERROR, "webhook_spool_failed", d->id, "%s", err.msg);
}

/* Attempts the deliveries that are due, oldest first; returns ms until the next one. */
static int64_t deliver_due(void)
{
    int64_t next = TICK_MS;

    for (size_t i = 0; i < wh.n_pending && !atomic_load(&wh.stop);) {
        size_t before = wh.n_pending;

        if (wh.pending[i]->next_ms <= isotime_mono_ms())
            attempt(i);
        if (wh.n_pending == before) {
            int64_t left = wh.pending[i]->next_ms - isotime_mono_ms();

            if (left < next)
                next = left;
            i++;
        }
    }
    return next < 10 ? 10 : next;
}

/* Lets go of the pending deliveries and what the state had announced. */
static void forget(void)
{
    while (wh.n_pending)
        pending_drop(wh.n_pending - 1);
    ks_free(&wh.targets);
    ks_free(&wh.answered);
    ks_free(&wh.installed);
    ks_free(&wh.confirmed);
    ks_free(&wh.expiring);
}

/* Takes the delivery lock when no other instance holds it, then loads the spool and the
 * state the previous holder left. Returns true when this instance delivers now; false with
 * err empty while another instance holds the lock, else with err saying why. */
static bool take_over(struct fw_err *err)
{
    if (flock(wh.lock_fd, LOCK_EX | LOCK_NB) < 0) {
        if (errno != EWOULDBLOCK)
            fw_fail(err, "%s: cannot lock: %s", wh.lock_path, strerror(errno));
        return false;
    }
    if (spool_load(err) < 0 || state_load(err) < 0) {
        forget();
        flock(wh.lock_fd, LOCK_UN);
        return false;
    }
    rebuild_watch();
    atomic_store(&wh.active, true);
    return true;
}

/* Sleeps until ms have passed or the thread is woken (a note, stop). */
static void nap(int64_t ms)
{
    struct timespec ts;

    clock_gettime(CLOCK_REALTIME, &ts);
    ts.tv_sec += ms / 1000;
    ts.tv_nsec += (long)(ms % 1000) * 1000000;
    if (ts.tv_nsec >= 1000000000) {
        ts.tv_sec++;
        ts.tv_nsec -= 1000000000;
    }
    pthread_mutex_lock(&wh.lock);
    if (!atomic_load(&wh.stop) && wh.n_notes == 0)
        pthread_cond_timedwait(&wh.wake, &wh.lock, &ts);
    pthread_mutex_unlock(&wh.lock);
}

/* A standby instance: waits until the delivering one stops (its lock goes with it). */
static void standby(void)
{
    char last[FW_ERRLEN] = "";

    while (!atomic_load(&wh.stop) && !atomic_load(&wh.active)) {
        struct fw_err err = {""};

        if (take_over(&err)) {
            srvlog(SRVLOG_INFO, "webhooks_active", wh.dir,
                   "taking over the webhooks: %zu deliveries pending", wh.n_pending);
            return;
        }
        if (err.msg[0] && strcmp(err.msg, last) != 0)
            srvlog(SRVLOG_ERROR, "webhooks_standby", wh.dir, "%s", err.msg);
        snprintf(last, sizeof(last), "%s", err.msg);
        pthread_mutex_lock(&wh.lock);
        wh.n_notes = 0; /* check-ins are for the delivering instance */
        pthread_mutex_unlock(&wh.lock);
        nap(STANDBY_MS);
    }
}

static void *thread_main(void *arg)
{
    (void)arg;
    standby();
    while (!atomic_load(&wh.stop)) {
        check_snapshot();
        check_expiring();
        check_audit();
        check_status(); /* before the check-ins: an Installed report, then the check-in */
        check_notes();
        check_inventory();
        state_save();
        nap(deliver_due());
    }
    if (atomic_load(&wh.active)) {
        check_notes();
        state_save();
    }
    return NULL;
}

/* ---- the interface ----------------------------------------------------------------------- */

int webhooks_start(const char *path, const char *repo, struct store *st, struct fw_err *err)
{
    if (whconfig_load(path, &wh.cfg, err) < 0)
        return -1;
    wh.st = st;
    if (fs_join(wh.dir, sizeof(wh.dir), repo, ".fwhub/webhooks") < 0 ||
        fs_join(wh.spool, sizeof(wh.spool), wh.dir, "spool") < 0 ||
        fs_join(wh.state_path, sizeof(wh.state_path), wh.dir, "state.json") < 0 ||
        fs_join(wh.lock_path, sizeof(wh.lock_path), wh.dir, "lock") < 0) {
        whconfig_free(&wh.cfg);
        return fw_fail(err, "%s: path too long for the webhook spool", repo);
    }
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != 0) {
        whconfig_free(&wh.cfg);
        return fw_fail(err, "webhooks: libcurl cannot start");
    }
    if (fs_mkdirs(wh.spool, err) < 0) {
        webhooks_stop();
        return fw_context(err, "webhooks");
    }
    wh.lock_fd = open(wh.lock_path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (wh.lock_fd < 0) {
        fw_fail(err, "webhooks: cannot open %s: %s", wh.lock_path, strerror(errno));
        webhooks_stop();
        return -1;
    }
    /* the first instance on the repository delivers; the others stand by and take over when
     * it stops (its lock goes with its process, kill -9 included) */
    if (!take_over(err) && err->msg[0]) {
        webhooks_stop();
        return fw_context(err, "webhooks");
    }
    atomic_store(&wh.stop, false);
    wh.on = true;
    if (pthread_create(&wh.tid, NULL, thread_main, NULL) != 0) {
        webhooks_stop();
        return fw_fail(err, "webhooks: cannot start the delivery thread");
    }
    wh.started = true;
    if (atomic_load(&wh.active))
        srvlog(SRVLOG_INFO, "webhooks", path, "%zu hook(s), %zu deliveries pending in %s",
               wh.cfg.n_hooks, wh.n_pending, wh.spool);
    else
        srvlog(SRVLOG_INFO, "webhooks_standby", path,
               "another fwhub serve delivers the webhooks of %s; this one takes over when it "
               "stops",
               wh.dir);
    return 0;
}

static bool watched(uint64_t mac)
{
    size_t n = atomic_load(&wh.n_watch);
    bool hit = false;

    if (!n)
        return false;
    pthread_mutex_lock(&wh.lock);
    for (size_t i = 0; i < atomic_load(&wh.n_watch) && !hit; i++)
        hit = wh.watch[i] == mac;
    pthread_mutex_unlock(&wh.lock);
    return hit;
}

void webhooks_note(const struct event *e)
{
    struct note n = {.mac = e->mac, .time = isotime_now()};

    if (!wh.on || !e->mac || e->kind != EVENT_CHECKIN || !watched(e->mac))
        return;
    snprintf(n.version, sizeof(n.version), "%s", e->version ? e->version : "");
    snprintf(n.client, sizeof(n.client), "%s", e->client ? e->client : "");
    pthread_mutex_lock(&wh.lock);
    if (wh.n_notes < NOTES_MAX) {
        wh.notes[wh.n_notes++] = n;
        pthread_cond_signal(&wh.wake);
    } else {
        atomic_fetch_add(&wh.dropped, 1);
    }
    pthread_mutex_unlock(&wh.lock);
}

void webhooks_stop(void)
{
    if (wh.started) {
        pthread_mutex_lock(&wh.lock);
        atomic_store(&wh.stop, true);
        pthread_cond_signal(&wh.wake);
        pthread_mutex_unlock(&wh.lock);
        pthread_join(wh.tid, NULL);
        wh.started = false;
    }
    if (!wh.cfg.n_hooks && !wh.on)
        return;
    wh.on = false;
    forget();
    free(wh.pending);
    wh.pending = NULL;
    whconfig_free(&wh.cfg);
    curl_global_cleanup();
    if (wh.lock_fd >= 0)
        close(wh.lock_fd); /* lets a standby instance take over */
    wh.lock_fd = -1;
    atomic_store(&wh.active, false);
}

void webhooks_render_metrics(struct jbuf *b)
{
    if (!wh.on)
        return;
    jbuf_printf(b,
                "# HELP fwhub_webhook_attempts_total Webhook delivery attempts, by result.\n"
                "# TYPE fwhub_webhook_attempts_total counter\n"
                "fwhub_webhook_attempts_total{result=\"delivered\"} %" PRIuFAST64 "\n"
                "fwhub_webhook_attempts_total{result=\"failed\"} %" PRIuFAST64 "\n"
                "# HELP fwhub_webhook_gave_up_total Deliveries given up after 24 hours.\n"
                "# TYPE fwhub_webhook_gave_up_total counter\n"
                "fwhub_webhook_gave_up_total %" PRIuFAST64 "\n"
                "# HELP fwhub_webhook_dropped_total Notifications dropped: queue or spool full.\n"
                "# TYPE fwhub_webhook_dropped_total counter\n"
                "fwhub_webhook_dropped_total %" PRIuFAST64 "\n"
                "# HELP fwhub_webhook_pending Deliveries waiting in the spool.\n"
                "# TYPE fwhub_webhook_pending gauge\nfwhub_webhook_pending %zu\n"
                "# HELP fwhub_webhook_active 1 when this instance delivers the webhooks, 0 "
                "while another one does.\n"
                "# TYPE fwhub_webhook_active gauge\nfwhub_webhook_active %d\n",
                atomic_load(&wh.delivered), atomic_load(&wh.failed), atomic_load(&wh.gave_up),
                atomic_load(&wh.dropped), atomic_load(&wh.n_pending_now),
                (int)atomic_load(&wh.active));
}
