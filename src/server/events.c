/* events.c: the event seam: counts into the metrics and writes to the event store. */
#include "events.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <stdatomic.h>
#include <string.h>
#include <time.h>

#include "core/decide.h"
#include "core/mac.h"
#include "devreq.h"
#include "metrics.h"
#include "server.h"
#include "srvlog.h"
#include "store/store.h"
#include "watch.h"
#include "webhooks.h"

#define ACTOR_MAX   (sizeof("device:") + MAC_STR_LEN)
#define BUSY_LOG_MS 10000 /* one store_busy line per 10 s at most */

static struct store *store;
static _Atomic int64_t last_busy_log;

int events_status_index(const char *name)
{
    for (size_t i = 0; i < devreq_status_count; i++)
        if (strcmp(devreq_status_names[i], name) == 0)
            return (int)i;
    return -1;
}

/* From the store's listener thread: a catalog change was committed somewhere. */
static void catalog_notice(void *arg)
{
    (void)arg;
    watch_poke();
}

int events_open(const char *url, const char *repo, struct fw_err *err)
{
    const char *env = getenv("FWHUB_DB");
    char def[STORE_URL_MAX], shown[STORE_URL_MAX];

    if (!url && env && env[0])
        url = env;
    if (!url) {
        if (store_default_url(repo, def, sizeof(def)) < 0)
            return fw_fail(err, "%s: path too long for the event store's URL", repo);
        url = def;
    }
    store_url_hide(url, shown, sizeof(shown));
    if (store_open(url, NULL, &store, err) < 0)
        return fw_context(err, "cannot open the event store %s", shown);
    srvlog(SRVLOG_INFO, "store_open", store_where(store), "recording events into %s", shown);
    /* PostgreSQL: other instances announce their catalog changes (LISTEN/NOTIFY) */
    if (store_watch(store, catalog_notice, NULL, err) < 0)
        return fw_context(err, "cannot listen for catalog changes on %s", shown);
    return 0;
}

struct store *events_store(void)
{
    return store;
}

void events_close(void)
{
    struct fw_err err;
    char where[STORE_URL_MAX];

    if (!store)
        return;
    snprintf(where, sizeof(where), "%s", store_where(store));
    if (store_close(store, &err) < 0)
        srvlog(SRVLOG_ERROR, "store_close_failed", where, "%s", err.msg);
    store = NULL;
    held_shutdown();
}

/* Logs why an append failed (a full queue at most every BUSY_LOG_MS); returns rc. */
static int noted(int rc, const struct fw_err *err)
{
    if (rc == STORE_BUSY) {
        int64_t now = (int64_t)time(NULL) * 1000, last = last_busy_log;

        if (now - last >= BUSY_LOG_MS && atomic_compare_exchange_strong(&last_busy_log, &last, now))
            srvlog(SRVLOG_WARN, "store_busy", "-",
                   "the event store's queue is full: answering 503");
    } else if (rc < 0) {
        srvlog(SRVLOG_ERROR, "store_append_failed", "-", "%s", err->msg);
    }
    return rc;
}

/* Queues ev without waiting. */
static int append(const struct store_event *ev)
{
    struct fw_err err;

    if (!store)
        return 0;
    return noted(store_append(store, ev, NULL, &err), &err);
}

static void count(const struct event *e)
{
    metrics_event(e->kind);
    if (e->kind == EVENT_STATUS)
        metrics_status_report(e->status);
    if (e->kind == EVENT_CHECKIN)
        metrics_update_kind(e->update_kind);
}

static void actor_of(uint64_t mac, char out[ACTOR_MAX])
{
    char macs[MAC_STR_LEN];

    if (!mac) {
        snprintf(out, ACTOR_MAX, "device:unknown");
        return;
    }
    mac_format(mac, macs);
    snprintf(out, ACTOR_MAX, "device:%s", macs);
}

int events_record(const struct event *e)
{
    struct store_event ev = {.mac = e->mac, .client_addr = e->client, .version = e->version};
    char actor[ACTOR_MAX], detail[STORE_TEXT_MAX];

    count(e);
    webhooks_note(e);
    switch (e->kind) {
    case EVENT_CHECKIN:
        ev.kind = STORE_SEEN;
        ev.model = e->model;
        ev.offered = e->offered;
        break;
    case EVENT_STATUS:
        ev.kind = STORE_STATUS;
        ev.status = devreq_status_names[e->status];
        ev.detail = e->detail;
        break;
    case EVENT_DOWNLOAD_REFUSED:
        actor_of(e->mac, actor);
        snprintf(detail, sizeof(detail), "path=/%s", e->path ? e->path : "");
        ev = (struct store_event){.kind = STORE_AUDIT,
                                  .mac = e->mac,
                                  .event = "token.refused",
                                  .actor = actor,
                                  .client_addr = e->client,
                                  .user_agent = e->user_agent,
                                  .result = e->detail,
                                  .detail = detail};
        break;
    default:
        return 0; /* a targeted download: see events_hold */
    }
    return append(&ev);
}

int events_hold(h2o_req_t *req, const struct event *e, held_answer_fn answer, held_drop_fn drop,
                const void *data, size_t len)
{
    char actor[ACTOR_MAX], detail[STORE_DETAIL_MAX];
    struct store_event ev = {.kind = STORE_AUDIT,
                             .mac = e->mac,
                             .actor = actor,
                             .client_addr = e->client,
                             .user_agent = e->user_agent,
                             .result = "ok",
                             .detail = detail};
    struct fw_err err;

    if (e->kind != EVENT_CHECKIN)
        count(e); /* a check-in was counted by events_record */
    actor_of(e->mac, actor);
    if (e->kind == EVENT_CHECKIN) {
        ev.event = e->update_kind == UPDATE_ROLLBACK ? "target.rollback" : "target.answered";
        ev.version = e->offered;
        snprintf(detail, sizeof(detail), "model=%s running=%s", e->model ? e->model : "",
                 e->version ? e->version : "");
    } else {
        ev.event = "target.downloaded";
        ev.version = e->version;
        snprintf(detail, sizeof(detail), "path=/%s", e->path ? e->path : "");
    }
    if (!store) /* only when serving without a store, which run() does not do */
        return answer(req, data, len, 0), 0;
    return noted(held_append(store, req, &ev, answer, drop, data, len, &err), &err);
}

int events_audit(const struct store_event *ev)
{
    return append(ev);
}

int events_hold_audit(h2o_req_t *req, const struct store_event *ev, held_answer_fn answer,
                      held_drop_fn drop, const void *data, size_t len)
{
    struct fw_err err;

    if (!store)
        return answer(req, data, len, 0), 0;
    return noted(held_append(store, req, ev, answer, drop, data, len, &err), &err);
}

/* Queues a security record about the admin access of req: event, the admin's identity
 * when known, result. */
static void admin_access(h2o_req_t *req, const char *event, const char *identity,
                         const char *result)
{
    char actor[80], peer[SERVER_PEER_MAX], ua[EVENTS_UA_MAX], detail[STORE_TEXT_MAX];
    struct store_event ev = {.kind = STORE_AUDIT,
                             .event = event,
                             .actor = actor,
                             .client_addr = peer,
                             .user_agent = ua,
                             .result = result,
                             .detail = detail};

    snprintf(actor, sizeof(actor), "admin:%s", identity && identity[0] ? identity : "?");
    server_peer(req, peer);
    events_user_agent(req, ua);
    snprintf(detail, sizeof(detail), "%.*s %.*s", (int)req->method.len, req->method.base,
             (int)(server_path_len(req) < 200 ? server_path_len(req) : 200), req->path.base);
    (void)append(&ev);
}

void events_admin_refused(h2o_req_t *req, const char *identity, const char *why)
{
    admin_access(req, "admin.refused", identity, why);
}

void events_admin_session(h2o_req_t *req, const char *identity, bool signed_in)
{
    admin_access(req, signed_in ? "admin.signed_in" : "admin.signed_out", identity, "ok");
}

int events_busy(h2o_req_t *req)
{
    static const char body[] = "{\"error\":{\"message\":\"busy; try again\"}}\n";

    h2o_add_header(&req->pool, &req->res.headers, H2O_TOKEN_RETRY_AFTER, NULL, H2O_STRLIT("1"));
    return server_send(req, 503, "Service Unavailable", "application/json", body, sizeof(body) - 1);
}

/* Copies the value of header name into out[cap], cut; "" when absent. */
static void header_value(h2o_req_t *req, const h2o_token_t *name, char *out, size_t cap)
{
    ssize_t i = h2o_find_header(&req->headers, name, -1);
    size_t n = 0;

    if (i >= 0) {
        n = req->headers.entries[i].value.len < cap - 1 ? req->headers.entries[i].value.len
                                                        : cap - 1;
        memcpy(out, req->headers.entries[i].value.base, n);
    }
    out[n] = '\0';
}

void events_user_agent(h2o_req_t *req, char out[EVENTS_UA_MAX])
{
    header_value(req, H2O_TOKEN_USER_AGENT, out, EVENTS_UA_MAX);
}

/* True when a 206 answer's single range ran to the file's last byte ("bytes a-b/n"). */
static bool range_reaches_end(h2o_req_t *req)
{
    ssize_t i = h2o_find_header(&req->res.headers, H2O_TOKEN_CONTENT_RANGE, -1);
    char v[80];
    unsigned long long first, last, size;

    if (i < 0 || req->res.headers.entries[i].value.len >= sizeof(v))
        return false; /* several ranges (multipart): not a resume to the end */
    memcpy(v, req->res.headers.entries[i].value.base, req->res.headers.entries[i].value.len);
    v[req->res.headers.entries[i].value.len] = '\0';
    return sscanf(v, "bytes %llu-%llu/%llu", &first, &last, &size) == 3 && last + 1 == size;
}

void events_request_done(h2o_req_t *req)
{
    h2o_iovec_t p = req->path_normalized;
    char path[STORE_TEXT_MAX + 1], ranges[STORE_TEXT_MAX + 1];
    uint64_t mac = 0;
    struct fw_err err;
    struct store_event ev = {.kind = STORE_DOWNLOAD, .path = path};

    if (!store || (req->res.status != 200 && req->res.status != 206) ||
        !server_method_is(req, "GET") || !p.base || p.len <= 10 || p.len > STORE_TEXT_MAX)
        return;
    if (!h2o_memis(p.base, 10, H2O_STRLIT("/firmware/")) &&
        !(p.len > 19 && h2o_memis(p.base, 19, H2O_STRLIT("/targeted/firmware/"))))
        return;
    memcpy(path, p.base + 1, p.len - 1); /* decoded; the guard let only plain paths in */
    path[p.len - 1] = '\0';
    if (path[0] == 't') {
        char macs[MAC_STR_LEN + 1];
        size_t n = strcspn(path + 18, "/");

        snprintf(macs, sizeof(macs), "%.*s", (int)n, path + 18);
        if (n >= sizeof(macs) || mac_parse(macs, &mac, &err) < 0)
            mac = 0;
    }
    header_value(req, H2O_TOKEN_RANGE, ranges, sizeof(ranges));
    ev.mac = mac;
    ev.bytes = req->bytes_sent;
    ev.ranges = ranges[0] ? ranges : NULL;
    ev.complete = req->res.content_length != SIZE_MAX &&
                  req->bytes_sent >= req->res.content_length &&
                  (req->res.status == 200 || range_reaches_end(req));
    (void)append(&ev);
}

/* fwhub_store_commit_duration_seconds: how long commits take, as a histogram. */
static void render_commit_histogram(struct jbuf *b, const struct store_stats *s)
{
    uint64_t cum = 0;

    jbuf_cstr(b, "# HELP fwhub_store_commit_duration_seconds Duration of the event store's "
                 "commits (one per group).\n"
                 "# TYPE fwhub_store_commit_duration_seconds histogram\n");
    for (size_t i = 0; i <= STORE_COMMIT_BUCKETS; i++) {
        cum += s->commit_buckets[i];
        if (i < STORE_COMMIT_BUCKETS)
            jbuf_printf(b, "fwhub_store_commit_duration_seconds_bucket{le=\"%g\"} %" PRIu64 "\n",
                        (double)store_commit_bucket_us[i] / 1e6, cum);
        else
            jbuf_printf(b,
                        "fwhub_store_commit_duration_seconds_bucket{le=\"+Inf\"} %" PRIu64 "\n"
                        "fwhub_store_commit_duration_seconds_sum %.6f\n"
                        "fwhub_store_commit_duration_seconds_count %" PRIu64 "\n",
                        cum, (double)s->commit_us_total / 1e6, s->transactions);
    }
}

void events_render_metrics(struct jbuf *b)
{
    struct store_stats s;

    if (!store)
        return;
    store_stats(store, &s);
    jbuf_printf(
        b,
        "# HELP fwhub_store_events_committed_total Events written to the event store.\n"
        "# TYPE fwhub_store_events_committed_total counter\n"
        "fwhub_store_events_committed_total %" PRIu64 "\n"
        "# HELP fwhub_audit_records_written_total Audit records committed.\n"
        "# TYPE fwhub_audit_records_written_total counter\n"
        "fwhub_audit_records_written_total %" PRIu64 "\n"
        "# HELP fwhub_store_busy_total Events refused with 503: the store's queue was full.\n"
        "# TYPE fwhub_store_busy_total counter\nfwhub_store_busy_total %" PRIu64 "\n"
        "# HELP fwhub_store_failed_total Events that could not be committed.\n"
        "# TYPE fwhub_store_failed_total counter\nfwhub_store_failed_total %" PRIu64 "\n"
        "# HELP fwhub_store_queue_depth Events waiting for the store's writer.\n"
        "# TYPE fwhub_store_queue_depth gauge\nfwhub_store_queue_depth %zu\n"
        "# HELP fwhub_store_seen_pending Devices seen, waiting to be written.\n"
        "# TYPE fwhub_store_seen_pending gauge\nfwhub_store_seen_pending %zu\n"
        "# HELP fwhub_audit_held_requests Answers waiting for their audit record's commit.\n"
        "# TYPE fwhub_audit_held_requests gauge\nfwhub_audit_held_requests %zu\n",
        s.committed, s.audit_committed, s.busy, s.failed, s.queue_depth, s.seen_pending,
        held_count());
    jbuf_printf(b,
                "# HELP fwhub_store_commits_total Transactions committed.\n"
                "# TYPE fwhub_store_commits_total counter\n"
                "fwhub_store_commits_total %" PRIu64 "\n"
                "# HELP fwhub_store_commit_seconds_total Time spent committing.\n"
                "# TYPE fwhub_store_commit_seconds_total counter\n"
                "fwhub_store_commit_seconds_total %.6f\n"
                "# HELP fwhub_store_commit_seconds_last Duration of the last commit.\n"
                "# TYPE fwhub_store_commit_seconds_last gauge\n"
                "fwhub_store_commit_seconds_last %.6f\n"
                "# HELP fwhub_store_commit_seconds_max The longest commit since start.\n"
                "# TYPE fwhub_store_commit_seconds_max gauge\n"
                "fwhub_store_commit_seconds_max %.6f\n",
                s.transactions, (double)s.commit_us_total / 1e6, (double)s.commit_us_last / 1e6,
                (double)s.commit_us_max / 1e6);
    render_commit_histogram(b, &s);
    webhooks_render_metrics(b);
    jbuf_printf(b,
                "# HELP fwhub_store_database_up 0 while the writer waits for the database.\n"
                "# TYPE fwhub_store_database_up gauge\nfwhub_store_database_up %d\n"
                "# HELP fwhub_store_reconnects_total Connections to the database made again.\n"
                "# TYPE fwhub_store_reconnects_total counter\n"
                "fwhub_store_reconnects_total %" PRIu64 "\n",
                !s.db_down, s.reconnects);
}
