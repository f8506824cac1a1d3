/* events.h: the seam where everything that happens is counted and written to the event store. */
#ifndef FWHUB_EVENTS_H
#define FWHUB_EVENTS_H

#include <stddef.h>
#include <stdint.h>

#include <h2o.h>

#include "core/error.h"
#include "held.h"
#include "jbuf.h"
#include "store/store.h"

#define EVENTS_UA_MAX 257 /* the User-Agent as kept: STORE_TEXT_MAX bytes and NUL */

enum event_kind {
    EVENT_CHECKIN,           /* an update answer was given */
    EVENT_STATUS,            /* a device reported a firmware status */
    EVENT_DOWNLOAD_TARGETED, /* a targeted image was handed out with a valid token */
    EVENT_DOWNLOAD_REFUSED,  /* a targeted download without a valid token */
    EVENT_KIND_COUNT,
};

/* One event; strings belong to the caller and are only read during the call. */
struct event {
    enum event_kind kind;
    uint64_t mac;
    const char *model;
    const char *version;    /* the device's version (check-in, status); targeted download:
                               the fix's version, or NULL when unknown */
    const char *offered;    /* check-in: the version offered, or NULL */
    int update_kind;        /* check-in: enum update_kind */
    int status;             /* status: index into devreq_status_names */
    const char *detail;     /* status: the device's text; refused: the reason */
    const char *path;       /* downloads: repository-relative */
    const char *client;     /* client address */
    const char *user_agent; /* audited events: the client's User-Agent, or NULL */
};

/* Index of name in devreq_status_names (devreq.h), or -1. */
int events_status_index(const char *name);

/* Opens the event store before the loop threads start: url (serve --db) when not NULL,
 * else $FWHUB_DB when set, else REPO/.fwhub/fwhub.db. Returns 0, or -1 with err naming
 * the database. */
int events_open(const char *url, const char *repo, struct fw_err *err) FW_NODISCARD;

/* The open event store (NULL before events_open and after events_close): for the
 * webhooks' delivery thread, and the admin worker, which reads it and waits for its own
 * audit records with store_append_sync. */
struct store *events_store(void);

/* After the loop threads stopped: writes out what is queued and the devices seen, closes
 * the store, and lets go of answers that were still held. A failure is logged. Safe when
 * the store was never opened. */
void events_close(void);

/* Counts e into the metrics and queues what the store keeps of it, without waiting:
 * a check-in as the device's inventory row (written once per interval, not per poll),
 * a status report, a refused download as the audit record token.refused. A targeted
 * download goes through events_hold instead (which counts it), and its row through
 * events_request_done. Returns 0, or STORE_BUSY (or -1) when nothing could be
 * queued: the request then gets events_busy. Called from the loop threads. */
int events_record(const struct event *e) FW_NODISCARD;

/* Holds req until the audit record of e is committed, then answer() runs on this loop
 * thread (see held.h): a check-in of kind targeted (target.answered) or rollback
 * (target.rollback), already recorded with events_record, or a targeted download
 * (target.downloaded), which this counts. Returns 0 when held,
 * else STORE_BUSY or -1 and nothing is held: the caller answers events_busy. */
int events_hold(h2o_req_t *req, const struct event *e, held_answer_fn answer, held_drop_fn drop,
                const void *data, size_t len) FW_NODISCARD;

/* Queues the audit record ev (kind STORE_AUDIT; its strings are copied) without waiting:
 * for a refusal worth a record but not worth holding the answer for. Returns as
 * events_record. */
int events_audit(const struct store_event *ev) FW_NODISCARD;

/* Holds req until the audit record ev (kind STORE_AUDIT, e.g. portal.lookup) is
 * committed, then answer() runs as with events_hold; counts nothing. Returns as
 * events_hold. */
int events_hold_audit(h2o_req_t *req, const struct store_event *ev, held_answer_fn answer,
                      held_drop_fn drop, const void *data, size_t len) FW_NODISCARD;

/* Answers 503 with Retry-After: 1: the store cannot take the event now. Returns 0. */
int events_busy(h2o_req_t *req);

/* The request's User-Agent into out, cut to STORE_TEXT_MAX bytes; "" when none. */
void events_user_agent(h2o_req_t *req, char out[EVENTS_UA_MAX]);

/* Called for every finished request (the access logger): a GET of an image that sent
 * a body becomes a row of the downloads table, with its bytes, Range header and whether
 * the file's end reached the client. */
void events_request_done(h2o_req_t *req);

/* Queues the audit record admin.refused (actor "admin:?" or "admin:<identity>" when a
 * session was known, the client's address and User-Agent, result why, detail the method
 * and path), without waiting for its commit: a refusal is answered at once. */
void events_admin_refused(h2o_req_t *req, const char *identity, const char *why);

/* Queues admin.signed_in or admin.signed_out (actor "admin:<identity>", result ok), as
 * events_admin_refused does. */
void events_admin_session(h2o_req_t *req, const char *identity, bool signed_in);

/* Appends the store's counters (Prometheus text) to b. */
void events_render_metrics(struct jbuf *b);

#endif
