/* metrics.h: counters kept per thread without locks, and their Prometheus text form. */
#ifndef FWHUB_METRICS_H
#define FWHUB_METRICS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "jbuf.h"
#include "snapshot.h"

enum metrics_route {
    ROUTE_UPDATE,
    ROUTE_STATUS,
    ROUTE_MANIFEST,
    ROUTE_HEALTHZ,
    ROUTE_METRICS,
    ROUTE_FIRMWARE,
    ROUTE_TARGETED,
    ROUTE_OTHER,
    ROUTE_COUNT,
};

/* Prepares n_threads shards (one per event loop) and one for every other thread.
 * Returns 0 or -1 when out of memory. */
int metrics_init(size_t n_threads) __attribute__((warn_unused_result));

/* Makes the calling thread count into shard idx (< n_threads). */
void metrics_bind_thread(size_t idx);

/* The route a request path (without query) belongs to. */
enum metrics_route metrics_route_of(const char *path, size_t len);

/* One finished request: its route, status, duration and bytes sent. */
void metrics_request(enum metrics_route r, int status, uint64_t usec, uint64_t bytes);

void metrics_update_kind(int kind);           /* enum update_kind */
void metrics_event(int kind);                 /* enum event_kind */
void metrics_status_report(int status_index); /* index into devreq_status_names */
void metrics_reload(bool ok);

/* Appends every metric in Prometheus text format 0.0.4 to b; s gives the catalog gauges. */
void metrics_render(struct jbuf *b, const struct snapshot *s, int64_t now);

#endif
