/* events.h: the seam where everything that happens is recorded; for now it only counts. */
#ifndef FWHUB_EVENTS_H
#define FWHUB_EVENTS_H

#include <stddef.h>
#include <stdint.h>

enum event_kind {
    EVENT_CHECKIN,           /* an update answer was given */
    EVENT_STATUS,            /* a device reported a firmware status */
    EVENT_DOWNLOAD_TARGETED, /* a targeted image was handed out with a valid token */
    EVENT_DOWNLOAD_REFUSED,  /* a targeted download without a valid token */
    EVENT_KIND_COUNT,
};

/* One event; strings belong to the caller and are only read during events_record. */
struct event {
    enum event_kind kind;
    uint64_t mac;
    const char *model;
    const char *version; /* the device's version (check-in, status) */
    const char *offered; /* check-in: the version offered, or NULL */
    int update_kind;     /* check-in: enum update_kind */
    int status;          /* status: index into events_status_names */
    const char *detail;  /* status: the device's text; refused: the reason */
    const char *path;    /* downloads */
    const char *client;  /* client address */
};

/* The status names a device may report: OCPP 2.0.1 firmware states and RolledBack. */
extern const char *const events_status_names[];
extern const size_t events_status_count;

/* Index of name in events_status_names, or -1. */
int events_status_index(const char *name);

/* Records e. Today it only counts into the metrics; the event store (SQLite, the audit
 * chain) is a later piece of work and plugs in here: targeted accesses committed before
 * the answer, other events batched by a writer thread. Called from the loop threads. */
void events_record(const struct event *e);

/* Writes out what must be stored before exit; nothing yet (see events_record). */
void events_flush(void);

#endif
