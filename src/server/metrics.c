/* metrics.c: per-thread counters (relaxed atomics, each written by one thread) and rendering. */
#include "metrics.h"

#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conns.h"
#include "core/decide.h"
#include "devreq.h"
#include "events.h"
#include "images.h"

#define STATUS_MIN     100
#define STATUS_SLOTS   500 /* 100..599 */
#define N_BUCKETS      16
#define N_KINDS        4
#define N_STATUS_NAMES 32

typedef atomic_uint_fast64_t counter;

/* Upper bounds of the latency buckets, in microseconds. */
static const uint64_t bucket_usec[N_BUCKETS] = {
    100,   250,    500,    1000,   2500,    5000,    10000,   25000,
    50000, 100000, 250000, 500000, 1000000, 2500000, 5000000, 10000000,
};

static const char *const route_names[ROUTE_COUNT] = {
    "update", "status", "manifest", "healthz", "metrics", "firmware", "targeted", "other",
};

static const char *const event_names[EVENT_KIND_COUNT] = {
    "checkin",
    "status",
    "download_targeted",
    "download_refused",
};

struct shard {
    counter requests[ROUTE_COUNT][STATUS_SLOTS];
    counter buckets[ROUTE_COUNT][N_BUCKETS + 1];
    counter usec_sum[ROUTE_COUNT];
    counter bytes[ROUTE_COUNT];
    counter kinds[N_KINDS];
    counter events[EVENT_KIND_COUNT];
    counter reports[N_STATUS_NAMES];
};

static struct shard *shards;
static size_t n_shards;
static _Thread_local struct shard *mine;
static counter reloads_ok, reloads_failed;

int metrics_init(size_t n_threads)
{
    n_shards = n_threads + 1;
    shards = calloc(n_shards, sizeof(*shards));
    return shards ? 0 : -1;
}

void metrics_bind_thread(size_t idx)
{
    mine = &shards[idx < n_shards ? idx : n_shards - 1];
}

static struct shard *shard(void)
{
    return mine ? mine : &shards[n_shards - 1];
}

static void add(counter *c, uint64_t v)
{
    atomic_fetch_add_explicit(c, v, memory_order_relaxed);
}

static uint64_t get(counter *c)
{
    return atomic_load_explicit(c, memory_order_relaxed);
}

static bool starts(const char *path, size_t len, const char *prefix)
{
    size_t n = strlen(prefix);

    return len >= n && memcmp(path, prefix, n) == 0;
}

enum metrics_route metrics_route_of(const char *path, size_t len)
{
    if (starts(path, len, "/api/v1/devices/"))
        return len >= 7 && memcmp(path + len - 7, "/update", 7) == 0 ? ROUTE_UPDATE : ROUTE_STATUS;
    if (starts(path, len, "/firmware/"))
        return ROUTE_FIRMWARE;
    if (starts(path, len, "/targeted/firmware/"))
        return ROUTE_TARGETED;
    if (len == 14 && starts(path, len, "/manifest.json"))
        return ROUTE_MANIFEST;
    if (len == 8 && starts(path, len, "/healthz"))
        return ROUTE_HEALTHZ;
    if (len == 8 && starts(path, len, "/metrics"))
        return ROUTE_METRICS;
    return ROUTE_OTHER;
}

void metrics_request(enum metrics_route r, int status, uint64_t usec, uint64_t bytes)
{
    struct shard *s = shard();
    size_t b = 0;

    if (status >= STATUS_MIN && status < STATUS_MIN + STATUS_SLOTS)
        add(&s->requests[r][status - STATUS_MIN], 1);
    while (b < N_BUCKETS && usec > bucket_usec[b])
        b++;
    add(&s->buckets[r][b], 1);
    add(&s->usec_sum[r], usec);
    add(&s->bytes[r], bytes);
}

void metrics_update_kind(int kind)
{
    if (kind >= 0 && kind < N_KINDS)
        add(&shard()->kinds[kind], 1);
}

void metrics_event(int kind)
{
    if (kind >= 0 && kind < EVENT_KIND_COUNT)
        add(&shard()->events[kind], 1);
}

void metrics_status_report(int status_index)
{
    if (status_index >= 0 && status_index < N_STATUS_NAMES)
        add(&shard()->reports[status_index], 1);
}

void metrics_reload(bool ok)
{
    add(ok ? &reloads_ok : &reloads_failed, 1);
}

/* The sum of one counter over all shards; off is its byte offset in struct shard. */
static uint64_t total(size_t off)
{
    uint64_t sum = 0;

    for (size_t i = 0; i < n_shards; i++)
        sum += get((counter *)((char *)&shards[i] + off));
    return sum;
}

#define TOTAL(field) total(offsetof(struct shard, field))

static void render_requests(struct jbuf *b)
{
    jbuf_cstr(b, "# HELP fwhub_http_requests_total Requests answered, by route and status.\n"
                 "# TYPE fwhub_http_requests_total counter\n");
    for (int r = 0; r < ROUTE_COUNT; r++)
        for (int st = 0; st < STATUS_SLOTS; st++) {
            uint64_t n = TOTAL(requests[r][st]);

            if (n)
                jbuf_printf(b, "fwhub_http_requests_total{route=\"%s\",status=\"%d\"} %llu\n",
                            route_names[r], st + STATUS_MIN, (unsigned long long)n);
        }
    jbuf_cstr(b, "# HELP fwhub_http_response_bytes_total Bytes sent, by route.\n"
                 "# TYPE fwhub_http_response_bytes_total counter\n");
    for (int r = 0; r < ROUTE_COUNT; r++)
        jbuf_printf(b, "fwhub_http_response_bytes_total{route=\"%s\"} %llu\n", route_names[r],
                    (unsigned long long)TOTAL(bytes[r]));
}

static void render_latency(struct jbuf *b)
{
    jbuf_cstr(b, "# HELP fwhub_http_request_duration_seconds Time from request to last byte.\n"
                 "# TYPE fwhub_http_request_duration_seconds histogram\n");
    for (int r = 0; r < ROUTE_COUNT; r++) {
        uint64_t cum = 0;

        for (int k = 0; k <= N_BUCKETS; k++) {
            cum += TOTAL(buckets[r][k]);
            if (k < N_BUCKETS)
                jbuf_printf(
                    b, "fwhub_http_request_duration_seconds_bucket{route=\"%s\",le=\"%g\"} %llu\n",
                    route_names[r], (double)bucket_usec[k] / 1e6, (unsigned long long)cum);
            else
                jbuf_printf(b,
                            "fwhub_http_request_duration_seconds_bucket{route=\"%s\",le=\"+Inf\"} "
                            "%llu\n",
                            route_names[r], (unsigned long long)cum);
        }
        jbuf_printf(b, "fwhub_http_request_duration_seconds_sum{route=\"%s\"} %.6f\n",
                    route_names[r], (double)TOTAL(usec_sum[r]) / 1e6);
        jbuf_printf(b, "fwhub_http_request_duration_seconds_count{route=\"%s\"} %llu\n",
                    route_names[r], (unsigned long long)cum);
    }
}

static void render_events(struct jbuf *b)
{
    jbuf_cstr(b, "# HELP fwhub_update_answers_total Update answers, by kind.\n"
                 "# TYPE fwhub_update_answers_total counter\n");
    for (int k = 0; k < N_KINDS; k++)
        jbuf_printf(b, "fwhub_update_answers_total{kind=\"%s\"} %llu\n",
                    update_kind_name((enum update_kind)k), (unsigned long long)TOTAL(kinds[k]));
    jbuf_cstr(b, "# HELP fwhub_events_total Events recorded, by kind.\n"
                 "# TYPE fwhub_events_total counter\n");
    for (int k = 0; k < EVENT_KIND_COUNT; k++)
        jbuf_printf(b, "fwhub_events_total{kind=\"%s\"} %llu\n", event_names[k],
                    (unsigned long long)TOTAL(events[k]));
    jbuf_cstr(b, "# HELP fwhub_status_reports_total Firmware status reports, by status.\n"
                 "# TYPE fwhub_status_reports_total counter\n");
    for (size_t k = 0; k < devreq_status_count && k < N_STATUS_NAMES; k++)
        jbuf_printf(b, "fwhub_status_reports_total{status=\"%s\"} %llu\n", devreq_status_names[k],
                    (unsigned long long)TOTAL(reports[k]));
}

static void render_catalog(struct jbuf *b, const struct snapshot *s, int64_t now)
{
    uint64_t states[4] = {0};
    size_t releases = 0;

    for (size_t i = 0; i < s->cat->n_targets; i++)
        states[catalog_target_state(s->cat, s->cat->targets[i], now)]++;
    for (size_t i = 0; i < s->cat->n_models; i++)
        releases += s->cat->models[i].n_releases;
    jbuf_cstr(b, "# HELP fwhub_catalog_targets Targeted fixes in the catalog, by state.\n"
                 "# TYPE fwhub_catalog_targets gauge\n");
    for (int k = 0; k < 4; k++)
        jbuf_printf(b, "fwhub_catalog_targets{state=\"%s\"} %llu\n",
                    target_state_name((enum target_state)k), (unsigned long long)states[k]);
    jbuf_printf(b, "# TYPE fwhub_catalog_models gauge\nfwhub_catalog_models %zu\n",
                s->cat->n_models);
    jbuf_printf(b, "# TYPE fwhub_catalog_releases gauge\nfwhub_catalog_releases %zu\n", releases);
    jbuf_printf(b, "# TYPE fwhub_catalog_generation gauge\nfwhub_catalog_generation %llu\n",
                (unsigned long long)s->generation);
    jbuf_printf(b,
                "# HELP fwhub_catalog_reloads_total Catalog reloads, by result.\n"
                "# TYPE fwhub_catalog_reloads_total counter\n"
                "fwhub_catalog_reloads_total{result=\"ok\"} %llu\n"
                "fwhub_catalog_reloads_total{result=\"failed\"} %llu\n",
                (unsigned long long)get(&reloads_ok), (unsigned long long)get(&reloads_failed));
}

static void render_connections(struct jbuf *b)
{
    jbuf_printf(b,
                "# HELP fwhub_connections_open Client connections open now.\n"
                "# TYPE fwhub_connections_open gauge\nfwhub_connections_open %ld\n"
                "# HELP fwhub_connections_max The connection limit (--max-connections).\n"
                "# TYPE fwhub_connections_max gauge\nfwhub_connections_max %ld\n",
                conns_open(), conns_max());
    jbuf_printf(
        b,
        "# HELP fwhub_accept_paused_total Times a loop stopped accepting at the limit.\n"
        "# TYPE fwhub_accept_paused_total counter\nfwhub_accept_paused_total %lu\n"
        "# HELP fwhub_download_stalls_total Downloads cut off by --send-timeout.\n"
        "# TYPE fwhub_download_stalls_total counter\nfwhub_download_stalls_total %lu\n"
        "# HELP fwhub_connections_cut_total Connections cut for holding over 64 KiB of input.\n"
        "# TYPE fwhub_connections_cut_total counter\nfwhub_connections_cut_total %lu\n",
        conns_pauses(), images_stalls(), conns_swept());
}

void metrics_render(struct jbuf *b, const struct snapshot *s, int64_t now)
{
    render_connections(b);
    render_requests(b);
    render_latency(b);
    render_events(b);
    render_catalog(b, s, now);
}
